/*
 * http_server.c: the web console's transport on libmicrohttpd (docs/http.md
 * says why this library).  MHD runs in its external mode with epoll: the
 * loop polls one descriptor and calls MHD_run, which never blocks, so no
 * client, however slow, holds the loop.  Connections are bounded in all,
 * per address and in idle time.  Each request's body is gathered here up
 * to the app's limit for its path (413 past it, the rest discarded), then
 * handed over once, whole.
 *
 * A handler may suspend its request (http_req_suspend) to answer it later,
 * from the loop, once a worker thread has done the slow part (a password
 * check): the connection is out of MHD's way meanwhile and its reply is
 * queued when MHD calls back after the resume.
 *
 * Streams (Server-Sent Events): a reply read from a per-connection buffer;
 * when the buffer is empty the connection is suspended (MHD leaves it
 * alone, no busy polling) and a write resumes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "io.h"
#include "http_server.h"
#include "dynlib.h"

/* libmicrohttpd, loaded when a console is configured (dynlib.h): the
 * library and the GnuTLS it stands on cost a gateway without a console
 * nothing.  Each pointer has the library's own type. */
#define MHD_FN(f) __typeof__(f) *f;
static struct {
	MHD_FN(MHD_add_response_header)
	MHD_FN(MHD_create_response_from_buffer)
	MHD_FN(MHD_create_response_from_callback)
	MHD_FN(MHD_destroy_response)
	MHD_FN(MHD_get_connection_info)
	MHD_FN(MHD_get_daemon_info)
	MHD_FN(MHD_get_timeout)
	MHD_FN(MHD_lookup_connection_value)
	MHD_FN(MHD_queue_response)
	MHD_FN(MHD_resume_connection)
	MHD_FN(MHD_run)
	MHD_FN(MHD_set_connection_option)
	MHD_FN(MHD_start_daemon)
	MHD_FN(MHD_stop_daemon)
	MHD_FN(MHD_suspend_connection)
} M;
#define MHD_SYM(f) { #f, &M.f }
static const struct dynsym mhd_syms[] = {
	MHD_SYM(MHD_add_response_header),
	MHD_SYM(MHD_create_response_from_buffer),
	MHD_SYM(MHD_create_response_from_callback),
	MHD_SYM(MHD_destroy_response),
	MHD_SYM(MHD_get_connection_info),
	MHD_SYM(MHD_get_daemon_info),
	MHD_SYM(MHD_get_timeout),
	MHD_SYM(MHD_lookup_connection_value),
	MHD_SYM(MHD_queue_response),
	MHD_SYM(MHD_resume_connection),
	MHD_SYM(MHD_run),
	MHD_SYM(MHD_set_connection_option),
	MHD_SYM(MHD_start_daemon),
	MHD_SYM(MHD_stop_daemon),
	MHD_SYM(MHD_suspend_connection),
};
static bool mhd_loaded;         /* the loop's thread alone opens a server */

struct http_stream {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char   *buf;
	size_t  len, max;
	bool    suspended, ended;
	void  (*closed)(void *ctx);
	void   *ctx;
	struct http_stream *next;
};

struct http_req {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const char *method, *url;
	char   *body;
	size_t  len, cap, limit;
	bool    too_big, replied;
	bool    suspended;              /* waiting for a worker (http_req_suspend) */
	struct MHD_Response *held;      /* its reply, queued once resumed */
	unsigned held_status;
	char    ip[INET6_ADDRSTRLEN];
};

struct http_server {
	struct MHD_Daemon *mhd;
	http_handler handler;
	http_limit_fn limit;
	void   *ctx;
	bool    tls;
	char   *cert, *key;         /* PEM text: MHD takes them from memory */
	struct http_stream *streams;
};

/* ------------------------------------------------------------ replies */

static void add_headers(struct MHD_Response *resp, const char *const *h)
{
	for (; h && h[0] && h[1]; h += 2)
		M.MHD_add_response_header(resp, h[0], h[1]);
}

void http_reply(struct http_req *r, int status, const char *type, const void *body,
		size_t len, const char *const *headers)
{
	struct MHD_Response *resp;

	if (r->replied || r->held)
		return;
	resp = M.MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return;
	if (type)
		M.MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	add_headers(resp, headers);
	if (r->suspended) {
		/* MHD takes a reply only from its handler: hold it, resume, and
		 * on_request queues it when MHD calls back */
		r->held = resp;
		r->held_status = (unsigned)status;
		r->suspended = false;
		M.MHD_resume_connection(r->conn);
		return;
	}
	if (M.MHD_queue_response(r->conn, (unsigned)status, resp) == MHD_YES)
		r->replied = true;
	M.MHD_destroy_response(resp);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	size_t n;

	if (st->len > 0) {
		n = st->len < max ? st->len : max;
		memcpy(buf, st->buf, n);
		memmove(st->buf, st->buf + n, st->len - n);
		st->len -= n;
		return (ssize_t)n;
	}
	if (st->ended)
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* nothing to send: out of MHD's way until a write resumes it */
	M.MHD_suspend_connection(st->conn);
	st->suspended = true;
	return 0;
}

static void stream_free(void *cls)
{
	struct http_stream *st = cls, **p;

	for (p = &st->srv->streams; *p; p = &(*p)->next)
		if (*p == st) {
			*p = st->next;
			break;
		}
	if (st->closed)
		st->closed(st->ctx);
	free(st->buf);
	free(st);
}

struct http_stream *http_reply_stream(struct http_req *r, const char *type,
				      const char *const *headers, size_t max_buffer,
				      void (*closed)(void *ctx), void *ctx)
{
	struct http_stream *st;
	struct MHD_Response *resp;

	if (r->replied || !(st = calloc(1, sizeof *st)))
		return NULL;
	st->buf = malloc(max_buffer);
	if (!st->buf) {
		free(st);
		return NULL;
	}
	st->srv = r->srv;
	st->conn = r->conn;
	st->max = max_buffer;
	resp = M.MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read,
						 st, stream_free);
	if (!resp) {
		free(st->buf);
		free(st);
		return NULL;
	}
	if (type)
		M.MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	add_headers(resp, headers);
	/* a stream is quiet between events: the heartbeat keeps it, not
	 * the idle timeout */
	M.MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
	if (M.MHD_queue_response(r->conn, MHD_HTTP_OK, resp) != MHD_YES) {
		M.MHD_destroy_response(resp);     /* frees st (stream_free) */
		return NULL;
	}
	M.MHD_destroy_response(resp);
	r->replied = true;
	st->next = r->srv->streams;
	r->srv->streams = st;
	/* set last: a failure above must not call back */
	st->closed = closed;
	st->ctx = ctx;
	return st;
}

static void stream_wake(struct http_stream *st)
{
	if (st->suspended) {
		st->suspended = false;
		M.MHD_resume_connection(st->conn);
	}
}

int http_stream_write(struct http_stream *st, const char *data, size_t len)
{
	if (st->ended || len > st->max - st->len)
		return -1;
	memcpy(st->buf + st->len, data, len);
	st->len += len;
	stream_wake(st);
	return 0;
}

void http_stream_end(struct http_stream *st)
{
	st->ended = true;
	st->len = 0;            /* a client that fell behind gets no more */
	stream_wake(st);
}

/* ------------------------------------------------------------ requests */

void http_req_suspend(struct http_req *r)
{
	if (r->replied || r->suspended)
		return;
	r->suspended = true;
	M.MHD_suspend_connection(r->conn);
}

const char *http_req_method(const struct http_req *r) { return r->method; }
const char *http_req_path(const struct http_req *r) { return r->url; }
const char *http_req_ip(const struct http_req *r) { return r->ip; }

const char *http_req_header(const struct http_req *r, const char *name)
{
	return M.MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_req_cookie(const struct http_req *r, const char *name)
{
	return M.MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *http_req_arg(const struct http_req *r, const char *name)
{
	return M.MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_req_body(const struct http_req *r, size_t *len)
{
	*len = r->len;
	return r->body ? r->body : "";
}

static void client_ip(struct MHD_Connection *conn, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		M.MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, size, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  out, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)size);
}

static const char too_big_body[] = "{\"error\":\"request body too large\"}";

static void reply_too_big(struct http_req *r)
{
	static const char *const h[] = { "Connection", "close", NULL };

	http_reply(r, MHD_HTTP_CONTENT_TOO_LARGE, "application/json", too_big_body,
		   sizeof too_big_body - 1, h);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *s = cls;
	struct http_req *r = *con_cls;
	const char *cl;

	if (!r) {
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		r->srv = s;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->limit = s->limit(s->ctx, method, url);
		client_ip(conn, r->ip, sizeof r->ip);
		*con_cls = r;
		/* a declared length past the limit is refused before its body */
		cl = M.MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > r->limit) {
			r->too_big = true;
			reply_too_big(r);
			return r->replied ? MHD_YES : MHD_NO;
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;

		*upload_size = 0;
		if (r->too_big || r->replied)
			return MHD_YES;         /* discarded */
		if (n > r->limit - r->len) {
			r->too_big = true;
			free(r->body);
			r->body = NULL;
			r->len = 0;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = r->cap ? r->cap : 4096;
			char *b;

			while (cap < r->len + n + 1)
				cap *= 2;
			if (!(b = realloc(r->body, cap)))
				return MHD_NO;
			r->body = b;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	if (r->held) {
		/* resumed after a worker's answer (http_reply held it) */
		if (M.MHD_queue_response(conn, r->held_status, r->held) == MHD_YES)
			r->replied = true;
		M.MHD_destroy_response(r->held);
		r->held = NULL;
		return r->replied ? MHD_YES : MHD_NO;
	}
	if (r->replied || r->suspended)
		return MHD_YES;
	if (r->too_big)
		reply_too_big(r);
	else
		s->handler(s->ctx, r);
	if (r->suspended)
		return MHD_YES;         /* answered later, by http_reply */
	if (!r->replied) {
		static const char e[] = "{\"error\":\"no reply\"}";

		http_reply(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json", e,
			   sizeof e - 1, NULL);
	}
	return r->replied ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_req *r = *con_cls;

	if (!r)
		return;
	if (r->held)
		M.MHD_destroy_response(r->held);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* ------------------------------------------------------------ server */

static char *read_pem(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *t = read_file_hz(path, 1u << 20, &len);

	if (!t)
		errf(err, errlen, "http: cannot read %s: %s", path, strerror(errno));
	return t;
}

struct http_server *http_server_open(const struct http_server_opts *o, http_handler h,
				     http_limit_fn limit, void *ctx, char *err,
				     size_t errlen)
{
	struct http_server *s = calloc(1, sizeof *s);
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (!mhd_loaded) {
		if (dynlib_load("libmicrohttpd.so.12", "libmicrohttpd12", "the web console ($.http)",
				mhd_syms, sizeof mhd_syms / sizeof mhd_syms[0], err, errlen) < 0) {
			free(s);
			return NULL;
		}
		mhd_loaded = true;
	}
	if (!s) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	s->handler = h;
	s->limit = limit;
	s->ctx = ctx;
	if (inet_pton(AF_INET, o->addr, &in4.sin_addr) == 1) {
		in4.sin_port = htons((uint16_t)o->port);
		sa = (const struct sockaddr *)&in4;
	} else if (inet_pton(AF_INET6, o->addr, &in6.sin6_addr) == 1) {
		in6.sin6_port = htons((uint16_t)o->port);
		sa = (const struct sockaddr *)&in6;
		flags |= MHD_USE_IPv6;
	} else {
		errf(err, errlen, "http: %s is not a numeric address", o->addr);
		free(s);
		return NULL;
	}
	if (o->cert_file && o->key_file) {
		if (!(s->cert = read_pem(o->cert_file, err, errlen)) ||
		    !(s->key = read_pem(o->key_file, err, errlen))) {
			http_server_close(s);
			return NULL;
		}
		s->tls = true;
		flags |= MHD_USE_TLS;
	}
	s->mhd = M.MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, s,
				  MHD_OPTION_SOCK_ADDR, sa,
				  MHD_OPTION_CONNECTION_LIMIT, o->max_conn,
				  MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip,
				  MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				  s->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->cert,
				  MHD_OPTION_HTTPS_MEM_KEY, s->key,
				  MHD_OPTION_END);
	if (!s->mhd) {
		errf(err, errlen, "http: cannot listen on %s:%d: %s", o->addr, o->port,
		     strerror(errno ? errno : EADDRINUSE));
		http_server_close(s);
		return NULL;
	}
	return s;
}

void http_server_close(struct http_server *s)
{
	struct http_stream *st;

	if (!s)
		return;
	if (s->mhd) {
		/* suspended streams must be resumed before MHD stops */
		for (st = s->streams; st; st = st->next)
			http_stream_end(st);
		M.MHD_run(s->mhd);
		M.MHD_stop_daemon(s->mhd);
	}
	free(s->cert);
	if (s->key)
		memset(s->key, 0, strlen(s->key));
	free(s->key);
	free(s);
}

bool http_server_tls(const struct http_server *s)
{
	return s && s->tls;
}

int http_server_pollfd(struct http_server *s, struct pollfd *pfd, int *timeout_ms)
{
	const union MHD_DaemonInfo *di;
	MHD_UNSIGNED_LONG_LONG t;

	if (!s || !(di = M.MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD)))
		return 0;
	*pfd = (struct pollfd){ .fd = di->epoll_fd, .events = POLLIN };
	if (M.MHD_get_timeout(s->mhd, &t) == MHD_YES && (long long)t < *timeout_ms)
		*timeout_ms = (int)t;
	return 1;
}

void http_server_run(struct http_server *s)
{
	if (s)
		M.MHD_run(s->mhd);
}
