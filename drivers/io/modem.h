/*
 * modem.h: a 4G/LTE module's AT-command port, for alerts that must reach a
 * person when the internet link is the thing that failed (docs/alerts.md).
 *
 * Every call blocks for a bounded time (the timeouts below) and is made
 * from the alert sender's own thread, never from the event loop.  One
 * struct modem is used by one thread at a time.  The port is opened on the
 * first call and re-opened on a later call after it vanished (a module
 * unplugged and plugged back), so no restart is needed.
 */
#ifndef HAZARDD_MODEM_H
#define HAZARDD_MODEM_H

#include <stddef.h>

struct modem_cfg {
	const char *device;     /* e.g. "/dev/ttyUSB2" */
	int         baud;       /* 0: 115200 */
	const char *pin;        /* SIM PIN, or NULL/"" */
	int         timeout_ms; /* one AT command's answer; 0: 5000 */
};

enum modem_result {
	MODEM_OK = 0,
	MODEM_ERR_OPEN,         /* the port cannot be opened (absent, unplugged) */
	MODEM_ERR_TIMEOUT,      /* the module did not answer in time */
	MODEM_ERR_CMS,          /* +CMS ERROR: n (SMS refused by module/network) */
	MODEM_ERR_CME,          /* +CME ERROR: n, or a plain ERROR */
	MODEM_BUSY,             /* voice: BUSY */
	MODEM_NO_CARRIER,       /* voice: NO CARRIER (rejected, or hung up) */
	MODEM_NO_ANSWER,        /* voice: NO ANSWER */
	MODEM_ERR_INVALID,      /* bad number or text (not sent) */
};

struct modem;

/* A handle on cfg (copied); NULL only when out of memory.  Opens nothing. */
struct modem *modem_new(const struct modem_cfg *cfg);
void modem_free(struct modem *m);

/* Send utf8 to number ("+8613800000000" or national digits) as SMS in PDU
 * mode: GSM 7-bit when every character has one, otherwise UCS-2; split into
 * concatenated parts (UDH) when longer than one.  MODEM_OK when every part
 * had its +CMGS; otherwise the first failure, with err saying which part
 * and what the module answered. */
enum modem_result modem_send_sms(struct modem *m, const char *number, const char *utf8,
				 char *err, size_t errlen);

/* Voice alert: dial number, let it ring ring_s seconds (or until answered,
 * then hang up after ring_s), hang up.  MODEM_OK when the call was placed
 * and rang or was answered; BUSY / NO CARRIER / NO ANSWER as the module
 * said. */
enum modem_result modem_call(struct modem *m, const char *number, int ring_s,
			     char *err, size_t errlen);

/* Health: "AT" answered with OK (opening the port if needed). */
enum modem_result modem_probe(struct modem *m, char *err, size_t errlen);

/* A result's name for logs and the timeline: "ok", "open", "timeout", ... */
const char *modem_result_name(enum modem_result r);

#endif
