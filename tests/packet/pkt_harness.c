/* tests/packet harness: EAL + pool, fake port, recording app, builders, parser. */
#include <ftw.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#include "pkt_harness.h"

const struct rte_ether_addr PKT_OUR_MAC = { { 0x02, 0, 0, 0, 0, 0x02 } };
const struct rte_ether_addr PKT_PEER_MAC = { { 0x02, 0, 0, 0, 0, 0x01 } };
const struct rte_ether_addr PKT_BCAST_MAC = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

/* The process's EAL and pool: tests are single-threaded programs and EAL
 * can start only once per process. */
static struct rte_mempool *g_pool;
static int g_eal_status = 1; /* 1: not tried yet */

int pkt_eal_init(void)
{
	char prefix[64], lcores[512];
	cpu_set_t set;
	size_t n = 0;

	if (g_eal_status <= 0)
		return g_eal_status;
	/* Run lcore 0 on whatever CPUs we were given, not pinned to CPU 0. */
	n = (size_t)snprintf(lcores, sizeof(lcores), "--lcores=0@(");
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && n < sizeof(lcores) - 16; c++)
			if (CPU_ISSET(c, &set))
				n += (size_t)snprintf(lcores + n, sizeof(lcores) - n, "%d,", c);
	}
	if (lcores[n - 1] == ',')
		n--;
	else
		n += (size_t)snprintf(lcores + n, sizeof(lcores) - n, "0");
	snprintf(lcores + n, sizeof(lcores) - n, ")");
	snprintf(prefix, sizeof(prefix), "--file-prefix=wkpkt%d", (int)getpid());
	char *argv[] = { "wkpkt", "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
			 "-m", "128", prefix, lcores, "--log-level=*:error", NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "pkt_harness: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return g_eal_status = -(rte_errno ? rte_errno : EINVAL);
	}
	atexit(pkt_eal_remove_runtime_dir);
	g_pool = rte_pktmbuf_pool_create("wkpkt_pool", 8191, 64, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	if (!g_pool) {
		fprintf(stderr, "pkt_harness: mbuf pool: %s\n", rte_strerror(rte_errno));
		return g_eal_status = -ENOMEM;
	}
	return g_eal_status = 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

/* EAL leaves /var/run/dpdk/<prefix> behind even with --no-shconf: one per
 * test run would pile up, so each test program removes its own. */
void pkt_eal_remove_runtime_dir(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	if (dir && strstr(dir, "wkpkt"))
		nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

struct rte_mempool *pkt_pool(void)
{
	return pkt_eal_init() == 0 ? g_pool : NULL;
}

unsigned pkt_pool_in_use(void)
{
	return g_pool ? rte_mempool_in_use_count(g_pool) : 0;
}

/* ------------------------------------------------------------ fake port */

/* The whole frame into buf (rte_pktmbuf_read copies only chained data). */
static void copy_out(const struct rte_mbuf *m, uint8_t *buf)
{
	const void *p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);

	if (p && p != buf)
		memcpy(buf, p, m->pkt_len);
}

/* Do what a NIC's checksum offload does, and check the stack prepared the
 * frame the way a NIC expects. */
static void emulate_offload(struct pkt_env *e, struct rte_mbuf *m)
{
	uint8_t buf[PKT_FRAME_MAX];
	struct rte_ipv4_hdr *ip;
	size_t hl;

	if (!(m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)))
		return;
	if (m->data_len < RTE_ETHER_HDR_LEN + sizeof(*ip) || m->l2_len != RTE_ETHER_HDR_LEN ||
	    !(m->ol_flags & RTE_MBUF_F_TX_IPV4)) {
		e->tx_offload_errors++;
		return;
	}
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	hl = rte_ipv4_hdr_len(ip);
	if (m->l3_len != hl) {
		e->tx_offload_errors++;
		return;
	}
	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		if (ip->hdr_checksum != 0)
			e->tx_offload_errors++;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	if ((m->ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM) {
		size_t l4 = RTE_ETHER_HDR_LEN + hl;
		struct rte_tcp_hdr *th;
		size_t len = m->pkt_len;

		if (m->data_len < l4 + sizeof(*th) || len > sizeof(buf)) {
			e->tx_offload_errors++;
			return;
		}
		th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, l4);
		if (th->cksum != rte_ipv4_phdr_cksum(ip, 0))
			e->tx_offload_errors++;
		th->cksum = 0;
		copy_out(m, buf);
		th->cksum = rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)(buf + RTE_ETHER_HDR_LEN),
						  buf + l4);
	}
}

static void fake_tx(void *ctx, struct rte_mbuf **m, uint16_t n)
{
	struct pkt_env *e = ctx;

	e->tx_calls++;
	for (uint16_t i = 0; i < n; i++) {
		if (e->ntx == PKT_TX_MAX) {
			e->tx_overflow++;
			rte_pktmbuf_free(m[i]);
			continue;
		}
		emulate_offload(e, m[i]);
		e->tx[e->ntx++] = m[i];
	}
}

void pkt_tx_clear(struct pkt_env *e)
{
	for (unsigned i = 0; i < e->ntx; i++)
		rte_pktmbuf_free(e->tx[i]);
	e->ntx = 0;
}

int pkt_tx_take(struct pkt_env *e, struct pkt_frame *f)
{
	struct rte_mbuf *m;
	int rc;

	if (!e->ntx)
		return -ENOENT;
	m = e->tx[0];
	memmove(e->tx, e->tx + 1, (e->ntx - 1) * sizeof(e->tx[0]));
	e->ntx--;
	rc = pkt_parse(m, f);
	rte_pktmbuf_free(m);
	return rc;
}

/* ------------------------------------------------------------ recording app */

static void record(struct pkt_env *e, enum pkt_ev type, int conn, int err, size_t len)
{
	if (e->nev < PKT_MAX_EVENTS)
		e->ev[e->nev++] = (struct pkt_event){ type, conn, err, len };
}

unsigned pkt_events(const struct pkt_env *e, enum pkt_ev type, int conn)
{
	unsigned n = 0;

	for (unsigned i = 0; i < e->nev; i++)
		if (e->ev[i].type == type && (conn < 0 || e->ev[i].conn == conn))
			n++;
	return n;
}

static void *app_accepted(void *app, struct tcp_conn *tc, const char *peer, const char *local)
{
	struct pkt_env *e = app;
	struct pkt_conn *c;

	if (e->refuse || e->nconns == PKT_MAX_CONNS) {
		record(e, PKT_EV_REFUSED, -1, 0, 0);
		return NULL;
	}
	c = &e->conns[e->nconns];
	memset(c, 0, sizeof(*c));
	c->tc = tc;
	c->idx = (int)e->nconns++;
	c->pending = e->pending_default;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	snprintf(c->local, sizeof(c->local), "%s", local);
	record(e, PKT_EV_ACCEPTED, c->idx, 0, 0);
	if (e->hooks.accepted)
		e->hooks.accepted(e, c);
	return c;
}

static void app_recv(void *app, void *h, char *data, size_t len)
{
	struct pkt_env *e = app;
	struct pkt_conn *c = h;

	if (c->rx_len + len > c->rx_cap) {
		size_t cap = (c->rx_len + len) * 2;
		unsigned char *p = realloc(c->rx, cap);

		if (!p)
			abort();
		c->rx = p;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, data, len);
	c->rx_len += len;
	c->recv_calls++;
	record(e, PKT_EV_RECV, c->idx, 0, len);
	if (e->hooks.recv)
		e->hooks.recv(e, c, data, len);
}

static void app_eof(void *app, void *h)
{
	struct pkt_env *e = app;
	struct pkt_conn *c = h;

	c->eof = true;
	record(e, PKT_EV_EOF, c->idx, 0, 0);
	if (e->hooks.eof)
		e->hooks.eof(e, c);
}

static void app_error(void *app, void *h, int err)
{
	struct pkt_env *e = app;
	struct pkt_conn *c = h;

	c->err = err;
	record(e, PKT_EV_ERROR, c->idx, err, 0);
}

static void app_writable(void *app, void *h)
{
	struct pkt_env *e = app;
	struct pkt_conn *c = h;

	c->writable_calls++;
	record(e, PKT_EV_WRITABLE, c->idx, 0, 0);
	if (e->hooks.writable)
		e->hooks.writable(e, c);
}

static void app_closed(void *app, void *h)
{
	struct pkt_env *e = app;
	struct pkt_conn *c = h;

	c->closed = true;
	c->tc = NULL;
	record(e, PKT_EV_CLOSED, c->idx, 0, 0);
}

static size_t app_pending(void *app, void *h)
{
	return ((struct pkt_conn *)h)->pending;
}

static const struct net_app_ops recording_app = {
	.accepted = app_accepted,
	.recv = app_recv,
	.eof = app_eof,
	.error = app_error,
	.writable = app_writable,
	.closed = app_closed,
	.pending_input = app_pending,
};

/* ------------------------------------------------------------ env */

void pkt_default_cfg(struct net_stack_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	net_stack_cfg_defaults(cfg);
	cfg->ip = PKT_OUR_IP;
	cfg->prefix = PKT_PREFIX;
	cfg->gateway = PKT_GW_IP;
	cfg->mac = PKT_OUR_MAC;
	cfg->listen_port = PKT_OUR_PORT;
	cfg->seed = 1;
}

struct pkt_env *pkt_env_new(const struct net_stack_cfg *cfg, unsigned flags)
{
	struct pkt_env *e;

	if (pkt_eal_init() != 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	if (cfg)
		e->cfg = *cfg;
	else
		pkt_default_cfg(&e->cfg);
	e->io = (struct net_io){
		.ctx = e,
		.pool = g_pool,
		.tx = fake_tx,
		.tx_ip_cksum = flags & PKT_TX_IP_CKSUM,
		.tx_tcp_cksum = flags & PKT_TX_TCP_CKSUM,
		.rx_cksum = flags & PKT_RX_CKSUM,
	};
	e->ns = net_stack_new(&e->cfg, &e->io, &recording_app, e);
	if (!e->ns) {
		free(e);
		return NULL;
	}
	return e;
}

void pkt_env_free(struct pkt_env *e)
{
	if (!e)
		return;
	net_stack_free(e->ns);
	pkt_tx_clear(e);
	for (unsigned i = 0; i < e->nconns; i++)
		free(e->conns[i].rx);
	free(e);
}

void pkt_input(struct pkt_env *e, struct rte_mbuf *m)
{
	if (m)
		net_input(e->ns, &m, 1);
}

void pkt_poll(struct pkt_env *e)
{
	net_poll(e->ns);
}

void pkt_clock_set(struct pkt_env *e, uint64_t now_us)
{
	e->now_us = now_us;
	net_set_time(e->ns, now_us);
}

void pkt_clock_advance(struct pkt_env *e, uint64_t us)
{
	pkt_clock_set(e, e->now_us + us);
}

void pkt_run(struct pkt_env *e, uint64_t total_us, uint64_t step_us)
{
	uint64_t end = e->now_us + total_us;

	if (!step_us)
		step_us = 1;
	while (e->now_us < end) {
		pkt_clock_set(e, e->now_us + step_us < end ? e->now_us + step_us : end);
		net_poll(e->ns);
	}
}

/* ------------------------------------------------------------ parser */

static void parse_tcp_opts(struct pkt_frame *f, const uint8_t *p, size_t n)
{
	f->mss = f->wscale = -1;
	for (size_t i = 0; i < n;) {
		uint8_t kind = p[i], len;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || (len = p[i + 1]) < 2 || i + len > n) {
			f->opts_bad = true;
			return;
		}
		if (kind == 2 && len == 4)
			f->mss = (p[i + 2] << 8) | p[i + 3];
		else if (kind == 3 && len == 3)
			f->wscale = p[i + 2];
		else if (kind == 4 && len == 2)
			f->sack_ok = true;
		else if (kind == 8 && len == 10) {
			f->ts = true;
			f->tsval = rte_be_to_cpu_32(*(const rte_be32_t *)(p + i + 2));
			f->tsecr = rte_be_to_cpu_32(*(const rte_be32_t *)(p + i + 6));
		} else if (kind == 5 && (len - 2) % 8 == 0) {
			for (size_t b = i + 2; b < i + len && f->nsack < 4; b += 8, f->nsack++) {
				f->sack[f->nsack][0] = rte_be_to_cpu_32(*(const rte_be32_t *)(p + b));
				f->sack[f->nsack][1] = rte_be_to_cpu_32(*(const rte_be32_t *)(p + b + 4));
			}
		} else if (kind <= 8) {
			f->opts_bad = true; /* a known kind with the wrong length */
		}
		i += len;
	}
}

static void parse_l4(struct pkt_frame *f, const uint8_t *l4, size_t n)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(l4 - f->ip_hlen);

	if (f->ip_proto == IPPROTO_TCP && n >= sizeof(struct rte_tcp_hdr)) {
		const struct rte_tcp_hdr *th = (const void *)l4;

		f->doff = (uint8_t)((th->data_off >> 4) * 4);
		if (f->doff < 20 || f->doff > n)
			return;
		f->tcp = true;
		f->sport = rte_be_to_cpu_16(th->src_port);
		f->dport = rte_be_to_cpu_16(th->dst_port);
		f->seq = rte_be_to_cpu_32(th->sent_seq);
		f->ack = rte_be_to_cpu_32(th->recv_ack);
		f->flags = th->tcp_flags;
		f->win = rte_be_to_cpu_16(th->rx_win);
		f->tcp_cksum_ok = rte_ipv4_udptcp_cksum(ip, l4) == 0; /* sum incl. the field */
		parse_tcp_opts(f, l4 + 20, f->doff - 20u);
		f->payload = l4 + f->doff;
		f->payload_len = n - f->doff;
	} else if (f->ip_proto == IPPROTO_ICMP && n >= sizeof(struct rte_icmp_hdr)) {
		const struct rte_icmp_hdr *ih = (const void *)l4;

		f->icmp = true;
		f->icmp_type = ih->icmp_type;
		f->icmp_code = ih->icmp_code;
		f->icmp_id = rte_be_to_cpu_16(ih->icmp_ident);
		f->icmp_seq = rte_be_to_cpu_16(ih->icmp_seq_nb);
		f->icmp_cksum_ok = rte_raw_cksum(l4, n) == 0xffff;
		f->payload = l4 + sizeof(*ih);
		f->payload_len = n - sizeof(*ih);
	}
}

int pkt_parse(const struct rte_mbuf *m, struct pkt_frame *f)
{
	const struct rte_ether_hdr *eh = (const void *)f->raw;

	memset(f, 0, offsetof(struct pkt_frame, raw));
	f->mss = f->wscale = -1;
	if (m->pkt_len > sizeof(f->raw))
		return -EMSGSIZE;
	f->len = m->pkt_len;
	f->nb_segs = m->nb_segs;
	f->ol_flags = m->ol_flags;
	copy_out(m, f->raw);
	if (f->len < sizeof(*eh))
		return 0;
	f->eth_dst = eh->dst_addr;
	f->eth_src = eh->src_addr;
	f->ether_type = rte_be_to_cpu_16(eh->ether_type);
	if (f->ether_type == RTE_ETHER_TYPE_ARP &&
	    f->len >= sizeof(*eh) + sizeof(struct rte_arp_hdr)) {
		const struct rte_arp_hdr *a = (const void *)(eh + 1);

		f->arp = true;
		f->arp_op = rte_be_to_cpu_16(a->arp_opcode);
		f->arp_sha = a->arp_data.arp_sha;
		f->arp_tha = a->arp_data.arp_tha;
		f->arp_spa = rte_be_to_cpu_32(a->arp_data.arp_sip);
		f->arp_tpa = rte_be_to_cpu_32(a->arp_data.arp_tip);
	} else if (f->ether_type == RTE_ETHER_TYPE_IPV4 &&
		   f->len >= sizeof(*eh) + sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
		size_t avail = f->len - sizeof(*eh);

		f->ip_hlen = rte_ipv4_hdr_len(ip);
		f->ip_len = rte_be_to_cpu_16(ip->total_length);
		if (f->ip_hlen < 20 || f->ip_hlen > avail || f->ip_len < f->ip_hlen ||
		    f->ip_len > avail)
			return 0;
		f->ipv4 = true;
		f->ip_ttl = ip->time_to_live;
		f->ip_tos = ip->type_of_service;
		f->ip_proto = ip->next_proto_id;
		f->ip_id = rte_be_to_cpu_16(ip->packet_id);
		f->ip_frag = rte_be_to_cpu_16(ip->fragment_offset);
		f->ip_src = rte_be_to_cpu_32(ip->src_addr);
		f->ip_dst = rte_be_to_cpu_32(ip->dst_addr);
		f->ip_cksum_ok = rte_ipv4_cksum(ip) == 0;
		parse_l4(f, (const uint8_t *)ip + f->ip_hlen, f->ip_len - f->ip_hlen);
	}
	return 0;
}

/* ------------------------------------------------------------ builders */

/* Copy a linear frame into mbufs: one if it fits and nsegs <= 1, else a
 * chain whose first segment holds at least the hdr bytes. */
static struct rte_mbuf *frame_to_mbuf(const uint8_t *p, size_t len, size_t hdr, unsigned nsegs)
{
	struct rte_mempool *pool = pkt_pool();
	struct rte_mbuf *head = NULL, *tail = NULL;
	size_t room, per, off = 0;

	if (!pool)
		return NULL;
	room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	if (hdr > len)
		hdr = len;
	per = nsegs > 1 ? (len - hdr) / nsegs : 0;
	do {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		size_t n;

		if (!m) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (nsegs <= 1 || (head && head->nb_segs + 1u >= nsegs))
			n = len - off;
		else
			n = head ? per : hdr + per;
		if (n == 0)
			n = len - off;
		if (n > room)
			n = room;
		memcpy(rte_pktmbuf_append(m, (uint16_t)n), p + off, n);
		off += n;
		if (!head) {
			head = tail = m;
		} else {
			tail->next = m;
			tail = m;
			head->nb_segs++;
			head->pkt_len += (uint32_t)n;
		}
	} while (off < len);
	return head;
}

struct rte_mbuf *pkt_build_raw(const void *bytes, size_t len)
{
	return frame_to_mbuf(bytes, len, len, 1);
}

struct rte_mbuf *pkt_build_chain(const void *bytes, size_t len, size_t first, unsigned nsegs)
{
	return frame_to_mbuf(bytes, len, first, nsegs);
}

struct pkt_ip pkt_ip_default(void)
{
	return (struct pkt_ip){
		.eth_dst = PKT_OUR_MAC,
		.eth_src = PKT_PEER_MAC,
		.ether_type = RTE_ETHER_TYPE_IPV4,
		.src = PKT_PEER_IP,
		.dst = PKT_OUR_IP,
		.ttl = 64,
		.version = 4,
		.frag = RTE_IPV4_HDR_DF_FLAG,
		.ihl_override = -1,
	};
}

/* Build eth [+vlan] + ipv4 + l4 bytes, fix checksums as asked, apply the
 * knobs. l4hdr: how much of l4 is header (kept in segment 1). */
static struct rte_mbuf *build_ipv4(const struct pkt_ip *k, uint8_t proto, const void *l4,
				   size_t l4len, size_t l4hdr)
{
	size_t optlen = (k->optlen + 3u) & ~3u, l2 = RTE_ETHER_HDR_LEN + (k->vlan ? 4 : 0);
	size_t hl = 20 + optlen, len = l2 + hl + l4len + k->eth_pad;
	uint8_t *buf = calloc(1, len);
	struct rte_ether_hdr *eh = (void *)buf;
	struct rte_ipv4_hdr *ip = (void *)(buf + l2);
	struct rte_mbuf *m;

	if (!buf)
		return NULL;
	eh->dst_addr = k->eth_dst;
	eh->src_addr = k->eth_src;
	if (k->vlan) {
		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		buf[14] = 0;
		buf[15] = 5;
		*(rte_be16_t *)(buf + 16) = rte_cpu_to_be_16(k->ether_type);
	} else {
		eh->ether_type = rte_cpu_to_be_16(k->ether_type);
	}
	ip->version_ihl = (uint8_t)((k->version << 4) |
				    (k->ihl_override >= 0 ? k->ihl_override : (int)(hl / 4)));
	ip->type_of_service = k->tos;
	ip->total_length = rte_cpu_to_be_16((uint16_t)((int)(hl + l4len) + k->total_len_delta));
	ip->packet_id = rte_cpu_to_be_16(k->id);
	ip->fragment_offset = rte_cpu_to_be_16(k->frag);
	ip->time_to_live = k->ttl;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(k->src);
	ip->dst_addr = rte_cpu_to_be_32(k->dst);
	memcpy(ip + 1, k->opts, k->optlen);
	if (l4len)
		memcpy(buf + l2 + hl, l4, l4len);
	if (proto == IPPROTO_TCP && l4len >= sizeof(struct rte_tcp_hdr)) {
		struct rte_tcp_hdr *th = (void *)(buf + l2 + hl);
		uint16_t saved = ip->total_length;

		/* the checksum over the real length, even when the header lies */
		ip->total_length = rte_cpu_to_be_16((uint16_t)(hl + l4len));
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		ip->total_length = saved;
		if (k->bad_l4_cksum)
			th->cksum ^= 0x5a5a;
	}
	if (ip->version_ihl >> 4 == 4 && (ip->version_ihl & 15) >= 5 &&
	    (ip->version_ihl & 15) * 4u <= len - l2)
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (k->bad_ip_cksum)
		ip->hdr_checksum ^= 0x5a5a;
	if (k->truncate && k->truncate < len)
		len = k->truncate;
	m = frame_to_mbuf(buf, len, l2 + hl + l4hdr, k->nsegs);
	free(buf);
	return m;
}

struct rte_mbuf *pkt_build_ipv4(const struct pkt_ip *ip, uint8_t proto, const void *l4,
				size_t l4len)
{
	return build_ipv4(ip, proto, l4, l4len, 0);
}

struct pkt_tcp pkt_tcp_default(void)
{
	return (struct pkt_tcp){
		.ip = pkt_ip_default(),
		.sport = PKT_PEER_PORT,
		.dport = PKT_OUR_PORT,
		.win = 65535,
	};
}

struct rte_mbuf *pkt_build_tcp(const struct pkt_tcp *t)
{
	size_t optlen = (t->optlen + 3u) & ~3u, hl = 20 + optlen;
	uint8_t *l4 = malloc(hl + t->len);
	struct rte_tcp_hdr *th = (void *)l4;
	struct rte_mbuf *m;

	if (!l4)
		return NULL;
	memset(l4, 0, hl);
	th->src_port = rte_cpu_to_be_16(t->sport);
	th->dst_port = rte_cpu_to_be_16(t->dport);
	th->sent_seq = rte_cpu_to_be_32(t->seq);
	th->recv_ack = rte_cpu_to_be_32(t->ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = t->flags;
	th->rx_win = rte_cpu_to_be_16(t->win);
	th->tcp_urp = rte_cpu_to_be_16(t->urp);
	memcpy(th + 1, t->opts, t->optlen);
	memset(l4 + 20 + t->optlen, 1, optlen - t->optlen); /* NOP padding */
	if (t->len)
		memcpy(l4 + hl, t->data, t->len);
	m = build_ipv4(&t->ip, IPPROTO_TCP, l4, hl + t->len, hl);
	free(l4);
	return m;
}

struct rte_mbuf *pkt_tcp(uint8_t flags, uint32_t seq, uint32_t ack, const void *data, size_t len)
{
	struct pkt_tcp t = pkt_tcp_default();

	t.flags = flags;
	t.seq = seq;
	t.ack = ack;
	t.data = data;
	t.len = len;
	return pkt_build_tcp(&t);
}

static size_t opt_put(struct pkt_tcp *t, const uint8_t *p, size_t n)
{
	if (t->optlen + n > sizeof(t->opts))
		return 0;
	memcpy(t->opts + t->optlen, p, n);
	t->optlen = (uint8_t)(t->optlen + n);
	return n;
}

size_t pkt_opt_mss(struct pkt_tcp *t, uint16_t mss)
{
	return opt_put(t, (const uint8_t[]){ 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss }, 4);
}

size_t pkt_opt_wscale(struct pkt_tcp *t, uint8_t shift)
{
	return opt_put(t, (const uint8_t[]){ 3, 3, shift }, 3);
}

size_t pkt_opt_sack_ok(struct pkt_tcp *t)
{
	return opt_put(t, (const uint8_t[]){ 4, 2 }, 2);
}

size_t pkt_opt_nop(struct pkt_tcp *t)
{
	return opt_put(t, (const uint8_t[]){ 1 }, 1);
}

size_t pkt_opt_ts(struct pkt_tcp *t, uint32_t tsval, uint32_t tsecr)
{
	uint8_t o[10] = { 8, 10 };
	rte_be32_t v = rte_cpu_to_be_32(tsval), r = rte_cpu_to_be_32(tsecr);

	memcpy(o + 2, &v, 4);
	memcpy(o + 6, &r, 4);
	return opt_put(t, o, sizeof(o));
}

size_t pkt_opt_sack(struct pkt_tcp *t, const uint32_t (*blocks)[2], unsigned n)
{
	uint8_t o[2 + 4 * 8];

	if (n > 4)
		n = 4;
	o[0] = 5;
	o[1] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++) {
		rte_be32_t l = rte_cpu_to_be_32(blocks[i][0]), r = rte_cpu_to_be_32(blocks[i][1]);

		memcpy(o + 2 + 8 * i, &l, 4);
		memcpy(o + 6 + 8 * i, &r, 4);
	}
	return opt_put(t, o, o[1]);
}

struct rte_mbuf *pkt_build_icmp(const struct pkt_ip *ip, uint8_t type, uint16_t id,
				uint16_t seq, const void *data, size_t len)
{
	uint8_t *l4 = malloc(sizeof(struct rte_icmp_hdr) + len);
	struct rte_icmp_hdr *ih = (void *)l4;
	struct rte_mbuf *m;

	if (!l4)
		return NULL;
	ih->icmp_type = type;
	ih->icmp_code = 0;
	ih->icmp_cksum = 0;
	ih->icmp_ident = rte_cpu_to_be_16(id);
	ih->icmp_seq_nb = rte_cpu_to_be_16(seq);
	if (len)
		memcpy(ih + 1, data, len);
	ih->icmp_cksum = (uint16_t)~rte_raw_cksum(l4, sizeof(*ih) + len);
	if (ip->bad_l4_cksum)
		ih->icmp_cksum ^= 0x5a5a;
	m = build_ipv4(ip, IPPROTO_ICMP, l4, sizeof(*ih) + len, sizeof(*ih));
	free(l4);
	return m;
}

struct rte_mbuf *pkt_build_arp(const struct rte_ether_addr *eth_dst, uint16_t op,
			       const struct rte_ether_addr *sha, uint32_t spa,
			       const struct rte_ether_addr *tha, uint32_t tpa)
{
	uint8_t buf[60] = { 0 };
	struct rte_ether_hdr *eh = (void *)buf;
	struct rte_arp_hdr *a = (void *)(eh + 1);

	eh->dst_addr = *eth_dst;
	eh->src_addr = *sha;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *sha;
	a->arp_data.arp_sip = rte_cpu_to_be_32(spa);
	a->arp_data.arp_tha = *tha;
	a->arp_data.arp_tip = rte_cpu_to_be_32(tpa);
	return pkt_build_raw(buf, sizeof(buf));
}
