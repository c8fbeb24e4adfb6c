/*
 * metrics/arm/angle_neon.c: the angle kernels, 4 frames per step with arm64
 * Advanced SIMD. Compiled only for aarch64 (metrics/CMakeLists.txt) and
 * called only when romcv__cpu_detect() found NEON (metrics/arm/cpu.c).
 *
 * Same arithmetic as the scalar reference in metrics/dsp.c, lane by lane, as
 * in metrics/x86/angle_avx2.c: the validity tests use the same unfused
 * products (identical decisions), the cross and dot products and the atan
 * polynomial use FMA (results within a few float ulps, far inside
 * checkasm's 1e-4 deg). The last n % 4 frames go through the scalar
 * reference, which is the definition, so nothing past n is read or written.
 *
 * This file needs -ffp-contract=off: GCC's arm_neon.h spells vmulq_f32 and
 * vaddq_f32 as the C operators * and +, so with contraction on, the length
 * test's dx*dx + dy*dy becomes one fmla and a segment exactly at the length
 * threshold is judged differently from the scalar code (checkasm_neon fails
 * within a few seeds when built that way).
 */
#include "metrics/dsp.h"

#if defined(__aarch64__)
#include <arm_neon.h>

static inline float32x4_t atan2_neon(float32x4_t y, float32x4_t x) {
    const float32x4_t zero = vdupq_n_f32(0.0f);
    float32x4_t ax = vabsq_f32(x), ay = vabsq_f32(y);
    float32x4_t mx = vbslq_f32(vcgtq_f32(ax, ay), ax, ay);
    float32x4_t mn = vbslq_f32(vcltq_f32(ax, ay), ax, ay);
    uint32x4_t nonzero = vcgtq_f32(mx, zero);
    float32x4_t a =
        vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(vdivq_f32(mn, mx)), nonzero));
    float32x4_t s = vmulq_f32(a, a);
    float32x4_t q = vdupq_n_f32(ROMCV_ATAN_A16);
    q = vfmaq_f32(vdupq_n_f32(ROMCV_ATAN_A14), q, s);
    q = vfmaq_f32(vdupq_n_f32(ROMCV_ATAN_A12), q, s);
    q = vfmaq_f32(vdupq_n_f32(ROMCV_ATAN_A10), q, s);
    q = vfmaq_f32(vdupq_n_f32(ROMCV_ATAN_A8), q, s);
    q = vfmaq_f32(vdupq_n_f32(ROMCV_ATAN_A6), q, s);
    q = vfmaq_f32(vdupq_n_f32(ROMCV_ATAN_A4), q, s);
    q = vfmaq_f32(vdupq_n_f32(ROMCV_ATAN_A2), q, s);
    q = vfmaq_f32(vdupq_n_f32(1.0f), q, s);
    float32x4_t r = vmulq_f32(a, q);
    r = vbslq_f32(vcgtq_f32(ay, ax), vsubq_f32(vdupq_n_f32(ROMCV_PI_2_F), r), r);
    r = vbslq_f32(vcltq_f32(x, zero), vsubq_f32(vdupq_n_f32(ROMCV_PI_F), r), r);
    uint32x4_t negate = vandq_u32(vcltq_f32(y, zero), vdupq_n_u32(0x80000000u));
    return vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(r), negate));
}

static inline uint32x4_t segment_ok(float32x4_t dx, float32x4_t dy, float32x4_t min_len2) {
    float32x4_t len2 = vaddq_f32(vmulq_f32(dx, dx), vmulq_f32(dy, dy));
    uint32x4_t ok = vcgeq_f32(len2, min_len2);
    ok = vandq_u32(ok, vcgeq_f32(len2, vdupq_n_f32(ROMCV_MIN_LEN2)));
    return vandq_u32(ok, vcleq_f32(len2, vdupq_n_f32(ROMCV_MAX_LEN2)));
}

static inline uint32x4_t vis_ok(const RomcvAnglePoints *p, int count, size_t i, float min_vis) {
    const float32x4_t mv = vdupq_n_f32(min_vis);
    uint32x4_t ok = vcgeq_f32(vld1q_f32(p->vis[0] + i), mv);
    for (int k = 1; k < count; k++)
        ok = vandq_u32(ok, vcgeq_f32(vld1q_f32(p->vis[k] + i), mv));
    return ok;
}

decl_angle_dir_fn(romcv__angle_dir_neon) {
    const float32x4_t rx = vdupq_n_f32(params->ref_x), ry = vdupq_n_f32(params->ref_y);
    const float32x4_t scale = vdupq_n_f32(params->scale), nan = vdupq_n_f32(NAN);
    const float32x4_t min_len2 = vdupq_n_f32(params->min_len2);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t vx = vsubq_f32(vld1q_f32(p->x[1] + i), vld1q_f32(p->x[0] + i));
        float32x4_t vy = vsubq_f32(vld1q_f32(p->y[1] + i), vld1q_f32(p->y[0] + i));
        uint32x4_t ok = vandq_u32(vis_ok(p, 2, i, params->min_vis), segment_ok(vx, vy, min_len2));
        float32x4_t cross = vfmsq_f32(vmulq_f32(rx, vy), ry, vx);
        float32x4_t dot = vfmaq_f32(vmulq_f32(rx, vx), ry, vy);
        vst1q_f32(out + i, vbslq_f32(ok, vmulq_f32(scale, atan2_neon(cross, dot)), nan));
    }
    if (i < n) {
        RomcvAnglePoints rest;
        for (int k = 0; k < 4; k++) {
            rest.x[k] = p->x[k] ? p->x[k] + i : NULL;
            rest.y[k] = p->y[k] ? p->y[k] + i : NULL;
            rest.vis[k] = p->vis[k] ? p->vis[k] + i : NULL;
        }
        romcv__angle_dir_c(out + i, &rest, n - i, params);
    }
}

decl_angle_seg_fn(romcv__angle_seg_neon) {
    const float32x4_t scale = vdupq_n_f32(params->scale), nan = vdupq_n_f32(NAN);
    const float32x4_t min_len2 = vdupq_n_f32(params->min_len2);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t ux = vsubq_f32(vld1q_f32(p->x[1] + i), vld1q_f32(p->x[0] + i));
        float32x4_t uy = vsubq_f32(vld1q_f32(p->y[1] + i), vld1q_f32(p->y[0] + i));
        float32x4_t vx = vsubq_f32(vld1q_f32(p->x[3] + i), vld1q_f32(p->x[2] + i));
        float32x4_t vy = vsubq_f32(vld1q_f32(p->y[3] + i), vld1q_f32(p->y[2] + i));
        uint32x4_t ok = vandq_u32(vis_ok(p, 4, i, params->min_vis), segment_ok(ux, uy, min_len2));
        ok = vandq_u32(ok, segment_ok(vx, vy, min_len2));
        float32x4_t cross = vfmsq_f32(vmulq_f32(ux, vy), uy, vx);
        float32x4_t dot = vfmaq_f32(vmulq_f32(ux, vx), uy, vy);
        vst1q_f32(out + i, vbslq_f32(ok, vmulq_f32(scale, atan2_neon(cross, dot)), nan));
    }
    if (i < n) {
        RomcvAnglePoints rest;
        for (int k = 0; k < 4; k++) {
            rest.x[k] = p->x[k] ? p->x[k] + i : NULL;
            rest.y[k] = p->y[k] ? p->y[k] + i : NULL;
            rest.vis[k] = p->vis[k] ? p->vis[k] + i : NULL;
        }
        romcv__angle_seg_c(out + i, &rest, n - i, params);
    }
}
#endif
