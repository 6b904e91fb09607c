/*
 * test_interlock.c: the interlock table (match by type, device, site),
 * latched / follow / pulse modes, operator reset, self-check, write
 * failures and the persisted latch, with a recording output writer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

enum { VALVE, FAN, BUZZER, CHARGER, N_OUT };

static struct gpio_out_cfg outs[N_OUT];
static struct interlock_cfg rules[2];
static struct device_cfg devs[3];
static struct config cfg;
static int level[N_OUT], writes[N_OUT];
static bool fail_writes;

static int rec_write(void *ctx, int output, bool on)
{
	(void)ctx;
	if (fail_writes)
		return -1;
	level[output] = on;
	writes[output]++;
	return 0;
}

static void out_cfg(int i, const char *name, enum out_mode mode, bool safe_on)
{
	strcpy(outs[i].name, name);
	strcpy(outs[i].chip, "fake");
	outs[i].line = i;
	outs[i].mode = mode;
	outs[i].safe_on = safe_on;
	outs[i].pulse_ms = 200;
}

static void setup(void)
{
	memset(&cfg, 0, sizeof cfg);
	memset(outs, 0, sizeof outs);
	memset(rules, 0, sizeof rules);
	device_cfg_blank(devs, 3);
	memset(level, 0, sizeof level);
	memset(writes, 0, sizeof writes);
	fail_writes = false;
	out_cfg(VALVE, "valve_kitchen", OUT_LATCHED, false);
	out_cfg(FAN, "fan_kitchen", OUT_FOLLOW, false);
	out_cfg(BUZZER, "buzzer", OUT_PULSE, false);
	out_cfg(CHARGER, "charger_bay_3", OUT_LATCHED, true);
	devs[0].id = "kitchen-gas"; devs[0].site = "rest-001";
	devs[1].id = "other-gas";   devs[1].site = "rest-002";
	devs[2].id = "bay-smoke";   devs[2].site = "cs-001";
	/* gas on one device: valve, fan, buzzer; smoke anywhere at a site: charger off */
	rules[0].hazard = HZ_GAS_LEAK;
	strcpy(rules[0].device, "kitchen-gas");
	rules[0].action[0].output = VALVE;  rules[0].action[0].on = true;
	rules[0].action[1].output = FAN;    rules[0].action[1].on = true;
	rules[0].action[2].output = BUZZER; rules[0].action[2].on = true;
	rules[0].n_actions = 3;
	rules[1].hazard = HZ_SMOKE_ALARM;
	strcpy(rules[1].site, "cs-001");
	rules[1].action[0].output = CHARGER; rules[1].action[0].on = false;
	rules[1].n_actions = 1;
	cfg.outputs = outs; cfg.n_outputs = N_OUT;
	cfg.interlocks = rules; cfg.n_interlocks = 2;
	cfg.devices = devs; cfg.n_devices = 3;
}

static struct hazard_change change(enum hazard_type t, enum change_kind k)
{
	struct hazard_change c;

	memset(&c, 0, sizeof c);
	c.type = t;
	c.kind = k;
	c.severity = SEV_MAJOR;
	return c;
}

/* The "result" of the action on output name in an actions array. */
static const char *result_of(const cJSON *arr, const char *name)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, arr) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(a, "output");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(a, "result");

		if (cJSON_IsString(o) && strcmp(o->valuestring, name) == 0)
			return cJSON_IsString(r) ? r->valuestring : "?";
	}
	return NULL;
}

static void test_table(void)
{
	struct interlock *il;
	struct hazard_change c;
	cJSON *a;
	char err[128];
	const char *dev;
	int type;

	setup();
	il = interlock_new(&cfg);
	CHECK("table: interlock_new", il != NULL);
	if (!il)
		return;
	interlock_attach(il, rec_write, NULL);
	CHECK("attach: outputs written at their safe state",
	      level[VALVE] == 0 && level[CHARGER] == 1 && writes[VALVE] == 1);

	c = change(HZ_GAS_LEAK, CHG_ACTIVE);
	a = interlock_on_change(il, &devs[1], &c, 1000, 1000);
	CHECK("table: another device's gas leak matches nothing", a == NULL);
	CHECK_INT("table: and writes nothing", writes[VALVE], 1);
	c = change(HZ_SMOKE_ALARM, CHG_ACTIVE);
	a = interlock_on_change(il, &devs[0], &c, 1000, 1000);
	CHECK("table: smoke at another site matches nothing", a == NULL);

	c = change(HZ_GAS_LEAK, CHG_ACTIVE);
	a = interlock_on_change(il, &devs[0], &c, 1000, 1000);
	CHECK_INT("gas: three actions recorded", cJSON_GetArraySize(a), 3);
	CHECK_STR("gas: valve driven", result_of(a, "valve_kitchen"), "ok");
	CHECK("gas: valve, fan and buzzer on", level[VALVE] && level[FAN] && level[BUZZER]);
	{
		char *s = cJSON_PrintUnformatted(a);

		CHECK_CONTAINS("gas: action records set and time", s,
			       "{\"output\":\"valve_kitchen\",\"set\":\"on\",\"mode\":\"latched\","
			       "\"at\":\"1970-01-01T00:00:01.000Z\",\"result\":\"ok\"}");
		free(s);
	}
	cJSON_Delete(a);
	CHECK("cause: the valve knows which hazard latched it",
	      interlock_cause(il, VALVE, &dev, &type) && strcmp(dev, "kitchen-gas") == 0 &&
	      type == HZ_GAS_LEAK);

	a = interlock_on_change(il, &devs[0], &c, 1100, 1100);
	CHECK_STR("latched: a repeat is held, not rewritten", result_of(a, "valve_kitchen"), "held");
	cJSON_Delete(a);

	CHECK_INT("pulse: due at pulse end", interlock_next_due_ms(il), 1100 + 200);
	interlock_tick(il, 1299);
	CHECK_INT("pulse: still on before pulse_ms", level[BUZZER], 1);
	interlock_tick(il, 1300);
	CHECK_INT("pulse: off after pulse_ms", level[BUZZER], 0);

	c = change(HZ_GAS_LEAK, CHG_CLEAR);
	a = interlock_on_change(il, &devs[0], &c, 2000, 2000);
	CHECK_INT("clear: follow fan returns to safe state", level[FAN], 0);
	CHECK_INT("clear: latched valve stays closed", level[VALVE], 1);
	CHECK("clear: only the fan's undo is recorded", result_of(a, "fan_kitchen") &&
	      !result_of(a, "valve_kitchen"));
	cJSON_Delete(a);

	CHECK_INT("test: a latched output is not exercised",
		  interlock_test(il, VALVE, 3000, 3000, err, sizeof err), -1);
	CHECK_CONTAINS("test: and says why", err, "latched");
	CHECK_INT("test: the fan can be", interlock_test(il, FAN, 3000, 3000, err, sizeof err), 0);
	CHECK_INT("test: fan on during the self-check", level[FAN], 1);
	interlock_tick(il, 3200);
	CHECK_INT("test: fan back after pulse_ms", level[FAN], 0);
	CHECK_INT("test: counted as a self-check", interlock_self_tests(il), 1);

	CHECK_INT("reset: valve", interlock_reset(il, VALVE, "op", 4000, err, sizeof err), 0);
	CHECK_INT("reset: valve back to its safe state", level[VALVE], 0);
	CHECK("reset: cause forgotten", !interlock_cause(il, VALVE, &dev, &type));

	c = change(HZ_SMOKE_ALARM, CHG_ACTIVE);
	fail_writes = true;
	a = interlock_on_change(il, &devs[2], &c, 5000, 5000);
	CHECK_STR("write failure: recorded as failed", result_of(a, "charger_bay_3"), "failed");
	CHECK_INT("write failure: counted", interlock_write_errors(il), 1);
	cJSON_Delete(a);
	fail_writes = false;
	a = interlock_on_change(il, &devs[2], &c, 5100, 5100);
	CHECK_STR("write failure: the next change retries", result_of(a, "charger_bay_3"), "ok");
	CHECK_INT("smoke: charger power cut", level[CHARGER], 0);
	cJSON_Delete(a);
	a = interlock_outputs_json(il);
	{
		char *s = cJSON_PrintUnformatted(a);

		CHECK_CONTAINS("outputs: state and why", s,
			       "\"name\":\"charger_bay_3\",\"chip\":\"fake\",\"line\":3,\"mode\":\"latched\","
			       "\"state\":\"off\",\"safe_state\":\"on\",\"latched\":true,"
			       "\"why\":\"smoke_alarm on bay-smoke (latched until reset)\"");
		free(s);
	}
	cJSON_Delete(a);
	CHECK_INT("find: by name", interlock_find(il, "buzzer"), BUZZER);
	CHECK_INT("find: unknown", interlock_find(il, "nope"), -1);
	interlock_free(il);
}

static void test_persist(void)
{
	char dir[64] = "/tmp/test_interlock.XXXXXX", path[128], err[256];
	struct interlock *il;
	struct hazard_change c;
	struct store *st;

	setup();
	if (!mkdtemp(dir)) {
		CHECK("persist: mkdtemp", 0);
		return;
	}
	snprintf(path, sizeof path, "%s/hz.db", dir);
	st = store_open(path, err, sizeof err);
	CHECK("persist: store_open", st != NULL);
	if (!st)
		return;
	il = interlock_new(&cfg);
	interlock_attach(il, rec_write, NULL);
	c = change(HZ_GAS_LEAK, CHG_ACTIVE);
	cJSON_Delete(interlock_on_change(il, &devs[0], &c, 1000, 1000));
	store_begin(st);
	CHECK_INT("persist: latch written", interlock_persist(il, st), 0);
	store_commit(st);
	interlock_free(il);

	/* a restart: the valve must come back closed, never reopened */
	il = interlock_new(&cfg);
	CHECK("persist: before load, safe state", !interlock_initial_on(il, VALVE));
	interlock_load(il, st);
	CHECK("persist: after load, the valve starts closed", interlock_initial_on(il, VALVE));
	CHECK("persist: the follow fan does not latch", !interlock_initial_on(il, FAN));
	interlock_attach(il, rec_write, NULL);
	CHECK_INT("persist: and is written closed", level[VALVE], 1);
	interlock_reset(il, VALVE, "op", 2000, err, sizeof err);
	store_begin(st);
	interlock_persist(il, st);
	store_commit(st);
	interlock_free(il);
	il = interlock_new(&cfg);
	interlock_load(il, st);
	CHECK("persist: a reset stays reset across a restart", !interlock_initial_on(il, VALVE));
	interlock_free(il);
	store_close(st);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
	log_init("test_interlock", LOG_LVL_ERR);
	test_table();
	test_persist();
	TEST_DONE();
}
