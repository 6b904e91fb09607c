/*
 * mqtt_sub_stream.h: the byte stream under the local broker's subscriber
 * (mqtt_sub.c): a non-blocking TCP connection, with TLS through OpenSSL
 * when configured.  Only mqtt_sub.c uses it; it knows nothing of MQTT.
 */
#ifndef HZ_MQTT_SUB_STREAM_H
#define HZ_MQTT_SUB_STREAM_H

#include <netdb.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

struct mqtt_stream {
	int fd;                 /* -1: closed */
	SSL *ssl;               /* NULL: plain TCP */
	int want_write;         /* TLS needs the socket writable to go on */
};

/* The client context: TLS 1.2 or later, the peer always verified against
 * ca_file (NULL: the system's store); cert and key together or neither.
 * NULL with err filled when a file does not load, or libssl (loaded here,
 * the first time: ossl.h) cannot be. */
SSL_CTX *mqtt_stream_tls_context(const char *ca_file, const char *cert_file,
				 const char *key_file, char *err, size_t errlen);
/* Free a context of mqtt_stream_tls_context (NULL: nothing). */
void mqtt_stream_tls_free(SSL_CTX *ctx);

void mqtt_stream_init(struct mqtt_stream *st);
/* Start a non-blocking connect to one address: 0 under way, -1 failed. */
int  mqtt_stream_connect(struct mqtt_stream *st, const struct addrinfo *a,
			 char *err, size_t errlen);
/* After the socket turned writable: 0 connected, -1 refused (err). */
int  mqtt_stream_connected(struct mqtt_stream *st, char *err, size_t errlen);
/* Begin TLS over the connected socket, verifying `name` (a host name or an
 * IP address): 0 set up, -1 not. */
int  mqtt_stream_tls_begin(struct mqtt_stream *st, SSL_CTX *ctx, const char *name,
			   char *err, size_t errlen);
/* One handshake step: 1 done, 0 again when the socket is ready (see
 * want_write), -1 failed (err). */
int  mqtt_stream_tls_step(struct mqtt_stream *st, char *err, size_t errlen);
/* Bytes read (> 0), 0 when none is ready now, -1 closed or failed (err). */
ssize_t mqtt_stream_read(struct mqtt_stream *st, void *buf, size_t len,
			 char *err, size_t errlen);
/* Bytes written (>= 0; 0 when the socket is full), -1 failed (err). */
ssize_t mqtt_stream_write(struct mqtt_stream *st, const void *buf, size_t len,
			  char *err, size_t errlen);
/* Decrypted bytes waiting inside TLS (no poll would report them). */
int  mqtt_stream_pending(const struct mqtt_stream *st);
/* TLS close_notify, best effort (a clean goodbye). */
void mqtt_stream_shutdown(struct mqtt_stream *st);
void mqtt_stream_close(struct mqtt_stream *st);

#endif
