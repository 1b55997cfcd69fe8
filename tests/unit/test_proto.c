/*
 * lib/proto: request parser, reply encoder, reply reader, integer helpers.
 * Expected texts and bytes were checked against redis-server 7.0.15.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "proto/proto.h"
#include "cunit_main.h"

/* ------------------------------------------------------------ helpers */

struct sbuf {
	char *s;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_add(b, tmp, (size_t)n);
}

/* Adds arg bytes with a length prefix (NUL written as \0). */
static void sb_arg(struct sbuf *b, const char *p, size_t n)
{
	sb_printf(b, "%zu:", n);
	for (size_t i = 0; i < n; i++) {
		const char *nul = memchr(p + i, '\0', n - i);
		size_t run = nul ? (size_t)(nul - (p + i)) : n - i;

		sb_add(b, p + i, run);
		i += run;
		if (nul)
			sb_add(b, "\\0", 2);
	}
	sb_add(b, " ", 1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct stream_opts {
	size_t piece;   /* bytes per delivery; 0 = all at once */
	size_t first;   /* if set, size of the first delivery */
	bool unauth;
	long long max_bulk;
	int cap0;       /* initial argv capacity */
	unsigned long calls; /* out: resp_parse calls made */
};

/*
 * Plays `in` into a parser the way a connection would: bytes arrive in
 * pieces, each call passes the bytes from the start of the current
 * command, argv grows on RESP_ARGV_FULL. Returns a description of what was
 * parsed: "[argc] len:arg ... ;" per command, "ERR:<text>" at an error,
 * "MORE" if input ended inside a command.
 */
static char *run_stream(const char *in, size_t n, struct stream_opts *o)
{
	struct resp_parser p;
	struct sbuf out = { 0 };
	char *cb = malloc(n ? n : 1);
	size_t have = 0, start = 0;
	int cap = o->cap0;
	struct resp_span *argv = malloc(sizeof(*argv) * (size_t)(cap ? cap : 1));

	resp_parser_init(&p, o->max_bulk);
	p.unauth = o->unauth;
	o->calls = 0;
	sb_add(&out, "", 0);
	for (;;) {
		enum resp_status st;
		size_t add;

		o->calls++;
		st = resp_parse(&p, cb + start, have - start, argv, cap);
		switch (st) {
		case RESP_MORE:
			CU_ASSERT(p.need > have - start);
			if (have == n) {
				if (have > start)
					sb_add(&out, "MORE", 4);
				goto end;
			}
			add = n - have;
			if (have == 0 && o->first)
				add = o->first < add ? o->first : add;
			else if (o->piece && o->piece < add)
				add = o->piece;
			memcpy(cb + have, in + have, add);
			have += add;
			break;
		case RESP_ARGV_FULL:
			CU_ASSERT(p.argc_total > cap);
			cap = p.argc_total;
			argv = realloc(argv, sizeof(*argv) * (size_t)cap);
			break;
		case RESP_DONE:
			CU_ASSERT(p.used > 0 && p.used <= have - start);
			CU_ASSERT(p.argc <= cap);
			sb_printf(&out, "[%d] ", p.argc);
			for (int i = 0; i < p.argc; i++) {
				CU_ASSERT(argv[i].off + argv[i].len <= p.used);
				sb_arg(&out, cb + start + argv[i].off, argv[i].len);
			}
			sb_add(&out, ";", 1);
			start += p.used;
			break;
		case RESP_ERR:
			sb_printf(&out, "ERR:%s", p.err);
			goto end;
		}
	}
end:
	free(cb);
	free(argv);
	return out.s;
}

static bool check_eq(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return true;
	fprintf(stderr, "\n  %s:\n    got  [%s]\n    want [%s]\n", what, got,
		want);
	return false;
}

/* Parses in (all at once, then byte by byte) and compares descriptions. */
static void expect_parse(const char *in, size_t n, bool unauth,
			 const char *want)
{
	struct stream_opts o = { .unauth = unauth, .cap0 = 4 };
	char *got = run_stream(in, n, &o);

	CU_ASSERT(check_eq(in, got, want));
	free(got);
	o.piece = 1;
	got = run_stream(in, n, &o);
	CU_ASSERT(check_eq(in, got, want));
	free(got);
}

#define EXPECT(lit, want) expect_parse(lit, sizeof(lit) - 1, false, want)
#define EXPECT_UNAUTH(lit, want) expect_parse(lit, sizeof(lit) - 1, true, want)

/* ------------------------------------------------------------ parser */

static void test_multibulk_basic(void)
{
	char in[] = "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$3\r\nxyz\r\n";
	struct resp_span argv[4];
	struct resp_parser p;

	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(p.max_bulk_len, PROTO_BULK_MAX_DEFAULT);
	CU_ASSERT_EQUAL(resp_parse(&p, in, sizeof(in) - 1, argv, 4), RESP_DONE);
	CU_ASSERT_EQUAL(p.argc, 3);
	CU_ASSERT_EQUAL(p.argc_total, 3);
	CU_ASSERT_EQUAL(p.used, sizeof(in) - 1);
	CU_ASSERT_EQUAL(argv[0].off, 8);
	CU_ASSERT_EQUAL(argv[0].len, 3);
	CU_ASSERT_NSTRING_EQUAL(in + argv[1].off, "key:000000000001", 16);
	CU_ASSERT_EQUAL(argv[1].len, 16);
	CU_ASSERT_NSTRING_EQUAL(in + argv[2].off, "xyz", 3);

	/* ready for the next command right away */
	CU_ASSERT_EQUAL(resp_parse(&p, in, 0, argv, 4), RESP_MORE);
	CU_ASSERT_EQUAL(p.need, 1);

	EXPECT("*1\r\n$0\r\n\r\n", "[1] 0: ;");
	EXPECT("*2\r\n$4\r\nEC\0O\r\n$2\r\n\r\n\r\n", "[2] 4:EC\\0O 2:\r\n ;");
}

static void test_binary_args(void)
{
	static const char in[] = "*2\r\n$4\r\nEC\0O\r\n$2\r\n\r\n\r\n";
	struct resp_span argv[2];
	struct resp_parser p;
	char buf[sizeof(in)];

	memcpy(buf, in, sizeof(in));
	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, buf, sizeof(in) - 1, argv, 2), RESP_DONE);
	CU_ASSERT_EQUAL(argv[0].len, 4);
	CU_ASSERT(memcmp(buf + argv[0].off, "EC\0O", 4) == 0);
	CU_ASSERT_EQUAL(argv[1].len, 2);
	CU_ASSERT(memcmp(buf + argv[1].off, "\r\n", 2) == 0);
}

static void test_empty_commands(void)
{
	EXPECT("*0\r\n", "[0] ;");
	EXPECT("*-1\r\n", "[0] ;");
	EXPECT("*-5\r\nPING\r\n", "[0] ;[1] 4:PING ;");
	EXPECT("\r\n", "[0] ;");
	EXPECT("\n", "[0] ;");
	EXPECT("   \t \r\n", "[0] ;");
	EXPECT("\r\n\r\nPING\r\n", "[0] ;[0] ;[1] 4:PING ;");

	/* the bytes to drop are reported */
	struct resp_parser p;
	char in[] = "*0\r\n*1\r\n";
	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, in, sizeof(in) - 1, NULL, 0), RESP_DONE);
	CU_ASSERT_EQUAL(p.argc, 0);
	CU_ASSERT_EQUAL(p.used, 4);
}

static void test_pipeline(void)
{
	EXPECT("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n"
	       "SET a \"b c\"\n*3\r\n$3\r\nDEL\r\n$1\r\nx\r\n$1\r\ny\r\n",
	       "[1] 4:PING ;[2] 3:GET 1:k ;[1] 4:PING ;[3] 3:SET 1:a 3:b c ;"
	       "[3] 3:DEL 1:x 1:y ;");
	/* an incomplete last command */
	EXPECT("*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\n",
	       "[1] 4:PING ;MORE");
	EXPECT("PING\r\nECHO", "[1] 4:PING ;MORE");
	/* an error after good commands: they are still delivered */
	EXPECT("PING\r\n*1\r\n$x\r\n", "[1] 4:PING ;ERR:Protocol error: invalid bulk length");
}

/* Splitting the stream at any offset, or feeding it in any piece size,
 * gives the same commands as parsing it at once. */
static void test_split_every_offset(void)
{
	static const char in[] =
		"*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$12\r\nhello\r\nworld\r\n"
		"GET 'key:000001'\r\n"
		"*0\r\n"
		"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
		"  ECHO \"a\\x41\\tb\" c\n"
		"\r\n"
		"*1\r\n$4\r\nPING\r\n";
	size_t n = sizeof(in) - 1;
	struct stream_opts o = { .cap0 = 1 };
	char *whole = run_stream(in, n, &o);

	CU_ASSERT(check_eq("whole", whole,
			   "[3] 3:SET 10:key:000001 12:hello\r\nworld ;"
			   "[2] 3:GET 10:key:000001 ;[0] ;[2] 4:INCR 1:n ;"
			   "[3] 4:ECHO 4:aA\tb 1:c ;[0] ;[1] 4:PING ;"));
	for (size_t k = 1; k < n; k++) {
		struct stream_opts s = { .first = k, .cap0 = 1 };
		char *got = run_stream(in, n, &s);

		if (!check_eq("split", got, whole))
			fprintf(stderr, "  at offset %zu\n", k);
		CU_ASSERT_STRING_EQUAL(got, whole);
		free(got);
	}
	for (size_t piece = 1; piece <= 16; piece++) {
		struct stream_opts s = { .piece = piece, .cap0 = 0 };
		char *got = run_stream(in, n, &s);

		CU_ASSERT_STRING_EQUAL(got, whole);
		free(got);
	}
	free(whole);
}

static void test_errors(void)
{
	EXPECT("*2147483648\r\n", "ERR:Protocol error: invalid multibulk length");
	/* redis-server 7.0.15 accepts counts up to INT_MAX */
	EXPECT("*1048577\r\n", "MORE");
	EXPECT("*2147483647\r\n", "MORE");
	EXPECT("*+1\r\n", "ERR:Protocol error: invalid multibulk length");
	EXPECT("*01\r\n", "ERR:Protocol error: invalid multibulk length");
	EXPECT("* 1\r\n", "ERR:Protocol error: invalid multibulk length");
	EXPECT("*\r\n", "ERR:Protocol error: invalid multibulk length");
	EXPECT("*1x\r\n", "ERR:Protocol error: invalid multibulk length");
	EXPECT("*99999999999999999999\r\n",
	       "ERR:Protocol error: invalid multibulk length");
	EXPECT("*1\r\nX\r\n", "ERR:Protocol error: expected '$', got 'X'");
	EXPECT("*1\r\n\r\n", "ERR:Protocol error: expected '$', got ' '");
	EXPECT("*2\r\n$1\r\na\r\n:1\r\n", "ERR:Protocol error: expected '$', got ':'");
	EXPECT("*1\r\n$-1\r\n", "ERR:Protocol error: invalid bulk length");
	EXPECT("*1\r\n$+4\r\nPING\r\n", "ERR:Protocol error: invalid bulk length");
	EXPECT("*1\r\n$04\r\nPING\r\n", "ERR:Protocol error: invalid bulk length");
	EXPECT("*1\r\n$-0\r\n\r\n", "ERR:Protocol error: invalid bulk length");
	EXPECT("*1\r\n$\r\n", "ERR:Protocol error: invalid bulk length");
	EXPECT("*1\r\n$536870913\r\n", "ERR:Protocol error: invalid bulk length");
	EXPECT("ECHO \"ab\"c\r\n", "ERR:Protocol error: unbalanced quotes in request");
	EXPECT("ECHO \"ab\r\n", "ERR:Protocol error: unbalanced quotes in request");
	EXPECT("ECHO 'a'b\r\n", "ERR:Protocol error: unbalanced quotes in request");
	EXPECT("ECHO \"a\\\"\r\n", "ERR:Protocol error: unbalanced quotes in request");
	EXPECT("ECHO 'ab\n", "ERR:Protocol error: unbalanced quotes in request");

	/* a smaller proto-max-bulk-len */
	struct stream_opts o = { .max_bulk = 10, .cap0 = 2 };
	static const char small[] = "*2\r\n$10\r\n0123456789\r\n$11\r\n";
	char *got = run_stream(small, sizeof(small) - 1, &o);
	CU_ASSERT(check_eq("max_bulk", got,
			   "ERR:Protocol error: invalid bulk length"));
	free(got);

	/* Unauthenticated clients (checked with requirepass set) */
	EXPECT_UNAUTH("*11\r\n", "ERR:Protocol error: unauthenticated multibulk length");
	EXPECT_UNAUTH("*2000000\r\n", "ERR:Protocol error: unauthenticated multibulk length");
	EXPECT_UNAUTH("*2147483648\r\n", "ERR:Protocol error: invalid multibulk length");
	EXPECT_UNAUTH("*10\r\n", "MORE");
	EXPECT_UNAUTH("*-1\r\n", "[0] ;");
	EXPECT_UNAUTH("*1\r\n$16385\r\n", "ERR:Protocol error: unauthenticated bulk length");
	EXPECT_UNAUTH("*1\r\n$16384\r\n", "MORE");
	EXPECT_UNAUTH("*1\r\n$-1\r\n", "ERR:Protocol error: invalid bulk length");
	EXPECT_UNAUTH("*1\r\n$536870913\r\n", "ERR:Protocol error: invalid bulk length");
}

/* Lines without their terminator: "too big" only past 64 KB. */
static void test_too_big_lines(void)
{
	size_t big = PROTO_INLINE_MAX_SIZE + 1;
	char *in = malloc(big + 16);
	char *got;
	struct stream_opts o = { .cap0 = 4 };

	memset(in, 'A', big);
	got = run_stream(in, big, &o);
	CU_ASSERT(check_eq("inline", got, "ERR:Protocol error: too big inline request"));
	free(got);
	got = run_stream(in, big - 1, &o); /* exactly 64 KB: still waiting */
	CU_ASSERT_STRING_EQUAL(got, "MORE");
	free(got);

	/* a long line that arrives with its newline is accepted, as Redis
	 * does when it reads it in one go */
	memcpy(in + big, "\r\n", 2);
	got = run_stream(in, big + 2, &o);
	CU_ASSERT_EQUAL(strncmp(got, "[1] 65537:AAAA", 14), 0);
	free(got);

	in[0] = '*';
	memset(in + 1, '1', big - 1);
	got = run_stream(in, big, &o);
	CU_ASSERT(check_eq("mbulk", got, "ERR:Protocol error: too big mbulk count string"));
	free(got);
	got = run_stream(in, big - 1, &o);
	CU_ASSERT_STRING_EQUAL(got, "MORE");
	free(got);

	memcpy(in, "*1\r\n$", 5);
	memset(in + 5, '1', big);
	got = run_stream(in, big + 4, &o);
	CU_ASSERT(check_eq("bulk", got, "ERR:Protocol error: too big bulk count string"));
	free(got);
	in[4] = 'X'; /* the '$' is checked only once the line is complete */
	got = run_stream(in, big + 4, &o);
	CU_ASSERT(check_eq("bulk X", got, "ERR:Protocol error: too big bulk count string"));
	free(got);
	free(in);
}

/* Redis skips the byte after a length line's CR and the two bytes after a
 * bulk without checking them; so do we (redis-server answers +PONG twice). */
static void test_lenient_framing(void)
{
	EXPECT("*1\r\n$4\rXPINGxx*1\r\n$4\r\nPING\r\n",
	       "[1] 4:PING ;[1] 4:PING ;");
	EXPECT("*1\rx$4\r\nPINGxy", "[1] 4:PING ;");
}

static void test_inline_quoting(void)
{
	EXPECT("SET k v\r\n", "[3] 3:SET 1:k 1:v ;");
	EXPECT("  SET   k\tv  \r\n", "[3] 3:SET 1:k 1:v ;");
	EXPECT("ECHO \"a\\x41\\x4g\\n\\q\"\r\n", "[2] 4:ECHO 7:aAx4g\nq ;");
	EXPECT("ECHO \"\\r\\t\\b\\a\\\\\\\"\"\n", "[2] 4:ECHO 6:\r\t\b\a\\\" ;");
	EXPECT("ECHO \"\\xff\\x00z\"\n", "[2] 4:ECHO 3:\xff\\0z ;");
	EXPECT("ECHO 'it\\'s'\r\n", "[2] 4:ECHO 4:it's ;");
	EXPECT("ECHO 'a\\b\\n'\r\n", "[2] 4:ECHO 5:a\\b\\n ;");
	EXPECT("ECHO a\"b c\"\r\n", "[2] 4:ECHO 4:ab c ;");
	EXPECT("ECHO x'y z'\r\n", "[2] 4:ECHO 4:xy z ;");
	EXPECT("ECHO \"\"\r\n", "[2] 4:ECHO 0: ;");
	EXPECT("ECHO ''\r\n", "[2] 4:ECHO 0: ;");
	EXPECT("ECHO \"x\"\v\r\n", "[2] 4:ECHO 1:x ;");
	EXPECT("ECHO \vx\v\r\n", "[2] 4:ECHO 2:x\v ;");
	EXPECT("ECHO a\rb\r\n", "[3] 4:ECHO 1:a 1:b ;");
	EXPECT("ECHO \"a\rb\"\r\n", "[2] 4:ECHO 3:a\rb ;");
	EXPECT("ECHO \"tail\\\"\r\n", "ERR:Protocol error: unbalanced quotes in request");
	/* a NUL ends the arguments, as in sdssplitargs */
	EXPECT("ECHO a\0b c\r\nPING\r\n", "[2] 4:ECHO 1:a ;[1] 4:PING ;");
	/* a lone '*' line is a multibulk, everything else inline */
	EXPECT("$3\r\n", "[1] 2:$3 ;");
}

/* Unescaping happens in the caller's buffer; spans point at the result. */
static void test_inline_in_place(void)
{
	char buf[] = "SET \"k\\x41\" 'v w'\r\nrest";
	struct resp_span argv[3];
	struct resp_parser p;

	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, buf, sizeof(buf) - 1, argv, 3), RESP_DONE);
	CU_ASSERT_EQUAL(p.argc, 3);
	CU_ASSERT_EQUAL(p.used, 19);
	CU_ASSERT_EQUAL(argv[1].len, 2);
	CU_ASSERT_NSTRING_EQUAL(buf + argv[1].off, "kA", 2);
	CU_ASSERT_EQUAL(argv[2].len, 3);
	CU_ASSERT_NSTRING_EQUAL(buf + argv[2].off, "v w", 3);
	CU_ASSERT_STRING_EQUAL(buf + p.used, "rest");
}

static void test_argv_growth(void)
{
	struct resp_parser p;
	struct resp_span small[2], big[8];
	char mb[] = "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n";
	char il[] = "A B C D E\r\n";

	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, mb, sizeof(mb) - 1, small, 2), RESP_ARGV_FULL);
	CU_ASSERT_EQUAL(p.argc_total, 5);
	memcpy(big, small, sizeof(small)); /* as realloc would */
	CU_ASSERT_EQUAL(resp_parse(&p, mb, sizeof(mb) - 1, big, 8), RESP_DONE);
	CU_ASSERT_EQUAL(p.argc, 5);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(big[i].len, 1);
		CU_ASSERT_EQUAL(mb[big[i].off], 'a' + i);
	}

	/* ARGV_FULL comes only when an argument has nowhere to go, so a big
	 * count alone costs the caller nothing */
	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, mb, 4, small, 2), RESP_MORE);
	CU_ASSERT_EQUAL(p.argc_total, 5);

	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, il, sizeof(il) - 1, small, 2), RESP_ARGV_FULL);
	CU_ASSERT_EQUAL(p.argc_total, 5);
	CU_ASSERT_STRING_EQUAL(il, "A B C D E\r\n"); /* untouched so far */
	CU_ASSERT_EQUAL(resp_parse(&p, il, sizeof(il) - 1, big, 8), RESP_DONE);
	CU_ASSERT_EQUAL(p.argc, 5);
	CU_ASSERT_EQUAL(big[4].off, 8);

	/* many arguments, argv starting empty and growing by the hint */
	struct sbuf in = { 0 }, want = { 0 };
	sb_printf(&in, "*1000\r\n");
	sb_printf(&want, "[1000] ");
	for (int i = 0; i < 1000; i++) {
		char a[16];
		int n = snprintf(a, sizeof(a), "%d", i);
		sb_printf(&in, "$%d\r\n%s\r\n", n, a);
		sb_arg(&want, a, (size_t)n);
	}
	sb_add(&want, ";", 1);
	struct stream_opts o = { .piece = 7, .cap0 = 0 };
	char *got = run_stream(in.s, in.len, &o);
	CU_ASSERT_STRING_EQUAL(got, want.s);
	free(got);
	free(in.s);
	free(want.s);
}

static void test_need_hint(void)
{
	char in[] = "*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n";
	struct resp_span argv[2];
	struct resp_parser p;

	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, in, 3, argv, 2), RESP_MORE);
	CU_ASSERT_EQUAL(p.need, 4);
	CU_ASSERT_EQUAL(resp_parse(&p, in, 10, argv, 2), RESP_MORE);
	CU_ASSERT_EQUAL(p.need, 13); /* "$3\r\n" read: GET + CRLF */
	CU_ASSERT_EQUAL(resp_parse(&p, in, 20, argv, 2), RESP_MORE);
	CU_ASSERT_EQUAL(p.need, sizeof(in) - 1);
	CU_ASSERT_EQUAL(p.argc, 1);
	CU_ASSERT_EQUAL(resp_parse(&p, in, sizeof(in) - 2, argv, 2), RESP_MORE);
	CU_ASSERT_EQUAL(p.need, sizeof(in) - 1);
	CU_ASSERT_EQUAL(resp_parse(&p, in, sizeof(in) - 1, argv, 2), RESP_DONE);
	CU_ASSERT_EQUAL(p.used, sizeof(in) - 1);
}

/* A 10 MB bulk in 4 KB pieces, and 1 MB one byte at a time: the parser
 * must not rescan what it has seen (that would take minutes). */
static void test_big_bulk(void)
{
	size_t blen = 10u << 20;
	struct sbuf in = { 0 };
	struct stream_opts o = { .piece = 4096, .cap0 = 3 };
	double t0;
	char *got, *val = malloc(blen);

	for (size_t i = 0; i < blen; i++)
		val[i] = (char)('a' + i % 26);
	sb_printf(&in, "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%zu\r\n", blen);
	sb_add(&in, val, blen);
	sb_add(&in, "\r\n*1\r\n$4\r\nPING\r\n", 16);

	t0 = now_s();
	got = run_stream(in.s, in.len, &o);
	CU_ASSERT(now_s() - t0 < 2.0);
	CU_ASSERT(o.calls < in.len / 4096 + 16);
	CU_ASSERT_EQUAL(strncmp(got, "[3] 3:SET 3:big 10485760:abcdefgh", 33), 0);
	CU_ASSERT_STRING_EQUAL(got + strlen(got) - 13, ";[1] 4:PING ;");
	free(got);

	/* the bulk itself is never scanned: one byte at a time over 1 MB */
	struct sbuf one = { 0 };
	sb_printf(&one, "*1\r\n$%d\r\n", 1 << 20);
	sb_add(&one, val, 1 << 20);
	sb_add(&one, "\r\n", 2);
	o.piece = 1;
	t0 = now_s();
	got = run_stream(one.s, one.len, &o);
	CU_ASSERT(now_s() - t0 < 2.0);
	CU_ASSERT_EQUAL(strncmp(got, "[1] 1048576:abc", 15), 0);
	free(got);

	/* nor are long lines: 60 KB of inline text one byte at a time */
	one.len = 0;
	for (int i = 0; i < 60000; i++)
		sb_add(&one, "x", 1);
	sb_add(&one, "\r\n", 2);
	t0 = now_s();
	got = run_stream(one.s, one.len, &o);
	CU_ASSERT(now_s() - t0 < 2.0);
	CU_ASSERT_EQUAL(strncmp(got, "[1] 60000:xxx", 13), 0);
	free(got);

	free(one.s);
	free(in.s);
	free(val);
}

/* Once the bulk header is read, its payload is never looked at: the
 * pages holding it are made unreadable and the command still completes. */
static void test_bulk_never_rescanned(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), blen = 10u << 20;
	size_t total = 16 + blen + 2, maplen = (total + page - 1) / page * page;
	char *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct resp_span argv[1];
	struct resp_parser p;
	size_t hdr, len;
	enum resp_status st;

	if (m == MAP_FAILED) {
		CU_FAIL("mmap");
		return;
	}
	char head[32];
	hdr = (size_t)snprintf(head, sizeof(head), "*1\r\n$%zu\r\n", blen);
	memcpy(m, head, hdr);
	for (size_t i = 0; i < blen; i += 4096)
		memset(m + hdr + i, 'v', blen - i < 4096 ? blen - i : 4096);
	memcpy(m + hdr + blen, "\r\n", 2);
	total = hdr + blen + 2;

	resp_parser_init(&p, 0);
	CU_ASSERT_EQUAL(resp_parse(&p, m, 4096, argv, 1), RESP_MORE);
	CU_ASSERT_EQUAL(p.need, total);
	CU_ASSERT_EQUAL(mprotect(m + page, maplen - page, PROT_NONE), 0);
	for (len = 8192; len < total; len += 4096) {
		st = resp_parse(&p, m, len, argv, 1);
		CU_ASSERT_EQUAL(st, RESP_MORE);
	}
	CU_ASSERT_EQUAL(resp_parse(&p, m, total, argv, 1), RESP_DONE);
	CU_ASSERT_EQUAL(p.used, total);
	CU_ASSERT_EQUAL(argv[0].off, hdr);
	CU_ASSERT_EQUAL(argv[0].len, blen);
	munmap(m, maplen);
}

/* ------------------------------------------------------------ replies */

static bool reply_is(struct reply *r, const char *want, size_t n)
{
	bool ok = r->len == n && memcmp(r->buf, want, n) == 0 && !r->nomem;

	if (!ok)
		fprintf(stderr, "\n  reply got [%.*s] want [%.*s]\n", (int)r->len,
			r->buf ? r->buf : "", (int)n, want);
	reply_clear(r);
	return ok;
}

#define REPLY_IS(r, lit) CU_ASSERT(reply_is(r, lit, sizeof(lit) - 1))

static void test_reply_scalars(void)
{
	struct reply r2, r3;

	reply_init(&r2, 2);
	reply_init(&r3, 3);
	for (int i = 0; i < 2; i++) {
		struct reply *r = i ? &r3 : &r2;

		reply_status(r, "OK");
		REPLY_IS(r, "+OK\r\n");
		reply_statusn(r, "QUEUEDxx", 6);
		REPLY_IS(r, "+QUEUED\r\n");
		reply_error(r, "ERR syntax error");
		REPLY_IS(r, "-ERR syntax error\r\n");
		reply_error(r, "-WRONGTYPE Operation");
		REPLY_IS(r, "-WRONGTYPE Operation\r\n");
		reply_error(r, "ERR a\r\nb\nc");
		REPLY_IS(r, "-ERR a  b c\r\n");
		reply_errorf(r, "ERR unknown command '%s', with args beginning with: ", "foo");
		REPLY_IS(r, "-ERR unknown command 'foo', with args beginning with: \r\n");
		reply_errorf(r, "\r\nERR %d\r\nx\n\r\n", 5);
		REPLY_IS(r, "-ERR 5  x\r\n");
		reply_int(r, 0);
		REPLY_IS(r, ":0\r\n");
		reply_int(r, -9223372036854775807LL - 1);
		REPLY_IS(r, ":-9223372036854775808\r\n");
		reply_int(r, 9223372036854775807LL);
		REPLY_IS(r, ":9223372036854775807\r\n");
		reply_bulk(r, "a\0b", 3);
		REPLY_IS(r, "$3\r\na\0b\r\n");
		reply_bulk(r, "", 0);
		REPLY_IS(r, "$0\r\n\r\n");
		reply_bulk_cstr(r, "hello");
		REPLY_IS(r, "$5\r\nhello\r\n");
		reply_bulk_ll(r, -42);
		REPLY_IS(r, "$3\r\n-42\r\n");
		reply_array(r, 3);
		REPLY_IS(r, "*3\r\n");
		reply_array(r, 0);
		REPLY_IS(r, "*0\r\n");
		reply_raw(r, "xyz", 3);
		REPLY_IS(r, "xyz");
	}

	reply_null(&r2);
	REPLY_IS(&r2, "$-1\r\n");
	reply_null(&r3);
	REPLY_IS(&r3, "_\r\n");
	reply_null_array(&r2);
	REPLY_IS(&r2, "*-1\r\n");
	reply_null_array(&r3);
	REPLY_IS(&r3, "_\r\n");
	reply_map(&r2, 3);
	REPLY_IS(&r2, "*6\r\n");
	reply_map(&r3, 3);
	REPLY_IS(&r3, "%3\r\n");
	reply_set(&r2, 4);
	REPLY_IS(&r2, "*4\r\n");
	reply_set(&r3, 4);
	REPLY_IS(&r3, "~4\r\n");
	reply_push(&r2, 3);
	REPLY_IS(&r2, "*3\r\n");
	reply_push(&r3, 3);
	REPLY_IS(&r3, ">3\r\n");
	reply_bool(&r2, true);
	REPLY_IS(&r2, ":1\r\n");
	reply_bool(&r2, false);
	REPLY_IS(&r2, ":0\r\n");
	reply_bool(&r3, true);
	REPLY_IS(&r3, "#t\r\n");
	reply_bool(&r3, false);
	REPLY_IS(&r3, "#f\r\n");
	reply_bignum(&r2, "1234567890123456789012", 22);
	REPLY_IS(&r2, "$22\r\n1234567890123456789012\r\n");
	reply_bignum(&r3, "-1234567890123456789012", 23);
	REPLY_IS(&r3, "(-1234567890123456789012\r\n");
	reply_verbatim(&r2, "hello", 5, "txt");
	REPLY_IS(&r2, "$5\r\nhello\r\n");
	reply_verbatim(&r3, "hello", 5, "txt");
	REPLY_IS(&r3, "=9\r\ntxt:hello\r\n");
	reply_verbatim(&r3, "# x", 3, "md");
	REPLY_IS(&r3, "=7\r\nmd :# x\r\n");
	reply_free(&r2);
	reply_free(&r3);
}

/* Bytes as redis-server 7.0.15 sends them for ZSCORE / ZINCRBY. */
static void test_reply_double(void)
{
	struct reply r2, r3;

	reply_init(&r2, 2);
	reply_init(&r3, 3);
	reply_double(&r2, 1.1);
	REPLY_IS(&r2, "$18\r\n1.1000000000000001\r\n");
	reply_double(&r3, 1.1);
	REPLY_IS(&r3, ",1.1000000000000001\r\n");
	reply_double(&r2, 3);
	REPLY_IS(&r2, "$1\r\n3\r\n");
	reply_double(&r3, 3);
	REPLY_IS(&r3, ",3\r\n");
	reply_double(&r2, 0.1);
	REPLY_IS(&r2, "$19\r\n0.10000000000000001\r\n");
	reply_double(&r2, 1e300);
	REPLY_IS(&r2, "$23\r\n1.0000000000000001e+300\r\n");
	reply_double(&r2, 123456789012345678.0);
	REPLY_IS(&r2, "$22\r\n1.2345678901234568e+17\r\n");
	reply_double(&r2, 2.5e-5);
	REPLY_IS(&r2, "$22\r\n2.5000000000000001e-05\r\n");
	reply_double(&r2, INFINITY);
	REPLY_IS(&r2, "$3\r\ninf\r\n");
	reply_double(&r2, -INFINITY);
	REPLY_IS(&r2, "$4\r\n-inf\r\n");
	reply_double(&r3, INFINITY);
	REPLY_IS(&r3, ",inf\r\n");
	reply_double(&r3, -INFINITY);
	REPLY_IS(&r3, ",-inf\r\n");
	reply_double(&r3, 0);
	REPLY_IS(&r3, ",0\r\n");
	reply_free(&r2);
	reply_free(&r3);
}

static void fill_elems(struct reply *r, long n)
{
	for (long i = 0; i < n; i++)
		reply_int(r, i);
}

static void check_deferred(int resp, long n, const char *hdr)
{
	struct reply r, want;
	size_t mark;

	reply_init(&r, resp);
	reply_init(&want, resp);
	reply_status(&r, "before");
	mark = reply_defer(&r);
	fill_elems(&r, n);
	reply_defer_array(&r, mark, n);
	reply_status(&r, "after");

	reply_status(&want, "before");
	reply_raw(&want, hdr, strlen(hdr));
	fill_elems(&want, n);
	reply_status(&want, "after");
	CU_ASSERT_EQUAL(r.len, want.len);
	CU_ASSERT(r.len == want.len && memcmp(r.buf, want.buf, r.len) == 0);
	reply_free(&r);
	reply_free(&want);
}

static void test_reply_deferred(void)
{
	struct reply r;
	size_t m1, m2;

	check_deferred(2, 0, "*0\r\n");
	check_deferred(2, 7, "*7\r\n");
	check_deferred(2, 42, "*42\r\n");
	check_deferred(3, 123, "*123\r\n");
	check_deferred(2, 100000, "*100000\r\n");

	/* nested, maps and sets in both protocols */
	reply_init(&r, 3);
	m1 = reply_defer(&r);
	reply_bulk_cstr(&r, "k");
	m2 = reply_defer(&r);
	reply_int(&r, 1);
	reply_int(&r, 2);
	reply_defer_set(&r, m2, 2);
	reply_defer_map(&r, m1, 1);
	REPLY_IS(&r, "%1\r\n$1\r\nk\r\n~2\r\n:1\r\n:2\r\n");
	reply_free(&r);

	reply_init(&r, 2);
	m1 = reply_defer(&r);
	reply_bulk_cstr(&r, "k");
	m2 = reply_defer(&r);
	reply_int(&r, 1);
	reply_int(&r, 2);
	reply_defer_set(&r, m2, 2);
	reply_defer_map(&r, m1, 1);
	REPLY_IS(&r, "*2\r\n$1\r\nk\r\n*2\r\n:1\r\n:2\r\n");
	reply_free(&r);
}

static void test_reply_nomem(void)
{
	struct reply r;
	size_t mark;

	reply_init(&r, 2);
	reply_status(&r, "OK");
	CU_ASSERT_EQUAL(reply_reserve(&r, (size_t)1 << 62), -ENOMEM);
	CU_ASSERT_FALSE(r.nomem);
	reply_bulk(&r, "x", (size_t)1 << 62); /* cannot be had */
	CU_ASSERT_TRUE(r.nomem);
	CU_ASSERT_EQUAL(r.len, 5);
	/* later appends are dropped too: the buffer stays a clean prefix */
	reply_int(&r, 1);
	mark = reply_defer(&r);
	reply_defer_array(&r, mark, 3);
	CU_ASSERT_EQUAL(r.len, 5);
	CU_ASSERT_NSTRING_EQUAL(r.buf, "+OK\r\n", 5);
	reply_clear(&r);
	CU_ASSERT_FALSE(r.nomem);
	reply_int(&r, 7);
	REPLY_IS(&r, ":7\r\n");
	reply_free(&r);
}

/* ------------------------------------------------------------ reader */

static void test_read_roundtrip(void)
{
	for (int resp = 2; resp <= 3; resp++) {
		struct reply r;
		struct resp_item it;
		size_t pos = 0, mark;

		reply_init(&r, resp);
		reply_status(&r, "OK");
		reply_error(&r, "ERR bad");
		reply_int(&r, -12);
		reply_bulk(&r, "a\r\nb", 4);
		reply_null(&r);
		reply_null_array(&r);
		mark = reply_defer(&r);
		reply_map(&r, 2);
		reply_bulk_cstr(&r, "f1");
		reply_array(&r, 2);
		reply_int(&r, 1);
		reply_null(&r);
		reply_bulk_cstr(&r, "f2");
		reply_double(&r, 1.5);
		reply_set(&r, 1);
		reply_bool(&r, true);
		reply_defer_array(&r, mark, 2);
		reply_verbatim(&r, "txt", 3, "txt");
		reply_bignum(&r, "123", 3);
		CU_ASSERT_FALSE(r.nomem);

		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == '+' && it.len == 2 && !memcmp(it.ptr, "OK", 2));
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == '-' && it.len == 7 && !memcmp(it.ptr, "ERR bad", 7));
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == ':' && it.ival == -12);
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == '$' && it.len == 4 && !memcmp(it.ptr, "a\r\nb", 4));
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT_EQUAL(it.type, '_');
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT_EQUAL(it.type, '_');

		/* the deferred array: skip it whole, then walk it */
		size_t whole = resp_skip_item(r.buf, r.len, pos);
		CU_ASSERT(whole > 0);
		for (size_t cut = 0; cut < whole; cut++)
			CU_ASSERT_EQUAL(resp_skip_item(r.buf, pos + cut, pos), 0);
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == '*' && it.ival == 2);
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT_EQUAL(it.type, resp == 3 ? '%' : '*');
		CU_ASSERT_EQUAL(it.ival, resp == 3 ? 2 : 4);
		size_t inner = resp_skip_item(r.buf, r.len, pos);
		CU_ASSERT(inner > 0);
		pos += inner; /* "f1" */
		pos += resp_skip_item(r.buf, r.len, pos); /* [1, nil] */
		pos += resp_skip_item(r.buf, r.len, pos); /* "f2" */
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == (resp == 3 ? ',' : '$') && it.len == 3 &&
			  !memcmp(it.ptr, "1.5", 3));
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == (resp == 3 ? '~' : '*') && it.ival == 1);
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == (resp == 3 ? '#' : ':') && it.ival == 1);
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT_EQUAL(it.type, resp == 3 ? '=' : '$');
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), 0);
		CU_ASSERT(it.type == (resp == 3 ? '(' : '$') && it.len == 3);
		CU_ASSERT_EQUAL(pos, r.len);
		CU_ASSERT_EQUAL(resp_read_item(r.buf, r.len, &pos, &it), -1);
		reply_free(&r);
	}
}

static void test_read_malformed(void)
{
	static const char *bad[] = {
		"", "+OK", "+OK\r", ":12x\r\n", ":\r\n", "$5\r\nabc\r\n",
		"$3\r\nabcde", "$-2\r\n", "*-2\r\n", "%-1\r\n", "?\r\n",
		"_x\r\n", "#x\r\n", "$3\r\nabcXY",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct resp_item it;
		size_t pos = 0;

		CU_ASSERT_EQUAL(resp_read_item(bad[i], strlen(bad[i]), &pos, &it), -1);
		CU_ASSERT_EQUAL(pos, 0);
		CU_ASSERT_EQUAL(resp_skip_item(bad[i], strlen(bad[i]), 0), 0);
	}
	/* a count no buffer could hold is incomplete, not an overflow */
	static const char huge[] = "*9223372036854775807\r\n%9223372036854775807\r\n";
	CU_ASSERT_EQUAL(resp_skip_item(huge, sizeof(huge) - 1, 0), 0);
	static const char map[] = "%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n:5\r\n";
	CU_ASSERT_EQUAL(resp_skip_item(map, sizeof(map) - 1, 0), sizeof(map) - 5);
}

/* ------------------------------------------------------------ integers */

static void test_str_to_ll(void)
{
	static const struct { const char *s; bool ok; long long v; } cases[] = {
		{ "0", true, 0 }, { "1", true, 1 }, { "-1", true, -1 },
		{ "9223372036854775807", true, 9223372036854775807LL },
		{ "-9223372036854775808", true, -9223372036854775807LL - 1 },
		{ "9223372036854775808", false, 0 },
		{ "-9223372036854775809", false, 0 },
		{ "18446744073709551616", false, 0 },
		{ "99999999999999999999", false, 0 },
		{ "", false, 0 }, { "-", false, 0 }, { "+1", false, 0 },
		{ "01", false, 0 }, { "-0", false, 0 }, { "00", false, 0 },
		{ " 1", false, 0 }, { "1 ", false, 0 }, { "1a", false, 0 },
		{ "123456789012345678901", false, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long long v = 12345;
		bool ok = resp_str_to_ll(cases[i].s, strlen(cases[i].s), &v);

		CU_ASSERT_EQUAL(ok, cases[i].ok);
		if (ok && cases[i].ok)
			CU_ASSERT_EQUAL(v, cases[i].v);
	}
	long long v;
	CU_ASSERT_TRUE(resp_str_to_ll("123xyz", 3, &v));
	CU_ASSERT_EQUAL(v, 123);
}

static void test_ll_to_str(void)
{
	char buf[32];

	CU_ASSERT_EQUAL(resp_ll_to_str(buf, sizeof(buf), 0), 1);
	CU_ASSERT_STRING_EQUAL(buf, "0");
	CU_ASSERT_EQUAL(resp_ll_to_str(buf, sizeof(buf), -9223372036854775807LL - 1), 20);
	CU_ASSERT_STRING_EQUAL(buf, "-9223372036854775808");
	CU_ASSERT_EQUAL(resp_ll_to_str(buf, sizeof(buf), 9223372036854775807LL), 19);
	CU_ASSERT_STRING_EQUAL(buf, "9223372036854775807");
	CU_ASSERT_EQUAL(resp_ll_to_str(buf, 4, 1234), 0); /* no room for NUL */
	CU_ASSERT_EQUAL(resp_ll_to_str(buf, 5, 1234), 4);
	CU_ASSERT_STRING_EQUAL(buf, "1234");
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "multibulk basic", test_multibulk_basic },
		{ "binary args", test_binary_args },
		{ "empty commands", test_empty_commands },
		{ "pipeline", test_pipeline },
		{ "split at every offset", test_split_every_offset },
		{ "error texts", test_errors },
		{ "too big lines", test_too_big_lines },
		{ "lenient framing", test_lenient_framing },
		{ "inline quoting", test_inline_quoting },
		{ "inline unescaped in place", test_inline_in_place },
		{ "argv growth", test_argv_growth },
		{ "need hint", test_need_hint },
		{ "big bulk, not quadratic", test_big_bulk },
		{ "bulk payload never rescanned", test_bulk_never_rescanned },
		{ "reply scalars and headers", test_reply_scalars },
		{ "reply double", test_reply_double },
		{ "reply deferred", test_reply_deferred },
		{ "reply nomem", test_reply_nomem },
		{ "read round trip", test_read_roundtrip },
		{ "read malformed", test_read_malformed },
		{ "str_to_ll", test_str_to_ll },
		{ "ll_to_str", test_ll_to_str },
	};

	return cunit_run_one("proto", tests);
}
