/*
 * control_socket.c: the control socket's transport (io layer): the Unix
 * listening socket, its clients, who each one is, line framing, deadlines
 * and write buffers.  What a request means is not known here: each
 * complete request line goes with the caller's credentials to the handler
 * given at open (app/control.c, the command table), and the JSON reply it
 * returns is queued for that client.
 *
 * Everything is non-blocking and driven by the daemon's single poll()
 * loop: a client that stops reading its replies or sends garbage costs a
 * buffer, never a stall.  The handler runs on the loop thread; it may
 * defer a reply (ctlsock_defer, ctlsock_reply: at the end of the file).
 *
 * Who asks is the kernel's word: SO_PEERCRED at accept gives the uid, and
 * the handler records every person's action under that user's name.  No
 * local user can lock operators out: a request line must be complete
 * within CTL_REQUEST_MS of its first byte, a silent client is closed after
 * CTL_IDLE_MS, a reply not taken within CTL_REPLY_MS drops its client, one
 * user holds at most CTL_MAX_PER_USER connections, and the last
 * CTL_ROOT_SLOTS of CTL_MAX_CLIENTS are root's alone (docs/operations.md,
 * "Control socket").
 *
 * A little over 800 lines on purpose: set-up, output, input, admission,
 * deadlines and streams all work on struct ctl_client, which nothing
 * outside the transport may see; split, they would need a header that
 * exposes it.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

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

/*
 * The client whose request the handler is answering, while it does (loop
 * thread only): what ctlsock_stream_begin turns into a stream, so that the
 * handler's signature need not carry a client it has no other use for.
 */
static struct ctl_client *ctl_current;
static struct ctlsock *ctl_current_sock;

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

/* ------------------------------------------------------------ set-up */

/* mkdir -p for the socket's parent; new directories get 0750 exactly. */
static int ctl_mkdir_parents(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX_HZ];
	char *p, *slash;
	struct stat sb;

	if (strlcpy_hz(dir, path, sizeof dir) < 0) {
		errf(err, errlen, "control socket path too long: %s", path);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;               /* relative name in cwd, or under "/" */
	*slash = '\0';
	if (stat(dir, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return 0;
		errf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	for (p = dir + 1; ; p++) {
		bool last = (*p == '\0');

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) == 0) {
			/* the umask may have taken bits away; 0750 is the contract */
			if (chmod(dir, 0750) < 0) {
				errf(err, errlen, "chmod %s: %s", dir, strerror(errno));
				return -1;
			}
		} else if (errno != EEXIST) {
			errf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
		if (last)
			break;
		*p = '/';
	}
	return 0;
}

/*
 * A socket file left by a crashed daemon must not stop a restart, but a
 * running daemon's socket must never be stolen: only a refused connect
 * proves that nobody is listening.
 */
static int ctl_clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat sb;
	int fd, rc;

	if (lstat(sa->sun_path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		errf(err, errlen, "%s: %s", sa->sun_path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		errf(err, errlen, "%s exists and is not a socket; not removing it",
			sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		errf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	if (rc == 0 || errno == EAGAIN) {
		/* EAGAIN: a listener exists, its backlog is merely full */
		close(fd);
		errf(err, errlen, "another hazardd is running on %s", sa->sun_path);
		return -1;
	}
	if (errno != ECONNREFUSED) {
		errf(err, errlen, "cannot probe %s: %s", sa->sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (unlink(sa->sun_path) < 0 && errno != ENOENT) {
		errf(err, errlen, "cannot remove stale socket %s: %s",
			sa->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

struct ctlsock *ctlsock_open(const char *path, ctlsock_handler handler,
			     char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct ctlsock *c;
	struct stat sb;
	mode_t old_mask;
	int i, rc;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (!path || !*path) {
		errf(err, errlen, "control socket path is empty");
		return NULL;
	}
	if (strlcpy_hz(sa.sun_path, path, sizeof sa.sun_path) < 0) {
		errf(err, errlen, "control socket path too long (max %zu bytes): %s",
			sizeof sa.sun_path - 1, path);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	c->lfd = -1;
	c->handler = handler;
	c->request_ms = CTL_REQUEST_MS;
	c->idle_ms = CTL_IDLE_MS;
	c->reply_ms = CTL_REPLY_MS;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		c->cl[i].fd = -1;
	memcpy(c->path, sa.sun_path, sizeof c->path);

	if (ctl_mkdir_parents(path, err, errlen) < 0)
		goto err_free;
	if (ctl_clear_stale(&sa, err, errlen) < 0)
		goto err_free;
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		errf(err, errlen, "socket: %s", strerror(errno));
		goto err_free;
	}
	/*
	 * bind() creates the file with the umask applied, so set the umask for
	 * exactly 0660; there is no window in which the socket is more open.
	 * This runs at start-up; no other thread creates files meanwhile.
	 */
	old_mask = umask(0117);
	rc = bind(c->lfd, (struct sockaddr *)&sa, sizeof sa);
	umask(old_mask);
	if (rc < 0) {
		if (errno == EADDRINUSE)
			errf(err, errlen, "another hazardd is running on %s", path);
		else
			errf(err, errlen, "bind %s: %s", path, strerror(errno));
		goto err_close;
	}
	if (chmod(path, 0660) < 0 || stat(path, &sb) < 0) {
		errf(err, errlen, "chmod %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	c->dev = sb.st_dev;
	c->ino = sb.st_ino;
	if (listen(c->lfd, CTL_MAX_CLIENTS) < 0) {
		errf(err, errlen, "listen %s: %s", path, strerror(errno));
		goto err_unlink;
	}
	return c;

err_unlink:
	unlink(path);
err_close:
	close(c->lfd);
err_free:
	free(c);
	return NULL;
}

void ctlsock_set_deadlines(struct ctlsock *c, int request_ms, int idle_ms, int reply_ms)
{
	if (request_ms > 0)
		c->request_ms = request_ms;
	if (idle_ms > 0)
		c->idle_ms = idle_ms;
	if (reply_ms > 0)
		c->reply_ms = reply_ms;
}

/* A stream's owner is told once that it ended (it unsubscribes). */
static void ctl_stream_end(struct ctl_client *cl)
{
	void (*gone)(void *) = cl->gone;

	cl->gone = NULL;
	if (gone)
		gone(cl->gone_arg);
}

static void ctl_client_drop(struct ctl_client *cl)
{
	ctl_stream_end(cl);
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->rbuf);
	free(cl->wbuf);
	memset(cl, 0, sizeof *cl);
	cl->fd = -1;
}

void ctlsock_close(struct ctlsock *c)
{
	struct stat sb;
	int i;

	if (!c)
		return;
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		ctl_client_drop(&c->cl[i]);
	/* a successor may already own the path; only remove our own file */
	if (stat(c->path, &sb) == 0 && sb.st_dev == c->dev && sb.st_ino == c->ino)
		unlink(c->path);
	if (c->lfd >= 0)
		close(c->lfd);
	free(c);
}

/* ------------------------------------------------------------ output */

/* Write what the socket takes now; -1 when the client is gone. */
static int ctl_flush(struct ctl_client *cl)
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
static int ctl_append(struct ctl_client *cl, const char *line, size_t len)
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
static int ctl_queue(struct ctl_client *cl, cJSON *reply)
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

static int ctl_reply_err(struct ctl_client *cl, const char *msg)
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

/* Answer one request line through the handler; -1 when the client had to
 * be dropped.  A request the handler understood restarts the idle clock;
 * garbage does not buy a client more time. */
static int ctl_request(struct ctlsock *c, struct ctl_client *cl, const char *line,
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


/* ------------------------------------------------------------- input */

/* Answer every complete line in rbuf; -1 when the client was dropped. */
static int ctl_process(struct ctlsock *c, struct ctl_client *cl, void *ctx)
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
static int ctl_read(struct ctlsock *c, struct ctl_client *cl, void *ctx)
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

/* The user name of uid, or "uid:N" (no entry, or a name unfit to record). */
static void ctl_user_name(uid_t uid, char *name, size_t size)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name &&
	    *res->pw_name && strlen(res->pw_name) < size && !text_check(res->pw_name))
		snprintf(name, size, "%s", res->pw_name);
	else
		snprintf(name, size, "uid:%lu", (unsigned long)uid);
}

/* Who is on the other end: the kernel's word, fixed at connect time. */
static int ctl_peer(int fd, struct ctl_caller *who)
{
	struct ucred uc;
	socklen_t len = sizeof uc;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || len != sizeof uc)
		return -1;
	who->uid = uc.uid;
	who->gid = uc.gid;
	who->pid = uc.pid;
	ctl_user_name(uc.uid, who->name, sizeof who->name);
	return 0;
}

/*
 * Turning a client away with a reply beats leaving it in the backlog: the
 * operator sees why instead of a timeout.
 */
static void ctl_refuse(int fd, const char *why)
{
	char msg[256];
	int len = snprintf(msg, sizeof msg, "{\"ok\":false,\"error\":\"%s\"}\n", why);
	ssize_t n = send(fd, msg, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)n;                /* best effort: the client may already be gone */
	close(fd);
}

/*
 * A slot for this caller, or NULL with why: the last CTL_ROOT_SLOTS are
 * root's, so no number of other users' connections can shut root out,
 * and no other user holds more than CTL_MAX_PER_USER, so one user alone
 * cannot shut the other users out (two who fill 15 slots together can,
 * for as long as their deadlines let them).
 */
static struct ctl_client *ctl_slot_for(struct ctlsock *c, const struct ctl_caller *who,
				       const char **why)
{
	struct ctl_client *free_cl = NULL;
	int i, used = 0, mine = 0;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if (c->cl[i].fd < 0) {
			if (!free_cl)
				free_cl = &c->cl[i];
			continue;
		}
		used++;
		mine += c->cl[i].who.uid == who->uid;
	}
	*why = "too many control clients connected; try again";
	if (!free_cl)
		return NULL;
	if (who->uid != 0 && used >= CTL_MAX_CLIENTS - CTL_ROOT_SLOTS)
		return NULL;
	if (who->uid != 0 && mine >= CTL_MAX_PER_USER) {
		*why = "too many control connections from this user; try again";
		return NULL;
	}
	return free_cl;
}

static void ctl_accept(struct ctlsock *c)
{
	struct ctl_client *cl;
	struct ctl_caller who;
	const char *why;
	int fd, tries;

	/* bounded, so that a connect flood cannot hold the loop */
	for (tries = 0; tries < 2 * CTL_MAX_CLIENTS; tries++) {
		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			complain(&c->accept_fail, "control: accept on %s: %s",
				 c->path, strerror(errno));
			/*
			 * Out of descriptors or memory: the listener stays
			 * readable, so without a pause the loop would spin.
			 */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				c->accept_paused_until_ms = now_mono_ms() +
							    CTL_ACCEPT_PAUSE_MS;
			return;
		}
		complain_release(&c->accept_fail,
				 "control: accepting connections on %s again", c->path);
		memset(&who, 0, sizeof who);
		if (ctl_peer(fd, &who) < 0) {
			log_warn("control: cannot tell who connected (SO_PEERCRED)");
			ctl_refuse(fd, "cannot identify the caller");
			continue;
		}
		cl = ctl_slot_for(c, &who, &why);
		if (!cl) {
			complain(&c->refused, "control: refused a connection from %s "
				 "(uid %lu, pid %ld): %s", who.name, (unsigned long)who.uid,
				 (long)who.pid, why);
			ctl_refuse(fd, why);
			continue;
		}
		cl->rbuf = malloc(CTL_RBUF_SMALL);
		cl->rcap = CTL_RBUF_SMALL;
		if (!cl->rbuf) {
			log_warnx("control: out of memory for a client");
			close(fd);
			return;
		}
		cl->fd = fd;
		cl->who = who;
		cl->idle_ms = now_mono_ms();
		log_debug("control: client fd %d connected: %s (uid %lu, pid %ld)", fd,
			  who.name, (unsigned long)who.uid, (long)who.pid);
	}
}

/*
 * When this client must be gone (monotonic ms): a started request line
 * must be finished, a queued reply taken, and a client with neither must
 * ask something before its idle deadline.  Streams are bounded by count
 * (CTL_MAX_STREAMS), not by time.
 */
static int64_t ctl_deadline(const struct ctlsock *c, const struct ctl_client *cl,
			    const char **what)
{
	int64_t dl = INT64_MAX;

	if (cl->stream)
		return INT64_MAX;
	if (cl->deferred) {
		/* the worker answers within its queue's work; idle bounds it */
		*what = "no answer to its request";
		return cl->idle_ms + c->idle_ms;
	}
	if (cl->rlen > 0 && !cl->eof && !cl->closing) {
		dl = cl->line_ms + c->request_ms;
		*what = "no complete request line";
	}
	if (cl->woff < cl->wlen && cl->reply_ms + c->reply_ms < dl) {
		dl = cl->reply_ms + c->reply_ms;
		*what = "its replies not read";
	}
	if (dl == INT64_MAX) {
		dl = cl->idle_ms + c->idle_ms;
		*what = "no request";
	}
	return dl;
}

/* ------------------------------------------------------------- loop */

int ctlsock_pollfds(struct ctlsock *c, struct pollfd *pfd, int max)
{
	int64_t now_ms = now_mono_ms();
	int i, n = 0;

	if (!c || max <= 0)
		return 0;
	/*
	 * Deadlines are enforced here because this runs every loop pass,
	 * whether or not any socket was ready: forgotten `nc -U` sessions and
	 * clients that trickle a byte at a time must not lock operators out.
	 */
	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct ctl_client *cl = &c->cl[i];
		const char *what = "";

		if (cl->fd < 0 || now_ms < ctl_deadline(c, cl, &what))
			continue;
		complain(&c->overdue, "control: closed a connection from %s (uid %lu, "
			 "pid %ld): %s in time", cl->who.name, (unsigned long)cl->who.uid,
			 (long)cl->who.pid, what);
		ctl_client_drop(cl);
	}
	pfd[n].fd = c->lfd;
	pfd[n].events = now_ms < c->accept_paused_until_ms ? 0 : POLLIN;
	pfd[n].revents = 0;
	n++;
	for (i = 0; i < CTL_MAX_CLIENTS && n < max; i++) {
		struct ctl_client *cl = &c->cl[i];

		if (cl->fd < 0 || (cl->deferred && cl->woff == cl->wlen))
			continue;       /* deferred: nothing read until its reply */
		pfd[n].fd = cl->fd;
		pfd[n].events = 0;
		if (!cl->eof && !cl->closing && !cl->deferred)
			pfd[n].events |= POLLIN;
		if (cl->woff < cl->wlen)
			pfd[n].events |= POLLOUT;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

static void ctl_client_event(struct ctlsock *c, struct ctl_client *cl, short revents,
			     void *ctx)
{
	int rc = 0;

	if (revents & POLLNVAL) {
		rc = -1;
	} else {
		if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !cl->eof && !cl->closing && !cl->deferred)
			rc = ctl_read(c, cl, ctx);
		if (rc == 0 && cl->woff < cl->wlen &&
		    (revents & (POLLOUT | POLLHUP | POLLERR)))
			rc = ctl_flush(cl);
	}
	if (rc == 0 && (cl->eof || cl->closing) && cl->woff == cl->wlen && !cl->deferred)
		rc = -1;        /* everything answered: done */
	if (rc < 0)
		ctl_client_drop(cl);
}

void ctlsock_handle(struct ctlsock *c, const struct pollfd *pfd, int n, void *ctx)
{
	bool accept_ready = false;
	int k, i;

	if (!c)
		return;
	/*
	 * Slots are matched by fd, and new clients are accepted only after
	 * every entry was handled, so a descriptor number reused by accept4
	 * cannot be mistaken for the client polled under it.
	 */
	for (k = 0; k < n; k++) {
		if (pfd[k].revents == 0 || pfd[k].fd < 0)
			continue;
		if (pfd[k].fd == c->lfd) {
			accept_ready = (pfd[k].revents & POLLIN) != 0;
			continue;
		}
		for (i = 0; i < CTL_MAX_CLIENTS; i++) {
			if (c->cl[i].fd == pfd[k].fd) {
				ctl_client_event(c, &c->cl[i], pfd[k].revents, ctx);
				break;
			}
		}
	}
	if (accept_ready)
		ctl_accept(c);
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
