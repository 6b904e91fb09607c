/*
 * hwm.h: the high-water mark kept beside the database ("<db>.hwm"), so
 * that message and record ids never repeat when the database's history
 * goes back (a restored backup, a lost WAL, a new file).  See hwm.c.
 */
#ifndef HWM_H
#define HWM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The counters ids are made from: the outbox seq (msg_id) and one per
 * record kind (record ids "-A<n>", "-F<n>", "-H<n>"). */
enum hwm_ctr { HWM_OUTBOX, HWM_ALARM, HWM_FAULT, HWM_HAZARD, HWM_N };

/* Ids are handed out this far past the mark before it is written again. */
#define HWM_STEP 64

struct hwm {
	char    epoch[17];
	int64_t generation;     /* bumped in the database at every open */
	bool    clean;          /* written by a clean close: counters exact */
	int64_t ctr[HWM_N];     /* clean: the counters; else a lease above them */
};

enum hwm_verdict {
	HWM_FIRST,      /* no mark yet: a new install or an older hazardd */
	HWM_OK,         /* the database is where the mark says */
	HWM_AHEAD,      /* unclean stop: continue after the mark's lease */
	HWM_BACK,       /* history went back: a new epoch */
	HWM_LOST,       /* a mark but a missing or zero-byte database */
};

/*
 * The pure decision at open.  mark: the file's content (NULL: no file;
 * mark_bad: a file that could not be parsed); db: the database's epoch,
 * generation before this open's bump and counters; db_created: the file
 * was missing or empty before this open.  why gets a sentence for the log.
 */
enum hwm_verdict hwm_judge(const struct hwm *mark, bool mark_bad,
			   const struct hwm *db, bool db_created,
			   char *why, size_t whylen);

/* "<path>.hwm" into out; -1 if it does not fit. */
int hwm_path(const char *db_path, char *out, size_t outlen);

/* 1 read, 0 no file, -1 unreadable or malformed (err says why). */
int hwm_read(const char *path, struct hwm *m, char *err, size_t errlen);

/* Atomic: a temp file, fsync, rename over, fsync the directory. */
int hwm_write(const char *path, const struct hwm *m, char *err, size_t errlen);

/* The verdict's name, for logs and tests. */
const char *hwm_verdict_name(enum hwm_verdict v);

#endif /* HWM_H */
