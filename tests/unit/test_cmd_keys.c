/*
 * The keys family through the in-process harness, with 1 and 4 workers:
 * exact reply bytes (RESP2 and RESP3) as Redis 7.0.15 gives them, TTL
 * semantics on a moving clock, and the cross-worker coordinators.
 * Values are written straight into the owner's shard (put()), so these
 * tests do not depend on the strings family.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"
#include "cunit_main.h"

#define T0 1700000000000LL

/* ------------------------------------------------------------ helpers */

/* Run a printf-formatted command and compare. */
#define EXPECTF(h, want, ...)                                        \
	do {                                                         \
		char cmd_[512];                                      \
		snprintf(cmd_, sizeof(cmd_), __VA_ARGS__);           \
		EXPECT_STR((h), cmd_, (want));                       \
	} while (0)

static void put_flags(struct harness *h, int db, const char *key, const char *val, unsigned fl)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(shard_set_str(h_owner_shard(h, key), db, key, strlen(key),
						   val, strlen(val), fl));
}
static void put(struct harness *h, const char *key, const char *val)
{
	put_flags(h, 0, key, val, 0);
}

/* The value of key in db (NULL if absent), straight from its shard. */
static const char *get_db(struct harness *h, int db, const char *key)
{
	static char buf[256];
	char tmp[32];
	size_t n;
	struct sentry *e = h_peek(h, db, key);
	if (!e)
		return NULL;
	const char *v = sentry_str(e, tmp, &n);
	snprintf(buf, sizeof(buf), "%.*s", (int)n, v);
	return buf;
}

/* A key living on worker w % nworkers, copied out of the harness's buffer. */
static void key_on(struct harness *h, int w, const char *prefix, char *out, size_t n)
{
	snprintf(out, n, "%s", h_key_on(h, w % h_nworkers(h), prefix));
}

static struct harness *fresh(int nw)
{
	struct harness *h = h_new(nw);
	h_set_time_ms(h, T0);
	return h;
}

static const int nworkers[] = {1, 4};
#define FOR_EACH_NW(h)                                                              \
	for (size_t nwi_ = 0; nwi_ < 2; nwi_++)                                     \
		for (struct harness *h = fresh(nworkers[nwi_]); h; h_free(h), h = NULL)

/* ------------------------------------------------- DEL EXISTS TOUCH */

static void test_del_exists_touch_unlink(void)
{
	FOR_EACH_NW(h) {
		char a[32], b[32], c[32];
		key_on(h, 0, "a", a, sizeof(a));
		key_on(h, 1, "b", b, sizeof(b));
		key_on(h, 2, "c", c, sizeof(c));
		put(h, a, "1");
		put(h, b, "2");
		put(h, c, "3");
		/* duplicates count for EXISTS and TOUCH, not for DEL */
		EXPECTF(h, ":5\r\n", "EXISTS %s %s %s %s nokey %s", a, b, c, a, a);
		if (h_nworkers(h) == 4)
			CU_ASSERT(h_last_subrequests(h) == 3);
		EXPECTF(h, ":4\r\n", "TOUCH %s %s %s nokey %s", a, b, c, c);
		EXPECTF(h, ":2\r\n", "DEL %s %s %s nokey", a, b, a);
		EXPECTF(h, ":0\r\n", "EXISTS %s %s", a, b);
		EXPECTF(h, ":1\r\n", "EXISTS %s", c);
		EXPECTF(h, ":1\r\n", "UNLINK %s %s %s", a, b, c);
		EXPECTF(h, ":0\r\n", "unlink %s", c);
		EXPECT(h, "DEL nokey", ":0\r\n");
		EXPECT(h, "DEL", "-ERR wrong number of arguments for 'del' command\r\n");
		EXPECT(h, "EXISTS", "-ERR wrong number of arguments for 'exists' command\r\n");
		EXPECT(h, "TOUCH", "-ERR wrong number of arguments for 'touch' command\r\n");
		EXPECT(h, "UNLINK", "-ERR wrong number of arguments for 'unlink' command\r\n");
		h_client(h)->resp = 3;
		put(h, a, "1");
		EXPECTF(h, ":1\r\n", "DEL %s %s", a, b);
	}
}

/* ------------------------------------------------- TYPE TTL PERSIST */

static void test_type_ttl_persist(void)
{
	FOR_EACH_NW(h) {
		put(h, "k", "v");
		EXPECT(h, "TYPE k", "+string\r\n");
		EXPECT(h, "TYPE nokey", "+none\r\n");
		EXPECT(h, "TTL k", ":-1\r\n");
		EXPECT(h, "PTTL k", ":-1\r\n");
		EXPECT(h, "EXPIRETIME k", ":-1\r\n");
		EXPECT(h, "PEXPIRETIME k", ":-1\r\n");
		EXPECT(h, "TTL nokey", ":-2\r\n");
		EXPECT(h, "PTTL nokey", ":-2\r\n");
		EXPECT(h, "EXPIRETIME nokey", ":-2\r\n");
		EXPECT(h, "PEXPIRETIME nokey", ":-2\r\n");
		EXPECT(h, "EXPIRE k 100", ":1\r\n");
		EXPECT(h, "TTL k", ":100\r\n");
		EXPECT(h, "PTTL k", ":100000\r\n");
		EXPECT(h, "PEXPIRETIME k", ":1700000100000\r\n");
		EXPECT(h, "EXPIRETIME k", ":1700000100\r\n");
		h_advance_ms(h, 1499);
		EXPECT(h, "PTTL k", ":98501\r\n");
		EXPECT(h, "TTL k", ":99\r\n"); /* rounded: (98501 + 500) / 1000 */
		h_advance_ms(h, 2);
		EXPECT(h, "TTL k", ":98\r\n");
		EXPECT(h, "PEXPIRE k 1499", ":1\r\n");
		EXPECT(h, "EXPIRETIME k", ":1700000003\r\n"); /* (1700000003000 + 500) / 1000 */
		EXPECT(h, "PERSIST k", ":1\r\n");
		EXPECT(h, "TTL k", ":-1\r\n");
		EXPECT(h, "PERSIST k", ":0\r\n");
		EXPECT(h, "PERSIST nokey", ":0\r\n");
		EXPECT(h, "TTL", "-ERR wrong number of arguments for 'ttl' command\r\n");
		EXPECT(h, "TYPE a b", "-ERR wrong number of arguments for 'type' command\r\n");
		EXPECT(h, "PERSIST", "-ERR wrong number of arguments for 'persist' command\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "TYPE k", "+string\r\n");
		EXPECT(h, "TTL nokey", ":-2\r\n");
	}
}

/* ------------------------------------------------------ EXPIRE family */

static void test_expire_options(void)
{
	FOR_EACH_NW(h) {
		put(h, "k", "v");
		EXPECT(h, "EXPIRE k 100 NX", ":1\r\n");
		EXPECT(h, "EXPIRE k 200 NX", ":0\r\n");
		EXPECT(h, "TTL k", ":100\r\n");
		EXPECT(h, "EXPIRE k 200 XX", ":1\r\n");
		EXPECT(h, "EXPIRE k 100 GT", ":0\r\n");
		EXPECT(h, "EXPIRE k 200 GT", ":0\r\n");
		EXPECT(h, "EXPIRE k 300 gt", ":1\r\n");
		EXPECT(h, "EXPIRE k 300 LT", ":0\r\n");
		EXPECT(h, "EXPIRE k 50 lt", ":1\r\n");
		EXPECT(h, "TTL k", ":50\r\n");
		EXPECT(h, "EXPIRE k 60 XX LT", ":0\r\n");
		EXPECT(h, "EXPIRE k 40 XX LT", ":1\r\n");
		EXPECT(h, "PERSIST k", ":1\r\n");
		/* no TTL is an infinite one */
		EXPECT(h, "EXPIRE k 100 XX", ":0\r\n");
		EXPECT(h, "EXPIRE k 100 GT", ":0\r\n");
		EXPECT(h, "EXPIRE k 100 LT", ":1\r\n");
		EXPECT(h, "TTL k", ":100\r\n");
		EXPECT(h, "EXPIRE nokey 100", ":0\r\n");
		EXPECT(h, "EXPIRE nokey 100 NX", ":0\r\n");

		EXPECT(h, "EXPIRE k 100 NX XX",
		       "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
		EXPECT(h, "EXPIRE k 100 NX GT",
		       "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
		EXPECT(h, "PEXPIRE k 100 LT NX",
		       "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
		EXPECT(h, "EXPIRE k 100 lt nx",
		       "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n");
		EXPECT(h, "EXPIRE k 100 GT LT",
		       "-ERR GT and LT options at the same time are not compatible\r\n");
		EXPECT(h, "EXPIRE k 100 foo", "-ERR Unsupported option foo\r\n");
		EXPECT(h, "EXPIRE k 100 nx foo", "-ERR Unsupported option foo\r\n");
		EXPECT(h, "EXPIRE nokey 100 bar", "-ERR Unsupported option bar\r\n");
		/* options are checked before the time */
		EXPECT(h, "EXPIRE k abc foo", "-ERR Unsupported option foo\r\n");
		EXPECT(h, "EXPIRE k abc", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "EXPIRE k 1.5", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "EXPIRE k \" 1\"", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "EXPIRE k 9223372036854775807",
		       "-ERR invalid expire time in 'expire' command\r\n");
		EXPECT(h, "expire k 9223372036854774",
		       "-ERR invalid expire time in 'expire' command\r\n");
		EXPECT(h, "EXPIRE k -9223372036854776",
		       "-ERR invalid expire time in 'expire' command\r\n");
		EXPECT(h, "PEXPIRE k 9223372036854775000",
		       "-ERR invalid expire time in 'pexpire' command\r\n");
		EXPECT(h, "EXPIREAT k 9223372036854776",
		       "-ERR invalid expire time in 'expireat' command\r\n");
		EXPECT(h, "PEXPIREAT k 92233720368547758070",
		       "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "EXPIREAT k 9223372036854775", ":1\r\n");
		EXPECT(h, "PEXPIRETIME k", ":9223372036854775000\r\n");
		EXPECT(h, "PEXPIREAT k 9223372036854775807", ":1\r\n");
		EXPECT(h, "PEXPIRETIME k", ":9223372036854775807\r\n");
		EXPECT(h, "EXPIRE", "-ERR wrong number of arguments for 'expire' command\r\n");
		EXPECT(h, "PEXPIREAT k", "-ERR wrong number of arguments for 'pexpireat' command\r\n");

		EXPECT(h, "EXPIREAT k 1700000200", ":1\r\n");
		EXPECT(h, "TTL k", ":200\r\n");
		EXPECT(h, "PEXPIREAT k 1700000000500", ":1\r\n");
		EXPECT(h, "PTTL k", ":500\r\n");

		/* a time in the past (or now) deletes the key and counts as set */
		EXPECT(h, "EXPIRE k -1", ":1\r\n");
		EXPECT(h, "EXISTS k", ":0\r\n");
		put(h, "k", "v");
		EXPECT(h, "PEXPIRE k 0", ":1\r\n");
		EXPECT(h, "EXISTS k", ":0\r\n");
		put(h, "k", "v");
		EXPECT(h, "EXPIREAT k 1", ":1\r\n");
		EXPECT(h, "TYPE k", "+none\r\n");
		put(h, "k", "v");
		EXPECT(h, "PEXPIREAT k 1700000000000", ":1\r\n");
		EXPECT(h, "TTL k", ":-2\r\n");
		put(h, "k", "v");
		EXPECT(h, "PEXPIRE k -9223372036854775808", ":1\r\n");
		EXPECT(h, "EXISTS k", ":0\r\n");
		/* past with GT on a key without TTL: refused, key kept */
		put(h, "k", "v");
		EXPECT(h, "EXPIRE k -1 GT", ":0\r\n");
		EXPECT(h, "EXISTS k", ":1\r\n");
	}
}

/* A key past its expire time is gone for every command. */
static void test_expired_key_invisible(void)
{
	static const struct {
		const char *cmd;
		const char *want;
	} cases[] = {
		{"EXISTS k", ":0\r\n"},
		{"TYPE k", "+none\r\n"},
		{"TTL k", ":-2\r\n"},
		{"PTTL k", ":-2\r\n"},
		{"EXPIRETIME k", ":-2\r\n"},
		{"PERSIST k", ":0\r\n"},
		{"EXPIRE k 100", ":0\r\n"},
		{"DEL k", ":0\r\n"},
		{"UNLINK k", ":0\r\n"},
		{"TOUCH k", ":0\r\n"},
		{"OBJECT ENCODING k", "$-1\r\n"},
		{"OBJECT REFCOUNT k", "$-1\r\n"},
		{"RENAME k k2", "-ERR no such key\r\n"},
		{"RENAMENX k k2", "-ERR no such key\r\n"},
		{"COPY k k2", ":0\r\n"},
		{"KEYS *", "*0\r\n"},
		{"RANDOMKEY", "$-1\r\n"},
	};
	FOR_EACH_NW(h) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			put(h, "k", "v");
			EXPECT(h, "PEXPIRE k 100", ":1\r\n");
			h_advance_ms(h, 99);
			EXPECT(h, "EXISTS k", ":1\r\n");
			h_advance_ms(h, 1);
			EXPECT_STR(h, cases[i].cmd, cases[i].want);
			CU_ASSERT_PTR_NULL(get_db(h, 0, "k2"));
		}
		/* SCAN hides it too */
		put(h, "k", "v");
		EXPECT(h, "PEXPIRE k 10", ":1\r\n");
		h_advance_ms(h, 10);
		char cmd[32] = "SCAN 0 COUNT 100";
		int seen = 0;
		for (int step = 0; step < 10; step++) {
			const char *rep = h_run(h, cmd);
			CU_ASSERT(strstr(rep, "$1\r\nk\r\n") == NULL);
			size_t pos = 0;
			struct resp_item it;
			resp_read_item(rep, h_reply_len(h), &pos, &it);
			resp_read_item(rep, h_reply_len(h), &pos, &it);
			snprintf(cmd, sizeof(cmd), "SCAN %.*s COUNT 100", (int)it.len, it.ptr);
			seen++;
			if (it.len == 1 && it.ptr[0] == '0')
				break;
		}
		CU_ASSERT(seen == h_nworkers(h));
		/* an expired key does not block RENAMENX / COPY into it */
		put(h, "src", "new");
		put(h, "dst", "old");
		EXPECT(h, "PEXPIRE dst 5", ":1\r\n");
		h_advance_ms(h, 5);
		EXPECT(h, "RENAMENX src dst", ":1\r\n");
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, "dst"), "new");
	}
}

/* ---------------------------------------------------------- KEYS SCAN */

#define NKEYS 200

/* Which of NKEYS "key:<i>" a reply's keys array named (marks seen[]);
 * returns the element count, -1 on a key outside the set. With seen
 * NULL, any key is fine and only counted. */
static int mark_keys(const char *rep, size_t len, size_t pos, int *seen)
{
	struct resp_item it;
	if (resp_read_item(rep, len, &pos, &it) != 0 || it.type != '*')
		return -1;
	int n = (int)it.ival;
	for (int i = 0; i < n; i++) {
		struct resp_item k;
		if (resp_read_item(rep, len, &pos, &k) != 0 || k.type != '$')
			return -1;
		int idx;
		char name[64];
		if (!seen)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)k.len, k.ptr);
		if (sscanf(name, "key:%d", &idx) != 1 || idx < 0 || idx >= NKEYS)
			return -1;
		seen[idx]++;
	}
	return n;
}

/* Scans to the end with the given options; returns the number of calls
 * (-1 on a malformed reply or a runaway scan). */
static int scan_all(struct harness *h, const char *opts, int *seen)
{
	char cursor[32] = "0";
	for (int calls = 1; calls < 10000; calls++) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "SCAN %s %s", cursor, opts);
		const char *rep = h_run(h, cmd);
		size_t len = h_reply_len(h), pos = 0;
		struct resp_item hdr, cur;
		if (resp_read_item(rep, len, &pos, &hdr) != 0 || hdr.type != '*' || hdr.ival != 2 ||
		    resp_read_item(rep, len, &pos, &cur) != 0 || cur.type != '$')
			return -1;
		snprintf(cursor, sizeof(cursor), "%.*s", (int)cur.len, cur.ptr);
		if (mark_keys(rep, len, pos, seen) < 0)
			return -1;
		if (strcmp(cursor, "0") == 0)
			return calls;
	}
	return -1;
}

static void fill_keys(struct harness *h)
{
	for (int i = 0; i < NKEYS; i++) {
		char k[32], v[32];
		snprintf(k, sizeof(k), "key:%d", i);
		snprintf(v, sizeof(v), "%d", i);
		put(h, k, v);
	}
}

static void test_keys(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "KEYS *", "*0\r\n");
		fill_keys(h);
		int seen[NKEYS] = {0};
		const char *rep = h_run(h, "KEYS *");
		CU_ASSERT(mark_keys(rep, h_reply_len(h), 0, seen) == NKEYS);
		for (int i = 0; i < NKEYS; i++)
			CU_ASSERT(seen[i] == 1);
		/* key:1, key:1x, key:1xx */
		memset(seen, 0, sizeof(seen));
		rep = h_run(h, "KEYS key:1*");
		CU_ASSERT(mark_keys(rep, h_reply_len(h), 0, seen) == 111);
		for (int i = 0; i < NKEYS; i++)
			CU_ASSERT(seen[i] == (i == 1 || (i >= 10 && i < 20) || (i >= 100 && i < 200)));
		EXPECT(h, "KEYS key:7", "*1\r\n$5\r\nkey:7\r\n");
		memset(seen, 0, sizeof(seen));
		rep = h_run(h, "KEYS key:?9[0-1]");
		CU_ASSERT(mark_keys(rep, h_reply_len(h), 0, seen) == 2);
		CU_ASSERT(seen[190] == 1 && seen[191] == 1);
		EXPECT(h, "KEYS nomatch*", "*0\r\n");
		EXPECT(h, "KEYS", "-ERR wrong number of arguments for 'keys' command\r\n");
		EXPECT(h, "KEYS a b", "-ERR wrong number of arguments for 'keys' command\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "KEYS key:7", "*1\r\n$5\r\nkey:7\r\n");
	}
}

static void test_scan(void)
{
	FOR_EACH_NW(h) {
		EXPECT_STR(h, "SCAN 0", h_nworkers(h) == 1 ? "*2\r\n$1\r\n0\r\n*0\r\n"
							     : "*2\r\n$1\r\n1\r\n*0\r\n");
		fill_keys(h);
		const char *opts[] = {"", "COUNT 1", "COUNT 7", "count 1000", "MATCH * TYPE string"};
		for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
			int seen[NKEYS] = {0};
			int calls = scan_all(h, opts[o], seen);
			CU_ASSERT(calls >= h_nworkers(h));
			for (int i = 0; i < NKEYS; i++)
				CU_ASSERT(seen[i] >= 1);
		}
		int seen[NKEYS] = {0};
		CU_ASSERT(scan_all(h, "MATCH key:1? COUNT 5", seen) > 0);
		for (int i = 0; i < NKEYS; i++)
			CU_ASSERT((seen[i] >= 1) == (i >= 10 && i < 20));
		memset(seen, 0, sizeof(seen));
		CU_ASSERT(scan_all(h, "TYPE list", seen) > 0);
		memset(seen, 0, sizeof(seen));
		CU_ASSERT(scan_all(h, "TYPE foo COUNT 3", seen) > 0);
		CU_ASSERT(scan_all(h, "TYPE STRING MATCH key:5", seen) > 0);
		for (int i = 0; i < NKEYS; i++)
			CU_ASSERT(seen[i] == (i == 5));

		EXPECT(h, "SCAN x", "-ERR invalid cursor\r\n");
		EXPECT(h, "SCAN \" 1\"", "-ERR invalid cursor\r\n");
		EXPECT(h, "SCAN 1x", "-ERR invalid cursor\r\n");
		EXPECT(h, "SCAN 99999999999999999999", "-ERR invalid cursor\r\n");
		EXPECT(h, "SCAN x COUNT 0", "-ERR invalid cursor\r\n");
		EXPECT(h, "SCAN 0 COUNT 0", "-ERR syntax error\r\n");
		EXPECT(h, "SCAN 0 COUNT -1", "-ERR syntax error\r\n");
		EXPECT(h, "SCAN 0 COUNT x", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "SCAN 0 COUNT", "-ERR syntax error\r\n");
		EXPECT(h, "SCAN 0 MATCH", "-ERR syntax error\r\n");
		EXPECT(h, "SCAN 0 TYPE", "-ERR syntax error\r\n");
		EXPECT(h, "SCAN 0 foo bar", "-ERR syntax error\r\n");
		EXPECT(h, "SCAN", "-ERR wrong number of arguments for 'scan' command\r\n");
		EXPECT_STR(h, "SCAN 0 MATCH nothing* COUNT 1000",
			   h_nworkers(h) == 1 ? "*2\r\n$1\r\n0\r\n*0\r\n" : "*2\r\n$1\r\n1\r\n*0\r\n");
		/* strtoul accepts these */
		const char *rep = h_run(h, "SCAN \"\" COUNT 1000");
		CU_ASSERT(rep[0] == '*');
		rep = h_run(h, "SCAN +0 COUNT 1000");
		CU_ASSERT(rep[0] == '*');
	}
}

/* cursor = inner * nworkers + worker: with an empty keyspace each worker
 * is one step, and the last one ends the scan. */
static void test_scan_cursor_walks_workers(void)
{
	struct harness *h = fresh(4);
	EXPECT(h, "SCAN 0", "*2\r\n$1\r\n1\r\n*0\r\n");
	EXPECT(h, "SCAN 1", "*2\r\n$1\r\n2\r\n*0\r\n");
	EXPECT(h, "SCAN 2", "*2\r\n$1\r\n3\r\n*0\r\n");
	EXPECT(h, "SCAN 3", "*2\r\n$1\r\n0\r\n*0\r\n");
	char k[32];
	key_on(h, 2, "only", k, sizeof(k));
	put(h, k, "v");
	char want[96];
	snprintf(want, sizeof(want), "*2\r\n$1\r\n3\r\n*1\r\n$%zu\r\n%s\r\n", strlen(k), k);
	EXPECT_STR(h, "SCAN 2", want);
	h_client(h)->resp = 3;
	EXPECT_STR(h, "SCAN 2", want);
	h_free(h);
}

/* ---------------------------------------------- RANDOMKEY DBSIZE FLUSH */

static void test_randomkey(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "RANDOMKEY", "$-1\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "RANDOMKEY", "_\r\n");
		h_client(h)->resp = 2;
		char k[32], want[64];
		key_on(h, 3, "one", k, sizeof(k));
		put(h, k, "v");
		snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(k), k);
		EXPECT_STR(h, "RANDOMKEY", want);
		fill_keys(h);
		int seen[NKEYS] = {0};
		int hits = 0;
		for (int i = 0; i < 400; i++) {
			const char *rep = h_run(h, "RANDOMKEY");
			size_t pos = 0;
			struct resp_item it;
			CU_ASSERT_FATAL(resp_read_item(rep, h_reply_len(h), &pos, &it) == 0);
			CU_ASSERT(it.type == '$');
			int idx;
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)it.len, it.ptr);
			if (sscanf(name, "key:%d", &idx) == 1 && idx >= 0 && idx < NKEYS) {
				if (!seen[idx]++)
					hits++;
			} else {
				CU_ASSERT_STRING_EQUAL(name, k);
			}
		}
		CU_ASSERT(hits > 50); /* spread over the keyspace, all workers */
		EXPECT(h, "RANDOMKEY x", "-ERR wrong number of arguments for 'randomkey' command\r\n");
	}
}

static void test_dbsize_flush(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "DBSIZE", ":0\r\n");
		fill_keys(h);
		put_flags(h, 1, "key:0", "db1", 0);
		put_flags(h, 1, "other", "db1", 0);
		EXPECT(h, "DBSIZE", ":200\r\n");
		EXPECT(h, "FLUSHDB x", "-ERR syntax error\r\n");
		EXPECT(h, "FLUSHDB sync async", "-ERR syntax error\r\n");
		EXPECT(h, "FLUSHALL foo", "-ERR syntax error\r\n");
		EXPECT(h, "DBSIZE x", "-ERR wrong number of arguments for 'dbsize' command\r\n");
		EXPECT(h, "DBSIZE", ":200\r\n");
		EXPECT(h, "FLUSHDB", "+OK\r\n");
		EXPECT(h, "DBSIZE", ":0\r\n");
		EXPECT(h, "KEYS *", "*0\r\n");
		CU_ASSERT_STRING_EQUAL(get_db(h, 1, "other"), "db1");
		fill_keys(h);
		EXPECT(h, "FLUSHDB async", "+OK\r\n");
		EXPECT(h, "DBSIZE", ":0\r\n");
		fill_keys(h);
		EXPECT(h, "FLUSHDB SYNC", "+OK\r\n");
		EXPECT(h, "DBSIZE", ":0\r\n");
		fill_keys(h);
		EXPECT(h, "FLUSHALL ASYNC", "+OK\r\n");
		EXPECT(h, "DBSIZE", ":0\r\n");
		CU_ASSERT_PTR_NULL(get_db(h, 1, "other"));
		CU_ASSERT_PTR_NULL(get_db(h, 1, "key:0"));
		fill_keys(h);
		EXPECT(h, "FLUSHALL", "+OK\r\n");
		for (int w = 0; w < h_nworkers(h); w++)
			for (int db = 0; db < 16; db++)
				CU_ASSERT(shard_dbsize(h_env(h, w)->shard, db) == 0);
		EXPECT(h, "FLUSHALL sync", "+OK\r\n");
	}
}

/* ------------------------------------------------- RENAME RENAMENX COPY */

static void test_rename(void)
{
	FOR_EACH_NW(h) {
		char a[32], b[32], c[32];
		key_on(h, 0, "a", a, sizeof(a));
		key_on(h, 1, "b", b, sizeof(b));
		key_on(h, 2, "c", c, sizeof(c));
		EXPECTF(h, "-ERR no such key\r\n", "RENAME %s %s", a, b);
		EXPECTF(h, "-ERR no such key\r\n", "RENAMENX %s %s", a, b);
		EXPECTF(h, "-ERR no such key\r\n", "RENAME %s %s", a, a);
		put(h, a, "hello");
		EXPECTF(h, "+OK\r\n", "RENAME %s %s", a, a);
		EXPECTF(h, ":0\r\n", "RENAMENX %s %s", a, a);
		/* across workers (with 4), TTL and value kept */
		EXPECTF(h, ":1\r\n", "PEXPIRE %s 5000", a);
		EXPECTF(h, "+OK\r\n", "RENAME %s %s", a, b);
		/* dump, restore, delete-if-unchanged */
		CU_ASSERT(h_last_subrequests(h) == (h_nworkers(h) == 1 ? 0 : 3));
		CU_ASSERT_PTR_NULL(get_db(h, 0, a));
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, b), "hello");
		EXPECTF(h, ":5000\r\n", "PTTL %s", b);
		EXPECTF(h, "$6\r\nembstr\r\n", "OBJECT ENCODING %s", b);
		/* overwrite: the destination's own TTL goes */
		put(h, c, "12345");
		EXPECTF(h, ":1\r\n", "EXPIRE %s 77", c);
		EXPECTF(h, ":1\r\n", "PERSIST %s", b);
		EXPECTF(h, "+OK\r\n", "rename %s %s", b, c);
		EXPECTF(h, ":-1\r\n", "TTL %s", c);
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, c), "hello");
		EXPECTF(h, ":0\r\n", "EXISTS %s", b);
		/* RENAMENX */
		put(h, a, "x");
		EXPECTF(h, ":0\r\n", "RENAMENX %s %s", a, c);
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, a), "x");
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, c), "hello");
		EXPECTF(h, ":1\r\n", "EXPIRE %s 30", c);
		EXPECTF(h, ":1\r\n", "RENAMENX %s %s", c, b);
		EXPECTF(h, ":30\r\n", "TTL %s", b);
		EXPECTF(h, ":-2\r\n", "TTL %s", c);
		/* encodings travel: int and raw */
		put(h, a, "42");
		EXPECTF(h, "+OK\r\n", "RENAME %s %s", a, c);
		EXPECTF(h, "$3\r\nint\r\n", "OBJECT ENCODING %s", c);
		put_flags(h, 0, a, "short", SET_RAW);
		EXPECTF(h, "+OK\r\n", "RENAME %s %s", a, c);
		EXPECTF(h, "$3\r\nraw\r\n", "OBJECT ENCODING %s", c);
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, c), "short");
	}
}

static void test_copy(void)
{
	FOR_EACH_NW(h) {
		char a[32], b[32];
		key_on(h, 0, "a", a, sizeof(a));
		key_on(h, 3, "b", b, sizeof(b));
		EXPECTF(h, ":0\r\n", "COPY %s %s", a, b);
		put(h, a, "v1");
		EXPECTF(h, ":1\r\n", "PEXPIRE %s 9000", a);
		EXPECTF(h, ":1\r\n", "COPY %s %s", a, b);
		CU_ASSERT(h_last_subrequests(h) == (h_nworkers(h) == 1 ? 0 : 2));
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, a), "v1");
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, b), "v1");
		EXPECTF(h, ":9000\r\n", "PTTL %s", b);
		EXPECTF(h, ":9000\r\n", "PTTL %s", a);
		put(h, a, "v2");
		EXPECTF(h, ":0\r\n", "COPY %s %s", a, b);
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, b), "v1");
		EXPECTF(h, ":1\r\n", "COPY %s %s REPLACE", a, b);
		CU_ASSERT_STRING_EQUAL(get_db(h, 0, b), "v2");
		EXPECTF(h, ":-1\r\n", "TTL %s", b);
		EXPECTF(h, ":1\r\n", "COPY %s %s replace replace", a, b);
		/* another DB, even the same key name */
		EXPECTF(h, ":1\r\n", "COPY %s %s DB 1", a, a);
		CU_ASSERT_STRING_EQUAL(get_db(h, 1, a), "v2");
		EXPECTF(h, ":1\r\n", "COPY %s %s db 15", a, b);
		CU_ASSERT_STRING_EQUAL(get_db(h, 15, b), "v2");
		EXPECTF(h, ":0\r\n", "COPY %s %s DB 15", a, b);
		EXPECTF(h, ":1\r\n", "COPY %s %s DB 15 REPLACE", a, b);
		/* errors, in Redis's order: options, then same object, then lookup */
		EXPECTF(h, "-ERR source and destination objects are the same\r\n", "COPY %s %s", a, a);
		EXPECTF(h, "-ERR source and destination objects are the same\r\n",
			"COPY %s %s DB 0", a, a);
		EXPECTF(h, "-ERR DB index is out of range\r\n", "COPY %s %s DB 16", a, b);
		EXPECTF(h, "-ERR DB index is out of range\r\n", "COPY %s %s DB -1", a, b);
		EXPECT(h, "COPY nokey other DB 99", "-ERR DB index is out of range\r\n");
		EXPECTF(h, "-ERR value is not an integer or out of range\r\n", "COPY %s %s DB x", a, b);
		EXPECTF(h, "-ERR value is out of range, value must between -2147483648 and "
			   "2147483647\r\n", "COPY %s %s DB 4294967296", a, b);
		EXPECTF(h, "-ERR syntax error\r\n", "COPY %s %s DB", a, b);
		EXPECTF(h, "-ERR syntax error\r\n", "COPY %s %s foo", a, b);
		EXPECT(h, "COPY a", "-ERR wrong number of arguments for 'copy' command\r\n");
		/* encodings survive the copy */
		put(h, a, "123");
		EXPECTF(h, ":1\r\n", "COPY %s %s REPLACE", a, b);
		EXPECTF(h, "$3\r\nint\r\n", "OBJECT ENCODING %s", b);
		put_flags(h, 0, a, "123", SET_RAW);
		EXPECTF(h, ":1\r\n", "COPY %s %s REPLACE", a, b);
		EXPECTF(h, "$3\r\nraw\r\n", "OBJECT ENCODING %s", b);
		/* RESP3: the internal replies (nil is "_") are read the same way */
		h_client(h)->resp = 3;
		EXPECTF(h, ":0\r\n", "COPY nokey %s", b);
		EXPECTF(h, "-ERR no such key\r\n", "RENAME nokey %s", b);
		EXPECTF(h, ":1\r\n", "EXPIRE %s 60", a);
		EXPECTF(h, ":1\r\n", "COPY %s %s REPLACE", a, b);
		EXPECTF(h, ":60\r\n", "TTL %s", b);
		EXPECTF(h, ":1\r\n", "DEL %s", b);
		EXPECTF(h, "+OK\r\n", "RENAME %s %s", a, b);
		EXPECTF(h, ":60\r\n", "TTL %s", b);
		EXPECTF(h, ":-2\r\n", "TTL %s", a);
	}
}

/* The internal commands behind coord_move: unknown to clients; the source
 * is deleted only if it still holds what was dumped. Arguments are
 * "len:bytes"-free C strings except where a length is given (dumps hold
 * NUL bytes: type 0 = string). */
static const char *run_subn(struct harness *h, int w, struct reply *r, int argc,
			    const char *const *argv, const size_t *lens)
{
	struct resp_arg a[8];
	for (int i = 0; i < argc; i++)
		a[i] = (struct resp_arg){argv[i], lens && lens[i] ? lens[i] : strlen(argv[i])};
	reply_clear(r);
	cmd_run_sub(h_env(h, w), 0, r, argc, a);
	reply_reserve(r, 1);
	r->buf[r->len] = '\0';
	return r->buf;
}

static const char *run_sub(struct harness *h, int w, struct reply *r, int argc,
			   const char *const *argv)
{
	return run_subn(h, w, r, argc, argv, NULL);
}

static void test_move_internals(void)
{
	struct harness *h = fresh(4);
	struct reply r;
	reply_init(&r, 2);
	EXPECT(h, "__dump k", "-ERR unknown command '__dump', with args beginning with: 'k' \r\n");
	char k[32];
	key_on(h, 1, "k", k, sizeof(k));
	put(h, k, "v");
	const char *dump[] = {"__dump", k};
	/* a dump: type (0 string), encoding (8 embstr), the bytes */
	static const char want_dump[] = "*3\r\n$3\r\n\x00\x08v\r\n:-1\r\n:0\r\n";
	run_sub(h, 1, &r, 2, dump);
	CU_ASSERT_EQUAL(r.len, sizeof(want_dump) - 1);
	CU_ASSERT(memcmp(r.buf, want_dump, sizeof(want_dump) - 1) == 0);
	size_t three[4] = {0, 0, 3, 0};
	const char *changed[] = {"__delifeq", k, "\x00\x08w", "-1"};
	CU_ASSERT_STRING_EQUAL(run_subn(h, 1, &r, 4, changed, three), ":0\r\n");
	const char *ttl_changed[] = {"__delifeq", k, "\x00\x08v", "1700000005000"};
	CU_ASSERT_STRING_EQUAL(run_subn(h, 1, &r, 4, ttl_changed, three), ":0\r\n");
	CU_ASSERT_STRING_EQUAL(get_db(h, 0, k), "v");
	const char *same[] = {"__delifeq", k, "\x00\x08v", "-1"};
	CU_ASSERT_STRING_EQUAL(run_subn(h, 1, &r, 4, same, three), ":1\r\n");
	CU_ASSERT_PTR_NULL(get_db(h, 0, k));
	CU_ASSERT_STRING_EQUAL(run_sub(h, 1, &r, 2, dump), "$-1\r\n");
	/* restore NX refuses an existing key; an expire already past writes nothing */
	put(h, k, "old");
	size_t five[5] = {0, 0, 5, 0, 0};
	const char *nx[] = {"__restore", k, "\x00\x08new", "-1", "NX"};
	CU_ASSERT_STRING_EQUAL(run_subn(h, 1, &r, 5, nx, five), ":0\r\n");
	const char *past[] = {"__restore", k, "\x00\x08new", "1000", "REPLACE"};
	CU_ASSERT_STRING_EQUAL(run_subn(h, 1, &r, 5, past, five), ":1\r\n");
	CU_ASSERT_PTR_NULL(get_db(h, 0, k));
	/* the encoding travels: a raw "12" stays raw */
	size_t four[5] = {0, 0, 4, 0, 0};
	const char *raw[] = {"__restore", k, "\x00\x00" "12", "1700000009000", "REPLACE"};
	CU_ASSERT_STRING_EQUAL(run_subn(h, 1, &r, 5, raw, four), ":1\r\n");
	EXPECTF(h, "$3\r\nraw\r\n", "OBJECT ENCODING %s", k);
	EXPECTF(h, ":9000\r\n", "PTTL %s", k);
	/* bytes that are no dump are refused, the key left alone */
	const char *bad[] = {"__restore", k, "\x09", "-1", "REPLACE"};
	size_t one[5] = {0, 0, 1, 0, 0};
	CU_ASSERT_STRING_EQUAL(run_subn(h, 1, &r, 5, bad, one), "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
	EXPECTF(h, ":9000\r\n", "PTTL %s", k);
	reply_free(&r);
	h_free(h);
}

/* ------------------------------------------------------------- OBJECT */

static const char object_help[] =
	"*15\r\n"
	"+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
	"+ENCODING <key>\r\n"
	"+    Return the kind of internal representation used in order to store the value\r\n"
	"+    associated with a <key>.\r\n"
	"+FREQ <key>\r\n"
	"+    Return the access frequency index of the <key>. The returned integer is\r\n"
	"+    proportional to the logarithm of the recent access frequency of the key.\r\n"
	"+IDLETIME <key>\r\n"
	"+    Return the idle time of the <key>, that is the approximated number of\r\n"
	"+    seconds elapsed since the last access to the key.\r\n"
	"+REFCOUNT <key>\r\n"
	"+    Return the number of references of the value associated with the specified\r\n"
	"+    <key>.\r\n"
	"+HELP\r\n"
	"+    Prints this help.\r\n";

static void set_policy(struct harness *h, enum maxmemory_policy p, long long maxmemory)
{
	for (int w = 0; w < h_nworkers(h); w++) {
		h_env(h, w)->cfg->maxmemory_policy = p;
		h_env(h, w)->cfg->maxmemory = maxmemory;
	}
}

static void test_object(void)
{
	FOR_EACH_NW(h) {
		put(h, "n", "5");
		put(h, "big", "10000");
		put(h, "neg", "-1");
		put(h, "s", "abc");
		put(h, "l", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
		EXPECT(h, "OBJECT ENCODING n", "$3\r\nint\r\n");
		EXPECT(h, "OBJECT ENCODING big", "$3\r\nint\r\n");
		EXPECT(h, "object encoding s", "$6\r\nembstr\r\n");
		EXPECT(h, "OBJECT ENCODING l", "$3\r\nraw\r\n");
		EXPECT(h, "OBJECT ENCODING nokey", "$-1\r\n");
		EXPECT(h, "OBJECT REFCOUNT n", ":2147483647\r\n");
		EXPECT(h, "OBJECT REFCOUNT big", ":1\r\n");
		EXPECT(h, "OBJECT REFCOUNT neg", ":1\r\n");
		EXPECT(h, "OBJECT REFCOUNT s", ":1\r\n");
		EXPECT(h, "OBJECT REFCOUNT nokey", "$-1\r\n");
		EXPECT(h, "OBJECT HELP", object_help);
		EXPECT(h, "OBJECT FREQ n",
		       "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
		       "Please note that when switching between policies at runtime LRU and LFU "
		       "data will take some time to adjust.\r\n");
		EXPECT(h, "OBJECT FREQ nokey", "$-1\r\n");
		EXPECT(h, "OBJECT IDLETIME nokey", "$-1\r\n");
		EXPECT(h, "OBJECT IDLETIME s", ":0\r\n");
		h_advance_ms(h, 5000);
		EXPECT(h, "OBJECT IDLETIME s", ":5\r\n");
		EXPECT(h, "TTL s", ":-1\r\n"); /* no touch */
		EXPECT(h, "OBJECT IDLETIME s", ":5\r\n");
		EXPECT(h, "TOUCH s", ":1\r\n");
		EXPECT(h, "OBJECT IDLETIME s", ":0\r\n");

		set_policy(h, MM_ALLKEYS_LFU, 0);
		EXPECT(h, "OBJECT IDLETIME s",
		       "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please "
		       "note that when switching between policies at runtime LRU and LFU data "
		       "will take some time to adjust.\r\n");
		const char *rep = h_run(h, "OBJECT FREQ s");
		CU_ASSERT(rep[0] == ':');
		EXPECT(h, "OBJECT REFCOUNT n", ":2147483647\r\n");
		set_policy(h, MM_VOLATILE_LFU, 100 << 20);
		EXPECT(h, "OBJECT REFCOUNT n", ":1\r\n");
		set_policy(h, MM_VOLATILE_TTL, 100 << 20);
		EXPECT(h, "OBJECT REFCOUNT n", ":2147483647\r\n");
		set_policy(h, MM_NOEVICTION, 0);

		EXPECT(h, "OBJECT foo n", "-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n");
		EXPECT(h, "OBJECT", "-ERR wrong number of arguments for 'object' command\r\n");
		EXPECT(h, "OBJECT ENCODING",
		       "-ERR wrong number of arguments for 'object|encoding' command\r\n");
		EXPECT(h, "OBJECT ENCODING a b",
		       "-ERR wrong number of arguments for 'object|encoding' command\r\n");
		EXPECT(h, "OBJECT HELP x", "-ERR wrong number of arguments for 'object|help' command\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "OBJECT ENCODING nokey", "_\r\n");
		EXPECT(h, "OBJECT REFCOUNT nokey", "_\r\n");
		EXPECT(h, "OBJECT FREQ nokey", "_\r\n");
		EXPECT(h, "OBJECT IDLETIME nokey", "_\r\n");
		EXPECT(h, "OBJECT ENCODING n", "$3\r\nint\r\n");
		EXPECT(h, "OBJECT HELP", object_help);
	}
}

/* ----------------------------------------------------- keyspace stats */

static void test_keyspace_stats(void)
{
	static const struct {
		const char *cmd;
		int hits, misses;
	} cases[] = {
		{"EXISTS k", 1, 0},      {"EXISTS nx", 0, 1},  {"EXISTS k nx k", 2, 1},
		{"TYPE k", 1, 0},        {"TYPE nx", 0, 1},    {"TTL k", 1, 0},
		{"PTTL nx", 0, 1},       {"EXPIRETIME k", 1, 0}, {"PEXPIRETIME nx", 0, 1},
		{"PERSIST k", 0, 0},     {"EXPIRE nx 10", 0, 0}, {"DEL nx", 0, 0},
		{"TOUCH k nx", 1, 1},    {"OBJECT ENCODING k", 1, 0}, {"OBJECT REFCOUNT nx", 0, 1},
		{"COPY k k3", 1, 0},     {"COPY nx k4", 0, 1}, {"RENAME k3 k5", 0, 0},
		{"KEYS *", 0, 0},        {"SCAN 0", 0, 0},     {"RANDOMKEY", 0, 0},
		{"DBSIZE", 0, 0},        {"UNLINK k5", 0, 0},
	};
	FOR_EACH_NW(h) {
		put(h, "k", "v");
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			uint64_t h0, m0, h1, m1;
			h_keyspace_stats(h, &h0, &m0);
			h_run(h, cases[i].cmd);
			h_keyspace_stats(h, &h1, &m1);
			if (h1 - h0 != (uint64_t)cases[i].hits || m1 - m0 != (uint64_t)cases[i].misses)
				fprintf(stderr, "\nstats of %s: +%llu hits +%llu misses\n", cases[i].cmd,
					(unsigned long long)(h1 - h0), (unsigned long long)(m1 - m0));
			CU_ASSERT(h1 - h0 == (uint64_t)cases[i].hits);
			CU_ASSERT(m1 - m0 == (uint64_t)cases[i].misses);
		}
		/* SCAN TYPE looks each matching key up */
		put(h, "k2", "v");
		uint64_t h0, m0, h1, m1;
		h_keyspace_stats(h, &h0, &m0);
		CU_ASSERT(scan_all(h, "TYPE string COUNT 100", NULL) > 0);
		h_keyspace_stats(h, &h1, &m1);
		CU_ASSERT(h1 - h0 == 2);
		CU_ASSERT(m1 - m0 == 0);
	}
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{"DEL EXISTS TOUCH UNLINK", test_del_exists_touch_unlink},
		{"TYPE TTL PERSIST", test_type_ttl_persist},
		{"EXPIRE options and errors", test_expire_options},
		{"expired keys invisible", test_expired_key_invisible},
		{"KEYS", test_keys},
		{"SCAN", test_scan},
		{"SCAN cursor walks workers", test_scan_cursor_walks_workers},
		{"RANDOMKEY", test_randomkey},
		{"DBSIZE FLUSHDB FLUSHALL", test_dbsize_flush},
		{"RENAME RENAMENX", test_rename},
		{"COPY", test_copy},
		{"cross-worker move internals", test_move_internals},
		{"OBJECT", test_object},
		{"keyspace hits and misses", test_keyspace_stats},
	};

	return cunit_run_one("cmd_keys", tests);
}
