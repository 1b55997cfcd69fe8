/*
 * lib/cmd private: the set family's files (cmd_set.c single-key commands,
 * cmd_setops.c SINTER/SUNION/SDIFF and their STORE/CARD forms, coord_set.c
 * the cross-worker coordinators) share these. Handlers run on the worker
 * owning their keys; the algebra runs on any shard it is given.
 */
#ifndef WIREKV_CMD_SET_INT_H
#define WIREKV_CMD_SET_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "store/store_set.h"

/* Redis's lookupKeyRead: counts a keyspace hit or miss. */
static inline struct sentry *set_lookup_read(struct cmd_ctx *c, const struct resp_arg *k)
{
	struct sentry *e = shard_lookup(c->env->shard, c->db, k->ptr, k->len, 0);
	if (e)
		c->env->stats->keyspace_hits++;
	else
		c->env->stats->keyspace_misses++;
	return e;
}

/* Redis's lookupKeyWrite. */
static inline struct sentry *set_lookup_write(struct cmd_ctx *c, const struct resp_arg *k)
{
	return shard_lookup(c->env->shard, c->db, k->ptr, k->len, 0);
}

static inline size_t set_max_intset(const struct cmd_env *env)
{
	long long v = env->cfg->set_max_intset_entries;
	return v < 0 ? 0 : (size_t)v;
}

/* A growable list of copied members (results of the STORE forms, members
 * gathered by coordinators). malloc'd, not on the shard. */
struct mlist {
	char *buf;          /* member bytes back to back */
	size_t used, cap;
	size_t *off, *len;  /* per member */
	size_t n, ncap;
};
int mlist_push(struct mlist *ml, const char *m, size_t len); /* 0 or -ENOMEM */
void mlist_free(struct mlist *ml);
/* Pointer arrays for set_store / coordinator argv (malloc'd, caller frees
 * *ptrs; lens point into ml). 0 or -ENOMEM. */
int mlist_ptrs(const struct mlist *ml, const char ***ptrs);

/* ---- the algebra (cmd_setops.c) */
enum setop { SETOP_INTER, SETOP_UNION, SETOP_DIFF };
enum setout { SETOUT_REPLY, SETOUT_COUNT, SETOUT_COLLECT };

struct set_out {
	enum setout mode;
	struct reply *r;       /* SETOUT_REPLY: a RESP set of the members */
	unsigned long limit;   /* SETOUT_COUNT: stop at this many (0 = none) */
	unsigned long count;   /* members produced */
	struct mlist ml;       /* SETOUT_COLLECT: the members, copied */
};

/* Compute op over sets[0..n) (NULL = missing key = empty set) of shard s,
 * as Redis's sinterGenericCommand / sunionDiffGenericCommand do, into o.
 * Returns 0 or -ENOMEM (o->r then holds nothing of the result). */
int set_algebra(struct shard *s, struct sentry **sets, int n, enum setop op,
		struct set_out *o);

/* SINTERCARD's arguments: numkeys, LIMIT. 0, or -EINVAL after the error. */
int set_intercard_args(struct reply *r, int argc, const struct resp_arg *argv,
		       long *numkeys, unsigned long *limit);

/* handlers (cmd_setops.c) */
void set_cmd_sinter(struct cmd_ctx *c);
void set_cmd_sunion(struct cmd_ctx *c);
void set_cmd_sdiff(struct cmd_ctx *c);
void set_cmd_sinterstore(struct cmd_ctx *c);
void set_cmd_sunionstore(struct cmd_ctx *c);
void set_cmd_sdiffstore(struct cmd_ctx *c);
void set_cmd_sintercard(struct cmd_ctx *c);
void set_cmd_int_store(struct cmd_ctx *c);  /* __sstore dst member ... */

/* coordinators (coord_set.c) */
enum coord_result set_coord_algebra(struct coord_ctx *cc);  /* SINTER ... SDIFFSTORE */
enum coord_result set_coord_intercard(struct coord_ctx *cc);
enum coord_result set_coord_smove(struct coord_ctx *cc);
void set_cmd_int_probe(struct cmd_ctx *c); /* __sprobe key member: -1 / 0 / 1 */

#endif
