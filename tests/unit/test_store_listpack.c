/*
 * lib/store listpack unit tests: every entry encoding round-trips, forward
 * and backward iteration, insert/replace/delete at positions, find with a
 * stride, validation of dumped bytes, memory accounting, and a randomized
 * comparison against a plain array model.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/listpack.h"
#include "cunit_main.h"

static struct shard *new_shard(void)
{
	struct shard *s = shard_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/* entry p as a NUL-terminated string in out (cap bytes) */
static const char *str_of(const unsigned char *p, char *out, size_t cap)
{
	unsigned char buf[LP_INTBUF];
	size_t n;
	const unsigned char *b = lp_get_str(p, buf, &n);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = '\0';
	return out;
}

static void test_empty(void)
{
	struct shard *s = new_shard();
	size_t m0 = shard_used_memory(s);
	unsigned char *lp = lp_new(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
	CU_ASSERT_EQUAL(lp_count(lp), 0);
	CU_ASSERT_EQUAL(lp_bytes(lp), LP_HDR_SIZE + 1);
	CU_ASSERT_PTR_NULL(lp_first(lp));
	CU_ASSERT_PTR_NULL(lp_last(lp));
	CU_ASSERT_PTR_NULL(lp_seek(lp, 0));
	CU_ASSERT_PTR_NULL(lp_seek(lp, -1));
	CU_ASSERT_TRUE(lp_validate(lp, lp_bytes(lp)));
	CU_ASSERT_TRUE(shard_used_memory(s) > m0);
	lp_free(s, lp);
	CU_ASSERT_EQUAL(shard_used_memory(s), m0);
	shard_free(s);
}

static const long long ints[] = {
	0, 1, 127, 128, -1, -4096, 4095, 4096, -4097, -32768, 32767, 32768, -32769,
	-8388608, 8388607, 8388608, -8388609, INT_MAX, INT_MIN, (long long)INT_MAX + 1,
	(long long)INT_MIN - 1, LLONG_MAX, LLONG_MIN,
};

static void test_integers(void)
{
	struct shard *s = new_shard();
	unsigned char *lp = lp_new(s);
	size_t n = CUNIT_COUNT(ints);
	for (size_t i = 0; i < n; i++) {
		char b[32];
		int l = sprintf(b, "%lld", ints[i]);
		/* half as strings (canonical: stored as integers), half as ll */
		int rc = i % 2 ? lp_append(s, &lp, b, (size_t)l) : lp_append_ll(s, &lp, ints[i]);
		CU_ASSERT_EQUAL(rc, 0);
	}
	CU_ASSERT_EQUAL(lp_count(lp), n);
	CU_ASSERT_TRUE(lp_validate(lp, lp_bytes(lp)));
	unsigned char *p = lp_first(lp);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		struct lp_val v;
		lp_get(p, &v);
		CU_ASSERT_PTR_NULL(v.s);
		CU_ASSERT_EQUAL(v.v, ints[i]);
		char b[32], out[32];
		sprintf(b, "%lld", ints[i]);
		CU_ASSERT_STRING_EQUAL(str_of(p, out, sizeof(out)), b);
		CU_ASSERT_TRUE(lp_eq(p, b, strlen(b)));
		long long x;
		CU_ASSERT_TRUE(lp_get_ll(p, &x));
		CU_ASSERT_EQUAL(x, ints[i]);
		p = lp_next(lp, p);
	}
	CU_ASSERT_PTR_NULL(p);
	/* backwards */
	p = lp_last(lp);
	for (size_t i = n; i-- > 0;) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		struct lp_val v;
		lp_get(p, &v);
		CU_ASSERT_EQUAL(v.v, ints[i]);
		p = lp_prev(lp, p);
	}
	CU_ASSERT_PTR_NULL(p);
	/* 7-bit ints take 2 bytes (encoding + backlen) */
	unsigned char *small = lp_new(s);
	lp_append(s, &small, "5", 1);
	CU_ASSERT_EQUAL(lp_bytes(small), LP_HDR_SIZE + 1 + 2);
	lp_free(s, small);
	lp_free(s, lp);
	shard_free(s);
}

static void test_strings(void)
{
	struct shard *s = new_shard();
	size_t m0 = shard_used_memory(s);
	unsigned char *lp = lp_new(s);
	/* lengths on each side of the 6/12/32-bit string and backlen limits */
	static const size_t lens[] = { 0, 1, 63, 64, 125, 126, 127, 128, 4095, 4096, 16380, 16390, 70000 };
	size_t n = CUNIT_COUNT(lens);
	char *buf = malloc(70001);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t i = 0; i < n; i++) {
		memset(buf, 'a' + (int)i, lens[i]);
		CU_ASSERT_EQUAL_FATAL(lp_append(s, &lp, buf, lens[i]), 0);
	}
	/* non-canonical integers stay strings */
	static const char *nc[] = { "01", "-0", "+1", " 1", "1 ", "99999999999999999999", "1.5" };
	for (size_t i = 0; i < CUNIT_COUNT(nc); i++)
		lp_append(s, &lp, nc[i], strlen(nc[i]));
	CU_ASSERT_TRUE(lp_validate(lp, lp_bytes(lp)));
	CU_ASSERT_EQUAL(lp_count(lp), n + CUNIT_COUNT(nc));
	unsigned char *p = lp_first(lp);
	for (size_t i = 0; i < n; i++) {
		struct lp_val v;
		lp_get(p, &v);
		CU_ASSERT_PTR_NOT_NULL(v.s);
		CU_ASSERT_EQUAL(v.len, lens[i]);
		memset(buf, 'a' + (int)i, lens[i]);
		CU_ASSERT_TRUE(v.s && memcmp(v.s, buf, lens[i]) == 0);
		CU_ASSERT_TRUE(lp_eq(p, buf, lens[i]));
		p = lp_next(lp, p);
	}
	for (size_t i = 0; i < CUNIT_COUNT(nc); i++) {
		struct lp_val v;
		lp_get(p, &v);
		CU_ASSERT_PTR_NOT_NULL(v.s);
		CU_ASSERT_TRUE(lp_eq(p, nc[i], strlen(nc[i])));
		long long x;
		CU_ASSERT_FALSE(lp_get_ll(p, &x));
		p = lp_next(lp, p);
	}
	CU_ASSERT_PTR_NULL(p);
	/* walk back over the long entries (multi-byte backlens) */
	size_t cnt = 0;
	for (p = lp_last(lp); p; p = lp_prev(lp, p))
		cnt++;
	CU_ASSERT_EQUAL(cnt, lp_count(lp));
	free(buf);
	lp_free(s, lp);
	CU_ASSERT_EQUAL(shard_used_memory(s), m0);
	shard_free(s);
}

static void test_insert_replace_delete(void)
{
	struct shard *s = new_shard();
	unsigned char *lp = lp_new(s), *p, *np;
	char out[64];
	lp_append(s, &lp, "b", 1);
	lp_append(s, &lp, "d", 1);
	p = lp_first(lp);
	CU_ASSERT_EQUAL(lp_insert(s, &lp, p, LP_BEFORE, "a", 1, &np), 0);
	CU_ASSERT_STRING_EQUAL(str_of(np, out, sizeof(out)), "a");
	CU_ASSERT_PTR_EQUAL(np, lp_first(lp));
	p = lp_seek(lp, 1);
	CU_ASSERT_EQUAL(lp_insert(s, &lp, p, LP_AFTER, "c", 1, &np), 0);
	CU_ASSERT_STRING_EQUAL(str_of(np, out, sizeof(out)), "c");
	CU_ASSERT_STRING_EQUAL(str_of(lp_seek(lp, -1), out, sizeof(out)), "d");
	CU_ASSERT_STRING_EQUAL(str_of(lp_seek(lp, -2), out, sizeof(out)), "c");
	CU_ASSERT_STRING_EQUAL(str_of(lp_seek(lp, 2), out, sizeof(out)), "c");
	CU_ASSERT_PTR_NULL(lp_seek(lp, 4));
	CU_ASSERT_PTR_NULL(lp_seek(lp, -5));
	/* replace with a longer string, an int, and a shorter one */
	p = lp_seek(lp, 1);
	char longs[300];
	memset(longs, 'x', sizeof(longs));
	CU_ASSERT_EQUAL(lp_replace(s, &lp, p, longs, sizeof(longs), &np), 0);
	CU_ASSERT_TRUE(lp_eq(np, longs, sizeof(longs)));
	CU_ASSERT_EQUAL(lp_count(lp), 4);
	CU_ASSERT_STRING_EQUAL(str_of(lp_next(lp, np), out, sizeof(out)), "c");
	CU_ASSERT_STRING_EQUAL(str_of(lp_prev(lp, np), out, sizeof(out)), "a");
	CU_ASSERT_EQUAL(lp_insert_ll(s, &lp, np, LP_REPLACE, -123456, &np), 0);
	CU_ASSERT_TRUE(lp_eq(np, "-123456", 7));
	CU_ASSERT_EQUAL(lp_replace(s, &lp, np, "B", 1, &np), 0);
	CU_ASSERT_TRUE(lp_validate(lp, lp_bytes(lp)));
	/* a replacement whose bytes live in the listpack itself */
	struct lp_val v;
	lp_get(lp_seek(lp, 3), &v);
	CU_ASSERT_EQUAL(lp_replace(s, &lp, lp_first(lp), v.s, v.len, &np), 0);
	CU_ASSERT_TRUE(lp_eq(lp_first(lp), "d", 1));
	/* delete the middle two: next is the last */
	lp_delete(s, &lp, lp_seek(lp, 1), 2, &np);
	CU_ASSERT_EQUAL(lp_count(lp), 2);
	CU_ASSERT_TRUE(lp_eq(np, "d", 1));
	lp_delete(s, &lp, np, 5, &np);
	CU_ASSERT_PTR_NULL(np);
	CU_ASSERT_EQUAL(lp_count(lp), 1);
	lp_delete_range(s, &lp, -1, 1);
	CU_ASSERT_EQUAL(lp_count(lp), 0);
	CU_ASSERT_EQUAL(lp_bytes(lp), LP_HDR_SIZE + 1);
	lp_free(s, lp);
	shard_free(s);
}

static void test_find_stride(void)
{
	struct shard *s = new_shard();
	unsigned char *lp = lp_new(s);
	/* field,value pairs where values equal other fields' names */
	const char *kv[] = { "f1", "f2", "f2", "10", "10", "x", "f3", "f1" };
	for (size_t i = 0; i < 8; i++)
		lp_append(s, &lp, kv[i], strlen(kv[i]));
	unsigned char *p = lp_find(lp, lp_first(lp), "f2", 2, 1);
	CU_ASSERT_PTR_EQUAL(p, lp_seek(lp, 2));
	p = lp_find(lp, lp_first(lp), "10", 2, 1);
	CU_ASSERT_PTR_EQUAL(p, lp_seek(lp, 4));
	CU_ASSERT_PTR_NULL(lp_find(lp, lp_first(lp), "x", 1, 1));
	CU_ASSERT_PTR_EQUAL(lp_find(lp, lp_first(lp), "x", 1, 0), lp_seek(lp, 5));
	CU_ASSERT_PTR_NULL(lp_find(lp, lp_first(lp), "010", 3, 0));
	CU_ASSERT_PTR_NULL(lp_find(lp, lp_first(lp), "nope", 4, 1));
	CU_ASSERT_PTR_NULL(lp_find(lp, NULL, "f1", 2, 1));
	lp_free(s, lp);
	shard_free(s);
}

static void test_validate(void)
{
	struct shard *s = new_shard();
	unsigned char *lp = lp_new(s);
	lp_append(s, &lp, "hello", 5);
	lp_append_ll(s, &lp, 1234567);
	char big[200];
	memset(big, 'q', sizeof(big));
	lp_append(s, &lp, big, sizeof(big));
	size_t n = lp_bytes(lp);
	CU_ASSERT_TRUE(lp_validate(lp, n));
	CU_ASSERT_FALSE(lp_validate(lp, n - 1));
	CU_ASSERT_FALSE(lp_validate(lp, 3));
	unsigned char *c = malloc(n);
	/* flip every byte in turn: never crash, and header/backlen damage is seen */
	int caught = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(c, lp, n);
		c[i] ^= 0x5a;
		if (!lp_validate(c, n))
			caught++;
	}
	CU_ASSERT_TRUE(caught > 0);
	memcpy(c, lp, n);
	c[4] = 7; /* wrong count */
	CU_ASSERT_FALSE(lp_validate(c, n));
	free(c);
	unsigned char *d = lp_dup(s, lp);
	CU_ASSERT_EQUAL(memcmp(d, lp, n), 0);
	lp_free(s, d);
	lp_free(s, lp);
	shard_free(s);
}

/* Random inserts, replaces and deletes compared with an array of strings. */
static void test_random_model(void)
{
	struct shard *s = new_shard();
	size_t m0 = shard_used_memory(s);
	unsigned char *lp = lp_new(s);
	enum { MAXN = 300 };
	char *model[MAXN];
	size_t mlen[MAXN];
	size_t n = 0;
	unsigned seed = 12345;
	char tmp[200];
	int bad = 0;
	for (int round = 0; round < 20000 && !bad; round++) {
		seed = seed * 1103515245 + 12345;
		unsigned r = seed >> 8;
		int op = (int)(r % 4);
		size_t tl;
		if (r & 0x100)
			tl = (size_t)sprintf(tmp, "%d", (int)(r % 100000) - 50000);
		else {
			tl = (r >> 9) % 150;
			for (size_t i = 0; i < tl; i++)
				tmp[i] = (char)('a' + (i + r) % 26);
		}
		if ((op <= 1 || n == 0) && n < MAXN) {
			size_t idx = n ? (r >> 3) % (n + 1) : 0;
			unsigned char *np;
			int rc = idx == n ? lp_insert(s, &lp, NULL, LP_AFTER, tmp, tl, &np)
				 : lp_insert(s, &lp, lp_seek(lp, (long)idx), LP_BEFORE, tmp, tl, &np);
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_TRUE(lp_eq(np, tmp, tl));
			memmove(model + idx + 1, model + idx, (n - idx) * sizeof(*model));
			memmove(mlen + idx + 1, mlen + idx, (n - idx) * sizeof(*mlen));
			model[idx] = malloc(tl + 1);
			memcpy(model[idx], tmp, tl);
			mlen[idx] = tl;
			n++;
		} else if (op == 2 && n) {
			size_t idx = (r >> 3) % n;
			CU_ASSERT_EQUAL(lp_replace(s, &lp, lp_seek(lp, (long)idx), tmp, tl, NULL), 0);
			free(model[idx]);
			model[idx] = malloc(tl + 1);
			memcpy(model[idx], tmp, tl);
			mlen[idx] = tl;
		} else if (n) {
			size_t idx = (r >> 3) % n, k = 1 + (r >> 12) % 3;
			if (k > n - idx)
				k = n - idx;
			lp_delete(s, &lp, lp_seek(lp, (long)idx), k, NULL);
			for (size_t i = idx; i < idx + k; i++)
				free(model[i]);
			memmove(model + idx, model + idx + k, (n - idx - k) * sizeof(*model));
			memmove(mlen + idx, mlen + idx + k, (n - idx - k) * sizeof(*mlen));
			n -= k;
		}
		if (lp_count(lp) != n || !lp_validate(lp, lp_bytes(lp)))
			bad = 1;
		if (round % 97 == 0) {
			unsigned char *p = lp_first(lp);
			for (size_t i = 0; i < n; i++, p = lp_next(lp, p))
				if (!p || !lp_eq(p, model[i], mlen[i]))
					bad = 1;
		}
	}
	CU_ASSERT_FALSE(bad);
	for (size_t i = 0; i < n; i++)
		free(model[i]);
	lp_free(s, lp);
	CU_ASSERT_EQUAL(shard_used_memory(s), m0);
	shard_free(s);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "empty", test_empty },
		{ "integer encodings", test_integers },
		{ "string encodings and backlens", test_strings },
		{ "insert, replace, delete", test_insert_replace_delete },
		{ "find with stride", test_find_stride },
		{ "validate and dup", test_validate },
		{ "random ops against a model", test_random_model },
	};
	return cunit_run_one("store_listpack", tests);
}
