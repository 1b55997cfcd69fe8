/*
 * The keys family's table, and its per-key commands: DEL UNLINK EXISTS
 * TOUCH TYPE TTL PTTL EXPIRETIME PEXPIRETIME PERSIST OBJECT.
 * (EXPIRE* in cmd_expire.c, whole-keyspace commands in cmd_keyspace.c,
 * RENAME/COPY in cmd_rename.c, coordinators in coord_keys.c.)
 */
#include "cmd/cmd_docs.h"
#include "cmd/keys_int.h"

#include <limits.h>

const char *keys_type_name(const struct sentry *e)
{
	if (!e)
		return "none";
	switch (sentry_type(e)) {
	case OBJ_STRING: return "string";
	case OBJ_LIST: return "list";
	case OBJ_SET: return "set";
	case OBJ_ZSET: return "zset";
	case OBJ_HASH: return "hash";
	default: return "unknown";
	}
}

/* DEL and UNLINK (freeing is synchronous either way: values are one
 * allocation each). An expired key counts as absent. */
void cmd_del(struct cmd_ctx *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++) {
		struct sentry *e = keys_lookup_write(c, &c->argv[i]);
		if (e) {
			shard_delete_entry(c->env->shard, c->db, e);
			n++;
		}
	}
	reply_int(c->r, n);
}

/* Every argument counts, so a key given twice counts twice (as Redis). */
void cmd_exists(struct cmd_ctx *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++)
		if (keys_lookup_read(c, &c->argv[i], LOOKUP_NOTOUCH))
			n++;
	reply_int(c->r, n);
}

void cmd_touch(struct cmd_ctx *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++)
		if (keys_lookup_read(c, &c->argv[i], 0))
			n++;
	reply_int(c->r, n);
}

void cmd_type(struct cmd_ctx *c)
{
	reply_status(c->r, keys_type_name(keys_lookup_read(c, &c->argv[1], LOOKUP_NOTOUCH)));
}

/* Redis's ttlGenericCommand: -2 no key, -1 no TTL, else the (rounded) value. */
static void ttl_generic(struct cmd_ctx *c, bool ms, bool absolute)
{
	struct sentry *e = keys_lookup_read(c, &c->argv[1], LOOKUP_NOTOUCH);
	if (!e) {
		reply_int(c->r, -2);
		return;
	}
	long long expire = sentry_expire(e);
	if (expire == STORE_NO_EXPIRE) {
		reply_int(c->r, -1);
		return;
	}
	long long ttl = absolute ? expire : expire - c->env->now_ms;
	if (ttl < 0)
		ttl = 0;
	reply_int(c->r, ms ? ttl : (ttl + 500) / 1000);
}

void cmd_ttl(struct cmd_ctx *c) { ttl_generic(c, false, false); }
void cmd_pttl(struct cmd_ctx *c) { ttl_generic(c, true, false); }
void cmd_expiretime(struct cmd_ctx *c) { ttl_generic(c, false, true); }
void cmd_pexpiretime(struct cmd_ctx *c) { ttl_generic(c, true, true); }

void cmd_persist(struct cmd_ctx *c)
{
	struct sentry *e = keys_lookup_write(c, &c->argv[1]);
	if (!e || sentry_expire(e) == STORE_NO_EXPIRE) {
		reply_int(c->r, 0);
		return;
	}
	if (!shard_set_expire(c->env->shard, c->db, e, STORE_NO_EXPIRE)) {
		cmd_reply_oom(c->r);
		return;
	}
	reply_int(c->r, 1);
}

/* ------------------------------------------------------------ OBJECT */

void cmd_object_help(struct cmd_ctx *c)
{
	cmd_doc_reply_help(c->r, "object");
}

/* Redis's objectCommandLookupOrReply: counts hits/misses, no touch, null reply. */
static struct sentry *object_lookup(struct cmd_ctx *c)
{
	struct sentry *e = keys_lookup_read(c, &c->argv[2], LOOKUP_NOTOUCH);
	if (!e)
		reply_null(c->r);
	return e;
}

static const char *encoding_name(int enc)
{
	static const char *const names[] = {
		"raw", "int", "hashtable", "zipmap", "linkedlist", "ziplist",
		"intset", "skiplist", "embstr", "quicklist", "stream", "listpack",
	};
	if (enc >= 0 && enc < (int)(sizeof(names) / sizeof(names[0])))
		return names[enc];
	return "unknown";
}

void cmd_object_encoding(struct cmd_ctx *c)
{
	struct sentry *e = object_lookup(c);
	if (e)
		reply_bulk_cstr(c->r, encoding_name(sentry_encoding(e)));
}

static bool policy_is_lfu(enum maxmemory_policy p)
{
	return p == MM_ALLKEYS_LFU || p == MM_VOLATILE_LFU;
}

static bool policy_is_lru(enum maxmemory_policy p)
{
	return p == MM_ALLKEYS_LRU || p == MM_VOLATILE_LRU;
}

void cmd_object_freq(struct cmd_ctx *c)
{
	struct sentry *e = object_lookup(c);
	if (!e)
		return;
	if (!policy_is_lfu(c->env->cfg->maxmemory_policy)) {
		reply_error(c->r, "ERR An LFU maxmemory policy is not selected, access frequency "
			    "not tracked. Please note that when switching between policies at "
			    "runtime LRU and LFU data will take some time to adjust.");
		return;
	}
	reply_int(c->r, sentry_lfu(e));
}

void cmd_object_idletime(struct cmd_ctx *c)
{
	struct sentry *e = object_lookup(c);
	if (!e)
		return;
	if (policy_is_lfu(c->env->cfg->maxmemory_policy)) {
		reply_error(c->r, "ERR An LFU maxmemory policy is selected, idle time not tracked. "
			    "Please note that when switching between policies at runtime LRU and "
			    "LFU data will take some time to adjust.");
		return;
	}
	reply_int(c->r, sentry_idle_seconds(c->env->shard, e));
}

/*
 * Redis shares the objects of the integers 0..9999 (refcount INT_MAX),
 * unless maxmemory is set with an LRU/LFU policy (objects then need their
 * own access time). Values are never shared here, so this reports what
 * Redis would for a value created under the current settings. (Redis's
 * COPY duplicates a shared integer to refcount 1; that is not tracked.)
 */
#define OBJ_SHARED_INTEGERS 10000
#define OBJ_SHARED_REFCOUNT INT_MAX

void cmd_object_refcount(struct cmd_ctx *c)
{
	struct sentry *e = object_lookup(c);
	if (!e)
		return;
	long long v;
	const struct wk_config *cfg = c->env->cfg;
	bool sharing = cfg->maxmemory == 0 ||
		       !(policy_is_lru(cfg->maxmemory_policy) || policy_is_lfu(cfg->maxmemory_policy));
	if (sharing && sentry_str_int(e, &v) && v >= 0 && v < OBJ_SHARED_INTEGERS)
		reply_int(c->r, OBJ_SHARED_REFCOUNT);
	else
		reply_int(c->r, 1);
}

/* ------------------------------------------------------------- table */

#define RO CMD_READONLY
#define WR CMD_WRITE
#define FAST CMD_FAST

static const struct cmd_def object_subcmds[] = {
	{"object|encoding", 3, RO, 2, 2, 1, ROUTE_KEYS, cmd_object_encoding, NULL, NULL},
	{"object|freq", 3, RO, 2, 2, 1, ROUTE_KEYS, cmd_object_freq, NULL, NULL},
	{"object|help", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_object_help, NULL, NULL},
	{"object|idletime", 3, RO, 2, 2, 1, ROUTE_KEYS, cmd_object_idletime, NULL, NULL},
	{"object|refcount", 3, RO, 2, 2, 1, ROUTE_KEYS, cmd_object_refcount, NULL, NULL},
	{0},
};

/* name, arity, flags, first/last/step key (Redis 7.0.15's COMMAND INFO),
 * route, handler, coordinator. */
const struct cmd_def cmd_keys_table[] = {
	{"del", -2, WR, 1, -1, 1, ROUTE_KEYS, cmd_del, coord_sum_keys, NULL},
	{"unlink", -2, WR | FAST, 1, -1, 1, ROUTE_KEYS, cmd_del, coord_sum_keys, NULL},
	{"exists", -2, RO | FAST, 1, -1, 1, ROUTE_KEYS, cmd_exists, coord_sum_keys, NULL},
	{"touch", -2, RO | FAST, 1, -1, 1, ROUTE_KEYS, cmd_touch, coord_sum_keys, NULL},
	{"type", 2, RO | FAST, 1, 1, 1, ROUTE_KEYS, cmd_type, NULL, NULL},
	{"ttl", 2, RO | FAST, 1, 1, 1, ROUTE_KEYS, cmd_ttl, NULL, NULL},
	{"pttl", 2, RO | FAST, 1, 1, 1, ROUTE_KEYS, cmd_pttl, NULL, NULL},
	{"expiretime", 2, RO | FAST, 1, 1, 1, ROUTE_KEYS, cmd_expiretime, NULL, NULL},
	{"pexpiretime", 2, RO | FAST, 1, 1, 1, ROUTE_KEYS, cmd_pexpiretime, NULL, NULL},
	{"persist", 2, WR | FAST, 1, 1, 1, ROUTE_KEYS, cmd_persist, NULL, NULL},
	{"expire", -3, WR | FAST, 1, 1, 1, ROUTE_KEYS, cmd_expire, NULL, NULL},
	{"pexpire", -3, WR | FAST, 1, 1, 1, ROUTE_KEYS, cmd_pexpire, NULL, NULL},
	{"expireat", -3, WR | FAST, 1, 1, 1, ROUTE_KEYS, cmd_expireat, NULL, NULL},
	{"pexpireat", -3, WR | FAST, 1, 1, 1, ROUTE_KEYS, cmd_pexpireat, NULL, NULL},
	{"rename", 3, WR, 1, 2, 1, ROUTE_KEYS, cmd_rename, coord_move, NULL},
	{"renamenx", 3, WR | FAST, 1, 2, 1, ROUTE_KEYS, cmd_renamenx, coord_move, NULL},
	{"copy", -3, WR | CMD_DENYOOM, 1, 2, 1, ROUTE_KEYS, cmd_copy, coord_move, NULL},
	{"keys", 2, RO, 0, 0, 0, ROUTE_COORD, cmd_keys, coord_keys, NULL},
	{"scan", -2, RO, 0, 0, 0, ROUTE_COORD, cmd_scan, coord_scan, NULL},
	{"randomkey", 1, RO, 0, 0, 0, ROUTE_COORD, cmd_randomkey, coord_randomkey, NULL},
	{"dbsize", 1, RO | FAST, 0, 0, 0, ROUTE_COORD, cmd_dbsize, coord_dbsize, NULL},
	{"flushdb", -1, WR, 0, 0, 0, ROUTE_COORD, cmd_flushdb, coord_flush, NULL},
	{"flushall", -1, WR, 0, 0, 0, ROUTE_COORD, cmd_flushall, coord_flush, NULL},
	{"object", -2, CMD_CONTAINER, 0, 0, 0, ROUTE_CONN, NULL, NULL, object_subcmds},
	/* internal, sub-requests of coord_move only */
	{"__dump", -2, CMD_INTERNAL | RO, 1, 1, 1, ROUTE_KEYS, cmd_int_dump, NULL, NULL},
	{"__restore", -5, CMD_INTERNAL | WR, 1, 1, 1, ROUTE_KEYS, cmd_int_restore, NULL, NULL},
	{"__delifeq", 4, CMD_INTERNAL | WR, 1, 1, 1, ROUTE_KEYS, cmd_int_delifeq, NULL, NULL},
	{0},
};
