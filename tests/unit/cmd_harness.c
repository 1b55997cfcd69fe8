#include "cmd_harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H_MAX_WORKERS 8
#define H_MAX_ARGS 256
#define H_MAX_PARKED 64

struct h_park {
	const struct cmd_def *def;
	int worker, db, resp, argc, nkeys;
	struct resp_arg *argv;
	char *bytes;
	char **keys;
	int64_t deadline;
};

struct harness {
	int n;
	struct cmd_table *table;
	struct wk_config cfg[H_MAX_WORKERS];
	struct cmd_stats stats[H_MAX_WORKERS];
	struct cmd_env env[H_MAX_WORKERS];
	uint16_t slot_owner[CMD_SLOTS];
	struct cmd_client client;
	struct reply out;
	int last_subs;
	char keybuf[128];
	bool in_sub;                  /* a coordinator's sub-request runs */
	struct h_park parked[H_MAX_PARKED];
	int nparked;
};

struct h_pending {
	int worker, db, argc;
	struct resp_arg *argv;
	char *bytes;
};

struct h_coord {
	struct coord_ctx cc;
	struct harness *h;
	struct h_pending *pend;
	int npend, cappend;
};

static void noop_foreach(struct cmd_env *env, void (*fn)(void *, struct cmd_client *), void *arg)
{
	struct harness *h = env->host;
	if (env->worker_id == 0)
		fn(arg, &h->client);
}
static void noop_kill(struct cmd_env *env, struct cmd_client *c) { c->close_after_reply = true; }
static void noop_shutdown(struct cmd_env *env) { (void)env; }

struct harness *h_new(int nworkers)
{
	struct harness *h = calloc(1, sizeof(*h));
	if (!h || nworkers < 1 || nworkers > H_MAX_WORKERS)
		abort();
	h->n = nworkers;
	h->table = cmd_table_new();
	if (!h->table)
		abort();
	for (int s = 0; s < CMD_SLOTS; s++)
		h->slot_owner[s] = (uint16_t)((long)s * nworkers / CMD_SLOTS);
	for (int w = 0; w < nworkers; w++) {
		config_init(&h->cfg[w]);
		struct cmd_env *e = &h->env[w];
		e->worker_id = w;
		e->nworkers = nworkers;
		e->shard = shard_new(h->cfg[w].databases);
		if (!e->shard)
			abort();
		e->cfg = &h->cfg[w];
		e->stats = &h->stats[w];
		e->table = h->table;
		e->slot_owner = h->slot_owner;
		e->start_ms = 1700000000000LL;
		e->run_id = "0123456789abcdef0123456789abcdef01234567";
		e->executable = "/usr/bin/wirekv-server";
		e->config_file = "";
		e->tcp_port = 6379;
		e->io_backend = "uring";
		e->rand_state = 0x9e3779b97f4a7c15ULL + (uint64_t)w;
		e->host = h;
		e->foreach_client = noop_foreach;
		e->kill_client = noop_kill;
		e->shutdown = noop_shutdown;
	}
	h_set_time_ms(h, 1700000000000LL);
	cmd_client_init(&h->client, &h->env[0], 1);
	snprintf(h->client.addr, sizeof(h->client.addr), "127.0.0.1:40000");
	snprintf(h->client.laddr, sizeof(h->client.laddr), "127.0.0.1:6379");
	reply_init(&h->out, 2);
	return h;
}

static void h_park_free(struct h_park *p)
{
	for (int k = 0; k < p->nkeys; k++)
		free(p->keys[k]);
	free(p->keys);
	free(p->argv);
	free(p->bytes);
}

void h_free(struct harness *h)
{
	for (int i = 0; i < h->nparked; i++)
		h_park_free(&h->parked[i]);
	for (int w = 0; w < h->n; w++) {
		shard_free(h->env[w].shard);
		config_free(&h->cfg[w]);
	}
	free(h->client.name);
	reply_free(&h->out);
	cmd_table_free(h->table);
	free(h);
}

void h_set_time_ms(struct harness *h, int64_t unix_ms)
{
	for (int w = 0; w < h->n; w++) {
		h->env[w].now_ms = unix_ms;
		h->env[w].now_us = unix_ms * 1000;
		shard_set_time(h->env[w].shard, unix_ms);
	}
}

void h_advance_ms(struct harness *h, int64_t ms) { h_set_time_ms(h, h->env[0].now_ms + ms); }
struct cmd_env *h_env(struct harness *h, int worker) { return &h->env[worker]; }
struct cmd_client *h_client(struct harness *h) { return &h->client; }
int h_nworkers(const struct harness *h) { return h->n; }
int h_last_subrequests(const struct harness *h) { return h->last_subs; }
size_t h_reply_len(const struct harness *h) { return h->out.len; }

const char *h_key_on(struct harness *h, int w, const char *prefix)
{
	for (int i = 0;; i++) {
		snprintf(h->keybuf, sizeof(h->keybuf), "%s%d", prefix, i);
		if (cmd_key_owner(&h->env[0], h->keybuf, strlen(h->keybuf)) == w)
			return h->keybuf;
	}
}

static void h_send(struct coord_ctx *cc, int worker, int db, int argc, const struct resp_arg *argv)
{
	struct h_coord *hc = (struct h_coord *)cc;
	if (hc->npend == hc->cappend) {
		hc->cappend = hc->cappend ? hc->cappend * 2 : 8;
		hc->pend = realloc(hc->pend, sizeof(*hc->pend) * (size_t)hc->cappend);
	}
	struct h_pending *p = &hc->pend[hc->npend++];
	size_t total = 0;
	for (int i = 0; i < argc; i++)
		total += argv[i].len;
	p->worker = worker;
	p->db = db;
	p->argc = argc;
	p->argv = malloc(sizeof(*p->argv) * (size_t)argc);
	p->bytes = malloc(total + 1);
	size_t off = 0;
	for (int i = 0; i < argc; i++) {
		memcpy(p->bytes + off, argv[i].ptr, argv[i].len);
		p->argv[i].ptr = p->bytes + off;
		p->argv[i].len = argv[i].len;
		off += argv[i].len;
	}
}

static void h_coordinate(struct harness *h, const struct cmd_def *def, int argc,
			 const struct resp_arg *argv)
{
	struct h_coord hc = {0};
	hc.h = h;
	hc.cc.env = &h->env[0];
	hc.cc.client = &h->client;
	hc.cc.def = def;
	hc.cc.r = &h->out;
	hc.cc.db = h->client.db;
	hc.cc.argc = argc;
	hc.cc.argv = argv;
	hc.cc.host = h;
	hc.cc.send = h_send;
	struct reply *subr = NULL;
	struct coord_sub *subs = NULL;
	int nsubr = 0;
	for (;;) {
		enum coord_result res = def->coord(&hc.cc);
		for (int i = 0; i < nsubr; i++)
			reply_free(&subr[i]);
		free(subr);
		free(subs);
		subr = NULL;
		subs = NULL;
		nsubr = 0;
		if (res == COORD_DONE)
			break;
		/* run the queued sub-requests, each on its worker */
		nsubr = hc.npend;
		subr = calloc((size_t)nsubr + 1, sizeof(*subr));
		subs = calloc((size_t)nsubr + 1, sizeof(*subs));
		for (int i = 0; i < hc.npend; i++) {
			struct h_pending *p = &hc.pend[i];
			reply_init(&subr[i], h->client.resp);
			h->in_sub = true;
			cmd_run_sub(&h->env[p->worker], p->db, &subr[i], p->argc, p->argv);
			h->in_sub = false;
			subs[i].worker = p->worker;
			subs[i].reply = subr[i].buf;
			subs[i].len = subr[i].len;
			free(p->argv);
			free(p->bytes);
		}
		h->last_subs += hc.npend;
		hc.npend = 0;
		hc.cc.phase++;
		hc.cc.nsub = nsubr;
		hc.cc.sub = subs;
	}
	free(hc.pend);
}

const char *h_runv(struct harness *h, int argc, const char *const *argv, const size_t *lens)
{
	struct resp_arg a[H_MAX_ARGS];
	if (argc > H_MAX_ARGS)
		abort();
	for (int i = 0; i < argc; i++) {
		a[i].ptr = argv[i];
		a[i].len = lens[i];
	}
	reply_free(&h->out);
	reply_init(&h->out, h->client.resp);
	h->last_subs = 0;
	const struct cmd_def *def = cmd_prepare(&h->env[0], &h->client, &h->out, argc, a);
	if (def) {
		int first, last, step, owner = 0;
		bool spread = false;
		if (def->route == ROUTE_KEYS &&
		    cmd_key_range_argv(def, argc, a, &first, &last, &step) > 0) {
			owner = cmd_key_owner(&h->env[0], a[first].ptr, a[first].len);
			for (int i = first; i <= last; i += step)
				if (cmd_key_owner(&h->env[0], a[i].ptr, a[i].len) != owner)
					spread = true;
		}
		if (def->route == ROUTE_COORD || spread) {
			if (!def->coord)
				reply_error(&h->out, "CROSSSLOT Keys in request don't hash to the same slot");
			else
				h_coordinate(h, def, argc, a);
		} else {
			cmd_run(&h->env[owner], owner == 0 || def->route == ROUTE_CONN ? &h->client : NULL,
				def, h->client.db, &h->out, argc, a);
		}
	}
	if (reply_reserve(&h->out, 1) == 0)
		h->out.buf[h->out.len] = '\0';
	return h->out.buf ? h->out.buf : "";
}

/* ---- blocking commands */

static int h_block(struct cmd_env *env, const struct cmd_ctx *c, const struct resp_arg *keys,
		   int nkeys, int64_t deadline_ms, unsigned flags)
{
	struct harness *h = env->host;
	if (h->in_sub || (flags & CMD_BLOCK_NOTIFY) || h->nparked == H_MAX_PARKED)
		return -EAGAIN;
	struct h_park *p = &h->parked[h->nparked++];
	size_t total = 0;
	for (int i = 0; i < c->argc; i++)
		total += c->argv[i].len;
	p->def = c->def;
	p->worker = env->worker_id;
	p->db = c->db;
	p->resp = c->r->resp;
	p->argc = c->argc;
	p->deadline = deadline_ms;
	p->argv = malloc(sizeof(*p->argv) * (size_t)c->argc);
	p->bytes = malloc(total + 1);
	size_t off = 0;
	for (int i = 0; i < c->argc; i++) {
		memcpy(p->bytes + off, c->argv[i].ptr, c->argv[i].len);
		p->argv[i] = (struct resp_arg){ p->bytes + off, c->argv[i].len };
		off += c->argv[i].len;
	}
	p->nkeys = nkeys;
	p->keys = calloc((size_t)nkeys, sizeof(*p->keys));
	for (int k = 0; k < nkeys; k++) {
		p->keys[k] = malloc(keys[k].len + 1);
		memcpy(p->keys[k], keys[k].ptr, keys[k].len);
		p->keys[k][keys[k].len] = '\0';
	}
	return 0;
}

void h_block_enable(struct harness *h)
{
	for (int w = 0; w < h->n; w++)
		h->env[w].block = h_block;
}

int h_parked(const struct harness *h) { return h->nparked; }
int64_t h_parked_deadline(const struct harness *h, int i) { return h->parked[i].deadline; }
int h_parked_nkeys(const struct harness *h, int i) { return h->parked[i].nkeys; }
const char *h_parked_key(const struct harness *h, int i, int k) { return h->parked[i].keys[k]; }

static const char *h_wake(struct harness *h, int i, enum cmd_wake wake, const char *key)
{
	struct h_park *p = &h->parked[i];
	struct resp_arg k = { key, key ? strlen(key) : 0 };
	reply_free(&h->out);
	reply_init(&h->out, p->resp);
	cmd_run_wake(&h->env[p->worker], p->def, p->db, &h->out, p->argc, p->argv, wake,
		     key ? &k : NULL);
	if (h->out.len) {
		h_park_free(p);
		memmove(p, p + 1, sizeof(*p) * (size_t)(h->nparked - i - 1));
		h->nparked--;
	}
	if (reply_reserve(&h->out, 1) == 0)
		h->out.buf[h->out.len] = '\0';
	return h->out.buf ? h->out.buf : "";
}

const char *h_wake_key(struct harness *h, int i, const char *key)
{
	return h_wake(h, i, CMD_WAKE_KEY, key);
}

const char *h_wake_timeout(struct harness *h, int i)
{
	return h_wake(h, i, CMD_WAKE_TIMEOUT, NULL);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

const char *h_run(struct harness *h, const char *line)
{
	static const char *const empty[1] = {""};
	char *buf = malloc(strlen(line) + 1);
	const char *argv[H_MAX_ARGS];
	size_t lens[H_MAX_ARGS];
	int argc = 0;
	const char *p = line;
	char *o = buf;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		argv[argc] = o;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1]) {
					p++;
					switch (*p) {
					case 'n': *o++ = '\n'; break;
					case 'r': *o++ = '\r'; break;
					case 't': *o++ = '\t'; break;
					case 'x':
						if (hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
							*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
							p += 2;
							break;
						}
						/* fall through */
					default: *o++ = *p;
					}
					p++;
				} else {
					*o++ = *p++;
				}
			}
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ' ')
				*o++ = *p++;
		}
		lens[argc] = (size_t)(o - argv[argc]);
		argc++;
	}
	const char *res = h_runv(h, argc, argc ? argv : empty, lens);
	free(buf);
	return res;
}

struct shard *h_owner_shard(struct harness *h, const char *key)
{
	return h->env[cmd_key_owner(&h->env[0], key, strlen(key))].shard;
}

struct sentry *h_peek(struct harness *h, int db, const char *key)
{
	return shard_lookup(h_owner_shard(h, key), db, key, strlen(key), LOOKUP_NOTOUCH);
}

void h_keyspace_stats(struct harness *h, uint64_t *hits, uint64_t *misses)
{
	*hits = *misses = 0;
	for (int w = 0; w < h->n; w++) {
		*hits += h->env[w].stats->keyspace_hits;
		*misses += h->env[w].stats->keyspace_misses;
	}
}

#define H_PRINT_MAX 1000

void h_print_escaped(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n && i < H_PRINT_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r')
			fputs("\\r", f);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 32 || ch > 126)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
	if (n > H_PRINT_MAX)
		fprintf(f, "... (%zu bytes)", n);
}

bool h_expect(struct harness *h, const char *cmd, const char *want, size_t wlen,
	      const char *file, int line)
{
	const char *got = h_run(h, cmd);
	size_t glen = h_reply_len(h);
	bool ok = glen == wlen && memcmp(got, want, wlen) == 0;

	if (!ok) {
		size_t at = 0;

		while (at < glen && at < wlen && got[at] == want[at])
			at++;
		fprintf(stderr, "\n%s:%d: %d workers, RESP%d: %s\n  want: ", file, line,
			h_nworkers(h), h_client(h)->resp, cmd);
		h_print_escaped(stderr, want, wlen);
		fputs("\n  got:  ", stderr);
		h_print_escaped(stderr, got, glen);
		fprintf(stderr, "\n  first difference at byte %zu (want %zu bytes, got %zu)\n",
			at, wlen, glen);
	}
	return ok;
}
