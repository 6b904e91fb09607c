/* tools/bench/qemu_insns.c: a TCG plugin for qemu-user that counts the
 * guest instructions a program executes, for tools/bench/emu_insns.sh
 * (instructions per reading of the ARM builds under emulation).
 *
 *   qemu-aarch64 -plugin qemu_insns.so,out=FILE,fn=rules_tick:CALLER[:CALLER],fn=... ...
 *
 * writes to FILE, when the guest exits, "total N" (every instruction of
 * every thread, libraries and loader included: what callgrind's total
 * counts) and for each fn "inside NAME N": the instructions executed from
 * the moment a thread enters a block of function NAME until it next runs
 * a block of one of its CALLERs, i.e. NAME's inclusive cost, as
 * callgrind_annotate --inclusive gives it (NAME must not call a CALLER).
 * Blocks are told apart by the symbol qemu finds for their first
 * instruction in the program's own symbol table, so the program must not
 * be stripped.
 *
 * Counting is per executed translation block (its instruction count added
 * as it starts), with a callback rather than an inline add so that threads
 * running at once lose no count.  The count is the same from run to run for
 * the same work, however loaded the machine is; it says nothing of time.
 *
 * Debian 12 ships qemu-user with plugin support but not the plugin API's
 * header (include/qemu/qemu-plugin.h in QEMU's source), so the few
 * declarations used are written out here from the API's documentation
 * (docs/devel/tcg-plugins.rst; API version 1, QEMU 7.2).  Built with the
 * build machine's compiler as a shared object (mk/bench.mk). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the plugin API (QEMU_PLUGIN_VERSION 1) */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS = 0 };
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const char *qemu_plugin_insn_symbol(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* ---- the counter */
#define MAX_FN 4
#define MAX_LEAVE 4
#define MAX_VCPU 4096   /* qemu-user: one vCPU per guest thread ever started */

static uint64_t total;
static char *out_path;
static struct fn {
	char *name, *leave[MAX_LEAVE];
	int n_leave;
	uint64_t inside;
	unsigned char in[MAX_VCPU];     /* per thread: inside this function */
} fns[MAX_FN];
static int n_fns;

/* a block's userdata: its instruction count, shifted, and for each
 * function whether the block enters it or returns to one of its callers */
enum { TB_SHIFT = 2 * MAX_FN };
#define TB_ENTER(f) ((uintptr_t)1 << (2 * (f)))
#define TB_LEAVE(f) ((uintptr_t)2 << (2 * (f)))

static void tb_exec(unsigned int vcpu, void *udata)
{
	uintptr_t u = (uintptr_t)udata;
	uint64_t n = u >> TB_SHIFT;
	int f;

	__atomic_fetch_add(&total, n, __ATOMIC_RELAXED);
	if (vcpu >= MAX_VCPU)
		return;
	for (f = 0; f < n_fns; f++) {
		if (u & TB_ENTER(f))
			fns[f].in[vcpu] = 1;
		else if (u & TB_LEAVE(f))
			fns[f].in[vcpu] = 0;
		if (fns[f].in[vcpu])
			__atomic_fetch_add(&fns[f].inside, n, __ATOMIC_RELAXED);
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	const char *sym = n ? qemu_plugin_insn_symbol(qemu_plugin_tb_get_insn(tb, 0)) : NULL;
	uintptr_t u = (uintptr_t)n << TB_SHIFT;
	int f, i;

	for (f = 0; sym && f < n_fns; f++) {
		if (strcmp(sym, fns[f].name) == 0)
			u |= TB_ENTER(f);
		for (i = 0; i < fns[f].n_leave; i++)
			if (strcmp(sym, fns[f].leave[i]) == 0)
				u |= TB_LEAVE(f);
	}
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)u);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	FILE *f = out_path ? fopen(out_path, "w") : NULL;
	char text[1024];
	int len, i;

	len = snprintf(text, sizeof text, "total %llu\n",
		       (unsigned long long)__atomic_load_n(&total, __ATOMIC_RELAXED));
	for (i = 0; i < n_fns && len < (int)sizeof text; i++)
		len += snprintf(text + len, sizeof text - len, "inside %s %llu\n", fns[i].name,
				(unsigned long long)__atomic_load_n(&fns[i].inside, __ATOMIC_RELAXED));
	if (f) {
		fputs(text, f);
		fclose(f);
	} else {
		qemu_plugin_outs(text);
	}
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			return -1;
		*v++ = '\0';
		if (strcmp(argv[i], "out") == 0) {
			out_path = strdup(v);
		} else if (strcmp(argv[i], "fn") == 0 && n_fns < MAX_FN) {
			/* fn=NAME:CALLER[:CALLER...] */
			struct fn *fn = &fns[n_fns++];
			char *save = NULL, *tok = strtok_r(v, ":", &save);

			if (!tok)
				return -1;
			fn->name = strdup(tok);
			while ((tok = strtok_r(NULL, ":", &save)) && fn->n_leave < MAX_LEAVE)
				fn->leave[fn->n_leave++] = strdup(tok);
		} else {
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
