#include "engine/ring.h"

#include <stdlib.h>
#include <string.h>

struct spsc_ring *spsc_new(uint32_t capacity)
{
	uint32_t cap = 2;
	while (cap < capacity && cap < (1u << 30))
		cap <<= 1;
	size_t size = sizeof(struct spsc_ring) + sizeof(void *) * cap;
	size = (size + SPSC_CACHE_LINE - 1) & ~(size_t)(SPSC_CACHE_LINE - 1);
	struct spsc_ring *r = aligned_alloc(SPSC_CACHE_LINE, size);
	if (!r)
		return NULL;
	memset(r, 0, size);
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->mask = cap - 1;
	return r;
}

void spsc_free(struct spsc_ring *r)
{
	free(r);
}

/*
 * Indexes run freely over uint32_t; head - tail is the fill level. The
 * producer publishes slots with a release store of head, the consumer frees
 * them with a release store of tail; each side re-reads the other's index
 * (acquire) only when its cached copy says the ring looks full / empty.
 */
unsigned spsc_enqueue_burst(struct spsc_ring *r, void *const *obj, unsigned n)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t cap = r->mask + 1;
	uint32_t free_slots = cap - (head - r->tail_cache);
	if (free_slots < n) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		free_slots = cap - (head - r->tail_cache);
		if (n > free_slots)
			n = free_slots;
	}
	for (unsigned i = 0; i < n; i++)
		r->slot[(head + i) & r->mask] = obj[i];
	atomic_store_explicit(&r->head, head + n, memory_order_release);
	return n;
}

unsigned spsc_dequeue_burst(struct spsc_ring *r, void **obj, unsigned n)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t avail = r->head_cache - tail;
	if (avail < n) {
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		avail = r->head_cache - tail;
		if (n > avail)
			n = avail;
	}
	for (unsigned i = 0; i < n; i++)
		obj[i] = r->slot[(tail + i) & r->mask];
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}
