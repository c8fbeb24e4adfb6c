/* tests/testutil.c: see testutil.h. */
#define _GNU_SOURCE
#include "testutil.h"

#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *romcv_test_env(const char *name) {
    const char *value = getenv(name);
    ck_assert_msg(value && *value, "environment variable %s is not set (run through ctest)", name);
    return value;
}

char *romcv_test_path(const char *dir, const char *name) {
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    ck_assert_ptr_nonnull(path);
    snprintf(path, size, "%s/%s", dir, name);
    return path;
}

char *romcv_test_shared_file(const char *relative) {
    char *path = romcv_test_path(romcv_test_env("ROMCV_SHARED_DIR"), relative);
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "%s: missing (the shared/ folder must sit beside the repo)",
                  path);
    return path;
}

char *romcv_test_make_tmpdir(void) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) {
        base = "/tmp";
    }
    char *dir = romcv_test_path(base, "romcv-test-XXXXXX");
    ck_assert_msg(mkdtemp(dir) != NULL, "cannot create a temporary folder in %s", base);
    return dir;
}

void romcv_test_remove_tmpdir(char *dir) {
    if (!dir) {
        return;
    }
    /* Only ever our own mkdtemp folders. */
    if (strstr(dir, "romcv-test-")) {
        size_t size = strlen(dir) + 32;
        char *command = malloc(size);
        snprintf(command, size, "rm -rf '%s'", dir);
        int rc = system(command);
        (void)rc;
        free(command);
    }
    free(dir);
}

int romcv_test_run(const char *command, char *output, size_t size) {
    size_t length = strlen(command) + 16;
    char *full = malloc(length);
    ck_assert_ptr_nonnull(full);
    snprintf(full, length, "(%s) 2>&1", command);
    FILE *pipe = popen(full, "r");
    free(full);
    if (!pipe) {
        return -1;
    }
    size_t used = 0;
    char buffer[4096];
    size_t got;
    while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
        if (output && size > 0 && used < size - 1) {
            size_t take = got < size - 1 - used ? got : size - 1 - used;
            memcpy(output + used, buffer, take);
            used += take;
        }
    }
    if (output && size > 0) {
        output[used] = '\0';
    }
    int status = pclose(pipe);
    if (status == -1 || !WIFEXITED(status)) {
        return -1;
    }
    /* The shell reports a child killed by a signal as 128 + signal. */
    int code = WEXITSTATUS(status);
    return code > 128 ? -1 : code;
}

void romcv_test_write_file(const char *path, const void *data, size_t size) {
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

char *romcv_test_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t capacity = 4096, used = 0;
    char *data = malloc(capacity);
    size_t got;
    while ((got = fread(data + used, 1, capacity - used - 1, f)) > 0) {
        used += got;
        if (capacity - used < 2) {
            capacity *= 2;
            data = realloc(data, capacity);
        }
    }
    fclose(f);
    data[used] = '\0';
    if (size) {
        *size = used;
    }
    return data;
}

int romcv_test_main(Suite *suite) {
    SRunner *runner = srunner_create(suite);
    srunner_set_fork_status(runner, CK_FORK);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void romcv_test_reference_load(const char *relative, RomcvTestReference *out) {
    char *path = romcv_test_shared_file(relative);
    size_t size = 0;
    char *text = romcv_test_read_file(path, &size);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n';
    memset(out, 0, sizeof *out);
    out->t = malloc(lines * sizeof *out->t);
    for (int k = 0; k < 33; k++) {
        out->x[k] = malloc(lines * sizeof(float));
        out->y[k] = malloc(lines * sizeof(float));
        out->v[k] = malloc(lines * sizeof(float));
    }
    char *line = text;
    while (line < text + size) {
        char *end = memchr(line, '\n', (size_t)(text + size - line));
        size_t len = end ? (size_t)(end - line) : (size_t)(text + size - line);
        RomcvJsonDoc *doc = NULL;
        if (len > 1) {
            ck_assert_int_eq(romcv__json_parse(&doc, line, len, relative, NULL), 0);
            const RomcvJsonValue *root = romcv__json_root(doc);
            const RomcvJsonValue *lms = romcv__json_get(root, "landmarks");
            double w = romcv__json_number(romcv__json_get(root, "width"));
            double h = romcv__json_number(romcv__json_get(root, "height"));
            size_t i = out->n++;
            out->t[i] = romcv__json_number(romcv__json_get(root, "timestamp_ms")) / 1000.0;
            int have = romcv__json_type(lms) == ROMCV_JSON_ARRAY && romcv__json_size(lms) == 33;
            for (int k = 0; k < 33; k++) {
                const RomcvJsonValue *p = have ? romcv__json_at(lms, (size_t)k) : NULL;
                out->x[k][i] = p ? (float)(w * romcv__json_number(romcv__json_get(p, "x"))) : NAN;
                out->y[k][i] = p ? (float)(h * romcv__json_number(romcv__json_get(p, "y"))) : NAN;
                out->v[k][i] = p ? (float)romcv__json_number(romcv__json_get(p, "visibility")) : 0;
            }
            romcv__json_free(&doc);
        }
        line += len + 1;
    }
    free(text);
    free(path);
}

void romcv_test_reference_free(RomcvTestReference *l) {
    free(l->t);
    for (int k = 0; k < 33; k++) {
        free(l->x[k]);
        free(l->y[k]);
        free(l->v[k]);
    }
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double romcv_test_median(double *values, int n) {
    if (n <= 0) {
        return NAN;
    }
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double romcv_test_percentile(double *values, int n, double p) {
    if (n <= 0) {
        return NAN;
    }
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    return values[(int)floor(p * (n - 1) + 0.5)];
}

int romcv_test_csv_column(const char *csv, const char *name) {
    const char *header_end = strchr(csv, '\n');
    if (!header_end) {
        header_end = csv + strlen(csv);
    }
    size_t length = strlen(name);
    int k = 0;
    for (const char *p = csv; p < header_end; k++) {
        const char *comma = memchr(p, ',', (size_t)(header_end - p));
        const char *end = comma ? comma : header_end;
        if ((size_t)(end - p) == length && strncmp(p, name, length) == 0) {
            return k;
        }
        p = comma ? comma + 1 : header_end;
    }
    return -1;
}

double romcv_test_csv_field(const char *line, int col) {
    const char *p = col >= 0 ? line : NULL;
    for (int c = 0; c < col && p; c++) {
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    if (p && (*p == ',' || *p == '\n' || *p == '\0')) {
        return NAN; /* empty: strtod would skip a newline into the next line */
    }
    char *end;
    double v = p ? strtod(p, &end) : NAN;
    return p && end > p ? v : NAN;
}
