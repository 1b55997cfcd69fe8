/*
 * lib/util: the few libc-only helpers that several modules need. Today that
 * is Redis's strict integer parser (util.c string2ll) and formatter
 * (ll2string), so that proto, store and config accept and print exactly the
 * same integers. No state, no allocation: any thread may call them.
 */
#ifndef WIREKV_UTIL_H
#define WIREKV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Redis's LONG_STR_SIZE: "-9223372036854775808" and a NUL. */
#define UTIL_LL_STR_MAX 21

/* Redis's string2ll: true when s[0..n) is exactly one long long written as
 * [-]digits: no '+', no blanks, no leading zeros except "0" itself, no "-0",
 * no overflow. Binary safe; *out is untouched on false. */
bool util_str_to_ll(const char *s, size_t n, long long *out);

/* Writes the decimal digits of v (a '-' first if negative) at dst, no NUL;
 * returns how many, at most UTIL_LL_STR_MAX - 1. Inline because the reply
 * encoder writes every length header with it. */
static inline size_t util_ll_put(char *dst, long long v)
{
	char tmp[UTIL_LL_STR_MAX - 1];
	char *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v
				     : (unsigned long long)v;
	size_t n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	n = (size_t)(tmp + sizeof(tmp) - p);
	if (v < 0)
		*dst++ = '-';
	memcpy(dst, p, n);
	return n + (v < 0);
}

/* Redis's ll2string: writes v and a NUL into dst; returns the length, or 0
 * (dst untouched) if cap is too small for both. */
int util_ll_to_str(char *dst, size_t cap, long long v);

#endif
