/*
 * metrics/dsp.c: the scalar reference kernels and the dispatch that upgrades
 * them to the best SIMD level the CPU flags allow (dav1d's pal.c pattern).
 *
 * The scalar loops are the definition of every kernel; keep the arithmetic
 * in the same order as the SIMD versions (lengths without fused multiply-add,
 * so the validity decision is bit-identical) so that checkasm can compare.
 */
#include "metrics/dsp.h"

#include "romcv/metrics.h"

#include <stdint.h>

/* One lane: validity of a segment (length in range, not NaN). */
static inline int segment_ok(float dx, float dy, float min_len2) {
    float len2 = dx * dx + dy * dy;
    return len2 >= min_len2 && len2 >= ROMCV_MIN_LEN2 && len2 <= ROMCV_MAX_LEN2;
}

decl_angle_dir_fn(romcv__angle_dir_c) {
    const float rx = params->ref_x, ry = params->ref_y;
    for (size_t i = 0; i < n; i++) {
        float vx = p->x[1][i] - p->x[0][i];
        float vy = p->y[1][i] - p->y[0][i];
        int ok = p->vis[0][i] >= params->min_vis && p->vis[1][i] >= params->min_vis &&
                 segment_ok(vx, vy, params->min_len2);
        float cross = rx * vy - ry * vx;
        float dot = rx * vx + ry * vy;
        out[i] = ok ? params->scale * romcv__atan2f_fast(cross, dot) : NAN;
    }
}

decl_angle_seg_fn(romcv__angle_seg_c) {
    for (size_t i = 0; i < n; i++) {
        float ux = p->x[1][i] - p->x[0][i];
        float uy = p->y[1][i] - p->y[0][i];
        float vx = p->x[3][i] - p->x[2][i];
        float vy = p->y[3][i] - p->y[2][i];
        int ok = p->vis[0][i] >= params->min_vis && p->vis[1][i] >= params->min_vis &&
                 p->vis[2][i] >= params->min_vis && p->vis[3][i] >= params->min_vis &&
                 segment_ok(ux, uy, params->min_len2) && segment_ok(vx, vy, params->min_len2);
        float cross = ux * vy - uy * vx;
        float dot = ux * vx + uy * vy;
        out[i] = ok ? params->scale * romcv__atan2f_fast(cross, dot) : NAN;
    }
}

void romcv__angle_dsp_init(RomcvAngleDsp *dsp, unsigned cpu_flags) {
    dsp->angle_dir = romcv__angle_dir_c;
    dsp->angle_seg = romcv__angle_seg_c;
    dsp->level = "c";
#if defined(__x86_64__) || defined(_M_X64)
    romcv__angle_dsp_init_x86(dsp, cpu_flags);
#elif defined(__aarch64__)
    /* NEON is part of the arm64 base ISA, but the mask can still cap it. */
    if (!(cpu_flags & ROMCV_CPU_NEON))
        return;
    dsp->angle_dir = romcv__angle_dir_neon;
    dsp->angle_seg = romcv__angle_seg_neon;
    dsp->level = "neon";
#else
    (void)cpu_flags;
#endif
}

#if !defined(__x86_64__) && !defined(_M_X64) && !defined(__aarch64__)
/* Other architectures: the scalar kernels only. */
unsigned romcv__cpu_detect(void) {
    return 0;
}
#endif

unsigned romcv_metrics_cpu_flags(void) {
    return romcv__cpu_detect();
}
