/*
 * alerts.h: alerts to people without the platform (docs/alerts.md).
 *
 * The loop side (alert_loop.c) plans each record's chain when its event is
 * written (core/alert_plan.c decides), keeps the chain's sends in memory
 * and in the alerts table (store_alerts.c), hands the due ones to the
 * sender thread, and records each attempt's result on the record's
 * timeline.  The sender thread (alert_thread.c) makes the blocking calls:
 * the modem (drivers/io/modem.h) and webhooks (io/webhook.c).
 * alert_ops.c: `hazardctl alert test` and the channels' health for status.
 */
#ifndef APP_ALERTS_H
#define APP_ALERTS_H

#include <stdbool.h>
#include <stdint.h>

#include "ops.h"

/* ------------------------------------------------------ alert_thread.c */

/* One blocking send, as the thread needs it (copies, no pointers into the
 * config: a reload may replace it meanwhile). */
struct alert_job {
	uint64_t tag;
	char     channel[ALERT_CHANNEL_LEN];
	char     phone[PHONE_MAX];
	char     text[ALERT_TEXT_MAX];
	struct alert_webhook wh;        /* channel "webhook:ID" */
	char     record_id[ID_MAX];
	char     kind[16];
	char     type[32];
	char     site[ID_MAX];
	char     device[ID_MAX];
	int64_t  at_ms;
	int      ring_s;
};

struct alert_result {
	uint64_t tag;
	bool     ok;
	char     err[160];
};

struct alert_thread;
/* modem: the boot config's (read once: the port is restart-only); wake_fd:
 * the loop's eventfd, written when a result is queued. */
struct alert_thread *alert_thread_new(const struct alerts_cfg *boot, int wake_fd);
void alert_thread_free(struct alert_thread *t);         /* stops it first */
/* 0 queued, -1 the queue is full (try at the next pass) */
int  alert_thread_submit(struct alert_thread *t, const struct alert_job *j);
int  alert_thread_take(struct alert_thread *t, struct alert_result *out, int max);
bool alert_thread_has_modem(const struct alert_thread *t);

/* ------------------------------------------------------- alert_loop.c */

struct alerts;
/* After the store is open: the pending rows of an earlier run loaded. */
struct alerts *alerts_new(struct daemon *d, int wake_fd);
void alerts_free(struct alerts *a);
/* lifecycle_emit: a record event was written (in its transaction): plan a
 * chain at a raise, stop it at an answer. */
void alerts_on_event(struct daemon *d, const struct hazard_rec *rec, const char *event,
		     int64_t at_ms, const cJSON *body);
/* records.c: an alarm's change the database refused (no record, no
 * event): its people are told from memory all the same. */
void alerts_on_unrecorded(struct daemon *d, const struct device_cfg *dev,
			  const struct hazard_change *chg, int64_t at_ms);
/* The loop, after each pass (outside a transaction): results recorded,
 * due sends handed to the thread. */
void alerts_run(struct daemon *d);

/* -------------------------------------------------------- alert_ops.c */

/* hazardctl alert test CONTACT [--channel C]: {"tag":N,...} or NULL. */
cJSON *ops_alert_test(struct daemon *d, const char *contact, const char *channel,
		      struct ops_error *e);
/* The outcome of a test: {"state":"pending"|"sent"|"failed","error":..}. */
cJSON *ops_alert_result(struct daemon *d, uint64_t tag, struct ops_error *e);
/* {"sms": {"last_ok":..,"last_error":..,"failures":N}, ...}; NULL: no alerts */
cJSON *alerts_status_json(struct daemon *d);

/* alert_loop.c, for alert_ops.c: a test send queued (its tag), and its
 * result: 0 pending, 1 sent, -1 failed (err), -2 unknown tag. */
uint64_t alerts_queue_test(struct daemon *d, const struct alert_job *j);
int alerts_test_result(struct daemon *d, uint64_t tag, char *err, size_t errlen);

#endif /* APP_ALERTS_H */
