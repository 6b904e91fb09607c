/*
 * hazardctl_user.c: `hazardctl user add|passwd|del|list`, the web
 * console's accounts (docs/http.md).  hazardctl knows no hash: it sends
 * the password over the control socket (root only, a local socket) and
 * hazardd hashes it and writes the users file.  The password is read from
 * the terminal without echo, or as one line from stdin with
 * --password-stdin (scripts, tests).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hazardctl.h"

#define PW_MAX 1024

static int usage(const char *msg)
{
	fprintf(stderr, "hazardctl: %s\n"
		"usage: hazardctl user add NAME --role ROLE [--site ID]... [--lang zh|en] "
		"[--password-stdin]\n"
		"       hazardctl user passwd NAME [--password-stdin]\n"
		"       hazardctl user del NAME\n"
		"       hazardctl user list [--json]\n"
		"ROLE: owner, caretaker, grid_worker, installer, admin\n", msg);
	return HZC_EXIT_USAGE;
}

/* One line into buf, without its newline; echo off when it is a terminal. */
static int read_password(bool from_stdin, const char *prompt, char *buf, size_t size)
{
	FILE *in = stdin;
	struct termios old, quiet;
	bool tty = false;
	size_t n;

	if (!from_stdin) {
		if (!(in = fopen("/dev/tty", "r+"))) {
			fprintf(stderr, "hazardctl: no terminal for the password; "
				"use --password-stdin\n");
			return -1;
		}
		if (tcgetattr(fileno(in), &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tty = tcsetattr(fileno(in), TCSAFLUSH, &quiet) == 0;
		}
		fprintf(stderr, "%s", prompt);
	}
	if (!fgets(buf, (int)size, in))
		buf[0] = '\0';
	if (tty) {
		tcsetattr(fileno(in), TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (in != stdin)
		fclose(in);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (n == 0) {
		fprintf(stderr, "hazardctl: empty password\n");
		return -1;
	}
	return 0;
}

int hzc_user_parse(int argc, char **argv, struct hzc_opts *o)
{
	const char *sub = NULL, *name = NULL, *role = NULL, *lang = NULL;
	bool pw_stdin = false;
	cJSON *req, *sites;
	int i, u = -1;

	/* the command is the first word that is not an option (or its value) */
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0 ||
		    strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) {
			i++;
			continue;
		}
		if (argv[i][0] == '-')
			continue;
		if (strcmp(argv[i], "user") == 0)
			u = i;
		break;
	}
	if (u < 0)
		return -1;
	req = cJSON_CreateObject();
	sites = cJSON_CreateArray();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_val = i + 1 < argc;

		if (i == u)
			continue;
		if ((strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0) && has_val) {
			o->socket = argv[++i];
		} else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && has_val) {
			o->config = argv[++i];
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--role") == 0 && has_val) {
			role = argv[++i];
		} else if (strcmp(a, "--site") == 0 && has_val) {
			cJSON_AddItemToArray(sites, cJSON_CreateString(argv[++i]));
		} else if (strcmp(a, "--lang") == 0 && has_val) {
			lang = argv[++i];
		} else if (strcmp(a, "--password-stdin") == 0) {
			pw_stdin = true;
		} else if (a[0] == '-') {
			cJSON_Delete(req);
			cJSON_Delete(sites);
			return usage("unknown option or missing value");
		} else if (!sub) {
			sub = a;
		} else if (!name) {
			name = a;
		} else {
			cJSON_Delete(req);
			cJSON_Delete(sites);
			return usage("too many arguments");
		}
	}
	if (!sub || (strcmp(sub, "list") != 0 && !name) ||
	    (strcmp(sub, "add") != 0 && strcmp(sub, "passwd") != 0 &&
	     strcmp(sub, "del") != 0 && strcmp(sub, "list") != 0) ||
	    (strcmp(sub, "add") == 0 && !role) ||
	    ((role || lang || cJSON_GetArraySize(sites)) && strcmp(sub, "add") != 0)) {
		cJSON_Delete(req);
		cJSON_Delete(sites);
		return usage("what to do with which user?");
	}
	{
		char cmd[16];

		snprintf(cmd, sizeof cmd, "user-%s", sub);
		cJSON_AddStringToObject(req, "cmd", cmd);
		o->cmd = strcmp(sub, "list") == 0 ? "user-list" : "user";
	}
	if (name)
		cJSON_AddStringToObject(req, "name", name);
	if (role)
		cJSON_AddStringToObject(req, "role", role);
	if (lang)
		cJSON_AddStringToObject(req, "lang", lang);
	if (cJSON_GetArraySize(sites))
		cJSON_AddItemToObject(req, "sites", sites);
	else
		cJSON_Delete(sites);
	if (strcmp(sub, "add") == 0 || strcmp(sub, "passwd") == 0) {
		char pw[PW_MAX + 2], again[PW_MAX + 2];

		if (read_password(pw_stdin, "Password: ", pw, sizeof pw) < 0 ||
		    (!pw_stdin && read_password(false, "Again: ", again, sizeof again) < 0)) {
			cJSON_Delete(req);
			return HZC_EXIT_USAGE;
		}
		if (!pw_stdin && strcmp(pw, again) != 0) {
			cJSON_Delete(req);
			fprintf(stderr, "hazardctl: the passwords differ\n");
			return HZC_EXIT_USAGE;
		}
		cJSON_AddStringToObject(req, "password", pw);
		memset(pw, 0, sizeof pw);
		memset(again, 0, sizeof again);
	}
	o->request = req;
	return -1;
}

void hzc_user_print(const cJSON *res, const struct hzc_opts *o)
{
	const cJSON *u, *s;
	char *t;

	if (o->json || strcmp(o->cmd, "user-list") != 0) {
		if (o->json && (t = cJSON_PrintUnformatted(res))) {
			printf("%s\n", t);
			free(t);
		} else if (!o->json) {
			u = cJSON_GetObjectItemCaseSensitive(res, "user");
			s = cJSON_GetObjectItemCaseSensitive(res, "done");
			if (cJSON_IsString(u) && cJSON_IsString(s)) {
				char *n = hzc_sanitize(u->valuestring);

				printf("user %s: %s\n", n, s->valuestring);
				free(n);
			}
		}
		return;
	}
	cJSON_ArrayForEach(u, res) {
		const cJSON *site;
		char *n = hzc_sanitize(cJSON_GetStringValue(cJSON_GetObjectItem(u, "user")));

		printf("%-20s %-12s %-3s", n ? n : "?",
		       cJSON_GetStringValue(cJSON_GetObjectItem(u, "role")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(u, "lang")));
		free(n);
		cJSON_ArrayForEach(site, cJSON_GetObjectItem(u, "sites")) {
			char *sn = hzc_sanitize(cJSON_GetStringValue(site));

			printf(" %s", sn ? sn : "?");
			free(sn);
		}
		printf("\n");
	}
}
