/*
 * tests/vision/tflite_builder.h: writes small TFLite FlatBuffers from a plain
 * description, for the reader's tests (valid graphs to mutate, hostile ones)
 * and for the fuzzer's seed corpus (fuzz/tflite_corpus.c).
 *
 * The writer is deliberately simple, not a general FlatBuffers builder: every
 * table is written before its children, so all uoffsets point forward as the
 * format requires; each vtable sits just before its table; every field gets
 * an 8-byte slot (scalars are stored little endian at the start of the slot,
 * which is where a reader of a u8 or i32 field looks).
 */
#ifndef ROMCV_TESTS_TFLITE_BUILDER_H
#define ROMCV_TESTS_TFLITE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#define TFB_MAX 48

typedef struct TfbIndexArray {
    int type; /* SparseIndexVector: 1 Int32Vector, 2 Uint16Vector, 3 Uint8Vector */
    uint32_t count;
    const uint32_t *values; /* written with the type's width */
} TfbIndexArray;

typedef struct TfbSparsity {
    int levels;
    int32_t order[16];
    int block_dims;
    int32_t block_map[8];
    struct {
        int sparse;
        int32_t dense_size;
        TfbIndexArray segments, indices;
    } dim[16];
} TfbSparsity;

typedef struct TfbTensor {
    int rank;
    int32_t dims[8];
    int type;
    uint32_t buffer;
    const char *name;
    const TfbSparsity *sparsity; /* NULL: dense */
} TfbTensor;

typedef struct TfbOp {
    int opcode_index;
    int n_in, n_out;
    int32_t in[8], out[4];
    int options_type; /* 0: no options table */
    int n_options;    /* scalar option fields 0..n-1, each written as i32 */
    int32_t options[8];
} TfbOp;

typedef struct TfbModel {
    int n_opcodes;
    int32_t opcodes[TFB_MAX]; /* builtin_code; deprecated_builtin_code gets min(code, 127) */
    int n_buffers;
    struct {
        const void *data;
        size_t size;
    } buffers[TFB_MAX];
    int n_tensors;
    TfbTensor tensors[TFB_MAX];
    int n_ops;
    TfbOp ops[TFB_MAX];
    int n_inputs, n_outputs;
    int32_t inputs[4], outputs[4];
} TfbModel;

/* Serialises model; returns a malloc'd buffer (the caller frees) and sets
 * *size, or NULL when out of memory. */
uint8_t *tfb_build(const TfbModel *model, size_t *size);

/* A small graph that uses every op the reader folds or supports: DENSIFY of
 * sparse fp16 weights (CSR on the innermost dimension, uint8 and uint16
 * index vectors, and a block-sparse tensor with int32 indices), DEQUANTIZE,
 * PAD, CONV_2D, DEPTHWISE_CONV_2D, ADD, MAX_POOL_2D, RESIZE_BILINEAR,
 * DEPTH_TO_SPACE, RESHAPE, CONCATENATION and LOGISTIC. Shapes are consistent
 * enough for the reader (which infers none). */
void tfb_example_model(TfbModel *model);

/* Values the example's sparse tensors hold, for the tests: tensor 1 (the
 * CSR one) is [2,1,1,4] fp16 with these dense values; tensor 3 (block
 * sparse, fp32) is [4,4] with these. */
extern const float tfb_example_csr_dense[8];
extern const float tfb_example_block_dense[16];

#endif /* ROMCV_TESTS_TFLITE_BUILDER_H */
