/*
 * webhook.c: the webhook channel of alerts (webhook.h, docs/alerts.md).
 *
 *   wecom     {"msgtype":"text","text":{"content":..,"mentioned_mobile_list":[..]}}
 *   dingtalk  {"msgtype":"text","text":{"content":..},"at":{"atMobiles":[..]}}
 *             to url&timestamp=<ms>&sign=<base64 HMAC-SHA256, URL-encoded>
 *   json      {"record":..,"kind":..,"type":..,"site":..,"device":..,"text":..,"at":..}
 *
 * libcurl does HTTP and TLS; the peer and host are always verified
 * (ca_file replaces the system's CAs, for a private CA or a test).  A
 * robot answers 200 with {"errcode":N} even when it refuses a message, so
 * its errcode is checked as well as the status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cJSON.h>
/* the functions, not curl.h's type-checking macros of the same names: they
 * are called through the pointers below */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "webhook.h"
#include "dynlib.h"
#include "ossl.h"

#define RESPONSE_MAX 4096
#define SECRET_MAX   256

/* libcurl, loaded the first time it is needed (dynlib.h): with it come
 * GnuTLS, Kerberos, LDAP, SSH and RTMP, about 4 MB resident, which a
 * gateway without webhooks does not pay.  Each pointer has the
 * library's own type. */
#define CURL_FN(f) __typeof__(f) *f;
static struct {
	CURL_FN(curl_easy_cleanup)
	CURL_FN(curl_easy_getinfo)
	CURL_FN(curl_easy_init)
	CURL_FN(curl_easy_perform)
	CURL_FN(curl_easy_setopt)
	CURL_FN(curl_easy_strerror)
	CURL_FN(curl_global_cleanup)
	CURL_FN(curl_global_init)
	CURL_FN(curl_slist_append)
	CURL_FN(curl_slist_free_all)
} C;
#define CURL_SYM(f) { #f, &C.f }
static const struct dynsym curl_syms[] = {
	CURL_SYM(curl_easy_cleanup),
	CURL_SYM(curl_easy_getinfo),
	CURL_SYM(curl_easy_init),
	CURL_SYM(curl_easy_perform),
	CURL_SYM(curl_easy_setopt),
	CURL_SYM(curl_easy_strerror),
	CURL_SYM(curl_global_cleanup),
	CURL_SYM(curl_global_init),
	CURL_SYM(curl_slist_append),
	CURL_SYM(curl_slist_free_all),
};
/* the sender's thread posts, the loop checks at start-up */
static pthread_mutex_t curl_lock = PTHREAD_MUTEX_INITIALIZER;
static bool curl_ready;

int webhook_global_init(char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&curl_lock);
	if (!curl_ready) {
		if (dynlib_load("libcurl.so.4", "libcurl4", "alerts' webhooks ($.alerts.webhooks)",
				curl_syms, sizeof curl_syms / sizeof curl_syms[0], err,
				errlen) < 0)
			rc = -1;
		/* DingTalk's signature: libcrypto, which libcurl maps anyway */
		else if (ossl_load_crypto("DingTalk webhooks' signature", err, errlen) < 0)
			rc = -1;
		else if (C.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "alerts' webhooks: libcurl did not initialise");
			rc = -1;
		} else {
			curl_ready = true;
		}
	}
	pthread_mutex_unlock(&curl_lock);
	return rc;
}

int webhook_check(char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&curl_lock);
	if (!curl_ready)
		rc = dynlib_check("libcurl.so.4", "libcurl4", "alerts' webhooks ($.alerts.webhooks)",
				  curl_syms, sizeof curl_syms / sizeof curl_syms[0], err, errlen);
	pthread_mutex_unlock(&curl_lock);
	return rc;
}

void webhook_global_cleanup(void)
{
	pthread_mutex_lock(&curl_lock);
	if (curl_ready)
		C.curl_global_cleanup();
	curl_ready = false;
	pthread_mutex_unlock(&curl_lock);
}

int webhook_dingtalk_sign(const char *secret, int64_t timestamp_ms, char *out,
			  size_t outlen)
{
	unsigned char mac[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int maclen = 0;
	char data[SECRET_MAX + 32], lerr[256];
	size_t o = 0;
	int n, i;

	n = snprintf(data, sizeof data, "%lld\n%s", (long long)timestamp_ms, secret);
	if (n < 0 || (size_t)n >= sizeof data)
		return -1;
	/* loaded with libcurl (webhook_global_init); here for other callers */
	if (ossl_load_crypto("DingTalk webhooks' signature", lerr, sizeof lerr) < 0) {
		log_warnx("%s", lerr);
		return -1;
	}
	if (!ossl.HMAC(ossl.EVP_sha256(), secret, (int)strlen(secret),
		       (const unsigned char *)data, (size_t)n, mac, &maclen))
		return -1;
	n = ossl.EVP_EncodeBlock(b64, mac, (int)maclen);
	for (i = 0; i < n; i++) {
		unsigned char ch = b64[i];

		if (o + 4 > outlen)
			return -1;
		if (ch == '+' || ch == '/' || ch == '=')
			o += (size_t)snprintf(out + o, outlen - o, "%%%02X", ch);
		else
			out[o++] = (char)ch;
	}
	if (o >= outlen)
		return -1;
	out[o] = '\0';
	return 0;
}

struct response {
	char   buf[RESPONSE_MAX];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct response *r = ctx;
	size_t take = size * n;

	if (take > sizeof r->buf - 1 - r->len)
		take = sizeof r->buf - 1 - r->len;
	memcpy(r->buf + r->len, p, take);
	r->len += take;
	r->buf[r->len] = '\0';
	return size * n;        /* the rest is read and dropped */
}

static char *body_of(const struct alert_webhook *w, const struct webhook_msg *m)
{
	cJSON *o = cJSON_CreateObject(), *t, *at;
	char *s;

	if (w->type == WEBHOOK_JSON) {
		cJSON_AddStringToObject(o, "record", m->record_id ? m->record_id : "");
		cJSON_AddStringToObject(o, "kind", m->kind ? m->kind : "");
		cJSON_AddStringToObject(o, "type", m->type ? m->type : "");
		cJSON_AddStringToObject(o, "site", m->site ? m->site : "");
		cJSON_AddStringToObject(o, "device", m->device ? m->device : "");
		cJSON_AddStringToObject(o, "text", m->text);
		cJSON_AddNumberToObject(o, "at", (double)m->at_ms);
	} else {
		cJSON_AddStringToObject(o, "msgtype", "text");
		t = cJSON_AddObjectToObject(o, "text");
		cJSON_AddStringToObject(t, "content", m->text);
		if (w->type == WEBHOOK_WECOM) {
			at = cJSON_AddArrayToObject(t, "mentioned_mobile_list");
		} else {
			cJSON *a = cJSON_AddObjectToObject(o, "at");

			at = cJSON_AddArrayToObject(a, "atMobiles");
			cJSON_AddBoolToObject(a, "isAtAll", 0);
		}
		if (m->mention_phone && m->mention_phone[0])
			cJSON_AddItemToArray(at, cJSON_CreateString(m->mention_phone));
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* The robot's own verdict: {"errcode":0} is taken. */
static int robot_ok(const char *resp, char *err, size_t errlen)
{
	cJSON *o = cJSON_Parse(resp), *ec, *msg;
	int rc = -1;

	ec = cJSON_GetObjectItemCaseSensitive(o, "errcode");
	msg = cJSON_GetObjectItemCaseSensitive(o, "errmsg");
	if (cJSON_IsNumber(ec) && ec->valueint == 0)
		rc = 0;
	else if (cJSON_IsNumber(ec))
		errf(err, errlen, "errcode %d: %.80s", ec->valueint,
		     cJSON_IsString(msg) ? msg->valuestring : "");
	else
		errf(err, errlen, "answer without errcode: %.80s", resp);
	cJSON_Delete(o);
	return rc;
}

/* The URL to post to: DingTalk's carries the signed timestamp. */
static int url_of(const struct alert_webhook *w, int64_t now_ms, char *url, size_t len,
		  char *err, size_t errlen)
{
	char sign[128], *secret;
	size_t slen = 0;
	int n;

	if (w->type != WEBHOOK_DINGTALK) {
		strlcpy_hz(url, w->url, len);
		return 0;
	}
	secret = secret_read("dingtalk secret", w->secret_file, SECRET_MAX, &slen, err, errlen);
	if (!secret)
		return -1;
	while (slen > 0 && (secret[slen - 1] == '\n' || secret[slen - 1] == '\r' ||
			    secret[slen - 1] == ' '))
		secret[--slen] = '\0';
	n = webhook_dingtalk_sign(secret, now_ms, sign, sizeof sign);
	free(secret);
	if (n < 0) {
		errf(err, errlen, "cannot sign (secret too long?)");
		return -1;
	}
	n = snprintf(url, len, "%s%ctimestamp=%lld&sign=%s", w->url,
		     strchr(w->url, '?') ? '&' : '?', (long long)now_ms, sign);
	if (n < 0 || (size_t)n >= len) {
		errf(err, errlen, "url too long");
		return -1;
	}
	return 0;
}

int webhook_post(const struct alert_webhook *w, const struct webhook_msg *m,
		 char *err, size_t errlen)
{
	char url[ALERT_URL_MAX + 256], cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	struct response resp = { .len = 0 };
	long status = 0;
	CURLcode cc;
	CURL *h;
	char *body;
	int rc = -1;

	if (webhook_global_init(err, errlen) < 0 ||
	    url_of(w, now_wall_ms(), url, sizeof url, err, errlen) < 0)
		return -1;
	if (!(body = body_of(w, m)) || !(h = C.curl_easy_init())) {
		free(body);
		errf(err, errlen, "out of memory");
		return -1;
	}
	hdr = C.curl_slist_append(hdr, "Content-Type: application/json; charset=utf-8");
	C.curl_easy_setopt(h, CURLOPT_URL, url);
	C.curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	C.curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	C.curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)(w->timeout_s > 0 ? w->timeout_s : 10));
	C.curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(w->timeout_s > 0 ? w->timeout_s : 10));
	C.curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);      /* a thread of a daemon */
	C.curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	C.curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	C.curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	C.curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (w->ca_file[0])
		C.curl_easy_setopt(h, CURLOPT_CAINFO, w->ca_file);
	C.curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	C.curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	C.curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
	cc = C.curl_easy_perform(h);
	if (cc != CURLE_OK) {
		errf(err, errlen, "%s", cerr[0] ? cerr : C.curl_easy_strerror(cc));
	} else {
		C.curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			errf(err, errlen, "HTTP %ld", status);
		else if (w->type == WEBHOOK_JSON)
			rc = 0;
		else
			rc = robot_ok(resp.buf, err, errlen);
	}
	C.curl_slist_free_all(hdr);
	C.curl_easy_cleanup(h);
	free(body);
	return rc;
}
