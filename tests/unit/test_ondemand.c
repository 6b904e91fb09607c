/* test_ondemand.c: OpenSSL and Paho are not linked but loaded when a
 * feature needs them (daemon/io/paho.c, daemon/io/ossl.c), watched in
 * this process's own /proc/self/maps: Paho without OpenSSL for plain
 * links, its TLS build when a URI is TLS (and then no going back),
 * libcrypto at the first SHA-256 or HMAC, libssl at the first TLS
 * context; forgetting a key needs neither. */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "mqtt_link.h"
#include "mqtt_sub_stream.h"
#include "testing.h"

static int mapped(const char *name)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int hit = 0;

	if (!f)
		return -1;
	while (!hit && fgets(line, sizeof line, f))
		hit = strstr(line, name) != NULL;
	fclose(f);
	return hit;
}

static struct config cfg;

static void uris(const char *local, const char *up)
{
	memset(&cfg, 0, sizeof cfg);
	strlcpy_hz(cfg.local.uri, local, sizeof cfg.local.uri);
	strlcpy_hz(cfg.upstream.uris[0], up, sizeof cfg.upstream.uris[0]);
	cfg.upstream.n_uris = 1;
}

/* in a child, so that the parent can still load the plain build */
static int tls_build_child(void)
{
	char err[512] = "";

	uris("tcp://127.0.0.1:1883", "ssl://127.0.0.1:8883");
	if (mqtt_link_library(&cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return mapped("libpaho-mqtt3as.so") == 1 && mapped("libssl.so") == 1 &&
		mapped("libcrypto.so") == 1 ? 0 : 2;
}

int main(void)
{
	static const unsigned char jefe[] = "Jefe";
	unsigned char mac[CMD_MAC_LEN], key[8] = "secret!";
	struct mqtt_link l;
	char err[512] = "", hex[65];
	SSL_CTX *ctx;
	pid_t pid;
	int st = -1;

	CHECK_INT("start: no libcrypto", mapped("libcrypto.so"), 0);
	CHECK_INT("start: no libssl", mapped("libssl.so"), 0);
	CHECK_INT("start: no Paho", mapped("libpaho-mqtt3"), 0);

	fflush(stdout);
	if ((pid = fork()) == 0)
		_exit(tls_build_child());
	waitpid(pid, &st, 0);
	CHECK("an ssl:// upstream loads Paho's TLS build, with libssl and libcrypto",
	      WIFEXITED(st) && WEXITSTATUS(st) == 0);

	uris("tcp://127.0.0.1:1883", "tcp://127.0.0.1:1884");
	CHECK_INT("plain links: Paho loads", mqtt_link_library(&cfg, err, sizeof err), 0);
	CHECK_INT("... the build without OpenSSL", mapped("libpaho-mqtt3a.so"), 1);
	CHECK_INT("... not the TLS build", mapped("libpaho-mqtt3as.so"), 0);
	CHECK_INT("... no libcrypto", mapped("libcrypto.so"), 0);
	CHECK_INT("... no libssl", mapped("libssl.so"), 0);

	memset(&l, 0, sizeof l);
	strlcpy_hz(l.name, "test", sizeof l.name);
	strlcpy_hz(l.uris[0], "tcp://127.0.0.1:1", sizeof l.uris[0]);
	l.n_uris = 1;
	strlcpy_hz(l.client_id, "hz-ondemand", sizeof l.client_id);
	l.wake_fd = -1;
	CHECK_INT("a plain client is made", mqtt_link_init(&l, err, sizeof err), 0);
	mqtt_link_destroy(&l, 0);
	CHECK_INT("... and still no libcrypto", mapped("libcrypto.so"), 0);

	uris("tcp://127.0.0.1:1883", "mqtts://127.0.0.1:8883");
	CHECK_INT("TLS after the plain build: refused", mqtt_link_library(&cfg, err, sizeof err), -1);
	CHECK_CONTAINS("... the error says a restart loads it", err, "restart");
	memset(&l, 0, sizeof l);
	strlcpy_hz(l.name, "test", sizeof l.name);
	strlcpy_hz(l.uris[0], "ssl://127.0.0.1:1", sizeof l.uris[0]);
	l.n_uris = 1;
	CHECK_INT("... and a TLS client too", mqtt_link_init(&l, err, sizeof err), -1);
	CHECK_CONTAINS("... naming the TLS build", err, "libpaho-mqtt3as.so.1");

	cmd_key_wipe(key, sizeof key);
	CHECK("a key is wiped", memcmp(key, "\0\0\0\0\0\0\0\0", sizeof key) == 0);
	CHECK_INT("... without libcrypto", mapped("libcrypto.so"), 0);

	CHECK_INT("SHA-256: hashed", sha256_hex("abc", 3, hex), 0);
	CHECK_STR("... FIPS 180-2's \"abc\"", hex,
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_INT("... libcrypto loaded for it", mapped("libcrypto.so"), 1);
	CHECK_INT("... libssl not", mapped("libssl.so"), 0);

	CHECK_INT("HMAC: computed", cmd_hmac(jefe, 4, NULL, "what do ya want for nothing?", mac), 0);
	cmd_hex(mac, sizeof mac, hex);
	CHECK_STR("... RFC 4231's test case 2", hex,
		  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	CHECK_INT("command authentication's load: 0 once loaded", cmd_auth_load(err, sizeof err), 0);

	ctx = mqtt_stream_tls_context(NULL, NULL, NULL, err, sizeof err);
	CHECK("a TLS context is made", ctx != NULL);
	CHECK_INT("... libssl loaded for it", mapped("libssl.so"), 1);
	mqtt_stream_tls_free(ctx);
	mqtt_stream_tls_free(NULL);
	TEST_DONE();
}
