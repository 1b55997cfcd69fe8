/*
 * lib/proto: RESP2/RESP3 request parser and reply encoder.
 *
 * Owns the wire format and Redis's protocol limits and error texts. Pure:
 * no I/O, no allocation while parsing (the reply encoder grows its own
 * buffer with realloc). Objects are not shared: each worker uses its own.
 */
#ifndef WIREKV_PROTO_H
#define WIREKV_PROTO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>

#include "util/util.h"

#define PROTO_INLINE_MAX_SIZE (64 * 1024)      /* inline line / count line */
#define PROTO_MBULK_MAX INT_MAX                /* max args in a multibulk (Redis 7.0) */
#define PROTO_BULK_MAX_DEFAULT (512LL * 1024 * 1024) /* proto-max-bulk-len */
#define PROTO_UNAUTH_MBULK_MAX 10              /* before AUTH, like Redis 7 */
#define PROTO_UNAUTH_BULK_MAX 16384

/* One argument of a parsed command: bytes, not NUL-terminated. */
struct resp_arg {
	const char *ptr;
	size_t len;
};

/* Where one argument lies, relative to the start of its command, so the
 * caller may move the buffer between calls (realloc) without re-parsing. */
struct resp_span {
	uint32_t off;
	uint32_t len;
};

enum resp_status {
	RESP_DONE = 0,      /* one command parsed: p->argc spans, p->used bytes */
	RESP_MORE = 1,      /* need more bytes; call again with the same start */
	RESP_ARGV_FULL = 2, /* argv too small: grow it to p->argc_total, call again */
	RESP_ERR = -1,      /* protocol error: p->err is Redis's text; the
			       caller replies "-ERR <err>" and closes after it */
};

/*
 * Resumable parser state for one connection. The caller passes the bytes
 * from the start of the current command on every call; the parser remembers
 * how far it got, so a command arriving in many pieces is scanned once.
 * After RESP_DONE (or RESP_ERR) it is ready for the next command.
 */
struct resp_parser {
	/* settings, set by the caller */
	long long max_bulk_len; /* proto-max-bulk-len */
	bool unauth;            /* client not authenticated: Redis's tighter limits */

	/* results */
	int argc;            /* args parsed (valid after RESP_DONE) */
	int argc_total;      /* multibulk count once its header is read */
	size_t used;         /* bytes of the finished command (RESP_DONE), or
				bytes to drop (empty command, RESP_DONE, argc 0) */
	size_t need;         /* hint after RESP_MORE: total bytes from the
				command start needed to make progress */
	const char *err;     /* after RESP_ERR: error text without "ERR " */
	char errbuf[64];

	/* private */
	int state;
	long long bulk_len;
	size_t pos;
};

void resp_parser_init(struct resp_parser *p, long long max_bulk_len);
void resp_parser_reset(struct resp_parser *p); /* keeps settings */

/*
 * Parse one command from buf[0..len), buf being the start of the command.
 * Inline commands are unescaped in place (hence the non-const buffer).
 * argv receives one span per argument; argv_cap is its capacity.
 * A command with argc 0 ("*0\r\n", "*-1\r\n", blank inline line) returns
 * RESP_DONE with argc 0: drop p->used bytes and go on.
 * Spans already written stay in argv between calls for one command, so
 * keep them when growing it (realloc does). A multibulk reports
 * RESP_ARGV_FULL only once an argument has arrived that has no room, so a
 * large count costs nothing before its arguments come.
 */
enum resp_status resp_parse(struct resp_parser *p, char *buf, size_t len,
			    struct resp_span *argv, int argv_cap);

/* ---------------------------------------------------------------- replies */

/* A growable buffer of encoded replies in one protocol version. */
struct reply {
	char *buf;
	size_t len;
	size_t cap;
	int resp;   /* 2 or 3 */
	bool nomem; /* an append failed for lack of memory; content truncated */
};

void reply_init(struct reply *r, int resp);
void reply_free(struct reply *r);
static inline void reply_clear(struct reply *r) { r->len = 0; r->nomem = false; }
int reply_reserve(struct reply *r, size_t extra); /* 0 or -ENOMEM */

void reply_raw(struct reply *r, const void *p, size_t n);
void reply_status(struct reply *r, const char *s);           /* +s */
void reply_statusn(struct reply *r, const char *s, size_t n);
void reply_error(struct reply *r, const char *s);            /* -s ("ERR ..." incl. code); CR/LF in s become spaces */
void reply_errorf(struct reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_int(struct reply *r, long long v);                /* :v */
void reply_bulk(struct reply *r, const void *p, size_t n);   /* $n */
void reply_bulk_cstr(struct reply *r, const char *s);
void reply_bulk_ll(struct reply *r, long long v);            /* integer as bulk */
void reply_null(struct reply *r);        /* RESP2 $-1   RESP3 _ */
void reply_null_array(struct reply *r);  /* RESP2 *-1   RESP3 _ */
void reply_array(struct reply *r, long n);
void reply_map(struct reply *r, long n);  /* n pairs: RESP3 %n, RESP2 *2n */
void reply_set(struct reply *r, long n);  /* RESP3 ~n, RESP2 *n */
void reply_push(struct reply *r, long n); /* RESP3 >n, RESP2 *n */
void reply_double(struct reply *r, double d); /* Redis 7.0 formatting */
void reply_bool(struct reply *r, bool b); /* RESP3 #t/#f, RESP2 :1/:0 */
void reply_bignum(struct reply *r, const char *s, size_t n); /* RESP3 (, RESP2 bulk */
void reply_verbatim(struct reply *r, const char *s, size_t n, const char *ext); /* RESP3 =, RESP2 bulk */

/* Aggregates whose length is known only at the end: take a mark, write the
 * elements, then set the header (the encoder moves the bytes if needed). */
size_t reply_defer(struct reply *r);
void reply_defer_array(struct reply *r, size_t mark, long n);
void reply_defer_map(struct reply *r, size_t mark, long n);
void reply_defer_set(struct reply *r, size_t mark, long n);

/* ------------------------------------------------- reading replies back */

/*
 * For coordinators that merge replies from several workers. Reads one
 * element header at buf[*pos]: type is the RESP type byte ('+','-',':','$',
 * '*','%','~','>','_',',','#','(','=' ...); for strings ptr/len are the
 * payload, for integers ival the value, for aggregates ival the element
 * count (RESP2 null bulk/array: type '_'; for '=' ptr/len include the
 * "txt:" prefix; ',' and '(' give their text). Advances *pos past the header
 * (and payload for strings). Returns 0, or -1 if the bytes are incomplete
 * or malformed.
 */
struct resp_item {
	char type;
	long long ival;
	const char *ptr;
	size_t len;
};
int resp_read_item(const char *buf, size_t len, size_t *pos, struct resp_item *it);
/* Bytes taken by one complete element at buf[pos] including nested ones, or 0. */
size_t resp_skip_item(const char *buf, size_t len, size_t pos);

/* Redis's string2ll / ll2string: strict integer parsing and formatting
 * (lib/util's, under the names proto's callers already use). */
static inline bool resp_str_to_ll(const char *s, size_t n, long long *out)
{
	return util_str_to_ll(s, n, out);
}
static inline int resp_ll_to_str(char *dst, size_t cap, long long v) /* length */
{
	return util_ll_to_str(dst, cap, v);
}

#endif
