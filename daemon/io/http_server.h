/*
 * http_server.h: the web console's transport (io layer, http_server.c on
 * libmicrohttpd; docs/http.md).  The server runs inside the loop: its one
 * epoll descriptor joins the loop's poll() and http_server_run() does what
 * is ready without blocking, so a handler runs on the loop thread and a
 * slow client never makes the loop wait.  What a request means is the
 * app's business (app/http_api.c): it gets each request once, with its
 * whole body, and answers it before returning, or suspends it and answers
 * it later from the loop (a password checked on a worker thread).
 */
#ifndef IO_HTTP_SERVER_H
#define IO_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

struct pollfd;
struct http_server;
struct http_req;        /* one request, valid during the handler's call
			 * (or until its reply, once suspended) */
struct http_stream;     /* an open streamed reply (Server-Sent Events) */

/* Each complete request: answer it with http_reply or http_reply_stream. */
typedef void (*http_handler)(void *ctx, struct http_req *r);
/* The largest body taken for method and url (bytes): larger is 413. */
typedef size_t (*http_limit_fn)(void *ctx, const char *method, const char *url);

struct http_server_opts {
	const char *addr;               /* numeric IPv4 or IPv6 */
	int port;
	const char *cert_file, *key_file;       /* both or NULL: TLS */
	unsigned max_conn;              /* connections in all */
	unsigned per_ip;                /* connections from one address */
	unsigned timeout_s;             /* an idle connection is closed */
};

struct http_server *http_server_open(const struct http_server_opts *o, http_handler h,
				     http_limit_fn limit, void *ctx, char *err,
				     size_t errlen);
void http_server_close(struct http_server *s);
bool http_server_tls(const struct http_server *s);
/* The descriptor to poll (POLLIN) and the longest the loop may sleep
 * (*timeout_ms lowered, never raised).  0 when s is NULL. */
int  http_server_pollfd(struct http_server *s, struct pollfd *pfd, int *timeout_ms);
/* After poll(): accept, read, answer, write what is ready. */
void http_server_run(struct http_server *s);

/* The request. */
const char *http_req_method(const struct http_req *r);
const char *http_req_path(const struct http_req *r);    /* without the query */
const char *http_req_header(const struct http_req *r, const char *name);
const char *http_req_cookie(const struct http_req *r, const char *name);
const char *http_req_arg(const struct http_req *r, const char *name); /* query */
const char *http_req_body(const struct http_req *r, size_t *len); /* NUL-terminated */
const char *http_req_ip(const struct http_req *r);      /* the client's address */

/* Answer later: the handler returns without a reply; r stays valid and its
 * connection waits (no reads, no timeout) until http_reply is called on
 * it, from the loop thread.  The caller must reply to every request it
 * suspends, before http_server_close. */
void http_req_suspend(struct http_req *r);

/* headers: name, value, name, value, ..., NULL (copied). */
void http_reply(struct http_req *r, int status, const char *type, const void *body,
		size_t len, const char *const *headers);
/* A reply that stays open: data is written with http_stream_write; closed
 * is called once when the client is gone or the stream was ended (the
 * stream is freed after it: use it no more). */
struct http_stream *http_reply_stream(struct http_req *r, const char *type,
				      const char *const *headers, size_t max_buffer,
				      void (*closed)(void *ctx), void *ctx);
/* Queue data; -1 when it does not fit in the stream's buffer (the caller
 * ends a client that cannot keep up). */
int  http_stream_write(struct http_stream *st, const char *data, size_t len);
/* End the stream (closed is called once its reply is done). */
void http_stream_end(struct http_stream *st);

#endif /* IO_HTTP_SERVER_H */
