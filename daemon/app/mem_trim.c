/*
 * mem_trim.c: memory the daemon no longer uses, given back to the system.
 *
 * Start-up parses the whole config with cJSON, builds and rebuilds the
 * device graph and syncs the config into SQLite: about 1 MiB of heap is
 * freed again by the time the loop runs, but glibc keeps freed memory
 * inside the heap and returns only what lies at its top.  A gateway
 * lives for months at rest, so the loop hands it back (malloc_trim, which
 * also releases whole free pages in the middle of the heap) together
 * with SQLite's page cache: once when start-up is done and then with the
 * once-a-minute upkeep, which also catches what a reload or a burst of
 * messages left behind.  Both take well under a millisecond on an idle
 * heap of a few MiB (docs/benchmarks.md, "Where the memory goes").
 */
#include <malloc.h>

#include "app.h"
#include "loop.h"

void mem_trim(struct store *st)
{
	store_release_memory(st);
	malloc_trim(0);
}
