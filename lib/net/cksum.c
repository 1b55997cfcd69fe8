/* Checksums: trust the NIC's RX verdict when allowed, else software sums
 * (chained mbufs included); on TX, software or offload. */
#include "net/net_int.h"

/*
 * DPDK 22.11's rte_raw_cksum_mbuf() (and so rte_ipv4_udptcp_cksum_mbuf)
 * truncates a segment's unreduced 32-bit sum to 16 bits before swapping
 * it when the bytes before it were odd, which loses carries: chains with
 * odd segment lengths get wrong sums. Same walk, reduced before the swap.
 */
int cksum_raw(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *cksum)
{
	uint32_t sum = 0, done = 0;

	if (off > m->pkt_len || len > m->pkt_len - off)
		return -1;
	for (; m && off >= m->data_len; m = m->next)
		off -= m->data_len;
	for (; m && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t s = __rte_raw_cksum_reduce(
			__rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), n, 0));

		sum += (done & 1) ? rte_bswap16(s) : s;
		done += n;
	}
	if (done != len)
		return -1;
	*cksum = __rte_raw_cksum_reduce(sum);
	return 0;
}

/* The L4 sum (pseudo-header included, not complemented) of the segment at
 * l4off; -1 if the IP total length does not fit the mbuf. */
static int l4_sum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t l4off,
		  uint16_t *sum)
{
	uint32_t hl = rte_ipv4_hdr_len(ip), total = rte_be_to_cpu_16(ip->total_length);
	uint16_t raw;

	if (total < hl || cksum_raw(m, l4off, total - hl, &raw))
		return -1;
	*sum = __rte_raw_cksum_reduce((uint32_t)raw + rte_ipv4_phdr_cksum(ip, 0));
	return 0;
}

bool cksum_ipv4_ok(const struct net_stack *ns, const struct rte_mbuf *m,
		   const struct rte_ipv4_hdr *ip)
{
	if (ns->io.rx_cksum) {
		uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

		if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
			return true;
		if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
			return false;
	}
	return rte_ipv4_cksum(ip) == 0;
}

bool cksum_l4_ok(const struct net_stack *ns, const struct rte_mbuf *m,
		 const struct rte_ipv4_hdr *ip, uint32_t l4off)
{
	if (ns->io.rx_cksum) {
		uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

		if (f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
			return true;
		if (f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
			return false;
	}
	uint16_t sum;

	return l4_sum(m, ip, l4off, &sum) == 0 && sum == 0xffff;
}

void cksum_tcp_tx(const struct net_stack *ns, struct rte_mbuf *m)
{
	const uint32_t l4off = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
								 sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4off);

	if (ns->io.tx_tcp_cksum) {
		m->l4_len = (uint8_t)((th->data_off >> 4) * 4);
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
		return;
	}
	uint16_t sum = 0;

	th->cksum = 0;
	l4_sum(m, ip, l4off, &sum);
	th->cksum = (uint16_t)~sum;
}
