/*
 * String writes: SET (with Redis's encoding choice), the INCR family's
 * integer store, APPEND and SETRANGE (which grow the entry in place or
 * reallocate it greedily, as sds does, and leave the value raw).
 */
#include "store_int.h"

#define STR_PREALLOC_MAX (1024 * 1024) /* sds's SDS_MAX_PREALLOC */

/* Build the replacement for *link (or a new key when link is NULL) and put
 * it in place. val is vlen bytes, or an int64 when enc is ENC_INT. */
static struct sentry *store_value(struct shard *s, struct db *d, struct sentry **link,
				  uint64_t h, const char *key, size_t klen,
				  const void *val, size_t vlen, int enc, bool keepttl)
{
	struct sentry *old = link ? *link : NULL;
	bool ttl = old && keepttl && se_has_ttl(old);

	/* Overwrite in place when the allocation would land in the same class. */
	if (old && sentry_type(old) == OBJ_STRING && se_has_ttl(old) == ttl) {
		size_t need = se_need(ttl, klen, vlen), have = mem_usable(old);
		if (need <= have && have <= mem_class(need)) {
			memmove(se_val(old), val, vlen);
			old->vlen = (uint32_t)vlen;
			old->enc = (uint8_t)enc;
			old->atime = shard_clock_sec(s);
			return old;
		}
	}
	if (!old && dict_ready(s, d))
		return NULL;
	struct sentry *ne = entry_new(s, key, klen, vlen, ttl, OBJ_STRING, enc, hash_tag(h));
	if (!ne)
		return NULL;
	memcpy(se_val(ne), val, vlen);
	if (!old) {
		dict_add(s, d, ne, h);
		return ne;
	}
	ne->lfu = old->lfu;
	ne->next = old->next;
	if (ttl)
		*se_ttl(ne) = *se_ttl(old);
	else if (se_has_ttl(old))
		ttl_index_del(s, d, old);
	old->tflags &= (uint8_t)~SE_TTL; /* its TTL slot is ne's now, or gone */
	shard_fix_moved(d, link, ne);
	entry_free_value(s, old);
	mem_free(s, old);
	return ne;
}

struct sentry *shard_set_str(struct shard *s, int db, const char *key, size_t klen,
			     const char *val, size_t vlen, unsigned flags)
{
	struct db *d = &s->dbs[db];
	uint64_t h = key_hash(s, key, klen);
	int t;
	struct sentry **link = shard_find_for_write(s, d, h, key, klen, &t);
	long long iv;

	if (!(flags & (SET_RAW | SET_NOINT)) && vlen <= 20 && util_str_to_ll(val, vlen, &iv)) {
		int64_t x = iv;
		return store_value(s, d, link, h, key, klen, &x, sizeof(x), ENC_INT,
				   flags & SET_KEEPTTL);
	}
	int enc = (!(flags & SET_RAW) && vlen <= STORE_EMBSTR_MAX) ? ENC_EMBSTR : ENC_RAW;
	return store_value(s, d, link, h, key, klen, val, vlen, enc, flags & SET_KEEPTTL);
}

struct sentry *shard_set_int(struct shard *s, int db, const char *key, size_t klen,
			     long long v)
{
	struct db *d = &s->dbs[db];
	uint64_t h = key_hash(s, key, klen);
	int t;
	struct sentry **link = shard_find_for_write(s, d, h, key, klen, &t);
	int64_t x = v;
	return store_value(s, d, link, h, key, klen, &x, sizeof(x), ENC_INT, true);
}

/* Make e's value raw bytes with room for max(current + extra, at_least)
 * bytes; the current value (formatted if it was an int) is kept at the front
 * and *cur set to its length. Returns the live entry or NULL on OOM (e
 * unchanged). */
static struct sentry *make_raw_room(struct shard *s, struct db *d, struct sentry *e,
				    size_t extra, size_t at_least, size_t *cur)
{
	char digits[24];
	size_t curlen;
	long long iv;
	bool was_int = sentry_str_int(e, &iv);

	curlen = was_int ? util_ll_put(digits, iv) : e->vlen;
	if (extra > UINT32_MAX - curlen)
		return NULL;
	size_t want = curlen + extra;
	if (want < at_least)
		want = at_least;
	if (want > UINT32_MAX)
		return NULL;
	size_t need = se_hdr(e) + e->klen + want;
	if (need > mem_usable(e)) {
		size_t room = want < STR_PREALLOC_MAX ? want * 2 : want + STR_PREALLOC_MAX;
		int t;
		struct sentry **link = dict_link_of(s, d, e, &t);
		struct sentry *ne = mem_realloc(s, e, se_hdr(e) + e->klen + room);
		if (!ne)
			return NULL;
		shard_fix_moved(d, link, ne);
		e = ne;
	}
	if (was_int)
		memcpy(se_val(e), digits, curlen);
	e->vlen = (uint32_t)curlen;
	e->enc = ENC_RAW;
	*cur = curlen;
	return e;
}

struct sentry *shard_str_append(struct shard *s, int db, struct sentry *e,
				const char *p, size_t n)
{
	size_t cur;
	e = make_raw_room(s, &s->dbs[db], e, n, 0, &cur);
	if (!e)
		return NULL;
	memcpy(se_val(e) + cur, p, n);
	e->vlen = (uint32_t)(cur + n);
	return e;
}

struct sentry *shard_str_setrange(struct shard *s, int db, struct sentry *e,
				  size_t off, const char *p, size_t n)
{
	size_t cur;
	if (n == 0)
		return e; /* Redis leaves the value untouched */
	if (off > UINT32_MAX || n > UINT32_MAX - off)
		return NULL;
	e = make_raw_room(s, &s->dbs[db], e, 0, off + n, &cur);
	if (!e)
		return NULL;
	if (off > cur)
		memset(se_val(e) + cur, 0, off - cur);
	memcpy(se_val(e) + off, p, n);
	if (off + n > cur)
		e->vlen = (uint32_t)(off + n);
	return e;
}
