/*
 * ops.h: the operations (app layer).  Every front-end (the control socket,
 * app/control.c; platform commands, app/downlink.c) parses its transport's
 * request and calls one function here per operation; the validation of
 * what a request carries and its limits are here once, so a note, an id
 * or an actor is held to the same rules whoever sends it.
 *
 * Each operation returns a cJSON result (owned by the caller), or NULL
 * with struct ops_error filled: a class (what kind of refusal) and the
 * text the front-end answers with.
 */
#ifndef APP_OPS_H
#define APP_OPS_H

#include "app.h"

/* ------------------------------------------------------------ limits
 * One set, whoever sends the request (docs/protocol.md, man/hazardctl.1).
 * Text limits count characters (UTF-8 code points), not bytes: a note of
 * 500 Chinese characters is 1,500 bytes and is allowed.
 */
#define OPS_NOTE_MAX       500  /* characters: a person's note */
#define OPS_EVIDENCE_MAX   2000 /* characters: a close's evidence */
#define OPS_WHO_MAX        48   /* characters: the platform's "who" */
#define OPS_LIST_MAX       200  /* records in a platform listing reply */
#define OPS_RESEND_MAX     10000 /* hazard events queued by one resend */
#define OPS_ECHO_MAX       80   /* bytes of request text echoed in an error */
#define OPS_FILES_MAX      16   /* evidence files with one submit or close */
#define OPS_FILE_NAME_MAX  120  /* characters: an evidence file's name */

enum ops_class {
	OPS_OK = 0,
	OPS_INVALID,            /* the request is malformed: fix it */
	OPS_NOT_FOUND,          /* it names nothing that exists */
	OPS_REFUSED,            /* the rules do not allow it now */
	OPS_BUSY,               /* try again (database busy, input pending) */
	OPS_FAILED,             /* the daemon could not do it */
};

struct ops_error {
	enum ops_class cls;
	bool member;            /* msg is about one member of the request:
				 * "missing \"key\"..." or "\"key\" <reason>"
				 * (a front-end may name members its way) */
	char msg[512];
};

/* Fill e (returns NULL, so a failing operation can `return ops_fail(...)`). */
void *ops_fail(struct ops_error *e, enum ops_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------- ops_ids.c
 * Short ids: a record's tail ("H12" of "<epoch>-H12", "h12" too) or the
 * start of its id; the start of a device's id.  The whole id when id is
 * one or matches nothing (the operation then says "no such ..."); the one
 * it stands for (in buf for a record); NULL with e (OPS_INVALID, the
 * candidates listed) when it stands for several.
 */
const char *ops_resolve_record(struct daemon *d, const char *id, char *buf,
			       size_t len, struct ops_error *e);
const char *ops_resolve_device(struct daemon *d, const char *id, struct ops_error *e);

/* ------------------------------------------------------- ops_valid.c
 * The one validation.  A member "key" of obj:
 */
/* Free text: absent (or null) gives *out NULL and 0 unless required
 * ("missing \"key\""); else a string ("\"key\" must be a string"), not
 * blank ("must not be empty"), clean text (text_check: valid UTF-8, no
 * control character) and at most max_chars characters.  0, or -1 with e. */
int ops_text(const cJSON *obj, const char *key, size_t max_chars, bool required,
	     const char **out, struct ops_error *e);
/* The id of a record (alarm, fault or hazard): a required, non-blank,
 * clean string of at most ID_MAX - 1 bytes.  NULL with e. */
const char *ops_record_id(const cJSON *obj, const char *key, struct ops_error *e);
/* Every member of obj is one of allowed (NULL-terminated), or extra (may
 * be NULL): else "unknown field \"name\"".  For the front-ends whose
 * requests are closed sets (platform commands). */
bool ops_only_fields(const cJSON *obj, const char *const *allowed,
		     const char *const *extra, struct ops_error *e);
/* Every string in a request, member names included, is clean text. */
bool ops_clean(const cJSON *j, struct ops_error *e);
/* s clipped to OPS_ECHO_MAX bytes ("..." added) for an error message. */
const char *ops_clip(const char *s, char *buf, size_t size);
/* Characters (UTF-8 code points) in s. */
size_t ops_chars(const char *s);

/* ------------------------------------------------------ ops_records.c
 * A person's action on a record.
 */
struct ops_action {
	enum record_action a;   /* ack, rectify, close, verify, dismiss */
	const char *id;
	const char *kind;       /* "alarm", "fault", "hazard": the record must be
				 * one (the field named it), NULL any */
	enum verdict verdict;   /* RA_VERIFY */
	const char *actor;      /* who, as the front-end established it */
	const char *note;       /* may be NULL but where required */
	const char *evidence;   /* RA_CLOSE, RA_SUBMIT only; may be NULL */
	const cJSON *files;     /* RA_CLOSE, RA_SUBMIT: the request's "files"
				 * (ops_files_parse reads them in ops_act) */
};
/* Read id (from id_key), note, evidence (close, submit), verdict
 * (verify-alarm) and result (a hazard's verify: act->a RA_PASS on entry,
 * RA_PASS or RA_FAIL after, from "result": "pass"|"fail") from a request
 * into *act (pointers into req; a, kind and actor are the caller's).  A
 * close, submit, verify and dismiss need a note.  0, or -1 with e. */
int ops_action_parse(const cJSON *req, const char *id_key, struct ops_action *act,
		     struct ops_error *e);
/* Do it: {"id", "state" (now), "actor", "verdict" (verify), "files"
 * (the evidence files kept, when the request had some)}. */
cJSON *ops_act(struct daemon *d, const struct ops_action *act, struct ops_error *e);
/* The parts of ops_act: the record act->id names (a short id resolved
 * into idbuf, its kind checked against act->kind), or NULL with e; then
 * the action with its files already read (files taken: emptied). */
struct ops_files;
const char *ops_act_target(struct daemon *d, const struct ops_action *act, char *idbuf,
			   size_t size, struct ops_error *e);
cJSON *ops_act_files(struct daemon *d, const struct ops_action *act,
		     struct ops_files *files, struct ops_error *e);
/* ops_act with the evidence files decoded, hashed and sniffed on worker w
 * (offload.h) instead of the loop; only the database write stays on the
 * loop.  req: the request act's pointers point into, taken (freed once
 * done).  done(arg, result, e) is called once on the loop with what
 * ops_act would have returned (result is the callee's).  0: under way;
 * -1 with e (req not taken, done not called): refused before any work,
 * or OPS_BUSY when the worker's queue is full (ops_evidence_later.c). */
typedef void (*ops_done_fn)(void *arg, cJSON *result, const struct ops_error *e);
struct offload;
int ops_act_later(struct daemon *d, struct offload *w, cJSON *req,
		  const struct ops_action *act, ops_done_fn done, void *arg,
		  struct ops_error *e);
/* ----------------------------------------------------- ops_evidence.c
 * Evidence files with a submit or a close: a request's "files" (NULL or
 * null: none), [{"name", "data"}] (base64).  Each decoded, at most records.evidence_max_bytes, hashed
 * (SHA-256) and its media type sniffed.  fs is empty without "files".
 * 0, or -1 with e (nothing to free).
 */
struct ops_files {
	struct evidence_file *f;        /* data malloc'd */
	int n;
};
int  ops_files_parse(struct daemon *d, const cJSON *files, struct ops_files *fs,
		     struct ops_error *e);
/* ops_files_parse in two: the shape, names and sizes (fs->n entries, no
 * data yet), then the bytes of those (any thread: touches only files, fs
 * and e).  max: ops_files_max(d), read on the loop. */
int  ops_files_check(struct daemon *d, const cJSON *files, struct ops_files *fs,
		     struct ops_error *e);
int  ops_files_decode(const cJSON *files, size_t max, struct ops_files *fs,
		      struct ops_error *e);
size_t ops_files_max(struct daemon *d);
void ops_files_free(struct ops_files *fs);
/* A hazard recorded by hand (re-inspection, docs/lifecycle.md): request
 * {"site", "type", "note", "device" (optional), "severity" (optional:
 * general|major)}; actor as the front-end established it.  {"id",
 * "state", "actor", "site", "type", "device", "severity"}. */
cJSON *ops_raise(struct daemon *d, const cJSON *req, const char *actor,
		 struct ops_error *e);
/* One record with its events (control "hazard"/"show"). */
cJSON *ops_record_detail(struct daemon *d, const char *id, struct ops_error *e);
/* The open records of one kind for the platform: {"count", "truncated",
 * <plural>: [at most OPS_LIST_MAX]}. */
cJSON *ops_open_records(struct daemon *d, const char *kind, const char *plural,
			struct ops_error *e);
/* set-rules: validate and store the platform's overrides (inside the
 * caller's transaction): {"overrides": the stored document}. */
cJSON *ops_set_rules(struct daemon *d, const cJSON *rules, struct ops_error *e);
/* The rules in force per kind and device, each with its source. */
cJSON *ops_rules(struct daemon *d, struct ops_error *e);
/* resend from_seq (max: 0 for OPS_RESEND_MAX), inside the caller's
 * transaction: {"queued", "more"}. */
cJSON *ops_resend(struct daemon *d, const cJSON *from_seq, const cJSON *max,
		  struct ops_error *e);
/* The daily summary of date (NULL: today), queued upstream if publish. */
cJSON *ops_summary(struct daemon *d, const char *date, bool publish, struct ops_error *e);
/* The daemon's status through the front-end's hook (app/loop_status.c's). */
cJSON *ops_status(struct daemon *d, cJSON *(*status)(struct daemon *d),
		  struct ops_error *e);
/* Live reload; trigger names who asked ("hazardctl, <user>"). */
cJSON *ops_reload(struct daemon *d, const char *trigger, struct ops_error *e);

/* ------------------------------------------------------ ops_reports.c
 * Listings and reports with filters (control "hazards", "alarms",
 * "faults", "records", "report", "ledger"; docs/protocol.md).
 */
/* kind NULL: every kind.  Filters: open, site, state, severity, since. */
cJSON *ops_records_where(struct daemon *d, const cJSON *req, const char *kind,
			 struct ops_error *e);
cJSON *ops_report(struct daemon *d, const cJSON *req, struct ops_error *e);
cJSON *ops_ledger(struct daemon *d, const cJSON *req, struct ops_error *e);

/* ------------------------------------------------------ ops_devices.c
 * Devices and outputs.
 */
/* The devices with their presence and counters; unknown: the unknown
 * senders discovery heard instead. */
cJSON *ops_devices(struct daemon *d, bool unknown, struct ops_error *e);
cJSON *ops_outputs(struct daemon *d, struct ops_error *e);
/* Reset a latched output, or a latched device when name is a device and
 * not an output; refused while the hazard behind it is active
 * (core/reset_rule.c).  {"output"|"device", "state": "reset", "actor"}. */
cJSON *ops_reset(struct daemon *d, const char *name, const char *actor,
		 struct ops_error *e);
/* A test pulse on an output (a self-check). */
cJSON *ops_test(struct daemon *d, const char *output, const char *who,
		struct ops_error *e);
/* An operator's switch of a plug or relay ("on"/"off"). */
cJSON *ops_switch(struct daemon *d, const char *device, const char *set,
		  const char *actor, struct ops_error *e);

/* ------------------------------------------------------ ops_assign.c
 * Assignment (交办) of a hazard to one of its site's people.
 */
/* The request's hazard id (under id_key), "person" and optional "note"
 * (pointers into req).  0, or -1 with e. */
int ops_assign_parse(const cJSON *req, const char *id_key, const char **hazard_id,
		     const char **person, const char **note, struct ops_error *e);
/* Assign hazard_id (a hazard, not closed) to person (a people id of its
 * site): {"id", "state", "assignee", "assignee_name", "role",
 * "assigned_at", "actor"}; an "assigned" event goes upstream. */
cJSON *ops_assign(struct daemon *d, const char *hazard_id, const char *person,
		  const char *actor, const char *note, struct ops_error *e);

/* ---------------------------------------------------- ops_selfcheck.c
 * A site's self-inspection (自查) against its kind's checklist.
 */
/* request {"site", "items": {ITEM: "ok"|"fail", ...} (every item of the
 * checklist, once), "note" (optional)}: a self_check_failed hazard per
 * failed item, a self_checks row, a "selfcheck" message upstream.
 * {"site", "site_kind", "at", "actor", "note", "failed", "items": [{"id",
 * "name", "result", "hazard_id" (failed)}]}. */
cJSON *ops_selfcheck(struct daemon *d, const cJSON *req, const char *actor,
		     struct ops_error *e);
/* {"site", "site_kind", "source": "config"|"built-in", "items": [{"id",
 * "name", "name_en"}]}: the checklist that applies to the site. */
cJSON *ops_selfcheck_list(struct daemon *d, const char *site_id, struct ops_error *e);

/* ---------------------------------------------------- ops_supervise.c
 * Supervision (挂牌督办) of a major hazard; the weekly report (weekly.c).
 */
/* Put hazard_id (major, not closed, not yet supervised) under
 * supervision: {"id", "state", "supervised", "supervised_at", "actor"};
 * a "supervised" event goes upstream. */
cJSON *ops_supervise(struct daemon *d, const char *hazard_id, const char *who,
		     const char *note, struct ops_error *e);
/* The weekly report (每周一报) of request {"week": "YYYY-Www" (optional:
 * the current week), "publish": bool (default true, as the daily
 * report)}: queued upstream on <prefix>/weekly when publish. */
cJSON *ops_weekly(struct daemon *d, const cJSON *req, struct ops_error *e);

#endif /* APP_OPS_H */
