/*
 * infer_kind.c: what kind of device a sender is, from the fields its
 * payloads carry, and the config entry that registers it (formats.h).
 *
 * An installer has paired a detector or flashed a plug and it publishes;
 * hazardd (the unknown-sender table, `hazardctl devices --unknown
 * --config`) and `hazardctl init` turn what was heard into a devices[]
 * entry instead of leaving them to read raw JSON.  The fields are the
 * format's own decoder's (a reading's `present` bits, gathered over every
 * message heard: a Shelly Gen1 device says one value per topic), so a
 * payload is read here exactly as the daemon will read it once configured.
 *
 * The kinds are the config's (core/model.h): a gas flag or concentration
 * is a gas detector, a smoke flag a smoke alarm, a carbon monoxide flag or
 * ppm alone a gas detector of "gas": "co", power, current or voltage a
 * charger monitor or smart plug (ebike_charger; without a relay state
 * heard, "relay": false).  Anything else (temperature alone, a contact, a
 * water leak, a switch that does not meter) is no kind hazardd watches: no
 * entry is suggested, and why says what was heard.  Pure; any thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"

#define HAS(m, f) (((m) >> (f)) & 1u)

static const uint32_t metering = (1u << RF_POWER_W) | (1u << RF_CURRENT_A) |
				 (1u << RF_VOLTAGE_V);
static const uint32_t gas_fields = (1u << RF_GAS) | (1u << RF_GAS_LEL) |
				   (1u << RF_GAS_PPM);
static const uint32_t co_fields = (1u << RF_CO) | (1u << RF_CO_PPM);

void infer_kind(uint32_t present, struct kind_guess *g)
{
	memset(g, 0, sizeof *g);
	g->kind = -1;
	g->gas = GAS_NATURAL;
	g->relay = HAS(present, RF_RELAY);
	if (present & gas_fields) {
		g->kind = DEV_GAS_DETECTOR;
		snprintf(g->why, sizeof g->why, "a gas alarm flag or concentration%s",
			 present & co_fields ? " (and carbon monoxide)" : "");
	} else if (HAS(present, RF_SMOKE)) {
		g->kind = DEV_SMOKE_ALARM;
		snprintf(g->why, sizeof g->why, "a smoke alarm flag%s",
			 present & co_fields ? " (and carbon monoxide, not watched "
			 "on a smoke alarm)" : "");
	} else if (present & co_fields) {
		g->kind = DEV_GAS_DETECTOR;
		g->gas = GAS_CO;
		snprintf(g->why, sizeof g->why, "a carbon monoxide flag or ppm");
	} else if (present & metering) {
		g->kind = DEV_EBIKE_CHARGER;
		snprintf(g->why, sizeof g->why, "power metering%s", g->relay
			 ? " and a relay: a charger monitor or smart plug"
			 : ", no relay state heard: \"relay\": false until it is");
	} else if (g->relay) {
		snprintf(g->why, sizeof g->why, "a switch that does not meter power: "
			 "no kind hazardd watches");
	} else if (HAS(present, RF_TEMP_C)) {
		snprintf(g->why, sizeof g->why, "temperature only: no kind hazardd watches");
	} else if (HAS(present, RF_ALARM)) {
		snprintf(g->why, sizeof g->why, "a generic alarm flag: gas or smoke "
			 "cannot be told; choose the kind by hand");
	} else if (present & ~(1u << RF_ONLINE)) {
		snprintf(g->why, sizeof g->why, "no field hazardd watches "
			 "(gas, smoke, carbon monoxide, power)");
	} else {
		snprintf(g->why, sizeof g->why, "no state heard yet");
	}
}

uint32_t infer_fields(const char *format, const char *topic, const void *payload,
		      size_t len)
{
	const struct device_format *fmt = format_find(format);
	struct reading r;
	char err[160];

	if (!fmt || !fmt->decode || !topic || !payload)
		return 0;
	if (fmt->decode(topic, payload, len, 0, &r, err, sizeof err) != 0)
		return 0;
	return r.present;
}

void infer_device_id(const char *name, char *out, size_t size)
{
	size_t n = 0;
	bool dash = false;

	if (size == 0)
		return;
	for (; name && *name && n + 1 < size && n < 63; name++) {
		unsigned char c = (unsigned char)*name;

		if (isalnum(c) || c == '.' || c == '_' || c == '-') {
			if (dash && n > 0 && n + 2 < size && n < 62)
				out[n++] = '-';
			dash = false;
			out[n++] = (char)tolower(c);
		} else {
			dash = true;    /* a run of others is one '-' */
		}
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "device");
}

void infer_device_id_nth(const char *name, int k, char *out, size_t size)
{
	char suf[16];
	size_t bl, sl;

	infer_device_id(name, out, size);
	if (k <= 1 || size == 0)
		return;
	sl = (size_t)snprintf(suf, sizeof suf, "-%d", k);
	bl = strlen(out);
	if (bl + sl > 63)               /* an id is at most 63 characters */
		bl = 63 > sl ? 63 - sl : 0;
	if (bl + sl + 1 > size) {
		if (sl + 1 > size)
			return;
		bl = size - 1 - sl;
	}
	memcpy(out + bl, suf, sl + 1);
}

cJSON *infer_fields_json(uint32_t present)
{
	cJSON *arr = cJSON_CreateArray();
	int f;

	for (f = 0; arr && f < RF_COUNT; f++)
		if (HAS(present, f))
			cJSON_AddItemToArray(arr, cJSON_CreateString(reading_field_name[f]));
	return arr;
}

uint32_t infer_fields_parse(const cJSON *arr)
{
	const cJSON *it;
	uint32_t m = 0;
	int f;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			continue;
		for (f = 0; f < RF_COUNT; f++)
			if (strcmp(it->valuestring, reading_field_name[f]) == 0)
				m |= 1u << f;
	}
	return m;
}

cJSON *infer_entry(const char *format, const char *dev_topic, uint32_t present,
		   const char *id, const char *site)
{
	struct kind_guess g;
	cJSON *e;

	infer_kind(present, &g);
	if (g.kind < 0 || !(e = cJSON_CreateObject()))
		return NULL;
	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "kind", device_kind_name[g.kind]);
	cJSON_AddStringToObject(e, "site", site);
	cJSON_AddStringToObject(e, "format", format);
	cJSON_AddStringToObject(e, "topic", dev_topic);
	if (g.kind == DEV_GAS_DETECTOR && g.gas != GAS_NATURAL)
		cJSON_AddStringToObject(e, "gas", gas_kind_name[g.gas]);
	if (g.kind == DEV_EBIKE_CHARGER && !g.relay)
		cJSON_AddFalseToObject(e, "relay");
	return e;
}

cJSON *infer_suggestion(const char *format, const char *dev_topic, uint32_t present,
			const char *id, const char *site)
{
	cJSON *s = cJSON_CreateObject(), *entry;
	struct kind_guess g;

	if (!s)
		return NULL;
	infer_kind(present, &g);
	if (g.kind >= 0)
		cJSON_AddStringToObject(s, "kind", device_kind_name[g.kind]);
	else
		cJSON_AddNullToObject(s, "kind");
	cJSON_AddStringToObject(s, "why", g.why);
	entry = infer_entry(format, dev_topic, present, id, site);
	if (entry)
		cJSON_AddItemToObject(s, "config", entry);
	return s;
}
