/*
 * TCP-lite at its edges, through the fake port: sequence numbers that wrap,
 * window scaling and the right edge, ACK pacing, resources (mbufs held,
 * orphans, cwnd), every close path freeing what it held, TIME_WAIT reuse
 * and RST in every state. The test plays the peer (tcp_peer.h).
 */
#include <errno.h>
#include <string.h>

#include "net/tcp_int.h"
#include "pkt_harness.h"
#include "tcp_peer.h"
#include "../unit/cunit_main.h"

/* Mbufs out of the pool that the stack holds (captured frames aside). */
static unsigned held_mbufs(const struct pkt_env *e)
{
	return pkt_pool_in_use() - e->ntx;
}

/* ------------------------------------------------------------ ACK pacing */

/* The transport asks for a window update after every flush, and an ACK
 * of our data kicks output: neither may turn a delayed ACK into an
 * immediate one while the window did not really grow (with window
 * scaling the kept edge is rounded up to the scale unit). */
static void test_delayed_ack_kept(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	static uint8_t d[2 * MSS];

	fill_pattern(d, sizeof(d), 1);
	/* The first ACK opens the window from the SYN's 65535 to rcvbuf. */
	peer_data(e, &p, d, 1);
	pkt_run(e, 2000, 1000);
	CU_ASSERT(take(e, &g_f) && g_f.win == (256 * 1024) >> 3);
	peer_data(e, &p, d, 101);
	tcp_window_update(c->tc);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	/* Our reply is ACKed by the peer's next request: still delayed. */
	CU_ASSERT_EQUAL(tcp_send(c->tc, "+OK\r\n", 5), 5);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.payload_len, 5);
	p.una += 5;
	peer_data(e, &p, d, 33);
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_run(e, 2000, 1000);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(e->ntx, 0);
	/* Every second full segment is ACKed at once, not every one. */
	peer_data(e, &p, d, MSS);
	tcp_window_update(c->tc);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	peer_data(e, &p, d + MSS, MSS);
	CU_ASSERT_EQUAL(e->ntx, 1);
	CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
	CU_ASSERT_EQUAL(c->rx_len, 1 + 101 + 33 + 2 * MSS);
	done(e);
}

/* ------------------------------------------------------------ windows */

/* Whatever the app does (pending input, reading off and on), each ACK's
 * right edge (ack + scaled window) is at or beyond the one before
 * (RFC 7323 §2.4, RFC 9293 §3.8.6.2.2), with and without scaling. */
static void edge_never_left(bool peer_scales)
{
	struct net_stack_cfg cfg;
	struct pkt_env *e;
	struct pkt_tcp t = pkt_tcp_default();
	struct peer p = { .port = PKT_PEER_PORT, .win = 65535 };
	struct pkt_conn *c;
	static uint8_t d[3000];
	uint32_t edge = 0, shift;
	unsigned acks = 0;

	pkt_default_cfg(&cfg);
	cfg.rcvbuf = 200000;
	e = env_cfg(&cfg);
	t.flags = SYN;
	t.seq = PEER_ISN;
	pkt_opt_mss(&t, MSS);
	if (peer_scales) {
		pkt_opt_nop(&t);
		pkt_opt_wscale(&t, 2);
	}
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	shift = peer_scales ? 2 : 0;    /* 200000 >> 2 fits 16 bits */
	CU_ASSERT_EQUAL(g_f.wscale, peer_scales ? 2 : -1);
	p.una = g_f.seq + 1;
	p.snd = PEER_ISN + 1;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(e->nconns, 1);
	c = &e->conns[0];
	fill_pattern(d, sizeof(d), 2);
	for (unsigned i = 0; i < 400; i++) {
		uint32_t len = 1 + (i * 577) % sizeof(d);
		uint32_t win = peer_scales ? 200000 : 65535;

		switch (i % 7) {
		case 0: c->pending = (i * 7919) % 250000; break;
		case 1: tcp_set_reading(c->tc, i % 3 != 0); break;
		case 2: c->pending = 0; tcp_window_update(c->tc); break;
		default: break;
		}
		/* The peer sends only what the last window allowed. */
		if (edge && seq_gt(p.snd + len, edge))
			len = seq_gt(edge, p.snd) ? edge - p.snd : 0;
		if (len > MSS)
			len = MSS;
		if (len)
			peer_data(e, &p, d, len);
		pkt_run(e, 1000, 1000);
		while (take(e, &g_f)) {
			uint32_t ed = g_f.ack + ((uint32_t)g_f.win << shift);

			if (edge)
				CU_ASSERT(seq_ge(ed, edge));
			CU_ASSERT((uint32_t)g_f.win << shift <= win);
			edge = seq_max(edge ? edge : ed, ed);
			acks++;
		}
	}
	CU_ASSERT(acks > 50);
	CU_ASSERT_EQUAL(cnt(e)->tcp_rcvbuf_limit, 0);   /* the peer kept to it */
	done(e);
}

static void test_right_edge_scaled(void)
{
	edge_never_left(true);
}

static void test_right_edge_unscaled(void)
{
	edge_never_left(false);
}

/* ------------------------------------------------------------ wrap */

/* Our ISS is a keyed hash of the 4-tuple plus a 4 us clock: start the
 * same conn at the clock that puts it at want. */
static uint64_t clock_for_iss(uint32_t want)
{
	struct pkt_env *e = env();
	struct pkt_tcp t = pkt_tcp_default();
	uint32_t iss;

	t.flags = SYN;
	t.seq = PEER_ISN;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	iss = g_f.seq;
	done(e);
	return T0 + 4ull * (uint32_t)(want - iss);
}

/* Both sequence spaces wrap within the first few hundred bytes: data
 * both ways, out of order, retransmission and FIN across 2^32. */
static void test_seq_wrap(void)
{
	static uint8_t d[4000], r[3000];
	struct pkt_env *e;
	struct peer p;
	struct pkt_conn *c;
	uint64_t at = clock_for_iss(0xffffff80u);
	uint32_t base, s0;

	e = env();
	pkt_clock_set(e, at);
	c = handshake_isn(e, &p, PKT_PEER_PORT, 0xffffff00u);
	CU_ASSERT_EQUAL_FATAL(p.una, 0xffffff81u);
	fill_pattern(d, sizeof(d), 3);
	fill_pattern(r, sizeof(r), 4);
	base = p.snd;
	/* In: [200,400) and [400,600) before [0,200); the seq wraps at 255. */
	peer_send(e, &p, ACK, base + 400, d + 400, 200);
	peer_send(e, &p, ACK, base + 200, d + 200, 200);
	CU_ASSERT_EQUAL(c->rx_len, 0);
	pkt_tx_clear(e);
	peer_send(e, &p, ACK, base, d, 200);
	p.snd = base + 600;
	CU_ASSERT_EQUAL_FATAL(c->rx_len, 600);
	CU_ASSERT_EQUAL(memcmp(c->rx, d, 600), 0);
	CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
	/* Old data across the wrap is trimmed, new data kept. */
	peer_send(e, &p, ACK, base + 500, d + 500, 300);
	p.snd = base + 800;
	CU_ASSERT_EQUAL_FATAL(c->rx_len, 800);
	CU_ASSERT_EQUAL(memcmp(c->rx, d, 800), 0);
	pkt_tx_clear(e);

	/* Out: 3000 bytes from 0xffffff81; the peer ACKs 1000, then
	 * nothing: the rest comes again from the RTO. */
	s0 = p.una;
	CU_ASSERT_EQUAL(tcp_send(c->tc, r, sizeof(r)), (ssize_t)sizeof(r));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 3);
	pkt_tx_clear(e);
	p.una = s0 + 1000;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_run(e, 250000, 1000);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.seq, s0 + 1000);
	CU_ASSERT_EQUAL(g_f.payload_len, MSS);
	CU_ASSERT_EQUAL(memcmp(g_f.payload, r + 1000, MSS), 0);
	p.una = s0 + 3000;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	pkt_run(e, 2000000, 10000);
	CU_ASSERT_EQUAL(e->ntx, 0);                  /* all acked: no timer left */

	/* FIN from the peer, then ours. */
	peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);
	p.snd++;
	CU_ASSERT(c->eof);
	CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
	tcp_close(c->tc);
	pkt_poll(e);
	CU_ASSERT(take(e, &g_f) && (g_f.flags & FIN) && g_f.seq == s0 + 3000);
	p.una = s0 + 3001;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_retransmits, 1);
	done(e);
}

/* ------------------------------------------------------------ resources */

/* A peer sending one tiny segment per write while the app does not read:
 * the held bytes are bounded by the window, and the mbufs holding them
 * must be bounded too (not one 2 KB mbuf per 10 bytes). */
static void test_held_tiny_segments(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	static uint8_t d[4000];

	fill_pattern(d, sizeof(d), 5);
	tcp_set_reading(c->tc, false);
	for (unsigned i = 0; i < 400; i++) {
		peer_data(e, &p, d + 10 * i, 10);
		pkt_tx_clear(e);
	}
	CU_ASSERT_EQUAL(c->rx_len, 0);
	CU_ASSERT(held_mbufs(e) <= 4);
	tcp_set_reading(c->tc, true);
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(c->rx_len, sizeof(d));
	CU_ASSERT_EQUAL(memcmp(c->rx, d, sizeof(d)), 0);
	CU_ASSERT_EQUAL(held_mbufs(e), 0);
	/* Reading off mid-way through held data: the rest stays, in order. */
	tcp_set_reading(c->tc, false);
	for (unsigned i = 0; i < 100; i++)
		peer_data(e, &p, d + 10 * i, 10);
	e->hooks.recv = NULL;
	tcp_set_reading(c->tc, true);
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(c->rx_len, sizeof(d) + 1000);
	CU_ASSERT_EQUAL(memcmp(c->rx + sizeof(d), d, 1000), 0);
	done(e);
}

/* The app closed the conn with replies queued, and the peer never opens
 * its window again: the orphan is reset, not kept for ever. */
static void test_orphan_zero_window(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	static uint8_t d[100000];
	bool rst = false;

	p.win = 0;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d, sizeof(d)), (ssize_t)sizeof(d));
	tcp_close(c->tc);
	pkt_poll(e);
	CU_ASSERT(c->closed);
	for (unsigned s = 0; s < 600 && cnt(e)->tcp_conns; s++) {
		pkt_run(e, 1000000, 10000);
		while (take(e, &g_f)) {
			if (g_f.flags & RST) {
				rst = true;
				continue;
			}
			CU_ASSERT_EQUAL(g_f.payload_len, 0);
			peer_send(e, &p, ACK, p.snd, NULL, 0);   /* still shut */
		}
	}
	CU_ASSERT(rst);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT(e->now_us - T0 < 180000000ull);
	CU_ASSERT_EQUAL(cnt(e)->tcp_timeouts, 1);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_ERROR, -1), 0);   /* the app had let go */
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_CLOSED, -1), 1);
	CU_ASSERT_EQUAL(held_mbufs(e), 0);
	done(e);
}

/* cwnd grows by every ACK while nothing is lost; near its ceiling it must
 * stay there, not wrap to 0 (a conn with nothing in flight and cwnd 0
 * sends nothing again, and has no timer). */
static void test_cwnd_ceiling(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	c->tc->ssthresh = 2 * MSS;             /* congestion avoidance: +1 per ACK up there */
	c->tc->cwnd = UINT32_MAX - 2;
	for (unsigned i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(tcp_send(c->tc, "x", 1), 1);
		pkt_poll(e);
		if (!take(e, &g_f)) {
			CU_FAIL("nothing sent: cwnd wrapped");
			break;
		}
		CU_ASSERT_EQUAL(g_f.payload_len, 1);
		p.una++;
		peer_send(e, &p, ACK, p.snd, NULL, 0);
	}
	CU_ASSERT(c->tc->cwnd >= 10 * MSS);
	done(e);
}

/* Every way a conn ends frees what it held: send queue (some of it in
 * flight), out-of-order and held input, while the stack runs on. */
static struct pkt_conn *loaded_conn(struct pkt_env *e, struct peer *p, uint16_t port)
{
	static uint8_t d[20000];
	struct pkt_conn *c = handshake_port(e, p, port);

	fill_pattern(d, sizeof(d), 6);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d, sizeof(d)), (ssize_t)sizeof(d));
	pkt_poll(e);
	tcp_set_reading(c->tc, false);
	peer_data(e, p, d, 700);
	peer_send(e, p, ACK, p->snd + 1000, d, 600);       /* out of order */
	pkt_tx_clear(e);
	CU_ASSERT(held_mbufs(e) > 5);
	return c;
}

static void test_no_leak_on_any_end(void)
{
	static const uint8_t hole[1000];
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c;
	uint64_t start;
	uint32_t end;

	/* reset by the peer */
	c = loaded_conn(e, &p, 42001);
	peer_send(e, &p, RST, p.snd, NULL, 0);
	CU_ASSERT(c->closed && c->err == ECONNRESET);
	pkt_tx_clear(e);
	CU_ASSERT_EQUAL(held_mbufs(e), 0);
	/* aborted by the app */
	c = loaded_conn(e, &p, 42002);
	tcp_abort(c->tc);
	pkt_poll(e);
	CU_ASSERT(c->closed);
	pkt_tx_clear(e);
	CU_ASSERT_EQUAL(held_mbufs(e), 0);
	/* closed by the app; the peer fills its hole, takes it all, closes */
	c = loaded_conn(e, &p, 42003);
	end = p.una + 20000 + 1;                          /* data, FIN */
	tcp_close(c->tc);
	peer_send(e, &p, ACK, p.snd, hole, sizeof(hole));  /* [700,1700): OOO follows */
	p.snd += 1600;
	for (unsigned round = 0; round < 200 && p.una != end; round++) {
		pkt_run(e, 10000, 1000);
		while (take(e, &g_f))
			if (g_f.seq == p.una)
				p.una += (uint32_t)g_f.payload_len + !!(g_f.flags & FIN);
		peer_send(e, &p, ACK, p.snd, NULL, 0);
	}
	CU_ASSERT_EQUAL(p.una, end);
	peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);
	pkt_run(e, 1100000, 10000);
	pkt_tx_clear(e);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(held_mbufs(e), 0);
	/* given up: nothing ever acknowledged */
	c = loaded_conn(e, &p, 42004);
	start = e->now_us;
	while (!c->closed && e->now_us - start < 20000000) {
		pkt_run(e, 100000, 10000);
		pkt_tx_clear(e);
	}
	CU_ASSERT(c->closed && c->err == ETIMEDOUT);
	CU_ASSERT_EQUAL(held_mbufs(e), 0);
	done(e);
}

/* A deep pipeline and a half close (shutdown(SHUT_WR), as redis-cli
 * --pipe-like clients do): every reply, more than the send buffer holds,
 * still arrives, then our FIN. */
struct hc_state {
	const uint8_t *reply;
	size_t len, sent;
	bool closed;
};

static struct hc_state g_hc;

static void hc_push(struct pkt_env *e, struct pkt_conn *c)
{
	(void)e;
	while (g_hc.sent < g_hc.len) {
		ssize_t n = tcp_send(c->tc, g_hc.reply + g_hc.sent, g_hc.len - g_hc.sent);

		CU_ASSERT_FATAL(n >= 0);
		if (!n)
			return;             /* writable() comes back */
		g_hc.sent += (size_t)n;
	}
	if (!g_hc.closed) {
		g_hc.closed = true;
		tcp_close(c->tc);
	}
}

static void test_half_close_replies(void)
{
	static uint8_t reply[600000], got[600000];
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	uint32_t s0 = p.una;
	bool fin = false;

	fill_pattern(reply, sizeof(reply), 7);
	g_hc = (struct hc_state){ .reply = reply, .len = sizeof(reply) };
	e->hooks.eof = hc_push;
	e->hooks.writable = hc_push;
	peer_send(e, &p, ACK | PSH | FIN, p.snd, "GET k\r\n", 7);
	p.snd += 8;
	CU_ASSERT(c->eof);
	for (unsigned round = 0; round < 5000 && !fin; round++) {
		pkt_run(e, 1000, 1000);
		while (take(e, &g_f)) {
			uint32_t off = g_f.seq - s0;

			if (g_f.payload_len && g_f.seq == p.una) {
				CU_ASSERT_FATAL(off + g_f.payload_len <= sizeof(got));
				memcpy(got + off, g_f.payload, g_f.payload_len);
				p.una += (uint32_t)g_f.payload_len;
			}
			if ((g_f.flags & FIN) && g_f.seq + g_f.payload_len == p.una) {
				p.una++;
				fin = true;
			}
		}
		peer_send(e, &p, ACK, p.snd, NULL, 0);
	}
	CU_ASSERT(fin);
	CU_ASSERT_EQUAL(p.una - s0, sizeof(reply) + 1);
	CU_ASSERT_EQUAL(memcmp(got, reply, sizeof(reply)), 0);
	CU_ASSERT(c->writable_calls > 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	done(e);
}

/* The client keeps its window shut for a long time (it stopped reading),
 * then opens it with a window update of its own: the data goes at once,
 * not at the next (backed-off) probe. */
static void test_window_reopens_by_update(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	static uint8_t d[50000];

	fill_pattern(d, sizeof(d), 8);
	p.win = 0;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d, sizeof(d)), (ssize_t)sizeof(d));
	for (unsigned s = 0; s < 60; s++) {
		pkt_run(e, 1000000, 10000);
		while (take(e, &g_f))
			peer_send(e, &p, ACK, p.snd, NULL, 0);
	}
	CU_ASSERT_FALSE(c->closed);
	p.win = 65535;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT(e->ntx >= 10);
	CU_ASSERT(take(e, &g_f) && g_f.seq == p.una && g_f.payload_len == MSS);
	done(e);
}

/* ------------------------------------------------------------ TIME_WAIT, RST */

/* Drive the conn on port into TIME_WAIT (we closed first). */
static void to_time_wait(struct pkt_env *e, struct peer *p, uint16_t port)
{
	struct pkt_conn *c = handshake_port(e, p, port);

	tcp_close(c->tc);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f) && (g_f.flags & FIN));
	p->una++;
	peer_send(e, p, ACK | FIN, p->snd, NULL, 0);
	p->snd++;
	CU_ASSERT(take(e, &g_f) && g_f.ack == p->snd);
}

static void test_time_wait_reuse(void)
{
	struct pkt_env *e = env();
	struct pkt_tcp t = pkt_tcp_default();
	struct peer p;
	uint32_t old_end;

	/* A Linux client reuses the port with a higher ISN: a new conn. */
	to_time_wait(e, &p, 43000);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);
	t.sport = 43000;
	t.flags = SYN;
	t.seq = p.snd + 100000;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, SYN | ACK);
	CU_ASSERT_EQUAL(g_f.ack, t.seq + 1);
	p.snd = t.seq + 1;
	p.una = g_f.seq + 1;
	peer_data(e, &p, "PING\r\n", 6);
	CU_ASSERT_EQUAL_FATAL(e->nconns, 2);
	CU_ASSERT_EQUAL(e->conns[1].rx_len, 6);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);

	/* A lower ISN: a challenge ACK; the client answers it with a RST
	 * (seq = that ACK), which ends TIME_WAIT; its next SYN is served. */
	to_time_wait(e, &p, 43001);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 2);
	old_end = p.snd;
	t.sport = 43001;
	t.seq = p.snd - 5000;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, ACK);
	CU_ASSERT_EQUAL(g_f.ack, old_end);
	p.port = 43001;
	peer_send(e, &p, RST, g_f.ack, NULL, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);       /* only the conn on 43000 */
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT(take(e, &g_f) && g_f.flags == (SYN | ACK) && g_f.ack == t.seq + 1);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 2);
	done(e);
}

/* RST with the exact sequence number in each state: the conn goes, the
 * app hears ECONNRESET only while it still has the conn, closed() once. */
static void test_rst_every_state(void)
{
	enum { EST, CLOSE_WAIT, LAST_ACK, FIN_WAIT_1, FIN_WAIT_2, CLOSING, TIME_WAIT, N };
	struct pkt_env *e = env();

	for (int st = 0; st < N; st++) {
		uint16_t port = (uint16_t)(44000 + st);
		struct peer p;
		struct pkt_conn *c = handshake_port(e, &p, port);
		bool app_has_it = st == EST || st == CLOSE_WAIT;

		if (st == CLOSE_WAIT || st == LAST_ACK) {
			peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);
			p.snd++;
		}
		if (st >= LAST_ACK) {
			tcp_close(c->tc);
			pkt_poll(e);
		}
		if (st == FIN_WAIT_2 || st == TIME_WAIT) {
			p.una++;
			peer_send(e, &p, ACK, p.snd, NULL, 0);
		}
		if (st == CLOSING || st == TIME_WAIT) {
			peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);
			p.snd++;
		}
		pkt_tx_clear(e);
		CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);
		peer_send(e, &p, RST, p.snd, NULL, 0);
		CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
		CU_ASSERT_EQUAL(e->ntx, 0);
		CU_ASSERT(c->closed);
		CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_CLOSED, c->idx), 1);
		CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_ERROR, c->idx), app_has_it ? 1 : 0);
		if (app_has_it)
			CU_ASSERT_EQUAL(c->err, ECONNRESET);
		/* Nothing of it answers later segments but the RST for strangers. */
		peer_send(e, &p, ACK, p.snd, "x", 1);
		CU_ASSERT(take(e, &g_f) && g_f.flags == RST);
	}
	done(e);
}

/* A SYN flood from many ports: memory stays bounded by the SYN backlog,
 * the half-open conns expire, and then a real client gets in. */
static void test_syn_flood_bounded(void)
{
	struct net_stack_cfg cfg;
	struct pkt_env *e;
	struct pkt_tcp t = pkt_tcp_default();
	struct peer p;

	pkt_default_cfg(&cfg);
	cfg.syn_backlog = 64;
	e = env_cfg(&cfg);
	t.flags = SYN;
	for (unsigned i = 0; i < 3000; i++) {
		t.sport = (uint16_t)(1024 + i);
		t.seq = i * 7777;
		pkt_input(e, pkt_build_tcp(&t));
		if (i % 100 == 99) {
			pkt_poll(e);
			pkt_tx_clear(e);
		}
	}
	pkt_poll(e);
	pkt_tx_clear(e);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 64);
	CU_ASSERT_EQUAL(cnt(e)->tcp_syn_limit, 3000 - 64);
	CU_ASSERT_EQUAL(held_mbufs(e), 0);
	for (unsigned s = 0; s < 20; s++) {
		pkt_run(e, 1000000, 100000);
		pkt_tx_clear(e);
	}
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(e->nev, 0);
	handshake(e, &p);
	CU_ASSERT_EQUAL(e->nconns, 1);
	done(e);
}

/* ------------------------------------------------------------ send side */

/* Payload leaves as clones of the send queue: a retransmission, data
 * queued after a partial ACK (written into the same piece) and the ACK
 * itself must not change a frame the NIC may still be sending. */
static void test_rexmt_while_frames_in_tx(void)
{
	static uint8_t d[5000], first[2][MSS];
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	struct rte_mbuf *inflight[2];
	uint32_t s0 = p.una;

	fill_pattern(d, sizeof(d), 9);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d, 2000), 2000);
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(e->ntx, 2);
	/* Keep the two frames as a TX ring would. */
	inflight[0] = e->tx[0];
	inflight[1] = e->tx[1];
	e->ntx = 0;
	CU_ASSERT(inflight[0]->nb_segs > 1);          /* chained, not copied */
	p.una = s0 + 700;                             /* partial, mid-piece */
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d + 2000, 3000), 3000);
	pkt_poll(e);
	pkt_tx_clear(e);
	pkt_run(e, 250000, 1000);                     /* RTO: from 700 again */
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.seq, s0 + 700);
	CU_ASSERT_EQUAL(memcmp(g_f.payload, d + 700, g_f.payload_len), 0);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL(pkt_parse(inflight[i], &g_f), 0);
		memcpy(first[i], g_f.payload, g_f.payload_len);
		CU_ASSERT(g_f.tcp_cksum_ok);
		CU_ASSERT_EQUAL(g_f.seq, s0 + (uint32_t)i * MSS);
		rte_pktmbuf_free(inflight[i]);
	}
	CU_ASSERT_EQUAL(memcmp(first[0], d, MSS), 0);
	CU_ASSERT_EQUAL(memcmp(first[1], d + MSS, 2000 - MSS), 0);
	done(e);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "delayed ACK kept (window rounding, ACKs of ours)", test_delayed_ack_kept },
		{ "right edge never moves left, scaled", test_right_edge_scaled },
		{ "right edge never moves left, peer without wscale", test_right_edge_unscaled },
		{ "sequence numbers wrap both ways", test_seq_wrap },
		{ "held input: tiny segments, bounded mbufs", test_held_tiny_segments },
		{ "orphan behind a shut window is reset", test_orphan_zero_window },
		{ "cwnd stays below its ceiling", test_cwnd_ceiling },
		{ "every end of a conn frees its mbufs", test_no_leak_on_any_end },
		{ "half close: all replies, then FIN", test_half_close_replies },
		{ "shut window reopened by the peer's update", test_window_reopens_by_update },
		{ "TIME_WAIT reused by a new SYN", test_time_wait_reuse },
		{ "RST in every state", test_rst_every_state },
		{ "SYN flood: bounded, expires", test_syn_flood_bounded },
		{ "retransmission while frames are in TX", test_rexmt_while_frames_in_tx },
	};

	if (pkt_eal_init() != 0)
		return 1;
	return cunit_run_one("tcp_edge", tests);
}
