/* test_mqtt_packet.c: the MQTT 3.1.1 codec of the local broker's subscriber
 * (drivers/io/mqtt_packet.c): encoders byte for byte, decoder round trips,
 * every malformed packet refused with its reason, bytes arriving one at a
 * time, the remaining-length varint's limits, the maximum packet size. */
#include <stdint.h>

#include "mqtt_packet.h"
#include "testing.h"

/* ---- what a broker would send, built here independently of the encoders */

static size_t varint(uint8_t *out, uint32_t v)
{
	size_t n = 0;

	do {
		out[n] = v & 0x7F;
		v >>= 7;
		if (v)
			out[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

/* PUBLISH: fixed header, topic, packet id (QoS > 0), payload */
static size_t publish(uint8_t *out, int qos, int dup, int retain, const char *topic,
		      size_t tlen, uint16_t id, const uint8_t *payload, size_t plen)
{
	uint32_t rem = (uint32_t)(2 + tlen + (qos ? 2 : 0) + plen);
	size_t n = 0;

	out[n++] = (uint8_t)(0x30 | (dup << 3) | (qos << 1) | retain);
	n += varint(out + n, rem);
	out[n++] = (uint8_t)(tlen >> 8);
	out[n++] = (uint8_t)tlen;
	memcpy(out + n, topic, tlen);
	n += tlen;
	if (qos) {
		out[n++] = (uint8_t)(id >> 8);
		out[n++] = (uint8_t)id;
	}
	if (plen)
		memcpy(out + n, payload, plen);
	return n + plen;
}

/* decode the whole buffer in one call; the result of the first packet */
static int decode_all(struct mqtt_decoder *d, const uint8_t *b, size_t n,
		      struct mqtt_packet *p, const char **why, size_t *used)
{
	return mqtt_decode(d, b, n, used, p, why);
}

/* one malformed packet: refused, and the reason names the problem */
static void refused(const char *name, const uint8_t *b, size_t n, const char *reason)
{
	struct mqtt_decoder d;
	struct mqtt_packet p;
	const char *why = NULL;
	size_t used;
	char label[160];
	int r;

	mqtt_decoder_init(&d, 4096);
	r = decode_all(&d, b, n, &p, &why, &used);
	snprintf(label, sizeof label, "refused: %s", name);
	CHECK_INT(label, r, MQTT_DEC_ERROR);
	snprintf(label, sizeof label, "reason: %s", name);
	CHECK_CONTAINS(label, why, reason);
	mqtt_decoder_free(&d);
}

static void encoders(void)
{
	uint8_t b[512];
	const char *why;
	size_t n;
	struct mqtt_connect_opts o = { .client_id = "gw", .clean_session = 0,
		.keepalive_s = 30, .username = "u", .password = "pw", .password_len = 2 };
	static const uint8_t connect_want[] = {
		0x10, 21, 0, 4, 'M', 'Q', 'T', 'T', 4, 0xC0, 0, 30,
		0, 2, 'g', 'w', 0, 1, 'u', 0, 2, 'p', 'w',
	};
	const char *filters[] = { "t/#", "+/status" };
	static const uint8_t sub_want[] = {
		0x82, 19, 0x12, 0x34, 0, 3, 't', '/', '#', 1,
		0, 8, '+', '/', 's', 't', 'a', 't', 'u', 's', 1,
	};

	n = mqtt_enc_connect(b, sizeof b, &o, &why);
	CHECK("CONNECT: bytes as section 3.1 lays them out (user, password, clean off)",
	      n == sizeof connect_want && memcmp(b, connect_want, n) == 0);
	o.clean_session = 1;
	o.username = NULL;
	o.password = NULL;
	n = mqtt_enc_connect(b, sizeof b, &o, &why);
	CHECK("CONNECT: clean session flag, no credentials", n == 16 && b[9] == 0x02);
	o.clean_session = 0;
	o.client_id = "";
	CHECK_INT("CONNECT: a persistent session without a client id is refused",
		  mqtt_enc_connect(b, sizeof b, &o, &why), 0);
	CHECK_CONTAINS("CONNECT: says why", why, "client id");
	o.client_id = "gw";
	o.password = "x";
	o.password_len = 1;
	CHECK_INT("CONNECT: a password without a username is refused",
		  mqtt_enc_connect(b, sizeof b, &o, &why), 0);
	o.username = "\xC0\xAF";
	CHECK_INT("CONNECT: a username that is not UTF-8 is refused",
		  mqtt_enc_connect(b, sizeof b, &o, &why), 0);
	o.username = "u";
	CHECK_INT("CONNECT: no room is 0, not an overflow", mqtt_enc_connect(b, 10, &o, &why), 0);

	n = mqtt_enc_subscribe(b, sizeof b, 0x1234, filters, 2, &why);
	CHECK("SUBSCRIBE: flags 0010, QoS 1 per filter",
	      n == sizeof sub_want && memcmp(b, sub_want, n) == 0);
	CHECK_INT("SUBSCRIBE: packet id 0 refused", mqtt_enc_subscribe(b, sizeof b, 0, filters, 2, &why), 0);
	CHECK_INT("SUBSCRIBE: no filter refused", mqtt_enc_subscribe(b, sizeof b, 1, filters, 0, &why), 0);
	{
		static const char *const bad[] = { "", "a/#/b", "a#", "a/b+", "+a", "t/\xFF", "##" };
		size_t i;

		for (i = 0; i < sizeof bad / sizeof *bad; i++) {
			char label[80];

			snprintf(label, sizeof label, "SUBSCRIBE: bad filter #%zu refused", i);
			CHECK_INT(label, mqtt_enc_subscribe(b, sizeof b, 1, &bad[i], 1, &why), 0);
		}
		CHECK("filters: '#', '+', 'a/+/b', '+/+/#' are valid",
		      !mqtt_filter_check("#") && !mqtt_filter_check("+") &&
		      !mqtt_filter_check("a/+/b") && !mqtt_filter_check("+/+/#") &&
		      !mqtt_filter_check("/"));
	}
	{
		static const uint8_t unsub_want[] = {
			0xA2, 17, 0x00, 0x07, 0, 3, 't', '/', '#',
			0, 8, '+', '/', 's', 't', 'a', 't', 'u', 's',
		};
		static const char *const bad[] = { "a/#/b", "" };

		n = mqtt_enc_unsubscribe(b, sizeof b, 7, filters, 2, &why);
		CHECK("UNSUBSCRIBE: flags 0010, packet id, the filters (section 3.10)",
		      n == sizeof unsub_want && memcmp(b, unsub_want, n) == 0);
		CHECK_INT("UNSUBSCRIBE: packet id 0 refused",
			  mqtt_enc_unsubscribe(b, sizeof b, 0, filters, 2, &why), 0);
		CHECK_INT("UNSUBSCRIBE: no filter refused",
			  mqtt_enc_unsubscribe(b, sizeof b, 1, filters, 0, &why), 0);
		CHECK_INT("UNSUBSCRIBE: a bad filter refused",
			  mqtt_enc_unsubscribe(b, sizeof b, 1, &bad[0], 1, &why), 0);
		CHECK_CONTAINS("UNSUBSCRIBE: says why", why, "'#'");
		CHECK_INT("UNSUBSCRIBE: an empty filter refused",
			  mqtt_enc_unsubscribe(b, sizeof b, 1, &bad[1], 1, &why), 0);
		CHECK_INT("UNSUBSCRIBE: no room is 0, not an overflow",
			  mqtt_enc_unsubscribe(b, 12, 1, filters, 2, &why), 0);
	}
	n = mqtt_enc_puback(b, sizeof b, 0xBEEF);
	CHECK("PUBACK bytes", n == 4 && b[0] == 0x40 && b[1] == 2 && b[2] == 0xBE && b[3] == 0xEF);
	CHECK_INT("PUBACK for packet id 0 refused", mqtt_enc_puback(b, sizeof b, 0), 0);
	n = mqtt_enc_pingreq(b, sizeof b);
	CHECK("PINGREQ bytes", n == 2 && b[0] == 0xC0 && b[1] == 0);
	n = mqtt_enc_disconnect(b, sizeof b);
	CHECK("DISCONNECT bytes", n == 2 && b[0] == 0xE0 && b[1] == 0);
}

static void varints(void)
{
	static const struct { uint32_t v; size_t len; } t[] = {
		{ 0, 1 }, { 127, 1 }, { 128, 2 }, { 16383, 2 }, { 16384, 3 },
		{ 2097151, 3 }, { 2097152, 4 }, { MQTT_REMLEN_MAX, 4 },
	};
	uint8_t b[8];
	size_t i;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		char label[80];

		snprintf(label, sizeof label, "varint %u is %zu bytes", t[i].v, t[i].len);
		CHECK_INT(label, mqtt_enc_remlen(b, t[i].v), t[i].len);
	}
	CHECK_INT("varint over 268,435,455 cannot be encoded",
		  mqtt_enc_remlen(b, MQTT_REMLEN_MAX + 1), 0);
	mqtt_enc_remlen(b, MQTT_REMLEN_MAX);
	CHECK("varint 268,435,455 is FF FF FF 7F",
	      b[0] == 0xFF && b[1] == 0xFF && b[2] == 0xFF && b[3] == 0x7F);
}

/* PUBLISH packets whose remaining length needs 1, 2, 3 and 4 bytes */
static void varint_boundaries(void)
{
	static const size_t rems[] = { 127, 128, 16383, 16384, 2097151, 2097152 };
	size_t i;

	for (i = 0; i < sizeof rems / sizeof *rems; i++) {
		size_t plen = rems[i] - 2 - 1 - 2, n, used;
		uint8_t *pl = calloc(1, plen + 1), *b = malloc(rems[i] + 8);
		struct mqtt_decoder d;
		struct mqtt_packet p;
		const char *why;
		char label[80];
		int r;

		memset(pl, 'x', plen);
		n = publish(b, 1, 0, 0, "t", 1, 7, pl, plen);
		mqtt_decoder_init(&d, rems[i] + 5);
		r = mqtt_decode(&d, b, n, &used, &p, &why);
		snprintf(label, sizeof label, "PUBLISH with remaining length %zu decodes", rems[i]);
		CHECK(label, r == MQTT_DEC_PACKET && used == n && p.payload_len == plen &&
		      p.packet_id == 7 && memcmp(p.payload, pl, plen) == 0);
		mqtt_decoder_free(&d);
		free(pl);
		free(b);
	}
}

static void round_trips(void)
{
	struct mqtt_decoder d;
	struct mqtt_packet p;
	const char *why;
	uint8_t b[256];
	size_t n, used;
	static const uint8_t connack[] = { 0x20, 2, 1, 0 };
	static const uint8_t connack_refused[] = { 0x20, 2, 0, 5 };
	static const uint8_t suback[] = { 0x90, 4, 0, 9, 1, 0x80 };
	static const uint8_t pingresp[] = { 0xD0, 0 };
	static const uint8_t unsuback[] = { 0xB0, 2, 0x12, 0x34 };

	mqtt_decoder_init(&d, 1024);
	CHECK("CONNACK session present",
	      mqtt_decode(&d, connack, 4, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.type == MQTT_CONNACK && p.session_present == 1 && p.return_code == 0 && used == 4);
	CHECK("CONNACK refused: not authorized",
	      mqtt_decode(&d, connack_refused, 4, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.return_code == 5 && p.session_present == 0);
	CHECK("SUBACK: id and one code per filter",
	      mqtt_decode(&d, suback, 6, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.type == MQTT_SUBACK && p.packet_id == 9 && p.n_codes == 2 &&
	      p.codes[0] == 1 && p.codes[1] == MQTT_SUBACK_FAILURE);
	CHECK("PINGRESP",
	      mqtt_decode(&d, pingresp, 2, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.type == MQTT_PINGRESP && used == 2);
	CHECK("UNSUBACK: its packet id",
	      mqtt_decode(&d, unsuback, 4, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.type == MQTT_UNSUBACK && p.packet_id == 0x1234 && used == 4);

	n = publish(b, 1, 1, 1, "t/dev-1", 7, 0xFFFF, (const uint8_t *)"{\"smoke\":true}", 14);
	CHECK("PUBLISH QoS 1: topic, id, flags, payload",
	      mqtt_decode(&d, b, n, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.type == MQTT_PUBLISH && p.qos == 1 && p.dup == 1 && p.retain == 1 &&
	      p.packet_id == 0xFFFF && strcmp(p.topic, "t/dev-1") == 0 && p.topic_len == 7 &&
	      p.payload_len == 14 && memcmp(p.payload, "{\"smoke\":true}", 14) == 0);
	n = publish(b, 0, 0, 0, "t/\xC3\xA9", 4, 0, NULL, 0);
	CHECK("PUBLISH QoS 0, UTF-8 topic, empty payload",
	      mqtt_decode(&d, b, n, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.qos == 0 && p.packet_id == 0 && p.payload_len == 0 &&
	      strcmp(p.topic, "t/\xC3\xA9") == 0);
	n = publish(b, 1, 0, 0, "t", 1, 3, NULL, 0);
	CHECK("PUBLISH QoS 1 with an empty payload",
	      mqtt_decode(&d, b, n, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.packet_id == 3 && p.payload_len == 0);
	/* two packets in one buffer: one per call, *used says where the next starts */
	memcpy(b, pingresp, 2);
	memcpy(b + 2, connack, 4);
	CHECK("two packets in one read: the first",
	      mqtt_decode(&d, b, 6, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.type == MQTT_PINGRESP && used == 2);
	CHECK("two packets in one read: the second",
	      mqtt_decode(&d, b + 2, 4, &used, &p, &why) == MQTT_DEC_PACKET &&
	      p.type == MQTT_CONNACK && used == 4);
	mqtt_decoder_free(&d);
}

/* a stream of packets arriving one byte at a time decodes as a whole one */
static void split_reads(void)
{
	uint8_t stream[2048];
	size_t n = 0, i, used;
	struct mqtt_decoder d;
	struct mqtt_packet p;
	const char *why;
	int types[16], nt = 0, ok = 1, r;
	uint8_t big[300];
	uint16_t ids[16];

	memset(big, 'b', sizeof big);
	stream[n++] = 0x20, stream[n++] = 2, stream[n++] = 0, stream[n++] = 0;
	stream[n++] = 0x90, stream[n++] = 3, stream[n++] = 0, stream[n++] = 1, stream[n++] = 1;
	n += publish(stream + n, 1, 0, 0, "a/b", 3, 11, (const uint8_t *)"12", 2);
	n += publish(stream + n, 0, 0, 0, "a/c", 3, 0, NULL, 0);
	n += publish(stream + n, 1, 1, 0, "a/d", 3, 12, big, sizeof big);  /* 2-byte varint */
	stream[n++] = 0xD0, stream[n++] = 0;

	mqtt_decoder_init(&d, 1024);
	for (i = 0; i < n; i++) {
		r = mqtt_decode(&d, stream + i, 1, &used, &p, &why);
		if (r == MQTT_DEC_ERROR || used != 1) {
			ok = 0;
			break;
		}
		if (r == MQTT_DEC_PACKET && nt < 16) {
			ids[nt] = p.packet_id;
			types[nt++] = p.type;
			if (p.type == MQTT_PUBLISH && p.packet_id == 12)
				ok &= p.payload_len == sizeof big && p.dup == 1 &&
				      strcmp(p.topic, "a/d") == 0;
		}
	}
	CHECK("one byte at a time: every byte taken, no error", ok);
	CHECK("one byte at a time: six packets in order",
	      nt == 6 && types[0] == MQTT_CONNACK && types[1] == MQTT_SUBACK &&
	      types[2] == MQTT_PUBLISH && ids[2] == 11 && types[3] == MQTT_PUBLISH &&
	      types[4] == MQTT_PUBLISH && ids[4] == 12 && types[5] == MQTT_PINGRESP);

	/* the same stream in uneven chunks of 7 */
	mqtt_decoder_reset(&d);
	nt = 0;
	for (i = 0; i < n;) {
		size_t chunk = n - i < 7 ? n - i : 7, off = 0;

		while (off < chunk) {
			r = mqtt_decode(&d, stream + i + off, chunk - off, &used, &p, &why);
			if (r == MQTT_DEC_ERROR)
				break;
			off += used;
			if (r == MQTT_DEC_PACKET)
				nt++;
			else
				break;
		}
		i += chunk;
	}
	CHECK_INT("chunks of 7 bytes: six packets", nt, 6);
	mqtt_decoder_free(&d);
}

static void malformed(void)
{
	uint8_t b[128];
	size_t n;

	refused("CONNECT from a broker", (const uint8_t *)"\x10\x00", 2, "packet type");
	refused("PUBACK (we never publish)", (const uint8_t *)"\x40\x02\x00\x01", 4, "packet type");
	refused("PUBREL", (const uint8_t *)"\x62\x02\x00\x01", 4, "packet type");
	refused("UNSUBACK flags", (const uint8_t *)"\xB2\x02\x00\x01", 4, "reserved flags");
	refused("UNSUBACK length 3", (const uint8_t *)"\xB0\x03\x00\x01\x00", 5, "not 2");
	refused("UNSUBACK length 0", (const uint8_t *)"\xB0\x00", 2, "not 2");
	refused("UNSUBACK packet id 0", (const uint8_t *)"\xB0\x02\x00\x00", 4, "packet id 0");
	refused("UNSUBSCRIBE from a broker", (const uint8_t *)"\xA2\x05\x00\x01\x00\x01t", 7,
		"packet type");
	refused("DISCONNECT from a broker", (const uint8_t *)"\xE0\x00", 2, "packet type");
	refused("reserved type 0", (const uint8_t *)"\x00\x00", 2, "packet type");
	refused("reserved type 15", (const uint8_t *)"\xF0\x00", 2, "packet type");
	refused("CONNACK flags", (const uint8_t *)"\x21\x02\x00\x00", 4, "reserved flags");
	refused("CONNACK length 3", (const uint8_t *)"\x20\x03\x00\x00\x00", 5, "not 2");
	refused("CONNACK reserved ack flags", (const uint8_t *)"\x20\x02\x02\x00", 4, "reserved flags");
	refused("CONNACK code 6", (const uint8_t *)"\x20\x02\x00\x06", 4, "return code");
	refused("CONNACK refusal with session present", (const uint8_t *)"\x20\x02\x01\x05", 4,
		"session present");
	refused("PINGRESP length 1", (const uint8_t *)"\xD0\x01\x00", 3, "not 0");
	refused("PINGRESP flags", (const uint8_t *)"\xD1\x00", 2, "reserved flags");
	refused("SUBACK length 2", (const uint8_t *)"\x90\x02\x00\x01", 4, "SUBACK shorter");
	refused("SUBACK packet id 0", (const uint8_t *)"\x90\x03\x00\x00\x01", 5, "packet id 0");
	refused("SUBACK code 3", (const uint8_t *)"\x90\x03\x00\x01\x03", 5, "return code");
	refused("SUBACK flags", (const uint8_t *)"\x92\x03\x00\x01\x01", 5, "reserved flags");
	refused("PUBLISH QoS 3", (const uint8_t *)"\x36\x05\x00\x01t\x00\x01", 7, "QoS 3");
	refused("PUBLISH QoS 2", (const uint8_t *)"\x34\x05\x00\x01t\x00\x01", 7, "QoS 2");
	refused("PUBLISH QoS 0 with DUP", (const uint8_t *)"\x38\x03\x00\x01t", 5, "DUP");
	refused("PUBLISH too short for QoS 1", (const uint8_t *)"\x32\x03\x00\x01t", 5, "too short");
	refused("PUBLISH topic past the end", (const uint8_t *)"\x30\x04\x00\x09tt", 6, "past the packet");
	refused("PUBLISH topic length needs the packet id's bytes",
		(const uint8_t *)"\x32\x05\x00\x03tt\x01", 7, "past the packet");
	n = publish(b, 0, 0, 0, "", 0, 0, (const uint8_t *)"x", 1);
	refused("PUBLISH empty topic", b, n, "topic is empty");
	n = publish(b, 0, 0, 0, "t/\xC0\xAF", 4, 0, NULL, 0);
	refused("PUBLISH topic with an overlong form", b, n, "not valid UTF-8");
	n = publish(b, 0, 0, 0, "t/\xED\xA0\x80", 5, 0, NULL, 0);
	refused("PUBLISH topic with a surrogate", b, n, "not valid UTF-8");
	n = publish(b, 0, 0, 0, "t/\xFF", 3, 0, NULL, 0);
	refused("PUBLISH topic with 0xFF", b, n, "not valid UTF-8");
	n = publish(b, 0, 0, 0, "t/\xE2\x82", 4, 0, NULL, 0);
	refused("PUBLISH topic with a cut sequence", b, n, "not valid UTF-8");
	n = publish(b, 0, 0, 0, "t/a\0b", 5, 0, NULL, 0);
	refused("PUBLISH topic with NUL", b, n, "U+0000");
	n = publish(b, 0, 0, 0, "t/+", 3, 0, NULL, 0);
	refused("PUBLISH topic with '+'", b, n, "wildcard");
	n = publish(b, 0, 0, 0, "t/#", 3, 0, NULL, 0);
	refused("PUBLISH topic with '#'", b, n, "wildcard");
	n = publish(b, 1, 0, 0, "t/a", 3, 0, NULL, 0);
	refused("PUBLISH QoS 1 with packet id 0", b, n, "packet id 0");
	refused("varint of five bytes", (const uint8_t *)"\x30\xFF\xFF\xFF\xFF\x01", 6, "over four bytes");
	refused("varint not in its shortest form", (const uint8_t *)"\x30\x83\x00", 3, "shortest form");
}

static void limits(void)
{
	struct mqtt_decoder d;
	struct mqtt_packet p;
	const char *why;
	uint8_t b[200], pl[200];
	size_t n, used;
	int r;

	memset(pl, 'p', sizeof pl);
	/* exactly the maximum: 1 + 1 + 2 + 3 + 2 + 91 = 100 bytes */
	n = publish(b, 1, 0, 0, "t/a", 3, 1, pl, 91);
	mqtt_decoder_init(&d, 100);
	CHECK_INT("a packet of exactly max_packet bytes is accepted", n, 100);
	r = mqtt_decode(&d, b, n, &used, &p, &why);
	CHECK("... and decoded", r == MQTT_DEC_PACKET && p.payload_len == 91);
	n = publish(b, 1, 0, 0, "t/a", 3, 1, pl, 92);
	r = mqtt_decode(&d, b, 3, &used, &p, &why);
	CHECK_INT("one byte over the maximum: refused from its header alone", r, MQTT_DEC_ERROR);
	CHECK_CONTAINS("... the reason gives the size", why, "PUBLISH of 101 bytes over the maximum of 100");
	r = mqtt_decode(&d, b + 3, n - 3, &used, &p, &why);
	CHECK("the decoder stays refused until reset", r == MQTT_DEC_ERROR && used == 0);
	mqtt_decoder_reset(&d);
	n = publish(b, 0, 0, 0, "t/a", 3, 0, pl, 10);
	r = mqtt_decode(&d, b, n, &used, &p, &why);
	CHECK("after reset it decodes again", r == MQTT_DEC_PACKET && p.payload_len == 10);
	mqtt_decoder_free(&d);

	/* a header announcing 256 MB allocates nothing */
	mqtt_decoder_init(&d, 1024);
	r = mqtt_decode(&d, (const uint8_t *)"\x30\xFF\xFF\xFF\x7F", 5, &used, &p, &why);
	CHECK("268,435,455 announced: refused without allocating",
	      r == MQTT_DEC_ERROR && d.body_cap == 0);
	mqtt_decoder_free(&d);
}

int main(void)
{
	encoders();
	varints();
	varint_boundaries();
	round_trips();
	split_reads();
	malformed();
	limits();
	TEST_DONE();
}
