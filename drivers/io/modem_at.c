/*
 * modem_at.c: what a 4G module says, cut into lines and named (pure; the
 * port itself is modem.c's).
 *
 * Modules mix the answer to our command with unsolicited status lines
 * (+CREG, ^RSSI, RDY after a reset, RING), echo our commands until ATE0
 * takes, and send garbage on a baud mismatch or while booting.  So every
 * line is named, the driver waits for the kinds that end its command and
 * ignores the rest, and the cutter never trusts the bytes: NULs and
 * control bytes are dropped, an over-long line is cut, the buffer never
 * overflows.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "modem_int.h"

void modem_rx_reset(struct modem_rx *rx)
{
	rx->rlen = rx->rpos = 0;
	rx->llen = 0;
	rx->cut = false;
}

char *modem_rx_space(struct modem_rx *rx, size_t *room)
{
	if (rx->rpos == rx->rlen)
		rx->rpos = rx->rlen = 0;
	if (rx->rlen == sizeof rx->raw && rx->rpos > 0) {
		memmove(rx->raw, rx->raw + rx->rpos, rx->rlen - rx->rpos);
		rx->rlen -= rx->rpos;
		rx->rpos = 0;
	}
	*room = sizeof rx->raw - rx->rlen;
	return rx->raw + rx->rlen;
}

void modem_rx_added(struct modem_rx *rx, size_t n)
{
	if (n > sizeof rx->raw - rx->rlen)
		n = sizeof rx->raw - rx->rlen;
	rx->rlen += n;
}

int modem_rx_line(struct modem_rx *rx, char *out, size_t outlen)
{
	while (rx->rpos < rx->rlen) {
		unsigned char c = (unsigned char)rx->raw[rx->rpos++];

		if (c == '\r' || c == '\n') {
			bool had = rx->llen > 0;
			size_t n = rx->llen < outlen ? rx->llen : outlen - 1;

			rx->cut = false;
			rx->llen = 0;
			if (!had || outlen == 0)
				continue;       /* the empty line of "\r\n" pairs */
			memcpy(out, rx->line, n);
			out[n] = '\0';
			return 1;
		}
		if (c < 0x20 || c == 0x7F)
			continue;               /* NUL, noise: never part of an answer */
		if (rx->llen >= sizeof rx->line - 1) {
			rx->cut = true;         /* keep the head, drop the rest */
			continue;
		}
		rx->line[rx->llen++] = (char)c;
	}
	return 0;
}

bool modem_rx_prompt(const struct modem_rx *rx)
{
	return !rx->cut && ((rx->llen == 1 && rx->line[0] == '>') ||
			    (rx->llen == 2 && rx->line[0] == '>' && rx->line[1] == ' '));
}

/* ------------------------------------------------------------ naming */

static bool starts(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The number after "PREFIX", or -1 when what follows is text (CMEE=2). */
static int code_after(const char *s)
{
	char *end;
	long v;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	return v >= 0 && v <= 100000 ? (int)v : -1;
}

/* Lines that only report status; ignored wherever they come. */
static const char *const unsolicited[] = {
	"+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:", "+CMTI:", "+CDSI:", "+CDS:",
	"+CBM:", "+CMT:", "+CUSD:", "+CIEV:", "+CTZV:", "+CTZE:", "+NITZ",
	"+QIND:", "+QUSIM:", "+CRING:", "+CLIP:", "+CCWA:",
	"+PACSP", "+CGEV:", "+STIN:", "+QNITZ:", "*PSUTTZ:", "DST:", "SMS DONE",
	"PB DONE", "CALL READY", "SMS READY", "RDY", "+CFUN:", "^RSSI:", "^HCSQ:",
	"^MODE:", "^BOOT:", "^SRVST:", "^SIMST:", "^SYSSTART", "^STIN:",
	"^DSFLOWRPT:", "^NDISSTAT:", "^ORIG:", "^CONF:", "+CLCC:", "MISSED_CALL:",
};

enum modem_line modem_line_kind(const char *line, int *code)
{
	size_t i;

	if (code)
		*code = -1;
	if (strcasecmp(line, "OK") == 0)
		return ML_OK;
	if (strcasecmp(line, "ERROR") == 0)
		return ML_ERROR;
	if (starts(line, "+CME ERROR:")) {
		if (code)
			*code = code_after(line + 11);
		return ML_CME;
	}
	if (starts(line, "+CMS ERROR:")) {
		if (code)
			*code = code_after(line + 11);
		return ML_CMS;
	}
	if (starts(line, "+CMGS:")) {
		if (code)
			*code = code_after(line + 6);
		return ML_CMGS;
	}
	if (strcasecmp(line, "NO CARRIER") == 0)
		return ML_NO_CARRIER;
	if (strcasecmp(line, "BUSY") == 0)
		return ML_BUSY;
	if (strcasecmp(line, "NO ANSWER") == 0)
		return ML_NO_ANSWER;
	if (strcasecmp(line, "NO DIALTONE") == 0 || strcasecmp(line, "NO DIAL TONE") == 0)
		return ML_NO_DIALTONE;
	if (strcasecmp(line, "RING") == 0)
		return ML_RING;
	if (starts(line, "CONNECT"))
		return ML_CONNECT;
	if (starts(line, "^CONN:") || starts(line, "+COLP:") ||
	    strcasecmp(line, "VOICE CALL: BEGIN") == 0)
		return ML_CALL_UP;
	if (starts(line, "^CEND:") || starts(line, "VOICE CALL: END"))
		return ML_CALL_END;
	if (starts(line, "AT"))
		return ML_ECHO;
	for (i = 0; i < sizeof unsolicited / sizeof unsolicited[0]; i++)
		if (starts(line, unsolicited[i]))
			return ML_UNSOL;
	return ML_INFO;
}

const char *modem_line_name(enum modem_line k)
{
	switch (k) {
	case ML_INFO:        return "info";
	case ML_OK:          return "OK";
	case ML_ERROR:       return "ERROR";
	case ML_CME:         return "+CME ERROR";
	case ML_CMS:         return "+CMS ERROR";
	case ML_CMGS:        return "+CMGS";
	case ML_CONNECT:     return "CONNECT";
	case ML_NO_CARRIER:  return "NO CARRIER";
	case ML_BUSY:        return "BUSY";
	case ML_NO_ANSWER:   return "NO ANSWER";
	case ML_NO_DIALTONE: return "NO DIALTONE";
	case ML_RING:        return "RING";
	case ML_CALL_UP:     return "call up";
	case ML_CALL_END:    return "call end";
	case ML_UNSOL:       return "unsolicited";
	case ML_ECHO:        return "echo";
	}
	return "?";
}
