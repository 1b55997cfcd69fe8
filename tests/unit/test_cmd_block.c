/*
 * Blocking pops through the harness (1 and 4 workers): Redis 7.0.15's
 * replies and errors when nothing waits (data present, WRONGTYPE, argument
 * errors in Redis's order, the reply of a client that may not block), and
 * the contract with the engine: what a command parks on (keys, deadline),
 * how it is served from the key that got data (or stays parked for a key
 * of another type), its timeout reply in RESP2 and RESP3.
 */
#include <stdlib.h>

#include "cmd_harness.h"
#include "cunit_main.h"

#define NOW 1700000000000LL

static void set_resp(struct harness *h, int resp)
{
	h_client(h)->resp = resp;
}

/* Argument errors and replies that never wait, as Redis's. */
static void errors_and_immediate(int nworkers)
{
	struct harness *h = h_new(nworkers);
	for (int resp = 2; resp <= 3; resp++) {
		set_resp(h, resp);
		h_run(h, "FLUSHALL");
		EXPECT(h, "BLPOP a abc", "-ERR timeout is not a float or out of range\r\n");
		EXPECT(h, "BLPOP a -1", "-ERR timeout is negative\r\n");
		EXPECT(h, "BLPOP a -0.0011", "-ERR timeout is negative\r\n");
		EXPECT(h, "BLPOP a inf", "-ERR timeout is negative\r\n");
		EXPECT(h, "BLPOP a 1e20", "-ERR timeout is negative\r\n");
		EXPECT(h, "BLPOP a nan", "-ERR timeout is not a float or out of range\r\n");
		EXPECT(h, "BLPOP a \" 1\"", "-ERR timeout is not a float or out of range\r\n");
		EXPECT(h, "BRPOP a b abc", "-ERR timeout is not a float or out of range\r\n");
		EXPECT(h, "BLPOP a", "-ERR wrong number of arguments for 'blpop' command\r\n");
		EXPECT(h, "BLMOVE a b up right abc", "-ERR syntax error\r\n");
		EXPECT(h, "BLMOVE a b left right abc",
		       "-ERR timeout is not a float or out of range\r\n");
		EXPECT(h, "BRPOPLPUSH a b -1", "-ERR timeout is negative\r\n");
		EXPECT(h, "BLMPOP abc 0 a left", "-ERR numkeys should be greater than 0\r\n");
		EXPECT(h, "BLMPOP abc 2 a left", "-ERR syntax error\r\n");
		EXPECT(h, "BLMPOP abc 1 a up", "-ERR syntax error\r\n");
		EXPECT(h, "BLMPOP abc 1 a left count 0", "-ERR count should be greater than 0\r\n");
		EXPECT(h, "BLMPOP abc 1 a left", "-ERR timeout is not a float or out of range\r\n");
		EXPECT(h, "BZMPOP abc 1 a mid", "-ERR syntax error\r\n");
		EXPECT(h, "BZMPOP -1 1 a min", "-ERR timeout is negative\r\n");
		EXPECT(h, "BZPOPMIN a -2", "-ERR timeout is negative\r\n");

		/* no engine to park with: a client that may not block */
		const char *nullarr = resp == 2 ? "*-1\r\n" : "_\r\n";
		const char *nullbulk = resp == 2 ? "$-1\r\n" : "_\r\n";
		EXPECT_STR(h, "BLPOP a b 0", nullarr);
		EXPECT_STR(h, "BRPOP a 0.01", nullarr);
		EXPECT_STR(h, "BLMPOP 0 2 a b left", nullarr);
		EXPECT_STR(h, "BZPOPMIN a b 0", nullarr);
		EXPECT_STR(h, "BZMPOP 0 1 a max", nullarr);
		EXPECT_STR(h, "BLMOVE {t}a {t}b left left 0", nullbulk);
		EXPECT_STR(h, "BRPOPLPUSH {t}a {t}b 0", nullbulk);
		EXPECT_STR(h, "BLPOP a -0.0001", nullarr); /* 0 ms: Redis waits forever */

		h_run(h, "SET s x");
		h_run(h, "ZADD z 1 m 2 n");
		EXPECT(h, "BLPOP a s 0",
		       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
		EXPECT(h, "BLPOP z 0",
		       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
		EXPECT(h, "BLMOVE s b left left 0",
		       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
		EXPECT(h, "BZPOPMIN a s z 0",
		       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
		EXPECT(h, "BLMPOP 0 2 a z left",
		       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");

		h_run(h, "RPUSH l a b c d");
		EXPECT(h, "BLPOP x l 0", "*2\r\n$1\r\nl\r\n$1\r\na\r\n");
		EXPECT(h, "BRPOP l x 0", "*2\r\n$1\r\nl\r\n$1\r\nd\r\n");
		EXPECT(h, "BLMPOP 0 2 x l right count 5",
		       "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
		EXPECT(h, "EXISTS l", ":0\r\n");
		h_run(h, "RPUSH l 1 2");
		EXPECT(h, "BRPOPLPUSH l l2 0", "$1\r\n2\r\n");
		EXPECT(h, "BLMOVE l l2 left right 0", "$1\r\n1\r\n");
		EXPECT(h, "LRANGE l2 0 -1", "*2\r\n$1\r\n2\r\n$1\r\n1\r\n");
		EXPECT(h, "BLMOVE l2 s left right 0",
		       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
		if (resp == 2) {
			EXPECT(h, "BZPOPMIN x z 0", "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n");
			EXPECT(h, "BZPOPMAX z 0", "*3\r\n$1\r\nz\r\n$1\r\nn\r\n$1\r\n2\r\n");
			h_run(h, "ZADD z 1.5 a 2 b");
			EXPECT(h, "BZMPOP 0 2 x z max count 5",
			       "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$3\r\n1.5\r\n");
		} else {
			EXPECT(h, "BZPOPMIN x z 0", "*3\r\n$1\r\nz\r\n$1\r\nm\r\n,1\r\n");
			EXPECT(h, "BZPOPMAX z 0", "*3\r\n$1\r\nz\r\n$1\r\nn\r\n,2\r\n");
			h_run(h, "ZADD z 1.5 a 2 b");
			EXPECT(h, "BZMPOP 0 2 x z max count 5",
			       "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1.5\r\n");
		}
		EXPECT(h, "EXISTS z", ":0\r\n");
	}
	h_free(h);
}

static void test_errors_1(void) { errors_and_immediate(1); }
static void test_errors_4(void) { errors_and_immediate(4); }

/* What a command parks on, and how it is served from the key that got
 * data; a key of another type leaves it parked. */
static void test_park_and_serve(void)
{
	struct harness *h = h_new(1);
	h_block_enable(h);
	EXPECT(h, "BLPOP a b a 5", "");
	CU_ASSERT_EQUAL_FATAL(h_parked(h), 1);
	CU_ASSERT_EQUAL(h_parked_deadline(h, 0), NOW + 5000);
	CU_ASSERT_EQUAL(h_parked_nkeys(h, 0), 3);
	CU_ASSERT_STRING_EQUAL(h_parked_key(h, 0, 1), "b");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "b"), ""); /* nothing there yet */
	h_run(h, "RPUSH b x y");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "b"), "*2\r\n$1\r\nb\r\n$1\r\nx\r\n");
	CU_ASSERT_EQUAL(h_parked(h), 0);
	EXPECT(h, "LRANGE b 0 -1", "*1\r\n$1\r\ny\r\n");

	/* deadlines: 0 forever, a sub-millisecond timeout is 1 ms, one past
	 * the clock's range is forever (Redis's sum wraps) */
	EXPECT(h, "BRPOP c 0", "");
	EXPECT(h, "BRPOP c 0.0001", "");
	EXPECT(h, "BRPOP c 9223372036854775", "");
	EXPECT(h, "BRPOP c 0.5", "");
	EXPECT(h, "BRPOP c -0.0009", "");
	CU_ASSERT_EQUAL(h_parked_deadline(h, 0), 0);
	CU_ASSERT_EQUAL(h_parked_deadline(h, 1), NOW + 1);
	CU_ASSERT_EQUAL(h_parked_deadline(h, 2), 0);
	CU_ASSERT_EQUAL(h_parked_deadline(h, 3), NOW + 500);
	CU_ASSERT_EQUAL(h_parked_deadline(h, 4), 0);
	for (int i = 4; i >= 0; i--)
		CU_ASSERT_STRING_EQUAL(h_wake_timeout(h, i), "*-1\r\n");

	/* BZPOPMIN stays parked when its key becomes a list */
	EXPECT(h, "BZPOPMIN z 0", "");
	h_run(h, "RPUSH z 1");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "z"), "");
	CU_ASSERT_EQUAL(h_parked(h), 1);
	h_run(h, "DEL z");
	h_run(h, "ZADD z 3 m 2 n");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "z"), "*3\r\n$1\r\nz\r\n$1\r\nn\r\n$1\r\n2\r\n");

	/* BLMOVE served with a destination of another type: WRONGTYPE, as
	 * Redis's serveClientBlockedOnList, and the element stays */
	EXPECT(h, "BLMOVE src s left right 0", "");
	h_run(h, "SET s str");
	h_run(h, "RPUSH src e");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "src"),
			       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
	EXPECT(h, "LRANGE src 0 -1", "*1\r\n$1\r\ne\r\n");
	EXPECT(h, "BLMOVE src2 dst right left 0", "");
	EXPECT(h, "BRPOPLPUSH src3 dst 0", "");
	h_run(h, "RPUSH src2 a b");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "src2"), "$1\r\nb\r\n");
	h_run(h, "RPUSH src3 c");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "src3"), "$1\r\nc\r\n");
	EXPECT(h, "LRANGE dst 0 -1", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");

	/* BLMPOP / BZMPOP: served from the key that got data only */
	EXPECT(h, "BLMPOP 0 2 m1 m2 left count 2", "");
	EXPECT(h, "BZMPOP 0 2 zm1 zm2 max count 5", "");
	h_run(h, "RPUSH m1 p");
	h_run(h, "RPUSH m2 q r s");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "m2"),
			       "*2\r\n$2\r\nm2\r\n*2\r\n$1\r\nq\r\n$1\r\nr\r\n");
	h_run(h, "ZADD zm2 1 a 2 b");
	CU_ASSERT_STRING_EQUAL(h_wake_key(h, 0, "zm2"),
			       "*2\r\n$3\r\nzm2\r\n*2\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n");
	CU_ASSERT_EQUAL(h_parked(h), 0);
	h_free(h);
}

/* Every command's timeout reply is a null array (Redis's
 * replyToBlockedClientTimedOut), in RESP2 and RESP3. */
static void test_timeout_replies(void)
{
	static const char *cmds[] = {
		"BLPOP a 0", "BRPOP a b 0", "BRPOPLPUSH a b 0", "BLMOVE a b left left 0",
		"BLMPOP 0 1 a left", "BZPOPMIN a 0", "BZPOPMAX a b 0", "BZMPOP 0 1 a min",
	};
	struct harness *h = h_new(1);
	h_block_enable(h);
	for (int resp = 2; resp <= 3; resp++) {
		set_resp(h, resp);
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			EXPECT_STR(h, cmds[i], "");
			CU_ASSERT_EQUAL_FATAL(h_parked(h), 1);
			CU_ASSERT_STRING_EQUAL(h_wake_timeout(h, 0), resp == 2 ? "*-1\r\n" : "_\r\n");
		}
	}
	h_free(h);
}

/* Keys on several workers: the coordinator's round pops in key order;
 * with nothing there it cannot watch in the harness and times out. */
static void test_cross_worker(void)
{
	struct harness *h = h_new(4);
	char k0[32], k1[32], k2[32], cmd[256], want[256];
	snprintf(k0, sizeof(k0), "%s", h_key_on(h, 0, "k"));
	snprintf(k1, sizeof(k1), "%s", h_key_on(h, 1, "k"));
	snprintf(k2, sizeof(k2), "%s", h_key_on(h, 2, "k"));
	snprintf(cmd, sizeof(cmd), "BLPOP %s %s %s 0.01", k0, k1, k2);
	EXPECT_STR(h, cmd, "*-1\r\n");
	CU_ASSERT_TRUE(h_last_subrequests(h) > 0);
	snprintf(want, sizeof(want), "RPUSH %s v", k2);
	h_run(h, want);
	snprintf(want, sizeof(want), "SET %s s", k1);
	h_run(h, want);
	EXPECT_STR(h, cmd, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
	snprintf(want, sizeof(want), "DEL %s", k1);
	h_run(h, want);
	snprintf(want, sizeof(want), "*2\r\n$%zu\r\n%s\r\n$1\r\nv\r\n", strlen(k2), k2);
	EXPECT_STR(h, cmd, want);
	/* BLMOVE across workers */
	snprintf(want, sizeof(want), "RPUSH %s e1 e2", k0);
	h_run(h, want);
	snprintf(cmd, sizeof(cmd), "BLMOVE %s %s right left 0", k0, k1);
	EXPECT_STR(h, cmd, "$2\r\ne2\r\n");
	snprintf(cmd, sizeof(cmd), "LRANGE %s 0 -1", k1);
	EXPECT_STR(h, cmd, "*1\r\n$2\r\ne2\r\n");
	snprintf(cmd, sizeof(cmd), "BRPOPLPUSH %s %s 0", k2, k1);
	EXPECT_STR(h, cmd, "*-1\r\n");
	snprintf(cmd, sizeof(cmd), "BLMPOP 0.01 3 %s %s %s right count 9", k2, k1, k0);
	snprintf(want, sizeof(want), "*2\r\n$%zu\r\n%s\r\n*1\r\n$2\r\ne2\r\n", strlen(k1), k1);
	EXPECT_STR(h, cmd, want);
	snprintf(cmd, sizeof(cmd), "BZMPOP 0.01 2 %s %s min", k1, k2);
	EXPECT_STR(h, cmd, "*-1\r\n");
	/* keys of one worker go to it whole: no sub-requests */
	snprintf(cmd, sizeof(cmd), "BLMPOP 0.01 2 {t}a {t}b left");
	EXPECT_STR(h, cmd, "*-1\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 0);
	EXPECT(h, "COMMAND GETKEYS BLMPOP 0 2 a b left", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
	EXPECT(h, "COMMAND GETKEYS BZMPOP 0 1 z min", "*1\r\n$1\r\nz\r\n");
	h_free(h);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "errors and immediate replies, 1 worker", test_errors_1 },
		{ "errors and immediate replies, 4 workers", test_errors_4 },
		{ "park and serve", test_park_and_serve },
		{ "timeout replies", test_timeout_replies },
		{ "keys on several workers", test_cross_worker },
	};
	static const struct cunit_suite suites[] = {
		{ "cmd_block", NULL, NULL, tests, CUNIT_COUNT(tests) },
	};
	return cunit_run(suites, CUNIT_COUNT(suites));
}
