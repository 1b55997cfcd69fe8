/*
 * lib/store list unit tests: the quicklist against a plain array model
 * under random pushes, pops, sets, inserts, removes and range deletes for
 * several list-max-listpack-size values (node boundaries everywhere);
 * Redis's fill rule (node sizes), iteration both ways, integers and binary
 * elements, dump/restore and copy, and memory returning to its start.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_list.h"
#include "cunit_main.h"

static struct shard *new_shard(void)
{
	struct shard *s = shard_new(1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	/* a resident key, so the db's table exists before any baseline */
	CU_ASSERT_PTR_NOT_NULL_FATAL(shard_set_str(s, 0, "resident", 8, "v", 1, 0));
	return s;
}

static struct sentry *new_list(struct shard *s, const char *key)
{
	void *o = list_new(s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	struct sentry *e = shard_add_obj(s, 0, key, strlen(key), OBJ_LIST, ENC_QUICKLIST, o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

static struct sentry *get(struct shard *s, const char *key)
{
	return shard_lookup(s, 0, key, strlen(key), LOOKUP_NOTOUCH);
}

/* v as bytes in buf (cap >= 24 for integers); returns the length */
static size_t val_bytes(const struct list_val *v, char *buf, size_t cap)
{
	if (!v->s)
		return (size_t)snprintf(buf, cap, "%lld", v->v);
	size_t n = v->len < cap ? v->len : cap;
	memcpy(buf, v->s, n);
	return v->len;
}

/* ---- the model: an array of byte strings */

struct elem {
	char *p;
	size_t n;
};

struct model {
	struct elem *a;
	size_t len, cap;
};

static void m_insert(struct model *m, size_t at, const char *p, size_t n)
{
	if (m->len == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->a = realloc(m->a, m->cap * sizeof(*m->a));
		CU_ASSERT_PTR_NOT_NULL_FATAL(m->a);
	}
	memmove(&m->a[at + 1], &m->a[at], (m->len - at) * sizeof(*m->a));
	m->a[at].p = malloc(n ? n : 1);
	memcpy(m->a[at].p, p, n);
	m->a[at].n = n;
	m->len++;
}

static void m_delete(struct model *m, size_t at, size_t n)
{
	for (size_t i = at; i < at + n; i++)
		free(m->a[i].p);
	memmove(&m->a[at], &m->a[at + n], (m->len - at - n) * sizeof(*m->a));
	m->len -= n;
}

static void m_free(struct model *m)
{
	m_delete(m, 0, m->len);
	free(m->a);
}

static bool m_eq(const struct elem *x, const char *p, size_t n)
{
	return x->n == n && memcmp(x->p, p, n) == 0;
}

/* The whole list equals the model, read forwards, backwards and by index. */
static bool same_as_model(const struct sentry *e, const struct model *m)
{
	static char buf[8192];
	struct list_iter it;
	struct list_val v;
	size_t i = 0;
	if (list_len(e) != m->len)
		return false;
	list_iter_init(&it, e, 0, false);
	while (list_iter_next(&it, &v)) {
		size_t n = val_bytes(&v, buf, sizeof(buf));
		if (i >= m->len || !m_eq(&m->a[i], buf, n))
			return false;
		i++;
	}
	if (i != m->len)
		return false;
	list_iter_init(&it, e, -1, true);
	while (list_iter_next(&it, &v)) {
		size_t n = val_bytes(&v, buf, sizeof(buf));
		if (i == 0 || !m_eq(&m->a[i - 1], buf, n))
			return false;
		i--;
	}
	if (i != 0)
		return false;
	for (size_t k = 0; k < m->len; k += 1 + m->len / 7) {
		if (!list_index(e, (long)k, &v) || !m_eq(&m->a[k], buf, val_bytes(&v, buf, sizeof(buf))))
			return false;
		if (!list_index(e, -(long)k - 1, &v) ||
		    !m_eq(&m->a[m->len - 1 - k], buf, val_bytes(&v, buf, sizeof(buf))))
			return false;
	}
	return true;
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A random element: small strings, integers, sometimes long strings. */
static size_t rand_elem(char *buf, size_t cap)
{
	switch (rnd() % 8) {
	case 0:
	case 1:
		return (size_t)snprintf(buf, cap, "%lld", (long long)(rnd() % 2000) - 1000);
	case 2:
		return (size_t)snprintf(buf, cap, "%lld", (long long)rnd());
	case 3: {
		size_t n = 200 + rnd() % 3000;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)('a' + rnd() % 26);
		return n;
	}
	default:
		return (size_t)snprintf(buf, cap, "v%u", (unsigned)(rnd() % 50));
	}
}

static void random_ops(int fill)
{
	struct shard *s = new_shard();
	size_t m0 = shard_used_memory(s);
	struct model m = { 0 };
	char buf[4096], piv[4096];
	size_t maxlen = 0;
	new_list(s, "l");
	for (int step = 0; step < 3000; step++) {
		struct sentry *e = get(s, "l");
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		size_t n = rand_elem(buf, sizeof(buf));
		unsigned op = (unsigned)(rnd() % 12);
		if (op >= 10)
			op = 1; /* lists grow: multi-node lists for every fill */
		if (m.len == 0)
			op = op % 2;
		switch (op) {
		case 0:
			CU_ASSERT_EQUAL(list_push(s, e, LIST_HEAD, buf, n, fill), 0);
			m_insert(&m, 0, buf, n);
			break;
		case 1:
		case 2:
			CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, buf, n, fill), 0);
			m_insert(&m, m.len, buf, n);
			break;
		case 3: {
			size_t at = rnd() % m.len;
			long idx = rnd() % 2 ? (long)at : (long)at - (long)m.len;
			CU_ASSERT_EQUAL(list_set(s, e, idx, buf, n, fill), 0);
			m_delete(&m, at, 1);
			m_insert(&m, at, buf, n);
			break;
		}
		case 4:
		case 5: {
			size_t at = rnd() % m.len;
			size_t pn = m.a[at].n;
			memcpy(piv, m.a[at].p, pn);
			size_t first = 0;
			while (!m_eq(&m.a[first], piv, pn))
				first++;
			bool after = rnd() % 2;
			CU_ASSERT_EQUAL(list_insert(s, e, piv, pn, after, buf, n, fill), 1);
			m_insert(&m, first + after, buf, n);
			break;
		}
		case 6: {
			size_t at = rnd() % m.len;
			size_t pn = m.a[at].n;
			memcpy(piv, m.a[at].p, pn);
			long count = (long)(rnd() % 5) - 2;
			size_t limit = count < 0 ? (size_t)-count : (size_t)count, removed = 0;
			if (count >= 0) {
				for (size_t i = 0; i < m.len && (!limit || removed < limit);)
					if (m_eq(&m.a[i], piv, pn)) {
						m_delete(&m, i, 1);
						removed++;
					} else {
						i++;
					}
			} else {
				for (size_t i = m.len; i-- > 0 && removed < limit;)
					if (m_eq(&m.a[i], piv, pn)) {
						m_delete(&m, i, 1);
						removed++;
					}
			}
			CU_ASSERT_EQUAL(list_remove(s, e, count, piv, pn), removed);
			break;
		}
		case 7: {
			size_t at = rnd() % m.len, cnt = rnd() % 4;
			list_del_range(s, e, at, cnt);
			m_delete(&m, at, at + cnt > m.len ? m.len - at : cnt);
			break;
		}
		default: {
			/* pop from an end */
			bool head = rnd() % 2;
			list_del_range(s, e, head ? 0 : m.len - 1, 1);
			m_delete(&m, head ? 0 : m.len - 1, 1);
			break;
		}
		}
		e = get(s, "l");
		if (m.len > maxlen)
			maxlen = m.len;
		if (step % 50 == 0 || m.len < 5)
			CU_ASSERT_FATAL(same_as_model(e, &m));
		if (list_len(e) == 0) {
			shard_delete_entry(s, 0, e);
			new_list(s, "l");
		}
	}
	CU_ASSERT(same_as_model(get(s, "l"), &m));
	CU_ASSERT(maxlen > 300);
	CU_ASSERT_EQUAL(shard_delete(s, 0, "l", 1), 1);
	CU_ASSERT_EQUAL(shard_used_memory(s), m0);
	m_free(&m);
	shard_free(s);
}

static void test_random_default(void) { random_ops(LIST_FILL_DEFAULT); }
static void test_random_fill3(void) { random_ops(3); }
static void test_random_fill1(void) { random_ops(1); }
static void test_random_fill0(void) { random_ops(0); }
static void test_random_4kb(void) { random_ops(-1); }
static void test_random_fill128(void) { random_ops(128); }

/* Redis's fill rule: -2 = 8 KB nodes, positive = entries per node. */
static void test_node_sizes(void)
{
	struct shard *s = new_shard();
	struct sentry *e = new_list(s, "a");
	char buf[32];
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(buf, sizeof(buf), "element:%06d", i); /* 14 bytes */
		CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, buf, (size_t)n, -2), 0);
	}
	/* 1000 entries of 16 bytes: 2 nodes of at most 8 KB */
	CU_ASSERT_EQUAL(list_len(e), 1000);
	CU_ASSERT_EQUAL(list_node_count(e), 2);

	e = new_list(s, "b");
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(list_push(s, e, LIST_HEAD, "x", 1, 3), 0);
	CU_ASSERT_EQUAL(list_node_count(e), 4);

	/* count-limited nodes still stop at 8 KB */
	e = new_list(s, "c");
	static char big[3000];
	memset(big, 'b', sizeof(big));
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, big, sizeof(big), 1000), 0);
	CU_ASSERT_EQUAL(list_node_count(e), 3);

	/* fill below -5 acts as -5 (64 KB), above 32767 as 32767 */
	e = new_list(s, "d");
	for (int i = 0; i < 40; i++)
		CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, big, sizeof(big), -100), 0);
	CU_ASSERT_EQUAL(list_node_count(e), 2);

	/* an element larger than any node limit gets a node of its own */
	e = new_list(s, "f");
	static char huge[70000];
	memset(huge, 'h', sizeof(huge));
	CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, "a", 1, -5), 0);
	CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, huge, sizeof(huge), -5), 0);
	CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, "b", 1, -5), 0);
	CU_ASSERT_EQUAL(list_node_count(e), 3);
	struct list_val v;
	CU_ASSERT_TRUE(list_index(e, 1, &v));
	CU_ASSERT_EQUAL(v.len, sizeof(huge));
	shard_free(s);
}

/* Inserting into the middle of a full node splits it. */
static void test_insert_split(void)
{
	struct shard *s = new_shard();
	struct sentry *e = new_list(s, "l");
	struct model m = { 0 };
	char buf[16];
	for (int i = 0; i < 8; i++) {
		int n = snprintf(buf, sizeof(buf), "e%d", i);
		CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, buf, (size_t)n, 4), 0);
		m_insert(&m, m.len, buf, (size_t)n);
	}
	CU_ASSERT_EQUAL(list_node_count(e), 2);
	CU_ASSERT_EQUAL(list_insert(s, e, "e1", 2, true, "new", 3, 4), 1);
	m_insert(&m, 2, "new", 3);
	CU_ASSERT_EQUAL(list_node_count(e), 3);
	/* at a node's tail: goes to the next node's head if it has room, else a new node */
	CU_ASSERT_EQUAL(list_insert(s, e, "e7", 2, true, "end", 3, 4), 1);
	m_insert(&m, m.len, "end", 3);
	CU_ASSERT_EQUAL(list_insert(s, e, "e0", 2, false, "start", 5, 4), 1);
	m_insert(&m, 0, "start", 5);
	CU_ASSERT_EQUAL(list_insert(s, e, "nosuch", 6, false, "x", 1, 4), 0);
	CU_ASSERT(same_as_model(e, &m));
	m_free(&m);
	shard_free(s);
}

static void test_values(void)
{
	struct shard *s = new_shard();
	struct sentry *e = new_list(s, "l");
	struct list_val v;
	CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, "12345", 5, -2), 0);
	CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, "007", 3, -2), 0);
	CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, "a\0b", 3, -2), 0);
	CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, "", 0, -2), 0);
	CU_ASSERT_TRUE(list_index(e, 0, &v));
	CU_ASSERT_PTR_NULL(v.s); /* a canonical integer is kept as one */
	CU_ASSERT_EQUAL(v.v, 12345);
	CU_ASSERT_TRUE(list_val_eq(&v, "12345", 5));
	CU_ASSERT_FALSE(list_val_eq(&v, "012345", 6));
	CU_ASSERT_TRUE(list_index(e, 1, &v));
	CU_ASSERT_PTR_NOT_NULL(v.s);
	CU_ASSERT_TRUE(list_val_eq(&v, "007", 3));
	CU_ASSERT_FALSE(list_val_eq(&v, "7", 1));
	CU_ASSERT_TRUE(list_index(e, -2, &v));
	CU_ASSERT_TRUE(list_val_eq(&v, "a\0b", 3));
	CU_ASSERT_TRUE(list_index(e, -1, &v));
	CU_ASSERT_EQUAL(v.len, 0);
	CU_ASSERT_FALSE(list_index(e, 4, &v));
	CU_ASSERT_FALSE(list_index(e, -5, &v));
	CU_ASSERT_FALSE(list_index(e, LONG_MIN, &v));
	CU_ASSERT_EQUAL(list_set(s, e, 4, "x", 1, -2), -ERANGE);
	CU_ASSERT_EQUAL(list_set(s, e, -5, "x", 1, -2), -ERANGE);
	/* an out-of-range iterator yields nothing */
	struct list_iter it;
	list_iter_init(&it, e, 10, false);
	CU_ASSERT_FALSE(list_iter_next(&it, &v));
	CU_ASSERT_EQUAL(list_remove(s, e, 0, "12345", 5), 1);
	CU_ASSERT_EQUAL(list_remove(s, e, LONG_MIN, "007", 3), 1);
	CU_ASSERT_EQUAL(list_len(e), 2);
	CU_ASSERT_EQUAL(sentry_type(e), OBJ_LIST);
	CU_ASSERT_EQUAL(sentry_encoding(e), ENC_QUICKLIST);
	shard_free(s);
}

/* DUMP-style moves between shards and COPY on one keep every element. */
static void test_dump_copy(void)
{
	struct shard *s = new_shard(), *t = new_shard();
	struct sentry *e = new_list(s, "l");
	struct model m = { 0 };
	char buf[4096];
	for (int i = 0; i < 2000; i++) {
		size_t n = rand_elem(buf, sizeof(buf));
		CU_ASSERT_EQUAL(list_push(s, e, LIST_TAIL, buf, n, -2), 0);
		m_insert(&m, m.len, buf, n);
	}
	size_t len;
	char *dump = shard_dump_value(e, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dump);
	size_t t0 = shard_used_memory(t);
	struct sentry *r = shard_restore(t, 0, "moved", 5, dump, len, STORE_NO_EXPIRE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(same_as_model(r, &m));
	CU_ASSERT_EQUAL(list_node_count(r), list_node_count(e));
	CU_ASSERT_EQUAL(sentry_encoding(r), ENC_QUICKLIST);
	/* corrupted bytes are refused, not loaded */
	dump[len / 2] ^= 0x5a;
	dump[len / 2 + 1] ^= 0x33;
	struct sentry *bad = shard_restore(t, 0, "bad", 3, dump, len - 1, STORE_NO_EXPIRE);
	CU_ASSERT_PTR_NULL(bad);
	free(dump);
	CU_ASSERT_EQUAL(shard_delete(t, 0, "moved", 5), 1);
	CU_ASSERT_EQUAL(shard_used_memory(t), t0);

	size_t s0 = shard_used_memory(s);
	struct sentry *c = shard_copy(s, 0, get(s, "l"), 0, "copy", 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(same_as_model(c, &m));
	/* the copy is independent */
	CU_ASSERT_EQUAL(list_push(s, c, LIST_HEAD, "only-in-copy", 12, -2), 0);
	CU_ASSERT(same_as_model(get(s, "l"), &m));
	CU_ASSERT_EQUAL(shard_delete(s, 0, "copy", 4), 1);
	CU_ASSERT_EQUAL(shard_used_memory(s), s0);
	m_free(&m);
	shard_free(s);
	shard_free(t);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "random ops, fill -2 (8 KB nodes)", test_random_default },
		{ "random ops, fill 3", test_random_fill3 },
		{ "random ops, fill 1", test_random_fill1 },
		{ "random ops, fill 0", test_random_fill0 },
		{ "random ops, fill -1 (4 KB nodes)", test_random_4kb },
		{ "random ops, fill 128", test_random_fill128 },
		{ "node sizes follow Redis's fill rule", test_node_sizes },
		{ "insert in a full node splits it", test_insert_split },
		{ "integers, binary and empty elements, ranges", test_values },
		{ "dump/restore across shards, copy", test_dump_copy },
	};
	return cunit_run_one("store_list", tests);
}
