/*
 * strpool.c: the config's string pool.  Devices' strings (ids, sites,
 * topics, formats, models) and their few other variable parts live in a
 * handful of blocks instead of fixed-size arrays in every device_cfg:
 * a device's 816 bytes were mostly unused string space, resident for the
 * daemon's life.  Strings that repeat are interned while the file is
 * parsed, so the 2,000 devices of a site share one copy of its id and one
 * of each format's name; strings that cannot repeat (ids, topics: a
 * duplicate is an error) are copied without the index, which stays small
 * (a table of every id would grow the heap by its size at the parse and
 * leave it there).  strpool_seal() then drops the index, which only the
 * parse needs.  Everything goes at once with strpool_free().
 *
 * One thread (the loop's, or whoever loads a config); nothing is ever
 * freed piecemeal, so a pointer handed out stays valid until the pool goes.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define BLOCK_MIN  4096u        /* the first block's bytes, header included */
#define BLOCK_MAX  65536u       /* blocks grow by doubling up to this */

struct block {
	struct block *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

struct slot {
	const char *s;          /* NULL: empty */
	uint32_t hash;
};

struct strpool {
	struct block *head;     /* the block being filled */
	size_t next_size;
	size_t bytes;           /* its blocks' sizes: what it keeps resident */
	struct slot *index;     /* open addressing, cap a power of two */
	size_t cap, n;
	bool sealed;            /* index dropped: strings are only appended */
};

struct strpool *strpool_new(void)
{
	struct strpool *p = calloc(1, sizeof *p);

	if (p)
		p->next_size = BLOCK_MIN;
	return p;
}

void strpool_free(struct strpool *p)
{
	struct block *b, *next;

	if (!p)
		return;
	for (b = p->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(p->index);
	free(p);
}

void strpool_seal(struct strpool *p)
{
	if (!p)
		return;
	free(p->index);
	p->index = NULL;
	p->cap = p->n = 0;
	p->sealed = true;
}

size_t strpool_bytes(const struct strpool *p)
{
	return p ? p->bytes : 0;
}

/* size bytes at align (a power of two) from the current block, or from a
 * new one; a request larger than a block gets a block of its own. */
static void *carve(struct strpool *p, size_t size, size_t align)
{
	struct block *b = p->head;
	size_t at, want;

	if (b) {
		at = (b->used + align - 1) & ~(align - 1);
		if (at <= b->size && size <= b->size - at) {
			b->used = at + size;
			return b->data + at;
		}
	}
	/* next_size bytes in all, the header included */
	want = p->next_size - sizeof *b;
	want = size > want ? size : want;
	b = malloc(sizeof *b + want);
	if (!b)
		return NULL;
	b->size = want;
	b->used = size;
	/* the old block's tail is left: a new one starts at data, aligned */
	b->next = p->head;
	p->head = b;
	if (p->next_size < BLOCK_MAX)
		p->next_size *= 2;
	p->bytes += sizeof *b + want;
	return b->data;
}

void *strpool_alloc(struct strpool *p, size_t size)
{
	void *v = carve(p, size ? size : 1, alignof(max_align_t));

	if (v)
		memset(v, 0, size);
	return v;
}

/* FNV-1a, 32 bits: ids and topics are short, and nobody picks them to
 * collide (the file is the operator's own). */
static uint32_t hash_of(const char *s, size_t *len)
{
	uint32_t h = 2166136261u;
	const char *c;

	for (c = s; *c; c++) {
		h ^= (unsigned char)*c;
		h *= 16777619u;
	}
	*len = (size_t)(c - s);
	return h;
}

static int grow_index(struct strpool *p)
{
	size_t cap = p->cap ? p->cap * 2 : 256, i, j;
	struct slot *v = calloc(cap, sizeof *v);

	if (!v)
		return -1;
	for (i = 0; i < p->cap; i++) {
		if (!p->index[i].s)
			continue;
		for (j = p->index[i].hash & (cap - 1); v[j].s; j = (j + 1) & (cap - 1))
			;
		v[j] = p->index[i];
	}
	free(p->index);
	p->index = v;
	p->cap = cap;
	return 0;
}

const char *strpool_copy(struct strpool *p, const char *s)
{
	size_t len = strlen(s);
	char *copy = carve(p, len + 1, 1);

	if (copy)
		memcpy(copy, s, len + 1);
	return copy;
}

const char *strpool_intern(struct strpool *p, const char *s)
{
	size_t len, j = 0;
	uint32_t h = hash_of(s, &len);
	char *copy;

	if (!p->sealed) {
		/* at most half full: probes stay short */
		if ((p->n + 1) * 2 > p->cap && grow_index(p) < 0)
			return NULL;
		for (j = h & (p->cap - 1); p->index[j].s; j = (j + 1) & (p->cap - 1))
			if (p->index[j].hash == h && strcmp(p->index[j].s, s) == 0)
				return p->index[j].s;
	}
	copy = carve(p, len + 1, 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, len + 1);
	if (!p->sealed) {
		p->index[j] = (struct slot){ .s = copy, .hash = h };
		p->n++;
	}
	return copy;
}
