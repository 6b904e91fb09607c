/*
 * core/alert_plan.h: who is told what, when, about a record, without the
 * platform (docs/alerts.md).  Pure: given a record event, the config's
 * alert rules, the site's people and the extra contacts, it says which
 * sends a record's alert chain holds (each with its round and when it is
 * due after the raise), whether an event stops the chain, and the text of
 * one message.  The daemon (app/alerts.c) stores and sends what this
 * decides.
 *
 * A chain starts at a record's "raised" event and stops at the first
 * person's action on it (acknowledged, verified, closed, dismissed,
 * rectifying, submitted: every front-end ends up in one of those events)
 * or, for a fault, its clearing.  Round r is due (r - 1) * escalate_after
 * after the raise and goes to the first r entries of the rule's "to"
 * (owner, then also safety_manager, then also grid_worker), so nobody
 * already told is dropped when it escalates.
 */
#ifndef HAZARDD_CORE_ALERT_PLAN_H
#define HAZARDD_CORE_ALERT_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib.h"
#include "types.h"
#include "record.h"
#include "model.h"

#define ALERT_WEBHOOKS_MAX  8
#define ALERT_CONTACTS_MAX  32
#define ALERT_RULES_MAX     16
#define ALERT_CHANNELS_MAX  4       /* channels of one rule */
#define ALERT_TO_MAX        8       /* recipients of one rule */
#define ALERT_ROUNDS_MAX    10
#define ALERT_CHANNEL_LEN   (ID_MAX + 8)    /* "sms", "voice", "webhook:ID" */
#define ALERT_URL_MAX       512
#define ALERT_TEXT_MAX      512     /* bytes of one message's text */
#define ALERT_SMS_CHARS     70      /* one UCS-2 SMS */
/* a chain's sends: rounds x recipients x channels */
#define ALERT_PLAN_MAX      (ALERT_ROUNDS_MAX * ALERT_TO_MAX * ALERT_CHANNELS_MAX)

/* The default rule (no "rules" configured). */
#define ALERT_DEFAULT_ESCALATE_MIN 5.0
#define ALERT_DEFAULT_ROUNDS       3

enum alert_lang { ALERT_LANG_ZH = 0, ALERT_LANG_EN, ALERT_LANG_COUNT };
extern const char *const alert_lang_name[ALERT_LANG_COUNT];     /* "zh", "en" */

enum webhook_type { WEBHOOK_WECOM = 0, WEBHOOK_DINGTALK, WEBHOOK_JSON, WEBHOOK_TYPE_COUNT };
extern const char *const webhook_type_name[WEBHOOK_TYPE_COUNT]; /* "wecom", ... */

/* One of $.alerts.contacts: someone to tell who is not one of a site's
 * people (a landlord, a company's duty phone). */
struct alert_contact {
	char id[ID_MAX];
	char name[PERSON_NAME_MAX];
	char phone[PHONE_MAX];
	enum alert_lang lang;
};

struct alert_webhook {
	char id[ID_MAX];
	enum webhook_type type;
	char url[ALERT_URL_MAX];
	char secret_file[PATH_MAX_HZ];  /* DingTalk's signing secret; "" none */
	char ca_file[PATH_MAX_HZ];      /* trust these CAs instead of the system's */
	int  timeout_s;
};

struct alert_rule {
	int  kind;                      /* enum record_kind */
	int  type;                      /* enum hazard_type; -1 any */
	int  severity;                  /* enum severity; -1 any */
	char channels[ALERT_CHANNELS_MAX][ALERT_CHANNEL_LEN];
	int  n_channels;
	/* a role name (owner, safety_manager, grid_worker, installer) or
	 * the id of a contact or of a site's person */
	char to[ALERT_TO_MAX][ID_MAX];
	int  n_to;
	double escalate_after_min;
	int  max_rounds;
};

/* $.alerts (conf/config_alerts.c) */
struct alerts_cfg {
	struct {
		char device[PATH_MAX_HZ];       /* "" no modem */
		int  baud;
		char pin[16];
		int  ring_s;
		int  timeout_ms;
	} modem;
	struct alert_webhook webhooks[ALERT_WEBHOOKS_MAX];
	int  n_webhooks;
	struct alert_contact contacts[ALERT_CONTACTS_MAX];
	int  n_contacts;
	struct alert_rule rules[ALERT_RULES_MAX];
	int  n_rules;                   /* 0: the default rule */
	int  fail_fault_after;          /* consecutive failures that raise a fault */
};

/* The rule used when none are configured: every alarm, by SMS, to the
 * owner at once, then also the safety manager, then also the grid worker,
 * 5 minutes apart, 3 rounds. */
void alert_rule_default(struct alert_rule *out);

/* What the plan needs of the record and its event. */
struct alert_event {
	enum record_kind kind;
	enum hazard_type type;
	enum severity    severity;
	const char      *event;         /* "raised", "acknowledged", ... */
	enum verdict     verdict;
	bool             flapping;      /* the record's condition flaps */
	/* an earlier chain of the same device and type is still running (a
	 * condition that ends and comes back is one episode until someone
	 * answers or the chain runs out) */
	bool             episode_open;
};

/* One send of a chain. */
struct alert_send {
	int     round;                  /* 1.. */
	int64_t due_after_ms;           /* after the raise */
	char    contact[ID_MAX];
	char    channel[ALERT_CHANNEL_LEN];
};

/* Does the event start a chain that pages someone?  Not for a test or a
 * false alarm (verdict set), a flapping record, or an episode already
 * paged. */
bool alert_event_pages(const struct alert_event *ev);

/* Does the event stop the record's chain (a person answered, or a fault
 * cleared)? */
bool alert_event_stops(enum record_kind kind, const char *event);

/* The first rule matching the record (the default when n_rules is 0);
 * NULL: none does. */
const struct alert_rule *alert_rule_for(const struct alerts_cfg *a,
					const struct alert_event *ev,
					struct alert_rule *dflt);

/*
 * The chain for a raised record: up to max sends in out, round by round.
 * SMS and voice go to each recipient with a phone; a webhook posts once a
 * round to its group, naming the round's newest recipient.  Recipients
 * are resolved from to[]: a role is every site person with it, an id a
 * contact or a site person.  Returns the number of sends (0: nobody).
 */
int alert_plan(const struct alerts_cfg *a, const struct alert_event *ev,
	       const struct person_cfg *people, int n_people,
	       struct alert_send *out, int max);

/* A recipient's phone and language: a contact, else a site person (their
 * language zh); false when the id is neither. */
bool alert_contact_find(const struct alerts_cfg *a, const struct person_cfg *people,
			int n_people, const char *id, char *phone, size_t phone_len,
			enum alert_lang *lang);

/* The facts a message carries. */
struct alert_facts {
	enum record_kind kind;
	enum hazard_type type;
	enum severity    severity;
	const char *site_name;
	const char *address;
	const char *device;
	const char *value;              /* "gas_lel 62" or "" */
	const char *time_hhmm;          /* local time, "02:14" */
	int  round;
	bool test;                      /* hazardctl alert test */
};

/*
 * The message in lang, within one SMS (ALERT_SMS_CHARS characters, 160
 * when it is all ASCII: GSM 7-bit) when that can
 * be done by shortening the address, then the site's name, then the
 * device (never the kind of danger or the time).  Returns its length in
 * characters (code points).
 */
int alert_text(enum alert_lang lang, const struct alert_facts *f, char *out, size_t outlen);

/* Code points in a UTF-8 string. */
int alert_utf8_chars(const char *s);

#endif /* HAZARDD_CORE_ALERT_PLAN_H */
