/*
 * lib/cmd strings family through the in-process harness, on one worker and
 * on four (keys spread over workers: the coordinators). Every expected reply
 * was taken from redis-server 7.0.15 over a raw socket, RESP2 and RESP3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"
#include "cunit_main.h"

/* ------------------------------------------------------------ helpers */

static void run_fmt(struct harness *h, char *buf, size_t cap, const char *fmt, const char *a,
		    const char *b)
{
	snprintf(buf, cap, fmt, a, b);
	h_run(h, buf);
}

/* The key's TTL straight from its owner's shard (no TTL command needed). */
static int64_t key_expire(struct harness *h, const char *key)
{
	struct sentry *e = h_peek(h, h_client(h)->db, key);
	return e ? sentry_expire(e) : -2;
}

static int key_encoding(struct harness *h, const char *key)
{
	struct sentry *e = h_peek(h, h_client(h)->db, key);
	return e ? sentry_encoding(e) : -1;
}

#define NOW 1700000000000LL

/* --------------------------------------------------------------- GET SET */

static void test_get_set(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET k v", "+OK\r\n");
	EXPECT(h, "GET k", "$1\r\nv\r\n");
	EXPECT(h, "GET nokey", "$-1\r\n");
	EXPECT(h, "get k extra", "-ERR wrong number of arguments for 'get' command\r\n");
	EXPECT(h, "SET k", "-ERR wrong number of arguments for 'set' command\r\n");
	EXPECT(h, "SET e \"\"", "+OK\r\n");
	EXPECT(h, "GET e", "$0\r\n\r\n");
	EXPECT(h, "SET bin \"a\\x00b\\r\\n\"", "+OK\r\n");
	EXPECT(h, "GET bin", "$5\r\na\x00" "b\r\n\r\n");
	EXPECT(h, "SET n 12345", "+OK\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "n"), ENC_INT);
	EXPECT(h, "GET n", "$5\r\n12345\r\n");
	EXPECT(h, "SET s abc", "+OK\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "s"), ENC_EMBSTR);
	h_client(h)->resp = 3;
	EXPECT(h, "GET nokey", "_\r\n");
	EXPECT(h, "GET k", "$1\r\nv\r\n");
	EXPECT(h, "SET k v2", "+OK\r\n");
	h_free(h);
}

static void test_set_options(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET k v", "+OK\r\n");
	EXPECT(h, "SET k v nx", "$-1\r\n");
	EXPECT(h, "SET k v2 xx", "+OK\r\n");
	EXPECT(h, "GET k", "$2\r\nv2\r\n");
	EXPECT(h, "SET k v nx xx", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v XX NX", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v nx get", "$2\r\nv2\r\n");
	EXPECT(h, "GET k", "$2\r\nv2\r\n");
	EXPECT(h, "SET k v3 get", "$2\r\nv2\r\n");
	EXPECT(h, "SET k v4 get get", "$2\r\nv3\r\n");
	EXPECT(h, "SET nk v get", "$-1\r\n");
	EXPECT(h, "GET nk", "$1\r\nv\r\n");
	EXPECT(h, "SET nk2 v xx get", "$-1\r\n");
	EXPECT(h, "SET nk2 v xx", "$-1\r\n");
	EXPECT(h, "GET nk2", "$-1\r\n");
	EXPECT(h, "SET nk3 v nx get", "$-1\r\n");
	EXPECT(h, "GET nk3", "$1\r\nv\r\n");
	/* options compare as C strings, as in Redis */
	EXPECT(h, "SET k v \"nx\\x00zz\"", "$-1\r\n");
	EXPECT(h, "SET k v ex", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v foo", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v ex 10 px 10", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v keepttl ex 10", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v ex 10 keepttl", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v persist", "-ERR syntax error\r\n");
	EXPECT(h, "SET k v ex 0", "-ERR invalid expire time in 'set' command\r\n");
	EXPECT(h, "SET k v ex -1", "-ERR invalid expire time in 'set' command\r\n");
	EXPECT(h, "SET k v px 0", "-ERR invalid expire time in 'set' command\r\n");
	EXPECT(h, "SET k v exat 0", "-ERR invalid expire time in 'set' command\r\n");
	EXPECT(h, "SET k v ex 9223372036854775", "-ERR invalid expire time in 'set' command\r\n");
	EXPECT(h, "SET k v ex 9223372036854776", "-ERR invalid expire time in 'set' command\r\n");
	EXPECT(h, "SET k v px 9223372036854775807",
	       "-ERR invalid expire time in 'set' command\r\n");
	EXPECT(h, "SET k v ex abc", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SET k v ex abc get", "-ERR value is not an integer or out of range\r\n");
	/* nothing of the failed ones was applied */
	EXPECT(h, "GET k", "$2\r\nv4\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), STORE_NO_EXPIRE);

	/* expire times */
	EXPECT(h, "SET k v ex 100", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), NOW + 100000);
	EXPECT(h, "SET k v ex 10 ex 20", "+OK\r\n"); /* same kind twice: last wins */
	CU_ASSERT_EQUAL(key_expire(h, "k"), NOW + 20000);
	EXPECT(h, "SET k v px 1500", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), NOW + 1500);
	EXPECT(h, "SET k v exat 1800000000", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), 1800000000000LL);
	EXPECT(h, "SET k v pxat 1800000000123", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), 1800000000123LL);
	EXPECT(h, "SET k v2 keepttl", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), 1800000000123LL);
	EXPECT(h, "SET k v3", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), STORE_NO_EXPIRE);
	EXPECT(h, "SET k v pxat 9223372036854775807", "+OK\r\n");
	/* relative expiry passes with the clock */
	EXPECT(h, "SET t v px 100", "+OK\r\n");
	h_advance_ms(h, 99);
	EXPECT(h, "GET t", "$1\r\nv\r\n");
	h_advance_ms(h, 1);
	EXPECT(h, "GET t", "$-1\r\n");
	/* an absolute time already past: set, then gone */
	EXPECT(h, "SET k v pxat 1", "+OK\r\n");
	EXPECT(h, "GET k", "$-1\r\n");
	EXPECT(h, "SET k v exat 1 get", "$-1\r\n");
	EXPECT(h, "SET k v xx get", "$-1\r\n");
	h_client(h)->resp = 3;
	EXPECT(h, "SET k v nx", "+OK\r\n");
	EXPECT(h, "SET k v nx", "_\r\n");
	EXPECT(h, "SET k w get", "$1\r\nv\r\n");
	EXPECT(h, "SET nk9 v get", "_\r\n");
	EXPECT(h, "SET nk10 v xx get", "_\r\n");
	h_free(h);
}

static void test_setnx_setex_psetex(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SETNX k v", ":1\r\n");
	EXPECT(h, "SETNX k w", ":0\r\n");
	EXPECT(h, "GET k", "$1\r\nv\r\n");
	EXPECT(h, "SETEX k 0 v", "-ERR invalid expire time in 'setex' command\r\n");
	EXPECT(h, "SETEX k -5 v", "-ERR invalid expire time in 'setex' command\r\n");
	EXPECT(h, "SETEX k abc v", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SETEX k 10", "-ERR wrong number of arguments for 'setex' command\r\n");
	EXPECT(h, "SETEX k 10 v2", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), NOW + 10000);
	EXPECT(h, "GET k", "$2\r\nv2\r\n");
	EXPECT(h, "PSETEX k 0 v", "-ERR invalid expire time in 'psetex' command\r\n");
	EXPECT(h, "PSETEX k 100 v3", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), NOW + 100);
	h_advance_ms(h, 100);
	EXPECT(h, "GET k", "$-1\r\n");
	EXPECT(h, "SETNX k again", ":1\r\n");
	h_free(h);
}

static void test_getset_getdel_getex(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET k v ex 100", "+OK\r\n");
	EXPECT(h, "GETSET k new", "$1\r\nv\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), STORE_NO_EXPIRE);
	EXPECT(h, "GETSET nk x", "$-1\r\n");
	EXPECT(h, "GET nk", "$1\r\nx\r\n");
	EXPECT(h, "GETDEL k", "$3\r\nnew\r\n");
	EXPECT(h, "GETDEL k", "$-1\r\n");
	EXPECT(h, "GET k", "$-1\r\n");

	EXPECT(h, "SET k v", "+OK\r\n");
	EXPECT(h, "GETEX k", "$1\r\nv\r\n");
	EXPECT(h, "GETEX nokey", "$-1\r\n");
	/* a missing key wins over a bad expire value, not over a syntax error */
	EXPECT(h, "GETEX nokey ex 0", "$-1\r\n");
	EXPECT(h, "GETEX nokey ex abc", "$-1\r\n");
	EXPECT(h, "GETEX nokey foo", "-ERR syntax error\r\n");
	EXPECT(h, "GETEX k ex 0", "-ERR invalid expire time in 'getex' command\r\n");
	EXPECT(h, "GETEX k ex abc", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "GETEX k ex 9223372036854775", "-ERR invalid expire time in 'getex' command\r\n");
	EXPECT(h, "GETEX k persist ex 10", "-ERR syntax error\r\n");
	EXPECT(h, "GETEX k ex 10 persist", "-ERR syntax error\r\n");
	EXPECT(h, "GETEX k keepttl", "-ERR syntax error\r\n");
	EXPECT(h, "GETEX k get", "-ERR syntax error\r\n");
	EXPECT(h, "GETEX k nx", "-ERR syntax error\r\n");
	EXPECT(h, "GETEX k ex", "-ERR syntax error\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), STORE_NO_EXPIRE);
	EXPECT(h, "GETEX k ex 100", "$1\r\nv\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), NOW + 100000);
	EXPECT(h, "GETEX k persist", "$1\r\nv\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), STORE_NO_EXPIRE);
	EXPECT(h, "GETEX k px 5000 px 6000", "$1\r\nv\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), NOW + 6000);
	EXPECT(h, "GETEX k pxat 99999999999999", "$1\r\nv\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), 99999999999999LL);
	EXPECT(h, "GETEX k exat 1800000000", "$1\r\nv\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), 1800000000000LL);
	/* an absolute time already past deletes the key after replying */
	EXPECT(h, "GETEX k exat 1", "$1\r\nv\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "k"), -2);
	EXPECT(h, "GET k", "$-1\r\n");
	h_client(h)->resp = 3;
	EXPECT(h, "GETEX nokey", "_\r\n");
	EXPECT(h, "GETDEL nokey", "_\r\n");
	EXPECT(h, "GETSET nk2 v", "_\r\n");
	h_free(h);
}

/* ------------------------------------------------------- MGET MSET MSETNX */

static void test_mget_mset_one_worker(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "MSET a 1 b", "-ERR wrong number of arguments for 'mset' command\r\n");
	EXPECT(h, "MSET a", "-ERR wrong number of arguments for 'mset' command\r\n");
	EXPECT(h, "MSET a 1 b 2 a 3", "+OK\r\n");
	EXPECT(h, "MGET a b nokey a", "*4\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n$1\r\n3\r\n");
	EXPECT(h, "MGET", "-ERR wrong number of arguments for 'mget' command\r\n");
	EXPECT(h, "MSETNX a 1 c 3", ":0\r\n");
	EXPECT(h, "GET c", "$-1\r\n");
	EXPECT(h, "MSETNX c 3 d 4", ":1\r\n");
	EXPECT(h, "MSETNX c 3 d", "-ERR wrong number of arguments for 'msetnx' command\r\n");
	EXPECT(h, "MGET c d", "*2\r\n$1\r\n3\r\n$1\r\n4\r\n");
	EXPECT(h, "SET t v ex 10", "+OK\r\n");
	EXPECT(h, "MSET t w", "+OK\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "t"), STORE_NO_EXPIRE);
	h_client(h)->resp = 3;
	EXPECT(h, "MGET a nokey", "*2\r\n$1\r\n3\r\n_\r\n");
	h_free(h);
}

/* ----------------------------------------------- APPEND STRLEN RANGES */

static void test_append_strlen(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "APPEND k 123", ":3\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "k"), ENC_INT); /* like SET on a new key */
	EXPECT(h, "APPEND k 4", ":4\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "k"), ENC_RAW);
	EXPECT(h, "GET k", "$4\r\n1234\r\n");
	EXPECT(h, "STRLEN k", ":4\r\n");
	EXPECT(h, "STRLEN nokey", ":0\r\n");
	EXPECT(h, "SET n -12345", "+OK\r\n");
	EXPECT(h, "STRLEN n", ":6\r\n");
	EXPECT(h, "SET t abc ex 100", "+OK\r\n");
	EXPECT(h, "APPEND t \"\\x00z\"", ":5\r\n");
	EXPECT(h, "GET t", "$5\r\nabc\x00z\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "t"), NOW + 100000); /* TTL kept */
	/* the limit is proto-max-bulk-len */
	h_env(h, 0)->cfg->proto_max_bulk_len = 6;
	EXPECT(h, "APPEND t xx", "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
	EXPECT(h, "APPEND t x", ":6\r\n");
	h_free(h);
}

static void test_getrange(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET n 12345", "+OK\r\n");
	EXPECT(h, "GETRANGE n 0 -1", "$5\r\n12345\r\n");
	EXPECT(h, "GETRANGE n 1 2", "$2\r\n23\r\n");
	EXPECT(h, "GETRANGE nokey 0 1", "$0\r\n\r\n");
	EXPECT(h, "GETRANGE n -1 -5", "$0\r\n\r\n");
	EXPECT(h, "GETRANGE n -100 100", "$5\r\n12345\r\n");
	EXPECT(h, "GETRANGE n 3 1", "$0\r\n\r\n");
	EXPECT(h, "GETRANGE n -2 -1", "$2\r\n45\r\n");
	EXPECT(h, "GETRANGE n 4 9223372036854775807", "$1\r\n5\r\n");
	EXPECT(h, "GETRANGE n -9223372036854775808 0", "$1\r\n1\r\n");
	EXPECT(h, "GETRANGE n a 1", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "GETRANGE nokey 0 a", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SUBSTR n 0 1", "$2\r\n12\r\n");
	EXPECT(h, "SET e \"\"", "+OK\r\n");
	EXPECT(h, "GETRANGE e 0 -1", "$0\r\n\r\n");
	EXPECT(h, "GETRANGE e 0 0", "$0\r\n\r\n");
	h_client(h)->resp = 3;
	EXPECT(h, "GETRANGE nokey 0 1", "$0\r\n\r\n");
	h_free(h);
}

static void test_setrange(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SETRANGE nk 5 abc", ":8\r\n");
	EXPECT(h, "GET nk", "$8\r\n\x00\x00\x00\x00\x00" "abc\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "nk"), ENC_RAW);
	EXPECT(h, "SETRANGE nk2 5 \"\"", ":0\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "nk2"), -2); /* no key made */
	EXPECT(h, "SET n 12345", "+OK\r\n");
	EXPECT(h, "SETRANGE n 1 \"\"", ":5\r\n");
	EXPECT(h, "SETRANGE n -1 x", "-ERR offset is out of range\r\n");
	EXPECT(h, "SETRANGE n x x", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SETRANGE n 536870911 xx",
	       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
	EXPECT(h, "SETRANGE nk3 536870912 x",
	       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
	EXPECT(h, "SETRANGE n 9223372036854775807 x",
	       "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n");
	EXPECT(h, "SETRANGE n 536870912 \"\"", ":5\r\n"); /* empty: length only */
	EXPECT(h, "SETRANGE n 0 ab", ":5\r\n");
	EXPECT(h, "GET n", "$5\r\nab345\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "n"), ENC_RAW);
	EXPECT(h, "SET s abc ex 100", "+OK\r\n");
	EXPECT(h, "SETRANGE s 1 XYZ", ":4\r\n");
	EXPECT(h, "GET s", "$4\r\naXYZ\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "s"), ENC_RAW);
	CU_ASSERT_EQUAL(key_expire(h, "s"), NOW + 100000);
	EXPECT(h, "SETRANGE s 6 !", ":7\r\n");
	EXPECT(h, "GET s", "$7\r\naXYZ\x00\x00!\r\n");
	h_free(h);
}

/* ---------------------------------------------------------- INCR family */

static void test_incr_family(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "INCR x", ":1\r\n");
	EXPECT(h, "INCR x", ":2\r\n");
	CU_ASSERT_EQUAL(key_encoding(h, "x"), ENC_INT);
	EXPECT(h, "DECR x", ":1\r\n");
	EXPECT(h, "INCRBY x 10", ":11\r\n");
	EXPECT(h, "INCRBY x abc", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "INCRBY x 1.5", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "DECRBY x 5", ":6\r\n");
	EXPECT(h, "DECRBY x -9223372036854775808", "-ERR decrement would overflow\r\n");
	EXPECT(h, "INCRBY x 9223372036854775807",
	       "-ERR increment or decrement would overflow\r\n");
	EXPECT(h, "GET x", "$1\r\n6\r\n");
	EXPECT(h, "SET x -9223372036854775808", "+OK\r\n");
	EXPECT(h, "DECR x", "-ERR increment or decrement would overflow\r\n");
	EXPECT(h, "SET x 9223372036854775807", "+OK\r\n");
	EXPECT(h, "INCR x", "-ERR increment or decrement would overflow\r\n");
	EXPECT(h, "DECRBY nx -5", ":5\r\n");
	EXPECT(h, "SET s abc", "+OK\r\n");
	EXPECT(h, "INCR s", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SET s \" 1\"", "+OK\r\n");
	EXPECT(h, "INCR s", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SET s 01", "+OK\r\n");
	EXPECT(h, "INCR s", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SET s 1.5", "+OK\r\n");
	EXPECT(h, "INCR s", "-ERR value is not an integer or out of range\r\n");
	/* a raw string holding an integer counts too */
	EXPECT(h, "SETRANGE r 0 41", ":2\r\n");
	EXPECT(h, "INCR r", ":42\r\n");
	/* the TTL is kept */
	EXPECT(h, "SET t 100 ex 100", "+OK\r\n");
	EXPECT(h, "INCR t", ":101\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "t"), NOW + 100000);
	h_free(h);
}

static const char incr_1e300[] =
	"$301\r\n1000000000000000000008997324079559193870523944273290747938260082321265646596"
	"1809357558491520837504971903503725086142748359035925561846729839130962605207486462"
	"8732713564184365329408425510760601678972665293237003055138294762099454029477278188"
	"9620606179267611627097410650567187386105690089424915104006144\r\n";

static const char incr_dblmax[] =
	"$309\r\n"
	"17976931348623156999592104677410443404838644694432917848531442076517662852312439"
	"63547018686083870855644287934194255206893087083634511360553578972780264776170734"
	"98977686288394835618163294045594434929537447290627480669417384648879122776218333"
	"598953852832103282504751611691208117720159985926376802466863339536384"
	"\r\n";

static void test_incrbyfloat(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SET f 10.5", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT f 0.1", "$4\r\n10.6\r\n");
	EXPECT(h, "INCRBYFLOAT f 1e20", "$21\r\n100000000000000000008\r\n");
	EXPECT(h, "INCRBYFLOAT f -1e20", "$1\r\n8\r\n");
	EXPECT(h, "SET f 1", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT f 1e300", incr_1e300);
	EXPECT(h, "SET f 0", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT f 1.0e-5", "$7\r\n0.00001\r\n");
	EXPECT(h, "INCRBYFLOAT f 3", "$7\r\n3.00001\r\n");
	EXPECT(h, "INCRBYFLOAT f abc", "-ERR value is not a valid float\r\n");
	EXPECT(h, "INCRBYFLOAT f inf", "-ERR increment would produce NaN or Infinity\r\n");
	EXPECT(h, "INCRBYFLOAT f \" 1\"", "-ERR value is not a valid float\r\n");
	EXPECT(h, "INCRBYFLOAT f \"1 \"", "-ERR value is not a valid float\r\n");
	EXPECT(h, "INCRBYFLOAT f nan", "-ERR value is not a valid float\r\n");
	EXPECT(h, "INCRBYFLOAT f \"1\\x00a\"", "-ERR value is not a valid float\r\n");
	EXPECT(h, "GET f", "$7\r\n3.00001\r\n");
	EXPECT(h, "SET f inf", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT f 1", "-ERR increment would produce NaN or Infinity\r\n");
	EXPECT(h, "SET f abc", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT f 1", "-ERR value is not a valid float\r\n");
	EXPECT(h, "INCRBYFLOAT nf 5.0e3", "$4\r\n5000\r\n");
	/* Redis never int-encodes an INCRBYFLOAT result, even an integral one */
	EXPECT(h, "OBJECT ENCODING nf", "$6\r\nembstr\r\n");
	EXPECT(h, "INCRBYFLOAT nf2 -0.0", "$1\r\n0\r\n");
	EXPECT(h, "INCRBYFLOAT nf3 0x10", "$2\r\n16\r\n");
	EXPECT(h, "SET f 5", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT f -5", "$1\r\n0\r\n");
	EXPECT(h, "INCRBYFLOAT f -1.1", "$4\r\n-1.1\r\n");
	EXPECT(h, "SET f 3.0", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT f 0.00000000000000001", "$19\r\n3.00000000000000001\r\n");
	EXPECT(h, "INCRBYFLOAT f 1.7976931348623157e308", incr_dblmax);
	EXPECT(h, "INCRBYFLOAT nf5 1.23456789012345678901", "$19\r\n1.23456789012345679\r\n");
	EXPECT(h, "SET t 100 ex 100", "+OK\r\n");
	EXPECT(h, "INCRBYFLOAT t 1.5", "$5\r\n101.5\r\n");
	CU_ASSERT_EQUAL(key_expire(h, "t"), NOW + 100000);
	h_free(h);
}

/* ------------------------------------------------------------------ LCS */

static void lcs_cases(struct harness *h, const char *k1, const char *k2)
{
	char cmd[256];
	run_fmt(h, cmd, sizeof(cmd), "MSET %s ohmytext %s mynewtext", k1, k2);
	h_client(h)->resp = 2;
#define LCS_EXPECT(fmt, want)                                          \
	do {                                                           \
		snprintf(cmd, sizeof(cmd), fmt, k1, k2);               \
		EXPECT(h, cmd, want);                                  \
	} while (0)
	LCS_EXPECT("LCS %s %s", "$6\r\nmytext\r\n");
	LCS_EXPECT("LCS %s %s len", ":6\r\n");
	LCS_EXPECT("LCS %s %s idx",
		   "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
		   "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
	LCS_EXPECT("LCS %s %s IDX MINMATCHLEN 4 WITHMATCHLEN",
		   "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
		   "$3\r\nlen\r\n:6\r\n");
	LCS_EXPECT("LCS %s %s idx withmatchlen",
		   "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
		   "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n");
	LCS_EXPECT("LCS %s %s minmatchlen -5 idx",
		   "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
		   "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
	LCS_EXPECT("LCS %s %s len idx",
		   "-ERR If you want both the length and indexes, please just use IDX.\r\n");
	LCS_EXPECT("LCS %s %s idx minmatchlen 1 len",
		   "-ERR If you want both the length and indexes, please just use IDX.\r\n");
	LCS_EXPECT("LCS %s %s foo", "-ERR syntax error\r\n");
	LCS_EXPECT("LCS %s %s minmatchlen", "-ERR syntax error\r\n");
	LCS_EXPECT("LCS %s %s minmatchlen x", "-ERR value is not an integer or out of range\r\n");
	LCS_EXPECT("LCS %s %s LEN minmatchlen 1", ":6\r\n");
	LCS_EXPECT("LCS %s %s_missing", "$0\r\n\r\n");
	LCS_EXPECT("LCS %s_missing %s_missing idx",
		   "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
	LCS_EXPECT("LCS %s_missing %s_missing len", ":0\r\n");
	h_client(h)->resp = 3;
	LCS_EXPECT("LCS %s %s", "$6\r\nmytext\r\n");
	LCS_EXPECT("LCS %s %s idx",
		   "%2\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
		   "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
	LCS_EXPECT("LCS %s %s idx minmatchlen 4 withmatchlen",
		   "%2\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
		   "$3\r\nlen\r\n:6\r\n");
	LCS_EXPECT("LCS %s_missing %s_missing idx",
		   "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
	LCS_EXPECT("LCS %s %s len", ":6\r\n");
	h_client(h)->resp = 2;
#undef LCS_EXPECT
}

static void test_lcs_one_worker(void)
{
	struct harness *h = h_new(1);
	lcs_cases(h, "k1", "k2");
	EXPECT(h, "LCS k1 k1", "$8\r\nohmytext\r\n");
	EXPECT(h, "LCS k1", "-ERR wrong number of arguments for 'lcs' command\r\n");
	EXPECT(h, "SET i 12345", "+OK\r\n"); /* int-encoded values compare as text */
	EXPECT(h, "SET j 02468", "+OK\r\n");
	EXPECT(h, "LCS i j", "$2\r\n24\r\n");
	/* the DP table may not exceed proto-max-bulk-len */
	h_env(h, 0)->cfg->proto_max_bulk_len = 1024 * 1024;
	EXPECT(h, "SETRANGE a 600 x", ":601\r\n");
	EXPECT(h, "SETRANGE b 600 x", ":601\r\n");
	EXPECT(h, "LCS a b len",
	       "-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n");
	EXPECT(h, "SETRANGE c 400 x", ":401\r\n");
	EXPECT(h, "LCS a c len", ":401\r\n");
	h_free(h);
}

/* ------------------------------------------------------ several workers */

struct keys4 {
	char k[4][32];
};

static struct keys4 keys_on_each(struct harness *h, const char *prefix)
{
	struct keys4 ks;
	for (int w = 0; w < 4; w++)
		snprintf(ks.k[w], sizeof(ks.k[w]), "%s", h_key_on(h, w, prefix));
	return ks;
}

static void test_mget_cross(void)
{
	struct harness *h = h_new(4);
	struct keys4 ks = keys_on_each(h, "m");
	char cmd[512], want[512];

	for (int w = 0; w < 4; w++) {
		snprintf(cmd, sizeof(cmd), "SET %s val%d", ks.k[w], w);
		h_run(h, cmd);
	}
	snprintf(cmd, sizeof(cmd), "MGET %s %s nokey_%s %s %s %s %s", ks.k[3], ks.k[0], ks.k[1],
		 ks.k[2], ks.k[1], ks.k[3], ks.k[0]);
	const char *got = h_run(h, cmd);
	CU_ASSERT(h_last_subrequests(h) >= 2);
	snprintf(want, sizeof(want),
		 "*7\r\n$4\r\nval3\r\n$4\r\nval0\r\n$-1\r\n$4\r\nval2\r\n$4\r\nval1\r\n"
		 "$4\r\nval3\r\n$4\r\nval0\r\n");
	CU_ASSERT_STRING_EQUAL(got, want);
	/* the same key twice on another worker */
	snprintf(cmd, sizeof(cmd), "MGET %s %s %s", ks.k[2], ks.k[0], ks.k[2]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "*3\r\n$4\r\nval2\r\n$4\r\nval0\r\n$4\r\nval2\r\n");
	h_client(h)->resp = 3;
	snprintf(cmd, sizeof(cmd), "MGET %s nokey_%s %s", ks.k[1], ks.k[0], ks.k[2]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "*3\r\n$4\r\nval1\r\n_\r\n$4\r\nval2\r\n");
	CU_ASSERT(h_last_subrequests(h) >= 2);
	h_free(h);
}

static void test_mset_cross(void)
{
	struct harness *h = h_new(4);
	struct keys4 ks = keys_on_each(h, "s");
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "MSET %s 1 %s 2 %s 3 %s 4 %s 5", ks.k[0], ks.k[1], ks.k[2],
		 ks.k[3], ks.k[0]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "+OK\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 4);
	snprintf(cmd, sizeof(cmd), "MGET %s %s %s %s", ks.k[0], ks.k[1], ks.k[2], ks.k[3]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd),
			       "*4\r\n$1\r\n5\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
	/* odd count: Redis's arity error, and nothing sent */
	snprintf(cmd, sizeof(cmd), "MSET %s 1 %s", ks.k[0], ks.k[1]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "-ERR wrong number of arguments for 'mset' command\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 0);
	snprintf(cmd, sizeof(cmd), "GET %s", ks.k[0]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "$1\r\n5\r\n");
	/* "MSET a 1 a 2": a is 2 */
	snprintf(cmd, sizeof(cmd), "MSET %s x %s y %s z", ks.k[1], ks.k[2], ks.k[1]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "+OK\r\n");
	snprintf(cmd, sizeof(cmd), "MGET %s %s", ks.k[1], ks.k[2]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "*2\r\n$1\r\nz\r\n$1\r\ny\r\n");
	h_free(h);
}

static void test_msetnx_cross(void)
{
	struct harness *h = h_new(4);
	struct keys4 ks = keys_on_each(h, "n");
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "MSETNX %s 1 %s 2 %s", ks.k[0], ks.k[3], ks.k[2]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd),
			       "-ERR wrong number of arguments for 'msetnx' command\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 0);
	snprintf(cmd, sizeof(cmd), "SET %s exists", ks.k[3]);
	h_run(h, cmd);
	snprintf(cmd, sizeof(cmd), "MSETNX %s 1 %s 2 %s 3", ks.k[0], ks.k[1], ks.k[3]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), ":0\r\n");
	snprintf(cmd, sizeof(cmd), "MGET %s %s %s", ks.k[0], ks.k[1], ks.k[3]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "*3\r\n$-1\r\n$-1\r\n$6\r\nexists\r\n");
	/* none exists: all set, the repeated key takes its last value */
	snprintf(cmd, sizeof(cmd), "MSETNX %s 1 %s 2 %s 3 %s 4", ks.k[0], ks.k[1], ks.k[2],
		 ks.k[0]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), ":1\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 6); /* 3 checks + 3 sets */
	snprintf(cmd, sizeof(cmd), "MGET %s %s %s", ks.k[0], ks.k[1], ks.k[2]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "*3\r\n$1\r\n4\r\n$1\r\n2\r\n$1\r\n3\r\n");
	/* an expired key does not count as existing */
	snprintf(cmd, sizeof(cmd), "SET %s v px 10", ks.k[1]);
	h_run(h, cmd);
	h_advance_ms(h, 10);
	snprintf(cmd, sizeof(cmd), "MSETNX %s a %s b", ks.k[1], ks.k[3] /* exists */);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), ":0\r\n");
	snprintf(cmd, sizeof(cmd), "MSETNX %s a nk_%s b", ks.k[1], ks.k[2]);
	const char *r = h_run(h, cmd);
	CU_ASSERT_STRING_EQUAL(r, ":1\r\n");
	h_free(h);
}

static void test_lcs_cross(void)
{
	struct harness *h = h_new(4);
	struct keys4 ks = keys_on_each(h, "l");
	char cmd[256];

	lcs_cases(h, ks.k[1], ks.k[3]);
	snprintf(cmd, sizeof(cmd), "LCS %s %s", ks.k[1], ks.k[3]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "$6\r\nmytext\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 2);
	/* the same checks in the other order of workers */
	snprintf(cmd, sizeof(cmd), "LCS %s %s", ks.k[3], ks.k[1]);
	CU_ASSERT_STRING_EQUAL(h_run(h, cmd), "$6\r\nmytext\r\n");
	h_free(h);
}

static void test_keyspace_stats(void)
{
	struct harness *h = h_new(4);
	struct keys4 ks = keys_on_each(h, "h");
	char cmd[256];
	uint64_t hits, misses;

	snprintf(cmd, sizeof(cmd), "SET %s v", ks.k[0]);
	h_run(h, cmd);
	snprintf(cmd, sizeof(cmd), "SET %s v", ks.k[2]);
	h_run(h, cmd);
	h_keyspace_stats(h, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_EQUAL(misses, 0);
	/* same sequence as on redis-server: 9 hits, 5 misses (written keys, SET NX,
	 * APPEND, INCR do not count) */
	const char *k = ks.k[0];
	const char *lines[] = {
		"GET %s", "GET nokey", "MGET %s nokey %s", "GETRANGE %s 0 1", "GETRANGE nokey 0 1",
		"STRLEN %s", "GETEX %s", "GETDEL nokey", "GETSET no v", "SET %s v get",
		"SET %s v nx", "APPEND %s x", "INCR cnt", "LCS %s no",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(cmd, sizeof(cmd), lines[i], k, ks.k[2]);
		h_run(h, cmd);
	}
	h_keyspace_stats(h, &hits, &misses);
	CU_ASSERT_EQUAL(hits, 9);
	CU_ASSERT_EQUAL(misses, 5);
	h_free(h);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{"get_set", test_get_set},
		{"set_options", test_set_options},
		{"setnx_setex_psetex", test_setnx_setex_psetex},
		{"getset_getdel_getex", test_getset_getdel_getex},
		{"mget_mset_one_worker", test_mget_mset_one_worker},
		{"append_strlen", test_append_strlen},
		{"getrange", test_getrange},
		{"setrange", test_setrange},
		{"incr_family", test_incr_family},
		{"incrbyfloat", test_incrbyfloat},
		{"lcs_one_worker", test_lcs_one_worker},
		{"mget_cross", test_mget_cross},
		{"mset_cross", test_mset_cross},
		{"msetnx_cross", test_msetnx_cross},
		{"lcs_cross", test_lcs_cross},
		{"keyspace_stats", test_keyspace_stats},
	};

	return cunit_run_one("cmd_strings", tests);
}
