/*
 * store_evidence_files.c: evidence files (三个有: the photos and documents
 * of a fix), content-addressed (schema version 11).
 *
 * A file is kept once under the SHA-256 of its bytes, which the caller
 * computes (OpenSSL is the io layer's: io/sha256.c) together with the
 * media type (lib's media_type_sniff), and linked to the hazard's event
 * it came with.  Its bytes go upstream once, the first time it is kept,
 * as outbox rows of class OB_EVIDENCE, one per chunk of
 * EVIDENCE_CHUNK_BYTES: after every alarm, record event, status and
 * telemetry row (the outbox drains by class).  A row names its file and
 * chunk only; the chunk's bytes are read from evidence_files when the
 * uplink takes the row (store_evidence_chunk_body), so the outbox holds
 * no second copy.  A row leaves the outbox on its PUBACK, as every row
 * does: after an outage or a restart the upload resumes from the first
 * chunk not acknowledged.
 *
 * Space: all files together may take share_max_bytes (the config's
 * records.evidence_quota_pct of storage.max_mb); past it a new file is
 * refused.  The storage quota's trimming (store_quota.c, store_trim.c)
 * never touches these tables, so evidence is never trimmed and cannot
 * grow past its share to push out alarms or records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_internal.h"

int64_t store_evidence_bytes(struct store *st)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT coalesce(sum(size), 0) FROM evidence_files");
	int64_t n = -1;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* 1 the file is kept already, 0 not, -1 error. */
static int file_known(struct store *st, const char *sha)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT 1 FROM evidence_files WHERE sha256 = ?1");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, sha);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Its chunks, each an outbox row naming the file and the chunk. */
static int queue_chunks(struct store *st, const struct evidence_file *f)
{
	int total = (int)((f->len + EVIDENCE_CHUNK_BYTES - 1) / EVIDENCE_CHUNK_BYTES), i;
	char body[160];

	if (total == 0)
		total = 1;      /* an empty file is one empty chunk */
	for (i = 0; i < total; i++) {
		snprintf(body, sizeof body, "{\"sha256\":\"%s\",\"seq\":%d,\"total\":%d}",
			 f->sha256, i, total);
		if (store_outbox_put(st, "evidence", OB_EVIDENCE, body, NULL) < 0)
			return -1;
	}
	return 0;
}

static int file_put(struct store *st, const struct evidence_file *f, int64_t now_ms)
{
	sqlite3_stmt *s = store_adhoc(st, "INSERT INTO evidence_files (sha256, media_type, "
				      "size, created_ms, data) VALUES (?1, ?2, ?3, ?4, ?5)");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, f->sha256);
	store_bind_text(s, 2, f->media_type);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)f->len);
	sqlite3_bind_int64(s, 4, now_ms);
	sqlite3_bind_blob64(s, 5, f->len ? (const void *)f->data : "", f->len,
			    SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		store_fail(st, "keep evidence file");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int link_put(struct store *st, const char *hazard_id, const char *event,
		    const struct evidence_file *f, const char *actor, int64_t at_ms)
{
	sqlite3_stmt *s = store_adhoc(st, "INSERT OR REPLACE INTO hazard_evidence "
				      "(hazard_id, event, linked_at_ms, sha256, name, actor) "
				      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	int rc;

	if (!s)
		return -1;
	store_bind_text(s, 1, hazard_id);
	store_bind_text(s, 2, event);
	sqlite3_bind_int64(s, 3, at_ms);
	store_bind_text(s, 4, f->sha256);
	store_bind_text(s, 5, f->name && *f->name ? f->name : f->sha256);
	store_bind_text(s, 6, actor);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		store_fail(st, "link evidence file");
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_evidence_attach(struct store *st, const char *hazard_id, const char *event,
			  const struct evidence_file *f, int n, const char *actor,
			  int64_t at_ms, int64_t share_max_bytes, char *err, size_t errlen)
{
	int64_t used = store_evidence_bytes(st), add = 0;
	bool own;
	int i, k, rc = 0;
	int *known;

	if (n <= 0)
		return 0;
	if (used < 0) {
		errf(err, errlen, "database error reading the evidence files");
		return -1;
	}
	if (!(known = calloc((size_t)n, sizeof *known))) {
		errf(err, errlen, "out of memory");
		return -1;
	}
	/* the space a file takes counts once, however often it is attached */
	for (i = 0; i < n; i++) {
		if ((known[i] = file_known(st, f[i].sha256)) < 0) {
			errf(err, errlen, "database error reading the evidence files");
			free(known);
			return -1;
		}
		for (k = 0; k < i && !known[i]; k++)
			if (strcmp(f[k].sha256, f[i].sha256) == 0)
				known[i] = 1;
		if (!known[i])
			add += (int64_t)f[i].len;
	}
	if (add > 0 && used + add > share_max_bytes) {
		errf(err, errlen, "evidence storage is full: %lld of %lld bytes used, "
		     "%lld more needed (records.evidence_quota_pct)", (long long)used,
		     (long long)share_max_bytes, (long long)add);
		free(known);
		return -1;
	}
	if (store_atomic_begin(st, &own) < 0) {
		errf(err, errlen, "database busy, try again");
		free(known);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (!known[i])
			rc = file_put(st, &f[i], at_ms) < 0 || queue_chunks(st, &f[i]) < 0 ? -1 : 0;
		if (rc == 0)
			rc = link_put(st, hazard_id, event, &f[i], actor, at_ms);
	}
	free(known);
	if (store_atomic_end(st, own, rc) < 0 || rc < 0) {
		errf(err, errlen, "database error keeping the evidence files: %s",
		     sqlite3_errmsg(st->db));
		return -1;
	}
	return 0;
}

/* One link row as {"sha256", "media_type", "size", "name"} (and, for a
 * listing, "event", "at", "actor"). */
static cJSON *link_json(sqlite3_stmt *s, bool full)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32];

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "sha256", store_col_text(s, 0));
	cJSON_AddStringToObject(o, "media_type", store_col_text(s, 1));
	cJSON_AddNumberToObject(o, "size", (double)sqlite3_column_int64(s, 2));
	cJSON_AddStringToObject(o, "name", store_col_text(s, 3));
	if (full) {
		cJSON_AddStringToObject(o, "event", store_col_text(s, 4));
		cJSON_AddStringToObject(o, "at", fmt_iso_ms(sqlite3_column_int64(s, 5), ts,
							    sizeof ts));
		if (sqlite3_column_type(s, 6) != SQLITE_NULL)
			cJSON_AddStringToObject(o, "actor", store_col_text(s, 6));
	}
	return o;
}

static cJSON *links(struct store *st, const char *hazard_id, const char *event,
		    int64_t at_ms, bool full)
{
	sqlite3_stmt *s = store_adhoc(st, "SELECT f.sha256, f.media_type, f.size, l.name, "
		"l.event, l.linked_at_ms, l.actor FROM hazard_evidence l "
		"JOIN evidence_files f ON f.sha256 = l.sha256 WHERE l.hazard_id = ?1 "
		"AND (?2 IS NULL OR (l.event = ?2 AND l.linked_at_ms = ?3)) "
		"ORDER BY l.linked_at_ms, l.name");
	cJSON *arr = cJSON_CreateArray();
	int rc = SQLITE_ERROR;

	if (s && arr) {
		store_bind_text(s, 1, hazard_id);
		store_bind_text(s, 2, event);
		sqlite3_bind_int64(s, 3, at_ms);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW)
			cJSON_AddItemToArray(arr, link_json(s, full));
		if (rc != SQLITE_DONE)
			store_fail(st, "read evidence files");
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

cJSON *store_evidence_list(struct store *st, const char *hazard_id)
{
	return links(st, hazard_id, NULL, 0, true);
}

cJSON *store_evidence_event_files(struct store *st, const char *hazard_id,
				  const char *event, int64_t at_ms)
{
	cJSON *arr = links(st, hazard_id, event, at_ms, false);

	if (arr && cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

char *store_evidence_chunk_body(struct store *st, const char *ref)
{
	cJSON *r = cJSON_Parse(ref), *o = NULL;
	const char *sha = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "sha256"));
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(r, "seq");
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(r, "total");
	sqlite3_stmt *s = NULL;
	sqlite3_blob *blob = NULL;
	unsigned char *buf = NULL;
	char *text = NULL, *b64 = NULL;
	int64_t off, size;
	int len;

	if (!sha || !cJSON_IsNumber(seq) || !cJSON_IsNumber(total))
		goto out;
	off = (int64_t)seq->valuedouble * EVIDENCE_CHUNK_BYTES;
	s = store_adhoc(st, "SELECT rowid, media_type, size FROM evidence_files "
			"WHERE sha256 = ?1");
	if (!s)
		goto out;
	store_bind_text(s, 1, sha);
	if (sqlite3_step(s) != SQLITE_ROW) {
		complain(&st->complaint, "store: evidence file %s is not kept: its chunk "
			 "goes without bytes", sha);
		goto out;
	}
	size = sqlite3_column_int64(s, 2);
	len = off >= size ? 0 : size - off < EVIDENCE_CHUNK_BYTES ? (int)(size - off)
								  : EVIDENCE_CHUNK_BYTES;
	/* incremental blob I/O: the chunk alone, not the whole file, is read
	 * (substr() would load every byte for each chunk) */
	if (!(buf = malloc(len ? (size_t)len : 1)))
		goto out;
	if (len > 0 &&
	    (sqlite3_blob_open(st->db, "main", "evidence_files", "data",
			       sqlite3_column_int64(s, 0), 0, &blob) != SQLITE_OK ||
	     sqlite3_blob_read(blob, buf, len, (int)off) != SQLITE_OK)) {
		store_fail(st, "read an evidence chunk");
		goto out;
	}
	if (!(b64 = base64_encode(buf, (size_t)len)) || !(o = cJSON_CreateObject()))
		goto out;
	cJSON_AddStringToObject(o, "sha256", sha);
	cJSON_AddNumberToObject(o, "seq", seq->valuedouble);
	cJSON_AddNumberToObject(o, "total", total->valuedouble);
	cJSON_AddNumberToObject(o, "size", (double)size);
	cJSON_AddStringToObject(o, "media_type", store_col_text(s, 1));
	cJSON_AddNumberToObject(o, "offset", (double)off);
	cJSON_AddStringToObject(o, "data", b64);
	text = cJSON_PrintUnformatted(o);
out:
	sqlite3_blob_close(blob);
	sqlite3_finalize(s);
	free(buf);
	free(b64);
	cJSON_Delete(o);
	cJSON_Delete(r);
	return text;
}
