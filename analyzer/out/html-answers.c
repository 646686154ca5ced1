// SPDX-License-Identifier: Apache-2.0
/*
 * out/html-answers.c - the first screen of the HTML page (out/html.c): per
 * report the few numbers that answer the question the report is run for,
 * each card linking to the report's details further down (#r-<report>):
 *
 *	latency		per span: packets, p50 / p99 / max, the slowest hop
 *			(p99), where the tail's time went (blame) and the worst
 *			packets with their path and CPUs
 *	kernel_delay	the threads with the largest kernel delay (waiting to
 *			run, in syscalls other than idle waits, in IRQs) and
 *			what it was; idle waits (poll, epoll_wait, ..., long
 *			polls) shown apart
 *	upcall_cost	median and p99 of each stage of the upcall path
 *	drops		drops by reason (and where)
 *	bridge_loop	the busiest main-loop threads
 * For a merge, the same cards for each input host, side by side.
 * Like the rest of the page it reads the JSON document only.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "out/html-local.h"

#define ANS_MAX_SPANS 4
#define ANS_MAX_WORST 3
#define ANS_MAX_THREADS 3
#define ANS_MAX_REASONS 5

/* A duration cell: the value in the unit that reads best. */
static void dur(FILE *f, double ns)
{
	char buf[32];

	out_html_dur(buf, sizeof(buf), ns);
	fputs(buf, f);
}

static double num(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static void card_begin(FILE *f, const char *report, const char *title)
{
	fputs("<div class=\"card\"><h3>", f);
	out_html_esc(f, title);
	fputs(" <a class=\"more\" href=\"#r-", f);
	out_html_esc(f, report);
	fputs("\">details &darr;</a></h3>\n", f);
}

/*
 * With uPlot inlined: an interactive CDF of log2 histogram @h (hover shows
 * the share of packets at or under each bucket's upper bound); the page's
 * script draws every div.ucdf from its data-cdf.
 */
static void ucdf(FILE *f, json_t *h, const char *name)
{
	double total = 0, cum = 0;
	json_t *b;
	size_t i;

	if (!out_html_uplot_js[0] || !json_array_size(h))
		return;
	json_array_foreach(h, i, b)
		total += num(b, "count");
	if (!(total > 0))
		return;
	fputs("<div class=\"ucdf\" data-title=\"latency CDF, span ", f);
	out_html_esc(f, name);
	fputs("\" data-cdf='{\"x\":[", f);
	json_array_foreach(h, i, b)
		fprintf(f, "%s%.0f", i ? "," : "", num(b, "hi_ns") > 0 ? num(b, "hi_ns") : 1);
	fputs("],\"y\":[", f);
	json_array_foreach(h, i, b) {
		cum += num(b, "count");
		fprintf(f, "%s%.2f", i ? "," : "", 100 * cum / total);
	}
	fputs("]}'></div>\n", f);
}

static void latency(FILE *f, json_t *rep)
{
	json_t *spans = json_object_get(rep, "spans"), *sp, *w, *h;
	size_t i, j;

	json_array_foreach(spans, i, sp) {
		json_t *hops = json_object_get(sp, "hops"), *worst = json_object_get(sp, "worst");
		json_t *slow = NULL;

		if (i == ANS_MAX_SPANS)
			break;
		fputs("<div class=\"card\"><h3>latency: span ", f);
		out_html_esc(f, str(sp, "name"));
		fputs(" <a class=\"more\" href=\"#r-latency\">details &darr;</a></h3>\n", f);
		fprintf(f, "<table class=\"big\"><tr><th>packets</th><th>p50 latency</th>"
			"<th>p99 latency</th><th>max latency</th></tr>\n<tr><td class=\"n\">%.0f"
			"</td><td class=\"n\">", num(sp, "count"));
		dur(f, num(sp, "p50_ns"));
		fputs("</td><td class=\"n\">", f);
		dur(f, num(sp, "p99_ns"));
		fputs("</td><td class=\"n\">", f);
		dur(f, num(sp, "max_ns"));
		fputs("</td></tr></table>\n", f);
		ucdf(f, json_object_get(sp, "histogram"), str(sp, "name"));
		/* Where the tail's time went: the hop with the largest p99. */
		if (json_array_size(hops) > 1) {
			json_array_foreach(hops, j, h)
				if (!slow || num(h, "p99_ns") > num(slow, "p99_ns"))
					slow = h;
			fputs("<p>slowest hop at p99: <b>", f);
			out_html_esc(f, str(slow, "name"));
			fputs("</b> (p99 ", f);
			dur(f, num(slow, "p99_ns"));
			fputs(")</p>\n", f);
		}
		out_html_blame_card(f, json_object_get(sp, "blame"));
		if (!json_array_size(worst)) {
			fputs("</div>\n", f);
			continue;
		}
		fputs("<table><tr><th>worst packets: latency</th><th>path (CPU)</th></tr>\n", f);
		json_array_foreach(worst, j, w) {
			json_t *ev = json_object_get(w, "events"), *cpus = json_object_get(w, "cpus");
			size_t k;

			if (j == ANS_MAX_WORST)
				break;
			fputs("<tr><td class=\"n\">", f);
			dur(f, num(w, "latency_ns"));
			fputs("</td><td>", f);
			for (k = 0; k < json_array_size(ev); k++) {
				if (k)
					fputs(" &rarr; ", f);
				out_html_esc(f, json_string_value(json_array_get(ev, k)) ?: "?");
				if (json_is_integer(json_array_get(cpus, k)))
					fprintf(f, " (%" JSON_INTEGER_FORMAT ")",
						json_integer_value(json_array_get(cpus, k)));
			}
			fputs("</td></tr>\n", f);
		}
		fputs("</table></div>\n", f);
	}
}

bool out_html_idle_syscall(const char *name)
{
	static const char *const idle[] = {
		"poll", "ppoll", "select", "pselect6", "epoll_wait", "epoll_pwait",
		"epoll_pwait2", "nanosleep", "clock_nanosleep", "recvmmsg", NULL,
	};

	for (int i = 0; name && idle[i]; i++)
		if (!strcmp(name, idle[i]))
			return true;
	return false;
}

struct kd_row {
	json_t *t;
	double delay, idle, sys, ready, irq;
	const char *top_sys;
	double top_sys_ns;
};

static void kd_row(json_t *t, struct kd_row *r)
{
	json_t *s;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->t = t;
	json_array_foreach(json_object_get(t, "syscalls"), i, s) {
		double ns = num(s, "total_ns");

		if (out_html_idle_syscall(json_string_value(json_object_get(s, "name")))) {
			r->idle += ns;
			continue;
		}
		r->sys += ns;
		if (ns > r->top_sys_ns) {
			r->top_sys_ns = ns;
			r->top_sys = json_string_value(json_object_get(s, "name"));
		}
	}
	r->idle += num(json_object_get(t, "long_poll"), "total_ns");
	r->ready = num(json_object_get(t, "ready"), "total_ns");
	r->irq = out_html_kd_total(t, "hardirq") + out_html_kd_total(t, "softirq");
	r->delay = r->sys + r->ready + r->irq;
}

static void kernel_delay(FILE *f, json_t *rep)
{
	json_t *samples = json_object_get(rep, "samples"), *threads, *t;
	struct kd_row top[ANS_MAX_THREADS], r;
	size_t i, n = 0, k;

	card_begin(f, "kernel_delay", "kernel delay: threads delayed most");
	threads = json_object_get(json_array_get(samples, 0), "threads");
	json_array_foreach(threads, i, t) {
		kd_row(t, &r);
		for (k = n; k > 0 && top[k - 1].delay < r.delay; k--)
			if (k < ANS_MAX_THREADS)
				top[k] = top[k - 1];
		if (k < ANS_MAX_THREADS) {
			top[k] = r;
			if (n < ANS_MAX_THREADS)
				n++;
		}
	}
	if (!n) {
		fputs("<p>no thread</p></div>\n", f);
		return;
	}
	fputs("<table><tr><th>thread (tid)</th><th>kernel delay</th><th>waiting to run "
	      "(ready)</th><th>in syscalls (largest)</th><th>in IRQs</th>"
	      "<th>idle waits (apart)</th></tr>\n", f);
	for (k = 0; k < n; k++) {
		fputs("<tr><td>", f);
		out_html_esc(f, str(top[k].t, "name"));
		fprintf(f, " (%.0f)</td><td class=\"n\"><b>", num(top[k].t, "tid"));
		dur(f, top[k].delay);
		fputs("</b></td><td class=\"n\">", f);
		dur(f, top[k].ready);
		fputs("</td><td class=\"n\">", f);
		dur(f, top[k].sys);
		if (top[k].top_sys) {
			fputs(" (", f);
			out_html_esc(f, top[k].top_sys);
			fputs(" ", f);
			dur(f, top[k].top_sys_ns);
			fputs(")", f);
		}
		fputs("</td><td class=\"n\">", f);
		dur(f, top[k].irq);
		fputs("</td><td class=\"n idle\">", f);
		dur(f, top[k].idle);
		fputs("</td></tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

static void upcall_cost(FILE *f, json_t *rep)
{
	const char *k;
	json_t *m;

	card_begin(f, "upcall_cost", "upcall cost per stage");
	fprintf(f, "<p>%.0f upcall sets</p>\n<table><tr><th>stage</th><th>upcalls</th>"
		"<th>median</th><th>p99</th><th>max</th></tr>\n", num(rep, "sets"));
	json_object_foreach(rep, k, m) {
		if (!json_is_object(m) || !json_object_get(m, "median_ns"))
			continue;
		fputs("<tr><td>", f);
		out_html_esc(f, k);
		fprintf(f, "</td><td class=\"n\">%.0f</td><td class=\"n\">", num(m, "count"));
		dur(f, num(m, "median_ns"));
		fputs("</td><td class=\"n\">", f);
		dur(f, num(m, "p99_ns"));
		fputs("</td><td class=\"n\">", f);
		dur(f, num(m, "max_ns"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

static void drops(FILE *f, json_t *rep)
{
	json_t *reasons = json_object_get(rep, "reasons"), *r;
	size_t i;

	card_begin(f, "drops", "drops by reason");
	fprintf(f, "<p><b>%.0f</b> packets dropped</p>\n", num(rep, "drops"));
	if (!json_array_size(reasons)) {
		fputs("</div>\n", f);
		return;
	}
	fputs("<table><tr><th>reason</th><th>drops</th><th>where most (drops)</th>"
	      "<th>device most (drops)</th></tr>\n", f);
	json_array_foreach(reasons, i, r) {
		json_t *loc = json_array_get(json_object_get(r, "locations"), 0);
		json_t *dev = json_array_get(json_object_get(r, "devices"), 0);

		if (i == ANS_MAX_REASONS)
			break;
		fputs("<tr><td>", f);
		out_html_esc(f, str(r, "reason"));
		fprintf(f, "</td><td class=\"n\">%.0f</td><td>", num(r, "count"));
		if (loc) {
			out_html_esc(f, str(loc, "location"));
			fprintf(f, " (%.0f)", num(loc, "count"));
		}
		fputs("</td><td>", f);
		if (dev) {
			out_html_esc(f, str(dev, "device"));
			fprintf(f, " (%.0f)", num(dev, "count"));
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

static void bridge_loop(FILE *f, json_t *rep)
{
	json_t *threads = json_object_get(rep, "threads"), *t;
	size_t i;

	card_begin(f, "bridge_loop", "main loop per thread");
	fputs("<table><tr><th>thread (tid)</th><th>iterations</th><th>run p99</th>"
	      "<th>run max</th><th>time running</th><th>time in poll wait</th></tr>\n", f);
	json_array_foreach(threads, i, t) {
		json_t *run = json_object_get(t, "run"), *wait = json_object_get(t, "poll_wait");

		if (i == ANS_MAX_THREADS)
			break;
		fputs("<tr><td>", f);
		out_html_esc(f, str(t, "name"));
		fprintf(f, " (%.0f)</td><td class=\"n\">%.0f</td><td class=\"n\">", num(t, "tid"),
			num(run, "count"));
		dur(f, num(run, "p99_ns"));
		fputs("</td><td class=\"n\">", f);
		dur(f, num(run, "max_ns"));
		fputs("</td><td class=\"n\">", f);
		dur(f, num(run, "total_ns"));
		fputs("</td><td class=\"n\">", f);
		dur(f, num(wait, "total_ns"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table></div>\n", f);
}

/* The cards of one document's reports. */
static void cards(FILE *f, json_t *doc)
{
	json_t *reports = json_object_get(doc, "reports"), *m;
	const char *k;

	json_object_foreach(reports, k, m) {
		if (!strcmp(k, "latency"))
			latency(f, m);
		else if (!strcmp(k, "kernel_delay"))
			kernel_delay(f, m);
		else if (!strcmp(k, "upcall_cost"))
			upcall_cost(f, m);
		else if (!strcmp(k, "drops"))
			drops(f, m);
		else if (!strcmp(k, "bridge_loop"))
			bridge_loop(f, m);
		else {
			card_begin(f, k, k);
			fputs("<p>see the details</p></div>\n", f);
		}
	}
}

/* The span of latency report in @doc named @name, or NULL. */
static json_t *span_named(json_t *doc, const char *name)
{
	json_t *spans = json_object_get(json_object_get(json_object_get(doc, "reports"),
							"latency"), "spans"), *sp;
	size_t i;

	json_array_foreach(spans, i, sp)
		if (!strcmp(str(sp, "name"), name))
			return sp;
	return NULL;
}

static const char *const host_colors[] = {
	"#2a6fb0", "#e8a33d", "#4daf4a", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
};

/*
 * Merge: per latency span, the hosts' latency CDFs overlaid (from their log2
 * histograms: the share of packets at or under each bucket's upper bound;
 * hover a point for its value).
 */
static void merge_cdfs(FILE *f, json_t *doc, json_t *inputs)
{
	const int W = 620, H = 240, L = 50, R = 130, T = 12, B = 40;
	json_t *spans = json_object_get(json_object_get(json_object_get(doc, "reports"),
							"latency"), "spans"), *sp, *in, *h, *b;
	size_t i, j, k;
	char buf[32];

	json_array_foreach(spans, i, sp) {
		const char *name = str(sp, "name");
		double lo = 0, hi = 0, lx, hx;

		if (i == ANS_MAX_SPANS)
			break;
		/* The x range: every host's buckets, on a log2 scale. */
		json_array_foreach(inputs, j, in) {
			h = json_object_get(span_named(in, name), "histogram");
			json_array_foreach(h, k, b) {
				double l = num(b, "lo_ns"), u = num(b, "hi_ns");

				if (l > 0 && (!lo || l < lo))
					lo = l;
				if (u > hi)
					hi = u;
			}
		}
		if (!(lo > 0 && hi > lo))
			continue;
		lx = log2(lo);
		hx = log2(hi);
		fputs("<figure><svg class=\"cdfs\" xmlns=\"http://www.w3.org/2000/svg\" ", f);
		fprintf(f, "width=\"%d\" height=\"%d\">", W, H);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
			L, H - B, W - R, H - B, L, T, L, H - B);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">100%%</text>"
			"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0%%</text>", L - 4, T + 8,
			L - 4, H - B);
		out_html_dur(buf, sizeof(buf), lo);
		fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>", L, H - B + 14, buf);
		out_html_dur(buf, sizeof(buf), hi);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", W - R,
			H - B + 14, buf);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">latency (log "
			"scale)</text>", (L + W - R) / 2, H - B + 28);
		json_array_foreach(inputs, j, in) {
			const char *color = host_colors[j % (sizeof(host_colors) /
							     sizeof(host_colors[0]))];
			const char *host = str(json_object_get(in, "recording"), "hostname");
			double total = 0, cum = 0;

			h = json_object_get(span_named(in, name), "histogram");
			json_array_foreach(h, k, b)
				total += num(b, "count");
			if (!(total > 0))
				continue;
			fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
				"points=\"%d,%d", color, L, H - B);
			json_array_foreach(h, k, b) {
				cum += num(b, "count");
				fprintf(f, " %.1f,%.1f", L + (log2(num(b, "hi_ns")) - lx) / (hx - lx) *
					(W - L - R), H - B - cum / total * (H - B - T));
			}
			fputs("\"/>", f);
			cum = 0;
			json_array_foreach(h, k, b) {
				cum += num(b, "count");
				out_html_dur(buf, sizeof(buf), num(b, "hi_ns"));
				fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\">"
					"<title>", L + (log2(num(b, "hi_ns")) - lx) / (hx - lx) *
					(W - L - R), H - B - cum / total * (H - B - T), color);
				out_html_esc(f, host);
				fprintf(f, ": %.1f%% of packets under %s</title></circle>",
					100 * cum / total, buf);
			}
			fprintf(f, "<rect x=\"%d\" y=\"%zu\" width=\"10\" height=\"10\" "
				"fill=\"%s\"/><text x=\"%d\" y=\"%zu\">", W - R + 10, T + 16 * j,
				color, W - R + 24, T + 16 * j + 9);
			out_html_esc(f, host);
			fputs("</text>", f);
		}
		fputs("</svg><figcaption>latency CDF per host, span ", f);
		out_html_esc(f, name);
		fputs(" (share of packets at or under each log2 bucket's upper bound)"
		      "</figcaption></figure>\n", f);
	}
}

void out_html_answers(FILE *f, json_t *doc, json_t *inputs)
{
	json_t *in;
	size_t i;

	fputs("<section id=\"answers\">\n", f);
	if (!json_array_size(inputs)) {
		fputs("<div class=\"cards\">\n", f);
		cards(f, doc);
		fputs("</div>\n", f);
	} else {
		/* A merge: the hosts side by side, then the merged numbers. */
		fputs("<div class=\"hosts\">\n", f);
		json_array_foreach(inputs, i, in) {
			json_t *rec = json_object_get(in, "recording");

			fputs("<div class=\"host\"><h3 class=\"hostname\">", f);
			out_html_esc(f, str(rec, "hostname"));
			fprintf(f, "</h3><p class=\"note\">%.0f events in ", num(rec, "events"));
			dur(f, num(rec, "duration_ns"));
			fputs("</p>\n", f);
			cards(f, in);
			fputs("</div>\n", f);
		}
		fputs("</div>\n<div class=\"figs\">", f);
		merge_cdfs(f, doc, inputs);
		fputs("</div>\n<h3>all hosts merged</h3>\n<div class=\"cards\">\n", f);
		cards(f, doc);
		fputs("</div>\n", f);
	}
	fputs("</section>\n", f);
}
