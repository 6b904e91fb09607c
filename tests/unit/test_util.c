/* test_util.c: time formats, backoff, URI classification, strings. */
#include "hazardd.h"
#include "testing.h"

int main(void)
{
	static const struct { const char *uri; bool tls, loop; } uris[] = {
		{ "ssl://district.example:8883", true, false },
		{ "mqtts://district.example", true, false },
		{ "wss://district.example/mqtt", true, false },
		{ "tcp://127.0.0.1:1883", false, true },
		{ "tcp://127.10.0.3", false, true },
		{ "tcp://localhost:1883", false, true },
		{ "mqtt://[::1]:1883", false, true },
		{ "tcp://127.example.com:1883", false, false },   /* a name, not 127/8 */
		{ "tcp://localhost.example.com:1883", false, false },
		{ "tcp://192.0.2.1:1883", false, false },
		{ "tcp://10.0.0.1:1883", false, false },
		{ "no-scheme", false, false },
	};
	char buf[64], name[96];
	int64_t ms, d;
	size_t i;
	int ok;

	for (i = 0; i < sizeof uris / sizeof uris[0]; i++) {
		snprintf(name, sizeof name, "uri_is_tls %s", uris[i].uri);
		CHECK_INT(name, uri_is_tls(uris[i].uri), uris[i].tls);
		snprintf(name, sizeof name, "uri_is_loopback %s", uris[i].uri);
		CHECK_INT(name, uri_is_loopback(uris[i].uri), uris[i].loop);
	}

	CHECK_STR("iso format", fmt_iso_ms(1795441192788LL, buf, sizeof buf),
		  "2026-11-23T13:39:52.788Z");
	CHECK_STR("iso format before 1970", fmt_iso_ms(-1, buf, sizeof buf),
		  "1969-12-31T23:59:59.999Z");
	CHECK_INT("iso parse", parse_iso_ms("2026-11-23T13:39:52.788Z", &ms), 0);
	CHECK_INT("iso parse value", ms, 1795441192788LL);
	CHECK_INT("iso parse +00:00", parse_iso_ms("2026-11-23T13:39:52+00:00", &ms), 0);
	CHECK_INT("iso parse +00:00 value", ms, 1795441192000LL);
	CHECK_INT("iso parse one digit ms", parse_iso_ms("2026-11-23T13:39:52.7Z", &ms), 0);
	CHECK_INT("iso parse one digit ms value", ms, 1795441192700LL);
	CHECK_INT("iso without offset refused", parse_iso_ms("2026-11-23T13:39:52", &ms), -1);
	CHECK_INT("iso other offset refused", parse_iso_ms("2026-11-23T13:39:52+08:00", &ms), -1);
	CHECK_INT("iso garbage refused", parse_iso_ms("yesterday", &ms), -1);

	ok = 1;
	for (i = 0; i < 200; i++) {
		d = backoff_ms(0, 500, 10000);
		ok &= d >= 375 && d <= 625;
	}
	CHECK("backoff first retry 500 ms +-25 %", ok);
	ok = 1;
	for (i = 0; i < 200; i++) {
		d = backoff_ms(30, 500, 10000);
		ok &= d >= 7500 && d <= 12500;
	}
	CHECK("backoff capped at 10 s +-25 %", ok);
	d = backoff_ms(3, 500, 10000);
	CHECK("backoff doubles (3 failures ~4 s)", d >= 3000 && d <= 5000);

	CHECK_INT("strlcpy fits", strlcpy_hz(buf, "abc", 4), 0);
	CHECK_INT("strlcpy truncates", strlcpy_hz(buf, "abcdef", 4), -1);
	CHECK_STR("strlcpy truncated text", buf, "abc");
	errf(buf, sizeof buf, "%s-%d", "x", 7);
	CHECK_STR("errf formats", buf, "x-7");
	CHECK("read_file_hz missing file", read_file_hz("/nonexistent/x", 10, NULL) == NULL);
	CHECK("read_file_hz directory is an error", read_file_hz("/", 4096, NULL) == NULL);
	TEST_DONE();
}
