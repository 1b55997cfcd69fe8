/*
 * Connections: input parsing, output buffers, limits and the close path.
 * Everything runs on the conn's worker.
 */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static void conn_list_add(struct worker *w, struct conn *c)
{
	c->prev = NULL;
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
}

static void conn_list_del(struct worker *w, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	w->nconns--;
}

struct conn *conn_new(struct worker *w, int fd)
{
	size_t size = sizeof(struct conn) + ((w->ops->conn_priv_size + 7) & ~(size_t)7);
	struct conn *c = calloc(1, size);
	if (!c)
		return NULL;
	w->nalloc++;
	uint64_t id = w->next_client++ * (uint64_t)w->n + (uint64_t)w->id + 1;
	cmd_client_init(&c->client, &w->env, id);
	c->client.fd = fd;
	c->client.ctime_ms = w->now_ms;
	c->client.last_ms = w->now_ms;
	c->w = w;
	resp_parser_init(&c->parser, w->cfg.proto_max_bulk_len);
	c->spans = c->spans_inline;
	c->spans_cap = CONN_SPANS_INLINE;
	reply_init(&c->out[0], c->client.resp);
	reply_init(&c->out[1], c->client.resp);
	conn_list_add(w, c);
	return c;
}

void conn_free(struct worker *w, struct conn *c)
{
	w->nalloc--;
	conn_slots_free(c);
	reply_free(&c->out[0]);
	reply_free(&c->out[1]);
	if (c->spans != c->spans_inline)
		free(c->spans);
	free(c->qbuf);
	free(c->client.name);
	free(c);
}

void *engine_conn_priv(struct conn *c) { return c->priv; }
struct conn *engine_conn_from_priv(void *priv)
{
	return (struct conn *)((char *)priv - offsetof(struct conn, priv));
}
bool engine_conn_closing(const struct conn *c) { return c->flags & (CONN_CLOSING | CONN_CLOSE_REQ); }

struct conn *engine_conn_open(struct worker *w, int fd, const char *addr, const char *laddr)
{
	worker_refresh_clock(w);
	struct conn *c = conn_new(w, fd);
	if (!c)
		return NULL;
	snprintf(c->client.addr, sizeof(c->client.addr), "%s", addr);
	snprintf(c->client.laddr, sizeof(c->client.laddr), "%s", laddr);
	w->stats.total_connections_received++;
	long long n = atomic_fetch_add(&w->e->nclients, 1) + 1;
	w->stats.connected_clients++;
	if (w->cfg.maxclients > 0 && n > w->cfg.maxclients) {
		w->stats.rejected_connections++;
		reply_raw(&c->out[c->fill], "-ERR max number of clients reached\r\n", 36);
		c->flags |= CONN_CLOSING;
		conn_mark_flush(w, c);
	} else if (w->stopping) {
		c->flags |= CONN_CLOSING;
		conn_mark_flush(w, c);
	}
	return c;
}

/* ---------------------------------------------------------------- close */

void conn_close(struct worker *w, struct conn *c)
{
	if (c->flags & CONN_CLOSE_REQ)
		return;
	c->flags |= CONN_CLOSE_REQ | CONN_CLOSING;
	conn_block_closing(w, c);
	w->ops->close(w, c);
}

void engine_conn_closed(struct worker *w, struct conn *c)
{
	c->flags |= CONN_DEAD;
	conn_list_del(w, c);
	atomic_fetch_sub(&w->e->nclients, 1);
	w->stats.connected_clients--;
	if (c->refs == 0 && !(c->flags & (CONN_DIRTY | CONN_RESUME)))
		conn_free(w, c);
}

/* A reply or coordinator of c came back; free c if it died meanwhile. */
void conn_release(struct worker *w, struct conn *c)
{
	c->refs--;
	if (c->refs == 0 && (c->flags & CONN_DEAD) && !(c->flags & (CONN_DIRTY | CONN_RESUME)))
		conn_free(w, c);
}

void engine_conn_eof(struct worker *w, struct conn *c)
{
	c->flags |= CONN_EOF;
	if (conn_blocked(c)) {
		conn_close(w, c); /* Redis frees a blocked client whose peer closed */
		return;
	}
	/* input is still waiting (held, paused, or resumed but not yet parsed
	 * this turn): conn_process_qbuf runs it, then finishes the close */
	if (c->flags & (CONN_HELD | CONN_PAUSED | CONN_RESUME))
		return;
	c->flags |= CONN_CLOSING;
	conn_maybe_finish(w, c);
}

void engine_conn_error(struct worker *w, struct conn *c, int err)
{
	(void)err;
	conn_close(w, c);
}

size_t conn_unsent(const struct conn *c)
{
	size_t n = c->out[c->fill].len;
	const struct reply *s = &c->out[!c->fill];
	if (s->len > c->sent_off)
		n += s->len - c->sent_off;
	return n;
}

/* Close once every reply is out, if the conn is closing. */
void conn_maybe_finish(struct worker *w, struct conn *c)
{
	if (!(c->flags & CONN_CLOSING) || (c->flags & (CONN_CLOSE_REQ | CONN_DEAD)))
		return;
	if (c->flags & CONN_SENDING)
		return; /* engine_conn_sent comes back here */
	if (conn_unsent(c))
		conn_mark_flush(w, c);
	else if (c->slot_count == 0)
		conn_close(w, c);
	/* else: the pending replies mark the conn for flushing as they land */
}

/* --------------------------------------------------------------- output */

void conn_mark_flush(struct worker *w, struct conn *c)
{
	if (c->flags & (CONN_DIRTY | CONN_DEAD))
		return;
	c->flags |= CONN_DIRTY;
	c->flush_next = w->flush_head;
	w->flush_head = c;
}

bool engine_conn_take_output(struct conn *c, const char **p, size_t *n)
{
	if (c->flags & CONN_SENDING)
		return false;
	struct reply *s = &c->out[!c->fill];
	if (s->len == c->sent_off) {
		s->len = 0;
		c->sent_off = 0;
		if (c->out[c->fill].len == 0)
			return false;
		c->fill = !c->fill;
		s = &c->out[!c->fill];
	}
	*p = s->buf + c->sent_off;
	*n = s->len - c->sent_off;
	c->flags |= CONN_SENDING;
	return true;
}

void engine_conn_sent(struct worker *w, struct conn *c, long res)
{
	c->flags &= ~CONN_SENDING;
	if (res < 0) {
		conn_close(w, c);
		return;
	}
	w->stats.net_output_bytes += (uint64_t)res;
	if (res > 0)
		c->client.last_ms = w->now_ms; /* a client that reads is not idle */
	struct reply *s = &c->out[!c->fill];
	c->sent_off += (size_t)res;
	if (c->sent_off >= s->len) {
		s->len = 0;
		c->sent_off = 0;
		if (s->cap > CONN_BUF_KEEP) {
			reply_free(s);
			reply_init(s, c->client.resp);
		}
	}
	if (conn_unsent(c))
		conn_mark_flush(w, c);
	conn_check_output_limits(w, c);
	conn_maybe_finish(w, c);
}

/*
 * Output flow control, after anything that changes the backlog.
 * client-output-buffer-limit normal: hard closes at once, soft after
 * soft_seconds over it. Beyond that we stop parsing and reading when the
 * backlog (unsent bytes, replies parked in slots, or too many replies
 * still being computed elsewhere) is large, so a client that never reads
 * cannot make us buffer without bound; we go on when it has drained.
 */
void conn_check_output_limits(struct worker *w, struct conn *c)
{
	if (c->flags & (CONN_CLOSE_REQ | CONN_DEAD))
		return;
	size_t backlog = conn_unsent(c) + c->slot_bytes;
	const struct wk_config *cfg = &w->cfg;
	if (cfg->obuf_hard_limit > 0 && backlog > (size_t)cfg->obuf_hard_limit) {
		conn_close(w, c);
		return;
	}
	if (cfg->obuf_soft_limit > 0 && backlog > (size_t)cfg->obuf_soft_limit) {
		if (!c->soft_since_ms)
			c->soft_since_ms = w->now_ms;
		else if (w->now_ms - c->soft_since_ms > cfg->obuf_soft_seconds * 1000) {
			conn_close(w, c);
			return;
		}
	} else {
		c->soft_since_ms = 0;
	}
	if (!(c->flags & CONN_PAUSED)) {
		if (backlog > CONN_OBUF_PAUSE || c->slot_count > CONN_MAX_INFLIGHT) {
			c->flags |= CONN_PAUSED;
			w->ops->set_reading(w, c, false);
		}
	} else if (backlog < CONN_OBUF_RESUME && c->slot_count <= CONN_MAX_INFLIGHT / 2) {
		c->flags &= ~CONN_PAUSED;
		if (!(c->flags & CONN_CLOSING)) {
			w->ops->set_reading(w, c, true);
			conn_mark_resume(w, c);
		}
	}
}

/* ---------------------------------------------------------------- input */

void conn_mark_resume(struct worker *w, struct conn *c)
{
	if (c->flags & (CONN_RESUME | CONN_DEAD))
		return;
	c->flags |= CONN_RESUME;
	c->resume_next = w->resume_head;
	w->resume_head = c;
}

static bool conn_can_parse(const struct conn *c)
{
	return !(c->flags & (CONN_HELD | CONN_CLOSING | CONN_PAUSED | CONN_DEAD));
}

static int conn_grow_spans(struct conn *c, int want)
{
	int cap = want;
	struct resp_span *s;
	if (c->spans == c->spans_inline) {
		s = malloc(sizeof(*s) * (size_t)cap);
		if (s)
			memcpy(s, c->spans, sizeof(*s) * (size_t)c->spans_cap);
	} else {
		s = realloc(c->spans, sizeof(*s) * (size_t)cap);
	}
	if (!s)
		return -ENOMEM;
	c->spans = s;
	c->spans_cap = cap;
	return 0;
}

static void conn_protocol_error(struct worker *w, struct conn *c, const char *err)
{
	struct reply *r = conn_reply_target(c);
	reply_errorf(r, "ERR %s", err);
	w->stats.total_error_replies++;
	c->flags |= CONN_CLOSING;
	conn_mark_flush(w, c);
}

/*
 * Parse and run the commands in buf[0..len), which starts at a command
 * boundary. Returns the bytes consumed; the rest (a partial command, or
 * input held back) is the caller's to keep.
 */
/*
 * MICA's batching, as a hint: the keys of pipelined commands are random, so
 * each lookup waits for a cache miss on its bucket and another on its
 * entry, one command after another (perf: 63% of a DPDK lcore at pipeline
 * 16). Before running up to PREFETCH_MAX commands of a chunk, parse ahead
 * with a scratch parser and prefetch each local key's bucket, then each
 * first entry, then the second entry where the first's hash tag differs,
 * so the misses overlap. Only multibulk commands (the inline parser
 * rewrites quotes in place) whose first argument is the key of a command on
 * this worker; nothing here changes state. Returns the bytes it covered.
 */
#define PREFETCH_MAX 32
#define PREFETCH_MIN_BYTES 128 /* a lone command gains nothing */

/* Scratch-parse the multibulk command at buf: false if there is no whole
 * one; else *used is its size and *key its key when it has one that this
 * worker owns (NULL otherwise). Multibulk parsing writes nothing to buf. */
static bool scratch_key(struct worker *w, struct resp_parser *p, const char *buf, size_t len,
			size_t *used, const char **key, size_t *klen)
{
	struct resp_span sp[8];
	if (len == 0 || buf[0] != '*' ||
	    resp_parse(p, (char *)buf, len, sp, 8) != RESP_DONE)
		return false;
	*used = p->used;
	*key = NULL;
	if (p->argc >= 2 && cmd_key_owner(&w->env, buf + sp[1].off, sp[1].len) == w->id) {
		*key = buf + sp[1].off;
		*klen = sp[1].len;
	}
	return true;
}

/* Three passes so that each one's loads overlap: buckets, first entries,
 * then the second entry where the first's hash tag differs (a third of
 * the hits at a load factor near 0.75). */
static void prefetch_keys(struct shard *s, int db, const uint64_t *h, int n)
{
	for (int i = 0; i < n; i++)
		shard_prefetch_entry(s, db, h[i]);
	for (int i = 0; i < n; i++)
		shard_prefetch_chain(s, db, h[i]);
}

static size_t conn_prefetch(struct worker *w, const struct conn *c, char *buf, size_t len)
{
	struct resp_parser p;
	uint64_t h[PREFETCH_MAX];
	struct shard *s = w->env.shard;
	int db = c->client.db, n = 0;
	size_t off = 0;

	if (len < PREFETCH_MIN_BYTES || c->parser.state != 0 || c->parser.pos != 0)
		return len;
	resp_parser_init(&p, w->cfg.proto_max_bulk_len);
	p.unauth = !c->client.authenticated;
	while (n < PREFETCH_MAX && off < len) {
		const char *key;
		size_t used, klen = 0;
		if (!scratch_key(w, &p, buf + off, len - off, &used, &key, &klen))
			break;
		if (key)
			h[n++] = shard_prefetch_bucket(s, db, key, klen);
		off += used;
		resp_parser_reset(&p);
	}
	if (n >= 2)
		prefetch_keys(s, db, h, n);
	/* nothing parsed (an inline command, or one not yet whole): the
	 * rest of this chunk is not worth a scratch parse per command */
	return off ? off : len;
}

void engine_prefetch_payloads(struct worker *w, const char *const *data,
			      const size_t *len, int n)
{
	struct resp_parser p;
	uint64_t h[ENGINE_HINT_MAX];
	struct shard *s = w->env.shard;
	int k = 0;

	resp_parser_init(&p, w->cfg.proto_max_bulk_len);
	p.unauth = true; /* the stricter limits: a hint needs no more */
	for (int i = 0; i < n && k < ENGINE_HINT_MAX; i++) {
		const char *key = NULL;
		size_t used, klen = 0;
		/* larger payloads are the per-chunk prefetch's */
		if (len[i] < PREFETCH_MIN_BYTES &&
		    scratch_key(w, &p, data[i], len[i], &used, &key, &klen) && key)
			h[k++] = shard_prefetch_bucket(s, 0, key, klen);
		resp_parser_reset(&p);
	}
	if (k >= 2)
		prefetch_keys(s, 0, h, k);
}

static size_t conn_parse(struct worker *w, struct conn *c, char *buf, size_t len)
{
	size_t off = 0, prefetched = 0;
	while (off < len && conn_can_parse(c)) {
		/* a window at a time, from the first command boundary: a
		 * chunk may start inside a command the last one cut */
		if (off >= prefetched && c->parser.state == 0 && c->parser.pos == 0)
			prefetched = off + conn_prefetch(w, c, buf + off, len - off);
		/* settings may change by CONFIG SET between commands */
		c->parser.unauth = !c->client.authenticated;
		c->parser.max_bulk_len = w->cfg.proto_max_bulk_len;
		enum resp_status st = resp_parse(&c->parser, buf + off, len - off,
						 c->spans, c->spans_cap);
		if (st == RESP_MORE)
			break;
		if (st == RESP_ARGV_FULL) {
			/* double as arguments arrive: the announced count
			 * (up to INT_MAX) is a claim, not a reservation */
			int want = c->spans_cap > INT_MAX / 2 ? INT_MAX : c->spans_cap * 2;
			if (want > c->parser.argc_total)
				want = c->parser.argc_total;
			if (conn_grow_spans(c, want) < 0) {
				conn_close(w, c);
				return len;
			}
			continue;
		}
		if (st == RESP_ERR) {
			conn_protocol_error(w, c, c->parser.err);
			return len;
		}
		int argc = c->parser.argc;
		if (argc > 0) {
			if (worker_argv_reserve(w, argc) < 0) {
				conn_close(w, c);
				return len;
			}
			char *cmd = buf + off;
			for (int i = 0; i < argc; i++) {
				w->argv[i].ptr = cmd + c->spans[i].off;
				w->argv[i].len = c->spans[i].len;
			}
			route_command(w, c, argc, w->argv);
		}
		off += c->parser.used;
		conn_check_output_limits(w, c);
	}
	return off;
}

static int qbuf_reserve(struct worker *w, struct conn *c, size_t extra)
{
	size_t need = c->qlen + extra;
	if (need <= c->qcap)
		return 0;
	size_t cap = c->qcap ? c->qcap : 1024;
	while (cap < need)
		cap *= 2;
	char *q = realloc(c->qbuf, cap);
	if (!q)
		return -ENOMEM;
	c->qbuf = q;
	c->qcap = cap;
	return 0;
}

static void qbuf_append(struct worker *w, struct conn *c, const char *p, size_t n)
{
	if (c->qlen + n > (size_t)w->cfg.client_query_buffer_limit ||
	    qbuf_reserve(w, c, n) < 0) {
		conn_close(w, c);
		return;
	}
	memcpy(c->qbuf + c->qlen, p, n);
	c->qlen += n;
}

/* Parse what the query buffer holds (after new input, or on resume). */
void conn_process_qbuf(struct worker *w, struct conn *c)
{
	if (!conn_can_parse(c))
		return;
	if (!c->qlen)
		goto eof;
	size_t used = conn_parse(w, c, c->qbuf, c->qlen);
	if (c->flags & CONN_CLOSE_REQ) {
		c->qlen = 0;
		return;
	}
	if (used) {
		memmove(c->qbuf, c->qbuf + used, c->qlen - used);
		c->qlen -= used;
	}
	if (c->qlen == 0 && c->qcap > CONN_BUF_KEEP) {
		free(c->qbuf);
		c->qbuf = NULL;
		c->qcap = 0;
	} else if (c->parser.need > c->qlen && c->parser.need < (size_t)w->cfg.client_query_buffer_limit) {
		/* a big argument is on its way: make room once, not by doubling */
		if (qbuf_reserve(w, c, c->parser.need - c->qlen) < 0)
			conn_close(w, c);
	}
eof:
	if ((c->flags & CONN_EOF) && conn_can_parse(c)) {
		c->flags |= CONN_CLOSING;
		conn_maybe_finish(w, c);
	}
}

void engine_conn_input(struct worker *w, struct conn *c, char *data, size_t len)
{
	worker_refresh_clock(w);
	w->stats.net_input_bytes += len;
	c->rx_turn = w->stats.loop_turns;
	c->client.last_ms = w->now_ms;
	if (c->flags & (CONN_CLOSING | CONN_DEAD | CONN_EOF))
		return;
	if (c->qlen || !conn_can_parse(c)) {
		qbuf_append(w, c, data, len);
		conn_process_qbuf(w, c);
		return;
	}
	/* hot path: parse straight from the receive buffer, keep only the tail */
	size_t used = conn_parse(w, c, data, len);
	if (used < len && !(c->flags & CONN_CLOSE_REQ) && !(c->flags & CONN_CLOSING))
		qbuf_append(w, c, data + used, len - used);
}

/* A partial command waiting for the rest of its bytes is not counted:
 * shrinking the window for it would stall a command larger than the
 * window. Input held while the conn cannot parse (a coordinator runs,
 * output back-pressure) is. */
size_t engine_conn_pending_input(const struct conn *c)
{
	return conn_can_parse(c) ? 0 : c->qlen;
}

bool conn_has_work(const struct conn *c)
{
	return c->slot_count || conn_unsent(c) || (c->flags & CONN_SENDING);
}
