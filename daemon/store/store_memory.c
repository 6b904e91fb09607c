/*
 * store_memory.c: the connection's caches given back at rest.  SQLite
 * keeps the pages it has read (up to cache_size) and the start-up's
 * schema checks, config sync and register fill the cache with pages the
 * running daemon rarely reads again; at 2,000 devices that is about
 * 250 KiB of heap held for nothing (docs/benchmarks.md, "Where the memory
 * goes").  The cache refills with what the next statements read, from the
 * operating system's page cache: a few preads, once.
 */
#include "store_internal.h"

void store_release_memory(struct store *st)
{
	if (st && st->db)
		sqlite3_db_release_memory(st->db);
}
