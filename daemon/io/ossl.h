/*
 * ossl.h: OpenSSL's libcrypto and libssl, loaded at run time when a
 * feature first needs them (dynlib.h).  Mapped and relocated, libcrypto
 * alone is 1.8 MB of resident pages (docs/benchmarks.md, "OpenSSL only
 * when needed"), paid by every gateway although most have no TLS link,
 * no command key and no evidence yet.
 *
 * Two sets, each loaded once and kept: "crypto" (libcrypto: digests,
 * HMAC, constant-time compare) and "tls" (libssl and the libcrypto
 * functions a TLS connection's set-up and errors need).  The headers are
 * compiled in as usual; calls go through `ossl`, each pointer of the
 * library's own type.  A pointer of a set is valid only after its load
 * returned 0.
 */
#ifndef HZ_OSSL_H
#define HZ_OSSL_H

#include <stddef.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define OSSL_FN(f) __typeof__(f) *f;
struct ossl_fns {
	/* crypto: ossl_load_crypto */
	OSSL_FN(CRYPTO_memcmp)
	OSSL_FN(EVP_Digest)
	OSSL_FN(EVP_EncodeBlock)
	OSSL_FN(EVP_MAC_CTX_free)
	OSSL_FN(EVP_MAC_CTX_new)
	OSSL_FN(EVP_MAC_fetch)
	OSSL_FN(EVP_MAC_final)
	OSSL_FN(EVP_MAC_free)
	OSSL_FN(EVP_MAC_init)
	OSSL_FN(EVP_MAC_update)
	OSSL_FN(EVP_sha256)
	OSSL_FN(HMAC)
	OSSL_FN(OSSL_PARAM_construct_end)
	OSSL_FN(OSSL_PARAM_construct_utf8_string)
	/* tls: ossl_load_tls (libssl, and libcrypto's errors and X509) */
	OSSL_FN(ERR_clear_error)
	OSSL_FN(ERR_error_string_n)
	OSSL_FN(ERR_get_error)
	OSSL_FN(X509_VERIFY_PARAM_set1_ip_asc)
	OSSL_FN(X509_verify_cert_error_string)
	OSSL_FN(SSL_CTX_check_private_key)
	OSSL_FN(SSL_CTX_ctrl)
	OSSL_FN(SSL_CTX_free)
	OSSL_FN(SSL_CTX_load_verify_locations)
	OSSL_FN(SSL_CTX_new)
	OSSL_FN(SSL_CTX_set_default_verify_paths)
	OSSL_FN(SSL_CTX_set_verify)
	OSSL_FN(SSL_CTX_use_PrivateKey_file)
	OSSL_FN(SSL_CTX_use_certificate_chain_file)
	OSSL_FN(SSL_connect)
	OSSL_FN(SSL_ctrl)
	OSSL_FN(SSL_free)
	OSSL_FN(SSL_get0_param)
	OSSL_FN(SSL_get_error)
	OSSL_FN(SSL_get_verify_result)
	OSSL_FN(SSL_new)
	OSSL_FN(SSL_pending)
	OSSL_FN(SSL_read)
	OSSL_FN(SSL_set1_host)
	OSSL_FN(SSL_set_fd)
	OSSL_FN(SSL_shutdown)
	OSSL_FN(SSL_write)
	OSSL_FN(TLS_client_method)
};
#undef OSSL_FN
extern struct ossl_fns ossl;

/* Load a set if it is not loaded yet: 0, or -1 with err naming `what`
 * (the feature that needs it), the library, its Debian package and the
 * loader's reason.  Thread-safe: any thread may be the first. */
int ossl_load_crypto(const char *what, char *err, size_t errlen);
int ossl_load_tls(const char *what, char *err, size_t errlen);

#endif
