/*
 * lib/store hash values (store_hash.h): both encodings, conversion at the
 * limits (entries, field and value length) and never back, HSCAN's cursor
 * guarantee while the table rehashes, random fields, dump/restore and
 * copy, and memory accounting back to the start after deletes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_hash.h"
#include "cunit_main.h"

static const struct hash_limits LIM = { .max_entries = 8, .max_value = 16 };

/* A shard whose db 0 already has its bucket array (one string key), so
 * used_memory taken now is what it returns to after the hashes go. */
static struct shard *new_shard(void)
{
	struct shard *s = shard_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	shard_set_time(s, 1700000000000LL);
	CU_ASSERT_PTR_NOT_NULL(shard_set_str(s, 0, "str", 3, "v", 1, 0));
	return s;
}

static struct sentry *key(struct shard *s, const char *k)
{
	return shard_lookup(s, 0, k, strlen(k), 0);
}

static struct sentry *new_hash(struct shard *s, const char *k)
{
	struct sentry *e = hash_key_new(s, 0, k, strlen(k));
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

static int hset(struct shard *s, const char *k, const char *f, const char *v,
		const struct hash_limits *lim)
{
	return hash_set(s, key(s, k), f, strlen(f), v, strlen(v), lim);
}

/* value of field f as a C string in out ("(nil)" when absent) */
static const char *hget(struct shard *s, const char *k, const char *f, char *out)
{
	char buf[HASH_INTBUF];
	size_t n;
	const char *v = hash_get(s, key(s, k), f, strlen(f), buf, &n);
	if (!v)
		return strcpy(out, "(nil)");
	memcpy(out, v, n);
	out[n] = '\0';
	return out;
}

static void test_listpack_basics(void)
{
	struct shard *s = new_shard();
	size_t m0 = shard_used_memory(s);
	char out[128];
	struct sentry *e = new_hash(s, "h");
	CU_ASSERT_EQUAL(sentry_type(e), OBJ_HASH);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_LISTPACK);
	CU_ASSERT_EQUAL(hash_len(e), 0);
	CU_ASSERT_EQUAL(hset(s, "h", "a", "1", &LIM), 1);
	CU_ASSERT_EQUAL(hset(s, "h", "b", "two", &LIM), 1);
	CU_ASSERT_EQUAL(hset(s, "h", "10", "-5000", &LIM), 1);
	CU_ASSERT_EQUAL(hset(s, "h", "a", "111111", &LIM), 0);
	CU_ASSERT_EQUAL(hash_len(key(s, "h")), 3);
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "a", out), "111111");
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "b", out), "two");
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "10", out), "-5000");
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "two", out), "(nil)");   /* values are not fields */
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "010", out), "(nil)");
	CU_ASSERT_TRUE(hash_exists(s, key(s, "h"), "b", 1));
	CU_ASSERT_FALSE(hash_exists(s, key(s, "h"), "c", 1));
	/* empty field and value */
	CU_ASSERT_EQUAL(hset(s, "h", "", "", &LIM), 1);
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "", out), "");
	CU_ASSERT_EQUAL(hash_delete(s, key(s, "h"), "", 0), 1);
	CU_ASSERT_EQUAL(hash_delete(s, key(s, "h"), "zz", 2), 0);
	CU_ASSERT_EQUAL(hash_delete(s, key(s, "h"), "a", 1), 1);
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "b", out), "two");
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "a", out), "(nil)");
	CU_ASSERT_EQUAL(hash_len(key(s, "h")), 2);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "h")), ENC_LISTPACK);
	CU_ASSERT_EQUAL(shard_delete(s, 0, "h", 1), 1);
	CU_ASSERT_EQUAL(shard_used_memory(s), m0);
	shard_free(s);
}

static void test_convert_entries(void)
{
	struct shard *s = new_shard();
	char f[16], v[16], out[64];
	new_hash(s, "h");
	for (int i = 0; i < 8; i++) {
		sprintf(f, "f%d", i);
		sprintf(v, "%d", i * 100);
		CU_ASSERT_EQUAL(hset(s, "h", f, v, &LIM), 1);
	}
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "h")), ENC_LISTPACK);
	/* updating does not convert; the add past max_entries does */
	CU_ASSERT_EQUAL(hset(s, "h", "f0", "x", &LIM), 0);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "h")), ENC_LISTPACK);
	CU_ASSERT_EQUAL(hset(s, "h", "f8", "800", &LIM), 1);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "h")), ENC_HT);
	CU_ASSERT_EQUAL(hash_len(key(s, "h")), 9);
	CU_ASSERT_STRING_EQUAL(hget(s, "h", "f0", out), "x");
	for (int i = 1; i < 9; i++) {
		sprintf(f, "f%d", i);
		sprintf(v, "%d", i * 100);
		CU_ASSERT_STRING_EQUAL(hget(s, "h", f, out), v);
	}
	/* never back, even when small again */
	for (int i = 0; i < 8; i++) {
		sprintf(f, "f%d", i);
		CU_ASSERT_EQUAL(hash_delete(s, key(s, "h"), f, strlen(f)), 1);
	}
	CU_ASSERT_EQUAL(hash_len(key(s, "h")), 1);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "h")), ENC_HT);
	/* max_entries 0: the first add converts */
	struct hash_limits zero = { 0, 64 };
	new_hash(s, "z");
	CU_ASSERT_EQUAL(hset(s, "z", "a", "1", &zero), 1);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "z")), ENC_HT);
	shard_free(s);
}

static void test_convert_length(void)
{
	struct shard *s = new_shard();
	char out[64];
	const char *v16 = "0123456789abcdef", *v17 = "0123456789abcdefg";
	new_hash(s, "a");
	CU_ASSERT_EQUAL(hset(s, "a", v16, v16, &LIM), 1);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "a")), ENC_LISTPACK);
	CU_ASSERT_EQUAL(hset(s, "a", "x", v17, &LIM), 1); /* value too long */
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "a")), ENC_HT);
	CU_ASSERT_STRING_EQUAL(hget(s, "a", v16, out), v16);
	CU_ASSERT_STRING_EQUAL(hget(s, "a", "x", out), v17);
	new_hash(s, "b");
	CU_ASSERT_EQUAL(hset(s, "b", v17, "1", &LIM), 1); /* field too long */
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "b")), ENC_HT);
	/* hash_prepare_add: by the longest argument only */
	new_hash(s, "c");
	CU_ASSERT_EQUAL(hash_prepare_add(s, key(s, "c"), 16, 1000, &LIM), 0);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "c")), ENC_LISTPACK);
	CU_ASSERT_EQUAL(hash_prepare_add(s, key(s, "c"), 17, 17, &LIM), 0);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "c")), ENC_HT);
	CU_ASSERT_EQUAL(hash_len(key(s, "c")), 0);
	shard_free(s);
}

/* ---- HT: many fields, memory */

static void test_ht_many(void)
{
	struct shard *s = new_shard();
	size_t m0 = shard_used_memory(s);
	struct hash_limits lim = { 128, 64 };
	char f[32], v[32], out[64];
	const int N = 20000;
	new_hash(s, "h");
	for (int i = 0; i < N; i++) {
		sprintf(f, "field:%d", i);
		sprintf(v, "v%d", i);
		CU_ASSERT_EQUAL_FATAL(hset(s, "h", f, v, &lim), 1);
	}
	CU_ASSERT_EQUAL(hash_len(key(s, "h")), (size_t)N);
	int bad = 0;
	for (int i = 0; i < N; i++) {
		sprintf(f, "field:%d", i);
		sprintf(v, "v%d", i);
		if (strcmp(hget(s, "h", f, out), v))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* grow values in place (the element may move) */
	for (int i = 0; i < N; i += 7) {
		sprintf(f, "field:%d", i);
		CU_ASSERT_EQUAL(hset(s, "h", f, "a much longer value than before ....", &lim), 0);
	}
	sprintf(f, "field:%d", 7 * 11);
	CU_ASSERT_STRING_EQUAL(hget(s, "h", f, out), "a much longer value than before ....");
	size_t mid = shard_used_memory(s);
	for (int i = 0; i < N; i += 2) {
		sprintf(f, "field:%d", i);
		CU_ASSERT_EQUAL(hash_delete(s, key(s, "h"), f, strlen(f)), 1);
	}
	CU_ASSERT_EQUAL(hash_len(key(s, "h")), (size_t)N / 2);
	CU_ASSERT_TRUE(shard_used_memory(s) < mid);
	CU_ASSERT_EQUAL(shard_delete(s, 0, "h", 1), 1);
	CU_ASSERT_EQUAL(shard_used_memory(s), m0);
	shard_free(s);
}

/* ---- foreach and scan */

struct seen {
	int n;
	unsigned char *hit; /* per field index */
	int max;
	int bad;
};

static void seen_visit(void *arg, const struct hash_pair *p)
{
	struct seen *w = arg;
	char f[32], want[32];
	int i;
	if (p->flen >= sizeof(f)) {
		w->bad++;
		return;
	}
	memcpy(f, p->f, p->flen);
	f[p->flen] = '\0';
	if (sscanf(f, "f%d", &i) != 1 || i < 0 || i >= w->max) {
		w->bad++;
		return;
	}
	sprintf(want, "%d", i * 3);
	if (p->vlen != strlen(want) || memcmp(p->v, want, p->vlen))
		w->bad++;
	if (w->hit[i] < 255)
		w->hit[i]++;
	w->n++;
}

static void fill(struct shard *s, const char *k, int from, int to, const struct hash_limits *lim)
{
	char f[32], v[32];
	for (int i = from; i < to; i++) {
		sprintf(f, "f%d", i);
		sprintf(v, "%d", i * 3);
		hset(s, k, f, v, lim);
	}
}

static void test_foreach_and_listpack_scan(void)
{
	struct shard *s = new_shard();
	unsigned char hit[8] = { 0 };
	struct seen w = { 0, hit, 8, 0 };
	new_hash(s, "h");
	fill(s, "h", 0, 8, &LIM);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "h")), ENC_LISTPACK);
	hash_foreach(key(s, "h"), seen_visit, &w);
	CU_ASSERT_EQUAL(w.n, 8);
	CU_ASSERT_EQUAL(w.bad, 0);
	memset(hit, 0, sizeof(hit));
	w.n = 0;
	/* a listpack returns everything at once, cursor 0, whatever cursor/count */
	CU_ASSERT_EQUAL(hash_scan(key(s, "h"), 12345, 1, seen_visit, &w), 0);
	CU_ASSERT_EQUAL(w.n, 8);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(hit[i], 1);
	shard_free(s);
}

static void test_ht_scan_during_rehash(void)
{
	struct shard *s = new_shard();
	struct hash_limits lim = { 16, 64 };
	enum { START = 1000, MAXF = 40000 };
	unsigned char *hit = calloc(MAXF, 1);
	struct seen w = { 0, hit, MAXF, 0 };
	new_hash(s, "h");
	fill(s, "h", 0, START, &lim);
	CU_ASSERT_EQUAL(sentry_encoding(key(s, "h")), ENC_HT);
	/* between scan calls, add many fields (grows and rehashes) and delete
	 * some of the added ones; the START fields are never removed */
	uint64_t cursor = 0;
	int calls = 0, next = START;
	do {
		cursor = hash_scan(key(s, "h"), cursor, 5, seen_visit, &w);
		if (next + 300 <= MAXF) {
			fill(s, "h", next, next + 300, &lim);
			char f[32];
			for (int i = next; i < next + 300; i += 3) {
				sprintf(f, "f%d", i);
				hash_delete(s, key(s, "h"), f, strlen(f));
			}
			next += 300;
		}
		calls++;
	} while (cursor != 0 && calls < 100000);
	CU_ASSERT_EQUAL(cursor, 0);
	CU_ASSERT_EQUAL(w.bad, 0);
	int missing = 0;
	for (int i = 0; i < START; i++)
		missing += hit[i] == 0;
	CU_ASSERT_EQUAL(missing, 0);
	free(hit);
	shard_free(s);
}

/* ---- random */

static void test_random(void)
{
	struct shard *s = new_shard();
	struct hash_limits big = { 128, 64 };
	for (int enc = 0; enc < 2; enc++) {
		const char *k = enc ? "ht" : "lp";
		int n = enc ? 300 : 20;
		new_hash(s, k);
		fill(s, k, 0, n, &big);
		CU_ASSERT_EQUAL(sentry_encoding(key(s, k)), enc ? ENC_HT : ENC_LISTPACK);
		unsigned char *hit = calloc((size_t)n, 1);
		struct seen w = { 0, hit, n, 0 };
		/* distinct: small, about a third, and more than there is */
		const unsigned long counts[] = { 1, 5, (unsigned long)n / 3, (unsigned long)n / 2,
						 (unsigned long)n - 1, (unsigned long)n, 1000 };
		for (size_t j = 0; j < sizeof(counts) / sizeof(counts[0]); j++) {
			memset(hit, 0, (size_t)n);
			w.n = 0;
			CU_ASSERT_EQUAL(hash_random(s, key(s, k), counts[j], true, seen_visit, &w), 0);
			unsigned long want = counts[j] < (unsigned long)n ? counts[j] : (unsigned long)n;
			CU_ASSERT_EQUAL((unsigned long)w.n, want);
			int dup = 0;
			for (int i = 0; i < n; i++)
				dup += hit[i] > 1;
			CU_ASSERT_EQUAL(dup, 0);
		}
		/* repeats allowed: exactly count, and over many draws every field
		 * (a bucket-then-chain pick is not uniform, like Redis's
		 * dictGetFairRandomKey: 100 draws per field keep a field's chance
		 * of never coming up negligible even at a few times less weight) */
		memset(hit, 0, (size_t)n);
		w.n = 0;
		CU_ASSERT_EQUAL(hash_random(s, key(s, k), 100ul * (unsigned long)n, false, seen_visit, &w), 0);
		CU_ASSERT_EQUAL(w.n, 100 * n);
		int never = 0;
		for (int i = 0; i < n; i++)
			never += hit[i] == 0;
		CU_ASSERT_EQUAL(never, 0);
		for (int i = 0; i < 50; i++) {
			struct hash_pair p;
			hash_random_one(s, key(s, k), &p);
			seen_visit(&w, &p);
		}
		CU_ASSERT_EQUAL(w.bad, 0);
		free(hit);
	}
	shard_free(s);
}

/* ---- dump / restore / copy */

static void check_same(struct shard *s, const char *a, const char *b, int n)
{
	char f[32], o1[64], o2[64];
	CU_ASSERT_EQUAL(hash_len(key(s, a)), hash_len(key(s, b)));
	CU_ASSERT_EQUAL(sentry_encoding(key(s, a)), sentry_encoding(key(s, b)));
	for (int i = 0; i < n; i++) {
		sprintf(f, "f%d", i);
		CU_ASSERT_STRING_EQUAL(hget(s, a, f, o1), hget(s, b, f, o2));
	}
}

static void test_dump_restore_copy(void)
{
	struct shard *s = new_shard(), *s2 = new_shard();
	struct hash_limits lim = { 16, 64 };
	/* the keys this test makes, once, so the db's table has its final size */
	const char *all[] = { "lp", "ht", "copy", "dup" };
	for (int i = 0; i < 4; i++)
		shard_set_str(s, 0, all[i], strlen(all[i]), "v", 1, 0);
	for (int i = 0; i < 4; i++)
		shard_delete(s, 0, all[i], strlen(all[i]));
	size_t m0 = shard_used_memory(s), m02 = shard_used_memory(s2);
	new_hash(s, "lp");
	fill(s, "lp", 0, 10, &lim);
	hash_set(s, key(s, "lp"), "bin", 3, "a\0b", 3, &lim);
	new_hash(s, "ht");
	fill(s, "ht", 0, 100, &lim);
	const char *names[] = { "lp", "ht" };
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *bytes = shard_dump_value(key(s, names[i]), &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
		CU_ASSERT_PTR_NOT_NULL(shard_restore(s, 0, "copy", 4, bytes, len, STORE_NO_EXPIRE));
		check_same(s, names[i], "copy", 100);
		/* on another shard too (RENAME/MOVE across workers) */
		CU_ASSERT_PTR_NOT_NULL(shard_restore(s2, 0, "x", 1, bytes, len, STORE_NO_EXPIRE));
		CU_ASSERT_EQUAL(hash_len(key(s2, "x")), hash_len(key(s, names[i])));
		/* truncated or damaged bytes are refused, nothing is created */
		for (size_t cut = 1; cut < len; cut += len / 7 + 1)
			CU_ASSERT_PTR_NULL(shard_restore(s2, 0, "bad", 3, bytes, cut, STORE_NO_EXPIRE));
		CU_ASSERT_PTR_NULL(key(s2, "bad"));
		free(bytes);
		/* COPY on the same shard: independent objects */
		CU_ASSERT_PTR_NOT_NULL(shard_copy(s, 0, key(s, names[i]), 0, "dup", 3));
		check_same(s, names[i], "dup", 100);
		hset(s, "dup", "f1", "changed", &lim);
		char out[64];
		CU_ASSERT_STRING_EQUAL(hget(s, names[i], "f1", out), "3");
		shard_delete(s, 0, "dup", 3);
		shard_delete(s, 0, "copy", 4);
	}
	char out[64];
	CU_ASSERT_EQUAL(memcmp(hget(s, "lp", "bin", out), "a\0b", 3), 0);
	shard_delete(s, 0, "lp", 2);
	shard_delete(s, 0, "ht", 2);
	shard_delete(s2, 0, "x", 1);
	CU_ASSERT_EQUAL(shard_used_memory(s), m0);
	CU_ASSERT_EQUAL(shard_used_memory(s2), m02);
	shard_free(s);
	shard_free(s2);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "listpack basics", test_listpack_basics },
		{ "convert at max entries, never back", test_convert_entries },
		{ "convert at max value length", test_convert_length },
		{ "hashtable with many fields, memory", test_ht_many },
		{ "foreach and listpack scan", test_foreach_and_listpack_scan },
		{ "hashtable scan during rehash", test_ht_scan_during_rehash },
		{ "random fields", test_random },
		{ "dump, restore, copy", test_dump_restore_copy },
	};
	return cunit_run_one("store_hash", tests);
}
