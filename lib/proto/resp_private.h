/* lib/proto internals shared by the parser files; not for other modules. */
#ifndef WIREKV_PROTO_RESP_PRIVATE_H
#define WIREKV_PROTO_RESP_PRIVATE_H

#include "proto/proto.h"

/* struct resp_parser.state */
enum resp_state {
	RESP_ST_START = 0, /* nothing read of the current command */
	RESP_ST_COUNT,     /* reading "*<count>\r\n" */
	RESP_ST_BULK_LEN,  /* reading "$<len>\r\n" of argument argc */
	RESP_ST_BULK_BODY, /* waiting for bulk_len bytes + CRLF at pos */
	RESP_ST_INLINE,    /* looking for the '\n' of an inline command */
};

#define RESP_ERR_TOO_BIG_INLINE "Protocol error: too big inline request"
#define RESP_ERR_UNBALANCED "Protocol error: unbalanced quotes in request"
#define RESP_ERR_TOO_BIG_MBULK "Protocol error: too big mbulk count string"
#define RESP_ERR_INVALID_MBULK "Protocol error: invalid multibulk length"
#define RESP_ERR_UNAUTH_MBULK "Protocol error: unauthenticated multibulk length"
#define RESP_ERR_TOO_BIG_BULK "Protocol error: too big bulk count string"
#define RESP_ERR_INVALID_BULK "Protocol error: invalid bulk length"
#define RESP_ERR_UNAUTH_BULK "Protocol error: unauthenticated bulk length"

/* Ends the command with an error; the parser is ready for a new one. */
enum resp_status resp_fail(struct resp_parser *p, const char *err);

/* Ends the command successfully after `used` bytes. */
enum resp_status resp_done(struct resp_parser *p, size_t used);

/* The inline half of resp_parse: p->state is RESP_ST_INLINE. */
enum resp_status resp_parse_inline(struct resp_parser *p, char *buf,
				   size_t len, struct resp_span *argv,
				   int argv_cap);

#endif
