/*
 * Entries: allocation, accessors, string encodings (Redis's int / embstr /
 * raw rules), access clock and LFU counter.
 */
#include <stdio.h>

#include "store_int.h"

struct sentry *entry_new(struct shard *s, const char *key, size_t klen, size_t vlen,
			 bool ttl, int type, int enc, uint8_t htag)
{
	if (klen > UINT32_MAX || vlen > UINT32_MAX)
		return NULL;
	struct sentry *e = mem_alloc(s, se_need(ttl, klen, vlen));
	if (!e)
		return NULL;
	e->next = NULL;
	e->klen = (uint32_t)klen;
	e->vlen = (uint32_t)vlen;
	e->tflags = (uint8_t)((type & SE_TYPE_MASK) | (ttl ? SE_TTL : 0));
	e->enc = (uint8_t)enc;
	e->lfu = LFU_INIT_VAL;
	e->htag = htag;
	e->atime = shard_clock_sec(s);
	if (ttl)
		*se_ttl(e) = (struct sttl){ .when = STORE_NO_EXPIRE, .idx = UINT32_MAX };
	memcpy(se_key(e), key, klen);
	return e;
}

void entry_free(struct shard *s, struct db *d, struct sentry *e)
{
	if (se_has_ttl(e))
		ttl_index_del(s, d, e);
	entry_free_value(s, e);
	mem_free(s, e);
}

/* Redis's LFU: decay one per idle minute, then a logarithmic increment
 * (probability 1 / ((counter - 5) * lfu-log-factor + 1)). */
void entry_touch(struct shard *s, struct sentry *e)
{
	uint32_t now = shard_clock_sec(s);
	unsigned c = e->lfu;

	if (now != e->atime) {
		uint32_t idle_min = now > e->atime ? (now - e->atime) / 60 : 0;
		c = idle_min >= c ? 0 : c - idle_min;
		e->atime = now;
	}
	if (c <= LFU_INIT_VAL)
		c++;
	else if (c < 255 &&
		 shard_rand(s) < UINT64_MAX / ((uint64_t)(c - LFU_INIT_VAL) * LFU_LOG_FACTOR + 1))
		c++;
	e->lfu = (uint8_t)c;
}

/* ---- public accessors */
int sentry_type(const struct sentry *e) { return e->tflags & SE_TYPE_MASK; }
int sentry_encoding(const struct sentry *e) { return e->enc; }
uint8_t sentry_lfu(const struct sentry *e) { return e->lfu; }

const char *sentry_key(const struct sentry *e, size_t *klen)
{
	*klen = e->klen;
	return se_key(e);
}

int64_t sentry_expire(const struct sentry *e)
{
	return se_has_ttl(e) ? se_ttl((struct sentry *)e)->when : STORE_NO_EXPIRE;
}

uint32_t sentry_idle_seconds(const struct shard *s, const struct sentry *e)
{
	uint32_t now = shard_clock_sec(s);
	return now > e->atime ? now - e->atime : 0;
}

bool sentry_str_int(const struct sentry *e, long long *v)
{
	if (e->enc != ENC_INT)
		return false;
	int64_t x;
	memcpy(&x, se_val(e), sizeof(x));
	*v = x;
	return true;
}

const char *sentry_str(const struct sentry *e, char *tmp, size_t *len)
{
	long long v;
	if (sentry_str_int(e, &v)) {
		*len = (size_t)util_ll_to_str(tmp, UTIL_LL_STR_MAX, v);
		return tmp;
	}
	*len = e->vlen;
	return se_val(e);
}
