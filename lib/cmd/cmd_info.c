/* INFO [section ...]: Redis 7.0's sections and field names where wirekv has
 * the figure, plus "wirekv" with one line per worker. The coordinator asks
 * every worker (__info) for its counters and keyspace sizes and sums them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd/cmd_server_int.h"
#include "cmd/cmd_util.h"

#ifndef WIREKV_VERSION
#define WIREKV_VERSION "0.0.0"
#endif

/* __info reply: an array of integers in this order, then keys and expires
 * of each database, then (if the transport keeps figures) one bulk string
 * with its INFO lines. */
enum {
	F_CONNS_RECEIVED, F_REJECTED, F_COMMANDS, F_ERRORS, F_NET_IN, F_NET_OUT,
	F_HITS, F_MISSES, F_CONNECTED, F_RING_IN, F_RING_OUT, F_CROSS, F_COORD,
	F_LOOP_TURNS, F_LOOP_BUSY, F_LOOP_IDLE, F_USED_MEMORY, F_EXPIRED, F_NDB,
	F_BLOCKED, F_IN_TIMEOUT_TABLE,
	F_COUNT
};

void cmd_int_info(struct cmd_ctx *c)
{
	const struct cmd_stats *s = c->env->stats;
	int ndb = shard_ndb(c->env->shard);
	char net[1024];
	size_t netlen = c->env->transport_info ? c->env->transport_info(c->env, net, sizeof(net)) : 0;
	if (netlen > sizeof(net))
		netlen = sizeof(net);
	reply_array(c->r, F_COUNT + 2L * ndb + (netlen ? 1 : 0));
	const uint64_t v[F_COUNT] = {
		[F_CONNS_RECEIVED] = s->total_connections_received,
		[F_REJECTED] = s->rejected_connections,
		[F_COMMANDS] = s->total_commands_processed,
		[F_ERRORS] = s->total_error_replies,
		[F_NET_IN] = s->net_input_bytes,
		[F_NET_OUT] = s->net_output_bytes,
		[F_HITS] = s->keyspace_hits,
		[F_MISSES] = s->keyspace_misses,
		[F_CONNECTED] = s->connected_clients,
		[F_RING_IN] = s->ring_msgs_in,
		[F_RING_OUT] = s->ring_msgs_out,
		[F_CROSS] = s->cross_worker_cmds,
		[F_COORD] = s->coord_cmds,
		[F_LOOP_TURNS] = s->loop_turns,
		[F_LOOP_BUSY] = s->loop_busy_us,
		[F_LOOP_IDLE] = s->loop_idle_us,
		[F_USED_MEMORY] = shard_used_memory(c->env->shard),
		[F_EXPIRED] = shard_stats(c->env->shard)->expired_keys,
		[F_NDB] = (uint64_t)ndb,
		[F_BLOCKED] = s->blocked_clients,
		[F_IN_TIMEOUT_TABLE] = s->clients_in_timeout_table,
	};
	for (int i = 0; i < F_COUNT; i++)
		reply_int(c->r, (long long)v[i]);
	for (int db = 0; db < ndb; db++) {
		reply_int(c->r, (long long)shard_dbsize(c->env->shard, db));
		reply_int(c->r, (long long)shard_expires(c->env->shard, db));
	}
	if (netlen)
		reply_bulk(c->r, net, netlen);
}

/* One worker's figures as read back from its __info reply. */
struct worker_info {
	unsigned long long f[F_COUNT];
	unsigned long long *db; /* keys, expires per db */
	const char *net;        /* transport lines (in the sub reply), or NULL */
	size_t netlen;
};

struct info_totals {
	int nworkers;
	struct worker_info *w;
	unsigned long long sum[F_COUNT];
	int ndb;
	unsigned long long *keys, *expires;
};

static int read_subs(const struct coord_ctx *cc, struct info_totals *t)
{
	t->nworkers = cc->nsub;
	t->w = calloc((size_t)cc->nsub, sizeof(*t->w));
	if (!t->w)
		return -1;
	for (int s = 0; s < cc->nsub; s++) {
		const char *buf = cc->sub[s].reply;
		size_t len = cc->sub[s].len, pos = 0;
		struct resp_item it;
		if (resp_read_item(buf, len, &pos, &it) != 0 || it.type != '*' || it.ival < F_COUNT)
			continue;
		long long n = it.ival;
		struct worker_info *w = &t->w[s];
		w->db = calloc((size_t)(n - F_COUNT) + 1, sizeof(*w->db));
		if (!w->db)
			return -1;
		for (long long i = 0; i < n; i++) {
			if (resp_read_item(buf, len, &pos, &it) != 0)
				break;
			if (it.type == '$') {
				w->net = it.ptr;
				w->netlen = it.len;
			} else if (i < F_COUNT) {
				w->f[i] = (unsigned long long)it.ival;
			} else {
				w->db[i - F_COUNT] = (unsigned long long)it.ival;
			}
		}
		for (int i = 0; i < F_COUNT; i++)
			t->sum[i] += w->f[i];
		if ((int)w->f[F_NDB] > t->ndb)
			t->ndb = (int)w->f[F_NDB];
	}
	t->keys = calloc((size_t)t->ndb + 1, sizeof(*t->keys));
	t->expires = calloc((size_t)t->ndb + 1, sizeof(*t->expires));
	if (!t->keys || !t->expires)
		return -1;
	for (int s = 0; s < t->nworkers; s++) {
		for (int db = 0; db < (int)t->w[s].f[F_NDB]; db++) {
			t->keys[db] += t->w[s].db[2 * db];
			t->expires[db] += t->w[s].db[2 * db + 1];
		}
	}
	return 0;
}

static void totals_free(struct info_totals *t)
{
	for (int s = 0; t->w && s < t->nworkers; s++)
		free(t->w[s].db);
	free(t->w);
	free(t->keys);
	free(t->expires);
}

struct info_ctx {
	const struct coord_ctx *cc;
	const struct cmd_env *env;
	const struct info_totals *t;
	struct reply *b;
};

static void sec_server(struct info_ctx *x)
{
	const struct cmd_env *env = x->env;
	struct utsname u;
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	long long uptime = (env->now_ms - env->start_ms) / 1000;
	srv_textf(x->b,
		  "redis_version:7.0.15\r\n"
		  "wirekv_version:" WIREKV_VERSION "\r\n"
		  "redis_git_sha1:00000000\r\n"
		  "redis_git_dirty:0\r\n"
		  "redis_build_id:0\r\n"
		  "redis_mode:standalone\r\n"
		  "os:%s %s %s\r\n"
		  "arch_bits:%d\r\n"
		  "monotonic_clock:POSIX clock_gettime\r\n"
		  "multiplexing_api:%s\r\n"
		  "atomicvar_api:c11-builtin\r\n"
		  "gcc_version:%d.%d.%d\r\n"
		  "process_id:%ld\r\n"
		  "process_supervised:no\r\n"
		  "run_id:%s\r\n"
		  "tcp_port:%d\r\n"
		  "server_time_usec:%lld\r\n"
		  "uptime_in_seconds:%lld\r\n"
		  "uptime_in_days:%lld\r\n"
		  "hz:%d\r\n"
		  "configured_hz:%d\r\n"
		  "lru_clock:%lld\r\n"
		  "executable:%s\r\n"
		  "config_file:%s\r\n"
		  "io_threads_active:0\r\n",
		  u.sysname, u.release, u.machine, (int)(sizeof(long) * 8),
		  env->io_backend ? env->io_backend : "",
#ifdef __GNUC__
		  __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__,
#else
		  0, 0, 0,
#endif
		  (long)getpid(), env->run_id ? env->run_id : "", env->tcp_port,
		  (long long)env->now_us, uptime, uptime / 86400, env->cfg->hz, env->cfg->hz,
		  (long long)((env->now_ms / 1000) & ((1 << 24) - 1)),
		  env->executable ? env->executable : "", env->config_file ? env->config_file : "");
}

static void sec_clients(struct info_ctx *x)
{
	srv_textf(x->b,
		  "connected_clients:%llu\r\n"
		  "cluster_connections:0\r\n"
		  "maxclients:%lld\r\n"
		  "client_recent_max_input_buffer:0\r\n"
		  "client_recent_max_output_buffer:0\r\n"
		  "blocked_clients:%llu\r\n"
		  "tracking_clients:0\r\n"
		  "clients_in_timeout_table:%llu\r\n",
		  x->t->sum[F_CONNECTED], x->env->cfg->maxclients, x->t->sum[F_BLOCKED],
		  x->t->sum[F_IN_TIMEOUT_TABLE]);
}

static unsigned long long rss_bytes(void)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static void sec_memory(struct info_ctx *x)
{
	char used_h[32], rss_h[32], sys_h[32], max_h[32];
	unsigned long long used = x->t->sum[F_USED_MEMORY], rss = rss_bytes();
	unsigned long long sys = (unsigned long long)sysconf(_SC_PHYS_PAGES) *
				 (unsigned long long)sysconf(_SC_PAGESIZE);
	unsigned long long max = (unsigned long long)x->env->cfg->maxmemory;
	srv_bytes_human(used_h, sizeof(used_h), used);
	srv_bytes_human(rss_h, sizeof(rss_h), rss);
	srv_bytes_human(sys_h, sizeof(sys_h), sys);
	srv_bytes_human(max_h, sizeof(max_h), max);
	srv_textf(x->b,
		  "used_memory:%llu\r\n"
		  "used_memory_human:%s\r\n"
		  "used_memory_rss:%llu\r\n"
		  "used_memory_rss_human:%s\r\n"
		  "total_system_memory:%llu\r\n"
		  "total_system_memory_human:%s\r\n"
		  "maxmemory:%llu\r\n"
		  "maxmemory_human:%s\r\n"
		  "maxmemory_policy:%s\r\n"
#ifdef WIREKV_JEMALLOC
		  "mem_allocator:jemalloc\r\n",
#else
		  "mem_allocator:libc\r\n",
#endif
		  used, used_h, rss, rss_h, sys, sys_h, max, max_h,
		  config_policy_name(x->env->cfg->maxmemory_policy));
}

static void sec_persistence(struct info_ctx *x)
{
	srv_textf(x->b,
		  "loading:0\r\n"
		  "async_loading:0\r\n"
		  "rdb_changes_since_last_save:0\r\n"
		  "rdb_bgsave_in_progress:0\r\n"
		  "rdb_last_save_time:%lld\r\n"
		  "rdb_last_bgsave_status:ok\r\n"
		  "aof_enabled:0\r\n"
		  "aof_rewrite_in_progress:0\r\n"
		  "aof_last_write_status:ok\r\n",
		  (long long)(x->env->start_ms / 1000));
}

static void sec_stats(struct info_ctx *x)
{
	const unsigned long long *s = x->t->sum;
	srv_textf(x->b,
		  "total_connections_received:%llu\r\n"
		  "total_commands_processed:%llu\r\n"
		  "instantaneous_ops_per_sec:0\r\n"
		  "total_net_input_bytes:%llu\r\n"
		  "total_net_output_bytes:%llu\r\n"
		  "instantaneous_input_kbps:0.00\r\n"
		  "instantaneous_output_kbps:0.00\r\n"
		  "rejected_connections:%llu\r\n"
		  "expired_keys:%llu\r\n"
		  "evicted_keys:0\r\n"
		  "keyspace_hits:%llu\r\n"
		  "keyspace_misses:%llu\r\n"
		  "pubsub_channels:0\r\n"
		  "pubsub_patterns:0\r\n"
		  "total_error_replies:%llu\r\n",
		  s[F_CONNS_RECEIVED], s[F_COMMANDS], s[F_NET_IN], s[F_NET_OUT], s[F_REJECTED],
		  s[F_EXPIRED], s[F_HITS], s[F_MISSES], s[F_ERRORS]);
}

static void sec_replication(struct info_ctx *x)
{
	srv_textf(x->b,
		  "role:master\r\n"
		  "connected_slaves:0\r\n"
		  "master_failover_state:no-failover\r\n"
		  "master_replid:%s\r\n"
		  "master_replid2:0000000000000000000000000000000000000000\r\n"
		  "master_repl_offset:0\r\n"
		  "second_repl_offset:-1\r\n"
		  "repl_backlog_active:0\r\n"
		  "repl_backlog_size:1048576\r\n"
		  "repl_backlog_first_byte_offset:0\r\n"
		  "repl_backlog_histlen:0\r\n",
		  x->env->run_id ? x->env->run_id : "");
}

static void put_tv(struct reply *b, const char *name, struct timeval tv)
{
	srv_textf(b, "%s:%ld.%06ld\r\n", name, (long)tv.tv_sec, (long)tv.tv_usec);
}

static void sec_cpu(struct info_ctx *x)
{
	struct rusage self = {0}, children = {0}, thread = {0};
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	getrusage(RUSAGE_THREAD, &thread); /* this worker's thread */
	put_tv(x->b, "used_cpu_sys", self.ru_stime);
	put_tv(x->b, "used_cpu_user", self.ru_utime);
	put_tv(x->b, "used_cpu_sys_children", children.ru_stime);
	put_tv(x->b, "used_cpu_user_children", children.ru_utime);
	put_tv(x->b, "used_cpu_sys_main_thread", thread.ru_stime);
	put_tv(x->b, "used_cpu_user_main_thread", thread.ru_utime);
}

static void sec_cluster(struct info_ctx *x)
{
	srv_textf(x->b, "cluster_enabled:0\r\n");
}

static void sec_keyspace(struct info_ctx *x)
{
	for (int db = 0; db < x->t->ndb; db++)
		if (x->t->keys[db])
			srv_textf(x->b, "db%d:keys=%llu,expires=%llu,avg_ttl=0\r\n", db,
				  x->t->keys[db], x->t->expires[db]);
}

static void sec_wirekv(struct info_ctx *x)
{
	srv_textf(x->b, "wirekv_version:" WIREKV_VERSION "\r\nio_backend:%s\r\nworkers:%d\r\n",
		  x->env->io_backend ? x->env->io_backend : "", x->t->nworkers);
	for (int s = 0; s < x->t->nworkers; s++) {
		const unsigned long long *f = x->t->w[s].f;
		srv_textf(x->b,
			  "worker%d:ops=%llu,connections=%llu,ring_msgs_in=%llu,ring_msgs_out=%llu,"
			  "cross_worker_cmds=%llu,coord_cmds=%llu,used_memory=%llu,loop_turns=%llu,"
			  "loop_busy_us=%llu,loop_idle_us=%llu\r\n",
			  x->cc->sub[s].worker, f[F_COMMANDS], f[F_CONNECTED], f[F_RING_IN],
			  f[F_RING_OUT], f[F_CROSS], f[F_COORD], f[F_USED_MEMORY], f[F_LOOP_TURNS],
			  f[F_LOOP_BUSY], f[F_LOOP_IDLE]);
	}
}

/* The transport's per-worker lines (the DPDK backend's lcores); nothing
 * on transports that keep none. */
static void sec_net(struct info_ctx *x)
{
	for (int s = 0; s < x->t->nworkers; s++)
		if (x->t->w[s].netlen)
			reply_raw(x->b, x->t->w[s].net, x->t->w[s].netlen);
}

static bool has_net(const struct info_totals *t)
{
	for (int s = 0; s < t->nworkers; s++)
		if (t->w[s].netlen)
			return true;
	return false;
}

static const struct info_section {
	const char *name;
	const char *title;
	void (*fn)(struct info_ctx *x);
} sections[] = {
	{"server", "Server", sec_server},
	{"clients", "Clients", sec_clients},
	{"memory", "Memory", sec_memory},
	{"persistence", "Persistence", sec_persistence},
	{"stats", "Stats", sec_stats},
	{"replication", "Replication", sec_replication},
	{"cpu", "CPU", sec_cpu},
	{"cluster", "Cluster", sec_cluster},
	{"keyspace", "Keyspace", sec_keyspace},
	{"wirekv", "Wirekv", sec_wirekv},
	{"net", "Net", sec_net},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Which sections the arguments ask for: none = "default"; "default", "all"
 * and "everything" are every section here; unknown names add nothing. */
static void pick_sections(const struct coord_ctx *cc, bool *want)
{
	if (cc->argc == 1) {
		for (size_t i = 0; i < NSECTIONS; i++)
			want[i] = true;
		return;
	}
	for (int a = 1; a < cc->argc; a++) {
		const struct resp_arg *arg = &cc->argv[a];
		bool every = cmd_arg_is(arg, "default") || cmd_arg_is(arg, "all") ||
			     cmd_arg_is(arg, "everything");
		for (size_t i = 0; i < NSECTIONS; i++)
			if (every || cmd_arg_is(arg, sections[i].name))
				want[i] = true;
	}
}

enum coord_result coord_info(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		static const struct resp_arg sub[1] = {{"__info", 6}};
		coord_send_all(cc, 1, sub);
		return COORD_WAIT;
	}
	bool want[NSECTIONS] = {false};
	pick_sections(cc, want);
	struct info_totals t = {0};
	struct reply b;
	reply_init(&b, 2);
	if (read_subs(cc, &t) != 0) {
		totals_free(&t);
		cmd_reply_oom(cc->r);
		return COORD_DONE;
	}
	struct info_ctx x = {.cc = cc, .env = cc->env, .t = &t, .b = &b};
	bool first = true;
	for (size_t i = 0; i < NSECTIONS; i++) {
		if (!want[i] || (sections[i].fn == sec_net && !has_net(&t)))
			continue;
		srv_textf(&b, "%s# %s\r\n", first ? "" : "\r\n", sections[i].title);
		sections[i].fn(&x);
		first = false;
	}
	totals_free(&t);
	if (b.nomem)
		cmd_reply_oom(cc->r);
	else
		reply_verbatim(cc->r, b.buf ? b.buf : "", b.len, "txt");
	reply_free(&b);
	return COORD_DONE;
}
