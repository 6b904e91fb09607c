/*
 * ops_evidence.c: evidence files that come with a person's submit or
 * close (三个有: photos, documents of the fix), read from the request's
 * "files": [{"name", "data": base64}].  One path for every front-end:
 * hazardctl (which reads the files itself and sends their bytes: the
 * daemon never opens a path a client names) and, later, the console's
 * upload.  Each file's bytes are decoded and checked against
 * records.evidence_max_bytes here; its SHA-256 (io/sha256.c) and its
 * media type from its first bytes (lib's media_type_sniff, never the
 * name a client gives) are what the store keeps it under.  The check of
 * a request's shape (ops_files_check) is cheap and runs on the loop; the
 * decode, hash and sniff (ops_files_decode) may run on a worker thread
 * (ops_act_later), as they take a few milliseconds per MiB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

void ops_files_free(struct ops_files *fs)
{
	int i;

	for (i = 0; i < fs->n; i++)
		free((void *)fs->f[i].data);
	free(fs->f);
	memset(fs, 0, sizeof *fs);
}

/* One member of "files": {"name", "data"}: its shape and its size, read
 * from the length of its base64 (cheap: the loop's part). */
static int file_check(const cJSON *it, int i, size_t max, struct evidence_file *f,
		      struct ops_error *e)
{
	static const char *const keys[] = { "name", "data", NULL };
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(it, "data");
	char clip[OPS_ECHO_MAX];
	size_t len, pad, size;

	if (!cJSON_IsObject(it)) {
		ops_fail(e, OPS_INVALID, "\"files\"[%d] must be an object", i);
		return -1;
	}
	if (!ops_only_fields(it, keys, NULL, e))
		return -1;
	f->name = NULL;
	if (ops_text(it, "name", OPS_FILE_NAME_MAX, false, &f->name, e) < 0)
		return -1;
	if (!cJSON_IsString(data) || !data->valuestring) {
		ops_fail(e, OPS_INVALID, "\"files\"[%d] needs \"data\": the file's bytes "
			 "in base64", i);
		return -1;
	}
	len = strlen(data->valuestring);
	pad = len >= 2 && data->valuestring[len - 2] == '=' ? 2 :
	      len >= 1 && data->valuestring[len - 1] == '=' ? 1 : 0;
	size = len / 4 * 3 - (len >= 4 ? pad : 0);
	if (size > max) {
		ops_fail(e, OPS_INVALID, "file %s is %zu bytes: more than %zu "
			 "(records.evidence_max_bytes)",
			 f->name ? ops_clip(f->name, clip, sizeof clip) : "(unnamed)", size, max);
		return -1;
	}
	return 0;
}

/* Its bytes decoded, hashed and sniffed (the slow part: any thread; it
 * touches only it, f and e). */
static int file_decode(const cJSON *it, size_t max, struct evidence_file *f,
		       struct ops_error *e)
{
	const char *b64 = cJSON_GetObjectItemCaseSensitive(it, "data")->valuestring;
	char clip[OPS_ECHO_MAX];

	f->data = base64_decode(b64, strlen(b64), max, &f->len);
	if (!f->data) {
		ops_fail(e, OPS_INVALID, "file %s: \"data\" is not base64",
			 f->name ? ops_clip(f->name, clip, sizeof clip) : "(unnamed)");
		return -1;
	}
	if (sha256_hex(f->data, f->len, f->sha256) < 0) {
		free((void *)f->data);
		f->data = NULL;
		ops_fail(e, OPS_FAILED, "cannot hash the evidence file");
		return -1;
	}
	f->media_type = media_type_sniff(f->data, f->len);
	return 0;
}

size_t ops_files_max(struct daemon *d)
{
	return d && d->cfg ? (size_t)d->cfg->records.evidence_max_bytes : EVIDENCE_FILE_MAX;
}

int ops_files_check(struct daemon *d, const cJSON *arr, struct ops_files *fs,
		    struct ops_error *e)
{
	const cJSON *it;
	size_t max = ops_files_max(d);
	int n, i = 0;

	memset(fs, 0, sizeof *fs);
	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr)) {
		ops_fail(e, OPS_INVALID, "\"files\" must be an array");
		return -1;
	}
	n = cJSON_GetArraySize(arr);
	if (n > OPS_FILES_MAX) {
		ops_fail(e, OPS_INVALID, "at most %d files at once", OPS_FILES_MAX);
		return -1;
	}
	if (n == 0)
		return 0;
	if (!(fs->f = calloc((size_t)n, sizeof *fs->f))) {
		ops_fail(e, OPS_FAILED, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		if (file_check(it, i, max, &fs->f[i], e) < 0) {
			ops_files_free(fs);
			return -1;
		}
		fs->n = ++i;
	}
	return 0;
}

int ops_files_decode(const cJSON *arr, size_t max, struct ops_files *fs,
		     struct ops_error *e)
{
	const cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, arr) {
		if (i == fs->n)
			break;
		if (file_decode(it, max, &fs->f[i], e) < 0) {
			ops_files_free(fs);
			return -1;
		}
		i++;
	}
	return 0;
}

int ops_files_parse(struct daemon *d, const cJSON *arr, struct ops_files *fs,
		    struct ops_error *e)
{
	if (ops_files_check(d, arr, fs, e) < 0)
		return -1;
	return fs->n > 0 ? ops_files_decode(arr, ops_files_max(d), fs, e) : 0;
}
