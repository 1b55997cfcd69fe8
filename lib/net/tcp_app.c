/*
 * TCP-lite's calls for the app (net.h): send, reading on/off, window
 * updates, close, abort, active open. They only change state and put the
 * conn on the work list; segments leave and upcalls happen in tcp_poll
 * (tcp_abort's RST is queued at once). None of them calls the app back.
 */
#include <errno.h>

#include <rte_jhash.h>

#include "net/tcp_int.h"

size_t tcp_send_space(const struct tcp_conn *tc)
{
	uint32_t sndbuf = tc->ns->cfg.sndbuf;

	return tc->sq_bytes < sndbuf ? sndbuf - tc->sq_bytes : 0;
}

ssize_t tcp_send(struct tcp_conn *tc, const void *p, size_t n)
{
	size_t take;
	uint32_t done;

	if (tc->dead || tc->app_gone || tc->fin_queued)
		return -EPIPE;
	if (tc->state != TCP_ESTABLISHED && tc->state != TCP_CLOSE_WAIT &&
	    tc->state != TCP_SYN_SENT)
		return -EPIPE;
	take = RTE_MIN(n, tcp_send_space(tc));
	done = take ? tcp_sq_append(tc, p, (uint32_t)take) : 0;
	if (done < n)
		tc->want_writable = true;
	if (done || tc->want_writable)
		tcp_kick(tc);
	return done;
}

void tcp_set_reading(struct tcp_conn *tc, bool on)
{
	tc->reading = on;
	if (on)
		tcp_kick(tc);   /* held data goes up, the window reopens */
}

void tcp_window_update(struct tcp_conn *tc)
{
	tcp_kick(tc);           /* tcp_output sends an ACK if the window grew enough */
}

void tcp_close(struct tcp_conn *tc)
{
	const struct tcp_table *t = tc->ns->tcp;

	if (tc->app_gone)
		return;
	tc->app_gone = true;
	if (tc->dead)
		return;
	/* The app reads no more: what it had not taken is dropped. */
	tcp_free_mlist(tc->held_head, t);
	tc->held_head = tc->held_tail = NULL;
	tc->held_bytes = 0;
	tc->eof_pending = false;
	switch (tc->state) {
	case TCP_SYN_SENT:
		tcp_conn_done(tc);
		return;
	case TCP_ESTABLISHED:
		tc->state = TCP_FIN_WAIT_1;
		tc->fin_queued = true;
		break;
	case TCP_CLOSE_WAIT:
		tc->state = TCP_LAST_ACK;
		tc->fin_queued = true;
		break;
	default:
		break;
	}
	tcp_kick(tc);
}

void tcp_abort(struct tcp_conn *tc)
{
	if (tc->dead) {
		tc->app_gone = true;
		return;
	}
	tc->app_gone = true;
	if (tc->state != TCP_SYN_SENT && tc->state != TCP_TIME_WAIT)
		tcp_send_rst(tc);
	tcp_conn_done(tc);
}

/* Would the flow from our lport to rip:rport be steered to owner? Asked
 * through net_flow_owner() on a scratch frame, so the answer is by
 * definition the one the port layer gives. */
static bool tcp_port_owned(struct rte_mbuf *scratch, uint16_t lport, unsigned owner,
			   unsigned nowners)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(scratch, struct rte_tcp_hdr *,
		sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr));

	th->src_port = rte_cpu_to_be_16(lport);
	return net_flow_owner(scratch, nowners) == (int)owner;
}

static struct rte_mbuf *tcp_scratch_frame(struct net_stack *ns, uint32_t dst_ip, uint16_t dst_port)
{
	struct rte_mbuf *m = net_alloc(ns);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	uint16_t len = sizeof(*eh) + sizeof(*ip) + sizeof(*th);

	if (!m)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, len);
	memset(eh, 0, len);
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th));
	ip->next_proto_id = IPPROTO_TCP;
	ip->time_to_live = 64;
	ip->src_addr = rte_cpu_to_be_32(ns->cfg.ip);
	ip->dst_addr = rte_cpu_to_be_32(dst_ip);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->dst_port = rte_cpu_to_be_16(dst_port);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_SYN_FLAG;
	m->l2_len = sizeof(*eh);
	m->l3_len = sizeof(*ip);
	return m;
}

static int tcp_pick_port(struct net_stack *ns, uint32_t dst_ip, uint16_t dst_port,
			 unsigned owner, unsigned nowners)
{
	struct rte_mbuf *scratch = NULL;
	uint32_t start = rte_jhash_2words(dst_ip, (uint32_t)ns->now_us, ns->cfg.seed);
	int port = -1;

	if (nowners > 1) {
		scratch = tcp_scratch_frame(ns, dst_ip, dst_port);
		if (!scratch)
			return -1;
	}
	for (uint32_t i = 0; i < TCP_EPHEMERAL_N; i++) {
		uint16_t p = (uint16_t)(TCP_EPHEMERAL_LO + (start + i) % TCP_EPHEMERAL_N);

		if (p == ns->cfg.listen_port || tcp_lookup(ns->tcp, dst_ip, dst_port, p))
			continue;
		if (scratch && !tcp_port_owned(scratch, p, owner, nowners))
			continue;
		port = p;
		break;
	}
	rte_pktmbuf_free(scratch);
	return port;
}

struct tcp_conn *tcp_connect(struct net_stack *ns, uint32_t dst_ip, uint16_t dst_port,
			     void *h, unsigned owner, unsigned nowners)
{
	struct tcp_conn *tc;
	int port;

	if (ns->tcp->nconns >= ns->cfg.max_conns) {
		ns->cnt.tcp_conn_limit++;
		return NULL;
	}
	port = tcp_pick_port(ns, dst_ip, dst_port, owner, nowners);
	if (port < 0)
		return NULL;
	tc = tcp_conn_new(ns, dst_ip, dst_port, (uint16_t)port, false);
	if (!tc)
		return NULL;
	tc->state = TCP_SYN_SENT;
	tc->h = h;
	tc->app_attached = true;
	tc->ws_ok = true;        /* offered; kept only if the SYN-ACK agrees */
	tc->rtt_timing = true;
	tc->rtt_seq = tc->iss;
	tc->rtt_start = ns->now_us;
	if (tcp_send_syn(tc) == -EAGAIN) {
		tc->syn_unsent = true;          /* next hop unresolved: ARP asked */
		tc->t_rexmt = ns->now_us + TCP_ARP_RETRY_US;
	} else
		tc->t_rexmt = ns->now_us + tc->rto;
	tcp_timer_update(tc);
	return tc;
}
