/*
 * wirekv-loadgen: a memtier-like Redis load generator on wirekv's own TCP
 * stack (lib/net, active open) over a DPDK port, for measuring the DPDK
 * data path without a kernel on either side (net_memif between two
 * processes, or a real NIC).
 *
 * One stack per EAL lcore; connection i belongs to lcore i % lcores, and
 * its local port is chosen so that the flow's software-steering owner is
 * that lcore (tcp_connect's owner/nowners). Each connection keeps
 * `pipeline` requests in flight; every reply is parsed and checked: a SET
 * must answer +OK, a GET of a key must answer nil or exactly the value
 * lg_value() gives for that key (a pure function of key index, seed and
 * data size, so any lcore, any run with the same seed, recomputes it).
 *
 * Threading rule: struct lg_lcore and its connections belong to one lcore;
 * struct lg_shared is written once before the lcores start (options, port)
 * plus a few atomics for start-up (ARP result, readiness barrier).
 */
#ifndef WIREKV_LOADGEN_H
#define WIREKV_LOADGEN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

struct tcp_conn;
struct net_stack;
struct port_lcore;
struct dpdk_port;

/* ------------------------------------------------------------ options */

struct lg_opts {
	const char *dpdk_args;
	const char *ip;               /* ours, a.b.c.d/prefix */
	uint32_t server_ip;           /* host order */
	uint16_t server_port;
	int dpdk_port;
	int mtu;
	unsigned clients;             /* connections in all, spread over the lcores */
	unsigned pipeline;            /* requests in flight per connection */
	unsigned ratio_set, ratio_get;
	char key_prefix[64];
	unsigned key_digits;          /* index zero-padded to this width (0: not padded) */
	uint64_t key_min, key_max;
	char set_pattern, get_pattern;/* 'R' random, 'S' sequential, 'G' gaussian */
	unsigned data_size;
	uint64_t requests;            /* per connection; 0 = run for test_time */
	double test_time;             /* seconds */
	uint64_t seed;
	bool json;
	bool linger;                  /* keep the link up after the report until SIGTERM/SIGINT */
	double connect_timeout;       /* seconds: link, ARP, handshakes */
	int64_t poison_key;           /* testing: SET this key to a wrong value first; -1 = off */
	bool prefill;                 /* SET every key of the range once before the run */
	uint64_t prefill_seed;        /* the values' seed for that (default: seed) */
};

/* Parse argv into o (defaults first). 0; 1 after --help; -1 with a message
 * on stderr. */
int lg_opts_parse(struct lg_opts *o, int argc, char **argv);

/* ------------------------------------------------------------ latency histogram */

/* Log-bucketed: values below 2^LG_HIST_SUB_BITS are exact, above that each
 * power of two is split into 2^LG_HIST_SUB_BITS buckets (error < 1/32). */
#define LG_HIST_SUB_BITS 5
#define LG_HIST_BUCKETS ((64 - LG_HIST_SUB_BITS + 1) << LG_HIST_SUB_BITS)

struct lg_hist {
	uint64_t count, sum, max;     /* nanoseconds */
	uint64_t b[LG_HIST_BUCKETS];
};

static inline unsigned lg_hist_index(uint64_t v)
{
	if (v < (1u << LG_HIST_SUB_BITS))
		return (unsigned)v;
	unsigned k = 63u - (unsigned)__builtin_clzll(v);      /* k >= SUB_BITS */
	unsigned sub = (unsigned)(v >> (k - LG_HIST_SUB_BITS)) & ((1u << LG_HIST_SUB_BITS) - 1);
	return ((k - LG_HIST_SUB_BITS + 1) << LG_HIST_SUB_BITS) + sub;
}

static inline void lg_hist_add(struct lg_hist *h, uint64_t ns)
{
	h->count++;
	h->sum += ns;
	if (ns > h->max)
		h->max = ns;
	h->b[lg_hist_index(ns)]++;
}

void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src);
/* The upper bound (ns) of the bucket holding the q-quantile (0..1); the
 * max itself for q = 1; 0 when empty. */
uint64_t lg_hist_quantile(const struct lg_hist *h, double q);
/* Upper bound (ns) of bucket i. */
uint64_t lg_hist_bucket_top(unsigned i);

/* ------------------------------------------------------------ workload */

enum lg_op { LG_SET, LG_GET, LG_POISON, LG_FILL };

struct lg_rng {
	uint64_t s;
};

uint64_t lg_rng_next(struct lg_rng *r);

/* What one lcore needs to encode and check requests (read-only after
 * lg_workload_init). */
struct lg_workload {
	const struct lg_opts *o;
	char *pattern;                /* data_size + LG_PATTERN_SPAN printable bytes */
	size_t max_request;           /* bytes one encoded request may take */
};

#define LG_PATTERN_SPAN 61

int lg_workload_init(struct lg_workload *w, const struct lg_opts *o);
void lg_workload_fini(struct lg_workload *w);
/* The value of key k: data_size bytes into out. */
void lg_value(const struct lg_workload *w, uint64_t k, char *out);
/* True when p[0..n) is the value of key k. */
bool lg_value_ok(const struct lg_workload *w, uint64_t k, const char *p, size_t n);
/* Encode SET k value / GET k into out (room for max_request); bytes written. */
size_t lg_encode(const struct lg_workload *w, enum lg_op op, uint64_t k, char *out);

/* Per-connection key cursor: sequential patterns walk their own slice. */
struct lg_keygen {
	uint64_t seq_set, seq_get;
	struct lg_rng rng;
};

void lg_keygen_init(struct lg_keygen *g, const struct lg_opts *o, unsigned conn, unsigned nconns);
uint64_t lg_next_key(struct lg_keygen *g, const struct lg_opts *o, enum lg_op op);

/* ------------------------------------------------------------ per lcore */

struct lg_counts {
	uint64_t sets, gets, hits, misses;
	uint64_t bytes_out, bytes_in;
	uint64_t err_mismatch;        /* GET returned another value than the key's */
	uint64_t err_reply;           /* an error reply (-ERR ...) */
	uint64_t err_protocol;        /* unexpected reply type, or bytes that are not RESP */
	uint64_t err_conn;            /* reset, refused, timed out, closed by the server */
	uint64_t lost;                /* requests in flight on a connection that failed */
};

static inline uint64_t lg_errors(const struct lg_counts *c)
{
	return c->err_mismatch + c->err_reply + c->err_protocol + c->err_conn;
}

struct lg_shared;

struct lg_inflight {
	uint64_t tsc;                 /* when it was encoded */
	uint64_t key;
	uint8_t op;                   /* enum lg_op */
};

enum lg_conn_state { LG_CONNECTING, LG_OPEN, LG_CLOSING, LG_DONE };

struct lg_conn {
	struct lg_lcore *lc;
	struct tcp_conn *tc;          /* NULL once the stack let go */
	unsigned id;                  /* 0..clients-1 */
	enum lg_conn_state state;
	bool failed;
	struct lg_keygen keys;
	unsigned ratio_pos;
	uint64_t issued;              /* requests encoded (for --requests) */
	/* in-flight FIFO, pipeline (+1 for the poison SET) entries */
	struct lg_inflight *fifo;
	unsigned head, count, cap;
	/* encoded, not yet taken by tcp_send */
	char *obuf;
	size_t olen, ooff, ocap;
	/* a reply cut at a segment boundary */
	char *ibuf;
	size_t ilen, icap;
};

struct lg_lcore {
	_Alignas(64) unsigned idx;    /* 0..nlcores-1 == port queue */
	unsigned lcore_id;
	struct lg_shared *sh;
	struct port_lcore *pl;
	struct net_stack *ns;
	struct lg_workload wl;
	struct lg_opts fill_opts;     /* --prefill: the options with --prefill-seed */
	struct lg_workload wl_fill;   /* and the values of that seed */
	struct lg_conn *conns;
	unsigned nconns, nopen, nclosed;
	bool issuing;                 /* measuring: new requests are encoded */
	uint64_t now_tsc;
	uint64_t start_tsc, stop_tsc, last_reply_tsc;
	uint64_t busy_cycles, idle_cycles;
	uint64_t last_tsc;
	bool busy;
	struct lg_counts cnt;
	struct lg_hist hist_set, hist_get;
	unsigned reported;            /* mismatches written to stderr */
	char failure[256];            /* set-up failure, if any */
};

struct lg_shared {
	const struct lg_opts *o;
	struct dpdk_port *port;
	unsigned nlcores;
	uint64_t tsc_hz;
	uint64_t ns_mult;             /* ns = (cycles * ns_mult) >> 32 */
	struct lg_lcore **lcores;
	_Atomic int arp;              /* 0 asking, 1 resolved (server_mac set), -1 failed */
	struct rte_ether_addr server_mac;
	_Atomic unsigned ready;       /* lcores connected (or failed) */
	_Atomic bool abort;           /* an lcore failed to set up: everyone stops */
};

/* The lcore body (dpdk_run_all's fn): arg is the lg_lcore. */
void *lg_lcore_main(void *arg);

/* Connection events and work (lg_conn.c), on the lcore owning c. */
int lg_conn_init(struct lg_conn *c, struct lg_lcore *lc, unsigned id);
void lg_conn_fini(struct lg_conn *c);
/* Fill the pipeline (while issuing) and push encoded bytes to TCP. */
void lg_conn_pump(struct lg_conn *c);
/* Queue the testing SET of --poison-key. */
void lg_conn_poison(struct lg_conn *c);
/* --prefill: queue SETs of keys *next.. last (with --prefill-seed's values)
 * while the pipeline has room, and send them. */
void lg_conn_fill(struct lg_conn *c, uint64_t *next, uint64_t last);
extern const struct net_app_ops lg_app_ops;

/* ------------------------------------------------------------ report */

struct lg_result {
	const struct lg_opts *o;
	unsigned nlcores;
	struct lg_lcore **lcores;
	uint64_t tsc_hz;
	struct lg_counts cnt;
	struct lg_hist all, set, get;
	double seconds;               /* the measured window */
};

void lg_result_gather(struct lg_result *r, const struct lg_shared *sh);
void lg_report_text(const struct lg_result *r);
void lg_report_json(const struct lg_result *r);

#endif
