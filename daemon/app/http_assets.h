/*
 * http_assets.h: the console's pages, built into the binary.  The table is
 * generated into build/gen/http_assets.c from daemon/app/www/ when that
 * folder exists; otherwise http_assets_fallback.c gives a minimal page
 * (docs/http.md).  path: as requested ("/index.html", "/app.js"); "/" is
 * served as "/index.html".
 */
#ifndef APP_HTTP_ASSETS_H
#define APP_HTTP_ASSETS_H

#include <stddef.h>

struct http_asset {
	const char *path, *type;
	const unsigned char *data;
	size_t len;
};
extern const struct http_asset http_assets[];
extern const size_t http_n_assets;

#endif /* APP_HTTP_ASSETS_H */
