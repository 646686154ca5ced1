// SPDX-License-Identifier: Apache-2.0
/*
 * cmd/merge.c - `ovsperf-analyze merge A.json B.json ...`: one report from
 * the JSON documents (ovsperf-json(7)) of several hosts or recordings.
 *
 * The merge is driven by the document's shape and key names, not by report,
 * so every report (and a document that is itself a merge) merges the same
 * way.  Two values under the same key combine as:
 *
 *	histograms ({lo_X,hi_X,count}, {lo,hi,count} or {size,count} arrays)
 *	                          bucket counts added, bucket by bucket
 *	worst* / best* arrays     concatenated, re-sorted, cut to the longer
 *	other arrays of objects   elements matched by their identity member
 *	                          (name, reason, location, ..., cpu, type) or,
 *	                          without one, by position, and merged
 *	arrays of scalars         union, in order of appearance
 *	min, min_*, first_*, start_*  the smaller; max, max_*, last_*, end_*,
 *	                          stop_*: the larger
 *	identifiers (tid, pid, cpu, nr, ...) and strings
 *	                          kept when equal, else null
 *	booleans                  true when either is
 *	other integers            added (counts, totals)
 *	mean_ns, stddev_ns        count-weighted mean, pooled population stddev
 *	p<N>_ns, median_ns        recomputed from the merged log2 histogram:
 *	                          the upper end of the bucket holding the
 *	                          nearest-rank value, capped at max_ns; null
 *	                          when the object has no log2 histogram
 *
 * Each input is first merged with nothing, so a single input goes through
 * the same rules (its percentiles become bucket bounds too).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/analyze.h"
#include "ovsperf/strutil.h"
#include "out/html.h"
#include "ovsperf/outfile.h"

static const char merge_usage[] =
	"Usage: ovsperf-analyze merge FILE.json... [--text] [--html OUT.html]\n"
	"\n"
	"Merge the --json documents of several hosts (or recordings) into one:\n"
	"counts and histogram buckets add, percentiles are recomputed from the\n"
	"merged log2 histograms (upper bound of the bucket, so within a factor of\n"
	"2), and \"merged_from\" lists the inputs.  Writes JSON on stdout.\n"
	"\n"
	"      --text            a text summary on stdout instead of JSON\n"
	"      --html FILE       also write a self-contained HTML report\n"
	"  -q, --quiet           no warnings\n"
	"  -h, --help            this help\n";

/* Integer members that name something rather than count it. */
static const char *const id_keys[] = {
	"tid", "pid", "cpu", "nr", "vec", "value", "size", "type", "config", "sample_type",
	"schema_version", "nr_cpus", "nr_cpus_avail", "idx", "handler", "port", NULL,
};

/* Members that identify an element of an array of objects, by preference. */
static const char *const identity_keys[] = {
	"name", "reason", "location", "device", "dev", "event", "cpu", "type", "flow", "key", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool ends(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* The percentile of p<N>_ns ("p999_ns" = 99.9), or a negative value. */
static double pct_of_key(const char *key)
{
	const char *p;
	double v = 0, scale = 1;
	int digits = 0;

	if (!strcmp(key, "median_ns"))
		return 50;
	if (key[0] != 'p' || !ends(key, "_ns"))
		return -1;
	for (p = key + 1; *p >= '0' && *p <= '9'; p++, digits++) {
		if (digits < 2) {
			v = v * 10 + (*p - '0');
		} else {
			scale /= 10;
			v += (*p - '0') * scale;
		}
	}
	return digits && !strcmp(p, "_ns") && v <= 100 ? v : -1;
}

/* The upper-bound key of a histogram whose lower bound is @lo (NULL: size). */
static const char *hist_hi(const char *lo)
{
	if (!strcmp(lo, "size"))
		return NULL;
	if (!strcmp(lo, "lo"))
		return "hi";
	return ends(lo, "_us") ? "hi_us" : "hi_ns";
}

/* A histogram array; *lo gets its lower-bound key ("lo_ns", "lo", "size"). */
static bool is_hist(json_t *a, const char **lo)
{
	json_t *b = json_array_get(a, 0);
	const char *k, *hi = NULL;
	json_t *m;
	size_t i;

	*lo = NULL;
	if (!json_is_object(b))
		return false;
	json_object_foreach(b, k, m) {
		if (starts(k, "lo_") || !strcmp(k, "lo") || !strcmp(k, "size"))
			*lo = k;
		else if (starts(k, "hi_") || !strcmp(k, "hi"))
			hi = k;
		else if (strcmp(k, "count"))
			return false;
	}
	if (!*lo || (strcmp(*lo, "size") && !hi))
		return false;
	json_array_foreach(a, i, b)
		if (!json_is_number(json_object_get(b, *lo)) ||
		    !json_is_integer(json_object_get(b, "count")))
			return false;
	return true;
}

static int cmp_bucket_lo(const void *x, const void *y, void *lo)
{
	double a = json_number_value(json_object_get(*(json_t *const *)x, lo));
	double b = json_number_value(json_object_get(*(json_t *const *)y, lo));

	return a < b ? -1 : a > b;
}

/* Sum two histograms bucket by bucket (@b may be NULL). */
static json_t *merge_hist(json_t *a, json_t *b, const char *lo)
{
	json_t *out = json_array(), *e, *o;
	json_t **v;
	size_t i, j, n;

	json_array_foreach(a, i, e)
		json_array_append_new(out, json_deep_copy(e));
	json_array_foreach(b, i, e) {
		double l = json_number_value(json_object_get(e, lo));

		json_array_foreach(out, j, o) {
			if (json_number_value(json_object_get(o, lo)) == l) {
				json_int_t sum;

				/* Overflow: damaged input; the bucket's count becomes null. */
				if (__builtin_add_overflow(json_integer_value(json_object_get(o, "count")),
							   json_integer_value(json_object_get(e, "count")),
							   &sum))
					json_object_set_new(o, "count", json_null());
				else
					json_object_set_new(o, "count", json_integer(sum));
				break;
			}
		}
		if (j == json_array_size(out))
			json_array_append_new(out, json_deep_copy(e));
	}
	/* Ascending lower bounds (b's new buckets were appended). */
	n = json_array_size(out);
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return out;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(out, i));
	qsort_r(v, n, sizeof(*v), cmp_bucket_lo, (void *)lo);
	json_array_clear(out);
	for (i = 0; i < n; i++)
		json_array_append_new(out, v[i]);
	free(v);
	return out;
}

/* The number a top-N element is sorted by: itself, or its latency_ns. */
static double topn_value(json_t *e)
{
	const char *k;
	json_t *m;

	if (json_is_number(e))
		return json_number_value(e);
	if ((m = json_object_get(e, "latency_ns")))
		return json_number_value(m);
	json_object_foreach(e, k, m)
		if (ends(k, "_ns") && json_is_number(m))
			return json_number_value(m);
	return 0;
}

static int cmp_desc(const void *x, const void *y)
{
	double a = topn_value(*(json_t *const *)x), b = topn_value(*(json_t *const *)y);

	return a > b ? -1 : a < b;
}

static int cmp_asc(const void *x, const void *y)
{
	return -cmp_desc(x, y);
}

/* worst* (descending) and best* (ascending) lists: keep the extremes. */
static json_t *merge_topn(const char *key, json_t *a, json_t *b)
{
	size_t na = json_array_size(a), nb = json_array_size(b), n = na + nb, keep, i;
	json_t *out = json_array(), **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return out;
	for (i = 0; i < na; i++)
		v[i] = json_array_get(a, i);
	for (i = 0; i < nb; i++)
		v[na + i] = json_array_get(b, i);
	qsort(v, n, sizeof(*v), starts(key, "worst") ? cmp_desc : cmp_asc);
	keep = na > nb ? na : nb;
	for (i = 0; i < keep && i < n; i++)
		json_array_append_new(out, json_deep_copy(v[i]));
	free(v);
	return out;
}

static json_t *merge_value(const char *key, json_t *a, json_t *b);

static const char *identity_of(json_t *a, json_t *b)
{
	json_t *e = json_array_get(a, 0) ?: json_array_get(b, 0);
	size_t i;

	for (i = 0; identity_keys[i]; i++)
		if (json_object_get(e, identity_keys[i]))
			return identity_keys[i];
	return NULL;
}

static bool all_objects(json_t *a)
{
	json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

static json_t *merge_array(const char *key, json_t *a, json_t *b)
{
	json_t *out, *e, *o, *done;
	const char *lo, *id;
	size_t i, j;

	if ((json_array_size(a) && is_hist(a, &lo)) || (json_array_size(b) && is_hist(b, &lo)))
		return merge_hist(a, b, lo);
	if (starts(key, "worst") || starts(key, "best"))
		return merge_topn(key, a, b);
	out = json_array();
	if (!all_objects(a) || !all_objects(b)) {
		/* Scalars (or mixed): the union, in order of appearance. */
		json_array_foreach(a, i, e)
			json_array_append_new(out, json_deep_copy(e));
		json_array_foreach(b, i, e) {
			json_array_foreach(out, j, o)
				if (json_equal(o, e))
					break;
			if (j == json_array_size(out))
				json_array_append_new(out, json_deep_copy(e));
		}
		return out;
	}
	id = identity_of(a, b);
	/* Each element of a, merged with its match in b; then b's others. */
	done = json_array();
	json_array_foreach(a, i, e) {
		json_t *match = NULL;

		if (id) {
			json_array_foreach(b, j, o) {
				if (json_equal(json_object_get(o, id), json_object_get(e, id))) {
					match = o;
					break;
				}
			}
		} else {
			match = json_array_get(b, i);
		}
		if (match)
			json_array_append(done, match);
		json_array_append_new(out, merge_value(key, e, match));
	}
	json_array_foreach(b, i, e) {
		json_array_foreach(done, j, o)
			if (o == e)
				break;
		if (j == json_array_size(done))
			json_array_append_new(out, merge_value(key, e, NULL));
	}
	json_decref(done);
	return out;
}

/* The log2 histogram of an object, for its percentiles (NULL if none). */
static json_t *log2_hist_of(json_t *o, const char **lo, const char **hi)
{
	static const char *const keys[] = { "log2_histogram", "histogram" };
	json_t *h, *b;
	size_t i, j;

	for (i = 0; i < 2; i++) {
		h = json_object_get(o, keys[i]);
		if (!json_is_array(h) || !json_array_size(h) || !is_hist(h, lo) ||
		    !strcmp(*lo, "size"))
			continue;
		*hi = hist_hi(*lo);
		/* Log2 buckets: [0, 2) or [2^k, 2^(k+1)). */
		json_array_foreach(h, j, b) {
			double l = json_number_value(json_object_get(b, *lo));
			double u = json_number_value(json_object_get(b, *hi));

			if (!(l == 0 && u == 2) && u != 2 * l)
				break;
		}
		if (j == json_array_size(h))
			return h;
	}
	return NULL;
}

/* Recompute a percentile from @h: hi - 1 of the nearest-rank bucket, in ns. */
static json_t *hist_percentile(json_t *h, const char *hi, double p, json_t *max)
{
	uint64_t total = 0, cum = 0, rank;
	json_t *b;
	size_t i;

	json_array_foreach(h, i, b)
		total += json_integer_value(json_object_get(b, "count"));
	if (!total)
		return json_null();
	rank = (uint64_t)ceil(p / 100.0 * (double)total);
	if (rank < 1)
		rank = 1;
	json_array_foreach(h, i, b) {
		cum += json_integer_value(json_object_get(b, "count"));
		if (cum >= rank) {
			double v = json_number_value(json_object_get(b, hi));

			v = ends(hi, "_us") ? v * 1000 - 1 : v - 1;
			if (json_is_number(max) && json_number_value(max) < v)
				v = json_number_value(max);
			/* Bounds beyond int64 only come from damaged input. */
			if (!(v >= 0 && v < 9.2e18))
				return json_null();
			return json_integer((json_int_t)v);
		}
	}
	return json_null();
}

/* mean_ns, stddev_ns and percentiles of a merged object @out of @a and @b. */
static void fix_stats(json_t *out, json_t *a, json_t *b)
{
	json_t *ca = json_object_get(a, "count"), *cb = json_object_get(b, "count");
	json_t *ma = json_object_get(a, "mean_ns"), *mb = json_object_get(b, "mean_ns");
	json_t *sa = json_object_get(a, "stddev_ns"), *sb = json_object_get(b, "stddev_ns");
	double na = json_number_value(ca), nb = json_number_value(cb), n = na + nb;
	const char *k, *lo = NULL, *hi = NULL;
	json_t *h, *m;
	void *tmp;

	if (json_is_number(ma) && (!b || json_is_number(mb)) && n > 0) {
		double mean = (na * json_number_value(ma) + nb * json_number_value(mb)) / n;

		json_object_set_new(out, "mean_ns", json_real(mean));
		if (json_is_number(sa) && (!b || json_is_number(sb))) {
			double da = json_number_value(ma) - mean, db = json_number_value(mb) - mean;
			double sda = json_number_value(sa), sdb = json_number_value(sb);
			double var = (na * (sda * sda + da * da) + nb * (sdb * sdb + db * db)) / n;

			json_object_set_new(out, "stddev_ns", json_real(sqrt(var > 0 ? var : 0)));
		}
	}
	h = log2_hist_of(out, &lo, &hi);
	/* A report's own "percentiles": "exact" (and its resolution) no longer
	 * holds: merged percentiles are log2 bucket bounds. */
	if (json_object_get(out, "percentiles")) {
		json_object_set_new(out, "percentiles", json_string("merged"));
		json_object_del(out, "percentile_resolution");
	}
	json_object_foreach_safe(out, tmp, k, m) {
		double p = pct_of_key(k);

		if (p < 0 || !json_is_number(m))
			continue;
		json_object_set_new(out, k, h ? hist_percentile(h, hi, p,
								json_object_get(out, "max_ns"))
					      : json_null());
	}
}

static json_t *merge_object(json_t *a, json_t *b)
{
	json_t *out = json_object(), *m;
	const char *k;

	json_object_foreach(a, k, m)
		json_object_set_new(out, k, merge_value(k, m, json_object_get(b, k)));
	json_object_foreach(b, k, m)
		if (!json_object_get(a, k))
			json_object_set_new(out, k, merge_value(k, m, NULL));
	fix_stats(out, a, b);
	return out;
}

/* "min", "min_ns", "first_ns", "start_ns" (not "started", a count). */
static bool is_min_key(const char *k)
{
	return !strcmp(k, "min") || starts(k, "min_") || starts(k, "first_") ||
	       starts(k, "start_");
}

static bool is_max_key(const char *k)
{
	return !strcmp(k, "max") || starts(k, "max_") || starts(k, "last_") ||
	       starts(k, "end_") || starts(k, "stop_");
}

/* Merge two values of member @key; @b may be NULL (copy @a by the rules). */
static json_t *merge_value(const char *key, json_t *a, json_t *b)
{
	if (json_is_object(a) && (!b || json_is_object(b)))
		return merge_object(a, b);
	if (json_is_array(a) && (!b || json_is_array(b)))
		return merge_array(key, a, b);
	if (!b || json_is_null(b))
		return json_is_object(a) || json_is_array(a) ? merge_value(key, a, NULL)
							     : json_deep_copy(a);
	if (json_is_null(a))
		return merge_value(key, b, NULL);
	if (json_is_boolean(a) && json_is_boolean(b))
		return json_boolean(json_is_true(a) || json_is_true(b));
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b), sum;

		if (in_list(id_keys, key) || pct_of_key(key) >= 0)
			return x == y || pct_of_key(key) >= 0 ? json_integer(x) : json_null();
		if (is_min_key(key))
			return json_integer(x < y ? x : y);
		if (is_max_key(key))
			return json_integer(x > y ? x : y);
		if (__builtin_add_overflow(x, y, &sum))
			return json_null();
		return json_integer(sum);
	}
	if (json_is_number(a) && json_is_number(b)) {
		double x = json_number_value(a), y = json_number_value(b);

		if (is_min_key(key))
			return json_real(x < y ? x : y);
		if (is_max_key(key))
			return json_real(x > y ? x : y);
		/* mean_ns and stddev_ns are set by fix_stats(); others: equal or null. */
		return x == y ? json_real(x) : json_null();
	}
	return json_equal(a, b) ? json_deep_copy(a) : json_null();
}

/* One input's merged_from entries (its own, if it is itself a merge). */
static void add_sources(json_t *from, const char *file, json_t *doc)
{
	json_t *prev = json_object_get(doc, "merged_from"), *rec, *src, *e;
	static const char *const keys[] = { "hostname", "path", "events", "duration_ns", "lost",
					    "truncated", "os_release", NULL };
	size_t i;

	if (json_is_array(prev)) {
		json_array_foreach(prev, i, e)
			json_array_append(from, e);
		return;
	}
	rec = json_object_get(doc, "recording");
	src = json_object();
	json_object_set_new(src, "file", json_string(file));
	for (i = 0; keys[i]; i++) {
		e = json_object_get(rec, keys[i]);
		json_object_set_new(src, keys[i], e ? json_deep_copy(e) : json_null());
	}
	e = json_object_get(doc, "ovsperf_version");
	json_object_set_new(src, "ovsperf_version", e ? json_deep_copy(e) : json_null());
	json_array_append_new(from, src);
}

/*
 * Text output: the merged document, indented, one line per scalar member,
 * histograms as bars.  Deep or long parts are cut; --json has everything.
 */
static void text_value(FILE *out, const char *key, json_t *v, int indent);

static bool is_scalar(json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static bool is_scalar_list(json_t *v)
{
	json_t *e;
	size_t i;

	if (!json_is_array(v))
		return false;
	json_array_foreach(v, i, e)
		if (!is_scalar(e))
			return false;
	return true;
}

static void text_scalar(FILE *out, json_t *v)
{
	if (json_is_string(v))
		fputs(json_string_value(v), out);
	else if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		fprintf(out, "%.1f", json_real_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "yes" : "no", out);
	else
		fputs("-", out);
}

/* A scalar, or "[a, b, ...]" for a list of scalars (16 at most). */
static void text_inline(FILE *out, json_t *v)
{
	json_t *e;
	size_t i;

	if (!json_is_array(v)) {
		text_scalar(out, v);
		return;
	}
	fputc('[', out);
	json_array_foreach(v, i, e) {
		if (i == 16) {
			fputs(", ...", out);
			break;
		}
		fputs(i ? ", " : "", out);
		text_scalar(out, e);
	}
	fputc(']', out);
}

static void text_hist(FILE *out, json_t *h, const char *lo, int indent)
{
	uint64_t maxc = 0;
	const char *hi = hist_hi(lo);
	json_t *b;
	size_t i;

	json_array_foreach(h, i, b)
		if ((uint64_t)json_integer_value(json_object_get(b, "count")) > maxc)
			maxc = json_integer_value(json_object_get(b, "count"));
	json_array_foreach(h, i, b) {
		uint64_t c = json_integer_value(json_object_get(b, "count"));
		int w = maxc ? (int)(c * 40 / maxc) : 0;

		fprintf(out, "%*s%12.0f", indent, "", json_number_value(json_object_get(b, lo)));
		if (hi)
			fprintf(out, " -> %-12.0f", json_number_value(json_object_get(b, hi)));
		fprintf(out, " %10" PRIu64 " |%-40.*s|\n", c, w,
			"****************************************");
	}
}

static void text_value(FILE *out, const char *key, json_t *v, int indent)
{
	const char *k, *lo;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, m) {
			fprintf(out, "%*s%s:", indent, "", k);
			if (is_scalar(m) || is_scalar_list(m)) {
				fputc(' ', out);
				text_inline(out, m);
				fputc('\n', out);
			} else {
				fputc('\n', out);
				text_value(out, k, m, indent + 2);
			}
		}
		return;
	}
	if (json_is_array(v) && json_array_size(v) && is_hist(v, &lo)) {
		text_hist(out, v, lo, indent);
		return;
	}
	json_array_foreach(v, i, m) {
		if (i == 40) {
			fprintf(out, "%*s... %zu more (see --json)\n", indent, "",
				json_array_size(v) - i);
			break;
		}
		if (is_scalar(m) || is_scalar_list(m)) {
			fprintf(out, "%*s- ", indent, "");
			text_inline(out, m);
			fputc('\n', out);
		} else {
			fprintf(out, "%*s- %s #%zu\n", indent, "", key, i);
			text_value(out, key, m, indent + 2);
		}
	}
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "text", no_argument, NULL, 't' },
		{ "html", required_argument, NULL, 'H' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *html = NULL;
	json_t *doc = NULL, *from = NULL, *rec = NULL, *reps = NULL;
	json_t *inputs = NULL;		/* the documents, for the HTML page's hosts */
	bool text = false;
	int opt, i, err = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			text = false;
			break;
		case 't':
			text = true;
			break;
		case 'H':
			html = optarg;
			break;
		case 'q':
			ovp_set_quiet(true);
			break;
		case 'h':
			fputs(merge_usage, stdout);
			return OVP_EXIT_OK;
		default:
			fputs("Try 'ovsperf-analyze merge --help'.\n", stderr);
			return OVP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		ovp_print_error("merge: give at least one JSON document (ovsperf-analyze --json)");
		fputs("Try 'ovsperf-analyze merge --help'.\n", stderr);
		return OVP_EXIT_USAGE;
	}

	from = json_array();
	inputs = json_array();
	for (i = optind; i < argc && !err; i++) {
		json_error_t jerr;
		json_t *in, *ver, *r, *m;

		if (!strcmp(argv[i], "-")) {
			in = json_loadf(stdin, 0, &jerr);
		} else {
			/* A regular file only, at most OVP_READ_FILE_MAX bytes. */
			char *text;
			size_t len;

			err = ovp_read_file(argv[i], &text, &len);
			if (err)
				break;
			in = json_loadb(text, len, 0, &jerr);
			free(text);
		}
		if (!in) {
			err = ovp_err(-EBADMSG, "%s: not a JSON document: line %d: %s", argv[i],
				      jerr.line, jerr.text);
			break;
		}
		ver = json_object_get(in, "schema_version");
		if (!json_is_object(in) || !json_is_object(json_object_get(in, "reports"))) {
			err = ovp_err(-EBADMSG, "%s: not an ovsperf-analyze --json document "
				      "(no \"reports\" object)", argv[i]);
		} else if (json_integer_value(ver) != OVP_JSON_SCHEMA_VERSION) {
			err = ovp_err(-EPROTO, "%s: schema_version %" JSON_INTEGER_FORMAT
				      ", this ovsperf-analyze merges version %d", argv[i],
				      json_integer_value(ver), OVP_JSON_SCHEMA_VERSION);
		} else {
			add_sources(from, argv[i], in);
			if (html)
				json_array_append(inputs, in);
			r = json_object_get(in, "recording");
			m = merge_value("recording", rec ?: r, rec ? r : NULL);
			json_decref(rec);
			rec = m;
			r = json_object_get(in, "reports");
			m = merge_value("reports", reps ?: r, reps ? r : NULL);
			json_decref(reps);
			reps = m;
		}
		json_decref(in);
	}
	if (err)
		goto out;

	/* Times of different hosts' clocks cannot be compared. */
	if (json_array_size(from) > 1 && json_is_object(rec)) {
		json_object_set_new(rec, "first_ns", json_null());
		json_object_set_new(rec, "last_ns", json_null());
	}
	doc = json_object();
	json_object_set_new(doc, "ovsperf_version", json_string(OVSPERF_VERSION));
	json_object_set_new(doc, "schema_version", json_integer(OVP_JSON_SCHEMA_VERSION));
	json_object_set_new(doc, "merged_from", json_incref(from));
	json_object_set_new(doc, "percentiles",
			    json_string("log2 bucket upper bound (hi_ns - 1), capped at max_ns"));
	json_object_set_new(doc, "recording", rec ?: json_object());
	json_object_set_new(doc, "reports", reps ?: json_object());
	rec = reps = NULL;

	if (html) {
		err = out_html_write_merge(html, doc, inputs);
		if (err)
			goto out;
	}
	if (text) {
		printf("Merged %zu documents:\n", json_array_size(from));
		text_value(stdout, "merged_from", from, 2);
		printf("\nRecording (sums over the inputs):\n");
		text_value(stdout, "recording", json_object_get(doc, "recording"), 2);
		printf("\nReports (percentiles: upper bounds of log2 buckets):\n");
		text_value(stdout, "reports", json_object_get(doc, "reports"), 2);
	} else if (json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
		   fputc('\n', stdout) == EOF) {
		err = ovp_stdout_check() ?: ovp_err(-EIO, "cannot write JSON");
	}
	if (!err)
		err = ovp_stdout_check();
out:
	json_decref(rec);
	json_decref(reps);
	json_decref(from);
	json_decref(inputs);
	json_decref(doc);
	if (err) {
		ovp_print_error("%s", ovp_errmsg());
		return OVP_EXIT_INPUT;
	}
	return OVP_EXIT_OK;
}
