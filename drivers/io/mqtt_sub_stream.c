/*
 * mqtt_sub_stream.c: TCP or TLS under the local broker's subscriber
 * (mqtt_sub_stream.h).  Non-blocking throughout; OpenSSL's WANT_READ and
 * WANT_WRITE become "not now" and want_write tells the caller which way
 * to poll.  libssl is loaded when the TLS context is made (ossl.h): a
 * plain tcp:// local broker never maps it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib.h"
#include "mqtt_sub_stream.h"
#include "ossl.h"

/* the certificate verdict if it failed, else the first OpenSSL error,
 * else errno */
static void tls_error(const struct mqtt_stream *st, const char *what, char *err, size_t errlen)
{
	unsigned long e = ossl.ERR_get_error();
	long v = st->ssl ? ossl.SSL_get_verify_result(st->ssl) : X509_V_OK;
	char b[160];

	if (v != X509_V_OK)
		snprintf(b, sizeof b, "certificate: %s", ossl.X509_verify_cert_error_string(v));
	else if (e)
		ossl.ERR_error_string_n(e, b, sizeof b);
	else
		snprintf(b, sizeof b, "%s", errno ? strerror(errno) : "connection closed");
	ossl.ERR_clear_error();
	errf(err, errlen, "%s: %s", what, b);
}

SSL_CTX *mqtt_stream_tls_context(const char *ca_file, const char *cert_file,
				 const char *key_file, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	char b[160];
	int ok;

	if (ossl_load_tls("the local broker's TLS (local.uri)", err, errlen) < 0)
		return NULL;
	if (!(ctx = ossl.SSL_CTX_new(ossl.TLS_client_method()))) {
		errf(err, errlen, "TLS: no context");
		return NULL;
	}
	/* SSL_CTX_set_min_proto_version, a macro over SSL_CTX_ctrl */
	ossl.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
	ossl.SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ok = ca_file ? ossl.SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
		     : ossl.SSL_CTX_set_default_verify_paths(ctx);
	if (ok != 1) {
		ossl.ERR_error_string_n(ossl.ERR_get_error(), b, sizeof b);
		errf(err, errlen, "TLS: CA file %s: %s", ca_file ? ca_file : "(system)", b);
		goto fail;
	}
	if (cert_file || key_file) {
		if (!cert_file || !key_file) {
			errf(err, errlen, "TLS: a client certificate needs its key, and a key its certificate");
			goto fail;
		}
		if (ossl.SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
		    ossl.SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
		    ossl.SSL_CTX_check_private_key(ctx) != 1) {
			ossl.ERR_error_string_n(ossl.ERR_get_error(), b, sizeof b);
			errf(err, errlen, "TLS: client certificate %s: %s", cert_file, b);
			goto fail;
		}
	}
	ossl.ERR_clear_error();
	return ctx;
fail:
	ossl.ERR_clear_error();
	ossl.SSL_CTX_free(ctx);
	return NULL;
}

void mqtt_stream_tls_free(SSL_CTX *ctx)
{
	if (ctx)
		ossl.SSL_CTX_free(ctx);
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

	st->ssl = ossl.SSL_new(ctx);
	if (!st->ssl || ossl.SSL_set_fd(st->ssl, st->fd) != 1) {
		errf(err, errlen, "TLS: cannot set up a connection");
		return -1;
	}
	/* SSL_set_mode, a macro over SSL_ctrl */
	ossl.SSL_ctrl(st->ssl, SSL_CTRL_MODE,
		      SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
	/* the peer must prove the name we dialled, or the address */
	if (inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1) {
		if (ossl.X509_VERIFY_PARAM_set1_ip_asc(ossl.SSL_get0_param(st->ssl), name) != 1) {
			errf(err, errlen, "TLS: cannot verify the address %s", name);
			return -1;
		}
	} else if (ossl.SSL_ctrl(st->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,     /* SNI */
				 TLSEXT_NAMETYPE_host_name, (void *)name) != 1 ||
		   ossl.SSL_set1_host(st->ssl, name) != 1) {
		errf(err, errlen, "TLS: cannot verify the name %s", name);
		return -1;
	}
	return 0;
}

int mqtt_stream_tls_step(struct mqtt_stream *st, char *err, size_t errlen)
{
	int r, e;

	ossl.ERR_clear_error();
	errno = 0;
	r = ossl.SSL_connect(st->ssl);
	if (r == 1) {
		st->want_write = 0;
		return 1;
	}
	e = ossl.SSL_get_error(st->ssl, r);
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

		ossl.ERR_clear_error();
		errno = 0;
		r = ossl.SSL_read(st->ssl, buf, len > 65536 ? 65536 : (int)len);
		if (r > 0) {
			st->want_write = 0;
			return r;
		}
		e = ossl.SSL_get_error(st->ssl, r);
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

		ossl.ERR_clear_error();
		errno = 0;
		r = ossl.SSL_write(st->ssl, buf, len > 65536 ? 65536 : (int)len);
		if (r > 0)
			return r;
		e = ossl.SSL_get_error(st->ssl, r);
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
	return st->ssl && ossl.SSL_pending(st->ssl) > 0;
}

void mqtt_stream_shutdown(struct mqtt_stream *st)
{
	/* plain TCP: nothing to say, and libssl may not be loaded at all */
	if (st->ssl) {
		ossl.SSL_shutdown(st->ssl);
		ossl.ERR_clear_error();
	}
}

void mqtt_stream_close(struct mqtt_stream *st)
{
	if (st->ssl)
		ossl.SSL_free(st->ssl);
	if (st->fd >= 0)
		close(st->fd);
	mqtt_stream_init(st);
}
