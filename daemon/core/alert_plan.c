/*
 * alert_plan.c: who is told what, when (alert_plan.h, docs/alerts.md).
 * Pure tables and arithmetic; the daemon stores and sends the result.
 */
#include <stdio.h>
#include <string.h>

#include "alert_plan.h"

const char *const alert_lang_name[ALERT_LANG_COUNT] = {
	[ALERT_LANG_ZH] = "zh", [ALERT_LANG_EN] = "en",
};

const char *const webhook_type_name[WEBHOOK_TYPE_COUNT] = {
	[WEBHOOK_WECOM] = "wecom", [WEBHOOK_DINGTALK] = "dingtalk", [WEBHOOK_JSON] = "json",
};

void alert_rule_default(struct alert_rule *out)
{
	memset(out, 0, sizeof *out);
	out->kind = REC_ALARM;
	out->type = -1;
	out->severity = -1;
	strlcpy_hz(out->channels[0], "sms", sizeof out->channels[0]);
	out->n_channels = 1;
	strlcpy_hz(out->to[0], person_role_name[ROLE_OWNER], ID_MAX);
	strlcpy_hz(out->to[1], person_role_name[ROLE_SAFETY_MANAGER], ID_MAX);
	strlcpy_hz(out->to[2], person_role_name[ROLE_GRID_WORKER], ID_MAX);
	out->n_to = 3;
	out->escalate_after_min = ALERT_DEFAULT_ESCALATE_MIN;
	out->max_rounds = ALERT_DEFAULT_ROUNDS;
}

bool alert_event_pages(const struct alert_event *ev)
{
	if (!ev->event || strcmp(ev->event, "raised") != 0)
		return false;
	/* a test press is verified "test" in the raise's own transaction;
	 * a verdict of any kind means a person has seen it already */
	if (ev->verdict != VERDICT_NONE)
		return false;
	return !ev->flapping && !ev->episode_open;
}

bool alert_event_stops(enum record_kind kind, const char *event)
{
	static const char *const answered[] = {
		"acknowledged", "verified", "closed", "dismissed", "rectifying",
		"submitted",
	};
	size_t i;

	if (!event)
		return false;
	for (i = 0; i < sizeof answered / sizeof answered[0]; i++)
		if (strcmp(event, answered[i]) == 0)
			return true;
	/* a fault that cleared by itself needs nobody any more; an alarm
	 * that ended still wants a person's answer (was it real?) */
	return kind == REC_FAULT && strcmp(event, "cleared") == 0;
}

const struct alert_rule *alert_rule_for(const struct alerts_cfg *a,
					const struct alert_event *ev,
					struct alert_rule *dflt)
{
	int i;

	if (a->n_rules == 0) {
		alert_rule_default(dflt);
		return ev->kind == REC_ALARM ? dflt : NULL;
	}
	for (i = 0; i < a->n_rules; i++) {
		const struct alert_rule *r = &a->rules[i];

		if (r->kind == (int)ev->kind && (r->type < 0 || r->type == (int)ev->type) &&
		    (r->severity < 0 || r->severity == (int)ev->severity))
			return r;
	}
	return NULL;
}

static const struct alert_contact *contact_of(const struct alerts_cfg *a, const char *id)
{
	int i;

	for (i = 0; i < a->n_contacts; i++)
		if (strcmp(a->contacts[i].id, id) == 0)
			return &a->contacts[i];
	return NULL;
}

bool alert_contact_find(const struct alerts_cfg *a, const struct person_cfg *people,
			int n_people, const char *id, char *phone, size_t phone_len,
			enum alert_lang *lang)
{
	const struct alert_contact *c = contact_of(a, id);
	int i;

	if (c) {
		strlcpy_hz(phone, c->phone, phone_len);
		*lang = c->lang;
		return true;
	}
	for (i = 0; i < n_people; i++)
		if (strcmp(people[i].id, id) == 0) {
			strlcpy_hz(phone, people[i].phone, phone_len);
			*lang = ALERT_LANG_ZH;
			return true;
		}
	return false;
}

/* The ids one entry of "to" names, into ids (deduplicated against them). */
static int resolve(const struct alerts_cfg *a, const char *to,
		   const struct person_cfg *people, int n_people,
		   char (*ids)[ID_MAX], int n, int max)
{
	int role = -1, i, j;

	for (i = 0; i < ROLE_COUNT; i++)
		if (strcmp(to, person_role_name[i]) == 0)
			role = i;
	for (i = 0; i < n_people || (role < 0 && i == 0); i++) {
		const char *id = NULL;

		if (role >= 0) {
			if ((int)people[i].role == role)
				id = people[i].id;
		} else {
			id = to;        /* a contact or a person, checked by the caller */
		}
		if (!id)
			continue;
		for (j = 0; j < n && strcmp(ids[j], id) != 0; j++)
			;
		if (j == n && n < max)
			strlcpy_hz(ids[n++], id, ID_MAX);
		if (role < 0)
			break;
	}
	return n;
}

static bool has_phone(const struct alerts_cfg *a, const struct person_cfg *people,
		      int n_people, const char *id)
{
	char phone[PHONE_MAX];
	enum alert_lang lang;

	return alert_contact_find(a, people, n_people, id, phone, sizeof phone, &lang) &&
	       phone[0];
}

int alert_plan(const struct alerts_cfg *a, const struct alert_event *ev,
	       const struct person_cfg *people, int n_people,
	       struct alert_send *out, int max)
{
	struct alert_rule dflt;
	const struct alert_rule *r;
	char ids[ALERT_TO_MAX * SITE_PEOPLE_MAX][ID_MAX];
	int n_ids = 0, round, i, c, n = 0, prev_ids = 0;
	int64_t step;

	if (!alert_event_pages(ev) || !(r = alert_rule_for(a, ev, &dflt)))
		return 0;
	step = (int64_t)(r->escalate_after_min * 60000.0 + 0.5);
	for (round = 1; round <= r->max_rounds && round <= ALERT_ROUNDS_MAX; round++) {
		/* this round's recipients: the first `round` entries of to[]
		 * (the last round repeats everyone once to[] runs out) */
		if (round <= r->n_to)
			n_ids = resolve(a, r->to[round - 1], people, n_people, ids, n_ids,
					(int)(sizeof ids / sizeof ids[0]));
		for (c = 0; c < r->n_channels; c++) {
			const char *ch = r->channels[c];
			bool hook = strncmp(ch, "webhook:", 8) == 0;

			/* a group with no one to name still hears of it */
			if (hook && n_ids == 0 && n < max) {
				out[n].round = round;
				out[n].due_after_ms = step * (round - 1);
				strlcpy_hz(out[n].contact, "group", ID_MAX);
				strlcpy_hz(out[n].channel, ch, ALERT_CHANNEL_LEN);
				n++;
				continue;
			}

			for (i = 0; i < n_ids && n < max; i++) {
				/* a group robot posts once a round, naming the
				 * newest recipient (the first one of the round) */
				if (hook && i != (n_ids > prev_ids ? prev_ids : n_ids - 1))
					continue;
				if (!hook && !has_phone(a, people, n_people, ids[i]))
					continue;
				out[n].round = round;
				out[n].due_after_ms = step * (round - 1);
				strlcpy_hz(out[n].contact, ids[i], ID_MAX);
				strlcpy_hz(out[n].channel, ch, ALERT_CHANNEL_LEN);
				n++;
			}
		}
		prev_ids = n_ids;
	}
	return n;
}

/* ------------------------------------------------------------ text */

int alert_utf8_chars(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* s cut to at most chars code points (on a character boundary). */
static void cut_chars(char *s, int chars)
{
	int n = 0;
	char *p;

	for (p = s; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80 && n++ == chars) {
			*p = '\0';
			return;
		}
}

static const char *what_zh(enum record_kind k, enum hazard_type t)
{
	switch (t) {
	case HZ_GAS_LEAK: return "燃气泄漏报警";
	case HZ_CO_ALARM: return "一氧化碳报警";
	case HZ_SMOKE_ALARM: return "烟雾火警";
	case HZ_CHARGER_OVERTEMP: return "充电过温报警";
	case HZ_CHARGER_OVERCURRENT: return "充电过流报警";
	case HZ_CHARGER_OVERPOWER: return "充电功率超限";
	case HZ_OVERCHARGE: return "电动车超时充电";
	case HZ_DEVICE_OFFLINE: return "设备离线";
	case HZ_ALERT_CHANNEL_FAULT: return "告警通道故障";
	default: return k == REC_FAULT ? "设备故障" : k == REC_HAZARD ? "安全隐患" : "报警";
	}
}

static const char *what_en(enum record_kind k, enum hazard_type t)
{
	switch (t) {
	case HZ_GAS_LEAK: return "GAS LEAK";
	case HZ_CO_ALARM: return "CO ALARM";
	case HZ_SMOKE_ALARM: return "SMOKE/FIRE";
	case HZ_CHARGER_OVERTEMP: return "CHARGER OVERHEAT";
	case HZ_CHARGER_OVERCURRENT: return "CHARGER OVERCURRENT";
	case HZ_CHARGER_OVERPOWER: return "CHARGER OVERPOWER";
	case HZ_OVERCHARGE: return "OVERCHARGING";
	case HZ_DEVICE_OFFLINE: return "DEVICE OFFLINE";
	default: return k == REC_FAULT ? "FAULT" : k == REC_HAZARD ? "HAZARD" : "ALARM";
	}
}

static int compose(enum alert_lang lang, const struct alert_facts *f, const char *site,
		   const char *addr, const char *dev, char *out, size_t outlen)
{
	const char *val = f->value ? f->value : "";

	if (lang == ALERT_LANG_EN)
		snprintf(out, outlen, "%s%s%s: %s%s%s, %s%s%s at %s. %s", f->test ? "[TEST] " : "",
			 what_en(f->kind, f->type), f->round > 1 ? " (again)" : "", site,
			 addr[0] ? ", " : "", addr, dev, val[0] ? " " : "", val,
			 f->time_hhmm, f->test ? "No action needed." : "Act now and acknowledge.");
	else
		snprintf(out, outlen, "%s【%s%s】%s%s%s%s %s%s%s %s。%s", f->test ? "[测试]" : "",
			 what_zh(f->kind, f->type), f->round > 1 ? "再次提醒" : "", site,
			 addr[0] ? "（" : "", addr, addr[0] ? "）" : "", dev,
			 val[0] ? " " : "", val, f->time_hhmm,
			 f->test ? "无需处理" : "请立即处置并确认");
	return alert_utf8_chars(out);
}

/* One SMS: 70 characters in UCS-2, 160 when every one is ASCII (the GSM
 * 7-bit alphabet covers what an English text here uses). */
static int sms_limit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '`' || *s == '^' || *s == '{' ||
		    *s == '}' || *s == '[' || *s == ']' || *s == '~' || *s == '|' || *s == '\\')
			return ALERT_SMS_CHARS;
	return 160;
}

int alert_text(enum alert_lang lang, const struct alert_facts *f, char *out, size_t outlen)
{
	char site[128], addr[256], dev[ID_MAX];
	int n, over, len, lim;

	strlcpy_hz(site, f->site_name ? f->site_name : "", sizeof site);
	strlcpy_hz(addr, f->address ? f->address : "", sizeof addr);
	strlcpy_hz(dev, f->device ? f->device : "", sizeof dev);
	n = compose(lang, f, site, addr, dev, out, outlen);
	lim = sms_limit(out);
	/* shorten the address, then the site's name, then the device: the
	 * danger, where in a word and the time must survive */
	if (n > lim && (len = alert_utf8_chars(addr)) > 0) {
		over = n - lim;
		cut_chars(addr, len > over ? len - over : 0);
		n = compose(lang, f, site, addr, dev, out, outlen);
	}
	if (n > lim && (len = alert_utf8_chars(site)) > 4) {
		over = n - lim;
		cut_chars(site, len - over > 4 ? len - over : 4);
		n = compose(lang, f, site, addr, dev, out, outlen);
	}
	if (n > lim && (len = alert_utf8_chars(dev)) > 8) {
		over = n - lim;
		cut_chars(dev, len - over > 8 ? len - over : 8);
		n = compose(lang, f, site, addr, dev, out, outlen);
	}
	return n;
}
