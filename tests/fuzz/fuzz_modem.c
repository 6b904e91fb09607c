/*
 * fuzz_modem.c: libFuzzer target for the modem driver's two pure parts
 * (drivers/io/modem_at.c, drivers/io/modem_pdu.c).
 *
 * The input is what a module could send: it is cut into lines three ways
 * (all at once, one byte at a time, in chunks the first byte picks) and
 * the three must give the same lines; every line is non-empty, shorter
 * than MODEM_LINE_MAX, free of control bytes, and its kind and code are
 * sane.  The input is also a text to send: when the encoder accepts it,
 * every part's hex has the announced TPDU length, the header numbers the
 * parts, a 7-bit part never ends inside an escape, and a UCS-2 message's
 * parts joined decode to exactly the input's characters with no part
 * ending inside a surrogate pair.  A broken rule aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"
#include "modem_int.h"

static void mix(uint64_t *h, uint64_t v)
{
	*h = (*h ^ v) * 1099511628211ull;
}

static uint64_t cut(const uint8_t *d, size_t n, size_t chunk, size_t *lines)
{
	struct modem_rx rx;
	char l[MODEM_LINE_MAX];
	uint64_t h = 14695981039346656037ull;
	size_t at = 0, i;
	int code;

	modem_rx_reset(&rx);
	*lines = 0;
	while (at < n) {
		size_t room, k;
		char *p = modem_rx_space(&rx, &room);

		if (room == 0)
			abort();
		k = n - at < chunk ? n - at : chunk;
		if (k > room)
			k = room;
		memcpy(p, d + at, k);
		modem_rx_added(&rx, k);
		at += k;
		while (modem_rx_line(&rx, l, sizeof l)) {
			size_t len = strlen(l);
			enum modem_line kind = modem_line_kind(l, &code);

			if (len == 0 || len >= MODEM_LINE_MAX)
				abort();
			for (i = 0; i < len; i++) {
				if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f)
					abort();
				mix(&h, (unsigned char)l[i]);
			}
			if (code < -1 || code > 100000 || !modem_line_name(kind)[0])
				abort();
			mix(&h, 0x100 + kind);
			(*lines)++;
		}
	}
	(void)modem_rx_prompt(&rx);
	return h;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	abort();
}

/* One part's bytes from its hex: the TPDU alone (the SMSC field is 00). */
static size_t part_bytes(const struct modem_pdu_part *p, uint8_t *b)
{
	size_t len = strlen(p->hex), i;

	if (len % 2 || len != 2 + 2 * (size_t)p->tpdu_len || p->hex[0] != '0' || p->hex[1] != '0')
		abort();
	for (i = 0; i < (size_t)p->tpdu_len; i++)
		b[i] = (uint8_t)(hexval(p->hex[2 + 2 * i]) << 4 | hexval(p->hex[3 + 2 * i]));
	return (size_t)p->tpdu_len;
}

static void check_pdus(const char *text, const struct modem_pdu_part *parts, int k, unsigned ref)
{
	static uint16_t units[MODEM_SMS_MAX_PARTS * 70];
	size_t nunits = 0, i, tn, n;
	uint8_t b[200];
	uint32_t cp;
	int j;

	for (j = 0; j < k; j++) {
		size_t at, udl, hdr = 0;
		uint8_t fo, dcs;

		tn = part_bytes(&parts[j], b);
		fo = b[0];
		if ((fo & 3) != 1 || (bool)(fo & 0x40) != (k > 1))
			abort();
		at = 2 + 2 + (b[2] + 1) / 2;            /* MR, DA */
		dcs = b[at + 1];
		at += 2 + ((fo & 0x18) == 0x10 ? 1 : 0);
		udl = b[at++];
		if (k > 1) {
			if (b[at] != 5 || b[at + 1] != 0 || b[at + 2] != 3 ||
			    b[at + 3] != (ref & 0xFF) || b[at + 4] != k || b[at + 5] != j + 1)
				abort();
			hdr = 6;
		}
		if (dcs == 0x00) {
			size_t sept = udl, skip = hdr ? 7 : 0, s;
			int esc = 0;

			if (udl > 160 || tn - at != (udl * 7 + 7) / 8)
				abort();
			for (s = skip; s < sept; s++) {
				size_t bit = s * 7;
				unsigned v = b[at + bit / 8] >> (bit % 8);
				if (bit % 8 > 1)
					v |= (unsigned)b[at + bit / 8 + 1] << (8 - bit % 8);
				v &= 0x7f;
				esc = esc ? 0 : v == 0x1b;
			}
			if (esc)
				abort();        /* a part ends inside an escape */
		} else if (dcs == 0x08) {
			if (udl > 140 || tn - at != udl || (udl - hdr) % 2)
				abort();
			for (i = at + hdr; i < tn; i += 2)
				units[nunits++] = (uint16_t)(b[i] << 8 | b[i + 1]);
			if (units[nunits - 1] >= 0xD800 && units[nunits - 1] <= 0xDBFF)
				abort();        /* a part ends inside a surrogate pair */
		} else {
			abort();
		}
	}
	if (nunits == 0)
		return;
	/* UCS-2: the units are exactly the text's characters */
	n = strlen(text);
	i = 0;
	for (size_t u = 0; i < n; ) {
		size_t l = utf8_char(text + i, n - i, &cp);
		if (l == 0)
			abort();
		i += l;
		if (cp >= 0x10000) {
			if (u + 2 > nunits || units[u] != (0xD800 | ((cp - 0x10000) >> 10)) ||
			    units[u + 1] != (0xDC00 | ((cp - 0x10000) & 0x3FF)))
				abort();
			u += 2;
		} else {
			if (u >= nunits || units[u] != cp)
				abort();
			u++;
		}
		if (i == n && u != nunits)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const char *const numbers[] = { "+8613800138000", "10086", "+1", "bad" };
	static struct modem_pdu_part parts[MODEM_SMS_MAX_PARTS];
	char *text, err[160];
	size_t l1, l2, l3;
	uint64_t h1, h2, h3;
	int k;

	if (n < 1)
		return 0;
	h1 = cut(d + 1, n - 1, n, &l1);
	h2 = cut(d + 1, n - 1, 1, &l2);
	h3 = cut(d + 1, n - 1, (size_t)(d[0] % 64) + 1, &l3);
	if (h1 != h2 || h1 != h3 || l1 != l2 || l1 != l3)
		abort();

	text = malloc(n);
	if (!text)
		return 0;
	memcpy(text, d + 1, n - 1);
	text[n - 1] = '\0';
	err[0] = '\0';
	k = modem_pdu_sms(numbers[d[0] & 3], text, (d[0] & 4) ? -1 : MODEM_VP_DEFAULT, d[0],
			  parts, MODEM_SMS_MAX_PARTS, err, sizeof err);
	if (k < 0) {
		if (!err[0])
			abort();
	} else {
		if (k == 0 || k > MODEM_SMS_MAX_PARTS || (d[0] & 3) == 3)
			abort();
		check_pdus(text, parts, k, d[0]);
	}
	free(text);
	return 0;
}
