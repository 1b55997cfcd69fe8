/* COMMAND [COUNT | INFO | DOCS | LIST | GETKEYS | HELP]: over wirekv's own
 * table (internal commands hidden), with Redis's data for each entry. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd_docs.h"
#include "cmd/cmd_server_int.h"
#include "cmd/cmd_util.h"

struct walk {
	struct reply *r;
	long n;
	const struct resp_arg *pattern; /* COMMAND LIST FILTERBY PATTERN */
	const struct resp_arg *aclcat;  /* COMMAND LIST FILTERBY ACLCAT */
	bool none;                      /* FILTERBY MODULE: wirekv has no modules */
};

static void each_info(void *arg, const struct cmd_def *d)
{
	struct walk *w = arg;
	if (d->flags & CMD_INTERNAL)
		return;
	cmd_doc_reply_info(w->r, d);
	w->n++;
}

void cmd_command_all(struct cmd_ctx *c)
{
	struct walk w = {.r = c->r};
	size_t mark = reply_defer(c->r);
	cmd_table_foreach(c->env->table, each_info, &w);
	reply_defer_array(c->r, mark, w.n);
}

static void each_count(void *arg, const struct cmd_def *d)
{
	struct walk *w = arg;
	if (!(d->flags & CMD_INTERNAL))
		w->n++;
}

void cmd_command_count(struct cmd_ctx *c)
{
	struct walk w = {0};
	cmd_table_foreach(c->env->table, each_count, &w);
	reply_int(c->r, w.n);
}

void cmd_command_info(struct cmd_ctx *c)
{
	if (c->argc == 2) {
		cmd_command_all(c);
		return;
	}
	reply_array(c->r, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		const struct cmd_def *d =
			cmd_doc_resolve(c->env->table, c->argv[i].ptr, c->argv[i].len);
		if (d)
			cmd_doc_reply_info(c->r, d);
		else
			reply_null(c->r);
	}
}

static void each_docs(void *arg, const struct cmd_def *d)
{
	struct walk *w = arg;
	if (d->flags & CMD_INTERNAL)
		return;
	reply_bulk_cstr(w->r, d->name);
	cmd_doc_reply_docs(w->r, d);
	w->n++;
}

/* Unknown names are left out of the map, as in Redis. */
void cmd_command_docs(struct cmd_ctx *c)
{
	struct walk w = {.r = c->r};
	size_t mark = reply_defer(c->r);
	if (c->argc == 2) {
		cmd_table_foreach(c->env->table, each_docs, &w);
	} else {
		for (int i = 2; i < c->argc; i++) {
			const struct cmd_def *d =
				cmd_doc_resolve(c->env->table, c->argv[i].ptr, c->argv[i].len);
			if (d)
				each_docs(&w, d);
		}
	}
	reply_defer_map(c->r, mark, w.n);
}

/* Is cat (without '@') among the command's ACL categories in the data? */
static bool has_aclcat(const struct cmd_def *d, const struct resp_arg *cat)
{
	const struct cmd_doc *doc = cmd_doc_find(d->name, strlen(d->name));
	if (!doc)
		return false;
	const struct cmd_doc_node *info = &cmd_doc_nodes[doc->info];
	const struct cmd_doc_node *cats = &cmd_doc_nodes[info->v + 6];
	for (uint32_t i = 0; i < cats->n; i++) {
		const struct cmd_doc_node *s = &cmd_doc_nodes[cats->v + i];
		if (s->n == cat->len + 1 && strncasecmp(s->s + 1, cat->ptr, cat->len) == 0)
			return true;
	}
	return false;
}

static void list_one(struct walk *w, const struct cmd_def *d)
{
	if (w->none)
		return;
	if (w->pattern && !store_glob_match(w->pattern->ptr, w->pattern->len, d->name,
					    strlen(d->name), true))
		return;
	if (w->aclcat && !has_aclcat(d, w->aclcat))
		return;
	reply_bulk_cstr(w->r, d->name);
	w->n++;
}

static void each_name(void *arg, const struct cmd_def *d)
{
	struct walk *w = arg;
	if (d->flags & CMD_INTERNAL)
		return;
	list_one(w, d);
	if (!cmd_doc_shows_subcmds(d))
		return;
	for (const struct cmd_def *s = d->subcmds; s->name; s++)
		if (!(s->flags & CMD_INTERNAL))
			list_one(w, s);
}

/* COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern] */
void cmd_command_list(struct cmd_ctx *c)
{
	struct walk w = {.r = c->r};
	if (c->argc == 5 && cmd_arg_is(&c->argv[2], "filterby")) {
		const struct resp_arg *kind = &c->argv[3];
		if (cmd_arg_is(kind, "pattern"))
			w.pattern = &c->argv[4];
		else if (cmd_arg_is(kind, "aclcat"))
			w.aclcat = &c->argv[4];
		else if (cmd_arg_is(kind, "module"))
			w.none = true;
		else {
			cmd_reply_syntax(c->r);
			return;
		}
	} else if (c->argc != 2) {
		cmd_reply_syntax(c->r);
		return;
	}
	size_t mark = reply_defer(c->r);
	cmd_table_foreach(c->env->table, each_name, &w);
	reply_defer_array(c->r, mark, w.n);
}

/* COMMAND GETKEYS cmd args...: from the table's key positions (wirekv has
 * no commands with movable keys). */
void cmd_command_getkeys(struct cmd_ctx *c)
{
	int argc = c->argc - 2;
	const struct resp_arg *argv = c->argv + 2;
	const struct cmd_def *d = cmd_lookup(c->env->table, argv[0].ptr, argv[0].len, false);
	if (d && (d->flags & CMD_CONTAINER)) {
		const struct cmd_def *sub = NULL;
		if (argc >= 2 && cmd_doc_shows_subcmds(d)) {
			size_t plen = strlen(d->name) + 1;
			for (const struct cmd_def *s = d->subcmds; s->name; s++)
				if (strlen(s->name + plen) == argv[1].len &&
				    strncasecmp(s->name + plen, argv[1].ptr, argv[1].len) == 0)
					sub = s;
			d = sub;
		} else if (argc >= 2) {
			d = NULL;
		}
	}
	if (!d) {
		reply_error(c->r, "ERR Invalid command specified");
		return;
	}
	if (d->first_key <= 0 && !(d->flags & CMD_NUMKEYS_AT2)) {
		reply_error(c->r, "ERR The command has no key arguments");
		return;
	}
	if ((d->arity > 0 && d->arity != argc) || argc < -d->arity) {
		reply_error(c->r, "ERR Invalid number of arguments specified for command");
		return;
	}
	int first, last, step;
	int n = cmd_key_range_argv(d, argc, argv, &first, &last, &step);
	if (n <= 0) {
		reply_error(c->r, "ERR Invalid arguments specified for command");
		return;
	}
	reply_array(c->r, n);
	for (int i = first; i <= last; i += step)
		reply_bulk(c->r, argv[i].ptr, argv[i].len);
}

void cmd_command_help(struct cmd_ctx *c)
{
	cmd_doc_reply_help(c->r, "command");
}
