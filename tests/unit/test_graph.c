/*
 * test_graph.c: daemon/app/graph.c, the one builder of a config's objects,
 * as start-up uses it (on an empty daemon) and as a reload does (next to
 * the running graph), against real config files and a real SQLite file.
 * The GPIO side of a reload is test_reload.c; the whole daemon is the
 * end-to-end tests'.
 *
 * Start-up: every device is new, its offline clock starts now, its rules
 * remember what the database holds open, device commands keep their
 * records in the database.  A second build next to it carries each
 * device's state over by id and reads only the new device's records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

static char dir[] = "/tmp/hazardd-test-graph.XXXXXX";
static char cfg_path[600], db_path[600];

static void write_cfg(const char *devices)
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
		"  \"devices\": %s\n"
		"}\n", db_path, dir, devices);
	fclose(f);
}

#define DEV(id, kind) "{\"id\": \"" id "\", \"kind\": \"" kind "\", \"site\": \"s1\", " \
	"\"topic\": \"t/" id "\", \"format\": \"native\"}"

static struct config *load(void)
{
	struct config *cfg = calloc(1, sizeof *cfg);
	char err[4096];

	if (!cfg || config_load(cfg_path, cfg, err, sizeof err) < 0) {
		printf("FAIL: config loads: %s\n", err);
		exit(1);
	}
	return cfg;
}

/* A daemon as main() has it before the graph: the database open. */
struct run {
	struct daemon d;
	struct devindex *ix;
	struct complaint *comp;
	struct graph_home h;
};

static void run_init(struct run *r, struct config *boot)
{
	char err[512];

	memset(r, 0, sizeof *r);
	r->d.store = store_open(db_path, err, sizeof err);
	if (!r->d.store) {
		printf("FAIL: store opens: %s\n", err);
		exit(1);
	}
	r->h = (struct graph_home){ .d = &r->d, .boot_cfg = boot, .ix = &r->ix,
				    .dev_complaint = &r->comp };
}

static void run_free(struct run *r)
{
	devcmd_free(r->d.devcmd);
	devindex_free(r->ix);
	rules_states_free(r->d.dev_state, r->d.cfg ? r->d.cfg->n_devices : 0);
	free(r->comp);
	store_close(r->d.store);
	config_free(r->d.cfg);
	free(r->d.cfg);
}

int main(void)
{
	struct run a;
	struct graph g;
	struct config *cfg;
	const struct device_cfg *gas;
	struct hazard_change chg;
	char err[512];
	int rc, i;
	bool all_clocks;

	if (!mkdtemp(dir))
		return 1;
	snprintf(cfg_path, sizeof cfg_path, "%s/hazardd.json", dir);
	snprintf(db_path, sizeof db_path, "%s/hazardd.db", dir);
	write_cfg("[" DEV("gas-1", "gas_detector") "," DEV("smoke-1", "smoke_alarm") "]");

	/* start-up: an empty daemon */
	cfg = load();
	run_init(&a, NULL);
	memset(&g, 0, sizeof g);
	g.cfg = cfg;
	rc = graph_build(&a.h, &g, err, sizeof err);
	CHECK("start-up: the graph builds", rc == 0);
	if (rc < 0) {
		printf("  %s\n", err);
		return 1;
	}
	CHECK_INT("start-up: every device is new", g.n_new, 2);
	CHECK_INT("start-up: none removed", g.n_removed, 0);
	CHECK("start-up: no lines, no interlocks", !g.il && !g.gpio);
	CHECK("start-up: the mirror is written", graph_commit(&a.h, &g) == 0);
	CHECK("start-up: the config is in place", a.d.cfg == cfg);
	CHECK("start-up: the topic index is the loop's",
	      a.ix && devindex_find(a.ix, "t/smoke-1", NULL) == 1);
	CHECK("start-up: device commands exist", a.d.devcmd != NULL);
	all_clocks = a.d.dev_state && a.comp;
	for (i = 0; all_clocks && i < cfg->n_devices; i++)
		all_clocks = a.d.dev_state[i].last_seen_ms > 0;
	CHECK("start-up: every device's offline clock starts now", all_clocks);
	CHECK("start-up: nothing open, nothing remembered",
	      !rules_active(&a.d.dev_state[0], HZ_GAS_LEAK));

	/* a gas alarm recorded by this run */
	gas = config_find_device(a.d.cfg, "gas-1");
	memset(&chg, 0, sizeof chg);
	chg.type = HZ_GAS_LEAK;
	chg.kind = CHG_ACTIVE;
	chg.severity = SEV_MAJOR;
	snprintf(chg.detail, sizeof chg.detail, "test");
	CHECK("alarm: transaction begins", store_begin(a.d.store) == 0);
	records_apply_change(&a.d, gas, &chg, NULL, now_wall_ms(), NULL);
	CHECK("alarm: committed", store_commit(a.d.store) == 0);
	run_free(&a);

	/* the next start: the rules remember the open alarm */
	cfg = load();
	run_init(&a, NULL);
	memset(&g, 0, sizeof g);
	g.cfg = cfg;
	CHECK("restart: the graph builds", graph_build(&a.h, &g, err, sizeof err) == 0);
	graph_commit(&a.h, &g);
	gas = config_find_device(a.d.cfg, "gas-1");
	CHECK("restart: gas-1's rules remember its open alarm",
	      rules_active(&a.d.dev_state[gas - a.d.cfg->devices], HZ_GAS_LEAK));
	CHECK("restart: smoke-1 has nothing open",
	      !rules_active(&a.d.dev_state[1], HZ_SMOKE_ALARM));

	/* a second graph next to the running one: a device in front */
	a.d.dev_state[0].accepted = 42;
	rules_set_active(&a.d.dev_state[1], HZ_SMOKE_ALARM, true, SEV_GENERAL);   /* only in memory */
	write_cfg("[" DEV("new-1", "smoke_alarm") "," DEV("gas-1", "gas_detector") ","
		  DEV("smoke-1", "smoke_alarm") "]");
	memset(&g, 0, sizeof g);
	g.cfg = load();
	CHECK("next: the graph builds", graph_build(&a.h, &g, err, sizeof err) == 0);
	CHECK_INT("next: one device new", g.n_new, 1);
	CHECK("next: only it reads the store", g.fresh[0] && !g.fresh[1] && !g.fresh[2]);
	graph_commit(&a.h, &g);
	CHECK_INT("next: three devices", a.d.cfg->n_devices, 3);
	CHECK_INT("next: gas-1 keeps its counters", a.d.dev_state[1].accepted, 42);
	CHECK("next: gas-1 keeps its open slot", rules_active(&a.d.dev_state[1], HZ_GAS_LEAK));
	CHECK("next: smoke-1's state is carried, not re-read",
	      rules_active(&a.d.dev_state[2], HZ_SMOKE_ALARM));
	CHECK("next: new-1 starts with nothing",
	      a.d.dev_state[0].accepted == 0 && a.d.dev_state[0].last_seen_ms > 0);
	CHECK("next: the index knows new-1", devindex_find(a.ix, "t/new-1", NULL) == 0);
	run_free(&a);

	unlink(cfg_path);
	unlink(db_path);
	{
		char p[700];

		snprintf(p, sizeof p, "%s-wal", db_path);
		unlink(p);
		snprintf(p, sizeof p, "%s-shm", db_path);
		unlink(p);
		snprintf(p, sizeof p, "%s.hwm", db_path);
		unlink(p);
	}
	rmdir(dir);
	TEST_DONE();
}
