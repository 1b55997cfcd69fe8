/*
 * lib/cmd private: the strings family's handlers, coordinators and the
 * helpers its files share. Handlers run on the worker owning their keys.
 */
#ifndef WIREKV_CMD_STRINGS_INT_H
#define WIREKV_CMD_STRINGS_INT_H

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"

/* Redis's lookupKeyRead: a read counts a keyspace hit or miss. */
static inline struct sentry *str_lookup_read(struct cmd_ctx *c, const struct resp_arg *key)
{
	struct sentry *e = shard_lookup(c->env->shard, c->db, key->ptr, key->len, 0);
	if (e)
		c->env->stats->keyspace_hits++;
	else
		c->env->stats->keyspace_misses++;
	return e;
}

/* Redis's lookupKeyWrite: no keyspace statistics. */
static inline struct sentry *str_lookup_write(struct cmd_ctx *c, const struct resp_arg *key)
{
	return shard_lookup(c->env->shard, c->db, key->ptr, key->len, 0);
}

/* Bulk reply of a string entry's value (int encodings formatted on the stack). */
static inline void str_reply_value(struct reply *r, const struct sentry *e)
{
	char tmp[24];
	size_t n;
	const char *p = sentry_str(e, tmp, &n);
	reply_bulk(r, p, n);
}

static inline size_t str_value_len(const struct sentry *e)
{
	char tmp[24];
	size_t n;
	sentry_str(e, tmp, &n);
	return n;
}

/* cmd_strings.c */
void str_get(struct cmd_ctx *c);
void str_set(struct cmd_ctx *c);
void str_setnx(struct cmd_ctx *c);
void str_setex(struct cmd_ctx *c);
void str_psetex(struct cmd_ctx *c);
void str_getset(struct cmd_ctx *c);
void str_getdel(struct cmd_ctx *c);
void str_getex(struct cmd_ctx *c);
void str_mget(struct cmd_ctx *c);
void str_mset(struct cmd_ctx *c);
void str_msetnx(struct cmd_ctx *c);
void str_internal_exists(struct cmd_ctx *c);

/* cmd_strmod.c */
void str_append(struct cmd_ctx *c);
void str_strlen(struct cmd_ctx *c);
void str_getrange(struct cmd_ctx *c);
void str_setrange(struct cmd_ctx *c);
void str_incr(struct cmd_ctx *c);
void str_decr(struct cmd_ctx *c);
void str_incrby(struct cmd_ctx *c);
void str_decrby(struct cmd_ctx *c);
void str_incrbyfloat(struct cmd_ctx *c);

/* cmd_lcs.c */
void str_lcs(struct cmd_ctx *c);
enum coord_result str_lcs_coord(struct coord_ctx *cc);
/* LCS's reply for values a and b with options argv[3..argc): the one core
 * both the local handler and the coordinator use. */
void lcs_reply(const struct cmd_env *env, struct reply *r, const char *a, size_t alen,
	       const char *b, size_t blen, int argc, const struct resp_arg *argv);

/* coord_strings.c */
enum coord_result str_mget_coord(struct coord_ctx *cc);
enum coord_result str_mset_coord(struct coord_ctx *cc);
enum coord_result str_msetnx_coord(struct coord_ctx *cc);

/* Internal sub-request (a CMD_INTERNAL row in cmd_strings_table). */
#define STR_INTERNAL_EXISTS "__strexists" /* __strexists key...: how many exist (no stats) */

#endif
