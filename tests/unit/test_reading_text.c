/*
 * test_reading_text.c: the reading written as text without cJSON, and
 * telemetry built from stored text, against what cJSON prints.
 *
 * cJSON is the reference: the stored rows of earlier versions and the
 * telemetry the district parses were printed by it, so the writer must
 * give the same bytes for every value, and the telemetry built by
 * splicing rows must equal the message the parse-and-print path builds
 * (store_readings_since merged, then printed) for every row an earlier
 * version or a hand could have left in the table.
 */
#include <float.h>
#include <stdint.h>
#include <unistd.h>

#include <sqlite3.h>

#include "testing.h"
#include "store.h"

static char dir[64];

/* ------------------------------------------------------------ numbers */

static bool same_as_cjson(double d, char *why, size_t len)
{
	cJSON *n = cJSON_CreateNumber(d);
	char *want = cJSON_PrintUnformatted(n), got[JSON_NUM_MAX];
	size_t gl = json_number(d, got);
	bool ok = want && strlen(want) == gl && strcmp(want, got) == 0;

	if (!ok)
		snprintf(why, len, "%.17g: got \"%s\", cJSON \"%s\"", d, got,
			 want ? want : "(null)");
	cJSON_free(want);
	cJSON_Delete(n);
	return ok;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void test_numbers(void)
{
	static const double v[] = {
		0, 1, -1, 42, 100, 2147483647.0, 2147483648.0, -2147483648.0,
		-2147483649.0, 999999999999999.0, 1e15, -1e15, 1e15 + 2, 1e16,
		9007199254740992.0, 9007199254740994.0, 1796614047323.0,
		-1796614047323.0, 1e300, -1e300, 1e-300, 5e-324, DBL_MAX, -DBL_MAX,
		DBL_MIN, 1.5, -1.5, 0.1, 0.2, 0.1 + 0.2, 1.0 / 3, 2.0 / 3, 123.456,
		-40.25, 1e-7, 1.2345678901234567, 3.141592653589793, 99.99, 1e21,
		0.000001, 12345678.9, 4.35, 230.1, 0.05, 1e14 + 0.5, 0.0001, 0.00009999,
		-0.0001, 0.00010000000000000002, 123456789012345.6, 99999999999999.9,
		0.123456789012345, 0.1234567890123456, 1.000000000000001, 18.7, 1e-4 * 3,
	};
	char why[160], name[200], num[JSON_NUM_MAX];
	size_t i;
	int bad = 0, k;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		snprintf(name, sizeof name, "number %.17g as cJSON prints it", v[i]);
		CHECK(name, same_as_cjson(v[i], why, sizeof why) || (printf("  %s\n", why), 0));
	}
	CHECK("number -0 as cJSON prints it", same_as_cjson(-0.0, why, sizeof why));
	/* random bit patterns: every magnitude, every digit count */
	for (k = 0; k < 200000; k++) {
		uint64_t b = next();
		double d;

		memcpy(&d, &b, sizeof d);
		if (!isfinite(d))
			continue;
		if (!same_as_cjson(d, why, sizeof why) && bad++ < 5)
			printf("  %s\n", why);
	}
	CHECK_INT("200,000 random doubles as cJSON prints them", bad, 0);
	/* values a sensor sends: a few decimals */
	for (bad = 0, k = 0; k < 200000; k++) {
		double d = (double)(int64_t)(next() % 2000001 - 1000000) / 1000.0;

		if (!same_as_cjson(d, why, sizeof why) && bad++ < 5)
			printf("  %s\n", why);
	}
	CHECK_INT("200,000 sensor-like values as cJSON prints them", bad, 0);
	/* n / 10^k for every k up to 17 and n of every length: the decimal
	 * path's edges (1e-4, 1e15, 15 and 16 significant digits) */
	for (bad = 0, k = 0; k < 300000; k++) {
		static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
			1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17 };
		uint64_t b = next();
		int dig = 1 + (int)(b % 17), dec = (int)((b >> 8) % 18);
		double d = (double)((b >> 16) % (uint64_t)p10[dig]) / p10[dec];

		if ((b >> 5) & 1)
			d = -d;
		if (!same_as_cjson(d, why, sizeof why) && bad++ < 5)
			printf("  %s\n", why);
	}
	CHECK_INT("300,000 decimals n/10^k as cJSON prints them", bad, 0);
	CHECK_INT("NaN is null", (int)json_number(NAN, num), 4);
	CHECK_STR("NaN text", num, "null");
	json_number(-INFINITY, num);
	CHECK_STR("-inf is null", num, "null");
}

/* ------------------------------------------------------------ strings */

static void test_escape(void)
{
	static const char *const s[] = {
		"gas-1", "", "a\"b", "back\\slash", "tab\there", "nl\nx", "\b\f\r",
		"\x01\x1f\x7f", "caf\xc3\xa9 \xe7\x87\x83\xe6\xb0\x94", "/slash/",
	};
	char out[128], name[160];
	size_t i;

	for (i = 0; i < sizeof s / sizeof s[0]; i++) {
		cJSON *j = cJSON_CreateString(s[i]);
		char *want = cJSON_PrintUnformatted(j);

		json_escape(s[i], out);
		snprintf(name, sizeof name, "string %zu escaped as cJSON does", i);
		CHECK_STR(name, out, want);
		cJSON_free(want);
		cJSON_Delete(j);
	}
}

/* ------------------------------------------------------------ readings */

static bool reading_same(const struct reading *r, char *got, size_t cap)
{
	cJSON *o = reading_to_json(r);
	char *want = cJSON_PrintUnformatted(o);
	int n = reading_text(r, got, cap);
	bool ok = want && n >= 0 && (size_t)n == strlen(want) && strcmp(got, want) == 0;

	if (!ok)
		printf("  got   %s\n  cJSON %s\n", n >= 0 ? got : "(-1)", want ? want : "(null)");
	cJSON_free(want);
	cJSON_Delete(o);
	return ok;
}

static struct reading base(void)
{
	struct reading r;

	memset(&r, 0, sizeof r);
	r.ts_ms = 1796614047323LL;
	return r;
}

static void test_reading_fields(void)
{
	char buf[READING_TEXT_MAX], name[160];
	struct reading r;
	int f, bad;

	r = base();
	CHECK("no field: only ts", reading_same(&r, buf, sizeof buf));
	CHECK_STR("no field: text", buf, "{\"ts\":1796614047323}");
	for (f = 0; f < RF_COUNT; f++) {
		r = base();
		reading_set(&r, f, reading_field_is_bool[f] ? 1 : 31.5);
		snprintf(name, sizeof name, "field %s alone", reading_field_name[f]);
		CHECK(name, reading_same(&r, buf, sizeof buf));
		if (reading_field_is_bool[f]) {
			r.val[f] = 0;
			snprintf(name, sizeof name, "field %s false", reading_field_name[f]);
			CHECK(name, reading_same(&r, buf, sizeof buf));
		} else {
			r.val[f] = -12.75;
			snprintf(name, sizeof name, "field %s negative", reading_field_name[f]);
			CHECK(name, reading_same(&r, buf, sizeof buf));
			r.val[f] = 1e-9;
			snprintf(name, sizeof name, "field %s tiny", reading_field_name[f]);
			CHECK(name, reading_same(&r, buf, sizeof buf));
			r.val[f] = 3.5e18;
			snprintf(name, sizeof name, "field %s large", reading_field_name[f]);
			CHECK(name, reading_same(&r, buf, sizeof buf));
		}
	}
	r = base();
	reading_set(&r, RF_GAS, 1);
	reading_set(&r, RF_GAS_LEL, 100);
	r.over = 1u << RF_GAS_LEL;
	CHECK("saturated: over_range", reading_same(&r, buf, sizeof buf));
	CHECK_STR("saturated: text", buf,
		  "{\"ts\":1796614047323,\"gas\":true,\"gas_lel\":100,\"over_range\":[\"gas_lel\"]}");
	reading_set(&r, RF_CO_PPM, 10000);
	reading_set(&r, RF_BATTERY, 100);
	r.over |= 1u << RF_CO_PPM | 1u << RF_BATTERY | 1u << RF_TEMP_C;  /* temp absent */
	CHECK("saturated: three marked, one absent", reading_same(&r, buf, sizeof buf));
	CHECK_CONTAINS("saturated: absent field not listed", buf,
		       "\"over_range\":[\"gas_lel\",\"co_ppm\",\"battery\"]}");

	/* NaN and infinity are never written, nor their over mark */
	r = base();
	reading_set(&r, RF_TEMP_C, NAN);
	reading_set(&r, RF_POWER_W, INFINITY);
	reading_set(&r, RF_GAS_LEL, -INFINITY);
	reading_set(&r, RF_BATTERY, 50);
	r.over = 1u << RF_GAS_LEL;
	CHECK("NaN/inf: left out, as reading_to_json", reading_same(&r, buf, sizeof buf));
	CHECK_STR("NaN/inf: text", buf, "{\"ts\":1796614047323,\"battery\":50}");
	CHECK("NaN/inf: no null written", !strstr(buf, "null") && !strstr(buf, "nan") &&
	      !strstr(buf, "inf"));

	r = base();
	r.ts_ms = -5;
	CHECK("negative ts", reading_same(&r, buf, sizeof buf));
	r.ts_ms = 0;
	CHECK("zero ts", reading_same(&r, buf, sizeof buf));
	r.ts_ms = INT64_MAX;
	CHECK("ts beyond 2^53", reading_same(&r, buf, sizeof buf));

	/* the longest text there is fits READING_TEXT_MAX */
	r = base();
	r.ts_ms = INT64_MIN;
	for (f = 0; f < RF_COUNT; f++)
		reading_set(&r, f, reading_field_is_bool[f] ? 1 : -1.2345678901234567e-300);
	r.over = (1u << RF_COUNT) - 1;
	CHECK("every field, longest numbers, all over", reading_same(&r, buf, sizeof buf));
	CHECK_INT("too small a buffer: -1", reading_text(&r, buf, 40), -1);
	CHECK_INT("exactly the length: -1 (no room for NUL)",
		  reading_text(&r, buf, strlen(buf)), -1);

	/* random readings */
	for (bad = 0, f = 0; f < 20000; f++) {
		int k;

		r = base();
		r.ts_ms = (int64_t)(next() >> 20);
		for (k = 0; k < RF_COUNT; k++) {
			uint64_t b = next();

			if (b & 1)
				continue;
			if (reading_field_is_bool[k])
				reading_set(&r, k, (b >> 1) & 1);
			else
				reading_set(&r, k, (b >> 2) & 1 ?
					    (double)(int64_t)(b % 200001 - 100000) / 100.0 :
					    (double)(b >> 11) * 1e-3);
			if ((b >> 3) % 7 == 0)
				r.over |= 1u << k;
		}
		if (!reading_same(&r, buf, sizeof buf) && bad++ > 3)
			break;
		if (!reading_text_spliceable(buf, strlen(buf)) && bad++ > 3)
			break;
	}
	CHECK_INT("20,000 random readings: cJSON's text, spliceable", bad, 0);
}

static void test_spliceable(void)
{
	static const char *const yes[] = {
		"{}", "{\"ts\":1}", "{\"ts\":-1.5e-7,\"gas\":false}",
		"{\"ts\":1795449159562,\"alarm\":true,\"gas_lel\":60}",
		"{\"gas_lel\":100,\"over_range\":[\"gas_lel\",\"co_ppm\"]}",
		"{\"ts\":0,\"over_range\":[]}", "{\"temp_c\":1E+5}",
	};
	static const char *const no[] = {
		"", "{", "}", "[]", "{ }", "{\"ts\": 1}", "{\"ts\":1,}", "{,\"ts\":1}",
		"{\"device\":\"x\"}", "{\"seq\":5}", "{\"ts\":1,\"ts\":2}",
		"{\"unknown\":1}", "{\"ts\":null}", "{\"ts\":\"1\"}", "{\"ts\":{}}",
		"{\"ts\":01}", "{\"ts\":1.}", "{\"ts\":.5}", "{\"ts\":-}", "{\"ts\":1e}",
		"{\"ts\":tru}", "{\"ts\":truex}", "{\"over_range\":[\"ts\"]}",
		"{\"over_range\":[\"gas_lel\",\"gas_lel\"]}", "{\"over_range\":[\"nope\"]}",
		"{\"over_range\":[\"gas_lel\",]}", "{\"over_range\":[1]}",
		"{\"over_range\":\"gas_lel\"}", "{\"ts\":1", "\"ts\":1}",
		"{\"ts\":1}x", "{\"t\\\"s\":1}", "{\"ts\"}", "{\"ts\":}", "{\"ts\"1}",
	};
	char name[160];
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		snprintf(name, sizeof name, "spliceable: %s", yes[i]);
		CHECK(name, reading_text_spliceable(yes[i], strlen(yes[i])));
	}
	for (i = 0; i < sizeof no / sizeof no[0]; i++) {
		snprintf(name, sizeof name, "not spliceable: %s", no[i]);
		CHECK(name, !reading_text_spliceable(no[i], strlen(no[i])));
	}
	CHECK("not spliceable: NULL", !reading_text_spliceable(NULL, 0));
	/* a length shorter than the text: only that much is looked at */
	CHECK("not spliceable: cut short", !reading_text_spliceable("{\"ts\":12}", 6));
	/* a key that is a field name's start, or runs on past it, or holds a
	 * NUL byte after one, is no field of ours */
	CHECK("not spliceable: a name's start", !reading_text_spliceable("{\"gas_l\":1}", 11));
	CHECK("not spliceable: past a name", !reading_text_spliceable("{\"gas_lelx\":1}", 14));
	CHECK("not spliceable: a NUL after a name",
	      !reading_text_spliceable("{\"gas\0lel\":1}", 13));
	CHECK("spliceable: a name that starts another", reading_text_spliceable("{\"gas\":true}", 12));
}

/* ------------------------------------------------------------ telemetry */

/* The message as it was built before: the rows parsed and merged
 * (store_readings_since), then printed. */
static char *telemetry_by_cjson(struct store *st, int64_t after, int limit,
				int64_t *last)
{
	cJSON *arr = NULL, *body;
	char *text;

	if (store_readings_since(st, after, limit, &arr, last) < 0 || !arr)
		return NULL;
	if (cJSON_GetArraySize(arr) == 0) {
		cJSON_Delete(arr);
		return strdup("");
	}
	body = cJSON_CreateObject();
	cJSON_AddNumberToObject(body, "count", cJSON_GetArraySize(arr));
	cJSON_AddItemToObject(body, "readings", arr);
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	return text;
}

static void raw_row(const char *path, const char *device, const char *data)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	if (sqlite3_open(path, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "INSERT INTO readings (device, ts_ms, data) "
			       "VALUES (?1, 1, ?2)", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
		if (data)
			sqlite3_bind_text(s, 2, data, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 2);
		sqlite3_step(s);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void test_telemetry(void)
{
	/* rows as earlier versions, a hand or a damaged file left them */
	static const char *const rows[] = {
		"{\"ts\":1795449159562,\"alarm\":true,\"gas_lel\":60}",    /* v2 */
		"{\"ts\":1796614047323,\"power_w\":120}",                 /* v4 */
		"{\"ts\":1,\"device\":\"spoof\",\"seq\":99,\"gas\":true}",
		"{ \"ts\" : 2 , \"gas_lel\" : 1.50 }",
		"{\"ts\":3,\"vendor_field\":\"x\",\"nested\":{\"a\":[1,2]}}",
		"{\"ts\":4,\"ts\":5}",
		"not json", "[1,2]", "{}", "", "{\"ts\":6,\"temp_c\":null}",
	};
	char path[128], msg[200];
	char dev_odd[] = "odd \"dev\"\\\n\x01";
	struct store *st;
	struct reading r;
	struct jbuf b = { 0 };
	int64_t last_a, last_b, after;
	int i, count, limit, bad = 0;
	char *want;

	snprintf(path, sizeof path, "%s/tele.db", dir);
	st = store_open(path, msg, sizeof msg);
	CHECK("telemetry: open", st != NULL);
	if (!st)
		return;
	for (i = 0; i < 30; i++) {
		r = base();
		r.ts_ms += i;
		reading_set(&r, RF_GAS_LEL, i * 3.7);
		reading_set(&r, RF_ALARM, i % 3 == 0);
		if (i % 5 == 0) {
			reading_set(&r, RF_CO_PPM, 10000);
			r.over = 1u << RF_CO_PPM;
		}
		CHECK_INT("telemetry: put", store_put_reading(st, i % 4 ? "gas-1" : dev_odd, &r), 0);
	}
	for (i = 0; i < (int)(sizeof rows / sizeof rows[0]); i++)
		raw_row(path, i % 2 ? "old-1" : "old-2", rows[i]);
	for (i = 0; i < 5; i++) {
		r = base();
		reading_set(&r, RF_SMOKE, 1);
		store_put_reading(st, "smoke-1", &r);
	}
	/* every window of every size: the same bytes as parse-and-print */
	for (limit = 1; limit <= 50; limit++)
		for (after = 0; after <= 47; after += limit) {
			b.len = 0;
			want = telemetry_by_cjson(st, after, limit, &last_a);
			if (store_telemetry_since(st, after, limit, &b, &count, &last_b) < 0 ||
			    !want || strcmp(b.p ? b.p : "", want) != 0 || last_a != last_b) {
				if (bad++ < 3)
					printf("  after %lld limit %d:\n  got  %s\n  want %s\n",
					       (long long)after, limit, b.p ? b.p : "(null)",
					       want ? want : "(null)");
			}
			free(want);
		}
	CHECK_INT("telemetry: spliced text = parsed and printed, every window", bad, 0);
	b.len = 0;
	CHECK_INT("telemetry: all", store_telemetry_since(st, 0, 100, &b, &count, &last_a), 0);
	CHECK_INT("telemetry: count", count, 46);
	CHECK_INT("telemetry: last seq", last_a, 46);
	{
		cJSON *j = cJSON_Parse(b.p);

		CHECK("telemetry: valid JSON", j != NULL);
		CHECK_INT("telemetry: its count", cJSON_GetObjectItem(j, "count") ?
			  cJSON_GetObjectItem(j, "count")->valueint : -1, 46);
		CHECK_INT("telemetry: its readings",
			  cJSON_GetArraySize(cJSON_GetObjectItem(j, "readings")), 46);
		cJSON_Delete(j);
	}
	/* appended after what the buffer holds; none: nothing appended */
	b.len = 0;
	jbuf_put(&b, "x", 1);
	CHECK_INT("telemetry: after the end", store_telemetry_since(st, 46, 10, &b, &count,
								   &last_a), 0);
	CHECK_INT("telemetry: none", count, 0);
	CHECK_STR("telemetry: buffer as it was", b.p, "x");
	CHECK_INT("telemetry: last seq unchanged", last_a, 46);
	CHECK_INT("telemetry: appended", store_telemetry_since(st, 45, 10, &b, &count,
							      &last_a), 0);
	CHECK("telemetry: after the earlier text", strncmp(b.p, "x{\"count\":1,", 12) == 0);
	jbuf_free(&b);
	store_close(st);
	unlink(path);
	snprintf(msg, sizeof msg, "%s-wal", path);
	unlink(msg);
	snprintf(msg, sizeof msg, "%s-shm", path);
	unlink(msg);
}

int main(void)
{
	log_init("test_reading_text", LOG_LVL_ERR);
	snprintf(dir, sizeof dir, "/tmp/test_reading_text.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_numbers();
	test_escape();
	test_reading_fields();
	test_spliceable();
	test_telemetry();
	rmdir(dir);
	TEST_DONE();
}
