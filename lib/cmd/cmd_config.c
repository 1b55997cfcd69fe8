/* CONFIG GET / SET / RESETSTAT / HELP. Every worker has its own copy of the
 * config; SET and RESETSTAT reach all of them through a coordinator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd_docs.h"
#include "cmd/cmd_server_int.h"
#include "cmd/cmd_util.h"

struct config_pair {
	char *name;
	char *value;
};

struct config_list {
	struct config_pair *v;
	size_t n, cap;
	bool nomem;
};

static void list_free(struct config_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
}

static void list_push(struct config_list *l, const char *name, size_t nlen, const char *value)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct config_pair *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->nomem = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	char *n = malloc(nlen + 1), *val = strdup(value ? value : "");
	if (!n || !val) {
		free(n);
		free(val);
		l->nomem = true;
		return;
	}
	memcpy(n, name, nlen);
	n[nlen] = '\0';
	l->v[l->n++] = (struct config_pair){n, val};
}

static void collect(void *arg, const char *name, const char *value)
{
	list_push(arg, name, strlen(name), value);
}

static bool list_has(const struct config_list *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i].name) == len && strncasecmp(l->v[i].name, name, len) == 0)
			return true;
	return false;
}

/*
 * Redis 7.0: a pattern without glob characters is looked up by name
 * (case-insensitively) and reported as the client spelled it; a glob is
 * matched case-insensitively against every name. A name reported once is
 * not repeated. Redis's order is its dict's; here it is the config's.
 */
void cmd_config_get(struct cmd_ctx *c)
{
	struct config_list all = {0}, out = {0};
	config_foreach(c->env->cfg, collect, &all);
	for (int i = 2; i < c->argc && !all.nomem; i++) {
		const struct resp_arg *p = &c->argv[i];
		size_t plen = cmd_arg_cstrlen(p);
		bool glob = memchr(p->ptr, '[', plen) || memchr(p->ptr, '*', plen) ||
			    memchr(p->ptr, '?', plen);
		for (size_t k = 0; k < all.n; k++) {
			const char *name = all.v[k].name;
			size_t nlen = strlen(name);
			if (glob) {
				if (store_glob_match(p->ptr, p->len, name, nlen, true) &&
				    !list_has(&out, name, nlen))
					list_push(&out, name, nlen, all.v[k].value);
			} else if (nlen == plen && strncasecmp(name, p->ptr, plen) == 0) {
				if (!list_has(&out, p->ptr, plen))
					list_push(&out, p->ptr, plen, all.v[k].value);
				break;
			}
		}
	}
	if (all.nomem || out.nomem) {
		cmd_reply_oom(c->r);
	} else {
		reply_map(c->r, (long)out.n);
		for (size_t i = 0; i < out.n; i++) {
			reply_bulk_cstr(c->r, out.v[i].name);
			reply_bulk_cstr(c->r, out.v[i].value);
		}
	}
	list_free(&all);
	list_free(&out);
}

void cmd_config_help(struct cmd_ctx *c)
{
	cmd_doc_reply_help(c->r, "config");
}

/* Apply name value pairs argv[first..] to cfg; 0, or -1 with Redis's
 * error (without "ERR ") in err. */
static int apply_pairs(struct wk_config *cfg, int argc, const struct resp_arg *argv, int first,
		       char *err, size_t errlen)
{
	for (int i = first; i + 1 < argc; i += 2) {
		char *name = srv_argdup(&argv[i]), *value = srv_argdup(&argv[i + 1]);
		int rc = -1;
		if (name && value)
			rc = config_set(cfg, name, value, err, errlen);
		else
			snprintf(err, errlen, "Out of memory");
		free(name);
		free(value);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* __configset name value ...: apply to this worker's copy. */
void cmd_int_configset(struct cmd_ctx *c)
{
	char err[512];
	if (apply_pairs(c->env->cfg, c->argc, c->argv, 1, err, sizeof(err)) != 0) {
		reply_errorf(c->r, "ERR %s", err);
		return;
	}
	cmd_reply_ok(c->r);
}

/* Redis's configSetCommand checks: unknown names first, then duplicates.
 * 0, or -1 after replying the error. */
static int check_names(struct coord_ctx *cc)
{
	struct config_list all = {0};
	config_foreach(cc->env->cfg, collect, &all);
	const struct resp_arg *unknown = NULL, *dup = NULL;
	for (int i = 2; i + 1 < cc->argc && !all.nomem; i += 2) {
		const struct resp_arg *n = &cc->argv[i];
		if (!list_has(&all, n->ptr, n->len)) {
			if (!unknown && !dup)
				unknown = n;
			continue;
		}
		if (unknown || dup)
			continue;
		for (int j = 2; j < i; j += 2)
			if (cc->argv[j].len == n->len &&
			    strncasecmp(cc->argv[j].ptr, n->ptr, n->len) == 0)
				dup = n;
	}
	bool nomem = all.nomem;
	list_free(&all);
	if (nomem) {
		cmd_reply_oom(cc->r);
		return -1;
	}
	if (unknown) {
		reply_errorf(cc->r, "ERR Unknown option or number of arguments for CONFIG SET - '%.*s'",
			     (int)cmd_arg_cstrlen(unknown), unknown->ptr);
		return -1;
	}
	if (dup) {
		reply_errorf(cc->r, "ERR CONFIG SET failed (possibly related to argument '%.*s') - "
			     "duplicate parameter", (int)cmd_arg_cstrlen(dup), dup->ptr);
		return -1;
	}
	return 0;
}

/* Redis's updateMaxclients: more clients on io_uring need more open
 * files; the limit is raised (for the whole process) or the change is
 * refused with the number that fits. 0, or -1 with the error in err. */
static int fit_maxclients(const struct cmd_env *env, const struct wk_config *next,
			  char *err, size_t errlen)
{
	struct fd_limit fl;
	if (next->maxclients <= env->cfg->maxclients || next->io_backend != IO_BACKEND_URING)
		return 0;
	if (config_fit_fd_limit(next->maxclients, env->nworkers, next->nbind, &fl) == FD_FITS)
		return 0;
	snprintf(err, errlen, "CONFIG SET failed (possibly related to argument 'maxclients') - "
		 "The operating system is not able to handle the specified number of clients, "
		 "try with %lld", fl.maxclients);
	return -1;
}

/*
 * CONFIG SET name value [name value ...]: checked and applied on a scratch
 * copy of this worker's config first, so a bad pair changes nothing
 * anywhere (Redis's all-or-nothing); then applied on every worker. Workers
 * switch to the new values one after another, not at one instant.
 */
enum coord_result coord_config_set(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		if ((cc->argc - 2) % 2 != 0) {
			cmd_reply_syntax(cc->r);
			return COORD_DONE;
		}
		if (check_names(cc) != 0)
			return COORD_DONE;
		struct wk_config scratch;
		char err[512];
		if (config_clone(&scratch, cc->env->cfg) != 0) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		int rc = apply_pairs(&scratch, cc->argc, cc->argv, 2, err, sizeof(err));
		if (rc == 0)
			rc = fit_maxclients(cc->env, &scratch, err, sizeof(err));
		config_free(&scratch);
		if (rc != 0) {
			reply_errorf(cc->r, "ERR %s", err);
			return COORD_DONE;
		}
		struct resp_arg *sub = malloc(sizeof(*sub) * (size_t)(cc->argc - 1));
		if (!sub) {
			cmd_reply_oom(cc->r);
			return COORD_DONE;
		}
		sub[0] = (struct resp_arg){"__configset", 11};
		memcpy(sub + 1, cc->argv + 2, sizeof(*sub) * (size_t)(cc->argc - 2));
		coord_send_all(cc, cc->argc - 1, sub); /* send copies argv */
		free(sub);
		return COORD_WAIT;
	}
	if (!coord_forward_error(cc))
		cmd_reply_ok(cc->r);
	return COORD_DONE;
}

/* __resetstat: Redis's resetServerStats for this worker (the connected
 * clients gauge is not a statistic and stays). */
void cmd_int_resetstat(struct cmd_ctx *c)
{
	uint64_t connected = c->env->stats->connected_clients;
	memset(c->env->stats, 0, sizeof(*c->env->stats));
	c->env->stats->connected_clients = connected;
	shard_reset_stats(c->env->shard);
	cmd_reply_ok(c->r);
}

enum coord_result coord_config_resetstat(struct coord_ctx *cc)
{
	if (cc->phase == 0) {
		static const struct resp_arg sub[1] = {{"__resetstat", 11}};
		coord_send_all(cc, 1, sub);
		return COORD_WAIT;
	}
	cmd_reply_ok(cc->r);
	return COORD_DONE;
}
