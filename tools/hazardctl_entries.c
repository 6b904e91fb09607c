/*
 * hazardctl_entries.c: `hazardctl devices --unknown --config`, the
 * daemon's unknown senders as devices[] entries ready to paste.  The
 * suggestion is the daemon's (ops_devices.c, on formats/infer_kind.c),
 * so this file speaks the control protocol only.
 */
#include <stdlib.h>
#include <string.h>

#include "hazardctl.h"

/*
 * The daemon's unknown senders as devices[] entries ready to paste: one
 * object a line, comma-separated, so the block goes into the array as it
 * is (--json: one array).  Senders without a kind go to stderr with why.
 */
int hzc_unknown_entries(int argc, char **argv, int flag_at)
{
	const char *config = NULL, *sock = NULL;
	struct hzc_stream *s = NULL;
	cJSON *req, *reply = NULL, *out;
	const cJSON *it, *res;
	bool json = false, first = true;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (i == flag_at || strcmp(argv[i], "devices") == 0 ||
		    strcmp(argv[i], "--unknown") == 0)
			continue;
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) &&
			 i + 1 < argc)
			config = argv[++i];
		else if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) &&
			 i + 1 < argc)
			sock = argv[++i];
		else {
			fprintf(stderr, "hazardctl: devices --unknown --config: unexpected "
				"argument \"%s\"\n", argv[i]);
			return HZC_EXIT_USAGE;
		}
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "devices");
	cJSON_AddTrueToObject(req, "unknown");
	rc = hzc_request_open(config, sock, req, &s, &reply);
	cJSON_Delete(req);
	hzc_stream_close(s);
	if (rc != HZC_EXIT_OK) {
		cJSON_Delete(reply);
		return rc;
	}
	res = cJSON_GetObjectItemCaseSensitive(reply, "result");
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(it, res) {
		const cJSON *sg = cJSON_GetObjectItem(it, "suggestion");
		const cJSON *cfg = cJSON_GetObjectItem(sg, "config");
		char *text;

		if (!cfg) {
			char *t = hzc_scalar(cJSON_GetObjectItem(it, "topic"));
			char *w = hzc_scalar(cJSON_GetObjectItem(sg, "why"));

			fprintf(stderr, "# %s: %s\n", t, w);
			free(t);
			free(w);
			continue;
		}
		if (json) {
			cJSON_AddItemReferenceToArray(out, (cJSON *)cfg);
			continue;
		}
		text = cJSON_PrintUnformatted(cfg);
		printf("%s%s", first ? "" : ",\n", text ? text : "");
		first = false;
		free(text);
	}
	if (json) {
		char *text = cJSON_PrintUnformatted(out);

		puts(text ? text : "[]");
		free(text);
	} else if (!first) {
		putchar('\n');
	}
	cJSON_Delete(out);
	cJSON_Delete(reply);
	return fflush(stdout) == 0 ? HZC_EXIT_OK : HZC_EXIT_DAEMON;
}
