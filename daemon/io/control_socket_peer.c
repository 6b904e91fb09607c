/*
 * control_socket_peer.c: who is on the other end of a control connection
 * and whether they get a slot (io layer).  The caller's uid comes from
 * the kernel (SO_PEERCRED) at accept, never from a request; the last
 * CTL_ROOT_SLOTS are root's and no other user holds more than
 * CTL_MAX_PER_USER, and one turned away is told why.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control_socket_int.h"

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

void ctl_accept(struct ctlsock *c)
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
