/*
 * lib/cmd hash family through the in-process harness, on one worker and on
 * four. Every expected reply was taken from redis-server 7.0.15 over a raw
 * socket, in RESP2 and RESP3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"
#include "cunit_main.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

static const int worker_counts[] = { 1, 4 };
#define FOR_EACH_HARNESS(h)                                                          \
	for (size_t wi_ = 0; wi_ < 2; wi_++)                                         \
		for (struct harness *h = h_new(worker_counts[wi_]); h; h_free(h), h = NULL)

static void test_set_get(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "HSET h a 1 b 2", ":2\r\n");
		EXPECT(h, "HSET h a 3", ":0\r\n");
		EXPECT(h, "HSETNX h a 1", ":0\r\n");
		EXPECT(h, "HSETNX h c 1", ":1\r\n");
		EXPECT(h, "HMSET h d 4", "+OK\r\n");
		EXPECT(h, "HGET h a", "$1\r\n3\r\n");
		EXPECT(h, "HGET h zz", "$-1\r\n");
		EXPECT(h, "HGET nokey a", "$-1\r\n");
		EXPECT(h, "HMGET h a zz b", "*3\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n");
		EXPECT(h, "HMGET nokey a", "*1\r\n$-1\r\n");
		EXPECT(h, "HGETALL h", "*8\r\n$1\r\na\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"
				       "$1\r\nc\r\n$1\r\n1\r\n$1\r\nd\r\n$1\r\n4\r\n");
		EXPECT(h, "HGETALL nokey", "*0\r\n");
		EXPECT(h, "HKEYS h", "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
		EXPECT(h, "HVALS h", "*4\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n4\r\n");
		EXPECT(h, "HKEYS nokey", "*0\r\n");
		EXPECT(h, "HLEN h", ":4\r\n");
		EXPECT(h, "HLEN nokey", ":0\r\n");
		EXPECT(h, "HSTRLEN h a", ":1\r\n");
		EXPECT(h, "HSTRLEN h zz", ":0\r\n");
		EXPECT(h, "HEXISTS h a", ":1\r\n");
		EXPECT(h, "HEXISTS h zz", ":0\r\n");
		EXPECT(h, "HSET h big -12345678901", ":1\r\n");
		EXPECT(h, "HSTRLEN h big", ":12\r\n");
		EXPECT(h, "HGET h big", "$12\r\n-12345678901\r\n");
		EXPECT(h, "HSET bin \"f\\x00\" \"v\\r\\n\"", ":1\r\n");
		EXPECT(h, "HGET bin \"f\\x00\"", "$3\r\nv\r\n\r\n");
		EXPECT(h, "TYPE h", "+hash\r\n");
		/* HDEL counts what it removed; the last field takes the key */
		EXPECT(h, "HDEL h a zz b", ":2\r\n");
		EXPECT(h, "HDEL nokey a", ":0\r\n");
		EXPECT(h, "HDEL h c d big", ":3\r\n");
		EXPECT(h, "EXISTS h", ":0\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "HSET x1 a 1", ":1\r\n");
		EXPECT(h, "HGETALL x1", "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HGETALL nokey", "%0\r\n");
		EXPECT(h, "HMGET x1 a b", "*2\r\n$1\r\n1\r\n_\r\n");
		EXPECT(h, "HGET x1 b", "_\r\n");
		EXPECT(h, "HKEYS nokey", "*0\r\n");
		EXPECT(h, "HVALS x1", "*1\r\n$1\r\n1\r\n");
	}
}

static void test_errors(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "SET str x", "+OK\r\n");
		const char *wt[] = {
			"HSET str a 1", "HSETNX str a 1", "HMSET str a 1", "HGET str a",
			"HMGET str a", "HGETALL str", "HDEL str a", "HLEN str", "HSTRLEN str a",
			"HEXISTS str a", "HKEYS str", "HVALS str", "HINCRBY str a 1",
			"HINCRBYFLOAT str a 1", "HRANDFIELD str", "HRANDFIELD str 2",
			"HRANDFIELD str 0", "HSCAN str 0",
		};
		for (size_t i = 0; i < sizeof(wt) / sizeof(wt[0]); i++)
			EXPECT_STR(h, wt[i], WRONGTYPE);
		EXPECT(h, "GET str", "$1\r\nx\r\n");
		/* the string family refuses hashes */
		EXPECT(h, "HSET h f v", ":1\r\n");
		EXPECT(h, "GET h", WRONGTYPE);
		EXPECT(h, "APPEND h x", WRONGTYPE);
		EXPECT(h, "INCR h", WRONGTYPE);
		const char *arity[][2] = {
			{ "hset h", "hset" }, { "hset h a", "hset" }, { "hset h a 1 b", "hset" },
			{ "hmset h a", "hmset" }, { "hmset h a 1 b", "hmset" },
			{ "hsetnx h a", "hsetnx" }, { "hsetnx h a b c", "hsetnx" },
			{ "hget h", "hget" }, { "hmget h", "hmget" }, { "hdel h", "hdel" },
			{ "hlen h a", "hlen" }, { "hgetall h a", "hgetall" }, { "hstrlen h", "hstrlen" },
			{ "hexists h", "hexists" }, { "hincrby h a", "hincrby" },
			{ "hrandfield", "hrandfield" }, { "hscan h", "hscan" },
		};
		for (size_t i = 0; i < sizeof(arity) / sizeof(arity[0]); i++) {
			char want[128];
			snprintf(want, sizeof(want),
				 "-ERR wrong number of arguments for '%s' command\r\n", arity[i][1]);
			EXPECT_STR(h, arity[i][0], want);
		}
		EXPECT(h, "HLEN h", ":1\r\n");
	}
}

static void test_hincrby(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "HSETNX h c 1", ":1\r\n");
		EXPECT(h, "HINCRBY h c 10", ":11\r\n");
		EXPECT(h, "HINCRBY h new -5", ":-5\r\n");
		EXPECT(h, "HINCRBY h c abc", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "HINCRBY h c \"\"", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "HINCRBY h c 9223372036854775807",
		       "-ERR increment or decrement would overflow\r\n");
		EXPECT(h, "HSET h s abc sp \" 1\" i 010 fl 1.5 e \"\"", ":5\r\n");
		const char *notint[] = { "HINCRBY h s 1", "HINCRBY h sp 1", "HINCRBY h i 1",
					 "HINCRBY h fl 1", "HINCRBY h e 1" };
		for (size_t i = 0; i < sizeof(notint) / sizeof(notint[0]); i++)
			EXPECT_STR(h, notint[i], "-ERR hash value is not an integer\r\n");
		EXPECT(h, "HSET h big 9223372036854775807", ":1\r\n");
		EXPECT(h, "HINCRBY h big 1", "-ERR increment or decrement would overflow\r\n");
		EXPECT(h, "HINCRBY h m -9223372036854775808", ":-9223372036854775808\r\n");
		EXPECT(h, "HINCRBY h m -1", "-ERR increment or decrement would overflow\r\n");
		EXPECT(h, "HINCRBY h m 9223372036854775807", ":-1\r\n");
		/* a key created by HINCRBY on a missing key; no key on errors */
		EXPECT(h, "HINCRBY fresh f 7", ":7\r\n");
		EXPECT(h, "HGETALL fresh", "*2\r\n$1\r\nf\r\n$1\r\n7\r\n");
		EXPECT(h, "HINCRBY nokey f x", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "EXISTS nokey", ":0\r\n");
	}
}

static void test_hincrbyfloat(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "HSET h c 11 s abc sp \" 1\" fl 1.5 n 5.0 i 010 e \"\"", ":7\r\n");
		EXPECT(h, "HINCRBYFLOAT h c 1.5", "$4\r\n12.5\r\n");
		EXPECT(h, "HINCRBYFLOAT h c abc", "-ERR value is not a valid float\r\n");
		EXPECT(h, "HINCRBYFLOAT h c \" 1\"", "-ERR value is not a valid float\r\n");
		EXPECT(h, "HINCRBYFLOAT h c \"\"", "-ERR value is not a valid float\r\n");
		EXPECT(h, "HINCRBYFLOAT h c inf", "-ERR value is NaN or Infinity\r\n");
		EXPECT(h, "HINCRBYFLOAT h c -inf", "-ERR value is NaN or Infinity\r\n");
		EXPECT(h, "HINCRBYFLOAT h s 1", "-ERR hash value is not a float\r\n");
		EXPECT(h, "HINCRBYFLOAT h sp 1", "-ERR hash value is not a float\r\n");
		EXPECT(h, "HINCRBYFLOAT h e 1", "-ERR hash value is not a float\r\n");
		EXPECT(h, "HINCRBYFLOAT h fl 0.1", "$3\r\n1.6\r\n");
		EXPECT(h, "HINCRBYFLOAT h n 0", "$1\r\n5\r\n");
		EXPECT(h, "HINCRBYFLOAT h i 1", "$2\r\n11\r\n");
		EXPECT(h, "HINCRBYFLOAT h n2 -0.0", "$1\r\n0\r\n");
		EXPECT(h, "HINCRBYFLOAT h g 3e-5", "$7\r\n0.00003\r\n");
		EXPECT(h, "HINCRBYFLOAT h g2 1e20", "$21\r\n100000000000000000000\r\n");
		EXPECT(h, "HINCRBYFLOAT h x 0x10", "$2\r\n16\r\n");
		EXPECT(h, "HGET h fl", "$3\r\n1.6\r\n");
		EXPECT(h, "HINCRBYFLOAT h f2 1e62",
		       "$63\r\n100000000000000000000982689773853339824972548992519069165944832\r\n");
		EXPECT(h, "OBJECT ENCODING h", "$8\r\nlistpack\r\n");
		/* a result longer than hash-max-listpack-value converts */
		EXPECT(h, "HINCRBYFLOAT h y 1e70",
		       "$71\r\n10000000000000000000222479489586148259025995410601157579323600873193472\r\n");
		EXPECT(h, "OBJECT ENCODING h", "$9\r\nhashtable\r\n");
		EXPECT(h, "HINCRBYFLOAT h y 1", "$71\r\n"
		       "10000000000000000000222479489586148259025995410601157579323600873193472\r\n");
	}
}

static void test_encodings(void)
{
	char f64[65], f65[66], cmd[256];
	memset(f64, 'f', 64);
	f64[64] = '\0';
	memset(f65, 'f', 65);
	f65[65] = '\0';
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "CONFIG GET hash-max-listpack-entries",
		       "*2\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n512\r\n");
		EXPECT(h, "CONFIG GET hash-max-ziplist-value",
		       "*2\r\n$22\r\nhash-max-ziplist-value\r\n$2\r\n64\r\n");
		snprintf(cmd, sizeof(cmd), "HSET a %s %s", f64, f64);
		EXPECT_STR(h, cmd, ":1\r\n");
		EXPECT(h, "OBJECT ENCODING a", "$8\r\nlistpack\r\n");
		snprintf(cmd, sizeof(cmd), "HSET b x %s", f65);
		EXPECT_STR(h, cmd, ":1\r\n");
		EXPECT(h, "OBJECT ENCODING b", "$9\r\nhashtable\r\n");
		snprintf(cmd, sizeof(cmd), "HSET c %s x", f65);
		EXPECT_STR(h, cmd, ":1\r\n");
		EXPECT(h, "OBJECT ENCODING c", "$9\r\nhashtable\r\n");
		/* HSETNX on an existing field does not convert */
		EXPECT(h, "HSET d x 1", ":1\r\n");
		snprintf(cmd, sizeof(cmd), "HSETNX d x %s", f65);
		EXPECT_STR(h, cmd, ":0\r\n");
		EXPECT(h, "OBJECT ENCODING d", "$8\r\nlistpack\r\n");
		/* HINCRBY with a long field converts */
		EXPECT(h, "HSET e x 1", ":1\r\n");
		snprintf(cmd, sizeof(cmd), "HINCRBY e %s 1", f65);
		EXPECT_STR(h, cmd, ":1\r\n");
		EXPECT(h, "OBJECT ENCODING e", "$9\r\nhashtable\r\n");
		/* entries: the add that passes the limit converts, never back */
		EXPECT(h, "CONFIG SET hash-max-listpack-entries 2", "+OK\r\n");
		EXPECT(h, "CONFIG GET hash-max-ziplist-entries",
		       "*2\r\n$24\r\nhash-max-ziplist-entries\r\n$1\r\n2\r\n");
		EXPECT(h, "HSET g a 1 b 2", ":2\r\n");
		EXPECT(h, "OBJECT ENCODING g", "$8\r\nlistpack\r\n");
		EXPECT(h, "HSET g c 3", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING g", "$9\r\nhashtable\r\n");
		EXPECT(h, "HDEL g c b", ":2\r\n");
		EXPECT(h, "OBJECT ENCODING g", "$9\r\nhashtable\r\n");
		EXPECT(h, "HGETALL g", "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HSET g2 a 1 b 2 c 3", ":3\r\n");
		EXPECT(h, "OBJECT ENCODING g2", "$9\r\nhashtable\r\n");
		EXPECT(h, "CONFIG SET hash-max-ziplist-entries 0", "+OK\r\n");
		EXPECT(h, "HSET g3 a 1", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING g3", "$9\r\nhashtable\r\n");
		EXPECT(h, "CONFIG SET hash-max-listpack-entries 512", "+OK\r\n");
		EXPECT(h, "CONFIG SET hash-max-listpack-value 0", "+OK\r\n");
		EXPECT(h, "HSET g4 a \"\"", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING g4", "$9\r\nhashtable\r\n");
		EXPECT(h, "HSET g5 \"\" \"\"", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING g5", "$8\r\nlistpack\r\n");
		EXPECT(h, "HSET g7 1 1", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING g7", "$9\r\nhashtable\r\n");
		EXPECT(h, "CONFIG SET hash-max-listpack-value 1kb", "+OK\r\n");
		EXPECT(h, "CONFIG GET hash-max-listpack-value",
		       "*2\r\n$23\r\nhash-max-listpack-value\r\n$4\r\n1024\r\n");
		EXPECT(h, "CONFIG SET hash-max-listpack-entries -1",
		       "-ERR CONFIG SET failed (possibly related to argument "
		       "'hash-max-listpack-entries') - argument must be between 0 and "
		       "9223372036854775807 inclusive\r\n");
		EXPECT(h, "CONFIG SET hash-max-listpack-value 1.5",
		       "-ERR CONFIG SET failed (possibly related to argument "
		       "'hash-max-listpack-value') - argument must be a memory value\r\n");
		EXPECT(h, "CONFIG SET hash-max-listpack-value 64", "+OK\r\n");
	}
}

static void test_hrandfield(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "HSET x1 a 1", ":1\r\n");
		EXPECT(h, "HRANDFIELD x1", "$1\r\na\r\n");
		EXPECT(h, "HRANDFIELD nokey", "$-1\r\n");
		EXPECT(h, "HRANDFIELD nokey 2", "*0\r\n");
		EXPECT(h, "HRANDFIELD nokey -2 withvalues", "*0\r\n");
		EXPECT(h, "HRANDFIELD x1 0", "*0\r\n");
		EXPECT(h, "HRANDFIELD x1 0 withvalues", "*0\r\n");
		EXPECT(h, "HRANDFIELD x1 -5",
		       "*5\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n");
		EXPECT(h, "HRANDFIELD x1 -3 withvalues",
		       "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HRANDFIELD x1 5 WITHVALUES", "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HRANDFIELD x1 1", "*1\r\n$1\r\na\r\n");
		EXPECT(h, "HRANDFIELD x1 9223372036854775807", "*1\r\n$1\r\na\r\n");
		EXPECT(h, "HRANDFIELD x1 4611686018427387903 withvalues",
		       "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HRANDFIELD x1 abc", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "HRANDFIELD nokey abc", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "HRANDFIELD x1 9223372036854775808",
		       "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "HRANDFIELD x1 1 withvalue", "-ERR syntax error\r\n");
		EXPECT(h, "HRANDFIELD x1 1 withvalues x", "-ERR syntax error\r\n");
		EXPECT(h, "HRANDFIELD nokey 2 foo", "-ERR syntax error\r\n");
		EXPECT(h, "HRANDFIELD x1 -4611686018427387904 foo", "-ERR syntax error\r\n");
		EXPECT(h, "HRANDFIELD x1 -9223372036854775808",
		       "-ERR value is out of range, value must between -9223372036854775807 and "
		       "9223372036854775807\r\n");
		EXPECT(h, "HRANDFIELD x1 -9223372036854775807 withvalues",
		       "-ERR value is out of range\r\n");
		EXPECT(h, "HRANDFIELD x1 4611686018427387904 withvalues",
		       "-ERR value is out of range\r\n");
		EXPECT(h, "HRANDFIELD nokey -4611686018427387904 withvalues",
		       "-ERR value is out of range\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "HRANDFIELD x1 -2 withvalues",
		       "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HRANDFIELD x1 2 withvalues", "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HRANDFIELD x1 2", "*1\r\n$1\r\na\r\n");
		EXPECT(h, "HRANDFIELD nokey", "_\r\n");
		EXPECT(h, "HRANDFIELD nokey 2 withvalues", "*0\r\n");
		h_client(h)->resp = 2;
		/* bigger hashes: the counts and distinctness users can see */
		for (int enc = 0; enc < 2; enc++) {
			const char *k = enc ? "big" : "small";
			int n = enc ? 1000 : 50;
			for (int i = 0; i < n; i++) {
				char cmd[64];
				snprintf(cmd, sizeof(cmd), "HSET %s f%d %d", k, i, i);
				h_run(h, cmd);
			}
			char cmd[64];
			snprintf(cmd, sizeof(cmd), "OBJECT ENCODING %s", k);
			EXPECT_STR(h, cmd, enc ? "$9\r\nhashtable\r\n" : "$8\r\nlistpack\r\n");
			const int counts[] = { 3, n / 3 + 1, n - 1, n + 5 };
			for (size_t j = 0; j < 4; j++) {
				snprintf(cmd, sizeof(cmd), "HRANDFIELD %s %d", k, counts[j]);
				const char *r = h_run(h, cmd);
				int want = counts[j] < n ? counts[j] : n, got = -1;
				CU_ASSERT_EQUAL(sscanf(r, "*%d", &got), 1);
				CU_ASSERT_EQUAL(got, want);
				/* distinct fields: count them with a bitmap */
				unsigned char *seen = calloc((size_t)n, 1);
				int dups = 0;
				for (const char *p = strstr(r, "\r\nf"); p; p = strstr(p + 1, "\r\nf")) {
					int idx = atoi(p + 3);
					dups += seen[idx]++ > 0;
				}
				CU_ASSERT_EQUAL(dups, 0);
				free(seen);
			}
			snprintf(cmd, sizeof(cmd), "HRANDFIELD %s -%d withvalues", k, 2 * n);
			const char *r = h_run(h, cmd);
			int got = -1;
			CU_ASSERT_EQUAL(sscanf(r, "*%d", &got), 1);
			CU_ASSERT_EQUAL(got, 4 * n);
		}
	}
}

/* Iterate HSCAN to the end; returns how many distinct f<i> fields came back. */
static int hscan_all(struct harness *h, const char *key, int n, const char *opts)
{
	unsigned char *seen = calloc((size_t)n, 1);
	unsigned long long cursor = 0;
	int distinct = 0, rounds = 0;
	do {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "HSCAN %s %llu %s", key, cursor, opts);
		const char *r = h_run(h, cmd);
		int clen;
		if (sscanf(r, "*2\r\n$%d\r\n%llu", &clen, &cursor) != 2) {
			CU_FAIL("bad HSCAN reply");
			break;
		}
		for (const char *p = strstr(r, "\r\nf"); p; p = strstr(p + 1, "\r\nf")) {
			int idx = atoi(p + 3);
			if (idx >= 0 && idx < n && !seen[idx]++)
				distinct++;
		}
	} while (cursor != 0 && ++rounds < 100000);
	free(seen);
	return distinct;
}

static void test_hscan(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "HSET x1 a 1", ":1\r\n");
		EXPECT(h, "HSCAN x1 0", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HSCAN x1 12345", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HSCAN x1 0 count 1", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HSCAN x1 0 COUNT 1 MATCH *", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		EXPECT(h, "HSCAN x1 0 MATCH b*", "*2\r\n$1\r\n0\r\n*0\r\n");
		EXPECT(h, "HSCAN x1 0 count 0", "-ERR syntax error\r\n");
		EXPECT(h, "HSCAN x1 0 count -1", "-ERR syntax error\r\n");
		EXPECT(h, "HSCAN x1 abc", "-ERR invalid cursor\r\n");
		EXPECT(h, "HSCAN x1 0 count abc", "-ERR value is not an integer or out of range\r\n");
		EXPECT(h, "HSCAN x1 0 foo 1", "-ERR syntax error\r\n");
		EXPECT(h, "HSCAN x1 0 match", "-ERR syntax error\r\n");
		EXPECT(h, "HSCAN x1 0 type string", "-ERR syntax error\r\n");
		EXPECT(h, "HSCAN x1 0 novalues", "-ERR syntax error\r\n");
		EXPECT(h, "HSCAN x1 18446744073709551616", "-ERR invalid cursor\r\n");
		EXPECT(h, "HSCAN nokey 0", "*2\r\n$1\r\n0\r\n*0\r\n");
		EXPECT(h, "HSCAN nokey abc", "-ERR invalid cursor\r\n");
		EXPECT(h, "HSCAN nokey 0 foo", "*2\r\n$1\r\n0\r\n*0\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "HSCAN x1 0", "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
		h_client(h)->resp = 2;
		/* a hashtable: a cursor walk that ends and returns every field */
		for (int i = 0; i < 700; i++) {
			char cmd[64];
			snprintf(cmd, sizeof(cmd), "HSET big f%d %d", i, i);
			h_run(h, cmd);
		}
		EXPECT(h, "OBJECT ENCODING big", "$9\r\nhashtable\r\n");
		CU_ASSERT_EQUAL(hscan_all(h, "big", 700, ""), 700);
		CU_ASSERT_EQUAL(hscan_all(h, "big", 700, "COUNT 3"), 700);
		CU_ASSERT_EQUAL(hscan_all(h, "big", 700, "COUNT 1000"), 700);
		CU_ASSERT_EQUAL(hscan_all(h, "big", 700, "MATCH f1?"), 10);
	}
}

/* A hash moved or copied between workers (RENAME, COPY, MOVE) through the
 * keys family's dump/restore, in both encodings. */
static void test_move_between_workers(void)
{
	struct harness *h = h_new(4);
	char src[32], dst[32], cmd[128];
	for (int enc = 0; enc < 2; enc++) {
		snprintf(src, sizeof(src), "%s", h_key_on(h, 1, enc ? "hsrc" : "lsrc"));
		snprintf(dst, sizeof(dst), "%s", h_key_on(h, 2, enc ? "hdst" : "ldst"));
		int n = enc ? 600 : 5;
		for (int i = 0; i < n; i++) {
			snprintf(cmd, sizeof(cmd), "HSET %s f%d %d", src, i, i);
			h_run(h, cmd);
		}
		snprintf(cmd, sizeof(cmd), "COPY %s %s", src, dst);
		EXPECT_STR(h, cmd, ":1\r\n");
		snprintf(cmd, sizeof(cmd), "OBJECT ENCODING %s", dst);
		EXPECT_STR(h, cmd, enc ? "$9\r\nhashtable\r\n" : "$8\r\nlistpack\r\n");
		snprintf(cmd, sizeof(cmd), "HLEN %s", dst);
		char want[32];
		snprintf(want, sizeof(want), ":%d\r\n", n);
		EXPECT_STR(h, cmd, want);
		snprintf(cmd, sizeof(cmd), "HGET %s f3", dst);
		EXPECT_STR(h, cmd, "$1\r\n3\r\n");
		snprintf(cmd, sizeof(cmd), "DEL %s", dst);
		EXPECT_STR(h, cmd, ":1\r\n");
		snprintf(cmd, sizeof(cmd), "RENAME %s %s", src, dst);
		EXPECT_STR(h, cmd, "+OK\r\n");
		snprintf(cmd, sizeof(cmd), "EXISTS %s", src);
		EXPECT_STR(h, cmd, ":0\r\n");
		snprintf(cmd, sizeof(cmd), "HLEN %s", dst);
		EXPECT_STR(h, cmd, want);
		snprintf(cmd, sizeof(cmd), "HINCRBY %s f4 1", dst);
		EXPECT_STR(h, cmd, ":5\r\n");
	}
	h_free(h);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "hset hget hmget hgetall hdel ...", test_set_get },
		{ "wrongtype and arity", test_errors },
		{ "hincrby", test_hincrby },
		{ "hincrbyfloat", test_hincrbyfloat },
		{ "encodings and their directives", test_encodings },
		{ "hrandfield", test_hrandfield },
		{ "hscan", test_hscan },
		{ "hash moved between workers", test_move_between_workers },
	};
	return cunit_run_one("cmd_hash", tests);
}
