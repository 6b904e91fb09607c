/*
 * selfcheck.h: the self-inspection (自查) checklist of each site kind and
 * the check of one self-inspection's items against it (core/selfcheck.c).
 */
#ifndef CORE_SELFCHECK_H
#define CORE_SELFCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define SELFCHECK_ITEMS_MAX 8   /* items in one site kind's checklist */

struct selfcheck_item {
	const char *id;         /* "gas_hose": what hazardctl and the database name */
	const char *name;       /* what a person reads */
};

/* The checklist of sites of kind k; *n its length. */
const struct selfcheck_item *selfcheck_list(enum site_kind k, int *n);

/* One self-inspection's answers: ids[i] found ok[i].  Every id must be on
 * the checklist of kind k, each given once, and every item of the
 * checklist given (a self-inspection covers the whole list).  0, or -1
 * with err naming the first problem. */
int selfcheck_validate(enum site_kind k, const char *const *ids, int n, char *err,
		       size_t errlen);

#endif /* CORE_SELFCHECK_H */
