/*
 * mqtt_sub_stream.c: TCP or TLS under the local broker's subscriber
 * (mqtt_sub_stream.h).  Non-blocking throughout; OpenSSL's WANT_READ and
 * WANT_WRITE become "not now" and want_write tells the caller which way
 * to poll.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lib.h"
#include "mqtt_sub_stream.h"

/* the certificate verdict if it failed, else the first OpenSSL error,
 * else errno */
static void tls_error(const struct mqtt_stream *st, const char *what, char *err, size_t errlen)
{
	unsigned long e = ERR_get_error();
	long v = st->ssl ? SSL_get_verify_result(st->ssl) : X509_V_OK;
	char b[160];

	if (v != X509_V_OK)
		snprintf(b, sizeof b, "certificate: %s", X509_verify_cert_error_string(v));
	else if (e)
		ERR_error_string_n(e, b, sizeof b);
	else
		snprintf(b, sizeof b, "%s", errno ? strerror(errno) : "connection closed");
	ERR_clear_error();
	errf(err, errlen, "%s: %s", what, b);
}

SSL_CTX *mqtt_stream_tls_context(const char *ca_file, const char *cert_file,
				 const char *key_file, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char b[160];
	int ok;

	if (!ctx) {
		errf(err, errlen, "TLS: no context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
		     : SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		ERR_error_string_n(ERR_get_error(), b, sizeof b);
		errf(err, errlen, "TLS: CA file %s: %s", ca_file ? ca_file : "(system)", b);
		goto fail;
	}
	if (cert_file || key_file) {
		if (!cert_file || !key_file) {
			errf(err, errlen, "TLS: a client certificate needs its key, and a key its certificate");
			goto fail;
		}
		if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1) {
			ERR_error_string_n(ERR_get_error(), b, sizeof b);
			errf(err, errlen, "TLS: client certificate %s: %s", cert_file, b);
			goto fail;
		}
	}
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

void mqtt_stream_init(struct mqtt_stream *st)
{
	st->fd = -1;
	st->ssl = NULL;
	st->want_write = 0;
}

int mqtt_stream_connect(struct mqtt_stream *st, const struct addrinfo *a, char *err, size_t errlen)
{
	int one = 1;

	mqtt_stream_close(st);
	st->fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (st->fd < 0) {
		errf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* PUBACKs are 4 bytes each and must not wait for Nagle */
	setsockopt(st->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(st->fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS)
		return 0;
	errf(err, errlen, "connect: %s", strerror(errno));
	mqtt_stream_close(st);
	return -1;
}

int mqtt_stream_connected(struct mqtt_stream *st, char *err, size_t errlen)
{
	int soerr = 0;
	socklen_t sl = sizeof soerr;

	if (getsockopt(st->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		errf(err, errlen, "connect: %s", strerror(soerr));
		return -1;
	}
	return 0;
}

int mqtt_stream_tls_begin(struct mqtt_stream *st, SSL_CTX *ctx, const char *name,
			  char *err, size_t errlen)
{
	unsigned char bin[16];

	st->ssl = SSL_new(ctx);
	if (!st->ssl || SSL_set_fd(st->ssl, st->fd) != 1) {
		errf(err, errlen, "TLS: cannot set up a connection");
		return -1;
	}
	SSL_set_mode(st->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* the peer must prove the name we dialled, or the address */
	if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(st->ssl), name) != 1) {
			errf(err, errlen, "TLS: cannot verify the address %s", name);
			return -1;
		}
	} else if (SSL_set_tlsext_host_name(st->ssl, name) != 1 || SSL_set1_host(st->ssl, name) != 1) {
		errf(err, errlen, "TLS: cannot verify the name %s", name);
		return -1;
	}
	return 0;
}

int mqtt_stream_tls_step(struct mqtt_stream *st, char *err, size_t errlen)
{
	int r, e;

	ERR_clear_error();
	errno = 0;
	r = SSL_connect(st->ssl);
	if (r == 1) {
		st->want_write = 0;
		return 1;
	}
	e = SSL_get_error(st->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		st->want_write = e == SSL_ERROR_WANT_WRITE;
		return 0;
	}
	tls_error(st, "TLS handshake", err, errlen);
	return -1;
}

ssize_t mqtt_stream_read(struct mqtt_stream *st, void *buf, size_t len, char *err, size_t errlen)
{
	ssize_t n;

	if (st->ssl) {
		int r, e;

		ERR_clear_error();
		errno = 0;
		r = SSL_read(st->ssl, buf, len > 65536 ? 65536 : (int)len);
		if (r > 0) {
			st->want_write = 0;
			return r;
		}
		e = SSL_get_error(st->ssl, r);
		st->want_write = e == SSL_ERROR_WANT_WRITE;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		if (e == SSL_ERROR_ZERO_RETURN)
			errf(err, errlen, "the broker closed the connection");
		else
			tls_error(st, "TLS read", err, errlen);
		return -1;
	}
	n = recv(st->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n == 0) {
		errf(err, errlen, "the broker closed the connection");
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	errf(err, errlen, "read: %s", strerror(errno));
	return -1;
}

ssize_t mqtt_stream_write(struct mqtt_stream *st, const void *buf, size_t len,
			  char *err, size_t errlen)
{
	ssize_t n;

	if (st->ssl) {
		int r, e;

		ERR_clear_error();
		errno = 0;
		r = SSL_write(st->ssl, buf, len > 65536 ? 65536 : (int)len);
		if (r > 0)
			return r;
		e = SSL_get_error(st->ssl, r);
		if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
			return 0;
		tls_error(st, "TLS write", err, errlen);
		return -1;
	}
	n = send(st->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	errf(err, errlen, "write: %s", strerror(errno));
	return -1;
}

int mqtt_stream_pending(const struct mqtt_stream *st)
{
	return st->ssl && SSL_pending(st->ssl) > 0;
}

void mqtt_stream_shutdown(struct mqtt_stream *st)
{
	if (st->ssl)
		SSL_shutdown(st->ssl);
	ERR_clear_error();
}

void mqtt_stream_close(struct mqtt_stream *st)
{
	if (st->ssl)
		SSL_free(st->ssl);
	if (st->fd >= 0)
		close(st->fd);
	mqtt_stream_init(st);
}
