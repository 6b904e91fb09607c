/*
 * register.h: the site register (一企一档) upstream (register.c).
 */
#ifndef APP_REGISTER_H
#define APP_REGISTER_H

#include "app.h"

/* The register's body for cfg: every site with its people (no phone
 * numbers) and every device.  NULL when out of memory. */
cJSON *register_json(const struct config *cfg);
/* Queue it on <prefix>/register (retained) from d->cfg: always at
 * start-up, after a reload only if it differs from the last one queued.
 * 0, or -1 (logged, counted as a store error). */
int register_queue(struct daemon *d, bool always);

#endif /* APP_REGISTER_H */
