/*
 * http_console.h: the web console (docs/http.md), what the rest of the
 * daemon sees of it.  The loop polls its descriptor and runs it; handlers
 * run on the loop thread and call the operations (ops.h) directly.
 */
#ifndef APP_HTTP_CONSOLE_H
#define APP_HTTP_CONSOLE_H

#include "ops.h"

struct pollfd;
struct http_console;

/* Listen on cfg->http.listen (the caller checks it is set), read the
 * users file, start the login worker (it wakes the loop through wake_fd);
 * status: the loop's status object (loop_status.c), for GET /api/status.
 * NULL with err. */
struct http_console *http_console_open(struct daemon *d, const struct config *cfg,
				       cJSON *(*status)(struct daemon *d), int wake_fd,
				       char *err, size_t errlen);
void http_console_close(struct http_console *c);
/* 0 or 1 pollfd; *timeout_ms lowered to MHD's next timer. */
int  http_console_pollfd(struct http_console *c, struct pollfd *pfd, int *timeout_ms);
/* After poll(), every turn: finished logins, requests, replies, the event
 * streams' heartbeats. */
void http_console_run(struct http_console *c);

/* hazardctl user (control socket, root only): request {"cmd": "user-add",
 * "name", "role", "sites", "lang", "password"}, "user-passwd" {"name",
 * "password"}, "user-del" {"name"}, "user-list" {}.  The file is
 * d->cfg->http.users_file; a running console reloads it and ends the
 * sessions of a deleted user or a changed password. */
cJSON *http_user_cmd(struct daemon *d, const char *cmd, const cJSON *req,
		     struct ops_error *e);

#endif /* APP_HTTP_CONSOLE_H */
