/*
 * The set family's table and its single-key commands: SADD SREM SCARD
 * SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER SMOVE (keys on one worker)
 * SSCAN, and the internal __sprobe the SMOVE coordinator uses. Replies and
 * errors are Redis 7.0.15's, RESP2 and RESP3 (sets as RESP3 sets where
 * Redis sends them so: SMEMBERS, SPOP with a count; SRANDMEMBER with a count
 * and SSCAN's page are arrays).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/keys_int.h"
#include "cmd/set_int.h"

#define SPOP_MOVE_STRATEGY_MUL 5        /* Redis: when to rebuild instead of pop */
#define SRANDMEMBER_SUB_STRATEGY_MUL 3  /* Redis: when to sample from a full copy */

static const char err_positive[] = "ERR value is out of range, must be positive";
static const char err_srand_range[] =
	"ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

/* Look the key up; true (and *e set, possibly NULL) if it is absent or a
 * set, false after replying WRONGTYPE. */
static bool get_set(struct cmd_ctx *c, const struct resp_arg *k, bool write, struct sentry **e)
{
	*e = write ? set_lookup_write(c, k) : set_lookup_read(c, k);
	if (*e && sentry_type(*e) != OBJ_SET) {
		cmd_reply_wrongtype(c->r);
		return false;
	}
	return true;
}

static int reply_member(void *arg, const char *m, size_t len)
{
	reply_bulk(arg, m, len);
	return 0;
}

/* ---------------------------------------------------------- SADD SREM */

static void set_cmd_sadd(struct cmd_ctx *c)
{
	struct shard *s = c->env->shard;
	struct sentry *e;
	if (!get_set(c, &c->argv[1], true, &e))
		return;
	if (!e) {
		e = set_create(s, c->db, c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr,
			       c->argv[2].len);
		if (!e) {
			cmd_reply_oom(c->r);
			return;
		}
	}
	long long added = 0;
	size_t max = set_max_intset(c->env);
	for (int i = 2; i < c->argc; i++) {
		int rc = set_add(s, e, c->argv[i].ptr, c->argv[i].len, max);
		if (rc < 0) {
			if (set_card(e) == 0)
				shard_delete_entry(s, c->db, e);
			cmd_reply_oom(c->r);
			return;
		}
		added += rc;
	}
	reply_int(c->r, added);
}

static void set_cmd_srem(struct cmd_ctx *c)
{
	struct shard *s = c->env->shard;
	struct sentry *e;
	if (!get_set(c, &c->argv[1], true, &e))
		return;
	long long deleted = 0;
	for (int i = 2; e && i < c->argc; i++) {
		deleted += set_remove(s, e, c->argv[i].ptr, c->argv[i].len);
		if (set_card(e) == 0) {
			shard_delete_entry(s, c->db, e);
			break;
		}
	}
	reply_int(c->r, deleted);
}

/* ------------------------------------------------------ read commands */

static void set_cmd_scard(struct cmd_ctx *c)
{
	struct sentry *e;
	if (get_set(c, &c->argv[1], false, &e))
		reply_int(c->r, e ? (long long)set_card(e) : 0);
}

static void set_cmd_sismember(struct cmd_ctx *c)
{
	struct sentry *e;
	if (get_set(c, &c->argv[1], false, &e))
		reply_int(c->r, e && set_contains(c->env->shard, e, c->argv[2].ptr,
						  c->argv[2].len));
}

static void set_cmd_smismember(struct cmd_ctx *c)
{
	struct sentry *e;
	if (!get_set(c, &c->argv[1], false, &e))
		return;
	reply_array(c->r, c->argc - 2);
	for (int i = 2; i < c->argc; i++)
		reply_int(c->r, e && set_contains(c->env->shard, e, c->argv[i].ptr,
						  c->argv[i].len));
}

static void set_cmd_smembers(struct cmd_ctx *c)
{
	struct sentry *e;
	if (!get_set(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		reply_set(c->r, 0);
		return;
	}
	reply_set(c->r, (long)set_card(e));
	set_foreach(e, reply_member, c->r);
}

/* ---------------------------------------------------------------- SPOP */

/* Pop one random member into the reply. */
static void pop_one(struct shard *s, struct sentry *e, struct reply *r)
{
	char tmp[SET_MEMBER_TMP];
	size_t n;
	const char *m = set_random(s, e, tmp, &n);
	reply_bulk(r, m, n);
	set_remove(s, e, m, n); /* m is read before its element is freed */
}

static int collect_member(void *arg, const char *m, size_t len)
{
	return mlist_push(arg, m, len) ? 1 : 0;
}

/* Redis's CASE 3: most of the set goes. Take the members that stay out
 * first, reply what is left, then put the stayers back as the new value
 * (the key and its TTL stay). */
static void pop_most(struct cmd_ctx *c, struct sentry *e, unsigned long count)
{
	struct shard *s = c->env->shard;
	size_t remaining = set_card(e) - count;
	struct mlist keep = { 0 };
	const char **ptrs = NULL;
	size_t mark = c->r->len;
	for (size_t i = 0; i < remaining; i++) {
		char tmp[SET_MEMBER_TMP];
		size_t n;
		const char *m = set_random(s, e, tmp, &n);
		if (mlist_push(&keep, m, n))
			goto oom;
		set_remove(s, e, m, n);
	}
	if (mlist_ptrs(&keep, &ptrs))
		goto oom;
	reply_set(c->r, (long)count);
	set_foreach(e, reply_member, c->r);
	if (set_reset(s, e, keep.n, ptrs, keep.len, set_max_intset(c->env)) == 0)
		goto out;
oom:	/* put back what was taken; the set is as before */
	for (size_t i = 0; i < keep.n; i++)
		set_add(s, e, keep.buf + keep.off[i], keep.len[i], set_max_intset(c->env));
	c->r->len = mark;
	cmd_reply_oom(c->r);
out:
	free(ptrs);
	mlist_free(&keep);
}

static void spop_count(struct cmd_ctx *c)
{
	struct shard *s = c->env->shard;
	long long l;
	if (!cmd_parse_ll(&c->argv[2], &l) || l < 0) {
		reply_error(c->r, err_positive);
		return;
	}
	struct sentry *e;
	if (!get_set(c, &c->argv[1], true, &e))
		return;
	if (!e || l == 0) {
		reply_set(c->r, 0);
		return;
	}
	unsigned long count = (unsigned long)l, size = set_card(e);
	if (count >= size) {
		reply_set(c->r, (long)size);
		set_foreach(e, reply_member, c->r);
		shard_delete_entry(s, c->db, e);
		return;
	}
	if ((size - count) * SPOP_MOVE_STRATEGY_MUL > count) {
		reply_set(c->r, (long)count);
		while (count--)
			pop_one(s, e, c->r);
		return;
	}
	pop_most(c, e, count);
}

/* SPOP / SRANDMEMBER key [count]: the count form, or one random member
 * (removed when `pop`), nil for a missing key. */
static void random_member(struct cmd_ctx *c, bool pop, void (*with_count)(struct cmd_ctx *))
{
	if (c->argc == 3) {
		with_count(c);
		return;
	}
	if (c->argc > 3) {
		cmd_reply_syntax(c->r);
		return;
	}
	struct sentry *e;
	if (!get_set(c, &c->argv[1], pop, &e))
		return;
	if (!e) {
		reply_null(c->r);
		return;
	}
	if (!pop) {
		char tmp[SET_MEMBER_TMP];
		size_t n;
		const char *m = set_random(c->env->shard, e, tmp, &n);
		reply_bulk(c->r, m, n);
		return;
	}
	pop_one(c->env->shard, e, c->r);
	if (set_card(e) == 0)
		shard_delete_entry(c->env->shard, c->db, e);
}

static void set_cmd_spop(struct cmd_ctx *c) { random_member(c, true, spop_count); }

/* --------------------------------------------------------- SRANDMEMBER */

/* count distinct members out of a full copy (partial Fisher-Yates). */
static int sample_from_copy(struct cmd_ctx *c, struct sentry *e, unsigned long count)
{
	struct mlist all = { 0 };
	set_foreach(e, collect_member, &all);
	if (all.n != set_card(e)) {
		mlist_free(&all);
		return -ENOMEM;
	}
	reply_array(c->r, (long)count);
	for (size_t i = 0; i < count; i++) {
		size_t j = i + cmd_rand(c->env) % (all.n - i);
		size_t o = all.off[j], l = all.len[j];
		all.off[j] = all.off[i];
		all.len[j] = all.len[i];
		reply_bulk(c->r, all.buf + o, l);
	}
	mlist_free(&all);
	return 0;
}

/* count distinct members of a big hashtable set by random picks; the
 * member pointers are the stored elements, so equal pointers = same member. */
static int sample_by_picks(struct cmd_ctx *c, struct sentry *e, unsigned long count)
{
	size_t cap = 16;
	while (cap < count * 2)
		cap <<= 1;
	const char **seen = calloc(cap, sizeof(*seen));
	if (!seen)
		return -ENOMEM;
	reply_array(c->r, (long)count);
	for (unsigned long added = 0; added < count;) {
		char tmp[SET_MEMBER_TMP];
		size_t n;
		const char *m = set_random(c->env->shard, e, tmp, &n);
		size_t i = ((uintptr_t)m * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1);
		while (seen[i] && seen[i] != m)
			i = (i + 1) & (cap - 1);
		if (seen[i])
			continue;
		seen[i] = m;
		reply_bulk(c->r, m, n);
		added++;
	}
	free(seen);
	return 0;
}

static void srandmember_count(struct cmd_ctx *c)
{
	long long l;
	if (!cmd_parse_ll(&c->argv[2], &l)) {
		reply_error(c->r, CMD_ERR_NOT_INT);
		return;
	}
	if (l == LLONG_MIN) {
		reply_error(c->r, err_srand_range);
		return;
	}
	bool uniq = l >= 0;
	unsigned long count = (unsigned long)(l < 0 ? -l : l);
	struct sentry *e;
	if (!get_set(c, &c->argv[1], false, &e))
		return;
	if (!e || count == 0) {
		reply_array(c->r, 0);
		return;
	}
	unsigned long size = set_card(e);
	size_t mark = c->r->len;
	if (!uniq || count == 1) {
		/* may repeat; stop if the reply cannot grow (Redis would loop on) */
		reply_array(c->r, (long)count);
		while (count-- && !c->r->nomem) {
			char tmp[SET_MEMBER_TMP];
			size_t n;
			const char *m = set_random(c->env->shard, e, tmp, &n);
			reply_bulk(c->r, m, n);
		}
		return;
	}
	if (count >= size) {
		reply_array(c->r, (long)size);
		set_foreach(e, reply_member, c->r);
		return;
	}
	int rc = count * SRANDMEMBER_SUB_STRATEGY_MUL > size || sentry_encoding(e) == ENC_INTSET
			 ? sample_from_copy(c, e, count)
			 : sample_by_picks(c, e, count);
	if (rc) {
		c->r->len = mark;
		cmd_reply_oom(c->r);
	}
}

static void set_cmd_srandmember(struct cmd_ctx *c)
{
	random_member(c, false, srandmember_count);
}

/* --------------------------------------------------------------- SMOVE */

/* Both keys on this worker: Redis's smoveCommand, atomic. */
static void set_cmd_smove(struct cmd_ctx *c)
{
	struct shard *s = c->env->shard;
	const struct resp_arg *src = &c->argv[1], *dst = &c->argv[2], *m = &c->argv[3];
	struct sentry *se, *de;
	se = set_lookup_write(c, src);
	de = set_lookup_write(c, dst);
	if (!se) {
		reply_int(c->r, 0);
		return;
	}
	if (sentry_type(se) != OBJ_SET || (de && sentry_type(de) != OBJ_SET)) {
		cmd_reply_wrongtype(c->r);
		return;
	}
	if (se == de) {
		reply_int(c->r, set_contains(s, se, m->ptr, m->len));
		return;
	}
	if (!set_remove(s, se, m->ptr, m->len)) {
		reply_int(c->r, 0);
		return;
	}
	if (set_card(se) == 0)
		shard_delete_entry(s, c->db, se);
	de = shard_lookup(s, c->db, dst->ptr, dst->len, LOOKUP_NOTOUCH);
	if (!de)
		de = set_create(s, c->db, dst->ptr, dst->len, m->ptr, m->len);
	if (!de || set_add(s, de, m->ptr, m->len, set_max_intset(c->env)) < 0) {
		/* out of memory: undo (the source may have to be recreated) */
		if (de && set_card(de) == 0)
			shard_delete_entry(s, c->db, de);
		se = shard_lookup(s, c->db, src->ptr, src->len, LOOKUP_NOTOUCH);
		if (!se)
			se = set_create(s, c->db, src->ptr, src->len, m->ptr, m->len);
		if (se)
			set_add(s, se, m->ptr, m->len, SIZE_MAX);
		cmd_reply_oom(c->r);
		return;
	}
	reply_int(c->r, 1);
}

/* __sprobe key member: -1 no such key, 0 / 1 membership, WRONGTYPE. */
void set_cmd_int_probe(struct cmd_ctx *c)
{
	struct sentry *e;
	if (!get_set(c, &c->argv[1], true, &e))
		return;
	reply_int(c->r, e ? set_contains(c->env->shard, e, c->argv[2].ptr, c->argv[2].len) : -1);
}

/* --------------------------------------------------------------- SSCAN */

struct sscan_page {
	struct mlist ml;
	const char *pat;
	size_t patlen;
};

static int sscan_visit(void *arg, const char *m, size_t len)
{
	struct sscan_page *p = arg;
	if (p->pat && !store_glob_match(p->pat, p->patlen, m, len, false))
		return 0;
	return mlist_push(&p->ml, m, len) ? 1 : 0;
}

static void set_cmd_sscan(struct cmd_ctx *c)
{
	uint64_t cursor;
	if (keys_scan_cursor(c->r, &c->argv[2], &cursor))
		return;
	long count = 10;
	struct sscan_page page = { 0 };
	for (int i = 3; i < c->argc; i += 2) {
		if (cmd_arg_is(&c->argv[i], "count") && i + 1 < c->argc) {
			long long v;
			if (cmd_arg_ll(c->r, &c->argv[i + 1], &v, NULL))
				return;
			if (v < 1) {
				cmd_reply_syntax(c->r);
				return;
			}
			count = v > LONG_MAX / 10 ? LONG_MAX / 10 : (long)v;
		} else if (cmd_arg_is(&c->argv[i], "match") && i + 1 < c->argc) {
			page.pat = c->argv[i + 1].ptr;
			page.patlen = c->argv[i + 1].len;
			if (page.patlen == 1 && page.pat[0] == '*')
				page.pat = NULL;
		} else {
			cmd_reply_syntax(c->r);
			return;
		}
	}
	struct sentry *e;
	if (!get_set(c, &c->argv[1], false, &e))
		return;
	if (!e) {
		reply_array(c->r, 2);
		reply_bulk(c->r, "0", 1);
		reply_array(c->r, 0);
		return;
	}
	cursor = set_scan(e, cursor, count, sscan_visit, &page);
	reply_array(c->r, 2);
	reply_bulk_ll(c->r, (long long)cursor);
	reply_array(c->r, (long)page.ml.n);
	for (size_t i = 0; i < page.ml.n; i++)
		reply_bulk(c->r, page.ml.buf + page.ml.off[i], page.ml.len[i]);
	mlist_free(&page.ml);
}

/* -------------------------------------------------------------- mlist */

int mlist_push(struct mlist *ml, const char *m, size_t len)
{
	if (ml->n == ml->ncap) {
		size_t ncap = ml->ncap ? ml->ncap * 2 : 16;
		size_t *off = realloc(ml->off, ncap * sizeof(*off));
		if (!off)
			return -ENOMEM;
		ml->off = off;
		size_t *lens = realloc(ml->len, ncap * sizeof(*lens));
		if (!lens)
			return -ENOMEM;
		ml->len = lens;
		ml->ncap = ncap;
	}
	if (ml->cap - ml->used < len) {
		size_t cap = ml->cap ? ml->cap : 256;
		while (cap - ml->used < len)
			cap *= 2;
		char *b = realloc(ml->buf, cap);
		if (!b)
			return -ENOMEM;
		ml->buf = b;
		ml->cap = cap;
	}
	if (len)
		memcpy(ml->buf + ml->used, m, len);
	ml->off[ml->n] = ml->used;
	ml->len[ml->n] = len;
	ml->used += len;
	ml->n++;
	return 0;
}

void mlist_free(struct mlist *ml)
{
	free(ml->buf);
	free(ml->off);
	free(ml->len);
	*ml = (struct mlist){ 0 };
}

int mlist_ptrs(const struct mlist *ml, const char ***ptrs)
{
	const char **p = malloc((ml->n ? ml->n : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < ml->n; i++)
		p[i] = ml->buf + ml->off[i];
	*ptrs = p;
	return 0;
}

/* --------------------------------------------------------------- table */

#define R CMD_READONLY
#define W CMD_WRITE
#define F CMD_FAST
#define OOM CMD_DENYOOM
#define I CMD_INTERNAL

const struct cmd_def cmd_set_table[] = {
	{"sadd", -3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, set_cmd_sadd, NULL, NULL},
	{"srem", -3, W | F, 1, 1, 1, ROUTE_KEYS, set_cmd_srem, NULL, NULL},
	{"scard", 2, R | F, 1, 1, 1, ROUTE_KEYS, set_cmd_scard, NULL, NULL},
	{"sismember", 3, R | F, 1, 1, 1, ROUTE_KEYS, set_cmd_sismember, NULL, NULL},
	{"smismember", -3, R | F, 1, 1, 1, ROUTE_KEYS, set_cmd_smismember, NULL, NULL},
	{"smembers", 2, R, 1, 1, 1, ROUTE_KEYS, set_cmd_smembers, NULL, NULL},
	{"spop", -2, W | F, 1, 1, 1, ROUTE_KEYS, set_cmd_spop, NULL, NULL},
	{"srandmember", -2, R, 1, 1, 1, ROUTE_KEYS, set_cmd_srandmember, NULL, NULL},
	{"smove", 4, W | F, 1, 2, 1, ROUTE_KEYS, set_cmd_smove, set_coord_smove, NULL},
	{"sinter", -2, R, 1, -1, 1, ROUTE_KEYS, set_cmd_sinter, set_coord_algebra, NULL},
	{"sunion", -2, R, 1, -1, 1, ROUTE_KEYS, set_cmd_sunion, set_coord_algebra, NULL},
	{"sdiff", -2, R, 1, -1, 1, ROUTE_KEYS, set_cmd_sdiff, set_coord_algebra, NULL},
	{"sinterstore", -3, W | OOM, 1, -1, 1, ROUTE_KEYS, set_cmd_sinterstore,
	 set_coord_algebra, NULL},
	{"sunionstore", -3, W | OOM, 1, -1, 1, ROUTE_KEYS, set_cmd_sunionstore,
	 set_coord_algebra, NULL},
	{"sdiffstore", -3, W | OOM, 1, -1, 1, ROUTE_KEYS, set_cmd_sdiffstore,
	 set_coord_algebra, NULL},
	{"sintercard", -3, R, 0, 0, 0, ROUTE_COORD, set_cmd_sintercard, set_coord_intercard,
	 NULL},
	{"sscan", -3, R, 1, 1, 1, ROUTE_KEYS, set_cmd_sscan, NULL, NULL},
	{"__sstore", -2, W | I, 1, 1, 1, ROUTE_KEYS, set_cmd_int_store, NULL, NULL},
	{"__sprobe", 3, R | I, 1, 1, 1, ROUTE_KEYS, set_cmd_int_probe, NULL, NULL},
	{ .name = NULL },
};
