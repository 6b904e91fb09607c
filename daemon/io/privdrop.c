/*
 * privdrop.c: started as root by hand or by another supervisor, become the
 * configured user (daemon.user) once what needs root is open.
 *
 * Needs root: the database directory (under /var/lib), the control socket
 * (under /run) and the GPIO chips (/dev/gpiochip*, root or group gpio).
 * The database is opened with the user's ids (privdrop_as_user), so every
 * file SQLite creates is the user's from the start and a symlink planted
 * at its name leads nowhere the user could not write anyway; dbfile.c has
 * checked the names before.  Only what hazardd created in this start is
 * chown()ed (a new database directory, the control socket), never by a
 * name that could be a symlink.  Then
 * initgroups (the user's supplementary groups: gpio for new lines on a
 * reload), setgid, setuid, each checked, and a proof that root is gone:
 * setuid(0) must fail.
 *
 * Under systemd (NOTIFY_SOCKET or INVOCATION_ID set) the unit's User= and
 * its sandbox do all of this before we start; nothing happens here.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"

static bool privdrop_under_systemd(void)
{
	return getenv("NOTIFY_SOCKET") || getenv("INVOCATION_ID");
}

/* mkdir -p, new directories 0750; 1 if the last one is new, 0 if it was
 * there, -1 on error. */
static int privdrop_mkdirs(const char *dir)
{
	char buf[PATH_MAX_HZ];
	char *p;

	if (strlcpy_hz(buf, dir, sizeof buf) < 0)
		return -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0750) == 0)
		return 1;
	return errno == EEXIST ? 0 : -1;
}

/* The directory we have just made becomes the user's, through an fd: a
 * name swapped for a symlink meanwhile is refused, not followed. */
static int privdrop_give_dir(const struct privdrop *pd, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fchown(fd, (uid_t)pd->uid, (gid_t)pd->gid);
	close(fd);
	return rc;
}

/*
 * Is dir hazardd's alone: nothing in it but names starting with base (the
 * database and its -wal/-shm, the socket)?  Only then is it handed over:
 * a storage.path in /tmp or a socket in /run must not give those away.
 */
static bool privdrop_dir_is_ours(const char *dir, const char *base)
{
	struct stat st;
	struct dirent *e;
	DIR *dp;
	bool ours = true;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || (st.st_mode & (S_ISVTX | S_IWOTH)) ||
	    strcmp(dir, "/") == 0)
		return false;
	dp = opendir(dir);
	if (!dp)
		return false;
	while (ours && (e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strncmp(e->d_name, base, strlen(base)) != 0)
			ours = false;
	closedir(dp);
	return ours;
}

/* chown if it exists, never through a symlink; a missing file is not an
 * error. */
static int privdrop_chown_one(const struct privdrop *pd, const char *path)
{
	if (fchownat(AT_FDCWD, path, (uid_t)pd->uid, (gid_t)pd->gid,
		     AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT) {
		log_warn("cannot give %s to user %s", path, pd->user);
		return -1;
	}
	return 0;
}

int privdrop_prepare(const struct config *cfg, struct privdrop *pd,
		     char *err, size_t errlen)
{
	char dir[PATH_MAX_HZ], *slash;
	struct passwd *pw;
	int made;

	memset(pd, 0, sizeof *pd);
	if (!cfg->daemon.user[0])
		return 0;
	if (geteuid() != 0) {
		pw = getpwuid(geteuid());
		if (!pw || strcmp(pw->pw_name, cfg->daemon.user) != 0)
			log_info("daemon.user %s: not started as root; running as uid %u",
				 cfg->daemon.user, (unsigned)geteuid());
		return 0;
	}
	if (privdrop_under_systemd()) {
		log_info("daemon.user %s: started as root by systemd; the unit's User= "
			 "decides who hazardd runs as", cfg->daemon.user);
		return 0;
	}
	errno = 0;
	pw = getpwnam(cfg->daemon.user);
	if (!pw) {
		errf(err, errlen, "daemon.user \"%s\": no such user%s%s; refusing to run "
		     "as root", cfg->daemon.user, errno ? ": " : "",
		     errno ? strerror(errno) : "");
		return -1;
	}
	if (pw->pw_uid == 0) {
		errf(err, errlen, "daemon.user \"%s\" is root: nothing to drop; leave "
		     "daemon.user empty to run as root", cfg->daemon.user);
		return -1;
	}
	pd->active = true;
	pd->uid = (unsigned)pw->pw_uid;
	pd->gid = (unsigned)pw->pw_gid;
	strlcpy_hz(pd->user, cfg->daemon.user, sizeof pd->user);

	/* the database directory and whatever SQLite keeps in it */
	strlcpy_hz(dir, cfg->storage.path, sizeof dir);
	slash = strrchr(dir, '/');
	if (!slash)
		strlcpy_hz(dir, ".", sizeof dir);
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	strlcpy_hz(pd->db_dir, dir, sizeof pd->db_dir);
	made = privdrop_mkdirs(dir);
	if (made < 0) {
		errf(err, errlen, "storage.path: cannot create %s: %s", dir,
		     strerror(errno));
		return -1;
	}
	/* an existing directory is the operator's to give (dbfile.c says so) */
	if (made && privdrop_give_dir(pd, dir) < 0) {
		errf(err, errlen, "storage.path: cannot give %s to user %s: %s",
		     dir, pd->user, strerror(errno));
		return -1;
	}
	return 0;
}

int privdrop_as_user(const struct privdrop *pd, bool on)
{
	static gid_t saved[NGROUPS_MAX];
	static int n_saved;
	gid_t gid = (gid_t)pd->gid;

	if (!pd->active)
		return 0;
	if (on) {
		/* root's groups go too: a root-group-writable file is not the user's */
		n_saved = getgroups(NGROUPS_MAX, saved);
		if (n_saved < 0 || setgroups(1, &gid) < 0 || setegid(gid) < 0 ||
		    seteuid((uid_t)pd->uid) < 0)
			return -1;
		return 0;
	}
	if (seteuid(0) < 0 || setegid(0) < 0 ||
	    setgroups((size_t)(n_saved > 0 ? n_saved : 0), saved) < 0)
		return -1;
	return 0;
}

int privdrop_chown(const struct privdrop *pd, const char *path, bool parent_too)
{
	char dir[PATH_MAX_HZ], *slash;

	if (!pd->active)
		return 0;
	if (privdrop_chown_one(pd, path) < 0)
		return -1;
	if (!parent_too || strlcpy_hz(dir, path, sizeof dir) < 0)
		return 0;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (!privdrop_dir_is_ours(dir, slash + 1))
		return 0;
	return privdrop_chown_one(pd, dir);
}

int privdrop_apply(const struct privdrop *pd, char *err, size_t errlen)
{
	if (!pd->active)
		return 0;
	if (initgroups(pd->user, (gid_t)pd->gid) < 0) {
		errf(err, errlen, "initgroups(%s): %s", pd->user, strerror(errno));
		return -1;
	}
	if (setgid((gid_t)pd->gid) < 0) {
		errf(err, errlen, "setgid(%u): %s", pd->gid, strerror(errno));
		return -1;
	}
	if (setuid((uid_t)pd->uid) < 0) {
		errf(err, errlen, "setuid(%u): %s", pd->uid, strerror(errno));
		return -1;
	}
	/* verify: every id is the user's, and root cannot be had back */
	if (getuid() != (uid_t)pd->uid || geteuid() != (uid_t)pd->uid ||
	    getgid() != (gid_t)pd->gid || getegid() != (gid_t)pd->gid) {
		errf(err, errlen, "user switch to %s did not take", pd->user);
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		errf(err, errlen, "user switch to %s: root could be regained", pd->user);
		return -1;
	}
	/* SQLite writes its -wal and -shm next to the database */
	if (access(pd->db_dir, W_OK | X_OK) < 0) {
		errf(err, errlen, "user %s cannot write the database directory %s: %s; "
		     "give it to the user or move storage.path", pd->user, pd->db_dir,
		     strerror(errno));
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", pd->user, pd->uid, pd->gid);
	return 0;
}
