/*
 * test_config_pool.c: the config's string pool (conf/strpool.c) and what
 * it is for: 2,000 devices of the idle benchmark's config (scenario 4,
 * tools/bench/idle_mem.sh) in at most 0.5 MB with their strings, each
 * string interned once, and a reload's new config owning its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

#define N_DEV 2000

static char dir[64];

static void test_pool(void)
{
	struct strpool *p = strpool_new();
	const char *a, *b, *c, *big;
	char s[32], *long_text;
	const char **kept;
	double *d;
	int i, wrong = 0;

	CHECK("pool: created", p != NULL);
	if (!p)
		return;
	a = strpool_intern(p, "rest-001");
	b = strpool_intern(p, "rest-001");
	c = strpool_intern(p, "rest-002");
	CHECK("pool: the same text, the same copy", a && a == b);
	CHECK("pool: another text, another copy", c && c != a && strcmp(c, "rest-002") == 0);
	CHECK_STR("pool: the empty string", strpool_intern(p, ""), "");
	b = strpool_copy(p, "rest-001");
	CHECK("pool: a copy is not looked up", b && b != a && strcmp(b, "rest-001") == 0);
	CHECK("pool: nor indexed", strpool_intern(p, "rest-001") == a);
	/* thousands, over several blocks: each still reads back */
	kept = calloc(10000, sizeof *kept);
	if (!kept)
		abort();
	for (i = 0; i < 10000; i++) {
		snprintf(s, sizeof s, "device-%d", i);
		kept[i] = strpool_intern(p, s);
	}
	for (i = 0; i < 10000; i++) {
		snprintf(s, sizeof s, "device-%d", i);
		wrong += !kept[i] || strcmp(kept[i], s) != 0 || strpool_intern(p, s) != kept[i];
	}
	CHECK_INT("pool: 10,000 strings across blocks, each once", wrong, 0);
	free(kept);
	/* a string larger than any block gets one of its own */
	long_text = malloc(100000);
	if (!long_text)
		abort();
	memset(long_text, 'x', 99999);
	long_text[99999] = '\0';
	big = strpool_intern(p, long_text);
	CHECK("pool: a string longer than a block", big && strcmp(big, long_text) == 0);
	free(long_text);
	CHECK_STR("pool: earlier strings untouched", a, "rest-001");
	d = strpool_alloc(p, 3 * sizeof *d);
	CHECK("pool: alloc aligned and zeroed",
	      d && (uintptr_t)d % _Alignof(max_align_t) == 0 && d[0] == 0 && d[2] == 0);
	/* sealed: later strings are appended, no longer looked up */
	strpool_seal(p);
	b = strpool_intern(p, "rest-001");
	CHECK("pool: sealed, a copy of its own", b && b != a && strcmp(b, "rest-001") == 0);
	CHECK("pool: counts its blocks", strpool_bytes(p) >= 100000);
	strpool_free(p);
	strpool_free(NULL);
}

/* tools/bench/idle_mem.sh's config, "off": 2,000 gas detectors, half
 * native, half zigbee2mqtt, one site. */
static const char *write_bench_cfg(void)
{
	static char path[128];
	FILE *f;
	int i;

	snprintf(path, sizeof path, "%s/bench.json", dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "{\"gateway\": {\"id\": \"gw-bench\", \"district\": \"bench\"},\n"
		" \"storage\": {\"path\": \"%s/hz.db\"},\n"
		" \"local\": {\"uri\": \"tcp://127.0.0.1:1883\"},\n"
		" \"upstream\": {\"uris\": [\"tcp://127.0.0.1:1884\"], "
		"\"telemetry_interval_s\": 1},\n"
		" \"control\": {\"socket\": \"%s/ctl.sock\"},\n"
		" \"log\": {\"level\": \"warn\"},\n"
		" \"sites\": [{\"id\": \"s1\", \"kind\": \"restaurant\"}],\n"
		" \"devices\": [\n", dir, dir);
	for (i = 0; i < N_DEV; i++)
		fprintf(f, "  {\"id\": \"d%d\", \"kind\": \"gas_detector\", \"site\": \"s1\", "
			"\"topic\": \"t/d%d\", \"format\": \"%s\", \"heartbeat_s\": 3600}%s\n",
			i, i, i % 2 ? "zigbee2mqtt" : "native", i < N_DEV - 1 ? "," : "");
	fprintf(f, " ]}\n");
	fclose(f);
	return path;
}

static void test_bench_config(void)
{
	static struct config cfg, cfg2;
	char errs[4096], name[96];
	const char *path = write_bench_cfg();
	size_t devs, pool;
	int i, shared = 1, own = 0;

	CHECK_INT("bench config loads", config_load(path, &cfg, errs, sizeof errs), 0);
	if (cfg.n_devices != N_DEV) {
		CHECK_INT("bench config: 2,000 devices", cfg.n_devices, N_DEV);
		return;
	}
	devs = (size_t)cfg.n_devices * sizeof *cfg.devices;
	pool = strpool_bytes(cfg.strings);
	snprintf(name, sizeof name, "2,000 devices: %zu + %zu bytes of strings <= 500,000",
		 devs, pool);
	CHECK(name, devs + pool <= 500000);
	/* a field added to device_cfg is resident 2,000 times: think first */
	CHECK("device_cfg beyond its rules at most 72 bytes",
	      sizeof(struct device_cfg) - sizeof(struct rule_params) <= 72);
	for (i = 1; i < N_DEV; i++) {
		shared &= cfg.devices[i].site == cfg.devices[0].site;
		shared &= cfg.devices[i].format == cfg.devices[i % 2].format;
		own += cfg.devices[i].own_rules || cfg.devices[i].reg;
	}
	CHECK("one copy of the site id and of each format's name", shared);
	CHECK_INT("no register entries, no rules of their own", own, 0);
	CHECK_STR("a device's strings", cfg.devices[1999].topic, "t/d1999");
	CHECK_STR("... and its format", cfg.devices[1999].format, "zigbee2mqtt");

	/* a second load (a reload) has strings of its own: the first config
	 * can go while the second runs */
	CHECK_INT("loads again", config_load(path, &cfg2, errs, sizeof errs), 0);
	CHECK("its own pool", cfg2.strings && cfg2.strings != cfg.strings &&
	      cfg2.devices[0].id != cfg.devices[0].id);
	config_free(&cfg);
	CHECK_STR("the old config freed, the new one's strings stand",
		  config_find_device(&cfg2, "d1234")->topic, "t/d1234");
	config_free(&cfg2);
}

/* An error in a device that is no object leaves it blank, not NULL: the
 * checks of the devices after it compare with it. */
static void test_not_an_object(void)
{
	static struct config cfg;
	char path[128], errs[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/bad.json", dir);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs("{\"gateway\": {\"id\": \"gw-1\", \"district\": \"d\"},\n"
	      " \"storage\": {\"path\": \"x.db\"},\n"
	      " \"local\": {\"uri\": \"tcp://127.0.0.1:1883\"},\n"
	      " \"sites\": [{\"id\": \"s1\", \"kind\": \"restaurant\"}],\n"
	      " \"devices\": [7,\n"
	      "  {\"id\": \"g1\", \"kind\": \"gas_detector\", \"site\": \"s1\", \"topic\": \"t/1\"},\n"
	      "  {\"id\": \"g1\", \"kind\": \"gas_detector\", \"site\": \"s1\", \"topic\": \"t/2\"}]}\n",
	      f);
	fclose(f);
	CHECK_INT("a device that is no object: refused", config_load(path, &cfg, errs,
								   sizeof errs), -1);
	CHECK_CONTAINS("... and said", errs, ":5: $.devices[0]: expected object, got number");
	CHECK_CONTAINS("... the later devices still checked", errs,
		       ":7: $.devices[2].id: duplicate device id \"g1\" (first at $.devices[1])");
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_config_pool.XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	test_pool();
	test_bench_config();
	test_not_an_object();
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("  (could not remove %s)\n", dir);
	}
	TEST_DONE();
}
