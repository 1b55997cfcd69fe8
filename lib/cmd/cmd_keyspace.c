/*
 * Whole-keyspace commands, the part that runs on one worker: KEYS SCAN
 * RANDOMKEY DBSIZE FLUSHDB FLUSHALL. Clients always reach them through
 * the coordinators in coord_keys.c (ROUTE_COORD), which send these same
 * commands to every worker (SCAN: to one, with that worker's inner cursor).
 */
#include "cmd/keys_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int keys_scan_cursor(struct reply *r, const struct resp_arg *a, uint64_t *cursor)
{
	size_t n = cmd_arg_cstrlen(a);
	char small[64];
	char *s = n < sizeof(small) ? small : malloc(n + 1);
	if (!s) {
		reply_error(r, "ERR invalid cursor");
		return -ENOMEM;
	}
	memcpy(s, a->ptr, n);
	s[n] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	bool bad = isspace((unsigned char)s[0]) || *end != '\0' || errno == ERANGE;
	if (s != small)
		free(s);
	if (bad) {
		reply_error(r, "ERR invalid cursor");
		return -EINVAL;
	}
	*cursor = v;
	return 0;
}

int keys_scan_opts(struct reply *r, int argc, const struct resp_arg *argv, struct scan_opts *o)
{
	o->count = 10;
	o->pat = NULL;
	o->patlen = 0;
	o->type = NULL;
	o->typelen = 0;
	for (int i = 2; i < argc; i += 2) {
		int left = argc - i;
		if (cmd_arg_is(&argv[i], "count") && left >= 2) {
			long long v;
			if (cmd_arg_ll(r, &argv[i + 1], &v, NULL) != 0)
				return -EINVAL;
			if (v < 1) {
				reply_error(r, CMD_ERR_SYNTAX);
				return -EINVAL;
			}
			o->count = (long)v;
		} else if (cmd_arg_is(&argv[i], "match") && left >= 2) {
			o->pat = argv[i + 1].ptr;
			o->patlen = argv[i + 1].len;
			if (o->patlen == 1 && o->pat[0] == '*')
				o->pat = NULL;
		} else if (cmd_arg_is(&argv[i], "type") && left >= 2) {
			o->type = argv[i + 1].ptr;
			o->typelen = cmd_arg_cstrlen(&argv[i + 1]);
		} else {
			reply_error(r, CMD_ERR_SYNTAX);
			return -EINVAL;
		}
	}
	return 0;
}

int keys_flush_opts(struct reply *r, int argc, const struct resp_arg *argv)
{
	if (argc == 1 || (argc == 2 && (cmd_arg_is(&argv[1], "sync") ||
					cmd_arg_is(&argv[1], "async"))))
		return 0;
	reply_error(r, CMD_ERR_SYNTAX);
	return -EINVAL;
}

static bool entry_expired(const struct sentry *e, int64_t now)
{
	int64_t when = sentry_expire(e);
	return when != STORE_NO_EXPIRE && when <= now;
}

/* ------------------------------------------------------------- KEYS */

struct keys_walk {
	struct reply *r;
	const char *pat; /* NULL: all keys */
	size_t patlen;
	int64_t now;
	long n;
};

static void keys_visit(void *arg, const struct sentry *e)
{
	struct keys_walk *w = arg;
	size_t klen;
	const char *k = sentry_key(e, &klen);
	if (w->pat && !store_glob_match(w->pat, w->patlen, k, klen, false))
		return;
	if (entry_expired(e, w->now))
		return;
	reply_bulk(w->r, k, klen);
	w->n++;
}

#define KEYS_SCAN_STEP 1024

void cmd_keys(struct cmd_ctx *c)
{
	struct keys_walk w = {
		.r = c->r, .pat = c->argv[1].ptr, .patlen = c->argv[1].len,
		.now = c->env->now_ms,
	};
	if (w.patlen == 1 && w.pat[0] == '*')
		w.pat = NULL;
	size_t mark = reply_defer(c->r);
	uint64_t cursor = 0;
	do {
		cursor = shard_scan(c->env->shard, c->db, cursor, KEYS_SCAN_STEP, keys_visit, &w);
	} while (cursor != 0);
	reply_defer_array(c->r, mark, w.n);
}

/* ------------------------------------------------------------- SCAN */

struct scan_walk {
	const struct scan_opts *o;
	struct reply keys;   /* the keys found, encoded, in the client's protocol */
	long n;
	int64_t now;
	struct cmd_stats *stats;
};

static void scan_visit(void *arg, const struct sentry *e)
{
	struct scan_walk *w = arg;
	size_t klen;
	const char *k = sentry_key(e, &klen);
	if (w->o->pat && !store_glob_match(w->o->pat, w->o->patlen, k, klen, false))
		return;
	bool expired = entry_expired(e, w->now);
	if (w->o->type) {
		/* Redis looks the key up to learn its type: a keyspace hit or miss */
		if (expired) {
			w->stats->keyspace_misses++;
			return;
		}
		w->stats->keyspace_hits++;
		const char *t = keys_type_name(e);
		if (strlen(t) != w->o->typelen || strncasecmp(t, w->o->type, w->o->typelen) != 0)
			return;
	}
	if (expired)
		return;
	reply_bulk(&w->keys, k, klen);
	w->n++;
}

/* SCAN cursor [MATCH p] [COUNT n] [TYPE t] on this worker's shard; the
 * reply is Redis's [cursor as bulk, [keys]]. */
void cmd_scan(struct cmd_ctx *c)
{
	uint64_t cursor;
	struct scan_opts o;
	if (keys_scan_cursor(c->r, &c->argv[1], &cursor) != 0 ||
	    keys_scan_opts(c->r, c->argc, c->argv, &o) != 0)
		return;
	struct scan_walk w = {.o = &o, .now = c->env->now_ms, .stats = c->env->stats};
	reply_init(&w.keys, c->r->resp);
	cursor = shard_scan(c->env->shard, c->db, cursor, o.count, scan_visit, &w);
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cursor);
	reply_array(c->r, 2);
	reply_bulk(c->r, buf, (size_t)n);
	reply_array(c->r, w.n);
	reply_raw(c->r, w.keys.buf, w.keys.len);
	if (w.keys.nomem)
		c->r->nomem = true;
	reply_free(&w.keys);
}

/* ------------------------------------------- RANDOMKEY DBSIZE FLUSH* */

void cmd_randomkey(struct cmd_ctx *c)
{
	struct sentry *e = shard_random(c->env->shard, c->db);
	if (!e) {
		reply_null(c->r);
		return;
	}
	size_t klen;
	const char *k = sentry_key(e, &klen);
	reply_bulk(c->r, k, klen);
}

void cmd_dbsize(struct cmd_ctx *c)
{
	reply_int(c->r, (long long)shard_dbsize(c->env->shard, c->db));
}

/* ASYNC and SYNC both free at once: values are single allocations. */
void cmd_flushdb(struct cmd_ctx *c)
{
	if (keys_flush_opts(c->r, c->argc, c->argv) != 0)
		return;
	shard_flushdb(c->env->shard, c->db);
	reply_status(c->r, "OK");
}

void cmd_flushall(struct cmd_ctx *c)
{
	if (keys_flush_opts(c->r, c->argc, c->argv) != 0)
		return;
	shard_flushall(c->env->shard);
	reply_status(c->r, "OK");
}
