/* Sending and error helpers shared by the coordinators (coord_util.h). */
#include "cmd/coord_util.h"

#include <errno.h>
#include <stdlib.h>

void coord_send_all(struct coord_ctx *cc, int argc, const struct resp_arg *argv)
{
	for (int w = 0; w < cc->env->nworkers; w++)
		cc->send(cc, w, cc->db, argc, argv);
}

int coord_send_by_owner(struct coord_ctx *cc, const struct resp_arg *name, int span, int take,
			int **owners)
{
	int nitems = (cc->argc - 1) / span, nw = cc->env->nworkers, sent = 0;
	int *own = malloc(sizeof(*own) * (size_t)(nitems ? nitems : 1));
	int *count = calloc((size_t)nw, sizeof(*count));
	int *base = malloc(sizeof(*base) * (size_t)nw);
	int *cur = malloc(sizeof(*cur) * (size_t)nw);
	/* every worker's sub-request, back to back: name, then its arguments */
	struct resp_arg *flat = malloc(sizeof(*flat) * (size_t)(nitems * take + nw));
	int rc = -ENOMEM;

	if (!own || !count || !base || !cur || !flat)
		goto out;
	for (int t = 0; t < nitems; t++) {
		const struct resp_arg *k = &cc->argv[1 + t * span];

		own[t] = cmd_key_owner(cc->env, k->ptr, k->len);
		count[own[t]]++;
	}
	for (int w = 0, off = 0; w < nw; w++) {
		base[w] = off;
		cur[w] = off + 1;
		if (count[w]) {
			flat[off] = *name;
			off += 1 + count[w] * take;
		}
	}
	for (int t = 0; t < nitems; t++)
		for (int a = 0; a < take; a++)
			flat[cur[own[t]]++] = cc->argv[1 + t * span + a];
	for (int w = 0; w < nw; w++) {
		if (count[w]) {
			cc->send(cc, w, cc->db, 1 + count[w] * take, flat + base[w]);
			sent++;
		}
	}
	rc = sent;
out:
	free(count);
	free(base);
	free(cur);
	free(flat);
	if (rc >= 0 && owners)
		*owners = own;
	else
		free(own);
	return rc;
}

static const struct coord_sub *first_error(const struct coord_ctx *cc)
{
	for (int i = 0; i < cc->nsub; i++)
		if (cc->sub[i].len > 0 && cc->sub[i].reply[0] == '-')
			return &cc->sub[i];
	return NULL;
}

bool coord_forward_error(struct coord_ctx *cc)
{
	const struct coord_sub *e = first_error(cc);

	if (e)
		reply_raw(cc->r, e->reply, e->len);
	return e != NULL;
}
