// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-threads.c - the thread map of a session: thread id -> process id and
 * command name, as COMM and FORK records tell them (a forked thread inherits
 * its parent's name; a reused tid starts afresh, as in perf).  The record
 * reader (pdata-read.c) feeds it; pdata_session__comm() and friends read it.
 */
#include <stdlib.h>
#include <string.h>

#include "ovsperf/hash.h"
#include "pdata-local.h"

static inline size_t hash_tid(uint32_t tid)
{
	return (size_t)ovp_hash64(tid);
}

static struct pdata_thread *thread_get(struct pdata_session *s, uint32_t tid, bool create)
{
	struct thread_map *m = &s->threads;
	size_t i;

	if (m->cap) {
		i = hash_tid(tid) & (m->cap - 1);
		while (m->t[i].used) {
			if (m->t[i].tid == tid)
				return &m->t[i];
			i = (i + 1) & (m->cap - 1);
		}
	}
	if (!create)
		return NULL;
	if ((m->nr + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256, j;
		struct pdata_thread *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (j = 0; j < m->cap; j++) {
			if (!m->t[j].used)
				continue;
			i = hash_tid(m->t[j].tid) & (cap - 1);
			while (t[i].used)
				i = (i + 1) & (cap - 1);
			t[i] = m->t[j];
		}
		free(m->t);
		m->t = t;
		m->cap = cap;
	}
	i = hash_tid(tid) & (m->cap - 1);
	while (m->t[i].used)
		i = (i + 1) & (m->cap - 1);
	memset(&m->t[i], 0, sizeof(m->t[i]));
	m->t[i].used = true;
	m->t[i].tid = tid;
	m->t[i].pid = -1;
	m->nr++;
	return &m->t[i];
}

const char *pdata_session__comm(const struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t = thread_get((struct pdata_session *)s, tid, false);

	if (t && t->comm_set)
		return t->comm;
	if (tid == 0)
		return "swapper";
	return NULL;
}

int64_t pdata_session__pid_of(const struct pdata_session *s, uint32_t tid)
{
	struct pdata_thread *t = thread_get((struct pdata_session *)s, tid, false);

	return t ? t->pid : -1;
}

int pdata_session__for_each_thread(const struct pdata_session *s,
				   int (*fn)(uint32_t tid, int64_t pid, const char *comm, void *arg),
				   void *arg)
{
	size_t i;
	int r;

	for (i = 0; i < s->threads.cap; i++) {
		const struct pdata_thread *t = &s->threads.t[i];

		if (!t->used)
			continue;
		r = fn(t->tid, t->pid, t->comm_set ? t->comm : NULL, arg);
		if (r)
			return r;
	}
	return 0;
}

/* A COMM record: the thread's name and process. */
void pdata__thread_comm(struct pdata_session *s, const union perf_event *event)
{
	struct pdata_thread *t = thread_get(s, event->comm.tid, true);

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
	struct pdata_thread *parent = thread_get(s, event->fork.ptid, false), *t;
	char comm[sizeof(parent->comm)];
	bool has = parent && parent->comm_set;

	if (has)
		memcpy(comm, parent->comm, sizeof(comm));
	t = thread_get(s, event->fork.tid, true);
	if (t) {
		/* A reused tid starts afresh, as in perf. */
		t->pid = event->fork.pid;
		t->comm_set = has;
		if (has)
			memcpy(t->comm, comm, sizeof(comm));
	}
}
