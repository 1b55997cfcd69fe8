/*
 * In-process stand-in for the engine, for lib/cmd's unit tests: N workers'
 * shards and envs in one thread, one client, commands routed the way the
 * engine routes them (owner by slot, coordinators with sub-requests run
 * synchronously on the target worker's env). Single-threaded by design.
 */
#ifndef WIREKV_CMD_HARNESS_H
#define WIREKV_CMD_HARNESS_H

#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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

/* The shard of the worker that owns key. */
struct shard *h_owner_shard(struct harness *h, const char *key);
/* key's entry in db straight from its owner's shard (no touch, no
 * keyspace statistics), or NULL. */
struct sentry *h_peek(struct harness *h, int db, const char *key);
/* Keyspace hits and misses summed over all workers. */
void h_keyspace_stats(struct harness *h, uint64_t *hits, uint64_t *misses);

/*
 * Blocking commands (CMD_BLOCKING). Without h_block_enable a command that
 * would wait answers as a client that may not block (env->block is NULL).
 * With it, the command parks instead, as under the engine: h_run returns ""
 * and the parked command is kept (workers' envs get a block service that
 * records it; sub-requests of coordinators still may not park, and a
 * coordinator's __bwatch is refused, so keys on several workers time out
 * at once here). h_wake_key runs parked command i again as the engine does
 * when key got data: its reply, or "" if it stays parked (a served one is
 * removed, later ones move down); h_wake_timeout gives its timeout reply
 * and removes it. Replies are valid until the next call.
 */
void h_block_enable(struct harness *h);
int h_parked(const struct harness *h);
int64_t h_parked_deadline(const struct harness *h, int i); /* unix ms, 0 = none */
int h_parked_nkeys(const struct harness *h, int i);
const char *h_parked_key(const struct harness *h, int i, int k);
const char *h_wake_key(struct harness *h, int i, const char *key);
const char *h_wake_timeout(struct harness *h, int i);

/* Run cmd (as h_run) and compare the whole reply with want[0..wlen). On a
 * mismatch print file:line, the worker count, the RESP version, the command,
 * both replies (escaped) and the offset of the first differing byte to
 * stderr. true on a match. */
bool h_expect(struct harness *h, const char *cmd, const char *want, size_t wlen,
	      const char *file, int line);
/* s[0..n) to f in double quotes, with \r \n and non-printable bytes escaped
 * (cut after the first 1000 bytes). */
void h_print_escaped(FILE *f, const char *s, size_t n);

/* EXPECT(h, "command line", "exact reply bytes"): want is a string literal
 * or a char array and may hold NUL bytes (a pointer does not compile: use
 * EXPECT_STR for any C string). */
#define H_ARRAY_STRLEN(a) \
	(sizeof(a) - 1 + 0 * sizeof(char[__builtin_types_compatible_p( \
		__typeof__(a), __typeof__(&(a)[0])) ? -1 : 1]))
#define EXPECT(h, cmd, want) \
	CU_ASSERT(h_expect((h), (cmd), (want), H_ARRAY_STRLEN(want), __FILE__, __LINE__))
#define EXPECT_STR(h, cmd, want)                                                   \
	do {                                                                       \
		const char *want_ = (want);                                        \
		CU_ASSERT(h_expect((h), (cmd), want_, strlen(want_), __FILE__, __LINE__)); \
	} while (0)

#endif
