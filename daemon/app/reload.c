/*
 * reload.c: apply a new configuration to the running daemon (SIGHUP,
 * `hazardctl reload`).
 *
 * Two phases, both in graph.c, the builder start-up uses too.  Everything
 * that can fail happens first, against the new config only: parse and
 * validate it, then build its graph (topic indexes, the device state
 * table, device commands, the interlocks and the GPIO lines).  If any of
 * it fails the daemon goes on with the old config as if nothing happened,
 * and every error is logged and returned.  Then a commit phase that
 * cannot fail swaps the pieces in, in an order that keeps every pointer
 * valid: the old config is freed last.  This file adds what only a
 * reload has: the keys that need a restart, the reply, the log lines.
 *
 * What is never touched: the broker connections (the intake changes its
 * subscriptions on the same session), the intake queue, the outbox and
 * the upstream in-flight window.  Keys that name those connections, the
 * database or the control socket cannot change live: they keep their old
 * values and the reply says "needs a restart".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define RELOAD_ERRS_MAX 16384

/* ------------------------------------------------------------ reporting */

static void add_lines(cJSON *arr, const char *text)
{
	const char *p = text, *nl;
	char line[1024];

	while (p && *p) {
		nl = strchr(p, '\n');
		snprintf(line, sizeof line, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
		if (line[0])
			cJSON_AddItemToArray(arr, cJSON_CreateString(line));
		p = nl ? nl + 1 : NULL;
	}
}

/* ------------------------------------------------------------ restart-only keys */

/*
 * Keys that name a connection, a file held open or who we are upstream.
 * A change is reported and the old value kept (copied into the new
 * config), so the running state and d->cfg agree.  Reconnecting a link
 * under a reload would drop in-flight publishes and the persistent
 * session's place; a restart does that cleanly.
 */
#define KEEP_STR(field, name) do { \
	if (strcmp(old->field, nw->field) != 0) { \
		cJSON_AddItemToArray(restart, cJSON_CreateString(name)); \
		memcpy(nw->field, old->field, sizeof nw->field); \
	} } while (0)
#define KEEP_NUM(field, name) do { \
	if (old->field != nw->field) { \
		cJSON_AddItemToArray(restart, cJSON_CreateString(name)); \
		nw->field = old->field; \
	} } while (0)

static void keep_restart_keys(const struct config *old, struct config *nw, cJSON *restart)
{
	bool uris_differ = old->upstream.n_uris != nw->upstream.n_uris;
	int i;

	KEEP_STR(gateway.id, "gateway.id");
	KEEP_STR(gateway.district, "gateway.district");
	KEEP_STR(storage.path, "storage.path");
	KEEP_STR(local.uri, "local.uri");
	KEEP_STR(local.client_id, "local.client_id");
	KEEP_STR(local.username, "local.username");
	KEEP_STR(local.password_file, "local.password_file");
	KEEP_NUM(local.queue_len, "local.queue_len");
	KEEP_NUM(local.max_unacked, "local.max_unacked");
	KEEP_NUM(local.max_packet, "local.max_packet");
	KEEP_NUM(local.keepalive_s, "local.keepalive_s");
	for (i = 0; !uris_differ && i < old->upstream.n_uris; i++)
		uris_differ = strcmp(old->upstream.uris[i], nw->upstream.uris[i]) != 0;
	if (uris_differ) {
		cJSON_AddItemToArray(restart, cJSON_CreateString("upstream.uris"));
		memcpy(nw->upstream.uris, old->upstream.uris, sizeof nw->upstream.uris);
		nw->upstream.n_uris = old->upstream.n_uris;
	}
	KEEP_STR(upstream.client_id, "upstream.client_id");
	KEEP_STR(upstream.username, "upstream.username");
	KEEP_STR(upstream.password_file, "upstream.password_file");
	KEEP_STR(upstream.ca_file, "upstream.ca_file");
	KEEP_STR(upstream.cert_file, "upstream.cert_file");
	KEEP_STR(upstream.key_file, "upstream.key_file");
	KEEP_NUM(upstream.allow_insecure, "upstream.allow_insecure");
	KEEP_NUM(upstream.inflight, "upstream.inflight");
	KEEP_STR(upstream.command_key_file, "upstream.command_key_file");
	KEEP_NUM(upstream.command_window_s, "upstream.command_window_s");
	KEEP_NUM(discovery.enabled, "discovery.enabled");
	KEEP_NUM(discovery.max_entries, "discovery.max_entries");
	KEEP_STR(control.socket, "control.socket");
	KEEP_STR(daemon.user, "daemon.user");
	/* TZ is set for the process before library threads start (summary.c):
	 * changing it under them is unsafe */
	KEEP_STR(summary.timezone, "summary.timezone");
}

/* ------------------------------------------------------------ build */

/* The new config, read and validated, then its graph (graph.c); errors
 * appended to errs, one per line. */
static int plan_build(const struct reload_target *t, const struct graph_home *h,
		      struct graph *g, cJSON *restart, char *errs, size_t errlen)
{
	char err[512];

	g->cfg = calloc(1, sizeof *g->cfg);
	if (!g->cfg) {
		errf(errs, errlen, "out of memory");
		return -1;
	}
	if (config_load(t->d->cfg->path, g->cfg, errs, errlen) < 0) {
		free(g->cfg);
		g->cfg = NULL;
		return -1;
	}
	keep_restart_keys(t->d->cfg, g->cfg, restart);
	if (graph_build(h, g, err, sizeof err) < 0) {
		errf(errs, errlen, "%s: %s", g->cfg->path, err);
		return -1;
	}
	return 0;
}

/* The graph swapped in (graph.c), then what only a reload changes. */
static void commit(const struct reload_target *t, const struct graph_home *h,
		   struct graph *g)
{
	struct daemon *d = t->d;
	int old_max_mb = d->cfg->storage.max_mb;

	if (graph_commit(h, g) < 0)
		log_warnx("reload: cannot record sites and devices in the "
			  "database; they are recorded at the next start");
	if (d->store && old_max_mb != d->cfg->storage.max_mb &&
	    store_set_quota(d->store, d->cfg->storage.max_mb) < 0)
		log_warnx("reload: cannot set the storage.max_mb ceiling");
	log_set_config_level(d->cfg->log.level);
}

/* ------------------------------------------------------------ entry */

cJSON *reload_run(const struct reload_target *t, const char *trigger)
{
	struct graph_home h = {
		.d = t->d, .boot_cfg = t->boot_cfg, .ix = t->ix,
		.dev_complaint = t->dev_complaint, .in = t->in, .disc = t->disc,
	};
	struct graph p;
	cJSON *res = cJSON_CreateObject(), *errors, *restart, *changes;
	char *errs = calloc(1, RELOAD_ERRS_MAX);
	int64_t t0 = now_mono_ms();
	int i, n, added, removed;

	memset(&p, 0, sizeof p);
	errors = cJSON_CreateArray();
	restart = cJSON_CreateArray();
	changes = cJSON_CreateObject();
	if (!res || !errs || !errors || !restart || !changes) {
		cJSON_Delete(res);
		cJSON_Delete(errors);
		cJSON_Delete(restart);
		cJSON_Delete(changes);
		free(errs);
		log_warnx("reload (%s): out of memory; configuration unchanged", trigger);
		return NULL;
	}
	log_info("reload (%s): reading %s", trigger, t->d->cfg->path);
	/* pending GPIO records point into the config about to go */
	if (t->flush_pending)
		t->flush_pending(t->ctx);

	if (plan_build(t, &h, &p, restart, errs, RELOAD_ERRS_MAX) < 0) {
		add_lines(errors, errs);
		n = cJSON_GetArraySize(errors);
		for (i = 0; i < n; i++)
			log_warnx("reload: %s", cJSON_GetArrayItem(errors, i)->valuestring);
		log_warnx("reload (%s): configuration %s is not valid (%d error%s); "
			  "still running on the previous one", trigger, t->d->cfg->path,
			  n, n == 1 ? "" : "s");
		graph_free(&p);
		t->d->cnt.reloads_refused++;
		cJSON_AddBoolToObject(res, "reloaded", false);
		cJSON_Delete(restart);
		restart = cJSON_CreateArray();
	} else {
		cJSON_AddNumberToObject(changes, "devices", p.cfg->n_devices);
		cJSON_AddNumberToObject(changes, "devices_added", p.n_new);
		cJSON_AddNumberToObject(changes, "devices_removed", p.n_removed);
		cJSON_AddNumberToObject(changes, "sites", p.cfg->n_sites);
		cJSON_AddNumberToObject(changes, "inputs", p.cfg->n_inputs);
		cJSON_AddNumberToObject(changes, "outputs", p.cfg->n_outputs);
		cJSON_AddNumberToObject(changes, "outputs_added", p.n_new_outputs);
		cJSON_AddNumberToObject(changes, "interlocks", p.cfg->n_interlocks);
		added = p.n_new;
		removed = p.n_removed;
		commit(t, &h, &p);
		graph_free(&p);
		t->d->cnt.reloads++;
		cJSON_AddBoolToObject(res, "reloaded", true);
		log_info("reload (%s): applied in %lld ms: %d devices (%d added, %d removed), "
			 "%d sites, %d inputs, %d outputs, %d interlocks; broker sessions "
			 "and queues kept", trigger, (long long)(now_mono_ms() - t0),
			 t->d->cfg->n_devices, added, removed, t->d->cfg->n_sites,
			 t->d->cfg->n_inputs, t->d->cfg->n_outputs, t->d->cfg->n_interlocks);
		n = cJSON_GetArraySize(restart);
		for (i = 0; i < n; i++)
			log_warnx("reload: %s changed: needs a restart; the running "
				  "value is kept until then",
				  cJSON_GetArrayItem(restart, i)->valuestring);
	}
	cJSON_AddItemToObject(res, "errors", errors);
	cJSON_AddItemToObject(res, "restart_needed", restart);
	cJSON_AddItemToObject(res, "changes", changes);
	free(errs);
	return res;
}
