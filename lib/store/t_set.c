/*
 * Set values (store_set.h): an intset while every member is an integer and
 * the count is small, an edict (no values) otherwise. The entry's object is
 * the struct intset * (ENC_INTSET) or struct edict * (ENC_HT).
 */
#include <stdlib.h>

#include "edict.h"
#include "intset.h"
#include "store_int.h"
#include "store/store_set.h"

#define INTSET_HARD_MAX (1u << 30) /* Redis: intset internals limit */

static size_t cap_max(size_t max_intset)
{
	return max_intset > INTSET_HARD_MAX ? INTSET_HARD_MAX : max_intset;
}

static bool as_int(const char *m, size_t len, int64_t *v)
{
	long long x;
	if (!util_str_to_ll(m, len, &x))
		return false;
	*v = x;
	return true;
}

size_t set_card(const struct sentry *e)
{
	void *o = se_obj(e);
	return e->enc == ENC_INTSET ? intset_len(o) : edict_size(o);
}

struct sentry *set_create(struct shard *s, int db, const char *key, size_t klen,
			  const char *first, size_t flen)
{
	int64_t v;
	bool ints = as_int(first, flen, &v);
	void *o = ints ? (void *)intset_new(s) : (void *)edict_new(s, EDICT_VNONE);
	if (!o)
		return NULL;
	struct sentry *e = shard_add_obj(s, db, key, klen, OBJ_SET,
					 ints ? ENC_INTSET : ENC_HT, o);
	if (!e)
		set_obj_ops.free(s, o, ints ? ENC_INTSET : ENC_HT);
	return e;
}

/* intset -> hashtable, presized (Redis's setTypeConvert). Room for `extra`
 * more members is reserved so the add that follows does not resize. */
static int to_hashtable(struct shard *s, struct sentry *e, size_t extra)
{
	struct intset *is = se_obj(e);
	struct edict *d = edict_new(s, EDICT_VNONE);
	if (!d || edict_expand(s, d, intset_len(is) + extra))
		goto oom;
	for (uint32_t i = 0; i < intset_len(is); i++) {
		char buf[SET_MEMBER_TMP];
		size_t n = util_ll_put(buf, intset_get(is, i));
		if (!edict_insert(s, d, buf, n, NULL, 0))
			goto oom;
	}
	intset_free(s, is);
	sentry_set_obj(e, ENC_HT, d);
	return 0;
oom:
	edict_free(s, d);
	return -ENOMEM;
}

int set_add(struct shard *s, struct sentry *e, const char *m, size_t mlen, size_t max_intset)
{
	if (e->enc == ENC_HT)
		return edict_add(s, se_obj(e), m, mlen);

	struct intset *is = se_obj(e);
	int64_t v;
	if (!as_int(m, mlen, &v)) {
		if (to_hashtable(s, e, 1))
			return -ENOMEM;
		return edict_add(s, se_obj(e), m, mlen);
	}
	if (intset_find(is, v))
		return 0;
	if (intset_len(is) + 1 > cap_max(max_intset)) {
		/* converting first keeps the set intact if the add fails */
		if (to_hashtable(s, e, 1))
			return -ENOMEM;
		return edict_add(s, se_obj(e), m, mlen);
	}
	int added;
	struct intset *n = intset_add(s, is, v, &added);
	if (!n)
		return -ENOMEM;
	sentry_set_obj(e, ENC_INTSET, n);
	return added;
}

int set_remove(struct shard *s, struct sentry *e, const char *m, size_t mlen)
{
	if (e->enc == ENC_HT)
		return edict_delete(s, se_obj(e), m, mlen);
	int64_t v;
	int removed = 0;
	if (!as_int(m, mlen, &v))
		return 0;
	struct intset *n = intset_remove(s, se_obj(e), v, &removed);
	sentry_set_obj(e, ENC_INTSET, n);
	return removed;
}

bool set_contains(const struct shard *s, const struct sentry *e, const char *m, size_t mlen)
{
	if (e->enc == ENC_HT)
		return edict_find(s, se_obj(e), m, mlen) != NULL;
	int64_t v;
	return as_int(m, mlen, &v) && intset_find(se_obj(e), v);
}

const char *set_random(struct shard *s, const struct sentry *e, char tmp[SET_MEMBER_TMP],
		       size_t *len)
{
	if (e->enc == ENC_INTSET) {
		*len = util_ll_put(tmp, intset_random(s, se_obj(e)));
		return tmp;
	}
	struct edict_ent *x = edict_random(s, se_obj(e));
	return edict_key(x, len, EDICT_VNONE);
}

static int intset_each(const struct intset *is, set_member_fn fn, void *arg)
{
	for (uint32_t i = 0; i < intset_len(is); i++) {
		char buf[SET_MEMBER_TMP];
		size_t n = util_ll_put(buf, intset_get(is, i));
		if (fn(arg, buf, n))
			return 1;
	}
	return 0;
}

void set_foreach(const struct sentry *e, set_member_fn fn, void *arg)
{
	if (e->enc == ENC_INTSET) {
		intset_each(se_obj(e), fn, arg);
		return;
	}
	struct edict_iter it;
	edict_iter_init(&it, se_obj(e));
	for (struct edict_ent *x; (x = edict_iter_next(&it));) {
		size_t n;
		const char *k = edict_key(x, &n, EDICT_VNONE);
		if (fn(arg, k, n))
			return;
	}
}

struct scan_arg {
	set_member_fn fn;
	void *arg;
};

static void scan_one(void *arg, const struct edict_ent *x)
{
	struct scan_arg *a = arg;
	size_t n;
	const char *k = edict_key(x, &n, EDICT_VNONE);
	a->fn(a->arg, k, n);
}

uint64_t set_scan(const struct sentry *e, uint64_t cursor, long count,
		  set_member_fn fn, void *arg)
{
	if (e->enc == ENC_INTSET) {
		intset_each(se_obj(e), fn, arg);
		return 0;
	}
	struct scan_arg a = { fn, arg };
	return edict_scan(se_obj(e), cursor, count, scan_one, &a);
}

/* ---- building a whole set (the *STORE commands) */

static struct intset *build_intset(struct shard *s, size_t n, const char *const *m,
				   const size_t *mlen)
{
	struct intset *is = intset_new(s);
	for (size_t i = 0; is && i < n; i++) {
		int64_t v = 0;
		int added;
		as_int(m[i], mlen[i], &v);
		struct intset *nis = intset_add(s, is, v, &added);
		if (!nis)
			intset_free(s, is);
		is = nis;
	}
	return is;
}

static struct edict *build_edict(struct shard *s, size_t n, const char *const *m,
				 const size_t *mlen)
{
	struct edict *d = edict_new(s, EDICT_VNONE);
	if (!d || edict_expand(s, d, n))
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (edict_add(s, d, m[i], mlen[i]) < 0)
			goto oom;
	return d;
oom:
	edict_free(s, d);
	return NULL;
}

/* A detached set object holding the members (duplicates counted once), in
 * the encoding Redis's *STORE commands end with: intset iff every member is
 * an integer and there are at most max of them. *enc says which. NULL on OOM. */
static void *build(struct shard *s, size_t n, const char *const *m, const size_t *mlen,
		   size_t max_intset, int *enc)
{
	size_t max = cap_max(max_intset);
	bool all_int = true;
	for (size_t i = 0; i < n && all_int; i++) {
		int64_t v;
		all_int = as_int(m[i], mlen[i], &v);
	}
	if (!all_int || n > max) {
		/* a hashtable first: inserting many integers into an intset one by
		 * one would move its tail each time */
		struct edict *d = build_edict(s, n, m, mlen);
		if (!d || !all_int || edict_size(d) > max) {
			*enc = ENC_HT;
			return d;
		}
		edict_free(s, d); /* duplicates: it fits an intset after all */
	}
	*enc = ENC_INTSET;
	return build_intset(s, n, m, mlen);
}

long set_store(struct shard *s, int db, const char *key, size_t klen,
	       size_t n, const char *const *m, const size_t *mlen, size_t max_intset)
{
	if (n == 0) {
		shard_delete(s, db, key, klen);
		return 0;
	}
	int enc;
	void *o = build(s, n, m, mlen, max_intset, &enc);
	if (!o)
		return -ENOMEM;
	long card = (long)(enc == ENC_INTSET ? intset_len(o) : edict_size(o));
	if (!shard_add_obj(s, db, key, klen, OBJ_SET, enc, o)) {
		set_obj_ops.free(s, o, enc);
		return -ENOMEM;
	}
	return card;
}

int set_reset(struct shard *s, struct sentry *e, size_t n, const char *const *m,
	      const size_t *mlen, size_t max_intset)
{
	int enc;
	void *o = build(s, n, m, mlen, max_intset, &enc);
	if (!o)
		return -ENOMEM;
	set_obj_ops.free(s, se_obj(e), e->enc);
	sentry_set_obj(e, enc, o);
	return 0;
}

/* ---- obj_ops: free, dup, dump, load */

static void set_free(struct shard *s, void *o, int enc)
{
	if (enc == ENC_INTSET)
		intset_free(s, o);
	else
		edict_free(s, o);
}

static void *set_dup(struct shard *s, const void *o, int enc)
{
	return enc == ENC_INTSET ? (void *)intset_dup(s, o) : (void *)edict_dup(s, o);
}

static int dump_member(void *arg, const char *m, size_t len)
{
	struct store_buf *b = arg;
	return buf_put_u64(b, len) || buf_put(b, m, len);
}

/* intset: blob length, blob. hashtable: count, then (length, bytes) each. */
static int set_dump(const void *o, int enc, struct store_buf *out)
{
	if (enc == ENC_INTSET) {
		size_t n = intset_blob_len(o);
		return buf_put_u64(out, n) ? -ENOMEM : buf_put(out, intset_blob(o), n);
	}
	if (buf_put_u64(out, edict_size(o)))
		return -ENOMEM;
	struct edict_iter it;
	edict_iter_init(&it, o);
	for (struct edict_ent *x; (x = edict_iter_next(&it));) {
		size_t n;
		const char *k = edict_key(x, &n, EDICT_VNONE);
		if (dump_member(out, k, n))
			return -ENOMEM;
	}
	return 0;
}

static void *set_load(struct shard *s, const char *p, size_t n, int *enc)
{
	const char *end = p + n, *bytes;
	uint64_t cnt;
	if (!buf_get_u64(&p, end, &cnt))
		return NULL;
	if (*enc == ENC_INTSET) {
		if (!buf_get(&p, end, cnt, &bytes) || p != end)
			return NULL;
		return intset_from_blob(s, bytes, cnt);
	}
	*enc = ENC_HT;
	struct edict *d = edict_new(s, EDICT_VNONE);
	if (!d || (cnt <= n && edict_expand(s, d, cnt)))
		goto bad;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t len;
		if (!buf_get_u64(&p, end, &len) || !buf_get(&p, end, len, &bytes) ||
		    edict_add(s, d, bytes, len) < 0)
			goto bad;
	}
	if (p != end)
		goto bad;
	return d;
bad:
	edict_free(s, d);
	return NULL;
}

const struct obj_ops set_obj_ops = {
	.free = set_free,
	.dup = set_dup,
	.dump = set_dump,
	.load = set_load,
};
