/*
 * test_gpio.c: drivers/io/gpio.c against a fake backend (polarity, software
 * debounce, start-up read, NC supervision, request failures), and the
 * $.gpio / $.interlocks config sections.  The real kernel path is
 * tests/e2e/t_gpio.sh (gpio-sim under qemu).
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

#define MS 1000000LL    /* ns */

/* ------------------------------------------------------------ fake lines */

struct fline {
	bool    requested, output, released;
	enum gpio_bias bias;
	int     level;
	struct gpio_edge q[64];
	int     nq;
	int     writes;
	bool    fail_get, fail_read;
	int     efd;                    /* > 0: readable while edges queue */
};
static struct fline fl[16];

static void *f_req_in(const char *chip, int line, enum gpio_bias bias, char *err,
		      size_t errlen)
{
	if (strcmp(chip, "fake") != 0 || line >= 16) {
		errf(err, errlen, "no gpio chip \"%s\"", chip);
		return NULL;
	}
	fl[line].requested = true;
	fl[line].bias = bias;
	return &fl[line];
}

static void *f_req_out(const char *chip, int line, int level, char *err, size_t errlen)
{
	if (strcmp(chip, "fake") != 0 || line >= 16) {
		errf(err, errlen, "no gpio chip \"%s\"", chip);
		return NULL;
	}
	fl[line].requested = fl[line].output = true;
	fl[line].level = level;
	return &fl[line];
}

static int f_fd(void *h) { struct fline *l = h; return l->efd > 0 ? l->efd : -1; }
static int f_get(void *h) { struct fline *l = h; return l->fail_get ? -1 : l->level; }
static int f_set(void *h, int level) { struct fline *l = h; l->level = level; l->writes++; return 0; }
static void f_release(void *h) { ((struct fline *)h)->released = true; }

static int f_read(void *h, struct gpio_edge *ev, int max)
{
	struct fline *l = h;
	int n = l->nq < max ? l->nq : max;

	if (l->fail_read)
		return -1;
	memcpy(ev, l->q, (size_t)n * sizeof *ev);
	memmove(l->q, l->q + n, (size_t)(l->nq - n) * sizeof *ev);
	l->nq -= n;
	if (l->efd > 0 && l->nq == 0) {
		uint64_t junk;
		ssize_t r = read(l->efd, &junk, sizeof junk);

		(void)r;
	}
	return n;
}

static const struct gpio_backend fake = {
	.name = "fake", .request_input = f_req_in, .request_output = f_req_out,
	.fd = f_fd, .get = f_get, .set = f_set, .read_edges = f_read, .release = f_release,
};

/* the line changes level at t_ms: what the kernel would queue */
static void edge(int line, int level, int64_t t_ms)
{
	uint64_t one = 1;

	fl[line].level = level;
	fl[line].q[fl[line].nq++] = (struct gpio_edge){ .level = level, .ts_ns = t_ms * MS };
	if (fl[line].efd > 0 && write(fl[line].efd, &one, sizeof one) < 0)
		perror("eventfd");
}

static int collect(struct gpio *g, int64_t t_ms, struct gpio_change *out)
{
	return gpio_collect(g, NULL, 0, t_ms * MS, out, 8);
}

/* ------------------------------------------------------------ config */

static struct gpio_in_cfg ins[3];
static struct gpio_out_cfg outs[2];
static struct config cfg;

static void setup(void)
{
	memset(fl, 0, sizeof fl);
	memset(&cfg, 0, sizeof cfg);
	memset(ins, 0, sizeof ins);
	memset(outs, 0, sizeof outs);
	/* 0: NO gas contact, 50 ms; 1: active-low contact; 2: NC loop */
	strcpy(ins[0].name, "gas"); strcpy(ins[0].chip, "fake"); ins[0].line = 0;
	ins[0].debounce_ms = 50; ins[0].bias = GPIO_BIAS_PULL_DOWN;
	strcpy(ins[1].name, "low"); strcpy(ins[1].chip, "fake"); ins[1].line = 1;
	ins[1].active_low = true;
	strcpy(ins[2].name, "loop"); strcpy(ins[2].chip, "fake"); ins[2].line = 2;
	ins[2].nc_supervision = true; ins[2].debounce_ms = 20;
	strcpy(outs[0].name, "valve"); strcpy(outs[0].chip, "fake"); outs[0].line = 8;
	strcpy(outs[1].name, "relay"); strcpy(outs[1].chip, "fake"); outs[1].line = 9;
	outs[1].active_low = true;
	cfg.inputs = ins; cfg.n_inputs = 3;
	cfg.outputs = outs; cfg.n_outputs = 2;
}

/* ------------------------------------------------------------ tests */

static void test_debounce(void)
{
	struct gpio_change c[8];
	struct gpio *g;
	char err[128];
	int n;

	setup();
	g = gpio_new(&cfg, &fake, NULL, err, sizeof err);
	CHECK("debounce: gpio_new with the fake backend", g != NULL);
	if (!g)
		return;
	CHECK_INT("debounce: bias handed to the backend", fl[0].bias, GPIO_BIAS_PULL_DOWN);
	fl[2].level = 1;        /* healthy loop */
	n = gpio_read_all(g, 0, c, 8);
	CHECK_INT("start-up read: one change per input", n, 3);
	CHECK("start-up read: open contact not asserted", !c[0].asserted);
	CHECK("start-up read: active-low line at 0 is asserted", c[1].asserted);
	CHECK("start-up read: closed NC loop is healthy", !gpio_hazard_on(&ins[2], c[2].asserted));

	edge(0, 1, 1000);
	CHECK_INT("debounce: nothing before debounce_ms", collect(g, 1049, c), 0);
	CHECK_INT("debounce: next due at edge + debounce_ms", gpio_next_due_ms(g), 1050);
	n = collect(g, 1050, c);
	CHECK_INT("debounce: counts once held for debounce_ms", n, 1);
	CHECK("debounce: asserted", n == 1 && c[0].input == 0 && c[0].asserted);
	CHECK("debounce: change carries the edge's timestamp", n == 1 && c[0].edge_ns == 1000 * MS);
	CHECK_INT("debounce: nothing pending afterwards", gpio_next_due_ms(g) == INT64_MAX, 1);
	CHECK("debounce: gpio_input_asserted", gpio_input_asserted(g, 0));

	/* bounce: the contact opens and recloses within the window, then stays */
	edge(0, 0, 2000); edge(0, 1, 2005); edge(0, 0, 2010); edge(0, 1, 2015);
	edge(0, 0, 2020);
	CHECK_INT("bounce: nothing while bouncing", collect(g, 2030, c), 0);
	CHECK_INT("bounce: still nothing 49 ms after the last edge", collect(g, 2069, c), 0);
	n = collect(g, 2070, c);
	CHECK("bounce: one release, 50 ms after the last edge", n == 1 && !c[0].asserted &&
	      c[0].edge_ns == 2020 * MS);
	CHECK_INT("bounce: and no more", collect(g, 3000, c), 0);

	/* a blip shorter than the window never counts */
	edge(0, 1, 4000); edge(0, 0, 4030);
	CHECK_INT("blip: shorter than debounce_ms is ignored", collect(g, 4100, c), 0);
	CHECK_INT("blip: state unchanged", gpio_input_asserted(g, 0), 0);

	/* zero debounce: the edge counts at once */
	edge(1, 1, 5000);       /* active-low: going high is release */
	n = collect(g, 5000, c);
	CHECK("debounce_ms 0: counts at once, polarity applied", n == 1 && c[0].input == 1 &&
	      !c[0].asserted);

	/* NC supervision: the loop opens */
	edge(2, 0, 6000);
	n = collect(g, 6020, c);
	CHECK("supervision: an open loop is a hazard", n == 1 && c[0].input == 2 &&
	      gpio_hazard_on(&ins[2], c[0].asserted));
	CHECK("supervision: a NO contact asserted is a hazard", gpio_hazard_on(&ins[0], true));
	CHECK("supervision: a NO contact open is not", !gpio_hazard_on(&ins[0], false));

	/* a failing read is survived, not fatal */
	fl[0].fail_read = true;
	CHECK_INT("read error: no change, no crash", collect(g, 7000, c), 0);
	gpio_free(g);
	CHECK("free: every line released", fl[0].released && fl[1].released &&
	      fl[2].released && fl[8].released && fl[9].released);
}

static void test_outputs(void)
{
	bool init[2] = { true, false };
	struct gpio *g;
	char err[128];

	setup();
	g = gpio_new(&cfg, &fake, init, err, sizeof err);
	CHECK("outputs: gpio_new", g != NULL);
	if (!g)
		return;
	CHECK_INT("outputs: requested at their initial level", fl[8].level, 1);
	CHECK_INT("outputs: active_low output off is raw 1", fl[9].level, 1);
	CHECK_INT("outputs: write on", gpio_output_write(g, 1, true), 0);
	CHECK_INT("outputs: active_low output on is raw 0", fl[9].level, 0);
	CHECK_INT("outputs: unknown output refused", gpio_output_write(g, 5, true), -1);
	gpio_free(g);

	setup();
	strcpy(ins[1].chip, "nochip");
	err[0] = '\0';
	g = gpio_new(&cfg, &fake, NULL, err, sizeof err);
	CHECK("request failure: gpio_new fails", g == NULL);
	CHECK_CONTAINS("request failure: error names the input", err, "gpio input low");
	CHECK_CONTAINS("request failure: and the backend's reason", err, "nochip");
	CHECK("request failure: lines already taken are released",
	      fl[0].released && fl[8].released && fl[9].released);
}

/* ------------------------------------------------------------ config */

static char tmpdir[64];

static int load(const char *gpio_json, struct config *out, char *errs, size_t errlen)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/c.json", tmpdir);
	f = fopen(path, "w");
	if (!f)
		return -2;
	fprintf(f,
		"{\n"
		"\"gateway\": {\"id\": \"gw\", \"district\": \"d\"},\n"
		"\"storage\": {\"path\": \"/tmp/x.db\"},\n"
		"\"local\": {\"uri\": \"tcp://127.0.0.1:1883\"},\n"
		"\"upstream\": {\"uris\": [\"tcp://127.0.0.1:1884\"]},\n"
		"\"sites\": [{\"id\": \"s1\", \"kind\": \"restaurant\"}],\n"
		"\"devices\": [{\"id\": \"d1\", \"kind\": \"gas_detector\", \"site\": \"s1\",\n"
		"  \"topic\": \"t/d1\"}],\n"
		"%s\n}\n", gpio_json);
	fclose(f);
	return config_load(path, out, errs, errlen);
}

static void test_config(void)
{
	struct config c;
	char errs[8192];
	int rc;

	rc = load("\"gpio\": {\"inputs\": [{\"name\": \"g\", \"chip\": \"gpiochip0\", \"line\": 3,\n"
		  " \"device\": \"d1\", \"hazard\": \"gas_leak\", \"bias\": \"pull-up\"},\n"
		  " {\"name\": \"loop\", \"chip\": \"gpiochip0\", \"line\": 4, \"device\": \"d1\",\n"
		  "  \"nc_supervision\": true}],\n"
		  " \"outputs\": [{\"name\": \"valve\", \"chip\": \"gpiochip0\", \"line\": 5},\n"
		  "  {\"name\": \"buzzer\", \"chip\": \"gpiochip0\", \"line\": 6, \"mode\": \"pulse\",\n"
		  "   \"pulse_ms\": 500, \"safe_state\": \"off\"}]},\n"
		  "\"interlocks\": [{\"hazard\": \"gas_leak\", \"site\": \"s1\", \"actions\":\n"
		  " [{\"output\": \"valve\", \"set\": \"on\"}, {\"output\": \"buzzer\", \"set\": \"on\"}]}]",
		  &c, errs, sizeof errs);
	CHECK_INT("config: a valid gpio section loads", rc, 0);
	if (rc == 0) {
		CHECK_INT("config: inputs", c.n_inputs, 2);
		CHECK_INT("config: default debounce_ms 50", c.inputs[0].debounce_ms, 50);
		CHECK_INT("config: bias", c.inputs[0].bias, GPIO_BIAS_PULL_UP);
		CHECK_INT("config: gas contact is major", c.inputs[0].severity, SEV_MAJOR);
		CHECK_INT("config: NC loop means detector_fault", c.inputs[1].hazard,
			  HZ_DETECTOR_FAULT);
		CHECK_INT("config: default mode latched", c.outputs[0].mode, OUT_LATCHED);
		CHECK_INT("config: pulse_ms", c.outputs[1].pulse_ms, 500);
		CHECK_INT("config: interlock actions", c.interlocks[0].n_actions, 2);
		CHECK_INT("config: action output index", c.interlocks[0].action[1].output, 1);
		config_free(&c);
	}

	rc = load("\"gpio\": {\"inputs\": [{\"name\": \"g\", \"chip\": \"gpiochip0\", \"line\": 3,\n"
		  " \"device\": \"nodev\", \"hazard\": \"gas_lek\", \"debounce\": 5}],\n"
		  " \"outputs\": [{\"name\": \"v\", \"chip\": \"gpiochip0\", \"line\": 3,\n"
		  "  \"mode\": \"toggle\", \"safe_state\": \"closed\"}]},\n"
		  "\"interlocks\": [{\"hazard\": \"gas_leak\", \"actions\": [{\"output\": \"nope\",\n"
		  "  \"set\": \"on\"}]}]", &c, errs, sizeof errs);
	CHECK_INT("config errors: load fails", rc, -1);
	CHECK_CONTAINS("config errors: unknown key with path and line", errs,
		       "c.json:10: $.gpio.inputs[0].debounce: unknown key");
	CHECK_CONTAINS("config errors: unknown hazard type", errs,
		       "$.gpio.inputs[0].hazard: unknown hazard type \"gas_lek\"");
	CHECK_CONTAINS("config errors: unknown device", errs,
		       "$.gpio.inputs[0].device: unknown device \"nodev\"");
	CHECK_CONTAINS("config errors: line used twice", errs,
		       "$.gpio.outputs[0].line: chip gpiochip0 line 3 is already used by $.gpio.inputs[0]");
	CHECK_CONTAINS("config errors: unknown mode", errs, "unknown output mode \"toggle\"");
	CHECK_CONTAINS("config errors: safe_state", errs,
		       "$.gpio.outputs[0].safe_state: unknown safe_state \"closed\"");
	CHECK_CONTAINS("config errors: unknown output in an action", errs,
		       "$.interlocks[0].actions[0].output: unknown output \"nope\"");

	rc = load("\"gpio\": {\"inputs\": [{\"name\": \"g\", \"chip\": \"c\", \"line\": 1,\n"
		  " \"device\": \"d1\"}]}", &c, errs, sizeof errs);
	CHECK_CONTAINS("config errors: a NO input needs its hazard", errs,
		       "$.gpio.inputs[0].hazard: missing required key");
	rc = load("\"gpio\": {\"inputs\": [{\"name\": \"g\", \"chip\": \"c\", \"line\": 1,\n"
		  " \"device\": \"d1\", \"nc_supervision\": true, \"hazard\": \"gas_leak\"}]}",
		  &c, errs, sizeof errs);
	CHECK_CONTAINS("config errors: an NC loop raises detector_fault only", errs,
		       "raises detector_fault");
}

/* ------------------------------------------------------------ the thread */

static int t_write(void *ctx, int output, bool on)
{
	return gpio_output_write(ctx, output, on);
}

static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/*
 * daemon/app/gpio_thread.c on the fake lines: the thread, not the caller,
 * sees the edge, waits out the debounce, drives the latched valve and
 * hands the change over with its record; a bounce inside the window
 * raises nothing.  Everything the test touches while the thread runs is
 * taken under gpio_lock, as the loop does.
 */
static void test_thread(void)
{
	static struct device_cfg devs[1];
	static struct interlock_cfg rules[1];
	struct daemon d;
	struct gpio_change gc[4];
	cJSON *acts[4] = { NULL };
	char err[128], *txt;
	int wake, n, lvl, i;
	int64_t t0;

	setup();
	device_cfg_blank(devs, 1);
	memset(rules, 0, sizeof rules);
	memset(&d, 0, sizeof d);
	devs[0].id = "kitchen-gas"; devs[0].site = "rest-001";
	strcpy(ins[0].device, "kitchen-gas"); ins[0].hazard = HZ_GAS_LEAK;
	ins[0].severity = SEV_MAJOR;
	outs[0].mode = OUT_LATCHED;
	rules[0].hazard = HZ_GAS_LEAK;
	rules[0].action[0].output = 0; rules[0].action[0].on = true;
	rules[0].n_actions = 1;
	cfg.devices = devs; cfg.n_devices = 1;
	cfg.interlocks = rules; cfg.n_interlocks = 1;
	for (i = 0; i < 3; i++)
		fl[i].efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	fl[2].level = 1;        /* healthy loop */
	wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	d.cfg = &cfg;
	d.gpio = gpio_new(&cfg, &fake, NULL, err, sizeof err);
	d.il = interlock_new(&cfg);
	CHECK("thread: lines and interlocks", d.gpio && d.il && wake > 0 && fl[0].efd > 0);
	if (!d.gpio || !d.il)
		goto out;
	interlock_attach(d.il, t_write, d.gpio);
	d.gt = gpio_thread_new(&d, wake);
	interlock_attach_lock(d.il, &d);
	CHECK("thread: created", d.gt != NULL);
	if (!d.gt)
		goto out;
	gpio_read_all(d.gpio, now_mono_ns(), gc, 4);    /* start-up read */
	CHECK_INT("thread: starts", gpio_thread_start(d.gt), 0);
	CHECK("thread: running", gpio_thread_running(d.gt));

	/* a bounce shorter than the 50 ms window: nothing */
	gpio_lock(&d);
	t0 = now_mono_ns() / MS;
	edge(0, 1, t0);
	edge(0, 0, t0 + 1);
	gpio_unlock(&d);
	CHECK("thread: a bounce inside debounce_ms hands over nothing",
	      !wait_readable(wake, 150));

	/* the contact closes and stays closed */
	gpio_lock(&d);
	edge(0, 1, now_mono_ns() / MS);
	gpio_unlock(&d);
	CHECK("thread: the loop is woken", wait_readable(wake, 2000));
	gpio_lock(&d);
	lvl = fl[8].level;
	n = gpio_thread_pending(d.gt);
	gpio_unlock(&d);
	CHECK_INT("thread: the valve was driven before the loop took the change", lvl, 1);
	CHECK_INT("thread: one change queued", n, 1);
	n = gpio_thread_take(d.gt, gc, acts, 4);
	CHECK_INT("thread: one change taken", n, 1);
	CHECK("thread: the change is the gas contact asserted",
	      n == 1 && gc[0].input == 0 && gc[0].asserted);
	txt = acts[0] ? cJSON_PrintUnformatted(acts[0]) : NULL;
	CHECK_CONTAINS("thread: the record says what was done", txt ? txt : "",
		       "\"output\":\"valve\",\"set\":\"on\",\"mode\":\"latched\"");
	free(txt);
	gpio_lock(&d);
	n = (int)d.il_lat_count;
	gpio_unlock(&d);
	CHECK_INT("thread: one latency sample", n, 1);

	/* the loop's own interlock calls take the same lock */
	gpio_lock(&d);
	CHECK_INT("thread: operator reset under the lock",
		  interlock_reset(d.il, 0, "test", 0, err, sizeof err), 0);
	lvl = fl[8].level;
	gpio_unlock(&d);
	CHECK_INT("thread: the valve reopened", lvl, 0);
	gpio_thread_stop(d.gt);
	CHECK("thread: stopped", !gpio_thread_running(d.gt));
out:
	for (i = 0; i < 4; i++)
		cJSON_Delete(acts[i]);
	gpio_thread_free(d.gt);
	gpio_free(d.gpio);
	interlock_free(d.il);
	for (i = 0; i < 3; i++)
		if (fl[i].efd > 0)
			close(fl[i].efd);
	memset(fl, 0, sizeof fl);
	if (wake > 0)
		close(wake);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_gpio.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	log_init("test_gpio", LOG_LVL_ERR);
	test_debounce();
	test_outputs();
	test_config();
	test_thread();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", tmpdir);
	}
	TEST_DONE();
}
