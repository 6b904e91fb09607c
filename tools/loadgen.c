/*
 * loadgen.c: simulated devices for the benchmark (issue 8).
 *
 * One Paho async client publishes QoS 1 messages for N devices to the local
 * broker, paced to a rate (or as fast as the in-flight window allows).  Each
 * background message goes to t/<prefix><i> in round robin; alarms go to
 * t/<alarm_prefix><k>, one device per alarm, so that the alarm raised
 * upstream (its "raised" alarm event on .../alarm) names its device and
 * therefore its send.  Every payload carries
 * "bench_seq" and "bench_ts" (µs, CLOCK_REALTIME), which the native decoder
 * ignores and a bridge forwards untouched.
 *
 * The in-flight window is bounded here because Paho refuses publishes with
 * MQTTASYNC_MAX_BUFFERED_MESSAGES once ~100 are waiting (DESIGN.md facts);
 * maxBufferedMessages is raised above the window as a second guard.
 *
 * At exit it prints one JSON object (sent, acked, failed, skipped, elapsed_s,
 * rate) and, with --sends FILE, writes "<device> <send_us>" for every alarm
 * the broker acknowledged: the receiver matches arrivals against it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <MQTTAsync.h>

struct lg_opts {
	const char *host;
	int         port;
	const char *client_id;
	const char *prefix;             /* background device ids: <prefix><i> */
	const char *alarm_prefix;       /* alarm device ids: <alarm_prefix><k> */
	const char *sends_path;
	const char *format;             /* native | z2m | mixed */
	const char *username;           /* a broker with passwords: log in */
	const char *password_file;      /* its first line is the password */
	long        devices;
	double      rate;               /* msg/s; 0 = as fast as possible */
	long        total;              /* messages, alarms included */
	double      duration_s;         /* alternative to total */
	long        alarms;             /* alarm messages within total */
	long        alarm_base;         /* first alarm device number */
	int         window;             /* publishes awaiting PUBACK */
	double      drain_s;            /* wait this long for the last PUBACKs */
	int         no_ts;              /* leave "ts" out: hazardd stamps receipt */
	int         tag;                /* bench_seq also as energy_kwh (stored) */
};

static atomic_long lg_acked, lg_failed, lg_inflight;
static atomic_int lg_connected;
static unsigned char *lg_alarm_acked;   /* per alarm: PUBACK seen */
static volatile sig_atomic_t lg_stop;

static int64_t lg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t lg_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void lg_sleep_us(int64_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !lg_stop)
		;
}

static void lg_on_signal(int sig)
{
	(void)sig;
	lg_stop = 1;
}

/* The response context carries the alarm number + 1 (0: not an alarm). */
static void lg_on_ok(void *ctx, MQTTAsync_successData *resp)
{
	long alarm = (long)(intptr_t)ctx;

	(void)resp;
	if (alarm > 0)
		lg_alarm_acked[alarm - 1] = 1;
	atomic_fetch_add(&lg_acked, 1);
	atomic_fetch_sub(&lg_inflight, 1);
}

static void lg_on_fail(void *ctx, MQTTAsync_failureData *resp)
{
	(void)ctx;
	(void)resp;
	atomic_fetch_add(&lg_failed, 1);
	atomic_fetch_sub(&lg_inflight, 1);
}

static void lg_on_connected(void *ctx, char *cause)
{
	(void)ctx;
	(void)cause;
	atomic_store(&lg_connected, 1);
}

static void lg_on_lost(void *ctx, char *cause)
{
	(void)ctx;
	(void)cause;
	atomic_store(&lg_connected, 0);
}

static int lg_on_message(void *ctx, char *topic, int len, MQTTAsync_message *m)
{
	(void)ctx;
	(void)len;
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

/*
 * Realistic sizes: a native gas detector report (~190 bytes with the extra
 * fields real firmware adds) or a zigbee2mqtt-style smoke/gas sensor object
 * (~230 bytes).  Values wander so that rules and compression see real data.
 */
static int lg_payload(char *buf, size_t len, const char *fmt, long dev, long seq,
		      int64_t ts_us, int alarm, int no_ts, int tag)
{
	char ts[32] = "", en[48] = "";

	double lel = (double)((seq * 7 + dev) % 40) / 10.0;
	int battery = 60 + (int)(dev % 40);
	double temp = 18.0 + (double)((seq + dev) % 80) / 10.0;

	/* hazardd stores only the fields it knows, so a message that must be
	 * told apart from a redelivered copy carries its number in one */
	if (tag)
		snprintf(en, sizeof en, "\"%s\":%ld,",
			 strcmp(fmt, "z2m") == 0 || (strcmp(fmt, "mixed") == 0 && dev % 2) ?
			 "energy" : "energy_kwh", seq);
	if (strcmp(fmt, "z2m") == 0 || (strcmp(fmt, "mixed") == 0 && dev % 2)) {
		return snprintf(buf, len,
			"{%s\"battery\":%d,\"battery_low\":false,\"gas\":false,\"smoke\":%s,"
			"\"tamper\":false,\"test\":false,\"linkquality\":%ld,"
			"\"voltage\":%d,\"device_temperature\":%.1f,"
			"\"update\":{\"installed_version\":16777241,\"state\":\"idle\"},"
			"\"bench_seq\":%ld,\"bench_ts\":%lld}",
			en, battery, alarm ? "true" : "false", 40 + dev % 200,
			2900 + (int)(dev % 200), temp, seq, (long long)ts_us);
	}
	if (!no_ts)
		snprintf(ts, sizeof ts, "\"ts\":%lld,", (long long)(ts_us / 1000));
	if (alarm)
		return snprintf(buf, len,
			"{%s%s\"smoke\":true,\"battery\":%d,\"fault\":false,"
			"\"tamper\":false,\"linkquality\":%ld,\"fw\":\"2.1.7\","
			"\"bench_seq\":%ld,\"bench_ts\":%lld}",
			ts, en, battery, 40 + dev % 200, seq, (long long)ts_us);
	return snprintf(buf, len,
		"{%s%s\"gas_lel\":%.1f,\"co_ppm\":%d,\"battery\":%d,"
		"\"temp_c\":%.1f,\"fault\":false,\"tamper\":false,\"linkquality\":%ld,"
		"\"voltage_mv\":%d,\"fw\":\"2.1.7\",\"bench_seq\":%ld,\"bench_ts\":%lld}",
		ts, en, lel, (int)(seq % 3), battery, temp,
		40 + dev % 200, 2900 + (int)(dev % 200), seq, (long long)ts_us);
}

static void lg_usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen [options]\n"
		"  -H HOST            broker host (127.0.0.1)\n"
		"  -p PORT            broker port (1883)\n"
		"  -n DEVICES         background devices, ids <prefix><i> (1000)\n"
		"  -r RATE            messages/s, 0 = as fast as the window allows (0)\n"
		"  -N TOTAL           messages to send, alarms included (10000)\n"
		"  -d SECONDS         send for this long instead of -N (needs -r)\n"
		"  -a ALARMS          alarm messages spread evenly through the run (0)\n"
		"  --alarm-ratio R    alarms as a fraction of TOTAL (instead of -a)\n"
		"  --alarm-base K     first alarm device number (0)\n"
		"  --prefix P         background device id prefix (d)\n"
		"  --alarm-prefix P   alarm device id prefix (a)\n"
		"  --format F         native | z2m | mixed (native)\n"
		"  --window W         publishes awaiting PUBACK (1000)\n"
		"  --sends FILE       write \"<device> <send_us>\" per acknowledged alarm\n"
		"  --drain S          wait up to S s for outstanding PUBACKs (30)\n"
		"  --no-ts            no \"ts\" field (hazardd then records receipt time)\n"
		"  --tag              bench_seq also as energy_kwh (zigbee2mqtt: energy),\n"
		"                     a field hazardd stores: upstream_rx then counts\n"
		"                     distinct messages, not rows\n"
		"  --client-id ID     (loadgen-<pid>)\n"
		"  --username U       log in as U (a broker that refuses anonymous clients)\n"
		"  --password-file F  U's password: the first line of F\n");
}

static int lg_parse(int argc, char **argv, struct lg_opts *o)
{
	static const struct option lo[] = {
		{ "alarm-ratio", required_argument, NULL, 1 },
		{ "alarm-base", required_argument, NULL, 2 },
		{ "prefix", required_argument, NULL, 3 },
		{ "alarm-prefix", required_argument, NULL, 4 },
		{ "format", required_argument, NULL, 5 },
		{ "window", required_argument, NULL, 6 },
		{ "sends", required_argument, NULL, 7 },
		{ "drain", required_argument, NULL, 8 },
		{ "client-id", required_argument, NULL, 9 },
		{ "no-ts", no_argument, NULL, 10 },
		{ "tag", no_argument, NULL, 11 },
		{ "username", required_argument, NULL, 12 },
		{ "password-file", required_argument, NULL, 13 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	double ratio = -1;
	char *end;
	int ch;

	while ((ch = getopt_long(argc, argv, "H:p:n:r:N:d:a:h", lo, NULL)) != -1) {
		errno = 0;
		end = NULL;
		switch (ch) {
		case 'H': o->host = optarg; break;
		case 'p': o->port = (int)strtol(optarg, &end, 10); break;
		case 'n': o->devices = strtol(optarg, &end, 10); break;
		case 'r': o->rate = strtod(optarg, &end); break;
		case 'N': o->total = strtol(optarg, &end, 10); break;
		case 'd': o->duration_s = strtod(optarg, &end); break;
		case 'a': o->alarms = strtol(optarg, &end, 10); break;
		case 1: ratio = strtod(optarg, &end); break;
		case 2: o->alarm_base = strtol(optarg, &end, 10); break;
		case 3: o->prefix = optarg; break;
		case 4: o->alarm_prefix = optarg; break;
		case 5: o->format = optarg; break;
		case 6: o->window = (int)strtol(optarg, &end, 10); break;
		case 7: o->sends_path = optarg; break;
		case 8: o->drain_s = strtod(optarg, &end); break;
		case 9: o->client_id = optarg; break;
		case 10: o->no_ts = 1; break;
		case 11: o->tag = 1; break;
		case 12: o->username = optarg; break;
		case 13: o->password_file = optarg; break;
		case 'h': lg_usage(stdout); exit(0);
		default: return -1;
		}
		if (end && (*end != '\0' || errno != 0)) {
			fprintf(stderr, "loadgen: bad number \"%s\"\n", optarg);
			return -1;
		}
	}
	if (optind != argc || o->devices < 1 || o->window < 1 || o->rate < 0 ||
	    o->port < 1 || o->port > 65535)
		return -1;
	if (o->duration_s > 0) {
		if (o->rate <= 0) {
			fprintf(stderr, "loadgen: -d needs -r\n");
			return -1;
		}
		o->total = (long)(o->duration_s * o->rate);
	}
	if (ratio >= 0)
		o->alarms = (long)(ratio * (double)o->total);
	if (o->total < 1 || o->alarms < 0 || o->alarms > o->total)
		return -1;
	if (strcmp(o->format, "native") && strcmp(o->format, "z2m") &&
	    strcmp(o->format, "mixed")) {
		fprintf(stderr, "loadgen: unknown format %s\n", o->format);
		return -1;
	}
	return 0;
}

static int lg_write_sends(const struct lg_opts *o, const int64_t *sent_us)
{
	FILE *f = fopen(o->sends_path, "w");
	long k;

	if (!f)
		return -1;
	for (k = 0; k < o->alarms; k++)
		if (lg_alarm_acked[k])
			fprintf(f, "%s%ld %lld\n", o->alarm_prefix, o->alarm_base + k,
				(long long)sent_us[k]);
	return fclose(f);
}

/* The first line of path, without its newline, in buf; -1 if unreadable. */
static int lg_read_password(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f || !fgets(buf, (int)len, f)) {
		fprintf(stderr, "loadgen: %s: %s\n", path, f ? "empty" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	struct lg_opts o = {
		.host = "127.0.0.1", .port = 1883, .prefix = "d", .alarm_prefix = "a",
		.format = "native", .devices = 1000, .total = 10000, .window = 1000,
		.drain_s = 30,
	};
	MQTTAsync_createOptions co = MQTTAsync_createOptions_initializer;
	MQTTAsync_connectOptions cn = MQTTAsync_connectOptions_initializer;
	MQTTAsync client;
	char uri[300], cid[64], topic[128], payload[512], password[256];
	int64_t *alarm_sent_us, t0, deadline, t_end;
	long seq, alarm_next = 0, skipped = 0, dev_rr = 0;
	double every;
	int rc, plen;

	if (lg_parse(argc, argv, &o) < 0) {
		lg_usage(stderr);
		return 2;
	}
	signal(SIGINT, lg_on_signal);
	signal(SIGTERM, lg_on_signal);
	lg_alarm_acked = calloc((size_t)o.alarms + 1, 1);
	alarm_sent_us = calloc((size_t)o.alarms + 1, sizeof *alarm_sent_us);
	if (!lg_alarm_acked || !alarm_sent_us)
		return 1;
	if (!o.client_id) {
		snprintf(cid, sizeof cid, "loadgen-%d", (int)getpid());
		o.client_id = cid;
	}
	snprintf(uri, sizeof uri, "tcp://%s:%d", o.host, o.port);
	co.sendWhileDisconnected = 0;
	co.maxBufferedMessages = o.window + 100;
	rc = MQTTAsync_createWithOptions(&client, uri, o.client_id,
					 MQTTCLIENT_PERSISTENCE_NONE, NULL, &co);
	if (rc != MQTTASYNC_SUCCESS) {
		fprintf(stderr, "loadgen: create: %s\n", MQTTAsync_strerror(rc));
		return 1;
	}
	MQTTAsync_setCallbacks(client, NULL, lg_on_lost, lg_on_message, NULL);
	MQTTAsync_setConnected(client, NULL, lg_on_connected);
	/* persistent session: messages in flight when a broker is killed are
	 * sent again after the reconnect instead of being abandoned */
	cn.cleansession = 0;
	cn.keepAliveInterval = 20;
	cn.automaticReconnect = 1;
	cn.minRetryInterval = 1;
	cn.maxRetryInterval = 2;
	if (o.username) {
		cn.username = o.username;
		if (o.password_file) {
			if (lg_read_password(o.password_file, password, sizeof password) < 0)
				return 1;
			cn.password = password;
		}
	}
	if ((rc = MQTTAsync_connect(client, &cn)) != MQTTASYNC_SUCCESS) {
		fprintf(stderr, "loadgen: connect: %s\n", MQTTAsync_strerror(rc));
		return 1;
	}
	for (deadline = lg_mono_us() + 10000000; !atomic_load(&lg_connected);) {
		if (lg_mono_us() > deadline || lg_stop) {
			fprintf(stderr, "loadgen: no connection to %s\n", uri);
			return 1;
		}
		lg_sleep_us(1000);
	}

	every = o.alarms > 0 ? (double)o.total / (double)o.alarms : 0;
	t0 = lg_mono_us();
	for (seq = 0; seq < o.total && !lg_stop; seq++) {
		MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
		long alarm = -1, dev;
		int64_t now_us;

		if (o.rate > 0) {
			int64_t due = t0 + (int64_t)((double)seq * 1e6 / o.rate);
			int64_t wait = due - lg_mono_us();

			if (wait > 0)
				lg_sleep_us(wait);
		}
		/* the window bounds what Paho buffers; while the broker is gone
		 * a device's message simply does not get out (counted) */
		while (atomic_load(&lg_inflight) >= o.window && atomic_load(&lg_connected) &&
		       !lg_stop)
			lg_sleep_us(50);
		if (!atomic_load(&lg_connected)) {
			skipped++;
			continue;
		}
		/* alarm k goes out at message floor(k * every + every / 2) */
		if (alarm_next < o.alarms &&
		    seq >= (long)((double)alarm_next * every + every / 2)) {
			alarm = alarm_next++;
			dev = o.alarm_base + alarm;
			snprintf(topic, sizeof topic, "t/%s%ld", o.alarm_prefix, dev);
		} else {
			dev = dev_rr;
			dev_rr = (dev_rr + 1) % o.devices;
			snprintf(topic, sizeof topic, "t/%s%ld", o.prefix, dev);
		}
		now_us = lg_now_us();
		plen = lg_payload(payload, sizeof payload, o.format, dev, seq, now_us,
				  alarm >= 0, o.no_ts, o.tag);
		ro.onSuccess = lg_on_ok;
		ro.onFailure = lg_on_fail;
		ro.context = (void *)(intptr_t)(alarm + 1);
		atomic_fetch_add(&lg_inflight, 1);
		if (alarm >= 0)
			alarm_sent_us[alarm] = now_us;
		rc = MQTTAsync_send(client, topic, plen, payload, 1, 0, &ro);
		if (rc != MQTTASYNC_SUCCESS) {
			atomic_fetch_sub(&lg_inflight, 1);
			skipped++;
			if (rc != MQTTASYNC_DISCONNECTED)
				lg_sleep_us(1000);
		}
	}
	t_end = lg_mono_us();
	for (deadline = lg_mono_us() + (int64_t)(o.drain_s * 1e6);
	     atomic_load(&lg_inflight) > 0 && lg_mono_us() < deadline && !lg_stop;)
		lg_sleep_us(1000);
	if (o.sends_path && lg_write_sends(&o, alarm_sent_us) != 0)
		fprintf(stderr, "loadgen: cannot write %s: %s\n", o.sends_path,
			strerror(errno));
	printf("{\"sent\":%ld,\"acked\":%ld,\"failed\":%ld,\"skipped\":%ld,"
	       "\"alarms\":%ld,\"elapsed_s\":%.3f,\"rate\":%.1f}\n",
	       seq - skipped, atomic_load(&lg_acked), atomic_load(&lg_failed), skipped,
	       alarm_next, (double)(t_end - t0) / 1e6,
	       t_end > t0 ? (double)(seq - skipped) * 1e6 / (double)(t_end - t0) : 0.0);
	fflush(stdout);
	MQTTAsync_disconnect(client, NULL);
	lg_sleep_us(100000);
	MQTTAsync_destroy(&client);
	free(lg_alarm_acked);
	free(alarm_sent_us);
	return 0;
}
