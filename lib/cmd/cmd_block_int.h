/*
 * Private to the blocking commands (cmd_block.c: handlers and table,
 * coord_block.c: their coordinators for keys on several workers).
 */
#ifndef WIREKV_CMD_BLOCK_INT_H
#define WIREKV_CMD_BLOCK_INT_H

#include <stdint.h>

#include "cmd/cmd.h"

/* Redis's getTimeoutFromObjectOrReply(UNIT_SECONDS): 0 and the deadline
 * (unix ms, 0 = wait forever), or -EINVAL after Redis's error. */
int block_parse_timeout(struct reply *r, const struct resp_arg *a, int64_t now_ms,
			int64_t *deadline);

/* coordinators (coord_block.c) */
enum coord_result block_coord_pop(struct coord_ctx *cc);  /* BLPOP BRPOP BZPOPMIN BZPOPMAX */
enum coord_result block_coord_move(struct coord_ctx *cc); /* BLMOVE BRPOPLPUSH */
enum coord_result block_coord_mpop(struct coord_ctx *cc); /* BLMPOP BZMPOP */
/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: asks every worker (__clientunblock) */
enum coord_result block_coord_client_unblock(struct coord_ctx *cc);

#endif
