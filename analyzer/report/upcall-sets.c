// SPDX-License-Identifier: Apache-2.0
/*
 * report/upcall-sets.c - store and reuse the matched upcall sets (see
 * report/upcall-sets.h).  The file is one JSON object:
 *
 *	{ "format": "ovsperf-upcall-sets", "version": 1, "source": PATH,
 *	  "events": [ { "type", "event", "usable", "total", "missed" } x5 ],
 *	  "sets": [ { "tid", "pkt_len", "dp_upcall_ns", "recv_upcall_ns",
 *		      "op_flow_put_ns", "op_flow_execute_ns", "pkt_execute_ns" } ],
 *	  "threads": [ { "tid", "name", "upcalls" } ],
 *	  "batches": [ sizes ],
 *	  "uncorrelated": { ... } }
 *
 * Times are the recording's, in ns; an event a set lacks is null.  Reading
 * rebuilds one engine event per time of a set, so uc_engine__sections()
 * derives the cost sections with the same code as for a recording.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "report/upcall-sets.h"

#define UC_SETS_FORMAT "ovsperf-upcall-sets"
#define UC_SETS_VERSION 1

/* The set member of each engine event type, in struct uc_set order. */
static const char *const set_keys[UC_NR_TYPES] = {
	[UC_DP_UPCALL] = "dp_upcall_ns",
	[UC_RECV_UPCALL] = "recv_upcall_ns",
	[UC_OP_FLOW_PUT] = "op_flow_put_ns",
	[UC_OP_FLOW_EXECUTE] = "op_flow_execute_ns",
	[UC_OVS_PKT_EXEC] = "pkt_execute_ns",
};

static long *set_slot(struct uc_set *s, int type)
{
	switch (type) {
	case UC_DP_UPCALL: return &s->dp;
	case UC_RECV_UPCALL: return &s->recv;
	case UC_OP_FLOW_PUT: return &s->put;
	case UC_OP_FLOW_EXECUTE: return &s->exec;
	default: return &s->pkt_exec;
	}
}

static json_t *num(uint64_t v)
{
	return json_integer((json_int_t)v);
}

json_t *uc_sets__to_json(const struct uc_engine *e, const char *source,
			 const char *const event[UC_NR_TYPES], const uint64_t missed[UC_NR_TYPES],
			 const char *(*comm)(void *arg, uint32_t tid), void *arg)
{
	json_t *o = json_object(), *evs = json_array(), *sets = json_array();
	json_t *threads = json_array(), *batches = json_array(), *unc = json_object();
	size_t i;
	int t;

	if (!o || !evs || !sets || !threads || !batches || !unc)
		goto fail;
	json_object_set_new(o, "format", json_string(UC_SETS_FORMAT));
	json_object_set_new(o, "version", json_integer(UC_SETS_VERSION));
	json_object_set_new(o, "source", source ? json_string(source) : json_null());
	for (t = 0; t < UC_NR_TYPES; t++) {
		json_t *x = json_object();

		json_object_set_new(x, "type", json_string(uc_type_names[t]));
		json_object_set_new(x, "event", event[t] ? json_string(event[t]) : json_null());
		json_object_set_new(x, "usable", num(e->valid[t]));
		json_object_set_new(x, "total", num(e->total[t]));
		json_object_set_new(x, "missed", num(missed[t]));
		json_array_append_new(evs, x);
	}
	for (i = 0; i < e->nr_sets; i++) {
		struct uc_set s = e->sets[i];
		json_t *x = json_object();

		json_object_set_new(x, "tid", json_integer(e->ev[s.recv].tid));
		json_object_set_new(x, "pkt_len", json_integer(e->ev[s.recv].pkt_len));
		for (t = 0; t < UC_NR_TYPES; t++) {
			long k = *set_slot(&s, t);

			json_object_set_new(x, set_keys[t], k >= 0 ? num(e->ev[k].ts) : json_null());
		}
		json_array_append_new(sets, x);
	}
	for (i = 0; i < e->nr_threads; i++) {
		const char *name = comm ? comm(arg, e->threads[i].tid) : NULL;
		json_t *x = json_object();

		json_object_set_new(x, "tid", json_integer(e->threads[i].tid));
		json_object_set_new(x, "name", name ? json_string(name) : json_null());
		json_object_set_new(x, "upcalls", num(e->threads[i].upcalls));
		json_array_append_new(threads, x);
	}
	for (i = 0; i < e->nr_batches; i++)
		json_array_append_new(batches, num(e->batches[i]));
	json_object_set_new(unc, "dp_upcall_no_recv", num(e->unc.dp_no_recv));
	json_object_set_new(unc, "recv_no_dp_upcall", num(e->unc.recv_no_dp));
	json_object_set_new(unc, "exec_out_of_sync", num(e->unc.exec_out_of_sync));
	json_object_set_new(unc, "put_left_over", num(e->unc.put_extra));
	json_object_set_new(unc, "pkt_exec_left_over", num(e->unc.pkt_exec_extra));
	json_object_set_new(unc, "matched_by_length_only", json_boolean(e->unc.by_length_only));
	json_object_set_new(unc, "matched_by_port", json_boolean(e->unc.by_port));
	json_object_set_new(unc, "checksum_only_differences", num(e->unc.csum_matches));
	json_object_set_new(unc, "other_handlers", num(e->unc.sets_not_reported));
	json_object_set_new(o, "events", evs);
	json_object_set_new(o, "sets", sets);
	json_object_set_new(o, "threads", threads);
	json_object_set_new(o, "batches", batches);
	json_object_set_new(o, "uncorrelated", unc);
	return o;
fail:
	json_decref(o);
	json_decref(evs);
	json_decref(sets);
	json_decref(threads);
	json_decref(batches);
	json_decref(unc);
	return NULL;
}

void uc_stored__exit(struct uc_stored *st)
{
	size_t i;
	int t;

	for (t = 0; t < UC_NR_TYPES; t++)
		free(st->event[t]);
	for (i = 0; i < st->nr_thread_names; i++)
		free(st->thread_name[i]);
	free(st->thread_name);
	free(st->source);
	memset(st, 0, sizeof(*st));
}

/* A non-negative integer member, or -EINVAL with the message set. */
static int get_u64(const json_t *o, const char *key, const char *path, uint64_t *v)
{
	const json_t *x = json_object_get(o, key);

	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return ovp_err(-EINVAL, "%s: '%s' is not a non-negative integer", path, key);
	*v = (uint64_t)json_integer_value(x);
	return 0;
}

static char *dup_or_null(const json_t *x)
{
	return json_is_string(x) ? strdup(json_string_value(x)) : NULL;
}

static int load_sets(struct uc_engine *e, const json_t *sets, const char *path)
{
	size_t i, n = json_array_size(sets);
	int t, err = 0;

	e->sets = calloc(n ? n : 1, sizeof(*e->sets));
	e->ev = calloc(n ? n * UC_NR_TYPES : 1, sizeof(*e->ev));
	if (!e->sets || !e->ev)
		return ovp_err(-ENOMEM, "upcall-cost: out of memory");
	for (i = 0; i < n && !err; i++) {
		const json_t *x = json_array_get(sets, i);
		struct uc_set *s = &e->sets[i];
		uint64_t tid, len;

		if (!json_is_object(x))
			return ovp_err(-EINVAL, "%s: set %zu is not an object", path, i);
		err = get_u64(x, "tid", path, &tid) ?: get_u64(x, "pkt_len", path, &len);
		for (t = 0; t < UC_NR_TYPES && !err; t++) {
			const json_t *ts = json_object_get(x, set_keys[t]);
			struct uc_event *ev;

			*set_slot(s, t) = -1;
			if (json_is_null(ts) && t != UC_DP_UPCALL && t != UC_RECV_UPCALL)
				continue;
			if (!json_is_integer(ts) || json_integer_value(ts) < 0)
				return ovp_err(-EINVAL, "%s: set %zu: bad %s", path, i, set_keys[t]);
			ev = &e->ev[e->nr_ev];
			ev->ts = (uint64_t)json_integer_value(ts);
			ev->tid = (uint32_t)tid;
			ev->pkt_len = (uint32_t)len;
			ev->type = (uint8_t)t;
			*set_slot(s, t) = (long)e->nr_ev++;
		}
		e->nr_sets++;
	}
	return err;
}

int uc_sets__load(struct uc_engine *e, struct uc_stored *st, const char *path)
{
	const json_t *evs, *sets, *threads, *batches, *unc, *x;
	json_error_t jerr;
	json_t *doc;
	size_t i;
	int err = 0;

	memset(st, 0, sizeof(*st));
	doc = json_load_file(path, 0, &jerr);
	if (!doc)
		return ovp_err(-EINVAL, "%s: %s (line %d)", path, jerr.text, jerr.line);
	x = json_object_get(doc, "format");
	if (!json_is_string(x) || strcmp(json_string_value(x), UC_SETS_FORMAT)) {
		err = ovp_err(-EINVAL, "%s: not an upcall sets file (written by upcall-cost "
			      "--write-sets)", path);
		goto out;
	}
	x = json_object_get(doc, "version");
	if (!json_is_integer(x) || json_integer_value(x) != UC_SETS_VERSION) {
		err = ovp_err(-EINVAL, "%s: upcall sets version %lld, this ovsperf reads %d", path,
			      json_is_integer(x) ? (long long)json_integer_value(x) : -1LL,
			      UC_SETS_VERSION);
		goto out;
	}
	evs = json_object_get(doc, "events");
	sets = json_object_get(doc, "sets");
	threads = json_object_get(doc, "threads");
	batches = json_object_get(doc, "batches");
	unc = json_object_get(doc, "uncorrelated");
	if (json_array_size(evs) != UC_NR_TYPES || !json_is_array(sets) ||
	    !json_is_array(threads) || !json_is_array(batches) || !json_is_object(unc)) {
		err = ovp_err(-EINVAL, "%s: events, sets, threads, batches or uncorrelated "
			      "missing or malformed", path);
		goto out;
	}
	st->source = dup_or_null(json_object_get(doc, "source"));
	for (i = 0; i < UC_NR_TYPES && !err; i++) {
		const json_t *ev = json_array_get(evs, i);

		st->event[i] = dup_or_null(json_object_get(ev, "event"));
		err = get_u64(ev, "usable", path, &e->valid[i]) ?:
		      get_u64(ev, "total", path, &e->total[i]) ?:
		      get_u64(ev, "missed", path, &st->missed[i]);
	}
	err = err ?: load_sets(e, sets, path);
	if (!err) {
		size_t n = json_array_size(threads);

		e->threads = calloc(n ? n : 1, sizeof(*e->threads));
		st->thread_name = calloc(n ? n : 1, sizeof(*st->thread_name));
		if (!e->threads || !st->thread_name)
			err = ovp_err(-ENOMEM, "upcall-cost: out of memory");
		for (i = 0; i < n && !err; i++) {
			const json_t *th = json_array_get(threads, i);
			uint64_t tid;

			err = get_u64(th, "tid", path, &tid) ?:
			      get_u64(th, "upcalls", path, &e->threads[i].upcalls);
			e->threads[i].tid = (uint32_t)tid;
			st->thread_name[i] = dup_or_null(json_object_get(th, "name"));
			e->nr_threads = st->nr_thread_names = i + 1;
		}
	}
	if (!err) {
		size_t n = json_array_size(batches);

		e->batches = calloc(n ? n : 1, sizeof(*e->batches));
		if (!e->batches)
			err = ovp_err(-ENOMEM, "upcall-cost: out of memory");
		for (i = 0; i < n && !err; i++) {
			x = json_array_get(batches, i);
			if (!json_is_integer(x) || json_integer_value(x) < 0)
				err = ovp_err(-EINVAL, "%s: bad batch size", path);
			else
				e->batches[e->nr_batches++] = (uint64_t)json_integer_value(x);
		}
	}
	err = err ?: get_u64(unc, "dp_upcall_no_recv", path, &e->unc.dp_no_recv) ?:
	      get_u64(unc, "recv_no_dp_upcall", path, &e->unc.recv_no_dp) ?:
	      get_u64(unc, "exec_out_of_sync", path, &e->unc.exec_out_of_sync) ?:
	      get_u64(unc, "put_left_over", path, &e->unc.put_extra) ?:
	      get_u64(unc, "pkt_exec_left_over", path, &e->unc.pkt_exec_extra) ?:
	      get_u64(unc, "checksum_only_differences", path, &e->unc.csum_matches) ?:
	      get_u64(unc, "other_handlers", path, &e->unc.sets_not_reported);
	if (!err) {
		e->unc.by_length_only = json_is_true(json_object_get(unc, "matched_by_length_only"));
		e->unc.by_port = json_is_true(json_object_get(unc, "matched_by_port"));
		err = uc_engine__sections(e);
	}
out:
	json_decref(doc);
	if (err)
		uc_stored__exit(st);
	return err;
}
