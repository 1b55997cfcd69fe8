/*
 * Shard memory accounting: every allocation and free moves s->used by the
 * allocator's real size (jemalloc size class, or malloc_usable_size in the
 * sanitizer builds that run on libc malloc).
 */
#include <stdlib.h>

#include "store_int.h"

#ifdef WIREKV_JEMALLOC
#include <jemalloc/jemalloc.h>

size_t mem_usable(const void *p) { return sallocx(p, 0); }
size_t mem_class(size_t n) { return nallocx(n ? n : 1, 0); }

void *mem_alloc(struct shard *s, size_t n)
{
	void *p = mallocx(n ? n : 1, 0);
	if (p)
		s->used += sallocx(p, 0);
	return p;
}

void *mem_calloc(struct shard *s, size_t n)
{
	void *p = mallocx(n ? n : 1, MALLOCX_ZERO);
	if (p)
		s->used += sallocx(p, 0);
	return p;
}

void *mem_realloc(struct shard *s, void *p, size_t n)
{
	size_t old = sallocx(p, 0);
	void *q = rallocx(p, n ? n : 1, 0);
	if (q)
		s->used = s->used - old + sallocx(q, 0);
	return q;
}

void mem_free(struct shard *s, void *p)
{
	if (!p)
		return;
	size_t n = sallocx(p, 0);
	s->used -= n;
	sdallocx(p, n, 0);
}

#else
#include <malloc.h>

size_t mem_usable(const void *p) { return malloc_usable_size((void *)p); }
size_t mem_class(size_t n) { return ((n + 8 + 15) & ~(size_t)15) + 16; }

void *mem_alloc(struct shard *s, size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p)
		s->used += malloc_usable_size(p);
	return p;
}

void *mem_calloc(struct shard *s, size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (p)
		s->used += malloc_usable_size(p);
	return p;
}

void *mem_realloc(struct shard *s, void *p, size_t n)
{
	size_t old = malloc_usable_size(p);
	void *q = realloc(p, n ? n : 1);
	if (q)
		s->used = s->used - old + malloc_usable_size(q);
	return q;
}

void mem_free(struct shard *s, void *p)
{
	if (!p)
		return;
	s->used -= malloc_usable_size(p);
	free(p);
}
#endif
