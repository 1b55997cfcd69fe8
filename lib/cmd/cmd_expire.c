/* EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX XX GT LT: Redis's expireGenericCommand. */
#include "cmd/keys_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#define EXPIRE_NX 1u
#define EXPIRE_XX 2u
#define EXPIRE_GT 4u
#define EXPIRE_LT 8u

/* Redis's parseExtendedExpireArgumentsOrReply. */
static int expire_flags(struct cmd_ctx *c, unsigned *flags)
{
	*flags = 0;
	for (int j = 3; j < c->argc; j++) {
		const struct resp_arg *a = &c->argv[j];
		if (cmd_arg_is(a, "nx")) {
			*flags |= EXPIRE_NX;
		} else if (cmd_arg_is(a, "xx")) {
			*flags |= EXPIRE_XX;
		} else if (cmd_arg_is(a, "gt")) {
			*flags |= EXPIRE_GT;
		} else if (cmd_arg_is(a, "lt")) {
			*flags |= EXPIRE_LT;
		} else {
			/* "%s" of a C string: the option stops at a NUL byte */
			reply_errorf(c->r, "ERR Unsupported option %.*s",
				     (int)cmd_arg_cstrlen(a), a->ptr);
			return -EINVAL;
		}
	}
	if ((*flags & EXPIRE_NX) && (*flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
		reply_error(c->r, "ERR NX and XX, GT or LT options at the same time are not compatible");
		return -EINVAL;
	}
	if ((*flags & EXPIRE_GT) && (*flags & EXPIRE_LT)) {
		reply_error(c->r, "ERR GT and LT options at the same time are not compatible");
		return -EINVAL;
	}
	return 0;
}

/* Whether the flags forbid the change (Redis replies 0 then). */
static bool expire_refused(unsigned flags, long long current, long long when)
{
	if ((flags & EXPIRE_NX) && current != STORE_NO_EXPIRE)
		return true;
	if ((flags & EXPIRE_XX) && current == STORE_NO_EXPIRE)
		return true;
	/* no TTL is an infinite one: GT never beats it, LT always does */
	if ((flags & EXPIRE_GT) && (current == STORE_NO_EXPIRE || when <= current))
		return true;
	if ((flags & EXPIRE_LT) && current != STORE_NO_EXPIRE && when >= current)
		return true;
	return false;
}

static void expire_generic(struct cmd_ctx *c, long long basetime, bool seconds)
{
	unsigned flags;
	long long when;
	if (expire_flags(c, &flags) != 0 || cmd_arg_ll(c->r, &c->argv[2], &when, NULL) != 0)
		return;
	if (seconds) {
		if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000)
			goto invalid;
		when *= 1000;
	}
	if (when > LLONG_MAX - basetime)
		goto invalid;
	when += basetime;

	struct sentry *e = keys_lookup_write(c, &c->argv[1]);
	if (!e || expire_refused(flags, sentry_expire(e), when)) {
		reply_int(c->r, 0);
		return;
	}
	if (when <= c->env->now_ms) {
		/* a time in the past deletes the key, and that counts as set */
		shard_delete_entry(c->env->shard, c->db, e);
	} else if (!shard_set_expire(c->env->shard, c->db, e, when)) {
		cmd_reply_oom(c->r);
		return;
	}
	reply_int(c->r, 1);
	return;
invalid:
	reply_errorf(c->r, "ERR invalid expire time in '%s' command", c->def->name);
}

void cmd_expire(struct cmd_ctx *c) { expire_generic(c, c->env->now_ms, true); }
void cmd_pexpire(struct cmd_ctx *c) { expire_generic(c, c->env->now_ms, false); }
void cmd_expireat(struct cmd_ctx *c) { expire_generic(c, 0, true); }
void cmd_pexpireat(struct cmd_ctx *c) { expire_generic(c, 0, false); }
