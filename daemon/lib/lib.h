/*
 * lib.h: the first layer (docs/architecture.md).  Logging with backoff,
 * small utilities, secrets read safely, clean-text checks, the hand-over
 * queue, a bounded seq set, the clock and local time.  It knows nothing
 * of devices, records or the daemon, and uses no library but libc.
 */
#ifndef LIB_H
#define LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <sys/types.h>

#define HAZARDD_H
#define HAZARDD_VERSION "0.1.0"
#define ID_MAX      64      /* ids: gateway, site, device, hazard, msg */
#define TOPIC_MAX   256
#define PATH_MAX_HZ 512
#define MAX_URIS    8
#define SUMMARY_ZONE_MAX 64 /* summary.timezone, bytes */
#define HZ_TYPES_MAX 20     /* >= HZ_TYPE_COUNT, for per-type config tables */

/* ---------------------------------------------------------------- log.c */

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
/* "error" "warn" "info" "debug"; -1 for anything else. */
int  log_level_from_name(const char *name);
/* -v on the command line wins over log.level, at start and on reload. */
void log_pin_level(void);
/* log.level from the config, unless pinned. */
void log_set_config_level(const char *name);
/* log_warn appends strerror(errno); all preserve errno. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* At a syslog priority (LOG_ALERT 1 ... LOG_DEBUG 7): alarms and faults,
 * so that the journal's priority filter finds them; 1-3 pass log.level
 * "error", 4-5 "warn". */
#define LOG_PRIO_ALERT   1
#define LOG_PRIO_CRIT    2
#define LOG_PRIO_ERR     3
#define LOG_PRIO_WARNING 4
#define LOG_PRIO_INFO    6
void log_prio(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Start-up only: log and exit(1). */
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A repeated complaint (flapping link, chatty broken sensor) is logged once,
 * then with exponential backoff (1 s doubling to 1 h), with the number of
 * suppressed repeats; complain_release() logs "recovered" once.
 */
struct complaint {
	int64_t  next_ms;       /* monotonic time the next report may go out */
	int64_t  interval_ms;   /* current backoff */
	uint64_t suppressed;    /* repeats not logged since the last report */
	bool     active;
	bool     logged;        /* this episode was reported (not a silent flap) */
	uint64_t flaps;         /* recoveries and relapses inside one backoff */
	int64_t  released_ms;   /* monotonic time of the last recovery */
};
void complain(struct complaint *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void complain_release(struct complaint *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --------------------------------------------------------------- util.c */

/* "2026-11-23T13:24:25.123Z" into buf (>= 32 bytes); returns buf. */
char *fmt_iso_ms(int64_t wall_ms, char *buf, size_t len);
/* Parse the format above (the "Z" or "+00:00" suffix required); -1 on error. */
int parse_iso_ms(const char *s, int64_t *out_ms);
/* Copy with truncation, always NUL-terminated; returns -1 if truncated. */
int strlcpy_hz(char *dst, const char *src, size_t size);
/* Random in [lo, hi] from a per-process seeded PRNG (jitter only). */
int64_t rand_between(int64_t lo, int64_t hi);
/* Reconnect delay: base doubles per failure up to cap, +-25 % jitter. */
int64_t backoff_ms(unsigned failures, int64_t base_ms, int64_t cap_ms);
/* Fill a caller's error buffer (modules report, callers decide to log). */
void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* MQTT URIs: TLS scheme (ssl://, mqtts://, wss://); host in 127.0.0.0/8,
 * localhost or [::1]. */
bool uri_is_tls(const char *uri);
bool uri_is_loopback(const char *uri);
/* Read a whole file (secrets, config); caller frees; NULL and errno on error. */
char *read_file_hz(const char *path, size_t max_len, size_t *len_out);

/* --------------------------------------------------------- secret_file.c */
/* Why a key or password file with this mode and owner must not be trusted
 * (NULL: it may).  reader: the uid that reads it; other_ok: one more
 * acceptable owner (the daemon user at --check-config), or -1. */
const char *secret_stat_problem(unsigned mode, unsigned owner, unsigned reader,
				unsigned other_ok);
/* Open without following a symlink or blocking on a FIFO, and apply the
 * rules above; err names the key ("what") and the file. */
int   secret_check(const char *what, const char *path, unsigned other_ok,
		   char *err, size_t errlen);
char *secret_read(const char *what, const char *path, size_t max_len,
		  size_t *len_out, char *err, size_t errlen);
/* One UTF-8 character at s (n bytes available): its length in bytes and
 * *cp, or 0 when the bytes there are not valid UTF-8 (overlong forms,
 * surrogates, beyond U+10FFFF and cut sequences are not). */
size_t utf8_char(const char *s, size_t n, uint32_t *cp);
/* Is this a control character: C0 (U+0000..U+001F), DEL or C1 (U+0080..U+009F)? */
bool char_is_control(uint32_t cp);
/*
 * Free text a person or the platform sends (notes, actors, evidence,
 * reasons): NULL when s is valid UTF-8 without control characters, else
 * why not, to follow the member's name in an error ("is not valid UTF-8",
 * "holds control characters").  Every front-end (control socket, platform
 * commands) refuses such text with this one check.
 */
const char *text_check(const char *s);

/* --------------------------------------------------------------- queue.c
 * The bounded hand-over queue between the intake session and the pass.
 * Pushing copies the message, in ONE allocation (its info, topic and
 * payload), and wakes the loop through an eventfd.  Alarms are popped
 * first (msgq_pop_alarms), each with the earlier messages of its key.
 */
struct msg {
	char    *topic;
	char    *payload;       /* NUL-terminated copy; NULL if oversized */
	size_t   len;           /* payload length as received */
	int64_t  recv_ms;       /* wall clock at receipt */
	bool     oversized;     /* payload over local.max_payload, not copied */
	bool     alarm;         /* pushed as MSGQ_ALARM: msgq_pop_alarms takes it */
	uint64_t seq;           /* the intake session's sequence number */
	uint16_t packet_id;     /* QoS 1: the broker's packet id; 0 QoS 0 */
	bool     dup;           /* the broker may have delivered it before */
	int      key;           /* the pusher's grouping (the intake: device); -1 none */
	const void *info;       /* the pusher's own record of it, copied; NULL none */
	size_t   info_len;
	void    *mem;           /* the one block all of the above lives in */
};
struct msgq;
/* cap: slots for ordinary messages; alarms may use cap again on top. */
struct msgq *msgq_new(int cap, int wake_fd);
void msgq_free(struct msgq *q);
enum msgq_admit { MSGQ_NORMAL, MSGQ_ALARM };
/* 0 queued; -1 dropped (queue full and not an alarm, or no memory);
 * -2 full even for alarms: the caller must not acknowledge the message. */
int  msgq_push(struct msgq *q, const char *topic, const void *payload, size_t len,
	       size_t max_payload, int64_t recv_ms, enum msgq_admit admit);
/* The same, the message numbered seq by the intake session (acknowledged
 * once everything up to it is committed, docs/intake.md). */
struct msg_id {
	uint64_t seq;
	uint16_t packet_id;
	bool     dup;
	int      key;           /* msg.key; -1 (or 0 fields: see msgq_push_seq) */
	const void *info;       /* copied into the message's block (aligned) */
	size_t   info_len;
};
/* id NULL: seq 0, no key, no info.  With id, key 0 is a key like any
 * other: a pusher without keys sets it to -1. */
int  msgq_push_seq(struct msgq *q, const char *topic, const void *payload, size_t len,
		   size_t max_payload, int64_t recv_ms, enum msgq_admit admit,
		   const struct msg_id *id);
/* The seq of the oldest message queued; 0 when the queue is empty. */
uint64_t msgq_head_seq(struct msgq *q);
/* Up to max messages in arrival order (loop thread). */
int  msgq_pop(struct msgq *q, struct msg *out, int max);
/* Up to max messages, in arrival order: every queued alarm and, with it,
 * every message queued before it under the same key (key >= 0), so that
 * a key's messages are still taken in their order.  0 when no alarm is
 * queued.  Stops at max; an alarm left behind keeps its earlier messages
 * that were not taken in the queue, in order. */
int  msgq_pop_alarms(struct msgq *q, struct msg *out, int max);
int  msgq_alarms(struct msgq *q);      /* alarms queued */
int  msgq_depth(struct msgq *q);
bool msgq_full(struct msgq *q);
void msg_free(struct msg *m);

/* --------------------------------------------------------------- seqset.c
 * A bounded, sorted set of outbox seqs (lookup by bisection).  Adding to a
 * full set returns -1 and changes nothing.
 */
struct seqset *seqset_new(int cap);
void seqset_free(struct seqset *s);
bool seqset_has(const struct seqset *s, int64_t seq);
int  seqset_add(struct seqset *s, int64_t seq);
void seqset_remove(struct seqset *s, int64_t seq);
int  seqset_count(const struct seqset *s);
int  seqset_cap(const struct seqset *s);
const int64_t *seqset_items(const struct seqset *s);     /* ascending */
void seqset_clear(struct seqset *s);

/* --------------------------------------------------------------- clock.c
 * The daemon's time source.  The wall clock only stamps records; every
 * duration (debounce, hold, offline, the deadline of a hazard raised during
 * this run) is measured on CLOCK_MONOTONIC, so a wall clock set by NTP
 * after boot moves no decision.  Unit tests install their own source.
 */
struct hz_clock {
	int64_t (*wall_ms)(void *ctx);
	int64_t (*mono_ms)(void *ctx);
	/* true once the wall clock can be believed; NULL: clock_trusted()'s
	 * own judgement (past the build date and synchronised) */
	bool    (*trusted)(void *ctx);
	void     *ctx;
	/* NULL: mono_ms * 1e6 when mono_ms is set, else the system's */
	int64_t (*mono_ns)(void *ctx);
};
/* Install a source (NULL: the system clocks again).  Before any thread
 * starts: the source is read without a lock. */
void    clock_use(const struct hz_clock *c);
/* The one clock API: every wall time and duration is read here. */
int64_t now_wall_ms(void);      /* CLOCK_REALTIME, ms since epoch */
int64_t now_mono_ms(void);      /* CLOCK_MONOTONIC, ms; durations only */
int64_t now_mono_ns(void);      /* CLOCK_MONOTONIC, ns (GPIO edges, latency) */
/*
 * The wall clock is trusted once it is past the build date and the kernel
 * does not say it is unsynchronised (adjtimex() without STA_UNSYNC, or
 * /run/systemd/timesync/synchronized exists).  Once trusted it stays so
 * for the life of the process.
 */
bool    clock_trusted(void);

/* ------------------------------------------------------------ localtime.c
 * Local calendar time in a zone under /usr/share/zoneinfo (summary.timezone).
 */
/* "HH:MM" (00:00-23:59) into minutes after midnight; -1 if malformed. */
int  localtime_parse_hhmm(const char *s, int *minutes);
/* A zone name under /usr/share/zoneinfo (a TZif file); false with why. */
bool localtime_zone_valid(const char *zone, char *err, size_t errlen);
/* [start, end) in wall ms of local date "YYYY-MM-DD" in zone; -1 with err. */
int  localtime_day_bounds(const char *zone, const char *date, int64_t *start_ms,
			int64_t *end_ms, char *err, size_t errlen);
/* The local date ("YYYY-MM-DD", buf >= 11 bytes) of a wall time in zone. */
int  localtime_date_of(const char *zone, int64_t wall_ms, char *buf, size_t len);
/*
 * A time filter: "24h", "30m", "7d" (before now), "YYYY-MM-DD" (local
 * midnight in zone), "YYYY-MM-DDTHH:MM[:SS]" (local) or with "Z" (UTC).
 */
int  localtime_parse_since(const char *zone, const char *s, int64_t now_ms,
			 int64_t *out_ms, char *err, size_t errlen);
/* The local date (days since 1970-01-01) whose summary.time is the
 * latest at or before now_ms. */
int64_t localtime_due_day(const char *zone, int minutes, int64_t now_ms);
/* Days since 1970-01-01 <-> "YYYY-MM-DD" (buf >= 11 bytes); -1 if malformed. */
void localtime_day_to_date(int64_t day, char *buf, size_t len);
int  localtime_parse_date(const char *s, int64_t *day);
/* Make zone the process's local time (TZ), if it is not already. */
void localtime_use_zone(const char *zone);
/* syszone.c: the system's zone name ("Asia/Shanghai") from the
 * /etc/localtime link or /etc/timezone into buf; returns the file it came
 * from, or NULL (buf "") when neither names a valid zone. */
const char *localtime_system_zone(char *buf, size_t len);

/* -------------------------------------------------------------- base64.c
 * Standard base64 with padding, and a file's media type from its magic.
 */
/* The largest evidence file any config may allow (records.
 * evidence_max_bytes): the control socket's request line holds one in
 * base64 with room to spare. */
#define EVIDENCE_FILE_MAX (8 * 1024 * 1024)
size_t base64_encoded_len(size_t n);
/* malloc'd, NUL-terminated; NULL on no memory. */
char  *base64_encode(const unsigned char *p, size_t n);
/* Strict: length a multiple of 4, alphabet only, '=' only at the end; the
 * decoded size at most max_out.  malloc'd bytes and *out_len, or NULL. */
unsigned char *base64_decode(const char *s, size_t len, size_t max_out, size_t *out_len);
/* "image/jpeg", "image/png", "application/pdf", "image/webp" by magic
 * bytes, else "application/octet-stream". */
const char *media_type_sniff(const unsigned char *p, size_t n);

#endif /* LIB_H */
