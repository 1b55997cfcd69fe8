/*
 * Cross-worker coordinators of the sorted-set family.
 *
 * How atomic they are. When all keys of a command (its destination
 * included) live on one worker, the whole command is forwarded there and
 * is exactly as atomic as in Redis; keys sharing a {hashtag} always do.
 * Otherwise:
 *  - ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms read each input at
 *    its owner (__zfetch: a snapshot of that one key), then compute and,
 *    for STORE, write the destination in one step at the destination's
 *    owner (__zsetop). Each input is read atomically, but the inputs are
 *    read at different instants, and a writer may change an input between
 *    the reads and the write of the result. The result is written
 *    atomically (readers see the old or the new destination, never a mix).
 *  - ZRANGESTORE reads the range at the source's owner (__zrangefetch),
 *    then writes it at the destination's owner (__zstoreblob): two steps.
 *  - ZMPOP looks at its keys in order, one owner's run of consecutive
 *    keys at a time (a ZMPOP there), and stops at the first run that pops
 *    something. Each pop is atomic, but a key already passed over may get
 *    members before a later key is popped; Redis would then have popped
 *    the earlier key.
 * Argument errors are found before anything is sent, in Redis's order
 * (WRONGTYPE of an input comes before option errors, as in Redis).
 */
#include "cmd/cmd_zset_int.h"
#include "cmd/coord_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cc->state while the whole command was forwarded to one worker */
static const char forwarded;

/* Forward sub[0]'s reply as the final one. */
static enum coord_result finish_with_sub(struct coord_ctx *cc)
{
	if (cc->nsub >= 1 && cc->sub[0].len)
		reply_raw(cc->r, cc->sub[0].reply, cc->sub[0].len);
	else
		reply_error(cc->r, "ERR internal error: empty sub-reply");
	cc->state = NULL;
	return COORD_DONE;
}

/* Send the whole command to w if every key in keys[] (and extra, if not
 * NULL) is owned by it; true if sent. */
static bool forward_if_one_owner(struct coord_ctx *cc, const struct resp_arg *keys, long n,
				 const struct resp_arg *extra)
{
	int w = extra ? cmd_key_owner(cc->env, extra->ptr, extra->len)
		      : cmd_key_owner(cc->env, keys[0].ptr, keys[0].len);
	for (long i = 0; i < n; i++)
		if (cmd_key_owner(cc->env, keys[i].ptr, keys[i].len) != w)
			return false;
	cc->send(cc, w, cc->db, cc->argc, cc->argv);
	cc->state = (void *)&forwarded;
	return true;
}

/* ---- ZUNION ZINTER ZDIFF ZINTERCARD ZUNIONSTORE ZINTERSTORE ZDIFFSTORE */

static bool has_dst(const struct cmd_def *d)
{
	size_t n = strlen(d->name);
	return n > 5 && strcmp(d->name + n - 5, "store") == 0;
}

enum coord_result zset_coord_setop(struct coord_ctx *cc)
{
	bool dst = has_dst(cc->def);
	int idx = dst ? 2 : 1;
	long n;
	if (zset_setop_keys(cc->r, cc->def->name, cc->argc, cc->argv, idx, &n))
		return COORD_DONE;
	const struct resp_arg *keys = &cc->argv[idx + 1];

	if (cc->phase == 0) {
		if (forward_if_one_owner(cc, keys, n, dst ? &cc->argv[1] : NULL))
			return COORD_WAIT;
		for (long i = 0; i < n; i++) {
			struct resp_arg a[2] = { { ZSET_INTERNAL_FETCH, sizeof(ZSET_INTERNAL_FETCH) - 1 },
						 keys[i] };
			cc->send(cc, cmd_key_owner(cc->env, keys[i].ptr, keys[i].len), cc->db, 2, a);
		}
		return COORD_WAIT;
	}
	if (cc->state == &forwarded || cc->phase == 2)
		return finish_with_sub(cc);

	/* phase 1: the inputs are in; run the command on them where it writes */
	if (cc->nsub != n) {
		reply_error(cc->r, "ERR internal error: missing sub-replies");
		return COORD_DONE;
	}
	if (coord_forward_error(cc))
		return COORD_DONE;
	int argc = 2 + (int)n + cc->argc;
	struct resp_arg *a = malloc(sizeof(*a) * (size_t)argc);
	if (!a) {
		cmd_reply_oom(cc->r);
		return COORD_DONE;
	}
	char nbuf[24];
	a[0] = (struct resp_arg){ ZSET_INTERNAL_SETOP, sizeof(ZSET_INTERNAL_SETOP) - 1 };
	a[1] = (struct resp_arg){ nbuf, (size_t)snprintf(nbuf, sizeof(nbuf), "%ld", n) };
	for (long i = 0; i < n; i++) {
		struct resp_item it;
		size_t pos = 0;
		if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos, &it) != 0 ||
		    (it.type != '$' && it.type != '_')) {
			free(a);
			reply_error(cc->r, "ERR internal error: bad sub-reply");
			return COORD_DONE;
		}
		a[2 + i] = it.type == '$' ? (struct resp_arg){ it.ptr, it.len }
					  : (struct resp_arg){ "", 0 };
	}
	memcpy(a + 2 + n, cc->argv, sizeof(*a) * (size_t)cc->argc);
	int w = dst ? cmd_key_owner(cc->env, cc->argv[1].ptr, cc->argv[1].len) : cc->env->worker_id;
	cc->send(cc, w, cc->db, argc, a);
	free(a);
	return COORD_WAIT;
}

/* ---- ZRANGESTORE dst src ... (called only when dst and src differ in owner) */

enum coord_result zset_coord_rangestore(struct coord_ctx *cc)
{
	const struct resp_arg *dst = &cc->argv[1], *src = &cc->argv[2];
	switch (cc->phase) {
	case 0: {
		struct resp_arg *a = malloc(sizeof(*a) * (size_t)cc->argc);
		if (!a) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		memcpy(a, cc->argv, sizeof(*a) * (size_t)cc->argc);
		a[0] = (struct resp_arg){ ZSET_INTERNAL_RANGEFETCH, sizeof(ZSET_INTERNAL_RANGEFETCH) - 1 };
		cc->send(cc, cmd_key_owner(cc->env, src->ptr, src->len), cc->db, cc->argc, a);
		free(a);
		return COORD_WAIT;
	}
	case 1: {
		struct resp_item it;
		size_t pos = 0;
		if (coord_forward_error(cc))
			return COORD_DONE;
		if (cc->nsub != 1 || resp_read_item(cc->sub[0].reply, cc->sub[0].len, &pos, &it) != 0 ||
		    it.type != '$') {
			reply_error(cc->r, "ERR internal error: bad sub-reply");
			return COORD_DONE;
		}
		struct resp_arg a[3] = {
			{ ZSET_INTERNAL_STOREBLOB, sizeof(ZSET_INTERNAL_STOREBLOB) - 1 }, *dst,
			{ it.ptr, it.len },
		};
		cc->send(cc, cmd_key_owner(cc->env, dst->ptr, dst->len), cc->db, 3, a);
		return COORD_WAIT;
	}
	default:
		return finish_with_sub(cc);
	}
}

/* ---- ZMPOP numkeys key.. MIN|MAX [COUNT c] */

struct mpop_state {
	long next;      /* first key not asked yet */
};

/* Ask the owner of keys[next] about the run of keys it owns from there. */
static enum coord_result mpop_ask(struct coord_ctx *cc, struct mpop_state *st, long numkeys)
{
	const struct resp_arg *keys = &cc->argv[2];
	int w = cmd_key_owner(cc->env, keys[st->next].ptr, keys[st->next].len);
	long end = st->next + 1;
	while (end < numkeys && cmd_key_owner(cc->env, keys[end].ptr, keys[end].len) == w)
		end++;
	long run = end - st->next, tail = cc->argc - (2 + numkeys);
	int argc = 2 + (int)run + (int)tail;
	struct resp_arg *a = malloc(sizeof(*a) * (size_t)argc);
	if (!a) {
		free(st);
		cc->state = NULL;
		cmd_reply_oom(cc->r);
		return COORD_DONE;
	}
	char nbuf[24];
	a[0] = cc->argv[0];
	a[1] = (struct resp_arg){ nbuf, (size_t)snprintf(nbuf, sizeof(nbuf), "%ld", run) };
	memcpy(a + 2, keys + st->next, sizeof(*a) * (size_t)run);
	memcpy(a + 2 + run, cc->argv + 2 + numkeys, sizeof(*a) * (size_t)tail);
	cc->send(cc, w, cc->db, argc, a);
	free(a);
	st->next = end;
	return COORD_WAIT;
}

enum coord_result zset_coord_mpop(struct coord_ctx *cc)
{
	long numkeys, count;
	bool max;
	if (cc->phase == 0) {
		if (zset_parse_mpop(cc->r, cc->argc, cc->argv, &numkeys, &max, &count))
			return COORD_DONE;
		if (forward_if_one_owner(cc, &cc->argv[2], numkeys, NULL))
			return COORD_WAIT;
		struct mpop_state *st = calloc(1, sizeof(*st));
		if (!st) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		cc->state = st;
		return mpop_ask(cc, st, numkeys);
	}
	if (cc->state == &forwarded)
		return finish_with_sub(cc);
	struct mpop_state *st = cc->state;
	struct resp_item it;
	size_t pos = 0;
	zset_parse_mpop(cc->r, cc->argc, cc->argv, &numkeys, &max, &count); /* valid: phase 0 */
	bool empty = cc->nsub == 1 &&
		     resp_read_item(cc->sub[0].reply, cc->sub[0].len, &pos, &it) == 0 && it.type == '_';
	if (empty && st->next < numkeys)
		return mpop_ask(cc, st, numkeys);
	free(st);
	cc->state = NULL;
	if (empty) {
		reply_null_array(cc->r);
		return COORD_DONE;
	}
	return finish_with_sub(cc);
}
