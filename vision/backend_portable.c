/*
 * vision/backend_portable.c: the reference inference backend, in plain C17
 * and fp32, behind RomcvInferenceBackendOps (vision/inference_internal.h).
 *
 * It runs every op the BlazePose graphs use (inference.md, "Op set") on NHWC
 * activations, with conv filters OHWI and depthwise filters [1,KH,KW,C]
 * (inference.md pitfall 3), and follows TFLite's reference kernels
 * (tensorflow/lite/kernels/internal/reference/) wherever rounding or edge
 * behaviour could differ: TF-SAME padding, half-pixel bilinear resizing,
 * DCR depth-to-space, NaN-propagating activation clamps.
 *
 * Speed without intrinsics comes from loop shapes GCC auto-vectorises at
 * -O2/-O3, with channels innermost everywhere: convolutions are a
 * register-tiled GEMM (4 pixels by 8 or 16 output channels, Step.ot) over
 * weights compile() repacks once; depthwise convolutions run an output row at
 * a time, tap by tap. Hot functions also get an AVX2 clone picked at load
 * time (see HOT_LOOPS). Sums accumulate in fp32 in a fixed order, so results
 * are deterministic for a given build; against XNNPACK every output of the
 * four models agrees to a relative L2 error below 1e-4.
 *
 * Memory: one arena holds every activation; compile() gives each tensor an
 * offset after computing its lifetime (first writer to last reader), so
 * tensors whose lifetimes do not overlap share bytes, as TFLite's
 * ArenaPlanner does. RESHAPE costs nothing: its output aliases its input.
 * run() allocates nothing.
 *
 * Threads: this backend computes on the calling thread only and ignores
 * threads > 1; on the target 2-core machine, splitting one inference across
 * both cores is rarely a win anyway (inference.md pitfall 7).
 */
#include "vision/inference_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The convolution GEMM tile: CONV_PT output pixels by 8 or 16 output
 * channels (Step.ot, at most CONV_OT_MAX) stay in registers while the whole
 * reduction runs. */
#define CONV_PT     4
#define CONV_OT_MAX 16

typedef enum StepKind {
    STEP_CONV_GEMM, /* CONV_2D with more than 4 output channels */
    STEP_CONV_DOT,  /* CONV_2D with few output channels: one dot product each */
    STEP_DEPTHWISE,
    STEP_ADD,
    STEP_PAD,
    STEP_MAX_POOL,
    STEP_RESIZE,
    STEP_LOGISTIC,
    STEP_DEPTH_TO_SPACE,
    STEP_CONCAT,
} StepKind;

/* Sizes of a window op (convolutions, pooling), in NHWC. */
typedef struct Geometry {
    int n, ih, iw, ic, oh, ow, oc;
    int kh, kw, sh, sw, dh, dw;
    int pad_top, pad_left; /* TF-SAME padding before; after is implicit */
} Geometry;

typedef struct Step {
    StepKind kind;
    const RomcvTfliteOp *op;
    Geometry g;
    float lo, hi;            /* fused activation: clamp to [lo, hi] */
    int ot;                  /* CONV_GEMM: output channels per tile, 8 or 16 */
    float *packed;           /* CONV_GEMM: [ceil(oc/ot)][K][ot] weights, owned */
    float *bias;             /* CONV_GEMM: ceil(oc/ot)*ot, zero padded; others: oc; owned */
    const float *weights;    /* CONV_DOT: OHWI as in the model; DEPTHWISE: [KH*KW][oc] */
    int direct;              /* 1x1 conv: input rows are read in place, no im2col */
    int multiplier;          /* DEPTHWISE: output channels per input channel */
    int a4[4], b4[4], o4[4]; /* ADD, PAD, RESIZE, DEPTH_TO_SPACE: shapes at rank 4 */
    int pad_before[4];       /* PAD */
    int align_corners, half_pixel_centers; /* RESIZE */
    int block;                             /* DEPTH_TO_SPACE */
    int axis;                              /* CONCAT, normalised */
} Step;

typedef struct Portable {
    const RomcvTfliteModel *model;
    int n_steps;
    Step *steps;
    float **ptr; /* per model tensor: its data (arena, model constant or alias) */
    unsigned char *arena;
    size_t arena_bytes;
    float *scratch; /* im2col rows */
    int *taps;      /* depthwise: input and weight offsets of the valid taps */
} Portable;

/* ------------------------------------------------------------------ helpers */

/* TFLite's ActivationFunctionWithMinMax: min(max(x, lo), hi), written so a NaN
 * passes through, as std::max/std::min do there. */
static inline float clampf(float x, float lo, float hi) {
    x = x < lo ? lo : x;
    return x > hi ? hi : x;
}

static void activation_range(RomcvTfliteActivation act, float *lo, float *hi) {
    *lo = -INFINITY;
    *hi = INFINITY;
    if (act == ROMCV_TFLITE_ACT_RELU) {
        *lo = 0.0f;
    } else if (act == ROMCV_TFLITE_ACT_RELU6) {
        *lo = 0.0f;
        *hi = 6.0f;
    } else if (act == ROMCV_TFLITE_ACT_RELU_N1_TO_1) {
        *lo = -1.0f;
        *hi = 1.0f;
    }
}

/* TF-SAME padding before the first element (tensorflow/lite/kernels/padding.h):
 * total = max((out - 1) * stride + effective_filter - in, 0), before =
 * total / 2. Stride 2 on an even size thus pads 0 before and 1 after
 * (inference.md pitfall 1). VALID pads nothing. */
static int same_pad_before(RomcvTflitePadding padding, int in, int out, int filter, int stride,
                           int dilation) {
    if (padding != ROMCV_TFLITE_PADDING_SAME)
        return 0;
    int eff = (filter - 1) * dilation + 1;
    int total = (out - 1) * stride + eff - in;
    return total > 0 ? total / 2 : 0;
}

static const RomcvTfliteTensor *tensor(const Portable *p, int32_t t) {
    return &p->model->tensors[t];
}

static void extend4(const RomcvTfliteTensor *t, int out[4]) {
    for (int i = 0; i < 4; i++) {
        int j = i - (4 - t->rank);
        out[i] = j >= 0 ? t->dims[j] : 1;
    }
}

/* --------------------------------------------------------------- convolution */

/* How the hot loops are compiled (GCC on x86-64 only; elsewhere they are
 * plain C at the build's flags):
 *   - no-tree-loop-vectorize: in a tile, GCC's loop vectoriser otherwise picks
 *     the reduction loop over k and transposes 4 k values at a time with
 *     shuffles, which ran 9x slower than letting the SLP vectoriser turn the
 *     fixed-width channel loops into whole vectors (measured here: 1.4 against
 *     12 GMAC/s for the 4 x 8 tile);
 *   - target_clones: an AVX2 copy chosen at load time by the CPU (ifunc), with
 *     the SSE2 baseline as the default, so one binary runs everywhere. No
 *     FMA: ISO C mode does not contract a * b + c, so both copies round alike.
 * Same source, no intrinsics. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define HOT_LOOPS \
    __attribute__((optimize("no-tree-loop-vectorize"), target_clones("avx2", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define HOT_LOOPS __attribute__((optimize("no-tree-loop-vectorize")))
#else
#define HOT_LOOPS
#endif
/* target_clones alone, for loops the loop vectoriser handles well. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

/* One GEMM tile: acc[j][o] += sum_k rows[j][k] * w[k][o] over K, for CONV_PT
 * pixels and OT channels. The fixed shape lets GCC keep acc in registers and
 * turn each o loop into whole vectors; each weight vector loaded serves
 * CONV_PT pixels. acc is CONV_PT rows of OT floats. */
#define DEFINE_GEMM_TILE(OT)                                                            \
    HOT_LOOPS static void gemm_tile##OT(const float *const rows[CONV_PT], int K,        \
                                        const float *restrict w, float *restrict acc) { \
        float a0[OT], a1[OT], a2[OT], a3[OT];                                           \
        memcpy(a0, acc, sizeof a0);                                                     \
        memcpy(a1, acc + OT, sizeof a1);                                                \
        memcpy(a2, acc + 2 * OT, sizeof a2);                                            \
        memcpy(a3, acc + 3 * OT, sizeof a3);                                            \
        const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];         \
        for (int k = 0; k < K; k++) {                                                   \
            const float *restrict wk = w + (size_t)k * OT;                              \
            float x0 = r0[k], x1 = r1[k], x2 = r2[k], x3 = r3[k];                       \
            for (int o = 0; o < OT; o++)                                                \
                a0[o] += x0 * wk[o];                                                    \
            for (int o = 0; o < OT; o++)                                                \
                a1[o] += x1 * wk[o];                                                    \
            for (int o = 0; o < OT; o++)                                                \
                a2[o] += x2 * wk[o];                                                    \
            for (int o = 0; o < OT; o++)                                                \
                a3[o] += x3 * wk[o];                                                    \
        }                                                                               \
        memcpy(acc, a0, sizeof a0);                                                     \
        memcpy(acc + OT, a1, sizeof a1);                                                \
        memcpy(acc + 2 * OT, a2, sizeof a2);                                            \
        memcpy(acc + 3 * OT, a3, sizeof a3);                                            \
    }

/* 16 channels for wide layers (4 AVX2 accumulators per pixel would idle at
 * 8); 8 for the 8-channel layers of the segmentation head, which 16 would
 * pad with zeros. */
DEFINE_GEMM_TILE(8)
DEFINE_GEMM_TILE(16)

/* Gathers the receptive field of output pixel (oy, ox) into row, in the
 * filter's (ky, kx, i) order, with zeros where the window leaves the input. */
static void im2col_row(const Geometry *g, const float *in, int oy, int ox, float *restrict row) {
    for (int ky = 0; ky < g->kh; ky++) {
        int iy = oy * g->sh - g->pad_top + ky * g->dh;
        for (int kx = 0; kx < g->kw; kx++) {
            int ix = ox * g->sw - g->pad_left + kx * g->dw;
            float *dst = row + ((size_t)ky * g->kw + kx) * g->ic;
            if (iy < 0 || iy >= g->ih || ix < 0 || ix >= g->iw)
                memset(dst, 0, sizeof(float) * (size_t)g->ic);
            else
                memcpy(dst, in + ((size_t)iy * g->iw + ix) * g->ic, sizeof(float) * (size_t)g->ic);
        }
    }
}

/* The input row of output pixel p of image n: in place for 1x1 filters,
 * else gathered into buf. */
static const float *conv_row(const Step *s, const float *in_image, int p, float *buf) {
    const Geometry *g = &s->g;
    int oy = p / g->ow, ox = p % g->ow;
    if (s->direct)
        return in_image + ((size_t)oy * g->sh * g->iw + (size_t)ox * g->sw) * g->ic;
    im2col_row(g, in_image, oy, ox, buf);
    return buf;
}

CLONES static void run_conv_gemm(const Step *s, const float *in, float *out, float *scratch) {
    const Geometry *g = &s->g;
    const int ot = s->ot;
    int K = g->kh * g->kw * g->ic, P = g->oh * g->ow, nb = (g->oc + ot - 1) / ot;
    for (int n = 0; n < g->n; n++) {
        const float *in_image = in + (size_t)n * g->ih * g->iw * g->ic;
        float *out_image = out + (size_t)n * P * g->oc;
        for (int p0 = 0; p0 < P; p0 += CONV_PT) {
            int valid = P - p0 < CONV_PT ? P - p0 : CONV_PT;
            const float *rows[CONV_PT];
            for (int j = 0; j < CONV_PT; j++)
                rows[j] = j < valid ? conv_row(s, in_image, p0 + j, scratch + (size_t)j * K)
                                    : rows[0]; /* a spare lane: computed, never stored */
            for (int b = 0; b < nb; b++) {
                float acc[CONV_PT * CONV_OT_MAX];
                for (int j = 0; j < CONV_PT; j++)
                    memcpy(acc + j * ot, s->bias + (size_t)b * ot, sizeof(float) * (size_t)ot);
                const float *w = s->packed + (size_t)b * K * ot;
                if (ot == 16)
                    gemm_tile16(rows, K, w, acc);
                else
                    gemm_tile8(rows, K, w, acc);
                int oc0 = b * ot, n_oc = g->oc - oc0 < ot ? g->oc - oc0 : ot;
                for (int j = 0; j < valid; j++) {
                    float *dst = out_image + (size_t)(p0 + j) * g->oc + oc0;
                    for (int o = 0; o < n_oc; o++)
                        dst[o] = clampf(acc[j * ot + o], s->lo, s->hi);
                }
            }
        }
    }
}

/* sum_k a[k] * b[k] with 8 independent partial sums: the fixed-width inner
 * loop vectorises without reassociating anything GCC must keep in order. */
static float dot(const float *restrict a, const float *restrict b, int n) {
    float part[8] = {0};
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int l = 0; l < 8; l++)
            part[l] += a[k + l] * b[k + l];
    for (; k < n; k++)
        part[0] += a[k] * b[k];
    return ((part[0] + part[4]) + (part[1] + part[5])) +
           ((part[2] + part[6]) + (part[3] + part[7]));
}

/* Few output channels (the segmentation head has one): a dot product per
 * output value avoids padding the channel tile with zeros. */
CLONES static void run_conv_dot(const Step *s, const float *in, float *out, float *scratch) {
    const Geometry *g = &s->g;
    int K = g->kh * g->kw * g->ic, P = g->oh * g->ow;
    for (int n = 0; n < g->n; n++) {
        const float *in_image = in + (size_t)n * g->ih * g->iw * g->ic;
        float *out_image = out + (size_t)n * P * g->oc;
        for (int p = 0; p < P; p++) {
            const float *row = conv_row(s, in_image, p, scratch);
            for (int o = 0; o < g->oc; o++) {
                float v = dot(row, s->weights + (size_t)o * K, K) + s->bias[o];
                out_image[(size_t)p * g->oc + o] = clampf(v, s->lo, s->hi);
            }
        }
    }
}

/* Lists the taps of output pixel (oy, ox) that fall inside the input, as
 * (input pixel offset, weight offset) pairs in channel units. */
static int valid_taps(const Geometry *g, int oy, int ox, int *taps) {
    int n = 0;
    for (int ky = 0; ky < g->kh; ky++) {
        int iy = oy * g->sh - g->pad_top + ky * g->dh;
        if (iy < 0 || iy >= g->ih)
            continue;
        for (int kx = 0; kx < g->kw; kx++) {
            int ix = ox * g->sw - g->pad_left + kx * g->dw;
            if (ix < 0 || ix >= g->iw)
                continue;
            taps[2 * n] = iy * g->iw + ix;
            taps[2 * n + 1] = ky * g->kw + kx;
            n++;
        }
    }
    return n;
}

/* dst[x*C + c] += src[x*step + c] * w[c] for x < n: one tap of a depthwise
 * convolution along an output row. Inlined with C constant (8, 16), the c
 * loop becomes whole vectors; otherwise the loop vectoriser runs along c. */
static inline void depthwise_tap_row(float *restrict dst, const float *restrict src,
                                     const float *restrict w, int n, int C, size_t step) {
    for (int x = 0; x < n; x++) {
        float *restrict d = dst + (size_t)x * C;
        const float *restrict v = src + (size_t)x * step;
        for (int c = 0; c < C; c++)
            d[c] += v[c] * w[c];
    }
}

/* The output columns [*lo, *hi) whose tap kx reads inside the input row. */
static void tap_columns(const Geometry *g, int kx, int *lo, int *hi) {
    int off = kx * g->dw - g->pad_left; /* input column of output 0 */
    int a = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
    int b = g->iw - off <= 0 ? 0 : (g->iw - off + g->sw - 1) / g->sw;
    *lo = a;
    *hi = b < g->ow ? b : g->ow;
}

/* Depthwise convolution, multiplier 1 (every BlazePose depthwise layer): an
 * output row at a time, tap by tap, channels innermost. Rows of the
 * segmentation head are 256 pixels of 8 channels; working per row instead of
 * per pixel keeps its per-pixel overhead from dominating. */
CLONES static void depthwise_rows(const Step *s, const float *in, float *out) {
    const Geometry *g = &s->g;
    const int C = g->oc;
    const size_t step = (size_t)g->sw * C;
    for (int n = 0; n < g->n; n++)
        for (int oy = 0; oy < g->oh; oy++) {
            float *row = out + ((size_t)n * g->oh + oy) * g->ow * C;
            for (int x = 0; x < g->ow; x++)
                for (int c = 0; c < C; c++)
                    row[(size_t)x * C + c] = s->bias[c];
            for (int ky = 0; ky < g->kh; ky++) {
                int iy = oy * g->sh - g->pad_top + ky * g->dh;
                if (iy < 0 || iy >= g->ih)
                    continue;
                const float *in_row = in + ((size_t)n * g->ih + iy) * g->iw * C;
                for (int kx = 0; kx < g->kw; kx++) {
                    int lo, hi;
                    tap_columns(g, kx, &lo, &hi);
                    if (lo >= hi)
                        continue;
                    const float *src = in_row + (size_t)(lo * g->sw + kx * g->dw - g->pad_left) * C;
                    const float *w = s->weights + ((size_t)ky * g->kw + kx) * C;
                    float *dst = row + (size_t)lo * C;
                    if (C == 8)
                        depthwise_tap_row(dst, src, w, hi - lo, 8, step);
                    else if (C == 16)
                        depthwise_tap_row(dst, src, w, hi - lo, 16, step);
                    else
                        depthwise_tap_row(dst, src, w, hi - lo, C, step);
                }
            }
            for (size_t i = 0; i < (size_t)g->ow * C; i++)
                row[i] = clampf(row[i], s->lo, s->hi);
        }
}

/* Any depth multiplier: output channel c reads input channel c / m
 * (TFLite's ordering). Per pixel and slow; no BlazePose layer uses it. */
static void depthwise_multiplier(const Step *s, const float *in, float *out, int *taps) {
    const Geometry *g = &s->g;
    const int C = g->oc, IC = g->ic, m = s->multiplier;
    for (int n = 0; n < g->n; n++) {
        const float *in_image = in + (size_t)n * g->ih * g->iw * IC;
        for (int oy = 0; oy < g->oh; oy++)
            for (int ox = 0; ox < g->ow; ox++) {
                float *dst = out + (((size_t)n * g->oh + oy) * g->ow + ox) * C;
                int nt = valid_taps(g, oy, ox, taps);
                for (int c = 0; c < C; c++) {
                    float acc = s->bias[c];
                    for (int t = 0; t < nt; t++)
                        acc += in_image[(size_t)taps[2 * t] * IC + c / m] *
                               s->weights[(size_t)taps[2 * t + 1] * C + c];
                    dst[c] = clampf(acc, s->lo, s->hi);
                }
            }
    }
}

static void run_depthwise(const Step *s, const float *in, float *out, int *taps) {
    if (s->multiplier == 1)
        depthwise_rows(s, in, out);
    else
        depthwise_multiplier(s, in, out, taps);
}

/* ------------------------------------------------------------ the other ops */

CLONES static void run_add(const Step *s, const float *a, const float *b, float *out,
                           size_t count) {
    const int *A = s->a4, *B = s->b4, *O = s->o4;
    if (memcmp(A, B, sizeof s->a4) == 0) {
        for (size_t i = 0; i < count; i++)
            out[i] = clampf(a[i] + b[i], s->lo, s->hi);
        return;
    }
    /* Broadcasting: a dimension of size 1 has stride 0. */
    size_t sa[4], sb[4], ra = 1, rb = 1;
    for (int i = 3; i >= 0; i--) {
        sa[i] = A[i] == 1 ? 0 : ra;
        sb[i] = B[i] == 1 ? 0 : rb;
        ra *= (size_t)A[i];
        rb *= (size_t)B[i];
    }
    size_t o = 0;
    for (int i0 = 0; i0 < O[0]; i0++)
        for (int i1 = 0; i1 < O[1]; i1++)
            for (int i2 = 0; i2 < O[2]; i2++)
                for (int i3 = 0; i3 < O[3]; i3++) {
                    size_t ia = i0 * sa[0] + i1 * sa[1] + i2 * sa[2] + i3 * sa[3];
                    size_t ib = i0 * sb[0] + i1 * sb[1] + i2 * sb[2] + i3 * sb[3];
                    out[o++] = clampf(a[ia] + b[ib], s->lo, s->hi);
                }
}

/* Constant zero padding. Every output element is written exactly once. */
static void run_pad(const Step *s, const float *in, float *out) {
    const int *I = s->a4, *O = s->o4, *pb = s->pad_before;
    size_t C = (size_t)O[3];
    for (int n = 0; n < O[0]; n++)
        for (int y = 0; y < O[1]; y++)
            for (int x = 0; x < O[2]; x++) {
                float *dst = out + (((size_t)n * O[1] + y) * O[2] + x) * C;
                int sn = n - pb[0], sy = y - pb[1], sx = x - pb[2];
                if (sn < 0 || sn >= I[0] || sy < 0 || sy >= I[1] || sx < 0 || sx >= I[2]) {
                    memset(dst, 0, sizeof(float) * C);
                    continue;
                }
                size_t before = (size_t)pb[3], inner = (size_t)I[3];
                memset(dst, 0, sizeof(float) * before);
                memcpy(dst + before, in + (((size_t)sn * I[1] + sy) * I[2] + sx) * inner,
                       sizeof(float) * inner);
                memset(dst + before + inner, 0, sizeof(float) * (C - before - inner));
            }
}

/* TFLite's reference MaxPool: the window is clipped to the input, the
 * maximum starts at the lowest float, then the fused activation clamps. */
CLONES static void run_max_pool(const Step *s, const float *in, float *out) {
    const Geometry *g = &s->g;
    const int C = g->oc;
    for (int n = 0; n < g->n; n++)
        for (int oy = 0; oy < g->oh; oy++)
            for (int ox = 0; ox < g->ow; ox++) {
                float *dst = out + (((size_t)n * g->oh + oy) * g->ow + ox) * C;
                for (int c = 0; c < C; c++)
                    dst[c] = -FLT_MAX;
                for (int ky = 0; ky < g->kh; ky++) {
                    int iy = oy * g->sh - g->pad_top + ky;
                    if (iy < 0 || iy >= g->ih)
                        continue;
                    for (int kx = 0; kx < g->kw; kx++) {
                        int ix = ox * g->sw - g->pad_left + kx;
                        if (ix < 0 || ix >= g->iw)
                            continue;
                        const float *x = in + (((size_t)n * g->ih + iy) * g->iw + ix) * C;
                        for (int c = 0; c < C; c++)
                            dst[c] = x[c] > dst[c] ? x[c] : dst[c];
                    }
                }
                for (int c = 0; c < C; c++)
                    dst[c] = clampf(dst[c], s->lo, s->hi);
            }
}

/* ComputeInterpolationValues of TFLite's reference resize_bilinear.h, in the
 * same float operations: with half-pixel centres the source coordinate is
 * (x + 0.5) * scale - 0.5; the lower index is floor() clamped at 0, the upper
 * ceil() clamped at size - 1. */
static void interpolation(int value, float scale, int half_pixel, int size, float *frac, int *lo,
                          int *hi) {
    float v = half_pixel ? ((float)value + 0.5f) * scale - 0.5f : (float)value * scale;
    int f = (int)floorf(v), c = (int)ceilf(v);
    *lo = f > 0 ? f : 0;
    *hi = c < size - 1 ? c : size - 1;
    *frac = v - (float)*lo;
}

CLONES static void run_resize(const Step *s, const float *in, float *out) {
    const int *I = s->a4, *O = s->o4;
    const int ih = I[1], iw = I[2], oh = O[1], ow = O[2], C = O[3];
    float hs = (float)ih / (float)oh, ws = (float)iw / (float)ow;
    if (s->align_corners && oh > 1)
        hs = (float)(ih - 1) / (float)(oh - 1);
    if (s->align_corners && ow > 1)
        ws = (float)(iw - 1) / (float)(ow - 1);
    for (int n = 0; n < O[0]; n++) {
        const float *img = in + (size_t)n * ih * iw * C;
        for (int y = 0; y < oh; y++) {
            float fy;
            int y0, y1;
            interpolation(y, hs, s->half_pixel_centers, ih, &fy, &y0, &y1);
            for (int x = 0; x < ow; x++) {
                float fx;
                int x0, x1;
                interpolation(x, ws, s->half_pixel_centers, iw, &fx, &x0, &x1);
                const float *restrict p00 = img + ((size_t)y0 * iw + x0) * C;
                const float *restrict p10 = img + ((size_t)y1 * iw + x0) * C;
                const float *restrict p01 = img + ((size_t)y0 * iw + x1) * C;
                const float *restrict p11 = img + ((size_t)y1 * iw + x1) * C;
                float *restrict dst = out + (((size_t)n * oh + y) * ow + x) * C;
                float gy = 1 - fy, gx = 1 - fx;
                /* The reference's product and sum order, term by term. */
                for (int c = 0; c < C; c++)
                    dst[c] =
                        p00[c] * gy * gx + p10[c] * fy * gx + p01[c] * gy * fx + p11[c] * fy * fx;
            }
        }
    }
}

/* TFLite's DEPTH_TO_SPACE is DCR: output (y*b + dy, x*b + dx, c) reads input
 * channel (dy*b + dx) * C_out + c. */
static void run_depth_to_space(const Step *s, const float *in, float *out) {
    const int *I = s->a4, *O = s->o4, b = s->block;
    size_t C = (size_t)O[3];
    for (int n = 0; n < O[0]; n++)
        for (int y = 0; y < O[1]; y++)
            for (int x = 0; x < O[2]; x++) {
                const float *src = in + (((size_t)n * I[1] + y / b) * I[2] + x / b) * I[3] +
                                   ((size_t)(y % b) * b + (size_t)(x % b)) * C;
                memcpy(out + (((size_t)n * O[1] + y) * O[2] + x) * C, src, sizeof(float) * C);
            }
}

static void run_concat(const Portable *p, const Step *s, float *out) {
    const RomcvTfliteOp *op = s->op;
    const RomcvTfliteTensor *o = tensor(p, op->outputs[0]);
    size_t outer = 1;
    for (int i = 0; i < s->axis; i++)
        outer *= (size_t)o->dims[i];
    for (size_t j = 0; j < outer; j++)
        for (int k = 0; k < op->n_inputs; k++) {
            const RomcvTfliteTensor *t = tensor(p, op->inputs[k]);
            size_t inner = t->count / outer;
            memcpy(out, p->ptr[op->inputs[k]] + j * inner, sizeof(float) * inner);
            out += inner;
        }
}

static void run_logistic(const float *in, float *out, size_t count) {
    /* TFLite's reference: 1 / (1 + exp(-x)). */
    for (size_t i = 0; i < count; i++)
        out[i] = 1.0f / (1.0f + expf(-in[i]));
}

/* ------------------------------------------------------------------ compile */

static int fail_nomem(const Portable *p, RomcvDiag *diag) {
    return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: portable backend: out of memory",
                          p->model->label);
}

static void window_geometry(const Portable *p, const RomcvTfliteOp *op, Geometry *g) {
    const RomcvTfliteTensor *in = tensor(p, op->inputs[0]), *out = tensor(p, op->outputs[0]);
    g->n = in->dims[0];
    g->ih = in->dims[1];
    g->iw = in->dims[2];
    g->ic = in->dims[3];
    g->oh = out->dims[1];
    g->ow = out->dims[2];
    g->oc = out->dims[3];
}

/* Prepares one conv or depthwise step: geometry, weights, bias. Returns the
 * floats of scratch it needs, or -1 when out of memory. */
static long prepare_conv(const Portable *p, Step *s) {
    const RomcvTfliteOp *op = s->op;
    const RomcvTfliteTensor *w = tensor(p, op->inputs[1]);
    const float *bias_src =
        op->n_inputs >= 3 && op->inputs[2] >= 0 ? tensor(p, op->inputs[2])->fp32 : NULL;
    Geometry *g = &s->g;
    window_geometry(p, op, g);
    g->kh = w->dims[1];
    g->kw = w->dims[2];
    g->sh = op->opt.conv.stride_h;
    g->sw = op->opt.conv.stride_w;
    g->dh = op->opt.conv.dilation_h;
    g->dw = op->opt.conv.dilation_w;
    g->pad_top = same_pad_before(op->opt.conv.padding, g->ih, g->oh, g->kh, g->sh, g->dh);
    g->pad_left = same_pad_before(op->opt.conv.padding, g->iw, g->ow, g->kw, g->sw, g->dw);
    activation_range(op->opt.conv.activation, &s->lo, &s->hi);
    s->weights = w->fp32;
    int K = g->kh * g->kw * g->ic;
    if (op->opcode == ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D) {
        s->kind = STEP_DEPTHWISE;
        s->multiplier = g->oc / g->ic;
        s->bias = calloc((size_t)g->oc, sizeof(float));
        if (!s->bias)
            return -1;
        if (bias_src)
            memcpy(s->bias, bias_src, sizeof(float) * (size_t)g->oc);
        return 0;
    }
    s->direct = g->kh == 1 && g->kw == 1;
    if (g->oc <= 4) {
        s->kind = STEP_CONV_DOT;
        s->bias = calloc((size_t)g->oc, sizeof(float));
        if (!s->bias)
            return -1;
        if (bias_src)
            memcpy(s->bias, bias_src, sizeof(float) * (size_t)g->oc);
        return s->direct ? 0 : K;
    }
    s->kind = STEP_CONV_GEMM;
    /* 16-wide tiles unless that would pad more than 8-wide ones do. */
    int ot = 16;
    if ((g->oc + 7) / 8 * 8 < (g->oc + 15) / 16 * 16)
        ot = 8;
    s->ot = ot;
    /* Repack OHWI (o-major) into blocks of ot output channels with o
     * innermost, so the tile loads one contiguous vector per k. */
    int nb = (g->oc + ot - 1) / ot;
    s->packed = calloc((size_t)nb * K * ot, sizeof(float));
    s->bias = calloc((size_t)nb * ot, sizeof(float));
    if (!s->packed || !s->bias)
        return -1;
    for (int o = 0; o < g->oc; o++)
        for (int k = 0; k < K; k++)
            s->packed[((size_t)(o / ot) * K + k) * ot + o % ot] = w->fp32[(size_t)o * K + k];
    if (bias_src)
        memcpy(s->bias, bias_src, sizeof(float) * (size_t)g->oc);
    return s->direct ? 0 : (long)CONV_PT * K;
}

static long prepare_step(const Portable *p, Step *s) {
    const RomcvTfliteOp *op = s->op;
    const RomcvTfliteTensor *in = tensor(p, op->inputs[0]), *out = tensor(p, op->outputs[0]);
    s->lo = -INFINITY;
    s->hi = INFINITY;
    switch (op->opcode) {
    case ROMCV_TFLITE_OP_CONV_2D:
    case ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D:
        return prepare_conv(p, s);
    case ROMCV_TFLITE_OP_ADD:
        s->kind = STEP_ADD;
        activation_range(op->opt.add.activation, &s->lo, &s->hi);
        extend4(in, s->a4);
        extend4(tensor(p, op->inputs[1]), s->b4);
        extend4(out, s->o4);
        return 0;
    case ROMCV_TFLITE_OP_PAD: {
        s->kind = STEP_PAD;
        extend4(in, s->a4);
        extend4(out, s->o4);
        /* Planning checked the paddings; before = out - in - after is not
         * needed since only the before half positions the copy. */
        const uint8_t *d = tensor(p, op->inputs[1])->data;
        for (int i = 0; i < in->rank; i++) {
            const uint8_t *q = d + 8 * i;
            s->pad_before[4 - in->rank + i] = (int)((uint32_t)q[0] | (uint32_t)q[1] << 8 |
                                                    (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24);
        }
        return 0;
    }
    case ROMCV_TFLITE_OP_MAX_POOL_2D: {
        s->kind = STEP_MAX_POOL;
        Geometry *g = &s->g;
        window_geometry(p, op, g);
        g->kh = op->opt.pool.filter_h;
        g->kw = op->opt.pool.filter_w;
        g->sh = op->opt.pool.stride_h;
        g->sw = op->opt.pool.stride_w;
        g->dh = g->dw = 1;
        g->pad_top = same_pad_before(op->opt.pool.padding, g->ih, g->oh, g->kh, g->sh, 1);
        g->pad_left = same_pad_before(op->opt.pool.padding, g->iw, g->ow, g->kw, g->sw, 1);
        activation_range(op->opt.pool.activation, &s->lo, &s->hi);
        return 0;
    }
    case ROMCV_TFLITE_OP_RESIZE_BILINEAR:
        s->kind = STEP_RESIZE;
        extend4(in, s->a4);
        extend4(out, s->o4);
        s->align_corners = op->opt.resize.align_corners;
        s->half_pixel_centers = op->opt.resize.half_pixel_centers;
        return 0;
    case ROMCV_TFLITE_OP_LOGISTIC:
        s->kind = STEP_LOGISTIC;
        return 0;
    case ROMCV_TFLITE_OP_DEPTH_TO_SPACE:
        s->kind = STEP_DEPTH_TO_SPACE;
        extend4(in, s->a4);
        extend4(out, s->o4);
        s->block = op->opt.depth_to_space.block_size;
        return 0;
    case ROMCV_TFLITE_OP_CONCATENATION:
        s->kind = STEP_CONCAT;
        s->axis = op->opt.concat.axis < 0 ? op->opt.concat.axis + out->rank : op->opt.concat.axis;
        return 0;
    }
    return -2; /* planning admits no other op */
}

/* A tensor's bytes in the arena: padded to whole cache lines. */
static size_t arena_size_of(const RomcvTfliteTensor *t) {
    size_t bytes = t->count * sizeof(float);
    return (bytes + ROMCV_ALIGNMENT - 1) / ROMCV_ALIGNMENT * ROMCV_ALIGNMENT;
}

typedef struct Lifetime {
    int32_t tensor;
    int first, last; /* step indices, inclusive; -1 and n_steps: the whole run */
    size_t size, offset;
} Lifetime;

static int by_size_desc(const void *a, const void *b) {
    const Lifetime *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return x->tensor - y->tensor; /* deterministic order */
}

/* Greedy by size (TFLite's ArenaPlanner strategy): the largest tensors are
 * placed first, each at the lowest offset clear of every placed tensor whose
 * lifetime overlaps its own. O(n^2) over ~700 tensors: negligible. */
static size_t place_tensors(Lifetime *lt, int n) {
    qsort(lt, (size_t)n, sizeof *lt, by_size_desc);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        size_t offset = 0;
        for (int moved = 1; moved;) {
            moved = 0;
            for (int j = 0; j < i; j++) {
                if (lt[j].last < lt[i].first || lt[i].last < lt[j].first)
                    continue;
                if (offset < lt[j].offset + lt[j].size && lt[j].offset < offset + lt[i].size) {
                    offset = lt[j].offset + lt[j].size;
                    moved = 1;
                }
            }
        }
        lt[i].offset = offset;
        if (offset + lt[i].size > total)
            total = offset + lt[i].size;
    }
    return total;
}

static void portable_destroy(void *state) {
    Portable *p = state;
    if (!p)
        return;
    for (int i = 0; i < p->n_steps; i++) {
        free(p->steps[i].packed);
        free(p->steps[i].bias);
    }
    free(p->steps);
    free(p->ptr);
    romcv_free_aligned(p->arena);
    romcv_free_aligned(p->scratch);
    free(p->taps);
    free(p);
}

/* Assigns every live tensor its data: constants point into the model,
 * RESHAPE outputs alias their input, the rest get arena offsets. */
static int assign_memory(Portable *p, const RomcvGraphPlan *plan, RomcvDiag *diag) {
    const RomcvTfliteModel *m = p->model;
    int nt = m->n_tensors, n = plan->n_ops, rc = 0;
    int32_t *root = malloc(sizeof(int32_t) * (size_t)(nt ? nt : 1));
    int *first = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    int *last = malloc(sizeof(int) * (size_t)(nt ? nt : 1));
    Lifetime *lt = malloc(sizeof(Lifetime) * (size_t)(nt ? nt : 1));
    if (!root || !first || !last || !lt) {
        rc = fail_nomem(p, diag);
        goto done;
    }
    for (int t = 0; t < nt; t++) {
        root[t] = t;
        first[t] = n + 1;
        last[t] = -2;
    }
    for (int i = 0; i < n; i++) {
        const RomcvTfliteOp *op = plan->ops[i];
        if (op->opcode == ROMCV_TFLITE_OP_RESHAPE)
            root[op->outputs[0]] = root[op->inputs[0]];
    }
    /* Graph inputs and wanted outputs live through the whole run: the caller
     * writes the inputs before run() and reads the outputs after it. */
    for (int i = 0; i < plan->n_inputs; i++) {
        first[root[plan->inputs[i]]] = -1;
        last[root[plan->inputs[i]]] = n;
    }
    for (int i = 0; i < plan->n_outputs; i++) {
        first[root[plan->outputs[i]]] = -1;
        last[root[plan->outputs[i]]] = n;
    }
    for (int i = 0; i < n; i++) {
        const RomcvTfliteOp *op = plan->ops[i];
        for (int k = 0; k < op->n_inputs; k++) {
            int32_t t = op->inputs[k];
            if (t >= 0 && last[root[t]] < i)
                last[root[t]] = i;
        }
        int32_t r = root[op->outputs[0]];
        if (first[r] > i)
            first[r] = i;
        if (last[r] < i)
            last[r] = i;
    }
    int nl = 0;
    for (int t = 0; t < nt; t++) {
        if (root[t] != t || !plan->tensor_live[t] || plan->tensor_constant[t] || last[t] < -1)
            continue;
        lt[nl++] = (Lifetime){
            .tensor = t, .first = first[t], .last = last[t], .size = arena_size_of(&m->tensors[t])};
    }
    p->arena_bytes = place_tensors(lt, nl);
    p->arena = romcv_malloc_aligned(p->arena_bytes ? p->arena_bytes : ROMCV_ALIGNMENT);
    if (!p->arena) {
        rc = fail_nomem(p, diag);
        goto done;
    }
    for (int i = 0; i < nl; i++)
        p->ptr[lt[i].tensor] = (float *)(void *)(p->arena + lt[i].offset);
    for (int t = 0; t < nt; t++) {
        if (!plan->tensor_live[t])
            continue;
        if (plan->tensor_constant[t])
            p->ptr[t] = (float *)m->tensors[t].fp32; /* read only; NULL for INT32 */
    }
    for (int t = 0; t < nt; t++)
        if (plan->tensor_live[t] && root[t] != t)
            p->ptr[t] = p->ptr[root[t]];
done:
    free(root);
    free(first);
    free(last);
    free(lt);
    return rc;
}

static int portable_compile(void **state, const RomcvGraphPlan *plan, int threads,
                            RomcvDiag *diag) {
    (void)threads; /* one thread: see the file comment */
    *state = NULL;
    Portable *p = calloc(1, sizeof *p);
    if (!p)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "portable backend: out of memory");
    p->model = plan->model;
    const RomcvTfliteModel *m = p->model;
    int rc = 0;
    p->ptr = calloc(m->n_tensors ? (size_t)m->n_tensors : 1, sizeof(float *));
    p->steps = calloc(plan->n_ops ? (size_t)plan->n_ops : 1, sizeof(Step));
    if (!p->ptr || !p->steps) {
        rc = fail_nomem(p, diag);
        goto fail;
    }
    long scratch = 1;
    int max_taps = 1;
    for (int i = 0; i < plan->n_ops; i++) {
        const RomcvTfliteOp *op = plan->ops[i];
        if (op->opcode == ROMCV_TFLITE_OP_RESHAPE)
            continue;
        Step *s = &p->steps[p->n_steps++];
        s->op = op;
        long need = prepare_step(p, s);
        if (need == -1) {
            rc = fail_nomem(p, diag);
            goto fail;
        }
        if (need < 0) {
            rc = romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                                "%s: op %d: opcode %d not in the portable backend", m->label,
                                op->index, (int)op->opcode);
            goto fail;
        }
        if (need > scratch)
            scratch = need;
        if (s->kind == STEP_DEPTHWISE && s->g.kh * s->g.kw > max_taps)
            max_taps = s->g.kh * s->g.kw;
    }
    p->scratch = romcv_malloc_aligned(sizeof(float) * (size_t)scratch);
    p->taps = malloc(sizeof(int) * 2 * (size_t)max_taps);
    if (!p->scratch || !p->taps) {
        rc = fail_nomem(p, diag);
        goto fail;
    }
    if ((rc = assign_memory(p, plan, diag)) < 0)
        goto fail;
    /* Defined contents before the first run (graph inputs the caller never
     * writes read as zeros, not garbage). */
    memset(p->arena, 0, p->arena_bytes);
    *state = p;
    return 0;
fail:
    portable_destroy(p);
    return rc;
}

static float *portable_io_buffer(void *state, int32_t t) {
    Portable *p = state;
    return p->ptr[t];
}

static int portable_run(void *state, RomcvDiag *diag) {
    (void)diag;
    Portable *p = state;
    for (int i = 0; i < p->n_steps; i++) {
        const Step *s = &p->steps[i];
        const RomcvTfliteOp *op = s->op;
        const float *in = p->ptr[op->inputs[0]];
        float *out = p->ptr[op->outputs[0]];
        size_t count = tensor(p, op->outputs[0])->count;
        switch (s->kind) {
        case STEP_CONV_GEMM:
            run_conv_gemm(s, in, out, p->scratch);
            break;
        case STEP_CONV_DOT:
            run_conv_dot(s, in, out, p->scratch);
            break;
        case STEP_DEPTHWISE:
            run_depthwise(s, in, out, p->taps);
            break;
        case STEP_ADD:
            run_add(s, in, p->ptr[op->inputs[1]], out, count);
            break;
        case STEP_PAD:
            run_pad(s, in, out);
            break;
        case STEP_MAX_POOL:
            run_max_pool(s, in, out);
            break;
        case STEP_RESIZE:
            run_resize(s, in, out);
            break;
        case STEP_LOGISTIC:
            run_logistic(in, out, count);
            break;
        case STEP_DEPTH_TO_SPACE:
            run_depth_to_space(s, in, out);
            break;
        case STEP_CONCAT:
            run_concat(p, s, out);
            break;
        }
    }
    return 0;
}

const RomcvInferenceBackendOps romcv__backend_portable = {
    .name = "portable",
    .compile = portable_compile,
    .io_buffer = portable_io_buffer,
    .run = portable_run,
    .destroy = portable_destroy,
};
