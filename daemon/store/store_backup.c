/*
 * store_backup.c: a copy of the database before its schema is migrated.
 *
 * A new hazardd migrates the schema at start-up (store_schema.c); the
 * migration is one transaction, but an upgrade an operator wants to undo
 * (a bug in the new version, a rollback of the package) needs the file as
 * the old version knew it.  So before the first migration step the whole
 * database is copied with SQLite's online backup API (consistent, WAL
 * included) to "<db>.pre-v<N>", N being the schema version it had.  A copy
 * that is already there is kept: it is the older one.  No copy, no
 * migration.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

int store_backup_before_migration(struct sqlite3 *db, const char *path, int version,
				  char *err, size_t errlen)
{
	char dest[PATH_MAX_HZ + 32];
	sqlite3 *out = NULL;
	sqlite3_backup *b;
	int rc;

	snprintf(dest, sizeof dest, "%s.pre-v%d", path, version);
	if (access(dest, F_OK) == 0) {
		log_info("database %s: keeping the earlier copy %s", path, dest);
		return 0;
	}
	rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		errf(err, errlen, "database %s: cannot create the copy %s before "
		     "migrating: %s; not migrated", path, dest,
		     out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
		sqlite3_close(out);
		return -1;
	}
	b = sqlite3_backup_init(out, "main", db, "main");
	rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(out);
	if (b)
		sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		errf(err, errlen, "database %s: copy to %s before migrating failed: %s; "
		     "not migrated", path, dest, sqlite3_errmsg(out));
		sqlite3_close(out);
		unlink(dest);
		return -1;
	}
	if (sqlite3_close(out) != SQLITE_OK) {
		errf(err, errlen, "database %s: closing the copy %s failed; not migrated",
		     path, dest);
		unlink(dest);
		return -1;
	}
	log_info("database %s: schema version %d copied to %s before migrating",
		 path, version, dest);
	return 0;
}
