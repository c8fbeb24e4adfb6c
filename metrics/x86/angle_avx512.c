/*
 * metrics/x86/angle_avx512.c: the angle kernels, 16 frames per step with
 * AVX-512 (F + DQ). Compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl
 * -mfma for this file only and called only when romcv__cpu_detect() found
 * AVX-512 with OS ZMM support.
 *
 * The arithmetic mirrors metrics/dsp.c and x86/angle_avx2.c; comparisons give
 * opmasks, and the tail uses masked loads and stores (no access past n).
 */
#include "metrics/dsp.h"

#include <immintrin.h>
#include <stdint.h>

static inline __m512 atan2_avx512(__m512 y, __m512 x) {
    const __m512 sign = _mm512_set1_ps(-0.0f), zero = _mm512_setzero_ps();
    __m512 ax = _mm512_andnot_ps(sign, x), ay = _mm512_andnot_ps(sign, y);
    __m512 mx = _mm512_max_ps(ax, ay), mn = _mm512_min_ps(ax, ay);
    /* Divide only where max > 0; elsewhere a = 0, atan2(0, 0) = 0. */
    __mmask16 nonzero = _mm512_cmp_ps_mask(mx, zero, _CMP_GT_OQ);
    __m512 a = _mm512_maskz_div_ps(nonzero, mn, mx);
    __m512 s = _mm512_mul_ps(a, a);
    __m512 q = _mm512_set1_ps(ROMCV_ATAN_A16);
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(ROMCV_ATAN_A14));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(ROMCV_ATAN_A12));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(ROMCV_ATAN_A10));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(ROMCV_ATAN_A8));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(ROMCV_ATAN_A6));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(ROMCV_ATAN_A4));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(ROMCV_ATAN_A2));
    q = _mm512_fmadd_ps(q, s, _mm512_set1_ps(1.0f));
    __m512 r = _mm512_mul_ps(a, q);
    r = _mm512_mask_sub_ps(r, _mm512_cmp_ps_mask(ay, ax, _CMP_GT_OQ), _mm512_set1_ps(ROMCV_PI_2_F),
                           r);
    r = _mm512_mask_sub_ps(r, _mm512_cmp_ps_mask(x, zero, _CMP_LT_OQ), _mm512_set1_ps(ROMCV_PI_F),
                           r);
    return _mm512_mask_xor_ps(r, _mm512_cmp_ps_mask(y, zero, _CMP_LT_OQ), r, sign);
}

static inline __mmask16 segment_ok(__m512 dx, __m512 dy, __m512 min_len2) {
    __m512 len2 = _mm512_add_ps(_mm512_mul_ps(dx, dx), _mm512_mul_ps(dy, dy));
    __mmask16 ok = _mm512_cmp_ps_mask(len2, min_len2, _CMP_GE_OQ);
    ok &= _mm512_cmp_ps_mask(len2, _mm512_set1_ps(ROMCV_MIN_LEN2), _CMP_GE_OQ);
    return ok & _mm512_cmp_ps_mask(len2, _mm512_set1_ps(ROMCV_MAX_LEN2), _CMP_LE_OQ);
}

static inline __m512 load(const float *ptr, __mmask16 mask) {
    return _mm512_maskz_loadu_ps(mask, ptr);
}

static inline __mmask16 vis_ok(const RomcvAnglePoints *p, int count, size_t i, __mmask16 mask,
                               __m512 min_vis) {
    __mmask16 ok = mask;
    for (int k = 0; k < count; k++)
        ok &= _mm512_cmp_ps_mask(load(p->vis[k] + i, mask), min_vis, _CMP_GE_OQ);
    return ok;
}

static inline __m512 dir_step(const RomcvAnglePoints *p, size_t i, __mmask16 mask,
                              const RomcvAngleParams *params) {
    __m512 vx = _mm512_sub_ps(load(p->x[1] + i, mask), load(p->x[0] + i, mask));
    __m512 vy = _mm512_sub_ps(load(p->y[1] + i, mask), load(p->y[0] + i, mask));
    __mmask16 ok = vis_ok(p, 2, i, mask, _mm512_set1_ps(params->min_vis));
    ok &= segment_ok(vx, vy, _mm512_set1_ps(params->min_len2));
    __m512 rx = _mm512_set1_ps(params->ref_x), ry = _mm512_set1_ps(params->ref_y);
    __m512 cross = _mm512_fmsub_ps(rx, vy, _mm512_mul_ps(ry, vx));
    __m512 dot = _mm512_fmadd_ps(rx, vx, _mm512_mul_ps(ry, vy));
    __m512 angle = _mm512_mul_ps(_mm512_set1_ps(params->scale), atan2_avx512(cross, dot));
    return _mm512_mask_blend_ps(ok, _mm512_set1_ps(NAN), angle);
}

static inline __m512 seg_step(const RomcvAnglePoints *p, size_t i, __mmask16 mask,
                              const RomcvAngleParams *params) {
    __m512 ux = _mm512_sub_ps(load(p->x[1] + i, mask), load(p->x[0] + i, mask));
    __m512 uy = _mm512_sub_ps(load(p->y[1] + i, mask), load(p->y[0] + i, mask));
    __m512 vx = _mm512_sub_ps(load(p->x[3] + i, mask), load(p->x[2] + i, mask));
    __m512 vy = _mm512_sub_ps(load(p->y[3] + i, mask), load(p->y[2] + i, mask));
    __m512 min_len2 = _mm512_set1_ps(params->min_len2);
    __mmask16 ok = vis_ok(p, 4, i, mask, _mm512_set1_ps(params->min_vis));
    ok &= segment_ok(ux, uy, min_len2) & segment_ok(vx, vy, min_len2);
    __m512 cross = _mm512_fmsub_ps(ux, vy, _mm512_mul_ps(uy, vx));
    __m512 dot = _mm512_fmadd_ps(ux, vx, _mm512_mul_ps(uy, vy));
    __m512 angle = _mm512_mul_ps(_mm512_set1_ps(params->scale), atan2_avx512(cross, dot));
    return _mm512_mask_blend_ps(ok, _mm512_set1_ps(NAN), angle);
}

decl_angle_dir_fn(romcv__angle_dir_avx512) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, dir_step(p, i, 0xffff, params));
    if (i < n) {
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(out + i, mask, dir_step(p, i, mask, params));
    }
}

decl_angle_seg_fn(romcv__angle_seg_avx512) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, seg_step(p, i, 0xffff, params));
    if (i < n) {
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(out + i, mask, seg_step(p, i, mask, params));
    }
}
