/*
 * hazard_states.c: the hazard's states by number, and a person's moves
 * between them as core/record.c decides them (docs/lifecycle.md).  Pure.
 */
#include <stdio.h>
#include <string.h>

#include "record.h"

const char *const hz_state_name[HZS_COUNT] = {
	[HZS_OPEN] = "open",
	[HZS_RECTIFYING] = "rectifying",
	[HZS_SUBMITTED] = "submitted",
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

/* A person's move by state number: core/record.c decides it
 * (record_person_next), so there is one place for the hazard's moves.
 * The view is a hazard whose condition is normal, with no wait and no
 * submitter: the state table alone. */
int lifecycle_next(const char *hazard_id, enum hz_state from, enum hz_state to,
		   char *err, size_t errlen)
{
	struct record_view v = { .kind = REC_HAZARD, .id = hazard_id };
	enum record_action a;
	const char *next;

	switch (to) {
	case HZS_RECTIFYING: a = RA_RECTIFY; break;
	case HZS_SUBMITTED: a = RA_SUBMIT; break;
	case HZS_CLOSED: a = RA_PASS; break;
	default:
		snprintf(err, errlen, "a person cannot set a hazard to \"%s\" (it is "
			 "raised open)", (unsigned)to < HZS_COUNT ? hz_state_name[to] : "?");
		return -1;
	}
	if ((unsigned)from >= HZS_COUNT) {
		snprintf(err, errlen, "hazard %s is in an unknown state", hazard_id);
		return -1;
	}
	v.state = hz_state_name[from];
	next = record_person_next(&v, a, err, errlen);
	return next ? hz_state_from_name(next) : -1;
}
