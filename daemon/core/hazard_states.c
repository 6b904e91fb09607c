/*
 * hazard_states.c: the hazard's states by number and the moves a person
 * may make between them (docs/lifecycle.md), as one table.  Pure.
 */
#include <stdio.h>
#include <string.h>

#include "record.h"

const char *const hz_state_name[HZS_COUNT] = {
	[HZS_OPEN] = "open",
	[HZS_ACKNOWLEDGED] = "acknowledged",
	[HZS_RECTIFYING] = "rectifying",
	[HZS_CLEARED] = "cleared",
	[HZS_CLOSED] = "closed",
};

int hz_state_from_name(const char *name)
{
	int i;

	for (i = 0; name && i < HZS_COUNT; i++)
		if (strcmp(hz_state_name[i], name) == 0)
			return i;
	return -1;
}

/*
 * A person's actions (columns) from each state (rows): the resulting
 * state, or a refusal.  A cleared hazard keeps its state when someone
 * acknowledges it or reports work on it: cleared is what the sensor says,
 * and only a write-off moves it further.
 */
enum { ACT_ACK, ACT_RECTIFY, ACT_CLOSE, ACT_COUNT };

struct move {
	int         to;         /* resulting state, or -1: refused */
	const char *why;        /* refusal: "<state>; cannot <verb>" is added */
};

static const struct move person_moves[HZS_COUNT][ACT_COUNT] = {
	[HZS_OPEN] = {
		[ACT_ACK]     = { HZS_ACKNOWLEDGED, NULL },
		[ACT_RECTIFY] = { HZS_RECTIFYING, NULL },
		[ACT_CLOSE]   = { -1, "its condition has not cleared" },
	},
	[HZS_ACKNOWLEDGED] = {
		[ACT_ACK]     = { -1, "already acknowledged" },
		[ACT_RECTIFY] = { HZS_RECTIFYING, NULL },
		[ACT_CLOSE]   = { -1, "its condition has not cleared" },
	},
	[HZS_RECTIFYING] = {
		[ACT_ACK]     = { -1, "already acknowledged (rectification is under way)" },
		[ACT_RECTIFY] = { -1, "already reported as rectifying" },
		[ACT_CLOSE]   = { -1, "its condition has not cleared" },
	},
	[HZS_CLEARED] = {
		[ACT_ACK]     = { HZS_CLEARED, NULL },
		[ACT_RECTIFY] = { HZS_CLEARED, NULL },
		[ACT_CLOSE]   = { HZS_CLOSED, NULL },
	},
	[HZS_CLOSED] = {
		[ACT_ACK]     = { -1, NULL },
		[ACT_RECTIFY] = { -1, NULL },
		[ACT_CLOSE]   = { -1, NULL },
	},
};

static const char *const act_verb[ACT_COUNT] = {
	[ACT_ACK] = "acknowledge", [ACT_RECTIFY] = "report rectification",
	[ACT_CLOSE] = "close",
};

int lifecycle_next(const char *hazard_id, enum hz_state from, enum hz_state to,
		   char *err, size_t errlen)
{
	const struct move *m;
	int act;

	switch (to) {
	case HZS_ACKNOWLEDGED: act = ACT_ACK; break;
	case HZS_RECTIFYING: act = ACT_RECTIFY; break;
	case HZS_CLOSED: act = ACT_CLOSE; break;
	default:
		snprintf(err, errlen, "a person cannot set a hazard to \"%s\" (the "
		     "sensor decides open and cleared)",
		     (unsigned)to < HZS_COUNT ? hz_state_name[to] : "?");
		return -1;
	}
	if ((unsigned)from >= HZS_COUNT) {
		snprintf(err, errlen, "hazard %s is in an unknown state", hazard_id);
		return -1;
	}
	m = &person_moves[from][act];
	if (m->to >= 0)
		return m->to;
	if (m->why)
		snprintf(err, errlen, "hazard %s is %s: %s; cannot %s", hazard_id,
		     hz_state_name[from], m->why, act_verb[act]);
	else
		snprintf(err, errlen, "hazard %s is %s; cannot %s", hazard_id,
		     hz_state_name[from], act_verb[act]);
	return -1;
}
