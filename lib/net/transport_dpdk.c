/*
 * The dpdk io-backend's engine transport: on every lcore one wirekv TCP
 * stack (lib/net) over that lcore's queue pair, adapted to the engine's
 * transport_ops.
 *
 * A poll turn, like l2fwd's loop: read the clock; push the output of conns
 * the engine flushed into their TCP send queues (engine_conn_take_output ->
 * tcp_send -> engine_conn_sent with what was accepted; a conn whose send
 * buffer is full waits for writable()); receive a burst (net-impair,
 * steering ring); net_input; net_poll (timers, ACKs, data out, closed());
 * release delayed TX frames. It never sleeps and makes no system call:
 * poll() ignores its timeout and wake() has nothing to do.
 *
 * A conn's handle in the stack is the engine's struct conn; struct dconn
 * lives in its private area. The stack letting go of a conn (closed())
 * becomes engine_conn_closed() at once if the engine had closed it, or
 * after an engine_conn_error() -> close() round trip (reaped at the end of
 * the turn) if it had not.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_lcore.h>

#include "net/net_dpdk_int.h"
#include "net/tsc_clock.h"

struct dconn {
	struct tcp_conn *tc;          /* NULL once the stack let go */
	const char *p;                /* chunk taken from the engine ... */
	size_t n;                     /* ... and not yet accepted by tcp_send */
	bool sending;                 /* holds a chunk (the engine's CONN_SENDING) */
	bool closing;                 /* the engine called close */
	bool failed;                  /* the stack reported an error: it resets the conn itself */
	bool on_out;
	bool reaped;
	struct dconn *out_prev, *out_next;   /* conns with output to push */
	struct dconn *reap_next;
} __attribute__((aligned(8)));

struct dtp {
	_Alignas(64) struct worker *w;
	struct port_lcore *pl;
	struct net_stack *ns;
	unsigned lcore;
	unsigned next_fd;             /* per-lcore connection number (CLIENT LIST fd) */
	struct dconn *out_head;
	struct dconn *reap;           /* closed by the engine after the stack let go */
	uint64_t last_tsc, busy_cycles, idle_cycles;
	bool busy;                    /* the last turn did something */
	struct tsc_clock clock;       /* the engine's and the stack's time */
};

static struct dconn *dconn_of(struct conn *c) { return engine_conn_priv(c); }

static void out_add(struct dtp *t, struct dconn *d)
{
	if (d->on_out)
		return;
	d->on_out = true;
	d->out_prev = NULL;
	d->out_next = t->out_head;
	if (t->out_head)
		t->out_head->out_prev = d;
	t->out_head = d;
}

static void out_del(struct dtp *t, struct dconn *d)
{
	if (!d->on_out)
		return;
	if (d->out_prev)
		d->out_prev->out_next = d->out_next;
	else
		t->out_head = d->out_next;
	if (d->out_next)
		d->out_next->out_prev = d->out_prev;
	d->on_out = false;
	d->out_prev = d->out_next = NULL;
}

static void reap_add(struct dtp *t, struct dconn *d)
{
	if (d->reaped)
		return;
	d->reaped = true;
	d->reap_next = t->reap;
	t->reap = d;
}

/* ------------------------------------------------------- stack -> engine */

static void *app_accepted(void *app, struct tcp_conn *tc, const char *peer, const char *local)
{
	struct dtp *t = app;
	int fd = (int)(t->next_fd++ % INT_MAX);
	struct conn *c = engine_conn_open(t->w, fd, peer, local);
	if (!c)
		return NULL; /* the stack answers RST */
	struct dconn *d = dconn_of(c);
	memset(d, 0, sizeof(*d));
	d->tc = tc;
	return c;
}

static void app_recv(void *app, void *h, char *data, size_t len)
{
	struct dtp *t = app;
	engine_conn_input(t->w, h, data, len);
}

static void app_eof(void *app, void *h)
{
	struct dtp *t = app;
	engine_conn_eof(t->w, h);
}

static void app_error(void *app, void *h, int err)
{
	struct dtp *t = app;
	dconn_of(h)->failed = true;
	engine_conn_error(t->w, h, err);
}

static void app_writable(void *app, void *h)
{
	struct dtp *t = app;
	struct dconn *d = dconn_of(h);
	if (d->sending && !d->closing)
		out_add(t, d);
}

static void app_closed(void *app, void *h)
{
	struct dtp *t = app;
	struct dconn *d = dconn_of(h);
	d->tc = NULL;
	out_del(t, d);
	if (d->closing) {
		engine_conn_closed(t->w, h);
		return;
	}
	/* the stack gave up on its own (it reports error() first, so this is
	 * a fallback): the engine closes, close() sees no tc and reaps */
	d->failed = true;
	engine_conn_error(t->w, h, ECONNRESET);
}

static size_t app_pending_input(void *app, void *h)
{
	return engine_conn_pending_input(h);
}

static const struct net_app_ops app_ops = {
	.accepted = app_accepted,
	.recv = app_recv,
	.eof = app_eof,
	.error = app_error,
	.writable = app_writable,
	.closed = app_closed,
	.pending_input = app_pending_input,
};

/* ------------------------------------------------------- engine -> stack */

static void push_output(struct dtp *t, struct dconn *d)
{
	struct conn *c = engine_conn_from_priv(d);
	if (!d->tc || d->closing)
		return;
	if (!d->sending) {
		if (!engine_conn_take_output(c, &d->p, &d->n))
			return;
		d->sending = true;
	}
	ssize_t r = tcp_send(d->tc, d->p, d->n);
	if (r == 0)
		return; /* send buffer full: writable() puts it back on the list */
	d->sending = false;
	engine_conn_sent(t->w, c, (long)r); /* r < 0 (-EPIPE): the engine closes */
}

static void dpdk_flush(struct worker *w, struct conn *c)
{
	struct dtp *t = worker_transport(w);
	struct dconn *d = dconn_of(c);
	if (!d->tc || d->closing)
		return;
	/* the engine has run what it held: its unparsed input may be smaller */
	tcp_window_update(d->tc);
	if (!d->sending)
		out_add(t, d);
}

static void dpdk_set_reading(struct worker *w, struct conn *c, bool on)
{
	struct dconn *d = dconn_of(c);
	if (d->tc && !d->closing)
		tcp_set_reading(d->tc, on);
}

static void dpdk_close(struct worker *w, struct conn *c)
{
	struct dtp *t = worker_transport(w);
	struct dconn *d = dconn_of(c);
	if (d->closing)
		return;
	d->closing = true;
	out_del(t, d);
	if (!d->tc) {
		reap_add(t, d);     /* engine_conn_closed at the end of the turn */
	} else if (d->failed) {
		/* reset or timed out: the stack frees it and calls closed() */
	} else if (d->sending) {
		/* the peer is not taking our data: reset rather than wait */
		tcp_abort(d->tc);
	} else {
		tcp_close(d->tc);
	}
}

static void dpdk_stop_accepting(struct worker *w)
{
	struct dtp *t = worker_transport(w);
	net_stop_listening(t->ns);
}

static void dpdk_wake(struct worker *dst)
{
	(void)dst; /* a polling lcore is never asleep */
}

/* ------------------------------------------------------- the loop step */

static int64_t dpdk_clock_us(struct worker *w)
{
	struct dtp *t = worker_transport(w);
	return tsc_clock_real_us(&t->clock, rte_rdtsc());
}

/* The TCP payloads of a burst, as they sit in the frames (IPv4, first
 * segment only), for engine_prefetch_payloads. Nothing is validated here:
 * the hint reads inside each frame's bytes and nothing more. */
static void hint_payloads(struct worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const char *data[ENGINE_HINT_MAX];
	size_t len[ENGINE_HINT_MAX];
	int k = 0;
	for (uint16_t i = 0; i < n && k < ENGINE_HINT_MAX; i++) {
		const struct rte_mbuf *m = pkts[i];
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		size_t fl = m->data_len, l3 = sizeof(struct rte_ether_hdr);
		const struct rte_ether_hdr *eh = (const void *)f;
		if (fl < l3 + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_tcp_hdr) ||
		    eh->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
			continue;
		const struct rte_ipv4_hdr *ip = (const void *)(f + l3);
		size_t l4 = l3 + rte_ipv4_hdr_len(ip);
		if (ip->next_proto_id != IPPROTO_TCP || fl < l4 + sizeof(struct rte_tcp_hdr))
			continue;
		const struct rte_tcp_hdr *th = (const void *)(f + l4);
		size_t off = l4 + ((th->data_off >> 4) * 4u);
		size_t end = l3 + rte_be_to_cpu_16(ip->total_length);
		if (end > fl)
			end = fl;
		if (off >= end)
			continue;
		data[k] = (const char *)f + off;
		len[k++] = end - off;
	}
	if (k >= 2)
		engine_prefetch_payloads(w, data, len, k);
}

static int dpdk_poll(struct worker *w, int timeout_ms)
{
	struct dtp *t = worker_transport(w);
	(void)timeout_ms; /* polling: never sleeps */

	/* cycles since the last turn count as busy if that turn did work */
	uint64_t tsc = rte_rdtsc();
	if (t->busy)
		t->busy_cycles += tsc - t->last_tsc;
	else
		t->idle_cycles += tsc - t->last_tsc;
	t->last_tsc = tsc;
	uint64_t tx_before = t->pl->cnt.tx_pkts;
	bool busy = t->out_head != NULL;

	tsc_clock_tick(&t->clock, tsc);
	uint64_t now = tsc_clock_mono_us(&t->clock, tsc);
	t->pl->now_us = now;
	net_set_time(t->ns, now);

	struct dconn *d = t->out_head;
	t->out_head = NULL;
	while (d) {
		struct dconn *next = d->out_next;
		d->on_out = false;
		d->out_prev = d->out_next = NULL;
		push_output(t, d);
		d = next;
	}

	struct rte_mbuf *pkts[PORT_RX_MAX];
	uint16_t n = port_rx(t->pl, pkts);
	if (n) {
		hint_payloads(w, pkts, n);
		net_input(t->ns, pkts, n);
		busy = true;
	}
	net_poll(t->ns);
	port_tx_tick(t->pl);

	while (t->reap) {
		struct dconn *r = t->reap;
		t->reap = r->reap_next;
		engine_conn_closed(w, engine_conn_from_priv(r));
	}
	t->busy = busy || t->pl->cnt.tx_pkts != tx_before;
	return 0;
}

/* ------------------------------------------------------- set-up, INFO */

static void *dpdk_worker_init(struct worker *w, char *err, size_t errlen)
{
	struct dpdk_port *p = worker_transport_ctx(w);
	int id = worker_id(w);
	if (!p || id < 0 || (unsigned)id >= dpdk_port_lcores(p)) {
		snprintf(err, errlen, "worker %d has no DPDK queue (the engine needs one worker per lcore)", id);
		return NULL;
	}
	struct dtp *t = aligned_alloc(64, (sizeof(*t) + 63) & ~(size_t)63);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->w = w;
	t->pl = port_lcore(p, (unsigned)id);
	t->lcore = rte_lcore_id();
	struct net_stack_cfg sc = *port_stack_cfg(p);
	sc.seed = (uint32_t)(rte_rdtsc() ^ ((uint64_t)id * 0x9e3779b97f4a7c15ULL >> 32));
	t->ns = net_stack_new(&sc, &t->pl->io, &app_ops, t);
	if (!t->ns) {
		snprintf(err, errlen, "lcore %u: cannot create its network stack", t->lcore);
		free(t);
		return NULL;
	}
	tsc_clock_init(&t->clock);
	uint64_t now = tsc_clock_mono_us(&t->clock, rte_rdtsc());
	t->pl->now_us = now;
	net_set_time(t->ns, now);
	if (id == 0) {
		net_announce(t->ns);    /* gratuitous ARP: the LAN learns our MAC */
		net_poll(t->ns);
	}
	t->last_tsc = rte_rdtsc();
	wk_log(worker_log(w), LL_VERBOSE, "worker %d on lcore %u serves queue %u", id, t->lcore,
	       t->pl->queue);
	return t;
}

static void dpdk_worker_fini(struct worker *w)
{
	struct dtp *t = worker_transport(w);
	if (!t)
		return;
	net_stack_free(t->ns); /* conns go without callbacks; the engine frees its own */
	free(t);
}

static size_t dpdk_info(struct worker *w, char *buf, size_t cap)
{
	struct dtp *t = worker_transport(w);
	const struct net_counters *nc = net_counters(t->ns);
	const struct port_counters *pc = &t->pl->cnt;
	int len = snprintf(buf, cap,
		"lcore%u:queue=%u,rx_pkts=%llu,tx_pkts=%llu,rx_bytes=%llu,tx_bytes=%llu,drops=%llu,"
		"tcp_conns=%llu,retransmits=%llu,ooo_segs=%llu,csum_errors=%llu,ring_msgs=%llu,"
		"busy_cycles=%llu,idle_cycles=%llu",
		t->lcore, t->pl->queue, (unsigned long long)pc->rx_pkts,
		(unsigned long long)pc->tx_pkts, (unsigned long long)pc->rx_bytes,
		(unsigned long long)pc->tx_bytes,
		(unsigned long long)(nc->rx_drops + nc->tx_nombuf + pc->tx_drops + pc->steer_drops),
		(unsigned long long)nc->tcp_conns,
		(unsigned long long)(nc->tcp_retransmits + nc->tcp_fast_retransmits),
		(unsigned long long)nc->tcp_ooo_segs, (unsigned long long)nc->rx_csum_errors,
		(unsigned long long)(pc->steered_in + pc->steered_out),
		(unsigned long long)t->busy_cycles, (unsigned long long)t->idle_cycles);
	if (len < 0)
		return 0;
	size_t at = (size_t)len < cap ? (size_t)len : cap;
	if (t->pl->rx_imp && at < cap) {
		const struct impair_counters *rx = impair_counters(t->pl->rx_imp);
		const struct impair_counters *tx = impair_counters(t->pl->tx_imp);
		len = snprintf(buf + at, cap - at, ",impair_lost=%llu,impair_dups=%llu,impair_reordered=%llu",
			       (unsigned long long)(rx->lost + tx->lost),
			       (unsigned long long)(rx->duplicated + tx->duplicated),
			       (unsigned long long)(rx->reordered + tx->reordered));
		if (len > 0)
			at += (size_t)len < cap - at ? (size_t)len : cap - at;
	}
	if (at + 2 < cap) {
		memcpy(buf + at, "\r\n", 2);
		at += 2;
	}
	return at;
}

const struct transport_ops dpdk_transport_ops = {
	.name = "dpdk",
	.conn_priv_size = sizeof(struct dconn),
	.check = NULL,
	.worker_init = dpdk_worker_init,
	.worker_fini = dpdk_worker_fini,
	.poll = dpdk_poll,
	.flush = dpdk_flush,
	.set_reading = dpdk_set_reading,
	.close = dpdk_close,
	.wake = dpdk_wake,
	.stop_accepting = dpdk_stop_accepting,
	.info = dpdk_info,
	.clock_us = dpdk_clock_us,
};
