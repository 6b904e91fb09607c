/*
 * device_cmd.c: switching a plug or relay through its own ecosystem.
 *
 * Each format's builder (its struct device_format's command, in its
 * fmt_<name>.c) turns (device topic, on/off) into the topic and payload
 * that device's firmware obeys; this file checks what every command needs
 * first.  The command topic is derived from the device's one configured
 * topic, like its routes are:
 *
 *   zigbee2mqtt  zigbee2mqtt/<name>            -> zigbee2mqtt/<name>/set  {"state":"OFF"}
 *   tasmota      tele/<topic>/SENSOR           -> cmnd/<topic>/POWER      OFF
 *   shelly gen 1 shellies/<id>                 -> shellies/<id>/relay/0/command  off
 *   shelly gen 2 <id>/status/switch:0          -> <id>/rpc  {"id":N,"src":"<client>",
 *                                                 "method":"Switch.Set","params":{"id":0,"on":false}}
 *   native       <topic>                       -> <topic>/set  {"relay":false}
 *
 * Shelly's generation is the device's "gen", which the config settles from
 * the topic or its "gen" (fmt_shelly.c's topic check); it is not guessed
 * here, because a Gen2 device configured by its bare prefix would otherwise
 * be taken for Gen1 and every command would go to a topic it ignores.  A device whose "relay" is false
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

int cmd_fits(int n, size_t size, const char *what, char *err, size_t errlen)
{
	if (n < 0 || (size_t)n >= size) {
		errf(err, errlen, "command %s too long (max %zu bytes)", what, size - 1);
		return -1;
	}
	return 0;
}

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
	const struct device_format *fmt;

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
	fmt = format_find(dev->format);
	if (fmt && fmt->command)
		return fmt->command(dev, on, client_id, rpc_id, out, err, errlen) < 0
			? (memset(out, 0, sizeof *out), -1) : 0;
	errf(err, errlen, "format %s has no device commands", dev->format);
	return -1;
}
