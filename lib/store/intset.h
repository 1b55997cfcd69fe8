/*
 * lib/store intset: a sorted array of distinct integers in one allocation,
 * each stored in the smallest width (2, 4 or 8 bytes) that holds the widest
 * member, as Redis's intset (the "intset" set encoding). The width only
 * grows. Lookups are binary searches; inserts and deletes move the tail.
 *
 * Threading rule: owner worker only. Memory comes from the shard.
 * Internal to lib/store.
 */
#ifndef WIREKV_STORE_INTSET_H
#define WIREKV_STORE_INTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard;
struct intset; /* opaque */

struct intset *intset_new(struct shard *s);            /* NULL on OOM */
void intset_free(struct shard *s, struct intset *is);
struct intset *intset_dup(struct shard *s, const struct intset *is); /* NULL on OOM */

/* Add v. Returns the (possibly moved) intset and sets *added to 1 if v was
 * new, 0 if present; NULL on OOM with `is` unchanged and still valid. */
struct intset *intset_add(struct shard *s, struct intset *is, int64_t v, int *added);
/* Remove v. Returns the (possibly moved) intset, *removed 1 or 0; never
 * fails (a shrink that cannot reallocate keeps the old block). */
struct intset *intset_remove(struct shard *s, struct intset *is, int64_t v, int *removed);

bool intset_find(const struct intset *is, int64_t v);
uint32_t intset_len(const struct intset *is);
int64_t intset_get(const struct intset *is, uint32_t pos); /* pos < len, ascending */
int64_t intset_random(struct shard *s, const struct intset *is); /* len > 0 */
/* Bytes of the allocation's content (header + members). */
size_t intset_blob_len(const struct intset *is);
/* Rebuild from intset_blob_len bytes (dump/restore). NULL on OOM or bad bytes. */
struct intset *intset_from_blob(struct shard *s, const void *p, size_t n);
/* The content bytes themselves (for dump). */
const void *intset_blob(const struct intset *is);

#endif
