/*
 * lib/store lists: the value of an OBJ_LIST key, Redis 7.0's quicklist.
 *
 * A list is a doubly linked chain of nodes, each a listpack (listpack.h)
 * of consecutive elements. A node grows until Redis's fill rule says no
 * (list-max-listpack-size, passed in as `fill` by the caller: negative
 * -1..-5 = at most 4/8/16/32/64 KB per node, positive = at most that many
 * entries and 8 KB, 0 behaves as 1), then a new node starts. Redis 7.0.15
 * reports every list as "quicklist" (it has no listpack list encoding; that
 * came in 7.2), so the encoding is always ENC_QUICKLIST, even for a
 * one-element list. list-compress-depth is accepted by lib/config and
 * ignored here: nodes are never LZF-compressed.
 *
 * Elements are byte strings; strings that are canonical integers are kept
 * as integers by the listpack and come back as struct list_val with s ==
 * NULL. Memory is on the shard (mem_alloc), counted in used_memory.
 *
 * Threading rule: the shard's owner worker only. Functions take the
 * entry, so callers never hold the object across writes. A list is never
 * left empty by a command: when list_len() reaches 0 the caller deletes the
 * key (shard_delete_entry). Writes return 0 or -ENOMEM (list unchanged on
 * -ENOMEM unless said otherwise).
 */
#ifndef WIREKV_STORE_LIST_H
#define WIREKV_STORE_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

enum list_where { LIST_HEAD = 0, LIST_TAIL = 1 };

#define LIST_FILL_DEFAULT (-2)

/* One element: the bytes (s, len), or when s is NULL the integer v.
 * Points into the list: valid until the next write to it. */
struct list_val {
	const unsigned char *s;
	size_t len;
	long long v;
};

/* A new empty list object for shard_add_obj(..., OBJ_LIST, ENC_QUICKLIST,
 * obj); NULL on OOM. Free it with list_free if it was never added. */
void *list_new(struct shard *s);
void list_free(struct shard *s, void *obj);

size_t list_len(const struct sentry *e);

/* Push one element at the head or the tail. */
int list_push(struct shard *s, struct sentry *e, enum list_where where,
	      const void *v, size_t n, int fill);

/* The element at index (negative counts from the tail, -1 = last).
 * false when out of range. */
bool list_index(const struct sentry *e, long index, struct list_val *out);

/* Replace the element at index: 0, -ERANGE (no such index) or -ENOMEM. */
int list_set(struct shard *s, struct sentry *e, long index,
	     const void *v, size_t n, int fill);

/* Insert v before or after the first element equal to pivot (from the
 * head). 1 inserted, 0 no such pivot, -ENOMEM. */
int list_insert(struct shard *s, struct sentry *e, const void *pivot, size_t plen,
		bool after, const void *v, size_t n, int fill);

/* Remove up to |count| elements equal to v (count > 0 from the head,
 * < 0 from the tail, 0 all). Returns how many were removed. */
size_t list_remove(struct shard *s, struct sentry *e, long count, const void *v, size_t n);

/* Delete n elements starting at index start (0-based from the head; the
 * range is clipped to the list). Never fails. */
void list_del_range(struct shard *s, struct sentry *e, size_t start, size_t n);

/* true if the element equals s[0, n) (integers compare by their decimal form). */
bool list_val_eq(const struct list_val *v, const void *s, size_t n);

/* Iteration from an index towards the tail (or the head when reverse).
 * The iterator is invalid after any write to the list. */
struct list_iter {
	const void *node;
	const unsigned char *p;
	bool reverse;
};
/* Start at index (0..len-1, or negative from the tail); an out-of-range
 * index gives an iterator that yields nothing. */
void list_iter_init(struct list_iter *it, const struct sentry *e, long index, bool reverse);
/* The current element, then advance. false at the end. */
bool list_iter_next(struct list_iter *it, struct list_val *out);

/* Number of listpack nodes (tests, DEBUG-style introspection). */
size_t list_node_count(const struct sentry *e);

#endif
