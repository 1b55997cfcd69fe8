/*
 * lib/store sorted sets: the value of an OBJ_ZSET key.
 *
 * Two encodings, as Redis 7.0:
 *   "listpack" - member, score, member, score ... sorted by score then
 *                member; a score is stored as an integer when it is one
 *                (|v| < 2^52), else as its "%.17g" text (exact round trip)
 *   "skiplist" - an edict member -> score plus a skiplist ordered by
 *                (score, member) whose nodes point at the edict's bytes
 * A zset converts to skiplist on the add that makes it exceed
 * zset-max-listpack-entries / -value and never converts back; results of
 * the *STORE commands start compact when they fit (Redis's
 * zsetConvertToListpackIfNeeded). The cmd layer passes the limits.
 *
 * The shard owns the objects; a zset is never left empty (the command
 * deletes the key when it removes the last member). Member pointers given
 * to callbacks are valid only during the call (integers are formatted into
 * a buffer of ours). Ranks are 0-based here.
 *
 * Threading rule: owner worker only, like the rest of lib/store.
 */
#ifndef WIREKV_STORE_ZSET_H
#define WIREKV_STORE_ZSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct zset_limits {
	size_t max_entries;  /* zset-max-listpack-entries */
	size_t max_value;    /* zset-max-listpack-value (bytes of a member) */
};

/* A score interval (ZRANGEBYSCORE's "(1" means min 1, minex). */
struct zrange_score {
	double min, max;
	bool minex, maxex;
};

/* A lex bound: "-" (ZLEX_NEG), "+" (ZLEX_POS) or "[x" / "(x". */
enum zlex_kind { ZLEX_VAL = 0, ZLEX_NEG = 1, ZLEX_POS = 2 };
struct zlex_bound {
	const char *p;
	size_t len;
	uint8_t kind;
	bool ex;
};
struct zrange_lex {
	struct zlex_bound min, max;
};

bool zscore_gte_min(double v, const struct zrange_score *r);
bool zscore_lte_max(double v, const struct zrange_score *r);
bool zlex_gte_min(const char *m, size_t len, const struct zrange_lex *r);
bool zlex_lte_max(const char *m, size_t len, const struct zrange_lex *r);
/* false if the range can hold nothing (min > max, or equal and exclusive) */
bool zscore_range_valid(const struct zrange_score *r);
bool zlex_range_valid(const struct zrange_lex *r);

/* ZADD flags in and out (Redis's ZADD_IN_* / ZADD_OUT_*) */
enum {
	ZADD_IN_INCR = 1 << 0, ZADD_IN_NX = 1 << 1, ZADD_IN_XX = 1 << 2,
	ZADD_IN_GT = 1 << 3, ZADD_IN_LT = 1 << 4,
};
enum {
	ZADD_OUT_NOP = 1 << 0,     /* nothing done (NX/XX/GT/LT) */
	ZADD_OUT_NAN = 1 << 1,     /* INCR made a NaN: nothing done */
	ZADD_OUT_ADDED = 1 << 2,
	ZADD_OUT_UPDATED = 1 << 3,
};

/* One member: bytes and score (pointers valid during the callback only).
 * Return non-zero to stop. */
typedef int (*zset_fn)(void *arg, const char *m, size_t mlen, double score);

/* ---- a key's zset */

/* Create key (looked up first: absent) as an empty zset: skiplist when
 * max_entries is 0 or the first member is longer than max_value (Redis's
 * zaddGenericCommand), else listpack. Add members at once. NULL on OOM. */
struct sentry *zset_create(struct shard *s, int db, const char *key, size_t klen,
			   size_t first_len, const struct zset_limits *lim);

/* Redis's zsetAdd: *out gets ZADD_OUT_* flags, *newscore (if not NULL) the
 * score after an INCR. 0 or -ENOMEM (zset unchanged). */
int zset_add(struct shard *s, struct sentry *e, double score, const char *m, size_t mlen,
	     int in, int *out, double *newscore, const struct zset_limits *lim);
/* 1 removed, 0 absent. */
int zset_remove(struct shard *s, struct sentry *e, const char *m, size_t mlen);
bool zset_score(const struct shard *s, const struct sentry *e, const char *m, size_t mlen,
		double *score);
size_t zset_card(const struct sentry *e);
/* 0-based rank (reverse: from the highest), -1 if absent. */
long zset_rank(const struct shard *s, const struct sentry *e, const char *m, size_t mlen,
	       bool rev);

size_t zset_count_score(const struct sentry *e, const struct zrange_score *r);
size_t zset_count_lex(const struct sentry *e, const struct zrange_lex *r);

/* Members at 0-based ranks start..end (inclusive, already clamped to the
 * set); rev counts from the highest and walks downwards. */
void zset_range_rank(const struct sentry *e, size_t start, size_t end, bool rev,
		     zset_fn fn, void *arg);
/* Members inside a range in order (rev: from the top), skipping `offset`
 * of them, at most `limit` (< 0: no limit). */
void zset_range_score(const struct sentry *e, const struct zrange_score *r, bool rev,
		      long offset, long limit, zset_fn fn, void *arg);
void zset_range_lex(const struct sentry *e, const struct zrange_lex *r, bool rev,
		    long offset, long limit, zset_fn fn, void *arg);

/* Delete ranges; return how many were removed. */
size_t zset_remove_rank(struct shard *s, struct sentry *e, size_t start, size_t end);
size_t zset_remove_score(struct shard *s, struct sentry *e, const struct zrange_score *r);
size_t zset_remove_lex(struct shard *s, struct sentry *e, const struct zrange_lex *r);

/* Every member in order (score, member). */
void zset_foreach(const struct sentry *e, zset_fn fn, void *arg);

/* ZSCAN: listpack reports everything and returns 0; skiplist scans its
 * edict with Redis's reverse-binary cursor. Returns the next cursor. */
uint64_t zset_scan(const struct sentry *e, uint64_t cursor, long count, zset_fn fn, void *arg);

/* ---- results being built (ZUNIONSTORE & co, ZRANGESTORE): a detached
 * skiplist zset on the shard, stored under a key at the end or freed. */
struct zbuild;
enum zagg { ZAGG_SUM = 0, ZAGG_MIN = 1, ZAGG_MAX = 2, ZAGG_SET = 3 };

struct zbuild *zbuild_new(struct shard *s); /* NULL on OOM */
void zbuild_free(struct shard *s, struct zbuild *b);
/* Add a member, or combine its score with the existing one by agg (SUM
 * of inf and -inf gives 0, as Redis's zunionInterAggregate). 0 or -ENOMEM. */
int zbuild_add(struct shard *s, struct zbuild *b, const char *m, size_t mlen, double score,
	       enum zagg agg);
bool zbuild_score(const struct shard *s, const struct zbuild *b, const char *m, size_t mlen,
		  double *score);
int zbuild_remove(struct shard *s, struct zbuild *b, const char *m, size_t mlen);
size_t zbuild_card(const struct zbuild *b);
void zbuild_foreach(const struct zbuild *b, bool rev, zset_fn fn, void *arg);
/* Replace key's value with b's members (listpack if they fit the limits)
 * and free b. With an empty b the key is deleted. Returns the stored entry
 * (NULL when deleted), or NULL with *err = -ENOMEM (b freed, key intact).
 * An overwritten key's TTL is cleared (Redis's setKey). */
struct sentry *zbuild_store(struct shard *s, int db, const char *key, size_t klen,
			    struct zbuild *b, const struct zset_limits *lim, int *err);

/* Redis's zunionInterAggregate, with SET meaning "keep the new score". */
double zset_aggregate(double cur, double v, enum zagg agg);

#endif
