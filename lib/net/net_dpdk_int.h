/*
 * The DPDK port layer as the transport sees it (port_dpdk.c,
 * transport_dpdk.c): one struct port_lcore per queue, owned by the lcore
 * whose worker has the same index.
 *
 * Receive (port_rx): drain this lcore's steering ring, rx_burst the queue,
 * net-impair RX, then (software steering) pass frames whose flow another
 * lcore owns to that lcore's ring. Transmit (port_tx, the stack's
 * net_io.tx): net-impair TX, then tx_burst; what the device does not take
 * is freed and counted.
 *
 * The steering rings are rte_rings, not the engine's worker rings: they
 * carry mbufs (frames) from any lcore to one, multi-producer single-
 * consumer, while the engine's rings carry command batches between a pair
 * of workers.
 */
#ifndef WIREKV_NET_DPDK_INT_H
#define WIREKV_NET_DPDK_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "net/impair.h"
#include "net/net.h"
#include "net/net_dpdk.h"

#define PORT_BURST 32
/*
 * Frames an lcore takes from its own queue per loop turn. Replies leave at
 * the end of a turn, so a turn that takes a whole 32-frame burst holds the
 * first frame's replies until the last frame's commands ran; a peer that
 * also works in bursts then falls into lock-step with us, each side idle
 * while the other works. 8 frames (128 commands at pipeline 16) keep both
 * busy: over memif at pipeline 16, 6.5M ops/s against 4.4M with 32. A
 * steering lcore still reads PORT_BURST from the device and from its ring
 * (its peers push up to that many per turn).
 */
#define PORT_RX_TURN 8
#define PORT_RX_MAX 128             /* frames port_rx may return in one call */
#define PORT_STEER_RING 4096        /* frames queued for one lcore */

struct port_counters {
	uint64_t rx_pkts, rx_bytes;     /* from the device */
	uint64_t tx_pkts, tx_bytes;     /* taken by the device */
	uint64_t tx_drops;              /* the device's TX queue was full */
	uint64_t steered_out;           /* frames passed to another lcore's ring */
	uint64_t steered_in;            /* frames taken from this lcore's ring */
	uint64_t steer_drops;           /* ... dropped: the owner's ring was full */
};

struct port_lcore {
	_Alignas(64) struct dpdk_port *port;
	uint16_t port_id;
	uint16_t queue;                 /* == worker index */
	uint16_t nq;
	bool steer;                     /* software steering on */
	bool shm_link;                  /* mark RX checksums good (memif) */
	struct rte_ring **rings;        /* [nq]: every lcore's steering ring */
	struct impair *rx_imp, *tx_imp; /* NULL when net-impair is off */
	uint64_t now_us;                /* set by the transport each turn */
	struct port_counters cnt;
	struct net_io io;               /* for this lcore's stack */
};

struct port_lcore *port_lcore(struct dpdk_port *p, unsigned queue);
unsigned dpdk_port_lcore_id(const struct dpdk_port *p, unsigned queue); /* its EAL lcore */
/* Frames for this lcore's stack, at most PORT_RX_MAX. */
uint16_t port_rx(struct port_lcore *pl, struct rte_mbuf **out);
/* net_io.tx */
void port_tx(void *ctx, struct rte_mbuf **m, uint16_t n);
/* Once per turn: send TX frames net-impair held back and that are due. */
void port_tx_tick(struct port_lcore *pl);
const struct net_stack_cfg *port_stack_cfg(const struct dpdk_port *p);

#endif
