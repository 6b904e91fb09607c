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
 * report state changes through the wake fd.  Used by the intake's device
 * commands, the uplink and discovery.
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

struct config;
/* Load Paho (paho.h) in the build the config's links need: the TLS one
 * when local.uri or an upstream URI is TLS, else the one without OpenSSL.
 * Each owner of a link calls it before mqtt_link_init; the first call
 * decides.  0, or -1 with err naming the library and its package. */
int  mqtt_link_library(const struct config *cfg, char *err, size_t errlen);
int  mqtt_link_init(struct mqtt_link *l, char *err, size_t errlen);
void mqtt_link_tick(struct mqtt_link *l, int64_t now_mono_ms);
void mqtt_link_destroy(struct mqtt_link *l, int timeout_ms);
bool mqtt_link_up(struct mqtt_link *l);
/* Publish QoS 1, not retained, no completion callback (Paho copies the
 * payload): 0, or -1 with Paho's reason in err. */
int  mqtt_link_publish(struct mqtt_link *l, const char *topic, const void *payload,
		       size_t len, char *err, size_t errlen);
/* Read a password file, strip the trailing newline. NULL if path empty. */
int  mqtt_link_read_password(struct mqtt_link *l, const char *path, char *err,
			     size_t errlen);

#endif /* IO_MQTT_LINK_H */
