/*
 * upstream_rx.c: the benchmark's receiver (issue 8).
 *
 * Subscribes (QoS 1) to topics on a broker, timestamps every arrival
 * (CLOCK_REALTIME, µs, the clock loadgen stamps sends with) and counts
 * distinct records:
 *
 *   --mode hazardd   hazardd's upstream protocol: distinct readings in
 *                    .../telemetry batches (by "energy_kwh" when loadgen
 *                    --tag put its bench_seq there, else by the row's
 *                    "seq"); distinct record events (by "msg_id") of each
 *                    kind: alarm events on .../alarm, fault events on
 *                    .../fault, hazard events on .../hazard (a "v":1
 *                    event on .../hazard, queued before an upgrade, is
 *                    counted as the kind its type says: docs/protocol.md
 *                    "Reading version 1 and version 2").  A "raised" alarm
 *                    event on an alarm device is one alarm arrival.
 *   --mode raw       device messages as published (a bridge forwards them
 *                    untouched, or a bare subscriber drains the local
 *                    broker): distinct by "bench_seq"; a message on
 *                    t/<alarm_prefix>... is one alarm arrival.
 *
 * Alarm latency = arrival - send, the send time read from loadgen's
 * --sends file at exit (the file exists only once loadgen finished).
 * Runs until --expect records arrived, --idle seconds passed without a
 * message (after the first), --timeout, or SIGTERM; then writes one JSON
 * object to --out (or stdout).  SIGUSR1 marks "the upstream is back": the
 * JSON then has the records counted before it and the drain rate after it
 * (records / (last arrival - first arrival after the mark)).  --prime
 * connects, subscribes and exits: it creates a persistent session so that
 * a later run finds a backlog waiting.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <MQTTAsync.h>
#include <cJSON.h>

#define RX_MAX_TOPICS 8

/* The record kinds of hazardd's protocol v2, each on its own topic. */
enum rx_kind { RX_ALARM = 0, RX_FAULT, RX_HAZARD, RX_KIND_COUNT };
static const char *const rx_kind_topic[RX_KIND_COUNT] = {
	"/alarm", "/fault", "/hazard"
};

/* A v1 hazard event's type says what it really was (docs/protocol.md). */
static const char *const rx_v1_alarm_types[] = {
	"gas_leak", "co_alarm", "smoke_alarm", "charger_overtemp",
	"charger_overcurrent", "charger_overpower", NULL
};
static const char *const rx_v1_fault_types[] = {
	"device_offline", "low_battery", "tamper", "detector_fault",
	"command_failed", "storage_fault", "payload_unreadable", NULL
};

struct rx_opts {
	const char *host;
	int         port;
	const char *topics[RX_MAX_TOPICS];
	int         n_topics;
	const char *client_id;
	const char *mode;               /* "hazardd" or "raw" */
	const char *alarm_prefix;
	const char *sends_path;
	const char *out_path;
	const char *ready_path;
	int         clean;              /* clean session */
	int         prime;
	long        expect;             /* stop after this many records */
	double      idle_s;
	double      timeout_s;
};

/* A set of integers (readings seq, bench_seq): a growable bitmap. */
struct rx_bits {
	unsigned char *b;
	size_t nbytes;
};

/* A set of strings (msg_id): open addressing, grown at half load. */
struct rx_strset {
	char  **slot;
	size_t  cap, n;
};

struct rx_arrival {
	char    key[64];                /* device id */
	int64_t at_us;
};

struct rx_state {
	pthread_mutex_t lock;
	struct rx_opts *o;
	struct rx_bits  records;
	struct rx_strset event_ids;     /* msg_id of every record event */
	struct rx_arrival *arr;         /* first alarm arrivals, unmatched yet */
	size_t  n_arr, cap_arr;
	long    messages, n_records, dup_records;
	long    events[RX_KIND_COUNT];  /* distinct record events per kind */
	long    v1_events;              /* of those, "v":1 on .../hazard */
	long    dup_events;             /* record events seen again (resends) */
	long    bad_payload;
	/* last_alarm_us: the last alarm arrival (hazardd: an alarm event;
	 * raw: an alarm device's message); last_event_us: the last record
	 * event of any kind */
	int64_t first_us, last_us, last_alarm_us, last_event_us, last_record_us;
	int64_t mark_us, first_after_mark_us;   /* SIGUSR1: upstream restored */
	long    mark_records;
	int     subscribed;
	int     connected;
};

static struct rx_state rx = { .lock = PTHREAD_MUTEX_INITIALIZER };
static volatile sig_atomic_t rx_stop, rx_mark;

static int64_t rx_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void rx_on_signal(int sig)
{
	if (sig == SIGUSR1)
		rx_mark = 1;
	else
		rx_stop = 1;
}

/* Returns 1 if v was new, 0 if already present, -1 out of memory. */
static int rx_bits_add(struct rx_bits *s, long v)
{
	size_t byte;

	if (v < 0)
		return 1;       /* no usable key: count it, cannot dedupe */
	byte = (size_t)v / 8;
	if (byte >= s->nbytes) {
		size_t n = s->nbytes ? s->nbytes : 4096;
		unsigned char *nb;

		while (n <= byte)
			n *= 2;
		nb = realloc(s->b, n);
		if (!nb)
			return -1;
		memset(nb + s->nbytes, 0, n - s->nbytes);
		s->b = nb;
		s->nbytes = n;
	}
	if (s->b[byte] & (1u << (v % 8)))
		return 0;
	s->b[byte] |= (unsigned char)(1u << (v % 8));
	return 1;
}

static uint64_t rx_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static int rx_strset_add(struct rx_strset *s, const char *key)
{
	size_t i;

	if (s->n * 2 >= s->cap) {
		struct rx_strset g = { .cap = s->cap ? s->cap * 2 : 1024 };

		g.slot = calloc(g.cap, sizeof *g.slot);
		if (!g.slot)
			return -1;
		for (i = 0; i < s->cap; i++) {
			size_t j;

			if (!s->slot[i])
				continue;
			for (j = rx_hash(s->slot[i]) % g.cap; g.slot[j]; j = (j + 1) % g.cap)
				;
			g.slot[j] = s->slot[i];
		}
		g.n = s->n;
		free(s->slot);
		*s = g;
	}
	for (i = rx_hash(key) % s->cap; s->slot[i]; i = (i + 1) % s->cap)
		if (strcmp(s->slot[i], key) == 0)
			return 0;
	s->slot[i] = strdup(key);
	if (!s->slot[i])
		return -1;
	s->n++;
	return 1;
}

static void rx_arrival_add(const char *key, int64_t at_us)
{
	if (rx.n_arr == rx.cap_arr) {
		size_t n = rx.cap_arr ? rx.cap_arr * 2 : 1024;
		struct rx_arrival *na = realloc(rx.arr, n * sizeof *na);

		if (!na)
			return;
		rx.arr = na;
		rx.cap_arr = n;
	}
	snprintf(rx.arr[rx.n_arr].key, sizeof rx.arr[0].key, "%s", key);
	rx.arr[rx.n_arr].at_us = at_us;
	rx.n_arr++;
}

static void rx_record(long key, int64_t at_us)
{
	int r = rx_bits_add(&rx.records, key);

	if (r == 0) {
		rx.dup_records++;
		return;
	}
	rx.n_records++;
	rx.last_record_us = at_us;
	if (rx.mark_us && !rx.first_after_mark_us && at_us >= rx.mark_us)
		rx.first_after_mark_us = at_us;
}

static int rx_in(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* The kind of a "v":1 event on .../hazard, by its type. */
static int rx_v1_kind(const cJSON *type)
{
	if (!cJSON_IsString(type))
		return RX_HAZARD;
	if (rx_in(rx_v1_alarm_types, type->valuestring))
		return RX_ALARM;
	if (rx_in(rx_v1_fault_types, type->valuestring))
		return RX_FAULT;
	return RX_HAZARD;       /* overcharge */
}

static void rx_hazardd(const char *topic, cJSON *root, int64_t at_us)
{
	const char *slash = strrchr(topic, '/');
	const cJSON *it;

	if (!slash)
		return;
	if (strcmp(slash, "/telemetry") == 0) {
		cJSON *rd = cJSON_GetObjectItemCaseSensitive(root, "readings");

		cJSON_ArrayForEach(it, rd) {
			const cJSON *seq = cJSON_GetObjectItemCaseSensitive(it, "seq");
			/* loadgen --tag: the device message's own number, so a
			 * message redelivered after a crash counts once */
			const cJSON *tag = cJSON_GetObjectItemCaseSensitive(it, "energy_kwh");

			if (cJSON_IsNumber(tag))
				seq = tag;
			rx_record(cJSON_IsNumber(seq) ? (long)seq->valuedouble : -1, at_us);
		}
	} else {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "msg_id");
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "event");
		const cJSON *dev = cJSON_GetObjectItemCaseSensitive(root, "device");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
		size_t plen = strlen(rx.o->alarm_prefix);
		int k;

		for (k = 0; k < RX_KIND_COUNT; k++)
			if (strcmp(slash, rx_kind_topic[k]) == 0)
				break;
		if (k == RX_KIND_COUNT)
			return;         /* status, summary, reply: not records */
		if (cJSON_IsString(id) && rx_strset_add(&rx.event_ids, id->valuestring) == 0) {
			rx.dup_events++;
			return;
		}
		if (k == RX_HAZARD && cJSON_IsNumber(v) && v->valuedouble == 1) {
			k = rx_v1_kind(cJSON_GetObjectItemCaseSensitive(root, "type"));
			rx.v1_events++;
		}
		rx.events[k]++;
		rx.last_event_us = at_us;
		if (k != RX_ALARM)
			return;
		rx.last_alarm_us = at_us;
		if (cJSON_IsString(ev) && strcmp(ev->valuestring, "raised") == 0 &&
		    cJSON_IsString(dev) &&
		    strncmp(dev->valuestring, rx.o->alarm_prefix, plen) == 0)
			rx_arrival_add(dev->valuestring, at_us);
	}
}

static void rx_raw(const char *topic, cJSON *root, int64_t at_us)
{
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(root, "bench_seq");
	const char *dev = strrchr(topic, '/');
	size_t plen = strlen(rx.o->alarm_prefix);
	long before = rx.n_records;

	rx_record(cJSON_IsNumber(seq) ? (long)seq->valuedouble : -1, at_us);
	dev = dev ? dev + 1 : topic;
	if (rx.n_records > before && strncmp(dev, rx.o->alarm_prefix, plen) == 0) {
		rx.last_alarm_us = at_us;
		rx_arrival_add(dev, at_us);
	}
}

static int rx_on_message(void *ctx, char *topic, int tlen, MQTTAsync_message *m)
{
	int64_t at_us = rx_now_us();
	cJSON *root;

	(void)ctx;
	(void)tlen;
	root = cJSON_ParseWithLength(m->payload, (size_t)m->payloadlen);
	pthread_mutex_lock(&rx.lock);
	rx.messages++;
	if (!rx.first_us)
		rx.first_us = at_us;
	rx.last_us = at_us;
	if (!root)
		rx.bad_payload++;
	else if (strcmp(rx.o->mode, "hazardd") == 0)
		rx_hazardd(topic, root, at_us);
	else
		rx_raw(topic, root, at_us);
	pthread_mutex_unlock(&rx.lock);
	cJSON_Delete(root);
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static void rx_on_subscribed(void *ctx, MQTTAsync_successData *resp)
{
	(void)ctx;
	(void)resp;
	rx.subscribed = 1;
}

static void rx_on_connected(void *ctx, char *cause)
{
	MQTTAsync client = ctx;
	MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
	char *topics[RX_MAX_TOPICS];
	int qos[RX_MAX_TOPICS], i;

	(void)cause;
	rx.connected = 1;
	for (i = 0; i < rx.o->n_topics; i++) {
		topics[i] = (char *)rx.o->topics[i];
		qos[i] = 1;
	}
	ro.onSuccess = rx_on_subscribed;
	ro.context = client;
	/* on every (re)connect: a broker restarted without persistence forgot us */
	MQTTAsync_subscribeMany(client, rx.o->n_topics, topics, qos, &ro);
}

static void rx_on_lost(void *ctx, char *cause)
{
	(void)ctx;
	(void)cause;
	rx.connected = 0;
}

static int rx_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[n], p in [0,100]. */
static double rx_pct(const int64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return -1;
	k = (size_t)ceil(p / 100.0 * (double)n);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (double)v[k - 1] / 1000.0;
}

static int rx_cmp_arrival(const void *a, const void *b)
{
	return strcmp(((const struct rx_arrival *)a)->key,
		      ((const struct rx_arrival *)b)->key);
}

/*
 * Match the first arrival per alarm device with its send time.  Arrivals
 * are sorted by key; qsort is not stable, so take the earliest per key.
 */
static void rx_report(FILE *f, double elapsed_s)
{
	struct rx_arrival *a = rx.arr;
	int64_t *lat = NULL;
	size_t n_lat = 0, n_sends = 0;
	FILE *s = rx.o->sends_path ? fopen(rx.o->sends_path, "r") : NULL;
	char key[64];
	long long send_us;
	double span, drain = 0;

	qsort(a, rx.n_arr, sizeof *a, rx_cmp_arrival);
	if (s) {
		lat = calloc(rx.n_arr + 1, sizeof *lat);
		while (lat && fscanf(s, "%63s %lld", key, &send_us) == 2) {
			struct rx_arrival k, *hit;
			int64_t best = INT64_MAX;

			n_sends++;
			snprintf(k.key, sizeof k.key, "%s", key);
			hit = bsearch(&k, a, rx.n_arr, sizeof *a, rx_cmp_arrival);
			if (!hit)
				continue;
			/* back up to the first entry with this key */
			while (hit > a && strcmp(hit[-1].key, key) == 0)
				hit--;
			for (; hit < a + rx.n_arr && strcmp(hit->key, key) == 0; hit++)
				if (hit->at_us < best)
					best = hit->at_us;
			lat[n_lat++] = best - send_us;
		}
		fclose(s);
		qsort(lat, n_lat, sizeof *lat, rx_cmp_i64);
	}
	if (rx.first_after_mark_us && rx.last_record_us > rx.first_after_mark_us)
		drain = (double)(rx.n_records - rx.mark_records) * 1e6 /
			(double)(rx.last_record_us - rx.first_after_mark_us);
	span = rx.last_record_us > rx.first_us ?
		(double)(rx.last_record_us - rx.first_us) / 1e6 : 0;
	/* "records" are readings (hazardd) or device messages (raw); record
	 * events are alarm, fault and hazard events, counted apart */
	fprintf(f, "{\"mode\":\"%s\",\"messages\":%ld,\"records\":%ld,"
		"\"dup_records\":%ld,\"alarm_events\":%ld,\"fault_events\":%ld,"
		"\"hazard_events\":%ld,\"v1_events\":%ld,\"dup_record_events\":%ld,"
		"\"bad_payload\":%ld,\"first_us\":%lld,\"last_us\":%lld,"
		"\"last_record_us\":%lld,\"last_alarm_us\":%lld,"
		"\"last_record_event_us\":%lld,\"elapsed_s\":%.3f,"
		"\"record_rate\":%.1f,\"mark_us\":%lld,\"mark_records\":%ld,"
		"\"first_after_mark_us\":%lld,\"drain_rate\":%.1f,"
		"\"alarms_sent\":%zu,\"alarms_matched\":%zu",
		rx.o->mode, rx.messages, rx.n_records, rx.dup_records,
		rx.events[RX_ALARM], rx.events[RX_FAULT], rx.events[RX_HAZARD],
		rx.v1_events, rx.dup_events, rx.bad_payload, (long long)rx.first_us,
		(long long)rx.last_us, (long long)rx.last_record_us,
		(long long)rx.last_alarm_us, (long long)rx.last_event_us, elapsed_s,
		span > 0 ? (double)rx.n_records / span : 0.0, (long long)rx.mark_us,
		rx.mark_records, (long long)rx.first_after_mark_us, drain, n_sends, n_lat);
	if (n_lat > 0)
		fprintf(f, ",\"lat_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
			"\"p999\":%.3f,\"max\":%.3f}",
			rx_pct(lat, n_lat, 50), rx_pct(lat, n_lat, 90),
			rx_pct(lat, n_lat, 99), rx_pct(lat, n_lat, 99.9),
			rx_pct(lat, n_lat, 100));
	fprintf(f, "}\n");
	free(lat);
}

static void rx_usage(FILE *f)
{
	fprintf(f,
		"usage: upstream_rx [options]\n"
		"  -H HOST -p PORT     broker (127.0.0.1:1883)\n"
		"  -t TOPIC            subscribe (repeatable; hz/v1/# by default)\n"
		"  --mode M            hazardd | raw (hazardd)\n"
		"  --client-id ID      (upstream_rx-<pid>)\n"
		"  --persistent        clean session off (a stable --client-id needed)\n"
		"  --prime             connect, subscribe, exit (create the session)\n"
		"  --alarm-prefix P    alarm device ids start with P (a)\n"
		"  --sends FILE        loadgen's alarm send log, read at exit\n"
		"  --expect N          stop after N distinct records\n"
		"  --idle S            stop S s after the last message (0: never)\n"
		"  --timeout S         stop after S s in any case (600)\n"
		"  --out FILE          JSON result (stdout)\n"
		"  --ready FILE        created once subscribed\n");
}

static int rx_parse(int argc, char **argv, struct rx_opts *o)
{
	static const struct option lo[] = {
		{ "mode", required_argument, NULL, 1 },
		{ "client-id", required_argument, NULL, 2 },
		{ "persistent", no_argument, NULL, 3 },
		{ "prime", no_argument, NULL, 4 },
		{ "alarm-prefix", required_argument, NULL, 5 },
		{ "sends", required_argument, NULL, 6 },
		{ "expect", required_argument, NULL, 7 },
		{ "idle", required_argument, NULL, 8 },
		{ "timeout", required_argument, NULL, 9 },
		{ "out", required_argument, NULL, 10 },
		{ "ready", required_argument, NULL, 11 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "H:p:t:h", lo, NULL)) != -1) {
		errno = 0;
		end = NULL;
		switch (ch) {
		case 'H': o->host = optarg; break;
		case 'p': o->port = (int)strtol(optarg, &end, 10); break;
		case 't':
			if (o->n_topics == RX_MAX_TOPICS)
				return -1;
			o->topics[o->n_topics++] = optarg;
			break;
		case 1: o->mode = optarg; break;
		case 2: o->client_id = optarg; break;
		case 3: o->clean = 0; break;
		case 4: o->prime = 1; break;
		case 5: o->alarm_prefix = optarg; break;
		case 6: o->sends_path = optarg; break;
		case 7: o->expect = strtol(optarg, &end, 10); break;
		case 8: o->idle_s = strtod(optarg, &end); break;
		case 9: o->timeout_s = strtod(optarg, &end); break;
		case 10: o->out_path = optarg; break;
		case 11: o->ready_path = optarg; break;
		case 'h': rx_usage(stdout); exit(0);
		default: return -1;
		}
		if (end && (*end != '\0' || errno != 0)) {
			fprintf(stderr, "upstream_rx: bad number \"%s\"\n", optarg);
			return -1;
		}
	}
	if (optind != argc || o->port < 1 || o->port > 65535 ||
	    (strcmp(o->mode, "hazardd") && strcmp(o->mode, "raw")))
		return -1;
	if (o->n_topics == 0)
		o->topics[o->n_topics++] = "hz/v1/#";
	return 0;
}

int main(int argc, char **argv)
{
	struct rx_opts o = {
		.host = "127.0.0.1", .port = 1883, .mode = "hazardd", .alarm_prefix = "a",
		.clean = 1, .timeout_s = 600,
	};
	MQTTAsync_connectOptions cn = MQTTAsync_connectOptions_initializer;
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	MQTTAsync client;
	struct timespec tick = { 0, 2000000 };
	char uri[300], cid[64];
	int64_t t0, last_seen = 0;
	long last_msgs = -1;
	FILE *out = stdout;
	int rc;

	if (rx_parse(argc, argv, &o) < 0) {
		rx_usage(stderr);
		return 2;
	}
	rx.o = &o;
	signal(SIGINT, rx_on_signal);
	signal(SIGTERM, rx_on_signal);
	signal(SIGUSR1, rx_on_signal);
	if (!o.client_id) {
		snprintf(cid, sizeof cid, "upstream_rx-%d", (int)getpid());
		o.client_id = cid;
	}
	snprintf(uri, sizeof uri, "tcp://%s:%d", o.host, o.port);
	rc = MQTTAsync_createWithOptions(&client, uri, o.client_id,
					 MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc != MQTTASYNC_SUCCESS) {
		fprintf(stderr, "upstream_rx: create: %s\n", MQTTAsync_strerror(rc));
		return 1;
	}
	MQTTAsync_setCallbacks(client, NULL, rx_on_lost, rx_on_message, NULL);
	MQTTAsync_setConnected(client, client, rx_on_connected);
	cn.cleansession = o.clean;
	cn.keepAliveInterval = 20;
	/* the upstream broker goes away in the outage scenario: keep trying */
	cn.automaticReconnect = 1;
	cn.minRetryInterval = 1;
	cn.maxRetryInterval = 1;
	if ((rc = MQTTAsync_connect(client, &cn)) != MQTTASYNC_SUCCESS) {
		fprintf(stderr, "upstream_rx: connect: %s\n", MQTTAsync_strerror(rc));
		return 1;
	}
	t0 = rx_now_us();
	while (!rx_stop) {
		int64_t now = rx_now_us();

		nanosleep(&tick, NULL);
		if (rx.subscribed && o.ready_path) {
			FILE *r = fopen(o.ready_path, "w");

			if (r)
				fclose(r);
			o.ready_path = NULL;
		}
		if (rx.subscribed && o.prime)
			break;
		pthread_mutex_lock(&rx.lock);
		if (rx_mark) {
			rx_mark = 0;
			rx.mark_us = now;
			rx.mark_records = rx.n_records;
		}
		if (rx.messages != last_msgs) {
			last_msgs = rx.messages;
			last_seen = now;
		}
		if (o.expect > 0 && rx.n_records >= o.expect)
			rx_stop = 1;
		if (o.idle_s > 0 && rx.messages > 0 && now - last_seen > o.idle_s * 1e6)
			rx_stop = 1;
		pthread_mutex_unlock(&rx.lock);
		if (now - t0 > o.timeout_s * 1e6)
			break;
	}
	MQTTAsync_disconnect(client, NULL);
	nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	pthread_mutex_lock(&rx.lock);
	if (!o.prime) {
		if (o.out_path && !(out = fopen(o.out_path, "w"))) {
			fprintf(stderr, "upstream_rx: %s: %s\n", o.out_path, strerror(errno));
			return 1;
		}
		rx_report(out, (double)(rx_now_us() - t0) / 1e6);
		if (out != stdout)
			fclose(out);
	}
	pthread_mutex_unlock(&rx.lock);
	MQTTAsync_destroy(&client);
	return rx.subscribed || !o.prime ? 0 : 1;
}
