/*
 * alert_ops.c: `hazardctl alert test CONTACT [--channel C]` (alerts.h).
 * The test goes through the sender thread like any alert, so it proves
 * the modem or the webhook as alarms would use them; the loop does not
 * wait for it: the reply carries a tag, and `alert result TAG` says what
 * happened (hazardctl asks until it knows).  A test is on no record's
 * timeline; it counts in the channel's health.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alerts.h"

/* The contact's phone and language and the site a person belongs to. */
static bool find_contact(const struct config *cfg, const char *id, char *phone,
			 size_t plen, enum alert_lang *lang, const struct site_cfg **site)
{
	int s;

	*site = NULL;
	if (alert_contact_find(&cfg->alerts, NULL, 0, id, phone, plen, lang))
		return true;
	for (s = 0; s < cfg->n_sites; s++)
		if (alert_contact_find(&cfg->alerts, cfg->sites[s].people,
				       cfg->sites[s].n_people, id, phone, plen, lang)) {
			*site = &cfg->sites[s];
			return true;
		}
	return false;
}

cJSON *ops_alert_test(struct daemon *d, const char *contact, const char *channel,
		      struct ops_error *e)
{
	const struct config *cfg = d->cfg;
	const struct site_cfg *site;
	enum alert_lang lang = ALERT_LANG_ZH;
	struct alert_job j;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	uint64_t tag;
	cJSON *r;
	int i;

	memset(&j, 0, sizeof j);
	if (!find_contact(cfg, contact, j.phone, sizeof j.phone, &lang, &site))
		return ops_fail(e, OPS_NOT_FOUND, "no contact or site person %s", contact);
	if (!channel || !*channel)
		channel = cfg->alerts.modem.device[0] ? "sms" :
			  cfg->alerts.n_webhooks ? NULL : "sms";
	if (!channel) {
		snprintf(j.channel, sizeof j.channel, "webhook:%s", cfg->alerts.webhooks[0].id);
	} else {
		strlcpy_hz(j.channel, channel, sizeof j.channel);
	}
	if (strcmp(j.channel, "sms") == 0 || strcmp(j.channel, "voice") == 0) {
		if (!cfg->alerts.modem.device[0])
			return ops_fail(e, OPS_REFUSED, "no modem configured "
					"($.alerts.modem.device)");
		if (!j.phone[0])
			return ops_fail(e, OPS_REFUSED, "%s has no phone number", contact);
	} else {
		for (i = 0; i < cfg->alerts.n_webhooks; i++)
			if (strncmp(j.channel, "webhook:", 8) == 0 &&
			    strcmp(cfg->alerts.webhooks[i].id, j.channel + 8) == 0)
				j.wh = cfg->alerts.webhooks[i];
		if (!j.wh.id[0])
			return ops_fail(e, OPS_INVALID, "unknown channel %s (expected sms, voice "
					"or webhook:ID)", j.channel);
	}
	localtime_use_zone(cfg->summary.timezone[0] ? cfg->summary.timezone : "UTC");
	if (!localtime_r(&t, &tm) || !strftime(when, sizeof when, "%m-%d %H:%M", &tm))
		strlcpy_hz(when, "?", sizeof when);
	{
		struct alert_facts f = {
			.kind = REC_ALARM, .type = HZ_GAS_LEAK, .site_name = site ? site->name :
			cfg->gateway.id, .address = site ? site->address : "", .device =
			cfg->gateway.id, .value = "", .time_hhmm = when, .round = 1, .test = true,
		};

		alert_text(lang, &f, j.text, sizeof j.text);
	}
	strlcpy_hz(j.kind, "test", sizeof j.kind);
	strlcpy_hz(j.site, site ? site->id : "", sizeof j.site);
	strlcpy_hz(j.device, cfg->gateway.id, sizeof j.device);
	j.at_ms = now_wall_ms();
	j.ring_s = cfg->alerts.modem.ring_s > 0 ? cfg->alerts.modem.ring_s : 30;
	if (!(tag = alerts_queue_test(d, &j)))
		return ops_fail(e, OPS_BUSY, "the alert sender is busy or not running");
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "tag", (double)tag);
	cJSON_AddStringToObject(r, "contact", contact);
	cJSON_AddStringToObject(r, "channel", j.channel);
	cJSON_AddStringToObject(r, "text", j.text);
	return r;
}

cJSON *ops_alert_result(struct daemon *d, uint64_t tag, struct ops_error *e)
{
	char err[160] = "";
	int st = alerts_test_result(d, tag, err, sizeof err);
	cJSON *r;

	if (st == -2)
		return ops_fail(e, OPS_NOT_FOUND, "no alert test %llu", (unsigned long long)tag);
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "tag", (double)tag);
	cJSON_AddStringToObject(r, "state", st == 0 ? "pending" : st == 1 ? "sent" : "failed");
	if (st < 0)
		cJSON_AddStringToObject(r, "error", err);
	return r;
}
