/*
 * insncount: a QEMU TCG plugin that counts the guest instructions executed
 * at user and at kernel addresses, and snapshots both counts each time the
 * guest executes the marker `xchg %bx,%bx` (66 87 db). vl-probe executes it
 * around its operations (VL_PROBE_MARK=1), so the differences between
 * snapshots are the instructions one operation costs, kernel included:
 * what hardware counters would give, on a machine without them.
 *
 *   qemu-system-x86_64 ... -plugin insncount.so,out=FILE
 *
 * FILE gets one line per marker: "mark INDEX USER KERNEL". Kernel code is
 * recognised by its address (x86-64 Linux: the upper half). One vCPU only
 * (-smp 1): the counters are updated inline without atomics.
 *
 * QEMU ships no plugin header in Debian; the declarations below are those of
 * the plugin API version 1 (QEMU 6.0 to 8.x) that this plugin uses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { CB_NO_REGS };
enum qemu_plugin_op { INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
                                           void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
                                            void (*cb)(unsigned int, void *),
                                            enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, void *),
                                    void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);

EXPORT int qemu_plugin_version = 1;

#define KERNEL_BASE 0xffff800000000000ull
#define MAX_MARKS 4096

static uint64_t user_insns, kernel_insns;
static uint64_t marks[MAX_MARKS][2];
static unsigned nmarks;
static char out_path[4096] = "insncount.out";

static void on_mark(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	(void)udata;
	if (nmarks < MAX_MARKS) {
		marks[nmarks][0] = user_insns;
		marks[nmarks][1] = kernel_insns;
		nmarks++;
	}
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	int kernel = qemu_plugin_tb_vaddr(tb) >= KERNEL_BASE;

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, INLINE_ADD_U64,
	                                         kernel ? &kernel_insns : &user_insns, n);
	if (kernel)
		return;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *b = qemu_plugin_insn_data(insn);
		if (qemu_plugin_insn_size(insn) == 3 && b[0] == 0x66 && b[1] == 0x87 && b[2] == 0xdb)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, CB_NO_REGS, NULL);
	}
}

static void at_exit_cb(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");

	(void)id;
	(void)udata;
	if (!f)
		return;
	for (unsigned i = 0; i < nmarks; i++)
		fprintf(f, "mark %u %llu %llu\n", i, (unsigned long long)marks[i][0],
		        (unsigned long long)marks[i][1]);
	fprintf(f, "total %llu %llu\n", (unsigned long long)user_insns,
	        (unsigned long long)kernel_insns);
	fclose(f);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                               char **argv);
EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                               char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			snprintf(out_path, sizeof(out_path), "%s", argv[i] + 4);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, at_exit_cb, NULL);
	return 0;
}
