/* The test as the TCP peer (tcp_peer.h). */
#include <CUnit/CUnit.h>

#include "tcp_peer.h"

struct pkt_frame g_f;

struct pkt_env *env_cfg(const struct net_stack_cfg *cfg)
{
	struct pkt_env *e = pkt_env_new(cfg, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	pkt_clock_set(e, T0);
	return e;
}

struct pkt_env *env(void)
{
	return env_cfg(NULL);
}

void done(struct pkt_env *e)
{
	pkt_env_free(e);
	CU_ASSERT_EQUAL(pkt_pool_in_use(), 0);
}

const struct net_counters *cnt(struct pkt_env *e)
{
	return net_counters(e->ns);
}

void fill_pattern(uint8_t *p, size_t n, unsigned salt)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + i / 251 + salt);
}

struct rte_mbuf *seg(const struct peer *p, uint8_t flags, uint32_t seq, const void *d,
		     size_t len)
{
	struct pkt_tcp t = pkt_tcp_default();

	t.sport = p->port;
	t.flags = flags;
	t.seq = seq;
	t.ack = p->una;
	t.win = p->win;
	t.data = d;
	t.len = len;
	return pkt_build_tcp(&t);
}

void peer_send(struct pkt_env *e, const struct peer *p, uint8_t flags, uint32_t seq,
	       const void *d, size_t len)
{
	pkt_input(e, seg(p, flags, seq, d, len));
	pkt_poll(e);
}

bool take(struct pkt_env *e, struct pkt_frame *f)
{
	if (pkt_tx_take(e, f) != 0)
		return false;
	CU_ASSERT(f->tcp && f->tcp_cksum_ok && f->ip_cksum_ok);
	return f->tcp;
}

struct pkt_conn *handshake_isn(struct pkt_env *e, struct peer *p, uint16_t port, uint32_t isn)
{
	struct pkt_tcp t = pkt_tcp_default();
	unsigned n = e->nconns;

	p->port = port;
	p->win = 65535;
	t.sport = port;
	t.flags = SYN;
	t.seq = isn;
	pkt_opt_mss(&t, MSS);
	pkt_opt_nop(&t);
	pkt_opt_wscale(&t, 7);
	pkt_input(e, pkt_build_tcp(&t));
	pkt_poll(e);
	CU_ASSERT_FATAL(take(e, &g_f));
	CU_ASSERT_EQUAL_FATAL(g_f.flags, SYN | ACK);
	CU_ASSERT_EQUAL(g_f.ack, isn + 1);
	p->snd = isn + 1;
	p->una = g_f.seq + 1;
	peer_send(e, p, ACK, p->snd, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(e->nconns, n + 1);
	CU_ASSERT_EQUAL(e->ntx, 0);
	return &e->conns[n];
}

struct pkt_conn *handshake_port(struct pkt_env *e, struct peer *p, uint16_t port)
{
	return handshake_isn(e, p, port, PEER_ISN);
}

struct pkt_conn *handshake(struct pkt_env *e, struct peer *p)
{
	return handshake_port(e, p, PKT_PEER_PORT);
}

void peer_data(struct pkt_env *e, struct peer *p, const void *d, size_t len)
{
	peer_send(e, p, ACK | PSH, p->snd, d, len);
	p->snd += (uint32_t)len;
}
