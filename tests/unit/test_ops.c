/*
 * test_ops.c: the one validation of app/ops_valid.c and the reset rule of
 * core/reset_rule.c, the parts every front-end shares.  The control
 * socket reads a person's action with "id", platform commands with
 * "hazard_id" (or alarm_id, fault_id); both go through ops_action_parse,
 * so the same limits are checked here for both keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "testing.h"

/* A note of n copies of ch (a UTF-8 sequence) in a request with id_key. */
static cJSON *req_with_note(const char *id_key, const char *ch, int n)
{
	size_t len = strlen(ch) * (size_t)n + 1;
	char *note = malloc(len);
	cJSON *o = cJSON_CreateObject();
	int i;

	note[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(note, ch);
	cJSON_AddStringToObject(o, id_key, "hz-1");
	cJSON_AddStringToObject(o, "note", note);
	free(note);
	return o;
}

/* ops_action_parse's error for a close ("" when it passed). */
static const char *parse_close(const cJSON *req, const char *id_key)
{
	static struct ops_error e;
	struct ops_action act = { .a = RA_CLOSE };

	memset(&e, 0, sizeof e);
	return ops_action_parse(req, id_key, &act, &e) == 0 ? "" : e.msg;
}

static void test_note_limits(void)
{
	static const char *const keys[] = { "id", "hazard_id" };
	char name[96];
	cJSON *r;
	int k;

	CHECK_INT("limit: a note is 500 characters", OPS_NOTE_MAX, 500);
	for (k = 0; k < 2; k++) {
		/* 500 characters of Chinese are 1,500 bytes and allowed */
		r = req_with_note(keys[k], "\xe9\x98\x80", 500);
		snprintf(name, sizeof name, "%s: 500 Chinese characters (1500 bytes) pass",
			 keys[k]);
		CHECK_STR(name, parse_close(r, keys[k]), "");
		cJSON_Delete(r);
		r = req_with_note(keys[k], "\xe9\x98\x80", 501);
		snprintf(name, sizeof name, "%s: 501 characters refused", keys[k]);
		CHECK_STR(name, parse_close(r, keys[k]), "\"note\" is longer than 500 characters");
		cJSON_Delete(r);
		/* bytes are not the measure: 501 ASCII characters are refused
		 * too, 500 pass */
		r = req_with_note(keys[k], "a", 501);
		snprintf(name, sizeof name, "%s: 501 ASCII characters refused", keys[k]);
		CHECK_STR(name, parse_close(r, keys[k]), "\"note\" is longer than 500 characters");
		cJSON_Delete(r);
		r = req_with_note(keys[k], "a", 500);
		snprintf(name, sizeof name, "%s: 500 ASCII characters pass", keys[k]);
		CHECK_STR(name, parse_close(r, keys[k]), "");
		cJSON_Delete(r);
	}
	/* evidence has its own limit, also in characters */
	r = req_with_note("id", "x", 3);
	{
		char *ev = malloc(OPS_EVIDENCE_MAX * 3 + 4);

		ev[0] = '\0';
		for (k = 0; k < OPS_EVIDENCE_MAX; k++)
			strcat(ev, "\xe9\x98\x80");
		cJSON_AddStringToObject(r, "evidence", ev);
		CHECK_STR("evidence: 2000 characters pass", parse_close(r, "id"), "");
		strcat(ev, "x");
		cJSON_ReplaceItemInObject(r, "evidence", cJSON_CreateString(ev));
		CHECK_STR("evidence: 2001 characters refused", parse_close(r, "id"),
			  "\"evidence\" is longer than 2000 characters");
		free(ev);
	}
	cJSON_Delete(r);
}

static void test_text(void)
{
	struct ops_error e = { 0 };
	const char *out = "x";
	cJSON *o = cJSON_Parse("{\"a\":\"  \",\"b\":7,\"c\":\"ok\",\"d\":null,"
			       "\"t\":\"tab\\there\",\"u\":\"\\u0085\"}");

	CHECK_INT("text: blank refused", ops_text(o, "a", 10, false, &out, &e), -1);
	CHECK_STR("text: blank message", e.msg, "\"a\" must not be empty");
	CHECK_INT("text: number refused", ops_text(o, "b", 10, false, &out, &e), -1);
	CHECK_STR("text: number message", e.msg, "\"b\" must be a string");
	CHECK_INT("text: tab refused", ops_text(o, "t", 10, false, &out, &e), -1);
	CHECK_STR("text: control message", e.msg, "\"t\" holds control characters");
	CHECK_INT("text: C1 (U+0085) refused", ops_text(o, "u", 10, false, &out, &e), -1);
	CHECK_INT("text: absent optional", ops_text(o, "zz", 10, false, &out, &e), 0);
	CHECK("text: absent gives NULL", out == NULL);
	CHECK_INT("text: null optional", ops_text(o, "d", 10, false, &out, &e), 0);
	CHECK_INT("text: absent required", ops_text(o, "zz", 10, true, &out, &e), -1);
	CHECK_STR("text: missing message", e.msg, "missing \"zz\"");
	CHECK_INT("text: ok", ops_text(o, "c", 2, true, &out, &e), 0);
	CHECK_STR("text: ok value", out, "ok");
	CHECK_INT("text: over the limit", ops_text(o, "c", 1, true, &out, &e), -1);
	CHECK_INT("text: class invalid", e.cls, OPS_INVALID);
	cJSON_Delete(o);
}

static void test_ids_and_fields(void)
{
	static const char *const allowed[] = { "hazard_id", "who", NULL };
	static const char *const extra[] = { "id", "ts", NULL };
	struct ops_error e = { 0 };
	char id[ID_MAX + 1];
	cJSON *o = cJSON_CreateObject();
	struct ops_action act = { .a = RA_DISMISS };

	memset(id, 'h', ID_MAX - 1);
	id[ID_MAX - 1] = '\0';
	cJSON_AddStringToObject(o, "id", id);
	CHECK("id: 63 bytes pass", ops_record_id(o, "id", &e) != NULL);
	strcat(id, "h");
	cJSON_ReplaceItemInObject(o, "id", cJSON_CreateString(id));
	CHECK("id: 64 bytes refused", ops_record_id(o, "id", &e) == NULL);
	CHECK_STR("id: message", e.msg, "\"id\" is longer than 63 bytes");

	cJSON_AddStringToObject(o, "hazard_id", "hz-1");
	cJSON_AddStringToObject(o, "extra", "x");
	CHECK("fields: extra refused", !ops_only_fields(o, allowed, extra, &e));
	CHECK_STR("fields: message", e.msg, "unknown field \"extra\"");
	cJSON_DeleteItemFromObject(o, "extra");
	CHECK("fields: id, ts and allowed pass", ops_only_fields(o, allowed, extra, &e));

	/* a dismissal and a close need a note, whoever asks */
	CHECK_INT("dismiss: no note", ops_action_parse(o, "hazard_id", &act, &e), -1);
	CHECK_STR("dismiss: message", e.msg, "missing \"note\": say why the fault is dismissed");
	act.a = RA_CLOSE;
	CHECK_INT("close: no note", ops_action_parse(o, "hazard_id", &act, &e), -1);
	CHECK_STR("close: message", e.msg, "missing \"note\"");
	act.a = RA_ACK;
	CHECK_INT("ack: no note needed", ops_action_parse(o, "hazard_id", &act, &e), 0);
	act.a = RA_VERIFY;
	cJSON_AddStringToObject(o, "verdict", "maybe");
	CHECK_INT("verify: bad verdict", ops_action_parse(o, "hazard_id", &act, &e), -1);
	CHECK_STR("verify: message", e.msg, "\"verdict\" must be real, false or test");
	cJSON_ReplaceItemInObject(o, "verdict", cJSON_CreateString("false"));
	CHECK_INT("verify: false", ops_action_parse(o, "hazard_id", &act, &e), 0);
	CHECK_INT("verify: verdict read", act.verdict, VERDICT_FALSE);

	cJSON_AddStringToObject(o, "bad\x7f", "x");
	CHECK("clean: a member name with DEL refused", !ops_clean(o, &e));
	CHECK_STR("clean: message", e.msg, "a member name holds control characters");
	cJSON_Delete(o);
}

/* No reset while its hazard is active: outputs and device latches. */
static void test_reset_rule(void)
{
	struct device_cfg devs[2];
	struct device_state ds[2];
	struct interlock_cfg il[2];
	int dev = -1, type = -1;

	device_cfg_blank(devs, 2);
	memset(ds, 0, sizeof ds);
	memset(il, 0, sizeof il);
	devs[0].id = "gas-1";
	devs[0].site = "kitchen";
	devs[1].id = "plug-1";
	devs[1].site = "garage";
	/* gas in the kitchen closes output 1 (the valve) */
	il[0].hazard = HZ_GAS_LEAK;
	snprintf(il[0].site, sizeof il[0].site, "kitchen");
	il[0].action[0].output = 1;
	il[0].n_actions = 1;
	/* charger overtemp cuts the plug (a device action; output 0 unused) */
	il[1].hazard = HZ_CHARGER_OVERTEMP;
	il[1].action[0].to_device = true;
	il[1].action[0].device = 1;
	il[1].action[0].latch = true;
	il[1].n_actions = 1;

	CHECK_INT("reset: nothing active, valve free",
		  reset_blocked_by(il, 2, devs, ds, 2, RESET_OUTPUT, 1, &dev, &type), -1);
	rules_set_active(&ds[0], HZ_GAS_LEAK, true, SEV_GENERAL);
	CHECK_INT("reset: gas active, valve held by rule 0",
		  reset_blocked_by(il, 2, devs, ds, 2, RESET_OUTPUT, 1, &dev, &type), 0);
	CHECK_INT("reset: held on gas-1", dev, 0);
	CHECK_INT("reset: held by gas_leak", type, HZ_GAS_LEAK);
	CHECK_INT("reset: another output is free",
		  reset_blocked_by(il, 2, devs, ds, 2, RESET_OUTPUT, 2, &dev, &type), -1);
	/* the rule is for the kitchen: gas elsewhere does not hold the valve */
	devs[0].site = "hall";
	CHECK_INT("reset: gas on another site, valve free",
		  reset_blocked_by(il, 2, devs, ds, 2, RESET_OUTPUT, 1, &dev, &type), -1);
	devs[0].site = "kitchen";

	rules_set_active(&ds[1], HZ_CHARGER_OVERTEMP, true, SEV_GENERAL);
	CHECK_INT("reset: overtemp active, plug latch held",
		  reset_blocked_by(il, 2, devs, ds, 2, RESET_DEVICE, 1, &dev, &type), 1);
	CHECK_INT("reset: plug held on plug-1", dev, 1);
	/* a device action is not output 0's cause */
	CHECK_INT("reset: a device action does not hold output 0",
		  reset_blocked_by(il, 2, devs, ds, 2, RESET_OUTPUT, 0, &dev, &type), -1);
	rules_set_active(&ds[1], HZ_CHARGER_OVERTEMP, false, SEV_GENERAL);
	CHECK_INT("reset: overtemp over, plug latch free",
		  reset_blocked_by(il, 2, devs, ds, 2, RESET_DEVICE, 1, &dev, &type), -1);
	CHECK_INT("reset: no rule state, nothing held",
		  reset_blocked_by(il, 2, devs, NULL, 2, RESET_OUTPUT, 1, &dev, &type), -1);
}

int main(void)
{
	test_note_limits();
	test_text();
	test_ids_and_fields();
	test_reset_rule();
	TEST_DONE();
}
