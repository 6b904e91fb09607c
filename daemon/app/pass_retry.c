/*
 * pass_retry.c: hazard changes that a failed commit did not write.
 *
 * A full disk (ENOSPC, SQLITE_FULL) or an I/O error rolls a loop pass
 * back.  The outputs already moved (interlocks act before disk work), but
 * the hazard records and their upstream events of that pass are not on
 * disk.  Every hazard change a pass applies is noted here; after a commit
 * the notes are dropped, after a failed one they are held and applied
 * again, first thing, by the next pass, until a commit takes them.  So a
 * one-shot alarm that arrived while the disk was full still reaches the
 * database and the platform once space returns.
 *
 * While writes keep failing, only a probe pass (1 s, backing off to 10 s)
 * tries to commit; the passes in between still evaluate every message and
 * move the outputs, then roll back and add their changes to the held ones.
 * So a full disk costs no CPU in failing fsyncs and no flood of repeated
 * log lines, and the held changes keep their order.
 *
 * Memory is bounded (RETRY_MAX changes).  Beyond that the held changes are
 * dropped (counted) and the daemon falls back to resynchronising the rules
 * with the database, so that conditions still on are raised again by the
 * next reading.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define RETRY_MAX 4096
#define PROBE_BASE_MS 1000
#define PROBE_CAP_MS  10000

struct pass_retry {
	struct retry_change *cur;       /* noted by this pass */
	int      n_cur, cap_cur;
	bool     cur_overflow;
	struct retry_change *held;      /* from failed passes, to apply again */
	int      n_held;
	uint64_t failed_passes;         /* commits that failed */
	uint64_t dropped;               /* changes dropped over RETRY_MAX */
	bool     fault;                 /* the last commit failed */
	unsigned streak;                /* failed commits in a row */
	int64_t  next_probe_ms;         /* monotonic */
	int64_t  fault_since_ms;        /* wall clock, 0 if no fault */
};

struct pass_retry *pass_retry_new(void)
{
	return calloc(1, sizeof(struct pass_retry));
}

void pass_retry_changes_free(struct retry_change *c, int n)
{
	int i;

	for (i = 0; c && i < n; i++)
		cJSON_Delete(c[i].actions);
	free(c);
}

void pass_retry_free(struct pass_retry *r)
{
	if (!r)
		return;
	pass_retry_changes_free(r->cur, r->n_cur);
	pass_retry_changes_free(r->held, r->n_held);
	free(r);
}

void pass_retry_note(struct pass_retry *r, const char *device,
		     const struct hazard_change *chg, const struct reading *evidence,
		     int64_t at_ms, const cJSON *actions)
{
	struct retry_change *c;

	if (!r || r->cur_overflow)
		return;
	if (r->n_cur == r->cap_cur) {
		int cap = r->cap_cur ? r->cap_cur * 2 : 64;

		if (r->n_cur >= RETRY_MAX ||
		    !(c = realloc(r->cur, (size_t)cap * sizeof *c))) {
			r->cur_overflow = true;
			return;
		}
		r->cur = c;
		r->cap_cur = cap;
	}
	c = &r->cur[r->n_cur++];
	memset(c, 0, sizeof *c);
	strlcpy_hz(c->device, device, sizeof c->device);
	c->chg = *chg;
	if (evidence) {
		c->evidence = *evidence;
		c->has_evidence = true;
	}
	c->at_ms = at_ms;
	c->actions = actions ? cJSON_Duplicate(actions, 1) : NULL;
}

void pass_retry_begin(struct pass_retry *r)
{
	if (!r)
		return;
	pass_retry_changes_free(r->cur, r->n_cur);
	r->cur = NULL;
	r->n_cur = r->cap_cur = 0;
	r->cur_overflow = false;
}

void pass_retry_committed(struct pass_retry *r)
{
	if (!r)
		return;
	pass_retry_begin(r);    /* the pass's changes are on disk: forget them */
	r->fault = false;
	r->fault_since_ms = 0;
	r->streak = 0;
}

bool pass_retry_probe(const struct pass_retry *r, int64_t now_mono)
{
	return !r || !r->fault || now_mono >= r->next_probe_ms;
}

/* Append cur to held; false (both dropped) over the bound. */
static bool hold_cur(struct pass_retry *r)
{
	struct retry_change *h;
	int n = r->n_held + r->n_cur;

	if (r->cur_overflow || n > RETRY_MAX ||
	    !(h = realloc(r->held, (size_t)(n ? n : 1) * sizeof *h))) {
		r->dropped += (uint64_t)n;
		pass_retry_changes_free(r->held, r->n_held);
		pass_retry_changes_free(r->cur, r->n_cur);
		r->held = NULL;
		r->n_held = 0;
		r->cur = NULL;
		r->n_cur = r->cap_cur = 0;
		r->cur_overflow = false;
		return false;
	}
	if (r->n_cur)
		memcpy(h + r->n_held, r->cur, (size_t)r->n_cur * sizeof *h);
	r->held = h;
	r->n_held = n;
	free(r->cur);
	r->cur = NULL;
	r->n_cur = r->cap_cur = 0;
	return true;
}

bool pass_retry_defer(struct pass_retry *r)
{
	return hold_cur(r);
}

bool pass_retry_failed(struct pass_retry *r, int64_t now_wall, int64_t now_mono)
{
	r->failed_passes++;
	if (!r->fault)
		r->fault_since_ms = now_wall;
	r->fault = true;
	r->next_probe_ms = now_mono + backoff_ms(r->streak++, PROBE_BASE_MS, PROBE_CAP_MS);
	/* the probe replayed the held changes: they are in cur again, first */
	return hold_cur(r);
}

int pass_retry_take(struct pass_retry *r, struct retry_change **out)
{
	int n = r ? r->n_held : 0;

	*out = n ? r->held : NULL;
	if (r) {
		r->held = NULL;
		r->n_held = 0;
	}
	return n;
}

bool pass_retry_fault(const struct pass_retry *r)
{
	return r && r->fault;
}

int pass_retry_held(const struct pass_retry *r)
{
	return r ? r->n_held : 0;
}

cJSON *pass_retry_status_json(const struct pass_retry *r)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32];

	if (!o || !r)
		return o;
	cJSON_AddBoolToObject(o, "write_fault", r->fault);
	if (r->fault)
		cJSON_AddStringToObject(o, "fault_since",
					fmt_iso_ms(r->fault_since_ms, ts, sizeof ts));
	cJSON_AddNumberToObject(o, "failed_commits", (double)r->failed_passes);
	cJSON_AddNumberToObject(o, "changes_held", r->n_held);
	cJSON_AddNumberToObject(o, "changes_dropped", (double)r->dropped);
	return o;
}
