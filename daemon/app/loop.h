/*
 * loop.h: the daemon process's own state (app layer): the event loop
 * (loop.c), its pass (loop_pass.c), the GPIO side of the loop
 * (loop_gpio.c), status (loop_status.c) and main (main.c).  Only those
 * files include it; they are the part of the app layer that the unit
 * tests do not link (they supply their own doubles).
 *
 * One thread runs poll() over an eventfd (woken by Paho's threads when an
 * acknowledgement or a command arrives), the local broker's intake
 * session (acknowledged after each pass's commit), a signalfd and the
 * control socket.  It alone touches the rules and SQLite: each pass drains the
 * intake queue, alarms first in a small transaction of their own, then
 * the rest: evaluates the rules, writes readings, hazard events and
 * outbox rows in ONE transaction (group commit), and only after a commit
 * hands outbox rows to the uplink.  Nothing is forwarded before it is on
 * disk.  GPIO inputs are the exception to "one thread": the interlock
 * thread (gpio_thread.c) drives their outputs and queues the changes here.
 */
#ifndef APP_LOOP_H
#define APP_LOOP_H

#include <stddef.h>

#include "app.h"
#include "alerts.h"

struct pollfd;

#define PASS_MAX_MSGS   2048    /* messages per transaction */
#define TICK_MS         1000
#define TRIM_EVERY_MS   60000
#define QUOTA_EVERY_MS  5000
#define MAX_POLLFDS     96      /* wake, signal, GPIO inputs, control clients, intake */
#define SHUTDOWN_WAIT_MS 2000

/* A GPIO input change whose outputs already moved, waiting for the pass's
 * transaction to record it. */
struct gpio_pending {
	const struct device_cfg *dev;
	struct hazard_change chg;
	struct reading ev;
	int64_t  at_ms;                 /* wall time of the edge */
	cJSON   *actions;
};
#define GP_MAX MAX_GPIO_INPUTS  /* the start-up read has one per input */

struct loop {
	struct daemon   d;
	struct msgq    *q;
	struct intake  *in;
	struct uplink  *up;
	struct control *ctl;
	struct devindex *ix;            /* topic -> device, every derived topic */
	int      wake_fd;
	int      sig_fd;
	bool     quit;
	int64_t  next_tick_ms;          /* monotonic */
	int64_t  next_trim_ms;
	int64_t  next_quota_ms;
	int64_t  next_status_ms;
	int64_t  last_telemetry_ms;
	int      telemetry_pending;     /* readings since the last batch */
	struct complaint *dev_complaint; /* per device: bad payloads */
	struct complaint unknown_complaint, store_complaint, quota_complaint;
	struct complaint ack_complaint; /* acknowledged without a commit */
	uint64_t dup_skipped;           /* redeliveries found stored (loop_dedupe.c) */
	uint64_t dedupe_through;        /* rows deleted through this seq */
	int      dedupe_old_runs;       /* 0 waiting, -1 armed, 1 due, 2 done */
	struct msg batch[PASS_MAX_MSGS];
	struct gpio_pending gp[GP_MAX];
	int      n_gp;
	struct discovery *disc;         /* unknown senders; NULL: off */
	struct config   *boot_cfg;      /* main()'s; a reload replaces d.cfg */
	bool     storage_fault_check;   /* clear storage_fault once commits work */
	bool     history_fault;         /* raise storage_fault for a lost history */
};

/* struct loop holds struct daemon first: the daemon's callbacks find it */
_Static_assert(offsetof(struct loop, d) == 0, "struct daemon first in struct loop");
static inline struct loop *loop_of(struct daemon *d)
{
	return (struct loop *)(void *)d;
}

/* ------------------------------------------------------------ loop_pass.c */
/* One pass: the queued alarms (with their devices' earlier messages) in a
 * small transaction of their own, committed and pumped upstream first;
 * then acks, queued messages, ticks and telemetry in one transaction,
 * then the links pumped.  A failed BEGIN is handled like a failed commit. */
void loop_pass(struct loop *L);
/* Changes whose interlock actions already ran (acts[i], owned, may be NULL). */
void loop_apply_acted(struct loop *L, const struct device_cfg *dev,
		      const struct hazard_change *chg, int n,
		      const struct reading *evidence, int64_t now_ms, cJSON **acts);
/* One message of the intake: its classification made at receipt (decoded
 * again only across a reload), rules, records (in the transaction). */
void loop_handle_msg(struct loop *L, const struct msg *m);
/* The same, with the redelivery check (loop_dedupe.c) around it. */
void loop_take_msg(struct loop *L, const struct msg *m);
void loop_flush_telemetry(struct loop *L, int64_t mono, bool force);
/* The rules' memory made to agree with the database again. */
void loop_rules_resync(struct loop *L);
/* Acknowledged outbox rows: deleted in the transaction, then settled. */
int  loop_delete_acked(struct loop *L, const int64_t *acks, int n_acks,
		       int64_t *undeleted, bool *kept_ok);
void loop_settle_acked(struct loop *L, const int64_t *acks, int n_acks,
		       const int64_t *undeleted, int n_und, bool kept_ok,
		       bool committed);

/* ------------------------------------------------------------ loop_dedupe.c */
/* In the pass's transaction: a redelivery already stored (true: skip it,
 * it is acknowledged with the others); the row of a message stored; rows
 * whose PUBACK was written deleted; loop_dedupe_trim at the trim tick. */
bool loop_dedupe_skip(struct loop *L, const struct msg *m);
void loop_dedupe_note(struct loop *L, const struct msg *m);
void loop_dedupe_done(struct loop *L);
void loop_dedupe_trim(struct loop *L);

/* ------------------------------------------------------------ loop_gpio.c */
/* Interlock actions of a change made by the loop (outputs under the lock). */
cJSON *loop_interlock(struct loop *L, const struct device_cfg *dev,
		      const struct hazard_change *chg);
void loop_gpio_take(struct loop *L);    /* the GPIO thread's changes */
void loop_gpio_react(struct loop *L, const struct pollfd *pfd, int n);
void loop_gpio_reconcile(struct loop *L);
void loop_gpio_record(struct loop *L);  /* inside the pass's transaction */
void loop_gpio_poll_now(struct loop *L);
int64_t loop_gpio_due_ms(struct loop *L);
/* Start-up: the GPIO thread, the first read of the lines, the thread run. */
void loop_gpio_start(struct loop *L);
/* Shutdown: the thread stops; the changes it acted on are recorded. */
void loop_gpio_finish(struct loop *L);

/* ------------------------------------------------------------ loop.c */
void loop_run(struct loop *L);
cJSON *loop_reload(struct daemon *d, const char *trigger);
void loop_shutdown(struct loop *L);

/* ------------------------------------------------------------ mem_trim.c */
/* Freed heap and SQLite's page cache given back to the system: after
 * start-up and with the once-a-minute upkeep. */
void mem_trim(struct store *st);

/* ------------------------------------------------------------ loop_status.c */
/* systemd's STATUS= line and the link states whose change is told at once */
void loop_notify_line(const struct daemon *d, char *buf, size_t len);
unsigned loop_notify_links(const struct daemon *d);

#endif /* APP_LOOP_H */
