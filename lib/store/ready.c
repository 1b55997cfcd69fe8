/*
 * The ready log (store.h, "keys that got data"): records of
 *   db uint32 | type uint32 | klen uint64 | key bytes (padded to 8)
 * appended while tracking is on. Kept out of used_memory: it is the
 * engine's bookkeeping, not data, and lives only until the next take.
 */
#include <stdlib.h>

#include "store_int.h"

struct ready_rec {
	uint32_t db;
	uint32_t type;
	uint64_t klen;
};

#define READY_PAD(n) (((n) + 7) & ~(size_t)7)
#define READY_KEEP (64u << 10) /* a log buffer larger than this is freed when drained */

void shard_track_ready(struct shard *s, bool on)
{
	s->track_ready = on;
	if (!on) {
		ready_free(s);
	}
}

bool shard_ready_pending(const struct shard *s) { return s->nready != 0; }

void ready_note(struct shard *s, int db, const char *key, size_t klen, int type)
{
	struct ready_rec h = { (uint32_t)db, (uint32_t)type, klen };
	static const char pad[8];
	size_t start = s->ready.len;
	if (buf_put(&s->ready, &h, sizeof(h)) || buf_put(&s->ready, key, klen) ||
	    buf_put(&s->ready, pad, READY_PAD(klen) - klen)) {
		/* no memory for the note: a waiter on this key waits on (until
		 * its timeout or the key is created again); nothing breaks */
		s->ready.len = start;
		return;
	}
	s->nready++;
}

size_t shard_ready_take(struct shard *s, shard_ready_fn fn, void *arg)
{
	size_t taken = 0;
	/* fn may add notes: take the log as it is, then go on while there are more */
	while (s->nready) {
		struct store_buf b = s->ready;
		uint32_t n = s->nready;
		s->ready = (struct store_buf){ 0 };
		s->nready = 0;
		size_t off = 0;
		for (uint32_t i = 0; i < n; i++) {
			struct ready_rec h;
			memcpy(&h, b.p + off, sizeof(h));
			off += sizeof(h);
			fn(arg, (int)h.db, b.p + off, (size_t)h.klen, (int)h.type);
			off += READY_PAD((size_t)h.klen);
		}
		taken += n;
		if (s->ready.p == NULL && b.cap <= READY_KEEP) {
			b.len = 0; /* reuse the buffer */
			s->ready = b;
		} else {
			free(b.p);
		}
	}
	return taken;
}

void ready_free(struct shard *s)
{
	free(s->ready.p);
	s->ready = (struct store_buf){ 0 };
	s->nready = 0;
}
