/*
 * tests/metrics/checkasm.c: every angle kernel at every SIMD level this CPU
 * has, against the scalar reference (dav1d's checkasm, style.md).
 *
 * For each level the dispatch is re-initialised with the CPU flags capped at
 * that level, and each kernel that level provides runs beside the *_c
 * reference on the same seeded random inputs: lengths 0-67 and a few long
 * ones, misaligned pointers, zero-length, vertical, horizontal and collinear
 * segments, NaN and infinite coordinates, low and NaN visibility, segments
 * exactly at the length threshold. Outputs live between sentinels, so a
 * write past n (or before 0) is caught. Tolerance: both NaN, or within
 * 1e-4 deg modulo a full turn (+180 and -180 are the same direction, and
 * FMA may round a zero cross product to either side).
 *
 * Each level prints how many outputs it compared and the largest difference
 * seen. A level the CPU or the build lacks is skipped, which is right for a
 * developer's machine but would let a cross test pass without testing
 * anything, so --require=LEVEL makes a skipped LEVEL a failure
 * (tests/metrics/checkasm_neon.sh runs this file under qemu-aarch64 with
 * --require=neon).
 *
 * Usage: checkasm [--seed=N] [--bench] [--require=LEVEL]. The seed is
 * printed for replay.
 */
#include "metrics/dsp.h"

#include "romcv/metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GUARD     16
#define MAX_N     1024
#define TOL_DEG   1e-4
#define RAD2DEG_F 57.29577951308232f

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r) {
    /* xorshift64*: enough for test data, and replayable from the seed. */
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

static float rng_float(Rng *r, float lo, float hi) {
    return lo + (hi - lo) * (float)((rng_next(r) >> 40) * (1.0 / 16777216.0));
}

static int rng_int(Rng *r, int n) {
    return (int)((rng_next(r) >> 33) % (uint64_t)n);
}

typedef struct Inputs {
    /* 4 points x (x, y, vis), each with room for a misalignment offset. */
    float *buf[12];
    const float *ptr[12];
} Inputs;

static const uint32_t sentinel_bits = 0x7fb1a5e5u; /* a NaN payload no kernel produces */

static float sentinel(void) {
    float f;
    memcpy(&f, &sentinel_bits, sizeof f);
    return f;
}

static int is_sentinel(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b == sentinel_bits;
}

/* Fills frame i with a random case. */
static void make_frame(Rng *r, float *x[4], float *y[4], float *v[4], size_t i, float min_len) {
    for (int k = 0; k < 4; k++) {
        x[k][i] = rng_float(r, -2000.0f, 2000.0f);
        y[k][i] = rng_float(r, -2000.0f, 2000.0f);
        v[k][i] = rng_float(r, 0.0f, 1.0f) < 0.1f ? rng_float(r, 0.0f, 1.0f) : 1.0f;
    }
    int which = rng_int(r, 2) * 2; /* segment 0->1 or 2->3 */
    switch (rng_int(r, 16)) {
    case 0: /* zero length */
        x[which + 1][i] = x[which][i];
        y[which + 1][i] = y[which][i];
        break;
    case 1: /* vertical */
        x[which + 1][i] = x[which][i];
        break;
    case 2: /* horizontal */
        y[which + 1][i] = y[which][i];
        break;
    case 3: /* collinear, same or opposite direction, integer coordinates */
        for (int k = 0; k < 4; k++) {
            x[k][i] = roundf(x[k][i] / 8.0f);
            y[k][i] = roundf(y[k][i] / 8.0f);
        }
        x[3][i] = x[2][i] + (x[1][i] - x[0][i]) * (rng_int(r, 2) ? 2.0f : -3.0f);
        y[3][i] = y[2][i] + (y[1][i] - y[0][i]) * (rng_int(r, 2) ? 2.0f : -3.0f);
        break;
    case 4: /* NaN coordinate */
        x[rng_int(r, 4)][i] = NAN;
        break;
    case 5: /* infinite coordinate */
        y[rng_int(r, 4)][i] = rng_int(r, 2) ? INFINITY : -INFINITY;
        break;
    case 6: /* NaN visibility */
        v[rng_int(r, 4)][i] = NAN;
        break;
    case 7: /* exactly at the length threshold (3-4-5 triangles) */
        x[which + 1][i] = x[which][i] + 0.6f * min_len;
        y[which + 1][i] = y[which][i] + 0.8f * min_len;
        break;
    case 8: /* tiny segment */
        x[which + 1][i] = x[which][i] + rng_float(r, -1e-3f, 1e-3f);
        y[which + 1][i] = y[which][i] + rng_float(r, -1e-3f, 1e-3f);
        break;
    case 9: /* negative zero and exact axes */
        x[which][i] = 0.0f;
        x[which + 1][i] = -0.0f;
        y[which][i] = 0.0f;
        y[which + 1][i] = rng_int(r, 2) ? 100.0f : -100.0f;
        break;
    default:
        break;
    }
}

static double wrap_diff(float a, float b, float period) {
    double d = fabs((double)a - (double)b);
    double p = fabs((double)period);
    d = fmod(d, p);
    return d > p / 2 ? p - d : d;
}

/* Adds the outputs compared to *checked and raises *max_diff_deg to the
 * largest difference between two finite outputs. */
static int check_kernel(const char *level, const char *name, int seg, romcv_angle_dir_fn ref,
                        romcv_angle_dir_fn fn, Rng *rng, long *checked, double *max_diff_deg) {
    int failures = 0;
    float *data[12];
    for (int k = 0; k < 12; k++)
        data[k] = malloc((MAX_N + 8) * sizeof(float));
    float *out_ref = malloc((MAX_N + 2 * GUARD) * sizeof(float));
    float *out_new = malloc((MAX_N + 2 * GUARD) * sizeof(float));
    const size_t lengths_extra[] = {127, 128, 129, 255, 1000, MAX_N};
    const size_t n_cases = 68 + sizeof lengths_extra / sizeof lengths_extra[0];
    for (size_t c = 0; c < n_cases * 4 && failures < 10; c++) {
        size_t idx = c % n_cases;
        size_t n = idx < 68 ? idx : lengths_extra[idx - 68];
        int offset = rng_int(rng, 4); /* misaligned by 0-3 floats */
        float *x[4], *y[4], *v[4];
        for (int k = 0; k < 4; k++) {
            x[k] = data[3 * k] + offset;
            y[k] = data[3 * k + 1] + offset;
            v[k] = data[3 * k + 2] + offset;
        }
        const float lens[] = {0.0f, 20.0f, rng_float(rng, 0.0f, 300.0f)};
        float min_len = lens[rng_int(rng, 3)];
        for (size_t i = 0; i < n; i++)
            make_frame(rng, x, y, v, i, min_len);
        /* A joint angle shares the vertex: alias point 2 to point 1 sometimes. */
        RomcvAnglePoints p;
        int alias = seg && rng_int(rng, 2);
        for (int k = 0; k < 4; k++) {
            int s = (alias && k == 2) ? 1 : k;
            p.x[k] = x[s];
            p.y[k] = y[s];
            p.vis[k] = v[s];
        }
        const float scales[] = {RAD2DEG_F, -RAD2DEG_F, 2.0f * RAD2DEG_F, -2.0f * RAD2DEG_F};
        float dir = rng_float(rng, -3.2f, 3.2f);
        RomcvAngleParams params = {
            .ref_x = rng_int(rng, 3) ? sinf(dir) : 0.0f,
            .ref_y = rng_int(rng, 3) ? cosf(dir) : 1.0f,
            .scale = scales[rng_int(rng, 4)],
            .min_len2 = min_len * min_len,
            .min_vis = rng_int(rng, 3) == 0 ? 0.0f : 0.5f,
        };
        for (size_t i = 0; i < n + 2 * GUARD; i++)
            out_ref[i] = out_new[i] = sentinel();
        ref(out_ref + GUARD, &p, n, &params);
        fn(out_new + GUARD, &p, n, &params);
        for (size_t i = 0; i < GUARD; i++) {
            if (!is_sentinel(out_new[i]) || !is_sentinel(out_new[GUARD + n + i])) {
                printf("FAIL %s %s n=%zu: write outside [0, n)\n", level, name, n);
                failures++;
                break;
            }
        }
        for (size_t i = 0; i < n; i++) {
            float a = out_ref[GUARD + i], b = out_new[GUARD + i];
            (*checked)++;
            int both_finite = isfinite(a) && isfinite(b);
            double diff = both_finite ? wrap_diff(a, b, 2.0f * (float)M_PI * params.scale) : 0.0;
            if (diff > *max_diff_deg)
                *max_diff_deg = diff;
            int ok = (isnan(a) && isnan(b)) || (both_finite && diff <= TOL_DEG);
            if (ok && is_sentinel(b))
                ok = 0;
            if (!ok) {
                printf("FAIL %s %s n=%zu i=%zu offset=%d: c %.9g, %s %.9g "
                       "(p0 %g,%g p1 %g,%g p2 %g,%g p3 %g,%g)\n",
                       level, name, n, i, offset, a, level, b, p.x[0][i], p.y[0][i], p.x[1][i],
                       p.y[1][i], p.x[2][i], p.y[2][i], p.x[3][i], p.y[3][i]);
                if (++failures >= 10)
                    break;
            }
        }
    }
    for (int k = 0; k < 12; k++)
        free(data[k]);
    free(out_ref);
    free(out_new);
    return failures;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void bench_kernel(const char *level, const char *name, romcv_angle_dir_fn fn) {
    enum { N = 4096, REPS = 2000 };
    float *buf = malloc(13 * N * sizeof(float));
    Rng r = {12345};
    for (size_t i = 0; i < 13 * (size_t)N; i++)
        buf[i] = rng_float(&r, 1.0f, 1000.0f);
    RomcvAnglePoints p;
    for (int k = 0; k < 4; k++) {
        p.x[k] = buf + (3 * k) * N;
        p.y[k] = buf + (3 * k + 1) * N;
        p.vis[k] = buf + (3 * k + 2) * N;
    }
    RomcvAngleParams params = {0.0f, 1.0f, RAD2DEG_F, 4.0f, 0.5f};
    double t0 = now_s();
    for (int rep = 0; rep < REPS; rep++)
        fn(buf + 12 * N, &p, N, &params);
    double dt = now_s() - t0;
    printf("bench %-7s %-10s %8.3f ns/frame\n", level, name, 1e9 * dt / ((double)N * REPS));
    free(buf);
}

int main(int argc, char **argv) {
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
    int bench = 0;
    const char *required_level = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--seed=", 7) == 0)
            seed = strtoull(argv[i] + 7, NULL, 10);
        else if (strcmp(argv[i], "--bench") == 0)
            bench = 1;
        else if (strncmp(argv[i], "--require=", 10) == 0)
            required_level = argv[i] + 10;
        else {
            fprintf(stderr, "usage: checkasm [--seed=N] [--bench] [--require=LEVEL]\n");
            return 2;
        }
    }
    if (seed == 0)
        seed = 1;
    printf("checkasm: seed %" PRIu64 " (replay with --seed=%" PRIu64 ")\n", seed, seed);
    const unsigned detected = romcv__cpu_detect();
    const struct {
        const char *name;
        unsigned mask;
    } levels[] = {{"c", 0},
                  {"avx2", ROMCV_CPU_AVX2},
                  {"avx512", ROMCV_CPU_AVX2 | ROMCV_CPU_AVX512},
                  {"neon", ROMCV_CPU_NEON}};
    int failures = 0, tested_levels = 0, required_tested = 0;
    long checked = 0;
    RomcvAngleDsp prev;
    romcv__angle_dsp_init(&prev, 0);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        if ((detected & levels[l].mask) != levels[l].mask) {
            printf("%-7s not available on this CPU: skipped\n", levels[l].name);
            continue;
        }
        RomcvAngleDsp dsp;
        romcv__angle_dsp_init(&dsp, detected & levels[l].mask);
        if (strcmp(dsp.level, levels[l].name) != 0) {
            printf("%-7s not built for this architecture: skipped\n", levels[l].name);
            continue;
        }
        tested_levels++;
        if (required_level && strcmp(required_level, dsp.level) == 0)
            required_tested = 1;
        Rng rng = {seed + l};
        int f = 0;
        long level_checked = 0;
        double max_diff_deg = 0.0;
        /* Like dav1d, test the pointers that are new at this level (for "c",
         * the reference against itself proves the harness). */
        if (l == 0 || dsp.angle_dir != prev.angle_dir)
            f += check_kernel(dsp.level, "angle_dir", 0, romcv__angle_dir_c, dsp.angle_dir, &rng,
                              &level_checked, &max_diff_deg);
        if (l == 0 || dsp.angle_seg != prev.angle_seg)
            f += check_kernel(dsp.level, "angle_seg", 1, romcv__angle_seg_c, dsp.angle_seg, &rng,
                              &level_checked, &max_diff_deg);
        printf("%-7s %s: %ld outputs compared, max difference %.3g deg (tolerance %g)\n", dsp.level,
               f ? "FAILED" : "ok", level_checked, max_diff_deg, TOL_DEG);
        checked += level_checked;
        if (bench) {
            bench_kernel(dsp.level, "angle_dir", dsp.angle_dir);
            bench_kernel(dsp.level, "angle_seg", dsp.angle_seg);
        }
        failures += f;
        prev = dsp;
    }
    printf("checkasm: %d level(s), %ld outputs compared, %d failure(s)\n", tested_levels, checked,
           failures);
    if (required_level && !required_tested) {
        printf("FAIL level %s was required (--require) but not tested\n", required_level);
        return 1;
    }
    return failures ? 1 : 0;
}
