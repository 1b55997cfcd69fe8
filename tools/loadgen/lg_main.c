/*
 * wirekv-loadgen: options, EAL and the port (lib/net's, as the server sets
 * them up), a bounded wait for the link, the lcores, the report.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "config/config.h"
#include "loadgen.h"
#include "net/net_dpdk_int.h"

/* lib/net's port set-up reads a wirekv config: build one from our flags */
static int make_config(const struct lg_opts *o, struct wk_config *cfg)
{
	char mtu[16], dport[16];
	snprintf(mtu, sizeof(mtu), "%d", o->mtu);
	snprintf(dport, sizeof(dport), "%d", o->dpdk_port);
	char *argv[] = {
		"wirekv-loadgen", "--io-backend", "dpdk", "--ip", (char *)o->ip,
		"--dpdk-args", (char *)o->dpdk_args, "--mtu", mtu, "--dpdk-port", dport, NULL,
	};
	struct config_error err;
	char line[512];

	config_init(cfg);
	if (config_load_args(cfg, (int)(sizeof(argv) / sizeof(argv[0])) - 1, argv, &err) < 0) {
		config_format_error(&err, line, sizeof(line));
		fprintf(stderr, "wirekv-loadgen: %s\n", line);
		config_free(cfg);
		return -1;
	}
	return 0;
}

static int wait_link(const struct lg_opts *o)
{
	uint64_t end = rte_rdtsc() + (uint64_t)(o->connect_timeout * (double)rte_get_tsc_hz());
	struct rte_eth_link link;

	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait((uint16_t)o->dpdk_port, &link) == 0 && link.link_status)
			return 0;
		if (rte_rdtsc() > end) {
			/* memif connects only when both ends have as many queues
			 * (one per lcore here and in the server) */
			struct rte_eth_dev_info info;
			bool memif = rte_eth_dev_info_get((uint16_t)o->dpdk_port, &info) == 0 &&
				     info.driver_name && strcmp(info.driver_name, "net_memif") == 0;
			fprintf(stderr, "wirekv-loadgen: port %d: the link did not come up in %.0f s "
				"(is the server running with the other end of the device?%s)\n",
				o->dpdk_port, o->connect_timeout,
				memif ? " net_memif also needs as many lcores here as the server has" : "");
			return -1;
		}
		usleep(10000);
	}
}

static int run(const struct lg_opts *o, struct dpdk_port *port)
{
	struct lg_shared sh;
	memset(&sh, 0, sizeof(sh));
	sh.o = o;
	sh.port = port;
	sh.nlcores = dpdk_port_lcores(port);
	sh.tsc_hz = rte_get_tsc_hz();
	sh.ns_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / sh.tsc_hz);
	sh.lcores = calloc(sh.nlcores, sizeof(*sh.lcores));
	void **args = calloc(sh.nlcores, sizeof(*args));
	int rc = 1;
	if (!sh.lcores || !args)
		goto out;
	for (unsigned i = 0; i < sh.nlcores; i++) {
		/* histograms are large: each lcore's on its own socket's memory */
		sh.lcores[i] = rte_zmalloc_socket("lg_lcore", sizeof(struct lg_lcore), 64,
						  (int)rte_lcore_to_socket_id(dpdk_port_lcore_id(port, i)));
		if (!sh.lcores[i])
			goto out;
		sh.lcores[i]->idx = i;
		sh.lcores[i]->sh = &sh;
		args[i] = sh.lcores[i];
	}
	if (dpdk_run_all(port, (int)sh.nlcores, lg_lcore_main, args) < 0) {
		fprintf(stderr, "wirekv-loadgen: cannot start the lcores\n");
		goto out;
	}
	bool failed = false;
	for (unsigned i = 0; i < sh.nlcores; i++)
		if (sh.lcores[i]->failure[0]) {
			fprintf(stderr, "wirekv-loadgen: %s\n", sh.lcores[i]->failure);
			failed = true;
		}
	if (!failed) {
		struct lg_result r;
		lg_result_gather(&r, &sh);
		if (o->json)
			lg_report_json(&r);
		else
			lg_report_text(&r);
		fflush(stdout);
		rc = lg_errors(&r.cnt) ? 3 : 0;
	}
out:
	for (unsigned i = 0; sh.lcores && i < sh.nlcores; i++) {
		struct lg_lcore *lc = sh.lcores[i];
		if (!lc)
			continue;
		for (unsigned j = 0; lc->conns && j < lc->nconns; j++)
			lg_conn_fini(&lc->conns[j]);
		free(lc->conns);
		lg_workload_fini(&lc->wl);
		lg_workload_fini(&lc->wl_fill);
		net_stack_free(lc->ns);
		rte_free(lc);
	}
	free(sh.lcores);
	free(args);
	return rc;
}

static volatile sig_atomic_t stop_linger;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_linger = 1;
}

/* --linger: armed before the run (a harness may signal as soon as it has
 * read the report); once the lcores are done, hold the link (and the
 * peer's view of the shared rings) until told to go. Any thread may take
 * the signal. */
static void linger_arm(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static void linger(void)
{
	while (!stop_linger)
		usleep(10000);
}

int main(int argc, char **argv)
{
	struct lg_opts o;
	struct wk_config cfg;
	char err[512] = "";
	char **eal_argv = NULL;

	int prc = lg_opts_parse(&o, argc, argv);
	if (prc)
		return prc > 0 ? 0 : 1;
	if (make_config(&o, &cfg) < 0)
		return 1;
	if (dpdk_eal_init(argv[0], &cfg, &eal_argv, err, sizeof(err)) < 0) {
		fprintf(stderr, "wirekv-loadgen: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	int rc = 1;
	struct dpdk_port *port = dpdk_port_open(&cfg, err, sizeof(err));
	if (!port) {
		/* net_memif's client end cannot start before the server's end exists */
		fprintf(stderr, "wirekv-loadgen: %s%s\n", err, strstr(err, "rte_eth_dev_start") ?
			" (is the other end of the device, the server, running?)" : "");
	} else {
		if (!o.json) {
			char text[2048];
			dpdk_port_describe(port, text, sizeof(text));
			fprintf(stderr, "%s\n", text);
		}
		if (o.linger)
			linger_arm();
		if (wait_link(&o) == 0)
			rc = run(&o, port);
		if (o.linger)
			linger();
		dpdk_port_close(port);
	}
	dpdk_eal_cleanup();
	dpdk_free_args(eal_argv);
	config_free(&cfg);
	return rc;
}
