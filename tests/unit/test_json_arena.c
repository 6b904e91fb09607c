/*
 * test_json_arena.c: the decoders' parse trees cut from json_arena.c's
 * buffer give the same readings as malloc'd ones; a tree larger than the
 * buffer spills to malloc and is freed whole; a tree still alive is never
 * overwritten by the next parse; another thread's cJSON uses malloc.
 * Under ASan (SAN=1) a wrong free or a read of a reused tree is reported.
 */
#include <pthread.h>
#include <stdint.h>

#include "app.h"
#include "testing.h"

static int decode(const char *format, const char *payload, struct reading *r,
		  char *err, size_t errlen)
{
	const struct device_format *f = format_find(format);

	if (!f || !f->decode)
		abort();
	memset(r, 0, sizeof *r);
	return f->decode("t/d1", payload, strlen(payload), 1700000000000LL, r, err, errlen);
}

static bool same(const struct reading *a, const struct reading *b)
{
	int f;

	if (a->ts_ms != b->ts_ms || a->present != b->present || a->bad != b->bad ||
	    a->over != b->over)
		return false;
	for (f = 0; f < RF_COUNT; f++)
		if (reading_has(a, f) && a->val[f] != b->val[f])
			return false;
	return true;
}

static void *other_thread(void *arg)
{
	cJSON *o = cJSON_CreateObject();
	char *text;

	(void)arg;
	/* not the arena's thread: a tree of its own, malloc'd, printed, freed */
	cJSON_AddStringToObject(o, "k", "v");
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

int main(void)
{
	const char *native = "{\"gas_lel\":12.5,\"co_ppm\":3,\"battery\":88,\"alarm\":false,"
			     "\"fault\":false,\"temp_c\":21.25,\"bench_seq\":7}";
	const char *z2m = "{\"gas\":true,\"battery\":90,\"voltage\":3000,\"linkquality\":120,"
			  "\"tamper\":false}";
	struct reading before_n, before_z, r;
	char err[256], *big, *text;
	cJSON *kept, *second;
	pthread_t t;
	size_t i, n;
	int k, rc;

	/* malloc'd trees first (no arena yet), then the same through it */
	CHECK_INT("native without the arena", decode("native", native, &before_n, err, sizeof err), 0);
	CHECK_INT("zigbee2mqtt without the arena",
		  decode("zigbee2mqtt", z2m, &before_z, err, sizeof err), 0);
	json_arena_init();
	for (k = 0; k < 1000; k++) {
		rc = decode(k & 1 ? "zigbee2mqtt" : "native", k & 1 ? z2m : native, &r,
			    err, sizeof err);
		if (rc != 0 || !same(&r, k & 1 ? &before_z : &before_n))
			break;
	}
	CHECK_INT("1,000 decodes through the arena, each the same reading", k, 1000);
	CHECK_DBL("native gas_lel through the arena",
		  (decode("native", native, &r, err, sizeof err), r.val[RF_GAS_LEL]), 12.5);
	CHECK_INT("malformed JSON refused through the arena",
		  decode("native", "{\"gas_lel\":", &r, err, sizeof err), -1);
	CHECK_INT("trailing data refused through the arena",
		  decode("native", "{\"alarm\":true} x", &r, err, sizeof err), -1);
	CHECK_INT("not an object refused through the arena",
		  decode("native", "[1,2]", &r, err, sizeof err), -1);

	/* larger than the buffer: spills to malloc, read right, freed whole
	 * (ASan: no leak, no bad free) */
	n = 4000;
	big = malloc(n * 24 + 64);
	if (!big)
		abort();
	strcpy(big, "{\"gas_lel\":7,\"x\":[");
	for (i = 0; i < n; i++)
		sprintf(big + strlen(big), "%s\"v%zu\"", i ? "," : "", i);
	strcat(big, "]}");
	CHECK_INT("a payload larger than the arena decodes", decode("native", big, &r, err, sizeof err), 0);
	CHECK_DBL("its gas_lel", r.val[RF_GAS_LEL], 7);
	free(big);
	CHECK_INT("and the next small one through the arena again",
		  decode("native", native, &r, err, sizeof err), 0);
	CHECK("same reading", same(&r, &before_n));

	/* a tree still alive when the next one is parsed is not overwritten */
	kept = dj_parse("{\"a\":\"first\"}", 13, err, sizeof err);
	second = dj_parse("{\"a\":\"second\"}", 14, err, sizeof err);
	CHECK_STR("the kept tree", cJSON_GetObjectItem(kept, "a")->valuestring, "first");
	CHECK_STR("the second tree", cJSON_GetObjectItem(second, "a")->valuestring, "second");
	dj_release(second);
	dj_release(kept);
	dj_release(NULL);

	/* a tree built after the parse is the program's, malloc'd as always */
	kept = dj_parse("{\"a\":1}", 7, err, sizeof err);
	second = cJSON_CreateObject();
	cJSON_AddNumberToObject(second, "b", 2);
	text = cJSON_PrintUnformatted(second);
	CHECK_STR("printed after a parse", text, "{\"b\":2}");
	free(text);
	cJSON_Delete(second);
	dj_release(kept);

	if (pthread_create(&t, NULL, other_thread, NULL) == 0) {
		void *res = NULL;

		pthread_join(t, &res);
		CHECK_STR("another thread's cJSON", (char *)res, "{\"k\":\"v\"}");
		free(res);
	}
	TEST_DONE();
}
