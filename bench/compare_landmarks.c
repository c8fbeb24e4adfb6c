/*
 * bench/compare_landmarks.c: compares a landmark JSONL file (romcv landmarks
 * --out) with a MediaPipe reference of the same video and says whether it
 * meets issue 4's targets.
 *
 *   compare_landmarks CANDIDATE.jsonl REFERENCE.jsonl [--json]
 *       [--max-mismatch-pct P] [--max-median-pct P] [--max-p95-pct P]
 *       [--max-angle-deg D]
 *
 * Prints the metrics of tests/vision/landmark_compare.h (text, or one JSON
 * object with --json) and PASS or FAIL. Exit status (conventions.md): 0 when
 * every target is met, 1 when one is not or an input cannot be read (the
 * message on stderr tells which), 2 for a bad command line.
 */
#include "landmark_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
    fprintf(f, "usage: compare_landmarks CANDIDATE.jsonl REFERENCE.jsonl [--json]\n"
               "         [--max-mismatch-pct P] [--max-median-pct P] [--max-p95-pct P]\n"
               "         [--max-angle-deg D]\n"
               "Compares pose landmarks with a reference (../shared/reference/*.jsonl), frames\n"
               "matched by index; exit 0 when every target is met, 1 otherwise.\n");
}

/* Parses a non-negative number option value; -1 on error. */
static int parse_limit(const char *text, double *out) {
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !(v >= 0))
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv) {
    const char *paths[2] = {NULL, NULL};
    int npaths = 0, json = 0;
    LmcTargets targets = lmc_default_targets();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double *limit = NULL;
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--max-mismatch-pct") == 0) {
            limit = &targets.max_mismatch_pct;
        } else if (strcmp(a, "--max-median-pct") == 0) {
            limit = &targets.max_median_pct;
        } else if (strcmp(a, "--max-p95-pct") == 0) {
            limit = &targets.max_p95_pct;
        } else if (strcmp(a, "--max-angle-deg") == 0) {
            limit = &targets.max_angle_median_deg;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "compare_landmarks: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else if (npaths < 2) {
            paths[npaths++] = a;
            continue;
        } else {
            fprintf(stderr, "compare_landmarks: more than two files\n");
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc || parse_limit(argv[i + 1], limit) != 0) {
            fprintf(stderr, "compare_landmarks: %s needs a number >= 0\n", a);
            return 2;
        }
        i++;
    }
    if (npaths != 2) {
        usage(stderr);
        return 2;
    }

    LmcSeries candidate, reference;
    RomcvDiag diag;
    if (lmc_load_file(&candidate, paths[0], &diag) != 0) {
        fprintf(stderr, "compare_landmarks: %s\n", diag.message);
        return 1;
    }
    if (lmc_load_file(&reference, paths[1], &diag) != 0) {
        fprintf(stderr, "compare_landmarks: %s\n", diag.message);
        lmc_series_free(&candidate);
        return 1;
    }
    LmcResult result;
    int rc = lmc_compare(&candidate, &reference, &targets, &result, &diag);
    lmc_series_free(&candidate);
    lmc_series_free(&reference);
    if (rc != 0) {
        fprintf(stderr, "compare_landmarks: %s\n", diag.message);
        return 1;
    }
    if (json) {
        if (lmc_write_json(stdout, &result, &targets, &diag) != 0) {
            fprintf(stderr, "compare_landmarks: %s\n", diag.message);
            return 1;
        }
    } else {
        printf("candidate: %s\nreference: %s\n", paths[0], paths[1]);
        lmc_print_text(stdout, &result, &targets);
    }
    return result.pass ? 0 : 1;
}
