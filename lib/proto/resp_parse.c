/*
 * Resumable RESP request parser: the multibulk half and the entry point
 * (inline commands are in resp_inline.c). Follows Redis 7.0's
 * processMultibulkBuffer: the same limits, the same error texts, and the
 * same leniency (the byte after a length line's CR and the two bytes after
 * a bulk are skipped unchecked).
 *
 * Between calls the state says where the command stands: p->pos is the
 * offset of the current length line or bulk payload; while a length line
 * is being read, p->bulk_len holds the offset where the search for its CR
 * resumes, so a line or bulk arriving byte by byte is scanned once. The
 * spans already written to argv[0..p->argc) must be kept by the caller
 * across calls (growing argv with realloc keeps them).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "resp_private.h"

void resp_parser_init(struct resp_parser *p, long long max_bulk_len)
{
	memset(p, 0, sizeof(*p));
	p->max_bulk_len = max_bulk_len > 0 ? max_bulk_len
					   : PROTO_BULK_MAX_DEFAULT;
}

void resp_parser_reset(struct resp_parser *p)
{
	long long max_bulk_len = p->max_bulk_len;
	bool unauth = p->unauth;

	memset(p, 0, sizeof(*p));
	p->max_bulk_len = max_bulk_len;
	p->unauth = unauth;
}

enum resp_status resp_done(struct resp_parser *p, size_t used)
{
	p->used = used;
	p->need = 0;
	p->state = RESP_ST_START;
	p->pos = 0;
	p->bulk_len = 0;
	return RESP_DONE;
}

enum resp_status resp_fail(struct resp_parser *p, const char *err)
{
	p->err = err;
	p->argc = 0;
	p->used = 0;
	p->need = 0;
	p->state = RESP_ST_START;
	p->pos = 0;
	p->bulk_len = 0;
	return RESP_ERR;
}

static enum resp_status fail_expected_dollar(struct resp_parser *p, char c)
{
	/* Redis's error replies turn CR and LF into spaces */
	if (c == '\r' || c == '\n')
		c = ' ';
	snprintf(p->errbuf, sizeof(p->errbuf),
		 "Protocol error: expected '$', got '%c'", c);
	return resp_fail(p, p->errbuf);
}

enum line_result { LINE_OK, LINE_MORE, LINE_TOO_LONG };

/*
 * Reads the length line at buf[start] (its '*' or '$' is not looked at).
 * On LINE_OK, *valid says whether the text is a strict integer (*val) and
 * *next is the offset after CR and one more byte. *scan is where the CR
 * search resumes; it is updated on LINE_MORE.
 */
static inline enum line_result read_len_line(const char *buf, size_t len,
					     size_t start, size_t *scan,
					     long long *val, bool *valid,
					     size_t *next)
{
	size_t s = start + 1, q = s, from;
	const char *cr;

	/* Fast path, the shape of every well-formed header: up to 18 digits
	 * (no overflow possible), no leading zero, then CR and one more byte. */
	if (q < len && (unsigned char)(buf[q] - '0') <= 9) {
		unsigned long long v = (unsigned long long)(buf[q++] - '0');

		if (v != 0) {
			size_t lim = len - s < 18 ? len : s + 18;
			unsigned d;

			while (q < lim && (d = (unsigned char)(buf[q] - '0')) <= 9) {
				v = v * 10 + d;
				q++;
			}
		}
		if (len - q > 1 && buf[q] == '\r') {
			*val = (long long)v;
			*valid = true;
			*next = q + 2;
			return LINE_OK;
		}
	}

	/* Redis searches from the line's first byte: "\r\n" there is a
	 * complete line that fails the '$' check */
	from = *scan > start ? *scan : start;
	if (from > len)
		from = len;
	cr = memchr(buf + from, '\r', len - from);
	if (!cr) {
		if (len - start > PROTO_INLINE_MAX_SIZE)
			return LINE_TOO_LONG;
		*scan = len;
		return LINE_MORE;
	}
	q = (size_t)(cr - buf);
	if (q + 1 >= len) { /* Redis wants one byte after the CR */
		*scan = q;
		return LINE_MORE;
	}
	*valid = q > start && util_str_to_ll(buf + s, q - s, val);
	*next = q + 2;
	return LINE_OK;
}

enum resp_status resp_parse(struct resp_parser *p, char *buf, size_t len,
			    struct resp_span *argv, int argv_cap)
{
	enum line_result lr;
	size_t pos, scan, next, end;
	long long ll, blen;
	bool valid = false;
	int state, argc, total;

	switch (p->state) {
	case RESP_ST_START:
		p->argc = 0;
		p->argc_total = 0;
		p->used = 0;
		p->need = 0;
		p->err = NULL;
		if (len == 0) {
			p->need = 1;
			return RESP_MORE;
		}
		p->pos = 0;
		p->bulk_len = 0;
		if (buf[0] != '*') {
			p->state = RESP_ST_INLINE;
			return resp_parse_inline(p, buf, len, argv, argv_cap);
		}
		p->state = RESP_ST_COUNT;
		/* fall through */
	case RESP_ST_COUNT:
		scan = (size_t)p->bulk_len;
		lr = read_len_line(buf, len, 0, &scan, &ll, &valid, &next);
		if (lr == LINE_TOO_LONG)
			return resp_fail(p, RESP_ERR_TOO_BIG_MBULK);
		if (lr == LINE_MORE) {
			p->bulk_len = (long long)scan;
			p->need = len + 1;
			return RESP_MORE;
		}
		/* Redis 7.0's order: INT_MAX first, then the unauthenticated
		 * limit. Callers grow argv as arguments arrive (RESP_ARGV_FULL),
		 * never to the announced count at once. */
		if (!valid || ll > PROTO_MBULK_MAX)
			return resp_fail(p, RESP_ERR_INVALID_MBULK);
		if (ll > PROTO_UNAUTH_MBULK_MAX && p->unauth)
			return resp_fail(p, RESP_ERR_UNAUTH_MBULK);
		if (ll <= 0)
			return resp_done(p, next); /* *0, *-1: nothing to run */
		p->argc_total = (int)ll;
		state = RESP_ST_BULK_LEN;
		pos = next;
		blen = (long long)next;
		break;
	case RESP_ST_BULK_LEN:
	case RESP_ST_BULK_BODY:
		state = p->state;
		pos = p->pos;
		blen = p->bulk_len;
		break;
	case RESP_ST_INLINE:
		return resp_parse_inline(p, buf, len, argv, argv_cap);
	default:
		resp_parser_reset(p);
		return resp_parse(p, buf, len, argv, argv_cap);
	}

	/* Locals, not p->..., in the loop: stores into argv could alias them. */
	argc = p->argc;
	total = p->argc_total;
	for (;;) {
		if (state == RESP_ST_BULK_LEN) {
			scan = (size_t)blen;
			lr = read_len_line(buf, len, pos, &scan, &ll, &valid,
					   &next);
			if (lr == LINE_TOO_LONG)
				return resp_fail(p, RESP_ERR_TOO_BIG_BULK);
			if (lr == LINE_MORE) {
				p->bulk_len = (long long)scan;
				p->need = len + 1;
				goto more;
			}
			if (buf[pos] != '$')
				return fail_expected_dollar(p, buf[pos]);
			/* spans are 32-bit offsets: a command cannot reach 4 GB */
			if (!valid || ll < 0 || ll > p->max_bulk_len ||
			    (unsigned long long)ll + next + 2 > UINT32_MAX)
				return resp_fail(p, RESP_ERR_INVALID_BULK);
			if (ll > PROTO_UNAUTH_BULK_MAX && p->unauth)
				return resp_fail(p, RESP_ERR_UNAUTH_BULK);
			pos = next;
			blen = ll;
			state = RESP_ST_BULK_BODY;
		}
		end = pos + (size_t)blen + 2;
		if (end > len) {
			p->bulk_len = blen;
			p->need = end;
			goto more;
		}
		if (argc >= argv_cap) {
			p->state = state;
			p->pos = pos;
			p->bulk_len = blen;
			p->argc = argc;
			return RESP_ARGV_FULL;
		}
		argv[argc].off = (uint32_t)pos;
		argv[argc].len = (uint32_t)blen;
		argc++;
		pos = end;
		if (argc == total) {
			p->argc = argc;
			return resp_done(p, end);
		}
		state = RESP_ST_BULK_LEN;
		blen = (long long)pos; /* CR search starts at the line */
	}
more:
	p->state = state;
	p->pos = pos;
	p->argc = argc;
	return RESP_MORE;
}
