/* test_flood.c: the flood bucket's alarm state (flood.c): an onset passes
 * an empty bucket, a repeat of the state passed on does not. */
#include "app.h"
#include "testing.h"

static struct config cfg;
static struct device_cfg devs[2];

static struct reading rd(int f1, double v1, int f2, double v2)
{
	struct reading r;

	memset(&r, 0, sizeof r);
	if (f1 >= 0)
		reading_set(&r, f1, v1);
	if (f2 >= 0)
		reading_set(&r, f2, v2);
	return r;
}

static void test_edges(void)
{
	struct flood *fl;
	struct reading normal_tamper = rd(RF_ALARM, 0, RF_TAMPER, 1);
	struct reading alarm = rd(RF_ALARM, 1, -1, 0), normal = rd(RF_ALARM, 0, -1, 0);
	struct reading test_press = rd(RF_ALARM, 1, RF_TEST, 1);
	struct reading offline = rd(RF_ONLINE, 0, -1, 0), online = rd(RF_ONLINE, 1, -1, 0);
	struct reading lel = rd(RF_GAS_LEL, 80, -1, 0), tamper = rd(RF_TAMPER, 1, -1, 0);

	device_cfg_blank(devs, 2);
	devs[0].flood.rate_per_s = 1;
	devs[0].flood.burst = 1;
	cfg.devices = devs;
	cfg.n_devices = 2;
	fl = flood_new(&cfg);
	CHECK("limited: a device with a rate", flood_limited(fl, 0));
	CHECK("limited: not one without", !flood_limited(fl, 1));
	CHECK("limited: not an unknown device", !flood_limited(fl, 5));

	CHECK("unknown state: an alarm flag is an onset", flood_rising(fl, 0, &alarm));
	CHECK("unknown state: a set tamper flag is an onset", flood_rising(fl, 0, &normal_tamper));
	CHECK("a normal message is no onset", !flood_rising(fl, 0, &normal));
	CHECK("an analog reading is no onset", !flood_rising(fl, 0, &lel));
	CHECK("a self-test press is no onset", !flood_rising(fl, 0, &test_press));

	flood_note(fl, 0, &normal_tamper);
	CHECK("noted tamper: repeating it is no onset", !flood_rising(fl, 0, &normal_tamper));
	CHECK("noted tamper: the alarm flag still is", flood_rising(fl, 0, &alarm));
	flood_note(fl, 0, &alarm);
	CHECK("noted alarm: repeating it is no onset", !flood_rising(fl, 0, &alarm));
	CHECK("a message without tamper keeps it on", !flood_rising(fl, 0, &normal_tamper));
	flood_note(fl, 0, &normal);
	CHECK("after a normal one passed: the alarm is an onset again",
	      flood_rising(fl, 0, &alarm));
	CHECK("tamper still on: no onset", !flood_rising(fl, 0, &tamper));
	flood_note(fl, 0, &test_press);
	CHECK("a self-test passed on changes no alarm state", flood_rising(fl, 0, &alarm));

	CHECK("explicit offline: an onset", flood_rising(fl, 0, &offline));
	flood_note(fl, 0, &offline);
	CHECK("offline again: a repeat", !flood_rising(fl, 0, &offline));
	flood_note(fl, 0, &online);
	CHECK("offline after online: an onset", flood_rising(fl, 0, &offline));
	CHECK("online is never an onset", !flood_rising(fl, 0, &online));

	CHECK("other devices keep their own state", flood_rising(fl, 1, &alarm));
	CHECK("no crash on NULL", !flood_rising(NULL, 0, &alarm) && !flood_rising(fl, 0, NULL));
	flood_note(NULL, 0, &alarm);
	flood_free(fl);
}

int main(void)
{
	test_edges();
	TEST_DONE();
}
