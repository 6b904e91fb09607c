/*
 * config_lines.h: where in the config file each JSON value sits.
 *
 * Internal to config.c.  cJSON parses the file but forgets positions; this
 * index re-walks the raw text alongside an already parsed cJSON tree and
 * remembers, for every item, the line of its key and of its value, so that
 * an error can say "hazardd.json:14: $.devices[1].kind: ...".
 */
#ifndef CONFIG_LINES_H
#define CONFIG_LINES_H

#include <stddef.h>

#include <cJSON.h>

struct cfg_lines;

/*
 * Index text (len bytes, the exact buffer cJSON parsed successfully into
 * root).  Returns NULL only when out of memory; lookups on NULL return 0.
 */
struct cfg_lines *cfg_lines_index(const char *text, size_t len, const cJSON *root);
void cfg_lines_free(struct cfg_lines *l);

/* Line (1-based) of item's key, or of its value when it has no key
 * (array elements, the root); 0 when unknown. */
int cfg_lines_key(const struct cfg_lines *l, const cJSON *item);
/* Line where item's value starts (the '{' of an object); 0 when unknown. */
int cfg_lines_value(const struct cfg_lines *l, const cJSON *item);

/* Line and column (1-based) of pos inside text, e.g. cJSON_GetErrorPtr(). */
void cfg_lines_at(const char *text, const char *pos, int *line, int *col);

#endif /* CONFIG_LINES_H */
