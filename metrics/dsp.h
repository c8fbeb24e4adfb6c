/*
 * metrics/dsp.h: the angle kernels and their run-time dispatch (never installed).
 *
 * dav1d's pattern (style.md): each kernel has a signature macro and a slot in
 * RomcvAngleDsp; romcv__angle_dsp_init() fills every slot with the scalar
 * reference (*_c) first, then upgrades to AVX2 and AVX-512 (or NEON), stopping
 * at the first level the CPU flags do not allow. The scalar code is the
 * definition; tests/metrics/checkasm.c holds every other level to it within
 * 1e-4 deg.
 *
 * All kernels work on structure-of-arrays float input and write one float per
 * frame: the signed angle from a reference direction to a moving segment,
 * times a scale (which carries the sign convention and the rad -> deg
 * factor), or NaN when the frame is not measurable.
 */
#ifndef ROMCV_METRICS_DSP_H
#define ROMCV_METRICS_DSP_H

#include <math.h>
#include <stddef.h>

/* Segments whose squared length is outside [ROMCV_MIN_LEN2, ROMCV_MAX_LEN2]
 * px^2 are never measured, whatever min_len2 says: below, cross and dot
 * products could both underflow; above, they could overflow. Checking the
 * range also rejects NaN and infinite coordinates in one comparison. */
#define ROMCV_MIN_LEN2 1e-30f
#define ROMCV_MAX_LEN2 1e30f

/* Points for a kernel call: p[0] -> p[1] is the first segment, p[2] -> p[3]
 * the second (angle_seg only). Visibility arrays are never NULL. Pointers
 * may alias (a joint angle passes the vertex twice) and need no alignment. */
typedef struct RomcvAnglePoints {
    const float *x[4];
    const float *y[4];
    const float *vis[4];
} RomcvAnglePoints;

typedef struct RomcvAngleParams {
    float ref_x, ref_y; /* angle_dir: the constant reference direction */
    float scale;        /* multiplies the angle in radians: +-180/pi, +-360/pi */
    float min_len2;     /* minimum squared segment length, px^2 */
    float min_vis;      /* minimum visibility of every point */
} RomcvAngleParams;

/* out[i] = scale * atan2(cross(r, v), dot(r, v)) with v = p1 - p0 and the
 * constant reference r = (ref_x, ref_y); NaN when a point is below min_vis
 * or v is shorter than sqrt(min_len2). */
#define decl_angle_dir_fn(name) \
    void(name)(float *out, const RomcvAnglePoints *p, size_t n, const RomcvAngleParams *params)
typedef decl_angle_dir_fn(*romcv_angle_dir_fn);

/* The same with a per-frame reference r = p1 - p0 and v = p3 - p2; both
 * segments must pass the length test. */
#define decl_angle_seg_fn(name) \
    void(name)(float *out, const RomcvAnglePoints *p, size_t n, const RomcvAngleParams *params)
typedef decl_angle_seg_fn(*romcv_angle_seg_fn);

typedef struct RomcvAngleDsp {
    romcv_angle_dir_fn angle_dir;
    romcv_angle_seg_fn angle_seg;
    const char *level; /* "c", "avx2", "avx512", "neon" */
} RomcvAngleDsp;

/* Fills dsp for the given ROMCV_CPU_* flags (already masked by the caller). */
void romcv__angle_dsp_init(RomcvAngleDsp *dsp, unsigned cpu_flags);

decl_angle_dir_fn(romcv__angle_dir_c);
decl_angle_seg_fn(romcv__angle_seg_c);
#if defined(__x86_64__) || defined(_M_X64)
void romcv__angle_dsp_init_x86(RomcvAngleDsp *dsp, unsigned cpu_flags);
decl_angle_dir_fn(romcv__angle_dir_avx2);
decl_angle_seg_fn(romcv__angle_seg_avx2);
decl_angle_dir_fn(romcv__angle_dir_avx512);
decl_angle_seg_fn(romcv__angle_seg_avx512);
#elif defined(__aarch64__)
decl_angle_dir_fn(romcv__angle_dir_neon);
decl_angle_seg_fn(romcv__angle_seg_neon);
#endif

/* cpuid + xgetbv (x86-64) or fixed NEON (arm64): ROMCV_CPU_* bits. */
unsigned romcv__cpu_detect(void);

/* Fast atan2 in float, the arithmetic every kernel repeats lane by lane.
 * Octant reduction to a = min(|x|,|y|) / max(|x|,|y|) in [0, 1], then the
 * Abramowitz & Stegun 4.4.49 polynomial atan(a) = a (1 + a2 s + ... + a16 s^8),
 * s = a^2, whose own error is <= 2e-8 rad; evaluated in float the measured
 * maximum error against atan2 in double is below 4e-7 rad (2.3e-5 deg) over a
 * dense grid (tests/metrics/test_angles.c asserts <= 1e-6 rad). atan2(0, 0)
 * returns 0; a y of -0 counts as positive, so the result is in (-pi, pi]. */
#define ROMCV_ATAN_A2  -0.3333314528f
#define ROMCV_ATAN_A4  0.1999355085f
#define ROMCV_ATAN_A6  -0.1420889944f
#define ROMCV_ATAN_A8  0.1065626393f
#define ROMCV_ATAN_A10 -0.0752896400f
#define ROMCV_ATAN_A12 0.0429096138f
#define ROMCV_ATAN_A14 -0.0161657367f
#define ROMCV_ATAN_A16 0.0028662257f
#define ROMCV_PI_F     3.14159265358979f
#define ROMCV_PI_2_F   1.57079632679490f

static inline float romcv__atan2f_fast(float y, float x) {
    float ax = fabsf(x), ay = fabsf(y);
    float mx = ax > ay ? ax : ay;
    float mn = ax < ay ? ax : ay;
    float a = mx > 0.0f ? mn / mx : 0.0f;
    float s = a * a;
    float q = ROMCV_ATAN_A16;
    q = q * s + ROMCV_ATAN_A14;
    q = q * s + ROMCV_ATAN_A12;
    q = q * s + ROMCV_ATAN_A10;
    q = q * s + ROMCV_ATAN_A8;
    q = q * s + ROMCV_ATAN_A6;
    q = q * s + ROMCV_ATAN_A4;
    q = q * s + ROMCV_ATAN_A2;
    q = q * s + 1.0f;
    float r = a * q;
    if (ay > ax)
        r = ROMCV_PI_2_F - r;
    if (x < 0.0f)
        r = ROMCV_PI_F - r;
    if (y < 0.0f)
        r = -r;
    return r;
}

#endif /* ROMCV_METRICS_DSP_H */
