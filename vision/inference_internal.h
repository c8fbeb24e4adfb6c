/*
 * vision/inference_internal.h: what inference.c (planning) hands to a backend
 * (backend_portable.c, backend_xnnpack.c). Private to those files.
 *
 * inference.c turns a materialised model into a RomcvGraphPlan: the ops that
 * feed the wanted outputs, in order, and every tensor's static shape (the
 * BlazePose graphs are fully static: shapes come from the file and are checked
 * op by op). A backend compiles the plan once and runs it many times.
 */
#ifndef ROMCV_VISION_INFERENCE_INTERNAL_H
#define ROMCV_VISION_INFERENCE_INTERNAL_H

#include "vision/inference.h"

#include <stdbool.h>

typedef struct RomcvGraphPlan {
    const RomcvTfliteModel *model;
    int n_ops; /* live ops, in execution order */
    const RomcvTfliteOp **ops;
    /* Per tensor of the model (model->n_tensors entries). */
    bool *tensor_live;     /* read or written by a live op, or a wanted graph I/O */
    bool *tensor_constant; /* live and constant: data in model->tensors[i].fp32 (float)
                            * or .data (INT32 shapes and paddings) */
    int n_inputs;
    const int32_t *inputs; /* graph input tensor indices (model->inputs) */
    int n_outputs;         /* wanted outputs only */
    int32_t *outputs;      /* their tensor indices */
} RomcvGraphPlan;

/* A backend: compile once, run many times. Activation buffers belong to the
 * backend; run() reads inputs from and writes outputs to the float arrays that
 * io_buffer() returns, so no copies are needed at the boundary. */
typedef struct RomcvInferenceBackendOps {
    const char *name;
    int (*compile)(void **state, const RomcvGraphPlan *plan, int threads, RomcvDiag *diag);
    /* The float array of a graph input or wanted output tensor (count elements). */
    float *(*io_buffer)(void *state, int32_t tensor);
    int (*run)(void *state, RomcvDiag *diag);
    void (*destroy)(void *state);
} RomcvInferenceBackendOps;

extern const RomcvInferenceBackendOps romcv__backend_portable;

/* What planning kept, for tests and benchmarks. Multiply-adds count CONV_2D
 * and DEPTHWISE_CONV_2D only (the figures inference.md quotes). */
typedef struct RomcvInferencePlanStats {
    int model_ops;      /* compute ops in the materialised model */
    int live_ops;       /* ops that feed a wanted output */
    int64_t model_macs; /* multiply-adds of every op in the model */
    int64_t live_macs;  /* multiply-adds of the live ops */
} RomcvInferencePlanStats;

/* Fills stats for a created inference. Returns 0. */
int romcv__inference_plan_stats(const RomcvInference *inference, RomcvInferencePlanStats *stats);

#if ROMCV_HAVE_XNNPACK
extern const RomcvInferenceBackendOps romcv__backend_xnnpack;
#endif

#endif /* ROMCV_VISION_INFERENCE_INTERNAL_H */
