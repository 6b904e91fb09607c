/*
 * reading_json.c: a reading as JSON, the form evidence and telemetry
 * carry and the native format decodes (fmt_native.c reads it back).
 */
#include "formats.h"

cJSON *reading_to_json(const struct reading *r)
{
	cJSON *o = cJSON_CreateObject(), *over = NULL;
	int f;

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "ts", (double)r->ts_ms);
	for (f = 0; f < RF_COUNT; f++) {
		if (!reading_has(r, f))
			continue;
		if (reading_field_is_bool[f])
			cJSON_AddBoolToObject(o, reading_field_name[f], r->val[f] != 0.0);
		else
			cJSON_AddNumberToObject(o, reading_field_name[f], r->val[f]);
	}
	/* a saturated value is a lower bound, not a measurement: say so
	 * wherever the reading goes (evidence, telemetry) */
	for (f = 0; f < RF_COUNT; f++) {
		if (!reading_has(r, f) || !((r->over >> f) & 1u))
			continue;
		if (!over && !(over = cJSON_AddArrayToObject(o, "over_range")))
			break;
		cJSON_AddItemToArray(over, cJSON_CreateString(reading_field_name[f]));
	}
	return o;
}
