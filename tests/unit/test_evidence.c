/*
 * test_evidence.c: evidence files (三个有: photos, documents), from the
 * request's "files" through ops to the store and the outbox, against a
 * real store on temp files: base64 both ways and the media type by magic
 * bytes; a submit with files keeps each once by its SHA-256 (the same
 * photo twice is one row, linked twice), lists them on the submitted
 * event, the hazard's detail and the ledger; queues the bytes as chunks
 * after telemetry (class OB_EVIDENCE), each chunk read back with its
 * bytes, which reassemble to the file; a file over
 * records.evidence_max_bytes and files past their share of the quota are
 * refused and leave the hazard as it was; a chunk acknowledged is gone
 * after a restart, the others still queued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app.h"
#include "ops.h"
#include "store_internal.h"
#include "testing.h"

/* The loop (main.c, loop*.c) is not linked into unit tests; never called here. */
__attribute__((weak)) cJSON *daemon_status_json(struct daemon *d)
{
	return NULL;
}

static char dir[64];
static char db_path[160];
static struct config cfg;
static struct device_state states[1];
static struct daemon dmn;

static void config_init(void)
{
	memset(&cfg, 0, sizeof cfg);
	cfg.n_sites = 1;
	cfg.sites = calloc(1, sizeof *cfg.sites);
	strlcpy_hz(cfg.sites[0].id, "site-1", ID_MAX);
	cfg.sites[0].kind = SITE_RESTAURANT;
	cfg.n_devices = 1;
	cfg.devices = calloc(1, sizeof *cfg.devices);
	device_cfg_blank(cfg.devices, 1);
	cfg.devices[0].id = "gas-1";
	cfg.devices[0].site = "site-1";
	cfg.devices[0].kind = DEV_GAS_DETECTOR;
	cfg.deadlines.major_h = 24;
	cfg.deadlines.general_h = 168;
	cfg.deadlines.recurrence_window_h = 720;
	cfg.storage.max_mb = 10;
	cfg.records.evidence_max_bytes = 300 * 1024;
	cfg.records.evidence_quota_pct = 5;     /* 512 KiB of 10 MiB */
}

static void remove_db(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm", ".hwm" };
	char p[200];
	size_t i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", db_path, sfx[i]);
		unlink(p);
	}
}

static bool open_store(void)
{
	char err[512] = "";

	remove_db();
	memset(&dmn, 0, sizeof dmn);
	dmn.cfg = &cfg;
	dmn.dev_state = states;
	dmn.store = store_open(db_path, err, sizeof err);
	if (!dmn.store)
		printf("  store_open: %s\n", err);
	return dmn.store != NULL;
}

static int64_t count(const char *sql)
{
	sqlite3_stmt *s = store_adhoc(dmn.store, sql);
	int64_t n = -1;

	if (s && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

/* n bytes that start as a JPEG does (a photo's magic), then pseudo-random */
static unsigned char *jpeg(size_t n, unsigned seed)
{
	unsigned char *p = malloc(n);
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
	p[0] = 0xff;
	p[1] = 0xd8;
	p[2] = 0xff;
	return p;
}

/* {"name": name, "data": base64 of p} */
static cJSON *file_json(const char *name, const unsigned char *p, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	char *b = base64_encode(p, n);

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "data", b);
	free(b);
	return o;
}

/* A person's submit or close with files, through ops as a front-end calls it. */
static cJSON *act_files(const char *id, enum record_action a, cJSON *files,
			struct ops_error *e)
{
	cJSON *req = cJSON_CreateObject(), *r;
	struct ops_action act = { .a = a, .actor = "fitter" };

	cJSON_AddStringToObject(req, "id", id);
	cJSON_AddStringToObject(req, "note", "hose replaced");
	cJSON_AddItemToObject(req, "files", files);
	memset(e, 0, sizeof *e);
	if (ops_action_parse(req, "id", &act, e) < 0) {
		cJSON_Delete(req);
		return NULL;
	}
	r = ops_act(&dmn, &act, e);
	cJSON_Delete(req);
	return r;
}

/* ------------------------------------------------------------ pieces */

static void test_base64(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==",
		"Zm9vYmE=", "Zm9vYmFy" };
	unsigned char *p, all[256];
	size_t i, n;
	char *b;

	for (i = 0; i < 7; i++) {
		b = base64_encode((const unsigned char *)plain[i], strlen(plain[i]));
		CHECK_STR("base64: RFC 4648 vector encoded", b, coded[i]);
		free(b);
		p = base64_decode(coded[i], strlen(coded[i]), 100, &n);
		CHECK("base64: RFC 4648 vector decoded",
		      p && n == strlen(plain[i]) && memcmp(p, plain[i], n) == 0);
		free(p);
	}
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	b = base64_encode(all, 256);
	p = base64_decode(b, strlen(b), 256, &n);
	CHECK("base64: every byte value round trip", p && n == 256 && memcmp(p, all, 256) == 0);
	free(p);
	CHECK("base64: over the limit refused", base64_decode(b, strlen(b), 255, &n) == NULL);
	free(b);
	CHECK("base64: bad length refused", base64_decode("Zm9", 3, 100, &n) == NULL);
	CHECK("base64: bad character refused", base64_decode("Zm9*", 4, 100, &n) == NULL);
	CHECK("base64: padding inside refused", base64_decode("Zg==Zm9v", 8, 100, &n) == NULL);
	CHECK("base64: whitespace refused", base64_decode("Zm9 ", 4, 100, &n) == NULL);
}

static void test_sniff(void)
{
	CHECK_STR("sniff: jpeg", media_type_sniff((const unsigned char *)"\xff\xd8\xff\xe0", 4),
		  "image/jpeg");
	CHECK_STR("sniff: png", media_type_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n", 8),
		  "image/png");
	CHECK_STR("sniff: pdf", media_type_sniff((const unsigned char *)"%PDF-1.7", 8),
		  "application/pdf");
	CHECK_STR("sniff: webp", media_type_sniff((const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ",
						  16), "image/webp");
	CHECK_STR("sniff: anything else", media_type_sniff((const unsigned char *)"GIF89a", 6),
		  "application/octet-stream");
	CHECK_STR("sniff: too short", media_type_sniff((const unsigned char *)"\xff", 1),
		  "application/octet-stream");
}

/* ------------------------------------------------------------ the path */

static void test_submit(void)
{
	size_t big = 120 * 1024, small = 1000;
	unsigned char *photo = jpeg(big, 7), *doc = malloc(small), *got;
	char sha[65], err[320], id[ID_MAX];
	struct hazard_rec rec;
	struct ops_error e;
	struct outbox_msg m[16];
	cJSON *files, *r, *ev, *f0, *det, *ledger;
	int n, i, chunks = 0, last_cls = -1;
	bool order_ok = true, bytes_ok = true;
	size_t off = 0;

	memcpy(doc, "%PDF-1.4 work order 0412", 24);
	memset(doc + 24, 'x', small - 24);
	if (!open_store())
		return;
	CHECK_INT("submit: a hazard by hand",
		  daemon_hazard_raise(&dmn, "site-1", HZ_GAS_LEAK, NULL, -1, "inspector",
				      "hose cracked", &rec, err, sizeof err), 0);
	snprintf(id, sizeof id, "%s", rec.id);
	CHECK_INT("submit: rectifying", daemon_record_action(&dmn, id, RA_RECTIFY,
		  VERDICT_NONE, "fitter", NULL, NULL, err, sizeof err), 0);
	/* telemetry queued before: the chunks still drain after it */
	store_begin(dmn.store);
	store_outbox_put(dmn.store, "telemetry", OB_TELEMETRY, "{\"t\":1}", NULL);
	store_commit(dmn.store);

	/* one file too big: refused, nothing kept, the hazard unchanged */
	files = cJSON_CreateArray();
	cJSON_AddItemToArray(files, file_json("photo.jpg", photo, big));
	{
		unsigned char *huge = jpeg(301 * 1024, 3);

		cJSON_AddItemToArray(files, file_json("huge.jpg", huge, 301 * 1024));
		free(huge);
	}
	r = act_files(id, RA_SUBMIT, files, &e);
	CHECK("too big: refused", r == NULL);
	CHECK_CONTAINS("too big: says the limit", e.msg, "more than 307200");
	CHECK_CONTAINS("too big: names the file", e.msg, "huge.jpg");
	CHECK_CONTAINS("too big: names the key", e.msg, "records.evidence_max_bytes");
	CHECK_INT("too big: nothing kept", (int)count("SELECT count(*) FROM evidence_files"), 0);
	store_hazard_get(dmn.store, id, &rec);
	CHECK_STR("too big: the hazard is still rectifying", rec.state, "rectifying");
	cJSON_Delete(r);

	/* not base64 */
	files = cJSON_CreateArray();
	cJSON_AddItemToArray(files, cJSON_Parse("{\"name\":\"x.jpg\",\"data\":\"@@@@\"}"));
	r = act_files(id, RA_SUBMIT, files, &e);
	CHECK_CONTAINS("bad data: refused", r ? "" : e.msg, "not base64");
	cJSON_Delete(r);

	/* the photo twice (content addressing) and a document */
	files = cJSON_CreateArray();
	cJSON_AddItemToArray(files, file_json("photo.jpg", photo, big));
	cJSON_AddItemToArray(files, file_json("work-order.pdf", doc, small));
	r = act_files(id, RA_SUBMIT, files, &e);
	CHECK_STR("submit: accepted", r ? "" : e.msg, "");
	CHECK_INT("submit: two files in the reply", cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(r, "files")), 2);
	cJSON_Delete(r);
	store_hazard_get(dmn.store, id, &rec);
	CHECK_STR("submit: submitted", rec.state, "submitted");
	sha256_hex(photo, big, sha);
	CHECK_INT("submit: the photo kept under its sha256", (int)count(
		"SELECT count(*) FROM evidence_files WHERE media_type = 'image/jpeg' "
		"AND size = 122880"), 1);
	CHECK_INT("submit: two files kept", (int)count("SELECT count(*) FROM evidence_files"), 2);
	CHECK_INT("submit: evidence bytes counted", (int)store_evidence_bytes(dmn.store),
		  (int)(big + small));

	/* the submitted event lists them */
	{
		char *b = NULL;
		sqlite3_stmt *s = store_adhoc(dmn.store, "SELECT body FROM outbox WHERE "
					      "topic_suffix = 'hazard' ORDER BY seq DESC LIMIT 1");

		if (s && sqlite3_step(s) == SQLITE_ROW)
			b = strdup((const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		ev = b ? cJSON_Parse(b) : NULL;
		free(b);
	}
	CHECK_STR("event: submitted", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(ev, "event")), "submitted");
	files = cJSON_GetObjectItemCaseSensitive(ev, "files");
	CHECK_INT("event: two files", cJSON_GetArraySize(files), 2);
	f0 = NULL;
	cJSON_ArrayForEach(f0, files)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f0, "name")),
			   "photo.jpg") == 0)
			break;
	CHECK_STR("event: the photo's sha256", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(f0, "sha256")), sha);
	CHECK_STR("event: its media type", cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(f0, "media_type")), "image/jpeg");
	CHECK("event: its size", cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(f0, "size")) == (double)big);
	cJSON_Delete(ev);

	/* the detail and the ledger */
	det = ops_record_detail(&dmn, id, &e);
	CHECK_INT("detail: two files", cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(det, "files")), 2);
	CHECK_STR("detail: with the event", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(det, "files"), 0), "event")),
		"submitted");
	cJSON_Delete(det);
	ledger = store_ledger(dmn.store, "site-1", 0);
	CHECK_INT("ledger: the hazard's two files", cJSON_GetArraySize(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(ledger, 0), "files")), 2);
	cJSON_Delete(ledger);

	/* the chunks: after the telemetry, each with its bytes */
	CHECK_INT("chunks: queued, one per 48 KiB", (int)count("SELECT count(*) FROM outbox "
		  "WHERE cls = 5 AND topic_suffix = 'evidence'"), 3 + 1);
	got = malloc(big);
	n = store_outbox_next(dmn.store, NULL, 0, NULL, m, 16);
	for (i = 0; i < n; i++) {
		cJSON *c;
		unsigned char *p;
		size_t len = 0;

		if (m[i].cls < last_cls)
			order_ok = false;
		last_cls = m[i].cls;
		if (m[i].cls != OB_EVIDENCE) {
			outbox_msg_free(&m[i]);
			continue;
		}
		c = cJSON_Parse(m[i].body);
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "sha256")),
			   sha) == 0) {
			const char *d = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(c, "data"));

			p = d ? base64_decode(d, strlen(d), EVIDENCE_CHUNK_BYTES, &len) : NULL;
			if (!p || off + len > big ||
			    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "offset")) !=
			    (double)off ||
			    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "total")) != 3)
				bytes_ok = false;
			else
				memcpy(got + off, p, len);
			off += len;
			free(p);
			chunks++;
		}
		cJSON_Delete(c);
		outbox_msg_free(&m[i]);
	}
	CHECK("chunks: drained after telemetry", order_ok && last_cls == OB_EVIDENCE);
	CHECK_INT("chunks: the photo's three", chunks, 3);
	CHECK("chunks: reassemble to the file", bytes_ok && off == big &&
	      memcmp(got, photo, big) == 0);
	{
		char again[65];

		sha256_hex(got, off, again);
		CHECK_STR("chunks: the hash matches", again, sha);
	}
	free(got);

	/* a chunk acknowledged leaves; the rest resume after a reopen */
	n = store_outbox_next(dmn.store, NULL, 0, NULL, m, 16);
	for (i = 0; i < n; i++) {
		if (m[i].cls == OB_EVIDENCE && chunks-- == 3) {
			store_begin(dmn.store);
			store_outbox_delete(dmn.store, m[i].seq);
			store_commit(dmn.store);
		}
		outbox_msg_free(&m[i]);
	}
	store_close(dmn.store);
	dmn.store = store_open(db_path, err, sizeof err);
	CHECK_INT("resume: three chunks left after a restart", (int)count(
		"SELECT count(*) FROM outbox WHERE cls = 5"), 3);
	CHECK_INT("resume: the first one gone", (int)count(
		"SELECT count(*) FROM outbox WHERE cls = 5 AND body LIKE '%\"seq\":0,%'"), 1);

	/* the share of the quota: 512 KiB; 130 KiB in use, more files past it */
	{
		unsigned char *a = jpeg(200 * 1024, 11), *b = jpeg(200 * 1024, 12);

		CHECK_INT("share: verify fails back to rectifying",
			  daemon_record_action(&dmn, id, RA_FAIL, VERDICT_NONE, "inspector",
					       "clamp missing", NULL, err, sizeof err), 0);
		files = cJSON_CreateArray();
		cJSON_AddItemToArray(files, file_json("a.jpg", a, 200 * 1024));
		cJSON_AddItemToArray(files, file_json("b.jpg", b, 200 * 1024));
		r = act_files(id, RA_SUBMIT, files, &e);
		CHECK("share: refused", r == NULL);
		CHECK_CONTAINS("share: says why", e.msg, "evidence storage is full");
		CHECK_INT("share: nothing new kept", (int)count(
			"SELECT count(*) FROM evidence_files"), 2);
		store_hazard_get(dmn.store, id, &rec);
		CHECK_STR("share: the submit undone with it", rec.state, "rectifying");
		cJSON_Delete(r);
		/* the photo already kept takes no more room: accepted */
		files = cJSON_CreateArray();
		cJSON_AddItemToArray(files, file_json("photo-again.jpg", photo, big));
		cJSON_AddItemToArray(files, file_json("a.jpg", a, 200 * 1024));
		r = act_files(id, RA_SUBMIT, files, &e);
		CHECK_STR("share: a known file and one that fits", r ? "" : e.msg, "");
		cJSON_Delete(r);
		CHECK_INT("share: the known photo linked again, not kept again", (int)count(
			"SELECT count(*) FROM hazard_evidence"), 4);
		CHECK_INT("share: the photo's chunks not queued again", (int)count(
			"SELECT count(*) FROM outbox WHERE cls = 5 AND body LIKE '%\"total\":3}'"),
			2);
		CHECK_INT("share: the new file's five queued", (int)count(
			"SELECT count(*) FROM outbox WHERE cls = 5 AND body LIKE '%\"total\":5}'"),
			5);
		free(a);
		free(b);
	}

	free(photo);
	free(doc);
	store_close(dmn.store);
	dmn.store = NULL;
}

int main(void)
{
	log_init("test_evidence", LOG_LVL_ERR);
	snprintf(dir, sizeof dir, "/tmp/test_evidence.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(db_path, sizeof db_path, "%s/e.db", dir);
	config_init();
	test_base64();
	test_sniff();
	test_submit();
	remove_db();
	rmdir(dir);
	TEST_DONE();
}
