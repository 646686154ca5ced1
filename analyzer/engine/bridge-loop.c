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

static size_t hash_tid(uint32_t tid, size_t n)
{
	return (size_t)ovp_hash64(tid) & (n - 1);
}

static int grow(struct bl_engine *e)
{
	size_t n = e->nr_slots ? e->nr_slots * 2 : 64, i, h;
	struct bl_thread **slots = calloc(n, sizeof(*slots));

	if (!slots)
		return ovp_err(-ENOMEM, "bridge-loop: out of memory");
	for (i = 0; i < e->nr_slots; i++) {
		if (!e->slots[i])
			continue;
		for (h = hash_tid(e->slots[i]->tid, n); slots[h]; h = (h + 1) & (n - 1))
			;
		slots[h] = e->slots[i];
	}
	free(e->slots);
	e->slots = slots;
	e->nr_slots = n;
	return 0;
}

int bl_engine__init(struct bl_engine *e, bl_list_fn list, void *list_arg)
{
	memset(e, 0, sizeof(*e));
	e->list = list;
	e->list_arg = list_arg;
	return grow(e);
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
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nr_slots; i++) {
		if (!e->slots[i])
			continue;
		series_exit(&e->slots[i]->run);
		series_exit(&e->slots[i]->wait);
		free(e->slots[i]);
	}
	free(e->slots);
	memset(e, 0, sizeof(*e));
}

static struct bl_thread *get_thread(struct bl_engine *e, uint32_t tid)
{
	struct bl_thread *t;
	size_t h;

	for (h = hash_tid(tid, e->nr_slots); e->slots[h]; h = (h + 1) & (e->nr_slots - 1))
		if (e->slots[h]->tid == tid)
			return e->slots[h];
	if ((e->nr_threads + 1) * 2 > e->nr_slots) {
		if (grow(e))
			return NULL;
		for (h = hash_tid(tid, e->nr_slots); e->slots[h]; h = (h + 1) & (e->nr_slots - 1))
			;
	}
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
	e->slots[h] = t;
	e->nr_threads++;
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
	struct bl_thread **v;
	size_t i, k = 0;

	*nr = 0;
	if (!e->nr_threads)
		return NULL;
	v = calloc(e->nr_threads, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0; i < e->nr_slots; i++)
		if (e->slots[i])
			v[k++] = e->slots[i];
	qsort(v, k, sizeof(*v), cmp_thread);
	*nr = k;
	return v;
}
