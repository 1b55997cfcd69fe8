/*
 * The set family through the in-process harness, with 1 and 4 workers:
 * exact reply bytes (RESP2 and RESP3) as Redis 7.0.15 gives them, the
 * encodings OBJECT ENCODING reports, random commands' shapes, and the
 * multi-key commands with their keys on different workers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"
#include "cunit_main.h"

#define T0 1700000000000LL
#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

#define EXPECTF(h, want, ...)                              \
	do {                                               \
		char cmd_[1024];                           \
		snprintf(cmd_, sizeof(cmd_), __VA_ARGS__); \
		EXPECT_STR((h), cmd_, (want));             \
	} while (0)

static struct harness *fresh(int nw)
{
	struct harness *h = h_new(nw);
	h_set_time_ms(h, T0);
	return h;
}

static const int nworkers[] = { 1, 4 };
#define FOR_EACH_NW(h)                                          \
	for (size_t nwi_ = 0; nwi_ < 2; nwi_++)                 \
		for (struct harness *h = fresh(nworkers[nwi_]); h; h_free(h), h = NULL)

/* A key living on worker w % nworkers, copied out of the harness's buffer. */
static void key_on(struct harness *h, int w, const char *prefix, char *out, size_t n)
{
	snprintf(out, n, "%s", h_key_on(h, w % h_nworkers(h), prefix));
}

/* How many elements an aggregate reply ("*N" / "~N") announces. */
static long agg_len(const char *reply)
{
	return (reply[0] == '*' || reply[0] == '~') ? strtol(reply + 1, NULL, 10) : -1;
}

static void test_add_rem_card(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "SADD s 3 1 2 1", ":3\r\n");
		EXPECT(h, "SADD s 2 4", ":1\r\n");
		EXPECT(h, "SCARD s", ":4\r\n");
		EXPECT(h, "SCARD nokey", ":0\r\n");
		EXPECT(h, "OBJECT ENCODING s", "$6\r\nintset\r\n");
		EXPECT(h, "TYPE s", "+set\r\n");
		EXPECT(h, "SMEMBERS s", "*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
		EXPECT(h, "SISMEMBER s 2", ":1\r\n");
		EXPECT(h, "SISMEMBER s 02", ":0\r\n");
		EXPECT(h, "SISMEMBER nokey 2", ":0\r\n");
		EXPECT(h, "SMISMEMBER s 1 x 4", "*3\r\n:1\r\n:0\r\n:1\r\n");
		EXPECT(h, "SMISMEMBER nokey a", "*1\r\n:0\r\n");
		EXPECT(h, "SADD s hello", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING s", "$9\r\nhashtable\r\n");
		EXPECT(h, "SREM s hello 1 nothere", ":2\r\n");
		EXPECT(h, "OBJECT ENCODING s", "$9\r\nhashtable\r\n"); /* never back */
		EXPECT(h, "SREM s 2 3 4 5", ":3\r\n");
		EXPECT(h, "EXISTS s", ":0\r\n"); /* emptied: deleted */
		EXPECT(h, "SREM nokey a", ":0\r\n");
		EXPECT(h, "SMEMBERS nokey", "*0\r\n");
		EXPECT(h, "SADD", "-ERR wrong number of arguments for 'sadd' command\r\n");
		EXPECT(h, "SADD s", "-ERR wrong number of arguments for 'sadd' command\r\n");
		EXPECT(h, "SCARD a b", "-ERR wrong number of arguments for 'scard' command\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "SADD r3 b", ":1\r\n");
		EXPECT(h, "SMEMBERS r3", "~1\r\n$1\r\nb\r\n");
		EXPECT(h, "SMEMBERS nokey", "~0\r\n");
		EXPECT(h, "SMISMEMBER r3 b", "*1\r\n:1\r\n");
	}
}

static void test_wrongtype(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "SET str v", "+OK\r\n");
		EXPECT(h, "SADD s 1", ":1\r\n");
		EXPECT(h, "SADD str a", WRONGTYPE);
		EXPECT(h, "SREM str a", WRONGTYPE);
		EXPECT(h, "SCARD str", WRONGTYPE);
		EXPECT(h, "SISMEMBER str a", WRONGTYPE);
		EXPECT(h, "SMISMEMBER str a", WRONGTYPE);
		EXPECT(h, "SMEMBERS str", WRONGTYPE);
		EXPECT(h, "SPOP str", WRONGTYPE);
		EXPECT(h, "SPOP str 1", WRONGTYPE);
		EXPECT(h, "SRANDMEMBER str", WRONGTYPE);
		EXPECT(h, "SSCAN str 0", WRONGTYPE);
		EXPECT(h, "SINTER s str", WRONGTYPE);
		EXPECT(h, "SINTER nokey str", WRONGTYPE);
		EXPECT(h, "SUNIONSTORE d str", WRONGTYPE);
		EXPECT(h, "SINTERCARD 2 s str", WRONGTYPE);
		EXPECT(h, "SMOVE s str 1", WRONGTYPE);
		EXPECT(h, "SMOVE nokey str 1", ":0\r\n");
		EXPECT(h, "SMOVE str s 1", WRONGTYPE);
		/* string commands on a set */
		EXPECT(h, "GET s", WRONGTYPE);
		EXPECT(h, "APPEND s x", WRONGTYPE);
		EXPECT(h, "SMEMBERS s", "*1\r\n$1\r\n1\r\n");
	}
}

static void test_spop_srandmember(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "SPOP nokey", "$-1\r\n");
		EXPECT(h, "SPOP nokey 2", "*0\r\n");
		EXPECT(h, "SRANDMEMBER nokey", "$-1\r\n");
		EXPECT(h, "SRANDMEMBER nokey 3", "*0\r\n");
		EXPECT(h, "SPOP s -1", "-ERR value is out of range, must be positive\r\n");
		EXPECT(h, "SPOP s x", "-ERR value is out of range, must be positive\r\n");
		EXPECT(h, "SPOP s 1 2", "-ERR syntax error\r\n");
		EXPECT(h, "SRANDMEMBER s x", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "SRANDMEMBER s -9223372036854775808",
		       "-ERR value is out of range, value must between -9223372036854775807 and "
		       "9223372036854775807\r\n");
		EXPECT(h, "SRANDMEMBER s 1 2", "-ERR syntax error\r\n");
		EXPECT(h, "SADD one x", ":1\r\n");
		EXPECT(h, "SRANDMEMBER one", "$1\r\nx\r\n");
		EXPECT(h, "SRANDMEMBER one -3", "*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n");
		EXPECT(h, "SRANDMEMBER one 0", "*0\r\n");
		EXPECT(h, "SPOP one", "$1\r\nx\r\n");
		EXPECT(h, "EXISTS one", ":0\r\n");

		/* shapes and distinctness on both encodings, every strategy */
		const char *fill[] = {
			"SADD i 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
			"SADD t a b c d e f g h i j k l m n o p q r s t",
		};
		const char *key[] = { "i", "t" };
		for (int k = 0; k < 2; k++) {
			EXPECT_STR(h, fill[k], ":20\r\n");
			long counts[] = { 2, 10, 19, 20, 25 };
			for (int c = 0; c < 5; c++) {
				char cmd[64];
				snprintf(cmd, sizeof(cmd), "SRANDMEMBER %s %ld", key[k], counts[c]);
				const char *r = h_run(h, cmd);
				long want = counts[c] > 20 ? 20 : counts[c];
				CU_ASSERT_EQUAL(agg_len(r), want);
				/* distinct: every member appears once */
				for (char m = 'a'; k == 1 && m <= 't'; m++) {
					char needle[8];
					snprintf(needle, sizeof(needle), "\r\n%c\r\n", m);
					const char *p = strstr(r, needle);
					CU_ASSERT(!p || !strstr(p + 1, needle));
				}
			}
			char cmd[64];
			snprintf(cmd, sizeof(cmd), "SRANDMEMBER %s -50", key[k]);
			CU_ASSERT_EQUAL(agg_len(h_run(h, cmd)), 50);
			snprintf(cmd, sizeof(cmd), "SPOP %s 2", key[k]);  /* pop a few */
			CU_ASSERT_EQUAL(agg_len(h_run(h, cmd)), 2);
			snprintf(cmd, sizeof(cmd), "SPOP %s 16", key[k]); /* rebuild strategy */
			CU_ASSERT_EQUAL(agg_len(h_run(h, cmd)), 16);
			snprintf(cmd, sizeof(cmd), "SCARD %s", key[k]);
			EXPECT_STR(h, cmd, ":2\r\n");
			snprintf(cmd, sizeof(cmd), "SPOP %s 5", key[k]);  /* the rest */
			CU_ASSERT_EQUAL(agg_len(h_run(h, cmd)), 2);
			snprintf(cmd, sizeof(cmd), "EXISTS %s", key[k]);
			EXPECT_STR(h, cmd, ":0\r\n");
		}
		/* SPOP's rebuild keeps the TTL */
		EXPECT(h, "SADD ttl 1 2 3 4 5 6 7 8 9 10", ":10\r\n");
		EXPECT(h, "EXPIRE ttl 100", ":1\r\n");
		CU_ASSERT_EQUAL(agg_len(h_run(h, "SPOP ttl 9")), 9);
		EXPECT(h, "TTL ttl", ":100\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "SPOP nokey", "_\r\n");
		EXPECT(h, "SPOP nokey 1", "~0\r\n");
		EXPECT(h, "SPOP ttl 0", "~0\r\n");
		EXPECT(h, "SRANDMEMBER ttl 0", "*0\r\n");
		CU_ASSERT_EQUAL(h_run(h, "SPOP ttl 3")[0], '~');
	}
}

static void test_sscan(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "SADD i 5 1 3", ":3\r\n");
		EXPECT(h, "SSCAN i 0", "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n");
		EXPECT(h, "SSCAN i 77 COUNT 1 MATCH 3",
		       "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n3\r\n");
		EXPECT(h, "SSCAN i -1", "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n");
		EXPECT(h, "SSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n");
		EXPECT(h, "SSCAN i x", "-ERR invalid cursor\r\n");
		EXPECT(h, "SSCAN i 18446744073709551616", "-ERR invalid cursor\r\n");
		EXPECT(h, "SSCAN i 0 COUNT 0", "-ERR syntax error\r\n");
		EXPECT(h, "SSCAN i 0 COUNT x", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "SSCAN i 0 TYPE string", "-ERR syntax error\r\n");
		EXPECT(h, "SSCAN i 0 MATCH", "-ERR syntax error\r\n");
		/* a hashtable set: the cursor walk returns every member */
		char cmd[4096] = "SADD big";
		for (int k = 0; k < 200; k++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " m%d", k);
		EXPECT(h, cmd, ":200\r\n");
		long total = 0;
		char cursor[32] = "0";
		int calls = 0;
		do {
			snprintf(cmd, sizeof(cmd), "SSCAN big %s COUNT 7", cursor);
			const char *r = h_run(h, cmd);
			CU_ASSERT_FATAL(strncmp(r, "*2\r\n$", 5) == 0);
			const char *p = strchr(r + 5, '\n') + 1;
			size_t n = strcspn(p, "\r");
			snprintf(cursor, sizeof(cursor), "%.*s", (int)n, p);
			p += n + 2;
			total += agg_len(p);
			calls++;
		} while (strcmp(cursor, "0") != 0 && calls < 1000);
		CU_ASSERT(total >= 200 && calls > 1);
	}
}

static void test_config_threshold(void)
{
	FOR_EACH_NW(h) {
		EXPECT(h, "CONFIG GET set-max-intset-entries",
		       "*2\r\n$22\r\nset-max-intset-entries\r\n$3\r\n512\r\n");
		EXPECT(h, "CONFIG SET set-max-intset-entries 2", "+OK\r\n");
		EXPECT(h, "SADD c 1 2", ":2\r\n");
		EXPECT(h, "OBJECT ENCODING c", "$6\r\nintset\r\n");
		EXPECT(h, "SADD c 3", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING c", "$9\r\nhashtable\r\n");
		EXPECT(h, "SADD d 1 2 3", ":3\r\n");
		EXPECT(h, "OBJECT ENCODING d", "$9\r\nhashtable\r\n");
		EXPECT(h, "CONFIG SET set-max-intset-entries -1",
		       "-ERR CONFIG SET failed (possibly related to argument "
		       "'set-max-intset-entries') - argument must be between 0 and "
		       "9223372036854775807 inclusive\r\n");
	}
}

/* Keys a, b, c on workers 0, 1, 2 (all on one with 1 worker). */
static void test_algebra_across_workers(void)
{
	FOR_EACH_NW(h) {
		char a[32], b[32], c[32], d[32];
		key_on(h, 0, "a", a, sizeof(a));
		key_on(h, 1, "b", b, sizeof(b));
		key_on(h, 2, "c", c, sizeof(c));
		key_on(h, 3, "d", d, sizeof(d));
		bool multi = h_nworkers(h) > 1;
		EXPECTF(h, ":6\r\n", "SADD %s 1 2 3 4 5 6", a);
		EXPECTF(h, ":4\r\n", "SADD %s 2 3 4 7", b);
		EXPECTF(h, ":3\r\n", "SADD %s 3 4 9", c);
		EXPECTF(h, "*2\r\n$1\r\n3\r\n$1\r\n4\r\n", "SINTER %s %s %s", a, b, c);
		CU_ASSERT(!multi || h_last_subrequests(h) > 0);
		EXPECTF(h, "*0\r\n", "SINTER %s %s nokey", a, b);
		EXPECTF(h, "*8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n"
			   "$1\r\n7\r\n$1\r\n9\r\n", "SUNION %s %s %s", a, b, c);
		EXPECTF(h, "*3\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n6\r\n", "SDIFF %s %s %s", a, b, c);
		EXPECTF(h, "*0\r\n", "SDIFF nokey %s", a);
		EXPECTF(h, ":2\r\n", "SINTERSTORE %s %s %s %s", d, a, b, c);
		EXPECTF(h, "*2\r\n$1\r\n3\r\n$1\r\n4\r\n", "SMEMBERS %s", d);
		EXPECTF(h, "$6\r\nintset\r\n", "OBJECT ENCODING %s", d);
		EXPECTF(h, ":8\r\n", "SUNIONSTORE %s %s %s %s", d, a, b, c);
		EXPECTF(h, ":3\r\n", "SDIFFSTORE %s %s %s %s", d, a, b, c);
		EXPECTF(h, "*3\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n6\r\n", "SMEMBERS %s", d);
		/* sources on one worker, destination on another */
		EXPECTF(h, ":6\r\n", "SINTERSTORE %s %s %s", d, a, a);
		EXPECTF(h, ":0\r\n", "SINTERSTORE %s %s nokey", d, a);
		EXPECTF(h, ":0\r\n", "EXISTS %s", d);
		/* destination is also a source */
		EXPECTF(h, ":7\r\n", "SUNIONSTORE %s %s %s", b, b, a);
		EXPECTF(h, ":2\r\n", "SINTERCARD 3 %s %s %s", a, b, c);
		EXPECTF(h, ":1\r\n", "SINTERCARD 3 %s %s %s LIMIT 1", a, b, c);
		EXPECTF(h, ":0\r\n", "SINTERCARD 2 %s nokey", a);
		EXPECTF(h, "-ERR Number of keys can't be greater than number of args\r\n",
			"SINTERCARD 3 %s %s", a, b);
		EXPECTF(h, "-ERR LIMIT can't be negative\r\n", "SINTERCARD 2 %s %s LIMIT -1", a, b);
		EXPECTF(h, "-ERR syntax error\r\n", "SINTERCARD 2 %s %s LIMIT", a, b);
		EXPECT(h, "SINTERCARD 0 x", "-ERR numkeys should be greater than 0\r\n");
		EXPECT(h, "SINTERCARD 1 nokey", ":0\r\n");
		/* strings and mixed encodings across workers */
		EXPECTF(h, ":2\r\n", "SADD %s x y", c);
		EXPECTF(h, ":1\r\n", "SADD %s x", a);
		EXPECTF(h, ":3\r\n", "SINTERCARD 2 %s %s", c, a);
		EXPECTF(h, ":3\r\n", "SINTERSTORE %s %s %s", d, c, a);
		EXPECTF(h, "$9\r\nhashtable\r\n", "OBJECT ENCODING %s", d);
		EXPECTF(h, "*3\r\n:1\r\n:1\r\n:1\r\n", "SMISMEMBER %s 3 4 x", d);
		h_client(h)->resp = 3;
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "SINTER %s %s %s", a, b, c);
		const char *r = h_run(h, cmd);
		CU_ASSERT(r[0] == '~' && agg_len(r) == 2); /* {3, 4} in hashtable order */
		EXPECT(h, "SUNION nokey nokey2", "~0\r\n");
		EXPECTF(h, ":1\r\n", "SDIFFSTORE %s %s %s", d, a, b);
		EXPECT(h, "SET str v", "+OK\r\n");
		EXPECTF(h, WRONGTYPE, "SDIFFSTORE %s %s str", d, a);
		EXPECTF(h, "~1\r\n$1\r\nx\r\n", "SMEMBERS %s", d); /* untouched */
	}
}

static void test_smove(void)
{
	FOR_EACH_NW(h) {
		char a[32], b[32], n[32];
		key_on(h, 0, "src", a, sizeof(a));
		key_on(h, 1, "dst", b, sizeof(b));
		key_on(h, 2, "new", n, sizeof(n));
		EXPECTF(h, ":3\r\n", "SADD %s 1 2 x", a);
		EXPECTF(h, ":1\r\n", "SADD %s 9", b);
		EXPECTF(h, ":1\r\n", "SMOVE %s %s x", a, b);
		if (h_nworkers(h) > 1)
			CU_ASSERT(h_last_subrequests(h) > 0);
		EXPECTF(h, "$9\r\nhashtable\r\n", "OBJECT ENCODING %s", b);
		EXPECTF(h, ":1\r\n", "SISMEMBER %s x", b);
		EXPECTF(h, ":0\r\n", "SISMEMBER %s x", a);
		EXPECTF(h, ":0\r\n", "SMOVE %s %s x", a, b);
		EXPECTF(h, ":0\r\n", "SMOVE nokey %s 1", b);
		EXPECTF(h, ":1\r\n", "SMOVE %s %s 1", a, a);
		EXPECTF(h, ":0\r\n", "SMOVE %s %s 7", a, a);
		EXPECTF(h, ":1\r\n", "SMOVE %s %s 1", a, n);
		EXPECTF(h, "$6\r\nintset\r\n", "OBJECT ENCODING %s", n);
		EXPECTF(h, ":1\r\n", "SMOVE %s %s 2", a, n);
		EXPECTF(h, ":0\r\n", "EXISTS %s", a); /* emptied source deleted */
		EXPECTF(h, "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SMEMBERS %s", n);
		/* the member already in the destination: still 1, no duplicate */
		EXPECTF(h, ":1\r\n", "SADD %s 1", b);
		EXPECTF(h, ":1\r\n", "SMOVE %s %s 1", n, b);
		EXPECTF(h, ":3\r\n", "SCARD %s", b);
		EXPECT(h, "SET str v", "+OK\r\n");
		EXPECTF(h, WRONGTYPE, "SMOVE %s str 2", n);
		EXPECTF(h, ":1\r\n", "SISMEMBER %s 2", n); /* not moved */
		EXPECTF(h, WRONGTYPE, "SMOVE str %s 2", n);
		EXPECT(h, "SMOVE a b", "-ERR wrong number of arguments for 'smove' command\r\n");
	}
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS", test_add_rem_card },
		{ "WRONGTYPE both ways", test_wrongtype },
		{ "SPOP SRANDMEMBER", test_spop_srandmember },
		{ "SSCAN", test_sscan },
		{ "set-max-intset-entries", test_config_threshold },
		{ "SINTER SUNION SDIFF STORE CARD across workers", test_algebra_across_workers },
		{ "SMOVE across workers", test_smove },
	};
	static const struct cunit_suite suites[] = {
		{ "cmd_set", NULL, NULL, tests, CUNIT_COUNT(tests) },
	};
	return cunit_run(suites, CUNIT_COUNT(suites));
}
