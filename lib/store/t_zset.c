/*
 * Sorted sets (store_zset.h): the listpack and skiplist encodings, the
 * conversion between them, ranges, and the detached result builder used
 * by the *STORE commands. Semantics follow Redis 7.0's t_zset.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "edict.h"
#include "listpack.h"
#include "skiplist.h"
#include "store/store_zset.h"
#include "store_int.h"

/* The skiplist encoding's object (also a zbuild). */
struct zbuild {
	struct edict *d;  /* member -> score */
	struct zsl *zl;   /* nodes point at the edict's member bytes */
};
typedef struct zbuild zsl_set;

#define SCORE_BUF 32 /* "%.17g" of any double */

/* ---- ranges */

bool zscore_gte_min(double v, const struct zrange_score *r)
{
	return r->minex ? v > r->min : v >= r->min;
}

bool zscore_lte_max(double v, const struct zrange_score *r)
{
	return r->maxex ? v < r->max : v <= r->max;
}

bool zscore_range_valid(const struct zrange_score *r)
{
	return !(r->min > r->max || (r->min == r->max && (r->minex || r->maxex)));
}

/* Redis's sdscmplex: "-" below everything, "+" above everything. */
static int lex_cmp(const char *a, size_t al, int akind, const char *b, size_t bl, int bkind)
{
	if (akind == bkind && akind != ZLEX_VAL)
		return 0;
	if (akind == ZLEX_NEG || bkind == ZLEX_POS)
		return -1;
	if (akind == ZLEX_POS || bkind == ZLEX_NEG)
		return 1;
	return zsl_cmp(0, a, al, 0, b, bl);
}

bool zlex_gte_min(const char *m, size_t len, const struct zrange_lex *r)
{
	int c = lex_cmp(m, len, ZLEX_VAL, r->min.p, r->min.len, r->min.kind);
	return r->min.ex ? c > 0 : c >= 0;
}

bool zlex_lte_max(const char *m, size_t len, const struct zrange_lex *r)
{
	int c = lex_cmp(m, len, ZLEX_VAL, r->max.p, r->max.len, r->max.kind);
	return r->max.ex ? c < 0 : c <= 0;
}

bool zlex_range_valid(const struct zrange_lex *r)
{
	int c = lex_cmp(r->min.p, r->min.len, r->min.kind, r->max.p, r->max.len, r->max.kind);
	return !(c > 0 || (c == 0 && (r->min.ex || r->max.ex)));
}

double zset_aggregate(double cur, double v, enum zagg agg)
{
	switch (agg) {
	case ZAGG_SUM: {
		double t = cur + v;
		return isnan(t) ? 0.0 : t; /* inf + -inf */
	}
	case ZAGG_MIN: return v < cur ? v : cur;
	case ZAGG_MAX: return v > cur ? v : cur;
	default: return v;
	}
}

/* ---- listpack encoding: member, score pairs */

/* Redis's d2string for stored scores: integers (|v| < 2^52, -0 as 0) as
 * integers, anything else as "%.17g", which reads back exactly. */
static size_t score_text(double v, char buf[SCORE_BUF])
{
	if (v > -4503599627370496.0 && v < 4503599627370496.0 && v == (double)(long long)v)
		return (size_t)util_ll_to_str(buf, SCORE_BUF, (long long)v);
	return (size_t)snprintf(buf, SCORE_BUF, "%.17g", v);
}

static double lp_score(const unsigned char *p)
{
	struct lp_val v;
	lp_get(p, &v);
	if (!v.s)
		return (double)v.v;
	char buf[64];
	size_t n = v.len < sizeof(buf) - 1 ? v.len : sizeof(buf) - 1;
	memcpy(buf, v.s, n);
	buf[n] = '\0';
	return strtod(buf, NULL);
}

static const char *lp_member(const unsigned char *p, unsigned char buf[LP_INTBUF], size_t *len)
{
	return (const char *)lp_get_str(p, buf, len);
}

/* Position of member's entry, or NULL; *score gets its score. */
static unsigned char *zzl_find(const unsigned char *lp, const char *m, size_t mlen, double *score)
{
	unsigned char *p = lp_first(lp);
	if (!p)
		return NULL;
	p = lp_find(lp, p, m, mlen, 1);
	if (p && score)
		*score = lp_score(lp_next(lp, p));
	return p;
}

/* The member entry of the first pair that sorts after (score, m), not
 * looking at the pair at `skip`; NULL when it goes at the end. */
static unsigned char *zzl_place(const unsigned char *lp, const char *m, size_t mlen, double score,
				const unsigned char *skip)
{
	unsigned char ibuf[LP_INTBUF];
	for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
		if (p == skip)
			continue;
		size_t l;
		const char *cm = lp_member(p, ibuf, &l);
		if (zsl_cmp(lp_score(lp_next(lp, p)), cm, l, score, m, mlen) > 0)
			return p;
	}
	return NULL;
}

/* Insert the pair (m, score) before the member entry at `at` (NULL: at
 * the end). 0 or -ENOMEM (listpack unchanged). */
static int zzl_insert_at(struct shard *s, unsigned char **lpp, unsigned char *at,
			 const char *m, size_t mlen, double score)
{
	char sbuf[SCORE_BUF];
	size_t slen = score_text(score, sbuf);
	unsigned char *np;

	if (!at) {
		if (lp_append(s, lpp, m, mlen))
			return -ENOMEM;
		np = lp_last(*lpp);
	} else if (lp_insert(s, lpp, at, LP_BEFORE, m, mlen, &np)) {
		return -ENOMEM;
	}
	if (lp_insert(s, lpp, np, LP_AFTER, sbuf, slen, NULL)) {
		lp_delete(s, lpp, np, 1, NULL);
		return -ENOMEM;
	}
	return 0;
}

static int zzl_insert(struct shard *s, unsigned char **lpp, const char *m, size_t mlen, double score)
{
	return zzl_insert_at(s, lpp, zzl_place(*lpp, m, mlen, score, NULL), m, mlen, score);
}

/* Give the member at p a new score, moving the pair if its place changes.
 * 0 or -ENOMEM (listpack unchanged). */
static int zzl_rescore(struct shard *s, unsigned char **lpp, unsigned char *p,
		       const char *m, size_t mlen, double score)
{
	unsigned char *sp = lp_next(*lpp, p), *at = zzl_place(*lpp, m, mlen, score, p);
	if (at == lp_next(*lpp, sp)) { /* same place: replace the score */
		char sbuf[SCORE_BUF];
		return lp_replace(s, lpp, sp, sbuf, score_text(score, sbuf), NULL);
	}
	long idx = 0;
	for (unsigned char *q = lp_first(*lpp); q != p; q = lp_next(*lpp, q))
		idx++;
	bool after = !at || at > p;
	if (zzl_insert_at(s, lpp, at, m, mlen, score))
		return -ENOMEM;
	lp_delete(s, lpp, lp_seek(*lpp, after ? idx : idx + 2), 2, NULL);
	return 0;
}

static size_t zzl_len(const unsigned char *lp) { return lp_count(lp) / 2; }

/* ---- skiplist encoding */

static zsl_set *zss_new(struct shard *s)
{
	zsl_set *z = mem_alloc(s, sizeof(*z));
	if (!z)
		return NULL;
	z->d = edict_new(s, EDICT_VDOUBLE);
	z->zl = zsl_new(s);
	if (!z->d || !z->zl) {
		edict_free(s, z->d);
		zsl_free(s, z->zl);
		mem_free(s, z);
		return NULL;
	}
	return z;
}

static void zss_free(struct shard *s, zsl_set *z)
{
	if (!z)
		return;
	zsl_free(s, z->zl);
	edict_free(s, z->d);
	mem_free(s, z);
}

static const char *ent_member(const struct edict_ent *e, size_t *len)
{
	return edict_key(e, len, EDICT_VDOUBLE);
}

/* Insert a member known absent. 0 or -ENOMEM. */
static int zss_insert(struct shard *s, zsl_set *z, const char *m, size_t mlen, double score)
{
	struct edict_ent *e = edict_insert(s, z->d, m, mlen, NULL, 0);
	if (!e)
		return -ENOMEM;
	edict_set_double(e, score);
	size_t l;
	const char *km = ent_member(e, &l);
	if (!zsl_insert(s, z->zl, score, km, l)) {
		edict_delete(s, z->d, m, mlen);
		return -ENOMEM;
	}
	return 0;
}

static void zss_set_score(zsl_set *z, struct edict_ent *e, double score)
{
	size_t l;
	const char *km = ent_member(e, &l);
	zsl_update_score(z->zl, edict_double(e), km, l, score);
	edict_set_double(e, score);
}

static int zss_remove(struct shard *s, zsl_set *z, const char *m, size_t mlen)
{
	struct edict_ent *e = edict_find(s, z->d, m, mlen);
	if (!e)
		return 0;
	zsl_delete(s, z->zl, edict_double(e), m, mlen);
	edict_delete(s, z->d, m, mlen);
	return 1;
}

/* listpack -> skiplist; NULL on OOM (lp untouched). */
static zsl_set *zss_from_lp(struct shard *s, const unsigned char *lp)
{
	zsl_set *z = zss_new(s);
	if (!z)
		return NULL;
	edict_expand(s, z->d, zzl_len(lp));
	unsigned char ibuf[LP_INTBUF];
	for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p))) {
		size_t l;
		const char *m = lp_member(p, ibuf, &l);
		if (zss_insert(s, z, m, l, lp_score(lp_next(lp, p)))) {
			zss_free(s, z);
			return NULL;
		}
	}
	return z;
}

/* skiplist -> listpack (STORE results that fit); NULL on OOM. */
static unsigned char *lp_from_zss(struct shard *s, const zsl_set *z)
{
	unsigned char *lp = lp_new(s);
	if (!lp)
		return NULL;
	for (struct zsl_node *n = zsl_first(z->zl); n; n = zsl_next(n)) {
		char sbuf[SCORE_BUF];
		size_t slen = score_text(n->score, sbuf);
		if (lp_append(s, &lp, n->member, n->mlen) || lp_append(s, &lp, sbuf, slen)) {
			lp_free(s, lp);
			return NULL;
		}
	}
	return lp;
}

/* ---- a key's zset */

static bool is_lp(const struct sentry *e) { return sentry_encoding(e) == ENC_LISTPACK; }

struct sentry *zset_create(struct shard *s, int db, const char *key, size_t klen,
			   size_t first_len, const struct zset_limits *lim)
{
	bool sl = lim->max_entries == 0 || first_len > lim->max_value;
	void *o = sl ? (void *)zss_new(s) : (void *)lp_new(s);
	if (!o)
		return NULL;
	struct sentry *e = shard_add_obj(s, db, key, klen, OBJ_ZSET, sl ? ENC_SKIPLIST : ENC_LISTPACK, o);
	if (!e)
		zset_obj_ops.free(s, o, sl ? ENC_SKIPLIST : ENC_LISTPACK);
	return e;
}

size_t zset_card(const struct sentry *e)
{
	if (is_lp(e))
		return zzl_len(sentry_obj(e));
	const zsl_set *z = sentry_obj(e);
	return z->zl->length;
}

static int convert_to_skiplist(struct shard *s, struct sentry *e)
{
	unsigned char *lp = sentry_obj(e);
	zsl_set *z = zss_from_lp(s, lp);
	if (!z)
		return -ENOMEM;
	lp_free(s, lp);
	sentry_set_obj(e, ENC_SKIPLIST, z);
	return 0;
}

/* The GT/LT/NX/XX and INCR logic shared by both encodings: given the
 * current score (exists) decides the new one. false = nothing to do. */
static bool decide(int in, bool exists, double cur, double *score, int *out)
{
	bool incr = in & ZADD_IN_INCR, gt = in & ZADD_IN_GT, lt = in & ZADD_IN_LT;
	if (exists) {
		if (in & ZADD_IN_NX) {
			*out |= ZADD_OUT_NOP;
			return false;
		}
		if (incr) {
			*score += cur;
			if (isnan(*score)) {
				*out |= ZADD_OUT_NAN;
				return false;
			}
		}
		if ((lt && *score >= cur) || (gt && *score <= cur)) {
			*out |= ZADD_OUT_NOP;
			return false;
		}
		return true;
	}
	if (in & ZADD_IN_XX) {
		*out |= ZADD_OUT_NOP;
		return false;
	}
	return true;
}

int zset_add(struct shard *s, struct sentry *e, double score, const char *m, size_t mlen,
	     int in, int *out, double *newscore, const struct zset_limits *lim)
{
	*out = 0;
	if (is_lp(e)) {
		unsigned char *lp = sentry_obj(e), *p;
		double cur = 0;
		p = zzl_find(lp, m, mlen, &cur);
		if (!decide(in, p != NULL, cur, &score, out))
			return 0;
		if (newscore)
			*newscore = score;
		if (p) {
			if (score != cur) {
				if (zzl_rescore(s, &lp, p, m, mlen, score))
					return -ENOMEM;
				sentry_set_obj(e, ENC_LISTPACK, lp);
				*out |= ZADD_OUT_UPDATED;
			}
			return 0;
		}
		if (zzl_len(lp) + 1 <= lim->max_entries && mlen <= lim->max_value) {
			if (zzl_insert(s, &lp, m, mlen, score))
				return -ENOMEM;
			sentry_set_obj(e, ENC_LISTPACK, lp);
			*out |= ZADD_OUT_ADDED;
			return 0;
		}
		if (convert_to_skiplist(s, e))
			return -ENOMEM;
	}
	zsl_set *z = sentry_obj(e);
	struct edict_ent *ent = edict_find(s, z->d, m, mlen);
	double cur = ent ? edict_double(ent) : 0;
	if (!decide(in, ent != NULL, cur, &score, out))
		return 0;
	if (newscore)
		*newscore = score;
	if (ent) {
		if (score != cur) {
			zss_set_score(z, ent, score);
			*out |= ZADD_OUT_UPDATED;
		}
		return 0;
	}
	if (zss_insert(s, z, m, mlen, score))
		return -ENOMEM;
	*out |= ZADD_OUT_ADDED;
	return 0;
}

int zset_remove(struct shard *s, struct sentry *e, const char *m, size_t mlen)
{
	if (is_lp(e)) {
		unsigned char *lp = sentry_obj(e);
		unsigned char *p = zzl_find(lp, m, mlen, NULL);
		if (!p)
			return 0;
		lp_delete(s, &lp, p, 2, NULL);
		sentry_set_obj(e, ENC_LISTPACK, lp);
		return 1;
	}
	return zss_remove(s, sentry_obj(e), m, mlen);
}

bool zset_score(const struct shard *s, const struct sentry *e, const char *m, size_t mlen,
		double *score)
{
	if (is_lp(e))
		return zzl_find(sentry_obj(e), m, mlen, score) != NULL;
	const zsl_set *z = sentry_obj(e);
	struct edict_ent *ent = edict_find(s, z->d, m, mlen);
	if (ent)
		*score = edict_double(ent);
	return ent != NULL;
}

long zset_rank(const struct shard *s, const struct sentry *e, const char *m, size_t mlen, bool rev)
{
	size_t card = zset_card(e);
	if (is_lp(e)) {
		const unsigned char *lp = sentry_obj(e);
		long rank = 0;
		for (unsigned char *p = lp_first(lp); p; p = lp_next(lp, lp_next(lp, p)), rank++)
			if (lp_eq(p, m, mlen))
				return rev ? (long)card - 1 - rank : rank;
		return -1;
	}
	const zsl_set *z = sentry_obj(e);
	struct edict_ent *ent = edict_find(s, z->d, m, mlen);
	if (!ent)
		return -1;
	size_t r = zsl_rank(z->zl, edict_double(ent), m, mlen);
	return rev ? (long)(card - r) : (long)r - 1;
}

/* ---- ordered walks. A cursor over either encoding: */
struct zcur {
	const unsigned char *lp;
	unsigned char *p;        /* listpack: member entry */
	struct zsl_node *n;      /* skiplist */
	unsigned char ibuf[LP_INTBUF];
};

static bool zc_valid(const struct zcur *c) { return c->lp ? c->p != NULL : c->n != NULL; }

static void zc_get(struct zcur *c, const char **m, size_t *len, double *score)
{
	if (c->lp) {
		*m = lp_member(c->p, c->ibuf, len);
		*score = lp_score(lp_next(c->lp, c->p));
	} else {
		*m = c->n->member;
		*len = c->n->mlen;
		*score = c->n->score;
	}
}

static void zc_step(struct zcur *c, bool rev)
{
	if (c->lp) {
		if (rev) {
			unsigned char *sp = lp_prev(c->lp, c->p);
			c->p = sp ? lp_prev(c->lp, sp) : NULL;
		} else {
			c->p = lp_next(c->lp, lp_next(c->lp, c->p));
		}
	} else {
		c->n = rev ? zsl_prev(c->n) : zsl_next(c->n);
	}
}

static void zc_init(struct zcur *c, const struct sentry *e)
{
	memset(c, 0, sizeof(*c));
	if (is_lp(e))
		c->lp = sentry_obj(e);
}

/* Emit from the cursor while in(), skipping offset, at most limit. */
typedef bool (*zc_in_fn)(const char *m, size_t len, double score, const void *r);

static void zc_emit(struct zcur *c, bool rev, long offset, long limit, zc_in_fn in,
		    const void *r, zset_fn fn, void *arg)
{
	const char *m;
	size_t len;
	double sc;
	while (zc_valid(c) && offset > 0) {
		offset--;
		zc_step(c, rev);
	}
	while (zc_valid(c) && limit != 0) {
		zc_get(c, &m, &len, &sc);
		if (in && !in(m, len, sc, r))
			break;
		if (fn(arg, m, len, sc))
			break;
		if (limit > 0)
			limit--;
		zc_step(c, rev);
	}
}

void zset_range_rank(const struct sentry *e, size_t start, size_t end, bool rev,
		     zset_fn fn, void *arg)
{
	struct zcur c;
	zc_init(&c, e);
	size_t card = zset_card(e);
	if (start > end || start >= card)
		return;
	if (c.lp) { /* the member of the k-th pair from the end is at -2k */
		c.p = lp_seek(c.lp, rev ? -2 - 2 * (long)start : 2 * (long)start);
	} else {
		const zsl_set *z = sentry_obj(e);
		c.n = zsl_by_rank(z->zl, rev ? card - start : start + 1);
	}
	zc_emit(&c, rev, 0, (long)(end - start + 1), NULL, NULL, fn, arg);
}

static bool in_score_lo(const char *m, size_t len, double sc, const void *r)
{
	(void)m;
	(void)len;
	return zscore_gte_min(sc, r);
}

static bool in_score_hi(const char *m, size_t len, double sc, const void *r)
{
	(void)m;
	(void)len;
	return zscore_lte_max(sc, r);
}

static bool in_lex_lo(const char *m, size_t len, double sc, const void *r)
{
	(void)sc;
	return zlex_gte_min(m, len, r);
}

static bool in_lex_hi(const char *m, size_t len, double sc, const void *r)
{
	(void)sc;
	return zlex_lte_max(m, len, r);
}

/* Place the cursor on the first (rev: last) member inside the range. */
static void zc_seek(struct zcur *c, const struct sentry *e, bool rev, bool lex, const void *r)
{
	if (lex ? !zlex_range_valid(r) : !zscore_range_valid(r))
		return;
	if (!c->lp) {
		const zsl_set *z = sentry_obj(e);
		if (lex)
			c->n = rev ? zsl_last_in_lex(z->zl, r) : zsl_first_in_lex(z->zl, r);
		else
			c->n = rev ? zsl_last_in_score(z->zl, r) : zsl_first_in_score(z->zl, r);
		return;
	}
	zc_in_fn outer = lex ? (rev ? in_lex_hi : in_lex_lo) : (rev ? in_score_hi : in_score_lo);
	zc_in_fn inner = lex ? (rev ? in_lex_lo : in_lex_hi) : (rev ? in_score_lo : in_score_hi);
	c->p = rev ? lp_seek(c->lp, -2) : lp_first(c->lp);
	const char *m;
	size_t len;
	double sc;
	while (zc_valid(c)) {
		zc_get(c, &m, &len, &sc);
		if (outer(m, len, sc, r)) {
			if (!inner(m, len, sc, r))
				c->p = NULL;
			return;
		}
		zc_step(c, rev);
	}
}

void zset_range_score(const struct sentry *e, const struct zrange_score *r, bool rev,
		      long offset, long limit, zset_fn fn, void *arg)
{
	struct zcur c;
	zc_init(&c, e);
	zc_seek(&c, e, rev, false, r);
	zc_emit(&c, rev, offset, limit, rev ? in_score_lo : in_score_hi, r, fn, arg);
}

void zset_range_lex(const struct sentry *e, const struct zrange_lex *r, bool rev,
		    long offset, long limit, zset_fn fn, void *arg)
{
	struct zcur c;
	zc_init(&c, e);
	zc_seek(&c, e, rev, true, r);
	zc_emit(&c, rev, offset, limit, rev ? in_lex_lo : in_lex_hi, r, fn, arg);
}

static int count_one(void *arg, const char *m, size_t len, double sc)
{
	(void)m;
	(void)len;
	(void)sc;
	(*(size_t *)arg)++;
	return 0;
}

/* Members from first to last inclusive, by their ranks. */
static size_t nodes_between(const struct zsl *zl, const struct zsl_node *first,
			    const struct zsl_node *last)
{
	if (!first || !last)
		return 0;
	return zsl_rank(zl, last->score, last->member, last->mlen) -
	       zsl_rank(zl, first->score, first->member, first->mlen) + 1;
}

size_t zset_count_score(const struct sentry *e, const struct zrange_score *r)
{
	size_t n = 0;
	if (is_lp(e)) {
		zset_range_score(e, r, false, 0, -1, count_one, &n);
		return n;
	}
	const zsl_set *z = sentry_obj(e);
	return nodes_between(z->zl, zsl_first_in_score(z->zl, r), zsl_last_in_score(z->zl, r));
}

size_t zset_count_lex(const struct sentry *e, const struct zrange_lex *r)
{
	size_t n = 0;
	if (is_lp(e)) {
		zset_range_lex(e, r, false, 0, -1, count_one, &n);
		return n;
	}
	const zsl_set *z = sentry_obj(e);
	return nodes_between(z->zl, zsl_first_in_lex(z->zl, r), zsl_last_in_lex(z->zl, r));
}

void zset_foreach(const struct sentry *e, zset_fn fn, void *arg)
{
	struct zcur c;
	zc_init(&c, e);
	if (c.lp)
		c.p = lp_first(c.lp);
	else
		c.n = zsl_first(((const zsl_set *)sentry_obj(e))->zl);
	zc_emit(&c, false, 0, -1, NULL, NULL, fn, arg);
}

/* ---- range deletes */

static void drop_from_dict(void *arg, const struct zsl_node *n)
{
	struct { struct shard *s; struct edict *d; } *ctx = arg;
	edict_delete(ctx->s, ctx->d, n->member, n->mlen);
}

/* listpack: delete pairs whose 0-based rank is in [lo, hi]. */
static size_t zzl_delete_ranks(struct shard *s, struct sentry *e, size_t lo, size_t hi)
{
	unsigned char *lp = sentry_obj(e);
	if (lo > hi || lo >= zzl_len(lp))
		return 0;
	if (hi >= zzl_len(lp))
		hi = zzl_len(lp) - 1;
	lp_delete_range(s, &lp, (long)(2 * lo), 2 * (hi - lo + 1));
	sentry_set_obj(e, ENC_LISTPACK, lp);
	return hi - lo + 1;
}

size_t zset_remove_rank(struct shard *s, struct sentry *e, size_t start, size_t end)
{
	if (is_lp(e))
		return zzl_delete_ranks(s, e, start, end);
	zsl_set *z = sentry_obj(e);
	struct { struct shard *s; struct edict *d; } ctx = { s, z->d };
	return zsl_delete_rank_range(s, z->zl, start + 1, end + 1, drop_from_dict, &ctx);
}

/* listpack: the members of a range are contiguous: find the run's ranks. */
struct rank_run {
	size_t rank, first, n;
	const void *r;
	bool lex;
};

static int run_visit(void *arg, const char *m, size_t len, double sc)
{
	struct rank_run *rr = arg;
	bool in = rr->lex ? zlex_gte_min(m, len, rr->r) && zlex_lte_max(m, len, rr->r)
			  : zscore_gte_min(sc, rr->r) && zscore_lte_max(sc, rr->r);
	if (in) {
		if (rr->n++ == 0)
			rr->first = rr->rank;
	} else if (rr->n) {
		return 1;
	}
	rr->rank++;
	return 0;
}

static size_t zzl_delete_run(struct shard *s, struct sentry *e, const void *r, bool lex)
{
	struct rank_run rr = { .r = r, .lex = lex };
	if (lex ? !zlex_range_valid(r) : !zscore_range_valid(r))
		return 0;
	zset_foreach(e, run_visit, &rr);
	if (!rr.n)
		return 0;
	return zzl_delete_ranks(s, e, rr.first, rr.first + rr.n - 1);
}

size_t zset_remove_score(struct shard *s, struct sentry *e, const struct zrange_score *r)
{
	if (is_lp(e))
		return zzl_delete_run(s, e, r, false);
	if (!zscore_range_valid(r))
		return 0;
	zsl_set *z = sentry_obj(e);
	struct { struct shard *s; struct edict *d; } ctx = { s, z->d };
	return zsl_delete_score_range(s, z->zl, r, drop_from_dict, &ctx);
}

size_t zset_remove_lex(struct shard *s, struct sentry *e, const struct zrange_lex *r)
{
	if (is_lp(e))
		return zzl_delete_run(s, e, r, true);
	if (!zlex_range_valid(r))
		return 0;
	zsl_set *z = sentry_obj(e);
	struct { struct shard *s; struct edict *d; } ctx = { s, z->d };
	return zsl_delete_lex_range(s, z->zl, r, drop_from_dict, &ctx);
}

/* ---- ZSCAN */

struct scan_ctx {
	zset_fn fn;
	void *arg;
};

static void scan_one(void *arg, const struct edict_ent *e)
{
	struct scan_ctx *sc = arg;
	size_t l;
	const char *m = ent_member(e, &l);
	sc->fn(sc->arg, m, l, edict_double(e));
}

uint64_t zset_scan(const struct sentry *e, uint64_t cursor, long count, zset_fn fn, void *arg)
{
	if (is_lp(e)) {
		zset_foreach(e, fn, arg);
		return 0;
	}
	const zsl_set *z = sentry_obj(e);
	struct scan_ctx sc = { fn, arg };
	return edict_scan(z->d, cursor, count, scan_one, &sc);
}

/* ---- the builder */

struct zbuild *zbuild_new(struct shard *s) { return zss_new(s); }
void zbuild_free(struct shard *s, struct zbuild *b) { zss_free(s, b); }
size_t zbuild_card(const struct zbuild *b) { return b->zl->length; }

int zbuild_add(struct shard *s, struct zbuild *b, const char *m, size_t mlen, double score,
	       enum zagg agg)
{
	struct edict_ent *ent = edict_find(s, b->d, m, mlen);
	if (!ent)
		return zss_insert(s, b, m, mlen, score);
	double v = zset_aggregate(edict_double(ent), score, agg);
	double cur = edict_double(ent);
	if (memcmp(&v, &cur, sizeof(v)) != 0)
		zss_set_score(b, ent, v);
	return 0;
}

bool zbuild_score(const struct shard *s, const struct zbuild *b, const char *m, size_t mlen,
		  double *score)
{
	struct edict_ent *ent = edict_find(s, b->d, m, mlen);
	if (ent)
		*score = edict_double(ent);
	return ent != NULL;
}

int zbuild_remove(struct shard *s, struct zbuild *b, const char *m, size_t mlen)
{
	return zss_remove(s, b, m, mlen);
}

void zbuild_foreach(const struct zbuild *b, bool rev, zset_fn fn, void *arg)
{
	for (struct zsl_node *n = rev ? zsl_last(b->zl) : zsl_first(b->zl); n;
	     n = rev ? zsl_prev(n) : zsl_next(n))
		if (fn(arg, n->member, n->mlen, n->score))
			break;
}

struct sentry *zbuild_store(struct shard *s, int db, const char *key, size_t klen,
			    struct zbuild *b, const struct zset_limits *lim, int *err)
{
	*err = 0;
	if (b->zl->length == 0) {
		zss_free(s, b);
		shard_delete(s, db, key, klen);
		return NULL;
	}
	size_t maxlen = 0;
	for (struct zsl_node *n = zsl_first(b->zl); n; n = zsl_next(n))
		if (n->mlen > maxlen)
			maxlen = n->mlen;
	void *o = b;
	int enc = ENC_SKIPLIST;
	if (b->zl->length <= lim->max_entries && maxlen <= lim->max_value) {
		unsigned char *lp = lp_from_zss(s, b);
		if (lp) {
			zss_free(s, b);
			o = lp;
			enc = ENC_LISTPACK;
		}
	}
	/* shard_add_obj replaces an existing key (and its TTL) */
	struct sentry *e = shard_add_obj(s, db, key, klen, OBJ_ZSET, enc, o);
	if (!e) {
		zset_obj_ops.free(s, o, enc);
		*err = -ENOMEM;
	}
	return e;
}

/* ---- obj_ops: free, dup, dump, load */

static void zset_free(struct shard *s, void *obj, int enc)
{
	if (enc == ENC_LISTPACK)
		lp_free(s, obj);
	else
		zss_free(s, obj);
}

static void *zset_dup(struct shard *s, const void *obj, int enc)
{
	if (enc == ENC_LISTPACK)
		return lp_dup(s, obj);
	const zsl_set *z = obj;
	zsl_set *c = zss_new(s);
	if (!c)
		return NULL;
	edict_expand(s, c->d, z->zl->length);
	for (struct zsl_node *n = zsl_first(z->zl); n; n = zsl_next(n)) {
		if (zss_insert(s, c, n->member, n->mlen, n->score)) {
			zss_free(s, c);
			return NULL;
		}
	}
	return c;
}

/* Dump: listpack bytes as they are; skiplist: count, then (len, member,
 * 8 score bytes) in order. */
static int zset_dump(const void *obj, int enc, struct store_buf *out)
{
	if (enc == ENC_LISTPACK)
		return buf_put(out, obj, lp_bytes(obj));
	const zsl_set *z = obj;
	int rc = buf_put_u64(out, z->zl->length);
	for (struct zsl_node *n = zsl_first(z->zl); n && !rc; n = zsl_next(n)) {
		rc = buf_put_u64(out, n->mlen);
		if (!rc)
			rc = buf_put(out, n->member, n->mlen);
		if (!rc)
			rc = buf_put(out, &n->score, sizeof(n->score));
	}
	return rc;
}

static void *zset_load(struct shard *s, const char *p, size_t n, int *enc)
{
	if (*enc == ENC_LISTPACK) {
		if (!lp_validate((const unsigned char *)p, n) || lp_count((const unsigned char *)p) % 2)
			return NULL;
		unsigned char *lp = mem_alloc(s, n);
		if (lp)
			memcpy(lp, p, n);
		return lp;
	}
	if (*enc != ENC_SKIPLIST)
		return NULL;
	const char *end = p + n, *m, *sc;
	uint64_t count, len;
	if (!buf_get_u64(&p, end, &count))
		return NULL;
	zsl_set *z = zss_new(s);
	if (!z)
		return NULL;
	edict_expand(s, z->d, count);
	for (uint64_t i = 0; i < count; i++) {
		double score;
		if (!buf_get_u64(&p, end, &len) || !buf_get(&p, end, len, &m) ||
		    !buf_get(&p, end, sizeof(double), &sc))
			goto bad;
		memcpy(&score, sc, sizeof(score));
		if (edict_find(s, z->d, m, len) || zss_insert(s, z, m, len, score))
			goto bad;
	}
	if (p != end)
		goto bad;
	return z;
bad:
	zss_free(s, z);
	return NULL;
}

const struct obj_ops zset_obj_ops = {
	.free = zset_free, .dup = zset_dup, .dump = zset_dump, .load = zset_load,
};
