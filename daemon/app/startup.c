/*
 * startup.c: the checks that make a new gateway's first start say what is
 * wrong in words an integrator can act on: a config still the template the
 * package installed, a database directory that is missing, the zone the
 * site's days are counted in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "startup.h"

int startup_refuse_template(const struct config *cfg, const char *path)
{
	static const char why[] =
		"is the template the package installed (\"_template\": true): "
		"edit it for this gateway (sites, devices, upstream; docs/config.md, "
		"or hazardctl init), remove \"_template\", check it with "
		"hazardd --check-config -c";

	if (!cfg->is_template)
		return 0;
	/* at error priority: ExecStartPre's --check-config puts it in the
	 * journal, where `systemctl status hazardd` shows it */
	log_err("configuration %s %s %s", path, why, path);
	return 1;
}

/* The directory part of path into dir ("." for a bare name). */
static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int startup_db_dir(const char *db_path, bool check_only, char *err, size_t errlen)
{
	char dir[PATH_MAX_HZ], parent[PATH_MAX_HZ];
	struct stat sb;

	dir_of(db_path, dir, sizeof dir);
	if (stat(dir, &sb) == 0)
		return 0;               /* dbfile_guard judges what is there */
	if (errno != ENOENT) {
		errf(err, errlen, "storage.path %s: database directory %s: %s",
		     db_path, dir, strerror(errno));
		return -1;
	}
	dir_of(dir, parent, sizeof parent);
	if (stat(parent, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		errf(err, errlen, "storage.path %s: the database directory %s does not "
		     "exist, nor its parent %s; create it for hazardd's user: "
		     "install -d -o hazardd -g hazardd -m 0750 %s", db_path, dir,
		     parent, dir);
		return -1;
	}
	if (check_only)
		return 0;               /* start-up makes it */
	/* as the user we run as, so it is that user's; umask 0027 */
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		errf(err, errlen, "storage.path %s: cannot create the database directory "
		     "%s: %s; create it for hazardd's user: install -d -o hazardd "
		     "-g hazardd -m 0750 %s", db_path, dir, strerror(errno), dir);
		return -1;
	}
	log_info("created the database directory %s (mode 0750, uid %u)", dir,
		 (unsigned)geteuid());
	return 0;
}

void startup_log_zone(const struct config *cfg)
{
	const char *from = cfg->summary.timezone_from;

	if (!from[0])
		log_info("local time: %s (summary.timezone)", cfg->summary.timezone);
	else if (strcmp(from, "no system zone") == 0)
		log_warnx("local time: UTC: summary.timezone is not set and neither "
			  "/etc/localtime nor /etc/timezone names a zone; set "
			  "summary.timezone (e.g. \"Asia/Shanghai\")");
	else
		log_info("local time: %s (from %s; summary.timezone is not set)",
			 cfg->summary.timezone, from);
}
