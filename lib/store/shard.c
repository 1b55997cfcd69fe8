/*
 * The shard: lifecycle, clock, stats, and the key-level operations (lookup,
 * delete, flush, rehash step) built on dict.c and expire.c.
 */
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "store_int.h"

static uint64_t fresh_seed(const void *salt)
{
	uint64_t v = 0;
	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ULL ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)salt;
	}
	return v;
}

struct shard *shard_new(int ndb)
{
	if (ndb <= 0)
		return NULL;
	struct shard tmp = { 0 };
	struct shard *s = mem_calloc(&tmp, sizeof(*s));
	if (!s)
		return NULL;
	s->used = tmp.used;
	s->ndb = ndb;
	s->dbs = mem_calloc(s, (size_t)ndb * sizeof(*s->dbs));
	if (!s->dbs) {
		mem_free(s, s);
		return NULL;
	}
	for (int i = 0; i < ndb; i++)
		s->dbs[i].rehashidx = -1;
	s->seed = fresh_seed(s);
	s->rng = fresh_seed(&tmp) | 1;
	return s;
}

void shard_free(struct shard *s)
{
	if (!s)
		return;
	shard_flushall(s);
	ready_free(s);
	mem_free(s, s->dbs);
	struct shard tmp = *s;
	mem_free(&tmp, s);
}

int shard_ndb(const struct shard *s) { return s->ndb; }
void shard_set_time(struct shard *s, int64_t now_ms) { s->now_ms = now_ms; }
int64_t shard_time(const struct shard *s) { return s->now_ms; }
const struct shard_stats *shard_stats(const struct shard *s) { return &s->stats; }
void shard_reset_stats(struct shard *s) { s->stats = (struct shard_stats){ 0 }; }
size_t shard_used_memory(const struct shard *s) { return s->used; }
size_t shard_dbsize(const struct shard *s, int db) { return dict_size(&s->dbs[db]); }

void shard_drop(struct shard *s, struct db *d, struct sentry **link, int table, bool expired)
{
	struct sentry *e = *link;
	dict_unlink(s, d, link, table);
	entry_free(s, d, e);
	if (expired)
		s->stats.expired_keys++;
}

void shard_fix_moved(struct db *d, struct sentry **link, struct sentry *ne)
{
	*link = ne;
	if (se_has_ttl(ne))
		d->ttl[se_ttl(ne)->idx] = ne;
}

/* The hot path of GET: one rehash step, one hash, one bucket walk. */
struct sentry *shard_lookup(struct shard *s, int db, const char *key, size_t klen, unsigned flags)
{
	struct db *d = &s->dbs[db];
	int t;

	if (dict_size(d) == 0)
		return NULL;
	if (dict_rehashing(d))
		dict_rehash(s, d, 1);
	struct sentry **link = dict_find_link(d, key_hash(s, key, klen), key, klen, &t);
	if (!link)
		return NULL;
	struct sentry *e = *link;
	if (se_expired(s, e)) {
		shard_drop(s, d, link, t, true);
		return NULL;
	}
	if (!(flags & LOOKUP_NOTOUCH))
		entry_touch(s, e);
	return e;
}

int shard_delete(struct shard *s, int db, const char *key, size_t klen)
{
	struct db *d = &s->dbs[db];
	int t;

	if (dict_size(d) == 0)
		return 0;
	if (dict_rehashing(d))
		dict_rehash(s, d, 1);
	struct sentry **link = dict_find_link(d, key_hash(s, key, klen), key, klen, &t);
	if (!link)
		return 0;
	bool expired = se_expired(s, *link);
	shard_drop(s, d, link, t, expired);
	return expired ? 0 : 1;
}

void shard_delete_entry(struct shard *s, int db, struct sentry *e)
{
	struct db *d = &s->dbs[db];
	int t;

	if (dict_rehashing(d))
		dict_rehash(s, d, 1);
	struct sentry **link = dict_link_of(s, d, e, &t);
	shard_drop(s, d, link, t, false);
}

void shard_flushdb(struct shard *s, int db)
{
	dict_clear(s, &s->dbs[db]);
}

void shard_flushall(struct shard *s)
{
	for (int i = 0; i < s->ndb; i++)
		dict_clear(s, &s->dbs[i]);
}

int shard_rehash_step(struct shard *s, int steps)
{
	int left = 0;
	if (!s->dict_maint)
		return 0;
	s->dict_maint = false; /* set again below by what is still pending */
	for (int i = 0; i < s->ndb; i++) {
		struct db *d = &s->dbs[i];
		if (dict_rehashing(d) && steps > 0) {
			int moved = dict_rehash(s, d, steps);
			steps -= moved ? moved : 1;
		}
		/* also right after a rehash ends: deletes during it could
		 * not start the shrink they called for */
		if (!dict_rehashing(d))
			dict_try_shrink(s, d);
		if (dict_rehashing(d))
			left++;
	}
	if (left)
		s->dict_maint = true;
	return left;
}

struct sentry **shard_find_for_write(struct shard *s, struct db *d, uint64_t h,
				     const char *key, size_t klen, int *table)
{
	if (dict_size(d) == 0)
		return NULL;
	if (dict_rehashing(d))
		dict_rehash(s, d, 1);
	struct sentry **link = dict_find_link(d, h, key, klen, table);
	if (link && se_expired(s, *link)) {
		shard_drop(s, d, link, *table, true);
		return NULL;
	}
	return link;
}

uint64_t shard_prefetch_bucket(const struct shard *s, int db, const char *key, size_t klen)
{
	uint64_t h = key_hash(s, key, klen);
	const struct db *d = &s->dbs[db];
	for (int t = 0; t < (dict_rehashing(d) ? 2 : 1); t++)
		if (d->t[t].size)
			__builtin_prefetch(&d->t[t].b[h & (d->t[t].size - 1)]);
	return h;
}

/* Both lines of an entry: the key runs past the header's line. */
static void prefetch_sentry(const struct sentry *e)
{
	__builtin_prefetch(e);
	__builtin_prefetch((const char *)e + 64);
}

/* The chain of h in each live table of d (t[1] only while rehashing). */
#define for_each_chain_head(d, h, e)                                          \
	for (int t_ = 0; t_ < (dict_rehashing(d) ? 2 : 1); t_++)              \
		if ((d)->t[t_].size &&                                        \
		    ((e) = (d)->t[t_].b[(h) & ((d)->t[t_].size - 1)]) != NULL)

void shard_prefetch_entry(const struct shard *s, int db, uint64_t h)
{
	const struct db *d = &s->dbs[db];
	const struct sentry *e;
	for_each_chain_head(d, h, e)
		prefetch_sentry(e);
}

void shard_prefetch_chain(const struct shard *s, int db, uint64_t h)
{
	const struct db *d = &s->dbs[db];
	const struct sentry *e;
	for_each_chain_head(d, h, e)
		if (e->htag != hash_tag(h) && e->next)
			prefetch_sentry(e->next);
}
