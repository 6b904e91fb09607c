/*
 * ops_ids.c: short ids (ops.h).  People read "H12" in a listing and type
 * it, or the first letters of a device's id; every front-end (the control
 * socket, the platform's commands) reaches an operation through here, so
 * each gets the same answer: the one record or device it stands for, or
 * a refusal that lists the candidates.  An id that matches nothing is
 * handed on as given, for the operation's own "no such ..." answer.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

#define CANDIDATES_SHOWN 8

/* "h12" is "H12": the letter of a record's kind is upper case */
static void normalise(const char *id, char *buf, size_t len)
{
	strlcpy_hz(buf, id, len);
	if (islower((unsigned char)buf[0]) && buf[1] && strspn(buf + 1, "0123456789") ==
	    strlen(buf + 1))
		buf[0] = (char)toupper((unsigned char)buf[0]);
}

static void *ambiguous(struct ops_error *e, const char *what, const char *id,
		       char (*cand)[ID_MAX], int shown, int n)
{
	char list[400] = "", clip[OPS_ECHO_MAX];
	size_t at = 0;
	int i;

	for (i = 0; i < shown && at < sizeof list; i++)
		at += (size_t)snprintf(list + at, sizeof list - at, "%s%s",
				       i ? ", " : "", cand[i]);
	if (n > shown && at < sizeof list)
		snprintf(list + at, sizeof list - at, " and %d more", n - shown);
	return ops_fail(e, OPS_INVALID, "%s %s is ambiguous: it may be %s",
			what, ops_clip(id, clip, sizeof clip), list);
}

const char *ops_resolve_record(struct daemon *d, const char *id, char *buf,
			       size_t len, struct ops_error *e)
{
	char cand[CANDIDATES_SHOWN][ID_MAX], part[ID_MAX];
	struct hazard_rec rec;
	int n;

	if (!d->store || store_hazard_get(d->store, id, &rec) == 0)
		return id;              /* a whole id: as before */
	/* as typed first: "a4731806" may be the start of an epoch */
	n = store_record_ids_matching(d->store, id, cand, CANDIDATES_SHOWN);
	normalise(id, part, sizeof part);
	if (n == 0 && strcmp(part, id) != 0)
		n = store_record_ids_matching(d->store, part, cand, CANDIDATES_SHOWN);
	if (n == 1 && strlcpy_hz(buf, cand[0], len) == 0)
		return buf;
	if (n > 1)
		return ambiguous(e, "record id", id, cand,
				 n < CANDIDATES_SHOWN ? n : CANDIDATES_SHOWN, n);
	return id;
}

const char *ops_resolve_device(struct daemon *d, const char *id, struct ops_error *e)
{
	char cand[CANDIDATES_SHOWN][ID_MAX];
	const char *one = NULL;
	size_t len = strlen(id);
	int i, n = 0;

	if (!d->cfg || !len || config_find_device(d->cfg, id))
		return id;
	for (i = 0; i < d->cfg->n_devices; i++) {
		const char *dev = d->cfg->devices[i].id;

		if (strncmp(dev, id, len) != 0)
			continue;
		if (n < CANDIDATES_SHOWN)
			strlcpy_hz(cand[n], dev, ID_MAX);
		one = dev;
		n++;
	}
	if (n == 1)
		return one;
	if (n > 1)
		return ambiguous(e, "device id", id, cand,
				 n < CANDIDATES_SHOWN ? n : CANDIDATES_SHOWN, n);
	return id;
}
