/*
 * libFuzzer target for the RESP request parser. The first two bytes choose
 * the settings (unauth, a small proto-max-bulk-len, the starting argv
 * size) and seed the sizes of the pieces the rest arrives in, as it would
 * over a socket. Checks, besides the sanitizers:
 *  - every span lies inside the command, used <= len, need > len on MORE;
 *  - ARGV_FULL asks for more room than it had; errors are protocol errors;
 *  - the same bytes parsed all at once give the same commands.
 * The receive buffer is reallocated to exactly the bytes received, so any
 * read past len is an ASan error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

struct trace {
	uint8_t *b;
	size_t len, cap;
};

static void trace_add(struct trace *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 64;
		t->b = realloc(t->b, t->cap);
		CHECK(t->b);
	}
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

struct run {
	bool unauth;
	long long max_bulk;
	int cap0;
	uint32_t rng; /* 0: deliver everything at once */
};

static size_t next_piece(struct run *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 17;
	r->rng ^= r->rng << 5;
	switch (r->rng & 3) {
	case 0: return 1;
	case 1: return 1 + (r->rng >> 8) % 8;
	case 2: return 1 + (r->rng >> 8) % 64;
	default: return 1 + (r->rng >> 8) % 1024;
	}
}

/* Parses in[0..n) as one connection; records what it got in t. */
static void run_conn(struct run *r, const uint8_t *in, size_t n, struct trace *t)
{
	struct resp_parser p;
	char *cb = NULL;
	size_t have = 0, start = 0;
	int cap = r->cap0;
	struct resp_span *argv = malloc(sizeof(*argv) * (size_t)(cap ? cap : 1));
	unsigned long spins = 0;

	CHECK(argv);
	resp_parser_init(&p, r->max_bulk);
	p.unauth = r->unauth;
	for (;;) {
		size_t avail = have - start, add;
		enum resp_status st;

		CHECK(++spins < 100000000UL);
		st = resp_parse(&p, cb ? cb + start : (char *)"", avail, argv, cap);
		switch (st) {
		case RESP_MORE:
			CHECK(p.need > avail);
			if (have == n) {
				trace_add(t, "M", 1);
				goto out;
			}
			add = n - have;
			if (r->rng) {
				size_t piece = next_piece(r);
				if (piece < add)
					add = piece;
			}
			cb = realloc(cb, have + add); /* exact size: ASan sees overreads */
			CHECK(cb);
			memcpy(cb + have, in + have, add);
			have += add;
			break;
		case RESP_ARGV_FULL:
			CHECK(p.argc_total > cap && p.argc_total <= PROTO_MBULK_MAX);
			/* the parser says so only once an argument arrived with no
			 * room: grow by doubling, as the engine does, never to the
			 * announced count (up to INT_MAX) at once */
			cap = cap > p.argc_total / 2 ? p.argc_total : (cap ? cap * 2 : 1);
			argv = realloc(argv, sizeof(*argv) * (size_t)cap);
			CHECK(argv);
			break;
		case RESP_DONE:
			CHECK(p.used > 0 && p.used <= avail);
			CHECK(p.argc >= 0 && p.argc <= cap && p.argc == p.argc_total);
			trace_add(t, "D", 1);
			trace_add(t, &p.argc, sizeof(p.argc));
			for (int i = 0; i < p.argc; i++) {
				CHECK((size_t)argv[i].off + argv[i].len <= p.used);
				trace_add(t, &argv[i].len, sizeof(argv[i].len));
				trace_add(t, cb + start + argv[i].off, argv[i].len);
			}
			start += p.used;
			break;
		case RESP_ERR:
			CHECK(p.err && strncmp(p.err, "Protocol error: ", 16) == 0);
			trace_add(t, "E", 1);
			trace_add(t, p.err, strlen(p.err));
			goto out;
		default:
			CHECK(0);
		}
	}
out:
	free(cb);
	free(argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace pieces = { 0 }, whole = { 0 };
	struct run r;

	if (size < 2)
		return 0;
	r.unauth = data[0] & 1;
	r.max_bulk = (data[0] & 2) ? 16 : PROTO_BULK_MAX_DEFAULT;
	r.cap0 = (data[0] >> 2) & 3;
	r.rng = 0x9e3779b9u ^ ((uint32_t)data[1] << 8 | data[0]);
	data += 2;
	size -= 2;

	run_conn(&r, data, size, &pieces);
	r.rng = 0;
	run_conn(&r, data, size, &whole);
	/* "too big" depends on how much has arrived, as in Redis; below 64 KB
	 * the delivery must not matter */
	if (size <= PROTO_INLINE_MAX_SIZE)
		CHECK(pieces.len == whole.len &&
		      memcmp(pieces.b, whole.b, pieces.len) == 0);
	free(pieces.b);
	free(whole.b);
	return 0;
}
