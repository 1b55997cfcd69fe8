/*
 * One load-generating connection: the stack's callbacks (net_app_ops),
 * reading and checking replies in place, and keeping the pipeline full.
 *
 * Replies are matched to requests in order (an in-flight FIFO). A reply
 * cut by a segment boundary is completed in ibuf, a few bytes at a time,
 * so that only the cut reply is copied; the rest is read from the mbuf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "loadgen.h"
#include "net/net.h"
#include "proto/proto.h"

#define LG_MISMATCH_REPORTS 5          /* per lcore, to stderr */

static uint64_t cycles_to_ns(const struct lg_shared *sh, uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * sh->ns_mult) >> 32);
}

int lg_conn_init(struct lg_conn *c, struct lg_lcore *lc, unsigned id)
{
	const struct lg_opts *o = lc->sh->o;
	memset(c, 0, sizeof(*c));
	c->lc = lc;
	c->id = id;
	c->state = LG_CONNECTING;
	c->cap = o->pipeline + 1;
	c->fifo = calloc(c->cap, sizeof(*c->fifo));
	c->ocap = lc->wl.max_request * c->cap;
	c->obuf = malloc(c->ocap);
	/* the longest reply: a bulk of data_size, or an error line */
	c->icap = (size_t)o->data_size + 1024;
	c->ibuf = malloc(c->icap);
	lg_keygen_init(&c->keys, o, id, o->clients);
	return c->fifo && c->obuf && c->ibuf ? 0 : -ENOMEM;
}

void lg_conn_fini(struct lg_conn *c)
{
	free(c->fifo);
	free(c->obuf);
	free(c->ibuf);
}

/* ------------------------------------------------------------ requests */

static void push_request(struct lg_conn *c, enum lg_op op, uint64_t key)
{
	struct lg_lcore *lc = c->lc;
	struct lg_inflight *f = &c->fifo[(c->head + c->count) % c->cap];
	f->tsc = lc->now_tsc;
	f->key = key;
	f->op = (uint8_t)op;
	c->count++;
	c->olen += lg_encode(op == LG_FILL ? &lc->wl_fill : &lc->wl, op, key, c->obuf + c->olen);
}

static void flush_output(struct lg_conn *c)
{
	if (c->ooff == c->olen || !c->tc)
		return;
	ssize_t r = tcp_send(c->tc, c->obuf + c->ooff, c->olen - c->ooff);
	if (r < 0)
		return;                 /* closing: error()/closed() tell */
	c->lc->cnt.bytes_out += (uint64_t)r;
	c->ooff += (size_t)r;
	if (c->ooff == c->olen)
		c->ooff = c->olen = 0;
	/* else the send buffer is full: writable() calls us again */
}

void lg_conn_pump(struct lg_conn *c)
{
	struct lg_lcore *lc = c->lc;
	const struct lg_opts *o = lc->sh->o;

	if (c->state != LG_OPEN)
		return;
	if (lc->issuing && c->ooff == 0) {
		/* only into an empty buffer: the FIFO and obuf have room for
		 * one pipeline's worth */
		unsigned cycle = o->ratio_set + o->ratio_get;
		while (c->count < o->pipeline && (!o->requests || c->issued < o->requests)) {
			enum lg_op op = c->ratio_pos < o->ratio_set ? LG_SET : LG_GET;
			if (++c->ratio_pos == cycle)
				c->ratio_pos = 0;
			push_request(c, op, lg_next_key(&c->keys, o, op));
			c->issued++;
		}
	}
	flush_output(c);
}

void lg_conn_poison(struct lg_conn *c)
{
	push_request(c, LG_POISON, (uint64_t)c->lc->sh->o->poison_key);
	flush_output(c);
}

void lg_conn_fill(struct lg_conn *c, uint64_t *next, uint64_t last)
{
	const struct lg_opts *o = c->lc->sh->o;
	if (c->state != LG_OPEN || c->ooff != 0)
		return;               /* as lg_conn_pump: only into an empty buffer */
	while (c->count < o->pipeline && *next <= last)
		push_request(c, LG_FILL, (*next)++);
	flush_output(c);
}

/* ------------------------------------------------------------ replies */

static void conn_fail(struct lg_conn *c, uint64_t *counter)
{
	struct lg_lcore *lc = c->lc;
	if (c->failed)
		return;
	c->failed = true;
	(*counter)++;
	lc->cnt.lost += c->count;
	c->count = 0;
	c->ilen = 0;
	c->ooff = c->olen = 0;
	if (c->state == LG_OPEN)
		lc->nopen--;
	c->state = LG_CLOSING;
	if (c->tc)
		tcp_abort(c->tc);
}

static void report_mismatch(struct lg_conn *c, uint64_t key, const struct resp_item *it)
{
	struct lg_lcore *lc = c->lc;
	if (lc->reported++ >= LG_MISMATCH_REPORTS)
		return;
	int n = it->len > 48 ? 48 : (int)it->len;
	fprintf(stderr, "wirekv-loadgen: lcore %u conn %u: GET %s%0*llu: %zu bytes '%.*s%s' "
		"is not the value this generator sets for that key (seed %llu)\n",
		lc->lcore_id, c->id, lc->sh->o->key_prefix, (int)lc->sh->o->key_digits,
		(unsigned long long)key, it->len, n, it->ptr, it->len > 48 ? "..." : "",
		(unsigned long long)lc->sh->o->seed);
}

/* Check one reply against the oldest request. */
static void on_reply(struct lg_conn *c, const struct resp_item *it)
{
	struct lg_lcore *lc = c->lc;
	struct lg_counts *n = &lc->cnt;

	if (!c->count) {
		conn_fail(c, &n->err_protocol);     /* a reply nobody asked for */
		return;
	}
	struct lg_inflight *f = &c->fifo[c->head];
	c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
	c->count--;
	uint64_t ns = cycles_to_ns(lc->sh, lc->now_tsc - f->tsc);
	lc->last_reply_tsc = lc->now_tsc;

	if (it->type == '-') {
		n->err_reply++;
		if (lc->reported++ < LG_MISMATCH_REPORTS)
			fprintf(stderr, "wirekv-loadgen: lcore %u conn %u: error reply '%.*s'\n",
				lc->lcore_id, c->id, (int)(it->len > 200 ? 200 : it->len), it->ptr);
		return;
	}
	switch (f->op) {
	case LG_POISON:
	case LG_FILL:
		if (it->type != '+')
			n->err_protocol++;
		return;                     /* not part of the measurement */
	case LG_SET:
		n->sets++;
		lg_hist_add(&lc->hist_set, ns);
		if (it->type != '+' || it->len != 2 || memcmp(it->ptr, "OK", 2) != 0)
			n->err_protocol++;
		return;
	default:
		n->gets++;
		lg_hist_add(&lc->hist_get, ns);
		if (it->type == '_') {
			n->misses++;
		} else if (it->type != '$') {
			n->err_protocol++;
		} else if (lg_value_ok(&lc->wl, f->key, it->ptr, it->len)) {
			n->hits++;
		} else {
			n->err_mismatch++;
			report_mismatch(c, f->key, it);
		}
	}
}

/* The reply starting at buf: 1 read (*used bytes), 0 incomplete, -1 not RESP. */
static int read_reply(const char *buf, size_t len, size_t *used, struct resp_item *it)
{
	size_t pos = 0;
	if (!len)
		return 0;
	if (!strchr("+-:$*_%~>,#(=!|", buf[0]) || buf[0] == '\0')
		return -1;
	if (resp_read_item(buf, len, &pos, it) < 0)
		return 0;                   /* incomplete (malformed input stalls: bounded by icap) */
	if (it->type == '*' || it->type == '%' || it->type == '~' || it->type == '>') {
		/* an aggregate is never an answer to SET/GET: skip it whole */
		size_t all = resp_skip_item(buf, len, 0);
		if (!all)
			return 0;
		pos = all;
	}
	*used = pos;
	return 1;
}

static void take_input(struct lg_conn *c, const char *data, size_t len)
{
	struct resp_item it;
	size_t used;
	int r;

	/* finish a reply cut at the last segment boundary, from ibuf */
	while (c->ilen && len) {
		size_t take = c->icap - c->ilen < len ? c->icap - c->ilen : len;
		if (take > 64)
			take = 64;
		memcpy(c->ibuf + c->ilen, data, take);
		c->ilen += take;
		data += take;
		len -= take;
		r = read_reply(c->ibuf, c->ilen, &used, &it);
		if (r < 0 || (r == 0 && c->ilen == c->icap)) {
			conn_fail(c, &c->lc->cnt.err_protocol);
			return;
		}
		if (r == 0)
			continue;
		on_reply(c, &it);
		/* the reply ended inside what we just copied: give the rest back */
		size_t back = c->ilen - used;
		data -= back;
		len += back;
		c->ilen = 0;
		if (c->failed)
			return;
	}
	while (len) {
		r = read_reply(data, len, &used, &it);
		if (r < 0) {
			conn_fail(c, &c->lc->cnt.err_protocol);
			return;
		}
		if (r == 0) {
			if (len > c->icap) {
				conn_fail(c, &c->lc->cnt.err_protocol);
				return;
			}
			memcpy(c->ibuf, data, len);
			c->ilen = len;
			return;
		}
		on_reply(c, &it);
		if (c->failed)
			return;
		data += used;
		len -= used;
	}
}

/* ------------------------------------------------------------ stack callbacks */

static void *app_accepted(void *app, struct tcp_conn *tc, const char *peer, const char *local)
{
	struct lg_lcore *lc = app;
	(void)peer;
	(void)local;
	/* active open only: the handle tcp_connect got is already set */
	for (unsigned i = 0; i < lc->nconns; i++) {
		struct lg_conn *c = &lc->conns[i];
		if (c->tc == tc) {
			c->state = LG_OPEN;
			lc->nopen++;
			return c;
		}
	}
	return NULL;
}

static void app_recv(void *app, void *h, char *data, size_t len)
{
	struct lg_conn *c = h;
	struct lg_lcore *lc = app;
	if (c->failed)
		return;
	lc->now_tsc = rte_rdtsc();
	lc->cnt.bytes_in += len;
	take_input(c, data, len);
	lg_conn_pump(c);
}

static void app_eof(void *app, void *h)
{
	struct lg_conn *c = h;
	if (c->state == LG_OPEN)
		conn_fail(c, &c->lc->cnt.err_conn);  /* the server closed on us */
}

static void app_error(void *app, void *h, int err)
{
	struct lg_conn *c = h;
	struct lg_lcore *lc = app;
	if (c->failed)
		return;
	if (lc->reported++ < LG_MISMATCH_REPORTS)
		fprintf(stderr, "wirekv-loadgen: lcore %u conn %u: %s\n", lc->lcore_id, c->id,
			strerror(err));
	c->tc = NULL;   /* the stack frees it: no abort */
	conn_fail(c, &lc->cnt.err_conn);
}

static void app_writable(void *app, void *h)
{
	lg_conn_pump(h);
}

static void app_closed(void *app, void *h)
{
	struct lg_conn *c = h;
	struct lg_lcore *lc = app;
	if (c->state == LG_OPEN) {
		lc->nopen--;
		if (!c->failed) {
			c->failed = true;
			lc->cnt.err_conn++;
		}
	}
	c->tc = NULL;
	c->state = LG_DONE;
	lc->nclosed++;
}

static size_t app_pending_input(void *app, void *h)
{
	return ((struct lg_conn *)h)->ilen;
}

const struct net_app_ops lg_app_ops = {
	.accepted = app_accepted,
	.recv = app_recv,
	.eof = app_eof,
	.error = app_error,
	.writable = app_writable,
	.closed = app_closed,
	.pending_input = app_pending_input,
};
