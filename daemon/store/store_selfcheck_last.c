/*
 * store_selfcheck_last.c: when a site's last self-inspection (自查, the
 * checklist's row in self_checks) was made, for the console's site page.
 */
#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

int64_t store_last_selfcheck(struct store *st, const char *site)
{
	sqlite3_stmt *s = store_adhoc(st,
		"SELECT max(at_ms) FROM self_checks WHERE site = ?1 AND source = 'checklist'");
	int64_t at = -1;

	if (!s)
		return -1;
	sqlite3_bind_text(s, 1, site, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		at = sqlite3_column_type(s, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 0);
	else
		store_fail(st, "read the last self-inspection");
	sqlite3_finalize(s);
	return at;
}
