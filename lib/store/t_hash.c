/*
 * Hash values (store_hash.h): a listpack of field, value pairs, converted
 * to an edict with byte values past the limits, like Redis 7.0's t_hash.c.
 * Also the hash row of the obj_ops table (free, dup, dump, load).
 */
#include <stdlib.h>

#include "edict.h"
#include "listpack.h"
#include "store_hash.h"
#include "store_int.h"

static inline unsigned char *hlp(const struct sentry *e) { return se_obj(e); }
static inline struct edict *hht(const struct sentry *e) { return se_obj(e); }
static inline bool is_lp(const struct sentry *e) { return e->enc == ENC_LISTPACK; }

struct sentry *hash_key_new(struct shard *s, int db, const char *key, size_t klen)
{
	unsigned char *lp = lp_new(s);
	if (!lp)
		return NULL;
	struct sentry *e = shard_add_obj(s, db, key, klen, OBJ_HASH, ENC_LISTPACK, lp);
	if (!e)
		lp_free(s, lp);
	return e;
}

size_t hash_len(const struct sentry *e)
{
	return is_lp(e) ? lp_count(hlp(e)) / 2 : edict_size(hht(e));
}

/* ---- listpack pairs */

static void lp_pair(const unsigned char *fp, const unsigned char *vp, struct hash_pair *out)
{
	size_t n;
	const unsigned char *f = lp_get_str(fp, (unsigned char *)out->fbuf, &n);
	out->f = (const char *)f;
	out->flen = n;
	const unsigned char *v = lp_get_str(vp, (unsigned char *)out->vbuf, &n);
	out->v = (const char *)v;
	out->vlen = n;
}

static void ht_pair(const struct edict_ent *de, struct hash_pair *out)
{
	out->f = edict_key(de, &out->flen, EDICT_VBYTES);
	out->v = edict_val(de, &out->vlen);
}

/* The field entry equal to f, or NULL. */
static unsigned char *lp_field(const unsigned char *lp, const char *f, size_t flen)
{
	return lp_find(lp, lp_first(lp), f, flen, 1);
}

/* ---- conversion */

static int convert_to_ht(struct shard *s, struct sentry *e)
{
	unsigned char *lp = hlp(e);
	struct edict *d = edict_new(s, EDICT_VBYTES);
	if (!d)
		return -ENOMEM;
	edict_expand(s, d, lp_count(lp) / 2); /* a failed expand only costs rehashing */
	for (unsigned char *fp = lp_first(lp); fp; fp = lp_next(lp, lp_next(lp, fp))) {
		struct hash_pair p;
		lp_pair(fp, lp_next(lp, fp), &p);
		if (!edict_insert(s, d, p.f, p.flen, p.v, p.vlen)) {
			edict_free(s, d);
			return -ENOMEM;
		}
	}
	lp_free(s, lp);
	sentry_set_obj(e, ENC_HT, d);
	return 0;
}

int hash_prepare_add(struct shard *s, struct sentry *e, size_t maxlen, size_t sumlen,
		     const struct hash_limits *lim)
{
	if (!is_lp(e))
		return 0;
	if (maxlen > lim->max_value || !lp_safe_to_add(hlp(e), sumlen))
		return convert_to_ht(s, e);
	return 0;
}

/* ---- writes */

static int lp_set(struct shard *s, struct sentry *e, const char *f, size_t flen,
		  const char *v, size_t vlen, const struct hash_limits *lim)
{
	unsigned char *lp = hlp(e);
	unsigned char *fp = lp_field(lp, f, flen);
	int rc;
	if (fp) {
		rc = lp_replace(s, &lp, lp_next(lp, fp), v, vlen, NULL);
		sentry_set_obj(e, ENC_LISTPACK, lp);
		return rc ? rc : 0;
	}
	rc = lp_append(s, &lp, f, flen);
	if (!rc) {
		rc = lp_append(s, &lp, v, vlen);
		if (rc) /* undo the field so the pairs stay whole */
			lp_delete(s, &lp, lp_last(lp), 1, NULL);
	}
	sentry_set_obj(e, ENC_LISTPACK, lp);
	if (rc)
		return rc;
	/* Redis converts after the add that passes the limit. If that
	 * conversion runs out of memory the field is still set; the next
	 * add tries again. */
	if (lp_count(lp) / 2 > lim->max_entries)
		convert_to_ht(s, e);
	return 1;
}

int hash_set(struct shard *s, struct sentry *e, const char *f, size_t flen,
	     const char *v, size_t vlen, const struct hash_limits *lim)
{
	if (is_lp(e)) {
		/* HINCRBY* reach here without hash_prepare_add */
		if (flen > lim->max_value || vlen > lim->max_value ||
		    !lp_safe_to_add(hlp(e), flen + vlen)) {
			int rc = convert_to_ht(s, e);
			if (rc)
				return rc;
		} else {
			return lp_set(s, e, f, flen, v, vlen, lim);
		}
	}
	struct edict *d = hht(e);
	struct edict_ent *de = edict_find(s, d, f, flen);
	if (de)
		return edict_set_bytes(s, d, de, v, vlen) ? 0 : -ENOMEM;
	return edict_insert(s, d, f, flen, v, vlen) ? 1 : -ENOMEM;
}

int hash_delete(struct shard *s, struct sentry *e, const char *f, size_t flen)
{
	if (!is_lp(e))
		return edict_delete(s, hht(e), f, flen);
	unsigned char *lp = hlp(e);
	unsigned char *fp = lp_field(lp, f, flen);
	if (!fp)
		return 0;
	lp_delete(s, &lp, fp, 2, NULL);
	sentry_set_obj(e, ENC_LISTPACK, lp);
	return 1;
}

/* ---- reads */

const char *hash_get(const struct shard *s, const struct sentry *e, const char *f, size_t flen,
		     char buf[HASH_INTBUF], size_t *vlen)
{
	if (is_lp(e)) {
		const unsigned char *lp = hlp(e);
		unsigned char *fp = lp_field(lp, f, flen);
		if (!fp)
			return NULL;
		return (const char *)lp_get_str(lp_next(lp, fp), (unsigned char *)buf, vlen);
	}
	const struct edict_ent *de = edict_find(s, hht(e), f, flen);
	return de ? edict_val(de, vlen) : NULL;
}

bool hash_exists(const struct shard *s, const struct sentry *e, const char *f, size_t flen)
{
	char buf[HASH_INTBUF];
	size_t n;
	return hash_get(s, e, f, flen, buf, &n) != NULL;
}

void hash_foreach(const struct sentry *e, hash_pair_fn fn, void *arg)
{
	struct hash_pair p;
	if (is_lp(e)) {
		const unsigned char *lp = hlp(e);
		for (unsigned char *fp = lp_first(lp); fp;) {
			unsigned char *vp = lp_next(lp, fp);
			lp_pair(fp, vp, &p);
			fn(arg, &p);
			fp = lp_next(lp, vp);
		}
		return;
	}
	struct edict_iter it;
	struct edict_ent *de;
	edict_iter_init(&it, hht(e));
	while ((de = edict_iter_next(&it))) {
		ht_pair(de, &p);
		fn(arg, &p);
	}
}

struct scan_tramp {
	hash_pair_fn fn;
	void *arg;
};

static void scan_visit(void *arg, const struct edict_ent *de)
{
	struct scan_tramp *t = arg;
	struct hash_pair p;
	ht_pair(de, &p);
	t->fn(t->arg, &p);
}

uint64_t hash_scan(const struct sentry *e, uint64_t cursor, long count,
		   hash_pair_fn fn, void *arg)
{
	if (is_lp(e)) {
		hash_foreach(e, fn, arg);
		return 0;
	}
	struct scan_tramp t = { fn, arg };
	return edict_scan(hht(e), cursor, count, scan_visit, &t);
}

/* ---- random fields */

static unsigned long rand_below(struct shard *s, unsigned long n)
{
	return (unsigned long)(shard_rand(s) % n);
}

void hash_random_one(struct shard *s, const struct sentry *e, struct hash_pair *out)
{
	if (is_lp(e)) {
		const unsigned char *lp = hlp(e);
		unsigned char *fp = lp_seek(lp, (long)(2 * rand_below(s, lp_count(lp) / 2)));
		lp_pair(fp, lp_next(lp, fp), out);
		return;
	}
	ht_pair(edict_random(s, hht(e)), out);
}

/* Knuth's selection sampling over the pairs in order: each of the n pairs
 * is taken with probability (wanted left) / (pairs left). */
struct sample {
	struct shard *s;
	unsigned long left, need;
	hash_pair_fn fn;
	void *arg;
};

static void sample_visit(void *arg, const struct hash_pair *p)
{
	struct sample *sm = arg;
	if (sm->need && rand_below(sm->s, sm->left) < sm->need) {
		sm->fn(sm->arg, p);
		sm->need--;
	}
	sm->left--;
}

/* count distinct random elements of a big table, count * 3 <= n: random
 * picks, skipping repeats with a small open-addressing set of pointers. */
static int ht_random_distinct(struct shard *s, const struct edict *d, unsigned long count,
			      hash_pair_fn fn, void *arg)
{
	size_t cap = 16;
	while (cap < count * 2)
		cap *= 2;
	const struct edict_ent **seen = calloc(cap, sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	unsigned long got = 0;
	while (got < count) {
		const struct edict_ent *de = edict_random(s, d);
		size_t i = ((uintptr_t)de >> 4) * 0x9E3779B97F4A7C15ULL >> 20 & (cap - 1);
		while (seen[i] && seen[i] != de)
			i = (i + 1) & (cap - 1);
		if (seen[i])
			continue;
		seen[i] = de;
		struct hash_pair p;
		ht_pair(de, &p);
		fn(arg, &p);
		got++;
	}
	free(seen);
	return 0;
}

int hash_random(struct shard *s, const struct sentry *e, unsigned long count, bool distinct,
		hash_pair_fn fn, void *arg)
{
	unsigned long n = hash_len(e);
	if (distinct && count >= n) {
		hash_foreach(e, fn, arg);
		return 0;
	}
	if (distinct) {
		if (!is_lp(e) && count <= n / 3)
			return ht_random_distinct(s, hht(e), count, fn, arg);
		struct sample sm = { s, n, count, fn, arg };
		hash_foreach(e, sample_visit, &sm);
		return 0;
	}
	struct hash_pair p;
	if (!is_lp(e)) {
		for (unsigned long i = 0; i < count; i++) {
			ht_pair(edict_random(s, hht(e)), &p);
			fn(arg, &p);
		}
		return 0;
	}
	/* listpack: index the fields once, then pick */
	const unsigned char *lp = hlp(e);
	unsigned char **fields = malloc(n * sizeof(*fields));
	if (!fields)
		return -ENOMEM;
	unsigned long i = 0;
	for (unsigned char *fp = lp_first(lp); fp; fp = lp_next(lp, lp_next(lp, fp)))
		fields[i++] = fp;
	for (i = 0; i < count; i++) {
		unsigned char *fp = fields[rand_below(s, n)];
		lp_pair(fp, lp_next(lp, fp), &p);
		fn(arg, &p);
	}
	free(fields);
	return 0;
}

/* ---- obj_ops: free, dup, dump, load */

static void hash_free(struct shard *s, void *obj, int enc)
{
	if (enc == ENC_LISTPACK)
		lp_free(s, obj);
	else
		edict_free(s, obj);
}

static void *hash_dup(struct shard *s, const void *obj, int enc)
{
	if (enc == ENC_LISTPACK)
		return lp_dup(s, obj);
	return edict_dup(s, obj);
}

/* Bytes: encoding byte, then the listpack's bytes, or a field count and
 * (length, bytes) of each field and value. */
struct dump_walk {
	struct store_buf *out;
	int rc;
};

static void dump_pair(void *arg, const struct hash_pair *p)
{
	struct dump_walk *w = arg;
	if (w->rc)
		return;
	w->rc = buf_put_u64(w->out, p->flen);
	if (!w->rc)
		w->rc = buf_put(w->out, p->f, p->flen);
	if (!w->rc)
		w->rc = buf_put_u64(w->out, p->vlen);
	if (!w->rc)
		w->rc = buf_put(w->out, p->v, p->vlen);
}

static int hash_dump(const void *obj, int enc, struct store_buf *out)
{
	unsigned char b = (unsigned char)enc;
	int rc = buf_put(out, &b, 1);
	if (rc)
		return rc;
	if (enc == ENC_LISTPACK)
		return buf_put(out, obj, lp_bytes(obj));
	const struct edict *d = obj;
	rc = buf_put_u64(out, edict_size(d));
	struct dump_walk w = { out, rc };
	struct edict_iter it;
	struct edict_ent *de;
	edict_iter_init(&it, d);
	while (!w.rc && (de = edict_iter_next(&it))) {
		struct hash_pair p;
		ht_pair(de, &p);
		dump_pair(&w, &p);
	}
	return w.rc;
}

static void *load_ht(struct shard *s, const char *p, const char *end)
{
	uint64_t n;
	if (!buf_get_u64(&p, end, &n))
		return NULL;
	struct edict *d = edict_new(s, EDICT_VBYTES);
	if (!d)
		return NULL;
	if (n <= (uint64_t)(end - p))
		edict_expand(s, d, n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t fl, vl;
		const char *f, *v;
		if (!buf_get_u64(&p, end, &fl) || !buf_get(&p, end, fl, &f) ||
		    !buf_get_u64(&p, end, &vl) || !buf_get(&p, end, vl, &v) ||
		    edict_find(s, d, f, fl) || !edict_insert(s, d, f, fl, v, vl)) {
			edict_free(s, d);
			return NULL;
		}
	}
	if (p != end || n == 0) {
		edict_free(s, d);
		return NULL;
	}
	return d;
}

static void *hash_load(struct shard *s, const char *p, size_t n, int *enc)
{
	if (n < 1)
		return NULL;
	int e = (unsigned char)p[0];
	p++;
	n--;
	if (e == ENC_HT) {
		void *d = load_ht(s, p, p + n);
		if (d)
			*enc = ENC_HT;
		return d;
	}
	if (e != ENC_LISTPACK || !lp_validate((const unsigned char *)p, n) ||
	    lp_count((const unsigned char *)p) % 2 || lp_count((const unsigned char *)p) == 0)
		return NULL;
	unsigned char *lp = lp_dup(s, (const unsigned char *)p);
	if (lp)
		*enc = ENC_LISTPACK;
	return lp;
}

const struct obj_ops hash_obj_ops = {
	.free = hash_free,
	.dup = hash_dup,
	.dump = hash_dump,
	.load = hash_load,
};
