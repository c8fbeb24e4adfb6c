/*
 * bench/bench_angles.c: angles per second for 10^7 frames at every kernel
 * level this CPU has (scalar reference, AVX2, AVX-512 or NEON).
 *
 * Each kernel runs over structure-of-arrays input the size of a long
 * recording (10^7 frames: 3 points x (x, y, visibility), 360 MB), so the
 * figures include memory traffic, as real use does. The best of 5 runs is
 * printed. Usage: bench_angles [frames].
 */
#include "metrics/dsp.h"

#include "romcv/core.h"
#include "romcv/metrics.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double best_of(romcv_angle_dir_fn fn, float *out, const RomcvAnglePoints *p, size_t n,
                      const RomcvAngleParams *params) {
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_s();
        fn(out, p, n, params);
        double dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    return best;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 10000000u;
    if (n == 0)
        return 2;
    float *arrays[10];
    for (int k = 0; k < 10; k++) {
        arrays[k] = romcv_malloc_aligned(n * sizeof(float));
        if (!arrays[k]) {
            fprintf(stderr, "bench_angles: out of memory for %zu frames\n", n);
            return 1;
        }
    }
    /* Hip, knee, ankle of a squat-like movement; a few low-visibility frames. */
    uint32_t seed = 1;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        float jitter = (float)(seed >> 8) / 16777216.0f;
        arrays[0][i] = 500.0f + 3.0f * jitter, arrays[1][i] = 500.0f;
        arrays[3][i] = 560.0f + 40.0f * jitter, arrays[4][i] = 700.0f;
        arrays[6][i] = 480.0f, arrays[7][i] = 880.0f + jitter;
        arrays[2][i] = arrays[5][i] = arrays[8][i] = (seed & 0xff) ? 0.9f : 0.1f;
    }
    RomcvAnglePoints p = {{arrays[0], arrays[3], arrays[3], arrays[6]},
                          {arrays[1], arrays[4], arrays[4], arrays[7]},
                          {arrays[2], arrays[5], arrays[5], arrays[8]}};
    RomcvAngleParams params = {0.0f, 1.0f, 57.29577951f, 400.0f, 0.5f};
    const unsigned detected = romcv_metrics_cpu_flags();
    const unsigned masks[] = {0, ROMCV_CPU_AVX2, ROMCV_CPU_AVX2 | ROMCV_CPU_AVX512, ROMCV_CPU_NEON};
    printf("bench_angles: %zu frames per call, best of 5\n", n);
    printf("%-8s %-10s %14s %10s\n", "level", "kernel", "angles/s", "ns/angle");
    const char *prev = "";
    for (size_t l = 0; l < sizeof masks / sizeof masks[0]; l++) {
        if ((detected & masks[l]) != masks[l])
            continue;
        RomcvAngleDsp dsp;
        romcv__angle_dsp_init(&dsp, masks[l]);
        if (strcmp(dsp.level, prev) == 0)
            continue;
        prev = dsp.level;
        double td = best_of(dsp.angle_dir, arrays[9], &p, n, &params);
        double ts = best_of(dsp.angle_seg, arrays[9], &p, n, &params);
        printf("%-8s %-10s %14.3e %10.3f\n", dsp.level, "angle_dir", (double)n / td,
               1e9 * td / (double)n);
        printf("%-8s %-10s %14.3e %10.3f\n", dsp.level, "angle_seg", (double)n / ts,
               1e9 * ts / (double)n);
    }
    for (int k = 0; k < 10; k++)
        romcv_free_aligned(arrays[k]);
    return 0;
}
