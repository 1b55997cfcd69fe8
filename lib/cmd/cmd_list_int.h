/*
 * Private to the list family (cmd_list.c, coord_list.c): argument parsing
 * both the handlers and the coordinators need, and the coordinators the
 * table points at.
 */
#ifndef WIREKV_CMD_LIST_INT_H
#define WIREKV_CMD_LIST_INT_H

#include "cmd/cmd.h"
#include "store/store_list.h"

/* LEFT / RIGHT (Redis's getListPositionFromObjectOrReply): 0, or -EINVAL
 * after "syntax error". */
int list_arg_where(struct reply *r, const struct resp_arg *a, enum list_where *where);

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], checked the way
 * Redis's lmpopGenericCommand does. 0, or -EINVAL after the error. */
struct lmpop_args {
	long numkeys;          /* keys are argv[2 .. 2 + numkeys) */
	enum list_where where;
	long count;            /* 1 when not given */
};
int list_lmpop_args(struct reply *r, int argc, const struct resp_arg *argv,
		    struct lmpop_args *a);

/* coordinators (coord_list.c) */
enum coord_result list_lmove_coord(struct coord_ctx *cc);
enum coord_result list_rpoplpush_coord(struct coord_ctx *cc);
enum coord_result list_lmpop_coord(struct coord_ctx *cc);
/* The phases of a cross-worker LMOVE of argv[1] (src) to argv[2] (dst)
 * with from/to given (BLMOVE's coordinator runs them as its round). */
enum coord_result list_lmove_steps(struct coord_ctx *cc, enum list_where from,
				   enum list_where to);

#endif
