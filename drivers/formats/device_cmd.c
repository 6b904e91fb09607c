/*
 * device_cmd.c: switching a plug or relay through its own ecosystem.
 *
 * One small builder per format turns (device topic, on/off) into the
 * topic and payload that device's firmware obeys.  The command topic is
 * derived from the device's one configured topic, like its routes are:
 *
 *   zigbee2mqtt  zigbee2mqtt/<name>            -> zigbee2mqtt/<name>/set  {"state":"OFF"}
 *   tasmota      tele/<topic>/SENSOR           -> cmnd/<topic>/POWER      OFF
 *   shelly gen 1 shellies/<id>                 -> shellies/<id>/relay/0/command  off
 *   shelly gen 2 <id>/status/switch:0          -> <id>/rpc  {"id":N,"src":"<client>",
 *                                                 "method":"Switch.Set","params":{"id":0,"on":false}}
 *   native       <topic>                       -> <topic>/set  {"relay":false}
 *
 * Shelly's generation is the device's "gen", which config.c settles from
 * the topic or the config; it is not guessed here, because a Gen2 device
 * configured by its bare prefix would otherwise be taken for Gen1 and every
 * command would go to a topic it ignores.  A device whose "relay" is false
 * (a detector) is never commanded: nothing could confirm the command, and
 * its command_failed could never be cleared.
 *
 * Pure functions: no I/O, safe from any thread.  None of these topics is
 * one the device's routes subscribe to, except Shelly Gen1's, whose
 * command topic lies below the subscribed subtree and is decoded as
 * DECODE_IGNORED (a command is not the device's state).
 */
#include <stdio.h>
#include <string.h>

#include "formats.h"

typedef int (*cmd_fn)(const struct device_cfg *dev, bool on, const char *client_id,
		      unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen);

/* snprintf into a fixed buffer; -1 with a reason when it does not fit. */
static int cmd_put(char *dst, size_t size, const char *what, char *err, size_t errlen,
		   int n)
{
	(void)dst;
	if (n < 0 || (size_t)n >= size) {
		errf(err, errlen, "command %s too long (max %zu bytes)", what, size - 1);
		return -1;
	}
	return 0;
}

static int cmd_zigbee2mqtt(const struct device_cfg *dev, bool on, const char *client_id,
			   unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	const char *dev_topic = dev->topic;

	if (cmd_put(out->topic, sizeof out->topic, "topic", err, errlen,
		    snprintf(out->topic, sizeof out->topic, "%s/set", dev_topic)) < 0)
		return -1;
	snprintf(out->payload, sizeof out->payload, "{\"state\":\"%s\"}", on ? "ON" : "OFF");
	return 0;
}

/* tele/<topic>/SENSOR: the default FullTopic "%prefix%/%topic%/" only. */
static int cmd_tasmota(const struct device_cfg *dev, bool on, const char *client_id,
		       unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	const char *dev_topic = dev->topic;
	size_t n = strlen(dev_topic);

	if (strncmp(dev_topic, "tele/", 5) != 0 || !dj_has_suffix(dev_topic, "/SENSOR") ||
	    n <= strlen("tele//SENSOR")) {
		errf(err, errlen, "cannot derive a Tasmota command topic from %s "
		     "(expected tele/<topic>/SENSOR)", dev_topic);
		return -1;
	}
	if (cmd_put(out->topic, sizeof out->topic, "topic", err, errlen,
		    snprintf(out->topic, sizeof out->topic, "cmnd/%.*s/POWER",
			     (int)(n - strlen("tele/") - strlen("/SENSOR")),
			     dev_topic + strlen("tele/"))) < 0)
		return -1;
	snprintf(out->payload, sizeof out->payload, "%s", on ? "ON" : "OFF");
	return 0;
}

/* Gen1: "shellies/<id>"; Gen2: "<id>/status/switch:0" (config.c derives
 * that from a bare "<id>" with "gen": 2). */
static int cmd_shelly(const struct device_cfg *dev, bool on, const char *client_id,
		      unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	const char *dev_topic = dev->topic;
	const char *st = strstr(dev_topic, "/status/");
	size_t len = st ? (size_t)(st - dev_topic) : strlen(dev_topic);

	if (dev->gen == 1) {
		if (cmd_put(out->topic, sizeof out->topic, "topic", err, errlen,
			    snprintf(out->topic, sizeof out->topic, "%s/relay/0/command",
				     dev_topic)) < 0)
			return -1;
		snprintf(out->payload, sizeof out->payload, "%s", on ? "on" : "off");
		return 0;
	}
	if (dev->gen != 2) {
		errf(err, errlen, "Shelly device %s: generation unknown (set \"gen\": 1 or 2)",
		     dev->id);
		return -1;
	}
	if (len == 0) {
		errf(err, errlen, "cannot derive a Shelly command topic from %s", dev_topic);
		return -1;
	}
	if (cmd_put(out->topic, sizeof out->topic, "topic", err, errlen,
		    snprintf(out->topic, sizeof out->topic, "%.*s/rpc", (int)len,
			     dev_topic)) < 0)
		return -1;
	/* the device answers on "<src>/rpc"; the confirmation we rely on is
	 * its status report, so nobody needs to listen there */
	return cmd_put(out->payload, sizeof out->payload, "payload", err, errlen,
		       snprintf(out->payload, sizeof out->payload,
				"{\"id\":%u,\"src\":\"%s\",\"method\":\"Switch.Set\","
				"\"params\":{\"id\":0,\"on\":%s}}", rpc_id,
				client_id && *client_id ? client_id : "hazardd",
				on ? "true" : "false"));
}

static int cmd_native(const struct device_cfg *dev, bool on, const char *client_id,
		      unsigned rpc_id, struct device_cmd *out, char *err, size_t errlen)
{
	const char *dev_topic = dev->topic;

	if (cmd_put(out->topic, sizeof out->topic, "topic", err, errlen,
		    snprintf(out->topic, sizeof out->topic, "%s/set", dev_topic)) < 0)
		return -1;
	snprintf(out->payload, sizeof out->payload, "{\"relay\":%s}", on ? "true" : "false");
	return 0;
}

static const struct {
	const char *format;
	cmd_fn      build;
} builders[] = {
	{ "native", cmd_native },
	{ "zigbee2mqtt", cmd_zigbee2mqtt },
	{ "tasmota", cmd_tasmota },
	{ "shelly", cmd_shelly },
};

bool device_cmd_no_relay(const struct device_cfg *dev, char *err, size_t errlen)
{
	if (!dev || dev->relay)
		return false;
	errf(err, errlen, "device %s is a%s %s with no relay; set \"relay\": true in its "
	     "config if it has one", dev->id,
	     (unsigned)dev->kind < DEV_KIND_COUNT &&
	     strchr("aeiou", device_kind_name[dev->kind][0]) ? "n" : "",
	     (unsigned)dev->kind < DEV_KIND_COUNT ? device_kind_name[dev->kind] : "device");
	return true;
}

int device_cmd_build(const struct device_cfg *dev, bool on,
		     const char *client_id, unsigned rpc_id, struct device_cmd *out,
		     char *err, size_t errlen)
{
	size_t i;

	memset(out, 0, sizeof *out);
	if (!dev || !dev->topic[0]) {
		errf(err, errlen, "device has no topic");
		return -1;
	}
	if (device_cmd_no_relay(dev, err, errlen))
		return -1;
	/* a client id is interpolated into JSON: keep it to plain bytes */
	if (client_id && client_id[strspn(client_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "abcdefghijklmnopqrstuvwxyz0123456789._-")])
		client_id = "hazardd";
	for (i = 0; i < sizeof builders / sizeof builders[0]; i++)
		if (strcmp(builders[i].format, dev->format) == 0)
			return builders[i].build(dev, on, client_id, rpc_id, out,
						 err, errlen) < 0 ? (memset(out, 0, sizeof *out), -1)
								  : 0;
	errf(err, errlen, "format %s has no device commands", dev->format);
	return -1;
}
