/*
 * test_hwm.c: ids never repeat when the database's history goes back.
 * First the pure decision (hwm_judge) over a mark and the database's
 * counters, then the mark file, then the store over a real file: a backup
 * restored, an unclean stop, a zero-byte database where one existed.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "hwm.h"
#include "testing.h"

static struct hwm mk(const char *epoch, int64_t gen, bool clean, int64_t ob,
		     int64_t al, int64_t fa, int64_t hz)
{
	struct hwm m = { .generation = gen, .clean = clean,
			 .ctr = { ob, al, fa, hz } };

	snprintf(m.epoch, sizeof m.epoch, "%s", epoch);
	return m;
}

static void judge_table(void)
{
	static const struct {
		const char *name;
		bool has_mark, mark_bad, created;
		struct { const char *e; int64_t gen; bool clean; int64_t c[4]; } mark, db;
		enum hwm_verdict want;
	} t[] = {
		{ "no mark: first", false, false, false, { "", 0, 0, {0} },
		  { "aaaaaaaa", 3, 0, { 10, 1, 1, 1 } }, HWM_FIRST },
		{ "no mark, new file: first", false, false, true, { "", 0, 0, {0} },
		  { "aaaaaaaa", 0, 0, {0} }, HWM_FIRST },
		{ "unreadable mark: back", false, true, false, { "", 0, 0, {0} },
		  { "aaaaaaaa", 3, 0, { 10, 1, 1, 1 } }, HWM_BACK },
		{ "mark but empty db: lost", true, false, true,
		  { "aaaaaaaa", 3, 1, { 10, 1, 1, 1 } }, { "bbbbbbbb", 0, 0, {0} }, HWM_LOST },
		{ "clean, equal: ok", true, false, false,
		  { "aaaaaaaa", 3, 1, { 10, 2, 3, 4 } }, { "aaaaaaaa", 3, 0, { 10, 2, 3, 4 } }, HWM_OK },
		{ "clean, db ahead: ok", true, false, false,
		  { "aaaaaaaa", 3, 1, { 10, 2, 3, 4 } }, { "aaaaaaaa", 4, 0, { 11, 2, 3, 4 } }, HWM_OK },
		{ "clean, outbox back: back", true, false, false,
		  { "aaaaaaaa", 3, 1, { 10, 2, 3, 4 } }, { "aaaaaaaa", 3, 0, { 9, 2, 3, 4 } }, HWM_BACK },
		{ "clean, hazard back: back", true, false, false,
		  { "aaaaaaaa", 3, 1, { 10, 2, 3, 4 } }, { "aaaaaaaa", 3, 0, { 10, 2, 3, 3 } }, HWM_BACK },
		{ "older generation: back", true, false, false,
		  { "aaaaaaaa", 5, 0, { 100, 70, 70, 70 } }, { "aaaaaaaa", 4, 0, { 90, 9, 9, 9 } }, HWM_BACK },
		{ "other epoch: back", true, false, false,
		  { "aaaaaaaa", 3, 1, { 1, 0, 0, 0 } }, { "cccccccc", 9, 0, { 50, 5, 5, 5 } }, HWM_BACK },
		{ "unclean, below lease: ahead", true, false, false,
		  { "aaaaaaaa", 3, 0, { 74, 66, 64, 64 } }, { "aaaaaaaa", 3, 0, { 12, 2, 0, 0 } }, HWM_AHEAD },
		{ "unclean, at lease: ok", true, false, false,
		  { "aaaaaaaa", 3, 0, { 74, 66, 64, 64 } }, { "aaaaaaaa", 3, 0, { 74, 66, 64, 64 } }, HWM_OK },
	};
	size_t i;
	char why[300];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct hwm m = mk(t[i].mark.e, t[i].mark.gen, t[i].mark.clean, t[i].mark.c[0],
				  t[i].mark.c[1], t[i].mark.c[2], t[i].mark.c[3]);
		struct hwm d = mk(t[i].db.e, t[i].db.gen, false, t[i].db.c[0],
				  t[i].db.c[1], t[i].db.c[2], t[i].db.c[3]);
		enum hwm_verdict v = hwm_judge(t[i].has_mark ? &m : NULL, t[i].mark_bad,
					       &d, t[i].created, why, sizeof why);

		CHECK_STR(t[i].name, hwm_verdict_name(v), hwm_verdict_name(t[i].want));
		CHECK(t[i].name, why[0] != '\0');
	}
}

static void file_roundtrip(const char *dir)
{
	char path[512], err[256];
	struct hwm w = mk("0123abcd", 7, true, 100, 2, 3, 4), r;
	FILE *f;

	snprintf(path, sizeof path, "%s/x.db.hwm", dir);
	CHECK_INT("no file reads as none", hwm_read(path, &r, err, sizeof err), 0);
	CHECK_INT("write", hwm_write(path, &w, err, sizeof err), 0);
	CHECK_INT("read back", hwm_read(path, &r, err, sizeof err), 1);
	CHECK_STR("epoch kept", r.epoch, "0123abcd");
	CHECK_INT("generation kept", r.generation, 7);
	CHECK("clean kept", r.clean);
	CHECK_INT("outbox kept", r.ctr[HWM_OUTBOX], 100);
	CHECK_INT("hazard kept", r.ctr[HWM_HAZARD], 4);
	f = fopen(path, "w");
	fputs("hazardd-hwm 1\nepoch 0123abcd\ngeneration 7\n", f);
	fclose(f);
	CHECK_INT("truncated mark is refused", hwm_read(path, &r, err, sizeof err), -1);
	unlink(path);
}

static void copy_file(const char *from, const char *to)
{
	char cmd[1200];

	snprintf(cmd, sizeof cmd, "cp -f '%s' '%s'", from, to);
	if (system(cmd) != 0)
		abort();
}

static int64_t put(struct store *st)
{
	int64_t seq = -1;

	store_begin(st);
	store_outbox_put(st, "telemetry", 4, "{}", &seq);
	store_commit(st);
	return seq;
}

static void store_restore(const char *dir)
{
	char db[512], bak[512], hwm[600], lease[600], err[256], e1[16];
	struct store *st;
	int64_t s1, s2;
	FILE *f;

	snprintf(db, sizeof db, "%s/hz.db", dir);
	snprintf(bak, sizeof bak, "%s/hz.db.bak", dir);
	snprintf(hwm, sizeof hwm, "%s.hwm", db);
	snprintf(lease, sizeof lease, "%s/lease", dir);

	st = store_open(db, err, sizeof err);
	CHECK("new database opens", st != NULL);
	if (!st)
		return;
	CHECK("a new database has no history fault", store_history_fault(st) == NULL);
	snprintf(e1, sizeof e1, "%s", store_epoch(st));
	put(st);
	put(st);
	store_close(st);
	copy_file(db, bak);             /* the documented backup: stopped */

	st = store_open(db, err, sizeof err);
	CHECK("plain restart keeps the epoch", st && strcmp(store_epoch(st), e1) == 0);
	CHECK("plain restart: no history fault", st && store_history_fault(st) == NULL);
	s1 = put(st);
	CHECK_INT("seqs continue", s1, 3);
	store_close(st);

	copy_file(bak, db);             /* restore */
	st = store_open(db, err, sizeof err);
	CHECK("restored database opens", st != NULL);
	if (!st)
		return;
	CHECK("restore: new epoch", strcmp(store_epoch(st), e1) != 0);
	CHECK("restore: history fault", store_history_fault(st) != NULL);
	CHECK_CONTAINS("restore: fault names the new epoch", store_history_fault(st),
		       store_epoch(st));
	s2 = put(st);
	CHECK_INT("restore: the seq went back (so the epoch must differ)", s2, 3);
	snprintf(e1, sizeof e1, "%s", store_epoch(st));
	copy_file(hwm, lease);          /* the running lease, as a crash leaves it */
	store_close(st);

	/* unclean stop: the database may be anywhere below the lease */
	copy_file(lease, hwm);
	st = store_open(db, err, sizeof err);
	CHECK("after a crash the epoch stays", st && strcmp(store_epoch(st), e1) == 0);
	CHECK("after a crash: no history fault", st && store_history_fault(st) == NULL);
	if (st) {
		s2 = put(st);
		/* the lease was written at open: the counter then (2) plus a step */
		CHECK_INT("after a crash seqs continue past the lease", s2, 2 + HWM_STEP + 1);
		store_close(st);
	}

	/* a zero-byte database where the mark says one existed */
	f = fopen(db, "w");
	fclose(f);
	unlink(bak);
	snprintf(lease, sizeof lease, "%s-wal", db);
	unlink(lease);
	st = store_open(db, err, sizeof err);
	CHECK("zero-byte database opens", st != NULL);
	if (st) {
		CHECK("zero-byte database: history fault", store_history_fault(st) != NULL);
		CHECK_CONTAINS("zero-byte database: says missing or empty",
			       store_history_fault(st), "missing or empty");
		store_close(st);
	}
}

int main(void)
{
	char dir[] = "/tmp/test_hwm.XXXXXX";
	char cmd[128];

	log_init("test_hwm", LOG_LVL_ERR);
	if (!mkdtemp(dir))
		return 2;
	judge_table();
	file_roundtrip(dir);
	store_restore(dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	TEST_DONE();
}
