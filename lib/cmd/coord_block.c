/*
 * Blocking pops whose keys live on several workers: BLPOP BRPOP BZPOPMIN
 * BZPOPMAX with keys on more than one worker, BLMPOP BZMPOP likewise, and
 * BLMOVE / BRPOPLPUSH with src and dst on different workers. They run on
 * the client's worker (struct coord_ctx), which holds the client's later
 * commands until the reply, as Redis does for a blocked client.
 *
 * Each one loops over two stages until it has a reply or its deadline:
 *  ROUND  what the non-blocking command does. BLPOP & co and BLMPOP /
 *         BZMPOP take their keys in order, in runs of consecutive keys that
 *         share an owner, one run after the other (the command itself for
 *         BLPOP & co, which cannot park as a sub-request and answers null;
 *         LMPOP / ZMPOP for BLMPOP / BZMPOP): the first reply that is not
 *         null (an element or WRONGTYPE) is the answer. BLMOVE runs the
 *         cross-worker LMOVE steps of coord_list.c; a null (src absent) is
 *         "nothing yet".
 *  WATCH  __bwatch list|zset deadline keys... at every owner of the keys
 *         (src's only, for BLMOVE), as one wait_any phase: the owners park
 *         a notify-only waiter (FIFO with the keys' other waiters) that
 *         answers ":1" when a key gets data of the type and ":0" at the
 *         deadline. On the first answer the engine cancels the others;
 *         ":1" starts a new ROUND, ":0" replies the timeout reply (a null
 *         array, as Redis's). A watch that finds data already there answers
 *         at once, so nothing created between a ROUND and its WATCH is missed.
 *
 * Compared with Redis, where a blocked client is served at the instant its
 * key gets data: here the data is popped by the next ROUND, a few ring
 * round trips later. In between, another client (one that blocked on that
 * key alone, on its owner, even if it blocked later; or a plain LPOP) may
 * take it; then the WATCH starts again, queued behind the key's current
 * waiters. So FIFO order holds among clients blocked on keys of one worker,
 * not between them and clients whose keys span workers. Each ROUND run is
 * atomic on its worker; across runs a key passed over may get data before a
 * later key is popped (see coord_list.c's LMPOP). BLMOVE across workers
 * has LMOVE's atomicity (coord_list.c). Argument errors are found here
 * before anything is sent, in Redis's order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_block_int.h"
#include "cmd/cmd_list_int.h"
#include "cmd/cmd_util.h"
#include "cmd/cmd_zset_int.h"
#include "util/util.h"

#define ARG(lit) ((struct resp_arg){ (lit), sizeof(lit) - 1 })

enum bkind { BK_POP, BK_MPOP, BK_MOVE };
enum bstage { ST_ROUND, ST_WATCH };

/* A coordinator of LMOVE's steps inside ours (BLMOVE's ROUND): its sends go
 * out through ours, its final reply into a buffer of our own. */
struct shadow {
	struct coord_ctx in;          /* first: the steps get &in */
	struct coord_ctx *out;
};

struct bstate {
	enum bkind kind;
	enum bstage stage;
	int64_t deadline;             /* unix ms, 0 = none */
	bool zset;                    /* watches zsets (BZ...), else lists */
	const struct resp_arg *keys;  /* into cc->argv */
	long nkeys;
	long next;                    /* BK_POP / BK_MPOP: first key of the next run */
	/* BK_MPOP: the non-blocking command's tail (where, COUNT n) */
	struct resp_arg where;
	char count[24];
	size_t countlen;
	/* BK_MOVE */
	enum list_where from, to;
	int inner_phase;
	void *inner_state;
	struct reply inner_r;
};

static bool is_null(const char *p, size_t n)
{
	return (n == 3 && !memcmp(p, "_\r\n", 3)) ||
	       (n == 5 && (!memcmp(p, "*-1\r\n", 5) || !memcmp(p, "$-1\r\n", 5)));
}

static enum coord_result done(struct coord_ctx *cc)
{
	struct bstate *st = cc->state;
	if (st) {
		/* (inner_state is NULL here: LMOVE's steps always run to their end) */
		reply_free(&st->inner_r);
		free(st);
	}
	cc->state = NULL;
	return COORD_DONE;
}

static enum coord_result reply_timeout(struct coord_ctx *cc)
{
	reply_null_array(cc->r);
	return done(cc);
}

/* ---- ROUND */

/* Send the run of keys from st->next that share an owner, as the
 * non-blocking form of the command. */
static enum coord_result send_run(struct coord_ctx *cc, struct bstate *st)
{
	const struct resp_arg *keys = st->keys;
	int owner = cmd_key_owner(cc->env, keys[st->next].ptr, keys[st->next].len);
	long end = st->next + 1;
	while (end < st->nkeys && cmd_key_owner(cc->env, keys[end].ptr, keys[end].len) == owner)
		end++;
	long n = end - st->next;
	struct resp_arg *a = malloc(sizeof(*a) * (size_t)(n + 6));
	if (!a) {
		cmd_reply_oom(cc->r);
		return done(cc);
	}
	char nbuf[24];
	int argc = 0;
	if (st->kind == BK_POP) {
		/* BLPOP k.. timeout as a sub-request cannot park: null if the
		 * keys are absent, else its pop or WRONGTYPE */
		a[argc++] = cc->argv[0];
		memcpy(a + argc, keys + st->next, sizeof(*a) * (size_t)n);
		argc += (int)n;
		a[argc++] = cc->argv[cc->argc - 1];
	} else {
		a[argc++] = st->zset ? ARG("ZMPOP") : ARG("LMPOP");
		a[argc++] = (struct resp_arg){ nbuf, (size_t)util_ll_to_str(nbuf, sizeof(nbuf), n) };
		memcpy(a + argc, keys + st->next, sizeof(*a) * (size_t)n);
		argc += (int)n;
		a[argc++] = st->where;
		a[argc++] = ARG("COUNT");
		a[argc++] = (struct resp_arg){ st->count, st->countlen };
	}
	cc->send(cc, owner, cc->db, argc, a);
	free(a);
	st->next = end;
	return COORD_WAIT;
}

static enum coord_result start_watch(struct coord_ctx *cc, struct bstate *st);

/* BLMOVE's ROUND: one step of LMOVE's machine. */
static void shadow_send(struct coord_ctx *in, int worker, int db, int argc,
			const struct resp_arg *argv)
{
	struct shadow *sh = (struct shadow *)in;
	sh->out->send(sh->out, worker, db, argc, argv);
}

static enum coord_result move_step(struct coord_ctx *cc, struct bstate *st, bool first)
{
	struct shadow sh = { .out = cc };
	sh.in = *cc;
	sh.in.r = &st->inner_r;
	sh.in.phase = st->inner_phase;
	sh.in.state = st->inner_state;
	sh.in.send = shadow_send;
	sh.in.wait_any = false;
	if (first) {
		sh.in.nsub = 0;
		sh.in.sub = NULL;
	}
	enum coord_result res = list_lmove_steps(&sh.in, st->from, st->to);
	st->inner_state = sh.in.state;
	if (res == COORD_WAIT) {
		st->inner_phase++;
		return COORD_WAIT;
	}
	st->inner_state = NULL; /* freed by the steps */
	struct reply *r = &st->inner_r;
	if (!is_null(r->buf, r->len)) {
		reply_raw(cc->r, r->buf, r->len);
		return done(cc);
	}
	return start_watch(cc, st);
}

static enum coord_result start_round(struct coord_ctx *cc, struct bstate *st)
{
	st->stage = ST_ROUND;
	if (st->kind == BK_MOVE) {
		st->inner_phase = 0;
		reply_clear(&st->inner_r);
		return move_step(cc, st, true);
	}
	st->next = 0;
	return send_run(cc, st);
}

/* A ROUND sub-reply came back. */
static enum coord_result round_reply(struct coord_ctx *cc, struct bstate *st)
{
	if (st->kind == BK_MOVE)
		return move_step(cc, st, false);
	const struct coord_sub *sub = cc->nsub ? &cc->sub[0] : NULL;
	if (!sub || !sub->len) {
		reply_error(cc->r, "ERR internal error: bad sub-reply");
		return done(cc);
	}
	if (!is_null(sub->reply, sub->len)) {
		reply_raw(cc->r, sub->reply, sub->len);
		return done(cc);
	}
	if (cc->cancelled)
		return done(cc);
	if (st->next < st->nkeys)
		return send_run(cc, st);
	return start_watch(cc, st);
}

/* ---- WATCH */

static enum coord_result start_watch(struct coord_ctx *cc, struct bstate *st)
{
	if (cc->cancelled)
		return done(cc); /* the client went away */
	if (st->deadline && st->deadline <= cc->env->now_ms)
		return reply_timeout(cc);
	st->stage = ST_WATCH;
	long n = st->kind == BK_MOVE ? 1 : st->nkeys;
	const struct resp_arg *keys = st->kind == BK_MOVE ? &cc->argv[1] : st->keys;
	struct resp_arg *a = malloc(sizeof(*a) * (size_t)(n + 3));
	int *owner = malloc(sizeof(*owner) * (size_t)n);
	if (!a || !owner) {
		free(a);
		free(owner);
		cmd_reply_oom(cc->r);
		return done(cc);
	}
	char dbuf[24];
	a[0] = ARG("__bwatch");
	a[1] = st->zset ? ARG("zset") : ARG("list");
	a[2] = (struct resp_arg){ dbuf, (size_t)util_ll_to_str(dbuf, sizeof(dbuf), st->deadline) };
	for (long i = 0; i < n; i++)
		owner[i] = cmd_key_owner(cc->env, keys[i].ptr, keys[i].len);
	/* one watch per owner with all of its keys, owners in ascending order */
	for (int w = 0; w < cc->env->nworkers; w++) {
		int argc = 3;
		for (long i = 0; i < n; i++)
			if (owner[i] == w)
				a[argc++] = keys[i];
		if (argc > 3)
			cc->send(cc, w, cc->db, argc, a);
	}
	free(a);
	free(owner);
	cc->wait_any = true;
	return COORD_WAIT;
}

static enum coord_result watch_reply(struct coord_ctx *cc, struct bstate *st)
{
	bool ready = false, timeout = false;
	for (int i = 0; i < cc->nsub; i++) {
		const struct coord_sub *s = &cc->sub[i];
		if (s->len == 4 && !memcmp(s->reply, ":1\r\n", 4))
			ready = true;
		else if (s->len == 4 && !memcmp(s->reply, ":0\r\n", 4))
			timeout = true;
	}
	if (ready)
		return start_round(cc, st);
	(void)timeout; /* a timeout, or every watch refused (the server stops) */
	return reply_timeout(cc);
}

/* ---- entry points */

static enum coord_result step(struct coord_ctx *cc)
{
	struct bstate *st = cc->state;
	/* a client that went away is let go between stages: a ROUND (BLMOVE's
	 * steps above all, which must not drop the element they popped) runs
	 * to its end first */
	if (st->stage == ST_ROUND)
		return round_reply(cc, st);
	if (cc->cancelled)
		return done(cc);
	if (cc->unblock) { /* CLIENT UNBLOCK */
		if (cc->unblock == 2)
			reply_error(cc->r, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
		else
			reply_null_array(cc->r);
		return done(cc);
	}
	return watch_reply(cc, st);
}

static struct bstate *state_new(struct coord_ctx *cc, enum bkind kind)
{
	struct bstate *st = calloc(1, sizeof(*st));
	if (!st) {
		cmd_reply_oom(cc->r);
		return NULL;
	}
	st->kind = kind;
	reply_init(&st->inner_r, cc->r->resp);
	cc->state = st;
	return st;
}

enum coord_result block_coord_pop(struct coord_ctx *cc)
{
	if (cc->phase > 0)
		return step(cc);
	int64_t deadline;
	if (block_parse_timeout(cc->r, &cc->argv[cc->argc - 1], cc->env->now_ms, &deadline))
		return COORD_DONE;
	struct bstate *st = state_new(cc, BK_POP);
	if (!st)
		return COORD_DONE;
	st->deadline = deadline;
	st->zset = cc->argv[0].len >= 2 && (cc->argv[0].ptr[1] == 'z' || cc->argv[0].ptr[1] == 'Z');
	st->keys = &cc->argv[1];
	st->nkeys = cc->argc - 2;
	return start_round(cc, st);
}

enum coord_result block_coord_mpop(struct coord_ctx *cc)
{
	if (cc->phase > 0)
		return step(cc);
	bool zset = cc->argv[0].len >= 2 && (cc->argv[0].ptr[1] == 'z' || cc->argv[0].ptr[1] == 'Z');
	long numkeys, count;
	struct resp_arg where;
	if (zset) {
		bool max;
		if (zset_parse_mpop(cc->r, cc->argc - 1, cc->argv + 1, &numkeys, &max, &count))
			return COORD_DONE;
		where = max ? ARG("MAX") : ARG("MIN");
	} else {
		struct lmpop_args a;
		if (list_lmpop_args(cc->r, cc->argc - 1, cc->argv + 1, &a))
			return COORD_DONE;
		numkeys = a.numkeys;
		count = a.count;
		where = a.where == LIST_HEAD ? ARG("LEFT") : ARG("RIGHT");
	}
	int64_t deadline;
	if (block_parse_timeout(cc->r, &cc->argv[1], cc->env->now_ms, &deadline))
		return COORD_DONE;
	struct bstate *st = state_new(cc, BK_MPOP);
	if (!st)
		return COORD_DONE;
	st->deadline = deadline;
	st->zset = zset;
	st->keys = &cc->argv[3];
	st->nkeys = numkeys;
	st->where = where;
	st->countlen = (size_t)util_ll_to_str(st->count, sizeof(st->count), count);
	return start_round(cc, st);
}

enum coord_result block_coord_move(struct coord_ctx *cc)
{
	if (cc->phase > 0)
		return step(cc);
	enum list_where from = LIST_TAIL, to = LIST_HEAD;
	int tidx = 3;
	if (cc->argc == 6) { /* BLMOVE */
		if (list_arg_where(cc->r, &cc->argv[3], &from) ||
		    list_arg_where(cc->r, &cc->argv[4], &to))
			return COORD_DONE;
		tidx = 5;
	}
	int64_t deadline;
	if (block_parse_timeout(cc->r, &cc->argv[tidx], cc->env->now_ms, &deadline))
		return COORD_DONE;
	struct bstate *st = state_new(cc, BK_MOVE);
	if (!st)
		return COORD_DONE;
	st->deadline = deadline;
	st->from = from;
	st->to = to;
	return start_round(cc, st);
}
