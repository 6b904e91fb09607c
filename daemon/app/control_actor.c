/*
 * control_actor.c: who a person's action on the control socket is recorded
 * under.  The caller is the kernel's word (io/control_socket.c reads
 * SO_PEERCRED at accept); a request's "actor" may only repeat it, unless
 * the caller is root, who may record an action for someone without an
 * account of their own (an installer, a site manager on the phone).
 * Pure: no socket, so the rule can be tried for any uid.
 */
#include <stdio.h>
#include <string.h>

#include "ops.h"

int ctl_actor(const cJSON *req, const struct ctl_caller *who, const char **actor,
	      char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "actor");
	struct ops_error e = { .cls = OPS_OK };
	const char *name;

	*actor = who->name;
	if (!v || cJSON_IsNull(v))
		return 0;
	/* a user name: the rules of an id (ops_valid.c) */
	if (!(name = ops_record_id(req, "actor", &e))) {
		errf(err, errlen, "%s", e.msg);
		return -1;
	}
	if (strcmp(name, who->name) == 0)
		return 0;
	if (who->uid != 0) {
		errf(err, errlen, "only root may act as another user "
		     "(this request comes from %s)", who->name);
		return -1;
	}
	*actor = name;
	return 0;
}
