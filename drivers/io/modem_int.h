/*
 * modem_int.h: the modem driver's inside, shared by its three files and
 * their tests (docs/modem.md).  modem_pdu.c turns a number and UTF-8 text
 * into SMS-SUBMIT PDUs (pure); modem_at.c splits what the module says into
 * lines and names each (pure); modem.c owns the port and the dialogue.
 * Nothing outside drivers/io and the tests includes this.
 */
#ifndef HAZARDD_MODEM_INT_H
#define HAZARDD_MODEM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "modem.h"

/* ------------------------------------------------------------ modem_pdu.c */

/* An alert longer than this many parts is refused, not sent: ten parts
 * (about 670 Chinese characters) is far beyond any alert template, and a
 * runaway text must not flood a phone or the SIM's credit. */
#define MODEM_SMS_MAX_PARTS 10
/* Digits in a number (3GPP TS 23.040 allows 20 in TP-DA). */
#define MODEM_NUMBER_MAX    20
/* SMSC "00" + TPDU of at most 1+1+12+1+1+1+1+140 octets, in hex. */
#define MODEM_PDU_HEX_MAX   (2 * (1 + 158) + 1)
/* TP-VP relative: 167 = 24 hours (TS 23.040 9.2.3.12.1); an alert that
 * could not be delivered within a day is stale.  -1: no TP-VP at all. */
#define MODEM_VP_DEFAULT    167

struct modem_pdu_part {
	int  tpdu_len;                  /* octets after the SMSC field: AT+CMGS=<n> */
	char hex[MODEM_PDU_HEX_MAX];    /* "00" (the SIM's SMSC) + TPDU, upper case */
};

/* number ("+8613800000000", "13800000000"; spaces and '-' between digits
 * are dropped) to "+digits" or "digits" in out; -1 when it is not one. */
int modem_number_norm(const char *number, char *out, size_t outlen);

/* TP-DA for a normalized number: length in digits, type (0x91
 * international, 0x81 otherwise), semi-octets with an F pad.  Octets
 * written to out (at most 12), or -1. */
int modem_pdu_address(const char *number, uint8_t *out, size_t outlen);

/* Is every character of utf8 in the GSM 7-bit default alphabet (basic
 * table or its escape table)?  -1 when utf8 is not valid UTF-8. */
int modem_pdu_is_gsm7(const char *utf8);

/*
 * The SMS-SUBMIT PDUs for utf8 to number: GSM 7-bit when every character
 * has a septet, otherwise UCS-2 (UTF-16BE, surrogate pairs beyond the
 * BMP); one part up to 160 septets / 70 units, else parts of 153 / 67
 * with a UDH (00 03 ref total seq), never splitting an escape sequence or
 * a surrogate pair.  vp: TP-VP relative octet, or -1 for none.  The number
 * of parts written, or -1 with err (bad number, invalid UTF-8, empty,
 * more than max_parts parts).
 */
int modem_pdu_sms(const char *number, const char *utf8, int vp, unsigned ref,
		  struct modem_pdu_part *parts, int max_parts, char *err, size_t errlen);

/* ------------------------------------------------------------- modem_at.c */

/* A line the module sends is rarely over 100 bytes; a longer one is kept
 * cut to this and the rest of it dropped. */
#define MODEM_LINE_MAX 256

/* What the module said on one line. */
enum modem_line {
	ML_INFO = 0,            /* anything else: an answer's data (+CPIN: READY) */
	ML_OK,
	ML_ERROR,               /* plain ERROR */
	ML_CME,                 /* +CME ERROR: n (code, or -1 when text) */
	ML_CMS,                 /* +CMS ERROR: n */
	ML_CMGS,                /* +CMGS: mr */
	ML_CONNECT,             /* CONNECT (data; a voice answer on a few modules) */
	ML_NO_CARRIER,
	ML_BUSY,
	ML_NO_ANSWER,
	ML_NO_DIALTONE,         /* NO DIALTONE / NO DIAL TONE */
	ML_RING,                /* an incoming call: ignored */
	ML_CALL_UP,             /* the callee answered: ^CONN, +COLP, VOICE CALL: BEGIN */
	ML_CALL_END,            /* the call ended: ^CEND, VOICE CALL: END */
	ML_UNSOL,               /* status noise to ignore: +CREG, ^RSSI, RDY, ... */
	ML_ECHO,                /* our own command echoed back (before ATE0 took) */
};

enum modem_line modem_line_kind(const char *line, int *code);
/* "ok", "error", ... for messages. */
const char *modem_line_name(enum modem_line k);

/* Bytes from the port, cut into lines.  CR and LF end a line, empty lines
 * vanish, NULs and other control bytes are dropped, an over-long line is
 * cut.  The "> " prompt of AT+CMGS has no line end: modem_rx_prompt says
 * the unfinished line is it. */
struct modem_rx {
	char   raw[512];
	size_t rlen, rpos;              /* raw[rpos..rlen): read, not yet cut */
	char   line[MODEM_LINE_MAX];
	size_t llen;                    /* bytes in line (unfinished) */
	bool   cut;                     /* line is over-long: drop until its end */
};

void modem_rx_reset(struct modem_rx *rx);
/* Room for bytes: where to read into, and how many (never 0: the cutter
 * consumes what it has first). */
char *modem_rx_space(struct modem_rx *rx, size_t *room);
/* n bytes were read into modem_rx_space. */
void modem_rx_added(struct modem_rx *rx, size_t n);
/* The next whole line into out (NUL-terminated): 1, or 0 when none is
 * complete yet (everything read was consumed). */
int modem_rx_line(struct modem_rx *rx, char *out, size_t outlen);
/* After modem_rx_line returned 0: is the unfinished line the prompt? */
bool modem_rx_prompt(const struct modem_rx *rx);

/* --------------------------------------------------------------- modem.c */

/* How long AT+CMGS may take for the network to accept a part (60 s) and
 * ATH; tests shorten it.  ms <= 0 restores the default. */
void modem_set_network_timeout(struct modem *m, int ms);

#endif
