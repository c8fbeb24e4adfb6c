/*
 * vision/tflite.h: a hand-written, bounds-checked reader for TFLite model files
 * (FlatBuffers, tensorflow/lite/schema/schema.fbs, schema version 3), plus the
 * load-time rewrites that turn BlazePose's fp16 and sparse constants into plain
 * fp32 constants for the inference engine.
 *
 * Private to the vision module; never installed.
 *
 * Why by hand: Debian 12 ships no C FlatBuffers library, and a model file is
 * untrusted input (a user may point --models anywhere). Every offset, length
 * and index read from the file is checked before use, so a truncated, corrupt
 * or hostile file gives ROMCV_E_INVALID_DATA with a message naming the file and
 * the element ("pose_landmark_full.tflite: subgraph 0 tensor 12: buffer 300 out
 * of range (model has 250 buffers)"), never a crash. fuzz/fuzz_tflite.c fuzzes
 * load + materialise + check.
 *
 * Life cycle:
 *   romcv__tflite_load_file()            parse and validate the structure
 *   romcv__tflite_materialise_constants() fold DENSIFY and DEQUANTIZE into fp32 constants
 *   romcv__tflite_check_supported()      every remaining op is one the engine runs
 *   ... read model->tensors / model->ops ...
 *   romcv__tflite_free()
 *
 * Only subgraph 0 (the main graph, per the schema) is read; other subgraphs are
 * counted and ignored, since none of the supported ops calls a subgraph.
 */
#ifndef ROMCV_VISION_TFLITE_H
#define ROMCV_VISION_TFLITE_H

#include "romcv/core.h"

#include <stddef.h>
#include <stdint.h>

/* Limits on what a model may declare. They are far above BlazePose's needs
 * (heavy: about 600 tensors, 300 ops) and bound the work and memory a hostile
 * file can ask for. */
#define ROMCV_TFLITE_MAX_DIMS     8     /* rank of any tensor */
#define ROMCV_TFLITE_MAX_TENSORS  65536 /* per subgraph */
#define ROMCV_TFLITE_MAX_OPS      65536 /* per subgraph */
#define ROMCV_TFLITE_MAX_BUFFERS  65536
#define ROMCV_TFLITE_MAX_OPCODES  4096
#define ROMCV_TFLITE_MAX_OP_IO    256        /* inputs or outputs of one op */
#define ROMCV_TFLITE_MAX_ELEMENTS (1u << 28) /* elements of any declared tensor */
#define ROMCV_TFLITE_MAX_DENSIFY  (1u << 24) /* elements of one densified constant */

/* TensorType (schema.fbs). Values are the file's. */
typedef enum RomcvTfliteType {
    ROMCV_TFLITE_FLOAT32 = 0,
    ROMCV_TFLITE_FLOAT16 = 1,
    ROMCV_TFLITE_INT32 = 2,
    ROMCV_TFLITE_UINT8 = 3,
    ROMCV_TFLITE_INT64 = 4,
    ROMCV_TFLITE_STRING = 5,
    ROMCV_TFLITE_BOOL = 6,
    ROMCV_TFLITE_INT16 = 7,
    ROMCV_TFLITE_COMPLEX64 = 8,
    ROMCV_TFLITE_INT8 = 9,
    ROMCV_TFLITE_FLOAT64 = 10,
    ROMCV_TFLITE_COMPLEX128 = 11,
    ROMCV_TFLITE_UINT64 = 12,
    ROMCV_TFLITE_RESOURCE = 13,
    ROMCV_TFLITE_VARIANT = 14,
    ROMCV_TFLITE_UINT32 = 15,
    ROMCV_TFLITE_UINT16 = 16,
    ROMCV_TFLITE_INT4 = 17,
} RomcvTfliteType;

/* BuiltinOperator codes (schema.fbs) that romcv names in code. Any other code
 * parses fine and is reported by romcv__tflite_check_supported(). */
enum {
    ROMCV_TFLITE_OP_ADD = 0,
    ROMCV_TFLITE_OP_CONCATENATION = 2,
    ROMCV_TFLITE_OP_CONV_2D = 3,
    ROMCV_TFLITE_OP_DEPTHWISE_CONV_2D = 4,
    ROMCV_TFLITE_OP_DEPTH_TO_SPACE = 5,
    ROMCV_TFLITE_OP_DEQUANTIZE = 6,
    ROMCV_TFLITE_OP_LOGISTIC = 14,
    ROMCV_TFLITE_OP_MAX_POOL_2D = 17,
    ROMCV_TFLITE_OP_RESHAPE = 22,
    ROMCV_TFLITE_OP_RESIZE_BILINEAR = 23,
    ROMCV_TFLITE_OP_CUSTOM = 32,
    ROMCV_TFLITE_OP_PAD = 34,
    ROMCV_TFLITE_OP_DENSIFY = 124,
};

/* BuiltinOptions union member numbers (schema.fbs: 1 + position in the union). */
enum {
    ROMCV_TFLITE_OPTIONS_NONE = 0,
    ROMCV_TFLITE_OPTIONS_CONV_2D = 1,
    ROMCV_TFLITE_OPTIONS_DEPTHWISE_CONV_2D = 2,
    ROMCV_TFLITE_OPTIONS_POOL_2D = 5,
    ROMCV_TFLITE_OPTIONS_CONCATENATION = 10,
    ROMCV_TFLITE_OPTIONS_ADD = 11,
    ROMCV_TFLITE_OPTIONS_RESIZE_BILINEAR = 15,
    ROMCV_TFLITE_OPTIONS_RESHAPE = 17,
    ROMCV_TFLITE_OPTIONS_PAD = 22,
    ROMCV_TFLITE_OPTIONS_DEQUANTIZE = 38,
    ROMCV_TFLITE_OPTIONS_DEPTH_TO_SPACE = 94,
    ROMCV_TFLITE_OPTIONS_DENSIFY = 99,
};

/* Padding and ActivationFunctionType (schema.fbs). */
typedef enum RomcvTflitePadding {
    ROMCV_TFLITE_PADDING_SAME = 0,
    ROMCV_TFLITE_PADDING_VALID = 1,
} RomcvTflitePadding;

typedef enum RomcvTfliteActivation {
    ROMCV_TFLITE_ACT_NONE = 0,
    ROMCV_TFLITE_ACT_RELU = 1,
    ROMCV_TFLITE_ACT_RELU_N1_TO_1 = 2,
    ROMCV_TFLITE_ACT_RELU6 = 3,
    ROMCV_TFLITE_ACT_TANH = 4,
    ROMCV_TFLITE_ACT_SIGN_BIT = 5,
} RomcvTfliteActivation;

/* A CSR index array of a sparse dimension: Int32Vector, Uint16Vector or
 * Uint8Vector (SparseIndexVector). data points into the model's bytes, little
 * endian and not necessarily aligned: read it with romcv__tflite_index_at(). */
typedef struct RomcvTfliteIndexArray {
    const uint8_t *data;
    uint32_t count;
    uint8_t width; /* bytes per element: 4, 2 or 1; 0 when absent */
} RomcvTfliteIndexArray;

/* DimensionMetadata for one traversal level. */
typedef struct RomcvTfliteDimMeta {
    int sparse;                     /* 0: DENSE, 1: SPARSE_CSR */
    int32_t dense_size;             /* DENSE: the level's size */
    RomcvTfliteIndexArray segments; /* SPARSE_CSR: row pointers, count = parents + 1 */
    RomcvTfliteIndexArray indices;  /* SPARSE_CSR: coordinate of each stored element */
} RomcvTfliteDimMeta;

/* SparsityParameters. With k block dimensions, traversal_order has rank + k
 * entries (a permutation of the dense dims, then of the block dims) and
 * block_map k entries (which dense dim each block dim splits). The tensor's
 * buffer holds only the stored values, in traversal order. */
typedef struct RomcvTfliteSparsity {
    int levels; /* rank + k */
    int32_t traversal_order[2 * ROMCV_TFLITE_MAX_DIMS];
    int block_dims; /* k */
    int32_t block_map[ROMCV_TFLITE_MAX_DIMS];
    RomcvTfliteDimMeta dim[2 * ROMCV_TFLITE_MAX_DIMS];
} RomcvTfliteSparsity;

typedef struct RomcvTfliteTensor {
    const char *name;          /* "" when the file has none; valid while the model lives */
    RomcvTfliteType type;      /* after materialisation: FLOAT32 for every live float constant */
    RomcvTfliteType file_type; /* the type stored in the file */
    int rank;
    int32_t dims[ROMCV_TFLITE_MAX_DIMS]; /* NHWC for activations; each >= 1 */
    size_t count;                        /* product of dims (1 for rank 0) */
    uint32_t buffer;                     /* index into the model's buffers; 0 = none */
    const uint8_t *data;                 /* constant bytes in the file (little endian), or NULL */
    size_t data_size;                    /* bytes at data */
    int is_variable;
    int has_quantization;          /* a QuantizationParameters table is present */
    RomcvTfliteSparsity *sparsity; /* NULL unless the tensor is stored sparse */

    /* Filled by romcv__tflite_materialise_constants(). */
    const float *fp32; /* count values for a live float constant, else NULL;
                        * 64-byte aligned when the model allocated it */
    int live;          /* used by a remaining op or a graph input/output */

    /* private */
    float *fp32_owned_; /* what the model frees (fp32 may point into the file) */
} RomcvTfliteTensor;

typedef struct RomcvTfliteConvOptions { /* CONV_2D and DEPTHWISE_CONV_2D */
    RomcvTflitePadding padding;
    int stride_w, stride_h;
    int dilation_w, dilation_h; /* default 1 */
    int depth_multiplier;       /* DEPTHWISE_CONV_2D only */
    RomcvTfliteActivation activation;
} RomcvTfliteConvOptions;

typedef struct RomcvTflitePoolOptions { /* MAX_POOL_2D (Pool2DOptions) */
    RomcvTflitePadding padding;
    int stride_w, stride_h;
    int filter_w, filter_h;
    RomcvTfliteActivation activation;
} RomcvTflitePoolOptions;

typedef struct RomcvTfliteOp {
    int index;               /* position in the file's operator list (for messages) */
    int32_t opcode;          /* BuiltinOperator: max(deprecated_builtin_code, builtin_code) */
    int32_t version;         /* OperatorCode.version */
    const char *custom_code; /* CUSTOM ops: the name, else "" */
    int n_inputs, n_outputs;
    int32_t *inputs;  /* tensor indices; -1 marks an omitted optional input */
    int32_t *outputs; /* tensor indices, each valid */
    int options_type; /* BuiltinOptions union type found in the file (0: none) */
    union {           /* by opcode; fields absent from the file hold schema defaults */
        RomcvTfliteConvOptions conv;
        RomcvTflitePoolOptions pool;
        struct {
            int axis;
            RomcvTfliteActivation activation;
        } concat;
        struct {
            RomcvTfliteActivation activation;
            int pot_scale_int16;
        } add;
        struct {
            int align_corners, half_pixel_centers;
        } resize;
        struct {
            int n_new_shape;
            int32_t new_shape[ROMCV_TFLITE_MAX_DIMS];
        } reshape;
        struct {
            int block_size;
        } depth_to_space;
    } opt;
} RomcvTfliteOp;

typedef struct RomcvTfliteModel {
    char label[256];         /* prefix of every message: the file name, or "tflite" */
    uint32_t version;        /* schema version: 3 */
    const char *description; /* "" when absent */
    const char *graph_name;  /* subgraph 0's name, "" when absent */
    int n_subgraphs;
    int n_buffers;
    int n_tensors;
    RomcvTfliteTensor *tensors;
    int n_ops; /* after materialisation: the compute ops only, in order */
    RomcvTfliteOp *ops;
    int n_inputs, n_outputs;
    int32_t *inputs;  /* graph input tensor indices */
    int32_t *outputs; /* graph output tensor indices ("Identity", "Identity_1", ...) */
    int materialised; /* romcv__tflite_materialise_constants() succeeded */

    /* private */
    uint8_t *bytes_; /* the model's own copy of the file */
    size_t size_;
    int n_ops_total_; /* ops allocated (folded ones are kept past n_ops) */
} RomcvTfliteModel;

/* Parses a model from memory. The model keeps its own copy of the bytes, so
 * data may be freed after the call. Returns 0 and sets *out, or a negative code
 * (ROMCV_E_INVALID_DATA for a malformed model, ROMCV_ERR(ENOMEM)) with *out
 * NULL and diag saying what is wrong, starting "tflite: ". */
int romcv__tflite_load(RomcvTfliteModel **out, const uint8_t *data, size_t size, RomcvDiag *diag);

/* Reads and parses a file; messages start with path ("pose_detection.tflite:
 * ..."). Errors as romcv__tflite_load(), plus ROMCV_ERR(errno) when the file
 * cannot be read. */
int romcv__tflite_load_file(RomcvTfliteModel **out, const char *path, RomcvDiag *diag);

/* Frees the model and everything it owns (tensor names, fp32 arrays, ops), and
 * sets *model to NULL. NULL-safe. */
void romcv__tflite_free(RomcvTfliteModel **model);

/* Folds the constant rewrites into fp32 constants, in op order:
 *   DENSIFY of a constant sparse tensor (fp32 or fp16) -> dense fp32 values;
 *   DEQUANTIZE of a constant fp16 (or already folded) tensor -> fp32 values.
 * The folded ops are removed from model->ops (n_ops shrinks; op.index keeps
 * the file position), tensors are marked live when a remaining op or the graph
 * uses them, and every live float constant gets fp32 values and type FLOAT32.
 * Live INT32 constants (RESHAPE shapes, PAD paddings) keep their raw data.
 * Cost: one pass over the constant bytes; memory: 4 bytes per fp16 weight.
 * Returns 0, ROMCV_E_INVALID_DATA (e.g. a DEQUANTIZE of a non-constant tensor,
 * an inconsistent sparse encoding), ROMCV_E_UNSUPPORTED (a live constant of a
 * type the engine cannot use), or ROMCV_ERR(ENOMEM). Calling it twice is a
 * no-op. On error the model stays valid for romcv__tflite_free() only. */
int romcv__tflite_materialise_constants(RomcvTfliteModel *model, RomcvDiag *diag);

/* Checks that the materialised graph only holds ops the engine runs (ADD,
 * CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D, DEPTH_TO_SPACE, LOGISTIC,
 * MAX_POOL_2D, PAD, RESHAPE, RESIZE_BILINEAR) with sane arity, tensor types,
 * options (strides, dilations, filter and block sizes >= 1, known activation),
 * constant weights, and that ops come in dependency order with every tensor
 * written once. Returns 0, or ROMCV_E_UNSUPPORTED ("op 7 (SOFTMAX)
 * unsupported") / ROMCV_E_INVALID_DATA with the first problem in diag. It does
 * not infer shapes; the engine does. */
int romcv__tflite_check_supported(const RomcvTfliteModel *model, RomcvDiag *diag);

/* The index of the first tensor named name, or -1. O(tensors). */
int romcv__tflite_find_tensor(const RomcvTfliteModel *model, const char *name);

/* The BuiltinOperator name ("CONV_2D"), or NULL for a code romcv does not know. */
const char *romcv__tflite_op_name(int32_t opcode);

/* The TensorType name ("FLOAT16"), or NULL. */
const char *romcv__tflite_type_name(int type);

/* Bytes per element of type, or 0 for types without a fixed size (STRING,
 * RESOURCE, VARIANT, INT4) or unknown types. */
size_t romcv__tflite_type_size(int type);

/* Element i (< a->count) of a sparse index array. */
uint32_t romcv__tflite_index_at(const RomcvTfliteIndexArray *a, uint32_t i);

/* IEEE 754 binary16 to binary32, exact for every input: subnormals become
 * normal floats, infinities stay infinite, NaNs stay NaN with their payload
 * shifted into the top of the fp32 mantissa (so the quiet bit is kept). */
float romcv__tflite_fp16_to_fp32(uint16_t h);

#endif /* ROMCV_VISION_TFLITE_H */
