/*
 * The DPDK port: set-up (one RX/TX queue pair per lcore, mbuf pool per
 * socket, RSS or software steering, checksum offloads, MTU), the burst
 * receive and transmit the transport calls each turn, and net-impair.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "net/net_dpdk_int.h"

#define PORT_RX_DESC 1024
#define PORT_TX_DESC 1024
#define PORT_MBUFS_PER_QUEUE 16384  /* descriptors, bursts, and what TCP holds (send/ooo/held input) */
#define PORT_MBUF_CACHE 256

struct dpdk_port {
	uint16_t port_id;
	uint16_t nq;                        /* queue pairs == lcores == workers */
	unsigned lcore[RTE_MAX_LCORE];      /* queue i's lcore: main first */
	struct rte_mempool *pool[RTE_MAX_NUMA_NODES];
	struct rte_ring **rings;            /* [nq], software steering only */
	struct port_lcore *pl;              /* [nq] */
	struct rte_mbuf **scratch;          /* [nq][nq * PORT_RX_MAX]: steering batches */
	struct rte_ether_addr mac;
	char driver[64];
	bool rss, steer, started, multi_seg;
	bool tx_ip_cksum, tx_tcp_cksum, rx_cksum;
	bool shm_link;                  /* frames cross shared memory: nothing corrupts them */
	uint16_t mtu;
	unsigned nmbufs;                    /* per pool */
	struct wk_net_impair impair;
	struct net_stack_cfg scfg;
};

struct port_lcore *port_lcore(struct dpdk_port *p, unsigned queue) { return &p->pl[queue]; }
unsigned dpdk_port_lcore_id(const struct dpdk_port *p, unsigned queue) { return p->lcore[queue]; }
unsigned dpdk_port_lcores(const struct dpdk_port *p) { return p->nq; }
const struct net_stack_cfg *port_stack_cfg(const struct dpdk_port *p) { return &p->scfg; }

/* ------------------------------------------------------------ burst I/O */

/* The owner lcore's scratch row for frames going to lcore d. */
static struct rte_mbuf **scratch_row(struct port_lcore *pl, unsigned d)
{
	return pl->port->scratch + ((size_t)pl->queue * pl->nq + d) * PORT_RX_MAX;
}

static void steer(struct port_lcore *pl, struct rte_mbuf **in, uint16_t n,
		  struct rte_mbuf **out, uint16_t *k)
{
	uint16_t count[RTE_MAX_LCORE];
	memset(count, 0, sizeof(count[0]) * pl->nq);
	for (uint16_t i = 0; i < n; i++) {
		int owner = net_flow_owner(in[i], pl->nq);
		if (owner < 0 || owner == pl->queue) {
			out[(*k)++] = in[i];  /* ARP/ICMP (owner -1) are handled where they arrive */
			continue;
		}
		scratch_row(pl, (unsigned)owner)[count[owner]++] = in[i];
	}
	for (unsigned d = 0; d < pl->nq; d++) {
		if (!count[d])
			continue;
		struct rte_mbuf **row = scratch_row(pl, d);
		unsigned sent = rte_ring_mp_enqueue_burst(pl->rings[d], (void **)row, count[d], NULL);
		pl->cnt.steered_out += sent;
		if (sent < count[d]) {
			pl->cnt.steer_drops += count[d] - sent;
			rte_pktmbuf_free_bulk(row + sent, count[d] - sent);
		}
	}
}

uint16_t port_rx(struct port_lcore *pl, struct rte_mbuf **out)
{
	uint16_t k = 0;
	if (pl->steer) {
		/* as many as a peer may push per turn, or the ring overflows */
		k = (uint16_t)rte_ring_sc_dequeue_burst(pl->rings[pl->queue], (void **)out, PORT_BURST, NULL);
		pl->cnt.steered_in += k;
	}
	struct rte_mbuf *rx[PORT_BURST], *imp[PORT_RX_MAX - PORT_BURST];
	/* a steering lcore reads the device for the others too */
	uint16_t n = rte_eth_rx_burst(pl->port_id, pl->queue, rx, pl->steer ? PORT_BURST : PORT_RX_TURN);
	for (uint16_t i = 0; i < n; i++) {
		pl->cnt.rx_bytes += rx[i]->pkt_len;
		if (pl->shm_link)
			rx[i]->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	pl->cnt.rx_pkts += n;
	struct rte_mbuf **src = rx;
	if (pl->rx_imp) {
		n = (uint16_t)impair_apply(pl->rx_imp, pl->now_us, (void **)rx, n, (void **)imp,
					   PORT_RX_MAX - PORT_BURST);
		src = imp;
	}
	if (!n)
		return k;
	if (pl->steer) {
		steer(pl, src, n, out, &k);
	} else {
		memcpy(out + k, src, sizeof(*src) * n);
		k += n;
	}
	return k;
}

static void send_burst(struct port_lcore *pl, struct rte_mbuf **m, uint16_t n)
{
	uint64_t bytes = 0;
	uint16_t sent = 0;
	for (uint16_t i = 0; i < n; i++)
		bytes += m[i]->pkt_len;
	/* a full TX ring may drain while we retry a little; then drop */
	for (int tries = 0; sent < n && tries < 4; tries++)
		sent += rte_eth_tx_burst(pl->port_id, pl->queue, m + sent, n - sent);
	for (uint16_t i = sent; i < n; i++)
		bytes -= m[i]->pkt_len;
	pl->cnt.tx_pkts += sent;
	pl->cnt.tx_bytes += bytes;
	if (sent < n) {
		pl->cnt.tx_drops += n - sent;
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
}

void port_tx(void *ctx, struct rte_mbuf **m, uint16_t n)
{
	struct port_lcore *pl = ctx;
	if (!pl->tx_imp) {
		send_burst(pl, m, n);
		return;
	}
	struct rte_mbuf *buf[4 * PORT_BURST];
	for (uint16_t off = 0; off < n; off += PORT_BURST) {
		uint16_t chunk = n - off < PORT_BURST ? n - off : PORT_BURST;
		uint16_t k = (uint16_t)impair_apply(pl->tx_imp, pl->now_us, (void **)(m + off), chunk,
						    (void **)buf, 4 * PORT_BURST);
		send_burst(pl, buf, k);
	}
}

void port_tx_tick(struct port_lcore *pl)
{
	if (!pl->tx_imp || !impair_held(pl->tx_imp))
		return;
	struct rte_mbuf *buf[4 * PORT_BURST];
	uint16_t k = (uint16_t)impair_apply(pl->tx_imp, pl->now_us, NULL, 0, (void **)buf,
					    4 * PORT_BURST);
	if (k)
		send_burst(pl, buf, k);
}

/* net-impair's frame ops over mbufs: a duplicate is a deep copy (the stack
 * edits received frames in place, and TX may chain) */
static void *mbuf_dup(void *ctx, void *f)
{
	struct rte_mbuf *m = f;
	return rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
}

static void mbuf_drop(void *ctx, void *f)
{
	rte_pktmbuf_free(f);
}

/* ------------------------------------------------------------ set-up */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int make_pools(struct dpdk_port *p, char *err, size_t errlen)
{
	unsigned per_socket[RTE_MAX_NUMA_NODES] = { 0 };
	for (unsigned i = 0; i < p->nq; i++) {
		unsigned s = rte_lcore_to_socket_id(p->lcore[i]);
		per_socket[s < RTE_MAX_NUMA_NODES ? s : 0]++;
	}
	/* room for an MTU-sized frame in one segment: no RX scatter needed */
	unsigned room = RTE_PKTMBUF_HEADROOM + p->mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 8;
	if (room < RTE_MBUF_DEFAULT_BUF_SIZE)
		room = RTE_MBUF_DEFAULT_BUF_SIZE;
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (!per_socket[s])
			continue;
		char name[RTE_MEMPOOL_NAMESIZE];
		unsigned n = PORT_MBUFS_PER_QUEUE * per_socket[s] + 4096;
		snprintf(name, sizeof(name), "wk_mbuf_p%u_s%u", p->port_id, s);
		p->nmbufs = n;
		p->pool[s] = rte_pktmbuf_pool_create(name, n, PORT_MBUF_CACHE, 0, (uint16_t)room, (int)s);
		if (!p->pool[s] && rte_errno == ENOMEM)
			p->pool[s] = rte_pktmbuf_pool_create(name, n, PORT_MBUF_CACHE, 0, (uint16_t)room,
							     SOCKET_ID_ANY);
		if (!p->pool[s])
			return fail(err, errlen,
				    "cannot allocate %u mbufs (%u MB) on socket %u: %s (too little "
				    "hugepage memory? run tools/hugepages.sh, or give EAL more with -m)",
				    n, (unsigned)((unsigned long long)n * (room + 192) >> 20), s,
				    rte_strerror(rte_errno));
	}
	return 0;
}

static struct rte_mempool *pool_of(const struct dpdk_port *p, unsigned queue)
{
	unsigned s = rte_lcore_to_socket_id(p->lcore[queue]);
	return p->pool[s < RTE_MAX_NUMA_NODES ? s : 0];
}

/* The symmetric Toeplitz key (0x6d5a repeated): both directions of a TCP
 * flow hash alike, so a conn's packets land on one queue. */
static void symmetric_key(uint8_t *key, size_t len)
{
	for (size_t i = 0; i < len; i++)
		key[i] = (i & 1) ? 0x5a : 0x6d;
}

static int configure(struct dpdk_port *p, const struct rte_eth_dev_info *info,
		     uint8_t *key, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = p->mtu;
	const uint64_t rx_ck = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	if ((info->rx_offload_capa & rx_ck) == rx_ck) {
		conf.rxmode.offloads |= rx_ck;
		p->rx_cksum = true;
	}
	/* memif is two processes' shared memory, like Linux's loopback and
	 * veth (which mark their frames CHECKSUM_UNNECESSARY): port_rx marks
	 * its frames good, as a device that verified them would. Senders still
	 * fill in every checksum. */
	if (strcmp(p->driver, "net_memif") == 0) {
		p->shm_link = true;
		p->rx_cksum = true;
	}
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		p->tx_ip_cksum = true;
	}
	/* net_tap (22.11) sums TCP checksums of chained frames wrongly (the
	 * kernel counts TcpInCsumErrors and the stream stalls): it computes
	 * them in software anyway, so we do it ourselves there */
	if ((info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) && strcmp(p->driver, "net_tap") != 0) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		p->tx_tcp_cksum = true;
	}
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		p->multi_seg = true;
	}
	/* net_tap accepts RSS settings but does not steer by them (no rte_flow
	 * without the multiq qdisc): software steering there */
	p->rss = p->nq > 1 && (info->flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) &&
		 strcmp(p->driver, "net_tap") != 0;
	if (p->rss) {
		size_t klen = info->hash_key_size ? info->hash_key_size : 40;
		symmetric_key(key, klen);
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = key;
		conf.rx_adv_conf.rss_conf.rss_key_len = (uint8_t)klen;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	}
	p->steer = p->nq > 1 && !p->rss;
	int rc = rte_eth_dev_configure(p->port_id, p->nq, p->nq, &conf);
	if (rc < 0 && p->rss) {
		/* the device lists RSS but refuses this set-up: steer in software */
		p->rss = false;
		p->steer = true;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		memset(&conf.rx_adv_conf.rss_conf, 0, sizeof(conf.rx_adv_conf.rss_conf));
		rc = rte_eth_dev_configure(p->port_id, p->nq, p->nq, &conf);
	}
	if (rc < 0)
		return fail(err, errlen, "port %u (%s): rte_eth_dev_configure with %u queue pairs, MTU %u: %s",
			    p->port_id, p->driver, p->nq, p->mtu, rte_strerror(-rc));
	return 0;
}

static int setup_queues(struct dpdk_port *p, char *err, size_t errlen)
{
	uint16_t nrx = PORT_RX_DESC, ntx = PORT_TX_DESC;
	int rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrx, &ntx);
	if (rc < 0)
		return fail(err, errlen, "port %u: descriptor counts: %s", p->port_id, rte_strerror(-rc));
	for (uint16_t q = 0; q < p->nq; q++) {
		unsigned socket = rte_lcore_to_socket_id(p->lcore[q]);
		rc = rte_eth_rx_queue_setup(p->port_id, q, nrx, socket, NULL, pool_of(p, q));
		if (rc < 0)
			return fail(err, errlen, "port %u: RX queue %u: %s", p->port_id, q, rte_strerror(-rc));
		rc = rte_eth_tx_queue_setup(p->port_id, q, ntx, socket, NULL);
		if (rc < 0)
			return fail(err, errlen, "port %u: TX queue %u: %s", p->port_id, q, rte_strerror(-rc));
	}
	return 0;
}

static int setup_lcores(struct dpdk_port *p, const struct wk_config *cfg, char *err, size_t errlen)
{
	p->pl = rte_zmalloc("wk_port_lcores", sizeof(*p->pl) * p->nq, 64);
	if (!p->pl)
		return fail(err, errlen, "out of memory");
	if (p->steer) {
		p->rings = calloc(p->nq, sizeof(*p->rings));
		p->scratch = calloc((size_t)p->nq * p->nq * PORT_RX_MAX, sizeof(*p->scratch));
		if (!p->rings || !p->scratch)
			return fail(err, errlen, "out of memory");
		for (unsigned q = 0; q < p->nq; q++) {
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "wk_steer_p%u_q%u", p->port_id, q);
			p->rings[q] = rte_ring_create(name, PORT_STEER_RING,
						      (int)rte_lcore_to_socket_id(p->lcore[q]), RING_F_SC_DEQ);
			if (!p->rings[q])
				return fail(err, errlen, "steering ring for lcore %u: %s", p->lcore[q],
					    rte_strerror(rte_errno));
		}
	}
	bool impair = config_impair_on(&cfg->impair);
	for (unsigned q = 0; q < p->nq; q++) {
		struct port_lcore *pl = &p->pl[q];
		pl->port = p;
		pl->port_id = p->port_id;
		pl->queue = (uint16_t)q;
		pl->nq = p->nq;
		pl->steer = p->steer;
		pl->shm_link = p->shm_link;
		pl->rings = p->rings;
		pl->io = (struct net_io){
			.ctx = pl, .pool = pool_of(p, q), .tx = port_tx,
			.tx_ip_cksum = p->tx_ip_cksum, .tx_tcp_cksum = p->tx_tcp_cksum,
			.rx_cksum = p->rx_cksum,
		};
		if (impair) {
			/* seed + lcore, so one lcore's stream replays; TX draws
			 * from a stream of its own */
			struct impair_frame_ops ops = { .ctx = pl, .dup = mbuf_dup, .drop = mbuf_drop };
			uint64_t seed = cfg->impair.seed + p->lcore[q];
			pl->rx_imp = impair_new(&cfg->impair, seed, &ops);
			pl->tx_imp = impair_new(&cfg->impair, seed ^ 0x7478000000000000ULL, &ops);
			if (!pl->rx_imp || !pl->tx_imp)
				return fail(err, errlen, "out of memory");
		}
	}
	return 0;
}

struct dpdk_port *dpdk_port_open(const struct wk_config *cfg, char *err, size_t errlen)
{
	struct dpdk_port *p = calloc(1, sizeof(*p));
	if (!p) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	p->port_id = (uint16_t)cfg->dpdk_port;
	p->mtu = (uint16_t)cfg->mtu;
	p->impair = cfg->impair;
	unsigned n = 0, lc;
	p->lcore[n++] = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(lc)
		p->lcore[n++] = lc;
	p->nq = (uint16_t)n;

	uint16_t nports = rte_eth_dev_count_avail();
	if (cfg->dpdk_port >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port(p->port_id)) {
		fail(err, errlen, "dpdk-port %d: no such port (%u port%s found; give a device with "
		     "--vdev=... or bind a NIC to vfio-pci and allow it with -a)",
		     cfg->dpdk_port, nports, nports == 1 ? "" : "s");
		goto fail;
	}
	struct rte_eth_dev_info info;
	int rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc < 0) {
		fail(err, errlen, "port %u: rte_eth_dev_info_get: %s", p->port_id, rte_strerror(-rc));
		goto fail;
	}
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name ? info.driver_name : "?");
	if (p->nq > info.max_rx_queues || p->nq > info.max_tx_queues) {
		fail(err, errlen, "port %u (%s) has %u RX / %u TX queues, but %u lcores need one pair "
		     "each: give fewer lcores (-l) in dpdk-args", p->port_id, p->driver,
		     info.max_rx_queues, info.max_tx_queues, p->nq);
		goto fail;
	}
	if (p->mtu > info.max_mtu || p->mtu < info.min_mtu) {
		fail(err, errlen, "port %u (%s): mtu %u is outside the device's %u..%u", p->port_id,
		     p->driver, p->mtu, info.min_mtu, info.max_mtu);
		goto fail;
	}
	uint8_t key[UINT8_MAX + 1]; /* hash_key_size is a uint8_t */
	if (make_pools(p, err, errlen) < 0 || configure(p, &info, key, err, errlen) < 0 ||
	    setup_queues(p, err, errlen) < 0 || setup_lcores(p, cfg, err, errlen) < 0)
		goto fail;
	/* frames for other MACs are not ours; a device that cannot filter
	 * (-ENOTSUP) is fine too: eth_input drops them */
	(void)rte_eth_promiscuous_disable(p->port_id);
	rc = rte_eth_dev_start(p->port_id);
	if (rc < 0) {
		fail(err, errlen, "port %u (%s): rte_eth_dev_start: %s", p->port_id, p->driver,
		     rte_strerror(-rc));
		goto fail;
	}
	p->started = true;
	rc = rte_eth_macaddr_get(p->port_id, &p->mac);
	if (rc < 0) {
		fail(err, errlen, "port %u: no MAC address: %s", p->port_id, rte_strerror(-rc));
		goto fail;
	}
	net_stack_cfg_defaults(&p->scfg);
	p->scfg.ip = cfg->ip;
	p->scfg.prefix = (uint8_t)cfg->ip_prefix;
	p->scfg.gateway = cfg->gateway;
	p->scfg.mtu = p->mtu;
	p->scfg.mac = p->mac;
	p->scfg.listen_port = (uint16_t)cfg->port;
	return p;
fail:
	dpdk_port_close(p);
	return NULL;
}

void dpdk_port_close(struct dpdk_port *p)
{
	if (!p)
		return;
	if (p->started)
		rte_eth_dev_stop(p->port_id);
	if (p->nq && rte_eth_dev_is_valid_port(p->port_id))
		rte_eth_dev_close(p->port_id);
	if (p->pl) {
		for (unsigned q = 0; q < p->nq; q++) {
			impair_free(p->pl[q].rx_imp);
			impair_free(p->pl[q].tx_imp);
		}
		rte_free(p->pl);
	}
	if (p->rings) {
		for (unsigned q = 0; q < p->nq; q++) {
			void *m;
			if (!p->rings[q])
				continue;
			while (rte_ring_dequeue(p->rings[q], &m) == 0)
				rte_pktmbuf_free(m);
			rte_ring_free(p->rings[q]);
		}
		free(p->rings);
	}
	free(p->scratch);
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++)
		rte_mempool_free(p->pool[s]);
	free(p);
}

void dpdk_port_describe(const struct dpdk_port *p, char *buf, size_t n)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE], lcores[256] = "";
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	for (unsigned q = 0, at = 0; q < p->nq && at < sizeof(lcores); q++)
		at += (unsigned)snprintf(lcores + at, sizeof(lcores) - at, "%s%u", q ? "," : "",
					 p->lcore[q]);
	const char *steering = p->rss ? "RSS on the TCP/IPv4 4-tuple, symmetric Toeplitz key" :
			       p->steer ? "software: the device cannot steer by flow, frames go to "
					  "the lcore owning their flow over rte_rings" :
			       "none needed: one queue";
	char impair[160] = "off";
	if (config_impair_on(&p->impair))
		snprintf(impair, sizeof(impair), "loss %g%% reorder %g%% dup %g%% delay %lld us seed %llu",
			 p->impair.loss_pct, p->impair.reorder_pct, p->impair.dup_pct,
			 p->impair.delay_us, p->impair.seed);
	snprintf(buf, n,
		 "DPDK port %u: driver %s, MAC %s, MTU %u\n"
		 "DPDK queues: %u RX + %u TX (one pair per lcore), lcores %s (main %u), %u mbufs per socket\n"
		 "DPDK offloads: RX checksum %s, TX IPv4 checksum %s, TX TCP checksum %s, TX multi-segment %s\n"
		 "DPDK steering: %s\n"
		 "DPDK net-impair: %s",
		 p->port_id, p->driver, mac, p->mtu, p->nq, p->nq, lcores, p->lcore[0], p->nmbufs,
		 p->shm_link ? "not needed (shared-memory link)" : p->rx_cksum ? "device" : "software",
		 p->tx_ip_cksum ? "device" : "software",
		 p->tx_tcp_cksum ? "device" : "software", p->multi_seg ? "yes" : "NO (large replies fail)",
		 steering, impair);
}
