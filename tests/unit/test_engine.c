/*
 * lib/engine: the SPSC ring, slot routing, and the engine itself driven
 * through a loopback transport (no sockets): reply order across workers,
 * pipelining split at every byte, coordinators, clients that vanish with
 * replies outstanding, limits, graceful stop.
 */
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "engine/engine.h"
#include "engine/engine_int.h"
#include "engine/ring.h"
#include "cunit_main.h"

/* ================================================================ ring */

static void test_ring_single_thread(void)
{
	struct spsc_ring *r = spsc_new(5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(spsc_capacity(r), 8);
	void *out[16];
	CU_ASSERT_EQUAL(spsc_dequeue_burst(r, out, 4), 0); /* empty */
	void *in[16];
	for (uintptr_t i = 0; i < 16; i++)
		in[i] = (void *)(i + 1);
	CU_ASSERT_EQUAL(spsc_enqueue_burst(r, in, 3), 3);
	CU_ASSERT_EQUAL(spsc_count(r), 3);
	CU_ASSERT_EQUAL(spsc_enqueue_burst(r, in + 3, 10), 5); /* only 5 fit */
	CU_ASSERT_EQUAL(spsc_enqueue_burst(r, in, 1), 0);      /* full */
	CU_ASSERT_EQUAL(spsc_dequeue_burst(r, out, 2), 2);
	CU_ASSERT_PTR_EQUAL(out[0], in[0]);
	CU_ASSERT_PTR_EQUAL(out[1], in[1]);
	CU_ASSERT_EQUAL(spsc_dequeue_burst(r, out, 16), 6);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_PTR_EQUAL(out[i], in[i + 2]);
	CU_ASSERT_EQUAL(spsc_count(r), 0);
	/* wraparound: many rounds of odd-sized bursts keep FIFO order */
	uintptr_t next_in = 1, next_out = 1;
	for (int round = 0; round < 1000; round++) {
		void *tmp[7];
		unsigned k = (unsigned)(round % 7) + 1;
		for (unsigned i = 0; i < k; i++)
			tmp[i] = (void *)(next_in + i);
		unsigned put = spsc_enqueue_burst(r, tmp, k);
		next_in += put;
		unsigned got = spsc_dequeue_burst(r, out, (unsigned)(round % 5) + 1);
		for (unsigned i = 0; i < got; i++)
			CU_ASSERT_EQUAL_FATAL((uintptr_t)out[i], next_out++);
	}
	unsigned got;
	while ((got = spsc_dequeue_burst(r, out, 16)))
		for (unsigned i = 0; i < got; i++)
			CU_ASSERT_EQUAL_FATAL((uintptr_t)out[i], next_out++);
	CU_ASSERT_EQUAL(next_in, next_out);
	spsc_free(r);
}

#define RING_MSGS 10000000u

static void *ring_producer(void *arg)
{
	struct spsc_ring *r = arg;
	void *batch[32];
	uintptr_t next = 1;
	while (next <= RING_MSGS) {
		unsigned k = 0;
		while (k < 32 && next + k <= RING_MSGS) {
			batch[k] = (void *)(next + k);
			k++;
		}
		unsigned put = spsc_enqueue_burst(r, batch, k);
		next += put;
	}
	return NULL;
}

static void test_ring_two_threads(void)
{
	struct spsc_ring *r = spsc_new(1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	pthread_t t;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, ring_producer, r), 0);
	uintptr_t expect = 1;
	bool ok = true;
	void *out[64];
	while (expect <= RING_MSGS) {
		unsigned got = spsc_dequeue_burst(r, out, 64);
		for (unsigned i = 0; i < got; i++) {
			if ((uintptr_t)out[i] != expect)
				ok = false;
			expect++;
		}
	}
	pthread_join(t, NULL);
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(expect, RING_MSGS + 1);
	CU_ASSERT_EQUAL(spsc_count(r), 0);
	spsc_free(r);
}

/* ========================================================= slot routing */

/* CRC16-XMODEM, bit by bit: an independent reference */
static unsigned crc16_ref(const char *p, size_t n)
{
	unsigned crc = 0;
	for (size_t i = 0; i < n; i++) {
		crc ^= (unsigned)(unsigned char)p[i] << 8;
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
	}
	return crc;
}

static void test_key_slot_vectors(void)
{
	CU_ASSERT_EQUAL(crc16_ref("123456789", 9), 0x31C3);
	/* Redis Cluster spec: CRC16("123456789") = 0x31C3 */
	CU_ASSERT_EQUAL(cmd_key_slot("123456789", 9), 0x31C3 % 16384);
	CU_ASSERT_EQUAL(cmd_key_slot("foo", 3), 12182);
	CU_ASSERT_EQUAL(cmd_key_slot("{user1000}.following", 20),
			cmd_key_slot("{user1000}.followers", 20));
	CU_ASSERT_EQUAL(cmd_key_slot("{user1000}.following", 20), cmd_key_slot("user1000", 8));
	/* empty tag: the whole key */
	CU_ASSERT_EQUAL(cmd_key_slot("foo{}{bar}", 10), crc16_ref("foo{}{bar}", 10) % 16384);
	CU_ASSERT_NOT_EQUAL(cmd_key_slot("foo{}{bar}", 10), cmd_key_slot("bar", 3));
	/* first '{' to first '}' after it */
	CU_ASSERT_EQUAL(cmd_key_slot("foo{{bar}}zap", 13), cmd_key_slot("{bar", 4));
	CU_ASSERT_EQUAL(cmd_key_slot("foo{bar}{zap}", 13), cmd_key_slot("bar", 3));
	CU_ASSERT_EQUAL(cmd_key_slot("foo{bar", 7), crc16_ref("foo{bar", 7) % 16384);
	CU_ASSERT_EQUAL(cmd_key_slot("", 0), 0);
	for (int i = 0; i < 1000; i++) {
		char k[32];
		int n = snprintf(k, sizeof(k), "k%d", i);
		CU_ASSERT_EQUAL_FATAL(cmd_key_slot(k, (size_t)n), crc16_ref(k, (size_t)n) % 16384);
	}
}

static void test_slot_table(void)
{
	static uint16_t owner[CMD_SLOTS];
	for (int n = 1; n <= 7; n++) {
		engine_fill_slots(owner, n);
		CU_ASSERT_EQUAL(owner[0], 0);
		CU_ASSERT_EQUAL(owner[CMD_SLOTS - 1], n - 1);
		int count[8] = {0};
		for (int s = 0; s < CMD_SLOTS; s++) {
			count[owner[s]]++;
			if (s)
				CU_ASSERT_TRUE_FATAL(owner[s] == owner[s - 1] || owner[s] == owner[s - 1] + 1);
		}
		for (int w = 0; w < n; w++) {
			CU_ASSERT_TRUE(count[w] >= CMD_SLOTS / n - 1);
			CU_ASSERT_TRUE(count[w] <= CMD_SLOTS / n + 1);
		}
	}
	engine_fill_slots(owner, 2);
	CU_ASSERT_EQUAL(owner[8191], 0);
	CU_ASSERT_EQUAL(owner[8192], 1);
}

/* ================================================= loopback transport */

/*
 * A transport without sockets: the test thread queues "connect", "input"
 * and "peer closed" events for a worker; the worker's poll delivers them,
 * captures output into per-connection buffers, and completes sends and
 * closes on its next poll, the way a real transport would.
 */
#define FT_CONNS 64

struct ft_event {
	int type; /* 0 open, 1 input, 2 eof */
	int id;
	char *data;
	size_t len;
	struct ft_event *next;
};

struct ftc {
	int id;
	bool closing;
};

struct ft_pending {
	struct conn *c;
	long sent; /* -1: closed */
};

struct ft_worker {
	struct worker *w;
	pthread_mutex_t mu;
	struct ft_event *head, *tail;
	int efd;
	struct ft_pending pend[FT_CONNS * 4];
	int npend;
	struct conn *conns[FT_CONNS]; /* open conns by test id */
};

struct ft_shared {
	pthread_mutex_t mu;
	char *out[FT_CONNS];
	size_t outlen[FT_CONNS];
	bool opened[FT_CONNS], closed[FT_CONNS];
	struct ft_worker *fw[8];
	_Atomic int accepting;
};

static struct ft_shared ft; /* the transport has no user argument: test-only global */

static void ft_out_append(int id, const char *p, size_t n)
{
	pthread_mutex_lock(&ft.mu);
	ft.out[id] = realloc(ft.out[id], ft.outlen[id] + n + 1);
	memcpy(ft.out[id] + ft.outlen[id], p, n);
	ft.outlen[id] += n;
	ft.out[id][ft.outlen[id]] = '\0';
	pthread_mutex_unlock(&ft.mu);
}

static void *ft_init(struct worker *w, char *err, size_t errlen)
{
	struct ft_worker *f = calloc(1, sizeof(*f));
	f->w = w;
	pthread_mutex_init(&f->mu, NULL);
	f->efd = eventfd(0, EFD_NONBLOCK);
	pthread_mutex_lock(&ft.mu);
	ft.fw[worker_id(w)] = f;
	pthread_mutex_unlock(&ft.mu);
	return f;
}

static void ft_fini(struct worker *w)
{
	struct ft_worker *f = worker_transport(w);
	while (f->head) {
		struct ft_event *ev = f->head;
		f->head = ev->next;
		free(ev->data);
		free(ev);
	}
	close(f->efd);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

static int ft_poll(struct worker *w, int timeout_ms)
{
	struct ft_worker *f = worker_transport(w);
	/* completions of the previous turn's sends and closes */
	int npend = f->npend;
	struct ft_pending pend[FT_CONNS * 4];
	memcpy(pend, f->pend, sizeof(pend[0]) * (size_t)npend);
	f->npend = 0;
	for (int i = 0; i < npend; i++) {
		struct ftc *fc = engine_conn_priv(pend[i].c);
		if (pend[i].sent >= 0) {
			if (!fc->closing)
				engine_conn_sent(w, pend[i].c, pend[i].sent);
		} else {
			int id = fc->id;
			f->conns[id] = NULL;
			engine_conn_closed(w, pend[i].c);
			pthread_mutex_lock(&ft.mu);
			ft.closed[id] = true;
			pthread_mutex_unlock(&ft.mu);
		}
	}
	pthread_mutex_lock(&f->mu);
	struct ft_event *ev = f->head;
	f->head = f->tail = NULL;
	pthread_mutex_unlock(&f->mu);
	if (!ev && !npend && timeout_ms > 0) {
		struct pollfd p = { .fd = f->efd, .events = POLLIN };
		poll(&p, 1, timeout_ms);
		uint64_t v;
		if (read(f->efd, &v, sizeof(v)) < 0)
			v = 0;
		pthread_mutex_lock(&f->mu);
		ev = f->head;
		f->head = f->tail = NULL;
		pthread_mutex_unlock(&f->mu);
	}
	/* the DPDK transport's hint over a burst: reads stay inside each
	 * payload (ASan: each is its own allocation) whatever it holds */
	const char *hint[ENGINE_HINT_MAX];
	size_t hlen[ENGINE_HINT_MAX];
	int nhint = 0;
	for (struct ft_event *h = ev; h && nhint < ENGINE_HINT_MAX; h = h->next)
		if (h->type == 1) {
			hint[nhint] = h->data;
			hlen[nhint++] = h->len;
		}
	engine_prefetch_payloads(w, hint, hlen, nhint);
	struct conn **conns = f->conns;
	while (ev) {
		struct ft_event *next = ev->next;
		if (ev->type == 0) {
			struct conn *c = engine_conn_open(w, -1, "127.0.0.1:5000", "127.0.0.1:6379");
			*(struct ftc *)engine_conn_priv(c) = (struct ftc){ .id = ev->id };
			conns[ev->id] = c;
			pthread_mutex_lock(&ft.mu);
			ft.opened[ev->id] = true;
			pthread_mutex_unlock(&ft.mu);
		} else if (conns[ev->id] && !engine_conn_closing(conns[ev->id])) {
			if (ev->type == 1)
				engine_conn_input(w, conns[ev->id], ev->data, ev->len);
			else
				engine_conn_eof(w, conns[ev->id]);
		}
		free(ev->data);
		free(ev);
		ev = next;
	}
	return 0;
}

static void ft_flush(struct worker *w, struct conn *c)
{
	struct ft_worker *f = worker_transport(w);
	const char *p;
	size_t n;
	if (!engine_conn_take_output(c, &p, &n))
		return;
	/* a short write now and then, to exercise resumed sends */
	size_t take = n > 10 && (n % 3) == 0 ? n / 2 : n;
	ft_out_append(((struct ftc *)engine_conn_priv(c))->id, p, take);
	f->pend[f->npend++] = (struct ft_pending){ c, (long)take };
}

static void ft_set_reading(struct worker *w, struct conn *c, bool on) { (void)w; (void)c; (void)on; }

static void ft_close(struct worker *w, struct conn *c)
{
	struct ft_worker *f = worker_transport(w);
	((struct ftc *)engine_conn_priv(c))->closing = true;
	f->pend[f->npend++] = (struct ft_pending){ c, -1 }; /* after any send in flight */
}

static void ft_wake(struct worker *dst)
{
	struct ft_worker *f = worker_transport(dst);
	uint64_t one = 1;
	ssize_t rc = write(f->efd, &one, sizeof(one));
	(void)rc;
}

static void ft_stop_accepting(struct worker *w) { atomic_store(&ft.accepting, 0); }

static const struct transport_ops ft_ops = {
	.name = "loopback",
	.conn_priv_size = sizeof(struct ftc),
	.worker_init = ft_init,
	.worker_fini = ft_fini,
	.poll = ft_poll,
	.flush = ft_flush,
	.set_reading = ft_set_reading,
	.close = ft_close,
	.wake = ft_wake,
	.stop_accepting = ft_stop_accepting,
};

static void ft_push(int worker, int type, int id, const char *data, size_t len)
{
	struct ft_event *ev = calloc(1, sizeof(*ev));
	ev->type = type;
	ev->id = id;
	if (len) {
		ev->data = malloc(len);
		memcpy(ev->data, data, len);
		ev->len = len;
	}
	struct ft_worker *f = ft.fw[worker];
	pthread_mutex_lock(&f->mu);
	if (f->tail)
		f->tail->next = ev;
	else
		f->head = ev;
	f->tail = ev;
	pthread_mutex_unlock(&f->mu);
	uint64_t one = 1;
	ssize_t rc = write(f->efd, &one, sizeof(one));
	(void)rc;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until conn id's output has at least n bytes (or 10 s). */
static size_t ft_wait_out(int id, size_t n)
{
	int64_t deadline = mono_ms() + 10000;
	for (;;) {
		pthread_mutex_lock(&ft.mu);
		size_t have = ft.outlen[id];
		pthread_mutex_unlock(&ft.mu);
		if (have >= n || mono_ms() > deadline)
			return have;
		usleep(1000);
	}
}

static bool ft_wait_flag(bool *flag)
{
	int64_t deadline = mono_ms() + 10000;
	for (;;) {
		pthread_mutex_lock(&ft.mu);
		bool v = *flag;
		pthread_mutex_unlock(&ft.mu);
		if (v || mono_ms() > deadline)
			return v;
		usleep(1000);
	}
}

static struct engine *ft_engine(int nworkers, const char *extra_name, const char *extra_value)
{
	memset(ft.fw, 0, sizeof(ft.fw));
	for (int i = 0; i < FT_CONNS; i++) {
		free(ft.out[i]);
		ft.out[i] = NULL;
		ft.outlen[i] = 0;
		ft.opened[i] = ft.closed[i] = false;
	}
	atomic_store(&ft.accepting, 1);
	struct wk_config cfg;
	config_init(&cfg);
	cfg.threads = nworkers;
	if (extra_name) {
		char eb[128];
		CU_ASSERT_EQUAL_FATAL(config_set(&cfg, extra_name, extra_value, eb, sizeof(eb)), 0);
	}
	static const struct wk_log quiet = { .file = NULL, .level = LL_NOTHING };
	struct engine_params p = { .cfg = &cfg, .ops = &ft_ops, .log = &quiet,
				   .config_file = "", .executable = "/test" };
	char err[256] = "";
	struct engine *e = engine_new(&p, err, sizeof(err));
	config_free(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL_FATAL(engine_start(e, err, sizeof(err)), 0);
	return e;
}

static void ft_engine_stop(struct engine *e)
{
	engine_request_stop(e);
	CU_ASSERT_EQUAL(engine_wait(e), 0);
	engine_free(e);
	for (int i = 0; i < FT_CONNS; i++) {
		free(ft.out[i]);
		ft.out[i] = NULL;
		ft.outlen[i] = 0;
	}
}

/* A key named prefix<N> owned by worker w of n. */
static void key_on(int w, int n, const char *prefix, char *out, size_t outlen)
{
	static uint16_t owner[CMD_SLOTS];
	engine_fill_slots(owner, n);
	for (int i = 0;; i++) {
		if (snprintf(out, outlen, "%s%d", prefix, i) >= (int)outlen)
			abort(); /* the caller's buffer is too small */
		if (owner[cmd_key_slot(out, strlen(out))] == w)
			return;
	}
}

struct sb {
	char *s;
	size_t len;
};

static void sb_cat(struct sb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	b->s = realloc(b->s, b->len + (size_t)n + 1);
	memcpy(b->s + b->len, tmp, (size_t)n + 1);
	b->len += (size_t)n;
}

static void sb_cmd(struct sb *b, int argc, const char **argv)
{
	sb_cat(b, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++)
		sb_cat(b, "$%zu\r\n%s\r\n", strlen(argv[i]), argv[i]);
}

/* Pipelined INCRs alternating between a local and a remote key, with a
 * cross-worker MGET in the middle and GETs after it: every reply in order,
 * whatever way the bytes are split. */
static void run_order_test(struct engine *e, int id, int worker, size_t chunk)
{
	char ka[32], kb[32];
	key_on(worker, 2, "a", ka, sizeof(ka));
	key_on(!worker, 2, "b", kb, sizeof(kb));
	char ka2[40], kb2[40];
	snprintf(ka2, sizeof(ka2), "%s-%d", ka, id);
	snprintf(kb2, sizeof(kb2), "%s-%d", kb, id);
	/* the suffix may move the key: find ones with the intended owners */
	key_on(worker, 2, ka2, ka, sizeof(ka));
	key_on(!worker, 2, kb2, kb, sizeof(kb));

	struct sb in = {0}, want = {0};
	for (int i = 1; i <= 300; i++) { /* > CONN_MAX_INFLIGHT remote replies in flight */
		const char *c1[] = { "INCR", kb };
		const char *c2[] = { "INCR", ka };
		sb_cmd(&in, 2, c1);
		sb_cmd(&in, 2, c2);
		sb_cat(&want, ":%d\r\n:%d\r\n", i, i);
		if (i % 20 == 0) {
			const char *c3[] = { "MGET", ka, kb, "nokey" };
			sb_cmd(&in, 4, c3);
			int d = snprintf(NULL, 0, "%d", i);
			sb_cat(&want, "*3\r\n$%d\r\n%d\r\n$%d\r\n%d\r\n$-1\r\n", d, i, d, i);
			const char *c4[] = { "GET", kb };
			sb_cmd(&in, 2, c4);
			sb_cat(&want, "$%d\r\n%d\r\n", d, i);
		}
	}
	ft_push(worker, 0, id, NULL, 0);
	for (size_t off = 0; off < in.len; off += chunk)
		ft_push(worker, 1, id, in.s + off, off + chunk <= in.len ? chunk : in.len - off);
	size_t have = ft_wait_out(id, want.len);
	CU_ASSERT_EQUAL(have, want.len);
	pthread_mutex_lock(&ft.mu);
	CU_ASSERT_TRUE(ft.out[id] && memcmp(ft.out[id], want.s, want.len) == 0);
	if (!ft.out[id] || memcmp(ft.out[id], want.s, want.len) != 0)
		fprintf(stderr, "\nchunk %zu: got %zu bytes: %.200s\n", chunk, have,
			ft.out[id] ? ft.out[id] : "");
	pthread_mutex_unlock(&ft.mu);
	free(in.s);
	free(want.s);
	(void)e;
}

static void test_engine_reply_order(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	int id = 0;
	/* whole pipeline at once, byte by byte, and odd sizes, on both workers */
	size_t chunks[] = { 1 << 20, 1, 2, 3, 7, 13, 64, 1000 };
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		for (int w = 0; w < 2; w++)
			run_order_test(e, id++, w, chunks[i]);
	ft_engine_stop(e);
}

static void test_engine_one_worker(void)
{
	struct engine *e = ft_engine(1, NULL, NULL);
	ft_push(0, 0, 0, NULL, 0);
	const char *in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\n*2\r\n$4\r\nMGET\r\n$1\r\nk\r\n";
	ft_push(0, 1, 0, in, strlen(in));
	const char *want = "+OK\r\n$1\r\nv\r\n*1\r\n$1\r\nv\r\n";
	CU_ASSERT_EQUAL(ft_wait_out(0, strlen(want)), strlen(want));
	CU_ASSERT_STRING_EQUAL(ft.out[0], want);
	ft_engine_stop(e);
}

/* Protocol error: Redis's text, then the connection closes; commands
 * before it are answered. */
static void test_engine_protocol_error(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	ft_push(0, 0, 0, NULL, 0);
	const char *in = "SET a 1\r\n*1\r\n$x\r\n";
	ft_push(0, 1, 0, in, strlen(in));
	CU_ASSERT_TRUE(ft_wait_flag(&ft.closed[0]));
	pthread_mutex_lock(&ft.mu);
	CU_ASSERT_PTR_NOT_NULL(ft.out[0]);
	if (ft.out[0]) {
		CU_ASSERT_NSTRING_EQUAL(ft.out[0], "+OK\r\n-ERR Protocol error: ", 26);
	}
	pthread_mutex_unlock(&ft.mu);
	ft_engine_stop(e);
}

/* QUIT answers +OK and closes after it; later commands are not run. */
static void test_engine_quit(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char kb[32];
	key_on(1, 2, "q", kb, sizeof(kb));
	ft_push(0, 0, 0, NULL, 0);
	struct sb in = {0};
	sb_cat(&in, "SET %s 1\r\nQUIT\r\nSET %s 2\r\n", kb, kb);
	ft_push(0, 1, 0, in.s, in.len);
	CU_ASSERT_TRUE(ft_wait_flag(&ft.closed[0]));
	CU_ASSERT_STRING_EQUAL(ft.out[0], "+OK\r\n+OK\r\n");
	ft_push(0, 0, 1, NULL, 0);
	sb_cat(&in, "");
	const char *get = "GET ";
	struct sb g = {0};
	sb_cat(&g, "%s%s\r\n", get, kb);
	ft_push(0, 1, 1, g.s, g.len);
	CU_ASSERT_EQUAL(ft_wait_out(1, 7), 7);
	CU_ASSERT_STRING_EQUAL(ft.out[1], "$1\r\n1\r\n");
	free(in.s);
	free(g.s);
	ft_engine_stop(e);
}

/* Clients that vanish while their replies are being computed elsewhere:
 * nothing leaks or crashes (the ASan build checks), other clients go on. */
static void test_engine_disconnect_mid_request(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char kb[32];
	key_on(1, 2, "d", kb, sizeof(kb));
	for (int id = 0; id < 20; id++) {
		struct sb in = {0};
		for (int i = 0; i < 200; i++)
			sb_cat(&in, "SET %s %d\r\nMGET %s a b c\r\n", kb, i, kb);
		ft_push(0, 0, id, NULL, 0);
		ft_push(0, 1, id, in.s, in.len);
		ft_push(0, 2, id, NULL, 0); /* peer closed right after sending */
		free(in.s);
	}
	for (int id = 0; id < 20; id++)
		CU_ASSERT_TRUE(ft_wait_flag(&ft.closed[id]));
	ft_push(1, 0, 30, NULL, 0);
	struct sb g = {0};
	sb_cat(&g, "GET %s\r\n", kb);
	ft_push(1, 1, 30, g.s, g.len);
	CU_ASSERT_EQUAL(ft_wait_out(30, 9), 9);
	CU_ASSERT_STRING_EQUAL(ft.out[30], "$3\r\n199\r\n");
	free(g.s);
	ft_engine_stop(e);
}

/* maxclients: the client over the limit gets Redis's error and is closed. */
static void test_engine_maxclients(void)
{
	struct engine *e = ft_engine(2, "maxclients", "2");
	ft_push(0, 0, 0, NULL, 0);
	ft_push(1, 0, 1, NULL, 0);
	CU_ASSERT_TRUE(ft_wait_flag(&ft.opened[0]));
	CU_ASSERT_TRUE(ft_wait_flag(&ft.opened[1]));
	ft_push(0, 0, 2, NULL, 0);
	CU_ASSERT_TRUE(ft_wait_flag(&ft.closed[2]));
	CU_ASSERT_STRING_EQUAL(ft.out[2], "-ERR max number of clients reached\r\n");
	CU_ASSERT_FALSE(ft.closed[0]);
	ft_engine_stop(e);
}

/* A query buffer over the limit closes the client. */
static void test_engine_query_limit(void)
{
	struct engine *e = ft_engine(1, "client-query-buffer-limit", "1mb");
	ft_push(0, 0, 0, NULL, 0);
	const char *hdr = "*2\r\n$3\r\nGET\r\n$2000000\r\n";
	ft_push(0, 1, 0, hdr, strlen(hdr));
	char *junk = calloc(1, 64 * 1024);
	memset(junk, 'x', 64 * 1024);
	for (int i = 0; i < 20; i++)
		ft_push(0, 1, 0, junk, 64 * 1024);
	free(junk);
	CU_ASSERT_TRUE(ft_wait_flag(&ft.closed[0]));
	ft_engine_stop(e);
}

/* SHUTDOWN stops the engine: the stop fd becomes readable. */
static void test_engine_shutdown_command(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	ft_push(1, 0, 0, NULL, 0);
	ft_push(1, 1, 0, "SHUTDOWN\r\n", 10);
	struct pollfd p = { .fd = engine_stop_fd(e), .events = POLLIN };
	CU_ASSERT_EQUAL(poll(&p, 1, 10000), 1);
	CU_ASSERT_EQUAL(engine_wait(e), 0);
	engine_free(e);
	for (int i = 0; i < FT_CONNS; i++) {
		free(ft.out[i]);
		ft.out[i] = NULL;
		ft.outlen[i] = 0;
	}
}

/* ====================================================== blocking commands */

static uint64_t ft_blocked(struct engine *e)
{
	uint64_t n = 0;
	for (int i = 0; i < e->n; i++)
		n += __atomic_load_n(&e->w[i]->stats.blocked_clients, __ATOMIC_RELAXED);
	return n;
}

/* Wait until n clients are blocked (or 10 s). */
static bool ft_wait_blocked(struct engine *e, uint64_t n)
{
	int64_t deadline = mono_ms() + 10000;
	while (ft_blocked(e) != n && mono_ms() < deadline)
		usleep(1000);
	return ft_blocked(e) == n;
}

/* Wait until n commands are parked on worker w (or 10 s): blocked_clients
 * counts a remote one as soon as it is sent, before it parks. */
static bool ft_wait_parked(struct engine *e, int w, uint64_t n)
{
	int64_t deadline = mono_ms() + 10000;
	while (__atomic_load_n(&e->w[w]->blk.nwaiters, __ATOMIC_RELAXED) != n &&
	       mono_ms() < deadline)
		usleep(1000);
	return __atomic_load_n(&e->w[w]->blk.nwaiters, __ATOMIC_RELAXED) == n;
}

static void ft_sendf(int worker, int id, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ft_push(worker, 1, id, buf, (size_t)n);
}

/* conn id's whole output is want (waits up to 10 s for its length). */
static bool ft_out_is(int id, const char *want)
{
	size_t have = ft_wait_out(id, strlen(want));
	pthread_mutex_lock(&ft.mu);
	bool ok = have == strlen(want) && ft.out[id] && memcmp(ft.out[id], want, have) == 0;
	if (!ok)
		fprintf(stderr, "\nconn %d: want %s got %.*s\n", id, want, (int)ft.outlen[id],
			ft.out[id] ? ft.out[id] : "");
	pthread_mutex_unlock(&ft.mu);
	return ok;
}

static size_t ft_outlen(int id)
{
	pthread_mutex_lock(&ft.mu);
	size_t n = ft.outlen[id];
	pthread_mutex_unlock(&ft.mu);
	return n;
}

/* A parked BLPOP on this worker is served by a push from another conn;
 * the blocked conn's pipelined command runs only after its reply. */
static void test_block_local_wake(void)
{
	struct engine *e = ft_engine(1, NULL, NULL);
	ft_push(0, 0, 0, NULL, 0);
	ft_push(0, 0, 1, NULL, 0);
	ft_sendf(0, 0, "BLPOP k 0\r\nPING\r\n");
	CU_ASSERT_TRUE(ft_wait_blocked(e, 1));
	CU_ASSERT_EQUAL(ft_outlen(0), 0);
	ft_sendf(0, 1, "RPUSH k v w\r\nLLEN k\r\n");
	CU_ASSERT_TRUE(ft_out_is(1, ":2\r\n:1\r\n"));
	CU_ASSERT_TRUE(ft_out_is(0, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n+PONG\r\n"));
	CU_ASSERT_EQUAL(ft_blocked(e), 0);
	ft_engine_stop(e);
}

/* Key on worker 1, blocked client on worker 0 (the command parks remotely),
 * pushes from either worker. */
static void test_block_remote_wake(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char k[32];
	key_on(1, 2, "rw", k, sizeof(k));
	ft_push(0, 0, 0, NULL, 0);
	ft_push(0, 0, 1, NULL, 0);
	ft_push(1, 0, 2, NULL, 0);
	ft_sendf(0, 0, "BRPOP %s 0\r\nPING\r\nBLPOP %s 0\r\nECHO x\r\n", k, k);
	CU_ASSERT_TRUE(ft_wait_blocked(e, 1));
	ft_sendf(0, 1, "RPUSH %s a\r\n", k);
	CU_ASSERT_TRUE(ft_out_is(1, ":1\r\n"));
	CU_ASSERT_TRUE(ft_wait_blocked(e, 1)); /* the second BLPOP */
	ft_sendf(1, 2, "LPUSH %s b\r\n", k);
	CU_ASSERT_TRUE(ft_out_is(2, ":1\r\n"));
	char want[256];
	snprintf(want, sizeof(want), "*2\r\n$%zu\r\n%s\r\n$1\r\na\r\n+PONG\r\n"
		 "*2\r\n$%zu\r\n%s\r\n$1\r\nb\r\n$1\r\nx\r\n", strlen(k), k, strlen(k), k);
	CU_ASSERT_TRUE(ft_out_is(0, want));
	ft_engine_stop(e);
}

/* Three clients (both workers) blocked on one key are served in the
 * order they blocked; LPUSH of three serves them all. */
static void test_block_fifo(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char k[32];
	key_on(1, 2, "ff", k, sizeof(k));
	for (int id = 0; id < 3; id++) {
		ft_push(id % 2, 0, id, NULL, 0);
		ft_sendf(id % 2, id, "BRPOP %s 0\r\n", k);
		CU_ASSERT_TRUE(ft_wait_parked(e, 1, (uint64_t)id + 1));
	}
	ft_push(0, 0, 3, NULL, 0);
	ft_sendf(0, 3, "LPUSH %s c b a\r\nEXISTS %s\r\n", k, k);
	CU_ASSERT_TRUE(ft_out_is(3, ":3\r\n:0\r\n"));
	const char *el[] = { "c", "b", "a" };
	for (int id = 0; id < 3; id++) {
		char want[128];
		snprintf(want, sizeof(want), "*2\r\n$%zu\r\n%s\r\n$1\r\n%s\r\n", strlen(k), k, el[id]);
		CU_ASSERT_TRUE(ft_out_is(id, want));
	}
	ft_engine_stop(e);
}

/* Timeouts: the null array after about the timeout, local, remote and
 * across workers; a waiter of another type stays parked. */
static void test_block_timeout(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char k0[32], k1[32];
	key_on(0, 2, "t", k0, sizeof(k0));
	key_on(1, 2, "t", k1, sizeof(k1));
	ft_push(0, 0, 0, NULL, 0);
	ft_push(0, 0, 1, NULL, 0);
	int64_t t0 = mono_ms();
	ft_sendf(0, 0, "BLPOP %s 0.1\r\nBLPOP %s 0.1\r\nBLPOP %s %s 0.1\r\nBZPOPMIN %s 0.1\r\n",
		 k0, k1, k0, k1, k1);
	/* a list created meanwhile does not end a BZPOPMIN */
	CU_ASSERT_TRUE(ft_wait_out(0, 15) >= 15);
	CU_ASSERT_TRUE(ft_wait_parked(e, 1, 1));
	ft_sendf(0, 1, "RPUSH %s l\r\n", k1);
	CU_ASSERT_TRUE(ft_out_is(0, "*-1\r\n*-1\r\n*-1\r\n*-1\r\n"));
	int64_t took = mono_ms() - t0;
	CU_ASSERT_TRUE(took >= 390);
	CU_ASSERT_TRUE(took < 5000);
	CU_ASSERT_EQUAL(ft_blocked(e), 0);
	ft_engine_stop(e);
}

/* Clients that leave while blocked (locally, remotely, across workers):
 * nothing is popped for them, nothing leaks (ASan). */
static void test_block_disconnect(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char k0[32], k1[32];
	key_on(0, 2, "dc", k0, sizeof(k0));
	key_on(1, 2, "dc", k1, sizeof(k1));
	ft_push(0, 0, 0, NULL, 0);
	ft_push(1, 0, 1, NULL, 0);
	ft_push(0, 0, 2, NULL, 0);
	ft_push(1, 0, 3, NULL, 0);
	ft_sendf(0, 0, "BLPOP %s 0\r\n", k1);           /* remote */
	ft_sendf(1, 1, "BLPOP %s 0\r\n", k1);           /* local */
	ft_sendf(0, 2, "BLPOP %s %s 0\r\n", k0, k1);    /* coordinator */
	CU_ASSERT_TRUE(ft_wait_blocked(e, 3));
	for (int id = 0; id < 3; id++) {
		ft_push(id == 1 ? 1 : 0, 2, id, NULL, 0);
		CU_ASSERT_TRUE(ft_wait_flag(&ft.closed[id]));
	}
	CU_ASSERT_TRUE(ft_wait_blocked(e, 0));
	ft_sendf(1, 3, "RPUSH %s x\r\nLLEN %s\r\nRPUSH %s y\r\nLLEN %s\r\n", k1, k1, k0, k0);
	CU_ASSERT_TRUE(ft_out_is(3, ":1\r\n:1\r\n:1\r\n:1\r\n"));
	ft_engine_stop(e);
}

/* Keys on both workers: the coordinator's watch wakes on either key,
 * BLMOVE moves across workers, CLIENT UNBLOCK ends a watch. */
static void test_block_cross_worker(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char k0[32], k1[32], want[256];
	key_on(0, 2, "x", k0, sizeof(k0));
	key_on(1, 2, "x", k1, sizeof(k1));
	ft_push(0, 0, 0, NULL, 0);
	ft_push(1, 0, 1, NULL, 0);
	ft_sendf(0, 0, "CLIENT ID\r\n");
	CU_ASSERT_TRUE(ft_out_is(0, ":1\r\n")); /* the first client of worker 0 */
	ft_sendf(0, 0, "BLPOP %s %s 0\r\n", k0, k1);
	CU_ASSERT_TRUE(ft_wait_blocked(e, 1));
	ft_sendf(1, 1, "RPUSH %s v\r\n", k1);
	snprintf(want, sizeof(want), ":1\r\n*2\r\n$%zu\r\n%s\r\n$1\r\nv\r\n", strlen(k1), k1);
	CU_ASSERT_TRUE(ft_out_is(0, want));
	ft_sendf(0, 0, "BLMOVE %s %s LEFT RIGHT 0\r\n", k1, k0);
	CU_ASSERT_TRUE(ft_wait_blocked(e, 1));
	ft_sendf(1, 1, "RPUSH %s m\r\n", k1);
	size_t len = strlen(want);
	snprintf(want + len, sizeof(want) - len, "$1\r\nm\r\n");
	CU_ASSERT_TRUE(ft_out_is(0, want));
	ft_sendf(0, 0, "LRANGE %s 0 -1\r\nEXISTS %s\r\nDEL %s\r\nBZPOPMAX %s %s 0\r\n",
		 k0, k1, k0, k0, k1);
	len = strlen(want);
	snprintf(want + len, sizeof(want) - len, "*1\r\n$1\r\nm\r\n:0\r\n:1\r\n");
	CU_ASSERT_TRUE(ft_out_is(0, want));
	CU_ASSERT_TRUE(ft_wait_blocked(e, 1));
	ft_sendf(1, 1, "CLIENT UNBLOCK 1 ERROR\r\n");
	len = strlen(want);
	snprintf(want + len, sizeof(want) - len, "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n");
	CU_ASSERT_TRUE(ft_out_is(0, want));
	CU_ASSERT_TRUE(ft_wait_blocked(e, 0));
	ft_engine_stop(e);
}

/* A stop with blocked clients does not wait for them (the graceful stop
 * would otherwise hold on for STOP_DRAIN_MS). */
static void test_block_stop(void)
{
	struct engine *e = ft_engine(2, NULL, NULL);
	char k0[32], k1[32];
	key_on(0, 2, "s", k0, sizeof(k0));
	key_on(1, 2, "s", k1, sizeof(k1));
	for (int id = 0; id < 6; id++) {
		ft_push(id % 2, 0, id, NULL, 0);
		if (id < 2)
			ft_sendf(id % 2, id, "BLPOP %s 0\r\n", k0);
		else if (id < 4)
			ft_sendf(id % 2, id, "BLPOP %s %s 0\r\n", k1, k0);
		else
			ft_sendf(id % 2, id, "BLMOVE %s %s LEFT LEFT 0\r\n", k1, k0);
	}
	CU_ASSERT_TRUE(ft_wait_blocked(e, 6));
	int64_t t0 = mono_ms();
	engine_request_stop(e);
	CU_ASSERT_EQUAL(engine_wait(e), 0);
	CU_ASSERT_TRUE(mono_ms() - t0 < STOP_DRAIN_MS - 200);
	engine_free(e);
	for (int i = 0; i < FT_CONNS; i++) {
		free(ft.out[i]);
		ft.out[i] = NULL;
		ft.outlen[i] = 0;
	}
}

int main(void)
{
	static const struct cunit_test ring_tests[] = {
		{ "single thread: full, empty, wraparound", test_ring_single_thread },
		{ "two threads: 10M messages in order", test_ring_two_threads },
	};
	static const struct cunit_test slots_tests[] = {
		{ "key slot vectors (cluster spec)", test_key_slot_vectors },
		{ "slot table ranges", test_slot_table },
	};
	static const struct cunit_test eng_tests[] = {
		{ "reply order across workers, any split", test_engine_reply_order },
		{ "one worker", test_engine_one_worker },
		{ "protocol error closes", test_engine_protocol_error },
		{ "QUIT", test_engine_quit },
		{ "disconnect mid-request", test_engine_disconnect_mid_request },
		{ "maxclients", test_engine_maxclients },
		{ "query buffer limit", test_engine_query_limit },
		{ "SHUTDOWN command", test_engine_shutdown_command },
	};
	static const struct cunit_test block_tests[] = {
		{ "local wake, held pipeline", test_block_local_wake },
		{ "remote wake from either worker", test_block_remote_wake },
		{ "FIFO among blocked clients", test_block_fifo },
		{ "timeouts", test_block_timeout },
		{ "disconnect while blocked", test_block_disconnect },
		{ "keys on several workers, CLIENT UNBLOCK", test_block_cross_worker },
		{ "stop with blocked clients", test_block_stop },
	};
	static const struct cunit_suite suites[] = {
		{ "ring", NULL, NULL, ring_tests, CUNIT_COUNT(ring_tests) },
		{ "slots", NULL, NULL, slots_tests, CUNIT_COUNT(slots_tests) },
		{ "engine", NULL, NULL, eng_tests, CUNIT_COUNT(eng_tests) },
		{ "block", NULL, NULL, block_tests, CUNIT_COUNT(block_tests) },
	};

	pthread_mutex_init(&ft.mu, NULL);
	return cunit_run(suites, CUNIT_COUNT(suites));
}
