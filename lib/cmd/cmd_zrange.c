/*
 * Sorted-set ranges: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES), its
 * older forms, ZRANGESTORE, ZCOUNT, ZLEXCOUNT, ZREMRANGEBY*. One parser
 * and one walker (Redis 7.0's zrangeGenericCommand) feed a result sink:
 * the client's reply, a key (STORE), or a blob for a cross-worker
 * ZRANGESTORE (coord_zset.c).
 */
#include "cmd/cmd_zset_int.h"

#include <errno.h>
#include <stdlib.h>

enum zr_type { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };
enum zr_dir { ZD_AUTO, ZD_FORWARD, ZD_REVERSE };
enum zr_sink { SINK_REPLY, SINK_STORE, SINK_BLOB };

struct zr_out {
	struct cmd_ctx *c;
	enum zr_sink sink;
	bool withscores;
	long n;
	struct zbuild *b;         /* SINK_STORE */
	struct zblob_writer blob; /* SINK_BLOB */
	bool nomem;
};

static int out_one(void *arg, const char *m, size_t len, double score)
{
	struct zr_out *o = arg;
	o->n++;
	switch (o->sink) {
	case SINK_REPLY:
		zset_reply_member(o->c->r, m, len, score, o->withscores, true);
		break;
	case SINK_STORE:
		if (!o->nomem && zbuild_add(o->c->env->shard, o->b, m, len, score, ZAGG_SET))
			o->nomem = true;
		break;
	case SINK_BLOB:
		zblob_put(&o->blob, m, len, score);
		break;
	}
	return 0;
}

/* Store a built result at key dst (argv[1]) and reply the count. */
static void store_result(struct cmd_ctx *c, const struct resp_arg *dst, struct zbuild *b)
{
	struct zset_limits lim = zset_limits_of(c->env);
	long long n = (long long)zbuild_card(b);
	int err;
	zbuild_store(c->env->shard, c->db, dst->ptr, dst->len, b, &lim, &err);
	if (err)
		cmd_reply_oom(c->r);
	else
		reply_int(c->r, n);
}

/* Redis's rank sanitizing: negative ranks count from the end; false when
 * the range is empty, else start..end is inside 0..llen-1. */
static void zrange_generic(struct cmd_ctx *c, int argc_start, enum zr_sink sink,
			   enum zr_type type, enum zr_dir dir)
{
	const struct resp_arg *key = &c->argv[argc_start];
	int minidx = argc_start + 1, maxidx = argc_start + 2;
	bool store = sink != SINK_REPLY, withscores = false;
	long long start = 0, end = 0, offset = 0, limit = -1;
	struct zrange_score sr;
	struct zrange_lex lr;

	for (int j = argc_start + 3; j < c->argc; j++) {
		int left = c->argc - j - 1;
		const struct resp_arg *a = &c->argv[j];
		if (!store && cmd_arg_is(a, "withscores")) {
			withscores = true;
		} else if (cmd_arg_is(a, "limit") && left >= 2) {
			if (cmd_arg_ll(c->r, &c->argv[j + 1], &offset, NULL) ||
			    cmd_arg_ll(c->r, &c->argv[j + 2], &limit, NULL))
				return;
			j += 2;
		} else if (dir == ZD_AUTO && cmd_arg_is(a, "rev")) {
			dir = ZD_REVERSE;
		} else if (type == ZR_AUTO && cmd_arg_is(a, "bylex")) {
			type = ZR_LEX;
		} else if (type == ZR_AUTO && cmd_arg_is(a, "byscore")) {
			type = ZR_SCORE;
		} else {
			cmd_reply_syntax(c->r);
			return;
		}
	}
	if (dir == ZD_AUTO)
		dir = ZD_FORWARD;
	if (type == ZR_AUTO)
		type = ZR_RANK;
	if (limit != -1 && type == ZR_RANK) {
		reply_error(c->r, "ERR syntax error, LIMIT is only supported in combination with "
				  "either BYSCORE or BYLEX");
		return;
	}
	if (withscores && type == ZR_LEX) {
		reply_error(c->r, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
		return;
	}
	bool rev = dir == ZD_REVERSE;
	if (rev && type != ZR_RANK) { /* given as max, min */
		int t = minidx;
		minidx = maxidx;
		maxidx = t;
	}
	switch (type) {
	case ZR_SCORE:
		if (zset_parse_score_range(&c->argv[minidx], &c->argv[maxidx], &sr)) {
			reply_error(c->r, ZERR_MINMAX_FLOAT);
			return;
		}
		break;
	case ZR_LEX:
		if (zset_parse_lex_range(&c->argv[minidx], &c->argv[maxidx], &lr)) {
			reply_error(c->r, ZERR_MINMAX_LEX);
			return;
		}
		break;
	default:
		if (cmd_arg_ll(c->r, &c->argv[minidx], &start, NULL) ||
		    cmd_arg_ll(c->r, &c->argv[maxidx], &end, NULL))
			return;
		break;
	}

	struct zr_out o = { .c = c, .sink = sink, .withscores = withscores || store };
	struct sentry *e = zset_lookup_read(c, key);
	if (zset_wrongtype(c, e))
		return;
	if (sink == SINK_STORE && !(o.b = zbuild_new(c->env->shard))) {
		cmd_reply_oom(c->r);
		return;
	}
	size_t mark = 0;
	if (sink == SINK_REPLY)
		mark = reply_defer(c->r);
	if (e && type == ZR_RANK) {
		if (cmd_clip_range((long long)zset_card(e), &start, &end))
			zset_range_rank(e, (size_t)start, (size_t)end, rev, out_one, &o);
	} else if (e && offset >= 0) { /* a negative offset skips everything, as Redis */
		if (type == ZR_SCORE)
			zset_range_score(e, &sr, rev, (long)offset, (long)limit, out_one, &o);
		else
			zset_range_lex(e, &lr, rev, (long)offset, (long)limit, out_one, &o);
	}
	switch (sink) {
	case SINK_REPLY:
		reply_defer_array(c->r, mark, withscores && c->r->resp == 2 ? o.n * 2 : o.n);
		break;
	case SINK_STORE:
		if (o.nomem) {
			zbuild_free(c->env->shard, o.b);
			cmd_reply_oom(c->r);
		} else {
			store_result(c, &c->argv[1], o.b);
		}
		break;
	case SINK_BLOB:
		if (o.blob.nomem)
			cmd_reply_oom(c->r);
		else
			reply_bulk(c->r, o.blob.p ? o.blob.p : "", o.blob.len);
		free(o.blob.p);
		break;
	}
}

void zset_cmd_zrange(struct cmd_ctx *c) { zrange_generic(c, 1, SINK_REPLY, ZR_AUTO, ZD_AUTO); }
void zset_cmd_zrangestore(struct cmd_ctx *c) { zrange_generic(c, 2, SINK_STORE, ZR_AUTO, ZD_AUTO); }
void zset_cmd_zrevrange(struct cmd_ctx *c) { zrange_generic(c, 1, SINK_REPLY, ZR_RANK, ZD_REVERSE); }
void zset_cmd_zrangebyscore(struct cmd_ctx *c) { zrange_generic(c, 1, SINK_REPLY, ZR_SCORE, ZD_FORWARD); }
void zset_cmd_zrevrangebyscore(struct cmd_ctx *c) { zrange_generic(c, 1, SINK_REPLY, ZR_SCORE, ZD_REVERSE); }
void zset_cmd_zrangebylex(struct cmd_ctx *c) { zrange_generic(c, 1, SINK_REPLY, ZR_LEX, ZD_FORWARD); }
void zset_cmd_zrevrangebylex(struct cmd_ctx *c) { zrange_generic(c, 1, SINK_REPLY, ZR_LEX, ZD_REVERSE); }

/* __zrangefetch: ZRANGESTORE's arguments; replies the range as a blob
 * (the source half of a cross-worker ZRANGESTORE). */
void zset_cmd_rangefetch(struct cmd_ctx *c) { zrange_generic(c, 2, SINK_BLOB, ZR_AUTO, ZD_AUTO); }

/* __zstoreblob dst blob: store a blob's members at dst, reply the count. */
void zset_cmd_storeblob(struct cmd_ctx *c)
{
	struct zbuild *b = zbuild_new(c->env->shard);
	const char *m;
	size_t len, pos = 0;
	double score;
	if (!b) {
		cmd_reply_oom(c->r);
		return;
	}
	while (zblob_next(c->argv[2].ptr, c->argv[2].len, &pos, &m, &len, &score)) {
		if (zbuild_add(c->env->shard, b, m, len, score, ZAGG_SET)) {
			zbuild_free(c->env->shard, b);
			cmd_reply_oom(c->r);
			return;
		}
	}
	store_result(c, &c->argv[1], b);
}

/* ---- counts */

void zset_cmd_zcount(struct cmd_ctx *c)
{
	struct zrange_score r;
	if (zset_parse_score_range(&c->argv[2], &c->argv[3], &r)) {
		reply_error(c->r, ZERR_MINMAX_FLOAT);
		return;
	}
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (!zset_wrongtype(c, e))
		reply_int(c->r, e ? (long long)zset_count_score(e, &r) : 0);
}

void zset_cmd_zlexcount(struct cmd_ctx *c)
{
	struct zrange_lex r;
	if (zset_parse_lex_range(&c->argv[2], &c->argv[3], &r)) {
		reply_error(c->r, ZERR_MINMAX_LEX);
		return;
	}
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (!zset_wrongtype(c, e))
		reply_int(c->r, e ? (long long)zset_count_lex(e, &r) : 0);
}

/* ---- ZREMRANGEBY* (zremrangeGenericCommand) */

static void zremrange_generic(struct cmd_ctx *c, enum zr_type type)
{
	long long start = 0, end = 0;
	struct zrange_score sr;
	struct zrange_lex lr;
	if (type == ZR_RANK) {
		if (cmd_arg_ll(c->r, &c->argv[2], &start, NULL) ||
		    cmd_arg_ll(c->r, &c->argv[3], &end, NULL))
			return;
	} else if (type == ZR_SCORE) {
		if (zset_parse_score_range(&c->argv[2], &c->argv[3], &sr)) {
			reply_error(c->r, ZERR_MINMAX_FLOAT);
			return;
		}
	} else if (zset_parse_lex_range(&c->argv[2], &c->argv[3], &lr)) {
		reply_error(c->r, ZERR_MINMAX_LEX);
		return;
	}
	struct sentry *e = zset_lookup_write(c, &c->argv[1]);
	if (!e) {
		reply_int(c->r, 0);
		return;
	}
	if (zset_wrongtype(c, e))
		return;
	struct shard *s = c->env->shard;
	size_t removed;
	if (type == ZR_RANK) {
		if (!cmd_clip_range((long long)zset_card(e), &start, &end)) {
			reply_int(c->r, 0);
			return;
		}
		removed = zset_remove_rank(s, e, (size_t)start, (size_t)end);
	} else if (type == ZR_SCORE) {
		removed = zset_remove_score(s, e, &sr);
	} else {
		removed = zset_remove_lex(s, e, &lr);
	}
	zset_delete_if_empty(c, e);
	reply_int(c->r, (long long)removed);
}

void zset_cmd_zremrangebyrank(struct cmd_ctx *c) { zremrange_generic(c, ZR_RANK); }
void zset_cmd_zremrangebyscore(struct cmd_ctx *c) { zremrange_generic(c, ZR_SCORE); }
void zset_cmd_zremrangebylex(struct cmd_ctx *c) { zremrange_generic(c, ZR_LEX); }
