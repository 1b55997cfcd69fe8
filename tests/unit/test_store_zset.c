/*
 * lib/store sorted sets: both encodings against a reference model, the
 * conversion thresholds, ranges and range deletes, ZSCAN across rehash,
 * dump/restore and copy, the result builder, memory back to baseline.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "store/store.h"
#include "store/store_zset.h"
#include "store/skiplist.h"

#define T0 1700000000000LL

static const struct zset_limits LP = { 128, 64 };
static const struct zset_limits SL = { 0, 64 }; /* always skiplist */

/* A shard whose keyspace table already exists (a key "warm"), so that
 * used_memory goes back to its value once our keys are deleted. */
static struct shard *new_shard(void)
{
	struct shard *s = shard_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	shard_set_time(s, T0);
	CU_ASSERT_PTR_NOT_NULL(shard_set_str(s, 0, "warm", 4, "x", 1, 0));
	return s;
}

static struct sentry *zkey(struct shard *s, const char *k)
{
	return shard_lookup(s, 0, k, strlen(k), 0);
}

static int add(struct shard *s, const char *k, double score, const char *m,
	       const struct zset_limits *lim)
{
	struct sentry *e = zkey(s, k);
	if (!e)
		e = zset_create(s, 0, k, strlen(k), strlen(m), lim);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	int out = 0;
	CU_ASSERT_EQUAL(zset_add(s, e, score, m, strlen(m), 0, &out, NULL, lim), 0);
	return out;
}

/* "m1:s1 m2:s2 ..." of a walk, for comparisons */
struct collect {
	char buf[8192];
	size_t len;
	int n;
};

static int collect_fn(void *arg, const char *m, size_t len, double score)
{
	struct collect *c = arg;
	c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s%.*s:%.17g",
				   c->n++ ? " " : "", (int)len, m, score);
	return 0;
}

static const char *walk(const struct sentry *e, struct collect *c)
{
	memset(c, 0, sizeof(*c));
	zset_foreach(e, collect_fn, c);
	return c->buf;
}

static void check_basic(const struct zset_limits *lim, int enc)
{
	struct shard *s = new_shard();
	size_t base = shard_used_memory(s);
	struct collect c;

	CU_ASSERT(add(s, "z", 2, "b", lim) & ZADD_OUT_ADDED);
	CU_ASSERT(add(s, "z", 1, "a", lim) & ZADD_OUT_ADDED);
	CU_ASSERT(add(s, "z", 2, "aa", lim) & ZADD_OUT_ADDED);
	CU_ASSERT(add(s, "z", -0.5, "neg", lim) & ZADD_OUT_ADDED);
	CU_ASSERT(add(s, "z", 0.1, "tenth", lim) & ZADD_OUT_ADDED);
	CU_ASSERT(add(s, "z", 12345, "12", lim) & ZADD_OUT_ADDED); /* integer member */
	struct sentry *e = zkey(s, "z");
	CU_ASSERT_EQUAL(sentry_encoding(e), enc);
	CU_ASSERT_EQUAL(zset_card(e), 6);
	CU_ASSERT_STRING_EQUAL(walk(e, &c), "neg:-0.5 tenth:0.10000000000000001 a:1 aa:2 b:2 12:12345");

	/* update moves the member; same score is no update */
	CU_ASSERT(add(s, "z", 3, "a", lim) & ZADD_OUT_UPDATED);
	CU_ASSERT_EQUAL(add(s, "z", 3, "a", lim), 0);
	e = zkey(s, "z");
	CU_ASSERT_STRING_EQUAL(walk(e, &c), "neg:-0.5 tenth:0.10000000000000001 aa:2 b:2 a:3 12:12345");
	double sc;
	CU_ASSERT(zset_score(s, e, "12", 2, &sc) && sc == 12345);
	CU_ASSERT(!zset_score(s, e, "zz", 2, &sc));
	CU_ASSERT_EQUAL(zset_rank(s, e, "aa", 2, false), 2);
	CU_ASSERT_EQUAL(zset_rank(s, e, "aa", 2, true), 3);
	CU_ASSERT_EQUAL(zset_rank(s, e, "nope", 4, false), -1);

	/* INCR, NX, XX, GT, LT */
	int out;
	double ns;
	CU_ASSERT_EQUAL(zset_add(s, e, 1.5, "a", 1, ZADD_IN_INCR, &out, &ns, lim), 0);
	CU_ASSERT(ns == 4.5 && (out & ZADD_OUT_UPDATED));
	e = zkey(s, "z");
	zset_add(s, e, 100, "a", 1, ZADD_IN_NX, &out, NULL, lim);
	CU_ASSERT(out & ZADD_OUT_NOP);
	zset_add(s, e, 100, "new", 3, ZADD_IN_XX, &out, NULL, lim);
	CU_ASSERT(out & ZADD_OUT_NOP);
	zset_add(s, e, 1, "a", 1, ZADD_IN_GT, &out, NULL, lim);
	CU_ASSERT(out & ZADD_OUT_NOP);
	zset_add(s, e, 1, "a", 1, ZADD_IN_LT, &out, NULL, lim);
	CU_ASSERT(out & ZADD_OUT_UPDATED);
	e = zkey(s, "z");
	zset_add(s, e, INFINITY, "inf", 3, 0, &out, NULL, lim);
	e = zkey(s, "z");
	zset_add(s, e, -INFINITY, "inf", 3, ZADD_IN_INCR, &out, NULL, lim);
	CU_ASSERT(out & ZADD_OUT_NAN);
	e = zkey(s, "z");
	CU_ASSERT_STRING_EQUAL(walk(e, &c),
			       "neg:-0.5 tenth:0.10000000000000001 a:1 aa:2 b:2 12:12345 inf:inf");

	/* ranges */
	struct zrange_score r = { 1, 2, false, false };
	CU_ASSERT_EQUAL(zset_count_score(e, &r), 3);
	r.minex = true;
	CU_ASSERT_EQUAL(zset_count_score(e, &r), 2);
	memset(&c, 0, sizeof(c));
	zset_range_score(e, &r, true, 0, -1, collect_fn, &c);
	CU_ASSERT_STRING_EQUAL(c.buf, "b:2 aa:2");
	memset(&c, 0, sizeof(c));
	struct zrange_score all = { -INFINITY, INFINITY, false, false };
	zset_range_score(e, &all, false, 2, 3, collect_fn, &c);
	CU_ASSERT_STRING_EQUAL(c.buf, "a:1 aa:2 b:2");
	memset(&c, 0, sizeof(c));
	zset_range_rank(e, 1, 2, true, collect_fn, &c);
	CU_ASSERT_STRING_EQUAL(c.buf, "12:12345 b:2");
	struct zrange_lex lx = { { "a", 1, ZLEX_VAL, false }, { "b", 1, ZLEX_VAL, true } };
	/* lex ranges assume equal scores; like Redis, the run starts at the
	 * first member >= min ("tenth" here), which is past max: none */
	CU_ASSERT_EQUAL(zset_count_lex(e, &lx), 0);
	struct zrange_lex empty = { { "b", 1, ZLEX_VAL, false }, { "a", 1, ZLEX_VAL, false } };
	CU_ASSERT_EQUAL(zset_count_lex(e, &empty), 0);

	/* range deletes */
	CU_ASSERT_EQUAL(zset_remove_rank(s, e, 0, 0), 1); /* neg */
	r = (struct zrange_score){ 2, 2, false, false };
	CU_ASSERT_EQUAL(zset_remove_score(s, e, &r), 2); /* aa, b */
	CU_ASSERT_STRING_EQUAL(walk(e, &c), "tenth:0.10000000000000001 a:1 12:12345 inf:inf");
	CU_ASSERT_EQUAL(zset_remove(s, e, "a", 1), 1);
	CU_ASSERT_EQUAL(zset_remove(s, e, "a", 1), 0);
	struct zrange_lex every = { { NULL, 0, ZLEX_NEG, true }, { NULL, 0, ZLEX_POS, true } };
	CU_ASSERT_EQUAL(zset_remove_lex(s, e, &every), 3);
	CU_ASSERT_EQUAL(zset_card(e), 0);
	shard_delete_entry(s, 0, e);
	CU_ASSERT_EQUAL(shard_used_memory(s), base);
	shard_free(s);
}

/* ZRANGEBYLEX-style ranges over members of one score */
static void check_lex(const struct zset_limits *lim)
{
	struct shard *s = new_shard();
	const char *ms[] = { "a", "aa", "ab", "b", "c", "d" };
	for (int i = 0; i < 6; i++)
		add(s, "z", 0, ms[i], lim);
	struct sentry *e = zkey(s, "z");
	struct zrange_lex r = { { "a", 1, ZLEX_VAL, false }, { "b", 1, ZLEX_VAL, true } };
	CU_ASSERT_EQUAL(zset_count_lex(e, &r), 3);
	r.min.ex = true;
	CU_ASSERT_EQUAL(zset_count_lex(e, &r), 2);
	struct collect c = { 0 };
	struct zrange_lex top = { { "b", 1, ZLEX_VAL, false }, { NULL, 0, ZLEX_POS, true } };
	zset_range_lex(e, &top, true, 1, 2, collect_fn, &c);
	CU_ASSERT_STRING_EQUAL(c.buf, "c:0 b:0");
	CU_ASSERT_EQUAL(zset_remove_lex(s, e, &top), 3);
	CU_ASSERT_EQUAL(zset_card(e), 3);
	shard_free(s);
}

static void test_lex_ranges(void)
{
	check_lex(&LP);
	check_lex(&SL);
}

static void test_listpack_basic(void) { check_basic(&LP, ENC_LISTPACK); }
static void test_skiplist_basic(void) { check_basic(&SL, ENC_SKIPLIST); }

static void test_conversion(void)
{
	struct shard *s = new_shard();
	char m[80];
	for (int i = 0; i < 128; i++) {
		snprintf(m, sizeof(m), "m%03d", i);
		add(s, "z", i, m, &LP);
	}
	CU_ASSERT_EQUAL(sentry_encoding(zkey(s, "z")), ENC_LISTPACK);
	add(s, "z", 1000, "one-more", &LP);
	CU_ASSERT_EQUAL(sentry_encoding(zkey(s, "z")), ENC_SKIPLIST);
	CU_ASSERT_EQUAL(zset_card(zkey(s, "z")), 129);
	CU_ASSERT_EQUAL(zset_rank(s, zkey(s, "z"), "m077", 4, false), 77);
	/* never back */
	zset_remove_rank(s, zkey(s, "z"), 0, 120);
	CU_ASSERT_EQUAL(sentry_encoding(zkey(s, "z")), ENC_SKIPLIST);

	/* a long member converts; a long first member creates a skiplist */
	memset(m, 'x', 65);
	m[65] = '\0';
	add(s, "y", 1, "short", &LP);
	CU_ASSERT_EQUAL(sentry_encoding(zkey(s, "y")), ENC_LISTPACK);
	add(s, "y", 2, m, &LP);
	CU_ASSERT_EQUAL(sentry_encoding(zkey(s, "y")), ENC_SKIPLIST);
	add(s, "w", 2, m, &LP);
	CU_ASSERT_EQUAL(sentry_encoding(zkey(s, "w")), ENC_SKIPLIST);
	m[64] = '\0';
	add(s, "v", 2, m, &LP);
	CU_ASSERT_EQUAL(sentry_encoding(zkey(s, "v")), ENC_LISTPACK);
	shard_free(s);
}

/* Random operations on both encodings against a sorted array model. */
struct model {
	char m[512][8];
	double sc[512];
	int n;
};

static int mcmp(const void *a, const void *b, const struct model *md)
{
	int i = *(const int *)a, j = *(const int *)b;
	return zsl_cmp(md->sc[i], md->m[i], strlen(md->m[i]), md->sc[j], md->m[j], strlen(md->m[j]));
}

static const struct model *g_model;
static int mcmp_q(const void *a, const void *b) { return mcmp(a, b, g_model); }

static void test_random_vs_model(void)
{
	struct shard *s = new_shard();
	size_t base = shard_used_memory(s);
	static struct model md;
	memset(&md, 0, sizeof(md));
	struct zset_limits lim = { 200, 64 };
	srand(7);
	for (int step = 0; step < 20000; step++) {
		int k = rand() % 300;
		char m[8];
		snprintf(m, sizeof(m), "k%d", k);
		double sc = (double)(rand() % 50) / 4;
		int found = -1;
		for (int i = 0; i < md.n; i++)
			if (!strcmp(md.m[i], m))
				found = i;
		struct sentry *e = zkey(s, "z");
		if (rand() % 3 == 0) {
			int r = e ? zset_remove(s, e, m, strlen(m)) : 0;
			CU_ASSERT_EQUAL(r, found >= 0);
			if (found >= 0) {
				md.n--;
				memcpy(md.m[found], md.m[md.n], 8);
				md.sc[found] = md.sc[md.n];
			}
			if (e && zset_card(e) == 0)
				shard_delete_entry(s, 0, e);
		} else {
			add(s, "z", sc, m, &lim);
			if (found < 0) {
				found = md.n++;
				strcpy(md.m[found], m);
			}
			md.sc[found] = sc;
		}
		if (step % 997 == 0 || step == 19999) {
			int idx[512];
			for (int i = 0; i < md.n; i++)
				idx[i] = i;
			g_model = &md;
			qsort(idx, (size_t)md.n, sizeof(int), mcmp_q);
			e = zkey(s, "z");
			CU_ASSERT_EQUAL(e ? (int)zset_card(e) : 0, md.n);
			for (int i = 0; e && i < md.n; i++) {
				const char *mm = md.m[idx[i]];
				CU_ASSERT_EQUAL(zset_rank(s, e, mm, strlen(mm), false), i);
			}
			struct collect c, w;
			memset(&c, 0, sizeof(c));
			for (int i = 0; i < md.n; i++)
				collect_fn(&c, md.m[idx[i]], strlen(md.m[idx[i]]), md.sc[idx[i]]);
			if (e)
				CU_ASSERT_STRING_EQUAL(walk(e, &w), c.buf);
		}
	}
	struct sentry *e = zkey(s, "z");
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_SKIPLIST); /* went over 200 at some point */
	shard_delete_entry(s, 0, e);
	CU_ASSERT_EQUAL(shard_used_memory(s), base);
	shard_free(s);
}

/* ZSCAN: members present all along are reported at least once while
 * other members are added (the edict grows and rehashes between calls). */
static int scan_mark(void *arg, const char *m, size_t len, double score)
{
	unsigned char *seen = arg;
	(void)score;
	char num[16];
	if (len > 1 && len < sizeof(num) && m[0] == 'o') {
		memcpy(num, m + 1, len - 1);
		num[len - 1] = '\0';
		seen[atoi(num)] = 1;
	}
	return 0;
}

static void test_scan_during_rehash(void)
{
	struct shard *s = new_shard();
	char m[32];
	static unsigned char seen[1000];
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 1000; i++) {
		snprintf(m, sizeof(m), "o%d", i);
		add(s, "z", i, m, &SL);
	}
	uint64_t cursor = 0;
	int calls = 0, extra = 0;
	do {
		cursor = zset_scan(zkey(s, "z"), cursor, 10, scan_mark, seen);
		for (int j = 0; calls < 30 && j < 40; j++) { /* grow while scanning */
			snprintf(m, sizeof(m), "n%d", extra++);
			add(s, "z", extra, m, &SL);
		}
		calls++;
	} while (cursor && calls < 100000);
	CU_ASSERT_EQUAL(cursor, 0);
	int missing = 0;
	for (int i = 0; i < 1000; i++)
		missing += !seen[i];
	CU_ASSERT_EQUAL(missing, 0);

	/* listpack: everything at once, cursor 0 */
	add(s, "small", 1, "o1", &LP);
	memset(seen, 0, sizeof(seen));
	CU_ASSERT_EQUAL(zset_scan(zkey(s, "small"), 0, 1, scan_mark, seen), 0);
	CU_ASSERT(seen[1]);
	shard_free(s);
}

static void test_dump_restore_copy(void)
{
	struct shard *s = new_shard(), *t = new_shard();
	struct collect a, b;
	const struct zset_limits *lims[2] = { &LP, &SL };
	for (int k = 0; k < 2; k++) {
		add(s, "z", 1.25, "x", lims[k]);
		add(s, "z", -INFINITY, "y", lims[k]);
		add(s, "z", 7, "123", lims[k]);
		struct sentry *e = zkey(s, "z");
		size_t n;
		char *dump = shard_dump_value(e, &n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(dump);
		struct sentry *r = shard_restore(t, 0, "r", 1, dump, n, STORE_NO_EXPIRE);
		free(dump);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(sentry_encoding(r), sentry_encoding(e));
		CU_ASSERT_STRING_EQUAL(walk(r, &a), walk(e, &b));
		CU_ASSERT_PTR_NOT_NULL(shard_copy(s, 0, e, 0, "c", 1));
		CU_ASSERT_STRING_EQUAL(walk(zkey(s, "c"), &a), "y:-inf x:1.25 123:7");
		/* the copy is independent */
		zset_remove(s, zkey(s, "c"), "x", 1);
		CU_ASSERT_EQUAL(zset_card(zkey(s, "z")), 3);
		shard_flushall(s);
		shard_flushall(t);
	}
	CU_ASSERT_PTR_NULL(shard_restore(t, 0, "bad", 3, "\x03\x07\x05", 3, STORE_NO_EXPIRE));
	shard_free(s);
	shard_free(t);
}

static void test_builder(void)
{
	struct shard *s = new_shard();
	size_t base = shard_used_memory(s);
	struct zbuild *b = zbuild_new(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	zbuild_add(s, b, "a", 1, 1, ZAGG_SUM);
	zbuild_add(s, b, "a", 1, 2, ZAGG_SUM);
	zbuild_add(s, b, "b", 1, INFINITY, ZAGG_SUM);
	zbuild_add(s, b, "b", 1, -INFINITY, ZAGG_SUM); /* inf + -inf = 0 */
	zbuild_add(s, b, "c", 1, 5, ZAGG_MIN);
	zbuild_add(s, b, "c", 1, 4, ZAGG_MIN);
	double v;
	CU_ASSERT(zbuild_score(s, b, "a", 1, &v) && v == 3);
	CU_ASSERT(zbuild_score(s, b, "b", 1, &v) && v == 0);
	CU_ASSERT(zbuild_score(s, b, "c", 1, &v) && v == 4);
	int err;
	struct sentry *e = zbuild_store(s, 0, "d", 1, b, &LP, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_LISTPACK);
	struct collect c;
	CU_ASSERT_STRING_EQUAL(walk(e, &c), "b:0 a:3 c:4");
	b = zbuild_new(s);
	zbuild_add(s, b, "only", 4, 1, ZAGG_SUM);
	e = zbuild_store(s, 0, "d", 1, b, &SL, &err); /* replaces */
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_SKIPLIST);
	CU_ASSERT_EQUAL(zset_card(e), 1);
	b = zbuild_new(s);
	CU_ASSERT_PTR_NULL(zbuild_store(s, 0, "d", 1, b, &LP, &err)); /* empty: deleted */
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_PTR_NULL(zkey(s, "d"));
	CU_ASSERT_EQUAL(shard_used_memory(s), base);
	shard_free(s);
}

/* skiplist internals: spans and ranks through many updates */
static void test_skiplist_ranks(void)
{
	struct shard *s = new_shard();
	struct zsl *zl = zsl_new(s);
	static char names[2000][8];
	static double sc[2000];
	for (int i = 0; i < 2000; i++) {
		snprintf(names[i], 8, "%04d", i);
		sc[i] = i % 10;
		CU_ASSERT_PTR_NOT_NULL(zsl_insert(s, zl, sc[i], names[i], 4));
	}
	for (int i = 0; i < 2000; i += 3) {
		zsl_update_score(zl, sc[i], names[i], 4, -sc[i] - 1);
		sc[i] = -sc[i] - 1;
	}
	size_t rank = 0;
	for (struct zsl_node *n = zsl_first(zl); n; n = zsl_next(n)) {
		rank++;
		CU_ASSERT_EQUAL(zsl_rank(zl, n->score, n->member, n->mlen), rank);
		CU_ASSERT_PTR_EQUAL(zsl_by_rank(zl, rank), n);
		if (n->backward)
			CU_ASSERT(zsl_cmp(n->backward->score, n->backward->member, n->backward->mlen,
					  n->score, n->member, n->mlen) < 0);
	}
	CU_ASSERT_EQUAL(rank, 2000);
	CU_ASSERT_EQUAL(zsl_delete_rank_range(s, zl, 10, 19, NULL, NULL), 10);
	CU_ASSERT_EQUAL(zl->length, 1990);
	CU_ASSERT_EQUAL(zsl_delete(s, zl, sc[5], names[5], 4), 1);
	CU_ASSERT_EQUAL(zsl_delete(s, zl, sc[5], names[5], 4), 0);
	zsl_free(s, zl);
	shard_free(s);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "listpack basic", test_listpack_basic },
		{ "skiplist basic", test_skiplist_basic },
		{ "lex ranges", test_lex_ranges },
		{ "conversion thresholds", test_conversion },
		{ "random ops vs model", test_random_vs_model },
		{ "zscan during rehash", test_scan_during_rehash },
		{ "dump restore copy", test_dump_restore_copy },
		{ "builder and store", test_builder },
		{ "skiplist ranks", test_skiplist_ranks },
	};
	return cunit_run_one("store_zset", tests);
}
