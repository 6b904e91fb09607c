/*
 * front.h: the front-ends (app layer): platform commands, the control
 * socket and who is calling it, platform rule overrides.
 */
#ifndef APP_FRONT_H
#define APP_FRONT_H

#include "outputs.h"

/* ------------------------------------------------------------ downlink.c
 * Platform commands on <prefix>/cmd/<name>: authenticated (cmd_auth.c),
 * handled on the loop thread outside the pass's transaction, answered on
 * <prefix>/reply.  Paho's thread only pushes into downlink_queue().
 */
struct downlink;
struct uplink;
struct daemon;
/* What the daemon answers with (loop_status.c; a NULL hook: not offered). */
struct downlink_hooks {
	cJSON *(*status)(struct daemon *d);
};
/* NULL with err if the key file is set but unreadable or too short. */
struct downlink *downlink_new(const struct config *cfg, int wake_fd,
			      const struct downlink_hooks *hooks, char *err,
			      size_t errlen);
void downlink_free(struct downlink *dl);
struct msgq *downlink_queue(struct downlink *dl);
size_t downlink_max_bytes(void);                /* bigger commands: refused */
void downlink_count_drop(void *dl);  /* any thread: queue full, deferred */
void downlink_load(struct downlink *dl, struct store *st);  /* replay cache */
/* Handle queued commands (loop thread, no transaction open). */
void downlink_run(struct downlink *dl, struct daemon *d, struct uplink *up);
bool downlink_pending(struct downlink *dl);
cJSON *downlink_status_json(struct downlink *dl);

/* ------------------------------------------------------ rule_overrides.c
 * Rule thresholds set by the platform (downlink set-rules), kept in the
 * meta table ("rule_overrides") and laid over the file's rules: platform
 * kind values, then platform device values, over everything in the file.
 */
/* Re-apply the persisted platform rule overrides onto cfg. */
int rule_overrides_apply(struct config *cfg, struct store *st,
			 char *err, size_t errlen);
/* Validate req ({"kinds": {...}, "devices": {...}}) against the table and
 * ranges of config.c, merge it into the stored document (inside the
 * caller's transaction; a null removes a key's or a whole kind's/device's
 * override) and apply it to cfg (the file's values + the document).  *now_out (if not NULL) gets
 * the whole stored document.  0, or -1 with the reason (nothing changed). */
int rule_overrides_set(struct config *cfg, struct store *st, const cJSON *req,
		       cJSON **now_out, char *err, size_t errlen);
/* The stored document ({} if none): status's "rule_overrides". */
cJSON *rule_overrides_doc(struct store *st);
/* hazardctl rules: the rules in force per kind and device, each value with
 * its source (default, file, platform), and the stored document. */
cJSON *rule_overrides_list(const struct config *cfg, struct store *st);
/* A warning naming the overrides in force, if any (start-up, reload). */
void rule_overrides_log(struct store *st, const char *when);

/* ------------------------------------------------------ control_actor.c
 * struct ctl_caller (who is on the other end) is the transport's: io.h. */
/*
 * The actor a person's action is recorded under: the caller's own name
 * when the request names none (or names the caller), the one it names
 * ("actor") only when the caller is root; anyone else naming another
 * actor is refused ("only root may act as another user").  Pure: the
 * caller is given, so it can be decided for any uid.  0 with *actor set
 * (pointing into who or req), or -1 with err.
 */
int ctl_actor(const cJSON *req, const struct ctl_caller *who, const char **actor,
	      char *err, size_t errlen);

/* ------------------------------------------------------------- control.c
 * The control socket's commands (docs/operations.md, "Control socket"): one
 * JSON request per line, one JSON reply per line, over the transport of
 * io/control_socket.c.  Requests: {"cmd":"status"}, {"cmd":"devices"},
 * {"cmd":"hazards","open":true}, {"cmd":"hazard","id":"..."},
 * {"cmd":"close","id":"...","note":"...","actor":"...","evidence":"..."},
 * {"cmd":"ack"|"rectifying","id":"...","note":"...","actor":"..."}, ...
 * Replies: {"ok":true,"result":...} or {"ok":false,"error":"..."}.  Each
 * command calls one operation of ops.h.
 */
struct pollfd;
struct control;
struct control *control_open(const char *path, char *err, size_t errlen);
/* Shorter deadlines than the built-in ones (tests); 0 keeps one as it is. */
void control_set_deadlines(struct control *c, int request_ms, int idle_ms, int reply_ms);
/* Evidence files of a submit or close decoded, hashed and sniffed on a
 * worker thread from now on (it wakes the loop through wake_fd); without
 * it (unit tests, or the thread could not start) on the loop. */
void control_offload(struct control *c, int wake_fd);
void control_close(struct control *c);   /* closes clients, unlinks the socket */
/* Fill up to max pollfds (listener plus clients); returns the count used. */
int  control_pollfds(struct control *c, struct pollfd *pfd, int max);
/* Act on the pollfds filled above after poll() returned. */
void control_handle(struct control *c, const struct pollfd *pfd, int n,
		    struct daemon *d);
/* {"cmd":"watch","device","site"} (control_watch.c): the connection
 * becomes a stream of the live feed; a command of control.c's table. */
struct ops_error;
cJSON *ctl_cmd_watch(const cJSON *req, struct daemon *d, struct ops_error *e);
/* device_presence, device_commands and unknown_senders: into the status
 * object (ops_devices.c) */
void devices_status_json(struct daemon *d, cJSON *status);

/* --------------------------------------------------------- gpio_thread.c
 * The interlock thread: waits for GPIO edges and debounce/pulse ends at
 * nanosecond precision, drives the output actions at once and hands each
 * change to the loop.  One mutex guards what it shares with the loop (see
 * the file's comment); gpio_lock/gpio_unlock are no-ops without a thread.
 */
struct daemon;
struct gpio_thread;
/* wake_fd: the loop's eventfd, written when changes are queued */
struct gpio_thread *gpio_thread_new(struct daemon *d, int wake_fd);
void gpio_thread_free(struct gpio_thread *gt);
/* Starts it when d has lines and interlocks; 0 started or nothing to do. */
int  gpio_thread_start(struct gpio_thread *gt);
void gpio_thread_stop(struct gpio_thread *gt);
bool gpio_thread_running(const struct gpio_thread *gt);
/* The loop: queued changes (their output actions already done; acts[i]
 * owned by the caller, may be NULL), at most max. */
int  gpio_thread_take(struct gpio_thread *gt, struct gpio_change *gc, cJSON **acts,
		      int max);
/* Changes queued and not taken yet; call with the lock held. */
int  gpio_thread_pending(struct gpio_thread *gt);
/* Drop what is queued (the thread stopped, its config going away). */
void gpio_thread_discard(struct gpio_thread *gt);
void gpio_lock(struct daemon *d);
void gpio_unlock(struct daemon *d);
/* a's items then b's, in a (either may be NULL); both consumed */
cJSON *gpio_acts_merge(cJSON *a, cJSON *b);

#endif /* APP_FRONT_H */
