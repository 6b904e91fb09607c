/*
 * intake_class.c: what a device message is, decided once, at receipt
 * (device_io.h).  The intake uses it for flood control and for the
 * alarm-first queue; the loop takes the result as it is (the device, the
 * reading, the reason a payload was refused), so a message costs one
 * topic lookup and one decode from the socket to the database.
 */
#include <stddef.h>
#include <string.h>

#include "device_io.h"

/* The same order of checks the loop reports in: unknown topic, oversized,
 * unsupported format, the decoder's verdict. */
void intake_classify(const struct devindex *ix, const struct config *cfg,
		     const char *topic,
		     const void *payload, size_t len, bool oversized,
		     int64_t recv_ms, struct intake_class *c)
{
	const struct device_format *dec = NULL;
	int rc;

	memset(&c->r, 0, sizeof c->r);
	c->gen = 0;
	c->alarm = false;
	c->err[0] = '\0';
	c->dev = devindex_find(ix, topic, &dec);
	if (c->dev < 0) {
		c->kind = IK_UNKNOWN;
		return;
	}
	if (oversized || !payload) {
		c->kind = IK_OVERSIZED;
		return;
	}
	if (!dec) {
		c->kind = IK_NO_FORMAT;
		return;
	}
	rc = dec->decode(topic, payload, len, recv_ms, &c->r, c->err, sizeof c->err);
	if (rc == DECODE_IGNORED) {
		c->kind = IK_IGNORED;
	} else if (rc < 0) {
		c->kind = IK_BAD;
	} else {
		c->kind = IK_READING;
		c->alarm = intake_is_alarm(cfg && c->dev < cfg->n_devices ?
					   &cfg->devices[c->dev] : NULL, &c->r);
	}
	c->err[sizeof c->err - 1] = '\0';
}

size_t intake_class_size(const struct intake_class *c)
{
	return offsetof(struct intake_class, err) + strlen(c->err) + 1;
}

bool intake_is_alarm(const struct device_cfg *dev, const struct reading *r)
{
	size_t i;

	/* an explicit offline raises a hazard at once, like an alarm flag */
	if (reading_has(r, RF_ONLINE) && r->val[RF_ONLINE] == 0.0)
		return true;
	for (i = 0; i < READING_ALARM_FLAGS; i++)
		if (reading_has(r, reading_alarm_flag[i]) &&
		    r->val[reading_alarm_flag[i]] != 0.0)
			return true;
	if (dev)
		return rules_urgent(dev, r);
	return reading_has(r, RF_GAS_LEL) || reading_has(r, RF_CO_PPM) ||
	       reading_has(r, RF_GAS_PPM) || reading_has(r, RF_TEMP_C);
}
