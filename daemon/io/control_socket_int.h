/*
 * control_socket_int.h: the control socket's transport inside io only
 * (control_socket*.c): its limits, struct ctl_client and struct ctlsock,
 * which nothing outside the transport may see (io.h names them only as
 * opaque handles), and the steps its files call across each other.
 * Loop thread only, like everything of the control socket.
 */
#ifndef CONTROL_SOCKET_INT_H
#define CONTROL_SOCKET_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/un.h>

#include "io.h"

#define CTL_MAX_CLIENTS 16              /* connections at once, root's included */
#define CTL_ROOT_SLOTS  1               /* of those, kept for root (uid 0) */
#define CTL_MAX_PER_USER 8              /* one non-root user's connections */
#define CTL_REQUEST_MS  (5 * 1000)      /* a request line, from its first byte */
#define CTL_IDLE_MS     (20 * 1000)     /* a silent client gives its slot back */
#define CTL_REPLY_MS    (15 * 1000)     /* a queued reply must be taken by then */
/*
 * Long-lived streams (`hazardctl watch`) outlive every deadline above by
 * design: a client that subscribes (ctlsock_stream_begin) sets `stream`,
 * which exempts it from the deadlines (ctl_deadline), and subscribing is
 * refused once CTL_MAX_STREAMS clients stream, so they are bounded by
 * count.  A stream's unsent lines are bounded by CTL_STREAM_WBUF_MAX: a
 * reader that falls that far behind gets a last line saying so and is
 * closed, so the loop never waits for it and its memory stays bounded.
 */
#define CTL_MAX_STREAMS 4
#define CTL_STREAM_WBUF_MAX (256 * 1024)
/*
 * A request line is at most CTL_LINE_MAX bytes: enough for an evidence
 * file of EVIDENCE_FILE_MAX in base64 (hazardctl submit --evidence).
 * A client's buffer starts at CTL_RBUF_SMALL and grows only while a line
 * longer than that is read, and at most CTL_MAX_BIG clients hold a grown
 * buffer at once (another one is answered "busy" and closed), so the
 * worst case is CTL_MAX_BIG lines of CTL_LINE_MAX, not CTL_MAX_CLIENTS.
 * CTL_REQUEST_MS still bounds how long any line may take.
 */
#define CTL_LINE_MAX    (12 * 1024 * 1024) /* request bytes, without the '\n' */
#define CTL_RBUF_SIZE   (CTL_LINE_MAX + 1)
#define CTL_RBUF_SMALL  (64 * 1024 + 1)
#define CTL_MAX_BIG     2
_Static_assert(CTL_LINE_MAX > (EVIDENCE_FILE_MAX + 2) / 3 * 4 + 64 * 1024,
	       "a request line must hold the largest evidence file in base64");
#define CTL_WBUF_MAX    (1024 * 1024)   /* unsent reply bytes before a drop */
#define CTL_ACCEPT_PAUSE_MS 1000

struct ctl_client {
	int     fd;             /* -1: free slot */
	char   *rbuf;           /* rcap bytes: one line and its '\n' */
	size_t  rlen;
	size_t  rcap;           /* CTL_RBUF_SMALL, grown up to CTL_RBUF_SIZE */
	char   *wbuf;           /* replies not yet written */
	size_t  wlen;           /* bytes in wbuf */
	size_t  woff;           /* bytes of wbuf already written */
	size_t  wcap;
	bool    eof;            /* peer is done sending: answer, then close */
	bool    closing;        /* protocol error: flush the error, then close */
	bool    stream;         /* a long-lived stream: see CTL_MAX_STREAMS */
	bool    deferred;       /* its reply comes later: see ctlsock_defer */
	uint64_t defer_gen;     /* the ticket's number while deferred */
	void  (*gone)(void *arg);  /* a stream's owner, told when it ends */
	void   *gone_arg;
	struct ctl_caller who;  /* SO_PEERCRED at accept */
	/* monotonic times the deadlines run from (ctl_deadline) */
	int64_t idle_ms;        /* connected, or its last request answered */
	int64_t line_ms;        /* first byte of the request line in rbuf */
	int64_t reply_ms;       /* the unsent replies in wbuf began to wait */
};

struct ctlsock {
	int     lfd;
	char    path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t   dev;            /* identity of our socket file, so that close */
	ino_t   ino;            /* never unlinks a successor's socket */
	int64_t accept_paused_until_ms;
	int     request_ms, idle_ms, reply_ms;  /* the deadlines in force */
	ctlsock_handler handler;
	uint64_t defer_gen;     /* the last ticket given (ctlsock_defer) */
	struct complaint accept_fail, refused, overdue;
	struct ctl_client cl[CTL_MAX_CLIENTS];
};

/* control_socket.c: a client's slot emptied (its stream's owner told) */
void ctl_client_drop(struct ctl_client *cl);

/* control_socket_frame.c: replies out, request lines in */
/* Write what the socket takes now; -1 when the client is gone. */
int ctl_flush(struct ctl_client *cl);
/* Append one line to the client's buffer, whatever is waiting. */
int ctl_append(struct ctl_client *cl, const char *line, size_t len);
/* Queue one reply line (NULL: "out of memory"); -1 when the client must
 * be dropped. */
int ctl_queue(struct ctl_client *cl, cJSON *reply);
int ctl_reply_err(struct ctl_client *cl, const char *msg);
/* One read and every complete line answered; -1 when the client must be
 * dropped. */
int ctl_read(struct ctlsock *c, struct ctl_client *cl, void *ctx);
/* Every complete line already in rbuf answered (a deferred reply's client
 * goes on with what it sent after); -1 when the client must be dropped. */
int ctl_process(struct ctlsock *c, struct ctl_client *cl, void *ctx);

/* control_socket_peer.c: new connections, each with who it is, admitted
 * to a slot or turned away with a reply */
void ctl_accept(struct ctlsock *c);

/* control_socket_request.c: one request line through the handler, and
 * the streams a handler may turn its client into */
int ctl_request(struct ctlsock *c, struct ctl_client *cl, const char *line,
		size_t len, void *ctx);
/* A stream's owner is told once that it ended (it unsubscribes). */
void ctl_stream_end(struct ctl_client *cl);

#endif /* CONTROL_SOCKET_INT_H */
