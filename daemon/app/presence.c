/*
 * presence.c: whether each device is online, offline or never_seen.
 *
 * Offline detection counts a device's heartbeat from start-up (nobody
 * knows what it did while hazardd was down), so a configured device that
 * has never sent anything looked like every other device for its first
 * heartbeat, and a dead or mis-wired detector was invisible during
 * commissioning.  never_seen says so: no report of the device was ever
 * accepted, in this run or any earlier one.
 *
 * "Ever" is a mark in the meta table, "seen:<device>" = the wall time it
 * was first heard, written once per device in the pass that accepted its
 * first report; readings are trimmed (storage.max_readings), the mark is
 * not.  A database from before the marks is scanned once for readings
 * (meta "seen_scan"), so an upgrade does not turn every device never_seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

#define META_SEEN_SCAN "seen_scan"

const char *const presence_name[PRES_COUNT] = {
	[PRES_OFFLINE] = "offline",
	[PRES_ONLINE] = "online",
	[PRES_NEVER_SEEN] = "never_seen",
};

enum presence device_presence(const struct device_cfg *dev, const struct device_state *ds,
			      int64_t mono_ms)
{
	if (!ds || !ds->heard)
		return PRES_NEVER_SEEN;
	if (rules_active(ds, HZ_DEVICE_OFFLINE))
		return PRES_OFFLINE;
	if (dev->heartbeat_s > 0 && mono_ms - ds->last_seen_ms > dev->heartbeat_s * 1000LL)
		return PRES_OFFLINE;
	return PRES_ONLINE;
}

static void seen_key(const struct device_cfg *dev, char *key, size_t len)
{
	snprintf(key, len, "seen:%s", dev->id);
}

void presence_load(struct store *st, const struct config *cfg, struct device_state *ds)
{
	char key[ID_MAX + 8], *v;
	int64_t scanned = 0;
	int i;

	if (!st || !cfg || !ds)
		return;
	if (store_meta_get_int(st, META_SEEN_SCAN, &scanned) < 0)
		scanned = 1;    /* unreadable: no scan of a table that may be huge */
	for (i = 0; i < cfg->n_devices; i++) {
		if (ds[i].heard)
			continue;
		seen_key(&cfg->devices[i], key, sizeof key);
		v = NULL;
		if (store_meta_get_text(st, key, &v) == 0 && v) {
			ds[i].heard = true;
		} else if (!scanned && store_device_has_readings(st, cfg->devices[i].id) == 1) {
			/* a database from before the marks: its readings say */
			ds[i].heard = true;
			store_meta_set_text(st, key, "before seen marks");
		}
		free(v);
	}
	if (!scanned)
		store_meta_set_int(st, META_SEEN_SCAN, 1);
}

void presence_note(struct store *st, const struct device_cfg *dev, struct device_state *ds,
		   const struct reading *r, int64_t wall_ms)
{
	char key[ID_MAX + 8], ts[32];

	if (!dev || !ds || ds->heard)
		return;
	/* a bridge saying the device is gone is not the device speaking */
	if (r && r->present == (1u << RF_ONLINE) && r->val[RF_ONLINE] == 0)
		return;
	ds->heard = true;
	seen_key(dev, key, sizeof key);
	if (st)
		store_meta_set_text(st, key, fmt_iso_ms(wall_ms, ts, sizeof ts));
}
