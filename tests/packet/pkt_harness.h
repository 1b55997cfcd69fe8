/*
 * tests/packet harness: drive one lib/net stack with crafted frames over a
 * fake port and inspect what it emits. Single-threaded, test code only.
 *
 *   struct pkt_env *e = pkt_env_new(NULL, 0);     // our side: PKT_OUR_*
 *   pkt_input(e, pkt_tcp(RTE_TCP_SYN_FLAG, 1000, 0, NULL, 0));
 *   net_poll(e->ns);                             // or pkt_poll(e)
 *   struct pkt_frame f;
 *   CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0); // first emitted frame
 *   CU_ASSERT(f.tcp && f.flags == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG));
 *   pkt_env_free(e);
 *
 * The peer ("the client") is PKT_PEER_IP:PKT_PEER_PORT with PKT_PEER_MAC;
 * the stack is PKT_OUR_IP/24:PKT_OUR_PORT with PKT_OUR_MAC, gateway
 * PKT_GW_IP. Addresses are host order everywhere in this API.
 *
 * Frames handed to the stack come from one shared mbuf pool
 * (pkt_pool_in_use() lets a test check that nothing leaked). Emitted
 * frames are captured in e->tx[] (owned by the harness until
 * pkt_tx_take / pkt_tx_clear). If the env was made with PKT_TX_IP_CKSUM /
 * PKT_TX_TCP_CKSUM, the fake port completes the checksums like a NIC
 * would, after checking that the stack left what a NIC expects (a zero
 * IP checksum, the TCP pseudo-header sum): e->tx_offload_errors counts
 * frames that did not.
 *
 * Builders put every header in the first segment of a chain, as NICs do
 * and as lib/net requires. A CUnit program includes "../unit/cunit_main.h"
 * for the shared runner.
 */
#ifndef WIREKV_PKT_HARNESS_H
#define WIREKV_PKT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net/net_int.h"

#define PKT_IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))
#define PKT_OUR_IP PKT_IP(198, 18, 0, 2)
#define PKT_PEER_IP PKT_IP(198, 18, 0, 1)
#define PKT_GW_IP PKT_IP(198, 18, 0, 254)
#define PKT_PREFIX 24
#define PKT_OUR_PORT 6379
#define PKT_PEER_PORT 40000
extern const struct rte_ether_addr PKT_OUR_MAC;  /* 02:00:00:00:00:02 */
extern const struct rte_ether_addr PKT_PEER_MAC; /* 02:00:00:00:00:01 */
extern const struct rte_ether_addr PKT_BCAST_MAC;

#define PKT_TX_MAX 1024     /* captured frames kept (more: freed, tx_overflow++) */
#define PKT_FRAME_MAX 16384 /* bytes of one parsed frame */
#define PKT_MAX_CONNS 128   /* connections the recording app tracks */
#define PKT_MAX_EVENTS 4096

/* ---- EAL and mbufs */

/* One-time EAL start for this process (no hugepages, no devices); called
 * by pkt_env_new. 0 or -errno. */
int pkt_eal_init(void);
/* Remove this process's EAL runtime directory (registered atexit by init). */
void pkt_eal_remove_runtime_dir(void);
struct rte_mempool *pkt_pool(void);
/* Mbufs of the pool currently allocated (captured frames included). */
unsigned pkt_pool_in_use(void);

/* ---- the recording app */

enum pkt_ev { PKT_EV_ACCEPTED, PKT_EV_REFUSED, PKT_EV_RECV, PKT_EV_EOF, PKT_EV_ERROR,
	      PKT_EV_WRITABLE, PKT_EV_CLOSED };

struct pkt_event {
	enum pkt_ev type;
	int conn;           /* index in e->conns (-1 for REFUSED) */
	int err;            /* ERROR */
	size_t len;         /* RECV */
};

/* One accepted/connected connection; &conns[i] is the app's handle. */
struct pkt_conn {
	struct tcp_conn *tc;  /* NULL once closed() */
	int idx;
	char peer[32], local[32];
	unsigned char *rx;    /* every byte recv() delivered, in order */
	size_t rx_len, rx_cap;
	unsigned recv_calls, writable_calls;
	bool eof, closed;
	int err;              /* last error() */
	size_t pending;       /* what pending_input() returns (test sets it) */
};

struct pkt_env;
/* Optional hooks run inside the callbacks (after recording), e.g. to
 * tcp_send a reply from recv, or tcp_close from eof. */
struct pkt_hooks {
	void (*accepted)(struct pkt_env *e, struct pkt_conn *c);
	void (*recv)(struct pkt_env *e, struct pkt_conn *c, char *data, size_t len);
	void (*eof)(struct pkt_env *e, struct pkt_conn *c);
	void (*writable)(struct pkt_env *e, struct pkt_conn *c);
	void *arg;
};

/* ---- the environment */

enum {
	PKT_TX_IP_CKSUM = 1,  /* io.tx_ip_cksum: fake port computes IP checksums */
	PKT_TX_TCP_CKSUM = 2, /* io.tx_tcp_cksum: fake port computes TCP checksums */
	PKT_RX_CKSUM = 4,     /* io.rx_cksum: stack trusts RX checksum flags */
};

struct pkt_env {
	struct net_stack *ns;
	struct net_stack_cfg cfg;
	struct net_io io;
	uint64_t now_us;                /* the fake clock (see pkt_clock_*) */

	struct rte_mbuf *tx[PKT_TX_MAX];
	unsigned ntx;
	unsigned tx_calls;              /* io.tx() invocations */
	unsigned tx_overflow;
	unsigned tx_offload_errors;

	bool refuse;                    /* accepted() returns NULL */
	size_t pending_default;         /* initial pending for new conns */
	struct pkt_hooks hooks;
	struct pkt_conn conns[PKT_MAX_CONNS];
	unsigned nconns;
	struct pkt_event ev[PKT_MAX_EVENTS];
	unsigned nev;
};

/* Stack config used by pkt_env_new(NULL, ...): defaults plus PKT_OUR_*,
 * listen_port PKT_OUR_PORT, gateway PKT_GW_IP, seed 1. */
void pkt_default_cfg(struct net_stack_cfg *cfg);
/* cfg NULL: pkt_default_cfg. flags: PKT_TX_IP_CKSUM | ... NULL on failure. */
struct pkt_env *pkt_env_new(const struct net_stack_cfg *cfg, unsigned flags);
/* Frees the stack, captured frames and recorded data. */
void pkt_env_free(struct pkt_env *e);

/* Hand one frame to net_input (ownership passes; NULL is ignored). */
void pkt_input(struct pkt_env *e, struct rte_mbuf *m);
void pkt_poll(struct pkt_env *e);                     /* net_poll */
void pkt_clock_set(struct pkt_env *e, uint64_t now_us); /* net_set_time */
void pkt_clock_advance(struct pkt_env *e, uint64_t us);
/* Advance the clock by total_us in steps of step_us, net_poll after each. */
void pkt_run(struct pkt_env *e, uint64_t total_us, uint64_t step_us);

/* Counting events of one type (conn -1: any conn). */
unsigned pkt_events(const struct pkt_env *e, enum pkt_ev type, int conn);

/* ---- parsed emitted frames */

struct pkt_frame {
	size_t len;                      /* frame bytes */
	uint16_t nb_segs;
	uint64_t ol_flags;               /* as the stack left them */
	struct rte_ether_addr eth_dst, eth_src;
	uint16_t ether_type;

	bool arp;
	uint16_t arp_op;
	struct rte_ether_addr arp_sha, arp_tha;
	uint32_t arp_spa, arp_tpa;

	bool ipv4;                       /* and the header was complete */
	uint8_t ip_hlen, ip_ttl, ip_proto, ip_tos;
	uint16_t ip_len, ip_id, ip_frag; /* ip_frag: flags|offset, host order */
	uint32_t ip_src, ip_dst;
	bool ip_cksum_ok;

	bool tcp;
	uint16_t sport, dport, win;
	uint32_t seq, ack;
	uint8_t flags, doff;             /* doff in bytes */
	bool tcp_cksum_ok;
	bool opts_bad;                   /* malformed option list */
	int mss, wscale;                 /* -1: absent */
	bool sack_ok, ts;
	uint32_t tsval, tsecr;
	unsigned nsack;
	uint32_t sack[4][2];

	bool icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	bool icmp_cksum_ok;

	const uint8_t *payload;          /* TCP payload / ICMP data, into raw */
	size_t payload_len;
	uint8_t raw[PKT_FRAME_MAX];      /* the frame, linear */
};

/* Parse any frame (chained or not). 0, or -EMSGSIZE if over PKT_FRAME_MAX. */
int pkt_parse(const struct rte_mbuf *m, struct pkt_frame *f);
/* Remove the oldest captured frame, parse it into f and free it.
 * -ENOENT when none was captured. */
int pkt_tx_take(struct pkt_env *e, struct pkt_frame *f);
void pkt_tx_clear(struct pkt_env *e);

/* ---- frame builders: return a new mbuf (NULL only if the pool is empty) */

/* Layer 2/3 knobs shared by the IPv4 builders. pkt_ip_default(): peer ->
 * us, TTL 64, DF, nothing broken. */
struct pkt_ip {
	struct rte_ether_addr eth_dst, eth_src;
	uint16_t ether_type;             /* normally RTE_ETHER_TYPE_IPV4 */
	bool vlan;                       /* insert an 802.1Q tag (id 5) */
	uint32_t src, dst;
	uint8_t ttl, tos, version;       /* version: normally 4 */
	uint16_t id;
	uint16_t frag;                   /* flags|offset, host order (RTE_IPV4_HDR_*) */
	uint8_t opts[40];                /* IP options (padded with EOL to 4) */
	uint8_t optlen;
	int8_t ihl_override;             /* >= 0: write this IHL instead */
	int total_len_delta;             /* added to the correct total length */
	bool bad_ip_cksum, bad_l4_cksum;
	size_t eth_pad;                  /* bytes of padding after the packet */
	size_t truncate;                 /* nonzero: cut the frame to this size */
	unsigned nsegs;                  /* >1: chain, headers all in segment 1 */
};
struct pkt_ip pkt_ip_default(void);

struct pkt_tcp {
	struct pkt_ip ip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;                   /* RTE_TCP_*_FLAG */
	uint16_t win;                    /* raw field value (unscaled) */
	uint16_t urp;
	uint8_t opts[40];                /* raw option bytes (padded with NOP... to 4) */
	uint8_t optlen;
	const void *data;
	size_t len;
};
/* PKT_PEER_* -> PKT_OUR_*, win 65535, no options, no data. */
struct pkt_tcp pkt_tcp_default(void);
struct rte_mbuf *pkt_build_tcp(const struct pkt_tcp *t);
/* Shorthand: default frame with these fields. */
struct rte_mbuf *pkt_tcp(uint8_t flags, uint32_t seq, uint32_t ack, const void *data, size_t len);

/* TCP option writers: append to t->opts, return the bytes written. */
size_t pkt_opt_mss(struct pkt_tcp *t, uint16_t mss);
size_t pkt_opt_wscale(struct pkt_tcp *t, uint8_t shift);
size_t pkt_opt_sack_ok(struct pkt_tcp *t);
size_t pkt_opt_ts(struct pkt_tcp *t, uint32_t tsval, uint32_t tsecr);
size_t pkt_opt_sack(struct pkt_tcp *t, const uint32_t (*blocks)[2], unsigned n);
size_t pkt_opt_nop(struct pkt_tcp *t);
/* A frame with any IPv4 protocol and raw L4 bytes (checksum untouched). */
struct rte_mbuf *pkt_build_ipv4(const struct pkt_ip *ip, uint8_t proto, const void *l4,
				size_t l4len);
/* ICMP echo request (type 8) or any type, with a correct ICMP checksum. */
struct rte_mbuf *pkt_build_icmp(const struct pkt_ip *ip, uint8_t type, uint16_t id,
				uint16_t seq, const void *data, size_t len);
/* ARP with Ethernet header (eth_src = sha), padded to 60 bytes. */
struct rte_mbuf *pkt_build_arp(const struct rte_ether_addr *eth_dst, uint16_t op,
			       const struct rte_ether_addr *sha, uint32_t spa,
			       const struct rte_ether_addr *tha, uint32_t tpa);
/* Raw bytes as a frame. */
struct rte_mbuf *pkt_build_raw(const void *bytes, size_t len);
/* The same as a chain of nsegs segments, the first holding at least
 * `first` bytes (the headers), the rest spread evenly. */
struct rte_mbuf *pkt_build_chain(const void *bytes, size_t len, size_t first, unsigned nsegs);

#endif
