/*
 * vision/models.c: which model files romcv uses, where it finds them and how
 * it proves they are the pinned ones.
 *
 * The sums come from models/SHA256SUMS through the generated model_sums.h, so
 * set-up and run time check the same list (one source of truth).
 */
#include "romcv/vision.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "model_sums.h"

static const RomcvModelInfo model_table[ROMCV_MODEL_COUNT] = {
    {ROMCV_MODEL_DETECTOR, "detector", "pose_detection.tflite", ROMCV_SHA256_pose_detection_tflite,
     "BlazePose person detector, 224x224 input (the package's pose_solution_packed_assets.data)"},
    {ROMCV_MODEL_LANDMARK_LITE, "lite", "pose_landmark_lite.tflite",
     ROMCV_SHA256_pose_landmark_lite_tflite,
     "BlazePose GHUM 3D landmarks, lite (model_complexity 0)"},
    {ROMCV_MODEL_LANDMARK_FULL, "full", "pose_landmark_full.tflite",
     ROMCV_SHA256_pose_landmark_full_tflite,
     "BlazePose GHUM 3D landmarks, full (model_complexity 1, default)"},
    {ROMCV_MODEL_LANDMARK_HEAVY, "heavy", "pose_landmark_heavy.tflite",
     ROMCV_SHA256_pose_landmark_heavy_tflite,
     "BlazePose GHUM 3D landmarks, heavy (model_complexity 2)"},
};

const RomcvModelInfo *romcv_model_info(RomcvModelId id) {
    if ((int)id < 0 || id >= ROMCV_MODEL_COUNT) {
        return NULL;
    }
    return &model_table[id];
}

int romcv_model_from_name(const char *short_name, RomcvModelId *id) {
    for (int i = 0; i < ROMCV_MODEL_COUNT; i++) {
        if (short_name && strcmp(model_table[i].short_name, short_name) == 0) {
            *id = (RomcvModelId)i;
            return 0;
        }
    }
    return ROMCV_E_NOT_FOUND;
}

static int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A folder counts as "the models folder" when it holds the default model. */
static int holds_models(const char *dir) {
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir,
                 model_table[ROMCV_MODEL_LANDMARK_FULL].file_name) >= (int)sizeof path) {
        return 0;
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int copy_dir(char *out, size_t size, const char *dir, RomcvDiag *diag) {
    if (snprintf(out, size, "%s", dir) >= (int)size) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", dir);
    }
    return 0;
}

static int check_named_dir(const char *dir, const char *what, char *out, size_t size,
                           RomcvDiag *diag) {
    if (!is_directory(dir)) {
        return romcv_diag_set(diag, ROMCV_E_NOT_FOUND, "%s: models folder (from %s) does not exist",
                              dir, what);
    }
    if (!holds_models(dir)) {
        return romcv_diag_set(diag, ROMCV_E_NOT_FOUND,
                              "%s: models folder (from %s) has no %s; run scripts/setup.sh or "
                              "scripts/fetch-models.sh DIR",
                              dir, what, model_table[ROMCV_MODEL_LANDMARK_FULL].file_name);
    }
    return copy_dir(out, size, dir, diag);
}

int romcv_models_find_dir(const RomcvModelSearch *search, char *out, size_t size, RomcvDiag *diag) {
    RomcvModelSearch none = {0};
    if (!search) {
        search = &none;
    }
    if (search->explicit_dir && *search->explicit_dir) {
        return check_named_dir(search->explicit_dir, "--models", out, size, diag);
    }
    if (search->env_dir && *search->env_dir) {
        return check_named_dir(search->env_dir, "ROMCV_MODELS", out, size, diag);
    }
    /* Installed layout: <prefix>/bin/romcv and <prefix>/share/romcv/models. */
    char candidate[PATH_MAX] = "";
    if (search->exe_path && *search->exe_path) {
        char exe_dir[PATH_MAX];
        snprintf(exe_dir, sizeof exe_dir, "%s", search->exe_path);
        char *slash = strrchr(exe_dir, '/');
        if (slash) {
            *slash = '\0';
            if (snprintf(candidate, sizeof candidate, "%s/../%s", exe_dir,
                         ROMCV_INSTALL_MODELS_SUBDIR) < (int)sizeof candidate &&
                holds_models(candidate)) {
                return copy_dir(out, size, candidate, diag);
            }
        }
    }
    /* Build tree: the source checkout's models/ that scripts/setup.sh fills. */
    if (holds_models(ROMCV_SOURCE_MODELS_DIR)) {
        return copy_dir(out, size, ROMCV_SOURCE_MODELS_DIR, diag);
    }
    return romcv_diag_set(diag, ROMCV_E_NOT_FOUND,
                          "models not found (looked in %s%s%s); run scripts/setup.sh, or give "
                          "--models DIR or ROMCV_MODELS",
                          candidate, *candidate ? " and " : "", ROMCV_SOURCE_MODELS_DIR);
}

int romcv_model_verify(const char *dir, RomcvModelId id, char *actual_hex, RomcvDiag *diag) {
    const RomcvModelInfo *info = romcv_model_info(id);
    if (!info || !dir) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "invalid model id %d", (int)id);
    }
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, info->file_name) >= (int)sizeof path) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", dir);
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        return romcv_diag_set(diag, ROMCV_E_NOT_FOUND,
                              "%s: model missing; run scripts/fetch-models.sh to fetch %s@%s", path,
                              ROMCV_MODELS_PACKAGE, ROMCV_MODELS_PACKAGE_VERSION);
    }
    char hex[65];
    int rc = romcv_sha256_file(path, hex, diag);
    if (rc < 0) {
        return rc;
    }
    if (actual_hex) {
        memcpy(actual_hex, hex, sizeof hex);
    }
    if (strcmp(hex, info->sha256) != 0) {
        return romcv_diag_set(diag, ROMCV_E_CHECKSUM,
                              "%s: SHA-256 mismatch (expected %s, got %s); the file is damaged or "
                              "not the pinned version: delete it and run scripts/fetch-models.sh",
                              path, info->sha256, hex);
    }
    return 0;
}
