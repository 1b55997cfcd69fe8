/*
 * lib/store unit tests: table growth and rehash, scan guarantee across
 * resizes, lazy and active expiry, exact memory accounting, encodings,
 * string writes, rename/copy, random keys, glob matching.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "cunit_main.h"

#define T0 1700000000000LL /* a fixed "now" in unix ms */

static struct shard *new_shard(int ndb)
{
	struct shard *s = shard_new(ndb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	shard_set_time(s, T0);
	return s;
}

static size_t kfmt(char *buf, const char *prefix, long i)
{
	return (size_t)sprintf(buf, "%s%ld", prefix, i);
}

static struct sentry *set(struct shard *s, int db, const char *k, const char *v)
{
	return shard_set_str(s, db, k, strlen(k), v, strlen(v), 0);
}

static struct sentry *get(struct shard *s, int db, const char *k)
{
	return shard_lookup(s, db, k, strlen(k), 0);
}

/* value of e as a NUL-terminated string in buf */
static const char *val(const struct sentry *e, char *buf)
{
	char tmp[32];
	size_t n;
	const char *p = sentry_str(e, tmp, &n);
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* ---------------------------------------------------------------- tables */

static void test_growth_1m(void)
{
	struct shard *s = new_shard(1);
	char k[32], v[32], b[64];
	const long N = 1000000;
	int bad = 0;

	for (long i = 0; i < N; i++) {
		size_t kl = kfmt(k, "key:", i);
		size_t vl = kfmt(v, "val-", i * 7);
		if (!shard_set_str(s, 0, k, kl, v, vl, 0))
			bad++;
		if (i % 997 == 0) { /* an older key and the new one stay findable */
			long j = (long)((unsigned long)i * 2654435761u % (unsigned long)(i + 1));
			kl = kfmt(k, "key:", j);
			struct sentry *e = shard_lookup(s, 0, k, kl, 0);
			kfmt(v, "val-", j * 7);
			if (!e || strcmp(val(e, b), v) != 0)
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(shard_dbsize(s, 0), (size_t)N);
	for (long i = 0; i < N; i++) {
		size_t kl = kfmt(k, "key:", i);
		struct sentry *e = shard_lookup(s, 0, k, kl, LOOKUP_NOTOUCH);
		kfmt(v, "val-", i * 7);
		if (!e || strcmp(val(e, b), v) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_PTR_NULL(shard_lookup(s, 0, "key:-1", 6, 0));
	CU_ASSERT(shard_stats(s)->rehash_steps > 0);

	/* delete half: shrinks happen incrementally, the rest stay findable */
	for (long i = 0; i < N; i += 2) {
		size_t kl = kfmt(k, "key:", i);
		if (shard_delete(s, 0, k, kl) != 1)
			bad++;
	}
	while (shard_rehash_step(s, 100) > 0)
		;
	CU_ASSERT_EQUAL(shard_dbsize(s, 0), (size_t)N / 2);
	for (long i = 0; i < N; i++) {
		size_t kl = kfmt(k, "key:", i);
		struct sentry *e = shard_lookup(s, 0, k, kl, 0);
		if ((i % 2 == 0) != (e == NULL))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	shard_free(s);
}

/* The per-turn housekeeping skips idle shards; a shard whose keys mostly
 * went away must still give the big table's memory back. */
static void test_shrink_after_mass_delete(void)
{
	struct shard *s = new_shard(16);
	char k[32];
	size_t base = shard_used_memory(s);
	for (long i = 0; i < 50000; i++) {
		size_t kl = kfmt(k, "m", i);
		shard_set_str(s, 3, k, kl, "v", 1, 0);
	}
	int rounds = 0;
	while (shard_rehash_step(s, 100) > 0 && rounds++ < 100000)
		;
	size_t full = shard_used_memory(s) - base;
	CU_ASSERT(full > 512 * 1024); /* 64k buckets of 8 bytes, 50k entries */
	for (long i = 100; i < 50000; i++) {
		size_t kl = kfmt(k, "m", i);
		CU_ASSERT_EQUAL_FATAL(shard_delete(s, 3, k, kl), 1);
	}
	/* loop turns: shrinks in stages (65536 -> 8192 buckets while the
	 * deletes run, then 128 once that rehash is over) */
	for (int turn = 0; turn < 10000; turn++)
		shard_rehash_step(s, 100);
	CU_ASSERT_EQUAL(shard_rehash_step(s, 100), 0);
	CU_ASSERT_EQUAL(shard_dbsize(s, 3), 100);
	CU_ASSERT(shard_used_memory(s) - base < 64 * 1024);
	for (long i = 0; i < 100; i++) {
		size_t kl = kfmt(k, "m", i);
		CU_ASSERT_PTR_NOT_NULL(shard_lookup(s, 3, k, kl, 0));
	}
	shard_free(s);
}

static void test_rehash_step_bounded(void)
{
	struct shard *s = new_shard(1);
	char k[32];
	/* 4096 keys fill the table; the next insert starts a grow */
	for (long i = 0; i <= 4096; i++) {
		size_t kl = kfmt(k, "r", i);
		shard_set_str(s, 0, k, kl, "v", 1, 0);
	}
	uint64_t before = shard_stats(s)->rehash_steps;
	int left = shard_rehash_step(s, 10);
	uint64_t moved = shard_stats(s)->rehash_steps - before;
	CU_ASSERT(moved <= 10);
	int rounds = 0;
	while (left > 0 && rounds < 100000) {
		left = shard_rehash_step(s, 10);
		rounds++;
	}
	CU_ASSERT_EQUAL(left, 0);
	CU_ASSERT(rounds > 10); /* it took many bounded steps, not one */
	for (long i = 0; i <= 4096; i++) {
		size_t kl = kfmt(k, "r", i);
		CU_ASSERT_PTR_NOT_NULL(shard_lookup(s, 0, k, kl, 0));
	}
	shard_free(s);
}

/* ---------------------------------------------------------------- scan */

struct seen {
	unsigned char *hit; /* per original index */
	long n;
	long calls;
	long expired_seen;
	int64_t now;
};

static void scan_cb(void *arg, const struct sentry *e)
{
	struct seen *sn = arg;
	size_t kl;
	const char *k = sentry_key(e, &kl);
	char buf[64];
	sn->calls++;
	if (sentry_expire(e) != STORE_NO_EXPIRE && sentry_expire(e) <= sn->now)
		sn->expired_seen++;
	if (kl < 2 || k[0] != 'o' || k[1] != ':')
		return;
	memcpy(buf, k + 2, kl - 2);
	buf[kl - 2] = '\0';
	long i = atol(buf);
	if (i >= 0 && i < sn->n)
		sn->hit[i] = 1;
}

static void test_scan_grow_midway(void)
{
	struct shard *s = new_shard(1);
	const long N = 1000;
	char k[32];
	struct seen sn = { .hit = calloc(N, 1), .n = N, .now = T0 };

	for (long i = 0; i < N; i++)
		shard_set_str(s, 0, k, kfmt(k, "o:", i), "x", 1, 0);
	uint64_t cur = 0;
	long extra = 0, iters = 0;
	do {
		cur = shard_scan(s, 0, cur, 10, scan_cb, &sn);
		/* the first 40 calls add 8000 keys: several grows mid-scan */
		for (int j = 0; j < 200 && iters < 40; j++)
			shard_set_str(s, 0, k, kfmt(k, "n:", extra++), "y", 1, 0);
		iters++;
	} while (cur != 0 && iters < 100000);
	CU_ASSERT_EQUAL(cur, 0);
	long missing = 0;
	for (long i = 0; i < N; i++)
		missing += !sn.hit[i];
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(shard_dbsize(s, 0), (size_t)N + 8000);
	CU_ASSERT(shard_stats(s)->rehash_steps > 1000);
	free(sn.hit);
	shard_free(s);
}

static void test_scan_shrink_midway(void)
{
	struct shard *s = new_shard(1);
	const long N = 500, X = 20000;
	char k[32];
	struct seen sn = { .hit = calloc(N, 1), .n = N, .now = T0 };

	for (long i = 0; i < N; i++)
		shard_set_str(s, 0, k, kfmt(k, "o:", i), "x", 1, 0);
	for (long i = 0; i < X; i++)
		shard_set_str(s, 0, k, kfmt(k, "n:", i), "y", 1, 0);
	while (shard_rehash_step(s, 1000))
		;
	uint64_t cur = 0;
	long del = 0, iters = 0;
	do {
		cur = shard_scan(s, 0, cur, 20, scan_cb, &sn);
		for (int j = 0; j < 400 && del < X; j++) /* forces shrinks mid-scan */
			shard_delete(s, 0, k, kfmt(k, "n:", del++));
		shard_rehash_step(s, 7);
		iters++;
	} while (cur != 0 && iters < 100000);
	CU_ASSERT_EQUAL(cur, 0);
	long missing = 0;
	for (long i = 0; i < N; i++)
		missing += !sn.hit[i];
	CU_ASSERT_EQUAL(missing, 0);
	free(sn.hit);
	shard_free(s);
}

static void test_scan_skips_expired(void)
{
	struct shard *s = new_shard(1);
	char k[32];
	struct seen sn = { .hit = calloc(100, 1), .n = 100, .now = T0 + 5000 };
	for (long i = 0; i < 100; i++) {
		struct sentry *e = shard_set_str(s, 0, k, kfmt(k, "o:", i), "x", 1, 0);
		if (i % 2)
			shard_set_expire(s, 0, e, T0 + 1000);
	}
	shard_set_time(s, T0 + 5000);
	uint64_t cur = 0;
	do
		cur = shard_scan(s, 0, cur, 100, scan_cb, &sn);
	while (cur);
	CU_ASSERT_EQUAL(sn.calls, 50);
	CU_ASSERT_EQUAL(sn.expired_seen, 0);
	for (long i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(sn.hit[i], i % 2 == 0);
	struct shard *empty = new_shard(1);
	CU_ASSERT_EQUAL(shard_scan(empty, 0, 0, 10, scan_cb, &sn), 0);
	shard_free(empty);
	free(sn.hit);
	shard_free(s);
}

/* ---------------------------------------------------------------- expiry */

static void test_lazy_expire(void)
{
	struct shard *s = new_shard(2);
	struct sentry *e = set(s, 0, "t", "v");
	e = shard_set_expire(s, 0, e, T0 + 1000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(sentry_expire(e), T0 + 1000);
	CU_ASSERT_EQUAL(shard_expires(s, 0), 1);
	shard_set_time(s, T0 + 999);
	CU_ASSERT_PTR_NOT_NULL(get(s, 0, "t"));
	shard_set_time(s, T0 + 1000); /* expire <= now: gone */
	CU_ASSERT_EQUAL(shard_dbsize(s, 0), 1); /* like DBSIZE: until collected */
	CU_ASSERT_PTR_NULL(shard_lookup(s, 0, "t", 1, LOOKUP_NOTOUCH));
	CU_ASSERT_EQUAL(shard_dbsize(s, 0), 0);
	CU_ASSERT_EQUAL(shard_expires(s, 0), 0);
	CU_ASSERT_EQUAL(shard_stats(s)->expired_keys, 1);

	/* delete of an expired key reports absent; SET KEEPTTL over one keeps nothing */
	e = shard_set_expire(s, 0, set(s, 0, "u", "v"), T0 + 1500);
	shard_set_time(s, T0 + 2000);
	CU_ASSERT_EQUAL(shard_delete(s, 0, "u", 1), 0);
	e = shard_set_expire(s, 0, set(s, 0, "w", "v"), T0 + 2500);
	shard_set_time(s, T0 + 3000);
	e = shard_set_str(s, 0, "w", 1, "z", 1, SET_KEEPTTL);
	CU_ASSERT_EQUAL(sentry_expire(e), STORE_NO_EXPIRE);
	CU_ASSERT_EQUAL(shard_stats(s)->expired_keys, 3);

	/* clearing a TTL keeps the key and value */
	e = shard_set_expire(s, 1, set(s, 1, "p", "persist-me"), T0 + 10000);
	e = shard_set_expire(s, 1, e, STORE_NO_EXPIRE);
	char b[64];
	CU_ASSERT_STRING_EQUAL(val(e, b), "persist-me");
	CU_ASSERT_EQUAL(shard_expires(s, 1), 0);
	shard_set_time(s, T0 + 20000);
	e = get(s, 1, "p");
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(sentry_expire(e), STORE_NO_EXPIRE);
	shard_free(s);
}

static void test_active_expire(void)
{
	struct shard *s = new_shard(3);
	char k[32];
	const long N = 3000;
	for (long i = 0; i < N; i++) {
		int db = (int)(i % 3);
		CU_ASSERT_PTR_NOT_NULL(shard_set_str(s, db, k, kfmt(k, "a", i), "v", 1, 0));
	}
	/* db0 and db1: every key volatile; db2: none */
	for (long i = 0; i < N; i++) {
		int db = (int)(i % 3);
		if (db == 2)
			continue;
		size_t kl = kfmt(k, "a", i);
		struct sentry *e = shard_lookup(s, db, k, kl, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_PTR_NOT_NULL(shard_set_expire(s, db, e, T0 + 100 + (i % 50)));
	}
	CU_ASSERT_EQUAL(shard_expires(s, 0) + shard_expires(s, 1), 2000);
	CU_ASSERT_EQUAL(shard_active_expire(s, 1000), 0); /* nothing due yet */
	shard_set_time(s, T0 + 1000);
	int calls = 0, total = 0;
	while (shard_expires(s, 0) + shard_expires(s, 1) > 0 && calls < 10000) {
		int n = shard_active_expire(s, 50);
		CU_ASSERT(n <= 50);
		total += n;
		calls++;
	}
	CU_ASSERT(calls > 10); /* bounded work: it took many calls */
	CU_ASSERT_EQUAL(total, 2000);
	CU_ASSERT_EQUAL(shard_stats(s)->expired_keys, 2000);
	CU_ASSERT_EQUAL(shard_dbsize(s, 0) + shard_dbsize(s, 1), 0);
	CU_ASSERT_EQUAL(shard_dbsize(s, 2), 1000);
	CU_ASSERT(shard_stats(s)->expire_cycles >= (uint64_t)calls);
	shard_free(s);
}

static void test_random_key(void)
{
	struct shard *s = new_shard(1);
	CU_ASSERT_PTR_NULL(shard_random(s, 0));
	set(s, 0, "a", "1");
	set(s, 0, "b", "2");
	set(s, 0, "c", "3");
	int cnt[3] = { 0 };
	for (int i = 0; i < 3000; i++) {
		size_t kl;
		struct sentry *e = shard_random(s, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		cnt[sentry_key(e, &kl)[0] - 'a']++;
	}
	for (int i = 0; i < 3; i++)
		CU_ASSERT(cnt[i] > 700);

	/* all but one key expired: random finds the live one, never an expired one */
	char k[32];
	for (long i = 0; i < 500; i++) {
		struct sentry *e = shard_set_str(s, 0, k, kfmt(k, "x", i), "v", 1, 0);
		shard_set_expire(s, 0, e, T0 + 10);
	}
	shard_delete(s, 0, "a", 1);
	shard_delete(s, 0, "b", 1);
	shard_set_time(s, T0 + 10);
	for (int i = 0; i < 20; i++) {
		size_t kl;
		struct sentry *e = shard_random(s, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(sentry_key(e, &kl)[0], 'c');
	}
	shard_delete(s, 0, "c", 1);
	CU_ASSERT_PTR_NULL(shard_random(s, 0));
	shard_free(s);
}

/* ---------------------------------------------------------------- memory */

static void test_accounting_baseline(void)
{
	struct shard *s = new_shard(4);
	size_t base = shard_used_memory(s);
	char k[64], v[128];
	CU_ASSERT(base > 0);

	for (long i = 0; i < 50000; i++) {
		int db = (int)(i % 4);
		size_t kl = kfmt(k, "key-with-some-length:", i);
		size_t vl = i % 5 == 0 ? kfmt(v, "", i) : (size_t)sprintf(v, "%0*ld", (int)(i % 90), i);
		struct sentry *e = shard_set_str(s, db, k, kl, v, vl, 0);
		if (i % 3 == 0)
			e = shard_set_expire(s, db, e, T0 + 100000 + i);
		if (i % 7 == 0)
			e = shard_str_append(s, db, e, "appended", 8);
		if (i % 11 == 0)
			e = shard_str_setrange(s, db, e, 100, "zz", 2);
		if (i % 13 == 0)
			e = shard_set_expire(s, db, e, STORE_NO_EXPIRE);
		if (i % 17 == 0)
			e = shard_rename(s, db, e, (db + 1) % 4, k, kl);
		CU_ASSERT_PTR_NOT_NULL(e);
	}
	size_t full = shard_used_memory(s);
	CU_ASSERT(full > base + 50000 * 40);
	for (long i = 0; i < 50000; i++) {
		size_t kl = kfmt(k, "key-with-some-length:", i);
		for (int db = 0; db < 4; db++)
			shard_delete(s, db, k, kl);
	}
	for (int db = 0; db < 4; db++)
		CU_ASSERT_EQUAL(shard_dbsize(s, db), 0);
	CU_ASSERT(shard_used_memory(s) < base + 4096); /* only tiny bucket arrays */
	shard_flushall(s);
	CU_ASSERT_EQUAL(shard_used_memory(s), base);

	/* flushdb of a populated db returns to baseline too */
	for (long i = 0; i < 1000; i++)
		shard_set_expire(s, 2, shard_set_str(s, 2, k, kfmt(k, "f", i), "v", 1, 0), T0 + 5);
	CU_ASSERT(shard_used_memory(s) > base);
	shard_flushdb(s, 2);
	CU_ASSERT_EQUAL(shard_used_memory(s), base);
	CU_ASSERT_EQUAL(shard_expires(s, 2), 0);
	shard_free(s);
}

static void test_bytes_per_key(void)
{
	struct shard *s = new_shard(1);
	const long N = 1000000;
	size_t base = shard_used_memory(s);
	char k[17], v[33];
	for (long i = 0; i < N; i++) {
		snprintf(k, sizeof(k), "key:%012ld", i);
		snprintf(v, sizeof(v), "value-%026ld", i);
		shard_set_str(s, 0, k, 16, v, 32, 0);
	}
	while (shard_rehash_step(s, 1000))
		;
	double per = (double)(shard_used_memory(s) - base) / (double)N;
	printf("\n    [store] 1M keys (16 B key, 32 B value): %.1f bytes/key (used_memory %zu)\n",
	       per, shard_used_memory(s));
	CU_ASSERT(per < 100.0);
	CU_ASSERT(per > 48.0); /* sanity: it counts at least the payload */
	shard_free(s);
}

/* ---------------------------------------------------------------- strings */

static void check_enc(struct shard *s, const char *v, int enc)
{
	struct sentry *e = set(s, 0, "enc", v);
	char b[128];
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	if (sentry_encoding(e) != enc)
		printf("\n    encoding of [%s]: %d, want %d\n", v, sentry_encoding(e), enc);
	CU_ASSERT_EQUAL(sentry_encoding(e), enc);
	CU_ASSERT_STRING_EQUAL(val(e, b), v);
	CU_ASSERT_EQUAL(sentry_type(e), OBJ_STRING);
}

static void test_encodings(void)
{
	struct shard *s = new_shard(1);
	char b[128];
	long long iv;
	/* expectations checked against redis-server 7.0.15 OBJECT ENCODING */
	check_enc(s, "123", ENC_INT);
	check_enc(s, "0", ENC_INT);
	check_enc(s, "-0", ENC_EMBSTR);
	check_enc(s, "007", ENC_EMBSTR);
	check_enc(s, "+1", ENC_EMBSTR);
	check_enc(s, " 1", ENC_EMBSTR);
	check_enc(s, "1 ", ENC_EMBSTR);
	check_enc(s, "-", ENC_EMBSTR);
	check_enc(s, "", ENC_EMBSTR);
	check_enc(s, "1.5", ENC_EMBSTR);
	check_enc(s, "9223372036854775807", ENC_INT);
	check_enc(s, "-9223372036854775808", ENC_INT);
	check_enc(s, "9223372036854775808", ENC_EMBSTR);
	check_enc(s, "-9223372036854775809", ENC_EMBSTR);
	check_enc(s, "12345678901234567890", ENC_EMBSTR);
	check_enc(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ENC_EMBSTR); /* 44 */
	check_enc(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", ENC_RAW);    /* 45 */

	struct sentry *e = set(s, 0, "n", "-42");
	CU_ASSERT(sentry_str_int(e, &iv));
	CU_ASSERT_EQUAL(iv, -42);
	e = shard_set_str(s, 0, "r", 1, "42", 2, SET_RAW);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_RAW);
	CU_ASSERT(!sentry_str_int(e, &iv));
	e = shard_set_int(s, 0, "i", 1, -9223372036854775807LL - 1);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_INT);
	CU_ASSERT_STRING_EQUAL(val(e, b), "-9223372036854775808");

	/* SET with binary value */
	e = shard_set_str(s, 0, "bin", 3, "a\0b", 3, 0);
	size_t n;
	const char *p = sentry_str(e, b, &n);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT(memcmp(p, "a\0b", 3) == 0);
	shard_free(s);
}

static void test_int_keepttl_overwrite(void)
{
	struct shard *s = new_shard(1);
	char b[64];
	struct sentry *e = shard_set_expire(s, 0, set(s, 0, "c", "10"), T0 + 50000);
	e = shard_set_int(s, 0, "c", 1, 11); /* INCR keeps the TTL */
	CU_ASSERT_EQUAL(sentry_expire(e), T0 + 50000);
	CU_ASSERT_STRING_EQUAL(val(e, b), "11");
	e = shard_set_str(s, 0, "c", 1, "x", 1, SET_KEEPTTL);
	CU_ASSERT_EQUAL(sentry_expire(e), T0 + 50000);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_EMBSTR);
	e = set(s, 0, "c", "y"); /* plain SET clears it */
	CU_ASSERT_EQUAL(sentry_expire(e), STORE_NO_EXPIRE);
	CU_ASSERT_EQUAL(shard_expires(s, 0), 0);
	e = shard_set_int(s, 0, "new", 3, 5);
	CU_ASSERT_EQUAL(sentry_expire(e), STORE_NO_EXPIRE);
	CU_ASSERT_PTR_EQUAL(get(s, 0, "new"), e);
	CU_ASSERT_EQUAL(shard_dbsize(s, 0), 2);
	shard_free(s);
}

static void test_append_setrange(void)
{
	struct shard *s = new_shard(1);
	char b[4096];
	struct sentry *e = set(s, 0, "a", "123");
	e = shard_str_append(s, 0, e, "", 0);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_RAW); /* as Redis: APPEND makes raw */
	CU_ASSERT_STRING_EQUAL(val(e, b), "123");
	e = shard_str_append(s, 0, e, "45", 2);
	CU_ASSERT_STRING_EQUAL(val(e, b), "12345");
	CU_ASSERT_PTR_EQUAL(get(s, 0, "a"), e);
	e = shard_set_expire(s, 0, e, T0 + 1000);
	for (int i = 0; i < 300; i++) { /* many moves while it has a TTL */
		e = shard_str_append(s, 0, e, "x", 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	}
	CU_ASSERT_PTR_EQUAL(get(s, 0, "a"), e);
	CU_ASSERT_EQUAL(sentry_expire(e), T0 + 1000);
	size_t n;
	sentry_str(e, b, &n);
	CU_ASSERT_EQUAL(n, 305);

	e = shard_set_str(s, 0, "r", 1, "", 0, SET_RAW);
	e = shard_str_setrange(s, 0, e, 3, "ab", 2);
	const char *p = sentry_str(e, b, &n);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT(memcmp(p, "\0\0\0ab", 5) == 0);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_RAW);
	e = shard_str_setrange(s, 0, e, 1, "ZZ", 2);
	p = sentry_str(e, b, &n);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT(memcmp(p, "\0ZZab", 5) == 0);
	e = set(s, 0, "i", "10");
	e = shard_str_setrange(s, 0, e, 0, "", 0); /* empty: untouched, like Redis */
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_INT);
	e = shard_str_setrange(s, 0, e, 1, "5", 1);
	CU_ASSERT_STRING_EQUAL(val(e, b), "15");
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_RAW);
	shard_free(s);
}

static void test_idle_and_lfu(void)
{
	struct shard *s = new_shard(1);
	set(s, 0, "k", "v");
	shard_set_time(s, T0 + 10000);
	struct sentry *e = shard_lookup(s, 0, "k", 1, LOOKUP_NOTOUCH);
	CU_ASSERT_EQUAL(sentry_idle_seconds(s, e), 10);
	uint8_t f0 = sentry_lfu(e);
	e = get(s, 0, "k");
	CU_ASSERT_EQUAL(sentry_idle_seconds(s, e), 0);
	for (int i = 0; i < 10000; i++)
		e = get(s, 0, "k");
	CU_ASSERT(sentry_lfu(e) > f0);
	CU_ASSERT(sentry_lfu(e) < 255); /* logarithmic: 10k hits are far from saturating */
	shard_free(s);
}

static void test_rename_copy(void)
{
	struct shard *s = new_shard(2);
	char b[64];
	struct sentry *e = shard_set_expire(s, 0, set(s, 0, "src", "hello"), T0 + 7000);
	set(s, 1, "dst", "old");
	shard_set_expire(s, 1, get(s, 1, "dst"), T0 + 99);
	size_t base_expires = shard_expires(s, 1);
	CU_ASSERT_EQUAL(base_expires, 1);

	e = shard_rename(s, 0, e, 1, "dst", 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NULL(get(s, 0, "src"));
	CU_ASSERT_PTR_EQUAL(get(s, 1, "dst"), e);
	CU_ASSERT_STRING_EQUAL(val(e, b), "hello");
	CU_ASSERT_EQUAL(sentry_expire(e), T0 + 7000);
	CU_ASSERT_EQUAL(shard_expires(s, 0), 0);
	CU_ASSERT_EQUAL(shard_expires(s, 1), 1);
	CU_ASSERT_EQUAL(shard_dbsize(s, 0), 0);
	CU_ASSERT_EQUAL(shard_dbsize(s, 1), 1);

	/* same key: a no-op returning the entry */
	CU_ASSERT_PTR_EQUAL(shard_rename(s, 1, e, 1, "dst", 3), e);

	/* rename within a db keeps encoding */
	struct sentry *n = set(s, 0, "num", "77");
	n = shard_rename(s, 0, n, 0, "num2", 4);
	CU_ASSERT_EQUAL(sentry_encoding(n), ENC_INT);
	CU_ASSERT_PTR_NULL(get(s, 0, "num"));
	CU_ASSERT_STRING_EQUAL(val(get(s, 0, "num2"), b), "77");

	/* copy: source stays, TTL copied, destination replaced */
	e = get(s, 1, "dst");
	set(s, 0, "cp", "to-be-replaced");
	struct sentry *c = shard_copy(s, 1, e, 0, "cp", 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(val(c, b), "hello");
	CU_ASSERT_EQUAL(sentry_expire(c), T0 + 7000);
	CU_ASSERT_PTR_NOT_NULL(get(s, 1, "dst"));
	CU_ASSERT_EQUAL(shard_expires(s, 0), 1);
	CU_ASSERT_EQUAL(shard_expires(s, 1), 1);
	shard_set_time(s, T0 + 7000);
	CU_ASSERT_PTR_NULL(get(s, 0, "cp"));
	CU_ASSERT_PTR_NULL(get(s, 1, "dst"));
	CU_ASSERT_EQUAL(shard_expires(s, 0) + shard_expires(s, 1), 0);

	/* delete_entry */
	e = set(s, 1, "gone", "x");
	shard_delete_entry(s, 1, e);
	CU_ASSERT_PTR_NULL(get(s, 1, "gone"));
	shard_free(s);
}

/* ---------------------------------------------------------------- glob */

static bool gm(const char *p, const char *str, bool nocase)
{
	return store_glob_match(p, strlen(p), str, strlen(str), nocase);
}

static void test_glob(void)
{
	/* each expectation checked against redis-server 7.0.15 KEYS */
	CU_ASSERT(gm("*", "anything", false));
	CU_ASSERT(gm("h?llo", "hello", false));
	CU_ASSERT(!gm("h?llo", "hllo", false));
	CU_ASSERT(gm("h*llo", "heeeello", false));
	CU_ASSERT(gm("h[ae]llo", "hello", false));
	CU_ASSERT(!gm("h[ae]llo", "hillo", false));
	CU_ASSERT(gm("h[^e]llo", "hallo", false));
	CU_ASSERT(!gm("h[^e]llo", "hello", false));
	CU_ASSERT(gm("h[a-b]llo", "hbllo", false));
	CU_ASSERT(!gm("h[a-b]llo", "hcllo", false));
	CU_ASSERT(gm("h[b-a]llo", "hallo", false)); /* reversed range */
	CU_ASSERT(gm("\\*", "*", false));
	CU_ASSERT(!gm("\\*", "a", false));
	CU_ASSERT(gm("a\\", "a\\", false)); /* trailing backslash is literal */
	CU_ASSERT(gm("[\\]]", "]", false));
	CU_ASSERT(gm("[abc", "a", false)); /* unterminated bracket */
	CU_ASSERT(gm("[abc", "c", false));
	CU_ASSERT(!gm("[abc", "d", false));
	CU_ASSERT(gm("[a-", "a", false));
	CU_ASSERT(!gm("[a-]", "-", false));
	CU_ASSERT(!gm("[]", "]", false));
	CU_ASSERT(gm("a*b*c", "axxbyyc", false));
	CU_ASSERT(!gm("a*b*c", "axxbyy", false));
	CU_ASSERT(gm("**a", "bba", false));
	CU_ASSERT(gm("a**", "a", false));
	CU_ASSERT(gm("foo*", "foo", false));
	CU_ASSERT(!gm("HeLLo", "hello", false));
	CU_ASSERT(gm("HeLLo", "hello", true));
	CU_ASSERT(gm("H[A-C]llo", "hbllo", true));
	CU_ASSERT(!gm("[^]a]", "b", false)); /* "[^]" closes at once */
	CU_ASSERT(!gm("[^]a]", "]", false));
	CU_ASSERT(gm("x[\\-]y", "x-y", false));
	CU_ASSERT(!gm("*[", "a[", false));
	CU_ASSERT(!gm("[a-z]*", "Abc", false));
	CU_ASSERT(gm("", "", false));
	CU_ASSERT(!gm("**", "", false)); /* stringmatchlen never enters its loop */
	CU_ASSERT(!gm("?", "", false));
	/* pattern/string with embedded NUL are compared by length */
	CU_ASSERT(store_glob_match("a?c", 3, "a\0c", 3, false));
	CU_ASSERT(!store_glob_match("abc", 2, "abc", 3, false));

	/* exponential-blowup guard: returns quickly */
	char pat[200], str[200];
	size_t pl = 0;
	for (int i = 0; i < 30; i++) {
		pat[pl++] = 'a';
		pat[pl++] = '*';
	}
	pat[pl++] = 'c';
	memset(str, 'a', 60);
	str[60] = 'b';
	CU_ASSERT(!store_glob_match(pat, pl, str, 61, false));
	char deep[5000];
	for (int i = 0; i < 2500; i++) {
		deep[2 * i] = '*';
		deep[2 * i + 1] = 'a';
	}
	CU_ASSERT(!store_glob_match(deep, 5000, str, 61, false));
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "encodings", test_encodings },
		{ "int and keepttl overwrite", test_int_keepttl_overwrite },
		{ "append and setrange", test_append_setrange },
		{ "idle time and lfu", test_idle_and_lfu },
		{ "rename and copy with ttl", test_rename_copy },
		{ "lazy expire", test_lazy_expire },
		{ "active expire bounded", test_active_expire },
		{ "random key", test_random_key },
		{ "glob", test_glob },
		{ "rehash step bounded", test_rehash_step_bounded },
		{ "shrink after mass delete", test_shrink_after_mass_delete },
		{ "scan across grow", test_scan_grow_midway },
		{ "scan across shrink", test_scan_shrink_midway },
		{ "scan skips expired", test_scan_skips_expired },
		{ "accounting back to baseline", test_accounting_baseline },
		{ "growth to 1M keys", test_growth_1m },
		{ "bytes per key at 1M", test_bytes_per_key },
	};

	return cunit_run_one("store", tests);
}
