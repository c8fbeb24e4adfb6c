/*
 * fuzz/fuzz_tflite.c: libFuzzer target for the TFLite reader (vision/tflite.c).
 *
 * Each input goes through the whole load path the CLI runs on a model file:
 * load, materialise the constants, check the op set, free. Any crash,
 * sanitizer report or leak is a bug; so is a failure without a message. The
 * target also reads the last element of every array the reader hands out, so
 * that a count larger than its allocation shows up under ASan here rather than
 * later in the engine.
 *
 * Run it with scripts/fuzz.sh. A crash becomes a regression input in
 * tests/vision/test_tflite.c.
 */
#include "vision/tflite.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile float sink_f;
static volatile uint32_t sink_u;

static void touch(const RomcvTfliteModel *m) {
    for (int i = 0; i < m->n_tensors; i++) {
        const RomcvTfliteTensor *t = &m->tensors[i];
        if (t->fp32)
            sink_f = t->fp32[t->count - 1];
        if (t->data && t->data_size)
            sink_u = t->data[t->data_size - 1];
        sink_u = (uint32_t)t->name[0];
        if (t->sparsity) {
            for (int l = 0; l < t->sparsity->levels; l++) {
                const RomcvTfliteDimMeta *d = &t->sparsity->dim[l];
                if (d->segments.count)
                    sink_u = romcv__tflite_index_at(&d->segments, d->segments.count - 1);
                if (d->indices.count)
                    sink_u = romcv__tflite_index_at(&d->indices, d->indices.count - 1);
            }
        }
    }
    for (int i = 0; i < m->n_ops; i++) {
        const RomcvTfliteOp *op = &m->ops[i];
        if (op->n_inputs)
            sink_u = (uint32_t)op->inputs[op->n_inputs - 1];
        if (op->n_outputs)
            sink_u = (uint32_t)m->tensors[op->outputs[op->n_outputs - 1]].rank;
        sink_u = (uint32_t)op->custom_code[0];
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    RomcvTfliteModel *model = NULL;
    RomcvDiag diag = {0};
    int rc = romcv__tflite_load(&model, data, size, &diag);
    if (rc == 0) {
        touch(model);
        rc = romcv__tflite_materialise_constants(model, &diag);
        if (rc == 0) {
            touch(model);
            rc = romcv__tflite_check_supported(model, &diag);
        }
        romcv__tflite_free(&model);
    }
    if (rc != 0 && (rc > 0 || diag.code != rc || diag.message[0] == '\0'))
        abort(); /* every failure must be a negative code with a message */
    if (model)
        abort(); /* free() must clear the handle; a failed load must not set it */
    return 0;
}
