/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out/pftrace.h - a streaming writer of Perfetto's native trace format
 * (protobuf TracePackets of TrackEvents, the format ui.perfetto.dev and
 * trace_processor read natively) for `ovsperf-analyze export --perfetto`.
 *
 *	pf_open(&w, f);			// f: an open FILE * (borrowed)
 *	ex_timeline__new(&tl, pf_sink(&w), &filter);
 *	...				// the pass writes through the sink
 *	err = pf_close(&w);		// flushes; the first error, if any
 *
 * What is written (two packet sequences, each starting by clearing its
 * incremental state and making a sequence-scoped incremental clock the
 * default clock of its timestamps: 1 holds the events that come in time
 * order, as deltas of its clock; 2 holds track descriptors and the events
 * dated in the past, such as the begin of a run slice written when it ends:
 * deltas of its own clock while they come in order, else absolute on
 * BOOTTIME through timestamp_clock_id):
 *  - TrackDescriptors: a process track per process, a thread track per
 *    thread (ThreadDescriptor pid/tid/name), each thread's run/ready track
 *    (child of its process), one track per CPU, packet lanes (child tracks of
 *    "packets" / span name; a lane holds packets that do not overlap), and
 *    counter tracks;
 *  - TrackEvents: SLICE_BEGIN / SLICE_END / INSTANT / COUNTER, with event
 *    names, categories, debug-annotation names and string values interned
 *    (InternedData in the packet that first uses them; the first packet
 *    clears the sequence's incremental state);
 *  - flows as TrackEvent.flow_ids / terminating_flow_ids.
 * Packets are gathered into chunks of at most EX_PF_CHUNK bytes, each
 * written deflate-compressed (zlib format, libdeflate) as
 * TracePacket.compressed_packets,
 * which Perfetto inflates on load.  Memory: the chunk, the interning tables
 * (at most PF_MAX_INTERNED strings each), the set of described tracks and
 * the lane ends; nothing grows with the trace's length.
 */
#ifndef OVSPERF_EXPORT_PFTRACE_H
#define OVSPERF_EXPORT_PFTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ovsperf/hmap.h"
#include "report/timeline-sink.h"

#define EX_PF_CHUNK (256u << 10)
#define PF_MAX_SPANS 8
#define PF_MAX_LANES 4096
#define PF_MAX_CPUS 1024
/* Most strings an interning table of a sequence holds: a sequence whose
 * table is full starts again (its incremental state cleared, the strings
 * interned anew), so nothing is lost (man page, LIMITS). */
#define PF_MAX_INTERNED 1024
/* Most tracks remembered as described (spans, counter series, CPUs past
 * PF_MAX_CPUS; the timeline's own caps keep them far fewer): beyond, a
 * track is described again at each use (man page, LIMITS). */
#define PF_MAX_TRACKS 65536

struct pf_intern;

/* A packet sequence: its interning tables and clock. */
struct pf_seq {
	uint32_t id;			/* trusted_packet_sequence_id */
	bool started;			/* its state cleared, its tables not full */
	unsigned int starts;		/* times its state was cleared */
	bool clocked;			/* its incremental clock defined (clock_seq()) */
	uint64_t last_ts;		/* the incremental clock's value */
	struct pf_intern *names, *cats, *keys, *strs;	/* interning tables */
};

struct pf_writer {
	struct ex_sink sink;		/* the writer as the timeline pass sees it */
	FILE *f;			/* output (borrowed) */
	int level;			/* deflate level, 0 = store the chunks uncompressed */
	uint8_t *chunk;			/* TracePackets waiting for compression */
	size_t len;			/* bytes in chunk */
	uint8_t *zbuf;			/* compressed chunk */
	size_t zcap;
	void *z;			/* libdeflate compressor */
	struct pf_seq seq[2];		/* [0]: events in time order, [1]: the rest */
	struct ovp_hmap seen;		/* lazily described tracks (struct pf_track) */
	uint64_t cpu_seen[PF_MAX_CPUS / 64];	/* CPU tracks described */
	uint64_t *lane_end[PF_MAX_SPANS];	/* per span: end time of each lane */
	uint32_t nr_lanes[PF_MAX_SPANS];
	const struct ex_packet *pk;	/* the packet being written (sk_packet()) */
	char cpus[16 * 11];		/* its "cpus" string, when made */
	uint64_t nr_events;		/* TrackEvents written */
	uint64_t nr_packets;		/* TracePackets written */
	uint64_t raw_bytes;		/* bytes before compression */
};

/**
 * pf_open() - start a trace on @f (borrowed: pf_close() flushes, the caller
 * closes).  @level: deflate level 1-9, or 0 for uncompressed packets.
 * Return: 0 or -ENOMEM (message set).
 */
int pf_open(struct pf_writer *w, FILE *f, int level);

/* The sink view of @w (report/timeline-sink.h). */
static inline struct ex_sink *pf_sink(struct pf_writer *w)
{
	return &w->sink;
}

/**
 * pf_close() - write the last chunk, flush @f and free the writer's memory.
 * Safe on a writer that failed to open or was closed.
 * Return: 0, or the first write error (message set).
 */
int pf_close(struct pf_writer *w);

#endif /* OVSPERF_EXPORT_PFTRACE_H */
