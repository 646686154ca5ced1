// SPDX-License-Identifier: Apache-2.0
/*
 * pdata-header.c - the perf.data header: file header, attributes and their
 * ids, feature sections (also the pipe-mode HEADER_* records that carry the
 * same payloads) and TRACING_DATA, which is handed to libtraceevent.
 *
 * Every length read from the file is checked against what remains of its
 * section before it is used: a hostile file gets an error message with the
 * offset, never an out-of-bounds read.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "fpe-guard.h"
#include "ovsperf/err.h"
#include "ovsperf/evfmt.h"
#include "pdata-local.h"

/* A bounds-checked cursor over one section. */
struct cur {
	const uint8_t *p, *end;
	uint64_t base;		/* file offset of the section start, for messages */
	const uint8_t *start;
};

static void cur_init(struct cur *c, const uint8_t *buf, uint64_t size, uint64_t base)
{
	c->p = c->start = buf;
	c->end = buf + size;
	c->base = base;
}

static uint64_t cur_off(const struct cur *c)
{
	return c->base + (uint64_t)(c->p - c->start);
}

static size_t cur_left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

static int cur_get(struct cur *c, void *dst, size_t n, const char *what)
{
	if (cur_left(c) < n)
		return ovp_err(-EBADMSG, "%s: truncated (needs %zu bytes, %zu left, at offset %" PRIu64 ")",
			       what, n, cur_left(c), cur_off(c));
	memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

static int cur_skip(struct cur *c, uint64_t n, const char *what)
{
	if (cur_left(c) < n)
		return ovp_err(-EBADMSG, "%s: truncated (needs %" PRIu64 " bytes, at offset %" PRIu64 ")",
			       what, n, cur_off(c));
	c->p += n;
	return 0;
}

/* A perf header string: u32 len, then len bytes (NUL padded). */
static int cur_string(struct pdata_session *s, struct cur *c, const char **out, const char *what)
{
	uint32_t len;
	int err;

	err = cur_get(c, &len, 4, what);
	if (err)
		return err;
	if (len > cur_left(c))
		return ovp_err(-EBADMSG, "%s: string of %u bytes overruns its section (at offset %" PRIu64 ")",
			       what, len, cur_off(c));
	*out = pdata__strdup_owned(s, (const char *)c->p, strnlen((const char *)c->p, len));
	c->p += len;
	return *out ? 0 : -ENOMEM;
}

char *pdata__strdup_owned(struct pdata_session *s, const char *str, size_t len)
{
	char *d;

	if (s->nr_strings == (int)(sizeof(s->strings) / sizeof(s->strings[0])))
		return NULL;
	d = strndup(str, len);
	if (d)
		s->strings[s->nr_strings++] = d;
	return d;
}

/*
 * Id map: open addressing on the id; ids of a recording are unique.
 */
/* (Re)build the direct table while the ids are few and close together
 * (rebuilt per id: at most 1024 ids of at most ID_DENSE_MAX slots). */
static int id_map_dense(struct id_map *m)
{
	uint64_t span = m->max_id - m->min_id, n;

	m->dense_n = 0;
	/* (span, not span + 1: ids 0 and UINT64_MAX must not wrap to 0) */
	if (m->nr > 1024 || span >= ID_DENSE_MAX)
		return 0;
	n = span + 1;
	if (!m->dense) {
		m->dense = malloc(ID_DENSE_MAX * sizeof(*m->dense));
		if (!m->dense)
			return -ENOMEM;
	}
	for (uint64_t j = 0; j < n; j++)
		m->dense[j] = -1;
	for (size_t j = 0; j < m->cap; j++)
		if (m->idx[j] >= 0)
			m->dense[m->ids[j] - m->min_id] = m->idx[j];
	m->dense_base = m->min_id;
	m->dense_n = n;
	return 0;
}

static int id_map_add(struct id_map *m, uint64_t id, int idx)
{
	size_t i;

	if ((m->nr + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64, j;
		uint64_t *ids = calloc(cap, sizeof(*ids));
		int32_t *ix = malloc(cap * sizeof(*ix));

		if (!ids || !ix) {
			free(ids);
			free(ix);
			return -ENOMEM;
		}
		for (j = 0; j < cap; j++)
			ix[j] = -1;
		for (j = 0; j < m->cap; j++) {
			if (m->idx[j] < 0)
				continue;
			i = pdata__hash_id(m->ids[j]) & (cap - 1);
			while (ix[i] >= 0)
				i = (i + 1) & (cap - 1);
			ids[i] = m->ids[j];
			ix[i] = m->idx[j];
		}
		free(m->ids);
		free(m->idx);
		m->ids = ids;
		m->idx = ix;
		m->cap = cap;
	}
	i = pdata__hash_id(id) & (m->cap - 1);
	while (m->idx[i] >= 0) {
		if (m->ids[i] == id) {
			m->idx[i] = idx;	/* a later attr with the same id wins, as perf */
			return id_map_dense(m);
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->ids[i] = id;
	m->idx[i] = idx;
	if (!m->nr || id < m->min_id)
		m->min_id = id;
	if (!m->nr || id > m->max_id)
		m->max_id = id;
	m->nr++;
	return id_map_dense(m);
}

int pdata__add_attr(struct pdata_session *s, const struct perf_event_attr *attr, uint32_t attr_bytes,
		    const uint64_t *ids, uint64_t nr_ids)
{
	struct pdata_evsel *ev, **evs;
	uint64_t i;
	int err;

	if (s->nr_evsels >= 4096)
		return ovp_err(-EBADMSG, "more than 4096 event attributes");
	evs = realloc(s->evsels, (s->nr_evsels + 1) * sizeof(*evs));
	if (!evs)
		return -ENOMEM;
	s->evsels = evs;
	ev = calloc(1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	/* Attributes of every size perf has written: copy what we know, zero the rest. */
	memcpy(&ev->attr, attr, attr_bytes < sizeof(ev->attr) ? attr_bytes : sizeof(ev->attr));
	ev->attr.size = sizeof(ev->attr);
	ev->idx = s->nr_evsels;
	s->evsels[s->nr_evsels++] = ev;
	for (i = 0; i < nr_ids; i++) {
		err = id_map_add(&s->ids, ids[i], ev->idx);
		if (err)
			return err;
	}
	return 0;
}

int pdata__set_evsel_name(struct pdata_session *s, uint64_t id, const char *name)
{
	struct pdata_evsel *ev = pdata__evsel_by_id(s, id);

	if (!ev)
		return 0;
	free(ev->name);
	ev->name = strdup(name);
	return ev->name ? 0 : -ENOMEM;
}

/* Index of a set bit among the sample_type bits before PERF_SAMPLE_ID. */
static int sample_id_pos(uint64_t type)
{
	int pos = 0;

	if (type & PERF_SAMPLE_IDENTIFIER)
		return 0;
	if (!(type & PERF_SAMPLE_ID))
		return -1;
	if (type & PERF_SAMPLE_IP)
		pos++;
	if (type & PERF_SAMPLE_TID)
		pos++;
	if (type & PERF_SAMPLE_TIME)
		pos++;
	if (type & PERF_SAMPLE_ADDR)
		pos++;
	return pos;
}

/* Position of the id counted from the end of a sample_id_all trailer. */
static int trailer_id_pos(uint64_t type)
{
	int pos = 1;

	if (type & PERF_SAMPLE_IDENTIFIER)
		return 1;
	if (!(type & PERF_SAMPLE_ID))
		return -1;
	if (type & PERF_SAMPLE_CPU)
		pos++;
	if (type & PERF_SAMPLE_STREAM_ID)
		pos++;
	return pos;
}

static const char *const hw_names[] = {
	"cycles", "instructions", "cache-references", "cache-misses",
	"branches", "branch-misses", "bus-cycles", "stalled-cycles-frontend",
	"stalled-cycles-backend", "ref-cycles",
};

static const char *const sw_names[] = {
	"cpu-clock", "task-clock", "page-faults", "context-switches",
	"cpu-migrations", "minor-faults", "major-faults", "alignment-faults",
	"emulation-faults", "dummy", "bpf-output", "cgroup-switches",
};

/*
 * Give every evsel its name (EVENT_DESC's, else the tracepoint's
 * "system:name", else a generic one), its tracepoint format, and compute the
 * id positions used to find the evsel of a record.
 */
int pdata__finish_evsels(struct pdata_session *s)
{
	int i;

	s->has_identifier = s->nr_evsels > 0;
	for (i = 0; i < s->nr_evsels; i++) {
		struct pdata_evsel *ev = s->evsels[i];
		char buf[64];

		if (!(ev->attr.sample_type & PERF_SAMPLE_IDENTIFIER))
			s->has_identifier = false;
		if (ev->attr.type == PERF_TYPE_TRACEPOINT && s->tep && !ev->tp)
			ev->tp = tep_find_event(s->tep, (int)ev->attr.config);
		if (!ev->name) {
			if (ev->tp) {
				snprintf(buf, sizeof(buf), "%s:%s", ev->tp->system, ev->tp->name);
			} else if (ev->attr.type == PERF_TYPE_HARDWARE &&
				   ev->attr.config < sizeof(hw_names) / sizeof(hw_names[0])) {
				snprintf(buf, sizeof(buf), "%s", hw_names[ev->attr.config]);
			} else if (ev->attr.type == PERF_TYPE_SOFTWARE &&
				   ev->attr.config < sizeof(sw_names) / sizeof(sw_names[0])) {
				snprintf(buf, sizeof(buf), "%s", sw_names[ev->attr.config]);
			} else {
				snprintf(buf, sizeof(buf), "raw:%u:0x%" PRIx64, ev->attr.type,
					 (uint64_t)ev->attr.config);
			}
			ev->name = strdup(buf);
			if (!ev->name)
				return -ENOMEM;
		}
		if (ev->tp) {
			ev->system = ev->tp->system;
			ev->event = ev->tp->name;
		} else {
			const char *colon = strchr(ev->name, ':');

			ev->system = NULL;
			ev->event = colon ? colon + 1 : ev->name;
		}
	}
	if (s->nr_evsels) {
		s->sample_type_first = s->evsels[0]->attr.sample_type;
		s->sample_id_all = s->evsels[0]->attr.sample_id_all;
		s->id_pos = sample_id_pos(s->sample_type_first);
		s->is_pos = trailer_id_pos(s->sample_type_first);
	}
	return 0;
}

/*
 * Feature sections (file mode) and HEADER_FEATURE records (pipe mode) share
 * their payload format.
 */
static int feat_event_desc(struct pdata_session *s, struct cur *c)
{
	uint32_t nr, attr_size, i, nr_ids, j;
	struct perf_event_attr attr;
	const char *name;
	uint64_t id;
	int err;

	err = cur_get(c, &nr, 4, "EVENT_DESC") ?: cur_get(c, &attr_size, 4, "EVENT_DESC");
	if (err)
		return err;
	if (attr_size < PERF_ATTR_SIZE_VER0 || attr_size > 4096)
		return ovp_err(-EBADMSG, "EVENT_DESC: bad attr size %u", attr_size);
	for (i = 0; i < nr; i++) {
		memset(&attr, 0, sizeof(attr));
		err = cur_get(c, &attr, attr_size < sizeof(attr) ? attr_size : sizeof(attr), "EVENT_DESC");
		if (!err && attr_size > sizeof(attr))
			err = cur_skip(c, attr_size - sizeof(attr), "EVENT_DESC");
		err = err ?: cur_get(c, &nr_ids, 4, "EVENT_DESC");
		if (err)
			return err;
		{
			uint32_t len;

			err = cur_get(c, &len, 4, "EVENT_DESC");
			if (err)
				return err;
			if (len > cur_left(c))
				return ovp_err(-EBADMSG, "EVENT_DESC: name overruns the section");
			name = (const char *)c->p;
			c->p += len;
			if (!len || strnlen(name, len) == len)
				name = "";
		}
		if ((uint64_t)nr_ids * 8 > cur_left(c))
			return ovp_err(-EBADMSG, "EVENT_DESC: %u ids overrun the section", nr_ids);
		for (j = 0; j < nr_ids; j++) {
			memcpy(&id, c->p, 8);
			c->p += 8;
			if (name[0]) {
				err = pdata__set_evsel_name(s, id, name);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

static int feat_build_id(struct pdata_session *s, struct cur *c)
{
	while (cur_left(c) >= sizeof(struct perf_event_header)) {
		struct perf_event_header h;
		struct pdata_build_id *b, *n;
		const uint8_t *rec = c->p;
		size_t fixed = 8 + 4 + 24;
		uint32_t pid;

		memcpy(&h, rec, sizeof(h));
		if (h.size < fixed || h.size > cur_left(c))
			return ovp_err(-EBADMSG, "BUILD_ID: bad entry size %u (at offset %" PRIu64 ")",
				       h.size, cur_off(c));
		if (s->nr_build_ids >= 100000)
			return ovp_err(-EBADMSG, "BUILD_ID: too many entries");
		n = realloc(s->build_ids, (s->nr_build_ids + 1) * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->build_ids = n;
		b = &s->build_ids[s->nr_build_ids];
		memset(b, 0, sizeof(*b));
		memcpy(&pid, rec + 8, 4);
		b->pid = pid;
		b->kernel = (h.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
		memcpy(b->id, rec + 12, 20);
		/* PERF_RECORD_MISC_BUILD_ID_SIZE: the size byte follows the id. */
		b->size = (h.misc & (1 << 15)) ? rec[32] : 20;
		if (b->size > 20)
			b->size = 20;
		b->filename = strndup((const char *)rec + fixed, h.size - fixed);
		if (!b->filename)
			return -ENOMEM;
		s->nr_build_ids++;
		c->p += h.size;
	}
	return 0;
}

int pdata__process_feature(struct pdata_session *s, int feat, const uint8_t *buf, uint64_t size)
{
	struct pdata_info *in = &s->info;
	struct cur c;
	int err = 0;

	if (feat <= 0 || feat >= PDATA_FEAT_MAX)
		return 0;
	in->features[feat / 64] |= 1ULL << (feat % 64);
	if (!pdata_feature_name(feat)) {
		s->stats.nr_unknown_features++;	/* a newer perf's: skipped */
		return 0;
	}
	cur_init(&c, buf, size, 0);
	switch (feat) {
	case PDATA_FEAT_TRACING_DATA:
		return pdata__parse_tracing_data(s, buf, size);
	case PDATA_FEAT_HOSTNAME:
		return cur_string(s, &c, &in->hostname, "HOSTNAME");
	case PDATA_FEAT_OSRELEASE:
		return cur_string(s, &c, &in->os_release, "OSRELEASE");
	case PDATA_FEAT_VERSION:
		return cur_string(s, &c, &in->version, "VERSION");
	case PDATA_FEAT_ARCH:
		return cur_string(s, &c, &in->arch, "ARCH");
	case PDATA_FEAT_CPUDESC:
		return cur_string(s, &c, &in->cpu_desc, "CPUDESC");
	case PDATA_FEAT_CPUID:
		return cur_string(s, &c, &in->cpuid, "CPUID");
	case PDATA_FEAT_NRCPUS:
		return cur_get(&c, &in->nr_cpus_avail, 4, "NRCPUS") ?:
		       cur_get(&c, &in->nr_cpus_online, 4, "NRCPUS");
	case PDATA_FEAT_TOTAL_MEM:
		return cur_get(&c, &in->total_mem_kb, 8, "TOTAL_MEM");
	case PDATA_FEAT_CLOCKID:
		err = cur_get(&c, &in->clockid, 8, "CLOCKID");
		in->has_clockid = !err;
		return err;
	case PDATA_FEAT_CLOCK_DATA: {
		uint32_t version, clockid;

		err = cur_get(&c, &version, 4, "CLOCK_DATA") ?: cur_get(&c, &clockid, 4, "CLOCK_DATA") ?:
		      cur_get(&c, &in->clock_tod_ns, 8, "CLOCK_DATA") ?:
		      cur_get(&c, &in->clock_clk_ns, 8, "CLOCK_DATA");
		in->has_clock_data = !err;
		return err;
	}
	case PDATA_FEAT_COMPRESSED: {
		uint32_t v[5];

		err = cur_get(&c, v, sizeof(v), "COMPRESSED");
		if (!err)
			s->comp_mmap_len = v[4];
		return err;
	}
	case PDATA_FEAT_CMDLINE: {
		uint32_t nr, i;
		char *line = NULL;
		size_t len = 0;

		err = cur_get(&c, &nr, 4, "CMDLINE");
		if (err)
			return err;
		if (nr > 65536)
			return ovp_err(-EBADMSG, "CMDLINE: %u arguments", nr);
		for (i = 0; i < nr && !err; i++) {
			uint32_t l;
			char *n;
			size_t sl;

			err = cur_get(&c, &l, 4, "CMDLINE");
			if (err)
				break;
			if (l > cur_left(&c)) {
				err = ovp_err(-EBADMSG, "CMDLINE: argument overruns the section");
				break;
			}
			sl = strnlen((const char *)c.p, l);
			n = realloc(line, len + sl + 2);
			if (!n) {
				err = -ENOMEM;
				break;
			}
			line = n;
			if (len)
				line[len++] = ' ';
			memcpy(line + len, c.p, sl);
			len += sl;
			line[len] = '\0';
			c.p += l;
		}
		if (!err && line)
			in->cmdline = pdata__strdup_owned(s, line, len);
		free(line);
		return err;
	}
	case PDATA_FEAT_EVENT_DESC:
		return feat_event_desc(s, &c);
	case PDATA_FEAT_BUILD_ID:
		return feat_build_id(s, &c);
	default:
		return 0;
	}
}

/*
 * TRACING_DATA: the trace-cmd "tracing" layout written by perf
 * (tools/perf/util/trace-event-info.c).
 */
static int td_read_u32(struct cur *c, bool swap, uint32_t *v, const char *what)
{
	int err = cur_get(c, v, 4, what);

	if (!err && swap)
		*v = __builtin_bswap32(*v);
	return err;
}

static int td_read_u64(struct cur *c, bool swap, uint64_t *v, const char *what)
{
	int err = cur_get(c, v, 8, what);

	if (!err && swap)
		*v = __builtin_bswap64(*v);
	return err;
}

static int td_cstring(struct cur *c, const char **out, const char *what)
{
	size_t n = strnlen((const char *)c->p, cur_left(c));

	if (n == cur_left(c))
		return ovp_err(-EBADMSG, "tracing data: unterminated %s", what);
	*out = (const char *)c->p;
	c->p += n + 1;
	return 0;
}

/*
 * The format texts of the tracing data, parsed only after a child process
 * has parsed them first.  libtraceevent's format parser trusts its input: on
 * damaged text it dereferences NULL tokens, reads out of bounds or divides
 * by zero (found by tests/fuzz and tests/robust), and that would kill
 * ovsperf.  A forked child parses the same texts in the same order; if it
 * dies, the text it was parsing is skipped with a warning and the child is
 * run again on the rest.  One fork per recording when nothing is wrong.
 */
struct td_item {
	const uint8_t *buf;
	uint64_t size;
	const char *sys;	/* system of an event format; NULL: the header_page text */
	bool bad;		/* skipped: it is no text, or it kills the parser */
	bool checked;		/* known good (verdict cache): no child needed */
};

struct td_list {
	struct td_item *v;
	size_t nr, cap;
};

static int td_add(struct td_list *l, const uint8_t *buf, uint64_t size, const char *sys)
{
	uint64_t i;

	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct td_item *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->nr] = (struct td_item){ .buf = buf, .size = size, .sys = sys };
	/* Format files are ASCII text.  libtraceevent reads the text as
	 * (signed) chars, so a 0xff byte reads as EOF in the middle of a
	 * declaration: refuse anything else up front. */
	for (i = 0; i < size; i++) {
		uint8_t ch = buf[i];

		if ((ch < 0x20 || ch > 0x7e) && ch != '\t' && ch != '\n' && ch != '\r') {
			ovp_warn("tracing data: a format of system '%s' holds a byte 0x%02x that is "
				 "no text (at its offset %" PRIu64 "); event skipped", sys ?: "header",
				 ch, i);
			l->v[l->nr].bad = true;
			break;
		}
	}
	l->nr++;
	return 0;
}

static void td_parse_item(struct tep_handle *tep, const struct td_item *it, int long_size)
{
	if (it->sys)
		tep_parse_event(tep, (const char *)it->buf, it->size, it->sys);
	else
		tep_parse_header_page(tep, (char *)it->buf, (unsigned long)it->size, long_size);
}

/* Set by a sanitizer runtime: the child must die quietly, not as a "crash". */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

/*
 * Parse items @from.. of @l in a child.  Return: the index of the item that
 * killed it, -1 if it parsed them all, or -errno when no child could run.
 */
static long td_probe(struct pdata_session *s, const struct td_list *l, size_t from, int long_size,
		     unsigned int budget_s)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM };
	long last = -1, idx;
	int fds[2], st;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		size_t i, k;

		for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
			signal(sigs[k], SIG_DFL);
		if (__sanitizer_set_death_callback)
			__sanitizer_set_death_callback(NULL);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		alarm(budget_s);	/* a parser that loops is as bad as one that crashes */
		for (i = from; i < l->nr; i++) {
			idx = (long)i;
			if (l->v[i].bad || l->v[i].checked)
				continue;
			if (write(fds[1], &idx, sizeof(idx)) != sizeof(idx))
				_exit(2);
			td_parse_item(s->tep, &l->v[i], long_size);
		}
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], &idx, sizeof(idx));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(idx))
			break;
		last = idx;
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return -1;
	return last >= 0 ? last : -EIO;
}

/*
 * Verdicts of the texts already checked in this process, by hash: a process
 * that reads many recordings with the same formats (the fuzzer, tests)
 * forks once per new text, not once per recording.  0 empty, 1 good, 2 bad.
 */
#define TD_CACHE_SIZE 4096
static struct {
	uint64_t key;
	uint8_t verdict;
} td_cache[TD_CACHE_SIZE];
static pthread_mutex_t td_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t td_key(const struct td_item *it, int long_size)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)long_size;
	const char *sys = it->sys ?: "";
	uint64_t i;

	for (; *sys; sys++)
		h = (h ^ (uint8_t)*sys) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (i = 0; i < it->size; i++)
		h = (h ^ it->buf[i]) * 0x100000001b3ull;
	return h ?: 1;
}

static uint8_t td_cache_op(uint64_t key, uint8_t set)
{
	size_t i = key & (TD_CACHE_SIZE - 1), n;
	uint8_t v = 0;

	pthread_mutex_lock(&td_cache_lock);
	for (n = 0; n < 8; n++, i = (i + 1) & (TD_CACHE_SIZE - 1)) {
		if (td_cache[i].key == key) {
			if (set)
				td_cache[i].verdict = set;
			v = td_cache[i].verdict;
			break;
		}
		if (!td_cache[i].key) {
			if (set) {
				td_cache[i].key = key;
				td_cache[i].verdict = set;
			}
			break;
		}
	}
	if (set && n == 8) {	/* full around here: replace */
		i = key & (TD_CACHE_SIZE - 1);
		td_cache[i].key = key;
		td_cache[i].verdict = set;
	}
	pthread_mutex_unlock(&td_cache_lock);
	return v;
}

/* Parse one checked item here, under the SIGFPE guard (a function of its
 * own: nothing of the caller's lives across the sigsetjmp). */
static void td_parse_one(struct pdata_session *s, const struct td_item *it, int long_size)
{
	volatile enum tep_errno ret = 0;
	volatile bool fpe;

	OVP_FPE_TRY(fpe, ret = it->sys ? tep_parse_event(s->tep, (const char *)it->buf, it->size,
							 it->sys) :
					 (enum tep_errno)tep_parse_header_page(
						 s->tep, (char *)it->buf, (unsigned long)it->size,
						 long_size));
	if (fpe)
		ovp_warn("tracing data: a format of system '%s' divides by zero; event skipped",
			 it->sys ?: "header");
	else if (ret && it->sys)
		/* a format libtraceevent rejects is skipped (perf warns the same
		 * way) so one odd event does not lose the others */
		ovp_warn("tracing data: cannot parse a format of system '%s'", it->sys);
}

/*
 * The checks in children are bounded whatever the tracing data holds: a
 * child checks every item from the first unchecked one until one kills it,
 * so each bad item costs a fork; after TD_MAX_PROBES children, or
 * TD_BUDGET_S seconds of them together, the items still unchecked are
 * skipped (one warning).
 */
#define TD_MAX_PROBES 8
#define TD_BUDGET_S 10

static uint64_t td_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* Validate the items in children, then parse the good ones here. */
static void td_parse_all(struct pdata_session *s, struct td_list *l, int long_size)
{
	size_t from = 0, i, skipped = 0;
	uint64_t t0 = td_now_s();
	unsigned int probes = 0;

	for (i = 0; i < l->nr; i++) {
		struct td_item *it = &l->v[i];
		uint8_t v;

		if (it->bad)
			continue;
		v = td_cache_op(td_key(it, long_size), 0);
		it->checked = v == 1;
		it->bad = v == 2;
		if (it->bad)
			ovp_warn("tracing data: a format of system '%s' crashes libtraceevent's "
				 "parser; event skipped", it->sys ?: "header");
	}
	while (from < l->nr && from < SIZE_MAX) {
		long bad;

		while (from < l->nr && (l->v[from].bad || l->v[from].checked))
			from++;
		if (from == l->nr)
			break;
		if (probes == TD_MAX_PROBES || td_now_s() - t0 >= TD_BUDGET_S) {
			for (i = from; i < l->nr; i++)
				if (!l->v[i].bad && !l->v[i].checked) {
					l->v[i].bad = true;
					skipped++;
				}
			ovp_warn("tracing data: %u event formats crash or hang libtraceevent's "
				 "parser; the %zu formats not checked yet are skipped", probes,
				 skipped);
			break;
		}
		probes++;
		bad = td_probe(s, l, from, long_size,
			       (unsigned int)(TD_BUDGET_S - (td_now_s() - t0)) ?: 1);
		if (bad < 0 && bad != -1) {
			ovp_warn("tracing data: cannot check the event formats in a child process "
				 "(%s); parsing them unchecked", strerror((int)-bad));
			break;
		}
		for (i = from; i < (bad < 0 ? l->nr : (size_t)bad); i++)
			if (!l->v[i].bad && !l->v[i].checked)
				td_cache_op(td_key(&l->v[i], long_size), 1);
		if (bad < 0)
			break;
		l->v[bad].bad = true;
		td_cache_op(td_key(&l->v[bad], long_size), 2);
		ovp_warn("tracing data: a format of system '%s' crashes libtraceevent's parser; "
			 "event skipped", l->v[bad].sys ?: "header");
		from = (size_t)bad + 1;
	}
	for (i = 0; i < l->nr; i++)
		if (!l->v[i].bad)
			td_parse_one(s, &l->v[i], long_size);
}

/*
 * The printk formats ("ADDR : \"FMT\"" lines) as a string holding only the
 * well-formed lines: libtraceevent copies the text and strdup()s from one
 * byte after the ':' of each line, so a line without a ':' (or with nothing
 * after it) makes it read past the end of its copy, and a format shorter
 * than 3 bytes makes it read before its start (found by tests/fuzz).
 * Returns a malloc'ed string, or NULL when out of memory.
 */
static char *printk_lines(const uint8_t *buf, uint32_t size)
{
	const char *p = (const char *)buf, *end = p + strnlen(p, size);
	char *out = malloc((size_t)size + 2), *o = out;

	if (!out)
		return NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)) ?: end;
		const char *q = p;

		/* strtok_r(line, ":") semantics: leading ':' skipped, then a token. */
		while (q < nl && *q == ':')
			q++;
		if (q < nl && *q != ':') {
			const char *colon = memchr(q, ':', (size_t)(nl - q));
			const char *fmt = colon && nl - colon >= 2 ? colon + 2 : NULL;

			/* It then drops a leading quote and looks 3 bytes back
			 * from the end of what is left. */
			if (fmt && fmt < nl && *fmt == '"')
				fmt++;
			if (fmt && nl - fmt >= 3) {
				memcpy(o, p, (size_t)(nl - p));
				o += nl - p;
				*o++ = '\n';
			}
		}
		p = nl + 1;
	}
	*o = '\0';
	return out;
}

static int parse_tracing_data__(struct pdata_session *s, const uint8_t *buf, uint64_t size,
				struct td_list *formats, int *long_size_out);

int pdata__parse_tracing_data(struct pdata_session *s, const uint8_t *buf, uint64_t size)
{
	struct td_list formats = { 0 };
	int long_size = 8, err;

	err = parse_tracing_data__(s, buf, size, &formats, &long_size);
	/* The formats read before an error are still used. */
	if (s->tep && err != -ENOMEM) {
		td_parse_all(s, &formats, long_size);
		/* No format of the file reaches printf unchecked. */
		evfmt_check_events(s->tep);
	}
	free(formats.v);
	return err;
}

/* Read the tracing data; the format texts go to @formats, parsed later. */
static int parse_tracing_data__(struct pdata_session *s, const uint8_t *buf, uint64_t size,
				struct td_list *formats, int *long_size_out)
{
	static const uint8_t magic[] = { 23, 8, 68, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	const char *version = "", *name = "";
	uint8_t big_endian, long_size;
	uint32_t page_size, count, i, j, nr_events;
	uint64_t sz;
	struct cur c;
	bool swap;
	int err;

	if (s->tep) {
		ovp_warn("more than one tracing data section: using the first");
		return 0;
	}
	cur_init(&c, buf, size, 0);
	if (size < sizeof(magic) || memcmp(buf, magic, sizeof(magic)))
		return ovp_err(-EBADMSG, "tracing data: bad magic");
	c.p += sizeof(magic);
	err = td_cstring(&c, &version, "version");
	err = err ?: cur_get(&c, &big_endian, 1, "tracing data");
	err = err ?: cur_get(&c, &long_size, 1, "tracing data");
	if (err)
		return err;
	swap = big_endian != 0;	/* we only run on little-endian hosts */
	err = td_read_u32(&c, swap, &page_size, "tracing data page size");
	if (err)
		return err;

	s->tep = tep_alloc();
	if (!s->tep)
		return -ENOMEM;
	/* No print plugins: perf script prints every event with its own print
	 * format, and so do we. */
	tep_set_file_bigendian(s->tep, big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(s->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(s->tep, long_size);
	tep_set_page_size(s->tep, (int)page_size);
	*long_size_out = long_size;

	/* header_page and header_event: "name\0" + u64 size + data. */
	for (i = 0; i < 2; i++) {
		err = td_cstring(&c, &name, "header name");
		err = err ?: td_read_u64(&c, swap, &sz, "header size");
		if (err)
			return err;
		if (sz > cur_left(&c))
			return ovp_err(-EBADMSG, "tracing data: %s overruns the section", name);
		if (i == 0) {
			err = td_add(formats, c.p, sz, NULL);
			if (err)
				return err;
		}
		c.p += sz;
	}
	/* ftrace formats */
	err = td_read_u32(&c, swap, &count, "ftrace count");
	if (err)
		return err;
	for (i = 0; i < count; i++) {
		err = td_read_u64(&c, swap, &sz, "ftrace format size");
		if (err)
			return err;
		if (sz > cur_left(&c))
			return ovp_err(-EBADMSG, "tracing data: ftrace format overruns the section");
		err = td_add(formats, c.p, sz, "ftrace");
		if (err)
			return err;
		c.p += sz;
	}
	/* event systems */
	err = td_read_u32(&c, swap, &count, "system count");
	if (err)
		return err;
	for (i = 0; i < count; i++) {
		const char *sys = "";

		err = td_cstring(&c, &sys, "system name");
		err = err ?: td_read_u32(&c, swap, &nr_events, "event count");
		if (err)
			return err;
		for (j = 0; j < nr_events; j++) {
			err = td_read_u64(&c, swap, &sz, "event format size");
			if (err)
				return err;
			if (sz > cur_left(&c))
				return ovp_err(-EBADMSG, "tracing data: format of '%s' overruns the section",
					       sys);
			err = td_add(formats, c.p, sz, sys);
			if (err)
				return err;
			c.p += sz;
		}
	}
	/* kallsyms: u32 size + text (perf writes 0; ovsperf-probe stores it). */
	err = td_read_u32(&c, swap, &count, "kallsyms size");
	if (err)
		return err;
	if (count > cur_left(&c))
		return ovp_err(-EBADMSG, "tracing data: kallsyms overruns the section");
	if (count) {
		s->tracing_kallsyms = malloc(count + 1);
		if (!s->tracing_kallsyms)
			return -ENOMEM;
		memcpy(s->tracing_kallsyms, c.p, count);
		s->tracing_kallsyms[count] = '\0';
		s->tracing_kallsyms_size = count;
		c.p += count;
	}
	/* ftrace printk formats: u32 size + text */
	err = td_read_u32(&c, swap, &count, "printk size");
	if (err)
		return err;
	if (count > cur_left(&c))
		return ovp_err(-EBADMSG, "tracing data: printk formats overrun the section");
	if (count) {
		char *p = printk_lines(c.p, count);

		if (!p)
			return -ENOMEM;
		tep_parse_printk_formats(s->tep, p);
		free(p);
		c.p += count;
	}
	/* saved cmdlines (version >= 0.6): u64 size + text */
	if (strcmp(version, "0.5") && cur_left(&c) >= 8) {
		err = td_read_u64(&c, swap, &sz, "cmdlines size");
		if (err)
			return err;
		if (sz > cur_left(&c))
			return ovp_err(-EBADMSG, "tracing data: saved cmdlines overrun the section");
		if (sz) {
			char *p = strndup((const char *)c.p, sz);

			if (!p)
				return -ENOMEM;
			tep_parse_saved_cmdlines(s->tep, p);
			free(p);
		}
	}
	return 0;
}

/* File mode: header, attributes with their ids, feature sections. */
int pdata__read_file_header(struct pdata_session *s)
{
	struct perf_file_header *h = &s->hdr;
	uint64_t nr_attrs, i, attr_size, feat_off;
	int feat, nr_feat = 0, k, err;

	if (s->file_size < 16)
		return ovp_err(-EBADMSG, "file too small for a perf.data header (%" PRIu64 " bytes)",
			       s->file_size);
	memcpy(&h->magic, s->map, 8);
	if (h->magic == PERF_MAGIC2_SWAPPED)
		return ovp_err(-ENOTSUP, "big-endian recordings are not supported");
	if (h->magic != PERF_MAGIC2) {
		if (!memcmp(s->map, "PERFFILE", 8))
			return ovp_err(-ENOTSUP, "perf.data version 1 (PERFFILE) is not supported");
		return ovp_err(-EBADMSG, "not a perf.data file (bad magic at offset 0)");
	}
	memcpy(&h->size, s->map + 8, 8);
	if (h->size == 16) {
		s->pipe = true;	/* a pipe-mode stream saved to a file */
		return 0;
	}
	if (h->size < offsetof(struct perf_file_header, adds_features) + 8 || h->size > 4096)
		return ovp_err(-EBADMSG, "bad header size %" PRIu64 " (at offset 8)", h->size);
	if (s->file_size < sizeof(*h))
		return ovp_err(-EBADMSG, "file too small for its header");
	memcpy(h, s->map, h->size < sizeof(*h) ? h->size : sizeof(*h));

	/* Sections must lie inside the file. */
#define CHECK_SECTION(sec, nm)                                                                   \
	if ((sec).offset > s->file_size || (sec).size > s->file_size - (sec).offset)              \
		return ovp_err(-EBADMSG, "%s section [%" PRIu64 ", +%" PRIu64 ") is outside the "   \
			       "file of %" PRIu64 " bytes", nm, (sec).offset, (sec).size, s->file_size)
	CHECK_SECTION(h->attrs, "attrs");
	if (h->data.offset > s->file_size)
		return ovp_err(-EBADMSG, "data section offset %" PRIu64 " is outside the file of %" PRIu64
			       " bytes", h->data.offset, s->file_size);

	attr_size = h->attr_size;
	if (attr_size < PERF_ATTR_SIZE_VER0 + sizeof(struct perf_file_section) || attr_size > 4096)
		return ovp_err(-EBADMSG, "bad attribute size %" PRIu64 " (at offset 16)", attr_size);
	if (h->attrs.size % attr_size)
		return ovp_err(-EBADMSG, "attrs section size %" PRIu64 " is not a multiple of %" PRIu64,
			       h->attrs.size, attr_size);
	nr_attrs = h->attrs.size / attr_size;
	if (!nr_attrs)
		return ovp_err(-EBADMSG, "no event attributes");
	for (i = 0; i < nr_attrs; i++) {
		const uint8_t *a = s->map + h->attrs.offset + i * attr_size;
		struct perf_file_section ids;
		uint32_t asz = (uint32_t)(attr_size - sizeof(ids));
		struct perf_event_attr attr;
		uint64_t *idv = NULL;

		memset(&attr, 0, sizeof(attr));
		memcpy(&attr, a, asz < sizeof(attr) ? asz : sizeof(attr));
		memcpy(&ids, a + asz, sizeof(ids));
		CHECK_SECTION(ids, "attribute ids");
		if (ids.size % 8)
			return ovp_err(-EBADMSG, "attribute %" PRIu64 ": ids size %" PRIu64
				       " is not a multiple of 8", i, ids.size);
		if (ids.size) {
			idv = malloc(ids.size);
			if (!idv)
				return -ENOMEM;
			memcpy(idv, s->map + ids.offset, ids.size);
		}
		err = pdata__add_attr(s, &attr, asz, idv, ids.size / 8);
		free(idv);
		if (err)
			return err;
	}

	/* Feature sections: a perf_file_section per set bit, after the data. */
	if (h->data.size > s->file_size - h->data.offset) {
		/* The data section runs past the end: a truncated file.  The
		 * features are lost; the data is read as far as it goes. */
		ovp_warn("%s: truncated recording: the data section ends %" PRIu64 " bytes beyond "
			 "the end of the file, and the feature sections (event names and formats, "
			 "host facts) stored after it are lost; records are read as far as they go",
			 s->path, h->data.size - (s->file_size - h->data.offset));
		s->stats.truncated = true;
		s->info.features_lost = true;
		return 0;
	}
	feat_off = h->data.offset + h->data.size;
	for (feat = 1; feat < PDATA_FEAT_MAX; feat++)
		if (h->adds_features[feat / 64] & (1ULL << (feat % 64)))
			nr_feat++;
	if (feat_off + (uint64_t)nr_feat * sizeof(struct perf_file_section) > s->file_size) {
		ovp_warn("%s: feature table beyond the end of the file (truncated recording?)",
			 s->path);
		s->stats.truncated = true;
		s->info.features_lost = true;
		return 0;
	}
	/* A finished recording without records still has its feature table
	 * right after the (empty) data, each section after the table; an
	 * unfinished one (data size 0) has records there instead. */
	if (nr_feat) {
		uint64_t table_end = feat_off + (uint64_t)nr_feat * sizeof(struct perf_file_section);
		bool ok = true;

		for (k = 0; k < nr_feat && ok; k++) {
			struct perf_file_section sec;

			memcpy(&sec, s->map + feat_off + k * sizeof(sec), sizeof(sec));
			ok = sec.offset >= table_end && sec.offset <= s->file_size &&
			     sec.size <= s->file_size - sec.offset;
		}
		s->feature_table_ok = ok;
	}
	/* A recorder that did not finish wrote no feature table: the data
	 * runs on past what its header counts, and event names and formats
	 * (stored as features) are missing. */
	if (!s->feature_table_ok &&
	    (!nr_feat || (!h->data.size && h->data.offset < s->file_size)))
		s->info.features_lost = true;
	if (!(h->adds_features[0] & (1ULL << PDATA_FEAT_TRACING_DATA))) {
		err = pdata__read_data_tracing(s);
		if (err)
			return err;
	}
	/* TRACING_DATA first: event names from EVENT_DESC override the
	 * tracepoint names, and evsels need formats. */
	for (k = 0; k < 2; k++) {
		uint64_t off = feat_off;

		for (feat = 1; feat < PDATA_FEAT_MAX; feat++) {
			struct perf_file_section sec;

			if (!(h->adds_features[feat / 64] & (1ULL << (feat % 64))))
				continue;
			memcpy(&sec, s->map + off, sizeof(sec));
			off += sizeof(sec);
			if ((k == 0) != (feat == PDATA_FEAT_TRACING_DATA))
				continue;
			if (sec.offset > s->file_size || sec.size > s->file_size - sec.offset) {
				ovp_warn("%s: feature %s section is outside the file; ignored", s->path,
					 pdata_feature_name(feat) ?: "?");
				continue;
			}
			err = pdata__process_feature(s, feat, s->map + sec.offset, sec.size);
			if (err) {
				/* A broken feature loses that feature, not the recording. */
				ovp_warn("%s: feature %s: %s; ignored", s->path,
					 pdata_feature_name(feat) ?: "?", ovp_errmsg());
				if (err == -ENOMEM)
					return err;
			}
		}
	}
	return 0;
#undef CHECK_SECTION
}
