/*
 * lib/config: wirekv.conf directives, their defaults and limits, the
 * redis.conf-syntax reader (quotes, '#' comments, include), command-line
 * overrides, and the values CONFIG GET / CONFIG SET see.
 *
 * A struct wk_config is plain data owned by whoever holds it: app loads one
 * at start-up and every worker gets its own copy (config_clone); CONFIG SET
 * is applied to each worker's copy by that worker. No globals.
 */
#ifndef WIREKV_CONFIG_H
#define WIREKV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_BIND 16

enum io_backend { IO_BACKEND_URING = 0, IO_BACKEND_DPDK = 1 };
enum loglevel { LL_DEBUG = 0, LL_VERBOSE, LL_NOTICE, LL_WARNING, LL_NOTHING };
enum maxmemory_policy {
	MM_NOEVICTION = 0, MM_ALLKEYS_LRU, MM_ALLKEYS_LFU, MM_ALLKEYS_RANDOM,
	MM_VOLATILE_LRU, MM_VOLATILE_LFU, MM_VOLATILE_RANDOM, MM_VOLATILE_TTL,
};

/* net-impair: faults the DPDK port layer injects in both directions.
 * Percentages are 0..100 and may be fractional. */
struct wk_net_impair {
	double loss_pct;                 /* frames dropped */
	double reorder_pct;              /* frames held back behind the next one */
	double dup_pct;                  /* frames sent / delivered twice */
	long long delay_us;              /* every frame held this long */
	unsigned long long seed;         /* per-lcore PRNG seed (seed + lcore) */
};

struct wk_config {
	int port;                        /* 6379 */
	char *bind[CONFIG_MAX_BIND];     /* "127.0.0.1" */
	int nbind;
	int threads;                     /* 0 = one per online core */
	enum io_backend io_backend;      /* uring */
	char *requirepass;               /* NULL = none */
	long long maxclients;            /* 10000 */
	long long timeout;               /* seconds idle before close, 0 = never */
	int tcp_backlog;                 /* 511 */
	int databases;                   /* 16 */
	int hz;                          /* 10 */
	enum loglevel loglevel;          /* notice */
	char *logfile;                   /* "" = stdout */
	long long maxmemory;             /* bytes, 0 = no limit */
	enum maxmemory_policy maxmemory_policy; /* noeviction */
	long long proto_max_bulk_len;    /* 512mb */
	long long client_query_buffer_limit; /* 1gb */
	long long obuf_hard_limit;       /* client-output-buffer-limit normal: bytes, 0 = none */
	long long obuf_soft_limit;
	long long obuf_soft_seconds;
	long long io_coalesce_us;        /* 200; io_uring completion coalescing budget, 0 = off */

	/* io-backend dpdk: wirekv's own stack on a DPDK port (all immutable) */
	uint32_t ip;                     /* our address, host order; 0 = not set */
	int ip_prefix;                   /* netmask length 1..32 */
	uint32_t gateway;                /* host order; 0 = none */
	int mtu;                         /* IP MTU, 1500 */
	char *dpdk_args;                 /* EAL arguments (shell-like words); NULL = not set */
	int dpdk_port;                   /* DPDK port id, 0 */
	struct wk_net_impair impair;     /* net-impair; all zero = off */

	/* lists (lib/store/store_list.h) */
	int list_max_listpack_size;      /* -2: 8 KB per node; > 0: entries per node */
	int list_compress_depth;         /* 0; accepted, ignored (nodes never compressed) */

	/* data types: encoding thresholds */
	long long set_max_intset_entries; /* 512 */
	long long zset_max_listpack_entries; /* 128 */
	long long zset_max_listpack_value;   /* 64 (bytes of a member) */
	/* 512 entries (redis-server's built-in default; redis.conf sets 128) */
	long long hash_max_listpack_entries;
	long long hash_max_listpack_value;   /* 64 (bytes of a field or value) */
};

/* Where an error was found, for "file:line: 'directive ...': reason". */
struct config_error {
	char file[256];
	int line;                /* 0 for the command line / CONFIG SET */
	char directive[128];
	char msg[256];
};

void config_init(struct wk_config *c);          /* defaults */
void config_free(struct wk_config *c);
int config_clone(struct wk_config *dst, const struct wk_config *src); /* 0 / -ENOMEM */

/* Read a file (and what it includes) into c. 0, or -1 with err filled. */
int config_load_file(struct wk_config *c, const char *path, struct config_error *err);

/* wirekv-server's argv: [config-file] [--directive value ...]. Reads the
 * file first, then the overrides, the way redis-server does. */
int config_load_args(struct wk_config *c, int argc, char **argv, struct config_error *err);

/* Checks across directives once everything is loaded (config_load_args
 * runs it last): io-backend dpdk needs ip and dpdk-args. 0, or -1 with err
 * filled (file = where the config came from, no directive). */
int config_check(const struct wk_config *c, const char *file, struct config_error *err);

/* config_fit_fd_limit's findings. */
struct fd_limit {
	unsigned long long reserved;   /* the server's own descriptors */
	unsigned long long needed;     /* maxclients + reserved */
	unsigned long long old_limit;  /* RLIMIT_NOFILE's soft limit before */
	unsigned long long new_limit;  /* and after */
	long long maxclients;          /* the clients that fit */
	int err;                       /* errno of the last refused setrlimit */
};

enum fd_fit {
	FD_FITS,      /* maxclients fit (the limit may have been raised) */
	FD_REDUCED,   /* only r->maxclients fit */
	FD_TOO_FEW,   /* not even the server's own descriptors fit */
	FD_UNKNOWN,   /* getrlimit failed (r->err): r->maxclients as for 1024, like Redis */
};

/* Raise RLIMIT_NOFILE (io-backend uring) so that maxclients clients fit
 * next to the descriptors of `workers` workers listening on nbind
 * addresses. */
enum fd_fit config_fit_fd_limit(long long maxclients, int workers, int nbind, struct fd_limit *r);

/* True when net-impair injects anything. */
bool config_impair_on(const struct wk_net_impair *imp);

/* Format an error as one line: "<file>:<line>: '<directive>': <msg>". */
void config_format_error(const struct config_error *err, char *buf, size_t n);

/* CONFIG SET on one copy: name and value as the client gave them.
 * 0, or -1 with Redis's error text (without "ERR ") in errbuf. Immutable
 * directives (port, bind, threads, io-backend, databases, tcp-backlog,
 * logfile) are refused with Redis's "can't set immutable config". */
int config_set(struct wk_config *c, const char *name, const char *value,
	       char *errbuf, size_t errlen);

/* CONFIG GET: calls fn for every directive, in a fixed order, with its
 * value formatted as Redis formats it (the caller filters by pattern). */
typedef void (*config_get_fn)(void *arg, const char *name, const char *value);
void config_foreach(const struct wk_config *c, config_get_fn fn, void *arg);

/* Names for INFO and logs. */
const char *config_policy_name(enum maxmemory_policy p);
const char *config_loglevel_name(enum loglevel l);

#endif
