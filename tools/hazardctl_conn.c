/*
 * hazardctl_conn.c: finding hazardd and one exchange with it: the
 * control socket's path from the config (and nothing else from it but
 * the time zone), the connect with its timeout and a hint for why it
 * failed, one request line out and one reply line back.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hazardctl.h"

/* The config a command reads: given (-c), else $HAZARDD_CONFIG, else the
 * default path if it is there; NULL for none (the default socket). */
const char *hzc_config_file(const char *given)
{
	const char *env = getenv("HAZARDD_CONFIG");

	if (given)
		return given;
	if (env && *env)
		return env;
	return access(HZC_DEFAULT_CONFIG, R_OK) == 0 ? HZC_DEFAULT_CONFIG : NULL;
}

/*
 * The socket path from the daemon's config, and nothing else from it: the
 * file also names secrets, so no part of it is ever echoed.
 */
int hzc_config_socket(const char *file, char *out, size_t outlen,
		      char *zone, size_t zonelen)
{
	const cJSON *ctl, *sock, *tz;
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
	/* the zone the site's days and times are read in; absent, the
	 * system's, which is what hazardd takes then too */
	tz = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root,
						"summary"), "timezone");
	if (zone && cJSON_IsString(tz) && tz->valuestring &&
	    strchr(tz->valuestring, '.') == NULL)
		strlcpy_hz(zone, tz->valuestring, zonelen);
	rc = HZC_EXIT_OK;
out:
	cJSON_Delete(root);
	free(text);
	return rc;
}

/* A hint that answers the 3 a.m. question: is hazardd running at all? */
const char *hzc_hint(int err)
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

int hzc_connect(const char *path)
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
char *hzc_exchange(int fd, const char *path, const char *req, int *rc)
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
