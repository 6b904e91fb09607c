/*
 * test_store_flap.c: a flapping record in the store (its flag, its
 * occurrences at the end), and the quota's trim of finished records'
 * events: what goes, what stays, and that the summary's replay of every
 * past moment is the same after it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "store_internal.h"
#include "testing.h"

/* control.c calls these from the loop (main.c, loop*.c), which is not linked. */
__attribute__((weak)) cJSON *daemon_status_json(struct daemon *d)
{
	return NULL;
}
__attribute__((weak)) int daemon_close_hazard(struct daemon *d, const char *hazard_id,
					      const char *actor, const char *note,
					      char *err, size_t errlen)
{
	return -1;
}

#define T0 1795000000000LL

static char dir[64];

static const char *db_path(const char *name)
{
	static char buf[128];

	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static void remove_db(const char *name)
{
	static const char *const sfx[] = { "", "-wal", "-shm", ".hwm" };
	char p[160];
	size_t i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s/%s%s", dir, name, sfx[i]);
		unlink(p);
	}
}

static struct device_cfg test_device(const char *id)
{
	struct device_cfg d;

	d = (struct device_cfg)DEVICE_CFG_BLANK;
	d.id = id;
	d.site = "site-1";
	d.topic = "t/x";
	d.format = "native";
	d.kind = DEV_SMOKE_ALARM;
	return d;
}

static struct hazard_change change(enum hazard_type t, enum change_kind k,
				   enum severity s, bool flapping, int folded)
{
	struct hazard_change c;

	memset(&c, 0, sizeof c);
	c.type = t;
	c.kind = k;
	c.severity = s;
	c.flapping = flapping;
	c.folded = folded;
	snprintf(c.detail, sizeof c.detail, "test");
	return c;
}

static struct hz_policy policy(void)
{
	struct hz_policy p;

	memset(&p, 0, sizeof p);
	p.deadline_h[0] = p.deadline_h[1] = 24;
	p.clock_trusted = true;
	return p;
}

static long long db_int(struct store *st, const char *sql, const char *arg)
{
	sqlite3_stmt *s = NULL;
	long long v = -999;

	if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL) == SQLITE_OK) {
		if (arg)
			sqlite3_bind_text(s, 1, arg, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return v;
}

static void test_flag_and_occurrences(void)
{
	char err[256];
	struct store *st = store_open(db_path("flag.db"), err, sizeof err);
	struct device_cfg dev = test_device("smoke-f");
	struct hz_policy pol = policy();
	struct hazard_change c;
	struct hazard_rec rec;
	const char *ev = NULL;
	cJSON *j, *list;

	CHECK("flag: open", st != NULL);
	if (!st)
		return;
	c = change(HZ_SMOKE_ALARM, CHG_ACTIVE, SEV_MAJOR, true, 0);
	CHECK_INT("flag: raise", store_record_apply(st, REC_ALARM, true, &dev, &c, NULL,
						    &pol, T0, &rec, &ev), 0);
	CHECK("flag: a new record, flapping", ev && strcmp(ev, "raised") == 0 && rec.flapping);
	CHECK_INT("flag: stored", db_int(st, "SELECT flapping FROM hazards WHERE id = ?1",
					 rec.id), 1);
	j = store_hazard_event_json(st, &rec, ev, T0);
	CHECK("flag: \"flapping\": true upstream",
	      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "flapping")));
	cJSON_Delete(j);
	list = store_list_hazards(st, true);
	CHECK("flag: in the listing", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(list, 0), "flapping")));
	cJSON_Delete(list);
	/* a person's action keeps it */
	CHECK_INT("flag: acknowledged", store_record_act(st, rec.id, RA_ACK, VERDICT_NONE,
							 "alice", NULL, NULL, T0 + 1000, &rec,
							 &ev, err, sizeof err), 0);
	CHECK("flag: kept through an acknowledgement", rec.flapping);

	c = change(HZ_SMOKE_ALARM, CHG_CLEAR, SEV_MAJOR, false, 41);
	store_record_apply(st, REC_ALARM, true, &dev, &c, NULL, &pol, T0 + 90000, &rec, &ev);
	CHECK_STR("flag: the settled clear ends it", ev, "ended");
	CHECK_INT("flag: occurrences count the folded onsets", rec.occurrences, 42);
	CHECK("flag: no longer flapping", !rec.flapping);
	CHECK_INT("flag: stored cleared", db_int(st, "SELECT flapping FROM hazards WHERE id = ?1",
						 rec.id), 0);
	j = store_hazard_event_json(st, &rec, ev, T0 + 90000);
	CHECK("flag: absent once ended", !cJSON_GetObjectItemCaseSensitive(j, "flapping"));
	CHECK_INT("flag: occurrences upstream", (int)cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(j, "occurrences")), 42);
	cJSON_Delete(j);
	CHECK_INT("flag: three events in all (raised, acknowledged, ended)",
		  db_int(st, "SELECT count(*) FROM hazard_events WHERE hazard_id = ?1", rec.id), 3);

	/* a live record told it flaps (a hazard following its alarm) */
	c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL, false, 0);
	store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, T0, &rec, &ev);
	c = change(HZ_OVERCHARGE, CHG_CLEAR, SEV_GENERAL, false, 0);
	store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, T0 + 1, &rec, &ev);
	c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL, true, 0);
	store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, T0 + 2, &rec, &ev);
	CHECK("flag: a reopened hazard takes the flag", ev && strcmp(ev, "reopened") == 0 &&
	      rec.flapping && rec.occurrences == 2);
	store_close(st);
}

/* ------------------------------------------------------------ the trim */

#define N_CUTS 64

struct replay_cut {
	const char *id;
	char state[16];
	int  severity;
};

static void note_cut(void *ctx, const struct report_hazard *h)
{
	struct replay_cut *c = ctx;

	if (strcmp(h->id, c->id) == 0) {
		snprintf(c->state, sizeof c->state, "%s", h->state_name);
		c->severity = h->severity;
	}
}

/* The summary's view of record id at each of n moments. */
static void replay_at(struct store *st, const char *id, const int64_t *at, int n,
		      struct replay_cut *out)
{
	int i;

	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].id = id;
		out[i].severity = -1;
		store_report_foreach(st, at[i], note_cut, &out[i]);
	}
}

static void test_trim(void)
{
	char err[256], names[1024] = "";
	struct store *st = store_open(db_path("trim.db"), err, sizeof err);
	struct device_cfg dev = test_device("chg-t"), dev2 = test_device("chg-live"),
		dev3 = test_device("chg-clock");
	struct hz_policy pol = policy();
	struct hazard_change c;
	struct hazard_rec rec, live, back;
	struct replay_cut before[N_CUTS], after[N_CUTS];
	int64_t at[N_CUTS], t = T0, dr = 0, dt = 0, de = 0;
	const char *ev = NULL;
	char id[ID_MAX];
	sqlite3_stmt *s = NULL;
	bool wrapped = false;
	int i, n = 0, same = 1;

	CHECK("trim: open", st != NULL);
	if (!st)
		return;
	store_begin(st);
	/* raised, 10 repeats, an interlock's action, acknowledged by a
	 * person, 5 repeats, major, 5 repeats, cleared, closed: 26 events,
	 * 20 of them repeats */
	c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL, false, 0);
	store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, t, &rec, &ev);
	snprintf(id, sizeof id, "%s", rec.id);
	at[n++] = t + 1;
	for (i = 0; i < 10; i++) {
		t += 1000;
		store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, t, &rec, &ev);
		at[n++] = t + 1;
	}
	t += 1000;
	store_hazard_note(st, id, "action", t, "interlock", "output valve on: ok");
	at[n++] = t + 1;
	t += 1000;
	store_record_act(st, id, RA_ACK, VERDICT_NONE, "alice", "seen", NULL, t, &rec, &ev,
			 err, sizeof err);
	at[n++] = t + 1;
	for (i = 0; i < 5; i++) {
		t += 1000;
		store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, t, &rec, &ev);
		at[n++] = t + 1;
	}
	c = change(HZ_OVERCHARGE, CHG_ESCALATE, SEV_MAJOR, false, 0);
	t += 1000;
	store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, t, &rec, &ev);
	at[n++] = t + 1;
	c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_MAJOR, false, 0);
	for (i = 0; i < 5; i++) {
		t += 1000;
		store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, t, &rec, &ev);
		at[n++] = t + 1;
	}
	c = change(HZ_OVERCHARGE, CHG_CLEAR, SEV_MAJOR, false, 0);
	t += 1000;
	store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol, t, &rec, &ev);
	at[n++] = t + 1;
	t += 1000;
	CHECK_INT("trim: submitted", store_record_act(st, id, RA_SUBMIT, VERDICT_NONE, "carol",
						      "fixed", NULL, t, &rec, &ev, err,
						      sizeof err), 0);
	at[n++] = t + 1;
	t += 1000;
	CHECK_INT("trim: closed", store_record_act(st, id, RA_CLOSE, VERDICT_NONE, "bob",
						   "fixed", NULL, t, &rec, &ev, err,
						   sizeof err), 0);
	at[n++] = t + 1;
	at[n++] = t + 86400000LL;

	/* a live record with repeats: never trimmed */
	c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL, false, 0);
	for (i = 0; i < 6; i++)
		store_record_apply(st, REC_HAZARD, true, &dev2, &c, NULL, &pol, T0 + i, &live,
				   &ev);
	/* a finished one whose events go back in time (a clock set back) */
	for (i = 0; i < 6; i++)
		store_record_apply(st, REC_HAZARD, true, &dev3, &c, NULL, &pol,
				   T0 + 100000 - i * 1000, &back, &ev);
	c = change(HZ_OVERCHARGE, CHG_CLEAR, SEV_GENERAL, false, 0);
	store_record_apply(st, REC_HAZARD, true, &dev3, &c, NULL, &pol, T0 + 200000, &back, &ev);
	store_record_act(st, back.id, RA_SUBMIT, VERDICT_NONE, "carol", "x", NULL, T0 + 300000,
			 &back, &ev, err, sizeof err);
	store_record_act(st, back.id, RA_CLOSE, VERDICT_NONE, "bob", "x", NULL, T0 + 300000,
			 &back, &ev, err, sizeof err);
	store_commit(st);

	CHECK_INT("trim: 27 events before",
		  db_int(st, "SELECT count(*) FROM hazard_events WHERE hazard_id = ?1", id), 27);
	replay_at(st, id, at, n, before);

	store_begin(st);
	CHECK_INT("trim: a pass drops the 20 repeats", store_trim_events(st, 50, &wrapped), 20);
	CHECK("trim: and reached the end", wrapped);
	store_commit(st);
	if (sqlite3_prepare_v2(store_sqlite(st), "SELECT event, actor FROM hazard_events "
			       "WHERE hazard_id = ?1 ORDER BY seq", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(s) == SQLITE_ROW)
			snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s/%s",
				 names[0] ? " " : "", sqlite3_column_text(s, 0),
				 sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	CHECK_STR("trim: the raise, the actions, the level change, the end kept", names,
		  "raised/hazardd action/interlock acknowledged/alice updated/hazardd "
		  "cleared/hazardd submitted/carol closed/bob");
	replay_at(st, id, at, n, after);
	for (i = 0; i < n; i++)
		same &= strcmp(before[i].state, after[i].state) == 0 &&
			before[i].severity == after[i].severity;
	CHECK("trim: the summary's replay is the same at every moment", same);
	CHECK_STR("trim: replay sanity: acknowledged keeps it open", after[12].state,
		  "open");
	CHECK_STR("trim: replay sanity: submitted", after[n - 3].state, "submitted");
	CHECK_STR("trim: replay sanity: closed", after[n - 2].state, "closed");
	CHECK_INT("trim: replay sanity: general before the escalation", after[17].severity,
		  SEV_GENERAL);
	CHECK_INT("trim: replay sanity: major after the escalation", after[18].severity,
		  SEV_MAJOR);
	CHECK_INT("trim: the live record keeps its events",
		  db_int(st, "SELECT count(*) FROM hazard_events WHERE hazard_id = ?1", live.id), 6);
	CHECK_INT("trim: a record out of time order is left whole",
		  db_int(st, "SELECT count(*) FROM hazard_events WHERE hazard_id = ?1", back.id), 9);
	CHECK_INT("trim: the record's occurrences are untouched",
		  db_int(st, "SELECT occurrences FROM hazards WHERE id = ?1", id), 21);

	/* through the quota: nothing more to trim, so the records alone are over */
	store_begin(st);
	CHECK_INT("trim: a second pass finds nothing", store_trim_events(st, 50, &wrapped), 0);
	CHECK_INT("trim: quota over records alone", store_make_room(st, 1, &dr, &dt, &de), 1);
	store_commit(st);
	CHECK("trim: nothing counted the second time", de == 0);
	store_close(st);
}

/* store_make_room reaches the trim after readings, telemetry and the
 * kept copies, and counts what it trimmed. */
static void test_make_room_trims(void)
{
	char err[256];
	struct store *st = store_open(db_path("room.db"), err, sizeof err);
	struct device_cfg dev = test_device("chg-r");
	struct hz_policy pol = policy();
	struct hazard_change c;
	struct hazard_rec rec;
	int64_t dr = 0, dt = 0, de = 0;
	const char *ev = NULL;
	int i, k;

	CHECK("room: open", st != NULL);
	if (!st)
		return;
	store_begin(st);
	for (k = 0; k < 30; k++) {
		char id[16];

		snprintf(id, sizeof id, "chg-%d", k);
		dev.id = id;
		c = change(HZ_OVERCHARGE, CHG_ACTIVE, SEV_GENERAL, false, 0);
		for (i = 0; i < 40; i++)
			store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol,
					   T0 + k * 100000 + i, &rec, &ev);
		c = change(HZ_OVERCHARGE, CHG_CLEAR, SEV_GENERAL, false, 0);
		store_record_apply(st, REC_HAZARD, true, &dev, &c, NULL, &pol,
				   T0 + k * 100000 + 50, &rec, &ev);
		store_record_act(st, rec.id, RA_SUBMIT, VERDICT_NONE, "carol", "x", NULL,
				 T0 + k * 100000 + 55, &rec, &ev, err, sizeof err);
		store_record_act(st, rec.id, RA_CLOSE, VERDICT_NONE, "bob", "x", NULL,
				 T0 + k * 100000 + 60, &rec, &ev, err, sizeof err);
	}
	store_commit(st);
	store_begin(st);
	CHECK_INT("room: over the target with records alone: 1",
		  store_make_room(st, 1, &dr, &dt, &de), 1);
	store_commit(st);
	CHECK_INT("room: no readings or telemetry to drop", (int)(dr + dt), 0);
	CHECK_INT("room: 39 repeats of each of 30 finished records trimmed", (int)de, 30 * 39);
	CHECK_INT("room: four events left of each (raised, cleared, submitted, closed)",
		  (int)db_int(st, "SELECT count(*) FROM hazard_events", NULL), 30 * 4);
	store_close(st);
}

int main(void)
{
	log_init("test_store_flap", LOG_LVL_ERR);
	snprintf(dir, sizeof dir, "/tmp/test_store_flap.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_flag_and_occurrences();
	test_trim();
	test_make_room_trims();
	remove_db("flag.db");
	remove_db("trim.db");
	remove_db("room.db");
	rmdir(dir);
	TEST_DONE();
}
