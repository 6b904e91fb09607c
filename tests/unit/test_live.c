/* test_live.c: the live feed builds nothing with no listener, gives each
 * listener every message once, and lets a listener leave while called. */
#include <string.h>

#include "app.h"
#include "live.h"
#include "testing.h"

struct seen {
	int readings, records;
	char last_device[32];
	double last_lel;
	struct live *leave_from;        /* unsubscribe self on the first call */
};

static void on_msg(void *ctx, const char *type, const cJSON *msg)
{
	struct seen *s = ctx;
	const cJSON *v;

	if (strcmp(type, "reading") == 0) {
		s->readings++;
		v = cJSON_GetObjectItemCaseSensitive(msg, "device");
		snprintf(s->last_device, sizeof s->last_device, "%s",
			 cJSON_IsString(v) ? v->valuestring : "");
		v = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(msg, "values"), "gas_lel");
		s->last_lel = cJSON_IsNumber(v) ? v->valuedouble : -1;
	} else if (strcmp(type, "record") == 0) {
		s->records++;
	}
	if (s->leave_from) {
		live_unsubscribe(s->leave_from, s);
		s->leave_from = NULL;
	}
}

int main(void)
{
	struct live *lv = live_new();
	struct device_cfg dev;
	struct reading r;
	struct seen a = { 0 }, b = { 0 };
	cJSON *ev = cJSON_Parse("{\"event\":\"raised\",\"id\":\"x\"}");

	dev = (struct device_cfg)DEVICE_CFG_BLANK;
	dev.id = "gas-1";
	dev.site = "shop";
	memset(&r, 0, sizeof r);
	reading_set(&r, RF_GAS_LEL, 31);

	CHECK("nobody listens", !live_wanted(lv));
	live_reading(lv, &dev, &r, 1000);       /* no listener: nothing to do */
	CHECK_INT("subscribe", live_subscribe(lv, on_msg, &a), 0);
	CHECK_INT("subscribe twice is once", live_subscribe(lv, on_msg, &a), 0);
	CHECK("someone listens", live_wanted(lv));
	live_reading(lv, &dev, &r, 1000);
	live_record(lv, ev);
	CHECK_INT("one reading", a.readings, 1);
	CHECK_INT("one record", a.records, 1);
	CHECK_STR("device named", a.last_device, "gas-1");
	CHECK("value carried", a.last_lel == 31);

	b.leave_from = lv;
	CHECK_INT("second listener", live_subscribe(lv, on_msg, &b), 0);
	live_record(lv, ev);
	live_record(lv, ev);
	CHECK_INT("the first hears both", a.records, 3);
	CHECK_INT("the second left after its first", b.records, 1);
	live_unsubscribe(lv, &a);
	CHECK("nobody left", !live_wanted(lv));
	cJSON_Delete(ev);
	live_free(lv);
	TEST_DONE();
}
