/* tests/calib/test_calibrate.c: chessboard calibration, the vertical and
 * the scale from boards, on synthetic images rendered here: a board seen
 * through a known camera (intrinsics, Brown-Conrady distortion) in known
 * poses, each pixel the mean of 5x5 samples (anti-aliasing), so the answers
 * are known exactly. */
#include "testutil.h"

#include "romcv/calib.h"
#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI     3.14159265358979323846
#define COLS   9 /* inner corners */
#define ROWS   6
#define SQUARE 30.0 /* mm */

/* The camera the images are rendered with. */
static RomcvCameraModel truth(void) {
    RomcvCameraModel c;
    romcv_calib_camera_ideal(&c, 640, 480, 600);
    c.fy = 602;
    c.cx = 323.5;
    c.cy = 236;
    c.k1 = -0.22;
    c.k2 = 0.06;
    c.p1 = 0.0006;
    c.p2 = -0.0004;
    return c;
}

/* Rotation matrix of a Rodrigues vector (row-major). */
static void rodrigues(const double r[3], double m[9]) {
    double theta = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    if (theta < 1e-12) {
        double id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        memcpy(m, id, sizeof(id));
        return;
    }
    double k[3] = {r[0] / theta, r[1] / theta, r[2] / theta};
    double c = cos(theta), s = sin(theta), t = 1 - c;
    m[0] = c + t * k[0] * k[0];
    m[1] = t * k[0] * k[1] - s * k[2];
    m[2] = t * k[0] * k[2] + s * k[1];
    m[3] = t * k[1] * k[0] + s * k[2];
    m[4] = c + t * k[1] * k[1];
    m[5] = t * k[1] * k[2] - s * k[0];
    m[6] = t * k[2] * k[0] - s * k[1];
    m[7] = t * k[2] * k[1] + s * k[0];
    m[8] = c + t * k[2] * k[2];
}

static void invert3(const double a[9], double out[9]) {
    double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                 a[2] * (a[3] * a[7] - a[4] * a[6]);
    out[0] = (a[4] * a[8] - a[5] * a[7]) / det;
    out[1] = (a[2] * a[7] - a[1] * a[8]) / det;
    out[2] = (a[1] * a[5] - a[2] * a[4]) / det;
    out[3] = (a[5] * a[6] - a[3] * a[8]) / det;
    out[4] = (a[0] * a[8] - a[2] * a[6]) / det;
    out[5] = (a[2] * a[3] - a[0] * a[5]) / det;
    out[6] = (a[3] * a[7] - a[4] * a[6]) / det;
    out[7] = (a[1] * a[6] - a[0] * a[7]) / det;
    out[8] = (a[0] * a[4] - a[1] * a[3]) / det;
}

/* Grey level of board point (X, Y) in mm: the COLS+1 x ROWS+1 squares,
 * inner corner (c, r) at (c SQUARE, r SQUARE), a white quiet zone of one
 * square around them (findChessboardCorners needs it), grey beyond. */
static double board_shade(double bx, double by) {
    double i = floor(bx / SQUARE) + 1, j = floor(by / SQUARE) + 1; /* square index */
    if (i >= 0 && i <= COLS && j >= 0 && j <= ROWS) {
        return fmod(i + j, 2) == 0 ? 20 : 235;
    }
    if (i >= -1 && i <= COLS + 1 && j >= -1 && j <= ROWS + 1) {
        return 235;
    }
    return 110;
}

/* Where each pixel corner (u - 0.5, v - 0.5) of the distorted image looks,
 * in normalised camera coordinates: (width + 1) x (height + 1) points. The
 * map is smooth, so samples inside a pixel interpolate it bilinearly (the
 * error is far below 1e-3 px), which makes 5x5 supersampling affordable. */
typedef struct RayMap {
    int w, h;
    double *nx, *ny;
} RayMap;

static RayMap make_map(const RomcvCameraModel *cam) {
    RayMap m = {cam->width + 1, cam->height + 1, NULL, NULL};
    m.nx = malloc(sizeof(double) * (size_t)m.w * (size_t)m.h);
    m.ny = malloc(sizeof(double) * (size_t)m.w * (size_t)m.h);
    ck_assert(m.nx && m.ny);
    for (int v = 0; v < m.h; v++) {
        for (int u = 0; u < m.w; u++) {
            double x, y;
            romcv_calib_undistort_point(cam, u - 0.5, v - 0.5, &x, &y);
            m.nx[v * m.w + u] = (x - cam->cx) / cam->fx;
            m.ny[v * m.w + u] = (y - cam->cy) / cam->fy;
        }
    }
    return m;
}

static void free_map(RayMap *m) {
    free(m->nx);
    free(m->ny);
}

/* Renders the board in pose (rvec, centre): rotation rvec, the board's
 * middle at centre (mm, camera frame). GRAY8, each pixel the mean of 5x5
 * samples. */
static RomcvFrame *render(const RomcvCameraModel *cam, const RayMap *map, const double rvec[3],
                          const double centre[3]) {
    double r[9];
    rodrigues(rvec, r);
    double mid[2] = {(COLS - 1) * SQUARE / 2, (ROWS - 1) * SQUARE / 2};
    double t[3];
    for (int k = 0; k < 3; k++) {
        t[k] = centre[k] - r[3 * k] * mid[0] - r[3 * k + 1] * mid[1];
    }
    /* Board plane to normalised image: H = [r1 r2 t]; its inverse maps back. */
    double h[9] = {r[0], r[1], t[0], r[3], r[4], t[1], r[6], r[7], t[2]}, hi[9];
    invert3(h, hi);
    RomcvFrame *frame = NULL;
    ck_assert_int_eq(romcv_frame_create(&frame, cam->width, cam->height, ROMCV_PIX_GRAY8), 0);
    enum { S = 5 };
    for (int v = 0; v < cam->height; v++) {
        for (int u = 0; u < cam->width; u++) {
            const double *ax = map->nx + v * map->w + u, *ay = map->ny + v * map->w + u;
            double sum = 0;
            for (int sy = 0; sy < S; sy++) {
                for (int sx = 0; sx < S; sx++) {
                    double fu = (sx + 0.5) / S, fv = (sy + 0.5) / S;
                    double nx = (1 - fv) * ((1 - fu) * ax[0] + fu * ax[1]) +
                                fv * ((1 - fu) * ax[map->w] + fu * ax[map->w + 1]);
                    double ny = (1 - fv) * ((1 - fu) * ay[0] + fu * ay[1]) +
                                fv * ((1 - fu) * ay[map->w] + fu * ay[map->w + 1]);
                    double b0 = hi[0] * nx + hi[1] * ny + hi[2];
                    double b1 = hi[3] * nx + hi[4] * ny + hi[5];
                    double b2 = hi[6] * nx + hi[7] * ny + hi[8];
                    sum += b2 > 0 ? board_shade(b0 / b2, b1 / b2) : 110;
                }
            }
            frame->data[(size_t)v * (size_t)frame->stride + (size_t)u] =
                (uint8_t)lround(sum / (S * S));
        }
    }
    return frame;
}

typedef struct Pose {
    double rvec[3];
    double centre[3];
} Pose;

/* Tilts up to 35 degrees each way, the board across the whole image. */
static const Pose poses[] = {
    {{0, 0, 0}, {0, 0, 500}},
    {{0.35, 0, 0}, {-60, -40, 520}},
    {{-0.35, 0.1, 0}, {60, 40, 520}},
    {{0, 0.4, 0.1}, {-70, 30, 480}},
    {{0, -0.4, -0.1}, {70, -30, 480}},
    {{0.3, 0.3, 0.2}, {-80, -60, 600}},
    {{-0.3, -0.3, -0.2}, {80, 60, 600}},
    {{0.25, -0.3, 0.05}, {90, -50, 560}},
    {{-0.25, 0.35, 0}, {-90, 50, 560}},
    {{0.1, 0.1, 1.2}, {0, 0, 550}},
    {{0.6, 0, 0}, {0, -20, 520}},
    {{-0.6, 0, 0}, {0, 20, 520}},
    {{0, 0.6, 0}, {-40, 0, 520}},
    {{0, -0.6, 0}, {40, 0, 520}},
    {{0.45, 0.45, -0.3}, {70, 55, 620}},
};

static RomcvCalibrator *make_calibrator(double max_rms) {
    RomcvCalibSettings s;
    romcv_calib_default_settings(&s);
    s.board_cols = COLS;
    s.board_rows = ROWS;
    s.square_mm = SQUARE;
    s.max_rms_px = max_rms;
    RomcvCalibrator *c = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_calibrator_create(&c, &s, &diag) == 0, "%s", diag.message);
    return c;
}

static int add_frames(RomcvCalibrator *c, RomcvFrame **frames, int n) {
    int kept = 0;
    for (int i = 0; i < n; i++) {
        int rc = romcv_calibrator_add_frame(c, frames[i]);
        ck_assert_msg(rc == 1, "pose %d: board not kept (%d: %s)", i, rc,
                      romcv_calibrator_errmsg(c));
        kept += rc;
    }
    return kept;
}

#define POSES ((int)(sizeof(poses) / sizeof(poses[0])))

static void render_poses(const RomcvCameraModel *cam, RomcvFrame **frames, int n) {
    RayMap map = make_map(cam);
    for (int i = 0; i < n; i++) {
        frames[i] = render(cam, &map, poses[i].rvec, poses[i].centre);
    }
    free_map(&map);
}

START_TEST(test_calibrate_recovers_camera) {
    RomcvCameraModel cam = truth(), got;
    RomcvCalibrator *c = make_calibrator(1.0);
    int n = POSES;
    RomcvFrame *frames[POSES];
    render_poses(&cam, frames, n);
    ck_assert_int_eq(add_frames(c, frames, n), n);
    int rc = romcv_calibrator_solve(c, &got);
    ck_assert_msg(rc == 0, "%s", romcv_calibrator_errmsg(c));
    fprintf(stderr,
            "calibrated: fx %.3f (%.3f) fy %.3f (%.3f) cx %.3f (%.3f) cy %.3f (%.3f) "
            "k1 %.4f k2 %.4f rms %.4f px\n",
            got.fx, cam.fx, got.fy, cam.fy, got.cx, cam.cx, got.cy, cam.cy, got.k1, got.k2,
            got.reprojection_rms_px);
    ck_assert_msg(fabs(got.fx / cam.fx - 1) < 0.01, "fx %.3f vs %.3f", got.fx, cam.fx);
    ck_assert_msg(fabs(got.fy / cam.fy - 1) < 0.01, "fy %.3f vs %.3f", got.fy, cam.fy);
    ck_assert_msg(fabs(got.cx - cam.cx) < 0.5, "cx %.3f vs %.3f", got.cx, cam.cx);
    ck_assert_msg(fabs(got.cy - cam.cy) < 0.5, "cy %.3f vs %.3f", got.cy, cam.cy);
    ck_assert(got.reprojection_rms_px < 0.3);
    ck_assert_int_eq(got.views, n);
    ck_assert_int_eq(got.width, 640);
    /* The recovered lens undoes the true one where the board was seen: a
     * point near the top-left corner of the image maps to the same ideal
     * pixel within half a pixel. (At the very corner, beyond every view of
     * the board, the fit extrapolates.) */
    double tx, ty, gx, gy;
    romcv_calib_undistort_point(&cam, 100, 80, &tx, &ty);
    romcv_calib_undistort_point(&got, 100, 80, &gx, &gy);
    fprintf(stderr, "(100, 80) undistorts %.3f px from the truth\n", hypot(tx - gx, ty - gy));
    ck_assert_msg(hypot(tx - gx, ty - gy) < 0.5, "undistorts %.2f px apart",
                  hypot(tx - gx, ty - gy));

    /* A threshold below the achieved error rejects it, saying why. */
    RomcvCalibrator *strict = make_calibrator(1e-4);
    add_frames(strict, frames, n);
    ck_assert_int_eq(romcv_calibrator_solve(strict, &got), ROMCV_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(romcv_calibrator_errmsg(strict), "reprojection error"));
    romcv_calibrator_destroy(&strict);
    romcv_calibrator_destroy(&c);
    ck_assert_ptr_null(c);
    for (int i = 0; i < n; i++) {
        romcv_frame_unref(&frames[i]);
    }
}
END_TEST

START_TEST(test_reject_too_few_views) {
    RomcvCameraModel cam = truth(), got;
    RomcvCalibrator *c = make_calibrator(1.0);
    RomcvFrame *frames[3];
    render_poses(&cam, frames, 3);
    add_frames(c, frames, 3);
    for (int i = 0; i < 3; i++) {
        romcv_frame_unref(&frames[i]);
    }
    /* The same view again adds nothing and is not kept. */
    RayMap map = make_map(&cam);
    RomcvFrame *f = render(&cam, &map, poses[2].rvec, poses[2].centre);
    free_map(&map);
    ck_assert_int_eq(romcv_calibrator_add_frame(c, f), 0);
    romcv_frame_unref(&f);
    int offered = 0, views = 0;
    romcv_calibrator_counts(c, &offered, &views);
    ck_assert_int_eq(offered, 4);
    ck_assert_int_eq(views, 3);
    ck_assert_int_eq(romcv_calibrator_solve(c, &got), ROMCV_E_INVALID_DATA);
    ck_assert_msg(strstr(romcv_calibrator_errmsg(c), "only 3 usable views") != NULL, "%s",
                  romcv_calibrator_errmsg(c));
    ck_assert_ptr_nonnull(strstr(romcv_calibrator_errmsg(c), "at least 5 needed"));
    /* A frame of another size is refused. */
    RomcvFrame *small = NULL;
    ck_assert_int_eq(romcv_frame_create(&small, 320, 240, ROMCV_PIX_GRAY8), 0);
    ck_assert_int_eq(romcv_calibrator_add_frame(c, small), ROMCV_ERR(EINVAL));
    romcv_frame_unref(&small);
    romcv_calibrator_destroy(&c);
}
END_TEST

START_TEST(test_reject_board_not_found) {
    RomcvCalibrator *c = make_calibrator(1.0);
    RomcvFrame *blank = NULL;
    ck_assert_int_eq(romcv_frame_create(&blank, 640, 480, ROMCV_PIX_RGB24), 0);
    memset(blank->data, 128, (size_t)blank->stride * 480);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(romcv_calibrator_add_frame(c, blank), 0);
    }
    romcv_frame_unref(&blank);
    RomcvCameraModel got;
    ck_assert_int_eq(romcv_calibrator_solve(c, &got), ROMCV_E_NOT_FOUND);
    ck_assert_msg(strstr(romcv_calibrator_errmsg(c), "no 9x6 chessboard found in 3 frames") != NULL,
                  "%s", romcv_calibrator_errmsg(c));
    romcv_calibrator_destroy(&c);

    /* Settings that cannot work are refused at create. */
    RomcvCalibSettings s;
    romcv_calib_default_settings(&s);
    s.board_cols = s.board_rows = 7;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calibrator_create(&c, &s, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(strstr(diag.message, "ambiguous"));
    romcv_calib_default_settings(&s);
    s.square_mm = 0;
    ck_assert_int_eq(romcv_calibrator_create(&c, &s, &diag), ROMCV_ERR(EINVAL));
}
END_TEST

/* A board hung level, filmed by a rolled camera (the same as the board
 * turned the other way about the optical axis) that is also pitched, with
 * the board off-centre through the wide-angle lens. The true roll is the
 * direction of the world vertical's vanishing point K r2 (r2: the board's
 * column axis in camera coordinates) from the principal point. */
START_TEST(test_roll_from_board) {
    RomcvCameraModel cam = truth();
    RayMap map = make_map(&cam);
    const double rolls_deg[] = {7.0, -3.0, 0.0};
    for (size_t k = 0; k < sizeof(rolls_deg) / sizeof(rolls_deg[0]); k++) {
        double phi = -rolls_deg[k] * PI / 180;
        Pose p = {{0.12, 0, phi}, {60, 40, 520}};
        double r[9];
        rodrigues(p.rvec, r);
        double true_roll = atan2(cam.fx * r[1], cam.fy * r[4]) * 180 / PI;
        RomcvCalibrator *c = make_calibrator(1.0);
        RomcvFrame *f = render(&cam, &map, p.rvec, p.centre);
        ck_assert_int_eq(romcv_calibrator_add_frame(c, f), 1);
        romcv_frame_unref(&f);
        const float *y = NULL;
        const float *x = romcv_calibrator_corners(c, 0, &y);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_null(romcv_calibrator_corners(c, 1, NULL));
        float dx = 0, dy = 0;
        RomcvDiag diag = {0};
        ck_assert_int_eq(romcv_calib_vertical_from_board(&cam, x, y, COLS, ROWS, &dx, &dy, &diag),
                         0);
        double roll = romcv_calib_roll_deg(dx, dy);
        fprintf(stderr, "roll %.3f deg (true %.3f)\n", roll, true_roll);
        ck_assert_msg(fabs(roll - true_roll) < 0.5, "roll %.3f vs %.3f", roll, true_roll);
        ck_assert(fabs(true_roll - rolls_deg[k]) < 0.5); /* the pitch barely changes it */
        ck_assert(fabs(hypot(dx, dy) - 1) < 1e-6 && dy > 0);

        if (k == 0) {
            /* The same board gives the scale in its plane: pixel size at the
             * board's distance, pitched a little (so within 1.5%). */
            double mpp = 0;
            ck_assert_int_eq(
                romcv_calib_scale_from_board(&cam, x, y, COLS, ROWS, SQUARE, &mpp, &diag), 0);
            double expect = 520.0 / cam.fx / 1000;
            ck_assert_msg(fabs(mpp / expect - 1) < 0.015, "%.4g m/px vs %.4g", mpp, expect);
        }
        romcv_calibrator_destroy(&c);
    }
    free_map(&map);
}
END_TEST

START_TEST(test_vertical_from_line) {
    float dx, dy;
    RomcvDiag diag = {0};
    /* A plumb line leaning 5 degrees to the right at its bottom, given
     * bottom first: the order does not matter. */
    double t = tan(5 * PI / 180);
    ck_assert_int_eq(
        romcv_calib_vertical_from_line(NULL, 100 + 400 * t, 500, 100, 100, &dx, &dy, &diag), 0);
    ck_assert(fabs(romcv_calib_roll_deg(dx, dy) - 5) < 1e-4);
    ck_assert(dy > 0);
    /* Through a distorted lens, a straight plumb line at the edge of the
     * image is bent; undistorting its ends recovers the true direction. */
    RomcvCameraModel cam = truth();
    double x1, y1, x2, y2;
    romcv_calib_distort_point(&cam, 20, 10, &x1, &y1);
    romcv_calib_distort_point(&cam, 20 + 230 * t, 240, &x2, &y2);
    ck_assert_int_eq(romcv_calib_vertical_from_line(&cam, x1, y1, x2, y2, &dx, &dy, &diag), 0);
    ck_assert(fabs(romcv_calib_roll_deg(dx, dy) - 5) < 1e-3);
    ck_assert_int_eq(romcv_calib_vertical_from_line(NULL, x1, y1, x2, y2, &dx, &dy, &diag), 0);
    ck_assert(fabs(romcv_calib_roll_deg(dx, dy) - 5) > 0.5); /* uncorrected: off */
    /* Too short, or horizontal: refused. */
    ck_assert_int_eq(romcv_calib_vertical_from_line(NULL, 0, 0, 3, 4, &dx, &dy, &diag),
                     ROMCV_ERR(EINVAL));
    ck_assert_int_eq(romcv_calib_vertical_from_line(NULL, 0, 0, 300, 40, &dx, &dy, &diag),
                     ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, "from the image vertical"));
}
END_TEST

/* A room: dark door-frame edges and a wall corner along the true vertical,
 * rolled by a known angle, plus two shelves (horizontal) and a leaning pole
 * (25 deg) that must not count. 4x4 supersampled. */
static RomcvFrame *render_room(double roll_deg) {
    RomcvFrame *f = NULL;
    ck_assert_int_eq(romcv_frame_create(&f, 640, 480, ROMCV_PIX_RGB24), 0);
    double r = roll_deg * PI / 180, dx = sin(r), dy = cos(r);
    double pole = (roll_deg + 25) * PI / 180, px = sin(pole), py = cos(pole);
    const double bars[] = {-230, -120, -100, 60, 190};
    enum { S = 4 };
    for (int v = 0; v < 480; v++) {
        for (int u = 0; u < 640; u++) {
            double sum = 0;
            for (int k = 0; k < S * S; k++) {
                double x = u + (k % S + 0.5) / S - 0.5 - 320, y = v + (k / S + 0.5) / S - 0.5 - 240;
                double across = x * dy - y * dx, along = x * dx + y * dy;
                double shade = 180;
                for (size_t b = 0; b < sizeof(bars) / sizeof(bars[0]); b++) {
                    if (fabs(across - bars[b]) < 5) {
                        shade = 60;
                    }
                }
                if (fabs(along - 120) < 4 || fabs(along + 150) < 4) {
                    shade = 90; /* shelves */
                }
                if (fabs(x * py - y * px - 120) < 3 && fabs(x * px + y * py) < 150) {
                    shade = 30; /* the pole */
                }
                sum += shade;
            }
            uint8_t value = (uint8_t)lround(sum / (S * S));
            uint8_t *p = f->data + (size_t)v * (size_t)f->stride + 3 * (size_t)u;
            p[0] = p[1] = p[2] = value;
        }
    }
    return f;
}

START_TEST(test_vertical_from_scene) {
    const double rolls[] = {4.0, -2.5};
    RomcvCameraModel ideal;
    romcv_calib_camera_ideal(&ideal, 640, 480, 600);
    for (size_t k = 0; k < 2; k++) {
        RomcvFrame *f = render_room(rolls[k]);
        float dx = 0, dy = 0;
        RomcvDiag diag = {0};
        ck_assert_msg(romcv_calib_vertical_from_scene(NULL, f, &dx, &dy, &diag) == 0, "%s",
                      diag.message);
        double roll = romcv_calib_roll_deg(dx, dy);
        fprintf(stderr, "scene roll %.3f deg (true %.1f)\n", roll, rolls[k]);
        ck_assert_msg(fabs(roll - rolls[k]) < 0.5, "roll %.3f vs %.1f", roll, rolls[k]);
        /* Through a camera model (the vanishing-point path): the same. */
        ck_assert_int_eq(romcv_calib_vertical_from_scene(&ideal, f, &dx, &dy, &diag), 0);
        roll = romcv_calib_roll_deg(dx, dy);
        ck_assert_msg(fabs(roll - rolls[k]) < 0.5, "roll %.3f vs %.1f", roll, rolls[k]);
        romcv_frame_unref(&f);
    }
    /* A blank wall has no vertical to offer. */
    RomcvFrame *blank = NULL;
    ck_assert_int_eq(romcv_frame_create(&blank, 640, 480, ROMCV_PIX_GRAY8), 0);
    float dx, dy;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calib_vertical_from_scene(NULL, blank, &dx, &dy, &diag),
                     ROMCV_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.message, "--vertical"));
    romcv_frame_unref(&blank);
}
END_TEST

START_TEST(test_scale_from_points) {
    double mpp = 0;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calib_scale_from_points(NULL, 10, 10, 310, 410, 1.0, &mpp, &diag), 0);
    ck_assert(fabs(mpp - 1.0 / 500) < 1e-12);
    ck_assert_int_eq(romcv_calib_scale_from_points(NULL, 10, 10, 12, 10, 1.0, &mpp, &diag),
                     ROMCV_ERR(EINVAL));
    ck_assert_int_eq(romcv_calib_scale_from_points(NULL, 10, 10, 310, 410, -1, &mpp, &diag),
                     ROMCV_ERR(EINVAL));
}
END_TEST

/* The command end to end: photos of the board in a folder, the camera file
 * written and readable; and the refusals with their messages. */
START_TEST(test_cli_calibrate_camera) {
    RomcvCameraModel cam = truth();
    char *dir = romcv_test_make_tmpdir();
    enum { PHOTOS = 8 };
    RomcvFrame *frames[PHOTOS];
    render_poses(&cam, frames, PHOTOS);
    char path[4096];
    for (int i = 0; i < PHOTOS; i++) {
        snprintf(path, sizeof(path), "%s/board%02d.png", dir, i);
        RomcvDiag diag = {0};
        ck_assert_msg(romcv__cv_image_write(path, frames[i], 0, &diag) == 0, "%s", diag.message);
        romcv_frame_unref(&frames[i]);
    }
    const char *cli = romcv_test_env("ROMCV_CLI");
    char command[9000], output[4096];
    snprintf(command, sizeof(command),
             "'%s' calibrate camera '%s/board*.png' --board 9x6 --square 30 --out '%s/cam.json'",
             cli, dir, dir);
    int status = romcv_test_run(command, output, sizeof(output));
    ck_assert_msg(status == 0, "exit %d: %s", status, output);
    ck_assert_ptr_nonnull(strstr(output, "found in 8 views"));
    ck_assert_ptr_nonnull(strstr(output, "reprojection error: 0."));
    snprintf(path, sizeof(path), "%s/cam.json", dir);
    RomcvCameraModel got;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_calib_camera_load(&got, path, &diag) == 0, "%s", diag.message);
    ck_assert_msg(fabs(got.fx / cam.fx - 1) < 0.01, "fx %.2f", got.fx);
    ck_assert_int_eq(got.views, 8);

    /* Too few photos: exit 1 and why. */
    snprintf(command, sizeof(command),
             "'%s' calibrate camera '%s/board0[0-2].png' --board 9x6 --square 30 "
             "--out '%s/few.json'",
             cli, dir, dir);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "only 3 usable views") != NULL, "%s", output);
    /* The wrong board: not found. */
    snprintf(command, sizeof(command),
             "'%s' calibrate camera '%s/board*.png' --board 12x8 --square 30 --out '%s/x.json'",
             cli, dir, dir);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "no 12x8 chessboard found in 8 frames") != NULL, "%s", output);
    /* Bad command lines: exit 2. */
    snprintf(command, sizeof(command), "'%s' calibrate camera '%s' --board 9by6 --square 30", cli,
             dir);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 2);
    ck_assert_ptr_nonnull(strstr(output, "COLSxROWS"));
    snprintf(command, sizeof(command), "'%s' calibrate lens x --board 9x6 --square 30", cli);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 2);
    snprintf(command, sizeof(command), "'%s' calibrate vertical --vertical 1,2,3", cli);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 2);

    /* The vertical from a marked line, and from the board in the first
     * photo (pose 0 faces the camera squarely: no roll). */
    double roll = NAN, mpp = NAN;
    snprintf(command, sizeof(command), "'%s' calibrate vertical --vertical 100,100,135,500", cli);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 0);
    const char *at = strstr(output, "roll: ");
    ck_assert_msg(at && sscanf(at, "roll: %lf", &roll) == 1, "%s", output);
    ck_assert(fabs(roll - atan2(35, 400) * 180 / PI) < 0.01);
    snprintf(command, sizeof(command),
             "'%s' calibrate vertical '%s/board00.png' --board 9x6 --camera '%s/cam.json'", cli,
             dir, dir);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 0);
    at = strstr(output, "roll: ");
    ck_assert_msg(at && sscanf(at, "roll: %lf", &roll) == 1, "%s", output);
    ck_assert_msg(fabs(roll) < 0.5, "roll %.3f", roll);
    /* The scale from the same board: 500 mm away, fx 600 px. */
    snprintf(command, sizeof(command),
             "'%s' calibrate scale '%s/board00.png' --board 9x6 --square 30 --camera '%s/cam.json'",
             cli, dir, dir);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 0);
    at = strstr(output, "scale: ");
    ck_assert_msg(at && sscanf(at, "scale: %lf", &mpp) == 1, "%s", output);
    ck_assert_msg(fabs(mpp / (500.0 / 600 / 1000) - 1) < 0.015, "%.5g m/px", mpp);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *calibrate_suite(void) {
    Suite *s = suite_create("calib_calibrate");
    TCase *tc = tcase_create("calibrate");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_calibrate_recovers_camera);
    tcase_add_test(tc, test_reject_too_few_views);
    tcase_add_test(tc, test_reject_board_not_found);
    tcase_add_test(tc, test_roll_from_board);
    tcase_add_test(tc, test_vertical_from_line);
    tcase_add_test(tc, test_vertical_from_scene);
    tcase_add_test(tc, test_scale_from_points);
    tcase_add_test(tc, test_cli_calibrate_camera);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(calibrate_suite());
}
