/*
 * metrics/info.c: every angle's written definition as data (the same text as
 * docs/angles.md), and the names of views and reason codes.
 */
#include "metrics/internal.h"

#include <string.h>

#define EST_OBLIQUITY                                                                 \
    "markerless: BlazePose hip points follow a pelvic drop at only about half scale " \
    "(phantom-facts.md: slope 0.55, offset -2.5 deg); use ASIS/PSIS markers for decisions"
#define EST_TILT                                                                               \
    "markerless: inclination of the sacral part of the posterior silhouette contour from the " \
    "vertical, not the ASIS-PSIS angle; no published validation (clinical.md); compare only "  \
    "with the neutral baseline"
#define EST_LORDOSIS                                                                           \
    "markerless: angle between the tangents of the posterior silhouette contour at the waist " \
    "and at the sacrum; no published validation (clinical.md); soft tissue adds to the curve"

static const RomcvAngleInfo angle_info[ROMCV_ANGLE_COUNT] = {
    {ROMCV_ANGLE_HIP_ROTATION_LEFT, "hip_rotation_left", ROMCV_SIDE_LEFT, ROMCV_PLANE_FRONTAL,
     "deg", "internal", "external", "left knee (25) -> left ankle (27)",
     "vertical (down when seated or supine 90/90, up when prone)",
     "clinical.md: Kouyoumdjian 2012 (photographic method); phantom-facts.md", NULL},
    {ROMCV_ANGLE_HIP_ROTATION_RIGHT, "hip_rotation_right", ROMCV_SIDE_RIGHT, ROMCV_PLANE_FRONTAL,
     "deg", "internal", "external", "right knee (26) -> right ankle (28)",
     "vertical (down when seated or supine 90/90, up when prone)",
     "clinical.md: Kouyoumdjian 2012 (photographic method); phantom-facts.md", NULL},
    {ROMCV_ANGLE_PELVIC_OBLIQUITY, "pelvic_obliquity", ROMCV_SIDE_NONE, ROMCV_PLANE_FRONTAL, "deg",
     "left side higher", "right side higher",
     "right -> left ASIS (front) or PSIS (back) markers; else right hip (24) -> left hip (23)",
     "horizontal", "clinical.md: pelvic obliquity (Magee; Bramah 2018)", EST_OBLIQUITY},
    {ROMCV_ANGLE_PELVIC_TILT, "pelvic_tilt", ROMCV_SIDE_NONE, ROMCV_PLANE_SAGITTAL, "deg",
     "anterior", "posterior", "PSIS -> ASIS markers (near side); else posterior contour",
     "horizontal (forward)", "clinical.md: pelvic tilt (Herrington 2011; Preece 2008)", EST_TILT},
    {ROMCV_ANGLE_LUMBAR_LORDOSIS, "lumbar_lordosis", ROMCV_SIDE_NONE, ROMCV_PLANE_SAGITTAL, "deg",
     "lordosis", "kyphosis",
     "T12, L3, S1 markers: tangents at the ends of the circle through them; else posterior "
     "contour",
     "tangent at the upper end", "clinical.md: lumbar lordosis (photogrammetry of markers)",
     EST_LORDOSIS},
    {ROMCV_ANGLE_HIP_FLEXION_LEFT, "hip_flexion_left", ROMCV_SIDE_LEFT, ROMCV_PLANE_SAGITTAL, "deg",
     "flexion", "extension", "left shoulder (11) -> left hip (23) -> left knee (25)",
     "trunk line shoulder -> hip, extended", "clinical.md: accuracy anchors (Stenum 2021)", NULL},
    {ROMCV_ANGLE_HIP_FLEXION_RIGHT, "hip_flexion_right", ROMCV_SIDE_RIGHT, ROMCV_PLANE_SAGITTAL,
     "deg", "flexion", "extension", "right shoulder (12) -> right hip (24) -> right knee (26)",
     "trunk line shoulder -> hip, extended", "clinical.md: accuracy anchors (Stenum 2021)", NULL},
    {ROMCV_ANGLE_THIGH_VERTICAL_LEFT, "thigh_vertical_left", ROMCV_SIDE_LEFT, ROMCV_PLANE_SAGITTAL,
     "deg", "flexion", "extension", "left hip (23) -> left knee (25)", "vertical (down)",
     "clinical.md: Thomas test, active straight leg raise", NULL},
    {ROMCV_ANGLE_THIGH_VERTICAL_RIGHT, "thigh_vertical_right", ROMCV_SIDE_RIGHT,
     ROMCV_PLANE_SAGITTAL, "deg", "flexion", "extension", "right hip (24) -> right knee (26)",
     "vertical (down)", "clinical.md: Thomas test, active straight leg raise", NULL},
    {ROMCV_ANGLE_KNEE_FLEXION_LEFT, "knee_flexion_left", ROMCV_SIDE_LEFT, ROMCV_PLANE_SAGITTAL,
     "deg", "flexion", "hyperextension", "left hip (23) -> left knee (25) -> left ankle (27)",
     "thigh line hip -> knee, extended", "clinical.md: MediaPipe knee, squat; phantom-facts.md",
     NULL},
    {ROMCV_ANGLE_KNEE_FLEXION_RIGHT, "knee_flexion_right", ROMCV_SIDE_RIGHT, ROMCV_PLANE_SAGITTAL,
     "deg", "flexion", "hyperextension", "right hip (24) -> right knee (26) -> right ankle (28)",
     "thigh line hip -> knee, extended", "clinical.md: MediaPipe knee, squat; phantom-facts.md",
     NULL},
    {ROMCV_ANGLE_TRUNK_INCLINATION, "trunk_inclination", ROMCV_SIDE_NONE, ROMCV_PLANE_SAGITTAL,
     "deg", "forward", "backward", "near-side hip -> near-side shoulder", "vertical (up)",
     "clinical.md: Kinovea trunk tilt in gait", NULL},
    {ROMCV_ANGLE_TRUNK_LATERAL_LEAN, "trunk_lateral_lean", ROMCV_SIDE_NONE, ROMCV_PLANE_FRONTAL,
     "deg", "to the left", "to the right", "mid-hip -> mid-shoulder", "vertical (up)",
     "clinical.md: single-leg stance (compensated Trendelenburg)", NULL},
    {ROMCV_ANGLE_KNEE_FPPA_LEFT, "knee_fppa_left", ROMCV_SIDE_LEFT, ROMCV_PLANE_FRONTAL, "deg",
     "valgus", "varus", "left hip (23) -> left knee (25) -> left ankle (27)",
     "thigh line hip -> knee, extended", "clinical.md: deep squat (knee valgus)", NULL},
    {ROMCV_ANGLE_KNEE_FPPA_RIGHT, "knee_fppa_right", ROMCV_SIDE_RIGHT, ROMCV_PLANE_FRONTAL, "deg",
     "valgus", "varus", "right hip (24) -> right knee (26) -> right ankle (28)",
     "thigh line hip -> knee, extended", "clinical.md: deep squat (knee valgus)", NULL},
};

const RomcvAngleInfo *romcv_angle_info(RomcvAngleId id) {
    if ((int)id < 0 || id >= ROMCV_ANGLE_COUNT)
        return NULL;
    return &angle_info[id];
}

RomcvAngleId romcv_angle_from_name(const char *name) {
    for (int k = 0; name && k < ROMCV_ANGLE_COUNT; k++)
        if (strcmp(angle_info[k].name, name) == 0)
            return (RomcvAngleId)k;
    return ROMCV_ANGLE_COUNT;
}

const char *romcv_angle_reason_name(RomcvAngleReason reason) {
    switch (reason) {
#define ROMCV_X_REASON_NAME(id, value, name, text) \
    case ROMCV_REASON_##id:                        \
        return name;
        ROMCV_REASON_TABLE(ROMCV_X_REASON_NAME)
#undef ROMCV_X_REASON_NAME
    }
    return "unknown";
}

const char *romcv_angle_reason_text(RomcvAngleReason reason) {
    switch (reason) {
#define ROMCV_X_REASON_TEXT(id, value, name, text) \
    case ROMCV_REASON_##id:                        \
        return text;
        ROMCV_REASON_TABLE(ROMCV_X_REASON_TEXT)
#undef ROMCV_X_REASON_TEXT
    }
    return "unknown";
}

static const char *const view_names[] = {"unknown", "front", "back", "left", "right"};

const char *romcv_view_name(RomcvView view) {
    if ((int)view < 0 || (int)view > ROMCV_VIEW_RIGHT_SIDE)
        return "unknown";
    return view_names[view];
}

int romcv_view_from_name(const char *name) {
    if (!name)
        return -1;
    if (strcmp(name, "auto") == 0)
        return ROMCV_VIEW_UNKNOWN;
    for (int k = 0; k <= ROMCV_VIEW_RIGHT_SIDE; k++)
        if (strcmp(view_names[k], name) == 0)
            return k;
    return -1;
}

const char *romcv_angle_method_name(RomcvAngleMethod method) {
    switch (method) {
    case ROMCV_METHOD_LANDMARKS:
        return "landmarks";
    case ROMCV_METHOD_MARKERS:
        return "markers";
    case ROMCV_METHOD_SILHOUETTE:
        return "silhouette";
    }
    return "unknown";
}
