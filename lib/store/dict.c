/*
 * Per-db chained hash table with Redis-style incremental rehash: t[0] is the
 * live table, t[1] the one being filled while rehashidx >= 0. Buckets are
 * powers of two. A grow starts when used >= size, a shrink when under 10%
 * full; the move itself is done a bucket at a time by lookups, writes and
 * shard_rehash_step, never all at once.
 */
#include "store_int.h"

static size_t pow2_at_least(size_t n)
{
	size_t size = DICT_INIT_SIZE;
	while (size < n)
		size <<= 1;
	return size;
}

/* Start a resize to the power of two >= want. 0 or -errno. */
static int dict_resize(struct shard *s, struct db *d, size_t want)
{
	size_t size = pow2_at_least(want);
	if (dict_rehashing(d) || size == d->t[0].size)
		return -EINVAL;
	struct sentry **b = mem_calloc(s, size * sizeof(*b));
	if (!b)
		return -ENOMEM;
	if (d->t[0].size == 0) {
		d->t[0] = (struct dtable){ .b = b, .size = size, .used = 0 };
		return 0;
	}
	d->t[1] = (struct dtable){ .b = b, .size = size, .used = 0 };
	d->rehashidx = 0;
	s->dict_maint = true;
	return 0;
}

int dict_ready(struct shard *s, struct db *d)
{
	return d->t[0].size ? 0 : dict_resize(s, d, DICT_INIT_SIZE);
}

int dict_rehash(struct shard *s, struct db *d, int buckets)
{
	int moved = 0;
	int empty_visits = buckets * 10;
	struct dtable *t0 = &d->t[0], *t1 = &d->t[1];

	if (!dict_rehashing(d))
		return 0;
	while (moved < buckets && t0->used) {
		while (!t0->b[d->rehashidx]) {
			d->rehashidx++;
			if (--empty_visits == 0)
				goto out;
		}
		struct sentry *e = t0->b[d->rehashidx];
		while (e) {
			struct sentry *next = e->next;
			size_t idx = key_hash(s, se_key(e), e->klen) & (t1->size - 1);
			e->next = t1->b[idx];
			t1->b[idx] = e;
			t0->used--;
			t1->used++;
			e = next;
		}
		t0->b[d->rehashidx++] = NULL;
		moved++;
	}
out:
	s->stats.rehash_steps += moved;
	if (t0->used == 0) {
		mem_free(s, t0->b);
		*t0 = *t1;
		*t1 = (struct dtable){ 0 };
		d->rehashidx = -1;
	}
	return moved;
}

struct sentry **dict_find_link(struct db *d, uint64_t h, const char *key, size_t klen,
			       int *table)
{
	uint8_t tag = hash_tag(h);

	for (int t = 0; t < 2; t++) {
		struct dtable *tb = &d->t[t];
		if (tb->size == 0)
			return NULL;
		for (struct sentry **l = &tb->b[h & (tb->size - 1)]; *l; l = &(*l)->next) {
			const struct sentry *e = *l;
			if (e->htag == tag && e->klen == klen &&
			    memcmp(se_key(e), key, klen) == 0) {
				*table = t;
				return l;
			}
		}
		if (!dict_rehashing(d))
			return NULL;
	}
	return NULL;
}

struct sentry **dict_link_of(struct shard *s, struct db *d, const struct sentry *e, int *table)
{
	uint64_t h = key_hash(s, se_key(e), e->klen);

	for (int t = 0; t < 2; t++) {
		struct dtable *tb = &d->t[t];
		if (tb->size == 0)
			break;
		for (struct sentry **l = &tb->b[h & (tb->size - 1)]; *l; l = &(*l)->next) {
			if (*l == e) {
				*table = t;
				return l;
			}
		}
		if (!dict_rehashing(d))
			break;
	}
	assert(!"entry not in its db");
	return NULL;
}

void dict_add(struct shard *s, struct db *d, struct sentry *e, uint64_t h)
{
	if (!dict_rehashing(d) && d->t[0].used >= d->t[0].size)
		(void)dict_resize(s, d, d->t[0].used + 1); /* on OOM: longer chains */
	struct dtable *tb = dict_rehashing(d) ? &d->t[1] : &d->t[0];
	size_t idx = h & (tb->size - 1);
	e->htag = hash_tag(h);
	e->next = tb->b[idx];
	tb->b[idx] = e;
	tb->used++;
}

void dict_try_shrink(struct shard *s, struct db *d)
{
	size_t size = d->t[0].size;
	if (size <= DICT_INIT_SIZE)
		return;
	if (dict_rehashing(d)) {
		s->dict_maint = true; /* check again once the rehash is over */
		return;
	}
	if (d->t[0].used * 100 < size * DICT_MIN_FILL_PCT &&
	    dict_resize(s, d, d->t[0].used) == -ENOMEM)
		s->dict_maint = true; /* retry each turn */
}

void dict_unlink(struct shard *s, struct db *d, struct sentry **link, int table)
{
	struct sentry *e = *link;
	*link = e->next;
	e->next = NULL;
	d->t[table].used--;
	dict_try_shrink(s, d);
}

void dict_clear(struct shard *s, struct db *d)
{
	for (int t = 0; t < 2; t++) {
		struct dtable *tb = &d->t[t];
		for (size_t i = 0; i < tb->size && tb->used; i++) {
			struct sentry *e = tb->b[i];
			while (e) {
				struct sentry *next = e->next;
				entry_free_value(s, e);
				mem_free(s, e);
				tb->used--;
				e = next;
			}
		}
		mem_free(s, tb->b);
		*tb = (struct dtable){ 0 };
	}
	d->rehashidx = -1;
	mem_free(s, d->ttl);
	d->ttl = NULL;
	d->nttl = d->ttlcap = 0;
}
