/* Redis's memtoull, so that a memory value is accepted or refused exactly
 * where redis-server does (string2ll is lib/util's util_str_to_ll). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

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
