/*
 * TCP-lite's private layout, shared by tcp_conn.c (table, life cycle,
 * delivery, tcp_poll), tcp_app.c (net.h's tcp_* calls), tcp_input.c
 * (segment arrival, RFC 793 p.65ff + RFC 5961), tcp_output.c (segments out, send queue) and tcp_timer.c (timer wheel,
 * RTO/persist/delayed ACK/TIME_WAIT). Only lib/net/tcp_*.c include it.
 *
 * Buffers: everything is an mbuf. Received payload is sliced in place to
 * exactly its bytes and kept as is (held queue while the app does not
 * read, out-of-order queue); the send queue is a list of "pieces", direct
 * mbufs holding only payload, that segments reference through clones (or
 * copy from when small). Lists are linked through an mbuf dynamic field
 * (struct tcp_mbuf_meta), never through m->next, which stays the chain of
 * one frame's segments.
 *
 * Counters (net.h): tcp_retransmits counts every segment sent again (RTO,
 * fast retransmit, NewReno partial ACK); tcp_timeouts counts connections
 * given up for lack of ACKs (error ETIMEDOUT); tcp_bad_rst counts every
 * RST not taken (in-window but not exact: challenge ACK; out of window).
 */
#ifndef WIREKV_TCP_INT_H
#define WIREKV_TCP_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf_dyn.h>

#include "net/net_int.h"

/* ---- sequence numbers (RFC 793 §3.3: arithmetic mod 2^32) */
typedef uint32_t tcp_seq;

static inline bool seq_lt(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) < 0; }
static inline bool seq_le(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) <= 0; }
static inline bool seq_gt(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) > 0; }
static inline bool seq_ge(tcp_seq a, tcp_seq b) { return (int32_t)(a - b) >= 0; }
static inline tcp_seq seq_max(tcp_seq a, tcp_seq b) { return seq_gt(a, b) ? a : b; }

/* Plain functions: DPDK's RTE_MIN/RTE_MAX shadow themselves when nested. */
static inline uint32_t u32_min(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t u32_max(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* ---- tunables (microseconds unless said) */
#define TCP_TICK_US        1000u          /* timer wheel granularity */
#define TCP_WHEEL_SLOTS    1024u          /* one revolution ~1 s; longer timers go round */
#define TCP_DELACK_US      1000u          /* delayed ACK: the app usually answers sooner */
#define TCP_RTO_INIT_US    1000000u       /* RFC 6298 §2.1 */
/* RFC 6298 §2.4 asks for 1 s; Linux uses 200 ms and so do we: its clients
 * delay ACKs up to 40..200 ms, and a lower minimum would retransmit every
 * idle conn's last reply spuriously. */
#define TCP_RTO_MIN_US     200000u
#define TCP_RTO_MAX_US     60000000u      /* RFC 6298 §2.5 */
#define TCP_GIVEUP_US      15000000u      /* no ACK for this long after the first timeout: reset */
#define TCP_ARP_RETRY_US   10000u         /* SYN not sent: next hop unresolved yet */
#define TCP_FIN_WAIT2_US   30000000u      /* orphaned FIN_WAIT_2 (peer never sends FIN) */
#define TCP_INIT_CWND_SEGS 10u            /* RFC 6928 */
#define TCP_MIN_MSS        88u            /* Linux's floor for a peer's MSS option */
#define TCP_DEFAULT_MSS    536u           /* RFC 1122 §4.2.2.6: no MSS option */
#define TCP_COPY_MAX       512u           /* payload up to this is copied, not cloned */
#define TCP_MAX_WSCALE     14u            /* RFC 7323 §2.3 */
/* cwnd grows with every ACK while nothing is lost; uncapped, a long clean
 * conn wraps it to 0 and then sends nothing, with no timer to notice. */
#define TCP_MAX_CWND       (65535u << TCP_MAX_WSCALE)
/* Zero-window probes an orphan (the app closed it) gets before it is
 * reset: its peer may keep the window shut for ever (Linux: 8, as
 * tcp_orphan_retries 0 means). */
#define TCP_ORPHAN_PROBES  8u
#define TCP_EPHEMERAL_LO   32768u
#define TCP_EPHEMERAL_N    28232u         /* 32768..60999, Linux's range */

/* ---- option kinds (RFC 793, 7323, 2018) */
#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2
#define TCPOPT_WSCALE    3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK      5
#define TCPOPT_TIMESTAMP 8

enum tcp_state {
	TCP_CLOSED,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
};

/* Per-mbuf metadata in a dynamic field: list link and, for received
 * payload, its first sequence number and whether a FIN follows it. */
struct tcp_mbuf_meta {
	struct rte_mbuf *link;
	tcp_seq seq;
	uint32_t fin;
};

struct tcp_conn {
	struct net_stack *ns;
	struct tcp_conn *hnext;           /* hash chain */
	struct tcp_conn *tnext, **tpprev; /* timer wheel slot; tpprev: the link pointing here */
	struct tcp_conn *wnext, *dnext;   /* work list, dead list */
	void *h;                          /* app handle (valid while app_attached) */

	uint32_t rip, lip;                /* host order */
	uint16_t rport, lport;
	uint8_t state;                    /* enum tcp_state */

	bool passive;                     /* made by a SYN to listen_port */
	bool app_attached;                /* the app knows it: closed() is owed */
	bool app_gone;                    /* tcp_close/tcp_abort called: no more upcalls but closed() */
	bool reading;                     /* tcp_set_reading */
	bool want_writable;               /* tcp_send was short: writable() owed */
	bool ack_now;                     /* send an ACK at the end of this input */
	bool ack_delayed;                 /* in-order data not yet acknowledged */
	bool on_work, dead;               /* on the table's work / dead list */
	bool timer_linked;
	bool fin_queued;                  /* FIN goes after the send queue */
	bool eof_pending;                 /* FIN received; eof() after the held data */
	bool have_mac;
	bool rtt_timing;
	bool in_recovery;                 /* NewReno fast recovery */
	bool persist;                     /* t_rexmt is the persist timer */
	bool syn_unsent;                  /* the SYN waits for ARP (active open) */
	bool ws_ok;                       /* window scaling agreed (or offered, in SYN_SENT) */

	/* send side (RFC 793 §3.2 names) */
	tcp_seq iss, snd_una, snd_nxt, snd_max;
	tcp_seq snd_wl1, snd_wl2, recover, rtt_seq;
	uint32_t snd_wnd, cwnd, ssthresh;
	uint16_t mss;                     /* effective: min(peer's MSS, ours) */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t dupacks, backoff;
	uint32_t sq_bytes;                /* payload queued from snd_una (no SYN/FIN) */
	struct rte_mbuf *sq_head, *sq_tail;
	struct rte_mbuf *sq_cur;          /* cache: a piece at or before snd_nxt ... */
	tcp_seq sq_cur_seq;               /* ... and the seq of its first byte */
	uint32_t srtt, rttvar, rto;       /* us; srtt == 0: no sample yet */
	uint64_t rtt_start, rexmt_since;  /* rexmt_since: first timeout without progress (0 = none) */

	/* receive side */
	tcp_seq irs, rcv_nxt, rcv_adv, rcv_acked;  /* rcv_adv: right edge advertised */
	uint32_t held_bytes, ooo_n;
	struct rte_mbuf *held_head, *held_tail;    /* in order, not yet delivered */
	struct rte_mbuf *ooo_head;                 /* sorted by seq, disjoint */

	/* timers: absolute us, 0 = off; t_at = the earliest (wheel key) */
	uint64_t t_rexmt, t_delack, t_at;

	struct rte_ether_addr peer_mac;
};

struct tcp_table {
	struct tcp_conn **buckets;
	uint32_t mask, seed;
	uint32_t nconns, nsynrcvd;
	int meta_off;                     /* dynfield offset of struct tcp_mbuf_meta */
	uint16_t piece_room;              /* payload bytes a fresh mbuf holds */
	struct tcp_conn *work;            /* conns with output or upcalls due in tcp_poll */
	struct tcp_conn *dead;            /* conns to free (closed() first) in tcp_poll */
	uint64_t wheel_tick;              /* last tick processed */
	struct tcp_conn *wheel[TCP_WHEEL_SLOTS];
};

/* Make m (a chain) hold exactly the len bytes that start off bytes in;
 * segments left empty stay in the chain with data_len 0. */
static inline void tcp_mbuf_slice(struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	m->pkt_len = len;
	for (struct rte_mbuf *s = m; s; s = s->next) {
		uint16_t d = (uint16_t)RTE_MIN(off, (uint32_t)s->data_len);
		s->data_off += d;
		s->data_len -= d;
		off -= d;
		d = (uint16_t)RTE_MIN(len, (uint32_t)s->data_len);
		s->data_len = d;
		len -= d;
	}
}

static inline struct tcp_mbuf_meta *tcp_meta(const struct tcp_table *t, struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, t->meta_off, struct tcp_mbuf_meta *);
}

/* Append m to a list of mbufs linked through their meta. */
static inline void tcp_mlist_append(const struct tcp_table *t, struct rte_mbuf **head,
				    struct rte_mbuf **tail, struct rte_mbuf *m)
{
	tcp_meta(t, m)->link = NULL;
	if (*tail)
		tcp_meta(t, *tail)->link = m;
	else
		*head = m;
	*tail = m;
}

/* ---- tcp_conn.c */
struct tcp_conn *tcp_lookup(struct tcp_table *t, uint32_t rip, uint16_t rport, uint16_t lport);
struct tcp_conn *tcp_conn_new(struct net_stack *ns, uint32_t rip, uint16_t rport,
			      uint16_t lport, bool passive);
/* The conn is finished: unhashed, buffers freed, queued for tcp_poll to
 * deliver closed() (if the app knows it) and free it. Idempotent. */
void tcp_conn_done(struct tcp_conn *tc);
/* error(err) to the app (unless it let go), then tcp_conn_done. */
void tcp_conn_fail(struct tcp_conn *tc, int err);
void tcp_kick(struct tcp_conn *tc);       /* put on the work list */
tcp_seq tcp_isn(const struct net_stack *ns, uint32_t rip, uint16_t rport, uint16_t lport);
void tcp_enter_time_wait(struct tcp_conn *tc);
void tcp_free_mlist(struct rte_mbuf *m, const struct tcp_table *t);
/* Hand in-order payload up, or hold it (reading off / earlier data held). */
void tcp_deliver(struct tcp_conn *tc, struct rte_mbuf *m);
/* Deliver held data and a pending eof() while the app reads. */
void tcp_deliver_held(struct tcp_conn *tc);

/* ---- tcp_output.c */
/* Receive window we can offer now (bytes, before scaling), never moving
 * the right edge left (RFC 7323 §2.4) and avoiding silly windows. */
uint32_t tcp_rcv_window(struct tcp_conn *tc);
bool tcp_window_grew(struct tcp_conn *tc);
int tcp_send_ack(struct tcp_conn *tc);
int tcp_send_syn(struct tcp_conn *tc);          /* SYN or SYN-ACK by state */
int tcp_send_rst(struct tcp_conn *tc);
/* One data segment [seq, seq+len) from the send queue (+FIN); no state change. */
int tcp_send_data(struct tcp_conn *tc, tcp_seq seq, uint32_t len, bool fin);
int tcp_send_probe(struct tcp_conn *tc);        /* zero-window probe */
/* Send what the windows allow, then an ACK if one is owed; arms timers. */
void tcp_output(struct tcp_conn *tc);
/* RST for a segment that matches no conn (RFC 793 p.65 "If the state is CLOSED"). */
void tcp_reply_rst(struct net_stack *ns, const struct rte_ipv4_hdr *ip,
		   const struct rte_tcp_hdr *th, uint32_t seglen,
		   const struct rte_ether_addr *dst_mac);
/* Copy up to n bytes to the send queue; returns how many (short on ENOMEM). */
uint32_t tcp_sq_append(struct tcp_conn *tc, const void *p, uint32_t n);
/* Acknowledged bytes leave the send queue. */
void tcp_sq_ack(struct tcp_conn *tc, uint32_t bytes);
void tcp_sq_free(struct tcp_conn *tc);

/* ---- tcp_timer.c */
void tcp_timer_update(struct tcp_conn *tc);     /* after changing t_rexmt / t_delack */
void tcp_timer_unlink(struct tcp_conn *tc);
void tcp_timers_run(struct net_stack *ns);
void tcp_rtt_sample(struct tcp_conn *tc, uint32_t rtt_us);
uint32_t tcp_rto_backed_off(const struct tcp_conn *tc);
/* (Re)arm t_rexmt after ACKs or sends: RTO while data is in flight,
 * persist while the peer's window is zero, off otherwise. */
void tcp_rexmt_arm(struct tcp_conn *tc, bool restart);
/* Give the time up to a TCP_GIVEUP_US budget that started at rexmt_since. */
uint64_t tcp_giveup_clamp(const struct tcp_conn *tc, uint64_t at);

#endif
