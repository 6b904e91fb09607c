/*
 * fuzz_downlink.c: libFuzzer target for the downlink command surface, the
 * part of the gateway that anyone able to publish on the platform's broker
 * can reach: envelope parsing, the HMAC-SHA256 check, the timestamp window
 * and replay cache, then each command's body validation and action (ack,
 * close, status, hazards, set-rules, resend, summary) against a real
 * SQLite store.
 *
 * Input: one mode byte, then "<command name>\n<rest>".
 *   'S'  rest is a command body; the target signs it with the fixed test
 *        key (FUZZ_KEY below) exactly as the platform
 *        would, so mutations reach the body validation behind the HMAC.
 *        The first "NOW" in the body becomes the current time in ms, so
 *        seeds stay inside the timestamp window.
 *   else rest is the envelope as published (unsigned, badly signed,
 *        malformed, oversized...).
 * The message goes through the same queue and downlink_run() as in the
 * daemon; the upstream link is never connected, so replies that would be
 * published directly are dropped, and stored ones land in the outbox.
 * Each input gets a fresh downlink with an empty replay cache (the stored
 * one is not loaded), so a seed is not refused as a replay of the one
 * before.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

#define FUZZ_KEY "fuzz-test-key-0123456789abcdef"

static struct config cfg;
static struct daemon dmn;
static struct uplink *up;
static int wake_fd = -1;
/* tmpfs when there is one: every accepted command commits (fsync) */
static char dir[64];

static void fuzz_cleanup(void)
{
	char p[512];

	if (dmn.store)
		store_close(dmn.store);
	uplink_free(up);
	rules_states_free(dmn.dev_state, cfg.n_devices);
	config_free(&cfg);
	for (const char *const *n = (const char *const[]){ "hz.db", "hz.db-wal",
		"hz.db-shm", "hz.db.hwm", "hz.json", "key", NULL }; *n; n++) {
		snprintf(p, sizeof p, "%s/%s", dir, *n);
		unlink(p);
	}
	rmdir(dir);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static int fuzz_init(void)
{
	char p[512], key[512], db[512], err[1024], errs[4096], *json;

	snprintf(dir, sizeof dir, "%s/hazardd-fuzz-dl.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	/* the refusals are logged (rate-limited); errors only, or the log
	 * costs more than the code under test.  FUZZ_LOG=1 shows them. */
	if (!getenv("FUZZ_LOG"))
		log_set_level(LOG_LVL_ERR);
	snprintf(key, sizeof key, "%s/key", dir);
	write_text(key, FUZZ_KEY "\n");
	snprintf(db, sizeof db, "%s/hz.db", dir);
	snprintf(p, sizeof p, "%s/hz.json", dir);
	if (asprintf(&json,
		     "{\"gateway\":{\"id\":\"gw-fuzz\",\"district\":\"fz\"},"
		     "\"storage\":{\"path\":\"%s\"},"
		     "\"local\":{\"uri\":\"tcp://127.0.0.1:9\"},"
		     "\"upstream\":{\"uris\":[\"tcp://127.0.0.1:9\"],"
		     "\"command_key_file\":\"%s\",\"command_window_s\":300},"
		     "\"control\":{\"socket\":\"%s/ctl.sock\"},"
		     "\"sites\":[{\"id\":\"s1\",\"kind\":\"restaurant\"}],"
		     "\"devices\":[{\"id\":\"gas-1\",\"kind\":\"gas_detector\",\"site\":\"s1\","
		     "\"topic\":\"t/gas-1\"},{\"id\":\"smoke-1\",\"kind\":\"smoke_alarm\","
		     "\"site\":\"s1\",\"topic\":\"t/smoke-1\"}]}", db, key, dir) < 0)
		abort();
	write_text(p, json);
	free(json);
	if (config_load(p, &cfg, errs, sizeof errs) != 0) {
		fprintf(stderr, "fuzz_downlink: config: %s\n", errs);
		abort();
	}
	chmod(key, 0600);
	dmn.cfg = &cfg;
	dmn.dev_state = rules_states_new(cfg.devices, cfg.n_devices);
	dmn.store = store_open(db, err, sizeof err);
	wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!dmn.dev_state || !dmn.store || wake_fd < 0) {
		fprintf(stderr, "fuzz_downlink: store: %s\n", err);
		abort();
	}
	up = uplink_new(&cfg, store_epoch(dmn.store), wake_fd, err, sizeof err);
	if (!up) {
		fprintf(stderr, "fuzz_downlink: uplink: %s\n", err);
		abort();
	}
	dmn.up = up;
	atexit(fuzz_cleanup);
	return 0;
}

static cJSON *fuzz_status(struct daemon *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "outbox_depth", (double)store_outbox_count(d->store));
	return o;
}

/* The envelope the platform publishes for body on topic. */
static char *sign(const char *topic, const char *body)
{
	unsigned char mac[CMD_MAC_LEN];
	char hex[2 * CMD_MAC_LEN + 1], *env;
	cJSON *o;

	if (cmd_hmac((const unsigned char *)FUZZ_KEY, strlen(FUZZ_KEY), topic, body, mac) < 0)
		abort();
	cmd_hex(mac, CMD_MAC_LEN, hex);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "body", body);
	cJSON_AddStringToObject(o, "sig", hex);
	env = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return env;
}

/* body with its first "NOW" replaced by the wall clock in ms */
static char *with_now(const char *body)
{
	const char *at = strstr(body, "NOW");
	char *out;

	if (!at)
		return strdup(body);
	if (asprintf(&out, "%.*s%lld%s", (int)(at - body), body, (long long)now_wall_ms(),
		     at + 3) < 0)
		return NULL;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	char topic[TOPIC_MAX], prefix[TOPIC_MAX], err[256];
	char *text, *nl, *payload, *body = NULL, *env = NULL;
	struct downlink *dl;
	bool signed_mode;
	uint64_t drain;

	if (!ready)
		ready = fuzz_init() == 0;
	if (size < 1)
		return 0;
	signed_mode = data[0] == 'S';
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	uplink_topic(&cfg, "cmd/", prefix, sizeof prefix);
	nl = memchr(text, '\n', size - 1);
	/* a topic that does not fit is not one the platform can publish */
	if (nl && (size_t)(nl - text) < 64) {
		*nl = '\0';
		if (snprintf(topic, sizeof topic, "%s%s", prefix, text) >= (int)sizeof topic)
			goto out;
		payload = nl + 1;
	} else {
		if (snprintf(topic, sizeof topic, "%sstatus", prefix) >= (int)sizeof topic)
			goto out;
		payload = text;
	}
	if (signed_mode) {
		body = with_now(payload);
		env = body ? sign(topic, body) : NULL;
		if (!env)
			goto out;
		payload = env;
	}

	dl = downlink_new(&cfg, wake_fd, &(struct downlink_hooks){ .status = fuzz_status },
			  err, sizeof err);
	if (!dl) {
		fprintf(stderr, "fuzz_downlink: %s\n", err);
		abort();
	}
	/* the length as received: with embedded NULs, what Paho would hand over */
	if (msgq_push(downlink_queue(dl), topic, payload,
		      signed_mode ? strlen(payload) : size - 1 - (size_t)(payload - text),
		      downlink_max_bytes(), now_wall_ms(), MSGQ_NORMAL) == 0)
		downlink_run(dl, &dmn, up);
	downlink_free(dl);
	if (read(wake_fd, &drain, sizeof drain) < 0) {
		/* nothing to drain: fine */
	}
out:
	free(env);
	free(body);
	free(text);
	return 0;
}
