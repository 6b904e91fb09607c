/*
 * fuzz_mqtt_packet.c: libFuzzer target for the local broker subscriber's
 * packet decoder (drivers/io/mqtt_packet.c).
 *
 * The input is what a broker could send.  Its first byte picks the maximum
 * packet size; the rest is decoded three ways: all at once, one byte at a
 * time and in chunks of 7.  The three must see the same packets and the
 * same refusals (an incremental decoder may not depend on how the bytes
 * were split).  Every packet accepted must hold what the specification
 * allows (a topic of valid length without NUL, a packet id for QoS 1, the
 * payload inside the packet); every refusal must give a reason.  After a
 * refusal the decoder is reset and decodes the rest, as a reconnect would.
 * The input is also tried as a topic filter: one the check accepts must
 * encode into a SUBSCRIBE and an UNSUBSCRIBE.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_packet.h"

static void mix(uint64_t *h, uint64_t v)
{
	*h = (*h ^ v) * 1099511628211ull;
}

static void check_packet(const struct mqtt_packet *p, size_t max_packet)
{
	switch (p->type) {
	case MQTT_CONNACK:
		if (p->return_code < 0 || p->return_code > 5)
			abort();
		break;
	case MQTT_SUBACK:
		if (p->packet_id == 0 || p->n_codes == 0)
			abort();
		break;
	case MQTT_UNSUBACK:
		if (p->packet_id == 0)
			abort();
		break;
	case MQTT_PINGRESP:
		break;
	case MQTT_PUBLISH:
		if (p->qos > 1 || (p->qos == 1) != (p->packet_id != 0))
			abort();
		if (p->topic_len == 0 || strlen(p->topic) != p->topic_len)
			abort();
		if (mqtt_topic_check(p->topic, p->topic_len))
			abort();
		if (p->payload_len + p->topic_len > max_packet)
			abort();
		break;
	default:
		abort();        /* nothing else may come out of the decoder */
	}
}

/* decode data in chunks of `chunk` bytes; a hash of what was seen */
static uint64_t decode(const uint8_t *data, size_t size, size_t chunk, size_t max_packet)
{
	struct mqtt_decoder d;
	uint64_t h = 14695981039346656037ull;
	size_t i = 0;

	mqtt_decoder_init(&d, max_packet);
	while (i < size) {
		size_t n = size - i < chunk ? size - i : chunk, used;
		struct mqtt_packet p;
		const char *why;
		int r = mqtt_decode(&d, data + i, n, &used, &p, &why);

		if (used > n)
			abort();
		i += used;
		if (r == MQTT_DEC_PACKET) {
			check_packet(&p, max_packet);
			mix(&h, (uint64_t)p.type << 32 | p.packet_id);
			mix(&h, p.payload_len);
			mix(&h, i);
		} else if (r == MQTT_DEC_ERROR) {
			struct mqtt_packet q;
			size_t u2;
			const char *w2;

			if (!why || !*why)
				abort();
			/* refused stays refused until reset */
			if (mqtt_decode(&d, data + i, size - i, &u2, &q, &w2) != MQTT_DEC_ERROR || u2)
				abort();
			mix(&h, 0xE770Bull);
			mix(&h, i);
			mqtt_decoder_reset(&d);
		} else if (used != n) {
			abort();        /* MORE takes every byte */
		}
	}
	mqtt_decoder_free(&d);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 5, 16, 64, 300, 4096, 65536 };
	size_t max_packet;
	uint64_t whole, bytes, sevens;

	if (size == 0)
		return 0;
	max_packet = maxes[data[0] % (sizeof maxes / sizeof *maxes)];
	data++, size--;
	whole = decode(data, size, size ? size : 1, max_packet);
	bytes = decode(data, size, 1, max_packet);
	sevens = decode(data, size, 7, max_packet);
	if (whole != bytes || whole != sevens)
		abort();

	if (size < 512) {
		char f[512];
		uint8_t out[1024];
		const char *filters[1] = { f }, *why;

		memcpy(f, data, size);
		f[size] = '\0';
		if (strlen(f) == size && !mqtt_filter_check(f) &&
		    (!mqtt_enc_subscribe(out, sizeof out, 1, filters, 1, &why) ||
		     !mqtt_enc_unsubscribe(out, sizeof out, 1, filters, 1, &why)))
			abort();
	}
	return 0;
}
