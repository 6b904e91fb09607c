/*
 * http_user_ops.c: hazardctl user add|passwd|del|list over the control
 * socket (root only: control.c checks).  The daemon hashes the password
 * (argon2id, io/http_auth.c) and writes the users file atomically; a
 * running console reads it again (http_console.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

static const char *member(const cJSON *req, const char *key, struct ops_error *e)
{
	return ops_record_id(req, key, e);
}

/* A user name: 1..32 of [A-Za-z0-9._-] (it is part of the actor). */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HTTP_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return false;
	return true;
}

static int password(const cJSON *req, struct http_user *u, struct ops_error *e)
{
	const cJSON *pw = cJSON_GetObjectItemCaseSensitive(req, "password");
	size_t n;

	if (!cJSON_IsString(pw)) {
		ops_fail(e, OPS_INVALID, "missing \"password\"");
		return -1;
	}
	n = strlen(pw->valuestring);
	if (n < 8 || n > 1024) {
		ops_fail(e, OPS_INVALID, "a password has 8 to 1024 bytes");
		return -1;
	}
	if (http_hash_password(pw->valuestring, u->hash, sizeof u->hash) < 0) {
		ops_fail(e, OPS_FAILED, "cannot hash the password");
		return -1;
	}
	return 0;
}

static int user_fields(struct daemon *d, const cJSON *req, struct http_user *u,
		       struct ops_error *e)
{
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(req, "sites"), *s;
	const char *role, *lang = NULL;
	int i;

	if (!(role = member(req, "role", e)))
		return -1;
	for (i = 0; i < HTTP_ROLES && strcmp(http_role_name[i], role) != 0; i++)
		;
	if (i == HTTP_ROLES) {
		ops_fail(e, OPS_INVALID, "unknown role \"%.32s\" (owner, caretaker, "
			 "grid_worker, installer or admin)", role);
		return -1;
	}
	u->role = (enum http_role)i;
	if (ops_text(req, "lang", 2, false, &lang, e) < 0)
		return -1;
	if (lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0) {
		ops_fail(e, OPS_INVALID, "\"lang\" must be zh or en");
		return -1;
	}
	snprintf(u->lang, sizeof u->lang, "%s", lang ? lang : "zh");
	u->n_sites = 0;
	if (sites && !cJSON_IsArray(sites)) {
		ops_fail(e, OPS_INVALID, "\"sites\" must be an array of site ids");
		return -1;
	}
	cJSON_ArrayForEach(s, sites) {
		if (!cJSON_IsString(s) || !config_find_site(d->cfg, s->valuestring)) {
			ops_fail(e, OPS_INVALID, "no such site: %.64s",
				 cJSON_IsString(s) ? s->valuestring : "(not a string)");
			return -1;
		}
		if (u->n_sites == HTTP_USER_SITES_MAX) {
			ops_fail(e, OPS_INVALID, "at most %d sites", HTTP_USER_SITES_MAX);
			return -1;
		}
		snprintf(u->sites[u->n_sites++], ID_MAX, "%s", s->valuestring);
	}
	if ((u->role == HTTP_OWNER || u->role == HTTP_CARETAKER) && u->n_sites == 0) {
		ops_fail(e, OPS_INVALID, "an %s needs at least one --site",
			 http_role_name[u->role]);
		return -1;
	}
	return 0;
}

cJSON *http_user_cmd(struct daemon *d, const char *cmd, const cJSON *req,
		     struct ops_error *e)
{
	/* the running console's file: a reload does not move it */
	const char *path = d->http ? d->http->users_path : d->cfg->http.users_file;
	struct http_users *us = calloc(1, sizeof *us);
	struct http_user *u = NULL;
	const char *name = NULL;
	cJSON *r = NULL;
	int i;

	if (!us)
		return ops_fail(e, OPS_FAILED, "out of memory");
	if (http_users_load(path, us, e->msg, sizeof e->msg) < 0) {
		e->cls = OPS_FAILED;
		goto out;
	}
	if (strcmp(cmd, "user-list") == 0) {
		r = cJSON_CreateArray();
		for (i = 0; i < us->n; i++)
			cJSON_AddItemToArray(r, http_user_json(&us->u[i]));
		goto out;
	}
	if (!(name = member(req, "name", e)))
		goto out;
	if (!name_ok(name)) {
		ops_fail(e, OPS_INVALID, "a user name has 1 to %d of A-Z a-z 0-9 . _ -",
			 HTTP_NAME_MAX);
		goto out;
	}
	u = http_users_find(us, name);
	if (strcmp(cmd, "user-add") == 0) {
		if (u) {
			ops_fail(e, OPS_REFUSED, "user %s exists (hazardctl user passwd)", name);
			goto out;
		}
		if (us->n == HTTP_USERS_MAX) {
			ops_fail(e, OPS_REFUSED, "at most %d users", HTTP_USERS_MAX);
			goto out;
		}
		u = &us->u[us->n];
		memset(u, 0, sizeof *u);
		snprintf(u->name, sizeof u->name, "%s", name);
		if (user_fields(d, req, u, e) < 0 || password(req, u, e) < 0)
			goto out;
		us->n++;
	} else if (!u) {
		ops_fail(e, OPS_NOT_FOUND, "no such user: %s", name);
		goto out;
	} else if (strcmp(cmd, "user-passwd") == 0) {
		if (password(req, u, e) < 0)
			goto out;
	} else {                /* user-del */
		*u = us->u[--us->n];
	}
	if (http_users_save(path, us, e->msg, sizeof e->msg) < 0) {
		e->cls = OPS_FAILED;
		goto out;
	}
	log_info("users: %s %s", cmd, name);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "user", name);
	cJSON_AddStringToObject(r, "done", cmd + 5);
	http_console_users_changed(d->http, strcmp(cmd, "user-add") == 0 ? NULL : name);
out:
	free(us);
	return r;
}
