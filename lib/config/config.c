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
}

void config_free(struct wk_config *c)
{
	for (int i = 0; i < c->nbind; i++)
		config_string_release(c->bind[i]);
	config_string_release(c->requirepass);
	config_string_release(c->logfile);
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
	for (int i = 0; i < src->nbind && !rc; i++) {
		rc = dup_field(&copy.bind[i], src->bind[i]);
		if (!rc)
			copy.nbind++;
	}
	if (!rc)
		rc = dup_field(&copy.requirepass, src->requirepass);
	if (!rc)
		rc = dup_field(&copy.logfile, src->logfile);
	if (rc) {
		config_free(&copy);
		config_init(dst);
		return rc;
	}
	*dst = copy;
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
