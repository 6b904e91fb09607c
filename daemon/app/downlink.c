/*
 * downlink.c: commands from the district platform.
 *
 * The platform publishes QoS 1 on <prefix>/cmd/<name>; Paho's thread only
 * copies each message into a bounded queue (uplink.c), and the loop thread
 * handles them here, outside the pass's transaction: check the envelope,
 * the HMAC, the timestamp window and the replay cache (cmd_auth.c), then
 * act and answer on <prefix>/reply with the request's id.
 *
 * Replies to authenticated commands go through the outbox (class status),
 * so they survive an outage like any other record.  A command that is not
 * authenticated (unsigned, badly signed, or no key configured) gets a
 * generic "not authenticated" reply published directly, not stored, and at
 * most AUTH_REPLIES_PER_MIN a minute: whoever can publish on the platform's
 * broker must not be able to fill the gateway's disk or learn anything
 * from the answer.  Nothing about the key or a signature is ever logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>


#include "ops.h"

#define DL_QUEUE_LEN         256
#define DL_PER_PASS          32         /* commands handled per loop pass */
#define CMD_MAX_BYTES        16384      /* a bigger command is refused unread */
#define KEY_MIN_BYTES        16
#define KEY_MAX_BYTES        4096
#define AUTH_REPLIES_PER_MIN 10
#define META_REPLAY          "cmd_replay"

struct dl_counters {
	uint64_t received;
	uint64_t accepted;      /* authenticated, fresh, and done */
	uint64_t failed;        /* authenticated and fresh, but the action failed */
	uint64_t unsigned_;     /* no signature (or no key configured) */
	uint64_t bad_sig;
	uint64_t stale;
	uint64_t replayed;
	uint64_t malformed;     /* bad JSON, missing or wrong fields, oversized */
	uint64_t unknown;       /* no such command */
	uint64_t deferred;      /* queue full: left to Paho to offer again */
	uint64_t replies_suppressed; /* unauthenticated replies over the rate */
};

struct downlink {
	struct msgq   *q;
	unsigned char *key;
	size_t         keylen;
	int64_t        window_ms;
	char           cmd_prefix[TOPIC_MAX];   /* "<prefix>/cmd/" */
	struct replay_cache rc;
	bool           rc_dirty;
	struct dl_counters cnt;
	int            auth_tokens;
	int64_t        auth_refill_ms;
	struct complaint refuse_complaint, fail_complaint;
	struct downlink_hooks hooks;
};

/* One command's reply under construction. */
struct reply {
	char   id[CMD_ID_MAX + 1];
	char   cmd[32];
	bool   ok;
	char   error[256];
	cJSON *result;
};

struct downlink *downlink_new(const struct config *cfg, int wake_fd,
			      const struct downlink_hooks *hooks, char *err,
			      size_t errlen)
{
	struct downlink *dl = calloc(1, sizeof *dl);
	char prefix[TOPIC_MAX];
	size_t n = 0;

	if (!dl) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	dl->q = msgq_new(DL_QUEUE_LEN, wake_fd);
	if (!dl->q) {
		free(dl);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	uplink_topic(cfg, "cmd/", prefix, sizeof prefix);
	strlcpy_hz(dl->cmd_prefix, prefix, sizeof dl->cmd_prefix);
	dl->window_ms = (int64_t)cfg->upstream.command_window_s * 1000;
	dl->auth_tokens = AUTH_REPLIES_PER_MIN;
	if (hooks)
		dl->hooks = *hooks;
	if (cfg->upstream.command_key_file[0]) {
		/* no symlink, no FIFO, not readable by others: secret_file.c */
		dl->key = (unsigned char *)secret_read("upstream.command_key_file",
							cfg->upstream.command_key_file,
							KEY_MAX_BYTES, &n, err, errlen);
		if (!dl->key) {
			downlink_free(dl);
			return NULL;
		}
		while (n > 0 && (dl->key[n - 1] == '\n' || dl->key[n - 1] == '\r'))
			dl->key[--n] = '\0';
		dl->keylen = n;
		if (n < KEY_MIN_BYTES) {
			errf(err, errlen, "upstream.command_key_file %s: the key is %zu bytes, "
			     "at least %d are required", cfg->upstream.command_key_file, n,
			     KEY_MIN_BYTES);
			downlink_free(dl);
			return NULL;
		}
	} else {
		log_warnx("upstream.command_key_file is not set: every downlink command "
			  "from the platform will be refused");
	}
	return dl;
}

void downlink_free(struct downlink *dl)
{
	if (!dl)
		return;
	msgq_free(dl->q);
	if (dl->key) {
		cmd_key_wipe(dl->key, dl->keylen);
		free(dl->key);
	}
	free(dl);
}

struct msgq *downlink_queue(struct downlink *dl)
{
	return dl ? dl->q : NULL;
}

size_t downlink_max_bytes(void)
{
	return CMD_MAX_BYTES;
}

void downlink_count_drop(void *ctx)
{
	struct downlink *dl = ctx;

	/* Paho's thread: a lost count is harmless, a torn one impossible on
	 * the platforms we build for */
	__atomic_add_fetch(&dl->cnt.deferred, 1, __ATOMIC_RELAXED);
}

void downlink_load(struct downlink *dl, struct store *st)
{
	char *text = NULL;
	cJSON *o;

	if (store_meta_get_text(st, META_REPLAY, &text) < 0 || !text)
		return;
	o = cJSON_Parse(text);
	free(text);
	if (replay_from_json(&dl->rc, o) < 0)
		log_warnx("downlink: the stored replay cache is damaged; commands older "
			  "than now are refused until the window has passed");
	if (!o)
		dl->rc.floor_ms = now_wall_ms();
	cJSON_Delete(o);
}

cJSON *downlink_status_json(struct downlink *dl)
{
	cJSON *o = cJSON_CreateObject();

	if (!dl || !o)
		return o;
	cJSON_AddBoolToObject(o, "enabled", dl->key != NULL);
	cJSON_AddNumberToObject(o, "received", (double)dl->cnt.received);
	cJSON_AddNumberToObject(o, "accepted", (double)dl->cnt.accepted);
	cJSON_AddNumberToObject(o, "failed", (double)dl->cnt.failed);
	cJSON_AddNumberToObject(o, "refused_unsigned", (double)dl->cnt.unsigned_);
	cJSON_AddNumberToObject(o, "refused_bad_signature", (double)dl->cnt.bad_sig);
	cJSON_AddNumberToObject(o, "refused_stale", (double)dl->cnt.stale);
	cJSON_AddNumberToObject(o, "refused_replayed", (double)dl->cnt.replayed);
	cJSON_AddNumberToObject(o, "refused_malformed", (double)dl->cnt.malformed);
	cJSON_AddNumberToObject(o, "refused_unknown", (double)dl->cnt.unknown);
	cJSON_AddNumberToObject(o, "deferred_queue_full",
				(double)__atomic_load_n(&dl->cnt.deferred, __ATOMIC_RELAXED));
	return o;
}

/* ------------------------------------------------------------ replies */

/* Takes r->result. */
static cJSON *reply_json(struct reply *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *res = r->result;

	r->result = NULL;

	if (!o) {
		cJSON_Delete(res);
		return NULL;
	}
	if (r->id[0])
		cJSON_AddStringToObject(o, "id", r->id);
	else
		cJSON_AddNullToObject(o, "id");
	cJSON_AddStringToObject(o, "cmd", r->cmd);
	cJSON_AddBoolToObject(o, "ok", r->ok);
	if (r->ok)
		cJSON_AddItemToObject(o, "result", res ? res : cJSON_CreateObject());
	else {
		cJSON_Delete(res);
		cJSON_AddStringToObject(o, "error", r->error);
	}
	return o;
}

static void fail_reply(struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail_reply(struct reply *r, const char *fmt, ...)
{
	va_list ap;

	r->ok = false;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
}

/* Not authenticated: direct, not stored, rate-limited, nothing specific. */
static void reply_unauthenticated(struct downlink *dl, struct uplink *up, struct reply *r)
{
	int64_t now = now_mono_ms();
	cJSON *o;
	char *text;

	if (now - dl->auth_refill_ms >= 60000) {
		dl->auth_refill_ms = now;
		dl->auth_tokens = AUTH_REPLIES_PER_MIN;
	}
	if (dl->auth_tokens <= 0) {
		dl->cnt.replies_suppressed++;
		return;
	}
	dl->auth_tokens--;
	r->ok = false;
	o = reply_json(r);
	text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (text)
		uplink_publish_direct(up, "reply", text);
	free(text);
}

/* ------------------------------------------------------------ commands
 * Each command reads its body and calls one operation (ops.h), with the
 * same validation and limits as the control socket's.  A body is a closed
 * set of members: anything else is "unknown field".
 */

static const char *const envelope_fields[] = { "id", "ts", NULL };

/* The operation's refusal into the reply, in the platform's words: a
 * member is a "field" ("missing field \"note\"", "field \"note\" holds
 * control characters"); the reason is the one every front-end gives. */
static void fail_ops(struct reply *r, const struct ops_error *e)
{
	if (e->member && e->msg[0] == '"')
		fail_reply(r, "field %s", e->msg);
	else if (e->member && strncmp(e->msg, "missing \"", 9) == 0)
		fail_reply(r, "missing field %s", e->msg + 8);
	else
		fail_reply(r, "%s", e->msg[0] ? e->msg : "refused");
}

static bool only_fields(const cJSON *body, const char *const *allowed, struct reply *r)
{
	struct ops_error e = { .cls = OPS_OK };

	if (ops_only_fields(body, allowed, envelope_fields, &e))
		return true;
	fail_ops(r, &e);
	return false;
}

/* The record a command names: one of alarm_id, fault_id or hazard_id
 * (the kinds a command may act on); NULL with the reply failed. */
static const char *record_key(const cJSON *body, const char *const *keys, struct reply *r)
{
	const char *key = NULL;
	int n = 0, i;

	for (i = 0; keys[i]; i++)
		if (cJSON_GetObjectItemCaseSensitive(body, keys[i])) {
			n++;
			key = keys[i];
		}
	if (n > 1) {
		fail_reply(r, "name one record, not %d", n);
		return NULL;
	}
	if (n == 0) {
		if (keys[1])
			fail_reply(r, "missing field \"%s\" or \"%s\"", keys[0], keys[1]);
		else
			fail_reply(r, "missing field \"%s\"", keys[0]);
		return NULL;
	}
	return key;
}

/*
 * A person's action from the platform: ack (an alarm or a hazard), close
 * (a hazard, with a note: verify pass under its older name), submit and
 * verify pass|fail (a hazard's re-inspection, with a note), verify-alarm
 * (real, false or test), dismiss (a fault, with a note).  The actor is
 * "platform:<who>".
 */
static void cmd_action(struct daemon *d, const cJSON *body, enum record_action a,
		       struct reply *r)
{
	static const char *const ack_keys[] = { "alarm_id", "hazard_id", NULL },
		*const hz_keys[] = { "hazard_id", NULL }, *const al_keys[] = { "alarm_id", NULL },
		*const ft_keys[] = { "fault_id", NULL };
	static const char *const allowed_ack[] = { "alarm_id", "hazard_id", "who", "note", NULL },
		*const allowed_hz[] = { "hazard_id", "who", "note", NULL },
		*const allowed_verify[] = { "alarm_id", "verdict", "who", "note", NULL },
		*const allowed_dismiss[] = { "fault_id", "who", "note", NULL };
	/* re-inspection before write-off: submit (evidence optional) and
	 * verify (result pass|fail); both need a note */
	static const char *const reinspect_submit[] = { "hazard_id", "who", "note",
							"evidence", NULL },
		*const reinspect_verify[] = { "hazard_id", "result", "who", "note", NULL };
	const char *const *keys = a == RA_ACK ? ack_keys : a == RA_VERIFY ? al_keys :
				  a == RA_DISMISS ? ft_keys : hz_keys;
	const char *const *allowed = a == RA_ACK ? allowed_ack : a == RA_VERIFY ? allowed_verify :
				     a == RA_DISMISS ? allowed_dismiss :
				     a == RA_SUBMIT ? reinspect_submit :
				     a == RA_PASS ? reinspect_verify : allowed_hz;
	struct ops_action act = { .a = a };
	struct ops_error e = { .cls = OPS_OK };
	/* "platform:" and up to OPS_WHO_MAX characters of up to 4 bytes */
	char actor[sizeof "platform:" + 4 * OPS_WHO_MAX];
	const char *key, *who;
	cJSON *res;

	if (!only_fields(body, allowed, r) || !(key = record_key(body, keys, r)))
		return;
	/* "alarm_id" names an alarm: the record must be one */
	act.kind = a == RA_ACK || a == RA_VERIFY ? (key[0] == 'a' ? "alarm" : "hazard") :
		   a == RA_DISMISS ? "fault" : "hazard";
	if (ops_action_parse(body, key, &act, &e) < 0 ||
	    ops_text(body, "who", OPS_WHO_MAX, true, &who, &e) < 0) {
		fail_ops(r, &e);
		return;
	}
	snprintf(actor, sizeof actor, "platform:%s", who);
	act.actor = actor;
	if (!(res = ops_act(d, &act, &e))) {
		fail_ops(r, &e);
		return;
	}
	r->result = cJSON_CreateObject();
	cJSON_AddStringToObject(r->result, key, act.id);
	cJSON_AddItemToObject(r->result, "state",
			      cJSON_DetachItemFromObjectCaseSensitive(res, "state"));
	if (a == RA_VERIFY)
		cJSON_AddItemToObject(r->result, "verdict",
				      cJSON_DetachItemFromObjectCaseSensitive(res, "verdict"));
	if (act.a == RA_PASS || act.a == RA_FAIL) {
		cJSON_AddStringToObject(r->result, "result", act.a == RA_PASS ? "pass" : "fail");
		cJSON_AddItemToObject(r->result, "reinspect_failed",
			cJSON_DetachItemFromObjectCaseSensitive(res, "reinspect_failed"));
	}
	cJSON_Delete(res);
}

/* assign: {"hazard_id", "person", "who", "note"}: the hazard to one of
 * its site's people, as "platform:<who>". */
static void cmd_assign(struct daemon *d, const cJSON *body, struct reply *r)
{
	static const char *const allowed[] = { "hazard_id", "person", "who", "note", NULL };
	struct ops_error e = { .cls = OPS_OK };
	char actor[sizeof "platform:" + 4 * OPS_WHO_MAX];
	const char *id, *person, *note, *who;
	cJSON *res;

	if (!only_fields(body, allowed, r))
		return;
	if (ops_assign_parse(body, "hazard_id", &id, &person, &note, &e) < 0 ||
	    ops_text(body, "who", OPS_WHO_MAX, true, &who, &e) < 0) {
		fail_ops(r, &e);
		return;
	}
	snprintf(actor, sizeof actor, "platform:%s", who);
	if (!(res = ops_assign(d, id, person, actor, note, &e))) {
		fail_ops(r, &e);
		return;
	}
	r->result = cJSON_CreateObject();
	cJSON_AddStringToObject(r->result, "hazard_id", id);
	cJSON_AddItemToObject(r->result, "state",
			      cJSON_DetachItemFromObjectCaseSensitive(res, "state"));
	cJSON_AddItemToObject(r->result, "assignee",
			      cJSON_DetachItemFromObjectCaseSensitive(res, "assignee"));
	cJSON_AddItemToObject(r->result, "assigned_at",
			      cJSON_DetachItemFromObjectCaseSensitive(res, "assigned_at"));
	cJSON_Delete(res);
}

/* supervise: {"hazard_id", "who", "note"}: a major hazard under
 * supervision (挂牌督办), as "platform:<who>"; a general one is refused. */
static void cmd_supervise(struct daemon *d, const cJSON *body, struct reply *r)
{
	static const char *const allowed[] = { "hazard_id", "who", "note", NULL };
	struct ops_error e = { .cls = OPS_OK };
	char actor[sizeof "platform:" + 4 * OPS_WHO_MAX];
	const char *id, *note, *who;
	cJSON *res;

	if (!only_fields(body, allowed, r))
		return;
	if (!(id = ops_record_id(body, "hazard_id", &e)) ||
	    ops_text(body, "who", OPS_WHO_MAX, true, &who, &e) < 0 ||
	    ops_text(body, "note", OPS_NOTE_MAX, false, &note, &e) < 0) {
		fail_ops(r, &e);
		return;
	}
	snprintf(actor, sizeof actor, "platform:%s", who);
	if (!(res = ops_supervise(d, id, actor, note, &e))) {
		fail_ops(r, &e);
		return;
	}
	r->result = cJSON_CreateObject();
	cJSON_AddStringToObject(r->result, "hazard_id", id);
	cJSON_AddItemToObject(r->result, "state",
			      cJSON_DetachItemFromObjectCaseSensitive(res, "state"));
	cJSON_AddItemToObject(r->result, "supervised_at",
			      cJSON_DetachItemFromObjectCaseSensitive(res, "supervised_at"));
	cJSON_Delete(res);
}

/* The live records of one kind (hazards, alarms, faults), at most
 * OPS_LIST_MAX of them, under the kind's plural. */
static void cmd_list(struct daemon *d, const cJSON *body, const char *kind,
		     const char *plural, struct reply *r)
{
	static const char *const allowed[] = { NULL };
	struct ops_error e = { .cls = OPS_OK };

	if (only_fields(body, allowed, r) &&
	    !(r->result = ops_open_records(d, kind, plural, &e)))
		fail_ops(r, &e);
}

static void cmd_set_rules(struct daemon *d, const cJSON *body, struct reply *r)
{
	static const char *const allowed[] = { "rules", NULL };
	struct ops_error e = { .cls = OPS_OK };

	if (only_fields(body, allowed, r) &&
	    !(r->result = ops_set_rules(d, cJSON_GetObjectItemCaseSensitive(body, "rules"), &e)))
		fail_ops(r, &e);
}

static void cmd_resend(struct daemon *d, const cJSON *body, struct reply *r)
{
	static const char *const allowed[] = { "from_seq", "max", NULL };
	struct ops_error e = { .cls = OPS_OK };

	if (only_fields(body, allowed, r) &&
	    !(r->result = ops_resend(d, cJSON_GetObjectItemCaseSensitive(body, "from_seq"),
				     cJSON_GetObjectItemCaseSensitive(body, "max"), &e)))
		fail_ops(r, &e);
}

/* The daily summary of a local day (default today) in the reply; with
 * "publish": true also queued on <prefix>/summary like the daily one. */
static void cmd_summary(struct daemon *d, const cJSON *body, struct reply *r)
{
	static const char *const allowed[] = { "date", "publish", NULL };
	const cJSON *pub = cJSON_GetObjectItemCaseSensitive(body, "publish");
	struct ops_error e = { .cls = OPS_OK };
	const char *date;

	if (!only_fields(body, allowed, r))
		return;
	if (ops_text(body, "date", 10, false, &date, &e) < 0) {
		fail_ops(r, &e);
		return;
	}
	if (pub && !cJSON_IsBool(pub)) {
		fail_reply(r, "\"publish\" must be true or false");
		return;
	}
	if (!(r->result = ops_summary(d, date, cJSON_IsTrue(pub), &e)))
		fail_ops(r, &e);
}

/* status: what the daemon's hook answers */
static void cmd_status(struct downlink *dl, struct daemon *d, const cJSON *body,
		       struct reply *r)
{
	static const char *const allowed[] = { NULL };
	struct ops_error e = { .cls = OPS_OK };

	if (only_fields(body, allowed, r) &&
	    !(r->result = ops_status(d, dl->hooks.status, &e)))
		fail_ops(r, &e);
}

/* Commands that write go inside the reply's transaction (in_tx); a
 * person's actions run their own through daemon_record_action. */
static void dispatch(struct downlink *dl, struct daemon *d, const char *name,
		     const cJSON *body, struct reply *r, bool *in_tx)
{
	*in_tx = false;
	if (strcmp(name, "ack") == 0)
		cmd_action(d, body, RA_ACK, r);
	else if (strcmp(name, "close") == 0)
		cmd_action(d, body, RA_CLOSE, r);
	else if (strcmp(name, "verify-alarm") == 0)
		cmd_action(d, body, RA_VERIFY, r);
	else if (strcmp(name, "dismiss") == 0)
		cmd_action(d, body, RA_DISMISS, r);
	else if (strcmp(name, "submit") == 0)
		cmd_action(d, body, RA_SUBMIT, r);
	else if (strcmp(name, "verify") == 0)   /* a hazard's re-inspection */
		cmd_action(d, body, RA_PASS, r);
	else if (strcmp(name, "assign") == 0)
		cmd_assign(d, body, r);
	else if (strcmp(name, "supervise") == 0)
		cmd_supervise(d, body, r);
	else if (strcmp(name, "status") == 0 && dl->hooks.status)
		cmd_status(dl, d, body, r);
	else if (strcmp(name, "summary") == 0)
		*in_tx = true;
	else if (strcmp(name, "hazards") == 0)
		cmd_list(d, body, "hazard", "hazards", r);
	else if (strcmp(name, "alarms") == 0)
		cmd_list(d, body, "alarm", "alarms", r);
	else if (strcmp(name, "faults") == 0)
		cmd_list(d, body, "fault", "faults", r);
	else if (strcmp(name, "set-rules") == 0)
		*in_tx = true;
	else if (strcmp(name, "resend") == 0)
		*in_tx = true;
	else
		fail_reply(r, "unknown command \"%.31s\"", name);
}

static void dispatch_tx(struct daemon *d, const char *name, const cJSON *body,
			struct reply *r)
{
	if (strcmp(name, "set-rules") == 0)
		cmd_set_rules(d, body, r);
	else if (strcmp(name, "summary") == 0)
		cmd_summary(d, body, r);
	else
		cmd_resend(d, body, r);
}

/* ------------------------------------------------------------ one message */

enum envelope_check { V_OK, V_UNAUTH, V_BAD_SIG, V_MALFORMED };

/* The envelope: *body_text points into env; the id (for the reply) is
 * taken from the body when it parses, authenticated or not. */
static enum envelope_check open_envelope(struct downlink *dl, const struct msg *m,
				  cJSON **env_out, cJSON **body_out, struct reply *r)
{
	cJSON *env = NULL, *body = NULL;
	const cJSON *b, *sig, *id;

	*env_out = *body_out = NULL;
	if (m->oversized || !m->payload) {
		fail_reply(r, "command over %d bytes", CMD_MAX_BYTES);
		return V_MALFORMED;
	}
	env = cJSON_ParseWithLength(m->payload, m->len);
	if (!env || !cJSON_IsObject(env)) {
		cJSON_Delete(env);
		fail_reply(r, "not a JSON object");
		return V_MALFORMED;
	}
	*env_out = env;
	b = cJSON_GetObjectItemCaseSensitive(env, "body");
	sig = cJSON_GetObjectItemCaseSensitive(env, "sig");
	if (cJSON_IsString(b))
		body = cJSON_Parse(b->valuestring);
	/* an unsigned command may be a bare body: answer with its id */
	id = cJSON_GetObjectItemCaseSensitive(body ? body : env, "id");
	/* echoed in the reply: only clean text, or the reply would not be JSON */
	if (cJSON_IsString(id) && strlen(id->valuestring) <= CMD_ID_MAX &&
	    !text_check(id->valuestring))
		strlcpy_hz(r->id, id->valuestring, sizeof r->id);
	*body_out = body;
	if (!sig || !cJSON_IsString(b) || !dl->key) {
		fail_reply(r, "not authenticated");
		return V_UNAUTH;
	}
	if (!cJSON_IsString(sig) ||
	    !cmd_sig_ok(dl->key, dl->keylen, m->topic, b->valuestring, sig->valuestring)) {
		fail_reply(r, "not authenticated");
		return V_BAD_SIG;
	}
	if (!body || !cJSON_IsObject(body)) {
		fail_reply(r, "body is not a JSON object");
		return V_MALFORMED;
	}
	return V_OK;
}

static int persist_replay(struct downlink *dl, struct store *st)
{
	cJSON *o;
	char *text;
	int rc;

	if (!dl->rc_dirty)
		return 0;
	o = replay_to_json(&dl->rc);
	text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	rc = text ? store_meta_set_text(st, META_REPLAY, text) : -1;
	free(text);
	if (rc == 0)
		dl->rc_dirty = false;
	return rc;
}

/* An authenticated, fresh, new command: act, then store the reply (and
 * the replay cache) in one transaction. */
static void handle_authenticated(struct downlink *dl, struct daemon *d, const char *name,
				 const cJSON *body, struct reply *r)
{
	bool in_tx = false;
	cJSON *o;
	char *text;

	dispatch(dl, d, name, body, r, &in_tx);
	if (store_begin(d->store) < 0) {
		complain(&dl->fail_complaint, "downlink: database busy; reply to %s lost",
			 r->id);
		return;
	}
	if (in_tx && r->ok)
		dispatch_tx(d, name, body, r);
	if (r->ok) {
		dl->cnt.accepted++;
		log_info("downlink: command %s (%s) done", r->id, r->cmd);
	} else {
		if (strncmp(r->error, "unknown command", 15) == 0)
			dl->cnt.unknown++;
		else
			dl->cnt.failed++;
		complain(&dl->fail_complaint, "downlink: command %s (%s) refused: %s",
			 r->id, r->cmd, r->error);
	}
	o = reply_json(r);
	text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (persist_replay(dl, d->store) < 0 || !text ||
	    store_outbox_put(d->store, "reply", OB_STATUS, text, NULL) < 0 ||
	    store_commit(d->store) < 0) {
		store_rollback(d->store);
		dl->rc_dirty = true;
		complain(&dl->fail_complaint, "downlink: cannot store the reply to %s "
			 "(disk full?); %s", r->id, in_tx ? "its change is in force but "
			 "not stored" : "the command itself is done");
	}
	free(text);
}

static void handle_one(struct downlink *dl, struct daemon *d, struct uplink *up,
		       const struct msg *m)
{
	struct reply r = { .ok = true };
	cJSON *env = NULL, *body = NULL;
	const cJSON *ts;
	const char *name = "";
	size_t plen = strlen(dl->cmd_prefix);

	dl->cnt.received++;
	if (strncmp(m->topic, dl->cmd_prefix, plen) == 0)
		name = m->topic + plen;
	strlcpy_hz(r.cmd, name, sizeof r.cmd);

	switch (open_envelope(dl, m, &env, &body, &r)) {
	case V_UNAUTH:
		dl->cnt.unsigned_++;
		complain(&dl->refuse_complaint, "downlink: command on %s refused: %s",
			 m->topic, dl->key ? "unsigned" :
			 "no upstream.command_key_file configured");
		reply_unauthenticated(dl, up, &r);
		goto out;
	case V_BAD_SIG:
		dl->cnt.bad_sig++;
		complain(&dl->refuse_complaint, "downlink: command on %s refused: "
			 "signature does not verify", m->topic);
		reply_unauthenticated(dl, up, &r);
		goto out;
	case V_MALFORMED:
		dl->cnt.malformed++;
		complain(&dl->refuse_complaint, "downlink: command on %s refused: %s",
			 m->topic, r.error);
		reply_unauthenticated(dl, up, &r);
		goto out;
	case V_OK:
		break;
	}
	/* authenticated from here on; stale and replayed ones are answered
	 * like unauthenticated ones (direct, rate-limited), since a replay is
	 * exactly what someone without the key can send */
	ts = cJSON_GetObjectItemCaseSensitive(body, "ts");
	/* a ts no int64_t can hold is malformed (the casts below), not stale */
	if (!r.id[0] || !cJSON_IsNumber(ts) ||
	    !(ts->valuedouble > -9e15 && ts->valuedouble < 9e15)) {
		dl->cnt.malformed++;
		fail_reply(&r, "\"id\" (string, 1..%d bytes) and \"ts\" (ms) are required",
			   CMD_ID_MAX);
		complain(&dl->refuse_complaint, "downlink: command on %s refused: %s",
			 m->topic, r.error);
		reply_unauthenticated(dl, up, &r);
		goto out;
	}
	if (!cmd_ts_ok((int64_t)ts->valuedouble, now_wall_ms(), dl->window_ms)) {
		dl->cnt.stale++;
		fail_reply(&r, "stale: ts outside the %lld s window",
			   (long long)(dl->window_ms / 1000));
		complain(&dl->refuse_complaint, "downlink: command %s on %s refused: stale",
			 r.id, m->topic);
		reply_unauthenticated(dl, up, &r);
		goto out;
	}
	if (replay_check_add(&dl->rc, r.id, (int64_t)ts->valuedouble, now_wall_ms(),
			     dl->window_ms) < 0) {
		dl->cnt.replayed++;
		fail_reply(&r, "replayed: id already used");
		complain(&dl->refuse_complaint, "downlink: command %s on %s refused: replayed",
			 r.id, m->topic);
		reply_unauthenticated(dl, up, &r);
		goto out;
	}
	dl->rc_dirty = true;
	handle_authenticated(dl, d, name, body, &r);
out:
	cJSON_Delete(r.result);
	cJSON_Delete(body);
	cJSON_Delete(env);
}

void downlink_run(struct downlink *dl, struct daemon *d, struct uplink *up)
{
	struct msg batch[DL_PER_PASS];
	int n, i;

	if (!dl)
		return;
	n = msgq_pop(dl->q, batch, DL_PER_PASS);
	for (i = 0; i < n; i++) {
		handle_one(dl, d, up, &batch[i]);
		msg_free(&batch[i]);
	}
	/* a reply whose commit failed: its replay entry is still to be kept */
	if (n == 0 && dl->rc_dirty && store_begin(d->store) == 0) {
		if (persist_replay(dl, d->store) < 0 || store_commit(d->store) < 0) {
			store_rollback(d->store);
			dl->rc_dirty = true;
		}
	}
}

bool downlink_pending(struct downlink *dl)
{
	return dl && msgq_depth(dl->q) > 0;
}
