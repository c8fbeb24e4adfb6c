/*
 * vision/inference.c: planning and the backend-independent half of
 * vision/inference.h.
 *
 * romcv__inference_create() turns a materialised, checked model into a
 * RomcvGraphPlan (vision/inference_internal.h):
 *   1. the wanted outputs, by name (NULL: every graph output);
 *   2. backwards liveness from them, so ops that feed no wanted output are
 *      pruned (the landmark models' segmentation head, Identity_2, is about a
 *      third of the work: inference.md pitfall 6);
 *   3. a shape check of every live op against the tensor dims in the file, so
 *      a backend can trust the plan's shapes and never index out of bounds;
 * then hands the plan to a backend, which compiles it once, and maps the
 * graph inputs and wanted outputs to RomcvTensorViews over the backend's own
 * buffers (no copies at the boundary).
 */
#include "vision/inference.h"
#include "vision/inference_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The XNNPACK backend (vision/backend_xnnpack.c) is compiled only when CMake
 * found XNNPACK, which also defines ROMCV_HAVE_XNNPACK. */
#if defined(ROMCV_HAVE_XNNPACK) && ROMCV_HAVE_XNNPACK
#define ROMCV_XNNPACK_LINKED 1
#else
#define ROMCV_XNNPACK_LINKED 0
#endif

struct RomcvInference {
    const RomcvTfliteModel *model;
    RomcvInferenceBackend backend; /* resolved: never AUTO */
    const RomcvInferenceBackendOps *ops;
    void *state; /* the backend's */
    RomcvGraphPlan plan;
    RomcvTensorView *inputs;  /* plan.n_inputs views */
    RomcvTensorView *outputs; /* plan.n_outputs views */
    RomcvInferencePlanStats stats;
};

const char *romcv__inference_backend_name(RomcvInferenceBackend backend) {
    switch (backend) {
    case ROMCV_INFERENCE_AUTO:
        return "auto";
    case ROMCV_INFERENCE_PORTABLE:
        return "portable";
    case ROMCV_INFERENCE_XNNPACK:
        return "xnnpack";
    }
    return "unknown";
}

void romcv__inference_default_settings(RomcvInferenceSettings *settings) {
    memset(settings, 0, sizeof *settings);
    settings->backend = ROMCV_INFERENCE_AUTO;
    settings->threads = 1;
    settings->outputs = NULL;
    settings->logger.max_level = ROMCV_LOG_WARNING;
}

/* ------------------------------------------------------------ shape checks */

/* Shared by every failure of one op: "model.tflite: op 12 (CONV_2D): ...". */
typedef struct OpCheck {
    const RomcvTfliteModel *m;
    const RomcvTfliteOp *op;
    RomcvDiag *diag;
} OpCheck;

static int op_fail(const OpCheck *c, const char *fmt, ...) ROMCV_PRINTF(2, 3);

static int op_fail(const OpCheck *c, const char *fmt, ...) {
    char msg[320];
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    const char *name = romcv__tflite_op_name(c->op->opcode);
    return romcv_diag_set(c->diag, ROMCV_E_INVALID_DATA, "%s: op %d (%s): %s", c->m->label,
                          c->op->index, name ? name : "?", msg);
}

static const RomcvTfliteTensor *in_tensor(const OpCheck *c, int k) {
    return &c->m->tensors[c->op->inputs[k]];
}

static const RomcvTfliteTensor *out_tensor(const OpCheck *c) {
    return &c->m->tensors[c->op->outputs[0]];
}

static int need_rank(const OpCheck *c, const RomcvTfliteTensor *t, int rank, const char *what) {
    if (t->rank != rank)
        return op_fail(c, "%s has rank %d, expected %d", what, t->rank, rank);
    return 0;
}

/* Output size of a window op along one axis. TFLite (kernels/padding.h,
 * ComputeOutSize): SAME gives ceil(in / stride); VALID gives
 * ceil((in - effective_filter + 1) / stride), with effective_filter =
 * (filter - 1) * dilation + 1. 0 means the window does not fit. */
static int64_t window_out_size(RomcvTflitePadding padding, int64_t in, int64_t filter,
                               int64_t stride, int64_t dilation) {
    int64_t eff = (filter - 1) * dilation + 1;
    if (padding == ROMCV_TFLITE_PADDING_SAME)
        return (in + stride - 1) / stride;
    if (in < eff)
        return 0;
    return (in - eff + stride) / stride;
}

static int check_window_out(const OpCheck *c, RomcvTflitePadding padding, int kh, int kw, int sh,
                            int sw, int dh, int dw) {
    const RomcvTfliteTensor *in = in_tensor(c, 0), *out = out_tensor(c);
    int64_t oh = window_out_size(padding, in->dims[1], kh, sh, dh);
    int64_t ow = window_out_size(padding, in->dims[2], kw, sw, dw);
    if (oh < 1 || ow < 1 || out->dims[1] != oh || out->dims[2] != ow || out->dims[0] != in->dims[0])
        return op_fail(c,
                       "output %dx%dx%d, expected %dx%lldx%lld from input %dx%d, window %dx%d, "
                       "stride %dx%d, %s padding",
                       out->dims[0], out->dims[1], out->dims[2], in->dims[0], (long long)oh,
                       (long long)ow, in->dims[1], in->dims[2], kh, kw, sh, sw,
                       padding == ROMCV_TFLITE_PADDING_SAME ? "SAME" : "VALID");
    return 0;
}

static int check_bias(const OpCheck *c, int channels) {
    if (c->op->n_inputs < 3 || c->op->inputs[2] < 0)
        return 0;
    const RomcvTfliteTensor *b = in_tensor(c, 2);
    if (b->count != (size_t)channels)
        return op_fail(c, "bias has %zu values for %d output channels", b->count, channels);
    return 0;
}

static int check_conv(const OpCheck *c) {
    const RomcvTfliteTensor *in = in_tensor(c, 0), *w = in_tensor(c, 1), *out = out_tensor(c);
    const RomcvTfliteConvOptions *o = &c->op->opt.conv;
    int rc;
    if ((rc = need_rank(c, in, 4, "input")) < 0 || (rc = need_rank(c, w, 4, "filter")) < 0 ||
        (rc = need_rank(c, out, 4, "output")) < 0)
        return rc;
    /* Filters are OHWI (inference.md pitfall 3). */
    if (w->dims[3] != in->dims[3])
        return op_fail(c, "filter has %d input channels, input has %d", w->dims[3], in->dims[3]);
    if (w->dims[0] != out->dims[3])
        return op_fail(c, "filter has %d output channels, output has %d", w->dims[0], out->dims[3]);
    if ((rc = check_bias(c, out->dims[3])) < 0)
        return rc;
    return check_window_out(c, o->padding, w->dims[1], w->dims[2], o->stride_h, o->stride_w,
                            o->dilation_h, o->dilation_w);
}

static int check_depthwise(const OpCheck *c) {
    const RomcvTfliteTensor *in = in_tensor(c, 0), *w = in_tensor(c, 1), *out = out_tensor(c);
    const RomcvTfliteConvOptions *o = &c->op->opt.conv;
    int rc;
    if ((rc = need_rank(c, in, 4, "input")) < 0 || (rc = need_rank(c, w, 4, "filter")) < 0 ||
        (rc = need_rank(c, out, 4, "output")) < 0)
        return rc;
    /* Depthwise filters are [1, KH, KW, C * multiplier] (inference.md pitfall 3). */
    if (w->dims[0] != 1 || w->dims[3] != out->dims[3] || out->dims[3] % in->dims[3] != 0)
        return op_fail(c, "filter [%d,%d,%d,%d] does not map %d input to %d output channels",
                       w->dims[0], w->dims[1], w->dims[2], w->dims[3], in->dims[3], out->dims[3]);
    /* TFLite derives the multiplier from the shapes; the option, when set,
     * must agree (older converters wrote 0). */
    int multiplier = out->dims[3] / in->dims[3];
    if (o->depth_multiplier != 0 && o->depth_multiplier != multiplier)
        return op_fail(c, "depth multiplier %d, but the shapes give %d", o->depth_multiplier,
                       multiplier);
    if ((rc = check_bias(c, out->dims[3])) < 0)
        return rc;
    return check_window_out(c, o->padding, w->dims[1], w->dims[2], o->stride_h, o->stride_w,
                            o->dilation_h, o->dilation_w);
}

static int check_max_pool(const OpCheck *c) {
    const RomcvTfliteTensor *in = in_tensor(c, 0), *out = out_tensor(c);
    const RomcvTflitePoolOptions *o = &c->op->opt.pool;
    int rc;
    if ((rc = need_rank(c, in, 4, "input")) < 0 || (rc = need_rank(c, out, 4, "output")) < 0)
        return rc;
    if (in->dims[3] != out->dims[3])
        return op_fail(c, "%d channels in, %d out", in->dims[3], out->dims[3]);
    return check_window_out(c, o->padding, o->filter_h, o->filter_w, o->stride_h, o->stride_w, 1,
                            1);
}

/* ADD broadcasts numpy-style (dims aligned on the right, 1 stretches). The
 * BlazePose graphs only add equal shapes; the general rule costs nothing here. */
static int check_add(const OpCheck *c) {
    const RomcvTfliteTensor *a = in_tensor(c, 0), *b = in_tensor(c, 1), *out = out_tensor(c);
    if (a->rank > 4 || b->rank > 4 || out->rank > 4 || out->rank < a->rank || out->rank < b->rank)
        return op_fail(c, "ranks %d + %d -> %d unsupported (at most 4, output the largest)",
                       a->rank, b->rank, out->rank);
    for (int i = 0; i < out->rank; i++) {
        int ia = i - (out->rank - a->rank), ib = i - (out->rank - b->rank);
        int da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        int want = da == 1 ? db : da;
        if ((da != 1 && db != 1 && da != db) || out->dims[i] != want)
            return op_fail(c, "shapes do not broadcast: dim %d is %d + %d -> %d", i, da, db,
                           out->dims[i]);
    }
    return 0;
}

static int32_t read_i32(const uint8_t *p) {
    /* Little-endian and not necessarily aligned in the file (tflite.h). */
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    int32_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static int check_pad(const OpCheck *c) {
    const RomcvTfliteTensor *in = in_tensor(c, 0), *p = in_tensor(c, 1), *out = out_tensor(c);
    if (in->rank > 4 || out->rank != in->rank)
        return op_fail(c, "rank %d -> %d unsupported (at most 4, equal)", in->rank, out->rank);
    if (p->data == NULL || p->type != ROMCV_TFLITE_INT32 || p->rank != 2 ||
        p->dims[0] != in->rank || p->dims[1] != 2 || p->data_size < p->count * 4)
        return op_fail(c, "paddings must be a constant INT32 [%d, 2]", in->rank);
    for (int i = 0; i < in->rank; i++) {
        int32_t before = read_i32(p->data + 8 * i), after = read_i32(p->data + 8 * i + 4);
        if (before < 0 || after < 0 || (int64_t)in->dims[i] + before + after != out->dims[i])
            return op_fail(c, "dim %d: %d + %d + %d != %d", i, (int)before, in->dims[i], (int)after,
                           out->dims[i]);
    }
    return 0;
}

static int check_resize(const OpCheck *c) {
    const RomcvTfliteTensor *in = in_tensor(c, 0), *size = in_tensor(c, 1), *out = out_tensor(c);
    int rc;
    if ((rc = need_rank(c, in, 4, "input")) < 0 || (rc = need_rank(c, out, 4, "output")) < 0)
        return rc;
    if (in->dims[0] != out->dims[0] || in->dims[3] != out->dims[3])
        return op_fail(c, "batch or channels change: %dx%d -> %dx%d", in->dims[0], in->dims[3],
                       out->dims[0], out->dims[3]);
    /* The output size comes from the output tensor; the size constant, when
     * the file has it, must agree. */
    if (size->data != NULL && size->type == ROMCV_TFLITE_INT32 && size->count == 2 &&
        size->data_size >= 8 &&
        (read_i32(size->data) != out->dims[1] || read_i32(size->data + 4) != out->dims[2]))
        return op_fail(c, "size constant %dx%d, output tensor %dx%d", (int)read_i32(size->data),
                       (int)read_i32(size->data + 4), out->dims[1], out->dims[2]);
    /* TFLite's resize_bilinear.cc rejects both flags at once. */
    if (c->op->opt.resize.align_corners && c->op->opt.resize.half_pixel_centers)
        return op_fail(c, "align_corners and half_pixel_centers are both set");
    return 0;
}

static int check_depth_to_space(const OpCheck *c) {
    const RomcvTfliteTensor *in = in_tensor(c, 0), *out = out_tensor(c);
    int bs = c->op->opt.depth_to_space.block_size, rc;
    if ((rc = need_rank(c, in, 4, "input")) < 0 || (rc = need_rank(c, out, 4, "output")) < 0)
        return rc;
    if (out->dims[0] != in->dims[0] || (int64_t)out->dims[1] != (int64_t)in->dims[1] * bs ||
        (int64_t)out->dims[2] != (int64_t)in->dims[2] * bs ||
        (int64_t)out->dims[3] * bs * bs != in->dims[3])
        return op_fail(c, "block %d maps %dx%dx%d to %dx%dx%d", bs, in->dims[1], in->dims[2],
                       in->dims[3], out->dims[1], out->dims[2], out->dims[3]);
    return 0;
}

static int check_concat(const OpCheck *c) {
    const RomcvTfliteTensor *out = out_tensor(c);
    int axis = c->op->opt.concat.axis;
    if (axis < 0)
        axis += out->rank;
    if (axis < 0 || axis >= out->rank)
        return op_fail(c, "axis %d outside rank %d", c->op->opt.concat.axis, out->rank);
    /* TFLite's concatenation.cc also refuses a fused activation. */
    if (c->op->opt.concat.activation != ROMCV_TFLITE_ACT_NONE)
        return op_fail(c, "fused activation %d unsupported", c->op->opt.concat.activation);
    int64_t sum = 0;
    for (int k = 0; k < c->op->n_inputs; k++) {
        const RomcvTfliteTensor *in = in_tensor(c, k);
        if (in->rank != out->rank)
            return op_fail(c, "input %d has rank %d, output %d", k, in->rank, out->rank);
        for (int i = 0; i < out->rank; i++)
            if (i != axis && in->dims[i] != out->dims[i])
                return op_fail(c, "input %d dim %d is %d, output %d", k, i, in->dims[i],
                               out->dims[i]);
        sum += in->dims[axis];
    }
    if (sum != out->dims[axis])
        return op_fail(c, "inputs add up to %lld along axis %d, output has %d", (long long)sum,
                       axis, out->dims[axis]);
    return 0;
}

static int check_same_count(const OpCheck *c) {
    if (in_tensor(c, 0)->count != out_tensor(c)->count)
        return op_fail(c, "%zu elements in, %zu out", in_tensor(c, 0)->count, out_tensor(c)->count);
    return 0;
}

static int check_op_shapes(const OpCheck *c) {
    for (int k = 0; k < c->op->n_inputs; k++)
        if (c->op->inputs[k] < 0 &&
            !(k == 2 && (c->op->opcode == ROMCV_TFLITE_OP_CONV_2D ||
                         c->op->opcode == ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D)))
            return op_fail(c, "input %d is omitted", k);
    switch (c->op->opcode) {
    case ROMCV_TFLITE_OP_CONV_2D:
        return check_conv(c);
    case ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D:
        return check_depthwise(c);
    case ROMCV_TFLITE_OP_MAX_POOL_2D:
        return check_max_pool(c);
    case ROMCV_TFLITE_OP_ADD:
        return check_add(c);
    case ROMCV_TFLITE_OP_PAD:
        return check_pad(c);
    case ROMCV_TFLITE_OP_RESIZE_BILINEAR:
        return check_resize(c);
    case ROMCV_TFLITE_OP_DEPTH_TO_SPACE:
        return check_depth_to_space(c);
    case ROMCV_TFLITE_OP_CONCATENATION:
        return check_concat(c);
    case ROMCV_TFLITE_OP_RESHAPE:
        return check_same_count(c);
    case ROMCV_TFLITE_OP_LOGISTIC: {
        const RomcvTfliteTensor *in = in_tensor(c, 0), *out = out_tensor(c);
        if (in->rank != out->rank || memcmp(in->dims, out->dims, sizeof(int32_t) * in->rank))
            return op_fail(c, "input and output shapes differ");
        return 0;
    }
    }
    return romcv_diag_set(
        c->diag, ROMCV_E_UNSUPPORTED, "%s: op %d (%s) unsupported", c->m->label, c->op->index,
        romcv__tflite_op_name(c->op->opcode) ? romcv__tflite_op_name(c->op->opcode) : "?");
}

/* Multiply-adds of one op: the convolutions' work, as inference.md counts it. */
static int64_t op_macs(const RomcvTfliteModel *m, const RomcvTfliteOp *op) {
    if (op->opcode != ROMCV_TFLITE_OP_CONV_2D && op->opcode != ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D)
        return 0;
    if (op->n_inputs < 2 || op->inputs[1] < 0)
        return 0;
    const RomcvTfliteTensor *w = &m->tensors[op->inputs[1]], *out = &m->tensors[op->outputs[0]];
    if (w->rank != 4)
        return 0;
    int64_t per_output = (int64_t)w->dims[1] * w->dims[2];
    if (op->opcode == ROMCV_TFLITE_OP_CONV_2D)
        per_output *= w->dims[3];
    return per_output * (int64_t)out->count;
}

/* ---------------------------------------------------------------- planning */

static void plan_free(RomcvGraphPlan *plan) {
    free(plan->ops);
    free(plan->tensor_live);
    free(plan->tensor_constant);
    free(plan->outputs);
    memset(plan, 0, sizeof *plan);
}

static int tensor_is_constant(const RomcvTfliteTensor *t) {
    return t->type == ROMCV_TFLITE_FLOAT32 ? t->fp32 != NULL : t->data != NULL;
}

/* Resolves the wanted output names to graph output tensors (in the order
 * asked, duplicates dropped). */
static int plan_outputs(RomcvGraphPlan *plan, const RomcvTfliteModel *m, const char *const *names,
                        RomcvDiag *diag) {
    int n = 0;
    if (names)
        while (names[n])
            n++;
    else
        n = m->n_outputs;
    if (n == 0)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: no outputs asked for", m->label);
    plan->outputs = malloc(sizeof(int32_t) * (size_t)n);
    if (!plan->outputs)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
    plan->n_outputs = 0;
    for (int i = 0; i < n; i++) {
        int32_t t = -1;
        if (!names) {
            t = m->outputs[i];
        } else {
            for (int j = 0; j < m->n_outputs && t < 0; j++)
                if (strcmp(m->tensors[m->outputs[j]].name, names[i]) == 0)
                    t = m->outputs[j];
            if (t < 0)
                return romcv_diag_set(diag, ROMCV_E_NOT_FOUND,
                                      "%s: \"%s\" is not an output of the graph", m->label,
                                      names[i]);
        }
        int dup = 0;
        for (int j = 0; j < plan->n_outputs; j++)
            dup |= plan->outputs[j] == t;
        if (!dup)
            plan->outputs[plan->n_outputs++] = t;
    }
    return 0;
}

/* Builds the plan: liveness backwards from the wanted outputs, then a shape
 * check of each live op. Cost: O(ops + tensors). */
static int plan_build(RomcvGraphPlan *plan, RomcvInferencePlanStats *stats,
                      const RomcvTfliteModel *m, const char *const *names, RomcvDiag *diag) {
    memset(plan, 0, sizeof *plan);
    plan->model = m;
    plan->n_inputs = m->n_inputs;
    plan->inputs = m->inputs;
    int rc = plan_outputs(plan, m, names, diag);
    if (rc < 0)
        return rc;
    size_t nt = (size_t)m->n_tensors;
    plan->tensor_live = calloc(nt ? nt : 1, sizeof(bool));
    plan->tensor_constant = calloc(nt ? nt : 1, sizeof(bool));
    plan->ops = calloc(m->n_ops ? (size_t)m->n_ops : 1, sizeof *plan->ops);
    bool *needed = calloc(nt ? nt : 1, sizeof(bool));
    bool *op_live = calloc(m->n_ops ? (size_t)m->n_ops : 1, sizeof(bool));
    if (!plan->tensor_live || !plan->tensor_constant || !plan->ops || !needed || !op_live) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
        goto done;
    }
    for (int i = 0; i < plan->n_outputs; i++)
        needed[plan->outputs[i]] = true;
    /* Ops come in dependency order (romcv__tflite_check_supported), so one
     * backwards pass finds every op a wanted output depends on. */
    for (int i = m->n_ops - 1; i >= 0; i--) {
        const RomcvTfliteOp *op = &m->ops[i];
        bool live = false;
        for (int k = 0; k < op->n_outputs; k++)
            live |= needed[op->outputs[k]];
        if (!live)
            continue;
        op_live[i] = true;
        for (int k = 0; k < op->n_inputs; k++)
            if (op->inputs[k] >= 0)
                needed[op->inputs[k]] = true;
    }
    memset(stats, 0, sizeof *stats);
    stats->model_ops = m->n_ops;
    for (int i = 0; i < m->n_ops; i++) {
        const RomcvTfliteOp *op = &m->ops[i];
        int64_t macs = op_macs(m, op);
        stats->model_macs += macs;
        if (!op_live[i])
            continue;
        OpCheck c = {.m = m, .op = op, .diag = diag};
        if (op->n_outputs != 1) {
            rc = op_fail(&c, "%d outputs, expected 1", op->n_outputs);
            goto done;
        }
        if ((rc = check_op_shapes(&c)) < 0)
            goto done;
        stats->live_macs += macs;
        plan->ops[plan->n_ops++] = op;
        for (int k = 0; k < op->n_inputs; k++)
            if (op->inputs[k] >= 0)
                plan->tensor_live[op->inputs[k]] = true;
        plan->tensor_live[op->outputs[0]] = true;
    }
    stats->live_ops = plan->n_ops;
    for (int i = 0; i < m->n_inputs; i++)
        plan->tensor_live[m->inputs[i]] = true;
    for (int i = 0; i < plan->n_outputs; i++)
        plan->tensor_live[plan->outputs[i]] = true;
    for (size_t t = 0; t < nt; t++)
        plan->tensor_constant[t] = plan->tensor_live[t] && tensor_is_constant(&m->tensors[t]);
    for (int i = 0; i < m->n_inputs; i++)
        if (plan->tensor_constant[m->inputs[i]]) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: graph input %d is a constant",
                                m->label, m->inputs[i]);
            goto done;
        }
done:
    free(needed);
    free(op_live);
    return rc;
}

/* ------------------------------------------------------------- public half */

static void fill_view(RomcvTensorView *v, const RomcvTfliteTensor *t, float *data) {
    memset(v, 0, sizeof *v);
    v->name = t->name;
    v->rank = t->rank;
    for (int i = 0; i < t->rank; i++)
        v->dims[i] = t->dims[i];
    v->count = t->count;
    v->data = data;
}

static int resolve_backend(RomcvInferenceBackend asked, const RomcvInferenceBackendOps **ops,
                           RomcvInferenceBackend *used, RomcvDiag *diag) {
    switch (asked) {
    case ROMCV_INFERENCE_AUTO:
#if ROMCV_XNNPACK_LINKED
        *ops = &romcv__backend_xnnpack;
        *used = ROMCV_INFERENCE_XNNPACK;
#else
        *ops = &romcv__backend_portable;
        *used = ROMCV_INFERENCE_PORTABLE;
#endif
        return 0;
    case ROMCV_INFERENCE_PORTABLE:
        *ops = &romcv__backend_portable;
        *used = ROMCV_INFERENCE_PORTABLE;
        return 0;
    case ROMCV_INFERENCE_XNNPACK:
#if ROMCV_XNNPACK_LINKED
        *ops = &romcv__backend_xnnpack;
        *used = ROMCV_INFERENCE_XNNPACK;
        return 0;
#else
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "the XNNPACK inference backend is not built in (configure with "
                              "-DROMCV_WITH_XNNPACK=ON and libxnnpack-dev installed); use the "
                              "portable backend");
#endif
    }
    return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "inference backend %d unknown", (int)asked);
}

int romcv__inference_create(RomcvInference **out, const RomcvTfliteModel *model,
                            const RomcvInferenceSettings *settings, RomcvDiag *diag) {
    if (!out || !model)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "inference: NULL argument");
    *out = NULL;
    RomcvInferenceSettings defaults;
    if (!settings) {
        romcv__inference_default_settings(&defaults);
        settings = &defaults;
    }
    if (settings->threads < 1 || settings->threads > 64)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: %d inference threads (1 to 64)",
                              model->label, settings->threads);
    if (!model->materialised)
        return romcv_diag_set(diag, ROMCV_E_USAGE,
                              "%s: call romcv__tflite_materialise_constants before inference",
                              model->label);
    RomcvInference *inf = calloc(1, sizeof *inf);
    if (!inf)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", model->label);
    inf->model = model;
    int rc = resolve_backend(settings->backend, &inf->ops, &inf->backend, diag);
    if (rc < 0)
        goto fail;
    if ((rc = plan_build(&inf->plan, &inf->stats, model, settings->outputs, diag)) < 0)
        goto fail;
    if ((rc = inf->ops->compile(&inf->state, &inf->plan, settings->threads, diag)) < 0) {
        inf->state = NULL;
        goto fail;
    }
    inf->inputs = calloc((size_t)inf->plan.n_inputs, sizeof *inf->inputs);
    inf->outputs = calloc((size_t)inf->plan.n_outputs, sizeof *inf->outputs);
    if (!inf->inputs || !inf->outputs) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", model->label);
        goto fail;
    }
    for (int i = 0; i < inf->plan.n_inputs; i++) {
        int32_t t = inf->plan.inputs[i];
        fill_view(&inf->inputs[i], &model->tensors[t], inf->ops->io_buffer(inf->state, t));
    }
    for (int i = 0; i < inf->plan.n_outputs; i++) {
        int32_t t = inf->plan.outputs[i];
        fill_view(&inf->outputs[i], &model->tensors[t], inf->ops->io_buffer(inf->state, t));
    }
    romcv_log(&settings->logger, ROMCV_LOG_VERBOSE, "vision",
              "%s: %s backend, %d of %d ops (%.1f of %.1f M multiply-adds) for %d outputs",
              model->label, inf->ops->name, inf->stats.live_ops, inf->stats.model_ops,
              (double)inf->stats.live_macs * 1e-6, (double)inf->stats.model_macs * 1e-6,
              inf->plan.n_outputs);
    *out = inf;
    return 0;
fail:
    romcv__inference_destroy(&inf);
    return rc;
}

int romcv__inference_input(RomcvInference *inference, int index, RomcvTensorView *view) {
    if (!inference || !view || index < 0 || index >= inference->plan.n_inputs)
        return ROMCV_ERR(EINVAL);
    *view = inference->inputs[index];
    return 0;
}

int romcv__inference_run(RomcvInference *inference, RomcvDiag *diag) {
    if (!inference)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "inference: NULL argument");
    return inference->ops->run(inference->state, diag);
}

int romcv__inference_output(RomcvInference *inference, const char *name, RomcvTensorView *view) {
    if (!inference || !name || !view)
        return ROMCV_ERR(EINVAL);
    for (int i = 0; i < inference->plan.n_outputs; i++)
        if (strcmp(inference->outputs[i].name, name) == 0) {
            *view = inference->outputs[i];
            return 0;
        }
    return ROMCV_E_NOT_FOUND;
}

RomcvInferenceBackend romcv__inference_backend(const RomcvInference *inference) {
    return inference->backend;
}

int romcv__inference_plan_stats(const RomcvInference *inference, RomcvInferencePlanStats *stats) {
    *stats = inference->stats;
    return 0;
}

void romcv__inference_destroy(RomcvInference **inference) {
    if (!inference || !*inference)
        return;
    RomcvInference *inf = *inference;
    if (inf->state)
        inf->ops->destroy(inf->state);
    plan_free(&inf->plan);
    free(inf->inputs);
    free(inf->outputs);
    free(inf);
    *inference = NULL;
}
