/*
 * control_socket_request.c: one request line through the handler given
 * at open, its reply queued (io layer), and the streams a handler may
 * turn its client into (`hazardctl watch`): exempt from the deadlines,
 * at most CTL_MAX_STREAMS, each bounded at CTL_STREAM_WBUF_MAX unsent.
 */
#include <string.h>

#include "control_socket_int.h"

/*
 * The client whose request the handler is answering, while it does (loop
 * thread only): what ctlsock_stream_begin turns into a stream, so that the
 * handler's signature need not carry a client it has no other use for.
 */
static struct ctl_client *ctl_current;
static struct ctlsock *ctl_current_sock;

/* Answer one request line through the handler; -1 when the client had to
 * be dropped.  A request the handler understood restarts the idle clock;
 * garbage does not buy a client more time. */
int ctl_request(struct ctlsock *c, struct ctl_client *cl, const char *line,
		size_t len, void *ctx)
{
	bool understood = false;
	cJSON *reply;
	int rc;

	ctl_current = cl;
	ctl_current_sock = c;
	reply = c->handler(ctx, &cl->who, line, len, &understood);
	ctl_current = NULL;

	if (understood)
		cl->idle_ms = now_mono_ms();
	if (cl->deferred) {
		cJSON_Delete(reply);
		return 0;               /* ctlsock_reply queues it */
	}
	rc = ctl_queue(cl, reply);
	cJSON_Delete(reply);
	return rc;
}

/* A stream's owner is told once that it ended (it unsubscribes). */
void ctl_stream_end(struct ctl_client *cl)
{
	void (*gone)(void *) = cl->gone;

	cl->gone = NULL;
	if (gone)
		gone(cl->gone_arg);
}

/* ------------------------------------------------------------ streams */

struct ctl_client *ctlsock_stream_begin(void (*gone)(void *arg), void *arg,
					const char **why)
{
	struct ctl_client *cl = ctl_current;
	struct ctlsock *c = ctl_current_sock;
	int i, n = 0;

	*why = "no request is being answered";
	if (!cl)
		return NULL;
	*why = "this connection is already a stream";
	if (cl->stream)
		return NULL;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		n += c->cl[i].fd >= 0 && c->cl[i].stream;
	*why = "too many streams (at most 4 at once); try again";
	if (n >= CTL_MAX_STREAMS)
		return NULL;
	cl->stream = true;
	cl->gone = gone;
	cl->gone_arg = arg;
	return cl;
}

int ctlsock_stream_send(struct ctl_client *cl, const char *line)
{
	static const char slow[] = "{\"dropped\":\"this client read too slowly; "
				   "lines were lost, the stream ends here\"}";

	if (!cl || !cl->stream || cl->closing || cl->fd < 0)
		return -1;
	if (cl->wlen - cl->woff + strlen(line) > CTL_STREAM_WBUF_MAX) {
		log_warnx("control: stream to %s (pid %ld) is not read; closed",
			  cl->who.name, (long)cl->who.pid);
		/* the last line, then the ordinary deadlines close it */
		(void)ctl_append(cl, slow, sizeof slow - 1);
		cl->closing = true;
		cl->stream = false;
		cl->reply_ms = now_mono_ms();
		ctl_stream_end(cl);
		return -1;
	}
	if (cl->woff == cl->wlen)
		cl->reply_ms = now_mono_ms();
	if (ctl_append(cl, line, strlen(line)) < 0 || ctl_flush(cl) < 0) {
		/* gone: the next poll drops it; its owner hears now */
		cl->closing = true;
		cl->stream = false;
		cl->woff = cl->wlen = 0;
		ctl_stream_end(cl);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------- deferred replies */

/*
 * A request answered later (an evidence file hashed on a worker thread):
 * the handler takes a ticket and returns; the client reads nothing more
 * and sends nothing until ctlsock_reply, so replies keep the order of
 * requests.  A client that leaves meanwhile makes its ticket stale: the
 * reply is then dropped.  Loop thread only.
 */
int ctlsock_defer(struct ctl_ticket *t)
{
	struct ctl_client *cl = ctl_current;

	if (!cl || cl->stream || cl->deferred)
		return -1;
	cl->deferred = true;
	cl->defer_gen = ++ctl_current_sock->defer_gen;
	t->sock = ctl_current_sock;
	t->slot = (int)(cl - ctl_current_sock->cl);
	t->gen = cl->defer_gen;
	return 0;
}

/* Not deferred after all (the work could not be handed over): the
 * handler's own reply is queued as usual.  Within the handler only. */
void ctlsock_defer_cancel(const struct ctl_ticket *t)
{
	struct ctl_client *cl = ctl_current;

	if (cl && cl->deferred && cl->defer_gen == t->gen)
		cl->deferred = false;
}

void ctlsock_reply(const struct ctl_ticket *t, cJSON *reply, void *ctx)
{
	struct ctl_client *cl;
	int rc;

	if (!t->sock || t->slot < 0 || t->slot >= CTL_MAX_CLIENTS)
		return;
	cl = &t->sock->cl[t->slot];
	if (cl->fd < 0 || !cl->deferred || cl->defer_gen != t->gen)
		return;                 /* the client left */
	cl->deferred = false;
	cl->idle_ms = now_mono_ms();
	rc = ctl_queue(cl, reply);
	/* what it sent after the request, then, as ctl_client_event does */
	if (rc == 0)
		rc = ctl_process(t->sock, cl, ctx);
	if (rc == 0 && (cl->eof || cl->closing) && cl->woff == cl->wlen && !cl->deferred)
		rc = -1;
	if (rc < 0)
		ctl_client_drop(cl);
}
