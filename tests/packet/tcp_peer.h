/*
 * The test as the TCP peer: a client at PKT_PEER_IP that talks to the
 * stack of a pkt_env with crafted segments and reads back what the stack
 * emits, on the harness's fake clock. Shared by the TCP packet tests.
 *
 *   struct pkt_env *e = env();
 *   struct peer p;
 *   struct pkt_conn *c = handshake(e, &p);     // SYN, SYN-ACK, ACK
 *   peer_data(e, &p, "PING\r\n", 6);           // data at p.snd, polled
 *   CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
 *   done(e);                                   // frees, checks no mbuf leaked
 */
#ifndef WIREKV_TCP_PEER_H
#define WIREKV_TCP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt_harness.h"

#define T0 1000000u              /* fake clock start (us) */
#define PEER_ISN 1000u
#define MSS 1460u
#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* The peer's view of one connection. */
struct peer {
	uint32_t snd;    /* next seq the peer sends */
	uint32_t una;    /* what the peer acknowledged of ours (our next seq) */
	uint16_t win;    /* window field the peer sends */
	uint16_t port;
};

extern struct pkt_frame g_f;     /* big: kept off the stack */

struct pkt_env *env_cfg(const struct net_stack_cfg *cfg);   /* clock at T0 */
struct pkt_env *env(void);
/* Free e and check the pool has every mbuf back. */
void done(struct pkt_env *e);
const struct net_counters *cnt(struct pkt_env *e);
void fill_pattern(uint8_t *p, size_t n, unsigned salt);

/* A segment from the peer (its ack, window and port) with these fields. */
struct rte_mbuf *seg(const struct peer *p, uint8_t flags, uint32_t seq, const void *d,
		     size_t len);
/* Send from the peer and poll. */
void peer_send(struct pkt_env *e, const struct peer *p, uint8_t flags, uint32_t seq,
	       const void *d, size_t len);
/* Peer sends len bytes of data at p->snd and advances. */
void peer_data(struct pkt_env *e, struct peer *p, const void *d, size_t len);
/* The next emitted frame, which must be TCP with good checksums. */
bool take(struct pkt_env *e, struct pkt_frame *f);

/* SYN (MSS 1460, wscale 7) from port with seq isn -> SYN-ACK -> ACK;
 * returns the app conn. */
struct pkt_conn *handshake_isn(struct pkt_env *e, struct peer *p, uint16_t port, uint32_t isn);
struct pkt_conn *handshake_port(struct pkt_env *e, struct peer *p, uint16_t port);
struct pkt_conn *handshake(struct pkt_env *e, struct peer *p);

#endif
