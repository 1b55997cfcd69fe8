/*
 * Inline commands ("SET k v\r\n"): Redis 7.0's processInlineBuffer with the
 * argument splitting of sdssplitargs, unescaped in place. The line ends at
 * '\n' (a '\r' just before it is dropped); a NUL inside it ends the
 * arguments, as it ends sdssplitargs' C string.
 */
#include <string.h>

#include "resp_private.h"

static inline bool is_space(char c)
{
	/* isspace() in the C locale */
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The line's byte at i, or NUL past its end (sdssplitargs reads a C string). */
#define AT(i) ((i) < n ? line[i] : '\0')

/*
 * Splits line[0..n) into arguments. With argv NULL it only counts (the
 * line is not touched); otherwise it unescapes each argument in place
 * (never longer than its source) and records its span. Returns the count,
 * or -1 for unbalanced quotes.
 */
static int split_args(char *line, size_t n, struct resp_span *argv)
{
	size_t i = 0;
	int argc = 0;

	for (;;) {
		size_t start, w;
		bool inq = false, insq = false, done = false;

		while (AT(i) && is_space(line[i]))
			i++;
		if (!AT(i))
			return argc;
		start = w = i;
		while (!done) {
			char c = AT(i), out;
			int hi, lo;

			if (inq) {
				if (c == '\\' && AT(i + 1) == 'x' &&
				    (hi = hex_val(AT(i + 2))) >= 0 &&
				    (lo = hex_val(AT(i + 3))) >= 0) {
					out = (char)(hi * 16 + lo);
					i += 3;
					goto emit;
				} else if (c == '\\' && AT(i + 1)) {
					switch (line[++i]) {
					case 'n': out = '\n'; break;
					case 'r': out = '\r'; break;
					case 't': out = '\t'; break;
					case 'b': out = '\b'; break;
					case 'a': out = '\a'; break;
					default: out = line[i]; break;
					}
					goto emit;
				} else if (c == '"') {
					/* a closing quote must end the word */
					if (AT(i + 1) && !is_space(line[i + 1]))
						return -1;
					done = true;
				} else if (!c) {
					return -1;
				} else {
					out = c;
					goto emit;
				}
			} else if (insq) {
				if (c == '\\' && AT(i + 1) == '\'') {
					i++;
					out = '\'';
					goto emit;
				} else if (c == '\'') {
					if (AT(i + 1) && !is_space(line[i + 1]))
						return -1;
					done = true;
				} else if (!c) {
					return -1;
				} else {
					out = c;
					goto emit;
				}
			} else {
				switch (c) {
				case ' ': case '\n': case '\r': case '\t': case '\0':
					done = true;
					break;
				case '"':
					inq = true;
					break;
				case '\'':
					insq = true;
					break;
				default:
					out = c;
					goto emit;
				}
			}
			goto next;
emit:
			if (argv)
				line[w] = out;
			w++;
next:
			if (AT(i))
				i++;
		}
		if (argv) {
			argv[argc].off = (uint32_t)start;
			argv[argc].len = (uint32_t)(w - start);
		}
		argc++;
	}
}

#undef AT

enum resp_status resp_parse_inline(struct resp_parser *p, char *buf,
				   size_t len, struct resp_span *argv,
				   int argv_cap)
{
	size_t from = p->pos < len ? p->pos : len, n;
	const char *nl = memchr(buf + from, '\n', len - from);
	int argc;

	if (!nl) {
		if (len > PROTO_INLINE_MAX_SIZE)
			return resp_fail(p, RESP_ERR_TOO_BIG_INLINE);
		p->pos = len;
		p->need = len + 1;
		return RESP_MORE;
	}
	n = (size_t)(nl - buf);
	p->pos = n; /* after RESP_ARGV_FULL the line is found at once */
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	/* Count first: unescaping is destructive, so it runs only once we
	 * know the result fits in argv. */
	argc = split_args(buf, n, NULL);
	if (argc < 0)
		return resp_fail(p, RESP_ERR_UNBALANCED);
	if (argc > argv_cap) {
		p->argc_total = argc;
		return RESP_ARGV_FULL;
	}
	split_args(buf, n, argv);
	p->argc = argc;
	p->argc_total = argc;
	return resp_done(p, (size_t)(nl - buf) + 1);
}
