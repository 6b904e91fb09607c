/*
 * store_internal.h: what store.c and store_schema.c share.  Nobody else
 * includes this; the rest of the daemon sees only the store.c section of
 * hazardd.h.
 */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <stddef.h>

#include <sqlite3.h>

#define STORE_EPOCH_LEN 8       /* lowercase hex chars in meta "epoch" */

struct store;

/* The schema version this build writes (the number of migrations). */
int store_schema_version(void);

/*
 * Run PRAGMA quick_check.  -1 with "database PATH is corrupt: ..." in err
 * when the file is damaged or not a database at all.
 */
int store_schema_check(sqlite3 *db, const char *path, char *err, size_t errlen);

/*
 * Bring the file up to store_schema_version(), one transaction per
 * migration.  Refuses a file written by a newer hazardd.
 */
int store_schema_migrate(sqlite3 *db, const char *path, char *err, size_t errlen);

/* The connection itself, for unit tests that provoke errors (disk full). */
sqlite3 *store_sqlite(struct store *st);

#endif /* STORE_INTERNAL_H */
