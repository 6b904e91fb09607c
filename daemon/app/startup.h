/*
 * startup.h: what main.c checks before it opens anything (startup.c): a
 * config still the package's template, the database's directory, the
 * zone the local days come from.
 */
#ifndef STARTUP_H
#define STARTUP_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* "_template": true: the refusal logged (error), 1; else 0. */
int  startup_refuse_template(const struct config *cfg, const char *path);
/*
 * storage.path's directory: there, or made now (0750, as the user running;
 * check_only makes nothing) when its parent exists.  -1 with err naming the
 * missing directory and the fix.
 */
int  startup_db_dir(const char *db_path, bool check_only, char *err, size_t errlen);
/* The zone the daily summary's days and local times come from, logged. */
void startup_log_zone(const struct config *cfg);

#endif /* STARTUP_H */
