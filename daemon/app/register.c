/*
 * register.c: the site register (一企一档) upstream: one retained message
 * on <prefix>/register with every site (name, address, kind, grid, its
 * people) and every device (kind, gas, model, installation, sensor life,
 * calibration due), so the district knows what each gateway watches and
 * whom to call without a copy of the gateway's file (docs/protocol.md,
 * "Site register").
 *
 * It goes through the outbox like a hazard event (class status, retained
 * by the uplink), so an outage delays it and never loses it: queued at
 * start-up, it is published at the first connect.  A reload queues it
 * again only when its content changed: the digest of the last one queued
 * is kept in the database (meta register_digest).
 *
 * People's phone numbers are not in it.  A retained message is kept by
 * the broker and handed to every subscriber of the gateway's topics, for
 * as long as it stands; a phone number is personal data (PIPL) that the
 * district reaches through its own contact records, and the gateway's
 * operator reads it with hazardctl.  The register carries each person's
 * id, name and role: enough to know who is responsible for a site and to
 * match an assignment (assignee: a person id) to a person.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "register.h"

#define META_REGISTER_DIGEST "register_digest"

static cJSON *person_json(const struct person_cfg *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", p->id);
	cJSON_AddStringToObject(o, "name", p->name);
	cJSON_AddStringToObject(o, "role", person_role_name[p->role]);
	return o;
}

static cJSON *site_json(const struct site_cfg *s)
{
	cJSON *o = cJSON_CreateObject(), *people;
	int i;

	cJSON_AddStringToObject(o, "id", s->id);
	cJSON_AddStringToObject(o, "name", s->name);
	cJSON_AddStringToObject(o, "address", s->address);
	cJSON_AddStringToObject(o, "kind", site_kind_name[s->kind]);
	cJSON_AddStringToObject(o, "grid", s->grid);
	people = cJSON_AddArrayToObject(o, "people");
	for (i = 0; people && i < s->n_people; i++)
		cJSON_AddItemToArray(people, person_json(&s->people[i]));
	return o;
}

/* What the file says about a device; keys it does not set are absent. */
static cJSON *device_json(const struct device_cfg *dv)
{
	const struct device_register *reg = device_register_of(dv);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", dv->id);
	cJSON_AddStringToObject(o, "site", dv->site);
	cJSON_AddStringToObject(o, "kind", device_kind_name[dv->kind]);
	if (dv->kind == DEV_GAS_DETECTOR)
		cJSON_AddStringToObject(o, "gas", gas_kind_name[dv->gas]);
	if (reg->model[0])
		cJSON_AddStringToObject(o, "model", reg->model);
	if (reg->installed[0])
		cJSON_AddStringToObject(o, "installed", reg->installed);
	if (reg->sensor_life_y > 0)
		cJSON_AddNumberToObject(o, "sensor_life_y", reg->sensor_life_y);
	if (reg->calibration_due[0])
		cJSON_AddStringToObject(o, "calibration_due", reg->calibration_due);
	return o;
}

/* The body: the header fields (gateway, msg_id, sent_at) are the
 * uplink's; "v" first, where the uplink looks for it. */
cJSON *register_json(const struct config *cfg)
{
	cJSON *o = cJSON_CreateObject(), *sites, *devices;
	int i;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "v", 1);
	cJSON_AddStringToObject(o, "district", cfg->gateway.district);
	sites = cJSON_AddArrayToObject(o, "sites");
	for (i = 0; sites && i < cfg->n_sites; i++)
		cJSON_AddItemToArray(sites, site_json(&cfg->sites[i]));
	devices = cJSON_AddArrayToObject(o, "devices");
	for (i = 0; devices && i < cfg->n_devices; i++)
		cJSON_AddItemToArray(devices, device_json(&cfg->devices[i]));
	if (!sites || !devices) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* FNV-1a, 64 bits: tells one register from the next, nothing more (the
 * content is no secret and nobody gains by forging a collision). */
static void digest_of(const char *text, char *out, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *text; text++) {
		h ^= (unsigned char)*text;
		h *= 0x100000001b3ULL;
	}
	snprintf(out, size, "%016llx", (unsigned long long)h);
}

int register_queue(struct daemon *d, bool always)
{
	cJSON *o;
	char *text = NULL, *last = NULL, digest[24];
	int rc = -1;

	if (!d->store || !d->cfg)
		return 0;
	o = register_json(d->cfg);
	if (!o || !(text = cJSON_PrintUnformatted(o)))
		goto out;
	digest_of(text, digest, sizeof digest);
	if (!always && store_meta_get_text(d->store, META_REGISTER_DIGEST, &last) == 0 &&
	    last && strcmp(last, digest) == 0) {
		log_debug("site register unchanged (%s): not sent again", digest);
		rc = 0;
		goto out;
	}
	/* the digest rides along: the platform can tell a repeat at a glance */
	cJSON_AddStringToObject(o, "digest", digest);
	free(text);
	if (!(text = cJSON_PrintUnformatted(o)))
		goto out;
	if (store_outbox_put(d->store, "register", OB_STATUS, text, NULL) < 0)
		goto out;
	if (store_meta_set_text(d->store, META_REGISTER_DIGEST, digest) < 0)
		log_warnx("site register: cannot keep its digest; the next reload "
			  "sends it again");
	log_info("site register queued upstream: %d sites, %d devices (digest %s)",
		 d->cfg->n_sites, d->cfg->n_devices, digest);
	rc = 0;
out:
	if (rc < 0) {
		d->cnt.store_errors++;
		log_warnx("site register: cannot queue it upstream (store error or "
			  "out of memory)");
	}
	cJSON_Delete(o);
	free(text);
	free(last);
	return rc;
}
