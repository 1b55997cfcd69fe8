/*
 * Reply encoder: appends RESP2 or RESP3 to a growable buffer, byte for
 * byte as Redis 7.0 writes them. An append that cannot get memory sets
 * r->nomem and is dropped, and so is every later one: the buffer then
 * holds a clean prefix of the replies and the caller closes the conn.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

#define REPLY_MIN_CAP 1024
/* no single reply buffer grows past this; larger requests fail cleanly
 * (and sanitizer allocators never see absurd sizes) */
#define REPLY_MAX_CAP ((size_t)1 << 40)
/* "*" + "-9223372036854775808" + CRLF */
#define HDR_MAX 23
/* room reserved by reply_defer: a header with a count below 100 */
#define DEFER_ROOM 5

void reply_init(struct reply *r, int resp)
{
	r->buf = NULL;
	r->len = 0;
	r->cap = 0;
	r->resp = resp == 3 ? 3 : 2;
	r->nomem = false;
}

void reply_free(struct reply *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
	r->cap = 0;
}

int reply_reserve(struct reply *r, size_t extra)
{
	size_t want, cap;
	char *nb;

	if (r->cap - r->len >= extra)
		return 0;
	if (extra > REPLY_MAX_CAP - r->len)
		return -ENOMEM;
	want = r->len + extra;
	cap = r->cap < REPLY_MIN_CAP ? REPLY_MIN_CAP : r->cap;
	while (cap < want)
		cap = cap > REPLY_MAX_CAP / 2 ? REPLY_MAX_CAP : cap * 2;
	nb = realloc(r->buf, cap);
	if (!nb)
		return -ENOMEM;
	r->buf = nb;
	r->cap = cap;
	return 0;
}

/* Where n more bytes go, or NULL (and nomem) if they cannot. */
static inline char *room(struct reply *r, size_t n)
{
	if (r->nomem)
		return NULL;
	if (r->cap - r->len < n && reply_reserve(r, n) != 0) {
		r->nomem = true;
		return NULL;
	}
	return r->buf + r->len;
}

/* Writes "<t><v>\r\n" at dst; returns its length. */
static inline size_t put_hdr(char *dst, char t, long long v)
{
	size_t n;

	dst[0] = t;
	n = 1 + util_ll_put(dst + 1, v);
	dst[n] = '\r';
	dst[n + 1] = '\n';
	return n + 2;
}

static void append_hdr(struct reply *r, char t, long long v)
{
	char *d = room(r, HDR_MAX);

	if (d)
		r->len += put_hdr(d, t, v);
}

void reply_raw(struct reply *r, const void *p, size_t n)
{
	char *d = room(r, n);

	if (d) {
		if (n)
			memcpy(d, p, n);
		r->len += n;
	}
}

void reply_statusn(struct reply *r, const char *s, size_t n)
{
	char *d;

	if (n > SIZE_MAX - 3 || !(d = room(r, n + 3)))
		goto nomem;
	d[0] = '+';
	memcpy(d + 1, s, n);
	d[n + 1] = '\r';
	d[n + 2] = '\n';
	r->len += n + 3;
	return;
nomem:
	r->nomem = true;
}

void reply_status(struct reply *r, const char *s)
{
	reply_statusn(r, s, strlen(s));
}

/* Appends "-<s>\r\n" from s[0..n), which may already lie in the buffer's
 * spare room; CR and LF in the text become spaces. */
static void error_from(struct reply *r, const char *s, size_t n)
{
	char *d;
	size_t i, lead = s[0] == '-' ? 0 : 1;

	if (n > SIZE_MAX - 4) {
		r->nomem = true;
		return;
	}
	d = room(r, n + 3);
	if (!d)
		return;
	memmove(d + lead, s, n);
	d[0] = '-';
	for (i = 1; i < n + lead; i++)
		if (d[i] == '\r' || d[i] == '\n')
			d[i] = ' ';
	d[n + lead] = '\r';
	d[n + lead + 1] = '\n';
	r->len += n + lead + 2;
}

void reply_error(struct reply *r, const char *s)
{
	size_t n = strlen(s);

	if (n == 0)
		s = "-"; /* still a well-formed (empty) error */
	error_from(r, s, n ? n : 1);
}

void reply_errorf(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	char *d, *s;
	size_t n;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	/* format into the spare room, past where the reply will start */
	d = room(r, (size_t)len + 4);
	if (!d)
		return;
	va_start(ap, fmt);
	vsnprintf(d + 1, (size_t)len + 1, fmt, ap);
	va_end(ap);
	/* like addReplyErrorFormat: trim CR/LF at both ends */
	s = d + 1;
	n = (size_t)len;
	while (n && (*s == '\r' || *s == '\n'))
		s++, n--;
	while (n && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n == 0) {
		s = d + 1;
		*s = '-';
		n = 1;
	}
	error_from(r, s, n);
}

void reply_int(struct reply *r, long long v)
{
	append_hdr(r, ':', v);
}

void reply_bulk(struct reply *r, const void *p, size_t n)
{
	char *d;
	size_t h;

	if (n > SIZE_MAX - HDR_MAX - 2 || !(d = room(r, HDR_MAX + n + 2))) {
		r->nomem = true;
		return;
	}
	h = put_hdr(d, '$', (long long)n);
	if (n)
		memcpy(d + h, p, n);
	d[h + n] = '\r';
	d[h + n + 1] = '\n';
	r->len += h + n + 2;
}

void reply_bulk_cstr(struct reply *r, const char *s)
{
	reply_bulk(r, s, strlen(s));
}

void reply_bulk_ll(struct reply *r, long long v)
{
	char tmp[24];
	size_t n = util_ll_put(tmp, v);

	reply_bulk(r, tmp, n);
}

void reply_null(struct reply *r)
{
	if (r->resp == 3)
		reply_raw(r, "_\r\n", 3);
	else
		reply_raw(r, "$-1\r\n", 5);
}

void reply_null_array(struct reply *r)
{
	if (r->resp == 3)
		reply_raw(r, "_\r\n", 3);
	else
		reply_raw(r, "*-1\r\n", 5);
}

void reply_array(struct reply *r, long n)
{
	append_hdr(r, '*', n);
}

void reply_map(struct reply *r, long n)
{
	if (r->resp == 3)
		append_hdr(r, '%', n);
	else
		append_hdr(r, '*', 2LL * n);
}

void reply_set(struct reply *r, long n)
{
	append_hdr(r, r->resp == 3 ? '~' : '*', n);
}

void reply_push(struct reply *r, long n)
{
	append_hdr(r, r->resp == 3 ? '>' : '*', n);
}

/* Redis 7.0's addReplyDouble: "%.17g", infinities spelled out. */
void reply_double(struct reply *r, double d)
{
	char buf[64];
	int n;

	if (isinf(d)) {
		if (r->resp == 2)
			reply_bulk_cstr(r, d > 0 ? "inf" : "-inf");
		else
			reply_raw(r, d > 0 ? ",inf\r\n" : ",-inf\r\n",
				  d > 0 ? 6 : 7);
		return;
	}
	if (r->resp == 2) {
		n = snprintf(buf, sizeof(buf), "%.17g", d);
		reply_bulk(r, buf, (size_t)n);
	} else {
		n = snprintf(buf, sizeof(buf), ",%.17g\r\n", d);
		reply_raw(r, buf, (size_t)n);
	}
}

void reply_bool(struct reply *r, bool b)
{
	if (r->resp == 3)
		reply_raw(r, b ? "#t\r\n" : "#f\r\n", 4);
	else
		reply_raw(r, b ? ":1\r\n" : ":0\r\n", 4);
}

void reply_bignum(struct reply *r, const char *s, size_t n)
{
	char *d;

	if (r->resp == 2) {
		reply_bulk(r, s, n);
		return;
	}
	if (n > SIZE_MAX - 3 || !(d = room(r, n + 3))) {
		r->nomem = true;
		return;
	}
	d[0] = '(';
	memcpy(d + 1, s, n);
	d[n + 1] = '\r';
	d[n + 2] = '\n';
	r->len += n + 3;
}

/* RESP3 "=<n+4>\r\n<ext>:<s>\r\n", ext padded with spaces to 3 bytes. */
void reply_verbatim(struct reply *r, const char *s, size_t n, const char *ext)
{
	char *d;
	size_t h;
	int i;

	if (r->resp == 2) {
		reply_bulk(r, s, n);
		return;
	}
	if (n > SIZE_MAX - HDR_MAX - 6 || !(d = room(r, HDR_MAX + 4 + n + 2))) {
		r->nomem = true;
		return;
	}
	h = put_hdr(d, '=', (long long)(n + 4));
	for (i = 0; i < 3; i++)
		d[h + i] = (ext && *ext) ? *ext++ : ' ';
	d[h + 3] = ':';
	memcpy(d + h + 4, s, n);
	d[h + 4 + n] = '\r';
	d[h + 4 + n + 1] = '\n';
	r->len += h + 4 + n + 2;
}

size_t reply_defer(struct reply *r)
{
	size_t mark = r->len;

	if (room(r, DEFER_ROOM))
		r->len += DEFER_ROOM;
	return mark;
}

/* Writes the header for the aggregate that began at mark, moving what
 * follows the reserved room if the header is not exactly DEFER_ROOM. */
static void defer_set(struct reply *r, size_t mark, char t, long long n)
{
	char hdr[HDR_MAX];
	size_t h = put_hdr(hdr, t, n), body;

	if (r->nomem)
		return;
	if (mark > r->len || r->len - mark < DEFER_ROOM) {
		r->nomem = true; /* not a mark of this buffer's content */
		return;
	}
	body = r->len - mark - DEFER_ROOM;
	if (h > DEFER_ROOM && !room(r, h - DEFER_ROOM))
		return;
	if (h != DEFER_ROOM)
		memmove(r->buf + mark + h, r->buf + mark + DEFER_ROOM, body);
	memcpy(r->buf + mark, hdr, h);
	r->len = mark + h + body;
}

void reply_defer_array(struct reply *r, size_t mark, long n)
{
	defer_set(r, mark, '*', n);
}

void reply_defer_map(struct reply *r, size_t mark, long n)
{
	if (r->resp == 3)
		defer_set(r, mark, '%', n);
	else
		defer_set(r, mark, '*', 2LL * n);
}

void reply_defer_set(struct reply *r, size_t mark, long n)
{
	defer_set(r, mark, r->resp == 3 ? '~' : '*', n);
}
