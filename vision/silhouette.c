/*
 * vision/silhouette.c: the posterior contour of a side-view silhouette from
 * the tracker's person mask (issue 5). The method, and why arms are handled
 * the way they are, is described with romcv_silhouette_posterior_contour()
 * in include/romcv/vision.h; metrics/silhouette.c turns the contour into the
 * lordosis and pelvic tilt estimates.
 *
 * Geometry. Points are written p = O + a * right + b * down, with O = (0.5,
 * 0.5), the centre of pixel (0, 0), "down" the unit gravity direction and
 * "right" down turned 90 deg counter-clockwise on screen (metrics' axes).
 * Scan lines are b = const; samples along a line are 1 px apart at integer
 * a. With the default vertical, lines and samples fall exactly on pixel
 * centres, so the bilinear sampling returns the mask's own values and the
 * edge is the plain linear interpolation between two neighbouring pixels.
 */
#include "romcv/vision.h"

#include <math.h>
#include <stddef.h>

#define DEFAULT_THRESHOLD  0.5f
#define DEFAULT_ARM_RADIUS 0.12f /* upper arm ~0.05 m half-width / ~0.5 m trunk, + slack */
#define DEFAULT_BELOW_HIP  0.35f
#define DEFAULT_MAX_OFFSET 0.3f
#define DEFAULT_MIN_TRUNK  8.0f
/* Trunk within 60 deg of the vertical: H >= |hip -> shoulder| cos 60. */
#define MIN_UPRIGHT 0.5f

void romcv_silhouette_default_settings(RomcvSilhouetteSettings *s) {
    if (!s) {
        return;
    }
    *s = (RomcvSilhouetteSettings){0};
    s->threshold = DEFAULT_THRESHOLD;
    s->down_x = 0.0f;
    s->down_y = 1.0f;
    s->posterior = 0;
    s->shoulder_x = s->shoulder_y = s->hip_x = s->hip_y = NAN;
    for (int arm = 0; arm < 2; arm++) {
        for (int k = 0; k < ROMCV_SILHOUETTE_ARM_POINTS; k++) {
            s->arm_x[arm][k] = s->arm_y[arm][k] = NAN;
        }
    }
    s->arm_radius = DEFAULT_ARM_RADIUS;
    s->below_hip = DEFAULT_BELOW_HIP;
    s->max_offset = DEFAULT_MAX_OFFSET;
    s->min_trunk_px = DEFAULT_MIN_TRUNK;
}

/* The frame, the axes and the line being scanned. */
typedef struct Scan {
    const float *mask;
    int w, h;
    float thr;
    float dx, dy; /* unit down */
    float rx, ry; /* unit right */
} Scan;

/* Bilinear sample at image point (px, py), pixel centres at +0.5; the
 * callers stay within the centres' hull, the clamps only guard rounding. */
static float sample(const Scan *sc, float px, float py) {
    float fx = px - 0.5f, fy = py - 0.5f;
    float x0f = floorf(fx), y0f = floorf(fy);
    float ax = fx - x0f, ay = fy - y0f;
    int x0 = (int)x0f, y0 = (int)y0f;
    int x1 = x0 + 1, y1 = y0 + 1;
    x0 = x0 < 0 ? 0 : x0 >= sc->w ? sc->w - 1 : x0;
    x1 = x1 < 0 ? 0 : x1 >= sc->w ? sc->w - 1 : x1;
    y0 = y0 < 0 ? 0 : y0 >= sc->h ? sc->h - 1 : y0;
    y1 = y1 < 0 ? 0 : y1 >= sc->h ? sc->h - 1 : y1;
    const float *r0 = sc->mask + (size_t)y0 * (size_t)sc->w;
    const float *r1 = sc->mask + (size_t)y1 * (size_t)sc->w;
    float top = r0[x0] + ax * (r0[x1] - r0[x0]);
    float bottom = r1[x0] + ax * (r1[x1] - r1[x0]);
    return top + ay * (bottom - top);
}

/* The mask at sample a of line b. */
static float at(const Scan *sc, float b, int a) {
    float fa = (float)a;
    return sample(sc, 0.5f + fa * sc->rx + b * sc->dx, 0.5f + fa * sc->ry + b * sc->dy);
}

/* Narrows [lo, hi] to the a where 0 <= a * r + b * d <= extent - 1 (one image
 * coordinate), i.e. where the line is inside the pixel centres' hull. */
static void clip_axis(float r, float bd, float extent, double *lo, double *hi) {
    const double top = (double)extent - 1.0;
    if (fabsf(r) < 1e-6f) {
        if (bd < -1e-4f || bd > top + 1e-4) {
            *lo = 1.0, *hi = 0.0; /* the line misses the frame */
        }
        return;
    }
    double a0 = (0.0 - bd) / r, a1 = (top - bd) / r;
    if (a0 > a1) {
        double t = a0;
        a0 = a1, a1 = t;
    }
    *lo = a0 > *lo ? a0 : *lo;
    *hi = a1 < *hi ? a1 : *hi;
}

static float dist_to_segment(float px, float py, float ax, float ay, float bx, float by) {
    float vx = bx - ax, vy = by - ay;
    float len2 = vx * vx + vy * vy;
    float t = len2 > 0.0f ? ((px - ax) * vx + (py - ay) * vy) / len2 : 0.0f;
    t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
    return hypotf(px - (ax + t * vx), py - (ay + t * vy));
}

/* 1 when (px, py) lies within radius of a segment of either arm. */
static int near_arm(const RomcvSilhouetteSettings *s, float px, float py, float radius) {
    for (int arm = 0; arm < 2; arm++) {
        for (int k = 0; k + 1 < ROMCV_SILHOUETTE_ARM_POINTS; k++) {
            float ax = s->arm_x[arm][k], ay = s->arm_y[arm][k];
            float bx = s->arm_x[arm][k + 1], by = s->arm_y[arm][k + 1];
            if (!isfinite(ax) || !isfinite(ay) || !isfinite(bx) || !isfinite(by)) {
                continue;
            }
            if (dist_to_segment(px, py, ax, ay, bx, by) < radius) {
                return 1;
            }
        }
    }
    return 0;
}

static int settings_ok(const RomcvSilhouetteSettings *s) {
    return s->threshold > 0.0f && s->threshold < 1.0f &&
           (s->posterior == 1 || s->posterior == -1) && isfinite(s->down_x) &&
           isfinite(s->down_y) && hypotf(s->down_x, s->down_y) > 1e-6f && s->arm_radius >= 0.0f &&
           s->arm_radius <= 1.0f && s->below_hip >= 0.0f && s->below_hip <= 2.0f &&
           s->max_offset >= 0.0f && s->max_offset <= 2.0f && s->min_trunk_px >= 1.0f;
}

/* Outcome of one scan line. */
enum { LINE_POINT, LINE_NO_BODY, LINE_FRAME_EDGE };

/* Scans line b around the trunk axis at a_axis; on LINE_POINT sets *edge to
 * the a of the posterior edge. */
static int scan_line(const Scan *sc, float b, float a_axis, int dir, float max_off, float *edge) {
    double lo = -1e30, hi = 1e30;
    clip_axis(sc->rx, b * sc->dx, (float)sc->w, &lo, &hi);
    clip_axis(sc->ry, b * sc->dy, (float)sc->h, &lo, &hi);
    /* Integer samples strictly within the hull (a hair of slack for rounding). */
    double lo_c = ceil(lo - 1e-4), hi_c = floor(hi + 1e-4);
    if (!(lo_c <= hi_c) || !(a_axis >= lo_c - max_off) || !(a_axis <= hi_c + max_off)) {
        return LINE_NO_BODY;
    }
    const int a_lo = (int)lo_c, a_hi = (int)hi_c;
    long start = lroundf(a_axis);
    start = start < a_lo ? a_lo : start > a_hi ? a_hi : start;
    int j = (int)start;
    if (!(at(sc, b, j) >= sc->thr)) {
        /* The nearest body sample within max_off of the axis; at equal
         * distance the posterior one, since the back is what is wanted. */
        const int reach = (int)ceilf(max_off);
        int found = 0;
        for (int d = 1; d <= reach && !found; d++) {
            const int cand[2] = {(int)start + dir * d, (int)start - dir * d};
            for (int c = 0; c < 2 && !found; c++) {
                if (cand[c] >= a_lo && cand[c] <= a_hi && at(sc, b, cand[c]) >= sc->thr) {
                    j = cand[c];
                    found = 1;
                }
            }
        }
        if (!found) {
            return LINE_NO_BODY;
        }
    }
    /* Walk to the run's posterior end. */
    float inside = at(sc, b, j);
    for (;;) {
        const int next = j + dir;
        if (next < a_lo || next > a_hi) {
            return LINE_FRAME_EDGE; /* the body goes on beyond the frame */
        }
        const float v = at(sc, b, next);
        if (!(v >= sc->thr)) {
            /* inside >= thr > v: the crossing lies in [0, 1) of the step. */
            const float frac = (inside - sc->thr) / (inside - v);
            *edge = (float)j + (float)dir * frac;
            return LINE_POINT;
        }
        j = next;
        inside = v;
    }
}

int romcv_silhouette_posterior_contour(const float *mask, int width, int height,
                                       const RomcvSilhouetteSettings *s, float *x, float *y,
                                       int max_points, int *count, RomcvSilhouetteStats *stats) {
    if (count) {
        *count = 0;
    }
    if (stats) {
        *stats = (RomcvSilhouetteStats){0};
    }
    if (!mask || !s || !x || !y || !count || width < 1 || height < 1 || max_points < 2 ||
        !settings_ok(s)) {
        return ROMCV_ERR(EINVAL);
    }
    Scan sc = {.mask = mask, .w = width, .h = height, .thr = s->threshold};
    const float dlen = hypotf(s->down_x, s->down_y);
    sc.dx = s->down_x / dlen;
    sc.dy = s->down_y / dlen;
    sc.rx = sc.dy;
    sc.ry = -sc.dx;
    if (!isfinite(s->shoulder_x) || !isfinite(s->shoulder_y) || !isfinite(s->hip_x) ||
        !isfinite(s->hip_y)) {
        return 0;
    }
    /* Landmarks in (a, b) coordinates. */
    const float hx = s->hip_x - 0.5f, hy = s->hip_y - 0.5f;
    const float shx = s->shoulder_x - 0.5f, shy = s->shoulder_y - 0.5f;
    const float a_hip = hx * sc.rx + hy * sc.ry, b_hip = hx * sc.dx + hy * sc.dy;
    const float a_sh = shx * sc.rx + shy * sc.ry, b_sh = shx * sc.dx + shy * sc.dy;
    const float trunk = b_hip - b_sh; /* H: the shoulder's height above the hip */
    const float length = hypotf(a_sh - a_hip, trunk);
    if (!(trunk >= s->min_trunk_px) || trunk < MIN_UPRIGHT * length) {
        return 0;
    }
    if (stats) {
        stats->trunk_px = trunk;
    }
    const float b_end = b_hip + s->below_hip * trunk;
    /* One line per pixel, on whole b (pixel centres when upright), unless
     * that exceeds max_points: then max_points lines evenly over the range. */
    float b_top = ceilf(b_sh), step = 1.0f;
    int lines = max_points;
    /* Compared as floats: a wild landmark must not overflow the int. */
    if (b_end - b_top + 1.0f <= (float)max_points) {
        lines = (int)floorf(b_end - b_top) + 1;
    } else {
        b_top = b_sh;
        step = (b_end - b_sh) / (float)(max_points - 1);
    }
    const float max_off = s->max_offset * trunk;
    const float radius = s->arm_radius * trunk;
    const int dir = s->posterior;
    int n = 0;
    for (int k = 0; k < lines; k++) {
        const float b = b_top + (float)k * step;
        /* The trunk axis: the hip-shoulder line, straight down below the hip. */
        float a_axis = a_hip;
        if (b < b_hip) {
            a_axis = a_hip + (a_sh - a_hip) * (b_hip - b) / trunk;
        }
        float edge;
        const int outcome = scan_line(&sc, b, a_axis, dir, max_off, &edge);
        if (stats) {
            stats->lines++;
            stats->no_body += outcome == LINE_NO_BODY;
            stats->frame_edge += outcome == LINE_FRAME_EDGE;
        }
        if (outcome != LINE_POINT) {
            continue;
        }
        const float px = 0.5f + edge * sc.rx + b * sc.dx;
        const float py = 0.5f + edge * sc.ry + b * sc.dy;
        if (radius > 0.0f && near_arm(s, px, py, radius)) {
            if (stats) {
                stats->arm++;
            }
            continue;
        }
        x[n] = px;
        y[n] = py;
        n++;
    }
    *count = n;
    if (stats) {
        stats->points = n;
        stats->step_px = step;
    }
    return 0;
}
