/* test_util.c: time formats, backoff, URI classification, strings, and the
 * one check of free text that every front-end applies (text_check). */
#include "app.h"
#include "testing.h"

/* Free text: valid UTF-8 without C0, DEL or C1, or refused (and why). */
static void test_text_check(void)
{
	static const char utf8[] = "is not valid UTF-8", ctrl[] = "holds control characters";
	static const struct { const char *name, *text, *why; } cases[] = {
		{ "empty", "", NULL },
		{ "ASCII", "valve replaced, hose 2 m", NULL },
		{ "Chinese", "\xe9\x98\x80\xe9\x97\xa8\xe5\xb7\xb2\xe6\x8d\xa2", NULL },
		{ "accented", "r\xc3\xa9par\xc3\xa9", NULL },
		{ "4-byte emoji", "ok \xf0\x9f\x94\xa5", NULL },
		{ "U+00A0 (first after C1)", "a\xc2\xa0" "b", NULL },
		{ "U+FFFD", "\xef\xbf\xbd", NULL },
		{ "U+10FFFF (last)", "\xf4\x8f\xbf\xbf", NULL },
		{ "LF", "fixed\nhazardd[info] forged", ctrl },
		{ "CR", "fixed\r", ctrl },
		{ "tab", "a\tb", ctrl },
		{ "ESC (terminal sequence)", "\x1b[2J", ctrl },
		{ "U+0001", "\x01", ctrl },
		{ "U+001F", "\x1f", ctrl },
		{ "DEL", "a\x7f", ctrl },
		{ "C1 NEL U+0085", "a\xc2\x85", ctrl },
		{ "C1 CSI U+009B", "\xc2\x9b" "2J", ctrl },
		{ "C1 U+0080", "\xc2\x80", ctrl },
		{ "lone continuation byte", "a\x80", utf8 },
		{ "Latin-1 byte", "r\xe9par\xe9", utf8 },
		{ "cut 3-byte sequence", "\xe9\x98", utf8 },
		{ "cut 4-byte sequence at the end", "ok \xf0\x9f\x94", utf8 },
		{ "overlong NUL C0 80", "\xc0\x80", utf8 },
		{ "overlong slash C1 AF", "\xc1\xaf", utf8 },
		{ "overlong 3-byte E0 80 AF", "\xe0\x80\xaf", utf8 },
		{ "overlong 4-byte F0 80 80 AF", "\xf0\x80\x80\xaf", utf8 },
		{ "surrogate U+D800", "\xed\xa0\x80", utf8 },
		{ "surrogate U+DFFF", "\xed\xbf\xbf", utf8 },
		{ "beyond U+10FFFF (F4 90)", "\xf4\x90\x80\x80", utf8 },
		{ "F5 lead byte", "\xf5\x80\x80\x80", utf8 },
		{ "FF byte", "\xff", utf8 },
		{ "continuation replaced by ASCII", "\xe9" "ab", utf8 },
	};
	char name[128];
	uint32_t cp = 0;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *why = text_check(cases[i].text);

		snprintf(name, sizeof name, "text_check %s: %s", cases[i].name,
			 cases[i].why ? cases[i].why : "clean");
		if (cases[i].why)
			CHECK_STR(name, why, cases[i].why);
		else
			CHECK(name, why == NULL);
	}
	CHECK_INT("utf8_char 3 bytes", utf8_char("\xe9\x98\x80", 3, &cp), 3);
	CHECK_INT("utf8_char code point", cp, 0x9600);
	CHECK_INT("utf8_char stops at n", utf8_char("\xe9\x98\x80", 2, &cp), 0);
	CHECK("char_is_control U+009F", char_is_control(0x9F));
	CHECK("char_is_control not U+00A0", !char_is_control(0xA0));
}

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
	test_text_check();
	TEST_DONE();
}
