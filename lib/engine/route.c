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
		if (cmd_key_range(def, argc, &first, &last, &step) > 0) {
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
	if (owner == w->id)
		cmd_run(env, cl, def, cl->db, r, argc, argv);
	else {
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
