/* lib/uring/coalesce.c: the completion-coalescing target of a worker's
 * io_uring: when it grows, how a timed-out wait shrinks it, and that a
 * closed loop of few clients never gets a target that would make the
 * worker wait for all of them. */
#include "cunit_main.h"
#include "uring/coalesce.h"

/* n sleeping turns that each got `got` wake-up completions (as many as
 * asked or more: in time; fewer: the wait timed out) */
static void busy_turns(struct coalesce *c, unsigned nconns, int n, unsigned got)
{
	for (int i = 0; i < n; i++)
		coalesce_update(c, nconns, c->target, got);
}

static void test_starts_without_coalescing(void)
{
	struct coalesce c;
	coalesce_init(&c);
	CU_ASSERT_EQUAL(c.target, 1);
}

static void test_light_load_never_coalesces(void)
{
	struct coalesce c;
	coalesce_init(&c);
	/* one completion per wake-up: nothing to batch, whatever the conns */
	busy_turns(&c, 100, 1000, 1);
	CU_ASSERT_EQUAL(c.target, 1);
}

static void test_grows_under_load_from_min_to_cap(void)
{
	struct coalesce c;
	coalesce_init(&c);
	busy_turns(&c, 50, COALESCE_GROW - 1, 3);
	CU_ASSERT_EQUAL(c.target, 1);
	busy_turns(&c, 50, 1, 3);
	CU_ASSERT_EQUAL(c.target, COALESCE_MIN);
	/* each further step needs COALESCE_GROW waits that got their count */
	busy_turns(&c, 50, COALESCE_GROW, COALESCE_MIN);
	CU_ASSERT_EQUAL(c.target, COALESCE_MIN + 1);
	busy_turns(&c, 50, 100 * COALESCE_GROW, 64);
	CU_ASSERT_EQUAL(c.target, 50 / 2);
}

static void test_capped_by_max(void)
{
	struct coalesce c;
	coalesce_init(&c);
	busy_turns(&c, 1000, 1000 * COALESCE_GROW, 64);
	CU_ASSERT_EQUAL(c.target, COALESCE_MAX);
}

static void test_few_clients_never_coalesce(void)
{
	struct coalesce c;
	coalesce_init(&c);
	/* 8 clients in a closed loop can bring all 8 requests at once; a
	 * target of 8 would never time out and would halve throughput */
	busy_turns(&c, 8, 1000, 8);
	CU_ASSERT_EQUAL(c.target, 1);
	busy_turns(&c, COALESCE_MIN_CONNS - 1, 1000, 16);
	CU_ASSERT_EQUAL(c.target, 1);
	/* from COALESCE_MIN_CONNS on: up to half of them */
	busy_turns(&c, COALESCE_MIN_CONNS, 1000, 16);
	CU_ASSERT_EQUAL(c.target, COALESCE_MIN_CONNS / 2);
}

static void test_timeout_halves(void)
{
	struct coalesce c;
	coalesce_init(&c);
	busy_turns(&c, 64, 1000 * COALESCE_GROW, 32);
	CU_ASSERT_EQUAL(c.target, COALESCE_MAX);
	coalesce_update(&c, 64, c.target, 3);
	CU_ASSERT_EQUAL(c.target, COALESCE_MAX / 2);
	coalesce_update(&c, 64, c.target, 1);
	CU_ASSERT_EQUAL(c.target, COALESCE_MAX / 4);
	coalesce_update(&c, 64, c.target, 0);
	CU_ASSERT_EQUAL(c.target, COALESCE_MAX / 8);
	/* under the minimum: straight back to no coalescing */
	coalesce_update(&c, 64, c.target, 0);
	CU_ASSERT_EQUAL(c.target, 1);
	/* and growth starts over */
	busy_turns(&c, 64, COALESCE_GROW - 1, 5);
	CU_ASSERT_EQUAL(c.target, 1);
}

static void test_timeout_resets_growth_count(void)
{
	struct coalesce c;
	coalesce_init(&c);
	busy_turns(&c, 64, COALESCE_GROW, 5);
	CU_ASSERT_EQUAL(c.target, COALESCE_MIN);
	busy_turns(&c, 64, COALESCE_GROW - 1, 8);
	coalesce_update(&c, 64, 8, 2); /* a larger ask got 2 of 8: timed out */
	unsigned after = c.target;
	busy_turns(&c, 64, COALESCE_GROW - 1, 8);
	CU_ASSERT_EQUAL(c.target, after);
}

/* The kernel reports a timed-out wait as such only when nothing came:
 * getting part of the count is what must shrink the target, or a load
 * that drops after a busy spell keeps every turn waiting its full window. */
static void test_partial_wait_counts_as_timeout(void)
{
	struct coalesce c;
	coalesce_init(&c);
	busy_turns(&c, 64, 1000 * COALESCE_GROW, 32);
	CU_ASSERT_EQUAL(c.target, COALESCE_MAX);
	/* the load drops to 2 completions per window */
	for (int i = 0; i < 10; i++)
		coalesce_update(&c, 64, c.target, 2);
	CU_ASSERT_EQUAL(c.target, 1);
	/* and a wait that got exactly its count is no timeout */
	busy_turns(&c, 64, 2 * COALESCE_GROW, 5);
	CU_ASSERT(c.target > COALESCE_MIN);
}

static void test_connections_closing_lower_the_target(void)
{
	struct coalesce c;
	coalesce_init(&c);
	busy_turns(&c, 64, 1000 * COALESCE_GROW, 32);
	CU_ASSERT_EQUAL(c.target, COALESCE_MAX);
	coalesce_update(&c, 24, c.target, 32);
	CU_ASSERT_EQUAL(c.target, 12);
	coalesce_update(&c, 4, c.target, 12);
	CU_ASSERT_EQUAL(c.target, 1);
}

static void test_counts_waits_and_timeouts(void)
{
	struct coalesce c;
	coalesce_init(&c);
	busy_turns(&c, 64, COALESCE_GROW, 5); /* waits for one: not counted */
	CU_ASSERT_EQUAL(c.target, COALESCE_MIN);
	CU_ASSERT_EQUAL(c.waits, 0);
	busy_turns(&c, 64, 3, COALESCE_MIN);
	coalesce_update(&c, 64, c.target, 1);
	CU_ASSERT_EQUAL(c.waits, 4);
	CU_ASSERT_EQUAL(c.timeouts, 1);
	CU_ASSERT_EQUAL(c.target, 1);
	/* turned off: no coalescing, the counts stay */
	busy_turns(&c, 64, 2 * COALESCE_GROW, 8);
	CU_ASSERT(c.target > 1);
	coalesce_off(&c);
	CU_ASSERT_EQUAL(c.target, 1);
	CU_ASSERT_EQUAL(c.timeouts, 1);
	CU_ASSERT(c.waits > 4);
}

static const struct cunit_test coalesce_tests[] = {
	{ "starts without coalescing", test_starts_without_coalescing },
	{ "light load never coalesces", test_light_load_never_coalesces },
	{ "grows under load from min to half the conns", test_grows_under_load_from_min_to_cap },
	{ "capped by COALESCE_MAX", test_capped_by_max },
	{ "few clients never coalesce", test_few_clients_never_coalesce },
	{ "a timed-out wait halves the target", test_timeout_halves },
	{ "a timed-out wait restarts the growth count", test_timeout_resets_growth_count },
	{ "a wait that got part of its count is a timeout", test_partial_wait_counts_as_timeout },
	{ "closing connections lower the target", test_connections_closing_lower_the_target },
	{ "counts coalesced waits and timeouts", test_counts_waits_and_timeouts },
};

static const struct cunit_suite suites[] = {
	{ "uring_coalesce", NULL, NULL, coalesce_tests, CUNIT_COUNT(coalesce_tests) },
};

int main(void)
{
	return cunit_run(suites, CUNIT_COUNT(suites));
}
