/*
 * lib/cmd list family through the in-process harness, on one worker and on
 * four (LMOVE / RPOPLPUSH / LMPOP with keys on different workers go through
 * the coordinators). Every expected reply was taken from redis-server
 * 7.0.15 over a raw socket, RESP2 and RESP3. A hand-driven coordinator
 * checks that a cross-worker LMOVE whose destination changes type between
 * phases puts the element back instead of losing it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_list_int.h"
#include "cmd_harness.h"
#include "cunit_main.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"

static void runf(struct harness *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void runf(struct harness *h, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	h_run(h, buf);
}

/* EXPECT with a formatted command (one or two %s keys). */
#define EXPECTF(h, want, fmt, ...)                                              \
	do {                                                                    \
		char cmd_[1024];                                                \
		snprintf(cmd_, sizeof(cmd_), fmt, __VA_ARGS__);                 \
		EXPECT_STR(h, cmd_, want);                                      \
	} while (0)

/* -------------------------------------------------------- one worker */

static void test_push_pop(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET str x", "+OK\r\n");
	EXPECT(h, "RPUSH l a b c", ":3\r\n");
	EXPECT(h, "LPUSH l z y x", ":6\r\n");
	EXPECT(h, "LRANGE l 0 -1", "*6\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n");
	EXPECT(h, "LPUSHX nolist a", ":0\r\n");
	EXPECT(h, "RPUSHX nolist a b", ":0\r\n");
	EXPECT(h, "EXISTS nolist", ":0\r\n");
	EXPECT(h, "LPUSHX l", "-ERR wrong number of arguments for 'lpushx' command\r\n");
	EXPECT(h, "RPUSHX l q", ":7\r\n");
	EXPECT(h, "LPUSH str a", WRONGTYPE);
	EXPECT(h, "RPUSHX str a", WRONGTYPE);
	EXPECT(h, "GET l", WRONGTYPE);
	EXPECT(h, "TYPE l", "+list\r\n");
	EXPECT(h, "OBJECT ENCODING l", "$9\r\nquicklist\r\n");

	EXPECT(h, "LPOP l", "$1\r\nx\r\n");
	EXPECT(h, "RPOP l", "$1\r\nq\r\n");
	EXPECT(h, "LPOP l 0", "*0\r\n");
	EXPECT(h, "LPOP l 2", "*2\r\n$1\r\ny\r\n$1\r\nz\r\n");
	EXPECT(h, "RPOP l 2", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
	EXPECT(h, "LPOP l -1", "-ERR value is out of range, must be positive\r\n");
	EXPECT(h, "LPOP l abc", "-ERR value is out of range, must be positive\r\n");
	EXPECT(h, "RPOP l 1 2", "-ERR wrong number of arguments for 'rpop' command\r\n");
	EXPECT(h, "LPOP nokey", "$-1\r\n");
	EXPECT(h, "LPOP nokey 0", "*-1\r\n");
	EXPECT(h, "RPOP nokey 3", "*-1\r\n");
	EXPECT(h, "LPOP str", WRONGTYPE);
	EXPECT(h, "LPOP str -1", "-ERR value is out of range, must be positive\r\n");
	EXPECT(h, "RPOP l 100", "*1\r\n$1\r\na\r\n");
	EXPECT(h, "EXISTS l", ":0\r\n"); /* emptied lists are deleted */
	h_client(h)->resp = 3;
	EXPECT(h, "LPOP nokey", "_\r\n");
	EXPECT(h, "LPOP nokey 0", "_\r\n");
	EXPECT(h, "RPOP nokey 2", "_\r\n");
	h_free(h);
}

static void test_range_index_set(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET str x", "+OK\r\n");
	EXPECT(h, "RPUSH r a b c d e f g", ":7\r\n");
	EXPECT(h, "LRANGE r 1 3", "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n");
	EXPECT(h, "LRANGE r -3 -1", "*3\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n");
	EXPECT(h, "LRANGE r 5 2", "*0\r\n");
	EXPECT(h, "LRANGE r 7 10", "*0\r\n");
	EXPECT(h, "LRANGE r -1 -2", "*0\r\n");
	EXPECT(h, "LRANGE r abc 1", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LRANGE nokey abc 1", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LRANGE str abc 1", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LRANGE str 0 1", WRONGTYPE);
	EXPECT(h, "LRANGE nokey 0 -1", "*0\r\n");
	EXPECT(h, "LINDEX r -1", "$1\r\ng\r\n");
	EXPECT(h, "LINDEX r 7", "$-1\r\n");
	EXPECT(h, "LINDEX r -8", "$-1\r\n");
	EXPECT(h, "LINDEX r abc", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LINDEX nokey abc", "$-1\r\n");
	EXPECT(h, "LINDEX str abc", WRONGTYPE);
	EXPECT(h, "LLEN r", ":7\r\n");
	EXPECT(h, "LLEN nokey", ":0\r\n");
	EXPECT(h, "LLEN str", WRONGTYPE);
	EXPECT(h, "LSET r 0 A", "+OK\r\n");
	EXPECT(h, "LSET r -1 12345", "+OK\r\n");
	EXPECT(h, "LSET r 7 x", "-ERR index out of range\r\n");
	EXPECT(h, "LSET r abc x", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LSET nokey abc x", "-ERR no such key\r\n");
	EXPECT(h, "LSET str abc x", WRONGTYPE);
	EXPECT(h, "LINDEX r 0", "$1\r\nA\r\n");
	EXPECT(h, "LINDEX r 6", "$5\r\n12345\r\n");
	h_client(h)->resp = 3;
	EXPECT(h, "LINDEX r 100", "_\r\n");
	EXPECT(h, "LINDEX nokey 0", "_\r\n");
	h_free(h);
}

static void test_insert_rem_trim(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET str x", "+OK\r\n");
	EXPECT(h, "RPUSH r a b c", ":3\r\n");
	EXPECT(h, "LINSERT r before a first", ":4\r\n");
	EXPECT(h, "LINSERT r AFTER c last", ":5\r\n");
	EXPECT(h, "LINSERT r BeFoRe b mid", ":6\r\n");
	EXPECT(h, "LINSERT r before nosuch x", ":-1\r\n");
	EXPECT(h, "LINSERT r middle a x", "-ERR syntax error\r\n");
	EXPECT(h, "LINSERT nokey middle a x", "-ERR syntax error\r\n");
	EXPECT(h, "LINSERT nokey before a x", ":0\r\n");
	EXPECT(h, "LINSERT str before a x", WRONGTYPE);
	EXPECT(h, "LRANGE r 0 -1",
	       "*6\r\n$5\r\nfirst\r\n$1\r\na\r\n$3\r\nmid\r\n$1\r\nb\r\n$1\r\nc\r\n$4\r\nlast\r\n");

	EXPECT(h, "RPUSH rem a b a c a b a", ":7\r\n");
	EXPECT(h, "LREM rem 2 a", ":2\r\n");
	EXPECT(h, "LREM rem -1 a", ":1\r\n");
	EXPECT(h, "LRANGE rem 0 -1", "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n");
	EXPECT(h, "LREM rem 0 b", ":2\r\n");
	EXPECT(h, "LREM rem abc a", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LREM nokey abc a", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LREM nokey 0 a", ":0\r\n");
	EXPECT(h, "LREM str 0 a", WRONGTYPE);
	EXPECT(h, "LREM rem 0 a", ":1\r\n");
	EXPECT(h, "LREM rem 0 c", ":1\r\n");
	EXPECT(h, "EXISTS rem", ":0\r\n");
	/* integers compare by their decimal form: "01" is not 1 */
	EXPECT(h, "RPUSH ri 1 2 1 01 1", ":5\r\n");
	EXPECT(h, "LREM ri 0 1", ":3\r\n");
	EXPECT(h, "LRANGE ri 0 -1", "*2\r\n$1\r\n2\r\n$2\r\n01\r\n");

	EXPECT(h, "RPUSH t a b c d e f g h", ":8\r\n");
	EXPECT(h, "LTRIM t 1 -2", "+OK\r\n");
	EXPECT(h, "LRANGE t 0 -1",
	       "*6\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n");
	EXPECT(h, "LTRIM t -3 100", "+OK\r\n");
	EXPECT(h, "LRANGE t 0 -1", "*3\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n");
	EXPECT(h, "LTRIM t abc 1", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LTRIM nokey abc 1", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LTRIM nokey 0 1", "+OK\r\n");
	EXPECT(h, "LTRIM str 0 1", WRONGTYPE);
	EXPECT(h, "LTRIM t 2 1", "+OK\r\n");
	EXPECT(h, "EXISTS t", ":0\r\n");
	h_free(h);
}

static void test_lpos(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET str x", "+OK\r\n");
	EXPECT(h, "RPUSH p a b c a b c a", ":7\r\n");
	EXPECT(h, "LPOS p a", ":0\r\n");
	EXPECT(h, "LPOS p a rank 2", ":3\r\n");
	EXPECT(h, "LPOS p a rank -1", ":6\r\n");
	EXPECT(h, "LPOS p a rank 0",
	       "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
	       "or use negative to start from the end of the list\r\n");
	EXPECT(h, "LPOS p a rank abc", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "LPOS p a count 0", "*3\r\n:0\r\n:3\r\n:6\r\n");
	EXPECT(h, "LPOS p a count -1", "-ERR COUNT can't be negative\r\n");
	EXPECT(h, "LPOS p a count abc", "-ERR COUNT can't be negative\r\n");
	EXPECT(h, "LPOS p a maxlen -1", "-ERR MAXLEN can't be negative\r\n");
	EXPECT(h, "LPOS p a maxlen 2 count 0", "*1\r\n:0\r\n");
	EXPECT(h, "LPOS p a maxlen 0 count 0 rank -2", "*2\r\n:3\r\n:0\r\n");
	EXPECT(h, "LPOS p a count 2 rank 2 maxlen 5", "*1\r\n:3\r\n");
	EXPECT(h, "LPOS p a rank -1 count 2", "*2\r\n:6\r\n:3\r\n");
	EXPECT(h, "LPOS p a foo", "-ERR syntax error\r\n");
	EXPECT(h, "LPOS p a rank", "-ERR syntax error\r\n");
	EXPECT(h, "LPOS p zz", "$-1\r\n");
	EXPECT(h, "LPOS p zz count 2", "*0\r\n");
	EXPECT(h, "LPOS nokey a", "$-1\r\n");
	EXPECT(h, "LPOS nokey a count 1", "*0\r\n");
	EXPECT(h, "LPOS str a", WRONGTYPE);
	EXPECT(h, "LPOS nokey a rank 0",
	       "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
	       "or use negative to start from the end of the list\r\n");
	/* Redis negates LONG_MIN into itself: the first match from the tail */
	EXPECT(h, "LPOS p a rank -9223372036854775808", ":6\r\n");
	EXPECT(h, "LPOS p a rank 9223372036854775807", "$-1\r\n");
	h_client(h)->resp = 3;
	EXPECT(h, "LPOS p zz", "_\r\n");
	EXPECT(h, "LPOS nokey a count 1", "*0\r\n");
	h_free(h);
}

static void test_lmove_one_worker(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET str x", "+OK\r\n");
	EXPECT(h, "RPUSH src a b c d", ":4\r\n");
	EXPECT(h, "LMOVE src dst left right", "$1\r\na\r\n");
	EXPECT(h, "LMOVE src dst right left", "$1\r\nd\r\n");
	EXPECT(h, "LMOVE src src left right", "$1\r\nb\r\n");
	EXPECT(h, "LRANGE src 0 -1", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
	EXPECT(h, "LRANGE dst 0 -1", "*2\r\n$1\r\nd\r\n$1\r\na\r\n");
	EXPECT(h, "LMOVE src dst left middle", "-ERR syntax error\r\n");
	EXPECT(h, "LMOVE nokey dst left left", "$-1\r\n");
	EXPECT(h, "LMOVE nokey str left left", "$-1\r\n");
	EXPECT(h, "LMOVE str dst left left", WRONGTYPE);
	EXPECT(h, "LMOVE src str left left", WRONGTYPE);
	EXPECT(h, "LRANGE src 0 -1", "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
	EXPECT(h, "RPOPLPUSH src dst", "$1\r\nb\r\n");
	EXPECT(h, "RPOPLPUSH src dst", "$1\r\nc\r\n");
	EXPECT(h, "EXISTS src", ":0\r\n");
	EXPECT(h, "RPOPLPUSH dst str", WRONGTYPE);
	EXPECT(h, "RPUSH one 42", ":1\r\n");
	EXPECT(h, "RPOPLPUSH one one", "$2\r\n42\r\n");
	EXPECT(h, "LRANGE one 0 -1", "*1\r\n$2\r\n42\r\n");
	h_client(h)->resp = 3;
	EXPECT(h, "RPOPLPUSH nokey dst", "_\r\n");
	h_free(h);
}

static void test_lmpop_one_worker(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET str x", "+OK\r\n");
	EXPECT(h, "RPUSH m1 a b c", ":3\r\n");
	EXPECT(h, "RPUSH m2 x y z", ":3\r\n");
	EXPECT(h, "LMPOP 1 m1 left", "*2\r\n$2\r\nm1\r\n*1\r\n$1\r\na\r\n");
	EXPECT(h, "LMPOP 2 nokey m2 right count 2",
	       "*2\r\n$2\r\nm2\r\n*2\r\n$1\r\nz\r\n$1\r\ny\r\n");
	EXPECT(h, "LMPOP 3 nokey m1 m2 left count 10",
	       "*2\r\n$2\r\nm1\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
	EXPECT(h, "LMPOP 2 nokey nokey2 left", "*-1\r\n");
	EXPECT(h, "LMPOP 2 str m2 left", WRONGTYPE);
	EXPECT(h, "LMPOP 0 m2 left", "-ERR numkeys should be greater than 0\r\n");
	EXPECT(h, "LMPOP abc m2 left", "-ERR numkeys should be greater than 0\r\n");
	EXPECT(h, "LMPOP 2 m2 left", "-ERR syntax error\r\n");
	EXPECT(h, "LMPOP 1 m2 middle", "-ERR syntax error\r\n");
	EXPECT(h, "LMPOP 1 m2 left count 0", "-ERR count should be greater than 0\r\n");
	EXPECT(h, "LMPOP 1 m2 left count abc", "-ERR count should be greater than 0\r\n");
	EXPECT(h, "LMPOP 1 m2 left count", "-ERR syntax error\r\n");
	EXPECT(h, "LMPOP 1 m2 left count 1 count 2", "-ERR syntax error\r\n");
	EXPECT(h, "LMPOP 100000000000 a left", "-ERR syntax error\r\n");
	EXPECT(h, "LMPOP 1", "-ERR wrong number of arguments for 'lmpop' command\r\n");
	h_client(h)->resp = 3;
	EXPECT(h, "LMPOP 1 nokey left", "_\r\n");
	EXPECT(h, "LMPOP 1 m2 left", "*2\r\n$2\r\nm2\r\n*1\r\n$1\r\nx\r\n");
	EXPECT(h, "EXISTS m2", ":0\r\n");
	h_free(h);
}

/* list-max-listpack-size changes node sizes, never the replies. */
static void test_config_nodes(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "CONFIG GET list-max-listpack-size",
	       "*2\r\n$22\r\nlist-max-listpack-size\r\n$2\r\n-2\r\n");
	EXPECT(h, "CONFIG SET list-max-ziplist-size 2", "+OK\r\n");
	EXPECT(h, "CONFIG GET list-max-listpack-size",
	       "*2\r\n$22\r\nlist-max-listpack-size\r\n$1\r\n2\r\n");
	EXPECT(h, "CONFIG SET list-compress-depth -1",
	       "-ERR CONFIG SET failed (possibly related to argument 'list-compress-depth') - "
	       "argument must be between 0 and 2147483647 inclusive\r\n");
	EXPECT(h, "CONFIG SET list-compress-depth 3", "+OK\r\n");
	EXPECT(h, "RPUSH l a b c d e", ":5\r\n");
	CU_ASSERT_EQUAL(list_node_count(h_peek(h, 0, "l")), 3);
	EXPECT(h, "LINSERT l after a x", ":6\r\n");
	CU_ASSERT_EQUAL(list_node_count(h_peek(h, 0, "l")), 4);
	EXPECT(h, "LRANGE l 0 -1", "*6\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n");
	EXPECT(h, "LREM l 0 x", ":1\r\n");
	EXPECT(h, "LINDEX l 3", "$1\r\nd\r\n");
	EXPECT(h, "OBJECT ENCODING l", "$9\r\nquicklist\r\n");
	h_free(h);
}

/* ------------------------------------------------------ four workers */

static void test_lmove_cross(void)
{
	struct harness *h = h_new(4);
	char a[64], b[64], s[64];
	snprintf(a, sizeof(a), "%s", h_key_on(h, 1, "src"));
	snprintf(b, sizeof(b), "%s", h_key_on(h, 2, "dst"));
	snprintf(s, sizeof(s), "%s", h_key_on(h, 3, "str"));
	runf(h, "SET %s x", s);
	runf(h, "RPUSH %s a b c d", a);
	EXPECTF(h, "$1\r\na\r\n", "LMOVE %s %s left right", a, b);
	CU_ASSERT(h_last_subrequests(h) > 0);
	EXPECTF(h, "$1\r\nd\r\n", "LMOVE %s %s RIGHT LEFT", a, b);
	EXPECTF(h, "*2\r\n$1\r\nd\r\n$1\r\na\r\n", "LRANGE %s 0 -1", b);
	EXPECTF(h, "-ERR syntax error\r\n", "LMOVE %s %s left middle", a, b);
	CU_ASSERT_EQUAL(h_last_subrequests(h), 0);
	/* Redis's order: missing source first (null even if dst is a string),
	 * then the source's type, then the destination's */
	EXPECTF(h, "$-1\r\n", "LMOVE nokey %s left left", s);
	EXPECTF(h, WRONGTYPE, "LMOVE %s %s left left", s, b);
	EXPECTF(h, WRONGTYPE, "LMOVE %s %s left left", a, s);
	EXPECTF(h, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE %s 0 -1", a); /* untouched */
	EXPECTF(h, WRONGTYPE, "RPOPLPUSH %s %s", a, s);
	EXPECTF(h, "$1\r\nc\r\n", "RPOPLPUSH %s %s", a, b);
	EXPECTF(h, "$1\r\nb\r\n", "RPOPLPUSH %s %s", a, b);
	EXPECTF(h, ":0\r\n", "EXISTS %s", a);
	EXPECTF(h, "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\na\r\n", "LRANGE %s 0 -1", b);
	/* an integer element and a new destination key */
	runf(h, "RPUSH %s 12345", a);
	EXPECTF(h, "$5\r\n12345\r\n", "LMOVE %s newdst left left", a);
	EXPECT(h, "LRANGE newdst 0 -1", "*1\r\n$5\r\n12345\r\n");
	h_client(h)->resp = 3;
	EXPECTF(h, "_\r\n", "RPOPLPUSH nokey %s", b);
	EXPECTF(h, "$1\r\na\r\n", "RPOPLPUSH %s %s", b, a);
	h_free(h);
}

static void test_lmpop_cross(void)
{
	struct harness *h = h_new(4);
	char k[4][64], s[64];
	for (int w = 0; w < 4; w++)
		snprintf(k[w], sizeof(k[w]), "%s", h_key_on(h, w, "m"));
	snprintf(s, sizeof(s), "%s", h_key_on(h, 2, "str"));
	runf(h, "SET %s x", s);
	runf(h, "RPUSH %s a b c", k[3]);
	runf(h, "RPUSH %s x y", k[1]);
	EXPECTF(h, "*-1\r\n", "LMPOP 2 %s %s left", k[0], k[2]);
	char want[256];
	snprintf(want, sizeof(want), "*2\r\n$%zu\r\n%s\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n",
		 strlen(k[1]), k[1]);
	EXPECTF(h, want, "LMPOP 4 %s %s %s %s right count 5", k[0], k[1], k[2], k[3]);
	/* the first existing key decides: a string there is WRONGTYPE */
	EXPECTF(h, WRONGTYPE, "LMPOP 3 %s %s %s left", k[0], s, k[3]);
	snprintf(want, sizeof(want), "*2\r\n$%zu\r\n%s\r\n*1\r\n$1\r\na\r\n", strlen(k[3]), k[3]);
	EXPECTF(h, want, "LMPOP 3 %s %s %s left", k[0], k[1], k[3]);
	/* argument errors come before any sub-request */
	EXPECTF(h, "-ERR count should be greater than 0\r\n", "LMPOP 2 %s %s left count 0", k[0],
		k[3]);
	CU_ASSERT_EQUAL(h_last_subrequests(h), 0);
	h_client(h)->resp = 3;
	EXPECTF(h, "_\r\n", "LMPOP 2 %s %s left", k[0], k[2]);
	h_free(h);
}

/* Lists move between workers with RENAME / COPY (dump and restore). */
static void test_rename_copy_cross(void)
{
	struct harness *h = h_new(4);
	char a[64], b[64];
	snprintf(a, sizeof(a), "%s", h_key_on(h, 0, "ra"));
	snprintf(b, sizeof(b), "%s", h_key_on(h, 3, "rb"));
	EXPECT(h, "CONFIG SET list-max-listpack-size 2", "+OK\r\n");
	runf(h, "RPUSH %s a b 3 d e", a);
	EXPECTF(h, "+OK\r\n", "RENAME %s %s", a, b);
	EXPECTF(h, "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\ne\r\n", "LRANGE %s 0 -1",
		b);
	EXPECTF(h, ":1\r\n", "COPY %s %s", b, a);
	EXPECTF(h, ":5\r\n", "LLEN %s", a);
	EXPECTF(h, "+list\r\n", "TYPE %s", a);
	EXPECTF(h, ":2\r\n", "DEL %s %s", a, b);
	h_free(h);
}

/* ------------------------------- LMOVE's undo when dst changes type */

struct drv {
	struct coord_ctx cc;
	struct harness *h;
	struct reply subr[4];
	struct coord_sub subs[4];
	int n;
};

static void drv_send(struct coord_ctx *cc, int worker, int db, int argc,
		     const struct resp_arg *argv)
{
	struct drv *d = (struct drv *)cc;
	CU_ASSERT_FATAL(d->n < 4);
	reply_init(&d->subr[d->n], cc->r->resp);
	cmd_run_sub(h_env(d->h, worker), db, &d->subr[d->n], argc, argv);
	d->subs[d->n].worker = worker;
	d->subs[d->n].reply = d->subr[d->n].buf;
	d->subs[d->n].len = d->subr[d->n].len;
	d->n++;
}

static void test_lmove_undo(void)
{
	struct harness *h = h_new(4);
	char a[64], b[64];
	snprintf(a, sizeof(a), "%s", h_key_on(h, 1, "usrc"));
	snprintf(b, sizeof(b), "%s", h_key_on(h, 2, "udst"));
	runf(h, "RPUSH %s a b c", a);
	struct resp_arg argv[5] = {
		{ "LMOVE", 5 }, { a, strlen(a) }, { b, strlen(b) }, { "LEFT", 4 }, { "RIGHT", 5 },
	};
	struct reply out;
	reply_init(&out, 2);
	struct drv d = { .h = h };
	d.cc.env = h_env(h, 0);
	d.cc.r = &out;
	d.cc.argc = 5;
	d.cc.argv = argv;
	d.cc.send = drv_send;
	struct coord_sub prev[4];
	struct reply prevr[4];
	int phases = 0;
	for (;;) {
		enum coord_result res = list_lmove_coord(&d.cc);
		if (res == COORD_DONE)
			break;
		if (d.cc.phase == 1) {
			/* the element has left src; now dst becomes a string */
			char *line = malloc(128);
			snprintf(line, 128, "LRANGE %s 0 -1", a);
			EXPECT_STR(h, line, "*2\r\n$1\r\nb\r\n$1\r\nc\r\n");
			snprintf(line, 128, "SET %s x", b);
			h_run(h, line);
			free(line);
		}
		/* the replies of this phase become sub[] of the next */
		for (int i = 0; i < d.cc.nsub; i++)
			reply_free(&prevr[i]);
		memcpy(prev, d.subs, sizeof(prev));
		memcpy(prevr, d.subr, sizeof(prevr));
		d.cc.sub = prev;
		d.cc.nsub = d.n;
		d.n = 0;
		d.cc.phase++;
		CU_ASSERT_FATAL(++phases < 10);
	}
	for (int i = 0; i < d.cc.nsub; i++)
		reply_free(&prevr[i]);
	CU_ASSERT_EQUAL(phases, 4);
	CU_ASSERT_PTR_NULL(d.cc.state);
	CU_ASSERT_EQUAL(out.len, strlen(WRONGTYPE));
	CU_ASSERT(out.buf && memcmp(out.buf, WRONGTYPE, out.len) == 0);
	/* not lost, not duplicated: back at the head it came from */
	EXPECTF(h, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE %s 0 -1", a);
	EXPECTF(h, "$1\r\nx\r\n", "GET %s", b);
	reply_free(&out);
	h_free(h);
}

static void test_keyspace_stats(void)
{
	struct harness *h = h_new(1);
	uint64_t hits, misses;
	EXPECT(h, "RPUSH l a", ":1\r\n");
	EXPECT(h, "LPUSH l b", ":2\r\n");
	EXPECT(h, "LPOP nokey", "$-1\r\n");
	h_keyspace_stats(h, &hits, &misses);
	CU_ASSERT_EQUAL(hits + misses, 0); /* writes do not count */
	h_run(h, "LRANGE l 0 -1");
	h_run(h, "LLEN nokey");
	h_run(h, "LINDEX l 0");
	h_run(h, "LPOS nokey a");
	h_keyspace_stats(h, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 2);
	CU_ASSERT_EQUAL(misses, 2);
	h_free(h);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{"push_pop", test_push_pop},
		{"range_index_set", test_range_index_set},
		{"insert_rem_trim", test_insert_rem_trim},
		{"lpos", test_lpos},
		{"lmove_one_worker", test_lmove_one_worker},
		{"lmpop_one_worker", test_lmpop_one_worker},
		{"config_nodes", test_config_nodes},
		{"lmove_cross", test_lmove_cross},
		{"lmpop_cross", test_lmpop_cross},
		{"rename_copy_cross", test_rename_copy_cross},
		{"lmove_undo", test_lmove_undo},
		{"keyspace_stats", test_keyspace_stats},
	};
	return cunit_run_one("cmd_list", tests);
}
