/*
 * lib/store edict: a chained hash table of unique byte-string elements,
 * the "hashtable" encoding of sets, hashes and sorted sets.
 *
 * Each element carries a value of the kind chosen at creation:
 *   EDICT_VNONE   - nothing (set members)
 *   EDICT_VBYTES  - a byte string (hash field values)
 *   EDICT_VDOUBLE - a double (sorted-set scores)
 * One allocation per element (header | [double] | element | [value bytes]),
 * every byte from mem_alloc on the shard, so used_memory stays exact.
 * Incremental rehash as Redis's dict: a grow starts when used >= size, a
 * shrink when under 10% full, and each insert/delete by key moves one bucket.
 * Reads (edict_find, scan, random, iteration) never rehash or allocate.
 *
 * Threading rule: owner worker only (the shard's), like everything in store.
 * Internal to lib/store: type files include it; lib/cmd does not.
 */
#ifndef WIREKV_STORE_EDICT_H
#define WIREKV_STORE_EDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct shard;
struct edict; /* opaque */

enum edict_vkind { EDICT_VNONE = 0, EDICT_VBYTES = 1, EDICT_VDOUBLE = 2 };

/* One element. The layout is public only for the inline accessors below:
 * never allocate or resize one yourself. */
struct edict_ent {
	struct edict_ent *next; /* bucket chain */
	uint32_t klen;          /* element bytes */
	uint32_t vlen;          /* value bytes (VBYTES), 0 otherwise */
	char data[];            /* [double (VDOUBLE)] element [value (VBYTES)] */
};

/* ---- whole table */
struct edict *edict_new(struct shard *s, int vkind);      /* NULL on OOM */
void edict_free(struct shard *s, struct edict *d);
/* A copy with the same elements and values (COPY). NULL on OOM. */
struct edict *edict_dup(struct shard *s, const struct edict *d);
size_t edict_size(const struct edict *d);                 /* elements */
int edict_vkind(const struct edict *d);
/* Size the buckets for n elements at once (conversion from a compact
 * encoding, like Redis's dictExpand). 0 or -ENOMEM (the table still works). */
int edict_expand(struct shard *s, struct edict *d, size_t n);

/* ---- elements */
/* The element equal to (k, klen), or NULL. Never rehashes. */
struct edict_ent *edict_find(const struct shard *s, const struct edict *d,
			     const char *k, size_t klen);
/* Add an element known to be absent (look it up first); v/vlen is the value
 * for VBYTES (ignored otherwise); a VDOUBLE value starts at 0.0. Returns the
 * new element or NULL on OOM (table unchanged). Invalidates iterators. */
struct edict_ent *edict_insert(struct shard *s, struct edict *d, const char *k, size_t klen,
			       const char *v, size_t vlen);
/* Set semantics: 1 added, 0 already there, -ENOMEM. */
int edict_add(struct shard *s, struct edict *d, const char *k, size_t klen);
/* Delete by key: 1 deleted, 0 absent. May rehash a step or start a shrink. */
int edict_delete(struct shard *s, struct edict *d, const char *k, size_t klen);
/* Delete an element you hold (e.g. the one an iterator just returned). It
 * neither rehashes nor resizes, so an iteration in progress stays valid;
 * call edict_shrink_maybe afterwards when you deleted many. */
void edict_delete_ent(struct shard *s, struct edict *d, struct edict_ent *e);
void edict_shrink_maybe(struct shard *s, struct edict *d);

/* Replace a VBYTES value. The element may move: use the returned pointer.
 * NULL on OOM with the old element and value intact. */
struct edict_ent *edict_set_bytes(struct shard *s, struct edict *d, struct edict_ent *e,
				  const char *v, size_t vlen);

static inline const char *edict_key(const struct edict_ent *e, size_t *klen, int vkind)
{
	*klen = e->klen;
	return e->data + (vkind == EDICT_VDOUBLE ? sizeof(double) : 0);
}
/* VBYTES value */
static inline const char *edict_val(const struct edict_ent *e, size_t *vlen)
{
	*vlen = e->vlen;
	return e->data + e->klen;
}
/* VDOUBLE value */
static inline double edict_double(const struct edict_ent *e)
{
	double v;
	memcpy(&v, e->data, sizeof(v));
	return v;
}
static inline void edict_set_double(struct edict_ent *e, double v)
{
	memcpy(e->data, &v, sizeof(v));
}

/* ---- random */
/* A random element (random non-empty bucket, then a random chain element,
 * like Redis's dictGetRandomKey), or NULL when empty. Uses the shard's RNG. */
struct edict_ent *edict_random(struct shard *s, const struct edict *d);

/* ---- iteration over every element once. While iterating, the only write
 * allowed is edict_delete_ent of the element last returned. */
struct edict_iter {
	const struct edict *d;
	int table;
	size_t idx;
	struct edict_ent *next;
};
void edict_iter_init(struct edict_iter *it, const struct edict *d);
struct edict_ent *edict_iter_next(struct edict_iter *it); /* NULL at the end */

/* ---- cursor scan (SSCAN/HSCAN/ZSCAN): Redis's reverse-binary dictScan.
 * Every element present for the whole scan is reported at least once, even
 * across rehashes and resizes between calls. Visits buckets until `count`
 * elements were reported (at most count*10 buckets); returns the next
 * cursor, 0 when the scan is complete. */
typedef void (*edict_scan_fn)(void *arg, const struct edict_ent *e);
uint64_t edict_scan(const struct edict *d, uint64_t cursor, long count,
		    edict_scan_fn fn, void *arg);

/* Bytes this table and its elements hold (allocator size classes). */
size_t edict_mem_bytes(const struct edict *d);

#endif
