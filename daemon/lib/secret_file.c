/*
 * secret_file.c: key and password files (upstream.command_key_file, the
 * password_files, the TLS private key) are opened without following a
 * symlink and without blocking, and refused unless they are safe to trust:
 *
 *   - a regular file: a symlink (O_NOFOLLOW: ELOOP), a FIFO (O_NONBLOCK:
 *     the open returns at once and fstat shows it), a device or a
 *     directory is refused, so a FIFO can never hang start-up;
 *   - owned by root or by the user that reads it (the daemon user):
 *     anyone else could rewrite it;
 *   - not writable by group or others (mode & 022);
 *   - not readable by others (mode & 007): the secret would be everyone's.
 *     Group read is allowed, so the root:hazardd 0640 that
 *     docs/operations.md recommends passes, and so does 0600.
 *
 * The file's parent directories are the operator's (/etc/hazardd is root's);
 * only the last component is guarded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"

const char *secret_stat_problem(unsigned mode, unsigned owner, unsigned reader,
				unsigned other_ok)
{
	if (!S_ISREG(mode))
		return S_ISFIFO(mode) ? "is a FIFO, not a regular file" :
		       S_ISDIR(mode) ? "is a directory, not a regular file" :
		       "is not a regular file";
	if (owner != 0 && owner != reader && owner != other_ok)
		return "is owned by another user (must be root's or the daemon user's)";
	if (mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others (chmod 0640 or 0600)";
	if (mode & S_IRWXO)
		return "is readable by others (chmod 0640 or 0600)";
	return NULL;
}

/* Open and check; the fd on success, -1 with err on failure. */
static int secret_open(const char *what, const char *path, unsigned other_ok,
		       struct stat *sb, char *err, size_t errlen)
{
	const char *why;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		errf(err, errlen, "%s %s: %s", what, path, errno == ELOOP ?
		     "is a symbolic link; name the file itself" : strerror(errno));
		return -1;
	}
	if (fstat(fd, sb) < 0) {
		errf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		close(fd);
		return -1;
	}
	why = secret_stat_problem((unsigned)sb->st_mode, (unsigned)sb->st_uid,
				  (unsigned)geteuid(), other_ok);
	if (why) {
		errf(err, errlen, "%s %s %s (mode %04o, uid %u)", what, path, why,
		     (unsigned)(sb->st_mode & 07777), (unsigned)sb->st_uid);
		close(fd);
		return -1;
	}
	return fd;
}

int secret_check(const char *what, const char *path, unsigned other_ok,
		 char *err, size_t errlen)
{
	struct stat sb;
	int fd = secret_open(what, path, other_ok, &sb, err, errlen);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

char *secret_read(const char *what, const char *path, size_t max_len,
		  size_t *len_out, char *err, size_t errlen)
{
	struct stat sb;
	size_t got = 0;
	ssize_t n;
	char *buf;
	int fd = secret_open(what, path, (unsigned)-1, &sb, err, errlen);

	if (fd < 0)
		return NULL;
	if ((size_t)sb.st_size > max_len) {
		errf(err, errlen, "%s %s: larger than %zu bytes", what, path, max_len);
		close(fd);
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	while (buf && got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf) {
		errf(err, errlen, "%s %s: out of memory", what, path);
		return NULL;
	}
	buf[got] = '\0';
	if (len_out)
		*len_out = got;
	return buf;
}
