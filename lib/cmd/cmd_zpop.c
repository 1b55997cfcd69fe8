/*
 * Sorted-set pops and random members: ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER
 * (Redis 7.0's genericZpopCommand, zmpopGenericCommand, zrandmember*).
 */
#include "cmd/cmd_zset_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

struct emit_ctx {
	struct reply *r;
	bool withscores, pairs;
};

static int emit_one(void *arg, const char *m, size_t len, double score)
{
	struct emit_ctx *x = arg;
	if (x->pairs)
		reply_array(x->r, 2);
	reply_bulk(x->r, m, len);
	if (x->withscores)
		reply_double(x->r, score);
	return 0;
}

/*
 * genericZpopCommand without blocking: pop up to count members from the
 * first non-empty key of keys[0..nkeys). emitkey/nested: ZMPOP's shape.
 */
static void zpop_generic(struct cmd_ctx *c, const struct resp_arg *keys, int nkeys, bool max,
			 bool emitkey, long count, bool nested, bool nil_when_empty)
{
	struct sentry *e = NULL;
	const struct resp_arg *key = NULL;
	if (count == 0) {
		reply_array(c->r, 0);
		return;
	}
	for (int i = 0; i < nkeys && !e; i++) {
		e = zset_lookup_write(c, &keys[i]);
		key = &keys[i];
		if (zset_wrongtype(c, e))
			return;
	}
	if (!e) {
		if (nil_when_empty)
			reply_null_array(c->r);
		else
			reply_array(c->r, 0);
		return;
	}
	if (count == -1)
		count = 1;
	long llen = (long)zset_card(e);
	long n = count > llen ? llen : count;
	if (!nested && !emitkey) {
		reply_array(c->r, n * 2);
	} else if (nested && !emitkey) {
		reply_array(c->r, n);
	} else {
		reply_array(c->r, 2);
		reply_bulk(c->r, key->ptr, key->len);
		reply_array(c->r, n);
	}
	struct emit_ctx x = { c->r, true, nested };
	zset_range_rank(e, 0, (size_t)n - 1, max, emit_one, &x);
	if (max)
		zset_remove_rank(c->env->shard, e, (size_t)(llen - n), (size_t)llen - 1);
	else
		zset_remove_rank(c->env->shard, e, 0, (size_t)n - 1);
	zset_delete_if_empty(c, e);
}

static void zpop_minmax(struct cmd_ctx *c, bool max)
{
	long long count = -1;
	if (c->argc > 3) {
		cmd_reply_syntax(c->r);
		return;
	}
	if (c->argc == 3) {
		/* getPositiveLongFromObjectOrReply: one text for both errors */
		if (!cmd_parse_ll(&c->argv[2], &count) || count < 0) {
			reply_error(c->r, "ERR value is out of range, must be positive");
			return;
		}
	}
	zpop_generic(c, &c->argv[1], 1, max, false, (long)count, c->r->resp > 2 && count != -1,
		     false);
}

void zset_cmd_zpopmin(struct cmd_ctx *c) { zpop_minmax(c, false); }
void zset_cmd_zpopmax(struct cmd_ctx *c) { zpop_minmax(c, true); }

/* getRangeLongFromObjectOrReply(1, LONG_MAX, msg) */
static int positive_or(struct reply *r, const struct resp_arg *a, long *v, const char *msg)
{
	long long x;
	if (!cmd_parse_ll(a, &x) || x < 1) {
		reply_error(r, msg);
		return -EINVAL;
	}
	*v = (long)x;
	return 0;
}

int zset_parse_mpop(struct reply *r, int argc, const struct resp_arg *argv, long *numkeys,
		    bool *max, long *count)
{
	if (positive_or(r, &argv[1], numkeys, "ERR numkeys should be greater than 0"))
		return -EINVAL;
	long where = 1 + *numkeys + 1;
	if (*numkeys > argc || where >= argc) {
		cmd_reply_syntax(r);
		return -EINVAL;
	}
	if (cmd_arg_is(&argv[where], "min")) {
		*max = false;
	} else if (cmd_arg_is(&argv[where], "max")) {
		*max = true;
	} else {
		cmd_reply_syntax(r);
		return -EINVAL;
	}
	*count = -1;
	for (long j = where + 1; j < argc; j++) {
		bool more = j < argc - 1;
		if (*count == -1 && cmd_arg_is(&argv[j], "count") && more) {
			j++;
			if (positive_or(r, &argv[j], count, "ERR count should be greater than 0"))
				return -EINVAL;
		} else {
			cmd_reply_syntax(r);
			return -EINVAL;
		}
	}
	if (*count == -1)
		*count = 1;
	return 0;
}

void zset_cmd_zmpop(struct cmd_ctx *c)
{
	long numkeys, count;
	bool max;
	if (zset_parse_mpop(c->r, c->argc, c->argv, &numkeys, &max, &count))
		return;
	zpop_generic(c, &c->argv[2], (int)numkeys, max, true, count, true, true);
}

/* ---- ZRANDMEMBER */

static void emit_rank(const struct sentry *e, size_t rank, struct emit_ctx *x)
{
	zset_range_rank(e, rank, rank, false, emit_one, x);
}

struct pick_ctx {
	struct shard *s;
	struct emit_ctx *x;
	struct zbuild *seen;
	unsigned long n;
	bool nomem;
};

static int pick_one(void *arg, const char *m, size_t len, double score)
{
	struct pick_ctx *p = arg;
	double dummy;
	if (zbuild_score(p->s, p->seen, m, len, &dummy))
		return 0;
	if (zbuild_add(p->s, p->seen, m, len, score, ZAGG_SET)) {
		p->nomem = true;
		return 1;
	}
	p->n++;
	return emit_one(p->x, m, len, score);
}

static void pick_rank(const struct sentry *e, size_t rank, struct pick_ctx *p)
{
	zset_range_rank(e, rank, rank, false, pick_one, p);
}

static void zrandmember_count(struct cmd_ctx *c, long l, bool withscores)
{
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_array(c->r, 0);
		return;
	}
	if (zset_wrongtype(c, e))
		return;
	size_t size = zset_card(e);
	bool uniq = l >= 0;
	unsigned long count = uniq ? (unsigned long)l : (unsigned long)-l;
	struct emit_ctx x = { c->r, withscores, withscores && c->r->resp > 2 };
	if (count == 0) {
		reply_array(c->r, 0);
		return;
	}
	/* repetitions allowed (or one member): independent picks */
	if (!uniq || count == 1) {
		reply_array(c->r, withscores && c->r->resp == 2 ? (long)count * 2 : (long)count);
		for (unsigned long i = 0; i < count; i++)
			emit_rank(e, (size_t)(cmd_rand(c->env) % size), &x);
		return;
	}
	/* the whole set, from the highest (Redis's zuiNext walks backwards) */
	if (count >= size) {
		reply_array(c->r, withscores && c->r->resp == 2 ? (long)size * 2 : (long)size);
		zset_range_rank(e, 0, size - 1, true, emit_one, &x);
		return;
	}
	reply_array(c->r, withscores && c->r->resp == 2 ? (long)count * 2 : (long)count);
	if (count * 3 > size) {
		/* many of them: a partial Fisher-Yates shuffle of the ranks */
		size_t *idx = malloc(sizeof(*idx) * size);
		if (!idx) {
			c->r->nomem = true;
			return;
		}
		for (size_t i = 0; i < size; i++)
			idx[i] = i;
		for (size_t i = 0; i < count; i++) {
			size_t j = i + (size_t)(cmd_rand(c->env) % (size - i));
			size_t t = idx[i];
			idx[i] = idx[j];
			idx[j] = t;
			emit_rank(e, idx[i], &x);
		}
		free(idx);
		return;
	}
	/* few of a big set: random picks, skipping members already chosen */
	struct pick_ctx p = { .s = c->env->shard, .x = &x, .seen = zbuild_new(c->env->shard) };
	if (!p.seen) {
		c->r->nomem = true;
		return;
	}
	while (p.n < count && !p.nomem)
		pick_rank(e, (size_t)(cmd_rand(c->env) % size), &p);
	if (p.nomem)
		c->r->nomem = true;
	zbuild_free(c->env->shard, p.seen);
}

void zset_cmd_zrandmember(struct cmd_ctx *c)
{
	if (c->argc >= 3) {
		long long l;
		if (cmd_arg_ll(c->r, &c->argv[2], &l, NULL))
			return;
		if (l == LLONG_MIN) {
			reply_error(c->r, "ERR value is out of range, value must between "
					  "-9223372036854775807 and 9223372036854775807");
			return;
		}
		bool withscores = false;
		if (c->argc > 4 || (c->argc == 4 && !cmd_arg_is(&c->argv[3], "withscores"))) {
			cmd_reply_syntax(c->r);
			return;
		}
		if (c->argc == 4) {
			withscores = true;
			if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
				reply_error(c->r, "ERR value is out of range");
				return;
			}
		}
		zrandmember_count(c, (long)l, withscores);
		return;
	}
	struct sentry *e = zset_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_null(c->r);
		return;
	}
	if (zset_wrongtype(c, e))
		return;
	struct emit_ctx x = { c->r, false, false };
	emit_rank(e, (size_t)(cmd_rand(c->env) % zset_card(e)), &x);
}
