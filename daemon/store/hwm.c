/*
 * hwm.c: the high-water mark file and the decision made from it at open.
 *
 * Ids are "<epoch>-<counter>": the epoch is random per database, the
 * counters live inside it.  Restoring a backup (or losing the WAL) puts
 * the counters back while the epoch stays, so without more the next ids
 * repeat ones the platform already has, and a platform that drops repeated
 * msg_ids drops real events.  The mark is the memory outside the database
 * that tells this apart:
 *
 *  - generation: the database counts its opens; the mark has the count of
 *    the last open.  A database behind it is an older copy of the file.
 *  - clean: a clean close writes the exact counters.  Any counter below
 *    them at the next open means the history went back.
 *  - while running, the mark holds a lease HWM_STEP above the counters,
 *    written before an id past it is handed out (not per id).  After an
 *    unclean stop the database may lawfully be anywhere below the lease
 *    (or a WAL tail was lost): ids continue after the lease, so none
 *    repeats, and the epoch stays (msg_ids of unacknowledged messages stay
 *    the same, which is what lets the platform drop QoS 1 redeliveries).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwm.h"

static const char *const ctr_name[HWM_N] = {
	[HWM_OUTBOX] = "outbox", [HWM_ALARM] = "alarm",
	[HWM_FAULT] = "fault", [HWM_HAZARD] = "hazard",
};

const char *hwm_verdict_name(enum hwm_verdict v)
{
	static const char *const n[] = {
		[HWM_FIRST] = "first", [HWM_OK] = "ok", [HWM_AHEAD] = "ahead",
		[HWM_BACK] = "back", [HWM_LOST] = "lost",
	};

	return (unsigned)v < sizeof n / sizeof n[0] ? n[v] : "?";
}

enum hwm_verdict hwm_judge(const struct hwm *mark, bool mark_bad,
			   const struct hwm *db, bool db_created,
			   char *why, size_t whylen)
{
	int i;

	if (mark_bad) {
		/* nothing to compare with: only a new epoch is safe */
		snprintf(why, whylen, "the high-water mark is unreadable");
		return HWM_BACK;
	}
	if (!mark) {
		snprintf(why, whylen, "no high-water mark yet");
		return HWM_FIRST;
	}
	if (db_created) {
		snprintf(why, whylen, "the database was missing or empty, but a "
			 "high-water mark (epoch %s, generation %" PRId64 ") shows one "
			 "existed: its history is lost", mark->epoch, mark->generation);
		return HWM_LOST;
	}
	if (strcmp(mark->epoch, db->epoch) != 0) {
		snprintf(why, whylen, "the database has epoch %s, the high-water "
			 "mark %s: a different or older database file", db->epoch,
			 mark->epoch);
		return HWM_BACK;
	}
	if (db->generation < mark->generation) {
		snprintf(why, whylen, "the database is at generation %" PRId64
			 ", the high-water mark at %" PRId64 ": an older copy of the "
			 "file (restored backup or lost WAL)", db->generation,
			 mark->generation);
		return HWM_BACK;
	}
	for (i = 0; i < HWM_N; i++) {
		if (db->ctr[i] >= mark->ctr[i])
			continue;
		if (mark->clean) {
			snprintf(why, whylen, "the %s counter is %" PRId64 ", below "
				 "%" PRId64 " at the last clean stop: committed history "
				 "was lost (restored backup or lost WAL)", ctr_name[i],
				 db->ctr[i], mark->ctr[i]);
			return HWM_BACK;
		}
		snprintf(why, whylen, "unclean stop: ids continue after the "
			 "high-water mark (%s %" PRId64 " -> %" PRId64 ")", ctr_name[i],
			 db->ctr[i], mark->ctr[i]);
		return HWM_AHEAD;
	}
	snprintf(why, whylen, "the database matches its high-water mark");
	return HWM_OK;
}

int hwm_path(const char *db_path, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s.hwm", db_path);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int hwm_read(const char *path, struct hwm *m, char *err, size_t errlen)
{
	char buf[1024], key[32], val[32];
	const char *p;
	unsigned seen = 0;
	ssize_t n;
	int fd, i, used;

	memset(m, 0, sizeof *m);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	if (strncmp(buf, "hazardd-hwm 1\n", 14) != 0)
		goto bad;
	/* one "key value" per line; every key exactly once */
	for (p = buf + 14; *p; p += used) {
		char *end;
		long long v;

		if (sscanf(p, "%31s %31s\n%n", key, val, &used) != 2 || used <= 0)
			goto bad;
		if (strcmp(key, "epoch") == 0) {
			if (strlen(val) >= sizeof m->epoch || seen & 1u)
				goto bad;
			strcpy(m->epoch, val);
			seen |= 1u;
			continue;
		}
		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || *end || v < 0)
			goto bad;
		if (strcmp(key, "generation") == 0 && !(seen & 2u)) {
			m->generation = v;
			seen |= 2u;
		} else if (strcmp(key, "clean") == 0 && v <= 1 && !(seen & 4u)) {
			m->clean = v == 1;
			seen |= 4u;
		} else {
			for (i = 0; i < HWM_N; i++)
				if (strcmp(key, ctr_name[i]) == 0 && !(seen & (8u << i)))
					break;
			if (i == HWM_N)
				goto bad;
			m->ctr[i] = v;
			seen |= 8u << i;
		}
	}
	if (seen == (8u << HWM_N) - 1 && m->epoch[0])
		return 1;
bad:
	snprintf(err, errlen, "%s: not a hazardd high-water mark", path);
	return -1;
}

static int write_all(int fd, const char *b, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, b, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync the directory that holds path, so the rename itself is durable. */
static int sync_dir(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, rc;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return -1;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int hwm_write(const char *path, const struct hwm *m, char *err, size_t errlen)
{
	char tmp[4200], body[512];
	int fd, len, i;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	len = snprintf(body, sizeof body, "hazardd-hwm 1\nepoch %s\ngeneration %"
		       PRId64 "\nclean %d\n", m->epoch, m->generation, m->clean ? 1 : 0);
	for (i = 0; i < HWM_N; i++)
		len += snprintf(body + len, sizeof body - (size_t)len, "%s %" PRId64 "\n",
				ctr_name[i], m->ctr[i]);
	/* a temp file left by a crash is replaced, never followed */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write_all(fd, body, (size_t)len) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (sync_dir(path) < 0) {
		snprintf(err, errlen, "%s: cannot sync its directory: %s", path,
			 strerror(errno));
		return -1;
	}
	return 0;
}
