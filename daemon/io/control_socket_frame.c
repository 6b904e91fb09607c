/*
 * control_socket_frame.c: the control socket's framing (io layer): replies
 * queued and written as they are taken, bounded per client, and request
 * lines cut from what a client sends, each handed to ctl_request.  A
 * client's read buffer starts small and grows only for a long line (an
 * evidence file), for at most CTL_MAX_BIG clients at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "control_socket_int.h"

/* ------------------------------------------------------------ output */

/* Write what the socket takes now; -1 when the client is gone. */
int ctl_flush(struct ctl_client *cl)
{
	while (cl->woff < cl->wlen) {
		ssize_t n = send(cl->fd, cl->wbuf + cl->woff, cl->wlen - cl->woff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			log_debug("control: client fd %d: send: %s", cl->fd,
				  strerror(errno));
			return -1;
		}
		cl->woff += (size_t)n;
	}
	cl->woff = cl->wlen = 0;
	return 0;
}

/* Append one line to the client's buffer, whatever is waiting. */
int ctl_append(struct ctl_client *cl, const char *line, size_t len)
{
	if (cl->woff > 0) {
		memmove(cl->wbuf, cl->wbuf + cl->woff, cl->wlen - cl->woff);
		cl->wlen -= cl->woff;
		cl->woff = 0;
	}
	if (cl->wlen + len + 1 > cl->wcap) {
		size_t cap = cl->wcap ? cl->wcap : 4096;
		char *nb;

		while (cap < cl->wlen + len + 1)
			cap *= 2;
		if (!(nb = realloc(cl->wbuf, cap)))
			return -1;
		cl->wbuf = nb;
		cl->wcap = cap;
	}
	memcpy(cl->wbuf + cl->wlen, line, len);
	cl->wbuf[cl->wlen + len] = '\n';
	cl->wlen += len + 1;
	return 0;
}

/*
 * Queue one reply line.  A client may pipeline requests, but one that never
 * reads would grow our memory without bound: when more than CTL_WBUF_MAX of
 * earlier replies is still unsent it is dropped.  A single reply is never
 * refused for its own size (a long hazard listing is legitimate).
 */
int ctl_queue(struct ctl_client *cl, cJSON *reply)
{
	static const char oom[] = "{\"ok\":false,\"error\":\"out of memory\"}";
	char *text = reply ? cJSON_PrintUnformatted(reply) : NULL;
	const char *src = text ? text : oom;
	size_t len = strlen(src);

	if (cl->wlen - cl->woff > CTL_WBUF_MAX) {
		log_warnx("control: client fd %d is not reading its replies "
			  "(%zu bytes queued); dropped", cl->fd, cl->wlen - cl->woff);
		free(text);
		return -1;
	}
	if (cl->woff == cl->wlen)
		cl->reply_ms = now_mono_ms();   /* nothing was waiting before */
	if (ctl_append(cl, src, len) < 0) {
		free(text);
		return -1;
	}
	free(text);
	return ctl_flush(cl);
}

int ctl_reply_err(struct ctl_client *cl, const char *msg)
{
	cJSON *reply = cJSON_CreateObject();
	int rc;

	if (reply) {
		cJSON_AddFalseToObject(reply, "ok");
		cJSON_AddStringToObject(reply, "error", msg);
	}
	rc = ctl_queue(cl, reply);
	cJSON_Delete(reply);
	return rc;
}

static bool ctl_blank_n(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* ------------------------------------------------------------- input */

/* Answer every complete line in rbuf; -1 when the client was dropped. */
int ctl_process(struct ctlsock *c, struct ctl_client *cl, void *ctx)
{
	size_t start = 0;
	char *nl;

	while (!cl->closing && !cl->deferred &&
	       (nl = memchr(cl->rbuf + start, '\n', cl->rlen - start)) != NULL) {
		size_t len = (size_t)(nl - (cl->rbuf + start));

		if (len > 0 && cl->rbuf[start + len - 1] == '\r')
			len--;          /* telnet / socat crlf */
		if (!ctl_blank_n(cl->rbuf + start, len) &&
		    ctl_request(c, cl, cl->rbuf + start, len, ctx) < 0)
			return -1;
		start = (size_t)(nl - cl->rbuf) + 1;
	}
	memmove(cl->rbuf, cl->rbuf + start, cl->rlen - start);
	cl->rlen -= start;
	if (start > 0 && cl->rlen > 0)
		cl->line_ms = now_mono_ms();    /* what is left began a new line */
	if (cl->closing || cl->deferred)
		return 0;       /* a deferred reply: the rest waits for it */
	if (cl->rlen == CTL_RBUF_SIZE) {
		char msg[64];

		/* no newline within the limit: the stream cannot be resynced */
		cl->rlen = 0;
		cl->closing = true;
		snprintf(msg, sizeof msg, "request line longer than %d bytes", CTL_LINE_MAX);
		return ctl_reply_err(cl, msg);
	}
	/* the long line is handled: give its memory back */
	if (cl->rcap > CTL_RBUF_SMALL && cl->rlen < CTL_RBUF_SMALL) {
		char *small = realloc(cl->rbuf, CTL_RBUF_SMALL);

		if (small) {
			cl->rbuf = small;
			cl->rcap = CTL_RBUF_SMALL;
		}
	}
	if (cl->eof && cl->rlen > 0) {
		/* `printf '{"cmd":"status"}' | nc -U` sends no final newline */
		size_t len = cl->rlen;

		cl->rlen = 0;
		if (!ctl_blank_n(cl->rbuf, len))
			return ctl_request(c, cl, cl->rbuf, len, ctx);
	}
	return 0;
}

/*
 * A line longer than the small buffer: grow it (by four, up to
 * CTL_RBUF_SIZE) if fewer than CTL_MAX_BIG other clients hold a grown
 * one; else answer busy and close.  0, or -1 refused.
 */
static int ctl_grow(struct ctlsock *c, struct ctl_client *cl)
{
	size_t cap = cl->rcap * 4 < CTL_RBUF_SIZE ? cl->rcap * 4 : CTL_RBUF_SIZE;
	int i, big = 0;
	char *p;

	if (cl->rcap == CTL_RBUF_SMALL) {
		for (i = 0; i < CTL_MAX_CLIENTS; i++)
			if (c->cl[i].fd >= 0 && c->cl[i].rcap > CTL_RBUF_SMALL)
				big++;
	}
	if (big >= CTL_MAX_BIG || !(p = realloc(cl->rbuf, cap))) {
		cl->rlen = 0;
		cl->closing = true;
		(void)ctl_reply_err(cl, big >= CTL_MAX_BIG ?
				    "busy: other long requests are being read, try again" :
				    "out of memory for a long request");
		return -1;
	}
	cl->rbuf = p;
	cl->rcap = cap;
	return 0;
}

/* One read per wakeup: poll is level-triggered, and it keeps clients fair. */
int ctl_read(struct ctlsock *c, struct ctl_client *cl, void *ctx)
{
	bool was_empty = cl->rlen == 0;
	ssize_t n;

	if (cl->rlen == cl->rcap && cl->rcap < CTL_RBUF_SIZE &&
	    ctl_grow(c, cl) < 0)
		return 0;       /* refused: the reply is queued, it is closing */
	n = recv(cl->fd, cl->rbuf + cl->rlen, cl->rcap - cl->rlen, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		log_debug("control: client fd %d: recv: %s", cl->fd, strerror(errno));
		return -1;
	}
	if (n == 0) {
		cl->eof = true;
	} else {
		if (was_empty)
			cl->line_ms = now_mono_ms();
		cl->rlen += (size_t)n;
	}
	return ctl_process(c, cl, ctx);
}
