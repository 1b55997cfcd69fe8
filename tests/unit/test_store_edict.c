/*
 * lib/store edict: elements with each value kind, growth and shrink with
 * incremental rehash, the scan guarantee across resizes, iteration with
 * deletes, random picks, dup, and exact memory accounting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/edict.h"
#include "store/store.h"
#include "cunit_main.h"

static size_t fmt(char *buf, const char *prefix, long i)
{
	return (size_t)sprintf(buf, "%s%ld", prefix, i);
}

/* The number after a two-byte prefix of an element ("o:17" -> 17). */
static long num_of(const struct edict_ent *e)
{
	char tmp[32];
	size_t n;
	const char *k = edict_key(e, &n, EDICT_VNONE);
	if (n < 3 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, k + 2, n - 2);
	tmp[n - 2] = '\0';
	return strtol(tmp, NULL, 10);
}

static struct edict_ent *find(struct shard *s, struct edict *d, const char *k)
{
	return edict_find(s, d, k, strlen(k));
}

static void test_basic_none(void)
{
	struct shard *s = shard_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	size_t mem0 = shard_used_memory(s);
	struct edict *d = edict_new(s, EDICT_VNONE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL(edict_size(d), 0);
	CU_ASSERT_PTR_NULL(find(s, d, "a"));
	CU_ASSERT_EQUAL(edict_add(s, d, "a", 1), 1);
	CU_ASSERT_EQUAL(edict_add(s, d, "a", 1), 0);
	CU_ASSERT_EQUAL(edict_add(s, d, "", 0), 1); /* the empty string is an element */
	CU_ASSERT_EQUAL(edict_add(s, d, "a\0b", 3), 1); /* binary safe */
	CU_ASSERT_EQUAL(edict_size(d), 3);
	struct edict_ent *e = edict_find(s, d, "a\0b", 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	size_t n;
	const char *k = edict_key(e, &n, EDICT_VNONE);
	CU_ASSERT(n == 3 && memcmp(k, "a\0b", 3) == 0);
	CU_ASSERT_PTR_NULL(edict_find(s, d, "a\0c", 3));
	CU_ASSERT_EQUAL(edict_delete(s, d, "a", 1), 1);
	CU_ASSERT_EQUAL(edict_delete(s, d, "a", 1), 0);
	CU_ASSERT_EQUAL(edict_size(d), 2);
	CU_ASSERT(edict_mem_bytes(d) <= shard_used_memory(s) - mem0);
	edict_free(s, d);
	CU_ASSERT_EQUAL(shard_used_memory(s), mem0);
	shard_free(s);
}

static void test_values(void)
{
	struct shard *s = shard_new(1);
	size_t mem0 = shard_used_memory(s);
	struct edict *h = edict_new(s, EDICT_VBYTES);
	struct edict *z = edict_new(s, EDICT_VDOUBLE);
	CU_ASSERT_FATAL(h && z);
	CU_ASSERT_EQUAL(edict_vkind(h), EDICT_VBYTES);
	struct edict_ent *e = edict_insert(s, h, "field", 5, "value", 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	size_t n;
	const char *v = edict_val(e, &n);
	CU_ASSERT(n == 5 && memcmp(v, "value", 5) == 0);
	/* grow the value a lot (the element moves), then shrink it */
	char big[300];
	memset(big, 'x', sizeof(big));
	e = edict_set_bytes(s, h, e, big, sizeof(big));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_EQUAL(find(s, h, "field"), e);
	v = edict_val(e, &n);
	CU_ASSERT(n == sizeof(big) && memcmp(v, big, n) == 0);
	const char *k = edict_key(e, &n, EDICT_VBYTES);
	CU_ASSERT(n == 5 && memcmp(k, "field", 5) == 0);
	e = edict_set_bytes(s, h, e, "", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	edict_val(e, &n);
	CU_ASSERT_EQUAL(n, 0);

	e = edict_insert(s, z, "member", 6, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT(edict_double(e) == 0.0);
	edict_set_double(e, -2.5);
	CU_ASSERT(edict_double(find(s, z, "member")) == -2.5);
	k = edict_key(e, &n, EDICT_VDOUBLE);
	CU_ASSERT(n == 6 && memcmp(k, "member", 6) == 0);

	struct edict *h2 = edict_dup(s, h), *z2 = edict_dup(s, z);
	CU_ASSERT_FATAL(h2 && z2);
	CU_ASSERT(edict_double(find(s, z2, "member")) == -2.5);
	CU_ASSERT_PTR_NOT_NULL(find(s, h2, "field"));
	edict_free(s, h);
	edict_free(s, z);
	edict_free(s, h2);
	edict_free(s, z2);
	CU_ASSERT_EQUAL(shard_used_memory(s), mem0);
	shard_free(s);
}

/* Grow to many elements (several rehashes), delete most (shrinks), and
 * check every lookup and the memory on the way. */
static void test_grow_shrink(void)
{
	struct shard *s = shard_new(1);
	size_t mem0 = shard_used_memory(s);
	struct edict *d = edict_new(s, EDICT_VNONE);
	char buf[32];
	const long N = 20000;
	for (long i = 0; i < N; i++)
		CU_ASSERT_EQUAL_FATAL(edict_add(s, d, buf, fmt(buf, "m:", i)), 1);
	CU_ASSERT_EQUAL(edict_size(d), (size_t)N);
	long found = 0;
	for (long i = 0; i < N; i++)
		found += edict_find(s, d, buf, fmt(buf, "m:", i)) != NULL;
	CU_ASSERT_EQUAL(found, N);
	for (long i = 0; i < N; i++)
		if (i % 50)
			CU_ASSERT_EQUAL(edict_delete(s, d, buf, fmt(buf, "m:", i)), 1);
	CU_ASSERT_EQUAL(edict_size(d), (size_t)(N / 50));
	found = 0;
	for (long i = 0; i < N; i += 50)
		found += edict_find(s, d, buf, fmt(buf, "m:", i)) != NULL;
	CU_ASSERT_EQUAL(found, N / 50);
	/* writes finish the shrink: the buckets are far fewer than at the peak */
	for (long i = 0; i < 4 * N; i++) {
		edict_add(s, d, buf, fmt(buf, "t:", i));
		edict_delete(s, d, buf, fmt(buf, "t:", i));
	}
	CU_ASSERT(edict_mem_bytes(d) < (size_t)N * 8);
	edict_free(s, d);
	CU_ASSERT_EQUAL(shard_used_memory(s), mem0);
	shard_free(s);
}

struct seen {
	unsigned char *hit; /* per original element */
	long n;
	long calls;
};

static void on_scan(void *arg, const struct edict_ent *e)
{
	struct seen *sn = arg;
	size_t n;
	const char *k = edict_key(e, &n, EDICT_VNONE);
	sn->calls++;
	if (n > 2 && k[0] == 'o' && k[1] == ':') {
		long i = num_of(e);
		if (i >= 0 && i < sn->n)
			sn->hit[i] = 1;
	}
}

/* Every element present for the whole scan is reported, while the table
 * grows (adds between calls) and shrinks (deletes between calls). */
static void test_scan_across_rehash(void)
{
	struct shard *s = shard_new(1);
	struct edict *d = edict_new(s, EDICT_VNONE);
	char buf[32];
	const long N = 500;
	struct seen sn = { .hit = calloc((size_t)N, 1), .n = N };
	for (long i = 0; i < N; i++)
		edict_add(s, d, buf, fmt(buf, "o:", i));
	uint64_t cursor = 0;
	long step = 0, added = 0;
	do {
		cursor = edict_scan(d, cursor, 5, on_scan, &sn);
		if (step < 60) { /* grow: several doublings while scanning */
			for (int j = 0; j < 100; j++, added++)
				edict_add(s, d, buf, fmt(buf, "x:", added));
		} else if (added > 0) { /* then shrink back */
			for (int j = 0; j < 300 && added > 0; j++)
				edict_delete(s, d, buf, fmt(buf, "x:", --added));
		}
		step++;
	} while (cursor != 0 && step < 100000);
	CU_ASSERT_EQUAL(cursor, 0); /* finished */
	long missing = 0;
	for (long i = 0; i < N; i++)
		missing += !sn.hit[i];
	CU_ASSERT_EQUAL(missing, 0);
	/* a scan of an unchanged table reports every element exactly once */
	while (added > 0)
		edict_delete(s, d, buf, fmt(buf, "x:", --added));
	for (int i = 0; i < 64; i++) { /* finish any rehash in progress */
		edict_add(s, d, buf, fmt(buf, "y:", i));
		edict_delete(s, d, buf, fmt(buf, "y:", i));
	}
	sn.calls = 0;
	cursor = 0;
	do
		cursor = edict_scan(d, cursor, 7, on_scan, &sn);
	while (cursor);
	CU_ASSERT_EQUAL(sn.calls, N);
	free(sn.hit);
	edict_free(s, d);
	shard_free(s);
}

static void test_iterate_delete_random(void)
{
	struct shard *s = shard_new(1);
	size_t mem0 = shard_used_memory(s);
	struct edict *d = edict_new(s, EDICT_VNONE);
	char buf[32];
	const long N = 1000;
	for (long i = 0; i < N; i++)
		edict_add(s, d, buf, fmt(buf, "e:", i));
	/* random picks are members; over many picks, many distinct ones */
	long distinct = 0;
	unsigned char *hit = calloc((size_t)N, 1);
	if (!hit) {
		CU_FAIL_FATAL("out of memory");
		return;
	}
	for (int i = 0; i < 5000; i++) {
		struct edict_ent *e = edict_random(s, d);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		long idx = num_of(e);
		if (idx < 0 || idx >= N) {
			free(hit);
			CU_FAIL_FATAL("edict_random returned a non-member");
			return;
		}
		distinct += !hit[idx];
		hit[idx] = 1;
	}
	CU_ASSERT(distinct > N / 2);
	free(hit);
	/* iterate, deleting every other element as it is returned */
	struct edict_iter it;
	long seen = 0, deleted = 0;
	edict_iter_init(&it, d);
	for (struct edict_ent *e; (e = edict_iter_next(&it)); seen++)
		if (seen % 2 == 0) {
			edict_delete_ent(s, d, e);
			deleted++;
		}
	CU_ASSERT_EQUAL(seen, N);
	CU_ASSERT_EQUAL(edict_size(d), (size_t)(N - deleted));
	edict_shrink_maybe(s, d);
	/* delete the rest by iteration: random on an empty table is NULL */
	edict_iter_init(&it, d);
	for (struct edict_ent *e; (e = edict_iter_next(&it));)
		edict_delete_ent(s, d, e);
	CU_ASSERT_EQUAL(edict_size(d), 0);
	CU_ASSERT_PTR_NULL(edict_random(s, d));
	edict_free(s, d);
	CU_ASSERT_EQUAL(shard_used_memory(s), mem0);
	shard_free(s);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "elements without values", test_basic_none },
		{ "bytes and double values, dup", test_values },
		{ "grow and shrink with rehash", test_grow_shrink },
		{ "scan across grow and shrink", test_scan_across_rehash },
		{ "iteration with deletes, random", test_iterate_delete_random },
	};
	static const struct cunit_suite suites[] = {
		{ "edict", NULL, NULL, tests, CUNIT_COUNT(tests) },
	};
	return cunit_run(suites, CUNIT_COUNT(suites));
}
