/*
 * test_control.c: the control socket alone, driven in-process.  The test is
 * both ends: it owns the poll loop that control.c expects from loop.c and
 * talks to it through non-blocking client sockets, so no thread or child is
 * needed and every step is deterministic.
 *
 * The loop (main.c, loop*.c) is not linked into unit tests;
 * daemon_status_json and daemon_hazard_transition below are test doubles that record what they
 * got (lifecycle.c's own is weak for this).
 * Every other module is linked: "devices" uses config.c's kind names and
 * "hazards"/"hazard" run against a real store.c on a temp file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

/* ------------------------------------------------------- test doubles */

static size_t status_pad;               /* bytes of filler in status replies */
static char closed_id[128], closed_actor[128], closed_note[4096], closed_evidence[4096];
static enum record_action closed_to;
static int close_calls;
static const char *close_fail;          /* error text to return, or NULL */

cJSON *daemon_status_json(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "double", "status");
	cJSON_AddNumberToObject(o, "outbox_depth", (double)d->outbox_depth);
	if (status_pad > 0) {
		char *pad = malloc(status_pad + 1);

		memset(pad, 'x', status_pad);
		pad[status_pad] = '\0';
		cJSON_AddStringToObject(o, "pad", pad);
		free(pad);
	}
	return o;
}

int daemon_hazard_transition(struct daemon *d, const char *hazard_id,
			     enum record_action to, const char *actor, const char *note,
			     const char *evidence, char *err, size_t errlen)
{
	close_calls++;
	closed_to = to;
	snprintf(closed_id, sizeof closed_id, "%s", hazard_id);
	snprintf(closed_actor, sizeof closed_actor, "%s", actor);
	snprintf(closed_note, sizeof closed_note, "%s", note ? note : "(null)");
	snprintf(closed_evidence, sizeof closed_evidence, "%s", evidence ? evidence : "(null)");
	if (close_fail) {
		snprintf(err, errlen, "%s", close_fail);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ harness */

static struct control *ctl;
static struct daemon dmn;

/* One pass of the loop that loop.c runs. */
static void pump(int timeout_ms)
{
	struct pollfd pfd[1 + 16];
	int n = control_pollfds(ctl, pfd, 1 + 16);

	if (poll(pfd, (nfds_t)n, timeout_ms) > 0)
		control_handle(ctl, pfd, n, &dmn);
}

static int cli_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strlcpy_hz(sa.sun_path, path, sizeof sa.sun_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pump(0);                /* let the server accept it */
	return fd;
}

struct answer {
	char  *line;            /* first reply line without '\n'; NULL if none */
	char  *next;            /* the line after it, if one came; else NULL */
	bool   eof;             /* the server closed the connection */
};

/* A wait stretched by HZ_TIME_SCALE (a whole number, default 1), which
 * tests/cross.sh sets for a build run under an emulator: how long the test
 * waits for the server, never what it asserts. */
static int scaled_ms(int ms)
{
	const char *s = getenv("HZ_TIME_SCALE");
	int k = s ? atoi(s) : 1;

	return k > 1 && k < 100 ? ms * k : ms;
}

/*
 * Send req (all of it, pumping the server while the socket is full) and
 * read until want_lines reply lines came, or with want_lines 0 until the
 * server closes.  Free a.line only.
 */
static struct answer exchange(int fd, const char *req, size_t len, int want_lines)
{
	struct answer a = { NULL, NULL, false };
	size_t cap = 1 << 16, got = 0, off = 0;
	char *buf = malloc(cap), *nl;
	int64_t deadline = now_mono_ms() + scaled_ms(5000);
	bool send_dead = false;
	int lines = 0;

	while (now_mono_ms() < deadline) {
		ssize_t n;

		if (off < len && !send_dead) {
			n = send(fd, req + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				send_dead = true;       /* server hung up on us */
		}
		pump(5);
		if (got + 4096 > cap)
			buf = realloc(buf, cap *= 2);
		n = recv(fd, buf + got, cap - got - 1, MSG_DONTWAIT);
		if (n > 0) {
			for (ssize_t k = 0; k < n; k++)
				lines += buf[got + (size_t)k] == '\n';
			got += (size_t)n;
		} else if (n == 0 || (n < 0 && errno != EAGAIN)) {
			a.eof = true;
			break;
		}
		if (want_lines > 0 && lines >= want_lines)
			break;
	}
	buf[got] = '\0';
	if ((nl = strchr(buf, '\n')) != NULL) {
		*nl = '\0';
		a.line = buf;
		if ((nl = strchr(nl + 1, '\n')) != NULL) {
			*nl = '\0';
			a.next = a.line + strlen(a.line) + 1;
		}
	} else {
		free(buf);
	}
	return a;
}

static char *ask(int fd, const char *req)
{
	return exchange(fd, req, strlen(req), 1).line;
}

/* The reply's "error" text, "" for an ok reply, NULL for garbage. */
static char errbuf[1024];
static const char *reply_error(const char *line)
{
	cJSON *r = line ? cJSON_Parse(line) : NULL;
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
	const char *ret = NULL;

	if (cJSON_IsTrue(ok) && !e && cJSON_GetObjectItemCaseSensitive(r, "result")) {
		ret = "";
	} else if (cJSON_IsFalse(ok) && cJSON_IsString(e)) {
		snprintf(errbuf, sizeof errbuf, "%s", e->valuestring);
		ret = errbuf;
	}
	cJSON_Delete(r);
	return ret;
}

/* Ask and return the error text (see reply_error). */
static const char *ask_err(int fd, const char *req)
{
	char *line = ask(fd, req);
	const char *e = reply_error(line);

	free(line);
	return e;
}

static cJSON *ask_result(int fd, const char *req)
{
	char *line = ask(fd, req);
	cJSON *r = line ? cJSON_Parse(line) : NULL;
	cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(r, "result");

	free(line);
	cJSON_Delete(r);
	return res;
}

/* --------------------------------------------------------------- cases */

static void test_open(const char *dir, const char *path)
{
	char err[512] = "", parent[600];
	struct stat sb;
	struct control *second;

	ctl = control_open(path, err, sizeof err);
	CHECK("open: control_open succeeds", ctl != NULL);
	if (!ctl) {
		printf("  (error: %s)\n", err);
		exit(1);
	}
	CHECK("open: socket file exists", stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode));
	CHECK_INT("open: socket mode is 0660", sb.st_mode & 07777, 0660);
	snprintf(parent, sizeof parent, "%s/run/hazardd", dir);
	CHECK("open: parent directory created",
	      stat(parent, &sb) == 0 && S_ISDIR(sb.st_mode));
	CHECK_INT("open: parent directory mode is 0750", sb.st_mode & 07777, 0750);

	err[0] = '\0';
	second = control_open(path, err, sizeof err);
	CHECK("open: second control_open on a live socket fails", second == NULL);
	CHECK_CONTAINS("open: error says another hazardd", err,
		       "another hazardd is running on");
	CHECK_CONTAINS("open: error names the path", err, path);
	control_close(second);
	CHECK("open: the live socket survived the attempt",
	      stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode));
}

static void test_requests(const char *path)
{
	int fd = cli_connect(path);
	char *line;
	cJSON *res;
	struct answer a;

	CHECK("req: client connects", fd >= 0);

	dmn.outbox_depth = 42;
	line = ask(fd, "{\"cmd\":\"status\"}\n");
	CHECK_STR("req: status is ok", reply_error(line), "");
	res = line ? cJSON_Parse(line) : NULL;
	CHECK_INT("req: status result comes from daemon_status_json",
		  cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(res, "result"), "outbox_depth")), 42);
	CHECK("req: reply is one line of compact JSON",
	      line && !strchr(line, '\n') && strncmp(line, "{\"ok\":true,", 11) == 0);
	cJSON_Delete(res);
	free(line);

	CHECK_STR("req: unknown command", ask_err(fd, "{\"cmd\":\"nope\"}\n"),
		  "unknown command \"nope\"");
	CHECK_CONTAINS("req: malformed JSON", ask_err(fd, "{\"cmd\":\"status\"\n"),
		       "malformed JSON");
	CHECK_STR("req: connection usable after malformed JSON",
		  ask_err(fd, "{\"cmd\":\"status\"}\n"), "");
	CHECK_STR("req: non-object request", ask_err(fd, "[1,2]\n"),
		  "request must be a JSON object");
	CHECK_CONTAINS("req: cmd must be a string", ask_err(fd, "{\"cmd\":5}\n"),
		       "\"cmd\"");
	CHECK_STR("req: CRLF line ending accepted",
		  ask_err(fd, "{\"cmd\":\"status\"}\r\n"), "");
	CHECK_STR("req: blank lines ignored",
		  ask_err(fd, "\n\n{\"cmd\":\"status\"}\n"), "");

	/* two requests in one write: two replies, in order */
	a = exchange(fd, "{\"cmd\":\"status\"}\n{\"cmd\":\"x\"}\n", 30, 2);
	CHECK_STR("req: pipelined first reply", reply_error(a.line), "");
	CHECK_STR("req: pipelined second reply", reply_error(a.next),
		  "unknown command \"x\"");
	free(a.line);

	CHECK_STR("req: hazards open must be a bool",
		  ask_err(fd, "{\"cmd\":\"hazards\",\"open\":\"yes\"}\n"),
		  "\"open\" must be true or false");
	CHECK_STR("req: hazard needs an id", ask_err(fd, "{\"cmd\":\"hazard\"}\n"),
		  "missing \"id\"");
	/* store.c is exercised end to end; here the daemon has no store */
	CHECK_STR("req: hazards without a store",
		  ask_err(fd, "{\"cmd\":\"hazards\",\"open\":true}\n"),
		  "store not available");
	CHECK_STR("req: hazard without a store",
		  ask_err(fd, "{\"cmd\":\"hazard\",\"id\":\"hz-1\"}\n"),
		  "store not available");
	close(fd);
}

static void test_close_cmd(const char *path)
{
	int fd = cli_connect(path);
	char req[4096], note[2048];
	cJSON *res;
	int i;

	CHECK_STR("close: id required",
		  ask_err(fd, "{\"cmd\":\"close\",\"note\":\"fixed\"}\n"), "missing \"id\"");
	CHECK_STR("close: note required",
		  ask_err(fd, "{\"cmd\":\"close\",\"id\":\"hz-1\"}\n"), "missing \"note\"");
	CHECK_STR("close: blank note refused",
		  ask_err(fd, "{\"cmd\":\"close\",\"id\":\"hz-1\",\"note\":\"  \"}\n"),
		  "\"note\" must not be empty");
	CHECK_STR("close: note must be a string",
		  ask_err(fd, "{\"cmd\":\"close\",\"id\":\"hz-1\",\"note\":7}\n"),
		  "\"note\" must be a string");
	CHECK_INT("close: daemon not called for invalid requests", close_calls, 0);

	/* 500 characters of Chinese are 1500 bytes and still allowed */
	note[0] = '\0';
	for (i = 0; i < 500; i++)
		strcat(note, "\xe9\x98\x80");           /* U+9600 */
	snprintf(req, sizeof req,
		 "{\"cmd\":\"close\",\"id\":\"hz-1\",\"note\":\"%s\"}\n", note);
	res = ask_result(fd, req);
	CHECK("close: 500-character note accepted", res != NULL);
	CHECK_STR("close: result names the hazard",
		  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "id")), "hz-1");
	CHECK_STR("close: result state",
		  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "state")),
		  "closed");
	cJSON_Delete(res);
	CHECK_STR("close: id passed on", closed_id, "hz-1");
	CHECK_STR("close: note passed on", closed_note, note);
	{
		struct passwd *pw = getpwuid(getuid());

		CHECK_STR("close: no actor: the caller's user name (SO_PEERCRED)",
			  closed_actor, pw ? pw->pw_name : "?");
	}

	strcat(note, "x");
	snprintf(req, sizeof req,
		 "{\"cmd\":\"close\",\"id\":\"hz-1\",\"note\":\"%s\"}\n", note);
	CHECK_STR("close: 501-character note refused", ask_err(fd, req),
		  "\"note\" is longer than 500 characters");

	CHECK_STR("close: with actor",
		  ask_err(fd, "{\"cmd\":\"close\",\"id\":\"hz-2\",\"note\":\"valve "
			  "replaced\",\"actor\":\"alice\"}\n"), "");
	CHECK_STR("close: actor passed on", closed_actor, "alice");

	close_fail = "hazard hz-3 is open: clear the condition first";
	CHECK_STR("close: daemon error text is the reply",
		  ask_err(fd, "{\"cmd\":\"close\",\"id\":\"hz-3\",\"note\":\"n\"}\n"),
		  "hazard hz-3 is open: clear the condition first");
	close_fail = NULL;

	CHECK_STR("close: with evidence",
		  ask_err(fd, "{\"cmd\":\"close\",\"id\":\"hz-4\",\"note\":\"fixed\","
			  "\"evidence\":\"photo 17, hose replaced\"}\n"), "");
	CHECK_STR("close: evidence passed on", closed_evidence, "photo 17, hose replaced");
	CHECK_INT("close: a close", closed_to, RA_CLOSE);
	CHECK_STR("ack: note optional",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-5\"}\n"), "");
	CHECK_INT("ack: an acknowledgement", closed_to, RA_ACK);
	CHECK_STR("ack: no note passed as NULL", closed_note, "(null)");
	CHECK_STR("rectifying: with note",
		  ask_err(fd, "{\"cmd\":\"rectifying\",\"id\":\"hz-5\",\"note\":"
			  "\"plumber on site\",\"actor\":\"bob\"}\n"), "");
	CHECK_INT("rectifying: a rectification report", closed_to, RA_RECTIFY);

	CHECK_STR("rectifying: actor passed on", closed_actor, "bob");
	CHECK_STR("submit: note required",
		  ask_err(fd, "{\"cmd\":\"submit\",\"id\":\"hz-6\"}\n"), "missing \"note\"");
	CHECK_STR("submit: with note and evidence",
		  ask_err(fd, "{\"cmd\":\"submit\",\"id\":\"hz-6\",\"note\":\"hose "
			  "replaced\",\"evidence\":\"photo 3\"}\n"), "");
	CHECK_INT("submit: a submit", closed_to, RA_SUBMIT);
	CHECK_STR("submit: evidence passed on", closed_evidence, "photo 3");
	CHECK_STR("verify: note required",
		  ask_err(fd, "{\"cmd\":\"verify\",\"id\":\"hz-6\",\"result\":"
			  "\"pass\"}\n"), "missing \"note\"");
	CHECK_STR("verify: result required",
		  ask_err(fd, "{\"cmd\":\"verify\",\"id\":\"hz-6\",\"note\":\"ok\"}\n"),
		  "missing \"result\"");
	CHECK_STR("verify: result pass or fail",
		  ask_err(fd, "{\"cmd\":\"verify\",\"id\":\"hz-6\",\"note\":\"ok\","
			  "\"result\":\"maybe\"}\n"), "\"result\" must be pass or fail");
	CHECK_STR("verify fail",
		  ask_err(fd, "{\"cmd\":\"verify\",\"id\":\"hz-6\",\"note\":\"leaks\","
			  "\"result\":\"fail\"}\n"), "");
	CHECK_INT("verify fail: a failed re-inspection", closed_to, RA_FAIL);
	CHECK_STR("verify pass",
		  ask_err(fd, "{\"cmd\":\"verify\",\"id\":\"hz-6\",\"note\":\"holds\","
			  "\"result\":\"pass\"}\n"), "");
	CHECK_INT("verify pass: a passed re-inspection", closed_to, RA_PASS);
	CHECK_STR("ack: id required",
		  ask_err(fd, "{\"cmd\":\"ack\"}\n"), "missing \"id\"");
	close(fd);
}

/* Who acts: the decision alone, for a caller of any uid. */
static void test_actor_rule(void)
{
	static const struct {
		const char *name;
		unsigned    uid;
		const char *req;        /* the request's members */
		const char *want;       /* the actor, or the error text (prefix) */
		bool        ok;
	} cases[] = {
		{ "no actor: the caller", 1000, "{}", "alice", true },
		{ "null actor: the caller", 1000, "{\"actor\":null}", "alice", true },
		{ "its own name: allowed", 1000, "{\"actor\":\"alice\"}", "alice", true },
		{ "another name as non-root: refused", 1000, "{\"actor\":\"root\"}",
		  "only root may act as another user", false },
		{ "a platform name as non-root: refused", 1000,
		  "{\"actor\":\"platform:li.wei\"}", "only root may act as another user", false },
		{ "another name as nobody: refused", 65534, "{\"actor\":\"alice\"}",
		  "only root may act as another user", false },
		{ "root without actor: root", 0, "{}", "root", true },
		{ "root names someone: allowed", 0, "{\"actor\":\"site manager\"}",
		  "site manager", true },
		{ "non-string actor", 1000, "{\"actor\":7}", "\"actor\" must be a string", false },
		{ "blank actor", 0, "{\"actor\":\" \"}", "\"actor\" must not be empty", false },
		{ "LF in actor (root too)", 0, "{\"actor\":\"bob\\nx\"}",
		  "\"actor\" holds control characters", false },
		{ "invalid UTF-8 in actor", 0, "{\"actor\":\"b\xe9\"}",
		  "\"actor\" is not valid UTF-8", false },
		{ "64-byte actor", 0,
		  "{\"actor\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		  "\"actor\" is longer than 63 bytes", false },
	};
	char name[160], err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ctl_caller who = { .uid = cases[i].uid, .gid = cases[i].uid, .pid = 42 };
		cJSON *req = cJSON_Parse(cases[i].req);
		const char *actor = NULL;
		int rc;

		snprintf(who.name, sizeof who.name, "%s", cases[i].uid == 0 ? "root" :
			 cases[i].uid == 1000 ? "alice" : "nobody");
		err[0] = '\0';
		rc = ctl_actor(req, &who, &actor, err, sizeof err);
		snprintf(name, sizeof name, "actor rule: %s", cases[i].name);
		if (cases[i].ok) {
			CHECK_INT(name, rc, 0);
			CHECK_STR(name, actor, cases[i].want);
		} else {
			CHECK_INT(name, rc, -1);
			CHECK_CONTAINS(name, err, cases[i].want);
		}
		cJSON_Delete(req);
	}
}

/* Control characters and invalid UTF-8 in any member: refused, not acted on. */
static void test_text_hygiene(const char *path)
{
	int fd = cli_connect(path), calls = close_calls;

	CHECK_STR("text: LF in a note refused",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":\"ok\\n2026 forged\"}\n"),
		  "\"note\" holds control characters");
	CHECK_STR("text: CR in a note refused",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":\"ok\\r\"}\n"),
		  "\"note\" holds control characters");
	CHECK_STR("text: an escape sequence in a note refused",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":\"\\u001b[2J\"}\n"),
		  "\"note\" holds control characters");
	CHECK_STR("text: a C1 control (U+009B) in a note refused",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":\"\\u009b2J\"}\n"),
		  "\"note\" holds control characters");
	CHECK_STR("text: DEL in a note refused",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":\"a\x7f\"}\n"),
		  "\"note\" holds control characters");
	CHECK_STR("text: invalid UTF-8 in a note refused",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":\"r\xe9par\xe9\"}\n"),
		  "\"note\" is not valid UTF-8");
	CHECK_STR("text: a surrogate in a note refused",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":\"\xed\xa0\x80\"}\n"),
		  "\"note\" is not valid UTF-8");
	CHECK_STR("text: control characters in evidence refused",
		  ask_err(fd, "{\"cmd\":\"close\",\"id\":\"hz-1\",\"note\":\"n\","
			  "\"evidence\":\"photo\\t17\"}\n"),
		  "\"evidence\" holds control characters");
	CHECK_STR("text: a switch's reason refused too (every member)",
		  ask_err(fd, "{\"cmd\":\"switch\",\"device\":\"p\",\"set\":\"on\","
			  "\"reason\":\"x\\ny\"}\n"),
		  "\"reason\" holds control characters");
	CHECK_STR("text: a member name with a control character refused",
		  ask_err(fd, "{\"cmd\":\"status\",\"a\\nb\":1}\n"),
		  "a member name holds control characters");
	CHECK_STR("text: nested lists are checked",
		  ask_err(fd, "{\"cmd\":\"status\",\"x\":[[\"\\u0007\"]]}\n"),
		  "a list item holds control characters");
	CHECK_INT("text: the daemon was not called", close_calls, calls);
	CHECK_STR("text: clean Chinese, accents and emoji accepted",
		  ask_err(fd, "{\"cmd\":\"ack\",\"id\":\"hz-1\",\"note\":"
			  "\"\xe9\x98\x80\xe5\xb7\xb2\xe6\x8d\xa2 r\xc3\xa9par\xc3\xa9 \xf0\x9f\x94\xa5\"}\n"), "");
	close(fd);
}

/* Trickling, silent and non-reading clients give their slots back. */
static void test_deadlines(const char *path)
{
	const char req[] = "{\"cmd\":\"status\"}\n";
	int trickle, idle, busy, i;
	bool trickle_eof = false, idle_eof = false, busy_eof = false;
	int64_t t0 = now_mono_ms();
	char buf[256];
	size_t sent = 0;

	control_set_deadlines(ctl, 400, 900, 0);
	trickle = cli_connect(path);
	idle = cli_connect(path);
	busy = cli_connect(path);
	/* one byte every 50 ms: the line would take 900 ms */
	while (now_mono_ms() - t0 < 1400) {
		if (!trickle_eof && sent < sizeof req - 1 &&
		    now_mono_ms() - t0 >= (int64_t)sent * 50 &&
		    send(trickle, req + sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
			sent++;
		/* a client that asks now and then keeps its slot */
		if ((now_mono_ms() - t0) % 300 < 50 && !busy_eof) {
			const char *e = ask_err(busy, req);

			busy_eof = !e || *e;
		}
		pump(50);
		for (i = 0; i < 2; i++) {
			int fd = i ? idle : trickle;
			ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				if (i)
					idle_eof = true;
				else
					trickle_eof = true;
			}
		}
		if (trickle_eof && now_mono_ms() - t0 < 350)
			break;          /* closed too early */
	}
	CHECK("deadline: a trickling client is closed", trickle_eof);
	CHECK("deadline: before it finished its line", sent < sizeof req - 1);
	CHECK("deadline: a silent client is closed", idle_eof);
	CHECK("deadline: a client that keeps asking is kept", !busy_eof);
	close(trickle);
	close(idle);
	close(busy);
	control_set_deadlines(ctl, 5000, 20000, 15000);
	for (i = 0; i < 5; i++)
		pump(5);
}

static void test_devices(const char *path)
{
	struct device_cfg devs[3];
	struct device_state st[3];
	struct config cfg;
	int fd = cli_connect(path);
	const cJSON *d0, *d1, *d2, *last;
	cJSON *res;

	memset(&cfg, 0, sizeof cfg);
	device_cfg_blank(devs, 3);
	memset(st, 0, sizeof st);
	devs[0].id = "kitchen-gas-1";
	devs[0].kind = DEV_GAS_DETECTOR;
	devs[0].site = "rest-001";
	devs[0].topic = "demo/kitchen-gas-1";
	devs[0].format = "native";
	devs[0].heartbeat_s = 60;
	devs[1].id = "stair-smoke-2";
	devs[1].kind = DEV_SMOKE_ALARM;
	devs[2].id = "bay-3-charger";
	devs[2].kind = DEV_EBIKE_CHARGER;
	st[0].last_seen_ms = now_mono_ms() - 5000;
	st[0].heard = true;
	/* st[1]: configured, never heard (its offline clock runs from start) */
	st[1].last_seen_ms = now_mono_ms() - 1000;
	st[2].heard = true;
	st[0].accepted = 7;
	st[0].rejected = 1;
	st[0].self_tests = 3;
	st[0].last.ts_ms = 1700000000000;
	reading_set(&st[0].last, RF_GAS_LEL, 12.5);
	st[2].last_seen_ms = now_mono_ms() - 100000;
	rules_set_active(&st[2], HZ_DEVICE_OFFLINE, true, SEV_GENERAL);
	cfg.devices = devs;
	cfg.n_devices = 3;
	dmn.cfg = &cfg;
	dmn.dev_state = st;

	res = ask_result(fd, "{\"cmd\":\"devices\"}\n");
	CHECK_INT("devices: one entry per configured device", cJSON_GetArraySize(res), 3);
	d0 = cJSON_GetArrayItem(res, 0);
	d1 = cJSON_GetArrayItem(res, 1);
	d2 = cJSON_GetArrayItem(res, 2);
	CHECK_STR("devices: id", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d0, "id")), "kitchen-gas-1");
	CHECK_STR("devices: kind", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d0, "kind")), "gas_detector");
	CHECK_STR("devices: site", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d0, "site")), "rest-001");
	CHECK_STR("devices: topic", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d0, "topic")), "demo/kitchen-gas-1");
	CHECK_STR("devices: format", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d0, "format")), "native");
	CHECK_INT("devices: heartbeat_s", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(d0, "heartbeat_s")), 60);
	CHECK("devices: seen device is online",
	      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d0, "online")));
	CHECK_INT("devices: last_seen_age_s", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(d0, "last_seen_age_s")), 5);
	CHECK_INT("devices: accepted", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(d0, "accepted")), 7);
	CHECK_INT("devices: rejected", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(d0, "rejected")), 1);
	CHECK_INT("devices: self_tests", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(d0, "self_tests")), 3);
	last = cJSON_GetObjectItemCaseSensitive(d0, "last");
	CHECK_DBL("devices: last reading", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(last, "gas_lel")), 12.5);
	CHECK_STR("devices: state online", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d0, "state")), "online");
	CHECK("devices: never-seen device is not online",
	      cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d1, "online")));
	CHECK_STR("devices: state never_seen", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d1, "state")), "never_seen");
	CHECK_STR("devices: state offline", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(d2, "state")), "offline");
	CHECK("devices: a detector has no relay by default",
	      cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d0, "relay")));
	CHECK("devices: never-seen age is null",
	      cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d1, "last_seen_age_s")));
	CHECK("devices: no reading is null",
	      cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d1, "last")));
	CHECK("devices: device_offline hazard means offline",
	      cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(d2, "online")));
	CHECK_INT("devices: offline device still shows its age", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(d2, "last_seen_age_s")), 100);
	cJSON_Delete(res);
	dmn.cfg = NULL;
	dmn.dev_state = NULL;
	close(fd);
}

/* hazards/hazard pass the store's JSON through: a real store.c, a temp file */
static void test_store_cmds(const char *dir, const char *path)
{
	struct device_cfg dev;
	struct hazard_change chg;
	struct hazard_rec rec;
	struct reading r;
	struct store *st;
	const char *event = NULL;
	char db[620], req[256], err[512] = "", want[160];
	const cJSON *events;
	cJSON *res;
	int fd;

	snprintf(db, sizeof db, "%s/control-test.db", dir);
	st = store_open(db, err, sizeof err);
	CHECK("store: store_open", st != NULL);
	if (!st) {
		printf("  (error: %s)\n", err);
		return;
	}
	dmn.store = st;
	fd = cli_connect(path);

	res = ask_result(fd, "{\"cmd\":\"hazards\"}\n");
	CHECK("store: empty listing is an empty array",
	      cJSON_IsArray(res) && cJSON_GetArraySize(res) == 0);
	cJSON_Delete(res);
	CHECK_STR("store: unknown hazard",
		  ask_err(fd, "{\"cmd\":\"hazard\",\"id\":\"nope\"}\n"),
		  "no such alarm, fault or hazard: nope");

	dev = (struct device_cfg)DEVICE_CFG_BLANK;
	dev.id = "kitchen-gas-1";
	dev.site = "rest-001";
	dev.kind = DEV_GAS_DETECTOR;
	memset(&chg, 0, sizeof chg);
	chg.type = HZ_GAS_LEAK;
	chg.kind = CHG_ACTIVE;
	chg.severity = SEV_MAJOR;
	strcpy(chg.detail, "gas_lel 62.0 >= lel_high 50");
	memset(&r, 0, sizeof r);
	r.ts_ms = now_wall_ms();
	reading_set(&r, RF_GAS_LEL, 62);
	CHECK_INT("store: hazard raised",
		  store_hazard_apply(st, &dev, &chg, &r, 24, now_wall_ms(), &rec, &event), 0);

	res = ask_result(fd, "{\"cmd\":\"hazards\",\"open\":true}\n");
	CHECK_INT("store: open listing has it", cJSON_GetArraySize(res), 1);
	CHECK_STR("store: listing carries the hazard id", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 0), "hazard_id")),
		rec.id);
	cJSON_Delete(res);

	snprintf(req, sizeof req, "{\"cmd\":\"hazard\",\"id\":\"%s\"}\n", rec.id);
	res = ask_result(fd, req);
	events = cJSON_GetObjectItemCaseSensitive(res, "events");
	CHECK_INT("store: detail has its event timeline", cJSON_GetArraySize(events), 1);
	CHECK_STR("store: first event is raised", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(events, 0), "event")),
		"raised");
	cJSON_Delete(res);
	snprintf(want, sizeof want, "no such alarm, fault or hazard: %s-x", rec.id);
	snprintf(req, sizeof req, "{\"cmd\":\"hazard\",\"id\":\"%s-x\"}\n", rec.id);
	CHECK_STR("store: near-miss id is no such hazard", ask_err(fd, req), want);

	close(fd);
	dmn.store = NULL;
	store_close(st);
	strcat(db, "-wal");
	unlink(db);
	strcpy(db + strlen(db) - 4, "-shm");
	unlink(db);
	db[strlen(db) - 4] = '\0';
	unlink(db);
	strcat(db, ".hwm");
	unlink(db);
}

static void test_line_limits(const char *path)
{
	/* 12 MiB: an evidence file of 8 MiB in base64 (io/control_socket.c) */
	size_t len = 12 * 1024 * 1024;
	char *big = malloc(len + 64);
	struct answer a, b;
	int fd = cli_connect(path), fd2, fd3;

	/* 12 MiB through an emulated server takes longer than a second or two */
	control_set_deadlines(ctl, scaled_ms(5000), scaled_ms(20000), scaled_ms(15000));
	/* exactly the limit before the newline: still a request */
	memset(big, ' ', len);
	memcpy(big, "{\"cmd\":\"status\"}", 16);
	big[len] = '\n';
	a = exchange(fd, big, len + 1, 1);
	CHECK_STR("limit: a 12 MiB line is answered", reply_error(a.line), "");
	free(a.line);

	/* after it, the same connection takes ordinary requests */
	a = exchange(fd, "{\"cmd\":\"status\"}\n", 17, 1);
	CHECK_STR("limit: a short line after a long one", reply_error(a.line), "");
	free(a.line);

	/* one byte more: error reply, then the server hangs up */
	memset(big, ' ', len + 1);
	memcpy(big, "{\"cmd\":\"status\"}", 16);
	big[len + 1] = '\n';
	a = exchange(fd, big, len + 2, 0);
	CHECK_CONTAINS("limit: oversized line gets an error", reply_error(a.line),
		       "longer than 12582912 bytes");
	CHECK("limit: oversized line closes the connection", a.eof);
	free(a.line);
	close(fd);

	/* two long lines being read at once are the most: a third is busy */
	fd = cli_connect(path);
	fd2 = cli_connect(path);
	fd3 = cli_connect(path);
	memset(big, ' ', 200 * 1024);
	memcpy(big, "{\"cmd\":\"status\"}", 16);
	for (int k = 0; k < 2; k++) {
		int f = k ? fd2 : fd;
		size_t off = 0;
		int64_t until = now_mono_ms() + 2000;

		/* no newline: still being read */
		while (off < 100 * 1024 && now_mono_ms() < until) {
			ssize_t n = send(f, big + off, 100 * 1024 - off,
					 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				off += (size_t)n;
			pump(5);
		}
		CHECK("limit: a long line sent in part", off == 100 * 1024);
	}
	b = exchange(fd3, big, 100 * 1024, 1);
	CHECK_CONTAINS("limit: a third long line at once is busy", reply_error(b.line),
		       "busy");
	free(b.line);
	close(fd3);
	a = exchange(fd, "\n", 1, 1);
	CHECK_STR("limit: the first long line is still answered", reply_error(a.line), "");
	free(a.line);
	close(fd);
	close(fd2);
	free(big);

	/* a final request without newline is answered when the client shuts down */
	fd = cli_connect(path);
	CHECK_INT("eof: request sent",
		  send(fd, "{\"cmd\":\"status\"}", 16, MSG_NOSIGNAL), 16);
	shutdown(fd, SHUT_WR);
	a = exchange(fd, "", 0, 0);
	CHECK_STR("eof: unterminated last request answered", reply_error(a.line), "");
	CHECK("eof: server closes after answering", a.eof);
	free(a.line);
	close(fd);
	control_set_deadlines(ctl, 5000, 20000, 15000);
}

/* A client that pipelines but never reads is dropped, and the loop goes on. */
static void test_slow_client(const char *path)
{
	const char req[] = "{\"cmd\":\"status\"}\n";
	char *many = malloc(200 * (sizeof req - 1) + 1);
	int fd = cli_connect(path), other, i, replies = 0;
	char buf[65536];
	bool eof = false;
	int64_t t0, deadline;
	ssize_t n;

	many[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat(many, req);
	status_pad = 16 * 1024;         /* 200 replies: about 3.3 MB */
	CHECK("slow: requests sent",
	      send(fd, many, strlen(many), MSG_NOSIGNAL) == (ssize_t)strlen(many));
	t0 = now_mono_ms();
	for (i = 0; i < 20; i++)
		pump(5);
	CHECK("slow: the loop never blocked", now_mono_ms() - t0 < 2000);
	deadline = now_mono_ms() + 5000;
	while (!eof && now_mono_ms() < deadline) {
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			for (ssize_t k = 0; k < n; k++)
				replies += buf[k] == '\n';
		} else if (n == 0 || errno != EAGAIN) {
			eof = true;
		} else {
			pump(5);
		}
	}
	CHECK("slow: client dropped", eof);
	CHECK("slow: not every reply was buffered for it", replies < 200);
	status_pad = 0;
	free(many);
	close(fd);

	other = cli_connect(path);
	CHECK_STR("slow: other clients still served",
		  ask_err(other, "{\"cmd\":\"status\"}\n"), "");
	close(other);
}

static void test_max_clients(const char *path)
{
	int fds[16], extra, i, ok = 0;
	struct answer a;

	for (i = 0; i < 16; i++)
		fds[i] = cli_connect(path);
	for (i = 0; i < 16; i++) {
		const char *e = ask_err(fds[i], "{\"cmd\":\"status\"}\n");

		ok += e && !*e;
	}
	CHECK_INT("clients: 16 clients served at once", ok, 16);
	extra = cli_connect(path);
	a = exchange(extra, "", 0, 0);
	CHECK_CONTAINS("clients: the 17th is told why", reply_error(a.line),
		       "too many control clients");
	CHECK("clients: the 17th is closed", a.eof);
	free(a.line);
	close(extra);
	close(fds[0]);
	for (i = 0; i < 5; i++)
		pump(5);
	extra = cli_connect(path);
	CHECK_STR("clients: a freed slot is reused",
		  ask_err(extra, "{\"cmd\":\"status\"}\n"), "");
	close(extra);
	for (i = 1; i < 16; i++)
		close(fds[i]);
	for (i = 0; i < 5; i++)
		pump(5);
}

static void test_stale(const char *dir, const char *path)
{
	struct sockaddr_un sa;
	char err[512] = "", file[600];
	struct stat sb;
	int fd;

	control_close(ctl);
	ctl = NULL;
	CHECK("stale: control_close removes the socket",
	      stat(path, &sb) < 0 && errno == ENOENT);

	/* what a crashed daemon leaves: a socket file nobody listens on */
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	strlcpy_hz(sa.sun_path, path, sizeof sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK("stale: leftover socket created",
	      bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	close(fd);
	CHECK("stale: leftover file present", stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode));
	ctl = control_open(path, err, sizeof err);
	CHECK("stale: control_open replaces a dead socket", ctl != NULL);
	if (!ctl) {
		printf("  (error: %s)\n", err);
		return;
	}
	fd = cli_connect(path);
	CHECK_STR("stale: new socket answers", ask_err(fd, "{\"cmd\":\"status\"}\n"), "");
	close(fd);
	control_close(ctl);
	ctl = NULL;

	/* never delete something that is not a socket */
	snprintf(file, sizeof file, "%s/not-a-socket", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	close(fd);
	err[0] = '\0';
	CHECK("stale: a regular file is refused", control_open(file, err, sizeof err) == NULL);
	CHECK_CONTAINS("stale: error says why", err, "not a socket");
	CHECK("stale: the regular file is kept", stat(file, &sb) == 0 && S_ISREG(sb.st_mode));
	unlink(file);
}

int main(void)
{
	char dir[] = "/tmp/hz-test-control.XXXXXX";
	char path[600], sub[600];

	log_init("test_control", LOG_LVL_WARN);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* two missing levels: control_open creates both */
	snprintf(path, sizeof path, "%s/run/hazardd/control.sock", dir);

	test_open(dir, path);
	test_requests(path);
	test_close_cmd(path);
	test_actor_rule();
	test_text_hygiene(path);
	test_deadlines(path);
	test_devices(path);
	test_store_cmds(dir, path);
	test_line_limits(path);
	test_slow_client(path);
	test_max_clients(path);
	test_stale(dir, path);

	snprintf(sub, sizeof sub, "%s/run/hazardd", dir);
	rmdir(sub);
	snprintf(sub, sizeof sub, "%s/run", dir);
	rmdir(sub);
	rmdir(dir);
	TEST_DONE();
}
