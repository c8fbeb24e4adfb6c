/*
 * tests/testutil.h: helpers shared by romcv's Check suites.
 *
 * Paths come from the environment that tests/CMakeLists.txt sets for every
 * test: ROMCV_SOURCE_DIR, ROMCV_BINARY_DIR, ROMCV_SHARED_DIR (../shared),
 * ROMCV_MODELS and ROMCV_CLI (the romcv executable).
 */
#ifndef ROMCV_TESTUTIL_H
#define ROMCV_TESTUTIL_H

#include <check.h>
#include <stddef.h>

/* The value of an environment variable the test needs; fails the test (with
 * the variable's name) when it is unset. */
const char *romcv_test_env(const char *name);

/* Joins dir and name into a static-free, malloc'd path; the caller frees it. */
char *romcv_test_path(const char *dir, const char *name);

/* A path inside ../shared (ROMCV_SHARED_DIR), malloc'd. Fails the test when
 * the file does not exist: integration tests must not pass by skipping. */
char *romcv_test_shared_file(const char *relative);

/* A fresh empty directory for this test (under $TMPDIR or /tmp), malloc'd. */
char *romcv_test_make_tmpdir(void);

/* Removes a directory tree made by romcv_test_make_tmpdir and frees dir. */
void romcv_test_remove_tmpdir(char *dir);

/* Runs a shell command line; stdout and stderr are captured (truncated to
 * size - 1 bytes, NUL-terminated) into output when it is not NULL. Returns
 * the exit status (0-255), or -1 when the command could not run or died of a
 * signal (so a crash never looks like a clean failure). */
int romcv_test_run(const char *command, char *output, size_t size);

/* Writes size bytes to path; fails the test on error. */
void romcv_test_write_file(const char *path, const void *data, size_t size);

/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL on error. */
char *romcv_test_read_file(const char *path, size_t *size);

/* Runs the suite in fork mode (each test in its own process, so a crash fails
 * one test, not the run) and returns the process exit code. */
int romcv_test_main(Suite *suite);

/* Sorts n values in place and returns their median (the mean of the middle
 * two when n is even), or NaN when n is 0. */
double romcv_test_median(double *values, int n);
/* Sorts n values in place and returns the nearest-rank p quantile (p in
 * [0, 1]: values[round(p (n - 1))]; 0.5 gives values[n / 2]), NaN when n is 0. */
double romcv_test_percentile(double *values, int n, double p);

/* CSV files romcv writes (frames.csv, markers.csv): the index of the header
 * column called name, or -1; and field col of a data line as a number (NaN
 * when empty or missing). */
int romcv_test_csv_column(const char *csv, const char *name);
double romcv_test_csv_field(const char *line, int col);

/* MediaPipe's reference landmarks for one shared video (../shared/reference,
 * one JSON line per frame), in pixels: n frames, times in seconds, NaN where
 * the frame has no person. */
typedef struct RomcvTestReference {
    size_t n;
    double *t;
    float *x[33], *y[33], *v[33];
} RomcvTestReference;

/* Loads reference/<relative> from ../shared; fails the test when it cannot. */
void romcv_test_reference_load(const char *relative, RomcvTestReference *out);
void romcv_test_reference_free(RomcvTestReference *ref);

#endif /* ROMCV_TESTUTIL_H */
