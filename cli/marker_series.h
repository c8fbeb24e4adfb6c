/*
 * cli/marker_series.h: the skin-marker tracks of a recording for `romcv
 * analyze --markers COLOUR|auto|aruco` (issue 10). Each frame goes through
 * the marker detector and tracker (romcv/vision.h, "skin markers"), or the
 * ArUco detector ("ArUco skin markers"), right after the landmark tracker,
 * with that frame's pose; the labelled positions are
 * kept per frame and handed to romcv_metrics_compute() as a
 * RomcvMarkerSeries, so pelvic tilt, obliquity and lordosis are measured on
 * the markers (not flagged is_estimate) wherever they were found.
 *
 * Only markers found in at least one frame are passed on: metrics picks
 * its source per channel from the markers it is given, and a marker given
 * but never seen would turn a channel to NaN instead of leaving it to the
 * markerless estimate.
 *
 * Memory: 3 floats per marker and frame (84 bytes a frame, 3 MB for ten
 * minutes at 60 fps); the arrays grow by doubling. The detector and tracker
 * themselves keep nothing per frame.
 */
#ifndef ROMCV_CLI_MARKER_SERIES_H
#define ROMCV_CLI_MARKER_SERIES_H

#include "romcv/romcv.h"

#include <stdio.h>

typedef struct RomcvCliMarkerSeries {
    int enabled;
    RomcvMarkerDetector *detector;
    RomcvMarkerTracker *tracker;
    RomcvArucoDetector *aruco; /* --markers aruco: instead of the two above */
    size_t n, capacity;
    float *x[ROMCV_MARKER_COUNT], *y[ROMCV_MARKER_COUNT], *visibility[ROMCV_MARKER_COUNT];
    size_t seen[ROMCV_MARKER_COUNT]; /* frames each marker was found in */
    size_t left_side_frames, right_side_frames, front_frames, back_frames; /* tracker's view */
} RomcvCliMarkerSeries;

/* Checks --markers spec and --marker-labels FILE (may be NULL: none; read
 * and checked here) without keeping anything, so a typo fails before the
 * long part: 0, or a negative code with one line in diag. */
int romcv_cli_markers_check(const char *spec, const char *labels, RomcvDiag *diag);

/* Prepares the series for --markers spec (NULL or "none": disabled, nothing
 * allocated; "aruco": printed ArUco squares named by their ids, which takes
 * no labelling file; else a colour, docs/markers.md). labels (may be NULL) is a labelling file
 * whose positions name the markers of the first second (romcv_marker_hints_load). Returns 0, or
 * ROMCV_ERR(EINVAL) with a one-line reason in diag for a colour it cannot parse. */
int romcv_cli_markers_init(RomcvCliMarkerSeries *s, const char *spec, const char *labels,
                           const RomcvLogger *logger, RomcvDiag *diag);

/* One frame, after its pose (pose->found 0: no person). Keeps one entry per
 * call, aligned with the pose series. Returns 0 or a negative code (diag). */
int romcv_cli_markers_frame(RomcvCliMarkerSeries *s, const RomcvFrame *frame, const RomcvPose *pose,
                            RomcvDiag *diag);

/* Undistorts every position with camera (fitted to the frames), as the
 * landmarks are. */
void romcv_cli_markers_undistort(RomcvCliMarkerSeries *s, const RomcvCameraModel *camera);

/* Points *out at the markers found (borrowed until _free) and returns 0; 1
 * when none was found anywhere (pass NULL to metrics then). */
int romcv_cli_markers_series(const RomcvCliMarkerSeries *s, RomcvMarkerSeries *out);

/* Warnings after the run: a marker the view needs that was never or seldom
 * found (pelvic tilt in a side view needs the near side's ASIS and PSIS,
 * lordosis T12, L3 and S1, obliquity both ASIS from the front or both PSIS
 * from behind), and ambiguous frames. */
void romcv_cli_markers_warn(const RomcvCliMarkerSeries *s, const RomcvLogger *logger);

/* Writes path (written as path.tmp, then renamed): a header, then one row
 * per frame: frame index, time_s, and x, y (px, empty when not found) and
 * visible (0/1) for each marker, names as romcv_marker_name(). index
 * and time_s are the pose series' arrays (n entries). Returns 0 or a
 * negative code with diag. */
int romcv_cli_markers_write_csv(const RomcvCliMarkerSeries *s, const int64_t *index,
                                const double *time_s, const char *path, RomcvDiag *diag);

void romcv_cli_markers_free(RomcvCliMarkerSeries *s);

#endif /* ROMCV_CLI_MARKER_SERIES_H */
