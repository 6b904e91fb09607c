/*
 * formats.c: the table of device formats, keyed by the device's "format".
 *
 * Adding a format is one file, fmt_<name>.c, defining its
 * `const struct device_format fmt_<name>`, and its name in the table
 * below (docs/architecture.md: "Where to add things").  Nothing else
 * names a format: the topic index and the intake, device commands,
 * discovery, the unknown-sender table, the config and the fuzzers
 * (mk/fuzz.mk builds one per fmt_*.c) all ask this table.
 *
 * The order is the order of discovery's subscriptions and of inference:
 * a topic goes to the first format that claims it.
 */
#include <string.h>

#include "formats.h"

extern const struct device_format fmt_native, fmt_zigbee2mqtt, fmt_tasmota, fmt_shelly;

static const struct device_format *const formats[] = {
	&fmt_native, &fmt_zigbee2mqtt, &fmt_tasmota, &fmt_shelly,
};

#define N_FORMATS ((int)(sizeof(formats) / sizeof(formats[0])))
_Static_assert(sizeof(formats) / sizeof(formats[0]) <= FORMATS_MAX,
	       "more formats than FORMATS_MAX");

const struct device_format *format_find(const char *name)
{
	int i;

	if (!name)
		return NULL;
	for (i = 0; i < N_FORMATS; i++)
		if (strcmp(formats[i]->name, name) == 0)
			return formats[i];
	return NULL;
}

int format_count(void)
{
	return N_FORMATS;
}

const struct device_format *format_at(int i)
{
	return i >= 0 && i < N_FORMATS ? formats[i] : NULL;
}

int format_names(const char **out, int max)
{
	int i;

	for (i = 0; i < N_FORMATS && i < max; i++)
		out[i] = formats[i]->name;
	return i;
}

int format_filters(const char **out, int max)
{
	const char *const *f;
	int i, n = 0;

	for (i = 0; i < N_FORMATS; i++)
		for (f = formats[i]->discovery; f && *f && n < max; f++)
			out[n++] = *f;
	return n;
}

int format_routes(const struct device_format *fmt, const char *dev_topic,
		  struct route *out, int max)
{
	if (max < 1 || !dev_topic)
		return 0;
	if (fmt && fmt->routes)
		return fmt->routes(dev_topic, out, max);
	strlcpy_hz(out[0].topic, dev_topic, sizeof out[0].topic);
	out[0].subtree = false;
	return 1;
}
