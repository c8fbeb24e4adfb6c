/*
 * romcv/vision.h: the landmark tracker's models and (as issue 4 lands) the
 * BlazePose pipeline.
 *
 * Models: romcv runs Google's MediaPipe Pose models, pinned to the npm package
 * @mediapipe/pose@0.5.1675469404. scripts/setup.sh fetches them into models/;
 * models/SHA256SUMS pins every file and is compiled into the library, so a
 * model is only used after its SHA-256 matches.
 */
#ifndef ROMCV_VISION_H
#define ROMCV_VISION_H

#include "romcv/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The npm package the models come from. */
#define ROMCV_MODELS_PACKAGE         "@mediapipe/pose"
#define ROMCV_MODELS_PACKAGE_VERSION "0.5.1675469404"

typedef enum RomcvModelId {
    ROMCV_MODEL_DETECTOR = 0,       /* pose_detection.tflite */
    ROMCV_MODEL_LANDMARK_LITE = 1,  /* model_complexity 0 */
    ROMCV_MODEL_LANDMARK_FULL = 2,  /* model_complexity 1, the default */
    ROMCV_MODEL_LANDMARK_HEAVY = 3, /* model_complexity 2 */
    ROMCV_MODEL_COUNT = 4
} RomcvModelId;

typedef struct RomcvModelInfo {
    RomcvModelId id;
    const char *short_name; /* "detector", "lite", "full", "heavy" */
    const char *file_name;  /* "pose_landmark_full.tflite" */
    const char *sha256;     /* pinned sum, 64 hex digits (from models/SHA256SUMS) */
    const char *description;
} RomcvModelInfo;

/* Static description of a model; NULL for an id out of range. */
ROMCV_API const RomcvModelInfo *romcv_model_info(RomcvModelId id);
/* Looks a model up by short name ("lite", "full", "heavy", "detector");
 * returns 0 and sets *id, or ROMCV_E_NOT_FOUND. */
ROMCV_API int romcv_model_from_name(const char *short_name, RomcvModelId *id);

/* Where to look for the models folder, most specific first. Any field may be
 * NULL. An explicit_dir or env_dir that is given must hold the models: romcv
 * does not fall back silently from a folder the user named. */
typedef struct RomcvModelSearch {
    const char *explicit_dir; /* --models DIR */
    const char *env_dir;      /* $ROMCV_MODELS */
    const char *exe_path;     /* the running program, to find ../share/romcv/models */
} RomcvModelSearch;

/* Resolves the models folder into out (size bytes). Returns 0, or
 * ROMCV_E_NOT_FOUND with diag listing where it looked and how to fetch them. */
ROMCV_API int romcv_models_find_dir(const RomcvModelSearch *search, char *out, size_t size,
                                    RomcvDiag *diag);

/* Checks dir/<file> against its pinned SHA-256. Returns 0; ROMCV_E_NOT_FOUND
 * when the file is missing; ROMCV_E_CHECKSUM when the sum differs (diag gives
 * both sums and the remedy); or an I/O error. actual_hex (65 bytes, may be
 * NULL) receives the computed sum. */
ROMCV_API int romcv_model_verify(const char *dir, RomcvModelId id, char *actual_hex,
                                 RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_VISION_H */
