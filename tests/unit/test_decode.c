/*
 * test_decode.c: the native payload adapter and the format table: what
 * every format must be (a name, a decoder, its example topic read, routed,
 * accepted by its own config check, inferred back by discovery and
 * switchable when it has commands) and what the table answers.
 */
#include <stdint.h>

#include "app.h"
#include "testing.h"

#define RECV_MS 1700000000123LL

/* The native decoder, through the table (it is fmt_native.c's own). */
static int decode_native(const char *topic, const char *payload, size_t len,
			 int64_t recv_ms, struct reading *out, char *err, size_t errlen)
{
	const struct device_format *f = format_find("native");

	if (!f || !f->decode)
		abort();
	return f->decode(topic, payload, len, recv_ms, out, err, errlen);
}

/*
 * Decode from an exact-size heap copy with no terminator, so ASan reports
 * any read past the payload.  out starts full of junk to prove a rejection
 * leaves present at 0 and a success overwrites everything.
 */
static int dec(const char *payload, size_t len, struct reading *out,
	       char *err, size_t errlen)
{
	char *buf = malloc(len ? len : 1);
	int rc;

	if (!buf)
		abort();
	memcpy(buf, payload, len);
	memset(out, 0xa5, sizeof(*out));
	err[0] = '\0';
	rc = decode_native("site/dev", buf, len, RECV_MS, out, err, errlen);
	free(buf);
	return rc;
}

static int dec_str(const char *s, struct reading *out, char *err, size_t errlen)
{
	return dec(s, strlen(s), out, err, errlen);
}

static void test_all_fields(void)
{
	const char *p = "{\"ts\": 1700000000000, \"alarm\": true, \"gas_lel\": 12.5,"
		" \"co_ppm\": 40, \"smoke\": false, \"test\": true, \"fault\": false,"
		" \"battery\": 87, \"tamper\": true, \"power_w\": 230.5,"
		" \"current_a\": 1.25, \"voltage_v\": 229.9, \"temp_c\": -12.5,"
		" \"energy_kwh\": 3.75, \"relay\": true, \"gas\": false,"
		" \"battery_low\": true, \"online\": false, \"gas_ppm\": 2500,"
		" \"carbon_monoxide\": true}";
	struct reading r;
	char err[128];
	uint32_t all = 0;
	int f;

	CHECK_INT("all fields: accepted", dec_str(p, &r, err, sizeof(err)), 0);
	CHECK_STR("all fields: no error text", err, "");
	for (f = 0; f < RF_COUNT; f++)
		all |= 1u << f;
	CHECK_INT("all fields: every field present", r.present, all);
	CHECK_INT("all fields: ts from payload", r.ts_ms, 1700000000000LL);
	CHECK_DBL("alarm true -> 1", r.val[RF_ALARM], 1.0);
	CHECK_DBL("gas false -> 0", r.val[RF_GAS], 0.0);
	CHECK_DBL("gas_lel", r.val[RF_GAS_LEL], 12.5);
	CHECK_DBL("co_ppm", r.val[RF_CO_PPM], 40.0);
	CHECK_DBL("smoke false -> 0", r.val[RF_SMOKE], 0.0);
	CHECK_DBL("test true -> 1", r.val[RF_TEST], 1.0);
	CHECK_DBL("fault false -> 0", r.val[RF_FAULT], 0.0);
	CHECK_DBL("battery", r.val[RF_BATTERY], 87.0);
	CHECK_DBL("tamper true -> 1", r.val[RF_TAMPER], 1.0);
	CHECK_DBL("power_w", r.val[RF_POWER_W], 230.5);
	CHECK_DBL("current_a", r.val[RF_CURRENT_A], 1.25);
	CHECK_DBL("voltage_v", r.val[RF_VOLTAGE_V], 229.9);
	CHECK_DBL("temp_c negative is fine", r.val[RF_TEMP_C], -12.5);
	CHECK_DBL("energy_kwh", r.val[RF_ENERGY_KWH], 3.75);
	CHECK_DBL("relay true -> 1", r.val[RF_RELAY], 1.0);
	CHECK_DBL("battery_low true -> 1", r.val[RF_BATTERY_LOW], 1.0);
	CHECK_DBL("online false -> 0", r.val[RF_ONLINE], 0.0);
	CHECK_DBL("gas_ppm", r.val[RF_GAS_PPM], 2500.0);
	CHECK_DBL("carbon_monoxide true -> 1", r.val[RF_CO], 1.0);
	CHECK_INT("all fields: none bad", r.bad, 0);
	CHECK_INT("all fields: none over", r.over, 0);
}

static void test_absent_null_unknown(void)
{
	struct reading r;
	char err[128];

	CHECK_INT("one field: accepted",
		  dec_str("{\"battery\": 50}", &r, err, sizeof(err)), 0);
	CHECK_INT("one field: only battery present", r.present, 1u << RF_BATTERY);
	CHECK(("one field: gas_lel absent"), !reading_has(&r, RF_GAS_LEL));
	CHECK(("one field: alarm absent"), !reading_has(&r, RF_ALARM));
	CHECK_INT("no ts: receive time used", r.ts_ms, RECV_MS);

	CHECK_INT("empty object: accepted", dec_str("{}", &r, err, sizeof(err)), 0);
	CHECK_INT("empty object: nothing present", r.present, 0);
	CHECK_INT("empty object: ts is receive time", r.ts_ms, RECV_MS);

	CHECK_INT("nulls: accepted",
		  dec_str("{\"gas_lel\": null, \"alarm\": null, \"ts\": null, \"smoke\": true}",
			  &r, err, sizeof(err)), 0);
	CHECK_INT("nulls: only smoke present", r.present, 1u << RF_SMOKE);
	CHECK_INT("null ts: receive time used", r.ts_ms, RECV_MS);

	CHECK_INT("unknown keys: accepted",
		  dec_str("{\"foo\": \"bar\", \"nested\": {\"x\": [1, 2, {}]}, "
			  "\"Alarm\": \"yes\", \"alarm\": false, \"linkquality\": 7}",
			  &r, err, sizeof(err)), 0);
	CHECK_INT("unknown keys: only alarm present", r.present, 1u << RF_ALARM);
	CHECK_DBL("unknown keys: alarm false -> 0", r.val[RF_ALARM], 0.0);

	CHECK_INT("blanks around the object: accepted",
		  dec_str(" \r\n\t{\"tamper\": false}\n ", &r, err, sizeof(err)), 0);
	CHECK_INT("blanks: tamper present", r.present, 1u << RF_TAMPER);

	CHECK_INT("ts at the lower bound: accepted",
		  dec_str("{\"ts\": 946684800000}", &r, err, sizeof(err)), 0);
	CHECK_INT("ts at the lower bound: used", r.ts_ms, 946684800000LL);
	CHECK_INT("ts in exponent form: accepted",
		  dec_str("{\"ts\": 1.7e12}", &r, err, sizeof(err)), 0);
	CHECK_INT("ts in exponent form: used", r.ts_ms, 1700000000000LL);
	CHECK_INT("boundary values 0 and 100: accepted",
		  dec_str("{\"battery\": 0, \"gas_lel\": 100, \"co_ppm\": 0}", &r, err, sizeof(err)), 0);
	CHECK_DBL("boundary: gas_lel 100", r.val[RF_GAS_LEL], 100.0);
}

struct reject_case {
	const char *name;
	const char *payload;
	size_t      len;        /* 0: strlen(payload) */
	const char *reason;
};

static void test_rejects(void)
{
	static const struct reject_case cases[] = {
		{ "truncated object", "{\"alarm\": tru", 0, "malformed JSON" },
		{ "truncated after number", "{\"gas_lel\": 5", 0, "malformed JSON" },
		{ "truncated string with escape", "{\"a\": \"abc\\", 0, "malformed JSON" },
		{ "truncated key", "{\"gas_l", 0, "malformed JSON" },
		{ "just an open brace", "{", 0, "malformed JSON" },
		{ "single quotes", "{'alarm': true}", 0, "malformed JSON" },
		{ "NaN literal", "{\"gas_lel\": NaN}", 0, "malformed JSON" },
		{ "blanks only", "   ", 0, "malformed JSON" },
		{ "binary garbage", "\xff\xfe\x80\x01\x02\x7f\xc3", 0, "malformed JSON" },
		{ "trailing garbage", "{\"alarm\": true} x", 0, "malformed JSON: trailing data" },
		{ "two objects", "{}{}", 0, "malformed JSON: trailing data" },
		{ "array", "[1, 2]", 0, "payload is not a JSON object" },
		{ "array of object", "[{\"alarm\": true}]", 0, "payload is not a JSON object" },
		{ "number", "42", 0, "payload is not a JSON object" },
		{ "string", "\"alarm\"", 0, "payload is not a JSON object" },
		{ "bare true", "true", 0, "payload is not a JSON object" },
		{ "bare null", "null", 0, "payload is not a JSON object" },
		{ "empty payload", "", 0, "empty payload" },
		{ "NUL after object", "{\"alarm\": true}\0junk", 20, "payload contains a NUL byte" },
		{ "NUL inside key", "{\"al\0arm\": true}", 16, "payload contains a NUL byte" },
	};
	struct reading r;
	char err[128], name[160];
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = cases[i].len ? cases[i].len : strlen(cases[i].payload);
		rc = dec(cases[i].payload, len, &r, err, sizeof(err));
		snprintf(name, sizeof(name), "reject %s: returns -1", cases[i].name);
		CHECK_INT(name, rc, -1);
		snprintf(name, sizeof(name), "reject %s: reason", cases[i].name);
		CHECK_STR(name, err, cases[i].reason);
		snprintf(name, sizeof(name), "reject %s: present mask 0", cases[i].name);
		CHECK_INT(name, r.present, 0);
	}
}

#define B(f) (1u << (f))

/*
 * Per-field validation: the payload stands, the odd field is left out
 * (bad) or saturated (over), and the reason names it.
 */
struct field_case {
	const char *name;
	const char *payload;
	uint32_t    present, bad, over;
	const char *reason;     /* err after decoding */
	int         f;          /* RF_COUNT: no value to check */
	double      v;
	int64_t     ts_ms;      /* 0: the receive time */
};

static void test_fields(void)
{
	static const struct field_case cases[] = {
		{ "battery 150 saturates", "{\"battery\": 150}", B(RF_BATTERY), 0,
		  B(RF_BATTERY), "", RF_BATTERY, 100, 0 },
		{ "battery -1 is impossible", "{\"battery\": -1, \"smoke\": true}", B(RF_SMOKE),
		  B(RF_BATTERY), 0, "field battery: negative value -1", RF_SMOKE, 1, 0 },
		{ "gas_lel -1 is impossible", "{\"gas_lel\": -1, \"alarm\": true}", B(RF_ALARM),
		  B(RF_GAS_LEL), 0, "field gas_lel: negative value -1", RF_ALARM, 1, 0 },
		{ "gas_lel 105 saturates beside the alarm flag", "{\"alarm\": true, \"gas_lel\": 105}",
		  B(RF_ALARM) | B(RF_GAS_LEL), 0, B(RF_GAS_LEL), "", RF_GAS_LEL, 100, 0 },
		{ "gas_lel 1e300 saturates", "{\"gas_lel\": 1e300}", B(RF_GAS_LEL), 0,
		  B(RF_GAS_LEL), "", RF_GAS_LEL, 100, 0 },
		{ "co_ppm 20000 saturates at 10000", "{\"co_ppm\": 20000}", B(RF_CO_PPM), 0,
		  B(RF_CO_PPM), "", RF_CO_PPM, 10000, 0 },
		{ "gas_ppm 2e6 saturates at 100 % vol", "{\"gas_ppm\": 2e6}", B(RF_GAS_PPM), 0,
		  B(RF_GAS_PPM), "", RF_GAS_PPM, 1e6, 0 },
		{ "co_ppm -1", "{\"co_ppm\": -1}", 0, B(RF_CO_PPM), 0,
		  "field co_ppm: negative value -1", RF_COUNT, 0, 0 },
		{ "power_w -3", "{\"power_w\": -3}", 0, B(RF_POWER_W), 0,
		  "field power_w: negative value -3", RF_COUNT, 0, 0 },
		{ "current_a -0.5", "{\"current_a\": -0.5}", 0, B(RF_CURRENT_A), 0,
		  "field current_a: negative value -0.5", RF_COUNT, 0, 0 },
		{ "voltage_v -230", "{\"voltage_v\": -230}", 0, B(RF_VOLTAGE_V), 0,
		  "field voltage_v: negative value -230", RF_COUNT, 0, 0 },
		{ "energy_kwh -1", "{\"energy_kwh\": -1}", 0, B(RF_ENERGY_KWH), 0,
		  "field energy_kwh: negative value -1", RF_COUNT, 0, 0 },
		{ "temp_c below absolute zero", "{\"temp_c\": -300}", 0, B(RF_TEMP_C), 0,
		  "field temp_c: -300 below absolute zero", RF_COUNT, 0, 0 },
		{ "1e400 parses to inf", "{\"temp_c\": 1e400}", 0, B(RF_TEMP_C), 0,
		  "field temp_c: absurd value inf", RF_COUNT, 0, 0 },
		{ "-1e400 parses to -inf", "{\"temp_c\": -1e400}", 0, B(RF_TEMP_C), 0,
		  "field temp_c: absurd value -inf", RF_COUNT, 0, 0 },
		{ "absurd 2e9 power", "{\"power_w\": 2e9, \"relay\": true}", B(RF_RELAY),
		  B(RF_POWER_W), 0, "field power_w: absurd value 2e+09", RF_RELAY, 1, 0 },
		{ "ts as string: receive time", "{\"ts\": \"1700000000000\", \"smoke\": true}",
		  B(RF_SMOKE), 0, 0, "field ts: expected number", RF_SMOKE, 1, 0 },
		{ "ts as bool", "{\"ts\": true}", 0, 0, 0, "field ts: expected number",
		  RF_COUNT, 0, 0 },
		{ "ts fractional", "{\"ts\": 1700000000000.5}", 0, 0, 0,
		  "field ts: expected integer ms since epoch", RF_COUNT, 0, 0 },
		{ "ts in seconds", "{\"ts\": 1700000000}", 0, 0, 0,
		  "field ts: outside 2000..2100", RF_COUNT, 0, 0 },
		{ "ts negative", "{\"ts\": -1}", 0, 0, 0, "field ts: outside 2000..2100",
		  RF_COUNT, 0, 0 },
		{ "ts past 2100", "{\"ts\": 4102444800001}", 0, 0, 0,
		  "field ts: outside 2000..2100", RF_COUNT, 0, 0 },
		{ "ts infinite", "{\"ts\": 1e400}", 0, 0, 0, "field ts: absurd value inf",
		  RF_COUNT, 0, 0 },
		{ "duplicate ts: receive time", "{\"ts\": 1700000000000, \"ts\": 1700000000001}",
		  0, 0, 0, "field ts: duplicate key", RF_COUNT, 0, 0 },
		{ "duplicate flag: true wins", "{\"alarm\": false, \"alarm\": true}", B(RF_ALARM),
		  B(RF_ALARM), 0, "field alarm: duplicate key", RF_ALARM, 1, 0 },
		{ "duplicate flag: true wins in either order", "{\"smoke\": true, \"smoke\": false}",
		  B(RF_SMOKE), B(RF_SMOKE), 0, "field smoke: duplicate key", RF_SMOKE, 1, 0 },
		{ "duplicate number: the higher wins", "{\"gas_lel\": null, \"gas_lel\": 3, "
		  "\"gas_lel\": 1}", B(RF_GAS_LEL), B(RF_GAS_LEL), 0,
		  "field gas_lel: duplicate key", RF_GAS_LEL, 3, 0 },
		{ "bad field after good ones", "{\"alarm\": true, \"battery\": 50, \"smoke\": 1}",
		  B(RF_ALARM) | B(RF_BATTERY) | B(RF_SMOKE), B(RF_SMOKE), 0,
		  "field smoke: expected boolean (1)", RF_SMOKE, 1, 0 },
		{ "alarm flag as \"true\" stands, counted", "{\"alarm\": \"true\"}", B(RF_ALARM),
		  B(RF_ALARM), 0, "field alarm: expected boolean (true)", RF_ALARM, 1, 0 },
		{ "alarm flag as \"false\" clears nothing", "{\"gas\": \"false\"}", 0, B(RF_GAS), 0,
		  "field gas: expected boolean (false)", RF_COUNT, 0, 0 },
		{ "a non-alarm flag as 1 is left out", "{\"tamper\": 1}", 0, B(RF_TAMPER), 0,
		  "field tamper: expected boolean (1)", RF_COUNT, 0, 0 },
		{ "battery n/a beside smoke", "{\"smoke\": true, \"battery\": \"n/a\"}", B(RF_SMOKE),
		  B(RF_BATTERY), 0, "field battery: expected number (n/a)", RF_SMOKE, 1, 0 },
		{ "two bad fields, both named", "{\"battery\": \"x\", \"temp_c\": [1]}", 0,
		  B(RF_BATTERY) | B(RF_TEMP_C), 0,
		  "field battery: expected number (x); field temp_c: expected number (an array)",
		  RF_COUNT, 0, 0 },
		{ "over_range read back", "{\"gas_lel\": 100, \"battery\": 50, "
		  "\"over_range\": [\"gas_lel\", \"battery\", \"nope\", 3]}",
		  B(RF_GAS_LEL) | B(RF_BATTERY), 0, B(RF_GAS_LEL) | B(RF_BATTERY), "",
		  RF_GAS_LEL, 100, 0 },
		{ "boundary 100 is not over", "{\"gas_lel\": 100}", B(RF_GAS_LEL), 0, 0, "",
		  RF_GAS_LEL, 100, 0 },
	};
	struct reading r;
	char err[160], name[200];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct field_case *c = &cases[i];

		snprintf(name, sizeof name, "field %s: accepted", c->name);
		CHECK_INT(name, dec_str(c->payload, &r, err, sizeof err), 0);
		snprintf(name, sizeof name, "field %s: present", c->name);
		CHECK_INT(name, r.present, c->present);
		snprintf(name, sizeof name, "field %s: bad", c->name);
		CHECK_INT(name, r.bad, c->bad);
		snprintf(name, sizeof name, "field %s: over", c->name);
		CHECK_INT(name, r.over, c->over);
		snprintf(name, sizeof name, "field %s: reason", c->name);
		CHECK_STR(name, err, c->reason);
		if (c->f != RF_COUNT) {
			snprintf(name, sizeof name, "field %s: value", c->name);
			CHECK_DBL(name, r.val[c->f], c->v);
		}
		snprintf(name, sizeof name, "field %s: ts", c->name);
		CHECK_INT(name, r.ts_ms, c->ts_ms ? c->ts_ms : RECV_MS);
	}
}

/* Every bool field refuses numbers and strings; every number field refuses
 * strings and booleans, leaving the field out (an alarm flag keeps a true
 * meaning): generated from the field table, so a new field is covered
 * without editing this test. */
static void test_wrong_types(void)
{
	/* five bad values of each kind; bool_true: which read as true */
	static const char *const bad_for_bool[5] = { "1", "0", "\"true\"", "{}", "[]" };
	static const bool bool_true[5] = { true, false, true, false, false };
	static const char *const desc_bool[5] = { "1", "0", "true", "an object", "an array" };
	static const char *const bad_for_num[5] = { "\"5\"", "true", "false", "{}", "[5]" };
	static const char *const desc_num[5] = { "5", "true", "false", "an object", "an array" };
	struct reading r;
	char err[128], want[128], payload[128], name[200];
	size_t i;
	int f;

	for (f = 0; f < RF_COUNT; f++) {
		bool is_bool = reading_field_is_bool[f];
		const char *const *bad = is_bool ? bad_for_bool : bad_for_num;
		bool alarm_flag = f == RF_ALARM || f == RF_GAS || f == RF_SMOKE || f == RF_CO;

		for (i = 0; i < 5; i++) {
			snprintf(want, sizeof(want), "field %s: expected %s (%s)",
				 reading_field_name[f], is_bool ? "boolean" : "number",
				 is_bool ? desc_bool[i] : desc_num[i]);
			snprintf(payload, sizeof(payload), "{\"%s\": %s}",
				 reading_field_name[f], bad[i]);
			snprintf(name, sizeof(name), "wrong type %s", payload);
			CHECK_INT(name, dec_str(payload, &r, err, sizeof(err)), 0);
			CHECK_STR(name, err, want);
			CHECK_INT(name, r.bad, 1u << f);
			CHECK_INT(name, r.present,
				  is_bool && alarm_flag && bool_true[i] ? 1u << f : 0);
		}
	}
}

/* What reading_to_json writes, decode_native reads back unchanged. */
static void test_round_trip(void)
{
	struct reading in, out;
	cJSON *o;
	char *txt, err[128];
	int f;

	memset(&in, 0, sizeof(in));
	in.ts_ms = 1700000000456LL;
	for (f = 0; f < RF_COUNT; f++)
		reading_set(&in, f, reading_field_is_bool[f] ? (f & 1) : 1.5 + f);
	o = reading_to_json(&in);
	txt = cJSON_PrintUnformatted(o);
	CHECK("round trip: printed", txt != NULL);
	CHECK_INT("round trip: accepted", dec_str(txt, &out, err, sizeof(err)), 0);
	CHECK_INT("round trip: same fields", out.present, in.present);
	CHECK_INT("round trip: same ts", out.ts_ms, in.ts_ms);
	for (f = 0; f < RF_COUNT; f++)
		CHECK_DBL(reading_field_name[f], out.val[f], in.val[f]);
	cJSON_free(txt);
	cJSON_Delete(o);
}

static void test_err_buffer(void)
{
	struct reading r;
	char small[8];

	memset(&r, 0xa5, sizeof(r));
	CHECK_INT("NULL err buffer: still rejects",
		  decode_native("t", "[]", 2, RECV_MS, &r, NULL, 0), -1);
	CHECK_INT("NULL err buffer: present 0", r.present, 0);
	CHECK_INT("small err buffer: field left out, payload stands",
		  decode_native("t", "{\"battery\": \"x\"}", 16, RECV_MS, &r, small,
				sizeof(small)), 0);
	CHECK_STR("small err buffer: truncated, terminated", small, "field b");
	CHECK_INT("NULL err buffer: field left out",
		  decode_native("t", "{\"battery\": \"x\"}", 16, RECV_MS, &r, NULL, 0), 0);
	CHECK_INT("NULL err buffer: marked bad", r.bad, 1u << RF_BATTERY);
}

static void test_table(void)
{
	const struct device_format *d = format_find("native");
	struct reading r;
	char err[64];

	CHECK("format_find native", d != NULL);
	CHECK_STR("format_find native: name", d ? d->name : NULL, "native");
	CHECK("format_find native: the table's first", d && d == format_at(0));
	CHECK("format_find native: callable",
	      d && d->decode("t", "{\"smoke\":true}", 14, RECV_MS, &r, err, sizeof(err)) == 0 &&
	      reading_has(&r, RF_SMOKE));
	CHECK("format_find nope", format_find("nope") == NULL);
	CHECK("format_find is case-sensitive", format_find("Native") == NULL);
	CHECK("format_find empty", format_find("") == NULL);
	CHECK("format_find NULL", format_find(NULL) == NULL);
}

/* MQTT filter matching, enough for the table's filters: "+" one level,
 * a trailing "#" the rest (and the parent itself). */
static bool filter_matches(const char *f, const char *t)
{
	size_t n;

	if (strcmp(f, "#") == 0)
		return true;
	if (*f == '+') {
		t += strcspn(t, "/");
		f++;
	} else {
		n = strcspn(f, "/");
		if (strncmp(f, t, n) != 0 || (t[n] && t[n] != '/'))
			return false;
		f += n;
		t += n;
	}
	if (!*f)
		return !*t;
	if (strcmp(f, "/#") == 0)
		return true;
	return *t && filter_matches(f + 1, t + 1);
}

/* One format: everything the rest of the daemon will ask of it. */
static void check_format(const struct device_format *f)
{
	struct device_cfg dev;
	struct device_cmd cmd;
	struct route rt[ROUTES_MAX];
	struct reading r;
	const char *key = NULL;
	const char *const *fl;
	char name[200], err[512], fmt[16], nm[TOPIC_MAX], t[TOPIC_MAX];
	int n, rc, matched = 0;

#define NAMED(what) (snprintf(name, sizeof name, "format %s: %s", f->name, (what)), name)
	CHECK(NAMED("has a decoder"), f->decode != NULL);
	CHECK(NAMED("has an example topic"), f->example_topic && f->example_topic[0]);
	if (!f->decode || !f->example_topic)
		return;
	CHECK(NAMED("found by its name"), format_find(f->name) == f);
	rc = f->decode(f->example_topic, "{}", 2, RECV_MS, &r, err, sizeof err);
	CHECK(NAMED("an empty object on its example topic is readable"), rc == 0);
	n = format_routes(f, f->example_topic, rt, ROUTES_MAX);
	CHECK(NAMED("routes: the configured topic first"),
	      n >= 1 && strcmp(rt[0].topic, f->example_topic) == 0);

	dev = (struct device_cfg)DEVICE_CFG_BLANK;
	dev.id = "dev";
	dev.format = f->name;
	dev.topic = f->example_topic;
	dev.kind = DEV_EBIKE_CHARGER;
	dev.relay = true;
	if (f->check_topic) {
		nm[0] = '\0';
		rc = f->check_topic(&dev, 0, f->example_topic, nm, &key, err, sizeof err);
		CHECK(NAMED("its config check takes its example topic"), rc == 0);
		CHECK(NAMED("... unchanged"), strcmp(dev.topic, f->example_topic) == 0 &&
		      nm[0] == '\0');
	}
	CHECK(NAMED("gens: 0 or a generation"), f->gens >= 0 && f->gens < 10);
	if (f->command) {
		rc = device_cmd_build(&dev, false, "gw", 1, &cmd, err, sizeof err);
		CHECK(NAMED("a command for its example device"), rc == 0 && cmd.topic[0] &&
		      cmd.payload[0]);
	}
	/* discovery and inference go together: what is heard is recognised,
	 * and a discovered device's topic is the one to configure */
	CHECK(NAMED("discovery filters if and only if inference"),
	      (f->infer != NULL) == (f->discovery != NULL && f->discovery[0] != NULL));
	if (f->infer) {
		CHECK(NAMED("infers its example topic"),
		      unknown_infer(f->example_topic, fmt, sizeof fmt, nm, sizeof nm, t,
				    sizeof t) && strcmp(fmt, f->name) == 0 &&
		      strcmp(t, f->example_topic) == 0);
		for (fl = f->discovery; fl && *fl; fl++)
			matched += filter_matches(*fl, f->example_topic);
		CHECK(NAMED("a discovery filter covers its example topic"), matched > 0);
	}
#undef NAMED
}

static void test_formats(void)
{
	static const char *const want_names[] = { "native", "zigbee2mqtt", "tasmota", "shelly" };
	/* what discovery subscribed to before the formats held their own */
	static const char *const want_filters[] = {
		"zigbee2mqtt/#", "tele/#", "shellies/#", "+/status/switch:0", "+/events/rpc",
	};
	const char *names[FORMATS_MAX], *filters[32];
	char label[64];
	int i, j, n;

	n = format_names(names, FORMATS_MAX);
	CHECK_INT("format_count", format_count(), 4);
	CHECK_INT("format_names: every one", n, 4);
	for (i = 0; i < 4 && i < n; i++) {
		snprintf(label, sizeof label, "format %d is %s", i, want_names[i]);
		CHECK_STR(label, names[i], want_names[i]);
	}
	CHECK_INT("format_names: max respected", format_names(names, 2), 2);
	CHECK("format_at(-1)", format_at(-1) == NULL);
	CHECK("format_at(count)", format_at(format_count()) == NULL);
	n = format_filters(filters, 32);
	CHECK_INT("discovery filters: count", n, 5);
	for (i = 0; i < 5 && i < n; i++) {
		snprintf(label, sizeof label, "discovery filter %d: %s", i, want_filters[i]);
		CHECK_STR(label, filters[i], want_filters[i]);
	}
	CHECK_INT("discovery filters: max respected", format_filters(filters, 3), 3);
	CHECK_STR("discovery filters: in table order", filters[2], "shellies/#");
	for (i = 0; i < format_count(); i++) {
		for (j = 0; j < i; j++)
			if (strcmp(format_at(i)->name, format_at(j)->name) == 0)
				break;
		snprintf(label, sizeof label, "format %s: name unique", format_at(i)->name);
		CHECK(label, j == i);
		check_format(format_at(i));
	}
	CHECK_INT("gen: shelly has two", format_find("shelly")->gens, 2);
	CHECK_INT("gen: zigbee2mqtt has none", format_find("zigbee2mqtt")->gens, 0);
	CHECK("native: no inference", format_find("native")->infer == NULL);
	CHECK("native: commands", format_find("native")->command != NULL);
}

int main(void)
{
	test_all_fields();
	test_absent_null_unknown();
	test_rejects();
	test_fields();
	test_wrong_types();
	test_round_trip();
	test_err_buffer();
	test_table();
	test_formats();
	TEST_DONE();
}
