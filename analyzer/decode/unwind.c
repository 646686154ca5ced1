// SPDX-License-Identifier: Apache-2.0
/*
 * decode/unwind.c - DWARF unwinding of sampled user stacks with libdwfl.
 *
 * A Dwfl holds the process's executable mappings (from the recording's MMAP
 * records, through kd_usym); it is rebuilt only when a mapping was added.
 * For one sample, the initial registers come from PERF_SAMPLE_REGS_USER
 * (perf's x86 register order, mapped to DWARF numbers) and memory reads are
 * served from the PERF_SAMPLE_STACK_USER copy, which starts at the sampled
 * stack pointer: that is all a CFI-driven unwind of the stack needs.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode/unwind.h"
#include "decode/usym.h"
#include "ovsperf/err.h"
#include "ovsperf/pdata.h"

/* perf's x86 register numbers (arch/x86/include/uapi/asm/perf_regs.h). */
enum {
	X86_AX, X86_BX, X86_CX, X86_DX, X86_SI, X86_DI, X86_BP, X86_SP, X86_IP, X86_FLAGS,
	X86_CS, X86_SS, X86_DS, X86_ES, X86_FS, X86_GS, X86_R8, X86_R9, X86_R10, X86_R11,
	X86_R12, X86_R13, X86_R14, X86_R15,
};

/* DWARF register n of x86_64 is perf register dwarf_to_perf[n] (16 = rip). */
static const int dwarf_to_perf[17] = {
	X86_AX, X86_DX, X86_CX, X86_BX, X86_SI, X86_DI, X86_BP, X86_SP, X86_R8, X86_R9,
	X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15, X86_IP,
};

#define REGS_ABI_64 2

struct kd_unwind {
	struct kd_usym *usym;
	Dwfl *dwfl;
	int64_t pid;			/* process the Dwfl describes */
	unsigned long generation;	/* of kd_usym when it was built */
	/* The sample being unwound. */
	const struct pdata_sample *s;
	uint64_t regs[X86_R15 + 1];
	uint64_t sp;
	uint64_t *ips;
	size_t nr, max;
};

static char *debuginfo_path;
static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

int kd_unwind__new(struct kd_unwind **out, struct kd_usym *u)
{
	struct kd_unwind *w = calloc(1, sizeof(*w));

	if (!w)
		return ovp_err(-ENOMEM, "out of memory");
	w->usym = u;
	w->pid = -1;
	*out = w;
	return 0;
}

void kd_unwind__free(struct kd_unwind *w)
{
	if (!w)
		return;
	if (w->dwfl)
		dwfl_end(w->dwfl);
	free(w);
}

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct kd_unwind *w = arg;

	if (*thread_argp)
		return 0;
	*thread_argp = w;
	return (pid_t)w->s->tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	*thread_argp = arg;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct kd_unwind *w = arg;
	uint64_t size = w->s->user_stack_dyn_size ? w->s->user_stack_dyn_size
						   : w->s->user_stack_size;

	if (addr < w->sp || addr + 8 > w->sp + size || addr + 8 < addr)
		return false;
	memcpy(result, (const uint8_t *)w->s->user_stack + (addr - w->sp), 8);
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct kd_unwind *w = arg;
	Dwarf_Word regs[17];
	int i;

	for (i = 0; i < 17; i++)
		regs[i] = w->regs[dwarf_to_perf[i]];
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* Report one file of the process to the Dwfl, at its first mapping. */
static int report_map(const char *path, uint64_t start, uint64_t len, uint64_t pgoff,
		      void *arg)
{
	dwfl_report_elf(arg, path, path, -1, start - pgoff, false);
	return 0;
}

static bool build(struct kd_unwind *w, int64_t pid)
{
	if (w->dwfl && w->pid == pid && w->generation == kd_usym__generation(w->usym))
		return true;
	if (w->dwfl)
		dwfl_end(w->dwfl);
	w->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!w->dwfl)
		return false;
	w->pid = pid;
	w->generation = kd_usym__generation(w->usym);
	dwfl_report_begin(w->dwfl);
	kd_usym__for_each_map(w->usym, pid, report_map, w->dwfl);
	dwfl_report_end(w->dwfl, NULL, NULL);
	if (!dwfl_attach_state(w->dwfl, NULL, (pid_t)pid, &thread_callbacks, w)) {
		dwfl_end(w->dwfl);
		w->dwfl = NULL;
		return false;
	}
	return true;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct kd_unwind *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation) || !pc)
		return DWARF_CB_ABORT;
	w->ips[w->nr++] = pc;
	return w->nr < w->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

size_t kd_unwind__user(struct kd_unwind *w, int64_t pid, const struct pdata_sample *s,
		       uint64_t *ips, size_t max)
{
	uint64_t mask = s->user_regs_mask;
	int bit, k = 0;

	if (!w || pid < 0 || !max || s->user_regs_abi != REGS_ABI_64 || !s->user_regs ||
	    !s->user_stack || !(mask & (1ull << X86_SP)) || !(mask & (1ull << X86_IP)))
		return 0;
	memset(w->regs, 0, sizeof(w->regs));
	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ull << bit)))
			continue;
		if (bit <= X86_R15)
			w->regs[bit] = s->user_regs[k];
		k++;
	}
	w->s = s;
	w->sp = w->regs[X86_SP];
	w->ips = ips;
	w->nr = 0;
	w->max = max;
	if (!build(w, pid)) {
		ips[0] = w->regs[X86_IP];
		return 1;
	}
	dwfl_getthread_frames(w->dwfl, (pid_t)s->tid, frame_cb, w);
	if (!w->nr) {
		ips[0] = w->regs[X86_IP];
		w->nr = 1;
	}
	return w->nr;
}
