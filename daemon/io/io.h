/*
 * io.h: the transports (sixth layer): MQTT links, the district uplink,
 * discovery, privilege drop and command authentication.  The device-side
 * transports (GPIO, the local broker's intake, flood control) are in
 * drivers/io/device_io.h.
 */
#ifndef IO_H
#define IO_H

#include "store.h"
#include "device_io.h"

/* --------------------------------------------------------------- uplink.c
 * The district link: publishes the outbox in order with QoS 1 and a
 * bounded in-flight window; a row leaves the outbox only on PUBACK.
 */
struct uplink;
struct uplink *uplink_new(const struct config *cfg, const char *epoch, int wake_fd,
			  char *err, size_t errlen);
void uplink_free(struct uplink *up);
/* (Re)connects; true when the link has just come up (publish the birth). */
bool uplink_tick(struct uplink *up, int64_t now_mono_ms);
bool uplink_connected(struct uplink *up, char *uri, size_t urilen);
/* Publish outbox rows while the window has room. */
int  uplink_pump(struct uplink *up, struct store *st);
/* Collect acknowledged outbox seqs (to delete); returns count. */
int  uplink_take_acks(struct uplink *up, int64_t *seqs, int max);
/* Acknowledged rows whose delete did not reach the disk: never sent again in
 * this run (pump skips them); while the set plus the window would exceed its
 * bound, pump sends no further outbox rows.  Returns how many could not be
 * remembered (counted; such a row may be sent once more later). */
int  uplink_keep_acked(struct uplink *up, const int64_t *seqs, int n);
/* The remembered rows (ascending), to delete again once writes work. */
const int64_t *uplink_kept(struct uplink *up, int *n);
/* Their deletes committed: forget them all. */
void uplink_kept_deleted(struct uplink *up);
uint64_t uplink_kept_overflow(struct uplink *up);
int  uplink_inflight(struct uplink *up);
uint64_t uplink_published(struct uplink *up);
/* Publish a retained status message now (not through the outbox). */
int  uplink_publish_status(struct uplink *up, const char *state, cJSON *extra);
/* Wait up to timeout_ms for in-flight messages, then disconnect. */
void uplink_shutdown(struct uplink *up, int timeout_ms);
/* Platform commands: subscribe to <prefix>/cmd/+ (QoS 1) on every connect
 * and push each command into q (bigger than max_bytes: refused by msgq);
 * a full queue calls dropped(ctx) from Paho's thread and leaves the
 * command unacknowledged.  Call before the first uplink_tick. */
void uplink_set_commands(struct uplink *up, struct msgq *q, size_t max_bytes,
			 void (*dropped)(void *ctx), void *ctx);
/* Shutting down: commands are no longer taken (nor acknowledged), so the
 * broker keeps them for the next session. */
void uplink_close_commands(struct uplink *up);
/* A JSON object body published now, QoS 1, not stored (msg_id "<epoch>-d..."). */
int  uplink_publish_direct(struct uplink *up, const char *suffix, const char *body);
/* "hz/v1/<district>/<gateway>/<suffix>" */
void uplink_topic(const struct config *cfg, const char *suffix, char *buf, size_t len);

/* ------------------------------------------------------------- sha256.c
 * An evidence file's name: the SHA-256 of its bytes, 64 lowercase hex
 * digits and a NUL in out.  0, or -1 if the digest failed (or libcrypto,
 * loaded at the first call, could not be: logged).
 */
int sha256_hex(const void *p, size_t n, char out[65]);

/* ------------------------------------------------------------ cmd_auth.c
 * Downlink command authenticity: HMAC-SHA256(key, topic "\n" body), a
 * timestamp window and a bounded replay cache (persisted by downlink.c).
 */
#define CMD_MAC_LEN     32
#define CMD_ID_MAX      64      /* a command's "id", bytes */
#define CMD_REPLAY_MAX  1024    /* ids remembered inside the window */
struct replay_cache {
	struct { char id[CMD_ID_MAX + 1]; int64_t ts_ms; } e[CMD_REPLAY_MAX];
	int     n;
	int64_t floor_ms;       /* a full cache evicted up to here: ts <= floor refused */
};
/* Load libcrypto for the HMAC (ossl.h): at start-up when a key is
 * configured, so that a missing library stops start-up.  0 or -1 (err). */
int  cmd_auth_load(char *err, size_t errlen);
/* topic may be NULL (plain HMAC of body, for test vectors); 0 or -1. */
int  cmd_hmac(const unsigned char *key, size_t keylen, const char *topic,
	      const char *body, unsigned char mac[CMD_MAC_LEN]);
void cmd_hex(const unsigned char *b, size_t n, char *out);     /* out: 2n+1 */
/* Overwrite a key in memory so that it cannot be optimised away. */
void cmd_key_wipe(void *key, size_t len);
/* sig_hex: 64 hex digits; compared in constant time (CRYPTO_memcmp). */
bool cmd_sig_ok(const unsigned char *key, size_t keylen, const char *topic,
		const char *body, const char *sig_hex);
bool cmd_ts_ok(int64_t ts_ms, int64_t now_ms, int64_t window_ms);
/* 0: new, recorded; -1: replayed (or at/below the floor, or a bad id). */
int  replay_check_add(struct replay_cache *rc, const char *id, int64_t ts_ms,
		      int64_t now_ms, int64_t window_ms);
cJSON *replay_to_json(const struct replay_cache *rc);
int  replay_from_json(struct replay_cache *rc, const cJSON *o);

/* ---------------------------------------------------------- discovery.c
 * A second, clean-session QoS 0 client on the local broker subscribed to
 * the ecosystems' wildcards: nothing is queued for it while hazardd is
 * down, and it never duplicates what the persistent session receives (a
 * configured device's messages are skipped here).  Unknown senders go to
 * unknown.c.
 */
struct discovery;
/* ix: the topic index, one holder's share of it (devindex_share), kept
 * (and let go of when it fails) */
struct discovery *discovery_new(const struct config *cfg, struct devindex *ix,
				struct unknown *u, int wake_fd, char *err, size_t errlen);
void discovery_free(struct discovery *dv);
void discovery_tick(struct discovery *dv, int64_t now_mono_ms);
bool discovery_connected(struct discovery *dv);
/* Reload: ix (owned from now on) is the configured devices to skip. */
void discovery_reconfigure(struct discovery *dv, struct devindex *ix);

/* ------------------------------------------------------------ privdrop.c
 * Started as root outside systemd (no NOTIFY_SOCKET, no INVOCATION_ID):
 * open what needs root, then become daemon.user.  Under systemd the
 * unit's User= does it.
 */
struct privdrop {
	bool     active;                /* we will switch users */
	unsigned uid, gid;
	char     user[ID_MAX];
	char     db_dir[PATH_MAX_HZ];   /* must be writable once we are the user */
};
/* Decide; when dropping, create the database directory and, if it is new,
 * make it the user's.  -1 with err: a configured user
 * that does not exist, or root itself. */
int  privdrop_prepare(const struct config *cfg, struct privdrop *pd,
		      char *err, size_t errlen);
/* on: take the user's effective ids (and only its group) while the
 * database is opened, so that SQLite creates its files as the user and a
 * symlink gains nothing; off: back to root for the rest of the set-up. */
int  privdrop_as_user(const struct privdrop *pd, bool on);

/* The control socket (and its directory when nothing else lives there):
 * the user's, so that it can remove the socket at exit. */
int  privdrop_chown(const struct privdrop *pd, const char *path, bool parent_too);
/* initgroups, setgid, setuid; then prove that root cannot be regained. */
int  privdrop_apply(const struct privdrop *pd, char *err, size_t errlen);

/* ------------------------------------------------------ control_socket.c
 * The control socket's transport (mode 0660): one request per line in,
 * one JSON reply per line out, non-blocking on the loop's poll().  It
 * frames lines, enforces the deadlines and connection limits and knows
 * who each client is; what a request means is the handler's business
 * (app/control.c).
 */
/* Who is on the other end of a control connection: the kernel's word
 * (SO_PEERCRED at accept), never the request's. */
struct ctl_caller {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char  name[ID_MAX];     /* the user name of uid, else "uid:N" */
};
/* One complete request line (without its newline; not NUL-terminated) from
 * who: the reply to queue (owned by the socket from then on; NULL: "out
 * of memory").  *understood: the line was a request at all (a JSON
 * object), which restarts the client's idle clock. */
typedef cJSON *(*ctlsock_handler)(void *ctx, const struct ctl_caller *who,
				  const char *line, size_t len, bool *understood);
struct pollfd;
struct ctlsock;
/* Creates missing parent directories (0750), replaces a dead socket file,
 * never a live one.  NULL with err. */
struct ctlsock *ctlsock_open(const char *path, ctlsock_handler handler,
			     char *err, size_t errlen);
/* Shorter deadlines than the built-in ones (tests); 0 keeps one as it is. */
void ctlsock_set_deadlines(struct ctlsock *c, int request_ms, int idle_ms, int reply_ms);
void ctlsock_close(struct ctlsock *c);  /* closes clients, unlinks the socket */
/* Fill up to max pollfds (listener plus clients); returns the count used.
 * Closes clients past their deadlines. */
int  ctlsock_pollfds(struct ctlsock *c, struct pollfd *pfd, int max);
/* Act on the pollfds filled above after poll() returned; ctx goes to the
 * handler. */
void ctlsock_handle(struct ctlsock *c, const struct pollfd *pfd, int n, void *ctx);
/* Streams (`hazardctl watch`): called from the handler, turns the client
 * it answers into a stream, exempt from the deadlines and bounded by count
 * (4).  gone(arg) is called once when the stream ends (the client left,
 * read too slowly, or the socket closed); the handle is dead from then on.
 * NULL with why when refused.  The handler's reply is still queued first. */
struct ctl_client;
struct ctl_client *ctlsock_stream_begin(void (*gone)(void *arg), void *arg,
					const char **why);
/* One line (without its newline) to a stream; -1 when it ended (gone was
 * called, possibly from this call). */
int ctlsock_stream_send(struct ctl_client *cl, const char *line);
/* Deferred replies: called from the handler, which then returns NULL,
 * ctlsock_defer takes a ticket for the request it answers (-1: not in a
 * handler, or a stream); the client reads nothing more until
 * ctlsock_reply(ticket, reply) queues the reply (not taken: the caller
 * deletes it) and goes on with what it sent after (ctx: the handler's).
 * A ticket whose client left is stale: its reply is dropped. */
struct ctl_ticket {
	struct ctlsock *sock;
	int      slot;
	uint64_t gen;
};
int  ctlsock_defer(struct ctl_ticket *t);
/* Within the handler: not deferred after all (its reply is queued). */
void ctlsock_defer_cancel(const struct ctl_ticket *t);
void ctlsock_reply(const struct ctl_ticket *t, cJSON *reply, void *ctx);

#endif /* IO_H */
