/*
 * RENAME and COPY: build the destination entry first (the only step that
 * can fail), then delete what the destination key held, then link it in.
 */
#include "store_int.h"

/* A copy of e under a new key (value, type, encoding, TTL), already in
 * dd's TTL index when it has a TTL, not yet linked into the table. */
static struct sentry *clone_as(struct shard *s, struct db *dd, const struct sentry *e,
			       const char *key, size_t klen, uint64_t h, bool dup_obj)
{
	bool ttl = se_has_ttl(e);
	if (dict_ready(s, dd))
		return NULL;
	struct sentry *ne = entry_new(s, key, klen, e->vlen, ttl, sentry_type(e), e->enc,
				      hash_tag(h));
	if (!ne)
		return NULL;
	memcpy(se_val(ne), se_val(e), e->vlen);
	if (dup_obj && se_is_obj(e)) {
		void *o = obj_ops_of(sentry_type(e))->dup(s, se_obj(e), e->enc);
		if (!o) {
			mem_free(s, ne);
			return NULL;
		}
		se_set_obj(ne, o);
	}
	if (ttl) {
		se_ttl(ne)->when = se_ttl((struct sentry *)e)->when;
		if (ttl_index_add(s, dd, ne)) {
			if (dup_obj)
				entry_free_value(s, ne);
			mem_free(s, ne);
			return NULL;
		}
	}
	return ne;
}

static void drop_key(struct shard *s, struct db *d, const char *key, size_t klen, uint64_t h)
{
	int t;
	struct sentry **link = shard_find_for_write(s, d, h, key, klen, &t);
	if (link)
		shard_drop(s, d, link, t, false);
}

static bool same_key(const struct sentry *e, const char *key, size_t klen)
{
	return e->klen == klen && memcmp(se_key(e), key, klen) == 0;
}

struct sentry *shard_rename(struct shard *s, int db, struct sentry *e,
			    int dstdb, const char *newkey, size_t nklen)
{
	struct db *sd = &s->dbs[db], *dd = &s->dbs[dstdb];
	uint64_t h = key_hash(s, newkey, nklen);
	int t;

	if (db == dstdb && same_key(e, newkey, nklen))
		return e;
	struct sentry *ne = clone_as(s, dd, e, newkey, nklen, h, false);
	if (!ne)
		return NULL;
	if (se_is_obj(e))
		se_set_obj(e, NULL); /* the object moved to ne */
	ne->lfu = e->lfu; /* the same object moves: access history goes along */
	ne->atime = e->atime;
	drop_key(s, dd, newkey, nklen, h);
	struct sentry **link = dict_link_of(s, sd, e, &t);
	shard_drop(s, sd, link, t, false);
	dict_add(s, dd, ne, h);
	shard_note_ready(s, dstdb, ne);
	return ne;
}

struct sentry *shard_copy(struct shard *s, int db, const struct sentry *e,
			  int dstdb, const char *key, size_t klen)
{
	struct db *dd = &s->dbs[dstdb];
	uint64_t h = key_hash(s, key, klen);

	if (db == dstdb && same_key(e, key, klen))
		return (struct sentry *)e;
	struct sentry *ne = clone_as(s, dd, e, key, klen, h, true);
	if (!ne)
		return NULL;
	drop_key(s, dd, key, klen, h);
	dict_add(s, dd, ne, h);
	shard_note_ready(s, dstdb, ne);
	return ne;
}
