/* COMMAND INFO / COMMAND DOCS / HELP replies from the generated data
 * (cmd_docs.c). The data is Redis's RESP3 reply; RESP2 gets Redis's
 * downgrade through the reply encoder (maps flat, sets as arrays). */
#include "cmd/cmd_docs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void put_node(struct reply *r, uint32_t idx)
{
	const struct cmd_doc_node *n = &cmd_doc_nodes[idx];
	uint32_t kids = (uint32_t)n->v, count = n->n;
	switch (n->type) {
	case '$': reply_bulk(r, n->s, n->n); return;
	case '+': reply_statusn(r, n->s, n->n); return;
	case ':': reply_int(r, n->v); return;
	case '_': reply_null(r); return;
	case '*': reply_array(r, count); break;
	case '~': reply_set(r, count); break;
	case '%': reply_map(r, count); count *= 2; break;
	default: reply_null(r); return;
	}
	for (uint32_t i = 0; i < count; i++)
		put_node(r, kids + i);
}

/* cmd_docs is sorted by strcmp; names are lower case, so comparing the
 * lower-cased query byte by byte keeps that order. */
static int cmp_name(const char *q, size_t qlen, const char *name)
{
	size_t i = 0;
	for (; i < qlen && name[i]; i++) {
		int a = tolower((unsigned char)q[i]), b = (unsigned char)name[i];
		if (a != b)
			return a - b;
	}
	if (i < qlen)
		return 1;
	return name[i] ? -1 : 0;
}

const struct cmd_doc *cmd_doc_find(const char *name, size_t len)
{
	size_t lo = 0, hi = cmd_docs_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_name(name, len, cmd_docs[mid].name);
		if (c == 0)
			return &cmd_docs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *const *cmd_doc_help(const char *container)
{
	for (const struct cmd_help *h = cmd_helps; h->container; h++)
		if (strcmp(h->container, container) == 0)
			return h->lines;
	return NULL;
}

void cmd_doc_reply_help(struct reply *r, const char *container)
{
	const char *const *lines = cmd_doc_help(container);
	long n = 0;
	while (lines && lines[n])
		n++;
	reply_array(r, n);
	for (long i = 0; i < n; i++)
		reply_status(r, lines[i]);
}

bool cmd_doc_shows_subcmds(const struct cmd_def *def)
{
	if (!(def->flags & CMD_CONTAINER) || !def->subcmds)
		return false;
	const struct cmd_doc *d = cmd_doc_find(def->name, strlen(def->name));
	return d ? d->has_subcmds : true;
}

static long visible_subcmds(const struct cmd_def *def)
{
	long n = 0;
	if (!cmd_doc_shows_subcmds(def))
		return 0;
	for (const struct cmd_def *s = def->subcmds; s->name; s++)
		if (!(s->flags & CMD_INTERNAL))
			n++;
	return n;
}

/* Redis's flag names in addReplyFlagsForCommand's order, for rows that
 * have no generated data. */
static void put_row_flags(struct reply *r, uint32_t f)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{CMD_WRITE, "write"}, {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
		{CMD_ADMIN, "admin"}, {CMD_FAST, "fast"}, {CMD_NOAUTH, "no_auth"},
	};
	long n = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		n += (f & names[i].bit) != 0;
	reply_set(r, n);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit)
			reply_status(r, names[i].name);
}

void cmd_doc_reply_info(struct reply *r, const struct cmd_def *def)
{
	const struct cmd_doc *d = cmd_doc_find(def->name, strlen(def->name));
	reply_array(r, 10);
	if (d) {
		const struct cmd_doc_node *n = &cmd_doc_nodes[d->info];
		for (uint32_t i = 0; i < n->n; i++)
			put_node(r, (uint32_t)n->v + i);
	} else {
		reply_bulk_cstr(r, def->name);
		reply_int(r, def->arity);
		put_row_flags(r, def->flags);
		reply_int(r, def->first_key);
		reply_int(r, def->last_key);
		reply_int(r, def->key_step);
		reply_set(r, 0); /* ACL categories */
		reply_set(r, 0); /* tips */
		reply_set(r, 0); /* key specs */
	}
	if (!cmd_doc_shows_subcmds(def)) {
		reply_set(r, 0);
		return;
	}
	reply_array(r, visible_subcmds(def));
	for (const struct cmd_def *s = def->subcmds; s->name; s++)
		if (!(s->flags & CMD_INTERNAL))
			cmd_doc_reply_info(r, s);
}

void cmd_doc_reply_docs(struct reply *r, const struct cmd_def *def)
{
	const struct cmd_doc *d = cmd_doc_find(def->name, strlen(def->name));
	bool subs = cmd_doc_shows_subcmds(def);
	if (d) {
		const struct cmd_doc_node *n = &cmd_doc_nodes[d->docs];
		reply_map(r, (long)n->n + subs);
		for (uint32_t i = 0; i < 2 * n->n; i++)
			put_node(r, (uint32_t)n->v + i);
	} else {
		reply_map(r, 1 + subs);
		reply_bulk_cstr(r, "group");
		reply_bulk_cstr(r, "generic");
	}
	if (!subs)
		return;
	reply_bulk_cstr(r, "subcommands");
	reply_map(r, visible_subcmds(def));
	for (const struct cmd_def *s = def->subcmds; s->name; s++) {
		if (s->flags & CMD_INTERNAL)
			continue;
		reply_bulk_cstr(r, s->name);
		cmd_doc_reply_docs(r, s);
	}
}

const struct cmd_def *cmd_doc_resolve(const struct cmd_table *t, const char *name, size_t len)
{
	const char *bar = memchr(name, '|', len);
	if (!bar)
		return cmd_lookup(t, name, len, false);
	const struct cmd_def *parent = cmd_lookup(t, name, (size_t)(bar - name), false);
	if (!parent || !cmd_doc_shows_subcmds(parent))
		return NULL;
	size_t plen = strlen(parent->name) + 1;
	const char *sub = bar + 1;
	size_t slen = len - (size_t)(sub - name);
	for (const struct cmd_def *s = parent->subcmds; s->name; s++)
		if (!(s->flags & CMD_INTERNAL) && strlen(s->name + plen) == slen &&
		    strncasecmp(s->name + plen, sub, slen) == 0)
			return s;
	return NULL;
}
