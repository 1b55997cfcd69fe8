/*
 * intset: sorted distinct integers at the narrowest common width (see
 * intset.h). Members are stored in native byte order: the bytes never leave
 * this process (dump/restore only moves values between shards).
 */
#include "intset.h"
#include "store_int.h"

struct intset {
	uint32_t width; /* bytes per member: 2, 4 or 8 */
	uint32_t len;
	char data[];
};

static uint32_t width_of(int64_t v)
{
	if (v < INT32_MIN || v > INT32_MAX)
		return 8;
	if (v < INT16_MIN || v > INT16_MAX)
		return 4;
	return 2;
}

static int64_t get_w(const struct intset *is, uint32_t pos, uint32_t w)
{
	const char *p = is->data + (size_t)pos * w;
	if (w == 8) {
		int64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	if (w == 4) {
		int32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	int16_t v;
	memcpy(&v, p, 2);
	return v;
}

static void set_at(struct intset *is, uint32_t pos, int64_t v)
{
	char *p = is->data + (size_t)pos * is->width;
	if (is->width == 8) {
		memcpy(p, &v, 8);
	} else if (is->width == 4) {
		int32_t x = (int32_t)v;
		memcpy(p, &x, 4);
	} else {
		int16_t x = (int16_t)v;
		memcpy(p, &x, 2);
	}
}

int64_t intset_get(const struct intset *is, uint32_t pos) { return get_w(is, pos, is->width); }
uint32_t intset_len(const struct intset *is) { return is->len; }
size_t intset_blob_len(const struct intset *is)
{
	return sizeof(*is) + (size_t)is->len * is->width;
}
const void *intset_blob(const struct intset *is) { return is; }

struct intset *intset_new(struct shard *s)
{
	struct intset *is = mem_alloc(s, sizeof(*is));
	if (is)
		*is = (struct intset){ .width = 2 };
	return is;
}

void intset_free(struct shard *s, struct intset *is) { mem_free(s, is); }

struct intset *intset_dup(struct shard *s, const struct intset *is)
{
	struct intset *c = mem_alloc(s, intset_blob_len(is));
	if (c)
		memcpy(c, is, intset_blob_len(is));
	return c;
}

/* Binary search: true and *pos = index if found, else *pos = insert point. */
static bool search(const struct intset *is, int64_t v, uint32_t *pos)
{
	uint32_t lo = 0, hi = is->len;
	if (is->len && v > intset_get(is, is->len - 1)) {
		*pos = is->len;
		return false;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int64_t cur = intset_get(is, mid);
		if (cur == v) {
			*pos = mid;
			return true;
		}
		if (cur < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return false;
}

bool intset_find(const struct intset *is, int64_t v)
{
	uint32_t pos;
	return width_of(v) <= is->width && search(is, v, &pos);
}

static struct intset *resize(struct shard *s, struct intset *is, uint32_t len, uint32_t width)
{
	return mem_realloc(s, is, sizeof(*is) + (size_t)len * width);
}

/* v does not fit the current width: widen every member, then v goes to an
 * end (it is beyond every member's range). */
static struct intset *upgrade_add(struct shard *s, struct intset *is, int64_t v)
{
	uint32_t oldw = is->width, neww = width_of(v), len = is->len;
	struct intset *n = resize(s, is, len + 1, neww);
	if (!n)
		return NULL;
	n->width = neww;
	bool front = v < 0;
	/* from the back so nothing is overwritten before it is read */
	for (uint32_t i = len; i-- > 0;)
		set_at(n, i + front, get_w(n, i, oldw));
	set_at(n, front ? 0 : len, v);
	n->len = len + 1;
	return n;
}

struct intset *intset_add(struct shard *s, struct intset *is, int64_t v, int *added)
{
	*added = 0;
	if (width_of(v) > is->width) {
		struct intset *n = upgrade_add(s, is, v);
		if (n)
			*added = 1;
		return n;
	}
	uint32_t pos;
	if (search(is, v, &pos))
		return is;
	struct intset *n = resize(s, is, is->len + 1, is->width);
	if (!n)
		return NULL;
	size_t w = n->width;
	memmove(n->data + (pos + 1) * w, n->data + pos * w, (n->len - pos) * w);
	set_at(n, pos, v);
	n->len++;
	*added = 1;
	return n;
}

struct intset *intset_remove(struct shard *s, struct intset *is, int64_t v, int *removed)
{
	uint32_t pos;
	*removed = 0;
	if (width_of(v) > is->width || !search(is, v, &pos))
		return is;
	size_t w = is->width;
	memmove(is->data + pos * w, is->data + (pos + 1) * w, (is->len - pos - 1) * w);
	is->len--;
	*removed = 1;
	struct intset *n = resize(s, is, is->len, is->width);
	return n ? n : is;
}

int64_t intset_random(struct shard *s, const struct intset *is)
{
	return intset_get(is, (uint32_t)(shard_rand(s) % is->len));
}

struct intset *intset_from_blob(struct shard *s, const void *p, size_t n)
{
	struct intset hdr;
	if (n < sizeof(hdr))
		return NULL;
	memcpy(&hdr, p, sizeof(hdr));
	if ((hdr.width != 2 && hdr.width != 4 && hdr.width != 8) ||
	    n != sizeof(hdr) + (size_t)hdr.len * hdr.width)
		return NULL;
	struct intset *is = mem_alloc(s, n);
	if (is)
		memcpy(is, p, n);
	return is;
}
