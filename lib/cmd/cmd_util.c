/* Argument helpers shared by the command families (see cmd_util.h). */
#include "cmd/cmd_util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t cmd_arg_cstrlen(const struct resp_arg *a)
{
	const char *nul = memchr(a->ptr, '\0', a->len);
	return nul ? (size_t)(nul - a->ptr) : a->len;
}

bool cmd_arg_is(const struct resp_arg *a, const char *lit)
{
	size_t n = strlen(lit);
	if (a->len < n || strncasecmp(a->ptr, lit, n) != 0)
		return false;
	return a->len == n || a->ptr[n] == '\0';
}

bool cmd_parse_ll(const struct resp_arg *a, long long *v)
{
	return resp_str_to_ll(a->ptr, a->len, v);
}

int cmd_arg_ll(struct reply *r, const struct resp_arg *a, long long *v, const char *msg)
{
	if (resp_str_to_ll(a->ptr, a->len, v))
		return 0;
	reply_error(r, msg ? msg : CMD_ERR_NOT_INT);
	return -EINVAL;
}

/* strtod/strtold need a NUL after the bytes; values are short, so a stack
 * copy does, with the heap for the rare long one. */
#define NUM_STACK 128

bool cmd_parse_double(const char *s, size_t n, double *v)
{
	char stack[NUM_STACK], *buf = stack, *end;
	bool ok;

	if (n == 0 || isspace((unsigned char)s[0]))
		return false;
	if (n >= sizeof(stack) && !(buf = malloc(n + 1)))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	double d = strtod(buf, &end);
	ok = (size_t)(end - buf) == n &&
	     !(errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL || fpclassify(d) == FP_ZERO)) &&
	     !isnan(d);
	if (buf != stack)
		free(buf);
	if (ok)
		*v = d;
	return ok;
}

bool cmd_parse_ldouble(const char *s, size_t n, long double *v)
{
	char stack[NUM_STACK], *buf = stack, *end;
	bool ok;

	/* Redis's string2ld refuses anything of MAX_LONG_DOUBLE_CHARS or more */
	if (n == 0 || n >= CMD_LDOUBLE_STR_MAX || isspace((unsigned char)s[0]))
		return false;
	if (n >= sizeof(stack) && !(buf = malloc(n + 1)))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	long double d = strtold(buf, &end);
	ok = (size_t)(end - buf) == n &&
	     !(errno == ERANGE && (d == HUGE_VALL || d == -HUGE_VALL || fpclassify(d) == FP_ZERO)) &&
	     !isnan(d);
	if (buf != stack)
		free(buf);
	if (ok)
		*v = d;
	return ok;
}

int cmd_arg_double(struct reply *r, const struct resp_arg *a, double *v, const char *msg)
{
	if (cmd_parse_double(a->ptr, a->len, v))
		return 0;
	reply_error(r, msg ? msg : CMD_ERR_NOT_FLOAT);
	return -EINVAL;
}

int cmd_arg_ldouble(struct reply *r, const struct resp_arg *a, long double *v, const char *msg)
{
	if (cmd_parse_ldouble(a->ptr, a->len, v))
		return 0;
	reply_error(r, msg ? msg : CMD_ERR_NOT_FLOAT);
	return -EINVAL;
}

int cmd_format_ldouble_human(char *buf, size_t cap, long double v)
{
	if (!isfinite(v) || cap == 0)
		return 0;
	int l = snprintf(buf, cap, "%.17Lf", v);
	if (l < 0 || (size_t)l + 1 > cap)
		return 0;
	if (memchr(buf, '.', (size_t)l)) {
		while (buf[l - 1] == '0')
			l--;
		if (buf[l - 1] == '.')
			l--;
	}
	if (l == 2 && buf[0] == '-' && buf[1] == '0') {
		buf[0] = '0';
		l = 1;
	}
	buf[l] = '\0';
	return l;
}

void cmd_reply_arity(struct reply *r, const char *name)
{
	reply_errorf(r, "ERR wrong number of arguments for '%s' command", name);
}

bool cmd_clip_range(long long llen, long long *start, long long *end)
{
	if (*start < 0)
		*start += llen;
	if (*end < 0)
		*end += llen;
	if (*start < 0)
		*start = 0;
	if (*start > *end || *start >= llen)
		return false;
	if (*end >= llen)
		*end = llen - 1;
	return true;
}

uint64_t cmd_rand(struct cmd_env *env)
{
	uint64_t x = env->rand_state ? env->rand_state : 0x9E3779B97F4A7C15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	env->rand_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}
