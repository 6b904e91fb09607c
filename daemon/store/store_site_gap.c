/*
 * store_site_gap.c: the upkeep of a hazard that stands for a site and no
 * device (a coverage gap) when the config changes under it, outside the
 * rules' changes (store_site_record.c): the live ones of a type at every
 * site, including sites no longer configured; its detail rewritten when
 * the gap changes (event "updated", no occurrence); its withdrawal by
 * the daemon with a note saying why (event "closed").  What the record
 * becomes is core/coverage.c's; this reads and writes the rows.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

int store_site_hazards_live(struct store *st, enum hazard_type t, struct hazard_rec **out)
{
	sqlite3_stmt *s;
	struct hazard_rec *v = NULL, *nv;
	int n = 0, cap = 0, rc;

	*out = NULL;
	if ((unsigned)t >= HZ_TYPE_COUNT)
		return -1;
	s = store_adhoc(st, "SELECT " HZ_COLS " FROM hazards WHERE device = '' AND "
			"type = ?1 AND kind = 'hazard' AND " RECORD_LIVE_SQL
			" ORDER BY site, raised_at_ms");
	if (!s)
		return -1;
	store_bind_text(s, 1, hazard_type_name[t]);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			if (!(nv = realloc(v, (size_t)cap * sizeof *v)))
				break;
			v = nv;
		}
		if (store_hz_from_row(s, &v[n]) == 0)
			n++;
	}
	if (rc != SQLITE_DONE) {
		if (rc != SQLITE_ROW)
			store_fail(st, "read site hazards");
		sqlite3_finalize(s);
		free(v);
		return -1;
	}
	sqlite3_finalize(s);
	*out = v;
	return n;
}

int store_site_hazard_detail(struct store *st, const char *id, char *buf, size_t len)
{
	sqlite3_stmt *s = st->stmt[S_HZ_GET];
	int rc, found = 0;
	char *d;

	if (len)
		buf[0] = '\0';
	store_bind_text(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		found = 1;
		if ((d = store_col_strdup(s, HZ_COL_DETAIL))) {
			strlcpy_hz(buf, d, len);
			free(d);
		}
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read hazard");
		found = -1;
	}
	store_stmt_done(s);
	return found;
}

/* Fetch the live record id, withdraw it if asked, write it (detail NULL
 * keeps the stored one) and its event, actor the daemon.  1 written, 0
 * not live any more, -1 error. */
static int rewrite(struct store *st, const char *id, const char *event, const char *note,
		   const char *detail, int64_t now_ms, bool withdraw, struct hazard_rec *rec)
{
	struct hazard_rec cur;
	char *ev = NULL, hid[ID_MAX];
	bool own;
	int found, rc = 0;

	strlcpy_hz(hid, id, sizeof hid);
	if (store_atomic_begin(st, &own) < 0)
		return -1;
	store_bind_text(st->stmt[S_HZ_GET], 1, hid);
	found = store_hz_fetch(st, S_HZ_GET, &cur, &ev);
	if (found < 0)
		rc = -1;
	if (found != 1 || cur.kind != REC_HAZARD || !record_live(REC_HAZARD, cur.state))
		goto out;
	if (withdraw)
		coverage_gap_withdrawn(&cur, now_ms);
	rc = store_hz_update(st, &cur, detail, ev, now_ms);
	if (rc == 0)
		rc = store_ev_put(st, &cur, event, now_ms, "hazardd", note, detail);
	if (rc == 0) {
		*rec = cur;
		rc = 1;
	}
out:
	free(ev);
	if (store_atomic_end(st, own, rc < 0 ? -1 : 0) < 0)
		return -1;
	return rc;
}

int store_site_hazard_redetail(struct store *st, const char *id, const char *detail,
			       int64_t now_ms, struct hazard_rec *rec)
{
	return rewrite(st, id, "updated", NULL, detail, now_ms, false, rec);
}

int store_site_hazard_withdraw(struct store *st, const char *id, const char *note,
			       int64_t now_ms, struct hazard_rec *rec)
{
	return rewrite(st, id, "closed", note, NULL, now_ms, true, rec);
}
