/*
 * store_ids.c: the records a short id can stand for.  A record's id is
 * "<epoch>-<letter><n>" (store_record_rows.c); people read and type the
 * tail ("H12"), or the start of the whole id.  Ops (ops_ids.c) decides
 * what one match, none or several mean.
 */
#include <string.h>
#include <sqlite3.h>
#include "store.h"
#include "store_internal.h"

int store_record_ids_matching(struct store *st, const char *part,
			      char (*out)[ID_MAX], int max)
{
	/* the tail after a '-', or a prefix; newest first, so a list of
	 * candidates shows the likely one on top */
	sqlite3_stmt *s = store_adhoc(st, "SELECT id FROM hazards WHERE "
				      "substr(id, -length(?1) - 1) = '-' || ?1 "
				      "OR substr(id, 1, length(?1)) = ?1 "
				      "ORDER BY raised_at_ms DESC");
	int rc, n = 0;

	if (!s)
		return -1;
	store_bind_text(s, 1, part);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *id = sqlite3_column_text(s, 0);

		if (n < max && id)
			strlcpy_hz(out[n], (const char *)id, ID_MAX);
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "match a short record id");
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
}
