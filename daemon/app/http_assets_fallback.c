/*
 * http_assets_fallback.c: the console's page when the tree has no
 * daemon/app/www/ to build from (http_assets.h): it says how to make the
 * first account and that the API under /api/ works without it.
 */
#include "http_assets.h"

static const unsigned char index_html[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<title>hazardd</title></head><body>\n"
	"<h1>hazardd web console</h1>\n"
	"<p>The console's pages are not part of this build; its JSON API under "
	"<code>/api/</code> works (docs/http.md).</p>\n"
	"<p>To create the first user, on the gateway as root:</p>\n"
	"<pre>hazardctl user add NAME --role admin</pre>\n"
	"<p>\xe9\xa6\x96\xe4\xb8\xaa\xe7\x94\xa8\xe6\x88\xb7\xef\xbc\x9a"
	"<code>hazardctl user add NAME --role admin</code></p>\n"
	"</body></html>\n";

const struct http_asset http_assets[] = {
	{ "/index.html", "text/html; charset=utf-8", index_html, sizeof index_html - 1 },
};
const size_t http_n_assets = sizeof http_assets / sizeof http_assets[0];
