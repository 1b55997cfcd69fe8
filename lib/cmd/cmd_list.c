/*
 * The list family: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX
 * LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, with Redis 7.0.15's
 * argument checks in Redis's order, its replies in RESP2 and RESP3 and its
 * error texts. Lists are lib/store/store_list.h objects; node size comes
 * from list-max-listpack-size. Cross-worker LMOVE / RPOPLPUSH / LMPOP are
 * in coord_list.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_list_int.h"
#include "cmd/cmd_util.h"

#define ERR_NOT_POSITIVE "ERR value is out of range, must be positive"

/* ---- shared helpers */

/* Redis's getRangeLongFromObjectOrReply with a message: any parse failure
 * or a value outside [min, max] replies "ERR <msg>". */
static int arg_range(struct reply *r, const struct resp_arg *a, long long min, long long max,
		     const char *err, long long *v)
{
	if (cmd_parse_ll(a, v) && *v >= min && *v <= max)
		return 0;
	reply_error(r, err);
	return -EINVAL;
}

int list_arg_where(struct reply *r, const struct resp_arg *a, enum list_where *where)
{
	if (cmd_arg_is(a, "left"))
		*where = LIST_HEAD;
	else if (cmd_arg_is(a, "right"))
		*where = LIST_TAIL;
	else {
		cmd_reply_syntax(r);
		return -EINVAL;
	}
	return 0;
}

int list_lmpop_args(struct reply *r, int argc, const struct resp_arg *argv,
		    struct lmpop_args *a)
{
	long long v;
	if (arg_range(r, &argv[1], 1, LONG_MAX, "ERR numkeys should be greater than 0", &v))
		return -EINVAL;
	a->numkeys = (long)v;
	if (v > argc - 3) { /* WHERE must follow the keys */
		cmd_reply_syntax(r);
		return -EINVAL;
	}
	int widx = 2 + (int)v;
	if (list_arg_where(r, &argv[widx], &a->where))
		return -EINVAL;
	a->count = -1;
	for (int j = widx + 1; j < argc; j++) {
		if (a->count == -1 && cmd_arg_is(&argv[j], "count") && j + 1 < argc) {
			j++;
			if (arg_range(r, &argv[j], 1, LONG_MAX, "ERR count should be greater than 0", &v))
				return -EINVAL;
			a->count = (long)v;
		} else {
			cmd_reply_syntax(r);
			return -EINVAL;
		}
	}
	if (a->count == -1)
		a->count = 1;
	return 0;
}

static void reply_val(struct reply *r, const struct list_val *v)
{
	if (v->s)
		reply_bulk(r, v->s, v->len);
	else
		reply_bulk_ll(r, v->v);
}

/* Redis's lookupKeyRead / lookupKeyWrite and checkType: 0 with *out (NULL
 * when absent), or -EINVAL after WRONGTYPE. Reads count hits and misses. */
static int lookup_list(struct cmd_ctx *c, const struct resp_arg *k, bool read,
		       struct sentry **out)
{
	struct sentry *e = shard_lookup(c->env->shard, c->db, k->ptr, k->len, 0);
	if (read) {
		if (e)
			c->env->stats->keyspace_hits++;
		else
			c->env->stats->keyspace_misses++;
	}
	if (e && sentry_type(e) != OBJ_LIST) {
		cmd_reply_wrongtype(c->r);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

/* A new empty list at key (absent); NULL on OOM. */
static struct sentry *list_create(struct cmd_ctx *c, const char *key, size_t klen)
{
	struct shard *s = c->env->shard;
	void *o = list_new(s);
	if (!o)
		return NULL;
	struct sentry *e = shard_add_obj(s, c->db, key, klen, OBJ_LIST, ENC_QUICKLIST, o);
	if (!e)
		list_free(s, o);
	return e;
}

/* A command never leaves an empty list behind. */
static void drop_if_empty(struct cmd_ctx *c, struct sentry *e)
{
	if (list_len(e) == 0)
		shard_delete_entry(c->env->shard, c->db, e);
}

static int fill_of(const struct cmd_ctx *c) { return c->env->cfg->list_max_listpack_size; }

/* ---- pushes */

static void push_generic(struct cmd_ctx *c, enum list_where where, bool xx)
{
	struct sentry *e;
	if (lookup_list(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		if (xx) {
			reply_int(c->r, 0);
			return;
		}
		e = list_create(c, c->argv[1].ptr, c->argv[1].len);
		if (!e) {
			cmd_reply_oom(c->r);
			return;
		}
	}
	for (int j = 2; j < c->argc; j++) {
		if (list_push(c->env->shard, e, where, c->argv[j].ptr, c->argv[j].len, fill_of(c))) {
			cmd_reply_oom(c->r);
			drop_if_empty(c, e);
			return;
		}
	}
	reply_int(c->r, (long long)list_len(e));
}

static void cmd_lpush(struct cmd_ctx *c) { push_generic(c, LIST_HEAD, false); }
static void cmd_rpush(struct cmd_ctx *c) { push_generic(c, LIST_TAIL, false); }
static void cmd_lpushx(struct cmd_ctx *c) { push_generic(c, LIST_HEAD, true); }
static void cmd_rpushx(struct cmd_ctx *c) { push_generic(c, LIST_TAIL, true); }

/* ---- pops */

/* Reply min(count, len) elements from `where` as an array, in pop order,
 * and delete them (and the key once empty). */
static void pop_range_reply(struct cmd_ctx *c, struct sentry *e, enum list_where where,
			    long count)
{
	size_t len = list_len(e);
	size_t n = (size_t)count < len ? (size_t)count : len;
	struct list_iter it;
	struct list_val v;
	reply_array(c->r, (long)n);
	list_iter_init(&it, e, where == LIST_HEAD ? 0 : -1, where == LIST_TAIL);
	for (size_t i = 0; i < n && list_iter_next(&it, &v); i++)
		reply_val(c->r, &v);
	list_del_range(c->env->shard, e, where == LIST_HEAD ? 0 : len - n, n);
	drop_if_empty(c, e);
}

/* Reply the element at `where` as a bulk and delete it. */
static void pop_one_reply(struct cmd_ctx *c, struct sentry *e, enum list_where where)
{
	struct list_val v;
	list_index(e, where == LIST_HEAD ? 0 : -1, &v);
	reply_val(c->r, &v);
	list_del_range(c->env->shard, e, where == LIST_HEAD ? 0 : list_len(e) - 1, 1);
	drop_if_empty(c, e);
}

static void pop_generic(struct cmd_ctx *c, enum list_where where)
{
	long long count = 0;
	bool hascount = c->argc == 3;
	struct sentry *e;
	if (c->argc > 3) {
		cmd_reply_arity(c->r, c->def->name);
		return;
	}
	if (hascount && arg_range(c->r, &c->argv[2], 0, LONG_MAX, ERR_NOT_POSITIVE, &count))
		return;
	if (lookup_list(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		if (hascount)
			reply_null_array(c->r);
		else
			reply_null(c->r);
		return;
	}
	if (hascount) {
		pop_range_reply(c, e, where, (long)count);
		return;
	}
	pop_one_reply(c, e, where);
}

static void cmd_lpop(struct cmd_ctx *c) { pop_generic(c, LIST_HEAD); }
static void cmd_rpop(struct cmd_ctx *c) { pop_generic(c, LIST_TAIL); }

/* ---- reads */

static void cmd_llen(struct cmd_ctx *c)
{
	struct sentry *e;
	if (lookup_list(c, &c->argv[1], true, &e))
		return;
	reply_int(c->r, e ? (long long)list_len(e) : 0);
}

/* LRANGE / LTRIM key start end: the indexes, then the key (Redis's order). */
static int range_args(struct cmd_ctx *c, long long *start, long long *end, bool read,
		      struct sentry **e)
{
	if (cmd_arg_ll(c->r, &c->argv[2], start, NULL) || cmd_arg_ll(c->r, &c->argv[3], end, NULL))
		return -EINVAL;
	return lookup_list(c, &c->argv[1], read, e);
}

static void cmd_lrange(struct cmd_ctx *c)
{
	long long start, end;
	struct sentry *e;
	if (range_args(c, &start, &end, true, &e))
		return;
	if (!e || !cmd_clip_range((long long)list_len(e), &start, &end)) {
		reply_array(c->r, 0);
		return;
	}
	long long n = end - start + 1;
	struct list_iter it;
	struct list_val v;
	reply_array(c->r, (long)n);
	list_iter_init(&it, e, (long)start, false);
	for (long long i = 0; i < n && list_iter_next(&it, &v); i++)
		reply_val(c->r, &v);
}

static void cmd_lindex(struct cmd_ctx *c)
{
	long long index;
	struct sentry *e;
	struct list_val v;
	if (lookup_list(c, &c->argv[1], true, &e))
		return;
	if (!e) {
		reply_null(c->r);
		return;
	}
	if (cmd_arg_ll(c->r, &c->argv[2], &index, NULL))
		return;
	if (list_index(e, (long)index, &v))
		reply_val(c->r, &v);
	else
		reply_null(c->r);
}

struct lpos_opts {
	long long rank;   /* 1 = first match; negative: from the tail */
	long long count;  /* -1: no COUNT (single reply) */
	long long maxlen; /* 0: whole list */
};

static int lpos_parse(struct cmd_ctx *c, struct lpos_opts *o)
{
	o->rank = 1;
	o->count = -1;
	o->maxlen = 0;
	for (int j = 3; j < c->argc; j++) {
		bool more = j + 1 < c->argc;
		const struct resp_arg *a = &c->argv[j];
		if (cmd_arg_is(a, "rank") && more) {
			if (cmd_arg_ll(c->r, &c->argv[++j], &o->rank, NULL))
				return -EINVAL;
			if (o->rank == 0) {
				reply_error(c->r, "ERR RANK can't be zero: use 1 to start from the first "
					    "match, 2 from the second ... or use negative to start from "
					    "the end of the list");
				return -EINVAL;
			}
		} else if (cmd_arg_is(a, "count") && more) {
			if (arg_range(c->r, &c->argv[++j], 0, LONG_MAX, "ERR COUNT can't be negative",
				      &o->count))
				return -EINVAL;
		} else if (cmd_arg_is(a, "maxlen") && more) {
			if (arg_range(c->r, &c->argv[++j], 0, LONG_MAX, "ERR MAXLEN can't be negative",
				      &o->maxlen))
				return -EINVAL;
		} else {
			cmd_reply_syntax(c->r);
			return -EINVAL;
		}
	}
	return 0;
}

static void cmd_lpos(struct cmd_ctx *c)
{
	struct lpos_opts o;
	struct sentry *e;
	if (lpos_parse(c, &o))
		return;
	bool from_tail = o.rank < 0;
	/* Redis negates the rank in a long: LONG_MIN stays LONG_MIN, which
	 * then matches from the first hit; unsigned arithmetic keeps that. */
	if (from_tail)
		o.rank = (long long)(0ULL - (unsigned long long)o.rank);
	if (lookup_list(c, &c->argv[1], true, &e))
		return;
	if (!e) {
		if (o.count != -1)
			reply_array(c->r, 0);
		else
			reply_null(c->r);
		return;
	}
	long long llen = (long long)list_len(e), index = 0, matches = 0, found = 0;
	size_t mark = o.count != -1 ? reply_defer(c->r) : 0;
	struct list_iter it;
	struct list_val v;
	list_iter_init(&it, e, from_tail ? -1 : 0, from_tail);
	while ((o.maxlen == 0 || index < o.maxlen) && list_iter_next(&it, &v)) {
		if (list_val_eq(&v, c->argv[2].ptr, c->argv[2].len) && ++matches >= o.rank) {
			long long pos = from_tail ? llen - index - 1 : index;
			found++;
			if (o.count == -1) {
				reply_int(c->r, pos);
				return;
			}
			reply_int(c->r, pos);
			long long got = (long long)((unsigned long long)matches -
						    (unsigned long long)o.rank + 1);
			if (o.count && got >= o.count)
				break;
		}
		index++;
	}
	if (o.count == -1)
		reply_null(c->r);
	else
		reply_defer_array(c->r, mark, (long)found);
}

/* ---- in-place writes */

static void cmd_lset(struct cmd_ctx *c)
{
	long long index;
	struct sentry *e;
	if (lookup_list(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		reply_error(c->r, "ERR no such key");
		return;
	}
	if (cmd_arg_ll(c->r, &c->argv[2], &index, NULL))
		return;
	int rc = list_set(c->env->shard, e, (long)index, c->argv[3].ptr, c->argv[3].len,
			  fill_of(c));
	if (rc == -ERANGE)
		reply_error(c->r, "ERR index out of range");
	else if (rc)
		cmd_reply_oom(c->r);
	else
		cmd_reply_ok(c->r);
}

static void cmd_linsert(struct cmd_ctx *c)
{
	bool after;
	struct sentry *e;
	if (cmd_arg_is(&c->argv[2], "after"))
		after = true;
	else if (cmd_arg_is(&c->argv[2], "before"))
		after = false;
	else {
		cmd_reply_syntax(c->r);
		return;
	}
	if (lookup_list(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		reply_int(c->r, 0);
		return;
	}
	int rc = list_insert(c->env->shard, e, c->argv[3].ptr, c->argv[3].len, after,
			     c->argv[4].ptr, c->argv[4].len, fill_of(c));
	if (rc < 0)
		cmd_reply_oom(c->r);
	else
		reply_int(c->r, rc ? (long long)list_len(e) : -1);
}

static void cmd_lrem(struct cmd_ctx *c)
{
	long long count;
	struct sentry *e;
	if (cmd_arg_ll(c->r, &c->argv[2], &count, NULL))
		return;
	if (lookup_list(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		reply_int(c->r, 0);
		return;
	}
	size_t removed = list_remove(c->env->shard, e, (long)count, c->argv[3].ptr,
				     c->argv[3].len);
	drop_if_empty(c, e);
	reply_int(c->r, (long long)removed);
}

static void cmd_ltrim(struct cmd_ctx *c)
{
	long long start, end;
	struct sentry *e;
	if (range_args(c, &start, &end, false, &e))
		return;
	if (!e) {
		cmd_reply_ok(c->r);
		return;
	}
	long long llen = (long long)list_len(e), ltrim, rtrim;
	if (cmd_clip_range(llen, &start, &end)) {
		ltrim = start;
		rtrim = llen - end - 1;
	} else {
		ltrim = llen;
		rtrim = 0;
	}
	struct shard *s = c->env->shard;
	list_del_range(s, e, (size_t)(llen - rtrim), (size_t)rtrim);
	list_del_range(s, e, 0, (size_t)ltrim);
	drop_if_empty(c, e);
	cmd_reply_ok(c->r);
}

/* ---- moves between lists on this worker */

static bool same_key(const struct resp_arg *a, const struct resp_arg *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Pop from src's `from` end and push at dst's `to` end, both keys here:
 * Redis's lmoveGenericCommand. */
static void lmove_local(struct cmd_ctx *c, const struct resp_arg *src,
			const struct resp_arg *dst, enum list_where from, enum list_where to)
{
	struct shard *s = c->env->shard;
	struct sentry *se, *de;
	if (lookup_list(c, src, false, &se))
		return;
	if (!se) {
		reply_null(c->r);
		return;
	}
	if (lookup_list(c, dst, false, &de))
		return;
	/* the element leaves the source before it is pushed (src may be dst):
	 * keep a copy of its bytes */
	struct list_val v;
	char ibuf[24], sbuf[64], *heap = NULL;
	const char *p;
	size_t n;
	list_index(se, from == LIST_HEAD ? 0 : -1, &v);
	if (!v.s) {
		n = (size_t)util_ll_to_str(ibuf, sizeof(ibuf), v.v);
		p = ibuf;
	} else {
		n = v.len;
		if (n > sizeof(sbuf) && !(heap = malloc(n))) {
			cmd_reply_oom(c->r);
			return;
		}
		p = heap ? heap : sbuf;
		memcpy(heap ? heap : sbuf, v.s, n);
	}
	list_del_range(s, se, from == LIST_HEAD ? 0 : list_len(se) - 1, 1);
	bool same = same_key(src, dst);
	if (!same)
		drop_if_empty(c, se);
	de = shard_lookup(s, c->db, dst->ptr, dst->len, LOOKUP_NOTOUCH);
	if (!de)
		de = list_create(c, dst->ptr, dst->len);
	if (!de || list_push(s, de, to, p, n, fill_of(c))) {
		if (de)
			drop_if_empty(c, de);
		cmd_reply_oom(c->r);
	} else {
		reply_bulk(c->r, p, n);
	}
	free(heap);
}

static void cmd_lmove(struct cmd_ctx *c)
{
	enum list_where from, to;
	if (list_arg_where(c->r, &c->argv[3], &from) || list_arg_where(c->r, &c->argv[4], &to))
		return;
	lmove_local(c, &c->argv[1], &c->argv[2], from, to);
}

static void cmd_rpoplpush(struct cmd_ctx *c)
{
	lmove_local(c, &c->argv[1], &c->argv[2], LIST_TAIL, LIST_HEAD);
}

/* LMPOP with every key on this worker (the coordinator sends runs of keys
 * that share an owner as LMPOP too). */
static void cmd_lmpop(struct cmd_ctx *c)
{
	struct lmpop_args a;
	if (list_lmpop_args(c->r, c->argc, c->argv, &a))
		return;
	for (long j = 0; j < a.numkeys; j++) {
		const struct resp_arg *k = &c->argv[2 + j];
		struct sentry *e;
		if (lookup_list(c, k, false, &e))
			return;
		if (!e)
			continue;
		reply_array(c->r, 2);
		reply_bulk(c->r, k->ptr, k->len);
		pop_range_reply(c, e, a.where, a.count);
		return;
	}
	reply_null_array(c->r);
}

/* ---- internal: the parts of a cross-worker LMOVE (coord_list.c) */

/* __lmove_check dst: ":1" if dst is absent or a list, else WRONGTYPE. */
static void cmd_lmove_check(struct cmd_ctx *c)
{
	struct sentry *e = shard_lookup(c->env->shard, c->db, c->argv[1].ptr, c->argv[1].len,
					LOOKUP_NOTOUCH);
	if (e && sentry_type(e) != OBJ_LIST)
		cmd_reply_wrongtype(c->r);
	else
		reply_int(c->r, 1);
}

/* __lmove_pop src LEFT|RIGHT dst_ok: Redis's source checks (null when
 * absent, WRONGTYPE), then WRONGTYPE without popping when dst_ok is 0
 * (the destination holds another type), else pop one element and reply it. */
static void cmd_lmove_pop(struct cmd_ctx *c)
{
	enum list_where from;
	struct sentry *e;
	if (list_arg_where(c->r, &c->argv[2], &from))
		return;
	if (lookup_list(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		reply_null(c->r);
		return;
	}
	if (!cmd_arg_is(&c->argv[3], "1")) {
		cmd_reply_wrongtype(c->r);
		return;
	}
	pop_one_reply(c, e, from);
}

#define W CMD_WRITE
#define R CMD_READONLY
#define OOM CMD_DENYOOM
#define F CMD_FAST
#define I CMD_INTERNAL

const struct cmd_def cmd_list_table[] = {
	{"lpush", -3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_lpush, NULL, NULL},
	{"rpush", -3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_rpush, NULL, NULL},
	{"lpushx", -3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_lpushx, NULL, NULL},
	{"rpushx", -3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_rpushx, NULL, NULL},
	{"lpop", -2, W | F, 1, 1, 1, ROUTE_KEYS, cmd_lpop, NULL, NULL},
	{"rpop", -2, W | F, 1, 1, 1, ROUTE_KEYS, cmd_rpop, NULL, NULL},
	{"llen", 2, R | F, 1, 1, 1, ROUTE_KEYS, cmd_llen, NULL, NULL},
	{"lrange", 4, R, 1, 1, 1, ROUTE_KEYS, cmd_lrange, NULL, NULL},
	{"lindex", 3, R, 1, 1, 1, ROUTE_KEYS, cmd_lindex, NULL, NULL},
	{"lset", 4, W | OOM, 1, 1, 1, ROUTE_KEYS, cmd_lset, NULL, NULL},
	{"linsert", 5, W | OOM, 1, 1, 1, ROUTE_KEYS, cmd_linsert, NULL, NULL},
	{"lrem", 4, W, 1, 1, 1, ROUTE_KEYS, cmd_lrem, NULL, NULL},
	{"ltrim", 4, W, 1, 1, 1, ROUTE_KEYS, cmd_ltrim, NULL, NULL},
	{"lpos", -3, R, 1, 1, 1, ROUTE_KEYS, cmd_lpos, NULL, NULL},
	{"lmove", 5, W | OOM, 1, 2, 1, ROUTE_KEYS, cmd_lmove, list_lmove_coord, NULL},
	{"rpoplpush", 3, W | OOM, 1, 2, 1, ROUTE_KEYS, cmd_rpoplpush, list_rpoplpush_coord, NULL},
	/* movable keys (numkeys): Redis's key spec is 0 0 0; the coordinator
	 * finds the owners */
	{"lmpop", -4, W, 0, 0, 0, ROUTE_COORD, cmd_lmpop, list_lmpop_coord, NULL},
	{"__lmove_check", 2, R | I, 1, 1, 1, ROUTE_KEYS, cmd_lmove_check, NULL, NULL},
	{"__lmove_pop", 4, W | I, 1, 1, 1, ROUTE_KEYS, cmd_lmove_pop, NULL, NULL},
	{NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL},
};
