/*
 * Strings family, commands that read or change part of a value or its
 * number: APPEND STRLEN GETRANGE/SUBSTR SETRANGE INCR DECR INCRBY DECRBY
 * INCRBYFLOAT (Redis 7.0.15's t_string.c).
 */
#include "cmd/cmd_strings_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>

/* checkStringLength: the result may not exceed proto-max-bulk-len. */
static int check_string_length(struct cmd_ctx *c, unsigned long long size,
			       unsigned long long append)
{
	unsigned long long total = size + append;
	if (total < size || total > (unsigned long long)c->env->cfg->proto_max_bulk_len) {
		reply_error(c->r, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
		return -E2BIG;
	}
	return 0;
}

void str_append(struct cmd_ctx *c)
{
	const struct resp_arg *key = &c->argv[1], *val = &c->argv[2];
	struct shard *s = c->env->shard;
	struct sentry *e = str_lookup_write(c, key);

	if (!e) {
		/* a new key gets SET's encoding choice, as with Redis */
		if (!shard_set_str(s, c->db, key->ptr, key->len, val->ptr, val->len, 0))
			cmd_reply_oom(c->r);
		else
			reply_int(c->r, (long long)val->len);
		return;
	}
	if (sentry_type(e) != OBJ_STRING) {
		cmd_reply_wrongtype(c->r);
		return;
	}
	size_t olen = str_value_len(e);
	if (check_string_length(c, olen, val->len) != 0)
		return;
	if (!shard_str_append(s, c->db, e, val->ptr, val->len))
		cmd_reply_oom(c->r);
	else
		reply_int(c->r, (long long)(olen + val->len));
}

void str_strlen(struct cmd_ctx *c)
{
	struct sentry *e = str_lookup_read(c, &c->argv[1]);
	if (!e)
		reply_raw(c->r, ":0\r\n", 4);
	else if (sentry_type(e) != OBJ_STRING)
		cmd_reply_wrongtype(c->r);
	else
		reply_int(c->r, (long long)str_value_len(e));
}

void str_getrange(struct cmd_ctx *c)
{
	long long start, end;

	if (cmd_arg_ll(c->r, &c->argv[2], &start, NULL) != 0 ||
	    cmd_arg_ll(c->r, &c->argv[3], &end, NULL) != 0)
		return;
	struct sentry *e = str_lookup_read(c, &c->argv[1]);
	if (!e) {
		reply_bulk(c->r, "", 0);
		return;
	}
	if (sentry_type(e) != OBJ_STRING) {
		cmd_reply_wrongtype(c->r);
		return;
	}
	char tmp[24];
	size_t n;
	const char *p = sentry_str(e, tmp, &n);
	long long len = (long long)n;

	if (start < 0 && end < 0 && start > end) {
		reply_bulk(c->r, "", 0);
		return;
	}
	if (start < 0)
		start += len;
	if (end < 0)
		end += len;
	if (start < 0)
		start = 0;
	if (end < 0)
		end = 0;
	if ((unsigned long long)end >= (unsigned long long)len)
		end = len - 1;
	if (start > end || len == 0)
		reply_bulk(c->r, "", 0);
	else
		reply_bulk(c->r, p + start, (size_t)(end - start + 1));
}

void str_setrange(struct cmd_ctx *c)
{
	const struct resp_arg *key = &c->argv[1], *val = &c->argv[3];
	struct shard *s = c->env->shard;
	long long offset;

	if (cmd_arg_ll(c->r, &c->argv[2], &offset, NULL) != 0)
		return;
	if (offset < 0) {
		reply_error(c->r, "ERR offset is out of range");
		return;
	}
	struct sentry *e = str_lookup_write(c, key);
	size_t olen = 0;
	if (!e) {
		/* nothing to set on a missing key: no key is made */
		if (val->len == 0) {
			reply_raw(c->r, ":0\r\n", 4);
			return;
		}
		if (check_string_length(c, (unsigned long long)offset, val->len) != 0)
			return;
		e = shard_set_str(s, c->db, key->ptr, key->len, "", 0, SET_RAW);
		if (!e) {
			cmd_reply_oom(c->r);
			return;
		}
		if (!shard_str_setrange(s, c->db, e, (size_t)offset, val->ptr, val->len)) {
			shard_delete(s, c->db, key->ptr, key->len);
			cmd_reply_oom(c->r);
			return;
		}
	} else {
		if (sentry_type(e) != OBJ_STRING) {
			cmd_reply_wrongtype(c->r);
			return;
		}
		olen = str_value_len(e);
		if (val->len == 0) {
			reply_int(c->r, (long long)olen);
			return;
		}
		if (check_string_length(c, (unsigned long long)offset, val->len) != 0)
			return;
		if (!shard_str_setrange(s, c->db, e, (size_t)offset, val->ptr, val->len)) {
			cmd_reply_oom(c->r);
			return;
		}
	}
	size_t end = (size_t)offset + val->len;
	reply_int(c->r, (long long)(end > olen ? end : olen));
}

/* incrDecrCommand: the value must be a canonical 64-bit integer. */
static void incr_decr(struct cmd_ctx *c, long long incr)
{
	const struct resp_arg *key = &c->argv[1];
	struct sentry *e = str_lookup_write(c, key);
	long long value = 0;

	if (e) {
		if (sentry_type(e) != OBJ_STRING) {
			cmd_reply_wrongtype(c->r);
			return;
		}
		if (!sentry_str_int(e, &value)) {
			char tmp[24];
			size_t n;
			const char *p = sentry_str(e, tmp, &n);
			if (!resp_str_to_ll(p, n, &value)) {
				reply_error(c->r, CMD_ERR_NOT_INT);
				return;
			}
		}
	}
	if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
	    (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
		reply_error(c->r, "ERR increment or decrement would overflow");
		return;
	}
	value += incr;
	/* keeps the key's TTL, as Redis's in-place update does */
	if (!shard_set_int(c->env->shard, c->db, key->ptr, key->len, value))
		cmd_reply_oom(c->r);
	else
		reply_int(c->r, value);
}

void str_incr(struct cmd_ctx *c) { incr_decr(c, 1); }
void str_decr(struct cmd_ctx *c) { incr_decr(c, -1); }

void str_incrby(struct cmd_ctx *c)
{
	long long incr;
	if (cmd_arg_ll(c->r, &c->argv[2], &incr, NULL) == 0)
		incr_decr(c, incr);
}

void str_decrby(struct cmd_ctx *c)
{
	long long incr;
	if (cmd_arg_ll(c->r, &c->argv[2], &incr, NULL) != 0)
		return;
	if (incr == LLONG_MIN) {
		reply_error(c->r, "ERR decrement would overflow");
		return;
	}
	incr_decr(c, -incr);
}

/*
 * incrbyfloatCommand: long double arithmetic and Redis's human format
 * ("%.17Lf", trailing zeros trimmed), so "10.5" + 0.1 is "10.6". The key's
 * TTL is kept. Like Redis the result is never int-encoded (embstr/raw), even
 * when integral: OBJECT ENCODING shows it.
 */
void str_incrbyfloat(struct cmd_ctx *c)
{
	const struct resp_arg *key = &c->argv[1];
	struct sentry *e = str_lookup_write(c, key);
	long double value = 0, incr;

	if (e) {
		long long iv;
		if (sentry_type(e) != OBJ_STRING) {
			cmd_reply_wrongtype(c->r);
			return;
		}
		if (sentry_str_int(e, &iv)) {
			value = (long double)iv;
		} else {
			char tmp[24];
			size_t n;
			const char *p = sentry_str(e, tmp, &n);
			if (!cmd_parse_ldouble(p, n, &value)) {
				reply_error(c->r, CMD_ERR_NOT_FLOAT);
				return;
			}
		}
	}
	if (cmd_arg_ldouble(c->r, &c->argv[2], &incr, NULL) != 0)
		return;
	value += incr;
	if (isnan(value) || isinf(value)) {
		reply_error(c->r, "ERR increment would produce NaN or Infinity");
		return;
	}
	char buf[CMD_LDOUBLE_STR_MAX];
	int len = cmd_format_ldouble_human(buf, sizeof(buf), value);
	if (len <= 0) {
		reply_error(c->r, "ERR increment would produce NaN or Infinity");
		return;
	}
	if (!shard_set_str(c->env->shard, c->db, key->ptr, key->len, buf, (size_t)len,
			   SET_KEEPTTL | SET_NOINT))
		cmd_reply_oom(c->r);
	else
		reply_bulk(c->r, buf, (size_t)len);
}
