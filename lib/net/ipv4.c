/* IPv4 (RFC 791, RFC 1122 3.2.1): validate, drop fragments, dispatch; fill. */
#include <errno.h>

#include "net/net_int.h"

#define IP_FRAG_BITS (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)

/* Cut m to len bytes (len <= pkt_len): Ethernet padding, possibly spread
 * over a chain where rte_pktmbuf_trim cannot reach. */
static void mbuf_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m;
	uint32_t off = 0;

	if (m->pkt_len - len <= UINT16_MAX && rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - len)) == 0)
		return;
	while (off + seg->data_len < len) {
		off += seg->data_len;
		seg = seg->next;
	}
	seg->data_len = (uint16_t)(len - off);
	if (seg->next) {
		uint16_t kept = 1;

		for (struct rte_mbuf *s = m; s != seg; s = s->next)
			kept++;
		rte_pktmbuf_free(seg->next);
		seg->next = NULL;
		m->nb_segs = kept;
	}
	m->pkt_len = len;
}

void ipv4_input(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ether_addr *src_mac)
{
	const struct rte_ipv4_hdr *ip;
	uint16_t hl, total;

	if (m->data_len < sizeof(*ip)) {
		net_drop(ns, m, &ns->cnt.rx_truncated);
		return;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	hl = rte_ipv4_hdr_len(ip);
	total = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || hl < sizeof(*ip) || total < hl) {
		net_drop(ns, m, NULL);
		return;
	}
	if (m->data_len < hl || total > m->pkt_len) {
		net_drop(ns, m, &ns->cnt.rx_truncated);
		return;
	}
	if (m->pkt_len > total)
		mbuf_trim_to(m, total);
	if (!cksum_ipv4_ok(ns, m, ip)) {
		net_drop(ns, m, &ns->cnt.rx_csum_errors);
		return;
	}
	if (ip->dst_addr != rte_cpu_to_be_32(ns->cfg.ip)) {
		net_drop(ns, m, NULL);
		return;
	}
	if (ip->fragment_offset & RTE_BE16(IP_FRAG_BITS)) {
		net_drop(ns, m, &ns->cnt.rx_ip_frags);
		return;
	}
	if (hl > sizeof(*ip))
		ns->cnt.rx_ip_options++; /* none needs acting on: skipped */

	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		if (m->data_len < hl + sizeof(struct rte_tcp_hdr)) {
			net_drop(ns, m, &ns->cnt.rx_truncated);
			return;
		}
		if (!cksum_l4_ok(ns, m, ip, hl)) {
			net_drop(ns, m, &ns->cnt.rx_csum_errors);
			return;
		}
		rte_pktmbuf_adj(m, hl);
		tcp_input(ns, m, ip, src_mac);
		break;
	case IPPROTO_ICMP:
		rte_pktmbuf_adj(m, hl);
		icmp_input(ns, m, ip, src_mac);
		break;
	default:
		net_drop(ns, m, NULL);
	}
}

int ipv4_fill(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ether_addr *dst_mac,
	      uint32_t dst_ip, uint8_t proto, uint32_t l4len)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);

	if (!dst_mac) {
		dst_mac = arp_resolve(ns, dst_ip);
		if (!dst_mac)
			return -EAGAIN;
	}
	eh->dst_addr = *dst_mac;
	eh->src_addr = ns->cfg.mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	/* DF is set, so the ID only needs to vary (RFC 6864 4.1): the TX
	 * packet count does that without state of its own. */
	ip->packet_id = rte_cpu_to_be_16((uint16_t)ns->cnt.tx_pkts);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(ns->cfg.ip);
	ip->dst_addr = rte_cpu_to_be_32(dst_ip);
	ip->hdr_checksum = 0;
	m->l2_len = sizeof(*eh);
	m->l3_len = sizeof(*ip);
	if (ns->io.tx_ip_cksum)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	return 0;
}
