/* The server family's table, and the connection commands: PING, ECHO,
 * HELLO, AUTH, SELECT, QUIT, RESET, TIME, SHUTDOWN. */
#include "cmd/cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_block_int.h"
#include "cmd/cmd_docs.h"
#include "cmd/cmd_server_int.h"
#include "cmd/cmd_util.h"

/* wirekv answers HELLO / INFO as this Redis version, for clients that check. */
#define SRV_REDIS_VERSION "7.0.15"
#define ERR_WRONGPASS "WRONGPASS invalid username-password pair or user is disabled."

/* ------------------------------------------------------------ helpers */

void srv_textf(struct reply *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		reply_raw(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->nomem = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	reply_raw(b, big, (size_t)n);
	free(big);
}

void srv_bytes_human(char *buf, size_t cap, unsigned long long n)
{
	static const char units[] = "KMGTP";
	double d = (double)n;
	unsigned long long limit = 1024;
	if (n < 1024) {
		snprintf(buf, cap, "%lluB", n);
		return;
	}
	for (int i = 0; units[i]; i++) {
		d /= 1024;
		if (n < limit * 1024) {
			snprintf(buf, cap, "%.2f%c", d, units[i]);
			return;
		}
		limit *= 1024;
	}
	snprintf(buf, cap, "%lluB", n);
}

char *srv_argdup(const struct resp_arg *a)
{
	char *s = malloc(a->len + 1);
	if (!s)
		return NULL;
	memcpy(s, a->ptr, a->len);
	s[a->len] = '\0';
	return s;
}

/* Handler of rows the engine always coordinates; never reached there. */
static void srv_coord_only(struct cmd_ctx *c)
{
	reply_errorf(c->r, "ERR '%s' runs only through its coordinator", c->def->name);
}

/* ----------------------------------------------------- PING ECHO TIME */

static void cmd_ping(struct cmd_ctx *c)
{
	if (c->argc > 2)
		cmd_reply_arity(c->r, "ping");
	else if (c->argc == 1)
		reply_raw(c->r, "+PONG\r\n", 7);
	else
		reply_bulk(c->r, c->argv[1].ptr, c->argv[1].len);
}

static void cmd_echo(struct cmd_ctx *c)
{
	reply_bulk(c->r, c->argv[1].ptr, c->argv[1].len);
}

static void cmd_time(struct cmd_ctx *c)
{
	reply_array(c->r, 2);
	reply_bulk_ll(c->r, c->env->now_us / 1000000);
	reply_bulk_ll(c->r, c->env->now_us % 1000000);
}

/* ------------------------------------------------- AUTH HELLO SELECT */

static bool requirepass_set(const struct cmd_env *env)
{
	const char *p = env->cfg->requirepass;
	return p && p[0];
}

/* Only the "default" user exists; without requirepass it takes any
 * password (Redis's "nopass"). Compared in time independent of where the
 * bytes differ. */
static bool credentials_ok(const struct cmd_env *env, const struct resp_arg *user,
			   const struct resp_arg *pass)
{
	if (user->len != 7 || memcmp(user->ptr, "default", 7) != 0)
		return false;
	if (!requirepass_set(env))
		return true;
	const char *want = env->cfg->requirepass;
	size_t wlen = strlen(want);
	unsigned diff = (unsigned)(wlen != pass->len);
	for (size_t i = 0; i < pass->len; i++)
		diff |= (unsigned char)pass->ptr[i] ^ (unsigned char)want[i % (wlen ? wlen : 1)];
	return diff == 0;
}

static void cmd_auth(struct cmd_ctx *c)
{
	static const struct resp_arg default_user = {"default", 7};
	if (c->argc > 3) {
		cmd_reply_syntax(c->r);
		return;
	}
	if (c->argc == 2 && !requirepass_set(c->env)) {
		reply_error(c->r, "ERR AUTH <password> called without any password configured for "
				  "the default user. Are you sure your configuration is correct?");
		return;
	}
	const struct resp_arg *user = c->argc == 2 ? &default_user : &c->argv[1];
	const struct resp_arg *pass = &c->argv[c->argc - 1];
	if (!credentials_ok(c->env, user, pass)) {
		reply_error(c->r, ERR_WRONGPASS);
		return;
	}
	c->client->authenticated = true;
	cmd_reply_ok(c->r);
}

static void cmd_hello(struct cmd_ctx *c)
{
	struct cmd_client *cl = c->client;
	long long ver = 0;
	int j = 1;
	if (c->argc >= 2) {
		if (cmd_arg_ll(c->r, &c->argv[1], &ver,
			       "ERR Protocol version is not an integer or out of range") != 0)
			return;
		if (ver < 2 || ver > 3) {
			reply_error(c->r, "NOPROTO unsupported protocol version");
			return;
		}
		j = 2;
	}
	const struct resp_arg *user = NULL, *pass = NULL, *name = NULL;
	for (; j < c->argc; j++) {
		int more = c->argc - 1 - j;
		if (cmd_arg_is(&c->argv[j], "auth") && more >= 2) {
			user = &c->argv[j + 1];
			pass = &c->argv[j + 2];
			j += 2;
		} else if (cmd_arg_is(&c->argv[j], "setname") && more >= 1) {
			name = &c->argv[j + 1];
			if (!srv_client_name_ok(name->ptr, name->len)) {
				reply_error(c->r, SRV_ERR_CLIENT_NAME);
				return;
			}
			j++;
		} else {
			reply_errorf(c->r, "ERR Syntax error in HELLO option '%.*s'",
				     (int)cmd_arg_cstrlen(&c->argv[j]), c->argv[j].ptr);
			return;
		}
	}
	if (user) {
		if (!credentials_ok(c->env, user, pass)) {
			reply_error(c->r, ERR_WRONGPASS);
			return;
		}
		cl->authenticated = true;
	}
	if (!cl->authenticated) {
		reply_error(c->r, "NOAUTH HELLO must be called with the client already authenticated, "
				  "otherwise the HELLO AUTH <user> <pass> option can be used to "
				  "authenticate the client and select the RESP protocol version at the "
				  "same time");
		return;
	}
	if (name && srv_client_set_name(cl, name->ptr, name->len) != 0) {
		reply_error(c->r, CMD_ERR_OOM);
		return;
	}
	if (ver) {
		cl->resp = (int)ver;
		c->r->resp = (int)ver; /* the reply is already in the new protocol */
	}
	reply_map(c->r, 7);
	reply_bulk_cstr(c->r, "server");
	reply_bulk_cstr(c->r, "redis");
	reply_bulk_cstr(c->r, "version");
	reply_bulk_cstr(c->r, SRV_REDIS_VERSION);
	reply_bulk_cstr(c->r, "proto");
	reply_int(c->r, cl->resp);
	reply_bulk_cstr(c->r, "id");
	reply_int(c->r, (long long)cl->id);
	reply_bulk_cstr(c->r, "mode");
	reply_bulk_cstr(c->r, "standalone");
	reply_bulk_cstr(c->r, "role");
	reply_bulk_cstr(c->r, "master");
	reply_bulk_cstr(c->r, "modules");
	reply_array(c->r, 0);
}

static void cmd_select(struct cmd_ctx *c)
{
	long long id;
	if (cmd_arg_ll(c->r, &c->argv[1], &id, NULL) != 0)
		return;
	if (id < -2147483648LL || id > 2147483647LL) { /* getIntFromObjectOrReply */
		reply_error(c->r, "ERR value is out of range, value must between -2147483648 and "
				  "2147483647");
		return;
	}
	if (id < 0 || id >= c->env->cfg->databases) {
		reply_error(c->r, "ERR DB index is out of range");
		return;
	}
	c->client->db = (int)id;
	cmd_reply_ok(c->r);
}

/* ------------------------------------------------ QUIT RESET SHUTDOWN */

static void cmd_quit(struct cmd_ctx *c)
{
	cmd_reply_ok(c->r);
	c->client->close_after_reply = true;
}

/* Redis's clearClientConnectionState, for what wirekv's client has. */
static void cmd_reset(struct cmd_ctx *c)
{
	struct cmd_client *cl = c->client;
	cl->resp = 2;
	c->r->resp = 2;
	cl->db = 0;
	free(cl->name);
	cl->name = NULL;
	cl->no_evict = false;
	cl->authenticated = !requirepass_set(c->env);
	reply_raw(c->r, "+RESET\r\n", 8);
}

static void cmd_shutdown(struct cmd_ctx *c)
{
	bool nosave = false, save = false, other = false, abort_req = false;
	for (int i = 1; i < c->argc; i++) {
		const struct resp_arg *a = &c->argv[i];
		if (cmd_arg_is(a, "nosave"))
			nosave = true;
		else if (cmd_arg_is(a, "save"))
			save = true;
		else if (cmd_arg_is(a, "now") || cmd_arg_is(a, "force"))
			other = true;
		else if (cmd_arg_is(a, "abort"))
			abort_req = true;
		else {
			cmd_reply_syntax(c->r);
			return;
		}
	}
	if ((abort_req && (nosave || save || other)) || (nosave && save)) {
		cmd_reply_syntax(c->r);
		return;
	}
	if (abort_req) {
		reply_error(c->r, "ERR No shutdown in progress.");
		return;
	}
	/* No reply: the server goes away, as Redis's does. */
	c->env->shutdown(c->env);
}

/* ------------------------------------------------------------- table */

#define ADM CMD_ADMIN
#define INT CMD_INTERNAL

static const struct cmd_def client_subcmds[] = {
	{"client|getname", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_client_getname, NULL, NULL},
	{"client|help", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_client_help, NULL, NULL},
	{"client|id", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_client_id, NULL, NULL},
	{"client|info", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_client_info, NULL, NULL},
	{"client|kill", -3, ADM, 0, 0, 0, ROUTE_COORD, srv_coord_only, coord_client_kill, NULL},
	{"client|list", -2, ADM, 0, 0, 0, ROUTE_COORD, srv_coord_only, coord_client_list, NULL},
	{"client|no-evict", 3, ADM, 0, 0, 0, ROUTE_CONN, cmd_client_noevict, NULL, NULL},
	{"client|setname", 3, 0, 0, 0, 0, ROUTE_CONN, cmd_client_setname, NULL, NULL},
	{"client|unblock", -3, ADM, 0, 0, 0, ROUTE_COORD, srv_coord_only, block_coord_client_unblock,
	 NULL},
	{0},
};

static const struct cmd_def config_subcmds[] = {
	{"config|get", -3, ADM, 0, 0, 0, ROUTE_CONN, cmd_config_get, NULL, NULL},
	{"config|help", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_config_help, NULL, NULL},
	{"config|resetstat", 2, ADM, 0, 0, 0, ROUTE_COORD, srv_coord_only, coord_config_resetstat, NULL},
	{"config|set", -4, ADM, 0, 0, 0, ROUTE_COORD, srv_coord_only, coord_config_set, NULL},
	{0},
};

static const struct cmd_def command_subcmds[] = {
	{"command|count", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_command_count, NULL, NULL},
	{"command|docs", -2, 0, 0, 0, 0, ROUTE_CONN, cmd_command_docs, NULL, NULL},
	{"command|getkeys", -4, 0, 0, 0, 0, ROUTE_CONN, cmd_command_getkeys, NULL, NULL},
	{"command|help", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_command_help, NULL, NULL},
	{"command|info", -2, 0, 0, 0, 0, ROUTE_CONN, cmd_command_info, NULL, NULL},
	{"command|list", -2, 0, 0, 0, 0, ROUTE_CONN, cmd_command_list, NULL, NULL},
	{0},
};

static const struct cmd_def latency_subcmds[] = {
	{"latency|doctor", 2, ADM, 0, 0, 0, ROUTE_CONN, cmd_latency_doctor, NULL, NULL},
	{"latency|help", 2, 0, 0, 0, 0, ROUTE_CONN, cmd_latency_help, NULL, NULL},
	{0},
};

#define NOAUTH_FAST (CMD_NOAUTH | CMD_FAST)

const struct cmd_def cmd_server_table[] = {
	{"ping", -1, CMD_FAST, 0, 0, 0, ROUTE_CONN, cmd_ping, NULL, NULL},
	{"echo", 2, CMD_FAST, 0, 0, 0, ROUTE_CONN, cmd_echo, NULL, NULL},
	{"hello", -1, NOAUTH_FAST, 0, 0, 0, ROUTE_CONN, cmd_hello, NULL, NULL},
	{"auth", -2, NOAUTH_FAST, 0, 0, 0, ROUTE_CONN, cmd_auth, NULL, NULL},
	{"select", 2, CMD_FAST, 0, 0, 0, ROUTE_CONN, cmd_select, NULL, NULL},
	{"quit", -1, NOAUTH_FAST, 0, 0, 0, ROUTE_CONN, cmd_quit, NULL, NULL},
	{"reset", 1, NOAUTH_FAST, 0, 0, 0, ROUTE_CONN, cmd_reset, NULL, NULL},
	{"time", 1, CMD_FAST, 0, 0, 0, ROUTE_CONN, cmd_time, NULL, NULL},
	{"shutdown", -1, ADM, 0, 0, 0, ROUTE_CONN, cmd_shutdown, NULL, NULL},
	{"info", -1, 0, 0, 0, 0, ROUTE_COORD, srv_coord_only, coord_info, NULL},
	/* DEBUG is one command in Redis (no subcommands in COMMAND, its own
	 * "unknown subcommand or wrong number" error), so it is coordinated:
	 * SLEEP blocks this worker, OBJECT runs on the key's owner. */
	{"debug", -2, ADM, 0, 0, 0, ROUTE_COORD, srv_coord_only, coord_debug, NULL},
	{"client", -2, CMD_CONTAINER, 0, 0, 0, ROUTE_CONN, NULL, NULL, client_subcmds},
	{"config", -2, CMD_CONTAINER, 0, 0, 0, ROUTE_CONN, NULL, NULL, config_subcmds},
	{"command", -1, CMD_CONTAINER, 0, 0, 0, ROUTE_CONN, cmd_command_all, NULL, command_subcmds},
	{"latency", -2, CMD_CONTAINER, 0, 0, 0, ROUTE_CONN, NULL, NULL, latency_subcmds},

	/* sub-requests of the coordinators above */
	{"__info", 1, INT, 0, 0, 0, ROUTE_CONN, cmd_int_info, NULL, NULL},
	{"__configset", -3, INT, 0, 0, 0, ROUTE_CONN, cmd_int_configset, NULL, NULL},
	{"__resetstat", 1, INT, 0, 0, 0, ROUTE_CONN, cmd_int_resetstat, NULL, NULL},
	{"__clientlist", 3, INT, 0, 0, 0, ROUTE_CONN, cmd_int_clientlist, NULL, NULL},
	{"__clientkill", -3, INT, 0, 0, 0, ROUTE_CONN, cmd_int_clientkill, NULL, NULL},
	{"__debugobject", 2, INT, 1, 1, 1, ROUTE_KEYS, cmd_int_debugobject, NULL, NULL},
	{0},
};
