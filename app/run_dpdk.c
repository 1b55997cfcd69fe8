/*
 * wirekv-server with io-backend dpdk: EAL start-up from dpdk-args, the
 * port, one worker per EAL lcore (the main lcore serves too, on this
 * thread), a control thread that turns SIGINT/SIGTERM or SHUTDOWN into a
 * graceful stop, then the port and EAL are closed.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "net/net_dpdk.h"

struct control {
	int sfd;
	struct engine *e;
	const struct wk_log *log;
};

static void *control_main(void *arg)
{
	struct control *c = arg;
	int sig = app_wait_for_stop(c->sfd, engine_stop_fd(c->e));
	if (sig)
		wk_log(c->log, LL_NOTICE, "Received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	else
		wk_log(c->log, LL_NOTICE, "SHUTDOWN requested, shutting down");
	engine_request_stop(c->e);
	return NULL;
}

static void report(const struct wk_log *log, const char *err)
{
	fprintf(stderr, "%s\n", err);
	if (log->file && log->file != stdout)
		wk_log(log, LL_WARNING, "%s", err);
}

static void log_lines(const struct wk_log *log, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		wk_log(log, LL_NOTICE, "%s", line);
}

int app_run_dpdk(struct wk_config *cfg, const struct wk_log *log, int sfd, const char *argv0,
		 const char *config_file, const char *executable)
{
	char err[512] = "", text[2048];
	char **eal_argv = NULL;

	if (dpdk_eal_init(argv0, cfg, &eal_argv, err, sizeof(err)) < 0) {
		report(log, err);
		return 1;
	}
	struct dpdk_port *port = dpdk_port_open(cfg, err, sizeof(err));
	if (!port) {
		report(log, err);
		dpdk_eal_cleanup();
		dpdk_free_args(eal_argv);
		return 1;
	}
	dpdk_port_describe(port, text, sizeof(text));
	log_lines(log, text);
	int n = (int)dpdk_port_lcores(port);
	if (cfg->threads > 0 && cfg->threads != n)
		wk_log(log, LL_NOTICE, "threads %d ignored: io-backend dpdk runs one worker per EAL lcore (%d)",
		       cfg->threads, n);
	cfg->threads = n;

	struct engine_params params = {
		.cfg = cfg, .ops = &dpdk_transport_ops, .log = log,
		.config_file = config_file, .executable = executable, .transport_ctx = port,
	};
	int rc = 1;
	struct engine *e = engine_new(&params, err, sizeof(err));
	pthread_t control;
	struct control ctl = { .sfd = sfd, .e = e, .log = log };
	if (!e) {
		report(log, err);
	} else if (pthread_create(&control, NULL, control_main, &ctl) != 0) {
		report(log, "cannot start the control thread");
	} else {
		char ip[16];
		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", cfg->ip >> 24, (cfg->ip >> 16) & 255,
			 (cfg->ip >> 8) & 255, cfg->ip & 255);
		wk_log(log, LL_NOTICE, "wirekv %s ready: DPDK, %d lcore%s, serving %s:%d", WIREKV_VERSION,
		       n, n == 1 ? "" : "s", ip, cfg->port);
		rc = engine_run(e, dpdk_run_all, port, err, sizeof(err)) == 0 ? 0 : 1;
		if (rc)
			report(log, err);
		engine_request_stop(e); /* the control thread may still wait */
		pthread_join(control, NULL);
	}
	engine_free(e);
	dpdk_port_close(port);
	dpdk_eal_cleanup();
	dpdk_free_args(eal_argv);
	wk_log(log, LL_NOTICE, "wirekv is now ready to exit, bye bye...");
	return rc;
}
