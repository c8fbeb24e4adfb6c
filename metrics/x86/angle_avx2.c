/*
 * metrics/x86/angle_avx2.c: the angle kernels, 8 frames per step with AVX2
 * and FMA. Compiled with -mavx2 -mfma for this file only (metrics/
 * CMakeLists.txt) and called only when romcv__cpu_detect() found AVX2, so the
 * rest of the library stays baseline x86-64.
 *
 * Same arithmetic as the scalar reference in metrics/dsp.c, lane by lane:
 * the validity tests use the same unfused products (identical decisions),
 * the cross and dot products and the atan polynomial use FMA (results within
 * a few float ulps, far inside checkasm's 1e-4 deg). The tail is handled
 * with masked loads and stores, so nothing past n is read or written.
 */
#include "metrics/dsp.h"

#include <immintrin.h>
#include <stdint.h>

static inline __m256 atan2_avx2(__m256 y, __m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
    __m256 ax = _mm256_andnot_ps(sign, x), ay = _mm256_andnot_ps(sign, y);
    __m256 mx = _mm256_max_ps(ax, ay), mn = _mm256_min_ps(ax, ay);
    /* 0/0 is NaN; the mask turns it into atan2(0, 0) = 0 as in the scalar code. */
    __m256 a = _mm256_and_ps(_mm256_div_ps(mn, mx), _mm256_cmp_ps(mx, zero, _CMP_GT_OQ));
    __m256 s = _mm256_mul_ps(a, a);
    __m256 q = _mm256_set1_ps(ROMCV_ATAN_A16);
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(ROMCV_ATAN_A14));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(ROMCV_ATAN_A12));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(ROMCV_ATAN_A10));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(ROMCV_ATAN_A8));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(ROMCV_ATAN_A6));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(ROMCV_ATAN_A4));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(ROMCV_ATAN_A2));
    q = _mm256_fmadd_ps(q, s, _mm256_set1_ps(1.0f));
    __m256 r = _mm256_mul_ps(a, q);
    r = _mm256_blendv_ps(r, _mm256_sub_ps(_mm256_set1_ps(ROMCV_PI_2_F), r),
                         _mm256_cmp_ps(ay, ax, _CMP_GT_OQ));
    r = _mm256_blendv_ps(r, _mm256_sub_ps(_mm256_set1_ps(ROMCV_PI_F), r),
                         _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
    return _mm256_xor_ps(r, _mm256_and_ps(sign, _mm256_cmp_ps(y, zero, _CMP_LT_OQ)));
}

/* All-ones lanes where the segment length is in range (NaN fails). */
static inline __m256 segment_ok(__m256 dx, __m256 dy, __m256 min_len2) {
    __m256 len2 = _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy));
    __m256 ok = _mm256_cmp_ps(len2, min_len2, _CMP_GE_OQ);
    ok = _mm256_and_ps(ok, _mm256_cmp_ps(len2, _mm256_set1_ps(ROMCV_MIN_LEN2), _CMP_GE_OQ));
    return _mm256_and_ps(ok, _mm256_cmp_ps(len2, _mm256_set1_ps(ROMCV_MAX_LEN2), _CMP_LE_OQ));
}

static inline __m256 load(const float *ptr, __m256i mask, int masked) {
    return masked ? _mm256_maskload_ps(ptr, mask) : _mm256_loadu_ps(ptr);
}

static inline __m256 vis_ok(const RomcvAnglePoints *p, int count, size_t i, __m256i mask,
                            int masked, __m256 min_vis) {
    __m256 ok = _mm256_cmp_ps(load(p->vis[0] + i, mask, masked), min_vis, _CMP_GE_OQ);
    for (int k = 1; k < count; k++)
        ok = _mm256_and_ps(ok,
                           _mm256_cmp_ps(load(p->vis[k] + i, mask, masked), min_vis, _CMP_GE_OQ));
    return ok;
}

static inline __m256 dir_step(const RomcvAnglePoints *p, size_t i, __m256i mask, int masked,
                              const RomcvAngleParams *params) {
    __m256 vx = _mm256_sub_ps(load(p->x[1] + i, mask, masked), load(p->x[0] + i, mask, masked));
    __m256 vy = _mm256_sub_ps(load(p->y[1] + i, mask, masked), load(p->y[0] + i, mask, masked));
    __m256 ok = vis_ok(p, 2, i, mask, masked, _mm256_set1_ps(params->min_vis));
    ok = _mm256_and_ps(ok, segment_ok(vx, vy, _mm256_set1_ps(params->min_len2)));
    __m256 rx = _mm256_set1_ps(params->ref_x), ry = _mm256_set1_ps(params->ref_y);
    __m256 cross = _mm256_fmsub_ps(rx, vy, _mm256_mul_ps(ry, vx));
    __m256 dot = _mm256_fmadd_ps(rx, vx, _mm256_mul_ps(ry, vy));
    __m256 angle = _mm256_mul_ps(_mm256_set1_ps(params->scale), atan2_avx2(cross, dot));
    return _mm256_blendv_ps(_mm256_set1_ps(NAN), angle, ok);
}

static inline __m256 seg_step(const RomcvAnglePoints *p, size_t i, __m256i mask, int masked,
                              const RomcvAngleParams *params) {
    __m256 ux = _mm256_sub_ps(load(p->x[1] + i, mask, masked), load(p->x[0] + i, mask, masked));
    __m256 uy = _mm256_sub_ps(load(p->y[1] + i, mask, masked), load(p->y[0] + i, mask, masked));
    __m256 vx = _mm256_sub_ps(load(p->x[3] + i, mask, masked), load(p->x[2] + i, mask, masked));
    __m256 vy = _mm256_sub_ps(load(p->y[3] + i, mask, masked), load(p->y[2] + i, mask, masked));
    __m256 min_len2 = _mm256_set1_ps(params->min_len2);
    __m256 ok = vis_ok(p, 4, i, mask, masked, _mm256_set1_ps(params->min_vis));
    ok = _mm256_and_ps(ok, segment_ok(ux, uy, min_len2));
    ok = _mm256_and_ps(ok, segment_ok(vx, vy, min_len2));
    __m256 cross = _mm256_fmsub_ps(ux, vy, _mm256_mul_ps(uy, vx));
    __m256 dot = _mm256_fmadd_ps(ux, vx, _mm256_mul_ps(uy, vy));
    __m256 angle = _mm256_mul_ps(_mm256_set1_ps(params->scale), atan2_avx2(cross, dot));
    return _mm256_blendv_ps(_mm256_set1_ps(NAN), angle, ok);
}

/* Lanes 0 .. left-1 enabled, for the last partial vector. */
static inline __m256i tail_mask(size_t left) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)left), lanes);
}

decl_angle_dir_fn(romcv__angle_dir_avx2) {
    const __m256i all = _mm256_set1_epi32(-1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, dir_step(p, i, all, 0, params));
    if (i < n) {
        __m256i mask = tail_mask(n - i);
        _mm256_maskstore_ps(out + i, mask, dir_step(p, i, mask, 1, params));
    }
}

decl_angle_seg_fn(romcv__angle_seg_avx2) {
    const __m256i all = _mm256_set1_epi32(-1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, seg_step(p, i, all, 0, params));
    if (i < n) {
        __m256i mask = tail_mask(n - i);
        _mm256_maskstore_ps(out + i, mask, seg_step(p, i, mask, 1, params));
    }
}
