/*
 * ossl.c: OpenSSL's two sets of functions, each loaded at its first need
 * (ossl.h).  Who asks when:
 *   - an evidence file's SHA-256 (sha256.c): at the first file hashed;
 *   - command authentication (cmd_auth.c): at start-up when
 *     upstream.command_key_file is set (uplink.c), so that a missing
 *     library is a start-up error, not a refused command;
 *   - DingTalk's signature (webhook.c): with libcurl, at the first post;
 *   - the local broker's TLS (mqtt_sub_stream.c): when its context is
 *     made, at start-up for a TLS local.uri.
 * Paho's TLS build maps the same libraries on its own when an MQTT link
 * is TLS (paho.c); they are one copy in the process either way.
 *
 * OpenSSL 3 initialises itself on first use; nothing is called here but
 * the loader.  The libraries stay loaded (dynlib.c).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "ossl.h"
#include "dynlib.h"

/* Debian 12's names; Debian 13 ships the same sonames in libssl3t64 */
#define OSSL_PACKAGE "libssl3"

struct ossl_fns ossl;

#define SYM(f) { #f, &ossl.f }
static const struct dynsym crypto_syms[] = {
	SYM(CRYPTO_memcmp),
	SYM(EVP_Digest),
	SYM(EVP_EncodeBlock),
	SYM(EVP_MAC_CTX_free),
	SYM(EVP_MAC_CTX_new),
	SYM(EVP_MAC_fetch),
	SYM(EVP_MAC_final),
	SYM(EVP_MAC_free),
	SYM(EVP_MAC_init),
	SYM(EVP_MAC_update),
	SYM(EVP_sha256),
	SYM(HMAC),
	SYM(OSSL_PARAM_construct_end),
	SYM(OSSL_PARAM_construct_utf8_string),
};
/* libssl's own; libcrypto's below (dlsym on libssl's handle would find
 * them through its dependency too, but each is asked of its library) */
static const struct dynsym ssl_syms[] = {
	SYM(SSL_CTX_check_private_key),
	SYM(SSL_CTX_ctrl),
	SYM(SSL_CTX_free),
	SYM(SSL_CTX_load_verify_locations),
	SYM(SSL_CTX_new),
	SYM(SSL_CTX_set_default_verify_paths),
	SYM(SSL_CTX_set_verify),
	SYM(SSL_CTX_use_PrivateKey_file),
	SYM(SSL_CTX_use_certificate_chain_file),
	SYM(SSL_connect),
	SYM(SSL_ctrl),
	SYM(SSL_free),
	SYM(SSL_get0_param),
	SYM(SSL_get_error),
	SYM(SSL_get_verify_result),
	SYM(SSL_new),
	SYM(SSL_pending),
	SYM(SSL_read),
	SYM(SSL_set1_host),
	SYM(SSL_set_fd),
	SYM(SSL_shutdown),
	SYM(SSL_write),
	SYM(TLS_client_method),
};
static const struct dynsym tls_crypto_syms[] = {
	SYM(ERR_clear_error),
	SYM(ERR_error_string_n),
	SYM(ERR_get_error),
	SYM(X509_VERIFY_PARAM_set1_ip_asc),
	SYM(X509_verify_cert_error_string),
};
#undef SYM
#define N(a) (sizeof a / sizeof a[0])

/* The loaders may race (the evidence worker and the loop); the flags are
 * read without the lock once set: a set's pointers are written before
 * its flag (sequentially consistent atomics). */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic bool crypto_ready, tls_ready;

int ossl_load_crypto(const char *what, char *err, size_t errlen)
{
	int rc = 0;

	if (crypto_ready)
		return 0;
	pthread_mutex_lock(&load_lock);
	if (!crypto_ready) {
		if (dynlib_load("libcrypto.so.3", OSSL_PACKAGE, what, crypto_syms,
				N(crypto_syms), err, errlen) < 0)
			rc = -1;
		else
			crypto_ready = true;
	}
	pthread_mutex_unlock(&load_lock);
	return rc;
}

int ossl_load_tls(const char *what, char *err, size_t errlen)
{
	int rc = 0;

	if (tls_ready)
		return 0;
	pthread_mutex_lock(&load_lock);
	if (!tls_ready) {
		/* libssl first: it brings libcrypto as its dependency */
		if (dynlib_load("libssl.so.3", OSSL_PACKAGE, what, ssl_syms, N(ssl_syms),
				err, errlen) < 0 ||
		    dynlib_load("libcrypto.so.3", OSSL_PACKAGE, what, tls_crypto_syms,
				N(tls_crypto_syms), err, errlen) < 0)
			rc = -1;
		else
			tls_ready = true;
	}
	pthread_mutex_unlock(&load_lock);
	return rc;
}
