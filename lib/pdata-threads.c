// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-threads.c - the thread map of a session: thread id -> process id and
 * command name, as COMM and FORK records tell them (a forked thread inherits
 * its parent's name; a reused tid starts afresh, as in perf).  The record
 * reader (pdata-read.c) feeds it; pdata_session__comm() and friends read it.
 */
#include <stdlib.h>
#include <string.h>

#include "ovsperf/err.h"
#include "ovsperf/hash.h"
#include "pdata-local.h"

static inline size_t hash_tid(uint32_t tid)
{
	return (size_t)ovp_hash64(tid);
}

void pdata__threads_init(struct pdata_session *s)
{
	ovp_hmap_init(&s->threads);
	/* The former open-addressing table's first size (256 slots, half full). */
	(void)ovp_hmap_reserve(&s->threads, 128);
	ovp_hmap_set_cap(&s->threads, PDATA_MAX_THREADS);
}

void pdata__threads_exit(struct pdata_session *s)
{
	struct ovp_hmap_node *next;
	struct pdata_thread *t;

	if (!s->threads.buckets)
		return;
	OVP_HMAP_FOR_EACH_SAFE (t, next, node, &s->threads)
		free(t);
	ovp_hmap_exit(&s->threads);
}

static inline struct pdata_thread *thread_find(const struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t;

	OVP_HMAP_FOR_EACH_WITH_HASH (t, node, hash_tid(tid), &s->threads)
		if (t->tid == tid)
			return t;
	return NULL;
}

/* The thread @tid, added (no name, pid -1) when new; NULL when out of memory
 * or when the table is at its cap (PDATA_MAX_THREADS: one warning, the
 * threads beyond stay without name and process). */
static struct pdata_thread *thread_get(struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t = thread_find(s, tid);

	if (t)
		return t;
	if (ovp_hmap_is_full(&s->threads)) {
		if (!s->threads.refused++)
			ovp_warn_cap("%s: more than %d threads named by COMM or FORK records: the "
				     "others have no name or process", s->path, PDATA_MAX_THREADS);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->tid = tid;
	t->pid = -1;
	ovp_hmap_insert_nocap(&s->threads, &t->node, hash_tid(tid));
	return t;
}

const char *pdata_session__comm(const struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t = thread_find(s, tid);

	if (t && t->comm_set)
		return t->comm;
	if (tid == 0)
		return "swapper";
	return NULL;
}

int64_t pdata_session__pid_of(const struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t = thread_find(s, tid);

	return t ? t->pid : -1;
}

int pdata_session__for_each_thread(const struct pdata_session *s,
				   int (*fn)(uint32_t tid, int64_t pid, const char *comm, void *arg),
				   void *arg)
{
	const struct pdata_thread *t;
	int r;

	OVP_HMAP_FOR_EACH (t, node, &s->threads) {
		r = fn(t->tid, t->pid, t->comm_set ? t->comm : NULL, arg);
		if (r)
			return r;
	}
	return 0;
}

/* A COMM record: the thread's name and process. */
void pdata__thread_comm(struct pdata_session *s, const union perf_event *event)
{
	struct pdata_thread *t = thread_get(s, event->comm.tid);

	if (t) {
		size_t max = event->header.size - 16;

		t->pid = event->comm.pid;
		max = max < sizeof(t->comm) - 1 ? max : sizeof(t->comm) - 1;
		memcpy(t->comm, event->comm.comm, max);
		t->comm[max] = '\0';
		t->comm[strnlen(t->comm, max)] = '\0';
		t->comm_set = true;
	}
}

/* A FORK record: the child has the parent's name. */
void pdata__thread_fork(struct pdata_session *s, const union perf_event *event)
{
	struct pdata_thread *parent = thread_find(s, event->fork.ptid), *t;
	char comm[sizeof(parent->comm)];
	bool has = parent && parent->comm_set;

	if (has)
		memcpy(comm, parent->comm, sizeof(comm));
	t = thread_get(s, event->fork.tid);
	if (t) {
		/* A reused tid starts afresh, as in perf. */
		t->pid = event->fork.pid;
		t->comm_set = has;
		if (has)
			memcpy(t->comm, comm, sizeof(comm));
	}
}
