/*
 * Reply ordering. A conn's replies leave in request order: a command whose
 * reply is computed elsewhere (another worker, a coordinator) takes a slot
 * in the conn's FIFO; replies of later commands queue behind it, and when
 * the head slot is filled, every ready slot from the head on moves to the
 * output. With nothing pending, replies go straight to the output buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static struct rslot *slot_at(struct conn *c, uint32_t i)
{
	return &c->slots[(c->slot_head + i) & c->slot_mask];
}

static int slots_grow(struct conn *c)
{
	uint32_t cap = c->slots ? (c->slot_mask + 1) * 2 : 8;
	struct rslot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (uint32_t i = 0; i < c->slot_count; i++)
		s[i] = *slot_at(c, i);
	free(c->slots);
	c->slots = s;
	c->slot_mask = cap - 1;
	c->slot_head = 0;
	return 0;
}

static struct rslot *slot_push(struct conn *c, int state)
{
	if (!c->slots || c->slot_count == c->slot_mask + 1) {
		if (slots_grow(c) < 0)
			return NULL;
	}
	struct rslot *s = slot_at(c, c->slot_count++);
	s->state = state;
	reply_init(&s->buf, c->client.resp);
	return s;
}

/* Where the reply of a command answered here goes: the output buffer, or,
 * if replies are pending ahead of it, a ready slot at the tail. */
struct reply *conn_reply_target(struct conn *c)
{
	struct reply *r;
	if (c->slot_count == 0) {
		r = &c->out[c->fill];
	} else {
		struct rslot *t = slot_at(c, c->slot_count - 1);
		if (t->state != RSLOT_READY)
			t = slot_push(c, RSLOT_READY);
		if (!t) /* no memory for a slot: the reply is lost, order is kept */
			t = slot_at(c, c->slot_count - 1);
		r = &t->buf;
	}
	r->resp = c->client.resp;
	return r;
}

uint64_t conn_slot_push_wait(struct conn *c)
{
	if (!slot_push(c, RSLOT_WAIT))
		return UINT64_MAX;
	return c->head_seq + c->slot_count - 1;
}

static void append_reply(struct reply *dst, struct reply *src)
{
	if (!src->len)
		return;
	if (dst->len == 0 && dst->cap <= src->cap) {
		struct reply t = *dst;
		*dst = *src;
		*src = t;
		return;
	}
	reply_raw(dst, src->buf, src->len);
	src->len = 0;
}

/* Move ready slots at the head to the output. */
static void slots_drain(struct worker *w, struct conn *c)
{
	struct reply *out = &c->out[c->fill];
	while (c->slot_count) {
		struct rslot *s = slot_at(c, 0);
		if (s->state != RSLOT_READY)
			break;
		c->slot_bytes -= s->buf.len < c->slot_bytes ? s->buf.len : c->slot_bytes;
		append_reply(out, &s->buf);
		reply_free(&s->buf);
		c->slot_head = (c->slot_head + 1) & c->slot_mask;
		c->slot_count--;
		c->head_seq++;
	}
	conn_mark_flush(w, c);
	conn_check_output_limits(w, c);
}

static struct rslot *slot_by_seq(struct conn *c, uint64_t seq)
{
	uint64_t i = seq - c->head_seq;
	if (seq < c->head_seq || i >= c->slot_count)
		return NULL;
	return slot_at(c, (uint32_t)i);
}

void conn_slot_fill(struct worker *w, struct conn *c, uint64_t seq, const char *p, size_t n)
{
	struct rslot *s = slot_by_seq(c, seq);
	if (!s)
		return;
	if (seq == c->head_seq) {
		reply_raw(&c->out[c->fill], p, n); /* at the head: no copy into the slot */
	} else {
		reply_raw(&s->buf, p, n);
		c->slot_bytes += n;
	}
	s->state = RSLOT_READY;
	if (seq == c->head_seq)
		slots_drain(w, c);
}

void conn_slot_fill_reply(struct worker *w, struct conn *c, uint64_t seq, struct reply *r)
{
	struct rslot *s = slot_by_seq(c, seq);
	if (!s)
		return;
	c->slot_bytes += r->len;
	append_reply(&s->buf, r);
	s->state = RSLOT_READY;
	if (seq == c->head_seq)
		slots_drain(w, c);
}

void conn_slots_free(struct conn *c)
{
	for (uint32_t i = 0; i < c->slot_count; i++)
		reply_free(&slot_at(c, i)->buf);
	free(c->slots);
	c->slots = NULL;
	c->slot_count = 0;
	c->slot_bytes = 0;
}

size_t conn_slots_bytes(const struct conn *c)
{
	size_t n = 0;
	for (uint32_t i = 0; i < c->slot_count; i++)
		n += c->slots[(c->slot_head + i) & c->slot_mask].buf.len;
	return n;
}
