/*
 * metrics/silhouette.c: markerless lumbar lordosis and pelvic tilt estimates
 * from the posterior contour of a side-view silhouette (the contour comes
 * from vision/silhouette.c).
 *
 * clinical.md lists the posterior silhouette contour between the waist and
 * the sacrum as the markerless option and found no published validation;
 * both values are therefore labelled estimates, and only their change from
 * the neutral baseline is meant to be compared. docs/angles.md gives the
 * error measured on the digital phantom.
 *
 * Method. Each contour point is turned into a height u above the near-side
 * hip landmark along gravity "up" and a posterior offset p (towards the
 * back), both in units of the trunk height H (hip to shoulder along up):
 * - the buttocks' apex, the most posterior point of the contour between
 *   0.35 H below and 0.25 H above the hip landmark, is found on the contour
 *   smoothed by a running median over +-0.03 H and placed at the vertex of
 *   a parabola fitted to the contour within +-0.10 H. Heights are counted from this apex, not from
 *   the hip landmark: BlazePose's hip point sits 0.05-0.1 H above the joint
 *   centre by an amount that changes with posture (docs/validation.md), and
 *   near the sacrum the contour's slope changes by several degrees per
 *   0.05 H, so levels tied to the landmark followed pelvic tilt at only 0.6x
 *   on the phantom, against about 0.95x when tied to the apex;
 * - the sacrum level is 0.20 H above the apex (about S1-S2, where the
 *   contour leaves the buttocks), the waist level 0.50 H above it (about
 *   T12-L2, above the deepest point of the lordosis). At each, the tangent
 *   is the slope at the level of a parabola fitted (least squares, p as a
 *   function of u) to the points within +-0.10 H;
 * - the fits leave out the points further than 3 robust standard
 *   deviations (1.4826 MAD, at least 0.5 px) from the running median, so a
 *   stray fragment shorter than 0.03 H (a piece of an arm the contour step
 *   could not recognise, a blob of the mask) neither wins the apex nor
 *   tilts a tangent; a fit needs 5 points spanning half its window, and the
 *   apex's also no hole wider than 0.05 H (a body running out of the frame
 *   there leaves one: no apex is then better than one guessed across it);
 * - lordosis = the angle from the waist tangent to the sacrum tangent,
 *   positive when the back is concave (the sense of the T12-L3-S1 marker
 *   definition); pelvic tilt = the sacrum tangent's angle from the vertical,
 *   positive when the contour runs backwards going down (anterior tilt
 *   pushes the sacrum's lower end back).
 */
#include "metrics/internal.h"

#include <math.h>
#include <stdlib.h>

#define APEX_LOW      -0.35f /* buttock apex search range, H above the hip landmark */
#define APEX_HIGH     0.25f
#define APEX_HALF     0.10f /* parabola fit half-window around the rearmost point */
#define APEX_MAX_HOLE 0.05f
#define MEDIAN_HALF   0.03f /* running median: apex search, outlier screen */
#define MEDIAN_MAX    64    /* values in one median window (more are thinned) */
#define SACRUM_LEVEL  0.20f /* above the apex */
#define WAIST_LEVEL   0.50f
#define FIT_HALF      0.10f
#define MIN_POINTS    5
/* Points used per frame: the contour is thinned evenly beyond this (one line
 * per pixel from the shoulders to the thighs fits for H up to ~700 px). */
#define MAX_POINTS 1024
#define RAD_TO_DEG 57.29577951308232f

/* The contour in trunk units, in its order (top to bottom). */
typedef struct Trunk {
    float u[MAX_POINTS];   /* height above the hip landmark, H */
    float p[MAX_POINTS];   /* posterior offset from it, H */
    float med[MAX_POINTS]; /* p's running median over +-MEDIAN_HALF */
    unsigned char inlier[MAX_POINTS];
    float scratch[MAX_POINTS];
    int n;
    float half_px; /* 0.5 px in H */
} Trunk;

static int compare_floats(const void *pa, const void *pb) {
    const float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

static float median(float *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare_floats);
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* The running median of p, and which points agree with it: within 3 robust
 * standard deviations (1.4826 MAD of the differences, at least 0.5 px).
 * Fragments shorter than MEDIAN_HALF do not move the median, so they stand
 * out; the fits below use the inliers only. The contour is ordered, so its
 * neighbours in height are its neighbours in the arrays. */
static void screen(Trunk *t) {
    float window[MEDIAN_MAX];
    for (int i = 0; i < t->n; i++) {
        int a = i, b = i, m = 0;
        while (a > 0 && fabsf(t->u[a - 1] - t->u[i]) <= MEDIAN_HALF) {
            a--;
        }
        while (b + 1 < t->n && fabsf(t->u[b + 1] - t->u[i]) <= MEDIAN_HALF) {
            b++;
        }
        const int step = (b - a) / MEDIAN_MAX + 1;
        for (int j = a; j <= b && m < MEDIAN_MAX; j += step) {
            window[m++] = t->p[j];
        }
        t->med[i] = median(window, m);
    }
    for (int i = 0; i < t->n; i++) {
        t->scratch[i] = fabsf(t->p[i] - t->med[i]);
    }
    const float limit = t->n ? fmaxf(3.0f * 1.4826f * median(t->scratch, t->n), t->half_px) : 0.0f;
    for (int i = 0; i < t->n; i++) {
        t->inlier[i] = fabsf(t->p[i] - t->med[i]) <= limit;
    }
}

/* Least-squares parabola p = c[0] + c[1] x + c[2] x^2, x = u - centre, over
 * the inliers with |x| <= half. Returns the point count when they are at
 * least MIN_POINTS spanning half the window, else 0. */
static int fit(const Trunk *t, float centre, float half, double c[3]) {
    double s[5] = {0}, r[3] = {0}, lo = INFINITY, hi = -INFINITY;
    int m = 0;
    for (int k = 0; k < t->n; k++) {
        const double x = (double)t->u[k] - centre, p = t->p[k];
        if (!t->inlier[k] || !(fabs(x) <= half)) {
            continue;
        }
        double xp = 1.0;
        for (int e = 0; e < 5; e++) {
            if (e < 3) {
                r[e] += xp * p;
            }
            s[e] += xp;
            xp *= x;
        }
        lo = fmin(lo, x), hi = fmax(hi, x);
        m++;
    }
    if (m < MIN_POINTS || hi - lo < half) {
        return 0;
    }
    /* The normal equations, by Cramer's rule: column j of the matrix
     * replaced by r gives c[j] (j = 3 replaces none: the determinant). */
    const double a[3][3] = {{s[0], s[1], s[2]}, {s[1], s[2], s[3]}, {s[2], s[3], s[4]}};
    double det = 0.0, col[3];
    for (int j = 0; j <= 3; j++) {
        double m3[3][3];
        for (int row = 0; row < 3; row++) {
            for (int k = 0; k < 3; k++) {
                m3[row][k] = k == j ? r[row] : a[row][k];
            }
        }
        const double d = m3[0][0] * (m3[1][1] * m3[2][2] - m3[1][2] * m3[2][1]) -
                         m3[0][1] * (m3[1][0] * m3[2][2] - m3[1][2] * m3[2][0]) +
                         m3[0][2] * (m3[1][0] * m3[2][1] - m3[1][1] * m3[2][0]);
        if (j == 3) {
            det = d;
        } else {
            col[j] = d;
        }
    }
    if (!(fabs(det) > 1e-18)) {
        return 0;
    }
    for (int k = 0; k < 3; k++) {
        c[k] = col[k] / det;
    }
    return m;
}

/* Height of the buttocks' apex (H above the hip landmark), or NaN when the
 * contour has no clear rearmost point there. */
static float buttock_apex(const Trunk *t) {
    int best = -1;
    for (int i = 0; i < t->n; i++) {
        if (t->u[i] >= APEX_LOW && t->u[i] <= APEX_HIGH && (best < 0 || t->med[i] > t->med[best])) {
            best = i;
        }
    }
    if (best < 0) {
        return NAN;
    }
    const float centre = t->u[best];
    /* No hole in the contour around the apex. */
    float prev = NAN;
    for (int k = 0; k < t->n; k++) {
        if (fabsf(t->u[k] - centre) <= APEX_HALF) {
            if (isfinite(prev) && fabsf(prev - t->u[k]) > APEX_MAX_HOLE) {
                return NAN;
            }
            prev = t->u[k];
        }
    }
    double c[3];
    if (!fit(t, centre, APEX_HALF, c) || !(c[2] < 0.0)) {
        return NAN; /* too few points, or not a maximum */
    }
    const double vertex = -c[1] / (2.0 * c[2]);
    if (!(fabs(vertex) <= APEX_HALF)) {
        return NAN; /* the rearmost point is at an end of the contour */
    }
    return centre + (float)vertex;
}

/* The contour's slope at level: the derivative at the centre of a parabola
 * fitted over the window. On an evenly filled window it equals a straight
 * line's slope; on a window with points missing at one end (an arm, the
 * frame's edge, the window's edge falling between two lines) it is still the
 * slope at the level, where a line would give the slope at the points'
 * mean height. */
static int level_slope(const Trunk *t, float level, float *slope) {
    double c[3];
    if (!fit(t, level, FIT_HALF, c)) {
        return 0;
    }
    *slope = (float)c[1];
    return 1;
}

void romcv__silhouette_frame(const float *cx, const float *cy, int count, float hip_x, float hip_y,
                             float shoulder_x, float shoulder_y, const RomcvFrameAxes *axes,
                             float facing, float *lordosis_deg, float *tilt_deg) {
    *lordosis_deg = NAN;
    *tilt_deg = NAN;
    if (!cx || !cy || count < 2 * MIN_POINTS) {
        return;
    }
    const float height =
        -((shoulder_x - hip_x) * axes->down_x + (shoulder_y - hip_y) * axes->down_y);
    if (!(height > 1.0f) || !isfinite(hip_x) || !isfinite(hip_y)) {
        return;
    }
    /* About 17 KB: on the heap, since this runs once per frame. */
    Trunk *t = malloc(sizeof *t);
    if (!t) {
        return; /* no memory: no estimate for this frame */
    }
    t->n = 0;
    t->half_px = 0.5f / height;
    const int stride = (count + MAX_POINTS - 1) / MAX_POINTS;
    for (int k = 0; k < count; k += stride) {
        const float dx = cx[k] - hip_x, dy = cy[k] - hip_y;
        const float u = -(dx * axes->down_x + dy * axes->down_y) / height;
        const float p = -facing * (dx * axes->right_x + dy * axes->right_y) / height;
        if (isfinite(u) && isfinite(p)) {
            t->u[t->n] = u;
            t->p[t->n] = p;
            t->n++;
        }
    }
    screen(t);
    const float apex = buttock_apex(t);
    float sacrum, waist;
    if (isfinite(apex) && level_slope(t, apex + SACRUM_LEVEL, &sacrum)) {
        /* A slope s (posterior offset per unit height = forward per unit
         * down) is a tangent at atan(s) from the vertical, turned forward
         * going down; backward-going-down at the sacrum is anterior tilt. */
        const float sacrum_deg = atanf(sacrum) * RAD_TO_DEG;
        *tilt_deg = -sacrum_deg;
        if (level_slope(t, apex + WAIST_LEVEL, &waist)) {
            *lordosis_deg = atanf(waist) * RAD_TO_DEG - sacrum_deg;
        }
    }
    free(t);
}
