/*
 * lib/cmd: the command table and every command's semantics.
 *
 * Handlers run on the worker that owns the shard they are given and touch
 * nothing else; they never block (DEBUG SLEEP excepted, as in Redis). The
 * engine decides where a command runs (def->route):
 *   ROUTE_CONN  on the client's worker, with the client (PING, HELLO, CLIENT ...)
 *   ROUTE_KEYS  on the worker owning the keys; if they span workers, the
 *               command's coordinator (def->coord) runs on the client's worker
 *               and sends sub-requests to the owners
 *   ROUTE_COORD always through the coordinator (DBSIZE, KEYS, SCAN, INFO ...)
 * A sub-request runs the handler of its argv[0] (internal commands allowed)
 * on the target worker's shard with client == NULL, and its reply bytes go
 * back to the coordinator. Nothing here knows which transport is in use.
 * Tables are immutable after cmd_table_new() and may be read by any worker.
 */
#ifndef WIREKV_CMD_H
#define WIREKV_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "proto/proto.h"
#include "store/store.h"

#define CMD_SLOTS 16384

/* Redis Cluster's slot: CRC16-XMODEM of the key, or of its first non-empty
 * {hashtag}, mod 16384. */
unsigned cmd_key_slot(const char *key, size_t len);

/* Counters of one worker. The engine bumps the connection and network ones,
 * handlers the keyspace ones. INFO sums them over workers. */
struct cmd_stats {
	uint64_t total_connections_received;
	uint64_t rejected_connections;
	uint64_t total_commands_processed;
	uint64_t total_error_replies;
	uint64_t net_input_bytes;
	uint64_t net_output_bytes;
	uint64_t keyspace_hits;
	uint64_t keyspace_misses;
	uint64_t connected_clients;   /* gauge */
	/* wirekv: per-worker engine figures */
	uint64_t ring_msgs_in;
	uint64_t ring_msgs_out;
	uint64_t cross_worker_cmds;   /* commands executed for another worker */
	uint64_t coord_cmds;          /* commands coordinated across workers */
	uint64_t loop_turns;
	uint64_t loop_busy_us;
	uint64_t loop_idle_us;
	/* gauges of blocking commands (BLPOP ...) */
	uint64_t blocked_clients;     /* this worker's clients waiting in one */
	uint64_t clients_in_timeout_table; /* waiters parked here with a timeout */
};

/* Per-connection state commands read and change; embedded in the engine's
 * connection, owned by the client's worker. */
struct cmd_client {
	uint64_t id;
	int db;
	int resp;                 /* 2 or 3 */
	bool authenticated;
	bool close_after_reply;   /* QUIT, protocol error: close once replies are out */
	bool no_evict;
	char *name;               /* CLIENT SETNAME (malloc'd; NULL = none; engine frees) */
	char addr[64];            /* "ip:port" of the peer */
	char laddr[64];           /* "ip:port" of our side */
	int fd;
	int64_t ctime_ms;         /* connected at (unix ms) */
	int64_t last_ms;          /* last command at (unix ms) */
	const char *last_cmd;     /* full name of the last command, e.g. "client|list" */
	bool blocked;             /* waiting in a blocking command (CLIENT LIST flags=b) */
	/* filled in by the engine before CLIENT LIST / CLIENT INFO */
	size_t qbuf, qbuf_free, obl, oll, omem, tot_mem;
};

struct cmd_table;
struct cmd_ctx;

/* What a worker gives its handlers. Owned by the worker; engine keeps the
 * clock fields current (once per loop turn and before each command). */
struct cmd_env {
	int worker_id;
	int nworkers;
	struct shard *shard;          /* this worker's shard */
	struct wk_config *cfg;        /* this worker's copy of the config */
	struct cmd_stats *stats;      /* this worker's counters */
	const struct cmd_table *table;
	const uint16_t *slot_owner;   /* slot -> worker, CMD_SLOTS entries */
	int64_t now_ms;               /* unix time, ms */
	int64_t now_us;               /* unix time, us */
	int64_t start_ms;             /* process start, unix ms */
	const char *run_id;           /* 40 hex chars, same on every worker */
	const char *executable;       /* absolute path of the binary (INFO) */
	const char *config_file;      /* absolute path, or "" */
	int tcp_port;                 /* the port actually listened on */
	const char *io_backend;       /* "uring" */
	uint64_t rand_state;          /* per-worker PRNG state (RANDOMKEY, ...) */

	/* services the engine provides */
	void *host;
	/* call fn for each client connected to this worker */
	void (*foreach_client)(struct cmd_env *env,
			       void (*fn)(void *arg, struct cmd_client *c), void *arg);
	/* close c after its pending replies (CLIENT KILL) */
	void (*kill_client)(struct cmd_env *env, struct cmd_client *c);
	/* SHUTDOWN: stop the whole server gracefully */
	void (*shutdown)(struct cmd_env *env);
	/* INFO's "net" section: this worker's transport figures as text lines
	 * ("name:value\r\n"), written into buf (at most cap bytes); returns
	 * the length, 0 if it has none. NULL when the transport keeps none. */
	size_t (*transport_info)(struct cmd_env *env, char *buf, size_t cap);

	/*
	 * Blocking commands (CMD_BLOCKING): a handler that found nothing to pop
	 * and may wait calls block() with the keys it waits on (the command's
	 * keys; duplicates are fine) and the deadline (unix ms, 0 = forever),
	 * then returns without writing a reply: the engine parks the command
	 * on this worker, FIFO per key, and later runs the handler again with
	 * c->wake set (see enum cmd_wake), delivering that reply instead.
	 * flags: CMD_BLOCK_NOTIFY for a coordinator's watch (__bwatch), which
	 * may also park as a sub-request. Returns 0 if parked, or -EAGAIN when
	 * the command cannot wait here (a sub-request, a stopping server, no
	 * engine): the handler then replies as on a timeout, as Redis does for
	 * a client that may not block. NULL when nothing can block (tests).
	 */
	int (*block)(struct cmd_env *env, const struct cmd_ctx *c,
		     const struct resp_arg *keys, int nkeys, int64_t deadline_ms,
		     unsigned flags);
	/* CLIENT UNBLOCK: wake client id's blocking command, if it is one of
	 * this worker's clients and is blocked, with its timeout reply
	 * (error false) or Redis's -UNBLOCKED error. 1 if it was blocked, else 0. */
	int (*unblock_client)(struct cmd_env *env, uint64_t id, bool error);
};
#define CMD_BLOCK_NOTIFY 1u

/* Why a parked blocking command runs again. */
enum cmd_wake {
	CMD_WAKE_NONE = 0,    /* first run: pop, or park with env->block */
	CMD_WAKE_KEY = 1,     /* wake_key got data: serve from that key only and
			       * never park; write nothing if it cannot be served
			       * (absent, another type): the command stays parked */
	CMD_WAKE_TIMEOUT = 2, /* deadline passed (or CLIENT UNBLOCK): the timeout reply */
};

/* Context of one command execution. */
struct cmd_ctx {
	struct cmd_env *env;
	struct cmd_client *client;    /* NULL when run as a sub-request */
	const struct cmd_def *def;
	struct reply *r;              /* in the client's protocol (r->resp) */
	int db;
	int argc;
	const struct resp_arg *argv;
	enum cmd_wake wake;               /* blocking commands run again by the engine */
	const struct resp_arg *wake_key;  /* CMD_WAKE_KEY: the key that got data */
};
typedef void (*cmd_handler)(struct cmd_ctx *c);

/* ------------------------------------------------------- coordinators */

struct coord_sub {
	int worker;
	const char *reply;            /* one encoded reply, in the client's protocol */
	size_t len;
};

/*
 * A coordinator runs on the client's worker in phases. Each call either
 * queues sub-requests with send() and returns COORD_WAIT (it is called
 * again, phase + 1, when all their replies are in, visible in sub[] in
 * send order), or writes the final reply to r and returns COORD_DONE.
 * While it runs, the engine holds back the client's later commands, so
 * the client sees the same order as with Redis.
 */
struct coord_ctx {
	struct cmd_env *env;
	struct cmd_client *client;
	const struct cmd_def *def;
	struct reply *r;
	int db;
	int argc;
	const struct resp_arg *argv;  /* stable until COORD_DONE */
	int phase;
	int nsub;
	const struct coord_sub *sub;
	void *state;                  /* the coordinator's own; freed by it before DONE */
	void *host;
	/* queue a sub-request for worker w; argv is copied before it returns */
	void (*send)(struct coord_ctx *cc, int worker, int db,
		     int argc, const struct resp_arg *argv);
	/* Set by a coordinator before it returns COORD_WAIT: call it again as
	 * soon as ONE sub-request of this phase has answered. The others are
	 * cancelled first (a parked __bwatch answers the cancel with an empty
	 * reply, len 0), so every sub[] is in when it is called. Cleared for
	 * each phase. */
	bool wait_any;
	/* Set by the engine when the client went away: the final reply will
	 * be dropped. A pending wait_any phase is cancelled, so a coordinator
	 * that waits for data should then free its state and return
	 * COORD_DONE; others may just finish as usual. */
	bool cancelled;
	/* Set by the engine for CLIENT UNBLOCK during a wait_any phase (which
	 * it then cancels): 1 TIMEOUT, 2 ERROR. The coordinator replies its
	 * timeout reply, or Redis's -UNBLOCKED error. */
	int unblock;
};
enum coord_result { COORD_DONE = 0, COORD_WAIT = 1 };
typedef enum coord_result (*cmd_coord_fn)(struct coord_ctx *cc);

/* --------------------------------------------------------- the table */

/* Flags that drive checks. (COMMAND INFO's full flag list is in the doc data.) */
#define CMD_WRITE    (1u << 0)
#define CMD_READONLY (1u << 1)
#define CMD_DENYOOM  (1u << 2)  /* refused with -OOM when over maxmemory */
#define CMD_ADMIN    (1u << 3)
#define CMD_NOAUTH   (1u << 4)  /* allowed before AUTH (AUTH, HELLO, QUIT ...) */
#define CMD_FAST     (1u << 5)
#define CMD_INTERNAL (1u << 6)  /* sub-requests only; unknown to clients */
#define CMD_CONTAINER (1u << 7) /* has subcommands (CLIENT, CONFIG ...) */
#define CMD_BLOCKING (1u << 8)  /* may park until a key gets data (env->block) */
/* Movable keys (Redis's key spec 0 0 0) given by a numkeys at argv[2], the
 * keys right after it and at least one more argument after them (BLMPOP,
 * BZMPOP): cmd_key_range_argv finds them, so ROUTE_KEYS sends the command
 * to their owner. A bad numkeys gives no keys: the command runs on the
 * client's worker, whose handler replies the error. */
#define CMD_NUMKEYS_AT2 (1u << 9)

enum cmd_route { ROUTE_CONN = 0, ROUTE_KEYS = 1, ROUTE_COORD = 2 };

struct cmd_def {
	const char *name;        /* lower case; subcommands "client|list" */
	int arity;               /* Redis's: -N = at least N */
	uint32_t flags;
	int first_key, last_key, key_step; /* Redis's; last < 0 counts from the end */
	enum cmd_route route;
	cmd_handler handler;
	cmd_coord_fn coord;      /* NULL: keys must be on one worker */
	const struct cmd_def *subcmds; /* containers: array ended by name == NULL */
};

/* Each family file exports its rows, ended by a row with name == NULL. */
extern const struct cmd_def cmd_strings_table[];
extern const struct cmd_def cmd_keys_table[];
extern const struct cmd_def cmd_server_table[];
extern const struct cmd_def cmd_hash_table[];
extern const struct cmd_def cmd_set_table[];
extern const struct cmd_def cmd_zset_table[];
extern const struct cmd_def cmd_list_table[];
extern const struct cmd_def cmd_block_table[];

struct cmd_table *cmd_table_new(void); /* NULL on failure */
void cmd_table_free(struct cmd_table *t);

/* Calls fn for every top-level row of t (internal ones included), in the
 * table's own fixed order. (Added for COMMAND / COMMAND LIST / COUNT.) */
void cmd_table_foreach(const struct cmd_table *t,
		       void (*fn)(void *arg, const struct cmd_def *d), void *arg);

/* Case-insensitive lookup of a top-level name; NULL if unknown or internal
 * (unless allow_internal). */
const struct cmd_def *cmd_lookup(const struct cmd_table *t, const char *name,
				 size_t len, bool allow_internal);

/*
 * What Redis's processCommand checks before running a client's command:
 * unknown command / subcommand, arity, authentication, maxmemory (OOM for
 * CMD_DENYOOM when this worker's shard is over cfg->maxmemory / nworkers).
 * Returns the command (a subcommand's def for containers), or NULL after
 * writing Redis's exact error into r.
 */
const struct cmd_def *cmd_prepare(struct cmd_env *env, struct cmd_client *cl,
				  struct reply *r, int argc, const struct resp_arg *argv);

/* The keys of a command: positions first, first+step, ... last (inclusive);
 * count 0 when it has none. */
int cmd_key_range(const struct cmd_def *def, int argc, int *first, int *last, int *step);
/* Same, also for rows with movable keys (CMD_NUMKEYS_AT2). */
int cmd_key_range_argv(const struct cmd_def *def, int argc, const struct resp_arg *argv,
		       int *first, int *last, int *step);

/* Run a prepared command here (client may be NULL for ROUTE_KEYS commands
 * run for another worker). Sets the shard clock, counts the command. */
void cmd_run(struct cmd_env *env, struct cmd_client *cl, const struct cmd_def *def,
	     int db, struct reply *r, int argc, const struct resp_arg *argv);

/* Run a parked blocking command again (the engine): wake is CMD_WAKE_KEY
 * with the key that got data, or CMD_WAKE_TIMEOUT. client is NULL. */
void cmd_run_wake(struct cmd_env *env, const struct cmd_def *def, int db, struct reply *r,
		  int argc, const struct resp_arg *argv, enum cmd_wake wake,
		  const struct resp_arg *key);

/* Run a coordinator's sub-request here: argv[0] may name an internal command. */
void cmd_run_sub(struct cmd_env *env, int db, struct reply *r,
		 int argc, const struct resp_arg *argv);

/* Owner worker of a key (slot table). */
static inline int cmd_key_owner(const struct cmd_env *env, const char *key, size_t len)
{
	if (env->nworkers == 1)
		return 0; /* the CRC16 is a tenth of a lone worker's time */
	return env->slot_owner[cmd_key_slot(key, len)];
}

/* A fresh client record's defaults (db 0, RESP2, authenticated iff no requirepass). */
void cmd_client_init(struct cmd_client *cl, const struct cmd_env *env, uint64_t id);

#endif
