/*
 * The store's 64-bit key hash: a small wyhash-style construction (64x64->128
 * multiply, fold the halves). Seeded per shard so bucket layout cannot be
 * predicted from outside. Not Redis Cluster's CRC16: that one only routes.
 */
#include "store_int.h"

#define P0 0xa0761d6478bd642full
#define P1 0xe7037ed1a0b428dbull
#define P2 0x8ebc6af09c88c6e3ull

static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

uint64_t store_hash(const void *key, size_t n, uint64_t seed)
{
	const uint8_t *p = key;
	uint64_t a, b;

	seed ^= mum(seed ^ P0, P1);
	if (n <= 16) {
		if (n >= 4) {
			size_t q = (n >> 3) << 2; /* 0 or 4: second word overlaps the first */
			a = (rd32(p) << 32) | rd32(p + q);
			b = (rd32(p + n - 4) << 32) | rd32(p + n - 4 - q);
		} else if (n > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = n;
		while (i > 16) {
			seed = mum(rd64(p) ^ P1, rd64(p + 8) ^ seed);
			p += 16;
			i -= 16;
		}
		a = rd64(p + i - 16);
		b = rd64(p + i - 8);
	}
	a ^= P1;
	b ^= seed;
	__uint128_t r = (__uint128_t)a * b;
	a = (uint64_t)r;
	b = (uint64_t)(r >> 64);
	return mum(a ^ P0 ^ n, b ^ P2);
}
