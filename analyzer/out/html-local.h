/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/html-local.h - what the HTML writer's files share: out/html.c (the
 * page and its detail sections) and out/html-answers.c (the first screen).
 */
#ifndef OVSPERF_OUT_HTML_LOCAL_H
#define OVSPERF_OUT_HTML_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* uPlot's script and style (html-assets.c, generated at build time from
 * analyzer/web; empty strings when the build could not install it). */
extern const unsigned char out_html_uplot_js[];
extern const unsigned char out_html_uplot_css[];

/* Write @s HTML-escaped. */
void out_html_esc(FILE *f, const char *s);

/* A duration in ns as "12.3 us" (3 significant digits, the unit that reads best). */
void out_html_dur(char *buf, size_t size, double ns);

/* Sum of total_ns over a kernel-delay category of @thread (object or array). */
double out_html_kd_total(json_t *thread, const char *key);

/* Is @name a syscall that waits for work (poll, epoll_wait, ...) rather
 * than one that delays it?  NULL: no. */
bool out_html_idle_syscall(const char *name);

/**
 * out_html_answers() - the first screen: per report the numbers that matter,
 * each linking to the report's section (#r-<report key>).
 * @inputs: for a merge, the input documents (shown side by side), or NULL.
 */
void out_html_answers(FILE *f, json_t *doc, json_t *inputs);

/* Latency's blame (out/html-latency.c): a few lines on the span's card, and
 * a horizontal bar per item in its details.  @blame may be null. */
void out_html_blame_card(FILE *f, json_t *blame);
void out_html_blame_bars(FILE *f, json_t *blame);

/* Latency over time: p50/p99/max per bucket of timeline @tl (uPlot when
 * inlined, else SVG); @interval is the span's interval_ns. */
void out_html_timeline(FILE *f, json_t *tl, json_t *interval);

#endif /* OVSPERF_OUT_HTML_LOCAL_H */
