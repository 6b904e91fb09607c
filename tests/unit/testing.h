/*
 * testing.h: a small table-friendly test harness (after collectd's).
 * Every check prints "PASS: name" or "FAIL: name: why"; tests/run.sh counts
 * those lines across every test program.  TEST_MAIN() exits 1 on any failure.
 */
#ifndef TESTING_H
#define TESTING_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;
static int test_passes;

#define CHECK(name, cond) do { \
	if (cond) { test_passes++; printf("PASS: %s\n", (name)); } \
	else { test_failures++; printf("FAIL: %s: %s (%s:%d)\n", (name), #cond, \
		__FILE__, __LINE__); } \
} while (0)

#define CHECK_INT(name, got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ == w_) { test_passes++; printf("PASS: %s\n", (name)); } \
	else { test_failures++; printf("FAIL: %s: got %lld, want %lld (%s:%d)\n", \
		(name), g_, w_, __FILE__, __LINE__); } \
} while (0)

#define CHECK_DBL(name, got, want) do { \
	double g_ = (got), w_ = (want); \
	if (fabs(g_ - w_) < 1e-9) { test_passes++; printf("PASS: %s\n", (name)); } \
	else { test_failures++; printf("FAIL: %s: got %g, want %g (%s:%d)\n", \
		(name), g_, w_, __FILE__, __LINE__); } \
} while (0)

#define CHECK_STR(name, got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) { test_passes++; printf("PASS: %s\n", (name)); } \
	else { test_failures++; printf("FAIL: %s: got \"%s\", want \"%s\" (%s:%d)\n", \
		(name), g_ ? g_ : "(null)", w_ ? w_ : "(null)", __FILE__, __LINE__); } \
} while (0)

/* substring match: error messages must name file, line and key */
#define CHECK_CONTAINS(name, hay, needle) do { \
	const char *h_ = (hay), *n_ = (needle); \
	if (h_ && n_ && strstr(h_, n_)) { test_passes++; printf("PASS: %s\n", (name)); } \
	else { test_failures++; printf("FAIL: %s: \"%s\" not in \"%s\" (%s:%d)\n", \
		(name), n_ ? n_ : "(null)", h_ ? h_ : "(null)", __FILE__, __LINE__); } \
} while (0)

#define TEST_DONE() do { \
	fprintf(stderr, "%s: %d passed, %d failed\n", __FILE__, test_passes, test_failures); \
	return test_failures ? 1 : 0; \
} while (0)

#endif
