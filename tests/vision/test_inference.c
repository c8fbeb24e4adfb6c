/*
 * tests/vision/test_inference.c: the inference layer (vision/inference.c) and
 * the portable backend (vision/backend_portable.c).
 *
 * - Each op kernel runs in a tiny hand-built graph and is compared with a
 *   naive double-precision loop written from TFLite's reference kernels, or
 *   with values computed by hand (bilinear modes, depth-to-space order).
 * - The four real models (ROMCV_MODELS) run end to end on deterministic
 *   inputs: outputs have the shapes inference.md lists and are finite.
 * - Pruning: asking for Identity, Identity_1 and Identity_4 drops the
 *   segmentation head and gives bit-identical landmarks.
 * - Correctness anchors: on a real person crop (a frame of squat_side.mp4)
 *   the landmark model's pose flag is high and the landmarks lie on the crop;
 *   on a blank grey crop the flag is low; the detector scores the letterboxed
 *   frame above 0.5 somewhere. Consistency alone cannot prove these.
 *
 * The suite runs under ASan + UBSan at -O1, so each real model runs a handful
 * of times at most.
 */
#include "testutil.h"

#include "vision/inference_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ tiny graphs */

#define TG_TENSORS 16
#define TG_OPS     4
#define TG_IO      32

/* A model built in memory: enough of RomcvTfliteModel for the engine. */
typedef struct TinyGraph {
    RomcvTfliteModel m;
    RomcvTfliteTensor t[TG_TENSORS];
    RomcvTfliteOp ops[TG_OPS];
    int32_t io[TG_OPS][TG_IO];
    int32_t in[4], out[4];
    char names[TG_TENSORS][16];
    float *owned[TG_TENSORS];
    uint8_t *owned_bytes[TG_TENSORS];
} TinyGraph;

static void tg_init(TinyGraph *g) {
    memset(g, 0, sizeof *g);
    snprintf(g->m.label, sizeof g->m.label, "tiny");
    g->m.tensors = g->t;
    g->m.ops = g->ops;
    g->m.inputs = g->in;
    g->m.outputs = g->out;
    g->m.materialised = 1;
    g->m.description = "";
    g->m.graph_name = "";
}

static void tg_free(TinyGraph *g) {
    for (int i = 0; i < TG_TENSORS; i++) {
        free(g->owned[i]);
        free(g->owned_bytes[i]);
    }
}

/* Adds an FLOAT32 tensor; values (copied) make it a constant. */
static int tg_tensor(TinyGraph *g, int rank, const int *dims, const float *values) {
    int i = g->m.n_tensors++;
    ck_assert_int_lt(i, TG_TENSORS);
    RomcvTfliteTensor *t = &g->t[i];
    snprintf(g->names[i], sizeof g->names[i], "t%d", i);
    t->name = g->names[i];
    t->type = t->file_type = ROMCV_TFLITE_FLOAT32;
    t->rank = rank;
    t->count = 1;
    for (int k = 0; k < rank; k++) {
        t->dims[k] = dims[k];
        t->count *= (size_t)dims[k];
    }
    t->live = 1;
    if (values) {
        g->owned[i] = malloc(sizeof(float) * t->count);
        memcpy(g->owned[i], values, sizeof(float) * t->count);
        t->fp32 = g->owned[i];
        t->buffer = 1;
    }
    return i;
}

/* Adds a constant INT32 tensor (little-endian bytes, as in a file). */
static int tg_int_tensor(TinyGraph *g, int rank, const int *dims, const int32_t *values) {
    int i = g->m.n_tensors++;
    ck_assert_int_lt(i, TG_TENSORS);
    RomcvTfliteTensor *t = &g->t[i];
    snprintf(g->names[i], sizeof g->names[i], "t%d", i);
    t->name = g->names[i];
    t->type = t->file_type = ROMCV_TFLITE_INT32;
    t->rank = rank;
    t->count = 1;
    for (int k = 0; k < rank; k++) {
        t->dims[k] = dims[k];
        t->count *= (size_t)dims[k];
    }
    g->owned_bytes[i] = malloc(4 * t->count);
    for (size_t k = 0; k < t->count; k++) {
        uint32_t u = (uint32_t)values[k];
        for (int b = 0; b < 4; b++)
            g->owned_bytes[i][4 * k + (size_t)b] = (uint8_t)(u >> (8 * b));
    }
    t->data = g->owned_bytes[i];
    t->data_size = 4 * t->count;
    t->buffer = 1;
    t->live = 1;
    return i;
}

static RomcvTfliteOp *tg_op(TinyGraph *g, int32_t opcode, int n_in, const int *inputs, int output) {
    int i = g->m.n_ops++;
    ck_assert_int_lt(i, TG_OPS);
    RomcvTfliteOp *op = &g->ops[i];
    memset(op, 0, sizeof *op);
    op->index = i;
    op->opcode = opcode;
    op->version = 1;
    op->custom_code = "";
    op->n_inputs = n_in;
    op->n_outputs = 1;
    op->inputs = g->io[i];
    op->outputs = g->io[i] + TG_IO - 1;
    for (int k = 0; k < n_in; k++)
        op->inputs[k] = inputs[k];
    op->outputs[0] = output;
    return op;
}

static void tg_io(TinyGraph *g, int n_in, const int *in, int n_out, const int *out) {
    g->m.n_inputs = n_in;
    g->m.n_outputs = n_out;
    for (int i = 0; i < n_in; i++)
        g->in[i] = in[i];
    for (int i = 0; i < n_out; i++)
        g->out[i] = out[i];
}

static RomcvInference *tg_create(TinyGraph *g) {
    RomcvInferenceSettings s;
    romcv__inference_default_settings(&s);
    s.backend = ROMCV_INFERENCE_PORTABLE;
    RomcvDiag diag = {0};
    RomcvInference *inf = NULL;
    int rc = romcv__inference_create(&inf, &g->m, &s, &diag);
    ck_assert_msg(rc == 0, "create: %s", diag.message);
    return inf;
}

/* Runs a one-input graph on x; returns the first graph output's data. */
static const float *tg_run(RomcvInference *inf, const float *x, const char *out_name) {
    RomcvTensorView in, out;
    ck_assert_int_eq(romcv__inference_input(inf, 0, &in), 0);
    memcpy(in.data, x, sizeof(float) * in.count);
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__inference_run(inf, &diag) == 0, "run: %s", diag.message);
    ck_assert_int_eq(romcv__inference_output(inf, out_name, &out), 0);
    return out.data;
}

/* Deterministic values in [-1, 1) (an LCG; the seed is in each test). */
static void fill_random(float *x, size_t n, uint32_t *seed) {
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1664525u + 1013904223u;
        x[i] = (float)((*seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

static void assert_close(const float *got, const double *want, size_t n, double tol,
                         const char *what) {
    for (size_t i = 0; i < n; i++) {
        double err = fabs((double)got[i] - want[i]);
        ck_assert_msg(err <= tol * (1.0 + fabs(want[i])), "%s: element %zu is %.9g, expected %.9g",
                      what, i, (double)got[i], want[i]);
    }
}

static double act(double v, int activation) {
    if (activation == ROMCV_TFLITE_ACT_RELU6)
        return v < 0 ? 0 : v > 6 ? 6 : v;
    if (activation == ROMCV_TFLITE_ACT_RELU)
        return v < 0 ? 0 : v;
    return v;
}

/* TFLite's output size and SAME padding (kernels/padding.h). */
static int out_size(int in, int k, int stride, int dil, int padding) {
    int eff = (k - 1) * dil + 1;
    return padding == ROMCV_TFLITE_PADDING_SAME ? (in + stride - 1) / stride
                                                : (in - eff + stride) / stride;
}

static int pad_before(int in, int out, int k, int stride, int dil, int padding) {
    if (padding != ROMCV_TFLITE_PADDING_SAME)
        return 0;
    int total = (out - 1) * stride + (k - 1) * dil + 1 - in;
    return total > 0 ? total / 2 : 0;
}

/* ------------------------------------------------------------ convolutions */

typedef struct ConvCase {
    int h, w, ic, oc, k, stride, dil, padding, activation, depthwise;
} ConvCase;

/* Builds conv or depthwise on random data, runs it and compares with a naive
 * double loop over NHWC / OHWI / [1,KH,KW,C]. */
static void check_conv_case(const ConvCase *c, uint32_t seed) {
    int oh = out_size(c->h, c->k, c->stride, c->dil, c->padding);
    int ow = out_size(c->w, c->k, c->stride, c->dil, c->padding);
    int pt = pad_before(c->h, oh, c->k, c->stride, c->dil, c->padding);
    int pl = pad_before(c->w, ow, c->k, c->stride, c->dil, c->padding);
    int wdims[4] = {c->depthwise ? 1 : c->oc, c->k, c->k, c->depthwise ? c->oc : c->ic};
    size_t wn = (size_t)wdims[0] * c->k * c->k * wdims[3];
    float *w = malloc(sizeof(float) * wn), bias[64],
          *x = malloc(sizeof(float) * c->h * c->w * c->ic);
    ck_assert_int_le(c->oc, 64);
    fill_random(w, wn, &seed);
    fill_random(bias, (size_t)c->oc, &seed);
    fill_random(x, (size_t)c->h * c->w * c->ic, &seed);

    TinyGraph g;
    tg_init(&g);
    int in = tg_tensor(&g, 4, (int[]){1, c->h, c->w, c->ic}, NULL);
    int wt = tg_tensor(&g, 4, wdims, w);
    int bt = tg_tensor(&g, 1, (int[]){c->oc}, bias);
    int out = tg_tensor(&g, 4, (int[]){1, oh, ow, c->oc}, NULL);
    RomcvTfliteOp *op =
        tg_op(&g, c->depthwise ? ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D : ROMCV_TFLITE_OP_CONV_2D, 3,
              (int[]){in, wt, bt}, out);
    op->opt.conv = (RomcvTfliteConvOptions){.padding = c->padding,
                                            .stride_w = c->stride,
                                            .stride_h = c->stride,
                                            .dilation_w = c->dil,
                                            .dilation_h = c->dil,
                                            .depth_multiplier = c->depthwise ? c->oc / c->ic : 0,
                                            .activation = c->activation};
    tg_io(&g, 1, &in, 1, &out);
    RomcvInference *inf = tg_create(&g);
    const float *got = tg_run(inf, x, g.t[out].name);

    double *want = malloc(sizeof(double) * oh * ow * c->oc);
    int m = c->oc / c->ic;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int o = 0; o < c->oc; o++) {
                double sum = bias[o];
                for (int ky = 0; ky < c->k; ky++)
                    for (int kx = 0; kx < c->k; kx++) {
                        int iy = oy * c->stride - pt + ky * c->dil;
                        int ix = ox * c->stride - pl + kx * c->dil;
                        if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                            continue;
                        const float *px = x + ((size_t)iy * c->w + ix) * c->ic;
                        if (c->depthwise)
                            sum += (double)px[o / m] * w[((size_t)ky * c->k + kx) * c->oc + o];
                        else
                            for (int i = 0; i < c->ic; i++)
                                sum += (double)px[i] *
                                       w[(((size_t)o * c->k + ky) * c->k + kx) * c->ic + i];
                    }
                want[((size_t)oy * ow + ox) * c->oc + o] = act(sum, c->activation);
            }
    char what[128];
    snprintf(what, sizeof what, "%s %dx%dx%d->%d k%d s%d d%d %s",
             c->depthwise ? "depthwise" : "conv", c->h, c->w, c->ic, c->oc, c->k, c->stride, c->dil,
             c->padding == ROMCV_TFLITE_PADDING_SAME ? "SAME" : "VALID");
    assert_close(got, want, (size_t)oh * ow * c->oc, 1e-5, what);
    free(want);
    romcv__inference_destroy(&inf);
    ck_assert_ptr_null(inf);
    tg_free(&g);
    free(w);
    free(x);
}

START_TEST(conv_2d_matches_naive_loops) {
    const int S = ROMCV_TFLITE_PADDING_SAME, V = ROMCV_TFLITE_PADDING_VALID;
    const int R6 = ROMCV_TFLITE_ACT_RELU6, NO = ROMCV_TFLITE_ACT_NONE;
    const ConvCase cases[] = {
        {6, 5, 5, 20, 1, 1, 1, S, NO, 0},  /* 1x1: GEMM, 8-wide tiles, 20 = 8+8+4 */
        {4, 4, 24, 48, 1, 1, 1, S, R6, 0}, /* 1x1: 16-wide tiles */
        {8, 8, 3, 16, 3, 2, 1, S, R6, 0},  /* stride 2 SAME, even: pads 0 before, 1 after */
        {7, 7, 3, 12, 3, 2, 1, S, NO, 0},  /* stride 2 SAME, odd */
        {9, 9, 3, 24, 3, 2, 1, V, R6, 0},  /* VALID, as after an explicit PAD */
        {2, 2, 7, 5, 2, 1, 1, V, NO, 0},   /* the landmark heads' 2x2 VALID to 1x1 */
        {5, 6, 8, 1, 3, 1, 1, S, NO, 0},   /* one output channel: the dot path */
        {6, 6, 4, 6, 3, 1, 2, S, ROMCV_TFLITE_ACT_RELU, 0}, /* dilation 2 */
        {9, 8, 5, 33, 5, 1, 1, V, NO, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_conv_case(&cases[i], 1234u + (uint32_t)i);
}
END_TEST

START_TEST(depthwise_matches_naive_loops) {
    const int S = ROMCV_TFLITE_PADDING_SAME, V = ROMCV_TFLITE_PADDING_VALID;
    const int R6 = ROMCV_TFLITE_ACT_RELU6, NO = ROMCV_TFLITE_ACT_NONE;
    const ConvCase cases[] = {
        {6, 7, 24, 24, 3, 1, 1, S, R6, 1},   /* 16-block + 8-block */
        {10, 10, 19, 19, 5, 2, 1, S, NO, 1}, /* 5x5, stride 2 SAME even: 0 before 1 after */
        {9, 9, 8, 8, 5, 2, 1, V, R6, 1},     /* 5x5 VALID after a PAD */
        {8, 8, 8, 8, 3, 2, 1, S, NO, 1},     /* 8 channels */
        {5, 5, 3, 6, 3, 1, 1, S, NO, 1},     /* depth multiplier 2 */
        {7, 6, 16, 16, 3, 1, 2, S, NO, 1},   /* dilation 2 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_conv_case(&cases[i], 777u + (uint32_t)i);
}
END_TEST

/* -------------------------------------------------------- elementwise ops */

START_TEST(add_same_shape_and_broadcast) {
    uint32_t seed = 99;
    /* Same shape, fused RELU6. */
    float a[2 * 3 * 4], b[2 * 3 * 4];
    fill_random(a, 24, &seed);
    fill_random(b, 24, &seed);
    for (int i = 0; i < 24; i++)
        a[i] *= 8.0f;
    TinyGraph g;
    tg_init(&g);
    int ta = tg_tensor(&g, 4, (int[]){1, 2, 3, 4}, NULL);
    int tb = tg_tensor(&g, 4, (int[]){1, 2, 3, 4}, b);
    int to = tg_tensor(&g, 4, (int[]){1, 2, 3, 4}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_ADD, 2, (int[]){ta, tb}, to)->opt.add.activation =
        ROMCV_TFLITE_ACT_RELU6;
    tg_io(&g, 1, &ta, 1, &to);
    RomcvInference *inf = tg_create(&g);
    const float *got = tg_run(inf, a, "t2");
    double want[24];
    for (int i = 0; i < 24; i++)
        want[i] = act((double)a[i] + b[i], ROMCV_TFLITE_ACT_RELU6);
    assert_close(got, want, 24, 1e-6, "add relu6");
    romcv__inference_destroy(&inf);
    tg_free(&g);

    /* Broadcast a [1,2,3,4] with a per-channel constant [4]. */
    tg_init(&g);
    ta = tg_tensor(&g, 4, (int[]){1, 2, 3, 4}, NULL);
    tb = tg_tensor(&g, 1, (int[]){4}, b);
    to = tg_tensor(&g, 4, (int[]){1, 2, 3, 4}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_ADD, 2, (int[]){ta, tb}, to);
    tg_io(&g, 1, &ta, 1, &to);
    inf = tg_create(&g);
    got = tg_run(inf, a, "t2");
    for (int i = 0; i < 24; i++)
        want[i] = (double)a[i] + b[i % 4];
    assert_close(got, want, 24, 1e-6, "add broadcast");
    romcv__inference_destroy(&inf);
    tg_free(&g);
}
END_TEST

START_TEST(pad_pool_logistic_reshape) {
    uint32_t seed = 5;
    float x[1 * 4 * 4 * 3];
    fill_random(x, 48, &seed);
    x[0] = 100.0f; /* logistic saturates, stays finite */
    x[1] = -100.0f;
    TinyGraph g;
    tg_init(&g);
    int in = tg_tensor(&g, 4, (int[]){1, 4, 4, 3}, NULL);
    int pads = tg_int_tensor(&g, 2, (int[]){4, 2}, (int32_t[]){0, 0, 1, 2, 0, 1, 1, 0});
    int padded = tg_tensor(&g, 4, (int[]){1, 7, 5, 4}, NULL);
    int pooled = tg_tensor(&g, 4, (int[]){1, 3, 2, 4}, NULL);
    int sig = tg_tensor(&g, 4, (int[]){1, 3, 2, 4}, NULL);
    int shape = tg_int_tensor(&g, 1, (int[]){2}, (int32_t[]){1, 24});
    int flat = tg_tensor(&g, 2, (int[]){1, 24}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_PAD, 2, (int[]){in, pads}, padded);
    RomcvTfliteOp *pool = tg_op(&g, ROMCV_TFLITE_OP_MAX_POOL_2D, 1, (int[]){padded}, pooled);
    pool->opt.pool = (RomcvTflitePoolOptions){.padding = ROMCV_TFLITE_PADDING_VALID,
                                              .stride_w = 2,
                                              .stride_h = 2,
                                              .filter_w = 2,
                                              .filter_h = 2};
    tg_op(&g, ROMCV_TFLITE_OP_LOGISTIC, 1, (int[]){pooled}, sig);
    tg_op(&g, ROMCV_TFLITE_OP_RESHAPE, 2, (int[]){sig, shape}, flat);
    tg_io(&g, 1, &in, 2, (int[]){flat, padded});
    RomcvInference *inf = tg_create(&g);
    const float *got = tg_run(inf, x, g.t[flat].name);
    RomcvTensorView pv;
    ck_assert_int_eq(romcv__inference_output(inf, g.t[padded].name, &pv), 0);
    ck_assert_int_eq(pv.rank, 4);
    ck_assert_int_eq(pv.dims[1], 7);

    double p[7][5][4], want[24];
    for (int y = 0; y < 7; y++)
        for (int xx = 0; xx < 5; xx++)
            for (int c = 0; c < 4; c++) {
                int sy = y - 1, sx = xx, sc = c - 1;
                p[y][xx][c] = (sy >= 0 && sy < 4 && sx < 4 && sc >= 0 && sc < 3)
                                  ? x[(sy * 4 + sx) * 3 + sc]
                                  : 0.0;
            }
    assert_close(pv.data, &p[0][0][0], 7 * 5 * 4, 0, "pad");
    for (int y = 0; y < 3; y++)
        for (int xx = 0; xx < 2; xx++)
            for (int c = 0; c < 4; c++) {
                double mx = -INFINITY;
                for (int dy = 0; dy < 2; dy++)
                    for (int dx = 0; dx < 2; dx++)
                        mx = fmax(mx, p[2 * y + dy][2 * xx + dx][c]);
                want[(y * 2 + xx) * 4 + c] = 1.0 / (1.0 + exp(-mx));
            }
    assert_close(got, want, 24, 1e-6, "pad + max pool + logistic + reshape");
    for (int i = 0; i < 24; i++)
        ck_assert(isfinite(got[i]));
    romcv__inference_destroy(&inf);
    tg_free(&g);
}
END_TEST

/* ----------------------------------------------------------------- resize */

/* A [1,1,2,1] row [0, 1] resized to width 4 in each mode, by hand from
 * TFLite's reference: scale = in / out = 0.5 (align_corners: (in-1)/(out-1)).
 *   half-pixel: x' = (x + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped
 *               indices, so 0, 0.25, 0.75, 1;
 *   align_corners: x' = x / 3: 0, 1/3, 2/3, 1;
 *   legacy: x' = x * 0.5 = 0, 0.5, 1, 1.5: 0, 0.5, 1, 1. */
static void resize_row(int align_corners, int half_pixel, const double want[4]) {
    TinyGraph g;
    tg_init(&g);
    int in = tg_tensor(&g, 4, (int[]){1, 1, 2, 1}, NULL);
    int size = tg_int_tensor(&g, 1, (int[]){2}, (int32_t[]){1, 4});
    int out = tg_tensor(&g, 4, (int[]){1, 1, 4, 1}, NULL);
    RomcvTfliteOp *op = tg_op(&g, ROMCV_TFLITE_OP_RESIZE_BILINEAR, 2, (int[]){in, size}, out);
    op->opt.resize.align_corners = align_corners;
    op->opt.resize.half_pixel_centers = half_pixel;
    tg_io(&g, 1, &in, 1, &out);
    RomcvInference *inf = tg_create(&g);
    const float *got = tg_run(inf, (const float[]){0.0f, 1.0f}, "t2");
    assert_close(got, want, 4, 1e-6,
                 align_corners ? "align_corners"
                 : half_pixel  ? "half-pixel"
                               : "legacy");
    romcv__inference_destroy(&inf);
    tg_free(&g);
}

START_TEST(resize_bilinear_modes_by_hand) {
    resize_row(0, 1, (const double[]){0, 0.25, 0.75, 1});
    resize_row(1, 0, (const double[]){0, 1.0 / 3, 2.0 / 3, 1});
    resize_row(0, 0, (const double[]){0, 0.5, 1, 1});
}
END_TEST

/* 2-D, several channels, upsampling by 2 as the landmark models do, against
 * a naive loop of the reference formula in double. */
START_TEST(resize_bilinear_half_pixel_2d) {
    const int ih = 3, iw = 4, C = 5, oh = 6, ow = 8;
    float x[3 * 4 * 5];
    uint32_t seed = 42;
    fill_random(x, sizeof x / sizeof x[0], &seed);
    TinyGraph g;
    tg_init(&g);
    int in = tg_tensor(&g, 4, (int[]){1, ih, iw, C}, NULL);
    int size = tg_int_tensor(&g, 1, (int[]){2}, (int32_t[]){oh, ow});
    int out = tg_tensor(&g, 4, (int[]){1, oh, ow, C}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_RESIZE_BILINEAR, 2, (int[]){in, size}, out)
        ->opt.resize.half_pixel_centers = 1;
    tg_io(&g, 1, &in, 1, &out);
    RomcvInference *inf = tg_create(&g);
    const float *got = tg_run(inf, x, "t2");
    double want[6 * 8 * 5];
    for (int y = 0; y < oh; y++)
        for (int xx = 0; xx < ow; xx++) {
            double sy = (y + 0.5) * ih / oh - 0.5, sx = (xx + 0.5) * iw / ow - 0.5;
            int y0 = (int)floor(sy) < 0 ? 0 : (int)floor(sy);
            int x0 = (int)floor(sx) < 0 ? 0 : (int)floor(sx);
            int y1 = (int)ceil(sy) > ih - 1 ? ih - 1 : (int)ceil(sy);
            int x1 = (int)ceil(sx) > iw - 1 ? iw - 1 : (int)ceil(sx);
            double fy = sy - y0, fx = sx - x0;
            for (int c = 0; c < C; c++) {
#define X(yy, xq) ((double)x[((yy)*iw + (xq)) * C + c])
                want[(y * ow + xx) * C + c] = X(y0, x0) * (1 - fy) * (1 - fx) +
                                              X(y1, x0) * fy * (1 - fx) +
                                              X(y0, x1) * (1 - fy) * fx + X(y1, x1) * fy * fx;
#undef X
            }
        }
    assert_close(got, want, sizeof want / sizeof want[0], 1e-5, "resize 3x4 -> 6x8");
    romcv__inference_destroy(&inf);
    tg_free(&g);
}
END_TEST

/* ------------------------------------------------ depth to space, concat */

START_TEST(depth_to_space_dcr_order) {
    /* [1,1,2,8] with block 2 -> [1,2,4,2]: output (dy, x*2+dx, c) reads input
     * channel (dy*2 + dx)*2 + c (TFLite's DCR order). Input value = 10*x + ch. */
    float x[16];
    for (int px = 0; px < 2; px++)
        for (int ch = 0; ch < 8; ch++)
            x[px * 8 + ch] = (float)(10 * px + ch);
    TinyGraph g;
    tg_init(&g);
    int in = tg_tensor(&g, 4, (int[]){1, 1, 2, 8}, NULL);
    int out = tg_tensor(&g, 4, (int[]){1, 2, 4, 2}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_DEPTH_TO_SPACE, 1, (int[]){in}, out)->opt.depth_to_space.block_size =
        2;
    tg_io(&g, 1, &in, 1, &out);
    RomcvInference *inf = tg_create(&g);
    const float *got = tg_run(inf, x, "t1");
    /* Row 0: pixel 0 -> channels (0,1) (2,3), pixel 1 -> 10+(0,1) 10+(2,3);
     * row 1: the same with channels 4..7. */
    const double want[16] = {0, 1, 2, 3, 10, 11, 12, 13, 4, 5, 6, 7, 14, 15, 16, 17};
    assert_close(got, want, 16, 0, "depth_to_space");
    romcv__inference_destroy(&inf);
    tg_free(&g);
}
END_TEST

START_TEST(concatenation_channel_and_middle_axis) {
    /* Channel axis (-1): [1,2,2,3] + constant [1,2,2,2] -> [1,2,2,5]. */
    float a[12], b[8];
    for (int i = 0; i < 12; i++)
        a[i] = (float)i;
    for (int i = 0; i < 8; i++)
        b[i] = 100.0f + (float)i;
    TinyGraph g;
    tg_init(&g);
    int ta = tg_tensor(&g, 4, (int[]){1, 2, 2, 3}, NULL);
    int tb = tg_tensor(&g, 4, (int[]){1, 2, 2, 2}, b);
    int to = tg_tensor(&g, 4, (int[]){1, 2, 2, 5}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_CONCATENATION, 2, (int[]){ta, tb}, to)->opt.concat.axis = -1;
    tg_io(&g, 1, &ta, 1, &to);
    RomcvInference *inf = tg_create(&g);
    const float *got = tg_run(inf, a, "t2");
    double want[20];
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < 5; c++)
            want[p * 5 + c] = c < 3 ? a[p * 3 + c] : b[p * 2 + c - 3];
    assert_close(got, want, 20, 0, "concat channels");
    romcv__inference_destroy(&inf);
    tg_free(&g);

    /* Axis 1 of rank 3, the detector's layout: [1,3,2] + [1,1,2] -> [1,4,2]. */
    tg_init(&g);
    ta = tg_tensor(&g, 3, (int[]){1, 3, 2}, NULL);
    tb = tg_tensor(&g, 3, (int[]){1, 1, 2}, b);
    to = tg_tensor(&g, 3, (int[]){1, 4, 2}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_CONCATENATION, 2, (int[]){ta, tb}, to)->opt.concat.axis = 1;
    tg_io(&g, 1, &ta, 1, &to);
    inf = tg_create(&g);
    got = tg_run(inf, a, "t2");
    const double want2[8] = {0, 1, 2, 3, 4, 5, 100, 101};
    assert_close(got, want2, 8, 0, "concat axis 1");
    romcv__inference_destroy(&inf);
    tg_free(&g);
}
END_TEST

/* ---------------------------------------------------------- plan checks */

START_TEST(bad_shapes_and_settings_are_refused) {
    float w[4 * 3 * 3 * 2] = {0};
    TinyGraph g;
    tg_init(&g);
    int in = tg_tensor(&g, 4, (int[]){1, 8, 8, 2}, NULL);
    int wt = tg_tensor(&g, 4, (int[]){4, 3, 3, 2}, w);
    /* SAME stride 2 on 8 gives 4, not 3. */
    int out = tg_tensor(&g, 4, (int[]){1, 3, 3, 4}, NULL);
    tg_op(&g, ROMCV_TFLITE_OP_CONV_2D, 2, (int[]){in, wt}, out)->opt.conv =
        (RomcvTfliteConvOptions){.padding = ROMCV_TFLITE_PADDING_SAME,
                                 .stride_w = 2,
                                 .stride_h = 2,
                                 .dilation_w = 1,
                                 .dilation_h = 1};
    tg_io(&g, 1, &in, 1, &out);
    RomcvInferenceSettings s;
    romcv__inference_default_settings(&s);
    s.backend = ROMCV_INFERENCE_PORTABLE;
    RomcvDiag diag = {0};
    RomcvInference *inf = (RomcvInference *)&g; /* must be reset to NULL */
    ck_assert_int_eq(romcv__inference_create(&inf, &g.m, &s, &diag), ROMCV_E_INVALID_DATA);
    ck_assert_ptr_null(inf);
    ck_assert_msg(strstr(diag.message, "op 0 (CONV_2D)") != NULL, "%s", diag.message);

    g.t[out].dims[1] = g.t[out].dims[2] = 4;
    g.t[out].count = 64;
    ck_assert_int_eq(romcv__inference_create(&inf, &g.m, &s, &diag), 0);
    romcv__inference_destroy(&inf);
    romcv__inference_destroy(&inf); /* NULL-safe */

    const char *const unknown[] = {"Identity_9", NULL};
    s.outputs = unknown;
    ck_assert_int_eq(romcv__inference_create(&inf, &g.m, &s, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.message, "Identity_9"));
    s.outputs = NULL;

    s.threads = 0;
    ck_assert_int_eq(romcv__inference_create(&inf, &g.m, &s, &diag), ROMCV_ERR(EINVAL));
    s.threads = 1;

    g.m.materialised = 0;
    ck_assert_int_eq(romcv__inference_create(&inf, &g.m, &s, &diag), ROMCV_E_USAGE);
    g.m.materialised = 1;

    /* XNNPACK: built in, or refused with a message saying so. */
    s.backend = ROMCV_INFERENCE_XNNPACK;
    int rc = romcv__inference_create(&inf, &g.m, &s, &diag);
    if (rc == 0) {
        ck_assert_int_eq(romcv__inference_backend(inf), ROMCV_INFERENCE_XNNPACK);
        romcv__inference_destroy(&inf);
    } else {
        ck_assert_int_eq(rc, ROMCV_E_UNSUPPORTED);
        ck_assert_msg(strstr(diag.message, "XNNPACK") != NULL, "%s", diag.message);
    }
    s.backend = ROMCV_INFERENCE_AUTO;
    ck_assert_int_eq(romcv__inference_create(&inf, &g.m, &s, &diag), 0);
    ck_assert_int_ne(romcv__inference_backend(inf), ROMCV_INFERENCE_AUTO);
    romcv__inference_destroy(&inf);
    ck_assert_str_eq(romcv__inference_backend_name(ROMCV_INFERENCE_PORTABLE), "portable");
    tg_free(&g);
}
END_TEST

/* ------------------------------------------------------------ real models */

static RomcvTfliteModel *load_model(const char *file) {
    char *path = romcv_test_path(romcv_test_env("ROMCV_MODELS"), file);
    RomcvDiag diag = {0};
    RomcvTfliteModel *m = NULL;
    int rc = romcv__tflite_load_file(&m, path, &diag);
    if (rc == 0)
        rc = romcv__tflite_materialise_constants(m, &diag);
    if (rc == 0)
        rc = romcv__tflite_check_supported(m, &diag);
    ck_assert_msg(rc == 0, "%s: %s", path, diag.message);
    free(path);
    return m;
}

static RomcvInference *create_portable(const RomcvTfliteModel *m, const char *const *outputs) {
    RomcvInferenceSettings s;
    romcv__inference_default_settings(&s);
    s.backend = ROMCV_INFERENCE_PORTABLE;
    s.outputs = outputs;
    RomcvDiag diag = {0};
    RomcvInference *inf = NULL;
    ck_assert_msg(romcv__inference_create(&inf, m, &s, &diag) == 0, "%s", diag.message);
    ck_assert_int_eq(romcv__inference_backend(inf), ROMCV_INFERENCE_PORTABLE);
    return inf;
}

/* A smooth deterministic image in [0, 1] (lo..hi rescaled). */
static void fill_pattern(RomcvTensorView *in, float lo, float hi) {
    int h = in->dims[1], w = in->dims[2], c = in->dims[3];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                float v = 0.5f + 0.5f * sinf(0.05f * (float)(x * (k + 1)) + 0.03f * (float)y);
                in->data[((size_t)y * w + x) * c + (size_t)k] = lo + (hi - lo) * v;
            }
}

static void run_ok(RomcvInference *inf) {
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__inference_run(inf, &diag) == 0, "%s", diag.message);
}

static RomcvTensorView output(RomcvInference *inf, const char *name, int rank, const int *dims) {
    RomcvTensorView v;
    ck_assert_msg(romcv__inference_output(inf, name, &v) == 0, "no output %s", name);
    ck_assert_int_eq(v.rank, rank);
    for (int i = 0; i < rank; i++)
        ck_assert_int_eq(v.dims[i], dims[i]);
    for (size_t i = 0; i < v.count; i++)
        ck_assert_msg(isfinite(v.data[i]), "%s[%zu] = %g", name, i, (double)v.data[i]);
    return v;
}

START_TEST(detector_runs_end_to_end) {
    RomcvTfliteModel *m = load_model("pose_detection.tflite");
    RomcvInference *inf = create_portable(m, NULL);
    RomcvTensorView in;
    ck_assert_int_eq(romcv__inference_input(inf, 0, &in), 0);
    ck_assert_int_eq(in.dims[1], 224);
    fill_pattern(&in, -1.0f, 1.0f);
    run_ok(inf);
    output(inf, "Identity", 3, (int[]){1, 2254, 12});
    output(inf, "Identity_1", 3, (int[]){1, 2254, 1});
    romcv__inference_destroy(&inf);
    romcv__tflite_free(&m);
}
END_TEST

/* Landmark models: every output with all of them computed, then the pruned
 * plan on the same input: fewer ops, bit-identical landmarks. With run_pruned
 * 0 the pruned graph is only planned (heavy: one ASan run takes ~10 s). */
static void landmark_end_to_end_and_pruning(const char *file, int run_pruned) {
    RomcvTfliteModel *m = load_model(file);
    RomcvInference *all = create_portable(m, NULL);
    static const char *const wanted[] = {"Identity", "Identity_1", "Identity_4", NULL};
    RomcvInference *few = create_portable(m, wanted);

    RomcvInferencePlanStats sa, sf;
    romcv__inference_plan_stats(all, &sa);
    romcv__inference_plan_stats(few, &sf);
    fprintf(stderr,
            "%s: all outputs %d ops %.1f M MACs; landmarks only %d ops %.1f M MACs "
            "(%d ops, %.1f M MACs pruned)\n",
            file, sa.live_ops, (double)sa.live_macs * 1e-6, sf.live_ops,
            (double)sf.live_macs * 1e-6, sa.live_ops - sf.live_ops,
            (double)(sa.live_macs - sf.live_macs) * 1e-6);
    ck_assert_int_eq(sa.live_ops, sa.model_ops);
    ck_assert_int_lt(sf.live_ops, sa.live_ops);
    ck_assert(sf.live_macs < sa.live_macs);

    RomcvTensorView in_all, in_few;
    romcv__inference_input(all, 0, &in_all);
    romcv__inference_input(few, 0, &in_few);
    ck_assert_int_eq(in_all.dims[1], 256);
    fill_pattern(&in_all, 0.0f, 1.0f);
    memcpy(in_few.data, in_all.data, sizeof(float) * in_all.count);
    run_ok(all);
    RomcvTensorView lm = output(all, "Identity", 2, (int[]){1, 195});
    RomcvTensorView flag = output(all, "Identity_1", 2, (int[]){1, 1});
    output(all, "Identity_2", 4, (int[]){1, 256, 256, 1});
    output(all, "Identity_3", 4, (int[]){1, 64, 64, 39});
    RomcvTensorView world = output(all, "Identity_4", 2, (int[]){1, 117});
    ck_assert(flag.data[0] >= 0.0f && flag.data[0] <= 1.0f); /* after the model's LOGISTIC */

    RomcvTensorView v;
    ck_assert_int_eq(romcv__inference_output(few, "Identity_2", &v), ROMCV_E_NOT_FOUND);
    ck_assert_int_eq(romcv__inference_output(few, "Identity_3", &v), ROMCV_E_NOT_FOUND);
    if (!run_pruned)
        goto done;
    run_ok(few);
    v = output(few, "Identity", 2, (int[]){1, 195});
    ck_assert_msg(memcmp(v.data, lm.data, sizeof(float) * 195) == 0, "landmarks differ");
    v = output(few, "Identity_1", 2, (int[]){1, 1});
    ck_assert(memcmp(v.data, flag.data, sizeof(float)) == 0);
    v = output(few, "Identity_4", 2, (int[]){1, 117});
    ck_assert(memcmp(v.data, world.data, sizeof(float) * 117) == 0);

    /* A second run on the same input gives the same bits (no state leaks
     * between runs through the shared arena). */
    float first[195];
    memcpy(first, lm.data, sizeof first);
    run_ok(few);
    ck_assert(memcmp(v.data, world.data, sizeof(float) * 117) == 0);
    v = output(few, "Identity", 2, (int[]){1, 195});
    ck_assert(memcmp(v.data, first, sizeof first) == 0);
done:
    romcv__inference_destroy(&all);
    romcv__inference_destroy(&few);
    romcv__tflite_free(&m);
}

START_TEST(landmark_lite_end_to_end_and_pruning) {
    landmark_end_to_end_and_pruning("pose_landmark_lite.tflite", 1);
}
END_TEST

START_TEST(landmark_full_end_to_end_and_pruning) {
    landmark_end_to_end_and_pruning("pose_landmark_full.tflite", 1);
}
END_TEST

START_TEST(landmark_heavy_end_to_end_and_pruning) {
    landmark_end_to_end_and_pruning("pose_landmark_heavy.tflite", 0);
}
END_TEST

/* ----------------------------------------------------- correctness anchors */

/* Decodes one frame of squat_side.mp4 (608x1080, the athlete standing at
 * t = 1 s, roughly x 220-360, y 320-900) through ffmpeg with the given
 * filter into w*h RGB bytes. */
static unsigned char *frame_rgb(const char *filter, int w, int h) {
    char *video = romcv_test_shared_file("samples/squat_side.mp4");
    char *dir = romcv_test_make_tmpdir();
    char *raw = romcv_test_path(dir, "frame.rgb");
    char cmd[2048], log[2048];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -ss 1 -i '%s' -frames:v 1 -vf '%s' -f rawvideo "
             "-pix_fmt rgb24 -y '%s'",
             video, filter, raw);
    ck_assert_msg(romcv_test_run(cmd, log, sizeof log) == 0, "%s: %s", cmd, log);
    size_t size = 0;
    unsigned char *rgb = (unsigned char *)romcv_test_read_file(raw, &size);
    ck_assert_ptr_nonnull(rgb);
    ck_assert_uint_eq(size, (size_t)w * h * 3);
    free(raw);
    romcv_test_remove_tmpdir(dir);
    free(video);
    return rgb;
}

START_TEST(landmarks_find_the_person) {
    /* A square crop around the athlete, scaled to the model's 256x256; the
     * model takes RGB in [0, 1] (inference.md). */
    unsigned char *rgb = frame_rgb("crop=608:608:0:296,scale=256:256", 256, 256);
    RomcvTfliteModel *m = load_model("pose_landmark_full.tflite");
    static const char *const wanted[] = {"Identity", "Identity_1", NULL};
    RomcvInference *inf = create_portable(m, wanted);
    RomcvTensorView in;
    romcv__inference_input(inf, 0, &in);
    for (size_t i = 0; i < in.count; i++)
        in.data[i] = (float)rgb[i] / 255.0f;
    run_ok(inf);
    RomcvTensorView flag = output(inf, "Identity_1", 2, (int[]){1, 1});
    RomcvTensorView lm = output(inf, "Identity", 2, (int[]){1, 195});
    fprintf(stderr, "person crop: pose flag %.4f, nose (%.1f, %.1f), left ankle (%.1f, %.1f)\n",
            (double)flag.data[0], (double)lm.data[0], (double)lm.data[1], (double)lm.data[27 * 5],
            (double)lm.data[27 * 5 + 1]);
    ck_assert_msg(flag.data[0] > 0.5f, "pose flag %g on a person", (double)flag.data[0]);
    /* The 33 body landmarks lie on the crop (x, y in crop pixels), the nose
     * in its upper part and the ankles in its lower part. */
    for (int i = 0; i < 33; i++) {
        float x = lm.data[i * 5], y = lm.data[i * 5 + 1];
        ck_assert_msg(x > -13.0f && x < 269.0f && y > -13.0f && y < 269.0f,
                      "landmark %d at (%g, %g)", i, (double)x, (double)y);
    }
    ck_assert_float_lt(lm.data[1], 100.0f);          /* nose y */
    ck_assert_float_gt(lm.data[27 * 5 + 1], 180.0f); /* left ankle y */
    ck_assert_float_gt(lm.data[28 * 5 + 1], 180.0f); /* right ankle y */

    /* The same model on a blank grey crop: no person. */
    for (size_t i = 0; i < in.count; i++)
        in.data[i] = 0.5f;
    run_ok(inf);
    fprintf(stderr, "grey crop: pose flag %.4f\n", (double)flag.data[0]);
    ck_assert_msg(flag.data[0] < 0.5f, "pose flag %g on grey", (double)flag.data[0]);
    romcv__inference_destroy(&inf);
    romcv__tflite_free(&m);
    free(rgb);
}
END_TEST

START_TEST(detector_finds_the_person) {
    /* The whole frame letterboxed to a square and scaled to 224x224; the
     * detector takes RGB in [-1, 1]. Its scores are logits. */
    unsigned char *rgb = frame_rgb("pad=1080:1080:236:0:black,scale=224:224", 224, 224);
    RomcvTfliteModel *m = load_model("pose_detection.tflite");
    RomcvInference *inf = create_portable(m, NULL);
    RomcvTensorView in;
    romcv__inference_input(inf, 0, &in);
    for (size_t i = 0; i < in.count; i++)
        in.data[i] = (float)rgb[i] / 127.5f - 1.0f;
    run_ok(inf);
    RomcvTensorView scores = output(inf, "Identity_1", 3, (int[]){1, 2254, 1});
    float best = -INFINITY;
    for (size_t i = 0; i < scores.count; i++)
        best = scores.data[i] > best ? scores.data[i] : best;
    fprintf(stderr, "detector: best score logit %.3f on the person frame\n", (double)best);
    ck_assert_msg(best > 0.0f, "best detection logit %g", (double)best);
    for (size_t i = 0; i < in.count; i++)
        in.data[i] = 0.0f; /* grey */
    run_ok(inf);
    best = -INFINITY;
    for (size_t i = 0; i < scores.count; i++)
        best = scores.data[i] > best ? scores.data[i] : best;
    fprintf(stderr, "detector: best score logit %.3f on grey\n", (double)best);
    ck_assert_msg(best < 0.0f, "best detection logit %g on grey", (double)best);
    romcv__inference_destroy(&inf);
    romcv__tflite_free(&m);
    free(rgb);
}
END_TEST

static Suite *inference_suite(void) {
    Suite *s = suite_create("inference");
    TCase *ops = tcase_create("ops");
    tcase_add_test(ops, conv_2d_matches_naive_loops);
    tcase_add_test(ops, depthwise_matches_naive_loops);
    tcase_add_test(ops, add_same_shape_and_broadcast);
    tcase_add_test(ops, pad_pool_logistic_reshape);
    tcase_add_test(ops, resize_bilinear_modes_by_hand);
    tcase_add_test(ops, resize_bilinear_half_pixel_2d);
    tcase_add_test(ops, depth_to_space_dcr_order);
    tcase_add_test(ops, concatenation_channel_and_middle_axis);
    tcase_add_test(ops, bad_shapes_and_settings_are_refused);
    suite_add_tcase(s, ops);
    TCase *models = tcase_create("models");
    tcase_set_timeout(models, 600);
    tcase_add_test(models, detector_runs_end_to_end);
    tcase_add_test(models, landmark_lite_end_to_end_and_pruning);
    tcase_add_test(models, landmark_full_end_to_end_and_pruning);
    tcase_add_test(models, landmark_heavy_end_to_end_and_pruning);
    tcase_add_test(models, landmarks_find_the_person);
    tcase_add_test(models, detector_finds_the_person);
    suite_add_tcase(s, models);
    return s;
}

int main(void) {
    return romcv_test_main(inference_suite());
}
