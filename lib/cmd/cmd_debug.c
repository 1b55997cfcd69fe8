/* DEBUG SLEEP / OBJECT / HELP and LATENCY DOCTOR / HELP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd_docs.h"
#include "cmd/cmd_server_int.h"
#include "cmd/cmd_util.h"

#define OBJ_SHARED_REFCOUNT 2147483647 /* Redis's shared integers 0..9999 */
#define OBJ_SHARED_INTEGERS 10000

/* rdbSaveLen's size for a length. */
static size_t rdb_len_size(size_t n)
{
	if (n < (1u << 6))
		return 1;
	if (n < (1u << 14))
		return 2;
	if (n <= UINT32_MAX)
		return 5;
	return 9;
}

/* rdbEncodeInteger: 0 if v does not fit 32 bits. */
static size_t rdb_int_size(long long v)
{
	if (v >= -(1 << 7) && v <= (1 << 7) - 1)
		return 2;
	if (v >= -(1 << 15) && v <= (1 << 15) - 1)
		return 3;
	if (v >= -2147483648LL && v <= 2147483647LL)
		return 5;
	return 0;
}

/*
 * rdbSavedObjectLen for a string. Redis compresses strings over 20 bytes
 * with LZF when that saves space; wirekv reports the uncompressed size
 * there (a known difference for long, compressible values).
 */
static size_t serialized_len(const struct sentry *e)
{
	long long v;
	char tmp[32];
	size_t len;
	if (sentry_type(e) != OBJ_STRING)
		return 0;
	if (sentry_str_int(e, &v)) {
		size_t n = rdb_int_size(v);
		if (n)
			return n;
		len = (size_t)resp_ll_to_str(tmp, sizeof(tmp), v);
		return rdb_len_size(len) + len;
	}
	const char *p = sentry_str(e, tmp, &len);
	if (len <= 11 && resp_str_to_ll(p, len, &v)) { /* rdbTryIntegerEncoding */
		char canon[32];
		size_t n = rdb_int_size(v);
		if (n && (size_t)resp_ll_to_str(canon, sizeof(canon), v) == len &&
		    memcmp(canon, p, len) == 0)
			return n;
	}
	return rdb_len_size(len) + len;
}

static const char *encoding_name(int enc)
{
	switch (enc) {
	case ENC_INT: return "int";
	case ENC_EMBSTR: return "embstr";
	default: return "raw";
	}
}

/* __debugobject key: DEBUG OBJECT on the key's owner. Like Redis it does
 * not touch the key nor count a hit or miss. */
void cmd_int_debugobject(struct cmd_ctx *c)
{
	const struct resp_arg *k = &c->argv[1];
	struct sentry *e = shard_lookup(c->env->shard, c->db, k->ptr, k->len, LOOKUP_NOTOUCH);
	if (!e) {
		reply_error(c->r, "ERR no such key");
		return;
	}
	long long v;
	int refcount = 1;
	enum maxmemory_policy p = c->env->cfg->maxmemory_policy;
	bool lru_or_lfu = p != MM_NOEVICTION && p != MM_ALLKEYS_RANDOM &&
			  p != MM_VOLATILE_RANDOM && p != MM_VOLATILE_TTL;
	/* Redis stores 0..9999 as shared objects unless maxmemory evicts by
	 * LRU/LFU (each key then needs its own access time). */
	if (sentry_encoding(e) == ENC_INT && sentry_str_int(e, &v) && v >= 0 &&
	    v < OBJ_SHARED_INTEGERS && !(c->env->cfg->maxmemory && lru_or_lfu))
		refcount = OBJ_SHARED_REFCOUNT;
	uint32_t idle = sentry_idle_seconds(c->env->shard, e);
	long long lru = ((c->env->now_ms / 1000) - idle) & ((1 << 24) - 1);
	char line[256];
	snprintf(line, sizeof(line),
		 "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%lld "
		 "lru_seconds_idle:%u",
		 (const void *)e, refcount, encoding_name(sentry_encoding(e)), serialized_len(e),
		 lru, idle);
	reply_status(c->r, line);
}

static void debug_sleep(const struct resp_arg *a)
{
	char buf[64];
	size_t n = a->len < sizeof(buf) - 1 ? a->len : sizeof(buf) - 1;
	memcpy(buf, a->ptr, n);
	buf[n] = '\0';
	long long us = (long long)(strtod(buf, NULL) * 1000000);
	if (us <= 0)
		return;
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/*
 * DEBUG is one row like in Redis (arity -2, no subcommands) but its parts
 * run in different places: SLEEP blocks this worker (as Redis blocks its
 * only thread; other workers go on), OBJECT runs on the key's owner.
 */
enum coord_result coord_debug(struct coord_ctx *cc)
{
	const struct resp_arg *sub = &cc->argv[1];
	if (cc->phase == 1) {
		reply_raw(cc->r, cc->sub[0].reply, cc->sub[0].len);
		return COORD_DONE;
	}
	if (cc->argc == 2 && cmd_arg_is(sub, "help")) {
		cmd_doc_reply_help(cc->r, "debug");
	} else if (cc->argc == 3 && cmd_arg_is(sub, "sleep")) {
		debug_sleep(&cc->argv[2]);
		cmd_reply_ok(cc->r);
	} else if (cc->argc == 3 && cmd_arg_is(sub, "object")) {
		const struct resp_arg *key = &cc->argv[2];
		struct resp_arg req[2] = {{"__debugobject", 13}, *key};
		cc->send(cc, cmd_key_owner(cc->env, key->ptr, key->len), cc->db, 2, req);
		return COORD_WAIT;
	} else {
		size_t n = cmd_arg_cstrlen(sub);
		reply_errorf(cc->r,
			     "ERR unknown subcommand or wrong number of arguments for '%.*s'. "
			     "Try DEBUG HELP.",
			     (int)(n > 128 ? 128 : n), sub->ptr);
	}
	return COORD_DONE;
}

void cmd_latency_doctor(struct cmd_ctx *c)
{
	/* wirekv keeps no latency samples: Redis's text for a disabled monitor */
	reply_verbatim(c->r, cmd_latency_doctor_text, strlen(cmd_latency_doctor_text), "txt");
}

void cmd_latency_help(struct cmd_ctx *c)
{
	cmd_doc_reply_help(c->r, "latency");
}
