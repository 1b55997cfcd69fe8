/*
 * Keys, values and requests. The value of key k is
 *   16 hex digits of mix(k, seed) (fewer if data_size < 16), then
 *   pattern[k % 61 ...] for the rest,
 * where pattern is data_size + 61 printable bytes drawn from the seed: a
 * value names its key (a reply for another key, or from another seed,
 * never passes), and checking one is a memcmp.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

uint64_t lg_rng_next(struct lg_rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int lg_workload_init(struct lg_workload *w, const struct lg_opts *o)
{
	static const char alphabet[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct lg_rng r = { o->seed ^ 0x76616c7565ull };

	w->o = o;
	w->pattern = malloc((size_t)o->data_size + LG_PATTERN_SPAN);
	if (!w->pattern)
		return -1;
	for (size_t i = 0; i < (size_t)o->data_size + LG_PATTERN_SPAN; i++)
		w->pattern[i] = alphabet[lg_rng_next(&r) % (sizeof(alphabet) - 1)];
	/* "*3\r\n$3\r\nSET\r\n$" key "\r\n$" value "\r\n": headers, two
	 * lengths of up to 20 digits, the key (prefix + up to 20 digits) */
	w->max_request = 64 + strlen(o->key_prefix) + 20 + 20 + o->data_size;
	return 0;
}

void lg_workload_fini(struct lg_workload *w)
{
	free(w->pattern);
	w->pattern = NULL;
}

static unsigned value_head(const struct lg_workload *w, uint64_t k, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned n = w->o->data_size < 16 ? w->o->data_size : 16;
	uint64_t h = mix64(k ^ mix64(w->o->seed));
	for (unsigned i = 0; i < n; i++)
		out[i] = hex[(h >> (4 * i)) & 15];
	return n;
}

void lg_value(const struct lg_workload *w, uint64_t k, char *out)
{
	unsigned n = value_head(w, k, out);
	memcpy(out + n, w->pattern + k % LG_PATTERN_SPAN, w->o->data_size - n);
}

bool lg_value_ok(const struct lg_workload *w, uint64_t k, const char *p, size_t len)
{
	char head[16];
	if (len != w->o->data_size)
		return false;
	unsigned n = value_head(w, k, head);
	return memcmp(p, head, n) == 0 &&
	       memcmp(p + n, w->pattern + k % LG_PATTERN_SPAN, len - n) == 0;
}

/* decimal digits of v, at least width (zero-padded); returns the length */
static size_t put_uint(char *out, uint64_t v, unsigned width)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

size_t lg_encode(const struct lg_workload *w, enum lg_op op, uint64_t k, char *out)
{
	const struct lg_opts *o = w->o;
	char digits[24];
	size_t nd = put_uint(digits, k, o->key_digits);
	size_t np = strlen(o->key_prefix);
	char *p = out;

	if (op == LG_GET) {
		memcpy(p, "*2\r\n$3\r\nGET\r\n$", 14);
		p += 14;
	} else {
		memcpy(p, "*3\r\n$3\r\nSET\r\n$", 14);
		p += 14;
	}
	p += put_uint(p, np + nd, 0);
	*p++ = '\r';
	*p++ = '\n';
	memcpy(p, o->key_prefix, np);
	p += np;
	memcpy(p, digits, nd);
	p += nd;
	*p++ = '\r';
	*p++ = '\n';
	if (op == LG_GET)
		return (size_t)(p - out);
	*p++ = '$';
	p += put_uint(p, o->data_size, 0);
	*p++ = '\r';
	*p++ = '\n';
	lg_value(w, k, p);
	if (op == LG_POISON)
		p[0] = p[0] == '#' ? '%' : '#';  /* never a hex digit: never this key's value */
	p += o->data_size;
	*p++ = '\r';
	*p++ = '\n';
	return (size_t)(p - out);
}

/* ------------------------------------------------------------ keys */

void lg_keygen_init(struct lg_keygen *g, const struct lg_opts *o, unsigned conn, unsigned nconns)
{
	uint64_t range = o->key_max - o->key_min + 1;
	/* sequential: connection i walks the keys from its slice onwards, so
	 * n connections of range/n requests each cover the range once */
	uint64_t start = o->key_min + (uint64_t)((double)range * conn / nconns);
	g->seq_set = g->seq_get = start;
	g->rng.s = mix64(o->seed + 0x6b6579ull * (conn + 1));
}

static uint64_t gaussian(struct lg_keygen *g, const struct lg_opts *o)
{
	/* Box-Muller around the middle of the range, sd = range / 6 (memtier's) */
	double range = (double)(o->key_max - o->key_min + 1);
	double u1 = ((double)(lg_rng_next(&g->rng) >> 11) + 1.0) / 9007199254740993.0;
	double u2 = (double)(lg_rng_next(&g->rng) >> 11) / 9007199254740992.0;
	double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
	double v = (double)o->key_min + range / 2 + z * range / 6;
	if (v < (double)o->key_min)
		return o->key_min;
	if (v > (double)o->key_max)
		return o->key_max;
	return (uint64_t)v;
}

uint64_t lg_next_key(struct lg_keygen *g, const struct lg_opts *o, enum lg_op op)
{
	char pattern = op == LG_GET ? o->get_pattern : o->set_pattern;
	uint64_t range = o->key_max - o->key_min + 1;
	uint64_t *seq = op == LG_GET ? &g->seq_get : &g->seq_set;
	uint64_t k;

	switch (pattern) {
	case 'S':
		k = *seq;
		*seq = k == o->key_max ? o->key_min : k + 1;
		return k;
	case 'G':
		return gaussian(g, o);
	default:
		return o->key_min + (range ? lg_rng_next(&g->rng) % range : 0);
	}
}
