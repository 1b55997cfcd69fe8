/* The per-lcore stack: life cycle, Ethernet input, the TX batch, steering. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_prefetch.h>

#include "net/net_int.h"

void net_stack_cfg_defaults(struct net_stack_cfg *cfg)
{
	if (!cfg->mtu)
		cfg->mtu = 1500;
	if (!cfg->max_conns)
		cfg->max_conns = 65536;
	if (!cfg->rcvbuf)
		cfg->rcvbuf = 256 * 1024;
	if (!cfg->sndbuf)
		cfg->sndbuf = 256 * 1024;
	/* a whole rcvbuf of full segments (~180) behind one hole: without
	 * SACK, every segment dropped here costs the peer an RTO */
	if (!cfg->ooo_max)
		cfg->ooo_max = 512;
	if (!cfg->syn_backlog)
		cfg->syn_backlog = 1024;
	if (!cfg->time_wait_us)
		cfg->time_wait_us = 1000000;
}

struct net_stack *net_stack_new(const struct net_stack_cfg *cfg, const struct net_io *io,
				const struct net_app_ops *app, void *app_ctx)
{
	struct net_stack_cfg c;
	struct net_stack *ns;

	if (!cfg || !io || !io->pool || !io->tx || !app)
		return NULL;
	c = *cfg;
	net_stack_cfg_defaults(&c);
	if (!c.ip || c.prefix < 1 || c.prefix > 32 || c.mtu < 576 || c.mtu > 9000)
		return NULL;
	ns = aligned_alloc(RTE_CACHE_LINE_SIZE,
			   RTE_ALIGN_CEIL(sizeof(*ns), RTE_CACHE_LINE_SIZE));
	if (!ns)
		return NULL;
	memset(ns, 0, sizeof(*ns));
	ns->cfg = c;
	ns->io = *io;
	ns->app = app;
	ns->app_ctx = app_ctx;
	ns->netmask = ip_netmask(c.prefix);
	ns->listening = c.listen_port != 0;
	ns->tcp = tcp_table_new(ns);
	if (!ns->tcp) {
		free(ns);
		return NULL;
	}
	return ns;
}

void net_stack_free(struct net_stack *ns)
{
	if (!ns)
		return;
	tcp_table_free(ns, ns->tcp);
	for (uint16_t i = 0; i < ns->ntx; i++)
		rte_pktmbuf_free(ns->txq[i]);
	free(ns);
}

void net_set_time(struct net_stack *ns, uint64_t now_us)
{
	ns->now_us = now_us;
}

uint64_t net_time(const struct net_stack *ns)
{
	return ns->now_us;
}

const struct net_counters *net_counters(const struct net_stack *ns)
{
	return &ns->cnt;
}

void net_drop(struct net_stack *ns, struct rte_mbuf *m, uint64_t *counter)
{
	if (counter)
		(*counter)++;
	ns->cnt.rx_drops++;
	rte_pktmbuf_free(m);
}

/* Headers must lie in the first segment (every PMD delivers them so);
 * frames that do not are treated as truncated by each layer. */
void eth_input(struct net_stack *ns, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	struct rte_ether_addr src;

	if (m->data_len < sizeof(*eh)) {
		net_drop(ns, m, &ns->cnt.rx_truncated);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (!rte_is_same_ether_addr(&eh->dst_addr, &ns->cfg.mac) &&
	    !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
		net_drop(ns, m, NULL);
		return;
	}
	switch (eh->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		rte_pktmbuf_adj(m, sizeof(*eh));
		arp_input(ns, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		/* Copied: a reply may reuse this mbuf and write over the header. */
		src = eh->src_addr;
		rte_pktmbuf_adj(m, sizeof(*eh));
		ipv4_input(ns, m, &src);
		break;
	default: /* VLAN tags included: the port strips them or we do not serve them */
		net_drop(ns, m, NULL);
	}
}

void net_input(struct net_stack *ns, struct rte_mbuf **m, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 1], void *));
		ns->cnt.rx_pkts++;
		ns->cnt.rx_bytes += m[i]->pkt_len;
		eth_input(ns, m[i]);
	}
}

struct rte_mbuf *net_alloc(struct net_stack *ns)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ns->io.pool);

	if (!m)
		ns->cnt.tx_nombuf++;
	return m;
}

void net_tx(struct net_stack *ns, struct rte_mbuf *m)
{
	if (ns->ntx == NET_TX_BURST)
		net_tx_flush(ns);
	ns->cnt.tx_pkts++;
	ns->cnt.tx_bytes += m->pkt_len;
	ns->txq[ns->ntx++] = m;
}

void net_tx_flush(struct net_stack *ns)
{
	uint16_t n = ns->ntx;

	if (!n)
		return;
	/* Reset first: io->tx may free frames but must not re-enter us. */
	ns->ntx = 0;
	ns->io.tx(ns->io.ctx, ns->txq, n);
}

void net_poll(struct net_stack *ns)
{
	tcp_poll(ns);
	net_tx_flush(ns);
}

void net_announce(struct net_stack *ns)
{
	arp_send_gratuitous(ns);
	net_tx_flush(ns);
}

void net_stop_listening(struct net_stack *ns)
{
	ns->listening = false;
}

int net_flow_owner(const struct rte_mbuf *m, unsigned nowners)
{
	const struct rte_ether_hdr *eh;
	const struct rte_ipv4_hdr *ip;
	const uint8_t *l4;
	size_t hl;

	if (!nowners || m->data_len < sizeof(*eh) + sizeof(*ip))
		return -1;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	ip = (const struct rte_ipv4_hdr *)(eh + 1);
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) || ip->next_proto_id != IPPROTO_TCP ||
	    (ip->version_ihl >> 4) != 4 ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return -1;
	hl = rte_ipv4_hdr_len(ip);
	if (hl < sizeof(*ip) || m->data_len < sizeof(*eh) + hl + 4)
		return -1;
	l4 = (const uint8_t *)ip + hl;
	return (int)(net_flow_hash(rte_be_to_cpu_32(ip->src_addr),
				   (uint16_t)(l4[0] << 8 | l4[1]),
				   rte_be_to_cpu_32(ip->dst_addr),
				   (uint16_t)(l4[2] << 8 | l4[3])) % nowners);
}
