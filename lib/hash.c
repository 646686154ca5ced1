// SPDX-License-Identifier: Apache-2.0
/*
 * hash.c - the per-process secret of the hash of recording-derived keys
 * (see hash.h) and the byte-string hash.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "ovsperf/hash.h"

struct ovp_hash_secret ovp_hash_secret = {
	/* Used only if the constructor has not run (it always does). */
	0x2d358dccaa6c78a5ull, 0x8bb84b93962eacc9ull | 1, 0x4b33a62ed433d4a3ull | 1,
};

/* splitmix64: expands one word into the three of the secret. */
static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Before main(): the secret from OVSPERF_HASH_SEED when set (a number), else
 * from getrandom(), else (no entropy yet, very early boot) from the clock and
 * the pid.  The multipliers are made odd so no bit of a product is lost.
 */
__attribute__((constructor)) static void hash_secret_init(void)
{
	const char *env = getenv("OVSPERF_HASH_SEED");
	uint64_t seed = 0;

	if (env && *env) {
		seed = strtoull(env, NULL, 0);
	} else if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uint64_t)getpid() << 16;
	}
	ovp_hash_secret.k0 = splitmix(&seed);
	ovp_hash_secret.k1 = splitmix(&seed) | 1;
	ovp_hash_secret.k2 = splitmix(&seed) | 1;
}

uint64_t ovp_hash_bytes(const void *p, size_t n)
{
	const struct ovp_hash_secret *s = &ovp_hash_secret;
	const unsigned char *b = p;
	uint64_t h = s->k0 ^ n, w;

	for (; n >= 8; n -= 8, b += 8) {
		memcpy(&w, b, 8);
		h = ovp_hash_mix(h ^ w, s->k1);
	}
	if (n) {
		w = 0;
		memcpy(&w, b, n);
		h = ovp_hash_mix(h ^ w ^ (uint64_t)n << 56, s->k1);
	}
	return ovp_hash_mix(h, s->k2);
}
