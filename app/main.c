/*
 * wirekv-server [config-file] [--directive value ...]
 *
 * Loads the configuration, starts the workers on the io_uring transport (or,
 * with io-backend dpdk, on the EAL lcores: run_dpdk.c) and waits for SIGINT /
 * SIGTERM (handled here through a signalfd; the workers block every signal)
 * or a SHUTDOWN command, then stops gracefully.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "app.h"
#include "config/config.h"
#include "engine/engine.h"
#include "uring/uring.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: wirekv-server [/path/to/wirekv.conf] [--directive value ...]\n"
		"       wirekv-server -v | --version\n"
		"       wirekv-server -h | --help\n"
		"Examples:\n"
		"       wirekv-server --port 7777 --threads 2\n"
		"       wirekv-server /etc/wirekv/wirekv.conf --loglevel verbose\n");
}

/* "127.0.0.1:6379, [::1]:6379" for the ready line */
static void format_listen(const struct wk_config *cfg, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int i = 0; i < cfg->nbind && off < n; i++) {
		const char *a = cfg->bind[i][0] == '-' ? cfg->bind[i] + 1 : cfg->bind[i];
		int k = snprintf(buf + off, n - off, strchr(a, ':') ? "%s[%s]:%d" : "%s%s:%d",
				 i ? ", " : "", a, cfg->port);
		if (k < 0)
			break;
		off += (size_t)k;
	}
}

int app_wait_for_stop(int sfd, int stop_fd)
{
	struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = stop_fd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				return (int)si.ssi_signo;
		}
		if (p[1].revents & POLLIN)
			return 0;
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
		printf("wirekv-server v=%s io_backend=uring\n", WIREKV_VERSION);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);

	struct wk_config cfg;
	struct config_error cerr;
	char line[1024];
	config_init(&cfg);
	if (config_load_args(&cfg, argc, argv, &cerr) < 0) {
		config_format_error(&cerr, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
		config_free(&cfg);
		return 1;
	}

	struct wk_log log = { .file = stdout, .level = cfg.loglevel };
	FILE *logf = NULL;
	if (cfg.logfile && cfg.logfile[0]) {
		logf = fopen(cfg.logfile, "a");
		if (!logf) {
			fprintf(stderr, "Can't open the log file %s: %s\n", cfg.logfile, strerror(errno));
			config_free(&cfg);
			return 1;
		}
		log.file = logf;
	}

	char config_file[PATH_MAX] = "", executable[PATH_MAX] = "";
	if (argc > 1 && strncmp(argv[1], "--", 2) != 0 && !realpath(argv[1], config_file))
		config_file[0] = '\0';
	if (!realpath("/proc/self/exe", executable))
		snprintf(executable, sizeof(executable), "%s", argv[0]);

	/* SIGINT/SIGTERM arrive through a signalfd on this thread only (blocked
	 * before rte_eal_init, so every EAL thread inherits the mask) */
	sigset_t stopset;
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stopset, NULL);
	int sfd = signalfd(-1, &stopset, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "signalfd: %s\n", strerror(errno));
		return 1;
	}

	if (cfg.io_backend == IO_BACKEND_DPDK) {
		int status = app_run_dpdk(&cfg, &log, sfd, argv[0], config_file, executable);
		config_free(&cfg);
		close(sfd);
		if (logf)
			fclose(logf);
		return status;
	}

	if (app_adjust_fd_limit(&cfg, &log) < 0) {
		config_free(&cfg);
		close(sfd);
		if (logf)
			fclose(logf);
		return 1;
	}

	char err[512] = "";
	struct engine_params params = {
		.cfg = &cfg, .ops = &uring_transport_ops, .log = &log,
		.config_file = config_file, .executable = executable,
	};
	struct engine *e = engine_new(&params, err, sizeof(err));
	if (!e || engine_start(e, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		if (logf)
			wk_log(&log, LL_WARNING, "%s", err);
		engine_free(e);
		config_free(&cfg);
		if (logf)
			fclose(logf);
		return 1;
	}

	char where[512];
	format_listen(&cfg, where, sizeof(where));
	int n = engine_nworkers(e);
	wk_log(&log, LL_NOTICE, "wirekv %s ready: io_uring, %d worker%s, listening on %s",
	       WIREKV_VERSION, n, n == 1 ? "" : "s", where);

	int sig = app_wait_for_stop(sfd, engine_stop_fd(e));
	if (sig)
		wk_log(&log, LL_NOTICE, "Received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	else
		wk_log(&log, LL_NOTICE, "SHUTDOWN requested, shutting down");
	engine_request_stop(e);
	int rc = engine_wait(e);
	wk_log(&log, LL_NOTICE, "wirekv is now ready to exit, bye bye...");
	engine_free(e);
	config_free(&cfg);
	close(sfd);
	if (logf)
		fclose(logf);
	return rc == 0 ? 0 : 1;
}
