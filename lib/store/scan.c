/*
 * Iteration: Redis's reverse-binary cursor scan (dictScan) and a random key
 * (dictGetRandomKey: random non-empty bucket, random chain element).
 * Neither deletes while walking a chain; expired keys are skipped.
 */
#include "store_int.h"

#define RANDOM_BUCKET_TRIES 1000
#define RANDOM_EXPIRED_TRIES 64

static uint64_t rev64(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
	v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
	v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
	return __builtin_bswap64(v);
}

static long emit_bucket(const struct shard *s, const struct sentry *e,
			shard_scan_fn fn, void *arg)
{
	long n = 0;
	for (; e; e = e->next) {
		if (se_expired(s, e))
			continue;
		fn(arg, e);
		n++;
	}
	return n;
}

/* One dictScan step: the bucket(s) under cursor v, then the next cursor. */
static uint64_t scan_step(const struct shard *s, const struct db *d, uint64_t v,
			  shard_scan_fn fn, void *arg, long *emitted)
{
	if (!dict_rehashing(d)) {
		const struct dtable *t0 = &d->t[0];
		uint64_t m0 = t0->size - 1;
		*emitted += emit_bucket(s, t0->b[v & m0], fn, arg);
		v |= ~m0;
		return rev64(rev64(v) + 1);
	}
	const struct dtable *t0 = &d->t[0], *t1 = &d->t[1];
	if (t0->size > t1->size) {
		const struct dtable *tmp = t0;
		t0 = t1;
		t1 = tmp;
	}
	uint64_t m0 = t0->size - 1, m1 = t1->size - 1;
	*emitted += emit_bucket(s, t0->b[v & m0], fn, arg);
	/* every bucket of the larger table that expands the smaller one's */
	do {
		*emitted += emit_bucket(s, t1->b[v & m1], fn, arg);
		v |= ~m1;
		v = rev64(rev64(v) + 1);
	} while (v & (m0 ^ m1));
	return v;
}

uint64_t shard_scan(struct shard *s, int db, uint64_t cursor, long count,
		    shard_scan_fn fn, void *arg)
{
	const struct db *d = &s->dbs[db];
	long emitted = 0;
	if (count < 1)
		count = 1;
	long maxsteps = count * 10;

	if (dict_size(d) == 0)
		return 0;
	do {
		cursor = scan_step(s, d, cursor, fn, arg, &emitted);
	} while (cursor && --maxsteps > 0 && emitted < count);
	return cursor;
}

static struct sentry *pick_in_chain(struct shard *s, struct sentry *e)
{
	size_t len = 0;
	for (struct sentry *p = e; p; p = p->next)
		len++;
	for (size_t i = shard_rand(s) % len; i; i--)
		e = e->next;
	return e;
}

/* Bucket i of the concatenation t0 ++ t1 (t0's moved buckets are empty). */
static struct sentry *bucket_at(const struct db *d, size_t i)
{
	return i < d->t[0].size ? d->t[0].b[i] : d->t[1].b[i - d->t[0].size];
}

static struct sentry *random_entry(struct shard *s, struct db *d)
{
	size_t lo = dict_rehashing(d) ? (size_t)d->rehashidx : 0;
	size_t n = d->t[0].size + (dict_rehashing(d) ? d->t[1].size : 0);

	for (int i = 0; i < RANDOM_BUCKET_TRIES; i++) {
		struct sentry *e = bucket_at(d, lo + shard_rand(s) % (n - lo));
		if (e)
			return pick_in_chain(s, e);
	}
	for (size_t i = lo; i < n; i++)
		if (bucket_at(d, i))
			return pick_in_chain(s, bucket_at(d, i));
	return NULL;
}

/* After too many expired picks: the first live key from a random bucket on. */
static struct sentry *first_live_from(struct shard *s, struct db *d)
{
	size_t n = d->t[0].size + (dict_rehashing(d) ? d->t[1].size : 0);
	size_t start = shard_rand(s) % n;
	for (size_t k = 0; k < n; k++) {
		for (struct sentry *e = bucket_at(d, (start + k) % n); e; e = e->next)
			if (!se_expired(s, e))
				return e;
	}
	return NULL;
}

struct sentry *shard_random(struct shard *s, int db)
{
	struct db *d = &s->dbs[db];
	int t;

	for (int tries = 0; tries < RANDOM_EXPIRED_TRIES; tries++) {
		if (dict_size(d) == 0)
			return NULL;
		if (dict_rehashing(d))
			dict_rehash(s, d, 1);
		struct sentry *e = random_entry(s, d);
		if (!e)
			return NULL;
		if (!se_expired(s, e))
			return e;
		struct sentry **link = dict_link_of(s, d, e, &t);
		shard_drop(s, d, link, t, true);
	}
	return dict_size(d) ? first_live_from(s, d) : NULL;
}
