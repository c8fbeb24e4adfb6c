/* cli/marker_series.c: see marker_series.h. */
#include "cli/marker_series.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DETECTIONS 64

int romcv_cli_markers_check(const char *spec, const char *labels, RomcvDiag *diag) {
    if (!spec || strcmp(spec, "none") == 0) {
        if (labels) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                  "--marker-labels needs --markers (auto or a colour)");
        }
        return 0;
    }
    if (strcmp(spec, "aruco") == 0) {
        /* An ArUco square's id is its name: a labelling file would only
         * contradict it. */
        return labels ? romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                       "--marker-labels: ArUco markers are named by their printed "
                                       "ids; leave the labelling file out (docs/markers.md)")
                      : 0;
    }
    if (labels) {
        float x[ROMCV_MARKER_COUNT], y[ROMCV_MARKER_COUNT];
        int rc = romcv_marker_hints_load(labels, x, y, diag);
        if (rc < 0) {
            return rc;
        }
    }
    RomcvMarkerDetectorSettings ds;
    romcv_marker_detector_default_settings(&ds);
    return romcv_marker_colour_parse(spec, &ds, diag);
}

int romcv_cli_markers_init(RomcvCliMarkerSeries *s, const char *spec, const char *labels,
                           const RomcvLogger *logger, RomcvDiag *diag) {
    memset(s, 0, sizeof *s);
    int rc = romcv_cli_markers_check(spec, labels, diag);
    if (rc < 0 || !spec || strcmp(spec, "none") == 0) {
        return rc;
    }
    if (strcmp(spec, "aruco") == 0) {
        RomcvArucoSettings as;
        romcv_aruco_default_settings(&as);
        if (logger) {
            as.logger = *logger;
        }
        rc = romcv_aruco_create(&s->aruco, &as, diag);
        s->enabled = rc == 0;
        return rc;
    }
    RomcvMarkerDetectorSettings ds;
    romcv_marker_detector_default_settings(&ds);
    romcv_marker_colour_parse(spec, &ds, diag);
    if (logger) {
        ds.logger = *logger;
    }
    RomcvMarkerTrackerSettings ts;
    romcv_marker_tracker_default_settings(&ts);
    if (logger) {
        ts.logger = *logger;
    }
    rc = romcv_marker_detector_create(&s->detector, &ds, diag);
    if (rc == 0) {
        rc = romcv_marker_tracker_create(&s->tracker, &ts, diag);
    }
    if (rc == 0 && labels) {
        float x[ROMCV_MARKER_COUNT], y[ROMCV_MARKER_COUNT];
        rc = romcv_marker_hints_load(labels, x, y, diag);
        for (int k = 0; rc == 0 && k < ROMCV_MARKER_COUNT; k++) {
            rc = romcv_marker_tracker_hint(s->tracker, k, x[k], y[k]);
        }
    }
    if (rc < 0) {
        romcv_cli_markers_free(s);
        return rc;
    }
    s->enabled = 1;
    return 0;
}

static int reserve(RomcvCliMarkerSeries *s) {
    if (s->n < s->capacity) {
        return 0;
    }
    size_t capacity = s->capacity ? s->capacity * 2 : 1024;
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        float **arrays[3] = {&s->x[k], &s->y[k], &s->visibility[k]};
        for (int a = 0; a < 3; a++) {
            float *bigger = realloc(*arrays[a], capacity * sizeof(float));
            if (!bigger) {
                return ROMCV_ERR(ENOMEM);
            }
            *arrays[a] = bigger;
        }
    }
    s->capacity = capacity;
    return 0;
}

/* The view of a frame from its pose alone, as metrics reads it (unknown
 * without a person): the ArUco detector needs no pose, but the warnings
 * about markers a view needs do. */
static RomcvView pose_view(const RomcvPose *pose, int width, int height) {
    if (!pose || !pose->found) {
        return ROMCV_VIEW_UNKNOWN;
    }
    float x[ROMCV_METRICS_LANDMARKS], y[ROMCV_METRICS_LANDMARKS], v[ROMCV_METRICS_LANDMARKS];
    double t = 0;
    RomcvLandmarkSeries one = {.n = 1, .time_s = &t};
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS && k < ROMCV_POSE_LANDMARKS; k++) {
        x[k] = pose->landmarks[k].x * (float)width;
        y[k] = pose->landmarks[k].y * (float)height;
        v[k] = pose->landmarks[k].visibility;
        one.x[k] = &x[k];
        one.y[k] = &y[k];
        one.visibility[k] = &v[k];
    }
    RomcvMetricsSettings ms;
    romcv_metrics_default_settings(&ms);
    return romcv_metrics_detect_view(&one, 0, &ms);
}

/* Appends one frame's markers to the series and counts its view (for the
 * warnings about markers a view needs). */
static size_t store_frame(RomcvCliMarkerSeries *s, const RomcvMarkerFrame *mf, RomcvView view) {
    size_t i = s->n++;
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        s->x[k][i] = mf->x[k];
        s->y[k][i] = mf->y[k];
        s->visibility[k][i] = mf->visibility[k];
        s->seen[k] += mf->visibility[k] > 0;
    }
    s->left_side_frames += view == ROMCV_VIEW_LEFT_SIDE;
    s->right_side_frames += view == ROMCV_VIEW_RIGHT_SIDE;
    s->front_frames += view == ROMCV_VIEW_FRONT;
    s->back_frames += view == ROMCV_VIEW_BACK;
    return i;
}

/* --markers aruco: the squares' ids are their names, each frame alone. */
static int aruco_frame(RomcvCliMarkerSeries *s, const RomcvFrame *frame, const RomcvPose *pose,
                       RomcvDiag *diag) {
    RomcvMarkerFrame mf;
    int rc = romcv_aruco_detect(s->aruco, frame, &mf);
    if (rc < 0) {
        return romcv_diag_set(diag, rc, "frame %lld: markers: %s", (long long)frame->index,
                              romcv_aruco_errmsg(s->aruco));
    }
    store_frame(s, &mf, pose_view(pose, frame->width, frame->height));
    return 0;
}

int romcv_cli_markers_frame(RomcvCliMarkerSeries *s, const RomcvFrame *frame, const RomcvPose *pose,
                            RomcvDiag *diag) {
    if (!s->enabled) {
        return 0;
    }
    int rc = reserve(s);
    if (rc < 0) {
        return romcv_diag_set(diag, rc, "markers: out of memory");
    }
    if (s->aruco) {
        return aruco_frame(s, frame, pose, diag);
    }
    RomcvMarkerDetection det[MAX_DETECTIONS];
    int count = 0;
    rc = romcv_marker_detector_detect(s->detector, frame, det, MAX_DETECTIONS, &count);
    if (rc < 0) {
        return romcv_diag_set(diag, rc, "frame %lld: markers: %s", (long long)frame->index,
                              romcv_marker_detector_errmsg(s->detector));
    }
    RomcvMarkerFrame mf;
    rc = romcv_marker_tracker_update(s->tracker, frame->time_s, pose, frame->width, frame->height,
                                     det, count, &mf);
    if (rc < 0) {
        /* Only times that do not increase get here: the capture promises
         * they do, so this is a broken input, not a tracking problem. */
        return romcv_diag_set(diag, rc, "frame %lld: markers: time %.6f s does not increase",
                              (long long)frame->index, frame->time_s);
    }
    size_t i = store_frame(s, &mf, mf.view);
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        /* A name confirmed in this frame also covers the frames it waited
         * for confirmation (romcv_marker_tracker_backfill). */
        float bx[ROMCV_MARKER_CONFIRM_MAX], by[ROMCV_MARKER_CONFIRM_MAX];
        int back = romcv_marker_tracker_backfill(s->tracker, k, bx, by, ROMCV_MARKER_CONFIRM_MAX);
        for (int j = 0; j < back && j < ROMCV_MARKER_CONFIRM_MAX && (size_t)j < i; j++) {
            size_t f = i - 1 - (size_t)j;
            s->seen[k] += !(s->visibility[k][f] > 0);
            s->x[k][f] = bx[j];
            s->y[k][f] = by[j];
            s->visibility[k][f] = 1;
        }
    }
    return 0;
}

void romcv_cli_markers_undistort(RomcvCliMarkerSeries *s, const RomcvCameraModel *camera) {
    for (int k = 0; s->enabled && camera && k < ROMCV_MARKER_COUNT; k++) {
        romcv_calib_undistort_points(camera, s->x[k], s->y[k], s->n);
    }
}

int romcv_cli_markers_series(const RomcvCliMarkerSeries *s, RomcvMarkerSeries *out) {
    memset(out, 0, sizeof *out);
    int any = 0;
    for (int k = 0; s->enabled && k < ROMCV_MARKER_COUNT; k++) {
        if (s->seen[k] > 0) {
            out->x[k] = s->x[k];
            out->y[k] = s->y[k];
            out->visibility[k] = s->visibility[k];
            any = 1;
        }
    }
    return any ? 0 : 1;
}

/* Warns when marker k was found in fewer than half of the frames of a view
 * whose measure needs it. */
static void need(const RomcvCliMarkerSeries *s, const RomcvLogger *logger, int k,
                 size_t view_frames, const char *view, const char *measure) {
    if (view_frames == 0 || s->seen[k] * 2 >= view_frames) {
        return;
    }
    /* The usual cause on the back in a side view: a flat sticker, edge-on;
     * ArUco squares are flat wherever they are. */
    int side = strcmp(view, "side-view") == 0;
    int edge_on = side && k >= ROMCV_MARKER_PSIS_LEFT;
    romcv_log(logger, ROMCV_LOG_WARNING, "markers",
              "%s: the %s marker was found in %zu of %zu %s frames; where it is missing %s "
              "comes from the markerless estimate or is not measured%s (docs/markers.md)",
              measure, romcv_marker_name(k), s->seen[k], view_frames, view, measure,
              side && s->aruco ? "; flat ArUco squares are seen edge-on from the side: they are "
                                 "for front and back views"
              : edge_on ? "; a flat sticker on the back is seen edge-on from the side: use balls"
                        : "");
}

void romcv_cli_markers_warn(const RomcvCliMarkerSeries *s, const RomcvLogger *logger) {
    if (!s->enabled) {
        return;
    }
    size_t side = s->left_side_frames + s->right_side_frames;
    if (side > 0) {
        /* The near side is the one the camera sees in most side frames. */
        int right = s->right_side_frames >= s->left_side_frames;
        need(s, logger, right ? ROMCV_MARKER_ASIS_RIGHT : ROMCV_MARKER_ASIS_LEFT, side, "side-view",
             "pelvic tilt");
        need(s, logger, right ? ROMCV_MARKER_PSIS_RIGHT : ROMCV_MARKER_PSIS_LEFT, side, "side-view",
             "pelvic tilt");
        need(s, logger, ROMCV_MARKER_T12, side, "side-view", "lumbar lordosis");
        need(s, logger, ROMCV_MARKER_L3, side, "side-view", "lumbar lordosis");
        need(s, logger, ROMCV_MARKER_S1, side, "side-view", "lumbar lordosis");
    }
    need(s, logger, ROMCV_MARKER_ASIS_LEFT, s->front_frames, "front-view", "pelvic obliquity");
    need(s, logger, ROMCV_MARKER_ASIS_RIGHT, s->front_frames, "front-view", "pelvic obliquity");
    need(s, logger, ROMCV_MARKER_PSIS_LEFT, s->back_frames, "back-view", "pelvic obliquity");
    need(s, logger, ROMCV_MARKER_PSIS_RIGHT, s->back_frames, "back-view", "pelvic obliquity");
    if (s->aruco) {
        long duplicated = romcv_aruco_ambiguous_frames(s->aruco, -1);
        if (duplicated > 0) {
            romcv_log(logger, ROMCV_LOG_WARNING, "markers",
                      "%ld frames had an ArUco id seen twice; that marker counts as not found "
                      "there (keep spare markers out of the picture)",
                      duplicated);
        }
        return;
    }
    long ambiguous = romcv_marker_tracker_ambiguous_frames(s->tracker);
    if (ambiguous > 0) {
        romcv_log(logger, ROMCV_LOG_WARNING, "markers",
                  "%ld frames had markers that could not be named (an ambiguous arrangement); "
                  "they count as not found",
                  ambiguous);
    }
}

int romcv_cli_markers_write_csv(const RomcvCliMarkerSeries *s, const int64_t *index,
                                const double *time_s, const char *path, RomcvDiag *diag) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", path);
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        return romcv_diag_set(diag, ROMCV_ERR(errno), "%s: %s", tmp, strerror(errno));
    }
    fprintf(f, "frame,time_s");
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        const char *name = romcv_marker_name(k);
        fprintf(f, ",%s_x,%s_y,%s_visible", name, name, name);
    }
    fputc('\n', f);
    /* The C locale's decimal point: romcv never calls setlocale. */
    for (size_t i = 0; i < s->n; i++) {
        fprintf(f, "%lld,%.6f", (long long)index[i], time_s[i]);
        for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
            if (isfinite(s->x[k][i]) && isfinite(s->y[k][i])) {
                fprintf(f, ",%.3f,%.3f,%d", s->x[k][i], s->y[k][i], s->visibility[k][i] > 0);
            } else {
                fprintf(f, ",,,0");
            }
        }
        fputc('\n', f);
    }
    int failed = ferror(f);
    if (fclose(f) != 0 || failed) {
        remove(tmp);
        return romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: write failed", tmp);
    }
    if (rename(tmp, path) != 0) {
        int err = errno;
        remove(tmp);
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot rename from %s", path, tmp);
    }
    return 0;
}

void romcv_cli_markers_free(RomcvCliMarkerSeries *s) {
    romcv_marker_detector_destroy(&s->detector);
    romcv_marker_tracker_destroy(&s->tracker);
    romcv_aruco_destroy(&s->aruco);
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        free(s->x[k]);
        free(s->y[k]);
        free(s->visibility[k]);
    }
    memset(s, 0, sizeof *s);
}
