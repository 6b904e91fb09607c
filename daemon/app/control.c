/*
 * control.c: the Unix control socket that hazardctl talks to.
 *
 * One JSON request per line in, one JSON reply per line out.  Everything is
 * non-blocking and driven by the daemon's single poll() loop: a client that
 * stops reading its replies or sends garbage costs a buffer, never a stall.
 * Requests are answered from the loop thread, so the handlers may read the
 * daemon state and the store directly.
 *
 * Who asks is the kernel's word: SO_PEERCRED at accept gives the uid, and
 * every person's action is recorded under that user's name (only root may
 * name another actor).  No local user can lock operators out: a request
 * line must be complete within CTL_REQUEST_MS of its first byte, a silent
 * client is closed after CTL_IDLE_MS, a reply not taken within
 * CTL_REPLY_MS drops its client, one user holds at most CTL_MAX_PER_USER
 * connections, and the last CTL_ROOT_SLOTS of CTL_MAX_CLIENTS are root's
 * alone (docs/operations.md, "Control socket").
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "app.h"

#define CTL_MAX_CLIENTS 16              /* connections at once, root's included */
#define CTL_ROOT_SLOTS  1               /* of those, kept for root (uid 0) */
#define CTL_MAX_PER_USER 8              /* one non-root user's connections */
#define CTL_REQUEST_MS  (5 * 1000)      /* a request line, from its first byte */
#define CTL_IDLE_MS     (20 * 1000)     /* a silent client gives its slot back */
#define CTL_REPLY_MS    (15 * 1000)     /* a queued reply must be taken by then */
/*
 * Long-lived streams (`hazardctl watch`, to come) will outlive every
 * deadline above by design: a client that subscribes sets `stream`, which
 * exempts it from the deadlines (ctl_deadline), and subscribing is refused
 * once CTL_MAX_STREAMS clients stream, so they are bounded by count.
 */
#define CTL_MAX_STREAMS 4
#define CTL_LINE_MAX    (64 * 1024)     /* request bytes, without the '\n' */
#define CTL_RBUF_SIZE   (CTL_LINE_MAX + 1)
#define CTL_WBUF_MAX    (1024 * 1024)   /* unsent reply bytes before a drop */
#define CTL_NOTE_MAX    500             /* characters (UTF-8 code points) */
#define CTL_EVIDENCE_MAX 2000           /* characters: a close's evidence text */
#define CTL_ACCEPT_PAUSE_MS 1000
#define CTL_ECHO_MAX    80              /* bytes of client text echoed in errors */

struct ctl_client {
	int     fd;             /* -1: free slot */
	char   *rbuf;           /* CTL_RBUF_SIZE bytes: one line and its '\n' */
	size_t  rlen;
	char   *wbuf;           /* replies not yet written */
	size_t  wlen;           /* bytes in wbuf */
	size_t  woff;           /* bytes of wbuf already written */
	size_t  wcap;
	bool    eof;            /* peer is done sending: answer, then close */
	bool    closing;        /* protocol error: flush the error, then close */
	bool    stream;         /* a long-lived stream: see CTL_MAX_STREAMS */
	struct ctl_caller who;  /* SO_PEERCRED at accept */
	/* monotonic times the deadlines run from (ctl_deadline) */
	int64_t idle_ms;        /* connected, or its last request answered */
	int64_t line_ms;        /* first byte of the request line in rbuf */
	int64_t reply_ms;       /* the unsent replies in wbuf began to wait */
};

struct control {
	int     lfd;
	char    path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t   dev;            /* identity of our socket file, so that close */
	ino_t   ino;            /* never unlinks a successor's socket */
	int64_t accept_paused_until_ms;
	int     request_ms, idle_ms, reply_ms;  /* the deadlines in force */
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

struct control *control_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct control *c;
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

void control_set_deadlines(struct control *c, int request_ms, int idle_ms, int reply_ms)
{
	if (request_ms > 0)
		c->request_ms = request_ms;
	if (idle_ms > 0)
		c->idle_ms = idle_ms;
	if (reply_ms > 0)
		c->reply_ms = reply_ms;
}

static void ctl_client_drop(struct ctl_client *cl)
{
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->rbuf);
	free(cl->wbuf);
	memset(cl, 0, sizeof *cl);
	cl->fd = -1;
}

void control_close(struct control *c)
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
		nb = realloc(cl->wbuf, cap);
		if (!nb) {
			free(text);
			return -1;
		}
		cl->wbuf = nb;
		cl->wcap = cap;
	}
	memcpy(cl->wbuf + cl->wlen, src, len);
	cl->wbuf[cl->wlen + len] = '\n';
	cl->wlen += len + 1;
	free(text);
	return ctl_flush(cl);
}

static int ctl_reply_ok(struct ctl_client *cl, cJSON *result)
{
	cJSON *reply = cJSON_CreateObject();
	int rc;

	if (!reply) {
		cJSON_Delete(result);
		return ctl_queue(cl, NULL);
	}
	cJSON_AddTrueToObject(reply, "ok");
	cJSON_AddItemToObject(reply, "result", result ? result : cJSON_CreateNull());
	rc = ctl_queue(cl, reply);
	cJSON_Delete(reply);
	return rc;
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

/* ---------------------------------------------------------- commands */

/*
 * Client text echoed back in an error is clipped so that a 64 KiB id does
 * not come back as a 64 KiB error; the cut never splits a UTF-8 sequence.
 */
static const char *ctl_clip(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);

	if (n < size)
		return s;
	n = size - 4;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

/* Characters, not bytes: a 500-character note in Chinese is 1500 bytes. */
static size_t ctl_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static bool ctl_blank_n(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/*
 * A required string member: NULL with err set when absent, not a string or
 * empty, so each handler states its checks once.
 */
static const char *ctl_req_str(const cJSON *req, const char *key,
			       char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	if (!v) {
		errf(err, errlen, "missing \"%s\"", key);
		return NULL;
	}
	if (!cJSON_IsString(v) || !v->valuestring) {
		errf(err, errlen, "\"%s\" must be a string", key);
		return NULL;
	}
	if (ctl_blank_n(v->valuestring, strlen(v->valuestring))) {
		errf(err, errlen, "\"%s\" must not be empty", key);
		return NULL;
	}
	return v->valuestring;
}

static cJSON *ctl_cmd_status(const cJSON *req, struct daemon *d,
			     char *err, size_t errlen)
{
	cJSON *r = daemon_status_json(d);

	if (!r)
		errf(err, errlen, "status unavailable");
	return r;
}

static cJSON *ctl_device_json(const struct device_cfg *dev,
			      const struct device_state *st, int64_t now_ms)
{
	cJSON *o = cJSON_CreateObject();
	bool seen = st && st->heard;
	enum presence pres = device_presence(dev, st, now_ms);

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", dev->id);
	cJSON_AddStringToObject(o, "kind",
		(unsigned)dev->kind < DEV_KIND_COUNT ? device_kind_name[dev->kind] : "?");
	cJSON_AddStringToObject(o, "site", dev->site);
	cJSON_AddStringToObject(o, "topic", dev->topic);
	cJSON_AddStringToObject(o, "format", dev->format);
	cJSON_AddNumberToObject(o, "heartbeat_s", dev->heartbeat_s);
	/* never_seen is not online: full coverage means proven reporting */
	cJSON_AddStringToObject(o, "state", presence_name[pres]);
	cJSON_AddBoolToObject(o, "online", pres == PRES_ONLINE);
	cJSON_AddBoolToObject(o, "relay", dev->relay);
	if (seen && st->last_seen_ms)
		cJSON_AddNumberToObject(o, "last_seen_age_s",
			(double)((now_ms - st->last_seen_ms) / 1000));
	else
		cJSON_AddNullToObject(o, "last_seen_age_s");
	cJSON_AddNumberToObject(o, "accepted", st ? (double)st->accepted : 0);
	cJSON_AddNumberToObject(o, "rejected", st ? (double)st->rejected : 0);
	/* fields left out of accepted payloads, by field; saturated values */
	{
		cJSON *bf = cJSON_AddObjectToObject(o, "bad_fields");
		int f;

		for (f = 0; bf && st && f < RF_COUNT; f++)
			if (st->field_bad[f])
				cJSON_AddNumberToObject(bf, reading_field_name[f],
							(double)st->field_bad[f]);
	}
	cJSON_AddNumberToObject(o, "over_range", st ? (double)st->over_range : 0);
	/* 自查: test-button presses, reported as the self-check rate */
	cJSON_AddNumberToObject(o, "self_tests", st ? (double)st->self_tests : 0);
	if (st && st->last.present != 0)
		cJSON_AddItemToObject(o, "last", reading_to_json(&st->last));
	else
		cJSON_AddNullToObject(o, "last");
	return o;
}

static cJSON *ctl_cmd_devices(const cJSON *req, struct daemon *d,
			      char *err, size_t errlen)
{
	cJSON *arr = cJSON_CreateArray();
	int64_t now_ms = now_mono_ms();
	int i;

	if (!arr) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	if (!d->cfg)
		return arr;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "unknown"))) {
		cJSON_Delete(arr);
		return ctl_unknown_devices(d, err, errlen);
	}
	for (i = 0; i < d->cfg->n_devices; i++) {
		cJSON *o = ctl_device_json(&d->cfg->devices[i],
					   d->dev_state ? &d->dev_state[i] : NULL,
					   now_ms);

		ctl_device_extra(d, i, o);

		if (!o) {
			cJSON_Delete(arr);
			errf(err, errlen, "out of memory");
			return NULL;
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* Listings of one kind ({"open": true} and the filters of summary.c). */
static cJSON *ctl_cmd_hazards(const cJSON *req, struct daemon *d,
			      char *err, size_t errlen)
{
	return ctl_records_where(req, d, "hazard", err, errlen);
}

static cJSON *ctl_cmd_alarms(const cJSON *req, struct daemon *d,
			     char *err, size_t errlen)
{
	return ctl_records_where(req, d, "alarm", err, errlen);
}

static cJSON *ctl_cmd_faults(const cJSON *req, struct daemon *d,
			     char *err, size_t errlen)
{
	return ctl_records_where(req, d, "fault", err, errlen);
}

static cJSON *ctl_cmd_records(const cJSON *req, struct daemon *d,
			      char *err, size_t errlen)
{
	return ctl_records_where(req, d, NULL, err, errlen);
}

static cJSON *ctl_cmd_hazard(const cJSON *req, struct daemon *d,
			     char *err, size_t errlen)
{
	const char *id = ctl_req_str(req, "id", err, errlen);
	char clip[CTL_ECHO_MAX];
	cJSON *r;

	if (!id)
		return NULL;
	if (!d->store) {
		errf(err, errlen, "store not available");
		return NULL;
	}
	r = store_hazard_detail(d->store, id);
	if (!r)
		errf(err, errlen, "no such alarm, fault or hazard: %s",
		     ctl_clip(id, clip, sizeof clip));
	return r;
}

/* An optional text member into *out: NULL when absent or null, else a
 * non-blank string of at most max_chars characters (-1 otherwise). */
static int ctl_opt_text(const cJSON *req, const char *key, int max_chars,
			const char **out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!(*out = ctl_req_str(req, key, err, errlen)))
		return -1;
	if (ctl_utf8_len(*out) > (size_t)max_chars) {
		errf(err, errlen, "\"%s\" is longer than %d characters", key, max_chars);
		return -1;
	}
	return 0;
}

/*
 * A person's move on a hazard (lifecycle.c decides whether it is legal):
 * {"cmd":"ack"|"rectifying"|"close", "id", "note", "actor", "evidence"}.
 * A write-off needs a note: without a reason it is not a write-off.
 */
/* What every person's action carries: the record's id, an optional note
 * and the actor (ctl_actor: the caller unless root names someone).  0, or
 * -1 with err. */
static int ctl_person(const cJSON *req, const struct ctl_caller *who, const char **id,
		      const char **note, const char **actor, char *err, size_t errlen)
{
	if (!(*id = ctl_req_str(req, "id", err, errlen)))
		return -1;
	if (ctl_opt_text(req, "note", CTL_NOTE_MAX, note, err, errlen) < 0)
		return -1;
	return ctl_actor(req, who, actor, err, errlen);
}

/* The reply to a person's action: the id, the state it is in now (a
 * cleared hazard stays cleared when acked), who did it. */
static cJSON *ctl_person_reply(struct daemon *d, const char *id, const char *fallback,
			       const char *actor, char *err, size_t errlen)
{
	struct hazard_rec rec;
	cJSON *r = cJSON_CreateObject();

	if (!r) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "state", d->store && store_hazard_get(d->store, id, &rec) == 0
				? rec.state : fallback);
	cJSON_AddStringToObject(r, "actor", actor);
	return r;
}

/*
 * An alarm's verification or a fault's dismissal:
 * {"cmd":"verify-alarm","id","verdict":"real"|"false"|"test","note","actor"},
 * {"cmd":"dismiss","id","note","actor"} (a note is required).
 */
static cJSON *ctl_record_act(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, enum record_action a, char *err, size_t errlen)
{
	const char *id, *note = NULL, *actor, *vname = NULL;
	char cerr[256] = "";
	int v = VERDICT_NONE;
	cJSON *r;

	if (ctl_person(req, who, &id, &note, &actor, err, errlen) < 0)
		return NULL;
	if (a == RA_VERIFY) {
		if (!(vname = ctl_req_str(req, "verdict", err, errlen)))
			return NULL;
		if ((v = verdict_from_name(vname)) < 0) {
			errf(err, errlen, "verdict must be real, false or test");
			return NULL;
		}
	}
	if (a == RA_DISMISS && !note) {
		errf(err, errlen, "missing \"note\": say why the fault is dismissed");
		return NULL;
	}
	if (daemon_record_action(d, id, a, (enum verdict)v, actor, note, NULL, cerr,
				 sizeof cerr) < 0) {
		errf(err, errlen, "%s", cerr[0] ? cerr : "refused");
		return NULL;
	}
	r = ctl_person_reply(d, id, record_action_event[a], actor, err, errlen);
	if (r && vname)
		cJSON_AddStringToObject(r, "verdict", vname);
	return r;
}

static cJSON *ctl_transition(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, enum hz_state to, char *err, size_t errlen)
{
	const char *id, *note = NULL, *actor, *evidence = NULL;
	char cerr[256] = "";

	if (ctl_person(req, who, &id, &note, &actor, err, errlen) < 0)
		return NULL;
	/* a write-off needs a note: without a reason it is not a write-off */
	if (to == HZS_CLOSED && !cJSON_GetObjectItemCaseSensitive(req, "note")) {
		errf(err, errlen, "missing \"note\"");
		return NULL;
	}
	if (to == HZS_CLOSED &&
	    ctl_opt_text(req, "evidence", CTL_EVIDENCE_MAX, &evidence, err, errlen) < 0)
		return NULL;
	if (daemon_hazard_transition(d, id, to, actor, note, evidence, cerr,
				     sizeof cerr) < 0) {
		errf(err, errlen, "%s", cerr[0] ? cerr : "refused");
		return NULL;
	}
	return ctl_person_reply(d, id, hz_state_name[to], actor, err, errlen);
}

static cJSON *ctl_cmd_verify_alarm(const cJSON *req, const struct ctl_caller *who,
				   struct daemon *d, char *err, size_t errlen)
{
	return ctl_record_act(req, who, d, RA_VERIFY, err, errlen);
}

static cJSON *ctl_cmd_dismiss(const cJSON *req, const struct ctl_caller *who,
			      struct daemon *d, char *err, size_t errlen)
{
	return ctl_record_act(req, who, d, RA_DISMISS, err, errlen);
}

static cJSON *ctl_cmd_close(const cJSON *req, const struct ctl_caller *who,
			    struct daemon *d, char *err, size_t errlen)
{
	return ctl_transition(req, who, d, HZS_CLOSED, err, errlen);
}

static cJSON *ctl_cmd_ack(const cJSON *req, const struct ctl_caller *who,
			  struct daemon *d, char *err, size_t errlen)
{
	return ctl_transition(req, who, d, HZS_ACKNOWLEDGED, err, errlen);
}

static cJSON *ctl_cmd_rectifying(const cJSON *req, const struct ctl_caller *who,
				 struct daemon *d, char *err, size_t errlen)
{
	return ctl_transition(req, who, d, HZS_RECTIFYING, err, errlen);
}

/* ------------------------------------------------------------ outputs */

static cJSON *ctl_cmd_outputs(const cJSON *req, struct daemon *d,
			      char *err, size_t errlen)
{
	cJSON *r;

	gpio_lock(d);   /* the GPIO thread moves outputs (gpio_thread.c) */
	r = interlock_outputs_json(d->il);
	gpio_unlock(d);
	if (!r)
		errf(err, errlen, "out of memory");
	return r;
}

static int ctl_output(const cJSON *req, struct daemon *d, char *err, size_t errlen)
{
	const char *name = ctl_req_str(req, "output", err, errlen);
	char clip[CTL_ECHO_MAX];
	int o;

	if (!name)
		return -1;
	o = interlock_find(d->il, name);
	if (o < 0)
		errf(err, errlen, "no such output: %s", ctl_clip(name, clip, sizeof clip));
	return o;
}

/* A hazard still active that an interlock maps onto this output; NULL none. */
static const struct device_cfg *ctl_output_cause(const struct daemon *d, int o, int *type)
{
	const struct config *cfg = d->cfg;
	const struct device_cfg *dev;
	int i, k;

	for (i = 0; i < cfg->n_interlocks; i++) {
		const struct interlock_cfg *r = &cfg->interlocks[i];

		for (k = 0; k < r->n_actions && r->action[k].output != o; k++)
			;
		if (k == r->n_actions || !(dev = ctl_rule_active_device(d, r)))
			continue;
		*type = r->hazard;
		return dev;
	}
	return NULL;
}

/*
 * Reopening a gas valve while the gas is still there would undo the
 * interlock: refuse while any hazard that drives the output is active.
 */
/* {"output": <the name asked for>} to add the outcome to. */
static cJSON *output_reply(const cJSON *req, char *err, size_t errlen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(req, "output");
	cJSON *r = cJSON_CreateObject();

	if (!r || !cJSON_AddStringToObject(r, "output", name->valuestring)) {
		cJSON_Delete(r);
		errf(err, errlen, "out of memory");
		return NULL;
	}
	return r;
}

static cJSON *ctl_cmd_reset(const cJSON *req, const struct ctl_caller *who,
			    struct daemon *d, char *err, size_t errlen)
{
	const char *actor;
	const struct device_cfg *dev;
	char rerr[256] = "";
	int o, type, rc;
	cJSON *r;

	if (ctl_reset_is_device(req, d))
		return ctl_reset_device(req, who, d, err, errlen);
	if ((o = ctl_output(req, d, err, errlen)) < 0 ||
	    ctl_actor(req, who, &actor, err, errlen) < 0)
		return NULL;
	if ((dev = ctl_output_cause(d, o, &type))) {
		errf(err, errlen, "%s on %s is still active: clear its cause first",
		     hazard_type_name[type], dev->id);
		return NULL;
	}
	if (!d->store || store_begin(d->store) < 0) {
		errf(err, errlen, "database busy, try again");
		return NULL;
	}
	/* one lock hold: an input change the GPIO thread acted on but the
	 * loop has not recorded yet is a cause the check above cannot see */
	gpio_lock(d);
	if (gpio_thread_pending(d->gt) > 0) {
		gpio_unlock(d);
		store_rollback(d->store);
		errf(err, errlen, "input changes are being recorded, try again");
		return NULL;
	}
	rc = interlock_reset(d->il, o, actor, now_wall_ms(), rerr, sizeof rerr);
	gpio_unlock(d);
	if (rc < 0 ||
	    interlock_persist(d->il, d->store) < 0 || store_commit(d->store) < 0) {
		store_rollback(d->store);
		errf(err, errlen, "%s", rerr[0] ? rerr : "database error; latch kept");
		return NULL;
	}
	r = output_reply(req, err, errlen);
	if (!r)
		return NULL;
	cJSON_AddStringToObject(r, "state", "reset");
	cJSON_AddStringToObject(r, "actor", actor);
	return r;
}

static cJSON *ctl_cmd_test(const cJSON *req, const struct ctl_caller *who,
			   struct daemon *d, char *err, size_t errlen)
{
	int o, rc;
	uint64_t self_tests;
	cJSON *r;

	if ((o = ctl_output(req, d, err, errlen)) < 0)
		return NULL;
	gpio_lock(d);   /* the GPIO thread ends the pulse */
	rc = interlock_test(d->il, o, now_wall_ms(), now_mono_ms(), err, errlen);
	self_tests = interlock_self_tests(d->il);
	gpio_unlock(d);
	if (rc < 0)
		return NULL;
	log_info("output %s: test pulse by %s", d->cfg->outputs[o].name, who->name);
	summary_self_check(d, d->cfg->outputs[o].name, "", "output", now_wall_ms());
	r = output_reply(req, err, errlen);
	if (!r)
		return NULL;
	cJSON_AddStringToObject(r, "state", "testing");
	cJSON_AddNumberToObject(r, "self_tests", (double)self_tests);
	return r;
}

/* Live reload (reload.c): the outcome, with every error, is the result;
 * "reloaded": false says the old configuration is still running. */
static cJSON *ctl_cmd_reload(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, char *err, size_t errlen)
{
	char trigger[ID_MAX + 16];
	cJSON *r;

	if (!d->reload) {
		errf(err, errlen, "reload is not available");
		return NULL;
	}
	snprintf(trigger, sizeof trigger, "hazardctl, %s", who->name);
	r = d->reload(d, trigger);
	if (!r)
		errf(err, errlen, "out of memory; configuration unchanged");
	return r;
}

/* The rules in force per kind and device, and where each value came from
 * (default, file, platform): what set-rules changed is visible here. */
static cJSON *ctl_cmd_rules(const cJSON *req, struct daemon *d,
			    char *err, size_t errlen)
{
	cJSON *r = rule_overrides_list(d->cfg, d->store);

	if (!r)
		errf(err, errlen, "out of memory");
	return r;
}

/* A question: what anyone on the socket may ask. */
typedef cJSON *(*ctl_cmd_fn)(const cJSON *req, struct daemon *d,
			     char *err, size_t errlen);
/* An action: done, logged and recorded as the caller (ctl_actor). */
typedef cJSON *(*ctl_act_fn)(const cJSON *req, const struct ctl_caller *who,
			     struct daemon *d, char *err, size_t errlen);

static const struct ctl_cmd {
	const char *name;
	ctl_cmd_fn  fn;         /* one of fn and act */
	ctl_act_fn  act;
} ctl_cmds[] = {
	{ .name = "status",  .fn = ctl_cmd_status },
	{ .name = "devices", .fn = ctl_cmd_devices },
	{ .name = "hazards", .fn = ctl_cmd_hazards },
	{ .name = "hazard",  .fn = ctl_cmd_hazard },
	{ .name = "show",    .fn = ctl_cmd_hazard },
	{ .name = "alarms",  .fn = ctl_cmd_alarms },
	{ .name = "faults",  .fn = ctl_cmd_faults },
	{ .name = "records", .fn = ctl_cmd_records },
	{ .name = "outputs", .fn = ctl_cmd_outputs },
	{ .name = "report",  .fn = ctl_cmd_report },
	{ .name = "ledger",  .fn = ctl_cmd_ledger },
	{ .name = "rules",   .fn = ctl_cmd_rules },
	{ .name = "verify-alarm", .act = ctl_cmd_verify_alarm },
	{ .name = "dismiss", .act = ctl_cmd_dismiss },
	{ .name = "close",   .act = ctl_cmd_close },
	{ .name = "ack",     .act = ctl_cmd_ack },
	{ .name = "rectifying", .act = ctl_cmd_rectifying },
	{ .name = "reset",   .act = ctl_cmd_reset },
	{ .name = "test",    .act = ctl_cmd_test },
	{ .name = "reload",  .act = ctl_cmd_reload },
	{ .name = "switch",  .act = ctl_cmd_switch },
};

/*
 * Every string in a request, member names included, must be clean text
 * (text_check): whatever a handler stores, logs or forwards is then valid
 * UTF-8 without control characters.  false with err naming the member.
 */
static bool ctl_clean(const cJSON *j, char *err, size_t errlen)
{
	char clip[CTL_ECHO_MAX];
	const cJSON *it;
	const char *why;

	cJSON_ArrayForEach(it, j) {
		if (it->string && (why = text_check(it->string))) {
			errf(err, errlen, "a member name %s", why);
			return false;
		}
		if (cJSON_IsString(it) && it->valuestring &&
		    (why = text_check(it->valuestring))) {
			if (it->string)
				errf(err, errlen, "\"%s\" %s",
				     ctl_clip(it->string, clip, sizeof clip), why);
			else
				errf(err, errlen, "a list item %s", why);
			return false;
		}
		if ((cJSON_IsObject(it) || cJSON_IsArray(it)) &&
		    !ctl_clean(it, err, errlen))
			return false;
	}
	return true;
}

/* Answer one request line; -1 when the client had to be dropped. */
static int ctl_request(struct ctl_client *cl, const char *line, size_t len,
		       struct daemon *d)
{
	const cJSON *cmd;
	cJSON *req, *result;
	char err[512] = "", clip[CTL_ECHO_MAX];
	size_t i;
	int rc;

	req = cJSON_ParseWithLength(line, len);
	if (!req)
		return ctl_reply_err(cl, "malformed JSON request");
	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		return ctl_reply_err(cl, "request must be a JSON object");
	}
	cl->idle_ms = now_mono_ms();
	if (!ctl_clean(req, err, sizeof err)) {
		cJSON_Delete(req);
		return ctl_reply_err(cl, err);
	}
	cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd");
	if (!cJSON_IsString(cmd) || !cmd->valuestring) {
		cJSON_Delete(req);
		return ctl_reply_err(cl, "request needs a string \"cmd\"");
	}
	for (i = 0; i < sizeof ctl_cmds / sizeof ctl_cmds[0]; i++)
		if (strcmp(ctl_cmds[i].name, cmd->valuestring) == 0)
			break;
	if (i == sizeof ctl_cmds / sizeof ctl_cmds[0]) {
		snprintf(err, sizeof err, "unknown command \"%s\"",
			 ctl_clip(cmd->valuestring, clip, sizeof clip));
		cJSON_Delete(req);
		return ctl_reply_err(cl, err);
	}
	log_debug("control: fd %d (%s, pid %ld): %s", cl->fd, cl->who.name,
		  (long)cl->who.pid, ctl_cmds[i].name);
	result = ctl_cmds[i].act ? ctl_cmds[i].act(req, &cl->who, d, err, sizeof err)
				 : ctl_cmds[i].fn(req, d, err, sizeof err);
	cJSON_Delete(req);
	if (!result)
		rc = ctl_reply_err(cl, err[0] ? err : "request failed");
	else
		rc = ctl_reply_ok(cl, result);
	return rc;
}

/* ------------------------------------------------------------- input */

/* Answer every complete line in rbuf; -1 when the client was dropped. */
static int ctl_process(struct ctl_client *cl, struct daemon *d)
{
	size_t start = 0;
	char *nl;

	while (!cl->closing &&
	       (nl = memchr(cl->rbuf + start, '\n', cl->rlen - start)) != NULL) {
		size_t len = (size_t)(nl - (cl->rbuf + start));

		if (len > 0 && cl->rbuf[start + len - 1] == '\r')
			len--;          /* telnet / socat crlf */
		if (!ctl_blank_n(cl->rbuf + start, len) &&
		    ctl_request(cl, cl->rbuf + start, len, d) < 0)
			return -1;
		start = (size_t)(nl - cl->rbuf) + 1;
	}
	memmove(cl->rbuf, cl->rbuf + start, cl->rlen - start);
	cl->rlen -= start;
	if (start > 0 && cl->rlen > 0)
		cl->line_ms = now_mono_ms();    /* what is left began a new line */
	if (cl->closing)
		return 0;
	if (cl->rlen == CTL_RBUF_SIZE) {
		/* no newline within the limit: the stream cannot be resynced */
		cl->rlen = 0;
		cl->closing = true;
		return ctl_reply_err(cl, "request line longer than 65536 bytes");
	}
	if (cl->eof && cl->rlen > 0) {
		/* `printf '{"cmd":"status"}' | nc -U` sends no final newline */
		size_t len = cl->rlen;

		cl->rlen = 0;
		if (!ctl_blank_n(cl->rbuf, len))
			return ctl_request(cl, cl->rbuf, len, d);
	}
	return 0;
}

/* One read per wakeup: poll is level-triggered, and it keeps clients fair. */
static int ctl_read(struct ctl_client *cl, struct daemon *d)
{
	bool was_empty = cl->rlen == 0;
	ssize_t n;

	n = recv(cl->fd, cl->rbuf + cl->rlen, CTL_RBUF_SIZE - cl->rlen, MSG_DONTWAIT);
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
	return ctl_process(cl, d);
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
static struct ctl_client *ctl_slot_for(struct control *c, const struct ctl_caller *who,
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

static void ctl_accept(struct control *c)
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
		cl->rbuf = malloc(CTL_RBUF_SIZE);
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
static int64_t ctl_deadline(const struct control *c, const struct ctl_client *cl,
			    const char **what)
{
	int64_t dl = INT64_MAX;

	if (cl->stream)
		return INT64_MAX;
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

int control_pollfds(struct control *c, struct pollfd *pfd, int max)
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

		if (cl->fd < 0)
			continue;
		pfd[n].fd = cl->fd;
		pfd[n].events = 0;
		if (!cl->eof && !cl->closing)
			pfd[n].events |= POLLIN;
		if (cl->woff < cl->wlen)
			pfd[n].events |= POLLOUT;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

static void ctl_client_event(struct ctl_client *cl, short revents,
			     struct daemon *d)
{
	int rc = 0;

	if (revents & POLLNVAL) {
		rc = -1;
	} else {
		if ((revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !cl->eof && !cl->closing)
			rc = ctl_read(cl, d);
		if (rc == 0 && cl->woff < cl->wlen &&
		    (revents & (POLLOUT | POLLHUP | POLLERR)))
			rc = ctl_flush(cl);
	}
	if (rc == 0 && (cl->eof || cl->closing) && cl->woff == cl->wlen)
		rc = -1;        /* everything answered: done */
	if (rc < 0)
		ctl_client_drop(cl);
}

void control_handle(struct control *c, const struct pollfd *pfd, int n,
		    struct daemon *d)
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
				ctl_client_event(&c->cl[i], pfd[k].revents, d);
				break;
			}
		}
	}
	if (accept_ready)
		ctl_accept(c);
}
