/*
 * http_users.c: the users file of the web console (http_users.h).  The
 * file is read whole at start-up and after each change hazardd makes to
 * it; an entry that does not hold together (unknown role, no hash) is
 * skipped with a warning rather than stopping the console.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_users.h"

const char *const http_role_name[HTTP_ROLES] = {
	"owner", "caretaker", "grid_worker", "installer", "admin",
};

static int role_of(const char *s)
{
	int i;

	for (i = 0; i < HTTP_ROLES; i++)
		if (strcmp(http_role_name[i], s) == 0)
			return i;
	return -1;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static int user_from_json(const cJSON *o, struct http_user *u)
{
	const char *name = str(o, "name"), *role = str(o, "role"), *hash = str(o, "hash"),
		   *lang = str(o, "lang");
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(o, "sites"), *s;
	int r;

	memset(u, 0, sizeof *u);
	if (!name || !role || !hash || strlen(name) > HTTP_NAME_MAX ||
	    strlen(hash) >= sizeof u->hash || (r = role_of(role)) < 0)
		return -1;
	snprintf(u->name, sizeof u->name, "%s", name);
	snprintf(u->hash, sizeof u->hash, "%s", hash);
	snprintf(u->lang, sizeof u->lang, "%s", lang && strcmp(lang, "en") == 0 ? "en" : "zh");
	u->role = (enum http_role)r;
	cJSON_ArrayForEach(s, sites) {
		if (!cJSON_IsString(s) || u->n_sites == HTTP_USER_SITES_MAX ||
		    strlen(s->valuestring) >= ID_MAX)
			return -1;
		snprintf(u->sites[u->n_sites++], ID_MAX, "%s", s->valuestring);
	}
	return 0;
}

int http_users_load(const char *path, struct http_users *us, char *err, size_t errlen)
{
	size_t len;
	char *text = read_file_hz(path, 1u << 20, &len);
	const cJSON *arr, *it;
	cJSON *root;

	us->n = 0;
	if (!text) {
		if (errno == ENOENT)
			return 0;
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	root = cJSON_ParseWithLength(text, len);
	free(text);
	arr = cJSON_GetObjectItemCaseSensitive(root, "users");
	if (!root || !cJSON_IsArray(arr)) {
		cJSON_Delete(root);
		errf(err, errlen, "%s: not a users file ({\"users\": [...]})", path);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		if (us->n == HTTP_USERS_MAX)
			break;
		if (user_from_json(it, &us->u[us->n]) < 0 ||
		    http_users_find(us, us->u[us->n].name)) {
			log_warnx("%s: user entry %d is not valid; skipped", path,
				  us->n + 1);
			continue;
		}
		us->n++;
	}
	cJSON_Delete(root);
	return 0;
}

cJSON *http_user_json(const struct http_user *u)
{
	cJSON *o = cJSON_CreateObject(), *s = cJSON_CreateArray();
	int i;

	cJSON_AddStringToObject(o, "user", u->name);
	cJSON_AddStringToObject(o, "role", http_role_name[u->role]);
	for (i = 0; i < u->n_sites; i++)
		cJSON_AddItemToArray(s, cJSON_CreateString(u->sites[i]));
	cJSON_AddItemToObject(o, "sites", s);
	cJSON_AddStringToObject(o, "lang", u->lang);
	return o;
}

int http_users_save(const char *path, const struct http_users *us, char *err,
		    size_t errlen)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "users");
	char tmp[PATH_MAX_HZ + 8];
	char *text;
	int i, fd;
	size_t len;
	bool ok;

	for (i = 0; i < us->n; i++) {
		cJSON *o = http_user_json(&us->u[i]);

		/* the file says "name"; replies say "user" */
		cJSON_DeleteItemFromObject(o, "user");
		cJSON_AddStringToObject(o, "name", us->u[i].name);
		cJSON_AddStringToObject(o, "hash", us->u[i].hash);
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	len = strlen(text);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len &&
	     write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	if (fd >= 0 && close(fd) < 0)
		ok = false;
	free(text);
	if (!ok || rename(tmp, path) < 0) {
		errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

struct http_user *http_users_find(struct http_users *us, const char *name)
{
	int i;

	for (i = 0; i < us->n; i++)
		if (strcmp(us->u[i].name, name) == 0)
			return &us->u[i];
	return NULL;
}

bool http_user_sees(const struct http_user *u, const char *site)
{
	int i;

	if (u->role != HTTP_OWNER && u->role != HTTP_CARETAKER)
		return true;
	for (i = 0; site && i < u->n_sites; i++)
		if (strcmp(u->sites[i], site) == 0)
			return true;
	return false;
}
