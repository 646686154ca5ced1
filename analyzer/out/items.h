/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/items.h - the writers of what reports stream while they read, one
 * plain item at a time (the item types are the reports', report/<name>.h):
 * the text and the JSON Lines form of each.  cmd/commands.c pairs each
 * report with its writers; a report finds them with analyze_item_writer().
 */
#ifndef OVSPERF_OUT_ITEMS_H
#define OVSPERF_OUT_ITEMS_H

#include "report/bridge-loop.h"
#include "report/journey.h"
#include "report/upcalls.h"

/* `upcalls`: one line per upcall (out/upcall-lines.c). */
extern const struct upcall_writer upcall_text_lines;
extern const struct upcall_writer upcall_json_lines;

/* `journey`: one block per packet (out/journey-blocks.c). */
extern const struct journey_writer journey_text_blocks;
extern const struct journey_writer journey_json_blocks;

/* `bridge-loop --list`: one line per iteration (out/bridge-loop-lines.c). */
extern const struct bl_writer bl_text_iterations;

#endif /* OVSPERF_OUT_ITEMS_H */
