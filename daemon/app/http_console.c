/*
 * http_console.c: the web console's life (http_console.h): the server
 * opened on $.http.listen with its bounds, the users file read, the
 * loop's descriptor and run, the event streams' heartbeat, the login
 * worker's answers (http_login.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

/* A browser keeps about six connections to a host plus its event stream,
 * and a stream whose page was closed is only noticed at its next
 * heartbeat: 8 from one address made a quick reload or a second tab run
 * out; a gateway's console has a handful of users, so 64 in all is slack
 * enough and still bounds the loop's work. */
#define HTTP_CONN_MAX     64    /* connections in all */
#define HTTP_CONN_PER_IP  24    /* from one address */
#define HTTP_IDLE_S       30    /* an idle connection is closed */

struct http_console *http_console_open(struct daemon *d, const struct config *cfg,
				       cJSON *(*status)(struct daemon *d), int wake_fd,
				       char *err, size_t errlen)
{
	struct http_console *c = calloc(1, sizeof *c);
	char addr[64];
	int port;
	struct http_server_opts o = {
		.max_conn = HTTP_CONN_MAX, .per_ip = HTTP_CONN_PER_IP,
		.timeout_s = HTTP_IDLE_S,
	};
	char pw[HTTP_TOKEN_HEX];

	if (!c) {
		errf(err, errlen, "out of memory");
		return NULL;
	}
	c->d = d;
	c->status = status;
	c->sess.ttl_ms = (int64_t)cfg->http.session_ttl_min * 60000;
	snprintf(c->users_path, sizeof c->users_path, "%s", cfg->http.users_file);
	if (http_users_load(c->users_path, &c->users, err, errlen) < 0 ||
	    config_http_listen(cfg->http.listen, addr, sizeof addr, &port) < 0) {
		free(c);
		return NULL;
	}
	/* a hash of a random password: an unknown name is checked against it,
	 * so it takes as long as a known one */
	if (http_token(pw) < 0 || http_hash_password(pw, c->dummy_hash,
						     sizeof c->dummy_hash) < 0) {
		errf(err, errlen, "http: cannot make a password hash");
		free(c);
		return NULL;
	}
	o.addr = addr;
	o.port = port;
	if (cfg->http.tls_cert_file[0]) {
		o.cert_file = cfg->http.tls_cert_file;
		o.key_file = cfg->http.tls_key_file;
	}
	c->srv = http_server_open(&o, http_handle, http_body_limit, c, err, errlen);
	if (!c->srv) {
		free(c);
		return NULL;
	}
	/* password checks off the loop (http_login.c); NULL: on it */
	c->login_worker = offload_new("http: login", HTTP_LOGIN_QUEUE, wake_fd);
	log_info("http: console on %s%s, %d users (%s)", cfg->http.listen,
		 o.cert_file ? " (TLS)" : "", c->users.n, c->users_path);
	if (c->users.n == 0)
		log_info("http: no users yet: hazardctl user add NAME --role admin");
	return c;
}

void http_console_close(struct http_console *c)
{
	if (!c)
		return;
	http_events_close_all(c);
	/* every suspended login answered before the server stops */
	offload_free(c->login_worker);
	http_server_close(c->srv);      /* ends the streams (on_closed) */
	free(c);
}

int http_console_pollfd(struct http_console *c, struct pollfd *pfd, int *timeout_ms)
{
	int n;

	if (!c)
		return 0;
	n = http_server_pollfd(c->srv, pfd, timeout_ms);
	if (c->sse) {
		int64_t left = c->next_heartbeat_ms - now_mono_ms();

		if (left < *timeout_ms)
			*timeout_ms = left < 0 ? 0 : (int)left;
	}
	return n;
}

void http_console_run(struct http_console *c)
{
	if (!c)
		return;
	http_events_tick(c, now_mono_ms());
	/* logins whose check came back: answered, their connections resumed
	 * before MHD runs */
	offload_collect(c->login_worker);
	http_server_run(c->srv);
}

/* After hazardctl user changed the file: read it again; a user gone or
 * with a new password loses their sessions and streams. */
void http_console_users_changed(struct http_console *c, const char *user)
{
	char err[256];

	if (!c)
		return;
	if (http_users_load(c->users_path, &c->users, err, sizeof err) < 0)
		log_warnx("http: %s", err);
	if (user) {
		http_session_drop_user(&c->sess, user);
		http_events_end_user(c, user);
	}
}
