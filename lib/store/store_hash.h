/*
 * lib/store hash values: a key whose value is a map of field -> value byte
 * strings, in Redis 7.0's two encodings:
 *   ENC_LISTPACK  field, value, field, value ... in one listpack (small)
 *   ENC_HT        an edict of fields with byte values (big)
 * A hash converts to ENC_HT on the write that passes the limits (more than
 * max_entries fields, or a field or value longer than max_value bytes) and
 * never converts back, as in Redis. The limits come from the caller (the
 * hash-max-listpack-* directives): store does not read the config.
 *
 * Functions take the entry so a conversion can swap its object. Writes
 * return 0/1 or -ENOMEM (the hash is unchanged on -ENOMEM unless said
 * otherwise). Pointers returned into a hash stay valid until the next write
 * to this shard. A hash is never left empty: when a command deletes the
 * last field it deletes the key (shard_delete_entry).
 *
 * Threading rule: the shard's owner worker only.
 */
#ifndef WIREKV_STORE_HASH_H
#define WIREKV_STORE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct hash_limits {
	size_t max_entries; /* hash-max-listpack-entries */
	size_t max_value;   /* hash-max-listpack-value (bytes of a field or value) */
};

/* Room for a listpack integer formatted as a string. */
#define HASH_INTBUF 21

/* A new key holding an empty listpack hash (key absent: looked up first).
 * The caller adds a field at once, or deletes the key if that fails.
 * NULL on OOM. */
struct sentry *hash_key_new(struct shard *s, int db, const char *key, size_t klen);

size_t hash_len(const struct sentry *e);

/* Redis's hashTypeTryConversion before adding several strings: converts to
 * ENC_HT when any of them is longer than lim->max_value (maxlen is the
 * longest) or the listpack could not safely grow by sumlen bytes.
 * 0 or -ENOMEM. */
int hash_prepare_add(struct shard *s, struct sentry *e, size_t maxlen, size_t sumlen,
		     const struct hash_limits *lim);

/* Set field f to value v: 1 if the field was added, 0 if it was updated,
 * -ENOMEM. Converts first when f or v is longer than lim->max_value, and
 * after an add that makes the hash exceed lim->max_entries. */
int hash_set(struct shard *s, struct sentry *e, const char *f, size_t flen,
	     const char *v, size_t vlen, const struct hash_limits *lim);

/* The value of field f, or NULL if absent. Integers stored in a listpack
 * are formatted into buf. */
const char *hash_get(const struct shard *s, const struct sentry *e, const char *f, size_t flen,
		     char buf[HASH_INTBUF], size_t *vlen);
bool hash_exists(const struct shard *s, const struct sentry *e, const char *f, size_t flen);

/* Delete field f: 1 deleted, 0 absent. The hash may become empty. */
int hash_delete(struct shard *s, struct sentry *e, const char *f, size_t flen);

/* One field and its value, as the iterators, scan and random give them. */
struct hash_pair {
	const char *f, *v;
	size_t flen, vlen;
	char fbuf[HASH_INTBUF], vbuf[HASH_INTBUF]; /* formatted listpack integers */
};
typedef void (*hash_pair_fn)(void *arg, const struct hash_pair *p);

/* Every field once, in the encoding's order (HGETALL HKEYS HVALS). The hash
 * must not be written during the walk. */
void hash_foreach(const struct sentry *e, hash_pair_fn fn, void *arg);

/* HSCAN: a listpack reports every pair and returns 0; a hash table is
 * walked with Redis's reverse-binary cursor (every field present for the
 * whole scan is reported at least once), about `count` fields per call.
 * Returns the next cursor, 0 when done. */
uint64_t hash_scan(const struct sentry *e, uint64_t cursor, long count,
		   hash_pair_fn fn, void *arg);

/* HRANDFIELD: one random pair (hash not empty). */
void hash_random_one(struct shard *s, const struct sentry *e, struct hash_pair *out);
/* `count` random pairs. distinct: each field at most once (count >= the
 * length gives every field); else fields may repeat. 0 or -ENOMEM (before
 * fn was called). */
int hash_random(struct shard *s, const struct sentry *e, unsigned long count, bool distinct,
		hash_pair_fn fn, void *arg);

#endif
