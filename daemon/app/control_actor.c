/*
 * control_actor.c: who a person's action on the control socket is recorded
 * under.  The caller is the kernel's word (control.c reads SO_PEERCRED at
 * accept); a request's "actor" may only repeat it, unless the caller is
 * root, who may record an action for someone without an account of their
 * own (an installer, a site manager on the phone).  Pure: no socket, so
 * the rule can be tried for any uid.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"

static bool ca_blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

int ctl_actor(const cJSON *req, const struct ctl_caller *who, const char **actor,
	      char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "actor");
	const char *why;

	*actor = who->name;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring) {
		errf(err, errlen, "\"actor\" must be a string");
		return -1;
	}
	if (ca_blank(v->valuestring)) {
		errf(err, errlen, "\"actor\" must not be empty");
		return -1;
	}
	if ((why = text_check(v->valuestring))) {
		errf(err, errlen, "\"actor\" %s", why);
		return -1;
	}
	if (strlen(v->valuestring) >= ID_MAX) {
		errf(err, errlen, "\"actor\" is longer than %d bytes", ID_MAX - 1);
		return -1;
	}
	if (strcmp(v->valuestring, who->name) == 0)
		return 0;
	if (who->uid != 0) {
		errf(err, errlen, "only root may act as another user "
		     "(this request comes from %s)", who->name);
		return -1;
	}
	*actor = v->valuestring;
	return 0;
}
