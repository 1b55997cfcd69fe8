/* CLIENT subcommands. LIST and KILL see every worker's clients: their
 * coordinators ask each worker (__clientlist / __clientkill) and merge. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/cmd_docs.h"
#include "cmd/cmd_server_int.h"
#include "cmd/cmd_util.h"

bool srv_client_name_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '!' || p[i] > '~')
			return false;
	return true;
}

int srv_client_set_name(struct cmd_client *cl, const char *p, size_t n)
{
	char *name = NULL;
	if (n > 0) {
		name = malloc(n + 1);
		if (!name)
			return -ENOMEM;
		memcpy(name, p, n);
		name[n] = '\0';
	}
	free(cl->name);
	cl->name = name;
	return 0;
}

void cmd_client_setname(struct cmd_ctx *c)
{
	const struct resp_arg *a = &c->argv[2];
	if (!srv_client_name_ok(a->ptr, a->len)) {
		reply_error(c->r, SRV_ERR_CLIENT_NAME);
		return;
	}
	if (srv_client_set_name(c->client, a->ptr, a->len) != 0) {
		cmd_reply_oom(c->r);
		return;
	}
	cmd_reply_ok(c->r);
}

void cmd_client_getname(struct cmd_ctx *c)
{
	if (c->client->name)
		reply_bulk_cstr(c->r, c->client->name);
	else
		reply_null(c->r);
}

void cmd_client_id(struct cmd_ctx *c)
{
	reply_int(c->r, (long long)c->client->id);
}

void cmd_client_help(struct cmd_ctx *c)
{
	cmd_doc_reply_help(c->r, "client");
}

void cmd_client_noevict(struct cmd_ctx *c)
{
	if (cmd_arg_is(&c->argv[2], "on"))
		c->client->no_evict = true;
	else if (cmd_arg_is(&c->argv[2], "off"))
		c->client->no_evict = false;
	else {
		cmd_reply_syntax(c->r);
		return;
	}
	cmd_reply_ok(c->r);
}

/* One line of CLIENT LIST in Redis 7.0.15's field order (no trailing \n).
 * argv_mem is the argument bytes of the command the client is running
 * (Redis's argv-mem; 0 for clients between commands). wirekv has no
 * pub/sub, MULTI or reply-buffer peaks: those fields are Redis's idle
 * values and rbs/rbp are 0. */
static void client_line(struct reply *b, const struct cmd_env *env, const struct cmd_client *cl,
			size_t argv_mem)
{
	long long age = (env->now_ms - cl->ctime_ms) / 1000;
	long long idle = (env->now_ms - cl->last_ms) / 1000;
	srv_textf(b, "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d "
		  "sub=0 psub=0 ssub=0 multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=%zu multi-mem=0 "
		  "rbs=0 rbp=0 obl=%zu oll=%zu omem=%zu tot-mem=%zu events=r cmd=%s user=default "
		  "redir=-1 resp=%d",
		  (unsigned long long)cl->id, cl->addr, cl->laddr, cl->fd, cl->name ? cl->name : "",
		  age < 0 ? 0 : age, idle < 0 ? 0 : idle,
		  cl->blocked ? (cl->no_evict ? "be" : "b") : cl->no_evict ? "e" : "N", cl->db,
		  cl->qbuf, cl->qbuf_free, argv_mem, cl->obl, cl->oll, cl->omem, cl->tot_mem,
		  cl->last_cmd ? cl->last_cmd : "NULL", cl->resp);
}

static size_t argv_bytes(int argc, const struct resp_arg *argv)
{
	size_t n = 0;
	for (int i = 0; i < argc; i++)
		n += argv[i].len;
	return n;
}

void cmd_client_info(struct cmd_ctx *c)
{
	struct reply b;
	reply_init(&b, 2);
	client_line(&b, c->env, c->client, argv_bytes(c->argc, c->argv));
	reply_raw(&b, "\n", 1);
	if (b.nomem)
		cmd_reply_oom(c->r);
	else
		reply_verbatim(c->r, b.buf, b.len, "txt");
	reply_free(&b);
}

/* ---------------------------------------------------------- CLIENT LIST */

/* getClientTypeByName: 0 normal, 1 another type wirekv has no client of,
 * -1 unknown. */
static int client_type(const struct resp_arg *a)
{
	if (cmd_arg_is(a, "normal"))
		return 0;
	if (cmd_arg_is(a, "slave") || cmd_arg_is(a, "replica") || cmd_arg_is(a, "pubsub") ||
	    cmd_arg_is(a, "master"))
		return 1;
	return -1;
}

struct list_walk {
	struct cmd_env *env;
	struct reply *out;
	unsigned long long caller;
	size_t caller_argv_mem;
	long n;
};

static void list_one(void *arg, struct cmd_client *cl)
{
	struct list_walk *w = arg;
	struct reply line;
	reply_init(&line, 2);
	client_line(&line, w->env, cl, cl->id == w->caller ? w->caller_argv_mem : 0);
	reply_bulk(w->out, line.buf, line.len);
	reply_free(&line);
	w->n++;
}

/* __clientlist <caller-id> <caller-argv-mem>: this worker's clients, one
 * bulk line each. */
void cmd_int_clientlist(struct cmd_ctx *c)
{
	long long caller = 0, mem = 0;
	cmd_parse_ll(&c->argv[1], &caller);
	cmd_parse_ll(&c->argv[2], &mem);
	struct list_walk w = {
		.env = c->env, .out = c->r, .caller = (unsigned long long)caller,
		.caller_argv_mem = (size_t)mem,
	};
	size_t mark = reply_defer(c->r);
	c->env->foreach_client(c->env, list_one, &w);
	reply_defer_array(c->r, mark, w.n);
}

struct client_line_ref {
	unsigned long long id;
	const char *p;
	size_t len;
};

static int by_id(const void *a, const void *b)
{
	const struct client_line_ref *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Lines from every worker, sorted by client id as Redis's list is. */
static struct client_line_ref *gather_lines(const struct coord_ctx *cc, long *count)
{
	long cap = 0, n = 0;
	struct client_line_ref *v = NULL;
	for (int s = 0; s < cc->nsub; s++) {
		const char *buf = cc->sub[s].reply;
		size_t len = cc->sub[s].len, pos = 0;
		struct resp_item it;
		if (resp_read_item(buf, len, &pos, &it) != 0 || it.type != '*')
			continue;
		for (long long i = 0; i < it.ival; i++) {
			struct resp_item line;
			if (resp_read_item(buf, len, &pos, &line) != 0 || line.type != '$')
				break;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				struct client_line_ref *nv = realloc(v, sizeof(*v) * (size_t)cap);
				if (!nv) {
					free(v);
					return NULL;
				}
				v = nv;
			}
			v[n].p = line.ptr;
			v[n].len = line.len;
			v[n].id = strtoull(line.ptr + 3, NULL, 10); /* "id=N ..." */
			n++;
		}
	}
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), by_id);
	*count = n;
	if (!v)
		v = malloc(sizeof(*v)); /* non-NULL for an empty list */
	return v;
}

static void put_lines(struct reply *r, struct reply *text)
{
	if (text->nomem)
		reply_error(r, CMD_ERR_OOM);
	else
		reply_verbatim(r, text->buf ? text->buf : "", text->len, "txt");
}

enum coord_result coord_client_list(struct coord_ctx *cc)
{
	const struct resp_arg *argv = cc->argv;
	if (cc->phase == 0) {
		if (cc->argc == 4 && cmd_arg_is(&argv[2], "type")) {
			int t = client_type(&argv[3]);
			if (t < 0) {
				reply_errorf(cc->r, "ERR Unknown client type '%.*s'",
					     (int)cmd_arg_cstrlen(&argv[3]), argv[3].ptr);
				return COORD_DONE;
			}
			if (t > 0) { /* wirekv has only normal clients */
				reply_verbatim(cc->r, "", 0, "txt");
				return COORD_DONE;
			}
		} else if (cc->argc > 3 && cmd_arg_is(&argv[2], "id")) {
			for (int j = 3; j < cc->argc; j++) {
				long long id;
				if (cmd_arg_ll(cc->r, &argv[j], &id, "ERR Invalid client ID") != 0)
					return COORD_DONE;
			}
		} else if (cc->argc != 2) {
			cmd_reply_syntax(cc->r);
			return COORD_DONE;
		}
		/* this worker's own record of the caller shows this command */
		cc->client->last_cmd = cc->def->name;
		cc->client->last_ms = cc->env->now_ms;
		char idbuf[24], membuf[24];
		int idlen = resp_ll_to_str(idbuf, sizeof(idbuf), (long long)cc->client->id);
		int memlen = resp_ll_to_str(membuf, sizeof(membuf),
					    (long long)argv_bytes(cc->argc, cc->argv));
		struct resp_arg sub[3] = {
			{"__clientlist", 12}, {idbuf, (size_t)idlen}, {membuf, (size_t)memlen},
		};
		coord_send_all(cc, 3, sub);
		return COORD_WAIT;
	}
	long n = 0;
	struct client_line_ref *lines = gather_lines(cc, &n);
	if (!lines) {
		cmd_reply_oom(cc->r);
		return COORD_DONE;
	}
	struct reply text;
	reply_init(&text, 2);
	bool by_ids = cc->argc > 3 && cmd_arg_is(&argv[2], "id");
	if (by_ids) { /* in the order asked, repeats included, like Redis */
		for (int j = 3; j < cc->argc; j++) {
			long long id = 0;
			cmd_parse_ll(&argv[j], &id);
			for (long i = 0; i < n; i++) {
				if (lines[i].id == (unsigned long long)id) {
					reply_raw(&text, lines[i].p, lines[i].len);
					reply_raw(&text, "\n", 1);
					break;
				}
			}
		}
	} else {
		for (long i = 0; i < n; i++) {
			reply_raw(&text, lines[i].p, lines[i].len);
			reply_raw(&text, "\n", 1);
		}
	}
	put_lines(cc->r, &text);
	reply_free(&text);
	free(lines);
	return COORD_DONE;
}

/* ---------------------------------------------------------- CLIENT KILL */

/*
 * __clientkill <caller-id> <skipme 0|1> [addr A] [laddr A] [id N] [type T]
 * Kills this worker's matching clients and replies [killed, caller-matched].
 * The caller itself is never closed here: its coordinator marks it
 * close-after-reply once CLIENT KILL's reply is queued, as Redis does.
 */
struct kill_walk {
	unsigned long long caller;
	bool skipme;
	const struct resp_arg *addr, *laddr;
	long long id;          /* 0 = any */
	int type;              /* -1 any, 0 normal, 1 other */
	struct cmd_client **victims;
	long n, cap;
	bool self;
	bool nomem;
};

static bool str_is(const char *s, const struct resp_arg *a)
{
	size_t n = cmd_arg_cstrlen(a); /* strcmp on C strings, as Redis */
	return strlen(s) == n && memcmp(s, a->ptr, n) == 0;
}

static void kill_match(void *arg, struct cmd_client *cl)
{
	struct kill_walk *w = arg;
	if (w->addr && !str_is(cl->addr, w->addr))
		return;
	if (w->laddr && !str_is(cl->laddr, w->laddr))
		return;
	if (w->type > 0)
		return;
	if (w->id != 0 && cl->id != (unsigned long long)w->id)
		return;
	if (cl->id == w->caller) {
		if (!w->skipme)
			w->self = true;
		return;
	}
	if (w->n == w->cap) {
		long cap = w->cap ? w->cap * 2 : 8;
		struct cmd_client **v = realloc(w->victims, sizeof(*v) * (size_t)cap);
		if (!v) {
			w->nomem = true;
			return;
		}
		w->victims = v;
		w->cap = cap;
	}
	w->victims[w->n++] = cl;
}

void cmd_int_clientkill(struct cmd_ctx *c)
{
	struct kill_walk w = {.type = -1};
	long long v = 0;
	cmd_parse_ll(&c->argv[1], &v);
	w.caller = (unsigned long long)v;
	w.skipme = cmd_arg_is(&c->argv[2], "1");
	for (int i = 3; i + 1 < c->argc; i += 2) {
		const struct resp_arg *o = &c->argv[i], *val = &c->argv[i + 1];
		if (cmd_arg_is(o, "addr"))
			w.addr = val;
		else if (cmd_arg_is(o, "laddr"))
			w.laddr = val;
		else if (cmd_arg_is(o, "id"))
			cmd_parse_ll(val, &w.id);
		else if (cmd_arg_is(o, "type"))
			w.type = client_type(val);
	}
	/* collect first: killing may change the engine's client list */
	c->env->foreach_client(c->env, kill_match, &w);
	for (long i = 0; i < w.n; i++)
		c->env->kill_client(c->env, w.victims[i]);
	free(w.victims);
	reply_array(c->r, 2);
	reply_int(c->r, w.n + w.self);
	reply_int(c->r, w.self);
}

enum coord_result coord_client_kill(struct coord_ctx *cc)
{
	const struct resp_arg *argv = cc->argv;
	if (cc->phase == 0) {
		/* at most: 4 fixed + 2 per option (5 options) */
		struct resp_arg sub[3 + 2 * 8];
		char idbuf[24], killid[24];
		int n = 3;
		bool skipme = true;
		int idlen = resp_ll_to_str(idbuf, sizeof(idbuf), (long long)cc->client->id);
		sub[0] = (struct resp_arg){"__clientkill", 12};
		sub[1] = (struct resp_arg){idbuf, (size_t)idlen};
		if (cc->argc == 3) { /* old form: CLIENT KILL addr, may kill itself */
			skipme = false;
			sub[n++] = (struct resp_arg){"addr", 4};
			sub[n++] = argv[2];
		} else {
			for (int i = 2; i < cc->argc; i += 2) {
				const struct resp_arg *o = &argv[i];
				bool more = cc->argc > i + 1;
				const struct resp_arg *val = more ? &argv[i + 1] : NULL;
				if (more && cmd_arg_is(o, "id")) {
					long long id;
					if (cmd_arg_ll(cc->r, val, &id,
						       "ERR client-id should be greater than 0") != 0)
						return COORD_DONE;
					if (id < 1) {
						reply_error(cc->r, "ERR client-id should be greater than 0");
						return COORD_DONE;
					}
					int l = resp_ll_to_str(killid, sizeof(killid), id);
					sub[n++] = (struct resp_arg){"id", 2};
					sub[n++] = (struct resp_arg){killid, (size_t)l};
				} else if (more && cmd_arg_is(o, "type")) {
					int t = client_type(val);
					if (t < 0) {
						reply_errorf(cc->r, "ERR Unknown client type '%.*s'",
							     (int)cmd_arg_cstrlen(val), val->ptr);
						return COORD_DONE;
					}
					sub[n++] = (struct resp_arg){"type", 4};
					sub[n++] = *val;
				} else if (more && (cmd_arg_is(o, "addr") || cmd_arg_is(o, "laddr"))) {
					sub[n++] = *o;
					sub[n++] = *val;
				} else if (more && cmd_arg_is(o, "user")) {
					if (!str_is("default", val)) {
						reply_errorf(cc->r, "ERR No such user '%.*s'",
							     (int)cmd_arg_cstrlen(val), val->ptr);
						return COORD_DONE;
					}
					/* every wirekv client is the default user */
				} else if (more && cmd_arg_is(o, "skipme")) {
					if (cmd_arg_is(val, "yes"))
						skipme = true;
					else if (cmd_arg_is(val, "no"))
						skipme = false;
					else {
						cmd_reply_syntax(cc->r);
						return COORD_DONE;
					}
				} else {
					cmd_reply_syntax(cc->r);
					return COORD_DONE;
				}
				/* a repeated option replaces the earlier one, as in Redis */
				for (int k = 3; k + 2 < n; k += 2) {
					if (sub[k].len == sub[n - 2].len &&
					    strncasecmp(sub[k].ptr, sub[n - 2].ptr, sub[k].len) == 0) {
						sub[k + 1] = sub[n - 1];
						n -= 2;
						break;
					}
				}
			}
		}
		sub[2] = skipme ? (struct resp_arg){"1", 1} : (struct resp_arg){"0", 1};
		coord_send_all(cc, n, sub);
		return COORD_WAIT;
	}
	long long killed = 0;
	bool self = false;
	for (int s = 0; s < cc->nsub; s++) {
		size_t pos = 0;
		struct resp_item it, k, me;
		if (resp_read_item(cc->sub[s].reply, cc->sub[s].len, &pos, &it) != 0 ||
		    it.type != '*' ||
		    resp_read_item(cc->sub[s].reply, cc->sub[s].len, &pos, &k) != 0 ||
		    resp_read_item(cc->sub[s].reply, cc->sub[s].len, &pos, &me) != 0)
			continue;
		killed += k.ival;
		self |= me.ival != 0;
	}
	if (cc->argc == 3) {
		if (killed == 0)
			reply_error(cc->r, "ERR No such client");
		else
			cmd_reply_ok(cc->r);
	} else {
		reply_int(cc->r, killed);
	}
	if (self)
		cc->client->close_after_reply = true;
	return COORD_DONE;
}
