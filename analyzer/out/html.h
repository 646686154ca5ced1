/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/html.h - the HTML writer: one self-contained file (inline CSS and SVG,
 * no script, no external resource) rendered from an ovsperf JSON document
 * (man ovsperf-json(7)), so HTML shows exactly what --json would print.
 */
#ifndef OVSPERF_OUT_HTML_H
#define OVSPERF_OUT_HTML_H

#include <jansson.h>

/**
 * out_html_write() - write @doc as an HTML page to @path.
 * @path: output file, written through a temporary that replaces it only
 *	once complete (ovsperf/outfile.h).
 * @doc: a document { ovsperf_version, schema_version, recording, reports }
 *	as analyze_json_doc() builds it, or one written by `merge` (which has
 *	merged_from); borrowed.
 *
 * The first screen answers (out/html-answers.c: per report the numbers that
 * matter, linking to the details); then the recording facts become a table
 * and every report is rendered generically, each in a collapsed <details>
 * (scalars as a key/value table, arrays of flat objects as tables, nested
 * objects as sections, histograms as an SVG bar chart and CDF), plus
 * per-thread stacked bars for any "threads" array of kernel-delay threads.
 *
 * Return: 0, or negative errno with "cannot write PATH: REASON" set; the
 * file named @path is then as it was.
 */
int out_html_write(const char *path, json_t *doc);

/**
 * out_html_write_merge() - out_html_write() of a merged @doc, whose first
 * screen shows the hosts of @inputs (the merged documents, borrowed; NULL
 * or empty: none) side by side.
 */
int out_html_write_merge(const char *path, json_t *doc, json_t *inputs);

#endif /* OVSPERF_OUT_HTML_H */
