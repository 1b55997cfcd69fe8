/*
 * libFuzzer target for lib/net's input path: arbitrary Ethernet frames
 * through net_input() of a real stack (ARP, IPv4, ICMP, TCP) over the
 * packet tests' fake port, with a clock that moves between frames.
 *
 * Input: byte 0 = mode, then records [ctl u8][len u16 big-endian][len bytes].
 *   mode bits 0-2  io.tx_ip_cksum / tx_tcp_cksum / rx_cksum
 *   mode bit 3     the app refuses connections
 *   mode bit 4     the app echoes what it receives (tcp_send)
 *   mode bit 5     the app closes on EOF; with bit 4 also aborts on '!'
 *   mode bit 6     small buffers and MTU 576
 *   mode bit 7     the app stops reading after the first recv
 *   ctl bit 0      fix the frame's IPv4/TCP/ICMP checksums before input
 *   ctl bit 1      set the TCP ACK field to what the stack sent last (snd_nxt)
 *   ctl bits 2-3   deliver as a chain of 1..4 segments
 *   ctl bits 4-7   then advance the clock by n*n*10 ms, and net_poll
 * Random checksums almost never pass, so bits 0-1 let the fuzzer reach
 * TCP's states. Checked besides the sanitizers: counters add up, and no
 * mbuf is left allocated once the stack is freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_harness.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

struct fuzz_state {
	uint32_t snd_nxt;   /* the sequence number after the stack's last segment */
	bool stop_reading;
};

static void fix_frame(uint8_t *b, size_t len, bool set_ack, uint32_t ack)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(b + RTE_ETHER_HDR_LEN);
	size_t hl, total;
	uint8_t *l4;

	if (len < RTE_ETHER_HDR_LEN + sizeof(*ip) || b[12] != 0x08 || b[13] != 0x00)
		return;
	hl = rte_ipv4_hdr_len(ip);
	if (hl < sizeof(*ip) || RTE_ETHER_HDR_LEN + hl > len)
		return;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	total = rte_be_to_cpu_16(ip->total_length);
	if (total < hl || RTE_ETHER_HDR_LEN + total > len)
		return;
	l4 = (uint8_t *)ip + hl;
	if (ip->next_proto_id == IPPROTO_TCP && total - hl >= sizeof(struct rte_tcp_hdr)) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;

		if (set_ack)
			th->recv_ack = rte_cpu_to_be_32(ack);
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else if (ip->next_proto_id == IPPROTO_ICMP && total - hl >= sizeof(struct rte_icmp_hdr)) {
		struct rte_icmp_hdr *ih = (struct rte_icmp_hdr *)l4;

		ih->icmp_cksum = 0;
		ih->icmp_cksum = (uint16_t)~rte_raw_cksum(l4, total - hl);
	}
}

/* Parse (and so read every byte of) what the stack emitted; remember its
 * snd_nxt for the next ACK. */
static void drain_tx(struct pkt_env *e, struct fuzz_state *st, struct pkt_frame *f)
{
	while (pkt_tx_take(e, f) == 0) {
		CHECK(f->len >= RTE_ETHER_HDR_LEN);
		if (f->ipv4) {
			CHECK(f->ip_cksum_ok && f->ip_src == PKT_OUR_IP);
			CHECK(f->ip_len <= e->cfg.mtu);
		}
		if (f->tcp) {
			CHECK(f->tcp_cksum_ok && !f->opts_bad);
			st->snd_nxt = f->seq + (uint32_t)f->payload_len +
				      !!(f->flags & RTE_TCP_SYN_FLAG) + !!(f->flags & RTE_TCP_FIN_FLAG);
		}
	}
}

static void on_recv(struct pkt_env *e, struct pkt_conn *c, char *data, size_t len)
{
	struct fuzz_state *st = e->hooks.arg;

	if (st->stop_reading) {
		tcp_set_reading(c->tc, false);
		return;
	}
	if (memchr(data, '!', len) && e->hooks.eof) {
		tcp_abort(c->tc);
		return;
	}
	if (tcp_send(c->tc, data, len) < 0)
		tcp_close(c->tc);
}

static void on_eof(struct pkt_env *e, struct pkt_conn *c)
{
	tcp_close(c->tc);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (pkt_eal_init() != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pkt_frame frame; /* 16 KiB: not on the stack */
	static uint8_t buf[PKT_FRAME_MAX];
	struct fuzz_state st = { 0 };
	struct net_stack_cfg cfg;
	uint64_t frames = 0;
	struct pkt_env *e;
	uint8_t mode;
	size_t off = 1;

	if (size < 1)
		return 0;
	mode = data[0];
	pkt_default_cfg(&cfg);
	cfg.max_conns = 16;
	cfg.syn_backlog = 8;
	cfg.ooo_max = 8;
	if (mode & 0x40) {
		cfg.mtu = 576;
		cfg.rcvbuf = 2048;
		cfg.sndbuf = 2048;
	}
	e = pkt_env_new(&cfg, mode & 7);
	CHECK(e);
	e->refuse = mode & 0x08;
	e->hooks.arg = &st;
	if (mode & 0x10)
		e->hooks.recv = on_recv;
	if (mode & 0x20)
		e->hooks.eof = on_eof;
	st.stop_reading = mode & 0x80;
	if (st.stop_reading)
		e->hooks.recv = on_recv;
	pkt_clock_set(e, 1000000);

	while (off + 3 <= size) {
		uint8_t ctl = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		struct rte_mbuf *m;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (len > sizeof(buf))
			len = sizeof(buf);
		memcpy(buf, data + off, len);
		off += len;
		if (ctl & 1)
			fix_frame(buf, len, ctl & 2, st.snd_nxt);
		m = pkt_build_chain(buf, len, 54, ((ctl >> 2) & 3) + 1u);
		CHECK(m);
		pkt_input(e, m);
		frames++;
		pkt_clock_advance(e, (uint64_t)(ctl >> 4) * (ctl >> 4) * 10000);
		pkt_poll(e);
		drain_tx(e, &st, &frame);
	}
	/* let every timer run out: retransmissions, TIME_WAIT, give-up */
	for (int i = 0; i < 40; i++) {
		pkt_clock_advance(e, 2000000);
		pkt_poll(e);
		drain_tx(e, &st, &frame);
	}

	const struct net_counters *c = net_counters(e->ns);

	CHECK(c->rx_pkts == frames);
	CHECK(c->rx_drops <= frames);
	CHECK(c->rx_truncated + c->rx_csum_errors + c->rx_ip_frags <= c->rx_drops);
	CHECK(e->tx_offload_errors == 0 && e->tx_overflow == 0);
	for (unsigned i = 0; i < e->nconns; i++)
		CHECK(pkt_events(e, PKT_EV_CLOSED, (int)i) <= 1);
	pkt_env_free(e);
	CHECK(pkt_pool_in_use() == 0);
	return 0;
}
