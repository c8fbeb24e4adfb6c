/*
 * fuzz/fuzz_marker_hints.c: the labelling file of `romcv analyze
 * --marker-labels FILE` (romcv_marker_hints_load; docs/markers.md) is read
 * from wherever the user points, so it is untrusted input. Each input is
 * parsed from memory (romcv_marker_hints_parse, what the loader calls after
 * reading the file); the contract checked here beyond "no crash, no
 * sanitizer report": a failure leaves every position NaN and says why in
 * one line of printable text (the message quotes the file, whose bytes
 * must not reach the terminal as control codes); a success gives numbers or NaN, and its positions
 * are then used the way analyze uses them (hints to a marker tracker that sees one frame of
 * detections), which must not trip over huge or odd values.
 */
#include "romcv/metrics.h"
#include "romcv/vision.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A pose seen from the side, hips at (320, 300), trunk 100 px. */
static void side_pose(RomcvPose *pose) {
    memset(pose, 0, sizeof *pose);
    pose->found = 1;
    for (int k = 0; k < ROMCV_POSE_LANDMARKS; k++) {
        pose->landmarks[k].x = 320.0f / 640.0f;
        pose->landmarks[k].y = 300.0f / 480.0f;
        pose->landmarks[k].visibility = 1;
    }
    pose->landmarks[ROMCV_LM_LEFT_SHOULDER].y = pose->landmarks[ROMCV_LM_RIGHT_SHOULDER].y =
        200.0f / 480.0f;
    pose->landmarks[ROMCV_LM_NOSE].x = 335.0f / 640.0f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    float x[ROMCV_MARKER_LABELS], y[ROMCV_MARKER_LABELS];
    RomcvDiag diag;
    memset(&diag, 0, sizeof diag);
    int rc = romcv_marker_hints_parse((const char *)data, size, "fuzz.json", x, y, &diag);
    if (rc != 0) {
        for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
            if (!isnan(x[k]) || !isnan(y[k])) {
                abort(); /* a failed file must name nothing */
            }
        }
        if (!diag.message[0]) {
            abort(); /* always a reason */
        }
        for (const char *c = diag.message; *c; c++) {
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                abort(); /* one line, and nothing a terminal would obey */
            }
        }
        return 0;
    }
    RomcvMarkerTrackerSettings settings;
    romcv_marker_tracker_default_settings(&settings);
    RomcvMarkerTracker *tracker = NULL;
    if (romcv_marker_tracker_create(&tracker, &settings, NULL) != 0) {
        abort();
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        if (romcv_marker_tracker_hint(tracker, k, x[k], y[k]) != 0) {
            abort();
        }
    }
    RomcvMarkerDetection det[ROMCV_MARKER_LABELS];
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        /* Detections where the file says, when that is a number at all. */
        det[k] = (RomcvMarkerDetection){isfinite(x[k]) ? x[k] : 0.0f, isfinite(y[k]) ? y[k] : 0.0f,
                                        2.0f, 1.0f, 1.0f};
    }
    RomcvPose pose;
    side_pose(&pose);
    RomcvMarkerFrame frame;
    if (romcv_marker_tracker_update(tracker, 0.0, &pose, 640, 480, det, ROMCV_MARKER_LABELS,
                                    &frame) != 0) {
        abort();
    }
    romcv_marker_tracker_destroy(&tracker);
    return 0;
}
