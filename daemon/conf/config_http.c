/*
 * config_http.c: $.http, the web console (docs/http.md).  Absent, or
 * without "listen", there is no console.  "listen" is "ADDR:PORT" with a
 * numeric IPv4 address or a bracketed IPv6 one ("[::1]:8080"): a host name
 * would make the console's address depend on a resolver at start-up.
 * TLS takes both files or neither.  The users file defaults to users.json
 * beside the database, which is hazardd's own directory.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "config_parse.h"

static const struct field http_fields[] = {
	{ CFG("listen", T_STR, http.listen, CF_NONEMPTY) },
	{ CFG("tls_cert_file", T_STR, http.tls_cert_file, CF_NONEMPTY) },
	{ CFG("tls_key_file", T_STR, http.tls_key_file, CF_NONEMPTY) },
	{ CFG("users_file", T_STR, http.users_file, CF_NONEMPTY) },
	{ CFG("session_ttl_min", T_INT, http.session_ttl_min, 0),
	  .min = 1, .max = 7 * 24 * 60, .def = 720 },
};

/* 0 when s is ADDR:PORT as described above. */
int config_http_listen(const char *s, char *addr, size_t addrlen, int *port)
{
	const char *colon;
	unsigned char buf[16];
	char *end;
	size_t n;
	long p;
	bool v6 = s[0] == '[';

	if (v6) {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - s - 1);
		if (n == 0 || n >= addrlen)
			return -1;
		memcpy(addr, s + 1, n);
		addr[n] = '\0';
		colon = close + 1;
		if (inet_pton(AF_INET6, addr, buf) != 1)
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		n = (size_t)(colon - s);
		if (n == 0 || n >= addrlen)
			return -1;
		memcpy(addr, s, n);
		addr[n] = '\0';
		if (inet_pton(AF_INET, addr, buf) != 1)
			return -1;
	}
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

void parse_http(struct ctx *c, const cJSON *root, struct config *cfg)
{
	const cJSON *obj = parse_section(c, root, "http", 0, http_fields,
					 ARRAY_LEN(http_fields), cfg);
	char addr[64], q[96];
	const char *slash;
	int port;

	if (cfg->http.listen[0] &&
	    config_http_listen(cfg->http.listen, addr, sizeof addr, &port) < 0)
		cfg_err(c, member_line(c, obj, "listen"), "$.http.listen",
			"%s is not ADDR:PORT (a numeric IPv4 address, or [IPv6], "
			"and a port 1-65535)", quote(q, sizeof q, cfg->http.listen));
	if (obj && !cfg->http.tls_cert_file[0] != !cfg->http.tls_key_file[0])
		cfg_err(c, at_open(c, obj), "$.http",
			"tls_cert_file and tls_key_file go together: set both or neither");
	/* also without the section: hazardctl user manages the file before
	 * the console is turned on */
	if (!cfg->http.users_file[0] && cfg->storage.path[0]) {
		slash = strrchr(cfg->storage.path, '/');
		if (!slash)
			snprintf(cfg->http.users_file, sizeof cfg->http.users_file,
				 "users.json");
		else if (snprintf(cfg->http.users_file, sizeof cfg->http.users_file,
				  "%.*s/users.json", (int)(slash - cfg->storage.path),
				  cfg->storage.path) >= (int)sizeof cfg->http.users_file)
			cfg_err(c, obj ? at_open(c, obj) : 0, "$.http.users_file",
				"the default beside the database is too long; set it");
	}
}
