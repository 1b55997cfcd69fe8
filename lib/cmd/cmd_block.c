/*
 * Blocking pops: BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP BZPOPMIN BZPOPMAX
 * BZMPOP (Redis 7.0.15's blockingPopGenericCommand, blmoveGenericCommand,
 * blockingGenericZpopCommand and the serve functions of blocked.c), and
 * __bwatch, the watch a coordinator parks at each owner (coord_block.c).
 *
 * A handler first does what the non-blocking command would (the pops
 * themselves are the list and zset families' handlers, run with a
 * rewritten argv); if every key is absent it parks the command with
 * env->block and writes no reply. The engine runs it again later with
 * c->wake: CMD_WAKE_KEY when one of its keys got data (serve from that key
 * only, as Redis serves a blocked client from the key that became ready;
 * write nothing if that key is absent or of another type: it stays
 * parked), CMD_WAKE_TIMEOUT for the timeout reply (a null array in RESP2,
 * null in RESP3, for every one of these commands, as Redis's
 * replyToBlockedClientTimedOut). Argument errors come in Redis's order:
 * the timeout first, except BLMOVE's LEFT/RIGHT and the numkeys / where /
 * COUNT of BLMPOP and BZMPOP, which Redis parses before it.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_block_int.h"
#include "cmd/cmd_list_int.h"
#include "cmd/cmd_util.h"
#include "cmd/cmd_zset_int.h"
#include "util/util.h"

#define ARG(lit) ((struct resp_arg){ (lit), sizeof(lit) - 1 })

int block_parse_timeout(struct reply *r, const struct resp_arg *a, int64_t now_ms,
			int64_t *deadline)
{
	long double ft;
	if (!cmd_parse_ldouble(a->ptr, a->len, &ft)) {
		reply_error(r, "ERR timeout is not a float or out of range");
		return -EINVAL;
	}
	long double ms = ft * 1000.0L;
	long long tval;
	/* (long long) of a value out of range is LLONG_MIN on x86-64, which is
	 * what Redis then reports as negative (inf, 1e20 ...) */
	if (!(ms >= -9223372036854775808.0L && ms < 9223372036854775808.0L))
		tval = LLONG_MIN;
	else
		tval = (long long)ms;
	/* a timeout below a millisecond times out at once in Redis 7.0.15,
	 * it does not mean "forever" */
	if (tval == 0 && ft > 0)
		tval = 1;
	if (tval < 0) {
		reply_error(r, "ERR timeout is negative");
		return -EINVAL;
	}
	if (tval == 0)
		*deadline = 0;
	else if (tval > INT64_MAX - now_ms)
		*deadline = 0; /* Redis's sum wraps and the client never times out */
	else
		*deadline = now_ms + tval;
	return 0;
}

/* The key's entry if it holds `type` (Redis's lookupKeyWrite), else NULL. */
static struct sentry *lookup_typed(struct cmd_ctx *c, const struct resp_arg *k, int type,
				   unsigned flags)
{
	struct sentry *e = shard_lookup(c->env->shard, c->db, k->ptr, k->len, flags);
	return e && sentry_type(e) == type ? e : NULL;
}

/* Run another command's handler on this shard with argv (the pops). */
static void run_as(struct cmd_ctx *c, const char *name, int argc, const struct resp_arg *argv)
{
	const struct cmd_def *d = cmd_lookup(c->env->table, name, strlen(name), false);
	if (!d) {
		reply_error(c->r, "ERR internal error: no such command");
		return;
	}
	struct cmd_ctx x = {
		.env = c->env, .client = c->client, .def = d, .r = c->r, .db = c->db,
		.argc = argc, .argv = argv,
	};
	d->handler(&x);
}

/* Park the command on keys; when it may not wait here, reply what Redis
 * replies to a client that may not block (CLIENT_DENY_BLOCKING). */
static void park(struct cmd_ctx *c, const struct resp_arg *keys, int nkeys, int64_t deadline,
		 bool null_bulk)
{
	if (c->env->block && c->env->block(c->env, c, keys, nkeys, deadline, 0) == 0)
		return;
	if (null_bulk)
		reply_null(c->r);
	else
		reply_null_array(c->r);
}

/* The first of keys[] that exists, WRONGTYPE (true, after the reply) if it
 * is not of `type`, else NULL / false: Redis's loop over the keys. */
static bool first_existing(struct cmd_ctx *c, const struct resp_arg *keys, int nkeys, int type,
			   int *idx)
{
	*idx = -1;
	for (int i = 0; i < nkeys; i++) {
		struct sentry *e = shard_lookup(c->env->shard, c->db, keys[i].ptr, keys[i].len, 0);
		if (!e)
			continue;
		if (sentry_type(e) != type) {
			cmd_reply_wrongtype(c->r);
			return true;
		}
		*idx = i;
		return false;
	}
	return false;
}

/* ---- BLPOP BRPOP key [key ...] timeout */

static void pop_with_key(struct cmd_ctx *c, const struct resp_arg *key, enum list_where where)
{
	struct resp_arg a[2] = { where == LIST_HEAD ? ARG("lpop") : ARG("rpop"), *key };
	reply_array(c->r, 2);
	reply_bulk(c->r, key->ptr, key->len);
	run_as(c, a[0].ptr, 2, a);
}

static void bpop_list(struct cmd_ctx *c, enum list_where where)
{
	if (c->wake == CMD_WAKE_TIMEOUT) {
		reply_null_array(c->r);
		return;
	}
	if (c->wake == CMD_WAKE_KEY) {
		if (lookup_typed(c, c->wake_key, OBJ_LIST, 0))
			pop_with_key(c, c->wake_key, where);
		return;
	}
	int64_t deadline;
	int idx, nkeys = c->argc - 2;
	if (block_parse_timeout(c->r, &c->argv[c->argc - 1], c->env->now_ms, &deadline))
		return;
	if (first_existing(c, &c->argv[1], nkeys, OBJ_LIST, &idx))
		return;
	if (idx >= 0)
		pop_with_key(c, &c->argv[1 + idx], where);
	else
		park(c, &c->argv[1], nkeys, deadline, false);
}

static void cmd_blpop(struct cmd_ctx *c) { bpop_list(c, LIST_HEAD); }
static void cmd_brpop(struct cmd_ctx *c) { bpop_list(c, LIST_TAIL); }

/* ---- BLMOVE src dst LEFT|RIGHT LEFT|RIGHT timeout, BRPOPLPUSH src dst timeout */

static struct resp_arg where_arg(enum list_where w)
{
	return w == LIST_HEAD ? ARG("LEFT") : ARG("RIGHT");
}

static void bmove(struct cmd_ctx *c, enum list_where from, enum list_where to, int tidx)
{
	const struct resp_arg *src = &c->argv[1];
	struct resp_arg a[5] = { ARG("lmove"), *src, c->argv[2], where_arg(from), where_arg(to) };
	if (c->wake == CMD_WAKE_TIMEOUT) {
		reply_null_array(c->r);
		return;
	}
	if (c->wake == CMD_WAKE_KEY) {
		/* a destination of another type is WRONGTYPE to the waiter, as
		 * in Redis's serveClientBlockedOnList */
		if (lookup_typed(c, src, OBJ_LIST, 0))
			run_as(c, "lmove", 5, a);
		return;
	}
	int64_t deadline;
	int idx;
	if (block_parse_timeout(c->r, &c->argv[tidx], c->env->now_ms, &deadline))
		return;
	if (first_existing(c, src, 1, OBJ_LIST, &idx))
		return;
	if (idx >= 0)
		run_as(c, "lmove", 5, a);
	else
		park(c, src, 1, deadline, true);
}

static void cmd_blmove(struct cmd_ctx *c)
{
	enum list_where from, to;
	if (list_arg_where(c->r, &c->argv[3], &from) || list_arg_where(c->r, &c->argv[4], &to))
		return;
	bmove(c, from, to, 5);
}

static void cmd_brpoplpush(struct cmd_ctx *c) { bmove(c, LIST_TAIL, LIST_HEAD, 3); }

/* ---- BLMPOP / BZMPOP timeout numkeys key [key ...] where [COUNT count] */

/* Run the non-blocking form (LMPOP / ZMPOP numkeys key ... where [COUNT n])
 * on this shard: argv without the timeout. */
static void run_mpop(struct cmd_ctx *c, const char *name)
{
	struct resp_arg *a = malloc(sizeof(*a) * (size_t)(c->argc - 1));
	if (!a) {
		cmd_reply_oom(c->r);
		return;
	}
	memcpy(a + 1, c->argv + 2, sizeof(*a) * (size_t)(c->argc - 2));
	a[0] = (struct resp_arg){ name, strlen(name) };
	run_as(c, name, c->argc - 1, a);
	free(a);
}

/* The same on one key: name 1 key where COUNT count. */
static void run_mpop_key(struct cmd_ctx *c, const char *name, const struct resp_arg *key,
			 struct resp_arg where, long count)
{
	char cbuf[24];
	int clen = util_ll_to_str(cbuf, sizeof(cbuf), count);
	struct resp_arg a[6] = { { name, strlen(name) }, ARG("1"), *key, where, ARG("COUNT"),
				 { cbuf, (size_t)clen } };
	run_as(c, name, 6, a);
}

static void bmpop(struct cmd_ctx *c, int type, long numkeys, struct resp_arg where, long count)
{
	const char *name = type == OBJ_LIST ? "lmpop" : "zmpop";
	const struct resp_arg *keys = &c->argv[3];
	if (c->wake == CMD_WAKE_TIMEOUT) {
		reply_null_array(c->r);
		return;
	}
	if (c->wake == CMD_WAKE_KEY) {
		if (lookup_typed(c, c->wake_key, type, 0))
			run_mpop_key(c, name, c->wake_key, where, count);
		return;
	}
	int64_t deadline;
	if (block_parse_timeout(c->r, &c->argv[1], c->env->now_ms, &deadline))
		return;
	for (long i = 0; i < numkeys; i++) {
		if (shard_lookup(c->env->shard, c->db, keys[i].ptr, keys[i].len, LOOKUP_NOTOUCH)) {
			run_mpop(c, name); /* pops, or WRONGTYPE, in Redis's key order */
			return;
		}
	}
	park(c, keys, (int)numkeys, deadline, false);
}

static void cmd_blmpop(struct cmd_ctx *c)
{
	struct lmpop_args a;
	if (list_lmpop_args(c->r, c->argc - 1, c->argv + 1, &a))
		return;
	bmpop(c, OBJ_LIST, a.numkeys, where_arg(a.where), a.count);
}

static void cmd_bzmpop(struct cmd_ctx *c)
{
	long numkeys, count;
	bool max;
	if (zset_parse_mpop(c->r, c->argc - 1, c->argv + 1, &numkeys, &max, &count))
		return;
	bmpop(c, OBJ_ZSET, numkeys, max ? ARG("MAX") : ARG("MIN"), count);
}

/* ---- BZPOPMIN BZPOPMAX key [key ...] timeout */

struct zpop_emit {
	struct reply *r;
};

static int emit_member(void *arg, const char *m, size_t len, double score)
{
	struct zpop_emit *x = arg;
	reply_bulk(x->r, m, len);
	reply_double(x->r, score);
	return 0;
}

/* [key, member, score] of the lowest (highest) member of e, popped. */
static void zpop_with_key(struct cmd_ctx *c, const struct resp_arg *key, struct sentry *e,
			  bool max)
{
	size_t card = zset_card(e);
	struct zpop_emit x = { c->r };
	reply_array(c->r, 3);
	reply_bulk(c->r, key->ptr, key->len);
	zset_range_rank(e, 0, 0, max, emit_member, &x);
	zset_remove_rank(c->env->shard, e, max ? card - 1 : 0, max ? card - 1 : 0);
	zset_delete_if_empty(c, e);
}

static void bzpop(struct cmd_ctx *c, bool max)
{
	struct sentry *e;
	if (c->wake == CMD_WAKE_TIMEOUT) {
		reply_null_array(c->r);
		return;
	}
	if (c->wake == CMD_WAKE_KEY) {
		if ((e = lookup_typed(c, c->wake_key, OBJ_ZSET, 0)) != NULL)
			zpop_with_key(c, c->wake_key, e, max);
		return;
	}
	int64_t deadline;
	int idx, nkeys = c->argc - 2;
	if (block_parse_timeout(c->r, &c->argv[c->argc - 1], c->env->now_ms, &deadline))
		return;
	if (first_existing(c, &c->argv[1], nkeys, OBJ_ZSET, &idx))
		return;
	if (idx >= 0) {
		e = lookup_typed(c, &c->argv[1 + idx], OBJ_ZSET, LOOKUP_NOTOUCH);
		zpop_with_key(c, &c->argv[1 + idx], e, max);
	} else {
		park(c, &c->argv[1], nkeys, deadline, false);
	}
}

static void cmd_bzpopmin(struct cmd_ctx *c) { bzpop(c, false); }
static void cmd_bzpopmax(struct cmd_ctx *c) { bzpop(c, true); }

/* ---- __bwatch list|zset deadline_ms key [key ...]
 *
 * A coordinator's watch: ":1" once one of the keys holds the type (at once
 * if one does already), ":0" at the deadline (unix ms, 0 = none). It pops
 * nothing: the coordinator then tries its round again. */
static void cmd_bwatch(struct cmd_ctx *c)
{
	int type = cmd_arg_is(&c->argv[1], "zset") ? OBJ_ZSET : OBJ_LIST;
	if (c->wake == CMD_WAKE_TIMEOUT) {
		reply_int(c->r, 0);
		return;
	}
	if (c->wake == CMD_WAKE_KEY) {
		if (lookup_typed(c, c->wake_key, type, LOOKUP_NOTOUCH))
			reply_int(c->r, 1);
		return;
	}
	long long deadline = 0;
	cmd_parse_ll(&c->argv[2], &deadline);
	for (int i = 3; i < c->argc; i++) {
		if (lookup_typed(c, &c->argv[i], type, LOOKUP_NOTOUCH)) {
			reply_int(c->r, 1);
			return;
		}
	}
	if (deadline > 0 && deadline <= c->env->now_ms) {
		reply_int(c->r, 0);
		return;
	}
	if (c->env->block &&
	    c->env->block(c->env, c, &c->argv[3], c->argc - 3, deadline, CMD_BLOCK_NOTIFY) == 0)
		return;
	reply_int(c->r, 0);
}

/* ---- CLIENT UNBLOCK id [TIMEOUT|ERROR] (Redis's clientCommand: the
 * reason is checked before the id). The client may be on any worker: each
 * is asked, and the one that has it answers :1 if it was blocked. */

/* __clientunblock id 0|1 (1 = ERROR) */
static void cmd_int_clientunblock(struct cmd_ctx *c)
{
	long long id = 0;
	cmd_parse_ll(&c->argv[1], &id);
	int n = c->env->unblock_client
			? c->env->unblock_client(c->env, (uint64_t)id, cmd_arg_is(&c->argv[2], "1"))
			: 0;
	reply_int(c->r, n);
}

enum coord_result block_coord_client_unblock(struct coord_ctx *cc)
{
	if (cc->phase > 0) {
		long long sum = 0;
		for (int i = 0; i < cc->nsub; i++) {
			struct resp_item it;
			size_t pos = 0;
			if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos, &it) == 0 &&
			    it.type == ':')
				sum += it.ival;
		}
		reply_int(cc->r, sum ? 1 : 0);
		return COORD_DONE;
	}
	if (cc->argc > 4) {
		reply_error(cc->r, "ERR unknown subcommand or wrong number of arguments for 'unblock'. "
				   "Try CLIENT HELP.");
		return COORD_DONE;
	}
	bool error = false;
	if (cc->argc == 4) {
		if (cmd_arg_is(&cc->argv[3], "error"))
			error = true;
		else if (!cmd_arg_is(&cc->argv[3], "timeout")) {
			reply_error(cc->r, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
			return COORD_DONE;
		}
	}
	long long id;
	if (cmd_arg_ll(cc->r, &cc->argv[2], &id, NULL))
		return COORD_DONE;
	struct resp_arg a[3] = { ARG("__clientunblock"), cc->argv[2], error ? ARG("1") : ARG("0") };
	for (int w = 0; w < cc->env->nworkers; w++)
		cc->send(cc, w, cc->db, 3, a);
	return COORD_WAIT;
}

#define W CMD_WRITE
#define R CMD_READONLY
#define OOM CMD_DENYOOM
#define F CMD_FAST
#define I CMD_INTERNAL
#define B CMD_BLOCKING
#define NK2 CMD_NUMKEYS_AT2

const struct cmd_def cmd_block_table[] = {
	{"blpop", -3, W | B, 1, -2, 1, ROUTE_KEYS, cmd_blpop, block_coord_pop, NULL},
	{"brpop", -3, W | B, 1, -2, 1, ROUTE_KEYS, cmd_brpop, block_coord_pop, NULL},
	{"brpoplpush", 4, W | OOM | B, 1, 2, 1, ROUTE_KEYS, cmd_brpoplpush, block_coord_move, NULL},
	{"blmove", 6, W | OOM | B, 1, 2, 1, ROUTE_KEYS, cmd_blmove, block_coord_move, NULL},
	/* movable keys: Redis's key spec is 0 0 0; CMD_NUMKEYS_AT2 finds them */
	{"blmpop", -5, W | B | NK2, 0, 0, 0, ROUTE_KEYS, cmd_blmpop, block_coord_mpop, NULL},
	{"bzpopmin", -3, W | F | B, 1, -2, 1, ROUTE_KEYS, cmd_bzpopmin, block_coord_pop, NULL},
	{"bzpopmax", -3, W | F | B, 1, -2, 1, ROUTE_KEYS, cmd_bzpopmax, block_coord_pop, NULL},
	{"bzmpop", -5, W | B | NK2, 0, 0, 0, ROUTE_KEYS, cmd_bzmpop, block_coord_mpop, NULL},
	{"__bwatch", -4, R | I, 3, -1, 1, ROUTE_KEYS, cmd_bwatch, NULL, NULL},
	{"__clientunblock", 3, CMD_ADMIN | I, 0, 0, 0, ROUTE_CONN, cmd_int_clientunblock, NULL, NULL},
	{NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL},
};
