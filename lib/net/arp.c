/* ARP (RFC 826): answer for our address, a small cache, resolution. */
#include <string.h>

#include "net/net_int.h"

/* RFC 1122 2.3.2.1: at most one request per second per destination. */
#define ARP_RETRY_US 1000000u
#define ARP_FRAME_MIN 60 /* Ethernet minimum without FCS: pad our frames */

_Static_assert((NET_ARP_CACHE & (NET_ARP_CACHE - 1)) == 0, "ARP cache size: power of two");

static struct arp_entry *arp_slot(struct net_stack *ns, uint32_t ip)
{
	/* Fibonacci hashing: neighbours on a subnet differ in the low bits. */
	return &ns->arp[(ip * 0x9e3779b1u) >> (32 - __builtin_ctz(NET_ARP_CACHE))];
}

/* A resolved, unexpired entry has a non-zero MAC; a zero MAC marks a
 * request in flight, expires_us then being when we may ask again. */
static bool arp_entry_valid(const struct net_stack *ns, const struct arp_entry *e, uint32_t ip)
{
	return e->ip == ip && !rte_is_zero_ether_addr(&e->mac) && ns->now_us < e->expires_us;
}

void arp_learn(struct net_stack *ns, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct arp_entry *e = arp_slot(ns, ip);

	e->ip = ip;
	e->mac = *mac;
	e->expires_us = ns->now_us + NET_ARP_TTL_US;
}

static void arp_send(struct net_stack *ns, uint16_t op, const struct rte_ether_addr *eth_dst,
		     const struct rte_ether_addr *tha, uint32_t tpa)
{
	struct rte_mbuf *m = net_alloc(ns);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;

	if (!m)
		return;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ARP_FRAME_MIN);
	if (!eh) {
		rte_pktmbuf_free(m);
		return;
	}
	memset(eh, 0, ARP_FRAME_MIN);
	a = (struct rte_arp_hdr *)(eh + 1);
	eh->dst_addr = *eth_dst;
	eh->src_addr = ns->cfg.mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = ns->cfg.mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(ns->cfg.ip);
	a->arp_data.arp_tha = *tha;
	a->arp_data.arp_tip = rte_cpu_to_be_32(tpa);
	m->l2_len = sizeof(*eh);
	ns->cnt.arp_out++;
	net_tx(ns, m);
}

void arp_input(struct net_stack *ns, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a;
	struct rte_ether_addr sha;
	uint32_t spa, tpa;
	uint16_t op;

	if (m->data_len < sizeof(*a)) {
		net_drop(ns, m, &ns->cnt.rx_truncated);
		return;
	}
	a = rte_pktmbuf_mtod(m, const struct rte_arp_hdr *);
	op = rte_be_to_cpu_16(a->arp_opcode);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4 ||
	    (op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)) {
		net_drop(ns, m, NULL);
		return;
	}
	ns->cnt.arp_in++;
	sha = a->arp_data.arp_sha;
	spa = rte_be_to_cpu_32(a->arp_data.arp_sip);
	tpa = rte_be_to_cpu_32(a->arp_data.arp_tip);
	rte_pktmbuf_free(m);

	/* Learn only unicast senders with an address, never our own (a
	 * conflict) and never from probes (spa 0). Like RFC 826: learn when
	 * we are the target, refresh an entry we already hold otherwise. */
	if (spa && spa != ns->cfg.ip && rte_is_valid_assigned_ether_addr(&sha) &&
	    (tpa == ns->cfg.ip || arp_slot(ns, spa)->ip == spa))
		arp_learn(ns, spa, &sha);
	if (op == RTE_ARP_OP_REQUEST && tpa == ns->cfg.ip && spa != ns->cfg.ip &&
	    rte_is_valid_assigned_ether_addr(&sha))
		arp_send(ns, RTE_ARP_OP_REPLY, &sha, &sha, spa);
}

const struct rte_ether_addr *arp_resolve(struct net_stack *ns, uint32_t ip)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero;
	uint32_t hop = ip;
	struct arp_entry *e;

	if ((ip ^ ns->cfg.ip) & ns->netmask) {
		if (!ns->cfg.gateway)
			return NULL;
		hop = ns->cfg.gateway;
	}
	e = arp_slot(ns, hop);
	if (arp_entry_valid(ns, e, hop))
		return &e->mac;
	if (e->ip == hop && rte_is_zero_ether_addr(&e->mac) && ns->now_us < e->expires_us)
		return NULL; /* asked recently */
	e->ip = hop;
	e->mac = zero;
	e->expires_us = ns->now_us + ARP_RETRY_US;
	arp_send(ns, RTE_ARP_OP_REQUEST, &bcast, &zero, hop);
	return NULL;
}

/* RFC 5227 announcement: a request with sender = target = our address. */
void arp_send_gratuitous(struct net_stack *ns)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	static const struct rte_ether_addr zero;

	arp_send(ns, RTE_ARP_OP_REQUEST, &bcast, &zero, ns->cfg.ip);
}
