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

#include "hazardctl.h"



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
"  submit ID --note TEXT [--evidence TEXT] [--actor NAME]\n"
"                         report a hazard rectified, for re-inspection\n"
"                         (整改完成待复查); the note (at most 500\n"
"                         characters) says how, --evidence (2000) what\n"
"                         shows it; a sensor's condition must have been\n"
"                         normal for records.normal_before_submit_h\n"
"  verify ID pass|fail --note TEXT [--actor NAME]\n"
"                         re-inspect a submitted hazard (复查), never by\n"
"                         its submitter: pass writes it off (销号), fail\n"
"                         sends it back to rectifying\n"
"  close ID --note TEXT [--actor NAME]\n"
"                         the same as verify ID pass\n"
"  raise SITE TYPE --note TEXT [--device ID] [--severity general|major]\n"
"        [--actor NAME]   record a hazard by hand (an inspection's\n"
"                         finding); TYPE is a hazard type (gas_leak, ...)\n"
"  selfcheck SITE [ITEM=ok|fail ...] [--note TEXT] [--actor NAME]\n"
"                         record a site's self-inspection (自查): every\n"
"                         item of its kind's checklist once; each failed\n"
"                         item opens a hazard.  SITE alone: the checklist\n"
"  checklist SITE         the self-inspection checklist that applies to a\n"
"                         site: its kind's, from the config or built in\n"
"  supervise ID [--note TEXT] [--actor NAME]\n"
"                         put a major hazard under supervision (挂牌督办),\n"
"                         as the platform's supervise does\n"
"  user add NAME --role ROLE [--site ID]... [--lang zh|en] [--password-stdin]\n"
"  user passwd NAME [--password-stdin] | user del NAME | user list\n"
"                         the web console's accounts (root only); ROLE:\n"
"                         owner, caretaker, grid_worker, installer, admin\n"
"  assign ID PERSON [--note TEXT] [--actor NAME]\n"
"                         assign a hazard (交办) to one of its site's\n"
"                         people (a person id of $.sites[].people); again\n"
"                         to re-assign it\n"
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
"  report --weekly [--week YYYY-Www]\n"
"                         the weekly report (每周一报): the major hazards\n"
"                         open at the week's end with assignee, deadline,\n"
"                         state, re-inspection and supervision; printed\n"
"                         and queued upstream\n"
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
bool hzc_is_listing(const char *cmd)
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
	if ((o->weekly || o->week) && strcmp(o->cmd, "report") != 0)
		return hzc_usage_error("--weekly and --week belong to \"report\", not \"%s\"",
				       o->cmd);
	if (o->week && !o->weekly)
		return hzc_usage_error("%s", "--week goes with report --weekly");
	if (o->weekly && o->date)
		return hzc_usage_error("%s", "report --weekly takes --week, not --date");
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

/* A person's move on a record: ack, rectifying, close, submit, verify,
 * verify-alarm, dismiss; and raise (a hazard by hand), which takes a
 * note and an actor like them. */
static bool hzc_is_transition(const char *cmd)
{
	return strcmp(cmd, "close") == 0 || strcmp(cmd, "ack") == 0 ||
	       strcmp(cmd, "rectifying") == 0 || strcmp(cmd, "verify-alarm") == 0 ||
	       strcmp(cmd, "dismiss") == 0 || strcmp(cmd, "submit") == 0 ||
	       strcmp(cmd, "verify") == 0 || strcmp(cmd, "raise") == 0 ||
	       strcmp(cmd, "assign") == 0 || strcmp(cmd, "selfcheck") == 0 ||
	       strcmp(cmd, "supervise") == 0;
}

/* Commands whose note is required: the write-off and re-inspection. */
static bool hzc_needs_note(const char *cmd)
{
	return strcmp(cmd, "close") == 0 || strcmp(cmd, "submit") == 0 ||
	       strcmp(cmd, "verify") == 0 || strcmp(cmd, "raise") == 0;
}

/*
 * Global options may come before or after the command, so that
 * `hazardctl hazards --open --json` works as well as the documented order.
 * Returns -1 to continue, or an exit status.
 */
static int hzc_parse(int argc, char **argv, struct hzc_opts *o)
{
	static const char *pos[HZC_ARGS_MAX];
	int npos = 0, want = 1, i;
	bool only_pos = false;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (npos == HZC_ARGS_MAX)
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
		} else if (strcmp(a, "--weekly") == 0) {
			o->weekly = true;
		} else if ((v = hzc_optval(argc, argv, &i, NULL, "--week", &missing))) {
			o->week = v;
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
		} else if ((v = hzc_optval(argc, argv, &i, NULL, "--device", &missing))) {
			o->device = v;
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
	} else if (strcmp(o->cmd, "verify") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "verify needs an ID and pass or fail");
		o->id = pos[1];
		o->result = pos[2];
		want = 3;
		if (strcmp(o->result, "pass") != 0 && strcmp(o->result, "fail") != 0)
			return hzc_usage_error("verify: \"%s\" is neither pass nor fail",
					       o->result);
	} else if (strcmp(o->cmd, "raise") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "raise needs a SITE and a hazard TYPE");
		o->site = pos[1];
		o->type = pos[2];
		want = 3;
		if (o->severity && strcmp(o->severity, "general") != 0 &&
		    strcmp(o->severity, "major") != 0)
			return hzc_usage_error("raise: --severity \"%s\" is neither general "
					       "nor major", o->severity);
	} else if (strcmp(o->cmd, "assign") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "assign needs a hazard ID and a PERSON "
					       "id");
		o->id = pos[1];
		o->person = pos[2];
		want = 3;
	} else if (strcmp(o->cmd, "checklist") == 0) {
		if (npos < 2)
			return hzc_usage_error("%s", "checklist needs a SITE");
		o->site = pos[1];
		want = 2;
	} else if (strcmp(o->cmd, "selfcheck") == 0) {
		if (npos < 2)
			return hzc_usage_error("%s", "selfcheck needs a SITE (and ITEM=ok|fail "
					       "for every item of its checklist)");
		o->site = pos[1];
		o->items = pos + 2;
		o->n_items = npos - 2;
		want = npos;
		for (i = 0; i < o->n_items; i++) {
			const char *eq = strchr(o->items[i], '=');

			if (!eq || eq == o->items[i] ||
			    (strcmp(eq, "=ok") != 0 && strcmp(eq, "=fail") != 0))
				return hzc_usage_error("selfcheck: \"%s\" is not ITEM=ok or "
						       "ITEM=fail", o->items[i]);
		}
		if (o->n_items == 0 && (o->note || o->actor))
			return hzc_usage_error("%s", "selfcheck SITE alone lists the "
					       "checklist; --note and --actor go with items");
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
	if (o->device && strcmp(o->cmd, "raise") != 0)
		return hzc_usage_error("--device belongs to \"raise\", not \"%s\"", o->cmd);
	if (o->device && !*o->device)
		return hzc_usage_error("%s", "--device must not be empty");
	if (strcmp(o->cmd, "raise") != 0 && strcmp(o->cmd, "selfcheck") != 0 &&
	    strcmp(o->cmd, "checklist") != 0 && (i = hzc_report_check(o)) >= 0)
		return i;
	if (strcmp(o->cmd, "raise") == 0 && (o->state || o->since || o->date || o->format))
		return hzc_usage_error("%s", "raise takes --note, --device, --severity and "
				       "--actor");
	if (o->actor && strcmp(o->cmd, "switch") == 0 && !o->note)
		return *o->actor ? -1 : hzc_usage_error("%s", "--actor must not be empty");
	if (o->actor && strcmp(o->cmd, "reset") == 0 && !o->note)
		return *o->actor ? -1 : hzc_usage_error("%s", "--actor must not be empty");
	if ((o->note || o->actor) && !hzc_is_transition(o->cmd))
		return hzc_usage_error("--note and --actor belong to a person's move "
				       "(ack, rectifying, submit, verify, close, ...), "
				       "not \"%s\"", o->cmd);
	if (o->evidence && strcmp(o->cmd, "close") != 0 && strcmp(o->cmd, "submit") != 0)
		return hzc_usage_error("--evidence belongs to \"submit\" and \"close\", "
				       "not \"%s\"", o->cmd);
	if (o->evidence && !*o->evidence)
		return hzc_usage_error("%s", "--evidence must not be empty");
	if (o->note && !*o->note && !hzc_needs_note(o->cmd))
		return hzc_usage_error("%s", "--note must not be empty");
	if (o->actor && !*o->actor && hzc_is_transition(o->cmd))
		return hzc_usage_error("%s", "--actor must not be empty");
	if (hzc_needs_note(o->cmd) && (!o->note || !*o->note))
		return hzc_usage_error(strcmp(o->cmd, "raise") == 0 ?
				       "%s needs --note TEXT: what was found?" :
				       strcmp(o->cmd, "verify") == 0 ?
				       "%s needs --note TEXT: what the re-inspection found" :
				       "%s needs --note TEXT: how was the hazard rectified?",
				       o->cmd);
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

/* selfcheck SITE ITEM=ok ...: {"cmd":"selfcheck","site","items":{ITEM:
 * "ok"|"fail"}}; SITE alone: {"cmd":"checklist","site"}.  An item given
 * twice reaches the daemon as given, which refuses it. */
static cJSON *hzc_selfcheck_request(const struct hzc_opts *o, cJSON *req)
{
	cJSON *items;
	int i;

	cJSON_AddStringToObject(req, "cmd", o->n_items ? "selfcheck" : "checklist");
	cJSON_AddStringToObject(req, "site", o->site);
	if (!o->n_items)
		return req;
	items = cJSON_AddObjectToObject(req, "items");
	for (i = 0; items && i < o->n_items; i++) {
		const char *eq = strchr(o->items[i], '=');
		char name[ID_MAX];

		snprintf(name, sizeof name, "%.*s", (int)(eq - o->items[i]), o->items[i]);
		cJSON_AddItemToObject(items, name, cJSON_CreateString(eq + 1));
	}
	if (o->note)
		cJSON_AddStringToObject(req, "note", o->note);
	if (o->actor)
		cJSON_AddStringToObject(req, "actor", o->actor);
	return req;
}

static cJSON *hzc_build_request(const struct hzc_opts *o)
{
	cJSON *req = cJSON_CreateObject();

	if (!req)
		return NULL;
	if (strcmp(o->cmd, "selfcheck") == 0 || strcmp(o->cmd, "checklist") == 0)
		return hzc_selfcheck_request(o, req);
	if (o->weekly) {        /* report --weekly [--week]: 每周一报 */
		cJSON_AddStringToObject(req, "cmd", "weekly");
		if (o->week)
			cJSON_AddStringToObject(req, "week", o->week);
		return req;
	}
	cJSON_AddStringToObject(req, "cmd", o->cmd);
	if (hzc_is_listing(o->cmd))
		cJSON_AddBoolToObject(req, "open", o->open);
	if (o->verdict)
		cJSON_AddStringToObject(req, "verdict", o->verdict);
	if (o->person)
		cJSON_AddStringToObject(req, "person", o->person);
	if (o->unknown)
		cJSON_AddBoolToObject(req, "unknown", true);
	if (o->result)
		cJSON_AddStringToObject(req, "result", o->result);
	if (o->type) {          /* raise SITE TYPE [--device] [--severity] */
		cJSON_AddStringToObject(req, "site", o->site);
		cJSON_AddStringToObject(req, "type", o->type);
		if (o->device)
			cJSON_AddStringToObject(req, "device", o->device);
		if (o->severity)
			cJSON_AddStringToObject(req, "severity", o->severity);
	} else {
		hzc_report_request(o, req);
	}
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
	if ((rc = hzc_user_parse(argc, argv, &o)) >= 0 ||
	    (!o.request && (rc = hzc_parse(argc, argv, &o)) >= 0))
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

	req = o.request ? o.request : hzc_build_request(&o);
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
	if (o.request)
		hzc_user_print(res, &o);
	else
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
