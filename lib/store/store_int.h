/*
 * lib/store private layout: the entry, the per-db hash table and TTL index,
 * the shard. Only the .c files of lib/store include this.
 *
 * One allocation per key:
 *
 *   struct sentry (24 B) | [struct sttl (16 B) if SE_TTL] | key | value
 *
 * Integer-encoded values are 8 bytes (int64, native order, unaligned).
 * An entry may be allocated larger than it needs (APPEND grows greedily);
 * the allocator's usable size is its capacity.
 */
#ifndef WIREKV_STORE_INT_H
#define WIREKV_STORE_INT_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/types.h>

#include "store/store.h"
#include "util/util.h"

/* A growable malloc'd byte buffer (dump/restore). */
struct store_buf {
	char *p;
	size_t len, cap;
};
int buf_put(struct store_buf *b, const void *p, size_t n); /* 0 or -ENOMEM */
int buf_put_u64(struct store_buf *b, uint64_t v);          /* varint */
/* Read a varint / n bytes at *p (advancing); false when the bytes run out. */
bool buf_get_u64(const char **p, const char *end, uint64_t *v);
bool buf_get(const char **p, const char *end, size_t n, const char **out);

#define SE_TYPE_MASK 0x0fu
#define SE_TTL 0x10u /* an sttl sits between header and key */

struct sentry {
	struct sentry *next; /* bucket chain */
	uint32_t klen;
	uint32_t vlen;
	uint8_t tflags;  /* type (low 4 bits) | SE_TTL */
	uint8_t enc;     /* enum obj_enc */
	uint8_t lfu;     /* logarithmic access counter */
	uint8_t htag;    /* top 8 bits of the key hash: cheap chain filter */
	uint32_t atime;  /* shard clock seconds of the last access */
	char data[];
};
static_assert(sizeof(struct sentry) == 24, "entry header must stay 24 bytes");

struct sttl {
	int64_t when;  /* unix ms */
	uint32_t idx;  /* position in the db's TTL array */
	uint32_t pad;
};
static_assert(sizeof(struct sttl) == 16, "TTL prefix must stay 16 bytes");

struct dtable {
	struct sentry **b;
	size_t size; /* 0 or a power of two */
	size_t used;
};

struct db {
	struct dtable t[2];
	ssize_t rehashidx;     /* -1 unless rehashing t[0] into t[1] */
	struct sentry **ttl;   /* every entry with SE_TTL, in any order */
	uint32_t nttl, ttlcap;
};

struct shard {
	struct db *dbs;
	int ndb;
	int expire_db;   /* where the next active-expire cycle starts */
	uint64_t seed;   /* hash seed */
	uint64_t rng;    /* xorshift state for sampling and LFU */
	int64_t now_ms;
	size_t used;     /* bytes at allocator size */
	struct shard_stats stats;
	/* a db may be rehashing or may want to shrink: shard_rehash_step has
	 * work; clear, the per-turn step costs nothing (16 dbs otherwise) */
	bool dict_maint;
	/* keys that became collections while the engine tracks them
	 * (shard_track_ready): records of ready.c, plain malloc (not data) */
	bool track_ready;
	uint32_t nready;
	struct store_buf ready;
};

#define DICT_INIT_SIZE 4
#define DICT_MIN_FILL_PCT 10
#define LFU_INIT_VAL 5
#define LFU_LOG_FACTOR 10

/* ---- entry layout */
static inline bool se_has_ttl(const struct sentry *e) { return e->tflags & SE_TTL; }
static inline size_t se_hdr(const struct sentry *e)
{
	return sizeof(struct sentry) + (se_has_ttl(e) ? sizeof(struct sttl) : 0);
}
static inline struct sttl *se_ttl(struct sentry *e) { return (struct sttl *)e->data; }
static inline char *se_key(const struct sentry *e) { return (char *)e + se_hdr(e); }
static inline char *se_val(const struct sentry *e) { return se_key(e) + e->klen; }
static inline size_t se_need(bool ttl, size_t klen, size_t vlen)
{
	return sizeof(struct sentry) + (ttl ? sizeof(struct sttl) : 0) + klen + vlen;
}
static inline uint32_t shard_clock_sec(const struct shard *s) { return (uint32_t)(s->now_ms / 1000); }
static inline bool se_expired(const struct shard *s, const struct sentry *e)
{
	return se_has_ttl(e) && se_ttl((struct sentry *)e)->when <= s->now_ms;
}

static inline uint64_t shard_rand(struct shard *s)
{
	uint64_t x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* ---- memory (mem.c): every byte counted at allocator size */
void *mem_alloc(struct shard *s, size_t n);
void *mem_calloc(struct shard *s, size_t n);
void *mem_realloc(struct shard *s, void *p, size_t n);
void mem_free(struct shard *s, void *p);
size_t mem_usable(const void *p);
/* What an allocation of n bytes really takes (upper bound in libc builds). */
size_t mem_class(size_t n);

/* ---- hash (hash.c) */
uint64_t store_hash(const void *p, size_t n, uint64_t seed);
static inline uint64_t key_hash(const struct shard *s, const char *k, size_t n)
{
	return store_hash(k, n, s->seed);
}
static inline uint8_t hash_tag(uint64_t h) { return (uint8_t)(h >> 56); }

/* ---- dict (dict.c) */
static inline bool dict_rehashing(const struct db *d) { return d->rehashidx >= 0; }
static inline size_t dict_size(const struct db *d) { return d->t[0].used + d->t[1].used; }
/* Move up to `buckets` non-empty buckets; returns how many moved. */
int dict_rehash(struct shard *s, struct db *d, int buckets);
/* The link (bucket slot or previous entry's next field) that points to the
 * entry with this key, or NULL. Does not rehash. */
struct sentry **dict_find_link(struct db *d, uint64_t h, const char *key, size_t klen,
			       int *table);
/* The link that points to e (e must be in d). */
struct sentry **dict_link_of(struct shard *s, struct db *d, const struct sentry *e, int *table);
/* Allocate the first bucket array if there is none (so dict_add cannot fail). */
int dict_ready(struct shard *s, struct db *d);
/* Insert a new entry (key known absent, dict_ready done); may start a grow. */
void dict_add(struct shard *s, struct db *d, struct sentry *e, uint64_t h);
/* Unlink *link (found in `table`); may start a shrink. Does not free. */
void dict_unlink(struct shard *s, struct db *d, struct sentry **link, int table);
void dict_clear(struct shard *s, struct db *d);
void dict_try_shrink(struct shard *s, struct db *d);

/* ---- entries (entry.c) */
/* A fresh entry: header, optional TTL prefix, key, value bytes (may be NULL
 * to leave uninitialised) of vlen. Not linked anywhere. */
struct sentry *entry_new(struct shard *s, const char *key, size_t klen, size_t vlen,
			 bool ttl, int type, int enc, uint8_t htag);
void entry_touch(struct shard *s, struct sentry *e);
/* Free an unlinked entry; takes it out of the TTL index first. */
void entry_free(struct shard *s, struct db *d, struct sentry *e);

/* ---- collection objects (object.c). The value bytes of a collection
 * entry are one pointer. Each type file provides its row of the table. */
struct obj_ops {
	void (*free)(struct shard *s, void *obj, int enc);
	void *(*dup)(struct shard *s, const void *obj, int enc);   /* NULL on OOM */
	/* Serialise for shard_dump_value: append with buf_put; 0 or -ENOMEM. */
	int (*dump)(const void *obj, int enc, struct store_buf *out);
	/* Rebuild from dump's bytes; sets *enc. NULL on OOM or bad bytes. */
	void *(*load)(struct shard *s, const char *p, size_t n, int *enc);
};
extern const struct obj_ops hash_obj_ops, set_obj_ops, zset_obj_ops, list_obj_ops;
const struct obj_ops *obj_ops_of(int type); /* NULL for strings */

static inline bool se_is_obj(const struct sentry *e)
{
	return (e->tflags & SE_TYPE_MASK) != OBJ_STRING;
}
static inline void *se_obj(const struct sentry *e)
{
	void *o;
	memcpy(&o, se_val(e), sizeof(o));
	return o;
}
static inline void se_set_obj(struct sentry *e, void *o) { memcpy(se_val(e), &o, sizeof(o)); }
/* Free what e's value owns (collections); e itself stays. */
void entry_free_value(struct shard *s, struct sentry *e);

/* ---- ready log (ready.c): note that key in db now holds a collection
 * (created, renamed, copied or restored into), if tracking is on. */
void ready_note(struct shard *s, int db, const char *key, size_t klen, int type);
static inline void shard_note_ready(struct shard *s, int db, const struct sentry *e)
{
	if (s->track_ready && se_is_obj(e))
		ready_note(s, db, se_key(e), e->klen, (int)(e->tflags & SE_TYPE_MASK));
}
void ready_free(struct shard *s);

/* ---- TTL index (expire.c) */
int ttl_index_add(struct shard *s, struct db *d, struct sentry *e);
void ttl_index_del(struct shard *s, struct db *d, struct sentry *e);
/* Make sure one more TTL slot is available (so later steps cannot fail). */
int ttl_index_reserve(struct shard *s, struct db *d);

/* ---- shard internals (shard.c) */
/* Unlink and free the entry behind link, counting it expired if asked. */
void shard_drop(struct shard *s, struct db *d, struct sentry **link, int table, bool expired);
/* e was reallocated to ne: point its chain link and TTL slot at ne. */
void shard_fix_moved(struct db *d, struct sentry **link, struct sentry *ne);
/* Write-side lookup: one rehash step, then the live entry's link or NULL
 * (an expired entry is deleted first, as Redis's lookupKeyWrite does). */
struct sentry **shard_find_for_write(struct shard *s, struct db *d, uint64_t h,
				     const char *key, size_t klen, int *table);

#endif
