/*
 * webhook.h: group-chat robots and a generic JSON POST for alerts
 * (docs/alerts.md): WeCom, DingTalk (signed) and plain JSON over libcurl,
 * TLS verified.  Blocking for at most the webhook's timeout: called from
 * the alert sender's thread only (app/alert_thread.c).
 */
#ifndef HAZARDD_WEBHOOK_H
#define HAZARDD_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* What one post carries (strings may be ""). */
struct webhook_msg {
	const char *text;
	const char *mention_phone;      /* WeCom/DingTalk: the person named */
	const char *record_id;
	const char *kind;               /* "alarm", "fault", "hazard", "test" */
	const char *type;
	const char *site;
	const char *device;
	int64_t     at_ms;
};

/* libcurl loaded (at run time: a gateway without webhooks never maps it)
 * and initialised, once; later calls return at once.  Start-up calls it
 * when webhooks are configured, so that a missing libcurl is an error
 * there, naming the package; webhook_post calls it before each post (a
 * reload may add the first webhook).  0, or -1 with the reason in err. */
int  webhook_global_init(char *err, size_t errlen);
/* Start-up, webhooks configured: libcurl is installed and complete (0),
 * or -1 with an error naming the package.  Not kept loaded: its 4 MB
 * are paid from the first post on, not while no alert is sent. */
int  webhook_check(char *err, size_t errlen);
/* At exit, after the last post: curl_global_cleanup, if it was loaded. */
void webhook_global_cleanup(void);

/* Post m to w: 0 when the server took it (2xx, and errcode 0 for the
 * robots), else -1 with the reason in err. */
int webhook_post(const struct alert_webhook *w, const struct webhook_msg *m,
		 char *err, size_t errlen);

/* DingTalk's signature of timestamp_ms with secret: base64 of
 * HMAC-SHA256(secret, "<timestamp_ms>\n<secret>"), URL-encoded, into out.
 * 0, or -1 (out too small). */
int webhook_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out,
			  size_t outlen);

#endif /* HAZARDD_WEBHOOK_H */
