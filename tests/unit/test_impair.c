/* lib/net/impair.c: net-impair's loss, duplication, reordering and delay
 * over a fake burst source (heap frames instead of mbufs), its counters and
 * its determinism for a seed; and the EAL argument splitter of the DPDK
 * port layer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cunit_main.h"
#include "net/impair.h"
#include "net/net_dpdk.h"

struct frame {
	int id;
	int copies;      /* how many dups were made of this one */
	bool is_copy;
};

struct source {
	int live;        /* frames allocated and not yet freed */
	int next_id;
};

static void *fake_dup(void *ctx, void *f)
{
	struct source *s = ctx;
	struct frame *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *(struct frame *)f;
	c->is_copy = true;
	((struct frame *)f)->copies++;
	s->live++;
	return c;
}

static void fake_drop(void *ctx, void *f)
{
	struct source *s = ctx;
	s->live--;
	free(f);
}

static struct impair *make(struct source *s, double loss, double reorder, double dup,
			   long long delay, uint64_t seed)
{
	struct wk_net_impair cfg = { .loss_pct = loss, .reorder_pct = reorder, .dup_pct = dup,
				     .delay_us = delay, .seed = seed };
	struct impair_frame_ops ops = { .ctx = s, .dup = fake_dup, .drop = fake_drop };
	memset(s, 0, sizeof(*s));
	struct impair *im = impair_new(&cfg, seed, &ops);
	CU_ASSERT_PTR_NOT_NULL_FATAL(im);
	return im;
}

/* A burst of n new frames. */
static void burst(struct source *s, void **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct frame *f = calloc(1, sizeof(*f));
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		f->id = s->next_id++;
		v[i] = f;
		s->live++;
	}
}

static int id_of(void *f) { return ((struct frame *)f)->id; }

static void release(struct source *s, void **v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fake_drop(s, v[i]);
}

static void test_off_passes_everything(void)
{
	struct source s;
	struct impair *im = make(&s, 0, 0, 0, 0, 1);
	void *in[32], *out[80];
	for (int round = 0; round < 10; round++) {
		burst(&s, in, 32);
		unsigned k = impair_apply(im, 1000 + round, in, 32, out, 80);
		CU_ASSERT_EQUAL(k, 32);
		for (unsigned i = 0; i < k; i++)
			CU_ASSERT_EQUAL(id_of(out[i]), round * 32 + (int)i);
		release(&s, out, k);
	}
	CU_ASSERT_EQUAL(impair_counters(im)->in, 320);
	CU_ASSERT_EQUAL(impair_counters(im)->out, 320);
	CU_ASSERT_EQUAL(impair_held(im), 0);
	impair_free(im);
	CU_ASSERT_EQUAL(s.live, 0);
}

static void test_loss(void)
{
	struct source s;
	void *in[32], *out[80];
	/* all */
	struct impair *im = make(&s, 100, 0, 0, 0, 3);
	burst(&s, in, 32);
	CU_ASSERT_EQUAL(impair_apply(im, 0, in, 32, out, 80), 0);
	CU_ASSERT_EQUAL(impair_counters(im)->lost, 32);
	CU_ASSERT_EQUAL(s.live, 0);
	impair_free(im);
	/* 30 %: near 3000 of 10000, and every frame accounted for, in order */
	im = make(&s, 30, 0, 0, 0, 3);
	unsigned total = 0;
	int last = -1;
	for (int round = 0; round < 10000 / 25; round++) {
		burst(&s, in, 25);
		unsigned k = impair_apply(im, 0, in, 25, out, 80);
		for (unsigned i = 0; i < k; i++) {
			CU_ASSERT(id_of(out[i]) > last);
			last = id_of(out[i]);
		}
		total += k;
		release(&s, out, k);
	}
	const struct impair_counters *c = impair_counters(im);
	CU_ASSERT_EQUAL(c->in, 10000);
	CU_ASSERT_EQUAL(c->lost + total, 10000);
	CU_ASSERT(c->lost > 2700 && c->lost < 3300);
	/* fractional percentages work */
	impair_free(im);
	im = make(&s, 0.5, 0, 0, 0, 11);
	for (int round = 0; round < 100000 / 25; round++) {
		burst(&s, in, 25);
		unsigned k = impair_apply(im, 0, in, 25, out, 80);
		release(&s, out, k);
	}
	CU_ASSERT(impair_counters(im)->lost > 350 && impair_counters(im)->lost < 650);
	impair_free(im);
	CU_ASSERT_EQUAL(s.live, 0);
}

static void test_dup(void)
{
	struct source s;
	void *in[16], *out[40];
	struct impair *im = make(&s, 0, 0, 100, 0, 5);
	burst(&s, in, 16);
	unsigned k = impair_apply(im, 0, in, 16, out, 40);
	CU_ASSERT_EQUAL_FATAL(k, 32);
	for (unsigned i = 0; i < 16; i++) {
		/* the copy follows its original, and is a distinct frame */
		CU_ASSERT_EQUAL(id_of(out[2 * i]), (int)i);
		CU_ASSERT_EQUAL(id_of(out[2 * i + 1]), (int)i);
		CU_ASSERT_FALSE(((struct frame *)out[2 * i])->is_copy);
		CU_ASSERT_TRUE(((struct frame *)out[2 * i + 1])->is_copy);
		CU_ASSERT_PTR_NOT_EQUAL(out[2 * i], out[2 * i + 1]);
	}
	CU_ASSERT_EQUAL(impair_counters(im)->duplicated, 16);
	release(&s, out, k);
	impair_free(im);
	/* 10 %: about 1000 extra frames in 10000 */
	im = make(&s, 0, 0, 10, 0, 6);
	unsigned total = 0;
	for (int round = 0; round < 10000 / 16; round++) {
		burst(&s, in, 16);
		k = impair_apply(im, 0, in, 16, out, 40);
		total += k;
		release(&s, out, k);
	}
	CU_ASSERT_EQUAL(total, 10000 + impair_counters(im)->duplicated);
	CU_ASSERT(impair_counters(im)->duplicated > 850 && impair_counters(im)->duplicated < 1150);
	impair_free(im);
	CU_ASSERT_EQUAL(s.live, 0);
}

static void test_reorder(void)
{
	struct source s;
	void *in[8], *out[20];
	/* 100 %: every frame is held behind the next one: 1 0 3 2 5 4 ... */
	struct impair *im = make(&s, 0, 100, 0, 0, 8);
	burst(&s, in, 7);
	unsigned k = impair_apply(im, 0, in, 7, out, 20);
	CU_ASSERT_EQUAL_FATAL(k, 6);
	static const int want[] = { 1, 0, 3, 2, 5, 4 };
	for (unsigned i = 0; i < k; i++)
		CU_ASSERT_EQUAL(id_of(out[i]), want[i]);
	release(&s, out, k);
	/* frame 6 is held; nothing comes: it leaves after IMPAIR_REORDER_US */
	CU_ASSERT_EQUAL(impair_held(im), 1);
	CU_ASSERT_EQUAL(impair_apply(im, IMPAIR_REORDER_US - 1, NULL, 0, out, 20), 0);
	k = impair_apply(im, IMPAIR_REORDER_US, NULL, 0, out, 20);
	CU_ASSERT_EQUAL_FATAL(k, 1);
	CU_ASSERT_EQUAL(id_of(out[0]), 6);
	release(&s, out, k);
	CU_ASSERT_EQUAL(impair_counters(im)->reordered, 4); /* 0, 2, 4, 6 */
	/* a frame held when the stream ends is freed with the impair */
	burst(&s, in, 1);
	CU_ASSERT_EQUAL(impair_apply(im, 5000, in, 1, out, 20), 0);
	impair_free(im);
	CU_ASSERT_EQUAL(s.live, 0);
}

static void test_delay(void)
{
	struct source s;
	void *in[8], *out[20];
	struct impair *im = make(&s, 0, 0, 0, 100, 9);
	burst(&s, in, 4);
	CU_ASSERT_EQUAL(impair_apply(im, 1000, in, 4, out, 20), 0);
	burst(&s, in, 2);
	CU_ASSERT_EQUAL(impair_apply(im, 1050, in, 2, out, 20), 0);
	CU_ASSERT_EQUAL(impair_held(im), 6);
	CU_ASSERT_EQUAL(impair_apply(im, 1099, NULL, 0, out, 20), 0);
	unsigned k = impair_apply(im, 1100, NULL, 0, out, 20);
	CU_ASSERT_EQUAL_FATAL(k, 4);
	for (unsigned i = 0; i < k; i++)
		CU_ASSERT_EQUAL(id_of(out[i]), (int)i);
	release(&s, out, k);
	/* a small out[] releases the rest over several calls, in order */
	k = impair_apply(im, 2000, NULL, 0, out, 1);
	CU_ASSERT_EQUAL_FATAL(k, 1);
	CU_ASSERT_EQUAL(id_of(out[0]), 4);
	release(&s, out, k);
	k = impair_apply(im, 2000, NULL, 0, out, 1);
	CU_ASSERT_EQUAL_FATAL(k, 1);
	CU_ASSERT_EQUAL(id_of(out[0]), 5);
	release(&s, out, k);
	CU_ASSERT_EQUAL(impair_counters(im)->delayed, 6);
	CU_ASSERT_EQUAL(impair_counters(im)->overflow, 0);
	/* frames still queued are freed with it */
	burst(&s, in, 3);
	impair_apply(im, 3000, in, 3, out, 20);
	impair_free(im);
	CU_ASSERT_EQUAL(s.live, 0);
}

static void test_overflow(void)
{
	struct source s;
	void *in[8], *out[4];
	struct impair *im = make(&s, 0, 0, 100, 0, 10);
	burst(&s, in, 4);
	CU_ASSERT_EQUAL(impair_apply(im, 0, in, 4, out, 4), 4);
	CU_ASSERT_EQUAL(impair_counters(im)->overflow, 4);
	release(&s, out, 4);
	impair_free(im);
	CU_ASSERT_EQUAL(s.live, 0);
}

/* Run a mixed impairment over a fixed input; record the ids that come out. */
static unsigned run_mixed(uint64_t seed, int *ids, unsigned cap)
{
	struct source s;
	struct impair *im = make(&s, 5, 10, 3, 20, seed);
	void *in[16], *out[64];
	unsigned n = 0;
	for (int round = 0; round < 200; round++) {
		burst(&s, in, round % 17 == 0 ? 0 : 16);
		unsigned k = impair_apply(im, (uint64_t)round * 7, in, round % 17 == 0 ? 0 : 16, out, 64);
		for (unsigned i = 0; i < k; i++) {
			if (n < cap)
				ids[n++] = id_of(out[i]) * 2 + ((struct frame *)out[i])->is_copy;
		}
		release(&s, out, k);
	}
	impair_free(im);
	CU_ASSERT_EQUAL(s.live, 0);
	return n;
}

static void test_deterministic(void)
{
	static int a[8000], b[8000], c[8000];
	unsigned na = run_mixed(7, a, 8000);
	unsigned nb = run_mixed(7, b, 8000);
	unsigned nc = run_mixed(8, c, 8000);
	CU_ASSERT(na > 2500);
	CU_ASSERT_EQUAL(na, nb);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof(int) * na), 0);
	/* another seed: another stream */
	CU_ASSERT(na != nc || memcmp(a, c, sizeof(int) * na) != 0);
	/* and the mixture really reordered something */
	bool out_of_order = false;
	for (unsigned i = 1; i < na; i++)
		if (a[i] / 2 < a[i - 1] / 2)
			out_of_order = true;
	CU_ASSERT_TRUE(out_of_order);
}

/* ---- the EAL argument splitter */

static void expect_split(const char *s, int want_argc, const char *const *want)
{
	char **argv = NULL;
	int argc = dpdk_split_args("wirekv-server", s, &argv);
	CU_ASSERT_EQUAL(argc, want_argc);
	if (argc == want_argc) {
		CU_ASSERT_STRING_EQUAL(argv[0], "wirekv-server");
		for (int i = 1; i < argc; i++)
			CU_ASSERT_STRING_EQUAL(argv[i], want[i - 1]);
		CU_ASSERT_PTR_NULL(argv[argc]);
	}
	dpdk_free_args(argv);
}

static void test_split_args(void)
{
	expect_split("-l 0-1 --no-pci", 4, (const char *[]){ "-l", "0-1", "--no-pci" });
	expect_split("  -l\t0  ", 3, (const char *[]){ "-l", "0" });
	expect_split("--vdev='net_tap0,iface=wk 1' -a \"x y\"", 4,
		     (const char *[]){ "--vdev=net_tap0,iface=wk 1", "-a", "x y" });
	expect_split("a\\ b \"q\\\"x\" ''", 4, (const char *[]){ "a b", "q\"x", "" });
	expect_split("", 1, NULL);
	char **argv = NULL;
	CU_ASSERT_EQUAL(dpdk_split_args("x", "-l 'unclosed", &argv), -EINVAL);
	CU_ASSERT_PTR_NULL(argv);
	CU_ASSERT_EQUAL(dpdk_split_args("x", "a\\", &argv), -EINVAL);
}

int main(void)
{
	static const struct cunit_test impair_tests[] = {
		{ "off: everything passes in order", test_off_passes_everything },
		{ "loss", test_loss },
		{ "duplication", test_dup },
		{ "reordering", test_reorder },
		{ "delay", test_delay },
		{ "out[] overflow is counted", test_overflow },
		{ "deterministic for a seed", test_deterministic },
	};
	static const struct cunit_test eal_tests[] = {
		{ "dpdk-args split like a shell", test_split_args },
	};
	static const struct cunit_suite suites[] = {
		{ "impair", NULL, NULL, impair_tests, CUNIT_COUNT(impair_tests) },
		{ "eal_args", NULL, NULL, eal_tests, CUNIT_COUNT(eal_tests) },
	};
	return cunit_run(suites, CUNIT_COUNT(suites));
}
