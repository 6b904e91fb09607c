/*
 * http_users.h: the web console's accounts (http_users.c): a JSON file,
 * mode 0600, written by hazardd alone (hazardctl user, over the control
 * socket) by a temporary file and rename.
 *
 *   {"users": [{"name", "role", "sites": [ID...], "lang": "zh"|"en",
 *               "hash": "$argon2id$..."}]}
 */
#ifndef APP_HTTP_USERS_H
#define APP_HTTP_USERS_H

#include "app.h"
#include "http_auth.h"

#define HTTP_USERS_MAX      256
#define HTTP_USER_SITES_MAX 32
#define HTTP_NAME_MAX       32

enum http_role { HTTP_OWNER, HTTP_CARETAKER, HTTP_GRID_WORKER, HTTP_INSTALLER, HTTP_ADMIN,
		 HTTP_ROLES };
extern const char *const http_role_name[HTTP_ROLES];

struct http_user {
	char name[HTTP_NAME_MAX + 1];
	enum http_role role;
	char sites[HTTP_USER_SITES_MAX][ID_MAX];
	int  n_sites;
	char lang[3];
	char hash[HTTP_HASH_MAX];
};

struct http_users {
	struct http_user u[HTTP_USERS_MAX];
	int n;
};

/* Read path into *us (a missing file is no users).  0, or -1 with err. */
int  http_users_load(const char *path, struct http_users *us, char *err, size_t errlen);
/* Write it whole: PATH.tmp (0600), fsync, rename.  0, or -1 with err. */
int  http_users_save(const char *path, const struct http_users *us, char *err,
		     size_t errlen);
struct http_user *http_users_find(struct http_users *us, const char *name);
/* The public part of u: {"user", "role", "sites", "lang"}. */
cJSON *http_user_json(const struct http_user *u);
/* u may see site (owner and caretaker: theirs; the others: every site). */
bool http_user_sees(const struct http_user *u, const char *site);

#endif /* APP_HTTP_USERS_H */
