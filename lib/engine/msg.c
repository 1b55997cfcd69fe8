/*
 * Messages between workers: records packed into one batch per destination
 * per loop turn, posted on the (src,dst) SPSC ring at the end of the turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define MSG_ALIGN 8
#define MSG_PAD(n) (((n) + MSG_ALIGN - 1) & ~(size_t)(MSG_ALIGN - 1))

struct msg_batch *worker_batch(struct worker *w, int dst)
{
	struct msg_batch *b = w->outb[dst];
	if (b)
		return b;
	if (w->nfreeb) {
		b = w->freeb[--w->nfreeb];
	} else {
		b = malloc(sizeof(*b));
		if (!b)
			return NULL;
		reply_init(&b->buf, 2);
	}
	b->src = w->id;
	b->nrec = 0;
	reply_clear(&b->buf);
	w->outb[dst] = b;
	return b;
}

void msg_recycle(struct worker *w, struct msg_batch *b)
{
	if (w->nfreeb < BATCH_FREELIST && b->buf.cap <= BATCH_KEEP) {
		w->freeb[w->nfreeb++] = b;
		return;
	}
	reply_free(&b->buf);
	free(b);
}

/* Where a record for dst goes now: the batch, or the deferred buffer while
 * a reply record for dst is being written into that batch. */
static struct reply *record_target(struct worker *w, int dst, uint32_t **nrec)
{
	if (w->building == dst + 1) {
		*nrec = &w->ndeferred;
		return &w->deferred;
	}
	struct msg_batch *b = worker_batch(w, dst);
	if (!b)
		return NULL;
	*nrec = &b->nrec;
	return &b->buf;
}

int msg_put_request(struct worker *w, int dst, enum msg_type type, void *token,
		    uint64_t seq, const struct cmd_def *def, int db, int resp,
		    int argc, const struct resp_arg *argv)
{
	uint32_t *nrec;
	struct reply *out = record_target(w, dst, &nrec);
	if (!out)
		return -ENOMEM;
	size_t bytes = 0;
	for (int i = 0; i < argc; i++)
		bytes += argv[i].len;
	size_t size = MSG_PAD(sizeof(struct msg_hdr) + sizeof(uint32_t) * (size_t)argc + bytes);
	if (reply_reserve(out, size) < 0)
		return -ENOMEM;
	char *p = out->buf + out->len;
	struct msg_hdr *h = (struct msg_hdr *)p;
	*h = (struct msg_hdr){
		.type = type, .size = size, .token = token, .seq = seq, .def = def,
		.db = db, .resp = resp, .argc = argc, .len = bytes,
	};
	uint32_t *lens = (uint32_t *)(h + 1);
	char *dstp = (char *)(lens + argc);
	for (int i = 0; i < argc; i++) {
		lens[i] = (uint32_t)argv[i].len;
		memcpy(dstp, argv[i].ptr, argv[i].len);
		dstp += argv[i].len;
	}
	out->len += size;
	(*nrec)++;
	return 0;
}

int msg_put_reply(struct worker *w, int dst, enum msg_type type, void *token, uint64_t seq,
		  int resp, const char *p, size_t n)
{
	uint32_t *nrec;
	struct reply *out = record_target(w, dst, &nrec);
	size_t size = MSG_PAD(sizeof(struct msg_hdr) + n);
	if (!out || reply_reserve(out, size) < 0)
		return -ENOMEM;
	struct msg_hdr *h = (struct msg_hdr *)(out->buf + out->len);
	*h = (struct msg_hdr){
		.type = type, .size = size, .token = token, .seq = seq, .resp = resp, .len = n,
	};
	if (n)
		memcpy(h + 1, p, n);
	out->len += size;
	(*nrec)++;
	return 0;
}

/* The reply record for src is complete: the records deferred meanwhile follow it. */
static void msg_flush_deferred(struct worker *w, struct msg_batch *b)
{
	w->building = 0;
	if (!w->ndeferred)
		return;
	reply_raw(&b->buf, w->deferred.buf, w->deferred.len);
	if (b->buf.nomem)
		abort(); /* their receivers would wait forever */
	b->nrec += w->ndeferred;
	w->ndeferred = 0;
	reply_clear(&w->deferred);
}

/* Run a request from worker src and append its reply to our batch for src. */
static void msg_run_request(struct worker *w, int src, const struct msg_hdr *h)
{
	const uint32_t *lens = (const uint32_t *)(h + 1);
	const char *p = (const char *)(lens + h->argc);
	if (worker_argv_reserve(w, h->argc) < 0)
		abort(); /* the requester would wait forever: nothing sane to do */
	for (int i = 0; i < h->argc; i++) {
		w->argv[i].ptr = p;
		w->argv[i].len = lens[i];
		p += lens[i];
	}
	struct msg_batch *b = worker_batch(w, src);
	if (!b || reply_reserve(&b->buf, sizeof(struct msg_hdr)) < 0)
		abort();
	size_t hoff = b->buf.len;
	b->buf.len += sizeof(struct msg_hdr);
	b->buf.resp = h->resp;
	w->turn_cmds++;
	struct block_origin o = {
		.kind = h->type == MSG_REQ_CMD ? BW_REMOTE : BW_SUB, .src = src,
		.token = h->token, .seq = h->seq,
	};
	block_set_origin(w, &o);
	w->building = src + 1;
	if (h->type == MSG_REQ_CMD) {
		cmd_run(&w->env, NULL, h->def, h->db, &b->buf, h->argc, w->argv);
		w->stats.cross_worker_cmds++;
	} else {
		cmd_run_sub(&w->env, h->db, &b->buf, h->argc, w->argv);
	}
	block_set_origin(w, NULL);
	if (o.parked) {
		/* it waits for data: its reply goes out when it is served */
		b->buf.len = hoff;
		msg_flush_deferred(w, b);
		block_after_command(w, &w->blk, w->env.shard);
		return;
	}
	if (b->buf.nomem) {
		b->buf.len = hoff + sizeof(struct msg_hdr);
		b->buf.nomem = false;
		reply_error(&b->buf, "OOM command not allowed when used memory > 'maxmemory'.");
		if (b->buf.nomem)
			abort();
	}
	size_t len = b->buf.len - hoff - sizeof(struct msg_hdr);
	size_t size = MSG_PAD(sizeof(struct msg_hdr) + len);
	static const char zeros[MSG_ALIGN];
	reply_raw(&b->buf, zeros, size - sizeof(struct msg_hdr) - len);
	if (b->buf.nomem)
		abort();
	struct msg_hdr *rh = (struct msg_hdr *)(b->buf.buf + hoff);
	*rh = (struct msg_hdr){
		.type = h->type == MSG_REQ_CMD ? MSG_REP_CMD : MSG_REP_SUB,
		.size = size, .token = h->token, .seq = h->seq,
		.db = h->db, .resp = h->resp, .len = len,
	};
	b->nrec++;
	msg_flush_deferred(w, b);
	/* after the reply record: serving waiters may append to this batch */
	block_after_command(w, &w->blk, w->env.shard);
}

void msg_process_batch(struct worker *w, struct msg_batch *b)
{
	size_t off = 0;
	int src = b->src;
	while (off < b->buf.len) {
		const struct msg_hdr *h = (const struct msg_hdr *)(b->buf.buf + off);
		const char *payload = (const char *)(h + 1);
		switch (h->type) {
		case MSG_REQ_CMD:
		case MSG_REQ_SUB:
			msg_run_request(w, src, h);
			break;
		case MSG_REP_CMD: {
			struct conn *c = h->token;
			if (!(c->flags & CONN_DEAD)) {
				if ((c->flags & CONN_BLOCKED) && c->block_seq == h->seq)
					conn_unblock(w, c); /* its blocking command answered */
				conn_slot_fill(w, c, h->seq, payload, h->len);
			}
			conn_release(w, c);
			break;
		}
		case MSG_REP_SUB:
			coord_sub_reply(w, h->token, h->seq, payload, h->len);
			break;
		case MSG_CANCEL:
			block_cancel(w, src, h->token, h->seq, (enum bw_cancel)h->db);
			break;
		default:
			abort();
		}
		off += h->size;
		w->stats.ring_msgs_in++;
	}
	msg_recycle(w, b);
}

/* One post per destination per turn; a full ring keeps the batch for the
 * next turn (it goes on growing meanwhile). */
void msg_post_all(struct worker *w)
{
	struct engine *e = w->e;
	for (int dst = 0; dst < w->n; dst++) {
		struct msg_batch *b = w->outb[dst];
		if (!b || !b->nrec)
			continue;
		uint32_t nrec = b->nrec;
		if (spsc_enqueue_burst(engine_ring(e, w->id, dst), (void **)&b, 1) != 1)
			continue;
		w->outb[dst] = NULL;
		w->stats.ring_msgs_out += nrec;
		worker_wake(w, dst);
	}
}

void msg_free_all(struct worker *w)
{
	for (int dst = 0; dst < w->n; dst++) {
		if (w->outb[dst]) {
			reply_free(&w->outb[dst]->buf);
			free(w->outb[dst]);
			w->outb[dst] = NULL;
		}
	}
	reply_free(&w->deferred);
	while (w->nfreeb) {
		struct msg_batch *b = w->freeb[--w->nfreeb];
		reply_free(&b->buf);
		free(b);
	}
}
