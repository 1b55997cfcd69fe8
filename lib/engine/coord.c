/*
 * Coordinator runtime (cmd.h, struct coord_ctx): a command whose keys span
 * workers, or that needs every worker (DBSIZE, KEYS ...), runs on the
 * client's worker in phases. Sub-requests for this worker run at once;
 * the others travel in the turn's batches. When the last reply of a phase
 * is in, the coordinator is called again with them in send order. While it
 * runs, the client's later commands wait (CONN_HELD).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static int coord_grow(struct coord_run *cr)
{
	int cap = cr->cap ? cr->cap * 2 : 8;
	struct reply *r = realloc(cr->subr, sizeof(*r) * (size_t)cap);
	if (!r)
		return -1;
	cr->subr = r;
	struct coord_sub *s = realloc(cr->cur, sizeof(*s) * (size_t)cap);
	if (!s)
		return -1;
	cr->cur = s;
	bool *g = realloc(cr->got, sizeof(*g) * (size_t)cap);
	if (!g)
		return -1;
	cr->got = g;
	cr->cap = cap;
	return 0;
}

static void coord_send(struct coord_ctx *cc, int worker, int db, int argc,
		       const struct resp_arg *argv)
{
	struct coord_run *cr = (struct coord_run *)cc;
	struct worker *w = cr->w;
	if (cr->nsent == cr->cap && coord_grow(cr) < 0) {
		cr->failed = true;
		return;
	}
	int idx = cr->nsent++;
	struct reply *r = &cr->subr[idx];
	reply_init(r, cr->out.resp);
	cr->cur[idx].worker = worker;
	cr->got[idx] = false;
	if (worker == w->id || worker < 0 || worker >= w->n) {
		cr->cur[idx].worker = w->id;
		struct block_origin o = { .kind = BW_SUB, .src = w->id, .token = cr,
					  .seq = (uint64_t)idx };
		block_set_origin(w, &o);
		cmd_run_sub(&w->env, db, r, argc, argv);
		block_set_origin(w, NULL);
		if (o.parked)
			cr->nwait++; /* a watch: its reply comes by coord_sub_reply */
		else
			cr->got[idx] = true;
		block_after_command(w, &w->blk, w->env.shard);
		return;
	}
	if (msg_put_request(w, worker, MSG_REQ_SUB, cr, (uint64_t)idx, NULL, db, cr->out.resp,
			    argc, argv) < 0) {
		cr->failed = true;
		reply_error(r, "ERR out of memory");
		return;
	}
	cr->nwait++;
}

static void coord_free_prev(struct coord_run *cr)
{
	for (int i = 0; i < cr->nprev; i++)
		reply_free(&cr->prevr[i]);
	free(cr->prevr);
	free(cr->prev);
	cr->prevr = NULL;
	cr->prev = NULL;
	cr->nprev = 0;
}

/* The phase's replies become sub[] of the next call. */
static void coord_next_phase(struct coord_run *cr)
{
	coord_free_prev(cr);
	cr->prevr = cr->subr;
	cr->prev = cr->cur;
	cr->nprev = cr->nsent;
	cr->subr = NULL;
	cr->cur = NULL;
	free(cr->got);
	cr->got = NULL;
	cr->cap = 0;
	cr->any = false;
	cr->cancelling = false;
	for (int i = 0; i < cr->nprev; i++) {
		cr->prev[i].reply = cr->prevr[i].buf ? cr->prevr[i].buf : "";
		cr->prev[i].len = cr->prevr[i].len;
	}
	cr->cc.phase++;
	cr->cc.nsub = cr->nprev;
	cr->cc.sub = cr->prev;
	cr->nsent = 0;
	cr->nwait = 0;
}

static void coord_finish(struct worker *w, struct coord_run *cr)
{
	struct conn *c = cr->conn;
	coord_free_prev(cr);
	for (int i = 0; i < cr->nsent; i++)
		reply_free(&cr->subr[i]);
	free(cr->subr);
	free(cr->cur);
	free(cr->got);
	c->coord = NULL;
	if ((cr->cc.def->flags & CMD_BLOCKING) && c->client.blocked) {
		c->client.blocked = false;
		w->stats.blocked_clients--;
	}
	if (cr->cc.cancelled) {
		/* the client went away: nothing to answer */
		if (!(c->flags & CONN_DEAD) && (c->flags & CONN_HELD)) {
			c->flags &= ~CONN_HELD;
			conn_mark_resume(w, c);
		}
	} else if (!(c->flags & CONN_DEAD)) {
		conn_slot_fill_reply(w, c, cr->seq, &cr->out);
		if (c->flags & CONN_HELD) {
			c->flags &= ~CONN_HELD;
			conn_mark_resume(w, c);
		}
		if (c->client.close_after_reply)
			c->flags |= CONN_CLOSING;
		conn_mark_flush(w, c);
	}
	reply_free(&cr->out);
	free(cr->argbytes);
	free(cr->argv);
	free(cr);
	conn_release(w, c);
}

/* A send was lost or the coordinator waits on nothing: it cannot go on. */
static void coord_fail(struct worker *w, struct coord_run *cr)
{
	reply_clear(&cr->out);
	reply_error(&cr->out, "ERR internal error in coordinator");
	coord_finish(w, cr);
}

/* Cancel the subs of a wait_any phase that have not answered: each still
 * answers once (empty if it was still parked), then the phase is over. */
static void coord_cancel_rest(struct worker *w, struct coord_run *cr)
{
	if (cr->cancelling)
		return;
	cr->cancelling = true;
	for (int i = 0; i < cr->nsent; i++) {
		if (cr->got[i])
			continue;
		int dst = cr->cur[i].worker;
		if (dst == w->id)
			block_cancel(w, w->id, cr, (uint64_t)i, BW_CANCEL_DROP);
		else if (msg_put_request(w, dst, MSG_CANCEL, cr, (uint64_t)i, NULL, BW_CANCEL_DROP,
					 cr->out.resp, 0, NULL) < 0)
			abort(); /* the coordinator would wait forever */
	}
}

void coord_cancel(struct worker *w, struct coord_run *cr)
{
	cr->cc.cancelled = true;
	if (cr->any && cr->nwait)
		coord_cancel_rest(w, cr);
}

bool coord_unblock(struct worker *w, struct coord_run *cr, int mode)
{
	if (!(cr->cc.def->flags & CMD_BLOCKING) || !cr->any || !cr->nwait || cr->cancelling)
		return false;
	cr->cc.unblock = mode;
	coord_cancel_rest(w, cr);
	return true;
}

/* Call the coordinator until it finishes or waits for other workers.
 * Returns true if it finished. */
static bool coord_step(struct worker *w, struct coord_run *cr)
{
	for (;;) {
		cr->cc.wait_any = false;
		enum coord_result res = cr->cc.def->coord(&cr->cc);
		if (res == COORD_DONE) {
			coord_finish(w, cr);
			return true;
		}
		cr->any = cr->cc.wait_any;
		if (cr->any && cr->nwait && (cr->nwait < cr->nsent || cr->cc.cancelled))
			coord_cancel_rest(w, cr); /* one answered at once (or the client left) */
		if (cr->nwait || cr->queued)
			return false; /* (queued: a cancel answered at once; coord_run_ready goes on) */
		if (cr->failed || cr->nsent == 0) {
			coord_fail(w, cr);
			return true;
		}
		coord_next_phase(cr);
	}
}

void coord_start(struct worker *w, struct conn *c, const struct cmd_def *def,
		 int argc, const struct resp_arg *argv)
{
	struct coord_run *cr = calloc(1, sizeof(*cr));
	size_t bytes = 0;
	for (int i = 0; i < argc; i++)
		bytes += argv[i].len;
	if (cr) {
		cr->argbytes = malloc(bytes + 1);
		cr->argv = malloc(sizeof(*cr->argv) * (size_t)argc);
	}
	uint64_t seq = cr && cr->argbytes && cr->argv ? conn_slot_push_wait(c) : UINT64_MAX;
	if (seq == UINT64_MAX) {
		if (cr) {
			free(cr->argbytes);
			free(cr->argv);
			free(cr);
		}
		conn_close(w, c);
		return;
	}
	char *p = cr->argbytes;
	for (int i = 0; i < argc; i++) {
		memcpy(p, argv[i].ptr, argv[i].len);
		cr->argv[i].ptr = p;
		cr->argv[i].len = argv[i].len;
		p += argv[i].len;
	}
	cr->w = w;
	cr->conn = c;
	cr->seq = seq;
	c->refs++;
	reply_init(&cr->out, c->client.resp);
	cr->cc = (struct coord_ctx){
		.env = &w->env, .client = &c->client, .def = def, .r = &cr->out,
		.db = c->client.db, .argc = argc, .argv = cr->argv, .phase = 0,
		.host = cr, .send = coord_send,
	};
	w->stats.coord_cmds++;
	c->client.last_cmd = def->name;
	c->coord = cr;
	if (def->flags & CMD_BLOCKING) {
		c->client.blocked = true; /* flags=b, blocked_clients */
		w->stats.blocked_clients++;
	}
	if (!coord_step(w, cr))
		c->flags |= CONN_HELD;
}

void coord_sub_reply(struct worker *w, struct coord_run *cr, uint64_t idx,
		     const char *p, size_t n)
{
	reply_raw(&cr->subr[idx], p, n);
	cr->got[idx] = true;
	if (cr->any && cr->nwait > 1)
		coord_cancel_rest(w, cr); /* the first of a wait_any phase */
	if (--cr->nwait == 0 && !cr->queued) {
		cr->queued = true;
		cr->ready_next = w->ready_head;
		w->ready_head = cr;
	}
}

void coord_run_ready(struct worker *w)
{
	while (w->ready_head) {
		struct coord_run *cr = w->ready_head;
		w->ready_head = cr->ready_next;
		cr->queued = false;
		if (cr->failed) {
			coord_fail(w, cr);
			continue;
		}
		coord_next_phase(cr);
		coord_step(w, cr);
	}
}
