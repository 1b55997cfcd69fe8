/* The command table: lookup, Redis's pre-execution checks, execution. */
#include "cmd/cmd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CMD_NAME_MAX 64

/* Open addressing over the top-level rows of every family; immutable after
 * cmd_table_new, so all workers may read it. */
struct cmd_table {
	size_t mask;
	const struct cmd_def **slots;
};

static uint64_t name_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)tolower((unsigned char)s[i]);
		h *= 1099511628211ULL;
	}
	return h;
}

static int table_add(struct cmd_table *t, const struct cmd_def *d)
{
	size_t n = strlen(d->name);
	for (size_t i = name_hash(d->name, n) & t->mask;; i = (i + 1) & t->mask) {
		if (!t->slots[i]) {
			t->slots[i] = d;
			return 0;
		}
		if (strcasecmp(t->slots[i]->name, d->name) == 0)
			return -EEXIST;
	}
}

struct cmd_table *cmd_table_new(void)
{
	const struct cmd_def *families[] = {cmd_strings_table, cmd_keys_table, cmd_server_table,
						cmd_hash_table, cmd_set_table, cmd_zset_table, cmd_list_table,
						cmd_block_table};
	size_t count = 0;
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++)
		for (const struct cmd_def *d = families[f]; d->name; d++)
			count++;
	size_t size = 64;
	while (size < count * 4)
		size *= 2;
	struct cmd_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->mask = size - 1;
	t->slots = calloc(size, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		for (const struct cmd_def *d = families[f]; d->name; d++) {
			if (table_add(t, d) != 0) {
				fprintf(stderr, "wirekv: command '%s' defined twice\n", d->name);
				cmd_table_free(t);
				return NULL;
			}
		}
	}
	return t;
}

void cmd_table_free(struct cmd_table *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

void cmd_table_foreach(const struct cmd_table *t,
		       void (*fn)(void *arg, const struct cmd_def *d), void *arg)
{
	for (size_t i = 0; i <= t->mask; i++)
		if (t->slots[i])
			fn(arg, t->slots[i]);
}

static bool name_eq(const char *def_name, const char *s, size_t n)
{
	return strlen(def_name) == n && strncasecmp(def_name, s, n) == 0;
}

const struct cmd_def *cmd_lookup(const struct cmd_table *t, const char *name, size_t len,
				 bool allow_internal)
{
	if (len == 0 || len > CMD_NAME_MAX)
		return NULL;
	for (size_t i = name_hash(name, len) & t->mask; t->slots[i]; i = (i + 1) & t->mask) {
		const struct cmd_def *d = t->slots[i];
		if (name_eq(d->name, name, len)) {
			if ((d->flags & CMD_INTERNAL) && !allow_internal)
				return NULL;
			return d;
		}
	}
	return NULL;
}

/* Subcommand rows are named "container|sub". */
static const struct cmd_def *lookup_sub(const struct cmd_def *container, const struct resp_arg *a)
{
	size_t plen = strlen(container->name) + 1;
	for (const struct cmd_def *d = container->subcmds; d && d->name; d++)
		if (name_eq(d->name + plen, a->ptr, a->len))
			return d;
	return NULL;
}

/* Redis's lookupCommand: a container with arguments resolves to its subcommand. */
static const struct cmd_def *resolve(const struct cmd_table *t, int argc,
				     const struct resp_arg *argv, bool allow_internal,
				     const struct cmd_def **container)
{
	const struct cmd_def *d = cmd_lookup(t, argv[0].ptr, argv[0].len, allow_internal);
	*container = d;
	if (d && (d->flags & CMD_CONTAINER) && argc >= 2)
		return lookup_sub(d, &argv[1]);
	return d;
}

/* "%.Ns" of Redis's C strings stops at a NUL byte; so does this. */
static size_t cstr_len(const struct resp_arg *a, size_t max)
{
	const char *nul = memchr(a->ptr, '\0', a->len);
	size_t n = nul ? (size_t)(nul - a->ptr) : a->len;
	return n < max ? n : max;
}

static void reply_unknown_command(struct reply *r, int argc, const struct resp_arg *argv)
{
	char args[160 + 3 * 128];
	size_t alen = 0;
	for (int i = 1; i < argc && alen < 128; i++) {
		size_t n = cstr_len(&argv[i], 128 - alen);
		args[alen++] = '\'';
		memcpy(args + alen, argv[i].ptr, n);
		alen += n;
		args[alen++] = '\'';
		args[alen++] = ' ';
	}
	args[alen] = '\0';
	reply_errorf(r, "ERR unknown command '%.*s', with args beginning with: %s",
		     (int)cstr_len(&argv[0], 128), argv[0].ptr, args);
}

static void reply_unknown_subcommand(struct reply *r, const struct cmd_def *container,
				     const struct resp_arg *sub)
{
	char upper[CMD_NAME_MAX + 1];
	size_t n = strlen(container->name);
	for (size_t i = 0; i <= n; i++)
		upper[i] = (char)toupper((unsigned char)container->name[i]);
	reply_errorf(r, "ERR unknown subcommand '%.*s'. Try %s HELP.",
		     (int)cstr_len(sub, 128), sub->ptr, upper);
}

static bool over_maxmemory(const struct cmd_env *env)
{
	long long max = env->cfg->maxmemory;
	if (max <= 0)
		return false;
	/* Each worker holds about 1/N of the keys (slots are spread evenly),
	 * so each gets 1/N of the budget: no worker reads another's counter. */
	size_t budget = (size_t)max / (size_t)(env->nworkers > 0 ? env->nworkers : 1);
	return shard_used_memory(env->shard) > budget;
}

const struct cmd_def *cmd_prepare(struct cmd_env *env, struct cmd_client *cl, struct reply *r,
				  int argc, const struct resp_arg *argv)
{
	const struct cmd_def *container;
	const struct cmd_def *d = resolve(env->table, argc, argv, false, &container);
	if (!d) {
		if (container)
			reply_unknown_subcommand(r, container, &argv[1]);
		else
			reply_unknown_command(r, argc, argv);
		return NULL;
	}
	if ((d->arity > 0 && d->arity != argc) || argc < -d->arity) {
		reply_errorf(r, "ERR wrong number of arguments for '%s' command", d->name);
		return NULL;
	}
	if (!cl->authenticated && !(d->flags & CMD_NOAUTH)) {
		reply_error(r, "NOAUTH Authentication required.");
		return NULL;
	}
	if ((d->flags & CMD_DENYOOM) && over_maxmemory(env)) {
		reply_error(r, "OOM command not allowed when used memory > 'maxmemory'.");
		return NULL;
	}
	return d;
}

int cmd_key_range(const struct cmd_def *def, int argc, int *first, int *last, int *step)
{
	if (def->first_key <= 0 || def->first_key >= argc)
		return 0;
	int l = def->last_key < 0 ? argc + def->last_key : def->last_key;
	if (l >= argc)
		l = argc - 1;
	int s = def->key_step > 0 ? def->key_step : 1;
	if (l < def->first_key)
		return 0;
	*first = def->first_key;
	*last = l;
	*step = s;
	return (l - def->first_key) / s + 1;
}

/* Redis's string2ll, enough for a numkeys argument. */
static bool cmd_parse_numkeys(const struct resp_arg *a, long long *v)
{
	if (a->len == 0 || a->len > 19 || (a->len > 1 && a->ptr[0] == '0'))
		return false;
	long long x = 0;
	for (size_t i = 0; i < a->len; i++) {
		if (a->ptr[i] < '0' || a->ptr[i] > '9')
			return false;
		x = x * 10 + (a->ptr[i] - '0');
	}
	*v = x;
	return true;
}

int cmd_key_range_argv(const struct cmd_def *def, int argc, const struct resp_arg *argv,
		       int *first, int *last, int *step)
{
	if (def->flags & CMD_NUMKEYS_AT2) {
		long long n;
		if (argc < 5 || !cmd_parse_numkeys(&argv[2], &n) || n < 1 || n > argc - 4)
			return 0;
		*first = 3;
		*last = 3 + (int)n - 1;
		*step = 1;
		return (int)n;
	}
	return cmd_key_range(def, argc, first, last, step);
}

void cmd_run_wake(struct cmd_env *env, const struct cmd_def *def, int db, struct reply *r,
		  int argc, const struct resp_arg *argv, enum cmd_wake wake,
		  const struct resp_arg *key)
{
	struct cmd_ctx c = {
		.env = env, .client = NULL, .def = def, .r = r, .db = db, .argc = argc, .argv = argv,
		.wake = wake, .wake_key = key,
	};
	shard_set_time(env->shard, env->now_ms);
	def->handler(&c);
}

void cmd_run(struct cmd_env *env, struct cmd_client *cl, const struct cmd_def *def, int db,
	     struct reply *r, int argc, const struct resp_arg *argv)
{
	struct cmd_ctx c = {
		.env = env, .client = cl, .def = def, .r = r, .db = db, .argc = argc, .argv = argv,
	};
	shard_set_time(env->shard, env->now_ms);
	env->stats->total_commands_processed++;
	if (cl) {
		cl->last_cmd = def->name;
		cl->last_ms = env->now_ms;
	}
	def->handler(&c);
}

void cmd_run_sub(struct cmd_env *env, int db, struct reply *r, int argc,
		 const struct resp_arg *argv)
{
	const struct cmd_def *container;
	const struct cmd_def *d = resolve(env->table, argc, argv, true, &container);
	if (!d || !d->handler) {
		reply_error(r, "ERR internal sub-request for an unknown command");
		return;
	}
	struct cmd_ctx c = {
		.env = env, .client = NULL, .def = d, .r = r, .db = db, .argc = argc, .argv = argv,
	};
	shard_set_time(env->shard, env->now_ms);
	d->handler(&c);
}

void cmd_client_init(struct cmd_client *cl, const struct cmd_env *env, uint64_t id)
{
	memset(cl, 0, sizeof(*cl));
	cl->id = id;
	cl->resp = 2;
	cl->fd = -1;
	cl->authenticated = !env->cfg->requirepass || !env->cfg->requirepass[0];
	cl->ctime_ms = env->now_ms;
	cl->last_ms = env->now_ms;
	cl->last_cmd = "NULL";
}
