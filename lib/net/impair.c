/*
 * net-impair: each frame in turn is lost (loss P), copied (dup P; the copy
 * follows the original), put in the delay queue until due (delay US), then
 * possibly held back (reorder P: it leaves right after the next frame, or
 * after IMPAIR_REORDER_US if none comes). Random draws happen only for the
 * faults that are on and always in the same order, so a seed, the same
 * frames and the same times give the same result.
 */
#include <stdlib.h>

#include "net/impair.h"

struct delayed {
	void *frame;
	uint64_t due_us;
};

struct impair {
	struct impair_frame_ops ops;
	double loss, dup, reorder;     /* probabilities 0..1 */
	uint64_t delay_us;
	uint64_t rng;
	void *held;                    /* reorder: the frame held back */
	uint64_t held_since;
	struct delayed *q;             /* ring of IMPAIR_QUEUE */
	unsigned qhead, qlen;
	struct impair_counters cnt;
};

/* xorshift64* (Vigna): small, fast, and good enough for coin flips. */
static uint64_t next_rand(struct impair *im)
{
	uint64_t x = im->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	im->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static bool chance(struct impair *im, double p)
{
	if (p <= 0)
		return false;
	return (double)(next_rand(im) >> 11) * 0x1.0p-53 < p;
}

struct impair *impair_new(const struct wk_net_impair *cfg, uint64_t seed,
			  const struct impair_frame_ops *ops)
{
	struct impair *im = calloc(1, sizeof(*im));
	if (!im)
		return NULL;
	if (cfg->delay_us > 0 && !(im->q = calloc(IMPAIR_QUEUE, sizeof(*im->q)))) {
		free(im);
		return NULL;
	}
	im->ops = *ops;
	im->loss = cfg->loss_pct / 100.0;
	im->dup = cfg->dup_pct / 100.0;
	im->reorder = cfg->reorder_pct / 100.0;
	im->delay_us = cfg->delay_us > 0 ? (uint64_t)cfg->delay_us : 0;
	/* splitmix64 of the seed: nearby seeds give unrelated streams, and
	 * xorshift's state must not be 0 */
	uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	im->rng = z ? z : 1;
	return im;
}

void impair_free(struct impair *im)
{
	if (!im)
		return;
	if (im->held)
		im->ops.drop(im->ops.ctx, im->held);
	for (unsigned i = 0; i < im->qlen; i++)
		im->ops.drop(im->ops.ctx, im->q[(im->qhead + i) % IMPAIR_QUEUE].frame);
	free(im->q);
	free(im);
}

unsigned impair_held(const struct impair *im)
{
	return im->qlen + (im->held ? 1 : 0);
}

const struct impair_counters *impair_counters(const struct impair *im)
{
	return &im->cnt;
}

struct outbuf {
	void **v;
	unsigned n, cap;
};

static void emit(struct impair *im, struct outbuf *o, void *f)
{
	if (o->n < o->cap) {
		o->v[o->n++] = f;
		im->cnt.out++;
	} else {
		im->ops.drop(im->ops.ctx, f);
		im->cnt.overflow++;
	}
}

/* The last stage: maybe hold f back; a held frame leaves right after the
 * next frame that passes. */
static void stage_reorder(struct impair *im, struct outbuf *o, void *f, uint64_t now)
{
	if (!im->held && chance(im, im->reorder)) {
		im->held = f;
		im->held_since = now;
		im->cnt.reordered++;
		return;
	}
	emit(im, o, f);
	if (im->held) {
		emit(im, o, im->held);
		im->held = NULL;
	}
}

static void stage_delay(struct impair *im, struct outbuf *o, void *f, uint64_t now)
{
	if (!im->delay_us) {
		stage_reorder(im, o, f, now);
		return;
	}
	if (im->qlen == IMPAIR_QUEUE) {
		im->ops.drop(im->ops.ctx, f);
		im->cnt.overflow++;
		return;
	}
	im->q[(im->qhead + im->qlen++) % IMPAIR_QUEUE] = (struct delayed){ f, now + im->delay_us };
	im->cnt.delayed++;
}

unsigned impair_apply(struct impair *im, uint64_t now_us, void **in, unsigned n,
		      void **out, unsigned outcap)
{
	struct outbuf o = { out, 0, outcap };
	/* what is due first: it arrived earlier than this burst */
	while (im->qlen && im->q[im->qhead].due_us <= now_us && o.n < o.cap) {
		void *f = im->q[im->qhead].frame;
		im->qhead = (im->qhead + 1) % IMPAIR_QUEUE;
		im->qlen--;
		stage_reorder(im, &o, f, now_us);
	}
	for (unsigned i = 0; i < n; i++) {
		void *f = in[i];
		im->cnt.in++;
		if (chance(im, im->loss)) {
			im->ops.drop(im->ops.ctx, f);
			im->cnt.lost++;
			continue;
		}
		void *copy = chance(im, im->dup) ? im->ops.dup(im->ops.ctx, f) : NULL;
		stage_delay(im, &o, f, now_us);
		if (copy) {
			im->cnt.duplicated++;
			stage_delay(im, &o, copy, now_us);
		}
	}
	if (im->held && now_us - im->held_since >= IMPAIR_REORDER_US) {
		emit(im, &o, im->held);
		im->held = NULL;
	}
	return o.n;
}
