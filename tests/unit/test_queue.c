/* test_queue.c: the hand-over queue keeps alarms when telemetry fills it,
 * holds each message in one allocation, and gives alarms first, each with
 * the earlier messages of its key. */
#include <sys/eventfd.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

static int push(struct msgq *q, const char *topic, uint64_t seq, int key, bool alarm)
{
	struct msg_id id = { .seq = seq, .packet_id = (uint16_t)seq, .key = key };

	return msgq_push_seq(q, topic, "{}", 2, 100, (int64_t)seq, alarm ? MSGQ_ALARM : MSGQ_NORMAL,
			     &id);
}

/* One block: info (aligned), topic, payload; msg_free frees it. */
static void test_one_allocation(int efd)
{
	struct msgq *q = msgq_new(8, efd);
	struct { double d; int dev; char why[8]; } info = { 1.5, 7, "fields" };
	struct msg_id id = { .seq = 5, .packet_id = 9, .dup = true, .key = 7,
			     .info = &info, .info_len = sizeof info };
	struct msg m;
	const char *b;

	CHECK_INT("push with info", msgq_push_seq(q, "t/dev", "{\"gas_lel\":3}", 13, 100, 42,
						 MSGQ_NORMAL, &id), 0);
	CHECK_INT("popped", msgq_pop(q, &m, 1), 1);
	b = m.mem;
	CHECK("info is the block's start (malloc's alignment)", m.info == (const void *)b);
	CHECK("info copied", m.info_len == sizeof info &&
	      memcmp(m.info, &info, sizeof info) == 0);
	CHECK("topic in the same block, after the info",
	      m.topic >= b + sizeof info && m.topic < b + sizeof info + 64);
	CHECK_STR("topic", m.topic, "t/dev");
	CHECK("payload right after the topic", m.payload == m.topic + strlen(m.topic) + 1);
	CHECK_STR("payload terminated", m.payload, "{\"gas_lel\":3}");
	CHECK("numbers kept", m.seq == 5 && m.packet_id == 9 && m.dup && m.key == 7 &&
	      m.recv_ms == 42 && !m.alarm);
	msg_free(&m);
	CHECK("msg_free clears", m.mem == NULL && m.topic == NULL && m.info == NULL);

	CHECK_INT("oversized with info", msgq_push_seq(q, "t/big", "xxxxxxxx", 8, 4, 1,
						      MSGQ_NORMAL, &id), 0);
	CHECK_INT("popped", msgq_pop(q, &m, 1), 1);
	CHECK("oversized: info and topic, no payload", m.oversized && !m.payload &&
	      m.info == m.mem && strcmp(m.topic, "t/big") == 0);
	msg_free(&m);
	CHECK_INT("no info: topic is the block", msgq_push(q, "t/x", "1", 1, 100, 1, MSGQ_NORMAL), 0);
	CHECK_INT("popped", msgq_pop(q, &m, 1), 1);
	CHECK("no info: NULL, key -1", !m.info && m.info_len == 0 && m.key == -1 &&
	      (void *)m.topic == m.mem);
	msg_free(&m);
	msgq_free(q);
}

/* Alarms first, each with its key's earlier messages, in arrival order. */
static void test_alarms_first(int efd)
{
	struct msgq *q = msgq_new(16, efd);
	struct msg out[32];
	uint64_t seqs[32];
	int i, n;

	CHECK_INT("no alarm: nothing", msgq_pop_alarms(q, out, 32), 0);
	/* seq: 1 a(dev1) 2 b(dev2) 3 c(dev1) 4 ALARM(dev1) 5 d(dev2) 6 e(dev1)
	 *      7 ALARM(dev3) 8 f(dev3) */
	push(q, "a", 1, 1, false);
	push(q, "b", 2, 2, false);
	push(q, "c", 3, 1, false);
	push(q, "A1", 4, 1, true);
	push(q, "d", 5, 2, false);
	push(q, "e", 6, 1, false);
	push(q, "A3", 7, 3, true);
	push(q, "f", 8, 3, false);
	CHECK_INT("alarms counted", msgq_alarms(q), 2);
	CHECK_INT("max 0 takes nothing", msgq_pop_alarms(q, out, 0), 0);
	n = msgq_pop_alarms(q, out, 32);
	for (i = 0; i < n; i++)
		seqs[i] = out[i].seq;
	CHECK_INT("alarms with their devices' earlier messages", n, 4);
	CHECK("in arrival order: a c A1 A3", n == 4 && seqs[0] == 1 && seqs[1] == 3 &&
	      seqs[2] == 4 && seqs[3] == 7);
	CHECK("flagged", n == 4 && out[2].alarm && out[3].alarm && !out[0].alarm);
	for (i = 0; i < n; i++)
		msg_free(&out[i]);
	CHECK_INT("no alarm left", msgq_alarms(q), 0);
	CHECK_INT("depth: the four left", msgq_depth(q), 4);
	CHECK("head: the oldest left (b, seq 2)", msgq_head_seq(q) == 2);
	n = msgq_pop(q, out, 32);
	CHECK("the rest in arrival order, holes skipped: b d e f",
	      n == 4 && out[0].seq == 2 && out[1].seq == 5 && out[2].seq == 6 && out[3].seq == 8);
	for (i = 0; i < n; i++)
		msg_free(&out[i]);
	CHECK("empty", msgq_depth(q) == 0 && msgq_head_seq(q) == 0 && !msgq_full(q));

	/* the oldest message is the alarm: the head moves past its hole */
	push(q, "A", 10, 4, true);
	push(q, "g", 11, 5, false);
	CHECK_INT("alarm at the head", msgq_pop_alarms(q, out, 32), 1);
	msg_free(&out[0]);
	CHECK("head past the hole", msgq_head_seq(q) == 11 && msgq_depth(q) == 1);
	CHECK_INT("then the rest", msgq_pop(q, out, 32), 1);
	msg_free(&out[0]);

	/* a hole in the middle keeps its slot until the head passes it */
	for (i = 0; i < 15; i++)
		push(q, "h", 20 + (uint64_t)i, 6, false);
	push(q, "A", 40, 7, true);
	CHECK_INT("one alarm taken from the middle", msgq_pop_alarms(q, out, 32), 1);
	msg_free(&out[0]);
	CHECK("its slot still counts against the ordinary limit", msgq_full(q));
	CHECK_INT("telemetry refused at the limit", push(q, "i", 41, 6, false), -1);
	CHECK_INT("an alarm still gets in", push(q, "A", 42, 6, true), 0);
	/* with max: the alarm of key 6 needs its 15 earlier messages */
	n = msgq_pop_alarms(q, out, 10);
	CHECK_INT("stops at max", n, 10);
	CHECK("the key's oldest first, the alarm left", out[0].seq == 20 && out[9].seq == 29 &&
	      !out[9].alarm && msgq_alarms(q) == 1);
	for (i = 0; i < n; i++)
		msg_free(&out[i]);
	n = msgq_pop_alarms(q, out, 32);
	CHECK("then the rest of the key and its alarm, in order", n == 6 &&
	      out[0].seq == 30 && out[4].seq == 34 && out[5].seq == 42 && out[5].alarm);
	for (i = 0; i < n; i++)
		msg_free(&out[i]);
	CHECK("empty again", msgq_depth(q) == 0 && msgq_head_seq(q) == 0);

	/* the ring wraps with holes */
	for (i = 0; i < 200; i++) {
		push(q, "w", 100 + (uint64_t)i * 2, 8, false);
		push(q, "W", 101 + (uint64_t)i * 2, 9, true);
		if (msgq_pop_alarms(q, out, 1) != 1 || out[0].seq != 101 + (uint64_t)i * 2)
			break;
		msg_free(&out[0]);
		if (msgq_pop(q, out, 2) != 1 || out[0].seq != 100 + (uint64_t)i * 2)
			break;
		msg_free(&out[0]);
	}
	CHECK_INT("wraps with holes in order", i, 200);
	/* a queue freed with holes and messages frees every block (ASan) */
	push(q, "x", 1000, 1, false);
	push(q, "X", 1001, 2, true);
	push(q, "y", 1002, 1, false);
	CHECK_INT("hole", msgq_pop_alarms(q, out, 4), 1);
	msg_free(&out[0]);
	msgq_free(q);
}

int main(void)
{
	int efd = eventfd(0, EFD_NONBLOCK);
	struct msgq *q = msgq_new(4, efd);
	struct msg out[16];
	uint64_t wakes = 0;
	int i, n;

	CHECK("queue created", q != NULL);
	for (i = 0; i < 4; i++)
		CHECK_INT("telemetry fits", msgq_push(q, "t/a", "{}", 2, 100, 1, MSGQ_NORMAL), 0);
	CHECK("full at cap", msgq_full(q));
	CHECK_INT("telemetry over cap dropped", msgq_push(q, "t/a", "{}", 2, 100, 1, MSGQ_NORMAL), -1);
	for (i = 0; i < 4; i++)
		CHECK_INT("alarm admitted past cap",
			  msgq_push(q, "t/b", "{\"smoke\":true}", 14, 100, 2, MSGQ_ALARM), 0);
	CHECK_INT("alarm over the reserve is refused, not dropped",
		  msgq_push(q, "t/b", "{\"smoke\":true}", 14, 100, 2, MSGQ_ALARM), -2);
	CHECK_INT("depth", msgq_depth(q), 8);
	CHECK("loop woken once for the burst (empty -> non-empty)",
	      read(efd, &wakes, sizeof wakes) == sizeof wakes && wakes == 1);

	n = msgq_pop(q, out, 16);
	CHECK_INT("pop all", n, 8);
	CHECK_STR("order kept: telemetry first", out[0].topic, "t/a");
	CHECK_STR("order kept: alarms after", out[7].topic, "t/b");
	CHECK_STR("payload copied and terminated", out[7].payload, "{\"smoke\":true}");
	for (i = 0; i < n; i++)
		msg_free(&out[i]);

	CHECK_INT("oversized is queued as a marker", msgq_push(q, "t/c", "xxxxxxxx", 8, 4, 3, MSGQ_NORMAL), 0);
	n = msgq_pop(q, out, 16);
	CHECK("oversized flagged, payload not copied", n == 1 && out[0].oversized && !out[0].payload && out[0].len == 8);
	msg_free(&out[0]);
	CHECK_INT("empty after pop", msgq_depth(q), 0);

	/* the ring wraps: push/pop across the end many times */
	for (i = 0; i < 100; i++) {
		msgq_push(q, "t/w", "1", 1, 100, i, MSGQ_NORMAL);
		n = msgq_pop(q, out, 1);
		if (n != 1 || out[0].recv_ms != i)
			break;
		msg_free(&out[0]);
	}
	CHECK_INT("ring wraps in order", i, 100);
	msgq_free(q);
	test_one_allocation(efd);
	test_alarms_first(efd);
	close(efd);
	TEST_DONE();
}
