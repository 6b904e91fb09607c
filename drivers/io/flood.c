/*
 * flood.c: per-device token buckets against a device that sends too fast.
 *
 * A broken sensor or a misconfigured TelePeriod can publish hundreds of
 * messages a second.  Each would be queued, decoded and written to the
 * readings table; enough of them starve the other devices' messages and
 * fill the disk.  Each device gets a bucket of `burst` tokens refilled at
 * `rate_per_s`; a message takes a token, and a message that finds none is
 * dropped by the intake before it reaches the queue.
 *
 * An alarm's onset passes regardless (a smoke alarm from a chatty
 * detector is still a smoke alarm), but only the onset: the bucket keeps
 * the alarm flags of the last message of the device it passed on, and a
 * message passes an empty bucket only if it turns a flag on that was off
 * or never seen, or reports the device offline when it was not.  A
 * message that merely repeats the state (a "normal" message that carries
 * some set flag, a device alternating alarm and normal far over its rate)
 * takes a token like any other.  A flag turning off takes a token too:
 * dropping it only delays an end, which the next message that passes
 * brings; dropping an onset could hide an alarm, so that never happens.
 * The state follows only what was passed on, so what the loop has seen
 * and what this file compares with are the same.
 *
 * Threads: flood_admit, flood_drop and the alarm state run on Paho's
 * receive thread (one per client, so the buckets need no lock); the
 * counters are atomic and read by the loop, which logs offenders with
 * backoff in flood_report.
 *
 * One exception beyond alarms: while a device command (devcmd.c) waits
 * for a device to report the relay state it was told to take, a report
 * carrying a relay state passes even from an empty bucket.  It is exactly
 * the evidence the command waits for; dropping it would turn a plug that
 * obeyed into a spurious command_failed.  The window is the command's
 * confirm_s, and only relay reports pass, so a flood stays a flood.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "device_io.h"

struct fl_bucket {
	double  rate_per_s;             /* 0: unlimited */
	double  burst;
	double  tokens;
	int64_t last_ms;                /* monotonic time of the last refill */
	unsigned alarm_known;           /* FL_BIT_* seen in messages passed on */
	unsigned alarm_on;              /* FL_BIT_* set in the last of those */
	_Atomic uint64_t dropped;
	_Atomic bool awaiting;          /* a device command waits for its report */
	uint64_t reported;              /* loop thread: dropped at the last report */
	struct complaint complaint;     /* loop thread */
};

struct flood {
	struct fl_bucket *b;            /* parallel to cfg->devices */
	int n;
	_Atomic uint64_t total;
};

/* The alarm flags (reading_alarm_flag) and an explicit offline, as state
 * bits. */
#define FL_BIT_OFFLINE  (1u << READING_ALARM_FLAGS)

/* What r says of the alarm state: *known the bits it carries, the return
 * value those that are on. */
static unsigned fl_bits(const struct reading *r, unsigned *known)
{
	bool self_test = reading_has(r, RF_TEST) && r->val[RF_TEST] != 0;
	unsigned on = 0;
	size_t i;

	*known = 0;
	for (i = 0; i < READING_ALARM_FLAGS && !self_test; i++) {
		if (!reading_has(r, reading_alarm_flag[i]))
			continue;
		*known |= 1u << i;
		if (r->val[reading_alarm_flag[i]] != 0)
			on |= 1u << i;
	}
	if (reading_has(r, RF_ONLINE)) {
		*known |= FL_BIT_OFFLINE;
		if (r->val[RF_ONLINE] == 0)
			on |= FL_BIT_OFFLINE;
	}
	return on;
}

struct flood *flood_new(const struct config *cfg)
{
	struct flood *fl = calloc(1, sizeof *fl);
	int i;

	if (!fl)
		return NULL;
	fl->b = calloc((size_t)cfg->n_devices + 1, sizeof *fl->b);
	if (!fl->b) {
		free(fl);
		return NULL;
	}
	fl->n = cfg->n_devices;
	for (i = 0; i < fl->n; i++) {
		struct fl_bucket *b = &fl->b[i];

		b->rate_per_s = cfg->devices[i].flood.rate_per_s;
		b->burst = cfg->devices[i].flood.burst > 0 ? cfg->devices[i].flood.burst : 1;
		b->tokens = b->burst;   /* a device starts with a full burst */
		b->last_ms = -1;
	}
	return fl;
}

void flood_free(struct flood *fl)
{
	if (!fl)
		return;
	free(fl->b);
	free(fl);
}

bool flood_admit(struct flood *fl, int device, int64_t now_ms)
{
	struct fl_bucket *b;

	if (!fl || device < 0 || device >= fl->n)
		return true;
	b = &fl->b[device];
	if (b->rate_per_s <= 0)
		return true;
	if (b->last_ms >= 0 && now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * b->rate_per_s / 1000.0;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	if (b->last_ms < 0 || now_ms > b->last_ms)
		b->last_ms = now_ms;
	/* tenths of a token add up to a hair under one */
	if (b->tokens < 1.0 - 1e-9)
		return false;
	b->tokens -= 1.0;
	return true;
}

bool flood_limited(const struct flood *fl, int device)
{
	return fl && device >= 0 && device < fl->n && fl->b[device].rate_per_s > 0;
}

bool flood_rising(const struct flood *fl, int device, const struct reading *r)
{
	const struct fl_bucket *b;
	unsigned known, on;

	if (!fl || !r || device < 0 || device >= fl->n)
		return false;
	b = &fl->b[device];
	on = fl_bits(r, &known);
	/* on now, and not known to be on before */
	return (on & ~(b->alarm_known & b->alarm_on)) != 0;
}

void flood_note(struct flood *fl, int device, const struct reading *r)
{
	struct fl_bucket *b;
	unsigned known, on;

	if (!fl || !r || device < 0 || device >= fl->n)
		return;
	b = &fl->b[device];
	on = fl_bits(r, &known);
	/* a field the message did not carry keeps its state, as in rules.c */
	b->alarm_on = (b->alarm_on & ~known) | on;
	b->alarm_known |= known;
}

void flood_drop(struct flood *fl, int device)
{
	if (!fl || device < 0 || device >= fl->n)
		return;
	fl->b[device].dropped++;
	fl->total++;
}

uint64_t flood_dropped(const struct flood *fl, int device)
{
	if (!fl || device < 0 || device >= fl->n)
		return 0;
	return fl->b[device].dropped;
}

uint64_t flood_total(const struct flood *fl)
{
	return fl ? fl->total : 0;
}

void flood_await(struct flood *fl, int device, bool awaiting)
{
	if (fl && device >= 0 && device < fl->n)
		fl->b[device].awaiting = awaiting;
}

bool flood_awaits_report(const struct flood *fl, int device, const struct reading *r)
{
	return fl && r && device >= 0 && device < fl->n && fl->b[device].awaiting &&
	       reading_has(r, RF_RELAY);
}

void flood_report(struct flood *fl, const struct config *cfg, struct device_state *ds)
{
	int i;

	for (i = 0; fl && i < fl->n && i < cfg->n_devices; i++) {
		struct fl_bucket *b = &fl->b[i];
		uint64_t now = b->dropped;

		if (ds)
			ds[i].flood_dropped = now;
		if (now != b->reported)
			complain(&b->complaint, "device %s: sending faster than %g messages/s "
				 "(burst %g): %llu messages dropped so far; alarm onsets still "
				 "pass",
				 cfg->devices[i].id, b->rate_per_s, b->burst,
				 (unsigned long long)now);
		else if (b->complaint.active)
			complain_release(&b->complaint, "device %s: back under its rate "
					 "(%llu messages dropped in all)", cfg->devices[i].id,
					 (unsigned long long)now);
		b->reported = now;
	}
}
