/* test_http_session.c: the console's sessions (found by id until they
 * expire, dropped per user, the oldest replaced when full), the login
 * throttle (a wait after the limit, doubling, capped, forgotten after a
 * success), password hashes and the users file's round trip. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "http_session.h"
#include "http_users.h"
#include "testing.h"

static void sessions(void)
{
	static struct http_sessions t;
	struct http_session *a, *b, *f;
	char id[HTTP_TOKEN_HEX];
	int i;

	t.ttl_ms = 1000;
	a = http_session_new(&t, "alice", 100);
	b = http_session_new(&t, "bob", 100);
	CHECK("a session is made", a && b);
	CHECK_INT("its id has 64 hex digits", strlen(a->id), 64);
	CHECK("ids and tokens differ", strcmp(a->id, b->id) != 0 &&
	      strcmp(a->id, a->csrf) != 0);
	CHECK("found by its id", http_session_find(&t, a->id, 500) == a);
	CHECK("not after it expired", http_session_find(&t, a->id, 1100) == NULL);
	CHECK("a wrong id finds nothing", http_session_find(&t, "00", 500) == NULL);
	CHECK("NULL finds nothing", http_session_find(&t, NULL, 500) == NULL);
	snprintf(id, sizeof id, "%s", b->id);
	http_session_drop_user(&t, "bob");
	CHECK("dropped with its user", http_session_find(&t, id, 500) == NULL);
	memset(&t, 0, sizeof t);
	t.ttl_ms = 1000000;
	a = http_session_new(&t, "first", 1);
	snprintf(id, sizeof id, "%s", a->id);
	for (i = 1; i < HTTP_SESSIONS_MAX; i++)
		http_session_new(&t, "other", 10 + i);
	CHECK("a full table still has the oldest", http_session_find(&t, id, 5000) != NULL);
	f = http_session_new(&t, "new", 6000);
	CHECK("one more replaces the oldest", f && http_session_find(&t, id, 6000) == NULL &&
	      http_session_find(&t, f->id, 6000) == f);
	CHECK("token_eq", http_token_eq("abc", "abc") && !http_token_eq("abc", "abd") &&
	      !http_token_eq("abc", "ab"));
}

static void throttle(void)
{
	static struct http_throttle t;
	int i;

	for (i = 0; i < 4; i++)
		http_throttle_fail(&t, "u:x", 5, 1000);
	CHECK_INT("four failures: no wait", http_throttle_wait(&t, "u:x", 1000), 0);
	http_throttle_fail(&t, "u:x", 5, 1000);
	CHECK_INT("the fifth: wait 1 s", http_throttle_wait(&t, "u:x", 1000), 1);
	CHECK_INT("over after it", http_throttle_wait(&t, "u:x", 2000), 0);
	http_throttle_fail(&t, "u:x", 5, 2000);
	CHECK_INT("the sixth: 2 s", http_throttle_wait(&t, "u:x", 2000), 2);
	http_throttle_fail(&t, "u:x", 5, 4000);
	CHECK_INT("the seventh: 4 s", http_throttle_wait(&t, "u:x", 4000), 4);
	CHECK_INT("another key is not held", http_throttle_wait(&t, "u:y", 4000), 0);
	for (i = 0; i < 30; i++)
		http_throttle_fail(&t, "u:x", 5, 5000);
	CHECK_INT("capped", http_throttle_wait(&t, "u:x", 5000), HTTP_WAIT_MAX_S);
	http_throttle_ok(&t, "u:x");
	CHECK_INT("a success forgets", http_throttle_wait(&t, "u:x", 5000), 0);
	http_throttle_fail(&t, "ip:1", 1, 0);
	CHECK_INT("a held key past the forget time waits no more",
		  http_throttle_wait(&t, "ip:1", HTTP_FORGET_MS + 2000), 0);
}

static void users(void)
{
	static struct http_users us, back;
	char path[] = "/tmp/test_http_users.XXXXXX", err[256];
	struct http_user *u;
	int fd = mkstemp(path);

	close(fd);
	unlink(path);
	CHECK("a missing file is no users", http_users_load(path, &us, err, sizeof err) == 0 &&
	      us.n == 0);
	u = &us.u[us.n++];
	snprintf(u->name, sizeof u->name, "alice");
	u->role = HTTP_OWNER;
	snprintf(u->sites[u->n_sites++], ID_MAX, "site-1");
	snprintf(u->lang, sizeof u->lang, "en");
	CHECK("hash", http_hash_password("correct horse", u->hash, sizeof u->hash) == 0);
	CHECK_CONTAINS("argon2id", u->hash, "$argon2id$");
	CHECK("the right password", http_check_password("correct horse", u->hash));
	CHECK("a wrong one", !http_check_password("correct hors", u->hash));
	CHECK("garbage", !http_check_password("x", "$argon2id$garbage"));
	CHECK("saved", http_users_save(path, &us, err, sizeof err) == 0);
	CHECK("read back", http_users_load(path, &back, err, sizeof err) == 0 && back.n == 1);
	u = http_users_find(&back, "alice");
	CHECK("the same user", u && u->role == HTTP_OWNER && u->n_sites == 1 &&
	      strcmp(u->lang, "en") == 0 && http_check_password("correct horse", u->hash));
	CHECK("sees its site only", u && http_user_sees(u, "site-1") &&
	      !http_user_sees(u, "site-2"));
	unlink(path);
}

int main(void)
{
	sessions();
	throttle();
	users();
	TEST_DONE();
}
