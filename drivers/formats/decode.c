/*
 * decode.c: the payload adapters, one table keyed by the device's "format".
 * Adding a format is one decode_<format>.c file, its prototypes in
 * formats.h and one line below (docs/architecture.md lists the rest).  A format whose devices publish on more
 * than their configured topic (availability, events) also names a routes
 * function; devindex.c and the intake subscribe to and route by it.
 */
#include <string.h>

#include "formats.h"

static const struct decoder decoders[] = {
	{ "native", decode_native, NULL },
	{ "zigbee2mqtt", decode_zigbee2mqtt, routes_zigbee2mqtt },
	{ "tasmota", decode_tasmota, routes_tasmota },
	{ "shelly", decode_shelly, routes_shelly },
};

#define N_DECODERS ((int)(sizeof(decoders) / sizeof(decoders[0])))

const struct decoder *decoder_find(const char *format)
{
	int i;

	if (!format)
		return NULL;
	for (i = 0; i < N_DECODERS; i++)
		if (strcmp(decoders[i].format, format) == 0)
			return &decoders[i];
	return NULL;
}

int decoder_count(void)
{
	return N_DECODERS;
}

const struct decoder *decoder_at(int i)
{
	return i >= 0 && i < N_DECODERS ? &decoders[i] : NULL;
}

int decoder_routes(const struct decoder *dec, const char *dev_topic,
		   struct route *out, int max)
{
	if (max < 1 || !dev_topic)
		return 0;
	if (dec && dec->routes)
		return dec->routes(dev_topic, out, max);
	strlcpy_hz(out[0].topic, dev_topic, sizeof out[0].topic);
	out[0].subtree = false;
	return 1;
}
