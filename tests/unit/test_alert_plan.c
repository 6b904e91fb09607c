/*
 * test_alert_plan.c: core/alert_plan.c (who is told what, when) as
 * tables: the default rule and its escalation order, a test press and a
 * false alarm page nobody, a flapping device pages once per episode, an
 * answer stops the chain, configured rules, the message text; and the
 * config section $.alerts with its FILE:LINE: $.path errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testing.h"
#include "conf.h"

static const struct person_cfg people[] = {
	{ .id = "li-owner", .name = "Li", .role = ROLE_OWNER, .phone = "+8613800000001" },
	{ .id = "wang-safety", .name = "Wang", .role = ROLE_SAFETY_MANAGER,
	  .phone = "+8613800000002" },
	{ .id = "zhao-grid", .name = "Zhao", .role = ROLE_GRID_WORKER, .phone = "13800000003" },
	{ .id = "chen-fitter", .name = "Chen", .role = ROLE_INSTALLER, .phone = "" },
};
#define N_PEOPLE ((int)(sizeof people / sizeof people[0]))

static struct alert_event raised(enum record_kind k, enum hazard_type t)
{
	return (struct alert_event){ .kind = k, .type = t, .severity = SEV_MAJOR,
				     .event = "raised", .verdict = VERDICT_NONE };
}

static void test_default(void)
{
	static struct alerts_cfg a;     /* no rules: the default */
	struct alert_send s[ALERT_PLAN_MAX];
	struct alert_event ev = raised(REC_ALARM, HZ_GAS_LEAK);
	static const struct { int round; const char *who; int64_t due; } want[] = {
		{ 1, "li-owner", 0 },
		{ 2, "li-owner", 300000 }, { 2, "wang-safety", 300000 },
		{ 3, "li-owner", 600000 }, { 3, "wang-safety", 600000 },
		{ 3, "zhao-grid", 600000 },
	};
	char name[96];
	int n, i;

	memset(&a, 0, sizeof a);
	n = alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX);
	CHECK_INT("default: owner, then also safety manager, then also grid worker", n,
		  (int)(sizeof want / sizeof want[0]));
	for (i = 0; i < n && i < (int)(sizeof want / sizeof want[0]); i++) {
		snprintf(name, sizeof name, "default: send %d is round %d to %s by sms at +%llds",
			 i, want[i].round, want[i].who, (long long)want[i].due / 1000);
		CHECK(name, s[i].round == want[i].round && strcmp(s[i].contact, want[i].who) == 0 &&
		      strcmp(s[i].channel, "sms") == 0 && s[i].due_after_ms == want[i].due);
	}
	ev = raised(REC_FAULT, HZ_DEVICE_OFFLINE);
	CHECK_INT("default: a fault pages nobody", alert_plan(&a, &ev, people, N_PEOPLE, s,
							      ALERT_PLAN_MAX), 0);
	ev = raised(REC_HAZARD, HZ_OVERCHARGE);
	CHECK_INT("default: a hazard pages nobody", alert_plan(&a, &ev, people, N_PEOPLE, s,
							       ALERT_PLAN_MAX), 0);
	ev = raised(REC_ALARM, HZ_SMOKE_ALARM);
	CHECK_INT("default: an alarm of a site with nobody pages nobody",
		  alert_plan(&a, &ev, NULL, 0, s, ALERT_PLAN_MAX), 0);
}

static void test_nobody(void)
{
	static struct alerts_cfg a;
	struct alert_send s[ALERT_PLAN_MAX];
	struct alert_event ev = raised(REC_ALARM, HZ_GAS_LEAK);

	memset(&a, 0, sizeof a);
	ev.verdict = VERDICT_TEST;
	CHECK_INT("a test press pages nobody", alert_plan(&a, &ev, people, N_PEOPLE, s,
							  ALERT_PLAN_MAX), 0);
	ev.verdict = VERDICT_FALSE;
	CHECK_INT("a verified-false alarm pages nobody",
		  alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX), 0);
	ev = raised(REC_ALARM, HZ_GAS_LEAK);
	ev.flapping = true;
	CHECK_INT("flapping: the record raised as flapping pages nobody",
		  alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX), 0);
	ev = raised(REC_ALARM, HZ_GAS_LEAK);
	ev.episode_open = true;
	CHECK_INT("flapping: a raise while the episode's chain runs pages nobody",
		  alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX), 0);
	ev = raised(REC_ALARM, HZ_GAS_LEAK);
	ev.event = "updated";
	CHECK_INT("an update pages nobody (one chain per record)",
		  alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX), 0);
	ev.event = "raised";
	CHECK("the first raise of an episode pages", alert_plan(&a, &ev, people, N_PEOPLE, s,
								ALERT_PLAN_MAX) > 0);
}

static void test_stops(void)
{
	static const struct { enum record_kind k; const char *ev; bool stops; } t[] = {
		{ REC_ALARM, "acknowledged", true }, { REC_ALARM, "verified", true },
		{ REC_ALARM, "closed", true }, { REC_ALARM, "ended", false },
		{ REC_ALARM, "updated", false }, { REC_ALARM, "raised", false },
		{ REC_FAULT, "cleared", true }, { REC_FAULT, "dismissed", true },
		{ REC_HAZARD, "rectifying", true }, { REC_HAZARD, "submitted", true },
		{ REC_HAZARD, "escalated", false }, { REC_HAZARD, "cleared", false },
		{ REC_ALARM, "alert_sent", false },
	};
	char name[96];
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "stops: %s %s %s", record_kind_name[t[i].k], t[i].ev,
			 t[i].stops ? "stops the chain" : "does not");
		CHECK(name, alert_event_stops(t[i].k, t[i].ev) == t[i].stops);
	}
}

static void test_rules(void)
{
	static struct alerts_cfg a;
	struct alert_send s[ALERT_PLAN_MAX];
	struct alert_event ev = raised(REC_ALARM, HZ_GAS_LEAK);
	struct alert_rule *r;
	int n, i, hooks = 0, voice = 0;

	memset(&a, 0, sizeof a);
	strcpy(a.contacts[0].id, "landlord");
	strcpy(a.contacts[0].phone, "+8613900000009");
	a.contacts[0].lang = ALERT_LANG_EN;
	a.n_contacts = 1;
	r = &a.rules[0];
	r->kind = REC_ALARM;
	r->type = HZ_SMOKE_ALARM;
	r->severity = -1;
	strcpy(r->channels[0], "voice");
	r->n_channels = 1;
	strcpy(r->to[0], "grid_worker");
	r->n_to = 1;
	r->escalate_after_min = 1;
	r->max_rounds = 1;
	r = &a.rules[1];
	r->kind = REC_ALARM;
	r->type = -1;
	r->severity = SEV_MAJOR;
	strcpy(r->channels[0], "webhook:grid");
	strcpy(r->channels[1], "voice");
	r->n_channels = 2;
	strcpy(r->to[0], "owner");
	strcpy(r->to[1], "landlord");
	strcpy(r->to[2], "installer");
	r->n_to = 3;
	r->escalate_after_min = 0.05;
	r->max_rounds = 3;
	a.n_rules = 2;

	n = alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX);
	for (i = 0; i < n; i++) {
		hooks += strcmp(s[i].channel, "webhook:grid") == 0;
		voice += strcmp(s[i].channel, "voice") == 0;
	}
	CHECK_INT("rules: the group robot posts once a round", hooks, 3);
	CHECK("rules: the robot names the round's newest recipient",
	      n > 0 && strcmp(s[0].contact, "li-owner") == 0);
	for (i = 0; i < n; i++)
		if (s[i].round == 2 && strcmp(s[i].channel, "webhook:grid") == 0)
			CHECK_STR("rules: round 2's post names the contact escalated to",
				  s[i].contact, "landlord");
	/* voice: owner; owner + landlord; the installer has no phone */
	CHECK_INT("rules: voice to each with a phone (the installer has none)", voice, 5);
	CHECK_INT("rules: escalate_after_min 0.05 is 3 s", (int)s[n - 1].due_after_ms, 6000);
	ev.severity = SEV_GENERAL;
	CHECK_INT("rules: a low-level gas alarm matches no rule",
		  alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX), 0);
	ev = raised(REC_ALARM, HZ_SMOKE_ALARM);
	ev.severity = SEV_GENERAL;
	n = alert_plan(&a, &ev, people, N_PEOPLE, s, ALERT_PLAN_MAX);
	CHECK("rules: the first matching rule (smoke: the grid worker by voice)",
	      n == 1 && strcmp(s[0].contact, "zhao-grid") == 0 &&
	      strcmp(s[0].channel, "voice") == 0);
	{
		char phone[PHONE_MAX];
		enum alert_lang lang;

		CHECK("contact: a listed contact, its language",
		      alert_contact_find(&a, people, N_PEOPLE, "landlord", phone, sizeof phone,
					 &lang) && lang == ALERT_LANG_EN &&
		      strcmp(phone, "+8613900000009") == 0);
		CHECK("contact: a site person", alert_contact_find(&a, people, N_PEOPLE,
								   "wang-safety", phone,
								   sizeof phone, &lang) &&
		      strcmp(phone, "+8613800000002") == 0);
		CHECK("contact: nobody", !alert_contact_find(&a, people, N_PEOPLE, "ghost",
							     phone, sizeof phone, &lang));
	}
}

static void test_text(void)
{
	struct alert_facts f = {
		.kind = REC_ALARM, .type = HZ_GAS_LEAK, .severity = SEV_MAJOR,
		.site_name = "老王家常菜馆", .address = "荔城区镇海街道东大路128号一层后厨",
		.device = "kitchen-gas-1", .value = "gas_lel 62.0", .time_hhmm = "12-07 02:14",
		.round = 1,
	};
	char out[ALERT_TEXT_MAX];
	int n;

	n = alert_text(ALERT_LANG_ZH, &f, out, sizeof out);
	printf("INFO: %s (%d)\n", out, n);
	CHECK("text zh: within one SMS", n <= ALERT_SMS_CHARS);
	CHECK("text zh: the danger, the site, the device, the value, the time",
	      strstr(out, "燃气泄漏") && strstr(out, "老王家常菜馆") &&
	      strstr(out, "kitchen-gas-1") && strstr(out, "gas_lel 62.0") &&
	      strstr(out, "02:14"));
	f.address = "东大路1号";
	n = alert_text(ALERT_LANG_ZH, &f, out, sizeof out);
	CHECK("text zh: a short address is kept whole", strstr(out, "东大路1号") != NULL);
	f.address = "荔城区镇海街道东大路128号一层后厨荔城区镇海街道东大路128号一层后厨";
	f.site_name = "莆田市荔城区镇海街道老王家常菜馆连锁第一分店东大路店";
	n = alert_text(ALERT_LANG_ZH, &f, out, sizeof out);
	printf("INFO: %s (%d)\n", out, n);
	CHECK("text zh: a long address and name are shortened to fit",
	      n <= ALERT_SMS_CHARS && strstr(out, "燃气泄漏") && strstr(out, "02:14"));
	f.round = 2;
	f.address = "";
	f.site_name = "Wang Family Kitchen";
	n = alert_text(ALERT_LANG_EN, &f, out, sizeof out);
	printf("INFO: %s (%d)\n", out, n);
	CHECK("text en: again, the danger and the time, whole within 160 (GSM 7-bit)",
	      strstr(out, "GAS LEAK (again)") && strstr(out, "02:14") && strstr(out, "Wang") && strstr(out, "kitchen-gas-1") && n <= 160);
	CHECK_INT("utf8 chars", alert_utf8_chars("燃气a"), 3);
}

/* ------------------------------------------------------------ config */

static char tmpdir[64];

static const char *write_cfg(const char *text)
{
	static char path[256];
	FILE *f;
	const char *s;

	snprintf(path, sizeof path, "%s/alerts.json", tmpdir);
	f = fopen(path, "w");
	if (!f)
		exit(2);
	for (s = text; *s; s++)
		fputc(*s == '\'' ? '"' : *s, f);
	fclose(f);
	return path;
}

#define HEAD "{\n" \
	"  'gateway': {'id': 'gw-1', 'district': 'licheng'},\n" \
	"  'storage': {'path': '/tmp/hz.db'},\n" \
	"  'local': {'uri': 'tcp://127.0.0.1:1883'},\n" \
	"  'upstream': {'uris': ['ssl://district.example:8883']},\n" \
	"  'sites': [{'id': 'r1', 'kind': 'restaurant', 'people': [\n" \
	"    {'id': 'li', 'name': 'Li', 'role': 'owner', 'phone': '+8613800000001'}]}],\n"

static void test_config(void)
{
	static const char good[] = HEAD
		"  'alerts': {\n"
		"    'modem': {'device': '/dev/ttyUSB2'},\n"
		"    'webhooks': [{'id': 'grid', 'type': 'dingtalk', 'url': 'https://oapi.example/robot/send?access_token=x', 'secret_file': '/etc/hazardd/dt.secret'}],\n"
		"    'contacts': [{'id': 'landlord', 'name': 'Zhou', 'phone': '+8613900000009', 'lang': 'en'}],\n"
		"    'rules': [{'kind': 'alarm', 'type': 'gas_leak', 'channels': ['sms', 'webhook:grid'], 'to': ['owner', 'landlord'], 'escalate_after_min': 0.05}]\n"
		"  }\n}\n";
	static const char bad[] = HEAD
		"  'alerts': {\n"
		"    'webhooks': [{'id': 'grid', 'type': 'dingtalk', 'url': 'http://example.com/x'}],\n"
		"    'rules': [{'kind': 'alarm', 'type': 'device_offline', 'channels': ['sms', 'webhook:nope', 'fax'],\n"
		"               'to': ['owner', 'ghost'], 'max_rounds': 11}]\n"
		"  }\n}\n";
	struct config cfg;
	char errs[4096];
	const char *p;
	int rc;

	p = write_cfg(good);
	rc = config_load(p, &cfg, errs, sizeof errs);
	CHECK_INT("config: alerts loads", rc, 0);
	CHECK_STR("config: no errors", errs, "");
	if (rc == 0) {
		CHECK("config: modem defaults", cfg.alerts.modem.baud == 115200 &&
		      cfg.alerts.modem.ring_s == 30 && cfg.alerts.modem.timeout_ms == 5000);
		CHECK("config: a dingtalk webhook", cfg.alerts.n_webhooks == 1 &&
		      cfg.alerts.webhooks[0].type == WEBHOOK_DINGTALK &&
		      cfg.alerts.webhooks[0].timeout_s == 10);
		CHECK("config: a contact in English", cfg.alerts.n_contacts == 1 &&
		      cfg.alerts.contacts[0].lang == ALERT_LANG_EN);
		CHECK("config: the rule", cfg.alerts.n_rules == 1 &&
		      cfg.alerts.rules[0].type == HZ_GAS_LEAK &&
		      cfg.alerts.rules[0].severity == -1 && cfg.alerts.rules[0].n_channels == 2 &&
		      cfg.alerts.rules[0].max_rounds == 3 &&
		      cfg.alerts.rules[0].escalate_after_min == 0.05);
		config_free(&cfg);
	}
	p = write_cfg(bad);
	rc = config_load(p, &cfg, errs, sizeof errs);
	printf("INFO: %s\n", errs);
	CHECK("config: bad alerts refused", rc != 0);
	CHECK("config: plain http to another host",
	      strstr(errs, "alerts.json:9: $.alerts.webhooks[0].url: url must be https://"));
	CHECK("config: dingtalk without its secret",
	      strstr(errs, "$.alerts.webhooks[0].secret_file: a dingtalk robot needs"));
	CHECK("config: a type of another kind",
	      strstr(errs, "alerts.json:10: $.alerts.rules[0].type: device_offline is recorded as a fault"));
	CHECK("config: sms without a modem",
	      strstr(errs, "$.alerts.rules[0].channels[0]: channel \"sms\" needs $.alerts.modem.device"));
	CHECK("config: an unknown webhook",
	      strstr(errs, "$.alerts.rules[0].channels[1]: no webhook with id \"nope\""));
	CHECK("config: an unknown channel", strstr(errs, "$.alerts.rules[0].channels[2]: unknown channel \"fax\""));
	CHECK("config: an unknown recipient", strstr(errs, "alerts.json:11: $.alerts.rules[0].to[1]: \"ghost\" is no role"));
	CHECK("config: too many rounds", strstr(errs, "$.alerts.rules[0].max_rounds"));
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_alert_plan.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 2;
	test_default();
	test_nobody();
	test_stops();
	test_rules();
	test_text();
	test_config();
	unlink(write_cfg("{}"));
	rmdir(tmpdir);
	TEST_DONE();
}
