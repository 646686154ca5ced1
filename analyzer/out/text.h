/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/text.h - the text writers of the reports: each prints one report's
 * model (the tree its report_ops.model() returns, cmd/analyze.h) and reads
 * nothing else: no engine, no session, no report state.  cmd/commands.c
 * pairs each report with its writer.  What a report lists while it reads
 * goes to its item writer instead (out/items.h).
 *
 * A writer reads the model's public members (those of the JSON document,
 * ovsperf-json(7)) and its '_' members, which carry what only the text shows.
 */
#ifndef OVSPERF_OUT_TEXT_H
#define OVSPERF_OUT_TEXT_H

#include <stdio.h>

#include <jansson.h>

/* `drops` (out/text-drops.c). */
int text_drops(const json_t *model, FILE *out);
/* `journey`: the summary after the blocks (out/text-journey.c). */
int text_journey(const json_t *model, FILE *out);
/* `upcalls`: the counts after the lines (out/text-upcalls.c). */
int text_upcalls(const json_t *model, FILE *out);
/* `latency` (out/text-latency.c; report/latency-model.c builds the model). */
int text_latency(const json_t *model, FILE *out);

/* kernel-delay: kernel_delay.py's text (out/text-kernel-delay.c). */
int text_kernel_delay(const json_t *model, FILE *out);

/* bridge-loop: bridge_loop.bt's text (out/text-bridge-loop.c). */
int text_bridge_loop(const json_t *model, FILE *out);

/* upcall-cost: upcall_cost.py's text (out/text-upcall-cost.c). */
int text_upcall_cost(const json_t *model, FILE *out);

#endif /* OVSPERF_OUT_TEXT_H */
