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
 * defer a reply (ctlsock_defer, ctlsock_reply: control_socket_request.c).
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
 * Four files share struct ctl_client through control_socket_int.h, which
 * nothing outside them includes: this one (set-up, tear-down, the
 * deadlines and the poll loop's two calls), control_socket_frame.c (reply
 * buffers and request line framing), control_socket_peer.c (peer
 * credentials and admission) and control_socket_request.c (one request
 * through the handler, and streams).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_socket_int.h"

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

void ctl_client_drop(struct ctl_client *cl)
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

/* ------------------------------------------------------------ deadlines */

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
