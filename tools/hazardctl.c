/*
 * hazardctl: the operator's view into a running hazardd.
 *
 * It speaks the control socket protocol (one JSON request line, one JSON
 * reply line) and nothing else: it links only util.c, log.c and cJSON, so
 * it works on a gateway whose daemon is wedged or misconfigured, and it
 * reads the daemon's config file for one key only (control.socket).
 *
 * Exit status: 0 ok, 1 the daemon answered an error, 2 usage error,
 * 3 the daemon cannot be reached.  Scripts rely on these.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cJSON.h>

#include "lib.h"

#define HZC_DEFAULT_SOCKET     "/run/hazardd/control.sock"
#define HZC_CONNECT_TIMEOUT_MS 5000
/* the daemon answers from its single loop; a pass can include a commit */
#define HZC_REPLY_TIMEOUT_MS   15000
#define HZC_REPLY_MAX          (64u * 1024 * 1024)
#define HZC_CONFIG_MAX         (4u * 1024 * 1024)
#define HZC_MAX_COLS           12

enum {
	HZC_EXIT_OK = 0,
	HZC_EXIT_DAEMON = 1,    /* the daemon answered {"ok":false,...} */
	HZC_EXIT_USAGE = 2,
	HZC_EXIT_UNREACHABLE = 3,
};

struct hzc_opts {
	const char *config;
	const char *socket;
	bool        json;
	const char *cmd;
	const char *id;
	bool        open;
	const char *note;
	const char *actor;
	const char *evidence;           /* close --evidence */
	bool        unknown;            /* devices --unknown */
	const char *set;                /* switch DEVICE on|off */
	const char *verdict;            /* verify-alarm ID real|false|test */
	/* hazards filters, report --date, ledger --site --format */
	const char *site, *state, *severity, *since, *date, *format;
};

static void hzc_usage(FILE *f)
{
	fprintf(f,
"usage: hazardctl [-c FILE | --socket PATH] [--json] COMMAND [ARGS]\n"
"\n"
"commands:\n"
"  status                 daemon links, queue depths and counters\n"
"  devices [--unknown]    configured devices: state (online, offline,\n"
"                         never_seen), last seen, counts\n"
"                         (--unknown: senders on zigbee2mqtt/Tasmota/Shelly\n"
"                         topics that are not in the config)\n"
"  alarms|faults|hazards|records [--open] [--site ID] [--state S]\n"
"         [--severity S] [--since TIME]\n"
"                         alarms (警情), faults (故障), hazards to rectify\n"
"                         (隐患) or all three, in handling order (--open:\n"
"                         only live ones; --since: raised or changed since\n"
"                         24h, 30m, 7d, YYYY-MM-DD or an ISO time)\n"
"  show ID                one record of any kind: timeline, evidence\n"
"                         (also: hazard ID)\n"
"  ack ID [--note TEXT] [--actor NAME]\n"
"                         acknowledge an alarm or a hazard: someone has\n"
"                         seen it (an alarm's response time ends here)\n"
"  verify-alarm ID real|false|test [--note TEXT] [--actor NAME]\n"
"                         verify an alarm (警情核实); a real one opens a\n"
"                         hazard to rectify\n"
"  dismiss ID --note TEXT [--actor NAME]\n"
"                         dismiss a fault that will not clear by itself\n"
"  rectifying ID [--note TEXT] [--actor NAME]\n"
"                         report that its rectification is under way\n"
"  close ID --note TEXT [--evidence TEXT] [--actor NAME]\n"
"                         write off a cleared hazard; the note (at most\n"
"                         500 characters) says how it was rectified,\n"
"                         --evidence (2000) what shows the fix\n"
"  outputs                GPIO outputs: state, latched, and why\n"
"  rules                  the alarm thresholds in force per kind and\n"
"                         device, and where each came from (default,\n"
"                         file, platform)\n"
"  reset OUTPUT [--actor NAME]\n"
"                         return a latched output (a closed gas valve) to\n"
"                         its safe state once its hazard has cleared; a\n"
"                         latched DEVICE: clear its latch (nothing is sent)\n"
"  test OUTPUT            self-check: drive an output for its pulse_ms\n"
"  report [--date YYYY-MM-DD]\n"
"                         the daily summary of that local day (default\n"
"                         today), printed and queued upstream\n"
"  ledger --site ID [--format csv|json]\n"
"                         the site's hazard ledger (一企一档), one row per\n"
"                         hazard (alarms and faults: alarms --site ID)\n"
"  reload                 re-read the config file and apply it live; prints\n"
"                         every error (the old config keeps running) and\n"
"                         the keys that need a restart\n"
"  switch DEVICE on|off [--actor NAME]\n"
"                         switch a plug or relay through its ecosystem;\n"
"                         `devices` shows whether it confirmed\n"
"\n"
"Every action is recorded under your user name, which hazardd learns\n"
"from the socket itself; --actor NAME records someone else (a person\n"
"without an account of their own) and is for root only.\n"
"\n"
"options:\n"
"  -c, --config FILE      find hazardd through its config file (control.socket)\n"
"  -s, --socket PATH      the control socket (default " HZC_DEFAULT_SOCKET ")\n"
"      --json             print the daemon's answer as JSON\n"
"  -h, --help             show this help\n"
"  -V, --version          show the version\n"
"\n"
"exit status: 0 ok, 1 the daemon answered an error, 2 usage error,\n"
"             3 hazardd cannot be reached\n");
}

static int hzc_usage_error(const char *fmt, const char *arg)
{
	fputs("hazardctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'hazardctl --help'.\n", stderr);
	return HZC_EXIT_USAGE;
}

/* ------------------------------------------------------------ options */

/*
 * "--name VALUE" or "--name=VALUE"; returns the value (advancing *i) or
 * NULL when arg is not this option.  *missing is set when it is, but the
 * value is absent.
 */
static const char *hzc_optval(int argc, char **argv, int *i, const char *shortname,
			      const char *longname, bool *missing)
{
	const char *arg = argv[*i];
	size_t n = strlen(longname);

	if (strncmp(arg, longname, n) == 0 && arg[n] == '=')
		return arg + n + 1;
	if (strcmp(arg, longname) != 0 && (!shortname || strcmp(arg, shortname) != 0))
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* ------------------------------------------------ report and ledger options */

/* --site --state --severity --since --date --format: true when arg was one
 * (its value taken, or *missing set). */
static bool hzc_report_opt(int argc, char **argv, int *i, struct hzc_opts *o,
			   bool *missing)
{
	static const char *const names[] = { "--site", "--state", "--severity",
		"--since", "--date", "--format" };
	const char **dst[] = { &o->site, &o->state, &o->severity, &o->since,
		&o->date, &o->format };
	const char *v;
	size_t k;

	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		if ((v = hzc_optval(argc, argv, i, NULL, names[k], missing))) {
			*dst[k] = v;
			return true;
		}
		if (*missing)
			return false;
	}
	return false;
}

/* Which command each option belongs to; -1 fine, else the exit status. */
/* The listings: one kind of record, or all three. */
static bool hzc_is_listing(const char *cmd)
{
	return strcmp(cmd, "hazards") == 0 || strcmp(cmd, "alarms") == 0 ||
	       strcmp(cmd, "faults") == 0 || strcmp(cmd, "records") == 0;
}

static int hzc_report_check(const struct hzc_opts *o)
{
	bool hazards = hzc_is_listing(o->cmd);
	bool ledger = strcmp(o->cmd, "ledger") == 0;

	if ((o->state || o->severity || o->since) && !hazards)
		return hzc_usage_error("--state, --severity and --since belong to "
				       "the listings, not \"%s\"", o->cmd);
	if (o->site && !hazards && !ledger)
		return hzc_usage_error("--site belongs to \"hazards\" and \"ledger\", "
				       "not \"%s\"", o->cmd);
	if (o->date && strcmp(o->cmd, "report") != 0)
		return hzc_usage_error("--date belongs to \"report\", not \"%s\"", o->cmd);
	if (o->format && !ledger)
		return hzc_usage_error("--format belongs to \"ledger\", not \"%s\"", o->cmd);
	if (ledger && (!o->site || !*o->site))
		return hzc_usage_error("%s", "ledger needs --site ID");
	if (o->format && strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0)
		return hzc_usage_error("--format \"%s\": expected csv or json", o->format);
	return -1;
}

static void hzc_report_request(const struct hzc_opts *o, cJSON *req)
{
	if (o->site)
		cJSON_AddStringToObject(req, "site", o->site);
	if (o->state)
		cJSON_AddStringToObject(req, "state", o->state);
	if (o->severity)
		cJSON_AddStringToObject(req, "severity", o->severity);
	if (o->since)
		cJSON_AddStringToObject(req, "since", o->since);
	if (o->date)
		cJSON_AddStringToObject(req, "date", o->date);
}

/* A person's move on a record: ack, rectifying, close, verify-alarm, dismiss. */
static bool hzc_is_transition(const char *cmd)
{
	return strcmp(cmd, "close") == 0 || strcmp(cmd, "ack") == 0 ||
	       strcmp(cmd, "rectifying") == 0 || strcmp(cmd, "verify-alarm") == 0 ||
	       strcmp(cmd, "dismiss") == 0;
}

/*
 * Global options may come before or after the command, so that
 * `hazardctl hazards --open --json` works as well as the documented order.
 * Returns -1 to continue, or an exit status.
 */
static int hzc_parse(int argc, char **argv, struct hzc_opts *o)
{
	const char *pos[3] = { NULL, NULL, NULL };
	int npos = 0, want = 1, i;
	bool only_pos = false;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (npos == 3)
				return hzc_usage_error("unexpected argument \"%s\"", a);
			pos[npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			hzc_usage(stdout);
			exit(HZC_EXIT_OK);
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("hazardctl %s\n", HAZARDD_VERSION);
			exit(HZC_EXIT_OK);
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--open") == 0) {
			o->open = true;
		} else if (strcmp(a, "--unknown") == 0) {
			o->unknown = true;
		} else if ((v = hzc_optval(argc, argv, &i, "-c", "--config", &missing))) {
			o->config = v;
		} else if ((v = hzc_optval(argc, argv, &i, "-s", "--socket", &missing))) {
			o->socket = v;
		} else if ((v = hzc_optval(argc, argv, &i, NULL, "--note", &missing))) {
			o->note = v;
		} else if ((v = hzc_optval(argc, argv, &i, NULL, "--actor", &missing))) {
			o->actor = v;
		} else if ((v = hzc_optval(argc, argv, &i, NULL, "--evidence", &missing))) {
			o->evidence = v;
		} else if (hzc_report_opt(argc, argv, &i, o, &missing)) {
			;       /* --site --state --severity --since --date --format */
		} else if (missing) {
			return hzc_usage_error("option %s needs a value", a);
		} else {
			return hzc_usage_error("unknown option \"%s\"", a);
		}
	}
	if (npos == 0)
		return hzc_usage_error("%s", "no command given");
	o->cmd = pos[0];
	if (strcmp(o->cmd, "verify-alarm") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "verify-alarm needs an ID and real, "
					       "false or test");
		o->id = pos[1];
		o->verdict = pos[2];
		want = 3;
		if (strcmp(o->verdict, "real") != 0 && strcmp(o->verdict, "false") != 0 &&
		    strcmp(o->verdict, "test") != 0)
			return hzc_usage_error("verify-alarm: \"%s\" is not real, false "
					       "or test", o->verdict);
	} else if (strcmp(o->cmd, "hazard") == 0 || strcmp(o->cmd, "show") == 0 ||
		   hzc_is_transition(o->cmd)) {
		if (npos < 2)
			return hzc_usage_error("%s needs an ID", o->cmd);
		o->id = pos[1];
		want = 2;
	} else if (strcmp(o->cmd, "reset") == 0 || strcmp(o->cmd, "test") == 0) {
		if (npos < 2)
			return hzc_usage_error("%s needs an OUTPUT name", o->cmd);
		o->id = pos[1];
		want = 2;
	} else if (strcmp(o->cmd, "switch") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "switch needs a DEVICE and on or off");
		o->id = pos[1];
		o->set = pos[2];
		want = 3;
		if (strcmp(o->set, "on") != 0 && strcmp(o->set, "off") != 0)
			return hzc_usage_error("switch: \"%s\" is neither on nor off", o->set);
	} else if (strcmp(o->cmd, "report") == 0 || strcmp(o->cmd, "ledger") == 0) {
		;       /* options only: hzc_report_check */
	} else if (strcmp(o->cmd, "status") != 0 && strcmp(o->cmd, "devices") != 0 &&
		   !hzc_is_listing(o->cmd) && strcmp(o->cmd, "outputs") != 0 &&
		   strcmp(o->cmd, "rules") != 0 &&
		   strcmp(o->cmd, "reload") != 0) {
		return hzc_usage_error("unknown command \"%s\"", o->cmd);
	}
	if (npos > want)
		return hzc_usage_error("unexpected argument \"%s\"", pos[want]);
	if (o->open && !hzc_is_listing(o->cmd))
		return hzc_usage_error("--open belongs to the listings, not \"%s\"", o->cmd);
	if (o->unknown && strcmp(o->cmd, "devices") != 0)
		return hzc_usage_error("--unknown belongs to \"devices\", not \"%s\"", o->cmd);
	if ((i = hzc_report_check(o)) >= 0)
		return i;
	if (o->actor && strcmp(o->cmd, "switch") == 0 && !o->note)
		return *o->actor ? -1 : hzc_usage_error("%s", "--actor must not be empty");
	if (o->actor && strcmp(o->cmd, "reset") == 0 && !o->note)
		return *o->actor ? -1 : hzc_usage_error("%s", "--actor must not be empty");
	if ((o->note || o->actor) && !hzc_is_transition(o->cmd))
		return hzc_usage_error("--note and --actor belong to \"close\", \"ack\" "
				       "and \"rectifying\", not \"%s\"", o->cmd);
	if (o->evidence && strcmp(o->cmd, "close") != 0)
		return hzc_usage_error("--evidence belongs to \"close\", not \"%s\"", o->cmd);
	if (o->evidence && !*o->evidence)
		return hzc_usage_error("%s", "--evidence must not be empty");
	if (o->note && !*o->note && strcmp(o->cmd, "close") != 0)
		return hzc_usage_error("%s", "--note must not be empty");
	if (o->actor && !*o->actor && hzc_is_transition(o->cmd))
		return hzc_usage_error("%s", "--actor must not be empty");
	if (strcmp(o->cmd, "close") == 0) {
		if (!o->note || !*o->note)
			return hzc_usage_error("%s", "close needs --note TEXT: how was "
					       "the hazard rectified?");
		if (o->actor && !*o->actor)
			return hzc_usage_error("%s", "--actor must not be empty");
	}
	return -1;
}

/* ----------------------------------------------------- finding hazardd */

/*
 * The socket path from the daemon's config, and nothing else from it: the
 * file also names secrets, so no part of it is ever echoed.
 */
static int hzc_config_socket(const char *file, char *out, size_t outlen)
{
	const cJSON *ctl, *sock;
	size_t len;
	char *text = read_file_hz(file, HZC_CONFIG_MAX, &len);
	cJSON *root;
	int rc = HZC_EXIT_USAGE;

	if (!text) {
		fprintf(stderr, "hazardctl: cannot read config %s: %s\n", file,
			strerror(errno));
		return HZC_EXIT_USAGE;
	}
	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		const char *at = cJSON_GetErrorPtr(), *p;
		int line = 1;

		for (p = text; at && p < at && p < text + len; p++)
			line += *p == '\n';
		fprintf(stderr, "hazardctl: %s:%d: not valid JSON "
			"(hazardd --check-config -c %s says more)\n", file, line, file);
		goto out;
	}
	ctl = cJSON_GetObjectItemCaseSensitive(root, "control");
	sock = cJSON_GetObjectItemCaseSensitive(ctl, "socket");
	if (ctl && !cJSON_IsObject(ctl)) {
		fprintf(stderr, "hazardctl: %s: $.control must be an object\n", file);
		goto out;
	}
	if (!sock) {
		strlcpy_hz(out, HZC_DEFAULT_SOCKET, outlen);
	} else if (!cJSON_IsString(sock) || !sock->valuestring || !*sock->valuestring) {
		fprintf(stderr, "hazardctl: %s: $.control.socket must be a "
			"non-empty string\n", file);
		goto out;
	} else if (strlcpy_hz(out, sock->valuestring, outlen) < 0) {
		fprintf(stderr, "hazardctl: %s: $.control.socket is too long\n", file);
		goto out;
	}
	rc = HZC_EXIT_OK;
out:
	cJSON_Delete(root);
	free(text);
	return rc;
}

/* A hint that answers the 3 a.m. question: is hazardd running at all? */
static const char *hzc_hint(int err)
{
	switch (err) {
	case ENOENT:
		return "no socket there: hazardd is not running, or it listens "
		       "elsewhere (give its config with -c FILE)";
	case ECONNREFUSED:
		return "stale socket: hazardd is not running (crashed or stopped)";
	case EACCES:
	case EPERM:
		return "hazardd may be running; run as root or as a member of "
		       "the socket's group";
	case ETIMEDOUT:
		return "hazardd is running but not accepting connections "
		       "(busy or stuck)";
	case ENOTSOCK:
		return "that path is not a socket";
	default:
		return "hazardd is probably not running";
	}
}

static int hzc_connect(const char *path)
{
	struct sockaddr_un sa;
	int64_t deadline = now_mono_ms() + HZC_CONNECT_TIMEOUT_MS;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlcpy_hz(sa.sun_path, path, sizeof sa.sun_path) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* a Unix socket connects at once or says EAGAIN: the backlog is full */
	while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		if (e != EAGAIN || now_mono_ms() >= deadline) {
			close(fd);
			errno = e == EAGAIN ? ETIMEDOUT : e;
			return -1;
		}
		poll(NULL, 0, 50);
	}
	return fd;
}

/* Wait for fd to become ready until deadline; 0 ready, -1 timed out. */
static int hzc_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - now_mono_ms();
		int rc;

		if (left <= 0)
			return -1;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * One request line out, one reply line back.  Returns the reply text
 * (caller frees) or NULL with a message printed and *rc set.
 */
static char *hzc_exchange(int fd, const char *path, const char *req, int *rc)
{
	int64_t deadline = now_mono_ms() + HZC_REPLY_TIMEOUT_MS;
	size_t len = strlen(req), off = 0, got = 0, cap = 8192;
	char *buf = NULL, *nb;
	ssize_t n;

	*rc = HZC_EXIT_UNREACHABLE;
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN && hzc_wait(fd, POLLOUT, deadline) == 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto lost;
		off += (size_t)n;
	}
	if (!(buf = malloc(cap)))
		goto oom;
	for (;;) {
		if (got + 1 >= cap) {
			if (cap >= HZC_REPLY_MAX) {
				fprintf(stderr, "hazardctl: reply from hazardd larger "
					"than %u bytes\n", HZC_REPLY_MAX);
				*rc = HZC_EXIT_DAEMON;
				goto err;
			}
			if (!(nb = realloc(buf, cap * 2)))
				goto oom;
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + got, cap - got - 1, 0);
		if (n < 0 && errno == EAGAIN) {
			if (hzc_wait(fd, POLLIN, deadline) < 0) {
				fprintf(stderr, "hazardctl: no reply from hazardd on %s "
					"within %d s (is it stuck?)\n", path,
					HZC_REPLY_TIMEOUT_MS / 1000);
				goto err;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto lost;
		if (memchr(buf + got, '\n', (size_t)n)) {
			got += (size_t)n;
			buf[got] = '\0';
			*strchr(buf, '\n') = '\0';
			*rc = HZC_EXIT_OK;
			return buf;
		}
		got += (size_t)n;
	}
lost:
	fprintf(stderr, "hazardctl: hazardd on %s closed the connection without "
		"a reply%s%s\n", path, errno && n < 0 ? ": " : "",
		errno && n < 0 ? strerror(errno) : "");
	goto err;
oom:
	fprintf(stderr, "hazardctl: out of memory\n");
	*rc = HZC_EXIT_DAEMON;
err:
	free(buf);
	return NULL;
}

static cJSON *hzc_build_request(const struct hzc_opts *o)
{
	cJSON *req = cJSON_CreateObject();

	if (!req)
		return NULL;
	cJSON_AddStringToObject(req, "cmd", o->cmd);
	if (hzc_is_listing(o->cmd))
		cJSON_AddBoolToObject(req, "open", o->open);
	if (o->verdict)
		cJSON_AddStringToObject(req, "verdict", o->verdict);
	if (o->unknown)
		cJSON_AddBoolToObject(req, "unknown", true);
	hzc_report_request(o, req);
	if (o->set) {
		cJSON_AddStringToObject(req, "device", o->id);
		cJSON_AddStringToObject(req, "set", o->set);
	}
	/* reset and test name an output, the others a hazard */
	if (o->id && !o->set)
		cJSON_AddStringToObject(req, strcmp(o->cmd, "reset") == 0 ||
					strcmp(o->cmd, "test") == 0 ? "output" : "id", o->id);
	if (o->note)
		cJSON_AddStringToObject(req, "note", o->note);
	if (o->evidence)
		cJSON_AddStringToObject(req, "evidence", o->evidence);
	/* hazardd records the user it sees on the socket (SO_PEERCRED);
	 * --actor names someone else, which it allows root alone */
	if (o->actor)
		cJSON_AddStringToObject(req, "actor", o->actor);
	return req;
}

/* ---------------------------------------------------------- rendering */

/*
 * Text from the daemon can carry what a device or the district platform
 * sent (notes, ids); control bytes are replaced so that nothing in a reply
 * can drive the operator's terminal.
 */
static char *hzc_sanitize(const char *s)
{
	char *out = strdup(s ? s : ""), *p;

	if (!out) {
		fprintf(stderr, "hazardctl: out of memory\n");
		exit(HZC_EXIT_DAEMON);
	}
	for (p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

/* Terminal columns of UTF-8 text: East Asian wide characters take two. */
static int hzc_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int w = 0;

	while (*p) {
		unsigned cp;
		int extra;

		if (*p < 0x80) {
			cp = *p; extra = 0;
		} else if ((*p & 0xE0) == 0xC0) {
			cp = *p & 0x1F; extra = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			cp = *p & 0x0F; extra = 2;
		} else {
			cp = *p & 0x07; extra = 3;
		}
		for (p++; extra > 0 && (*p & 0xC0) == 0x80; p++, extra--)
			cp = (cp << 6) | (*p & 0x3F);
		w += ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
		      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
		      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
		      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD))
			? 2 : 1;
	}
	return w;
}

/* A cell the table owns and frees (sanitized like everything shown). */
static char *hzc_dup(const char *s)
{
	return hzc_sanitize(s);
}

static char *hzc_fmt_num(double v)
{
	char buf[64];

	/* counters and ids are integers: no "7.000000" */
	if (v == (double)(int64_t)v && v > -9e15 && v < 9e15)
		snprintf(buf, sizeof buf, "%lld", (long long)v);
	else
		snprintf(buf, sizeof buf, "%.6g", v);
	return hzc_dup(buf);
}

/* Any scalar as display text; objects and arrays as compact JSON. */
static char *hzc_scalar(const cJSON *v)
{
	char *json, *out;

	if (!v || cJSON_IsNull(v))
		return hzc_dup("-");
	if (cJSON_IsString(v))
		return hzc_sanitize(v->valuestring);
	if (cJSON_IsNumber(v))
		return hzc_fmt_num(v->valuedouble);
	if (cJSON_IsBool(v))
		return hzc_dup(cJSON_IsTrue(v) ? "true" : "false");
	json = cJSON_PrintUnformatted(v);
	out = hzc_sanitize(json);
	free(json);
	return out;
}

/* The first of several candidate keys (the store's names may vary). */
static const cJSON *hzc_get(const cJSON *o, const char *const *keys)
{
	const cJSON *v;

	for (; *keys; keys++)
		if ((v = cJSON_GetObjectItemCaseSensitive(o, *keys)) != NULL)
			return v;
	return NULL;
}

/* A time: ms since the epoch or an ISO string, shown to the second. */
static char *hzc_time(const cJSON *v)
{
	char buf[40];
	int64_t ms;

	if (cJSON_IsNumber(v) && v->valuedouble > 0)
		ms = (int64_t)v->valuedouble;
	else if (cJSON_IsString(v) && parse_iso_ms(v->valuestring, &ms) == 0)
		;
	else
		return hzc_scalar(v);
	fmt_iso_ms(ms, buf, sizeof buf);
	strcpy(buf + 19, "Z");          /* drop ".mmm": tables, not forensics */
	return hzc_dup(buf);
}

static char *hzc_age(const cJSON *v)
{
	char buf[32];
	double s;

	if (!cJSON_IsNumber(v))
		return hzc_dup("never");
	s = v->valuedouble;
	if (s < 120)
		snprintf(buf, sizeof buf, "%.0fs ago", s);
	else if (s < 120 * 60)
		snprintf(buf, sizeof buf, "%.0fm ago", s / 60);
	else if (s < 48 * 3600)
		snprintf(buf, sizeof buf, "%.0fh ago", s / 3600);
	else
		snprintf(buf, sizeof buf, "%.0fd ago", s / 86400);
	return hzc_dup(buf);
}

struct hzc_row {
	char *cell[HZC_MAX_COLS];
};

/* Columns padded to their widest cell; the last column runs free. */
static void hzc_table(const char *const *head, int ncols, struct hzc_row *rows,
		      int nrows, const char *indent)
{
	int width[HZC_MAX_COLS], r, c;

	for (c = 0; c < ncols; c++) {
		width[c] = hzc_width(head[c]);
		for (r = 0; r < nrows; r++)
			if (hzc_width(rows[r].cell[c]) > width[c])
				width[c] = hzc_width(rows[r].cell[c]);
	}
	for (r = -1; r < nrows; r++) {
		fputs(indent, stdout);
		for (c = 0; c < ncols; c++) {
			const char *s = r < 0 ? head[c] : rows[r].cell[c];

			if (c == ncols - 1)
				printf("%s\n", s);
			else
				printf("%s%*s  ", s, width[c] - hzc_width(s), "");
		}
	}
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			free(rows[r].cell[c]);
}

static struct hzc_row *hzc_rows(int n)
{
	struct hzc_row *rows = calloc((size_t)(n > 0 ? n : 1), sizeof *rows);

	if (!rows) {
		fprintf(stderr, "hazardctl: out of memory\n");
		exit(HZC_EXIT_DAEMON);
	}
	return rows;
}

/* "key: value" lines, nested objects as a.b and arrays as a[0]. */
static void hzc_flatten(const char *prefix, const cJSON *v)
{
	const cJSON *child;
	char key[512];
	char *s;
	int i = 0;

	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		if (!v->child) {
			printf("%s: %s\n", prefix, cJSON_IsObject(v) ? "{}" : "[]");
			return;
		}
		cJSON_ArrayForEach(child, v) {
			char *name = hzc_sanitize(child->string ? child->string : "");

			if (cJSON_IsArray(v))
				snprintf(key, sizeof key, "%s[%d]", prefix, i++);
			else if (*prefix)
				snprintf(key, sizeof key, "%s.%s", prefix, name);
			else
				snprintf(key, sizeof key, "%s", name);
			free(name);
			hzc_flatten(key, child);
		}
		return;
	}
	s = hzc_scalar(v);
	printf("%s: %s\n", prefix, s);
	free(s);
}

static void hzc_print_status(const cJSON *res)
{
	hzc_flatten("", res);
}

static void hzc_print_devices(const cJSON *res)
{
	static const char *const head[] = { "ID", "KIND", "SITE", "STATE",
		"LAST-SEEN", "ACCEPTED", "REJECTED", "BAD-FIELDS", "OVER-RANGE", "SELF-TESTS",
		"FLOOD-DROPPED" };
	static const char *const k_id[] = { "id", NULL }, *const k_kind[] = { "kind", NULL },
		*const k_site[] = { "site", NULL }, *const k_acc[] = { "accepted", NULL },
		*const k_rej[] = { "rejected", NULL }, *const k_age[] = { "last_seen_age_s", NULL },
		*const k_st[] = { "self_tests", NULL }, *const k_fl[] = { "flood_dropped", NULL },
		*const k_ov[] = { "over_range", NULL };
	int n = cJSON_GetArraySize(res), r = 0;
	struct hzc_row *rows;
	const cJSON *d;

	if (n == 0) {
		printf("no devices configured\n");
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(d, res) {
		if (r == n)
			break;
		rows[r].cell[0] = hzc_scalar(hzc_get(d, k_id));
		rows[r].cell[1] = hzc_scalar(hzc_get(d, k_kind));
		rows[r].cell[2] = hzc_scalar(hzc_get(d, k_site));
		/* online, offline or never_seen (never heard since configured) */
		rows[r].cell[3] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(d, "state"));
		rows[r].cell[4] = hzc_age(hzc_get(d, k_age));
		rows[r].cell[5] = hzc_scalar(hzc_get(d, k_acc));
		rows[r].cell[6] = hzc_scalar(hzc_get(d, k_rej));
		{
			/* fields left out, all fields together (--json has them by field) */
			const cJSON *bf = cJSON_GetObjectItemCaseSensitive(d, "bad_fields"), *x;
			double sum = 0;
			char num[32];

			cJSON_ArrayForEach(x, bf)
				if (cJSON_IsNumber(x))
					sum += x->valuedouble;
			snprintf(num, sizeof num, "%.0f", sum);
			rows[r].cell[7] = hzc_dup(num);
		}
		rows[r].cell[8] = hzc_scalar(hzc_get(d, k_ov));
		rows[r].cell[9] = hzc_scalar(hzc_get(d, k_st));
		rows[r].cell[10] = hzc_scalar(hzc_get(d, k_fl));
		r++;
	}
	hzc_table(head, 11, rows, r, "");
	free(rows);
}

/* devices --unknown: what an installer needs to register each sender */
static void hzc_print_unknown(const cJSON *res)
{
	static const char *const head[] = { "TOPIC", "FORMAT", "NAME", "FIRST-SEEN",
		"LAST-SEEN", "COUNT", "LAST-PAYLOAD" };
	static const char *const keys[][2] = { { "topic", NULL }, { "format", NULL },
		{ "name", NULL }, { "first_seen", NULL }, { "last_seen", NULL },
		{ "count", NULL }, { "last_payload", NULL } };
	int n = cJSON_GetArraySize(res), r = 0, k;
	struct hzc_row *rows;
	const cJSON *d;

	if (n == 0) {
		printf("no unknown senders heard\n");
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(d, res) {
		if (r == n)
			break;
		for (k = 0; k < 7; k++)
			rows[r].cell[k] = hzc_scalar(hzc_get(d, keys[k]));
		r++;
	}
	hzc_table(head, 7, rows, r, "");
	free(rows);
}

static const char *const k_hz_id[] = { "id", "hazard_id", "alarm_id", "fault_id", NULL };
static const char *const k_hz_raised[] = { "raised_at", "raised_at_ms", NULL };

/* State, with "overdue" appended when past the rectification deadline
 * and "flapping" while its condition flaps (one record for many onsets). */
static char *hzc_state(const cJSON *h)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(h, "state");
	bool overdue = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "overdue"));
	bool flapping = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "flapping"));
	char *s = hzc_scalar(st), *out;

	if (!overdue && !flapping)
		return s;
	out = malloc(strlen(s) + sizeof ",overdue,flapping");
	if (out)
		sprintf(out, "%s%s%s", s, overdue ? ",overdue" : "",
			flapping ? ",flapping" : "");
	free(s);
	return out ? out : hzc_dup(flapping ? "flapping" : "overdue");
}

static void hzc_print_hazards(const cJSON *res, bool open_only, const char *what)
{
	static const char *const head[] = { "ID", "TYPE", "GRADE", "PRIORITY",
		"STATE", "DEVICE", "SITE", "RAISED", "OCC" };
	static const char *const k_type[] = { "type", NULL }, *const k_sev[] = { "severity", "level", "kind", NULL },
		*const k_prio[] = { "priority", NULL }, *const k_dev[] = { "device", NULL },
		*const k_site[] = { "site", NULL }, *const k_occ[] = { "occurrences", NULL };
	int n = cJSON_GetArraySize(res), r = 0;
	struct hzc_row *rows;
	const cJSON *h;

	if (n == 0) {
		printf(open_only ? "no open %s\n" : "no %s\n", what);
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(h, res) {
		if (r == n)
			break;
		rows[r].cell[0] = hzc_scalar(hzc_get(h, k_hz_id));
		rows[r].cell[1] = hzc_scalar(hzc_get(h, k_type));
		rows[r].cell[2] = hzc_scalar(hzc_get(h, k_sev));
		rows[r].cell[3] = hzc_scalar(hzc_get(h, k_prio));
		rows[r].cell[4] = hzc_state(h);
		rows[r].cell[5] = hzc_scalar(hzc_get(h, k_dev));
		rows[r].cell[6] = hzc_scalar(hzc_get(h, k_site));
		rows[r].cell[7] = hzc_time(hzc_get(h, k_hz_raised));
		rows[r].cell[8] = hzc_scalar(hzc_get(h, k_occ));
		r++;
	}
	hzc_table(head, 9, rows, r, "");
	free(rows);
}

static bool hzc_is_time_key(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	return (n > 3 && strcmp(k + n - 3, "_at") == 0) ||
	       (n > 6 && strcmp(k + n - 6, "_at_ms") == 0) ||
	       (k && strcmp(k, "deadline") == 0);
}

/*
 * Pretty JSON with two-space indents (cJSON_Print's tabs and "[{" runs are
 * hard to read and to diff).  Scalars go through cJSON so strings stay
 * correctly escaped; indent prefixes every line.
 */
static void hzc_json_write(const cJSON *v, int depth, const char *indent)
{
	const cJSON *child;
	char *text;

	if ((cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child) {
		bool obj = cJSON_IsObject(v);

		printf("%c\n", obj ? '{' : '[');
		cJSON_ArrayForEach(child, v) {
			printf("%s%*s", indent, 2 * (depth + 1), "");
			if (obj) {
				cJSON *key = cJSON_CreateString(child->string ? child->string : "");

				text = key ? cJSON_PrintUnformatted(key) : NULL;
				printf("%s: ", text ? text : "\"\"");
				free(text);
				cJSON_Delete(key);
			}
			hzc_json_write(child, depth + 1, indent);
			printf("%s\n", child->next ? "," : "");
		}
		printf("%s%*s%c", indent, 2 * depth, "", obj ? '}' : ']');
		return;
	}
	text = cJSON_PrintUnformatted(v);
	printf("%s", text ? text : "null");
	free(text);
}

static void hzc_json_print(const cJSON *v, const char *indent)
{
	printf("%s", indent);
	hzc_json_write(v, 0, indent);
	printf("\n");
}

static void hzc_print_hazard(const cJSON *res)
{
	static const char *const head[] = { "AT", "EVENT", "ACTOR", "NOTE/DETAIL" };
	static const char *const k_at[] = { "at", "at_ms", "ts", NULL },
		*const k_ev[] = { "event", "kind", NULL }, *const k_actor[] = { "actor", NULL },
		*const k_note[] = { "note", "detail", NULL };
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(res, "events");
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(res, "evidence");
	const cJSON *m, *e;
	struct hzc_row *rows;
	int n, r = 0, w;
	bool any_ev = false;

	/* header block: every member but the timeline and the evidence */
	cJSON_ArrayForEach(m, res) {
		char *name, *s;

		if (m == events || m == evidence)
			continue;
		if (cJSON_IsObject(m) || cJSON_IsArray(m)) {
			name = hzc_sanitize(m->string);
			hzc_flatten(name, m);
			free(name);
			continue;
		}
		name = hzc_sanitize(m->string);
		s = hzc_is_time_key(m->string) ? hzc_time(m) : hzc_scalar(m);
		w = 12 - hzc_width(name);
		printf("%s:%*s %s\n", name, w > 0 ? w : 0, "", s);
		free(name);
		free(s);
	}

	n = cJSON_GetArraySize(events);
	printf("\nEVENTS\n");
	if (n == 0) {
		printf("  (none)\n");
	} else {
		rows = hzc_rows(n);
		cJSON_ArrayForEach(e, events) {
			const cJSON *note = hzc_get(e, k_note);

			if (r == n)
				break;
			rows[r].cell[0] = hzc_time(hzc_get(e, k_at));
			rows[r].cell[1] = hzc_scalar(hzc_get(e, k_ev));
			rows[r].cell[2] = hzc_scalar(hzc_get(e, k_actor));
			/* a null note falls back to the rule's detail text */
			if (cJSON_IsNull(note))
				note = cJSON_GetObjectItemCaseSensitive(e, "detail");
			rows[r].cell[3] = hzc_scalar(note);
			r++;
		}
		hzc_table(head, 4, rows, r, "  ");
		free(rows);
	}

	printf("\nEVIDENCE\n");
	if (cJSON_IsObject(evidence) && evidence->child) {
		/* one line per phase (raised, peak, cleared...): easy to compare */
		cJSON_ArrayForEach(m, evidence) {
			char *name = hzc_sanitize(m->string), *json = cJSON_PrintUnformatted(m);

			printf("  %s:%*s %s\n", name, 8 - hzc_width(name) > 0 ?
			       8 - hzc_width(name) : 0, "", json ? json : "null");
			free(name);
			free(json);
		}
		any_ev = true;
	} else if (evidence && !cJSON_IsNull(evidence)) {
		hzc_json_print(evidence, "  ");
		any_ev = true;
	}
	cJSON_ArrayForEach(e, events) {
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(e, "evidence");
		char *at, *name;

		if (!ev || cJSON_IsNull(ev))
			continue;
		at = hzc_time(hzc_get(e, k_at));
		name = hzc_scalar(hzc_get(e, k_ev));
		printf("  %s %s:\n", at, name);
		hzc_json_print(ev, "    ");
		free(at);
		free(name);
		any_ev = true;
	}
	if (!any_ev)
		printf("  (none)\n");
}

static void hzc_print_outputs(const cJSON *res)
{
	static const char *const head[] = { "OUTPUT", "MODE", "STATE", "LATCHED",
		"SINCE", "WHY" };
	static const char *const k_name[] = { "name", NULL }, *const k_mode[] = { "mode", NULL },
		*const k_state[] = { "state", NULL }, *const k_why[] = { "why", NULL },
		*const k_since[] = { "since", NULL };
	int n = cJSON_GetArraySize(res), r = 0;
	struct hzc_row *rows;
	const cJSON *d;

	if (n == 0) {
		printf("no outputs configured\n");
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(d, res) {
		if (r == n)
			break;
		rows[r].cell[0] = hzc_scalar(hzc_get(d, k_name));
		rows[r].cell[1] = hzc_scalar(hzc_get(d, k_mode));
		rows[r].cell[2] = hzc_scalar(hzc_get(d, k_state));
		rows[r].cell[3] = hzc_dup(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			d, "latched")) ? "yes" : "no");
		rows[r].cell[4] = hzc_scalar(hzc_get(d, k_since));
		rows[r].cell[5] = hzc_scalar(hzc_get(d, k_why));
		r++;
	}
	hzc_table(head, 6, rows, r, "");
	free(rows);
}

/* One row per scope and key; a platform value is the one to look at. */
static void hzc_print_rules(const cJSON *res)
{
	static const char *const head[] = { "SCOPE", "KEY", "VALUE", "SOURCE" };
	static const char *const lvl[] = { "kinds", "devices" };
	static const char *const k_val[] = { "value", NULL }, *const k_src[] = { "source", NULL };
	const cJSON *scope, *kv;
	struct hzc_row *rows;
	int n = 0, r = 0, l;

	for (l = 0; l < 2; l++)
		cJSON_ArrayForEach(scope, cJSON_GetObjectItemCaseSensitive(res, lvl[l]))
			n += cJSON_GetArraySize(scope);
	rows = hzc_rows(n);
	for (l = 0; l < 2; l++)
		cJSON_ArrayForEach(scope, cJSON_GetObjectItemCaseSensitive(res, lvl[l]))
			cJSON_ArrayForEach(kv, scope) {
				char name[160];

				if (r == n)
					break;
				snprintf(name, sizeof name, "%s%s", l ? "device " : "",
					 scope->string);
				rows[r].cell[0] = hzc_sanitize(name);
				rows[r].cell[1] = hzc_sanitize(kv->string);
				rows[r].cell[2] = hzc_scalar(hzc_get(kv, k_val));
				rows[r].cell[3] = hzc_scalar(hzc_get(kv, k_src));
				r++;
			}
	hzc_table(head, 4, rows, r, "");
	free(rows);
	printf("platform may widen a limit: %s\n",
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "allow_widen")) ?
	       "yes" : "no");
}

static void hzc_print_close(const cJSON *res, const struct hzc_opts *o)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(res, "state");
	char *s = hzc_sanitize(cJSON_IsString(id) ? id->valuestring : o->id);
	char *st = hzc_sanitize(cJSON_IsString(state) ? state->valuestring : "closed");

	/* a cleared hazard stays cleared when acknowledged: say what was done */
	if (strcmp(o->cmd, "ack") == 0)
		printf("%s acknowledged (state %s)\n", s, st);
	else if (strcmp(o->cmd, "rectifying") == 0)
		printf("hazard %s rectification reported (state %s)\n", s, st);
	else if (strcmp(o->cmd, "verify-alarm") == 0)
		printf("alarm %s verified %s (state %s)\n", s, o->verdict, st);
	else if (strcmp(o->cmd, "dismiss") == 0)
		printf("fault %s dismissed\n", s);
	else
		printf("hazard %s %s\n", s, st);
	free(s);
	free(st);
}

/* The outcome of a reload; false when the config was refused. */
static bool hzc_print_reload(const cJSON *res, bool json)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(res, "reloaded");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(res, "errors");
	const cJSON *restart = cJSON_GetObjectItemCaseSensitive(res, "restart_needed");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(res, "changes");
	const cJSON *v;
	char *s;

	if (json)
		return cJSON_IsTrue(ok);
	if (!cJSON_IsTrue(ok)) {
		fprintf(stderr, "hazardctl: configuration not valid; hazardd keeps "
			"running on the previous one:\n");
		cJSON_ArrayForEach(v, errs) {
			s = hzc_sanitize(cJSON_IsString(v) ? v->valuestring : "?");
			fprintf(stderr, "  %s\n", s);
			free(s);
		}
		return false;
	}
	printf("configuration reloaded\n");
	hzc_flatten("", ch);
	cJSON_ArrayForEach(v, restart) {
		s = hzc_sanitize(cJSON_IsString(v) ? v->valuestring : "?");
		printf("needs a restart: %s (the running value is kept)\n", s);
		free(s);
	}
	return true;
}

/* ------------------------------------------------------ report and ledger */

/* "2/3 (66.67%)" from a summary's {num, den, rate}; "-" when unrated. */
static char *hzc_ratio(const cJSON *o, const char *num, const char *den)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, num);
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, den);
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, strcmp(num, "online") == 0 ?
							  "online_rate" : "rate");
	char buf[64];

	if (!cJSON_IsNumber(n) || !cJSON_IsNumber(d))
		return hzc_dup("-");
	if (cJSON_IsNumber(r))
		snprintf(buf, sizeof buf, "%.0f/%.0f (%.2f%%)", n->valuedouble,
			 d->valuedouble, r->valuedouble * 100.0);
	else
		snprintf(buf, sizeof buf, "%.0f/%.0f", n->valuedouble, d->valuedouble);
	return hzc_dup(buf);
}

/* A member of a summary bucket by path ("alarms.response_s.median"). */
static const cJSON *hzc_path(const cJSON *o, const char *path)
{
	char buf[96], *p, *save = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = strtok_r(buf, ".", &save); p && o; p = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, p);
	return o;
}

/* A response time in seconds as "12.5s"; "-" when there is none. */
static char *hzc_secs(const cJSON *v)
{
	char buf[32];

	if (!cJSON_IsNumber(v))
		return hzc_dup("-");
	snprintf(buf, sizeof buf, "%.1fs", v->valuedouble);
	return hzc_dup(buf);
}

/* "low_battery 2, tamper 1" from a by_type object: the types seen only. */
static char *hzc_types(const cJSON *by)
{
	char buf[512];
	size_t n = 0;
	const cJSON *t;

	buf[0] = '\0';
	cJSON_ArrayForEach(t, by) {
		if (!cJSON_IsNumber(t) || t->valuedouble <= 0 || n >= sizeof buf)
			continue;
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %.0f", n ? ", " : "",
				      t->string, t->valuedouble);
	}
	return hzc_dup(n ? buf : "-");
}

/* One row of a report table: the bucket's figures by section. */
enum hzc_report_part { HZC_RP_HAZARDS, HZC_RP_ALARMS, HZC_RP_FAULTS, HZC_RP_DEVICES };

static void hzc_report_row(struct hzc_row *row, const char *name, const cJSON *b,
			   enum hzc_report_part part)
{
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(b, "hazards");
	const cJSON *closed = hzc_path(b, "by_state.closed");
	const cJSON *al = cJSON_GetObjectItemCaseSensitive(b, "alarms");
	const cJSON *ft = cJSON_GetObjectItemCaseSensitive(b, "faults");
	char buf[32];

	row->cell[0] = hzc_sanitize(name);
	switch (part) {
	case HZC_RP_HAZARDS:
		row->cell[1] = hzc_scalar(total);
		snprintf(buf, sizeof buf, "%.0f", (cJSON_IsNumber(total) ? total->valuedouble
			 : 0) - (cJSON_IsNumber(closed) ? closed->valuedouble : 0));
		row->cell[2] = hzc_dup(buf);
		row->cell[3] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(b, "new"));
		row->cell[4] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(b, "closed"));
		row->cell[5] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(b, "overdue"));
		row->cell[6] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b, "rectification"),
					 "closed", "raised");
		row->cell[7] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b,
					 "rectification_on_time"), "closed_on_time", "came_due");
		row->cell[8] = hzc_ratio(hzc_path(b, "rectification_on_time.day"),
					 "closed_on_time", "came_due");
		break;
	case HZC_RP_ALARMS:
		row->cell[1] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(al, "raised"));
		row->cell[2] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(al, "acknowledged"));
		row->cell[3] = hzc_secs(hzc_path(al, "response_s.median"));
		row->cell[4] = hzc_secs(hzc_path(al, "response_s.p90"));
		row->cell[5] = hzc_scalar(hzc_path(al, "verified.real"));
		row->cell[6] = hzc_scalar(hzc_path(al, "verified.false"));
		row->cell[7] = hzc_scalar(hzc_path(al, "verified.test"));
		row->cell[8] = hzc_scalar(hzc_path(al, "verified.unverified"));
		total = cJSON_GetObjectItemCaseSensitive(al, "false_alarm_rate");
		if (cJSON_IsNumber(total)) {
			snprintf(buf, sizeof buf, "%.2f%%", total->valuedouble * 100.0);
			row->cell[9] = hzc_dup(buf);
		} else {
			row->cell[9] = hzc_dup("-");
		}
		row->cell[10] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(al, "active"));
		row->cell[11] = hzc_types(cJSON_GetObjectItemCaseSensitive(al, "by_type"));
		break;
	case HZC_RP_FAULTS:
		row->cell[1] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "raised"));
		row->cell[2] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "active"));
		row->cell[3] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "cleared"));
		row->cell[4] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "dismissed"));
		row->cell[5] = hzc_types(cJSON_GetObjectItemCaseSensitive(ft, "by_type"));
		break;
	case HZC_RP_DEVICES:
		row->cell[1] = hzc_scalar(hzc_path(b, "devices.total"));
		row->cell[2] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b, "devices"),
					 "online", "total");
		row->cell[3] = hzc_scalar(hzc_path(b, "devices.never_seen"));
		row->cell[4] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b, "button_self_test"),
					 "tested", "devices");
		row->cell[5] = hzc_scalar(hzc_path(b, "button_self_test.presses"));
		break;
	}
}

/*
 * The summary as four tables, a row for the gateway and one per site:
 * hazards and the rectification rates (整改率 over all hazards up to now,
 * 限期整改率 over those come due, and today's), the day's alarms with
 * their response and verdicts, the day's faults, and the devices.
 */
static void hzc_print_report(const cJSON *res)
{
	static const char *const h_hz[] = { "SITE", "HAZARDS", "NOT-CLOSED", "NEW",
		"CLOSED", "OVERDUE", "RECTIFIED", "ON-TIME", "ON-TIME-TODAY" };
	static const char *const h_al[] = { "SITE", "ALARMS", "ACKED", "RESP-MEDIAN",
		"RESP-P90", "REAL", "FALSE", "TEST", "UNVERIFIED", "FALSE-RATE", "ACTIVE",
		"BY-TYPE" };
	static const char *const h_ft[] = { "SITE", "FAULTS", "ACTIVE", "CLEARED",
		"DISMISSED", "BY-TYPE" };
	static const char *const h_dv[] = { "SITE", "DEVICES", "ONLINE", "NEVER-SEEN",
		"BUTTON-SELF-TESTED", "PRESSES" };
	static const struct {
		const char *title;
		const char *const *head;
		int ncols;
	} part[] = {
		{ "hazards (隐患): rectified 整改率, on time 限期整改率 (all to date) and today",
		  h_hz, 9 },
		{ "alarms (警情) raised today: response time, verification, 误报率 "
		  "(false / (real + false)), active now", h_al, 12 },
		{ "faults (故障) raised today; active now, cleared and dismissed today",
		  h_ft, 6 },
		{ "devices: online 设备在线率, button self-test 按键自检率", h_dv, 6 },
	};
	static const char *const k_date[] = { "date", NULL }, *const k_tz[] = { "timezone", NULL },
		*const k_id[] = { "msg_id", NULL };
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(res, "sites"), *s;
	int n = cJSON_GetArraySize(sites) + 1, r;
	size_t p;
	struct hzc_row *rows = hzc_rows(n);
	char *date = hzc_scalar(hzc_get(res, k_date)), *tz = hzc_scalar(hzc_get(res, k_tz));
	char *id = hzc_scalar(hzc_get(res, k_id));
	char *asof = hzc_time(cJSON_GetObjectItemCaseSensitive(res, "as_of"));

	printf("summary of %s (%s) as of %s%s\n", date, tz, asof,
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "complete")) ?
	       "" : " (day not over)");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "queued")))
		printf("queued upstream as msg_id %s\n", id);
	for (p = 0; p < sizeof part / sizeof part[0]; p++) {
		printf("\n%s\n", part[p].title);
		memset(rows, 0, (size_t)n * sizeof *rows);
		hzc_report_row(&rows[0], "(gateway)",
			       cJSON_GetObjectItemCaseSensitive(res, "totals"),
			       (enum hzc_report_part)p);
		r = 1;
		cJSON_ArrayForEach(s, sites) {
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "site");

			if (r == n)
				break;
			hzc_report_row(&rows[r++], cJSON_IsString(name) ? name->valuestring
				       : "?", s, (enum hzc_report_part)p);
		}
		hzc_table(part[p].head, part[p].ncols, rows, r, "");
	}
	free(rows);
	free(date);
	free(tz);
	free(id);
	free(asof);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break, quotes doubled. */
static void hzc_csv_field(const char *s, bool last)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (p = s; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static char *hzc_csv_value(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return hzc_dup("");
	if (cJSON_IsBool(v))
		return hzc_dup(cJSON_IsTrue(v) ? "yes" : "no");
	return hzc_scalar(v);
}

/* The ledger: CSV (the default, for a spreadsheet) or JSON. */
static void hzc_print_ledger(const cJSON *res, const struct hzc_opts *o)
{
	static const char *const cols[] = { "id", "type", "severity", "priority",
		"device", "raised", "deadline", "state", "acknowledged", "rectifying",
		"cleared", "closed", "closed_by", "note", "overdue", "recurrence_of",
		"occurrences" };
	const size_t nc = sizeof cols / sizeof cols[0];
	const cJSON *row;
	size_t c;

	if (o->format && strcmp(o->format, "json") == 0) {
		hzc_json_print(res, "");
		return;
	}
	for (c = 0; c < nc; c++)
		hzc_csv_field(cols[c], c == nc - 1);
	cJSON_ArrayForEach(row, res) {
		for (c = 0; c < nc; c++) {
			char *v = hzc_csv_value(cJSON_GetObjectItemCaseSensitive(row, cols[c]));

			hzc_csv_field(v, c == nc - 1);
			free(v);
		}
	}
}

static void hzc_print(const cJSON *res, const struct hzc_opts *o)
{
	if (o->json) {
		hzc_json_print(res, "");
	} else if (strcmp(o->cmd, "status") == 0) {
		hzc_print_status(res);
	} else if (strcmp(o->cmd, "devices") == 0 && o->unknown) {
		hzc_print_unknown(res);
	} else if (strcmp(o->cmd, "devices") == 0) {
		hzc_print_devices(res);
	} else if (strcmp(o->cmd, "report") == 0) {
		hzc_print_report(res);
	} else if (strcmp(o->cmd, "ledger") == 0) {
		hzc_print_ledger(res, o);
	} else if (hzc_is_listing(o->cmd)) {
		hzc_print_hazards(res, o->open, o->cmd);
	} else if (strcmp(o->cmd, "hazard") == 0 || strcmp(o->cmd, "show") == 0) {
		hzc_print_hazard(res);
	} else if (strcmp(o->cmd, "outputs") == 0) {
		hzc_print_outputs(res);
	} else if (strcmp(o->cmd, "rules") == 0) {
		hzc_print_rules(res);
	} else if (strcmp(o->cmd, "reset") == 0 || strcmp(o->cmd, "test") == 0 ||
		   strcmp(o->cmd, "switch") == 0) {
		hzc_flatten("", res);
	} else if (strcmp(o->cmd, "reload") == 0) {
		/* main: hzc_print_reload, which also decides the exit status */
	} else {
		hzc_print_close(res, o);
	}
}

/* --------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct hzc_opts o;
	char path[PATH_MAX_HZ], *reqtext = NULL, *reply = NULL;
	cJSON *req = NULL, *rep = NULL;
	const cJSON *ok, *res;
	int rc, fd = -1;

	memset(&o, 0, sizeof o);
	log_init("hazardctl", LOG_LVL_WARN);
	if ((rc = hzc_parse(argc, argv, &o)) >= 0)
		return rc;

	/* --socket wins over the config file, which wins over the default */
	if (o.socket) {
		if (strlcpy_hz(path, o.socket, sizeof path) < 0)
			return hzc_usage_error("%s", "--socket path too long");
	} else if (o.config) {
		if ((rc = hzc_config_socket(o.config, path, sizeof path)) != 0)
			return rc;
	} else {
		strlcpy_hz(path, HZC_DEFAULT_SOCKET, sizeof path);
	}

	req = hzc_build_request(&o);
	reqtext = req ? cJSON_PrintUnformatted(req) : NULL;
	if (!reqtext) {
		fprintf(stderr, "hazardctl: out of memory\n");
		rc = HZC_EXIT_DAEMON;
		goto out;
	}
	fd = hzc_connect(path);
	if (fd < 0) {
		struct stat sb;
		int e = errno;

		/* connect() says "refused" for a plain file too */
		if (e == ECONNREFUSED && stat(path, &sb) == 0 && !S_ISSOCK(sb.st_mode))
			e = ENOTSOCK;

		fprintf(stderr, "hazardctl: cannot connect to %s: %s\n", path, strerror(e));
		fprintf(stderr, "hazardctl: %s\n", hzc_hint(e));
		rc = HZC_EXIT_UNREACHABLE;
		goto out;
	}
	{
		/* the protocol is line based: the request ends with '\n' */
		size_t n = strlen(reqtext);
		char *line = malloc(n + 2);

		if (!line) {
			fprintf(stderr, "hazardctl: out of memory\n");
			rc = HZC_EXIT_DAEMON;
			goto out;
		}
		memcpy(line, reqtext, n);
		memcpy(line + n, "\n", 2);
		reply = hzc_exchange(fd, path, line, &rc);
		free(line);
	}
	if (!reply)
		goto out;
	rep = cJSON_Parse(reply);
	ok = cJSON_GetObjectItemCaseSensitive(rep, "ok");
	if (!cJSON_IsBool(ok)) {
		fprintf(stderr, "hazardctl: malformed reply from hazardd on %s\n", path);
		rc = HZC_EXIT_DAEMON;
		goto out;
	}
	if (cJSON_IsFalse(ok)) {
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(rep, "error");
		char *s = hzc_sanitize(cJSON_IsString(err) ? err->valuestring
						       : "request failed");

		fprintf(stderr, "hazardctl: %s\n", s);
		free(s);
		rc = HZC_EXIT_DAEMON;
		goto out;
	}
	res = cJSON_GetObjectItemCaseSensitive(rep, "result");
	hzc_print(res, &o);
	rc = HZC_EXIT_OK;
	if (strcmp(o.cmd, "reload") == 0 && !hzc_print_reload(res, o.json))
		rc = HZC_EXIT_DAEMON;   /* refused: the errors went to stderr */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "hazardctl: write error: %s\n", strerror(errno));
		rc = HZC_EXIT_DAEMON;
	}
out:
	if (fd >= 0)
		close(fd);
	cJSON_Delete(rep);
	cJSON_Delete(req);
	free(reqtext);
	free(reply);
	return rc;
}
