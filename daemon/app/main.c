/*
 * main.c: hazardd's start-up and exit (loop.h): options, the config
 * checked (--check-config stops there), privileges, the database, the
 * config's objects built by the graph (graph.c, the builder a reload uses
 * too), the transports, then the loop (loop.c) until a signal; then
 * everything closed in the reverse order.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loop.h"
#include "http_console.h"
#include "live.h"
#include "startup.h"
#include "webhook.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hazardd [-v] -c FILE      run in the foreground\n"
		"       hazardd --check-config -c FILE\n"
		"       hazardd --version | --help\n"
		"  -c, --config FILE   configuration (default $HAZARDD_CONFIG, then\n"
		"                      /etc/hazardd/hazardd.json)\n"
		"  -n, --check-config  validate the configuration and exit\n"
		"  -v, --verbose       debug logging\n");
}

static enum log_level level_from_name(const char *s)
{
	if (strcmp(s, "error") == 0)
		return LOG_LVL_ERR;
	if (strcmp(s, "warn") == 0)
		return LOG_LVL_WARN;
	if (strcmp(s, "debug") == 0)
		return LOG_LVL_DEBUG;
	return LOG_LVL_INFO;
}

static int setup_fds(struct loop *L)
{
	sigset_t set;

	L->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (L->wake_fd < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* block before Paho starts its threads so they inherit the mask */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	L->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	return L->sig_fd < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct loop L;
	static struct config cfg;
	struct graph_home home;
	struct graph g = { 0 };
	struct privdrop pd;
	/* -c, else $HAZARDD_CONFIG (as hazardctl), else the package's path */
	const char *cfg_path = getenv("HAZARDD_CONFIG") && *getenv("HAZARDD_CONFIG") ?
			       getenv("HAZARDD_CONFIG") : "/etc/hazardd/hazardd.json";
	bool check_only = false, verbose = false;
	char err[8192], line[NOTIFY_LINE_MAX];
	int ch;

	/* One malloc arena for every thread: glibc gives each thread that
	 * allocates (Paho's two) an arena of its own, which keeps what it
	 * once held; the loop does the allocating here, the others little
	 * (docs/benchmarks.md, "Where the memory goes").  Before any thread. */
	mallopt(M_ARENA_MAX, 1);
	/* the decoders' parse trees from one buffer (json_arena.c): before
	 * any thread, as it sets cJSON's allocator for the whole process */
	json_arena_init();
	while ((ch = getopt_long(argc, argv, "c:nvVh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cfg_path = optarg; break;
		case 'n': check_only = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("hazardd %s\n", HAZARDD_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* whoever started us: what hazardd creates is at most 0640 (0750 for
	 * directories), never readable by others */
	umask(0027);
	log_init("hazardd", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	err[0] = '\0';
	if (config_load(cfg_path, &cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s", err);
		if (err[0] && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		fprintf(stderr, "hazardd: configuration %s is not valid\n", cfg_path);
		return 1;
	}
	/* derived topics (availability, events) may collide: a config error
	 * that --check-config must catch too */
	L.ix = devindex_new(&cfg, err, sizeof err);
	if (!L.ix) {
		fprintf(stderr, "%s: %s\n", cfg_path, err);
		fprintf(stderr, "hazardd: configuration %s is not valid\n", cfg_path);
		config_free(&cfg);
		return 1;
	}
	/* a key that is a FIFO, a symlink or readable by others is a config
	 * error here too; one not there yet is left to start-up */
	if (secret_check_config(&cfg, check_only, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", cfg_path, err);
		fprintf(stderr, "hazardd: configuration %s is not valid\n", cfg_path);
		devindex_free(L.ix);
		config_free(&cfg);
		return 1;
	}
	/* the package's template drives nothing until someone edits it */
	if (startup_refuse_template(&cfg, cfg_path)) {
		devindex_free(L.ix);
		config_free(&cfg);
		return 1;
	}
	/* a database directory start-up cannot make (its parent is missing);
	 * root that drops to daemon.user makes the whole path (privdrop.c) */
	if (check_only && !(geteuid() == 0 && cfg.daemon.user[0]) &&
	    startup_db_dir(cfg.storage.path, true, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", cfg_path, err);
		fprintf(stderr, "hazardd: configuration %s is not valid\n", cfg_path);
		devindex_free(L.ix);
		config_free(&cfg);
		return 1;
	}
	if (check_only) {
		printf("configuration OK\n");
		devindex_free(L.ix);
		config_free(&cfg);
		return 0;
	}
	if (!verbose)
		log_set_level(level_from_name(cfg.log.level));
	else
		log_pin_level();
	log_info("hazardd %s starting: gateway %s, %d sites, %d devices",
		 HAZARDD_VERSION, cfg.gateway.id, cfg.n_sites, cfg.n_devices);
	startup_log_zone(&cfg);

	L.boot_cfg = &cfg;
	L.d.reload = loop_reload;
	if (privdrop_prepare(&cfg, &pd, err, sizeof err) < 0)
		fatalx("%s", err);
	L.d.started_wall_ms = now_wall_ms();
	L.d.started_mono_ms = now_mono_ms();    /* uptime: immune to clock jumps */
	if (setup_fds(&L) < 0)
		fatalx("cannot create eventfd/signalfd: %s", strerror(errno));
	/* not dropping (systemd's User=, or a plain user): the directory is
	 * made as ourselves; dropping, privdrop_prepare made it the user's */
	if (!pd.active && startup_db_dir(cfg.storage.path, false, err, sizeof err) < 0)
		fatalx("%s", err);
	/* no symlink, no foreign file at the database's names; then open it
	 * with the daemon user's ids (privdrop.c, dbfile.c) */
	if (dbfile_guard(cfg.storage.path, pd.uid, pd.active, err, sizeof err) < 0)
		fatalx("%s", err);
	if (privdrop_as_user(&pd, true) < 0)
		fatalx("cannot take user %s's ids to open the database: %s", pd.user,
		       strerror(errno));
	L.d.store = store_open(cfg.storage.path, err, sizeof err);
	if (privdrop_as_user(&pd, false) < 0)
		fatalx("cannot return to root after opening the database: %s",
		       strerror(errno));
	if (!L.d.store)
		fatalx("%s", err);
	if (store_set_quota(L.d.store, cfg.storage.max_mb) < 0)
		log_warnx("database %s: cannot set the storage.max_mb ceiling",
			  cfg.storage.path);
	L.d.retry = pass_retry_new();
	if (!(L.d.live = live_new()))
		fatalx("live feed: out of memory");
	L.storage_fault_check = true;   /* one left open by an earlier run */
	if (store_history_fault(L.d.store)) {
		/* raised in the first pass, and not cleared by it */
		L.history_fault = true;
		L.storage_fault_check = false;
	}
	if (!L.d.retry)
		fatalx("out of memory");
	/* the config's objects, as a reload builds them, on an empty daemon:
	 * every device new, every output at its persisted latch or safe
	 * state, the lines requested while we are still root */
	home = (struct graph_home){ .d = &L.d, .boot_cfg = &cfg, .ix = &L.ix,
				    .dev_complaint = &L.dev_complaint };
	g.cfg = &cfg;
	g.ix = L.ix;            /* built above to check the config */
	L.ix = NULL;
	if (graph_build(&home, &g, err, sizeof err) < 0)
		fatalx("%s", err);
	if (graph_commit(&home, &g) < 0)
		fatalx("database %s: cannot record sites and devices", cfg.storage.path);
	summary_start(&L.d);
	/* libcurl is loaded at the first post: missing, it is an error now,
	 * not at the first alarm */
	if (cfg.alerts.n_webhooks > 0 && webhook_check(err, sizeof err) < 0)
		fatalx("%s", err);
	/* alerts pending from the last run go on (alert_loop.c) */
	if (!(L.d.alerts = alerts_new(&L.d, L.wake_fd)))
		log_warnx("alerts: cannot start the sender; nobody will be told");
	loop_gpio_start(&L);

	L.ctl = control_open(cfg.control.socket, err, sizeof err);
	if (!L.ctl)
		fatalx("control socket: %s", err);
	control_offload(L.ctl, L.wake_fd);
	/* the web console binds as root too (a port below 1024 may be asked) */
	if (cfg.http.listen[0] &&
	    !(L.d.http = http_console_open(&L.d, &cfg, daemon_status_json, L.wake_fd,
						 err, sizeof err)))
		fatalx("%s", err);
	/* root's work is done: database, socket, GPIO lines are open */
	privdrop_chown(&pd, cfg.control.socket, true);
	if (privdrop_apply(&pd, err, sizeof err) < 0)
		fatalx("%s", err);
	L.q = msgq_new(cfg.local.queue_len, L.wake_fd);
	if (!L.q)
		fatalx("out of memory");
	L.up = uplink_new(&cfg, store_epoch(L.d.store), L.wake_fd, err, sizeof err);
	if (!L.up)
		fatalx("%s", err);
	L.d.up = L.up;
	L.d.dl = downlink_new(&cfg, L.wake_fd, &(struct downlink_hooks){
		.status = daemon_status_json }, err, sizeof err);
	if (!L.d.dl)
		fatalx("%s", err);
	downlink_load(L.d.dl, L.d.store);
	uplink_set_commands(L.up, downlink_queue(L.d.dl), downlink_max_bytes(),
			    downlink_count_drop, L.d.dl);
	/* the intake and discovery read the loop's topic index (devindex.c) */
	L.in = intake_new(&cfg, devindex_share(L.ix), L.q, L.wake_fd, err, sizeof err);
	if (!L.in)
		fatalx("%s", err);
	graph_attach_intake(&L.d, L.in);
	if (cfg.discovery.enabled &&
	    (!(L.d.unknown = unknown_new(cfg.discovery.max_entries)) ||
	     !(L.disc = discovery_new(&cfg, devindex_share(L.ix), L.d.unknown, L.wake_fd,
				      err, sizeof err))))
		fatalx("discovery: %s", L.d.unknown ? err : "out of memory");
	L.d.outbox_depth = store_outbox_count(L.d.store);
	log_info("ready: database %s (outbox %lld), control socket %s",
		 cfg.storage.path, (long long)L.d.outbox_depth, cfg.control.socket);

	/* systemd: READY=1 only now that the database is open and the loop runs */
	notify_init();
	loop_notify_line(&L.d, line, sizeof line);
	notify_ready(line, loop_notify_links(&L.d));
	loop_run(&L);

	notify_stopping();
	loop_gpio_finish(&L);
	discovery_free(L.disc);
	loop_shutdown(&L);
	alerts_free(L.d.alerts);
	L.d.alerts = NULL;
	unknown_free(L.d.unknown);
	devcmd_free(L.d.devcmd);
	uplink_free(L.up);
	downlink_free(L.d.dl);
	pass_retry_free(L.d.retry);
	control_close(L.ctl);
	http_console_close(L.d.http);
	live_free(L.d.live);
	msgq_free(L.q);
	store_close(L.d.store);
	rules_states_free(L.d.dev_state, L.d.cfg ? L.d.cfg->n_devices : 0);
	free(L.dev_complaint);
	devindex_free(L.ix);
	gpio_thread_free(L.d.gt);
	gpio_free(L.d.gpio);
	interlock_free(L.d.il);
	config_free(L.d.cfg);
	if (L.d.cfg != &cfg)
		free(L.d.cfg);          /* a reload's */
	log_info("stopped");
	return 0;
}

