/*
 * lib/cmd private: Redis 7.0.15's command documentation data (generated into
 * cmd_docs.c by tools/gen-command-docs.py) and the encoders that turn it
 * into COMMAND / COMMAND INFO / COMMAND DOCS replies. Immutable data; any
 * worker may call these.
 */
#ifndef WIREKV_CMD_DOCS_H
#define WIREKV_CMD_DOCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/cmd.h"

/* One value of a RESP3 reply as redis-server sent it. type is the RESP3
 * type byte: '$' bulk, '+' status, ':' integer, '*' array, '%' map,
 * '~' set, '_' null. Strings: n bytes at s. Integers: v. Aggregates: n
 * elements (maps: n pairs, 2n nodes) at cmd_doc_nodes[v ...]. */
struct cmd_doc_node {
	char type;
	uint32_t n;
	int64_t v;
	const char *s;
};

struct cmd_doc {
	const char *name;   /* full lower-case name: "get", "client|list" */
	uint32_t info;      /* array of COMMAND INFO's first 9 fields */
	uint32_t docs;      /* COMMAND DOCS map without "subcommands" */
	bool has_subcmds;   /* Redis lists subcommands for it */
};

struct cmd_help {
	const char *container;     /* "client" */
	const char *const *lines;  /* NULL-terminated */
};

extern const struct cmd_doc_node cmd_doc_nodes[];
extern const struct cmd_doc cmd_docs[];
extern const size_t cmd_docs_count;
extern const struct cmd_help cmd_helps[];
extern const char cmd_latency_doctor_text[];

/* Data for a full name (case-insensitive), or NULL. */
const struct cmd_doc *cmd_doc_find(const char *name, size_t len);

/* A container's HELP lines, or NULL. */
const char *const *cmd_doc_help(const char *container);
/* Reply HELP lines as Redis does (array of status replies). */
void cmd_doc_reply_help(struct reply *r, const char *container);

/* Visible subcommands of a top-level row: those Redis also lists as
 * subcommands (DEBUG's internal split, for one, is not shown). */
bool cmd_doc_shows_subcmds(const struct cmd_def *def);

/* One COMMAND INFO entry for def (Redis's data, or one built from the row
 * when the generator has none), with its visible subcommands. */
void cmd_doc_reply_info(struct reply *r, const struct cmd_def *def);
/* COMMAND DOCS value for def (the map, not the name). */
void cmd_doc_reply_docs(struct reply *r, const struct cmd_def *def);

/* Resolve "name" or "parent|sub" against the table, as COMMAND INFO/DOCS
 * do (internal commands and hidden subcommands are unknown). */
const struct cmd_def *cmd_doc_resolve(const struct cmd_table *t, const char *name, size_t len);

#endif
