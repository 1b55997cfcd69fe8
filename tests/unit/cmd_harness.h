/*
 * In-process stand-in for the engine, for lib/cmd's unit tests: N workers'
 * shards and envs in one thread, one client, commands routed the way the
 * engine routes them (owner by slot, coordinators with sub-requests run
 * synchronously on the target worker's env). Single-threaded by design.
 */
#ifndef WIREKV_CMD_HARNESS_H
#define WIREKV_CMD_HARNESS_H

#include <stddef.h>
#include "cmd/cmd.h"

struct harness;

struct harness *h_new(int nworkers);
void h_free(struct harness *h);

/* Run one command given as a redis-cli-like line (words split on spaces,
 * "double quotes" with \" \\ \n \r \t \xHH escapes group a word). Returns
 * the raw reply bytes, NUL-terminated, valid until the next call. */
const char *h_run(struct harness *h, const char *line);
/* Same with explicit binary-safe arguments. */
const char *h_runv(struct harness *h, int argc, const char *const *argv, const size_t *lens);
size_t h_reply_len(const struct harness *h);

void h_set_time_ms(struct harness *h, int64_t unix_ms); /* all workers' clocks */
void h_advance_ms(struct harness *h, int64_t ms);
struct cmd_env *h_env(struct harness *h, int worker);
struct cmd_client *h_client(struct harness *h);     /* lives on worker 0 */
int h_nworkers(const struct harness *h);
/* How many sub-requests the last command sent (0 = ran on one worker). */
int h_last_subrequests(const struct harness *h);
/* A key that lives on worker w (for cross-worker tests): prefix + n. */
const char *h_key_on(struct harness *h, int w, const char *prefix);

#endif
