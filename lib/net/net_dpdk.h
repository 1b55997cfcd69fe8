/*
 * lib/net's DPDK io-backend, as app/main.c uses it: EAL start-up from the
 * dpdk-args string, the port (one RX/TX queue pair per lcore, RSS or
 * software steering, checksum offloads, net-impair), the engine transport
 * that runs wirekv's TCP stack on every lcore, and run_all for engine_run.
 *
 * Threading rule: dpdk_eal_init, dpdk_port_open, dpdk_port_close and
 * dpdk_eal_cleanup run on the main thread, before and after engine_run.
 * During engine_run worker i polls queue i on the i-th lcore (the main
 * lcore first); nothing else touches the port.
 */
#ifndef WIREKV_NET_DPDK_H
#define WIREKV_NET_DPDK_H

#include <stddef.h>

#include "config/config.h"
#include "engine/engine.h"

struct dpdk_port;

/* The engine transport; engine_params.transport_ctx must be the port. */
extern const struct transport_ops dpdk_transport_ops;

/* Split args like a shell (blanks; '...' literal; "..." with \" \\ \$ \`
 * escapes; \c outside quotes), behind argv0. Returns argc with *argv
 * NULL-terminated (free with dpdk_free_args), or -EINVAL (unbalanced
 * quotes, trailing backslash) / -ENOMEM with *argv NULL. */
int dpdk_split_args(const char *argv0, const char *args, char ***argv);
void dpdk_free_args(char **argv);

/* rte_eal_init with cfg->dpdk_args; *eal_argv keeps the words EAL may
 * point into (dpdk_free_args after dpdk_eal_cleanup). EAL's own output is kept back
 * during start-up; on failure err gets one line saying what is wrong
 * (bad argument, no hugepages, no memory, ...). 0 or -1. */
int dpdk_eal_init(const char *argv0, const struct wk_config *cfg, char ***eal_argv,
		  char *err, size_t errlen);
void dpdk_eal_cleanup(void);

/* Set up and start cfg->dpdk_port with one queue pair per lcore. NULL with
 * one line in err (no such port, too few queues, cannot allocate mbufs,
 * MTU refused, ...). */
struct dpdk_port *dpdk_port_open(const struct wk_config *cfg, char *err, size_t errlen);
/* What start-up prints: port, driver, MAC, queues, lcores, offloads,
 * steering, impairment (one line each, '\n'-separated). */
void dpdk_port_describe(const struct dpdk_port *p, char *buf, size_t n);
unsigned dpdk_port_lcores(const struct dpdk_port *p);
/* Stop and close the port, free pools and rings. */
void dpdk_port_close(struct dpdk_port *p);

/* engine_run's run_all over the EAL lcores: fn(args[0]) on the calling
 * (main) lcore, fn(args[i]) on the i-th worker lcore; ctx is the port. */
int dpdk_run_all(void *ctx, int n, void *(*fn)(void *), void **args);

#endif
