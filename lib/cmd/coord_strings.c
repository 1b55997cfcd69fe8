/*
 * Coordinators of the strings family's multi-key commands whose keys live on
 * several workers (MGET, MSET, MSETNX; LCS's is in cmd_lcs.c). Each sends one
 * sub-request per owner worker with that worker's keys in argument order, so
 * repeated keys behave as with Redis (MSET a 1 a 2 leaves a = 2).
 */
#include "cmd/cmd_strings_int.h"
#include "cmd/coord_util.h"

#include <stdlib.h>
#include <string.h>

/* true if every sub-reply is +OK; else replies the first other one. */
static bool all_ok(struct coord_ctx *cc)
{
	for (int i = 0; i < cc->nsub; i++) {
		const struct coord_sub *s = &cc->sub[i];
		if (s->len != 5 || memcmp(s->reply, "+OK\r\n", 5) != 0) {
			if (s->len)
				reply_raw(cc->r, s->reply, s->len);
			else
				reply_error(cc->r, "ERR internal error: empty sub-reply");
			return false;
		}
	}
	return true;
}

/* MGET: per-owner MGETs; the elements are put back in key order. */
enum coord_result str_mget_coord(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		int *owners = NULL;
		if (coord_send_by_owner(cc, COORD_NAME("MGET"), 1, 1, &owners) < 0) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		cc->state = owners;
		return COORD_WAIT;
	}
	int *owners = cc->state;
	int nw = cc->env->nworkers, nkeys = cc->argc - 1;
	int *sub_of = malloc(sizeof(*sub_of) * (size_t)nw);
	size_t *pos = calloc((size_t)(cc->nsub ? cc->nsub : 1), sizeof(*pos));

	if (!sub_of || !pos) {
		cmd_reply_oom(cc->r);
		goto done;
	}
	if (coord_forward_error(cc))
		goto done;
	for (int w = 0; w < nw; w++)
		sub_of[w] = -1;
	for (int i = 0; i < cc->nsub; i++) {
		struct resp_item it;
		sub_of[cc->sub[i].worker] = i;
		if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos[i], &it) != 0 ||
		    it.type != '*')
			goto bad;
	}
	size_t mark = cc->r->len;
	reply_array(cc->r, nkeys);
	for (int t = 0; t < nkeys; t++) {
		int i = sub_of[owners[t]];
		if (i < 0)
			goto bad_mark;
		const struct coord_sub *s = &cc->sub[i];
		size_t n = resp_skip_item(s->reply, s->len, pos[i]);
		if (n == 0)
			goto bad_mark;
		reply_raw(cc->r, s->reply + pos[i], n);
		pos[i] += n;
	}
	goto done;
bad_mark:
	cc->r->len = mark;
bad:
	reply_error(cc->r, "ERR internal error: bad sub-reply for MGET");
done:
	free(sub_of);
	free(pos);
	free(owners);
	cc->state = NULL;
	return COORD_DONE;
}

/* MSET: per-owner MSETs. Each worker's part is atomic; the whole is not: a
 * reader may see one worker's keys set before another's. */
enum coord_result str_mset_coord(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		if (cc->argc % 2 == 0) {
			cmd_reply_arity(cc->r, cc->def->name);
			return COORD_DONE;
		}
		if (coord_send_by_owner(cc, COORD_NAME("MSET"), 2, 2, NULL) < 0) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		return COORD_WAIT;
	}
	if (all_ok(cc))
		cmd_reply_ok(cc->r);
	return COORD_DONE;
}

/*
 * MSETNX: phase 0 asks each owner how many of its keys exist (__strexists,
 * a write lookup like Redis's, so no keyspace hits/misses); if none do,
 * phase 1 sends per-owner MSETs. NOT atomic across workers, unlike Redis: a
 * key created by another client between the two phases is overwritten, and
 * readers may see the keys appear worker by worker.
 */
enum coord_result str_msetnx_coord(struct coord_ctx *cc)
{
	switch (cc->phase) {
	case 0:
		if (cc->argc % 2 == 0) {
			cmd_reply_arity(cc->r, cc->def->name);
			return COORD_DONE;
		}
		if (coord_send_by_owner(cc, COORD_NAME(STR_INTERNAL_EXISTS), 2, 1, NULL) < 0) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		return COORD_WAIT;
	case 1: {
		if (coord_forward_error(cc))
			return COORD_DONE;
		long long existing = 0;
		for (int i = 0; i < cc->nsub; i++) {
			struct resp_item it;
			size_t pos = 0;
			if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos, &it) != 0 ||
			    it.type != ':') {
				reply_error(cc->r, "ERR internal error: bad sub-reply for MSETNX");
				return COORD_DONE;
			}
			existing += it.ival;
		}
		if (existing > 0) {
			reply_raw(cc->r, ":0\r\n", 4);
			return COORD_DONE;
		}
		if (coord_send_by_owner(cc, COORD_NAME("MSET"), 2, 2, NULL) < 0) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		return COORD_WAIT;
	}
	default:
		if (all_ok(cc))
			reply_raw(cc->r, ":1\r\n", 4);
		return COORD_DONE;
	}
}
