/*
 * modem.c: a 4G module's AT port for SMS and voice alerts (modem.h,
 * docs/modem.md).  The port, its set-up and the dialogue; PDUs are
 * modem_pdu.c's, line cutting and naming modem_at.c's.
 *
 * Every wait is a poll() against a deadline, so no call blocks longer
 * than its timeouts even when the module sends nothing or garbage.  The
 * port is opened lazily and closed on anything that leaves its state
 * unknown (a timeout, EIO, a hang-up): the next call opens it again and
 * repeats the set-up, which is what makes an unplugged and re-plugged
 * module (a new tty behind the same path) work without a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"
#include "modem_int.h"

#define MODEM_TIMEOUT_DEFAULT_MS 5000
#define MODEM_NET_TIMEOUT_MS     60000  /* AT+CMGS: the network's answer */
#define MODEM_PIN_MAX            16
#define MODEM_RING_MAX_S         300

struct modem {
	char     device[PATH_MAX_HZ];
	int      baud;
	char     pin[MODEM_PIN_MAX];
	int      timeout_ms;
	int      net_ms;
	int      fd;                    /* -1: closed, opened on the next call */
	bool     pin_refused;           /* never offer a refused PIN again */
	unsigned ref;                   /* concatenated-SMS reference, per message */
	struct modem_rx rx;
};

/* Durations only, from the kernel's monotonic clock: the lib's clock can
 * be replaced by tests of other parts, but a real port's real timeouts
 * must not follow it. */
static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

struct modem *modem_new(const struct modem_cfg *cfg)
{
	struct modem *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	snprintf(m->device, sizeof m->device, "%s", cfg && cfg->device ? cfg->device : "");
	m->baud = cfg && cfg->baud > 0 ? cfg->baud : 115200;
	snprintf(m->pin, sizeof m->pin, "%s", cfg && cfg->pin ? cfg->pin : "");
	m->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : MODEM_TIMEOUT_DEFAULT_MS;
	m->net_ms = MODEM_NET_TIMEOUT_MS;
	m->fd = -1;
	/* a restart must not reuse the last message's reference at once: a
	 * phone still holding its parts would join them with the new ones */
	m->ref = (unsigned)(time(NULL) ^ getpid());
	modem_rx_reset(&m->rx);
	return m;
}

static void port_close(struct modem *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	modem_rx_reset(&m->rx);
}

void modem_free(struct modem *m)
{
	if (!m)
		return;
	port_close(m);
	free(m);
}

void modem_set_network_timeout(struct modem *m, int ms)
{
	m->net_ms = ms > 0 ? ms : MODEM_NET_TIMEOUT_MS;
}

const char *modem_result_name(enum modem_result r)
{
	switch (r) {
	case MODEM_OK:          return "ok";
	case MODEM_ERR_OPEN:    return "open";
	case MODEM_ERR_TIMEOUT: return "timeout";
	case MODEM_ERR_CMS:     return "cms";
	case MODEM_ERR_CME:     return "cme";
	case MODEM_BUSY:        return "busy";
	case MODEM_NO_CARRIER:  return "no_carrier";
	case MODEM_NO_ANSWER:   return "no_answer";
	case MODEM_ERR_INVALID: return "invalid";
	}
	return "unknown";
}

/* ------------------------------------------------------------ the port */

static speed_t baud_speed(int baud)
{
	static const struct { int baud; speed_t speed; } tab[] = {
		{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
		{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
		{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
		{ 921600, B921600 }, { 1000000, B1000000 }, { 2000000, B2000000 },
		{ 3000000, B3000000 }, { 4000000, B4000000 },
	};
	size_t i;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (tab[i].baud == baud)
			return tab[i].speed;
	return B0;
}

/* Open the tty raw at the configured speed.  0, or -1 with err. */
static int port_open(struct modem *m, char *err, size_t errlen)
{
	struct termios t;
	speed_t sp = baud_speed(m->baud);
	int fd;

	if (!m->device[0]) {
		snprintf(err, errlen, "no modem device configured");
		return -1;
	}
	if (sp == B0) {
		snprintf(err, errlen, "baud %d is not supported", m->baud);
		return -1;
	}
	fd = open(m->device, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", m->device, strerror(errno));
		return -1;
	}
	/* one user of a port at a time: two handles (or two processes) on
	 * it would interleave their commands and take each other's answers */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "%s: in use by another handle or process (%s)", m->device,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (tcgetattr(fd, &t) < 0) {
		snprintf(err, errlen, "%s: not a serial port (%s)", m->device, strerror(errno));
		close(fd);
		return -1;
	}
	cfmakeraw(&t);
	/* local line, no modem-control hang-up on close: closing to re-open
	 * must not drop DTR, which resets some modules */
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(tcflag_t)(HUPCL | CRTSCTS);
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
	/* VMIN 1 with O_NONBLOCK: no data is EAGAIN, so a read of 0 bytes
	 * means a hang-up (with VMIN 0 it would also mean "nothing yet") */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, sp);
	cfsetospeed(&t, sp);
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		snprintf(err, errlen, "%s: cannot set raw mode (%s)", m->device, strerror(errno));
		close(fd);
		return -1;
	}
	tcflush(fd, TCIOFLUSH);
	m->fd = fd;
	modem_rx_reset(&m->rx);
	return 0;
}

/* A port whose other end went away (USB unplugged, pty master closed)
 * reports a hang-up at once; an open fd on it is useless for good. */
static bool port_stale(struct modem *m)
{
	struct pollfd p = { .fd = m->fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

enum io_rc { IO_LINE = 1, IO_PROMPT, IO_TIMEOUT, IO_GONE };

/* The next line (or, when want_prompt, the "> " prompt) before deadline. */
static enum io_rc read_line(struct modem *m, char *line, size_t cap, int64_t deadline,
			    bool want_prompt, int *err_no)
{
	for (;;) {
		struct pollfd p = { .fd = m->fd, .events = POLLIN };
		int64_t left;
		size_t room;
		char *buf;
		ssize_t n;

		if (modem_rx_line(&m->rx, line, cap))
			return IO_LINE;
		if (want_prompt && modem_rx_prompt(&m->rx)) {
			m->rx.llen = 0;
			return IO_PROMPT;
		}
		left = deadline - mono_ms();
		if (left <= 0)
			return IO_TIMEOUT;
		n = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (n < 0 && errno != EINTR) {
			*err_no = errno;
			return IO_GONE;
		}
		if (n <= 0)
			continue;
		if ((p.revents & (POLLERR | POLLNVAL)) ||
		    ((p.revents & POLLHUP) && !(p.revents & POLLIN))) {
			*err_no = EIO;
			return IO_GONE;
		}
		buf = modem_rx_space(&m->rx, &room);
		n = read(m->fd, buf, room);
		if (n > 0) {
			modem_rx_added(&m->rx, (size_t)n);
		} else if (n == 0) {
			*err_no = EIO;          /* end of file on a tty: hung up */
			return IO_GONE;
		} else if (errno != EAGAIN && errno != EINTR) {
			*err_no = errno;
			return IO_GONE;
		}
	}
}

static enum io_rc write_all(struct modem *m, const char *s, size_t n, int64_t deadline,
			    int *err_no)
{
	while (n > 0) {
		struct pollfd p = { .fd = m->fd, .events = POLLOUT };
		int64_t left = deadline - mono_ms();
		ssize_t w;

		if (left <= 0)
			return IO_TIMEOUT;
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) <= 0)
			continue;
		if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) {
			*err_no = EIO;
			return IO_GONE;
		}
		w = write(m->fd, s, n);
		if (w > 0) {
			s += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
			*err_no = errno;
			return IO_GONE;
		}
	}
	return IO_LINE;
}

/* ------------------------------------------------------------ commands */

/* One command's outcome: the final line's kind (or io failure). */
struct at_answer {
	enum io_rc     io;              /* IO_LINE when a final line came */
	enum modem_line final;
	int            code;            /* +CME/+CMS ERROR n, +CMGS mr */
	const char    *want;            /* keep the data line with this prefix */
	char           info[MODEM_LINE_MAX];  /* that line, or the first one */
	char           last[MODEM_LINE_MAX];  /* the final line as said */
	int            err_no;
};

/* The lines that end a command other than ATD.  A call's results (BUSY,
 * NO CARRIER, ...) are not among them: one that comes late, after the
 * call was hung up, must not pass for the next command's answer. */
static bool is_final(enum modem_line k)
{
	return k == ML_OK || k == ML_ERROR || k == ML_CME || k == ML_CMS;
}

/* Wait for the final line before deadline, keeping the first data line. */
static void at_wait(struct modem *m, int64_t deadline, struct at_answer *a)
{
	char line[MODEM_LINE_MAX];
	enum modem_line k;
	int code;

	for (;;) {
		a->io = read_line(m, line, sizeof line, deadline, false, &a->err_no);
		if (a->io != IO_LINE)
			return;
		k = modem_line_kind(line, &code);
		if (k == ML_CMGS) {
			a->code = code;
			snprintf(a->info, sizeof a->info, "%s", line);
		} else if (k == ML_INFO && (a->want ? strncmp(line, a->want, strlen(a->want)) == 0
						    : !a->info[0])) {
			/* a prefix, since junk from a module's boot may come first */
			snprintf(a->info, sizeof a->info, "%s", line);
		} else if (is_final(k)) {
			a->final = k;
			if (k != ML_OK)
				a->code = code;
			snprintf(a->last, sizeof a->last, "%s", line);
			return;
		}
		/* echo, unsolicited status, RING: not ours */
	}
}

/* Send cmd (without CR) and wait timeout_ms for its final line; want:
 * the prefix of the data line to keep, or NULL for the first. */
static void at_query(struct modem *m, const char *cmd, const char *want, int timeout_ms,
		     struct at_answer *a)
{
	char buf[MODEM_LINE_MAX];
	int64_t deadline = mono_ms() + timeout_ms;
	int n;

	memset(a, 0, sizeof *a);
	a->code = -1;
	a->want = want;
	n = snprintf(buf, sizeof buf, "%s\r", cmd);
	a->io = write_all(m, buf, (size_t)n, deadline, &a->err_no);
	if (a->io == IO_LINE)
		at_wait(m, deadline, a);
}

static void at_cmd(struct modem *m, const char *cmd, int timeout_ms, struct at_answer *a)
{
	at_query(m, cmd, NULL, timeout_ms, a);
}

/* A failed exchange as a result and a message; the port is closed when
 * its state is unknown, to be opened afresh by the next call. */
static enum modem_result at_fail(struct modem *m, const char *what, const struct at_answer *a,
				 int timeout_ms, char *err, size_t errlen)
{
	if (a->io == IO_TIMEOUT) {
		snprintf(err, errlen, "%s: no answer within %d ms", what, timeout_ms);
		port_close(m);
		return MODEM_ERR_TIMEOUT;
	}
	if (a->io == IO_GONE) {
		snprintf(err, errlen, "%s: %s: %s", what, m->device, strerror(a->err_no));
		port_close(m);
		return MODEM_ERR_OPEN;
	}
	snprintf(err, errlen, "%s: %s", what, a->last[0] ? a->last : modem_line_name(a->final));
	switch (a->final) {
	case ML_CMS:         return MODEM_ERR_CMS;
	case ML_BUSY:        return MODEM_BUSY;
	case ML_NO_ANSWER:   return MODEM_NO_ANSWER;
	case ML_NO_CARRIER:
	case ML_NO_DIALTONE: return MODEM_NO_CARRIER;
	default:             return MODEM_ERR_CME;
	}
}

/* ------------------------------------------------------------ set-up */

/* A SIM PIN is 4 to 8 digits; anything else (a quote, a CR) would also
 * end the command early and say something else to the module. */
static bool pin_plausible(const char *pin)
{
	size_t n = strlen(pin);

	return n >= 4 && n <= 8 && strspn(pin, "0123456789") == n;
}

/* The SIM: ready, or unlocked with the configured PIN (once: a PIN the
 * SIM refused is never offered again by this handle, since three wrong
 * tries lock the SIM behind its PUK). */
static enum modem_result sim_ready(struct modem *m, char *err, size_t errlen)
{
	struct at_answer a;
	char cmd[MODEM_PIN_MAX + 16];
	bool pin_sent = false;
	int tries;

	for (tries = 0; tries < 10; tries++) {
		at_query(m, "AT+CPIN?", "+CPIN:", m->timeout_ms, &a);
		if (a.io != IO_LINE)
			return at_fail(m, "AT+CPIN?", &a, m->timeout_ms, err, errlen);
		if (a.final == ML_OK && strstr(a.info, "READY"))
			return MODEM_OK;
		if (a.final == ML_CME && (a.code == 14 || strstr(a.last, "busy"))) {
			sleep_ms(500);  /* SIM busy: still starting after power-up or a PIN */
			continue;
		}
		if (a.final != ML_OK)
			return at_fail(m, "AT+CPIN? (SIM)", &a, m->timeout_ms, err, errlen);
		if (!a.info[0]) {
			sleep_ms(200);  /* an OK without +CPIN: not ours, ask again */
			continue;
		}
		if (strstr(a.info, "PUK")) {
			snprintf(err, errlen, "SIM locked: %s (needs its PUK)", a.info);
			return MODEM_ERR_CME;
		}
		if (!strstr(a.info, "SIM PIN")) {
			snprintf(err, errlen, "SIM not ready: %s", a.info);
			return MODEM_ERR_CME;
		}
		if (pin_sent) {         /* PIN accepted, SIM still starting */
			sleep_ms(500);
			continue;
		}
		if (!m->pin[0]) {
			snprintf(err, errlen, "SIM wants a PIN and none is configured");
			return MODEM_ERR_CME;
		}
		if (m->pin_refused) {
			snprintf(err, errlen, "SIM wants a PIN; the configured one was refused "
				 "and is not tried again");
			return MODEM_ERR_CME;
		}
		if (!pin_plausible(m->pin)) {
			snprintf(err, errlen, "SIM wants a PIN; the configured one is not 4 to 8 "
				 "digits and is not sent");
			return MODEM_ERR_CME;
		}
		snprintf(cmd, sizeof cmd, "AT+CPIN=\"%s\"", m->pin);
		pin_sent = true;
		at_cmd(m, cmd, m->timeout_ms, &a);
		if (a.io != IO_LINE)
			return at_fail(m, "AT+CPIN=<pin>", &a, m->timeout_ms, err, errlen);
		if (a.final != ML_OK) {
			m->pin_refused = true;
			return at_fail(m, "AT+CPIN=<pin> refused", &a, m->timeout_ms, err, errlen);
		}
	}
	snprintf(err, errlen, "SIM not ready after its PIN");
	return MODEM_ERR_CME;
}

/* Read and drop what the module says until it has been quiet for
 * quiet_ms (at most max_ms): the answers to whatever came before us. */
static void drain(struct modem *m, int quiet_ms, int max_ms)
{
	int64_t end = mono_ms() + max_ms;
	char line[MODEM_LINE_MAX];
	int dummy;

	while (mono_ms() < end) {
		int64_t until = mono_ms() + quiet_ms;
		if (until > end)
			until = end;
		if (read_line(m, line, sizeof line, until, false, &dummy) != IO_LINE)
			break;
	}
	tcflush(m->fd, TCIFLUSH);
	modem_rx_reset(&m->rx);
}

/* Between calls the port is idle: whatever waits in it is stale (RING,
 * a late NO CARRIER, status lines) and must not be read as an answer. */
static void forget_pending(struct modem *m)
{
	tcflush(m->fd, TCIFLUSH);
	modem_rx_reset(&m->rx);
}

/* ATE0, AT+CMEE=1, the SIM, AT+CMGF=0 on a freshly opened port. */
static enum modem_result modem_setup(struct modem *m, char *err, size_t errlen)
{
	struct at_answer a;
	enum modem_result r;
	int i, dummy;

	/* ESC first: a module left at AT+CMGS's prompt (by a process that
	 * died mid-message) would take our commands as PDU text */
	if (write_all(m, "\x1b\r", 2, mono_ms() + m->timeout_ms, &dummy) != IO_LINE) {
		snprintf(err, errlen, "%s: cannot write", m->device);
		port_close(m);
		return MODEM_ERR_OPEN;
	}
	drain(m, 100, 500);
	/* twice: the first may meet what is left of a half-typed line */
	for (i = 0; i < 2; i++) {
		at_cmd(m, "ATE0", m->timeout_ms, &a);
		if (a.io != IO_LINE || a.final == ML_OK)
			break;
	}
	if (a.io != IO_LINE || a.final != ML_OK)
		return at_fail(m, "ATE0", &a, m->timeout_ms, err, errlen);
	/* numeric +CME ERROR codes; a module without it still says ERROR */
	at_cmd(m, "AT+CMEE=1", m->timeout_ms, &a);
	if (a.io != IO_LINE)
		return at_fail(m, "AT+CMEE=1", &a, m->timeout_ms, err, errlen);
	r = sim_ready(m, err, errlen);
	if (r != MODEM_OK)
		return r;
	at_cmd(m, "AT+CMGF=0", m->timeout_ms, &a);
	if (a.io != IO_LINE || a.final != ML_OK)
		return at_fail(m, "AT+CMGF=0 (PDU mode)", &a, m->timeout_ms, err, errlen);
	return MODEM_OK;
}

/* The port open and set up, re-opened when it went away since. */
static enum modem_result modem_ready(struct modem *m, char *err, size_t errlen)
{
	enum modem_result r;

	if (m->fd >= 0 && port_stale(m))
		port_close(m);
	if (m->fd >= 0) {
		forget_pending(m);
		return MODEM_OK;
	}
	if (port_open(m, err, errlen) < 0)
		return MODEM_ERR_OPEN;
	r = modem_setup(m, err, errlen);
	if (r != MODEM_OK)
		port_close(m);
	return r;
}

/* ------------------------------------------------------------ the calls */

enum modem_result modem_probe(struct modem *m, char *err, size_t errlen)
{
	struct at_answer a;
	enum modem_result r;
	char own[MODEM_LINE_MAX];

	if (!err || errlen == 0)
		err = own, errlen = sizeof own;
	err[0] = '\0';
	r = modem_ready(m, err, errlen);
	if (r != MODEM_OK)
		return r;
	at_cmd(m, "AT", m->timeout_ms, &a);
	if (a.io != IO_LINE || a.final != ML_OK)
		return at_fail(m, "AT", &a, m->timeout_ms, err, errlen);
	return MODEM_OK;
}

/* One PDU: AT+CMGS=<len>, the prompt, the hex and Ctrl-Z, +CMGS. */
static enum modem_result sms_part(struct modem *m, const struct modem_pdu_part *p,
				  const char *what, char *err, size_t errlen)
{
	char cmd[32], line[MODEM_LINE_MAX];
	struct at_answer a;
	int64_t deadline = mono_ms() + m->timeout_ms;
	enum modem_line k;
	int code, n;

	memset(&a, 0, sizeof a);
	a.code = -1;
	n = snprintf(cmd, sizeof cmd, "AT+CMGS=%d\r", p->tpdu_len);
	a.io = write_all(m, cmd, (size_t)n, deadline, &a.err_no);
	/* the prompt, or an error instead of it */
	while (a.io == IO_LINE) {
		a.io = read_line(m, line, sizeof line, deadline, true, &a.err_no);
		if (a.io != IO_LINE)
			break;
		k = modem_line_kind(line, &code);
		if (is_final(k)) {
			a.final = k;
			a.code = code;
			snprintf(a.last, sizeof a.last, "%s", line);
			return at_fail(m, what, &a, m->timeout_ms, err, errlen);
		}
	}
	if (a.io != IO_PROMPT) {
		/* leave the prompt, if it came late; nothing to do if this
		 * fails, the port is closed next */
		if (a.io == IO_TIMEOUT && m->fd >= 0 && write(m->fd, "\x1b", 1) < 0)
			a.err_no = errno;
		return at_fail(m, what, &a, m->timeout_ms, err, errlen);
	}
	deadline = mono_ms() + m->net_ms;
	a.io = write_all(m, p->hex, strlen(p->hex), deadline, &a.err_no);
	if (a.io == IO_LINE)
		a.io = write_all(m, "\x1a", 1, deadline, &a.err_no);
	if (a.io == IO_LINE)
		at_wait(m, deadline, &a);
	if (a.io != IO_LINE || a.final != ML_OK)
		return at_fail(m, what, &a, m->net_ms, err, errlen);
	return MODEM_OK;
}

enum modem_result modem_send_sms(struct modem *m, const char *number, const char *utf8,
				 char *err, size_t errlen)
{
	struct modem_pdu_part parts[MODEM_SMS_MAX_PARTS];
	enum modem_result r;
	struct at_answer a;
	char what[64], own[MODEM_LINE_MAX];
	int n, i;

	if (!err || errlen == 0)
		err = own, errlen = sizeof own;
	err[0] = '\0';
	n = modem_pdu_sms(number, utf8, MODEM_VP_DEFAULT, m->ref++ & 0xFF, parts,
			  MODEM_SMS_MAX_PARTS, err, errlen);
	if (n < 0)
		return MODEM_ERR_INVALID;
	r = modem_ready(m, err, errlen);
	if (r != MODEM_OK)
		return r;
	/* PDU mode again: a module that reset itself behind an open port
	 * (wired by UART, no re-plug to notice) is back in its default mode,
	 * and text mode would take AT+CMGS=<n> for a phone number */
	at_cmd(m, "AT+CMGF=0", m->timeout_ms, &a);
	if (a.io != IO_LINE || a.final != ML_OK)
		return at_fail(m, "AT+CMGF=0 (PDU mode)", &a, m->timeout_ms, err, errlen);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof what, "part %d/%d", i + 1, n);
		r = sms_part(m, &parts[i], what, err, errlen);
		if (r != MODEM_OK)
			return r;
	}
	return MODEM_OK;
}

/* ATH, or AT+CHUP on modules whose ATH does not end a voice call. */
static enum modem_result hang_up(struct modem *m, char *err, size_t errlen)
{
	struct at_answer a;

	at_cmd(m, "ATH", m->timeout_ms, &a);
	if (a.io == IO_LINE && a.final == ML_OK)
		return MODEM_OK;
	if (a.io != IO_LINE)
		return at_fail(m, "ATH", &a, m->timeout_ms, err, errlen);
	at_cmd(m, "AT+CHUP", m->timeout_ms, &a);
	if (a.io == IO_LINE && a.final == ML_OK)
		return MODEM_OK;
	return at_fail(m, "ATH and AT+CHUP", &a, m->timeout_ms, err, errlen);
}

enum modem_result modem_call(struct modem *m, const char *number, int ring_s,
			     char *err, size_t errlen)
{
	char norm[MODEM_NUMBER_MAX + 2], cmd[MODEM_NUMBER_MAX + 8], line[MODEM_LINE_MAX];
	char scratch[MODEM_LINE_MAX];   /* the hang-up's error once the call's is said */
	struct at_answer a;
	enum modem_result r, hr;
	enum modem_line k;
	int64_t start, deadline, answered_at = 0;
	bool acked = false, answered = false, over = false;
	int code, n;
	char own[MODEM_LINE_MAX];

	if (!err || errlen == 0)
		err = own, errlen = sizeof own;
	err[0] = '\0';
	if (modem_number_norm(number, norm, sizeof norm) < 0) {
		snprintf(err, errlen, "bad number \"%.40s\"", number ? number : "");
		return MODEM_ERR_INVALID;
	}
	if (ring_s < 1)
		ring_s = 1;
	if (ring_s > MODEM_RING_MAX_S)
		ring_s = MODEM_RING_MAX_S;
	r = modem_ready(m, err, errlen);
	if (r != MODEM_OK)
		return r;

	memset(&a, 0, sizeof a);
	n = snprintf(cmd, sizeof cmd, "ATD%s;\r", norm);    /* ';': voice, not data */
	start = mono_ms();
	a.io = write_all(m, cmd, (size_t)n, start + m->timeout_ms, &a.err_no);
	if (a.io != IO_LINE)
		return at_fail(m, "ATD", &a, m->timeout_ms, err, errlen);
	/* Most modules say OK at once and report the call's fate later
	 * (BUSY, NO CARRIER, ^CONN/^CEND, VOICE CALL: BEGIN/END); some say
	 * nothing until it is answered or fails.  Either way: watch ring_s. */
	r = MODEM_OK;
	deadline = start + (int64_t)ring_s * 1000;
	while (!over) {
		a.io = read_line(m, line, sizeof line, deadline, false, &a.err_no);
		if (a.io == IO_TIMEOUT)
			break;
		if (a.io != IO_LINE)
			return at_fail(m, "call", &a, m->timeout_ms, err, errlen);
		k = modem_line_kind(line, &code);
		switch (k) {
		case ML_OK:
			acked = true;
			break;
		case ML_CONNECT:
		case ML_CALL_UP:
			if (!answered) {
				answered = true;
				answered_at = mono_ms();
				deadline = answered_at + (int64_t)ring_s * 1000;
			}
			break;
		case ML_BUSY: case ML_NO_ANSWER: case ML_NO_CARRIER: case ML_NO_DIALTONE:
		case ML_CALL_END:
		case ML_ERROR: case ML_CME:
			over = true;
			if (answered)
				break;          /* answered, then hung up by the callee */
			a.final = k == ML_CALL_END ? ML_NO_CARRIER : k;
			a.io = IO_LINE;
			snprintf(a.last, sizeof a.last, "%s", line);
			r = at_fail(m, acked ? "call" : "ATD", &a, m->timeout_ms, err, errlen);
			break;
		default:
			break;          /* RING, status, +CMS: not this call's */
		}
	}
	/* hang up in every case: a call that ended is hung up harmlessly, one
	 * still ringing must not stay up */
	hr = hang_up(m, r == MODEM_OK ? err : scratch, r == MODEM_OK ? errlen : sizeof scratch);
	if (r != MODEM_OK)
		return r;
	if (hr != MODEM_OK)
		return hr;
	if (answered)
		snprintf(err, errlen, "answered after %lld s",
			 (long long)((answered_at - start) / 1000));
	else
		snprintf(err, errlen, "rang %d s%s", ring_s, acked ? "" : " (no call progress from the module)");
	return MODEM_OK;
}
