/*
 * lib/store sets: the value of an OBJ_SET key.
 *
 * Two encodings, as Redis 7.0: "intset" while every member is a canonical
 * integer (Redis's string2ll) and there are at most `max_intset` members
 * (set-max-intset-entries, capped at 2^30), "hashtable" (an edict) otherwise.
 * A set converts on the add that breaks either rule and never converts back.
 * The shard owns the object; a set is never left empty (the command deletes
 * the key when it removes the last member).
 *
 * Threading rule: owner worker only, like the rest of lib/store. Member
 * pointers handed out (callbacks, set_random) are valid until the next write
 * to the shard; integers are formatted into the caller's buffer.
 */
#ifndef WIREKV_STORE_SET_H
#define WIREKV_STORE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Room for a formatted integer member. */
#define SET_MEMBER_TMP 24

/* Create key (looked up first: absent) as an empty set whose encoding can
 * hold `first` (intset if it is an integer, else hashtable), like Redis's
 * setTypeCreate; then add members with set_add. NULL on OOM. */
struct sentry *set_create(struct shard *s, int db, const char *key, size_t klen,
			  const char *first, size_t flen);

/* 1 added, 0 already a member, -ENOMEM (set unchanged). Converts to
 * hashtable when needed. */
int set_add(struct shard *s, struct sentry *e, const char *m, size_t mlen, size_t max_intset);
/* 1 removed, 0 not a member. The caller deletes the key when set_card is 0. */
int set_remove(struct shard *s, struct sentry *e, const char *m, size_t mlen);
bool set_contains(const struct shard *s, const struct sentry *e, const char *m, size_t mlen);
size_t set_card(const struct sentry *e);

/* A random member (returned pointer is tmp or the stored bytes). The set
 * must not be empty. */
const char *set_random(struct shard *s, const struct sentry *e, char tmp[SET_MEMBER_TMP],
		       size_t *len);

/* Call fn for every member (intsets in ascending order, hashtables in
 * table order); fn returns non-zero to stop early. No writes to the shard
 * from fn. */
typedef int (*set_member_fn)(void *arg, const char *m, size_t len);
void set_foreach(const struct sentry *e, set_member_fn fn, void *arg);

/* SSCAN: a hashtable is scanned with Redis's reverse-binary cursor (every
 * member present for the whole scan is reported at least once); an intset
 * reports everything and returns 0. Returns the next cursor. */
uint64_t set_scan(const struct sentry *e, uint64_t cursor, long count,
		  set_member_fn fn, void *arg);

/* Replace key's value with a new set of the given members (duplicates
 * allowed, counted once), built as Redis's *STORE commands build theirs
 * (intset first, converted as members arrive). With n == 0 the key is
 * deleted. Returns the number of members stored, or -ENOMEM (key intact).
 * The TTL of an overwritten key is cleared, as Redis's setKey does. */
long set_store(struct shard *s, int db, const char *key, size_t klen,
	       size_t n, const char *const *m, const size_t *mlen, size_t max_intset);

/* Replace e's members with the given ones (n > 0), built the same way,
 * keeping the key and its TTL (SPOP with a large count). 0 or -ENOMEM
 * (e intact). */
int set_reset(struct shard *s, struct sentry *e, size_t n, const char *const *m,
	      const size_t *mlen, size_t max_intset);

#endif
