/*
 * lib/engine's private structures: the worker context, connections, the
 * messages workers exchange and the coordinator runtime. Every object here
 * belongs to one worker; only struct msg_batch crosses to another (it is
 * handed over whole through an SPSC ring).
 */
#ifndef WIREKV_ENGINE_INT_H
#define WIREKV_ENGINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/cmd.h"
#include "engine/block.h"
#include "engine/engine.h"
#include "engine/ring.h"
#include "proto/proto.h"

#define ENGINE_MAX_WORKERS 256
#define ENGINE_RING_CAP 1024            /* batches per (src,dst) ring */
#define CONN_SPANS_INLINE 16
#define CONN_OBUF_PAUSE (4u << 20)      /* stop reading above this much unsent output */
#define CONN_OBUF_RESUME (1u << 20)     /* ... and read again below this */
#define CONN_MAX_INFLIGHT 64            /* replies computed elsewhere, per conn, before we stop parsing */
#define CONN_BUF_KEEP (64u << 10)       /* idle buffers larger than this are freed */
#define BATCH_KEEP (1u << 20)           /* batch buffers larger than this are freed */
#define BATCH_FREELIST 16
#define STOP_DRAIN_MS 2000              /* graceful stop: give in-flight replies this long */
#define STOP_GRACE_MS 100               /* ... and keep reading what clients had sent this long */

/* ------------------------------------------------------------ messages */

/*
 * A batch is what travels over a ring: all records one worker has for
 * another in one loop turn, packed into a growable buffer. The receiver
 * processes it and recycles it (as its own batch back to the sender, or on
 * its free list). Records are 8-byte aligned: struct msg_hdr, then
 *   MSG_REQ_CMD / MSG_REQ_SUB: argc uint32 lengths, then the argument bytes
 *   MSG_REP_CMD / MSG_REP_SUB: the encoded reply
 */
enum msg_type { MSG_REQ_CMD = 1, MSG_REP_CMD, MSG_REQ_SUB, MSG_REP_SUB, MSG_CANCEL };
/* MSG_CANCEL: no payload; the blocking command or __bwatch parked at the
 * receiver for (sender, token, seq) is cancelled, db = enum bw_cancel. A
 * parked one is answered as MSG_REP_CMD / MSG_REP_SUB (an empty reply for
 * BW_CANCEL_DROP); one already answered gets nothing more, so every
 * request still gets exactly one reply. */

struct msg_hdr {
	uint32_t type;
	uint64_t size;                /* whole record incl. header and padding */
	void *token;                  /* conn (CMD) or coord_run (SUB) of the sender */
	uint64_t seq;                 /* reply slot (CMD) or sub index (SUB) */
	const struct cmd_def *def;    /* REQ_CMD: prepared command (tables are shared) */
	int32_t db;
	int32_t resp;
	int32_t argc;
	uint64_t len;                 /* payload bytes (args or reply); a 4 GB KEYS part fits */
};

struct msg_batch {
	int src;
	uint32_t nrec;
	struct reply buf;
};

/* ----------------------------------------------------------- reply slots */

enum rslot_state { RSLOT_WAIT = 0, RSLOT_READY = 1 };

/* One reply that cannot go straight to the output because an earlier one
 * of the same connection is still being computed elsewhere. */
struct rslot {
	int state;
	struct reply buf;
};

/* ----------------------------------------------------------- connections */

#define CONN_HELD      (1u << 0) /* a coordinator runs: parse no further */
#define CONN_PAUSED    (1u << 1) /* too much unsent output: not reading */
#define CONN_CLOSING   (1u << 2) /* close once replies are out; ignore input */
#define CONN_CLOSE_REQ (1u << 3) /* ops->close called */
#define CONN_DEAD      (1u << 4) /* transport let go; free when refs == 0 */
#define CONN_SENDING   (1u << 5) /* a chunk is with the transport */
#define CONN_DIRTY     (1u << 6) /* on the flush list */
#define CONN_RESUME    (1u << 7) /* on the resume list (parse qbuf) */
#define CONN_EOF       (1u << 8) /* peer closed: run what was received, then close */
#define CONN_BLOCKED   (1u << 9) /* a blocking command's reply is outstanding (with CONN_HELD) */

struct conn {
	struct cmd_client client;
	struct worker *w;
	uint32_t flags;
	int refs;                     /* replies/coordinators still to come back */
	struct conn *prev, *next;     /* worker's list of live conns */
	struct conn *flush_next;
	struct conn *resume_next;

	/* input */
	struct resp_parser parser;
	struct resp_span *spans;
	int spans_cap;
	char *qbuf;                   /* unparsed input kept across receives */
	size_t qlen, qcap;

	/* output: out[fill] collects replies, out[!fill] is being sent */
	struct reply out[2];
	int fill;
	size_t sent_off;              /* bytes of out[!fill] already sent */
	int64_t soft_since_ms;        /* over the soft output limit since (0 = not) */
	uint64_t rx_turn;             /* loop turn of the last input (graceful stop) */

	/* pending replies, FIFO; slot seq s is at slots[(head + s - head_seq) & mask] */
	struct rslot *slots;
	uint32_t slot_mask, slot_head, slot_count;
	uint64_t head_seq;
	size_t slot_bytes;            /* reply bytes waiting in slots */

	/* blocking commands (CONN_BLOCKED): its reply slot, the worker it
	 * runs on, and its waiter when that is this worker */
	uint64_t block_seq;
	int block_owner;
	struct bwaiter *bw;
	struct coord_run *coord;      /* the coordinator running for it (CONN_HELD) */

	struct resp_span spans_inline[CONN_SPANS_INLINE];
	/* transport's private area follows, 8-aligned */
	_Alignas(8) char priv[];
};

/* ---------------------------------------------------------- coordinators */

struct coord_pending {
	int worker, db, argc;
	struct reply bytes;           /* arguments, packed */
	struct resp_arg *argv;
};

struct coord_run {
	struct coord_ctx cc;          /* first: send() gets &cc */
	struct worker *w;
	struct conn *conn;
	uint64_t seq;                 /* the client's reply slot */
	struct reply out;             /* final reply */
	char *argbytes;               /* stable copy of the command */
	struct resp_arg *argv;
	int nsent, nwait;             /* sub-requests of the current phase */
	int cap;
	struct coord_sub *cur;        /* the current phase's sends (worker) */
	struct reply *subr;           /* ... and their reply bytes */
	struct coord_sub *prev;       /* sub[] of the call in progress */
	struct reply *prevr;          /* its bytes */
	int nprev;
	bool failed;                  /* a send could not be queued */
	struct coord_run *ready_next;
	bool queued;
	/* wait_any phases (blocking commands' watches) */
	bool any;                     /* this phase waits for the first reply */
	bool cancelling;              /* the other subs of the phase were cancelled */
	bool *got;                    /* [cap]: sub idx has answered */
};

/* ---------------------------------------------------------------- worker */

struct worker {
	/* hot, touched every turn */
	_Alignas(64) struct engine *e;
	int id;
	int n;
	void *tp;                     /* transport state */
	const struct transport_ops *ops;
	struct cmd_env env;
	struct conn *flush_head;
	struct conn *resume_head;
	struct coord_run *ready_head;
	struct msg_batch **outb;      /* [n]: batch being filled per destination */
	struct resp_arg *argv;        /* scratch for parsed arguments */
	int argv_cap;
	int64_t now_ms;
	bool clock_stale;             /* slept since the clock was read */
	uint32_t turn_cmds;           /* commands run this turn (rehash pacing) */
	struct block_state blk;       /* parked blocking commands */
	/* while a request from worker building - 1 runs, its reply record is
	 * being written into our batch for that worker: records other code
	 * sends there meanwhile (a cancel, ...) wait here, then follow it */
	int building;
	struct reply deferred;
	uint32_t ndeferred;

	/* cross-thread: the sleeping handshake (see worker.c) */
	_Alignas(64) _Atomic int sleeping;

	_Alignas(64) struct conn *conns;  /* live conns (incl. closing) */
	uint64_t next_client;
	uint64_t nconns;
	uint64_t nalloc;              /* conns allocated: live + closed but awaiting replies */
	struct msg_batch *freeb[BATCH_FREELIST];
	int nfreeb;
	int64_t next_hz_ms;
	int64_t last_turn_us;
	bool stopping;                /* this worker has begun its graceful stop */
	bool drained;
	int64_t stop_deadline_ms;
	int64_t stop_grace_ms;        /* until then, still read what clients send */
	bool stop_eof;                /* grace over: every conn treated as at EOF */

	struct wk_config cfg;
	struct cmd_stats stats;
	pthread_t thread;
	int status;                   /* worker thread's exit status */
	char err[256];
};

struct engine {
	int n;
	struct worker **w;
	struct spsc_ring **rings;     /* rings[src * n + dst] */
	uint16_t slot_owner[CMD_SLOTS];
	struct cmd_table *table;
	const struct transport_ops *ops;
	void *transport_ctx;
	const struct wk_log *log;
	struct wk_config cfg;
	char run_id[41];
	char config_file[4096];
	char executable[4096];
	int64_t start_ms;
	int stop_fd;
	_Atomic int stop;
	_Atomic int ndrained;
	_Atomic long long nclients;   /* over all workers, for maxclients */
	pthread_barrier_t init_barrier;
	_Atomic int init_failed;
	bool started;
	bool pin;                     /* engine_start pins workers; engine_run does not */
};

static inline struct spsc_ring *engine_ring(struct engine *e, int src, int dst)
{
	return e->rings[src * e->n + dst];
}

/* slot table: contiguous ranges, slot s -> s * n / 16384 */
void engine_fill_slots(uint16_t *slot_owner, int nworkers);

/* conn.c */
struct conn *conn_new(struct worker *w, int fd);
void conn_free(struct worker *w, struct conn *c);
void conn_close(struct worker *w, struct conn *c);
void conn_mark_flush(struct worker *w, struct conn *c);
void conn_mark_resume(struct worker *w, struct conn *c);
void conn_process_qbuf(struct worker *w, struct conn *c);
void conn_maybe_finish(struct worker *w, struct conn *c);
size_t conn_unsent(const struct conn *c);
void conn_check_output_limits(struct worker *w, struct conn *c);
void conn_release(struct worker *w, struct conn *c); /* refs-- and free if dead */
/* blocking commands (block.c): c waits for the reply in slot seq of a
 * blocking command run by worker owner / that reply came */
void conn_block(struct worker *w, struct conn *c, int owner, uint64_t seq);
void conn_unblock(struct worker *w, struct conn *c);
/* c is closing: cancel its blocking command or blocking coordinator */
void conn_block_closing(struct worker *w, struct conn *c);
/* a blocking command or a blocking coordinator is waiting for c */
bool conn_blocked(const struct conn *c);
bool conn_has_work(const struct conn *c);

/* reply slots (slots.c) */
struct reply *conn_reply_target(struct conn *c);
uint64_t conn_slot_push_wait(struct conn *c); /* seq, or UINT64_MAX on OOM */
void conn_slot_fill(struct worker *w, struct conn *c, uint64_t seq, const char *p, size_t n);
void conn_slot_fill_reply(struct worker *w, struct conn *c, uint64_t seq, struct reply *r);
void conn_slots_free(struct conn *c);
size_t conn_slots_bytes(const struct conn *c);

/* route.c */
void route_command(struct worker *w, struct conn *c, int argc, const struct resp_arg *argv);

/* msg.c */
struct msg_batch *worker_batch(struct worker *w, int dst);
int msg_put_request(struct worker *w, int dst, enum msg_type type, void *token,
		    uint64_t seq, const struct cmd_def *def, int db, int resp,
		    int argc, const struct resp_arg *argv);
/* A reply record (MSG_REP_CMD / MSG_REP_SUB) for dst, e.g. a parked
 * command's reply delivered later. 0 or -ENOMEM. */
int msg_put_reply(struct worker *w, int dst, enum msg_type type, void *token, uint64_t seq,
		  int resp, const char *p, size_t n);
void msg_process_batch(struct worker *w, struct msg_batch *b);
void msg_recycle(struct worker *w, struct msg_batch *b);
void msg_post_all(struct worker *w);
void msg_free_all(struct worker *w);

/* coord.c */
void coord_start(struct worker *w, struct conn *c, const struct cmd_def *def,
		 int argc, const struct resp_arg *argv);
void coord_sub_reply(struct worker *w, struct coord_run *cr, uint64_t idx,
		     const char *p, size_t n);
void coord_run_ready(struct worker *w);
/* The client of cr went away: a wait_any phase is cancelled (cc.cancelled). */
void coord_cancel(struct worker *w, struct coord_run *cr);
/* CLIENT UNBLOCK of a blocking coordinator in its wait_any phase (mode 1
 * TIMEOUT, 2 ERROR): false if it is not waiting. */
bool coord_unblock(struct worker *w, struct coord_run *cr, int mode);

/* worker.c */
void *worker_main(void *arg);
void worker_cleanup(struct worker *w);
void worker_refresh_clock(struct worker *w);
void worker_wake(struct worker *from, int dst);
int worker_argv_reserve(struct worker *w, int argc);

#endif
