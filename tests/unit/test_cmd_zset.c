/*
 * lib/cmd sorted-set family through the in-process harness, on one worker
 * and on four, including multi-key commands with keys on different
 * workers. Expected replies were taken from redis-server 7.0.15 over a raw
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

static void test_add_score(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "ZADD z 1 a 2 b 0.1 c 1e300 d -0 e", ":5\r\n");
		EXPECT(h, "ZSCORE z c", "$19\r\n0.10000000000000001\r\n");
		EXPECT(h, "ZSCORE z d", "$23\r\n1.0000000000000001e+300\r\n");
		EXPECT(h, "ZSCORE z e", "$1\r\n0\r\n"); /* listpack keeps -0 as 0 */
		EXPECT(h, "ZSCORE z nope", "$-1\r\n");
		EXPECT(h, "ZADD z nan x", "-ERR value is not a valid float\r\n");
		EXPECT(h, "ZADD z xx nx 1 a",
		       "-ERR XX and NX options at the same time are not compatible\r\n");
		EXPECT(h, "ZADD z gt lt 1 a",
		       "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
		EXPECT(h, "ZADD z incr 1 a 2 b",
		       "-ERR INCR option supports a single increment-element pair\r\n");
		EXPECT(h, "ZADD z 1 a 2", "-ERR syntax error\r\n");
		EXPECT(h, "ZADD z ch gt 5 a 1 b 9 new", ":2\r\n");
		EXPECT(h, "ZADD z incr inf a", "$3\r\ninf\r\n");
		EXPECT(h, "ZINCRBY z -inf a", "-ERR resulting score is not a number (NaN)\r\n");
		EXPECT(h, "ZADD z nx incr 1 a", "$-1\r\n");
		EXPECT(h, "ZADD nokey xx 1 a", ":0\r\n");
		EXPECT(h, "EXISTS nokey", ":0\r\n");
		EXPECT(h, "ZCARD z", ":6\r\n");
		EXPECT(h, "ZRANK z b", ":2\r\n");
		EXPECT(h, "ZREVRANK z b", ":3\r\n");
		EXPECT(h, "ZMSCORE z b nope", "*2\r\n$1\r\n2\r\n$-1\r\n");
		EXPECT(h, "ZREM z a b c d e new", ":6\r\n");
		EXPECT(h, "EXISTS z", ":0\r\n");
		EXPECT(h, "SET s v", "+OK\r\n");
		EXPECT(h, "ZADD s 1 a", WRONGTYPE);
		EXPECT(h, "GET s", "$1\r\nv\r\n");
		EXPECT(h, "ZADD z2 1 a", ":1\r\n");
		EXPECT(h, "GET z2", WRONGTYPE);
		EXPECT(h, "TYPE z2", "+zset\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "ZSCORE z2 a", ",1\r\n");
		EXPECT(h, "ZSCORE z2 b", "_\r\n");
		EXPECT(h, "ZADD z2 -inf m", ":1\r\n");
		EXPECT(h, "ZMSCORE z2 m x", "*2\r\n,-inf\r\n_\r\n");
	}
}

static void test_ranges(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "ZADD r 1 a 2 b 3 c 4 d", ":4\r\n");
		EXPECT(h, "ZRANGE r 1 2 WITHSCORES", "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n");
		EXPECT(h, "ZRANGE r (1 3 BYSCORE REV", "*0\r\n");
		EXPECT(h, "ZRANGE r 3 (1 BYSCORE REV LIMIT 1 5", "*1\r\n$1\r\nb\r\n");
		EXPECT(h, "ZRANGEBYSCORE r -inf +inf LIMIT 1 2", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
		EXPECT(h, "ZRANGEBYSCORE r x 1", "-ERR min or max is not a float\r\n");
		EXPECT(h, "ZRANGE r 0 -1 LIMIT 0 1",
		       "-ERR syntax error, LIMIT is only supported in combination with either "
		       "BYSCORE or BYLEX\r\n");
		EXPECT(h, "ZREVRANGE r 0 0", "*1\r\n$1\r\nd\r\n");
		EXPECT(h, "ZCOUNT r (1 3", ":2\r\n");
		EXPECT(h, "ZADD l 0 a 0 b 0 c", ":3\r\n");
		EXPECT(h, "ZRANGEBYLEX l (a +", "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
		EXPECT(h, "ZREVRANGEBYLEX l + - LIMIT 0 1", "*1\r\n$1\r\nc\r\n");
		EXPECT(h, "ZLEXCOUNT l a b", "-ERR min or max not valid string range item\r\n");
		EXPECT(h, "ZREMRANGEBYLEX l - (c", ":2\r\n");
		EXPECT(h, "ZREMRANGEBYSCORE r (1 2", ":1\r\n");
		EXPECT(h, "ZREMRANGEBYRANK r -1 -1", ":1\r\n");
		EXPECT(h, "ZRANGE r 0 -1", "*2\r\n$1\r\na\r\n$1\r\nc\r\n");
		h_client(h)->resp = 3;
		EXPECT(h, "ZRANGE r 0 -1 WITHSCORES", "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nc\r\n,3\r\n");
		EXPECT(h, "ZPOPMIN r 5", "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nc\r\n,3\r\n");
		EXPECT(h, "EXISTS r", ":0\r\n");
		EXPECT(h, "ZADD p 1 a 2 b", ":2\r\n");
		EXPECT(h, "ZPOPMAX p", "*2\r\n$1\r\nb\r\n,2\r\n");
		EXPECT(h, "ZPOPMIN p -1", "-ERR value is out of range, must be positive\r\n");
	}
}

static void test_encoding(void)
{
	FOR_EACH_HARNESS(h) {
		char cmd[64];
		for (int i = 0; i < 128; i++) {
			snprintf(cmd, sizeof(cmd), "ZADD e %d m%d", i, i);
			EXPECT(h, cmd, ":1\r\n");
		}
		EXPECT(h, "OBJECT ENCODING e", "$8\r\nlistpack\r\n");
		EXPECT(h, "ZADD e 1000 last", ":1\r\n");
		EXPECT(h, "OBJECT ENCODING e", "$8\r\nskiplist\r\n");
		EXPECT(h, "ZREMRANGEBYRANK e 0 120", ":121\r\n");
		EXPECT(h, "OBJECT ENCODING e", "$8\r\nskiplist\r\n");
		EXPECT(h, "ZRANK e last", ":7\r\n");
		EXPECT(h, "CONFIG SET zset-max-ziplist-entries 1", "+OK\r\n");
		EXPECT(h, "ZADD f 1 a 2 b", ":2\r\n");
		EXPECT(h, "OBJECT ENCODING f", "$8\r\nskiplist\r\n");
		EXPECT(h, "ZUNIONSTORE {f}d 1 f", ":2\r\n");
		EXPECT(h, "CONFIG SET zset-max-ziplist-entries 128", "+OK\r\n");
		EXPECT(h, "ZUNIONSTORE {f}d 1 f", ":2\r\n");
		EXPECT(h, "OBJECT ENCODING {f}d", "$8\r\nlistpack\r\n");
		EXPECT(h, "COPY e {e}copy", ":1\r\n");
		EXPECT(h, "ZCARD {e}copy", ":8\r\n");
		EXPECT(h, "RENAME e {x}moved", "+OK\r\n");
		EXPECT(h, "ZSCORE {x}moved last", "$4\r\n1000\r\n");
	}
}

/* ZUNION & co with inputs and destination on different workers */
static void test_cross_worker(void)
{
	struct harness *h = h_new(4);
	char a[64], b[64], s[64], d[64], str[64], cmd[512];
	snprintf(a, sizeof(a), "%s", h_key_on(h, 1, "za"));
	snprintf(b, sizeof(b), "%s", h_key_on(h, 2, "zb"));
	snprintf(s, sizeof(s), "%s", h_key_on(h, 3, "set"));
	snprintf(d, sizeof(d), "%s", h_key_on(h, 0, "dst"));
	snprintf(str, sizeof(str), "%s", h_key_on(h, 3, "str"));
	snprintf(cmd, sizeof(cmd), "ZADD %s 1 a 2 b 3 c", a);
	EXPECT_STR(h, cmd, ":3\r\n");
	snprintf(cmd, sizeof(cmd), "ZADD %s 10 b 20 c 30 d", b);
	EXPECT_STR(h, cmd, ":3\r\n");
	snprintf(cmd, sizeof(cmd), "SADD %s c e", s);
	EXPECT_STR(h, cmd, ":2\r\n");
	snprintf(cmd, sizeof(cmd), "SET %s v", str);
	EXPECT_STR(h, cmd, "+OK\r\n");

	snprintf(cmd, sizeof(cmd), "ZUNION 3 %s %s %s WITHSCORES", a, b, s);
	EXPECT_STR(h, cmd, "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\ne\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n"
			   "$1\r\nc\r\n$2\r\n24\r\n$1\r\nd\r\n$2\r\n30\r\n");
	CU_ASSERT(h_last_subrequests(h) > 0);
	snprintf(cmd, sizeof(cmd), "ZINTER 2 %s %s AGGREGATE MAX WITHSCORES", a, b);
	EXPECT_STR(h, cmd, "*4\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n");
	snprintf(cmd, sizeof(cmd), "ZINTERCARD 2 %s %s LIMIT 1", a, b);
	EXPECT_STR(h, cmd, ":1\r\n");
	snprintf(cmd, sizeof(cmd), "ZDIFFSTORE %s 2 %s %s", d, b, a);
	EXPECT_STR(h, cmd, ":1\r\n");
	snprintf(cmd, sizeof(cmd), "ZRANGE %s 0 -1 WITHSCORES", d);
	EXPECT_STR(h, cmd, "*2\r\n$1\r\nd\r\n$2\r\n30\r\n");
	snprintf(cmd, sizeof(cmd), "ZINTERSTORE %s 2 %s %s WEIGHTS 2 1", d, a, s);
	EXPECT_STR(h, cmd, ":1\r\n");
	snprintf(cmd, sizeof(cmd), "ZSCORE %s c", d);
	EXPECT_STR(h, cmd, "$1\r\n7\r\n");
	/* errors in Redis's order: WRONGTYPE before option errors */
	snprintf(cmd, sizeof(cmd), "ZUNIONSTORE %s 2 %s %s WEIGHTS x", d, a, str);
	EXPECT_STR(h, cmd, WRONGTYPE);
	snprintf(cmd, sizeof(cmd), "ZUNIONSTORE %s 2 %s %s AGGREGATE x", d, a, b);
	EXPECT_STR(h, cmd, "-ERR syntax error\r\n");
	snprintf(cmd, sizeof(cmd), "ZINTERSTORE %s 2 %s nokey", d, a);
	EXPECT_STR(h, cmd, ":0\r\n");
	snprintf(cmd, sizeof(cmd), "EXISTS %s", d);
	EXPECT_STR(h, cmd, ":0\r\n");

	/* ZRANGESTORE across workers */
	snprintf(cmd, sizeof(cmd), "ZRANGESTORE %s %s 15 +inf BYSCORE", d, b);
	EXPECT_STR(h, cmd, ":2\r\n");
	snprintf(cmd, sizeof(cmd), "ZRANGE %s 0 -1 WITHSCORES", d);
	EXPECT_STR(h, cmd, "*4\r\n$1\r\nc\r\n$2\r\n20\r\n$1\r\nd\r\n$2\r\n30\r\n");
	snprintf(cmd, sizeof(cmd), "ZRANGESTORE %s %s 0 -1", d, str);
	EXPECT_STR(h, cmd, WRONGTYPE);
	snprintf(cmd, sizeof(cmd), "ZRANGESTORE %s %s 0 -1 WITHSCORES", d, b);
	EXPECT_STR(h, cmd, "-ERR syntax error\r\n");

	/* ZMPOP walks the keys in order across workers */
	h_client(h)->resp = 3;
	char want[256];
	snprintf(cmd, sizeof(cmd), "ZMPOP 3 nokey %s %s MAX COUNT 2", a, b);
	snprintf(want, sizeof(want), "*2\r\n$%zu\r\n%s\r\n*2\r\n*2\r\n$1\r\nc\r\n,3\r\n"
		 "*2\r\n$1\r\nb\r\n,2\r\n", strlen(a), a);
	EXPECT_STR(h, cmd, want);
	snprintf(cmd, sizeof(cmd), "ZMPOP 2 nokey %s MIN", str);
	EXPECT_STR(h, cmd, WRONGTYPE);
	snprintf(cmd, sizeof(cmd), "ZMPOP 2 nokey nokey2 MIN");
	EXPECT_STR(h, cmd, "_\r\n");
	snprintf(cmd, sizeof(cmd), "ZMPOP 2 %s %s MIN COUNT 0", a, b);
	EXPECT_STR(h, cmd, "-ERR count should be greater than 0\r\n");
	h_free(h);
}

/* ZMPOP's reply shape in RESP2, keys on one worker and on several */
static void test_zmpop_reply(void)
{
	FOR_EACH_HARNESS(h) {
		EXPECT(h, "ZADD {t}b 1 x 2 y", ":2\r\n");
		EXPECT(h, "ZADD t2 5 q", ":1\r\n");
		EXPECT(h, "ZMPOP 3 {t}a {t}b t2 MAX COUNT 5",
		       "*2\r\n$4\r\n{t}b\r\n*2\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n");
		EXPECT(h, "ZMPOP 3 {t}a {t}b t2 MIN",
		       "*2\r\n$2\r\nt2\r\n*1\r\n*2\r\n$1\r\nq\r\n$1\r\n5\r\n");
		EXPECT(h, "ZMPOP 3 {t}a {t}b t2 MIN", "*-1\r\n");
	}
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "add and score", test_add_score },
		{ "ranges and pops", test_ranges },
		{ "encodings, copy, rename", test_encoding },
		{ "cross-worker multi-key", test_cross_worker },
		{ "zmpop replies", test_zmpop_reply },
	};
	return cunit_run_one("cmd_zset", tests);
}
