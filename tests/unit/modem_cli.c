/*
 * modem_cli.c: drives the modem driver (drivers/io/modem.c) by lines on
 * stdin, for tests/e2e/t_modem.sh against the emulator (modemsim.py).
 * One handle for the whole run, so a test can unplug and re-plug the
 * emulator between commands and see the same handle recover.
 *
 *   modem_cli DEVICE [TIMEOUT_MS [PIN]]
 *
 * Commands, one per line:
 *   probe
 *   sms NUMBER TEXT...          (the rest of the line; "\n" is a newline)
 *   smsfile NUMBER PATH         (the text is the file's content)
 *   call NUMBER RING_S
 *   nettimeout MS               (how long AT+CMGS may take)
 *   quit
 * Each answers one line: "RESULT <name> <elapsed ms> <message>".
 * Built with the unit tests (mk/modem.mk), but not one of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "modem_int.h"

#define TEXT_MAX 8192

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "\n" in a command line's text stands for a newline */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*w++ = '\n';
			s++;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static int read_file(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, cap - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	static char line[TEXT_MAX], text[TEXT_MAX];
	struct modem_cfg cfg = { 0 };
	struct modem *m;
	char err[256], *cmd, *a1, *a2;
	enum modem_result r;
	long long t0;

	if (argc < 2) {
		fprintf(stderr, "usage: modem_cli DEVICE [TIMEOUT_MS [PIN]]\n");
		return 2;
	}
	cfg.device = argv[1];
	cfg.timeout_ms = argc > 2 ? atoi(argv[2]) : 0;
	cfg.pin = argc > 3 ? argv[3] : NULL;
	m = modem_new(&cfg);
	if (!m)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		cmd = strtok(line, " ");
		if (!cmd)
			continue;
		if (strcmp(cmd, "quit") == 0)
			break;
		a1 = strtok(NULL, " ");
		a2 = strtok(NULL, "");
		err[0] = '\0';
		t0 = now_ms();
		if (strcmp(cmd, "probe") == 0) {
			r = modem_probe(m, err, sizeof err);
		} else if (strcmp(cmd, "sms") == 0 && a1) {
			snprintf(text, sizeof text, "%s", a2 ? a2 : "");
			unescape(text);
			r = modem_send_sms(m, a1, text, err, sizeof err);
		} else if (strcmp(cmd, "smsfile") == 0 && a1 && a2) {
			if (read_file(a2, text, sizeof text) < 0) {
				printf("RESULT badfile 0 %s\n", a2);
				continue;
			}
			r = modem_send_sms(m, a1, text, err, sizeof err);
		} else if (strcmp(cmd, "call") == 0 && a1 && a2) {
			r = modem_call(m, a1, atoi(a2), err, sizeof err);
		} else if (strcmp(cmd, "nettimeout") == 0 && a1) {
			modem_set_network_timeout(m, atoi(a1));
			printf("RESULT ok 0 set\n");
			continue;
		} else {
			printf("RESULT usage 0 %s\n", cmd);
			continue;
		}
		printf("RESULT %s %lld %s\n", modem_result_name(r), now_ms() - t0, err);
	}
	modem_free(m);
	return 0;
}
