/*
 * reading_json.c: a reading as JSON, the form evidence and telemetry
 * carry and the native format decodes (fmt_native.c reads it back).
 * reading_text.c writes the same object as text without the tree, for
 * the readings table and telemetry; the two must stay alike.
 */
#include <math.h>

#include "formats.h"

/* NaN and infinity have no JSON form (cJSON would print null): such a
 * field is left out, as reading_text() leaves it out. */
static bool writable(const struct reading *r, int f)
{
	return reading_has(r, f) && (reading_field_is_bool[f] || isfinite(r->val[f]));
}

cJSON *reading_to_json(const struct reading *r)
{
	cJSON *o = cJSON_CreateObject(), *over = NULL;
	int f;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "ts", (double)r->ts_ms);
	for (f = 0; f < RF_COUNT; f++) {
		if (!writable(r, f))
			continue;
		if (reading_field_is_bool[f])
			cJSON_AddBoolToObject(o, reading_field_name[f], r->val[f] != 0.0);
		else
			cJSON_AddNumberToObject(o, reading_field_name[f], r->val[f]);
	}
	/* a saturated value is a lower bound, not a measurement: say so
	 * wherever the reading goes (evidence, telemetry) */
	for (f = 0; f < RF_COUNT; f++) {
		if (!writable(r, f) || !((r->over >> f) & 1u))
			continue;
		if (!over && !(over = cJSON_AddArrayToObject(o, "over_range")))
			break;
		cJSON_AddItemToArray(over, cJSON_CreateString(reading_field_name[f]));
	}
	return o;
}
