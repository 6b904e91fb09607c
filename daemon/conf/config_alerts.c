/*
 * config_alerts.c: $.alerts, telling people without the platform
 * (docs/alerts.md, core/alert_plan.h):
 *
 *   "alerts": {
 *     "modem": {"device": "/dev/ttyUSB2", "baud": 115200, "pin": "1234",
 *               "ring_s": 30, "timeout_ms": 5000},
 *     "webhooks": [{"id": "grid-group", "type": "dingtalk", "url": "https://...",
 *                   "secret_file": "/etc/hazardd/dingtalk.secret", "timeout_s": 10}],
 *     "contacts": [{"id": "landlord", "name": "...", "phone": "+86...", "lang": "zh"}],
 *     "rules": [{"kind": "alarm", "type": "gas_leak", "severity": "major",
 *                "channels": ["sms", "voice", "webhook:grid-group"],
 *                "to": ["owner", "safety_manager", "landlord"],
 *                "escalate_after_min": 5, "max_rounds": 3}]
 *   }
 *
 * Without the section, or without "rules", the default rule holds (every
 * alarm by SMS to the site's owner, escalated): it needs a modem to reach
 * anyone, and pages nobody without one.  Parsed after the sites, so a
 * rule's recipients are checked against their people.
 */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "config_parse.h"

static const struct field alerts_fields[] = {
	{ .key = "modem", .type = T_OTHER },    { .key = "webhooks", .type = T_OTHER },
	{ .key = "contacts", .type = T_OTHER }, { .key = "rules", .type = T_OTHER },
	{ CFG("fail_fault_after", T_INT, alerts.fail_fault_after, 0), .min = 1, .max = 1000,
	  .def = 3 },
};

static const struct field modem_fields[] = {
	{ CFG("device", T_STR, alerts.modem.device, CF_NONEMPTY) },
	{ CFG("baud", T_INT, alerts.modem.baud, 0), .min = 1200, .max = 4000000, .def = 115200 },
	{ CFG("pin", T_STR, alerts.modem.pin, CF_NONEMPTY) },
	{ CFG("ring_s", T_INT, alerts.modem.ring_s, 0), .min = 1, .max = 120, .def = 30 },
	{ CFG("timeout_ms", T_INT, alerts.modem.timeout_ms, 0), .min = 100, .max = 120000,
	  .def = 5000 },
};

static const struct field webhook_fields[] = {
	{ FIELD(struct alert_webhook, "id", T_ID, id, CF_REQUIRED) },
	{ FIELD(struct alert_webhook, "type", T_ENUM, type, CF_REQUIRED),
	  .choices = webhook_type_name, .n_choices = WEBHOOK_TYPE_COUNT, .what = "webhook type" },
	{ FIELD(struct alert_webhook, "url", T_STR, url, CF_REQUIRED) },
	{ FIELD(struct alert_webhook, "secret_file", T_STR, secret_file, CF_NONEMPTY) },
	{ FIELD(struct alert_webhook, "ca_file", T_STR, ca_file, CF_NONEMPTY) },
	{ FIELD(struct alert_webhook, "timeout_s", T_INT, timeout_s, 0), .min = 1, .max = 120,
	  .def = 10 },
};

static const struct field contact_fields[] = {
	{ FIELD(struct alert_contact, "id", T_ID, id, CF_REQUIRED) },
	{ FIELD(struct alert_contact, "name", T_STR, name, CF_REQUIRED) },
	{ FIELD(struct alert_contact, "phone", T_STR, phone, CF_REQUIRED) },
	{ FIELD(struct alert_contact, "lang", T_ENUM, lang, 0),
	  .choices = alert_lang_name, .n_choices = ALERT_LANG_COUNT, .what = "language" },
};

static const struct field rule_fields[] = {
	{ FIELD(struct alert_rule, "kind", T_ENUM, kind, CF_REQUIRED),
	  .choices = record_kind_name, .n_choices = REC_KIND_COUNT, .what = "record kind" },
	{ .key = "type", .type = T_OTHER },     { .key = "severity", .type = T_OTHER },
	{ .key = "channels", .type = T_OTHER }, { .key = "to", .type = T_OTHER },
	{ FIELD(struct alert_rule, "escalate_after_min", T_DBL, escalate_after_min, 0),
	  .min = 0.01, .max = 1440, .def = ALERT_DEFAULT_ESCALATE_MIN },
	{ FIELD(struct alert_rule, "max_rounds", T_INT, max_rounds, 0), .min = 1,
	  .max = ALERT_ROUNDS_MAX, .def = ALERT_DEFAULT_ROUNDS },
};

/* Digits with an optional leading "+" (as config_people.c wants them). */
static bool phone_ok(const char *s)
{
	size_t n = 0;

	if (*s == '+')
		s++;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= 5 && n <= 20;
}

static void parse_webhooks(struct ctx *c, const cJSON *sec, struct alerts_cfg *a)
{
	const cJSON *arr = get_array(c, sec, "$.alerts", "webhooks", 0), *it;
	char p[CFG_PATH_LEN], kp[CFG_PATH_LEN], q[80];
	int i = 0, j;

	cJSON_ArrayForEach(it, arr) {
		struct alert_webhook *w;

		path_index(p, sizeof p, "$.alerts.webhooks", i);
		if (i == ALERT_WEBHOOKS_MAX) {
			cfg_err(c, at_open(c, it), p, "at most %d webhooks", ALERT_WEBHOOKS_MAX);
			break;
		}
		if (!cJSON_IsObject(it)) {
			cfg_err(c, at_open(c, it), p, "expected object, got %s", json_type(it));
			i++;
			continue;
		}
		w = &a->webhooks[i];
		parse_fields(c, it, p, webhook_fields, ARRAY_LEN(webhook_fields), w);
		path_key(kp, sizeof kp, p, "url");
		if (w->url[0] && strncmp(w->url, "https://", 8) != 0 &&
		    strncmp(w->url, "http://127.", 11) != 0 &&
		    strncmp(w->url, "http://localhost", 16) != 0)
			cfg_err(c, member_line(c, it, "url"), kp, "url must be https:// (plain "
				"http only to this host): an alert's text names a site");
		if (w->type == WEBHOOK_DINGTALK && !w->secret_file[0]) {
			path_key(kp, sizeof kp, p, "secret_file");
			cfg_err(c, at_open(c, it), kp, "a dingtalk robot needs its signing "
				"secret (\"secret_file\")");
		}
		for (j = 0; j < i; j++)
			if (strcmp(a->webhooks[j].id, w->id) == 0) {
				path_key(kp, sizeof kp, p, "id");
				cfg_err(c, member_line(c, it, "id"), kp, "duplicate webhook id %s",
					quote(q, sizeof q, w->id));
			}
		i++;
	}
	a->n_webhooks = i < ALERT_WEBHOOKS_MAX ? i : ALERT_WEBHOOKS_MAX;
}

static void parse_contacts(struct ctx *c, const cJSON *sec, struct alerts_cfg *a)
{
	const cJSON *arr = get_array(c, sec, "$.alerts", "contacts", 0), *it;
	char p[CFG_PATH_LEN], kp[CFG_PATH_LEN], q[80];
	int i = 0, j;

	cJSON_ArrayForEach(it, arr) {
		struct alert_contact *m;

		path_index(p, sizeof p, "$.alerts.contacts", i);
		if (i == ALERT_CONTACTS_MAX) {
			cfg_err(c, at_open(c, it), p, "at most %d contacts", ALERT_CONTACTS_MAX);
			break;
		}
		if (!cJSON_IsObject(it)) {
			cfg_err(c, at_open(c, it), p, "expected object, got %s", json_type(it));
			i++;
			continue;
		}
		m = &a->contacts[i];
		parse_fields(c, it, p, contact_fields, ARRAY_LEN(contact_fields), m);
		if (m->phone[0] && !phone_ok(m->phone)) {
			path_key(kp, sizeof kp, p, "phone");
			cfg_err(c, member_line(c, it, "phone"), kp, "phone must be 5 to 20 digits "
				"with an optional leading \"+\" (no spaces or dashes)");
		}
		for (j = 0; j < i; j++)
			if (strcmp(a->contacts[j].id, m->id) == 0) {
				path_key(kp, sizeof kp, p, "id");
				cfg_err(c, member_line(c, it, "id"), kp, "duplicate contact id %s",
					quote(q, sizeof q, m->id));
			}
		i++;
	}
	a->n_contacts = i < ALERT_CONTACTS_MAX ? i : ALERT_CONTACTS_MAX;
}

static bool is_person(const struct config *cfg, const char *id)
{
	int s, j;

	for (s = 0; s < cfg->n_sites; s++)
		for (j = 0; j < cfg->sites[s].n_people; j++)
			if (strcmp(cfg->sites[s].people[j].id, id) == 0)
				return true;
	return false;
}

static bool is_recipient(const struct config *cfg, const char *v)
{
	int i;

	if (name_index(person_role_name, ROLE_COUNT, v) >= 0 || is_person(cfg, v))
		return true;
	for (i = 0; i < cfg->alerts.n_contacts; i++)
		if (strcmp(cfg->alerts.contacts[i].id, v) == 0)
			return true;
	return false;
}

/* A channel a rule names: "sms" and "voice" need the modem, "webhook:ID"
 * one of the webhooks. */
static void check_channel(struct ctx *c, const cJSON *it, const char *p,
			  const struct config *cfg, const char *v)
{
	char q[80];
	int i;

	if (strcmp(v, "sms") == 0 || strcmp(v, "voice") == 0) {
		if (!cfg->alerts.modem.device[0])
			cfg_err(c, at_open(c, it), p, "channel %s needs $.alerts.modem.device",
				quote(q, sizeof q, v));
		return;
	}
	if (strncmp(v, "webhook:", 8) == 0) {
		for (i = 0; i < cfg->alerts.n_webhooks; i++)
			if (strcmp(cfg->alerts.webhooks[i].id, v + 8) == 0)
				return;
		cfg_err(c, at_open(c, it), p, "no webhook with id %s in $.alerts.webhooks",
			quote(q, sizeof q, v + 8));
		return;
	}
	cfg_err(c, at_open(c, it), p, "unknown channel %s (expected \"sms\", \"voice\" or "
		"\"webhook:ID\")", quote(q, sizeof q, v));
}

/* rule.KEY: an array of strings into dst[max][len]; *n their number. */
static void string_list(struct ctx *c, const cJSON *rule, const char *rp, const char *key,
			char *dst, size_t len, int max, int *n)
{
	const cJSON *arr = get_array(c, rule, rp, key, CF_REQUIRED), *it;
	char p[CFG_PATH_LEN], q[CFG_PATH_LEN];
	int i = 0;

	path_key(p, sizeof p, rp, key);
	*n = 0;
	if (arr && cJSON_GetArraySize(arr) == 0)
		cfg_err(c, at_open(c, arr), p, "must not be empty");
	cJSON_ArrayForEach(it, arr) {
		path_index(q, sizeof q, p, i++);
		if (*n == max) {
			cfg_err(c, at_open(c, it), q, "at most %d", max);
			break;
		}
		if (val_string(c, it, q, CF_REQUIRED, dst + (size_t)*n * len, len) == 1)
			(*n)++;
	}
}

static void parse_rule(struct ctx *c, const cJSON *it, const char *p, struct config *cfg,
		       struct alert_rule *r)
{
	char kp[CFG_PATH_LEN], buf[64], q[80], list[256];
	const cJSON *v;
	int i;

	parse_fields(c, it, p, rule_fields, ARRAY_LEN(rule_fields), r);
	r->type = -1;
	r->severity = -1;
	if ((v = get_item(c, it, p, "type", 0, kp, sizeof kp)) &&
	    val_string(c, v, kp, CF_REQUIRED, buf, sizeof buf) == 1) {
		r->type = name_index(hazard_type_name, HZ_TYPE_COUNT, buf);
		if (r->type < 0)
			cfg_err(c, at_open(c, v), kp, "unknown hazard type %s (expected %s)",
				quote(q, sizeof q, buf),
				join(list, sizeof list, hazard_type_name, HZ_TYPE_COUNT));
		else if ((int)record_kind_of((enum hazard_type)r->type) != r->kind)
			cfg_err(c, at_open(c, v), kp, "%s is recorded as a%s %s, not as the "
				"rule's kind", buf,
				record_kind_of((enum hazard_type)r->type) == REC_ALARM ? "n" : "",
				record_kind_name[record_kind_of((enum hazard_type)r->type)]);
	}
	if ((v = get_item(c, it, p, "severity", 0, kp, sizeof kp)) &&
	    val_string(c, v, kp, CF_REQUIRED, buf, sizeof buf) == 1 &&
	    (r->severity = name_index(severity_name, 2, buf)) < 0)
		cfg_err(c, at_open(c, v), kp, "unknown severity %s (expected general or major)",
			quote(q, sizeof q, buf));
	string_list(c, it, p, "channels", &r->channels[0][0], ALERT_CHANNEL_LEN,
		    ALERT_CHANNELS_MAX, &r->n_channels);
	string_list(c, it, p, "to", &r->to[0][0], ID_MAX, ALERT_TO_MAX, &r->n_to);
	path_key(kp, sizeof kp, p, "channels");
	for (i = 0; i < r->n_channels; i++) {
		char ip[CFG_PATH_LEN];

		path_index(ip, sizeof ip, kp, i);
		check_channel(c, cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it,
				"channels"), i), ip, cfg, r->channels[i]);
	}
	path_key(kp, sizeof kp, p, "to");
	for (i = 0; i < r->n_to; i++) {
		char ip[CFG_PATH_LEN];

		if (is_recipient(cfg, r->to[i]))
			continue;
		path_index(ip, sizeof ip, kp, i);
		cfg_err(c, at_open(c, cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it,
				"to"), i)), ip, "%s is no role (owner, safety_manager, "
			"grid_worker, installer), contact or site person",
			quote(q, sizeof q, r->to[i]));
	}
}

void parse_alerts(struct ctx *c, const cJSON *root, struct config *cfg)
{
	struct alerts_cfg *a = &cfg->alerts;
	const cJSON *sec, *arr, *it;
	char p[CFG_PATH_LEN];
	int i = 0;

	memset(a, 0, sizeof *a);
	sec = parse_section(c, root, "alerts", 0, alerts_fields, ARRAY_LEN(alerts_fields), cfg);
	parse_fields(c, get_object(c, sec, "$.alerts", "modem", 0), "$.alerts.modem",
		     modem_fields, ARRAY_LEN(modem_fields), cfg);
	parse_webhooks(c, sec, a);
	parse_contacts(c, sec, a);
	arr = get_array(c, sec, "$.alerts", "rules", 0);
	cJSON_ArrayForEach(it, arr) {
		path_index(p, sizeof p, "$.alerts.rules", i);
		if (i == ALERT_RULES_MAX) {
			cfg_err(c, at_open(c, it), p, "at most %d rules", ALERT_RULES_MAX);
			break;
		}
		if (!cJSON_IsObject(it)) {
			cfg_err(c, at_open(c, it), p, "expected object, got %s", json_type(it));
			i++;
			continue;
		}
		parse_rule(c, it, p, cfg, &a->rules[i]);
		i++;
	}
	a->n_rules = i < ALERT_RULES_MAX ? i : ALERT_RULES_MAX;
}
