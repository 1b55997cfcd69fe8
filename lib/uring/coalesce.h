/*
 * Completion coalescing for a worker's io_uring, like a NIC's interrupt
 * moderation. Every wake-up costs a context switch and an io_uring_enter,
 * which at one request per client in flight are a large share of the
 * server's CPU. With DEFER_TASKRUN the kernel wakes a waiter only once
 * wait_nr completions are pending, so a sleeping turn asks for `target`
 * wake-up completions (receives, accepts; not its own sends) for at most
 * COALESCE_US, then for one.
 *
 * The target moves like TCP's window: up after COALESCE_GROW waits in a row
 * that got their count, halved by a wait that timed out. It stays at or
 * under a quarter of the open connections: in a closed loop (each client
 * waits for its reply before it sends again) a target near the client count
 * turns the worker into a lock-step batcher that halves throughput without
 * ever timing out. Targets under COALESCE_MIN are skipped: on the 2-core VMs
 * this was tuned on, the wait's timer cost more than batching two or three
 * saved. Pure arithmetic, so that the unit tests can drive it.
 */
#ifndef WIREKV_URING_COALESCE_H
#define WIREKV_URING_COALESCE_H

#include <stdbool.h>

#define COALESCE_MIN 4
#define COALESCE_MAX 16
#define COALESCE_US 100
#define COALESCE_GROW 8

struct coalesce {
	unsigned target; /* 1: no coalescing */
	unsigned ok;     /* waits in a row that got their count */
};

void coalesce_init(struct coalesce *c);

/* After a sleeping turn that asked for `asked` (the target when it began):
 * how many wake-up completions the turn reaped, and how many connections
 * are open now. Fewer than asked means the wait ran out its time: the
 * kernel says so only when nothing at all came (it returns 0 when some
 * completions are ready, and io_uring_enter reports the submitted count
 * instead of the wait's -ETIME when the same call submitted sends). */
void coalesce_update(struct coalesce *c, unsigned nconns, unsigned asked, unsigned got);

#endif
