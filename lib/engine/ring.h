/*
 * Lock-free single-producer single-consumer ring of pointers, one per
 * (source worker, destination worker) pair. Only the source thread calls
 * spsc_enqueue_burst, only the destination thread spsc_dequeue_burst;
 * either may call spsc_count. Capacity is a power of two; a full ring
 * refuses (never blocks, never overwrites).
 */
#ifndef WIREKV_ENGINE_RING_H
#define WIREKV_ENGINE_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define SPSC_CACHE_LINE 64

struct spsc_ring {
	/* producer's line: its index and its last view of the consumer's */
	_Alignas(SPSC_CACHE_LINE) _Atomic uint32_t head;
	uint32_t tail_cache;
	/* consumer's line */
	_Alignas(SPSC_CACHE_LINE) _Atomic uint32_t tail;
	uint32_t head_cache;
	/* read-only after creation */
	_Alignas(SPSC_CACHE_LINE) uint32_t mask;
	void *slot[];
};

/* capacity: rounded up to a power of two (>= 2). NULL on failure. */
struct spsc_ring *spsc_new(uint32_t capacity);
void spsc_free(struct spsc_ring *r);
static inline uint32_t spsc_capacity(const struct spsc_ring *r) { return r->mask + 1; }

/* Enqueue up to n objects, in order; returns how many were taken. */
unsigned spsc_enqueue_burst(struct spsc_ring *r, void *const *obj, unsigned n);
/* Dequeue up to n objects, in order; returns how many. */
unsigned spsc_dequeue_burst(struct spsc_ring *r, void **obj, unsigned n);

/* Objects in the ring (a snapshot). */
static inline uint32_t spsc_count(struct spsc_ring *r)
{
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	return h - t;
}

#endif
