/*
 * edict: chained hash table of byte-string elements with incremental rehash
 * (see edict.h). The same scheme as the keyspace dict (dict.c), on its own
 * element type: t[0] live, t[1] being filled while rehashidx >= 0.
 */
#include "edict.h"
#include "store_int.h"

#define EDICT_INIT_SIZE 4
#define EDICT_MIN_FILL_PCT 10
#define EDICT_RANDOM_TRIES 1000

struct edict_table {
	struct edict_ent **b;
	size_t size; /* 0 or a power of two */
	size_t used;
};

struct edict {
	struct edict_table t[2];
	ssize_t rehashidx; /* -1 unless rehashing t[0] into t[1] */
	size_t bytes;      /* allocator bytes of elements and bucket arrays */
	uint8_t vkind;
};

static inline bool rehashing(const struct edict *d) { return d->rehashidx >= 0; }

static inline size_t val_off(const struct edict *d)
{
	return d->vkind == EDICT_VDOUBLE ? sizeof(double) : 0;
}

static inline const char *ent_key(const struct edict *d, const struct edict_ent *e)
{
	return e->data + val_off(d);
}

static inline uint64_t ent_hash(const struct shard *s, const struct edict *d,
				const struct edict_ent *e)
{
	return store_hash(ent_key(d, e), e->klen, s->seed);
}

static size_t pow2_at_least(size_t n)
{
	size_t size = EDICT_INIT_SIZE;
	while (size < n)
		size <<= 1;
	return size;
}

static void *d_alloc(struct shard *s, struct edict *d, size_t n, bool zero)
{
	void *p = zero ? mem_calloc(s, n) : mem_alloc(s, n);
	if (p)
		d->bytes += mem_usable(p);
	return p;
}

static void d_free(struct shard *s, struct edict *d, void *p)
{
	if (!p)
		return;
	d->bytes -= mem_usable(p);
	mem_free(s, p);
}

/* Start a resize to the power of two >= want (or allocate t[0]). */
static int resize(struct shard *s, struct edict *d, size_t want)
{
	size_t size = pow2_at_least(want);
	if (rehashing(d) || size == d->t[0].size)
		return -EINVAL;
	if (size > SIZE_MAX / sizeof(struct edict_ent *))
		return -ENOMEM;
	struct edict_ent **b = d_alloc(s, d, size * sizeof(*b), true);
	if (!b)
		return -ENOMEM;
	if (d->t[0].size == 0) {
		d->t[0] = (struct edict_table){ .b = b, .size = size };
		return 0;
	}
	d->t[1] = (struct edict_table){ .b = b, .size = size };
	d->rehashidx = 0;
	return 0;
}

/* Move up to `buckets` non-empty buckets of t[0] into t[1]. */
static void rehash(struct shard *s, struct edict *d, int buckets)
{
	int empty_visits = buckets * 10;
	struct edict_table *t0 = &d->t[0], *t1 = &d->t[1];

	if (!rehashing(d))
		return;
	while (buckets > 0 && t0->used) {
		while (!t0->b[d->rehashidx]) {
			d->rehashidx++;
			if (--empty_visits == 0)
				return;
		}
		struct edict_ent *e = t0->b[d->rehashidx];
		while (e) {
			struct edict_ent *next = e->next;
			size_t idx = ent_hash(s, d, e) & (t1->size - 1);
			e->next = t1->b[idx];
			t1->b[idx] = e;
			t0->used--;
			t1->used++;
			e = next;
		}
		t0->b[d->rehashidx++] = NULL;
		buckets--;
	}
	if (t0->used == 0) {
		d_free(s, d, t0->b);
		*t0 = *t1;
		*t1 = (struct edict_table){ 0 };
		d->rehashidx = -1;
	}
}

struct edict *edict_new(struct shard *s, int vkind)
{
	struct edict *d = mem_calloc(s, sizeof(*d));
	if (!d)
		return NULL;
	d->rehashidx = -1;
	d->vkind = (uint8_t)vkind;
	return d;
}

static void free_elements(struct shard *s, struct edict *d)
{
	for (int t = 0; t < 2; t++) {
		struct edict_table *tb = &d->t[t];
		for (size_t i = 0; i < tb->size && tb->used; i++) {
			struct edict_ent *e = tb->b[i];
			while (e) {
				struct edict_ent *next = e->next;
				d_free(s, d, e);
				tb->used--;
				e = next;
			}
		}
		d_free(s, d, tb->b);
		*tb = (struct edict_table){ 0 };
	}
}

void edict_free(struct shard *s, struct edict *d)
{
	if (!d)
		return;
	free_elements(s, d);
	mem_free(s, d);
}

size_t edict_size(const struct edict *d) { return d->t[0].used + d->t[1].used; }
int edict_vkind(const struct edict *d) { return d->vkind; }
size_t edict_mem_bytes(const struct edict *d) { return d->bytes + mem_usable(d); }

int edict_expand(struct shard *s, struct edict *d, size_t n)
{
	if (rehashing(d) || edict_size(d) > n)
		return 0;
	if (pow2_at_least(n) <= d->t[0].size)
		return 0;
	return resize(s, d, n) == -ENOMEM ? -ENOMEM : 0;
}

struct edict_ent *edict_find(const struct shard *s, const struct edict *d,
			     const char *k, size_t klen)
{
	if (edict_size(d) == 0)
		return NULL;
	uint64_t h = store_hash(k, klen, s->seed);
	size_t off = val_off(d);
	for (int t = 0; t < 2; t++) {
		const struct edict_table *tb = &d->t[t];
		for (struct edict_ent *e = tb->b[h & (tb->size - 1)]; e; e = e->next)
			if (e->klen == klen && memcmp(e->data + off, k, klen) == 0)
				return e;
		if (!rehashing(d))
			break;
	}
	return NULL;
}

/* The link that points to e. */
static struct edict_ent **link_of(const struct shard *s, struct edict *d,
				  const struct edict_ent *e, int *table)
{
	uint64_t h = ent_hash(s, d, e);
	for (int t = 0; t < 2; t++) {
		struct edict_table *tb = &d->t[t];
		if (tb->size == 0)
			break;
		for (struct edict_ent **l = &tb->b[h & (tb->size - 1)]; *l; l = &(*l)->next) {
			if (*l == e) {
				*table = t;
				return l;
			}
		}
		if (!rehashing(d))
			break;
	}
	assert(!"element not in its edict");
	return NULL;
}

static void link_new(struct edict *d, struct edict_ent *e, uint64_t h)
{
	struct edict_table *tb = rehashing(d) ? &d->t[1] : &d->t[0];
	size_t idx = h & (tb->size - 1);
	e->next = tb->b[idx];
	tb->b[idx] = e;
	tb->used++;
}

struct edict_ent *edict_insert(struct shard *s, struct edict *d, const char *k, size_t klen,
			       const char *v, size_t vlen)
{
	if (d->vkind != EDICT_VBYTES)
		vlen = 0;
	if (klen > UINT32_MAX || vlen > UINT32_MAX)
		return NULL;
	rehash(s, d, 1);
	if (d->t[0].size == 0 && resize(s, d, EDICT_INIT_SIZE))
		return NULL;
	size_t off = val_off(d);
	struct edict_ent *e = d_alloc(s, d, sizeof(*e) + off + klen + vlen, false);
	if (!e)
		return NULL;
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	if (off)
		edict_set_double(e, 0.0);
	memcpy(e->data + off, k, klen);
	if (vlen)
		memcpy(e->data + off + klen, v, vlen);
	if (!rehashing(d) && d->t[0].used >= d->t[0].size)
		(void)resize(s, d, d->t[0].used + 1); /* on OOM: longer chains */
	link_new(d, e, store_hash(k, klen, s->seed));
	return e;
}

int edict_add(struct shard *s, struct edict *d, const char *k, size_t klen)
{
	if (edict_find(s, d, k, klen))
		return 0;
	return edict_insert(s, d, k, klen, NULL, 0) ? 1 : -ENOMEM;
}

static void unlink_free(struct shard *s, struct edict *d, struct edict_ent **link, int table)
{
	struct edict_ent *e = *link;
	*link = e->next;
	d->t[table].used--;
	d_free(s, d, e);
}

void edict_shrink_maybe(struct shard *s, struct edict *d)
{
	size_t size = d->t[0].size;
	if (rehashing(d) || size <= EDICT_INIT_SIZE)
		return;
	if (d->t[0].used * 100 < size * EDICT_MIN_FILL_PCT)
		(void)resize(s, d, d->t[0].used);
}

int edict_delete(struct shard *s, struct edict *d, const char *k, size_t klen)
{
	struct edict_ent *e = edict_find(s, d, k, klen);
	if (!e)
		return 0;
	int t;
	struct edict_ent **link = link_of(s, d, e, &t);
	unlink_free(s, d, link, t);
	rehash(s, d, 1);
	edict_shrink_maybe(s, d);
	return 1;
}

void edict_delete_ent(struct shard *s, struct edict *d, struct edict_ent *e)
{
	int t;
	struct edict_ent **link = link_of(s, d, e, &t);
	unlink_free(s, d, link, t);
}

struct edict_ent *edict_set_bytes(struct shard *s, struct edict *d, struct edict_ent *e,
				  const char *v, size_t vlen)
{
	if (vlen > UINT32_MAX)
		return NULL;
	int t;
	struct edict_ent **link = link_of(s, d, e, &t);
	size_t need = sizeof(*e) + val_off(d) + e->klen + vlen;
	size_t old = mem_usable(e);
	struct edict_ent *ne = e;
	if (need > old || mem_class(need) < old) {
		ne = mem_realloc(s, e, need);
		if (!ne)
			return NULL;
		d->bytes = d->bytes - old + mem_usable(ne);
		*link = ne;
	}
	ne->vlen = (uint32_t)vlen;
	if (vlen)
		memmove(ne->data + val_off(d) + ne->klen, v, vlen);
	return ne;
}

struct edict *edict_dup(struct shard *s, const struct edict *src)
{
	struct edict *d = edict_new(s, src->vkind);
	if (!d)
		return NULL;
	if (edict_expand(s, d, edict_size(src)))
		goto oom;
	struct edict_iter it;
	edict_iter_init(&it, src);
	for (struct edict_ent *e; (e = edict_iter_next(&it));) {
		size_t klen, vlen = 0;
		const char *k = edict_key(e, &klen, src->vkind);
		const char *v = src->vkind == EDICT_VBYTES ? edict_val(e, &vlen) : NULL;
		struct edict_ent *ne = edict_insert(s, d, k, klen, v, vlen);
		if (!ne)
			goto oom;
		if (src->vkind == EDICT_VDOUBLE)
			edict_set_double(ne, edict_double(e));
	}
	return d;
oom:
	edict_free(s, d);
	return NULL;
}

/* ---- random */

static struct edict_ent *bucket_at(const struct edict *d, size_t i)
{
	return i < d->t[0].size ? d->t[0].b[i] : d->t[1].b[i - d->t[0].size];
}

static struct edict_ent *pick_in_chain(struct shard *s, struct edict_ent *e)
{
	size_t len = 0;
	for (struct edict_ent *p = e; p; p = p->next)
		len++;
	for (size_t i = shard_rand(s) % len; i; i--)
		e = e->next;
	return e;
}

struct edict_ent *edict_random(struct shard *s, const struct edict *d)
{
	if (edict_size(d) == 0)
		return NULL;
	/* t[0]'s buckets below rehashidx are empty: skip them */
	size_t lo = rehashing(d) ? (size_t)d->rehashidx : 0;
	size_t n = d->t[0].size + (rehashing(d) ? d->t[1].size : 0);
	for (int i = 0; i < EDICT_RANDOM_TRIES; i++) {
		struct edict_ent *e = bucket_at(d, lo + shard_rand(s) % (n - lo));
		if (e)
			return pick_in_chain(s, e);
	}
	size_t start = shard_rand(s) % n;
	for (size_t k = 0; k < n; k++)
		if (bucket_at(d, (start + k) % n))
			return pick_in_chain(s, bucket_at(d, (start + k) % n));
	return NULL;
}

/* ---- iteration */

void edict_iter_init(struct edict_iter *it, const struct edict *d)
{
	*it = (struct edict_iter){ .d = d };
}

struct edict_ent *edict_iter_next(struct edict_iter *it)
{
	for (;;) {
		if (it->next) {
			struct edict_ent *e = it->next;
			it->next = e->next;
			return e;
		}
		const struct edict_table *tb = &it->d->t[it->table];
		if (it->idx >= tb->size) {
			if (it->table == 1 || !rehashing(it->d))
				return NULL;
			it->table = 1;
			it->idx = 0;
			continue;
		}
		it->next = tb->b[it->idx++];
	}
}

/* ---- scan (the same reverse-binary cursor as scan.c) */

static uint64_t rev64(uint64_t v)
{
	v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
	v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
	v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
	return __builtin_bswap64(v);
}

static long emit_bucket(const struct edict_ent *e, edict_scan_fn fn, void *arg)
{
	long n = 0;
	for (; e; e = e->next, n++)
		fn(arg, e);
	return n;
}

static uint64_t scan_step(const struct edict *d, uint64_t v, edict_scan_fn fn, void *arg,
			  long *emitted)
{
	if (!rehashing(d)) {
		uint64_t m0 = d->t[0].size - 1;
		*emitted += emit_bucket(d->t[0].b[v & m0], fn, arg);
		v |= ~m0;
		return rev64(rev64(v) + 1);
	}
	const struct edict_table *t0 = &d->t[0], *t1 = &d->t[1];
	if (t0->size > t1->size) {
		const struct edict_table *tmp = t0;
		t0 = t1;
		t1 = tmp;
	}
	uint64_t m0 = t0->size - 1, m1 = t1->size - 1;
	*emitted += emit_bucket(t0->b[v & m0], fn, arg);
	/* every bucket of the larger table that expands the smaller one's */
	do {
		*emitted += emit_bucket(t1->b[v & m1], fn, arg);
		v |= ~m1;
		v = rev64(rev64(v) + 1);
	} while (v & (m0 ^ m1));
	return v;
}

uint64_t edict_scan(const struct edict *d, uint64_t cursor, long count,
		    edict_scan_fn fn, void *arg)
{
	long emitted = 0;
	if (count < 1)
		count = 1;
	long maxsteps = count * 10;
	if (edict_size(d) == 0)
		return 0;
	do {
		cursor = scan_step(d, cursor, fn, arg, &emitted);
	} while (cursor && --maxsteps > 0 && emitted < count);
	return cursor;
}
