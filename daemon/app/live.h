/*
 * live.h: the loop's live feed (live.c): each decoded reading and each
 * record event as the loop handles it, for the front-ends that show things
 * as they happen (`hazardctl watch` over the control socket, the web
 * console's Server-Sent Events).  Loop thread only.
 *
 * A message is built only when someone listens (live_wanted), so the feed
 * costs nothing at full intake rate with no subscriber.  The database is
 * the record; the feed shows what the loop decided, at the moment it did.
 *
 * Messages (JSON objects, docs/architecture.md "The live feed"):
 *   "reading": {"device", "site", "at" (ms), "values": {field: value}}
 *   "record":  the record event exactly as it goes upstream (docs/protocol.md)
 */
#ifndef APP_LIVE_H
#define APP_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct daemon;
struct device_cfg;
struct reading;

/* type: "reading" or "record"; msg: borrowed for the call only. */
typedef void (*live_fn)(void *ctx, const char *type, const cJSON *msg);

struct live;

struct live *live_new(void);
void live_free(struct live *lv);

/* ctx identifies the subscription; subscribe again with the same ctx does
 * nothing.  A callback may unsubscribe itself (or another) while called. */
int live_subscribe(struct live *lv, live_fn fn, void *ctx);
void live_unsubscribe(struct live *lv, void *ctx);
bool live_wanted(const struct live *lv);

/* For the loop: a reading of dev just handled; a record event just queued
 * upstream (its JSON body). */
void live_reading(struct live *lv, const struct device_cfg *dev, const struct reading *r,
		  int64_t at_ms);
void live_record(struct live *lv, const cJSON *event);

#endif /* APP_LIVE_H */
