/*
 * TCP-lite through the fake port: the test plays the peer (a client at
 * PKT_PEER_IP:PKT_PEER_PORT) with crafted segments and checks every
 * segment the stack emits, the app upcalls and the counters, on a fake
 * clock. The last tests connect two stacks through two fake ports.
 */
#include <errno.h>
#include <string.h>

#include "net/net_int.h"
#include "pkt_harness.h"
#include "tcp_peer.h"
#include "../unit/cunit_main.h"

/* ------------------------------------------------------------ handshake */

static void test_handshake_options(void)
{
	struct pkt_env *e = env();
	struct pkt_tcp t = pkt_tcp_default();
	struct peer p = { 0 };
	struct pkt_conn *c;

	t.flags = SYN;
	t.seq = PEER_ISN;
	pkt_opt_mss(&t, 1400);
	pkt_opt_sack_ok(&t);
	pkt_opt_ts(&t, 12345, 0);
	pkt_opt_nop(&t);
	pkt_opt_wscale(&t, 7);
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, SYN | ACK);
	CU_ASSERT_EQUAL(g_f.ack, PEER_ISN + 1);
	CU_ASSERT_EQUAL(g_f.mss, 1460);            /* mtu 1500 - 40 */
	CU_ASSERT_EQUAL(g_f.wscale, 3);            /* 256 KiB rcvbuf >> 3 fits 16 bits */
	CU_ASSERT_FALSE(g_f.sack_ok);
	CU_ASSERT_FALSE(g_f.ts);                   /* never echoed: we do not use them */
	CU_ASSERT_EQUAL(g_f.win, 65535);
	CU_ASSERT_EQUAL(g_f.sport, PKT_OUR_PORT);
	CU_ASSERT_EQUAL(g_f.dport, PKT_PEER_PORT);
	CU_ASSERT(rte_is_same_ether_addr(&g_f.eth_dst, &PKT_PEER_MAC));
	CU_ASSERT_EQUAL(e->nconns, 0);             /* not accepted before the ACK */
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);

	p.port = PKT_PEER_PORT;
	p.win = 1000;
	p.una = g_f.seq + 1;
	peer_send(e, &p, ACK, PEER_ISN + 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(e->nconns, 1);
	c = &e->conns[0];
	CU_ASSERT_STRING_EQUAL(c->peer, "198.18.0.1:40000");
	CU_ASSERT_STRING_EQUAL(c->local, "198.18.0.2:6379");
	CU_ASSERT_EQUAL(cnt(e)->tcp_accepts, 1);
	CU_ASSERT_EQUAL(e->ntx, 0);

	/* The peer's MSS (1400) bounds our segments; its window is scaled by 7. */
	{
		static uint8_t big[3000];

		CU_ASSERT_EQUAL(tcp_send(c->tc, big, sizeof(big)), (ssize_t)sizeof(big));
		pkt_poll(e);
		CU_ASSERT_EQUAL(e->ntx, 3);
		CU_ASSERT(take(e, &g_f));
		CU_ASSERT_EQUAL(g_f.payload_len, 1400);
		CU_ASSERT_EQUAL(g_f.win, (256 * 1024) >> 3);
		CU_ASSERT(take(e, &g_f));
		CU_ASSERT_EQUAL(g_f.payload_len, 1400);
		CU_ASSERT(take(e, &g_f));
		CU_ASSERT_EQUAL(g_f.payload_len, 200);
	}
	done(e);

	/* No window scale option from the peer: none back, windows unscaled. */
	e = env();
	t = pkt_tcp_default();
	t.flags = SYN;
	t.seq = PEER_ISN;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.wscale, -1);
	CU_ASSERT_EQUAL(g_f.mss, 1460);
	p.una = g_f.seq + 1;
	p.win = 65535;
	peer_send(e, &p, ACK, PEER_ISN + 1, NULL, 0);
	peer_send(e, &p, ACK, PEER_ISN + 1, "x", 1);
	pkt_run(e, 3000, 1000);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.win, 65535);           /* min(rcvbuf, 65535), no scaling */
	CU_ASSERT_EQUAL(g_f.ack, PEER_ISN + 2);
	done(e);
}

static void test_syn_options_malformed(void)
{
	static const struct { uint8_t len; uint8_t b[12]; bool ok; } cases[] = {
		{ 4, { 2, 4, 5, 0xb4 }, true },                 /* MSS */
		{ 4, { 1, 1, 1, 0 }, true },                    /* NOPs, EOL */
		{ 8, { 30, 6, 1, 2, 3, 4, 2, 4 }, false },      /* MSS cut short by the end */
		{ 8, { 30, 6, 1, 2, 3, 4, 1, 0 }, true },       /* unknown kind with length */
		{ 4, { 0, 99, 99, 99 }, true },                 /* EOL: the rest is padding */
		{ 4, { 2, 3, 5, 1 }, false },                   /* MSS with length 3 */
		{ 4, { 3, 4, 7, 0 }, false },                   /* wscale with length 4 */
		{ 4, { 30, 0, 1, 1 }, false },                  /* length 0 */
		{ 4, { 30, 1, 1, 1 }, false },                  /* length 1 */
		{ 4, { 1, 1, 30, 9 }, false },                  /* length past the header */
		{ 4, { 1, 1, 1, 30 }, false },                  /* kind without length */
		{ 4, { 4, 3, 0, 0 }, false },                   /* SACK-permitted length 3 */
		{ 12, { 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1 }, true },  /* timestamps: ignored */
		{ 12, { 8, 9, 1, 2, 3, 4, 5, 6, 7, 1, 1, 1 }, false },  /* timestamps length 9 */
	};

	for (size_t i = 0; i < CUNIT_COUNT(cases); i++) {
		struct pkt_env *e = env();
		struct pkt_tcp t = pkt_tcp_default();
		uint64_t drops;

		t.flags = SYN;
		t.seq = PEER_ISN;
		memcpy(t.opts, cases[i].b, cases[i].len);
		t.optlen = cases[i].len;
		drops = cnt(e)->rx_drops;
		pkt_input(e, pkt_build_tcp(&t));
		pkt_poll(e);
		if (cases[i].ok) {
			CU_ASSERT(take(e, &g_f) && g_f.flags == (SYN | ACK));
			CU_ASSERT_EQUAL(g_f.mss, 1460);
		} else {
			CU_ASSERT_EQUAL(e->ntx, 0);
			CU_ASSERT_EQUAL(cnt(e)->rx_drops, drops + 1);
			CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
		}
		if (cases[i].ok != (cnt(e)->tcp_conns == 1))
			fprintf(stderr, "option case %zu wrong\n", i);
		done(e);
	}
}

static void test_dup_syn_and_synack_rexmt(void)
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
	/* The same SYN again: the SYN-ACK was lost, send it again. */
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, SYN | ACK);
	CU_ASSERT_EQUAL(g_f.seq, iss);
	CU_ASSERT_EQUAL(g_f.ack, PEER_ISN + 1);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);
	/* No answer: SYN-ACK again after 1 s, then 2 s. */
	pkt_run(e, 999000, 1000);
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_run(e, 2000, 1000);
	CU_ASSERT(take(e, &g_f) && g_f.flags == (SYN | ACK) && g_f.seq == iss);
	pkt_run(e, 1990000, 10000);
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_run(e, 20000, 10000);
	CU_ASSERT(take(e, &g_f) && g_f.flags == (SYN | ACK));
	/* Half-open conns do not live forever, and the app never hears of them. */
	pkt_run(e, 20000000, 100000);
	pkt_tx_clear(e);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(e->nev, 0);
	done(e);
}

static void test_isn_differs(void)
{
	struct pkt_env *e = env();
	struct pkt_tcp t = pkt_tcp_default();
	uint32_t a, b;

	t.flags = SYN;
	t.seq = PEER_ISN;
	pkt_input(e, pkt_build_tcp(&t));
	t.sport++;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	a = g_f.seq;
	CU_ASSERT_FATAL(take(e, &g_f));
	b = g_f.seq;
	CU_ASSERT_NOT_EQUAL(a, b);
	done(e);
}

/* ------------------------------------------------------------ receive */

static void test_data_ack_delivery(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	static uint8_t d[2 * MSS];

	fill_pattern(d, sizeof(d), 1);
	peer_data(e, &p, d, 100);
	CU_ASSERT_EQUAL(c->rx_len, 100);
	CU_ASSERT_EQUAL(memcmp(c->rx, d, 100), 0);
	/* Delayed: no ACK yet, one within ~1 ms. */
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_clock_advance(e, 999);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_clock_advance(e, 1001);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, ACK);
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(g_f.payload_len, 0);
	CU_ASSERT_EQUAL(g_f.win, (256 * 1024 - 0) >> 3);
	pkt_run(e, 10000, 1000);
	CU_ASSERT_EQUAL(e->ntx, 0);                /* just one */

	/* Two full-sized segments: ACK at once. */
	peer_data(e, &p, d, MSS);
	CU_ASSERT_EQUAL(e->ntx, 0);
	peer_data(e, &p, d + MSS, MSS);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(c->rx_len, 100 + 2 * MSS);
	CU_ASSERT_EQUAL(memcmp(c->rx + 100, d, 2 * MSS), 0);
	done(e);
}

static void reply_hook(struct pkt_env *e, struct pkt_conn *c, char *data, size_t len)
{
	(void)e;
	(void)data;
	(void)len;
	CU_ASSERT_EQUAL(tcp_send(c->tc, "+PONG\r\n", 7), 7);
}

static void test_ack_piggybacked(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	(void)c;
	e->hooks.recv = reply_hook;
	peer_data(e, &p, "PING\r\n", 6);
	CU_ASSERT_EQUAL(e->ntx, 1);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, ACK | PSH);
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(g_f.seq, p.una);
	CU_ASSERT_EQUAL(g_f.payload_len, 7);
	CU_ASSERT_EQUAL(memcmp(g_f.payload, "+PONG\r\n", 7), 0);
	pkt_run(e, 5000, 1000);
	CU_ASSERT_EQUAL(e->ntx, 0);                /* the delayed ACK went with the data */
	done(e);
}

static void test_ooo_then_fill(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	uint8_t d[300];
	uint32_t base = p.snd;

	fill_pattern(d, sizeof(d), 2);
	peer_send(e, &p, ACK, base + 200, d + 200, 100);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, base);            /* duplicate ACK at once */
	peer_send(e, &p, ACK, base + 100, d + 100, 100);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, base);
	CU_ASSERT_EQUAL(c->rx_len, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_ooo_segs, 2);
	peer_send(e, &p, ACK, base, d, 100);
	CU_ASSERT_EQUAL(c->rx_len, 300);
	CU_ASSERT_EQUAL(memcmp(c->rx, d, 300), 0);
	CU_ASSERT_EQUAL(e->ntx, 1);                /* one cumulative ACK, at once */
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, base + 300);
	done(e);
}

static void test_overlap_and_duplicates(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	uint8_t d[600];
	uint32_t b = p.snd;

	fill_pattern(d, sizeof(d), 3);
	peer_send(e, &p, ACK, b, d, 100);                 /* [0,100) in order */
	peer_send(e, &p, ACK, b + 50, d + 50, 100);       /* [50,150): half old */
	CU_ASSERT_EQUAL(c->rx_len, 150);
	peer_send(e, &p, ACK, b, d, 100);                 /* wholly old */
	CU_ASSERT_EQUAL(cnt(e)->tcp_dup_segs, 1);
	peer_send(e, &p, ACK, b + 300, d + 300, 100);     /* OOO [300,400) */
	peer_send(e, &p, ACK, b + 350, d + 350, 100);     /* [350,450): head overlaps it */
	peer_send(e, &p, ACK, b + 250, d + 250, 100);     /* [250,350): tail overlaps it */
	peer_send(e, &p, ACK, b + 320, d + 320, 50);      /* inside what is queued */
	peer_send(e, &p, ACK, b + 520, d + 520, 30);      /* [520,550) */
	peer_send(e, &p, ACK, b + 510, d + 510, 50);      /* [510,560) covers it */
	peer_send(e, &p, ACK, b + 440, d + 440, 80);      /* [440,520): both ends overlap */
	CU_ASSERT_EQUAL(c->rx_len, 150);
	CU_ASSERT_EQUAL(cnt(e)->tcp_dup_segs, 2);
	pkt_tx_clear(e);
	peer_send(e, &p, ACK, b + 100, d + 100, 150);     /* [100,250): fills the hole */
	CU_ASSERT_EQUAL(c->rx_len, 560);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, b + 560);
	peer_send(e, &p, ACK, b + 540, d + 540, 60);      /* [540,600): partly old */
	CU_ASSERT_EQUAL_FATAL(c->rx_len, 600);
	CU_ASSERT_EQUAL(memcmp(c->rx, d, 600), 0);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_RECV, 0), 9);  /* one per queued piece */
	CU_ASSERT(cnt(e)->tcp_dup_segs >= 2);
	done(e);
}

/* With the defaults, a whole receive window of full-sized segments behind
 * one lost segment is kept: a loss then costs one retransmission, not one
 * per segment the queue could not hold (1 MB under net-impair stalled with
 * a 64-segment queue). */
static void test_ooo_window_kept(void)
{
	static uint8_t d[171 * 1460];
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	uint32_t base = p.snd;

	fill_pattern(d, sizeof(d), 6);
	for (size_t off = 1460; off < sizeof(d); off += 1460)
		peer_send(e, &p, ACK, base + (uint32_t)off, d + off, 1460);
	CU_ASSERT_EQUAL(cnt(e)->tcp_ooo_drops, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_ooo_segs, 170);
	CU_ASSERT_EQUAL(c->rx_len, 0);
	pkt_tx_clear(e);
	peer_send(e, &p, ACK, base, d, 1460);
	CU_ASSERT_EQUAL_FATAL(c->rx_len, sizeof(d));
	CU_ASSERT_EQUAL(memcmp(c->rx, d, sizeof(d)), 0);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, base + sizeof(d));
	done(e);
}

static void test_ooo_bounded(void)
{
	struct net_stack_cfg cfg;
	struct pkt_env *e;
	struct peer p;
	struct pkt_conn *c;
	uint8_t d[500];

	pkt_default_cfg(&cfg);
	cfg.ooo_max = 2;
	e = env_cfg(&cfg);
	c = handshake(e, &p);
	fill_pattern(d, sizeof(d), 4);
	peer_send(e, &p, ACK, p.snd + 100, d + 100, 100);
	peer_send(e, &p, ACK, p.snd + 300, d + 300, 100);
	peer_send(e, &p, ACK, p.snd + 400, d + 400, 100);  /* third: dropped */
	CU_ASSERT_EQUAL(cnt(e)->tcp_ooo_segs, 2);
	CU_ASSERT_EQUAL(cnt(e)->tcp_ooo_drops, 1);
	peer_send(e, &p, ACK, p.snd, d, 100);
	CU_ASSERT_EQUAL(c->rx_len, 200);
	pkt_tx_clear(e);
	peer_send(e, &p, ACK, p.snd + 200, d + 200, 100);
	CU_ASSERT_EQUAL(c->rx_len, 400);
	CU_ASSERT_EQUAL(memcmp(c->rx, d, 400), 0);
	done(e);
}

/* Our window while the app does not read, and after. */
static void test_window_reading_off(void)
{
	struct net_stack_cfg cfg;
	struct pkt_env *e;
	struct peer p;
	struct pkt_conn *c;
	static uint8_t d[8192 + 100];
	uint32_t got = 0;

	pkt_default_cfg(&cfg);
	cfg.rcvbuf = 8192;                       /* no scaling needed: wscale 0 */
	e = env_cfg(&cfg);
	c = handshake(e, &p);
	fill_pattern(d, sizeof(d), 5);
	tcp_set_reading(c->tc, false);
	while (got < 8192) {
		uint32_t n = RTE_MIN(1024u, 8192 - got);

		peer_data(e, &p, d + got, n);
		got += n;
	}
	pkt_run(e, 2000, 1000);
	CU_ASSERT_EQUAL(c->rx_len, 0);
	while (e->ntx > 1)
		take(e, &g_f);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(g_f.win, 0);
	/* Beyond the window: dropped, counted, ACKed with the same edge. */
	peer_send(e, &p, ACK, p.snd, d + 8192, 100);
	CU_ASSERT_EQUAL(cnt(e)->tcp_rcvbuf_limit, 1);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(g_f.win, 0);
	/* Reading on: everything held arrives, the window reopens. */
	tcp_set_reading(c->tc, true);
	CU_ASSERT_EQUAL(c->rx_len, 0);           /* from the poll, not from the call */
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(c->rx_len, 8192);
	CU_ASSERT_EQUAL(memcmp(c->rx, d, 8192), 0);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.win, 8192);
	CU_ASSERT_EQUAL(g_f.ack, p.snd);

	/* Unparsed input the app holds shrinks the window too. */
	c->pending = 5000;
	peer_data(e, &p, d, 10);
	pkt_run(e, 2000, 1000);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.win, 8192 - 10);     /* never shrink the right edge */
	c->pending = 0;
	tcp_window_update(c->tc);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);              /* 10 bytes more: not worth a segment */
	peer_data(e, &p, d, 10);
	pkt_run(e, 2000, 1000);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.win, 8192);          /* the next ACK carries it */

	/* The app reads but holds a request larger than rcvbuf: the window
	 * stays open at a quarter of rcvbuf, or the request never completes. */
	c->pending = 1 << 20;
	for (int i = 0; i < 8; i++)
		peer_data(e, &p, d, 1024);
	pkt_run(e, 2000, 1000);
	while (e->ntx > 1)
		take(e, &g_f);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(g_f.win, 2048);
	CU_ASSERT_EQUAL(cnt(e)->tcp_rcvbuf_limit, 1);
	done(e);
}

/* ------------------------------------------------------------ send */

static void test_rto_and_backoff(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);      /* RTT ~0: RTO is the 200 ms minimum */
	uint64_t t;

	CU_ASSERT_EQUAL(tcp_send(c->tc, "hello", 5), 5);
	CU_ASSERT_EQUAL(e->ntx, 0);                 /* leaves from the poll */
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.seq, p.una);
	t = e->now_us;
	for (unsigned i = 0; i < 4; i++) {
		uint64_t rto = 200000ull << i;

		pkt_run(e, t + rto - 1000 - e->now_us, 1000);
		CU_ASSERT_EQUAL(e->ntx, 0);
		pkt_run(e, 2000, 1000);
		CU_ASSERT_FATAL(take(e, &g_f));
		CU_ASSERT_EQUAL(g_f.seq, p.una);
		CU_ASSERT_EQUAL(g_f.payload_len, 5);
		CU_ASSERT_EQUAL(memcmp(g_f.payload, "hello", 5), 0);
		t += rto;
	}
	CU_ASSERT_EQUAL(cnt(e)->tcp_retransmits, 4);
	/* An ACK stops the timer. */
	p.una += 5;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	pkt_run(e, 10000000, 10000);
	CU_ASSERT_EQUAL(e->ntx, 0);
	done(e);
}

static void test_rto_from_rtt(void)
{
	struct pkt_env *e = env();
	struct pkt_tcp t = pkt_tcp_default();
	struct peer p = { .port = PKT_PEER_PORT, .win = 65535 };
	struct pkt_conn *c;
	uint64_t sent;

	t.flags = SYN;
	t.seq = PEER_ISN;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	p.una = g_f.seq + 1;
	p.snd = PEER_ISN + 1;
	pkt_clock_advance(e, 100000);               /* RTT 100 ms: SRTT 100, RTTVAR 50 */
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(e->nconns, 1);
	c = &e->conns[0];
	tcp_send(c->tc, "a", 1);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	pkt_clock_advance(e, 100000);               /* second sample 100: RTTVAR 37.5 -> RTO 250 */
	p.una += 1;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	tcp_send(c->tc, "b", 1);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	sent = e->now_us;
	pkt_run(e, 249000, 1000);
	CU_ASSERT_EQUAL(e->ntx, 0);
	pkt_run(e, 2000, 1000);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.payload_len, 1);
	CU_ASSERT(e->now_us - sent >= 250000 && e->now_us - sent <= 251000);
	/* Karn: an ACK for the retransmitted segment gives no sample; the
	 * backed-off RTO (500) stays for the next segment until one does. */
	pkt_clock_advance(e, 10000);
	p.una += 1;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	tcp_send(c->tc, "c", 1);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	pkt_run(e, 251000, 1000);
	CU_ASSERT(take(e, &g_f));                   /* backoff reset by the new ACK: 250 again */
	done(e);
}

static void test_fast_retransmit(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	static uint8_t d[5 * MSS];
	uint32_t s0 = p.una;

	fill_pattern(d, sizeof(d), 6);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d, sizeof(d)), (ssize_t)sizeof(d));
	pkt_poll(e);
	CU_ASSERT_EQUAL_FATAL(e->ntx, 5);
	pkt_tx_clear(e);
	/* Segment 2 was lost: the peer ACKs 1, then three duplicates. */
	p.una = s0 + MSS;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_fast_retransmits, 0);
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_fast_retransmits, 1);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.seq, s0 + MSS);
	CU_ASSERT_EQUAL(g_f.payload_len, MSS);
	CU_ASSERT_EQUAL(memcmp(g_f.payload, d + MSS, MSS), 0);
	/* Partial ACK (up to segment 3): segment 3 goes at once (NewReno). */
	p.una = s0 + 2 * MSS;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.seq, s0 + 2 * MSS);
	p.una = s0 + 5 * MSS;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	pkt_run(e, 2000000, 10000);
	CU_ASSERT_EQUAL(e->ntx, 0);
	done(e);
}

static void test_zero_window_persist(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	unsigned probes = 0;
	uint64_t last = 0, gap = 0;

	p.win = 0;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(tcp_send(c->tc, "0123456789", 10), 10);
	pkt_poll(e);
	/* Nothing fits (a pure ACK may go: the first to show our full window). */
	while (take(e, &g_f))
		CU_ASSERT_EQUAL(g_f.payload_len, 0);
	/* Probes with growing gaps, answered (window still 0): never give up. */
	for (unsigned step = 0; step < 120000; step++) {   /* 120 s in 1 ms steps */
		pkt_run(e, 1000, 1000);
		if (!e->ntx)
			continue;
		CU_ASSERT_FATAL(take(e, &g_f));
		CU_ASSERT_EQUAL(g_f.payload_len, 0);
		CU_ASSERT_EQUAL(g_f.seq, p.una - 1);
		if (last)
			CU_ASSERT(e->now_us - last >= gap);   /* backoff */
		gap = last ? e->now_us - last : 0;
		last = e->now_us;
		probes++;
		peer_send(e, &p, ACK, p.snd, NULL, 0);
	}
	CU_ASSERT(probes >= 6 && probes <= 12);
	CU_ASSERT_EQUAL(cnt(e)->tcp_persist_probes, probes);
	CU_ASSERT_FALSE(c->closed);
	CU_ASSERT_EQUAL(c->err, 0);
	/* The window opens: the data goes. */
	p.win = 65535;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.payload_len, 10);
	CU_ASSERT_EQUAL(g_f.seq, p.una);
	done(e);
}

static void test_writable_after_short_send(void)
{
	struct net_stack_cfg cfg;
	struct pkt_env *e;
	struct peer p;
	struct pkt_conn *c;
	static uint8_t d[10000];

	pkt_default_cfg(&cfg);
	cfg.sndbuf = 4096;
	e = env_cfg(&cfg);
	c = handshake(e, &p);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d, sizeof(d)), 4096);
	CU_ASSERT_EQUAL(tcp_send_space(c->tc), 0);
	CU_ASSERT_EQUAL(tcp_send(c->tc, d, 1), 0);
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 3);
	pkt_tx_clear(e);
	CU_ASSERT_EQUAL(c->writable_calls, 0);
	p.una += MSS;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(c->writable_calls, 1);
	CU_ASSERT_EQUAL(tcp_send_space(c->tc), MSS);
	done(e);
}

static void test_large_send_split(void)
{
	struct net_stack_cfg cfg;
	struct pkt_env *e;
	struct peer p;
	struct pkt_conn *c;
	static uint8_t d[200000], got[200000];
	size_t sent = 0;
	uint32_t s0;
	unsigned frames = 0, rounds = 0;

	pkt_default_cfg(&cfg);
	cfg.sndbuf = 64 * 1024;
	e = env_cfg(&cfg);
	c = handshake(e, &p);
	s0 = p.una;
	fill_pattern(d, sizeof(d), 7);
	/* The app writes as space allows; the peer ACKs all it gets. */
	while (p.una - s0 < sizeof(d) && rounds++ < 1000) {
		if (sent < sizeof(d)) {
			ssize_t n = tcp_send(c->tc, d + sent, sizeof(d) - sent);

			CU_ASSERT_FATAL(n >= 0);
			sent += (size_t)n;
		}
		pkt_poll(e);
		while (take(e, &g_f)) {
			uint32_t off = g_f.seq - s0;

			CU_ASSERT_FATAL(g_f.payload_len <= MSS);
			CU_ASSERT_FATAL(off + g_f.payload_len <= sizeof(got));
			memcpy(got + off, g_f.payload, g_f.payload_len);
			if (g_f.seq == p.una)
				p.una += (uint32_t)g_f.payload_len;
			frames++;
		}
		peer_send(e, &p, ACK, p.snd, NULL, 0);
	}
	CU_ASSERT_EQUAL(p.una - s0, sizeof(d));
	CU_ASSERT_EQUAL(memcmp(got, d, sizeof(d)), 0);
	CU_ASSERT_EQUAL(frames, (sizeof(d) + MSS - 1) / MSS);
	CU_ASSERT_EQUAL(cnt(e)->tcp_retransmits, 0);
	done(e);
}

static void test_give_up(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);
	uint64_t start = e->now_us;
	unsigned frames = 0;
	bool rst = false;

	tcp_send(c->tc, "x", 1);
	while (!c->closed && e->now_us - start < 30000000) {
		pkt_run(e, 10000, 10000);
		while (take(e, &g_f)) {
			frames++;
			if (g_f.flags & RST)
				rst = true;
		}
	}
	CU_ASSERT(c->closed);
	CU_ASSERT_EQUAL(c->err, ETIMEDOUT);
	CU_ASSERT(rst);
	CU_ASSERT(frames >= 6);
	CU_ASSERT(e->now_us - start >= 15000000 && e->now_us - start <= 16000000);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_ERROR, 0), 1);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_CLOSED, 0), 1);
	CU_ASSERT_EQUAL(e->ev[e->nev - 2].type, PKT_EV_ERROR);   /* error, then closed */
	CU_ASSERT_EQUAL(cnt(e)->tcp_timeouts, 1);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	done(e);
}

/* ------------------------------------------------------------ close */

static void test_passive_close(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	peer_send(e, &p, ACK | FIN | PSH, p.snd, "bye", 3);
	p.snd += 4;
	CU_ASSERT_EQUAL(c->rx_len, 3);
	CU_ASSERT(c->eof);
	CU_ASSERT_EQUAL(e->ev[e->nev - 1].type, PKT_EV_EOF);     /* after the data */
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	/* The app answers and closes: data, then FIN. */
	CU_ASSERT_EQUAL(tcp_send(c->tc, "ok", 2), 2);
	tcp_close(c->tc);
	CU_ASSERT_FALSE(c->closed);                 /* never from inside tcp_close */
	pkt_poll(e);
	CU_ASSERT(c->closed);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags & FIN, FIN);      /* data and FIN together */
	CU_ASSERT_EQUAL(g_f.payload_len, 2);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);      /* LAST_ACK */
	p.una += 3;
	peer_send(e, &p, ACK, p.snd, NULL, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(e->ntx, 0);
	/* The conn is gone: a segment for it gets a RST. */
	peer_send(e, &p, ACK, p.snd, "x", 1);
	CU_ASSERT(take(e, &g_f) && g_f.flags == RST && g_f.seq == p.una);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_CLOSED, -1), 1);
	done(e);
}

static void test_active_close_time_wait(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	tcp_close(c->tc);
	pkt_poll(e);
	CU_ASSERT(c->closed);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, FIN | ACK);
	CU_ASSERT_EQUAL(g_f.seq, p.una);
	p.una++;
	peer_send(e, &p, ACK, p.snd, NULL, 0);      /* FIN_WAIT_2 */
	CU_ASSERT_EQUAL(e->ntx, 0);
	peer_send(e, &p, ACK, p.snd, "late", 4);    /* data after our close: ACKed, not delivered */
	p.snd += 4;
	pkt_run(e, 3000, 1000);
	CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
	CU_ASSERT_EQUAL(c->rx_len, 0);
	peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);  /* TIME_WAIT */
	p.snd++;
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);
	/* Its FIN again (our ACK was lost): ACKed again. */
	pkt_run(e, 500000, 10000);
	peer_send(e, &p, ACK | FIN, p.snd - 1, NULL, 0);
	CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
	pkt_run(e, 990000, 10000);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);      /* the FIN restarted TIME_WAIT */
	pkt_run(e, 20000, 10000);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_CLOSED, 0), 1);
	done(e);
}

static void test_close_fin_and_ack_together(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	tcp_close(c->tc);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	p.una++;
	peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);   /* ACK of our FIN + its FIN */
	p.snd++;
	CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);         /* TIME_WAIT */
	pkt_run(e, 1002000, 1000);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	done(e);
}

static void test_simultaneous_close(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	tcp_close(c->tc);
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT(g_f.flags & FIN);
	/* The peer's FIN crosses ours: it does not ACK our FIN yet. */
	peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);   /* CLOSING */
	p.snd++;
	CU_ASSERT(take(e, &g_f) && g_f.ack == p.snd);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);
	/* Our FIN is retransmitted until ACKed. */
	pkt_run(e, 202000, 1000);
	CU_ASSERT(take(e, &g_f) && (g_f.flags & FIN));
	p.una++;
	peer_send(e, &p, ACK, p.snd, NULL, 0);         /* TIME_WAIT */
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 1);
	pkt_run(e, 1002000, 1000);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_CLOSED, 0), 1);
	done(e);
}

static void test_eof_after_held_data(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	tcp_set_reading(c->tc, false);
	peer_data(e, &p, "abc", 3);
	peer_send(e, &p, ACK | FIN, p.snd, NULL, 0);
	CU_ASSERT_FALSE(c->eof);
	CU_ASSERT_EQUAL(c->rx_len, 0);
	tcp_set_reading(c->tc, true);
	pkt_poll(e);
	CU_ASSERT_EQUAL(c->rx_len, 3);
	CU_ASSERT(c->eof);
	CU_ASSERT_EQUAL(e->ev[e->nev - 1].type, PKT_EV_EOF);
	done(e);
}

static void test_abort(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	tcp_send(c->tc, "dropped", 7);
	tcp_abort(c->tc);
	CU_ASSERT_FALSE(c->closed);
	pkt_poll(e);
	CU_ASSERT(c->closed);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT(g_f.flags & RST);
	CU_ASSERT_EQUAL(g_f.seq, p.una);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_ERROR, -1), 0);
	done(e);
}

/* ------------------------------------------------------------ RST */

static void test_rst_validation(void)
{
	struct pkt_env *e = env();
	struct peer p;
	struct pkt_conn *c = handshake(e, &p);

	/* Out of the window: ignored. */
	peer_send(e, &p, RST, p.snd + 10000000, NULL, 0);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_bad_rst, 1);
	/* In the window, not exact: challenge ACK. */
	peer_send(e, &p, RST, p.snd + 100, NULL, 0);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, ACK);
	CU_ASSERT_EQUAL(g_f.ack, p.snd);
	CU_ASSERT_EQUAL(cnt(e)->tcp_bad_rst, 2);
	CU_ASSERT_FALSE(c->closed);
	/* Before the window: ignored. */
	peer_send(e, &p, RST, p.snd - 1, NULL, 0);
	CU_ASSERT_FALSE(c->closed);
	pkt_tx_clear(e);
	/* Exact: reset. */
	peer_send(e, &p, RST, p.snd, NULL, 0);
	CU_ASSERT(c->closed);
	CU_ASSERT_EQUAL(c->err, ECONNRESET);
	CU_ASSERT_EQUAL(e->ev[e->nev - 2].type, PKT_EV_ERROR);
	CU_ASSERT_EQUAL(cnt(e)->tcp_rst_in, 1);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(e->ntx, 0);
	/* A SYN in a synchronized state: challenge ACK, no reset. */
	c = handshake_port(e, &p, 40001);
	peer_send(e, &p, SYN, p.snd + 5, NULL, 0);
	CU_ASSERT(take(e, &g_f) && g_f.flags == ACK && g_f.ack == p.snd);
	CU_ASSERT_FALSE(c->closed);
	done(e);
}

static void test_unknown_flow_rst(void)
{
	struct pkt_env *e = env();
	struct peer p = { .port = 40100, .una = 5555, .win = 100 };
	struct pkt_tcp t;

	peer_send(e, &p, ACK, 777, "data", 4);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, RST);
	CU_ASSERT_EQUAL(g_f.seq, 5555);
	CU_ASSERT_EQUAL(g_f.dport, 40100);
	CU_ASSERT(rte_is_same_ether_addr(&g_f.eth_dst, &PKT_PEER_MAC));
	/* No ACK: RST|ACK acknowledging the segment (SYN and FIN count). */
	t = pkt_tcp_default();
	t.dport = 80;
	t.flags = SYN;
	t.seq = 100;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL(g_f.flags, RST | ACK);
	CU_ASSERT_EQUAL(g_f.seq, 0);
	CU_ASSERT_EQUAL(g_f.ack, 101);
	peer_send(e, &p, FIN, 300, "ab", 2);
	CU_ASSERT(take(e, &g_f) && g_f.flags == (RST | ACK) && g_f.ack == 303);
	/* Never a RST for a RST. */
	peer_send(e, &p, RST, 300, NULL, 0);
	peer_send(e, &p, RST | ACK, 300, NULL, 0);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_rst_out, 3);
	/* After net_stop_listening a SYN to the port is refused. */
	net_stop_listening(e->ns);
	t.dport = PKT_OUR_PORT;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT(take(e, &g_f) && g_f.flags == (RST | ACK));
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	done(e);
}

static void test_refused_by_app(void)
{
	struct pkt_env *e = env();
	struct pkt_tcp t = pkt_tcp_default();
	struct peer p = { .port = PKT_PEER_PORT, .win = 65535 };

	e->refuse = true;
	t.flags = SYN;
	t.seq = PEER_ISN;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	p.una = g_f.seq + 1;
	peer_send(e, &p, ACK, PEER_ISN + 1, NULL, 0);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_REFUSED, -1), 1);
	CU_ASSERT(take(e, &g_f) && (g_f.flags & RST));
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 0);
	CU_ASSERT_EQUAL(pkt_events(e, PKT_EV_CLOSED, -1), 0);
	done(e);
}

static void test_limits(void)
{
	struct net_stack_cfg cfg;
	struct pkt_env *e;
	struct peer p;
	struct pkt_tcp t = pkt_tcp_default();

	pkt_default_cfg(&cfg);
	cfg.max_conns = 3;
	cfg.syn_backlog = 1;
	e = env_cfg(&cfg);
	handshake_port(e, &p, 41000);
	/* One half-open conn fills the backlog: the next SYN is dropped. */
	t.flags = SYN;
	t.seq = PEER_ISN;
	t.sport = 41001;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT(take(e, &g_f) && g_f.flags == (SYN | ACK));
	t.sport = 41002;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_EQUAL(e->ntx, 0);
	CU_ASSERT_EQUAL(cnt(e)->tcp_syn_limit, 1);
	/* Two conns in the table: the next SYN gets a RST. */
	t.sport = 41003;
	done(e);

	cfg.syn_backlog = 10;
	cfg.max_conns = 2;
	e = env_cfg(&cfg);
	handshake_port(e, &p, 41000);
	handshake_port(e, &p, 41001);
	t.sport = 41002;
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT(take(e, &g_f) && (g_f.flags & RST));
	CU_ASSERT_EQUAL(cnt(e)->tcp_conn_limit, 1);
	CU_ASSERT_EQUAL(cnt(e)->tcp_conns, 2);
	done(e);
}

/* ------------------------------------------------------------ two stacks */

/* Move what a emitted into b (and back) until both are quiet. */
static void shuttle(struct pkt_env *a, struct pkt_env *b)
{
	for (int round = 0; round < 1000 && (a->ntx || b->ntx); round++) {
		struct pkt_env *from = a->ntx ? a : b, *to = from == a ? b : a;
		unsigned n = from->ntx;

		from->ntx = 0;
		for (unsigned i = 0; i < n; i++)
			pkt_input(to, from->tx[i]);
		pkt_poll(to);
		pkt_poll(from);
	}
}

static void run_both(struct pkt_env *a, struct pkt_env *b, uint64_t us, uint64_t step)
{
	for (uint64_t t = 0; t < us; t += step) {
		pkt_clock_advance(a, step);
		pkt_clock_advance(b, step);
		pkt_poll(a);
		pkt_poll(b);
		shuttle(a, b);
	}
}

static struct pkt_env *client_env(void)
{
	struct net_stack_cfg cfg;

	pkt_default_cfg(&cfg);
	cfg.ip = PKT_PEER_IP;
	cfg.mac = PKT_PEER_MAC;
	cfg.listen_port = 0;
	cfg.seed = 99;
	return env_cfg(&cfg);
}

static void test_two_stacks(void)
{
	struct pkt_env *srv = env(), *cli = client_env();
	struct pkt_conn *h = &cli->conns[cli->nconns++];   /* the handle we pass in */
	struct pkt_conn *cc, *sc;
	struct tcp_conn *tc;
	static uint8_t big[300000];
	size_t sent = 0;

	memset(h, 0, sizeof(*h));
	fill_pattern(big, sizeof(big), 8);
	tc = tcp_connect(cli->ns, PKT_OUR_IP, PKT_OUR_PORT, h, 2, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tc);
	pkt_poll(cli);
	/* First an ARP request (the server is not known yet), then the SYN. */
	run_both(srv, cli, 50000, 1000);
	CU_ASSERT_EQUAL_FATAL(srv->nconns, 1);
	CU_ASSERT_EQUAL_FATAL(cli->nconns, 2);             /* accepted() gave a new handle */
	cc = &cli->conns[1];
	sc = &srv->conns[0];
	CU_ASSERT_PTR_EQUAL(cc->tc, tc);
	CU_ASSERT_EQUAL(net_counters(cli->ns)->tcp_connects, 1);
	/* The chosen port steers to owner 2 of 4. */
	{
		struct rte_mbuf *m;

		tcp_send(tc, "PING\r\n", 6);
		pkt_poll(cli);
		CU_ASSERT_EQUAL_FATAL(cli->ntx, 1);
		m = cli->tx[0];
		CU_ASSERT_EQUAL(net_flow_owner(m, 4), 2);
		shuttle(srv, cli);
	}
	CU_ASSERT_EQUAL(sc->rx_len, 6);
	CU_ASSERT_EQUAL(memcmp(sc->rx, "PING\r\n", 6), 0);
	/* Both ways, larger than the windows and send buffers. */
	while (sent < sizeof(big) || sc->rx_len < 6 + sizeof(big) ||
	       cc->rx_len < sizeof(big)) {
		static int guard;

		if (sent < sizeof(big)) {
			ssize_t a = tcp_send(cc->tc, big + sent, sizeof(big) - sent);
			ssize_t b = tcp_send(sc->tc, big + sent, (size_t)a);

			CU_ASSERT_FATAL(a >= 0 && b == a);
			sent += (size_t)a;
		}
		run_both(srv, cli, 1000, 1000);
		CU_ASSERT_FATAL(++guard < 100000);
	}
	CU_ASSERT_EQUAL(memcmp(sc->rx + 6, big, sizeof(big)), 0);
	CU_ASSERT_EQUAL(memcmp(cc->rx, big, sizeof(big)), 0);
	/* Close from the client; the server sees EOF and closes too. */
	tcp_close(cc->tc);
	run_both(srv, cli, 5000, 1000);
	CU_ASSERT(sc->eof);
	tcp_close(sc->tc);
	run_both(srv, cli, 5000, 1000);
	CU_ASSERT(cc->closed && sc->closed);
	CU_ASSERT_EQUAL(net_counters(srv->ns)->tcp_conns, 0);
	CU_ASSERT_EQUAL(net_counters(cli->ns)->tcp_conns, 1);   /* TIME_WAIT */
	run_both(srv, cli, 1100000, 10000);
	CU_ASSERT_EQUAL(net_counters(cli->ns)->tcp_conns, 0);
	CU_ASSERT_EQUAL(net_counters(cli->ns)->tcp_retransmits, 0);
	CU_ASSERT_EQUAL(net_counters(srv->ns)->tcp_retransmits, 0);
	pkt_env_free(cli);
	done(srv);
}

static void test_connect_refused(void)
{
	struct pkt_env *srv = env(), *cli = client_env();
	struct pkt_conn *h = &cli->conns[cli->nconns++];

	memset(h, 0, sizeof(*h));
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_connect(cli->ns, PKT_OUR_IP, 1234, h, 0, 1));
	pkt_poll(cli);
	run_both(srv, cli, 50000, 1000);
	CU_ASSERT_EQUAL(h->err, ECONNREFUSED);
	CU_ASSERT(h->closed);
	CU_ASSERT_EQUAL(pkt_events(cli, PKT_EV_ACCEPTED, -1), 0);
	CU_ASSERT_EQUAL(net_counters(cli->ns)->tcp_conns, 0);
	pkt_env_free(cli);
	done(srv);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "handshake, SYN-ACK options, peer MSS", test_handshake_options },
		{ "SYN options: odd and malformed", test_syn_options_malformed },
		{ "duplicate SYN, SYN-ACK retransmission", test_dup_syn_and_synack_rexmt },
		{ "ISN differs per conn", test_isn_differs },
		{ "data, delayed ACK, every 2nd segment", test_data_ack_delivery },
		{ "ACK piggybacked on the reply", test_ack_piggybacked },
		{ "out of order, then filled", test_ooo_then_fill },
		{ "overlapping and duplicate segments", test_overlap_and_duplicates },
		{ "out-of-order queue bounded", test_ooo_bounded },
		{ "out-of-order: a whole window kept", test_ooo_window_kept },
		{ "window: reading off, pending input, reopen", test_window_reading_off },
		{ "RTO and exponential backoff", test_rto_and_backoff },
		{ "RTO from RTT samples, Karn", test_rto_from_rtt },
		{ "fast retransmit, NewReno partial ACK", test_fast_retransmit },
		{ "zero window: persist probes", test_zero_window_persist },
		{ "writable after a short send", test_writable_after_short_send },
		{ "large send split into MSS segments", test_large_send_split },
		{ "give up: ETIMEDOUT then closed", test_give_up },
		{ "passive close (CLOSE_WAIT, LAST_ACK)", test_passive_close },
		{ "active close, FIN_WAIT_2, TIME_WAIT", test_active_close_time_wait },
		{ "active close, FIN+ACK together", test_close_fin_and_ack_together },
		{ "simultaneous close (CLOSING)", test_simultaneous_close },
		{ "EOF after held data", test_eof_after_held_data },
		{ "abort", test_abort },
		{ "RST validation, challenge ACK", test_rst_validation },
		{ "unknown flow: RST", test_unknown_flow_rst },
		{ "accept refused by the app", test_refused_by_app },
		{ "connection and SYN backlog limits", test_limits },
		{ "two stacks: connect, data both ways, close", test_two_stacks },
		{ "connect refused", test_connect_refused },
	};

	if (pkt_eal_init() != 0)
		return 1;
	return cunit_run_one("tcp", tests);
}
