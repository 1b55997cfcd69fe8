/*
 * TCP-lite input: one segment through RFC 793's "SEGMENT ARRIVES"
 * (RFC 9293 §3.10.7), with RFC 5961's RST and SYN checks, NewReno loss
 * recovery (RFC 5681, 6582) and an out-of-order queue. Payload stays in
 * its mbuf, sliced in place to the bytes that are new.
 */
#include <errno.h>
#include <stdio.h>

#include "net/tcp_int.h"

struct tcp_opts {
	uint16_t mss;        /* 0: none */
	uint8_t wscale;
	bool has_ws;
};

struct tcp_seg {
	tcp_seq seq, ack;
	uint32_t len;        /* payload bytes (m holds exactly these) */
	uint32_t win;        /* as sent (unscaled) */
	uint8_t flags;
	bool fin;
};

/* Options (RFC 9293 §3.1): EOL ends, NOP pads, everything else is
 * kind+length; a length that is too short or runs past the header makes
 * the whole segment malformed. Known kinds must have their exact length. */
static int tcp_parse_opts(const uint8_t *p, uint32_t n, struct tcp_opts *o)
{
	while (n) {
		uint8_t kind = p[0], len;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			p++;
			n--;
			continue;
		}
		if (n < 2)
			return -EINVAL;
		len = p[1];
		if (len < 2 || len > n)
			return -EINVAL;
		switch (kind) {
		case TCPOPT_MSS:
			if (len != 4)
				return -EINVAL;
			o->mss = (uint16_t)(p[2] << 8 | p[3]);
			break;
		case TCPOPT_WSCALE:
			if (len != 3)
				return -EINVAL;
			o->has_ws = true;
			o->wscale = (uint8_t)u32_min(p[2], TCP_MAX_WSCALE);
			break;
		case TCPOPT_SACK_PERM:
			if (len != 2)
				return -EINVAL;
			break;          /* not offered back: SACK is not used */
		case TCPOPT_TIMESTAMP:
			if (len != 10)
				return -EINVAL;
			break;          /* not offered back: RFC 7323 §3.2 says omit them */
		default:
			break;
		}
		p += len;
		n -= len;
	}
	return 0;
}

static void tcp_addr_str(char *buf, size_t n, uint32_t ip, uint16_t port)
{
	snprintf(buf, n, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
		 ip & 255, port);
}

/* accepted() upcall; false if the app refused (RST sent, conn done). */
static bool tcp_tell_accepted(struct tcp_conn *tc)
{
	struct net_stack *ns = tc->ns;
	char peer[24], local[24];
	void *h;

	tcp_addr_str(peer, sizeof(peer), tc->rip, tc->rport);
	tcp_addr_str(local, sizeof(local), tc->lip, tc->lport);
	h = ns->app->accepted(ns->app_ctx, tc, peer, local);
	if (!h) {
		if (!tc->dead) {
			tcp_send_rst(tc);
			tcp_conn_done(tc);
		}
		return false;
	}
	tc->h = h;
	tc->app_attached = true;
	return !tc->dead;
}

static void tcp_set_peer_opts(struct tcp_conn *tc, const struct tcp_opts *o)
{
	uint16_t ours = (uint16_t)(tc->ns->cfg.mtu - 40);
	uint16_t mss = o->mss ? o->mss : TCP_DEFAULT_MSS;

	tc->mss = (uint16_t)u32_min(u32_max(mss, TCP_MIN_MSS), ours);
	if (o->has_ws && tc->ws_ok) {
		tc->snd_wscale = o->wscale;
	} else {
		tc->ws_ok = false;
		tc->snd_wscale = tc->rcv_wscale = 0;
	}
	tc->cwnd = TCP_INIT_CWND_SEGS * tc->mss;
}

/* ---- passive open (RFC 9293 §3.10.7.2, LISTEN) */

static void tcp_passive_open(struct net_stack *ns, const struct rte_ipv4_hdr *ip,
			     const struct rte_tcp_hdr *th, const struct tcp_seg *sg,
			     const struct tcp_opts *o, const struct rte_ether_addr *src_mac)
{
	struct tcp_table *t = ns->tcp;
	struct tcp_conn *tc;

	if (t->nconns >= ns->cfg.max_conns) {
		ns->cnt.tcp_conn_limit++;
		tcp_reply_rst(ns, ip, th, sg->len, src_mac);
		return;
	}
	if (t->nsynrcvd >= ns->cfg.syn_backlog) {
		ns->cnt.tcp_syn_limit++;       /* the peer will try again */
		return;
	}
	tc = tcp_conn_new(ns, rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(th->src_port),
			  rte_be_to_cpu_16(th->dst_port), true);
	if (!tc)
		return;
	tc->state = TCP_SYN_RCVD;
	t->nsynrcvd++;
	tc->peer_mac = *src_mac;
	tc->have_mac = true;
	tc->irs = sg->seq;
	tc->rcv_nxt = tc->rcv_adv = tc->rcv_acked = sg->seq + 1;
	tc->ws_ok = true;
	tcp_set_peer_opts(tc, o);
	tc->snd_wnd = sg->win;                 /* never scaled in a SYN */
	tc->snd_wl1 = sg->seq;
	tc->snd_wl2 = tc->iss;
	tc->rtt_timing = true;
	tc->rtt_seq = tc->iss;
	tc->rtt_start = ns->now_us;
	/* Payload on the SYN is not acknowledged: the peer sends it again. */
	tcp_send_syn(tc);
	tc->t_rexmt = ns->now_us + tc->rto;
	tcp_timer_update(tc);
}

/* ---- out-of-order queue: sorted by seq, disjoint, at most ooo_max */

static void tcp_ooo_insert(struct tcp_conn *tc, struct rte_mbuf *m, tcp_seq seq, bool fin)
{
	struct net_stack *ns = tc->ns;
	const struct tcp_table *t = ns->tcp;
	struct rte_mbuf **pp = &tc->ooo_head;
	tcp_seq end = seq + m->pkt_len;
	struct tcp_mbuf_meta *mm;

	/* Entries that start before us: inside one of them we are a
	 * duplicate; overlapping one's end, our head goes. */
	while (*pp && seq_lt(tcp_meta(t, *pp)->seq, seq)) {
		struct tcp_mbuf_meta *q = tcp_meta(t, *pp);
		tcp_seq qend = q->seq + (*pp)->pkt_len;

		if (seq_ge(qend, end)) {
			ns->cnt.tcp_dup_segs++;
			rte_pktmbuf_free(m);
			return;
		}
		if (seq_gt(qend, seq)) {
			tcp_mbuf_slice(m, qend - seq, end - qend);
			seq = qend;
		}
		pp = &q->link;
	}
	/* Entries that start inside us: covered ones go, one that runs past
	 * our end cuts our tail. */
	while (*pp && seq_lt(tcp_meta(t, *pp)->seq, end)) {
		struct rte_mbuf *qm = *pp;
		struct tcp_mbuf_meta *q = tcp_meta(t, qm);
		tcp_seq qend = q->seq + qm->pkt_len;

		if (q->seq == seq && seq_ge(qend, end)) {
			ns->cnt.tcp_dup_segs++;
			rte_pktmbuf_free(m);
			return;
		}
		if (seq_le(qend, end)) {
			if (q->fin && qend == end)
				fin = true;
			*pp = q->link;
			tc->ooo_n--;
			rte_pktmbuf_free(qm);
			continue;
		}
		tcp_mbuf_slice(m, 0, q->seq - seq);
		end = q->seq;
		fin = false;
		break;
	}
	if (tc->ooo_n >= ns->cfg.ooo_max) {
		ns->cnt.tcp_ooo_drops++;
		rte_pktmbuf_free(m);
		return;
	}
	mm = tcp_meta(t, m);
	mm->seq = seq;
	mm->fin = fin;
	mm->link = *pp;
	*pp = m;
	tc->ooo_n++;
	ns->cnt.tcp_ooo_segs++;
}

/* After rcv_nxt advanced: deliver what the queue now continues. Returns
 * true if a FIN became in-order. */
static bool tcp_ooo_pull(struct tcp_conn *tc)
{
	const struct tcp_table *t = tc->ns->tcp;

	while (tc->ooo_head && !tc->dead) {
		struct rte_mbuf *m = tc->ooo_head;
		struct tcp_mbuf_meta *q = tcp_meta(t, m);
		tcp_seq end = q->seq + m->pkt_len;
		bool fin = q->fin;

		if (seq_gt(q->seq, tc->rcv_nxt))
			return false;
		tc->ooo_head = q->link;
		tc->ooo_n--;
		if (seq_lt(end, tc->rcv_nxt) || (end == tc->rcv_nxt && !fin)) {
			rte_pktmbuf_free(m);            /* already had all of it */
			continue;
		}
		tcp_mbuf_slice(m, tc->rcv_nxt - q->seq, end - tc->rcv_nxt);
		tc->rcv_nxt = end;
		tcp_deliver(tc, m);
		if (fin)
			return true;
	}
	return false;
}

/* ---- ACK processing (RFC 9293 §3.10.7.4, fifth check) */

static void tcp_cwnd_grow(struct tcp_conn *tc, uint32_t by)
{
	tc->cwnd = (uint32_t)RTE_MIN((uint64_t)tc->cwnd + by, (uint64_t)TCP_MAX_CWND);
}

static void tcp_new_ack(struct tcp_conn *tc, const struct tcp_seg *sg)
{
	struct net_stack *ns = tc->ns;
	uint32_t acked = sg->ack - tc->snd_una;
	uint32_t data = u32_min(acked, tc->sq_bytes);
	bool fin_acked = tc->fin_queued && sg->ack == tc->snd_una + tc->sq_bytes + 1;

	if (tc->rtt_timing && seq_gt(sg->ack, tc->rtt_seq)) {
		tc->rtt_timing = false;
		tcp_rtt_sample(tc, (uint32_t)(ns->now_us - tc->rtt_start));
	}
	tcp_sq_ack(tc, data);
	tc->snd_una = sg->ack;
	if (seq_lt(tc->snd_nxt, tc->snd_una))
		tc->snd_nxt = tc->snd_una;
	tc->backoff = 0;
	tc->rexmt_since = 0;

	if (tc->in_recovery) {
		if (seq_ge(sg->ack, tc->recover)) {      /* RFC 6582 §3.2 step 3 */
			uint32_t flight = tc->snd_max - tc->snd_una;

			tc->cwnd = u32_min(tc->ssthresh, u32_max(flight, (uint32_t)tc->mss) + tc->mss);
			tc->in_recovery = false;
			tc->dupacks = 0;
		} else {                                  /* partial ACK */
			uint32_t len = u32_min(tc->sq_bytes, (uint32_t)tc->mss);

			tcp_send_data(tc, tc->snd_una, len,
				      tc->fin_queued && len == tc->sq_bytes &&
				      seq_gt(tc->snd_max, tc->snd_una + len));
			tc->cwnd = (tc->cwnd > acked ? tc->cwnd - acked : 0) + tc->mss;
		}
	} else {
		tc->dupacks = 0;
		if (tc->cwnd < tc->ssthresh)             /* RFC 5681 §3.1 */
			tcp_cwnd_grow(tc, u32_min(acked, (uint32_t)tc->mss));
		else
			tcp_cwnd_grow(tc, u32_max(1u, (uint32_t)tc->mss * tc->mss / tc->cwnd));
	}
	tcp_rexmt_arm(tc, true);
	tcp_kick(tc);           /* room in the windows, maybe writable() */

	if (!fin_acked)
		return;
	switch (tc->state) {
	case TCP_FIN_WAIT_1:
		tc->state = TCP_FIN_WAIT_2;
		tcp_rexmt_arm(tc, true);
		break;
	case TCP_CLOSING:
		tcp_enter_time_wait(tc);
		break;
	case TCP_LAST_ACK:
		tcp_conn_done(tc);
		break;
	default:
		break;
	}
}

static void tcp_dup_ack(struct tcp_conn *tc)
{
	struct net_stack *ns = tc->ns;

	if (++tc->dupacks == 3 && !tc->in_recovery) {   /* RFC 5681 §3.2 */
		uint32_t flight = tc->snd_max - tc->snd_una;
		uint32_t len = u32_min(tc->sq_bytes, (uint32_t)tc->mss);

		ns->cnt.tcp_fast_retransmits++;
		tc->ssthresh = u32_max(flight / 2, 2u * tc->mss);
		tc->recover = tc->snd_max;
		tc->in_recovery = true;
		tc->rtt_timing = false;                  /* Karn */
		tcp_send_data(tc, tc->snd_una, len,
			      tc->fin_queued && len == tc->sq_bytes &&
			      seq_gt(tc->snd_max, tc->snd_una + len));
		tc->cwnd = tc->ssthresh + 3u * tc->mss;
		tcp_rexmt_arm(tc, true);
	} else if (tc->in_recovery) {
		tcp_cwnd_grow(tc, tc->mss);              /* inflate */
		tcp_kick(tc);
	}
}

/* Returns false if the segment must be dropped here. */
static bool tcp_ack_in(struct tcp_conn *tc, const struct tcp_seg *sg)
{
	uint32_t wnd = sg->win << tc->snd_wscale;

	if (seq_gt(sg->ack, tc->snd_max)) {
		tc->ack_now = true;      /* acks what we never sent */
		return false;
	}
	if (seq_gt(sg->ack, tc->snd_una)) {
		tcp_new_ack(tc, sg);
		if (tc->dead)
			return false;
	} else if (sg->ack == tc->snd_una && !sg->len && !sg->fin &&
		   tc->snd_una != tc->snd_max && wnd == tc->snd_wnd && !tc->persist) {
		tcp_dup_ack(tc);
	}
	if (tc->persist)
		tc->rexmt_since = 0;     /* the peer answers our probes */
	/* Window update (RFC 9293 §3.10.7.4): only from newer segments. */
	if (seq_lt(tc->snd_wl1, sg->seq) ||
	    (tc->snd_wl1 == sg->seq && seq_le(tc->snd_wl2, sg->ack))) {
		uint32_t old = tc->snd_wnd;

		tc->snd_wnd = wnd;
		tc->snd_wl1 = sg->seq;
		tc->snd_wl2 = sg->ack;
		if (!old && wnd && tc->persist) {
			tc->persist = false;
			tc->backoff = 0;
			tc->t_rexmt = 0;
			tc->rexmt_since = 0;
			tcp_rexmt_arm(tc, false);
		}
		if (wnd > old)
			tcp_kick(tc);
	}
	return true;
}

/* ---- SYN_SENT (active open) */

static void tcp_syn_sent_in(struct tcp_conn *tc, struct rte_mbuf *m, const struct tcp_seg *sg,
			    const struct tcp_opts *o, const struct rte_ether_addr *src_mac)
{
	struct net_stack *ns = tc->ns;
	bool ack = sg->flags & RTE_TCP_ACK_FLAG;

	rte_pktmbuf_free(m);            /* data on a SYN-ACK: the peer sends it again */
	if (ack && (seq_le(sg->ack, tc->iss) || seq_gt(sg->ack, tc->snd_max)))
		return;                 /* our caller answered with RST */
	if (sg->flags & RTE_TCP_RST_FLAG) {
		if (ack) {
			ns->cnt.tcp_rst_in++;
			tcp_conn_fail(tc, ECONNREFUSED);
		}
		return;
	}
	if (!(sg->flags & RTE_TCP_SYN_FLAG) || !ack)
		return;                 /* simultaneous open is not supported */
	tc->irs = sg->seq;
	tc->rcv_nxt = tc->rcv_acked = sg->seq + 1;
	tc->rcv_adv = tc->rcv_nxt + u32_min(ns->cfg.rcvbuf, 65535u);
	tcp_set_peer_opts(tc, o);
	tc->peer_mac = *src_mac;
	tc->have_mac = true;
	if (tc->rtt_timing) {
		tc->rtt_timing = false;
		tcp_rtt_sample(tc, (uint32_t)(ns->now_us - tc->rtt_start));
	}
	tc->snd_una = sg->ack;
	tc->snd_nxt = tc->snd_max = sg->ack;
	tc->snd_wnd = sg->win;          /* never scaled in a SYN */
	tc->snd_wl1 = sg->seq;
	tc->snd_wl2 = sg->ack;
	tc->backoff = 0;
	tc->rexmt_since = 0;
	tc->t_rexmt = 0;
	tc->state = TCP_ESTABLISHED;
	ns->cnt.tcp_connects++;
	tcp_send_ack(tc);
	tcp_timer_update(tc);
	if (tcp_tell_accepted(tc))
		tcp_kick(tc);           /* data queued before the handshake */
}

/* ---- RST and SYN checks (RFC 5961 §3, §4) */

static void tcp_rst_in(struct tcp_conn *tc, const struct tcp_seg *sg, uint32_t rcv_wnd)
{
	struct net_stack *ns = tc->ns;

	if (sg->seq == tc->rcv_nxt) {
		ns->cnt.tcp_rst_in++;
		if (tc->state == TCP_SYN_RCVD || tc->state == TCP_TIME_WAIT)
			tcp_conn_done(tc);
		else
			tcp_conn_fail(tc, ECONNRESET);
		return;
	}
	ns->cnt.tcp_bad_rst++;
	if (seq_gt(sg->seq, tc->rcv_nxt) && seq_lt(sg->seq, tc->rcv_nxt + rcv_wnd))
		tcp_send_ack(tc);       /* challenge ACK */
}

/* Cut the segment to the receive window (RFC 9293 §3.10.7.4, first
 * check). Returns false if nothing acceptable is left to look at. */
static bool tcp_trim(struct tcp_conn *tc, struct rte_mbuf *m, struct tcp_seg *sg,
		     uint32_t rcv_wnd)
{
	struct net_stack *ns = tc->ns;
	int32_t todrop = (int32_t)(tc->rcv_nxt - sg->seq);
	int32_t excess;

	if (todrop > 0) {
		if ((uint32_t)todrop > sg->len || ((uint32_t)todrop == sg->len && !sg->fin)) {
			/* All old: a retransmission, keep-alive or old FIN. */
			if (sg->len)
				ns->cnt.tcp_dup_segs++;
			if (sg->fin && tc->state == TCP_TIME_WAIT) {
				tc->t_rexmt = ns->now_us + ns->cfg.time_wait_us;
				tcp_timer_update(tc);
			}
			tc->ack_now = true;
			sg->fin = false;
			sg->len = 0;
			sg->seq = tc->rcv_nxt;
		} else {
			tcp_mbuf_slice(m, (uint32_t)todrop, sg->len - (uint32_t)todrop);
			sg->len -= (uint32_t)todrop;
			sg->seq = tc->rcv_nxt;
		}
	}
	excess = (int32_t)(sg->seq + sg->len - (tc->rcv_nxt + rcv_wnd));
	if (excess > 0) {
		ns->cnt.tcp_rcvbuf_limit++;
		tc->ack_now = true;
		if ((uint32_t)excess >= sg->len) {
			/* Nothing fits. A zero-window probe at rcv_nxt still
			 * carries a valid ACK; anything else is dropped. */
			if (sg->seq != tc->rcv_nxt)
				return false;
			sg->len = 0;
		} else {
			sg->len -= (uint32_t)excess;
		}
		sg->fin = false;
		tcp_mbuf_slice(m, 0, sg->len);
	}
	return true;
}

static void tcp_fin_in(struct tcp_conn *tc)
{
	tc->rcv_nxt++;
	tc->ack_now = true;
	switch (tc->state) {
	case TCP_ESTABLISHED:
		tc->state = TCP_CLOSE_WAIT;
		tc->eof_pending = true;
		tcp_deliver_held(tc);
		break;
	case TCP_FIN_WAIT_1:
		tc->state = TCP_CLOSING;   /* our FIN is not acked yet (or we would be in FIN_WAIT_2) */
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(tc);
		break;
	default:
		break;
	}
}

static void tcp_data_in(struct tcp_conn *tc, struct rte_mbuf *m, struct tcp_seg *sg)
{
	bool fin = sg->fin;

	if (!sg->len) {
		rte_pktmbuf_free(m);
		if (sg->seq != tc->rcv_nxt)
			fin = false;    /* a FIN beyond a hole: the peer sends it again */
	} else if (sg->seq == tc->rcv_nxt) {
		bool had_ooo = tc->ooo_head != NULL;

		tc->rcv_nxt += sg->len;
		tcp_deliver(tc, m);
		if (tc->dead)
			return;
		if (had_ooo) {
			/* RFC 5681 §4.2: ACK at once when a hole fills. */
			tc->ack_now = true;
			fin = tcp_ooo_pull(tc) || fin;
			if (tc->dead)
				return;
		} else {
			tc->ack_delayed = true;
			/* RFC 1122 §4.2.3.2: at least every second full segment. */
			if (tc->rcv_nxt - tc->rcv_acked >= 2u * tc->mss)
				tc->ack_now = true;
		}
	} else {
		tcp_ooo_insert(tc, m, sg->seq, fin);
		fin = false;
		tc->ack_now = true;         /* duplicate ACK for fast retransmit */
	}
	if (fin)
		tcp_fin_in(tc);
}

static void tcp_established_in(struct tcp_conn *tc, struct rte_mbuf *m, struct tcp_seg *sg,
			       const struct tcp_opts *o, const struct rte_ipv4_hdr *ip,
			       const struct rte_tcp_hdr *th, const struct rte_ether_addr *src_mac)
{
	struct net_stack *ns = tc->ns;
	uint32_t rcv_wnd = seq_gt(tc->rcv_adv, tc->rcv_nxt) ? tc->rcv_adv - tc->rcv_nxt : 0;

	if (sg->flags & RTE_TCP_RST_FLAG) {
		rte_pktmbuf_free(m);
		tcp_rst_in(tc, sg, rcv_wnd);
		return;
	}
	if (sg->flags & RTE_TCP_SYN_FLAG) {
		rte_pktmbuf_free(m);
		if (tc->state == TCP_SYN_RCVD) {
			/* The SYN-ACK was lost: send it again. */
			ns->cnt.tcp_retransmits++;
			tcp_send_syn(tc);
		} else if (tc->state == TCP_TIME_WAIT && !(sg->flags & RTE_TCP_ACK_FLAG) &&
			   seq_gt(sg->seq, tc->rcv_nxt) && tc->passive && ns->listening) {
			/* RFC 9293 §3.10.7.4 / Linux: a new incarnation may
			 * reuse the pair once the old one is in TIME_WAIT. */
			tcp_conn_done(tc);
			tcp_passive_open(ns, ip, th, sg, o, src_mac);
		} else {
			tcp_send_ack(tc);       /* challenge ACK (RFC 5961 §4.2) */
		}
		return;
	}
	if (!(sg->flags & RTE_TCP_ACK_FLAG)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (!tcp_trim(tc, m, sg, rcv_wnd)) {
		rte_pktmbuf_free(m);
		tcp_send_ack(tc);
		return;
	}
	if (tc->state == TCP_SYN_RCVD) {
		if (!seq_gt(sg->ack, tc->snd_una) || seq_gt(sg->ack, tc->snd_max)) {
			rte_pktmbuf_free(m);
			tcp_reply_rst(ns, ip, th, sg->len, src_mac);
			return;
		}
		/* The handshake completes: the SYN is acked. */
		tc->state = TCP_ESTABLISHED;
		ns->tcp->nsynrcvd--;
		tc->snd_una = tc->iss + 1;
		if (tc->rtt_timing) {
			tc->rtt_timing = false;
			tcp_rtt_sample(tc, (uint32_t)(ns->now_us - tc->rtt_start));
		}
		tc->snd_wnd = sg->win << tc->snd_wscale;
		tc->snd_wl1 = sg->seq;
		tc->snd_wl2 = sg->ack;
		tc->backoff = 0;
		tc->rexmt_since = 0;
		tc->t_rexmt = 0;
		tcp_timer_update(tc);
		ns->cnt.tcp_accepts++;
		if (!tcp_tell_accepted(tc)) {
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (!tcp_ack_in(tc, sg) || tc->state == TCP_TIME_WAIT) {
		rte_pktmbuf_free(m);
		goto out;
	}
	switch (tc->state) {
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
		tcp_data_in(tc, m, sg);
		break;
	default:
		rte_pktmbuf_free(m);    /* after the peer's FIN: nothing new can come */
		break;
	}
out:
	if (tc->dead)
		return;
	if (tc->ack_now) {
		tcp_send_ack(tc);
	} else if (tc->ack_delayed && !tc->t_delack) {
		tc->t_delack = ns->now_us + TCP_DELACK_US;
		tcp_timer_update(tc);
	}
}

void tcp_input(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	       const struct rte_ether_addr *src_mac)
{
	uint32_t ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	uint32_t l4len = (uint32_t)rte_be_to_cpu_16(ip->total_length) - ihl;
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod(m, const struct rte_tcp_hdr *);
	struct rte_ether_addr mac = *src_mac;
	struct tcp_opts o = { 0 };
	struct tcp_seg sg;
	struct tcp_conn *tc;
	uint32_t hlen;

	if (l4len < sizeof(*th) || l4len > m->pkt_len || m->data_len < sizeof(*th)) {
		net_drop(ns, m, &ns->cnt.rx_truncated);
		return;
	}
	hlen = (uint32_t)(th->data_off >> 4) * 4;
	if (hlen < sizeof(*th) || hlen > l4len || hlen > m->data_len) {
		net_drop(ns, m, &ns->cnt.rx_truncated);
		return;
	}
	if (tcp_parse_opts((const uint8_t *)(th + 1), hlen - sizeof(*th), &o) < 0) {
		net_drop(ns, m, NULL);
		return;
	}
	sg.seq = rte_be_to_cpu_32(th->sent_seq);
	sg.ack = rte_be_to_cpu_32(th->recv_ack);
	sg.win = rte_be_to_cpu_16(th->rx_win);
	sg.flags = th->tcp_flags;
	sg.len = l4len - hlen;
	sg.fin = sg.flags & RTE_TCP_FIN_FLAG;

	tc = tcp_lookup(ns->tcp, rte_be_to_cpu_32(ip->src_addr), rte_be_to_cpu_16(th->src_port),
			rte_be_to_cpu_16(th->dst_port));
	if (!tc) {
		uint8_t syn = sg.flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG |
					  RTE_TCP_FIN_FLAG);

		if (syn == RTE_TCP_SYN_FLAG && ns->listening && ns->cfg.listen_port &&
		    rte_be_to_cpu_16(th->dst_port) == ns->cfg.listen_port)
			tcp_passive_open(ns, ip, th, &sg, &o, &mac);
		else
			tcp_reply_rst(ns, ip, th, sg.len, &mac);
		rte_pktmbuf_free(m);
		return;
	}
	/* From here m holds exactly the payload; ip and th stay readable. */
	tcp_mbuf_slice(m, hlen, sg.len);
	if (tc->state == TCP_SYN_SENT) {
		if ((sg.flags & RTE_TCP_ACK_FLAG) && !(sg.flags & RTE_TCP_RST_FLAG) &&
		    (seq_le(sg.ack, tc->iss) || seq_gt(sg.ack, tc->snd_max)))
			tcp_reply_rst(ns, ip, th, sg.len, &mac);
		tcp_syn_sent_in(tc, m, &sg, &o, &mac);
		return;
	}
	tcp_established_in(tc, m, &sg, &o, ip, th, &mac);
}
