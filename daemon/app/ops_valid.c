/*
 * ops_valid.c: the one validation of what a request carries (ops.h).
 * Both front-ends take their text, record ids and closed member sets
 * through these functions, so the limits and the error texts are the
 * same whoever asks.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

void *ops_fail(struct ops_error *e, enum ops_class cls, const char *fmt, ...)
{
	va_list ap;

	e->cls = cls;
	e->member = false;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return NULL;
}

/* Client text echoed back in an error is clipped so that a 64 KiB id does
 * not come back as a 64 KiB error; the cut never splits a UTF-8 sequence. */
const char *ops_clip(const char *s, char *buf, size_t size)
{
	size_t n = strlen(s);

	if (n < size)
		return s;
	n = size - 4;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

/* Characters, not bytes: a 500-character note in Chinese is 1500 bytes.
 * Called on text that passed text_check (valid UTF-8). */
size_t ops_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* A refusal that names one member (ops_error.member). */
static void *member_fail(struct ops_error *e, const char *fmt, const char *key,
			 const char *why)
{
	e->cls = OPS_INVALID;
	e->member = true;
	snprintf(e->msg, sizeof e->msg, fmt, key, why);
	return NULL;
}

/* A required string member that is neither blank nor unclean. */
static const char *req_string(const cJSON *obj, const char *key, struct ops_error *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *why;

	if (!v)
		return member_fail(e, "missing \"%s\"%s", key, "");
	if (!cJSON_IsString(v) || !v->valuestring)
		return member_fail(e, "\"%s\" %s", key, "must be a string");
	if (blank(v->valuestring))
		return member_fail(e, "\"%s\" %s", key, "must not be empty");
	if ((why = text_check(v->valuestring)))
		return member_fail(e, "\"%s\" %s", key, why);
	return v->valuestring;
}

int ops_text(const cJSON *obj, const char *key, size_t max_chars, bool required,
	     const char **out, struct ops_error *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if ((!v || cJSON_IsNull(v)) && !required)
		return 0;
	if (v && cJSON_IsNull(v)) {
		member_fail(e, "missing \"%s\"%s", key, "");
		return -1;
	}
	if (!(*out = req_string(obj, key, e)))
		return -1;
	if (ops_chars(*out) > max_chars) {
		char why[64];

		snprintf(why, sizeof why, "is longer than %zu characters", max_chars);
		member_fail(e, "\"%s\" %s", key, why);
		*out = NULL;
		return -1;
	}
	return 0;
}

const char *ops_record_id(const cJSON *obj, const char *key, struct ops_error *e)
{
	const char *id = req_string(obj, key, e);
	char why[64];

	if (id && strlen(id) >= ID_MAX) {
		snprintf(why, sizeof why, "is longer than %d bytes", ID_MAX - 1);
		return member_fail(e, "\"%s\" %s", key, why);
	}
	return id;
}

static bool listed(const char *name, const char *const *set)
{
	for (; set && *set; set++)
		if (strcmp(name, *set) == 0)
			return true;
	return false;
}

bool ops_only_fields(const cJSON *obj, const char *const *allowed,
		     const char *const *extra, struct ops_error *e)
{
	const cJSON *it;
	char clip[OPS_ECHO_MAX];

	cJSON_ArrayForEach(it, obj) {
		if (listed(it->string, allowed) || listed(it->string, extra))
			continue;
		ops_fail(e, OPS_INVALID, "unknown field \"%s\"",
			 ops_clip(it->string, clip, sizeof clip));
		return false;
	}
	return true;
}

bool ops_clean(const cJSON *j, struct ops_error *e)
{
	char clip[OPS_ECHO_MAX];
	const cJSON *it;
	const char *why;

	cJSON_ArrayForEach(it, j) {
		if (it->string && (why = text_check(it->string))) {
			ops_fail(e, OPS_INVALID, "a member name %s", why);
			return false;
		}
		if (cJSON_IsString(it) && it->valuestring &&
		    (why = text_check(it->valuestring))) {
			if (it->string)
				ops_fail(e, OPS_INVALID, "\"%s\" %s",
					 ops_clip(it->string, clip, sizeof clip), why);
			else
				ops_fail(e, OPS_INVALID, "a list item %s", why);
			return false;
		}
		if ((cJSON_IsObject(it) || cJSON_IsArray(it)) && !ops_clean(it, e))
			return false;
	}
	return true;
}
