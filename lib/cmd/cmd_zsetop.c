/*
 * ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD: Redis 7.0's
 * zunionInterDiffGenericCommand. Inputs are zsets or sets (members score
 * 1). The same code runs on one worker with local keys, or, for keys on
 * several workers, as __zsetop with each input given as a blob that
 * __zfetch made at the key's owner (coord_zset.c).
 */
#include "cmd/cmd_zset_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "store/store_set.h"

enum setop { OP_UNION, OP_INTER, OP_DIFF };

struct zsrc {
	const struct sentry *e;  /* local zset or set, or NULL */
	struct zbuild *tmp;      /* an input that came as a blob */
	size_t card;
	double weight;
	int pos;                 /* argument order, for a stable sort */
};

/* ---- one input, whatever it is */

struct each_ctx {
	zset_fn fn;
	void *arg;
};

static int set_member(void *arg, const char *m, size_t len)
{
	struct each_ctx *x = arg;
	return x->fn(x->arg, m, len, 1.0);
}

static void src_foreach(const struct zsrc *s, zset_fn fn, void *arg)
{
	if (s->tmp) {
		zbuild_foreach(s->tmp, false, fn, arg);
	} else if (s->e && sentry_type(s->e) == OBJ_ZSET) {
		zset_foreach(s->e, fn, arg);
	} else if (s->e) {
		struct each_ctx x = { fn, arg };
		set_foreach(s->e, set_member, &x);
	}
}

static bool src_find(const struct shard *sh, const struct zsrc *s, const char *m, size_t len,
		     double *score)
{
	if (s->tmp)
		return zbuild_score(sh, s->tmp, m, len, score);
	if (!s->e)
		return false;
	if (sentry_type(s->e) == OBJ_ZSET)
		return zset_score(sh, s->e, m, len, score);
	*score = 1.0;
	return set_contains(sh, s->e, m, len);
}

static int by_card(const void *a, const void *b)
{
	const struct zsrc *x = a, *y = b;
	if (x->card != y->card)
		return x->card < y->card ? -1 : 1;
	return x->pos - y->pos;
}

/* ---- the three operations */

struct op_ctx {
	struct shard *s;
	struct zsrc *src;
	long n;
	enum zagg agg;
	struct zbuild *dst;     /* NULL: count only (ZINTERCARD) */
	unsigned long count, limit;
	bool nomem;
};

static int inter_one(void *arg, const char *m, size_t len, double v0)
{
	struct op_ctx *o = arg;
	double score = o->src[0].weight * v0, value;
	if (isnan(score))
		score = 0;
	for (long j = 1; j < o->n; j++) {
		if (!src_find(o->s, &o->src[j], m, len, &value))
			return 0;
		score = zset_aggregate(score, value * o->src[j].weight, o->agg);
	}
	if (!o->dst) {
		o->count++;
		return o->limit && o->count >= o->limit;
	}
	if (zbuild_add(o->s, o->dst, m, len, score, ZAGG_SET)) {
		o->nomem = true;
		return 1;
	}
	return 0;
}

struct union_ctx {
	struct op_ctx *o;
	double weight;
};

static int union_one(void *arg, const char *m, size_t len, double v)
{
	struct union_ctx *u = arg;
	double score = u->weight * v;
	if (isnan(score))
		score = 0;
	if (zbuild_add(u->o->s, u->o->dst, m, len, score, u->o->agg)) {
		u->o->nomem = true;
		return 1;
	}
	return 0;
}

static int diff_one(void *arg, const char *m, size_t len, double v)
{
	struct op_ctx *o = arg;
	double dummy;
	for (long j = 1; j < o->n; j++)
		if (src_find(o->s, &o->src[j], m, len, &dummy))
			return 0;
	if (zbuild_add(o->s, o->dst, m, len, v, ZAGG_SET)) {
		o->nomem = true;
		return 1;
	}
	return 0;
}

static void run_op(struct op_ctx *o, enum setop op)
{
	if (op == OP_INTER) {
		if (o->src[0].card > 0)
			src_foreach(&o->src[0], inter_one, o);
	} else if (op == OP_UNION) {
		for (long i = 0; i < o->n && !o->nomem; i++) {
			/* the first occurrence sets the score, later ones aggregate */
			struct union_ctx u = { o, o->src[i].weight };
			src_foreach(&o->src[i], union_one, &u);
		}
	} else if (o->src[0].card > 0) {
		src_foreach(&o->src[0], diff_one, o);
	}
}

/* ---- argument parsing */

int zset_setop_keys(struct reply *r, const char *name, int argc, const struct resp_arg *argv,
		    int numkeys_idx, long *numkeys)
{
	long long n;
	if (cmd_arg_ll(r, &argv[numkeys_idx], &n, NULL))
		return -EINVAL;
	if (n < 1) {
		reply_errorf(r, "ERR at least 1 input key is needed for '%s' command", name);
		return -EINVAL;
	}
	if (n > argc - (numkeys_idx + 1)) {
		cmd_reply_syntax(r);
		return -EINVAL;
	}
	*numkeys = (long)n;
	return 0;
}

/* Options after the keys; 0 or -EINVAL after Redis's error. */
static int parse_opts(struct cmd_ctx *c, int j, struct zsrc *src, long n, enum setop op,
		      bool has_dst, bool card_only, enum zagg *agg, bool *withscores,
		      unsigned long *limit)
{
	int remaining = c->argc - j;
	while (remaining) {
		const struct resp_arg *a = &c->argv[j];
		if (op != OP_DIFF && !card_only && remaining >= n + 1 && cmd_arg_is(a, "weights")) {
			j++;
			remaining--;
			for (long i = 0; i < n; i++, j++, remaining--)
				if (cmd_arg_double(c->r, &c->argv[j], &src[i].weight,
						   "ERR weight value is not a float"))
					return -EINVAL;
		} else if (op != OP_DIFF && !card_only && remaining >= 2 && cmd_arg_is(a, "aggregate")) {
			const struct resp_arg *v = &c->argv[j + 1];
			if (cmd_arg_is(v, "sum"))
				*agg = ZAGG_SUM;
			else if (cmd_arg_is(v, "min"))
				*agg = ZAGG_MIN;
			else if (cmd_arg_is(v, "max"))
				*agg = ZAGG_MAX;
			else
				goto syntax;
			j += 2;
			remaining -= 2;
		} else if (remaining >= 1 && !has_dst && !card_only && cmd_arg_is(a, "withscores")) {
			j++;
			remaining--;
			*withscores = true;
		} else if (card_only && remaining >= 2 && cmd_arg_is(a, "limit")) {
			long long l; /* getPositiveLongFromObjectOrReply: one text */
			if (!cmd_parse_ll(&c->argv[j + 1], &l) || l < 0) {
				reply_error(c->r, "ERR LIMIT can't be negative");
				return -EINVAL;
			}
			*limit = (unsigned long)l;
			j += 2;
			remaining -= 2;
		} else {
			goto syntax;
		}
	}
	return 0;
syntax:
	cmd_reply_syntax(c->r);
	return -EINVAL;
}

static int reply_member(void *arg, const char *m, size_t len, double score)
{
	struct cmd_ctx *c = arg;
	zset_reply_member(c->r, m, len, score, true, true);
	return 0;
}

static int reply_member_only(void *arg, const char *m, size_t len, double score)
{
	(void)score;
	reply_bulk(((struct cmd_ctx *)arg)->r, m, len);
	return 0;
}

/* Inputs from blobs (blobs != NULL: __zsetop) or local keys. */
static int load_sources(struct cmd_ctx *c, struct zsrc *src, long n, int first,
			bool has_dst, const struct resp_arg *blobs)
{
	for (long i = 0; i < n; i++) {
		src[i].weight = 1.0;
		src[i].pos = (int)i;
		if (blobs) {
			if (blobs[i].len == 0)
				continue;
			const char *m;
			size_t len, pos = 0;
			double score;
			if (!(src[i].tmp = zbuild_new(c->env->shard)))
				goto oom;
			while (zblob_next(blobs[i].ptr, blobs[i].len, &pos, &m, &len, &score))
				if (zbuild_add(c->env->shard, src[i].tmp, m, len, score, ZAGG_SET))
					goto oom;
			src[i].card = zbuild_card(src[i].tmp);
			continue;
		}
		const struct resp_arg *k = &c->argv[first + i];
		struct sentry *e = has_dst ? zset_lookup_write(c, k) : zset_lookup_read(c, k);
		if (e && sentry_type(e) != OBJ_ZSET && sentry_type(e) != OBJ_SET) {
			cmd_reply_wrongtype(c->r);
			return -EINVAL;
		}
		src[i].e = e;
		src[i].card = !e ? 0 : sentry_type(e) == OBJ_ZSET ? zset_card(e) : set_card(e);
	}
	return 0;
oom:
	cmd_reply_oom(c->r);
	return -ENOMEM;
}

static void zsetop_generic(struct cmd_ctx *c, const char *name, bool has_dst, enum setop op,
			   bool card_only, const struct resp_arg *blobs, long nblobs)
{
	int numkeys_idx = has_dst ? 2 : 1;
	long n;
	if (zset_setop_keys(c->r, name, c->argc, c->argv, numkeys_idx, &n))
		return;
	if (blobs && nblobs != n) {
		reply_error(c->r, "ERR internal error: bad __zsetop");
		return;
	}
	struct shard *s = c->env->shard;
	struct zsrc *src = calloc((size_t)n, sizeof(*src));
	enum zagg agg = ZAGG_SUM;
	bool withscores = false;
	unsigned long limit = 0;
	struct op_ctx o = { .s = s, .src = src, .n = n };
	if (!src) {
		cmd_reply_oom(c->r);
		return;
	}
	if (load_sources(c, src, n, numkeys_idx + 1, has_dst, blobs) ||
	    parse_opts(c, numkeys_idx + 1 + (int)n, src, n, op, has_dst, card_only, &agg,
		       &withscores, &limit))
		goto out;
	if (op != OP_DIFF)
		qsort(src, (size_t)n, sizeof(*src), by_card);
	o.agg = agg;
	o.limit = limit;
	if (!card_only && !(o.dst = zbuild_new(s))) {
		cmd_reply_oom(c->r);
		goto out;
	}
	run_op(&o, op);
	if (o.nomem) {
		cmd_reply_oom(c->r);
	} else if (card_only) {
		reply_int(c->r, (long long)o.count);
	} else if (has_dst) {
		struct zset_limits lim = zset_limits_of(c->env);
		long long stored = (long long)zbuild_card(o.dst);
		int err;
		zbuild_store(s, c->db, c->argv[1].ptr, c->argv[1].len, o.dst, &lim, &err);
		o.dst = NULL; /* consumed */
		if (err)
			cmd_reply_oom(c->r);
		else
			reply_int(c->r, stored);
	} else {
		long len = (long)zbuild_card(o.dst);
		reply_array(c->r, withscores && c->r->resp == 2 ? len * 2 : len);
		zbuild_foreach(o.dst, false, withscores ? reply_member : reply_member_only, c);
	}
out:
	if (o.dst)
		zbuild_free(s, o.dst);
	for (long i = 0; i < n; i++)
		if (src[i].tmp)
			zbuild_free(s, src[i].tmp);
	free(src);
}

void zset_cmd_zunion(struct cmd_ctx *c) { zsetop_generic(c, "zunion", false, OP_UNION, false, NULL, 0); }
void zset_cmd_zinter(struct cmd_ctx *c) { zsetop_generic(c, "zinter", false, OP_INTER, false, NULL, 0); }
void zset_cmd_zdiff(struct cmd_ctx *c) { zsetop_generic(c, "zdiff", false, OP_DIFF, false, NULL, 0); }
void zset_cmd_zunionstore(struct cmd_ctx *c) { zsetop_generic(c, "zunionstore", true, OP_UNION, false, NULL, 0); }
void zset_cmd_zinterstore(struct cmd_ctx *c) { zsetop_generic(c, "zinterstore", true, OP_INTER, false, NULL, 0); }
void zset_cmd_zdiffstore(struct cmd_ctx *c) { zsetop_generic(c, "zdiffstore", true, OP_DIFF, false, NULL, 0); }
void zset_cmd_zintercard(struct cmd_ctx *c) { zsetop_generic(c, "zintercard", false, OP_INTER, true, NULL, 0); }

/* ---- sub-requests */

/* __zfetch key: a zset's or set's members as a blob; null when absent. */
void zset_cmd_fetch(struct cmd_ctx *c)
{
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_null(c->r);
		return;
	}
	if (sentry_type(e) != OBJ_ZSET && sentry_type(e) != OBJ_SET) {
		cmd_reply_wrongtype(c->r);
		return;
	}
	struct zblob_writer w = { 0 };
	struct zsrc src = { .e = e };
	src_foreach(&src, zblob_put_fn, &w);
	if (w.nomem)
		cmd_reply_oom(c->r);
	else
		reply_bulk(c->r, w.p ? w.p : "", w.len);
	free(w.p);
}

/* __zsetop n blob_1 .. blob_n <the original command's argv>: the original
 * command with its n input keys read from the blobs ("" = no such key). */
void zset_cmd_setop(struct cmd_ctx *c)
{
	long long n;
	if (!cmd_parse_ll(&c->argv[1], &n) || n < 1 || n > c->argc - 3) {
		reply_error(c->r, "ERR internal error: bad __zsetop");
		return;
	}
	struct cmd_ctx oc = *c;
	oc.argv = c->argv + 2 + n;
	oc.argc = c->argc - 2 - (int)n;
	const struct resp_arg *cmd = &oc.argv[0];
	static const struct {
		const char *name;
		bool dst, card;
		enum setop op;
	} ops[] = {
		{"zunion", false, false, OP_UNION}, {"zinter", false, false, OP_INTER},
		{"zdiff", false, false, OP_DIFF}, {"zunionstore", true, false, OP_UNION},
		{"zinterstore", true, false, OP_INTER}, {"zdiffstore", true, false, OP_DIFF},
		{"zintercard", false, true, OP_INTER},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (cmd_arg_is(cmd, ops[i].name)) {
			zsetop_generic(&oc, ops[i].name, ops[i].dst, ops[i].op, ops[i].card,
				       c->argv + 2, (long)n);
			return;
		}
	}
	reply_error(c->r, "ERR internal error: bad __zsetop");
}
