/*
 * lib/store skiplist: Redis's zskiplist, the ordered half of a sorted set's
 * "skiplist" encoding (the other half is an edict member -> score).
 *
 * Nodes are ordered by score, then by member bytes (memcmp, shorter first
 * on a common prefix), and each level keeps a span so ranks are O(log n).
 * A node does NOT own its member bytes: it points at bytes the caller keeps
 * alive and unmoved for the node's life (the zset points at its edict
 * element, so each member is stored once). Ranks are 1-based, as Redis's.
 * At most UINT32_MAX nodes (spans are 32-bit to keep nodes small).
 *
 * Memory comes from mem_alloc on the shard. Threading rule: the shard's
 * owner worker only. Internal to lib/store (t_zset.c); lib/cmd does not
 * include it.
 */
#ifndef WIREKV_STORE_SKIPLIST_H
#define WIREKV_STORE_SKIPLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store_zset.h"

struct shard;

#define ZSL_MAXLEVEL 32

struct zsl_node {
	double score;
	struct zsl_node *backward;  /* NULL for the first node */
	const char *member;         /* not owned (see above) */
	uint32_t mlen;
	uint32_t nlevel;
	struct zsl_node *forward[]; /* nlevel pointers, then nlevel uint32 spans */
};

struct zsl {
	struct zsl_node *header;    /* ZSL_MAXLEVEL levels, no member */
	struct zsl_node *tail;
	size_t length;
	int level;
};

static inline uint32_t *zsl_spans(struct zsl_node *n)
{
	return (uint32_t *)(void *)(n->forward + n->nlevel);
}

struct zsl *zsl_new(struct shard *s);       /* NULL on OOM */
void zsl_free(struct shard *s, struct zsl *zl);

static inline struct zsl_node *zsl_first(const struct zsl *zl) { return zl->header->forward[0]; }
static inline struct zsl_node *zsl_last(const struct zsl *zl) { return zl->tail; }
static inline struct zsl_node *zsl_next(const struct zsl_node *n) { return n->forward[0]; }
static inline struct zsl_node *zsl_prev(const struct zsl_node *n) { return n->backward; }

/* Compare (score, member) keys: <0, 0, >0. */
int zsl_cmp(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2);

/* Insert a member known to be absent. NULL on OOM (list unchanged). */
struct zsl_node *zsl_insert(struct shard *s, struct zsl *zl, double score,
			    const char *member, size_t mlen);
/* Delete the node of (score, member): 1 deleted, 0 absent. */
int zsl_delete(struct shard *s, struct zsl *zl, double score, const char *member, size_t mlen);
/* Move the node of (curscore, member), which must exist, to newscore; the
 * node is reused, never reallocated. Returns it. */
struct zsl_node *zsl_update_score(struct zsl *zl, double curscore, const char *member,
				  size_t mlen, double newscore);
/* 1-based rank of (score, member), 0 if absent. */
size_t zsl_rank(const struct zsl *zl, double score, const char *member, size_t mlen);
/* The node at 1-based rank, NULL if out of range. */
struct zsl_node *zsl_by_rank(const struct zsl *zl, size_t rank);

/* First / last node inside a score or lex range, NULL if none. */
struct zsl_node *zsl_first_in_score(const struct zsl *zl, const struct zrange_score *r);
struct zsl_node *zsl_last_in_score(const struct zsl *zl, const struct zrange_score *r);
struct zsl_node *zsl_first_in_lex(const struct zsl *zl, const struct zrange_lex *r);
struct zsl_node *zsl_last_in_lex(const struct zsl *zl, const struct zrange_lex *r);

/* Delete nodes in a range, calling fn(arg, node) before each node is freed
 * (the zset drops the member from its dict there). Return how many. */
typedef void (*zsl_del_fn)(void *arg, const struct zsl_node *n);
size_t zsl_delete_score_range(struct shard *s, struct zsl *zl, const struct zrange_score *r,
			      zsl_del_fn fn, void *arg);
size_t zsl_delete_lex_range(struct shard *s, struct zsl *zl, const struct zrange_lex *r,
			    zsl_del_fn fn, void *arg);
/* 1-based inclusive ranks. */
size_t zsl_delete_rank_range(struct shard *s, struct zsl *zl, size_t start, size_t end,
			     zsl_del_fn fn, void *arg);

#endif
