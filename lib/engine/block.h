/*
 * lib/engine private: blocking commands (BLPOP ...) parked on the worker
 * that owns their keys. See block.c for the design; everything here runs
 * on the worker that owns the struct block_state.
 */
#ifndef WIREKV_ENGINE_BLOCK_H
#define WIREKV_ENGINE_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/proto.h"
#include "store/store.h"

struct worker;
struct conn;
struct bwaiter;

/* Where the reply of the command being run now goes. */
enum bw_origin {
	BW_CONN = 1,   /* a conn of this worker: a reply slot pushed when it parks */
	BW_REMOTE,     /* MSG_REQ_CMD from worker src: token (its conn), seq (slot) */
	BW_SUB,        /* a coordinator's sub-request from src (maybe this worker):
			* token (its coord_run), seq (sub index) */
};

struct block_origin {
	enum bw_origin kind;
	struct conn *conn;
	int src;
	void *token;
	uint64_t seq;
	struct bwaiter *parked;       /* set when the command parked */
};

/* cancel modes (MSG_CANCEL's db field) */
enum bw_cancel {
	BW_CANCEL_DROP = 0,     /* the client is gone: answer with an empty reply */
	BW_CANCEL_TIMEOUT = 1,  /* CLIENT UNBLOCK [TIMEOUT]: the timeout reply */
	BW_CANCEL_ERROR = 2,    /* CLIENT UNBLOCK ERROR: -UNBLOCKED ... */
};

struct bkey;

/* One worker's parked commands. */
struct block_state {
	struct bkey **keys;           /* (db, key) -> its waiters, FIFO */
	size_t kmask, nkeys;
	struct bwaiter **orig;        /* (src, token, seq) -> waiter (BW_REMOTE, BW_SUB) */
	size_t omask, norig;
	struct bwaiter **heap;        /* min-heap on deadline (waiters with one) */
	size_t nheap, heapcap;
	uint64_t nwaiters;
	struct block_origin *origin;  /* of the command running now, or NULL */
	struct reply scratch;         /* a waiter's reply while it is served */
};

/* Set up / tear down the worker's block state (env->block points here). */
int block_init(struct worker *w);
void block_fini(struct worker *w);

/* Around a command run: where its reply would go. NULL after it. */
void block_set_origin(struct worker *w, struct block_origin *o);

/* After a command ran on this worker's shard: serve waiters on keys that
 * got data (cheap when nothing waits). */
void block_serve_ready(struct worker *w);
static inline void block_after_command(struct worker *w, struct block_state *b, struct shard *s)
{
	if (b->nwaiters && shard_ready_pending(s))
		block_serve_ready(w);
}

/* Each loop turn: time out waiters whose deadline passed. */
void block_expire(struct worker *w);
/* The earliest deadline (unix ms), or 0 if none. */
int64_t block_next_deadline(const struct worker *w);

/* A waiter parked for (src, token, seq) is cancelled (MSG_CANCEL, or a
 * local coordinator): answered per mode. Nothing if it is not parked here
 * (it was answered already, and that answer is on its way). */
void block_cancel(struct worker *w, int src, void *token, uint64_t seq, enum bw_cancel mode);

/* A conn of this worker with a parked local waiter: the waiter's reply per
 * mode (DROP: removed without a reply). Returns true if it was parked. */
bool block_cancel_conn(struct worker *w, struct bwaiter *bw, enum bw_cancel mode);

/* The waiter behind a BW_CONN origin took a reply slot: record it. */
void block_waiter_set_seq(struct bwaiter *bw, uint64_t seq);
/* Drop a waiter that could not be set up (no reply slot). */
void block_waiter_abort(struct worker *w, struct bwaiter *bw);

#endif
