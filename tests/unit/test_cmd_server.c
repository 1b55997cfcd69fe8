/*
 * lib/cmd server family through the in-process harness, on one worker and
 * on four. Expected bytes were taken from redis-server 7.0.15 over a raw
 * socket in RESP2 and RESP3 (wirekv-specific texts, e.g. CLIENT LIST's
 * figures of the harness's client, follow Redis's format).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_harness.h"
#include "cunit_main.h"

/* ------------------------------------------------------------ helpers */

/* The reply is a bulk (RESP2) or verbatim "txt" (RESP3) string of text. */
static bool check_text(struct harness *h, const char *cmd, const char *text, int line)
{
	char want[8192];
	size_t n = strlen(text);
	int w = h_client(h)->resp == 3 ? snprintf(want, sizeof(want), "=%zu\r\ntxt:%s\r\n", n + 4, text)
				       : snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", n, text);
	return h_expect(h, cmd, want, (size_t)w, __FILE__, line);
}
#define EXPECT_TEXT(h, cmd, text) CU_ASSERT(check_text((h), (cmd), (text), __LINE__))

static bool reply_has(struct harness *h, const char *cmd, const char *needle)
{
	const char *got = h_run(h, cmd);
	bool ok = strstr(got, needle) != NULL;
	if (!ok) {
		fprintf(stderr, "\n  %s: no \"%s\" in ", cmd, needle);
		h_print_escaped(stderr, got, h_reply_len(h));
		fputc('\n', stderr);
	}
	return ok;
}
#define EXPECT_HAS(h, cmd, needle) CU_ASSERT(reply_has((h), (cmd), (needle)))

static void put_key(struct harness *h, int w, const char *key, const char *val, int64_t expire)
{
	struct shard *s = h_env(h, w)->shard;
	struct sentry *e = shard_set_str(s, 0, key, strlen(key), val, strlen(val), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	if (expire > 0)
		CU_ASSERT_PTR_NOT_NULL(shard_set_expire(s, 0, e, expire));
}

/* -------------------------------------------------------------- tests */

static void test_ping_echo_time(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "PING", "+PONG\r\n");
	EXPECT(h, "PING hello", "$5\r\nhello\r\n");
	EXPECT(h, "PING a b", "-ERR wrong number of arguments for 'ping' command\r\n");
	EXPECT(h, "ECHO \"a b\"", "$3\r\na b\r\n");
	EXPECT(h, "ECHO", "-ERR wrong number of arguments for 'echo' command\r\n");
	h_set_time_ms(h, 1700000123456LL);
	EXPECT(h, "TIME", "*2\r\n$10\r\n1700000123\r\n$6\r\n456000\r\n");
	EXPECT(h, "TIME x", "-ERR wrong number of arguments for 'time' command\r\n");
	EXPECT(h, "HELLO 3", "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
			     "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
			     "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT(h, "PING", "+PONG\r\n");
	EXPECT(h, "PING hi", "$2\r\nhi\r\n");
	h_free(h);
}

static void test_hello(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "HELLO", "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
			   "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
			   "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT(h, "HELLO 4", "-NOPROTO unsupported protocol version\r\n");
	EXPECT(h, "HELLO 1", "-NOPROTO unsupported protocol version\r\n");
	EXPECT(h, "HELLO x", "-ERR Protocol version is not an integer or out of range\r\n");
	EXPECT(h, "HELLO 3 foo", "-ERR Syntax error in HELLO option 'foo'\r\n");
	EXPECT(h, "HELLO 3 SETNAME", "-ERR Syntax error in HELLO option 'SETNAME'\r\n");
	EXPECT(h, "HELLO 3 AUTH a", "-ERR Syntax error in HELLO option 'AUTH'\r\n");
	EXPECT(h, "HELLO 3 SETNAME \"a b\"",
	       "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
	EXPECT(h, "HELLO 3 AUTH bob x", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	CU_ASSERT_EQUAL(h_client(h)->resp, 2); /* errors change nothing */

	/* no requirepass: the default user takes any password */
	EXPECT(h, "HELLO 3 AUTH default whatever SETNAME conn1",
	       "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
	       "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
	       "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
	CU_ASSERT_EQUAL(h_client(h)->resp, 3);
	/* replies now take RESP3 shapes */
	EXPECT(h, "CLIENT GETNAME", "$5\r\nconn1\r\n");
	EXPECT(h, "CLIENT SETNAME \"\"", "+OK\r\n");
	EXPECT(h, "CLIENT GETNAME", "_\r\n");
	EXPECT(h, "CONFIG GET hz", "%1\r\n$2\r\nhz\r\n$2\r\n10\r\n");
	EXPECT(h, "COMMAND INFO nosuch", "*1\r\n_\r\n");
	EXPECT(h, "INFO nosuch", "=4\r\ntxt:\r\n");
	/* and back */
	EXPECT(h, "HELLO 2", "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
			     "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
			     "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT(h, "CLIENT GETNAME", "$-1\r\n");
	EXPECT(h, "CONFIG GET hz", "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n");
	EXPECT(h, "COMMAND INFO nosuch", "*1\r\n$-1\r\n");
	h_free(h);
}

static void test_auth_without_password(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "AUTH x", "-ERR AUTH <password> called without any password configured for the "
			    "default user. Are you sure your configuration is correct?\r\n");
	EXPECT(h, "AUTH default anything", "+OK\r\n");
	EXPECT(h, "AUTH Default x", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	EXPECT(h, "AUTH a b", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	EXPECT(h, "AUTH a b c", "-ERR syntax error\r\n");
	EXPECT(h, "AUTH", "-ERR wrong number of arguments for 'auth' command\r\n");
	h_free(h);
}

static void test_auth_with_password(void)
{
	for (int n = 1; n <= 4; n *= 4) {
		struct harness *h = h_new(n);
		EXPECT(h, "CONFIG SET requirepass secret", "+OK\r\n");
		for (int w = 0; w < n; w++)
			CU_ASSERT_STRING_EQUAL(h_env(h, w)->cfg->requirepass, "secret");
		/* the connection that set it stays authenticated, as in Redis */
		EXPECT(h, "PING", "+PONG\r\n");
		EXPECT(h, "RESET", "+RESET\r\n");
		CU_ASSERT_FALSE(h_client(h)->authenticated);
		EXPECT(h, "PING", "-NOAUTH Authentication required.\r\n");
		EXPECT(h, "CLIENT ID", "-NOAUTH Authentication required.\r\n");
		EXPECT(h, "INFO", "-NOAUTH Authentication required.\r\n");
		EXPECT(h, "HELLO 3",
		       "-NOAUTH HELLO must be called with the client already authenticated, otherwise "
		       "the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
		       "select the RESP protocol version at the same time\r\n");
		EXPECT(h, "HELLO 3 AUTH default wrong",
		       "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
		EXPECT(h, "AUTH wrong", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
		EXPECT(h, "AUTH secretx", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
		EXPECT(h, "AUTH secre", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
		EXPECT(h, "AUTH bob secret", "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
		EXPECT(h, "PING", "-NOAUTH Authentication required.\r\n");
		EXPECT(h, "AUTH secret", "+OK\r\n");
		EXPECT(h, "PING", "+PONG\r\n");
		EXPECT(h, "RESET", "+RESET\r\n");
		EXPECT(h, "PING", "-NOAUTH Authentication required.\r\n");
		EXPECT(h, "AUTH default secret", "+OK\r\n");
		EXPECT(h, "RESET", "+RESET\r\n");
		EXPECT(h, "HELLO 3 AUTH default secret SETNAME foo",
		       "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
		       "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
		       "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
		EXPECT(h, "CLIENT GETNAME", "$3\r\nfoo\r\n");
		/* AUTH's two-argument form is an error only without a password */
		EXPECT(h, "CONFIG SET requirepass \"\"", "+OK\r\n");
		EXPECT(h, "AUTH x", "-ERR AUTH <password> called without any password configured for "
				    "the default user. Are you sure your configuration is correct?\r\n");
		h_free(h);
	}
}

static void test_select_quit_reset(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "SELECT 15", "+OK\r\n");
	CU_ASSERT_EQUAL(h_client(h)->db, 15);
	EXPECT(h, "SELECT 16", "-ERR DB index is out of range\r\n");
	EXPECT(h, "SELECT -1", "-ERR DB index is out of range\r\n");
	EXPECT(h, "SELECT x", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SELECT 99999999999",
	       "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n");
	EXPECT(h, "SELECT 1.5", "-ERR value is not an integer or out of range\r\n");
	EXPECT(h, "SELECT 1", "+OK\r\n");
	EXPECT(h, "CLIENT SETNAME bob", "+OK\r\n");
	EXPECT(h, "CLIENT NO-EVICT on", "+OK\r\n");
	EXPECT(h, "HELLO 3 SETNAME bob", "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
					 "$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n"
					 "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\n"
					 "master\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT(h, "RESET x", "-ERR wrong number of arguments for 'reset' command\r\n");
	EXPECT(h, "RESET", "+RESET\r\n");
	CU_ASSERT_EQUAL(h_client(h)->resp, 2);
	CU_ASSERT_EQUAL(h_client(h)->db, 0);
	CU_ASSERT_PTR_NULL(h_client(h)->name);
	CU_ASSERT_FALSE(h_client(h)->no_evict);
	CU_ASSERT_TRUE(h_client(h)->authenticated);
	EXPECT(h, "CLIENT GETNAME", "$-1\r\n");
	CU_ASSERT_FALSE(h_client(h)->close_after_reply);
	EXPECT(h, "QUIT x", "+OK\r\n");
	CU_ASSERT_TRUE(h_client(h)->close_after_reply);
	h_free(h);
	h = h_new(1);
	EXPECT(h, "QUIT", "+OK\r\n");
	CU_ASSERT_TRUE(h_client(h)->close_after_reply);
	h_free(h);
}

#define LINE_HEAD "id=1 addr=127.0.0.1:40000 laddr=127.0.0.1:6379 fd=-1 name="
#define LINE_MID " age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 "

static void test_client_basic(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "CLIENT ID", ":1\r\n");
	EXPECT(h, "CLIENT ID x", "-ERR wrong number of arguments for 'client|id' command\r\n");
	EXPECT(h, "CLIENT GETNAME", "$-1\r\n");
	EXPECT(h, "CLIENT SETNAME \"a b\"",
	       "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
	EXPECT(h, "CLIENT SETNAME \"a\\nb\"",
	       "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
	EXPECT(h, "CLIENT SETNAME", "-ERR wrong number of arguments for 'client|setname' command\r\n");
	EXPECT(h, "CLIENT SETNAME my-conn", "+OK\r\n");
	EXPECT(h, "CLIENT GETNAME", "$7\r\nmy-conn\r\n");
	EXPECT(h, "CLIENT NO-EVICT x", "-ERR syntax error\r\n");
	EXPECT(h, "CLIENT NO-EVICT", "-ERR wrong number of arguments for 'client|no-evict' command\r\n");
	EXPECT(h, "CLIENT foo", "-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n");
	EXPECT(h, "CLIENT", "-ERR wrong number of arguments for 'client' command\r\n");
	EXPECT_TEXT(h, "CLIENT INFO",
		    LINE_HEAD "my-conn" LINE_MID "argv-mem=10 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 "
		    "omem=0 tot-mem=0 events=r cmd=client|info user=default redir=-1 resp=2\n");
	EXPECT(h, "CLIENT NO-EVICT ON", "+OK\r\n");
	EXPECT_TEXT(h, "CLIENT LIST",
		    LINE_HEAD "my-conn age=0 idle=0 flags=e db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 "
		    "qbuf-free=0 argv-mem=10 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 "
		    "omem=0 tot-mem=0 events=r cmd=client|list user=default redir=-1 resp=2\n");
	EXPECT(h, "CLIENT NO-EVICT off", "+OK\r\n");
	h_advance_ms(h, 5000);
	EXPECT(h, "SELECT 2", "+OK\r\n");
	EXPECT(h, "HELLO 3", "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
			     "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
			     "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT_TEXT(h, "CLIENT LIST TYPE normal",
		    LINE_HEAD "my-conn age=5 idle=0 flags=N db=2 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 "
		    "qbuf-free=0 argv-mem=20 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 "
		    "omem=0 tot-mem=0 events=r cmd=client|list user=default redir=-1 resp=3\n");
	EXPECT(h, "CLIENT LIST TYPE master", "=4\r\ntxt:\r\n");
	EXPECT(h, "CLIENT LIST TYPE replica", "=4\r\ntxt:\r\n");
	EXPECT(h, "CLIENT LIST TYPE pubsub", "=4\r\ntxt:\r\n");
	EXPECT(h, "CLIENT LIST TYPE foo", "-ERR Unknown client type 'foo'\r\n");
	EXPECT(h, "CLIENT LIST ID 1 2 x", "-ERR Invalid client ID\r\n");
	EXPECT(h, "CLIENT LIST ID 99 0 -1", "=4\r\ntxt:\r\n");
	EXPECT(h, "CLIENT LIST ID", "-ERR syntax error\r\n");
	EXPECT(h, "CLIENT LIST foo", "-ERR syntax error\r\n");
	EXPECT(h, "CLIENT INFO x", "-ERR wrong number of arguments for 'client|info' command\r\n");
	/* IDs in the order asked, repeats included */
	const char *two = h_run(h, "CLIENT LIST ID 1 7 1");
	const char *first = strstr(two, "id=1 "), *second = first ? strstr(first + 1, "id=1 ") : NULL;
	CU_ASSERT_PTR_NOT_NULL(second);
	h_free(h);
}

static void test_client_help(void)
{
	struct harness *h = h_new(1);
	const char *r = h_run(h, "CLIENT HELP");
	CU_ASSERT_EQUAL(strncmp(r, "*48\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. "
				   "Subcommands are:\r\n+CACHING (YES|NO)\r\n", 79), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "+NO-EVICT (ON|OFF)\r\n+    Protect current client "
					 "connection from eviction.\r\n+HELP\r\n+    Prints this "
					 "help.\r\n"));
	EXPECT(h, "CLIENT HELP x", "-ERR wrong number of arguments for 'client|help' command\r\n");
	EXPECT(h, "CONFIG HELP",
	       "*11\r\n+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
	       "+GET <pattern>\r\n+    Return parameters matching the glob-like <pattern> and their "
	       "values.\r\n+SET <directive> <value>\r\n+    Set the configuration <directive> to "
	       "<value>.\r\n+RESETSTAT\r\n+    Reset statistics reported by the INFO command.\r\n"
	       "+REWRITE\r\n+    Rewrite the configuration file.\r\n+HELP\r\n+    Prints this help.\r\n");
	EXPECT_HAS(h, "COMMAND HELP", "*21\r\n+COMMAND <subcommand>");
	EXPECT_HAS(h, "LATENCY HELP", "*17\r\n+LATENCY <subcommand>");
	EXPECT_HAS(h, "DEBUG HELP", "*106\r\n+DEBUG <subcommand>");
	h_free(h);
}

static void test_client_kill(void)
{
	for (int n = 1; n <= 4; n *= 4) {
		struct harness *h = h_new(n);
		EXPECT(h, "CLIENT KILL 1.2.3.4:5", "-ERR No such client\r\n");
		CU_ASSERT_EQUAL(h_last_subrequests(h), n);
		EXPECT(h, "CLIENT KILL ID 999", ":0\r\n");
		EXPECT(h, "CLIENT KILL ID x", "-ERR client-id should be greater than 0\r\n");
		EXPECT(h, "CLIENT KILL ID 0", "-ERR client-id should be greater than 0\r\n");
		EXPECT(h, "CLIENT KILL foo bar", "-ERR syntax error\r\n");
		EXPECT(h, "CLIENT KILL ID 1 TYPE", "-ERR syntax error\r\n");
		EXPECT(h, "CLIENT KILL TYPE x", "-ERR Unknown client type 'x'\r\n");
		EXPECT(h, "CLIENT KILL SKIPME x", "-ERR syntax error\r\n");
		EXPECT(h, "CLIENT KILL USER nobody", "-ERR No such user 'nobody'\r\n");
		EXPECT(h, "CLIENT KILL", "-ERR wrong number of arguments for 'client|kill' command\r\n");
		/* SKIPME yes is the default of the new form */
		EXPECT(h, "CLIENT KILL ID 1", ":0\r\n");
		EXPECT(h, "CLIENT KILL USER default", ":0\r\n");
		EXPECT(h, "CLIENT KILL ADDR 127.0.0.1:40000 TYPE master SKIPME no", ":0\r\n");
		CU_ASSERT_FALSE(h_client(h)->close_after_reply);
		/* killing oneself: the reply first, then the close */
		EXPECT(h, "CLIENT KILL ADDR 127.0.0.1:40000 LADDR 127.0.0.1:6379 SKIPME no", ":1\r\n");
		CU_ASSERT_TRUE(h_client(h)->close_after_reply);
		h_client(h)->close_after_reply = false;
		EXPECT(h, "CLIENT KILL ID 1 TYPE normal USER default SKIPME no", ":1\r\n");
		CU_ASSERT_TRUE(h_client(h)->close_after_reply);
		h_client(h)->close_after_reply = false;
		EXPECT(h, "CLIENT KILL 127.0.0.1:40000", "+OK\r\n");
		CU_ASSERT_TRUE(h_client(h)->close_after_reply);
		h_free(h);
	}
}

static void test_client_list_workers(void)
{
	struct harness *h = h_new(4);
	EXPECT_TEXT(h, "CLIENT LIST",
		    LINE_HEAD LINE_MID "argv-mem=10 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 "
		    "omem=0 tot-mem=0 events=r cmd=client|list user=default redir=-1 resp=2\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 4);
	h_free(h);
}

static void test_config_get(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "CONFIG GET MAXMEMORY", "*2\r\n$9\r\nMAXMEMORY\r\n$1\r\n0\r\n");
	EXPECT(h, "CONFIG GET maxmemory MAXMEMORY", "*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
	EXPECT(h, "CONFIG GET hz HZ h?", "*2\r\n$2\r\nhz\r\n$2\r\n10\r\n");
	EXPECT(h, "CONFIG GET nosuch", "*0\r\n");
	EXPECT(h, "CONFIG GET", "-ERR wrong number of arguments for 'config|get' command\r\n");
	EXPECT(h, "CONFIG GET maxmemory-p*", "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n");
	EXPECT(h, "CONFIG GET DATABASES MAXMEMORY-POL*",
	       "*4\r\n$9\r\nDATABASES\r\n$2\r\n16\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n");
	/* a glob matches several */
	const char *r = h_run(h, "CONFIG GET max*");
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "$9\r\nmaxmemory\r\n$1\r\n0\r\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "$10\r\nmaxclients\r\n$5\r\n10000\r\n"));
	EXPECT(h, "HELLO 3 SETNAME x", "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
				       "$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n"
				       "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\n"
				       "master\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT(h, "CONFIG GET hz maxmemory",
	       "%2\r\n$2\r\nhz\r\n$2\r\n10\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n");
	EXPECT(h, "CONFIG GET x", "%0\r\n");
	h_free(h);
}

static void test_config_set(void)
{
	for (int n = 1; n <= 4; n *= 4) {
		struct harness *h = h_new(n);
		EXPECT(h, "CONFIG SET maxmemory", "-ERR wrong number of arguments for 'config|set' command\r\n");
		EXPECT(h, "CONFIG SET maxmemory 1 hz", "-ERR syntax error\r\n");
		EXPECT(h, "CONFIG SET maxmemory x",
		       "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument "
		       "must be a memory value\r\n");
		EXPECT(h, "CONFIG SET nosuch 1",
		       "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n");
		EXPECT(h, "CONFIG SET maxmemory 10mb maxmemory 20mb",
		       "-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - duplicate "
		       "parameter\r\n");
		EXPECT(h, "CONFIG SET maxmemory 10mb hz x",
		       "-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't "
		       "be parsed into an integer\r\n");
		EXPECT(h, "CONFIG SET maxmemory-policy foo",
		       "-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - "
		       "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
		       "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
		       "noeviction\r\n");
		/* none of the failed ones changed anything anywhere */
		for (int w = 0; w < n; w++) {
			CU_ASSERT_EQUAL(h_env(h, w)->cfg->maxmemory, 0);
			CU_ASSERT_EQUAL(h_env(h, w)->cfg->hz, 10);
		}
		EXPECT(h, "CONFIG SET hz 5 MAXMEMORY 100mb maxmemory-policy allkeys-lru", "+OK\r\n");
		CU_ASSERT_EQUAL(h_last_subrequests(h), n);
		for (int w = 0; w < n; w++) {
			CU_ASSERT_EQUAL(h_env(h, w)->cfg->maxmemory, 100LL * 1024 * 1024);
			CU_ASSERT_EQUAL(h_env(h, w)->cfg->hz, 5);
			CU_ASSERT_EQUAL(h_env(h, w)->cfg->maxmemory_policy, MM_ALLKEYS_LRU);
		}
		EXPECT(h, "CONFIG GET hz", "*2\r\n$2\r\nhz\r\n$1\r\n5\r\n");
		EXPECT(h, "CONFIG SET hz 10 maxmemory 0", "+OK\r\n");
		h_free(h);
	}
}

static void test_config_resetstat(void)
{
	struct harness *h = h_new(4);
	for (int w = 0; w < 4; w++) {
		h_env(h, w)->stats->keyspace_hits = 7;
		h_env(h, w)->stats->total_commands_processed = 9;
		h_env(h, w)->stats->connected_clients = 1;
	}
	EXPECT(h, "CONFIG RESETSTAT x", "-ERR wrong number of arguments for 'config|resetstat' command\r\n");
	EXPECT(h, "CONFIG RESETSTAT", "+OK\r\n");
	for (int w = 0; w < 4; w++) {
		CU_ASSERT_EQUAL(h_env(h, w)->stats->keyspace_hits, 0);
		CU_ASSERT_EQUAL(h_env(h, w)->stats->total_commands_processed, 0);
		CU_ASSERT_EQUAL(h_env(h, w)->stats->connected_clients, 1);
	}
	h_free(h);
}

static void test_info(void)
{
	struct harness *h = h_new(4);
	/* two keys on each worker, one with a TTL on workers 1 and 3 */
	for (int w = 0; w < 4; w++) {
		char a[64];
		snprintf(a, sizeof(a), "%s", h_key_on(h, w, "ka"));
		put_key(h, w, a, "v", 0);
		put_key(h, w, h_key_on(h, w, "kb"), "v", w % 2 ? 1800000000000LL : 0);
		h_env(h, w)->stats->keyspace_hits = (uint64_t)w + 1;   /* 10 */
		h_env(h, w)->stats->keyspace_misses = 2;             /* 8 */
		h_env(h, w)->stats->connected_clients = 1;
		h_env(h, w)->stats->total_commands_processed = 100;
	}
	struct shard *s3 = h_env(h, 3)->shard;
	CU_ASSERT_PTR_NOT_NULL(shard_set_str(s3, 5, "other", 5, "x", 1, 0));
	EXPECT(h, "INFO keyspace",
	       "$76\r\n# Keyspace\r\ndb0:keys=8,expires=2,avg_ttl=0\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 4);
	EXPECT(h, "INFO foo", "$0\r\n\r\n");
	EXPECT_HAS(h, "INFO stats", "keyspace_hits:10\r\nkeyspace_misses:8\r\n");
	EXPECT_HAS(h, "INFO stats", "total_commands_processed:400\r\n");
	EXPECT_HAS(h, "INFO clients", "# Clients\r\nconnected_clients:4\r\n");
	/* sections come in Redis's order whatever the order asked */
	const char *r = h_run(h, "INFO KEYSPACE cpu");
	CU_ASSERT_EQUAL(strncmp(strchr(r, '\n') + 1, "# CPU\r\nused_cpu_sys:", 20), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "\r\n\r\n# Keyspace\r\ndb0:keys=8,"));
	CU_ASSERT_PTR_NULL(strstr(r, "# Server"));
	r = h_run(h, "INFO");
	const char *order[] = {"# Server\r\nredis_version:7.0.15\r\nwirekv_version:", "# Clients",
			       "# Memory\r\nused_memory:", "# Persistence", "# Stats", "# Replication",
			       "# CPU", "# Cluster", "# Keyspace", "# Wirekv"};
	const char *at = r;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *p = strstr(at, order[i]);
		CU_ASSERT_PTR_NOT_NULL(p);
		if (p)
			at = p;
	}
	EXPECT_HAS(h, "INFO server", "run_id:0123456789abcdef0123456789abcdef01234567\r\ntcp_port:6379\r\n");
	EXPECT_HAS(h, "INFO memory", "maxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:noeviction\r\n");
	EXPECT_HAS(h, "INFO wirekv", "workers:4\r\nworker0:ops=100,connections=1,");
	EXPECT_HAS(h, "INFO wirekv", "\r\nworker3:ops=100,connections=1,");
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(h, "INFO all"), "# Wirekv"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(h, "info everything"), "# Keyspace"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h_run(h, "info default"), "# Server"));
	EXPECT(h, "HELLO 3", "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
			     "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
			     "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT(h, "INFO keyspace",
	       "=80\r\ntxt:# Keyspace\r\ndb0:keys=8,expires=2,avg_ttl=0\r\ndb5:keys=1,expires=0,avg_ttl=0\r\n\r\n");
	h_free(h);

	h = h_new(1);
	EXPECT(h, "INFO keyspace", "$12\r\n# Keyspace\r\n\r\n");
	put_key(h, 0, "k", "v", 0);
	EXPECT(h, "INFO keyspace", "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n");
	CU_ASSERT_EQUAL(h_last_subrequests(h), 1);
	h_free(h);
}

/* COMMAND INFO bytes from redis-server 7.0.15 */
static const char info_resp2[] =
	"*5\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n"
	"+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n"
	"+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
	"*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
	"$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
	":0\r\n*0\r\n*10\r\n$3\r\nset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n"
	":1\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n*0\r\n*1\r\n*8\r\n$5\r\nnotes\r\n"
	"$48\r\nRW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n*4\r\n"
	"+RW\r\n+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\n"
	"type\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n"
	"*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\n"
	"keystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n"
	"+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n"
	"*2\r\n$26\r\nrequest_policy:multi_shard\r\n$29\r\nresponse_policy:all_succeeded\r\n"
	"*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n"
	"$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\n"
	"find_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\n"
	"lastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n*10\r\n$11\r\n"
	"client|list\r\n:-2\r\n*4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n"
	":0\r\n:0\r\n*4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n*1\r\n$23\r\n"
	"nondeterministic_output\r\n*0\r\n*0\r\n$-1\r\n";

static const char info_resp3[] =
	"*5\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n"
	"+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n"
	"+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
	"%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n"
	"$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n"
	":0\r\n~0\r\n*10\r\n$3\r\nset\r\n:-3\r\n~2\r\n+write\r\n+denyoom\r\n:1\r\n:1\r\n"
	":1\r\n~3\r\n+@write\r\n+@string\r\n+@slow\r\n~0\r\n~1\r\n%4\r\n$5\r\nnotes\r\n"
	"$48\r\nRW and ACCESS due to the optional `GET` argument\r\n$5\r\nflags\r\n~4\r\n"
	"+RW\r\n+access\r\n+update\r\n+variable_flags\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\n"
	"type\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n"
	"%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\n"
	"keystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$4\r\nmset\r\n:-3\r\n~2\r\n"
	"+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n~3\r\n+@write\r\n+@string\r\n+@slow\r\n"
	"~2\r\n$26\r\nrequest_policy:multi_shard\r\n$29\r\nresponse_policy:all_succeeded\r\n"
	"~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n%2\r\n"
	"$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\n"
	"find_keys\r\n%2\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\n"
	"lastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n~0\r\n*10\r\n$11\r\n"
	"client|list\r\n:-2\r\n~4\r\n+admin\r\n+noscript\r\n+loading\r\n+stale\r\n:0\r\n"
	":0\r\n:0\r\n~4\r\n+@admin\r\n+@slow\r\n+@dangerous\r\n+@connection\r\n~1\r\n$23\r\n"
	"nondeterministic_output\r\n~0\r\n~0\r\n_\r\n";

struct count_walk {
	long top, all;
};

static void count_row(void *arg, const struct cmd_def *d)
{
	struct count_walk *w = arg;
	if (d->flags & CMD_INTERNAL)
		return;
	w->top++;
	w->all++;
	if ((d->flags & CMD_CONTAINER) && strcmp(d->name, "debug") != 0)
		for (const struct cmd_def *s = d->subcmds; s && s->name; s++)
			w->all += !(s->flags & CMD_INTERNAL);
}

/* Every command a client can see has Redis's data: a new command needs
 * its name in tools/gen-command-docs.py and a regenerated cmd_docs.c. */
static void check_documented(void *arg, const struct cmd_def *d)
{
	int *missing = arg;
	if (d->flags & CMD_INTERNAL)
		return;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "COMMAND DOCS %s", d->name);
	struct harness *h = h_new(1);
	const char *r = h_run(h, cmd);
	if (!strstr(r, "$7\r\nsummary\r\n")) {
		fprintf(stderr, "\n  no generated docs for '%s': add it to tools/gen-command-docs.py\n",
			d->name);
		(*missing)++;
	}
	h_free(h);
	if (!(d->flags & CMD_CONTAINER) || strcmp(d->name, "debug") == 0)
		return;
	for (const struct cmd_def *s = d->subcmds; s && s->name; s++)
		check_documented(arg, s);
}

static void test_docs_cover_table(void)
{
	struct harness *h = h_new(1);
	int missing = 0;
	cmd_table_foreach(h_env(h, 0)->table, check_documented, &missing);
	CU_ASSERT_EQUAL(missing, 0);
	h_free(h);
}

static void test_command(void)
{
	struct harness *h = h_new(1);
	EXPECT(h, "COMMAND INFO get set mset client|list nosuch", info_resp2);
	EXPECT(h, "COMMAND INFO GET SET MSET CLIENT|LIST nosuch", info_resp2);
	EXPECT(h, "COMMAND INFO hello",
	       "*1\r\n*10\r\n$5\r\nhello\r\n:-1\r\n*6\r\n+noscript\r\n+loading\r\n+stale\r\n"
	       "+fast\r\n+no_auth\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n"
	       "+@connection\r\n*0\r\n*0\r\n*0\r\n");
	EXPECT(h, "COMMAND DOCS get nosuch",
	       "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\n"
	       "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n"
	       "O(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n"
	       "$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");
	EXPECT(h, "COMMAND DOCS nosuch", "*0\r\n");
	EXPECT(h, "COMMAND INFO __info debug|sleep", "*2\r\n$-1\r\n$-1\r\n");
	EXPECT(h, "COMMAND GETKEYS get a", "*1\r\n$1\r\na\r\n");
	EXPECT(h, "COMMAND GETKEYS mset a 1 b 2", "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
	EXPECT(h, "COMMAND GETKEYS ping x", "-ERR The command has no key arguments\r\n");
	EXPECT(h, "COMMAND GETKEYS nosuch x", "-ERR Invalid command specified\r\n");
	EXPECT(h, "COMMAND GETKEYS get a b", "-ERR Invalid number of arguments specified for command\r\n");
	EXPECT(h, "COMMAND GETKEYS client list", "-ERR The command has no key arguments\r\n");
	EXPECT(h, "COMMAND GETKEYS get", "-ERR wrong number of arguments for 'command|getkeys' command\r\n");
	EXPECT(h, "COMMAND LIST FILTERBY x y", "-ERR syntax error\r\n");
	EXPECT(h, "COMMAND LIST FILTERBY PATTERN client|n*", "*1\r\n$15\r\nclient|no-evict\r\n");
	EXPECT(h, "COMMAND LIST FILTERBY MODULE x", "*0\r\n");
	EXPECT(h, "COMMAND COUNT x", "-ERR wrong number of arguments for 'command|count' command\r\n");
	EXPECT(h, "COMMAND foo", "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n");

	struct count_walk cw = {0};
	cmd_table_foreach(h_env(h, 0)->table, count_row, &cw);
	char want[64];
	snprintf(want, sizeof(want), ":%ld\r\n", cw.top);
	CU_ASSERT_TRUE(cw.top > 40);
	CU_ASSERT_STRING_EQUAL(h_run(h, "COMMAND COUNT"), want);
	snprintf(want, sizeof(want), "*%ld\r\n", cw.all);
	const char *r = h_run(h, "COMMAND LIST");
	CU_ASSERT_EQUAL(strncmp(r, want, strlen(want)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "$11\r\nclient|list\r\n"));
	CU_ASSERT_PTR_NULL(strstr(r, "__"));
	CU_ASSERT_PTR_NULL(strstr(r, "debug|"));
	snprintf(want, sizeof(want), "*%ld\r\n*10\r\n", cw.top);
	r = h_run(h, "COMMAND");
	CU_ASSERT_EQUAL(strncmp(r, want, strlen(want)), 0);
	r = h_run(h, "COMMAND INFO");
	CU_ASSERT_EQUAL(strncmp(r, want, strlen(want)), 0);
	/* a container lists only wirekv's subcommands */
	r = h_run(h, "COMMAND INFO config");
	static const char config_head[] = "*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n*0\r\n:0\r\n:0\r\n"
					  ":0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*4\r\n*10\r\n";
	CU_ASSERT_EQUAL(strncmp(r, config_head, sizeof(config_head) - 1), 0);
	CU_ASSERT_PTR_NULL(strstr(r, "config|rewrite"));
	r = h_run(h, "COMMAND DOCS client");
	CU_ASSERT_PTR_NOT_NULL(strstr(r, "$11\r\nsubcommands\r\n*18\r\n$14\r\nclient|getname\r\n"));

	EXPECT(h, "HELLO 3", "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
			     "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
			     "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n");
	EXPECT(h, "COMMAND INFO get set mset client|list nosuch", info_resp3);
	EXPECT(h, "COMMAND DOCS get nosuch",
	       "%1\r\n$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\n"
	       "since\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\n"
	       "O(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n"
	       "$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");
	EXPECT(h, "COMMAND DOCS client|getname",
	       "%1\r\n$14\r\nclient|getname\r\n%4\r\n$7\r\nsummary\r\n$31\r\n"
	       "Get the current connection name\r\n$5\r\nsince\r\n$5\r\n2.6.9\r\n$5\r\ngroup\r\n"
	       "$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n");
	h_free(h);
}

static const char doctor[] =
	"I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
	"You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable "
	"it. If we weren't in a deep space mission I'd suggest to take a look at "
	"https://redis.io/topics/latency-monitor.\n";

static void test_latency(void)
{
	struct harness *h = h_new(1);
	EXPECT_TEXT(h, "LATENCY DOCTOR", doctor);
	EXPECT(h, "LATENCY DOCTOR x", "-ERR wrong number of arguments for 'latency|doctor' command\r\n");
	EXPECT(h, "LATENCY foo", "-ERR unknown subcommand 'foo'. Try LATENCY HELP.\r\n");
	h_run(h, "HELLO 3");
	EXPECT_TEXT(h, "LATENCY DOCTOR", doctor);
	h_free(h);
}

static void test_debug(void)
{
	for (int n = 1; n <= 4; n *= 4) {
		struct harness *h = h_new(n);
		EXPECT(h, "DEBUG foo",
		       "-ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.\r\n");
		EXPECT(h, "DEBUG sleep",
		       "-ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP.\r\n");
		EXPECT(h, "DEBUG object",
		       "-ERR unknown subcommand or wrong number of arguments for 'object'. Try DEBUG HELP.\r\n");
		EXPECT(h, "DEBUG", "-ERR wrong number of arguments for 'debug' command\r\n");
		EXPECT(h, "DEBUG sleep 0", "+OK\r\n");
		EXPECT(h, "DEBUG sleep x", "+OK\r\n");
		EXPECT(h, "DEBUG SLEEP 0.01", "+OK\r\n");
		EXPECT(h, "DEBUG object nokey", "-ERR no such key\r\n");
		int w = n - 1;
		char key[64], cmd[128];
		snprintf(key, sizeof(key), "%s", h_key_on(h, w, "num"));
		put_key(h, w, key, "1", 0);
		snprintf(cmd, sizeof(cmd), "DEBUG OBJECT %s", key);
		EXPECT_HAS(h, cmd, " refcount:2147483647 encoding:int serializedlength:2 lru:");
		CU_ASSERT_EQUAL(h_last_subrequests(h), 1);
		put_key(h, w, key, "12345678", 0);
		EXPECT_HAS(h, cmd, " refcount:1 encoding:int serializedlength:5 lru:");
		put_key(h, w, key, "hello", 0);
		EXPECT_HAS(h, cmd, " refcount:1 encoding:embstr serializedlength:6 lru:");
		CU_ASSERT_EQUAL(strncmp(h_run(h, cmd), "+Value at:0x", 12), 0);
		h_advance_ms(h, 3000);
		EXPECT_HAS(h, cmd, " lru_seconds_idle:3\r\n");
		put_key(h, w, key, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0);
		EXPECT_HAS(h, cmd, " refcount:1 encoding:raw serializedlength:");
		/* no hit or miss counted, as in Redis */
		for (int i = 0; i < n; i++) {
			CU_ASSERT_EQUAL(h_env(h, i)->stats->keyspace_hits, 0);
			CU_ASSERT_EQUAL(h_env(h, i)->stats->keyspace_misses, 0);
		}
		h_free(h);
	}
}

static int shutdowns;
static void count_shutdown(struct cmd_env *env) { (void)env; shutdowns++; }

static void test_shutdown(void)
{
	struct harness *h = h_new(1);
	h_env(h, 0)->shutdown = count_shutdown;
	EXPECT(h, "SHUTDOWN ABORT", "-ERR No shutdown in progress.\r\n");
	EXPECT(h, "SHUTDOWN foo", "-ERR syntax error\r\n");
	EXPECT(h, "SHUTDOWN NOSAVE SAVE", "-ERR syntax error\r\n");
	EXPECT(h, "SHUTDOWN ABORT NOW", "-ERR syntax error\r\n");
	EXPECT(h, "SHUTDOWN NOW x", "-ERR syntax error\r\n");
	CU_ASSERT_EQUAL(shutdowns, 0);
	EXPECT(h, "SHUTDOWN NOSAVE NOW FORCE", "");
	CU_ASSERT_EQUAL(shutdowns, 1);
	EXPECT(h, "SHUTDOWN", "");
	CU_ASSERT_EQUAL(shutdowns, 2);
	h_free(h);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{"ping_echo_time", test_ping_echo_time},
		{"hello", test_hello},
		{"auth_without_password", test_auth_without_password},
		{"auth_with_password", test_auth_with_password},
		{"select_quit_reset", test_select_quit_reset},
		{"client_basic", test_client_basic},
		{"client_help", test_client_help},
		{"client_kill", test_client_kill},
		{"client_list_workers", test_client_list_workers},
		{"config_get", test_config_get},
		{"config_set", test_config_set},
		{"config_resetstat", test_config_resetstat},
		{"info", test_info},
		{"command", test_command},
		{"docs_cover_table", test_docs_cover_table},
		{"latency", test_latency},
		{"debug", test_debug},
		{"shutdown", test_shutdown},
	};

	return cunit_run_one("cmd_server", tests);
}
