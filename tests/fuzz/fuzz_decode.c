/*
 * fuzz_decode.c: libFuzzer target for one payload adapter, chosen at build
 * time with -DFUZZ_FORMAT="zigbee2mqtt" (see mk/fuzz.mk).
 *
 * Input: "<topic>\n<payload>"; without a newline the whole input is the
 * payload on the format's state topic.  Fuzzing the topic too reaches the
 * suffix routing (availability, LWT, events/rpc, Gen1 per-value topics).
 * Besides the sanitizers, the adapter's contract is checked: a rejection
 * leaves nothing present and says why, a success holds only plausible
 * values (over-range ones saturated and marked), flags are 0 or 1, and a
 * field left out is said why.  A broken contract aborts, which libFuzzer
 * reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=\"<format>\""
#endif

static const char *fuzz_default_topic(void)
{
	if (strcmp(FUZZ_FORMAT, "zigbee2mqtt") == 0)
		return "zigbee2mqtt/dev";
	if (strcmp(FUZZ_FORMAT, "tasmota") == 0)
		return "tele/dev/SENSOR";
	if (strcmp(FUZZ_FORMAT, "shelly") == 0)
		return "dev/status/switch:0";
	return "t/dev";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct decoder *dec;
	const uint8_t *nl = memchr(data, '\n', size < TOPIC_MAX ? size : TOPIC_MAX);
	char topic[TOPIC_MAX], err[128], why[64];
	const char *payload = (const char *)data;
	size_t len = size;
	struct reading r;
	char *copy;
	int rc, f;

	if (!dec && !(dec = decoder_find(FUZZ_FORMAT)))
		abort();
	if (nl) {
		/* a topic never holds a NUL (MQTT forbids it; Paho passes none) */
		snprintf(topic, sizeof topic, "%.*s", (int)(nl - data), (const char *)data);
		payload = (const char *)nl + 1;
		len = size - (size_t)(nl - data) - 1;
	} else {
		snprintf(topic, sizeof topic, "%s", fuzz_default_topic());
	}
	/* an exact-size copy, so ASan sees any read past the payload */
	copy = malloc(len ? len : 1);
	if (!copy)
		return 0;
	memcpy(copy, payload, len);
	memset(&r, 0xa5, sizeof r);
	err[0] = '\0';
	rc = dec->decode(topic, copy, len, 1700000000000LL, &r, err, sizeof err);
	free(copy);
	if (rc < 0) {
		if (rc != -1 || r.present != 0 || err[0] == '\0')
			abort();
		return 0;
	}
	if (rc == DECODE_IGNORED) {
		if (r.present != 0)
			abort();
		return 0;
	}
	if (rc != 0 || (r.present >> RF_COUNT) != 0 || (r.bad >> RF_COUNT) != 0 ||
	    (r.over & ~r.present) != 0 || (r.bad != 0 && err[0] == '\0'))
		abort();
	for (f = 0; f < RF_COUNT; f++) {
		double v = r.val[f];

		if (!reading_has(&r, f))
			continue;
		if (reading_field_is_bool[f] ? (v != 0 && v != 1)
					     : reading_check(f, &v, why, sizeof why) != RCHECK_OK)
			abort();
	}
	return 0;
}
