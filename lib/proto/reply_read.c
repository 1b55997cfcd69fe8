/*
 * Reads back replies produced by reply.c (RESP2 and RESP3), for code that
 * merges the replies of several workers. Strict about framing (every line
 * ends in CRLF, payloads are followed by CRLF) so a short buffer is told
 * apart from a complete element.
 */
#include <string.h>

#include "proto/proto.h"

/* Finds the CRLF-terminated line at buf[pos+1..]; returns the offset of its
 * CR, or 0 when it is missing. */
static size_t line_end(const char *buf, size_t len, size_t pos)
{
	const char *cr;

	if (pos + 1 > len)
		return 0;
	cr = memchr(buf + pos + 1, '\r', len - pos - 1);
	if (!cr || (size_t)(cr - buf) + 1 >= len || cr[1] != '\n')
		return 0;
	return (size_t)(cr - buf);
}

int resp_read_item(const char *buf, size_t len, size_t *pos,
		   struct resp_item *it)
{
	size_t p = *pos, cr, start;
	long long v;

	if (p >= len)
		return -1;
	cr = line_end(buf, len, p);
	if (!cr)
		return -1;
	start = p + 1;
	it->type = buf[p];
	it->ival = 0;
	it->ptr = buf + start;
	it->len = cr - start;

	switch (it->type) {
	case '+': case '-': case ',': case '(':
		break;
	case '#':
		if (it->len != 1 || (buf[start] != 't' && buf[start] != 'f'))
			return -1;
		it->ival = buf[start] == 't';
		break;
	case '_':
		if (it->len != 0)
			return -1;
		it->ptr = NULL;
		break;
	case ':':
		if (!util_str_to_ll(buf + start, cr - start, &it->ival))
			return -1;
		break;
	case '*': case '%': case '~': case '>':
		if (!util_str_to_ll(buf + start, cr - start, &v))
			return -1;
		it->ptr = NULL;
		it->len = 0;
		if (v < 0) {
			if (v != -1 || it->type != '*')
				return -1;
			it->type = '_'; /* RESP2 null array */
			break;
		}
		it->ival = v;
		break;
	case '$': case '=':
		if (!util_str_to_ll(buf + start, cr - start, &v))
			return -1;
		if (v < 0) {
			if (v != -1 || it->type != '$')
				return -1;
			it->type = '_'; /* RESP2 null bulk */
			it->ptr = NULL;
			it->len = 0;
			break;
		}
		if ((unsigned long long)v > len - (cr + 2) ||
		    len - (cr + 2) - (size_t)v < 2)
			return -1;
		if (buf[cr + 2 + v] != '\r' || buf[cr + 2 + v + 1] != '\n')
			return -1;
		it->ptr = buf + cr + 2;
		it->len = (size_t)v;
		it->ival = v;
		*pos = cr + 2 + (size_t)v + 2;
		return 0;
	default:
		return -1;
	}
	*pos = cr + 2;
	return 0;
}

/* Iterative: counts the elements still owed, so nesting depth costs nothing. */
size_t resp_skip_item(const char *buf, size_t len, size_t pos)
{
	size_t p = pos;
	unsigned long long owed = 1;
	struct resp_item it;

	while (owed) {
		if (resp_read_item(buf, len, &p, &it) != 0)
			return 0;
		owed--;
		/* every element takes at least 3 bytes: a count beyond what is
		 * left is incomplete (and cannot overflow owed) */
		if ((it.type == '*' || it.type == '~' || it.type == '>' ||
		     it.type == '%') && (unsigned long long)it.ival > len - p)
			return 0;
		switch (it.type) {
		case '*': case '~': case '>':
			owed += (unsigned long long)it.ival;
			break;
		case '%':
			owed += 2ULL * (unsigned long long)it.ival;
			break;
		}
	}
	return p - pos;
}
