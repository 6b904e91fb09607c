/*
 * dbfile.c: before SQLite opens storage.path by name, make sure the name
 * leads where it should.  A daemon user that owns the database directory
 * could otherwise plant a symlink (or a hard link) at the database, -wal or
 * -shm name and have hazardd, still root, write a database into any file
 * and hand it over.
 *
 * The rules (docs/operations.md, "Files and permissions"):
 *   - the directory, opened with O_NOFOLLOW, is a directory owned by root or
 *     by the user hazardd runs as, and not writable by group or others
 *     (a sticky bit does not make it acceptable: /tmp is not a place for a
 *     database); when hazardd drops to daemon.user it must be that user's,
 *     since SQLite creates -wal and -shm there afterwards;
 *   - the database and its -wal, -shm and -journal, when present, are
 *     regular files with one link, and when hazardd will drop privileges
 *     they are already the daemon user's: hazardd never takes over a file
 *     it did not create (privdrop.c then opens the database with the
 *     user's ids, so a name swapped after these checks gains nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

const char *dbfile_dir_problem(unsigned mode, unsigned owner, unsigned user,
			       bool dropping)
{
	if (!S_ISDIR(mode))
		return "is not a directory";
	if (dropping && owner != user)
		return "is not owned by daemon.user, which must create -wal and -shm "
		       "in it (chown it to the user)";
	if (owner != 0 && owner != user)
		return "is owned by another user (must be root's or hazardd's)";
	if (mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others, who could swap the database "
		       "(chmod 0750)";
	return NULL;
}

const char *dbfile_entry_problem(unsigned mode, unsigned nlink, unsigned owner,
				 unsigned user, bool dropping)
{
	if (S_ISLNK(mode))
		return "is a symbolic link; refusing to follow it";
	if (!S_ISREG(mode))
		return "is not a regular file";
	if (nlink != 1)
		return "has more than one hard link; refusing to write through it";
	if (dropping && owner != user)
		return "is not owned by daemon.user; hazardd does not take over a file "
		       "it did not create (chown it to the user if it is the gateway's "
		       "database)";
	return NULL;
}

/* dir and base of path ("." for a bare name) */
static int dbfile_split(const char *path, char *dir, size_t dirlen,
			const char **base)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		*base = path;
		return strlcpy_hz(dir, ".", dirlen);
	}
	*base = slash + 1;
	if ((size_t)(slash - path) + 2 > dirlen)
		return -1;
	if (slash == path) {
		strlcpy_hz(dir, "/", dirlen);
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	return **base ? 0 : -1;
}

int dbfile_guard(const char *path, unsigned run_uid, bool dropping, char *err,
		 size_t errlen)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char dir[PATH_MAX_HZ], name[PATH_MAX_HZ + 16];
	unsigned user = dropping ? run_uid : (unsigned)geteuid();
	const char *base, *why = NULL;
	struct stat sb;
	size_t i;
	int dfd;

	if (dbfile_split(path, dir, sizeof dir, &base) < 0) {
		errf(err, errlen, "storage.path %s: not a file name", path);
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		errf(err, errlen, "database directory %s: %s", dir, errno == ELOOP ||
		     errno == ENOTDIR ? "is a symbolic link or not a directory" :
		     strerror(errno));
		return -1;
	}
	if (fstat(dfd, &sb) < 0 ||
	    (why = dbfile_dir_problem((unsigned)sb.st_mode, (unsigned)sb.st_uid,
				      user, dropping)) != NULL) {
		errf(err, errlen, "database directory %s %s (mode %04o, uid %u)", dir,
		     why ? why : strerror(errno), (unsigned)(sb.st_mode & 07777),
		     (unsigned)sb.st_uid);
		close(dfd);
		return -1;
	}
	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(name, sizeof name, "%s%s", base, suffix[i]);
		if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;
			errf(err, errlen, "database %s/%s: %s", dir, name, strerror(errno));
			close(dfd);
			return -1;
		}
		why = dbfile_entry_problem((unsigned)sb.st_mode, (unsigned)sb.st_nlink,
					   (unsigned)sb.st_uid, user, dropping);
		if (why) {
			errf(err, errlen, "database %s/%s %s (uid %u)", dir, name, why,
			     (unsigned)sb.st_uid);
			close(dfd);
			return -1;
		}
	}
	close(dfd);
	return 0;
}
