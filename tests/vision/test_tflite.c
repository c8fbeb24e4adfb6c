/*
 * tests/vision/test_tflite.c: the TFLite reader (vision/tflite.c) on the four
 * real models, on a small synthetic graph (tflite_builder.c), and on broken
 * input: truncations, single-byte corruptions and hand-made hostile files must
 * all fail with a message, never crash (this suite runs under ASan + UBSan).
 */
#include "testutil.h"
#include "tflite_builder.h"

#include "vision/tflite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static RomcvTfliteModel *load_model(const char *file) {
    char *path = romcv_test_path(romcv_test_env("ROMCV_MODELS"), file);
    RomcvTfliteModel *m = NULL;
    RomcvDiag diag = {0};
    int rc = romcv__tflite_load_file(&m, path, &diag);
    ck_assert_msg(rc == 0, "%s: %s", path, diag.message);
    free(path);
    return m;
}

static uint8_t *read_model_bytes(const char *file, size_t *size) {
    char *path = romcv_test_path(romcv_test_env("ROMCV_MODELS"), file);
    uint8_t *data = (uint8_t *)romcv_test_read_file(path, size);
    ck_assert_msg(data != NULL, "cannot read %s", path);
    free(path);
    return data;
}

/* An independent binary16 decoder (ldexp, not bit surgery) for comparisons. */
static float fp16_reference(uint16_t h) {
    int sign = h >> 15, exponent = (h >> 10) & 31, mantissa = h & 1023;
    double v;
    if (exponent == 31)
        v = mantissa ? NAN : INFINITY;
    else if (exponent == 0)
        v = ldexp(mantissa, -24);
    else
        v = ldexp(1024 + mantissa, exponent - 25);
    return (float)(sign ? -v : v);
}

static uint16_t le16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

/* Load + materialise + check, as the engine will run them. Returns the first
 * failure's code (0 if none); a failure must carry a message from the start
 * of which the label is visible. */
static int run_all(const uint8_t *data, size_t size, RomcvDiag *diag) {
    RomcvTfliteModel *m = NULL;
    memset(diag, 0, sizeof *diag);
    int rc = romcv__tflite_load(&m, data, size, diag);
    if (rc == 0) {
        rc = romcv__tflite_materialise_constants(m, diag);
        if (rc == 0)
            rc = romcv__tflite_check_supported(m, diag);
        romcv__tflite_free(&m);
        ck_assert_ptr_null(m);
    } else {
        ck_assert_ptr_null(m);
    }
    if (rc != 0) {
        ck_assert_int_lt(rc, 0);
        ck_assert_int_eq(diag->code, rc);
        ck_assert_msg(strncmp(diag->message, "tflite: ", 8) == 0 && diag->message[8] != '\0',
                      "bad message \"%s\"", diag->message);
    }
    return rc;
}

static int run_model(const TfbModel *desc, RomcvDiag *diag) {
    size_t size;
    uint8_t *bytes = tfb_build(desc, &size);
    ck_assert_ptr_nonnull(bytes);
    int rc = run_all(bytes, size, diag);
    free(bytes);
    return rc;
}

/* The description must fail somewhere with code and a message containing what. */
static void expect_model_error(const TfbModel *desc, int code, const char *what) {
    RomcvDiag diag;
    int rc = run_model(desc, &diag);
    ck_assert_msg(rc == code && strstr(diag.message, what),
                  "expected %d \"...%s...\", got %d \"%s\"", code, what, rc, diag.message);
}

static void expect_bytes_error(const uint8_t *bytes, size_t size, const char *what) {
    RomcvDiag diag;
    int rc = run_all(bytes, size, &diag);
    ck_assert_msg(rc == ROMCV_E_INVALID_DATA && strstr(diag.message, what),
                  "expected \"...%s...\", got %d \"%s\"", what, rc, diag.message);
}

/* ---------------------------------------------------------------- real models */

typedef struct Expected {
    const char *file;
    int tensors, ops, buffers;
    int32_t input[4];
    struct {
        int32_t opcode;
        int count;
    } hist[12];
} Expected;

/* Counts measured on the pinned files (models/SHA256SUMS); the op set is
 * inference.md's. */
static const Expected expected[] = {
    {"pose_detection.tflite",
     442,
     291,
     446,
     {1, 224, 224, 3},
     {{ROMCV_TFLITE_OP_ADD, 15},
      {ROMCV_TFLITE_OP_CONCATENATION, 2},
      {ROMCV_TFLITE_OP_CONV_2D, 45},
      {ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D, 28},
      {ROMCV_TFLITE_OP_DEPTH_TO_SPACE, 3},
      {ROMCV_TFLITE_OP_DEQUANTIZE, 144},
      {ROMCV_TFLITE_OP_RESHAPE, 6},
      {ROMCV_TFLITE_OP_RESIZE_BILINEAR, 2},
      {ROMCV_TFLITE_OP_PAD, 8},
      {ROMCV_TFLITE_OP_DENSIFY, 38}}},
    {"pose_landmark_lite.tflite",
     492,
     305,
     321,
     {1, 256, 256, 3},
     {{ROMCV_TFLITE_OP_ADD, 25},
      {ROMCV_TFLITE_OP_CONV_2D, 54},
      {ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D, 34},
      {ROMCV_TFLITE_OP_DEQUANTIZE, 176},
      {ROMCV_TFLITE_OP_LOGISTIC, 1},
      {ROMCV_TFLITE_OP_MAX_POOL_2D, 2},
      {ROMCV_TFLITE_OP_RESHAPE, 3},
      {ROMCV_TFLITE_OP_RESIZE_BILINEAR, 5},
      {ROMCV_TFLITE_OP_PAD, 5}}},
    {"pose_landmark_full.tflite",
     535,
     332,
     348,
     {1, 256, 256, 3},
     {{ROMCV_TFLITE_OP_ADD, 28},
      {ROMCV_TFLITE_OP_CONV_2D, 58},
      {ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D, 38},
      {ROMCV_TFLITE_OP_DEQUANTIZE, 192},
      {ROMCV_TFLITE_OP_LOGISTIC, 1},
      {ROMCV_TFLITE_OP_MAX_POOL_2D, 2},
      {ROMCV_TFLITE_OP_RESHAPE, 3},
      {ROMCV_TFLITE_OP_RESIZE_BILINEAR, 5},
      {ROMCV_TFLITE_OP_PAD, 5}}},
    {"pose_landmark_heavy.tflite",
     1098,
     689,
     707,
     {1, 256, 256, 3},
     {{ROMCV_TFLITE_OP_ADD, 73},
      {ROMCV_TFLITE_OP_CONV_2D, 116},
      {ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D, 82},
      {ROMCV_TFLITE_OP_DEQUANTIZE, 396},
      {ROMCV_TFLITE_OP_LOGISTIC, 1},
      {ROMCV_TFLITE_OP_MAX_POOL_2D, 5},
      {ROMCV_TFLITE_OP_RESHAPE, 3},
      {ROMCV_TFLITE_OP_RESIZE_BILINEAR, 5},
      {ROMCV_TFLITE_OP_PAD, 8}}},
};

static void check_output(const RomcvTfliteModel *m, const char *name, int rank,
                         const int32_t *dims) {
    int ti = romcv__tflite_find_tensor(m, name);
    ck_assert_msg(ti >= 0, "%s: no tensor %s", m->label, name);
    int is_output = 0;
    for (int i = 0; i < m->n_outputs; i++)
        is_output |= m->outputs[i] == ti;
    ck_assert_msg(is_output, "%s: %s is not a graph output", m->label, name);
    ck_assert_int_eq(m->tensors[ti].rank, rank);
    for (int d = 0; d < rank; d++)
        ck_assert_int_eq(m->tensors[ti].dims[d], dims[d]);
    ck_assert_int_eq(m->tensors[ti].type, ROMCV_TFLITE_FLOAT32);
}

START_TEST(real_models_parse) {
    const Expected *e = &expected[_i];
    RomcvTfliteModel *m = load_model(e->file);
    ck_assert_uint_eq(m->version, 3);
    ck_assert_int_eq(m->n_subgraphs, 1);
    ck_assert_int_eq(m->n_tensors, e->tensors);
    ck_assert_int_eq(m->n_ops, e->ops);
    ck_assert_int_eq(m->n_buffers, e->buffers);
    ck_assert_msg(strstr(m->label, e->file) != NULL, "label %s", m->label);

    ck_assert_int_eq(m->n_inputs, 1);
    const RomcvTfliteTensor *in = &m->tensors[m->inputs[0]];
    ck_assert_int_eq(in->rank, 4);
    for (int d = 0; d < 4; d++)
        ck_assert_int_eq(in->dims[d], e->input[d]);
    ck_assert_int_eq(in->type, ROMCV_TFLITE_FLOAT32);
    ck_assert_ptr_null(in->data);

    if (_i == 0) {
        ck_assert_int_eq(m->n_outputs, 2);
        check_output(m, "Identity", 3, (const int32_t[]){1, 2254, 12});
        check_output(m, "Identity_1", 3, (const int32_t[]){1, 2254, 1});
    } else {
        ck_assert_int_eq(m->n_outputs, 5);
        check_output(m, "Identity", 2, (const int32_t[]){1, 195});
        check_output(m, "Identity_1", 2, (const int32_t[]){1, 1});
        check_output(m, "Identity_2", 4, (const int32_t[]){1, 256, 256, 1});
        check_output(m, "Identity_3", 4, (const int32_t[]){1, 64, 64, 39});
        check_output(m, "Identity_4", 2, (const int32_t[]){1, 117});
    }

    /* The op histogram is exactly inference.md's op set with these counts. */
    int counted = 0;
    for (int k = 0; k < 12 && e->hist[k].count; k++) {
        int n = 0;
        for (int i = 0; i < m->n_ops; i++)
            n += m->ops[i].opcode == e->hist[k].opcode;
        ck_assert_msg(n == e->hist[k].count, "%s: %d %s ops, expected %d", e->file, n,
                      romcv__tflite_op_name(e->hist[k].opcode), e->hist[k].count);
        counted += n;
    }
    ck_assert_int_eq(counted, m->n_ops);

    /* Options the engine relies on (inference.md pitfalls 1 and 2). */
    for (int i = 0; i < m->n_ops; i++) {
        const RomcvTfliteOp *op = &m->ops[i];
        if (op->opcode == ROMCV_TFLITE_OP_RESIZE_BILINEAR) {
            ck_assert_int_eq(op->opt.resize.half_pixel_centers, 1);
            ck_assert_int_eq(op->opt.resize.align_corners, 0);
        }
        if (op->opcode == ROMCV_TFLITE_OP_CONV_2D ||
            op->opcode == ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D) {
            ck_assert_int_ge(op->opt.conv.stride_w, 1);
            ck_assert_int_le(op->opt.conv.stride_w, 2);
            ck_assert_int_eq(op->opt.conv.dilation_w, 1);
            ck_assert(op->opt.conv.activation == ROMCV_TFLITE_ACT_NONE ||
                      op->opt.conv.activation == ROMCV_TFLITE_ACT_RELU6 ||
                      op->opt.conv.activation == ROMCV_TFLITE_ACT_RELU);
        }
        if (op->opcode == ROMCV_TFLITE_OP_DEPTH_TO_SPACE)
            ck_assert_int_eq(op->opt.depth_to_space.block_size, 2);
        if (op->opcode == ROMCV_TFLITE_OP_CONCATENATION)
            ck_assert_int_eq(op->opt.concat.axis, 1);
    }
    /* Before materialisation, the romcv engine cannot run the graph. */
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__tflite_check_supported(m, &diag), ROMCV_E_USAGE);
    romcv__tflite_free(&m);
    ck_assert_ptr_null(m);
    romcv__tflite_free(&m); /* NULL-safe */
    romcv__tflite_free(NULL);
}
END_TEST

/* The fp32 values of a folded constant: DEQUANTIZE(x) or DEQUANTIZE(DENSIFY(x)). */
typedef struct Fold {
    int source; /* the tensor stored in the file */
    int result; /* the tensor the engine reads */
    int sparse;
} Fold;

START_TEST(real_models_materialise) {
    const Expected *e = &expected[_i];
    RomcvTfliteModel *m = load_model(e->file);
    int n_fold = 0, n_dequantize = 0, n_densify = 0;
    Fold *folds = calloc((size_t)m->n_ops, sizeof *folds);
    ck_assert_ptr_nonnull(folds);
    for (int i = 0; i < m->n_ops; i++) {
        const RomcvTfliteOp *op = &m->ops[i];
        if (op->opcode == ROMCV_TFLITE_OP_DENSIFY)
            n_densify++;
        if (op->opcode != ROMCV_TFLITE_OP_DEQUANTIZE)
            continue;
        n_dequantize++;
        Fold f = {op->inputs[0], op->outputs[0], 0};
        for (int j = 0; j < i; j++)
            if (m->ops[j].opcode == ROMCV_TFLITE_OP_DENSIFY && m->ops[j].outputs[0] == f.source)
                f.source = m->ops[j].inputs[0], f.sparse = 1;
        folds[n_fold++] = f;
    }
    int ops_before = m->n_ops;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__tflite_materialise_constants(m, &diag) == 0, "%s", diag.message);
    ck_assert_int_eq(romcv__tflite_materialise_constants(m, &diag), 0); /* idempotent */
    ck_assert_int_eq(m->n_ops, ops_before - n_dequantize - n_densify);
    for (int i = 0; i < m->n_ops; i++) {
        ck_assert_int_ne(m->ops[i].opcode, ROMCV_TFLITE_OP_DEQUANTIZE);
        ck_assert_int_ne(m->ops[i].opcode, ROMCV_TFLITE_OP_DENSIFY);
        if (i)
            ck_assert_int_gt(m->ops[i].index, m->ops[i - 1].index);
    }
    for (int i = 0; i < m->n_tensors; i++) {
        const RomcvTfliteTensor *t = &m->tensors[i];
        if (!t->live)
            continue;
        ck_assert_msg(t->type != ROMCV_TFLITE_FLOAT16, "%s: live tensor %d is fp16", e->file, i);
        ck_assert(t->type == ROMCV_TFLITE_FLOAT32 || t->type == ROMCV_TFLITE_INT32);
        if (t->type == ROMCV_TFLITE_FLOAT32 && t->data)
            ck_assert_ptr_nonnull(t->fp32);
    }

    /* Every folded constant, value by value, against the raw file bytes:
     * dense fp16 element by element; sparse ones (the detector's CSR on the
     * innermost dimension) by walking array_segments/array_indices here. */
    size_t checked_sparse = 0;
    for (int k = 0; k < n_fold; k++) {
        const RomcvTfliteTensor *src = &m->tensors[folds[k].source];
        const RomcvTfliteTensor *dst = &m->tensors[folds[k].result];
        ck_assert(dst->live && dst->fp32 && dst->type == ROMCV_TFLITE_FLOAT32);
        ck_assert_int_eq(src->file_type, ROMCV_TFLITE_FLOAT16);
        ck_assert_uint_eq(dst->count, src->count);
        if (!folds[k].sparse) {
            for (size_t i = 0; i < src->count; i++)
                if (dst->fp32[i] != fp16_reference(le16(src->data + 2 * i)))
                    ck_abort_msg("tensor %d [%zu]: %g", folds[k].result, i, (double)dst->fp32[i]);
            continue;
        }
        const RomcvTfliteSparsity *s = src->sparsity;
        ck_assert_ptr_nonnull(s);
        ck_assert_int_eq(s->levels, src->rank);
        ck_assert_int_eq(s->block_dims, 0);
        int last = s->levels - 1;
        for (int l = 0; l < last; l++)
            ck_assert(!s->dim[l].sparse && s->traversal_order[l] == l);
        const RomcvTfliteDimMeta *csr = &s->dim[last];
        ck_assert(csr->sparse);
        size_t inner = (size_t)src->dims[last], rows = src->count / inner, nonzero = 0;
        ck_assert_uint_eq(csr->segments.count, rows + 1);
        ck_assert_uint_eq(src->data_size, 2 * (size_t)csr->indices.count);
        for (size_t i = 0; i < dst->count; i++)
            nonzero += dst->fp32[i] != 0.0f;
        /* No stored value is zero, so the dense non-zeros are the stored ones. */
        ck_assert_uint_eq(nonzero, csr->indices.count);
        for (size_t r = 0; r < rows; r++) {
            uint32_t b = romcv__tflite_index_at(&csr->segments, (uint32_t)r);
            uint32_t en = romcv__tflite_index_at(&csr->segments, (uint32_t)r + 1);
            for (uint32_t p = b; p < en; p++) {
                uint32_t col = romcv__tflite_index_at(&csr->indices, p);
                if (dst->fp32[r * inner + col] != fp16_reference(le16(src->data + 2 * (size_t)p)))
                    ck_abort_msg("tensor %d row %zu col %u", folds[k].result, r, col);
            }
        }
        checked_sparse++;
    }
    ck_assert_uint_eq(checked_sparse, (size_t)n_densify);
    free(folds);

    ck_assert_msg(romcv__tflite_check_supported(m, &diag) == 0, "%s", diag.message);
    romcv__tflite_free(&m);
}
END_TEST

/* ---------------------------------------------------------------- fp16 */

START_TEST(fp16_conversion_is_exact) {
    for (uint32_t h = 0; h < 65536; h++) {
        float got = romcv__tflite_fp16_to_fp32((uint16_t)h);
        float want = fp16_reference((uint16_t)h);
        /* Plain comparisons: a passing ck_assert costs a write to Check's pipe. */
        uint32_t a, b;
        memcpy(&a, &got, 4);
        memcpy(&b, &want, 4);
        if (isnan(want)) /* sign and payload kept, payload at the top of the mantissa */
            b = ((h & 0x8000u) << 16) | 0x7f800000u | ((h & 0x3ffu) << 13);
        if (a != b)
            ck_abort_msg("0x%04x: %a (0x%08x), expected 0x%08x", h, (double)got, a, b);
    }
    ck_assert_float_eq(romcv__tflite_fp16_to_fp32(0x0001), ldexpf(1.0f, -24)); /* smallest */
    ck_assert_float_eq(romcv__tflite_fp16_to_fp32(0x03ff), ldexpf(1023.0f, -24));
    ck_assert_float_eq(romcv__tflite_fp16_to_fp32(0x0400), ldexpf(1.0f, -14));
    ck_assert_float_eq(romcv__tflite_fp16_to_fp32(0x7bff), 65504.0f);
    ck_assert_float_eq(romcv__tflite_fp16_to_fp32(0x3c00), 1.0f);
    ck_assert_float_eq(romcv__tflite_fp16_to_fp32(0xc000), -2.0f);
    float neg_zero = romcv__tflite_fp16_to_fp32(0x8000);
    ck_assert(neg_zero == 0.0f && signbit(neg_zero));
    ck_assert(isinf(romcv__tflite_fp16_to_fp32(0x7c00)) && romcv__tflite_fp16_to_fp32(0x7c00) > 0);
    ck_assert(isinf(romcv__tflite_fp16_to_fp32(0xfc00)) && romcv__tflite_fp16_to_fp32(0xfc00) < 0);
    ck_assert(isnan(romcv__tflite_fp16_to_fp32(0x7e00)));
    ck_assert(isnan(romcv__tflite_fp16_to_fp32(0x7c01))); /* signalling stays NaN */
}
END_TEST

/* ---------------------------------------------------------------- synthetic */

START_TEST(example_model_round_trip) {
    TfbModel desc;
    tfb_example_model(&desc);
    size_t size;
    uint8_t *bytes = tfb_build(&desc, &size);
    RomcvTfliteModel *m = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__tflite_load(&m, bytes, size, &diag) == 0, "%s", diag.message);
    free(bytes); /* the model keeps its own copy */
    ck_assert_str_eq(m->description, "romcv test model");
    ck_assert_str_eq(m->graph_name, "main");
    ck_assert_int_eq(m->n_ops, 15);
    const RomcvTfliteOp *conv = &m->ops[5];
    ck_assert_int_eq(conv->opcode, ROMCV_TFLITE_OP_CONV_2D);
    ck_assert_int_eq(conv->opt.conv.padding, ROMCV_TFLITE_PADDING_VALID);
    ck_assert_int_eq(conv->opt.conv.activation, ROMCV_TFLITE_ACT_RELU6);
    ck_assert_int_eq(m->ops[6].inputs[2], -1);
    ck_assert_int_eq(m->ops[8].opt.pool.filter_w, 2);
    ck_assert_int_eq(m->ops[13].opt.concat.axis, 1);
    ck_assert_int_eq(m->tensors[1].sparsity->dim[3].segments.width, 2);
    ck_assert_int_eq(m->tensors[1].sparsity->dim[3].indices.width, 1);
    ck_assert_int_eq(m->tensors[3].sparsity->dim[3].indices.width, 4);

    ck_assert_msg(romcv__tflite_materialise_constants(m, &diag) == 0, "%s", diag.message);
    ck_assert_int_eq(m->n_ops, 11);
    ck_assert_int_eq(m->ops[0].opcode, ROMCV_TFLITE_OP_PAD);
    ck_assert_int_eq(m->ops[0].index, 4);
    int w = romcv__tflite_find_tensor(m, "w_conv");
    int dw = romcv__tflite_find_tensor(m, "dw_filter");
    int b = romcv__tflite_find_tensor(m, "b_conv");
    ck_assert_int_eq(romcv__tflite_find_tensor(m, "Identity"), 21);
    ck_assert_int_eq(romcv__tflite_find_tensor(m, "nope"), -1);
    for (int i = 0; i < 8; i++)
        ck_assert_float_eq(m->tensors[w].fp32[i], tfb_example_csr_dense[i]);
    for (int i = 0; i < 16; i++)
        ck_assert_float_eq(m->tensors[dw].fp32[i], tfb_example_block_dense[i]);
    ck_assert_float_eq(m->tensors[b].fp32[0], 0.25f);
    ck_assert_float_eq(m->tensors[b].fp32[1], -1.5f);
    ck_assert_int_eq(m->tensors[romcv__tflite_find_tensor(m, "w_sparse")].live, 0);
    ck_assert_int_eq(m->tensors[romcv__tflite_find_tensor(m, "paddings")].type, ROMCV_TFLITE_INT32);
    ck_assert_msg(romcv__tflite_check_supported(m, &diag) == 0, "%s", diag.message);
    romcv__tflite_free(&m);
}
END_TEST

START_TEST(unsupported_ops_are_named) {
    TfbModel d;
    tfb_example_model(&d);
    d.opcodes[11] = 25; /* LOGISTIC -> SOFTMAX */
    expect_model_error(&d, ROMCV_E_UNSUPPORTED, "op 14 (SOFTMAX) unsupported");
    tfb_example_model(&d);
    d.opcodes[11] = 200; /* a code romcv has no name for */
    expect_model_error(&d, ROMCV_E_UNSUPPORTED, "op 14 (builtin 200) unsupported");
    tfb_example_model(&d);
    d.opcodes[11] = ROMCV_TFLITE_OP_CUSTOM;
    expect_model_error(&d, ROMCV_E_UNSUPPORTED, "op 14 (CUSTOM \"\") unsupported");
    /* DEQUANTIZE of something computed at run time cannot be folded. */
    tfb_example_model(&d);
    d.ops[3].in[0] = 0;
    d.tensors[0].type = 1;
    d.tensors[0].rank = 1, d.tensors[0].dims[0] = 2;
    expect_model_error(&d, ROMCV_E_UNSUPPORTED,
                       "op 3 (DEQUANTIZE): input tensor 0 is not constant");
    /* A fused TANH is not something the engine runs. */
    tfb_example_model(&d);
    d.ops[5].options[3] = ROMCV_TFLITE_ACT_TANH;
    expect_model_error(&d, ROMCV_E_UNSUPPORTED, "op 5 (CONV_2D): fused activation 4");
    tfb_example_model(&d);
    d.ops[5].options[1] = 0; /* stride 0 */
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "strides 0x1");
    /* Graph order: reading a tensor before it is written. */
    tfb_example_model(&d);
    d.ops[7].in[1] = 12;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "reads tensor 12 (add) before anything writes it");
    tfb_example_model(&d);
    d.ops[7].out[0] = 11;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "written twice");
    tfb_example_model(&d);
    d.ops[7].in[0] = -1;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "input 0 is omitted");
    tfb_example_model(&d);
    d.ops[5].in[1] = 0; /* filter not constant */
    expect_model_error(&d, ROMCV_E_UNSUPPORTED, "must be a constant FLOAT32");
}
END_TEST

/* The example with its CSR (tensor 1) or block-sparse (tensor 3) sparsity
 * copied into *s for editing. */
static TfbSparsity *fresh_csr(TfbModel *d, TfbSparsity *s) {
    tfb_example_model(d);
    *s = *d->tensors[1].sparsity;
    d->tensors[1].sparsity = s;
    return s;
}

static TfbSparsity *fresh_block(TfbModel *d, TfbSparsity *s) {
    tfb_example_model(d);
    *s = *d->tensors[3].sparsity;
    d->tensors[3].sparsity = s;
    return s;
}

START_TEST(hostile_models_fail_cleanly) {
    TfbModel d;
    /* Index checks. */
    tfb_example_model(&d);
    d.tensors[4].buffer = 300;
    expect_model_error(
        &d, ROMCV_E_INVALID_DATA,
        "tflite: subgraph 0 tensor 4: buffer 300 out of range (model has 7 buffers)");
    tfb_example_model(&d);
    d.ops[7].in[0] = -2;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "subgraph 0 op 7: input 0 is tensor -2");
    tfb_example_model(&d);
    d.ops[7].out[0] = -1;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "output 0 is tensor -1");
    tfb_example_model(&d);
    d.ops[7].in[0] = 22;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "out of range (subgraph has 22 tensors)");
    tfb_example_model(&d);
    d.inputs[0] = -1;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "inputs[0] is tensor -1");
    tfb_example_model(&d);
    d.ops[2].opcode_index = 12;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "opcode index 12 out of range");
    /* Shapes. */
    tfb_example_model(&d);
    d.tensors[9].dims[1] = -10;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "tensor 9: dimension 1 is -10");
    tfb_example_model(&d);
    d.tensors[9].rank = 8;
    d.tensors[9].dims[4] = d.tensors[9].dims[5] = d.tensors[9].dims[6] = 65536;
    d.tensors[9].dims[7] = 1;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "more than");
    tfb_example_model(&d);
    d.tensors[9].rank = 9;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "rank 9 exceeds 8");
    tfb_example_model(&d);
    d.tensors[6].dims[0] = 3; /* 2 fp16 values stored for 3 */
    expect_model_error(&d, ROMCV_E_INVALID_DATA,
                       "buffer 3 holds 4 bytes; shape and type FLOAT16 need 6");
    tfb_example_model(&d);
    d.tensors[6].type = 99;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "type 99 unknown");
    tfb_example_model(&d);
    d.ops[5].options_type = ROMCV_TFLITE_OPTIONS_POOL_2D;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "CONV_2D has builtin options type 5 (expected 1)");
    tfb_example_model(&d);
    d.buffers[0] = d.buffers[1];
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "buffer 0: holds 8 bytes");
    tfb_example_model(&d);
    d.ops[2].n_in = 2, d.ops[2].in[1] = 6;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "op 2 (DEQUANTIZE) has 2 inputs");

    /* Sparse encodings (tensor 1: CSR, segments {0,2,4}, indices {0,2,1,3}). */
    static const uint32_t bad_seg_decreasing[3] = {0, 3, 2};
    static const uint32_t bad_seg_start[3] = {1, 2, 4};
    static const uint32_t bad_idx[4] = {0, 2, 1, 4};
    static const uint32_t too_long[3] = {0, 2, 5};
    static const uint32_t seg_ok[3] = {0, 2, 4};
    static const uint32_t seg_short[3] = {0, 2, 3};
    static const uint32_t idx_negative[4] = {0, 0x80000000u, 1, 3};
    TfbSparsity s;
    fresh_csr(&d, &s)->dim[3].segments.values = bad_seg_decreasing;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "segment 1 [3, 2) is invalid");
    fresh_csr(&d, &s)->dim[3].segments.values = bad_seg_start;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "segments start at 1");
    fresh_csr(&d, &s)->dim[3].segments.values = too_long;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "segment 1 [2, 5) is invalid");
    fresh_csr(&d, &s)->dim[3].indices.values = bad_idx;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "index 3 is 4, level size 4");
    fresh_csr(&d, &s)->dim[3].segments.count = 2;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "has 2 segments for 2 parents");
    fresh_csr(&d, &s)->dim[3].indices.count = 3;
    s.dim[3].segments.values = seg_short;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "describes 3 values, buffer 1 holds 4");
    fresh_csr(&d, &s)->dim[3].segments.values = seg_short;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "segments end at 3, 4 indices");
    fresh_csr(&d, &s)->dim[3].segments.values = seg_ok;
    fresh_csr(&d, &s)->order[1] = 0;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "traversal_order[1] = 0");
    fresh_csr(&d, &s)->dim[1].dense_size = 7;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "dim_metadata[1] dense size 7");
    fresh_csr(&d, &s)->dim[3].segments.type = 4;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "index vector type 4");
    fresh_csr(&d, &s)->dim[3].indices.type = 1;
    s.dim[3].indices.values = idx_negative;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "array_indices[1] is negative");
    fresh_csr(&d, &s)->levels = 3;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "traversal_order has 3 entries");
    fresh_block(&d, &s)->block_map[1] = 2;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "block_map[1] = 2 is not a distinct dimension");
    fresh_block(&d, &s)->dim[4].dense_size = 3;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "must be dense and divide dimension");
    /* A sparse tensor read directly, not through DENSIFY. */
    tfb_example_model(&d);
    d.ops[5].in[1] = 1;
    expect_model_error(&d, ROMCV_E_UNSUPPORTED, "tensor 1 (w_sparse) is sparse but no DENSIFY");
    /* DENSIFY writing its own input, or a tensor that has data. */
    tfb_example_model(&d);
    d.ops[0].out[0] = 1;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "op 0 (DENSIFY): output tensor 1 is already");
    tfb_example_model(&d);
    d.ops[2].out[0] = 8;
    expect_model_error(&d, ROMCV_E_INVALID_DATA, "output tensor 8 is already constant");
}
END_TEST

/* ---------------------------------------------------------------- raw bytes */

static void put32(uint8_t *b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++)
        b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *b, size_t at, uint32_t v) {
    b[at] = (uint8_t)v;
    b[at + 1] = (uint8_t)(v >> 8);
}

/* A minimal root table by hand: header, a vtable at 8 for Model fields
 * version(0) .. buffers(4), the table at 24 (version at +4, buffers or
 * description uoffset at +8), and room after it. */
static void minimal_root(uint8_t *b, size_t size, int field) {
    memset(b, 0, size);
    put32(b, 0, 24);
    memcpy(b + 4, "TFL3", 4);
    put16(b, 8, 14);  /* vtable bytes */
    put16(b, 10, 12); /* table bytes */
    put16(b, 12, 4);  /* version */
    put16(b, 12 + 2 * (size_t)field, 8);
    put32(b, 24, 24 - 8); /* soffset: vtable = 24 - 16 */
    put32(b, 28, 3);
    put32(b, 32, 4); /* field -> 36 */
}

START_TEST(hostile_bytes_fail_cleanly) {
    uint8_t b[64] = {0};
    expect_bytes_error(b, 0, "0 bytes is too short");
    memset(b, 0, sizeof b);
    memcpy(b + 4, "XXXX", 4);
    expect_bytes_error(b, 8, "not a TFLite model");
    memcpy(b + 4, "TFL3", 4);
    put32(b, 0, 8);
    expect_bytes_error(b, 8, "offset 8 at 0 points outside the file (8 bytes)");
    put32(b, 0, 0xfffffff0u);
    expect_bytes_error(b, 64, "points outside the file");
    put32(b, 0, 9);
    expect_bytes_error(b, 64, "table at offset 9 is misaligned");
    put32(b, 0, 8);
    put32(b, 8, (uint32_t)-1000);
    expect_bytes_error(b, 64, "vtable of the table at offset 8 is at 1008");
    put32(b, 8, 0); /* soffset 0: the table is its own vtable */
    expect_bytes_error(b, 64, "vtable at offset 8 declares 0 bytes");
    put32(b, 8, 0x80000000u); /* INT32_MIN: vtable far past the end */
    expect_bytes_error(b, 64, "outside the file");
    put32(b, 8, 0x7fffffffu); /* vtable before the start */
    expect_bytes_error(b, 64, "outside the file");

    minimal_root(b, sizeof b, 4);
    put16(b, 10, 0xffff);
    expect_bytes_error(b, 64, "table at offset 24 declares 65535 bytes");
    minimal_root(b, sizeof b, 4);
    put16(b, 8, 15);
    expect_bytes_error(b, 64, "vtable at offset 8 declares 15 bytes");
    minimal_root(b, sizeof b, 4);
    put16(b, 12, 200);
    expect_bytes_error(b, 64, "field 0 at offset 200 overruns its table (12 bytes)");
    minimal_root(b, sizeof b, 4);
    put32(b, 36, 0xffffffffu); /* buffers: 4 G elements */
    expect_bytes_error(b, 64, "vector of 4294967295 elements at offset 36 overruns");
    put32(b, 36, 0x40000000u); /* * 4 wraps to 0 in 32 bits */
    expect_bytes_error(b, 64, "vector of 1073741824 elements");
    put32(b, 36, 1);
    put32(b, 40, 0); /* buffer 0 -> uoffset 0 */
    expect_bytes_error(b, 64, "buffer 0: offset 0 at 40 points outside");
    put32(b, 40, 4); /* buffer 0 -> a "table" at 44 whose soffset points at itself */
    expect_bytes_error(b, 64, "buffer 0: vtable at offset 44 declares 0 bytes");
    put32(b, 36, 0); /* no buffers at all */
    expect_bytes_error(b, 64, "the model has no buffers");
    minimal_root(b, sizeof b, 3);
    put32(b, 36, 24); /* description: 24 bytes running to the end, no NUL */
    memset(b + 40, 'a', 24);
    expect_bytes_error(b, 64, "description: string at offset 36 is not NUL-terminated");
    put32(b, 36, 23);
    expect_bytes_error(b, 64, "not NUL-terminated");
    minimal_root(b, sizeof b, 4);
    put32(b, 28, 2);
    expect_bytes_error(b, 64, "schema version 2");
}
END_TEST

/* ---------------------------------------------------------------- broken files */

/* xorshift64: deterministic, so a failure names a reproducible case. */
static uint64_t next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

START_TEST(truncated_models_fail) {
    const char *file = _i == 0 ? "pose_detection.tflite" : "pose_landmark_lite.tflite";
    size_t size;
    uint8_t *data = read_model_bytes(file, &size);
    uint64_t seed = 0x7f4a7c15u + (uint64_t)_i;
    RomcvDiag diag;
    int tried = 0;
    for (size_t len = 0; len < size; tried++) {
        ck_assert_msg(run_all(data, len, &diag) != 0, "%s cut at %zu bytes loads", file, len);
        /* Every length up to 256 (the header and root tables), then random
         * lengths (seed printed on failure via the length), then the tail. */
        if (len < 256)
            len++;
        else if (tried < 450)
            len = 256 + next_random(&seed) % (size - 256);
        else if (len < size - 64)
            len = size - 64;
        else
            len++;
    }
    ck_assert_int_eq(run_all(data, size, &diag), 0);
    free(data);
}
END_TEST

START_TEST(corrupted_models_fail_cleanly) {
    const char *file = _i == 0 ? "pose_detection.tflite" : "pose_landmark_lite.tflite";
    size_t size;
    uint8_t *data = read_model_bytes(file, &size);
    /* The weights fill the middle of these files; the structure (root,
     * vtables, tensor and op tables, index arrays) sits before and after it.
     * A flipped weight is undetectable, so most corruptions aim at the
     * structure: [0, lo) and [hi, size). White-box: bytes_ is the model's copy. */
    RomcvTfliteModel *m = NULL;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__tflite_load(&m, data, size, &diag), 0);
    size_t lo = size, hi = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        const RomcvTfliteTensor *t = &m->tensors[i];
        if (!t->data || t->sparsity)
            continue;
        size_t off = (size_t)(t->data - m->bytes_);
        lo = off < lo ? off : lo;
        hi = off + t->data_size > hi ? off + t->data_size : hi;
    }
    romcv__tflite_free(&m);
    ck_assert(lo < hi && hi <= size);

    uint64_t seed = 0x9e3779b97f4a7c15u + (uint64_t)_i;
    uint8_t *copy = malloc(size);
    ck_assert_ptr_nonnull(copy);
    int failures = 0, runs = 400;
    size_t structure = lo + (size - hi);
    for (int k = 0; k < runs; k++) {
        memcpy(copy, data, size);
        size_t at = next_random(&seed) % (k % 4 == 3 ? size : structure);
        if (k % 4 != 3 && at >= lo)
            at += hi - lo;
        uint8_t value = (uint8_t)next_random(&seed);
        if (value == copy[at])
            value ^= 0xff;
        copy[at] = value;
        if (run_all(copy, size, &diag) != 0)
            failures++;
    }
    /* Not every byte matters (names, unused fields), but many must. */
    ck_assert_msg(failures > runs / 10, "%s: only %d of %d corruptions detected", file, failures,
                  runs);
    free(copy);
    free(data);
}
END_TEST

START_TEST(file_errors_name_the_file) {
    RomcvTfliteModel *m = NULL;
    RomcvDiag diag = {0};
    char *dir = romcv_test_make_tmpdir();
    char *missing = romcv_test_path(dir, "missing.tflite");
    int rc = romcv__tflite_load_file(&m, missing, &diag);
    ck_assert_int_eq(rc, ROMCV_ERR(ENOENT));
    ck_assert_ptr_null(m);
    ck_assert_msg(strncmp(diag.message, missing, strlen(missing)) == 0, "%s", diag.message);

    TfbModel d;
    tfb_example_model(&d);
    d.tensors[4].buffer = 300;
    size_t size;
    uint8_t *bytes = tfb_build(&d, &size);
    char *bad = romcv_test_path(dir, "bad.tflite");
    romcv_test_write_file(bad, bytes, size);
    free(bytes);
    rc = romcv__tflite_load_file(&m, bad, &diag);
    ck_assert_int_eq(rc, ROMCV_E_INVALID_DATA);
    char want[1024];
    snprintf(want, sizeof want,
             "%s: subgraph 0 tensor 4: buffer 300 out of range (model has 7 buffers)", bad);
    ck_assert_str_eq(diag.message, want);
    free(missing);
    free(bad);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *tflite_suite(void) {
    Suite *s = suite_create("tflite");
    TCase *tc = tcase_create("real");
    tcase_set_timeout(tc, 240);
    tcase_add_loop_test(tc, real_models_parse, 0, 4);
    tcase_add_loop_test(tc, real_models_materialise, 0, 4);
    tcase_add_loop_test(tc, truncated_models_fail, 0, 2);
    tcase_add_loop_test(tc, corrupted_models_fail_cleanly, 0, 2);
    suite_add_tcase(s, tc);
    tc = tcase_create("synthetic");
    tcase_add_test(tc, fp16_conversion_is_exact);
    tcase_add_test(tc, example_model_round_trip);
    tcase_add_test(tc, unsupported_ops_are_named);
    tcase_add_test(tc, hostile_models_fail_cleanly);
    tcase_add_test(tc, hostile_bytes_fail_cleanly);
    tcase_add_test(tc, file_errors_name_the_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(tflite_suite());
}
