/*
 * config_parse.h: what the config parser's files share (config.c, its
 * engine and its sections).  Nobody outside daemon/conf/ includes this.
 */
#ifndef CONFIG_PARSE_H
#define CONFIG_PARSE_H

#include <stddef.h>

#include <cJSON.h>

#include "conf.h"

#define CONFIG_MAX_BYTES (4u << 20)
#define CFG_PATH_LEN     256    /* "$.devices[12].rules.lel_low" */
#define ERR_LINE_LEN     1024
#define ERR_RESERVE      96     /* kept free for the final "N more errors" line */
#define ARRAY_LEN(a)     (sizeof(a) / sizeof((a)[0]))

/* One problem, kept until the end so that the list comes out in file order. */
struct cfg_error {
	int   line;             /* 0: not tied to a line, sorts first */
	int   seq;              /* order found: ties keep it */
	char *text;
};

struct ctx {
	const char *file;
	struct cfg_lines *lines;
	struct cfg_error *errv;
	int     n_errors;       /* found, including any not kept (no memory) */
	int     n_kept, cap;
	struct strpool *pool;   /* the config's (CF_POOLED fields, cfg_intern) */
};

#define CF_REQUIRED 0x1u        /* must be present (strings: and not "") */
#define CF_NONEMPTY 0x2u        /* may be absent, but not "" */
#define CF_MIN_EXCL 0x4u        /* numbers: min itself is not allowed */
/* strings: the member is a const char * into the config's string pool
 * (FIELD_POOLED), not a char array; size is the longest value taken,
 * with its NUL, as the array's size would be */
#define CF_POOLED   0x8u
/* CF_POOLED: each value its own (ids, topics: a repeat is an error), so
 * copied into the pool without looking it up (strpool_copy) */
#define CF_UNIQUE   0x10u

enum field_type {
	T_STR,          /* char[size] (CF_POOLED: const char *) */
	T_ID,           /* char[size], charset [A-Za-z0-9._-] */
	T_URI,          /* char[size], MQTT URI scheme */
	T_INT,          /* int, integral, [min, max] */
	T_DBL,          /* double, [min, max] or (min, max] */
	T_BOOL,         /* bool */
	T_CHOICE,       /* char[size] (CF_POOLED: const char *), one of choices */
	T_ENUM,         /* enum (int), index into choices */
	T_OTHER         /* a known key that code handles (arrays, objects) */
};

struct field {
	const char *key;
	enum field_type type;
	unsigned flags;                 /* CF_* */
	size_t off, size;               /* where in the target struct */
	double min, max, def;           /* numbers */
	const char *def_str;            /* strings; NULL is "" */
	const char *const *choices;
	size_t n_choices;
	const char *what;               /* "device kind": names choices in errors */
};

#define FIELD(st, k, t, m, fl) \
	.key = (k), .type = (t), .flags = (fl), \
	.off = offsetof(st, m), .size = sizeof(((st *)0)->m)
/* a const char * member: its value interned in the pool, at most max - 1
 * bytes long (the limit and its message as a char[max] member's) */
#define FIELD_POOLED(st, k, t, m, fl, max) \
	.key = (k), .type = (t), .flags = (fl) | CF_POOLED, \
	.off = offsetof(st, m), .size = (max)
#define CFG(k, t, m, fl)  FIELD(struct config, k, t, m, fl)
#define CHOICES(list, w)  .choices = (list), .n_choices = ARRAY_LEN(list), .what = (w)

extern const struct field flood_fields[];
extern const size_t flood_fields_n;

/* config_engine.c */
void err_add(struct ctx *c, int line, const char *text);
int err_cmp(const void *a, const void *b);
void err_finish(struct ctx *c, char *errs, size_t errlen);
int at_key(const struct ctx *c, const cJSON *item);
int at_open(const struct ctx *c, const cJSON *obj);
int member_line(const struct ctx *c, const cJSON *obj, const char *key);
const char *quote(char *buf, size_t size, const char *s);
const char *json_type(const cJSON *it);
const char *join(char *buf, size_t size, const char *const *names, size_t n);
int name_index(const char *const *names, size_t n, const char *s);
void path_key(char *dst, size_t size, const char *parent, const char *key);
void path_index(char *dst, size_t size, const char *parent, int i);
int val_string(struct ctx *c, const cJSON *it, const char *path,
		      unsigned flags, char *dst, size_t size);
int val_number(struct ctx *c, const cJSON *it, const char *path,
		      const char *want, double *out);
int val_int(struct ctx *c, const cJSON *it, const char *path,
		   int min, int max, int *out);
int val_double(struct ctx *c, const cJSON *it, const char *path,
		      unsigned flags, double min, double max, double *out);
int val_bool(struct ctx *c, const cJSON *it, const char *path, bool *out);
const cJSON *get_item(struct ctx *c, const cJSON *obj, const char *opath,
			     const char *key, unsigned flags, char *path, size_t size);
int get_string(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *def, char *dst, size_t size);
int get_int(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		   unsigned flags, int def, int min, int max, int *out);
int get_double(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, double def, double min, double max, double *out);
int get_bool(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		    unsigned flags, bool def, bool *out);
const cJSON *get_typed(struct ctx *c, const cJSON *obj, const char *opath,
			      const char *key, unsigned flags,
			      cJSON_bool (*is_type)(const cJSON *), const char *type);
const cJSON *get_object(struct ctx *c, const cJSON *obj, const char *opath,
			       const char *key, unsigned flags);
const cJSON *get_array(struct ctx *c, const cJSON *obj, const char *opath,
			      const char *key, unsigned flags);
void check_id(struct ctx *c, int line, const char *path, const char *v);
void check_uri(struct ctx *c, int line, const char *path, const char *uri);
bool is_comment(const char *key);
bool check_dup_key(struct ctx *c, const cJSON *obj, const cJSON *it, const char *path);
void check_keys(struct ctx *c, const cJSON *obj, const char *opath,
		       const struct field *f, size_t n);
void parse_choice(struct ctx *c, const cJSON *obj, const char *opath,
			 const struct field *f, void *dst);
void parse_fields(struct ctx *c, const cJSON *obj, const char *opath,
			 const struct field *f, size_t n, void *base);
const cJSON *parse_section(struct ctx *c, const cJSON *root, const char *key,
				  unsigned flags, const struct field *f, size_t n,
				  struct config *cfg);
void *alloc_array(struct ctx *c, const cJSON *obj, const char *opath,
			 const char *key, size_t elem, const cJSON **arr, int *n);
void cfg_err(struct ctx *c, int line, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* s in the config's string pool; "" (and an error) when out of memory.
 * cfg_copy: a string that cannot repeat (strpool_copy) */
const char *cfg_intern(struct ctx *c, const char *s);
const char *cfg_copy(struct ctx *c, const char *s);

/* config_rules.c */
const struct rule_def *rule_find(const char *key);
double *rule_val(struct rule_params *rp, const struct rule_def *d);
void rule_defaults(enum device_kind kind, struct rule_params *rp);
const char *rule_keys(char *buf, size_t size, enum device_kind kind);
void parse_rule_params(struct ctx *c, const cJSON *obj, const char *opath,
			      enum device_kind kind, struct rule_params *rp);
int config_rule_set(struct rule_params *rp, enum device_kind kind, const char *key,
		    double v, char *err, size_t errlen);
int config_rule_get(const struct rule_params *rp, enum device_kind kind, const char *key,
		    double *v, char *err, size_t errlen);
int config_rule_widens(const struct rule_params *file, const struct rule_params *now,
		       enum device_kind kind, char *err, size_t errlen);
int config_rule_keys(enum device_kind kind, const char **keys, int max);
bool config_rule_from_file(const struct rule_params *rp, const char *key);
int config_rule_check_pairs(const struct rule_params *rp, enum device_kind kind,
			    char *err, size_t errlen);

/* config_records.c */
int cfg_hazard_type(struct ctx *c, const cJSON *it, const char *p);
void cfg_priority_class(struct ctx *c, const cJSON *it, const char *p,
			       unsigned char *out);
void parse_lifecycle(struct ctx *c, const cJSON *root, struct config *cfg);
int rec_type(struct ctx *c, const cJSON *obj, const char *p);
int rec_site_kind(struct ctx *c, const cJSON *obj, const char *p);
void parse_records(struct ctx *c, const cJSON *root, struct config *cfg);
void parse_kind_rules(struct ctx *c, const cJSON *root, struct config *cfg);

/* config_http.c */
void parse_http(struct ctx *c, const cJSON *root, struct config *cfg);

/* config_coverage.c */
void parse_coverage(struct ctx *c, const cJSON *root, struct config *cfg);
/* A member it of obj, an object keyed by site kind ("restaurant": [...],
 * at opath): its kind, with p set to its path; -1 for a comment, a
 * duplicate key, or (reported) an unknown kind or a value not an array. */
int site_kind_array(struct ctx *c, const cJSON *obj, const cJSON *it, const char *opath,
		    char *p, size_t plen);
/* config_selfcheck.c */
void parse_selfcheck(struct ctx *c, const cJSON *root, struct config *cfg);

/* config_devices.c */
void parse_sites(struct ctx *c, const cJSON *root, struct config *cfg);
/* config_alerts.c (after the sites: rules name their people) */
void parse_alerts(struct ctx *c, const cJSON *root, struct config *cfg);
void parse_device_rules(struct ctx *c, const cJSON *dev, const char *dpath,
			       struct config *cfg, struct device_cfg *d);
void parse_device_flood(struct ctx *c, const cJSON *dev, const char *dpath,
			       const struct config *cfg, struct device_cfg *d);
void parse_device_hw(struct ctx *c, const cJSON *it, const char *p,
			    struct device_cfg *d);
void check_device_topic(struct ctx *c, const cJSON *it, const char *p,
			       struct device_cfg *d);
void parse_device(struct ctx *c, const cJSON *it, const char *p,
			 struct config *cfg, int i);
void parse_devices(struct ctx *c, const cJSON *root, struct config *cfg);

/* config_people.c */
void parse_site_people(struct ctx *c, const cJSON *site, const char *sp,
		       struct config *cfg, int si);
void parse_device_register(struct ctx *c, const cJSON *it, const char *p,
			   struct device_cfg *d);

/* config_gpio.c */
int get_choice(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		      unsigned flags, const char *what, const char *const *names, size_t n);
void check_line_free(struct ctx *c, const cJSON *it, const char *p,
			    const struct config *cfg, const char *chip, int line,
			    int n_in, int n_out);
void parse_gpio_input(struct ctx *c, const cJSON *it, const char *p,
			     struct config *cfg, int i);
void parse_gpio_output(struct ctx *c, const cJSON *it, const char *p,
			      struct config *cfg, int i);
void parse_gpio(struct ctx *c, const cJSON *root, struct config *cfg);
int output_index(const struct config *cfg, const char *name);
void parse_device_action(struct ctx *c, const cJSON *it, const char *ap,
				const struct config *cfg, struct interlock_cfg *r, int on);
void parse_actions(struct ctx *c, const cJSON *il, const char *p,
			  const struct config *cfg, struct interlock_cfg *r);
void parse_interlocks(struct ctx *c, const cJSON *root, struct config *cfg);

/* config.c */
void parse_uris(struct ctx *c, const cJSON *up, struct config *cfg);
void check_insecure(struct ctx *c, const cJSON *up, struct config *cfg);
void default_client_id(struct ctx *c, const cJSON *obj, const char *opath,
			      char *dst, const char *gateway_id);
void check_socket_path(struct ctx *c, const cJSON *ctl, const struct config *cfg);
void check_summary(struct ctx *c, const cJSON *obj, struct config *cfg);
void parse_root(struct ctx *c, const cJSON *root, struct config *cfg);

/* Enum fields are written through an int (T_ENUM below). */
_Static_assert(sizeof(enum site_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum device_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum person_role) == sizeof(int), "enum size");

#endif /* CONFIG_PARSE_H */
