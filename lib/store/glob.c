/*
 * Redis's stringmatchlen (util.c), kept bug-for-bug where it shows to users
 * (unterminated '[' closes at the end, a range may be reversed, '\' escapes
 * in and out of brackets) but bounds-safe: the pattern is not NUL-terminated
 * here, so reads past its end see '\0' as Redis's sds would. Exponential
 * blowup is cut the way Redis 7 does: a '*' whose tail failed everywhere ends
 * the search, and nesting is capped.
 */
#include <ctype.h>

#include "store_int.h"

#define GLOB_MAX_NESTING 1000

static inline int lower(int c) { return tolower((unsigned char)c); }

static inline char pat_at(const char *p, size_t plen, size_t i)
{
	return i < plen ? p[i] : '\0';
}

static bool glob_impl(const char *p, size_t plen, const char *s, size_t slen,
		      bool nocase, bool *skip_longer, int nesting)
{
	if (nesting > GLOB_MAX_NESTING)
		return false;

	while (plen && slen) {
		switch (p[0]) {
		case '*':
			while (plen > 1 && p[1] == '*') {
				p++;
				plen--;
			}
			if (plen == 1)
				return true;
			while (slen) {
				if (glob_impl(p + 1, plen - 1, s, slen, nocase, skip_longer,
					      nesting + 1))
					return true;
				if (*skip_longer)
					return false;
				s++;
				slen--;
			}
			*skip_longer = true;
			return false;
		case '?':
			s++;
			slen--;
			break;
		case '[': {
			bool neg, match = false;
			p++;
			plen--;
			neg = pat_at(p, plen, 0) == '^';
			if (neg) {
				p++;
				plen--;
			}
			for (;;) {
				if (plen >= 2 && p[0] == '\\') {
					p++;
					plen--;
					if (p[0] == s[0])
						match = true;
				} else if (plen == 0) {
					/* unterminated: the final increment lands on the end */
					p--;
					plen++;
					break;
				} else if (p[0] == ']') {
					break;
				} else if (plen >= 3 && p[1] == '-') {
					int lo = (unsigned char)p[0], hi = (unsigned char)p[2];
					int c = (unsigned char)s[0];
					if (lo > hi) {
						int t = lo;
						lo = hi;
						hi = t;
					}
					if (nocase) {
						lo = lower(lo);
						hi = lower(hi);
						c = lower(c);
					}
					p += 2;
					plen -= 2;
					if (c >= lo && c <= hi)
						match = true;
				} else if (nocase ? lower(p[0]) == lower(s[0]) : p[0] == s[0]) {
					match = true;
				}
				p++;
				plen--;
			}
			if (neg)
				match = !match;
			if (!match)
				return false;
			s++;
			slen--;
			break;
		}
		case '\\':
			if (plen >= 2) {
				p++;
				plen--;
			}
			/* fall through */
		default:
			if (nocase ? lower(p[0]) != lower(s[0]) : p[0] != s[0])
				return false;
			s++;
			slen--;
			break;
		}
		p++;
		plen--;
		if (slen == 0) {
			while (plen && p[0] == '*') {
				p++;
				plen--;
			}
			break;
		}
	}
	return plen == 0 && slen == 0;
}

bool store_glob_match(const char *pat, size_t plen, const char *str, size_t slen, bool nocase)
{
	bool skip_longer = false;
	return glob_impl(pat, plen, str, slen, nocase, &skip_longer, 0);
}
