// SPDX-License-Identifier: Apache-2.0
/*
 * out/html.c - the HTML writer of ovsperf-analyze (--html FILE, and merge).
 *
 * It is a writer over the JSON document, not over the reports: whatever a
 * report puts in its JSON object shows up here, so a new report or field
 * needs no HTML code.  The rendering rules, applied recursively:
 *
 *	scalars, arrays of scalars, flat objects  -> one key/value table
 *	"histogram"-like arrays ({lo_X, hi_X, count} or {size, count})
 *	                                          -> SVG bar chart + SVG CDF
 *	arrays of flat objects                    -> a table (first rows only)
 *	arrays of nested objects, nested objects  -> sub-sections
 *	"threads" arrays of kernel-delay threads  -> also stacked SVG bars
 *	latency's "blame" objects, "timeline" arrays
 *	                                          -> also bars, a time plot
 *	                                             (out/html-latency.c)
 *
 * The page is one file with inline CSS and SVG and no script, so it can be
 * attached to a ticket and opened anywhere, offline.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "out/html.h"
#include "out/html-local.h"
#include "ovsperf/outfile.h"

#define esc out_html_esc
#define fmt_dur out_html_dur
#define kd_total out_html_kd_total

/* Rows of a table and elements of an array of sections shown at most. */
#define HTML_MAX_ROWS 100
#define HTML_MAX_SECTIONS 40
/* Scalars of an array shown in one cell. */
#define HTML_MAX_INLINE 16

static const char html_css[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}"
	"h1{font-size:1.6em;border-bottom:3px solid #2a6fb0}"
	"h2{font-size:1.35em;background:#2a6fb0;color:#fff;padding:.25em .5em}"
	"h3{font-size:1.15em;border-bottom:1px solid #2a6fb0}"
	"h4,h5,h6{font-size:1em}"
	"table{border-collapse:collapse;margin:.4em 0 1em 0;font-size:.85em}"
	"th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}"
	"th{background:#e4edf6}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"table.kv th{width:14em}"
	"details{margin:.3em 0 .3em .8em}"
	"summary{cursor:pointer;font-weight:bold;color:#2a6fb0}"
	".figs{display:flex;flex-wrap:wrap;gap:1em}"
	"figure{margin:.3em 0;border:1px solid #ddd;padding:.3em}"
	"figcaption{font-size:.85em;color:#555}"
	"svg text{font-family:sans-serif;font-size:10px;fill:#333}"
	".note{color:#777;font-size:.85em}"
	".warn{color:#b00;font-weight:bold}"
	"footer{margin-top:2em;color:#777;font-size:.8em}"
	"#answers .cards{display:flex;flex-wrap:wrap;gap:.8em;align-items:flex-start}"
	".card{border:1px solid #9bb8d6;border-radius:4px;padding:.2em .8em;background:#f7fafd}"
	".card h3{margin:.3em 0;border:0;font-size:1.05em}"
	".card table{margin:.3em 0}"
	"table.big td{font-size:1.5em;font-weight:bold;color:#2a6fb0}"
	"a.more{font-size:.8em;font-weight:normal;margin-left:.6em}"
	".hosts{display:flex;gap:1em;align-items:flex-start}"
	".host{flex:1;min-width:0;border-top:3px solid #2a6fb0}"
	".hostname{font-size:1.3em}"
	"td.idle{color:#888}"
	"details.report>summary{margin:.3em 0 .6em 0}";

/* Draws every div.ucdf (out/html-answers.c) with uPlot: x log2 bucket
 * upper bounds (ns, log scale), y the cumulative share; hover shows both. */
static const char html_charts_js[] =
	"(function(){"
	"function fmt(ns){if(ns==null)return '-';var u=[[1e9,'s'],[1e6,'ms'],[1e3,'us']];"
	"for(var i=0;i<u.length;i++)if(ns>=u[i][0])return (ns/u[i][0]).toPrecision(3)+' '+u[i][1];"
	"return Math.round(ns)+' ns';}"
	"document.querySelectorAll('div.ucdf').forEach(function(el){"
	"var d=JSON.parse(el.getAttribute('data-cdf'));"
	"new uPlot({width:520,height:200,title:el.getAttribute('data-title'),"
	"scales:{x:{time:false,distr:3},y:{range:[0,100]}},"
	"axes:[{values:function(u,v){return v.map(function(x){return x==null?'':fmt(x);});}},"
	"{values:function(u,v){return v.map(function(x){return x+'%';});}}],"
	"series:[{label:'latency at or under',value:function(u,v){return fmt(v);}},"
	"{label:'share of packets',stroke:'#2a6fb0',width:2,points:{show:true},"
	"value:function(u,v){return v==null?'-':v.toFixed(1)+'%';}}]},[d.x,d.y],el);"
	"});"
	/* div.timeline (out/html-latency.c): p50/p99/max latency per bucket,
	 * x in seconds (UTC wall clock when data-utc is 1). */
	"document.querySelectorAll('div.timeline').forEach(function(el){"
	"var d=JSON.parse(el.getAttribute('data-series'));var utc=el.getAttribute('data-utc')==='1';"
	"var x0=d.x[0];"
	"function tx(x){if(x==null)return '';if(utc)return new Date(x*1000).toISOString().slice(11,23);"
	"return (x-x0).toFixed(3)+' s';}"
	"function line(l,c,dash){return {label:l+' latency',stroke:c,width:2,dash:dash,points:{show:true},"
	"spanGaps:false,value:function(u,v){return fmt(v);}};}"
	"new uPlot({width:640,height:240,padding:[10,50,0,0],"
	"title:'latency over time'+(utc?' (UTC)':' (s since first bucket)'),"
	"scales:{x:{time:false}},"
	"axes:[{values:function(u,v){return v.map(tx);}},"
	"{size:70,values:function(u,v){return v.map(function(x){return x==null?'':fmt(x);});}}],"
	"series:[{label:utc?'bucket start (UTC)':'bucket start',value:function(u,v){return tx(v);}},"
	"line('p50','#2a6fb0'),line('p99','#e8a33d'),line('max','#d62728',[6,4])]},"
	"[d.x,d.p50_ns,d.p99_ns,d.max_ns],el);"
	"});})();";

/* Colors of the kernel-delay categories, in stacking order; idle waits
 * (long polls and syscalls that wait for work) are drawn apart. */
static const struct {
	const char *key;	/* member of a thread object */
	const char *label;
	const char *color;
} kd_parts[] = {
	{ "run", "on CPU", "#2a6fb0" },
	{ "ready", "runnable, waiting", "#e8a33d" },
	{ "stopped", "stopped", "#999999" },
	{ "syscalls", "in syscalls (not idle)", "#4daf4a" },
	{ "hardirq", "hard IRQ", "#d62728" },
	{ "softirq", "soft IRQ", "#e377c2" },
};

void out_html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

void out_html_dur(char *buf, size_t size, double ns)
{
	static const struct {
		double div;
		const char *unit;
	} units[] = { { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" } };
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (fabs(ns) >= units[i].div) {
			double v = ns / units[i].div;

			snprintf(buf, size, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s",
				 v, units[i].unit);
			return;
		}
	}
	snprintf(buf, size, "%.0f ns", ns);
}

/* Keys whose _ns values are points in time, not durations. */
static bool is_timestamp_key(const char *key)
{
	static const char *const prefixes[] = { "first_", "last_", "start", "end_", "stop_",
						"times_", "time_" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(key, prefixes[i], strlen(prefixes[i])))
			return true;
	return !strcmp(key, "time_ns") || !strcmp(key, "ts_ns");
}

/* Print scalar @v of member @key, readable: durations with units. */
static void put_scalar(FILE *f, const char *key, json_t *v)
{
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		esc(f, json_string_value(v));
		break;
	case JSON_INTEGER:
	case JSON_REAL: {
		double d = json_number_value(v);

		if (key && ends_with(key, "_ns") && is_timestamp_key(key)) {
			fprintf(f, "%.6f s", d / 1e9);
		} else if (key && (ends_with(key, "_ns") || ends_with(key, "_us"))) {
			fmt_dur(buf, sizeof(buf), ends_with(key, "_us") ? d * 1e3 : d);
			fprintf(f, "<span title=\"%.17g\">%s</span>", d, buf);
		} else if (json_is_integer(v)) {
			fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		} else {
			fprintf(f, "%.4g", d);
		}
		break;
	}
	case JSON_TRUE:
		fputs("yes", f);
		break;
	case JSON_FALSE:
		fputs("no", f);
		break;
	case JSON_NULL:
		fputs("&ndash;", f);
		break;
	default:
		break;
	}
}

static bool is_scalar(json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* An object whose members are all scalars. */
static bool is_flat_object(json_t *v)
{
	const char *k;
	json_t *m;

	if (!json_is_object(v))
		return false;
	json_object_foreach(v, k, m)
		if (!is_scalar(m))
			return false;
	return true;
}

/* An array of scalars, or of arrays of scalars (latency's "stages"). */
static bool is_scalar_array(json_t *v)
{
	size_t i, j;
	json_t *m, *e;

	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, m) {
		if (json_is_array(m)) {
			json_array_foreach(m, j, e)
				if (!is_scalar(e))
					return false;
		} else if (!is_scalar(m)) {
			return false;
		}
	}
	return true;
}

/* Fits in a table cell: a scalar, an array of scalars or a flat object. */
static bool is_cell(json_t *v)
{
	return is_scalar(v) || is_scalar_array(v) || is_flat_object(v);
}

/*
 * A histogram: a non-empty array of objects { lo_X, hi_X, count } or
 * { size, count }.  @lo/@hi get the bound keys (@hi NULL for size).
 */
static bool is_hist(json_t *a, const char **lo, const char **hi)
{
	json_t *b = json_array_get(a, 0);
	const char *k;
	json_t *m;
	size_t i;

	*lo = *hi = NULL;
	if (!json_is_array(a) || !json_is_object(b))
		return false;
	json_object_foreach(b, k, m) {
		if (!strncmp(k, "lo_", 3))
			*lo = k;
		else if (!strncmp(k, "hi_", 3))
			*hi = k;
		else if (!strcmp(k, "size"))
			*lo = k;
		else if (strcmp(k, "count"))
			return false;
	}
	if (!*lo || (strcmp(*lo, "size") && !*hi))
		return false;
	json_array_foreach(a, i, b)
		if (!json_is_number(json_object_get(b, *lo)) ||
		    !json_is_integer(json_object_get(b, "count")))
			return false;
	return true;
}

/* Put @v (a cell) into a table cell. */
static void put_cell(FILE *f, const char *key, json_t *v)
{
	const char *k;
	json_t *m;
	size_t i;

	if (json_is_number(v)) {
		fputs("<td class=\"n\">", f);
		put_scalar(f, key, v);
	} else if (is_scalar(v)) {
		fputs("<td>", f);
		put_scalar(f, key, v);
	} else if (json_is_array(v)) {
		/* "times_ns" items are times, "worst_ns" items durations. */
		fputs("<td>", f);
		if (!json_array_size(v))
			fputs("none", f);
		json_array_foreach(v, i, m) {
			if (i == HTML_MAX_INLINE) {
				fprintf(f, ", &hellip; (%zu)", json_array_size(v));
				break;
			}
			if (i)
				fputs(", ", f);
			if (json_is_array(m)) {
				json_t *e;
				size_t j;

				fputs("[", f);
				json_array_foreach(m, j, e) {
					if (j)
						fputs(", ", f);
					put_scalar(f, key, e);
				}
				fputs("]", f);
			} else {
				put_scalar(f, key, m);
			}
		}
	} else {
		fputs("<td>", f);
		i = 0;
		json_object_foreach(v, k, m) {
			if (i++)
				fputs(", ", f);
			esc(f, k);
			fputs(": ", f);
			put_scalar(f, k, m);
		}
	}
	fputs("</td>", f);
}

/* Bucket bound as a label: durations with units, sizes plain. */
static void bound_label(char *buf, size_t size, const char *key, double v)
{
	if (ends_with(key, "_ns"))
		fmt_dur(buf, size, v);
	else if (ends_with(key, "_us"))
		fmt_dur(buf, size, v * 1e3);
	else
		snprintf(buf, size, "%.0f", v);
}

/*
 * A log2 histogram ([0, 2) or [2^k, 2^(k+1)) buckets) lists only non-empty
 * buckets: give the chart the empty ones in between too, so its x axis is
 * a true log2 scale.  Returns a new reference, or NULL when @a is not log2.
 */
static json_t *fill_log2(json_t *a, const char *lo, const char *hi)
{
	json_t *out, *b;
	double next = -1;
	size_t i;

	if (!hi)
		return NULL;
	json_array_foreach(a, i, b) {
		double l = json_number_value(json_object_get(b, lo));
		double u = json_number_value(json_object_get(b, hi));

		if (!(l == 0 && u == 2) && u != 2 * l)
			return NULL;
		if (l < next)
			return NULL;	/* not ascending */
		next = u;
	}
	out = json_array();
	next = -1;
	json_array_foreach(a, i, b) {
		double l = json_number_value(json_object_get(b, lo));

		/* The empty buckets before this one (200 buckets at most). */
		while (next >= 0 && next < l && json_array_size(out) < 200) {
			json_t *e = json_object();

			json_object_set_new(e, lo, json_real(next));
			json_object_set_new(e, hi, json_real(next * 2));
			json_object_set_new(e, "count", json_integer(0));
			json_array_append_new(out, e);
			next *= 2;
		}
		json_array_append(out, b);
		next = json_number_value(json_object_get(b, hi));
	}
	return out;
}

static void put_hist__(FILE *f, const char *title, json_t *a, const char *lo, const char *hi);

/* SVG bar chart and CDF of histogram @a titled @title. */
static void put_hist(FILE *f, const char *title, json_t *a, const char *lo, const char *hi)
{
	json_t *filled = fill_log2(a, lo, hi);

	put_hist__(f, title, filled ? filled : a, lo, hi);
	json_decref(filled);
}

static void put_hist__(FILE *f, const char *title, json_t *a, const char *lo, const char *hi)
{
	const int W = 560, H = 220, L = 50, R = 10, T = 10, B = 60;
	double total = 0, maxc = 0, cum = 0, bw;
	size_t i, n = json_array_size(a);
	char l1[32], l2[32];
	json_t *b;

	json_array_foreach(a, i, b) {
		double c = (double)json_integer_value(json_object_get(b, "count"));

		total += c;
		if (c > maxc)
			maxc = c;
	}
	bw = (double)(W - L - R) / (double)(n ? n : 1);

	fputs("<div class=\"figs\"><figure><svg class=\"hist\" data-hist=\"1\" "
	      "xmlns=\"http://www.w3.org/2000/svg\" ", f);
	fprintf(f, "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", W, H, W, H);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", L, H - B,
		W - R, H - B);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", L, T, L,
		H - B);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>", L - 4, T + 8, maxc);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>", L - 4, H - B);
	json_array_foreach(a, i, b) {
		double c = (double)json_integer_value(json_object_get(b, "count"));
		double h = maxc > 0 ? c / maxc * (H - T - B) : 0;
		double x = L + bw * i;

		/* A few outliers among thousands must still show. */
		if (c > 0 && h < 2)
			h = 2;

		bound_label(l1, sizeof(l1), lo, json_number_value(json_object_get(b, lo)));
		if (hi)
			bound_label(l2, sizeof(l2), hi, json_number_value(json_object_get(b, hi)));
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#2a6fb0\"><title>", x + 1, H - B - h, bw > 3 ? bw - 2 : 1, h);
		if (hi)
			fprintf(f, "[%s, %s): %.0f", l1, l2, c);
		else
			fprintf(f, "%s: %.0f", l1, c);
		fputs("</title></rect>", f);
		/* Label every bucket when few, else every k-th. */
		if (n <= 16 || i % ((n + 15) / 16) == 0)
			fprintf(f, "<text transform=\"translate(%.1f,%d) rotate(-45)\" "
				"text-anchor=\"end\">%s</text>", x + bw / 2, H - B + 12, l1);
	}
	fputs("</svg><figcaption>", f);
	esc(f, title);
	fprintf(f, ": %.0f values, count per bucket (labels: lower bounds)</figcaption></figure>",
		total);

	/* The CDF: cumulative share at each bucket's upper end. */
	fputs("<figure><svg class=\"cdf\" xmlns=\"http://www.w3.org/2000/svg\" ", f);
	fprintf(f, "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", W / 2 + 60, H,
		W / 2 + 60, H);
	{
		const int CW = W / 2 + 60 - L - R;
		double cbw = (double)CW / (double)(n ? n : 1);

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
			"stroke=\"#333\"/>", L, T, CW, H - T - B);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ccc\"/>", L,
			T + (H - T - B) * 0.5, L + CW, T + (H - T - B) * 0.5);
		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ccc\"/>", L,
			T + (H - T - B) * 0.01, L + CW, T + (H - T - B) * 0.01);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">100%%</text>", L - 4, T + 8);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">50%%</text>", L - 4,
			T + (H - T - B) * 0.5 + 3);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0%%</text>", L - 4, H - B);
		fprintf(f, "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" "
			"points=\"%d,%d", L, H - B);
		json_array_foreach(a, i, b) {
			cum += (double)json_integer_value(json_object_get(b, "count"));
			fprintf(f, " %.1f,%.1f", L + cbw * (i + 1),
				H - B - (total > 0 ? cum / total : 0) * (H - T - B));
		}
		fputs("\"/>", f);
		json_array_foreach(a, i, b) {
			const char *k = hi ? hi : lo;

			if (n <= 8 || i % ((n + 7) / 8) == 0 || i + 1 == n) {
				bound_label(l1, sizeof(l1), k, json_number_value(json_object_get(b, k)));
				fprintf(f, "<text transform=\"translate(%.1f,%d) rotate(-45)\" "
					"text-anchor=\"end\">%s</text>", L + cbw * (i + 1), H - B + 12,
					l1);
			}
		}
	}
	fputs("</svg><figcaption>cumulative share (at bucket upper bounds)</figcaption>"
	      "</figure></div>\n", f);
}

double out_html_kd_total(json_t *thread, const char *key)
{
	json_t *v = json_object_get(thread, key), *m;
	double sum = 0;
	size_t i;

	if (json_is_object(v))
		return json_number_value(json_object_get(v, "total_ns"));
	json_array_foreach(v, i, m)
		sum += json_number_value(json_object_get(m, "total_ns"));
	return sum;
}

static bool is_kd_threads(json_t *a)
{
	json_t *t = json_array_get(a, 0);

	return json_is_object(t) && json_is_object(json_object_get(t, "run")) &&
	       json_is_object(json_object_get(t, "ready"));
}

/* Time of category @p of a kernel-delay thread; syscalls without idle waits. */
static double kd_part(json_t *t, size_t p)
{
	json_t *s;
	double sum = 0;
	size_t i;

	if (strcmp(kd_parts[p].key, "syscalls"))
		return kd_total(t, kd_parts[p].key);
	json_array_foreach(json_object_get(t, "syscalls"), i, s)
		if (!out_html_idle_syscall(json_string_value(json_object_get(s, "name"))))
			sum += json_number_value(json_object_get(s, "total_ns"));
	return sum;
}

/* Idle waits of a kernel-delay thread: long polls and idle syscalls. */
static double kd_idle(json_t *t)
{
	json_t *s;
	double sum = kd_total(t, "long_poll");
	size_t i;

	json_array_foreach(json_object_get(t, "syscalls"), i, s)
		if (out_html_idle_syscall(json_string_value(json_object_get(s, "name"))))
			sum += json_number_value(json_object_get(s, "total_ns"));
	return sum;
}

/*
 * Per-thread stacked bars of where kernel-delay threads spent their time,
 * and, on a scale of their own at the right, their idle waits (which would
 * otherwise drown the rest).
 */
static void put_kd_bars(FILE *f, json_t *threads)
{
	const int W = 1000, L = 190, IW = 170, R = 80, ROW = 18, T = 28;
	const int BW = W - L - R - IW - R;	/* the stacked bars' width */
	size_t n = json_array_size(threads), i, p, shown = n > 60 ? 60 : n;
	double maxt = 0, maxi = 0;
	char buf[32];
	json_t *t;

	json_array_foreach(threads, i, t) {
		double sum = 0;

		for (p = 0; p < sizeof(kd_parts) / sizeof(kd_parts[0]); p++)
			sum += kd_part(t, p);
		if (sum > maxt)
			maxt = sum;
		if (kd_idle(t) > maxi)
			maxi = kd_idle(t);
	}
	fputs("<figure><svg class=\"kdbars\" xmlns=\"http://www.w3.org/2000/svg\" ", f);
	fprintf(f, "width=\"%d\" height=\"%zu\">", W, T + ROW * shown + 8);
	for (p = 0; p < sizeof(kd_parts) / sizeof(kd_parts[0]); p++) {
		fprintf(f, "<rect x=\"%zu\" y=\"4\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%zu\" y=\"13\">%s</text>", 10 + p * 125, kd_parts[p].color,
			24 + p * 125, kd_parts[p].label);
	}
	fprintf(f, "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" fill=\"#c7c7c7\"/>"
		"<text x=\"%d\" y=\"13\">idle waits (poll, epoll_wait, ..., long polls; own "
		"scale)</text>", L + BW + R, L + BW + R + 14);
	for (i = 0; i < shown; i++) {
		double x = L, sum = 0, idle, w;
		const char *name;

		t = json_array_get(threads, i);
		name = json_string_value(json_object_get(t, "name"));
		fprintf(f, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", L - 4,
			T + ROW * i + 12);
		esc(f, name ? name : "?");
		fprintf(f, " (%" JSON_INTEGER_FORMAT ")</text>",
			json_integer_value(json_object_get(t, "tid")));
		for (p = 0; p < sizeof(kd_parts) / sizeof(kd_parts[0]); p++) {
			double v = kd_part(t, p);

			w = maxt > 0 ? v / maxt * BW : 0;
			sum += v;
			if (w <= 0)
				continue;
			fmt_dur(buf, sizeof(buf), v);
			fprintf(f, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"%d\" "
				"fill=\"%s\"><title>%s: %s</title></rect>", x, T + ROW * i, w,
				ROW - 4, kd_parts[p].color, kd_parts[p].label, buf);
			x += w;
		}
		fmt_dur(buf, sizeof(buf), sum);
		fprintf(f, "<text x=\"%.1f\" y=\"%zu\">%s</text>", x + 4, T + ROW * i + 12, buf);
		idle = kd_idle(t);
		w = maxi > 0 ? idle / maxi * IW : 0;
		fmt_dur(buf, sizeof(buf), idle);
		if (w > 0)
			fprintf(f, "<rect x=\"%d\" y=\"%zu\" width=\"%.1f\" height=\"%d\" "
				"fill=\"#c7c7c7\"><title>idle waits: %s</title></rect>", L + BW + R,
				T + ROW * i, w, ROW - 4, buf);
		fprintf(f, "<text x=\"%.1f\" y=\"%zu\">%s</text>", L + BW + R + w + 4,
			T + ROW * i + 12, buf);
	}
	fputs("</svg><figcaption>time per thread by category (totals; syscall time can "
	      "overlap the others; hover a bar for its value)", f);
	if (shown < n)
		fprintf(f, "; first %zu of %zu threads", shown, n);
	fputs("</figcaption></figure>\n", f);
}

static void put_object(FILE *f, json_t *o, int depth);

/* A label for an element of an array of sections. */
static void put_label(FILE *f, json_t *o, size_t idx)
{
	static const char *const keys[] = { "name", "key", "reason", "event", "location",
					    "device", "dev", "cpu", "tid", "type" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(o, keys[i]);

		if (v && is_scalar(v) && !json_is_null(v)) {
			esc(f, keys[i]);
			fputs(" ", f);
			put_scalar(f, NULL, v);
			if (!strcmp(keys[i], "tid") && json_is_string(json_object_get(o, "name")))
				fprintf(f, " (%s)", json_string_value(json_object_get(o, "name")));
			return;
		}
	}
	fprintf(f, "#%zu", idx);
}

/* An array of objects: a table when they are flat, else sections. */
static void put_array(FILE *f, const char *key, json_t *a, int depth)
{
	size_t i, n = json_array_size(a), c, nr_cols = 0;
	const char *cols[64];
	bool rich = false;
	const char *k;
	json_t *o, *m;

	json_array_foreach(a, i, o) {
		json_object_foreach(o, k, m) {
			if (!is_cell(m))
				rich = true;
			for (c = 0; c < nr_cols; c++)
				if (!strcmp(cols[c], k))
					break;
			if (c == nr_cols && nr_cols < sizeof(cols) / sizeof(cols[0]))
				cols[nr_cols++] = k;
		}
	}
	if (rich) {
		json_array_foreach(a, i, o) {
			if (i == HTML_MAX_SECTIONS) {
				fprintf(f, "<p class=\"note\">&hellip; %zu more (see --json)</p>",
					n - i);
				break;
			}
			fprintf(f, "<details%s><summary>", n <= 8 ? " open" : "");
			esc(f, key);
			fputs(": ", f);
			put_label(f, o, i);
			fputs("</summary>\n", f);
			put_object(f, o, depth + 1);
			fputs("</details>\n", f);
		}
		return;
	}
	fputs("<table><tr>", f);
	for (c = 0; c < nr_cols; c++) {
		fputs("<th>", f);
		esc(f, cols[c]);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	json_array_foreach(a, i, o) {
		if (i == HTML_MAX_ROWS)
			break;
		fputs("<tr>", f);
		for (c = 0; c < nr_cols; c++) {
			m = json_object_get(o, cols[c]);
			if (m)
				put_cell(f, cols[c], m);
			else
				fputs("<td></td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (n > HTML_MAX_ROWS)
		fprintf(f, "<p class=\"note\">first %d of %zu rows (see --json)</p>\n",
			HTML_MAX_ROWS, n);
}

static void heading(FILE *f, int depth, const char *text)
{
	int h = depth < 3 ? 3 : depth > 6 ? 6 : depth;

	fprintf(f, "<h%d>", h);
	esc(f, text);
	/* What the lists of packets are, for a reader without the man page. */
	if (!strcmp(text, "worst"))
		fputs(" <span class=\"note\">(slowest packets)</span>", f);
	else if (!strcmp(text, "best"))
		fputs(" <span class=\"note\">(fastest packets)</span>", f);
	fprintf(f, "</h%d>\n", h);
}

/* Flat objects with the same members in the same order. */
static bool same_keys(json_t *x, json_t *y)
{
	void *ix, *iy;

	if (!is_flat_object(x) || !is_flat_object(y) || json_object_size(x) != json_object_size(y))
		return false;
	for (ix = json_object_iter(x), iy = json_object_iter(y); ix && iy;
	     ix = json_object_iter_next(x, ix), iy = json_object_iter_next(y, iy))
		if (strcmp(json_object_iter_key(ix), json_object_iter_key(iy)))
			return false;
	return true;
}

/*
 * Member @m of @o belongs to a group of flat objects with the same members
 * (upcall-cost's latency summaries, kernel-delay's ready/stopped/...), shown
 * as one table; *first tells whether it is the group's first member.
 */
static bool in_group(json_t *o, json_t *m, bool *first)
{
	const char *k;
	json_t *s;
	bool seen_m = false, found = false;

	*first = true;
	if (!is_flat_object(m) || json_object_size(m) < 3)
		return false;
	json_object_foreach(o, k, s) {
		if (s == m) {
			seen_m = true;
			continue;
		}
		if (same_keys(s, m)) {
			found = true;
			if (!seen_m)
				*first = false;
		}
	}
	return found;
}

/* The group of @m's shape in @o: one row per member, one column per key. */
static void put_group(FILE *f, json_t *o, json_t *m)
{
	const char *k, *c;
	json_t *s, *v;

	fputs("<table><tr><th></th>", f);
	json_object_foreach(m, c, v) {
		fputs("<th>", f);
		esc(f, c);
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	json_object_foreach(o, k, s) {
		if (s != m && !same_keys(s, m))
			continue;
		fputs("<tr><th>", f);
		esc(f, k);
		fputs("</th>", f);
		json_object_foreach(s, c, v)
			put_cell(f, c, v);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* One object: its cells in a key/value table, then its nested parts. */
static void put_object(FILE *f, json_t *o, int depth)
{
	const char *k, *lo, *hi;
	bool any = false, first;
	json_t *m;

	json_object_foreach(o, k, m) {
		if (!is_cell(m) || is_hist(m, &lo, &hi) || in_group(o, m, &first) ||
		    (json_is_array(m) && json_array_size(m) && !is_scalar_array(m)))
			continue;
		if (!any)
			fputs("<table class=\"kv\">\n", f);
		any = true;
		fputs("<tr><th>", f);
		esc(f, k);
		fputs("</th>", f);
		put_cell(f, k, m);
		fputs("</tr>\n", f);
	}
	if (any)
		fputs("</table>\n", f);
	json_object_foreach(o, k, m)
		if (in_group(o, m, &first) && first)
			put_group(f, o, m);

	json_object_foreach(o, k, m) {
		if (is_hist(m, &lo, &hi)) {
			heading(f, depth + 1, k);
			put_hist(f, k, m, lo, hi);
		} else if (json_is_array(m) && json_array_size(m) && !is_scalar_array(m)) {
			heading(f, depth + 1, k);
			if (!strcmp(k, "threads") && is_kd_threads(m))
				put_kd_bars(f, m);
			if (!strcmp(k, "timeline"))
				out_html_timeline(f, m, json_object_get(o, "interval_ns"));
			put_array(f, k, m, depth + 1);
		} else if (json_is_object(m) && !is_cell(m)) {
			heading(f, depth + 1, k);
			if (!strcmp(k, "blame"))
				out_html_blame_bars(f, m);
			put_object(f, m, depth + 1);
		} else if (!strcmp(k, "histogram") && json_is_array(m)) {
			/* An empty histogram still gets its (empty) chart. */
			heading(f, depth + 1, k);
			fputs("<svg class=\"hist\" data-hist=\"0\" xmlns=\"http://www.w3.org/2000/svg\""
			      " width=\"200\" height=\"30\"><text x=\"4\" y=\"18\">no values"
			      "</text></svg>\n", f);
		}
	}
}

int out_html_write(const char *path, json_t *doc)
{
	return out_html_write_merge(path, doc, NULL);
}

int out_html_write_merge(const char *path, json_t *doc, json_t *inputs)
{
	json_t *rec = json_object_get(doc, "recording");
	json_t *reports = json_object_get(doc, "reports");
	json_t *from = json_object_get(doc, "merged_from");
	json_t *host = rec ? json_object_get(rec, "hostname") : NULL;
	struct ovp_outfile *of;
	const char *k;
	json_t *m;
	FILE *f;
	int err;

	/* Through a temporary renamed into place: a failed write leaves no
	 * partial page and any file of that name as it was. */
	err = ovp_outfile__open(&of, path, 0);
	if (err)
		return err;
	f = ovp_outfile__stream(of);
	if (!f) {
		ovp_outfile__abort(of);
		return -ENOMEM;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>"
	      "ovsperf report", f);
	if (json_is_string(host)) {
		fputs(" &ndash; ", f);
		esc(f, json_string_value(host));
	}
	fprintf(f, "</title>\n<style>%s</style>\n", html_css);
	if (out_html_uplot_js[0])
		fprintf(f, "<style>%s</style>\n", (const char *)out_html_uplot_css);
	fputs("</head>\n<body>\n<h1>ovsperf report", f);
	if (json_is_string(host)) {
		fputs(": ", f);
		esc(f, json_string_value(host));
	} else if (json_is_array(from)) {
		fprintf(f, ": %zu recordings merged", json_array_size(from));
	}
	fputs("</h1>\n", f);
	out_html_answers(f, doc, inputs);

	if (json_is_object(rec)) {
		json_t *lost = json_object_get(rec, "lost");

		fputs("<h2 id=\"r-recording\">Recording</h2>\n", f);
		if (json_integer_value(lost) > 0)
			fprintf(f, "<p class=\"warn\">%" JSON_INTEGER_FORMAT " events were lost while "
				"recording: every count below may be short.</p>\n",
				json_integer_value(lost));
		if (json_is_true(json_object_get(rec, "truncated")))
			fputs("<p class=\"warn\">The recording is truncated: results cover what was "
			      "read.</p>\n", f);
		fputs("<details class=\"report\"><summary>recording facts</summary>\n", f);
		put_object(f, rec, 1);
		fputs("</details>\n", f);
	}
	if (json_is_array(from)) {
		fputs("<h2>Merged from</h2>\n", f);
		put_array(f, "merged_from", from, 1);
	}
	/* Details collapsed: the first screen (above) answers. */
	json_object_foreach(reports, k, m) {
		fputs("<h2 id=\"r-", f);
		esc(f, k);
		fputs("\">", f);
		esc(f, k);
		fputs("</h2>\n<details class=\"report\"><summary>", f);
		esc(f, k);
		fputs(": every table and chart</summary>\n", f);
		if (json_is_object(m))
			put_object(f, m, 1);
		fputs("</details>\n", f);
	}
	if (!json_object_size(reports))
		fputs("<p class=\"note\">No report.</p>\n", f);
	fputs("<footer>ovsperf ", f);
	put_scalar(f, NULL, json_object_get(doc, "ovsperf_version"));
	fputs(", JSON schema ", f);
	put_scalar(f, NULL, json_object_get(doc, "schema_version"));
	fputs("; see ovsperf-json(7) for the meaning of every field.</footer>\n", f);
	/* uPlot (MIT licence, its notice kept at the head of its code), then
	 * the charts it draws: inline, no network. */
	if (out_html_uplot_js[0])
		fprintf(f, "<script>%s</script>\n<script>%s</script>\n",
			(const char *)out_html_uplot_js, html_charts_js);
	fputs("</body></html>\n", f);

	/* A write error is sticky in @f; the commit's flush gives its reason. */
	return ovp_outfile__commit(of);
}
