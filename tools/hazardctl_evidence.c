/*
 * hazardctl_evidence.c: the evidence files of `submit` and `close`.
 * hazardctl reads each file itself and sends its bytes (base64) in the
 * request's "files": hazardd never opens a path a client names, so a file
 * readable by the person who runs hazardctl is what counts, not one the
 * daemon's user could read.  The printers of the files a reply lists are
 * here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hazardctl.h"

/* An argument of --evidence that names a regular file is a file; any
 * other is the evidence text (at most one), as before files existed. */
bool hzc_evidence_is_file(const char *arg)
{
	struct stat sb;

	return stat(arg, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Names that look like a file's but are none: a mistyped path should not
 * go as text. */
bool hzc_evidence_looks_like_file(const char *arg)
{
	static const char *const ext[] = { ".jpg", ".jpeg", ".png", ".pdf", ".webp" };
	size_t n = strlen(arg), i;

	if (strchr(arg, ' '))
		return false;
	for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		size_t k = strlen(ext[i]);

		if (n > k && strcasecmp(arg + n - k, ext[i]) == 0)
			return true;
	}
	return false;
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL, *nb;
	size_t cap = 0, got = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (got == cap) {
			/* one byte past the largest allowed, to see it is over */
			if (cap > EVIDENCE_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 65536;
			if (!(nb = realloc(buf, cap)))
				goto fail;
			buf = nb;
		}
		n = fread(buf + got, 1, cap - got, f);
		got += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*len = got;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

int hzc_add_files(cJSON *req, const char *const *paths, int n)
{
	cJSON *arr;
	int i;

	if (n <= 0)
		return 0;
	if (!(arr = cJSON_AddArrayToObject(req, "files")))
		return -1;
	for (i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/');
		unsigned char *data;
		size_t len = 0;
		char *b64;
		cJSON *o;

		data = read_all(paths[i], &len);
		if (!data) {
			fprintf(stderr, "hazardctl: %s: %s\n", paths[i],
				errno == EFBIG ? "larger than hazardd takes (8 MiB)"
					       : strerror(errno));
			return -1;
		}
		b64 = base64_encode(data, len);
		free(data);
		if (!b64 || !(o = cJSON_CreateObject())) {
			free(b64);
			fprintf(stderr, "hazardctl: out of memory\n");
			return -1;
		}
		/* the name without its folders: a label, never a path for hazardd */
		cJSON_AddStringToObject(o, "name", base ? base + 1 : paths[i]);
		cJSON_AddStringToObject(o, "data", b64);
		free(b64);
		cJSON_AddItemToArray(arr, o);
	}
	return 0;
}

/* ------------------------------------------------------------ printing */

/* A hazard's evidence files (三个有): one line each. */
void hzc_print_files(const cJSON *files)
{
	static const char *const head[] = { "NAME", "TYPE", "BYTES", "SHA256", "EVENT",
		"AT", "ACTOR" };
	static const char *const keys[] = { "name", "media_type", "size", "sha256",
		"event", "at", "actor" };
	int n = cJSON_GetArraySize(files), r = 0, c;
	struct hzc_row *rows;
	const cJSON *f;

	if (!cJSON_IsArray(files))
		return;
	printf("\nFILES\n");
	if (n == 0) {
		printf("  (none)\n");
		return;
	}
	rows = hzc_rows(n);
	cJSON_ArrayForEach(f, files) {
		if (r == n)
			break;
		for (c = 0; c < 7; c++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, keys[c]);

			rows[r].cell[c] = c == 5 ? hzc_time(v) : hzc_scalar(v);
		}
		r++;
	}
	hzc_table(head, 7, rows, r, "  ");
	free(rows);
}

/* After a submit or close: each file kept, one line. */
void hzc_print_kept_files(const cJSON *files)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, files) {
		char *n = hzc_scalar(cJSON_GetObjectItemCaseSensitive(f, "name"));
		char *t = hzc_scalar(cJSON_GetObjectItemCaseSensitive(f, "media_type"));
		char *z = hzc_scalar(cJSON_GetObjectItemCaseSensitive(f, "size"));
		char *h = hzc_scalar(cJSON_GetObjectItemCaseSensitive(f, "sha256"));

		printf("  file %s: %s, %s bytes, sha256 %s\n", n, t, z, h);
		free(n);
		free(t);
		free(z);
		free(h);
	}
}

char *hzc_file_label(const cJSON *f)
{
	char *name = hzc_scalar(cJSON_GetObjectItemCaseSensitive(f, "name"));
	char *sha = hzc_scalar(cJSON_GetObjectItemCaseSensitive(f, "sha256"));
	char *out = name && sha ? malloc(strlen(name) + strlen(sha) + 2) : NULL;

	if (out)
		sprintf(out, "%s %s", name, sha);
	free(name);
	free(sha);
	return out ? out : hzc_dup("");
}

/* "a; b" from a and b (both freed; either may be empty). */
char *hzc_csv_join(char *a, char *b)
{
	char *out;

	if (!a || !*a || !b || !*b) {
		out = a && *a ? a : b;
		free(out == a ? b : a);
		return out ? out : hzc_dup("");
	}
	out = malloc(strlen(a) + strlen(b) + 3);
	if (out)
		sprintf(out, "%s; %s", a, b);
	free(a);
	free(b);
	return out ? out : hzc_dup("");
}
