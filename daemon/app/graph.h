/*
 * graph.h: the objects a configuration brings and the adapters that
 * connect them (app layer).  One builder for start-up and reload: start-up
 * builds on an empty daemon, a reload builds next to the running one and
 * swaps.  A new config-dependent component is added here (graph.c) and
 * nowhere else.
 */
#ifndef APP_GRAPH_H
#define APP_GRAPH_H

#include "outputs.h"

struct daemon;
struct complaint;

/* What one config brings, built before anything running changes. */
struct graph {
	struct config       *cfg;           /* set by the caller (loaded) */
	struct devindex     *ix;            /* the loop's; may be set by the caller */
	struct devindex     *intake_ix;     /* the intake's own copy (running only) */
	struct devindex     *disc_ix;       /* discovery's (configured = skipped) */
	struct device_state *dev_state;     /* parallel to cfg->devices */
	int                  n_dev_state;   /* its length (rules_states_free) */
	struct complaint    *dev_complaint; /* the same */
	bool                *fresh;         /* device new: its rules read the store */
	struct interlock    *il;            /* NULL: no lines, no interlocks */
	struct devcmd       *devcmd;
	struct gpio         *gpio;          /* new object (none before), or NULL */
	bool                 gpio_reconfigured; /* the running one took cfg */
	int n_new, n_removed, n_new_outputs;
};

/* Where the running graph lives: the daemon's objects, the loop's own and
 * the long-lived transports that take a new config in place. */
struct graph_home {
	struct daemon     *d;               /* d->cfg NULL: start-up, empty */
	struct config     *boot_cfg;        /* main()'s own struct: never free()d */
	struct devindex  **ix;              /* the loop's topic index */
	struct complaint **dev_complaint;   /* the loop's, parallel to devices */
	struct intake     *in;              /* NULL: not there (yet) */
	struct discovery  *disc;            /* NULL: discovery off (or not yet) */
};

/*
 * Everything that can fail, against g->cfg only: topic indexes, device
 * state (carried over by device id from the running config), the
 * platform's rule overrides laid over the file's, device commands,
 * interlocks (carrying latches by output name) and the GPIO lines (last:
 * a reconfigured line request cannot be undone).  0, or -1 with err; on
 * -1 graph_free(g) undoes it and nothing running changed.
 */
int  graph_build(const struct graph_home *h, struct graph *g, char *err, size_t errlen);
/*
 * Swap g into h (cannot fail; the old config is freed last), connect the
 * adapters, mirror sites and devices in the database and give new
 * devices their rules' memory and presence from it.  g is left empty.
 * Returns -1 when the mirror could not be written (everything else is in
 * place).
 */
int  graph_commit(const struct graph_home *h, struct graph *g);
void graph_free(struct graph *g);
/* The intake arrived (start-up: it starts after privileges are dropped):
 * device commands publish through it and watch its flood buckets. */
void graph_attach_intake(struct daemon *d, struct intake *in);
/* The rules' memory from the open records of the database, for the
 * devices marked in fresh (NULL: every device). */
void graph_restore_rules(struct store *st, const struct config *cfg,
			 struct device_state *ds, const bool *fresh);

#endif /* APP_GRAPH_H */
