/*
 * mqtt_link.h: one Paho client and its connection state (io layer), shared
 * by the intake (drivers/io), the uplink and discovery.
 */
#ifndef IO_MQTT_LINK_H
#define IO_MQTT_LINK_H

#include "lib.h"

/* ------------------------------------------------------------ mqtt_link.c
 * One Paho async client with its connection state machine: connect to the
 * first URI that answers, reconnect from the loop with backoff and jitter,
 * report state changes through the wake fd.  Used by the intake and uplink.
 */
enum link_state { LINK_DOWN = 0, LINK_CONNECTING, LINK_UP };

struct mqtt_link {
	void   *client;                 /* MQTTAsync */
	char    name[16];               /* "local" / "upstream", for logs */
	char    uris[MAX_URIS][TOPIC_MAX];
	int     n_uris;
	char    client_id[ID_MAX];
	char    username[ID_MAX];
	char   *password;               /* secret: never logged */
	char    ca_file[PATH_MAX_HZ], cert_file[PATH_MAX_HZ], key_file[PATH_MAX_HZ];
	bool    clean_session;
	char    will_topic[TOPIC_MAX];
	char   *will_payload;           /* retained QoS 1 last will, or NULL */
	int     wake_fd;
	/* called on Paho's thread once connected (subscribe, birth message) */
	void  (*on_up)(void *ctx);
	void  (*on_down)(void *ctx);
	int   (*on_message)(void *ctx, char *topic, int topic_len, void *msg);
	void   *ctx;
	/* shared with Paho's threads */
	_Atomic int      state;
	_Atomic int64_t  next_attempt_ms;
	_Atomic unsigned failures;
	_Atomic int      last_rc;
	char    connected_uri[TOPIC_MAX];
	_Atomic unsigned epoch;         /* bumped on every connect/loss */
	/* loop thread only */
	struct complaint complaint;
	unsigned logged_epoch;
};

int  mqtt_link_init(struct mqtt_link *l, char *err, size_t errlen);
void mqtt_link_tick(struct mqtt_link *l, int64_t now_mono_ms);
void mqtt_link_destroy(struct mqtt_link *l, int timeout_ms);
bool mqtt_link_up(struct mqtt_link *l);
/* Read a password file, strip the trailing newline. NULL if path empty. */
int  mqtt_link_read_password(struct mqtt_link *l, const char *path, char *err,
			     size_t errlen);

#endif /* IO_MQTT_LINK_H */
