/*
 * config_engine.c: the config parser's engine: errors collected with file,
 * line and JSON path and sorted into file order; JSON paths; typed getters;
 * value checks; the field tables' interpreter (check_keys, parse_fields).
 * The sections that use it are config.c and config_<section>.c.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf.h"
#include "config_lines.h"
#include "config_parse.h"

static const char *const uri_scheme[] = {
	"tcp://", "ssl://", "mqtt://", "mqtts://", "ws://", "wss://"
};

/* ------------------------------------------------------------ errors */

void err_add(struct ctx *c, int line, const char *text)
{
	c->n_errors++;
	if (c->n_kept == c->cap) {
		int cap = c->cap ? c->cap * 2 : 16;
		struct cfg_error *v = realloc(c->errv, (size_t)cap * sizeof *v);

		if (!v)
			return;         /* still counted in n_errors: load fails */
		c->errv = v;
		c->cap = cap;
	}
	c->errv[c->n_kept].text = strdup(text);
	if (!c->errv[c->n_kept].text)
		return;
	c->errv[c->n_kept].line = line;
	c->errv[c->n_kept].seq = c->n_kept;
	c->n_kept++;
}

int err_cmp(const void *a, const void *b)
{
	const struct cfg_error *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Write the errors, in file order, into errs (errlen bytes).  Lines that do
 * not fit are dropped whole and counted in a last line; the shown ones are
 * always the first ones.
 */
void err_finish(struct ctx *c, char *errs, size_t errlen)
{
	size_t used = 0, n;
	int i, dropped;

	if (c->n_kept)
		qsort(c->errv, (size_t)c->n_kept, sizeof *c->errv, err_cmp);
	for (i = 0; errs && i < c->n_kept; i++) {
		n = strlen(c->errv[i].text) + (used ? 1 : 0);
		if (used + n + 1 + ERR_RESERVE > errlen)
			break;
		used += (size_t)snprintf(errs + used, errlen - used, "%s%s", used ? "\n" : "",
					 c->errv[i].text);
	}
	dropped = c->n_errors - i;
	/* snprintf truncates cleanly if even the reserve is too small */
	if (dropped && errs && errlen > used)
		snprintf(errs + used, errlen - used, "%s%s: %d more error%s not shown",
			 used ? "\n" : "", c->file, dropped, dropped == 1 ? "" : "s");
	for (i = 0; i < c->n_kept; i++)
		free(c->errv[i].text);
	free(c->errv);
	c->errv = NULL;
	c->n_kept = c->cap = 0;
}

/* "FILE:LINE: PATH: message"; line 0 or path NULL leave that part out. */
void __attribute__((format(printf, 4, 5)))
cfg_err(struct ctx *c, int line, const char *path, const char *fmt, ...)
{
	char buf[ERR_LINE_LEN], where[24] = "";
	va_list ap;
	int n;

	if (line > 0)
		snprintf(where, sizeof where, ":%d", line);
	n = snprintf(buf, sizeof buf, "%s%s: %s%s", c->file, where,
		     path ? path : "", path ? ": " : "");
	if (n < 0 || (size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	va_end(ap);
	err_add(c, line, buf);
}

static const char *pooled(struct ctx *c, const char *v)
{
	if (v)
		return v;
	cfg_err(c, 0, NULL, "out of memory");
	return "";
}

const char *cfg_intern(struct ctx *c, const char *s)
{
	return pooled(c, c->pool ? strpool_intern(c->pool, s) : NULL);
}

const char *cfg_copy(struct ctx *c, const char *s)
{
	return pooled(c, c->pool ? strpool_copy(c->pool, s) : NULL);
}

/* Line of item's key (or of the element, in an array). */
int at_key(const struct ctx *c, const cJSON *item)
{
	return cfg_lines_key(c->lines, item);
}

/* Line where an object opens: where a missing key should have been. */
int at_open(const struct ctx *c, const cJSON *obj)
{
	return cfg_lines_value(c->lines, obj);
}

int member_line(const struct ctx *c, const cJSON *obj, const char *key)
{
	return at_key(c, cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* A value from the file inside a message: quoted, escaped, short, one line. */
const char *quote(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	buf[o++] = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[8];
		size_t n;

		if (ch == '"' || ch == '\\')
			snprintf(esc, sizeof esc, "\\%c", ch);
		else if (ch < 32 || ch == 127)
			snprintf(esc, sizeof esc, "\\u%04x", ch);
		else
			snprintf(esc, sizeof esc, "%c", ch);
		n = strlen(esc);
		if (o + n + 5 > size) {         /* room for ..." and NUL */
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, esc, n);
		o += n;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

const char *json_type(const cJSON *it)
{
	if (cJSON_IsString(it))
		return "string";
	if (cJSON_IsNumber(it))
		return "number";
	if (cJSON_IsBool(it))
		return "boolean";
	if (cJSON_IsNull(it))
		return "null";
	if (cJSON_IsArray(it))
		return "array";
	if (cJSON_IsObject(it))
		return "object";
	return "invalid value";
}

/* "a, b, c" into buf, for "expected one of" hints. */
const char *join(char *buf, size_t size, const char *const *names, size_t n)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o < size; i++) {
		int w = snprintf(buf + o, size - o, "%s%s", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
	return buf;
}

int name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------ paths */

void path_key(char *dst, size_t size, const char *parent, const char *key)
{
	const char *s = key;
	char q[64];

	/* $.plain_key, but $["odd key"] when the key is not an identifier */
	if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')
		for (s++; (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			  (*s >= '0' && *s <= '9') || *s == '_'; s++)
			;
	if (s != key && *s == '\0')
		snprintf(dst, size, "%s.%s", parent, key);
	else
		snprintf(dst, size, "%s[%s]", parent, quote(q, sizeof q, key));
}

void path_index(char *dst, size_t size, const char *parent, int i)
{
	snprintf(dst, size, "%s[%d]", parent, i);
}

/* ------------------------------------------------------------ getters
 * val_* check one value that is present; get_* look a member up, apply
 * the default when it is absent and report it when it is required.  All
 * return 1 when the value was taken from the file, 0 when absent, -1 on an
 * error (already recorded; the output keeps its default).
 */

int val_string(struct ctx *c, const cJSON *it, const char *path,
		      unsigned flags, char *dst, size_t size)
{
	size_t n;

	if (!cJSON_IsString(it)) {
		cfg_err(c, at_key(c, it), path, "expected string, got %s", json_type(it));
		return -1;
	}
	n = strlen(it->valuestring);
	if (n >= size) {
		cfg_err(c, at_key(c, it), path, "too long (%zu bytes), max %zu", n, size - 1);
		return -1;
	}
	if (n == 0 && (flags & (CF_REQUIRED | CF_NONEMPTY))) {
		cfg_err(c, at_key(c, it), path, "must not be empty");
		return -1;
	}
	memcpy(dst, it->valuestring, n + 1);
	return 1;
}

int val_number(struct ctx *c, const cJSON *it, const char *path,
		      const char *want, double *out)
{
	if (!cJSON_IsNumber(it)) {
		cfg_err(c, at_key(c, it), path, "expected %s, got %s", want, json_type(it));
		return -1;
	}
	/* JSON has no NaN, but cJSON turns 1e400 into inf */
	if (!isfinite(it->valuedouble)) {
		cfg_err(c, at_key(c, it), path, "number out of range");
		return -1;
	}
	*out = it->valuedouble;
	return 1;
}

int val_int(struct ctx *c, const cJSON *it, const char *path,
		   int min, int max, int *out)
{
	double v;

	if (val_number(c, it, path, "integer", &v) < 0)
		return -1;
	if (v != floor(v)) {
		cfg_err(c, at_key(c, it), path, "expected integer, got %.15g", v);
		return -1;
	}
	if (v < min || v > max) {
		cfg_err(c, at_key(c, it), path, "%.15g is out of range (%d..%d)", v, min, max);
		return -1;
	}
	*out = (int)v;
	return 1;
}

int val_double(struct ctx *c, const cJSON *it, const char *path,
		      unsigned flags, double min, double max, double *out)
{
	double v;

	if (val_number(c, it, path, "number", &v) < 0)
		return -1;
	if ((flags & CF_MIN_EXCL) ? !(v > min && v <= max) : !(v >= min && v <= max)) {
		if (flags & CF_MIN_EXCL)
			cfg_err(c, at_key(c, it), path, "%.15g is out of range (%.15g < x <= %.15g)",
				v, min, max);
		else
			cfg_err(c, at_key(c, it), path, "%.15g is out of range (%.15g..%.15g)",
				v, min, max);
		return -1;
	}
	*out = v;
	return 1;
}

int val_bool(struct ctx *c, const cJSON *it, const char *path, bool *out)
{
	if (!cJSON_IsBool(it)) {
		cfg_err(c, at_key(c, it), path, "expected true or false, got %s", json_type(it));
		return -1;
	}
	*out = cJSON_IsTrue(it);
	return 1;
}

/* Member key of obj (NULL obj: a section that is absent, already reported). */
const cJSON *get_item(struct ctx *c, const cJSON *obj, const char *opath,
			     const char *key, unsigned flags, char *path, size_t size)
{
	const cJSON *it = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;

	path_key(path, size, opath, key);
	if (!it && obj && (flags & CF_REQUIRED))
		cfg_err(c, at_open(c, obj), path, "missing required key \"%s\"", key);
	return it;
}

#define ABSENT(obj, flags) (((obj) && ((flags) & CF_REQUIRED)) ? -1 : 0)

int get_string(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *def, char *dst, size_t size)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	strlcpy_hz(dst, def ? def : "", size);
	return it ? val_string(c, it, p, flags, dst, size) : ABSENT(obj, flags);
}

int get_int(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		   unsigned flags, int def, int min, int max, int *out)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	*out = def;
	return it ? val_int(c, it, p, min, max, out) : ABSENT(obj, flags);
}

int get_double(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, double def, double min, double max, double *out)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	*out = def;
	return it ? val_double(c, it, p, flags, min, max, out) : ABSENT(obj, flags);
}

int get_bool(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		    unsigned flags, bool def, bool *out)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	*out = def;
	return it ? val_bool(c, it, p, out) : ABSENT(obj, flags);
}

/* An item that must be of one JSON type ("object", "array"), or NULL. */
const cJSON *get_typed(struct ctx *c, const cJSON *obj, const char *opath,
			      const char *key, unsigned flags,
			      cJSON_bool (*is_type)(const cJSON *), const char *type)
{
	char p[CFG_PATH_LEN];
	const cJSON *it = get_item(c, obj, opath, key, flags, p, sizeof p);

	if (it && !is_type(it)) {
		cfg_err(c, at_key(c, it), p, "expected %s, got %s", type, json_type(it));
		return NULL;
	}
	return it;
}

const cJSON *get_object(struct ctx *c, const cJSON *obj, const char *opath,
			       const char *key, unsigned flags)
{
	return get_typed(c, obj, opath, key, flags, cJSON_IsObject, "object");
}

const cJSON *get_array(struct ctx *c, const cJSON *obj, const char *opath,
			      const char *key, unsigned flags)
{
	return get_typed(c, obj, opath, key, flags, cJSON_IsArray, "array");
}

/* ------------------------------------------------------------ value checks */

/* Ids end up in topics' payloads, SQLite and hazardctl arguments. */
void check_id(struct ctx *c, int line, const char *path, const char *v)
{
	const char *s;
	char q[80];

	for (s = v; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-')
			continue;
		cfg_err(c, line, path, "invalid character in %s (allowed: A-Z a-z 0-9 . _ -)",
			quote(q, sizeof q, v));
		return;
	}
}

void check_uri(struct ctx *c, int line, const char *path, const char *uri)
{
	char q[80], list[96];
	size_t i, n;

	for (i = 0; i < ARRAY_LEN(uri_scheme); i++) {
		n = strlen(uri_scheme[i]);
		if (strncmp(uri, uri_scheme[i], n) != 0)
			continue;
		if (uri[n] == '\0')
			cfg_err(c, line, path, "URI %s has no host", quote(q, sizeof q, uri));
		return;
	}
	cfg_err(c, line, path, "bad URI %s (scheme must be one of %s)", quote(q, sizeof q, uri),
		join(list, sizeof list, uri_scheme, ARRAY_LEN(uri_scheme)));
}

bool is_comment(const char *key)
{
	return strncmp(key, "_comment", 8) == 0;
}

/* cJSON keeps both copies of a repeated key and lookups see the first:
 * the second would be ignored silently. */
bool check_dup_key(struct ctx *c, const cJSON *obj, const cJSON *it, const char *path)
{
	const cJSON *prev;

	for (prev = obj->child; prev && prev != it; prev = prev->next) {
		if (strcmp(prev->string, it->string) == 0) {
			cfg_err(c, at_key(c, it), path, "duplicate key (first at line %d)",
				at_key(c, prev));
			return true;
		}
	}
	return false;
}

/* Unknown keys are errors at every level, except annotations. */
void check_keys(struct ctx *c, const cJSON *obj, const char *opath,
		       const struct field *f, size_t n)
{
	const cJSON *it;
	char p[CFG_PATH_LEN], q[80], list[320];
	size_t i, o;

	cJSON_ArrayForEach(it, obj) {
		if (is_comment(it->string))
			continue;
		path_key(p, sizeof p, opath, it->string);
		if (check_dup_key(c, obj, it, p))
			continue;
		for (i = 0; i < n && strcmp(f[i].key, it->string) != 0; i++)
			;
		if (i < n)
			continue;
		for (i = 0, o = 0; i < n && o < sizeof list; i++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s",
					      i ? ", " : "", f[i].key);
		cfg_err(c, at_key(c, it), p, "unknown key %s (expected one of: %s)",
			quote(q, sizeof q, it->string), list);
	}
}

/* One choice out of a list: stored as the string or as the index. */
void parse_choice(struct ctx *c, const cJSON *obj, const char *opath,
			 const struct field *f, void *dst)
{
	char buf[TOPIC_MAX], q[80], list[256];
	int idx;

	if (get_string(c, obj, opath, f->key, f->flags, f->def_str, buf, sizeof buf) == 1) {
		idx = name_index(f->choices, f->n_choices, buf);
		if (idx < 0) {
			char p[CFG_PATH_LEN];

			path_key(p, sizeof p, opath, f->key);
			cfg_err(c, member_line(c, obj, f->key), p, "unknown %s %s (expected %s)",
				f->what, quote(q, sizeof q, buf),
				join(list, sizeof list, f->choices, f->n_choices));
			strlcpy_hz(buf, f->def_str ? f->def_str : "", sizeof buf);
		}
	}
	if (f->type == T_CHOICE && (f->flags & CF_POOLED)) {
		*(const char **)dst = cfg_intern(c, buf);
	} else if (f->type == T_CHOICE) {
		strlcpy_hz(dst, buf, f->size);
	} else {
		idx = buf[0] ? name_index(f->choices, f->n_choices, buf) : 0;
		idx = idx < 0 ? 0 : idx;
		memcpy(dst, &idx, sizeof idx);
	}
}

/* A string member by its table row: a char array, or (CF_POOLED) a
 * pointer to the value interned, which is checked in a buffer as long as
 * the array would have been. */
static void parse_string(struct ctx *c, const cJSON *obj, const char *opath,
			 const struct field *f, char *dst)
{
	char p[CFG_PATH_LEN], buf[TOPIC_MAX];
	char *v = (f->flags & CF_POOLED) ? buf : dst;
	size_t size = (f->flags & CF_POOLED) && f->size > sizeof buf ? sizeof buf : f->size;
	int r = get_string(c, obj, opath, f->key, f->flags, f->def_str, v, size);

	if (r == 1) {
		path_key(p, sizeof p, opath, f->key);
		if (f->type == T_ID)
			check_id(c, member_line(c, obj, f->key), p, v);
		else if (f->type == T_URI)
			check_uri(c, member_line(c, obj, f->key), p, v);
	}
	/* the default, or what was refused in its place, as an array keeps */
	if (f->flags & CF_POOLED)
		*(const char **)dst = (f->flags & CF_UNIQUE) ? cfg_copy(c, v) :
						    cfg_intern(c, v);
}

/* Fill base from obj by the table; obj NULL applies the defaults only. */
void parse_fields(struct ctx *c, const cJSON *obj, const char *opath,
			 const struct field *f, size_t n, void *base)
{
	size_t i;

	if (obj)
		check_keys(c, obj, opath, f, n);
	for (i = 0; i < n; i++, f++) {
		char *dst = (char *)base + f->off;

		switch (f->type) {
		case T_STR:
		case T_ID:
		case T_URI:
			parse_string(c, obj, opath, f, dst);
			break;
		case T_INT:
			get_int(c, obj, opath, f->key, f->flags, (int)f->def,
				(int)f->min, (int)f->max, (int *)dst);
			break;
		case T_DBL:
			get_double(c, obj, opath, f->key, f->flags, f->def, f->min, f->max,
				   (double *)dst);
			break;
		case T_BOOL:
			get_bool(c, obj, opath, f->key, f->flags, f->def != 0, (bool *)dst);
			break;
		case T_CHOICE:
		case T_ENUM:
			parse_choice(c, obj, opath, f, dst);
			break;
		case T_OTHER:
			break;
		}
	}
}

/* A top-level object parsed by its table; absent, its defaults apply. */
const cJSON *parse_section(struct ctx *c, const cJSON *root, const char *key,
				  unsigned flags, const struct field *f, size_t n,
				  struct config *cfg)
{
	const cJSON *obj = get_object(c, root, "$", key, flags);
	char p[CFG_PATH_LEN];

	path_key(p, sizeof p, "$", key);
	parse_fields(c, obj, p, f, n, cfg);
	return obj;
}

/*
 * The array under obj.KEY and a zeroed C array of n elements of size elem
 * for it; NULL when the key is absent or the array empty, or (reported)
 * out of memory.
 */
void *alloc_array(struct ctx *c, const cJSON *obj, const char *opath,
			 const char *key, size_t elem, const cJSON **arr, int *n)
{
	char p[CFG_PATH_LEN];
	void *v;

	*arr = get_array(c, obj, opath, key, 0);
	*n = cJSON_GetArraySize(*arr);
	if (*n <= 0)
		return NULL;
	v = calloc((size_t)*n, elem);
	if (!v) {
		snprintf(p, sizeof p, "%s.%s", opath, key);
		cfg_err(c, at_key(c, *arr), p, "out of memory");
	}
	return v;
}

