/*
 * Set algebra: SINTER SUNION SDIFF, their STORE forms and SINTERCARD on
 * the worker owning all their keys, and the internal __sstore that the
 * coordinators use to write a result at the destination's owner. The
 * algebra itself (set_algebra) works on any shard's set entries, so the
 * coordinators run it too, on sets they rebuilt from the owners' replies.
 *
 * As Redis: SINTER walks the smallest set and probes the others (any
 * missing key makes the result empty); SDIFF walks the first set and
 * probes the rest; SUNION adds everything to a temporary set.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/set_int.h"

/* ---------------------------------------------------- member hash set */

/* A temporary set of byte strings (SUNION): members live in an mlist,
 * an open-addressing table of their indices (+1) dedupes them. */
struct mset {
	struct mlist ml;
	uint32_t *slot;
	size_t cap; /* power of two, kept at most half full */
};

static uint64_t mhash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ n;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static int mset_grow(struct mset *ms)
{
	size_t cap = ms->cap ? ms->cap * 2 : 64;
	uint32_t *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < ms->ml.n; i++) {
		size_t j = mhash(ms->ml.buf + ms->ml.off[i], ms->ml.len[i]) & (cap - 1);
		while (slot[j])
			j = (j + 1) & (cap - 1);
		slot[j] = (uint32_t)i + 1;
	}
	free(ms->slot);
	ms->slot = slot;
	ms->cap = cap;
	return 0;
}

/* 1 added, 0 present, -ENOMEM */
static int mset_add(struct mset *ms, const char *m, size_t len)
{
	if ((ms->ml.n + 1) * 2 > ms->cap && mset_grow(ms))
		return -ENOMEM;
	if (ms->ml.n >= UINT32_MAX - 1)
		return -ENOMEM;
	size_t j = mhash(m, len) & (ms->cap - 1);
	for (uint32_t k; (k = ms->slot[j]); j = (j + 1) & (ms->cap - 1)) {
		size_t i = k - 1;
		if (ms->ml.len[i] == len && memcmp(ms->ml.buf + ms->ml.off[i], m, len) == 0)
			return 0;
	}
	if (mlist_push(&ms->ml, m, len))
		return -ENOMEM;
	ms->slot[j] = (uint32_t)ms->ml.n;
	return 1;
}

/* ------------------------------------------------------------ output */

struct algebra {
	struct shard *s;
	struct sentry **sets;
	int n;
	struct set_out *o;
	struct mset *ms; /* SUNION's temporary set */
	int err;
};

/* One result member. Returns non-zero to stop the walk. */
static int emit(struct algebra *a, const char *m, size_t len)
{
	struct set_out *o = a->o;
	o->count++;
	switch (o->mode) {
	case SETOUT_REPLY:
		reply_bulk(o->r, m, len);
		return 0;
	case SETOUT_COUNT:
		return o->limit && o->count >= o->limit;
	case SETOUT_COLLECT:
		if (mlist_push(&o->ml, m, len)) {
			a->err = -ENOMEM;
			return 1;
		}
		return 0;
	}
	return 0;
}

static int inter_visit(void *arg, const char *m, size_t len)
{
	struct algebra *a = arg;
	for (int j = 1; j < a->n; j++) {
		if (a->sets[j] == a->sets[0])
			continue;
		if (!set_contains(a->s, a->sets[j], m, len))
			return 0;
	}
	return emit(a, m, len);
}

static int diff_visit(void *arg, const char *m, size_t len)
{
	struct algebra *a = arg;
	for (int j = 1; j < a->n; j++) {
		if (!a->sets[j])
			continue;
		if (a->sets[j] == a->sets[0] || set_contains(a->s, a->sets[j], m, len))
			return 0;
	}
	return emit(a, m, len);
}

static int union_visit(void *arg, const char *m, size_t len)
{
	struct algebra *a = arg;
	if (mset_add(a->ms, m, len) < 0)
		a->err = -ENOMEM;
	return a->err;
}

static int by_card(const void *x, const void *y)
{
	size_t a = set_card(*(struct sentry *const *)x), b = set_card(*(struct sentry *const *)y);
	return a < b ? -1 : a > b;
}

static void begin(struct set_out *o, size_t *mark)
{
	if (o->mode == SETOUT_REPLY)
		*mark = reply_defer(o->r);
}

static int finish(struct algebra *a, size_t mark)
{
	struct set_out *o = a->o;
	if (o->mode == SETOUT_REPLY) {
		if (a->err) {
			o->r->len = mark;
			return a->err;
		}
		reply_defer_set(o->r, mark, (long)o->count);
	}
	return a->err;
}

static int do_union(struct algebra *a)
{
	struct mset ms = { 0 };
	size_t mark = 0;
	a->ms = &ms;
	for (int j = 0; j < a->n && !a->err; j++)
		if (a->sets[j])
			set_foreach(a->sets[j], union_visit, a);
	if (!a->err) {
		struct mlist *ml = &ms.ml;
		begin(a->o, &mark);
		for (size_t i = 0; i < ml->n && !a->err; i++)
			emit(a, ml->buf + ml->off[i], ml->len[i]);
	}
	free(ms.slot);
	mlist_free(&ms.ml);
	return finish(a, mark);
}

int set_algebra(struct shard *s, struct sentry **sets, int n, enum setop op,
		struct set_out *o)
{
	struct algebra a = { .s = s, .sets = sets, .n = n, .o = o };
	size_t mark = 0;
	o->count = 0;
	if (op == SETOP_UNION)
		return do_union(&a);
	if (op == SETOP_INTER) {
		for (int j = 0; j < n; j++)
			if (!sets[j]) {
				begin(o, &mark);
				return finish(&a, mark);
			}
		qsort(sets, (size_t)n, sizeof(*sets), by_card);
	}
	begin(o, &mark);
	if (sets[0])
		set_foreach(sets[0], op == SETOP_INTER ? inter_visit : diff_visit, &a);
	return finish(&a, mark);
}

/* ----------------------------------------------------------- handlers */

/* The sets named by argv[first..first+n): false after replying WRONGTYPE. */
static bool gather(struct cmd_ctx *c, int first, int n, struct sentry **sets)
{
	bool ok = true;
	for (int j = 0; j < n; j++) {
		sets[j] = set_lookup_read(c, &c->argv[first + j]);
		if (sets[j] && sentry_type(sets[j]) != OBJ_SET)
			ok = false;
	}
	if (!ok)
		cmd_reply_wrongtype(c->r);
	return ok;
}

static void run_op(struct cmd_ctx *c, enum setop op, bool store)
{
	int first = store ? 2 : 1, n = c->argc - first;
	struct sentry **sets = malloc((size_t)n * sizeof(*sets));
	if (!sets) {
		cmd_reply_oom(c->r);
		return;
	}
	if (!gather(c, first, n, sets))
		goto out;
	struct set_out o = { .mode = store ? SETOUT_COLLECT : SETOUT_REPLY, .r = c->r };
	if (set_algebra(c->env->shard, sets, n, op, &o)) {
		cmd_reply_oom(c->r);
	} else if (store) {
		const char **ptrs;
		long card = -ENOMEM;
		if (mlist_ptrs(&o.ml, &ptrs) == 0) {
			card = set_store(c->env->shard, c->db, c->argv[1].ptr, c->argv[1].len,
					 o.ml.n, ptrs, o.ml.len, set_max_intset(c->env));
			free(ptrs);
		}
		if (card < 0)
			cmd_reply_oom(c->r);
		else
			reply_int(c->r, card);
	}
	mlist_free(&o.ml);
out:
	free(sets);
}

void set_cmd_sinter(struct cmd_ctx *c) { run_op(c, SETOP_INTER, false); }
void set_cmd_sunion(struct cmd_ctx *c) { run_op(c, SETOP_UNION, false); }
void set_cmd_sdiff(struct cmd_ctx *c) { run_op(c, SETOP_DIFF, false); }
void set_cmd_sinterstore(struct cmd_ctx *c) { run_op(c, SETOP_INTER, true); }
void set_cmd_sunionstore(struct cmd_ctx *c) { run_op(c, SETOP_UNION, true); }
void set_cmd_sdiffstore(struct cmd_ctx *c) { run_op(c, SETOP_DIFF, true); }

int set_intercard_args(struct reply *r, int argc, const struct resp_arg *argv,
		       long *numkeys, unsigned long *limit)
{
	long long v;
	if (!cmd_parse_ll(&argv[1], &v) || v < 1 || v > LONG_MAX) {
		reply_error(r, "ERR numkeys should be greater than 0");
		return -EINVAL;
	}
	if (v > argc - 2) {
		reply_error(r, "ERR Number of keys can't be greater than number of args");
		return -EINVAL;
	}
	*numkeys = (long)v;
	*limit = 0;
	for (int j = 2 + (int)v; j < argc; j++) {
		if (cmd_arg_is(&argv[j], "limit") && j + 1 < argc) {
			long long l;
			j++;
			if (!cmd_parse_ll(&argv[j], &l) || l < 0) {
				reply_error(r, "ERR LIMIT can't be negative");
				return -EINVAL;
			}
			*limit = (unsigned long)l;
		} else {
			cmd_reply_syntax(r);
			return -EINVAL;
		}
	}
	return 0;
}

void set_cmd_sintercard(struct cmd_ctx *c)
{
	long n;
	unsigned long limit;
	if (set_intercard_args(c->r, c->argc, c->argv, &n, &limit))
		return;
	struct sentry **sets = malloc((size_t)n * sizeof(*sets));
	if (!sets) {
		cmd_reply_oom(c->r);
		return;
	}
	if (gather(c, 2, (int)n, sets)) {
		struct set_out o = { .mode = SETOUT_COUNT, .limit = limit };
		set_algebra(c->env->shard, sets, (int)n, SETOP_INTER, &o);
		reply_int(c->r, (long long)o.count);
	}
	free(sets);
}

/* __sstore dst [member ...]: dst becomes a set of these members (none:
 * dst is deleted). Replies the new cardinality. */
void set_cmd_int_store(struct cmd_ctx *c)
{
	size_t n = (size_t)c->argc - 2;
	const char **ptrs = malloc((n ? n : 1) * sizeof(*ptrs));
	size_t *lens = malloc((n ? n : 1) * sizeof(*lens));
	long card = -ENOMEM;
	if (ptrs && lens) {
		for (size_t i = 0; i < n; i++) {
			ptrs[i] = c->argv[2 + i].ptr;
			lens[i] = c->argv[2 + i].len;
		}
		card = set_store(c->env->shard, c->db, c->argv[1].ptr, c->argv[1].len, n, ptrs,
				 lens, set_max_intset(c->env));
	}
	free(ptrs);
	free(lens);
	if (card < 0)
		cmd_reply_oom(c->r);
	else
		reply_int(c->r, card);
}
