/*
 * Strict integer conversion with Redis's string2ll / ll2string rules: every
 * length on the wire, integer arguments, integer-encoded values and config
 * numbers go through these two.
 */
#include <limits.h>

#include "util/util.h"

bool util_str_to_ll(const char *s, size_t n, long long *out)
{
	const char *end = s + n;
	bool negative = false;
	unsigned long long v;

	if (n == 0 || n >= UTIL_LL_STR_MAX)
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
		if (v > (ULLONG_MAX - d) / 10)
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

int util_ll_to_str(char *dst, size_t cap, long long v)
{
	char tmp[UTIL_LL_STR_MAX];
	size_t n = util_ll_put(tmp, v);

	if (n + 1 > cap)
		return 0;
	memcpy(dst, tmp, n);
	dst[n] = '\0';
	return (int)n;
}
