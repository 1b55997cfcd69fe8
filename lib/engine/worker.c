/*
 * One worker: its thread, its loop, the services its handlers call.
 *
 * The loop, like DPDK's l2fwd: read the clock once, let the transport do
 * its I/O (sleeping in the kernel only when there is nothing else to do),
 * take the other workers' batches, resume coordinators and held input,
 * flush each dirty conn once, post one batch per destination, then a
 * bounded slice of housekeeping.
 *
 * Sleeping handshake (no wake-up is lost): the sleeper sets `sleeping`,
 * fences, re-checks its rings and only then sleeps; a sender publishes on
 * the ring, fences, and wakes the destination if `sleeping` is set (the
 * exchange makes only one sender pay for the wake-up).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine_int.h"

static int64_t clock_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t worker_clock_us(struct worker *w)
{
	return w->ops->clock_us ? w->ops->clock_us(w) : clock_us();
}

int worker_id(const struct worker *w) { return w->id; }
const struct wk_config *worker_config(const struct worker *w) { return &w->cfg; }
const struct wk_log *worker_log(const struct worker *w) { return w->e->log; }
void *worker_transport(const struct worker *w) { return w->tp; }
void *worker_transport_ctx(const struct worker *w) { return w->e->transport_ctx; }
bool worker_stopping(const struct worker *w) { return w->stopping; }

int worker_argv_reserve(struct worker *w, int argc)
{
	if (argc <= w->argv_cap)
		return 0;
	int cap = w->argv_cap ? w->argv_cap : 64;
	while (cap < argc)
		cap *= 2;
	struct resp_arg *a = realloc(w->argv, sizeof(*a) * (size_t)cap);
	if (!a)
		return -ENOMEM;
	w->argv = a;
	w->argv_cap = cap;
	return 0;
}

static void worker_set_time(struct worker *w, int64_t now_us)
{
	w->env.now_us = now_us;
	w->env.now_ms = now_us / 1000;
	w->now_ms = w->env.now_ms;
	shard_set_time(w->env.shard, w->now_ms);
}

/* The first input after a sleep reads the clock again, so commands never
 * run with the time from before the sleep. */
void worker_refresh_clock(struct worker *w)
{
	if (w->clock_stale) {
		w->clock_stale = false;
		worker_set_time(w, worker_clock_us(w));
	}
}

void worker_wake(struct worker *from, int dst)
{
	struct worker *d = from->e->w[dst];
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&d->sleeping, memory_order_relaxed) &&
	    atomic_exchange(&d->sleeping, 0))
		from->ops->wake(d);
}

/* ------------------------------------------------------------ services */

static struct conn *conn_of(struct cmd_client *cl)
{
	return (struct conn *)((char *)cl - offsetof(struct conn, client));
}

static void svc_foreach_client(struct cmd_env *env, void (*fn)(void *, struct cmd_client *),
			       void *arg)
{
	struct worker *w = env->host;
	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (c->flags & CONN_CLOSE_REQ)
			continue;
		struct cmd_client *cl = &c->client;
		cl->qbuf = c->qlen;
		cl->qbuf_free = c->qcap - c->qlen;
		cl->obl = c->out[c->fill].len;
		cl->oll = c->slot_count;
		cl->omem = conn_unsent(c) + conn_slots_bytes(c);
		cl->tot_mem = sizeof(*c) + c->qcap + c->out[0].cap + c->out[1].cap + cl->omem;
		fn(arg, cl);
	}
}

static void svc_kill_client(struct cmd_env *env, struct cmd_client *cl)
{
	struct worker *w = env->host;
	/* another client (the caller is closed after its reply by CLIENT
	 * KILL's coordinator): Redis frees it at once, output and all, so a
	 * client that stopped reading cannot outlive its kill */
	conn_close(w, conn_of(cl));
}

static void svc_shutdown(struct cmd_env *env)
{
	struct worker *w = env->host;
	engine_request_stop(w->e);
}

static size_t svc_transport_info(struct cmd_env *env, char *buf, size_t cap)
{
	struct worker *w = env->host;
	return w->ops->info(w, buf, cap);
}

static void worker_env_init(struct worker *w)
{
	struct engine *e = w->e;
	struct cmd_env *env = &w->env;
	env->worker_id = w->id;
	env->nworkers = w->n;
	env->cfg = &w->cfg;
	env->stats = &w->stats;
	env->table = e->table;
	env->slot_owner = e->slot_owner;
	env->start_ms = e->start_ms;
	env->run_id = e->run_id;
	env->executable = e->executable;
	env->config_file = e->config_file;
	env->tcp_port = w->cfg.port;
	env->io_backend = e->ops->name;
	env->rand_state = ((uint64_t)e->start_ms * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)(w->id + 1) * 0xbf58476d1ce4e5b9ULL;
	env->host = w;
	env->foreach_client = svc_foreach_client;
	env->kill_client = svc_kill_client;
	env->shutdown = svc_shutdown;
	env->transport_info = e->ops->info ? svc_transport_info : NULL;
	block_init(w);
}

/* --------------------------------------------------------------- phases */

static void worker_drain_rings(struct worker *w)
{
	struct msg_batch *b[32];
	for (int src = 0; src < w->n; src++) {
		if (src == w->id)
			continue;
		struct spsc_ring *r = engine_ring(w->e, src, w->id);
		unsigned k = spsc_dequeue_burst(r, (void **)b, 32);
		for (unsigned i = 0; i < k; i++)
			msg_process_batch(w, b[i]);
	}
}

static bool worker_rings_pending(struct worker *w)
{
	for (int src = 0; src < w->n; src++)
		if (src != w->id && spsc_count(engine_ring(w->e, src, w->id)))
			return true;
	return false;
}

static void worker_free_if_unused(struct worker *w, struct conn *c)
{
	if ((c->flags & CONN_DEAD) && c->refs == 0 && !(c->flags & (CONN_DIRTY | CONN_RESUME)))
		conn_free(w, c);
}

static void worker_resume(struct worker *w)
{
	struct conn *c = w->resume_head;
	w->resume_head = NULL;
	while (c) {
		struct conn *next = c->resume_next;
		c->flags &= ~CONN_RESUME;
		if (c->flags & CONN_DEAD)
			worker_free_if_unused(w, c);
		else
			conn_process_qbuf(w, c);
		c = next;
	}
}

static void worker_flush(struct worker *w)
{
	struct conn *c = w->flush_head;
	w->flush_head = NULL;
	while (c) {
		struct conn *next = c->flush_next;
		c->flags &= ~CONN_DIRTY;
		if (c->flags & CONN_DEAD) {
			worker_free_if_unused(w, c);
		} else if (!(c->flags & CONN_CLOSE_REQ)) {
			if (!(c->flags & CONN_SENDING) && conn_unsent(c))
				w->ops->flush(w, c);
			conn_maybe_finish(w, c);
		}
		c = next;
	}
}

static bool worker_has_work(struct worker *w)
{
	if (w->flush_head || w->resume_head || w->ready_head)
		return true;
	for (int d = 0; d < w->n; d++)
		if (w->outb[d] && w->outb[d]->nrec)
			return true;
	return false;
}

/* Housekeeping at cfg->hz: active expiry, idle clients. */
static void worker_hz(struct worker *w)
{
	int hz = w->cfg.hz > 0 ? w->cfg.hz : 10;
	w->next_hz_ms = w->now_ms + 1000 / hz;
	/* like Redis's active expire: go on while a quarter of the sample expired */
	for (int i = 0; i < 16; i++)
		if (shard_active_expire(w->env.shard, 20) < 5)
			break;
	if (w->cfg.timeout > 0) {
		int64_t limit = w->now_ms - w->cfg.timeout * 1000;
		for (struct conn *c = w->conns, *next; c; c = next) {
			next = c->next;
			/* Redis's lastinteraction: reads and writes count,
			 * so a client that stopped reading times out too */
			if (!(c->flags & CONN_CLOSE_REQ) && c->client.last_ms < limit &&
			    !(c->flags & CONN_HELD))
				conn_close(w, c);
		}
	}
	for (struct conn *c = w->conns; c; c = c->next)
		if (c->soft_since_ms)
			conn_check_output_limits(w, c);
}

/*
 * Graceful stop, in three stages; returns true when this worker may leave
 * its loop. (1) Stop accepting. For STOP_GRACE_MS, keep serving: input
 * clients had already sent may still sit in the kernel's socket buffers, and
 * their replies are what a graceful stop owes them; a conn that is idle (no
 * work, no input in this turn) is closed at once. (2) Then every conn is
 * treated as at EOF: what was received runs, its replies go out, it closes.
 * (3) At STOP_DRAIN_MS whatever is left is closed.
 */
static bool worker_stop_step(struct worker *w)
{
	struct engine *e = w->e;
	if (!w->stopping) {
		w->stopping = true;
		w->stop_deadline_ms = w->now_ms + STOP_DRAIN_MS;
		w->stop_grace_ms = w->now_ms + STOP_GRACE_MS;
		w->ops->stop_accepting(w);
	}
	/* clients waiting in blocking commands would hold the stop up: close
	 * them (Redis's shutdown drops them too); no new command parks now */
	for (struct conn *c = w->conns, *next; c; c = next) {
		next = c->next;
		if (!(c->flags & CONN_CLOSE_REQ) && conn_blocked(c))
			conn_close(w, c);
	}
	if (!w->stop_eof) {
		bool grace_over = w->now_ms >= w->stop_grace_ms;
		for (struct conn *c = w->conns, *next; c; c = next) {
			next = c->next;
			if (c->flags & (CONN_CLOSING | CONN_CLOSE_REQ | CONN_DEAD))
				continue;
			bool idle = !conn_has_work(c) && !c->qlen && !(c->flags & CONN_HELD) &&
				    c->rx_turn + 1 < w->stats.loop_turns; /* input is stamped before the turn count moves */
			if (grace_over || idle) {
				/* like a peer's EOF: run what was received
				 * (also input held back behind replies from
				 * other workers), answer it, then close */
				c->flags |= CONN_EOF;
				conn_process_qbuf(w, c);
			}
		}
		w->stop_eof = grace_over;
	}
	/* drained once no conn is left, not even a closed one whose replies
	 * from other workers are still on their way */
	if (!w->drained && w->nconns == 0 && w->nalloc == 0) {
		w->drained = true;
		atomic_fetch_add(&e->ndrained, 1);
	}
	if (atomic_load(&e->ndrained) == w->n)
		return true;
	if (w->now_ms > w->stop_deadline_ms) {
		for (struct conn *c = w->conns; c; c = c->next)
			conn_close(w, c);
		if (w->nconns == 0 || w->now_ms > w->stop_deadline_ms + 1000)
			return true;
	}
	return false;
}

static int worker_sleep_ms(struct worker *w)
{
	if (w->stopping)
		return 10;
	int64_t ms = w->next_hz_ms - w->now_ms;
	int64_t dl = block_next_deadline(w);
	if (dl && dl - w->now_ms < ms)
		ms = dl - w->now_ms; /* wake for a blocked command's timeout */
	return ms < 1 ? 1 : (int)ms;
}

static int worker_loop(struct worker *w)
{
	struct engine *e = w->e;
	int64_t prev_us = worker_clock_us(w);
	worker_set_time(w, prev_us);
	w->next_hz_ms = w->now_ms;
	for (;;) {
		int timeout = 0;
		int64_t idle_from = 0;
		if (!worker_has_work(w)) {
			atomic_store(&w->sleeping, 1);
			atomic_thread_fence(memory_order_seq_cst);
			if (worker_rings_pending(w) ||
			    (atomic_load_explicit(&e->stop, memory_order_relaxed) && !w->stopping)) {
				atomic_store(&w->sleeping, 0);
			} else {
				timeout = worker_sleep_ms(w);
				idle_from = worker_clock_us(w);
				w->clock_stale = true;
			}
		}
		int rc = w->ops->poll(w, timeout);
		if (timeout)
			atomic_store_explicit(&w->sleeping, 0, memory_order_relaxed);
		if (rc < 0)
			return rc;
		int64_t now = worker_clock_us(w);
		w->clock_stale = false;
		if (idle_from) {
			w->stats.loop_busy_us += (uint64_t)(idle_from - prev_us);
			w->stats.loop_idle_us += (uint64_t)(now - idle_from);
		} else {
			w->stats.loop_busy_us += (uint64_t)(now - prev_us);
		}
		prev_us = now;
		worker_set_time(w, now);
		w->stats.loop_turns++;

		worker_drain_rings(w);
		block_expire(w);
		coord_run_ready(w);
		worker_resume(w);
		worker_flush(w);
		msg_post_all(w);

		/* rehash in step with the writes (Redis moves a bucket per
		 * operation), so a growing table never runs far behind */
		shard_rehash_step(w->env.shard, 100 + 4 * (int)w->turn_cmds);
		w->turn_cmds = 0;
		if (w->now_ms >= w->next_hz_ms)
			worker_hz(w);
		if (atomic_load_explicit(&e->stop, memory_order_relaxed) && worker_stop_step(w))
			return 0;
	}
}

/* Pin to the (id % n)-th CPU this process may run on. */
static void worker_pin(struct worker *w)
{
	cpu_set_t allowed, one;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return;
	int count = CPU_COUNT(&allowed);
	if (count <= 0)
		return;
	int want = w->id % count;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		if (want-- == 0) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
			return;
		}
	}
}

/* After every worker thread has exited (engine_wait): the transport's
 * state outlives all threads, so a late wake() never touches freed memory. */
void worker_cleanup(struct worker *w)
{
	if (w->tp) {
		w->ops->worker_fini(w);
		w->tp = NULL;
	}
	block_fini(w); /* before the conns and the shard its waiters point at */
	while (w->conns) {
		struct conn *c = w->conns;
		w->conns = c->next;
		conn_free(w, c);
	}
	msg_free_all(w);
	free(w->argv);
	w->argv = NULL;
	if (w->env.shard) {
		shard_free(w->env.shard);
		w->env.shard = NULL;
	}
}

void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct engine *e = w->e;
	char name[16];
	snprintf(name, sizeof(name), "wirekv-w%d", w->id);
	if (e->pin) {
		pthread_setname_np(pthread_self(), name);
		worker_pin(w);
	}
	worker_env_init(w);
	w->env.shard = shard_new(w->cfg.databases);
	if (!w->env.shard)
		snprintf(w->err, sizeof(w->err), "worker %d: cannot create its shard", w->id);
	else
		w->tp = w->ops->worker_init(w, w->err, sizeof(w->err));
	if (!w->tp)
		atomic_store(&e->init_failed, 1);
	pthread_barrier_wait(&e->init_barrier);
	if (atomic_load(&e->init_failed)) {
		w->status = w->tp ? 0 : -1;
		return NULL;
	}
	int rc = worker_loop(w);
	if (rc < 0) {
		wk_log(e->log, LL_WARNING, "worker %d stopped: %s", w->id, strerror(-rc));
		w->status = -1;
		engine_request_stop(e);
		if (!w->drained) {
			w->drained = true;
			atomic_fetch_add(&e->ndrained, 1);
		}
	}
	return NULL; /* engine_wait tears down the transport, conns and shard */
}
