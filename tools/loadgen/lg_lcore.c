/*
 * One generator lcore: its stack over its port queue, then
 *   ARP (lcore 0 asks, the others are seeded with its answer),
 *   connect its share of the connections (bounded by --connect-timeout),
 *   wait until every lcore is connected (so the window measures load, not
 *   handshakes), the prefill and the poison SET if asked, then the measured run until
 *   --test-time or --requests, a bounded drain of the replies still in
 *   flight, and a graceful close.
 * The poll loop is transport_dpdk.c's: clock, RX burst, stack input (the
 * callbacks read replies and refill pipelines), net_poll, delayed TX.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_pause.h>

#include "loadgen.h"
#include "net/net_client.h"
#include "net/net_dpdk_int.h"

#define LG_DRAIN_S 2.0          /* replies still in flight at the end */
#define LG_CLOSE_S 1.0          /* FIN exchange */
#define LG_TIME_WAIT_US 10000   /* our side closes first: keep TIME_WAIT short */
#define LG_ARP_REFRESH_S 1.0    /* re-seed the server's MAC (the cache entry expires) */

static uint64_t tsc_to_us(const struct lg_shared *sh, uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * sh->ns_mult) >> 32) / 1000u;
}

static uint64_t secs(const struct lg_shared *sh, double s)
{
	return (uint64_t)(s * (double)sh->tsc_hz);
}

/* One turn of the poll loop; true if it received anything. */
static bool turn(struct lg_lcore *lc)
{
	uint64_t tsc = rte_rdtsc();
	if (lc->busy)
		lc->busy_cycles += tsc - lc->last_tsc;
	else
		lc->idle_cycles += tsc - lc->last_tsc;
	lc->last_tsc = tsc;
	lc->now_tsc = tsc;
	uint64_t tx_before = lc->pl->cnt.tx_pkts;
	uint64_t now = tsc_to_us(lc->sh, tsc);
	lc->pl->now_us = now;
	net_set_time(lc->ns, now);

	struct rte_mbuf *pkts[PORT_RX_MAX];
	uint16_t n = port_rx(lc->pl, pkts);
	if (n)
		net_input(lc->ns, pkts, n);
	net_poll(lc->ns);
	port_tx_tick(lc->pl);
	lc->busy = n || lc->pl->cnt.tx_pkts != tx_before;
	return n != 0;
}

static int fail(struct lg_lcore *lc, const char *msg)
{
	snprintf(lc->failure, sizeof(lc->failure), "lcore %u: %s", lc->lcore_id, msg);
	atomic_store(&lc->sh->abort, true);
	return -1;
}

static bool aborted(const struct lg_lcore *lc)
{
	return atomic_load_explicit(&lc->sh->abort, memory_order_relaxed);
}

static int resolve_server(struct lg_lcore *lc)
{
	struct lg_shared *sh = lc->sh;
	const struct lg_opts *o = sh->o;
	uint64_t end = rte_rdtsc() + secs(sh, o->connect_timeout);

	if (lc->idx == 0) {
		struct rte_ether_addr mac;
		for (;;) {
			turn(lc);
			int rc = net_arp_lookup(lc->ns, o->server_ip, &mac);
			if (rc == 0)
				break;
			if (rc == -ENETUNREACH)
				return fail(lc, "the server is not on our subnet (--ip) and there is no gateway");
			if (rte_rdtsc() > end || aborted(lc))
				return fail(lc, "the server did not answer ARP (is it running, on the same link?)");
		}
		sh->server_mac = mac;
		atomic_store_explicit(&sh->arp, 1, memory_order_release);
	} else {
		while (atomic_load_explicit(&sh->arp, memory_order_acquire) != 1) {
			turn(lc);
			if (aborted(lc))
				return -1;
		}
	}
	net_arp_seed(lc->ns, o->server_ip, &sh->server_mac);
	return 0;
}

static int connect_all(struct lg_lcore *lc)
{
	struct lg_shared *sh = lc->sh;
	const struct lg_opts *o = sh->o;
	uint64_t end = rte_rdtsc() + secs(sh, o->connect_timeout);

	for (unsigned i = 0; i < lc->nconns; i++) {
		struct lg_conn *c = &lc->conns[i];
		c->tc = tcp_connect(lc->ns, o->server_ip, o->server_port, c, lc->idx, sh->nlcores);
		if (!c->tc)
			return fail(lc, "tcp_connect failed (no local port or out of mbufs)");
	}
	while (lc->nopen + lc->cnt.err_conn < lc->nconns) {
		turn(lc);
		if (rte_rdtsc() > end)
			return fail(lc, "connections did not complete in --connect-timeout (is the "
				    "server listening there? over net_memif, it needs as many lcores "
				    "as the generator)");
		if (aborted(lc))
			return -1;
	}
	if (lc->cnt.err_conn)
		return fail(lc, "the server refused or reset connections");
	return 0;
}

/* All lcores connected: a barrier, polling meanwhile (ACKs, ARP). */
static int wait_all_ready(struct lg_lcore *lc)
{
	struct lg_shared *sh = lc->sh;
	atomic_fetch_add(&sh->ready, 1);
	while (atomic_load(&sh->ready) < sh->nlcores) {
		turn(lc);
		if (aborted(lc))
			return -1;
	}
	return 0;
}

/* --prefill, on lcore 0's first connection: every key of the range once,
 * pipelined; fails if the replies stop for --connect-timeout. */
static int prefill(struct lg_lcore *lc)
{
	struct lg_shared *sh = lc->sh;
	const struct lg_opts *o = sh->o;
	struct lg_conn *c = &lc->conns[0];
	uint64_t next = o->key_min, left = c->count;
	uint64_t stall = secs(sh, o->connect_timeout), end = rte_rdtsc() + stall;

	while ((next <= o->key_max || c->count) && !c->failed) {
		lc->now_tsc = rte_rdtsc();
		lg_conn_fill(c, &next, o->key_max);
		turn(lc);
		if (c->count != left) {
			left = c->count;
			end = rte_rdtsc() + stall;
		} else if (rte_rdtsc() > end) {
			return fail(lc, "no reply to the --prefill SETs");
		}
		if (aborted(lc))
			return -1;
	}
	/* the report's bytes are the measured run's */
	lc->cnt.bytes_in = lc->cnt.bytes_out = 0;
	return c->failed ? fail(lc, "the connection failed during --prefill") : 0;
}

static int poison(struct lg_lcore *lc)
{
	struct lg_shared *sh = lc->sh;
	struct lg_conn *c = &lc->conns[0];
	uint64_t end = rte_rdtsc() + secs(sh, sh->o->connect_timeout);

	lc->now_tsc = rte_rdtsc();
	lg_conn_poison(c);
	while (c->count && !c->failed) {
		turn(lc);
		if (rte_rdtsc() > end)
			return fail(lc, "no reply to the --poison-key SET");
	}
	return c->failed ? fail(lc, "the connection failed during the --poison-key SET") : 0;
}

static unsigned in_flight(const struct lg_lcore *lc)
{
	unsigned n = 0;
	for (unsigned i = 0; i < lc->nconns; i++)
		n += lc->conns[i].count;
	return n;
}

static bool all_requests_done(const struct lg_lcore *lc)
{
	const struct lg_opts *o = lc->sh->o;
	for (unsigned i = 0; i < lc->nconns; i++) {
		const struct lg_conn *c = &lc->conns[i];
		if (c->state == LG_OPEN && (c->issued < o->requests || c->count))
			return false;
	}
	return true;
}

static void run(struct lg_lcore *lc)
{
	struct lg_shared *sh = lc->sh;
	const struct lg_opts *o = sh->o;
	uint64_t refresh = secs(sh, LG_ARP_REFRESH_S), next_refresh;

	lc->issuing = true;
	lc->now_tsc = lc->start_tsc = lc->last_reply_tsc = rte_rdtsc();
	next_refresh = lc->start_tsc + refresh;
	uint64_t end = o->requests ? UINT64_MAX : lc->start_tsc + secs(sh, o->test_time);
	/* requests never issued count neither as busy nor idle */
	lc->busy_cycles = lc->idle_cycles = 0;
	lc->last_tsc = lc->start_tsc;
	for (unsigned i = 0; i < lc->nconns; i++)
		lg_conn_pump(&lc->conns[i]);

	for (unsigned k = 0;; k++) {
		turn(lc);
		/* clock checks every 64 turns: a turn is well under a microsecond idle */
		if ((k & 63) == 0) {
			if (lc->now_tsc >= end || (o->requests && all_requests_done(lc)) ||
			    !lc->nopen || aborted(lc))
				break;
			if (lc->now_tsc >= next_refresh) {
				net_arp_seed(lc->ns, o->server_ip, &sh->server_mac);
				next_refresh = lc->now_tsc + refresh;
			}
		}
	}
	lc->issuing = false;
	lc->stop_tsc = rte_rdtsc();
	uint64_t drain_end = lc->stop_tsc + secs(sh, LG_DRAIN_S);
	while (in_flight(lc) && rte_rdtsc() < drain_end)
		turn(lc);
	/* LG_DEBUG=1: each connection's state after the drain (for stalls) */
	if (getenv("LG_DEBUG"))
		for (unsigned i = 0; i < lc->nconns; i++) {
			struct lg_conn *c = &lc->conns[i];
			fprintf(stderr, "conn %u: state %d failed %d count %u olen %zu ooff %zu ilen %zu issued %llu space %zu\n",
				c->id, c->state, c->failed, c->count, c->olen, c->ooff, c->ilen,
				(unsigned long long)c->issued, c->tc ? tcp_send_space(c->tc) : 0);
		}
}

static void close_all(struct lg_lcore *lc)
{
	uint64_t end = rte_rdtsc() + secs(lc->sh, LG_CLOSE_S);
	for (unsigned i = 0; i < lc->nconns; i++) {
		struct lg_conn *c = &lc->conns[i];
		if (c->state == LG_OPEN && c->tc) {
			lc->nopen--;
			c->state = LG_CLOSING;
			tcp_close(c->tc);
		}
	}
	while (lc->nclosed < lc->nconns && rte_rdtsc() < end)
		turn(lc);
}

static int setup(struct lg_lcore *lc)
{
	struct lg_shared *sh = lc->sh;
	struct net_stack_cfg sc = *port_stack_cfg(sh->port);

	lc->pl = port_lcore(sh->port, lc->idx);
	lc->lcore_id = rte_lcore_id();
	sc.listen_port = 0;                  /* active open only */
	sc.time_wait_us = LG_TIME_WAIT_US;
	sc.seed = (uint32_t)(rte_rdtsc() ^ (lc->idx * 0x9e3779b9u));
	lc->ns = net_stack_new(&sc, &lc->pl->io, &lg_app_ops, lc);
	if (!lc->ns)
		return fail(lc, "cannot create its network stack");
	lc->fill_opts = *sh->o;
	lc->fill_opts.seed = sh->o->prefill_seed;
	if (lg_workload_init(&lc->wl, sh->o) < 0 || lg_workload_init(&lc->wl_fill, &lc->fill_opts) < 0)
		return fail(lc, "out of memory");
	/* connection i belongs to lcore i % nlcores */
	lc->nconns = sh->o->clients / sh->nlcores + (lc->idx < sh->o->clients % sh->nlcores);
	lc->conns = calloc(lc->nconns ? lc->nconns : 1, sizeof(*lc->conns));
	if (!lc->conns)
		return fail(lc, "out of memory");
	for (unsigned i = 0; i < lc->nconns; i++)
		if (lg_conn_init(&lc->conns[i], lc, lc->idx + i * sh->nlcores) < 0)
			return fail(lc, "out of memory");
	lc->last_tsc = rte_rdtsc();
	return 0;
}

void *lg_lcore_main(void *arg)
{
	struct lg_lcore *lc = arg;

	if (setup(lc) < 0 || resolve_server(lc) < 0 || connect_all(lc) < 0) {
		atomic_fetch_add(&lc->sh->ready, 1);
		return NULL;
	}
	if (lc->idx == 0 && lc->sh->o->prefill && lc->nconns && prefill(lc) < 0) {
		atomic_fetch_add(&lc->sh->ready, 1);
		return NULL;
	}
	if (lc->idx == 0 && lc->sh->o->poison_key >= 0 && poison(lc) < 0) {
		atomic_fetch_add(&lc->sh->ready, 1);
		return NULL;
	}
	if (wait_all_ready(lc) < 0)
		return NULL;
	run(lc);
	close_all(lc);
	return NULL;
}
