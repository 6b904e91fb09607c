/*
 * rule_overrides.c: rule thresholds set by the district platform
 * (the downlink "set-rules" command).
 *
 * The overrides live in the meta table under "rule_overrides" as one JSON
 * document, {"kinds": {"<kind>": {"<key>": n}}, "devices": {"<id>": {...}}},
 * and are laid over the configuration file's values: at start-up, after
 * every reload and whenever the platform changes them.  Precedence, lowest
 * first: built-in defaults, the file's kind rules, the file's device rules,
 * the platform's kind rules, the platform's device rules (the platform has
 * the last word).  Every value goes through the file's own key table and
 * ranges (config_rule_set), and a document is applied whole or not at all.
 *
 * Removal: in a set-rules request a JSON null drops an override, for one
 * key ({"kinds": {"gas_detector": {"lel_low": null}}}) or for a whole kind
 * or device ({"devices": {"kitchen-gas-1": null}}).  That needs the file's
 * own values, so the first apply or set keeps them (cfg->file_kind_rules,
 * and cfg->file_dev_rules for the devices with a "rules" object of their
 * own: the others' are their kind's, file_rules_of), and every change
 * rebuilds the rules as file values + the whole stored document; the same
 * rebuild checks the pairs (lel_high > lel_low ...) on what would be in
 * force.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define META_KEY "rule_overrides"
/* a set-rules document bigger than this is refused (bounded meta value) */
#define OVERRIDES_MAX_BYTES 65536

/* The rules a document is tried on: copies, so a bad one changes nothing. */
struct rules_copy {
	struct rule_params kind[DEV_KIND_COUNT];
	struct rule_params *dev;        /* parallel to cfg->devices */
	int n_dev;
};

/* The file's rules, kept before any override touches cfg: the kinds',
 * and a device's only where they are its own (2,000 copies of its kind's
 * would be 270 KB resident for nothing).  -1: out of memory, nothing
 * kept. */
static int save_file_rules(struct config *cfg)
{
	struct rule_params **own = NULL;
	int i;

	if (cfg->file_rules_saved)
		return 0;
	for (i = 0; i < cfg->n_devices; i++) {
		if (!cfg->devices[i].own_rules)
			continue;
		if (!own && !(own = calloc((size_t)cfg->n_devices, sizeof *own)))
			return -1;
		/* in the config's pool, freed with it (one built in code gets
		 * one here) */
		if (!cfg->strings)
			cfg->strings = strpool_new();
		own[i] = cfg->strings ? strpool_alloc(cfg->strings, sizeof *own[i]) : NULL;
		if (!own[i]) {
			free(own);
			return -1;
		}
		*own[i] = cfg->devices[i].rules;
	}
	memcpy(cfg->file_kind_rules, cfg->kind_rules, sizeof cfg->file_kind_rules);
	cfg->file_dev_rules = own;
	cfg->file_rules_saved = true;
	return 0;
}

/* Device i's rules as the file set them (save_file_rules() done, or
 * nothing changed yet: then they are in force). */
static const struct rule_params *file_rules_of(const struct config *cfg, int i)
{
	const struct device_cfg *dv = &cfg->devices[i];

	if (!cfg->file_rules_saved)
		return &dv->rules;
	if (dv->own_rules && cfg->file_dev_rules && cfg->file_dev_rules[i])
		return cfg->file_dev_rules[i];
	return &cfg->file_kind_rules[dv->kind];
}

/* A copy of the file's rules (save_file_rules() done). */
static int copy_from_file(struct rules_copy *rc, const struct config *cfg)
{
	int i;

	memcpy(rc->kind, cfg->file_kind_rules, sizeof rc->kind);
	rc->n_dev = cfg->n_devices;
	rc->dev = calloc((size_t)cfg->n_devices + 1, sizeof *rc->dev);
	if (!rc->dev)
		return -1;
	for (i = 0; i < cfg->n_devices; i++)
		rc->dev[i] = *file_rules_of(cfg, i);
	return 0;
}

static void copy_to(const struct rules_copy *rc, struct config *cfg)
{
	int i;

	memcpy(cfg->kind_rules, rc->kind, sizeof rc->kind);
	for (i = 0; i < cfg->n_devices && i < rc->n_dev; i++)
		cfg->devices[i].rules = rc->dev[i];
}

static int kind_index(const char *name)
{
	int k;

	for (k = 0; k < DEV_KIND_COUNT; k++)
		if (strcmp(device_kind_name[k], name) == 0)
			return k;
	return -1;
}

/* {"key": number, ...} onto rp for kind. */
static int set_params(struct rule_params *rp, enum device_kind kind, const cJSON *obj,
		      const char *where, char *err, size_t errlen)
{
	const cJSON *it;
	char why[320];

	if (!cJSON_IsObject(obj)) {
		errf(err, errlen, "%s: expected an object of rule keys", where);
		return -1;
	}
	cJSON_ArrayForEach(it, obj) {
		if (!cJSON_IsNumber(it)) {
			errf(err, errlen, "%s.%.40s: expected a number", where, it->string);
			return -1;
		}
		if (config_rule_set(rp, kind, it->string, it->valuedouble, why,
				    sizeof why) < 0) {
			errf(err, errlen, "%s: %s", where, why);
			return -1;
		}
	}
	return 0;
}

/* Lay doc over the copy: kinds (onto the kind and all its devices), then
 * devices; then the pair checks on everything touched. */
static int apply_doc(struct rules_copy *rc, const struct config *cfg, const cJSON *doc,
		     bool strict_devices, char *err, size_t errlen)
{
	const cJSON *kinds, *devs, *it;
	char where[96];
	int i, k;

	if (!cJSON_IsObject(doc)) {
		errf(err, errlen, "rules: expected an object");
		return -1;
	}
	cJSON_ArrayForEach(it, doc) {
		if (strcmp(it->string, "kinds") != 0 && strcmp(it->string, "devices") != 0) {
			errf(err, errlen, "unknown member \"%.40s\" (expected kinds, devices)",
			     it->string);
			return -1;
		}
	}
	kinds = cJSON_GetObjectItemCaseSensitive(doc, "kinds");
	devs = cJSON_GetObjectItemCaseSensitive(doc, "devices");
	if ((kinds && !cJSON_IsObject(kinds)) || (devs && !cJSON_IsObject(devs))) {
		errf(err, errlen, "kinds and devices must be objects");
		return -1;
	}
	cJSON_ArrayForEach(it, kinds) {
		k = kind_index(it->string);
		snprintf(where, sizeof where, "kinds.%.40s", it->string);
		if (k < 0) {
			errf(err, errlen, "%s: unknown device kind", where);
			return -1;
		}
		if (set_params(&rc->kind[k], k, it, where, err, errlen) < 0)
			return -1;
		for (i = 0; i < cfg->n_devices; i++)
			if ((int)cfg->devices[i].kind == k &&
			    set_params(&rc->dev[i], k, it, where, err, errlen) < 0)
				return -1;
	}
	cJSON_ArrayForEach(it, devs) {
		const struct device_cfg *dev = config_find_device(cfg, it->string);

		snprintf(where, sizeof where, "devices.%.40s", it->string);
		if (!dev) {
			if (!strict_devices)
				continue;       /* removed from the file: kept, unused */
			errf(err, errlen, "%s: no such device", where);
			return -1;
		}
		i = (int)(dev - cfg->devices);
		if (set_params(&rc->dev[i], dev->kind, it, where, err, errlen) < 0)
			return -1;
	}
	for (k = 0; k < DEV_KIND_COUNT; k++)
		if (config_rule_check_pairs(&rc->kind[k], k, where, sizeof where) < 0) {
			errf(err, errlen, "%s: %s", device_kind_name[k], where);
			return -1;
		}
	for (i = 0; i < cfg->n_devices; i++)
		if (config_rule_check_pairs(&rc->dev[i], cfg->devices[i].kind, where,
					    sizeof where) < 0) {
			errf(err, errlen, "device %s: %s", cfg->devices[i].id, where);
			return -1;
		}
	/* less sensitive than the file: only where the file allows it */
	if (cfg->overrides_allow_widen)
		return 0;
	for (k = 0; k < DEV_KIND_COUNT; k++)
		if (config_rule_widens(&cfg->file_kind_rules[k], &rc->kind[k], k, where,
				       sizeof where)) {
			errf(err, errlen, "%s: %s (rule_overrides.allow_widen is false)",
			     device_kind_name[k], where);
			return -1;
		}
	for (i = 0; i < cfg->n_devices; i++)
		if (config_rule_widens(file_rules_of(cfg, i), &rc->dev[i],
				       cfg->devices[i].kind, where, sizeof where)) {
			errf(err, errlen, "device %s: %s (rule_overrides.allow_widen is "
			     "false)", cfg->devices[i].id, where);
			return -1;
		}
	return 0;
}

static cJSON *load_doc(struct store *st, char *err, size_t errlen, int *rc)
{
	char *text = NULL;
	cJSON *doc;

	*rc = 0;
	if (store_meta_get_text(st, META_KEY, &text) < 0) {
		errf(err, errlen, "cannot read the stored rule overrides");
		*rc = -1;
		return NULL;
	}
	if (!text)
		return NULL;
	doc = cJSON_Parse(text);
	free(text);
	if (!doc || !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		errf(err, errlen, "stored rule overrides are not a JSON object; ignored");
		*rc = -1;
		return NULL;
	}
	return doc;
}

int rule_overrides_apply(struct config *cfg, struct store *st, char *err, size_t errlen)
{
	struct rules_copy rc;
	cJSON *doc;
	int r;

	if (save_file_rules(cfg) < 0) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	doc = load_doc(st, err, errlen, &r);
	if (!doc)
		return r;
	if (copy_from_file(&rc, cfg) < 0) {
		cJSON_Delete(doc);
		errf(err, errlen, "out of memory");
		return -1;
	}
	r = apply_doc(&rc, cfg, doc, false, err, errlen);
	if (r == 0)
		copy_to(&rc, cfg);
	free(rc.dev);
	cJSON_Delete(doc);
	return r;
}

/* One entry of a request ({"key": number or null, ...}, or null) for a
 * kind: known names, numbers in range (tried on scratch), and a null only
 * for a key that applies to the kind. */
static int check_entry(enum device_kind kind, const cJSON *obj, const char *where,
		       char *err, size_t errlen)
{
	struct rule_params scratch;
	const cJSON *it;
	char why[320];
	double v;

	if (cJSON_IsNull(obj))
		return 0;
	if (!cJSON_IsObject(obj)) {
		errf(err, errlen, "%s: expected an object of rule keys, or null", where);
		return -1;
	}
	memset(&scratch, 0, sizeof scratch);
	cJSON_ArrayForEach(it, obj) {
		int r;

		if (cJSON_IsNull(it))
			r = config_rule_get(&scratch, kind, it->string, &v, why, sizeof why);
		else if (cJSON_IsNumber(it))
			r = config_rule_set(&scratch, kind, it->string, it->valuedouble, why,
					    sizeof why);
		else {
			errf(err, errlen, "%s.%.40s: expected a number, or null to remove",
			     where, it->string);
			return -1;
		}
		if (r < 0) {
			errf(err, errlen, "%s: %s", where, why);
			return -1;
		}
	}
	return 0;
}

/* The request on its own: shape, kinds, devices (which must exist), keys
 * and values.  The pairs are checked on the result (apply_doc). */
static int check_request(const struct config *cfg, const cJSON *req, char *err,
			 size_t errlen)
{
	const cJSON *kinds, *devs, *it;
	char where[96];

	if (!cJSON_IsObject(req)) {
		errf(err, errlen, "rules: expected an object");
		return -1;
	}
	cJSON_ArrayForEach(it, req) {
		if (strcmp(it->string, "kinds") != 0 && strcmp(it->string, "devices") != 0) {
			errf(err, errlen, "unknown member \"%.40s\" (expected kinds, devices)",
			     it->string);
			return -1;
		}
	}
	kinds = cJSON_GetObjectItemCaseSensitive(req, "kinds");
	devs = cJSON_GetObjectItemCaseSensitive(req, "devices");
	if ((kinds && !cJSON_IsObject(kinds)) || (devs && !cJSON_IsObject(devs))) {
		errf(err, errlen, "kinds and devices must be objects");
		return -1;
	}
	cJSON_ArrayForEach(it, kinds) {
		int k = kind_index(it->string);

		snprintf(where, sizeof where, "kinds.%.40s", it->string);
		if (k < 0) {
			errf(err, errlen, "%s: unknown device kind", where);
			return -1;
		}
		if (check_entry(k, it, where, err, errlen) < 0)
			return -1;
	}
	cJSON_ArrayForEach(it, devs) {
		const struct device_cfg *dev = config_find_device(cfg, it->string);

		snprintf(where, sizeof where, "devices.%.40s", it->string);
		if (!dev) {
			errf(err, errlen, "%s: no such device", where);
			return -1;
		}
		if (check_entry(dev->kind, it, where, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Merge src's {"x": {"key": n}} members into dst, key by key; a null
 * removes a key ({"x": {"key": null}}) or a whole entry ({"x": null}), and
 * an entry left empty goes too. */
static void merge_level(cJSON *dst_doc, const char *level, const cJSON *src)
{
	cJSON *dst, *it, *d;

	if (!src)
		return;
	dst = cJSON_GetObjectItemCaseSensitive(dst_doc, level);
	if (!dst)
		dst = cJSON_AddObjectToObject(dst_doc, level);
	cJSON_ArrayForEach(it, src) {
		cJSON *kv;

		if (cJSON_IsNull(it)) {
			cJSON_DeleteItemFromObjectCaseSensitive(dst, it->string);
			continue;
		}
		d = cJSON_GetObjectItemCaseSensitive(dst, it->string);
		if (!d)
			d = cJSON_AddObjectToObject(dst, it->string);
		cJSON_ArrayForEach(kv, it) {
			if (cJSON_IsNull(kv)) {
				cJSON_DeleteItemFromObjectCaseSensitive(d, kv->string);
				continue;
			}
			if (cJSON_GetObjectItemCaseSensitive(d, kv->string))
				cJSON_ReplaceItemInObjectCaseSensitive(d, kv->string,
					cJSON_CreateNumber(kv->valuedouble));
			else
				cJSON_AddNumberToObject(d, kv->string, kv->valuedouble);
		}
		if (!d->child)
			cJSON_DeleteItemFromObjectCaseSensitive(dst, it->string);
	}
	if (!dst->child)
		cJSON_DeleteItemFromObjectCaseSensitive(dst_doc, level);
}

int rule_overrides_set(struct config *cfg, struct store *st, const cJSON *req,
		       cJSON **now_out, char *err, size_t errlen)
{
	struct rules_copy rc = { .dev = NULL };
	cJSON *doc = NULL;
	char *text = NULL;
	int r;

	if (now_out)
		*now_out = NULL;
	if (save_file_rules(cfg) < 0) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	/* the request alone: names, keys and ranges */
	r = check_request(cfg, req, err, errlen);
	if (r < 0)
		goto out;
	/* a damaged stored document is replaced rather than kept failing */
	doc = load_doc(st, err, errlen, &r);
	r = 0;
	if (!doc)
		doc = cJSON_CreateObject();
	merge_level(doc, "kinds", cJSON_GetObjectItemCaseSensitive(req, "kinds"));
	merge_level(doc, "devices", cJSON_GetObjectItemCaseSensitive(req, "devices"));
	/* what would be in force: the file's rules + the whole document,
	 * pairs included; a removal can break a pair as well as a value */
	if (copy_from_file(&rc, cfg) < 0) {
		errf(err, errlen, "out of memory");
		r = -1;
		goto out;
	}
	r = apply_doc(&rc, cfg, doc, false, err, errlen);
	if (r < 0)
		goto out;
	text = cJSON_PrintUnformatted(doc);
	if (!text || strlen(text) > OVERRIDES_MAX_BYTES) {
		errf(err, errlen, "rule overrides would exceed %d bytes", OVERRIDES_MAX_BYTES);
		r = -1;
		goto out;
	}
	if (store_meta_set_text(st, META_KEY, text) < 0) {
		errf(err, errlen, "cannot store the rule overrides");
		r = -1;
		goto out;
	}
	copy_to(&rc, cfg);
	if (now_out)
		*now_out = cJSON_Duplicate(doc, 1);
out:
	free(text);
	free(rc.dev);
	cJSON_Delete(doc);
	return r;
}

cJSON *rule_overrides_doc(struct store *st)
{
	char err[160];
	int r;
	cJSON *doc = st ? load_doc(st, err, sizeof err, &r) : NULL;

	return doc ? doc : cJSON_CreateObject();
}

/* Where key's value for a device (or a kind, dev NULL) came from:
 * precedence as in rule_overrides_apply, highest first. */
static const char *source_of(const cJSON *doc, const char *kind, const char *dev,
			     const struct rule_params *file, const char *key)
{
	const cJSON *lvl;

	if (dev) {
		lvl = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(doc, "devices"), dev);
		if (cJSON_GetObjectItemCaseSensitive(lvl, key))
			return "platform";
	}
	lvl = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(doc, "kinds"), kind);
	if (cJSON_GetObjectItemCaseSensitive(lvl, key))
		return "platform";
	return config_rule_from_file(file, key) ? "file" : "default";
}

/* {"key": {"value": n, "source": "..."}} for one kind or device */
static cJSON *rules_entry(const cJSON *doc, enum device_kind kind, const char *dev,
			  const struct rule_params *now, const struct rule_params *file)
{
	const char *keys[32];
	cJSON *o = cJSON_CreateObject(), *e;
	double v;
	int i, n = config_rule_keys(kind, keys, 32);

	for (i = 0; o && i < n; i++) {
		if (config_rule_get(now, kind, keys[i], &v, NULL, 0) < 0)
			continue;
		e = cJSON_AddObjectToObject(o, keys[i]);
		cJSON_AddNumberToObject(e, "value", v);
		cJSON_AddStringToObject(e, "source", source_of(doc, device_kind_name[kind],
							       dev, file, keys[i]));
	}
	return o;
}

cJSON *rule_overrides_list(const struct config *cfg, struct store *st)
{
	cJSON *out = cJSON_CreateObject(), *doc = rule_overrides_doc(st), *o;
	int k, i;

	if (!out || !doc) {
		cJSON_Delete(out);
		cJSON_Delete(doc);
		return NULL;
	}
	cJSON_AddBoolToObject(out, "allow_widen", cfg->overrides_allow_widen);
	o = cJSON_AddObjectToObject(out, "kinds");
	for (k = 0; k < DEV_KIND_COUNT; k++)
		cJSON_AddItemToObject(o, device_kind_name[k],
			rules_entry(doc, k, NULL, &cfg->kind_rules[k],
				    cfg->file_rules_saved ? &cfg->file_kind_rules[k] :
				    &cfg->kind_rules[k]));
	o = cJSON_AddObjectToObject(out, "devices");
	for (i = 0; i < cfg->n_devices; i++) {
		const struct device_cfg *dv = &cfg->devices[i];

		cJSON_AddItemToObject(o, dv->id,
			rules_entry(doc, dv->kind, dv->id, &dv->rules, file_rules_of(cfg, i)));
	}
	cJSON_AddItemToObject(out, "overrides", doc);
	return out;
}

void rule_overrides_log(struct store *st, const char *when)
{
	cJSON *doc = rule_overrides_doc(st);
	char *txt;

	if (!doc || !doc->child) {
		cJSON_Delete(doc);
		return;
	}
	txt = cJSON_PrintUnformatted(doc);
	/* thresholds that decide alarms are not the file's: say so on every
	 * start and reload, not only when they were set */
	log_warnx("%s: platform rule overrides in force: %.300s", when, txt ? txt : "?");
	free(txt);
	cJSON_Delete(doc);
}
