/*
 * hazardctl_watch.c: `hazardctl watch [--device ID | --site ID] [--json]`,
 * the commands with options of their own (hzc_own_command: init, watch,
 * devices --unknown --config) and the streaming side of the protocol.
 *
 * watch sends {"cmd":"watch",...}; after the reply the connection is a
 * stream of JSON lines, one per decoded reading and per record event
 * (daemon/app/control_watch.c).  Each becomes one line here, with values
 * in their units, flushed as it comes (line-buffered: into a pipe or a
 * file too), or the line itself with --json.  Ctrl-C, SIGTERM and a
 * reader that goes away (SIGPIPE) end it with status 0; the daemon
 * ending the stream (it stopped, or we read too slowly) is status 1.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hazardctl.h"

static volatile sig_atomic_t watch_stop;

static void watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

/* ------------------------------------------------------------ the line */

static const struct {
	const char *field, *unit;
} units[] = {
	{ "gas_lel", "%LEL" }, { "co_ppm", "ppm" }, { "gas_ppm", "ppm" },
	{ "battery", "%" }, { "power", "W" }, { "current", "A" },
	{ "voltage", "V" }, { "temperature", "°C" }, { "energy", "kWh" },
};

static const char *unit_of(const char *field)
{
	size_t i;

	for (i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(units[i].field, field) == 0)
			return units[i].unit;
	return "";
}

/* "14:02:07" from whatever hazardctl's time helper renders. */
static void print_clock(const cJSON *at)
{
	char *t = hzc_time(at), *p = strchr(t, 'T');

	printf("%.8s", p ? p + 1 : t);
	free(t);
}

static void print_str(const cJSON *o, const char *key, const char *before)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char *s;

	if (!cJSON_IsString(v))
		return;
	s = hzc_sanitize(v->valuestring);
	printf("%s%s", before, s);
	free(s);
}

/* 14:02:07 kitchen-gas  gas_lel 31 %LEL  gas true  (shop-1) */
static void print_reading(const cJSON *r)
{
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(r, "values"), *v;

	print_clock(cJSON_GetObjectItemCaseSensitive(r, "at"));
	print_str(r, "device", " ");
	cJSON_ArrayForEach(v, values) {
		char *s, *name;

		if (!v->string || strcmp(v->string, "ts") == 0)
			continue;
		s = hzc_scalar(v);
		name = hzc_sanitize(v->string);
		printf("  %s %s%s%s", name, s, *unit_of(v->string) ? " " : "",
		       unit_of(v->string));
		free(name);
		free(s);
	}
	print_str(r, "site", "  (");
	printf("%s\n", cJSON_GetObjectItemCaseSensitive(r, "site") ? ")" : "");
}

/* 14:02:09 ALARM raised gas_leak kitchen-gas  A-20261207-0001 active  (shop-1) */
static void print_record(const cJSON *e)
{
	const cJSON *it;
	const char *kind = "RECORD";

	cJSON_ArrayForEach(it, e)
		if (it->string && strcmp(it->string + strcspn(it->string, "_"), "_id") == 0) {
			kind = strncmp(it->string, "alarm", 5) == 0 ? "ALARM" :
			       strncmp(it->string, "fault", 5) == 0 ? "FAULT" :
			       strncmp(it->string, "hazard", 6) == 0 ? "HAZARD" : "RECORD";
			break;
		}
	print_clock(cJSON_GetObjectItemCaseSensitive(e, "at"));
	printf(" %s", kind);
	print_str(e, "event", " ");
	print_str(e, "type", " ");
	print_str(e, "device", " ");
	if (it && cJSON_IsString(it))
		print_str(e, it->string, "  ");
	print_str(e, "state", " ");
	print_str(e, "priority", " ");
	print_str(e, "site", "  (");
	printf("%s\n", cJSON_GetObjectItemCaseSensitive(e, "site") ? ")" : "");
}

/* One stream line; 1 when the stream says it ends. */
static int watch_line(const char *line, bool json)
{
	cJSON *j = cJSON_Parse(line);
	const cJSON *v;
	int rc = 0;

	if (!j)
		return 0;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "dropped"))) {
		char *s = hzc_scalar(v);

		fprintf(stderr, "hazardctl: %s\n", s);
		free(s);
		rc = 1;
	} else if (json) {
		puts(line);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(j, "reading"))) {
		print_reading(v);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(j, "record"))) {
		print_record(v);
	}
	cJSON_Delete(j);
	return rc;
}

/* ------------------------------------------------------------ the stream */

struct hzc_stream {
	int    fd;
	char  *buf;
	size_t len, cap;
};

/* The next line (NUL-terminated, in s->buf until the next call): 1, or 0
 * at the daemon's end, -1 on an error or a signal. */
static int stream_next(struct hzc_stream *s, char **line, size_t *consumed, int timeout_ms)
{
	char *nl;
	ssize_t n;

	if (*consumed) {
		memmove(s->buf, s->buf + *consumed, s->len - *consumed);
		s->len -= *consumed;
		*consumed = 0;
	}
	for (;;) {
		if (s->len && (nl = memchr(s->buf, '\n', s->len))) {
			*nl = '\0';
			*line = s->buf;
			*consumed = (size_t)(nl - s->buf) + 1;
			return 1;
		}
		if (s->len + 1 >= s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 65536;
			char *nb;

			if (cap > HZC_REPLY_MAX || !(nb = realloc(s->buf, cap)))
				return -1;
			s->buf = nb;
			s->cap = cap;
		}
		if (watch_stop)
			return -1;
		{
			struct pollfd p = { .fd = s->fd, .events = POLLIN };
			int rc = poll(&p, 1, timeout_ms);

			if (rc < 0 && errno == EINTR)
				continue;
			if (rc <= 0)
				return -1;
		}
		n = recv(s->fd, s->buf + s->len, s->cap - s->len - 1, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		s->len += (size_t)n;
	}
}

/* Send one request line on a connected socket. */
static int send_line(int fd, const cJSON *req)
{
	char *text = cJSON_PrintUnformatted(req);
	size_t len, off = 0;
	int rc = 0;

	if (!text)
		return -1;
	len = strlen(text);
	text[len++] = '\n';     /* cJSON's buffer has room: its NUL */
	while (off < len && rc == 0) {
		ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 1000);
			continue;
		}
		if (n <= 0)
			rc = -1;
		else
			off += (size_t)n;
	}
	free(text);
	return rc;
}

int hzc_request_open(const char *config, const char *socket_path, const cJSON *req,
		     struct hzc_stream **out, cJSON **reply)
{
	char path[PATH_MAX_HZ], *line;
	struct hzc_stream *s;
	size_t used = 0;
	const cJSON *ok;
	int fd, rc;

	*out = NULL;
	*reply = NULL;
	if (socket_path) {
		if (strlcpy_hz(path, socket_path, sizeof path) < 0) {
			fprintf(stderr, "hazardctl: --socket path too long\n");
			return HZC_EXIT_USAGE;
		}
	} else if ((config = hzc_config_file(config))) {
		if ((rc = hzc_config_socket(config, path, sizeof path, NULL, 0)) != 0)
			return rc;
	} else {
		strlcpy_hz(path, HZC_DEFAULT_SOCKET, sizeof path);
	}
	if ((fd = hzc_connect(path)) < 0) {
		int e = errno;

		fprintf(stderr, "hazardctl: cannot connect to %s: %s\n", path, strerror(e));
		fprintf(stderr, "hazardctl: %s\n", hzc_hint(e));
		return HZC_EXIT_UNREACHABLE;
	}
	if (send_line(fd, req) < 0 || !(s = calloc(1, sizeof *s))) {
		fprintf(stderr, "hazardctl: hazardd on %s: cannot send the request\n", path);
		close(fd);
		return HZC_EXIT_UNREACHABLE;
	}
	s->fd = fd;
	if (stream_next(s, &line, &used, HZC_REPLY_TIMEOUT_MS) != 1) {
		fprintf(stderr, "hazardctl: no reply from hazardd on %s\n", path);
		hzc_stream_close(s);
		return HZC_EXIT_UNREACHABLE;
	}
	*reply = cJSON_Parse(line);
	memmove(s->buf, s->buf + used, s->len - used);
	s->len -= used;
	ok = cJSON_GetObjectItemCaseSensitive(*reply, "ok");
	if (!cJSON_IsBool(ok)) {
		fprintf(stderr, "hazardctl: malformed reply from hazardd on %s\n", path);
		hzc_stream_close(s);
		return HZC_EXIT_DAEMON;
	}
	if (cJSON_IsFalse(ok)) {
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(*reply, "error");
		char *m = hzc_sanitize(cJSON_IsString(err) ? err->valuestring : "request failed");

		fprintf(stderr, "hazardctl: %s\n", m);
		free(m);
		hzc_stream_close(s);
		return HZC_EXIT_DAEMON;
	}
	*out = s;
	return HZC_EXIT_OK;
}

void hzc_stream_close(struct hzc_stream *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s->buf);
	free(s);
}

/* ------------------------------------------------------------ watch */

static void watch_usage(FILE *f)
{
	fprintf(f,
"usage: hazardctl [-c FILE | --socket PATH] watch [--device ID | --site ID] [--json]\n"
"\n"
"Decoded readings and record events as hazardd handles them, one line\n"
"each, values in their units; --json prints the daemon's lines as they\n"
"are.  Ends on Ctrl-C.\n");
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value, or NULL. */
static const char *opt_value(int argc, char **argv, int *i, const char *s,
			     const char *l, bool *missing)
{
	size_t n = strlen(l);

	if (strncmp(argv[*i], l, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], l) != 0 && (!s || strcmp(argv[*i], s) != 0))
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int watch_main(int argc, char **argv)
{
	const char *config = NULL, *sock = NULL, *device = NULL, *site = NULL, *v;
	struct hzc_stream *s = NULL;
	struct sigaction sa;
	cJSON *req, *reply = NULL;
	bool json = false, missing = false, seen_cmd = false;
	size_t used = 0;
	char *line;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "watch") == 0 && !seen_cmd)
			seen_cmd = true;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return watch_usage(stdout), HZC_EXIT_OK;
		else if (strcmp(a, "--json") == 0)
			json = true;
		else if ((v = opt_value(argc, argv, &i, "-c", "--config", &missing)))
			config = v;
		else if ((v = opt_value(argc, argv, &i, "-s", "--socket", &missing)))
			sock = v;
		else if ((v = opt_value(argc, argv, &i, NULL, "--device", &missing)))
			device = v;
		else if ((v = opt_value(argc, argv, &i, NULL, "--site", &missing)))
			site = v;
		else {
			fprintf(stderr, "hazardctl: watch: %s \"%s\"\nTry 'hazardctl watch "
				"--help'.\n", missing ? "option needs a value:" :
				"unexpected argument", a);
			return HZC_EXIT_USAGE;
		}
	}
	if ((device && !*device) || (site && !*site)) {
		fprintf(stderr, "hazardctl: watch: --device and --site must not be empty\n");
		return HZC_EXIT_USAGE;
	}
	if (!(req = cJSON_CreateObject()))
		return HZC_EXIT_DAEMON;
	cJSON_AddStringToObject(req, "cmd", "watch");
	if (device)
		cJSON_AddStringToObject(req, "device", device);
	if (site)
		cJSON_AddStringToObject(req, "site", site);

	/* a pipe or a file sees each line as it comes */
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = watch_signal;       /* no SA_RESTART: poll returns */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);           /* a reader gone is a write error */

	rc = hzc_request_open(config, sock, req, &s, &reply);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	if (rc != HZC_EXIT_OK)
		return rc;
	fprintf(stderr, "hazardctl: watching%s%s%s%s (Ctrl-C ends)\n",
			device ? " device " : "", device ? device : "",
			site ? " site " : "", site ? site : "");
	for (;;) {
		int got = stream_next(s, &line, &used, -1);

		if (got <= 0) {
			if (watch_stop)
				rc = HZC_EXIT_OK;
			else {
				fprintf(stderr, "hazardctl: hazardd ended the stream\n");
				rc = HZC_EXIT_DAEMON;
			}
			break;
		}
		if (watch_line(line, json)) {
			rc = HZC_EXIT_DAEMON;
			break;
		}
		if (ferror(stdout) || fflush(stdout) != 0) {
			/* the reader went away (EPIPE): a normal end for a pipe */
			rc = errno == EPIPE ? HZC_EXIT_OK : HZC_EXIT_DAEMON;
			break;
		}
	}
	hzc_stream_close(s);
	return rc;
}

/* ------------------------------------------------------------ dispatch */

/* The command word: the first argument that is neither an option nor the
 * value of -c/-s/--config/--socket. */
static const char *command_word(int argc, char **argv, int *at)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ||
		    strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) {
			i++;
			continue;
		}
		if (a[0] == '-')
			continue;
		*at = i;
		return a;
	}
	return NULL;
}

/* `devices --unknown --config`: --config is the flag when nothing, or
 * another option, follows it (-c/--config FILE always has its FILE). */
static bool entries_flag(int argc, char **argv, int *at)
{
	bool unknown = false;
	int i, flag = -1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--unknown") == 0)
			unknown = true;
		else if (strcmp(argv[i], "--config") == 0 &&
			 (i + 1 == argc || argv[i + 1][0] == '-'))
			flag = i;
	}
	*at = flag;
	return unknown && flag > 0;
}

int hzc_own_command(int argc, char **argv)
{
	int at = 0;
	const char *cmd = command_word(argc, argv, &at);

	if (!cmd)
		return -1;
	if (strcmp(cmd, "watch") == 0)
		return watch_main(argc, argv);
	if (strcmp(cmd, "init") == 0)
		return hzc_init_main(argc, argv);
	if (strcmp(cmd, "devices") == 0 && entries_flag(argc, argv, &at))
		return hzc_unknown_entries(argc, argv, at);
	return -1;
}
