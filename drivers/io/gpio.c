/*
 * gpio.c: dry-contact inputs and relay outputs on GPIO lines.
 *
 * Two layers.  The backend (bottom of this file for libgpiod 1.6; a fake
 * in tests/unit/test_gpio.c) moves raw levels and edge events.  Above it,
 * this file owns polarity (active_low is applied here, not by the kernel,
 * so the fake backend and the kernel see the same raw levels) and software
 * debounce: a level counts only once it has held for debounce_ms, so a
 * bouncing relay contact raises one hazard, not one per bounce.  Edges are
 * read in batches from the line-request fds, by the daemon's GPIO thread
 * (daemon/app/gpio_thread.c, under its lock) or, without it, inside the
 * loop's poll; nothing here blocks.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#include "device_io.h"

#define GPIO_EDGE_BATCH 16
#define GPIO_CONSUMER   "hazardd"

struct gpio_in {
	const struct gpio_in_cfg *cfg;
	void   *h;
	int     pfd_index;              /* in the last gpio_pollfds set; -1 none */
	bool    stable;                 /* debounced, logical (asserted) */
	bool    cur;                    /* latest level seen, logical */
	int64_t cur_since_ns;           /* when cur began */
	struct complaint complaint;
};

struct gpio_out {
	const struct gpio_out_cfg *cfg;
	void   *h;
};

struct gpio {
	const struct gpio_backend *be;
	struct gpio_in  *in;
	int              n_in;
	struct gpio_out *out;
	int              n_out;
};

/* ------------------------------------------------------------ lines */

struct gpio *gpio_new(const struct config *cfg, const struct gpio_backend *be,
		      const bool *out_on, char *err, size_t errlen)
{
	struct gpio *g = calloc(1, sizeof *g);
	char why[160];
	int i;

	if (!g)
		goto err_nomem;
	g->be = be;
	g->in = calloc((size_t)cfg->n_inputs + 1, sizeof *g->in);
	g->out = calloc((size_t)cfg->n_outputs + 1, sizeof *g->out);
	if (!g->in || !g->out)
		goto err_nomem;
	/* outputs first: a valve that must stay closed is held before any
	 * input can report anything */
	for (; g->n_out < cfg->n_outputs; g->n_out++) {
		struct gpio_out *o = &g->out[g->n_out];

		o->cfg = &cfg->outputs[g->n_out];
		o->h = be->request_output(o->cfg->chip, o->cfg->line,
					  (out_on && out_on[g->n_out]) ^ o->cfg->active_low,
					  why, sizeof why);
		if (!o->h) {
			errf(err, errlen, "gpio output %s (%s line %d): %s", o->cfg->name,
			     o->cfg->chip, o->cfg->line, why);
			goto err_free;
		}
	}
	for (; g->n_in < cfg->n_inputs; g->n_in++) {
		struct gpio_in *in = &g->in[g->n_in];

		in->cfg = &cfg->inputs[g->n_in];
		in->pfd_index = -1;
		in->h = be->request_input(in->cfg->chip, in->cfg->line, in->cfg->bias,
					  why, sizeof why);
		if (!in->h) {
			errf(err, errlen, "gpio input %s (%s line %d): %s", in->cfg->name,
			     in->cfg->chip, in->cfg->line, why);
			goto err_free;
		}
	}
	for (i = 0; i < g->n_in; i++)
		g->in[i].stable = g->in[i].cur = false;
	return g;

err_nomem:
	errf(err, errlen, "out of memory");
err_free:
	gpio_free(g);
	return NULL;
}

void gpio_free(struct gpio *g)
{
	int i;

	if (!g)
		return;
	/* released outputs fall back to the line's default: that is the
	 * hardware's fail-safe, decided by the wiring, not by us */
	for (i = 0; i < g->n_in; i++)
		if (g->in[i].h)
			g->be->release(g->in[i].h);
	for (i = 0; i < g->n_out; i++)
		if (g->out[i].h)
			g->be->release(g->out[i].h);
	free(g->in);
	free(g->out);
	free(g);
}

int gpio_pollfds(struct gpio *g, struct pollfd *pfd, int max)
{
	int i, n = 0, fd;

	if (!g)
		return 0;
	for (i = 0; i < g->n_in; i++) {
		g->in[i].pfd_index = -1;
		if (!g->in[i].h)
			continue;       /* lost in a reload: see gpio_reconfigure */
		fd = g->be->fd(g->in[i].h);
		if (fd < 0 || n == max)
			continue;
		pfd[n] = (struct pollfd){ .fd = fd, .events = POLLIN };
		g->in[i].pfd_index = n++;
	}
	return n;
}

static bool gpio_logical(const struct gpio_in *in, int level)
{
	return (level != 0) != in->cfg->active_low;
}

/* A level seen at ts_ns: restarts the debounce clock only if it differs
 * from the latest one, so a line that bounces back keeps its old state. */
static void gpio_note(struct gpio_in *in, bool v, int64_t ts_ns)
{
	if (v == in->cur)
		return;
	in->cur = v;
	in->cur_since_ns = ts_ns;
}

static void gpio_drain(struct gpio *g, struct gpio_in *in)
{
	struct gpio_edge ev[GPIO_EDGE_BATCH];
	int n, k, rounds;

	if (!in->h)
		return;
	/* bounded: a line chattering faster than we read must not starve
	 * the rest of the loop; the fd stays readable for the next pass */
	for (rounds = 0; rounds < 8; rounds++) {
		n = g->be->read_edges(in->h, ev, GPIO_EDGE_BATCH);
		if (n < 0) {
			complain(&in->complaint, "gpio input %s: cannot read edge events",
				 in->cfg->name);
			return;
		}
		for (k = 0; k < n; k++)
			gpio_note(in, gpio_logical(in, ev[k].level), ev[k].ts_ns);
		if (n < GPIO_EDGE_BATCH)
			return;
	}
}

int gpio_collect(struct gpio *g, const struct pollfd *pfd, int n, int64_t now_ns,
		 struct gpio_change *out, int max)
{
	int i, c = 0;

	if (!g)
		return 0;
	for (i = 0; i < g->n_in; i++) {
		struct gpio_in *in = &g->in[i];

		if (in->pfd_index < 0 || (in->pfd_index < n &&
					  (pfd[in->pfd_index].revents & (POLLIN | POLLERR))))
			gpio_drain(g, in);
	}
	for (i = 0; i < g->n_in && c < max; i++) {
		struct gpio_in *in = &g->in[i];

		if (in->cur == in->stable ||
		    now_ns - in->cur_since_ns < (int64_t)in->cfg->debounce_ms * 1000000)
			continue;
		in->stable = in->cur;
		out[c++] = (struct gpio_change){ .input = i, .asserted = in->stable,
						 .edge_ns = in->cur_since_ns };
	}
	return c;
}

int gpio_read_all(struct gpio *g, int64_t now_ns, struct gpio_change *out, int max)
{
	int i, c = 0, level;

	if (!g)
		return 0;
	for (i = 0; i < g->n_in && c < max; i++) {
		struct gpio_in *in = &g->in[i];

		level = in->h ? g->be->get(in->h) : -1;
		if (level < 0) {
			complain(&in->complaint, "gpio input %s: cannot read its level",
				 in->cfg->name);
			continue;
		}
		/* drop edges queued before this read: the level supersedes them */
		gpio_drain(g, in);
		in->stable = in->cur = gpio_logical(in, level);
		in->cur_since_ns = now_ns;
		out[c++] = (struct gpio_change){ .input = i, .asserted = in->stable,
						 .edge_ns = now_ns };
	}
	return c;
}

int64_t gpio_next_due_ms(const struct gpio *g)
{
	int64_t ns = gpio_next_due_ns(g);

	/* rounded up: a poll() woken a little early would find nothing due */
	return ns == INT64_MAX ? INT64_MAX : (ns + 999999) / 1000000;
}

int64_t gpio_next_due_ns(const struct gpio *g)
{
	int64_t due = INT64_MAX, t;
	int i;

	for (i = 0; g && i < g->n_in; i++) {
		const struct gpio_in *in = &g->in[i];

		if (in->cur == in->stable)
			continue;
		t = in->cur_since_ns + (int64_t)in->cfg->debounce_ms * 1000000;
		if (t < due)
			due = t;
	}
	return due;
}

int gpio_output_write(struct gpio *g, int output, bool on)
{
	struct gpio_out *o;

	if (!g || output < 0 || output >= g->n_out)
		return -1;
	o = &g->out[output];
	if (!o->h)
		return -1;
	return g->be->set(o->h, on ^ o->cfg->active_low);
}

bool gpio_input_asserted(const struct gpio *g, int input)
{
	return g && input >= 0 && input < g->n_in && g->in[input].stable;
}

bool gpio_hazard_on(const struct gpio_in_cfg *in, bool asserted)
{
	/* a supervised loop is healthy while closed: a cut wire, a removed
	 * detector or a tripped NC contact all read as open, never as silence */
	return in->nc_supervision ? !asserted : asserted;
}

/* ------------------------------------------------------------ reload */

static bool gpio_in_same(const struct gpio_in_cfg *a, const struct gpio_in_cfg *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->chip, b->chip) == 0 &&
	       a->line == b->line && a->active_low == b->active_low && a->bias == b->bias;
}

static bool gpio_out_same(const struct gpio_out_cfg *a, const struct gpio_out_cfg *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->chip, b->chip) == 0 &&
	       a->line == b->line && a->active_low == b->active_low;
}

/* Is chip/line held by an old request that is about to be released? */
static bool gpio_line_going(const struct gpio *g, const bool *in_kept,
			    const bool *out_kept, const char *chip, int line)
{
	int j;

	for (j = 0; j < g->n_in; j++)
		if (!in_kept[j] && g->in[j].cfg->line == line &&
		    strcmp(g->in[j].cfg->chip, chip) == 0)
			return true;
	for (j = 0; j < g->n_out; j++)
		if (!out_kept[j] && g->out[j].cfg->line == line &&
		    strcmp(g->out[j].cfg->chip, chip) == 0)
			return true;
	return false;
}

/*
 * Three steps so that a failure changes nothing: keep what is unchanged,
 * request the lines nobody holds yet (undone on failure), and only then
 * release the old requests and request the lines that moved between
 * names.  That last request can only fail if the kernel refuses a line we
 * held a moment ago; the line is then left without a handle (its input
 * silent, its output failing every write, both reported) until the next
 * reload or restart.
 */
int gpio_reconfigure(struct gpio *g, const struct config *cfg, const bool *out_on,
		     char *err, size_t errlen)
{
	struct gpio_in *nin = calloc((size_t)cfg->n_inputs + 1, sizeof *nin);
	struct gpio_out *nout = calloc((size_t)cfg->n_outputs + 1, sizeof *nout);
	bool *in_kept = calloc((size_t)g->n_in + 1, sizeof *in_kept);
	bool *out_kept = calloc((size_t)g->n_out + 1, sizeof *out_kept);
	bool *fresh_in = calloc((size_t)cfg->n_inputs + 1, sizeof *fresh_in);
	bool *fresh_out = calloc((size_t)cfg->n_outputs + 1, sizeof *fresh_out);
	char why[160];
	int i, j, rc = -1;

	if (!nin || !nout || !in_kept || !out_kept || !fresh_in || !fresh_out) {
		errf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < cfg->n_outputs; i++) {
		nout[i].cfg = &cfg->outputs[i];
		for (j = 0; j < g->n_out; j++)
			if (!out_kept[j] && g->out[j].h &&
			    gpio_out_same(g->out[j].cfg, nout[i].cfg)) {
				nout[i].h = g->out[j].h;        /* keeps its level */
				out_kept[j] = true;
				break;
			}
	}
	for (i = 0; i < cfg->n_inputs; i++) {
		nin[i].cfg = &cfg->inputs[i];
		nin[i].pfd_index = -1;
		for (j = 0; j < g->n_in; j++)
			if (!in_kept[j] && g->in[j].h &&
			    gpio_in_same(g->in[j].cfg, nin[i].cfg)) {
				nin[i] = g->in[j];              /* debounce state too */
				nin[i].cfg = &cfg->inputs[i];
				/* the loop's pollfd set of this pass is
				 * the old order: drain, do not trust it */
				nin[i].pfd_index = -1;
				in_kept[j] = true;
				break;
			}
	}
	/* 2: lines nobody holds now */
	for (i = 0; i < cfg->n_outputs; i++) {
		struct gpio_out *o = &nout[i];

		if (o->h || gpio_line_going(g, in_kept, out_kept, o->cfg->chip, o->cfg->line))
			continue;
		o->h = g->be->request_output(o->cfg->chip, o->cfg->line,
					     (out_on && out_on[i]) ^ o->cfg->active_low,
					     why, sizeof why);
		if (!o->h) {
			errf(err, errlen, "gpio output %s (%s line %d): %s", o->cfg->name,
			     o->cfg->chip, o->cfg->line, why);
			goto undo;
		}
		fresh_out[i] = true;
	}
	for (i = 0; i < cfg->n_inputs; i++) {
		struct gpio_in *in = &nin[i];

		if (in->h || gpio_line_going(g, in_kept, out_kept, in->cfg->chip, in->cfg->line))
			continue;
		in->h = g->be->request_input(in->cfg->chip, in->cfg->line, in->cfg->bias,
					     why, sizeof why);
		if (!in->h) {
			errf(err, errlen, "gpio input %s (%s line %d): %s", in->cfg->name,
			     in->cfg->chip, in->cfg->line, why);
			goto undo;
		}
		fresh_in[i] = true;
	}
	/* 3: the point of no return */
	for (j = 0; j < g->n_in; j++)
		if (!in_kept[j] && g->in[j].h)
			g->be->release(g->in[j].h);
	for (j = 0; j < g->n_out; j++)
		if (!out_kept[j] && g->out[j].h)
			g->be->release(g->out[j].h);
	rc = 0;
	for (i = 0; i < cfg->n_outputs; i++) {
		struct gpio_out *o = &nout[i];

		if (o->h)
			continue;
		o->h = g->be->request_output(o->cfg->chip, o->cfg->line,
					     (out_on && out_on[i]) ^ o->cfg->active_low,
					     why, sizeof why);
		if (!o->h) {
			errf(err, errlen, "gpio output %s (%s line %d): %s; the output is "
			     "out of service until the next reload", o->cfg->name,
			     o->cfg->chip, o->cfg->line, why);
			rc = 1;
		}
	}
	for (i = 0; i < cfg->n_inputs; i++) {
		struct gpio_in *in = &nin[i];

		if (in->h)
			continue;
		in->h = g->be->request_input(in->cfg->chip, in->cfg->line, in->cfg->bias,
					     why, sizeof why);
		if (!in->h) {
			errf(err, errlen, "gpio input %s (%s line %d): %s; the input is "
			     "out of service until the next reload", in->cfg->name,
			     in->cfg->chip, in->cfg->line, why);
			rc = 1;
		}
	}
	free(g->in);
	free(g->out);
	g->in = nin;
	g->n_in = cfg->n_inputs;
	g->out = nout;
	g->n_out = cfg->n_outputs;
	nin = NULL;
	nout = NULL;
	goto out;
undo:
	for (i = 0; i < cfg->n_outputs; i++)
		if (fresh_out[i])
			g->be->release(nout[i].h);
	for (i = 0; i < cfg->n_inputs; i++)
		if (fresh_in[i])
			g->be->release(nin[i].h);
out:
	free(nin);
	free(nout);
	free(in_kept);
	free(out_kept);
	free(fresh_in);
	free(fresh_out);
	return rc;
}

/* ------------------------------------------------------------ libgpiod 1.6 */

/* "gpiochip0", "/dev/gpiochip0" or a chip's label ("gpio-sim.0-node0"):
 * gpiod_chip_open_lookup tries name, path, label and number in turn. */
static struct gpiod_line *lg_line(const char *chip, int line, char *err, size_t errlen)
{
	struct gpiod_chip *c = gpiod_chip_open_lookup(chip);
	struct gpiod_line *l;

	if (!c) {
		errf(err, errlen, "no gpio chip \"%s\": %s", chip, strerror(errno));
		return NULL;
	}
	l = gpiod_chip_get_line(c, (unsigned)line);
	if (!l) {
		errf(err, errlen, "chip %s has no line %d", chip, line);
		gpiod_chip_close(c);
	}
	return l;
}

static int lg_bias_flags(enum gpio_bias b)
{
	switch (b) {
	case GPIO_BIAS_DISABLED:  return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	case GPIO_BIAS_PULL_UP:   return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	case GPIO_BIAS_PULL_DOWN: return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	default:                  return 0;
	}
}

static void *lg_request_input(const char *chip, int line, enum gpio_bias bias,
			      char *err, size_t errlen)
{
	struct gpiod_line *l = lg_line(chip, line, err, errlen);
	struct gpiod_line_request_config rc = {
		.consumer = GPIO_CONSUMER,
		.request_type = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES,
		.flags = lg_bias_flags(bias),
	};

	if (!l)
		return NULL;
	if (gpiod_line_request(l, &rc, 0) < 0 &&
	    /* a chip without bias support says EINVAL/ENOTSUP: the wiring
	     * (an external resistor) must then provide it */
	    (rc.flags == 0 || (rc.flags = 0, gpiod_line_request(l, &rc, 0) < 0))) {
		errf(err, errlen, "cannot request edge events: %s", strerror(errno));
		gpiod_chip_close(gpiod_line_get_chip(l));
		return NULL;
	}
	return l;
}

static void *lg_request_output(const char *chip, int line, int level,
			       char *err, size_t errlen)
{
	struct gpiod_line *l = lg_line(chip, line, err, errlen);

	if (!l)
		return NULL;
	if (gpiod_line_request_output(l, GPIO_CONSUMER, level) < 0) {
		errf(err, errlen, "cannot request as output: %s", strerror(errno));
		gpiod_chip_close(gpiod_line_get_chip(l));
		return NULL;
	}
	return l;
}

static int lg_fd(void *h)
{
	return gpiod_line_event_get_fd(h);
}

static int lg_get(void *h)
{
	return gpiod_line_get_value(h);
}

static int lg_set(void *h, int level)
{
	return gpiod_line_set_value(h, level);
}

static int lg_read_edges(void *h, struct gpio_edge *ev, int max)
{
	struct gpiod_line_event buf[GPIO_EDGE_BATCH];
	struct pollfd p = { .fd = gpiod_line_event_get_fd(h), .events = POLLIN };
	int n, i;

	if (max > GPIO_EDGE_BATCH)
		max = GPIO_EDGE_BATCH;
	/* the request fd is blocking: read only what is there */
	if (poll(&p, 1, 0) <= 0)
		return 0;
	n = gpiod_line_event_read_multiple(h, buf, (unsigned)max);
	if (n < 0)
		return errno == EAGAIN ? 0 : -1;
	for (i = 0; i < n; i++) {
		ev[i].level = buf[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE;
		ev[i].ts_ns = (int64_t)buf[i].ts.tv_sec * 1000000000LL + buf[i].ts.tv_nsec;
	}
	return n;
}

static void lg_release(void *h)
{
	/* one chip handle per line (lg_line): closing it releases the line */
	if (h)
		gpiod_chip_close(gpiod_line_get_chip(h));
}

const struct gpio_backend gpio_backend_libgpiod = {
	.name = "libgpiod",
	.request_input = lg_request_input,
	.request_output = lg_request_output,
	.fd = lg_fd,
	.get = lg_get,
	.set = lg_set,
	.read_edges = lg_read_edges,
	.release = lg_release,
};
