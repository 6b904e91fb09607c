/*
 * devindex.c: which device a message topic belongs to.
 *
 * Every device has one or more routes (formats.c: its configured topic and
 * the topics its format derives from it).  Exact routes go in one hash
 * table; subtree routes (Shelly Gen1 "shellies/<id>" and everything below)
 * in another, probed with the topic and then each of its parents.  So a
 * lookup costs one hash probe plus one per topic level, whether the
 * gateway has ten devices or ten thousand; the linear scan it replaces
 * showed in the benchmark at a few thousand.
 *
 * An exact route wins over a subtree, a deeper subtree over a shallower
 * one: a native device on "shellies/x/extra" is not swallowed by a Gen1
 * device on "shellies/x".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

struct dx_entry {
	char *key;                      /* NULL: empty slot */
	int   dev;                      /* index in cfg->devices */
	const struct device_format *dec;
};

struct dx_table {
	struct dx_entry *slot;
	size_t mask;                    /* capacity - 1, capacity a power of 2 */
};

struct devindex {
	struct dx_table exact, subtree;
	char  **filters;                /* MQTT subscription filters */
	int     n_filters;
	int     holders;                /* devindex_share */
};

/* FNV-1a over len bytes. */
static uint64_t dx_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Load factor at most 1/2: probes stay short. */
static int dx_table_init(struct dx_table *t, size_t n)
{
	size_t cap = 8;

	while (cap < 2 * n)
		cap *= 2;
	t->slot = calloc(cap, sizeof *t->slot);
	t->mask = cap - 1;
	return t->slot ? 0 : -1;
}

static void dx_table_free(struct dx_table *t)
{
	size_t i;

	if (!t->slot)
		return;
	for (i = 0; i <= t->mask; i++)
		free(t->slot[i].key);
	free(t->slot);
	t->slot = NULL;
}

static struct dx_entry *dx_probe(const struct dx_table *t, const char *key, size_t len)
{
	size_t i = (size_t)dx_hash(key, len) & t->mask;
	struct dx_entry *e;

	for (;; i = (i + 1) & t->mask) {
		e = &t->slot[i];
		if (!e->key || (strncmp(e->key, key, len) == 0 && e->key[len] == '\0'))
			return e;
	}
}

/* 0 added, 1 already there (for another device: *other), -1 no memory. */
static int dx_add(struct dx_table *t, const char *key, int dev,
		  const struct device_format *dec, int *other)
{
	struct dx_entry *e = dx_probe(t, key, strlen(key));

	if (e->key) {
		*other = e->dev;
		return 1;
	}
	e->key = strdup(key);
	if (!e->key)
		return -1;
	e->dev = dev;
	e->dec = dec;
	return 0;
}

static int dx_filter_add(struct devindex *ix, const struct route *r)
{
	char buf[TOPIC_MAX + 2];

	snprintf(buf, sizeof buf, "%s%s", r->topic, r->subtree ? "/#" : "");
	ix->filters[ix->n_filters] = strdup(buf);
	if (!ix->filters[ix->n_filters])
		return -1;
	ix->n_filters++;
	return 0;
}

struct devindex *devindex_new(const struct config *cfg, char *err, size_t errlen)
{
	struct route routes[ROUTES_MAX];
	struct devindex *ix = calloc(1, sizeof *ix);
	const struct device_format *dec;
	size_t n_exact = 0, n_subtree = 0;
	int i, j, n, rc, other;

	/* each table sized for the routes it will hold, not for ROUTES_MAX
	 * per device: most formats derive one or two exact routes and none
	 * below a subtree, and with thousands of devices the difference is
	 * hundreds of KiB per index */
	for (i = 0; i < cfg->n_devices; i++) {
		n = format_routes(format_find(cfg->devices[i].format), cfg->devices[i].topic,
				  routes, ROUTES_MAX);
		for (j = 0; j < n; j++)
			*(routes[j].subtree ? &n_subtree : &n_exact) += 1;
	}
	if (ix)
		ix->holders = 1;
	if (!ix || dx_table_init(&ix->exact, n_exact) < 0 ||
	    dx_table_init(&ix->subtree, n_subtree) < 0 ||
	    !(ix->filters = calloc(n_exact + n_subtree + 1, sizeof *ix->filters)))
		goto nomem;
	for (i = 0; i < cfg->n_devices; i++) {
		dec = format_find(cfg->devices[i].format);
		n = format_routes(dec, cfg->devices[i].topic, routes, ROUTES_MAX);
		for (j = 0; j < n; j++) {
			rc = dx_add(routes[j].subtree ? &ix->subtree : &ix->exact,
				    routes[j].topic, i, dec, &other);
			if (rc < 0)
				goto nomem;
			if (rc > 0) {
				/* the configured topics are unique (config.c);
				 * a derived one may still collide */
				errf(err, errlen, "devices %s and %s both receive on topic %s",
				     cfg->devices[other].id, cfg->devices[i].id,
				     routes[j].topic);
				devindex_free(ix);
				return NULL;
			}
			if (dx_filter_add(ix, &routes[j]) < 0)
				goto nomem;
		}
	}
	return ix;
nomem:
	errf(err, errlen, "out of memory building the topic index");
	devindex_free(ix);
	return NULL;
}

struct devindex *devindex_share(struct devindex *ix)
{
	if (ix)
		ix->holders++;
	return ix;
}

void devindex_free(struct devindex *ix)
{
	int i;

	if (!ix || --ix->holders > 0)
		return;
	dx_table_free(&ix->exact);
	dx_table_free(&ix->subtree);
	for (i = 0; ix->filters && i < ix->n_filters; i++)
		free(ix->filters[i]);
	free(ix->filters);
	free(ix);
}

int devindex_find(const struct devindex *ix, const char *topic,
		  const struct device_format **dec)
{
	const struct dx_entry *e;
	size_t len;

	if (!ix || !topic)
		return -1;
	len = strlen(topic);
	e = dx_probe(&ix->exact, topic, len);
	/* "a/#" matches "a" itself too, hence the subtree probe at full length */
	while (!e->key) {
		e = dx_probe(&ix->subtree, topic, len);
		if (e->key)
			break;
		while (len > 0 && topic[len - 1] != '/')
			len--;
		if (len == 0)
			return -1;
		len--;          /* drop the '/' */
	}
	if (dec)
		*dec = e->dec;
	return e->dev;
}

int devindex_n_filters(const struct devindex *ix)
{
	return ix ? ix->n_filters : 0;
}

const char *devindex_filter(const struct devindex *ix, int i)
{
	return ix && i >= 0 && i < ix->n_filters ? ix->filters[i] : NULL;
}

const struct device_cfg *devindex_device(const struct devindex *ix,
					 const struct config *cfg, const char *topic)
{
	int i = devindex_find(ix, topic, NULL);

	return i >= 0 && i < cfg->n_devices ? &cfg->devices[i] : NULL;
}
