// SPDX-License-Identifier: Apache-2.0
/*
 * report/latency-model.c - the latency report's model: once the recording
 * is read, each span's result (report/latency-result.c) and engine counters
 * as the tree of reports.latency (ovsperf-json(7)), plus the '_' members
 * only the text writer (out/text-latency.c) reads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/ksyms.h"
#include "report/latency-local.h"

/* The skb address of a record (its key, unless the key is a packet identity). */
static uint64_t rec_skb(const struct lat_span *sp, const struct span_rec *rec)
{
	return sp->ident == PKTID_KEY_HEAD ? rec->skb : rec->key;
}

/* What the span's keys are: "head" (packet identity), or the key field. */
static const char *key_json(const struct lat_span *sp)
{
	if (sp->ident == PKTID_KEY_HEAD)
		return "head";
	return sp->key_name ? sp->key_name : "skb";
}

/* The tail blame is over: spans at or above --threshold-us, else the p99. */
static uint64_t tail_threshold(const struct lat_report *r, struct lat_result *res)
{
	if (r->threshold_ns)
		return r->threshold_ns;
	return res->nr ? ovp_values__percentile(&res->full.vals, 99) : 0;
}

/* What blame needs: named when the recording has none of it. */
static const char blame_needs[] = "sched:sched_switch, sched:sched_wakeup, irq:softirq_entry, "
				  "irq:softirq_exit, irq:irq_handler_entry, irq:irq_handler_exit";

/* The @k highest values of @v, largest first. */
static json_t *values_list(struct ovp_values *v, size_t k)
{
	json_t *a = json_array();
	uint64_t *buf = calloc(k ? k : 1, sizeof(*buf));
	size_t n;

	if (!buf)
		return a;
	n = ovp_values__highest(v, k, buf);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(buf[i]));
	free(buf);
	return a;
}

/*
 * The span's best_ns: the latencies of its best list, which keeps the --top
 * smallest of the very spans whose latencies the set holds, in ascending
 * order: the set's lowest values, without a selection over all of them.
 */
static json_t *best_ns(const struct lat_result *res)
{
	json_t *a = json_array();

	for (size_t i = 0; i < res->best.n; i++)
		json_array_append_new(a, json_integer(rec_lat(&res->best.a[i].rec,
							       res->sp->nr_stages)));
	return a;
}

/* A set's statistics into @o; @best (taken): the span's best_ns, NULL for
 * the sets that have none. */
static void set_json(json_t *o, struct lat_set *s, size_t top, json_t *best)
{
	struct ovp_values *v = &s->vals;

	json_object_set_new(o, "count", json_integer(ovp_values__count(v)));
	json_object_set_new(o, "min_ns", json_integer(ovp_values__min(v)));
	json_object_set_new(o, "mean_ns", json_real(ovp_values__mean(v)));
	if (!s->has_stddev) {
		s->stddev = ovp_values__stddev(v);
		s->has_stddev = true;
	}
	json_object_set_new(o, "stddev_ns", json_real(s->stddev));
	json_object_set_new(o, "p50_ns", json_integer(ovp_values__percentile(v, 50)));
	json_object_set_new(o, "p90_ns", json_integer(ovp_values__percentile(v, 90)));
	json_object_set_new(o, "p99_ns", json_integer(ovp_values__percentile(v, 99)));
	json_object_set_new(o, "p999_ns", json_integer(ovp_values__percentile(v, 99.9)));
	json_object_set_new(o, "max_ns", json_integer(ovp_values__max(v)));
	json_object_set_new(o, "percentiles", json_string(ovp_values__exact(v) ? "exact" : "approx"));
	if (!ovp_values__exact(v))
		json_object_set_new(o, "percentile_resolution", json_real(ovp_values__resolution(v)));
	if (best)
		json_object_set_new(o, "best_ns", best);
	json_object_set_new(o, "worst_ns", values_list(v, top));
	json_object_set_new(o, "cross_cpu", json_integer(s->cross_cpu));
	json_object_set_new(o, "histogram", hist_log2__to_json(&s->h_ns, "lo_ns", "hi_ns"));
}

static json_t *by_stage_json(const uint64_t *v, const struct lat_span *sp)
{
	json_t *o = json_object();

	for (int k = 0; k < sp->nr_stages - 1; k++)
		json_object_set_new(o, sp->stages[k].label, json_integer(v[k]));
	return o;
}

/*
 * A record.  The '_' members are for the text: "_ipv6" in "flow" (the
 * address family when an address is missing), and with @detail (threshold
 * events) "_tod_ns" (wall clock of the start), "_backlog_saturated",
 * "_stack_cpu" (CPU of the stack's sample).
 */
static json_t *rec_json(const struct lat_report *r, const struct lat_span *sp,
			const struct span_rec *rec, bool detail)
{
	json_t *o = json_object(), *t = json_array(), *c = json_array(), *ev = json_array();
	const struct lat_attr *a = attr_of(r, rec->attr);
	const char *dev = dev_of(r, rec->attr);
	char buf[32];

	snprintf(buf, sizeof(buf), "%#" PRIx64, rec_skb(sp, rec));
	json_object_set_new(o, "key", json_string(buf));
	if (sp->ident == PKTID_KEY_HEAD) {
		json_object_set_new(o, "packet", json_integer(rec->key));
		json_object_set_new(o, "parent", rec->parent ? json_integer(rec->parent)
							     : json_null());
	}
	json_object_set_new(o, "latency_ns", json_integer(rec_lat(rec, sp->nr_stages)));
	for (int k = 0; k < sp->nr_stages; k++) {
		json_array_append_new(t, json_integer(rec->t[k]));
		json_array_append_new(c, json_integer(rec->cpu[k]));
		json_array_append_new(ev, json_string(sp->stages[k].alt_names[rec->alt[k]]));
	}
	json_object_set_new(o, "times_ns", t);
	json_object_set_new(o, "cpus", c);
	json_object_set_new(o, "events", ev);
	if (dev)
		json_object_set_new(o, "dev", json_string(dev));
	if (a && a->flow.has) {
		json_t *fl = json_object();
		char ip[INET6_ADDRSTRLEN];

		for (int f = PKTFILTER_SADDR; f <= PKTFILTER_DADDR; f++) {
			if (!(a->flow.has & (1u << f)))
				continue;
			pktfilter_flow_addr(&a->flow, f, ip, sizeof(ip));
			json_object_set_new(fl, f == PKTFILTER_SADDR ? "src_ip" : "dst_ip", json_string(ip));
		}
		if (a->flow.has & (1u << PKTFILTER_SPORT))
			json_object_set_new(fl, "src_port", json_integer(a->flow.f[PKTFILTER_SPORT]));
		if (a->flow.has & (1u << PKTFILTER_DPORT))
			json_object_set_new(fl, "dst_port", json_integer(a->flow.f[PKTFILTER_DPORT]));
		if (a->flow.has & (1u << PKTFILTER_PROTO))
			json_object_set_new(fl, "protocol", json_integer(a->flow.f[PKTFILTER_PROTO]));
		if (a->flow.family == 6)
			json_object_set_new(fl, "_ipv6", json_true());
		json_object_set_new(o, "flow", fl);
	}
	if (rec->qdepth) {
		json_object_set_new(o, "backlog_depth",
				    json_integer((rec->qdepth & 0x7fffffffu) - 1));
		if (detail && rec->qdepth >> 31)
			json_object_set_new(o, "_backlog_saturated", json_true());
	}
	if (detail) {
		uint64_t tod;

		if (pdata_info__tod(pdata_session__info(r->base.ctx->session), rec->t[0], &tod))
			json_object_set_new(o, "_tod_ns", json_integer((json_int_t)tod));
	}
	if (r->blame) {
		const struct blame_item *it;
		size_t n = blame__items(r->blame, rec->blame, rec_lat(rec, sp->nr_stages), &it);

		json_object_set_new(o, "blame", blame__items_json(r->blame, it, n));
	}
	return o;
}

static json_t *groups_json(struct lat_groups *gs, const struct lat_report *r,
			   const struct lat_span *sp, int kind, size_t top)
{
	json_t *a = json_array();

	for (size_t i = 0; i < gs->n; i++) {
		json_t *o = json_object();
		uint64_t id = gs->g[i].id;

		if (kind == 0)
			json_object_set_new(o, "event", json_string(
				sp->stages[sp->nr_stages - 1].alt_names[id]));
		else if (kind == 1)
			json_object_set_new(o, "cpu", json_integer(id));
		else
			json_object_set_new(o, "dev", id ? json_string(ovp_intern__str(&r->devs, id))
							 : json_null());
		set_json(o, group_set(&gs->g[i]), top, NULL);
		json_array_append_new(a, o);
	}
	return a;
}

/* ovp_values__for_each() callback: ns values into a linear histogram of us. */
static void hist_lin_add_us(void *ctx, uint64_t ns, uint64_t count)
{
	while (count--)
		hist_lin__add(ctx, ns / 1000);
}

/* --hist linear: the span's latencies (us) in slots of --hist's width (or a
 * twentieth of the largest), as "_hist_linear" {width, max, buckets}; none
 * when there is no span or more slots than a histogram takes. */
static void hist_linear_json(json_t *o, const struct lat_report *r, struct lat_result *res)
{
	uint64_t max_us, w;
	struct hist_lin h;

	if (!r->hist_linear || !res->nr)
		return;
	max_us = ovp_values__max(&res->full.vals) / 1000;
	w = r->hist_width_us ? r->hist_width_us : max_us / 20 + 1;
	if (!hist_lin__init(&h, 0, (max_us / w + 1) * w, w)) {
		json_t *l = json_object();

		ovp_values__for_each(&res->full.vals, hist_lin_add_us, &h);
		json_object_set_new(l, "width", json_integer((json_int_t)w));
		json_object_set_new(l, "max", json_integer((json_int_t)h.max));
		json_object_set_new(l, "buckets", hist_lin__to_json(&h, "lo", "hi"));
		json_object_set_new(o, "_hist_linear", l);
	}
	hist_lin__exit(&h);
}

/* The events left out of a span: [{event, used}], the first of them. */
static json_t *ignored_json(const struct lat_span *sp)
{
	json_t *a = json_array();

	for (int i = 0; i < sp->nr_ignored && i < SPANSPEC_MAX_IGNORED; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "event", sp->ignored[i][0],
						   "used", sp->ignored[i][1]));
	return a;
}

/*
 * One span: its object in reports.latency.spans, with these '_' members for
 * the text: "_histogram_us" (log2 of us) in the span and its hops,
 * "_hist" ("log2" or "linear") and "_hist_linear", "_lost_records",
 * "_values_budget_mb" (when percentiles turn approximate), "_max_open"
 * (with expired spans), "_blame_needs" (no blame though not refused),
 * "_keep" in backlog_depth, "_wall_clock" (--interval stamps),
 * "_ignored_more" (events left out beyond those listed).
 */

static json_t *span_json(struct lat_report *r, struct lat_result *res)
{
	struct lat_span *sp = res->sp;
	const struct span_counts *c = span_engine__counts(sp->eng);
	json_t *o = json_object(), *stages = json_array();
	int nst = sp->nr_stages, k;
	size_t top = r->top;
	char name[512];

	json_object_set_new(o, "name", json_string(sp->name));
	for (k = 0; k < nst; k++) {
		json_t *st = json_array();

		for (int a = 0; a < sp->stages[k].nr_alts; a++)
			json_array_append_new(st, json_string(sp->stages[k].alt_names[a]));
		json_array_append_new(stages, st);
	}
	json_object_set_new(o, "stages", stages);
	json_object_set_new(o, "key", json_string(key_json(sp)));
	json_object_set_new(o, "identity", json_string(sp->ident == PKTID_KEY_HEAD ? "head" :
						       r->key_field ? "field" : "skb"));
	json_object_set_new(o, "identity_requested",
			    json_string(r->key_field ? "field" : pktid_key_name(r->want_key)));
	json_object_set_new(o, "forks", json_integer(c->forks));
	json_object_set_new(o, "ignored_events", ignored_json(sp));
	if (sp->nr_ignored > SPANSPEC_MAX_IGNORED)
		json_object_set_new(o, "_ignored_more",
				    json_integer(sp->nr_ignored - SPANSPEC_MAX_IGNORED));
	set_json(o, &res->full, top, best_ns(res));
	json_object_set_new(o, "_histogram_us", hist_log2__to_json(&res->full.h_us, "lo", "hi"));
	json_object_set_new(o, "_hist", json_string(r->hist_linear ? "linear" : "log2"));
	hist_linear_json(o, r, res);
	json_object_set_new(o, "_values_budget_mb", json_integer(LAT_VALUES_BUDGET >> 20));
	json_object_set_new(o, "unfinished", json_integer(sum_stages(c->unfinished, nst)));
	json_object_set_new(o, "orphan_mids", json_integer(c->orphan_mids));
	json_object_set_new(o, "orphan_ends", json_integer(c->orphan_ends));
	json_object_set_new(o, "reused", json_integer(sum_stages(c->reused, nst)));
	json_object_set_new(o, "dropped", json_integer(sum_stages(c->dropped, nst)));
	json_object_set_new(o, "lost_windows", json_integer(c->lost_windows));
	json_object_set_new(o, "lost_hops", json_integer(c->lost_hops));
	json_object_set_new(o, "_lost_records", json_integer(c->nr_windows));
	json_object_set_new(o, "started", json_integer(c->started));
	json_object_set_new(o, "completed", json_integer(c->completed));
	{
		json_t *ev = json_object();

		for (k = 0; k < nst; k++)
			json_object_set_new(ev, sp->stages[k].label, json_integer(sp->events[k]));
		json_object_set_new(o, "events_by_stage", ev);
	}
	json_object_set_new(o, "unfinished_by_stage", by_stage_json(c->unfinished, sp));
	json_object_set_new(o, "reused_by_stage", by_stage_json(c->reused, sp));
	json_object_set_new(o, "dropped_by_stage", by_stage_json(c->dropped, sp));
	/* Only when some span expired: other reports keep their bytes. */
	if (sum_stages(c->expired, nst)) {
		json_object_set_new(o, "expired", json_integer(sum_stages(c->expired, nst)));
		json_object_set_new(o, "expired_by_stage", by_stage_json(c->expired, sp));
		json_object_set_new(o, "expired_cap", json_integer(c->expired_cap));
		json_object_set_new(o, "span_timeout_ns", json_integer(r->span_timeout_ns));
		json_object_set_new(o, "_max_open", json_integer(SPANSPEC_MAX_OPEN));
	}

	if (nst > 2) {
		json_t *iv = json_array();

		for (k = 1; k < nst; k++) {
			json_t *i = json_object();

			snprintf(name, sizeof(name), "%s->%s", sp->stages[k - 1].label,
				 sp->stages[k].label);
			json_object_set_new(i, "name", json_string(name));
			set_json(i, &res->ivl[k], top, NULL);
			json_array_append_new(iv, i);
		}
		json_object_set_new(o, "intervals", iv);
	}
	{
		/* hops[] for every span: with two stages the one interval's
		 * traversals, which are the spans (hop_set()). */
		json_t *hp = json_array();

		for (k = 1; k < nst; k++) {
			json_t *i = json_object();

			snprintf(name, sizeof(name), "%s->%s", sp->stages[k - 1].label,
				 sp->stages[k].label);
			json_object_set_new(i, "name", json_string(name));
			set_json(i, hop_set(res, k), top, NULL);
			json_object_set_new(i, "_histogram_us",
					    hist_log2__to_json(&hop_set(res, k)->h_us, "lo", "hi"));
			json_array_append_new(hp, i);
		}
		json_object_set_new(o, "hops", hp);
	}
	if (r->blame) {
		const struct blame_item *it;
		uint64_t thr = tail_threshold(r, res), spans;
		json_t *bl = json_object();
		bool exact;
		size_t n = blame__tail(r->blame, (int)(sp - r->spans), thr, &it, &spans, &exact);

		json_object_set_new(bl, "threshold_ns", json_integer(thr));
		json_object_set_new(bl, "spans", json_integer(spans));
		json_object_set_new(bl, "exact", json_boolean(exact));
		json_object_set_new(bl, "truncated", json_integer(blame__truncated(r->blame)));
		json_object_set_new(bl, "items", blame__items_json(r->blame, it, n));
		json_object_set_new(o, "blame", bl);
	} else {
		json_object_set_new(o, "blame", json_null());
		if (!r->no_blame)
			json_object_set_new(o, "_blame_needs", json_string(blame_needs));
	}
	if (sp->bq) {
		json_t *bq = backlog_depth__json(sp->bq);

		json_object_set_new(bq, "_keep", json_integer(BQ_KEEP));
		json_object_set_new(o, "backlog_depth", bq);
	}
	if (r->interval_ns) {
		const struct pdata_info *info = pdata_session__info(r->base.ctx->session);

		json_object_set_new(o, "interval_ns", json_integer(r->interval_ns));
		json_object_set_new(o, "_wall_clock", json_boolean(info && info->has_clock_data));
		json_object_set_new(o, "timeline",
				    lat_tl__json(&r->tls[sp - r->spans],
						 pdata_session__info(r->base.ctx->session)));
	}
	json_object_set_new(o, "by_egress", groups_json(&res->by_egress, r, sp, 0, top));
	json_object_set_new(o, "by_cpu", groups_json(&res->by_cpu, r, sp, 1, top));
	if (sp->has_dev)
		json_object_set_new(o, "by_dev", groups_json(&res->by_dev, r, sp, 2, top));
	{
		json_t *best = json_array(), *worst = json_array();

		for (size_t i = 0; i < res->best.n; i++) {
			json_array_append_new(best, rec_json(r, sp, &res->best.a[i].rec, false));
			json_array_append_new(worst, rec_json(r, sp, &res->worst.a[i].rec, false));
		}
		json_object_set_new(o, "best", best);
		json_object_set_new(o, "worst", worst);
	}
	if (r->table) {
		json_t *rows = json_array();
		for (size_t i = 0; i < res->table.n; i++)
			json_array_append_new(rows, rec_json(r, sp, &res->table.a[i], false));
		json_object_set_new(o, "packets", rows);
	}
	if (r->threshold_ns) {
		json_t *ev = json_array();
		struct ksyms *ks = NULL;
		char sym[256];

		for (size_t i = 0; i < res->over.n; i++) {
			const struct span_rec *rec = &res->over.a[i];
			json_t *e = rec_json(r, sp, rec, true);

			if (rec->stack) {
				const struct lat_stack *st = &r->stacks[rec->stack - 1];
				json_t *stack = json_array();

				if (!ks)
					ks = analyze_ctx__ksyms(r->base.ctx);
				for (size_t j = 0; j < st->nr; j++) {
					uint64_t ip = r->stack_ips[st->off + j];

					if (ip == PERF_CONTEXT_USER)
						break;
					if (ip >= PERF_CONTEXT_MAX)
						continue;
					ksyms__format(ks, ip, sym, sizeof(sym));
					json_array_append_new(stack, json_string(sym));
				}
				json_object_set_new(e, "stack", stack);
				json_object_set_new(e, "_stack_cpu", json_integer(st->cpu));
			}
			json_array_append_new(ev, e);
		}
		json_object_set_new(o, "threshold_ns", json_integer(r->threshold_ns));
		json_object_set_new(o, "over_threshold", ev);
	}
	return o;
}

int lat_model(struct report *base, json_t **model)
{
	struct lat_report *r = container_of(base, struct lat_report, base);
	json_t *o = json_object(), *spans = json_array();

	if (!o || !spans) {
		json_decref(o);
		json_decref(spans);
		return ovp_err(-ENOMEM, "out of memory");
	}
	for (int i = 0; i < r->nr_spans; i++)
		json_array_append_new(spans, span_json(r, lat_result_finalize(r, i)));
	json_object_set_new(o, "spans", spans);
	*model = o;
	return 0;
}
