/*
 * The test runner: every suite, CUnit's basic interface, non-zero exit on
 * any failure. One file per area; suite and test names say where it failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tests/util.h"

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite_event();
	suite_trace_text();
	suite_trace_binary();
	suite_queue();
	suite_sim();
	suite_native();
	suite_tlb();
	suite_bpred();
	suite_params();
	suite_recorder();
	suite_gen();
	suite_import();
	suite_models();
	suite_shadow();
	suite_profiles();
	suite_experiments();
	suite_report();
	suite_testbed();
	suite_capacity();
	suite_hostile();
	suite_capture();
	suite_syscapture();
	suite_cli();
	CU_basic_set_mode(CU_BRM_NORMAL);
	/* VL_TEST_SUITE=name runs one suite only (while working on an area) */
	const char *only = getenv("VL_TEST_SUITE");
	CU_pSuite suite = only ? CU_get_suite(only) : NULL;
	if (only && !suite) {
		fprintf(stderr, "no suite '%s'\n", only);
		CU_cleanup_registry();
		return 1;
	}
	if (suite)
		CU_basic_run_suite(suite);
	else
		CU_basic_run_tests();
	t_print_report(suite ? only : NULL);
	unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "no test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}
