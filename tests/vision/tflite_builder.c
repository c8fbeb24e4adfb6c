/*
 * tests/vision/tflite_builder.c: the small TFLite writer described in
 * tflite_builder.h. Field numbers are schema.fbs field positions.
 */
#include "tflite_builder.h"

#include <stdlib.h>
#include <string.h>

typedef struct W {
    uint8_t *p;
    size_t len, cap;
    int oom;
} W;

/* Appends n zero bytes after padding to align; returns their offset. Offsets,
 * not pointers, are kept everywhere because the buffer moves as it grows. */
static size_t w_reserve(W *w, size_t n, size_t align) {
    size_t pad = (align - w->len % align) % align;
    if (w->len + pad + n > w->cap) {
        size_t cap = w->cap ? w->cap : 1024;
        while (cap < w->len + pad + n)
            cap *= 2;
        uint8_t *p = realloc(w->p, cap);
        if (!p) {
            w->oom = 1;
            return 0;
        }
        w->p = p;
        w->cap = cap;
    }
    memset(w->p + w->len, 0, pad + n);
    w->len += pad + n;
    return w->len - n;
}

static void w_u16(W *w, size_t at, uint32_t v) {
    if (w->oom)
        return;
    w->p[at] = (uint8_t)v;
    w->p[at + 1] = (uint8_t)(v >> 8);
}

static void w_u32(W *w, size_t at, uint32_t v) {
    if (w->oom)
        return;
    for (int i = 0; i < 4; i++)
        w->p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* The uoffset at `at` points to target (always later in the buffer). */
static void w_link(W *w, size_t at, size_t target) {
    w_u32(w, at, (uint32_t)(target - at));
}

static size_t slot(size_t table, int field) {
    return table + 8 + 8 * (size_t)field;
}

/* A table of nfields 8-byte slots; bit i of present marks field i present. */
static size_t w_table(W *w, int nfields, uint32_t present) {
    size_t vt_size = 4 + 2 * (size_t)nfields;
    size_t vt = w_reserve(w, vt_size, 2);
    size_t t = w_reserve(w, 8 + 8 * (size_t)nfields, 8);
    w_u16(w, vt, (uint32_t)vt_size);
    w_u16(w, vt + 2, 8 + 8 * (uint32_t)nfields);
    for (int i = 0; i < nfields; i++)
        w_u16(w, vt + 4 + 2 * (size_t)i, (present >> i) & 1 ? 8 + 8 * (uint32_t)i : 0);
    w_u32(w, t, (uint32_t)(t - vt)); /* soffset: vtable = table - soffset */
    return t;
}

/* A vector whose elements start on an align boundary (16 for buffer data, as
 * schema.fbs's force_align asks). data NULL: zeros. width 4/2/1 values come
 * from u32 input when widen is set. */
static size_t w_vec(W *w, size_t elem, uint32_t n, const void *data, size_t align) {
    while ((w->len + 4) % align != 0 || w->len % 4 != 0)
        w_reserve(w, 1, 1);
    size_t at = w_reserve(w, 4 + elem * n, 1);
    w_u32(w, at, n);
    if (data && !w->oom && n)
        memcpy(w->p + at + 4, data, elem * n);
    return at;
}

static size_t w_string(W *w, const char *s) {
    size_t n = strlen(s);
    size_t at = w_vec(w, 1, (uint32_t)n, s, 4);
    w_reserve(w, 1, 1); /* the NUL */
    return at;
}

static size_t w_i32_vec(W *w, uint32_t n, const int32_t *values) {
    size_t at = w_vec(w, 4, n, NULL, 4);
    for (uint32_t i = 0; i < n; i++)
        w_u32(w, at + 4 + 4 * (size_t)i, (uint32_t)values[i]);
    return at;
}

static void w_index_array(W *w, size_t dm, int type_field, const TfbIndexArray *a) {
    int width = a->type == 1 ? 4 : a->type == 2 ? 2 : 1;
    w_u32(w, slot(dm, type_field), (uint32_t)a->type);
    size_t t = w_table(w, 1, 1);
    w_link(w, slot(dm, type_field + 1), t);
    size_t v = w_vec(w, (size_t)width, a->count, NULL, 4);
    w_link(w, slot(t, 0), v);
    for (uint32_t i = 0; i < a->count && !w->oom; i++)
        for (int b = 0; b < width; b++)
            w->p[v + 4 + i * (size_t)width + (size_t)b] = (uint8_t)(a->values[i] >> (8 * b));
}

static void w_sparsity(W *w, size_t tensor, const TfbSparsity *s) {
    size_t t = w_table(w, 3, s->block_dims ? 7u : 5u);
    w_link(w, slot(tensor, 6), t);
    w_link(w, slot(t, 0), w_i32_vec(w, (uint32_t)s->levels, s->order));
    if (s->block_dims)
        w_link(w, slot(t, 1), w_i32_vec(w, (uint32_t)s->block_dims, s->block_map));
    size_t v = w_vec(w, 4, (uint32_t)s->levels, NULL, 4);
    w_link(w, slot(t, 2), v);
    for (int l = 0; l < s->levels; l++) {
        int sparse = s->dim[l].sparse;
        size_t dm = w_table(w, 6, sparse ? 0x3du : 0x3u);
        w_link(w, v + 4 + 4 * (size_t)l, dm);
        w_u32(w, slot(dm, 0), (uint32_t)sparse);
        w_u32(w, slot(dm, 1), (uint32_t)s->dim[l].dense_size);
        if (sparse) {
            w_index_array(w, dm, 2, &s->dim[l].segments);
            w_index_array(w, dm, 4, &s->dim[l].indices);
        }
    }
}

uint8_t *tfb_build(const TfbModel *m, size_t *size) {
    W w = {0};
    size_t header = w_reserve(&w, 8, 8);
    if (!w.oom)
        memcpy(w.p + header + 4, "TFL3", 4);
    /* Model: version(0) operator_codes(1) subgraphs(2) description(3) buffers(4) */
    size_t model = w_table(&w, 8, 0x1f);
    w_link(&w, header, model);
    w_u32(&w, slot(model, 0), 3);

    size_t codes = w_vec(&w, 4, (uint32_t)m->n_opcodes, NULL, 4);
    w_link(&w, slot(model, 1), codes);
    for (int i = 0; i < m->n_opcodes; i++) {
        /* OperatorCode: deprecated_builtin_code(0) custom_code(1) version(2) builtin_code(3) */
        size_t t = w_table(&w, 4, 0xd);
        w_link(&w, codes + 4 + 4 * (size_t)i, t);
        w_u32(&w, slot(t, 0), (uint32_t)(m->opcodes[i] < 127 ? m->opcodes[i] : 127));
        w_u32(&w, slot(t, 2), 1);
        w_u32(&w, slot(t, 3), (uint32_t)m->opcodes[i]);
    }

    size_t subgraphs = w_vec(&w, 4, 1, NULL, 4);
    w_link(&w, slot(model, 2), subgraphs);
    /* SubGraph: tensors(0) inputs(1) outputs(2) operators(3) name(4) */
    size_t sg = w_table(&w, 5, 0x1f);
    w_link(&w, subgraphs + 4, sg);
    size_t tensors = w_vec(&w, 4, (uint32_t)m->n_tensors, NULL, 4);
    w_link(&w, slot(sg, 0), tensors);
    for (int i = 0; i < m->n_tensors; i++) {
        const TfbTensor *x = &m->tensors[i];
        /* Tensor: shape(0) type(1) buffer(2) name(3) ... sparsity(6) */
        size_t t = w_table(&w, 7, x->sparsity ? 0x4fu : 0xfu);
        w_link(&w, tensors + 4 + 4 * (size_t)i, t);
        w_link(&w, slot(t, 0), w_i32_vec(&w, (uint32_t)x->rank, x->dims));
        w_u32(&w, slot(t, 1), (uint32_t)x->type);
        w_u32(&w, slot(t, 2), x->buffer);
        w_link(&w, slot(t, 3), w_string(&w, x->name ? x->name : ""));
        if (x->sparsity)
            w_sparsity(&w, t, x->sparsity);
    }
    w_link(&w, slot(sg, 1), w_i32_vec(&w, (uint32_t)m->n_inputs, m->inputs));
    w_link(&w, slot(sg, 2), w_i32_vec(&w, (uint32_t)m->n_outputs, m->outputs));
    size_t ops = w_vec(&w, 4, (uint32_t)m->n_ops, NULL, 4);
    w_link(&w, slot(sg, 3), ops);
    for (int i = 0; i < m->n_ops; i++) {
        const TfbOp *op = &m->ops[i];
        /* Operator: opcode_index(0) inputs(1) outputs(2) builtin_options_type(3)
         * builtin_options(4) */
        size_t t = w_table(&w, 5, op->options_type ? 0x1fu : 0x7u);
        w_link(&w, ops + 4 + 4 * (size_t)i, t);
        w_u32(&w, slot(t, 0), (uint32_t)op->opcode_index);
        w_link(&w, slot(t, 1), w_i32_vec(&w, (uint32_t)op->n_in, op->in));
        w_link(&w, slot(t, 2), w_i32_vec(&w, (uint32_t)op->n_out, op->out));
        if (op->options_type) {
            w_u32(&w, slot(t, 3), (uint32_t)op->options_type);
            size_t o = w_table(&w, op->n_options, (1u << op->n_options) - 1);
            w_link(&w, slot(t, 4), o);
            for (int k = 0; k < op->n_options; k++)
                w_u32(&w, slot(o, k), (uint32_t)op->options[k]);
        }
    }
    w_link(&w, slot(sg, 4), w_string(&w, "main"));
    w_link(&w, slot(model, 3), w_string(&w, "romcv test model"));

    size_t buffers = w_vec(&w, 4, (uint32_t)m->n_buffers, NULL, 4);
    w_link(&w, slot(model, 4), buffers);
    for (int i = 0; i < m->n_buffers; i++) {
        /* Buffer: data(0) */
        size_t t = w_table(&w, 1, m->buffers[i].size ? 1u : 0u);
        w_link(&w, buffers + 4 + 4 * (size_t)i, t);
        if (m->buffers[i].size)
            w_link(&w, slot(t, 0),
                   w_vec(&w, 1, (uint32_t)m->buffers[i].size, m->buffers[i].data, 16));
    }
    if (w.oom) {
        free(w.p);
        return NULL;
    }
    *size = w.len;
    return w.p;
}

/* ---------------------------------------------------------------- example */

const float tfb_example_csr_dense[8] = {1.0f, 0.0f, -2.0f, 0.0f, 0.0f, 0.5f, 0.0f, 3.0f};
const float tfb_example_block_dense[16] = {0, 0, 1, 2, 0, 0, 3, 4, 5, 6, 0, 0, 7, 8, 0, 0};

static const uint16_t csr_values[4] = {0x3c00, 0xc000, 0x3800, 0x4200}; /* 1 -2 0.5 3 */
static const uint32_t csr_segments[3] = {0, 2, 4};
static const uint32_t csr_indices[4] = {0, 2, 1, 3};
static const float block_values[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint32_t block_segments[3] = {0, 1, 2};
static const uint32_t block_indices[2] = {1, 0};
static const uint16_t bias_values[2] = {0x3400, 0xbe00}; /* 0.25 -1.5 */
static const int32_t paddings[8] = {0, 0, 1, 1, 1, 1, 0, 0};
static const int32_t resize_size[2] = {10, 6};
static const int32_t reshape_shape[2] = {1, 240};

static TfbSparsity csr_sparsity(void) {
    TfbSparsity s = {.levels = 4, .order = {0, 1, 2, 3}};
    s.dim[0].dense_size = 2;
    s.dim[1].dense_size = 1;
    s.dim[2].dense_size = 1;
    s.dim[3].sparse = 1;
    s.dim[3].segments = (TfbIndexArray){2, 3, csr_segments};
    s.dim[3].indices = (TfbIndexArray){3, 4, csr_indices};
    return s;
}

static TfbSparsity block_sparsity(void) {
    /* [1,1,4,4] in 2x2 blocks over dims 2 and 3: the block grid is 2x2 with
     * blocks (0,1) and (1,0) stored. */
    TfbSparsity s = {
        .levels = 6, .order = {0, 1, 2, 3, 4, 5}, .block_dims = 2, .block_map = {2, 3}};
    s.dim[0].dense_size = 1;
    s.dim[1].dense_size = 1;
    s.dim[2].dense_size = 2;
    s.dim[3].sparse = 1;
    s.dim[3].segments = (TfbIndexArray){1, 3, block_segments};
    s.dim[3].indices = (TfbIndexArray){1, 2, block_indices};
    s.dim[4].dense_size = 2;
    s.dim[5].dense_size = 2;
    return s;
}

static TfbSparsity example_csr, example_block;

void tfb_example_model(TfbModel *m) {
    example_csr = csr_sparsity();
    example_block = block_sparsity();
    memset(m, 0, sizeof *m);
    static const int32_t codes[] = {124, 6, 34, 3, 4, 0, 17, 23, 5, 22, 2, 14};
    m->n_opcodes = (int)(sizeof codes / sizeof codes[0]);
    memcpy(m->opcodes, codes, sizeof codes);

    m->n_buffers = 7;
    m->buffers[1].data = csr_values, m->buffers[1].size = sizeof csr_values;
    m->buffers[2].data = block_values, m->buffers[2].size = sizeof block_values;
    m->buffers[3].data = bias_values, m->buffers[3].size = sizeof bias_values;
    m->buffers[4].data = paddings, m->buffers[4].size = sizeof paddings;
    m->buffers[5].data = resize_size, m->buffers[5].size = sizeof resize_size;
    m->buffers[6].data = reshape_shape, m->buffers[6].size = sizeof reshape_shape;

    enum { F32 = 0, F16 = 1, I32 = 2 };
    const TfbTensor t[] = {
        {4, {1, 8, 8, 4}, F32, 0, "input", NULL},
        {4, {2, 1, 1, 4}, F16, 1, "w_sparse", &example_csr},
        {4, {2, 1, 1, 4}, F16, 0, "w_dense16", NULL},
        {4, {1, 1, 4, 4}, F32, 2, "dw_sparse", &example_block},
        {4, {1, 1, 4, 4}, F32, 0, "dw_filter", NULL},
        {4, {2, 1, 1, 4}, F32, 0, "w_conv", NULL},
        {1, {2}, F16, 3, "b_conv16", NULL},
        {1, {2}, F32, 0, "b_conv", NULL},
        {2, {4, 2}, I32, 4, "paddings", NULL},
        {4, {1, 10, 10, 4}, F32, 0, "padded", NULL},
        {4, {1, 10, 10, 2}, F32, 0, "conv", NULL},
        {4, {1, 10, 7, 4}, F32, 0, "dw", NULL},
        {4, {1, 10, 7, 4}, F32, 0, "add", NULL},
        {4, {1, 5, 3, 4}, F32, 0, "pool", NULL},
        {1, {2}, I32, 5, "size", NULL},
        {4, {1, 10, 6, 4}, F32, 0, "resized", NULL},
        {4, {1, 20, 12, 1}, F32, 0, "d2s", NULL},
        {1, {2}, I32, 6, "shape", NULL},
        {2, {1, 240}, F32, 0, "flat", NULL},
        {2, {1, 200}, F32, 0, "conv_flat", NULL},
        {2, {1, 440}, F32, 0, "concat", NULL},
        {2, {1, 440}, F32, 0, "Identity", NULL},
    };
    m->n_tensors = (int)(sizeof t / sizeof t[0]);
    memcpy(m->tensors, t, sizeof t);

    const TfbOp ops[] = {
        {0, 1, 1, {1}, {2}, 0, 0, {0}},                           /* DENSIFY */
        {0, 1, 1, {3}, {4}, 0, 0, {0}},                           /* DENSIFY (block) */
        {1, 1, 1, {2}, {5}, 0, 0, {0}},                           /* DEQUANTIZE */
        {1, 1, 1, {6}, {7}, 0, 0, {0}},                           /* DEQUANTIZE */
        {2, 2, 1, {0, 8}, {9}, 22, 0, {0}},                       /* PAD */
        {3, 3, 1, {9, 5, 7}, {10}, 1, 6, {1, 1, 1, 3, 1, 1}},     /* CONV_2D VALID RELU6 */
        {4, 3, 1, {9, 4, -1}, {11}, 2, 7, {1, 1, 1, 1, 0, 1, 1}}, /* DEPTHWISE, no bias */
        {5, 2, 1, {11, 11}, {12}, 11, 1, {0}},                    /* ADD */
        {6, 1, 1, {12}, {13}, 5, 6, {1, 2, 2, 2, 2, 0}},          /* MAX_POOL_2D */
        {7, 2, 1, {13, 14}, {15}, 15, 4, {0, 0, 0, 1}},           /* RESIZE_BILINEAR */
        {8, 1, 1, {15}, {16}, 94, 1, {2}},                        /* DEPTH_TO_SPACE */
        {9, 2, 1, {16, 17}, {18}, 0, 0, {0}},                     /* RESHAPE */
        {9, 1, 1, {10}, {19}, 0, 0, {0}},                         /* RESHAPE, no shape */
        {10, 2, 1, {18, 19}, {20}, 10, 2, {1, 0}},                /* CONCATENATION */
        {11, 1, 1, {20}, {21}, 0, 0, {0}},                        /* LOGISTIC */
    };
    m->n_ops = (int)(sizeof ops / sizeof ops[0]);
    memcpy(m->ops, ops, sizeof ops);
    m->n_inputs = 1;
    m->inputs[0] = 0;
    m->n_outputs = 1;
    m->outputs[0] = 21;
}
