// SPDX-License-Identifier: Apache-2.0
/*
 * report/context.c - what the context gives a report (report/report.h):
 * the kernel symbols of the recorded boot, loaded once on first use.
 */
#include "ovsperf/err.h"
#include "ovsperf/ksyms.h"
#include "report/report.h"

/*
 * Kernel symbols: --kallsyms FILE if given, else the kallsyms stored in the
 * recording, else this machine's /proc/kallsyms when it runs the recorded
 * boot, else NULL with one warning.
 */
struct ksyms *analyze_ctx__ksyms(struct analyze_ctx *ctx)
{
	const struct pdata_info *info;
	int err;

	if (ctx->ksyms_tried)
		return ctx->ksyms;
	ctx->ksyms_tried = true;
	/* The session has read --kallsyms (plain or .zst) into info->kallsyms,
	 * in preference to the kallsyms stored with the recording. */
	info = ctx->session ? pdata_session__info(ctx->session) : NULL;
	if (info && info->kallsyms && info->kallsyms_size) {
		err = ksyms__load_buf(&ctx->ksyms, info->kallsyms, info->kallsyms_size);
		if (err)
			ovp_warn("%s: %s: %s", ctx->input,
				 ctx->kallsyms_path ? ctx->kallsyms_path : "stored kallsyms",
				 ovp_errmsg());
		return ctx->ksyms;
	}
	/* This machine runs the recorded boot: its /proc/kallsyms (the
	 * session's, borrowed). */
	if (info && info->kallsyms_host)
		return pdata_session__host_ksyms(ctx->session);
	/* A refused kallsyms was warned about when the session chose it. */
	if (info && !info->kallsyms_refused)
		ovp_warn("%s: no kernel symbols stored with the recording; kernel addresses are "
			 "shown raw (give --kallsyms FILE from the recorded boot)", ctx->input);
	return NULL;
}
