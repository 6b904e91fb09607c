/*
 * fuzz_decode.c: libFuzzer target for one device format's decoder, chosen
 * at build time with -DFUZZ_FORMAT="zigbee2mqtt" (mk/fuzz.mk builds one per
 * drivers/formats/fmt_<name>.c) and looked up in the format table.
 *
 * Input: "<topic>\n<payload>"; without a newline the whole input is the
 * payload on the format's example topic (a device's state topic).  Fuzzing
 * the topic too reaches the suffix routing (availability, LWT, events/rpc,
 * Gen1 per-value topics).
 * Besides the sanitizers, the adapter's contract is checked: a rejection
 * leaves nothing present and says why, a success holds only plausible
 * values (over-range ones saturated and marked), flags are 0 or 1, and a
 * field left out is said why.  The topic also goes through what the format
 * derives from topics: its routes and its command for a device configured
 * on it, and the table's unknown-sender inference (whatever any sender
 * publishes reaches it).  The accepted reading's stored text
 * (reading_text) must be cJSON's print of reading_to_json and splice into
 * telemetry.  A broken contract aborts, which libFuzzer reports as a
 * crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=\"<format>\""
#endif

/* Routes, a command and inference from an arbitrary topic. */
static void fuzz_topic(const struct device_format *dec, const char *topic)
{
	struct route rt[ROUTES_MAX];
	struct device_cfg dev;
	struct device_cmd cmd;
	char err[160], fmt[16], name[TOPIC_MAX], dev_topic[TOPIC_MAX];
	int i, n;

	n = format_routes(dec, topic, rt, ROUTES_MAX);
	if (n < 0 || n > ROUTES_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (strlen(rt[i].topic) >= TOPIC_MAX)
			abort();
	dev = (struct device_cfg)DEVICE_CFG_BLANK;
	dev.id = "dev";
	dev.format = dec->name;
	dev.topic = topic;              /* shorter than TOPIC_MAX: the caller's */
	dev.kind = DEV_EBIKE_CHARGER;
	dev.relay = true;
	dev.gen = (int)(strlen(topic) % 3);     /* 0: unknown, then 1 and 2 */
	err[0] = '\0';
	if (device_cmd_build(&dev, topic[0] & 1, "gw", 7, &cmd, err, sizeof err) == 0) {
		if (!cmd.topic[0])
			abort();
	} else if (!err[0] || cmd.topic[0] || cmd.payload[0]) {
		abort();
	}
	if (unknown_infer(topic, fmt, sizeof fmt, name, sizeof name, dev_topic,
			  sizeof dev_topic) &&
	    (!format_find(fmt) || !name[0] || !dev_topic[0]))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct device_format *dec;
	const uint8_t *nl = memchr(data, '\n', size < TOPIC_MAX ? size : TOPIC_MAX);
	char topic[TOPIC_MAX], err[128], why[64];
	const char *payload = (const char *)data;
	size_t len = size;
	struct reading r;
	char *copy;
	int rc, f;

	/* a fmt_<name>.c whose format is not in the table, or not <name> */
	if (!dec && (!(dec = format_find(FUZZ_FORMAT)) || !dec->example_topic))
		abort();
	if (nl) {
		/* a topic never holds a NUL (MQTT forbids it; Paho passes none) */
		snprintf(topic, sizeof topic, "%.*s", (int)(nl - data), (const char *)data);
		payload = (const char *)nl + 1;
		len = size - (size_t)(nl - data) - 1;
	} else {
		snprintf(topic, sizeof topic, "%s", dec->example_topic);
	}
	fuzz_topic(dec, topic);
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
	/* what is stored and forwarded: the text written without a tree is
	 * cJSON's text of the same object, and splices into telemetry */
	{
		char text[READING_TEXT_MAX], *want;
		cJSON *o = reading_to_json(&r);
		int n = reading_text(&r, text, sizeof text);

		want = o ? cJSON_PrintUnformatted(o) : NULL;
		if (n < 0 || (want && strcmp(want, text) != 0) ||
		    !reading_text_spliceable(text, (size_t)n))
			abort();
		cJSON_free(want);
		cJSON_Delete(o);
	}
	return 0;
}
