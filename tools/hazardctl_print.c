/*
 * hazardctl_print.c: one printer per command's reply, and the choice
 * between them (hzc_print).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hazardctl.h"

static void hzc_print_status(const cJSON *res)
{
	hzc_flatten("", res);
}

static void hzc_print_devices(const cJSON *res)
{
	static const char *const head[] = { "ID", "KIND", "SITE", "STATE",
		"LAST-SEEN", "ACCEPTED", "REJECTED", "BAD-FIELDS", "OVER-RANGE", "SELF-TESTS",
		"FLOOD-DROPPED" };
	static const char *const k_id[] = { "id", NULL }, *const k_kind[] = { "kind", NULL },
		*const k_site[] = { "site", NULL }, *const k_acc[] = { "accepted", NULL },
		*const k_rej[] = { "rejected", NULL }, *const k_age[] = { "last_seen_age_s", NULL },
		*const k_st[] = { "self_tests", NULL }, *const k_fl[] = { "flood_dropped", NULL },
		*const k_ov[] = { "over_range", NULL };
	int n = cJSON_GetArraySize(res), r = 0;
	struct hzc_row *rows;
	const cJSON *d;

	if (n == 0) {
		printf("no devices configured\n");
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(d, res) {
		if (r == n)
			break;
		rows[r].cell[0] = hzc_scalar(hzc_get(d, k_id));
		rows[r].cell[1] = hzc_scalar(hzc_get(d, k_kind));
		rows[r].cell[2] = hzc_scalar(hzc_get(d, k_site));
		/* online, offline or never_seen (never heard since configured) */
		rows[r].cell[3] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(d, "state"));
		rows[r].cell[4] = hzc_age(hzc_get(d, k_age));
		rows[r].cell[5] = hzc_scalar(hzc_get(d, k_acc));
		rows[r].cell[6] = hzc_scalar(hzc_get(d, k_rej));
		{
			/* fields left out, all fields together (--json has them by field) */
			const cJSON *bf = cJSON_GetObjectItemCaseSensitive(d, "bad_fields"), *x;
			double sum = 0;
			char num[32];

			cJSON_ArrayForEach(x, bf)
				if (cJSON_IsNumber(x))
					sum += x->valuedouble;
			snprintf(num, sizeof num, "%.0f", sum);
			rows[r].cell[7] = hzc_dup(num);
		}
		rows[r].cell[8] = hzc_scalar(hzc_get(d, k_ov));
		rows[r].cell[9] = hzc_scalar(hzc_get(d, k_st));
		rows[r].cell[10] = hzc_scalar(hzc_get(d, k_fl));
		r++;
	}
	hzc_table(head, 11, rows, r, "");
	free(rows);
}

/* devices --unknown: what an installer needs to register each sender */
static void hzc_print_unknown(const cJSON *res)
{
	static const char *const head[] = { "TOPIC", "FORMAT", "NAME", "FIRST-SEEN",
		"LAST-SEEN", "COUNT", "LAST-PAYLOAD" };
	static const char *const keys[][2] = { { "topic", NULL }, { "format", NULL },
		{ "name", NULL }, { "first_seen", NULL }, { "last_seen", NULL },
		{ "count", NULL }, { "last_payload", NULL } };
	int n = cJSON_GetArraySize(res), r = 0, k;
	struct hzc_row *rows;
	const cJSON *d;

	if (n == 0) {
		printf("no unknown senders heard\n");
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(d, res) {
		if (r == n)
			break;
		for (k = 0; k < 7; k++)
			rows[r].cell[k] = hzc_scalar(hzc_get(d, keys[k]));
		r++;
	}
	hzc_table(head, 7, rows, r, "");
	free(rows);
}

static const char *const k_hz_id[] = { "id", "hazard_id", "alarm_id", "fault_id", NULL };
static const char *const k_hz_raised[] = { "raised_at", "raised_at_ms", NULL };

/* State, with "overdue" appended when past the rectification deadline
 * and "flapping" while its condition flaps (one record for many onsets). */
static char *hzc_state(const cJSON *h)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(h, "state");
	bool overdue = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "overdue"));
	bool flapping = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(h, "flapping"));
	char *s = hzc_scalar(st), *out;

	if (!overdue && !flapping)
		return s;
	out = malloc(strlen(s) + sizeof ",overdue,flapping");
	if (out)
		sprintf(out, "%s%s%s", s, overdue ? ",overdue" : "",
			flapping ? ",flapping" : "");
	free(s);
	return out ? out : hzc_dup(flapping ? "flapping" : "overdue");
}

static void hzc_print_hazards(const cJSON *res, bool open_only, const char *what)
{
	static const char *const head[] = { "ID", "TYPE", "GRADE", "PRIORITY",
		"STATE", "DEVICE", "SITE", "RAISED", "OCC" };
	static const char *const k_type[] = { "type", NULL }, *const k_sev[] = { "severity", "level", "kind", NULL },
		*const k_prio[] = { "priority", NULL }, *const k_dev[] = { "device", NULL },
		*const k_site[] = { "site", NULL }, *const k_occ[] = { "occurrences", NULL };
	int n = cJSON_GetArraySize(res), r = 0;
	struct hzc_row *rows;
	const cJSON *h;

	if (n == 0) {
		printf(open_only ? "no open %s\n" : "no %s\n", what);
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(h, res) {
		if (r == n)
			break;
		rows[r].cell[0] = hzc_scalar(hzc_get(h, k_hz_id));
		rows[r].cell[1] = hzc_scalar(hzc_get(h, k_type));
		rows[r].cell[2] = hzc_scalar(hzc_get(h, k_sev));
		rows[r].cell[3] = hzc_scalar(hzc_get(h, k_prio));
		rows[r].cell[4] = hzc_state(h);
		rows[r].cell[5] = hzc_scalar(hzc_get(h, k_dev));
		rows[r].cell[6] = hzc_scalar(hzc_get(h, k_site));
		rows[r].cell[7] = hzc_time(hzc_get(h, k_hz_raised));
		rows[r].cell[8] = hzc_scalar(hzc_get(h, k_occ));
		r++;
	}
	hzc_table(head, 9, rows, r, "");
	free(rows);
}

static bool hzc_is_time_key(const char *k)
{
	size_t n = k ? strlen(k) : 0;

	return (n > 3 && strcmp(k + n - 3, "_at") == 0) ||
	       (n > 6 && strcmp(k + n - 6, "_at_ms") == 0) ||
	       (k && strcmp(k, "deadline") == 0);
}

/*
 * Pretty JSON with two-space indents (cJSON_Print's tabs and "[{" runs are
 * hard to read and to diff).  Scalars go through cJSON so strings stay
 * correctly escaped; indent prefixes every line.
 */
static void hzc_json_write(const cJSON *v, int depth, const char *indent)
{
	const cJSON *child;
	char *text;

	if ((cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child) {
		bool obj = cJSON_IsObject(v);

		printf("%c\n", obj ? '{' : '[');
		cJSON_ArrayForEach(child, v) {
			printf("%s%*s", indent, 2 * (depth + 1), "");
			if (obj) {
				cJSON *key = cJSON_CreateString(child->string ? child->string : "");

				text = key ? cJSON_PrintUnformatted(key) : NULL;
				printf("%s: ", text ? text : "\"\"");
				free(text);
				cJSON_Delete(key);
			}
			hzc_json_write(child, depth + 1, indent);
			printf("%s\n", child->next ? "," : "");
		}
		printf("%s%*s%c", indent, 2 * depth, "", obj ? '}' : ']');
		return;
	}
	text = cJSON_PrintUnformatted(v);
	printf("%s", text ? text : "null");
	free(text);
}

static void hzc_json_print(const cJSON *v, const char *indent)
{
	printf("%s", indent);
	hzc_json_write(v, 0, indent);
	printf("\n");
}

static void hzc_print_hazard(const cJSON *res)
{
	static const char *const head[] = { "AT", "EVENT", "ACTOR", "NOTE/DETAIL" };
	static const char *const k_at[] = { "at", "at_ms", "ts", NULL },
		*const k_ev[] = { "event", "kind", NULL }, *const k_actor[] = { "actor", NULL },
		*const k_note[] = { "note", "detail", NULL };
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(res, "events");
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(res, "evidence");
	const cJSON *m, *e;
	struct hzc_row *rows;
	int n, r = 0, w;
	bool any_ev = false;

	/* header block: every member but the timeline and the evidence */
	cJSON_ArrayForEach(m, res) {
		char *name, *s;

		if (m == events || m == evidence)
			continue;
		if (cJSON_IsObject(m) || cJSON_IsArray(m)) {
			name = hzc_sanitize(m->string);
			hzc_flatten(name, m);
			free(name);
			continue;
		}
		name = hzc_sanitize(m->string);
		s = hzc_is_time_key(m->string) ? hzc_time(m) : hzc_scalar(m);
		w = 12 - hzc_width(name);
		printf("%s:%*s %s\n", name, w > 0 ? w : 0, "", s);
		free(name);
		free(s);
	}

	n = cJSON_GetArraySize(events);
	printf("\nEVENTS\n");
	if (n == 0) {
		printf("  (none)\n");
	} else {
		rows = hzc_rows(n);
		cJSON_ArrayForEach(e, events) {
			const cJSON *note = hzc_get(e, k_note);

			if (r == n)
				break;
			rows[r].cell[0] = hzc_time(hzc_get(e, k_at));
			rows[r].cell[1] = hzc_scalar(hzc_get(e, k_ev));
			rows[r].cell[2] = hzc_scalar(hzc_get(e, k_actor));
			/* a null note falls back to the rule's detail text */
			if (cJSON_IsNull(note))
				note = cJSON_GetObjectItemCaseSensitive(e, "detail");
			rows[r].cell[3] = hzc_scalar(note);
			r++;
		}
		hzc_table(head, 4, rows, r, "  ");
		free(rows);
	}

	printf("\nEVIDENCE\n");
	if (cJSON_IsObject(evidence) && evidence->child) {
		/* one line per phase (raised, peak, cleared...): easy to compare */
		cJSON_ArrayForEach(m, evidence) {
			char *name = hzc_sanitize(m->string), *json = cJSON_PrintUnformatted(m);

			printf("  %s:%*s %s\n", name, 8 - hzc_width(name) > 0 ?
			       8 - hzc_width(name) : 0, "", json ? json : "null");
			free(name);
			free(json);
		}
		any_ev = true;
	} else if (evidence && !cJSON_IsNull(evidence)) {
		hzc_json_print(evidence, "  ");
		any_ev = true;
	}
	cJSON_ArrayForEach(e, events) {
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(e, "evidence");
		char *at, *name;

		if (!ev || cJSON_IsNull(ev))
			continue;
		at = hzc_time(hzc_get(e, k_at));
		name = hzc_scalar(hzc_get(e, k_ev));
		printf("  %s %s:\n", at, name);
		hzc_json_print(ev, "    ");
		free(at);
		free(name);
		any_ev = true;
	}
	if (!any_ev)
		printf("  (none)\n");
}

static void hzc_print_outputs(const cJSON *res)
{
	static const char *const head[] = { "OUTPUT", "MODE", "STATE", "LATCHED",
		"SINCE", "WHY" };
	static const char *const k_name[] = { "name", NULL }, *const k_mode[] = { "mode", NULL },
		*const k_state[] = { "state", NULL }, *const k_why[] = { "why", NULL },
		*const k_since[] = { "since", NULL };
	int n = cJSON_GetArraySize(res), r = 0;
	struct hzc_row *rows;
	const cJSON *d;

	if (n == 0) {
		printf("no outputs configured\n");
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(d, res) {
		if (r == n)
			break;
		rows[r].cell[0] = hzc_scalar(hzc_get(d, k_name));
		rows[r].cell[1] = hzc_scalar(hzc_get(d, k_mode));
		rows[r].cell[2] = hzc_scalar(hzc_get(d, k_state));
		rows[r].cell[3] = hzc_dup(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			d, "latched")) ? "yes" : "no");
		rows[r].cell[4] = hzc_scalar(hzc_get(d, k_since));
		rows[r].cell[5] = hzc_scalar(hzc_get(d, k_why));
		r++;
	}
	hzc_table(head, 6, rows, r, "");
	free(rows);
}

/* One row per scope and key; a platform value is the one to look at. */
static void hzc_print_rules(const cJSON *res)
{
	static const char *const head[] = { "SCOPE", "KEY", "VALUE", "SOURCE" };
	static const char *const lvl[] = { "kinds", "devices" };
	static const char *const k_val[] = { "value", NULL }, *const k_src[] = { "source", NULL };
	const cJSON *scope, *kv;
	struct hzc_row *rows;
	int n = 0, r = 0, l;

	for (l = 0; l < 2; l++)
		cJSON_ArrayForEach(scope, cJSON_GetObjectItemCaseSensitive(res, lvl[l]))
			n += cJSON_GetArraySize(scope);
	rows = hzc_rows(n);
	for (l = 0; l < 2; l++)
		cJSON_ArrayForEach(scope, cJSON_GetObjectItemCaseSensitive(res, lvl[l]))
			cJSON_ArrayForEach(kv, scope) {
				char name[160];

				if (r == n)
					break;
				snprintf(name, sizeof name, "%s%s", l ? "device " : "",
					 scope->string);
				rows[r].cell[0] = hzc_sanitize(name);
				rows[r].cell[1] = hzc_sanitize(kv->string);
				rows[r].cell[2] = hzc_scalar(hzc_get(kv, k_val));
				rows[r].cell[3] = hzc_scalar(hzc_get(kv, k_src));
				r++;
			}
	hzc_table(head, 4, rows, r, "");
	free(rows);
	printf("platform may widen a limit: %s\n",
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "allow_widen")) ?
	       "yes" : "no");
}

/* "hazard X assigned to P (name, role) at T (state S)" */
static void hzc_print_assign(const cJSON *res, const char *id, const char *state)
{
	static const char *const k_p[] = { "assignee", NULL }, *const k_n[] = { "assignee_name", NULL },
		*const k_r[] = { "role", NULL }, *const k_at[] = { "assigned_at", NULL };
	char *p = hzc_scalar(hzc_get(res, k_p)), *n = hzc_scalar(hzc_get(res, k_n));
	char *r = hzc_scalar(hzc_get(res, k_r)), *at = hzc_time(hzc_get(res, k_at));

	printf("hazard %s assigned to %s (%s, %s) at %s (state %s)\n", id, p, n, r, at, state);
	free(p);
	free(n);
	free(r);
	free(at);
}

static void hzc_print_close(const cJSON *res, const struct hzc_opts *o)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(res, "state");
	char *s = hzc_sanitize(cJSON_IsString(id) ? id->valuestring : o->id);
	char *st = hzc_sanitize(cJSON_IsString(state) ? state->valuestring : "closed");

	/* acknowledging a hazard keeps its state: say what was done */
	if (strcmp(o->cmd, "ack") == 0)
		printf("%s acknowledged (state %s)\n", s, st);
	else if (strcmp(o->cmd, "submit") == 0)
		printf("hazard %s submitted for re-inspection (state %s)\n", s, st);
	else if (strcmp(o->cmd, "verify") == 0)
		printf("hazard %s re-inspection %s (state %s)\n", s,
		       strcmp(o->result, "pass") == 0 ? "passed" : "failed", st);
	else if (strcmp(o->cmd, "raise") == 0)
		printf("hazard %s recorded (state %s)\n", s, st);
	else if (strcmp(o->cmd, "rectifying") == 0)
		printf("hazard %s rectification reported (state %s)\n", s, st);
	else if (strcmp(o->cmd, "verify-alarm") == 0)
		printf("alarm %s verified %s (state %s)\n", s, o->verdict, st);
	else if (strcmp(o->cmd, "dismiss") == 0)
		printf("fault %s dismissed\n", s);
	else if (strcmp(o->cmd, "assign") == 0)
		hzc_print_assign(res, s, st);
	else if (strcmp(o->cmd, "supervise") == 0)
		printf("hazard %s under supervision, 挂牌督办 (state %s)\n", s, st);
	else
		printf("hazard %s %s\n", s, st);
	free(s);
	free(st);
}

/* The outcome of a reload; false when the config was refused. */
bool hzc_print_reload(const cJSON *res, bool json)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(res, "reloaded");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(res, "errors");
	const cJSON *restart = cJSON_GetObjectItemCaseSensitive(res, "restart_needed");
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(res, "changes");
	const cJSON *v;
	char *s;

	if (json)
		return cJSON_IsTrue(ok);
	if (!cJSON_IsTrue(ok)) {
		fprintf(stderr, "hazardctl: configuration not valid; hazardd keeps "
			"running on the previous one:\n");
		cJSON_ArrayForEach(v, errs) {
			s = hzc_sanitize(cJSON_IsString(v) ? v->valuestring : "?");
			fprintf(stderr, "  %s\n", s);
			free(s);
		}
		return false;
	}
	printf("configuration reloaded\n");
	hzc_flatten("", ch);
	cJSON_ArrayForEach(v, restart) {
		s = hzc_sanitize(cJSON_IsString(v) ? v->valuestring : "?");
		printf("needs a restart: %s (the running value is kept)\n", s);
		free(s);
	}
	return true;
}

/* ------------------------------------------------------ report and ledger */

/* "2/3 (66.67%)" from a summary's {num, den, rate}; "-" when unrated. */
static char *hzc_ratio(const cJSON *o, const char *num, const char *den)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, num);
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, den);
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, strcmp(num, "online") == 0 ?
							  "online_rate" : "rate");
	char buf[64];

	if (!cJSON_IsNumber(n) || !cJSON_IsNumber(d))
		return hzc_dup("-");
	if (cJSON_IsNumber(r))
		snprintf(buf, sizeof buf, "%.0f/%.0f (%.2f%%)", n->valuedouble,
			 d->valuedouble, r->valuedouble * 100.0);
	else
		snprintf(buf, sizeof buf, "%.0f/%.0f", n->valuedouble, d->valuedouble);
	return hzc_dup(buf);
}

/* A member of a summary bucket by path ("alarms.response_s.median"). */
static const cJSON *hzc_path(const cJSON *o, const char *path)
{
	char buf[96], *p, *save = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (p = strtok_r(buf, ".", &save); p && o; p = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, p);
	return o;
}

/* A response time in seconds as "12.5s"; "-" when there is none. */
static char *hzc_secs(const cJSON *v)
{
	char buf[32];

	if (!cJSON_IsNumber(v))
		return hzc_dup("-");
	snprintf(buf, sizeof buf, "%.1fs", v->valuedouble);
	return hzc_dup(buf);
}

/* "low_battery 2, tamper 1" from a by_type object: the types seen only. */
static char *hzc_types(const cJSON *by)
{
	char buf[512];
	size_t n = 0;
	const cJSON *t;

	buf[0] = '\0';
	cJSON_ArrayForEach(t, by) {
		if (!cJSON_IsNumber(t) || t->valuedouble <= 0 || n >= sizeof buf)
			continue;
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %.0f", n ? ", " : "",
				      t->string, t->valuedouble);
	}
	return hzc_dup(n ? buf : "-");
}

/* One row of a report table: the bucket's figures by section. */
enum hzc_report_part { HZC_RP_HAZARDS, HZC_RP_ALARMS, HZC_RP_FAULTS, HZC_RP_DEVICES };

static void hzc_report_row(struct hzc_row *row, const char *name, const cJSON *b,
			   enum hzc_report_part part)
{
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(b, "hazards");
	const cJSON *closed = hzc_path(b, "by_state.closed");
	const cJSON *al = cJSON_GetObjectItemCaseSensitive(b, "alarms");
	const cJSON *ft = cJSON_GetObjectItemCaseSensitive(b, "faults");
	char buf[32];

	row->cell[0] = hzc_sanitize(name);
	switch (part) {
	case HZC_RP_HAZARDS:
		row->cell[1] = hzc_scalar(total);
		snprintf(buf, sizeof buf, "%.0f", (cJSON_IsNumber(total) ? total->valuedouble
			 : 0) - (cJSON_IsNumber(closed) ? closed->valuedouble : 0));
		row->cell[2] = hzc_dup(buf);
		row->cell[3] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(b, "new"));
		row->cell[4] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(b, "closed"));
		row->cell[5] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(b, "overdue"));
		row->cell[6] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b, "rectification"),
					 "closed", "raised");
		row->cell[7] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b,
					 "rectification_on_time"), "closed_on_time", "came_due");
		row->cell[8] = hzc_ratio(hzc_path(b, "rectification_on_time.day"),
					 "closed_on_time", "came_due");
		break;
	case HZC_RP_ALARMS:
		row->cell[1] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(al, "raised"));
		row->cell[2] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(al, "acknowledged"));
		row->cell[3] = hzc_secs(hzc_path(al, "response_s.median"));
		row->cell[4] = hzc_secs(hzc_path(al, "response_s.p90"));
		row->cell[5] = hzc_scalar(hzc_path(al, "verified.real"));
		row->cell[6] = hzc_scalar(hzc_path(al, "verified.false"));
		row->cell[7] = hzc_scalar(hzc_path(al, "verified.test"));
		row->cell[8] = hzc_scalar(hzc_path(al, "verified.unverified"));
		total = cJSON_GetObjectItemCaseSensitive(al, "false_alarm_rate");
		if (cJSON_IsNumber(total)) {
			snprintf(buf, sizeof buf, "%.2f%%", total->valuedouble * 100.0);
			row->cell[9] = hzc_dup(buf);
		} else {
			row->cell[9] = hzc_dup("-");
		}
		row->cell[10] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(al, "active"));
		row->cell[11] = hzc_types(cJSON_GetObjectItemCaseSensitive(al, "by_type"));
		break;
	case HZC_RP_FAULTS:
		row->cell[1] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "raised"));
		row->cell[2] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "active"));
		row->cell[3] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "cleared"));
		row->cell[4] = hzc_scalar(cJSON_GetObjectItemCaseSensitive(ft, "dismissed"));
		row->cell[5] = hzc_types(cJSON_GetObjectItemCaseSensitive(ft, "by_type"));
		break;
	case HZC_RP_DEVICES:
		row->cell[1] = hzc_scalar(hzc_path(b, "devices.total"));
		row->cell[2] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b, "devices"),
					 "online", "total");
		row->cell[3] = hzc_scalar(hzc_path(b, "devices.never_seen"));
		row->cell[4] = hzc_ratio(cJSON_GetObjectItemCaseSensitive(b, "button_self_test"),
					 "tested", "devices");
		row->cell[5] = hzc_scalar(hzc_path(b, "button_self_test.presses"));
		break;
	}
}

/*
 * The summary as four tables, a row for the gateway and one per site:
 * hazards and the rectification rates (整改率 over all hazards up to now,
 * 限期整改率 over those come due, and today's), the day's alarms with
 * their response and verdicts, the day's faults, and the devices.
 */
static void hzc_print_report(const cJSON *res)
{
	static const char *const h_hz[] = { "SITE", "HAZARDS", "NOT-CLOSED", "NEW",
		"CLOSED", "OVERDUE", "RECTIFIED", "ON-TIME", "ON-TIME-TODAY" };
	static const char *const h_al[] = { "SITE", "ALARMS", "ACKED", "RESP-MEDIAN",
		"RESP-P90", "REAL", "FALSE", "TEST", "UNVERIFIED", "FALSE-RATE", "ACTIVE",
		"BY-TYPE" };
	static const char *const h_ft[] = { "SITE", "FAULTS", "ACTIVE", "CLEARED",
		"DISMISSED", "BY-TYPE" };
	static const char *const h_dv[] = { "SITE", "DEVICES", "ONLINE", "NEVER-SEEN",
		"BUTTON-SELF-TESTED", "PRESSES" };
	static const struct {
		const char *title;
		const char *const *head;
		int ncols;
	} part[] = {
		{ "hazards (隐患): rectified 整改率, on time 限期整改率 (all to date) and today",
		  h_hz, 9 },
		{ "alarms (警情) raised today: response time, verification, 误报率 "
		  "(false / (real + false)), active now", h_al, 12 },
		{ "faults (故障) raised today; active now, cleared and dismissed today",
		  h_ft, 6 },
		{ "devices: online 设备在线率, button self-test 按键自检率", h_dv, 6 },
	};
	static const char *const k_date[] = { "date", NULL }, *const k_tz[] = { "timezone", NULL },
		*const k_id[] = { "msg_id", NULL };
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(res, "sites"), *s;
	int n = cJSON_GetArraySize(sites) + 1, r;
	size_t p;
	struct hzc_row *rows = hzc_rows(n);
	char *date = hzc_scalar(hzc_get(res, k_date)), *tz = hzc_scalar(hzc_get(res, k_tz));
	char *id = hzc_scalar(hzc_get(res, k_id));
	char *asof = hzc_time(cJSON_GetObjectItemCaseSensitive(res, "as_of"));

	printf("summary of %s (%s) as of %s%s\n", date, tz, asof,
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "complete")) ?
	       "" : " (day not over)");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "queued")))
		printf("queued upstream as msg_id %s\n", id);
	for (p = 0; p < sizeof part / sizeof part[0]; p++) {
		printf("\n%s\n", part[p].title);
		memset(rows, 0, (size_t)n * sizeof *rows);
		hzc_report_row(&rows[0], "(gateway)",
			       cJSON_GetObjectItemCaseSensitive(res, "totals"),
			       (enum hzc_report_part)p);
		r = 1;
		cJSON_ArrayForEach(s, sites) {
			const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "site");

			if (r == n)
				break;
			hzc_report_row(&rows[r++], cJSON_IsString(name) ? name->valuestring
				       : "?", s, (enum hzc_report_part)p);
		}
		hzc_table(part[p].head, part[p].ncols, rows, r, "");
	}
	free(rows);
	free(date);
	free(tz);
	free(id);
	free(asof);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break, quotes doubled. */
static void hzc_csv_field(const char *s, bool last)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n")) {
		putchar('"');
		for (p = s; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else {
		fputs(s, stdout);
	}
	fputs(last ? "\r\n" : ",", stdout);
}

static char *hzc_csv_value(const cJSON *v)
{
	if (!v || cJSON_IsNull(v))
		return hzc_dup("");
	if (cJSON_IsBool(v))
		return hzc_dup(cJSON_IsTrue(v) ? "yes" : "no");
	if (cJSON_IsArray(v)) {         /* a list of texts (evidence): "a; b" */
		const cJSON *it;
		char *out = hzc_dup(""), *one, *nb;

		cJSON_ArrayForEach(it, v) {
			one = hzc_scalar(it);
			nb = out && one ? malloc(strlen(out) + strlen(one) + 3) : NULL;
			if (nb)
				sprintf(nb, "%s%s%s", out, *out ? "; " : "", one);
			free(out);
			free(one);
			if (!(out = nb))
				return hzc_dup("");
		}
		return out;
	}
	return hzc_scalar(v);
}

/* The ledger: CSV (the default, for a spreadsheet) or JSON. */
static void hzc_print_ledger(const cJSON *res, const struct hzc_opts *o)
{
	static const char *const cols[] = { "id", "type", "severity", "priority",
		"device", "raised", "deadline", "state", "acknowledged", "rectifying",
		"cleared", "closed", "closed_by", "note", "overdue", "recurrence_of",
		"occurrences", "assignee", "assigned_at", "submitted", "submitted_by",
		"reinspect_failed", "evidence" };
	const size_t nc = sizeof cols / sizeof cols[0];
	const cJSON *row;
	size_t c;

	if (o->format && strcmp(o->format, "json") == 0) {
		hzc_json_print(res, "");
		return;
	}
	for (c = 0; c < nc; c++)
		hzc_csv_field(cols[c], c == nc - 1);
	cJSON_ArrayForEach(row, res) {
		for (c = 0; c < nc; c++) {
			char *v = hzc_csv_value(cJSON_GetObjectItemCaseSensitive(row, cols[c]));

			hzc_csv_field(v, c == nc - 1);
			free(v);
		}
	}
}

/* report --weekly: the open major hazards, one line each */
static void hzc_print_weekly(const cJSON *res)
{
	static const char *const head[] = { "ID", "SITE", "STATE", "ASSIGNEE", "DEADLINE",
		"OVERDUE", "REINSPECT_FAILED", "SUPERVISED" };
	static const char *const keys[] = { "id", "site", "state", "assignee", "deadline",
		"overdue", "reinspect_failed", "supervised" };
	const cJSON *majors = cJSON_GetObjectItemCaseSensitive(res, "majors"), *m;
	char *w = hzc_scalar(cJSON_GetObjectItemCaseSensitive(res, "week"));
	struct hzc_row *rows;
	int n = cJSON_GetArraySize(majors), r = 0, c;

	printf("weekly report %s: %d major hazard(s) open\n", w, n);
	free(w);
	if (n == 0 || !(rows = hzc_rows(n)))
		return;
	cJSON_ArrayForEach(m, majors) {
		for (c = 0; c < 8; c++)
			rows[r].cell[c] = c == 4 ?
				hzc_time(cJSON_GetObjectItemCaseSensitive(m, keys[c])) :
				hzc_scalar(cJSON_GetObjectItemCaseSensitive(m, keys[c]));
		r++;
	}
	hzc_table(head, 8, rows, r, "  ");
	free(rows);
}

/* selfcheck: the checklist, or the self-inspection with its hazards */
static void hzc_print_selfcheck(const cJSON *res)
{
	const char *const id_k[] = { "id", NULL }, *const name_k[] = { "name", NULL },
		*const res_k[] = { "result", NULL }, *const hz_k[] = { "hazard_id", NULL },
		*const en_k[] = { "name_en", NULL };
	const cJSON *src = cJSON_GetObjectItemCaseSensitive(res, "source");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(res, "items"), *it;
	const cJSON *failed = cJSON_GetObjectItemCaseSensitive(res, "failed");
	char *s;

	s = hzc_scalar(cJSON_GetObjectItemCaseSensitive(res, "site"));
	if (failed)
		printf("self-inspection of %s recorded: %d item(s) failed\n", s,
		       (int)failed->valuedouble);
	else
		printf("self-inspection checklist of %s%s%s%s:\n", s,
		       cJSON_IsString(src) ? " (" : "",
		       cJSON_IsString(src) ? src->valuestring : "", cJSON_IsString(src) ? ")" : "");
	free(s);
	cJSON_ArrayForEach(it, items) {
		char *i = hzc_scalar(hzc_get(it, id_k)), *n = hzc_scalar(hzc_get(it, name_k));
		char *r = hzc_get(it, res_k) ? hzc_scalar(hzc_get(it, res_k)) : NULL;
		char *h = hzc_get(it, hz_k) ? hzc_scalar(hzc_get(it, hz_k)) : NULL;
		char *en = hzc_get(it, en_k) ? hzc_scalar(hzc_get(it, en_k)) : NULL;

		printf("  %-16s %-5s %s%s%s%s%s%s\n", i, r ? r : "", n, en ? " (" : "",
		       en ? en : "", en ? ")" : "", h ? "  -> hazard " : "", h ? h : "");
		free(en);
		free(i);
		free(n);
		free(r);
		free(h);
	}
}

void hzc_print(const cJSON *res, const struct hzc_opts *o)
{
	if (o->json) {
		hzc_json_print(res, "");
	} else if (strcmp(o->cmd, "status") == 0) {
		hzc_print_status(res);
	} else if (strcmp(o->cmd, "devices") == 0 && o->unknown) {
		hzc_print_unknown(res);
	} else if (strcmp(o->cmd, "devices") == 0) {
		hzc_print_devices(res);
	} else if (strcmp(o->cmd, "report") == 0 && o->weekly) {
		hzc_print_weekly(res);
	} else if (strcmp(o->cmd, "report") == 0) {
		hzc_print_report(res);
	} else if (strcmp(o->cmd, "ledger") == 0) {
		hzc_print_ledger(res, o);
	} else if (hzc_is_listing(o->cmd)) {
		hzc_print_hazards(res, o->open, o->cmd);
	} else if (strcmp(o->cmd, "hazard") == 0 || strcmp(o->cmd, "show") == 0) {
		hzc_print_hazard(res);
	} else if (strcmp(o->cmd, "outputs") == 0) {
		hzc_print_outputs(res);
	} else if (strcmp(o->cmd, "rules") == 0) {
		hzc_print_rules(res);
	} else if (strcmp(o->cmd, "reset") == 0 || strcmp(o->cmd, "test") == 0 ||
		   strcmp(o->cmd, "switch") == 0) {
		hzc_flatten("", res);
	} else if (strcmp(o->cmd, "selfcheck") == 0 || strcmp(o->cmd, "checklist") == 0) {
		hzc_print_selfcheck(res);
	} else if (strcmp(o->cmd, "reload") == 0) {
		/* main: hzc_print_reload, which also decides the exit status */
	} else {
		hzc_print_close(res, o);
	}
}

