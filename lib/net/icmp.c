/* ICMP (RFC 792, RFC 1122 3.2.2.6): echo replies; everything else dropped. */
#include "net/net_int.h"

/* The request's own mbuf becomes the reply (payload already in place,
 * chained or not) unless another owner can see it. */
static bool mbuf_private(const struct rte_mbuf *m)
{
	for (; m; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return false;
	return true;
}

void icmp_input(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		const struct rte_ether_addr *src_mac)
{
	const uint32_t l2l3 = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr);
	struct rte_icmp_hdr *ih;
	uint32_t len = m->pkt_len, peer = rte_be_to_cpu_32(ip->src_addr);
	uint16_t sum;

	if (m->data_len < sizeof(*ih)) {
		net_drop(ns, m, &ns->cnt.rx_truncated);
		return;
	}
	ih = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	if (ih->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ih->icmp_code != 0 ||
	    sizeof(struct rte_ipv4_hdr) + len > ns->cfg.mtu) {
		net_drop(ns, m, NULL);
		return;
	}
	if (cksum_raw(m, 0, len, &sum) || sum != 0xffff) {
		net_drop(ns, m, &ns->cnt.rx_csum_errors);
		return;
	}
	if (!mbuf_private(m) || rte_pktmbuf_headroom(m) < l2l3) {
		struct rte_mbuf *copy = rte_pktmbuf_copy(m, ns->io.pool, 0, UINT32_MAX);

		rte_pktmbuf_free(m);
		if (!copy) {
			ns->cnt.tx_nombuf++;
			return;
		}
		m = copy;
		ih = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	}
	ih->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ih->icmp_cksum = 0;
	cksum_raw(m, 0, len, &sum);
	ih->icmp_cksum = (uint16_t)~sum;

	m->ol_flags = 0;
	m->packet_type = 0;
	rte_pktmbuf_prepend(m, (uint16_t)l2l3);
	ipv4_fill(ns, m, src_mac, peer, IPPROTO_ICMP, len);
	ns->cnt.icmp_echo++;
	net_tx(ns, m);
}
