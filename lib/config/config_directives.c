/* The directive table: each directive's parser (shared by the file, the
 * command line and CONFIG SET) and its CONFIG GET formatting, with Redis
 * 7.0's error texts and value formats. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "util/util.h"

_Static_assert(sizeof(enum loglevel) == sizeof(int), "enum fields are stored as int");
_Static_assert(sizeof(enum maxmemory_policy) == sizeof(int), "enum fields are stored as int");
_Static_assert(sizeof(enum io_backend) == sizeof(int), "enum fields are stored as int");

#define FIELD(c, d) ((char *)(c) + (d)->offset)
#define CFIELD(c, d) ((const char *)(c) + (d)->offset)

/* The redis.conf defaults of the classes wirekv accepts but does not
 * keep (it has no replicas and no pub/sub yet). */
#define OBUF_OTHER_CLASSES "slave 268435456 67108864 60 pubsub 33554432 8388608 60"

static int fail(char *err, size_t errlen, const char *msg)
{
	config_copy_str(err, errlen, msg);
	return -1;
}

static bool has_nul(size_t len, const char *s)
{
	return strlen(s) != len;
}

/* --- numbers --- */

static int range_error(const struct config_directive *d, char *err, size_t errlen)
{
	snprintf(err, errlen, "argument must be between %lld and %lld inclusive",
		 d->min, d->max);
	return -1;
}

static void store_number(const struct config_directive *d, struct wk_config *c,
			 long long v)
{
	if (d->width == sizeof(int))
		*(int *)FIELD(c, d) = (int)v;
	else
		*(long long *)FIELD(c, d) = v;
}

static long long load_number(const struct config_directive *d, const struct wk_config *c)
{
	if (d->width == sizeof(int))
		return *(const int *)CFIELD(c, d);
	return *(const long long *)CFIELD(c, d);
}

static int parse_integer(const struct config_directive *d, const char *s, size_t len,
			 long long *v, char *err, size_t errlen)
{
	if (!util_str_to_ll(s, len, v))
		return fail(err, errlen, "argument couldn't be parsed into an integer");
	if (*v < d->min || *v > d->max)
		return range_error(d, err, errlen);
	return 0;
}

static int set_integer(const struct config_directive *d, struct wk_config *c,
		       int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	long long v;

	if (parse_integer(d, argv[0], len[0], &v, err, errlen))
		return -1;
	store_number(d, c, v);
	return 0;
}

/* Redis accepts any hz >= 0 and clamps it to 1..500 (CONFIG_MIN_HZ,
 * CONFIG_MAX_HZ); CONFIG GET then shows the clamped value. */
static int set_hz(const struct config_directive *d, struct wk_config *c,
		  int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	long long v;

	if (parse_integer(d, argv[0], len[0], &v, err, errlen))
		return -1;
	c->hz = v < 1 ? 1 : v > 500 ? 500 : (int)v;
	return 0;
}

static int parse_memory(const struct config_directive *d, const char *s, size_t len,
			long long *v, char *err, size_t errlen)
{
	unsigned long long u;

	if (has_nul(len, s) || !config_memtoull(s, &u))
		return fail(err, errlen, "argument must be a memory value");
	if (u > (unsigned long long)d->max || (long long)u < d->min)
		return range_error(d, err, errlen);
	*v = (long long)u;
	return 0;
}

static int set_memory(const struct config_directive *d, struct wk_config *c,
		      int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	long long v;

	if (parse_memory(d, argv[0], len[0], &v, err, errlen))
		return -1;
	store_number(d, c, v);
	return 0;
}

static const char *get_number(const struct config_directive *d, const struct wk_config *c,
			      char *buf, size_t n)
{
	snprintf(buf, n, "%lld", load_number(d, c));
	return buf;
}

/* --- enums --- */

static int set_enum(const struct config_directive *d, struct wk_config *c,
		    int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	const struct config_enum_name *e;

	for (e = d->names; e->name; e++) {
		if (!strcasecmp(argv[0], e->name) && !has_nul(len[0], argv[0])) {
			*(int *)FIELD(c, d) = e->value;
			return 0;
		}
	}
	snprintf(err, errlen, "argument(s) must be one of the following: ");
	for (e = d->names; e->name; e++) {
		size_t at = strlen(err);

		snprintf(err + at, errlen - at, "%s%s", e->name, e[1].name ? ", " : "");
	}
	return -1;
}

static const char *get_enum(const struct config_directive *d, const struct wk_config *c,
			    char *buf, size_t n)
{
	int v = *(const int *)CFIELD(c, d);

	for (const struct config_enum_name *e = d->names; e->name; e++)
		if (e->value == v)
			return e->name;
	return "";
}

/* Redis's order, which its error text lists. */
static const struct config_enum_name loglevel_names[] = {
	{ "debug", LL_DEBUG }, { "verbose", LL_VERBOSE }, { "notice", LL_NOTICE },
	{ "warning", LL_WARNING }, { "nothing", LL_NOTHING }, { NULL, 0 },
};

static const struct config_enum_name policy_names[] = {
	{ "volatile-lru", MM_VOLATILE_LRU }, { "volatile-lfu", MM_VOLATILE_LFU },
	{ "volatile-random", MM_VOLATILE_RANDOM }, { "volatile-ttl", MM_VOLATILE_TTL },
	{ "allkeys-lru", MM_ALLKEYS_LRU }, { "allkeys-lfu", MM_ALLKEYS_LFU },
	{ "allkeys-random", MM_ALLKEYS_RANDOM }, { "noeviction", MM_NOEVICTION },
	{ NULL, 0 },
};

static const struct config_enum_name io_backend_names[] = {
	{ "uring", IO_BACKEND_URING }, { "dpdk", IO_BACKEND_DPDK }, { NULL, 0 },
};

/* --- strings --- */

static int set_string(const struct config_directive *d, struct wk_config *c,
		      int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	char **field = (char **)FIELD(c, d);
	char *v;

	if (has_nul(len[0], argv[0]))
		return fail(err, errlen, "argument must not contain a NUL byte");
	if (len[0] == 0) {
		/* requirepass "" means no password; logfile "" means stdout. */
		v = (d->flags & DIR_EMPTY_IS_NULL) ? NULL : (char *)config_empty_string;
	} else {
		v = config_string_dup(argv[0], len[0]);
		if (!v)
			return fail(err, errlen, "Out of memory");
	}
	config_string_release(*field);
	*field = v;
	return 0;
}

static const char *get_string(const struct config_directive *d, const struct wk_config *c,
			      char *buf, size_t n)
{
	const char *s = *(char *const *)CFIELD(c, d);

	return s ? s : "";
}

/* --- bind --- */

static bool valid_bind_address(const char *a)
{
	unsigned char addr[sizeof(struct in6_addr)];

	if (a[0] == '-')
		a++;
	/* "*" and "::*" are Redis's spellings of every IPv4 / IPv6 address. */
	if (!strcmp(a, "*") || !strcmp(a, "::*"))
		return true;
	return inet_pton(AF_INET, a, addr) == 1 || inet_pton(AF_INET6, a, addr) == 1;
}

static int set_bind(const struct config_directive *d, struct wk_config *c,
		    int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	char *addrs[CONFIG_MAX_BIND];

	if (argc > CONFIG_MAX_BIND)
		return fail(err, errlen, "Too many bind addresses specified.");
	if (argc == 0 || (argc == 1 && len[0] == 0))
		return fail(err, errlen,
			    "bind needs at least one address: wirekv listens only on TCP");
	for (int i = 0; i < argc; i++) {
		if (has_nul(len[i], argv[i]) || !valid_bind_address(argv[i])) {
			snprintf(err, errlen, "Invalid bind address '%.64s'", argv[i]);
			return -1;
		}
	}
	for (int i = 0; i < argc; i++) {
		addrs[i] = config_string_dup(argv[i], len[i]);
		if (!addrs[i]) {
			while (i--)
				free(addrs[i]);
			return fail(err, errlen, "Out of memory");
		}
	}
	for (int i = 0; i < c->nbind; i++)
		config_string_release(c->bind[i]);
	memset(c->bind, 0, sizeof(c->bind));
	memcpy(c->bind, addrs, (size_t)argc * sizeof(addrs[0]));
	c->nbind = argc;
	return 0;
}

static const char *get_bind(const struct config_directive *d, const struct wk_config *c,
			    char *buf, size_t n)
{
	buf[0] = '\0';
	for (int i = 0; i < c->nbind; i++) {
		size_t at = strlen(buf);

		snprintf(buf + at, n - at, "%s%s", i ? " " : "", c->bind[i]);
	}
	return buf;
}

/* --- the DPDK io-backend's addresses and fault injection --- */

static bool parse_ipv4(const char *s, size_t len, uint32_t *out)
{
	struct in_addr a;

	if (has_nul(len, s) || inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static void format_ipv4(uint32_t ip, char *buf, size_t n)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	if (!inet_ntop(AF_INET, &a, buf, (socklen_t)n))
		buf[0] = '\0';
}

/* ip a.b.c.d/prefix ("" unsets it) */
static int set_ip(const struct config_directive *d, struct wk_config *c,
		  int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(argv[0], '/');
	long long prefix;
	uint32_t ip;

	if (len[0] == 0) {
		c->ip = 0;
		c->ip_prefix = 0;
		return 0;
	}
	if (!slash || (size_t)(slash - argv[0]) >= sizeof(addr) ||
	    !util_str_to_ll(slash + 1, len[0] - (size_t)(slash - argv[0]) - 1, &prefix) ||
	    prefix < 1 || prefix > 32)
		goto bad;
	memcpy(addr, argv[0], (size_t)(slash - argv[0]));
	addr[slash - argv[0]] = '\0';
	if (!parse_ipv4(addr, strlen(addr), &ip) || ip == 0)
		goto bad;
	c->ip = ip;
	c->ip_prefix = (int)prefix;
	return 0;
bad:
	return fail(err, errlen,
		    "argument must be an IPv4 address and a prefix length 1..32, like 198.18.0.2/24");
}

static const char *get_ip(const struct config_directive *d, const struct wk_config *c,
			  char *buf, size_t n)
{
	char addr[INET_ADDRSTRLEN];

	if (!c->ip)
		return "";
	format_ipv4(c->ip, addr, sizeof(addr));
	snprintf(buf, n, "%s/%d", addr, c->ip_prefix);
	return buf;
}

/* gateway a.b.c.d ("" = none) */
static int set_gateway(const struct config_directive *d, struct wk_config *c,
		       int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	uint32_t ip = 0;

	if (len[0] && (!parse_ipv4(argv[0], len[0], &ip) || ip == 0))
		return fail(err, errlen, "argument must be an IPv4 address, like 198.18.0.1");
	c->gateway = ip;
	return 0;
}

static const char *get_gateway(const struct config_directive *d, const struct wk_config *c,
			       char *buf, size_t n)
{
	if (!c->gateway)
		return "";
	format_ipv4(c->gateway, buf, n);
	return buf;
}

/* A percentage 0..100, fractional allowed ("0.5"). */
static bool parse_percent(const char *s, double *out)
{
	char *end;

	if (!*s || strchr(s, 'x') || strchr(s, 'X') || strchr(s, 'n') || strchr(s, 'N'))
		return false; /* no hex floats, nan or inf */
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || v < 0 || v > 100)
		return false;
	*out = v;
	return true;
}

/* net-impair "loss P reorder P dup P delay US seed N" (any subset, any
 * order; one quoted word or several; "" = off) */
static int set_impair(const struct config_directive *d, struct wk_config *c,
		      int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	struct wk_net_impair imp = { 0 };
	char text[512] = "";
	struct config_words w;

	for (int i = 0; i < argc; i++) {
		size_t at = strlen(text);

		if (has_nul(len[i], argv[i]) || at + len[i] + 2 > sizeof(text))
			return fail(err, errlen, "argument is too long or contains a NUL byte");
		snprintf(text + at, sizeof(text) - at, "%s%s", i ? " " : "", argv[i]);
	}
	if (config_words_split(text, &w))
		return fail(err, errlen, "Unbalanced quotes in net-impair");
	int rc = 0;
	for (int i = 0; i < w.argc && !rc; i += 2) {
		const char *k = w.argv[i], *v = i + 1 < w.argc ? w.argv[i + 1] : NULL;
		long long n;

		if (!v) {
			snprintf(err, errlen, "'%.32s' needs a value", k);
			rc = -1;
		} else if (!strcasecmp(k, "loss") || !strcasecmp(k, "reorder") ||
			   !strcasecmp(k, "dup")) {
			double *f = !strcasecmp(k, "loss") ? &imp.loss_pct :
				    !strcasecmp(k, "dup") ? &imp.dup_pct : &imp.reorder_pct;
			if (!parse_percent(v, f)) {
				snprintf(err, errlen, "%.16s must be a percentage 0..100, got '%.32s'", k, v);
				rc = -1;
			}
		} else if (!strcasecmp(k, "delay")) {
			if (!util_str_to_ll(v, strlen(v), &n) || n < 0 || n > 1000000) {
				snprintf(err, errlen, "delay must be 0..1000000 microseconds, got '%.32s'", v);
				rc = -1;
			}
			imp.delay_us = n;
		} else if (!strcasecmp(k, "seed")) {
			if (!util_str_to_ll(v, strlen(v), &n) || n < 0) {
				snprintf(err, errlen, "seed must be a non-negative integer, got '%.32s'", v);
				rc = -1;
			}
			imp.seed = (unsigned long long)n;
		} else {
			snprintf(err, errlen,
				 "unknown net-impair setting '%.32s' (loss, reorder, dup, delay, seed)", k);
			rc = -1;
		}
	}
	config_words_free(&w);
	if (rc)
		return -1;
	c->impair = imp;
	return 0;
}

static const char *get_impair(const struct config_directive *d, const struct wk_config *c,
			      char *buf, size_t n)
{
	const struct wk_net_impair *i = &c->impair;

	if (!config_impair_on(i) && !i->seed)
		return "";
	snprintf(buf, n, "loss %g reorder %g dup %g delay %lld seed %llu", i->loss_pct,
		 i->reorder_pct, i->dup_pct, i->delay_us, i->seed);
	return buf;
}

/* --- client-output-buffer-limit --- */

static int set_obuf(const struct config_directive *d, struct wk_config *c,
		    int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	static const char *const classes[] = { "normal", "slave", "replica", "pubsub" };
	long long hard = c->obuf_hard_limit, soft = c->obuf_soft_limit;
	long long secs = c->obuf_soft_seconds;

	if (argc % 4)
		return fail(err, errlen, "Wrong number of arguments in buffer limit configuration.");
	/* Check everything before storing anything, as Redis does. */
	for (int j = 0; j < argc; j += 4) {
		size_t k;
		unsigned long long h, s;
		char *end;

		for (k = 0; k < sizeof(classes) / sizeof(classes[0]); k++)
			if (!strcasecmp(argv[j], classes[k]) && !has_nul(len[j], argv[j]))
				break;
		if (k == sizeof(classes) / sizeof(classes[0]))
			return fail(err, errlen,
				    "Invalid client class specified in buffer limit configuration.");
		errno = 0;
		long long sec = strtoll(argv[j + 3], &end, 10);

		if (has_nul(len[j + 1], argv[j + 1]) || !config_memtoull(argv[j + 1], &h) ||
		    has_nul(len[j + 2], argv[j + 2]) || !config_memtoull(argv[j + 2], &s) ||
		    h > LLONG_MAX || s > LLONG_MAX || *end || errno || sec < 0 || sec > INT_MAX)
			return fail(err, errlen,
				    "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
		if (k == 0) {
			hard = (long long)h;
			soft = (long long)s;
			secs = sec;
		}
	}
	c->obuf_hard_limit = hard;
	c->obuf_soft_limit = soft;
	c->obuf_soft_seconds = secs;
	return 0;
}

static const char *get_obuf(const struct config_directive *d, const struct wk_config *c,
			    char *buf, size_t n)
{
	snprintf(buf, n, "normal %lld %lld %lld " OBUF_OTHER_CLASSES,
		 c->obuf_hard_limit, c->obuf_soft_limit, c->obuf_soft_seconds);
	return buf;
}

/* --- persistence: wirekv has none, so only Redis's "off" values pass --- */

static int set_save(const struct config_directive *d, struct wk_config *c,
		    int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	if (argc == 0 || (argc == 1 && len[0] == 0))
		return 0;
	return fail(err, errlen, "wirekv has no persistence: only save \"\" is accepted");
}

static int set_appendonly(const struct config_directive *d, struct wk_config *c,
			  int argc, char **argv, const size_t *len, char *err, size_t errlen)
{
	if (!strcasecmp(argv[0], "no") && len[0] == 2)
		return 0;
	if (!strcasecmp(argv[0], "yes") && len[0] == 3)
		return fail(err, errlen, "wirekv has no persistence: appendonly must be no");
	return fail(err, errlen, "argument must be 'yes' or 'no'");
}

static const char *get_fixed(const struct config_directive *d, const struct wk_config *c,
			     char *buf, size_t n)
{
	return d->names[0].name;
}

static const struct config_enum_name save_value[] = { { "", 0 }, { NULL, 0 } };
static const struct config_enum_name appendonly_value[] = { { "no", 0 }, { NULL, 0 } };

/* --- the table --- */

#define OFF(f) offsetof(struct wk_config, f)
#define WIDTH(f) sizeof(((struct wk_config *)0)->f)
#define INTEGER(nm, fl, f, lo, hi) \
	{ .name = nm, .flags = fl, .set = set_integer, .get = get_number, \
	  .offset = OFF(f), .width = WIDTH(f), .min = lo, .max = hi }
#define MEMORY(nm, fl, f, lo, hi) \
	{ .name = nm, .flags = fl, .set = set_memory, .get = get_number, \
	  .offset = OFF(f), .width = WIDTH(f), .min = lo, .max = hi }
#define ENUM(nm, fl, f, tbl) \
	{ .name = nm, .flags = fl, .set = set_enum, .get = get_enum, \
	  .offset = OFF(f), .names = tbl }

/* CONFIG GET lists directives in this order. Ranges are Redis 7.0's
 * (createIntConfig etc. in config.c) so its error texts match. */
static const struct config_directive directives[] = {
	INTEGER("port", 0, port, 0, 65535),
	{ .name = "bind", .flags = DIR_MULTI_ARG, .set = set_bind, .get = get_bind },
	INTEGER("threads", 0, threads, 0, 256),
	ENUM("io-backend", 0, io_backend, io_backend_names),
	{ .name = "requirepass", .flags = DIR_MUTABLE | DIR_EMPTY_IS_NULL,
	  .set = set_string, .get = get_string, .offset = OFF(requirepass) },
	INTEGER("maxclients", DIR_MUTABLE, maxclients, 1, UINT_MAX),
	INTEGER("timeout", DIR_MUTABLE, timeout, 0, INT_MAX),
	INTEGER("tcp-backlog", 0, tcp_backlog, 0, INT_MAX),
	INTEGER("databases", 0, databases, 1, INT_MAX),
	{ .name = "hz", .flags = DIR_MUTABLE, .set = set_hz, .get = get_number,
	  .offset = OFF(hz), .width = WIDTH(hz), .min = 0, .max = INT_MAX },
	ENUM("loglevel", DIR_MUTABLE, loglevel, loglevel_names),
	{ .name = "logfile", .set = set_string, .get = get_string,
	  .offset = OFF(logfile) },
	MEMORY("maxmemory", DIR_MUTABLE, maxmemory, 0, LLONG_MAX),
	ENUM("maxmemory-policy", DIR_MUTABLE, maxmemory_policy, policy_names),
	MEMORY("proto-max-bulk-len", DIR_MUTABLE, proto_max_bulk_len, 1024 * 1024, LONG_MAX),
	MEMORY("client-query-buffer-limit", DIR_MUTABLE, client_query_buffer_limit,
	       1024 * 1024, LONG_MAX),
	{ .name = "client-output-buffer-limit", .flags = DIR_MUTABLE | DIR_MULTI_ARG,
	  .set = set_obuf, .get = get_obuf },
	{ .name = "save", .flags = DIR_MUTABLE | DIR_MULTI_ARG, .set = set_save,
	  .get = get_fixed, .names = save_value },
	{ .name = "appendonly", .flags = DIR_MUTABLE, .set = set_appendonly,
	  .get = get_fixed, .names = appendonly_value },
	INTEGER("io-coalesce-us", DIR_MUTABLE, io_coalesce_us, 0, 100000),
	/* io-backend dpdk */
	{ .name = "ip", .set = set_ip, .get = get_ip },
	{ .name = "gateway", .set = set_gateway, .get = get_gateway },
	INTEGER("mtu", 0, mtu, 576, 9000),
	{ .name = "dpdk-args", .flags = DIR_EMPTY_IS_NULL, .set = set_string, .get = get_string,
	  .offset = OFF(dpdk_args) },
	INTEGER("dpdk-port", 0, dpdk_port, 0, 65535),
	{ .name = "net-impair", .flags = DIR_MULTI_ARG, .set = set_impair, .get = get_impair },
	/* lists; list-max-ziplist-size is Redis's alias of the same value */
	INTEGER("list-max-listpack-size", DIR_MUTABLE, list_max_listpack_size, INT_MIN, INT_MAX),
	INTEGER("list-max-ziplist-size", DIR_MUTABLE, list_max_listpack_size, INT_MIN, INT_MAX),
	INTEGER("list-compress-depth", DIR_MUTABLE, list_compress_depth, 0, INT_MAX),
	INTEGER("set-max-intset-entries", DIR_MUTABLE, set_max_intset_entries, 0, LLONG_MAX),
	/* zsets; the *-ziplist-* names are Redis's aliases of the same values */
	INTEGER("zset-max-listpack-entries", DIR_MUTABLE, zset_max_listpack_entries, 0, LLONG_MAX),
	INTEGER("zset-max-ziplist-entries", DIR_MUTABLE, zset_max_listpack_entries, 0, LLONG_MAX),
	MEMORY("zset-max-listpack-value", DIR_MUTABLE, zset_max_listpack_value, 0, LLONG_MAX),
	MEMORY("zset-max-ziplist-value", DIR_MUTABLE, zset_max_listpack_value, 0, LLONG_MAX),
	/* hashes; the *-ziplist-* names are Redis's aliases of the same values */
	INTEGER("hash-max-listpack-entries", DIR_MUTABLE, hash_max_listpack_entries, 0, LLONG_MAX),
	INTEGER("hash-max-ziplist-entries", DIR_MUTABLE, hash_max_listpack_entries, 0, LLONG_MAX),
	MEMORY("hash-max-listpack-value", DIR_MUTABLE, hash_max_listpack_value, 0, LLONG_MAX),
	MEMORY("hash-max-ziplist-value", DIR_MUTABLE, hash_max_listpack_value, 0, LLONG_MAX),
};

const struct config_directive *config_directive_find(const char *name)
{
	for (size_t i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (!strcasecmp(name, directives[i].name))
			return &directives[i];
	return NULL;
}

const struct config_directive *config_directives(size_t *n)
{
	*n = sizeof(directives) / sizeof(directives[0]);
	return directives;
}
