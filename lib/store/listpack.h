/*
 * lib/store listpack: a packed array of small entries (byte strings or
 * integers) in one allocation on the shard, Redis's listpack with a 32-bit
 * entry count. Small hashes (field, value, field, value ...) and small
 * zsets (member, score, ...) use it.
 *
 *   total bytes (u32 LE) | count (u32 LE) | entry ... | 0xFF
 *   entry = encoding+data | backlen (1..5 bytes: size of encoding+data)
 *
 * Encodings are Redis's: a string that is a canonical integer (string2ll
 * rules, up to 20 chars) is stored as an integer of 7/13/16/24/32/64 bits,
 * anything else as bytes with a 6/12/32-bit length.
 *
 * A position is a pointer to an entry's first byte. Every function that
 * writes may move the listpack: it takes `unsigned char **lpp` and gives
 * back positions in the new listpack through out-arguments; any other
 * position held by the caller is invalid after a write.
 *
 * Memory comes from mem_alloc/mem_realloc on the shard, so it is counted in
 * used_memory. Threading rule: the shard's owner worker only. Functions
 * that write return 0 or -ENOMEM (the listpack is unchanged on -ENOMEM).
 */
#ifndef WIREKV_LISTPACK_H
#define WIREKV_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard;

#define LP_HDR_SIZE 8
#define LP_EOF 0xFF
/* Redis's LISTPACK_MAX_SAFETY_SIZE: a type converts to its hash table
 * encoding rather than grow a listpack past this. */
#define LP_MAX_SAFE_SIZE (1u << 30)
/* Room lp_get_str needs to format an integer entry. */
#define LP_INTBUF 21

enum lp_where { LP_BEFORE = 0, LP_AFTER = 1, LP_REPLACE = 2 };

/* One entry's value: a string (s, len) or, when s is NULL, the integer v. */
struct lp_val {
	const unsigned char *s;
	size_t len;
	long long v;
};

/* ---- create, free, size */
unsigned char *lp_new(struct shard *s);            /* NULL on OOM */
void lp_free(struct shard *s, unsigned char *lp);
unsigned char *lp_dup(struct shard *s, const unsigned char *lp); /* NULL on OOM */
size_t lp_bytes(const unsigned char *lp);          /* total bytes, header to EOF */
size_t lp_count(const unsigned char *lp);          /* number of entries */
/* true if bytes [0, n) are a well-formed listpack (load of dumped bytes). */
bool lp_validate(const unsigned char *p, size_t n);
/* true if adding `add` bytes keeps lp (NULL: a new one) under LP_MAX_SAFE_SIZE. */
bool lp_safe_to_add(const unsigned char *lp, size_t add);

/* ---- positions (NULL = none) */
unsigned char *lp_first(const unsigned char *lp);
unsigned char *lp_last(const unsigned char *lp);
unsigned char *lp_next(const unsigned char *lp, const unsigned char *p);
unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p);
/* Entry at index (negative counts from the end: -1 is the last). */
unsigned char *lp_seek(const unsigned char *lp, long index);

/* ---- reading an entry */
void lp_get(const unsigned char *p, struct lp_val *out);
/* The entry as bytes: integers are formatted into buf (LP_INTBUF bytes). */
const unsigned char *lp_get_str(const unsigned char *p, unsigned char buf[LP_INTBUF],
				size_t *len);
/* The entry as a long long: true for integer entries and for strings that
 * are canonical integers. */
bool lp_get_ll(const unsigned char *p, long long *v);
/* true if the entry equals the bytes s[0, n) (integers compare by their
 * decimal form, as Redis's lpCompare does). */
bool lp_eq(const unsigned char *p, const void *s, size_t n);

/* First entry from p (inclusive) equal to s[0, n), looking only at p and
 * then every (skip+1)-th entry after it (skip = 1 scans the fields of a
 * field,value listpack). NULL when none. */
unsigned char *lp_find(const unsigned char *lp, const unsigned char *p,
		       const void *s, size_t n, unsigned skip);

/* ---- writes */
/* Insert s[0, n) before/after p, or replace p's entry (LP_REPLACE). p NULL
 * with LP_BEFORE/LP_AFTER means append at the end. *newp (if not NULL) is
 * set to the inserted/replaced entry's position in the new listpack. */
int lp_insert(struct shard *s, unsigned char **lpp, unsigned char *p, enum lp_where where,
	      const void *str, size_t n, unsigned char **newp);
/* Same with an integer value. */
int lp_insert_ll(struct shard *s, unsigned char **lpp, unsigned char *p, enum lp_where where,
		 long long v, unsigned char **newp);
int lp_append(struct shard *s, unsigned char **lpp, const void *str, size_t n);
int lp_append_ll(struct shard *s, unsigned char **lpp, long long v);
/* Replace p's entry; *newp set as for lp_insert. */
int lp_replace(struct shard *s, unsigned char **lpp, unsigned char *p,
	       const void *str, size_t n, unsigned char **newp);
/* Delete `num` entries starting at p (fewer if the end comes first).
 * *nextp (if not NULL) is set to the entry that followed them, or NULL.
 * Shrinking never fails (a failed shrink keeps the larger allocation). */
void lp_delete(struct shard *s, unsigned char **lpp, unsigned char *p, size_t num,
	       unsigned char **nextp);
/* Delete entries [index, index + num). */
void lp_delete_range(struct shard *s, unsigned char **lpp, long index, size_t num);

#endif
