/*
 * Coordinators of the keys family. They run on the client's worker and
 * talk to the owner workers only through sub-requests (cc->send), so every
 * command here must give the reply Redis gives with the same arguments;
 * arguments are checked before anything is sent.
 *
 * What is less atomic than in Redis (a sub-request runs atomically on its
 * worker, but other clients' commands may run between two of them):
 *  - DEL/UNLINK/EXISTS/TOUCH over several workers: each worker's part is
 *    atomic, the whole is not (another client may see some keys deleted
 *    and others not yet).
 *  - RENAME/RENAMENX/COPY across two workers run in steps: __dump the
 *    source (value + absolute expire), __restore it on the destination
 *    owner (REPLACE or NX), then for the renames __delifeq the source,
 *    which deletes it only if it still holds the dumped value and expire.
 *    Between the steps another client may see both keys (or, briefly, the
 *    destination not yet written); if the source changed in between, the
 *    new source value is kept rather than deleted. The moved key keeps
 *    its value (any type), encoding and absolute expire but not its LRU/LFU
 *    data.
 *  - KEYS/SCAN/DBSIZE/RANDOMKEY/FLUSHDB/FLUSHALL see or act on each
 *    worker at a slightly different moment.
 */
#include "cmd/coord_util.h"
#include "cmd/keys_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char nomem_error[] = "ERR out of memory";

/* Sum of the integer sub-replies (after coord_forward_error found none). */
static long long sum_ints(const struct coord_ctx *cc)
{
	long long sum = 0;
	for (int i = 0; i < cc->nsub; i++) {
		size_t pos = 0;
		struct resp_item it;
		if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos, &it) == 0 &&
		    it.type == ':')
			sum += it.ival;
	}
	return sum;
}

static enum coord_result done_sum(struct coord_ctx *cc)
{
	if (!coord_forward_error(cc))
		reply_int(cc->r, sum_ints(cc));
	return COORD_DONE;
}

/* ------------------------------------------ DEL UNLINK EXISTS TOUCH */

/* One sub-command per owner with its keys in their original order
 * (duplicates kept, so EXISTS counts them as Redis does); the integers
 * are summed. */
enum coord_result coord_sum_keys(struct coord_ctx *cc)
{
	if (cc->phase > 0)
		return done_sum(cc);
	int sent = coord_send_by_owner(cc, &cc->argv[0], 1, 1, NULL);
	if (sent < 0) {
		reply_error(cc->r, nomem_error);
		return COORD_DONE;
	}
	return sent ? COORD_WAIT : done_sum(cc);
}

/* ------------------------------------------------ RENAME RENAMENX COPY */

enum move_kind { MOVE_RENAME, MOVE_RENAMENX, MOVE_COPY };

struct move_state {
	enum move_kind kind;
	int dstdb;
	bool replace;
	long long expire;
	char expire_str[24];
	size_t vlen;
	char *val;
};

static void move_free(struct coord_ctx *cc)
{
	struct move_state *st = cc->state;
	if (st)
		free(st->val);
	free(st);
	cc->state = NULL;
}

static enum coord_result move_done(struct coord_ctx *cc)
{
	move_free(cc);
	return COORD_DONE;
}

static int owner_of(const struct coord_ctx *cc, int i)
{
	return cmd_key_owner(cc->env, cc->argv[i].ptr, cc->argv[i].len);
}

static enum coord_result move_start(struct coord_ctx *cc)
{
	struct move_state *st = calloc(1, sizeof(*st));
	if (!st) {
		reply_error(cc->r, nomem_error);
		return COORD_DONE;
	}
	cc->state = st;
	st->dstdb = cc->db;
	if (cc->def->handler == cmd_copy) {
		st->kind = MOVE_COPY;
		if (keys_copy_opts(cc->r, cc->env, cc->db, cc->argc, cc->argv,
				   &st->dstdb, &st->replace) != 0)
			return move_done(cc);
	} else {
		st->kind = cc->def->handler == cmd_renamenx ? MOVE_RENAMENX : MOVE_RENAME;
		st->replace = st->kind == MOVE_RENAME;
	}
	struct resp_arg argv[3] = {{"__dump", 6}, cc->argv[1], {"READ", 4}};
	/* COPY reads the source like Redis's lookupKeyRead (hit/miss counted) */
	cc->send(cc, owner_of(cc, 1), cc->db, st->kind == MOVE_COPY ? 3 : 2, argv);
	return COORD_WAIT;
}

/* Phase 1: the source's [dump, expire, 0] arrived; write the destination. */
static enum coord_result move_restore(struct coord_ctx *cc)
{
	struct move_state *st = cc->state;
	const char *buf = cc->sub[0].reply;
	size_t len = cc->sub[0].len, pos = 0;
	struct resp_item hdr, val, exp, unused;
	if (coord_forward_error(cc))
		return move_done(cc);
	if (resp_read_item(buf, len, &pos, &hdr) != 0 || hdr.type != '*') {
		if (st->kind == MOVE_COPY)
			reply_int(cc->r, 0);
		else
			reply_error(cc->r, "ERR no such key");
		return move_done(cc);
	}
	if (resp_read_item(buf, len, &pos, &val) != 0 ||
	    resp_read_item(buf, len, &pos, &exp) != 0 ||
	    resp_read_item(buf, len, &pos, &unused) != 0) {
		reply_error(cc->r, "ERR internal sub-request reply malformed");
		return move_done(cc);
	}
	st->val = malloc(val.len ? val.len : 1);
	if (!st->val) {
		reply_error(cc->r, nomem_error);
		return move_done(cc);
	}
	memcpy(st->val, val.ptr, val.len);
	st->vlen = val.len;
	st->expire = exp.ival;
	int n = resp_ll_to_str(st->expire_str, sizeof(st->expire_str), st->expire);
	struct resp_arg argv[5] = {
		{"__restore", 9}, cc->argv[2], {st->val, st->vlen}, {st->expire_str, (size_t)n},
		st->replace ? (struct resp_arg){"REPLACE", 7} : (struct resp_arg){"NX", 2},
	};
	cc->send(cc, owner_of(cc, 2), st->dstdb, 5, argv);
	return COORD_WAIT;
}

/* Phase 2: the destination was written (or not, for NX); renames delete
 * the source if it is unchanged. */
static enum coord_result move_finish(struct coord_ctx *cc)
{
	struct move_state *st = cc->state;
	if (coord_forward_error(cc))
		return move_done(cc);
	if (sum_ints(cc) == 0) {
		reply_int(cc->r, 0);
		return move_done(cc);
	}
	if (st->kind == MOVE_COPY) {
		reply_int(cc->r, 1);
		return move_done(cc);
	}
	struct resp_arg argv[4] = {
		{"__delifeq", 9}, cc->argv[1], {st->val, st->vlen},
		{st->expire_str, strlen(st->expire_str)},
	};
	cc->send(cc, owner_of(cc, 1), cc->db, 4, argv);
	return COORD_WAIT;
}

enum coord_result coord_move(struct coord_ctx *cc)
{
	switch (cc->phase) {
	case 0:
		return move_start(cc);
	case 1:
		return move_restore(cc);
	case 2:
		return move_finish(cc);
	default:
		/* the source was deleted, or kept because it changed meanwhile:
		 * the destination holds the value either way */
		if (((struct move_state *)cc->state)->kind == MOVE_RENAME)
			reply_status(cc->r, "OK");
		else
			reply_int(cc->r, 1);
		return move_done(cc);
	}
}

/* --------------------------------------------------- DBSIZE FLUSH* KEYS */

enum coord_result coord_dbsize(struct coord_ctx *cc)
{
	if (cc->phase > 0)
		return done_sum(cc);
	coord_send_all(cc, cc->argc, cc->argv);
	return COORD_WAIT;
}

enum coord_result coord_flush(struct coord_ctx *cc)
{
	if (cc->phase > 0) {
		if (!coord_forward_error(cc))
			reply_status(cc->r, "OK");
		return COORD_DONE;
	}
	if (keys_flush_opts(cc->r, cc->argc, cc->argv) != 0)
		return COORD_DONE;
	coord_send_all(cc, cc->argc, cc->argv);
	return COORD_WAIT;
}

/* Every worker's KEYS reply, concatenated into one array. */
enum coord_result coord_keys(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		coord_send_all(cc, cc->argc, cc->argv);
		return COORD_WAIT;
	}
	if (coord_forward_error(cc))
		return COORD_DONE;
	long total = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			reply_array(cc->r, total);
		for (int i = 0; i < cc->nsub; i++) {
			size_t pos = 0;
			struct resp_item it;
			if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos, &it) != 0 ||
			    it.type != '*')
				continue;
			if (pass == 0)
				total += (long)it.ival;
			else
				reply_raw(cc->r, cc->sub[i].reply + pos, cc->sub[i].len - pos);
		}
	}
	return COORD_DONE;
}

/* ----------------------------------------------------------- RANDOMKEY */

struct random_state {
	int chosen;
	long long size[]; /* per worker, from DBSIZE */
};

/* A worker picked with probability proportional to its size, -1 if all empty. */
static int pick_worker(struct coord_ctx *cc, const struct random_state *st)
{
	unsigned long long total = 0;
	for (int w = 0; w < cc->env->nworkers; w++)
		total += (unsigned long long)st->size[w];
	if (total == 0)
		return -1;
	unsigned long long r = cmd_rand(cc->env) % total;
	for (int w = 0; w < cc->env->nworkers; w++) {
		if (r < (unsigned long long)st->size[w])
			return w;
		r -= (unsigned long long)st->size[w];
	}
	return -1;
}

/* DBSIZE everywhere, then RANDOMKEY on a worker chosen by weight. A worker
 * whose keys all turned out expired answers nil; it is then left out and
 * another one is tried (at most nworkers tries). */
enum coord_result coord_randomkey(struct coord_ctx *cc)
{
	static const struct resp_arg dbsize[1] = {{"DBSIZE", 6}};
	struct random_state *st = cc->state;
	if (cc->phase == 0) {
		coord_send_all(cc, 1, dbsize);
		return COORD_WAIT;
	}
	if (coord_forward_error(cc)) {
		free(st);
		cc->state = NULL;
		return COORD_DONE;
	}
	if (cc->phase == 1) {
		st = calloc(1, sizeof(*st) + sizeof(st->size[0]) * (size_t)cc->env->nworkers);
		if (!st) {
			reply_error(cc->r, nomem_error);
			return COORD_DONE;
		}
		cc->state = st;
		for (int i = 0; i < cc->nsub; i++) {
			size_t pos = 0;
			struct resp_item it;
			if (resp_read_item(cc->sub[i].reply, cc->sub[i].len, &pos, &it) == 0 &&
			    it.type == ':' && it.ival > 0)
				st->size[cc->sub[i].worker] = it.ival;
		}
	} else {
		size_t pos = 0;
		struct resp_item it;
		if (resp_read_item(cc->sub[0].reply, cc->sub[0].len, &pos, &it) != 0 ||
		    it.type != '_') {
			reply_raw(cc->r, cc->sub[0].reply, cc->sub[0].len);
			free(st);
			cc->state = NULL;
			return COORD_DONE;
		}
		st->size[st->chosen] = 0;
	}
	int w = pick_worker(cc, st);
	if (w < 0) {
		reply_null(cc->r);
		free(st);
		cc->state = NULL;
		return COORD_DONE;
	}
	st->chosen = w;
	cc->send(cc, w, cc->db, cc->argc, cc->argv);
	return COORD_WAIT;
}

/* ---------------------------------------------------------------- SCAN */

/*
 * The client's cursor is inner * nworkers + worker: the low "digit" names
 * the worker being scanned, the rest is that worker's own cursor. With one
 * worker this is exactly Redis's cursor. When a worker's scan ends, the
 * next cursor is the next worker with inner cursor 0; after the last one, 0.
 */
enum coord_result coord_scan(struct coord_ctx *cc)
{
	uint64_t cursor;
	struct scan_opts o;
	if (keys_scan_cursor(cc->r, &cc->argv[1], &cursor) != 0)
		return COORD_DONE;
	uint64_t n = (uint64_t)cc->env->nworkers;
	int w = (int)(cursor % n);
	if (cc->phase == 0) {
		if (keys_scan_opts(cc->r, cc->argc, cc->argv, &o) != 0)
			return COORD_DONE;
		struct resp_arg *argv = malloc(sizeof(*argv) * (size_t)cc->argc);
		if (!argv) {
			reply_error(cc->r, nomem_error);
			return COORD_DONE;
		}
		char inner[24];
		int len = snprintf(inner, sizeof(inner), "%llu", (unsigned long long)(cursor / n));
		memcpy(argv, cc->argv, sizeof(*argv) * (size_t)cc->argc);
		argv[1] = (struct resp_arg){inner, (size_t)len};
		cc->send(cc, w, cc->db, cc->argc, argv);
		free(argv);
		return COORD_WAIT;
	}
	if (coord_forward_error(cc))
		return COORD_DONE;
	const char *buf = cc->sub[0].reply;
	size_t blen = cc->sub[0].len, pos = 0;
	struct resp_item hdr, cur;
	if (resp_read_item(buf, blen, &pos, &hdr) != 0 || hdr.type != '*' || hdr.ival != 2 ||
	    resp_read_item(buf, blen, &pos, &cur) != 0 || cur.type != '$' || cur.len > 20) {
		reply_error(cc->r, "ERR internal sub-request reply malformed");
		return COORD_DONE;
	}
	uint64_t next = 0;
	for (size_t i = 0; i < cur.len; i++)
		next = next * 10 + (uint64_t)(cur.ptr[i] - '0');
	if (next != 0)
		next = next * n + (uint64_t)w;
	else if ((uint64_t)w + 1 < n)
		next = (uint64_t)w + 1;
	char out[24];
	int len = snprintf(out, sizeof(out), "%llu", (unsigned long long)next);
	reply_array(cc->r, 2);
	reply_bulk(cc->r, out, (size_t)len);
	reply_raw(cc->r, buf + pos, blen - pos);
	return COORD_DONE;
}
