/*
 * hazardctl_commands.c: the command table: which commands there are,
 * the positional arguments each one takes, and which options belong to
 * which command.  A command line that fails here is refused before
 * hazardd is asked anything (exit status 2).
 */
#include <stdio.h>
#include <string.h>

#include "hazardctl.h"

/* The listings: one kind of record, or all three. */
bool hzc_is_listing(const char *cmd)
{
	return strcmp(cmd, "hazards") == 0 || strcmp(cmd, "alarms") == 0 ||
	       strcmp(cmd, "faults") == 0 || strcmp(cmd, "records") == 0;
}

/* The listings', report's and ledger's options: -1 fine, else the exit
 * status. */
static int hzc_report_check(const struct hzc_opts *o)
{
	bool hazards = hzc_is_listing(o->cmd);
	bool ledger = strcmp(o->cmd, "ledger") == 0;

	if ((o->state || o->severity || o->since) && !hazards)
		return hzc_usage_error("--state, --severity and --since belong to "
				       "the listings, not \"%s\"", o->cmd);
	if (o->site && !hazards && !ledger)
		return hzc_usage_error("--site belongs to \"hazards\" and \"ledger\", "
				       "not \"%s\"", o->cmd);
	if ((o->weekly || o->week) && strcmp(o->cmd, "report") != 0)
		return hzc_usage_error("--weekly and --week belong to \"report\", not \"%s\"",
				       o->cmd);
	if (o->week && !o->weekly)
		return hzc_usage_error("%s", "--week goes with report --weekly");
	if (o->weekly && o->date)
		return hzc_usage_error("%s", "report --weekly takes --week, not --date");
	if (o->date && strcmp(o->cmd, "report") != 0)
		return hzc_usage_error("--date belongs to \"report\", not \"%s\"", o->cmd);
	if (o->format && !ledger)
		return hzc_usage_error("--format belongs to \"ledger\", not \"%s\"", o->cmd);
	if (ledger && (!o->site || !*o->site))
		return hzc_usage_error("%s", "ledger needs --site ID");
	if (o->format && strcmp(o->format, "csv") != 0 && strcmp(o->format, "json") != 0)
		return hzc_usage_error("--format \"%s\": expected csv or json", o->format);
	return -1;
}

/* A person's move on a record: ack, rectifying, close, submit, verify,
 * verify-alarm, dismiss; and raise (a hazard by hand), which takes a
 * note and an actor like them. */
static bool hzc_is_transition(const char *cmd)
{
	return strcmp(cmd, "close") == 0 || strcmp(cmd, "ack") == 0 ||
	       strcmp(cmd, "rectifying") == 0 || strcmp(cmd, "verify-alarm") == 0 ||
	       strcmp(cmd, "dismiss") == 0 || strcmp(cmd, "submit") == 0 ||
	       strcmp(cmd, "verify") == 0 || strcmp(cmd, "raise") == 0 ||
	       strcmp(cmd, "assign") == 0 || strcmp(cmd, "selfcheck") == 0 ||
	       strcmp(cmd, "supervise") == 0;
}

/* Commands whose note is required: the write-off and re-inspection. */
static bool hzc_needs_note(const char *cmd)
{
	return strcmp(cmd, "close") == 0 || strcmp(cmd, "submit") == 0 ||
	       strcmp(cmd, "verify") == 0 || strcmp(cmd, "raise") == 0;
}

/* The command in o->cmd and its positional arguments pos[1..npos-1]
 * into o; -1 to continue, or an exit status. */
int hzc_command_args(struct hzc_opts *o, const char *const *pos, int npos)
{
	int want = 1, i;

	if (strcmp(o->cmd, "verify-alarm") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "verify-alarm needs an ID and real, "
					       "false or test");
		o->id = pos[1];
		o->verdict = pos[2];
		want = 3;
		if (strcmp(o->verdict, "real") != 0 && strcmp(o->verdict, "false") != 0 &&
		    strcmp(o->verdict, "test") != 0)
			return hzc_usage_error("verify-alarm: \"%s\" is not real, false "
					       "or test", o->verdict);
	} else if (strcmp(o->cmd, "verify") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "verify needs an ID and pass or fail");
		o->id = pos[1];
		o->result = pos[2];
		want = 3;
		if (strcmp(o->result, "pass") != 0 && strcmp(o->result, "fail") != 0)
			return hzc_usage_error("verify: \"%s\" is neither pass nor fail",
					       o->result);
	} else if (strcmp(o->cmd, "raise") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "raise needs a SITE and a hazard TYPE");
		o->site = pos[1];
		o->type = pos[2];
		want = 3;
		if (o->severity && strcmp(o->severity, "general") != 0 &&
		    strcmp(o->severity, "major") != 0)
			return hzc_usage_error("raise: --severity \"%s\" is neither general "
					       "nor major", o->severity);
	} else if (strcmp(o->cmd, "assign") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "assign needs a hazard ID and a PERSON "
					       "id");
		o->id = pos[1];
		o->person = pos[2];
		want = 3;
	} else if (strcmp(o->cmd, "checklist") == 0) {
		if (npos < 2)
			return hzc_usage_error("%s", "checklist needs a SITE");
		o->site = pos[1];
		want = 2;
	} else if (strcmp(o->cmd, "selfcheck") == 0) {
		if (npos < 2)
			return hzc_usage_error("%s", "selfcheck needs a SITE (and ITEM=ok|fail "
					       "for every item of its checklist)");
		o->site = pos[1];
		o->items = pos + 2;
		o->n_items = npos - 2;
		want = npos;
		for (i = 0; i < o->n_items; i++) {
			const char *eq = strchr(o->items[i], '=');

			if (!eq || eq == o->items[i] ||
			    (strcmp(eq, "=ok") != 0 && strcmp(eq, "=fail") != 0))
				return hzc_usage_error("selfcheck: \"%s\" is not ITEM=ok or "
						       "ITEM=fail", o->items[i]);
		}
		if (o->n_items == 0 && (o->note || o->actor))
			return hzc_usage_error("%s", "selfcheck SITE alone lists the "
					       "checklist; --note and --actor go with items");
	} else if (strcmp(o->cmd, "hazard") == 0 || strcmp(o->cmd, "show") == 0 ||
		   hzc_is_transition(o->cmd)) {
		if (npos < 2)
			return hzc_usage_error("%s needs an ID", o->cmd);
		o->id = pos[1];
		want = 2;
	} else if (strcmp(o->cmd, "reset") == 0 || strcmp(o->cmd, "test") == 0) {
		if (npos < 2)
			return hzc_usage_error("%s needs an OUTPUT name", o->cmd);
		o->id = pos[1];
		want = 2;
	} else if (strcmp(o->cmd, "switch") == 0) {
		if (npos < 3)
			return hzc_usage_error("%s", "switch needs a DEVICE and on or off");
		o->id = pos[1];
		o->set = pos[2];
		want = 3;
		if (strcmp(o->set, "on") != 0 && strcmp(o->set, "off") != 0)
			return hzc_usage_error("switch: \"%s\" is neither on nor off", o->set);
	} else if (strcmp(o->cmd, "alert") == 0) {
		if (npos < 3 || strcmp(pos[1], "test") != 0)
			return hzc_usage_error("%s", "alert test needs a CONTACT");
		o->person = pos[2];
		want = 3;
	} else if (strcmp(o->cmd, "report") == 0 || strcmp(o->cmd, "ledger") == 0) {
		;       /* options only: hzc_report_check */
	} else if (strcmp(o->cmd, "status") != 0 && strcmp(o->cmd, "devices") != 0 &&
		   !hzc_is_listing(o->cmd) && strcmp(o->cmd, "outputs") != 0 &&
		   strcmp(o->cmd, "rules") != 0 &&
		   strcmp(o->cmd, "reload") != 0) {
		return hzc_usage_error("unknown command \"%s\"", o->cmd);
	}
	if (npos > want)
		return hzc_usage_error("unexpected argument \"%s\"", pos[want]);
	return -1;
}

/* Each option belongs to some commands only; -1 fine, else the exit
 * status. */
int hzc_command_check(const struct hzc_opts *o)
{
	int i;

	if (o->open && !hzc_is_listing(o->cmd))
		return hzc_usage_error("--open belongs to the listings, not \"%s\"", o->cmd);
	if (o->verbose && strcmp(o->cmd, "status") != 0)
		return hzc_usage_error("--verbose belongs to \"status\", not \"%s\"", o->cmd);
	if (o->unknown && strcmp(o->cmd, "devices") != 0)
		return hzc_usage_error("--unknown belongs to \"devices\", not \"%s\"", o->cmd);
	if (o->channel && strcmp(o->cmd, "alert") != 0)
		return hzc_usage_error("--channel belongs to \"alert test\", not \"%s\"", o->cmd);
	if (o->device && strcmp(o->cmd, "raise") != 0)
		return hzc_usage_error("--device belongs to \"raise\", not \"%s\"", o->cmd);
	if (o->device && !*o->device)
		return hzc_usage_error("%s", "--device must not be empty");
	if (strcmp(o->cmd, "raise") != 0 && strcmp(o->cmd, "selfcheck") != 0 &&
	    strcmp(o->cmd, "checklist") != 0 && (i = hzc_report_check(o)) >= 0)
		return i;
	if (strcmp(o->cmd, "raise") == 0 && (o->state || o->since || o->date || o->format))
		return hzc_usage_error("%s", "raise takes --note, --device, --severity and "
				       "--actor");
	if (o->actor && strcmp(o->cmd, "switch") == 0 && !o->note)
		return *o->actor ? -1 : hzc_usage_error("%s", "--actor must not be empty");
	if (o->actor && strcmp(o->cmd, "reset") == 0 && !o->note)
		return *o->actor ? -1 : hzc_usage_error("%s", "--actor must not be empty");
	if ((o->note || o->actor) && !hzc_is_transition(o->cmd))
		return hzc_usage_error("--note and --actor belong to a person's move "
				       "(ack, rectifying, submit, verify, close, ...), "
				       "not \"%s\"", o->cmd);
	if ((o->evidence || o->n_evidence_files) && strcmp(o->cmd, "close") != 0 &&
	    strcmp(o->cmd, "submit") != 0)
		return hzc_usage_error("--evidence belongs to \"submit\" and \"close\", "
				       "not \"%s\"", o->cmd);
	if (o->evidence && !*o->evidence)
		return hzc_usage_error("%s", "--evidence must not be empty");
	if (o->note && !*o->note && !hzc_needs_note(o->cmd))
		return hzc_usage_error("%s", "--note must not be empty");
	if (o->actor && !*o->actor && hzc_is_transition(o->cmd))
		return hzc_usage_error("%s", "--actor must not be empty");
	if (hzc_needs_note(o->cmd) && (!o->note || !*o->note))
		return hzc_usage_error(strcmp(o->cmd, "raise") == 0 ?
				       "%s needs --note TEXT: what was found?" :
				       strcmp(o->cmd, "verify") == 0 ?
				       "%s needs --note TEXT: what the re-inspection found" :
				       "%s needs --note TEXT: how was the hazard rectified?",
				       o->cmd);
	return -1;
}
