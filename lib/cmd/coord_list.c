/*
 * Coordinators of the list family's multi-key commands whose keys live on
 * several workers: LMOVE, RPOPLPUSH, LMPOP. They run on the client's worker
 * (struct coord_ctx, cmd.h); the client's later commands wait until they
 * are done, so the client itself sees Redis's results in Redis's order.
 *
 * Atomicity, compared with Redis running the whole command at one instant:
 *
 * LMOVE / RPOPLPUSH src dst (src and dst on different workers), phases:
 *   0. __lmove_check dst at dst's owner: is dst absent or a list?
 *   1. __lmove_pop src FROM ok at src's owner: null if src is absent,
 *      WRONGTYPE if src is not a list, WRONGTYPE without popping if phase 0
 *      found dst of another type (Redis's order of checks), else pop one
 *      element and reply it.
 *   2. LPUSH/RPUSH dst element at dst's owner.
 *   3. only if that push failed (dst was turned into another type between
 *      phases 0 and 2): LPUSH/RPUSH src element at src's owner puts the
 *      element back at the end it came from, and the reply is WRONGTYPE.
 *      (If the coordinator has no memory to keep the element after phase
 *      1, it pushes it back to src at once and replies the OOM error.)
 * The element is therefore never duplicated, and never lost unless src is
 * also replaced by a non-list between phases 1 and 3 (then the undo push
 * fails and the element is gone; Redis cannot interleave these at all).
 * An element put back lands at its end of src behind anything pushed
 * there meanwhile, and if the pop had emptied src (deleting the key and
 * its TTL) the undo recreates src without a TTL.
 * Between phases 1 and 2 another client can see the element in neither
 * list, and a concurrent LLEN of both may miss it. Keys that share a
 * {hashtag} are on one worker and keep Redis's atomicity.
 *
 * LMPOP numkeys key ... : the keys are taken in order, in runs of
 * consecutive keys that share an owner; each run is sent as an LMPOP of
 * its own to that owner, one run after the other, and the first reply that
 * is not a null array (an element array or WRONGTYPE) is the answer. Each
 * run is atomic on its worker; across runs, a key of an earlier run that
 * gets elements after it was checked is not looked at again (Redis checks
 * all keys at one instant).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_list_int.h"
#include "cmd/cmd_util.h"

#define ARG(lit) ((struct resp_arg){ (lit), sizeof(lit) - 1 })

static bool is_null_reply(const struct coord_sub *s)
{
	return (s->len == 3 && memcmp(s->reply, "_\r\n", 3) == 0) ||
	       (s->len == 5 && (memcmp(s->reply, "$-1\r\n", 5) == 0 ||
				memcmp(s->reply, "*-1\r\n", 5) == 0));
}

static bool is_error_reply(const struct coord_sub *s) { return s->len && s->reply[0] == '-'; }

static bool is_wrongtype(const struct coord_sub *s)
{
	return s->len >= 10 && memcmp(s->reply, "-WRONGTYPE", 10) == 0;
}

static void reply_bad_sub(struct coord_ctx *cc, const char *cmd)
{
	reply_errorf(cc->r, "ERR internal error: bad sub-reply for %s", cmd);
}

/* ---- LMOVE / RPOPLPUSH */

struct lmove_state {
	enum list_where from, to;
	char *elem;          /* the popped element (malloc'd), phases 2-3 */
	size_t elen;
	bool undo;           /* no memory to keep it: phase 2 pushed it back to src */
	char *err;           /* phase 3: the push's error if not WRONGTYPE (malloc'd) */
	size_t errlen;
};

static void lmove_push_args(struct resp_arg argv[3], enum list_where where,
			    const struct resp_arg *key, const struct lmove_state *st)
{
	argv[0] = where == LIST_HEAD ? ARG("LPUSH") : ARG("RPUSH");
	argv[1] = *key;
	argv[2] = (struct resp_arg){ st->elem, st->elen };
}

static enum coord_result lmove_done(struct coord_ctx *cc)
{
	struct lmove_state *st = cc->state;
	if (st) {
		free(st->elem);
		free(st->err);
		free(st);
	}
	cc->state = NULL;
	return COORD_DONE;
}

/* Keys at argv[1] (src) and argv[2] (dst); from/to already parsed. */
static enum coord_result lmove_phase(struct coord_ctx *cc, enum list_where from,
				     enum list_where to, const char *name)
{
	const struct resp_arg *src = &cc->argv[1], *dst = &cc->argv[2];
	int sw = cmd_key_owner(cc->env, src->ptr, src->len);
	int dw = cmd_key_owner(cc->env, dst->ptr, dst->len);
	struct lmove_state *st = cc->state;
	const struct coord_sub *sub = cc->nsub ? &cc->sub[0] : NULL;

	switch (cc->phase) {
	case 0: {
		st = calloc(1, sizeof(*st));
		if (!st) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		st->from = from;
		st->to = to;
		cc->state = st;
		struct resp_arg argv[2] = { ARG("__lmove_check"), *dst };
		cc->send(cc, dw, cc->db, 2, argv);
		return COORD_WAIT;
	}
	case 1: {
		if (!sub || (!is_error_reply(sub) && !(sub->len == 4 && !memcmp(sub->reply, ":1\r\n", 4)))) {
			reply_bad_sub(cc, name);
			return lmove_done(cc);
		}
		if (is_error_reply(sub) && !is_wrongtype(sub)) { /* e.g. out of memory */
			reply_raw(cc->r, sub->reply, sub->len);
			return lmove_done(cc);
		}
		struct resp_arg argv[4] = {
			ARG("__lmove_pop"), *src, st->from == LIST_HEAD ? ARG("LEFT") : ARG("RIGHT"),
			is_error_reply(sub) ? ARG("0") : ARG("1"),
		};
		cc->send(cc, sw, cc->db, 4, argv);
		return COORD_WAIT;
	}
	case 2: {
		struct resp_item it;
		size_t pos = 0;
		if (!sub) {
			reply_bad_sub(cc, name);
			return lmove_done(cc);
		}
		if (is_null_reply(sub) || is_error_reply(sub)) {
			reply_raw(cc->r, sub->reply, sub->len);
			return lmove_done(cc);
		}
		if (resp_read_item(sub->reply, sub->len, &pos, &it) || it.type != '$') {
			reply_bad_sub(cc, name);
			return lmove_done(cc);
		}
		struct resp_arg argv[3];
		st->elem = malloc(it.len ? it.len : 1);
		if (!st->elem) {
			/* no copy for the reply: give the element back to src now */
			st->undo = true;
			st->elem = (char *)it.ptr; /* argv is copied by send() */
			st->elen = it.len;
			lmove_push_args(argv, st->from, src, st);
			st->elem = NULL;
			cc->send(cc, sw, cc->db, 3, argv);
			return COORD_WAIT;
		}
		memcpy(st->elem, it.ptr, it.len);
		st->elen = it.len;
		lmove_push_args(argv, st->to, dst, st);
		cc->send(cc, dw, cc->db, 3, argv);
		return COORD_WAIT;
	}
	case 3:
		if (st->undo) {
			cmd_reply_oom(cc->r);
			return lmove_done(cc);
		}
		if (sub && !is_error_reply(sub)) {
			reply_bulk(cc->r, st->elem, st->elen);
			return lmove_done(cc);
		}
		/* dst changed type since phase 0 (or the push failed): give the
		 * element back to src, then reply the push's error */
		if (sub && !is_wrongtype(sub) && (st->err = malloc(sub->len)) != NULL) {
			memcpy(st->err, sub->reply, sub->len);
			st->errlen = sub->len;
		}
		struct resp_arg argv[3];
		lmove_push_args(argv, st->from, src, st);
		cc->send(cc, sw, cc->db, 3, argv);
		return COORD_WAIT;
	default:
		if (st->err)
			reply_raw(cc->r, st->err, st->errlen);
		else
			cmd_reply_wrongtype(cc->r);
		return lmove_done(cc);
	}
}

enum coord_result list_lmove_coord(struct coord_ctx *cc)
{
	enum list_where from = LIST_HEAD, to = LIST_HEAD;
	if (cc->phase == 0 && (list_arg_where(cc->r, &cc->argv[3], &from) ||
			       list_arg_where(cc->r, &cc->argv[4], &to)))
		return COORD_DONE;
	return lmove_phase(cc, from, to, "LMOVE");
}

enum coord_result list_rpoplpush_coord(struct coord_ctx *cc)
{
	return lmove_phase(cc, LIST_TAIL, LIST_HEAD, "RPOPLPUSH");
}

enum coord_result list_lmove_steps(struct coord_ctx *cc, enum list_where from,
				   enum list_where to)
{
	return lmove_phase(cc, from, to, "LMOVE");
}

/* ---- LMPOP */

struct lmpop_state {
	struct lmpop_args a;
	long next;           /* first key (0-based) of the next run */
};

static enum coord_result lmpop_done(struct coord_ctx *cc)
{
	free(cc->state);
	cc->state = NULL;
	return COORD_DONE;
}

/* Send LMPOP for the run of keys starting at st->next that share an owner. */
static void lmpop_send_run(struct coord_ctx *cc, struct lmpop_state *st,
			   struct resp_arg *argv)
{
	const struct resp_arg *keys = &cc->argv[2];
	int owner = cmd_key_owner(cc->env, keys[st->next].ptr, keys[st->next].len);
	long end = st->next + 1;
	while (end < st->a.numkeys && cmd_key_owner(cc->env, keys[end].ptr, keys[end].len) == owner)
		end++;
	long n = end - st->next;
	char nbuf[24], cbuf[24];
	int nlen = util_ll_to_str(nbuf, sizeof(nbuf), n);
	int clen = util_ll_to_str(cbuf, sizeof(cbuf), st->a.count);
	int argc = 0;
	argv[argc++] = ARG("LMPOP");
	argv[argc++] = (struct resp_arg){ nbuf, (size_t)nlen };
	for (long j = st->next; j < end; j++)
		argv[argc++] = keys[j];
	argv[argc++] = st->a.where == LIST_HEAD ? ARG("LEFT") : ARG("RIGHT");
	argv[argc++] = ARG("COUNT");
	argv[argc++] = (struct resp_arg){ cbuf, (size_t)clen };
	cc->send(cc, owner, cc->db, argc, argv);
	st->next = end;
}

enum coord_result list_lmpop_coord(struct coord_ctx *cc)
{
	struct lmpop_state *st = cc->state;
	if (cc->phase == 0) {
		struct lmpop_args a;
		if (list_lmpop_args(cc->r, cc->argc, cc->argv, &a))
			return COORD_DONE;
		st = calloc(1, sizeof(*st));
		if (!st) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		st->a = a;
		cc->state = st;
	} else {
		const struct coord_sub *sub = cc->nsub ? &cc->sub[0] : NULL;
		if (!sub) {
			reply_bad_sub(cc, "LMPOP");
			return lmpop_done(cc);
		}
		if (!is_null_reply(sub)) {
			reply_raw(cc->r, sub->reply, sub->len);
			return lmpop_done(cc);
		}
	}
	if (st->next >= st->a.numkeys) {
		reply_null_array(cc->r);
		return lmpop_done(cc);
	}
	/* a run needs at most numkeys + 5 arguments */
	struct resp_arg *argv = malloc(sizeof(*argv) * (size_t)(st->a.numkeys + 5));
	if (!argv) {
		cmd_reply_oom(cc->r);
		return lmpop_done(cc);
	}
	lmpop_send_run(cc, st, argv);
	free(argv);
	return COORD_WAIT;
}
