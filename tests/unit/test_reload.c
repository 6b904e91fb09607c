/*
 * test_reload.c: daemon/app/reload.c against real config files, a real SQLite
 * file and the fake GPIO backend (the kernel path of GPIO is the qemu test
 * in tests/gpio/; the broker side of a reload is tests/e2e/t_reload.sh).
 *
 * A reload that moves devices around keeps each device's state by id; a
 * latched valve stays latched at the level it had, with no write in
 * between; an unchanged input keeps its line request, a changed one is
 * released and requested anew, a new output starts at its safe state; an
 * input whose level changed while the reload ran reads as changed
 * afterwards (the loop's re-read raises it); an invalid config changes
 * nothing and reports every error with FILE:LINE: $.path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

/* ------------------------------------------------------------ fake lines */

struct fline {
	int  requests, releases;
	bool held;
	int  level;
	int  writes;
};
static struct fline fl[16];

static void *f_req(const char *chip, int line, char *err, size_t errlen)
{
	if (strcmp(chip, "fake") != 0 || line < 0 || line >= 16 || fl[line].held) {
		errf(err, errlen, "line %s/%d busy or absent", chip, line);
		return NULL;
	}
	fl[line].held = true;
	fl[line].requests++;
	return &fl[line];
}

static void *f_req_in(const char *chip, int line, enum gpio_bias bias, char *err,
		      size_t errlen)
{
	(void)bias;
	return f_req(chip, line, err, errlen);
}

static void *f_req_out(const char *chip, int line, int level, char *err, size_t errlen)
{
	struct fline *l = f_req(chip, line, err, errlen);

	if (l)
		l->level = level;
	return l;
}

static int f_fd(void *h) { (void)h; return -1; }
static int f_get(void *h) { return ((struct fline *)h)->level; }
static int f_set(void *h, int level)
{
	struct fline *l = h;

	l->level = level;
	l->writes++;
	return 0;
}
static int f_read(void *h, struct gpio_edge *ev, int max) { (void)h; (void)ev; (void)max; return 0; }
static void f_release(void *h)
{
	struct fline *l = h;

	l->held = false;
	l->releases++;
}

static const struct gpio_backend fake = {
	.name = "fake", .request_input = f_req_in, .request_output = f_req_out,
	.fd = f_fd, .get = f_get, .set = f_set, .read_edges = f_read, .release = f_release,
};

/* ------------------------------------------------------------ configs */

static char dir[] = "/tmp/hazardd-test-reload.XXXXXX";
static char cfg_path[600], db_path[600];

/* devices: JSON array text; gpio: the "gpio" object; rules: gas rules */
static void write_cfg(const char *devices, const char *gpio, double lel_low,
		      const char *extra)
{
	FILE *f = fopen(cfg_path, "w");

	if (!f)
		abort();
	fprintf(f,
		"{\n"
		"  \"gateway\": {\"id\": \"gw-1\", \"district\": \"d1\"},\n"
		"  \"storage\": {\"path\": \"%s\"},\n"
		"  \"local\": {\"uri\": \"tcp://127.0.0.1:1\"},\n"
		"  \"upstream\": {\"uris\": [\"tcp://127.0.0.1:2\"]},\n"
		"  \"control\": {\"socket\": \"%s/control.sock\"},\n"
		"  \"sites\": [{\"id\": \"s1\", \"kind\": \"restaurant\", \"name\": \"k\"}],\n"
		"  \"devices\": %s,\n"
		"  \"rules\": {\"gas_detector\": {\"lel_low\": %g}},\n"
		"  \"gpio\": %s,\n"
		"  \"interlocks\": [{\"hazard\": \"gas_leak\", \"actions\": [\n"
		"    {\"output\": \"valve\", \"set\": \"off\"}]}]%s\n"
		"}\n", db_path, dir, devices, lel_low, gpio, extra);
	fclose(f);
}

#define DEV(id, kind) "{\"id\": \"" id "\", \"kind\": \"" kind "\", \"site\": \"s1\", " \
	"\"topic\": \"t/" id "\", \"format\": \"native\"}"

static const char *const gpio_a =
	"{\"inputs\": ["
	"{\"name\": \"gas_contact\", \"chip\": \"fake\", \"line\": 0, \"device\": \"gas-1\", "
	" \"hazard\": \"gas_leak\", \"debounce_ms\": 0},"
	"{\"name\": \"loop\", \"chip\": \"fake\", \"line\": 1, \"device\": \"smoke-1\", "
	" \"nc_supervision\": true, \"debounce_ms\": 0}],"
	" \"outputs\": ["
	"{\"name\": \"valve\", \"chip\": \"fake\", \"line\": 8, \"safe_state\": \"on\"}]}";

/* loop moved to line 2; a buzzer added */
static const char *const gpio_b =
	"{\"inputs\": ["
	"{\"name\": \"gas_contact\", \"chip\": \"fake\", \"line\": 0, \"device\": \"gas-1\", "
	" \"hazard\": \"gas_leak\", \"debounce_ms\": 0},"
	"{\"name\": \"loop\", \"chip\": \"fake\", \"line\": 2, \"device\": \"smoke-1\", "
	" \"nc_supervision\": true, \"debounce_ms\": 0}],"
	" \"outputs\": ["
	"{\"name\": \"buzzer\", \"chip\": \"fake\", \"line\": 10, \"safe_state\": \"off\", "
	" \"mode\": \"pulse\"},"
	"{\"name\": \"valve\", \"chip\": \"fake\", \"line\": 8, \"safe_state\": \"on\"}]}";

/* ------------------------------------------------------------ helpers */

static int write_output(void *ctx, int output, bool on)
{
	return gpio_output_write(ctx, output, on);
}

static const cJSON *output_named(const cJSON *arr, const char *name)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, arr) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return o;
	}
	return NULL;
}

static bool json_true(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* ------------------------------------------------------------ the test */

int main(void)
{
	struct daemon d;
	struct config *cfg_a = calloc(1, sizeof *cfg_a);
	struct devindex *ix;
	struct complaint *comp;
	struct reload_target t;
	struct hazard_change chg;
	struct gpio_change gc[8];
	char err[8192];
	bool initial[4];
	const struct device_cfg *gas;
	cJSON *res, *outs;
	const cJSON *o, *errs;
	int i, n, valve_level, valve_writes;

	if (!mkdtemp(dir) || !cfg_a)
		return 1;
	snprintf(cfg_path, sizeof cfg_path, "%s/hazardd.json", dir);
	snprintf(db_path, sizeof db_path, "%s/hazardd.db", dir);
	write_cfg("[" DEV("gas-1", "gas_detector") "," DEV("smoke-1", "smoke_alarm") "]",
		  gpio_a, 25, "");
	if (config_load(cfg_path, cfg_a, err, sizeof err) < 0) {
		printf("FAIL: config A loads: %s\n", err);
		return 1;
	}

	/* the daemon as gpio_start() leaves it */
	memset(&d, 0, sizeof d);
	d.cfg = cfg_a;
	d.store = store_open(db_path, err, sizeof err);
	CHECK("store opens", d.store != NULL);
	if (!d.store)
		return 1;
	store_sync_config(d.store, cfg_a);
	d.dev_state = calloc((size_t)cfg_a->n_devices, sizeof *d.dev_state);
	comp = calloc((size_t)cfg_a->n_devices, sizeof *comp);
	ix = devindex_new(cfg_a, err, sizeof err);
	d.devcmd = devcmd_new(cfg_a);
	d.il = interlock_new(cfg_a);
	interlock_attach_devcmd(d.il, d.devcmd);
	for (i = 0; i < cfg_a->n_outputs; i++)
		initial[i] = interlock_initial_on(d.il, i);
	fl[1].level = 1;                        /* the NC loop is closed: healthy */
	d.gpio = gpio_new(cfg_a, &fake, initial, err, sizeof err);
	CHECK("gpio_new on the fake backend", d.gpio != NULL);
	if (!d.gpio)
		return 1;
	interlock_attach(d.il, write_output, d.gpio);
	n = gpio_read_all(d.gpio, 0, gc, 8);
	CHECK_INT("start: both inputs read", n, 2);

	/* gas: the valve closes and latches; gas-1 has history */
	gas = config_find_device(cfg_a, "gas-1");
	memset(&chg, 0, sizeof chg);
	chg.type = HZ_GAS_LEAK;
	chg.kind = CHG_ACTIVE;
	chg.severity = SEV_MAJOR;
	cJSON_Delete(interlock_on_change(d.il, gas, &chg, now_wall_ms(), now_mono_ms()));
	d.dev_state[gas - cfg_a->devices].accepted = 42;
	rules_set_active(&d.dev_state[gas - cfg_a->devices], HZ_GAS_LEAK, true, SEV_GENERAL);
	valve_level = fl[8].level;
	valve_writes = fl[8].writes;
	CHECK_INT("valve closed (logical off, raw 0)", valve_level, 0);

	/* B: a device in front (indexes shift), lel_low 10, loop moved to
	 * line 2, a buzzer added; the loop opens while the reload runs */
	write_cfg("[" DEV("new-1", "smoke_alarm") "," DEV("gas-1", "gas_detector") ","
		  DEV("smoke-1", "smoke_alarm") "]", gpio_b, 10, "");
	fl[2].level = 0;
	t = (struct reload_target){ .d = &d, .boot_cfg = NULL, .ix = &ix,
				    .dev_complaint = &comp, .in = NULL };
	res = reload_run(&t, "test");
	CHECK("reload B: applied", json_true(res, "reloaded"));
	cJSON_Delete(res);
	CHECK("reload B: the config is the new one", d.cfg != cfg_a && d.cfg->n_devices == 3);
	gas = config_find_device(d.cfg, "gas-1");
	CHECK_INT("reload B: gas-1 moved to index 1", gas - d.cfg->devices, 1);
	CHECK_INT("reload B: gas-1 keeps its counters", d.dev_state[1].accepted, 42);
	CHECK("reload B: gas-1 keeps its open hazard slot",
	      rules_active(&d.dev_state[1], HZ_GAS_LEAK));
	CHECK_INT("reload B: new-1 starts with nothing", d.dev_state[0].accepted, 0);
	CHECK("reload B: the new threshold applies",
	      gas->rules.lel_low > 9.99 && gas->rules.lel_low < 10.01);
	CHECK("reload B: the topic index knows new-1",
	      devindex_find(ix, "t/new-1", NULL) == 0);

	outs = interlock_outputs_json(d.il);
	o = output_named(outs, "valve");
	CHECK("reload B: the valve stays latched", o && json_true(o, "latched"));
	CHECK_STR("reload B: the valve stays off", json_str(o, "state"), "off");
	o = output_named(outs, "buzzer");
	CHECK_STR("reload B: the new buzzer is at its safe state", json_str(o, "state"), "off");
	cJSON_Delete(outs);
	CHECK_INT("reload B: the valve line kept its level", fl[8].level, valve_level);
	CHECK_INT("reload B: the valve line was not released", fl[8].releases, 0);
	/* interlock_attach writes every output at its level once: same level */
	CHECK("reload B: the valve line was never driven open",
	      fl[8].writes <= valve_writes + 1 && fl[8].level == 0);
	CHECK_INT("reload B: the buzzer line requested", fl[10].requests, 1);
	CHECK_INT("reload B: the unchanged input keeps its request", fl[0].requests, 1);
	CHECK_INT("reload B: the unchanged input was not released", fl[0].releases, 0);
	CHECK_INT("reload B: the moved input's old line released", fl[1].releases, 1);
	CHECK_INT("reload B: the moved input's new line requested", fl[2].requests, 1);

	/* what the loop does next (gpio_reconcile): every input re-read */
	n = gpio_read_all(d.gpio, 0, gc, 8);
	CHECK_INT("re-read after reload: one change per input", n, 2);
	CHECK("re-read after reload: the loop that opened during the reload is a hazard",
	      n == 2 && gc[1].input == 1 && gpio_hazard_on(&d.cfg->inputs[1], gc[1].asserted));

	/* C: invalid; nothing changes and every error is named */
	{
		struct config *cfg_b = d.cfg;

		write_cfg("[" DEV("gas-1", "gas") "]", gpio_b, 10, ", \"bogus\": 1");
		res = reload_run(&t, "test");
		CHECK("reload C (invalid): refused", res && !json_true(res, "reloaded"));
		errs = cJSON_GetObjectItemCaseSensitive(res, "errors");
		{
			char want[700], all[8192] = "";
			const cJSON *e;

			cJSON_ArrayForEach(e, errs)
				if (cJSON_IsString(e))
					snprintf(all + strlen(all), sizeof all - strlen(all),
						 "%s\n", e->valuestring);
			snprintf(want, sizeof want, "%s:8: $.devices[0].kind", cfg_path);
			CHECK_CONTAINS("reload C: the bad kind, with FILE:LINE: $.path", all, want);
			snprintf(want, sizeof want, "%s:12: $.bogus", cfg_path);
			CHECK_CONTAINS("reload C: the unknown key, with FILE:LINE: $.path", all, want);
			CHECK_CONTAINS("reload C: and the error that follows from the first",
				       all, "$.gpio.inputs[1].device");
		}
		cJSON_Delete(res);
		CHECK("reload C: the running config is untouched",
		      d.cfg == cfg_b && d.cfg->n_devices == 3);
		CHECK_INT("reload C: no line requested or released", fl[2].releases + fl[0].releases, 0);
	}

	/* D: a restart-only key is kept and reported */
	write_cfg("[" DEV("gas-1", "gas_detector") "," DEV("smoke-1", "smoke_alarm") "]",
		  gpio_b, 10, "");
	{
		FILE *f = fopen(cfg_path, "r+");
		char *text = read_file_hz(cfg_path, 1 << 20, NULL), *p;

		if (f && text && (p = strstr(text, "\"gw-1\""))) {
			memcpy(p, "\"gw-2\"", 6);
			fputs(text, f);
		}
		if (f)
			fclose(f);
		free(text);
	}
	res = reload_run(&t, "test");
	CHECK("reload D: applied", json_true(res, "reloaded"));
	o = cJSON_GetObjectItemCaseSensitive(res, "restart_needed");
	{
		const cJSON *e;
		bool found = false;

		cJSON_ArrayForEach(e, o)
			found |= cJSON_IsString(e) && strcmp(e->valuestring, "gateway.id") == 0;
		CHECK("reload D: gateway.id needs a restart", found);
	}
	CHECK_STR("reload D: gateway.id keeps its running value", d.cfg->gateway.id, "gw-1");
	CHECK_INT("reload D: two devices now", d.cfg->n_devices, 2);
	cJSON_Delete(res);

	gpio_free(d.gpio);
	interlock_free(d.il);
	devcmd_free(d.devcmd);
	devindex_free(ix);
	free(comp);
	free(d.dev_state);
	store_close(d.store);
	config_free(d.cfg);
	free(d.cfg);
	{
		char cmd[700];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	TEST_DONE();
}
