/* lib/config: redis.conf syntax, every directive's values and errors, the
 * command line, CONFIG SET / CONFIG GET texts (as redis-server 7.0.15
 * prints them) and copies. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config/config.h"
#include "cunit_main.h"

static char tmpdir[128];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static const char *tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* Loads text as a file into a fresh config; returns config_load_file's rc. */
static int load_text(struct wk_config *c, const char *text, struct config_error *err)
{
	config_init(c);
	memset(err, 0, sizeof(*err));
	write_file("t.conf", text);
	return config_load_file(c, tmp_path("t.conf"), err);
}

/* A one-line file must fail with exactly msg, reported at line 1. */
static void expect_line_error(const char *line, const char *msg)
{
	struct wk_config c;
	struct config_error err;
	int rc = load_text(&c, line, &err);

	CU_ASSERT_EQUAL(rc, -1);
	if (rc != -1 || strcmp(err.msg, msg) || err.line != 1) {
		fprintf(stderr, "\n  line '%s': rc %d, line %d, msg '%s' (want '%s')\n",
			line, rc, err.line, err.msg, msg);
		CU_FAIL("wrong error");
	}
	config_free(&c);
}

/* CONFIG GET value of one directive, via config_foreach. */
struct get_one {
	const char *name;
	char value[1024];
	int found;
};

static void get_one_cb(void *arg, const char *name, const char *value)
{
	struct get_one *g = arg;

	if (!strcmp(name, g->name)) {
		snprintf(g->value, sizeof(g->value), "%s", value);
		g->found++;
	}
}

static const char *get(const struct wk_config *c, const char *name)
{
	static struct get_one g;

	memset(&g, 0, sizeof(g));
	g.name = name;
	config_foreach(c, get_one_cb, &g);
	CU_ASSERT_EQUAL(g.found, 1);
	return g.found == 1 ? g.value : "<missing>";
}

static void expect_get(const struct wk_config *c, const char *name, const char *want)
{
	const char *v = get(c, name);

	if (strcmp(v, want)) {
		fprintf(stderr, "\n  CONFIG GET %s: '%s' (want '%s')\n", name, v, want);
		CU_FAIL("wrong CONFIG GET value");
	}
}

static void expect_set_error(struct wk_config *c, const char *name, const char *value,
			     const char *want)
{
	char errbuf[512] = "";
	int rc = config_set(c, name, value, errbuf, sizeof(errbuf));

	CU_ASSERT_EQUAL(rc, -1);
	if (rc != -1 || strcmp(errbuf, want)) {
		fprintf(stderr, "\n  CONFIG SET %s '%s': rc %d '%s'\n  (want '%s')\n",
			name, value, rc, errbuf, want);
		CU_FAIL("wrong CONFIG SET error");
	}
}

static void expect_set_ok(struct wk_config *c, const char *name, const char *value)
{
	char errbuf[512] = "";
	int rc = config_set(c, name, value, errbuf, sizeof(errbuf));

	if (rc) {
		fprintf(stderr, "\n  CONFIG SET %s '%s' failed: %s\n", name, value, errbuf);
		CU_FAIL("CONFIG SET failed");
	}
}

/* ---------------------------------------------------------------- */

static void test_defaults(void)
{
	struct wk_config c;

	config_init(&c);
	CU_ASSERT_EQUAL(c.port, 6379);
	CU_ASSERT_EQUAL(c.nbind, 1);
	CU_ASSERT_STRING_EQUAL(c.bind[0], "127.0.0.1");
	CU_ASSERT_EQUAL(c.threads, 0);
	CU_ASSERT_EQUAL(c.io_backend, IO_BACKEND_URING);
	CU_ASSERT_PTR_NULL(c.requirepass);
	CU_ASSERT_EQUAL(c.maxclients, 10000);
	CU_ASSERT_EQUAL(c.timeout, 0);
	CU_ASSERT_EQUAL(c.tcp_backlog, 511);
	CU_ASSERT_EQUAL(c.databases, 16);
	CU_ASSERT_EQUAL(c.hz, 10);
	CU_ASSERT_EQUAL(c.loglevel, LL_NOTICE);
	CU_ASSERT_STRING_EQUAL(c.logfile, "");
	CU_ASSERT_EQUAL(c.maxmemory, 0);
	CU_ASSERT_EQUAL(c.maxmemory_policy, MM_NOEVICTION);
	CU_ASSERT_EQUAL(c.proto_max_bulk_len, 536870912LL);
	CU_ASSERT_EQUAL(c.client_query_buffer_limit, 1073741824LL);
	CU_ASSERT_EQUAL(c.obuf_hard_limit, 0);
	CU_ASSERT_EQUAL(c.obuf_soft_limit, 0);
	CU_ASSERT_EQUAL(c.obuf_soft_seconds, 0);
	CU_ASSERT_EQUAL(c.io_coalesce_us, 200);
	/* As redis-server 7.0.15 prints its defaults. */
	expect_get(&c, "port", "6379");
	expect_get(&c, "bind", "127.0.0.1");
	expect_get(&c, "threads", "0");
	expect_get(&c, "io-backend", "uring");
	expect_get(&c, "requirepass", "");
	expect_get(&c, "maxclients", "10000");
	expect_get(&c, "timeout", "0");
	expect_get(&c, "tcp-backlog", "511");
	expect_get(&c, "databases", "16");
	expect_get(&c, "hz", "10");
	expect_get(&c, "loglevel", "notice");
	expect_get(&c, "logfile", "");
	expect_get(&c, "maxmemory", "0");
	expect_get(&c, "maxmemory-policy", "noeviction");
	expect_get(&c, "proto-max-bulk-len", "536870912");
	expect_get(&c, "client-query-buffer-limit", "1073741824");
	expect_get(&c, "client-output-buffer-limit",
		   "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
	expect_get(&c, "save", "");
	expect_get(&c, "appendonly", "no");
	expect_get(&c, "ip", "");
	expect_get(&c, "gateway", "");
	expect_get(&c, "mtu", "1500");
	expect_get(&c, "dpdk-args", "");
	expect_get(&c, "dpdk-port", "0");
	expect_get(&c, "net-impair", "");
	CU_ASSERT_EQUAL(c.mtu, 1500);
	CU_ASSERT_PTR_NULL(c.dpdk_args);
	CU_ASSERT_FALSE(config_impair_on(&c.impair));
	config_free(&c);
	CU_ASSERT_STRING_EQUAL(config_policy_name(MM_ALLKEYS_LRU), "allkeys-lru");
	CU_ASSERT_STRING_EQUAL(config_loglevel_name(LL_WARNING), "warning");
}

static void test_syntax(void)
{
	struct wk_config c;
	struct config_error err;

	/* Comments, blank lines, indentation, CRLF, case-insensitive names,
	 * the last occurrence wins. */
	CU_ASSERT_EQUAL(load_text(&c,
		"# a comment\n"
		"\n"
		"   \t\n"
		"   # indented comment\n"
		"PORT 7000\r\n"
		"  Hz 20  \n"
		"port 7001\n"
		"LogLevel WARNING\n", &err), 0);
	CU_ASSERT_EQUAL(c.port, 7001);
	CU_ASSERT_EQUAL(c.hz, 20);
	CU_ASSERT_EQUAL(c.loglevel, LL_WARNING);
	config_free(&c);

	/* Double quotes with escapes, single quotes, quotes inside a word. */
	CU_ASSERT_EQUAL(load_text(&c, "requirepass \"a\\x41b\\n\\t\\\"q\\\\\"\n", &err), 0);
	CU_ASSERT_STRING_EQUAL(c.requirepass, "aAb\n\t\"q\\");
	config_free(&c);
	CU_ASSERT_EQUAL(load_text(&c, "requirepass 'it\\'s \"x\"'\n", &err), 0);
	CU_ASSERT_STRING_EQUAL(c.requirepass, "it's \"x\"");
	config_free(&c);
	CU_ASSERT_EQUAL(load_text(&c, "port 63\"80\"\n", &err), 0);
	CU_ASSERT_EQUAL(c.port, 6380);
	config_free(&c);
	CU_ASSERT_EQUAL(load_text(&c, "logfile \"/tmp/a b.log\"\n", &err), 0);
	CU_ASSERT_STRING_EQUAL(c.logfile, "/tmp/a b.log");
	config_free(&c);
	/* "" clears requirepass. */
	CU_ASSERT_EQUAL(load_text(&c, "requirepass x\nrequirepass \"\"\n", &err), 0);
	CU_ASSERT_PTR_NULL(c.requirepass);
	config_free(&c);

	expect_line_error("requirepass \"abc", "Unbalanced quotes in configuration line");
	expect_line_error("requirepass 'abc", "Unbalanced quotes in configuration line");
	expect_line_error("requirepass \"a\"b", "Unbalanced quotes in configuration line");
	expect_line_error("port 6\"3\"80", "Unbalanced quotes in configuration line");
	expect_line_error("foo bar", "Bad directive or wrong number of arguments");
	expect_line_error("port", "wrong number of arguments");
	expect_line_error("port 1 2", "wrong number of arguments");
	expect_line_error("requirepass a b", "wrong number of arguments");
	expect_line_error("include a b", "Bad directive or wrong number of arguments");

	/* The error names the file, the line and the line's text. */
	CU_ASSERT_EQUAL(load_text(&c, "port 1\n\n# x\n  hz abc  \n", &err), -1);
	CU_ASSERT_STRING_EQUAL(err.file, tmp_path("t.conf"));
	CU_ASSERT_EQUAL(err.line, 4);
	CU_ASSERT_STRING_EQUAL(err.directive, "hz abc");
	CU_ASSERT_STRING_EQUAL(err.msg, "argument couldn't be parsed into an integer");
	char line[600], want[600];

	config_format_error(&err, line, sizeof(line));
	snprintf(want, sizeof(want), "%s:4: 'hz abc': argument couldn't be parsed into an integer",
		 tmp_path("t.conf"));
	CU_ASSERT_STRING_EQUAL(line, want);
	config_free(&c);
}

static void test_unreadable(void)
{
	struct wk_config c;
	struct config_error err;
	char want[600], line[700];

	config_init(&c);
	CU_ASSERT_EQUAL(config_load_file(&c, tmp_path("missing.conf"), &err), -1);
	snprintf(want, sizeof(want),
		 "Fatal error, can't open config file '%s': No such file or directory",
		 tmp_path("missing.conf"));
	CU_ASSERT_STRING_EQUAL(err.msg, want);
	CU_ASSERT_STRING_EQUAL(err.file, tmp_path("missing.conf"));
	CU_ASSERT_EQUAL(err.line, 0);
	config_format_error(&err, line, sizeof(line));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
	config_free(&c);
}

static void test_include(void)
{
	struct wk_config c;
	struct config_error err;
	char cwd[PATH_MAX];

	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	/* Relative include paths are relative to the process's cwd. */
	CU_ASSERT_EQUAL_FATAL(chdir(tmpdir), 0);
	write_file("inc.conf", "# included\nport 7002\nhz 30\n");
	CU_ASSERT_EQUAL(load_text(&c, "port 1\ninclude inc.conf\nhz 40\n", &err), 0);
	CU_ASSERT_EQUAL(c.port, 7002);   /* included after port 1 */
	CU_ASSERT_EQUAL(c.hz, 40);       /* set again after the include */
	config_free(&c);

	/* An error inside the included file names that file and its line. */
	write_file("bad.conf", "port 7\n\nmaxmemory 10q\n");
	CU_ASSERT_EQUAL(load_text(&c, "hz 5\ninclude bad.conf\n", &err), -1);
	CU_ASSERT_STRING_EQUAL(err.file, "bad.conf");
	CU_ASSERT_EQUAL(err.line, 3);
	CU_ASSERT_STRING_EQUAL(err.directive, "maxmemory 10q");
	CU_ASSERT_STRING_EQUAL(err.msg, "argument must be a memory value");
	config_free(&c);

	/* A missing include: Redis's text, at the include line. */
	CU_ASSERT_EQUAL(load_text(&c, "\ninclude nope.conf\n", &err), -1);
	CU_ASSERT_EQUAL(err.line, 2);
	CU_ASSERT_STRING_EQUAL(err.directive, "include nope.conf");
	CU_ASSERT_STRING_EQUAL(err.msg,
		"Fatal error, can't open config file 'nope.conf': No such file or directory");
	config_free(&c);

	/* Glob patterns, and a pattern matching nothing is no error. */
	write_file("d1.part", "timeout 11\n");
	write_file("d2.part", "timeout 12\n");
	CU_ASSERT_EQUAL(load_text(&c, "include *.part\ninclude none*.zzz\n", &err), 0);
	CU_ASSERT_EQUAL(c.timeout, 12);
	config_free(&c);

	/* A file that includes itself stops at the depth limit. */
	write_file("loop.conf", "include loop.conf\n");
	CU_ASSERT_EQUAL(load_text(&c, "include loop.conf\n", &err), -1);
	CU_ASSERT_STRING_EQUAL(err.file, "loop.conf");
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "include nesting"));
	config_free(&c);

	CU_ASSERT_EQUAL(chdir(cwd), 0);
}

static void test_units(void)
{
	static const struct {
		const char *text;
		long long bytes;
	} ok[] = {
		{ "0", 0 }, { "100", 100 }, { "5b", 5 }, { "5B", 5 },
		{ "1k", 1000 }, { "1K", 1000 }, { "1kb", 1024 }, { "1KB", 1024 },
		{ "2m", 2000000 }, { "2mb", 2097152 }, { "2Mb", 2097152 },
		{ "3g", 3000000000LL }, { "3gb", 3221225472LL }, { "3GB", 3221225472LL },
		{ "007", 7 }, { "\"\"", 0 }, { "k", 0 },
	};
	static const char *const bad[] = {
		"-1", "1.5mb", "0x10", "10q", "1 kb", "1kib", "+1", "99999999999999999999gb",
	};
	struct wk_config c;
	struct config_error err;
	char line[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "maxmemory %s\n", ok[i].text);
		CU_ASSERT_EQUAL(load_text(&c, line, &err), 0);
		CU_ASSERT_EQUAL(c.maxmemory, ok[i].bytes);
		config_free(&c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "maxmemory \"%s\"", bad[i]);
		expect_line_error(line, "argument must be a memory value");
	}
}

/* Each directive's accepted values land in the struct. */
static void test_good_values(void)
{
	struct wk_config c;
	struct config_error err;

	CU_ASSERT_EQUAL(load_text(&c,
		"port 0\n"
		"bind 127.0.0.1 ::1 -10.0.0.1 -::1 * ::*\n"
		"threads 256\n"
		"io-backend URING\n"
		"requirepass s3cret\n"
		"maxclients 4294967295\n"
		"timeout 2147483647\n"
		"tcp-backlog 0\n"
		"databases 1\n"
		"hz 500\n"
		"loglevel nothing\n"
		"logfile /tmp/wirekv.log\n"
		"maxmemory 1gb\n"
		"maxmemory-policy allkeys-lfu\n"
		"proto-max-bulk-len 1mb\n"
		"client-query-buffer-limit 2mb\n"
		"client-output-buffer-limit normal 1mb 2k 3 replica 1 2 3 pubsub 4 5 6\n"
		"save \"\"\n"
		"save\n"
		"appendonly no\n"
		"io-coalesce-us 0\n", &err), 0);
	CU_ASSERT_EQUAL(c.port, 0);
	CU_ASSERT_EQUAL_FATAL(c.nbind, 6);
	CU_ASSERT_STRING_EQUAL(c.bind[0], "127.0.0.1");
	CU_ASSERT_STRING_EQUAL(c.bind[1], "::1");
	CU_ASSERT_STRING_EQUAL(c.bind[2], "-10.0.0.1");
	CU_ASSERT_STRING_EQUAL(c.bind[3], "-::1");
	CU_ASSERT_STRING_EQUAL(c.bind[5], "::*");
	CU_ASSERT_EQUAL(c.threads, 256);
	CU_ASSERT_EQUAL(c.io_backend, IO_BACKEND_URING);
	CU_ASSERT_STRING_EQUAL(c.requirepass, "s3cret");
	CU_ASSERT_EQUAL(c.maxclients, 4294967295LL);
	CU_ASSERT_EQUAL(c.timeout, 2147483647LL);
	CU_ASSERT_EQUAL(c.tcp_backlog, 0);
	CU_ASSERT_EQUAL(c.databases, 1);
	CU_ASSERT_EQUAL(c.hz, 500);
	CU_ASSERT_EQUAL(c.loglevel, LL_NOTHING);
	CU_ASSERT_STRING_EQUAL(c.logfile, "/tmp/wirekv.log");
	CU_ASSERT_EQUAL(c.maxmemory, 1073741824LL);
	CU_ASSERT_EQUAL(c.maxmemory_policy, MM_ALLKEYS_LFU);
	CU_ASSERT_EQUAL(c.proto_max_bulk_len, 1048576);
	CU_ASSERT_EQUAL(c.client_query_buffer_limit, 2097152);
	CU_ASSERT_EQUAL(c.obuf_hard_limit, 1048576);
	CU_ASSERT_EQUAL(c.obuf_soft_limit, 2000);
	CU_ASSERT_EQUAL(c.obuf_soft_seconds, 3);
	CU_ASSERT_EQUAL(c.io_coalesce_us, 0);
	expect_get(&c, "io-coalesce-us", "0");
	expect_get(&c, "bind", "127.0.0.1 ::1 -10.0.0.1 -::1 * ::*");
	/* Only the normal class is kept. */
	expect_get(&c, "client-output-buffer-limit",
		   "normal 1048576 2000 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
	config_free(&c);

	/* Every policy name, and hz clamped into 1..500 like Redis. */
	static const char *const policies[] = {
		"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
		"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction",
	};
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		char line[80];

		snprintf(line, sizeof(line), "maxmemory-policy %s\n", policies[i]);
		CU_ASSERT_EQUAL(load_text(&c, line, &err), 0);
		CU_ASSERT_STRING_EQUAL(config_policy_name(c.maxmemory_policy), policies[i]);
		config_free(&c);
	}
	CU_ASSERT_EQUAL(load_text(&c, "hz 600\n", &err), 0);
	CU_ASSERT_EQUAL(c.hz, 500);
	expect_get(&c, "hz", "500");
	config_free(&c);
	CU_ASSERT_EQUAL(load_text(&c, "hz 0\nport 65535\nlogfile \"\"\n", &err), 0);
	CU_ASSERT_EQUAL(c.hz, 1);
	CU_ASSERT_EQUAL(c.port, 65535);
	CU_ASSERT_STRING_EQUAL(c.logfile, "");
	config_free(&c);
}

/* Each directive's refused values, with redis-server 7.0.15's texts
 * (checked by running it on a one-line file) where Redis has the
 * directive. */
static void test_bad_values(void)
{
	static const struct {
		const char *line, *msg;
	} cases[] = {
		{ "port abc", "argument couldn't be parsed into an integer" },
		{ "port 70000", "argument must be between 0 and 65535 inclusive" },
		{ "port -1", "argument must be between 0 and 65535 inclusive" },
		{ "port 012", "argument couldn't be parsed into an integer" },
		{ "port +12", "argument couldn't be parsed into an integer" },
		{ "port -0", "argument couldn't be parsed into an integer" },
		{ "port \" 12\"", "argument couldn't be parsed into an integer" },
		{ "port 99999999999999999999", "argument couldn't be parsed into an integer" },
		{ "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
		  "Too many bind addresses specified." },
		{ "bind", "bind needs at least one address: wirekv listens only on TCP" },
		{ "bind \"\"", "bind needs at least one address: wirekv listens only on TCP" },
		{ "bind 127.0.0.1 localhost", "Invalid bind address 'localhost'" },
		{ "bind 1.2.3.256", "Invalid bind address '1.2.3.256'" },
		{ "threads 257", "argument must be between 0 and 256 inclusive" },
		{ "threads -1", "argument must be between 0 and 256 inclusive" },
		{ "threads x", "argument couldn't be parsed into an integer" },
		{ "io-backend epoll", "argument(s) must be one of the following: uring, dpdk" },
		{ "maxclients 0", "argument must be between 1 and 4294967295 inclusive" },
		{ "maxclients 1k", "argument couldn't be parsed into an integer" },
		{ "timeout -1", "argument must be between 0 and 2147483647 inclusive" },
		{ "timeout 99999999999", "argument must be between 0 and 2147483647 inclusive" },
		{ "timeout -0", "argument couldn't be parsed into an integer" },
		{ "tcp-backlog -1", "argument must be between 0 and 2147483647 inclusive" },
		{ "databases 0", "argument must be between 1 and 2147483647 inclusive" },
		{ "hz -1", "argument must be between 0 and 2147483647 inclusive" },
		{ "hz abc", "argument couldn't be parsed into an integer" },
		{ "io-coalesce-us 100001", "argument must be between 0 and 100000 inclusive" },
		{ "io-coalesce-us -1", "argument must be between 0 and 100000 inclusive" },
		{ "loglevel xx",
		  "argument(s) must be one of the following: debug, verbose, notice, warning, nothing" },
		{ "maxmemory 10q", "argument must be a memory value" },
		{ "maxmemory-policy x",
		  "argument(s) must be one of the following: volatile-lru, volatile-lfu, "
		  "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction" },
		{ "proto-max-bulk-len 100",
		  "argument must be between 1048576 and 9223372036854775807 inclusive" },
		{ "proto-max-bulk-len -1", "argument must be a memory value" },
		{ "client-query-buffer-limit 100",
		  "argument must be between 1048576 and 9223372036854775807 inclusive" },
		{ "client-output-buffer-limit foo 0 0 0",
		  "Invalid client class specified in buffer limit configuration." },
		{ "client-output-buffer-limit master 0 0 0",
		  "Invalid client class specified in buffer limit configuration." },
		{ "client-output-buffer-limit normal 0 0",
		  "Wrong number of arguments in buffer limit configuration." },
		{ "client-output-buffer-limit normal x 0 0",
		  "Error in hard, soft or soft_seconds setting in buffer limit configuration." },
		{ "client-output-buffer-limit normal 1 2 -3",
		  "Error in hard, soft or soft_seconds setting in buffer limit configuration." },
		{ "appendonly maybe", "argument must be 'yes' or 'no'" },
		{ "appendonly yes", "wirekv has no persistence: appendonly must be no" },
		{ "save 3600 1", "wirekv has no persistence: only save \"\" is accepted" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_line_error(cases[i].line, cases[i].msg);

	/* A refused client-output-buffer-limit leaves the old value alone. */
	struct wk_config c;
	struct config_error err;

	CU_ASSERT_EQUAL(load_text(&c, "client-output-buffer-limit normal 5 6 7\n"
				  "client-output-buffer-limit normal 1 1 1 pubsub x 1 1\n", &err), -1);
	CU_ASSERT_EQUAL(err.line, 2);
	CU_ASSERT_EQUAL(c.obuf_hard_limit, 5);
	CU_ASSERT_EQUAL(c.obuf_soft_seconds, 7);
	config_free(&c);
}

static int run_args(struct wk_config *c, struct config_error *err, int argc, ...)
{
	char *argv[32];
	va_list ap;

	va_start(ap, argc);
	argv[0] = "wirekv-server";
	for (int i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	config_init(c);
	memset(err, 0, sizeof(*err));
	return config_load_args(c, argc, argv, err);
}

static void test_command_line(void)
{
	struct wk_config c;
	struct config_error err;
	char *path;

	write_file("base.conf", "port 7000\nhz 20\nrequirepass filepass\n");
	path = strdup(tmp_path("base.conf"));

	/* The command line overrides the file; what it does not name stays. */
	CU_ASSERT_EQUAL(run_args(&c, &err, 6, path, "--port", "7001", "--bind", "127.0.0.1"), 0);
	CU_ASSERT_EQUAL(c.port, 7001);
	CU_ASSERT_EQUAL(c.hz, 20);
	CU_ASSERT_STRING_EQUAL(c.requirepass, "filepass");
	config_free(&c);

	/* Several values, the last occurrence wins, "--name value" in one word. */
	CU_ASSERT_EQUAL(run_args(&c, &err, 9, "--bind", "127.0.0.1", "::1", "--port", "1",
				 "--port 6380", "--LOGLEVEL", "debug"), 0);
	CU_ASSERT_EQUAL(c.nbind, 2);
	CU_ASSERT_STRING_EQUAL(c.bind[1], "::1");
	CU_ASSERT_EQUAL(c.port, 6380);
	CU_ASSERT_EQUAL(c.loglevel, LL_DEBUG);
	config_free(&c);

	/* After a bare --name the next word is its value, even "--x" (Redis). */
	CU_ASSERT_EQUAL(run_args(&c, &err, 5, "--requirepass", "--port", "--port", "7"), 0);
	CU_ASSERT_STRING_EQUAL(c.requirepass, "--port");
	CU_ASSERT_EQUAL(c.port, 7);
	config_free(&c);

	/* `--save` with nothing after it means save "" (Redis's special case). */
	CU_ASSERT_EQUAL(run_args(&c, &err, 6, "--save", "--port", "5", "--appendonly", "no"), 0);
	CU_ASSERT_EQUAL(c.port, 5);
	config_free(&c);
	CU_ASSERT_EQUAL(run_args(&c, &err, 4, "--port", "5", "--save"), 0);
	config_free(&c);

	/* Errors: "(command line)", line 0, the line as Redis rebuilds it. */
	CU_ASSERT_EQUAL(run_args(&c, &err, 3, "--port", "abc"), -1);
	CU_ASSERT_STRING_EQUAL(err.file, "(command line)");
	CU_ASSERT_EQUAL(err.line, 0);
	CU_ASSERT_STRING_EQUAL(err.directive, "port \"abc\"");
	CU_ASSERT_STRING_EQUAL(err.msg, "argument couldn't be parsed into an integer");
	char line[600];

	config_format_error(&err, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "(command line):0: 'port \"abc\"': "
			       "argument couldn't be parsed into an integer");
	config_free(&c);

	CU_ASSERT_EQUAL(run_args(&c, &err, 3, "--foo", "bar"), -1);
	CU_ASSERT_STRING_EQUAL(err.directive, "foo \"bar\"");
	CU_ASSERT_STRING_EQUAL(err.msg, "Bad directive or wrong number of arguments");
	config_free(&c);
	CU_ASSERT_EQUAL(run_args(&c, &err, 4, "--port", "1", "--port"), -1);
	CU_ASSERT_STRING_EQUAL(err.directive, "port");
	CU_ASSERT_STRING_EQUAL(err.msg, "wrong number of arguments");
	config_free(&c);
	CU_ASSERT_EQUAL(run_args(&c, &err, 4, "--requirepass", "a", "b"), -1);
	CU_ASSERT_STRING_EQUAL(err.directive, "requirepass \"a\" \"b\"");
	CU_ASSERT_STRING_EQUAL(err.msg, "wrong number of arguments");
	config_free(&c);
	/* io-backend dpdk needs ip and dpdk-args, checked once all is read */
	CU_ASSERT_EQUAL(run_args(&c, &err, 3, "--io-backend", "dpdk"), -1);
	CU_ASSERT_STRING_EQUAL(err.file, "(command line)");
	CU_ASSERT_STRING_EQUAL(err.msg,
		"io-backend dpdk needs 'ip' (our address and prefix, e.g. ip 198.18.0.2/24)");
	config_free(&c);

	/* A file error comes before the command line is looked at. */
	write_file("broken.conf", "port x\n");
	free(path);
	path = strdup(tmp_path("broken.conf"));
	CU_ASSERT_EQUAL(run_args(&c, &err, 4, path, "--port", "1"), -1);
	CU_ASSERT_STRING_EQUAL(err.file, path);
	CU_ASSERT_EQUAL(err.line, 1);
	config_free(&c);
	free(path);
	path = strdup(tmp_path("nothere.conf"));
	CU_ASSERT_EQUAL(run_args(&c, &err, 2, path), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "can't open config file"));
	config_free(&c);
	free(path);

	/* No arguments at all: defaults. */
	CU_ASSERT_EQUAL(run_args(&c, &err, 1), 0);
	CU_ASSERT_EQUAL(c.port, 6379);
	config_free(&c);
}

static void test_config_set(void)
{
	struct wk_config c;

	config_init(&c);
	/* Texts as redis-server 7.0.15 replies them (without "ERR "). */
	expect_set_error(&c, "foo", "bar",
		"Unknown option or number of arguments for CONFIG SET - 'foo'");
	expect_set_error(&c, "FOO", "3",
		"Unknown option or number of arguments for CONFIG SET - 'FOO'");
	static const char *const immutable[] = {
		"port", "bind", "threads", "io-backend", "databases", "tcp-backlog",
		"logfile", "DATABASES", "ip", "gateway", "mtu", "dpdk-args", "dpdk-port",
		"net-impair",
	};
	for (size_t i = 0; i < sizeof(immutable) / sizeof(immutable[0]); i++) {
		char want[200];

		snprintf(want, sizeof(want),
			 "CONFIG SET failed (possibly related to argument '%s') - can't set immutable config",
			 immutable[i]);
		expect_set_error(&c, immutable[i], "1", want);
	}
	expect_set_error(&c, "maxmemory", "abc",
		"CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
	expect_set_error(&c, "maxmemory", "-1",
		"CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
	expect_set_error(&c, "maxclients", "0",
		"CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive");
	expect_set_error(&c, "maxclients", "abc",
		"CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer");
	expect_set_error(&c, "timeout", "-1",
		"CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive");
	expect_set_error(&c, "timeout", "1k",
		"CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer");
	expect_set_error(&c, "hz", "",
		"CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer");
	expect_set_error(&c, "maxmemory-policy", "foo",
		"CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction");
	expect_set_error(&c, "proto-max-bulk-len", "10",
		"CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive");
	expect_set_error(&c, "client-output-buffer-limit", "normal 1 2",
		"CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.");
	expect_set_error(&c, "client-output-buffer-limit", "foo 1 2 3",
		"CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.");
	expect_set_error(&c, "client-output-buffer-limit", "normal x 2k 3",
		"CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or soft_seconds setting in buffer limit configuration.");
	expect_set_error(&c, "appendonly", "maybe",
		"CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'");
	/* Nothing above changed anything. */
	expect_get(&c, "maxmemory", "0");
	expect_get(&c, "maxclients", "10000");
	expect_get(&c, "client-output-buffer-limit",
		   "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");

	/* Accepted values, read back as Redis prints them. */
	expect_set_ok(&c, "maxmemory", "1kb");
	expect_get(&c, "maxmemory", "1024");
	expect_set_ok(&c, "maxmemory", "");
	expect_get(&c, "maxmemory", "0");
	expect_set_ok(&c, "maxmemory", "100mb");
	expect_get(&c, "maxmemory", "104857600");
	expect_set_ok(&c, "hz", "600");
	expect_get(&c, "hz", "500");
	expect_set_ok(&c, "hz", "0");
	expect_get(&c, "hz", "1");
	expect_set_ok(&c, "LOGLEVEL", "Warning");
	expect_get(&c, "loglevel", "warning");
	CU_ASSERT_EQUAL(c.loglevel, LL_WARNING);
	expect_set_ok(&c, "maxmemory-policy", "allkeys-lru");
	expect_get(&c, "maxmemory-policy", "allkeys-lru");
	expect_set_ok(&c, "requirepass", "pw");
	expect_get(&c, "requirepass", "pw");
	CU_ASSERT_STRING_EQUAL(c.requirepass, "pw");
	expect_set_ok(&c, "requirepass", "");
	expect_get(&c, "requirepass", "");
	CU_ASSERT_PTR_NULL(c.requirepass);
	expect_set_ok(&c, "maxclients", "5");
	expect_get(&c, "maxclients", "5");
	expect_set_ok(&c, "timeout", "300");
	expect_get(&c, "timeout", "300");
	expect_set_ok(&c, "proto-max-bulk-len", "1gb");
	expect_get(&c, "proto-max-bulk-len", "1073741824");
	expect_set_ok(&c, "client-query-buffer-limit", "2mb");
	expect_get(&c, "client-query-buffer-limit", "2097152");
	expect_set_ok(&c, "client-output-buffer-limit", "normal 1mb 2k 3");
	expect_get(&c, "client-output-buffer-limit",
		   "normal 1048576 2000 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
	CU_ASSERT_EQUAL(c.obuf_hard_limit, 1048576);
	CU_ASSERT_EQUAL(c.obuf_soft_limit, 2000);
	CU_ASSERT_EQUAL(c.obuf_soft_seconds, 3);
	expect_set_ok(&c, "client-output-buffer-limit", "");
	expect_set_ok(&c, "client-output-buffer-limit", "pubsub 1 2 3");
	CU_ASSERT_EQUAL(c.obuf_hard_limit, 1048576);
	/* The persistence directives take only their "off" value. */
	expect_set_ok(&c, "save", "");
	expect_set_ok(&c, "appendonly", "no");
	expect_get(&c, "save", "");
	expect_get(&c, "appendonly", "no");
	config_free(&c);
}

struct collect {
	int n;
	char names[64][40];
};

static void collect_cb(void *arg, const char *name, const char *value)
{
	struct collect *k = arg;

	CU_ASSERT_PTR_NOT_NULL(value);
	if (k->n < 64)
		snprintf(k->names[k->n++], sizeof(k->names[0]), "%s", name);
}

static void test_foreach_order(void)
{
	struct wk_config c;
	struct collect a = { 0 }, b = { 0 };

	config_init(&c);
	config_foreach(&c, collect_cb, &a);
	config_foreach(&c, collect_cb, &b);
	CU_ASSERT_EQUAL(a.n, 38);
	CU_ASSERT_EQUAL(a.n, b.n);
	for (int i = 0; i < a.n; i++)
		CU_ASSERT_STRING_EQUAL(a.names[i], b.names[i]);
	config_free(&c);
}

static void test_clone(void)
{
	struct wk_config a, b;
	struct config_error err;
	char errbuf[256];

	CU_ASSERT_EQUAL(load_text(&a, "bind 127.0.0.1 ::1\nrequirepass one\n"
				  "logfile /tmp/x.log\nport 7100\n", &err), 0);
	CU_ASSERT_EQUAL_FATAL(config_clone(&b, &a), 0);
	CU_ASSERT_EQUAL(b.port, 7100);
	CU_ASSERT_EQUAL(b.nbind, 2);
	CU_ASSERT_PTR_NOT_EQUAL(a.requirepass, b.requirepass);
	CU_ASSERT_PTR_NOT_EQUAL(a.bind[1], b.bind[1]);
	CU_ASSERT_PTR_NOT_EQUAL(a.logfile, b.logfile);
	CU_ASSERT_STRING_EQUAL(b.requirepass, "one");
	/* Changing or freeing one leaves the other intact. */
	CU_ASSERT_EQUAL(config_set(&a, "requirepass", "two", errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_EQUAL(config_set(&a, "maxmemory", "1mb", errbuf, sizeof(errbuf)), 0);
	CU_ASSERT_STRING_EQUAL(b.requirepass, "one");
	CU_ASSERT_EQUAL(b.maxmemory, 0);
	config_free(&a);
	CU_ASSERT_STRING_EQUAL(b.bind[0], "127.0.0.1");
	CU_ASSERT_STRING_EQUAL(b.bind[1], "::1");
	CU_ASSERT_STRING_EQUAL(b.logfile, "/tmp/x.log");
	config_free(&b);

	/* A default config clones too, and free twice is harmless. */
	config_init(&a);
	CU_ASSERT_EQUAL(config_clone(&b, &a), 0);
	CU_ASSERT_STRING_EQUAL(b.bind[0], "127.0.0.1");
	config_free(&a);
	config_free(&b);
	config_free(&b);
}

/* The DPDK io-backend's directives: values, errors, the cross check. */
static void test_dpdk_directives(void)
{
	struct wk_config c, d;
	struct config_error err;
	char line[700];

	CU_ASSERT_EQUAL_FATAL(load_text(&c,
		"io-backend dpdk\n"
		"ip 198.18.0.2/24\n"
		"gateway 198.18.0.1\n"
		"mtu 9000\n"
		"dpdk-args \"-l 0-1 --no-pci --vdev=net_tap0,iface=wk0\"\n"
		"dpdk-port 1\n"
		"net-impair \"loss 2 reorder 5 dup 0.5 seed 7\"\n", &err), 0);
	CU_ASSERT_EQUAL(c.io_backend, IO_BACKEND_DPDK);
	CU_ASSERT_EQUAL(c.ip, 0xc6120002u);
	CU_ASSERT_EQUAL(c.ip_prefix, 24);
	CU_ASSERT_EQUAL(c.gateway, 0xc6120001u);
	CU_ASSERT_EQUAL(c.mtu, 9000);
	CU_ASSERT_STRING_EQUAL(c.dpdk_args, "-l 0-1 --no-pci --vdev=net_tap0,iface=wk0");
	CU_ASSERT_EQUAL(c.dpdk_port, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.impair.loss_pct, 2.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.impair.reorder_pct, 5.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.impair.dup_pct, 0.5, 1e-9);
	CU_ASSERT_EQUAL(c.impair.delay_us, 0);
	CU_ASSERT_EQUAL(c.impair.seed, 7);
	CU_ASSERT_TRUE(config_impair_on(&c.impair));
	expect_get(&c, "io-backend", "dpdk");
	expect_get(&c, "ip", "198.18.0.2/24");
	expect_get(&c, "gateway", "198.18.0.1");
	expect_get(&c, "mtu", "9000");
	expect_get(&c, "dpdk-args", "-l 0-1 --no-pci --vdev=net_tap0,iface=wk0");
	expect_get(&c, "dpdk-port", "1");
	expect_get(&c, "net-impair", "loss 2 reorder 5 dup 0.5 delay 0 seed 7");
	CU_ASSERT_EQUAL(config_check(&c, "x.conf", &err), 0);
	/* a copy owns its own dpdk-args */
	CU_ASSERT_EQUAL_FATAL(config_clone(&d, &c), 0);
	CU_ASSERT_PTR_NOT_EQUAL(d.dpdk_args, c.dpdk_args);
	config_free(&c);
	CU_ASSERT_STRING_EQUAL(d.dpdk_args, "-l 0-1 --no-pci --vdev=net_tap0,iface=wk0");
	CU_ASSERT_DOUBLE_EQUAL(d.impair.reorder_pct, 5.0, 1e-9);
	config_free(&d);

	/* unquoted words work too, in any order and any subset */
	CU_ASSERT_EQUAL(load_text(&c, "net-impair delay 250 loss 0.25\n", &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.impair.loss_pct, 0.25, 1e-9);
	CU_ASSERT_EQUAL(c.impair.delay_us, 250);
	CU_ASSERT_DOUBLE_EQUAL(c.impair.dup_pct, 0.0, 1e-9);
	CU_ASSERT_EQUAL(load_text(&c, "net-impair \"\"\n", &err), 0);
	CU_ASSERT_FALSE(config_impair_on(&c.impair));
	expect_get(&c, "net-impair", "");
	config_free(&c);

	static const struct {
		const char *line, *msg;
	} bad[] = {
		{ "ip 198.18.0.2", "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24" },
		{ "ip 198.18.0.2/33", "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24" },
		{ "ip 198.18.0.2/0", "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24" },
		{ "ip 198.18.0/24", "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24" },
		{ "ip 0.0.0.0/8", "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24" },
		{ "ip ::1/64", "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24" },
		{ "ip 198.18.0.2/24x", "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24" },
		{ "gateway 198.18.0", "argument must be an IPv4 address, like 198.18.0.1" },
		{ "gateway host", "argument must be an IPv4 address, like 198.18.0.1" },
		{ "mtu 100", "argument must be between 576 and 9000 inclusive" },
		{ "mtu 9001", "argument must be between 576 and 9000 inclusive" },
		{ "mtu x", "argument couldn't be parsed into an integer" },
		{ "dpdk-port -1", "argument must be between 0 and 65535 inclusive" },
		{ "dpdk-args a b", "wrong number of arguments" },
		{ "net-impair loss", "'loss' needs a value" },
		{ "net-impair loss 101", "loss must be a percentage 0..100, got '101'" },
		{ "net-impair dup -1", "dup must be a percentage 0..100, got '-1'" },
		{ "net-impair reorder abc", "reorder must be a percentage 0..100, got 'abc'" },
		{ "net-impair reorder nan", "reorder must be a percentage 0..100, got 'nan'" },
		{ "net-impair delay 1.5", "delay must be 0..1000000 microseconds, got '1.5'" },
		{ "net-impair seed x", "seed must be a non-negative integer, got 'x'" },
		{ "net-impair jitter 3", "unknown net-impair setting 'jitter' (loss, reorder, dup, delay, seed)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_line_error(bad[i].line, bad[i].msg);

	/* cross checks, as wirekv-server reports them (file, no line) */
	CU_ASSERT_EQUAL(run_args(&c, &err, 5, "--io-backend", "dpdk", "--ip", "198.18.0.2/24"), -1);
	config_format_error(&err, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "(command line): io-backend dpdk needs 'dpdk-args' "
			       "(the EAL arguments, e.g. dpdk-args \"-l 0-1 --no-pci --vdev=net_tap0\")");
	config_free(&c);
	CU_ASSERT_EQUAL(run_args(&c, &err, 9, "--io-backend", "dpdk", "--ip", "198.18.0.2/24",
				 "--dpdk-args", "-l 0 --no-pci", "--gateway", "10.0.0.1"), -1);
	CU_ASSERT_STRING_EQUAL(err.msg, "'gateway' is not in the subnet of 'ip'");
	config_free(&c);
	/* the command line works like a file; EAL args start with '-' */
	CU_ASSERT_EQUAL(run_args(&c, &err, 11, "--io-backend", "dpdk", "--ip", "198.18.0.2/24",
				 "--dpdk-args", "--no-pci -l 0", "--net-impair", "loss 2 seed 9",
				 "--mtu", "1400"), 0);
	CU_ASSERT_STRING_EQUAL(c.dpdk_args, "--no-pci -l 0");
	CU_ASSERT_EQUAL(c.impair.seed, 9);
	CU_ASSERT_EQUAL(c.mtu, 1400);
	config_free(&c);
	/* ip without io-backend dpdk is just stored */
	CU_ASSERT_EQUAL(run_args(&c, &err, 3, "--ip", "198.18.0.2/24"), 0);
	config_free(&c);
}

/* config_fit_fd_limit raises a soft open-files limit that is too small for
 * maxclients and the server's own descriptors, and leaves one that is not. */
static void test_fd_limit(void)
{
	struct rlimit saved, rl;
	struct fd_limit r;

	CU_ASSERT_FATAL(getrlimit(RLIMIT_NOFILE, &saved) == 0);
	CU_ASSERT_FATAL(saved.rlim_max >= 256);
	rl = (struct rlimit){ .rlim_cur = 64, .rlim_max = saved.rlim_max };
	CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &rl) == 0);

	/* 2 workers on 1 address: 32 + 2 * (ring + eventfd + listener) */
	CU_ASSERT_EQUAL(config_fit_fd_limit(100, 2, 1, &r), FD_FITS);
	CU_ASSERT_EQUAL(r.reserved, 38);
	CU_ASSERT_EQUAL(r.needed, 138);
	CU_ASSERT_EQUAL(r.old_limit, 64);
	CU_ASSERT_EQUAL(r.new_limit, 138);
	CU_ASSERT_EQUAL(r.maxclients, 100);
	CU_ASSERT(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 138);

	CU_ASSERT_EQUAL(config_fit_fd_limit(10, 2, 1, &r), FD_FITS);
	CU_ASSERT_EQUAL(r.old_limit, 138);
	CU_ASSERT_EQUAL(r.new_limit, 138);
	CU_ASSERT(getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 138);

	CU_ASSERT(setrlimit(RLIMIT_NOFILE, &saved) == 0);
}

/* config/wirekv.conf: the shipped file loads and holds the defaults. */
static void test_shipped_config(void)
{
	char exe[PATH_MAX], path[PATH_MAX * 2];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct wk_config c, d;
	struct config_error err;

	CU_ASSERT_FATAL(n > 0);
	exe[n] = '\0';
	/* The binary is <build>/tests/unit/test_config; __FILE__ is the source
	 * path meson passed, absolute or relative to <build>. */
	for (int i = 0; i < 3; i++)
		*strrchr(exe, '/') = '\0';
	if (__FILE__[0] == '/')
		snprintf(path, sizeof(path), "%s", __FILE__);
	else
		snprintf(path, sizeof(path), "%s/%s", exe, __FILE__);
	*strrchr(path, '/') = '\0';
	strcat(path, "/../../config/wirekv.conf");

	config_init(&c);
	config_init(&d);
	if (config_load_file(&c, path, &err)) {
		char line[700];

		config_format_error(&err, line, sizeof(line));
		fprintf(stderr, "\n  %s\n", line);
		CU_FAIL("config/wirekv.conf does not load");
	}
	CU_ASSERT_EQUAL(c.port, 6379);
	CU_ASSERT_EQUAL(c.nbind, 1);
	CU_ASSERT_STRING_EQUAL(c.bind[0], "127.0.0.1");
	CU_ASSERT_EQUAL(c.threads, 0);
	CU_ASSERT_PTR_NULL(c.requirepass);
	/* Every CONFIG GET value equals the built-in default. */
	struct collect names = { 0 };

	config_foreach(&d, collect_cb, &names);
	for (int i = 0; i < names.n; i++) {
		char want[1024];

		snprintf(want, sizeof(want), "%s", get(&d, names.names[i]));
		expect_get(&c, names.names[i], want);
	}
	config_free(&c);
	config_free(&d);
}

static int make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/wirekv-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "defaults and their CONFIG GET values", test_defaults },
		{ "syntax: quotes, comments, case, last wins", test_syntax },
		{ "unreadable file", test_unreadable },
		{ "include", test_include },
		{ "memory units", test_units },
		{ "every directive's good values", test_good_values },
		{ "every directive's bad values", test_bad_values },
		{ "command line", test_command_line },
		{ "CONFIG SET / GET", test_config_set },
		{ "CONFIG GET order", test_foreach_order },
		{ "io-backend dpdk directives", test_dpdk_directives },
		{ "clone independence", test_clone },
		{ "open-files limit for maxclients", test_fd_limit },
		{ "config/wirekv.conf", test_shipped_config },
	};
	static const struct cunit_suite suites[] = {
		{ "config", make_tmpdir, remove_tmpdir, tests, CUNIT_COUNT(tests) },
	};

	return cunit_run(suites, CUNIT_COUNT(suites));
}
