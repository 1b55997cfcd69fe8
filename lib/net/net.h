/*
 * lib/net: wirekv's own network stack for the DPDK data path.
 *
 * One struct net_stack per lcore: Ethernet, ARP (reply, resolve, small
 * cache, gratuitous ARP), IPv4 (no fragments), ICMP echo and TCP-lite
 * (passive open; active open for the load generator), with a per-lcore
 * connection table and timer wheel. The stack never touches a NIC itself:
 * frames come in through net_input() and leave through net_io.tx(), so the
 * same code runs over a DPDK port (port_dpdk.c, transport_dpdk.c), over the
 * fault-injecting port layer, and over the fake port of tests/packet.
 *
 * Above it sits an application (net_app_ops): the engine adapter in
 * transport_dpdk.c, or a test. Payload is handed up in place (mbuf data,
 * writable, valid during the call); replies are copied once, into mbufs.
 *
 * Threading rule: a stack and every connection in it belong to the lcore
 * that created it; nothing here locks. Time is what the lcore last set with
 * net_set_time(); the stack never reads a clock and never makes a syscall.
 */
#ifndef WIREKV_NET_H
#define WIREKV_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

struct net_stack;
struct tcp_conn;

/* Addresses are host byte order here; the stack converts at the wire. */
struct net_stack_cfg {
	uint32_t ip;                 /* our address */
	uint8_t prefix;              /* netmask length (1..32) */
	uint32_t gateway;            /* 0 = none: only the local subnet is reachable */
	uint16_t mtu;                /* IP MTU, 576..9000 (MSS = mtu - 40) */
	struct rte_ether_addr mac;   /* our MAC */
	uint16_t listen_port;        /* TCP port served (passive open); 0 = none */
	uint32_t max_conns;          /* connection table limit (SYN beyond: RST, counted) */
	uint32_t rcvbuf;             /* per conn: bytes held for the app (window base) */
	uint32_t sndbuf;             /* per conn: unacknowledged + unsent bytes */
	uint32_t ooo_max;            /* per conn: out-of-order segments kept */
	uint32_t syn_backlog;        /* half-open connections (SYN_RCVD) kept */
	uint32_t time_wait_us;       /* TIME_WAIT length (short, bounded) */
	uint32_t seed;               /* ISN and port choice */
};

/* Fill cfg with wirekv's defaults for the fields a user does not set. */
void net_stack_cfg_defaults(struct net_stack_cfg *cfg);

/* What the stack needs from below. */
struct net_io {
	void *ctx;
	struct rte_mempool *pool;    /* mbufs for everything the stack emits */
	/* Send n frames; takes ownership of all of them (frames that cannot
	 * be sent are freed and counted by the port layer). */
	void (*tx)(void *ctx, struct rte_mbuf **m, uint16_t n);
	bool tx_ip_cksum;            /* device computes IPv4 header checksums */
	bool tx_tcp_cksum;           /* device computes TCP checksums */
	bool rx_cksum;               /* trust RTE_MBUF_F_RX_{IP,L4}_CKSUM_* flags */
};

/* What the stack needs from above. `h` is the app's handle for a conn. */
struct net_app_ops {
	/* A connection finished its handshake (passive open) or connected
	 * (active open, h already set by tcp_connect). Return the app's
	 * handle, or NULL to refuse it (the stack sends RST). peer/local are
	 * "a.b.c.d:port". */
	void *(*accepted)(void *app, struct tcp_conn *tc, const char *peer, const char *local);
	/* In-order payload, never duplicated, never out of order. data is
	 * writable and valid only during the call. Not called while reading
	 * is off (tcp_set_reading). */
	void (*recv)(void *app, void *h, char *data, size_t len);
	/* The peer sent FIN, after all its data was delivered. */
	void (*eof)(void *app, void *h);
	/* Reset by the peer (ECONNRESET), retransmissions gave up
	 * (ETIMEDOUT), refused (ECONNREFUSED, active open). closed() follows. */
	void (*error)(void *app, void *h, int err);
	/* Send space grew after tcp_send() accepted less than offered. */
	void (*writable)(void *app, void *h);
	/* The stack let go of the conn: h is never passed again. Called once
	 * per accepted/connected conn, from net_poll() or net_input(), never
	 * from inside tcp_close()/tcp_abort(). */
	void (*closed)(void *app, void *h);
	/* Input bytes the app holds unparsed for h: they shrink the window. */
	size_t (*pending_input)(void *app, void *h);
};

struct net_counters {
	uint64_t rx_pkts, rx_bytes, tx_pkts, tx_bytes;
	uint64_t rx_drops;           /* frames dropped by the stack (not ours, malformed, ...) */
	uint64_t rx_truncated;       /* headers cut short */
	uint64_t rx_csum_errors;     /* bad IPv4 or TCP checksum */
	uint64_t rx_ip_frags;        /* fragments: dropped */
	uint64_t rx_ip_options;      /* IPv4 options seen (skipped) */
	uint64_t tx_nombuf;          /* could not allocate an mbuf to send */
	uint64_t arp_in, arp_out, icmp_echo;
	uint64_t tcp_conns;          /* gauge: connections in the table (all states) */
	uint64_t tcp_accepts, tcp_connects;
	uint64_t tcp_rst_in, tcp_rst_out;
	uint64_t tcp_retransmits, tcp_fast_retransmits, tcp_timeouts;
	uint64_t tcp_ooo_segs;       /* out-of-order segments queued */
	uint64_t tcp_ooo_drops;      /* ... dropped because the queue was full */
	uint64_t tcp_dup_segs;       /* wholly duplicate segments */
	uint64_t tcp_conn_limit;     /* SYNs refused: table full */
	uint64_t tcp_syn_limit;      /* SYNs dropped: SYN backlog full */
	uint64_t tcp_rcvbuf_limit;   /* payload dropped beyond the window */
	uint64_t tcp_persist_probes; /* zero-window probes sent */
	uint64_t tcp_bad_rst;        /* RSTs out of window, ignored (challenge ACK sent) */
};

struct net_stack *net_stack_new(const struct net_stack_cfg *cfg, const struct net_io *io,
				const struct net_app_ops *app, void *app_ctx);
/* Frees every conn without callbacks and without sending anything. */
void net_stack_free(struct net_stack *ns);

void net_set_time(struct net_stack *ns, uint64_t now_us);
uint64_t net_time(const struct net_stack *ns);

/* Frames received; the stack takes ownership of all n. */
void net_input(struct net_stack *ns, struct rte_mbuf **m, uint16_t n);
/* Once per loop turn, after input: run due timers, send pending ACKs,
 * window updates and queued data, deliver closed() callbacks. */
void net_poll(struct net_stack *ns);
/* Announce our MAC (gratuitous ARP). */
void net_announce(struct net_stack *ns);
/* Stop accepting: later SYNs to listen_port get RST. */
void net_stop_listening(struct net_stack *ns);
const struct net_counters *net_counters(const struct net_stack *ns);

/* Software steering for devices without RSS: the owner (0..nowners-1) of
 * the TCP/IPv4 flow in frame m, the same for both directions of a flow;
 * -1 for frames that are not TCP over IPv4 (handle them where they are). */
int net_flow_owner(const struct rte_mbuf *m, unsigned nowners);

/* ---- TCP, for the app (on the stack's lcore) */

/* Copy up to n bytes into the send queue; returns the bytes taken (0 when
 * the send buffer is full: writable() follows when it drains), or -EPIPE
 * once the conn is closing or reset. Data leaves in net_poll(). */
ssize_t tcp_send(struct tcp_conn *tc, const void *p, size_t n);
size_t tcp_send_space(const struct tcp_conn *tc);
/* Off: received in-window payload is held (up to rcvbuf) instead of
 * passed up, and the advertised window shrinks to zero as it fills. On:
 * held payload is delivered (from net_poll) and the window reopens. */
void tcp_set_reading(struct tcp_conn *tc, bool on);
/* The app consumed input it had held: re-advertise the window if it grew. */
void tcp_window_update(struct tcp_conn *tc);
/* Graceful close: FIN after the queued data; closed() follows later. */
void tcp_close(struct tcp_conn *tc);
/* Abortive close: RST now, queued data dropped; closed() follows later. */
void tcp_abort(struct tcp_conn *tc);
/* Active open (load generator): local port chosen so that
 * net_flow_owner() of the flow == owner (of nowners). closed() or
 * accepted() follows; error(ECONNREFUSED) when refused. NULL on failure. */
struct tcp_conn *tcp_connect(struct net_stack *ns, uint32_t dst_ip, uint16_t dst_port,
			     void *h, unsigned owner, unsigned nowners);

#endif
