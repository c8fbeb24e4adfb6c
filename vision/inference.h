/*
 * vision/inference.h: runs a materialised TFLite model (vision/tflite.h) on
 * fp32 tensors, with one of two backends behind one interface:
 *   - XNNPACK (Debian's libxnnpack-dev), the default when built with it;
 *   - portable C, the reference and the fallback.
 * Both compute the same graph: the test suite checks every output of every
 * model agrees to a relative L2 error <= 1e-4 (inference.md).
 *
 * Only the outputs asked for are computed: ops that feed no wanted output are
 * pruned at create time (the landmark models' segmentation branch costs about
 * a third of the work, inference.md pitfall 6).
 *
 * Private to the vision module. One RomcvInference is used by one thread at a
 * time; create one per thread for parallel work (they can share the model).
 */
#ifndef ROMCV_VISION_INFERENCE_H
#define ROMCV_VISION_INFERENCE_H

#include "romcv/core.h"
#include "vision/tflite.h"

typedef enum RomcvInferenceBackend {
    ROMCV_INFERENCE_AUTO = 0,     /* XNNPACK when built with it, else portable */
    ROMCV_INFERENCE_PORTABLE = 1, /* plain C */
    ROMCV_INFERENCE_XNNPACK = 2,
} RomcvInferenceBackend;

const char *romcv__inference_backend_name(RomcvInferenceBackend backend);

typedef struct RomcvInferenceSettings {
    RomcvInferenceBackend backend;
    int threads;                /* worker threads for this instance (default 1) */
    const char *const *outputs; /* graph output tensor names to compute, NULL-terminated;
                                 * NULL: all graph outputs */
    RomcvLogger logger;
    int reserved[8];
} RomcvInferenceSettings;

void romcv__inference_default_settings(RomcvInferenceSettings *settings);

/* A tensor's shape and data. data is valid until the next run or destroy. */
typedef struct RomcvTensorView {
    const char *name;
    int rank;
    int dims[ROMCV_TFLITE_MAX_DIMS]; /* NHWC */
    size_t count;                    /* elements */
    float *data;
} RomcvTensorView;

typedef struct RomcvInference RomcvInference;

/* Plans and prepares model for repeated runs. model must be materialised and
 * checked (romcv__tflite_materialise_constants, romcv__tflite_check_supported)
 * and must outlive the inference. Returns 0, or a negative code with diag
 * (ROMCV_E_UNSUPPORTED when the asked backend is not built in, or an op or
 * shape it cannot run; ROMCV_E_NOT_FOUND for an unknown output name). */
int romcv__inference_create(RomcvInference **out, const RomcvTfliteModel *model,
                            const RomcvInferenceSettings *settings, RomcvDiag *diag);

/* The index-th graph input: write count floats to view->data, then run. */
int romcv__inference_input(RomcvInference *inference, int index, RomcvTensorView *view);

/* Runs the graph on the current inputs. Returns 0 or a negative code with diag. */
int romcv__inference_run(RomcvInference *inference, RomcvDiag *diag);

/* The output named name ("Identity_1"), computed by the last run. Returns 0,
 * or ROMCV_E_NOT_FOUND when it is not a graph output or was not asked for. */
int romcv__inference_output(RomcvInference *inference, const char *name, RomcvTensorView *view);

/* The backend actually used (AUTO resolved). */
RomcvInferenceBackend romcv__inference_backend(const RomcvInference *inference);

void romcv__inference_destroy(RomcvInference **inference);

#endif /* ROMCV_VISION_INFERENCE_H */
