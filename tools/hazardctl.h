/*
 * hazardctl.h: what hazardctl's three files share: the parsed command line
 * (hazardctl.c), the rendering helpers (hazardctl_render.c) and the
 * printers of each command's reply (hazardctl_print.c).  hazardctl speaks
 * the control protocol and sees lib/ only.
 */
#ifndef HAZARDCTL_H
#define HAZARDCTL_H

#include <stdbool.h>
#include <stdio.h>

#include <cJSON.h>

#include "lib.h"

#define HZC_DEFAULT_SOCKET     "/run/hazardd/control.sock"
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
	const char *cmd;
	const char *id;
	bool        open;
	const char *note;
	const char *actor;
	const char *evidence;           /* close, submit --evidence */
	bool        unknown;            /* devices --unknown */
	const char *set;                /* switch DEVICE on|off */
	const char *verdict;            /* verify-alarm ID real|false|test */
	const char *result;             /* verify ID pass|fail */
	const char *device;             /* raise SITE TYPE --device ID */
	const char *type;               /* raise SITE TYPE */
	const char *person;             /* assign ID PERSON */
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
char *hzc_age(const cJSON *v);
void hzc_table(const char *const *head, int ncols, struct hzc_row *rows,
	       int nrows, const char *indent);
struct hzc_row *hzc_rows(int n);
void hzc_flatten(const char *prefix, const cJSON *v);
void hzc_print(const cJSON *res, const struct hzc_opts *o);
bool hzc_print_reload(const cJSON *res, bool json);
bool hzc_is_listing(const char *cmd);
/* hazardctl_user.c: the "user" command; -1 when argv's command is not
 * "user" or o->request was built, else an exit code */
int  hzc_user_parse(int argc, char **argv, struct hzc_opts *o);
void hzc_user_print(const cJSON *res, const struct hzc_opts *o);

#endif /* HAZARDCTL_H */
