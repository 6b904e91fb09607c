/* test_mqtt_sub.c: the local broker's subscriber (drivers/io/mqtt_sub.c).
 *
 * Part one, against a broker played by this test on a loopback socket:
 * PUBACKs leave in arrival order only when acknowledged, a full window of
 * un-acknowledged messages stops reading, a malformed packet is a counted
 * protocol error and a reconnect; a removed filter is unsubscribed and
 * its UNSUBACK matched.
 *
 * Part two, against a real mosquitto on a free loopback port with its own
 * config, passwords and temp dir: a subscriber killed with SIGKILL while
 * it holds 10 messages un-acknowledged gets exactly those 10 again (DUP
 * set) when the same client id reconnects; after acknowledging 4 and
 * losing the link, only the other 6 come back; after acknowledging all,
 * none.  QoS 0 needs no ack; payloads of 0 bytes and of the maximum size
 * arrive, one byte more is a protocol error; wrong and missing passwords
 * are refused; a SIGSTOPped broker is found dead by the keepalive; TLS
 * with the CA and host name verified, and refused for a wrong name.  A
 * filter removed (on a live link, and while the link is down) is
 * unsubscribed from the persistent session: messages on it published
 * while the client is away are not kept for it; a kept filter's are.
 * Without mosquitto: SKIP, exit 77.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"
#include "mqtt_packet.h"
#include "mqtt_sub.h"
#include "testing.h"

/* ------------------------------------------------------------ what arrived */

#define MAXMSG 64
struct got {
	char topic[64];
	char payload[64];
	size_t len;
	int qos, dup;
	uint16_t id;
	uint64_t seq;
};
static struct got got[MAXMSG];
static int n_got;

static void on_msg(void *arg, const struct mqtt_sub_msg *m)
{
	struct got *g;

	if (n_got >= MAXMSG)
		return;
	g = &got[n_got++];
	snprintf(g->topic, sizeof g->topic, "%s", m->topic);
	snprintf(g->payload, sizeof g->payload, "%.*s", (int)(m->len < 63 ? m->len : 63),
		 (const char *)m->payload);
	g->len = m->len;
	g->qos = m->qos;
	g->dup = m->dup;
	g->id = m->packet_id;
	g->seq = m->seq;
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drive the session as hazardd's loop would, for up to ms, or until
 * done() says so (checked after every step). */
static int run(struct mqtt_sub *s, int ms, int (*done)(struct mqtt_sub *, long), long arg)
{
	int64_t end = ms_now() + ms;

	while (ms_now() < end) {
		struct pollfd p = { .fd = -1 };
		int timeout, left = (int)(end - ms_now());

		if (done && done(s, arg))
			return 1;
		p.fd = mqtt_sub_poll(s, &p.events, &timeout);
		if (timeout > left)
			timeout = left;
		if (timeout > 50)
			timeout = 50;
		if (poll(&p, p.fd >= 0 ? 1 : 0, timeout) < 0 && errno != EINTR)
			return 0;
		mqtt_sub_handle(s, p.fd >= 0 ? p.revents : 0);
	}
	return done ? done(s, arg) : 0;
}

static int until_subscribed(struct mqtt_sub *s, long arg)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return st.subscribed;
}

static int until_got(struct mqtt_sub *s, long n) { return n_got >= n; }

static int until_connects(struct mqtt_sub *s, long n)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return (long)st.connects >= n && st.subscribed;
}

static int until_refused(struct mqtt_sub *s, long n)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return (long)st.connect_refused >= n;
}

static int until_acks(struct mqtt_sub *s, long n)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return (long)st.acks_sent >= n;
}

static int until_keepalive_timeout(struct mqtt_sub *s, long n)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return (long)st.keepalive_timeouts >= n;
}

static int until_protocol_error(struct mqtt_sub *s, long n)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return (long)st.protocol_errors >= n;
}

static int until_unsubscribed(struct mqtt_sub *s, long n)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return (long)st.unsubscribed >= n && st.unsub_pending == 0;
}

static int until_connect_failure(struct mqtt_sub *s, long n)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return (long)st.connect_failures >= n;
}

static struct mqtt_sub_stats stats(struct mqtt_sub *s)
{
	struct mqtt_sub_stats st;

	mqtt_sub_get_stats(s, &st);
	return st;
}

static const char *filters[] = { "t/#" };

static struct mqtt_sub *sub(int port, const char *id, const char *user, const char *pass,
			    unsigned keepalive, size_t max_packet, size_t max_unacked)
{
	struct mqtt_sub_config c = {
		.host = "127.0.0.1", .port = port, .client_id = id,
		.username = user, .password = pass,
		.filters = filters, .n_filters = 1, .keepalive_s = keepalive,
		.max_packet = max_packet, .max_unacked = max_unacked,
		.connect_timeout_ms = 2000, .backoff_min_ms = 50, .backoff_max_ms = 400,
	};
	char err[200];
	struct mqtt_sub *s = mqtt_sub_new(&c, on_msg, NULL, err, sizeof err);

	if (!s)
		printf("INFO: mqtt_sub_new: %s\n", err);
	return s;
}

/* ------------------------------------------------------------ part one */

static int listen_any(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &l) < 0)
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

/* the played broker's side: accept while driving the session */
static int fake_accept(int lfd, struct mqtt_sub *s)
{
	int64_t end = ms_now() + 3000;

	fcntl(lfd, F_SETFL, O_NONBLOCK);
	while (ms_now() < end) {
		int c = accept(lfd, NULL, NULL);

		if (c >= 0)
			return c;
		run(s, 20, NULL, 0);
	}
	return -1;
}

/* read exactly n bytes from the played broker's socket, driving the session */
static int fake_read(int c, uint8_t *b, size_t n, struct mqtt_sub *s)
{
	size_t got_n = 0;
	int64_t end = ms_now() + 3000;

	while (got_n < n && ms_now() < end) {
		ssize_t r = recv(c, b + got_n, n - got_n, MSG_DONTWAIT);

		if (r > 0)
			got_n += (size_t)r;
		else if (r == 0)
			break;
		else
			run(s, 20, NULL, 0);
	}
	return got_n == n ? 0 : -1;
}

/* skip one whole packet the session sent (CONNECT, SUBSCRIBE); its first byte */
static int fake_skip_packet(int c, struct mqtt_sub *s, uint8_t *first, uint16_t *id)
{
	uint8_t b[512], v;
	uint32_t rem = 0;
	int shift = 0;

	if (fake_read(c, first, 1, s) < 0)
		return -1;
	do {
		if (fake_read(c, &v, 1, s) < 0)
			return -1;
		rem |= (uint32_t)(v & 0x7F) << shift;
		shift += 7;
	} while (v & 0x80);
	if (rem > sizeof b || fake_read(c, b, rem, s) < 0)
		return -1;
	if (id && rem >= 2)
		*id = (uint16_t)(b[0] << 8 | b[1]);
	return 0;
}

static size_t fake_publish(uint8_t *b, uint16_t id, const char *payload)
{
	size_t pl = strlen(payload), n = 0;

	b[n++] = 0x32;
	b[n++] = (uint8_t)(2 + 3 + 2 + pl);
	b[n++] = 0, b[n++] = 3;
	memcpy(b + n, "t/x", 3), n += 3;
	b[n++] = (uint8_t)(id >> 8), b[n++] = (uint8_t)id;
	memcpy(b + n, payload, pl);
	return n + pl;
}

static void part_one(void)
{
	static const uint16_t ids[] = { 50, 10, 30, 20, 40 };
	uint8_t b[512], first;
	uint16_t sid = 0;
	int port, lfd = listen_any(&port), c, i, ok;
	struct mqtt_sub *s;
	size_t n = 0;

	CHECK("played broker listens", lfd >= 0);
	if (lfd < 0)
		return;
	n_got = 0;
	s = sub(port, "hz-played", NULL, NULL, 30, 1024, 3);
	c = fake_accept(lfd, s);
	CHECK("session connects to the played broker", c >= 0);
	if (c < 0)
		goto out;
	CHECK("first packet is CONNECT", fake_skip_packet(c, s, &first, NULL) == 0 && first == 0x10);
	send(c, "\x20\x02\x00\x00", 4, 0);
	CHECK("then SUBSCRIBE", fake_skip_packet(c, s, &first, &sid) == 0 && first == 0x82);
	b[0] = 0x90, b[1] = 3, b[2] = (uint8_t)(sid >> 8), b[3] = (uint8_t)sid, b[4] = 1;
	send(c, b, 5, 0);
	run(s, 2000, until_subscribed, 0);
	CHECK("SUBACK matched to our SUBSCRIBE", stats(s).subscribed);

	/* five QoS 1 messages with ids out of numeric order */
	for (i = 0, n = 0; i < 5; i++) {
		char p[8];

		snprintf(p, sizeof p, "m%d", i % 10);
		n += fake_publish(b + n, ids[i], p);
	}
	send(c, b, n, 0);
	run(s, 500, until_got, 5);
	CHECK_INT("window of 3: only 3 delivered while none is acknowledged", n_got, 3);
	CHECK_INT("3 waiting for their commit", stats(s).unacked, 3);
	CHECK("no PUBACK before the commit", recv(c, b, sizeof b, MSG_DONTWAIT) < 0);

	CHECK_INT("ack through the 2nd queues 2 PUBACKs", mqtt_sub_ack_through(s, got[1].seq), 2);
	run(s, 1000, until_got, 5);
	CHECK_INT("room again: the other 2 delivered", n_got, 5);
	CHECK("sequence numbers count up in arrival order",
	      got[0].seq + 4 == got[4].seq && got[2].seq + 1 == got[3].seq);
	CHECK_INT("ack through the last queues 3 more", mqtt_sub_ack_through(s, got[4].seq), 3);
	CHECK_INT("acking again sends nothing", mqtt_sub_ack_through(s, got[4].seq), 0);
	/* the first acks are followed by a PINGREQ whose answer would prove
	 * the broker read them; this broker never answers, so no second */
	ok = fake_read(c, b, 22, s) == 0;
	for (i = 0; ok && i < 5; i++) {
		const uint8_t *a = b + 4 * i + (i >= 2 ? 2 : 0);

		ok = a[0] == 0x40 && a[1] == 2 && (uint16_t)(a[2] << 8 | a[3]) == ids[i];
	}
	CHECK("PUBACKs in arrival order: 50 10 30 20 40", ok);
	CHECK("a PINGREQ behind the first PUBACKs", ok && b[8] == 0xC0 && b[9] == 0);
	CHECK_INT("not confirmed while the PINGREQ is unanswered",
		  (long long)mqtt_sub_acks_confirmed(s), 0);
	run(s, 200, until_acks, 5);
	CHECK_INT("acks_sent counts written PUBACKs", stats(s).acks_sent, 5);

	/* a filter no longer wanted: UNSUBSCRIBE, answered by its UNSUBACK */
	{
		static const char *const gone[] = { "t/#", "not/ours" };
		uint16_t uid = 0;

		CHECK_INT("a filter not subscribed is not removed",
			  mqtt_sub_remove_filters(s, &gone[1], 1, (char *)b, 100), 0);
		CHECK_INT("the subscribed one is", mqtt_sub_remove_filters(s, gone, 2,
									  (char *)b, 100), 1);
		CHECK("UNSUBSCRIBE sent at once on the live link",
		      fake_skip_packet(c, s, &first, &uid) == 0 && first == 0xA2 && uid != 0);
		CHECK("... with a packet id of its own", uid != sid);
		CHECK_INT("waiting for its UNSUBACK", stats(s).unsub_pending, 1);
		b[0] = 0xB0, b[1] = 2, b[2] = (uint8_t)(uid >> 8), b[3] = (uint8_t)uid;
		send(c, b, 4, 0);
		run(s, 1000, until_unsubscribed, 1);
		CHECK_INT("UNSUBACK matched: unsubscribed counted", stats(s).unsubscribed, 1);
		CHECK_INT("... nothing pending", stats(s).unsub_pending, 0);
		CHECK("... and the link stays up", stats(s).connected);

		/* wanted again while its UNSUBSCRIBE is in flight: the SUBSCRIBE
		 * behind it restores it, the UNSUBACK then covers nothing */
		CHECK_INT("filter added back", mqtt_sub_add_filters(s, gone, 1, (char *)b, 100), 0);
		CHECK("SUBSCRIBE for it", fake_skip_packet(c, s, &first, &sid) == 0 && first == 0x82);
		b[0] = 0x90, b[1] = 3, b[2] = (uint8_t)(sid >> 8), b[3] = (uint8_t)sid, b[4] = 1;
		send(c, b, 5, 0);
		run(s, 300, NULL, 0);   /* one SUBSCRIBE in flight at a time */
		CHECK_INT("removed again", mqtt_sub_remove_filters(s, gone, 1, (char *)b, 100), 1);
		CHECK("UNSUBSCRIBE for it", fake_skip_packet(c, s, &first, &uid) == 0 && first == 0xA2);
		CHECK_INT("added back before the UNSUBACK",
			  mqtt_sub_add_filters(s, gone, 1, (char *)b, 100), 0);
		CHECK("SUBSCRIBE behind the UNSUBSCRIBE",
		      fake_skip_packet(c, s, &first, &sid) == 0 && first == 0x82);
		CHECK_INT("nothing left to unsubscribe", stats(s).unsub_pending, 0);
		b[0] = 0xB0, b[1] = 2, b[2] = (uint8_t)(uid >> 8), b[3] = (uint8_t)uid;
		b[4] = 0x90, b[5] = 3, b[6] = (uint8_t)(sid >> 8), b[7] = (uint8_t)sid, b[8] = 1;
		send(c, b, 9, 0);
		run(s, 300, NULL, 0);
		CHECK("its UNSUBACK is no protocol error",
		      stats(s).connected && stats(s).protocol_errors == 0);
		CHECK_INT("... and counts no filter", stats(s).unsubscribed, 1);
	}

	/* a PUBLISH with packet id 0: a protocol error, the link ends */
	send(c, "\x32\x05\x00\x01t\x00\x00", 7, 0);
	run(s, 1000, until_protocol_error, 1);
	CHECK_INT("malformed packet counted", stats(s).protocol_errors, 1);
	CHECK_CONTAINS("... and its reason kept", mqtt_sub_last_error(s), "packet id 0");
	CHECK("... and the link is down", !stats(s).connected);
	close(c);
	c = fake_accept(lfd, s);
	CHECK("the session reconnects after the backoff", c >= 0);
	if (c >= 0)
		close(c);
	CHECK_INT("bytes_in counted", stats(s).bytes_in > 50, 1);
out:
	mqtt_sub_free(s);
	close(lfd);
}

/* ------------------------------------------------------------ mosquitto */

static char dir[] = "/tmp/hazardd-mqttsub.XXXXXX";
static pid_t broker_pid = -1;

static int free_port(void)
{
	int port, fd = listen_any(&port);

	if (fd < 0)
		return -1;
	close(fd);
	return port;
}

static int port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* mosquitto on 127.0.0.1:port with passwords; extra: more config lines */
static pid_t start_broker(int port, const char *name, const char *extra)
{
	char conf[512];
	FILE *f;
	pid_t pid;
	int i;

	snprintf(conf, sizeof conf, "%s/%s.conf", dir, name);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous false\npassword_file %s/passwd\n"
		"max_inflight_messages 20\nmax_queued_messages 1000\npersistence false\n"
		"log_dest stderr\nlog_type error\nlog_type warning\n%s%s",
		port, dir, extra ? extra : "", getuid() == 0 ? "user root\n" : "");
	fclose(f);
	pid = fork();
	if (pid == 0) {
		char log[512];
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(log, sizeof log, "%s/%s.log", dir, name);
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("mosquitto", "mosquitto", "-c", conf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !port_open(port); i++)
		usleep(50000);
	return i < 100 ? pid : -1;
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGCONT);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

static int pub(int port, int qos, const char *topic, const char *what)
{
	return sh("mosquitto_pub -h 127.0.0.1 -p %d -u pub -P pub-secret -q %d -t '%s' %s",
		  port, qos, topic, what);
}

/* The first subscriber: subscribes, tells the parent, receives 10 and
 * never acknowledges them; the parent kills it with SIGKILL. */
static void doomed_child(int port, int wfd)
{
	struct mqtt_sub *s;
	char b = 'S';

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	s = sub(port, "hz-intake", "hazardd", "hz-secret", 30, 4096, 64);
	if (!s || !run(s, 5000, until_subscribed, 0))
		_exit(1);
	if (write(wfd, &b, 1) != 1)
		_exit(1);
	run(s, 10000, until_got, 10);
	b = (char)n_got;
	if (write(wfd, &b, 1) != 1)
		_exit(1);
	for (;;)
		run(s, 1000, NULL, 0);      /* holding all 10, acknowledging none */
}

static int payloads_are(int from, int to, int first_m, int dup)
{
	int i;

	if (n_got != to - from)
		return 0;
	for (i = 0; i < n_got; i++) {
		char want[16];

		snprintf(want, sizeof want, "m%d", first_m + i);
		if (strcmp(got[i].payload, want) != 0 || got[i].qos != 1 || got[i].dup != dup)
			return 0;
	}
	return 1;
}

static const char *two_filters[] = { "t/keep", "t/gone" };

static struct mqtt_sub *sub_two(int port, const char *id)
{
	struct mqtt_sub_config c = {
		.host = "127.0.0.1", .port = port, .client_id = id,
		.username = "hazardd", .password = "hz-secret",
		.filters = two_filters, .n_filters = 2, .keepalive_s = 30,
		.connect_timeout_ms = 2000, .backoff_min_ms = 50, .backoff_max_ms = 400,
	};
	char err[200];

	return mqtt_sub_new(&c, on_msg, NULL, err, sizeof err);
}

/* Published while the client is away, on both filters: what comes back
 * when it returns (same client id, persistent session). */
static int away_then_back(int port, const char *id, const char *tag)
{
	struct mqtt_sub *s;
	char what[32];

	snprintf(what, sizeof what, "-m %s-keep", tag);
	pub(port, 1, "t/keep", what);
	snprintf(what, sizeof what, "-m %s-gone", tag);
	pub(port, 1, "t/gone", what);
	n_got = 0;
	s = sub_two(port, id);
	if (!s)
		return -1;
	run(s, 5000, until_got, 1);
	run(s, 700, NULL, 0);           /* and nothing more */
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	run(s, 300, NULL, 0);
	mqtt_sub_free(s);
	return n_got;
}

/* A filter removed is unsubscribed from the persistent session: the
 * broker keeps nothing more for it while the client is away. */
static void unsubscribe(int port)
{
	static const char *const gone[] = { "t/gone" };
	struct mqtt_sub *s = sub_two(port, "hz-unsub");
	char err[200];

	CHECK("two-filter session subscribed", s && run(s, 5000, until_subscribed, 0));
	if (!s)
		return;
	mqtt_sub_free(s);
	CHECK_INT("before: the session keeps both filters' messages while away",
		  away_then_back(port, "hz-unsub", "a"), 2);

	/* on a live link */
	s = sub_two(port, "hz-unsub");
	run(s, 5000, until_subscribed, 0);
	CHECK_INT("remove one of two", mqtt_sub_remove_filters(s, gone, 1, err, sizeof err), 1);
	CHECK("UNSUBACK came", run(s, 3000, until_unsubscribed, 1));
	mqtt_sub_free(s);
	/* the next connection subscribes to both again (sub_two): remove
	 * "t/gone" from it while its link is down, before it connects */
	n_got = 0;
	pub(port, 1, "t/keep", "-m b-keep");
	pub(port, 1, "t/gone", "-m b-gone");
	s = sub_two(port, "hz-unsub");
	run(s, 5000, until_got, 1);
	run(s, 500, NULL, 0);
	CHECK("after the live unsubscribe: only the kept filter's message was held",
	      n_got == 1 && strcmp(got[0].payload, "b-keep") == 0);
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	run(s, 300, NULL, 0);
	mqtt_sub_drop(s, "test: link cut");
	CHECK_INT("removed while the link is down",
		  mqtt_sub_remove_filters(s, gone, 1, err, sizeof err), 1);
	CHECK_INT("... waits for the link", stats(s).unsub_pending, 1);
	CHECK("... unsubscribed after the reconnect's SUBACK",
	      run(s, 5000, until_unsubscribed, 1) && stats(s).connects == 2);
	mqtt_sub_free(s);
	n_got = 0;
	pub(port, 1, "t/keep", "-m c-keep");
	pub(port, 1, "t/gone", "-m c-gone");
	s = sub_two(port, "hz-unsub");
	run(s, 5000, until_got, 1);
	run(s, 500, NULL, 0);
	CHECK("after the unsubscribe on reconnect: only the kept filter's message was held",
	      n_got == 1 && strcmp(got[0].payload, "c-keep") == 0);
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	run(s, 300, NULL, 0);
	mqtt_sub_free(s);
}

static void redelivery(int port)
{
	int pfd[2], i;
	pid_t child;
	char b = 0;
	struct mqtt_sub *s;

	if (pipe(pfd) < 0)
		return;
	child = fork();
	if (child == 0) {
		close(pfd[0]);
		doomed_child(port, pfd[1]);
	}
	close(pfd[1]);
	CHECK("first subscriber connected and subscribed (password accepted)",
	      read(pfd[0], &b, 1) == 1 && b == 'S');
	for (i = 0; i < 10; i++) {
		char what[32];

		snprintf(what, sizeof what, "-m m%d", i);
		pub(port, 1, "t/dev-1", what);
	}
	CHECK("it received 10 QoS 1 messages", read(pfd[0], &b, 1) == 1 && b == 10);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(pfd[0]);

	n_got = 0;
	s = sub(port, "hz-intake", "hazardd", "hz-secret", 30, 4096, 64);
	run(s, 5000, until_got, 10);
	run(s, 500, NULL, 0);           /* and nothing more */
	CHECK("after SIGKILL the same client id gets exactly the 10 un-acked, in order, DUP set",
	      payloads_are(0, 10, 0, 1));
	CHECK_INT("10 waiting", stats(s).unacked, 10);

	/* acknowledge m0..m3, lose the link as a crash would */
	mqtt_sub_ack_through(s, got[3].seq);
	run(s, 2000, until_acks, 4);
	CHECK_INT("4 PUBACKs written", stats(s).acks_sent, 4);
	CHECK_INT("6 still waiting", stats(s).unacked, 6);
	run(s, 200, NULL, 0);
	mqtt_sub_drop(s, "test: link cut");
	CHECK_INT("un-acked forgotten when the link ends", stats(s).unacked, 0);
	n_got = 0;
	run(s, 5000, until_got, 6);
	run(s, 500, NULL, 0);
	CHECK("after the reconnect only the 6 un-acked come back", payloads_are(0, 6, 4, 1));
	CHECK("sequence numbers keep counting across links", got[0].seq > 10);
	CHECK_INT("disconnects counted", stats(s).disconnects, 1);
	CHECK_INT("connects counted", stats(s).connects, 2);

	/* acknowledge everything: nothing comes back */
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	run(s, 2000, until_acks, 10);
	run(s, 200, NULL, 0);
	mqtt_sub_drop(s, "test: link cut again");
	n_got = 0;
	run(s, 5000, until_connects, 3);
	run(s, 1000, NULL, 0);
	CHECK_INT("all acknowledged: nothing redelivered", n_got, 0);

	/* new messages: no DUP; QoS 0 needs no acknowledgement */
	pub(port, 1, "t/dev-2", "-m fresh");
	pub(port, 0, "t/dev-2", "-m q0");
	run(s, 3000, until_got, 2);
	CHECK("a new QoS 1 message arrives without DUP",
	      n_got >= 1 && strcmp(got[0].payload, "fresh") == 0 && !got[0].dup && got[0].id);
	CHECK("a QoS 0 message has no packet id and waits for no ack",
	      n_got == 2 && got[1].qos == 0 && got[1].id == 0 && stats(s).unacked == 1);
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	run(s, 1000, until_acks, 11);
	CHECK_INT("only the QoS 1 one was acknowledged", stats(s).acks_sent, 11);
	mqtt_sub_free(s);
}

static void sizes(int port)
{
	struct mqtt_sub *s = sub(port, "hz-sizes", "hazardd", "hz-secret", 30, 4096, 64);
	char file[600], what[620];
	FILE *f;
	int i;

	n_got = 0;
	run(s, 5000, until_subscribed, 0);
	pub(port, 1, "t/empty", "-n");
	run(s, 3000, until_got, 1);
	CHECK("a 0-byte payload arrives", n_got == 1 && got[0].len == 0 && got[0].qos == 1);
	/* 4096 bytes in all: 1 + 2 (varint) + 2 + 5 ("t/big") + 2 + 4084 */
	snprintf(file, sizeof file, "%s/big", dir);
	f = fopen(file, "w");
	for (i = 0; f && i < 4084; i++)
		fputc('a' + i % 26, f);
	if (f)
		fclose(f);
	snprintf(what, sizeof what, "-f %s", file);
	pub(port, 1, "t/big", what);
	run(s, 3000, until_got, 2);
	CHECK("a payload making the packet exactly max_packet arrives",
	      n_got == 2 && got[1].len == 4084 && strncmp(got[1].payload, "abc", 3) == 0);
	CHECK_INT("no protocol error so far", stats(s).protocol_errors, 0);
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	run(s, 1000, until_acks, 2);
	/* one byte more, at QoS 0 so that the broker does not keep it: QoS 0
	 * has no packet id, so 3 more payload bytes make 4097 */
	f = fopen(file, "a");
	if (f) {
		fputs("!!!", f);
		fclose(f);
	}
	pub(port, 0, "t/big", what);
	run(s, 3000, until_protocol_error, 1);
	CHECK_INT("one byte over the maximum: a protocol error, counted", stats(s).protocol_errors, 1);
	CHECK_CONTAINS("... with its reason", mqtt_sub_last_error(s), "4097 bytes over the maximum of 4096");
	run(s, 3000, until_connects, 2);
	CHECK_INT("... and the session connects again", stats(s).connects, 2);
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	mqtt_sub_free(s);
}

static void credentials(int port)
{
	struct mqtt_sub *s = sub(port, "hz-badpw", "hazardd", "wrong", 30, 4096, 64);

	n_got = 0;
	run(s, 3000, until_refused, 2);
	CHECK("a wrong password is refused, and retried with backoff", stats(s).connect_refused >= 2);
	CHECK("... CONNACK 4 or 5 (bad credentials / not authorized)",
	      stats(s).last_connack == 4 || stats(s).last_connack == 5);
	CHECK_INT("... never connected", stats(s).connects, 0);
	CHECK_CONTAINS("... and says so", mqtt_sub_last_error(s), "refused");
	mqtt_sub_free(s);
	s = sub(port, "hz-anon", NULL, NULL, 30, 4096, 64);
	run(s, 3000, until_refused, 1);
	CHECK("no username at all is refused", stats(s).connect_refused >= 1 && stats(s).connects == 0);
	mqtt_sub_free(s);
}

static void keepalive(int port, pid_t broker)
{
	struct mqtt_sub *s = sub(port, "hz-keepalive", "hazardd", "hz-secret", 1, 4096, 64);
	int64_t t0;

	run(s, 5000, until_subscribed, 0);
	run(s, 2500, NULL, 0);
	CHECK("keepalive 1 s: pings answered, still connected",
	      stats(s).connected && stats(s).keepalive_timeouts == 0 && stats(s).disconnects == 0);
	kill(broker, SIGSTOP);
	t0 = ms_now();
	run(s, 6000, until_keepalive_timeout, 1);
	CHECK_INT("a SIGSTOPped broker is found dead by the keepalive", stats(s).keepalive_timeouts, 1);
	printf("INFO: keepalive 1 s: dead broker found after %lld ms\n", (long long)(ms_now() - t0));
	/* at most one quiet keepalive, then one unanswered: 2 s, plus slack
	 * for a loaded machine */
	CHECK("... within two keepalives and a bit", ms_now() - t0 <= 3500);
	CHECK_INT("... as a lost link", stats(s).disconnects, 1);
	run(s, 5000, until_connect_failure, 1);
	CHECK("while it is stopped, the reconnect times out (no CONNACK)",
	      stats(s).connect_failures >= 1);
	kill(broker, SIGCONT);
	run(s, 8000, until_connects, 2);
	CHECK_INT("SIGCONT: connected again", stats(s).connects, 2);
	mqtt_sub_free(s);
}

/* TLS: a CA, a server certificate for localhost; verified CA and name */
static void tls(void)
{
	int port = free_port();
	char extra[1024], ca[600];
	struct mqtt_sub_config c = {
		.host = "127.0.0.1", .port = port, .client_id = "hz-tls",
		.username = "hazardd", .password = "hz-secret",
		.filters = filters, .n_filters = 1, .tls = 1, .tls_host = "localhost",
		.connect_timeout_ms = 2000, .backoff_min_ms = 50, .backoff_max_ms = 200,
	};
	char err[200];
	struct mqtt_sub *s;
	pid_t b;

	if (sh("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
	       "-nodes -keyout ca.key -out ca.crt -subj /CN=test-ca -days 2 >/dev/null 2>&1 && "
	       "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
	       "-keyout srv.key -out srv.csr -subj /CN=localhost >/dev/null 2>&1 && "
	       "printf 'subjectAltName=DNS:localhost\\n' >srv.ext && "
	       "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	       "-days 2 -extfile srv.ext -out srv.crt >/dev/null 2>&1 && chmod 0644 *", dir) != 0) {
		printf("SKIP: openssl could not make certificates\n");
		return;
	}
	snprintf(extra, sizeof extra, "cafile %s/ca.crt\ncertfile %s/srv.crt\nkeyfile %s/srv.key\n",
		 dir, dir, dir);
	b = start_broker(port, "tls", extra);
	CHECK("TLS broker started", b > 0);
	snprintf(ca, sizeof ca, "%s/ca.crt", dir);
	c.ca_file = ca;
	s = mqtt_sub_new(&c, on_msg, NULL, err, sizeof err);
	CHECK("TLS session set up", s != NULL);
	if (!s) {
		printf("INFO: %s\n", err);
		stop(b);
		return;
	}
	n_got = 0;
	run(s, 5000, until_subscribed, 0);
	CHECK("TLS: CA and host name verified, connected and subscribed", stats(s).subscribed);
	sh("mosquitto_pub -h localhost -p %d --cafile %s -u pub -P pub-secret -q 1 -t t/tls -m over-tls",
	   port, ca);
	run(s, 3000, until_got, 1);
	CHECK("TLS: a message arrives", n_got == 1 && strcmp(got[0].payload, "over-tls") == 0);
	mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	run(s, 1000, until_acks, 1);
	CHECK_INT("TLS: its PUBACK written", stats(s).acks_sent, 1);
	mqtt_sub_free(s);

	c.tls_host = "gateway.example";
	c.client_id = "hz-tls-badname";
	s = mqtt_sub_new(&c, on_msg, NULL, err, sizeof err);
	run(s, 3000, until_connect_failure, 1);
	CHECK("TLS: a certificate for another name is refused",
	      stats(s).connect_failures >= 1 && stats(s).connects == 0);
	CHECK_CONTAINS("... and the reason says certificate", mqtt_sub_last_error(s), "certificate");
	mqtt_sub_free(s);

	c.ca_file = "/nonexistent/ca.crt";
	s = mqtt_sub_new(&c, on_msg, NULL, err, sizeof err);
	CHECK("TLS: a missing CA file is refused at set-up", s == NULL && strstr(err, "CA file"));
	mqtt_sub_free(s);
	stop(b);
}

static int have(const char *prog)
{
	return sh("command -v %s >/dev/null 2>&1", prog) == 0;
}

int main(void)
{
	int port;

	signal(SIGPIPE, SIG_IGN);
	log_init("test_mqtt_sub", LOG_LVL_WARN);
	part_one();
	if (!have("mosquitto") || !have("mosquitto_pub") || !have("mosquitto_passwd")) {
		printf("SKIP: mosquitto, mosquitto_pub or mosquitto_passwd not installed "
		       "(Debian: mosquitto mosquitto-clients); the real-broker half did not run\n");
		return test_failures ? 1 : 77;
	}
	if (!mkdtemp(dir)) {
		CHECK("temp dir", 0);
		TEST_DONE();
	}
	CHECK("password file made",
	      sh("cd %s && printf 'hazardd:hz-secret\\npub:pub-secret\\n' >passwd && "
		 "chmod 0600 passwd && mosquitto_passwd -U passwd", dir) == 0);
	port = free_port();
	broker_pid = start_broker(port, "local", NULL);
	CHECK("mosquitto started on a free loopback port", broker_pid > 0);
	if (broker_pid > 0) {
		redelivery(port);
		sizes(port);
		credentials(port);
		keepalive(port, broker_pid);
		unsubscribe(port);
		stop(broker_pid);
	}
	tls();
	if (!test_failures)
		sh("rm -rf %s", dir);
	else
		printf("INFO: kept %s\n", dir);
	TEST_DONE();
}
