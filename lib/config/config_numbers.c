/* Redis's own number parsers (util.c string2ll and memtoull), so that a
 * value is accepted or refused exactly where redis-server does. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

bool config_string2ll(const char *s, size_t len, long long *out)
{
	const char *p = s;
	size_t left = len;
	bool negative = false;
	unsigned long long v;

	if (len == 0)
		return false;
	if (len == 1 && p[0] == '0') {
		*out = 0;
		return true;
	}
	if (p[0] == '-') {
		negative = true;
		p++;
		left--;
		if (left == 0)
			return false;
	}
	/* First digit 1-9: no leading zeros, no "-0". */
	if (p[0] < '1' || p[0] > '9')
		return false;
	v = (unsigned long long)(p[0] - '0');
	p++;
	left--;
	while (left > 0 && p[0] >= '0' && p[0] <= '9') {
		if (v > ULLONG_MAX / 10)
			return false;
		v *= 10;
		if (v > ULLONG_MAX - (unsigned long long)(p[0] - '0'))
			return false;
		v += (unsigned long long)(p[0] - '0');
		p++;
		left--;
	}
	if (left > 0)
		return false;
	if (negative) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return false;
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	} else {
		if (v > (unsigned long long)LLONG_MAX)
			return false;
		*out = (long long)v;
	}
	return true;
}

bool config_memtoull(const char *s, unsigned long long *out)
{
	static const struct {
		const char *unit;
		unsigned long long mul;
	} units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1000ULL }, { "kb", 1024ULL },
		{ "m", 1000ULL * 1000 }, { "mb", 1024ULL * 1024 },
		{ "g", 1000ULL * 1000 * 1000 }, { "gb", 1024ULL * 1024 * 1024 },
	};
	const char *u = s;
	unsigned long long mul = 0;
	char digits[128];

	if (*u == '-')
		return false;
	while (*u && isdigit((unsigned char)*u))
		u++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(u, units[i].unit)) {
			mul = units[i].mul;
			break;
		}
	}
	if (!mul)
		return false;
	size_t n = (size_t)(u - s);

	if (n >= sizeof(digits))
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	/* Like Redis: no digits at all reads as 0. Unlike Redis (which
	 * saturates), an overflow is refused. */
	errno = 0;
	unsigned long long v = strtoull(digits, NULL, 10);

	if (errno == ERANGE || v > ULLONG_MAX / mul)
		return false;
	*out = v * mul;
	return true;
}
