/*
 * lib/net's private layout: the per-lcore stack and the calls between its
 * layers. Only lib/net's .c files and tests/packet include this.
 *
 * Receive:  net_input -> eth_input -> arp_input | ipv4_input -> icmp_input | tcp_input
 * Transmit: every layer builds whole frames in mbufs from io->pool and
 *           queues them with net_tx(); net_tx_flush() hands the batch to
 *           io->tx (net_poll ends with it; a full batch flushes early).
 */
#ifndef WIREKV_NET_INT_H
#define WIREKV_NET_INT_H

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net/net.h"

#define NET_TX_BURST 32
#define NET_ARP_CACHE 64          /* entries, direct-mapped by IP */
#define NET_ARP_TTL_US (60u * 1000000u)

struct arp_entry {
	uint32_t ip;                  /* host order; 0 = empty */
	struct rte_ether_addr mac;
	uint64_t expires_us;
};

struct tcp_table;                 /* tcp_conn.c: 4-tuple hash, conns, timer wheel */

struct net_stack {
	struct net_stack_cfg cfg;
	struct net_io io;
	const struct net_app_ops *app;
	void *app_ctx;
	uint64_t now_us;
	uint32_t netmask;             /* host order, from cfg.prefix */
	bool listening;
	struct net_counters cnt;

	struct rte_mbuf *txq[NET_TX_BURST];
	uint16_t ntx;

	struct arp_entry arp[NET_ARP_CACHE];
	struct tcp_table *tcp;
};

/* ---- eth / tx (net_stack.c) */
void eth_input(struct net_stack *ns, struct rte_mbuf *m);
void net_tx(struct net_stack *ns, struct rte_mbuf *m);     /* queue a finished frame */
void net_tx_flush(struct net_stack *ns);
struct rte_mbuf *net_alloc(struct net_stack *ns);         /* counts tx_nombuf on failure */
/* Drop a received frame, counting it in *counter (and rx_drops). */
void net_drop(struct net_stack *ns, struct rte_mbuf *m, uint64_t *counter);

/* ---- arp (arp.c) */
void arp_input(struct net_stack *ns, struct rte_mbuf *m);
/* MAC for a next hop (ip itself if on our subnet, else the gateway);
 * NULL if unknown, in which case a request has been sent (rate-limited). */
const struct rte_ether_addr *arp_resolve(struct net_stack *ns, uint32_t ip);
void arp_learn(struct net_stack *ns, uint32_t ip, const struct rte_ether_addr *mac);
void arp_send_gratuitous(struct net_stack *ns);

/* ---- ipv4 (ipv4.c) */
/* m's data starts at the IPv4 header (Ethernet header already removed
 * with rte_pktmbuf_adj); src_mac is the frame's source (copied). */
void ipv4_input(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ether_addr *src_mac);
/*
 * Fill the Ethernet and IPv4 headers of an outgoing frame whose L4 header
 * and payload are already in place after room for them: the frame is
 * [eth 14][ipv4 20][l4 l4len bytes, possibly chained]. Sets m->l2_len,
 * l3_len, the IPv4 checksum (or its offload flags). dst_mac NULL: resolve
 * by ARP; returns -EAGAIN (m untouched) if not yet resolved.
 */
int ipv4_fill(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ether_addr *dst_mac,
	      uint32_t dst_ip, uint8_t proto, uint32_t l4len);

/* ---- icmp (icmp.c): m's data starts at the ICMP header */
void icmp_input(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		const struct rte_ether_addr *src_mac);

/* ---- tcp (tcp_*.c) */
struct tcp_table *tcp_table_new(struct net_stack *ns);
void tcp_table_free(struct net_stack *ns, struct tcp_table *t);
/* m's data starts at the TCP header; ip is the (still intact) IPv4 header
 * just before it. Checksum already verified. */
void tcp_input(struct net_stack *ns, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	       const struct rte_ether_addr *src_mac);
void tcp_poll(struct net_stack *ns);      /* timers, ACKs, queued data, closed() */

/* ---- checksums (cksum.c) */
/* Verify IPv4/L4 checksums in software unless io.rx_cksum and the mbuf's
 * flags vouch for them. */
bool cksum_ipv4_ok(const struct net_stack *ns, const struct rte_mbuf *m,
		   const struct rte_ipv4_hdr *ip);
bool cksum_l4_ok(const struct net_stack *ns, const struct rte_mbuf *m,
		 const struct rte_ipv4_hdr *ip, uint32_t l4off);
/* rte_raw_cksum_mbuf() without its carry loss on odd-length segments
 * (DPDK 22.11): the folded, uncomplemented sum of len bytes at off. 0 or
 * -1 (range outside the mbuf). */
int cksum_raw(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint16_t *cksum);
/* Set the TCP checksum of an outgoing frame filled by ipv4_fill (software
 * over the whole chain, or the pseudo-header + offload flags). */
void cksum_tcp_tx(const struct net_stack *ns, struct rte_mbuf *m);

/*
 * The software-steering hash of net_flow_owner(): symmetric in its two
 * endpoints (addresses and ports host order), so both directions of a flow
 * agree; owner = net_flow_hash(...) % nowners. The endpoints are ordered as
 * 48-bit (ip << 16 | port) values, combined, and mixed with the 64-bit
 * finaliser of MurmurHash3, so every port change moves the owner; an
 * active open finds a local port for a given owner by trying ports in turn
 * (about nowners tries on average).
 */
static inline uint32_t net_flow_hash(uint32_t a, uint16_t ap, uint32_t b, uint16_t bp)
{
	uint64_t x = (uint64_t)a << 16 | ap, y = (uint64_t)b << 16 | bp;
	uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
	uint64_t h = lo * 0x9e3779b97f4a7c15ull ^ hi;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static inline uint32_t ip_netmask(uint8_t prefix)
{
	return prefix ? 0xffffffffu << (32 - prefix) : 0;
}

#endif
