/*
 * lib/cmd private: the sorted-set family's handlers, coordinators and the
 * helpers its files share (cmd_zset.c: table and single-key commands,
 * cmd_zrange.c: ranges, cmd_zpop.c: pops and random members, cmd_zsetop.c:
 * union / inter / diff, coord_zset.c: cross-worker coordinators).
 * Handlers run on the worker owning their keys; texts are Redis 7.0.15's.
 */
#ifndef WIREKV_CMD_ZSET_INT_H
#define WIREKV_CMD_ZSET_INT_H

#include <stdbool.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "store/store_zset.h"

#define ZERR_MINMAX_FLOAT "ERR min or max is not a float"
#define ZERR_MINMAX_LEX "ERR min or max not valid string range item"
#define ZERR_NAN "ERR resulting score is not a number (NaN)"

/* internal commands (sub-requests of coord_zset.c) */
#define ZSET_INTERNAL_FETCH "__zfetch"          /* key -> source blob */
#define ZSET_INTERNAL_SETOP "__zsetop"          /* n blob.. original argv.. */
#define ZSET_INTERNAL_RANGEFETCH "__zrangefetch" /* ZRANGESTORE argv -> result blob */
#define ZSET_INTERNAL_STOREBLOB "__zstoreblob"  /* dst blob -> stored count */

static inline struct zset_limits zset_limits_of(const struct cmd_env *env)
{
	struct zset_limits l = {
		.max_entries = (size_t)env->cfg->zset_max_listpack_entries,
		.max_value = (size_t)env->cfg->zset_max_listpack_value,
	};
	return l;
}

/* Redis's lookupKeyRead (counts a keyspace hit or miss) / lookupKeyWrite. */
struct sentry *zset_lookup_read(struct cmd_ctx *c, const struct resp_arg *k);
struct sentry *zset_lookup_write(struct cmd_ctx *c, const struct resp_arg *k);
/* true (after WRONGTYPE) if e exists and is not a zset */
bool zset_wrongtype(struct cmd_ctx *c, const struct sentry *e);

/* Redis's zslParseRange / zslParseLexRange: 0, or -EINVAL (no reply). */
int zset_parse_score_range(const struct resp_arg *min, const struct resp_arg *max,
			   struct zrange_score *r);
int zset_parse_lex_range(const struct resp_arg *min, const struct resp_arg *max,
			 struct zrange_lex *r);

/* A member and optionally its score: RESP3 [member, score] pairs when
 * `pairs`, else flat. */
void zset_reply_member(struct reply *r, const char *m, size_t len, double score,
		       bool withscores, bool pairs);

/* A blob: a flat list of (member, score) records, the bytes coordinators
 * carry between workers. */
struct zblob_writer {
	char *p;
	size_t len, cap;
	bool nomem;
};
void zblob_put(struct zblob_writer *w, const char *m, size_t len, double score);
/* Read the next record at *pos; false at the end or on bad bytes. */
bool zblob_next(const char *blob, size_t n, size_t *pos, const char **m, size_t *len,
		double *score);
int zblob_put_fn(void *arg, const char *m, size_t len, double score); /* zset_fn */

/* Delete key if it holds an empty zset (after a removal). */
void zset_delete_if_empty(struct cmd_ctx *c, struct sentry *e);

/* handlers */
void zset_cmd_zadd(struct cmd_ctx *c);
void zset_cmd_zincrby(struct cmd_ctx *c);
void zset_cmd_zrem(struct cmd_ctx *c);
void zset_cmd_zcard(struct cmd_ctx *c);
void zset_cmd_zscore(struct cmd_ctx *c);
void zset_cmd_zmscore(struct cmd_ctx *c);
void zset_cmd_zrank(struct cmd_ctx *c);
void zset_cmd_zrevrank(struct cmd_ctx *c);
void zset_cmd_zcount(struct cmd_ctx *c);
void zset_cmd_zlexcount(struct cmd_ctx *c);
void zset_cmd_zrange(struct cmd_ctx *c);
void zset_cmd_zrangestore(struct cmd_ctx *c);
void zset_cmd_zrevrange(struct cmd_ctx *c);
void zset_cmd_zrangebyscore(struct cmd_ctx *c);
void zset_cmd_zrevrangebyscore(struct cmd_ctx *c);
void zset_cmd_zrangebylex(struct cmd_ctx *c);
void zset_cmd_zrevrangebylex(struct cmd_ctx *c);
void zset_cmd_zremrangebyrank(struct cmd_ctx *c);
void zset_cmd_zremrangebyscore(struct cmd_ctx *c);
void zset_cmd_zremrangebylex(struct cmd_ctx *c);
void zset_cmd_zpopmin(struct cmd_ctx *c);
void zset_cmd_zpopmax(struct cmd_ctx *c);
void zset_cmd_zmpop(struct cmd_ctx *c);
void zset_cmd_zrandmember(struct cmd_ctx *c);
void zset_cmd_zscan(struct cmd_ctx *c);
void zset_cmd_zunion(struct cmd_ctx *c);
void zset_cmd_zinter(struct cmd_ctx *c);
void zset_cmd_zdiff(struct cmd_ctx *c);
void zset_cmd_zunionstore(struct cmd_ctx *c);
void zset_cmd_zinterstore(struct cmd_ctx *c);
void zset_cmd_zdiffstore(struct cmd_ctx *c);
void zset_cmd_zintercard(struct cmd_ctx *c);
/* internal */
void zset_cmd_fetch(struct cmd_ctx *c);
void zset_cmd_setop(struct cmd_ctx *c);
void zset_cmd_rangefetch(struct cmd_ctx *c);
void zset_cmd_storeblob(struct cmd_ctx *c);

/* ZMPOP's arguments: 0, or -EINVAL after Redis's error. */
int zset_parse_mpop(struct reply *r, int argc, const struct resp_arg *argv, long *numkeys,
		    bool *max, long *count);
/* ZUNION & co: where the keys are. 0, or -EINVAL after Redis's error for a
 * bad numkeys (what Redis checks before looking at keys). */
int zset_setop_keys(struct reply *r, const char *name, int argc, const struct resp_arg *argv,
		    int numkeys_idx, long *numkeys);

/* coordinators */
enum coord_result zset_coord_setop(struct coord_ctx *cc);
enum coord_result zset_coord_mpop(struct coord_ctx *cc);
enum coord_result zset_coord_rangestore(struct coord_ctx *cc);

#endif
