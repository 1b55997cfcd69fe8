/*
 * TTLs: the per-db TTL index (an array of the entries that have a TTL, each
 * entry knowing its slot, swap-remove on delete) so active expiry samples in
 * O(1); shard_set_expire, which grows or shrinks the entry by its TTL prefix;
 * and the bounded active-expire cycle.
 */
#include "store_int.h"

#define TTL_MIN_CAP 16
#define EXPIRE_SAMPLES_PER_DB 20
#define EXPIRE_STALE_PCT 10 /* keep sampling a db while more than this expired */

int ttl_index_reserve(struct shard *s, struct db *d)
{
	if (d->nttl < d->ttlcap)
		return 0;
	if (d->ttlcap >= UINT32_MAX / 2)
		return -ENOMEM;
	uint32_t cap = d->ttlcap ? d->ttlcap * 2 : TTL_MIN_CAP;
	struct sentry **a = d->ttl ? mem_realloc(s, d->ttl, cap * sizeof(*a))
				   : mem_alloc(s, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	d->ttl = a;
	d->ttlcap = cap;
	return 0;
}

int ttl_index_add(struct shard *s, struct db *d, struct sentry *e)
{
	int rc = ttl_index_reserve(s, d);
	if (rc)
		return rc;
	se_ttl(e)->idx = d->nttl;
	d->ttl[d->nttl++] = e;
	return 0;
}

void ttl_index_del(struct shard *s, struct db *d, struct sentry *e)
{
	uint32_t i = se_ttl(e)->idx;
	assert(i < d->nttl && d->ttl[i] == e);
	struct sentry *last = d->ttl[--d->nttl];
	d->ttl[i] = last;
	se_ttl(last)->idx = i;
	if (d->nttl == 0) {
		mem_free(s, d->ttl);
		d->ttl = NULL;
		d->ttlcap = 0;
	} else if (d->ttlcap > TTL_MIN_CAP && d->nttl < d->ttlcap / 4) {
		struct sentry **a = mem_realloc(s, d->ttl, (d->ttlcap / 2) * sizeof(*a));
		if (a) { /* failing to shrink is harmless */
			d->ttl = a;
			d->ttlcap /= 2;
		}
	}
}

size_t shard_expires(const struct shard *s, int db)
{
	return s->dbs[db].nttl;
}

static struct sentry *add_ttl(struct shard *s, struct db *d, struct sentry *e, int64_t when)
{
	size_t body = (size_t)e->klen + e->vlen;
	int t;
	if (ttl_index_reserve(s, d))
		return NULL;
	struct sentry **link = dict_link_of(s, d, e, &t);
	struct sentry *ne = mem_realloc(s, e, se_need(true, e->klen, e->vlen));
	if (!ne)
		return NULL;
	*link = ne;
	memmove(ne->data + sizeof(struct sttl), ne->data, body);
	ne->tflags |= SE_TTL;
	se_ttl(ne)->when = when;
	se_ttl(ne)->pad = 0;
	(void)ttl_index_add(s, d, ne); /* reserved above */
	return ne;
}

static struct sentry *drop_ttl(struct shard *s, struct db *d, struct sentry *e)
{
	size_t body = (size_t)e->klen + e->vlen;
	int t;
	struct sentry **link = dict_link_of(s, d, e, &t);
	ttl_index_del(s, d, e);
	memmove(e->data, e->data + sizeof(struct sttl), body);
	e->tflags &= (uint8_t)~SE_TTL;
	struct sentry *ne = mem_realloc(s, e, se_need(false, e->klen, e->vlen));
	if (!ne)
		return e; /* still valid, just roomier than needed */
	*link = ne;
	return ne;
}

struct sentry *shard_set_expire(struct shard *s, int db, struct sentry *e, int64_t when_ms)
{
	struct db *d = &s->dbs[db];
	if (when_ms == STORE_NO_EXPIRE)
		return se_has_ttl(e) ? drop_ttl(s, d, e) : e;
	if (se_has_ttl(e)) {
		se_ttl(e)->when = when_ms;
		return e;
	}
	return add_ttl(s, d, e, when_ms);
}

int shard_active_expire(struct shard *s, int budget)
{
	int deleted = 0, dbs_done = 0;

	s->stats.expire_cycles++;
	while (budget > 0 && dbs_done < s->ndb) {
		struct db *d = &s->dbs[s->expire_db];
		int sampled = 0, expired = 0;
		while (budget > 0 && sampled < EXPIRE_SAMPLES_PER_DB && d->nttl) {
			struct sentry *e = d->ttl[shard_rand(s) % d->nttl];
			sampled++;
			budget--;
			if (se_ttl(e)->when <= s->now_ms) {
				int t;
				struct sentry **link = dict_link_of(s, d, e, &t);
				shard_drop(s, d, link, t, true);
				expired++;
			}
		}
		deleted += expired;
		if (sampled == 0 || expired * 100 <= sampled * EXPIRE_STALE_PCT) {
			s->expire_db = (s->expire_db + 1) % s->ndb;
			dbs_done++;
		}
	}
	return deleted;
}
