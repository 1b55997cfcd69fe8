/*
 * Strict integer conversion with Redis's string2ll / ll2string rules, used
 * for every length on the wire and for integer arguments.
 */
#include <limits.h>
#include <string.h>

#include "proto/proto.h"

#define LL_STR_MAX 21 /* Redis's LONG_STR_SIZE: "-9223372036854775808" + NUL */

/* Accepts [-]digits, no '+', no spaces, no leading zeros except "0" itself,
 * no "-0", nothing that overflows a long long. */
bool resp_str_to_ll(const char *s, size_t n, long long *out)
{
	const char *end = s + n;
	bool negative = false;
	unsigned long long v;

	if (n == 0 || n >= LL_STR_MAX)
		return false;
	if (n == 1 && s[0] == '0') {
		*out = 0;
		return true;
	}
	if (*s == '-') {
		negative = true;
		if (++s == end)
			return false;
	}
	if (*s < '1' || *s > '9')
		return false;
	v = (unsigned long long)(*s++ - '0');
	for (; s < end; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d > 9)
			return false;
		if (v > ULLONG_MAX / 10 || v * 10 > ULLONG_MAX - d)
			return false;
		v = v * 10 + d;
	}
	if (negative) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return false;
		*out = (long long)(0 - v);
	} else {
		if (v > (unsigned long long)LLONG_MAX)
			return false;
		*out = (long long)v;
	}
	return true;
}

/* Writes v and a NUL into dst; returns the length, or 0 if cap is too small
 * (as Redis's ll2string does). */
int resp_ll_to_str(char *dst, size_t cap, long long v)
{
	char tmp[LL_STR_MAX];
	char *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v
				     : (unsigned long long)v;
	size_t n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	n = (size_t)(tmp + sizeof(tmp) - p);
	if (n + 1 > cap)
		return 0;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return (int)n;
}
