/*
 * Where a client's command runs (cmd.h): here, on the one other worker
 * owning its keys, or through its coordinator.
 */
#include "engine/engine_int.h"

static void route_remote(struct worker *w, struct conn *c, int owner, const struct cmd_def *def,
			 int argc, const struct resp_arg *argv)
{
	uint64_t seq = conn_slot_push_wait(c);
	if (seq == UINT64_MAX ||
	    msg_put_request(w, owner, MSG_REQ_CMD, c, seq, def, c->client.db, c->client.resp,
			    argc, argv) < 0) {
		conn_close(w, c); /* out of memory: the reply order cannot be kept */
		return;
	}
	c->refs++;
	if (def->flags & CMD_BLOCKING) {
		/* it may wait there: later commands wait for its reply */
		c->client.last_cmd = def->name;
		conn_block(w, c, owner, seq);
	}
}

/* Run a blocking command here; if it parks, its reply takes a slot of its
 * own and the conn waits for it. Returns true if it parked. */
static bool run_blocking_local(struct worker *w, struct conn *c, const struct cmd_def *def,
			       struct reply *r, int argc, const struct resp_arg *argv)
{
	struct block_origin o = { .kind = BW_CONN, .conn = c };
	block_set_origin(w, &o);
	cmd_run(&w->env, &c->client, def, c->client.db, r, argc, argv);
	block_set_origin(w, NULL);
	if (!o.parked)
		return false;
	uint64_t seq = conn_slot_push_wait(c);
	if (seq == UINT64_MAX) {
		block_waiter_abort(w, o.parked);
		conn_close(w, c);
		return true;
	}
	block_waiter_set_seq(o.parked, seq);
	c->bw = o.parked;
	c->refs++; /* the waiter's */
	conn_block(w, c, w->id, seq);
	return true;
}

void route_command(struct worker *w, struct conn *c, int argc, const struct resp_arg *argv)
{
	struct cmd_env *env = &w->env;
	struct cmd_client *cl = &c->client;
	struct reply *r = conn_reply_target(c);
	/* a reply queued behind pending ones counts towards the conn's
	 * output (pause, hard limit) like one in the output buffer */
	struct reply *queued = c->slot_count ? r : NULL;
	size_t before = r->len;

	cl->last_ms = w->now_ms;
	w->turn_cmds++;
	const struct cmd_def *def = cmd_prepare(env, cl, r, argc, argv);
	if (!def)
		goto out;
	if (def->route == ROUTE_COORD) {
		queued = NULL; /* takes a slot of its own; r may have moved */
		coord_start(w, c, def, argc, argv);
		goto out;
	}
	int owner = w->id;
	if (def->route == ROUTE_KEYS && w->n > 1) {
		int first, last, step;
		if (cmd_key_range_argv(def, argc, argv, &first, &last, &step) > 0) {
			owner = cmd_key_owner(env, argv[first].ptr, argv[first].len);
			for (int i = first + step; i <= last; i += step) {
				if (cmd_key_owner(env, argv[i].ptr, argv[i].len) == owner)
					continue;
				if (def->coord) {
					queued = NULL;
					coord_start(w, c, def, argc, argv);
				} else {
					reply_error(r, "CROSSSLOT Keys in request don't hash to the same slot");
					w->stats.total_error_replies++;
				}
				goto out;
			}
		}
	}
	if (owner == w->id) {
		if (!(def->flags & CMD_BLOCKING))
			cmd_run(env, cl, def, cl->db, r, argc, argv);
		else if (run_blocking_local(w, c, def, r, argc, argv))
			queued = NULL; /* r may have moved with the new slot */
		block_after_command(w, &w->blk, env->shard);
	} else {
		queued = NULL;
		route_remote(w, c, owner, def, argc, argv);
	}
out:
	if (queued)
		c->slot_bytes += queued->len - before;
	if (cl->close_after_reply)
		c->flags |= CONN_CLOSING;
	conn_mark_flush(w, c);
}
