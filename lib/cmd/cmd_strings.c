/*
 * Strings family: the table, and the GET / SET family (GET SET SETNX SETEX
 * PSETEX GETSET GETDEL GETEX MGET MSET MSETNX). Semantics and texts follow
 * Redis 7.0.15's t_string.c. The other commands are in cmd_strmod.c
 * (APPEND ... INCRBYFLOAT), cmd_lcs.c, and the cross-worker coordinators in
 * coord_strings.c.
 */
#include "cmd/cmd_strings_int.h"

#include <errno.h>
#include <limits.h>

/* parseExtendedStringArgumentsOrReply's flags */
enum {
	OPT_NX = 1u << 0,
	OPT_XX = 1u << 1,
	OPT_GET = 1u << 2,
	OPT_KEEPTTL = 1u << 3,
	OPT_PERSIST = 1u << 4,
	OPT_EX = 1u << 5,
	OPT_PX = 1u << 6,
	OPT_EXAT = 1u << 7,
	OPT_PXAT = 1u << 8,
};
#define OPT_ANY_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

static unsigned expire_option(const struct resp_arg *opt)
{
	if (cmd_arg_is(opt, "ex"))
		return OPT_EX;
	if (cmd_arg_is(opt, "px"))
		return OPT_PX;
	if (cmd_arg_is(opt, "exat"))
		return OPT_EXAT;
	if (cmd_arg_is(opt, "pxat"))
		return OPT_PXAT;
	return 0;
}

/*
 * SET's options from argv[3], GETEX's from argv[2]. Like Redis, a repeated
 * expire option of the same kind is accepted (the last wins); two different
 * kinds, or one with KEEPTTL/PERSIST, or NX with XX are a syntax error.
 */
static int parse_ext_args(struct cmd_ctx *c, bool is_set, unsigned *flags,
			  const struct resp_arg **expire)
{
	for (int j = is_set ? 3 : 2; j < c->argc; j++) {
		const struct resp_arg *opt = &c->argv[j];
		bool more = j < c->argc - 1;
		unsigned f = *flags, kind;

		if (is_set && cmd_arg_is(opt, "nx") && !(f & OPT_XX)) {
			*flags |= OPT_NX;
		} else if (is_set && cmd_arg_is(opt, "xx") && !(f & OPT_NX)) {
			*flags |= OPT_XX;
		} else if (is_set && cmd_arg_is(opt, "get")) {
			*flags |= OPT_GET;
		} else if (is_set && cmd_arg_is(opt, "keepttl") &&
			   !(f & (OPT_PERSIST | OPT_ANY_EXPIRE))) {
			*flags |= OPT_KEEPTTL;
		} else if (!is_set && cmd_arg_is(opt, "persist") &&
			   !(f & (OPT_KEEPTTL | OPT_ANY_EXPIRE))) {
			*flags |= OPT_PERSIST;
		} else if (more && (kind = expire_option(opt)) != 0 &&
			   !(f & (OPT_KEEPTTL | OPT_PERSIST | (OPT_ANY_EXPIRE & ~kind)))) {
			*flags |= kind;
			*expire = &c->argv[++j];
		} else {
			cmd_reply_syntax(c->r);
			return -EINVAL;
		}
	}
	return 0;
}

/* getExpireMillisecondsOrReply: the absolute expire time in unix ms. */
static int expire_ms(struct cmd_ctx *c, const struct resp_arg *arg, unsigned flags, long long *ms)
{
	long long v;
	bool seconds = flags & (OPT_EX | OPT_EXAT);

	if (cmd_arg_ll(c->r, arg, &v, NULL) != 0)
		return -EINVAL;
	if (v <= 0 || (seconds && v > LLONG_MAX / 1000))
		goto invalid;
	if (seconds)
		v *= 1000;
	if ((flags & (OPT_EX | OPT_PX)) && __builtin_add_overflow(v, (long long)c->env->now_ms, &v))
		goto invalid;
	if (v <= 0)
		goto invalid;
	*ms = v;
	return 0;
invalid:
	reply_errorf(c->r, "ERR invalid expire time in '%s' command", c->def->name);
	return -EINVAL;
}

/* Drop what a handler already wrote (SET ... GET's old value) before an
 * error, so the client still gets exactly one reply. */
static void reply_oom_at(struct reply *r, size_t mark)
{
	if (!r->nomem)
		r->len = mark;
	cmd_reply_oom(r);
}

enum set_replies { SET_REPLY_OK_NULL, SET_REPLY_ONE_ZERO };

/* setGenericCommand. */
static void set_generic(struct cmd_ctx *c, unsigned flags, const struct resp_arg *key,
			const struct resp_arg *val, const struct resp_arg *expire,
			enum set_replies replies)
{
	struct shard *s = c->env->shard;
	size_t mark = c->r->len;
	long long when = 0;

	if (expire && expire_ms(c, expire, flags, &when) != 0)
		return;
	if (flags & (OPT_NX | OPT_XX | OPT_GET)) {
		struct sentry *old = (flags & OPT_GET) ? str_lookup_read(c, key)
						       : str_lookup_write(c, key);
		if (flags & OPT_GET) {
			if (!old) {
				reply_null(c->r);
			} else if (sentry_type(old) != OBJ_STRING) {
				cmd_reply_wrongtype(c->r);
				return;
			} else {
				str_reply_value(c->r, old);
			}
		}
		if (((flags & OPT_NX) && old) || ((flags & OPT_XX) && !old)) {
			if (flags & OPT_GET)
				return;
			if (replies == SET_REPLY_ONE_ZERO)
				reply_raw(c->r, ":0\r\n", 4);
			else
				reply_null(c->r);
			return;
		}
	}
	/* With a new expire time, keeping the old TTL's slot in the entry spares
	 * the store dropping it and adding it back (two reallocs). */
	struct sentry *e = shard_set_str(s, c->db, key->ptr, key->len, val->ptr, val->len,
					 (flags & OPT_KEEPTTL) || expire ? SET_KEEPTTL : 0);
	if (!e) {
		reply_oom_at(c->r, mark);
		return;
	}
	/* An expire time already past is set all the same, as Redis does: the
	 * key is then gone for every later access. */
	if (expire && !shard_set_expire(s, c->db, e, when)) {
		shard_delete(s, c->db, key->ptr, key->len);
		reply_oom_at(c->r, mark);
		return;
	}
	if (flags & OPT_GET)
		return;
	if (replies == SET_REPLY_ONE_ZERO)
		reply_raw(c->r, ":1\r\n", 4);
	else
		cmd_reply_ok(c->r);
}

void str_get(struct cmd_ctx *c)
{
	struct sentry *e = str_lookup_read(c, &c->argv[1]);
	if (!e)
		reply_null(c->r);
	else if (sentry_type(e) != OBJ_STRING)
		cmd_reply_wrongtype(c->r);
	else
		str_reply_value(c->r, e);
}

void str_set(struct cmd_ctx *c)
{
	const struct resp_arg *expire = NULL;
	unsigned flags = 0;

	if (c->argc > 3 && parse_ext_args(c, true, &flags, &expire) != 0)
		return;
	set_generic(c, flags, &c->argv[1], &c->argv[2], expire, SET_REPLY_OK_NULL);
}

void str_setnx(struct cmd_ctx *c)
{
	set_generic(c, OPT_NX, &c->argv[1], &c->argv[2], NULL, SET_REPLY_ONE_ZERO);
}

void str_setex(struct cmd_ctx *c)
{
	set_generic(c, OPT_EX, &c->argv[1], &c->argv[3], &c->argv[2], SET_REPLY_OK_NULL);
}

void str_psetex(struct cmd_ctx *c)
{
	set_generic(c, OPT_PX, &c->argv[1], &c->argv[3], &c->argv[2], SET_REPLY_OK_NULL);
}

/* getGenericCommand: replies the value or null; false after a WRONGTYPE. */
static bool get_generic(struct cmd_ctx *c, struct sentry **out)
{
	struct sentry *e = str_lookup_read(c, &c->argv[1]);
	*out = e;
	if (!e) {
		reply_null(c->r);
	} else if (sentry_type(e) != OBJ_STRING) {
		cmd_reply_wrongtype(c->r);
		return false;
	} else {
		str_reply_value(c->r, e);
	}
	return true;
}

void str_getset(struct cmd_ctx *c)
{
	size_t mark = c->r->len;
	struct sentry *e;

	if (!get_generic(c, &e))
		return;
	if (!shard_set_str(c->env->shard, c->db, c->argv[1].ptr, c->argv[1].len,
			   c->argv[2].ptr, c->argv[2].len, 0))
		reply_oom_at(c->r, mark);
}

void str_getdel(struct cmd_ctx *c)
{
	struct sentry *e;

	if (get_generic(c, &e) && e)
		shard_delete_entry(c->env->shard, c->db, e);
}

void str_getex(struct cmd_ctx *c)
{
	const struct resp_arg *expire = NULL;
	unsigned flags = 0;
	long long when = 0;
	size_t mark = c->r->len;

	if (parse_ext_args(c, false, &flags, &expire) != 0)
		return;
	struct sentry *e = str_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_null(c->r);
		return;
	}
	if (sentry_type(e) != OBJ_STRING) {
		cmd_reply_wrongtype(c->r);
		return;
	}
	if (expire && expire_ms(c, expire, flags, &when) != 0)
		return;
	str_reply_value(c->r, e);
	struct shard *s = c->env->shard;
	if ((flags & (OPT_EXAT | OPT_PXAT)) && when <= c->env->now_ms) {
		shard_delete_entry(s, c->db, e);
	} else if (expire) {
		if (!shard_set_expire(s, c->db, e, when))
			reply_oom_at(c->r, mark);
	} else if ((flags & OPT_PERSIST) && sentry_expire(e) != STORE_NO_EXPIRE) {
		if (!shard_set_expire(s, c->db, e, STORE_NO_EXPIRE))
			reply_oom_at(c->r, mark);
	}
}

void str_mget(struct cmd_ctx *c)
{
	reply_array(c->r, c->argc - 1);
	for (int j = 1; j < c->argc; j++) {
		struct sentry *e = str_lookup_read(c, &c->argv[j]);
		if (e && sentry_type(e) == OBJ_STRING)
			str_reply_value(c->r, e);
		else
			reply_null(c->r);
	}
}

/* msetGenericCommand after its checks. */
static void mset_pairs(struct cmd_ctx *c, bool nx)
{
	for (int j = 1; j < c->argc; j += 2) {
		const struct resp_arg *k = &c->argv[j], *v = &c->argv[j + 1];
		if (!shard_set_str(c->env->shard, c->db, k->ptr, k->len, v->ptr, v->len, 0)) {
			cmd_reply_oom(c->r);
			return;
		}
	}
	if (nx)
		reply_raw(c->r, ":1\r\n", 4);
	else
		cmd_reply_ok(c->r);
}

void str_mset(struct cmd_ctx *c)
{
	if (c->argc % 2 == 0) {
		cmd_reply_arity(c->r, c->def->name);
		return;
	}
	mset_pairs(c, false);
}

void str_msetnx(struct cmd_ctx *c)
{
	if (c->argc % 2 == 0) {
		cmd_reply_arity(c->r, c->def->name);
		return;
	}
	for (int j = 1; j < c->argc; j += 2) {
		if (str_lookup_write(c, &c->argv[j])) {
			reply_raw(c->r, ":0\r\n", 4);
			return;
		}
	}
	mset_pairs(c, true);
}

/* __strexists key...: how many of the keys exist, looked up the way MSETNX
 * looks them up (a write lookup: no keyspace statistics). */
void str_internal_exists(struct cmd_ctx *c)
{
	long long n = 0;
	for (int j = 1; j < c->argc; j++)
		n += str_lookup_write(c, &c->argv[j]) != NULL;
	reply_int(c->r, n);
}

#define W CMD_WRITE
#define R CMD_READONLY
#define OOM CMD_DENYOOM
#define F CMD_FAST

/* Arity, flags and key positions are Redis 7.0.15's COMMAND INFO. */
const struct cmd_def cmd_strings_table[] = {
	{"get", 2, R | F, 1, 1, 1, ROUTE_KEYS, str_get, NULL, NULL},
	{"set", -3, W | OOM, 1, 1, 1, ROUTE_KEYS, str_set, NULL, NULL},
	{"setnx", 3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_setnx, NULL, NULL},
	{"setex", 4, W | OOM, 1, 1, 1, ROUTE_KEYS, str_setex, NULL, NULL},
	{"psetex", 4, W | OOM, 1, 1, 1, ROUTE_KEYS, str_psetex, NULL, NULL},
	{"getset", 3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_getset, NULL, NULL},
	{"getdel", 2, W | F, 1, 1, 1, ROUTE_KEYS, str_getdel, NULL, NULL},
	{"getex", -2, W | F, 1, 1, 1, ROUTE_KEYS, str_getex, NULL, NULL},
	{"mget", -2, R | F, 1, -1, 1, ROUTE_KEYS, str_mget, str_mget_coord, NULL},
	{"mset", -3, W | OOM, 1, -1, 2, ROUTE_KEYS, str_mset, str_mset_coord, NULL},
	{"msetnx", -3, W | OOM, 1, -1, 2, ROUTE_KEYS, str_msetnx, str_msetnx_coord, NULL},
	{"append", 3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_append, NULL, NULL},
	{"strlen", 2, R | F, 1, 1, 1, ROUTE_KEYS, str_strlen, NULL, NULL},
	{"getrange", 4, R, 1, 1, 1, ROUTE_KEYS, str_getrange, NULL, NULL},
	{"substr", 4, R, 1, 1, 1, ROUTE_KEYS, str_getrange, NULL, NULL},
	{"setrange", 4, W | OOM, 1, 1, 1, ROUTE_KEYS, str_setrange, NULL, NULL},
	{"incr", 2, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_incr, NULL, NULL},
	{"decr", 2, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_decr, NULL, NULL},
	{"incrby", 3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_incrby, NULL, NULL},
	{"decrby", 3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_decrby, NULL, NULL},
	{"incrbyfloat", 3, W | OOM | F, 1, 1, 1, ROUTE_KEYS, str_incrbyfloat, NULL, NULL},
	{"lcs", -3, R, 1, 2, 1, ROUTE_KEYS, str_lcs, str_lcs_coord, NULL},
	{STR_INTERNAL_EXISTS, -2, R | CMD_INTERNAL, 1, -1, 1, ROUTE_KEYS, str_internal_exists,
	 NULL, NULL},
	{0},
};
