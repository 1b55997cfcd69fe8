/* lib/uring's private structures. */
#ifndef WIREKV_URING_INT_H
#define WIREKV_URING_INT_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "uring/coalesce.h"

#define URING_ENTRIES 1024
#define URING_CQ_ENTRIES 16384
#define URING_NBUFS 512                 /* provided receive buffers per worker (power of 2) */
#define URING_BUFSZ (16 * 1024)         /* like Redis's PROTO_IOBUF_LEN */
#define URING_BGID 0
#define URING_MAX_FIXED 65536          /* registered file slots per worker, at most */

/*
 * user_data of every SQE: a pointer to one of the objects below (all
 * 8-aligned) with the operation in its low 3 bits.
 *   UD_ACCEPT | struct ulistener *  multishot accept on a listening socket
 *   UD_RECV   | struct uconn *      multishot recv into the provided buffers
 *   UD_SEND   | struct uconn *      one send of the conn's current output chunk
 *   UD_WAKE   | struct utp *        read of the worker's wake eventfd
 *   0                               cancels: nothing to do on completion
 * A receive buffer belongs to the kernel until its CQE arrives, to the
 * engine during engine_conn_input(), and goes back to the ring right after.
 * A send's bytes belong to the engine's conn and stay put until its CQE.
 */
enum ud_op { UD_NONE = 0, UD_ACCEPT = 1, UD_RECV = 2, UD_SEND = 3, UD_WAKE = 4 };
#define UD_MASK 7ULL

static inline uint64_t ud_make(void *p, enum ud_op op) { return (uint64_t)(uintptr_t)p | op; }
static inline enum ud_op ud_op(uint64_t ud) { return (enum ud_op)(ud & UD_MASK); }
static inline void *ud_ptr(uint64_t ud) { return (void *)(uintptr_t)(ud & ~UD_MASK); }

struct ulistener {
	int fd;
	bool armed;
	char addr[80];
} __attribute__((aligned(8)));

/* Lives in the engine conn's private area. */
struct uconn {
	int fd;
	bool fixed;                   /* registered at index fd: recv/send skip fget */
	int inflight;                 /* armed recv + send in flight */
	bool recv_armed;
	bool sending;
	bool reading;                 /* engine wants input (back-pressure off) */
	bool closing;                 /* engine called close */
	bool reaped;
	struct uconn *prev, *next;    /* all open conns of the worker */
	struct uconn *reap_next;
} __attribute__((aligned(8)));

struct utp {
	struct io_uring ring;
	struct worker *w;
	struct io_uring_buf_ring *br;
	char *bufs;
	int br_added;                 /* buffers given back, not yet published */
	struct ulistener lis[16];
	int nlis;
	bool accepting;
	int efd;                      /* wake-up eventfd */
	uint64_t efd_val;
	struct uconn *conns;
	unsigned nconns;
	struct uconn *reap;           /* I/O done: hand back to the engine */
	bool ring_ok, br_ok;
	unsigned nfixed;              /* registered file table size; fds below it use it */
	struct coalesce coalesce;
	unsigned sends_queued;        /* send SQEs not yet submitted */
	unsigned send_cqes;           /* send completions reaped this turn */
} __attribute__((aligned(64)));

/* listen.c */
int uring_listen_socket(const char *addr, int port, int backlog, bool reuseport,
			char *err, size_t errlen);
void uring_format_addr(const void *sa, char *out, size_t n);
int uring_check(const struct wk_config *cfg, char *err, size_t errlen);

/* uring_io.c */
struct io_uring_sqe *uring_sqe(struct utp *t);
void uring_arm_accept(struct utp *t, struct ulistener *l);
void uring_arm_wake(struct utp *t);
void uring_handle_cqe(struct utp *t, struct io_uring_cqe *cqe);
void uring_reap(struct utp *t);
void uring_flush(struct worker *w, struct conn *c);
void uring_set_reading(struct worker *w, struct conn *c, bool on);
void uring_close(struct worker *w, struct conn *c);
void uring_stop_accepting(struct worker *w);

#endif
