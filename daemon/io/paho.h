/*
 * paho.h: Paho's asynchronous MQTT client, loaded at run time (dynlib.h)
 * in the build the config needs: libpaho-mqtt3as (TLS, with libssl and
 * libcrypto) when an MQTT link is TLS, else libpaho-mqtt3a (the same API
 * without OpenSSL).  Linked, the TLS build maps OpenSSL into every
 * gateway, about 2 MB resident with no TLS link at all
 * (docs/benchmarks.md, "OpenSSL only when needed").
 *
 * The header is compiled in as usual; calls go through `paho`, each
 * pointer of the library's own type, valid once mqtt_link_library
 * (mqtt_link.h) returned 0.  Only mqtt_link.c, uplink.c and discovery.c
 * speak Paho.
 */
#ifndef HZ_PAHO_H
#define HZ_PAHO_H

#include <stdbool.h>
#include <stddef.h>

#include <MQTTAsync.h>

#define PAHO_FN(f) __typeof__(f) *f;
struct paho_fns {
	PAHO_FN(MQTTAsync_connect)
	PAHO_FN(MQTTAsync_createWithOptions)
	PAHO_FN(MQTTAsync_destroy)
	PAHO_FN(MQTTAsync_disconnect)
	PAHO_FN(MQTTAsync_free)
	PAHO_FN(MQTTAsync_freeMessage)
	PAHO_FN(MQTTAsync_global_init)
	PAHO_FN(MQTTAsync_isConnected)
	PAHO_FN(MQTTAsync_sendMessage)
	PAHO_FN(MQTTAsync_setCallbacks)
	PAHO_FN(MQTTAsync_strerror)
	PAHO_FN(MQTTAsync_subscribe)
	PAHO_FN(MQTTAsync_subscribeMany)
};
#undef PAHO_FN
extern struct paho_fns paho;

/* Load Paho once, the TLS build if tls, and initialise it: 0, or -1 with
 * err naming the library and its Debian package.  Loaded, the build
 * stays: a later call without tls is 0 whichever was loaded, with tls -1
 * (err says why) when the plain build was.  Thread-safe. */
int paho_load(bool tls, char *err, size_t errlen);

#endif
