/*
 * Private to the keys family (cmd_keys.c, cmd_expire.c, cmd_keyspace.c,
 * cmd_rename.c, coord_keys.c): handlers and coordinators the table in
 * cmd_keys.c points at, and the few helpers they share.
 */
#ifndef WIREKV_CMD_KEYS_INT_H
#define WIREKV_CMD_KEYS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"

/* Redis's lookupKeyRead*: counts a keyspace hit or miss on this worker. */
static inline struct sentry *keys_lookup_read(struct cmd_ctx *c, const struct resp_arg *k,
					      unsigned flags)
{
	struct sentry *e = shard_lookup(c->env->shard, c->db, k->ptr, k->len, flags);
	if (e)
		c->env->stats->keyspace_hits++;
	else
		c->env->stats->keyspace_misses++;
	return e;
}

/* Redis's lookupKeyWrite: no statistics, no access-time update needed. */
static inline struct sentry *keys_lookup_write(struct cmd_ctx *c, const struct resp_arg *k)
{
	return shard_lookup(c->env->shard, c->db, k->ptr, k->len, LOOKUP_NOTOUCH);
}

/* Redis's type name of an entry (TYPE, SCAN TYPE): "string", "list" ... */
const char *keys_type_name(const struct sentry *e);

/* SCAN's arguments after the cursor. */
struct scan_opts {
	long count;
	const char *pat;     /* NULL: every key */
	size_t patlen;
	const char *type;    /* NULL: every type (a C string up to a NUL, as Redis) */
	size_t typelen;
};
/* Redis's parseScanCursorOrReply (strtoul rules). 0 or -EINVAL after the error. */
int keys_scan_cursor(struct reply *r, const struct resp_arg *a, uint64_t *cursor);
/* Options from argv[2]: 0, or -EINVAL after Redis's error. */
int keys_scan_opts(struct reply *r, int argc, const struct resp_arg *argv, struct scan_opts *o);

/* COPY's options from argv[3]: 0, or -EINVAL after Redis's error. */
int keys_copy_opts(struct reply *r, const struct cmd_env *env, int db, int argc,
		   const struct resp_arg *argv, int *dstdb, bool *replace);
/* FLUSHDB / FLUSHALL options: 0, or -EINVAL after "syntax error". */
int keys_flush_opts(struct reply *r, int argc, const struct resp_arg *argv);

/* handlers: the local part, on the worker that owns the keys */
void cmd_del(struct cmd_ctx *c);
void cmd_exists(struct cmd_ctx *c);
void cmd_touch(struct cmd_ctx *c);
void cmd_type(struct cmd_ctx *c);
void cmd_ttl(struct cmd_ctx *c);
void cmd_pttl(struct cmd_ctx *c);
void cmd_expiretime(struct cmd_ctx *c);
void cmd_pexpiretime(struct cmd_ctx *c);
void cmd_persist(struct cmd_ctx *c);
void cmd_expire(struct cmd_ctx *c);
void cmd_pexpire(struct cmd_ctx *c);
void cmd_expireat(struct cmd_ctx *c);
void cmd_pexpireat(struct cmd_ctx *c);
void cmd_object_help(struct cmd_ctx *c);
void cmd_object_encoding(struct cmd_ctx *c);
void cmd_object_freq(struct cmd_ctx *c);
void cmd_object_idletime(struct cmd_ctx *c);
void cmd_object_refcount(struct cmd_ctx *c);
void cmd_keys(struct cmd_ctx *c);
void cmd_scan(struct cmd_ctx *c);
void cmd_randomkey(struct cmd_ctx *c);
void cmd_dbsize(struct cmd_ctx *c);
void cmd_flushdb(struct cmd_ctx *c);
void cmd_flushall(struct cmd_ctx *c);
void cmd_rename(struct cmd_ctx *c);
void cmd_renamenx(struct cmd_ctx *c);
void cmd_copy(struct cmd_ctx *c);
void cmd_int_dump(struct cmd_ctx *c);
void cmd_int_restore(struct cmd_ctx *c);
void cmd_int_delifeq(struct cmd_ctx *c);

/* coordinators: on the client's worker, when keys span workers or always
 * (ROUTE_COORD) */
enum coord_result coord_sum_keys(struct coord_ctx *cc);  /* DEL UNLINK EXISTS TOUCH */
enum coord_result coord_move(struct coord_ctx *cc);      /* RENAME RENAMENX COPY */
enum coord_result coord_dbsize(struct coord_ctx *cc);
enum coord_result coord_flush(struct coord_ctx *cc);     /* FLUSHDB FLUSHALL */
enum coord_result coord_keys(struct coord_ctx *cc);
enum coord_result coord_randomkey(struct coord_ctx *cc);
enum coord_result coord_scan(struct coord_ctx *cc);

#endif
