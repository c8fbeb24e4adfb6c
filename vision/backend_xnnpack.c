/*
 * vision/backend_xnnpack.c: the XNNPACK inference backend. It turns a
 * RomcvGraphPlan into XNNPACK subgraphs once (compile) and invokes the
 * resulting runtimes on every run. Built only with ROMCV_HAVE_XNNPACK.
 *
 * Target: Debian 12's libxnnpack-dev 0.0~git20220216.ae108ef, whose subgraph
 * API has every op the BlazePose graphs need except CONCATENATION
 * (inference.md: "Lacks: concatenate (no symbol)"). DENSIFY and DEQUANTIZE
 * never reach a backend: the reader folds them into fp32 constants, which is
 * also what this XNNPACK needs (it rejects fp16 filters for fp32 convolution).
 *
 * Concatenation. CONCATENATION (and RESHAPE in the cases below) run on the
 * host, between XNNPACK runtimes, instead of inside them:
 *   - Zero-copy parts. When everything before the concatenation axis has size
 *     1 (the detector's two concatenations: [1,1568,k] ++ [1,392,k] ++
 *     [1,294,k] on axis 1), each input is one contiguous slice of the output.
 *     Such an input is not given a buffer of its own: its storage is the slice,
 *     and the XNNPACK node that produces it writes there directly as an
 *     external output. A RESHAPE that only feeds host ops or graph outputs is
 *     a pure renaming of contiguous memory, so its input simply shares its
 *     output's storage and the op disappears. In the detector this chains:
 *     conv -> reshape -> concat -> Identity, so every regressor and score head
 *     writes straight into its place in the final [1,2254,12] / [1,2254,1]
 *     output and the concatenations cost nothing at run time.
 *   - Copies. Any other part (constants, graph inputs, a tensor already bound
 *     to other storage, a concatenation with an outer size above 1) is copied
 *     by memcpy after its producer ran.
 *   - Staging. An XNNPACK op that reads a concatenation's result cannot be in
 *     the runtime that produces the concatenation's inputs, so ops are split
 *     into several runtimes: runtime k holds the XNNPACK ops whose inputs are
 *     all available once host slot k ran, and host slot k+1 (after runtime k)
 *     holds the host ops whose inputs are available then. A tensor that crosses
 *     runtimes gets a host buffer and is an external output of one runtime and
 *     an external input of the next. The detector and the landmark models need
 *     a single runtime.
 *
 * Memory. Graph inputs, wanted outputs, and every tensor a host op or a second
 * runtime touches live in host buffers ("roots"), 64-byte aligned with
 * XNN_EXTRA_BYTES of slack (XNNPACK kernels may read that far past the end of
 * an external input: inference.md pitfall 5). Everything else is internal to
 * an XNNPACK runtime, which plans and reuses its own arena. Buffer pointers
 * never change, so each runtime is set up once, at compile time.
 *
 * Threads: the thread count is fixed per runtime (inference.md pitfall 5): one
 * pthreadpool of `threads` workers, shared by this instance's runtimes; 1 means
 * no pool, everything on the calling thread.
 */
#include "vision/inference_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pthreadpool.h>
#include <xnnpack.h>

/* How an op of the plan is executed. */
typedef enum XnnOpKind {
    XNN_KIND_XNNPACK = 0, /* a node in one of the runtimes */
    XNN_KIND_CONCAT,      /* host memcpy (possibly no work: all parts zero-copy) */
    XNN_KIND_ALIAS,       /* RESHAPE whose input shares its output's storage: no work */
} XnnOpKind;

/* Who produces a tensor, for staging. */
typedef enum XnnProducer {
    XNN_PROD_NONE = 0, /* graph input or constant: available before everything */
    XNN_PROD_XNNPACK,  /* a node in runtime stage[] */
    XNN_PROD_HOST,     /* a host op in slot stage[] */
} XnnProducer;

/* One part of a host concatenation. */
typedef struct XnnConcatPart {
    const float *src; /* NULL when the producer already wrote into the output */
    size_t inner;     /* elements per outer index (dims from the axis on) */
    size_t offset;    /* where the part starts within one outer row of the output */
} XnnConcatPart;

typedef struct XnnHostOp {
    int slot; /* runs after runtime slot - 1 and before runtime slot */
    float *out;
    size_t outer;     /* product of the output dims before the axis */
    size_t out_inner; /* product of the output dims from the axis on */
    int n_parts;
    XnnConcatPart *parts;
} XnnHostOp;

typedef struct XnnState {
    const RomcvTfliteModel *model;
    int n_tensors;
    /* Host storage per tensor: root index (-1: none, the tensor is internal to
     * a runtime or a constant) and offset in floats within the root. */
    int *root;
    size_t *offset;
    int n_roots;
    float **roots;
    /* Zero biases made for convolutions that have none (XNNPACK wants one). */
    int n_zero_biases;
    float **zero_biases;
    int n_runtimes;
    xnn_runtime_t *runtimes;
    int n_host_ops;
    XnnHostOp *host_ops; /* sorted by slot, plan order within a slot */
    pthreadpool_t pool;
    int xnn_initialized;
} XnnState;

/* Compile-time scratch, freed at the end of compile. */
typedef struct XnnPlanning {
    const RomcvGraphPlan *plan;
    XnnOpKind *kind;       /* per live op */
    int *op_stage;         /* per live op: runtime (XNNPACK) or slot (host) */
    XnnProducer *producer; /* per tensor */
    int *stage;            /* per tensor: producer's runtime or slot */
    bool *xnn_consumed;    /* per tensor: read by an XNNPACK node */
    bool *graph_input;     /* per tensor */
    uint32_t *value_id;    /* per tensor: id in the subgraph being built */
    uint32_t *external_id; /* per tensor: external id in the subgraph being built */
} XnnPlanning;

static const char *xnn_status_name(enum xnn_status status) {
    switch (status) {
    case xnn_status_success:
        return "success";
    case xnn_status_uninitialized:
        return "uninitialized";
    case xnn_status_invalid_parameter:
        return "invalid parameter";
    case xnn_status_invalid_state:
        return "invalid state";
    case xnn_status_unsupported_parameter:
        return "unsupported parameter";
    case xnn_status_unsupported_hardware:
        return "unsupported hardware";
    case xnn_status_out_of_memory:
        return "out of memory";
    }
    return "unknown status";
}

static int xnn_fail(RomcvDiag *diag, enum xnn_status status, const RomcvTfliteModel *model,
                    const char *what) {
    int code = status == xnn_status_out_of_memory ? ROMCV_ERR(ENOMEM) : ROMCV_E_EXTERNAL;
    return romcv_diag_set(diag, code, "%s: XNNPACK %s failed: %s", model->label, what,
                          xnn_status_name(status));
}

static int op_fail(RomcvDiag *diag, enum xnn_status status, const RomcvTfliteModel *model,
                   const RomcvTfliteOp *op, const char *what) {
    int code = status == xnn_status_out_of_memory ? ROMCV_ERR(ENOMEM) : ROMCV_E_UNSUPPORTED;
    const char *name = romcv__tflite_op_name(op->opcode);
    return romcv_diag_set(diag, code, "%s: op %d (%s): XNNPACK %s failed: %s", model->label,
                          op->index, name ? name : "?", what, xnn_status_name(status));
}

/* Output clamping bounds of a fused activation; XNNPACK applies them in the
 * producing kernel (inference.md: "add2 (output min/max gives RELU6)"). */
static int activation_bounds(RomcvTfliteActivation act, float *lo, float *hi) {
    switch (act) {
    case ROMCV_TFLITE_ACT_NONE:
        *lo = -INFINITY;
        *hi = INFINITY;
        return 0;
    case ROMCV_TFLITE_ACT_RELU:
        *lo = 0.0f;
        *hi = INFINITY;
        return 0;
    case ROMCV_TFLITE_ACT_RELU_N1_TO_1:
        *lo = -1.0f;
        *hi = 1.0f;
        return 0;
    case ROMCV_TFLITE_ACT_RELU6:
        *lo = 0.0f;
        *hi = 6.0f;
        return 0;
    default:
        return -1;
    }
}

static int act_fail(RomcvDiag *diag, const RomcvTfliteModel *model, const RomcvTfliteOp *op,
                    int act) {
    const char *name = romcv__tflite_op_name(op->opcode);
    return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                          "%s: op %d (%s): fused activation %d unsupported by the XNNPACK backend",
                          model->label, op->index, name ? name : "?", act);
}

/* Reads element i of a little-endian INT32 constant (the reader keeps such
 * tensors as raw, possibly unaligned file bytes). */
static int32_t int32_at(const RomcvTfliteTensor *t, size_t i) {
    const uint8_t *p = t->data + 4 * i;
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24);
}

/* Elements of dims[from, to) of tensor t. */
static size_t dims_product(const RomcvTfliteTensor *t, int from, int to) {
    size_t n = 1;
    for (int i = from; i < to; i++)
        n *= (size_t)t->dims[i];
    return n;
}

static float *tensor_host_ptr(const XnnState *s, int32_t t) {
    if (t < 0 || t >= s->n_tensors || s->root[t] < 0)
        return NULL;
    return s->roots[s->root[t]] + s->offset[t];
}

/* Gives tensor t a host buffer of its own. */
static int new_root(XnnState *s, int32_t t) {
    const RomcvTfliteTensor *tensor = &s->model->tensors[t];
    size_t bytes = tensor->count * sizeof(float) + XNN_EXTRA_BYTES;
    float *buffer = romcv_malloc_aligned(bytes);
    if (!buffer)
        return ROMCV_ERR(ENOMEM);
    /* Zeroed so that XNNPACK's over-reads into the slack and any element a
     * host op never writes read as defined values. */
    memset(buffer, 0, bytes);
    s->roots[s->n_roots] = buffer;
    s->root[t] = s->n_roots++;
    s->offset[t] = 0;
    return 0;
}

/* The first data operand positions of a live op that XNNPACK reads as tensors:
 * the rest (RESHAPE's shape, PAD's paddings, RESIZE_BILINEAR's size) are INT32
 * parameters folded into the node definition. */
static int data_inputs(const RomcvTfliteOp *op) {
    switch (op->opcode) {
    case ROMCV_TFLITE_OP_CONV_2D:
    case ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D:
        return op->n_inputs < 3 ? op->n_inputs : 3;
    case ROMCV_TFLITE_OP_ADD:
        return 2;
    case ROMCV_TFLITE_OP_CONCATENATION:
        return op->n_inputs;
    default:
        return 1;
    }
}

/* True when tensor t may take storage chosen by a consumer (a slice of a
 * concatenation's output, or a reshape's output): it has none yet, and it is
 * written by an op of the plan (not a constant, not a graph input). */
static bool can_bind(const XnnState *s, const XnnPlanning *p, int32_t t) {
    return t >= 0 && s->root[t] < 0 && !p->plan->tensor_constant[t] && !p->graph_input[t];
}

/* Pass 1, backwards over the ops: decides each op's kind and the host storage
 * of graph outputs and host-op operands. Backwards, because a tensor's storage
 * is chosen by its consumers (which come later in the plan). */
static int bind_storage(XnnState *s, XnnPlanning *p, RomcvDiag *diag) {
    const RomcvGraphPlan *plan = p->plan;
    const RomcvTfliteModel *m = s->model;
    int rc = 0;
    for (int i = 0; i < plan->n_inputs; i++) {
        int32_t t = plan->inputs[i];
        if (s->root[t] < 0 && (rc = new_root(s, t)) < 0)
            goto oom;
    }
    for (int i = 0; i < plan->n_outputs; i++) {
        int32_t t = plan->outputs[i];
        if (plan->tensor_constant[t])
            return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                                  "%s: output tensor %d is a constant: unsupported by the "
                                  "XNNPACK backend",
                                  m->label, (int)t);
        if (s->root[t] < 0 && (rc = new_root(s, t)) < 0)
            goto oom;
    }
    for (int k = plan->n_ops - 1; k >= 0; k--) {
        const RomcvTfliteOp *op = plan->ops[k];
        if (op->opcode == ROMCV_TFLITE_OP_CONCATENATION) {
            p->kind[k] = XNN_KIND_CONCAT;
            int32_t out = op->outputs[0];
            const RomcvTfliteTensor *ot = &m->tensors[out];
            int axis =
                op->opt.concat.axis < 0 ? op->opt.concat.axis + ot->rank : op->opt.concat.axis;
            if (s->root[out] < 0 && (rc = new_root(s, out)) < 0)
                goto oom;
            bool contiguous = axis >= 0 && axis < ot->rank && dims_product(ot, 0, axis) == 1;
            size_t offset = 0;
            for (int i = 0; i < op->n_inputs; i++) {
                int32_t t = op->inputs[i];
                if (t < 0)
                    continue;
                if (contiguous && can_bind(s, p, t)) {
                    s->root[t] = s->root[out];
                    s->offset[t] = s->offset[out] + offset;
                } else if (!plan->tensor_constant[t] && s->root[t] < 0 &&
                           (rc = new_root(s, t)) < 0) {
                    goto oom;
                }
                offset += m->tensors[t].count;
            }
        } else if (op->opcode == ROMCV_TFLITE_OP_RESHAPE && !p->xnn_consumed[op->outputs[0]] &&
                   can_bind(s, p, op->inputs[0])) {
            /* Only host ops and the caller see the output: share storage. */
            p->kind[k] = XNN_KIND_ALIAS;
            int32_t out = op->outputs[0], in = op->inputs[0];
            if (s->root[out] < 0 && (rc = new_root(s, out)) < 0)
                goto oom;
            s->root[in] = s->root[out];
            s->offset[in] = s->offset[out];
        } else {
            p->kind[k] = XNN_KIND_XNNPACK;
            for (int i = 0; i < data_inputs(op); i++)
                if (op->inputs[i] >= 0)
                    p->xnn_consumed[op->inputs[i]] = true;
        }
    }
    return 0;
oom:
    return romcv_diag_set(diag, rc, "%s: out of memory", m->label);
}

/* Pass 2, forwards: the runtime of each XNNPACK op and the slot of each host
 * op (see the file comment), and host buffers for tensors that cross
 * runtimes. Returns the number of runtimes. */
static int assign_stages(XnnState *s, XnnPlanning *p) {
    const RomcvGraphPlan *plan = p->plan;
    int n_runtimes = 0;
    for (int k = 0; k < plan->n_ops; k++) {
        const RomcvTfliteOp *op = plan->ops[k];
        bool host = p->kind[k] != XNN_KIND_XNNPACK;
        int stage = 0;
        for (int i = 0; i < data_inputs(op); i++) {
            int32_t t = op->inputs[i];
            if (t < 0 || p->producer[t] == XNN_PROD_NONE)
                continue;
            int need = p->stage[t];
            if (host && p->producer[t] == XNN_PROD_XNNPACK)
                need++; /* after the runtime that writes it */
            if (need > stage)
                stage = need;
        }
        p->op_stage[k] = stage;
        for (int i = 0; i < op->n_outputs; i++) {
            p->producer[op->outputs[i]] = host ? XNN_PROD_HOST : XNN_PROD_XNNPACK;
            p->stage[op->outputs[i]] = stage;
        }
        if (!host && stage + 1 > n_runtimes)
            n_runtimes = stage + 1;
    }
    for (int k = 0; k < plan->n_ops; k++) {
        const RomcvTfliteOp *op = plan->ops[k];
        if (p->kind[k] != XNN_KIND_XNNPACK)
            continue;
        for (int i = 0; i < data_inputs(op); i++) {
            int32_t t = op->inputs[i];
            if (t >= 0 && p->producer[t] == XNN_PROD_XNNPACK && p->stage[t] < p->op_stage[k] &&
                s->root[t] < 0) {
                int rc = new_root(s, t);
                if (rc < 0)
                    return rc;
            }
        }
    }
    return n_runtimes;
}

/* The subgraph value of tensor t, defined on first use: a static constant, an
 * external value (tensors with host storage), or an internal one. */
static int value_of(XnnState *s, XnnPlanning *p, xnn_subgraph_t graph, int runtime, int32_t t,
                    const RomcvTfliteOp *op, uint32_t *id, RomcvDiag *diag) {
    if (p->value_id[t] != XNN_INVALID_VALUE_ID) {
        *id = p->value_id[t];
        return 0;
    }
    const RomcvTfliteTensor *tensor = &s->model->tensors[t];
    if (tensor->rank > XNN_MAX_TENSOR_DIMS)
        return op_fail(diag, xnn_status_unsupported_parameter, s->model, op, "tensor rank");
    size_t dims[XNN_MAX_TENSOR_DIMS];
    for (int i = 0; i < tensor->rank; i++)
        dims[i] = (size_t)tensor->dims[i];
    const void *data = NULL;
    uint32_t external = XNN_INVALID_VALUE_ID, flags = 0;
    if (p->plan->tensor_constant[t]) {
        if (!tensor->fp32)
            return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                                  "%s: op %d: tensor %d is a constant without fp32 values",
                                  s->model->label, op->index, (int)t);
        data = tensor->fp32;
    } else if (s->root[t] >= 0) {
        external = p->external_id[t];
        bool produced_here = p->producer[t] == XNN_PROD_XNNPACK && p->stage[t] == runtime;
        flags = produced_here ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : XNN_VALUE_FLAG_EXTERNAL_INPUT;
    }
    enum xnn_status st = xnn_define_tensor_value(graph, xnn_datatype_fp32, (size_t)tensor->rank,
                                                 dims, data, external, flags, &p->value_id[t]);
    if (st != xnn_status_success)
        return op_fail(diag, st, s->model, op, "xnn_define_tensor_value");
    *id = p->value_id[t];
    return 0;
}

static int zero_bias(XnnState *s, size_t channels, const float **out) {
    float *bias = romcv_malloc_aligned(channels * sizeof(float));
    if (!bias)
        return ROMCV_ERR(ENOMEM);
    memset(bias, 0, channels * sizeof(float));
    float **list = realloc(s->zero_biases, (size_t)(s->n_zero_biases + 1) * sizeof *list);
    if (!list) {
        romcv_free_aligned(bias);
        return ROMCV_ERR(ENOMEM);
    }
    s->zero_biases = list;
    list[s->n_zero_biases++] = bias;
    *out = bias;
    return 0;
}

/* Defines a bias value for a convolution without one. */
static int define_zero_bias(XnnState *s, xnn_subgraph_t graph, const RomcvTfliteOp *op,
                            size_t channels, uint32_t *id, RomcvDiag *diag) {
    const float *bias;
    int rc = zero_bias(s, channels, &bias);
    if (rc < 0)
        return romcv_diag_set(diag, rc, "%s: out of memory", s->model->label);
    enum xnn_status st = xnn_define_tensor_value(graph, xnn_datatype_fp32, 1, &channels, bias,
                                                 XNN_INVALID_VALUE_ID, 0, id);
    return st == xnn_status_success ? 0
                                    : op_fail(diag, st, s->model, op, "xnn_define_tensor_value");
}

/* Adds the node(s) of one XNNPACK op to graph. Shapes were checked by the
 * planner; XNNPACK checks them again and any mismatch fails here with the op
 * named. */
static int define_node(XnnState *s, XnnPlanning *p, xnn_subgraph_t graph, int runtime,
                       const RomcvTfliteOp *op, RomcvDiag *diag) {
    const RomcvTfliteModel *m = s->model;
    uint32_t in[3] = {XNN_INVALID_VALUE_ID, XNN_INVALID_VALUE_ID, XNN_INVALID_VALUE_ID};
    uint32_t out = XNN_INVALID_VALUE_ID;
    int rc;
    for (int i = 0; i < data_inputs(op); i++)
        if (op->inputs[i] >= 0 &&
            (rc = value_of(s, p, graph, runtime, op->inputs[i], op, &in[i], diag)) < 0)
            return rc;
    if ((rc = value_of(s, p, graph, runtime, op->outputs[0], op, &out, diag)) < 0)
        return rc;
    const RomcvTfliteTensor *it = &m->tensors[op->inputs[0]];
    const RomcvTfliteTensor *ot = &m->tensors[op->outputs[0]];
    float lo, hi;
    enum xnn_status st;
    switch (op->opcode) {
    case ROMCV_TFLITE_OP_CONV_2D:
    case ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D: {
        const RomcvTfliteConvOptions *c = &op->opt.conv;
        if (activation_bounds(c->activation, &lo, &hi) < 0)
            return act_fail(diag, m, op, c->activation);
        const RomcvTfliteTensor *ft = &m->tensors[op->inputs[1]];
        if (it->rank != 4 || ft->rank != 4 || ot->rank != 4)
            return op_fail(diag, xnn_status_invalid_parameter, m, op, "4D shape check");
        if (in[2] == XNN_INVALID_VALUE_ID &&
            (rc = define_zero_bias(s, graph, op, (size_t)ot->dims[3], &in[2], diag)) < 0)
            return rc;
        /* Pitfall 1: TF SAME padding is asymmetric (stride 2 on an even size
         * pads 0 before, 1 after); XNNPACK reproduces it with this flag and
         * zero explicit padding. */
        uint32_t flags =
            c->padding == ROMCV_TFLITE_PADDING_SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
        uint32_t kh = (uint32_t)ft->dims[1], kw = (uint32_t)ft->dims[2];
        size_t in_c = (size_t)it->dims[3], out_c = (size_t)ot->dims[3];
        if (op->opcode == ROMCV_TFLITE_OP_CONV_2D) {
            /* Filters are OHWI, as XNNPACK wants (pitfall 3); a filter with
             * fewer input channels than the input means grouped convolution. */
            size_t group_in = (size_t)ft->dims[3];
            if (group_in == 0 || in_c % group_in != 0 || out_c % (in_c / group_in) != 0)
                return op_fail(diag, xnn_status_invalid_parameter, m, op, "group check");
            size_t groups = in_c / group_in;
            st = xnn_define_convolution_2d(graph, 0, 0, 0, 0, kh, kw, (uint32_t)c->stride_h,
                                           (uint32_t)c->stride_w, (uint32_t)c->dilation_h,
                                           (uint32_t)c->dilation_w, (uint32_t)groups, group_in,
                                           out_c / groups, lo, hi, in[0], in[1], in[2], out, flags);
        } else {
            /* Depthwise filters are [1, KH, KW, C * multiplier] in both. The
             * multiplier comes from the shapes: the option is not always
             * trustworthy in converted files. */
            if (in_c == 0 || out_c % in_c != 0)
                return op_fail(diag, xnn_status_invalid_parameter, m, op, "multiplier check");
            st = xnn_define_depthwise_convolution_2d(
                graph, 0, 0, 0, 0, kh, kw, (uint32_t)c->stride_h, (uint32_t)c->stride_w,
                (uint32_t)c->dilation_h, (uint32_t)c->dilation_w, (uint32_t)(out_c / in_c), in_c,
                lo, hi, in[0], in[1], in[2], out, flags);
        }
        break;
    }
    case ROMCV_TFLITE_OP_ADD:
        if (activation_bounds(op->opt.add.activation, &lo, &hi) < 0)
            return act_fail(diag, m, op, op->opt.add.activation);
        st = xnn_define_add2(graph, lo, hi, in[0], in[1], out, 0);
        break;
    case ROMCV_TFLITE_OP_MAX_POOL_2D: {
        const RomcvTflitePoolOptions *po = &op->opt.pool;
        if (activation_bounds(po->activation, &lo, &hi) < 0)
            return act_fail(diag, m, op, po->activation);
        uint32_t flags =
            po->padding == ROMCV_TFLITE_PADDING_SAME ? XNN_FLAG_TENSORFLOW_SAME_PADDING : 0;
        st = xnn_define_max_pooling_2d(graph, 0, 0, 0, 0, (uint32_t)po->filter_h,
                                       (uint32_t)po->filter_w, (uint32_t)po->stride_h,
                                       (uint32_t)po->stride_w, 1, 1, lo, hi, in[0], out, flags);
        break;
    }
    case ROMCV_TFLITE_OP_PAD: {
        const RomcvTfliteTensor *pt =
            op->n_inputs > 1 && op->inputs[1] >= 0 ? &m->tensors[op->inputs[1]] : NULL;
        if (!pt || !pt->data || pt->type != ROMCV_TFLITE_INT32 ||
            pt->count != 2 * (size_t)it->rank || it->rank > XNN_MAX_TENSOR_DIMS)
            return op_fail(diag, xnn_status_invalid_parameter, m, op, "paddings check");
        size_t pre[XNN_MAX_TENSOR_DIMS], post[XNN_MAX_TENSOR_DIMS];
        for (int d = 0; d < it->rank; d++) {
            int32_t a = int32_at(pt, 2 * (size_t)d), b = int32_at(pt, 2 * (size_t)d + 1);
            if (a < 0 || b < 0)
                return op_fail(diag, xnn_status_unsupported_parameter, m, op, "negative padding");
            pre[d] = (size_t)a;
            post[d] = (size_t)b;
        }
        st = xnn_define_static_constant_pad(graph, pre, post, 0.0f, in[0], out, 0);
        break;
    }
    case ROMCV_TFLITE_OP_RESHAPE: {
        size_t shape[XNN_MAX_TENSOR_DIMS];
        if (ot->rank > XNN_MAX_TENSOR_DIMS)
            return op_fail(diag, xnn_status_unsupported_parameter, m, op, "rank check");
        for (int d = 0; d < ot->rank; d++)
            shape[d] = (size_t)ot->dims[d];
        st = xnn_define_static_reshape(graph, (size_t)ot->rank, shape, in[0], out, 0);
        break;
    }
    case ROMCV_TFLITE_OP_RESIZE_BILINEAR: {
        /* Pitfall 2: BlazePose resizes half-pixel (half_pixel_centers=true,
         * align_corners=false), which is XNNPACK's default, flags 0; this
         * header's XNN_FLAG_TENSORFLOW_LEGACY_MODE is TF's old
         * (neither flag) behaviour, and it ruins the segmentation and heatmap
         * outputs. */
        uint32_t flags;
        if (op->opt.resize.align_corners && op->opt.resize.half_pixel_centers)
            return op_fail(diag, xnn_status_invalid_parameter, m, op, "resize mode check");
        else if (op->opt.resize.align_corners)
            flags = XNN_FLAG_ALIGN_CORNERS;
        else if (op->opt.resize.half_pixel_centers)
            flags = 0;
        else
            flags = XNN_FLAG_TENSORFLOW_LEGACY_MODE;
        if (ot->rank != 4)
            return op_fail(diag, xnn_status_invalid_parameter, m, op, "4D shape check");
        st = xnn_define_static_resize_bilinear_2d(graph, (size_t)ot->dims[1], (size_t)ot->dims[2],
                                                  in[0], out, flags);
        break;
    }
    case ROMCV_TFLITE_OP_LOGISTIC:
        st = xnn_define_sigmoid(graph, in[0], out, 0);
        break;
    case ROMCV_TFLITE_OP_DEPTH_TO_SPACE:
        /* TF's DEPTH_TO_SPACE order (block row, block column, channel) is
         * XNNPACK's NHWC depth_to_space order. */
        st = xnn_define_depth_to_space(graph, in[0], out,
                                       (uint32_t)op->opt.depth_to_space.block_size, 0);
        break;
    default: {
        const char *name = romcv__tflite_op_name(op->opcode);
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "%s: op %d (%s) unsupported by the XNNPACK backend", m->label,
                              op->index, name ? name : "?");
    }
    }
    if (st != xnn_status_success)
        return op_fail(diag, st, m, op, "node definition");
    return 0;
}

/* Builds, creates and sets up runtime number `runtime` from its ops. */
static int build_runtime(XnnState *s, XnnPlanning *p, int runtime, RomcvDiag *diag) {
    const RomcvGraphPlan *plan = p->plan;
    const RomcvTfliteModel *m = s->model;
    int rc = 0;
    /* External ids must be below the count reserved at subgraph creation:
     * number this runtime's host-visible tensors 0..n-1. */
    uint32_t n_external = 0;
    for (int t = 0; t < s->n_tensors; t++) {
        p->value_id[t] = XNN_INVALID_VALUE_ID;
        p->external_id[t] = XNN_INVALID_VALUE_ID;
    }
    for (int k = 0; k < plan->n_ops; k++) {
        if (p->kind[k] != XNN_KIND_XNNPACK || p->op_stage[k] != runtime)
            continue;
        const RomcvTfliteOp *op = plan->ops[k];
        for (int i = 0; i < data_inputs(op) + 1; i++) {
            int32_t t = i < data_inputs(op) ? op->inputs[i] : op->outputs[0];
            if (t >= 0 && s->root[t] >= 0 && !plan->tensor_constant[t] &&
                p->external_id[t] == XNN_INVALID_VALUE_ID)
                p->external_id[t] = n_external++;
        }
    }
    struct xnn_external_value *externals = calloc(n_external ? n_external : 1, sizeof *externals);
    if (!externals)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
    xnn_subgraph_t graph = NULL;
    enum xnn_status st = xnn_create_subgraph(n_external, 0, &graph);
    if (st != xnn_status_success) {
        rc = xnn_fail(diag, st, m, "xnn_create_subgraph");
        goto done;
    }
    for (int k = 0; k < plan->n_ops; k++) {
        if (p->kind[k] == XNN_KIND_XNNPACK && p->op_stage[k] == runtime &&
            (rc = define_node(s, p, graph, runtime, plan->ops[k], diag)) < 0)
            goto done;
    }
    /* No flags: sparse inference is disabled on x86 with AVX and the fp16
     * hints do nothing on this CPU (inference.md). */
    st = xnn_create_runtime_v2(graph, s->pool, 0, &s->runtimes[runtime]);
    if (st != xnn_status_success) {
        rc = xnn_fail(diag, st, m, "xnn_create_runtime_v2");
        goto done;
    }
    for (int t = 0; t < s->n_tensors; t++) {
        if (p->external_id[t] != XNN_INVALID_VALUE_ID) {
            externals[p->external_id[t]].id = p->external_id[t];
            externals[p->external_id[t]].data = tensor_host_ptr(s, t);
        }
    }
    st = xnn_setup_runtime(s->runtimes[runtime], n_external, externals);
    if (st != xnn_status_success)
        rc = xnn_fail(diag, st, m, "xnn_setup_runtime");
done:
    if (graph)
        xnn_delete_subgraph(graph); /* the runtime does not need it */
    free(externals);
    return rc;
}

/* Precomputes a host concatenation: source pointers, sizes and which parts
 * need no copy. */
static int build_host_op(XnnState *s, const XnnPlanning *p, const RomcvTfliteOp *op, int slot,
                         XnnHostOp *h, RomcvDiag *diag) {
    const RomcvTfliteModel *m = s->model;
    int32_t out = op->outputs[0];
    const RomcvTfliteTensor *ot = &m->tensors[out];
    int axis = op->opt.concat.axis < 0 ? op->opt.concat.axis + ot->rank : op->opt.concat.axis;
    if (axis < 0 || axis >= ot->rank)
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: op %d (CONCATENATION): axis %d",
                              m->label, op->index, op->opt.concat.axis);
    /* TFLite's concatenation kernel refuses a fused activation too, so the
     * planner never hands one over. */
    if (op->opt.concat.activation != ROMCV_TFLITE_ACT_NONE)
        return act_fail(diag, m, op, op->opt.concat.activation);
    h->slot = slot;
    h->out = tensor_host_ptr(s, out);
    h->outer = dims_product(ot, 0, axis);
    h->out_inner = dims_product(ot, axis, ot->rank);
    h->parts = calloc((size_t)op->n_inputs, sizeof *h->parts);
    if (!h->parts)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
    size_t offset = 0;
    for (int i = 0; i < op->n_inputs; i++) {
        int32_t t = op->inputs[i];
        if (t < 0)
            continue;
        const RomcvTfliteTensor *tt = &m->tensors[t];
        size_t inner = h->outer ? tt->count / h->outer : 0;
        if (tt->rank != ot->rank || inner * h->outer != tt->count || offset + inner > h->out_inner)
            return romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                                  "%s: op %d (CONCATENATION): input %d shape mismatch", m->label,
                                  op->index, i);
        XnnConcatPart *part = &h->parts[h->n_parts++];
        part->inner = inner;
        part->offset = offset;
        if (p->plan->tensor_constant[t]) {
            part->src = m->tensors[t].fp32;
        } else {
            float *src = tensor_host_ptr(s, t);
            /* Bound to its own slice of the output: already in place. */
            part->src = src == h->out + offset && h->outer == 1 ? NULL : src;
        }
        if (p->plan->tensor_constant[t] && !part->src)
            return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                                  "%s: op %d (CONCATENATION): constant input without fp32 values",
                                  m->label, op->index);
        offset += inner;
    }
    if (offset != h->out_inner)
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                              "%s: op %d (CONCATENATION): inputs do not fill the output", m->label,
                              op->index);
    return 0;
}

static void run_host_op(const XnnHostOp *h) {
    for (int i = 0; i < h->n_parts; i++) {
        const XnnConcatPart *part = &h->parts[i];
        if (!part->src)
            continue;
        for (size_t o = 0; o < h->outer; o++)
            memcpy(h->out + o * h->out_inner + part->offset, part->src + o * part->inner,
                   part->inner * sizeof(float));
    }
}

static void xnnpack_destroy(void *state) {
    XnnState *s = state;
    if (!s)
        return;
    for (int r = 0; r < s->n_runtimes; r++)
        if (s->runtimes[r])
            xnn_delete_runtime(s->runtimes[r]);
    free(s->runtimes);
    /* After the runtimes, which hold references to the pool. */
    if (s->pool)
        pthreadpool_destroy(s->pool);
    for (int i = 0; i < s->n_host_ops; i++)
        free(s->host_ops[i].parts);
    free(s->host_ops);
    for (int i = 0; i < s->n_roots; i++)
        romcv_free_aligned(s->roots[i]);
    free(s->roots);
    for (int i = 0; i < s->n_zero_biases; i++)
        romcv_free_aligned(s->zero_biases[i]);
    free(s->zero_biases);
    free(s->root);
    free(s->offset);
    /* The header asks for one xnn_deinitialize per successful xnn_initialize.
     * In this XNNPACK it only calls cpuinfo_deinitialize, an empty function
     * (both checked by disassembly; xnn_initialize runs its set-up under
     * pthread_once), so other live instances are unaffected. */
    if (s->xnn_initialized)
        xnn_deinitialize();
    free(s);
}

static void planning_free(XnnPlanning *p) {
    free(p->kind);
    free(p->op_stage);
    free(p->producer);
    free(p->stage);
    free(p->xnn_consumed);
    free(p->graph_input);
    free(p->value_id);
    free(p->external_id);
}

static int xnnpack_compile(void **state, const RomcvGraphPlan *plan, int threads, RomcvDiag *diag) {
    const RomcvTfliteModel *m = plan->model;
    *state = NULL;
    XnnState *s = calloc(1, sizeof *s);
    XnnPlanning p = {.plan = plan};
    int rc = 0, n_runtimes = 0, n_host = 0;
    if (!s)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
    s->model = m;
    s->n_tensors = m->n_tensors;
    size_t nt = (size_t)m->n_tensors ? (size_t)m->n_tensors : 1;
    size_t no = plan->n_ops > 0 ? (size_t)plan->n_ops : 1;
    s->root = malloc(nt * sizeof *s->root);
    s->offset = calloc(nt, sizeof *s->offset);
    s->roots = calloc(nt, sizeof *s->roots); /* at most one root per tensor */
    p.kind = calloc(no, sizeof *p.kind);
    p.op_stage = calloc(no, sizeof *p.op_stage);
    p.producer = calloc(nt, sizeof *p.producer);
    p.stage = calloc(nt, sizeof *p.stage);
    p.xnn_consumed = calloc(nt, sizeof *p.xnn_consumed);
    p.graph_input = calloc(nt, sizeof *p.graph_input);
    p.value_id = malloc(nt * sizeof *p.value_id);
    p.external_id = malloc(nt * sizeof *p.external_id);
    if (!s->root || !s->offset || !s->roots || !p.kind || !p.op_stage || !p.producer || !p.stage ||
        !p.xnn_consumed || !p.graph_input || !p.value_id || !p.external_id) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
        goto fail;
    }
    for (int t = 0; t < m->n_tensors; t++)
        s->root[t] = -1;
    for (int i = 0; i < plan->n_inputs; i++)
        p.graph_input[plan->inputs[i]] = true;

    /* Process-global and idempotent inside XNNPACK (its own state, not
     * romcv's): safe to call for every instance. */
    enum xnn_status st = xnn_initialize(NULL);
    if (st != xnn_status_success) {
        rc = xnn_fail(diag, st, m, "xnn_initialize");
        goto fail;
    }
    s->xnn_initialized = 1;

    if ((rc = bind_storage(s, &p, diag)) < 0)
        goto fail;
    if ((rc = assign_stages(s, &p)) < 0) {
        rc = romcv_diag_set(diag, rc, "%s: out of memory", m->label);
        goto fail;
    }
    n_runtimes = rc;
    rc = 0;

    if (threads > 1) {
        s->pool = pthreadpool_create((size_t)threads);
        if (!s->pool) {
            rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: cannot create %d threads", m->label,
                                threads);
            goto fail;
        }
    }
    s->runtimes = calloc(n_runtimes > 0 ? (size_t)n_runtimes : 1, sizeof *s->runtimes);
    if (!s->runtimes) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
        goto fail;
    }
    s->n_runtimes = n_runtimes;
    for (int r = 0; r < n_runtimes; r++)
        if ((rc = build_runtime(s, &p, r, diag)) < 0)
            goto fail;

    for (int k = 0; k < plan->n_ops; k++)
        n_host += p.kind[k] == XNN_KIND_CONCAT;
    s->host_ops = calloc(n_host > 0 ? (size_t)n_host : 1, sizeof *s->host_ops);
    if (!s->host_ops) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", m->label);
        goto fail;
    }
    for (int k = 0; k < plan->n_ops; k++) {
        if (p.kind[k] != XNN_KIND_CONCAT)
            continue;
        XnnHostOp *h = &s->host_ops[s->n_host_ops++];
        if ((rc = build_host_op(s, &p, plan->ops[k], p.op_stage[k], h, diag)) < 0)
            goto fail;
    }
    /* run() walks host ops by slot. Plan order is a valid order within a
     * slot, and an op never depends on one of a later slot, so a stable sort
     * by slot keeps every dependency. */
    for (int i = 1; i < s->n_host_ops; i++) {
        XnnHostOp h = s->host_ops[i];
        int j = i;
        for (; j > 0 && s->host_ops[j - 1].slot > h.slot; j--)
            s->host_ops[j] = s->host_ops[j - 1];
        s->host_ops[j] = h;
    }
    planning_free(&p);
    *state = s;
    return 0;
fail:
    planning_free(&p);
    xnnpack_destroy(s);
    return rc;
}

static float *xnnpack_io_buffer(void *state, int32_t tensor) {
    return tensor_host_ptr(state, tensor);
}

static int xnnpack_run(void *state, RomcvDiag *diag) {
    XnnState *s = state;
    int h = 0;
    for (int r = 0; r <= s->n_runtimes; r++) {
        for (; h < s->n_host_ops && s->host_ops[h].slot <= r; h++)
            run_host_op(&s->host_ops[h]);
        if (r == s->n_runtimes)
            break;
        enum xnn_status st = xnn_invoke_runtime(s->runtimes[r]);
        if (st != xnn_status_success)
            return xnn_fail(diag, st, s->model, "xnn_invoke_runtime");
    }
    return 0;
}

const RomcvInferenceBackendOps romcv__backend_xnnpack = {
    .name = "xnnpack",
    .compile = xnnpack_compile,
    .io_buffer = xnnpack_io_buffer,
    .run = xnnpack_run,
    .destroy = xnnpack_destroy,
};
