/*
 * store_site_record.c: the live record of a kind, device and type looked
 * up with its site, which also finds the records that stand for a site
 * and no device (device ''), such as a coverage gap; and a rules change
 * applied to such a site's hazard.  store_record_apply's finder leaves
 * device '' out on purpose (several hazards recorded by hand may stand at
 * one site); a condition the daemon itself watches at a site is one
 * record per site and type, so it is found by site here.  Also the
 * newest record of a kind, device and type, live or history, with its
 * detail: what a dated fault's dismissal was about.
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "store.h"
#include "store_internal.h"

static int find_live(struct store *st, enum record_kind k, const char *device,
		     const char *site, enum hazard_type t, struct hazard_rec *rec,
		     char **evidence)
{
	sqlite3_stmt *s = st->stmt[S_HZ_FIND_LIVE];
	int rc, found = 0;

	store_bind_text(s, 1, device);
	store_bind_text(s, 2, site);
	store_bind_text(s, 3, hazard_type_name[t]);
	store_bind_text(s, 4, record_kind_name[k]);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = store_hz_from_row(s, rec) == 0 ? 1 : -1;
		if (found == 1 && evidence)
			*evidence = store_col_strdup(s, HZ_COL_EVIDENCE);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read live record");
		found = -1;
	}
	store_stmt_done(s);
	return found;
}

int store_record_live(struct store *st, enum record_kind k, const char *device,
		      const char *site, enum hazard_type t, struct hazard_rec *rec)
{
	if ((unsigned)t >= HZ_TYPE_COUNT || (unsigned)k >= REC_KIND_COUNT)
		return -1;
	return find_live(st, k, device, site, t, rec, NULL);
}

int store_record_newest(struct store *st, enum record_kind k, const char *device,
			const char *site, enum hazard_type t, struct hazard_rec *rec,
			char *detail, size_t len)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	if ((unsigned)t >= HZ_TYPE_COUNT || (unsigned)k >= REC_KIND_COUNT)
		return -1;
	s = store_adhoc(st, "SELECT " HZ_COLS " FROM hazards WHERE kind = ?1 AND "
			"device = ?2 AND type = ?3 AND site = ?4 "
			"ORDER BY raised_at_ms DESC, rowid DESC LIMIT 1");
	if (!s)
		return -1;
	store_bind_text(s, 1, record_kind_name[k]);
	store_bind_text(s, 2, device);
	store_bind_text(s, 3, hazard_type_name[t]);
	store_bind_text(s, 4, site);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = store_hz_from_row(s, rec) == 0 ? 1 : -1;
		if (found == 1)
			strlcpy_hz(detail, store_col_text(s, HZ_COL_DETAIL), len);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read newest record");
		found = -1;
	}
	sqlite3_finalize(s);
	return found;
}

int store_site_hazard_apply(struct store *st, const char *site,
			    const struct hazard_change *chg, const struct hz_policy *pol,
			    int64_t now_ms, struct hazard_rec *rec, const char **event)
{
	struct hazard_rec cur;
	struct record_plan plan;
	char *ev_old = NULL;
	bool own;
	int found, rc = 0;

	*event = NULL;
	memset(rec, 0, sizeof *rec);
	if ((unsigned)chg->type >= HZ_TYPE_COUNT || (unsigned)chg->severity > SEV_MAJOR)
		return -1;
	if (store_atomic_begin(st, &own) < 0)
		return -1;
	found = find_live(st, REC_HAZARD, "", site, chg->type, &cur, &ev_old);
	if (found < 0) {
		rc = -1;
		goto out;
	}
	if (!record_apply_change(REC_HAZARD, true, found ? &cur : NULL, "", site, chg, pol,
				 now_ms, &plan))
		goto out;
	/* a new record's id first */
	if (plan.write == RW_CREATE && store_hz_next_id(st, REC_HAZARD, plan.next.id, sizeof plan.next.id) < 0) {
		rc = -1;
		goto out;
	}
	rc = store_plan_write(st, &plan, chg, NULL, ev_old, now_ms, rec, event);
out:
	if (found == 1 && !*event)
		*rec = cur;
	free(ev_old);
	if (store_atomic_end(st, own, rc) < 0) {
		*event = NULL;
		return -1;
	}
	return 0;
}
