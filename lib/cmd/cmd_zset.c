/*
 * Sorted-set family: the table, shared helpers, and the single-key
 * commands ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZSCAN.
 * Semantics and texts follow Redis 7.0.15's t_zset.c.
 */
#include "cmd/cmd_zset_int.h"
#include "cmd/keys_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers */

struct sentry *zset_lookup_read(struct cmd_ctx *c, const struct resp_arg *k)
{
	return keys_lookup_read(c, k, 0);
}

/* lookupKeyWrite touches the key (unlike keys_lookup_write's NOTOUCH) */
struct sentry *zset_lookup_write(struct cmd_ctx *c, const struct resp_arg *k)
{
	return shard_lookup(c->env->shard, c->db, k->ptr, k->len, 0);
}

bool zset_wrongtype(struct cmd_ctx *c, const struct sentry *e)
{
	if (e && sentry_type(e) != OBJ_ZSET) {
		cmd_reply_wrongtype(c->r);
		return true;
	}
	return false;
}

void zset_delete_if_empty(struct cmd_ctx *c, struct sentry *e)
{
	if (zset_card(e) == 0)
		shard_delete_entry(c->env->shard, c->db, e);
}

/* strtod over the argument as a C string, as zslParseRange does: leading
 * blanks and "" (0) are accepted, NaN is not. */
static bool parse_bound(const char *p, size_t n, double *v)
{
	char buf[128], *end;
	const char *nul = memchr(p, '\0', n);
	if (nul)
		n = (size_t)(nul - p);
	char *s = n < sizeof(buf) ? buf : malloc(n + 1);
	if (!s)
		return false;
	memcpy(s, p, n);
	s[n] = '\0';
	*v = strtod(s, &end);
	bool ok = *end == '\0' && !isnan(*v);
	if (s != buf)
		free(s);
	return ok;
}

static bool parse_score_bound(const struct resp_arg *a, double *v, bool *ex)
{
	*ex = a->len > 0 && a->ptr[0] == '(';
	return parse_bound(a->ptr + *ex, a->len - *ex, v);
}

int zset_parse_score_range(const struct resp_arg *min, const struct resp_arg *max,
			   struct zrange_score *r)
{
	if (!parse_score_bound(min, &r->min, &r->minex) || !parse_score_bound(max, &r->max, &r->maxex))
		return -EINVAL;
	return 0;
}

static bool parse_lex_bound(const struct resp_arg *a, struct zlex_bound *b)
{
	if (a->len == 0)
		return false;
	b->p = a->ptr + 1;
	b->len = a->len - 1;
	b->kind = ZLEX_VAL;
	switch (a->ptr[0]) {
	case '+':
	case '-':
		if (a->len > 1 && a->ptr[1] != '\0')
			return false;
		b->kind = a->ptr[0] == '+' ? ZLEX_POS : ZLEX_NEG;
		b->ex = true;
		return true;
	case '(':
		b->ex = true;
		return true;
	case '[':
		b->ex = false;
		return true;
	default:
		return false;
	}
}

int zset_parse_lex_range(const struct resp_arg *min, const struct resp_arg *max,
			 struct zrange_lex *r)
{
	if (!parse_lex_bound(min, &r->min) || !parse_lex_bound(max, &r->max))
		return -EINVAL;
	return 0;
}

void zset_reply_member(struct reply *r, const char *m, size_t len, double score,
		       bool withscores, bool pairs)
{
	if (withscores && pairs && r->resp > 2)
		reply_array(r, 2);
	reply_bulk(r, m, len);
	if (withscores)
		reply_double(r, score);
}

/* ---- blobs: varint length, member bytes, 8 score bytes */

static void blob_grow(struct zblob_writer *w, size_t n)
{
	if (w->nomem || w->cap - w->len >= n)
		return;
	size_t cap = w->cap ? w->cap : 256;
	while (cap - w->len < n)
		cap *= 2;
	char *p = realloc(w->p, cap);
	if (!p) {
		w->nomem = true;
		return;
	}
	w->p = p;
	w->cap = cap;
}

void zblob_put(struct zblob_writer *w, const char *m, size_t len, double score)
{
	blob_grow(w, len + 10 + sizeof(score));
	if (w->nomem)
		return;
	size_t v = len;
	do {
		unsigned char b = v & 0x7f;
		v >>= 7;
		w->p[w->len++] = (char)(b | (v ? 0x80 : 0));
	} while (v);
	memcpy(w->p + w->len, m, len);
	w->len += len;
	memcpy(w->p + w->len, &score, sizeof(score));
	w->len += sizeof(score);
}

int zblob_put_fn(void *arg, const char *m, size_t len, double score)
{
	zblob_put(arg, m, len, score);
	return 0;
}

bool zblob_next(const char *blob, size_t n, size_t *pos, const char **m, size_t *len,
		double *score)
{
	size_t v = 0, p = *pos;
	for (int shift = 0;; shift += 7) {
		if (p >= n || shift > 63)
			return false;
		unsigned char b = (unsigned char)blob[p++];
		v |= (size_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	if (n - p < v || n - p - v < sizeof(*score))
		return false;
	*m = blob + p;
	*len = v;
	memcpy(score, blob + p + v, sizeof(*score));
	*pos = p + v + sizeof(*score);
	return true;
}

/* ---- ZADD / ZINCRBY */

static void zadd_generic(struct cmd_ctx *c, int in)
{
	int scoreidx = 2;
	bool ch = false;
	for (; scoreidx < c->argc; scoreidx++) {
		const struct resp_arg *o = &c->argv[scoreidx];
		if (cmd_arg_is(o, "nx"))
			in |= ZADD_IN_NX;
		else if (cmd_arg_is(o, "xx"))
			in |= ZADD_IN_XX;
		else if (cmd_arg_is(o, "ch"))
			ch = true;
		else if (cmd_arg_is(o, "incr"))
			in |= ZADD_IN_INCR;
		else if (cmd_arg_is(o, "gt"))
			in |= ZADD_IN_GT;
		else if (cmd_arg_is(o, "lt"))
			in |= ZADD_IN_LT;
		else
			break;
	}
	int elements = c->argc - scoreidx;
	if (elements % 2 || elements == 0) {
		cmd_reply_syntax(c->r);
		return;
	}
	elements /= 2;
	bool nx = in & ZADD_IN_NX, xx = in & ZADD_IN_XX, gt = in & ZADD_IN_GT, lt = in & ZADD_IN_LT;
	if (nx && xx) {
		reply_error(c->r, "ERR XX and NX options at the same time are not compatible");
		return;
	}
	if ((gt && nx) || (lt && nx) || (gt && lt)) {
		reply_error(c->r, "ERR GT, LT, and/or NX options at the same time are not compatible");
		return;
	}
	bool incr = in & ZADD_IN_INCR;
	if (incr && elements > 1) {
		reply_error(c->r, "ERR INCR option supports a single increment-element pair");
		return;
	}
	double *scores = malloc(sizeof(*scores) * (size_t)elements);
	if (!scores) {
		cmd_reply_oom(c->r);
		return;
	}
	for (int j = 0; j < elements; j++)
		if (cmd_arg_double(c->r, &c->argv[scoreidx + j * 2], &scores[j], NULL))
			goto out;

	struct shard *s = c->env->shard;
	struct zset_limits lim = zset_limits_of(c->env);
	struct sentry *e = zset_lookup_write(c, &c->argv[1]);
	long long added = 0, updated = 0, processed = 0;
	double score = 0;
	if (zset_wrongtype(c, e))
		goto out;
	if (!e) {
		if (xx)
			goto reply;
		e = zset_create(s, c->db, c->argv[1].ptr, c->argv[1].len,
				c->argv[scoreidx + 1].len, &lim);
		if (!e) {
			cmd_reply_oom(c->r);
			goto out;
		}
	}
	for (int j = 0; j < elements; j++) {
		const struct resp_arg *m = &c->argv[scoreidx + j * 2 + 1];
		int out = 0;
		double newscore = scores[j];
		if (zset_add(s, e, scores[j], m->ptr, m->len, in, &out, &newscore, &lim)) {
			zset_delete_if_empty(c, e);
			cmd_reply_oom(c->r);
			goto out;
		}
		if (out & ZADD_OUT_NAN) {
			zset_delete_if_empty(c, e);
			reply_error(c->r, ZERR_NAN);
			goto out;
		}
		added += !!(out & ZADD_OUT_ADDED);
		updated += !!(out & ZADD_OUT_UPDATED);
		if (!(out & ZADD_OUT_NOP))
			processed++;
		score = newscore;
	}
	zset_delete_if_empty(c, e); /* a new key whose only add was refused */
reply:
	if (incr) {
		if (processed)
			reply_double(c->r, score);
		else
			reply_null(c->r);
	} else {
		reply_int(c->r, ch ? added + updated : added);
	}
out:
	free(scores);
}

void zset_cmd_zadd(struct cmd_ctx *c) { zadd_generic(c, 0); }
void zset_cmd_zincrby(struct cmd_ctx *c) { zadd_generic(c, ZADD_IN_INCR); }

/* ---- removal, reads */

void zset_cmd_zrem(struct cmd_ctx *c)
{
	struct sentry *e = zset_lookup_write(c, &c->argv[1]);
	long long deleted = 0;
	if (!e) {
		reply_int(c->r, 0);
		return;
	}
	if (zset_wrongtype(c, e))
		return;
	for (int j = 2; j < c->argc; j++) {
		deleted += zset_remove(c->env->shard, e, c->argv[j].ptr, c->argv[j].len);
		if (zset_card(e) == 0) {
			shard_delete_entry(c->env->shard, c->db, e);
			break;
		}
	}
	reply_int(c->r, deleted);
}

void zset_cmd_zcard(struct cmd_ctx *c)
{
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (!zset_wrongtype(c, e))
		reply_int(c->r, e ? (long long)zset_card(e) : 0);
}

void zset_cmd_zscore(struct cmd_ctx *c)
{
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	double score;
	if (zset_wrongtype(c, e))
		return;
	if (e && zset_score(c->env->shard, e, c->argv[2].ptr, c->argv[2].len, &score))
		reply_double(c->r, score);
	else
		reply_null(c->r);
}

void zset_cmd_zmscore(struct cmd_ctx *c)
{
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (zset_wrongtype(c, e))
		return;
	reply_array(c->r, c->argc - 2);
	for (int j = 2; j < c->argc; j++) {
		double score;
		if (e && zset_score(c->env->shard, e, c->argv[j].ptr, c->argv[j].len, &score))
			reply_double(c->r, score);
		else
			reply_null(c->r);
	}
}

static void zrank_generic(struct cmd_ctx *c, bool rev)
{
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (zset_wrongtype(c, e))
		return;
	long rank = e ? zset_rank(c->env->shard, e, c->argv[2].ptr, c->argv[2].len, rev) : -1;
	if (rank >= 0)
		reply_int(c->r, rank);
	else
		reply_null(c->r);
}

void zset_cmd_zrank(struct cmd_ctx *c) { zrank_generic(c, false); }
void zset_cmd_zrevrank(struct cmd_ctx *c) { zrank_generic(c, true); }

/* ---- ZSCAN */

struct zscan_acc {
	struct reply *r;
	const char *pat;
	size_t patlen;
	long n;
};

static int zscan_one(void *arg, const char *m, size_t len, double score)
{
	struct zscan_acc *a = arg;
	if (a->pat && !store_glob_match(a->pat, a->patlen, m, len, false))
		return 0;
	/* ZSCAN gives scores as bulk strings (Redis's d2string) in both protocols */
	char buf[64];
	int n = isinf(score) ? snprintf(buf, sizeof(buf), "%s", score > 0 ? "inf" : "-inf")
			     : snprintf(buf, sizeof(buf), "%.17g", score);
	reply_bulk(a->r, m, len);
	reply_bulk(a->r, buf, (size_t)n);
	a->n += 2;
	return 0;
}

void zset_cmd_zscan(struct cmd_ctx *c)
{
	uint64_t cursor;
	struct scan_opts o;
	if (keys_scan_cursor(c->r, &c->argv[2], &cursor))
		return;
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (!e) { /* Redis replies the empty scan before looking at options */
		reply_array(c->r, 2);
		reply_bulk(c->r, "0", 1);
		reply_array(c->r, 0);
		return;
	}
	if (zset_wrongtype(c, e) || keys_scan_opts(c->r, c->argc - 1, c->argv + 1, &o))
		return;
	if (o.type) {
		cmd_reply_syntax(c->r);
		return;
	}
	reply_array(c->r, 2);
	/* the cursor goes first: collect the elements after a deferred header */
	struct reply tmp;
	reply_init(&tmp, c->r->resp);
	struct zscan_acc a = { &tmp, o.pat, o.patlen, 0 };
	uint64_t next = zset_scan(e, cursor, o.count, zscan_one, &a);
	reply_bulk_ll(c->r, (long long)next);
	reply_array(c->r, a.n);
	reply_raw(c->r, tmp.buf, tmp.len);
	if (tmp.nomem)
		c->r->nomem = true;
	reply_free(&tmp);
}

/* ---- the table */

#define W CMD_WRITE
#define R CMD_READONLY
#define D CMD_DENYOOM
#define F CMD_FAST
#define I CMD_INTERNAL

const struct cmd_def cmd_zset_table[] = {
	{"zadd", -4, W | D | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zadd, NULL, NULL},
	{"zincrby", 4, W | D | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zincrby, NULL, NULL},
	{"zrem", -3, W | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrem, NULL, NULL},
	{"zcard", 2, R | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zcard, NULL, NULL},
	{"zscore", 3, R | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zscore, NULL, NULL},
	{"zmscore", -3, R | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zmscore, NULL, NULL},
	{"zrank", 3, R | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrank, NULL, NULL},
	{"zrevrank", 3, R | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrevrank, NULL, NULL},
	{"zcount", 4, R | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zcount, NULL, NULL},
	{"zlexcount", 4, R | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zlexcount, NULL, NULL},
	{"zrange", -4, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrange, NULL, NULL},
	{"zrangestore", -5, W | D, 1, 2, 1, ROUTE_KEYS, zset_cmd_zrangestore,
	 zset_coord_rangestore, NULL},
	{"zrevrange", -4, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrevrange, NULL, NULL},
	{"zrangebyscore", -4, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrangebyscore, NULL, NULL},
	{"zrevrangebyscore", -4, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrevrangebyscore, NULL, NULL},
	{"zrangebylex", -4, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrangebylex, NULL, NULL},
	{"zrevrangebylex", -4, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrevrangebylex, NULL, NULL},
	{"zremrangebyrank", 4, W, 1, 1, 1, ROUTE_KEYS, zset_cmd_zremrangebyrank, NULL, NULL},
	{"zremrangebyscore", 4, W, 1, 1, 1, ROUTE_KEYS, zset_cmd_zremrangebyscore, NULL, NULL},
	{"zremrangebylex", 4, W, 1, 1, 1, ROUTE_KEYS, zset_cmd_zremrangebylex, NULL, NULL},
	{"zpopmin", -2, W | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zpopmin, NULL, NULL},
	{"zpopmax", -2, W | F, 1, 1, 1, ROUTE_KEYS, zset_cmd_zpopmax, NULL, NULL},
	/* movable keys: always through the coordinator, which forwards the
	 * whole command when its keys share a worker */
	{"zmpop", -4, W, 0, 0, 0, ROUTE_COORD, zset_cmd_zmpop, zset_coord_mpop, NULL},
	{"zrandmember", -2, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zrandmember, NULL, NULL},
	{"zunion", -3, R, 0, 0, 0, ROUTE_COORD, zset_cmd_zunion, zset_coord_setop, NULL},
	{"zinter", -3, R, 0, 0, 0, ROUTE_COORD, zset_cmd_zinter, zset_coord_setop, NULL},
	{"zdiff", -3, R, 0, 0, 0, ROUTE_COORD, zset_cmd_zdiff, zset_coord_setop, NULL},
	{"zunionstore", -4, W | D, 1, 1, 1, ROUTE_COORD, zset_cmd_zunionstore, zset_coord_setop, NULL},
	{"zinterstore", -4, W | D, 1, 1, 1, ROUTE_COORD, zset_cmd_zinterstore, zset_coord_setop, NULL},
	{"zdiffstore", -4, W | D, 1, 1, 1, ROUTE_COORD, zset_cmd_zdiffstore, zset_coord_setop, NULL},
	{"zintercard", -3, R, 0, 0, 0, ROUTE_COORD, zset_cmd_zintercard, zset_coord_setop, NULL},
	{"zscan", -3, R, 1, 1, 1, ROUTE_KEYS, zset_cmd_zscan, NULL, NULL},
	/* sub-requests of coord_zset.c */
	{ZSET_INTERNAL_FETCH, 2, R | I, 1, 1, 1, ROUTE_KEYS, zset_cmd_fetch, NULL, NULL},
	{ZSET_INTERNAL_SETOP, -4, W | I, 0, 0, 0, ROUTE_KEYS, zset_cmd_setop, NULL, NULL},
	{ZSET_INTERNAL_RANGEFETCH, -5, R | I, 2, 2, 1, ROUTE_KEYS, zset_cmd_rangefetch, NULL, NULL},
	{ZSET_INTERNAL_STOREBLOB, 3, W | I, 1, 1, 1, ROUTE_KEYS, zset_cmd_storeblob, NULL, NULL},
	{ .name = NULL },
};
