/*
 * hazardctl.h: what hazardctl's files share: the parsed command line
 * (hazardctl_opts.c, checked by the command table hazardctl_commands.c),
 * its request (hazardctl_request.c), the exchange with hazardd
 * (hazardctl_conn.c), the rendering helpers (hazardctl_render.c) and the
 * printers of each command's reply (hazardctl_print.c; status's in
 * hazardctl_status.c), watch and the
 * commands with options of their own (hazardctl_watch.c, hazardctl_init.c,
 * hazardctl_entries.c).  hazardctl speaks the control protocol and sees
 * lib/ only; hazardctl_init.c alone also sees formats and the local
 * broker's subscriber (docs/architecture.md).
 */
#ifndef HAZARDCTL_H
#define HAZARDCTL_H

#include <stdbool.h>
#include <stdio.h>

#include <cJSON.h>

#include "lib.h"

#define HZC_DEFAULT_SOCKET     "/run/hazardd/control.sock"
#define HZC_DEFAULT_CONFIG     "/etc/hazardd/hazardd.json"
#define HZC_CONNECT_TIMEOUT_MS 5000
/* the daemon answers from its single loop; a pass can include a commit */
#define HZC_REPLY_TIMEOUT_MS   15000
#define HZC_REPLY_MAX          (64u * 1024 * 1024)
#define HZC_CONFIG_MAX         (4u * 1024 * 1024)
#define HZC_MAX_COLS           12
#define HZC_ARGS_MAX           16     /* positional arguments: selfcheck's items */

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
	bool        utc;                /* --utc: times in UTC, not local */
	bool        verbose;            /* status --verbose: every counter */
	const char *cmd;
	const char *id;
	bool        open;
	const char *note;
	const char *actor;
	const char *evidence;           /* close, submit --evidence TEXT */
	const char *evidence_files[16]; /* close, submit --evidence FILE ... */
	int         n_evidence_files;
	bool        unknown;            /* devices --unknown */
	const char *set;                /* switch DEVICE on|off */
	const char *verdict;            /* verify-alarm ID real|false|test */
	const char *result;             /* verify ID pass|fail */
	const char *device;             /* raise SITE TYPE --device ID */
	const char *type;               /* raise SITE TYPE */
	const char *person;             /* assign ID PERSON */
	const char *channel;            /* alert test CONTACT --channel C */
	const char *const *items;       /* selfcheck SITE ITEM=ok|fail ... */
	bool        weekly;             /* report --weekly [--week YYYY-Www] */
	const char *week;
	int         n_items;
	/* hazards filters, report --date, ledger --site --format */
	const char *site, *state, *severity, *since, *date, *format;
	cJSON      *request;            /* built whole: user (hazardctl_user.c) */
};

struct hzc_row {
	char *cell[HZC_MAX_COLS];
};

char *hzc_sanitize(const char *s);
int hzc_width(const char *s);
char *hzc_dup(const char *s);
char *hzc_fmt_num(double v);
char *hzc_scalar(const cJSON *v);
const cJSON *hzc_get(const cJSON *o, const char *const *keys);
char *hzc_time(const cJSON *v);
/* The zone hzc_time shows: zone (a name under /usr/share/zoneinfo), or
 * the system's when NULL; "UTC" for --utc. */
void hzc_use_zone(const char *zone);
char *hzc_age(const cJSON *v);
void hzc_table(const char *const *head, int ncols, struct hzc_row *rows,
	       int nrows, const char *indent);
struct hzc_row *hzc_rows(int n);
void hzc_flatten(const char *prefix, const cJSON *v);
void hzc_print(const cJSON *res, const struct hzc_opts *o);
/* hazardctl_status.c: one screen, or every member with verbose */
void hzc_print_status(const cJSON *res, bool verbose);
bool hzc_print_reload(const cJSON *res, bool json);
bool hzc_is_listing(const char *cmd);
/* hazardctl_user.c: the "user" command; -1 when argv's command is not
 * "user" or o->request was built, else an exit code */
int  hzc_user_parse(int argc, char **argv, struct hzc_opts *o);
void hzc_user_print(const cJSON *res, const struct hzc_opts *o);

/* ------------------------------------------------ the command line
 * hazardctl_usage.c: the help text; a refusal on stderr, HZC_EXIT_USAGE */
void hzc_usage(FILE *f);
int  hzc_usage_error(const char *fmt, const char *arg);
/* hazardctl_opts.c: argv into o (-h and -V print and exit); -1 to go on,
 * else an exit status */
int  hzc_parse(int argc, char **argv, struct hzc_opts *o);
/* hazardctl_commands.c: o->cmd's positional arguments (pos[0] is the
 * command) into o, then whether each option given belongs to it; -1
 * fine, else the exit status with the reason printed */
int  hzc_command_args(struct hzc_opts *o, const char *const *pos, int npos);
int  hzc_command_check(const struct hzc_opts *o);
/* hazardctl_request.c: the request object of a checked command line
 * (caller deletes); NULL out of memory */
cJSON *hzc_build_request(const struct hzc_opts *o);

/* ------------------------------------------------ finding hazardd (hazardctl_conn.c) */
const char *hzc_config_file(const char *given);
/* The control socket's path (and, zone non-NULL, summary.timezone) from
 * a config file. */
int hzc_config_socket(const char *file, char *out, size_t outlen,
		      char *zone, size_t zonelen);
int hzc_connect(const char *path);
const char *hzc_hint(int err);
/* One request line (ending in '\n') out on fd, one reply line back: the
 * reply (caller frees), or NULL with the reason printed and *rc the exit
 * status. */
char *hzc_exchange(int fd, const char *path, const char *req, int *rc);

/* ------------------------------------------------ hazardctl_watch.c
 * The commands with options of their own: watch, init, devices --unknown
 * --config.  The exit status, or -1 when argv is none of them. */
int hzc_own_command(int argc, char **argv);
/* A request whose reply may be followed by more lines (watch): connected
 * (-c FILE, --socket PATH or the default), the request sent and its
 * {"ok":true} reply in *reply (caller deletes); else the exit status with
 * the reason printed. */
struct hzc_stream;
int hzc_request_open(const char *config, const char *socket_path, const cJSON *req,
		     struct hzc_stream **out, cJSON **reply);
void hzc_stream_close(struct hzc_stream *s);

/* ------------------------------------------------ hazardctl_init.c */
int hzc_init_main(int argc, char **argv);
/* ------------------------------------------------ hazardctl_entries.c
 * devices --unknown --config; flag_at: the argv index of that --config */
int hzc_unknown_entries(int argc, char **argv, int flag_at);

/* hazardctl_evidence.c: --evidence FILE (submit, close) */
bool hzc_evidence_is_file(const char *arg);
bool hzc_evidence_looks_like_file(const char *arg);
/* Read each file and add "files": [{"name", "data" (base64)}] to req;
 * -1 with a message on stderr. */
int  hzc_add_files(cJSON *req, const char *const *paths, int n);
/* A hazard's files (FILES, one row each), the files a submit kept, one
 * file as "name sha256" (malloc'd), and "a; b" of two malloc'd texts
 * (both consumed; either may be empty). */
void hzc_print_files(const cJSON *files);
void hzc_print_kept_files(const cJSON *files);
char *hzc_file_label(const cJSON *f);
char *hzc_csv_join(char *a, char *b);

#endif /* HAZARDCTL_H */
