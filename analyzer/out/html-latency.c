// SPDX-License-Identifier: Apache-2.0
/*
 * out/html-latency.c - the latency report's own charts on the HTML page
 * (out/html.c), drawn from its JSON document only:
 *
 *	blame		where the tail's time went: a line on the span's first
 *			screen card, and a horizontal bar per item (its time and
 *			share) in the span's details
 *	timeline	latency over time (--interval): p50, p99 and max per
 *			bucket; uPlot when the page inlines it, else SVG.  The x
 *			axis is wall-clock (UTC) when the buckets carry start_utc,
 *			else seconds since the first bucket.
 *
 * Both carry their numbers (ns, as in the JSON) in data- attributes, which
 * the tests compare with the JSON.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/html-local.h"

#define BLAME_CARD_ITEMS 3
#define BLAME_BARS 20

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void put_dur(FILE *f, double ns)
{
	char buf[32];

	out_html_dur(buf, sizeof(buf), ns);
	fputs(buf, f);
}

/* "task blame-hog (27562)", "softirq NET_RX", ... */
static void item_label(FILE *f, json_t *it)
{
	const char *kind = json_string_value(json_object_get(it, "kind"));
	const char *name = json_string_value(json_object_get(it, "name"));
	json_t *tid = json_object_get(it, "tid");

	out_html_esc(f, kind ? kind : "?");
	/* "unknown": no sched_switch seen on that CPU yet; "idle": pid 0.
	 * Their name repeats the kind: say it once. */
	if (!kind || !name || strcmp(kind, name)) {
		fputs(" ", f);
		out_html_esc(f, name ? name : "?");
	}
	if (json_is_integer(tid))
		fprintf(f, " (%" JSON_INTEGER_FORMAT ")", json_integer_value(tid));
}

void out_html_blame_card(FILE *f, json_t *blame)
{
	json_t *items = json_object_get(blame, "items"), *it;
	size_t i;

	if (!json_is_object(blame) || !json_array_size(items))
		return;
	fputs("<p>where the tail's time went (", f);
	fprintf(f, "%.0f packet%s at or over ", num(blame, "spans"),
		num(blame, "spans") == 1 ? "" : "s");
	put_dur(f, num(blame, "threshold_ns"));
	fputs("):</p>\n<table class=\"blame\"><tr><th>charged to</th><th>time</th>"
	      "<th>share</th></tr>\n", f);
	json_array_foreach(items, i, it) {
		if (i == BLAME_CARD_ITEMS)
			break;
		fputs("<tr><td>", f);
		item_label(f, it);
		fputs("</td><td class=\"n\">", f);
		put_dur(f, num(it, "ns"));
		fprintf(f, "</td><td class=\"n\">%.1f%%</td></tr>\n", 100 * num(it, "share"));
	}
	fputs("</table>\n", f);
}

void out_html_blame_bars(FILE *f, json_t *blame)
{
	const int W = 760, L = 230, R = 150, ROW = 18, T = 6;
	json_t *items = json_object_get(blame, "items"), *it;
	size_t i, n = json_array_size(items), shown = n > BLAME_BARS ? BLAME_BARS : n;
	double maxns = 0;

	if (!shown)
		return;
	json_array_foreach(items, i, it)
		if (num(it, "ns") > maxns)
			maxns = num(it, "ns");
	fputs("<figure><svg class=\"blame\" xmlns=\"http://www.w3.org/2000/svg\" ", f);
	fprintf(f, "width=\"%d\" height=\"%zu\">", W, T + ROW * shown + 4);
	for (i = 0; i < shown; i++) {
		double w;

		it = json_array_get(items, i);
		w = maxns > 0 ? num(it, "ns") / maxns * (W - L - R) : 0;
		if (w < 1)
			w = 1;
		fprintf(f, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", L - 4,
			T + ROW * i + 12);
		item_label(f, it);
		fprintf(f, "</text><rect data-ns=\"%.17g\" data-share=\"%.17g\" x=\"%d\" "
			"y=\"%zu\" width=\"%.1f\" height=\"%d\" fill=\"#d62728\"><title>",
			num(it, "ns"), num(it, "share"), L, T + ROW * i, w, ROW - 4);
		item_label(f, it);
		fputs(": ", f);
		put_dur(f, num(it, "ns"));
		fprintf(f, "</title></rect><text x=\"%.1f\" y=\"%zu\">", L + w + 4,
			T + ROW * i + 12);
		put_dur(f, num(it, "ns"));
		fprintf(f, " (%.1f%%)</text>", 100 * num(it, "share"));
	}
	fputs("</svg><figcaption>where the tail's time went: time charged per item (", f);
	fprintf(f, "%.0f packets at or over ", num(blame, "spans"));
	put_dur(f, num(blame, "threshold_ns"));
	fputs(", added up) and its share of the items' total", f);
	if (shown < n)
		fprintf(f, "; first %zu of %zu items", shown, n);
	fputs("</figcaption></figure>\n", f);
}

/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS.uuuuuu" (UTC), or NAN. */
static double utc_seconds(const char *s)
{
	struct tm tm = { 0 };
	double frac = 0;
	int n = 0;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return NAN;
	if (s[n] == '.' && sscanf(s + n, "%lf", &frac) != 1)
		return NAN;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + frac;
}

/* Print a JSON array of member @key of each bucket (null stays null). */
static void series(FILE *f, json_t *tl, const char *key)
{
	json_t *b, *v;
	size_t i;

	fputs("[", f);
	json_array_foreach(tl, i, b) {
		v = json_object_get(b, key);
		if (json_is_number(v))
			fprintf(f, "%s%.17g", i ? "," : "", json_number_value(v));
		else
			fputs(i ? ",null" : "null", f);
	}
	fputs("]", f);
}

static const struct {
	const char *key, *label, *color, *dash;
} tl_lines[] = {
	{ "p50_ns", "p50", "#2a6fb0", "none" },
	{ "p99_ns", "p99", "#e8a33d", "none" },
	{ "max_ns", "max", "#d62728", "6,4" },	/* dashed: p99 often equals it */
};

/* The SVG plot, without uPlot: @x seconds (UTC or relative) per bucket. */
static void timeline_svg(FILE *f, json_t *tl, const double *x, bool utc)
{
	const int W = 640, H = 240, L = 70, R = 10, T = 10, B = 50;
	size_t i, n = json_array_size(tl), l;
	double x0 = x[0], x1 = x[n - 1], ymax = 0;
	char buf[32];
	json_t *b;

	json_array_foreach(tl, i, b)
		if (num(b, "max_ns") > ymax)
			ymax = num(b, "max_ns");
	if (x1 <= x0)
		x1 = x0 + 1;
	if (!(ymax > 0))
		ymax = 1;
#define PX(v) (L + ((v) - x0) / (x1 - x0) * (W - L - R))
#define PY(v) (H - B - (v) / ymax * (H - T - B))
	fprintf(f, "<svg class=\"tlsvg\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
		"stroke=\"#333\"/>", W, H, L, T, W - L - R, H - T - B);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", L - 4, T + 8);
	put_dur(f, ymax);
	fprintf(f, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">0 ns</text>", L - 4,
		H - B);
	for (l = 0; l < sizeof(tl_lines) / sizeof(tl_lines[0]); l++) {
		bool open = false;

		json_array_foreach(tl, i, b) {
			if (!json_is_number(json_object_get(b, tl_lines[l].key))) {
				if (open)
					fputs("\"/>", f);
				open = false;
				continue;
			}
			if (!open)
				fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
					"stroke-dasharray=\"%s\" points=\"", tl_lines[l].color,
					tl_lines[l].dash);
			fprintf(f, "%s%.1f,%.1f", open ? " " : "", PX(x[i]),
				PY(num(b, tl_lines[l].key)));
			open = true;
		}
		if (open)
			fputs("\"/>", f);
		fprintf(f, "<rect x=\"%zu\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%zu\" y=\"%d\">%s latency</text>", L + 10 + l * 120, H - 14,
			tl_lines[l].color, L + 24 + l * 120, H - 5, tl_lines[l].label);
	}
	/* x labels: first, middle and last bucket. */
	for (l = 0; l < 3; l++) {
		size_t k = l == 0 ? 0 : l == 1 ? n / 2 : n - 1;
		long long ms = llround(x[k] * 1000);	/* 0.372 is 0.37199999... */
		time_t t = (time_t)(ms / 1000);
		struct tm tm;

		if (utc && gmtime_r(&t, &tm))
			snprintf(buf, sizeof(buf), "%02d:%02d:%02d.%03lld", tm.tm_hour, tm.tm_min,
				 tm.tm_sec, ms % 1000);
		else
			snprintf(buf, sizeof(buf), "%.3f s", x[k] - x0);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>", PX(x[k]),
			H - B + 14, l == 0 ? "start" : l == 2 ? "end" : "middle", buf);
		if (l == 0 && n < 2)
			break;
	}
#undef PX
#undef PY
	fputs("</svg>", f);
}

void out_html_timeline(FILE *f, json_t *tl, json_t *interval)
{
	size_t i, n = json_array_size(tl);
	bool utc = true;
	double *x;
	json_t *b;

	if (!n)
		return;
	x = calloc(n, sizeof(*x));
	if (!x)
		return;
	json_array_foreach(tl, i, b) {
		x[i] = utc_seconds(json_string_value(json_object_get(b, "start_utc")));
		if (isnan(x[i]))
			utc = false;
	}
	if (!utc)
		json_array_foreach(tl, i, b)
			x[i] = (num(b, "start_ns") - num(json_array_get(tl, 0), "start_ns")) / 1e9;
	fputs("<figure><div class=\"timeline\" data-utc=\"", f);
	fputs(utc ? "1" : "0", f);
	fputs("\" data-series='{\"x\":[", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%.6f", i ? "," : "", x[i]);
	fputs("],\"count\":", f);
	series(f, tl, "count");
	for (size_t l = 0; l < sizeof(tl_lines) / sizeof(tl_lines[0]); l++) {
		fprintf(f, ",\"%s\":", tl_lines[l].key);
		series(f, tl, tl_lines[l].key);
	}
	fputs("}'>", f);
	if (!out_html_uplot_js[0])
		timeline_svg(f, tl, x, utc);
	fputs("</div><figcaption>latency over time: p50, p99 and max latency of the packets "
	      "completed in each ", f);
	if (json_is_number(interval))
		put_dur(f, json_number_value(interval));
	fputs(" bucket; x: ", f);
	fputs(utc ? "bucket start, wall clock (UTC)" : "bucket start, seconds since the first",
	      f);
	fputs("</figcaption></figure>\n", f);
	free(x);
}
