/*
 * modem_pdu.c: SMS-SUBMIT PDUs (3GPP TS 23.040, alphabet TS 23.038) for
 * the modem driver.  Pure: text and a number in, hex out.
 *
 * PDU mode rather than text mode because text mode's character set
 * (AT+CSCS) differs between modules and cannot carry Chinese reliably;
 * a PDU is the same bytes on every module.  The SMSC field is "00" so the
 * SIM's own service centre is used.
 */
#include <stdio.h>
#include <string.h>

#include "lib.h"
#include "modem_int.h"

/* The GSM 7-bit default alphabet: septet -> Unicode.  0x1B is the escape
 * to the extension table below (never a character of its own). */
static const uint16_t gsm7_basic[128] = {
	0x0040, 0x00A3, 0x0024, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC,
	0x00F2, 0x00C7, 0x000A, 0x00D8, 0x00F8, 0x000D, 0x00C5, 0x00E5,
	0x0394, 0x005F, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8,
	0x03A3, 0x0398, 0x039E, 0xFFFF, 0x00C6, 0x00E6, 0x00DF, 0x00C9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00A4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002A, 0x002B, 0x002C, 0x002D, 0x002E, 0x002F,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003A, 0x003B, 0x003C, 0x003D, 0x003E, 0x003F,
	0x00A1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005A, 0x00C4, 0x00D6, 0x00D1, 0x00DC, 0x00A7,
	0x00BF, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007A, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table: ESC + septet -> Unicode (two septets each). */
static const struct { uint8_t septet; uint16_t cp; } gsm7_ext[] = {
	{ 0x0A, 0x000C }, { 0x14, 0x005E }, { 0x28, 0x007B }, { 0x29, 0x007D },
	{ 0x2F, 0x005C }, { 0x3C, 0x005B }, { 0x3D, 0x007E }, { 0x3E, 0x005D },
	{ 0x40, 0x007C }, { 0x65, 0x20AC },
};

#define GSM7_ESC 0x1B

/* cp's septets (1 or 2) into s; 0 when it has none. */
static int gsm7_septets(uint32_t cp, uint8_t s[2])
{
	size_t i;

	for (i = 0; i < 128; i++)
		if (gsm7_basic[i] == cp && i != GSM7_ESC) {
			s[0] = (uint8_t)i;
			return 1;
		}
	for (i = 0; i < sizeof gsm7_ext / sizeof gsm7_ext[0]; i++)
		if (gsm7_ext[i].cp == cp) {
			s[0] = GSM7_ESC;
			s[1] = gsm7_ext[i].septet;
			return 2;
		}
	return 0;
}

int modem_number_norm(const char *number, char *out, size_t outlen)
{
	size_t n = 0, digits = 0;
	const char *p = number;

	if (!number || outlen < 2)
		return -1;
	while (*p == ' ')
		p++;
	if (*p == '+')
		out[n++] = *p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			if (n + 1 >= outlen || ++digits > MODEM_NUMBER_MAX)
				return -1;
			out[n++] = *p;
		} else if ((*p == ' ' || *p == '-') && digits > 0) {
			continue;       /* "138 0013 8000", "0755-1234567" */
		} else {
			return -1;
		}
	}
	out[n] = '\0';
	return digits > 0 ? 0 : -1;
}

int modem_pdu_address(const char *number, uint8_t *out, size_t outlen)
{
	char norm[MODEM_NUMBER_MAX + 2];
	const char *d;
	size_t nd, i, n = 0;

	if (modem_number_norm(number, norm, sizeof norm) < 0)
		return -1;
	d = norm[0] == '+' ? norm + 1 : norm;
	nd = strlen(d);
	if (outlen < 2 + (nd + 1) / 2)
		return -1;
	out[n++] = (uint8_t)nd;                         /* length in digits */
	out[n++] = norm[0] == '+' ? 0x91 : 0x81;        /* international / unknown, ISDN plan */
	for (i = 0; i < nd; i += 2) {
		uint8_t lo = (uint8_t)(d[i] - '0');
		uint8_t hi = i + 1 < nd ? (uint8_t)(d[i + 1] - '0') : 0x0F;
		out[n++] = (uint8_t)(hi << 4 | lo);     /* semi-octets, swapped */
	}
	return (int)n;
}

int modem_pdu_is_gsm7(const char *utf8)
{
	size_t n = strlen(utf8), i = 0, l;
	uint32_t cp;
	uint8_t s[2];
	int all = 1;

	while (i < n) {
		l = utf8_char(utf8 + i, n - i, &cp);
		if (l == 0)
			return -1;
		if (!gsm7_septets(cp, s))
			all = 0;
		i += l;
	}
	return all;
}

/* ------------------------------------------------------------ one part */

struct pdu_buf {
	uint8_t b[160];
	size_t  n;
};

static void put(struct pdu_buf *p, uint8_t v)
{
	if (p->n < sizeof p->b)
		p->b[p->n++] = v;
}

/* The TPDU's head up to TP-VP: first octet, MR, DA, PID, DCS, VP. */
static void pdu_head(struct pdu_buf *p, const uint8_t *da, int dalen, bool udh,
		     uint8_t dcs, int vp)
{
	int i;

	/* SMS-SUBMIT (MTI 01), TP-VPF relative (10) or none, TP-UDHI */
	put(p, (uint8_t)(0x01 | (vp >= 0 ? 0x10 : 0) | (udh ? 0x40 : 0)));
	put(p, 0x00);                   /* TP-MR: the module assigns it */
	for (i = 0; i < dalen; i++)
		put(p, da[i]);
	put(p, 0x00);                   /* TP-PID: plain SMS */
	put(p, dcs);
	if (vp >= 0)
		put(p, (uint8_t)vp);
}

static void to_hex(const struct pdu_buf *p, struct modem_pdu_part *out)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i, k = 0;

	out->hex[k++] = '0';            /* SMSC: length 0, the SIM's own */
	out->hex[k++] = '0';
	for (i = 0; i < p->n && k + 2 < sizeof out->hex; i++) {
		out->hex[k++] = hx[p->b[i] >> 4];
		out->hex[k++] = hx[p->b[i] & 0x0F];
	}
	out->hex[k] = '\0';
	out->tpdu_len = (int)p->n;
}

/* UDH for part seq of total: UDHL 05, IE 00 (concatenation, 8-bit ref). */
static size_t udh_concat(uint8_t *u, unsigned ref, int total, int seq)
{
	u[0] = 0x05;
	u[1] = 0x00;
	u[2] = 0x03;
	u[3] = (uint8_t)ref;
	u[4] = (uint8_t)total;
	u[5] = (uint8_t)seq;
	return 6;
}

/* 7-bit part: septets packed LSB first after the UDH and its fill bits;
 * TP-UDL counts septets, the header's included. */
static void part_gsm7(struct modem_pdu_part *out, const uint8_t *da, int dalen, int vp,
		      const uint8_t *sept, size_t ns, unsigned ref, int total, int seq)
{
	struct pdu_buf p = { .n = 0 };
	uint8_t ud[140], udh[6];
	size_t uh = 0, hsept = 0, bit, i, udlen;

	if (total > 1) {
		uh = udh_concat(udh, ref, total, seq);
		hsept = (uh * 8 + 6) / 7;       /* header plus fill bits, in septets */
	}
	memset(ud, 0, sizeof ud);
	memcpy(ud, udh, uh);
	bit = hsept * 7;
	for (i = 0; i < ns; i++, bit += 7) {
		ud[bit / 8] |= (uint8_t)(sept[i] << (bit % 8));
		if (bit % 8 > 1)
			ud[bit / 8 + 1] |= (uint8_t)(sept[i] >> (8 - bit % 8));
	}
	udlen = (bit + 7) / 8;
	pdu_head(&p, da, dalen, total > 1, 0x00, vp);
	put(&p, (uint8_t)(hsept + ns));
	for (i = 0; i < udlen; i++)
		put(&p, ud[i]);
	to_hex(&p, out);
}

/* UCS-2 part: UTF-16BE units; TP-UDL counts octets, the header's included. */
static void part_ucs2(struct modem_pdu_part *out, const uint8_t *da, int dalen, int vp,
		      const uint16_t *u, size_t nu, unsigned ref, int total, int seq)
{
	struct pdu_buf p = { .n = 0 };
	uint8_t udh[6];
	size_t uh = 0, i;

	if (total > 1)
		uh = udh_concat(udh, ref, total, seq);
	pdu_head(&p, da, dalen, total > 1, 0x08, vp);
	put(&p, (uint8_t)(uh + 2 * nu));
	for (i = 0; i < uh; i++)
		put(&p, udh[i]);
	for (i = 0; i < nu; i++) {
		put(&p, (uint8_t)(u[i] >> 8));
		put(&p, (uint8_t)(u[i] & 0xFF));
	}
	to_hex(&p, out);
}

/* ------------------------------------------------------------ splitting */

/* Where each part starts, in units (septets or UTF-16 units), given which
 * unit may not begin a part (the second of an escape pair or of a
 * surrogate pair).  Parts written, or -1 past max. */
static int split(const bool *nobreak, size_t n, size_t one, size_t many,
		 size_t *start, int max)
{
	size_t at = 0, end;
	int k = 0;

	if (n <= one) {
		start[0] = 0;
		start[1] = n;
		return 1;
	}
	while (at < n) {
		if (k >= max)
			return -1;
		start[k++] = at;
		end = at + many < n ? at + many : n;
		if (end < n && nobreak[end])
			end--;          /* keep the pair together in the next part */
		at = end;
	}
	start[k] = n;
	return k;
}

/* The most units a text can have: 10 parts of 153 septets. */
#define UNITS_MAX (MODEM_SMS_MAX_PARTS * 160)

int modem_pdu_sms(const char *number, const char *utf8, int vp, unsigned ref,
		  struct modem_pdu_part *parts, int max_parts, char *err, size_t errlen)
{
	uint8_t sept[UNITS_MAX + 2];            /* ~6.5 KiB on the sender's stack */
	uint16_t u16[UNITS_MAX + 2];
	bool nobreak[UNITS_MAX + 2];
	size_t start[MODEM_SMS_MAX_PARTS + 1];
	uint8_t da[12], s[2] = { 0, 0 };
	size_t n, i = 0, l, nu = 0;
	uint32_t cp;
	int dalen, gsm, k, j;

	if (max_parts > MODEM_SMS_MAX_PARTS)
		max_parts = MODEM_SMS_MAX_PARTS;
	dalen = modem_pdu_address(number, da, sizeof da);
	if (dalen < 0) {
		snprintf(err, errlen, "bad number \"%.40s\"", number ? number : "");
		return -1;
	}
	if (!utf8 || !utf8[0]) {
		snprintf(err, errlen, "empty text");
		return -1;
	}
	gsm = modem_pdu_is_gsm7(utf8);
	if (gsm < 0) {
		snprintf(err, errlen, "text is not valid UTF-8");
		return -1;
	}
	n = strlen(utf8);
	while (i < n) {
		l = utf8_char(utf8 + i, n - i, &cp);
		i += l;
		if (nu + 2 > UNITS_MAX)
			goto too_long;
		if (gsm) {
			int ns = gsm7_septets(cp, s);
			sept[nu] = s[0];
			nobreak[nu++] = false;
			if (ns == 2) {
				sept[nu] = s[1];
				nobreak[nu++] = true;
			}
		} else if (cp >= 0x10000) {
			cp -= 0x10000;
			u16[nu] = (uint16_t)(0xD800 | (cp >> 10));
			nobreak[nu++] = false;
			u16[nu] = (uint16_t)(0xDC00 | (cp & 0x3FF));
			nobreak[nu++] = true;
		} else {
			u16[nu] = (uint16_t)cp;
			nobreak[nu++] = false;
		}
	}
	k = gsm ? split(nobreak, nu, 160, 153, start, max_parts)
		: split(nobreak, nu, 70, 67, start, max_parts);
	if (k < 0)
		goto too_long;
	for (j = 0; j < k; j++) {
		if (gsm)
			part_gsm7(&parts[j], da, dalen, vp, sept + start[j],
				  start[j + 1] - start[j], ref, k, j + 1);
		else
			part_ucs2(&parts[j], da, dalen, vp, u16 + start[j],
				  start[j + 1] - start[j], ref, k, j + 1);
	}
	return k;
too_long:
	snprintf(err, errlen, "text too long: more than %d SMS parts", max_parts);
	return -1;
}
