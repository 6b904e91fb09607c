/*
 * seqset.c: a bounded, sorted set of outbox seqs.
 *
 * The uplink keeps here the rows the district broker has acknowledged but
 * whose delete did not reach the disk (a full filesystem rolls the pass
 * back).  The set must never grow without bound, and the uplink asks "is
 * this row in it?" for every row it reads from the outbox, so it is one
 * sorted array searched by bisection; adding past the bound is refused
 * (the caller decides what that means), never a reallocation.
 */
#include <stdlib.h>
#include <string.h>

#include "lib.h"

struct seqset {
	int64_t *v;             /* ascending, no repeats */
	int      n, cap;
};

struct seqset *seqset_new(int cap)
{
	struct seqset *s = calloc(1, sizeof *s);

	if (!s || cap <= 0 || !(s->v = calloc((size_t)cap, sizeof *s->v))) {
		free(s);
		return NULL;
	}
	s->cap = cap;
	return s;
}

void seqset_free(struct seqset *s)
{
	if (!s)
		return;
	free(s->v);
	free(s);
}

/* The index of the first element >= seq. */
static int lower_bound(const struct seqset *s, int64_t seq)
{
	int lo = 0, hi = s->n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (s->v[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool seqset_has(const struct seqset *s, int64_t seq)
{
	int i;

	if (!s || s->n == 0)
		return false;
	i = lower_bound(s, seq);
	return i < s->n && s->v[i] == seq;
}

int seqset_add(struct seqset *s, int64_t seq)
{
	int i = lower_bound(s, seq);

	if (i < s->n && s->v[i] == seq)
		return 0;
	if (s->n == s->cap)
		return -1;
	memmove(s->v + i + 1, s->v + i, (size_t)(s->n - i) * sizeof *s->v);
	s->v[i] = seq;
	s->n++;
	return 0;
}

void seqset_remove(struct seqset *s, int64_t seq)
{
	int i = lower_bound(s, seq);

	if (i < s->n && s->v[i] == seq) {
		memmove(s->v + i, s->v + i + 1, (size_t)(s->n - i - 1) * sizeof *s->v);
		s->n--;
	}
}

int seqset_count(const struct seqset *s)
{
	return s ? s->n : 0;
}

int seqset_cap(const struct seqset *s)
{
	return s ? s->cap : 0;
}

const int64_t *seqset_items(const struct seqset *s)
{
	return s->v;
}

void seqset_clear(struct seqset *s)
{
	s->n = 0;
}
