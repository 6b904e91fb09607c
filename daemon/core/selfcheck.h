/*
 * selfcheck.h: the self-inspection (自查) checklist of each site kind and
 * the check of one self-inspection's items against it (core/selfcheck.c).
 * A list in the config ($.selfcheck, conf/config_selfcheck.c) replaces a
 * kind's built-in one.
 */
#ifndef CORE_SELFCHECK_H
#define CORE_SELFCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define SELFCHECK_ITEMS_MAX 12  /* items in one site kind's checklist */
#define SELFCHECK_ID_MAX    32  /* [a-z_], as the selfcheck message's schema */
#define SELFCHECK_TEXT_MAX  160 /* bytes, NUL included: ~50 Chinese characters */

struct selfcheck_item {
	char id[SELFCHECK_ID_MAX];      /* "gas_hose": what hazardctl and the database name */
	char text[SELFCHECK_TEXT_MAX];  /* what a person reads (Chinese) */
	char text_en[SELFCHECK_TEXT_MAX]; /* the same in English; "" none */
};

struct selfcheck_list {
	int n;                          /* 0: none (the built-in list applies) */
	bool configured;                /* from the config file, not built in */
	struct selfcheck_item items[SELFCHECK_ITEMS_MAX];
};

/* The built-in checklist of kind k (NULL for a kind out of range). */
const struct selfcheck_list *selfcheck_default(enum site_kind k);
/* The list that applies to kind k: the configured one (lists[k], when
 * lists is not NULL and it has items), else the built-in one. */
const struct selfcheck_list *selfcheck_effective(const struct selfcheck_list *lists,
						 enum site_kind k);
/* The item of l named id, or NULL. */
const struct selfcheck_item *selfcheck_find(const struct selfcheck_list *l, const char *id);
/* Is s a valid item id: 1..SELFCHECK_ID_MAX-1 of [a-z_]? */
bool selfcheck_id_ok(const char *s);

/* One self-inspection's answers: ids[i].  Every id must be on the
 * checklist l (of the kind named kind), each given once, and every item
 * of it given (a self-inspection covers the whole list).  0, or -1 with
 * err naming the first problem. */
int selfcheck_validate(const struct selfcheck_list *l, const char *kind,
		       const char *const *ids, int n, char *err, size_t errlen);

#endif /* CORE_SELFCHECK_H */
