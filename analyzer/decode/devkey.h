/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/devkey.h - a device name of up to 15 bytes as a key of two words,
 * read straight from an event's bytes, so that the per-event path finds a
 * known device by one hash and two compares, without copying its name (the
 * latency report's device table, and decode/devtab.h's index of its names).
 */
#ifndef OVSPERF_DEVKEY_H
#define OVSPERF_DEVKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ovsperf/hash.h"

/* A device name of up to 15 bytes as two words, zero-padded: the device
 * of a sample is found by one hash and two compares. */
struct dev_key {
	uint64_t w[2];
};

/* The @n (<= 8) bytes at @d as a little-endian word, zero above; @avail
 * bytes can be read at @d. */
static inline uint64_t load_le_bytes(const uint8_t *d, uint32_t n, size_t avail)
{
	uint64_t w = 0;

	if (!n)
		return 0;
	if (avail >= 8) {
		memcpy(&w, d, 8);
		return n >= 8 ? w : w & (~0ULL >> (64 - 8 * n));
	}
	/* In registers, byte by byte: a copy to a stack buffer read back as a
	 * word would stall store forwarding. */
	for (uint32_t i = 0; i < n; i++)
		w |= (uint64_t)d[i] << (8 * i);
	return w;
}

/*
 * The key of the @len bytes at @d (a string, maybe NUL padded; @avail >= @len
 * bytes readable there): its bytes up to the first NUL, zero-padded to 16.
 * False when the name has 16 bytes or more (no key: looked up by name).
 */
static inline __attribute__((always_inline)) bool dev_key_of(const uint8_t *d, uint32_t len,
							    size_t avail, struct dev_key *k)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint32_t n = len < 16 ? len : 16;
	uint64_t t;

	k->w[0] = load_le_bytes(d, n < 8 ? n : 8, avail);
	k->w[1] = n > 8 ? load_le_bytes(d + 8, n - 8, avail - 8) : 0;
	/* The lowest zero byte (little endian): bytes after it are cleared.
	 * Bytes past @n are zero already. */
	t = (k->w[0] - ones) & ~k->w[0] & highs;
	if (t) {
		unsigned int z = (unsigned int)__builtin_ctzll(t) / 8;

		k->w[0] &= z ? ~0ULL >> (64 - 8 * z) : 0;
		k->w[1] = 0;
		return true;
	}
	t = (k->w[1] - ones) & ~k->w[1] & highs;
	if (t) {
		unsigned int z = (unsigned int)__builtin_ctzll(t) / 8;

		k->w[1] &= z ? ~0ULL >> (64 - 8 * z) : 0;
		return true;
	}
	return false;
}

static inline size_t dev_key_hash(const struct dev_key *k)
{
	return (size_t)ovp_hash_mix(ovp_hash64(k->w[0]) ^ k->w[1], ovp_hash_secret.k2);
}

#endif /* OVSPERF_DEVKEY_H */
