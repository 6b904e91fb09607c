/*
 * loop_status.c: what the daemon says about itself (loop.h): the status
 * object of hazardctl status and the upstream status message, the
 * interlocks' counters and latency, systemd's status line; and the
 * write-off control.c asks for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The intake session's counters (docs/intake.md): acknowledged after the
 * commit, and how many were acknowledged without one while storage failed. */
static void status_session(cJSON *l, struct loop *L)
{
	struct intake_stats st;
	cJSON *s = cJSON_AddObjectToObject(l, "session");

	intake_get_stats(L->in, &st);
	cJSON_AddBoolToObject(s, "subscribed", st.subscribed);
	cJSON_AddBoolToObject(s, "commands_connected", st.commands_connected);
	cJSON_AddNumberToObject(s, "messages", (double)st.messages);
	cJSON_AddNumberToObject(s, "acks_sent", (double)st.acks_sent);
	cJSON_AddNumberToObject(s, "unacked", (double)st.unacked);
	cJSON_AddNumberToObject(s, "acked_uncommitted", (double)st.acked_uncommitted);
	/* redeliveries found stored already: acknowledged, not stored twice */
	cJSON_AddNumberToObject(s, "redelivered_skipped", (double)L->dup_skipped);
	cJSON_AddNumberToObject(s, "connects", (double)st.connects);
	cJSON_AddNumberToObject(s, "connect_failures", (double)st.connect_failures);
	cJSON_AddNumberToObject(s, "connect_refused", (double)st.connect_refused);
	cJSON_AddNumberToObject(s, "disconnects", (double)st.disconnects);
	cJSON_AddNumberToObject(s, "keepalive_timeouts", (double)st.keepalive_timeouts);
	cJSON_AddNumberToObject(s, "protocol_errors", (double)st.protocol_errors);
	cJSON_AddNumberToObject(s, "subscribe_refused", (double)st.subscribe_refused);
	cJSON_AddStringToObject(s, "last_error", st.last_error);
}

/* Interlock counters and the edge-to-output latency (issue 4's measure). */
static cJSON *gpio_status_json(struct daemon *d)
{
	cJSON *g = cJSON_CreateObject();
	uint32_t *v;
	uint64_t self_tests, write_errors;
	size_t n;

	/* the GPIO thread writes the ring and the counters */
	gpio_lock(d);
	n = d->il_lat_count < IL_LAT_N ? (size_t)d->il_lat_count : IL_LAT_N;
	self_tests = interlock_self_tests(d->il);
	write_errors = interlock_write_errors(d->il);
	v = n ? malloc(n * sizeof *v) : NULL;
	if (v)
		memcpy(v, d->il_lat_us, n * sizeof *v);
	gpio_unlock(d);
	cJSON_AddNumberToObject(g, "inputs", d->cfg->n_inputs);
	cJSON_AddNumberToObject(g, "outputs", d->cfg->n_outputs);
	cJSON_AddNumberToObject(g, "input_changes", (double)d->gpio_changes);
	cJSON_AddNumberToObject(g, "self_tests", (double)self_tests);
	cJSON_AddNumberToObject(g, "output_write_errors", (double)write_errors);
	cJSON_AddNumberToObject(g, "latency_samples", (double)n);
	if (v) {
		qsort(v, n, sizeof *v, cmp_u32);
		cJSON_AddNumberToObject(g, "edge_to_output_p50_us", v[n / 2]);
		cJSON_AddNumberToObject(g, "edge_to_output_p99_us", v[(n * 99) / 100]);
		cJSON_AddNumberToObject(g, "edge_to_output_max_us", v[n - 1]);
		free(v);
	}
	return g;
}

cJSON *daemon_status_json(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject(), *c, *l;
	char ts[32];

	cJSON_AddStringToObject(o, "gateway", d->cfg->gateway.id);
	cJSON_AddStringToObject(o, "district", d->cfg->gateway.district);
	cJSON_AddStringToObject(o, "version", HAZARDD_VERSION);
	cJSON_AddStringToObject(o, "started_at", fmt_iso_ms(d->started_wall_ms, ts, sizeof ts));
	cJSON_AddNumberToObject(o, "uptime_s",
				(double)((now_mono_ms() - d->started_mono_ms) / 1000));
	l = cJSON_AddObjectToObject(o, "local");
	cJSON_AddBoolToObject(l, "connected", d->local_connected);
	cJSON_AddStringToObject(l, "uri", d->cfg->local.uri);
	status_session(l, loop_of((struct daemon *)d));
	l = cJSON_AddObjectToObject(o, "upstream");
	cJSON_AddBoolToObject(l, "connected", d->upstream_connected);
	/* false: no upstream section, the link never connects (config.md) */
	cJSON_AddBoolToObject(l, "configured", d->cfg && d->cfg->upstream.n_uris > 0);
	cJSON_AddStringToObject(l, "uri", d->upstream_uri);
	/* acknowledged upstream, not yet deleted (the disk is full): never
	 * sent again in this run; drains to 0 once writes work */
	cJSON_AddNumberToObject(l, "acked_not_deleted", d->acked_not_deleted);
	cJSON_AddNumberToObject(l, "acked_not_deleted_overflow",
				(double)d->acked_not_deleted_overflow);
	cJSON_AddNumberToObject(o, "devices", d->cfg->n_devices);
	cJSON_AddNumberToObject(o, "outbox_depth", (double)store_outbox_count(d->store));
	cJSON_AddNumberToObject(o, "intake_queue_depth", d->intake_queue_depth);
	c = cJSON_AddObjectToObject(o, "counters");
	cJSON_AddNumberToObject(c, "received", (double)d->cnt.received);
	cJSON_AddNumberToObject(c, "accepted", (double)d->cnt.accepted);
	cJSON_AddNumberToObject(c, "rejected", (double)d->cnt.rejected);
	cJSON_AddNumberToObject(c, "bad_fields", (double)d->cnt.bad_fields);
	cJSON_AddNumberToObject(c, "over_range", (double)d->cnt.over_range);
	cJSON_AddNumberToObject(c, "unknown_topic", (double)d->cnt.unknown_topic);
	cJSON_AddNumberToObject(c, "dropped_queue_full", (double)d->cnt.dropped_queue_full);
	cJSON_AddNumberToObject(c, "record_events", (double)d->cnt.record_events);
	cJSON_AddNumberToObject(c, "published", (double)d->cnt.published);
	cJSON_AddNumberToObject(c, "acked", (double)d->cnt.acked);
	cJSON_AddNumberToObject(c, "store_errors", (double)d->cnt.store_errors);
	cJSON_AddNumberToObject(c, "quota_dropped_readings",
				(double)d->cnt.quota_dropped_readings);
	cJSON_AddNumberToObject(c, "quota_dropped_telemetry",
				(double)d->cnt.quota_dropped_telemetry);
	cJSON_AddNumberToObject(c, "quota_dropped_events",
				(double)d->cnt.quota_dropped_events);
	cJSON_AddNumberToObject(c, "flood_dropped", (double)d->cnt.flood_dropped);
	cJSON_AddNumberToObject(c, "reloads", (double)d->cnt.reloads);
	cJSON_AddNumberToObject(c, "reloads_refused", (double)d->cnt.reloads_refused);
	devices_status_json(d, o);
	/* what is live now: the first line of hazardctl status */
	{
		struct live_counts lc;

		if (store_live_counts(d->store, &lc) == 0) {
			l = cJSON_AddObjectToObject(o, "live_records");
			cJSON_AddNumberToObject(l, "alarms", lc.alarms);
			cJSON_AddNumberToObject(l, "faults", lc.faults);
			cJSON_AddNumberToObject(l, "hazards", lc.hazards);
			cJSON_AddNumberToObject(l, "hazards_overdue", lc.hazards_overdue);
		}
	}
	cJSON_AddStringToObject(o, "timezone", d->cfg->summary.timezone);
	/* life cycle: hazards that came back after a write-off, per site */
	cJSON_AddItemToObject(o, "recurrences", store_recurrences_by_site(d->store));
	cJSON_AddBoolToObject(o, "clock_trusted", clock_trusted());
	/* the platform's thresholds over the file's, also sent upstream with
	 * the status message; hazardctl rules shows every value in force */
	cJSON_AddItemToObject(o, "rule_overrides", rule_overrides_doc(d->store));
	if (d->gpio || d->il)
		cJSON_AddItemToObject(o, "gpio", gpio_status_json(d));
	if (d->dl)
		cJSON_AddItemToObject(o, "commands", downlink_status_json(d->dl));
	if (d->retry)
		cJSON_AddItemToObject(o, "storage", pass_retry_status_json(d->retry));
	/* alert channels' health, when alerts have a channel */
	if (d->alerts && (d->cfg->alerts.modem.device[0] || d->cfg->alerts.n_webhooks))
		cJSON_AddItemToObject(o, "alerts", alerts_status_json(d));
	/* the epoch new ids carry, and whether this start had to change it */
	l = cJSON_AddObjectToObject(o, "ids");
	cJSON_AddStringToObject(l, "epoch", store_epoch(d->store));
	cJSON_AddBoolToObject(l, "history_lost", store_history_fault(d->store) != NULL);
	if (store_history_fault(d->store))
		cJSON_AddStringToObject(l, "detail", store_history_fault(d->store));
	return o;
}

int daemon_close_hazard(struct daemon *d, const char *hazard_id, const char *actor,
			const char *note, char *err, size_t errlen)
{
	return daemon_hazard_transition(d, hazard_id, RA_CLOSE, actor, note, NULL,
					err, errlen);
}


void loop_notify_line(const struct daemon *d, char *buf, size_t len)
{
	snprintf(buf, len, "local %s, upstream %s%s%s, outbox %lld, queue %d",
		 d->local_connected ? "connected" : "down",
		 d->upstream_connected ? "connected" :
		 d->cfg && d->cfg->upstream.n_uris == 0 ? "not configured" : "down",
		 d->upstream_connected && d->upstream_uri[0] ? " to " : "",
		 d->upstream_connected ? d->upstream_uri : "",
		 (long long)d->outbox_depth, d->intake_queue_depth);
}

/* a link that comes up or goes down is told at once */
unsigned loop_notify_links(const struct daemon *d)
{
	return (d->local_connected ? 1u : 0u) | (d->upstream_connected ? 2u : 0u);
}
