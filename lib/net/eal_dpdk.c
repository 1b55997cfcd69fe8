/*
 * EAL start-up for the dpdk io-backend (EAL's output kept back so a failure
 * is one line) and run_all for engine_run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "net/net_dpdk.h"
#include "net/net_dpdk_int.h"

/* ------------------------------------------------------------ EAL */

struct eal_hint {
	const char *needle, *hint;
};

static const struct eal_hint getopt_errors[] = {
	{ "unrecognized option", "bad EAL argument" },
	{ "invalid option", "bad EAL argument" },
	{ "requires an argument", "bad EAL argument" },
	{ "doesn't allow an argument", "bad EAL argument" },
	{ NULL, NULL },
};

/* most specific first: EAL ends most failures with a generic line */
static const struct eal_hint eal_errors[] = {
	{ "hugepage", "no hugepages: run tools/hugepages.sh, or add --no-huge -m 1024 to dpdk-args" },
	{ "Cannot init memory", "cannot allocate memory: try --no-huge -m 1024, or more hugepages (tools/hugepages.sh)" },
	{ "Cannot allocate", "cannot allocate memory" },
	{ "Cannot reserve", "cannot allocate memory" },
	{ "invalid core", "bad EAL argument" },
	{ "lcore", "bad EAL argument" },
	{ "core", "bad EAL argument" },
	{ "failed to parse device", "a device could not be set up" },
	{ "Failed to", "" },
	{ "failed to", "" },
	{ "Cannot", "" },
	{ "cannot", "" },
	{ "invalid", "bad EAL argument" },
	{ "Invalid", "bad EAL argument" },
	{ "Error", "" },
	{ "error", "" },
	{ NULL, NULL },
};

/* The first line of text holding a needle of the table (in table order),
 * formatted as the error; false if none. */
static bool eal_error_line(const char *text, const struct eal_hint *table, int eal_errno,
			   char *err, size_t errlen)
{
	char line[256] = "";
	const char *hint = "";

	for (const struct eal_hint *k = table; k->needle && !line[0]; k++) {
		for (const char *p = text; p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			if (memmem(p, len, k->needle, strlen(k->needle))) {
				if (len >= sizeof(line))
					len = sizeof(line) - 1;
				memcpy(line, p, len);
				line[len] = '\0';
				hint = k->hint;
				break;
			}
			p = nl ? nl + 1 : NULL;
		}
	}
	if (!line[0] && table == getopt_errors)
		return false;
	if (!line[0])
		snprintf(line, sizeof(line), "%s", rte_strerror(eal_errno));
	/* "EAL: FATAL: x" and getopt's "/path/wirekv-server: x" say x */
	const char *msg = line;
	for (;;) {
		const char *colon = strstr(msg, ": ");
		if (!colon || colon - msg > 64 || strchr(msg, ' ') < colon)
			break;
		msg = colon + 2;
	}
	snprintf(err, errlen, "dpdk-args: EAL initialisation failed: %s%s%s%s", msg,
		 hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
	return true;
}

int dpdk_eal_init(const char *argv0, const struct wk_config *cfg, char ***eal_argv,
		  char *err, size_t errlen)
{
	char **argv;
	int argc = dpdk_split_args(argv0, cfg->dpdk_args, &argv);

	*eal_argv = NULL;
	if (argc < 0) {
		snprintf(err, errlen, "dpdk-args: %s", argc == -EINVAL ?
			 "unbalanced quotes or a trailing backslash" : "out of memory");
		return -1;
	}
	/* EAL permutes the array it gets and stores argv[0] over the last
	 * option: give it a copy of the pointers, kept after our own NULL
	 * (dpdk_free_args stops there) so the strings are freed once */
	char **both = realloc(argv, sizeof(*argv) * (2 * (size_t)argc + 2));
	if (!both) {
		dpdk_free_args(argv);
		snprintf(err, errlen, "dpdk-args: out of memory");
		return -1;
	}
	argv = both;
	char **eal = argv + argc + 1;
	memcpy(eal, argv, sizeof(*argv) * ((size_t)argc + 1));
	/* EAL logs to stdout and syslog, getopt and EAL's usage text go to
	 * stderr/stdout: keep all of it back during start-up (the log in
	 * memory, the rest in a file), so a failure is reported as one line. */
	char *logtext = NULL;
	size_t loglen = 0;
	FILE *logf = open_memstream(&logtext, &loglen);
	FILE *cap = tmpfile();
	int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
	fflush(stdout);
	fflush(stderr);
	if (logf)
		rte_openlog_stream(logf);
	/* start-up's INFO lines say nothing when all goes well (a
	 * --log-level in dpdk-args still wins) */
	rte_log_set_global_level(RTE_LOG_NOTICE);
	if (cap && saved_out >= 0 && saved_err >= 0) {
		dup2(fileno(cap), STDOUT_FILENO);
		dup2(fileno(cap), STDERR_FILENO);
	}
	int rc = rte_eal_init(argc, eal);
	int eal_errno = rte_errno;
	fflush(stdout);
	fflush(stderr);
	rte_openlog_stream(stderr);
	if (saved_out >= 0) {
		dup2(saved_out, STDOUT_FILENO);
		close(saved_out);
	}
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	char text[16384] = "";
	if (cap) {
		fflush(cap);
		rewind(cap);
		size_t got = fread(text, 1, sizeof(text) - 1, cap);
		text[got] = '\0';
		fclose(cap);
	}
	if (logf)
		fclose(logf);
	/* WIREKV_EAL_DEBUG=1 shows what EAL said (to tune the error lines) */
	if (getenv("WIREKV_EAL_DEBUG"))
		fprintf(stderr, "--- EAL log\n%s--- EAL output\n%s---\n", logtext ? logtext : "", text);
	if (rc < 0) {
		/* getopt's complaint is the most precise; then EAL's log */
		if (!eal_error_line(text, getopt_errors, eal_errno, err, errlen))
			eal_error_line(logtext ? logtext : "", eal_errors, eal_errno, err, errlen);
		free(logtext);
		dpdk_free_args(argv);
		return -1;
	}
	free(logtext);
	*eal_argv = argv;
	return 0;
}

void dpdk_eal_cleanup(void)
{
	rte_eal_cleanup();
}

/* ------------------------------------------------------------ lcores */

struct lcore_job {
	void *(*fn)(void *);
	void *arg;
};

static int lcore_entry(void *arg)
{
	struct lcore_job *j = arg;
	j->fn(j->arg);
	return 0;
}

int dpdk_run_all(void *ctx, int n, void *(*fn)(void *), void **args)
{
	struct dpdk_port *p = ctx;
	struct lcore_job *jobs = calloc((size_t)n, sizeof(*jobs));

	if (!jobs || (unsigned)n != dpdk_port_lcores(p) || rte_lcore_id() != rte_get_main_lcore()) {
		free(jobs);
		return -EINVAL;
	}
	for (int i = 1; i < n; i++) {
		jobs[i] = (struct lcore_job){ fn, args[i] };
		/* an idle worker lcore always takes a job; if one did not,
		 * the started workers would wait for it at the engine's
		 * start-up barrier forever */
		if (rte_eal_remote_launch(lcore_entry, &jobs[i], dpdk_port_lcore_id(p, (unsigned)i)) != 0)
			abort();
	}
	fn(args[0]);
	rte_eal_mp_wait_lcore();
	free(jobs);
	return 0;
}
