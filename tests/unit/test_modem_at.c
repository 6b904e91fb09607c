/* test_modem_at.c: what a module says, cut and named (drivers/io/
 * modem_at.c): final results, error codes, call progress, unsolicited
 * noise; the cutter against split reads, the "> " prompt, NULs, control
 * bytes, over-long lines and a long run of random garbage (fixed seed),
 * after which an answer must still be understood. */
#include "modem_int.h"
#include "testing.h"

static void test_kinds(void)
{
	static const struct { const char *line; enum modem_line kind; int code; } tab[] = {
		{ "OK", ML_OK, -1 },
		{ "ok", ML_OK, -1 },
		{ "ERROR", ML_ERROR, -1 },
		{ "+CME ERROR: 10", ML_CME, 10 },
		{ "+CME ERROR:3", ML_CME, 3 },
		{ "+CME ERROR: SIM not inserted", ML_CME, -1 },
		{ "+CMS ERROR: 500", ML_CMS, 500 },
		{ "+CMS ERROR: 99999999999999999999", ML_CMS, -1 },
		{ "+CMS ERROR:", ML_CMS, -1 },
		{ "+CMGS: 17", ML_CMGS, 17 },
		{ "NO CARRIER", ML_NO_CARRIER, -1 },
		{ "BUSY", ML_BUSY, -1 },
		{ "NO ANSWER", ML_NO_ANSWER, -1 },
		{ "NO DIALTONE", ML_NO_DIALTONE, -1 },
		{ "RING", ML_RING, -1 },
		{ "CONNECT 9600", ML_CONNECT, -1 },
		{ "^CONN:1,0", ML_CALL_UP, -1 },
		{ "+COLP: \"13800138000\",129", ML_CALL_UP, -1 },
		{ "VOICE CALL: BEGIN", ML_CALL_UP, -1 },
		{ "VOICE CALL: END: 000012", ML_CALL_END, -1 },
		{ "^CEND:1,0,104,16", ML_CALL_END, -1 },
		{ "+CREG: 1", ML_UNSOL, -1 },
		{ "^RSSI:18", ML_UNSOL, -1 },
		{ "RDY", ML_UNSOL, -1 },
		{ "+CMTI: \"SM\",3", ML_UNSOL, -1 },
		{ "^ORIG:1,0", ML_UNSOL, -1 },
		{ "ATE0", ML_ECHO, -1 },
		{ "AT+CMGS=23", ML_ECHO, -1 },
		{ "+CPIN: READY", ML_INFO, -1 },
		{ "+CPIN: SIM PIN", ML_INFO, -1 },
		{ "OKAY", ML_INFO, -1 },
		{ "ERRORS", ML_INFO, -1 },
		{ "", ML_INFO, -1 },
		{ "\xff\xfe", ML_INFO, -1 },
	};
	size_t i;
	char name[128];
	int code;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++) {
		enum modem_line k = modem_line_kind(tab[i].line, &code);

		snprintf(name, sizeof name, "kind of \"%s\": %s", tab[i].line,
			 modem_line_name(tab[i].kind));
		CHECK_INT(name, k, tab[i].kind);
		snprintf(name, sizeof name, "code of \"%s\"", tab[i].line);
		CHECK_INT(name, code, tab[i].code);
	}
	CHECK_INT("kind with NULL code pointer", modem_line_kind("+CMS ERROR: 1", NULL), ML_CMS);
}

static void feed(struct modem_rx *rx, const char *s, size_t n)
{
	while (n > 0) {
		size_t room, k;
		char *p = modem_rx_space(rx, &room);

		k = n < room ? n : room;
		memcpy(p, s, k);
		modem_rx_added(rx, k);
		s += k;
		n -= k;
		if (n > 0) {
			/* the buffer is full: drain it into lines like the driver */
			char l[MODEM_LINE_MAX];
			while (modem_rx_line(rx, l, sizeof l))
				;
		}
	}
}

/* every line in the data, joined by '|' */
static const char *lines_of(const char *s, size_t n, size_t chunk)
{
	static char out[4096];
	struct modem_rx rx;
	char l[MODEM_LINE_MAX];
	size_t at = 0, k;

	modem_rx_reset(&rx);
	out[0] = '\0';
	while (at < n) {
		k = n - at < chunk ? n - at : chunk;
		feed(&rx, s + at, k);
		at += k;
		while (modem_rx_line(&rx, l, sizeof l)) {
			if (out[0])
				strncat(out, "|", sizeof out - strlen(out) - 1);
			strncat(out, l, sizeof out - strlen(out) - 1);
		}
	}
	return out;
}

static void test_cutting(void)
{
	static const char ans[] = "\r\n+CMGS: 5\r\n\r\nOK\r\n";
	struct modem_rx rx;
	char l[MODEM_LINE_MAX], big[3000];
	size_t c;

	CHECK_STR("cut: whole", lines_of(ans, sizeof ans - 1, 100), "+CMGS: 5|OK");
	for (c = 1; c < 8; c++) {
		char name[64];
		snprintf(name, sizeof name, "cut: %zu bytes a read", c);
		CHECK_STR(name, lines_of(ans, sizeof ans - 1, c), "+CMGS: 5|OK");
	}
	CHECK_STR("cut: LF only, CR only", lines_of("OK\nERROR\rBUSY\n", 14, 3), "OK|ERROR|BUSY");
	CHECK_STR("cut: NULs and control bytes dropped",
		  lines_of("\0O\0K\x07\r\n\x01\x02\r\n", 11, 2), "OK");
	CHECK_STR("cut: DEL dropped, high bytes kept", lines_of("A\x7f\xc3\xa9\r\n", 6, 4), "A\xc3\xa9");

	/* an over-long line is cut to MODEM_LINE_MAX - 1, then the next is whole */
	memset(big, 'x', 2000);
	memcpy(big + 2000, "\r\nOK\r\n", 6);
	modem_rx_reset(&rx);
	feed(&rx, big, 2006);
	CHECK_INT("long line: one line", modem_rx_line(&rx, l, sizeof l), 1);
	CHECK_INT("long line: cut", (long)strlen(l), MODEM_LINE_MAX - 1);
	CHECK_INT("long line: then OK", modem_rx_line(&rx, l, sizeof l), 1);
	CHECK_STR("long line: OK intact", l, "OK");
	CHECK_INT("long line: nothing more", modem_rx_line(&rx, l, sizeof l), 0);

	/* a small output buffer cuts the copy, not the cutter */
	modem_rx_reset(&rx);
	feed(&rx, "+CMS ERROR: 500\r\n", 17);
	CHECK_INT("small buffer: a line", modem_rx_line(&rx, l, 5), 1);
	CHECK_STR("small buffer: cut copy", l, "+CMS");

	/* the prompt */
	modem_rx_reset(&rx);
	feed(&rx, "\r\n> ", 4);
	CHECK_INT("prompt: no line", modem_rx_line(&rx, l, sizeof l), 0);
	CHECK("prompt: seen", modem_rx_prompt(&rx));
	modem_rx_reset(&rx);
	feed(&rx, "\r\n>", 3);
	modem_rx_line(&rx, l, sizeof l);
	CHECK("prompt: '>' alone too", modem_rx_prompt(&rx));
	modem_rx_reset(&rx);
	feed(&rx, "> x", 3);
	modem_rx_line(&rx, l, sizeof l);
	CHECK("prompt: '> x' is not", !modem_rx_prompt(&rx));
	modem_rx_reset(&rx);
	feed(&rx, "OK", 2);
	modem_rx_line(&rx, l, sizeof l);
	CHECK("prompt: an unfinished OK is not", !modem_rx_prompt(&rx));
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static void test_garbage(void)
{
	struct modem_rx rx;
	char l[MODEM_LINE_MAX], chunk[700];
	long lines = 0, bad = 0, i, total = 0;
	size_t k, j;
	int code;

	modem_rx_reset(&rx);
	for (i = 0; i < 20000; i++) {
		size_t room;
		char *p = modem_rx_space(&rx, &room);

		k = rnd() % sizeof chunk;
		for (j = 0; j < k; j++) {
			uint32_t r = rnd();
			/* mostly printable, many line ends and NULs, some anything */
			chunk[j] = (char)(r % 7 == 0 ? '\r' : r % 11 == 0 ? '\0' :
					  r % 13 == 0 ? (char)(r >> 8) : (char)(0x20 + (r >> 8) % 95));
		}
		if (k > room)
			k = room;       /* what a read() into the room could bring */
		memcpy(p, chunk, k);
		modem_rx_added(&rx, k);
		total += (long)k;
		while (modem_rx_line(&rx, l, sizeof l)) {
			size_t n = strlen(l);
			lines++;
			if (n == 0 || n >= MODEM_LINE_MAX)
				bad++;
			for (j = 0; j < n; j++)
				if ((unsigned char)l[j] < 0x20 || l[j] == 0x7f)
					bad++;
			(void)modem_line_kind(l, &code);
			if (code < -1 || code > 100000)
				bad++;
		}
	}
	printf("INFO: garbage: %ld bytes, %ld lines\n", total, lines);
	CHECK("garbage: many lines cut", lines > 1000);
	CHECK_INT("garbage: every line non-empty, bounded, without control bytes", bad, 0);
	/* the module recovers: an answer after the garbage is understood */
	feed(&rx, "\r\n+CMS ERROR: 42\r\n", 18);
	while (modem_rx_line(&rx, l, sizeof l))
		if (modem_line_kind(l, &code) == ML_CMS)
			break;
	CHECK_INT("garbage: then +CMS ERROR: 42 understood", code, 42);
}

int main(void)
{
	test_kinds();
	test_cutting();
	test_garbage();
	TEST_DONE();
}
