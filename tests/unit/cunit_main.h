/*
 * The runner every unit test program's main() shares: register a table of
 * suites, run them verbosely, and return 1 if anything failed (an assertion,
 * a suite's set-up or tear-down, or the registration itself), else 0.
 */
#ifndef WIREKV_CUNIT_MAIN_H
#define WIREKV_CUNIT_MAIN_H

#include <CUnit/Basic.h>
#include <stddef.h>

struct cunit_test {
	const char *name;
	CU_TestFunc fn;
};

struct cunit_suite {
	const char *name;
	CU_InitializeFunc init;  /* may be NULL */
	CU_CleanupFunc cleanup;  /* may be NULL */
	const struct cunit_test *tests;
	size_t ntests;
};

#define CUNIT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static inline int cunit_run(const struct cunit_suite *suites, size_t nsuites)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (size_t i = 0; i < nsuites; i++) {
		CU_pSuite s = CU_add_suite(suites[i].name, suites[i].init, suites[i].cleanup);

		if (!s)
			goto fail;
		for (size_t j = 0; j < suites[i].ntests; j++)
			if (!CU_add_test(s, suites[i].tests[j].name, suites[i].tests[j].fn))
				goto fail;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	if (CU_get_error() != CUE_SUCCESS)
		failed++;
	CU_cleanup_registry();
	return failed ? 1 : 0;
fail:
	CU_cleanup_registry();
	return 1;
}

/* A program with one suite: return cunit_run_one("proto", tests); */
#define cunit_run_one(name, tests)                                              \
	cunit_run(&(const struct cunit_suite){ (name), NULL, NULL, (tests),      \
					       CUNIT_COUNT(tests) }, 1)

#endif
