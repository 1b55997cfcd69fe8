/*
 * TCP-lite output: the send queue and every segment we emit. A segment is
 * one fresh mbuf with [eth][ipv4][tcp+options] and either the payload
 * copied behind it (small) or clones of send-queue pieces chained to it,
 * so a retransmission never copies and an acked piece is freed by
 * whichever of us and the NIC lets go of it last.
 */
#include <errno.h>
#include <string.h>

#include "net/tcp_int.h"

#define TCP_HDR_ROOM (sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))

/* ---- send queue */

uint32_t tcp_sq_append(struct tcp_conn *tc, const void *p, uint32_t n)
{
	struct net_stack *ns = tc->ns;
	const struct tcp_table *t = ns->tcp;
	uint16_t cap = (uint16_t)u32_min(t->piece_room, tc->mss);
	uint32_t done = 0;

	while (done < n) {
		struct rte_mbuf *m = tc->sq_tail;
		uint32_t room = 0, k;

		if (m)
			room = u32_min((uint32_t)(cap > m->data_len ? cap - m->data_len : 0),
				       (uint32_t)rte_pktmbuf_tailroom(m));
		if (!room) {
			m = net_alloc(ns);
			if (!m)
				break;
			tcp_mlist_append(t, &tc->sq_head, &tc->sq_tail, m);
			room = u32_min((uint32_t)cap, (uint32_t)rte_pktmbuf_tailroom(m));
		}
		k = u32_min(room, n - done);
		memcpy(rte_pktmbuf_append(m, (uint16_t)k), (const char *)p + done, k);
		done += k;
	}
	tc->sq_bytes += done;
	return done;
}

void tcp_sq_ack(struct tcp_conn *tc, uint32_t bytes)
{
	const struct tcp_table *t = tc->ns->tcp;

	while (bytes && tc->sq_head) {
		struct rte_mbuf *m = tc->sq_head;

		if (bytes >= m->data_len) {
			bytes -= m->data_len;
			tc->sq_bytes -= m->data_len;
			tc->sq_head = tcp_meta(t, m)->link;
			if (!tc->sq_head)
				tc->sq_tail = NULL;
			if (tc->sq_cur == m)
				tc->sq_cur = NULL;
			rte_pktmbuf_free(m);
		} else {
			rte_pktmbuf_adj(m, (uint16_t)bytes);
			tc->sq_bytes -= bytes;
			if (tc->sq_cur == m)
				tc->sq_cur_seq += bytes;
			bytes = 0;
		}
	}
}

void tcp_sq_free(struct tcp_conn *tc)
{
	tcp_free_mlist(tc->sq_head, tc->ns->tcp);
	tc->sq_head = tc->sq_tail = tc->sq_cur = NULL;
	tc->sq_bytes = 0;
}

/* The piece holding seq (snd_una <= seq < snd_una + sq_bytes) and the
 * offset of seq in it; remembers it, as segments go forward. */
static struct rte_mbuf *tcp_sq_find(struct tcp_conn *tc, tcp_seq seq, uint32_t *off)
{
	const struct tcp_table *t = tc->ns->tcp;
	struct rte_mbuf *m = tc->sq_head;
	tcp_seq at = tc->snd_una;

	if (tc->sq_cur && seq_le(tc->sq_cur_seq, seq)) {
		m = tc->sq_cur;
		at = tc->sq_cur_seq;
	}
	while (m && seq - at >= m->data_len) {
		at += m->data_len;
		m = tcp_meta(t, m)->link;
	}
	if (m) {
		tc->sq_cur = m;
		tc->sq_cur_seq = at;
	}
	*off = seq - at;
	return m;
}

/* Put len queued bytes from seq behind the headers in m. */
static int tcp_add_payload(struct tcp_conn *tc, struct rte_mbuf *m, tcp_seq seq, uint32_t len)
{
	struct net_stack *ns = tc->ns;
	const struct tcp_table *t = ns->tcp;
	uint32_t off;
	struct rte_mbuf *piece = tcp_sq_find(tc, seq, &off);
	bool copy = len <= TCP_COPY_MAX && len <= rte_pktmbuf_tailroom(m);

	while (len) {
		uint32_t k;

		if (!piece)
			return -EINVAL;
		k = u32_min(len, (uint32_t)piece->data_len - off);
		if (copy) {
			memcpy(rte_pktmbuf_append(m, (uint16_t)k),
			       rte_pktmbuf_mtod_offset(piece, char *, off), k);
		} else {
			struct rte_mbuf *c = rte_pktmbuf_clone(piece, ns->io.pool);

			if (!c) {
				ns->cnt.tx_nombuf++;
				return -ENOMEM;
			}
			rte_pktmbuf_adj(c, (uint16_t)off);
			rte_pktmbuf_trim(c, (uint16_t)(c->data_len - k));
			if (rte_pktmbuf_chain(m, c)) {
				rte_pktmbuf_free(c);
				return -EOVERFLOW;
			}
		}
		len -= k;
		off = 0;
		piece = tcp_meta(t, piece)->link;
	}
	return 0;
}

/* ---- receive window (what we advertise) */

/* RFC 1122 §4.2.3.3: the least window growth worth telling the peer. */
static uint32_t tcp_sws_worth(const struct tcp_conn *tc)
{
	return u32_min(tc->ns->cfg.rcvbuf / 2, (uint32_t)tc->mss);
}

uint32_t tcp_rcv_window(struct tcp_conn *tc)
{
	struct net_stack *ns = tc->ns;
	uint32_t unit = 1u << tc->rcv_wscale;
	uint32_t max = 65535u << tc->rcv_wscale;
	uint32_t cur = seq_gt(tc->rcv_adv, tc->rcv_nxt) ? tc->rcv_adv - tc->rcv_nxt : 0;
	uint64_t used = tc->held_bytes;
	uint32_t space;

	if (tc->app_attached && !tc->app_gone && ns->app->pending_input) {
		uint64_t pend = ns->app->pending_input(ns->app_ctx, tc->h);

		/* An app that reads but holds a request larger than rcvbuf
		 * (a 1 MB SET) needs more input to finish it: what it holds
		 * alone never closes the window below a quarter of rcvbuf.
		 * Backpressure proper is tcp_set_reading(off). */
		if (tc->reading)
			pend = RTE_MIN(pend, (uint64_t)(ns->cfg.rcvbuf - ns->cfg.rcvbuf / 4));
		used += pend;
	}
	space = used < ns->cfg.rcvbuf ? (uint32_t)(ns->cfg.rcvbuf - used) : 0;
	space = u32_min(space, max) & ~(unit - 1);
	/* RFC 7323 §2.4: never move the right edge left (rounded up to what
	 * the scaled field can say, as Linux does). */
	if (space <= cur)
		return u32_min(RTE_ALIGN_CEIL(cur, unit), max);
	/* RFC 1122 §4.2.3.3 (receiver SWS avoidance): open only by a
	 * worthwhile amount. */
	if (space - cur < tcp_sws_worth(tc) && space != u32_min(ns->cfg.rcvbuf, max))
		return u32_min(RTE_ALIGN_CEIL(cur, unit), max);
	return space;
}

/* Worth a segment of its own (a pure window update): the window grew by
 * the SWS amount (and by a scale unit, as a kept edge comes back rounded
 * up to one), and to at least twice what the peer may still send (as
 * Linux's tcp_cleanup_rbuf): a peer with window left is not waiting for
 * us, and the next (delayed) ACK carries the news. Otherwise an app that
 * consumes each segment at once would have every segment ACKed. */
bool tcp_window_grew(struct tcp_conn *tc)
{
	uint64_t cur = seq_gt(tc->rcv_adv, tc->rcv_nxt) ? tc->rcv_adv - tc->rcv_nxt : 0;
	uint64_t win = tcp_rcv_window(tc);
	uint32_t least = u32_max(tcp_sws_worth(tc), 1u << tc->rcv_wscale);

	return win >= cur + least && win >= 2 * cur;
}

/* ---- segments */

/* Emit one segment of tc; payload [seq, seq+len) from the send queue. */
static int tcp_emit(struct tcp_conn *tc, tcp_seq seq, uint32_t len, uint8_t flags)
{
	struct net_stack *ns = tc->ns;
	struct rte_mbuf *m = net_alloc(ns);
	bool syn = flags & RTE_TCP_SYN_FLAG;
	uint32_t optlen = syn ? (tc->ws_ok ? 8 : 4) : 0;
	uint32_t hlen = sizeof(struct rte_tcp_hdr) + optlen;
	struct rte_tcp_hdr *th;
	uint32_t win;
	int rc;

	if (!m)
		return -ENOMEM;
	th = (struct rte_tcp_hdr *)(rte_pktmbuf_append(m, (uint16_t)(TCP_HDR_ROOM + hlen)) +
				    TCP_HDR_ROOM);
	th->src_port = rte_cpu_to_be_16(tc->lport);
	th->dst_port = rte_cpu_to_be_16(tc->rport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = (flags & RTE_TCP_ACK_FLAG) ? rte_cpu_to_be_32(tc->rcv_nxt) : 0;
	th->data_off = (uint8_t)((hlen / 4) << 4);
	th->tcp_flags = flags;
	th->cksum = 0;
	th->tcp_urp = 0;
	if (syn) {
		/* RFC 7323 §2.2: the window of a SYN is never scaled. */
		win = u32_min(ns->cfg.rcvbuf, 65535u);
	} else if (flags & RTE_TCP_RST_FLAG) {
		win = 0;
	} else {
		win = tcp_rcv_window(tc) >> tc->rcv_wscale;
	}
	th->rx_win = rte_cpu_to_be_16((uint16_t)win);
	if (syn) {
		uint8_t *o = (uint8_t *)(th + 1);
		uint16_t mss = (uint16_t)(ns->cfg.mtu - 40);

		o[0] = TCPOPT_MSS;
		o[1] = 4;
		o[2] = (uint8_t)(mss >> 8);
		o[3] = (uint8_t)mss;
		if (tc->ws_ok) {
			o[4] = TCPOPT_NOP;
			o[5] = TCPOPT_WSCALE;
			o[6] = 3;
			o[7] = tc->rcv_wscale;
		}
	}
	if (len && (rc = tcp_add_payload(tc, m, seq, len)) < 0)
		goto fail;
	rc = ipv4_fill(ns, m, tc->have_mac ? &tc->peer_mac : NULL, tc->rip, IPPROTO_TCP,
		       hlen + len);
	if (rc < 0)
		goto fail;
	cksum_tcp_tx(ns, m);
	net_tx(ns, m);

	if (flags & RTE_TCP_ACK_FLAG) {
		tcp_seq edge = tc->rcv_nxt + (win << (syn ? 0 : tc->rcv_wscale));

		if (seq_gt(edge, tc->rcv_adv) || syn)
			tc->rcv_adv = edge;
		tc->rcv_acked = tc->rcv_nxt;
		tc->ack_now = tc->ack_delayed = false;
		if (tc->t_delack) {
			tc->t_delack = 0;
			tcp_timer_update(tc);
		}
	}
	if (flags & RTE_TCP_RST_FLAG)
		ns->cnt.tcp_rst_out++;
	return 0;
fail:
	rte_pktmbuf_free(m);
	return rc;
}

int tcp_send_ack(struct tcp_conn *tc)
{
	return tcp_emit(tc, tc->snd_nxt, 0, RTE_TCP_ACK_FLAG);
}

int tcp_send_syn(struct tcp_conn *tc)
{
	uint8_t flags = RTE_TCP_SYN_FLAG;

	if (tc->state == TCP_SYN_RCVD)
		flags |= RTE_TCP_ACK_FLAG;
	return tcp_emit(tc, tc->iss, 0, flags);
}

int tcp_send_rst(struct tcp_conn *tc)
{
	return tcp_emit(tc, tc->snd_nxt, 0, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
}

int tcp_send_data(struct tcp_conn *tc, tcp_seq seq, uint32_t len, bool fin)
{
	uint8_t flags = RTE_TCP_ACK_FLAG;

	if (len)
		flags |= RTE_TCP_PSH_FLAG;
	if (fin)
		flags |= RTE_TCP_FIN_FLAG;
	if (seq_lt(seq, tc->snd_max))
		tc->ns->cnt.tcp_retransmits++;
	return tcp_emit(tc, seq, len, flags);
}

int tcp_send_probe(struct tcp_conn *tc)
{
	/* Linux's zero-window probe: an old sequence number, no data; the
	 * peer answers with an ACK carrying its window (RFC 9293 §3.8.6.1). */
	tc->ns->cnt.tcp_persist_probes++;
	return tcp_emit(tc, tc->snd_una - 1, 0, RTE_TCP_ACK_FLAG);
}

void tcp_reply_rst(struct net_stack *ns, const struct rte_ipv4_hdr *ip,
		   const struct rte_tcp_hdr *th, uint32_t seglen,
		   const struct rte_ether_addr *dst_mac)
{
	struct rte_mbuf *m;
	struct rte_tcp_hdr *rh;
	uint8_t in = th->tcp_flags;

	if (in & RTE_TCP_RST_FLAG)
		return;
	m = net_alloc(ns);
	if (!m)
		return;
	rh = (struct rte_tcp_hdr *)rte_pktmbuf_append(m, TCP_HDR_ROOM + sizeof(*rh));
	if (!rh) {
		rte_pktmbuf_free(m);
		return;
	}
	rh = (struct rte_tcp_hdr *)((char *)rh + TCP_HDR_ROOM);
	memset(rh, 0, sizeof(*rh));
	rh->src_port = th->dst_port;
	rh->dst_port = th->src_port;
	rh->data_off = 5 << 4;
	/* RFC 793 p.65 (state CLOSED) */
	if (in & RTE_TCP_ACK_FLAG) {
		rh->sent_seq = th->recv_ack;
		rh->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		seglen += !!(in & RTE_TCP_SYN_FLAG) + !!(in & RTE_TCP_FIN_FLAG);
		rh->recv_ack = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) + seglen);
		rh->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	if (ipv4_fill(ns, m, dst_mac, rte_be_to_cpu_32(ip->src_addr), IPPROTO_TCP,
		      sizeof(*rh)) < 0) {
		rte_pktmbuf_free(m);
		return;
	}
	cksum_tcp_tx(ns, m);
	net_tx(ns, m);
	ns->cnt.tcp_rst_out++;
}

/* States in which our data and FIN may go out. */
static bool tcp_can_send(const struct tcp_conn *tc)
{
	switch (tc->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* States in which the peer may still send us data. */
static bool tcp_receiving(const struct tcp_conn *tc)
{
	return tc->state == TCP_ESTABLISHED || tc->state == TCP_FIN_WAIT_1 ||
	       tc->state == TCP_FIN_WAIT_2;
}

void tcp_output(struct tcp_conn *tc)
{
	struct net_stack *ns = tc->ns;
	bool sent = false;

	if (tc->dead)
		return;
	while (tcp_can_send(tc) && !tc->persist) {
		tcp_seq data_end = tc->snd_una + tc->sq_bytes;
		uint32_t avail = seq_lt(tc->snd_nxt, data_end) ? data_end - tc->snd_nxt : 0;
		uint32_t flight = tc->snd_nxt - tc->snd_una;
		uint32_t wnd = u32_min(tc->snd_wnd, tc->cwnd);
		uint32_t usable = wnd > flight ? wnd - flight : 0;
		uint32_t len = u32_min(u32_min(avail, usable), (uint32_t)tc->mss);
		bool fin = tc->fin_queued && tc->snd_nxt + len == data_end;

		if (!len && !fin)
			break;
		/* RFC 1122 §4.2.3.4 (sender SWS avoidance): no runt segment
		 * while more data waits and an ACK will open the window. */
		if (len < tc->mss && len < avail && flight)
			break;
		if (tcp_send_data(tc, tc->snd_nxt, len, fin) < 0) {
			tcp_kick(tc);   /* no mbuf or no ARP yet: try again next poll */
			break;
		}
		if (!tc->rtt_timing && seq_ge(tc->snd_nxt, tc->snd_max) && len) {
			tc->rtt_timing = true;
			tc->rtt_seq = tc->snd_nxt;
			tc->rtt_start = ns->now_us;
		}
		tc->snd_nxt += len + fin;
		tc->snd_max = seq_max(tc->snd_max, tc->snd_nxt);
		sent = true;
	}
	if (!sent && (tc->ack_now || (tcp_receiving(tc) && tcp_window_grew(tc))))
		tcp_send_ack(tc);
	tcp_rexmt_arm(tc, false);
}
