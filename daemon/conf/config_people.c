/*
 * config_people.c: what the site register (一企一档) needs from the file:
 * $.sites[].people, the people a hazard can be assigned to (交办), and the
 * devices' optional model, installation date, sensor life and calibration
 * date.
 *
 * A person's id names one person on the whole gateway: `hazardctl assign
 * ID PERSON`, the assignee upstream and the ledger carry the id alone, so
 * it must not mean two people.  The same person may serve several sites
 * (a grid worker): the id may then appear under each of them, with the
 * same name, role and phone every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "config_lines.h"
#include "config_parse.h"

#define PHONE_DIGITS_MIN 5      /* short service numbers are not a person's */
#define PHONE_DIGITS_MAX 20
#define SENSOR_LIFE_MAX_Y 30

static const struct field person_fields[] = {
	{ FIELD(struct person_cfg, "id", T_ID, id, CF_REQUIRED) },
	{ FIELD(struct person_cfg, "name", T_STR, name, CF_REQUIRED) },
	{ FIELD(struct person_cfg, "role", T_ENUM, role, CF_REQUIRED),
	  .choices = person_role_name, .n_choices = ROLE_COUNT, .what = "role" },
	{ FIELD(struct person_cfg, "phone", T_STR, phone, CF_NONEMPTY) },
};

/* Digits with an optional leading "+": what a dialler takes as it is. */
static bool phone_ok(const char *s)
{
	size_t n = 0;

	if (*s == '+')
		s++;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n >= PHONE_DIGITS_MIN && n <= PHONE_DIGITS_MAX;
}

static bool same_person(const struct person_cfg *a, const struct person_cfg *b)
{
	return strcmp(a->name, b->name) == 0 && a->role == b->role &&
	       strcmp(a->phone, b->phone) == 0;
}

/* An earlier entry with p's id: in this site (a duplicate) or in an
 * earlier one (the same person again, or a conflict). */
static void check_person_id(struct ctx *c, const cJSON *it, const char *pp,
			    const struct config *cfg, int si, int pi)
{
	const struct person_cfg *p = &cfg->sites[si].people[pi];
	char idp[CFG_PATH_LEN], q[80];
	int s, j;

	if (!p->id[0])
		return;
	path_key(idp, sizeof idp, pp, "id");
	for (j = 0; j < pi; j++)
		if (strcmp(cfg->sites[si].people[j].id, p->id) == 0) {
			cfg_err(c, member_line(c, it, "id"), idp,
				"duplicate person id %s (first at $.sites[%d].people[%d])",
				quote(q, sizeof q, p->id), si, j);
			return;
		}
	for (s = 0; s < si; s++)
		for (j = 0; j < cfg->sites[s].n_people; j++) {
			const struct person_cfg *o = &cfg->sites[s].people[j];

			if (strcmp(o->id, p->id) != 0)
				continue;
			if (!same_person(o, p))
				cfg_err(c, member_line(c, it, "id"), idp,
					"person id %s is already a different person at "
					"$.sites[%d].people[%d] (one id is one person: the "
					"same name, role and phone wherever it appears)",
					quote(q, sizeof q, p->id), s, j);
			return;
		}
}

/* $.sites[si].people: sites before si are parsed. */
void parse_site_people(struct ctx *c, const cJSON *site, const char *sp,
		       struct config *cfg, int si)
{
	struct site_cfg *s = &cfg->sites[si];
	const cJSON *arr, *it;
	char p[CFG_PATH_LEN], pp[CFG_PATH_LEN], php[CFG_PATH_LEN];
	int i = 0, n;

	s->people = alloc_array(c, site, sp, "people", sizeof *s->people, &arr, &n);
	if (!s->people)
		return;
	path_key(p, sizeof p, sp, "people");
	if (n > SITE_PEOPLE_MAX)
		cfg_err(c, at_key(c, arr), p, "%d people, at most %d per site", n,
			SITE_PEOPLE_MAX);
	cJSON_ArrayForEach(it, arr) {
		struct person_cfg *m = &s->people[i];

		path_index(pp, sizeof pp, p, i);
		if (!cJSON_IsObject(it)) {
			cfg_err(c, at_key(c, it), pp, "expected object, got %s", json_type(it));
			i++;
			continue;
		}
		parse_fields(c, it, pp, person_fields, ARRAY_LEN(person_fields), m);
		if (m->phone[0] && !phone_ok(m->phone)) {
			path_key(php, sizeof php, pp, "phone");
			cfg_err(c, member_line(c, it, "phone"), php,
				"phone must be %d to %d digits with an optional leading "
				"\"+\" (no spaces or dashes)", PHONE_DIGITS_MIN,
				PHONE_DIGITS_MAX);
		}
		s->n_people = i + 1;    /* check_person_id reads people[0..i] */
		check_person_id(c, it, pp, cfg, si, i);
		i++;
	}
	s->n_people = i;
}

/* ------------------------------------------------------------ dates */

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A calendar date YYYY-MM-DD from 2000 to 2099. */
static bool config_date_ok(const char *s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, i;

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			return false;
	if (s[10])
		return false;
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* An optional date key into dst (DATE_LEN); 1 set, 0 absent, -1 reported. */
static int get_date(struct ctx *c, const cJSON *obj, const char *opath, const char *key,
		    char *dst)
{
	char p[CFG_PATH_LEN], buf[64], q[80];
	const cJSON *it = get_item(c, obj, opath, key, 0, p, sizeof p);

	dst[0] = '\0';
	if (!it)
		return 0;
	if (val_string(c, it, p, CF_NONEMPTY, buf, sizeof buf) != 1)
		return -1;
	if (!config_date_ok(buf)) {
		cfg_err(c, at_key(c, it), p, "%s is not a date (expected YYYY-MM-DD, "
			"2000 to 2099)", quote(q, sizeof q, buf));
		return -1;
	}
	memcpy(dst, buf, DATE_LEN);
	return 1;
}

/*
 * A device's model, installation date, sensor life (years from the
 * installation) and calibration due date: optional, for the register.
 * The sensor's life counts from the installation, so it needs one.  Kept
 * in the config's pool only when the file gives one of them (d->reg).
 */
void parse_device_register(struct ctx *c, const cJSON *it, const char *p,
			   struct device_cfg *d)
{
	struct device_register r = { .model = "" };
	struct device_register *kept;
	char kp[CFG_PATH_LEN], model[64];
	int inst;

	get_string(c, it, p, "model", CF_NONEMPTY, NULL, model, sizeof model);
	inst = get_date(c, it, p, "installed", r.installed);
	get_double(c, it, p, "sensor_life_y", CF_MIN_EXCL, 0, 0, SENSOR_LIFE_MAX_Y,
		   &r.sensor_life_y);
	if (get_date(c, it, p, "calibration_due", r.calibration_due) == 1 && inst == 1 &&
	    strcmp(r.calibration_due, r.installed) < 0) {
		path_key(kp, sizeof kp, p, "calibration_due");
		cfg_err(c, member_line(c, it, "calibration_due"), kp,
			"calibration_due %s is before installed %s", r.calibration_due,
			r.installed);
	}
	if (cJSON_GetObjectItemCaseSensitive(it, "sensor_life_y") && inst == 0) {
		path_key(kp, sizeof kp, p, "sensor_life_y");
		cfg_err(c, member_line(c, it, "sensor_life_y"), kp,
			"sensor_life_y needs \"installed\" (the date the sensor's life "
			"counts from)");
	}
	if (!model[0] && !r.installed[0] && !r.sensor_life_y && !r.calibration_due[0])
		return;
	kept = c->pool ? strpool_alloc(c->pool, sizeof *kept) : NULL;
	if (!kept) {
		cfg_err(c, 0, NULL, "out of memory");
		return;
	}
	*kept = r;
	kept->model = cfg_intern(c, model);
	d->reg = kept;
}
