/*
 * lib/net below TCP: Ethernet, ARP, IPv4, ICMP, checksums, steering hash.
 * Crafted frames go in through net_input; emitted frames are parsed back.
 * A SYN to the listen port is used where a frame must be shown to reach
 * tcp_input: the SYN-ACK proves it.
 */
#include <errno.h>
#include <string.h>

#include <unistd.h>

#include "net/tsc_clock.h"
#include "pkt_harness.h"
#include "../unit/cunit_main.h"

static struct pkt_env *env(unsigned flags)
{
	struct pkt_env *e = pkt_env_new(NULL, flags);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	return e;
}

/* Frees the env and checks that no mbuf was leaked by the stack. */
static void done(struct pkt_env *e)
{
	pkt_env_free(e);
	CU_ASSERT_EQUAL(pkt_pool_in_use(), 0);
}

static const struct net_counters *cnt(struct pkt_env *e)
{
	return net_counters(e->ns);
}

static void fill_pattern(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

/* ------------------------------------------------------------ config */

/* The DPDK lcores' clock (lib/net/tsc_clock.h) agrees with the kernel's. */
static void test_tsc_clock(void)
{
	struct tsc_clock c;
	tsc_clock_init(&c);
	uint64_t prev = tsc_clock_mono_us(&c, rte_rdtsc());
	for (int i = 0; i < 5; i++) {
		usleep(20000);
		uint64_t tsc = rte_rdtsc();
		tsc_clock_tick(&c, tsc);
		int64_t real = tsc_clock_real_us(&c, tsc), kreal = tsc_clock_read(CLOCK_REALTIME);
		uint64_t mono = tsc_clock_mono_us(&c, tsc);
		int64_t kmono = tsc_clock_read(CLOCK_MONOTONIC);
		CU_ASSERT(real - kreal < 2000 && kreal - real < 2000);
		CU_ASSERT((int64_t)mono - kmono < 2000 && kmono - (int64_t)mono < 2000);
		CU_ASSERT(mono >= prev + 15000);
		prev = mono;
	}
	/* an hour of cycles scales without overflow, within 100 us */
	uint64_t hour = tsc_clock_scale(&c, c.hz * 3600);
	CU_ASSERT(hour > 3600ull * 1000000 - 100 && hour < 3600ull * 1000000 + 100);
}

static void test_cfg_defaults(void)
{
	struct net_stack_cfg c = { 0 };
	struct pkt_env *e;

	net_stack_cfg_defaults(&c);
	CU_ASSERT_EQUAL(c.mtu, 1500);
	CU_ASSERT_EQUAL(c.max_conns, 65536);
	CU_ASSERT_EQUAL(c.rcvbuf, 256 * 1024);
	CU_ASSERT_EQUAL(c.sndbuf, 256 * 1024);
	CU_ASSERT_EQUAL(c.ooo_max, 512);
	CU_ASSERT_EQUAL(c.syn_backlog, 1024);
	CU_ASSERT_EQUAL(c.time_wait_us, 1000000);
	c.mtu = 9000;
	c.rcvbuf = 1234;
	net_stack_cfg_defaults(&c);
	CU_ASSERT_EQUAL(c.mtu, 9000);
	CU_ASSERT_EQUAL(c.rcvbuf, 1234);

	pkt_default_cfg(&c);
	c.prefix = 0;
	CU_ASSERT_PTR_NULL(pkt_env_new(&c, 0));
	pkt_default_cfg(&c);
	c.mtu = 100;
	CU_ASSERT_PTR_NULL(pkt_env_new(&c, 0));
	pkt_default_cfg(&c);
	e = pkt_env_new(&c, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(net_time(e->ns), 0);
	pkt_clock_set(e, 777);
	CU_ASSERT_EQUAL(net_time(e->ns), 777);
	done(e);
}

/* ------------------------------------------------------------ ARP */

static void test_arp_reply(void)
{
	struct pkt_env *e = env(0);
	struct pkt_frame f;
	const struct rte_ether_addr zero = { { 0 } };

	pkt_input(e, pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC,
				   PKT_PEER_IP, &zero, PKT_OUR_IP));
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT(f.arp);
	CU_ASSERT_EQUAL(f.arp_op, RTE_ARP_OP_REPLY);
	CU_ASSERT(rte_is_same_ether_addr(&f.eth_dst, &PKT_PEER_MAC));
	CU_ASSERT(rte_is_same_ether_addr(&f.eth_src, &PKT_OUR_MAC));
	CU_ASSERT(rte_is_same_ether_addr(&f.arp_sha, &PKT_OUR_MAC));
	CU_ASSERT(rte_is_same_ether_addr(&f.arp_tha, &PKT_PEER_MAC));
	CU_ASSERT_EQUAL(f.arp_spa, PKT_OUR_IP);
	CU_ASSERT_EQUAL(f.arp_tpa, PKT_PEER_IP);
	CU_ASSERT_EQUAL(f.len, 60);
	CU_ASSERT_EQUAL(pkt_tx_take(e, &f), -ENOENT);
	CU_ASSERT_EQUAL(cnt(e)->arp_in, 1);
	CU_ASSERT_EQUAL(cnt(e)->arp_out, 1);

	/* another host's address, a reply, and a non-Ethernet ARP: no answer */
	pkt_input(e, pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC,
				   PKT_PEER_IP, &zero, PKT_IP(198, 18, 0, 3)));
	pkt_input(e, pkt_build_arp(&PKT_OUR_MAC, RTE_ARP_OP_REPLY, &PKT_PEER_MAC, PKT_PEER_IP,
				   &PKT_OUR_MAC, PKT_OUR_IP));
	struct rte_mbuf *m = pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC,
					   PKT_PEER_IP, &zero, PKT_OUR_IP);
	rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14)->arp_hardware = RTE_BE16(6);
	pkt_input(e, m);
	/* cut short */
	m = pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC, PKT_PEER_IP, &zero,
			  PKT_OUR_IP);
	rte_pktmbuf_trim(m, 60 - 14 - 20);
	pkt_input(e, m);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_truncated, 1);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 2);
	done(e);
}

static void test_arp_resolve(void)
{
	struct pkt_env *e = env(0);
	const struct rte_ether_addr gw_mac = { { 0x02, 0, 0, 0, 0, 0xfe } };
	const struct rte_ether_addr zero = { { 0 } };
	const struct rte_ether_addr *mac;
	struct pkt_frame f;

	pkt_clock_set(e, 1000);
	CU_ASSERT_PTR_NULL(arp_resolve(e->ns, PKT_PEER_IP));
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT(f.arp && f.arp_op == RTE_ARP_OP_REQUEST);
	CU_ASSERT(rte_is_broadcast_ether_addr(&f.eth_dst));
	CU_ASSERT_EQUAL(f.arp_tpa, PKT_PEER_IP);
	CU_ASSERT_EQUAL(f.arp_spa, PKT_OUR_IP);
	CU_ASSERT(rte_is_same_ether_addr(&f.arp_sha, &PKT_OUR_MAC));

	/* rate-limited: no second request within a second */
	pkt_clock_advance(e, 500000);
	CU_ASSERT_PTR_NULL(arp_resolve(e->ns, PKT_PEER_IP));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_clock_advance(e, 600000);
	CU_ASSERT_PTR_NULL(arp_resolve(e->ns, PKT_PEER_IP));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 1);
	pkt_tx_clear(e);

	/* the reply teaches us the MAC */
	pkt_input(e, pkt_build_arp(&PKT_OUR_MAC, RTE_ARP_OP_REPLY, &PKT_PEER_MAC, PKT_PEER_IP,
				   &PKT_OUR_MAC, PKT_OUR_IP));
	mac = arp_resolve(e->ns, PKT_PEER_IP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mac);
	CU_ASSERT(rte_is_same_ether_addr(mac, &PKT_PEER_MAC));

	/* off the subnet: through the gateway */
	CU_ASSERT_PTR_NULL(arp_resolve(e->ns, PKT_IP(10, 1, 2, 3)));
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT_EQUAL(f.arp_tpa, PKT_GW_IP);
	pkt_input(e, pkt_build_arp(&PKT_OUR_MAC, RTE_ARP_OP_REPLY, &gw_mac, PKT_GW_IP,
				   &PKT_OUR_MAC, PKT_OUR_IP));
	mac = arp_resolve(e->ns, PKT_IP(10, 1, 2, 3));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mac);
	CU_ASSERT(rte_is_same_ether_addr(mac, &gw_mac));

	/* entries expire */
	pkt_clock_advance(e, NET_ARP_TTL_US + 1);
	CU_ASSERT_PTR_NULL(arp_resolve(e->ns, PKT_PEER_IP));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 1);
	pkt_tx_clear(e);
	done(e);

	/* a request addressed to us teaches the sender; one for others does not */
	e = env(0);
	pkt_input(e, pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC,
				   PKT_PEER_IP, &zero, PKT_OUR_IP));
	pkt_input(e, pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &gw_mac, PKT_GW_IP,
				   &zero, PKT_IP(198, 18, 0, 77)));
	pkt_poll(e);
	pkt_tx_clear(e);
	mac = arp_resolve(e->ns, PKT_PEER_IP);
	CU_ASSERT(mac && rte_is_same_ether_addr(mac, &PKT_PEER_MAC));
	CU_ASSERT_PTR_NULL(arp_resolve(e->ns, PKT_GW_IP));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 1);
	done(e);

	/* no gateway: off-subnet is unreachable, and nothing is asked */
	struct net_stack_cfg c;

	pkt_default_cfg(&c);
	c.gateway = 0;
	e = pkt_env_new(&c, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_PTR_NULL(arp_resolve(e->ns, PKT_IP(10, 1, 2, 3)));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	done(e);
}

static void test_gratuitous_arp(void)
{
	struct pkt_env *e = env(0);
	struct pkt_frame f;

	net_announce(e->ns);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0); /* sent at once, no poll */
	CU_ASSERT(f.arp && f.arp_op == RTE_ARP_OP_REQUEST);
	CU_ASSERT(rte_is_broadcast_ether_addr(&f.eth_dst));
	CU_ASSERT(rte_is_same_ether_addr(&f.eth_src, &PKT_OUR_MAC));
	CU_ASSERT(rte_is_same_ether_addr(&f.arp_sha, &PKT_OUR_MAC));
	CU_ASSERT(rte_is_zero_ether_addr(&f.arp_tha));
	CU_ASSERT_EQUAL(f.arp_spa, PKT_OUR_IP);
	CU_ASSERT_EQUAL(f.arp_tpa, PKT_OUR_IP);
	CU_ASSERT_EQUAL(cnt(e)->arp_out, 1);
	CU_ASSERT_EQUAL(cnt(e)->tx_pkts, 1);
	done(e);
}

/* ------------------------------------------------------------ ICMP */

/* Sends an echo request built from ip with len data bytes and checks the
 * reply byte for byte. */
static void check_echo(struct pkt_env *e, const struct pkt_ip *ip, size_t len)
{
	static uint8_t data[9000];
	struct pkt_frame *f = malloc(sizeof(*f));

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fill_pattern(data, len);
	pkt_input(e, pkt_build_icmp(ip, RTE_IP_ICMP_ECHO_REQUEST, 0x1234, 77, data, len));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 1);
	if (pkt_tx_take(e, f) == 0) {
		CU_ASSERT(rte_is_same_ether_addr(&f->eth_dst, &ip->eth_src));
		CU_ASSERT(rte_is_same_ether_addr(&f->eth_src, &PKT_OUR_MAC));
		CU_ASSERT(f->ipv4 && f->ip_cksum_ok);
		CU_ASSERT_EQUAL(f->ip_src, PKT_OUR_IP);
		CU_ASSERT_EQUAL(f->ip_dst, ip->src);
		CU_ASSERT_EQUAL(f->ip_ttl, 64);
		CU_ASSERT_EQUAL(f->ip_hlen, 20);
		CU_ASSERT_EQUAL(f->ip_frag, RTE_IPV4_HDR_DF_FLAG);
		CU_ASSERT_EQUAL(f->ip_len, 20 + 8 + len);
		CU_ASSERT_EQUAL(f->len, 14 + 20 + 8 + len);
		CU_ASSERT(f->icmp && f->icmp_cksum_ok);
		CU_ASSERT_EQUAL(f->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
		CU_ASSERT_EQUAL(f->icmp_code, 0);
		CU_ASSERT_EQUAL(f->icmp_id, 0x1234);
		CU_ASSERT_EQUAL(f->icmp_seq, 77);
		CU_ASSERT_EQUAL(f->payload_len, len);
		CU_ASSERT(memcmp(f->payload, data, len) == 0);
	}
	free(f);
}

static void test_icmp_echo(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();
	static const size_t sizes[] = { 0, 1, 56, 1000, 1472 };
	uint8_t data[1500] = { 0 };

	for (size_t i = 0; i < CUNIT_COUNT(sizes); i++)
		check_echo(e, &ip, sizes[i]);
	CU_ASSERT_EQUAL(cnt(e)->icmp_echo, CUNIT_COUNT(sizes));

	/* chained request, padding beyond the last segment's reach */
	ip.nsegs = 4;
	ip.eth_pad = 40;
	check_echo(e, &ip, 100);
	ip.eth_pad = 0;
	check_echo(e, &ip, 1400);
	/* broadcast destination MAC is accepted */
	ip = pkt_ip_default();
	ip.eth_dst = PKT_BCAST_MAC;
	check_echo(e, &ip, 8);
	/* IP options are skipped */
	ip = pkt_ip_default();
	ip.opts[0] = 148, ip.opts[1] = 4; /* router alert */
	ip.optlen = 4;
	check_echo(e, &ip, 32);
	CU_ASSERT_EQUAL(cnt(e)->rx_ip_options, 1);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 0);

	/* over the MTU, bad checksum, not an echo request: no reply */
	ip = pkt_ip_default();
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, data, 1473));
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REPLY, 1, 1, data, 10));
	pkt_input(e, pkt_build_icmp(&ip, 13, 1, 1, data, 12));
	ip.bad_l4_cksum = true;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, data, 10));
	ip.bad_l4_cksum = false;
	ip.total_len_delta = -4; /* ICMP header cut by the IP length */
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, NULL, 0));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 5);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 1);
	CU_ASSERT_EQUAL(cnt(e)->rx_truncated, 1);
	done(e);
}

static void test_icmp_offload(void)
{
	struct pkt_env *e = env(PKT_TX_IP_CKSUM | PKT_TX_TCP_CKSUM);
	struct pkt_ip ip = pkt_ip_default();

	check_echo(e, &ip, 64);
	CU_ASSERT_EQUAL(e->tx_offload_errors, 0);
	done(e);
}

static void test_icmp_shared_mbuf(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();
	uint8_t data[64];
	struct rte_mbuf *m, *clone;
	struct pkt_frame f;

	fill_pattern(data, sizeof(data));
	m = pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 9, 9, data, sizeof(data));
	/* an indirect mbuf over m's data, as a duplicating port layer makes */
	clone = rte_pktmbuf_clone(m, pkt_pool());
	CU_ASSERT_PTR_NOT_NULL_FATAL(clone);
	pkt_input(e, clone);
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT(f.icmp && f.icmp_type == RTE_IP_ICMP_ECHO_REPLY && f.icmp_cksum_ok);
	CU_ASSERT_EQUAL(f.payload_len, sizeof(data));
	/* the other holder still sees the request untouched */
	CU_ASSERT_EQUAL(pkt_parse(m, &f), 0);
	CU_ASSERT(f.icmp && f.icmp_type == RTE_IP_ICMP_ECHO_REQUEST && f.icmp_cksum_ok);
	CU_ASSERT(f.ip_src == PKT_PEER_IP && memcmp(f.payload, data, sizeof(data)) == 0);
	rte_pktmbuf_free(m);
	done(e);
}

/* ------------------------------------------------------------ IPv4 */

static void test_ipv4_checksums(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();
	struct pkt_tcp t = pkt_tcp_default();

	ip.bad_ip_cksum = true;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "x", 1));
	t.flags = RTE_TCP_SYN_FLAG;
	t.ip.bad_ip_cksum = true;
	pkt_input(e, pkt_build_tcp(&t));
	t.ip.bad_ip_cksum = false;
	t.ip.bad_l4_cksum = true;
	pkt_input(e, pkt_build_tcp(&t));
	t.ip.nsegs = 3; /* the chained path */
	t.data = "0123456789abcdef0123456789abcdef";
	t.len = 32;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 4);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 4);
	CU_ASSERT_EQUAL(cnt(e)->rx_pkts, 4);
	CU_ASSERT(cnt(e)->rx_bytes > 4 * 54);

	/* good sums over odd-length segments pass */
	t.ip.bad_l4_cksum = false;
	t.data = "0123456789abcdef0123456789abcdefX";
	t.len = 33;
	for (unsigned nsegs = 2; nsegs <= 5; nsegs++) {
		t.ip.nsegs = nsegs;
		pkt_input(e, pkt_build_tcp(&t));
	}
	pkt_poll(e);
	pkt_tx_clear(e);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 4);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 4);
	done(e);
}

static void test_rx_cksum_flags(void)
{
	struct pkt_env *e = env(PKT_RX_CKSUM);
	struct pkt_ip ip = pkt_ip_default();
	struct rte_mbuf *m;

	/* the NIC's verdict wins over the bytes, both ways */
	m = pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abc", 3);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	pkt_input(e, m);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 1);
	ip.bad_ip_cksum = true;
	m = pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abc", 3);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	pkt_input(e, m);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 1);
	pkt_tx_clear(e);
	/* unknown: software decides */
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abc", 3));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 2);
	/* TCP: a bad L4 flag drops a correct segment */
	m = pkt_tcp(RTE_TCP_SYN_FLAG, 1, 0, NULL, 0);
	m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_BAD;
	pkt_input(e, m);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 3);
	done(e);
}

static void test_truncated(void)
{
	struct pkt_env *e = env(0);
	struct pkt_tcp t = pkt_tcp_default();
	struct pkt_ip ip = pkt_ip_default();
	uint8_t eth[10] = { 0x02, 0, 0, 0, 0, 0x02 };

	pkt_input(e, pkt_build_raw(eth, sizeof(eth)));       /* 1: Ethernet cut */
	t.flags = RTE_TCP_SYN_FLAG;
	t.ip.truncate = 14 + 12;                              /* 2: IPv4 header cut */
	pkt_input(e, pkt_build_tcp(&t));
	t.ip.truncate = 14 + 20 + 10;                         /* 3: TCP header cut */
	pkt_input(e, pkt_build_tcp(&t));
	t.ip.truncate = 0;
	t.ip.total_len_delta = -10;                           /* 4: ... by the IP length */
	pkt_input(e, pkt_build_tcp(&t));
	t.ip.total_len_delta = 0;
	t.ip.truncate = 0;
	t.ip.ihl_override = 6;                                /* 5: IHL past the frame */
	t.ip.truncate = 14 + 22;
	pkt_input(e, pkt_build_tcp(&t));
	t = pkt_tcp_default();
	t.flags = RTE_TCP_SYN_FLAG;
	t.ip.total_len_delta = 10;                            /* 6: total length > frame */
	pkt_input(e, pkt_build_tcp(&t));
	ip.total_len_delta = 1;                               /* 7: the same, ICMP */
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abcd", 4));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_truncated, 7);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 7);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 0);
	done(e);
}

static void test_malformed(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();

	ip.ihl_override = 4;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abcd", 4));
	ip = pkt_ip_default();
	ip.version = 6;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abcd", 4));
	ip = pkt_ip_default();
	ip.total_len_delta = -(8 + 4 + 1); /* shorter than its own header */
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abcd", 4));
	ip = pkt_ip_default();
	pkt_input(e, pkt_build_ipv4(&ip, IPPROTO_UDP, "12345678", 8)); /* not served */
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 4);
	CU_ASSERT_EQUAL(cnt(e)->rx_truncated + cnt(e)->rx_csum_errors, 0);
	done(e);
}

static void test_padding_trimmed(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();
	struct pkt_tcp t = pkt_tcp_default();
	struct pkt_frame f;

	ip.eth_pad = 18; /* a short frame padded to the Ethernet minimum */
	check_echo(e, &ip, 4);
	/* a padded SYN still passes the TCP checksum and reaches TCP */
	t.flags = RTE_TCP_SYN_FLAG;
	t.seq = 1000;
	t.ip.eth_pad = 6;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 0);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT(f.tcp && f.tcp_cksum_ok && f.ack == 1001);
	pkt_tx_clear(e);
	done(e);
}

static void test_ip_options_reach_tcp(void)
{
	struct pkt_env *e = env(0);
	struct pkt_tcp t = pkt_tcp_default();
	struct pkt_frame f;

	t.flags = RTE_TCP_SYN_FLAG;
	t.seq = 5000;
	pkt_opt_mss(&t, 1460);
	/* record route, room for 1 address, plus EOL padding */
	t.ip.opts[0] = 7, t.ip.opts[1] = 7, t.ip.opts[2] = 4;
	t.ip.optlen = 8;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_EQUAL(cnt(e)->rx_ip_options, 1);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_csum_errors, 0);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT(f.tcp && f.tcp_cksum_ok && f.ip_cksum_ok);
	CU_ASSERT_EQUAL(f.flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG),
			RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	CU_ASSERT_EQUAL(f.ack, 5001);
	CU_ASSERT_EQUAL(f.ip_hlen, 20); /* we send none */
	CU_ASSERT_EQUAL(f.dport, PKT_PEER_PORT);
	pkt_tx_clear(e);
	done(e);
}

static void test_fragments(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();
	struct pkt_tcp t = pkt_tcp_default();

	ip.frag = RTE_IPV4_HDR_MF_FLAG;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abcdefgh", 8));
	ip.frag = 185; /* offset only: the last fragment */
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "abcdefgh", 8));
	t.flags = RTE_TCP_SYN_FLAG;
	t.ip.frag = RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_DF_FLAG;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_ip_frags, 3);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 3);
	done(e);
}

static void test_not_for_us(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();
	struct pkt_tcp t = pkt_tcp_default();
	const struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x99 } };

	ip.dst = PKT_IP(198, 18, 0, 3);
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "a", 1));
	t.flags = RTE_TCP_SYN_FLAG;
	t.ip.dst = PKT_IP(198, 18, 0, 255);
	pkt_input(e, pkt_build_tcp(&t));
	ip = pkt_ip_default();
	ip.eth_dst = other;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "a", 1));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 3);
	done(e);
}

static void test_ethertypes(void)
{
	struct pkt_env *e = env(0);
	struct pkt_ip ip = pkt_ip_default();

	ip.ether_type = RTE_ETHER_TYPE_IPV6;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "a", 1));
	ip.ether_type = 0x1234;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "a", 1));
	ip.ether_type = RTE_ETHER_TYPE_IPV4;
	ip.vlan = true;
	pkt_input(e, pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, "a", 1));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->rx_drops, 3);
	CU_ASSERT_EQUAL(cnt(e)->rx_pkts, 3);
	done(e);
}

/* ------------------------------------------------------------ TX path */

/* Builds [eth][ipv4][tcp 20][payload] with the payload in a second
 * segment, as the TCP output path does for large replies. */
/* Builds [eth][ipv4][tcp 20][payload] with the payload over two more
 * segments of odd lengths, as the TCP output path may chain replies. */
static struct rte_mbuf *tcp_out_frame(const uint8_t *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pkt_pool());
	uint16_t cut = len / 3 | 1;
	struct rte_tcp_hdr *th;
	char *p;

	if (!m || !(p = rte_pktmbuf_append(m, 54)))
		return NULL;
	th = (struct rte_tcp_hdr *)(p + 34);
	memset(th, 0, sizeof(*th));
	th->src_port = RTE_BE16(PKT_OUR_PORT);
	th->dst_port = RTE_BE16(PKT_PEER_PORT);
	th->sent_seq = RTE_BE32(42);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG;
	th->rx_win = RTE_BE16(1000);
	for (uint16_t off = 0; off < len;) {
		uint16_t n = off ? len - off : cut;
		struct rte_mbuf *s = rte_pktmbuf_alloc(pkt_pool());

		if (!s || !(p = rte_pktmbuf_append(s, n)))
			return NULL;
		memcpy(p, payload + off, n);
		rte_pktmbuf_chain(m, s);
		off += n;
	}
	return m;
}

static void check_tx_path(unsigned flags)
{
	struct pkt_env *e = env(flags);
	uint8_t data[1000];
	struct pkt_frame f;
	struct rte_mbuf *m;

	fill_pattern(data, sizeof(data));
	m = tcp_out_frame(data, sizeof(data));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	/* unknown next hop: -EAGAIN, m untouched, an ARP request leaves */
	CU_ASSERT_EQUAL(ipv4_fill(e->ns, m, NULL, PKT_PEER_IP, IPPROTO_TCP, 1020), -EAGAIN);
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT(f.arp && f.arp_tpa == PKT_PEER_IP);
	arp_learn(e->ns, PKT_PEER_IP, &PKT_PEER_MAC);
	CU_ASSERT_EQUAL(ipv4_fill(e->ns, m, NULL, PKT_PEER_IP, IPPROTO_TCP, 1020), 0);
	cksum_tcp_tx(e->ns, m);
	net_tx(e->ns, m);
	net_tx_flush(e->ns);
	CU_ASSERT_EQUAL(e->tx_offload_errors, 0);
	CU_ASSERT_EQUAL_FATAL(pkt_tx_take(e, &f), 0);
	CU_ASSERT(rte_is_same_ether_addr(&f.eth_dst, &PKT_PEER_MAC));
	CU_ASSERT(f.ipv4 && f.ip_cksum_ok && f.tcp && f.tcp_cksum_ok);
	CU_ASSERT_EQUAL(f.nb_segs, 3);
	CU_ASSERT_EQUAL(f.ip_len, 20 + 20 + 1000);
	CU_ASSERT_EQUAL(f.ip_frag, RTE_IPV4_HDR_DF_FLAG);
	CU_ASSERT_EQUAL(f.ip_ttl, 64);
	CU_ASSERT_EQUAL(f.ip_proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(f.seq, 42);
	CU_ASSERT_EQUAL(f.payload_len, 1000);
	CU_ASSERT(memcmp(f.payload, data, 1000) == 0);
	CU_ASSERT_EQUAL(!!(f.ol_flags & RTE_MBUF_F_TX_IP_CKSUM), !!(flags & PKT_TX_IP_CKSUM));
	CU_ASSERT_EQUAL((f.ol_flags & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM,
			!!(flags & PKT_TX_TCP_CKSUM));
	done(e);
}

static void test_tx_software(void)
{
	check_tx_path(0);
}

static void test_tx_offload(void)
{
	check_tx_path(PKT_TX_IP_CKSUM | PKT_TX_TCP_CKSUM);
	check_tx_path(PKT_TX_TCP_CKSUM);
}

static void test_tx_batch(void)
{
	struct pkt_env *e = env(0);
	const struct rte_ether_addr zero = { { 0 } };

	/* more requests than a batch: the full batch leaves early */
	for (unsigned i = 0; i < NET_TX_BURST + 5; i++)
		pkt_input(e, pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC,
					   PKT_PEER_IP, &zero, PKT_OUR_IP));
	CU_ASSERT_EQUAL(e->ntx, NET_TX_BURST);
	CU_ASSERT_EQUAL(e->tx_calls, 1);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, NET_TX_BURST + 5);
	CU_ASSERT_EQUAL(cnt(e)->tx_pkts, NET_TX_BURST + 5);
	CU_ASSERT_EQUAL(cnt(e)->tx_bytes, (NET_TX_BURST + 5) * 60);
	/* frames still queued when the stack goes are freed, not sent */
	pkt_input(e, pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC,
				   PKT_PEER_IP, &zero, PKT_OUR_IP));
	done(e);
}

/* ------------------------------------------------------------ steering */

static void test_flow_owner(void)
{
	const unsigned nowners = 4;
	unsigned hist[4] = { 0 };
	const struct rte_ether_addr zero = { { 0 } };
	struct rte_mbuf *m;

	CU_ASSERT_EQUAL_FATAL(pkt_eal_init(), 0);
	for (unsigned port = 1024; port < 3024; port++) {
		struct pkt_tcp in = pkt_tcp_default(), out = pkt_tcp_default();
		int a, b;

		in.sport = (uint16_t)port;
		out.ip.src = PKT_OUR_IP, out.ip.dst = PKT_PEER_IP;
		out.sport = PKT_OUR_PORT, out.dport = (uint16_t)port;
		m = pkt_build_tcp(&in);
		a = net_flow_owner(m, nowners);
		rte_pktmbuf_free(m);
		m = pkt_build_tcp(&out);
		b = net_flow_owner(m, nowners);
		rte_pktmbuf_free(m);
		CU_ASSERT_EQUAL(a, b);
		CU_ASSERT(a >= 0 && a < (int)nowners);
		CU_ASSERT_EQUAL(a, (int)(net_flow_hash(PKT_OUR_IP, PKT_OUR_PORT, PKT_PEER_IP,
						       (uint16_t)port) % nowners));
		if (a >= 0 && a < (int)nowners)
			hist[a]++;
	}
	for (unsigned i = 0; i < nowners; i++)
		CU_ASSERT(hist[i] > 400); /* 500 each when even */

	m = pkt_tcp(RTE_TCP_SYN_FLAG, 1, 0, NULL, 0);
	CU_ASSERT_EQUAL(net_flow_owner(m, 1), 0);
	CU_ASSERT_EQUAL(net_flow_owner(m, 0), -1);
	rte_pktmbuf_trim(m, m->pkt_len - (14 + 20 + 2)); /* ports cut */
	CU_ASSERT_EQUAL(net_flow_owner(m, nowners), -1);
	rte_pktmbuf_free(m);
	m = pkt_build_arp(&PKT_BCAST_MAC, RTE_ARP_OP_REQUEST, &PKT_PEER_MAC, PKT_PEER_IP, &zero,
			  PKT_OUR_IP);
	CU_ASSERT_EQUAL(net_flow_owner(m, nowners), -1);
	rte_pktmbuf_free(m);
	struct pkt_ip ip = pkt_ip_default();
	m = pkt_build_icmp(&ip, RTE_IP_ICMP_ECHO_REQUEST, 1, 1, NULL, 0);
	CU_ASSERT_EQUAL(net_flow_owner(m, nowners), -1);
	rte_pktmbuf_free(m);
	ip.frag = 100;
	m = pkt_build_ipv4(&ip, IPPROTO_TCP, "abcdefgh", 8);
	CU_ASSERT_EQUAL(net_flow_owner(m, nowners), -1);
	rte_pktmbuf_free(m);
	m = pkt_build_raw("\x02\0\0\0\0\x02", 6);
	CU_ASSERT_EQUAL(net_flow_owner(m, nowners), -1);
	rte_pktmbuf_free(m);
	CU_ASSERT_EQUAL(pkt_pool_in_use(), 0);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "cfg defaults and validation", test_cfg_defaults },
		{ "tsc clock", test_tsc_clock },
		{ "ARP reply only for our address", test_arp_reply },
		{ "ARP learn, resolve, rate limit, expiry", test_arp_resolve },
		{ "gratuitous ARP", test_gratuitous_arp },
		{ "ICMP echo reply, sizes, chains, options", test_icmp_echo },
		{ "ICMP echo with checksum offload", test_icmp_offload },
		{ "ICMP echo from a shared mbuf", test_icmp_shared_mbuf },
		{ "bad IPv4 and TCP checksums", test_ipv4_checksums },
		{ "RX checksum flags trusted", test_rx_cksum_flags },
		{ "truncated headers", test_truncated },
		{ "malformed IPv4 and other protocols", test_malformed },
		{ "Ethernet padding trimmed", test_padding_trimmed },
		{ "IP options skipped, SYN reaches TCP", test_ip_options_reach_tcp },
		{ "fragments dropped", test_fragments },
		{ "not for us", test_not_for_us },
		{ "non-IPv4 ethertypes", test_ethertypes },
		{ "TX: ipv4_fill + software checksums", test_tx_software },
		{ "TX: checksum offload", test_tx_offload },
		{ "TX: batching", test_tx_batch },
		{ "flow owner: symmetric, spread, -1", test_flow_owner },
	};

	if (pkt_eal_init() != 0)
		return 1;
	return cunit_run_one("ip", tests);
}
