/*
 * Completion coalescing for a worker's io_uring, like a NIC's interrupt
 * moderation. Every wake-up costs a context switch and an io_uring_enter,
 * which at one request per client in flight are a large share of the
 * server's CPU. With DEFER_TASKRUN the kernel wakes a waiter only once
 * wait_nr completions are pending, so a sleeping turn asks for `target`
 * wake-up completions (receives, accepts; not its own sends) for at most
 * io-coalesce-us, then for one.
 *
 * The target moves like TCP's window: up after COALESCE_GROW waits in a row
 * that got their count, halved by a wait that timed out. It stays at or
 * under half the open connections: in a closed loop (each client waits for
 * its reply before it sends again) a target near the client count turns the
 * worker into a lock-step batcher that halves throughput without ever timing
 * out, while half keeps two batches in flight, one being served while the
 * clients of the other write. Under COALESCE_MIN_CONNS connections and for
 * targets under COALESCE_MIN it does not coalesce: on the 2-core VMs this
 * was tuned on, the wait's timer cost more than batching so few saved.
 * Pure arithmetic, so that the unit tests can drive it.
 */
#ifndef WIREKV_URING_COALESCE_H
#define WIREKV_URING_COALESCE_H

#include <stdbool.h>

#define COALESCE_MIN 4
#define COALESCE_MIN_CONNS 16
#define COALESCE_MAX 32
#define COALESCE_GROW 8

struct coalesce {
	unsigned target;           /* 1: no coalescing */
	unsigned ok;               /* waits in a row that got their count */
	unsigned long long waits;  /* waits that asked for more than one */
	unsigned long long timeouts; /* of those, the ones that ran out their time */
};

/* Starts without coalescing; the counters start at zero only here. */
void coalesce_init(struct coalesce *c);

/* Back to no coalescing (io-coalesce-us 0), counters kept. */
void coalesce_off(struct coalesce *c);

/* After a sleeping turn that asked for `asked` (the target when it began):
 * how many wake-up completions the turn reaped, and how many connections
 * are open now. Fewer than asked means the wait ran out its time: the
 * kernel says so only when nothing at all came (it returns 0 when some
 * completions are ready, and io_uring_enter reports the submitted count
 * instead of the wait's -ETIME when the same call submitted sends). */
void coalesce_update(struct coalesce *c, unsigned nconns, unsigned asked, unsigned got);

#endif
