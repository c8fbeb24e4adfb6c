/*
 * calib/vertical.c: the true vertical in the image (camera roll) and the
 * scale in metres per pixel, from things of known direction or size in the
 * scene: a plumb line or door frame, a chessboard hung level, two points a
 * known distance apart, the person's own height.
 *
 * A tilted phone adds its roll to every angle measured against the image
 * vertical; metrics takes the true "down" as an explicit direction
 * (RomcvMetricsSettings.down_x/down_y), which these functions produce.
 */
#include "calib/internal.h"

#include "vision/cv_bridge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* The shortest line or point distance these accept: below 10 px, one pixel
 * of error in an end point is already 6 degrees of direction. */
#define MIN_SPAN_PX 10.0

static void undistort(const RomcvCameraModel *camera, double *x, double *y) {
    if (camera) {
        double ux, uy;
        romcv_calib_undistort_point(camera, *x, *y, &ux, &uy);
        *x = ux;
        *y = uy;
    }
}

/* Normalises (dx, dy) into a "down" vector (down_y > 0). */
static int to_down(double dx, double dy, float *down_x, float *down_y, RomcvDiag *diag) {
    double length = hypot(dx, dy);
    if (!(length >= MIN_SPAN_PX)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "vertical: the line is %.1f px long (or not a number), at least "
                              "%.0f px needed",
                              length, MIN_SPAN_PX);
    }
    if (dy < 0) {
        dx = -dx;
        dy = -dy;
    }
    /* More than 45 degrees from the image vertical is a horizontal line, or
     * a camera on its side: either way not what the user meant. */
    if (fabs(dx) > dy) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "vertical: the line is %.1f degrees from the image vertical; mark "
                              "a vertical line (a plumb line or door frame)",
                              atan2(fabs(dx), dy) * 180 / PI);
    }
    *down_x = (float)(dx / length);
    *down_y = (float)(dy / length);
    return 0;
}

int romcv_calib_vertical_from_line(const RomcvCameraModel *camera, double x1, double y1, double x2,
                                   double y2, float *down_x, float *down_y, RomcvDiag *diag) {
    undistort(camera, &x1, &y1);
    undistort(camera, &x2, &y2);
    return to_down(x2 - x1, y2 - y1, down_x, down_y, diag);
}

/* The unit vector v minimising sum (l_i . v)^2 over the lines l_i, whose
 * scatter matrix is m (symmetric 3x3, row-major): the eigenvector of m's
 * smallest eigenvalue. It is the dominant eigenvector of adj(m), whose
 * eigenvalues are the products of m's other two, so a few power iterations
 * find it, and exactly lines through one point (m singular) need none. */
static int least_eigenvector(const double m[9], double v[3]) {
    double a[9] = {
        m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
        m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
        m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3],
    };
    int best = 0;
    double best_norm = 0;
    for (int c = 0; c < 3; c++) {
        double n = hypot(hypot(a[c], a[3 + c]), a[6 + c]);
        if (n > best_norm) {
            best_norm = n;
            best = c;
        }
    }
    if (!(best_norm > 0)) {
        return -1;
    }
    v[0] = a[best] / best_norm;
    v[1] = a[3 + best] / best_norm;
    v[2] = a[6 + best] / best_norm;
    for (int iter = 0; iter < 20; iter++) {
        double w[3];
        for (int r = 0; r < 3; r++) {
            w[r] = a[3 * r] * v[0] + a[3 * r + 1] * v[1] + a[3 * r + 2] * v[2];
        }
        double n = hypot(hypot(w[0], w[1]), w[2]);
        if (!(n > 0)) {
            return -1;
        }
        for (int r = 0; r < 3; r++) {
            v[r] = w[r] / n;
        }
    }
    return 0;
}

/* Adds the line through (x0, y0) and (x1, y1) (undistorted px) to the
 * scatter matrix m, as a unit-normal line in normalised camera coordinates
 * (so its residual at a point is a distance). */
static void add_line(const RomcvCameraModel *camera, double x0, double y0, double x1, double y1,
                     double weight, double m[9]) {
    double p[3] = {(x0 - camera->cx) / camera->fx, (y0 - camera->cy) / camera->fy, 1};
    double q[3] = {(x1 - camera->cx) / camera->fx, (y1 - camera->cy) / camera->fy, 1};
    double l[3] = {p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0]};
    double n2 = l[0] * l[0] + l[1] * l[1];
    for (int r = 0; r < 3; r++) {
        for (int k = 0; k < 3; k++) {
            m[3 * r + k] += weight * l[r] * l[k] / n2;
        }
    }
}

/* "down" from the lines' common vanishing point: it is the image of the
 * world vertical, and seen from the principal point (the origin of the
 * normalised coordinates) it lies in direction (v0, v1), at infinity (v2 =
 * 0) for a level camera; back to pixels through the focal lengths. (sx, sy)
 * is the lines' mean direction, which picks the sign. Returns 1 when done. */
static int down_from_vanishing_point(const RomcvCameraModel *camera, const double m[9], double sx,
                                     double sy, float *down_x, float *down_y, RomcvDiag *diag,
                                     int *rc) {
    double v[3];
    if (least_eigenvector(m, v) < 0) {
        return 0;
    }
    double dx = v[0] * camera->fx, dy = v[1] * camera->fy;
    double scale = MIN_SPAN_PX * 10 / hypot(dx, dy);
    if (dx * sx + dy * sy < 0) {
        scale = -scale;
    }
    /* Lines that are (nearly) all one line fix no vanishing point: its
     * direction is then noise, and far from the lines' own. */
    double cosine = (dx * sx + dy * sy) * (scale < 0 ? -1 : 1) / (hypot(dx, dy) * hypot(sx, sy));
    if (!(cosine > cos(5 * PI / 180))) {
        return 0;
    }
    *rc = to_down(dx * scale, dy * scale, down_x, down_y, diag);
    return 1;
}

int romcv_calib_vertical_from_board(const RomcvCameraModel *camera, const float *x, const float *y,
                                    int cols, int rows, float *down_x, float *down_y,
                                    RomcvDiag *diag) {
    if (!x || !y || cols < 2 || rows < 2) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "vertical: no board corners");
    }
    /* Mean unit direction of the columns (first row to last, flipped down
     * the image: which end OpenCV starts from varies), and with a camera the
     * scatter matrix of the columns as lines. */
    double sx = 0, sy = 0, m[9] = {0};
    for (int c = 0; c < cols; c++) {
        double x0 = x[c], y0 = y[c];
        double x1 = x[(size_t)(rows - 1) * (size_t)cols + (size_t)c];
        double y1 = y[(size_t)(rows - 1) * (size_t)cols + (size_t)c];
        undistort(camera, &x0, &y0);
        undistort(camera, &x1, &y1);
        double dx = x1 - x0, dy = y1 - y0, length = hypot(dx, dy);
        if (!(length > 0)) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "vertical: degenerate board");
        }
        double sign = dy < 0 ? -1 : 1;
        sx += sign * dx / length;
        sy += sign * dy / length;
        if (camera) {
            add_line(camera, x0, y0, x1, y1, 1, m);
        }
    }
    int rc = 0;
    if (camera && down_from_vanishing_point(camera, m, sx, sy, down_x, down_y, diag, &rc)) {
        return rc;
    }
    double scale = MIN_SPAN_PX * 10 / hypot(sx, sy); /* to_down checks a length */
    return to_down(sx * scale, sy * scale, down_x, down_y, diag);
}

typedef struct Segment {
    double x0, y0, x1, y1; /* undistorted px, y1 >= y0 */
    double angle;          /* rad from the image vertical, positive leaning right at the bottom */
    double length;         /* px */
} Segment;

static int compare_angle(const void *a, const void *b) {
    double x = ((const Segment *)a)->angle, y = ((const Segment *)b)->angle;
    return (x > y) - (x < y);
}

#define MAX_SEGMENTS 4096

int romcv_calib_vertical_from_scene(const RomcvCameraModel *camera, const RomcvFrame *frame,
                                    float *down_x, float *down_y, RomcvDiag *diag) {
    if (!frame) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "vertical: no frame");
    }
    float *raw = malloc(sizeof(float) * 4 * MAX_SEGMENTS);
    Segment *seg = malloc(sizeof(Segment) * MAX_SEGMENTS);
    if (!raw || !seg) {
        free(raw);
        free(seg);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "vertical: out of memory");
    }
    /* Edges shorter than 5% of the frame height are texture, not structure. */
    double min_length = fmax(MIN_SPAN_PX * 2, 0.05 * frame->height);
    int count = 0;
    int rc = romcv__cv_line_segments(frame, min_length, raw, MAX_SEGMENTS, &count, diag);
    if (rc < 0) {
        free(raw);
        free(seg);
        return rc;
    }
    int n = 0;
    double total = 0;
    for (int i = 0; i < count; i++) {
        Segment s = {raw[4 * i], raw[4 * i + 1], raw[4 * i + 2], raw[4 * i + 3], 0, 0};
        undistort(camera, &s.x0, &s.y0);
        undistort(camera, &s.x1, &s.y1);
        if (s.y1 < s.y0) {
            double tx = s.x0, ty = s.y0;
            s.x0 = s.x1;
            s.y0 = s.y1;
            s.x1 = tx;
            s.y1 = ty;
        }
        s.length = hypot(s.x1 - s.x0, s.y1 - s.y0);
        s.angle = atan2(s.x1 - s.x0, s.y1 - s.y0);
        /* Within 20 deg of the image vertical: a phone held by hand rolls
         * less than that, and it keeps the horizontals and most of the
         * body's edges out. */
        if (isfinite(s.angle) && fabs(s.angle) < 20 * PI / 180) {
            seg[n++] = s;
            total += s.length;
        }
    }
    free(raw);
    if (n < 2 || total < 0.2 * frame->height) {
        free(seg);
        return romcv_diag_set(diag, ROMCV_E_NOT_FOUND,
                              "vertical: the scene has too few vertical edges (%d, %.0f px in "
                              "all); mark a vertical line with --vertical x1,y1,x2,y2",
                              n, total);
    }
    /* The length-weighted median direction, then the edges that agree
     * with it within 2 degrees (one leaning cupboard does not pull it). */
    qsort(seg, (size_t)n, sizeof(Segment), compare_angle);
    double half = 0, median = seg[0].angle;
    for (int i = 0; i < n; i++) {
        half += seg[i].length;
        if (half >= total / 2) {
            median = seg[i].angle;
            break;
        }
    }
    double sx = 0, sy = 0, m[9] = {0};
    int inliers = 0;
    for (int i = 0; i < n; i++) {
        if (fabs(seg[i].angle - median) <= 2 * PI / 180) {
            sx += seg[i].length * sin(seg[i].angle);
            sy += seg[i].length * cos(seg[i].angle);
            if (camera) {
                add_line(camera, seg[i].x0, seg[i].y0, seg[i].x1, seg[i].y1, seg[i].length / total,
                         m);
            }
            inliers++;
        }
    }
    free(seg);
    rc = 0;
    if (camera && inliers >= 2 &&
        down_from_vanishing_point(camera, m, sx, sy, down_x, down_y, diag, &rc)) {
        return rc;
    }
    double scale = MIN_SPAN_PX * 10 / hypot(sx, sy);
    return to_down(sx * scale, sy * scale, down_x, down_y, diag);
}

double romcv_calib_roll_deg(float down_x, float down_y) {
    return atan2(down_x, down_y) * 180 / PI;
}

/* ------------------------------------------------------------------- scale */

int romcv_calib_scale_from_points(const RomcvCameraModel *camera, double x1, double y1, double x2,
                                  double y2, double distance_m, double *metres_per_px,
                                  RomcvDiag *diag) {
    if (!(distance_m > 0) || !isfinite(distance_m)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "scale: the distance must be positive");
    }
    undistort(camera, &x1, &y1);
    undistort(camera, &x2, &y2);
    double px = hypot(x2 - x1, y2 - y1);
    if (!(px >= MIN_SPAN_PX)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "scale: the points are %.1f px apart, at least %.0f px needed", px,
                              MIN_SPAN_PX);
    }
    *metres_per_px = distance_m / px;
    return 0;
}

int romcv_calib_scale_from_board(const RomcvCameraModel *camera, const float *x, const float *y,
                                 int cols, int rows, double square_mm, double *metres_per_px,
                                 RomcvDiag *diag) {
    if (!x || !y || cols < 2 || rows < 2 || !(square_mm > 0)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "scale: no board or no square size");
    }
    double sum = 0;
    int count = 0;
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            double x0 = x[r * cols + c], y0 = y[r * cols + c];
            undistort(camera, &x0, &y0);
            /* Right and lower neighbours: every edge of the grid once. */
            for (int k = 0; k < 2; k++) {
                int rr = r + k, cc = c + 1 - k;
                if (rr >= rows || cc >= cols) {
                    continue;
                }
                double x1 = x[rr * cols + cc], y1 = y[rr * cols + cc];
                undistort(camera, &x1, &y1);
                double d = hypot(x1 - x0, y1 - y0);
                if (isfinite(d)) {
                    sum += d;
                    count++;
                }
            }
        }
    }
    if (count == 0 || !(sum / count > 1)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "scale: degenerate board");
    }
    *metres_per_px = square_mm / 1000 / (sum / count);
    return 0;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The landmark's position in frame i, or 0 when it is missing or hidden. */
static int point(const RomcvLandmarkSeries *s, int id, size_t i, double *x, double *y) {
    if (!s->x[id] || !s->y[id]) {
        return 0;
    }
    *x = s->x[id][i];
    *y = s->y[id][i];
    if (isnan(*x) || isnan(*y)) {
        return 0;
    }
    return !s->visibility[id] || s->visibility[id][i] >= 0.5f;
}

int romcv__calib_nose_to_ankle_px(const RomcvLandmarkSeries *s, size_t i, double *span) {
    double nx, ny, lx, ly, rx, ry;
    if (!point(s, ROMCV_LM_NOSE, i, &nx, &ny)) {
        return 0;
    }
    int left = point(s, ROMCV_LM_LEFT_ANKLE, i, &lx, &ly);
    int right = point(s, ROMCV_LM_RIGHT_ANKLE, i, &rx, &ry);
    if (!left && !right) {
        return 0;
    }
    double ax = left && right ? (lx + rx) / 2 : left ? lx : rx;
    double ay = left && right ? (ly + ry) / 2 : left ? ly : ry;
    *span = hypot(ax - nx, ay - ny);
    return 1;
}

double romcv__calib_quantile(double *values, size_t n, double p) {
    qsort(values, n, sizeof(double), compare_double);
    size_t k = (size_t)floor(p * (double)(n - 1) + 0.5);
    return values[k < n ? k : n - 1];
}

int romcv_calib_scale_from_height(const RomcvLandmarkSeries *landmarks, double height_m,
                                  double *metres_per_px, RomcvDiag *diag) {
    if (!landmarks || !(height_m >= 0.5 && height_m <= 2.8)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "scale: the person's height must be 0.5 to 2.8 m");
    }
    double *spans = landmarks->n ? malloc(landmarks->n * sizeof(double)) : NULL;
    if (landmarks->n && !spans) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "scale: out of memory");
    }
    size_t count = 0;
    for (size_t i = 0; i < landmarks->n; i++) {
        if (romcv__calib_nose_to_ankle_px(landmarks, i, &spans[count])) {
            count++;
        }
    }
    if (count == 0) {
        free(spans);
        return romcv_diag_set(diag, ROMCV_E_NO_PERSON,
                              "scale: no frame shows the nose and an ankle");
    }
    double span = romcv__calib_quantile(spans, count, 0.9);
    free(spans);
    if (!(span >= MIN_SPAN_PX)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "scale: the person is %.1f px tall", span);
    }
    *metres_per_px = ROMCV_CALIB_NOSE_TO_ANKLE_OF_HEIGHT * height_m / span;
    return 0;
}
