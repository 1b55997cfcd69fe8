/*
 * Blocking commands parked on the worker that owns their keys (Redis's
 * blocked.c, per worker).
 *
 * A handler of a CMD_BLOCKING command that finds nothing calls env->block
 * (svc_block): the engine records a waiter here with a copy of the command
 * and where its reply goes (struct block_origin: a local conn's reply slot,
 * a remote client's worker + conn + slot, or a coordinator's sub-request),
 * queues it FIFO on each of its keys, and in a deadline heap if it has a
 * timeout. The run that parked writes no reply.
 *
 * Wake-ups: a list or zset key gets data only by being created; while
 * anything waits here, the shard notes the keys that become collections
 * (store.h, shard_ready_take). After each command run on this shard the
 * engine takes the notes and, for each noted key with waiters, runs the
 * waiters' commands again in FIFO order with CMD_WAKE_KEY (Redis's
 * handleClientsBlockedOnKeys): one that writes a reply is served, its
 * reply delivered, and it leaves all its keys; one that writes nothing
 * (its key is of another type) stays. Serving goes on while the key exists;
 * a served BLMOVE may create another noted key, which the same take
 * handles. A coordinator's __bwatch is served without popping (":1").
 *
 * Timeouts: block_expire runs each loop turn and answers waiters whose
 * deadline passed with their CMD_WAKE_TIMEOUT reply; the worker's sleep is
 * cut to the earliest deadline.
 *
 * Cancels: a local conn that closes drops its waiter at once. A remote
 * client's worker, or a coordinator, sends MSG_CANCEL; a waiter still
 * parked is answered (empty for a drop, so the sender's refs balance), one
 * already answered gets nothing more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

struct bw_link {                  /* a waiter's place in one key's FIFO */
	struct bwaiter *bw;
	struct bkey *k;
	struct bw_link *prev, *next;
};

struct bkey {                     /* a (db, key) with waiters */
	struct bkey *hnext;
	uint64_t hash;
	struct bw_link *head, *tail;
	int db;
	size_t klen;
	char key[];
};

struct bwaiter {
	struct block_origin o;        /* where the reply goes (o.parked unused) */
	struct bwaiter *onext;        /* orig hash chain (BW_REMOTE, BW_SUB) */
	uint64_t ohash;
	const struct cmd_def *def;
	int db, resp;
	int argc;
	struct resp_arg *argv;        /* into argbytes */
	char *argbytes;
	int64_t deadline;             /* unix ms, 0 = none */
	size_t heap_idx;              /* in the heap, or SIZE_MAX */
	bool notify;                  /* a coordinator's __bwatch */
	int nlinks;
	struct bw_link links[];
};

#define BK_INIT 16

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static uint64_t key_hash(int db, const char *k, size_t n)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)db;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 1099511628211ULL;
	}
	return mix64(h);
}

static uint64_t orig_hash(int src, const void *token, uint64_t seq)
{
	return mix64((uint64_t)(uintptr_t)token ^ mix64(seq + 0x9e3779b97f4a7c15ULL * (uint64_t)(src + 1)));
}

/* ---------------------------------------------------------------- tables */

/* Double a chained table of `mask + 1` buckets; next_of gives the chain. */
static int keys_grow(struct block_state *b)
{
	size_t cap = b->keys ? (b->kmask + 1) * 2 : BK_INIT;
	struct bkey **t = calloc(cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; b->keys && i <= b->kmask; i++) {
		for (struct bkey *k = b->keys[i], *n; k; k = n) {
			n = k->hnext;
			k->hnext = t[k->hash & (cap - 1)];
			t[k->hash & (cap - 1)] = k;
		}
	}
	free(b->keys);
	b->keys = t;
	b->kmask = cap - 1;
	return 0;
}

static struct bkey *bkey_find(struct block_state *b, int db, const char *key, size_t klen,
			      uint64_t h)
{
	if (!b->keys)
		return NULL;
	for (struct bkey *k = b->keys[h & b->kmask]; k; k = k->hnext)
		if (k->hash == h && k->db == db && k->klen == klen && !memcmp(k->key, key, klen))
			return k;
	return NULL;
}

static struct bkey *bkey_get(struct block_state *b, int db, const char *key, size_t klen)
{
	uint64_t h = key_hash(db, key, klen);
	struct bkey *k = bkey_find(b, db, key, klen, h);
	if (k)
		return k;
	if ((!b->keys || b->nkeys > b->kmask) && keys_grow(b) < 0)
		return NULL;
	k = calloc(1, sizeof(*k) + klen);
	if (!k)
		return NULL;
	k->hash = h;
	k->db = db;
	k->klen = klen;
	memcpy(k->key, key, klen);
	k->hnext = b->keys[h & b->kmask];
	b->keys[h & b->kmask] = k;
	b->nkeys++;
	return k;
}

static void bkey_del(struct block_state *b, struct bkey *k)
{
	struct bkey **p = &b->keys[k->hash & b->kmask];
	while (*p != k)
		p = &(*p)->hnext;
	*p = k->hnext;
	b->nkeys--;
	free(k);
}

static int orig_grow(struct block_state *b)
{
	size_t cap = b->orig ? (b->omask + 1) * 2 : BK_INIT;
	struct bwaiter **t = calloc(cap, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; b->orig && i <= b->omask; i++) {
		for (struct bwaiter *w = b->orig[i], *n; w; w = n) {
			n = w->onext;
			w->onext = t[w->ohash & (cap - 1)];
			t[w->ohash & (cap - 1)] = w;
		}
	}
	free(b->orig);
	b->orig = t;
	b->omask = cap - 1;
	return 0;
}

static struct bwaiter *orig_find(struct block_state *b, int src, void *token, uint64_t seq)
{
	if (!b->orig)
		return NULL;
	uint64_t h = orig_hash(src, token, seq);
	for (struct bwaiter *w = b->orig[h & b->omask]; w; w = w->onext)
		if (w->o.src == src && w->o.token == token && w->o.seq == seq)
			return w;
	return NULL;
}

static void orig_del(struct block_state *b, struct bwaiter *bw)
{
	struct bwaiter **p = &b->orig[bw->ohash & b->omask];
	while (*p != bw)
		p = &(*p)->onext;
	*p = bw->onext;
	b->norig--;
}

/* ------------------------------------------------------------------ heap */

static void heap_set(struct block_state *b, size_t i, struct bwaiter *bw)
{
	b->heap[i] = bw;
	bw->heap_idx = i;
}

static void heap_up(struct block_state *b, size_t i)
{
	struct bwaiter *bw = b->heap[i];
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (b->heap[p]->deadline <= bw->deadline)
			break;
		heap_set(b, i, b->heap[p]);
		i = p;
	}
	heap_set(b, i, bw);
}

static void heap_down(struct block_state *b, size_t i)
{
	struct bwaiter *bw = b->heap[i];
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		int64_t best = bw->deadline;
		if (l < b->nheap && b->heap[l]->deadline < best)
			m = l, best = b->heap[l]->deadline;
		if (l + 1 < b->nheap && b->heap[l + 1]->deadline < best)
			m = l + 1;
		if (m == i)
			break;
		heap_set(b, i, b->heap[m]);
		i = m;
	}
	heap_set(b, i, bw);
}

static int heap_push(struct block_state *b, struct bwaiter *bw)
{
	if (b->nheap == b->heapcap) {
		size_t cap = b->heapcap ? b->heapcap * 2 : 16;
		struct bwaiter **h = realloc(b->heap, sizeof(*h) * cap);
		if (!h)
			return -ENOMEM;
		b->heap = h;
		b->heapcap = cap;
	}
	heap_set(b, b->nheap++, bw);
	heap_up(b, b->nheap - 1);
	return 0;
}

static void heap_remove(struct block_state *b, struct bwaiter *bw)
{
	size_t i = bw->heap_idx;
	bw->heap_idx = SIZE_MAX;
	struct bwaiter *last = b->heap[--b->nheap];
	if (i == b->nheap)
		return;
	heap_set(b, i, last);
	heap_down(b, i);
	heap_up(b, last->heap_idx);
}

/* --------------------------------------------------------------- waiters */

static void waiter_free(struct bwaiter *bw)
{
	free(bw->argbytes);
	free(bw->argv);
	free(bw);
}

/* Take bw off its keys, the heap and the origin table (it is then only
 * the caller's). */
static void unpark(struct worker *w, struct bwaiter *bw)
{
	struct block_state *b = &w->blk;
	for (int i = 0; i < bw->nlinks; i++) {
		struct bw_link *l = &bw->links[i];
		struct bkey *k = l->k;
		if (l->prev)
			l->prev->next = l->next;
		else
			k->head = l->next;
		if (l->next)
			l->next->prev = l->prev;
		else
			k->tail = l->prev;
		if (!k->head)
			bkey_del(b, k);
	}
	bw->nlinks = 0;
	if (bw->heap_idx != SIZE_MAX) {
		heap_remove(b, bw);
		if (!bw->notify)
			w->stats.clients_in_timeout_table--;
	}
	if (bw->o.kind != BW_CONN)
		orig_del(b, bw);
	if (--b->nwaiters == 0 && w->env.shard)
		shard_track_ready(w->env.shard, false);
}

/* Send the reply p[0..n) where bw's origin waits for it. */
static void deliver(struct worker *w, struct bwaiter *bw, const char *p, size_t n)
{
	struct block_origin *o = &bw->o;
	switch (o->kind) {
	case BW_CONN: {
		struct conn *c = o->conn;
		c->bw = NULL;
		conn_unblock(w, c);
		conn_slot_fill(w, c, o->seq, p, n);
		conn_release(w, c); /* the waiter's reference */
		break;
	}
	case BW_REMOTE:
		if (msg_put_reply(w, o->src, MSG_REP_CMD, o->token, o->seq, bw->resp, p, n) < 0)
			abort(); /* the client's worker would wait forever */
		break;
	case BW_SUB:
		if (o->src == w->id)
			coord_sub_reply(w, o->token, o->seq, p, n);
		else if (msg_put_reply(w, o->src, MSG_REP_SUB, o->token, o->seq, bw->resp, p, n) < 0)
			abort();
		break;
	}
}

/* Run bw's command again (wake mode) into the scratch reply. */
static struct reply *rerun(struct worker *w, struct bwaiter *bw, struct reply *r,
			   enum cmd_wake wake, const struct resp_arg *key)
{
	struct block_origin *saved = w->blk.origin;
	w->blk.origin = NULL; /* a command run again never parks again */
	reply_clear(r);
	r->resp = bw->resp;
	cmd_run_wake(&w->env, bw->def, bw->db, r, bw->argc, bw->argv, wake, key);
	w->blk.origin = saved;
	if (r->nomem) {
		reply_clear(r);
		reply_error(r, "OOM command not allowed when used memory > 'maxmemory'.");
	}
	return r;
}

/* Answer bw with its timeout reply (or CLIENT UNBLOCK ERROR's), unparked. */
static void answer_timeout(struct worker *w, struct bwaiter *bw, bool error, struct reply *r)
{
	unpark(w, bw);
	reply_clear(r);
	r->resp = bw->resp;
	if (error)
		reply_error(r, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
	else
		rerun(w, bw, r, CMD_WAKE_TIMEOUT, NULL);
	deliver(w, bw, r->buf, r->len);
	waiter_free(bw);
}

/* env->block (cmd.h). */
static int svc_block(struct cmd_env *env, const struct cmd_ctx *c, const struct resp_arg *keys,
		     int nkeys, int64_t deadline_ms, unsigned flags)
{
	struct worker *w = env->host;
	struct block_state *b = &w->blk;
	struct block_origin *o = b->origin;
	bool notify = flags & CMD_BLOCK_NOTIFY;
	if (!o || o->parked || w->stopping || nkeys <= 0)
		return -EAGAIN;
	if (o->kind == BW_SUB && !notify)
		return -EAGAIN; /* a coordinator's round: it watches with __bwatch */
	struct bwaiter *bw = calloc(1, sizeof(*bw) + sizeof(struct bw_link) * (size_t)nkeys);
	size_t bytes = 0;
	for (int i = 0; i < c->argc; i++)
		bytes += c->argv[i].len;
	if (!bw || !(bw->argbytes = malloc(bytes + 1)) ||
	    !(bw->argv = malloc(sizeof(*bw->argv) * (size_t)c->argc))) {
		if (bw)
			waiter_free(bw);
		return -ENOMEM;
	}
	char *p = bw->argbytes;
	for (int i = 0; i < c->argc; i++) {
		memcpy(p, c->argv[i].ptr, c->argv[i].len);
		bw->argv[i] = (struct resp_arg){ p, c->argv[i].len };
		p += c->argv[i].len;
	}
	bw->o = *o;
	bw->o.parked = NULL;
	bw->def = c->def;
	bw->db = c->db;
	bw->resp = c->r->resp;
	bw->argc = c->argc;
	bw->deadline = deadline_ms > 0 ? deadline_ms : 0;
	bw->heap_idx = SIZE_MAX;
	bw->notify = notify;
	if (bw->o.kind != BW_CONN && b->norig >= b->omask && orig_grow(b) < 0) {
		waiter_free(bw);
		return -ENOMEM;
	}
	if (bw->deadline && heap_push(b, bw) < 0) {
		waiter_free(bw);
		return -ENOMEM;
	}
	if (bw->o.kind != BW_CONN) {
		bw->ohash = orig_hash(bw->o.src, bw->o.token, bw->o.seq);
		bw->onext = b->orig[bw->ohash & b->omask];
		b->orig[bw->ohash & b->omask] = bw;
		b->norig++;
	}
	if (b->nwaiters++ == 0)
		shard_track_ready(w->env.shard, true);
	if (bw->deadline && !notify)
		w->stats.clients_in_timeout_table++;
	for (int i = 0; i < nkeys; i++) {
		struct bkey *k = bkey_get(b, c->db, keys[i].ptr, keys[i].len);
		if (!k) {
			unpark(w, bw);
			waiter_free(bw);
			return -ENOMEM;
		}
		if (k->tail && k->tail->bw == bw)
			continue; /* the same key twice: Redis waits on it once */
		struct bw_link *l = &bw->links[bw->nlinks++];
		*l = (struct bw_link){ .bw = bw, .k = k, .prev = k->tail };
		if (k->tail)
			k->tail->next = l;
		else
			k->head = l;
		k->tail = l;
	}
	o->parked = bw;
	return 0;
}

/* ----------------------------------------------------------------- serve */

/* Serve the waiters of (db, key) in FIFO order while the key has data.
 * key stays valid for the call (it is the ready log's copy). */
static void serve_key(void *arg, int db, const char *key, size_t klen, int type)
{
	struct worker *w = arg;
	struct block_state *b = &w->blk;
	uint64_t h = key_hash(db, key, klen);
	struct resp_arg karg = { key, klen };
	size_t skipped = 0; /* waiters at the head that this key is not for */
	(void)type; /* each waiter's command checks the type it wants */
	for (;;) {
		struct bkey *k = bkey_find(b, db, key, klen, h);
		struct bw_link *l = k ? k->head : NULL;
		for (size_t i = 0; l && i < skipped; i++)
			l = l->next;
		for (; l; l = l->next, skipped++)
			if (rerun(w, l->bw, &b->scratch, CMD_WAKE_KEY, &karg)->len)
				break;
		if (!l)
			return;
		/* served: it leaves every key it waited on (k may go with it;
		 * delivering may close conns), then look again from the start */
		struct bwaiter *bw = l->bw;
		unpark(w, bw);
		deliver(w, bw, b->scratch.buf, b->scratch.len);
		waiter_free(bw);
		if (!shard_lookup(w->env.shard, db, key, klen, LOOKUP_NOTOUCH))
			return;
	}
}

void block_serve_ready(struct worker *w)
{
	shard_ready_take(w->env.shard, serve_key, w);
}

void block_expire(struct worker *w)
{
	struct block_state *b = &w->blk;
	while (b->nheap && b->heap[0]->deadline <= w->now_ms)
		answer_timeout(w, b->heap[0], false, &b->scratch);
}

int64_t block_next_deadline(const struct worker *w)
{
	return w->blk.nheap ? w->blk.heap[0]->deadline : 0;
}

/* --------------------------------------------------------------- cancels */

static void answer_cancel(struct worker *w, struct bwaiter *bw, enum bw_cancel mode)
{
	if (mode == BW_CANCEL_DROP) {
		unpark(w, bw);
		if (bw->o.kind != BW_CONN)
			deliver(w, bw, "", 0);
		waiter_free(bw);
		return;
	}
	struct reply r;
	reply_init(&r, bw->resp);
	answer_timeout(w, bw, mode == BW_CANCEL_ERROR, &r);
	reply_free(&r);
}

void block_cancel(struct worker *w, int src, void *token, uint64_t seq, enum bw_cancel mode)
{
	struct bwaiter *bw = orig_find(&w->blk, src, token, seq);
	if (bw)
		answer_cancel(w, bw, mode);
}

bool block_cancel_conn(struct worker *w, struct bwaiter *bw, enum bw_cancel mode)
{
	if (!bw)
		return false;
	if (mode == BW_CANCEL_DROP) {
		struct conn *c = bw->o.conn;
		unpark(w, bw);
		waiter_free(bw);
		c->bw = NULL;
		conn_release(w, c);
		return true;
	}
	answer_cancel(w, bw, mode);
	return true;
}

void block_waiter_set_seq(struct bwaiter *bw, uint64_t seq) { bw->o.seq = seq; }

void block_waiter_abort(struct worker *w, struct bwaiter *bw)
{
	unpark(w, bw);
	waiter_free(bw);
}

void block_set_origin(struct worker *w, struct block_origin *o) { w->blk.origin = o; }

/* ------------------------------------------------------ the client's side */

void conn_block(struct worker *w, struct conn *c, int owner, uint64_t seq)
{
	c->flags |= CONN_BLOCKED | CONN_HELD;
	c->block_owner = owner;
	c->block_seq = seq;
	c->client.blocked = true;
	w->stats.blocked_clients++;
}

void conn_unblock(struct worker *w, struct conn *c)
{
	if (!(c->flags & CONN_BLOCKED))
		return;
	c->flags &= ~(CONN_BLOCKED | CONN_HELD);
	c->client.blocked = false;
	w->stats.blocked_clients--;
	conn_mark_resume(w, c);
}

bool conn_blocked(const struct conn *c)
{
	return (c->flags & CONN_BLOCKED) ||
	       (c->coord && (c->coord->cc.def->flags & CMD_BLOCKING));
}

void conn_block_closing(struct worker *w, struct conn *c)
{
	if (c->flags & CONN_BLOCKED) {
		if (c->bw) {
			block_cancel_conn(w, c->bw, BW_CANCEL_DROP);
		} else if (c->block_owner != w->id) {
			/* its reply (or the cancel's empty one) releases the ref */
			if (msg_put_request(w, c->block_owner, MSG_CANCEL, c, c->block_seq, NULL,
					    BW_CANCEL_DROP, c->client.resp, 0, NULL) < 0)
				abort();
		}
		c->flags &= ~CONN_BLOCKED;
		c->client.blocked = false;
		w->stats.blocked_clients--;
	}
	if (c->coord)
		coord_cancel(w, c->coord);
}

/* env->unblock_client (CLIENT UNBLOCK). */
static int svc_unblock_client(struct cmd_env *env, uint64_t id, bool error)
{
	struct worker *w = env->host;
	for (struct conn *c = w->conns; c; c = c->next) {
		if (c->client.id != id || (c->flags & CONN_CLOSE_REQ))
			continue;
		if (c->coord) /* watching keys on several workers, or not blocked */
			return coord_unblock(w, c->coord, error ? 2 : 1) ? 1 : 0;
		if (!(c->flags & CONN_BLOCKED))
			return 0;
		enum bw_cancel mode = error ? BW_CANCEL_ERROR : BW_CANCEL_TIMEOUT;
		if (c->bw)
			return block_cancel_conn(w, c->bw, mode) ? 1 : 0;
		if (c->block_owner != w->id &&
		    msg_put_request(w, c->block_owner, MSG_CANCEL, c, c->block_seq, NULL, mode,
				    c->client.resp, 0, NULL) < 0)
			return 0;
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- lifecycle */

int block_init(struct worker *w)
{
	reply_init(&w->blk.scratch, 2);
	w->env.block = svc_block;
	w->env.unblock_client = svc_unblock_client;
	return 0;
}

void block_fini(struct worker *w)
{
	struct block_state *b = &w->blk;
	/* waiters left at exit (their clients are gone): free them */
	for (size_t i = 0; b->keys && i <= b->kmask; i++) {
		while (b->keys && b->keys[i]) {
			struct bwaiter *bw = b->keys[i]->head->bw;
			unpark(w, bw);
			waiter_free(bw);
		}
	}
	free(b->keys);
	free(b->orig);
	free(b->heap);
	reply_free(&b->scratch);
	memset(b, 0, sizeof(*b));
}
