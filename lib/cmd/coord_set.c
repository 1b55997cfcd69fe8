/*
 * Coordinators of the set family, for commands whose keys live on several
 * workers. They run on the client's worker and reach the owners only with
 * sub-requests; arguments are checked before anything is sent, and the
 * reply is the one Redis gives for the same command.
 *
 * SINTER SUNION SDIFF SINTERCARD: each source set is read with SMEMBERS on
 * its owner (or, when all sources share one owner, the whole operation runs
 * there), the members are rebuilt as sets in a scratch shard, and the same
 * algebra as the local commands (cmd_setops.c) computes the result. Each
 * source is read atomically, but not all at the same instant: a concurrent
 * writer may be seen in one source and not yet in another.
 *
 * SINTERSTORE SUNIONSTORE SDIFFSTORE: as above, then __sstore writes the
 * result at the destination's owner in one step (the destination is
 * replaced atomically, its TTL cleared, or deleted when the result is
 * empty). A source changed between the read and the write is not seen.
 *
 * SMOVE src dst member (src and dst on different workers), in steps:
 *   1. __sprobe src and dst (type and membership), to give Redis's replies:
 *      0 if src is missing, WRONGTYPE if either key is not a set, 0 if the
 *      member is not in src;
 *   2. SREM src member: 0 means another client removed it meanwhile -> 0;
 *   3. SADD dst member -> 1.
 *   If step 3 fails (dst became a non-set, or out of memory), SADD src
 *   member puts the member back and the error is the reply.
 * What a concurrent client may observe: between steps 2 and 3 the member
 * is in neither set (never in both, and never duplicated); a client that
 * SREMs it from src between steps 1 and 2 wins, and SMOVE replies 0. If
 * step 3 fails and src became a non-set too, the member is lost (two other
 * clients must have overwritten both keys with other types meanwhile).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/coord_util.h"
#include "cmd/set_int.h"

static const char nomem_error[] = "ERR out of memory";

static const struct resp_arg arg_smembers = { "smembers", 8 };

static enum coord_result fail_nomem(struct coord_ctx *cc)
{
	reply_error(cc->r, nomem_error);
	return COORD_DONE;
}

/* One integer sub-reply, or false. */
static bool sub_int(const struct coord_ctx *cc, int i, long long *v)
{
	size_t pos = 0;
	struct resp_item it;
	if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos, &it) || it.type != ':')
		return false;
	*v = it.ival;
	return true;
}

static bool sub_is_error(const struct coord_ctx *cc, int i)
{
	return cc->sub[i].len && cc->sub[i].reply[0] == '-';
}

static void forward_sub(struct coord_ctx *cc, int i)
{
	reply_raw(cc->r, cc->sub[i].reply, cc->sub[i].len);
}

/* The members of a set/array sub-reply into ml. 0 or -ENOMEM / -EINVAL. */
static int sub_members(const struct coord_ctx *cc, int i, struct mlist *ml)
{
	const char *b = cc->sub[i].reply;
	size_t len = cc->sub[i].len, pos = 0;
	struct resp_item it;
	if (resp_read_item(b, len, &pos, &it) || (it.type != '*' && it.type != '~'))
		return -EINVAL;
	for (long long k = 0; k < it.ival; k++) {
		struct resp_item m;
		if (resp_read_item(b, len, &pos, &m) || m.type != '$')
			return -EINVAL;
		if (mlist_push(ml, m.ptr, m.len))
			return -ENOMEM;
	}
	return 0;
}

/* Send argv[first..first+n) each as "SMEMBERS key" to its owner, or, when
 * one worker owns them all, the whole `whole` command there. Returns true
 * when the whole command was sent. */
static bool send_sources(struct coord_ctx *cc, int first, int n, int wargc,
			 const struct resp_arg *wargv)
{
	int owner = cmd_key_owner(cc->env, cc->argv[first].ptr, cc->argv[first].len);
	bool one = true;
	for (int j = 1; j < n && one; j++)
		one = cmd_key_owner(cc->env, cc->argv[first + j].ptr, cc->argv[first + j].len) ==
		      owner;
	if (one && wargc) {
		cc->send(cc, owner, cc->db, wargc, wargv);
		return true;
	}
	for (int j = 0; j < n; j++) {
		const struct resp_arg *k = &cc->argv[first + j];
		struct resp_arg a[2] = { arg_smembers, *k };
		cc->send(cc, cmd_key_owner(cc->env, k->ptr, k->len), cc->db, 2, a);
	}
	return false;
}

/* Rebuild the n gathered sources (sub-replies 0..n) as sets of a scratch
 * shard and run the algebra there. 0 or -ENOMEM. */
static int compute_gathered(struct coord_ctx *cc, int n, enum setop op, struct set_out *o)
{
	struct shard *scratch = shard_new(1);
	struct sentry **sets = calloc((size_t)n, sizeof(*sets));
	int rc = scratch && sets ? 0 : -ENOMEM;
	for (int j = 0; j < n && !rc; j++) {
		struct mlist ml = { 0 };
		const char **ptrs = NULL;
		char name[16];
		int nl = snprintf(name, sizeof(name), "%d", j);
		rc = sub_members(cc, j, &ml);
		if (!rc && ml.n)
			rc = mlist_ptrs(&ml, &ptrs);
		if (!rc && ml.n) {
			/* encoded as on the owner, so small integer sets come out in
			 * order as Redis's intsets do */
			if (set_store(scratch, 0, name, (size_t)nl, ml.n, ptrs, ml.len,
				      set_max_intset(cc->env)) < 0)
				rc = -ENOMEM;
			else
				sets[j] = shard_lookup(scratch, 0, name, (size_t)nl, LOOKUP_NOTOUCH);
		}
		free(ptrs);
		mlist_free(&ml);
	}
	if (!rc)
		rc = set_algebra(scratch, sets, n, op, o);
	free(sets);
	if (scratch)
		shard_free(scratch);
	return rc;
}

/* ------------------------------------- SINTER SUNION SDIFF and *STORE */

struct algebra_state {
	enum setop op;
	bool store;
	bool whole;   /* the sources' owner ran the (non-STORE) command */
};

static enum coord_result algebra_done(struct coord_ctx *cc)
{
	free(cc->state);
	cc->state = NULL;
	return COORD_DONE;
}

/* Phase 1 of a STORE: send __sstore dst members to dst's owner. */
static enum coord_result send_store(struct coord_ctx *cc, const struct mlist *ml)
{
	struct resp_arg *a = malloc((ml->n + 2) * sizeof(*a));
	if (!a)
		return fail_nomem(cc);
	a[0] = (struct resp_arg){ "__sstore", 8 };
	a[1] = cc->argv[1];
	for (size_t i = 0; i < ml->n; i++)
		a[2 + i] = (struct resp_arg){ ml->buf + ml->off[i], ml->len[i] };
	cc->send(cc, cmd_key_owner(cc->env, cc->argv[1].ptr, cc->argv[1].len), cc->db,
		 (int)ml->n + 2, a);
	free(a);
	return COORD_WAIT;
}

static enum coord_result algebra_results(struct coord_ctx *cc)
{
	struct algebra_state *st = cc->state;
	int first = st->store ? 2 : 1, n = cc->argc - first;
	if (coord_forward_error(cc))
		return algebra_done(cc);
	struct set_out o = { .mode = st->store ? SETOUT_COLLECT : SETOUT_REPLY, .r = cc->r };
	int rc;
	if (st->whole) /* only for the STORE forms: the result's members */
		rc = sub_members(cc, 0, &o.ml);
	else
		rc = compute_gathered(cc, n, st->op, &o);
	enum coord_result res = COORD_DONE;
	if (rc)
		reply_error(cc->r, nomem_error);
	else if (st->store)
		res = send_store(cc, &o.ml);
	mlist_free(&o.ml);
	return res == COORD_DONE ? algebra_done(cc) : res;
}

enum coord_result set_coord_algebra(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		struct algebra_state *st = calloc(1, sizeof(*st));
		if (!st)
			return fail_nomem(cc);
		cc->state = st;
		const char *name = cc->def->name;
		st->store = strstr(name, "store") != NULL;
		st->op = name[1] == 'd' ? SETOP_DIFF : name[1] == 'u' ? SETOP_UNION : SETOP_INTER;
		int first = st->store ? 2 : 1;
		/* a STORE whose sources share one owner: that owner computes */
		struct resp_arg *whole = NULL;
		int wargc = 0;
		if (st->store) {
			static const struct resp_arg ops[] = {
				[SETOP_INTER] = { "sinter", 6 },
				[SETOP_UNION] = { "sunion", 6 },
				[SETOP_DIFF] = { "sdiff", 5 },
			};
			wargc = cc->argc - 1;
			whole = malloc((size_t)wargc * sizeof(*whole));
			if (!whole) {
				algebra_done(cc);
				return fail_nomem(cc);
			}
			whole[0] = ops[st->op];
			memcpy(whole + 1, cc->argv + 2, (size_t)(wargc - 1) * sizeof(*whole));
		}
		st->whole = send_sources(cc, first, cc->argc - first, wargc, whole);
		free(whole);
		return COORD_WAIT;
	}
	if (cc->phase == 1)
		return algebra_results(cc);
	/* phase 2: __sstore's reply (the cardinality, or an error) */
	forward_sub(cc, 0);
	return algebra_done(cc);
}

/* ---------------------------------------------------------- SINTERCARD */

struct intercard_state {
	bool whole;
	long numkeys;
	unsigned long limit;
};

enum coord_result set_coord_intercard(struct coord_ctx *cc)
{
	struct intercard_state *st = cc->state;
	if (cc->phase == 0) {
		long n;
		unsigned long limit;
		if (set_intercard_args(cc->r, cc->argc, cc->argv, &n, &limit))
			return COORD_DONE;
		st = calloc(1, sizeof(*st));
		if (!st)
			return fail_nomem(cc);
		*st = (struct intercard_state){ .numkeys = n, .limit = limit };
		cc->state = st;
		st->whole = send_sources(cc, 2, (int)n, cc->argc, cc->argv);
		return COORD_WAIT;
	}
	if (st->whole) {
		forward_sub(cc, 0);
	} else if (!coord_forward_error(cc)) {
		struct set_out o = { .mode = SETOUT_COUNT, .limit = st->limit };
		if (compute_gathered(cc, (int)st->numkeys, SETOP_INTER, &o))
			reply_error(cc->r, nomem_error);
		else
			reply_int(cc->r, (long long)o.count);
	}
	free(st);
	cc->state = NULL;
	return COORD_DONE;
}

/* --------------------------------------------------------------- SMOVE */

struct smove_state {
	char *err;    /* SADD dst's error, replied after the member is put back */
	size_t errlen;
};

static void send_member_cmd(struct coord_ctx *cc, const char *cmd, const struct resp_arg *key)
{
	struct resp_arg a[3] = { { cmd, strlen(cmd) }, *key, cc->argv[3] };
	cc->send(cc, cmd_key_owner(cc->env, key->ptr, key->len), cc->db, 3, a);
}

static enum coord_result smove_done(struct coord_ctx *cc)
{
	struct smove_state *st = cc->state;
	if (st)
		free(st->err);
	free(st);
	cc->state = NULL;
	return COORD_DONE;
}

enum coord_result set_coord_smove(struct coord_ctx *cc)
{
	const struct resp_arg *src = &cc->argv[1], *dst = &cc->argv[2];
	long long v;
	switch (cc->phase) {
	case 0:
		send_member_cmd(cc, "__sprobe", src);
		send_member_cmd(cc, "__sprobe", dst);
		return COORD_WAIT;
	case 1: {
		if (sub_is_error(cc, 0)) {
			forward_sub(cc, 0);
			return COORD_DONE;
		}
		if (!sub_int(cc, 0, &v) || v < 0) { /* no source */
			reply_int(cc->r, 0);
			return COORD_DONE;
		}
		if (sub_is_error(cc, 1)) {
			forward_sub(cc, 1);
			return COORD_DONE;
		}
		if (v == 0) {
			reply_int(cc->r, 0);
			return COORD_DONE;
		}
		send_member_cmd(cc, "srem", src);
		return COORD_WAIT;
	}
	case 2:
		if (sub_is_error(cc, 0)) {
			forward_sub(cc, 0);
			return COORD_DONE;
		}
		if (!sub_int(cc, 0, &v) || v == 0) {
			reply_int(cc->r, 0);
			return COORD_DONE;
		}
		send_member_cmd(cc, "sadd", dst);
		return COORD_WAIT;
	case 3: {
		if (!sub_is_error(cc, 0)) {
			reply_int(cc->r, 1);
			return COORD_DONE;
		}
		struct smove_state *st = calloc(1, sizeof(*st));
		char *err = malloc(cc->sub[0].len);
		if (!st || !err) {
			free(st);
			free(err);
			send_member_cmd(cc, "sadd", src);
			return COORD_WAIT; /* phase 4 then replies a generic error */
		}
		memcpy(err, cc->sub[0].reply, cc->sub[0].len);
		*st = (struct smove_state){ .err = err, .errlen = cc->sub[0].len };
		cc->state = st;
		send_member_cmd(cc, "sadd", src);
		return COORD_WAIT;
	}
	default: {
		struct smove_state *st = cc->state;
		if (st)
			reply_raw(cc->r, st->err, st->errlen);
		else
			reply_error(cc->r, nomem_error);
		return smove_done(cc);
	}
	}
}
