/*
 * vision/tflite.c: the TFLite model reader (FlatBuffers read by hand, every
 * offset checked), the load-time DENSIFY/DEQUANTIZE folding and the check
 * that a graph only holds ops the engine runs. See vision/tflite.h.
 *
 * FlatBuffers layout, as the reader relies on it (flatbuffers.dev, "Internals"):
 * - The file starts with a uoffset (u32) to the root table, then the 4-byte
 *   file identifier ("TFL3" for schema.fbs).
 * - A table starts with an soffset (i32); the vtable is at table - soffset.
 *   A vtable is [vtable bytes u16, table bytes u16, field offset u16 ...];
 *   field i's slot is at 4 + 2 i, and 0 (or a slot past the vtable) means the
 *   field is absent and takes its schema default.
 * - Fields that refer to vectors, strings and tables hold a uoffset relative
 *   to the field's own position; uoffsets only point forward, so following
 *   them cannot loop.
 * - A vector is a u32 element count followed by the elements; a string is a
 *   vector of bytes followed by a NUL; a vector of tables holds uoffsets.
 * - A union field takes two slots: the type (u8) and then the value's uoffset.
 * All scalars are little endian. The reader assembles them byte by byte, so
 * no read depends on the host's byte order or on the file's alignment.
 */
#include "vision/tflite.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ============================================================ byte access */

static uint16_t rd16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const uint8_t *p) {
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* Two's complement reinterpretation without implementation-defined casts. */
static int32_t as_i32(uint32_t u) {
    return u <= INT32_MAX ? (int32_t)u : (int32_t)(u - 0x80000000u) + INT32_MIN;
}

static int8_t as_i8(uint8_t u) {
    return u <= INT8_MAX ? (int8_t)u : (int8_t)((int)u - 256);
}

/* ============================================================ reader state */

typedef struct Reader {
    const uint8_t *buf;
    size_t size;
    const char *label; /* file name, first word of every message */
    RomcvDiag *diag;
    char where[96]; /* the element being read: "subgraph 0 tensor 12" */
} Reader;

static int fail(Reader *r, const char *fmt, ...) ROMCV_PRINTF(2, 3);

/* Records ROMCV_E_INVALID_DATA with "label: where: message". */
static int fail(Reader *r, const char *fmt, ...) {
    char msg[320];
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    return romcv_diag_set(r->diag, ROMCV_E_INVALID_DATA, "%s: %s%s%s", r->label, r->where,
                          r->where[0] ? ": " : "", msg);
}

static void set_where(Reader *r, const char *fmt, ...) ROMCV_PRINTF(2, 3);

static void set_where(Reader *r, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(r->where, sizeof r->where, fmt, args);
    va_end(args);
}

/* ============================================================ flatbuffers */

typedef struct Table {
    size_t pos;       /* the table's first byte (its soffset) */
    size_t vt;        /* the vtable's first byte */
    uint32_t vt_size; /* bytes in the vtable */
    uint32_t size;    /* bytes in the table, as the vtable declares */
} Table;

typedef struct Vec {
    size_t data; /* first element */
    uint32_t len;
} Vec;

/* Checks the table at pos and its vtable: both inside the file, aligned as a
 * FlatBuffers builder always aligns them, and with sizes that cover at least
 * their headers. After this, field() only has to compare against t->size. */
static int table_at(Reader *r, size_t pos, Table *t) {
    if (pos % 4 != 0 || pos > r->size - 4)
        return fail(r, "table at offset %zu is misaligned or outside the file (%zu bytes)", pos,
                    r->size);
    int64_t vt = (int64_t)pos - as_i32(rd32(r->buf + pos));
    if (vt < 0 || vt % 2 != 0 || (uint64_t)vt > r->size - 4)
        return fail(r, "vtable of the table at offset %zu is at %lld, outside the file", pos,
                    (long long)vt);
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vt_size = rd16(r->buf + t->vt);
    t->size = rd16(r->buf + t->vt + 2);
    if (t->vt_size < 4 || t->vt_size % 2 != 0 || t->vt_size > r->size - t->vt)
        return fail(r, "vtable at offset %zu declares %u bytes", t->vt, t->vt_size);
    if (t->size < 4 || t->size > r->size - pos)
        return fail(r, "table at offset %zu declares %u bytes, past the end of the file", pos,
                    t->size);
    return 0;
}

/* Locates field `index` of width bytes: 1 with *at set, 0 when absent, or an
 * error when the vtable puts it outside the table. */
static int field(Reader *r, const Table *t, int index, size_t width, size_t *at) {
    size_t slot = 4 + 2 * (size_t)index;
    if (slot + 2 > t->vt_size)
        return 0;
    uint32_t off = rd16(r->buf + t->vt + slot);
    if (off == 0)
        return 0;
    if (off < 4 || off + width > t->size)
        return fail(r, "field %d at offset %u overruns its table (%u bytes)", index, off, t->size);
    *at = t->pos + off;
    return 1;
}

static int get_u8(Reader *r, const Table *t, int index, uint8_t def, uint8_t *v) {
    size_t at = 0;
    int rc = field(r, t, index, 1, &at);
    *v = rc > 0 ? r->buf[at] : def;
    return rc < 0 ? rc : 0;
}

static int get_u32(Reader *r, const Table *t, int index, uint32_t def, uint32_t *v) {
    size_t at = 0;
    int rc = field(r, t, index, 4, &at);
    *v = rc > 0 ? rd32(r->buf + at) : def;
    return rc < 0 ? rc : 0;
}

static int get_i32(Reader *r, const Table *t, int index, int32_t def, int32_t *v) {
    uint32_t u;
    int rc = get_u32(r, t, index, (uint32_t)def, &u);
    *v = as_i32(u);
    return rc;
}

static int get_u64(Reader *r, const Table *t, int index, uint64_t def, uint64_t *v) {
    size_t at = 0;
    int rc = field(r, t, index, 8, &at);
    *v = rc > 0 ? rd64(r->buf + at) : def;
    return rc < 0 ? rc : 0;
}

/* Follows the uoffset stored at `at`; the target must leave room for at
 * least a 4-byte header (vector length or soffset). */
static int follow(Reader *r, size_t at, size_t *target) {
    uint32_t off = rd32(r->buf + at);
    if (off == 0 || off > r->size - at || r->size - at - off < 4)
        return fail(r, "offset %u at %zu points outside the file (%zu bytes)", off, at, r->size);
    *target = at + off;
    return 0;
}

static int vec_at(Reader *r, size_t pos, size_t elem_size, const char *what, Vec *v) {
    if (pos % 4 != 0)
        return fail(r, "%s: vector at offset %zu is misaligned", what, pos);
    uint32_t len = rd32(r->buf + pos);
    /* Division, not multiplication: len * elem_size could overflow. */
    if (len > (r->size - pos - 4) / elem_size)
        return fail(r, "%s: vector of %u elements at offset %zu overruns the file (%zu bytes)",
                    what, len, pos, r->size);
    v->data = pos + 4;
    v->len = len;
    return 0;
}

/* 1 with *v set, 0 when absent (v->len = 0), or an error. */
static int get_vec(Reader *r, const Table *t, int index, size_t elem_size, const char *what,
                   Vec *v) {
    size_t at = 0, target = 0;
    v->data = 0;
    v->len = 0;
    int rc = field(r, t, index, 4, &at);
    if (rc <= 0)
        return rc;
    if ((rc = follow(r, at, &target)) < 0 || (rc = vec_at(r, target, elem_size, what, v)) < 0)
        return rc;
    return 1;
}

/* A string field: *s points into the file, or "" when absent. */
static int get_str(Reader *r, const Table *t, int index, const char *what, const char **s) {
    Vec v;
    *s = "";
    int rc = get_vec(r, t, index, 1, what, &v);
    if (rc <= 0)
        return rc;
    if (v.len >= r->size - v.data || r->buf[v.data + v.len] != 0)
        return fail(r, "%s: string at offset %zu is not NUL-terminated", what, v.data - 4);
    *s = (const char *)r->buf + v.data;
    return 0;
}

/* 1 with *out set, 0 when absent, or an error. */
static int get_table(Reader *r, const Table *t, int index, Table *out) {
    size_t at = 0, target = 0;
    int rc = field(r, t, index, 4, &at);
    if (rc <= 0)
        return rc;
    if ((rc = follow(r, at, &target)) < 0 || (rc = table_at(r, target, out)) < 0)
        return rc;
    return 1;
}

static int vec_table(Reader *r, const Vec *v, uint32_t i, Table *out) {
    size_t target = 0;
    int rc = follow(r, v->data + 4 * (size_t)i, &target);
    return rc < 0 ? rc : table_at(r, target, out);
}

static int32_t vec_i32(const Reader *r, const Vec *v, uint32_t i) {
    return as_i32(rd32(r->buf + v->data + 4 * (size_t)i));
}

/* ============================================================ names */

/* BuiltinOperator names, indexed by code (schema.fbs). */
static const char *const op_names[] = {
    "ADD",
    "AVERAGE_POOL_2D",
    "CONCATENATION",
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "DEPTH_TO_SPACE",
    "DEQUANTIZE",
    "EMBEDDING_LOOKUP",
    "FLOOR",
    "FULLY_CONNECTED",
    "HASHTABLE_LOOKUP",
    "L2_NORMALIZATION",
    "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION",
    "LOGISTIC",
    "LSH_PROJECTION",
    "LSTM",
    "MAX_POOL_2D",
    "MUL",
    "RELU",
    "RELU_N1_TO_1",
    "RELU6",
    "RESHAPE",
    "RESIZE_BILINEAR",
    "RNN",
    "SOFTMAX",
    "SPACE_TO_DEPTH",
    "SVDF",
    "TANH",
    "CONCAT_EMBEDDINGS",
    "SKIP_GRAM",
    "CALL",
    "CUSTOM",
    "EMBEDDING_LOOKUP_SPARSE",
    "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN",
    "GATHER",
    "BATCH_TO_SPACE_ND",
    "SPACE_TO_BATCH_ND",
    "TRANSPOSE",
    "MEAN",
    "SUB",
    "DIV",
    "SQUEEZE",
    "UNIDIRECTIONAL_SEQUENCE_LSTM",
    "STRIDED_SLICE",
    "BIDIRECTIONAL_SEQUENCE_RNN",
    "EXP",
    "TOPK_V2",
    "SPLIT",
    "LOG_SOFTMAX",
    "DELEGATE",
    "BIDIRECTIONAL_SEQUENCE_LSTM",
    "CAST",
    "PRELU",
    "MAXIMUM",
    "ARG_MAX",
    "MINIMUM",
    "LESS",
    "NEG",
    "PADV2",
    "GREATER",
    "GREATER_EQUAL",
    "LESS_EQUAL",
    "SELECT",
    "SLICE",
    "SIN",
    "TRANSPOSE_CONV",
    "SPARSE_TO_DENSE",
    "TILE",
    "EXPAND_DIMS",
    "EQUAL",
    "NOT_EQUAL",
    "LOG",
    "SUM",
    "SQRT",
    "RSQRT",
    "SHAPE",
    "POW",
    "ARG_MIN",
    "FAKE_QUANT",
    "REDUCE_PROD",
    "REDUCE_MAX",
    "PACK",
    "LOGICAL_OR",
    "ONE_HOT",
    "LOGICAL_AND",
    "LOGICAL_NOT",
    "UNPACK",
    "REDUCE_MIN",
    "FLOOR_DIV",
    "REDUCE_ANY",
    "SQUARE",
    "ZEROS_LIKE",
    "FILL",
    "FLOOR_MOD",
    "RANGE",
    "RESIZE_NEAREST_NEIGHBOR",
    "LEAKY_RELU",
    "SQUARED_DIFFERENCE",
    "MIRROR_PAD",
    "ABS",
    "SPLIT_V",
    "UNIQUE",
    "CEIL",
    "REVERSE_V2",
    "ADD_N",
    "GATHER_ND",
    "COS",
    "WHERE",
    "RANK",
    "ELU",
    "REVERSE_SEQUENCE",
    "MATRIX_DIAG",
    "QUANTIZE",
    "MATRIX_SET_DIAG",
    "ROUND",
    "HARD_SWISH",
    "IF",
    "WHILE",
    "NON_MAX_SUPPRESSION_V4",
    "NON_MAX_SUPPRESSION_V5",
    "SCATTER_ND",
    "SELECT_V2",
    "DENSIFY",
    "SEGMENT_SUM",
    "BATCH_MATMUL",
    "PLACEHOLDER_FOR_GREATER_OP_CODES",
    "CUMSUM",
    "CALL_ONCE",
    "BROADCAST_TO",
    "RFFT2D",
    "CONV_3D",
    "IMAG",
    "REAL",
    "COMPLEX_ABS",
    "HASHTABLE",
    "HASHTABLE_FIND",
    "HASHTABLE_IMPORT",
    "HASHTABLE_SIZE",
    "REDUCE_ALL",
    "CONV_3D_TRANSPOSE",
    "VAR_HANDLE",
    "READ_VARIABLE",
    "ASSIGN_VARIABLE",
    "BROADCAST_ARGS",
    "RANDOM_STANDARD_NORMAL",
    "BUCKETIZE",
    "RANDOM_UNIFORM",
    "MULTINOMIAL",
    "GELU",
    "DYNAMIC_UPDATE_SLICE",
    "RELU_0_TO_1",
    "UNSORTED_SEGMENT_PROD",
    "UNSORTED_SEGMENT_MAX",
    "UNSORTED_SEGMENT_SUM",
    "ATAN2",
    "UNSORTED_SEGMENT_MIN",
    "SIGN",
    "BITCAST",
    "BITWISE_XOR",
    "RIGHT_SHIFT",
};

const char *romcv__tflite_op_name(int32_t opcode) {
    if (opcode < 0 || (size_t)opcode >= sizeof op_names / sizeof op_names[0])
        return NULL;
    return op_names[opcode];
}

static const char *const type_names[] = {
    "FLOAT32", "FLOAT16",  "INT32",     "UINT8",  "INT64",   "STRING",
    "BOOL",    "INT16",    "COMPLEX64", "INT8",   "FLOAT64", "COMPLEX128",
    "UINT64",  "RESOURCE", "VARIANT",   "UINT32", "UINT16",  "INT4",
};

const char *romcv__tflite_type_name(int type) {
    if (type < 0 || (size_t)type >= sizeof type_names / sizeof type_names[0])
        return NULL;
    return type_names[type];
}

size_t romcv__tflite_type_size(int type) {
    switch (type) {
    case ROMCV_TFLITE_UINT8:
    case ROMCV_TFLITE_BOOL:
    case ROMCV_TFLITE_INT8:
        return 1;
    case ROMCV_TFLITE_FLOAT16:
    case ROMCV_TFLITE_INT16:
    case ROMCV_TFLITE_UINT16:
        return 2;
    case ROMCV_TFLITE_FLOAT32:
    case ROMCV_TFLITE_INT32:
    case ROMCV_TFLITE_UINT32:
        return 4;
    case ROMCV_TFLITE_INT64:
    case ROMCV_TFLITE_COMPLEX64:
    case ROMCV_TFLITE_FLOAT64:
    case ROMCV_TFLITE_UINT64:
        return 8;
    case ROMCV_TFLITE_COMPLEX128:
        return 16;
    default:
        return 0;
    }
}

uint32_t romcv__tflite_index_at(const RomcvTfliteIndexArray *a, uint32_t i) {
    const uint8_t *p = a->data + (size_t)i * a->width;
    return a->width == 4 ? rd32(p) : a->width == 2 ? rd16(p) : p[0];
}

/* ============================================================ fp16 */

float romcv__tflite_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {
        /* Inf and NaN: the 10 payload bits go to the top of the 23, which
         * keeps the quiet bit where IEEE 754 puts it. */
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        bits = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        bits = sign;
    } else {
        /* Subnormal: mantissa * 2^-24. Shift the leading 1 up to bit 10 (the
         * implicit bit of a normal number), lowering the exponent per shift;
         * every binary16 subnormal is a normal binary32. */
        uint32_t e = 127 - 15 + 1;
        while ((mantissa & 0x400u) == 0) {
            mantissa <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* ============================================================ parsing */

typedef struct BufferRef {
    const uint8_t *data;
    size_t size;
} BufferRef;

typedef struct OpcodeRef {
    int32_t code;
    int32_t version;
    const char *custom;
} OpcodeRef;

/* Model.buffers. Buffer 0 must be the empty sentinel (schema.fbs: "the 0th
 * entry of this array must be an empty buffer"). */
static int parse_buffers(Reader *r, const Table *root, BufferRef **out, int *n_out) {
    Vec v;
    int rc;
    set_where(r, "buffers");
    if ((rc = get_vec(r, root, 4, 4, "buffers", &v)) < 0)
        return rc;
    if (v.len == 0)
        return fail(r, "the model has no buffers (buffer 0 must be the empty sentinel)");
    if (v.len > ROMCV_TFLITE_MAX_BUFFERS)
        return fail(r, "%u buffers (limit %d)", v.len, ROMCV_TFLITE_MAX_BUFFERS);
    BufferRef *b = calloc(v.len, sizeof *b);
    if (!b)
        return romcv_diag_set(r->diag, ROMCV_ERR(ENOMEM), "%s: out of memory", r->label);
    *out = b;
    *n_out = (int)v.len;
    for (uint32_t i = 0; i < v.len; i++) {
        Table t;
        Vec data;
        uint64_t offset, size;
        set_where(r, "buffer %u", i);
        if ((rc = vec_table(r, &v, i, &t)) < 0 || (rc = get_vec(r, &t, 0, 1, "data", &data)) < 0 ||
            (rc = get_u64(r, &t, 1, 0, &offset)) < 0 || (rc = get_u64(r, &t, 2, 0, &size)) < 0)
            return rc;
        if (offset > 1) {
            /* Models over 2 GB keep data outside the FlatBuffer: offset is
             * from the start of the file and "only valid if > 1". */
            if (data.len != 0)
                return fail(r, "has both inline data and an external offset");
            if (offset > r->size || size > r->size - offset)
                return fail(r, "external data [%llu, +%llu) outside the file (%zu bytes)",
                            (unsigned long long)offset, (unsigned long long)size, r->size);
            b[i].data = r->buf + offset;
            b[i].size = (size_t)size;
        } else {
            b[i].data = r->buf + data.data;
            b[i].size = data.len;
        }
        if (b[i].size == 0)
            b[i].data = NULL;
    }
    if (b[0].size != 0) {
        set_where(r, "buffer 0");
        return fail(r, "holds %zu bytes but must be the empty sentinel", b[0].size);
    }
    return 0;
}

static int parse_opcodes(Reader *r, const Table *root, OpcodeRef **out, int *n_out) {
    Vec v;
    int rc;
    set_where(r, "operator codes");
    if ((rc = get_vec(r, root, 1, 4, "operator_codes", &v)) < 0)
        return rc;
    if (v.len > ROMCV_TFLITE_MAX_OPCODES)
        return fail(r, "%u operator codes (limit %d)", v.len, ROMCV_TFLITE_MAX_OPCODES);
    OpcodeRef *c = calloc(v.len ? v.len : 1, sizeof *c);
    if (!c)
        return romcv_diag_set(r->diag, ROMCV_ERR(ENOMEM), "%s: out of memory", r->label);
    *out = c;
    *n_out = (int)v.len;
    for (uint32_t i = 0; i < v.len; i++) {
        Table t;
        uint8_t deprecated;
        int32_t code;
        set_where(r, "operator code %u", i);
        if ((rc = vec_table(r, &v, i, &t)) < 0 || (rc = get_u8(r, &t, 0, 0, &deprecated)) < 0 ||
            (rc = get_str(r, &t, 1, "custom_code", &c[i].custom)) < 0 ||
            (rc = get_i32(r, &t, 2, 1, &c[i].version)) < 0 ||
            (rc = get_i32(r, &t, 3, 0, &code)) < 0)
            return rc;
        /* Older files set only the int8 deprecated_builtin_code; newer ones
         * set builtin_code and clamp the old field to 127. The larger wins. */
        int32_t old = as_i8(deprecated);
        c[i].code = old > code ? old : code;
        if (c[i].code < 0)
            return fail(r, "builtin code %d is negative", (int)c[i].code);
    }
    return 0;
}

static int parse_index_array(Reader *r, const Table *dm, int type_field, const char *what,
                             RomcvTfliteIndexArray *a) {
    uint8_t type;
    Table t;
    Vec v;
    int rc;
    if ((rc = get_u8(r, dm, type_field, 0, &type)) < 0)
        return rc;
    /* SparseIndexVector: 1 Int32Vector, 2 Uint16Vector, 3 Uint8Vector. */
    if (type < 1 || type > 3)
        return fail(r, "%s has index vector type %u (expected 1, 2 or 3)", what, type);
    if ((rc = get_table(r, dm, type_field + 1, &t)) < 0)
        return rc;
    if (rc == 0)
        return fail(r, "%s is missing", what);
    a->width = type == 1 ? 4 : type == 2 ? 2 : 1;
    if ((rc = get_vec(r, &t, 0, a->width, what, &v)) < 0)
        return rc;
    a->data = r->buf + v.data;
    a->count = v.len;
    if (a->width == 4) {
        /* Int32Vector is signed; a negative index or segment is corrupt. */
        for (uint32_t i = 0; i < v.len; i++)
            if (romcv__tflite_index_at(a, i) > INT32_MAX)
                return fail(r, "%s[%u] is negative", what, i);
    }
    return 0;
}

/* SparsityParameters: the structure is checked here; the sizes, which need
 * the tensor's shape and every level together, are checked by densify(). */
static int parse_sparsity(Reader *r, const Table *st, int rank, RomcvTfliteSparsity *s) {
    Vec order, map, meta;
    int rc;
    if ((rc = get_vec(r, st, 0, 4, "traversal_order", &order)) < 0 ||
        (rc = get_vec(r, st, 1, 4, "block_map", &map)) < 0 ||
        (rc = get_vec(r, st, 2, 4, "dim_metadata", &meta)) < 0)
        return rc;
    if (rank < 1)
        return fail(r, "a sparse tensor needs rank >= 1");
    if (map.len > (uint32_t)rank)
        return fail(r, "block_map has %u entries for rank %d", map.len, rank);
    if (order.len != (uint32_t)rank + map.len)
        return fail(r, "traversal_order has %u entries, expected rank %d + %u block dims",
                    order.len, rank, map.len);
    if (meta.len != order.len)
        return fail(r, "dim_metadata has %u entries, traversal_order %u", meta.len, order.len);
    s->levels = (int)order.len;
    s->block_dims = (int)map.len;
    unsigned seen = 0; /* bit d: dim d already in traversal_order */
    for (uint32_t i = 0; i < order.len; i++) {
        int32_t d = vec_i32(r, &order, i);
        /* The first rank entries permute the dense dims, the rest the block dims. */
        int32_t lo = i < (uint32_t)rank ? 0 : rank;
        int32_t hi = i < (uint32_t)rank ? rank : s->levels;
        if (d < lo || d >= hi || (seen & (1u << d)))
            return fail(r, "traversal_order[%u] = %d is not a valid permutation entry", i, (int)d);
        seen |= 1u << d;
        s->traversal_order[i] = d;
    }
    seen = 0;
    for (uint32_t i = 0; i < map.len; i++) {
        int32_t d = vec_i32(r, &map, i);
        if (d < 0 || d >= rank || (seen & (1u << d)))
            return fail(r, "block_map[%u] = %d is not a distinct dimension below %d", i, (int)d,
                        rank);
        seen |= 1u << d;
        s->block_map[i] = d;
    }
    for (uint32_t i = 0; i < meta.len; i++) {
        Table dm;
        uint8_t format;
        RomcvTfliteDimMeta *m = &s->dim[i];
        if ((rc = vec_table(r, &meta, i, &dm)) < 0 || (rc = get_u8(r, &dm, 0, 0, &format)) < 0 ||
            (rc = get_i32(r, &dm, 1, 0, &m->dense_size)) < 0)
            return rc;
        if (format > 1)
            return fail(r, "dim_metadata[%u] has format %u (0 DENSE or 1 SPARSE_CSR)", i, format);
        m->sparse = format;
        if (!m->sparse) {
            if (m->dense_size < 1)
                return fail(r, "dim_metadata[%u] is dense with size %d", i, (int)m->dense_size);
            continue;
        }
        if ((rc = parse_index_array(r, &dm, 2, "array_segments", &m->segments)) < 0 ||
            (rc = parse_index_array(r, &dm, 4, "array_indices", &m->indices)) < 0)
            return rc;
    }
    return 0;
}

static int parse_tensor(Reader *r, const Table *t, RomcvTfliteTensor *x, const BufferRef *buffers,
                        int n_buffers) {
    Vec shape;
    Table sub;
    uint8_t type, is_variable;
    int rc;
    if ((rc = get_vec(r, t, 0, 4, "shape", &shape)) < 0)
        return rc;
    if (shape.len > ROMCV_TFLITE_MAX_DIMS)
        return fail(r, "rank %u exceeds %d", shape.len, ROMCV_TFLITE_MAX_DIMS);
    x->rank = (int)shape.len;
    x->count = 1;
    for (uint32_t i = 0; i < shape.len; i++) {
        int32_t d = vec_i32(r, &shape, i);
        if (d < 1)
            return fail(r, "dimension %u is %d", i, (int)d);
        if ((size_t)d > ROMCV_TFLITE_MAX_ELEMENTS / x->count)
            return fail(r, "more than %u elements", ROMCV_TFLITE_MAX_ELEMENTS);
        x->dims[i] = d;
        x->count *= (size_t)d;
    }
    if ((rc = get_u8(r, t, 1, 0, &type)) < 0 || (rc = get_u32(r, t, 2, 0, &x->buffer)) < 0 ||
        (rc = get_str(r, t, 3, "name", &x->name)) < 0 ||
        (rc = get_u8(r, t, 5, 0, &is_variable)) < 0)
        return rc;
    if (!romcv__tflite_type_name(as_i8(type)))
        return fail(r, "type %d unknown", as_i8(type));
    x->type = x->file_type = (RomcvTfliteType)type;
    x->is_variable = is_variable != 0;
    if (x->buffer >= (uint32_t)n_buffers)
        return fail(r, "buffer %u out of range (model has %d buffers)", x->buffer, n_buffers);
    if ((rc = get_table(r, t, 4, &sub)) < 0)
        return rc;
    x->has_quantization = rc > 0;
    if ((rc = get_table(r, t, 6, &sub)) < 0)
        return rc;
    if (rc > 0) {
        x->sparsity = calloc(1, sizeof *x->sparsity);
        if (!x->sparsity)
            return romcv_diag_set(r->diag, ROMCV_ERR(ENOMEM), "%s: out of memory", r->label);
        if ((rc = parse_sparsity(r, &sub, x->rank, x->sparsity)) < 0)
            return rc;
    }
    x->data = buffers[x->buffer].data;
    x->data_size = buffers[x->buffer].size;
    size_t elem = romcv__tflite_type_size(x->type);
    if (x->data && elem) {
        /* count * elem cannot overflow: count <= 2^28, elem <= 16. */
        if (!x->sparsity && x->data_size != x->count * elem)
            return fail(r, "buffer %u holds %zu bytes; shape and type %s need %zu", x->buffer,
                        x->data_size, type_names[x->type], x->count * elem);
        if (x->sparsity && (x->data_size % elem != 0 || x->data_size / elem > x->count))
            return fail(r,
                        "sparse buffer %u holds %zu bytes, not a whole number of %s values "
                        "up to %zu",
                        x->buffer, x->data_size, type_names[x->type], x->count);
    }
    return 0;
}

/* Options by opcode: which BuiltinOptions member the op takes. -1: romcv does
 * not read this op's options. */
static int expected_options(int32_t opcode) {
    switch (opcode) {
    case ROMCV_TFLITE_OP_CONV_2D:
        return ROMCV_TFLITE_OPTIONS_CONV_2D;
    case ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D:
        return ROMCV_TFLITE_OPTIONS_DEPTHWISE_CONV_2D;
    case ROMCV_TFLITE_OP_MAX_POOL_2D:
        return ROMCV_TFLITE_OPTIONS_POOL_2D;
    case ROMCV_TFLITE_OP_CONCATENATION:
        return ROMCV_TFLITE_OPTIONS_CONCATENATION;
    case ROMCV_TFLITE_OP_ADD:
        return ROMCV_TFLITE_OPTIONS_ADD;
    case ROMCV_TFLITE_OP_RESIZE_BILINEAR:
        return ROMCV_TFLITE_OPTIONS_RESIZE_BILINEAR;
    case ROMCV_TFLITE_OP_RESHAPE:
        return ROMCV_TFLITE_OPTIONS_RESHAPE;
    case ROMCV_TFLITE_OP_PAD:
        return ROMCV_TFLITE_OPTIONS_PAD;
    case ROMCV_TFLITE_OP_DEQUANTIZE:
        return ROMCV_TFLITE_OPTIONS_DEQUANTIZE;
    case ROMCV_TFLITE_OP_DEPTH_TO_SPACE:
        return ROMCV_TFLITE_OPTIONS_DEPTH_TO_SPACE;
    case ROMCV_TFLITE_OP_DENSIFY:
        return ROMCV_TFLITE_OPTIONS_DENSIFY;
    case ROMCV_TFLITE_OP_LOGISTIC:
        return ROMCV_TFLITE_OPTIONS_NONE; /* schema.fbs has no LogisticOptions */
    default:
        return -1;
    }
}

static int get_int(Reader *r, const Table *t, int index, int32_t def, int *v) {
    int32_t x;
    int rc = get_i32(r, t, index, def, &x);
    *v = x;
    return rc;
}

static int get_flag(Reader *r, const Table *t, int index, uint8_t def, int *v) {
    uint8_t x;
    int rc = get_u8(r, t, index, def, &x);
    *v = x;
    return rc;
}

/* Field numbers below are the field positions in schema.fbs's tables. */
static int parse_options(Reader *r, const Table *opt_table, int32_t opcode, RomcvTfliteOp *op) {
    const Table *t = opt_table;
    int padding = 0, act = 0, rc = 0;
    Vec v;
    switch (opcode) {
    case ROMCV_TFLITE_OP_CONV_2D: /* Conv2DOptions */
        op->opt.conv.dilation_w = op->opt.conv.dilation_h = 1;
        if (t && ((rc = get_flag(r, t, 0, 0, &padding)) < 0 ||
                  (rc = get_int(r, t, 1, 0, &op->opt.conv.stride_w)) < 0 ||
                  (rc = get_int(r, t, 2, 0, &op->opt.conv.stride_h)) < 0 ||
                  (rc = get_flag(r, t, 3, 0, &act)) < 0 ||
                  (rc = get_int(r, t, 4, 1, &op->opt.conv.dilation_w)) < 0 ||
                  (rc = get_int(r, t, 5, 1, &op->opt.conv.dilation_h)) < 0))
            return rc;
        op->opt.conv.padding = (RomcvTflitePadding)padding;
        op->opt.conv.activation = (RomcvTfliteActivation)act;
        break;
    case ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D: /* DepthwiseConv2DOptions */
        op->opt.conv.dilation_w = op->opt.conv.dilation_h = 1;
        if (t && ((rc = get_flag(r, t, 0, 0, &padding)) < 0 ||
                  (rc = get_int(r, t, 1, 0, &op->opt.conv.stride_w)) < 0 ||
                  (rc = get_int(r, t, 2, 0, &op->opt.conv.stride_h)) < 0 ||
                  (rc = get_int(r, t, 3, 0, &op->opt.conv.depth_multiplier)) < 0 ||
                  (rc = get_flag(r, t, 4, 0, &act)) < 0 ||
                  (rc = get_int(r, t, 5, 1, &op->opt.conv.dilation_w)) < 0 ||
                  (rc = get_int(r, t, 6, 1, &op->opt.conv.dilation_h)) < 0))
            return rc;
        op->opt.conv.padding = (RomcvTflitePadding)padding;
        op->opt.conv.activation = (RomcvTfliteActivation)act;
        break;
    case ROMCV_TFLITE_OP_MAX_POOL_2D: /* Pool2DOptions */
        if (t && ((rc = get_flag(r, t, 0, 0, &padding)) < 0 ||
                  (rc = get_int(r, t, 1, 0, &op->opt.pool.stride_w)) < 0 ||
                  (rc = get_int(r, t, 2, 0, &op->opt.pool.stride_h)) < 0 ||
                  (rc = get_int(r, t, 3, 0, &op->opt.pool.filter_w)) < 0 ||
                  (rc = get_int(r, t, 4, 0, &op->opt.pool.filter_h)) < 0 ||
                  (rc = get_flag(r, t, 5, 0, &act)) < 0))
            return rc;
        op->opt.pool.padding = (RomcvTflitePadding)padding;
        op->opt.pool.activation = (RomcvTfliteActivation)act;
        break;
    case ROMCV_TFLITE_OP_CONCATENATION: /* ConcatenationOptions */
        if (t && ((rc = get_int(r, t, 0, 0, &op->opt.concat.axis)) < 0 ||
                  (rc = get_flag(r, t, 1, 0, &act)) < 0))
            return rc;
        op->opt.concat.activation = (RomcvTfliteActivation)act;
        break;
    case ROMCV_TFLITE_OP_ADD: /* AddOptions */
        op->opt.add.pot_scale_int16 = 1;
        if (t && ((rc = get_flag(r, t, 0, 0, &act)) < 0 ||
                  (rc = get_flag(r, t, 1, 1, &op->opt.add.pot_scale_int16)) < 0))
            return rc;
        op->opt.add.activation = (RomcvTfliteActivation)act;
        break;
    case ROMCV_TFLITE_OP_RESIZE_BILINEAR: /* ResizeBilinearOptions; 0, 1 deprecated */
        if (t && ((rc = get_flag(r, t, 2, 0, &op->opt.resize.align_corners)) < 0 ||
                  (rc = get_flag(r, t, 3, 0, &op->opt.resize.half_pixel_centers)) < 0))
            return rc;
        break;
    case ROMCV_TFLITE_OP_RESHAPE: /* ReshapeOptions */
        if (t && (rc = get_vec(r, t, 0, 4, "new_shape", &v)) < 0)
            return rc;
        if (t && rc > 0) {
            if (v.len > ROMCV_TFLITE_MAX_DIMS)
                return fail(r, "new_shape has %u entries (limit %d)", v.len, ROMCV_TFLITE_MAX_DIMS);
            op->opt.reshape.n_new_shape = (int)v.len;
            for (uint32_t i = 0; i < v.len; i++)
                op->opt.reshape.new_shape[i] = vec_i32(r, &v, i);
        }
        break;
    case ROMCV_TFLITE_OP_DEPTH_TO_SPACE: /* DepthToSpaceOptions */
        if (t && (rc = get_int(r, t, 0, 0, &op->opt.depth_to_space.block_size)) < 0)
            return rc;
        break;
    default: /* PadOptions, DequantizeOptions, DensifyOptions are empty */
        break;
    }
    return 0;
}

static int parse_op(Reader *r, const Table *t, RomcvTfliteOp *op, const OpcodeRef *codes,
                    int n_codes, int n_tensors) {
    uint32_t opcode_index;
    uint8_t options_type;
    Vec in, out;
    Table opt;
    int rc;
    if ((rc = get_u32(r, t, 0, 0, &opcode_index)) < 0)
        return rc;
    if (opcode_index >= (uint32_t)n_codes)
        return fail(r, "opcode index %u out of range (model has %d operator codes)", opcode_index,
                    n_codes);
    op->opcode = codes[opcode_index].code;
    op->version = codes[opcode_index].version;
    op->custom_code = codes[opcode_index].custom;
    if ((rc = get_vec(r, t, 1, 4, "inputs", &in)) < 0 ||
        (rc = get_vec(r, t, 2, 4, "outputs", &out)) < 0)
        return rc;
    if (in.len > ROMCV_TFLITE_MAX_OP_IO || out.len > ROMCV_TFLITE_MAX_OP_IO)
        return fail(r, "%u inputs and %u outputs (limit %d)", in.len, out.len,
                    ROMCV_TFLITE_MAX_OP_IO);
    op->inputs = malloc((in.len + out.len + 1) * sizeof *op->inputs);
    if (!op->inputs)
        return romcv_diag_set(r->diag, ROMCV_ERR(ENOMEM), "%s: out of memory", r->label);
    op->outputs = op->inputs + in.len;
    op->n_inputs = (int)in.len;
    op->n_outputs = (int)out.len;
    for (uint32_t i = 0; i < in.len; i++) {
        op->inputs[i] = vec_i32(r, &in, i);
        /* schema.fbs: "Optional input are indicated by -1"; whether the
         * input may be omitted depends on the op (check_supported). */
        if (op->inputs[i] < -1 || op->inputs[i] >= n_tensors)
            return fail(r, "input %u is tensor %d, out of range (subgraph has %d tensors)", i,
                        (int)op->inputs[i], n_tensors);
    }
    for (uint32_t i = 0; i < out.len; i++) {
        op->outputs[i] = vec_i32(r, &out, i);
        if (op->outputs[i] < 0 || op->outputs[i] >= n_tensors)
            return fail(r, "output %u is tensor %d, out of range (subgraph has %d tensors)", i,
                        (int)op->outputs[i], n_tensors);
    }
    if ((rc = get_u8(r, t, 3, 0, &options_type)) < 0)
        return rc;
    op->options_type = options_type;
    int expected = expected_options(op->opcode);
    if (expected < 0)
        return 0;
    if (options_type != 0 && options_type != expected)
        return fail(r, "%s has builtin options type %u (expected %d)",
                    romcv__tflite_op_name(op->opcode), options_type, expected);
    const Table *table = NULL;
    if (options_type != 0) {
        if ((rc = get_table(r, t, 4, &opt)) < 0)
            return rc;
        if (rc == 0)
            return fail(r, "builtin options type %u without the options table", options_type);
        table = &opt;
    }
    return parse_options(r, table, op->opcode, op);
}

static int parse_index_list(Reader *r, const Table *t, int index, const char *what, int n_tensors,
                            int32_t **list, int *n) {
    Vec v;
    int rc;
    if ((rc = get_vec(r, t, index, 4, what, &v)) < 0)
        return rc;
    if (v.len > ROMCV_TFLITE_MAX_TENSORS)
        return fail(r, "%u %s (limit %d)", v.len, what, ROMCV_TFLITE_MAX_TENSORS);
    *list = malloc((v.len + 1) * sizeof **list);
    if (!*list)
        return romcv_diag_set(r->diag, ROMCV_ERR(ENOMEM), "%s: out of memory", r->label);
    *n = (int)v.len;
    for (uint32_t i = 0; i < v.len; i++) {
        (*list)[i] = vec_i32(r, &v, i);
        if ((*list)[i] < 0 || (*list)[i] >= n_tensors)
            return fail(r, "%s[%u] is tensor %d, out of range (subgraph has %d tensors)", what, i,
                        (int)(*list)[i], n_tensors);
    }
    return 0;
}

static int parse_model(Reader *r, RomcvTfliteModel *m) {
    Table root, sg;
    Vec subgraphs, tensors, ops;
    BufferRef *buffers = NULL;
    OpcodeRef *codes = NULL;
    int n_codes = 0, rc;

    if (r->size < 8)
        return fail(r, "%zu bytes is too short for a TFLite model", r->size);
    if (memcmp(r->buf + 4, "TFL3", 4) != 0)
        return fail(r, "not a TFLite model (file identifier is not \"TFL3\")");
    set_where(r, "model");
    size_t root_pos = 0;
    if ((rc = follow(r, 0, &root_pos)) < 0 || (rc = table_at(r, root_pos, &root)) < 0 ||
        (rc = get_u32(r, &root, 0, 0, &m->version)) < 0 ||
        (rc = get_str(r, &root, 3, "description", &m->description)) < 0)
        return rc;
    if (m->version != 3)
        return fail(r, "schema version %u (romcv reads version 3)", m->version);
    if ((rc = parse_buffers(r, &root, &buffers, &m->n_buffers)) < 0)
        goto done;
    if ((rc = parse_opcodes(r, &root, &codes, &n_codes)) < 0)
        goto done;

    set_where(r, "model");
    if ((rc = get_vec(r, &root, 2, 4, "subgraphs", &subgraphs)) < 0)
        goto done;
    if (subgraphs.len == 0) {
        rc = fail(r, "the model has no subgraphs");
        goto done;
    }
    m->n_subgraphs = subgraphs.len > INT_MAX ? INT_MAX : (int)subgraphs.len;
    set_where(r, "subgraph 0");
    if ((rc = vec_table(r, &subgraphs, 0, &sg)) < 0 ||
        (rc = get_vec(r, &sg, 0, 4, "tensors", &tensors)) < 0 ||
        (rc = get_vec(r, &sg, 3, 4, "operators", &ops)) < 0 ||
        (rc = get_str(r, &sg, 4, "name", &m->graph_name)) < 0)
        goto done;
    if (tensors.len > ROMCV_TFLITE_MAX_TENSORS || ops.len > ROMCV_TFLITE_MAX_OPS) {
        rc = fail(r, "%u tensors and %u operators (limits %d and %d)", tensors.len, ops.len,
                  ROMCV_TFLITE_MAX_TENSORS, ROMCV_TFLITE_MAX_OPS);
        goto done;
    }
    m->tensors = calloc(tensors.len + 1, sizeof *m->tensors);
    m->ops = calloc(ops.len + 1, sizeof *m->ops);
    if (!m->tensors || !m->ops) {
        rc = romcv_diag_set(r->diag, ROMCV_ERR(ENOMEM), "%s: out of memory", r->label);
        goto done;
    }
    m->n_tensors = (int)tensors.len;
    for (uint32_t i = 0; i < tensors.len; i++) {
        Table t;
        set_where(r, "subgraph 0 tensor %u", i);
        m->tensors[i].name = "";
        if ((rc = vec_table(r, &tensors, i, &t)) < 0 ||
            (rc = parse_tensor(r, &t, &m->tensors[i], buffers, m->n_buffers)) < 0)
            goto done;
    }
    set_where(r, "subgraph 0");
    if ((rc = parse_index_list(r, &sg, 1, "inputs", m->n_tensors, &m->inputs, &m->n_inputs)) < 0 ||
        (rc = parse_index_list(r, &sg, 2, "outputs", m->n_tensors, &m->outputs, &m->n_outputs)) < 0)
        goto done;
    for (uint32_t i = 0; i < ops.len; i++) {
        Table t;
        set_where(r, "subgraph 0 op %u", i);
        m->ops[i].index = (int)i;
        m->n_ops = m->n_ops_total_ = (int)i + 1; /* so that free() sees this op's arrays */
        if ((rc = vec_table(r, &ops, i, &t)) < 0 ||
            (rc = parse_op(r, &t, &m->ops[i], codes, n_codes, m->n_tensors)) < 0)
            goto done;
    }
    rc = 0;
done:
    free(buffers);
    free(codes);
    return rc;
}

/* Takes ownership of bytes (malloc'd) whatever happens. */
static int load_owned(RomcvTfliteModel **out, uint8_t *bytes, size_t size, const char *label,
                      RomcvDiag *diag) {
    *out = NULL;
    RomcvTfliteModel *m = calloc(1, sizeof *m);
    if (!m) {
        free(bytes);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", label);
    }
    m->bytes_ = bytes;
    m->size_ = size;
    m->description = m->graph_name = "";
    snprintf(m->label, sizeof m->label, "%s", label);
    Reader r = {.buf = bytes, .size = size, .label = m->label, .diag = diag};
    int rc = parse_model(&r, m);
    if (rc < 0) {
        romcv__tflite_free(&m);
        return rc;
    }
    *out = m;
    return 0;
}

int romcv__tflite_load(RomcvTfliteModel **out, const uint8_t *data, size_t size, RomcvDiag *diag) {
    /* One spare byte so that an empty input still gets a real allocation. */
    uint8_t *copy = malloc(size + 1);
    if (!copy) {
        *out = NULL;
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "tflite: out of memory (%zu bytes)", size);
    }
    if (size)
        memcpy(copy, data, size);
    return load_owned(out, copy, size, "tflite", diag);
}

int romcv__tflite_load_file(RomcvTfliteModel **out, const char *path, RomcvDiag *diag) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        return romcv_diag_set(diag, ROMCV_ERR(e), "%s: cannot open: %s", path,
                              romcv_strerror(ROMCV_ERR(e)));
    }
    uint8_t *bytes = NULL;
    long end = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        end = ftell(f);
    if (end < 0 || fseek(f, 0, SEEK_SET) != 0) {
        int e = errno ? errno : EIO;
        fclose(f);
        return romcv_diag_set(diag, ROMCV_ERR(e), "%s: cannot determine the size: %s", path,
                              romcv_strerror(ROMCV_ERR(e)));
    }
    bytes = malloc((size_t)end + 1);
    if (!bytes) {
        fclose(f);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory (%ld bytes)", path, end);
    }
    size_t got = fread(bytes, 1, (size_t)end, f);
    int read_error = ferror(f);
    fclose(f);
    if (got != (size_t)end || read_error) {
        free(bytes);
        return romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: read %zu of %ld bytes", path, got, end);
    }
    return load_owned(out, bytes, (size_t)end, path, diag);
}

void romcv__tflite_free(RomcvTfliteModel **model) {
    if (!model || !*model)
        return;
    RomcvTfliteModel *m = *model;
    if (m->tensors) {
        for (int i = 0; i < m->n_tensors; i++) {
            free(m->tensors[i].sparsity);
            free(m->tensors[i].fp32_owned_);
        }
    }
    if (m->ops) {
        for (int i = 0; i < m->n_ops_total_; i++)
            free(m->ops[i].inputs);
    }
    free(m->tensors);
    free(m->ops);
    free(m->inputs);
    free(m->outputs);
    free(m->bytes_);
    free(m);
    *model = NULL;
}

int romcv__tflite_find_tensor(const RomcvTfliteModel *model, const char *name) {
    for (int i = 0; i < model->n_tensors; i++)
        if (strcmp(model->tensors[i].name, name) == 0)
            return i;
    return -1;
}

/* ============================================================ materialisation */

static int model_fail(const RomcvTfliteModel *m, RomcvDiag *diag, int code, const char *fmt, ...)
    ROMCV_PRINTF(4, 5);

static int model_fail(const RomcvTfliteModel *m, RomcvDiag *diag, int code, const char *fmt, ...) {
    char msg[400];
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    return romcv_diag_set(diag, code, "%s: %s", m->label, msg);
}

/* 64-byte aligned (ROMCV_ALIGNMENT) for SIMD kernels, rounded up as
 * aligned_alloc requires. NULL on failure. */
static float *alloc_floats(size_t count) {
    size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
    return aligned_alloc(64, bytes ? bytes : 64);
}

static float read_value(const uint8_t *p, RomcvTfliteType type) {
    if (type == ROMCV_TFLITE_FLOAT16)
        return romcv__tflite_fp16_to_fp32(rd16(p));
    uint32_t bits = rd32(p);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

typedef struct Densify {
    const RomcvTfliteTensor *t;
    const RomcvTfliteSparsity *s;
    int32_t level_size[2 * ROMCV_TFLITE_MAX_DIMS];
    int32_t block_size[ROMCV_TFLITE_MAX_DIMS];
    int32_t coord[2 * ROMCV_TFLITE_MAX_DIMS];
    size_t stride[ROMCV_TFLITE_MAX_DIMS];
    size_t next_value, n_values;
    size_t value_size;
    float *dst;
    int bad; /* a defensive bound tripped; never set for a validated encoding */
} Densify;

/* Visits every stored element in traversal order (the order the values are
 * stored in), as TFLite's FormatConverter does. Recursion depth is at most
 * 2 * ROMCV_TFLITE_MAX_DIMS; the visit count was bounded by densify(). */
static void populate(Densify *c, int level, size_t parent) {
    const RomcvTfliteSparsity *s = c->s;
    if (level == s->levels) {
        int rank = c->t->rank;
        size_t orig[ROMCV_TFLITE_MAX_DIMS] = {0};
        /* Validated at parse time; checked again so the optimiser (and a
         * reader) can see every index below stays inside its array. */
        if (rank < 0 || rank > ROMCV_TFLITE_MAX_DIMS || s->levels < rank ||
            s->levels > 2 * ROMCV_TFLITE_MAX_DIMS) {
            c->bad = 1;
            return;
        }
        for (int l = 0; l < rank; l++)
            orig[s->traversal_order[l]] = (size_t)c->coord[l];
        for (int l = rank; l < s->levels; l++) {
            int j = s->traversal_order[l] - rank;
            if (j < 0 || j >= s->block_dims || j >= ROMCV_TFLITE_MAX_DIMS) {
                c->bad = 1;
                return;
            }
            int d = s->block_map[j];
            if (d < 0 || d >= rank) {
                c->bad = 1;
                return;
            }
            orig[d] = orig[d] * (size_t)c->block_size[j] + (size_t)c->coord[l];
        }
        size_t flat = 0;
        for (int d = 0; d < rank; d++)
            flat += orig[d] * c->stride[d];
        if (flat >= c->t->count || c->next_value >= c->n_values) {
            c->bad = 1;
            return;
        }
        c->dst[flat] = read_value(c->t->data + c->next_value * c->value_size, c->t->file_type);
        c->next_value++;
        return;
    }
    const RomcvTfliteDimMeta *m = &s->dim[level];
    if (!m->sparse) {
        for (int32_t i = 0; i < c->level_size[level] && !c->bad; i++) {
            c->coord[level] = i;
            populate(c, level + 1, parent * (size_t)c->level_size[level] + (size_t)i);
        }
        return;
    }
    uint32_t begin = romcv__tflite_index_at(&m->segments, (uint32_t)parent);
    uint32_t end = romcv__tflite_index_at(&m->segments, (uint32_t)parent + 1);
    for (uint32_t p = begin; p < end && !c->bad; p++) {
        c->coord[level] = (int32_t)romcv__tflite_index_at(&m->indices, p);
        populate(c, level + 1, p);
    }
}

/* Expands sparse constant tensor ti into a dense fp32 array (zeros elsewhere).
 * Every size in the encoding is checked first, level by level, so that
 * populate() visits at most count leaves per level and reads each stored
 * value once: segments must have one entry per parent node plus one, start at
 * 0, never decrease, end at the number of indices, and give no parent more
 * children than the level's size; indices must lie inside the level; the last
 * level's node count must equal the number of stored values. */
static int densify(const RomcvTfliteModel *m, int ti, float **out, RomcvDiag *diag) {
    const RomcvTfliteTensor *t = &m->tensors[ti];
    const RomcvTfliteSparsity *s = t->sparsity;
    Densify c = {.t = t, .s = s};
    int rank = t->rank;
    *out = NULL;
    if (t->file_type != ROMCV_TFLITE_FLOAT32 && t->file_type != ROMCV_TFLITE_FLOAT16)
        return model_fail(m, diag, ROMCV_E_UNSUPPORTED, "tensor %d: cannot densify %s values", ti,
                          type_names[t->file_type]);
    if (t->count > ROMCV_TFLITE_MAX_DENSIFY)
        return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                          "tensor %d: %zu elements to densify (limit %u)", ti, t->count,
                          ROMCV_TFLITE_MAX_DENSIFY);
    c.value_size = romcv__tflite_type_size(t->file_type);
    c.n_values = t->data ? t->data_size / c.value_size : 0;

    int32_t dim_size[ROMCV_TFLITE_MAX_DIMS];
    memcpy(dim_size, t->dims, sizeof dim_size);
    for (int j = 0; j < s->block_dims; j++) {
        int l = 0;
        while (s->traversal_order[l] != rank + j)
            l++; /* present: parse_sparsity checked the permutation */
        int d = s->block_map[j];
        int32_t bs = s->dim[l].dense_size;
        if (s->dim[l].sparse || bs < 1 || t->dims[d] % bs != 0)
            return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                              "tensor %d: block dimension %d must be dense and divide dimension "
                              "%d (%d)",
                              ti, j, d, (int)t->dims[d]);
        c.block_size[j] = bs;
        dim_size[d] = t->dims[d] / bs;
    }
    size_t nodes = 1;
    for (int l = 0; l < s->levels; l++) {
        int d = s->traversal_order[l];
        int32_t size = d < rank ? dim_size[d] : c.block_size[d - rank];
        const RomcvTfliteDimMeta *dm = &s->dim[l];
        c.level_size[l] = size;
        if (!dm->sparse) {
            if (dm->dense_size != size)
                return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                                  "tensor %d: dim_metadata[%d] dense size %d, dimension is %d", ti,
                                  l, (int)dm->dense_size, (int)size);
            nodes *= (size_t)size; /* <= count: the product of the dims */
            continue;
        }
        const RomcvTfliteIndexArray *seg = &dm->segments, *idx = &dm->indices;
        if (seg->count != nodes + 1)
            return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                              "tensor %d: dim_metadata[%d] has %u segments for %zu parents", ti, l,
                              seg->count, nodes);
        uint32_t prev = romcv__tflite_index_at(seg, 0);
        if (prev != 0)
            return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                              "tensor %d: dim_metadata[%d] segments start at %u", ti, l, prev);
        for (uint32_t i = 1; i < seg->count; i++) {
            uint32_t cur = romcv__tflite_index_at(seg, i);
            if (cur < prev || cur - prev > (uint32_t)size || cur > idx->count)
                return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                                  "tensor %d: dim_metadata[%d] segment %u [%u, %u) is invalid "
                                  "(%u indices, level size %d)",
                                  ti, l, i - 1, prev, cur, idx->count, (int)size);
            prev = cur;
        }
        if (prev != idx->count)
            return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                              "tensor %d: dim_metadata[%d] segments end at %u, %u indices", ti, l,
                              prev, idx->count);
        for (uint32_t i = 0; i < idx->count; i++)
            if (romcv__tflite_index_at(idx, i) >= (uint32_t)size)
                return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                                  "tensor %d: dim_metadata[%d] index %u is %u, level size %d", ti,
                                  l, i, romcv__tflite_index_at(idx, i), (int)size);
        nodes = idx->count;
    }
    if (nodes != c.n_values)
        return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                          "tensor %d: the sparse encoding describes %zu values, buffer %u holds "
                          "%zu",
                          ti, nodes, t->buffer, c.n_values);
    c.stride[rank - 1] = 1;
    for (int d = rank - 1; d > 0; d--)
        c.stride[d - 1] = c.stride[d] * (size_t)t->dims[d];
    c.dst = alloc_floats(t->count);
    if (!c.dst)
        return model_fail(m, diag, ROMCV_ERR(ENOMEM), "out of memory");
    memset(c.dst, 0, t->count * sizeof(float));
    populate(&c, 0, 0);
    if (c.bad || c.next_value != c.n_values) {
        free(c.dst);
        return model_fail(m, diag, ROMCV_E_INVALID_DATA, "tensor %d: inconsistent sparse encoding",
                          ti);
    }
    *out = c.dst;
    return 0;
}

static int same_shape(const RomcvTfliteTensor *a, const RomcvTfliteTensor *b) {
    return a->rank == b->rank && memcmp(a->dims, b->dims, (size_t)a->rank * sizeof a->dims[0]) == 0;
}

static int is_constant(const RomcvTfliteTensor *t) {
    return t->data != NULL || t->fp32 != NULL;
}

/* Folds one DENSIFY or DEQUANTIZE op into its output tensor's fp32 values. */
static int fold_op(RomcvTfliteModel *m, const RomcvTfliteOp *op, RomcvDiag *diag) {
    const char *name = romcv__tflite_op_name(op->opcode);
    if (op->n_inputs != 1 || op->n_outputs != 1 || op->inputs[0] < 0)
        return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                          "op %d (%s) has %d inputs and %d outputs (expected 1 and 1)", op->index,
                          name, op->n_inputs, op->n_outputs);
    int ii = op->inputs[0], oi = op->outputs[0];
    RomcvTfliteTensor *in = &m->tensors[ii], *out = &m->tensors[oi];
    if (ii == oi || is_constant(out) || out->sparsity)
        return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                          "op %d (%s): output tensor %d is already constant", op->index, name, oi);
    if (!is_constant(in))
        return model_fail(m, diag, ROMCV_E_UNSUPPORTED,
                          "op %d (%s): input tensor %d is not constant (only load-time %s is "
                          "supported)",
                          op->index, name, ii, name);
    if (!same_shape(in, out))
        return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                          "op %d (%s): input tensor %d and output tensor %d differ in shape",
                          op->index, name, ii, oi);
    float *values = NULL;
    int rc;
    if (op->opcode == ROMCV_TFLITE_OP_DENSIFY) {
        if (!in->sparsity || in->fp32)
            return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                              "op %d (DENSIFY): input tensor %d is not sparse", op->index, ii);
        if (out->file_type != in->file_type)
            return model_fail(m, diag, ROMCV_E_INVALID_DATA,
                              "op %d (DENSIFY): output type %s differs from input type %s",
                              op->index, type_names[out->file_type], type_names[in->file_type]);
        if ((rc = densify(m, ii, &values, diag)) < 0)
            return rc;
        out->fp32 = out->fp32_owned_ = values;
    } else {
        if (out->file_type != ROMCV_TFLITE_FLOAT32)
            return model_fail(m, diag, ROMCV_E_UNSUPPORTED,
                              "op %d (DEQUANTIZE): output tensor %d is %s, not FLOAT32", op->index,
                              oi, type_names[out->file_type]);
        if (in->fp32) {
            /* Already fp32 (a densified fp16 tensor): share, the input owns. */
            out->fp32 = in->fp32;
        } else {
            if (in->sparsity || in->file_type != ROMCV_TFLITE_FLOAT16)
                return model_fail(m, diag, ROMCV_E_UNSUPPORTED,
                                  "op %d (DEQUANTIZE): input tensor %d is %s%s; only dense fp16 "
                                  "constants are supported",
                                  op->index, ii, in->sparsity ? "sparse " : "",
                                  type_names[in->file_type]);
            values = alloc_floats(in->count);
            if (!values)
                return model_fail(m, diag, ROMCV_ERR(ENOMEM), "out of memory");
            for (size_t k = 0; k < in->count; k++)
                values[k] = romcv__tflite_fp16_to_fp32(rd16(in->data + 2 * k));
            out->fp32 = out->fp32_owned_ = values;
        }
    }
    out->type = ROMCV_TFLITE_FLOAT32;
    return 0;
}

static int host_is_little_endian(void) {
    const uint16_t one = 1;
    uint8_t first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Gives a live constant tensor fp32 values (or leaves INT32 raw). */
static int materialise_tensor(RomcvTfliteModel *m, int ti, RomcvDiag *diag) {
    RomcvTfliteTensor *t = &m->tensors[ti];
    if (t->fp32 || !t->data)
        return 0;
    if (t->sparsity)
        return model_fail(m, diag, ROMCV_E_UNSUPPORTED,
                          "tensor %d (%s) is sparse but no DENSIFY reads it", ti, t->name);
    switch (t->file_type) {
    case ROMCV_TFLITE_FLOAT32:
        /* The file's bytes are the values: use them in place when the host
         * and the address allow it (buffers are 16-byte aligned in practice). */
        if (host_is_little_endian() && (uintptr_t)t->data % _Alignof(float) == 0) {
            t->fp32 = (const float *)(const void *)t->data;
            return 0;
        }
        break;
    case ROMCV_TFLITE_FLOAT16:
        break;
    case ROMCV_TFLITE_INT32:
        return 0;
    default:
        return model_fail(m, diag, ROMCV_E_UNSUPPORTED, "tensor %d (%s) is a %s constant", ti,
                          t->name, type_names[t->file_type]);
    }
    float *values = alloc_floats(t->count);
    if (!values)
        return model_fail(m, diag, ROMCV_ERR(ENOMEM), "out of memory");
    size_t step = romcv__tflite_type_size(t->file_type);
    for (size_t k = 0; k < t->count; k++)
        values[k] = read_value(t->data + k * step, t->file_type);
    t->fp32 = t->fp32_owned_ = values;
    t->type = ROMCV_TFLITE_FLOAT32;
    return 0;
}

int romcv__tflite_materialise_constants(RomcvTfliteModel *m, RomcvDiag *diag) {
    int rc;
    if (m->materialised)
        return 0;
    /* Ops run in file order, so a DENSIFY precedes the DEQUANTIZE reading its
     * output; folding in that order needs no dependency analysis. */
    int kept = 0;
    for (int i = 0; i < m->n_ops; i++) {
        RomcvTfliteOp op = m->ops[i];
        if (op.opcode == ROMCV_TFLITE_OP_DENSIFY || op.opcode == ROMCV_TFLITE_OP_DEQUANTIZE) {
            if ((rc = fold_op(m, &op, diag)) < 0)
                return rc;
            free(op.inputs);
            m->ops[i].inputs = NULL;
            continue;
        }
        /* Each index array keeps exactly one owner, so that free() after a
         * failure half way through never frees one twice. */
        if (kept != i) {
            m->ops[kept] = op;
            memset(&m->ops[i], 0, sizeof m->ops[i]);
        }
        kept++;
    }
    m->n_ops = kept;

    for (int i = 0; i < m->n_ops; i++) {
        const RomcvTfliteOp *op = &m->ops[i];
        for (int k = 0; k < op->n_inputs; k++)
            if (op->inputs[k] >= 0)
                m->tensors[op->inputs[k]].live = 1;
        for (int k = 0; k < op->n_outputs; k++)
            m->tensors[op->outputs[k]].live = 1;
    }
    for (int i = 0; i < m->n_inputs; i++)
        m->tensors[m->inputs[i]].live = 1;
    for (int i = 0; i < m->n_outputs; i++)
        m->tensors[m->outputs[i]].live = 1;
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].live && (rc = materialise_tensor(m, i, diag)) < 0)
            return rc;
    m->materialised = 1;
    return 0;
}

/* ============================================================ support check */

typedef struct Checker {
    const RomcvTfliteModel *m;
    RomcvDiag *diag;
    const RomcvTfliteOp *op;
    const char *name;
} Checker;

static int op_fail(Checker *c, int code, const char *fmt, ...) ROMCV_PRINTF(3, 4);

static int op_fail(Checker *c, int code, const char *fmt, ...) {
    char msg[320];
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    return romcv_diag_set(c->diag, code, "%s: op %d (%s): %s", c->m->label, c->op->index, c->name,
                          msg);
}

static int check_arity(Checker *c, int min_in, int max_in, int n_out) {
    if (c->op->n_inputs < min_in || c->op->n_inputs > max_in || c->op->n_outputs != n_out)
        return op_fail(c, ROMCV_E_INVALID_DATA,
                       "%d inputs and %d outputs (expected %d to %d inputs and %d outputs)",
                       c->op->n_inputs, c->op->n_outputs, min_in, max_in, n_out);
    return 0;
}

/* Input k must be a constant of type (FLOAT32 constants have fp32 values) and
 * rank (-1: any); optional inputs may be -1 (omitted). */
static int check_const(Checker *c, int k, RomcvTfliteType type, int rank, int optional) {
    int ti = c->op->inputs[k];
    if (ti < 0) {
        if (optional)
            return 0;
        return op_fail(c, ROMCV_E_INVALID_DATA, "input %d is omitted but required", k);
    }
    const RomcvTfliteTensor *t = &c->m->tensors[ti];
    int ok = t->type == type && (type == ROMCV_TFLITE_FLOAT32 ? t->fp32 != NULL : t->data != NULL);
    if (!ok || (rank >= 0 && t->rank != rank))
        return op_fail(c, ROMCV_E_UNSUPPORTED,
                       "input %d (tensor %d) must be a constant %s of rank %d, is %s%s of rank %d",
                       k, ti, type_names[type], rank, is_constant(t) ? "a constant " : "a ",
                       type_names[t->type], t->rank);
    return 0;
}

static int check_activation(Checker *c, int act) {
    if (act < ROMCV_TFLITE_ACT_NONE || act > ROMCV_TFLITE_ACT_RELU6)
        return op_fail(c, ROMCV_E_UNSUPPORTED, "fused activation %d unsupported", act);
    return 0;
}

static int check_window(Checker *c, int padding, int sw, int sh, int a, int b, const char *what) {
    if (padding != ROMCV_TFLITE_PADDING_SAME && padding != ROMCV_TFLITE_PADDING_VALID)
        return op_fail(c, ROMCV_E_INVALID_DATA, "padding %d unknown", padding);
    if (sw < 1 || sh < 1 || a < 1 || b < 1)
        return op_fail(c, ROMCV_E_INVALID_DATA, "strides %dx%d and %s %dx%d must be >= 1", sw, sh,
                       what, a, b);
    return 0;
}

static int check_op(Checker *c) {
    const RomcvTfliteOp *op = c->op;
    const RomcvTfliteModel *m = c->m;
    int rc;
    switch (op->opcode) {
    case ROMCV_TFLITE_OP_CONV_2D:
    case ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D:
        if ((rc = check_arity(c, 2, 3, 1)) < 0 ||
            (rc = check_const(c, 1, ROMCV_TFLITE_FLOAT32, 4, 0)) < 0 ||
            (op->n_inputs == 3 && (rc = check_const(c, 2, ROMCV_TFLITE_FLOAT32, 1, 1)) < 0) ||
            (rc =
                 check_window(c, op->opt.conv.padding, op->opt.conv.stride_w, op->opt.conv.stride_h,
                              op->opt.conv.dilation_w, op->opt.conv.dilation_h, "dilations")) < 0)
            return rc;
        return check_activation(c, op->opt.conv.activation);
    case ROMCV_TFLITE_OP_MAX_POOL_2D:
        if ((rc = check_arity(c, 1, 1, 1)) < 0 ||
            (rc =
                 check_window(c, op->opt.pool.padding, op->opt.pool.stride_w, op->opt.pool.stride_h,
                              op->opt.pool.filter_w, op->opt.pool.filter_h, "filter")) < 0)
            return rc;
        return check_activation(c, op->opt.pool.activation);
    case ROMCV_TFLITE_OP_ADD:
        if ((rc = check_arity(c, 2, 2, 1)) < 0)
            return rc;
        return check_activation(c, op->opt.add.activation);
    case ROMCV_TFLITE_OP_CONCATENATION: {
        if ((rc = check_arity(c, 1, ROMCV_TFLITE_MAX_OP_IO, 1)) < 0)
            return rc;
        int rank = m->tensors[op->outputs[0]].rank;
        if (op->opt.concat.axis < -rank || op->opt.concat.axis >= rank)
            return op_fail(c, ROMCV_E_INVALID_DATA, "axis %d outside rank %d", op->opt.concat.axis,
                           rank);
        return check_activation(c, op->opt.concat.activation);
    }
    case ROMCV_TFLITE_OP_RESHAPE:
        if ((rc = check_arity(c, 1, 2, 1)) < 0 ||
            (op->n_inputs == 2 && (rc = check_const(c, 1, ROMCV_TFLITE_INT32, 1, 1)) < 0))
            return rc;
        if (op->inputs[0] >= 0 &&
            m->tensors[op->inputs[0]].count != m->tensors[op->outputs[0]].count)
            return op_fail(c, ROMCV_E_INVALID_DATA, "%zu elements in, %zu out",
                           m->tensors[op->inputs[0]].count, m->tensors[op->outputs[0]].count);
        return 0;
    case ROMCV_TFLITE_OP_RESIZE_BILINEAR:
        if ((rc = check_arity(c, 2, 2, 1)) < 0)
            return rc;
        return check_const(c, 1, ROMCV_TFLITE_INT32, 1, 0);
    case ROMCV_TFLITE_OP_LOGISTIC:
        return check_arity(c, 1, 1, 1);
    case ROMCV_TFLITE_OP_PAD:
        if ((rc = check_arity(c, 2, 2, 1)) < 0 ||
            (rc = check_const(c, 1, ROMCV_TFLITE_INT32, 2, 0)) < 0)
            return rc;
        if (op->inputs[0] >= 0 &&
            (m->tensors[op->inputs[1]].dims[0] != m->tensors[op->inputs[0]].rank ||
             m->tensors[op->inputs[1]].dims[1] != 2))
            return op_fail(c, ROMCV_E_INVALID_DATA, "paddings are not [rank, 2]");
        return 0;
    case ROMCV_TFLITE_OP_DEPTH_TO_SPACE:
        if ((rc = check_arity(c, 1, 1, 1)) < 0)
            return rc;
        if (op->opt.depth_to_space.block_size < 1)
            return op_fail(c, ROMCV_E_INVALID_DATA, "block size %d",
                           op->opt.depth_to_space.block_size);
        return 0;
    case ROMCV_TFLITE_OP_DEQUANTIZE:
    case ROMCV_TFLITE_OP_DENSIFY:
        return op_fail(c, ROMCV_E_USAGE,
                       "not folded (call romcv__tflite_materialise_constants first)");
    default:
        if (op->opcode == ROMCV_TFLITE_OP_CUSTOM)
            return romcv_diag_set(c->diag, ROMCV_E_UNSUPPORTED,
                                  "%s: op %d (CUSTOM \"%s\") unsupported", m->label, op->index,
                                  op->custom_code);
        return romcv_diag_set(c->diag, ROMCV_E_UNSUPPORTED, "%s: op %d (%s) unsupported", m->label,
                              op->index, c->name);
    }
}

int romcv__tflite_check_supported(const RomcvTfliteModel *m, RomcvDiag *diag) {
    if (!m->materialised)
        return romcv_diag_set(diag, ROMCV_E_USAGE,
                              "%s: call romcv__tflite_materialise_constants before the check",
                              m->label);
    if (m->n_inputs < 1 || m->n_outputs < 1)
        return model_fail(m, diag, ROMCV_E_INVALID_DATA, "the graph has %d inputs and %d outputs",
                          m->n_inputs, m->n_outputs);
    /* written[t]: some op (or the caller, for graph inputs) has produced t. */
    uint8_t *written = calloc((size_t)m->n_tensors + 1, 1);
    if (!written)
        return model_fail(m, diag, ROMCV_ERR(ENOMEM), "out of memory");
    int rc = 0;
    for (int i = 0; i < m->n_inputs && rc == 0; i++) {
        const RomcvTfliteTensor *t = &m->tensors[m->inputs[i]];
        if (is_constant(t) || t->type != ROMCV_TFLITE_FLOAT32)
            rc = model_fail(m, diag, ROMCV_E_UNSUPPORTED,
                            "graph input tensor %d (%s) must be a non-constant FLOAT32",
                            m->inputs[i], t->name);
        written[m->inputs[i]] = 1;
    }
    for (int i = 0; i < m->n_ops && rc == 0; i++) {
        char name[24];
        Checker c = {.m = m, .diag = diag, .op = &m->ops[i]};
        c.name = romcv__tflite_op_name(c.op->opcode);
        if (!c.name) {
            snprintf(name, sizeof name, "builtin %d", (int)c.op->opcode);
            c.name = name;
        }
        if ((rc = check_op(&c)) < 0)
            break;
        for (int k = 0; k < c.op->n_inputs && rc == 0; k++) {
            int ti = c.op->inputs[k];
            if (ti < 0) {
                /* Only a convolution's bias and RESHAPE's shape may be omitted. */
                int conv = c.op->opcode == ROMCV_TFLITE_OP_CONV_2D ||
                           c.op->opcode == ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D;
                int reshape = c.op->opcode == ROMCV_TFLITE_OP_RESHAPE;
                if (!((conv && k == 2) || (reshape && k == 1)))
                    rc = op_fail(&c, ROMCV_E_INVALID_DATA, "input %d is omitted but required", k);
                continue;
            }
            const RomcvTfliteTensor *t = &m->tensors[ti];
            if (!is_constant(t) && !written[ti])
                rc = op_fail(&c, ROMCV_E_INVALID_DATA,
                             "input %d reads tensor %d (%s) before anything writes it", k, ti,
                             t->name);
            else if (!is_constant(t) && t->type != ROMCV_TFLITE_FLOAT32)
                rc = op_fail(&c, ROMCV_E_UNSUPPORTED, "input %d (tensor %d) is %s, not FLOAT32", k,
                             ti, type_names[t->type]);
        }
        for (int k = 0; k < c.op->n_outputs && rc == 0; k++) {
            int ti = c.op->outputs[k];
            const RomcvTfliteTensor *t = &m->tensors[ti];
            if (is_constant(t) || written[ti])
                rc = op_fail(&c, ROMCV_E_INVALID_DATA, "output tensor %d (%s) is written twice", ti,
                             t->name);
            else if (t->type != ROMCV_TFLITE_FLOAT32)
                rc = op_fail(&c, ROMCV_E_UNSUPPORTED, "output tensor %d is %s, not FLOAT32", ti,
                             type_names[t->type]);
            written[ti] = 1;
        }
    }
    for (int i = 0; i < m->n_outputs && rc == 0; i++)
        if (!written[m->outputs[i]])
            rc = model_fail(m, diag, ROMCV_E_INVALID_DATA,
                            "graph output tensor %d (%s) is never written", m->outputs[i],
                            m->tensors[m->outputs[i]].name);
    free(written);
    return rc;
}
