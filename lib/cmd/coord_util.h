/*
 * lib/cmd private: the pieces every family's coordinators share: sending a
 * command to all workers or each key to its owner, and finding an error
 * among the sub-replies. They run on the client's worker, inside a
 * coordinator phase (see struct coord_ctx in cmd.h).
 */
#ifndef WIREKV_CMD_COORD_UTIL_H
#define WIREKV_CMD_COORD_UTIL_H

#include <stdbool.h>

#include "cmd/cmd.h"

/* Send argv to every worker, in worker order. */
void coord_send_all(struct coord_ctx *cc, int argc, const struct resp_arg *argv);

/* A command name given as a string literal, for coord_send_by_owner. */
#define COORD_NAME(lit) (&(const struct resp_arg){ (lit), sizeof(lit) - 1 })

/*
 * Split argv[1..] into items of `span` arguments (a key, or a key and its
 * value) and send name + the first `take` arguments of every item a worker
 * owns to that worker: one sub-request per owner, workers in ascending
 * order, items in argument order (so repeated keys behave as with Redis).
 * If owners is not NULL it receives a malloc'd array: owners[t] = worker of
 * item t. Returns how many sub-requests were sent, or -ENOMEM (none sent).
 */
int coord_send_by_owner(struct coord_ctx *cc, const struct resp_arg *name, int span, int take,
			int **owners);

/* If a sub-reply is an error, reply the first one as is and return true. */
bool coord_forward_error(struct coord_ctx *cc);

#endif
