/* app's internals shared by main.c and the DPDK start-up (run_dpdk.c). */
#ifndef WIREKV_APP_H
#define WIREKV_APP_H

#include "config/config.h"
#include "engine/engine.h"

#ifndef WIREKV_VERSION
#define WIREKV_VERSION "0.1.0"
#endif

/* io-backend uring: raise the open-files limit to fit maxclients, or
 * lower maxclients to fit the limit (logged, as redis-server does).
 * -1 when not even the server's own descriptors fit (logged). */
int app_adjust_fd_limit(struct wk_config *cfg, const struct wk_log *log);

/* Wait for a signal on sfd (signalfd) or a stop request (SHUTDOWN) on
 * stop_fd. Returns the signal, or 0. */
int app_wait_for_stop(int sfd, int stop_fd);

/* io-backend dpdk: EAL, port, workers on the lcores, then tear-down.
 * SIGINT/SIGTERM must already be blocked (sfd is their signalfd) so that
 * every EAL thread inherits the mask. Returns the exit status. */
int app_run_dpdk(struct wk_config *cfg, const struct wk_log *log, int sfd, const char *argv0,
		 const char *config_file, const char *executable);

#endif
