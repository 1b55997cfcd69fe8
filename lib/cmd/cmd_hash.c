/*
 * Hash family: HSET HSETNX HMSET HGET HMGET HGETALL HDEL HLEN HSTRLEN
 * HEXISTS HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. Semantics,
 * error texts and the order of checks follow Redis 7.0.15's t_hash.c; the
 * values live in lib/store (store_hash.h). Every command has one key, so
 * none needs a coordinator.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/keys_int.h"
#include "store/store_hash.h"
#include "util/util.h"

#define ERR_HASH_NOT_INT "ERR hash value is not an integer"
#define ERR_HASH_NOT_FLOAT "ERR hash value is not a float"
#define ERR_OVERFLOW "ERR increment or decrement would overflow"

static struct hash_limits limits(const struct cmd_ctx *c)
{
	const struct wk_config *cfg = c->env->cfg;
	return (struct hash_limits){
		.max_entries = (size_t)cfg->hash_max_listpack_entries,
		.max_value = (size_t)cfg->hash_max_listpack_value,
	};
}

/* lookupKeyRead + checkType: the entry, or NULL with *wrong set after
 * the WRONGTYPE reply. Counts a keyspace hit or miss. */
static struct sentry *lookup_read(struct cmd_ctx *c, bool *wrong)
{
	struct sentry *e = keys_lookup_read(c, &c->argv[1], 0);
	*wrong = e && sentry_type(e) != OBJ_HASH;
	if (*wrong) {
		cmd_reply_wrongtype(c->r);
		return NULL;
	}
	return e;
}

/* lookupKeyWrite + checkType (no statistics). */
static struct sentry *lookup_write(struct cmd_ctx *c, bool *wrong)
{
	const struct resp_arg *k = &c->argv[1];
	struct sentry *e = shard_lookup(c->env->shard, c->db, k->ptr, k->len, 0);
	*wrong = e && sentry_type(e) != OBJ_HASH;
	if (*wrong) {
		cmd_reply_wrongtype(c->r);
		return NULL;
	}
	return e;
}

/* hashTypeLookupWriteOrCreate: NULL after a WRONGTYPE or OOM reply. */
static struct sentry *lookup_or_create(struct cmd_ctx *c)
{
	bool wrong;
	struct sentry *e = lookup_write(c, &wrong);
	if (e || wrong)
		return e;
	e = hash_key_new(c->env->shard, c->db, c->argv[1].ptr, c->argv[1].len);
	if (!e)
		cmd_reply_oom(c->r);
	return e;
}

/* After a failed write: never leave an empty hash behind. */
static void fail_oom(struct cmd_ctx *c, struct sentry *e)
{
	if (hash_len(e) == 0)
		shard_delete_entry(c->env->shard, c->db, e);
	cmd_reply_oom(c->r);
}

/* hashTypeTryConversion over argv[from .. argc) */
static int prepare_add(struct cmd_ctx *c, struct sentry *e, int from)
{
	size_t maxlen = 0, sum = 0;
	for (int i = from; i < c->argc; i++) {
		if (c->argv[i].len > maxlen)
			maxlen = c->argv[i].len;
		sum += c->argv[i].len;
	}
	struct hash_limits lim = limits(c);
	return hash_prepare_add(c->env->shard, e, maxlen, sum, &lim);
}

/* ------------------------------------------------------------ writes */

static void hset_generic(struct cmd_ctx *c, bool reply_ok)
{
	if (c->argc % 2 == 1) {
		cmd_reply_arity(c->r, c->def->name);
		return;
	}
	struct sentry *e = lookup_or_create(c);
	if (!e)
		return;
	if (prepare_add(c, e, 2)) {
		fail_oom(c, e);
		return;
	}
	struct hash_limits lim = limits(c);
	long long created = 0;
	for (int i = 2; i < c->argc; i += 2) {
		int rc = hash_set(c->env->shard, e, c->argv[i].ptr, c->argv[i].len,
				  c->argv[i + 1].ptr, c->argv[i + 1].len, &lim);
		if (rc < 0) {
			fail_oom(c, e);
			return;
		}
		created += rc;
	}
	if (reply_ok)
		cmd_reply_ok(c->r);
	else
		reply_int(c->r, created);
}

static void cmd_hset(struct cmd_ctx *c) { hset_generic(c, false); }
static void cmd_hmset(struct cmd_ctx *c) { hset_generic(c, true); }

static void cmd_hsetnx(struct cmd_ctx *c)
{
	struct sentry *e = lookup_or_create(c);
	if (!e)
		return;
	const struct resp_arg *f = &c->argv[2], *v = &c->argv[3];
	if (hash_exists(c->env->shard, e, f->ptr, f->len)) {
		reply_int(c->r, 0);
		return;
	}
	struct hash_limits lim = limits(c);
	if (prepare_add(c, e, 2) ||
	    hash_set(c->env->shard, e, f->ptr, f->len, v->ptr, v->len, &lim) < 0) {
		fail_oom(c, e);
		return;
	}
	reply_int(c->r, 1);
}

static void cmd_hdel(struct cmd_ctx *c)
{
	bool wrong;
	struct sentry *e = lookup_write(c, &wrong);
	if (!e) {
		if (!wrong)
			reply_int(c->r, 0);
		return;
	}
	long long deleted = 0;
	for (int i = 2; i < c->argc; i++) {
		deleted += hash_delete(c->env->shard, e, c->argv[i].ptr, c->argv[i].len);
		if (hash_len(e) == 0) {
			shard_delete_entry(c->env->shard, c->db, e);
			break;
		}
	}
	reply_int(c->r, deleted);
}

/* Set field argv[2] of the hash at argv[1] (e, or a new key when NULL)
 * to buf and reply it with `ok`. */
static bool store_value(struct cmd_ctx *c, struct sentry *e, const char *buf, size_t len)
{
	if (!e) {
		e = hash_key_new(c->env->shard, c->db, c->argv[1].ptr, c->argv[1].len);
		if (!e) {
			cmd_reply_oom(c->r);
			return false;
		}
	}
	struct hash_limits lim = limits(c);
	if (hash_set(c->env->shard, e, c->argv[2].ptr, c->argv[2].len, buf, len, &lim) < 0) {
		fail_oom(c, e);
		return false;
	}
	return true;
}

/* HINCRBY*: the hash at argv[1] (*e, NULL when absent) and the current
 * value of field argv[2] (*v, NULL when absent). -EINVAL after WRONGTYPE. */
static int field_for_incr(struct cmd_ctx *c, struct sentry **e, char buf[HASH_INTBUF],
			  const char **v, size_t *n)
{
	bool wrong;
	*e = lookup_write(c, &wrong);
	if (wrong)
		return -EINVAL;
	*v = *e ? hash_get(c->env->shard, *e, c->argv[2].ptr, c->argv[2].len, buf, n) : NULL;
	return 0;
}

static void cmd_hincrby(struct cmd_ctx *c)
{
	long long incr, old = 0;
	if (cmd_arg_ll(c->r, &c->argv[3], &incr, NULL) != 0)
		return;
	struct sentry *e;
	char buf[HASH_INTBUF];
	size_t n;
	const char *v;
	if (field_for_incr(c, &e, buf, &v, &n) != 0)
		return;
	if (v && !util_str_to_ll(v, n, &old)) {
		reply_error(c->r, ERR_HASH_NOT_INT);
		return;
	}
	if ((incr < 0 && old < 0 && incr < LLONG_MIN - old) ||
	    (incr > 0 && old > 0 && incr > LLONG_MAX - old)) {
		reply_error(c->r, ERR_OVERFLOW);
		return;
	}
	long long value = old + incr;
	char out[UTIL_LL_STR_MAX];
	size_t len = util_ll_put(out, value);
	if (store_value(c, e, out, len))
		reply_int(c->r, value);
}

static void cmd_hincrbyfloat(struct cmd_ctx *c)
{
	long double incr, value = 0;
	if (cmd_arg_ldouble(c->r, &c->argv[3], &incr, NULL) != 0)
		return;
	if (isnan(incr) || isinf(incr)) {
		reply_error(c->r, "ERR value is NaN or Infinity");
		return;
	}
	struct sentry *e;
	char buf[HASH_INTBUF];
	size_t n;
	const char *v;
	if (field_for_incr(c, &e, buf, &v, &n) != 0)
		return;
	if (v && !cmd_parse_ldouble(v, n, &value)) {
		reply_error(c->r, ERR_HASH_NOT_FLOAT);
		return;
	}
	value += incr;
	char out[CMD_LDOUBLE_STR_MAX];
	int len = isnan(value) || isinf(value) ? 0
		: cmd_format_ldouble_human(out, sizeof(out), value);
	if (len <= 0) {
		reply_error(c->r, "ERR increment would produce NaN or Infinity");
		return;
	}
	if (store_value(c, e, out, (size_t)len))
		reply_bulk(c->r, out, (size_t)len);
}

/* ------------------------------------------------------------- reads */

static void cmd_hget(struct cmd_ctx *c)
{
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (wrong)
		return;
	char buf[HASH_INTBUF];
	size_t n;
	const char *v = e ? hash_get(c->env->shard, e, c->argv[2].ptr, c->argv[2].len, buf, &n)
			  : NULL;
	if (v)
		reply_bulk(c->r, v, n);
	else
		reply_null(c->r);
}

static void cmd_hmget(struct cmd_ctx *c)
{
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (wrong)
		return;
	reply_array(c->r, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		char buf[HASH_INTBUF];
		size_t n;
		const char *v = e ? hash_get(c->env->shard, e, c->argv[i].ptr, c->argv[i].len,
					     buf, &n)
				  : NULL;
		if (v)
			reply_bulk(c->r, v, n);
		else
			reply_null(c->r);
	}
}

static void cmd_hlen(struct cmd_ctx *c)
{
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (!wrong)
		reply_int(c->r, e ? (long long)hash_len(e) : 0);
}

static void cmd_hstrlen(struct cmd_ctx *c)
{
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (wrong)
		return;
	char buf[HASH_INTBUF];
	size_t n = 0;
	if (e && !hash_get(c->env->shard, e, c->argv[2].ptr, c->argv[2].len, buf, &n))
		n = 0;
	reply_int(c->r, (long long)n);
}

static void cmd_hexists(struct cmd_ctx *c)
{
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (!wrong)
		reply_int(c->r, e && hash_exists(c->env->shard, e, c->argv[2].ptr, c->argv[2].len));
}

enum { WANT_FIELDS = 1, WANT_VALUES = 2 };

struct pair_out {
	struct reply *r;
	unsigned want;
	bool resp3_pairs; /* HRANDFIELD WITHVALUES in RESP3: each pair an array */
};

static void put_pair(void *arg, const struct hash_pair *p)
{
	struct pair_out *o = arg;
	if (o->resp3_pairs)
		reply_array(o->r, 2);
	if (o->want & WANT_FIELDS)
		reply_bulk(o->r, p->f, p->flen);
	if (o->want & WANT_VALUES)
		reply_bulk(o->r, p->v, p->vlen);
}

static void getall_generic(struct cmd_ctx *c, unsigned want)
{
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (wrong)
		return;
	long n = e ? (long)hash_len(e) : 0;
	if (want == (WANT_FIELDS | WANT_VALUES))
		reply_map(c->r, n);
	else
		reply_array(c->r, n);
	struct pair_out o = { c->r, want, false };
	if (e)
		hash_foreach(e, put_pair, &o);
}

static void cmd_hgetall(struct cmd_ctx *c) { getall_generic(c, WANT_FIELDS | WANT_VALUES); }
static void cmd_hkeys(struct cmd_ctx *c) { getall_generic(c, WANT_FIELDS); }
static void cmd_hvals(struct cmd_ctx *c) { getall_generic(c, WANT_VALUES); }

/* -------------------------------------------------------- HRANDFIELD */

static void hrandfield_count(struct cmd_ctx *c)
{
	long long l;
	if (cmd_arg_ll(c->r, &c->argv[2], &l, NULL) != 0)
		return;
	if (l < -LLONG_MAX) {
		reply_error(c->r, "ERR value is out of range, value must between "
				  "-9223372036854775807 and 9223372036854775807");
		return;
	}
	bool withvalues = false;
	if (c->argc > 4 || (c->argc == 4 && !cmd_arg_is(&c->argv[3], "withvalues"))) {
		cmd_reply_syntax(c->r);
		return;
	}
	if (c->argc == 4) {
		withvalues = true;
		if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
			reply_error(c->r, "ERR value is out of range");
			return;
		}
	}
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (wrong)
		return;
	if (!e || l == 0) {
		reply_array(c->r, 0);
		return;
	}
	bool distinct = l > 0;
	unsigned long count = distinct ? (unsigned long)l : (unsigned long)-l;
	unsigned long len = hash_len(e);
	unsigned long n = distinct && count > len ? len : count;
	struct pair_out o = {
		c->r, withvalues ? WANT_FIELDS | WANT_VALUES : WANT_FIELDS,
		withvalues && c->r->resp == 3,
	};
	/* the header first: hash_random fails only before it replies */
	size_t mark = c->r->len;
	reply_array(c->r, withvalues && c->r->resp == 2 ? (long)(2 * n) : (long)n);
	if (hash_random(c->env->shard, e, count, distinct, put_pair, &o) != 0) {
		c->r->len = mark;
		cmd_reply_oom(c->r);
	}
}

static void cmd_hrandfield(struct cmd_ctx *c)
{
	if (c->argc >= 3) {
		hrandfield_count(c);
		return;
	}
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (wrong)
		return;
	if (!e) {
		reply_null(c->r);
		return;
	}
	struct hash_pair p;
	hash_random_one(c->env->shard, e, &p);
	reply_bulk(c->r, p.f, p.flen);
}

/* ------------------------------------------------------------- HSCAN */

struct hscan_walk {
	struct reply out;    /* the elements, in the client's protocol */
	long n;
	const char *pat;     /* NULL: everything */
	size_t patlen;
};

static void hscan_visit(void *arg, const struct hash_pair *p)
{
	struct hscan_walk *w = arg;
	if (w->pat && !store_glob_match(w->pat, w->patlen, p->f, p->flen, false))
		return;
	reply_bulk(&w->out, p->f, p->flen);
	reply_bulk(&w->out, p->v, p->vlen);
	w->n += 2;
}

static void cmd_hscan(struct cmd_ctx *c)
{
	uint64_t cursor;
	if (keys_scan_cursor(c->r, &c->argv[2], &cursor) != 0)
		return;
	bool wrong;
	struct sentry *e = lookup_read(c, &wrong);
	if (wrong)
		return;
	if (!e) {
		reply_array(c->r, 2);
		reply_bulk(c->r, "0", 1);
		reply_array(c->r, 0);
		return;
	}
	/* scanGenericCommand's options: COUNT n (>= 1) and MATCH pattern */
	long count = 10;
	struct hscan_walk w = { .n = 0 };
	for (int i = 3; i < c->argc; i += 2) {
		bool has_value = c->argc - i >= 2;
		if (has_value && cmd_arg_is(&c->argv[i], "count")) {
			long long v;
			if (cmd_arg_ll(c->r, &c->argv[i + 1], &v, NULL) != 0)
				return;
			if (v < 1) {
				cmd_reply_syntax(c->r);
				return;
			}
			count = v > LONG_MAX ? LONG_MAX : (long)v;
		} else if (has_value && cmd_arg_is(&c->argv[i], "match")) {
			w.pat = c->argv[i + 1].ptr;
			w.patlen = c->argv[i + 1].len;
			if (w.patlen == 1 && w.pat[0] == '*')
				w.pat = NULL;
		} else {
			cmd_reply_syntax(c->r);
			return;
		}
	}
	reply_init(&w.out, c->r->resp);
	cursor = hash_scan(e, cursor, count, hscan_visit, &w);
	if (w.out.nomem) {
		reply_free(&w.out);
		cmd_reply_oom(c->r);
		return;
	}
	reply_array(c->r, 2);
	char cbuf[UTIL_LL_STR_MAX];
	int clen = snprintf(cbuf, sizeof(cbuf), "%llu", (unsigned long long)cursor);
	reply_bulk(c->r, cbuf, (size_t)clen);
	reply_array(c->r, w.n);
	reply_raw(c->r, w.out.buf, w.out.len);
	reply_free(&w.out);
}

/* ------------------------------------------------------------- table */

#define W CMD_WRITE
#define R CMD_READONLY
#define OOM CMD_DENYOOM
#define F CMD_FAST

/* Arity, flags and key positions are Redis 7.0.15's COMMAND INFO. */
const struct cmd_def cmd_hash_table[] = {
	{"hset", -4, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_hset, NULL, NULL},
	{"hsetnx", 4, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_hsetnx, NULL, NULL},
	{"hmset", -4, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_hmset, NULL, NULL},
	{"hget", 3, R | F, 1, 1, 1, ROUTE_KEYS, cmd_hget, NULL, NULL},
	{"hmget", -3, R | F, 1, 1, 1, ROUTE_KEYS, cmd_hmget, NULL, NULL},
	{"hgetall", 2, R, 1, 1, 1, ROUTE_KEYS, cmd_hgetall, NULL, NULL},
	{"hdel", -3, W | F, 1, 1, 1, ROUTE_KEYS, cmd_hdel, NULL, NULL},
	{"hlen", 2, R | F, 1, 1, 1, ROUTE_KEYS, cmd_hlen, NULL, NULL},
	{"hstrlen", 3, R | F, 1, 1, 1, ROUTE_KEYS, cmd_hstrlen, NULL, NULL},
	{"hexists", 3, R | F, 1, 1, 1, ROUTE_KEYS, cmd_hexists, NULL, NULL},
	{"hkeys", 2, R, 1, 1, 1, ROUTE_KEYS, cmd_hkeys, NULL, NULL},
	{"hvals", 2, R, 1, 1, 1, ROUTE_KEYS, cmd_hvals, NULL, NULL},
	{"hincrby", 4, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_hincrby, NULL, NULL},
	{"hincrbyfloat", 4, W | OOM | F, 1, 1, 1, ROUTE_KEYS, cmd_hincrbyfloat, NULL, NULL},
	{"hrandfield", -2, R, 1, 1, 1, ROUTE_KEYS, cmd_hrandfield, NULL, NULL},
	{"hscan", -3, R, 1, 1, 1, ROUTE_KEYS, cmd_hscan, NULL, NULL},
	{0},
};
