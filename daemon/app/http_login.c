/*
 * http_login.c: POST /api/login (docs/http.md, "Login").
 *
 * The throttle is asked first, on the loop: a name or an address that must
 * wait is answered 429 before its password costs anything.  The argon2id
 * check (~45 ms) then runs on the console's login worker (offload.h): the
 * request is suspended (http_req_suspend), the job carries copies of the
 * name, the password and the hash it is checked against, and the login is
 * finished on the loop when the job comes back: the throttle counts the
 * failure or is cleared, the session is made, the reply sent.  So the loop
 * never hashes, and alarms queued meanwhile are not delayed by a login.
 * A full queue (HTTP_LOGIN_QUEUE checks waiting or under way) is answered 503
 * with Retry-After; the throttle is not touched by it.  Without a worker
 * (it could not start) the check runs at once on the loop, as it did.
 *
 * What each thread owns: the worker sees only its job (its copies); the
 * sessions, the throttle, the users and the request are the loop's, and
 * the job's request pointer is used only by the loop, in done().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

struct login_job {
	struct offload_job job;
	struct http_console *c;
	struct http_req *r;             /* suspended until done() replies */
	char   given[72];                /* the name as given (at most 64 bytes) */
	char   hash[HTTP_HASH_MAX];     /* the user's, or the dummy */
	char  *password;                /* a copy, wiped once checked */
	bool   ok;                      /* the worker's answer */
};

static void throttled(struct api *a, int wait_s, int status, const char *msg)
{
	char n[16], body[96];
	const char *h[12];
	int i = 0;

	snprintf(n, sizeof n, "%d", wait_s);
	for (; http_api_headers[i]; i++)
		h[i] = http_api_headers[i];
	h[i++] = "Retry-After";
	h[i++] = n;
	h[i] = NULL;
	snprintf(body, sizeof body, "{\"error\":\"%s\"}", msg);
	http_reply(a->r, status, "application/json", body, strlen(body), h);
}

static void keys(const char *name, struct http_req *r, char ukey[80], char ikey[80])
{
	snprintf(ukey, 80, "u:%s", name);
	snprintf(ikey, 80, "ip:%s", http_req_ip(r));
}

/* The check's outcome, on the loop.  hash: the one checked, so that a
 * password changed or a user deleted while it ran does not log in. */
static void finish(struct api *a, const char *name, const char *hash, bool ok)
{
	char ukey[80], ikey[80];
	int64_t now = now_mono_ms();
	struct http_user *u = http_users_find(&a->c->users, name);
	struct http_session *s;

	keys(name, a->r, ukey, ikey);
	if (!ok || !u || strcmp(u->hash, hash) != 0) {
		http_throttle_fail(&a->c->thr, ukey, HTTP_USER_FAILS, now);
		http_throttle_fail(&a->c->thr, ikey, HTTP_IP_FAILS, now);
		log_info("http: failed login for %.64s from %s", name, http_req_ip(a->r));
		api_error(a, 401, "wrong user name or password");
		return;
	}
	http_throttle_ok(&a->c->thr, ukey);
	if (!(s = http_session_new(&a->c->sess, u->name, now))) {
		api_error(a, 503, "no random bytes for a session");
		return;
	}
	log_info("http: %s logged in from %s", u->name, http_req_ip(a->r));
	api_cookie(a, 200, api_me_json(u, s), s->id, (int)(a->c->sess.ttl_ms / 1000));
}

static void wipe_free(char *p)
{
	if (p) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

/* worker thread: the job's copies only */
static void check_run(struct offload_job *job)
{
	struct login_job *j = (struct login_job *)job;

	j->ok = http_check_password(j->password, j->hash);
	wipe_free(j->password);
	j->password = NULL;
}

/* loop thread */
static void check_done(struct offload_job *job, bool ran)
{
	struct login_job *j = (struct login_job *)job;
	struct api a = { .c = j->c, .r = j->r };

	if (ran)
		finish(&a, j->given, j->hash, j->ok);
	else
		throttled(&a, 1, 503, "the console is stopping; try again");
	wipe_free(j->password);
	free(j);
}

/* Hand the check to the worker and suspend the request.  0, or -1 when
 * the queue is full or memory short (answered here). */
static int check_later(struct api *a, const char *name, const char *pw, const char *hash)
{
	struct login_job *j = calloc(1, sizeof *j);

	if (!j || !(j->password = strdup(pw))) {
		free(j);
		api_error(a, 503, "out of memory");
		return -1;
	}
	j->job.run = check_run;
	j->job.done = check_done;
	j->c = a->c;
	j->r = a->r;
	snprintf(j->given, sizeof j->given, "%s", name);
	snprintf(j->hash, sizeof j->hash, "%s", hash);
	if (offload_submit(a->c->login_worker, &j->job) < 0) {
		wipe_free(j->password);
		free(j);
		throttled(a, 1, 503, "too many logins at once; try again");
		return -1;
	}
	http_req_suspend(a->r);
	return 0;
}

void http_login(struct api *a)
{
	const cJSON *un = cJSON_GetObjectItemCaseSensitive(a->body, "user"),
		    *pw = cJSON_GetObjectItemCaseSensitive(a->body, "password");
	char ukey[80], ikey[80];
	int64_t now = now_mono_ms();
	struct http_user *u;
	const char *hash;
	int w1, w2;

	if (!cJSON_IsString(un) || !cJSON_IsString(pw) || strlen(un->valuestring) > 64 ||
	    strlen(pw->valuestring) > 1024) {
		api_error(a, 400, "login needs \"user\" and \"password\" strings");
		return;
	}
	keys(un->valuestring, a->r, ukey, ikey);
	w1 = http_throttle_wait(&a->c->thr, ukey, now);
	w2 = http_throttle_wait(&a->c->thr, ikey, now);
	if (w1 || w2) {
		throttled(a, w1 > w2 ? w1 : w2, 429, "too many failed logins; try again later");
		return;
	}
	u = http_users_find(&a->c->users, un->valuestring);
	/* an unknown name costs the same hash as a known one */
	hash = u ? u->hash : a->c->dummy_hash;
	if (a->c->login_worker) {
		check_later(a, un->valuestring, pw->valuestring, hash);
		return;
	}
	finish(a, un->valuestring, u ? hash : "",
	       http_check_password(pw->valuestring, hash) && u);
}
