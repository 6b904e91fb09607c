/* util.c: clocks, time formatting, strings and files shared by every module. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

char *fmt_iso_ms(int64_t wall_ms, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ms / 1000);
	int ms = (int)(wall_ms % 1000);
	struct tm tm;

	if (ms < 0) {
		ms += 1000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return buf;
}

int parse_iso_ms(const char *s, int64_t *out_ms)
{
	struct tm tm;
	int ms = 0, n = 0;
	const char *p;

	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	p = s + n;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		while (digits > 0 && digits < 3) {
			ms *= 10;
			digits++;
		}
	}
	if (strcmp(p, "Z") != 0 && strcmp(p, "+00:00") != 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out_ms = (int64_t)timegm(&tm) * 1000 + ms;
	return 0;
}

int strlcpy_hz(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return -1;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

static pthread_mutex_t rand_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned short rand_state[3];
static bool rand_seeded;

int64_t rand_between(int64_t lo, int64_t hi)
{
	long r;

	if (hi <= lo)
		return lo;
	pthread_mutex_lock(&rand_lock);
	if (!rand_seeded) {
		int64_t t = now_wall_ms() ^ ((int64_t)getpid() << 16);

		rand_state[0] = (unsigned short)t;
		rand_state[1] = (unsigned short)(t >> 16);
		rand_state[2] = (unsigned short)(t >> 32);
		rand_seeded = true;
	}
	r = nrand48(rand_state);
	pthread_mutex_unlock(&rand_lock);
	return lo + (int64_t)(r % (hi - lo + 1));
}

int64_t backoff_ms(unsigned failures, int64_t base_ms, int64_t cap_ms)
{
	int64_t d = base_ms;

	while (failures-- > 0 && d < cap_ms)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	/* +-25 % so that a fleet of gateways does not reconnect in lock step */
	return rand_between(d - d / 4, d + d / 4);
}

char *read_file_hz(const char *path, size_t max_len, size_t *len_out)
{
	struct stat sb;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0)
		goto err;
	if ((size_t)sb.st_size > max_len) {
		errno = EFBIG;
		goto err;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		goto err;
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			goto err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	if (len_out)
		*len_out = got;
	return buf;
err:
	close(fd);
	return NULL;
}

void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool uri_is_tls(const char *uri)
{
	return strncmp(uri, "ssl://", 6) == 0 || strncmp(uri, "mqtts://", 8) == 0 ||
	       strncmp(uri, "wss://", 6) == 0;
}

bool uri_is_loopback(const char *uri)
{
	const char *h = strstr(uri, "://");
	size_t n;

	if (!h)
		return false;
	h += 3;
	if (strncmp(h, "[::1]", 5) == 0)
		return h[5] == '\0' || h[5] == ':' || h[5] == '/';
	n = strcspn(h, ":/");
	if (n == 9 && strncmp(h, "localhost", 9) == 0)
		return true;
	/* 127.0.0.0/8, written as a dotted quad */
	return strncmp(h, "127.", 4) == 0 && strspn(h, "0123456789.") == n;
}

size_t utf8_char(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2, c = p[0] & 0x1F, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		len = 3, c = p[0] & 0x0F, min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;       /* a continuation byte, C0/C1 (overlong) or F5..FF */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

bool char_is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

const char *text_check(const char *s)
{
	size_t n = strlen(s), k;
	uint32_t cp;

	while (n > 0) {
		if ((k = utf8_char(s, n, &cp)) == 0)
			return "is not valid UTF-8";
		if (char_is_control(cp))
			return "holds control characters";
		s += k;
		n -= k;
	}
	return NULL;
}
