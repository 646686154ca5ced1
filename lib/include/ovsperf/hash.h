/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hash.h - the one hash function of every table keyed by values taken from a
 * recording (skb addresses, heads, tids, sample ids, device names, flows,
 * stacks, packet bytes).
 *
 * Such keys are chosen by whoever wrote the file: with a fixed, public hash
 * a file can put every key in one bucket and turn each lookup into a walk
 * of the whole table (hash flooding).  The functions here are keyed by a
 * per-process secret drawn from getrandom() when the program starts, so the
 * bucket of a key cannot be known in advance; the mixing step is the 128-bit
 * multiply-fold of wyhash/rapidhash, which spreads every input bit over the
 * low bits that pick a bucket.
 *
 * The secret changes between runs, so the order of a table's buckets does
 * too: nothing that is printed may depend on it (iterate an insertion-ordered
 * array, or sort).  OVSPERF_HASH_SEED=N in the environment fixes the secret
 * (tests that count probes; reproducing a run).
 */
#ifndef OVSPERF_HASH_H
#define OVSPERF_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The process's secret (set before main() runs; see hash.c). */
struct ovp_hash_secret {
	uint64_t k0, k1, k2;
};
extern struct ovp_hash_secret ovp_hash_secret;

/* Multiply-fold: the 128-bit product of @a and @b, high half xor low half. */
static inline uint64_t ovp_hash_mix(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/**
 * ovp_hash64() - hash a 64-bit key (an address, an id, a tid).
 *
 * One multiply-fold of the key and the secret: the high half of the product
 * depends on every bit of both and is folded into the low bits that pick a
 * bucket.  Inline, per event (the latency report's hot path).
 */
static inline uint64_t ovp_hash64(uint64_t key)
{
	const struct ovp_hash_secret *s = &ovp_hash_secret;

	return ovp_hash_mix(key ^ s->k0, s->k1);
}

/**
 * ovp_hash_bytes() - hash @n bytes at @p (names, flow tuples, stacks, packet
 * bytes), keyed by the same secret.  @p needs no alignment.
 */
uint64_t ovp_hash_bytes(const void *p, size_t n);

#endif /* OVSPERF_HASH_H */
