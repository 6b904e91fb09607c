/*
 * hazardctl_opts.c: hazardctl's command line read into struct hzc_opts:
 * every option, wherever it stands, and the positional arguments in
 * order.  What each command makes of its positional arguments, and which
 * options belong to it, is the command table's (hazardctl_commands.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hazardctl.h"

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

/*
 * Global options may come before or after the command, so that
 * `hazardctl hazards --open --json` works as well as the documented order.
 * Returns -1 to continue, or an exit status.
 */
int hzc_parse(int argc, char **argv, struct hzc_opts *o)
{
	static const char *pos[HZC_ARGS_MAX];
	int npos = 0, i;
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
		} else if (strcmp(a, "--utc") == 0) {
			o->utc = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose = true;
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
			/* a file's bytes if it names one, else the text */
			if (hzc_evidence_is_file(v)) {
				if (o->n_evidence_files == (int)(sizeof o->evidence_files /
								 sizeof o->evidence_files[0]))
					return hzc_usage_error("%s", "at most 16 evidence files");
				o->evidence_files[o->n_evidence_files++] = v;
			} else if (hzc_evidence_looks_like_file(v)) {
				return hzc_usage_error("--evidence %s: no such file", v);
			} else if (o->evidence) {
				return hzc_usage_error("--evidence \"%s\": no such file, and "
						       "the evidence text is given already", v);
			} else {
				o->evidence = v;
			}
		} else if ((v = hzc_optval(argc, argv, &i, NULL, "--channel", &missing))) {
			o->channel = v;
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
	if ((i = hzc_command_args(o, pos, npos)) >= 0)
		return i;
	return hzc_command_check(o);
}
