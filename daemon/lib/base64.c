/*
 * base64.c: standard base64 (RFC 4648, with padding) both ways, and the
 * media type of a file from its first bytes.  Evidence files (photos,
 * documents) cross the control socket and go upstream as base64; the
 * decoder is strict (no whitespace, padding only at the end) because the
 * bytes it yields are hashed and kept as the evidence itself.
 */
#include <stdlib.h>
#include <string.h>

#include "lib.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

char *base64_encode(const unsigned char *p, size_t n)
{
	char *out = malloc(base64_encoded_len(n) + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64[p[i] >> 2];
		*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
		*o++ = b64[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
		*o++ = b64[p[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64[p[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
			*o++ = b64[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

unsigned char *base64_decode(const char *s, size_t len, size_t max_out, size_t *out_len)
{
	size_t pad = 0, n, i, o = 0;
	unsigned char *out;

	if (len % 4 != 0)
		return NULL;
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (len >= 2 && s[len - 2] == '=')
		pad++;
	n = len / 4 * 3 - pad;
	if (n > max_out)
		return NULL;
	out = malloc(n ? n : 1);
	if (!out)
		return NULL;
	for (i = 0; i < len; i += 4) {
		int v[4], k;
		bool last = i + 4 == len;

		for (k = 0; k < 4; k++) {
			/* '=' only in the last group's last two places */
			if (s[i + k] == '=' && last && k >= 4 - (int)pad)
				v[k] = 0;
			else if ((v[k] = b64_val((unsigned char)s[i + k])) < 0)
				goto bad;
		}
		/* the last group yields 3 - pad bytes, every other one 3 */
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (o < n)
			out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (o < n)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	if (o != n)
		goto bad;
	*out_len = n;
	return out;
bad:
	free(out);
	return NULL;
}

const char *media_type_sniff(const unsigned char *p, size_t n)
{
	/* the file's own first bytes, never the name a client gives it */
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
		return "application/pdf";
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return "image/webp";
	return "application/octet-stream";
}
