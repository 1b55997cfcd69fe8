/*
 * lib/store: one shard, the part of the keyspace one worker owns.
 *
 * A shard holds `ndb` databases, each a hash table with incremental rehash,
 * plus the TTL index, per-key access times and exact memory accounting
 * (every allocation is counted at its jemalloc size class). Threading rule:
 * only the worker that created the shard may call any function here on it.
 * Time is what the worker last set with shard_set_time(); an entry whose
 * expire time is <= now is never returned (it is deleted on access).
 */
#ifndef WIREKV_STORE_H
#define WIREKV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard;
struct sentry; /* one key and its value */

/* Redis's type numbers and OBJECT ENCODING names. */
enum obj_type { OBJ_STRING = 0, OBJ_LIST = 1, OBJ_SET = 2, OBJ_ZSET = 3, OBJ_HASH = 4 };
enum obj_enc {
	ENC_RAW = 0, ENC_INT = 1, ENC_HT = 2, ENC_INTSET = 6, ENC_SKIPLIST = 7,
	ENC_EMBSTR = 8, ENC_QUICKLIST = 9, ENC_LISTPACK = 11,
};

#define STORE_NO_EXPIRE (-1LL)
#define STORE_EMBSTR_MAX 44   /* Redis: strings up to 44 bytes are embstr */

/* lookup flags */
#define LOOKUP_NOTOUCH 1u /* do not update the access time (TTL, OBJECT, TYPE ...) */

/* set flags */
#define SET_KEEPTTL 1u    /* keep the existing TTL instead of clearing it */
#define SET_RAW 2u        /* store as raw even if short/integer (APPEND, SETRANGE results) */
#define SET_NOINT 4u      /* never int-encode: embstr/raw by length (INCRBYFLOAT results) */

struct shard_stats {
	uint64_t expired_keys;   /* lazy + active */
	uint64_t expire_cycles;  /* active-expire steps run */
	uint64_t rehash_steps;
};

struct shard *shard_new(int ndb);   /* NULL on failure */
void shard_free(struct shard *s);
int shard_ndb(const struct shard *s);
void shard_set_time(struct shard *s, int64_t now_ms);
int64_t shard_time(const struct shard *s);
const struct shard_stats *shard_stats(const struct shard *s);
void shard_reset_stats(struct shard *s);

/* Bytes allocated for this shard's data, at jemalloc size classes. */
size_t shard_used_memory(const struct shard *s);

/* ---- keys */
struct sentry *shard_lookup(struct shard *s, int db, const char *key, size_t klen, unsigned flags);
size_t shard_dbsize(const struct shard *s, int db);
size_t shard_expires(const struct shard *s, int db); /* keys with a TTL */
int shard_delete(struct shard *s, int db, const char *key, size_t klen); /* 1 deleted, 0 absent */
void shard_delete_entry(struct shard *s, int db, struct sentry *e);
void shard_flushdb(struct shard *s, int db);
void shard_flushall(struct shard *s);

/* Move e to newkey in dstdb (replacing what is there; TTL goes with it).
 * Returns the moved entry or NULL on OOM (e unchanged). */
struct sentry *shard_rename(struct shard *s, int db, struct sentry *e,
			    int dstdb, const char *newkey, size_t nklen);
/* Copy e to key in dstdb (replacing what is there). NULL on OOM. */
struct sentry *shard_copy(struct shard *s, int db, const struct sentry *e,
			  int dstdb, const char *key, size_t klen);

/* ---- entry accessors (e stays valid until the next write to this shard) */
int sentry_type(const struct sentry *e);
int sentry_encoding(const struct sentry *e);
const char *sentry_key(const struct sentry *e, size_t *klen);
int64_t sentry_expire(const struct sentry *e); /* unix ms, or STORE_NO_EXPIRE */
uint32_t sentry_idle_seconds(const struct shard *s, const struct sentry *e);
uint8_t sentry_lfu(const struct sentry *e); /* LFU counter (OBJECT FREQ) */

/* String value bytes. Integer-encoded values are formatted into tmp
 * (at least 21 bytes); the returned pointer is tmp or the stored bytes. */
const char *sentry_str(const struct sentry *e, char *tmp, size_t *len);
/* true if the value is integer-encoded (then *v is set) */
bool sentry_str_int(const struct sentry *e, long long *v);

/* ---- writes. Each returns the (possibly moved) entry, or NULL on OOM
 * with the shard unchanged. Any returned/looked-up entry pointer of this
 * shard may be invalid after a write. */

/* Create or overwrite key with a string value; TTL cleared unless
 * SET_KEEPTTL. Picks Redis's encoding: int when the bytes are a canonical
 * integer of up to 20 chars, embstr up to 44 bytes, raw beyond (or SET_RAW). */
struct sentry *shard_set_str(struct shard *s, int db, const char *key, size_t klen,
			     const char *val, size_t vlen, unsigned flags);
/* Same with an integer value (INCR family): int encoding, TTL kept. */
struct sentry *shard_set_int(struct shard *s, int db, const char *key, size_t klen,
			     long long v);
/* Append bytes to e's string (result is raw, as Redis's APPEND makes it). */
struct sentry *shard_str_append(struct shard *s, int db, struct sentry *e,
				const char *p, size_t n);
/* Overwrite at offset, zero-padding (SETRANGE); result raw. */
struct sentry *shard_str_setrange(struct shard *s, int db, struct sentry *e,
				  size_t off, const char *p, size_t n);

/* Set or clear (STORE_NO_EXPIRE) the TTL. Returns the entry, NULL on OOM. */
struct sentry *shard_set_expire(struct shard *s, int db, struct sentry *e, int64_t when_ms);

/* ---- collection values (list, set, zset, hash)
 *
 * The entry holds a pointer to a type object that the shard owns (its
 * memory is counted in used_memory); each type's operations are in its own
 * header (store_hash.h, store_set.h, store_zset.h, store_list.h) and take
 * the entry, so a conversion can change the encoding and the object. A
 * collection is never left empty: the command deletes the key instead.
 * DEL, FLUSHDB, overwrites, RENAME and COPY handle every type here. */
void *sentry_obj(const struct sentry *e);
/* Add a new key holding obj (key absent: looked up first). NULL on OOM
 * with obj still the caller's. */
struct sentry *shard_add_obj(struct shard *s, int db, const char *key, size_t klen,
			     int type, int enc, void *obj);
/* Replace e's object and encoding (the old object is the caller's). */
void sentry_set_obj(struct sentry *e, int enc, void *obj);

/* A key's value as bytes that shard_restore() turns back into the same
 * value on any shard of this process (RENAME/COPY/MOVE across workers).
 * malloc'd; NULL on OOM. */
char *shard_dump_value(const struct sentry *e, size_t *len);
/* Create or overwrite key from shard_dump_value's bytes, TTL `expire`
 * (STORE_NO_EXPIRE for none). NULL on OOM or bad bytes; the key is then
 * as it was, or deleted if only its TTL could not be set. */
struct sentry *shard_restore(struct shard *s, int db, const char *key, size_t klen,
			     const char *p, size_t n, int64_t expire);

/* ---- keys that got data (for the engine's blocking commands: BLPOP ...)
 *
 * While tracking is on, every key that becomes a collection (created by
 * shard_add_obj, or by shard_rename / shard_copy / shard_restore into it)
 * is noted in a small log; a list or zset key never exists empty, so that
 * is the only way a waited-on key gets data. Off by default and costs one
 * branch then. shard_ready_take hands the notes over in order (and forgets
 * them): fn(arg, db, key, klen, type) for each; the key bytes are only
 * valid during the call, and fn may write to the shard (new notes go on
 * the log, and a later take returns them). Returns how many were taken. */
void shard_track_ready(struct shard *s, bool on);
bool shard_ready_pending(const struct shard *s);
typedef void (*shard_ready_fn)(void *arg, int db, const char *key, size_t klen, int type);
size_t shard_ready_take(struct shard *s, shard_ready_fn fn, void *arg);

/* ---- prefetch hints for lookups that follow soon (pipelined commands):
 * first the key's bucket, then, once that has arrived, the first entry of
 * its chain. Pure hints: nothing changes, any key is fine. */
uint64_t shard_prefetch_bucket(const struct shard *s, int db, const char *key, size_t klen);
void shard_prefetch_entry(const struct shard *s, int db, uint64_t h);
void shard_prefetch_chain(const struct shard *s, int db, uint64_t h);

/* ---- iteration */
/* Redis's reverse-binary cursor scan over db: visits every key present for
 * the whole scan at least once, across rehashes. Calls fn for at least
 * `count` buckets' worth of live keys. Returns the next cursor, 0 when done. */
typedef void (*shard_scan_fn)(void *arg, const struct sentry *e);
uint64_t shard_scan(struct shard *s, int db, uint64_t cursor, long count,
		    shard_scan_fn fn, void *arg);
/* A random live key, or NULL if db is empty. */
struct sentry *shard_random(struct shard *s, int db);

/* ---- housekeeping, bounded work, called by the worker each loop turn */
/* Do up to `steps` buckets of pending incremental rehash. Returns work left (0 = none). */
int shard_rehash_step(struct shard *s, int steps);
/* Sample keys with a TTL and delete expired ones, up to `budget` samples.
 * Returns the number of keys deleted. */
int shard_active_expire(struct shard *s, int budget);

/* Redis-style glob match (KEYS, SCAN MATCH, CONFIG GET). */
bool store_glob_match(const char *pat, size_t plen, const char *str, size_t slen, bool nocase);

#endif
