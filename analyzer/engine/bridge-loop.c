// SPDX-License-Identifier: Apache-2.0
/*
 * engine/bridge-loop.c - the bridge-loop engine: pairs main:run_start and
 * main:poll_block per thread into run and wait intervals (see the header),
 * told to the callbacks of the report's --list or of the timeline export.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bridge-loop.h"
#include "ovsperf/err.h"
#include "ovsperf/hash.h"

#define BL_NONE UINT64_MAX

int bl_engine__init(struct bl_engine *e, bl_list_fn list, void *list_arg)
{
	memset(e, 0, sizeof(*e));
	ovp_hmap_init(&e->threads);
	e->list = list;
	e->list_arg = list_arg;
	return 0;
}

void bl_engine__follow(struct bl_engine *e, bl_begin_fn begin, bool intervals_only)
{
	e->begin = begin;
	e->intervals_only = intervals_only;
}

static void series_exit(struct bl_series *s)
{
	ovp_values__exit(&s->ns);
	hist_lin__exit(&s->lin);
}

void bl_engine__exit(struct bl_engine *e)
{
	struct ovp_hmap_node *next;
	struct bl_thread *t;

	if (!e || !e->threads.buckets)
		return;
	OVP_HMAP_FOR_EACH_SAFE (t, next, node, &e->threads) {
		series_exit(&t->run);
		series_exit(&t->wait);
		free(t);
	}
	ovp_hmap_exit(&e->threads);
	memset(e, 0, sizeof(*e));
}

static struct bl_thread *get_thread(struct bl_engine *e, uint32_t tid)
{
	size_t hash = (size_t)ovp_hash64(tid);
	struct bl_thread *t;

	OVP_HMAP_FOR_EACH_WITH_HASH (t, node, hash, &e->threads)
		if (t->tid == tid)
			return t;
	t = calloc(1, sizeof(*t));
	if (!t) {
		ovp_err(-ENOMEM, "bridge-loop: out of memory");
		return NULL;
	}
	t->tid = tid;
	t->run_start = t->poll_start = BL_NONE;
	ovp_values__init(&t->run.ns);
	ovp_values__init(&t->wait.ns);
	if (hist_lin__init(&t->run.lin, 0, BL_RUN_LHIST_MAX, BL_RUN_LHIST_STEP) ||
	    hist_lin__init(&t->wait.lin, 0, BL_WAIT_LHIST_MAX, BL_WAIT_LHIST_STEP)) {
		series_exit(&t->run);
		series_exit(&t->wait);
		free(t);
		return NULL;
	}
	ovp_hmap_insert_nocap(&e->threads, &t->node, hash);
	return t;
}

static int series_add(struct bl_series *s, uint64_t ns)
{
	int err = ovp_values__add(&s->ns, ns);

	if (err)
		return err;
	/* bpftrace divides before bucketing: lhist($delta / 1000, ...). */
	hist_lin__add(&s->lin, ns / 1000);
	hist_log2__add(&s->log2, ns / 1000);
	return 0;
}

int bl_engine__event(struct bl_engine *e, uint32_t tid, uint64_t time, enum bl_kind kind)
{
	struct bl_thread *t = get_thread(e, tid);
	uint64_t start;
	int err = 0;

	if (!t)
		return -ENOMEM;
	/* The interval that ends is told before the next one begins. */
	if (kind == BL_POLL_BLOCK) {
		start = t->run_start;
		t->run_start = BL_NONE;
		if (start != BL_NONE && time >= start) {
			if (!e->intervals_only)
				err = series_add(&t->run, time - start);
			if (e->list)
				e->list(e->list_arg, tid, time, true, time - start);
		}
		if (!e->begin || e->begin(e->list_arg, tid, time, false))
			t->poll_start = time;
	} else {
		start = t->poll_start;
		t->poll_start = BL_NONE;
		if (start != BL_NONE && time >= start) {
			if (!e->intervals_only)
				err = series_add(&t->wait, time - start);
			if (e->list)
				e->list(e->list_arg, tid, time, false, time - start);
		}
		if (!e->begin || e->begin(e->list_arg, tid, time, true))
			t->run_start = time;
	}
	return err;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct bl_thread *x = *(const struct bl_thread *const *)a;
	const struct bl_thread *y = *(const struct bl_thread *const *)b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

struct bl_thread **bl_engine__threads(struct bl_engine *e, size_t *nr)
{
	struct bl_thread **v, *t;
	size_t k = 0;

	*nr = 0;
	if (ovp_hmap_is_empty(&e->threads))
		return NULL;
	v = calloc(ovp_hmap_count(&e->threads), sizeof(*v));
	if (!v)
		return NULL;
	OVP_HMAP_FOR_EACH (t, node, &e->threads)
		v[k++] = t;
	qsort(v, k, sizeof(*v), cmp_thread);
	*nr = k;
	return v;
}
