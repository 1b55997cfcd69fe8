/*
 * TCP-lite timers: a hashed wheel of TCP_WHEEL_SLOTS slots of TCP_TICK_US
 * over the stack's clock (net_set_time); a conn sits in one slot, keyed by
 * its earliest deadline, and goes round again if that lies beyond one
 * revolution. Two deadlines per conn: t_delack, and t_rexmt, whose meaning
 * follows the state (SYN/SYN-ACK retransmission, RTO, persist,
 * FIN_WAIT_2 orphan limit, TIME_WAIT). RTO per RFC 6298.
 */
#include <errno.h>

#include "net/tcp_int.h"

void tcp_timer_unlink(struct tcp_conn *tc)
{
	if (!tc->timer_linked)
		return;
	*tc->tpprev = tc->tnext;
	if (tc->tnext)
		tc->tnext->tpprev = tc->tpprev;
	tc->tnext = NULL;
	tc->tpprev = NULL;
	tc->timer_linked = false;
}

static void tcp_timer_link(struct tcp_conn *tc, struct tcp_conn **head)
{
	tc->tnext = *head;
	if (*head)
		(*head)->tpprev = &tc->tnext;
	*head = tc;
	tc->tpprev = head;
	tc->timer_linked = true;
}

void tcp_timer_update(struct tcp_conn *tc)
{
	struct tcp_table *t = tc->ns->tcp;
	uint64_t at = tc->t_rexmt;
	uint64_t tick;

	if (tc->t_delack && (!at || tc->t_delack < at))
		at = tc->t_delack;
	if (tc->timer_linked && at == tc->t_at)
		return;
	tcp_timer_unlink(tc);
	tc->t_at = at;
	if (!at || tc->dead)
		return;
	/* Never early: a deadline inside tick k fires when tick k+1 starts. */
	tick = (at + TCP_TICK_US - 1) / TCP_TICK_US;
	if (tick <= t->wheel_tick)
		tick = t->wheel_tick + 1;
	tcp_timer_link(tc, &t->wheel[tick % TCP_WHEEL_SLOTS]);
}

uint32_t tcp_rto_backed_off(const struct tcp_conn *tc)
{
	uint64_t rto = (uint64_t)tc->rto << tc->backoff;

	return (uint32_t)RTE_MIN(rto, (uint64_t)TCP_RTO_MAX_US);
}

/* RFC 6298 §2.2, §2.3 (alpha 1/8, beta 1/4, K 4, G one tick), §2.4-2.5. */
void tcp_rtt_sample(struct tcp_conn *tc, uint32_t r)
{
	uint32_t rto;

	if (!r)
		r = 1;
	if (!tc->srtt) {
		tc->srtt = r;
		tc->rttvar = r / 2;
	} else {
		uint32_t delta = tc->srtt > r ? tc->srtt - r : r - tc->srtt;

		tc->rttvar = (3 * tc->rttvar + delta) / 4;
		tc->srtt = (7 * tc->srtt + r) / 8;
	}
	rto = tc->srtt + u32_max((uint32_t)TCP_TICK_US, 4 * tc->rttvar);
	tc->rto = u32_min(u32_max(rto, (uint32_t)TCP_RTO_MIN_US), (uint32_t)TCP_RTO_MAX_US);
	tc->backoff = 0;
}

uint64_t tcp_giveup_clamp(const struct tcp_conn *tc, uint64_t at)
{
	if (tc->rexmt_since && at > tc->rexmt_since + TCP_GIVEUP_US)
		return tc->rexmt_since + TCP_GIVEUP_US;
	return at;
}

void tcp_rexmt_arm(struct tcp_conn *tc, bool restart)
{
	uint64_t now = tc->ns->now_us;
	bool inflight = tc->snd_una != tc->snd_max;

	switch (tc->state) {
	case TCP_CLOSED:
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
	case TCP_TIME_WAIT:
		return;
	default:
		break;
	}
	if (tc->snd_wnd == 0 && tc->sq_bytes && (tc->persist || !inflight)) {
		/* RFC 1122 §4.2.2.17: probe a zero window, for as long as the
		 * peer answers. */
		if (!tc->persist || !tc->t_rexmt) {
			tc->persist = true;
			tc->snd_nxt = tc->snd_una;
			tc->t_rexmt = now + tcp_rto_backed_off(tc);
		}
	} else if (inflight) {
		tc->persist = false;
		if (restart || !tc->t_rexmt)
			tc->t_rexmt = tcp_giveup_clamp(tc, now + tcp_rto_backed_off(tc));
	} else if (tc->state == TCP_FIN_WAIT_2) {
		tc->persist = false;
		if (!tc->t_rexmt || restart)
			tc->t_rexmt = now + TCP_FIN_WAIT2_US;
	} else {
		tc->persist = false;
		tc->t_rexmt = 0;
	}
	tcp_timer_update(tc);
}

static void tcp_give_up(struct tcp_conn *tc)
{
	tc->ns->cnt.tcp_timeouts++;
	if (tc->state != TCP_SYN_SENT)
		tcp_send_rst(tc);
	tcp_conn_fail(tc, ETIMEDOUT);
}

static void tcp_backoff(struct tcp_conn *tc)
{
	if (tc->backoff < 16)
		tc->backoff++;
}

/* SYN (active) or SYN-ACK (passive) not answered. */
static void tcp_syn_timeout(struct tcp_conn *tc, uint64_t now)
{
	int rc;

	if (!tc->rexmt_since)
		tc->rexmt_since = now;
	else if (now - tc->rexmt_since >= TCP_GIVEUP_US) {
		if (tc->state == TCP_SYN_RCVD) {
			tcp_conn_done(tc);      /* half-open: the app never knew it */
		} else {
			tc->ns->cnt.tcp_timeouts++;
			tcp_conn_fail(tc, ETIMEDOUT);
		}
		return;
	}
	rc = tcp_send_syn(tc);
	if (rc == -EAGAIN) {
		tc->t_rexmt = tcp_giveup_clamp(tc, now + TCP_ARP_RETRY_US);
		return;
	}
	if (tc->syn_unsent) {           /* first time out: time it */
		tc->syn_unsent = false;
		tc->rtt_timing = true;
		tc->rtt_start = now;
	} else {
		tc->rtt_timing = false; /* Karn */
		tc->ns->cnt.tcp_retransmits++;
		tcp_backoff(tc);
	}
	tc->t_rexmt = tcp_giveup_clamp(tc, now + tcp_rto_backed_off(tc));
}

static void tcp_persist_timeout(struct tcp_conn *tc, uint64_t now)
{
	/* rexmt_since: first probe since the peer last answered. */
	if (tc->rexmt_since && now - tc->rexmt_since >= TCP_GIVEUP_US) {
		tcp_give_up(tc);
		return;
	}
	/* An app that reads can always close; for an orphan the stack must
	 * (a peer that never reads again would keep it, and its send queue,
	 * for ever). backoff counts the probes since the window last opened. */
	if (tc->app_gone && tc->backoff >= TCP_ORPHAN_PROBES) {
		tcp_give_up(tc);
		return;
	}
	if (!tc->rexmt_since)
		tc->rexmt_since = now;
	tc->persist = true;
	tc->snd_nxt = tc->snd_una;
	tcp_send_probe(tc);
	tcp_backoff(tc);
	tc->t_rexmt = now + tcp_rto_backed_off(tc);
}

/* RFC 6298 §5.4-5.7 and RFC 5681 §3.1 (loss window). */
static void tcp_rto_timeout(struct tcp_conn *tc, uint64_t now)
{
	uint32_t flight = tc->snd_max - tc->snd_una;

	if (!tc->rexmt_since) {
		tc->rexmt_since = now;
	} else if (now - tc->rexmt_since >= TCP_GIVEUP_US) {
		tcp_give_up(tc);
		return;
	}
	tcp_backoff(tc);
	tc->ssthresh = u32_max(flight / 2, 2u * tc->mss);
	tc->cwnd = tc->mss;
	tc->dupacks = 0;
	tc->in_recovery = false;
	tc->rtt_timing = false;         /* Karn */
	tc->snd_nxt = tc->snd_una;      /* go back N */
	tcp_output(tc);                 /* one segment (cwnd), re-arms the timer */
}

static void tcp_rexmt_fire(struct tcp_conn *tc)
{
	uint64_t now = tc->ns->now_us;

	switch (tc->state) {
	case TCP_TIME_WAIT:
		tcp_conn_done(tc);
		return;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		tcp_syn_timeout(tc, now);
		return;
	case TCP_FIN_WAIT_2:
		if (tc->snd_una == tc->snd_max) {
			tcp_conn_done(tc);      /* orphan: the peer never closed */
			return;
		}
		break;
	default:
		break;
	}
	if (tc->persist || (tc->snd_wnd == 0 && tc->sq_bytes))
		tcp_persist_timeout(tc, now);
	else if (tc->snd_una != tc->snd_max)
		tcp_rto_timeout(tc, now);
	if (!tc->dead)
		tcp_timer_update(tc);
}

static void tcp_timer_fire(struct tcp_conn *tc)
{
	uint64_t now = tc->ns->now_us;

	if (tc->t_delack && tc->t_delack <= now) {
		tc->t_delack = 0;
		if (tc->ack_delayed)
			tcp_send_ack(tc);
	}
	if (tc->t_rexmt && tc->t_rexmt <= now) {
		tc->t_rexmt = 0;
		tcp_rexmt_fire(tc);
	}
	if (!tc->dead)
		tcp_timer_update(tc);
}

void tcp_timers_run(struct net_stack *ns)
{
	struct tcp_table *t = ns->tcp;
	uint64_t now_tick = ns->now_us / TCP_TICK_US;

	if (now_tick <= t->wheel_tick)
		return;
	if (now_tick - t->wheel_tick > TCP_WHEEL_SLOTS)
		t->wheel_tick = now_tick - TCP_WHEEL_SLOTS;
	while (t->wheel_tick < now_tick) {
		struct tcp_conn *list;
		uint64_t tick = ++t->wheel_tick;
		struct tcp_conn **slot = &t->wheel[tick % TCP_WHEEL_SLOTS];

		/* Move the slot to a local list head: firing may unlink other
		 * conns of it (app upcalls) or link conns into the slot again. */
		list = *slot;
		*slot = NULL;
		if (list)
			list->tpprev = &list;
		while (list) {
			struct tcp_conn *tc = list;

			tcp_timer_unlink(tc);
			if (tc->t_at <= ns->now_us)
				tcp_timer_fire(tc);
			else
				tcp_timer_update(tc);
		}
	}
}
