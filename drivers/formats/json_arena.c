/*
 * json_arena.c: where a payload's parse tree lives while a decoder reads it.
 *
 * Every message's decoder parses its payload with cJSON (dj_parse), reads
 * the fields into a struct reading, and deletes the tree.  cJSON allocates
 * each value and each key separately: some 30 malloc and 30 free calls a
 * message, and a cJSON_Delete walk: some 5,500 of a reading's 70,000
 * instructions (docs/benchmarks.md, "Ingest: parse trees from one
 * buffer").
 *
 * cJSON (1.7) takes its allocator only process-wide (cJSON_InitHooks), so
 * json_arena_init() installs one, once, before any thread: while the
 * thread that called it is inside dj_parse, cJSON's allocations are cut
 * from a fixed buffer; everywhere else (other threads, everything after
 * the parse, a tree too large for the buffer) they are malloc's.  A free
 * of a pointer inside the buffer does nothing: the buffer is reused once
 * no tree cut from it is alive (dj_release), so a tree kept by mistake is
 * never overwritten, it only keeps the buffer from being reused.
 * Without json_arena_init (tests, fuzzers) cJSON keeps malloc and free.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats.h"

/* a native or zigbee2mqtt message needs about 1.5 KiB; larger spill to malloc */
#define ARENA_SIZE 8192

static _Alignas(16) unsigned char arena[ARENA_SIZE];
static size_t arena_used;
static int arena_trees;         /* trees cut from the arena, not yet released */
static bool arena_spilled;      /* a tree of this round went partly to malloc */
static __thread bool arena_owner;       /* the thread that may cut from it */
static __thread bool arena_on;          /* inside dj_parse on that thread */

static bool in_arena(const void *p)
{
	return (uintptr_t)p >= (uintptr_t)arena &&
	       (uintptr_t)p < (uintptr_t)arena + ARENA_SIZE;
}

static void *arena_alloc(size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;

	if (arena_on) {
		if (need >= n && need <= ARENA_SIZE - arena_used) {
			void *p = arena + arena_used;

			arena_used += need;
			return p;
		}
		arena_spilled = true;
	}
	return malloc(n);
}

static void arena_free(void *p)
{
	if (!in_arena(p))
		free(p);
}

void json_arena_init(void)
{
	cJSON_Hooks h = { .malloc_fn = arena_alloc, .free_fn = arena_free };

	cJSON_InitHooks(&h);
	arena_owner = true;
}

bool json_arena_begin(void)
{
	if (!arena_owner)
		return false;
	if (arena_trees == 0) {
		arena_used = 0;
		arena_spilled = false;
	}
	arena_on = true;
	return true;
}

void json_arena_end(cJSON *root)
{
	arena_on = false;
	if (root && in_arena(root))
		arena_trees++;
}

void dj_release(cJSON *root)
{
	if (!root)
		return;
	if (!in_arena(root) || arena_spilled) {
		/* nodes from malloc among them: the walk frees those */
		cJSON_Delete(root);
	}
	if (in_arena(root) && arena_trees > 0)
		arena_trees--;
}
