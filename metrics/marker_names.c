/*
 * metrics/marker_names.c: each RomcvMarker's one name and one title
 * (romcv/metrics.h). A file of its own, with no other dependency, so the
 * labelling file's fuzz target (fuzz/CMakeLists.txt) can link it alone.
 */
#include "romcv/metrics.h"

/* One name and one title per RomcvMarker: the CSV header, the labelling
 * file, ArUco's warnings and the tracker's messages all read these. */
static const char *const marker_names[ROMCV_MARKER_COUNT] = {
    "asis_left",
    "asis_right",
    "psis_left",
    "psis_right",
    "t12",
    "l3",
    "s1",
    "trochanter_left",
    "trochanter_right",
    "knee_left",
    "knee_right",
    "malleolus_left",
    "malleolus_right",
};

static const char *const marker_titles[ROMCV_MARKER_COUNT] = {
    "left ASIS",
    "right ASIS",
    "left PSIS",
    "right PSIS",
    "T12",
    "L3",
    "S1",
    "left greater trochanter",
    "right greater trochanter",
    "left lateral knee",
    "right lateral knee",
    "left lateral malleolus",
    "right lateral malleolus",
};

const char *romcv_marker_name(int marker) {
    return marker >= 0 && marker < ROMCV_MARKER_COUNT ? marker_names[marker] : "";
}

const char *romcv_marker_title(int marker) {
    return marker >= 0 && marker < ROMCV_MARKER_COUNT ? marker_titles[marker] : "";
}
