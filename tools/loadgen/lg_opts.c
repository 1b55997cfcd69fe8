/* wirekv-loadgen's command line (memtier_benchmark's names where they exist). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

static const char usage[] =
"Usage: wirekv-loadgen --dpdk-args \"<EAL args>\" [options]\n"
"\n"
"A memtier-like Redis load generator on wirekv's own TCP stack over DPDK.\n"
"Every reply is checked: SET must answer +OK; GET must answer nil (a miss)\n"
"or the exact value this generator sets for that key with this --seed.\n"
"\n"
"  --dpdk-args S        EAL arguments, e.g. \"-l 1 --no-pci --no-huge -m 1024\n"
"                       --vdev=net_memif0,role=client,socket=/run/wk.sock --file-prefix=lg\"\n"
"  --dpdk-port N        DPDK port id (0)\n"
"  --ip A/P             our address (198.18.0.1/24)\n"
"  --mtu N              IP MTU (1500)\n"
"  --server A:P         the server (198.18.0.2:6379)\n"
"  --clients N          connections in all, spread over the EAL lcores (50)\n"
"  --pipeline N         requests in flight per connection (1)\n"
"  --ratio S:G          SET:GET ratio (1:10)\n"
"  --key-prefix S       key prefix (\"key:\")\n"
"  --key-digits N       key index zero-padded to N digits (12: \"key:\" keys are\n"
"                       16 bytes, like redis-benchmark's -r); 0 = not padded\n"
"  --key-minimum N      lowest key index (0)\n"
"  --key-maximum N      highest key index (99999)\n"
"  --key-pattern P[:Q]  SET[:GET] key pattern: R random, S sequential, G gaussian (R)\n"
"  --data-size N        value size in bytes (32)\n"
"  --requests N         requests per connection, then stop\n"
"  --test-time S        seconds to run (10, when --requests is not given)\n"
"  --seed N             the values' seed: GETs are checked against it (1)\n"
"  --prefill            before the run, SET every key of the range once (not\n"
"                       measured), so that GETs hit\n"
"  --prefill-seed N     the seed of the prefill's values (--seed)\n"
"  --connect-timeout S  for the link, ARP and handshakes (10)\n"
"  --json               one JSON object on stdout instead of the text report\n"
"  --linger             after the report, keep the link up until SIGTERM or SIGINT\n"
"                       (a harness stops the server first: DPDK 22.11's memif\n"
"                       unmaps a peer's rings while a poller may still read them)\n"
"  --help\n"
"\n"
"Exit status: 0 run done without errors, 3 run done with errors (mismatches,\n"
"error replies, connection failures), 1 could not run.\n";

enum {
	OPT_DPDK_ARGS = 256, OPT_DPDK_PORT, OPT_IP, OPT_MTU, OPT_SERVER, OPT_CLIENTS,
	OPT_PIPELINE, OPT_RATIO, OPT_KEY_PREFIX, OPT_KEY_DIGITS, OPT_KEY_MIN, OPT_KEY_MAX,
	OPT_KEY_PATTERN, OPT_DATA_SIZE, OPT_REQUESTS, OPT_TEST_TIME, OPT_SEED, OPT_JSON,
	OPT_CONNECT_TIMEOUT, OPT_POISON_KEY, OPT_LINGER, OPT_PREFILL, OPT_PREFILL_SEED, OPT_HELP,
};

static const struct option longopts[] = {
	{ "dpdk-args", required_argument, NULL, OPT_DPDK_ARGS },
	{ "dpdk-port", required_argument, NULL, OPT_DPDK_PORT },
	{ "ip", required_argument, NULL, OPT_IP },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "clients", required_argument, NULL, OPT_CLIENTS },
	{ "pipeline", required_argument, NULL, OPT_PIPELINE },
	{ "ratio", required_argument, NULL, OPT_RATIO },
	{ "key-prefix", required_argument, NULL, OPT_KEY_PREFIX },
	{ "key-digits", required_argument, NULL, OPT_KEY_DIGITS },
	{ "key-minimum", required_argument, NULL, OPT_KEY_MIN },
	{ "key-maximum", required_argument, NULL, OPT_KEY_MAX },
	{ "key-pattern", required_argument, NULL, OPT_KEY_PATTERN },
	{ "data-size", required_argument, NULL, OPT_DATA_SIZE },
	{ "requests", required_argument, NULL, OPT_REQUESTS },
	{ "test-time", required_argument, NULL, OPT_TEST_TIME },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "linger", no_argument, NULL, OPT_LINGER },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	/* testing only (tests/integration/test_loadgen.py): before the run,
	 * SET this key to a value the generator would never set, so that the
	 * run's GETs of it must be reported as mismatches */
	{ "poison-key", required_argument, NULL, OPT_POISON_KEY },
	{ "prefill", no_argument, NULL, OPT_PREFILL },
	{ "prefill-seed", required_argument, NULL, OPT_PREFILL_SEED },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "wirekv-loadgen: --%s '%s': %s\n", opt, val, why);
	return -1;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	uint64_t v;
	if (parse_u64(s, lo, hi, &v) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_server(struct lg_opts *o, const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	unsigned port = 6379;
	struct in_addr a;

	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return -1;
	if (colon && parse_uint(colon + 1, 1, 65535, &port) < 0)
		return -1;
	o->server_ip = ntohl(a.s_addr);
	o->server_port = (uint16_t)port;
	return 0;
}

static int parse_pattern(struct lg_opts *o, const char *s)
{
	size_t n = strlen(s);
	if (!(n == 1 || (n == 3 && s[1] == ':')))
		return -1;
	for (size_t i = 0; i < n; i += 2)
		if (!strchr("RSG", s[i]))
			return -1;
	o->set_pattern = s[0];
	o->get_pattern = s[n - 1];
	return 0;
}

static int parse_ratio(struct lg_opts *o, const char *s)
{
	char a[32];
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = '\0';
	if (parse_uint(a, 0, 1000000, &o->ratio_set) < 0 ||
	    parse_uint(colon + 1, 0, 1000000, &o->ratio_get) < 0 ||
	    o->ratio_set + o->ratio_get == 0)
		return -1;
	return 0;
}

static void defaults(struct lg_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ip = "198.18.0.1/24";
	o->server_ip = (198u << 24) | (18u << 16) | 2u;
	o->server_port = 6379;
	o->mtu = 1500;
	o->clients = 50;
	o->pipeline = 1;
	o->ratio_set = 1;
	o->ratio_get = 10;
	strcpy(o->key_prefix, "key:");
	o->key_digits = 12;
	o->key_min = 0;
	o->key_max = 99999;
	o->set_pattern = o->get_pattern = 'R';
	o->data_size = 32;
	o->seed = 1;
	o->connect_timeout = 10;
	o->poison_key = -1;
}

int lg_opts_parse(struct lg_opts *o, int argc, char **argv)
{
	int c;
	uint64_t v;
	bool have_time = false, have_prefill_seed = false;

	defaults(o);
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		const char *a = optarg;
		const char *name = c >= OPT_DPDK_ARGS && c < OPT_HELP ?
				   longopts[c - OPT_DPDK_ARGS].name : "?";
		switch (c) {
		case OPT_DPDK_ARGS: o->dpdk_args = a; break;
		case OPT_DPDK_PORT:
			if (parse_u64(a, 0, 1023, &v) < 0)
				return bad(name, a, "expected a port id");
			o->dpdk_port = (int)v;
			break;
		case OPT_IP: o->ip = a; break;    /* checked by lib/config */
		case OPT_MTU:
			if (parse_u64(a, 576, 9000, &v) < 0)
				return bad(name, a, "expected 576..9000");
			o->mtu = (int)v;
			break;
		case OPT_SERVER:
			if (parse_server(o, a) < 0)
				return bad(name, a, "expected a.b.c.d[:port]");
			break;
		case OPT_CLIENTS:
			if (parse_uint(a, 1, 60000, &o->clients) < 0)
				return bad(name, a, "expected 1..60000");
			break;
		case OPT_PIPELINE:
			if (parse_uint(a, 1, 100000, &o->pipeline) < 0)
				return bad(name, a, "expected 1..100000");
			break;
		case OPT_RATIO:
			if (parse_ratio(o, a) < 0)
				return bad(name, a, "expected SET:GET, e.g. 1:10");
			break;
		case OPT_KEY_PREFIX:
			if (strlen(a) >= sizeof(o->key_prefix))
				return bad(name, a, "too long");
			strcpy(o->key_prefix, a);
			break;
		case OPT_KEY_DIGITS:
			if (parse_uint(a, 0, 20, &o->key_digits) < 0)
				return bad(name, a, "expected 0..20");
			break;
		case OPT_KEY_MIN:
			if (parse_u64(a, 0, UINT64_MAX / 2, &o->key_min) < 0)
				return bad(name, a, "expected a number");
			break;
		case OPT_KEY_MAX:
			if (parse_u64(a, 0, UINT64_MAX / 2, &o->key_max) < 0)
				return bad(name, a, "expected a number");
			break;
		case OPT_KEY_PATTERN:
			if (parse_pattern(o, a) < 0)
				return bad(name, a, "expected R, S or G, or SET:GET like S:R");
			break;
		case OPT_DATA_SIZE:
			if (parse_uint(a, 1, 64u << 20, &o->data_size) < 0)
				return bad(name, a, "expected 1..67108864");
			break;
		case OPT_REQUESTS:
			if (parse_u64(a, 1, UINT64_MAX / 2, &o->requests) < 0)
				return bad(name, a, "expected a positive number");
			break;
		case OPT_TEST_TIME: {
			char *end;
			o->test_time = strtod(a, &end);
			if (*end || !(o->test_time > 0 && o->test_time <= 86400))
				return bad(name, a, "expected seconds (0..86400]");
			have_time = true;
			break;
		}
		case OPT_SEED:
			if (parse_u64(a, 0, UINT64_MAX, &o->seed) < 0)
				return bad(name, a, "expected a number");
			break;
		case OPT_JSON: o->json = true; break;
		case OPT_LINGER: o->linger = true; break;
		case OPT_CONNECT_TIMEOUT: {
			char *end;
			o->connect_timeout = strtod(a, &end);
			if (*end || !(o->connect_timeout > 0 && o->connect_timeout <= 600))
				return bad(name, a, "expected seconds (0..600]");
			break;
		}
		case OPT_PREFILL: o->prefill = true; break;
		case OPT_PREFILL_SEED:
			if (parse_u64(a, 0, UINT64_MAX, &o->prefill_seed) < 0)
				return bad(name, a, "expected a number");
			have_prefill_seed = true;
			break;
		case OPT_POISON_KEY:
			if (parse_u64(a, 0, UINT64_MAX / 2, &v) < 0)
				return bad(name, a, "expected a key index");
			o->poison_key = (int64_t)v;
			break;
		case OPT_HELP:
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "wirekv-loadgen: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->dpdk_args) {
		fprintf(stderr, "wirekv-loadgen: --dpdk-args is required (see --help)\n");
		return -1;
	}
	if (o->key_max < o->key_min) {
		fprintf(stderr, "wirekv-loadgen: --key-maximum is below --key-minimum\n");
		return -1;
	}
	if (!have_prefill_seed)
		o->prefill_seed = o->seed;
	if (o->requests && have_time) {
		fprintf(stderr, "wirekv-loadgen: give --requests or --test-time, not both\n");
		return -1;
	}
	if (!o->requests && !have_time)
		o->test_time = 10;
	if (o->poison_key >= 0 && ((uint64_t)o->poison_key < o->key_min ||
				   (uint64_t)o->poison_key > o->key_max)) {
		fprintf(stderr, "wirekv-loadgen: --poison-key is outside the key range\n");
		return -1;
	}
	return 0;
}
