/* The engine: workers, rings and slot table; start, stop, wait. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"

void engine_fill_slots(uint16_t *slot_owner, int nworkers)
{
	for (int s = 0; s < CMD_SLOTS; s++)
		slot_owner[s] = (uint16_t)((long)s * nworkers / CMD_SLOTS);
}

static void make_run_id(char out[41])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[20];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
		for (size_t i = 0; i < sizeof(rnd); i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			rnd[i] = (unsigned char)(x >> 56);
		}
	}
	for (int i = 0; i < 20; i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[40] = '\0';
}

int engine_resolve_threads(const struct wk_config *cfg)
{
	if (cfg->threads > 0)
		return cfg->threads;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 0 ? (int)cpus : 1;
}

int engine_nworkers(const struct engine *e) { return e->n; }
int engine_stop_fd(const struct engine *e) { return e->stop_fd; }

static void engine_destroy(struct engine *e)
{
	if (e->rings) {
		for (int i = 0; i < e->n * e->n; i++) {
			struct spsc_ring *r = e->rings[i];
			if (!r)
				continue;
			struct msg_batch *b;
			while (spsc_dequeue_burst(r, (void **)&b, 1) == 1) {
				reply_free(&b->buf);
				free(b);
			}
			spsc_free(r);
		}
		free(e->rings);
	}
	if (e->w) {
		for (int i = 0; i < e->n; i++) {
			if (!e->w[i])
				continue;
			config_free(&e->w[i]->cfg);
			free(e->w[i]->outb);
			free(e->w[i]);
		}
		free(e->w);
	}
	if (e->table)
		cmd_table_free(e->table);
	config_free(&e->cfg);
	if (e->stop_fd >= 0)
		close(e->stop_fd);
	free(e);
}

struct engine *engine_new(const struct engine_params *p, char *err, size_t errlen)
{
	struct engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->stop_fd = -1;
	config_init(&e->cfg);
	if (config_clone(&e->cfg, p->cfg) < 0)
		goto nomem;
	e->ops = p->ops;
	e->transport_ctx = p->transport_ctx;
	e->log = p->log;
	snprintf(e->config_file, sizeof(e->config_file), "%s", p->config_file ? p->config_file : "");
	snprintf(e->executable, sizeof(e->executable), "%s", p->executable ? p->executable : "");
	make_run_id(e->run_id);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	e->start_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;

	int n = engine_resolve_threads(&e->cfg);
	if (n > ENGINE_MAX_WORKERS) {
		snprintf(err, errlen, "threads: at most %d workers", ENGINE_MAX_WORKERS);
		engine_destroy(e);
		return NULL;
	}
	e->n = n;
	engine_fill_slots(e->slot_owner, n);
	e->table = cmd_table_new();
	e->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->rings = calloc((size_t)n * (size_t)n, sizeof(*e->rings));
	e->w = calloc((size_t)n, sizeof(*e->w));
	if (!e->table || e->stop_fd < 0 || !e->rings || !e->w)
		goto nomem;
	for (int s = 0; s < n; s++)
		for (int d = 0; d < n; d++)
			if (s != d && !(e->rings[s * n + d] = spsc_new(ENGINE_RING_CAP)))
				goto nomem;
	for (int i = 0; i < n; i++) {
		size_t size = (sizeof(struct worker) + 63) & ~(size_t)63;
		struct worker *w = aligned_alloc(64, size);
		if (!w)
			goto nomem;
		memset(w, 0, size);
		e->w[i] = w;
		config_init(&w->cfg);
		w->e = e;
		w->id = i;
		w->n = n;
		w->ops = e->ops;
		atomic_init(&w->sleeping, 0);
		w->outb = calloc((size_t)n, sizeof(*w->outb));
		if (!w->outb || config_clone(&w->cfg, &e->cfg) < 0)
			goto nomem;
	}
	return e;
nomem:
	snprintf(err, errlen, "out of memory");
	engine_destroy(e);
	return NULL;
}

/* The first set-up error any worker reported. */
static void first_worker_error(struct engine *e, char *err, size_t errlen)
{
	for (int i = 0; i < e->n; i++) {
		if (e->w[i]->err[0] && err[0] == '\0')
			snprintf(err, errlen, "%s", e->w[i]->err);
	}
}

int engine_start(struct engine *e, char *err, size_t errlen)
{
	if (e->ops->check && e->ops->check(&e->cfg, err, errlen) < 0)
		return -1;
	e->pin = true;
	if (pthread_barrier_init(&e->init_barrier, NULL, (unsigned)e->n + 1) != 0) {
		snprintf(err, errlen, "cannot create a barrier");
		return -1;
	}
	/* workers never take signals: the control thread handles them */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int started = 0;
	for (; started < e->n; started++) {
		if (pthread_create(&e->w[started]->thread, NULL, worker_main, e->w[started]) != 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started < e->n) {
		/* cannot happen with a sane system; the started ones are stuck on
		 * the barrier, so there is no clean way back */
		snprintf(err, errlen, "cannot start worker thread %d: %s", started, strerror(errno));
		abort();
	}
	e->started = true; /* before the barrier: workers read it after it */
	pthread_barrier_wait(&e->init_barrier);
	if (atomic_load(&e->init_failed)) {
		first_worker_error(e, err, errlen);
		engine_wait(e);
		if (!err[0])
			snprintf(err, errlen, "worker start-up failed");
		return -1;
	}
	return 0;
}

int engine_run(struct engine *e,
	       int (*run_all)(void *ctx, int n, void *(*fn)(void *), void **args),
	       void *ctx, char *err, size_t errlen)
{
	err[0] = '\0';
	if (e->ops->check && e->ops->check(&e->cfg, err, errlen) < 0)
		return -1;
	void **args = calloc((size_t)e->n, sizeof(*args));
	if (!args) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* only the workers meet at the barrier: the caller may be one of them */
	if (pthread_barrier_init(&e->init_barrier, NULL, (unsigned)e->n) != 0) {
		free(args);
		snprintf(err, errlen, "cannot create a barrier");
		return -1;
	}
	for (int i = 0; i < e->n; i++)
		args[i] = e->w[i];
	e->pin = false;
	e->started = true;
	int rc = run_all(ctx, e->n, worker_main, args);
	free(args);
	if (atomic_load(&e->init_failed)) {
		first_worker_error(e, err, errlen);
		if (!err[0])
			snprintf(err, errlen, "worker start-up failed");
		rc = -1;
	} else if (rc < 0) {
		snprintf(err, errlen, "cannot run the workers on their threads");
	}
	for (int i = 0; i < e->n; i++) {
		if (e->w[i]->status < 0 && rc == 0) {
			snprintf(err, errlen, "worker %d stopped on an error (see the log)", i);
			rc = -1;
		}
	}
	for (int i = 0; i < e->n; i++)
		worker_cleanup(e->w[i]);
	e->started = false;
	pthread_barrier_destroy(&e->init_barrier);
	return rc < 0 ? -1 : 0;
}

void engine_request_stop(struct engine *e)
{
	uint64_t one = 1;
	atomic_store(&e->stop, 1);
	ssize_t rc = write(e->stop_fd, &one, sizeof(one));
	(void)rc;
	if (!e->started)
		return;
	for (int i = 0; i < e->n; i++)
		if (e->w[i]->tp)
			e->ops->wake(e->w[i]);
}

int engine_wait(struct engine *e)
{
	if (!e->started)
		return 0;
	int rc = 0;
	for (int i = 0; i < e->n; i++) {
		pthread_join(e->w[i]->thread, NULL);
		if (e->w[i]->status < 0)
			rc = -1;
	}
	for (int i = 0; i < e->n; i++)
		worker_cleanup(e->w[i]);
	e->started = false;
	pthread_barrier_destroy(&e->init_barrier);
	return rc;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	if (e->started) {
		engine_request_stop(e);
		engine_wait(e);
	}
	engine_destroy(e);
}

/* --------------------------------------------------------------- logging */

void wk_log(const struct wk_log *log, enum loglevel level, const char *fmt, ...)
{
	if (!log || !log->file || level < log->level || level >= LL_NOTHING)
		return;
	static const char marks[] = ".-*#";
	char msg[1024], when[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S", &tm);
	snprintf(when + n, sizeof(when) - n, ".%03ld", ts.tv_nsec / 1000000);
	FILE *f = log->file;
	fprintf(f, "%d:M %s %c %s\n", (int)getpid(), when, marks[level], msg);
	fflush(f);
}
