/*
 * Collection values: the pointer an entry holds, the per-type operations
 * table, and the dump/restore bytes that move any value between shards.
 */
#include <stdlib.h>

#include "store_int.h"

const struct obj_ops *obj_ops_of(int type)
{
	switch (type) {
	case OBJ_HASH: return &hash_obj_ops;
	case OBJ_SET: return &set_obj_ops;
	case OBJ_ZSET: return &zset_obj_ops;
	case OBJ_LIST: return &list_obj_ops;
	default: return NULL;
	}
}

void entry_free_value(struct shard *s, struct sentry *e)
{
	if (!se_is_obj(e))
		return;
	void *o = se_obj(e);
	if (o)
		obj_ops_of(sentry_type(e))->free(s, o, e->enc);
	se_set_obj(e, NULL);
}

void *sentry_obj(const struct sentry *e) { return se_is_obj(e) ? se_obj(e) : NULL; }

void sentry_set_obj(struct sentry *e, int enc, void *obj)
{
	e->enc = (uint8_t)enc;
	se_set_obj(e, obj);
}

struct sentry *shard_add_obj(struct shard *s, int db, const char *key, size_t klen,
			     int type, int enc, void *obj)
{
	struct db *d = &s->dbs[db];
	uint64_t h = key_hash(s, key, klen);
	int t;
	struct sentry **link = shard_find_for_write(s, d, h, key, klen, &t);
	if (dict_ready(s, d))
		return NULL;
	struct sentry *e = entry_new(s, key, klen, sizeof(void *), false, type, enc, hash_tag(h));
	if (!e)
		return NULL;
	se_set_obj(e, obj);
	if (link) /* the caller looked it up; an overwrite is still handled */
		shard_drop(s, d, link, t, false);
	dict_add(s, d, e, h);
	shard_note_ready(s, db, e);
	return e;
}

/* ---- byte buffers */

int buf_put(struct store_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap - b->len < n)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_put_u64(struct store_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;
	do {
		tmp[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	return buf_put(b, tmp, n);
}

bool buf_get_u64(const char **p, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		unsigned char c = (unsigned char)*(*p)++;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

bool buf_get(const char **p, const char *end, size_t n, const char **out)
{
	if ((size_t)(end - *p) < n)
		return false;
	*out = *p;
	*p += n;
	return true;
}

/* ---- dump / restore: type byte, encoding byte, then the type's bytes */

char *shard_dump_value(const struct sentry *e, size_t *len)
{
	struct store_buf b = { 0 };
	unsigned char hdr[2] = { (unsigned char)sentry_type(e), e->enc };
	int rc = buf_put(&b, hdr, sizeof(hdr));
	if (!rc && se_is_obj(e)) {
		rc = obj_ops_of(sentry_type(e))->dump(se_obj(e), e->enc, &b);
	} else if (!rc) {
		char tmp[24];
		size_t n;
		const char *v = sentry_str(e, tmp, &n);
		rc = buf_put(&b, v, n);
	}
	if (rc || !b.p) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

struct sentry *shard_restore(struct shard *s, int db, const char *key, size_t klen,
			     const char *p, size_t n, int64_t expire)
{
	if (n < 2)
		return NULL;
	int type = (unsigned char)p[0], enc = (unsigned char)p[1];
	struct sentry *e;
	if (type == OBJ_STRING) {
		unsigned flags = enc == ENC_RAW ? SET_RAW : enc == ENC_EMBSTR ? SET_NOINT : 0;
		e = shard_set_str(s, db, key, klen, p + 2, n - 2, flags);
	} else {
		const struct obj_ops *ops = obj_ops_of(type);
		if (!ops)
			return NULL;
		void *o = ops->load(s, p + 2, n - 2, &enc);
		if (!o)
			return NULL;
		e = shard_add_obj(s, db, key, klen, type, enc, o);
		if (!e) {
			ops->free(s, o, enc);
			return NULL;
		}
	}
	if (e && expire != STORE_NO_EXPIRE && !shard_set_expire(s, db, e, expire)) {
		shard_delete(s, db, key, klen); /* never leave it without its TTL */
		return NULL;
	}
	return e;
}
