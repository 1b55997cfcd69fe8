/*
 * lib/engine: the per-core workers of wirekv.
 *
 * Owns the worker threads, each worker's shard, config copy, counters and
 * connections, the slot table (slot -> worker), the SPSC rings between
 * workers, reply ordering, coordinators and the loop that a transport plugs
 * into. Nothing here knows which transport runs below (STYLE.md #3).
 *
 * Threading rule: engine_new / engine_start / engine_wait / engine_free are
 * called by one control thread (app's main). engine_request_stop may be
 * called from any thread and is async-signal-safe. Everything a transport
 * calls (engine_conn_*, worker_*) is called on the worker's own thread, with
 * that worker's objects only; the sole cross-worker call is ops->wake.
 */
#ifndef WIREKV_ENGINE_H
#define WIREKV_ENGINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct engine;
struct worker; /* one per core, owned by its thread */
struct conn;   /* one client connection, owned by its worker */

/* ------------------------------------------------------------- logging */

/* Set up before threads start, read-only afterwards. */
struct wk_log {
	void *file;          /* FILE *: stdout or the logfile */
	enum loglevel level; /* messages below it are dropped */
};

void wk_log(const struct wk_log *log, enum loglevel level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ----------------------------------------------------------- transport */

/*
 * What the engine needs from a transport. All calls except check and wake
 * run on the worker's thread. A transport-private area of conn_priv_size
 * bytes (8-aligned) lives inside every struct conn: engine_conn_priv().
 *
 * Connection life: the transport calls engine_conn_open (accept), then
 * engine_conn_input / engine_conn_sent / engine_conn_eof / engine_conn_error
 * as I/O completes. Only the engine decides to close: it calls close(c),
 * after which the transport finishes or cancels its I/O on c and then, from
 * a later poll (never from inside an ops call), calls engine_conn_closed(c)
 * exactly once and never touches c again.
 */
struct transport_ops {
	const char *name;      /* "uring": INFO io_backend */
	size_t conn_priv_size;

	/* Main thread, before any worker starts: e.g. check the port is free. */
	int (*check)(const struct wk_config *cfg, char *err, size_t errlen);
	/* Worker thread: set up (listening sockets, rings); returns the
	 * transport's state for this worker, or NULL with err filled. */
	void *(*worker_init)(struct worker *w, char *err, size_t errlen);
	void (*worker_fini)(struct worker *w);
	/* Submit queued output, then handle I/O that is ready, calling the
	 * engine_conn_* callbacks. timeout_ms > 0: may sleep in the kernel
	 * that long if nothing is ready (a wake() ends the sleep); 0: never
	 * sleep. Returns 0 or -errno (fatal for the worker). */
	int (*poll)(struct worker *w, int timeout_ms);
	/* Queue the conn's next output chunk (engine_conn_take_output) unless
	 * a send is already in flight. Called at most once per conn per turn. */
	void (*flush)(struct worker *w, struct conn *c);
	/* Stop or resume reading from c (output back-pressure). */
	void (*set_reading)(struct worker *w, struct conn *c, bool on);
	/* Close c (see above). */
	void (*close)(struct worker *w, struct conn *c);
	/* Any thread: make worker dst leave a sleeping poll soon.
	 * Async-signal-safe. */
	void (*wake)(struct worker *dst);
	/* Worker thread: close the listening sockets (graceful stop). */
	void (*stop_accepting)(struct worker *w);
	/* Optional. Worker thread (INFO): this worker's transport figures as
	 * INFO lines ("name:value\r\n") into buf, at most cap bytes; returns
	 * the length. They appear in INFO's "net" section. */
	size_t (*info)(struct worker *w, char *buf, size_t cap);
	/* Optional. Worker thread: unix time in microseconds, for transports
	 * with a cheaper clock than clock_gettime (a polling lcore reads the
	 * clock several times per turn: the TSC). NULL: CLOCK_REALTIME. */
	int64_t (*clock_us)(struct worker *w);
};

/* --------------------------------------------------------- the engine */

struct engine_params {
	const struct wk_config *cfg;      /* copied; threads 0 = online CPUs */
	const struct transport_ops *ops;
	const struct wk_log *log;         /* must outlive the engine */
	const char *config_file;          /* absolute path or "" (INFO) */
	const char *executable;           /* absolute path (INFO) */
	void *transport_ctx;              /* the transport's own (worker_transport_ctx) */
};

struct engine *engine_new(const struct engine_params *p, char *err, size_t errlen);
/* Spawn the workers (worker i pinned to core i % ncpu) and wait until each
 * has set up its transport. 0, or -1 with err filled (nothing left running). */
int engine_start(struct engine *e, char *err, size_t errlen);
/*
 * For transports that own their threads (DPDK lcores), instead of
 * engine_start + engine_wait: run_all(ctx, n, fn, args) must run fn(args[i])
 * for every i < n concurrently, each on its own thread (the caller's thread
 * may be one of them), and return once all have returned. The engine does
 * not pin these threads. Returns when every worker has stopped: 0 if all
 * exited cleanly, -1 with err filled otherwise (a worker's set-up error, as
 * engine_start reports it, or a worker that stopped on an error).
 */
int engine_run(struct engine *e,
	       int (*run_all)(void *ctx, int n, void *(*fn)(void *), void **args),
	       void *ctx, char *err, size_t errlen);
/* Ask every worker to stop gracefully: stop accepting, finish in-flight
 * replies, close clients, exit. Any thread, async-signal-safe. */
void engine_request_stop(struct engine *e);
/* Readable (eventfd) once a stop was requested (e.g. by SHUTDOWN), so the
 * control thread can poll it together with its signals. */
int engine_stop_fd(const struct engine *e);
/* Join the workers. 0 if all exited cleanly, -1 otherwise. */
int engine_wait(struct engine *e);
void engine_free(struct engine *e);
int engine_nworkers(const struct engine *e);

/* The workers a config asks for: threads, or one per online CPU for 0. */
int engine_resolve_threads(const struct wk_config *cfg);

/* ------------------------------------------- for transports: workers */

int worker_id(const struct worker *w);
const struct wk_config *worker_config(const struct worker *w);
const struct wk_log *worker_log(const struct worker *w);
void *worker_transport(const struct worker *w); /* worker_init's result */
void *worker_transport_ctx(const struct worker *w); /* engine_params.transport_ctx */
bool worker_stopping(const struct worker *w);

/* ---------------------------------------- for transports: connections */

/* A connection was accepted. addr/laddr are "ip:port". Returns the conn,
 * or NULL if out of memory (the transport then closes fd). Over maxclients
 * the conn is returned already closing with Redis's error queued. */
struct conn *engine_conn_open(struct worker *w, int fd, const char *addr, const char *laddr);
/* Bytes received. data is writable and only valid during the call: the
 * engine parses it in place and copies what it must keep. */
void engine_conn_input(struct worker *w, struct conn *c, char *data, size_t len);
/* The peer closed its side: the conn closes once its replies are out. */
void engine_conn_eof(struct worker *w, struct conn *c);
/* An I/O error: the conn closes now (pending output is dropped). */
void engine_conn_error(struct worker *w, struct conn *c, int err);
/* The next chunk to send; false if nothing (or a send is in flight). The
 * bytes stay valid and unchanged until engine_conn_sent(). */
bool engine_conn_take_output(struct conn *c, const char **p, size_t *n);
/* The send of the chunk from take_output finished: res bytes went out (may
 * be fewer than asked), or res < 0 is -errno (the conn closes). */
void engine_conn_sent(struct worker *w, struct conn *c, long res);
/* The transport has let go of c (see struct transport_ops). */
void engine_conn_closed(struct worker *w, struct conn *c);
void *engine_conn_priv(struct conn *c);
struct conn *engine_conn_from_priv(void *priv);
bool engine_conn_closing(const struct conn *c);
/* Input bytes the engine holds for c and cannot parse yet (a coordinator
 * runs, output back-pressure): a TCP stack subtracts them from its window.
 * A partial command waiting for more bytes does not count. */
size_t engine_conn_pending_input(const struct conn *c);

/* A hint before a burst of receives: n request payloads, each as it sits
 * in its frame, not yet checked by the TCP stack. The engine prefetches
 * the keys of those that hold one small command (in db 0: the connection
 * is not known yet), so that one-command-per-frame traffic (pipeline 1)
 * overlaps its cache misses across connections as pipelined commands do
 * within one. Reads at most len bytes of each; changes nothing. */
#define ENGINE_HINT_MAX 32
void engine_prefetch_payloads(struct worker *w, const char *const *data,
			      const size_t *len, int n);

#endif
