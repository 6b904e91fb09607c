/*
 * clock.c: the daemon's one time source (wall and monotonic, injectable
 * for tests), and whether the wall clock can be believed.
 *
 * Gateways often boot with a wrong clock (no RTC battery, a factory date)
 * and correct it later over NTP.  So the wall clock only stamps records,
 * and durations are measured on CLOCK_MONOTONIC.  A record made before the
 * wall clock was trusted says so (clock_trusted = 0), so the platform can
 * tell a real date from a guess.
 */
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

/* When this hazardd was built (the Makefile passes it; SOURCE_DATE_EPOCH
 * in reproducible builds): a wall clock before it is certainly wrong. */
#ifndef HZ_BUILD_EPOCH_S
#define HZ_BUILD_EPOCH_S 0
#endif

static const struct hz_clock *source;
static bool trusted_latch;

void clock_use(const struct hz_clock *c)
{
	source = c;
	trusted_latch = false;
}

static int64_t system_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t now_wall_ms(void)
{
	if (source && source->wall_ms)
		return source->wall_ms(source->ctx);
	return system_ns(CLOCK_REALTIME) / 1000000;
}

int64_t now_mono_ms(void)
{
	if (source && source->mono_ms)
		return source->mono_ms(source->ctx);
	return system_ns(CLOCK_MONOTONIC) / 1000000;
}

int64_t now_mono_ns(void)
{
	if (source && source->mono_ns)
		return source->mono_ns(source->ctx);
	if (source && source->mono_ms)
		return source->mono_ms(source->ctx) * 1000000;
	return system_ns(CLOCK_MONOTONIC);
}

/* The kernel's word on synchronisation: adjtimex() clears STA_UNSYNC once
 * an NTP client (chrony, ntpd, systemd-timesyncd) disciplines the clock;
 * timesyncd also leaves a flag file.  Either will do. */
static bool system_synchronised(void)
{
	struct timex tx = { 0 };
	int state = adjtimex(&tx);

	if (state >= 0 && state != TIME_ERROR && !(tx.status & STA_UNSYNC))
		return true;
	return access("/run/systemd/timesync/synchronized", F_OK) == 0;
}

bool clock_trusted(void)
{
	if (trusted_latch)
		return true;
	if (source && source->trusted)
		trusted_latch = source->trusted(source->ctx);
	else
		trusted_latch = now_wall_ms() >= (int64_t)HZ_BUILD_EPOCH_S * 1000 &&
				system_synchronised();
	return trusted_latch;
}
