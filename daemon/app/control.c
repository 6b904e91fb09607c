/*
 * control.c: the control socket's commands (hazardctl's protocol).
 *
 * The transport (listening socket, clients, SO_PEERCRED, line framing,
 * deadlines, write buffers) is io/control_socket.c; it hands each request
 * line here with the caller's credentials.  This file reads the request
 * ({"cmd": ..., ...}), looks the command up in the table below, calls the
 * operation (ops.h) and formats the reply: {"ok":true,"result":...} or
 * {"ok":false,"error":"..."}.  Requests are answered on the loop thread;
 * a submit or close with evidence files has its files read on the
 * evidence worker first and its reply deferred (ctl_person_later).
 *
 * Every person's action is recorded under the caller's user name; only
 * root may name another actor (control_actor.c).  Every string in a
 * request, member names included, must be clean text (ops_clean).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_console.h"
#include "offload.h"
#include "ops.h"
#include "alerts.h"

/* The evidence worker's queue: one request per client at most (a client
 * waits for its deferred reply), 16 clients, so a submit is never refused
 * for it; a long line's buffer is kept until its reply, so at most two of
 * them (the transport's CTL_MAX_BIG) hold megabytes meanwhile. */
#define CTL_FILES_QUEUE 16

struct control {
	struct ctlsock *sock;
	struct daemon  *d;              /* the handler's, set by control_handle */
	struct offload *files;          /* evidence files off the loop; NULL: on it */
};

/* A question: what anyone on the socket may ask. */
typedef cJSON *(*ctl_cmd_fn)(const cJSON *req, struct daemon *d, struct ops_error *e);
/* An action: done, logged and recorded as the caller (ctl_actor). */
typedef cJSON *(*ctl_act_fn)(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, struct ops_error *e);

/* ---------------------------------------------------------- questions */

static cJSON *ctl_cmd_status(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_status(d, daemon_status_json, e);
}

static cJSON *ctl_cmd_devices(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_devices(d, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "unknown")),
			   e);
}

/* Listings of one kind ({"open": true} and the filters of ops_reports.c). */
static cJSON *ctl_cmd_hazards(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_records_where(d, req, "hazard", e);
}

static cJSON *ctl_cmd_alarms(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_records_where(d, req, "alarm", e);
}

static cJSON *ctl_cmd_faults(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_records_where(d, req, "fault", e);
}

static cJSON *ctl_cmd_records(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_records_where(d, req, NULL, e);
}

static cJSON *ctl_cmd_hazard(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	const char *id = ops_record_id(req, "id", e);

	return id ? ops_record_detail(d, id, e) : NULL;
}

static cJSON *ctl_cmd_outputs(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_outputs(d, e);
}

static cJSON *ctl_cmd_report(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_report(d, req, e);
}

/* {"cmd":"weekly","week":"YYYY-Www","publish":bool}: 每周一报 (weekly.c) */
static cJSON *ctl_cmd_weekly(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_weekly(d, req, e);
}

static cJSON *ctl_cmd_ledger(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_ledger(d, req, e);
}

/* The rules in force per kind and device, and where each value came from
 * (default, file, platform): what set-rules changed is visible here. */
static cJSON *ctl_cmd_rules(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	return ops_rules(d, e);
}

/* ------------------------------------------------------------ actions */

/* The actor (ctl_actor: the caller unless root names someone), into e. */
static int ctl_who(const cJSON *req, const struct ctl_caller *who, const char **actor,
		   struct ops_error *e)
{
	if (ctl_actor(req, who, actor, e->msg, sizeof e->msg) == 0)
		return 0;
	e->cls = OPS_INVALID;
	return -1;
}

/*
 * A person's move on a record: {"cmd":"ack"|"rectifying"|"close"|
 * "submit"|"verify"|"verify-alarm"|"dismiss", "id", "note", "actor",
 * "evidence" (close, submit), "verdict" (verify-alarm), "result"
 * (verify)}.  All but ack and rectifying need a note.
 */
static cJSON *ctl_person(const cJSON *req, const struct ctl_caller *who,
			 struct daemon *d, enum record_action a, struct ops_error *e)
{
	struct ops_action act = { .a = a };

	if (ops_action_parse(req, "id", &act, e) < 0 ||
	    ctl_who(req, who, &act.actor, e) < 0)
		return NULL;
	return ops_act(d, &act, e);
}

static cJSON *ctl_cmd_verify_alarm(const cJSON *req, const struct ctl_caller *who,
				   struct daemon *d, struct ops_error *e)
{
	return ctl_person(req, who, d, RA_VERIFY, e);
}

static cJSON *ctl_cmd_dismiss(const cJSON *req, const struct ctl_caller *who,
			      struct daemon *d, struct ops_error *e)
{
	return ctl_person(req, who, d, RA_DISMISS, e);
}

static cJSON *ctl_cmd_close(const cJSON *req, const struct ctl_caller *who,
			    struct daemon *d, struct ops_error *e)
{
	return ctl_person(req, who, d, RA_CLOSE, e);
}

static cJSON *ctl_cmd_ack(const cJSON *req, const struct ctl_caller *who,
			  struct daemon *d, struct ops_error *e)
{
	return ctl_person(req, who, d, RA_ACK, e);
}

static cJSON *ctl_cmd_rectifying(const cJSON *req, const struct ctl_caller *who,
				 struct daemon *d, struct ops_error *e)
{
	return ctl_person(req, who, d, RA_RECTIFY, e);
}

/* Re-inspection before write-off (docs/lifecycle.md): {"cmd":"submit",
 * "id", "note", "evidence"}: 整改完成待复查; {"cmd":"verify", "id",
 * "result": "pass"|"fail", "note"}: 复查 by someone other than the
 * submitter; {"cmd":"raise", "site", "type", "note", "device",
 * "severity"}: a hazard recorded by hand. */
static cJSON *ctl_cmd_submit(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, struct ops_error *e)
{
	return ctl_person(req, who, d, RA_SUBMIT, e);
}

static cJSON *ctl_cmd_verify(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, struct ops_error *e)
{
	/* RA_PASS: read "result" into pass or fail (ops_action_parse) */
	return ctl_person(req, who, d, RA_PASS, e);
}

static cJSON *ctl_cmd_raise(const cJSON *req, const struct ctl_caller *who,
			    struct daemon *d, struct ops_error *e)
{
	const char *actor;

	if (ctl_who(req, who, &actor, e) < 0)
		return NULL;
	return ops_raise(d, req, actor, e);
}

/* A required name member ("output", "device", "set"): an id's rules. */
static const char *ctl_name(const cJSON *req, const char *key, struct ops_error *e)
{
	return ops_record_id(req, key, e);
}

/* {"cmd":"reset","output":NAME}: a latched output, or a latched device
 * when NAME is a device and not an output. */
static cJSON *ctl_cmd_reset(const cJSON *req, const struct ctl_caller *who,
			    struct daemon *d, struct ops_error *e)
{
	const char *name, *actor;

	if (!(name = ctl_name(req, "output", e)) || ctl_who(req, who, &actor, e) < 0)
		return NULL;
	return ops_reset(d, name, actor, e);
}

static cJSON *ctl_cmd_test(const cJSON *req, const struct ctl_caller *who,
			   struct daemon *d, struct ops_error *e)
{
	const char *name = ctl_name(req, "output", e);

	return name ? ops_test(d, name, who->name, e) : NULL;
}

/* {"cmd":"switch","device":ID,"set":"on"|"off"} (and "actor": root only) */
static cJSON *ctl_cmd_switch(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, struct ops_error *e)
{
	const char *id, *set, *actor;

	if (!(id = ctl_name(req, "device", e)) || !(set = ctl_name(req, "set", e)) ||
	    ctl_who(req, who, &actor, e) < 0)
		return NULL;
	return ops_switch(d, id, set, actor, e);
}

/* {"cmd":"assign","id":HAZARD,"person":PERSON,"note"} (and "actor": root
 * only): the hazard to one of its site's people. */
static cJSON *ctl_cmd_assign(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, struct ops_error *e)
{
	const char *id, *person, *note, *actor;

	if (ops_assign_parse(req, "id", &id, &person, &note, e) < 0 ||
	    ctl_who(req, who, &actor, e) < 0)
		return NULL;
	return ops_assign(d, id, person, actor, note, e);
}

/* {"cmd":"selfcheck","site","items":{ITEM:"ok"|"fail"},"note"}: a
 * site's self-inspection (ops_selfcheck.c). */
static cJSON *ctl_cmd_selfcheck(const cJSON *req, const struct ctl_caller *who,
				struct daemon *d, struct ops_error *e)
{
	const char *actor;

	if (ctl_who(req, who, &actor, e) < 0)
		return NULL;
	return ops_selfcheck(d, req, actor, e);
}

/* {"cmd":"checklist","site"}: the site's self-inspection checklist. */
static cJSON *ctl_cmd_checklist(const cJSON *req, struct daemon *d, struct ops_error *e)
{
	const char *site = ops_record_id(req, "site", e);

	return site ? ops_selfcheck_list(d, site, e) : NULL;
}

/* {"cmd":"supervise","id":HAZARD,"note"}: 挂牌督办 of a major hazard by
 * hand, as the platform's command does it (ops_supervise.c). */
static cJSON *ctl_cmd_supervise(const cJSON *req, const struct ctl_caller *who,
				struct daemon *d, struct ops_error *e)
{
	const char *id, *note, *actor;

	if (!(id = ops_record_id(req, "id", e)) ||
	    ops_text(req, "note", OPS_NOTE_MAX, false, &note, e) < 0 ||
	    ctl_who(req, who, &actor, e) < 0)
		return NULL;
	return ops_supervise(d, id, actor, note, e);
}

static cJSON *ctl_cmd_reload(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, struct ops_error *e)
{
	char trigger[ID_MAX + 16];

	snprintf(trigger, sizeof trigger, "hazardctl, %s", who->name);
	return ops_reload(d, trigger, e);
}

/* hazardctl user add|passwd|del|list: the web console's accounts
 * (http_user_ops.c); root only, as they hold the keys to every action. */
static cJSON *ctl_cmd_user(const cJSON *req, const struct ctl_caller *who,
			   struct daemon *d, struct ops_error *e)
{
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");

	if (who->uid != 0)
		return ops_fail(e, OPS_REFUSED, "only root manages console users");
	return http_user_cmd(d, cmd->valuestring, req, e);
}

/* {"cmd":"alert","op":"test","contact":ID,"channel"?} sends a test
 * through the alert sender; {"cmd":"alert","op":"result","tag":N} says
 * how it went (alert_ops.c). */
static cJSON *ctl_cmd_alert(const cJSON *req, const struct ctl_caller *who,
			    struct daemon *d, struct ops_error *e)
{
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op"),
		    *tag = cJSON_GetObjectItemCaseSensitive(req, "tag"),
		    *ch = cJSON_GetObjectItemCaseSensitive(req, "channel");
	const char *contact;

	if (cJSON_IsString(op) && strcmp(op->valuestring, "result") == 0) {
		if (!cJSON_IsNumber(tag) || tag->valuedouble < 1)
			return ops_fail(e, OPS_INVALID, "\"tag\" must be a number");
		return ops_alert_result(d, (uint64_t)tag->valuedouble, e);
	}
	if (!cJSON_IsString(op) || strcmp(op->valuestring, "test") != 0)
		return ops_fail(e, OPS_INVALID, "\"op\" must be test or result");
	if (ch && (!cJSON_IsString(ch) || strlen(ch->valuestring) >= ALERT_CHANNEL_LEN))
		return ops_fail(e, OPS_INVALID, "\"channel\" must be sms, voice or webhook:ID");
	if (!(contact = ctl_name(req, "contact", e)))
		return NULL;
	log_info("alert test to %s by %s", contact, who->name);
	return ops_alert_test(d, contact, ch ? ch->valuestring : NULL, e);
}

static const struct ctl_cmd {
	const char *name;
	ctl_cmd_fn  fn;         /* one of fn and act */
	ctl_act_fn  act;
	enum record_action files; /* RA_CLOSE, RA_SUBMIT: may carry files
				   * (ctl_person_later); else 0 */
} ctl_cmds[] = {
	{ .name = "status",  .fn = ctl_cmd_status },
	{ .name = "devices", .fn = ctl_cmd_devices },
	{ .name = "hazards", .fn = ctl_cmd_hazards },
	{ .name = "hazard",  .fn = ctl_cmd_hazard },
	{ .name = "show",    .fn = ctl_cmd_hazard },
	{ .name = "alarms",  .fn = ctl_cmd_alarms },
	{ .name = "faults",  .fn = ctl_cmd_faults },
	{ .name = "records", .fn = ctl_cmd_records },
	{ .name = "outputs", .fn = ctl_cmd_outputs },
	{ .name = "report",  .fn = ctl_cmd_report },
	{ .name = "ledger",  .fn = ctl_cmd_ledger },
	{ .name = "weekly",  .fn = ctl_cmd_weekly },
	{ .name = "rules",   .fn = ctl_cmd_rules },
	{ .name = "checklist", .fn = ctl_cmd_checklist },
	{ .name = "watch",   .fn = ctl_cmd_watch },
	{ .name = "verify-alarm", .act = ctl_cmd_verify_alarm },
	{ .name = "dismiss", .act = ctl_cmd_dismiss },
	{ .name = "close",   .act = ctl_cmd_close, .files = RA_CLOSE },
	{ .name = "ack",     .act = ctl_cmd_ack },
	{ .name = "rectifying", .act = ctl_cmd_rectifying },
	{ .name = "submit",  .act = ctl_cmd_submit, .files = RA_SUBMIT },
	{ .name = "verify",  .act = ctl_cmd_verify },
	{ .name = "raise",   .act = ctl_cmd_raise },
	{ .name = "reset",   .act = ctl_cmd_reset },
	{ .name = "test",    .act = ctl_cmd_test },
	{ .name = "reload",  .act = ctl_cmd_reload },
	{ .name = "switch",  .act = ctl_cmd_switch },
	{ .name = "assign",  .act = ctl_cmd_assign },
	{ .name = "selfcheck", .act = ctl_cmd_selfcheck },
	{ .name = "supervise", .act = ctl_cmd_supervise },
	{ .name = "user-add", .act = ctl_cmd_user },
	{ .name = "user-passwd", .act = ctl_cmd_user },
	{ .name = "user-del", .act = ctl_cmd_user },
	{ .name = "user-list", .act = ctl_cmd_user },
	{ .name = "alert",   .act = ctl_cmd_alert },
};

/* ------------------------------------------------------------ replies */

static cJSON *ctl_reply(cJSON *result, const char *error)
{
	cJSON *reply = cJSON_CreateObject();

	if (!reply) {
		cJSON_Delete(result);
		return NULL;
	}
	if (error) {
		cJSON_AddFalseToObject(reply, "ok");
		cJSON_AddStringToObject(reply, "error", error);
	} else {
		cJSON_AddTrueToObject(reply, "ok");
		cJSON_AddItemToObject(reply, "result", result ? result : cJSON_CreateNull());
	}
	return reply;
}

/* ------------------------------------------------- files off the loop */

/*
 * A submit or close with evidence files, when the worker runs: the request
 * is checked here (ops_action_parse, the actor, then ops_act_later's cheap
 * checks), its reply deferred (ctlsock_defer) and the request handed to
 * the worker, which decodes, hashes and sniffs the files; the action and
 * the files are written on the loop when they come back (ctl_files_done),
 * and the reply queued then.  The client's next request waits for it.
 */
struct ctl_later {
	struct control *ctl;
	struct ctl_ticket t;
};

static void ctl_files_done(void *arg, cJSON *result, const struct ops_error *e)
{
	struct ctl_later *l = arg;
	cJSON *reply = result ? ctl_reply(result, NULL) :
		       ctl_reply(NULL, e->msg[0] ? e->msg : "request failed");

	ctlsock_reply(&l->t, reply, l->ctl);
	cJSON_Delete(reply);
	free(l);
}

/* 1: deferred (req taken); 0: not for the worker (answer at once); -1
 * refused with e. */
static int ctl_person_later(struct control *ctl, cJSON *req, const struct ctl_caller *who,
			    enum record_action a, struct ops_error *e)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(req, "files");
	struct ops_action act = { .a = a };
	struct ctl_later *l;

	if (!ctl->files || !cJSON_IsArray(files) || cJSON_GetArraySize(files) == 0)
		return 0;
	if (ops_action_parse(req, "id", &act, e) < 0 || ctl_who(req, who, &act.actor, e) < 0)
		return -1;
	if (!(l = calloc(1, sizeof *l)))
		return 0;
	l->ctl = ctl;
	if (ctlsock_defer(&l->t) < 0) {
		free(l);
		return 0;
	}
	if (ops_act_later(ctl->d, ctl->files, req, &act, ctl_files_done, l, e) < 0) {
		ctlsock_defer_cancel(&l->t);
		free(l);
		return -1;
	}
	return 1;
}

/* One request line from the transport (ctlsock_handler). */
static cJSON *ctl_request(void *ctx, const struct ctl_caller *who, const char *line,
			  size_t len, bool *understood)
{
	struct control *ctl = ctx;
	struct daemon *d = ctl->d;
	struct ops_error e = { .cls = OPS_OK };
	char clip[OPS_ECHO_MAX];
	const struct ctl_cmd *c = NULL;
	const cJSON *cmd;
	cJSON *req, *result;
	size_t i;

	req = cJSON_ParseWithLength(line, len);
	if (!req)
		return ctl_reply(NULL, "malformed JSON request");
	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		return ctl_reply(NULL, "request must be a JSON object");
	}
	*understood = true;
	cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	if (!ops_clean(req, &e)) {
		result = NULL;
	} else if (!cJSON_IsString(cmd) || !cmd->valuestring) {
		ops_fail(&e, OPS_INVALID, "request needs a string \"cmd\"");
	} else {
		for (i = 0; i < sizeof ctl_cmds / sizeof ctl_cmds[0] && !c; i++)
			if (strcmp(ctl_cmds[i].name, cmd->valuestring) == 0)
				c = &ctl_cmds[i];
		if (!c)
			ops_fail(&e, OPS_INVALID, "unknown command \"%s\"",
				 ops_clip(cmd->valuestring, clip, sizeof clip));
	}
	result = NULL;
	if (c && c->files) {
		int rc = ctl_person_later(ctl, req, who, c->files, &e);

		if (rc > 0) {
			log_debug("control: %s (pid %ld): %s, its files on the worker",
				  who->name, (long)who->pid, c->name);
			return NULL;    /* answered by ctl_files_done */
		}
		if (rc < 0)
			c = NULL;       /* refused: e says why */
	}
	if (c) {
		log_debug("control: %s (pid %ld): %s", who->name, (long)who->pid, c->name);
		result = c->act ? c->act(req, who, d, &e) : c->fn(req, d, &e);
	}
	cJSON_Delete(req);
	if (!result)
		return ctl_reply(NULL, e.msg[0] ? e.msg : "request failed");
	return ctl_reply(result, NULL);
}

/* ------------------------------------------------------------ socket */

struct control *control_open(const char *path, char *err, size_t errlen)
{
	struct control *c = calloc(1, sizeof *c);

	if (!c) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	c->sock = ctlsock_open(path, ctl_request, err, errlen);
	if (!c->sock) {
		free(c);
		return NULL;
	}
	return c;
}

void control_set_deadlines(struct control *c, int request_ms, int idle_ms, int reply_ms)
{
	ctlsock_set_deadlines(c->sock, request_ms, idle_ms, reply_ms);
}

void control_offload(struct control *c, int wake_fd)
{
	if (c && !c->files)
		c->files = offload_new("control: evidence files", CTL_FILES_QUEUE, wake_fd);
}

void control_close(struct control *c)
{
	if (!c)
		return;
	/* requests under way answered while their clients are still there */
	offload_free(c->files);
	ctlsock_close(c->sock);
	free(c);
}

int control_pollfds(struct control *c, struct pollfd *pfd, int max)
{
	return c ? ctlsock_pollfds(c->sock, pfd, max) : 0;
}

void control_handle(struct control *c, const struct pollfd *pfd, int n, struct daemon *d)
{
	if (!c)
		return;
	c->d = d;
	/* files back from the worker: recorded, their clients answered */
	offload_collect(c->files);
	ctlsock_handle(c->sock, pfd, n, c);
}
