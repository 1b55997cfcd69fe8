/*
 * lib/cmd private: the server family's handlers and coordinators, split
 * over cmd_server.c (table, connection commands), cmd_client.c, cmd_config.c,
 * cmd_info.c, cmd_command.c and cmd_debug.c. Handlers run on one worker;
 * coordinators on the client's worker (see cmd.h).
 */
#ifndef WIREKV_CMD_SERVER_INT_H
#define WIREKV_CMD_SERVER_INT_H

#include <stdarg.h>

#include "cmd/cmd.h"
#include "cmd/coord_util.h"

/* Text built piece by piece (INFO, CLIENT LIST): a reply used as a plain
 * growable buffer. */
void srv_textf(struct reply *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Redis's bytesToHuman: "1023B", "1.50K", "2.00M" ... */
void srv_bytes_human(char *buf, size_t cap, unsigned long long n);

/* A copy of a as a NUL-terminated string (malloc'd), or NULL on OOM. */
char *srv_argdup(const struct resp_arg *a);

/* cmd_client.c */
void cmd_client_setname(struct cmd_ctx *c);
void cmd_client_getname(struct cmd_ctx *c);
void cmd_client_id(struct cmd_ctx *c);
void cmd_client_info(struct cmd_ctx *c);
void cmd_client_noevict(struct cmd_ctx *c);
void cmd_client_help(struct cmd_ctx *c);
enum coord_result coord_client_list(struct coord_ctx *cc);
enum coord_result coord_client_kill(struct coord_ctx *cc);
void cmd_int_clientlist(struct cmd_ctx *c);
void cmd_int_clientkill(struct cmd_ctx *c);
/* validateClientName: names are bytes '!'..'~' only. */
bool srv_client_name_ok(const char *p, size_t n);
#define SRV_ERR_CLIENT_NAME "ERR Client names cannot contain spaces, newlines or special characters."
/* Set (or clear, n == 0) the client's name. 0 or -ENOMEM. */
int srv_client_set_name(struct cmd_client *cl, const char *p, size_t n);

/* cmd_config.c */
void cmd_config_get(struct cmd_ctx *c);
void cmd_config_help(struct cmd_ctx *c);
enum coord_result coord_config_set(struct coord_ctx *cc);
enum coord_result coord_config_resetstat(struct coord_ctx *cc);
void cmd_int_configset(struct cmd_ctx *c);
void cmd_int_resetstat(struct cmd_ctx *c);

/* cmd_info.c */
enum coord_result coord_info(struct coord_ctx *cc);
void cmd_int_info(struct cmd_ctx *c);

/* cmd_command.c */
void cmd_command_all(struct cmd_ctx *c);
void cmd_command_count(struct cmd_ctx *c);
void cmd_command_info(struct cmd_ctx *c);
void cmd_command_docs(struct cmd_ctx *c);
void cmd_command_list(struct cmd_ctx *c);
void cmd_command_getkeys(struct cmd_ctx *c);
void cmd_command_help(struct cmd_ctx *c);

/* cmd_debug.c */
enum coord_result coord_debug(struct coord_ctx *cc);
void cmd_int_debugobject(struct cmd_ctx *c);
void cmd_latency_doctor(struct cmd_ctx *c);
void cmd_latency_help(struct cmd_ctx *c);

#endif
