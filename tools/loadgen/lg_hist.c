/* The log-bucketed latency histogram (HDR histogram is not in Debian). */
#include "loadgen.h"

uint64_t lg_hist_bucket_top(unsigned i)
{
	if (i < (1u << LG_HIST_SUB_BITS))
		return i;
	unsigned k = (i >> LG_HIST_SUB_BITS) + LG_HIST_SUB_BITS - 1;
	uint64_t sub = i & ((1u << LG_HIST_SUB_BITS) - 1);
	uint64_t lo = (1ull << k) | (sub << (k - LG_HIST_SUB_BITS));
	return lo + (1ull << (k - LG_HIST_SUB_BITS)) - 1;
}

void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src)
{
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
	for (unsigned i = 0; i < LG_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
}

uint64_t lg_hist_quantile(const struct lg_hist *h, double q)
{
	if (!h->count)
		return 0;
	if (q >= 1)
		return h->max;
	/* the smallest bucket whose cumulative count reaches q of all */
	uint64_t want = (uint64_t)(q * (double)h->count);
	if (want < 1)
		want = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < LG_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t top = lg_hist_bucket_top(i);
			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}
