/*
 * Fault injection at the port layer (net-impair): loss, duplication,
 * reordering and delay of frames, deterministic for a seed.
 *
 * One struct impair per direction per lcore, used only by that lcore. It
 * handles frames as opaque pointers through impair_frame_ops, so the port
 * layer passes mbufs and the unit test plain heap objects. Every frame
 * handed in is either handed out (impair_apply's out[]), held (reorder,
 * delay) or given to ops->drop; a duplicate comes from ops->dup.
 */
#ifndef WIREKV_NET_IMPAIR_H
#define WIREKV_NET_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"

#define IMPAIR_QUEUE 8192          /* frames held for delay (more: dropped, counted) */
#define IMPAIR_REORDER_US 1000     /* a held-back frame leaves after the next one, or after this */

struct impair_frame_ops {
	void *ctx;
	void *(*dup)(void *ctx, void *frame);   /* an independent copy, NULL if none */
	void (*drop)(void *ctx, void *frame);   /* free it */
};

struct impair_counters {
	uint64_t in, out;
	uint64_t lost;            /* dropped on purpose (loss P) */
	uint64_t duplicated;      /* extra copies made (dup P) */
	uint64_t reordered;       /* held back behind a later frame (reorder P) */
	uint64_t delayed;         /* held in the delay queue */
	uint64_t overflow;        /* dropped: delay queue or caller's out[] full */
};

struct impair;

/* NULL on ENOMEM. The PRNG (xorshift64*) starts from seed; use cfg->seed
 * plus the lcore (and direction) so each stream replays on its own. */
struct impair *impair_new(const struct wk_net_impair *cfg, uint64_t seed,
			  const struct impair_frame_ops *ops);
/* Drops every frame still held. */
void impair_free(struct impair *im);

/*
 * Pass n frames (in arrival order) through at time now_us, and release
 * what is due (delayed frames, a held-back frame after IMPAIR_REORDER_US).
 * Call it with n = 0 every loop turn so held frames leave on time. Writes
 * at most outcap frames to out and returns their count; frames beyond
 * outcap are dropped (counted as overflow): give outcap >= 2 * n + 1 plus
 * room for delayed releases.
 */
unsigned impair_apply(struct impair *im, uint64_t now_us, void **in, unsigned n,
		      void **out, unsigned outcap);
/* Frames held (reorder + delay queue). */
unsigned impair_held(const struct impair *im);
const struct impair_counters *impair_counters(const struct impair *im);

#endif
