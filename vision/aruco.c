/*
 * vision/aruco.c: printed square fiducials (ArUco) as skin markers
 * (romcv/vision.h, "ArUco skin markers"; docs/markers.md).
 *
 * The id names the marker, so this file only maps ids to labels, turns four
 * corners into a centre and refuses duplicates; finding and decoding the
 * squares is OpenCV's (cv::aruco::detectMarkers through vision/cv_bridge.h).
 * Memory: a fixed array of markers per frame, nothing that grows.
 */
#include "romcv/vision.h"
#include "romcv/metrics.h"
#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Squares read per frame. The dictionary has 50 ids; a frame with more
 * squares than this is not a clinical recording, and the extra ones are
 * ignored (the labels' ids among them are then missed, not guessed). */
#define MAX_SQUARES 64

_Static_assert(ROMCV_MARKER_LABELS == ROMCV_MARKER_COUNT, "one label per RomcvMarker");

static const char *const label_names[ROMCV_MARKER_LABELS] = {
    "asis_left", "asis_right", "psis_left", "psis_right", "t12", "l3", "s1",
};

struct RomcvArucoDetector {
    RomcvArucoSettings s;
    RomcvCvAruco squares[MAX_SQUARES];
    long ambiguous_frames;
    long ambiguous[ROMCV_MARKER_LABELS];
    int in_duplicate_run[ROMCV_MARKER_LABELS]; /* warn once per run of frames */
    char errmsg[ROMCV_DIAG_MESSAGE_SIZE];
};

void romcv_aruco_default_settings(RomcvArucoSettings *s) {
    memset(s, 0, sizeof *s);
    s->min_side_px = 8.0f;
    s->refine_half_px = 2;
}

int romcv_aruco_create(RomcvArucoDetector **out, const RomcvArucoSettings *s, RomcvDiag *diag) {
    if (!out) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: no place for the detector");
    }
    *out = NULL;
    if (!s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: no settings");
    }
    if (!(s->min_side_px >= 4.0f && s->min_side_px <= 1000.0f)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: min_side_px %g: must be 4..1000",
                              (double)s->min_side_px);
    }
    if (s->refine_half_px < 1 || s->refine_half_px > 15) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: refine_half_px %d: must be 1..15",
                              s->refine_half_px);
    }
    RomcvArucoDetector *d = calloc(1, sizeof *d);
    if (!d) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "aruco: out of memory");
    }
    d->s = *s;
    *out = d;
    return 0;
}

/* The crossing of the diagonals 0-2 and 1-3 of a quadrilateral; 0 when they
 * are parallel (a degenerate square, never produced by detectMarkers). */
static int diagonal_crossing(const RomcvCvAruco *m, double *x, double *y) {
    double ax = m->x[0], ay = m->y[0], bx = m->x[2], by = m->y[2];
    double cx = m->x[1], cy = m->y[1], dx = m->x[3], dy = m->y[3];
    double ux = bx - ax, uy = by - ay, vx = dx - cx, vy = dy - cy;
    double den = ux * vy - uy * vx;
    if (!(fabs(den) > 1e-9)) {
        return 0;
    }
    double t = ((cx - ax) * vy - (cy - ay) * vx) / den;
    *x = ax + t * ux;
    *y = ay + t * uy;
    return 1;
}

int romcv_aruco_detect(RomcvArucoDetector *d, const RomcvFrame *frame, RomcvMarkerFrame *out) {
    if (!d || !frame || !out) {
        return ROMCV_ERR(EINVAL);
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        out->x[k] = out->y[k] = NAN;
        out->visibility[k] = 0;
    }
    out->ambiguous = 0;
    out->view = 0;
    if (frame->format != ROMCV_PIX_RGB24) {
        snprintf(d->errmsg, sizeof d->errmsg, "aruco: the frame is not RGB24");
        return ROMCV_ERR(EINVAL);
    }
    RomcvDiag diag = {0};
    int count = 0, total = 0;
    int rc =
        romcv__cv_aruco_detect(frame, ROMCV_CV_ARUCO_4X4_50, d->s.min_side_px, d->s.refine_half_px,
                               d->squares, MAX_SQUARES, &count, &total, &diag);
    if (rc < 0) {
        snprintf(d->errmsg, sizeof d->errmsg, "%s", diag.message);
        return rc;
    }
    int seen[ROMCV_MARKER_LABELS] = {0};
    for (int i = 0; i < count; i++) {
        const RomcvCvAruco *m = &d->squares[i];
        if (m->id < 0 || m->id >= ROMCV_MARKER_LABELS) {
            continue; /* not one of ours: ignored (docs/markers.md) */
        }
        double x, y;
        if (!diagonal_crossing(m, &x, &y)) {
            continue;
        }
        if (seen[m->id]++ == 0) {
            out->x[m->id] = (float)x;
            out->y[m->id] = (float)y;
            out->visibility[m->id] = 1;
        }
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        if (seen[k] < 2) {
            d->in_duplicate_run[k] = 0;
            continue;
        }
        /* Two squares with one id: which is on the patient cannot be told
         * from the picture alone, so neither is taken. */
        out->x[k] = out->y[k] = NAN;
        out->visibility[k] = 0;
        out->ambiguous = 1;
        d->ambiguous[k]++;
        if (!d->in_duplicate_run[k]) {
            romcv_log(&d->s.logger, ROMCV_LOG_WARNING, "markers",
                      "%.3f s: ArUco id %d (%s) seen %d times; not taken until it is seen once "
                      "(keep spare markers out of the picture)",
                      frame->time_s, k, label_names[k], seen[k]);
        }
        d->in_duplicate_run[k] = 1;
    }
    d->ambiguous_frames += out->ambiguous;
    return 0;
}

long romcv_aruco_ambiguous_frames(const RomcvArucoDetector *d, int label) {
    if (!d) {
        return 0;
    }
    if (label < 0) {
        return d->ambiguous_frames;
    }
    return label < ROMCV_MARKER_LABELS ? d->ambiguous[label] : 0;
}

const char *romcv_aruco_errmsg(const RomcvArucoDetector *d) {
    return d ? d->errmsg : "";
}

void romcv_aruco_destroy(RomcvArucoDetector **d) {
    if (d && *d) {
        free(*d);
        *d = NULL;
    }
}
