/* test_queue.c: the hand-over queue keeps alarms when telemetry fills it. */
#include <sys/eventfd.h>
#include <unistd.h>

#include "app.h"
#include "testing.h"

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
	close(efd);
	TEST_DONE();
}
