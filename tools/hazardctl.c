/*
 * hazardctl: the operator's view into a running hazardd.
 *
 * It speaks the control socket protocol (one JSON request line, one JSON
 * reply line) and nothing else: it links only util.c, log.c and cJSON, so
 * it works on a gateway whose daemon is wedged or misconfigured, and it
 * reads the daemon's config file for two keys only (control.socket, and
 * summary.timezone: the zone times are shown in).  The file is -c FILE,
 * else $HAZARDD_CONFIG, else /etc/hazardd/hazardd.json if it is there.
 *
 * Exit status: 0 ok, 1 the daemon answered an error, 2 usage error,
 * 3 the daemon cannot be reached.  Scripts rely on these.
 *
 * This file is the dispatch: the command line read (hazardctl_opts.c,
 * the command table hazardctl_commands.c, the help hazardctl_usage.c),
 * the request built (hazardctl_request.c), hazardd found and asked
 * (hazardctl_conn.c), the reply printed (hazardctl_print.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "hazardctl.h"

/* alert test: the daemon queued it; ask how it went until it knows (a
 * call rings for up to ring_s, an SMS or a webhook takes seconds).  The
 * last answer replaces res's; 0 sent, else an exit status. */
static int hzc_alert_wait(const char *path, cJSON **rep)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(*rep, "result");
	const cJSON *tag = cJSON_GetObjectItemCaseSensitive(res, "tag");
	int64_t until = now_mono_ms() + 180000;
	char line[96];
	int rc;

	if (!cJSON_IsNumber(tag))
		return HZC_EXIT_DAEMON;
	snprintf(line, sizeof line, "{\"cmd\":\"alert\",\"op\":\"result\",\"tag\":%.0f}\n",
		 tag->valuedouble);
	while (now_mono_ms() < until) {
		const cJSON *st;
		cJSON *r;
		char *reply;
		int fd = hzc_connect(path);

		if (fd < 0)
			return HZC_EXIT_UNREACHABLE;
		reply = hzc_exchange(fd, path, line, &rc);
		close(fd);
		if (!reply)
			return rc;
		r = cJSON_Parse(reply);
		free(reply);
		st = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r,
							"result"), "state");
		if (!cJSON_IsString(st) || strcmp(st->valuestring, "pending") != 0) {
			cJSON_Delete(*rep);
			*rep = r;
			return cJSON_IsString(st) && strcmp(st->valuestring, "sent") == 0 ?
			       HZC_EXIT_OK : HZC_EXIT_DAEMON;
		}
		cJSON_Delete(r);
		usleep(250000);
	}
	fprintf(stderr, "hazardctl: no result of the alert test after 180 s\n");
	return HZC_EXIT_DAEMON;
}

/* --------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	struct hzc_opts o;
	char path[PATH_MAX_HZ], zone[SUMMARY_ZONE_MAX] = "", *reqtext = NULL, *reply = NULL;
	cJSON *req = NULL, *rep = NULL;
	const cJSON *ok, *res;
	int rc, fd = -1;

	memset(&o, 0, sizeof o);
	log_init("hazardctl", LOG_LVL_WARN);
	/* init, watch, devices --unknown --config: hazardctl_watch.c */
	if ((rc = hzc_own_command(argc, argv)) >= 0)
		return rc;
	if ((rc = hzc_user_parse(argc, argv, &o)) >= 0 ||
	    (!o.request && (rc = hzc_parse(argc, argv, &o)) >= 0))
		return rc;

	/* the config: -c, else $HAZARDD_CONFIG, else the default path if it
	 * is there; --socket wins over its control.socket, which wins over
	 * the default socket */
	o.config = hzc_config_file(o.config);
	if (o.config && (rc = hzc_config_socket(o.config, path, sizeof path, zone,
						sizeof zone)) != 0)
		return rc;
	if (o.socket) {
		if (strlcpy_hz(path, o.socket, sizeof path) < 0)
			return hzc_usage_error("%s", "--socket path too long");
	} else if (!o.config) {
		strlcpy_hz(path, HZC_DEFAULT_SOCKET, sizeof path);
	}
	hzc_use_zone(o.utc ? "UTC" : zone);

	req = o.request ? o.request : hzc_build_request(&o);
	if (req && !o.request && hzc_add_files(req, o.evidence_files, o.n_evidence_files) < 0) {
		rc = HZC_EXIT_USAGE;
		goto out;
	}
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
	rc = HZC_EXIT_OK;
	if (strcmp(o.cmd, "alert") == 0)
		rc = hzc_alert_wait(path, &rep);
	res = cJSON_GetObjectItemCaseSensitive(rep, "result");
	if (o.request)
		hzc_user_print(res, &o);
	else
		hzc_print(res, &o);
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
