/*
 * config_secrets.c: every key and password file the config names, checked
 * as secret_file.c checks one (owner, mode, type), before start-up reads
 * them and at --check-config.
 */
#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>

#include "conf.h"

int secret_check_config(const struct config *cfg, bool missing_ok, char *err,
			size_t errlen)
{
	const struct { const char *what, *path; } f[] = {
		{ "local.password_file", cfg->local.password_file },
		{ "upstream.password_file", cfg->upstream.password_file },
		{ "upstream.key_file", cfg->upstream.key_file },
		{ "upstream.command_key_file", cfg->upstream.command_key_file },
	};
	/* run as root before the switch: the daemon user may own them too */
	const struct passwd *pw = cfg->daemon.user[0] ? getpwnam(cfg->daemon.user) : NULL;
	unsigned daemon_uid = pw ? (unsigned)pw->pw_uid : (unsigned)-1;
	struct stat sb;
	size_t i;

	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (!f[i].path[0])
			continue;
		if (missing_ok && lstat(f[i].path, &sb) < 0 && errno == ENOENT)
			continue;
		if (secret_check(f[i].what, f[i].path, daemon_uid, err, errlen) < 0)
			return -1;
	}
	return 0;
}
