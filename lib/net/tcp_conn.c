/*
 * TCP-lite connection table and life cycle: the 4-tuple hash, creation,
 * the end of a conn (tcp_conn_done: unhash now, closed() and free later
 * from tcp_poll, so the app never sees closed() from inside its own call),
 * in-order delivery to the app, and tcp_poll itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_jhash.h>
#include <rte_mbuf_dyn.h>

#include "net/tcp_int.h"

static uint32_t tcp_hash(const struct tcp_table *t, uint32_t rip, uint16_t rport, uint16_t lport)
{
	return rte_jhash_2words(rip, ((uint32_t)rport << 16) | lport, t->seed) & t->mask;
}

struct tcp_table *tcp_table_new(struct net_stack *ns)
{
	static const struct rte_mbuf_dynfield meta_desc = {
		.name = "wirekv_tcp_meta",
		.size = sizeof(struct tcp_mbuf_meta),
		.align = __alignof__(struct tcp_mbuf_meta),
	};
	uint32_t nb = 64;
	struct tcp_table *t;
	int off = rte_mbuf_dynfield_register(&meta_desc);

	if (off < 0)
		return NULL;
	while (nb < ns->cfg.max_conns && nb < (1u << 24))
		nb <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->mask = nb - 1;
	t->seed = ns->cfg.seed;
	t->meta_off = off;
	t->piece_room = (uint16_t)(rte_pktmbuf_data_room_size(ns->io.pool) - RTE_PKTMBUF_HEADROOM);
	t->wheel_tick = ns->now_us / TCP_TICK_US;
	return t;
}

void tcp_free_mlist(struct rte_mbuf *m, const struct tcp_table *t)
{
	while (m) {
		struct rte_mbuf *next = tcp_meta(t, m)->link;

		rte_pktmbuf_free(m);
		m = next;
	}
}

static void tcp_conn_free_bufs(struct tcp_conn *tc)
{
	const struct tcp_table *t = tc->ns->tcp;

	tcp_sq_free(tc);
	tcp_free_mlist(tc->held_head, t);
	tcp_free_mlist(tc->ooo_head, t);
	tc->held_head = tc->held_tail = tc->ooo_head = NULL;
	tc->held_bytes = tc->ooo_n = 0;
}

void tcp_table_free(struct net_stack *ns, struct tcp_table *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i <= t->mask; i++) {
		while (t->buckets[i]) {
			struct tcp_conn *tc = t->buckets[i];

			t->buckets[i] = tc->hnext;
			tcp_conn_free_bufs(tc);
			free(tc);
		}
	}
	while (t->dead) {
		struct tcp_conn *tc = t->dead;

		t->dead = tc->dnext;
		free(tc);
	}
	ns->cnt.tcp_conns = 0;
	free(t->buckets);
	free(t);
}

struct tcp_conn *tcp_lookup(struct tcp_table *t, uint32_t rip, uint16_t rport, uint16_t lport)
{
	struct tcp_conn *tc = t->buckets[tcp_hash(t, rip, rport, lport)];

	while (tc && (tc->rip != rip || tc->rport != rport || tc->lport != lport))
		tc = tc->hnext;
	return tc;
}

tcp_seq tcp_isn(const struct net_stack *ns, uint32_t rip, uint16_t rport, uint16_t lport)
{
	/* RFC 6528: a keyed function of the 4-tuple plus a 4 us clock. */
	return rte_jhash_3words(rip, ns->cfg.ip, ((uint32_t)rport << 16) | lport,
				ns->cfg.seed ^ 0x5bd1e995u) + (uint32_t)(ns->now_us >> 2);
}

static uint8_t tcp_our_wscale(uint32_t rcvbuf)
{
	uint8_t s = 0;

	while ((rcvbuf >> s) > 65535 && s < TCP_MAX_WSCALE)
		s++;
	return s;
}

struct tcp_conn *tcp_conn_new(struct net_stack *ns, uint32_t rip, uint16_t rport,
			      uint16_t lport, bool passive)
{
	struct tcp_table *t = ns->tcp;
	struct tcp_conn *tc = calloc(1, sizeof(*tc));
	uint32_t b;

	if (!tc)
		return NULL;
	tc->ns = ns;
	tc->rip = rip;
	tc->lip = ns->cfg.ip;
	tc->rport = rport;
	tc->lport = lport;
	tc->passive = passive;
	tc->reading = true;
	tc->mss = (uint16_t)(ns->cfg.mtu - 40);
	tc->rcv_wscale = tcp_our_wscale(ns->cfg.rcvbuf);
	tc->rto = TCP_RTO_INIT_US;
	tc->ssthresh = INT32_MAX;
	tc->iss = tcp_isn(ns, rip, rport, lport);
	tc->snd_una = tc->iss;
	tc->snd_nxt = tc->snd_max = tc->iss + 1;   /* the SYN */

	b = tcp_hash(t, rip, rport, lport);
	tc->hnext = t->buckets[b];
	t->buckets[b] = tc;
	t->nconns++;
	ns->cnt.tcp_conns++;
	return tc;
}

static void tcp_unhash(struct tcp_conn *tc)
{
	struct tcp_table *t = tc->ns->tcp;
	struct tcp_conn **pp = &t->buckets[tcp_hash(t, tc->rip, tc->rport, tc->lport)];

	while (*pp && *pp != tc)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = tc->hnext;
	tc->hnext = NULL;
}

void tcp_conn_done(struct tcp_conn *tc)
{
	struct tcp_table *t = tc->ns->tcp;

	if (tc->dead)
		return;
	if (tc->state == TCP_SYN_RCVD)
		t->nsynrcvd--;
	tcp_unhash(tc);
	tc->t_rexmt = tc->t_delack = 0;
	tcp_timer_unlink(tc);
	tcp_conn_free_bufs(tc);
	tc->state = TCP_CLOSED;
	tc->dead = true;
	t->nconns--;
	tc->dnext = t->dead;
	t->dead = tc;
}

void tcp_conn_fail(struct tcp_conn *tc, int err)
{
	bool tell = tc->app_attached && !tc->app_gone && !tc->dead;
	struct net_stack *ns = tc->ns;

	tcp_conn_done(tc);
	if (tell && ns->app->error)
		ns->app->error(ns->app_ctx, tc->h, err);
}

void tcp_kick(struct tcp_conn *tc)
{
	struct tcp_table *t = tc->ns->tcp;

	if (tc->on_work || tc->dead)
		return;
	tc->on_work = true;
	tc->wnext = t->work;
	t->work = tc;
}

void tcp_enter_time_wait(struct tcp_conn *tc)
{
	struct net_stack *ns = tc->ns;

	if (!ns->cfg.time_wait_us) {
		tcp_conn_done(tc);
		return;
	}
	tc->state = TCP_TIME_WAIT;
	tcp_conn_free_bufs(tc);
	tc->persist = false;
	tc->t_rexmt = ns->now_us + ns->cfg.time_wait_us;
	tcp_timer_update(tc);
}

/* Pass m's bytes up while the app reads; returns what is left (sliced),
 * or NULL when all was delivered or the app let go. */
static struct rte_mbuf *tcp_pass_up(struct tcp_conn *tc, struct rte_mbuf *m)
{
	struct net_stack *ns = tc->ns;
	uint32_t done = 0, total = m->pkt_len;

	for (struct rte_mbuf *s = m; s && done < total; s = s->next) {
		if (!s->data_len)
			continue;
		if (!tc->reading || tc->app_gone || tc->dead)
			break;
		done += s->data_len;
		ns->app->recv(ns->app_ctx, tc->h, rte_pktmbuf_mtod(s, char *), s->data_len);
	}
	if (done == total || tc->app_gone || tc->dead) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	tcp_mbuf_slice(m, done, total - done);
	return m;
}

/* Copy m's bytes behind the held tail if they fit its buffer. The held
 * queue is bounded in bytes (the window), not in mbufs: without this, a
 * peer's tiny segments (one per write with TCP_NODELAY) would each pin a
 * whole mbuf of the port's pool while the app does not read. */
static bool tcp_hold_merge(struct rte_mbuf *tail, const struct rte_mbuf *m)
{
	struct rte_mbuf *last;
	const void *src;
	char *dst;

	if (!tail)
		return false;
	last = rte_pktmbuf_lastseg(tail);
	if (!RTE_MBUF_DIRECT(last) || rte_mbuf_refcnt_read(last) != 1 ||
	    rte_pktmbuf_tailroom(last) < m->pkt_len)
		return false;
	dst = rte_pktmbuf_append(tail, (uint16_t)m->pkt_len);
	src = rte_pktmbuf_read(m, 0, m->pkt_len, dst);
	if (src != dst)
		memcpy(dst, src, m->pkt_len);
	return true;
}

void tcp_deliver(struct tcp_conn *tc, struct rte_mbuf *m)
{
	const struct tcp_table *t = tc->ns->tcp;

	if (!tc->app_attached || tc->app_gone || !m->pkt_len) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!tc->held_head && tc->reading)
		m = tcp_pass_up(tc, m);
	if (!m)
		return;
	/* Hold it: the app does not read now (or earlier data waits). */
	tc->held_bytes += m->pkt_len;
	if (tcp_hold_merge(tc->held_tail, m)) {
		rte_pktmbuf_free(m);
		return;
	}
	tcp_mlist_append(t, &tc->held_head, &tc->held_tail, m);
}

void tcp_deliver_held(struct tcp_conn *tc)
{
	const struct tcp_table *t = tc->ns->tcp;

	while (tc->held_head && tc->reading && !tc->app_gone && !tc->dead) {
		struct rte_mbuf *m = tc->held_head;

		tc->held_head = tcp_meta(t, m)->link;
		if (!tc->held_head)
			tc->held_tail = NULL;
		tc->held_bytes -= m->pkt_len;
		m = tcp_pass_up(tc, m);
		if (m && !tc->dead) {   /* reading went off mid-way: put the rest back */
			tcp_meta(t, m)->link = tc->held_head;
			tc->held_head = m;
			if (!tc->held_tail)
				tc->held_tail = m;
			tc->held_bytes += m->pkt_len;
			return;
		}
	}
	if (tc->eof_pending && !tc->held_head && tc->reading && !tc->app_gone && !tc->dead &&
	    tc->app_attached) {
		tc->eof_pending = false;
		if (tc->ns->app->eof)
			tc->ns->app->eof(tc->ns->app_ctx, tc->h);
	}
}

static void tcp_closed_upcall(struct tcp_conn *tc)
{
	struct net_stack *ns = tc->ns;

	tc->app_attached = false;
	if (ns->app->closed)
		ns->app->closed(ns->app_ctx, tc->h);
}

static void tcp_work(struct tcp_conn *tc)
{
	struct net_stack *ns = tc->ns;

	tcp_deliver_held(tc);
	if (!tc->dead && tc->want_writable && !tc->app_gone && tcp_send_space(tc) > 0) {
		tc->want_writable = false;
		if (ns->app->writable)
			ns->app->writable(ns->app_ctx, tc->h);
	}
	if (!tc->dead)
		tcp_output(tc);
	/* After tcp_close the app is done with the conn; the stack finishes
	 * the close on its own. */
	if (tc->app_gone && tc->app_attached && !tc->dead)
		tcp_closed_upcall(tc);
}

void tcp_poll(struct net_stack *ns)
{
	struct tcp_table *t = ns->tcp;
	struct tcp_conn *dead, *keep = NULL;

	tcp_timers_run(ns);
	/* Upcalls may put conns back on the list: a few passes, then the rest
	 * waits for the next poll. */
	for (int pass = 0; pass < 4 && t->work; pass++) {
		struct tcp_conn *list = t->work;

		t->work = NULL;
		while (list) {
			struct tcp_conn *tc = list;

			list = tc->wnext;
			tc->wnext = NULL;
			tc->on_work = false;
			if (!tc->dead)
				tcp_work(tc);
		}
	}
	dead = t->dead;
	t->dead = NULL;
	while (dead) {
		struct tcp_conn *tc = dead;

		dead = tc->dnext;
		if (tc->on_work) {      /* still referenced by the work list */
			tc->dnext = keep;
			keep = tc;
			continue;
		}
		if (tc->app_attached)
			tcp_closed_upcall(tc);
		ns->cnt.tcp_conns--;
		free(tc);
	}
	while (keep) {
		struct tcp_conn *tc = keep;

		keep = tc->dnext;
		tc->dnext = t->dead;
		t->dead = tc;
	}
}
