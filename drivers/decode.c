/*
 * decode.c: the payload adapters, one table keyed by the device's "format".
 * Adding a format is one decode_<format>.c file, its prototype in hazardd.h
 * and one line below.
 */
#include <string.h>

#include "hazardd.h"

static const struct decoder decoders[] = {
	{ "native", decode_native },
};

const struct decoder *decoder_find(const char *format)
{
	size_t i;

	if (!format)
		return NULL;
	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		if (strcmp(decoders[i].format, format) == 0)
			return &decoders[i];
	return NULL;
}
