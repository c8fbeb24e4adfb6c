/*
 * bench/bench_inference.c: milliseconds per inference of each BlazePose model
 * on each backend built in (median of N runs after warm-up), with and without
 * the landmark models' segmentation branch, so the figures compare with
 * inference.md's table.
 *
 * Usage: bench_inference [models_dir] [runs]
 *   models_dir defaults to $ROMCV_MODELS, then ./models; runs defaults to 30.
 * Build Release (-O3) for meaningful numbers. The machine is shared: medians
 * of a quiet run are the figures to quote.
 */
#include "vision/inference_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median ms of runs (and the fastest in *best: on a shared machine it shows
 * what the code can do when left alone), or a negative value when create
 * fails (printed). */
static double bench_one(const RomcvTfliteModel *m, RomcvInferenceBackend backend, int threads,
                        const char *const *outputs, int runs, RomcvInferencePlanStats *stats,
                        double *best) {
    RomcvInferenceSettings s;
    romcv__inference_default_settings(&s);
    s.backend = backend;
    s.threads = threads;
    s.outputs = outputs;
    RomcvDiag diag = {0};
    RomcvInference *inf = NULL;
    if (romcv__inference_create(&inf, m, &s, &diag) < 0) {
        fprintf(stderr, "%s\n", diag.message);
        return -1;
    }
    romcv__inference_plan_stats(inf, stats);
    RomcvTensorView in;
    romcv__inference_input(inf, 0, &in);
    for (size_t i = 0; i < in.count; i++)
        in.data[i] = (float)((i * 2654435761u) % 1000u) / 1000.0f;
    double *t = malloc(sizeof(double) * (size_t)runs);
    if (!t) {
        romcv__inference_destroy(&inf);
        return -1;
    }
    for (int i = 0; i < 3; i++) /* warm-up: page faults, caches, ifunc resolution */
        romcv__inference_run(inf, &diag);
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        romcv__inference_run(inf, &diag);
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    double median = t[runs / 2];
    *best = t[0];
    free(t);
    romcv__inference_destroy(&inf);
    return median;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : getenv("ROMCV_MODELS");
    if (!dir)
        dir = "models";
    int runs = argc > 2 ? atoi(argv[2]) : 30;
    if (runs < 1)
        runs = 1;
    static const char *const files[] = {"pose_landmark_lite.tflite", "pose_landmark_full.tflite",
                                        "pose_landmark_heavy.tflite", "pose_detection.tflite"};
    static const char *const no_seg[] = {"Identity", "Identity_1", "Identity_3", "Identity_4",
                                         NULL};
    static const RomcvInferenceBackend backends[] = {ROMCV_INFERENCE_PORTABLE,
                                                     ROMCV_INFERENCE_XNNPACK};
    printf("%-28s %-9s %3s %-16s %5s %9s %10s %8s\n", "model", "backend", "thr", "outputs", "ops",
           "M MACs", "median ms", "best ms");
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        RomcvDiag diag = {0};
        RomcvTfliteModel *m = NULL;
        if (romcv__tflite_load_file(&m, path, &diag) < 0 ||
            romcv__tflite_materialise_constants(m, &diag) < 0 ||
            romcv__tflite_check_supported(m, &diag) < 0) {
            fprintf(stderr, "%s\n", diag.message);
            romcv__tflite_free(&m);
            return 1;
        }
        int landmark = strstr(files[f], "landmark") != NULL;
        for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
            for (int threads = 1; threads <= 2; threads++) {
                /* The portable backend runs on one thread whatever it is told. */
                if (threads == 2 && backends[b] == ROMCV_INFERENCE_PORTABLE)
                    continue;
                for (int variant = 0; variant < 1 + landmark; variant++) {
                    RomcvInferencePlanStats st;
                    double best;
                    double ms = bench_one(m, backends[b], threads, variant ? no_seg : NULL, runs,
                                          &st, &best);
                    if (ms < 0)
                        continue;
                    printf("%-28s %-9s %3d %-16s %5d %9.1f %10.2f %8.2f\n", files[f],
                           romcv__inference_backend_name(backends[b]), threads,
                           variant ? "no segmentation" : "all", st.live_ops,
                           (double)st.live_macs * 1e-6, ms, best);
                    fflush(stdout);
                }
            }
        }
        romcv__tflite_free(&m);
    }
    return 0;
}
