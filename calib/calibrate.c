/*
 * calib/calibrate.c: camera intrinsics and lens distortion from views of a
 * chessboard (Zhang 2000, as OpenCV's calibrateCamera implements it), with
 * the checks that turn a calibration that cannot be trusted into a clear
 * refusal: board never found, too few views, reprojection error too large.
 *
 * A video gives hundreds of nearly identical frames; views are kept only when
 * the board moved since the last kept one (they add no constraint otherwise
 * and slow calibrateCamera down), and at most max_views of them, spread
 * evenly over those kept, go into the solve.
 */
#include "romcv/calib.h"

#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Views kept before the spacing test discards everything: a bound on memory
 * (a 9x6 board costs 432 bytes a view). */
#define MAX_KEPT_VIEWS 1000

struct RomcvCalibrator {
    RomcvCalibSettings settings;
    int points;        /* corners per view: cols * rows */
    int width, height; /* of the first frame */
    int frames;        /* offered */
    int found;         /* frames with a board, kept or not */
    int views;         /* kept */
    float *x, *y;      /* views * points corners */
    float *scratch_x, *scratch_y;
    RomcvDiag diag;
};

void romcv_calib_default_settings(RomcvCalibSettings *s) {
    memset(s, 0, sizeof(*s));
    s->board_cols = 9;
    s->board_rows = 6;
    s->square_mm = 25;
    /* Zhang 2000 needs 3 views of a plane for 5 intrinsics; with 5 distortion
     * coefficients as well, 5 views spread over the image is the least that
     * constrains them in practice (OpenCV's tutorial advises 10 or more). */
    s->min_views = 5;
    s->max_views = 30;
    /* A good calibration reprojects to a few tenths of a pixel; above 1 px
     * the board was blurred, bent or misdetected. */
    s->max_rms_px = 1.0;
    s->min_view_spacing = 0.02;
}

void romcv_calibrator_destroy(RomcvCalibrator **calibrator) {
    if (!calibrator || !*calibrator) {
        return;
    }
    RomcvCalibrator *c = *calibrator;
    free(c->x);
    free(c->y);
    free(c->scratch_x);
    free(c->scratch_y);
    free(c);
    *calibrator = NULL;
}

int romcv_calibrator_create(RomcvCalibrator **out, const RomcvCalibSettings *s, RomcvDiag *diag) {
    *out = NULL;
    if (!s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "calibrate: no settings");
    }
    if (s->board_cols < 3 || s->board_rows < 3 || s->board_cols > 100 || s->board_rows > 100) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "calibrate: the board must have 3 to 100 inner corners each way "
                              "(got %dx%d)",
                              s->board_cols, s->board_rows);
    }
    if (s->board_cols == s->board_rows) {
        /* A square board's corner order is ambiguous by 90 degrees, which
         * breaks the correspondence between views (OpenCV's documentation
         * asks for different counts). */
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "calibrate: a %dx%d board is ambiguous; use one with different "
                              "counts of inner corners (9x6 is usual)",
                              s->board_cols, s->board_rows);
    }
    if (!(s->square_mm > 0) || !isfinite(s->square_mm)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "calibrate: square size must be positive");
    }
    if (s->min_views < 3 || s->max_views < s->min_views || !(s->max_rms_px > 0)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "calibrate: need 3 <= min_views <= max_views and max_rms_px > 0");
    }
    RomcvCalibrator *c = calloc(1, sizeof(*c));
    if (!c) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "calibrate: out of memory");
    }
    c->settings = *s;
    c->points = s->board_cols * s->board_rows;
    c->scratch_x = malloc(sizeof(float) * (size_t)c->points);
    c->scratch_y = malloc(sizeof(float) * (size_t)c->points);
    if (!c->scratch_x || !c->scratch_y) {
        romcv_calibrator_destroy(&c);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "calibrate: out of memory");
    }
    *out = c;
    return 0;
}

static int grow(RomcvCalibrator *c) {
    size_t n = (size_t)(c->views + 1) * (size_t)c->points;
    float *nx = realloc(c->x, n * sizeof(float));
    if (!nx) {
        return ROMCV_ERR(ENOMEM);
    }
    c->x = nx;
    float *ny = realloc(c->y, n * sizeof(float));
    if (!ny) {
        return ROMCV_ERR(ENOMEM);
    }
    c->y = ny;
    return 0;
}

int romcv_calibrator_add_frame(RomcvCalibrator *c, const RomcvFrame *frame) {
    if (!frame) {
        return romcv_diag_set(&c->diag, ROMCV_ERR(EINVAL), "calibrate: no frame");
    }
    if (c->frames == 0) {
        c->width = frame->width;
        c->height = frame->height;
    } else if (frame->width != c->width || frame->height != c->height) {
        return romcv_diag_set(&c->diag, ROMCV_ERR(EINVAL),
                              "calibrate: frame %d is %dx%d, the first was %dx%d; one camera "
                              "setting per calibration",
                              c->frames, frame->width, frame->height, c->width, c->height);
    }
    c->frames++;
    int rc = romcv__cv_find_chessboard(frame, c->settings.board_cols, c->settings.board_rows,
                                       c->scratch_x, c->scratch_y, &c->diag);
    if (rc <= 0) {
        return rc;
    }
    c->found++;
    if (c->views > 0) {
        /* Mean corner displacement since the last kept view. */
        const float *lx = c->x + (size_t)(c->views - 1) * (size_t)c->points;
        const float *ly = c->y + (size_t)(c->views - 1) * (size_t)c->points;
        double moved = 0;
        for (int i = 0; i < c->points; i++) {
            moved += hypot(c->scratch_x[i] - lx[i], c->scratch_y[i] - ly[i]);
        }
        moved /= c->points;
        double diagonal = hypot(c->width, c->height);
        if (moved < c->settings.min_view_spacing * diagonal) {
            return 0;
        }
    }
    if (c->views >= MAX_KEPT_VIEWS) {
        return 0;
    }
    rc = grow(c);
    if (rc < 0) {
        return romcv_diag_set(&c->diag, rc, "calibrate: out of memory");
    }
    memcpy(c->x + (size_t)c->views * (size_t)c->points, c->scratch_x,
           sizeof(float) * (size_t)c->points);
    memcpy(c->y + (size_t)c->views * (size_t)c->points, c->scratch_y,
           sizeof(float) * (size_t)c->points);
    c->views++;
    return 1;
}

void romcv_calibrator_counts(const RomcvCalibrator *c, int *frames, int *views) {
    if (frames) {
        *frames = c->frames;
    }
    if (views) {
        *views = c->views;
    }
}

const float *romcv_calibrator_corners(const RomcvCalibrator *c, int index, const float **y) {
    if (index < 0 || index >= c->views) {
        if (y) {
            *y = NULL;
        }
        return NULL;
    }
    if (y) {
        *y = c->y + (size_t)index * (size_t)c->points;
    }
    return c->x + (size_t)index * (size_t)c->points;
}

int romcv_calibrator_solve(RomcvCalibrator *c, RomcvCameraModel *camera) {
    const RomcvCalibSettings *s = &c->settings;
    if (c->found == 0) {
        return romcv_diag_set(&c->diag, ROMCV_E_NOT_FOUND,
                              "no %dx%d chessboard found in %d frame%s: check --board counts "
                              "inner corners (a board of 10x7 squares is 9x6), that the whole "
                              "board is in view, sharp and evenly lit",
                              s->board_cols, s->board_rows, c->frames, c->frames == 1 ? "" : "s");
    }
    if (c->views < s->min_views) {
        return romcv_diag_set(&c->diag, ROMCV_E_INVALID_DATA,
                              "only %d usable view%s of the board (%d frames, board found in "
                              "%d), at least %d needed: film the board at different angles "
                              "and positions, tilted up to 45 degrees, covering the corners "
                              "of the image",
                              c->views, c->views == 1 ? "" : "s", c->frames, c->found,
                              s->min_views);
    }
    /* Spread the solve's views evenly over those kept. */
    int use = c->views < s->max_views ? c->views : s->max_views;
    size_t n = (size_t)use * (size_t)c->points;
    float *ix = malloc(n * sizeof(float));
    float *iy = malloc(n * sizeof(float));
    float *object = malloc((size_t)c->points * 2 * sizeof(float));
    if (!ix || !iy || !object) {
        free(ix);
        free(iy);
        free(object);
        return romcv_diag_set(&c->diag, ROMCV_ERR(ENOMEM), "calibrate: out of memory");
    }
    for (int v = 0; v < use; v++) {
        int from = (int)((long long)v * c->views / use);
        memcpy(ix + (size_t)v * (size_t)c->points, c->x + (size_t)from * (size_t)c->points,
               sizeof(float) * (size_t)c->points);
        memcpy(iy + (size_t)v * (size_t)c->points, c->y + (size_t)from * (size_t)c->points,
               sizeof(float) * (size_t)c->points);
    }
    /* The board in its own plane, millimetres: corner (col, row). */
    for (int r = 0; r < s->board_rows; r++) {
        for (int col = 0; col < s->board_cols; col++) {
            object[2 * (r * s->board_cols + col)] = (float)(col * s->square_mm);
            object[2 * (r * s->board_cols + col) + 1] = (float)(r * s->square_mm);
        }
    }
    double k[4] = {0}, d[5] = {0}, rms = 0;
    int rc = romcv__cv_calibrate_camera(use, c->points, object, ix, iy, c->width, c->height, k, d,
                                        &rms, &c->diag);
    free(ix);
    free(iy);
    free(object);
    if (rc < 0) {
        return rc;
    }
    RomcvCameraModel m;
    memset(&m, 0, sizeof(m));
    m.width = c->width;
    m.height = c->height;
    m.fx = k[0];
    m.fy = k[1];
    m.cx = k[2];
    m.cy = k[3];
    m.k1 = d[0];
    m.k2 = d[1];
    m.p1 = d[2];
    m.p2 = d[3];
    m.k3 = d[4];
    m.reprojection_rms_px = rms;
    m.views = use;
    *camera = m;
    if (!(rms <= s->max_rms_px)) {
        return romcv_diag_set(&c->diag, ROMCV_E_INVALID_DATA,
                              "reprojection error %.2f px is above %.2f px: the board was "
                              "probably blurred, bent or partly misdetected; print it flat, "
                              "light it evenly and move it slowly",
                              rms, s->max_rms_px);
    }
    rc = romcv_calib_camera_validate(&m, "calibration", &c->diag);
    if (rc < 0) {
        return rc;
    }
    romcv_log(&s->logger, ROMCV_LOG_INFO, "calib",
              "calibrated from %d views: fx %.1f fy %.1f cx %.1f cy %.1f, RMS %.3f px", use, m.fx,
              m.fy, m.cx, m.cy, rms);
    return 0;
}

const char *romcv_calibrator_errmsg(const RomcvCalibrator *c) {
    return c ? c->diag.message : "";
}
