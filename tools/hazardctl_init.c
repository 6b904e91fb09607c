/*
 * hazardctl_init.c: `hazardctl init`, a config for a real site from flags
 * or questions (`devices --unknown --config`, its counterpart for a
 * running daemon, is hazardctl_entries.c).
 *
 * init writes the gateway, storage, the loopback broker, the upstream,
 * the time zone, one site with its people and the devices it hears: for
 * --listen-s seconds it listens on the local broker on the topics the
 * daemon's discovery uses (every format's filters: zigbee2mqtt, Tasmota,
 * Shelly), gathers each sender in the same unknown-sender table the
 * daemon keeps (formats/unknown.c) and suggests a kind from its fields
 * (formats/infer_kind.c), so init and `devices --unknown` agree.  The
 * listening session is a clean one: the broker keeps nothing for it.
 * GPIO chips are listed (a comment in the file), never configured: an
 * output drives real pins, so wiring them is a decision made by hand
 * (docs/gpio.md).  A question is asked only when stdin is a terminal and
 * the flag is missing; without a terminal a missing required flag is a
 * usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats.h"
#include "mqtt_sub.h"
#include "hazardctl.h"

#define INIT_PEOPLE_MAX 32
#define INIT_FILTERS_MAX 32

struct init_opts {
	const char *gateway, *district, *site, *site_name, *kind, *timezone;
	const char *upstream, *broker, *out, *db, *control;
	const char *broker_user, *broker_pass_file;     /* local.username, password_file */
	const char *people[INIT_PEOPLE_MAX];
	int n_people;
	int listen_s;
	bool yes, force, tty;
};

static volatile sig_atomic_t init_stop;

/* Answers kept for the options that point at them, freed at the end. */
static char *owned[INIT_PEOPLE_MAX + 16];
static int n_owned;

static const char *keep(const char *s)
{
	char *c;

	if (n_owned == (int)(sizeof owned / sizeof owned[0]) || !(c = strdup(s)))
		return NULL;
	return owned[n_owned++] = c;
}

static void keep_free(void)
{
	while (n_owned > 0)
		free(owned[--n_owned]);
}

static void init_signal(int sig)
{
	(void)sig;
	init_stop = 1;
}

static int init_usage(FILE *f)
{
	fprintf(f,
"usage: hazardctl init --site ID [--site-name NAME]\n"
"         [--kind restaurant|rental|charging|community|other]\n"
"         [--gateway ID] [--district CODE] [--timezone ZONE] [--upstream URI]\n"
"         [--person ID:NAME:ROLE[:PHONE] ...] [--broker HOST:PORT]\n"
"         [--broker-user USER --broker-password-file FILE]\n"
"         [--listen-s N] [--db PATH] [--control-socket PATH]\n"
"         [--yes] [-o FILE [--force]]\n"
"\n"
"Writes a config for one site (to FILE, else stdout).  For --listen-s\n"
"seconds (default 30; 0: not at all) it listens on the local broker\n"
"(--broker, default 127.0.0.1:1883) for zigbee2mqtt, Tasmota and Shelly\n"
"devices and suggests a kind for each from what it publishes; --yes adds\n"
"every suggestion, else you are asked (on a terminal).  GPIO chips are\n"
"listed, never configured.  Missing flags are asked for on a terminal.\n"
"ROLE: owner, safety_manager, grid_worker, installer.\n"
"Check the result: hazardd --check-config -c FILE\n");
	return HZC_EXIT_OK;
}

static int init_error(const char *fmt, const char *arg)
{
	fputs("hazardctl: init: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'hazardctl init --help'.\n", stderr);
	return HZC_EXIT_USAGE;
}

/* ------------------------------------------------------------ questions */

/* One answer from the terminal (static buffer), def when blank; NULL at
 * end of input. */
static const char *ask(const char *question, const char *def)
{
	static char line[512];

	fprintf(stderr, "%s%s%s%s: ", question, def ? " [" : "", def ? def : "",
		def ? "]" : "");
	if (!fgets(line, sizeof line, stdin))
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return line[0] ? line : def;
}

static bool ask_yes(const char *question)
{
	const char *a = ask(question, "Y");

	return a && (a[0] == 'y' || a[0] == 'Y');
}

/* *field from the terminal when it is missing and one is there. */
static int need(struct init_opts *o, const char **field, const char *question,
		const char *def, const char *flag)
{
	const char *a;

	if (*field && **field)
		return 0;
	if (!o->tty) {
		if (def) {
			/* def may be the caller's buffer (the host name) */
			return (*field = keep(def)) ? 0 : HZC_EXIT_DAEMON;
		}
		return init_error("needs %s (no terminal to ask on)", flag);
	}
	if (!(a = ask(question, def)) || !*a)
		return init_error("needs %s", flag);
	if (!(*field = keep(a)))
		return HZC_EXIT_DAEMON;
	return 0;
}

/* ------------------------------------------------------------ values */

static bool id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789._-") == n;
}

static const char *site_kind(const char *k)
{
	static const char *const map[][2] = {
		{ "restaurant", "restaurant" }, { "rental", "rental_housing" },
		{ "rental_housing", "rental_housing" }, { "charging", "charging_station" },
		{ "charging_station", "charging_station" }, { "community", "community" },
		{ "other", "other" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(k, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* The system's zone: /etc/timezone (Debian), else /etc/localtime's link. */
static const char *system_zone(void)
{
	static char zone[256];
	char link[512], *p;
	FILE *f = fopen("/etc/timezone", "r");
	ssize_t n;

	if (f) {
		if (fgets(zone, sizeof zone, f)) {
			zone[strcspn(zone, " \r\n")] = '\0';
			fclose(f);
			if (zone[0])
				return zone;
		} else {
			fclose(f);
		}
	}
	n = readlink("/etc/localtime", link, sizeof link - 1);
	if (n <= 0)
		return NULL;
	link[n] = '\0';
	if (!(p = strstr(link, "zoneinfo/")))
		return NULL;
	snprintf(zone, sizeof zone, "%s", p + strlen("zoneinfo/"));
	return zone;
}

static bool zone_ok(const char *z)
{
	char path[512];
	struct stat sb;

	if (!*z || strstr(z, "..") || z[0] == '/')
		return false;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", z);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* ID:NAME:ROLE[:PHONE] into a person object, or NULL with the reason. */
static cJSON *person(const char *spec)
{
	static const char *const roles[] = { "owner", "safety_manager", "grid_worker",
		"installer" };
	char buf[256], *f[4] = { NULL }, *p = buf, *c;
	int n = 0;
	size_t i;
	cJSON *o;

	if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf)
		return NULL;
	while (n < 4) {
		f[n++] = p;
		if (!(c = strchr(p, ':')))
			break;
		*c = '\0';
		p = c + 1;
	}
	if (n < 3 || !id_ok(f[0]) || !*f[1])
		return NULL;
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(f[2], roles[i]) == 0)
			break;
	if (i == sizeof roles / sizeof roles[0] || !(o = cJSON_CreateObject()))
		return NULL;
	cJSON_AddStringToObject(o, "id", f[0]);
	cJSON_AddStringToObject(o, "name", f[1]);
	cJSON_AddStringToObject(o, "role", f[2]);
	if (n == 4 && *f[3])
		cJSON_AddStringToObject(o, "phone", f[3]);
	return o;
}

/* ------------------------------------------------------------ GPIO */

/* Every /dev/gpiochip*, its name, label and lines (the chardev's own
 * answer, GPIO_GET_CHIPINFO_IOCTL): printed, and one text for the file. */
static void gpio_chips(char *text, size_t size)
{
	struct dirent *de;
	DIR *d = opendir("/dev");
	size_t used = 0;
	int n = 0;

	text[0] = '\0';
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct gpiochip_info info;
		char path[300];
		int fd;

		if (strncmp(de->d_name, "gpiochip", 8) != 0)
			continue;
		snprintf(path, sizeof path, "/dev/%s", de->d_name);
		memset(&info, 0, sizeof info);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &info) == 0) {
			info.name[sizeof info.name - 1] = '\0';
			info.label[sizeof info.label - 1] = '\0';
			fprintf(stderr, "  GPIO %s: %s, %u lines\n", info.name, info.label,
				info.lines);
			if (used < size)
				used += (size_t)snprintf(text + used, size - used, "%s%s (%s, %u lines)",
							 n++ ? ", " : "", info.name, info.label,
							 info.lines);
		}
		close(fd);
	}
	closedir(d);
	if (n == 0)
		fprintf(stderr, "  no GPIO chips found\n");
}

/* ------------------------------------------------------------ listening */

static void heard(void *arg, const struct mqtt_sub_msg *m)
{
	/* what is not a device's topic (a bridge, a command) is left out */
	(void)unknown_note(arg, m->topic, m->payload, m->len, now_wall_ms());
}

/* Listen on broker (HOST:PORT) for secs; the senders into u.  false when
 * no connection was made. */
static bool listen_broker(const struct init_opts *o, int secs, struct unknown *u)
{
	const char *broker = o->broker;
	char *pass = NULL;
	const char *filters[INIT_FILTERS_MAX];
	struct mqtt_sub_config cfg = { 0 };
	struct mqtt_sub_stats st;
	struct mqtt_sub *s;
	char host[256], id[64], err[256], *colon;
	int64_t end = now_mono_ms() + (int64_t)secs * 1000;

	snprintf(host, sizeof host, "%s", broker);
	colon = strrchr(host, ':');
	cfg.port = 1883;
	if (colon) {
		*colon = '\0';
		cfg.port = atoi(colon + 1);
	}
	snprintf(id, sizeof id, "hazardctl-init-%ld", (long)getpid());
	cfg.host = host;
	cfg.client_id = id;
	cfg.filters = filters;
	cfg.n_filters = (size_t)format_filters(filters, INIT_FILTERS_MAX);
	cfg.clean_session = 1;
	cfg.connect_timeout_ms = 3000;
	cfg.backoff_max_ms = 2000;
	cfg.max_packet = 1024 * 1024;
	if (o->broker_user) {
		size_t len;

		cfg.username = o->broker_user;
		if (o->broker_pass_file &&
		    !(pass = read_file_hz(o->broker_pass_file, 4096, &len))) {
			fprintf(stderr, "hazardctl: init: cannot read %s: %s\n",
				o->broker_pass_file, strerror(errno));
			return false;
		}
		if (pass)
			pass[strcspn(pass, "\r\n")] = '\0';
		cfg.password = pass;
	}
	s = mqtt_sub_new(&cfg, heard, u, err, sizeof err);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		free(pass);
	}
	if (!s) {
		fprintf(stderr, "hazardctl: init: broker %s: %s\n", broker, err);
		return false;
	}
	fprintf(stderr, "listening on %s for %d s for zigbee2mqtt, Tasmota and Shelly "
		"devices...\n", broker, secs);
	while (!init_stop) {
		int64_t left = end - now_mono_ms();
		struct pollfd p = { .fd = -1 };
		int timeout, rc;

		if (left <= 0)
			break;
		p.fd = mqtt_sub_poll(s, &p.events, &timeout);
		if (timeout < 0 || timeout > left)
			timeout = (int)left;
		rc = poll(&p, p.fd >= 0 ? 1 : 0, timeout);
		mqtt_sub_handle(s, rc > 0 ? p.revents : 0);
		/* nothing is committed: acknowledge as it comes */
		mqtt_sub_ack_through(s, mqtt_sub_last_seq(s));
	}
	mqtt_sub_get_stats(s, &st);
	if (!st.connects)
		fprintf(stderr, "hazardctl: init: could not reach the broker at %s%s%s: "
			"no devices heard\n", broker, *mqtt_sub_last_error(s) ? ": " : "",
			mqtt_sub_last_error(s));
	mqtt_sub_free(s);
	return st.connects > 0;
}

/* ------------------------------------------------------------ the file */

/* A device id not yet in devices. */
static void unique_id(const cJSON *devices, const char *name, char *id, size_t size)
{
	const cJSON *it;
	bool taken;
	int k;

	for (k = 1; k < 1000; k++) {
		infer_device_id_nth(name, k, id, size);
		taken = false;
		cJSON_ArrayForEach(it, devices)
			taken |= strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "id")), id) == 0;
		if (!taken)
			return;
	}
}

/* Each sender heard: listed with its suggestion, added when it has a kind
 * and --yes or the installer says so. */
static void add_heard(const struct init_opts *o, struct unknown *u, cJSON *devices)
{
	cJSON *arr = unknown_json(u), *it;
	int n = 0, added = 0;

	cJSON_ArrayForEach(it, arr) {
		const char *fmt = cJSON_GetStringValue(cJSON_GetObjectItem(it, "format"));
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
		const char *topic = cJSON_GetStringValue(cJSON_GetObjectItem(it, "topic"));
		uint32_t fields = infer_fields_parse(cJSON_GetObjectItem(it, "fields"));
		struct kind_guess g;
		char id[ID_MAX], q[512], *st;
		cJSON *e;

		if (!fmt || !name || !topic)
			continue;
		n++;
		infer_kind(fields, &g);
		unique_id(devices, name, id, sizeof id);
		st = hzc_sanitize(topic);
		fprintf(stderr, "  %-12s %-28s %s: %s\n", fmt, st,
			g.kind >= 0 ? device_kind_name[g.kind] : "(no kind)", g.why);
		e = infer_entry(fmt, topic, fields, id, o->site);
		snprintf(q, sizeof q, "  add %s as %s %s?", st, e ? device_kind_name[g.kind] : "",
			 id);
		if (e && (o->yes || (o->tty && ask_yes(q)))) {
			cJSON_AddItemToArray(devices, e);
			added++;
		} else {
			cJSON_Delete(e);
		}
		free(st);
	}
	cJSON_Delete(arr);
	fprintf(stderr, "heard %d device%s, added %d%s\n", n, n == 1 ? "" : "s", added,
		n > added && !o->yes && !o->tty ? " (--yes adds every suggestion)" : "");
}

static cJSON *build(const struct init_opts *o, const char *chips, cJSON *devices)
{
	cJSON *root = cJSON_CreateObject(), *obj, *site, *people;
	char stamp[40], text[1200];
	int i;

	if (!root)
		return NULL;
	fmt_iso_ms(now_wall_ms(), stamp, sizeof stamp);
	snprintf(text, sizeof text, "written by hazardctl init at %.19sZ; every key is "
		 "in docs/config.md (man hazardd.json)", stamp);
	cJSON_AddStringToObject(root, "_comment", text);
	obj = cJSON_AddObjectToObject(root, "gateway");
	cJSON_AddStringToObject(obj, "id", o->gateway);
	cJSON_AddStringToObject(obj, "district", o->district);
	obj = cJSON_AddObjectToObject(root, "storage");
	cJSON_AddStringToObject(obj, "path", o->db);
	obj = cJSON_AddObjectToObject(root, "local");
	snprintf(text, sizeof text, "tcp://%s", o->broker);
	cJSON_AddStringToObject(obj, "uri", text);
	if (o->broker_user)
		cJSON_AddStringToObject(obj, "username", o->broker_user);
	if (o->broker_pass_file)
		cJSON_AddStringToObject(obj, "password_file", o->broker_pass_file);
	obj = cJSON_AddObjectToObject(root, "upstream");
	cJSON_AddItemToObject(obj, "uris", cJSON_CreateStringArray(&o->upstream, 1));
	if (o->control) {
		obj = cJSON_AddObjectToObject(root, "control");
		cJSON_AddStringToObject(obj, "socket", o->control);
	}
	obj = cJSON_AddObjectToObject(root, "summary");
	cJSON_AddStringToObject(obj, "timezone", o->timezone);
	site = cJSON_CreateObject();
	cJSON_AddStringToObject(site, "id", o->site);
	cJSON_AddStringToObject(site, "kind", site_kind(o->kind));
	if (o->site_name)
		cJSON_AddStringToObject(site, "name", o->site_name);
	people = cJSON_AddArrayToObject(site, "people");
	for (i = 0; i < o->n_people; i++)
		cJSON_AddItemToArray(people, person(o->people[i]));
	obj = cJSON_AddArrayToObject(root, "sites");
	cJSON_AddItemToArray(obj, site);
	cJSON_AddItemToObject(root, "devices", devices);
	snprintf(text, sizeof text, "GPIO chips found: %s; no inputs or outputs are "
		 "configured: wire them by hand (docs/gpio.md)", *chips ? chips : "none");
	cJSON_AddStringToObject(root, "_comment_gpio", text);
	return root;
}

/* The file, whole or not at all (a temporary next to it, renamed). */
static int write_out(const struct init_opts *o, const char *text)
{
	char tmp[PATH_MAX_HZ];
	struct stat sb;
	FILE *f;
	int fd;

	if (!o->out || strcmp(o->out, "-") == 0) {
		fputs(text, stdout);
		return fflush(stdout) == 0 ? HZC_EXIT_OK : HZC_EXIT_DAEMON;
	}
	if (!o->force && stat(o->out, &sb) == 0) {
		fprintf(stderr, "hazardctl: init: %s exists (--force replaces it)\n", o->out);
		return HZC_EXIT_USAGE;
	}
	if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", o->out, (long)getpid()) >= (int)sizeof tmp)
		return init_error("%s", "-o path too long");
	/* the file names secrets' paths and people's phones: 0640 */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		fprintf(stderr, "hazardctl: init: cannot write %s: %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return HZC_EXIT_DAEMON;
	}
	if (fputs(text, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0 ||
	    fclose(f) != 0 || rename(tmp, o->out) != 0) {
		fprintf(stderr, "hazardctl: init: cannot write %s: %s\n", o->out,
			strerror(errno));
		unlink(tmp);
		return HZC_EXIT_DAEMON;
	}
	fprintf(stderr, "wrote %s; check it: hazardd --check-config -c %s\n", o->out, o->out);
	return HZC_EXIT_OK;
}

/* ------------------------------------------------------------ options */

static int parse(int argc, char **argv, struct init_opts *o)
{
	static const struct {
		const char *name;
		size_t off;
	} vals[] = {
		{ "--gateway", offsetof(struct init_opts, gateway) },
		{ "--district", offsetof(struct init_opts, district) },
		{ "--site", offsetof(struct init_opts, site) },
		{ "--site-name", offsetof(struct init_opts, site_name) },
		{ "--kind", offsetof(struct init_opts, kind) },
		{ "--timezone", offsetof(struct init_opts, timezone) },
		{ "--upstream", offsetof(struct init_opts, upstream) },
		{ "--broker", offsetof(struct init_opts, broker) },
		{ "-o", offsetof(struct init_opts, out) },
		{ "--output", offsetof(struct init_opts, out) },
		{ "--db", offsetof(struct init_opts, db) },
		{ "--control-socket", offsetof(struct init_opts, control) },
		{ "--broker-user", offsetof(struct init_opts, broker_user) },
		{ "--broker-password-file", offsetof(struct init_opts, broker_pass_file) },
	};
	bool seen = false;
	size_t k;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!seen && strcmp(a, "init") == 0) {
			seen = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return init_usage(stdout);
		if (strcmp(a, "--yes") == 0 || strcmp(a, "-y") == 0) {
			o->yes = true;
			continue;
		}
		if (strcmp(a, "--force") == 0) {
			o->force = true;
			continue;
		}
		for (k = 0; k < sizeof vals / sizeof vals[0]; k++)
			if (strcmp(a, vals[k].name) == 0)
				break;
		if (k == sizeof vals / sizeof vals[0] && strcmp(a, "--person") != 0 &&
		    strcmp(a, "--listen-s") != 0)
			return init_error("unexpected argument \"%s\"", a);
		if (i + 1 >= argc)
			return init_error("option %s needs a value", a);
		if (strcmp(a, "--person") == 0) {
			if (o->n_people == INIT_PEOPLE_MAX)
				return init_error("%s", "too many --person");
			o->people[o->n_people++] = argv[++i];
		} else if (strcmp(a, "--listen-s") == 0) {
			char *end;
			long v = strtol(argv[++i], &end, 10);

			if (*end || v < 0 || v > 3600)
				return init_error("--listen-s \"%s\": 0 to 3600 seconds", argv[i]);
			o->listen_s = (int)v;
		} else {
			*(const char **)((char *)o + vals[k].off) = argv[++i];
		}
	}
	return -1;
}

static int check(struct init_opts *o)
{
	char host[64];
	int i, rc;

	if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	if ((rc = need(o, &o->site, "site id (A-Z a-z 0-9 . _ -)", NULL, "--site ID")) ||
	    (rc = need(o, &o->kind, "site kind (restaurant, rental, charging, community, "
		       "other)", NULL, "--kind KIND")) ||
	    (rc = need(o, &o->gateway, "gateway id", id_ok(host) ? host : NULL,
		       "--gateway ID")) ||
	    (rc = need(o, &o->district, "district code (from the platform)", NULL,
		       "--district CODE")) ||
	    (rc = need(o, &o->upstream, "district broker URI (ssl://host:8883)", NULL,
		       "--upstream URI")) ||
	    (rc = need(o, &o->timezone, "time zone", system_zone(), "--timezone ZONE")))
		return rc;
	if (o->tty && !o->site_name && o->n_people == 0) {
		const char *a = ask("site name (shown to people)", "");

		o->site_name = a && *a ? keep(a) : NULL;
		while (o->n_people < INIT_PEOPLE_MAX &&
		       (a = ask("a person ID:NAME:ROLE[:PHONE] (blank: done)", "")) && *a) {
			cJSON *p = person(a);

			if (!p) {
				fprintf(stderr, "  not ID:NAME:ROLE[:PHONE] with ROLE owner, "
					"safety_manager, grid_worker or installer\n");
				continue;
			}
			cJSON_Delete(p);
			if ((a = keep(a)))
				o->people[o->n_people++] = a;
		}
	}
	if (!id_ok(o->site))
		return init_error("--site \"%s\": A-Z a-z 0-9 . _ -, 1 to 63", o->site);
	if (!id_ok(o->gateway))
		return init_error("--gateway \"%s\": A-Z a-z 0-9 . _ -, 1 to 63", o->gateway);
	if (!id_ok(o->district))
		return init_error("--district \"%s\": A-Z a-z 0-9 . _ -, 1 to 63", o->district);
	if (!site_kind(o->kind))
		return init_error("--kind \"%s\": restaurant, rental, charging, community or "
				  "other", o->kind);
	if (!zone_ok(o->timezone))
		return init_error("--timezone \"%s\": no such zone under /usr/share/zoneinfo",
				  o->timezone);
	if (!o->broker_user != !o->broker_pass_file)
		return init_error("%s", "--broker-user and --broker-password-file go together");
	if (!strstr(o->upstream, "://"))
		return init_error("--upstream \"%s\": a URI (ssl://host:8883)", o->upstream);
	if (o->site_name && text_check(o->site_name))
		return init_error("--site-name \"%s\": not clean text", o->site_name);
	for (i = 0; i < o->n_people; i++) {
		cJSON *p = person(o->people[i]);

		if (!p)
			return init_error("--person \"%s\": ID:NAME:ROLE[:PHONE], ROLE owner, "
					  "safety_manager, grid_worker or installer",
					  o->people[i]);
		cJSON_Delete(p);
	}
	return 0;
}

static int init_run(struct init_opts *opts);

int hzc_init_main(int argc, char **argv)
{
	struct init_opts o = { .broker = "127.0.0.1:1883", .listen_s = 30,
			       .db = "/var/lib/hazardd/hazardd.db" };
	int rc;

	if ((rc = parse(argc, argv, &o)) >= 0)
		return rc;
	o.tty = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
	rc = check(&o);
	if (rc == 0)
		rc = init_run(&o);
	keep_free();
	return rc;
}

/* Everything after the options: GPIO, listening, the file. */
static int init_run(struct init_opts *opts)
{
	const struct init_opts o = *opts;
	struct unknown *u = NULL;
	struct sigaction sa;
	cJSON *devices, *root;
	char chips[1024], *text;
	int rc;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = init_signal;        /* Ctrl-C ends the listening early */
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	fprintf(stderr, "GPIO (listed only; nothing is configured):\n");
	gpio_chips(chips, sizeof chips);
	if (!(devices = cJSON_CreateArray()))
		return HZC_EXIT_DAEMON;
	if (o.listen_s > 0) {
		if (!(u = unknown_new(4096)))
			return HZC_EXIT_DAEMON;
		listen_broker(&o, o.listen_s, u);
		signal(SIGINT, SIG_DFL);
		add_heard(&o, u, devices);
		unknown_free(u);
	}
	root = build(&o, chips, devices);
	text = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return HZC_EXIT_DAEMON;
	/* cJSON_Print indents with tabs; a trailing newline for editors */
	{
		size_t n = strlen(text);
		char *t = realloc(text, n + 2);

		if (!t) {
			free(text);
			return HZC_EXIT_DAEMON;
		}
		text = t;
		memcpy(text + n, "\n", 2);
	}
	rc = write_out(&o, text);
	free(text);
	return rc;
}
