/*
 * ops_evidence_later.c: a submit or close with evidence files, its files'
 * slow part done on a worker thread (ops_act_later, ops.h).
 *
 * A 4 MiB photo takes tens of milliseconds to decode from base64, hash
 * and sniff; on the loop that delays every alarm queued behind it.  Here
 * the loop checks what is cheap and says no at once (the record, its
 * kind, each file's shape, name and size), hands the request to the
 * worker (offload.h), and when the files come back does what ops_act
 * does with them: the action and the files in one transaction, on the
 * loop, the only writer.
 *
 * What each thread owns: the job owns the request (req) and the files'
 * array it reads (act's pointers point into req, the actor and the id
 * are copied); the worker touches the job alone between submit and
 * done(); done() runs on the loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offload.h"
#include "ops.h"

struct later_job {
	struct offload_job job;
	struct daemon *d;
	cJSON  *req;                    /* taken: act points into it */
	struct ops_action act;
	char    id[ID_MAX];             /* resolved */
	char   *actor;                  /* a copy: the caller's may not outlive it */
	size_t  max;                    /* records.evidence_max_bytes */
	struct ops_files files;
	struct ops_error e;             /* the worker's refusal */
	int     rc;
	ops_done_fn done;
	void   *arg;
};

/* worker thread: the job alone */
static void later_run(struct offload_job *job)
{
	struct later_job *j = (struct later_job *)job;

	j->rc = ops_files_decode(j->act.files, j->max, &j->files, &j->e);
}

/* loop thread */
static void later_done(struct offload_job *job, bool ran)
{
	struct later_job *j = (struct later_job *)job;
	struct ops_error e = { .cls = OPS_OK };
	cJSON *r = NULL;

	if (!ran)
		ops_fail(&e, OPS_BUSY, "hazardd is stopping; nothing was changed, try again");
	else if (j->rc < 0)
		e = j->e;
	else
		r = ops_act_files(j->d, &j->act, &j->files, &e);
	j->done(j->arg, r, &e);
	ops_files_free(&j->files);
	cJSON_Delete(j->req);
	free(j->actor);
	free(j);
}

int ops_act_later(struct daemon *d, struct offload *w, cJSON *req,
		  const struct ops_action *act, ops_done_fn done, void *arg,
		  struct ops_error *e)
{
	struct later_job *j = calloc(1, sizeof *j);
	const char *id;

	if (!j || !(j->actor = strdup(act->actor ? act->actor : ""))) {
		free(j);
		ops_fail(e, OPS_FAILED, "out of memory");
		return -1;
	}
	j->act = *act;
	if (!(id = ops_act_target(d, act, j->id, sizeof j->id, e)) ||
	    ops_files_check(d, act->files, &j->files, e) < 0) {
		free(j->actor);
		free(j);
		return -1;
	}
	if (id != j->id)        /* a whole id: it was left where it was */
		snprintf(j->id, sizeof j->id, "%s", id);
	j->act.id = j->id;
	j->act.actor = j->actor;
	j->d = d;
	j->req = req;
	j->max = ops_files_max(d);
	j->done = done;
	j->arg = arg;
	j->job.run = later_run;
	j->job.done = later_done;
	if (offload_submit(w, &j->job) < 0) {
		ops_files_free(&j->files);
		free(j->actor);
		free(j);
		ops_fail(e, OPS_BUSY, "busy: other evidence files are being read, try again");
		return -1;
	}
	return 0;
}
