/*
 * lib/cmd private: argument parsing and common replies shared by the command
 * families. Texts are Redis 7.0.15's. Pure functions; any worker may call them.
 * Other families may append helpers here (append-only, keep them small).
 */
#ifndef WIREKV_CMD_UTIL_H
#define WIREKV_CMD_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/cmd.h"

#define CMD_ERR_SYNTAX    "ERR syntax error"
#define CMD_ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define CMD_ERR_NOT_INT   "ERR value is not an integer or out of range"
#define CMD_ERR_NOT_FLOAT "ERR value is not a valid float"
#define CMD_ERR_OOM       "OOM command not allowed when used memory > 'maxmemory'."

/* Bytes before the first NUL: Redis compares options as C strings, so
 * "nx\0junk" is NX there, and here. */
size_t cmd_arg_cstrlen(const struct resp_arg *a);

/* strcasecmp(arg, lit) == 0 with Redis's C-string semantics; lit is lower
 * or upper case ASCII. */
bool cmd_arg_is(const struct resp_arg *a, const char *lit);

/* Redis's string2ll over the whole argument (binary safe, strict). */
bool cmd_parse_ll(const struct resp_arg *a, long long *v);

/* getLongLongFromObjectOrReply: 0, or -EINVAL after replying msg
 * (NULL = "ERR value is not an integer or out of range"). */
int cmd_arg_ll(struct reply *r, const struct resp_arg *a, long long *v, const char *msg);

/* Redis's string2d / string2ld: strtod/strtold over the whole bytes, no
 * leading space, no NaN, no overflow (underflow to a non-zero is fine). */
bool cmd_parse_double(const char *s, size_t n, double *v);
bool cmd_parse_ldouble(const char *s, size_t n, long double *v);

/* getDoubleFromObjectOrReply / getLongDoubleFromObjectOrReply: 0, or
 * -EINVAL after replying msg (NULL = "ERR value is not a valid float"). */
int cmd_arg_double(struct reply *r, const struct resp_arg *a, double *v, const char *msg);
int cmd_arg_ldouble(struct reply *r, const struct resp_arg *a, long double *v, const char *msg);

/* Redis's ld2string(..., LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a
 * bare '.') removed, "-0" as "0". buf needs CMD_LDOUBLE_STR_MAX bytes for any
 * finite value. Returns the length, 0 if it did not fit or v is not finite. */
#define CMD_LDOUBLE_STR_MAX 5120
int cmd_format_ldouble_human(char *buf, size_t cap, long double v);

/* Common replies. */
void cmd_reply_arity(struct reply *r, const char *name); /* wrong number of arguments */
static inline void cmd_reply_wrongtype(struct reply *r) { reply_error(r, CMD_ERR_WRONGTYPE); }
static inline void cmd_reply_syntax(struct reply *r) { reply_error(r, CMD_ERR_SYNTAX); }
static inline void cmd_reply_oom(struct reply *r) { reply_error(r, CMD_ERR_OOM); }
/* "+OK" without going through a formatter. */
static inline void cmd_reply_ok(struct reply *r) { reply_raw(r, "+OK\r\n", 5); }

/* Redis's index range arithmetic (LRANGE, LTRIM, ZRANGE by rank ...):
 * negative indexes count from the end of a collection of llen elements,
 * then the range is clipped to it. false when it is empty, else
 * 0 <= *start <= *end < llen. (Added by the list family.) */
bool cmd_clip_range(long long llen, long long *start, long long *end);

/* The worker's xorshift64* stream (env->rand_state), for random picks
 * (SPOP, SRANDMEMBER, ZRANDMEMBER, RANDOMKEY's worker). */
uint64_t cmd_rand(struct cmd_env *env);

#endif
