/* Defaults, ownership of a wk_config's strings, and error formatting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* Static defaults: config_init cannot fail, and a copy may share them
 * because nobody writes through or frees them. */
const char config_default_bind[] = "127.0.0.1";
const char config_empty_string[] = "";

static bool is_static(const char *s)
{
	return s == config_default_bind || s == config_empty_string;
}

void config_string_release(char *s)
{
	if (s && !is_static(s))
		free(s);
}

char *config_string_dup(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void config_copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);

	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

void config_init(struct wk_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 6379;
	c->bind[0] = (char *)config_default_bind;
	c->nbind = 1;
	c->threads = 0;
	c->io_backend = IO_BACKEND_URING;
	c->requirepass = NULL;
	c->maxclients = 10000;
	c->timeout = 0;
	c->tcp_backlog = 511;
	c->databases = 16;
	c->hz = 10;
	c->loglevel = LL_NOTICE;
	c->logfile = (char *)config_empty_string;
	c->maxmemory = 0;
	c->maxmemory_policy = MM_NOEVICTION;
	c->proto_max_bulk_len = 512LL * 1024 * 1024;
	c->client_query_buffer_limit = 1024LL * 1024 * 1024;
	c->obuf_hard_limit = 0;
	c->obuf_soft_limit = 0;
	c->obuf_soft_seconds = 0;
	c->io_coalesce_us = 200;
	c->mtu = 1500;
	c->dpdk_port = 0;
	c->list_max_listpack_size = -2;
	c->list_compress_depth = 0;
	c->set_max_intset_entries = 512;
	c->zset_max_listpack_entries = 128;
	c->zset_max_listpack_value = 64;
	c->hash_max_listpack_entries = 512;
	c->hash_max_listpack_value = 64;
}

void config_free(struct wk_config *c)
{
	for (int i = 0; i < c->nbind; i++)
		config_string_release(c->bind[i]);
	config_string_release(c->requirepass);
	config_string_release(c->logfile);
	config_string_release(c->dpdk_args);
	/* Leave a valid (default) config behind: a second free is harmless. */
	config_init(c);
}

static int dup_field(char **dst, const char *src)
{
	if (!src || is_static(src)) {
		*dst = (char *)src;
		return 0;
	}
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int config_clone(struct wk_config *dst, const struct wk_config *src)
{
	struct wk_config copy = *src;
	int rc = 0;

	/* Null every string first so a partial copy frees cleanly. */
	memset(copy.bind, 0, sizeof(copy.bind));
	copy.nbind = 0;
	copy.requirepass = NULL;
	copy.logfile = NULL;
	copy.dpdk_args = NULL;
	for (int i = 0; i < src->nbind && !rc; i++) {
		rc = dup_field(&copy.bind[i], src->bind[i]);
		if (!rc)
			copy.nbind++;
	}
	if (!rc)
		rc = dup_field(&copy.requirepass, src->requirepass);
	if (!rc)
		rc = dup_field(&copy.logfile, src->logfile);
	if (!rc)
		rc = dup_field(&copy.dpdk_args, src->dpdk_args);
	if (rc) {
		config_free(&copy);
		config_init(dst);
		return rc;
	}
	*dst = copy;
	return 0;
}

bool config_impair_on(const struct wk_net_impair *imp)
{
	return imp->loss_pct > 0 || imp->reorder_pct > 0 || imp->dup_pct > 0 || imp->delay_us > 0;
}

static int check_fail(struct config_error *err, const char *file, const char *msg)
{
	if (!err)
		return -1;
	memset(err, 0, sizeof(*err));
	config_copy_str(err->file, sizeof(err->file), file);
	config_copy_str(err->msg, sizeof(err->msg), msg);
	return -1;
}

int config_check(const struct wk_config *c, const char *file, struct config_error *err)
{
	if (c->io_backend != IO_BACKEND_DPDK)
		return 0;
	if (!c->ip)
		return check_fail(err, file,
				  "io-backend dpdk needs 'ip' (our address and prefix, e.g. ip 198.18.0.2/24)");
	if (!c->dpdk_args || !c->dpdk_args[0])
		return check_fail(err, file,
				  "io-backend dpdk needs 'dpdk-args' (the EAL arguments, e.g. dpdk-args \"-l 0-1 --no-pci --vdev=net_tap0\")");
	uint32_t mask = c->ip_prefix ? 0xffffffffu << (32 - c->ip_prefix) : 0;
	if (c->gateway && (c->gateway & mask) != (c->ip & mask))
		return check_fail(err, file, "'gateway' is not in the subnet of 'ip'");
	return 0;
}

void config_format_error(const struct config_error *err, char *buf, size_t n)
{
	if (!n)
		return;
	if (err->directive[0])
		snprintf(buf, n, "%s:%d: '%s': %s", err->file, err->line,
			 err->directive, err->msg);
	else
		snprintf(buf, n, "%s: %s", err->file, err->msg);
}

const char *config_policy_name(enum maxmemory_policy p)
{
	switch (p) {
	case MM_NOEVICTION: return "noeviction";
	case MM_ALLKEYS_LRU: return "allkeys-lru";
	case MM_ALLKEYS_LFU: return "allkeys-lfu";
	case MM_ALLKEYS_RANDOM: return "allkeys-random";
	case MM_VOLATILE_LRU: return "volatile-lru";
	case MM_VOLATILE_LFU: return "volatile-lfu";
	case MM_VOLATILE_RANDOM: return "volatile-random";
	case MM_VOLATILE_TTL: return "volatile-ttl";
	}
	return "unknown";
}

const char *config_loglevel_name(enum loglevel l)
{
	switch (l) {
	case LL_DEBUG: return "debug";
	case LL_VERBOSE: return "verbose";
	case LL_NOTICE: return "notice";
	case LL_WARNING: return "warning";
	case LL_NOTHING: return "nothing";
	}
	return "unknown";
}
