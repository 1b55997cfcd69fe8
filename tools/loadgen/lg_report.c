/* What wirekv-loadgen prints: memtier's table, or one JSON object. */
#include <stdio.h>
#include <string.h>

#include "loadgen.h"
#include "net/net_dpdk_int.h"

void lg_result_gather(struct lg_result *r, const struct lg_shared *sh)
{
	memset(r, 0, sizeof(*r));
	r->o = sh->o;
	r->nlcores = sh->nlcores;
	r->lcores = sh->lcores;
	r->tsc_hz = sh->tsc_hz;
	uint64_t start = UINT64_MAX, end = 0;
	for (unsigned i = 0; i < sh->nlcores; i++) {
		const struct lg_lcore *lc = sh->lcores[i];
		const struct lg_counts *c = &lc->cnt;
		r->cnt.sets += c->sets;
		r->cnt.gets += c->gets;
		r->cnt.hits += c->hits;
		r->cnt.misses += c->misses;
		r->cnt.bytes_in += c->bytes_in;
		r->cnt.bytes_out += c->bytes_out;
		r->cnt.err_mismatch += c->err_mismatch;
		r->cnt.err_reply += c->err_reply;
		r->cnt.err_protocol += c->err_protocol;
		r->cnt.err_conn += c->err_conn;
		r->cnt.lost += c->lost;
		lg_hist_merge(&r->set, &lc->hist_set);
		lg_hist_merge(&r->get, &lc->hist_get);
		if (lc->start_tsc && lc->start_tsc < start)
			start = lc->start_tsc;
		if (lc->last_reply_tsc > end)
			end = lc->last_reply_tsc;
	}
	lg_hist_merge(&r->all, &r->set);
	lg_hist_merge(&r->all, &r->get);
	r->seconds = end > start && start != UINT64_MAX ? (double)(end - start) / (double)r->tsc_hz : 0;
}

static double per_sec(const struct lg_result *r, uint64_t n)
{
	return r->seconds > 0 ? (double)n / r->seconds : 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static double avg_us(const struct lg_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count / 1000.0 : 0;
}

static double cycles_per_op(const struct lg_lcore *lc)
{
	uint64_t ops = lc->cnt.sets + lc->cnt.gets;
	return ops ? (double)lc->busy_cycles / (double)ops : 0;
}

static double busy_pct(const struct lg_lcore *lc)
{
	uint64_t all = lc->busy_cycles + lc->idle_cycles;
	return all ? 100.0 * (double)lc->busy_cycles / (double)all : 0;
}

static void row(const struct lg_result *r, const char *type, const struct lg_hist *h,
		uint64_t ops, uint64_t hits, uint64_t misses, double kb)
{
	printf("%-8s %12.2f %12.2f %12.2f %12.3f %12.3f %12.3f %12.3f %12.3f %12.2f\n", type,
	       per_sec(r, ops), per_sec(r, hits), per_sec(r, misses), avg_us(h) / 1000.0,
	       us(lg_hist_quantile(h, 0.5)) / 1000.0, us(lg_hist_quantile(h, 0.99)) / 1000.0,
	       us(lg_hist_quantile(h, 0.999)) / 1000.0, us(h->max) / 1000.0, kb);
}

void lg_report_text(const struct lg_result *r)
{
	const struct lg_counts *c = &r->cnt;
	uint64_t errors = lg_errors(c);
	double kb = per_sec(r, c->bytes_in + c->bytes_out) / 1024.0;

	printf("%u lcore(s), %u connections, pipeline %u, %.2f seconds\n\n", r->nlcores,
	       r->o->clients, r->o->pipeline, r->seconds);
	printf("ALL STATS\n");
	printf("=====================================================================================================================================\n");
	printf("%-8s %12s %12s %12s %12s %12s %12s %12s %12s %12s\n", "Type", "Ops/sec", "Hits/sec",
	       "Misses/sec", "Avg. Latency", "p50 Latency", "p99 Latency", "p99.9 Latency",
	       "Max Latency", "KB/sec");
	printf("-------------------------------------------------------------------------------------------------------------------------------------\n");
	row(r, "Sets", &r->set, c->sets, 0, 0, 0);
	row(r, "Gets", &r->get, c->gets, c->hits, c->misses, 0);
	row(r, "Totals", &r->all, c->sets + c->gets, c->hits, c->misses, kb);
	printf("(latencies in milliseconds, like memtier; log buckets, error < 1/32)\n\n");
	printf("Errors: %llu (mismatched values %llu, error replies %llu, protocol %llu, "
	       "connections %llu; requests lost with them %llu)\n",
	       (unsigned long long)errors, (unsigned long long)c->err_mismatch,
	       (unsigned long long)c->err_reply, (unsigned long long)c->err_protocol,
	       (unsigned long long)c->err_conn, (unsigned long long)c->lost);
	printf("Replies verified: %llu (every SET +OK, every GET nil or its key's value)\n",
	       (unsigned long long)(c->sets + c->gets));
	for (unsigned i = 0; i < r->nlcores; i++) {
		const struct lg_lcore *lc = r->lcores[i];
		printf("lcore %u: %llu ops, %.0f busy cycles per request, busy %.1f%% of the run\n",
		       lc->lcore_id, (unsigned long long)(lc->cnt.sets + lc->cnt.gets),
		       cycles_per_op(lc), busy_pct(lc));
		const struct net_counters *nc = net_counters(lc->ns);
		const struct port_counters *pc = &lc->pl->cnt;
		printf("lcore %u: frames in %llu out %llu, device TX drops %llu, stack drops %llu, "
		       "no mbuf %llu, retransmits %llu (fast %llu), timeouts %llu\n", lc->lcore_id,
		       (unsigned long long)pc->rx_pkts, (unsigned long long)pc->tx_pkts,
		       (unsigned long long)pc->tx_drops, (unsigned long long)nc->rx_drops,
		       (unsigned long long)nc->tx_nombuf, (unsigned long long)nc->tcp_retransmits,
		       (unsigned long long)nc->tcp_fast_retransmits, (unsigned long long)nc->tcp_timeouts);
	}
}

static void json_hist(const char *name, const struct lg_hist *h, const char *tail)
{
	printf("\"%s\":{\"avg\":%.3f,\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}%s", name,
	       avg_us(h), us(lg_hist_quantile(h, 0.5)), us(lg_hist_quantile(h, 0.99)),
	       us(lg_hist_quantile(h, 0.999)), us(h->max), tail);
}

void lg_report_json(const struct lg_result *r)
{
	const struct lg_counts *c = &r->cnt;
	const struct lg_opts *o = r->o;

	printf("{\"ops_per_sec\":%.2f,\"sets_per_sec\":%.2f,\"gets_per_sec\":%.2f,",
	       per_sec(r, c->sets + c->gets), per_sec(r, c->sets), per_sec(r, c->gets));
	printf("\"ops\":%llu,\"sets\":%llu,\"gets\":%llu,\"hits\":%llu,\"misses\":%llu,"
	       "\"verified\":%llu,",
	       (unsigned long long)(c->sets + c->gets), (unsigned long long)c->sets,
	       (unsigned long long)c->gets, (unsigned long long)c->hits,
	       (unsigned long long)c->misses, (unsigned long long)(c->sets + c->gets));
	printf("\"errors\":%llu,\"error_detail\":{\"mismatch\":%llu,\"error_reply\":%llu,"
	       "\"protocol\":%llu,\"connection\":%llu,\"lost_requests\":%llu},",
	       (unsigned long long)lg_errors(c), (unsigned long long)c->err_mismatch,
	       (unsigned long long)c->err_reply, (unsigned long long)c->err_protocol,
	       (unsigned long long)c->err_conn, (unsigned long long)c->lost);
	printf("\"kb_per_sec\":%.2f,\"seconds\":%.4f,",
	       per_sec(r, c->bytes_in + c->bytes_out) / 1024.0, r->seconds);
	json_hist("latency_us", &r->all, ",");
	json_hist("set_latency_us", &r->set, ",");
	json_hist("get_latency_us", &r->get, ",");
	printf("\"lcores\":[");
	for (unsigned i = 0; i < r->nlcores; i++) {
		const struct lg_lcore *lc = r->lcores[i];
		printf("%s{\"lcore\":%u,\"connections\":%u,\"ops\":%llu,\"busy_cycles\":%llu,"
		       "\"idle_cycles\":%llu,\"cycles_per_op\":%.1f,\"busy_pct\":%.2f}",
		       i ? "," : "", lc->lcore_id, lc->nconns,
		       (unsigned long long)(lc->cnt.sets + lc->cnt.gets),
		       (unsigned long long)lc->busy_cycles, (unsigned long long)lc->idle_cycles,
		       cycles_per_op(lc), busy_pct(lc));
	}
	printf("],\"tsc_hz\":%llu,", (unsigned long long)r->tsc_hz);
	/* [upper bound us, cumulative fraction] for each non-empty bucket */
	printf("\"latency_cdf\":[");
	uint64_t seen = 0;
	bool first = true;
	for (unsigned i = 0; i < LG_HIST_BUCKETS && r->all.count; i++) {
		if (!r->all.b[i])
			continue;
		seen += r->all.b[i];
		uint64_t top = lg_hist_bucket_top(i);
		printf("%s[%.3f,%.6f]", first ? "" : ",", us(top < r->all.max ? top : r->all.max),
		       (double)seen / (double)r->all.count);
		first = false;
	}
	printf("],\"config\":{\"clients\":%u,\"pipeline\":%u,\"ratio\":\"%u:%u\","
	       "\"key_minimum\":%llu,\"key_maximum\":%llu,\"key_pattern\":\"%c:%c\","
	       "\"data_size\":%u,\"seed\":%llu,\"lcores\":%u}}\n",
	       o->clients, o->pipeline, o->ratio_set, o->ratio_get,
	       (unsigned long long)o->key_min, (unsigned long long)o->key_max, o->set_pattern,
	       o->get_pattern, o->data_size, (unsigned long long)o->seed, r->nlcores);
}
