/*
 * Listpack: Redis's entry encodings and backlen, a u32 count in the header.
 * See listpack.h for the layout and the position rules.
 */
#include <stdlib.h>

#include "listpack.h"
#include "store_int.h"

#define LP_ENC_7BIT_UINT 0x00   /* 0xxxxxxx */
#define LP_ENC_6BIT_STR 0x80    /* 10xxxxxx */
#define LP_ENC_13BIT_INT 0xC0   /* 110xxxxx yyyyyyyy */
#define LP_ENC_12BIT_STR 0xE0   /* 1110xxxx yyyyyyyy */
#define LP_ENC_32BIT_STR 0xF0
#define LP_ENC_16BIT_INT 0xF1
#define LP_ENC_24BIT_INT 0xF2
#define LP_ENC_32BIT_INT 0xF3
#define LP_ENC_64BIT_INT 0xF4

/* ---- header */

static inline uint32_t rd_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void wr_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

size_t lp_bytes(const unsigned char *lp) { return rd_u32(lp); }
size_t lp_count(const unsigned char *lp) { return rd_u32(lp + 4); }
static void set_bytes(unsigned char *lp, size_t n) { wr_u32(lp, (uint32_t)n); }
static void set_count(unsigned char *lp, size_t n) { wr_u32(lp + 4, (uint32_t)n); }

bool lp_safe_to_add(const unsigned char *lp, size_t add)
{
	size_t len = lp ? lp_bytes(lp) : LP_HDR_SIZE + 1;
	return len + add <= LP_MAX_SAFE_SIZE;
}

unsigned char *lp_new(struct shard *s)
{
	unsigned char *lp = mem_alloc(s, LP_HDR_SIZE + 1);
	if (!lp)
		return NULL;
	set_bytes(lp, LP_HDR_SIZE + 1);
	set_count(lp, 0);
	lp[LP_HDR_SIZE] = LP_EOF;
	return lp;
}

void lp_free(struct shard *s, unsigned char *lp) { mem_free(s, lp); }

unsigned char *lp_dup(struct shard *s, const unsigned char *lp)
{
	size_t n = lp_bytes(lp);
	unsigned char *c = mem_alloc(s, n);
	if (c)
		memcpy(c, lp, n);
	return c;
}

/* ---- entry sizes */

static size_t backlen_size(size_t l)
{
	if (l < 128)
		return 1;
	if (l < 16384)
		return 2;
	if (l < 2097152)
		return 3;
	if (l < 268435456)
		return 4;
	return 5;
}

/* Written so that reading backwards from the last byte works: the last byte
 * holds the low 7 bits, bit 7 set when more bytes precede it. */
static void backlen_put(unsigned char *dst, size_t l)
{
	size_t n = backlen_size(l);
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)(l & 127);
		l >>= 7;
		if (i + 1 < n)
			b |= 128;
		dst[n - 1 - i] = b;
	}
}

/* Decode the backlen that ends at last (inclusive); *nbytes its size. */
static size_t backlen_get(const unsigned char *last, size_t *nbytes)
{
	size_t v = 0;
	unsigned shift = 0;
	size_t i = 0;
	for (;;) {
		unsigned char b = last[-(ptrdiff_t)i];
		v |= (size_t)(b & 127) << shift;
		i++;
		if (!(b & 128) || i == 5)
			break;
		shift += 7;
	}
	*nbytes = i;
	return v;
}

/* Size of encoding + data of the entry at p. */
static size_t enc_size(const unsigned char *p)
{
	unsigned char c = p[0];
	if ((c & 0x80) == 0)
		return 1;
	if ((c & 0xC0) == LP_ENC_6BIT_STR)
		return 1 + (c & 0x3F);
	if ((c & 0xE0) == LP_ENC_13BIT_INT)
		return 2;
	if ((c & 0xF0) == LP_ENC_12BIT_STR)
		return 2 + ((size_t)(c & 0x0F) << 8 | p[1]);
	switch (c) {
	case LP_ENC_32BIT_STR: return 5 + rd_u32(p + 1);
	case LP_ENC_16BIT_INT: return 3;
	case LP_ENC_24BIT_INT: return 4;
	case LP_ENC_32BIT_INT: return 5;
	case LP_ENC_64BIT_INT: return 9;
	default: return 0; /* EOF or invalid */
	}
}

static size_t entry_size(const unsigned char *p)
{
	size_t l = enc_size(p);
	return l + backlen_size(l);
}

/* ---- encoding a new entry */

struct lp_enc {
	unsigned char hdr[9];
	size_t hdrlen;
	const void *data; /* string bytes after hdr, or NULL for integers */
	size_t datalen;
};

static void enc_ll(struct lp_enc *e, long long v)
{
	e->data = NULL;
	e->datalen = 0;
	uint64_t u = (uint64_t)v;
	if (v >= 0 && v <= 127) {
		e->hdr[0] = (unsigned char)v;
		e->hdrlen = 1;
	} else if (v >= -4096 && v <= 4095) {
		u &= 0x1FFF;
		e->hdr[0] = (unsigned char)(LP_ENC_13BIT_INT | (u >> 8));
		e->hdr[1] = (unsigned char)u;
		e->hdrlen = 2;
	} else {
		int nb;
		unsigned char code;
		if (v >= -32768 && v <= 32767) {
			nb = 2;
			code = LP_ENC_16BIT_INT;
		} else if (v >= -8388608 && v <= 8388607) {
			nb = 3;
			code = LP_ENC_24BIT_INT;
		} else if (v >= INT32_MIN && v <= INT32_MAX) {
			nb = 4;
			code = LP_ENC_32BIT_INT;
		} else {
			nb = 8;
			code = LP_ENC_64BIT_INT;
		}
		e->hdr[0] = code;
		for (int i = 0; i < nb; i++)
			e->hdr[1 + i] = (unsigned char)(u >> (8 * i));
		e->hdrlen = 1 + (size_t)nb;
	}
}

static void enc_str(struct lp_enc *e, const void *s, size_t n)
{
	long long v;
	if (n > 0 && n < UTIL_LL_STR_MAX && util_str_to_ll(s, n, &v)) {
		enc_ll(e, v);
		return;
	}
	if (n < 64) {
		e->hdr[0] = (unsigned char)(LP_ENC_6BIT_STR | n);
		e->hdrlen = 1;
	} else if (n < 4096) {
		e->hdr[0] = (unsigned char)(LP_ENC_12BIT_STR | (n >> 8));
		e->hdr[1] = (unsigned char)n;
		e->hdrlen = 2;
	} else {
		e->hdr[0] = LP_ENC_32BIT_STR;
		wr_u32(e->hdr + 1, (uint32_t)n);
		e->hdrlen = 5;
	}
	e->data = s;
	e->datalen = n;
}

/* ---- positions */

static inline bool at_eof(const unsigned char *p) { return *p == LP_EOF; }

unsigned char *lp_first(const unsigned char *lp)
{
	const unsigned char *p = lp + LP_HDR_SIZE;
	return at_eof(p) ? NULL : (unsigned char *)p;
}

unsigned char *lp_last(const unsigned char *lp)
{
	const unsigned char *eof = lp + lp_bytes(lp) - 1;
	return lp_prev(lp, eof);
}

unsigned char *lp_next(const unsigned char *lp, const unsigned char *p)
{
	(void)lp;
	p += entry_size(p);
	return at_eof(p) ? NULL : (unsigned char *)p;
}

unsigned char *lp_prev(const unsigned char *lp, const unsigned char *p)
{
	if (p == lp + LP_HDR_SIZE)
		return NULL;
	size_t nb;
	size_t l = backlen_get(p - 1, &nb);
	return (unsigned char *)(p - nb - l);
}

unsigned char *lp_seek(const unsigned char *lp, long index)
{
	size_t cnt = lp_count(lp);
	if (index < 0)
		index += (long)cnt;
	if (index < 0 || (size_t)index >= cnt)
		return NULL;
	unsigned char *p;
	if ((size_t)index <= cnt / 2) {
		p = lp_first(lp);
		while (index-- > 0)
			p = lp_next(lp, p);
	} else {
		p = lp_last(lp);
		for (size_t i = cnt - 1; i > (size_t)index; i--)
			p = lp_prev(lp, p);
	}
	return p;
}

/* ---- reading */

static long long sign_extend(uint64_t u, unsigned bits)
{
	uint64_t m = 1ULL << (bits - 1);
	return (long long)((u ^ m) - m);
}

void lp_get(const unsigned char *p, struct lp_val *out)
{
	unsigned char c = p[0];
	out->s = NULL;
	out->len = 0;
	if ((c & 0x80) == 0) {
		out->v = c;
		return;
	}
	if ((c & 0xC0) == LP_ENC_6BIT_STR) {
		out->s = p + 1;
		out->len = c & 0x3F;
		return;
	}
	if ((c & 0xE0) == LP_ENC_13BIT_INT) {
		out->v = sign_extend((uint64_t)(c & 0x1F) << 8 | p[1], 13);
		return;
	}
	if ((c & 0xF0) == LP_ENC_12BIT_STR) {
		out->s = p + 2;
		out->len = (size_t)(c & 0x0F) << 8 | p[1];
		return;
	}
	if (c == LP_ENC_32BIT_STR) {
		out->s = p + 5;
		out->len = rd_u32(p + 1);
		return;
	}
	unsigned nb = c == LP_ENC_16BIT_INT ? 2 : c == LP_ENC_24BIT_INT ? 3
		    : c == LP_ENC_32BIT_INT ? 4 : 8;
	uint64_t u = 0;
	for (unsigned i = 0; i < nb; i++)
		u |= (uint64_t)p[1 + i] << (8 * i);
	out->v = nb == 8 ? (long long)u : sign_extend(u, nb * 8);
}

const unsigned char *lp_get_str(const unsigned char *p, unsigned char buf[LP_INTBUF],
				size_t *len)
{
	struct lp_val v;
	lp_get(p, &v);
	if (v.s) {
		*len = v.len;
		return v.s;
	}
	*len = util_ll_put((char *)buf, v.v);
	return buf;
}

bool lp_get_ll(const unsigned char *p, long long *out)
{
	struct lp_val v;
	lp_get(p, &v);
	if (!v.s) {
		*out = v.v;
		return true;
	}
	return util_str_to_ll((const char *)v.s, v.len, out);
}

bool lp_eq(const unsigned char *p, const void *s, size_t n)
{
	struct lp_val v;
	lp_get(p, &v);
	if (v.s)
		return v.len == n && memcmp(v.s, s, n) == 0;
	long long x;
	return n > 0 && n < UTIL_LL_STR_MAX && util_str_to_ll(s, n, &x) && x == v.v;
}

unsigned char *lp_find(const unsigned char *lp, const unsigned char *p,
		       const void *s, size_t n, unsigned skip)
{
	/* Decide once whether the needle is an integer: then only integer
	 * entries can match, else only string entries of length n. */
	long long x;
	bool isint = n > 0 && n < UTIL_LL_STR_MAX && util_str_to_ll(s, n, &x);
	while (p) {
		struct lp_val v;
		lp_get(p, &v);
		if (v.s ? (!isint && v.len == n && memcmp(v.s, s, n) == 0)
			: (isint && v.v == x))
			return (unsigned char *)p;
		for (unsigned i = 0; i <= skip && p; i++)
			p = lp_next(lp, p);
	}
	return NULL;
}

/* ---- writes */

/* Put an encoded entry (with its backlen) at dst. */
static void enc_write(unsigned char *dst, const struct lp_enc *e)
{
	memcpy(dst, e->hdr, e->hdrlen);
	if (e->datalen)
		memcpy(dst + e->hdrlen, e->data, e->datalen);
	backlen_put(dst + e->hdrlen + e->datalen, e->hdrlen + e->datalen);
}

/* Replace `oldlen` bytes at offset off with the encoded entry. */
static int splice(struct shard *s, unsigned char **lpp, size_t off, size_t oldlen,
		  const struct lp_enc *e, long dcount, unsigned char **newp)
{
	unsigned char *lp = *lpp;
	size_t total = lp_bytes(lp);
	size_t l = e->hdrlen + e->datalen;
	size_t newlen = l + backlen_size(l);
	size_t ntotal = total - oldlen + newlen;
	if (ntotal > UINT32_MAX)
		return -ENOMEM;
	/* The string may live in this listpack (its bytes move with memmove
	 * and realloc): copy it first. */
	struct lp_enc copy = *e;
	char *tmp = NULL;
	if (e->datalen && (const unsigned char *)e->data >= lp &&
	    (const unsigned char *)e->data < lp + total) {
		tmp = malloc(e->datalen);
		if (!tmp)
			return -ENOMEM;
		memcpy(tmp, e->data, e->datalen);
		copy.data = tmp;
	}
	if (ntotal > total) {
		unsigned char *n = mem_realloc(s, lp, ntotal);
		if (!n) {
			free(tmp);
			return -ENOMEM;
		}
		lp = n;
	}
	memmove(lp + off + newlen, lp + off + oldlen, total - off - oldlen);
	enc_write(lp + off, &copy);
	free(tmp);
	if (ntotal < total) {
		unsigned char *n = mem_realloc(s, lp, ntotal);
		if (n)
			lp = n;
	}
	set_bytes(lp, ntotal);
	set_count(lp, (size_t)((long)lp_count(lp) + dcount));
	*lpp = lp;
	if (newp)
		*newp = lp + off;
	return 0;
}

static int insert_enc(struct shard *s, unsigned char **lpp, unsigned char *p,
		      enum lp_where where, const struct lp_enc *e, unsigned char **newp)
{
	unsigned char *lp = *lpp;
	size_t off;
	if (!p) {
		off = lp_bytes(lp) - 1;
	} else {
		off = (size_t)(p - lp);
		if (where == LP_AFTER)
			off += entry_size(p);
	}
	if (where == LP_REPLACE && p)
		return splice(s, lpp, off, entry_size(p), e, 0, newp);
	return splice(s, lpp, off, 0, e, 1, newp);
}

int lp_insert(struct shard *s, unsigned char **lpp, unsigned char *p, enum lp_where where,
	      const void *str, size_t n, unsigned char **newp)
{
	struct lp_enc e;
	enc_str(&e, str, n);
	return insert_enc(s, lpp, p, where, &e, newp);
}

int lp_insert_ll(struct shard *s, unsigned char **lpp, unsigned char *p, enum lp_where where,
		 long long v, unsigned char **newp)
{
	struct lp_enc e;
	enc_ll(&e, v);
	return insert_enc(s, lpp, p, where, &e, newp);
}

int lp_append(struct shard *s, unsigned char **lpp, const void *str, size_t n)
{
	return lp_insert(s, lpp, NULL, LP_AFTER, str, n, NULL);
}

int lp_append_ll(struct shard *s, unsigned char **lpp, long long v)
{
	return lp_insert_ll(s, lpp, NULL, LP_AFTER, v, NULL);
}

int lp_replace(struct shard *s, unsigned char **lpp, unsigned char *p,
	       const void *str, size_t n, unsigned char **newp)
{
	return lp_insert(s, lpp, p, LP_REPLACE, str, n, newp);
}

void lp_delete(struct shard *s, unsigned char **lpp, unsigned char *p, size_t num,
	       unsigned char **nextp)
{
	unsigned char *lp = *lpp;
	size_t total = lp_bytes(lp);
	unsigned char *q = p;
	size_t del = 0;
	while (del < num && !at_eof(q)) {
		q += entry_size(q);
		del++;
	}
	size_t off = (size_t)(p - lp), gap = (size_t)(q - p);
	memmove(p, q, total - off - gap);
	size_t ntotal = total - gap;
	unsigned char *n = gap ? mem_realloc(s, lp, ntotal) : NULL;
	if (n)
		lp = n;
	set_bytes(lp, ntotal);
	set_count(lp, lp_count(lp) - del);
	*lpp = lp;
	if (nextp)
		*nextp = at_eof(lp + off) ? NULL : lp + off;
}

void lp_delete_range(struct shard *s, unsigned char **lpp, long index, size_t num)
{
	unsigned char *p = lp_seek(*lpp, index);
	if (p && num)
		lp_delete(s, lpp, p, num, NULL);
}

/* ---- validation of untrusted bytes */

bool lp_validate(const unsigned char *lp, size_t n)
{
	if (n < LP_HDR_SIZE + 1 || lp_bytes(lp) != n || lp[n - 1] != LP_EOF)
		return false;
	const unsigned char *p = lp + LP_HDR_SIZE, *end = lp + n - 1;
	size_t cnt = 0;
	while (p < end) {
		unsigned char c = p[0];
		size_t avail = (size_t)(end - p);
		/* the encoding's fixed part must fit before its length is read */
		size_t need = (c & 0xF0) == LP_ENC_12BIT_STR ? 2 : c == LP_ENC_32BIT_STR ? 5 : 1;
		if (avail < need)
			return false;
		size_t l = enc_size(p);
		if (l == 0)
			return false;
		size_t bl = backlen_size(l);
		if (l > avail || bl > avail - l)
			return false;
		size_t nb;
		if (backlen_get(p + l + bl - 1, &nb) != l || nb != bl)
			return false;
		p += l + bl;
		cnt++;
	}
	return p == end && cnt == lp_count(lp);
}
