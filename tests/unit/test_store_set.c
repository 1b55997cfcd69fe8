/*
 * lib/store sets (store_set.h) and the intset under them: both encodings,
 * the conversions Redis makes (non-integer member, count past the limit),
 * intset widths, STORE results' encodings, SSCAN, dump/restore and COPY
 * round trips, and used_memory back at its start after deletes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/intset.h"
#include "store/store.h"
#include "store/store_set.h"
#include "cunit_main.h"

#define MAX 512

static struct sentry *mk(struct shard *s, const char *key, const char *first)
{
	struct sentry *e = set_create(s, 0, key, strlen(key), first, strlen(first));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

static int add(struct shard *s, struct sentry *e, const char *m, size_t max)
{
	return set_add(s, e, m, strlen(m), max);
}

static bool has(struct shard *s, struct sentry *e, const char *m)
{
	return set_contains(s, e, m, strlen(m));
}

struct collect {
	char buf[4096];
	size_t len;
	long n;
};

static int collect(void *arg, const char *m, size_t len)
{
	struct collect *c = arg;
	if (c->len + len + 1 < sizeof(c->buf)) {
		memcpy(c->buf + c->len, m, len);
		c->len += len;
		c->buf[c->len++] = ' ';
		c->buf[c->len] = '\0';
	}
	c->n++;
	return 0;
}

static void test_intset_widths(void)
{
	struct shard *s = shard_new(1);
	size_t mem0 = shard_used_memory(s);
	struct intset *is = intset_new(s);
	int added;
	is = intset_add(s, is, 5, &added);
	CU_ASSERT(added == 1);
	is = intset_add(s, is, -3, &added);
	is = intset_add(s, is, 5, &added);
	CU_ASSERT(added == 0);
	CU_ASSERT_EQUAL(intset_blob_len(is), 8 + 2 * 2); /* 16-bit members */
	is = intset_add(s, is, 100000, &added);          /* -> 32 bits */
	CU_ASSERT_EQUAL(intset_blob_len(is), 8 + 3 * 4);
	is = intset_add(s, is, INT64_MIN, &added);       /* -> 64 bits, at the front */
	CU_ASSERT_EQUAL(intset_blob_len(is), 8 + 4 * 8);
	int64_t want[] = { INT64_MIN, -3, 5, 100000 };
	CU_ASSERT_EQUAL_FATAL(intset_len(is), 4);
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT(intset_get(is, i) == want[i]);
	CU_ASSERT(intset_find(is, 100000) && intset_find(is, INT64_MIN));
	CU_ASSERT(!intset_find(is, 4) && !intset_find(is, INT64_MAX));
	int removed;
	is = intset_remove(s, is, -3, &removed);
	CU_ASSERT(removed == 1 && intset_len(is) == 3);
	is = intset_remove(s, is, -3, &removed);
	CU_ASSERT(removed == 0);
	struct intset *c = intset_from_blob(s, intset_blob(is), intset_blob_len(is));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(intset_len(c) == 3 && intset_get(c, 2) == 100000);
	CU_ASSERT_PTR_NULL(intset_from_blob(s, intset_blob(is), intset_blob_len(is) - 1));
	intset_free(s, c);
	intset_free(s, is);
	CU_ASSERT_EQUAL(shard_used_memory(s), mem0);
	shard_free(s);
}

static void test_intset_encoding_and_conversions(void)
{
	struct shard *s = shard_new(1);
	size_t mem0 = shard_used_memory(s);
	struct sentry *e = mk(s, "k", "3");
	CU_ASSERT_EQUAL(sentry_type(e), OBJ_SET);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_INTSET);
	CU_ASSERT_EQUAL(add(s, e, "3", MAX), 1);
	CU_ASSERT_EQUAL(add(s, e, "1", MAX), 1);
	CU_ASSERT_EQUAL(add(s, e, "2", MAX), 1);
	CU_ASSERT_EQUAL(add(s, e, "2", MAX), 0);
	CU_ASSERT_EQUAL(set_card(e), 3);
	struct collect c = { 0 };
	set_foreach(e, collect, &c);
	CU_ASSERT_STRING_EQUAL(c.buf, "1 2 3 "); /* intsets iterate in order */
	/* not canonical integers: members of a hashtable, never of the intset */
	CU_ASSERT(!has(s, e, "01") && !has(s, e, "+1") && !has(s, e, " 1") && has(s, e, "1"));
	CU_ASSERT_EQUAL(set_remove(s, e, "01", 2), 0);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_INTSET);
	CU_ASSERT_EQUAL(add(s, e, "01", MAX), 1);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_HT);
	CU_ASSERT(has(s, e, "01") && has(s, e, "1") && has(s, e, "3"));
	CU_ASSERT_EQUAL(set_card(e), 4);
	/* never back to intset */
	CU_ASSERT_EQUAL(set_remove(s, e, "01", 2), 1);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_HT);

	/* count: converts on the add that passes the limit */
	struct sentry *f = mk(s, "f", "1");
	CU_ASSERT_EQUAL(add(s, f, "1", 3), 1);
	CU_ASSERT_EQUAL(add(s, f, "2", 3), 1);
	CU_ASSERT_EQUAL(add(s, f, "3", 3), 1);
	CU_ASSERT_EQUAL(sentry_encoding(f), ENC_INTSET);
	CU_ASSERT_EQUAL(add(s, f, "3", 3), 0);
	CU_ASSERT_EQUAL(sentry_encoding(f), ENC_INTSET);
	CU_ASSERT_EQUAL(add(s, f, "4", 3), 1);
	CU_ASSERT_EQUAL(sentry_encoding(f), ENC_HT);
	CU_ASSERT(has(s, f, "1") && has(s, f, "4") && set_card(f) == 4);

	/* a first member that is not an integer: hashtable from the start */
	struct sentry *g = mk(s, "g", "abc");
	CU_ASSERT_EQUAL(sentry_encoding(g), ENC_HT);
	CU_ASSERT_EQUAL(add(s, g, "abc", MAX), 1);
	CU_ASSERT_EQUAL(add(s, g, "1", MAX), 1);

	shard_flushall(s);
	CU_ASSERT_EQUAL(shard_used_memory(s), mem0);
	shard_free(s);
}

static void test_store_encodings(void)
{
	struct shard *s = shard_new(1);
	const char *ints[] = { "3", "1", "2", "1" };
	size_t il[] = { 1, 1, 1, 1 };
	CU_ASSERT_EQUAL(set_store(s, 0, "d", 1, 4, ints, il, MAX), 3);
	struct sentry *e = shard_lookup(s, 0, "d", 1, 0);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_INTSET);
	/* duplicates do not count towards the limit */
	CU_ASSERT_EQUAL(set_store(s, 0, "d", 1, 4, ints, il, 3), 3);
	CU_ASSERT_EQUAL(sentry_encoding(shard_lookup(s, 0, "d", 1, 0)), ENC_INTSET);
	CU_ASSERT_EQUAL(set_store(s, 0, "d", 1, 4, ints, il, 2), 3);
	CU_ASSERT_EQUAL(sentry_encoding(shard_lookup(s, 0, "d", 1, 0)), ENC_HT);
	const char *mixed[] = { "1", "x" };
	size_t ml[] = { 1, 1 };
	CU_ASSERT_EQUAL(set_store(s, 0, "d", 1, 2, mixed, ml, MAX), 2);
	e = shard_lookup(s, 0, "d", 1, 0);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_HT);
	CU_ASSERT(has(s, e, "x") && has(s, e, "1"));
	/* overwrite of a string with a TTL: TTL gone; empty result deletes */
	shard_set_str(s, 0, "str", 3, "v", 1, 0);
	shard_set_expire(s, 0, shard_lookup(s, 0, "str", 3, 0), 1LL << 50);
	CU_ASSERT_EQUAL(set_store(s, 0, "str", 3, 2, mixed, ml, MAX), 2);
	e = shard_lookup(s, 0, "str", 3, 0);
	CU_ASSERT(sentry_type(e) == OBJ_SET && sentry_expire(e) == STORE_NO_EXPIRE);
	CU_ASSERT_EQUAL(set_store(s, 0, "str", 3, 0, NULL, NULL, MAX), 0);
	CU_ASSERT_PTR_NULL(shard_lookup(s, 0, "str", 3, 0));
	/* set_reset keeps the key and its TTL */
	e = shard_lookup(s, 0, "d", 1, 0);
	shard_set_expire(s, 0, e, 1LL << 50);
	e = shard_lookup(s, 0, "d", 1, 0);
	CU_ASSERT_EQUAL(set_reset(s, e, 3, ints, il, MAX), 0);
	e = shard_lookup(s, 0, "d", 1, 0);
	CU_ASSERT(sentry_encoding(e) == ENC_INTSET && set_card(e) == 3);
	CU_ASSERT(sentry_expire(e) == 1LL << 50);
	shard_free(s);
}

static void test_dump_restore_copy(void)
{
	struct shard *a = shard_new(2), *b = shard_new(1);
	size_t memb = shard_used_memory(b);
	struct sentry *i = mk(a, "i", "7");
	add(a, i, "-70000", MAX);
	add(a, i, "7", MAX);
	struct sentry *h = mk(a, "h", "x");
	add(a, h, "x", MAX);
	char buf[32];
	for (int k = 0; k < 1000; k++) {
		snprintf(buf, sizeof(buf), "member:%d", k);
		add(a, h, buf, MAX);
	}
	const char *keys[] = { "i", "h" };
	for (int k = 0; k < 2; k++) {
		struct sentry *e = shard_lookup(a, 0, keys[k], 1, 0);
		size_t n;
		char *p = shard_dump_value(e, &n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		struct sentry *r = shard_restore(b, 0, keys[k], 1, p, n, STORE_NO_EXPIRE);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_PTR_NULL(shard_restore(b, 0, "bad", 3, p, n - 1, STORE_NO_EXPIRE));
		free(p);
		e = shard_lookup(a, 0, keys[k], 1, 0);
		r = shard_lookup(b, 0, keys[k], 1, 0);
		CU_ASSERT_EQUAL(sentry_encoding(r), sentry_encoding(e));
		CU_ASSERT_EQUAL(set_card(r), set_card(e));
		struct sentry *cp = shard_copy(a, 0, e, 1, keys[k], 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
		CU_ASSERT_EQUAL(set_card(cp), set_card(shard_lookup(a, 0, keys[k], 1, 0)));
	}
	struct sentry *r = shard_lookup(b, 0, "i", 1, 0);
	CU_ASSERT(has(b, r, "-70000") && has(b, r, "7") && set_card(r) == 2);
	r = shard_lookup(b, 0, "h", 1, 0);
	CU_ASSERT(has(b, r, "member:999") && has(b, r, "x") && set_card(r) == 1001);
	/* the copy is independent of the original */
	struct sentry *cp = shard_lookup(a, 1, "h", 1, 0);
	CU_ASSERT_EQUAL(set_remove(a, cp, "x", 1), 1);
	CU_ASSERT(has(a, shard_lookup(a, 0, "h", 1, 0), "x"));
	shard_flushall(b);
	CU_ASSERT_EQUAL(shard_used_memory(b), memb);
	shard_free(a);
	shard_free(b);
}

static void test_scan_and_random(void)
{
	struct shard *s = shard_new(1);
	struct sentry *i = mk(s, "i", "1");
	for (int k = 1; k <= 20; k++) {
		char buf[8];
		snprintf(buf, sizeof(buf), "%d", k);
		add(s, i, buf, MAX);
	}
	struct collect c = { 0 };
	CU_ASSERT_EQUAL(set_scan(i, 12345, 1, collect, &c), 0); /* intset: all, cursor 0 */
	CU_ASSERT_EQUAL(c.n, 20);
	struct sentry *h = mk(s, "h", "a");
	char buf[32];
	for (int k = 0; k < 300; k++) {
		snprintf(buf, sizeof(buf), "m%d", k);
		add(s, h, buf, MAX);
	}
	c = (struct collect){ 0 };
	uint64_t cur = 0;
	int calls = 0;
	do {
		cur = set_scan(h, cur, 10, collect, &c);
		calls++;
	} while (cur && calls < 10000);
	CU_ASSERT_EQUAL(c.n, 300);
	CU_ASSERT(calls > 1);
	for (int k = 0; k < 100; k++) {
		char tmp[SET_MEMBER_TMP];
		size_t n;
		const char *m = set_random(s, i, tmp, &n);
		CU_ASSERT(set_contains(s, i, m, n));
		m = set_random(s, h, tmp, &n);
		CU_ASSERT(set_contains(s, h, m, n));
	}
	shard_free(s);
}

static void test_memory_returns(void)
{
	struct shard *s = shard_new(1);
	shard_set_str(s, 0, "other", 5, "v", 1, 0); /* the db's table exists */
	size_t mem0 = shard_used_memory(s);
	struct sentry *e = mk(s, "big", "0");
	char buf[32];
	for (int k = 0; k < 5000; k++) {
		snprintf(buf, sizeof(buf), "%d", k);
		add(s, e, buf, MAX); /* converts at 513 */
	}
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_HT);
	CU_ASSERT(shard_used_memory(s) > mem0 + 5000 * 16);
	for (int k = 0; k < 5000; k++) {
		snprintf(buf, sizeof(buf), "%d", k);
		CU_ASSERT_EQUAL(set_remove(s, e, buf, strlen(buf)), 1);
	}
	CU_ASSERT_EQUAL(set_card(e), 0);
	shard_delete_entry(s, 0, e);
	CU_ASSERT_EQUAL(shard_used_memory(s), mem0);
	shard_free(s);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "intset widths", test_intset_widths },
		{ "encodings and conversions", test_intset_encoding_and_conversions },
		{ "STORE result encodings", test_store_encodings },
		{ "dump, restore, copy", test_dump_restore_copy },
		{ "scan and random", test_scan_and_random },
		{ "memory back after deletes", test_memory_returns },
	};
	static const struct cunit_suite suites[] = {
		{ "set", NULL, NULL, tests, CUNIT_COUNT(tests) },
	};
	return cunit_run(suites, CUNIT_COUNT(suites));
}
