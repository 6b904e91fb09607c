/*
 * paho.c: Paho's client library in the build the links need (paho.h).
 *
 * Which build is decided once, before the first client is created, from
 * the whole config (mqtt_link_library): the uplink, discovery and the
 * device commands' link each create a client, and one process cannot
 * hold both builds (two copies of Paho's threads and globals).  The URIs
 * that decide it cannot change without a restart (app/reload.c keeps
 * local.uri and upstream.uris), so the choice holds for the process.
 * Nothing creates a client before the config is read.
 */
#include <pthread.h>
#include <stdio.h>

#include "paho.h"
#include "dynlib.h"

#define PAHO_PACKAGE "libpaho-mqtt1.3"
#define PAHO_TLS     "libpaho-mqtt3as.so.1"
#define PAHO_PLAIN   "libpaho-mqtt3a.so.1"

struct paho_fns paho;

#define SYM(f) { #f, &paho.f }
static const struct dynsym paho_syms[] = {
	SYM(MQTTAsync_connect),
	SYM(MQTTAsync_createWithOptions),
	SYM(MQTTAsync_destroy),
	SYM(MQTTAsync_disconnect),
	SYM(MQTTAsync_free),
	SYM(MQTTAsync_freeMessage),
	SYM(MQTTAsync_global_init),
	SYM(MQTTAsync_isConnected),
	SYM(MQTTAsync_sendMessage),
	SYM(MQTTAsync_setCallbacks),
	SYM(MQTTAsync_strerror),
	SYM(MQTTAsync_subscribe),
	SYM(MQTTAsync_subscribeMany),
};
#undef SYM

/* the loop's thread creates every client; the lock is for other callers */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static enum { PAHO_NONE, PAHO_LOADED_PLAIN, PAHO_LOADED_TLS } loaded;

/* The TLS build would initialise all of OpenSSL when the first client is
 * created (every algorithm and error string: 1.5 MB resident).  OpenSSL 3
 * initialises itself on first use, so a TLS link pays when it connects.
 * The plain build takes the same options and has no OpenSSL to spare. */
static void paho_init(void)
{
	MQTTAsync_init_options io = MQTTAsync_init_options_initializer;

	io.do_openssl_init = 0;
	paho.MQTTAsync_global_init(&io);
}

int paho_load(bool tls, char *err, size_t errlen)
{
	int rc = 0;

	pthread_mutex_lock(&load_lock);
	if (loaded == PAHO_NONE) {
		if (dynlib_load(tls ? PAHO_TLS : PAHO_PLAIN, PAHO_PACKAGE,
				tls ? "MQTT over TLS" : "MQTT", paho_syms,
				sizeof paho_syms / sizeof paho_syms[0], err, errlen) < 0) {
			rc = -1;
		} else {
			loaded = tls ? PAHO_LOADED_TLS : PAHO_LOADED_PLAIN;
			paho_init();
		}
	} else if (tls && loaded == PAHO_LOADED_PLAIN) {
		snprintf(err, errlen, "MQTT over TLS needs %s, but %s was loaded for the links "
			 "made before: a restart loads the build the config needs", PAHO_TLS,
			 PAHO_PLAIN);
		rc = -1;
	}
	pthread_mutex_unlock(&load_lock);
	return rc;
}
