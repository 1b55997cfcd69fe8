/*
 * RENAME RENAMENX COPY when both keys live on this worker, and the
 * internal commands coord_move uses when they do not:
 *   __dump key [READ]              -> nil | [dump, expire-ms or -1, 0]
 *   __restore key dump expire-ms REPLACE|NX   -> :1 written | :0
 *   __delifeq key dump expire-ms   -> :1 deleted | :0 (key changed meanwhile)
 * A dump is lib/store's shard_dump_value(): any type, with its encoding.
 */
#include <stdlib.h>

#include "cmd/keys_int.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static bool arg_eq(const struct resp_arg *a, const struct resp_arg *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

static void rename_generic(struct cmd_ctx *c, bool nx)
{
	struct shard *s = c->env->shard;
	const struct resp_arg *src = &c->argv[1], *dst = &c->argv[2];
	struct sentry *e = keys_lookup_write(c, src);
	if (!e) {
		reply_error(c->r, "ERR no such key");
		return;
	}
	if (arg_eq(src, dst)) {
		if (nx)
			reply_int(c->r, 0);
		else
			reply_status(c->r, "OK");
		return;
	}
	if (keys_lookup_write(c, dst) && nx) {
		reply_int(c->r, 0);
		return;
	}
	/* the destination lookup may have deleted an expired key: look again */
	e = keys_lookup_write(c, src);
	if (!shard_rename(s, c->db, e, c->db, dst->ptr, dst->len)) {
		cmd_reply_oom(c->r);
		return;
	}
	if (nx)
		reply_int(c->r, 1);
	else
		reply_status(c->r, "OK");
}

void cmd_rename(struct cmd_ctx *c) { rename_generic(c, false); }
void cmd_renamenx(struct cmd_ctx *c) { rename_generic(c, true); }

int keys_copy_opts(struct reply *r, const struct cmd_env *env, int db, int argc,
		   const struct resp_arg *argv, int *dstdb, bool *replace)
{
	*dstdb = db;
	*replace = false;
	for (int j = 3; j < argc; j++) {
		if (cmd_arg_is(&argv[j], "replace")) {
			*replace = true;
		} else if (cmd_arg_is(&argv[j], "db") && j + 1 < argc) {
			long long v;
			if (cmd_arg_ll(r, &argv[j + 1], &v, NULL) != 0)
				return -EINVAL;
			if (v < INT_MIN || v > INT_MAX) {
				reply_error(r, "ERR value is out of range, value must between "
					       "-2147483648 and 2147483647");
				return -EINVAL;
			}
			if (v < 0 || v >= shard_ndb(env->shard)) {
				reply_error(r, "ERR DB index is out of range");
				return -EINVAL;
			}
			*dstdb = (int)v;
			j++;
		} else {
			reply_error(r, CMD_ERR_SYNTAX);
			return -EINVAL;
		}
	}
	if (*dstdb == db && arg_eq(&argv[1], &argv[2])) {
		reply_error(r, "ERR source and destination objects are the same");
		return -EINVAL;
	}
	return 0;
}

void cmd_copy(struct cmd_ctx *c)
{
	struct shard *s = c->env->shard;
	int dstdb;
	bool replace;
	if (keys_copy_opts(c->r, c->env, c->db, c->argc, c->argv, &dstdb, &replace) != 0)
		return;
	const struct resp_arg *src = &c->argv[1], *dst = &c->argv[2];
	if (!keys_lookup_read(c, src, 0)) {
		reply_int(c->r, 0);
		return;
	}
	if (shard_lookup(s, dstdb, dst->ptr, dst->len, LOOKUP_NOTOUCH) && !replace) {
		reply_int(c->r, 0);
		return;
	}
	struct sentry *e = keys_lookup_write(c, src);
	if (!shard_copy(s, c->db, e, dstdb, dst->ptr, dst->len)) {
		cmd_reply_oom(c->r);
		return;
	}
	reply_int(c->r, 1);
}

/* ---------------------------------------------- cross-worker internals */

void cmd_int_dump(struct cmd_ctx *c)
{
	bool read = c->argc > 2 && cmd_arg_is(&c->argv[2], "read");
	/* READ: COPY's lookupKeyRead (stats, access time); else RENAME's write lookup */
	struct sentry *e = read ? keys_lookup_read(c, &c->argv[1], 0)
				: keys_lookup_write(c, &c->argv[1]);
	if (!e) {
		reply_null(c->r);
		return;
	}
	size_t len;
	char *v = shard_dump_value(e, &len);
	if (!v) {
		cmd_reply_oom(c->r);
		return;
	}
	reply_array(c->r, 3);
	reply_bulk(c->r, v, len);
	reply_int(c->r, sentry_expire(e));
	reply_int(c->r, 0);
	free(v);
}

void cmd_int_restore(struct cmd_ctx *c)
{
	struct shard *s = c->env->shard;
	const struct resp_arg *key = &c->argv[1], *val = &c->argv[2];
	long long expire;
	if (cmd_arg_ll(c->r, &c->argv[3], &expire, NULL) != 0)
		return;
	bool nx = cmd_arg_is(&c->argv[4], "nx");
	struct sentry *old = keys_lookup_write(c, key);
	if (old && nx) {
		reply_int(c->r, 0);
		return;
	}
	if (expire != STORE_NO_EXPIRE && expire <= c->env->now_ms) {
		/* expired on the way: the write happened and the key is gone */
		if (old)
			shard_delete_entry(s, c->db, old);
		reply_int(c->r, 1);
		return;
	}
	if (!shard_restore(s, c->db, key->ptr, key->len, val->ptr, val->len, expire)) {
		cmd_reply_oom(c->r);
		return;
	}
	reply_int(c->r, 1);
}

void cmd_int_delifeq(struct cmd_ctx *c)
{
	long long expire;
	if (cmd_arg_ll(c->r, &c->argv[3], &expire, NULL) != 0)
		return;
	struct sentry *e = keys_lookup_write(c, &c->argv[1]);
	if (!e || sentry_expire(e) != expire) {
		reply_int(c->r, 0);
		return;
	}
	size_t len;
	char *v = shard_dump_value(e, &len);
	bool same = v && len == c->argv[2].len && memcmp(v, c->argv[2].ptr, len) == 0;
	free(v);
	if (!same) {
		reply_int(c->r, 0);
		return;
	}
	shard_delete_entry(c->env->shard, c->db, e);
	reply_int(c->r, 1);
}
