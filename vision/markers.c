/*
 * vision/markers.c: coloured round skin markers, found frame by frame
 * (romcv/vision.h, "skin markers"; docs/markers.md).
 *
 * HSV because a marker's hue survives shading: the dark side of a ball and
 * its lit side differ in V, hardly in H, while skin, clothes and walls are
 * either another hue or much less saturated. The colour names' ranges are
 * the usual hue sectors (red at 0 deg, yellow 60, green 120, cyan 180, blue
 * 240, magenta 300) narrowed away from skin's 10-40 deg, which is why orange
 * is the poorest choice on skin (docs/markers.md).
 *
 * Every OpenCV call goes through vision/cv_bridge.h. Memory: one HSV image,
 * one mask and a fixed array of regions, sized at the first frame (and again
 * only if the frame size changes); nothing grows with the video's length.
 */
#include "romcv/vision.h"
#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGIONS 256 /* regions measured per frame; more are ignored (counted) */
#define AUTO_BANDS  12  /* 30-degree hue bands scanned in auto mode */
#define AUTO_SAT                                                            \
    0.35f /* above skin's usual S (<= 0.3 in the phantom's video), below an \
           * encoded 3 px ball's (0.24-0.76) */
#define AUTO_VAL 0.35f
/* The chosen colour in auto mode: the winning blobs' mean hue +- this. */
#define AUTO_RED_SAT        0.65f
#define AUTO_HALF_WIDTH_DEG 20.0f
/* A colour is taken only when it won at least half the frames scanned with
 * at least AUTO_MIN_REGIONS regions a frame on average: two markers are
 * the fewest a measure needs (ASIS and PSIS). On a recording without
 * markers (../shared's squat_side.mp4) stray round vivid spots won a band
 * now and then, and searching it named wall spots as markers. */
#define AUTO_MIN_REGIONS 2
/* Regions less round than this (minor / major semi-axis) are searched for
 * the front ball's circle (front_circle): a lone ball reads 0.95-1. */
#define FRONT_CIRCLE_BELOW 0.9f
/* ... and only regions this large (equivalent radius, px): two 4-5 px balls
 * a pixel or two apart (the phantom's squat at 640 x 480) leave no outline
 * to tell the front one by, and the fit then took the one behind. */
#define FRONT_CIRCLE_MIN_RADIUS 3.5f
#define CIRCLE_MAX_POINTS       512 /* outline pixels kept for the circle fit */

struct RomcvMarkerDetector {
    RomcvMarkerDetectorSettings s;
    RomcvFrame *hsv;  /* HSV bytes in an RGB24-format frame */
    RomcvFrame *mask; /* GRAY8 */
    RomcvCvBlob blobs[MAX_REGIONS];
    RomcvMarkerDetection scratch[MAX_REGIONS]; /* auto mode's per-band search */
    /* front_circle's outline points */
    float circle_x[CIRCLE_MAX_POINTS], circle_y[CIRCLE_MAX_POINTS];
    float outside_x[CIRCLE_MAX_POINTS], outside_y[CIRCLE_MAX_POINTS];
    unsigned char circle_use[CIRCLE_MAX_POINTS];
    /* auto mode */
    int votes[AUTO_BANDS];
    double hue_sum[AUTO_BANDS]; /* sum of the winning blobs' hues (deg, unwrapped) */
    int hue_count[AUTO_BANDS];
    int regions[AUTO_BANDS]; /* marker-shaped regions in the frames each band won */
    int frames_voted;
    int frames_scanned;
    int locked;
    int none;               /* auto found no colour that stands out: nothing is searched */
    float auto_lo, auto_hi; /* the range in use (deg) */
    char errmsg[ROMCV_DIAG_MESSAGE_SIZE];
};

/* ---------------------------------------------------------------- colour */

typedef struct NamedColour {
    const char *name;
    float hue_lo, hue_hi; /* degrees */
} NamedColour;

/* Hue sectors, with S >= NAMED_SAT and V >= NAMED_VAL for all. The saturation
 * floor is low because video halves a small marker's saturation: H.264 and
 * most cameras keep colour at half resolution (4:2:0), so a 3 px ball's
 * colour is averaged with its surroundings; on the phantom's clip its
 * pixels read S 0.24-0.76 after encoding, against 0.86 rendered. Hue
 * survives, and it is the hue range that keeps skin (10-40 deg, S 0.2-0.5)
 * and grey walls (S < 0.1) out. Dark cloth is the risk at that saturation:
 * encoded charcoal shorts read S 0.15-0.2 at V 0.2 with any hue, so V must
 * be at least 0.3 (the phantom's balls are V >= 0.45 on their dark side). */
#define NAMED_SAT 0.2f
#define NAMED_VAL 0.3f
static const NamedColour colours[] = {
    {"red", 340, 15},   {"orange", 15, 45}, {"yellow", 45, 75},    {"green", 80, 160},
    {"cyan", 165, 200}, {"blue", 200, 260}, {"magenta", 280, 335},
};

static void set_range(RomcvMarkerDetectorSettings *s, float h_lo, float h_hi, float s_lo,
                      float s_hi, float v_lo, float v_hi) {
    s->hue_lo = h_lo;
    s->hue_hi = h_hi;
    s->sat_lo = s_lo;
    s->sat_hi = s_hi;
    s->val_lo = v_lo;
    s->val_hi = v_hi;
}

void romcv_marker_detector_default_settings(RomcvMarkerDetectorSettings *s) {
    memset(s, 0, sizeof *s);
    set_range(s, 80, 160, NAMED_SAT, 1, NAMED_VAL, 1);
    s->min_radius_px = 1.0f;
    s->max_radius_px = 20.0f;
    s->min_roundness = 0.5f;
    s->min_circularity = 0.6f;
    /* No closing by default: markers a few pixels across lie 5-7 px apart
     * (S1 and PSIS in a side view), and a closing bridges one-pixel gaps
     * between them and to anything else of the colour nearby. */
    s->closing_radius = 0;
    s->auto_frames = 15;
}

/* Parses "A-B" or "A" (then B = hi_default) into lo and hi. */
static int parse_pair(const char *text, size_t len, float hi_default, float *lo, float *hi) {
    char buf[32];
    if (len == 0 || len >= sizeof buf) {
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    double a = strtod(buf, &end);
    if (end == buf) {
        return -1;
    }
    double b = hi_default;
    if (*end == '-') {
        char *start = end + 1;
        b = strtod(start, &end);
        if (end == start) {
            return -1;
        }
    }
    if (*end != '\0' || !isfinite(a) || !isfinite(b)) {
        return -1;
    }
    *lo = (float)a;
    *hi = (float)b;
    return 0;
}

int romcv_marker_colour_parse(const char *text, RomcvMarkerDetectorSettings *s, RomcvDiag *diag) {
    if (!text || !s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "markers: no colour given");
    }
    if (strcmp(text, "auto") == 0) {
        s->auto_colour = 1;
        return 0;
    }
    for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++) {
        if (strcmp(text, colours[i].name) == 0) {
            s->auto_colour = 0;
            set_range(s, colours[i].hue_lo, colours[i].hue_hi, NAMED_SAT, 1, NAMED_VAL, 1);
            return 0;
        }
    }
    const char *c1 = strchr(text, ',');
    const char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    float h[2], sat[2], val[2];
    if (!c1 || !c2 || strchr(c2 + 1, ',') ||
        parse_pair(text, (size_t)(c1 - text), -1, &h[0], &h[1]) < 0 ||
        parse_pair(c1 + 1, (size_t)(c2 - c1 - 1), 100, &sat[0], &sat[1]) < 0 ||
        parse_pair(c2 + 1, strlen(c2 + 1), 100, &val[0], &val[1]) < 0) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "markers: '%s' is not a colour: use auto, red, orange, yellow, "
                              "green, cyan, blue, magenta or H1-H2,S1-S2,V1-V2 (hue in deg, S "
                              "and V in %%)",
                              text);
    }
    if (h[1] < 0 || h[0] < 0 || h[0] > 360 || h[1] > 360 || sat[0] < 0 || sat[1] > 100 ||
        sat[0] > sat[1] || val[0] < 0 || val[1] > 100 || val[0] > val[1]) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "markers: '%s': a hue range H1-H2 in 0..360 deg, S and V ranges "
                              "low-high in 0..100 %% are needed",
                              text);
    }
    s->auto_colour = 0;
    set_range(s, h[0], h[1], sat[0] / 100, sat[1] / 100, val[0] / 100, val[1] / 100);
    return 0;
}

/* The settings' range on OpenCV's 8-bit HSV scale. */
static RomcvCvHsvRange cv_range(float h_lo, float h_hi, float s_lo, float s_hi, float v_lo,
                                float v_hi) {
    RomcvCvHsvRange r;
    /* OpenCV stores hue / 2 (0..179); 360 deg is 0 again. */
    r.h_lo = (int)lroundf(h_lo / 2) % 180;
    r.h_hi = (int)lroundf(h_hi / 2);
    r.h_hi = r.h_hi >= 180 ? 179 : r.h_hi;
    r.s_lo = (int)lroundf(s_lo * 255);
    r.s_hi = (int)lroundf(s_hi * 255);
    r.v_lo = (int)lroundf(v_lo * 255);
    r.v_hi = (int)lroundf(v_hi * 255);
    return r;
}

/* -------------------------------------------------------------- lifetime */

int romcv_marker_detector_create(RomcvMarkerDetector **out, const RomcvMarkerDetectorSettings *s,
                                 RomcvDiag *diag) {
    if (!out || !s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "markers: no settings");
    }
    *out = NULL;
    if (!(s->hue_lo >= 0 && s->hue_lo <= 360 && s->hue_hi >= 0 && s->hue_hi <= 360) ||
        !(s->sat_lo >= 0 && s->sat_lo <= s->sat_hi && s->sat_hi <= 1) ||
        !(s->val_lo >= 0 && s->val_lo <= s->val_hi && s->val_hi <= 1)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "markers: colour range out of bounds");
    }
    if (!(s->min_radius_px > 0 && s->min_radius_px <= s->max_radius_px &&
          s->max_radius_px <= 500)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "markers: radius range %g-%g px: must be 0 < min <= max <= 500",
                              s->min_radius_px, s->max_radius_px);
    }
    if (!(s->min_roundness >= 0 && s->min_roundness <= 1 && s->min_circularity >= 0 &&
          s->min_circularity <= 1)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "markers: roundness and circularity limits must be in 0..1");
    }
    if (s->closing_radius < 0 || s->closing_radius > 8 || s->auto_frames < 1 ||
        s->auto_frames > 10000) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "markers: closing radius 0..8 px, auto frames 1..10000");
    }
    RomcvMarkerDetector *d = calloc(1, sizeof *d);
    if (!d) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "markers: out of memory");
    }
    d->s = *s;
    d->auto_lo = s->hue_lo;
    d->auto_hi = s->hue_hi;
    *out = d;
    return 0;
}

void romcv_marker_detector_destroy(RomcvMarkerDetector **detector) {
    if (!detector || !*detector) {
        return;
    }
    romcv_frame_unref(&(*detector)->hsv);
    romcv_frame_unref(&(*detector)->mask);
    free(*detector);
    *detector = NULL;
}

const char *romcv_marker_detector_errmsg(const RomcvMarkerDetector *d) {
    return d ? d->errmsg : "";
}

void romcv_marker_detector_colour(const RomcvMarkerDetector *d, float *hue_lo, float *hue_hi,
                                  int *locked) {
    if (!d) {
        return;
    }
    if (hue_lo) {
        *hue_lo = d->s.auto_colour ? d->auto_lo : d->s.hue_lo;
    }
    if (hue_hi) {
        *hue_hi = d->s.auto_colour ? d->auto_hi : d->s.hue_hi;
    }
    if (locked) {
        *locked = d->s.auto_colour ? d->locked : 1;
    }
}

static int fail(RomcvMarkerDetector *d, const RomcvDiag *diag) {
    snprintf(d->errmsg, sizeof d->errmsg, "%s", diag->message);
    return diag->code ? diag->code : ROMCV_E_EXTERNAL;
}

/* ------------------------------------------------------------- detection */

/* Whether OpenCV hue h (0..179) lies in r's hue range widened by slack. */
static int hue_in(int h, const RomcvCvHsvRange *r, int slack) {
    int lo = r->h_lo - slack, hi = r->h_hi + slack;
    if (r->h_lo <= r->h_hi) {
        return h >= lo && h <= hi;
    }
    return h >= lo || h <= hi; /* through red's 0/180 seam */
}

/* The pixels within reach of (x, y), clipped to the frame: columns x0..x1,
 * rows y0..y1, inclusive. */
static void window(const RomcvFrame *f, float x, float y, float reach, int *x0, int *y0, int *x1,
                   int *y1) {
    *x0 = (int)floorf(x - reach);
    *y0 = (int)floorf(y - reach);
    *x1 = (int)ceilf(x + reach);
    *y1 = (int)ceilf(y + reach);
    *x0 = *x0 < 0 ? 0 : *x0;
    *y0 = *y0 < 0 ? 0 : *y0;
    *x1 = *x1 > f->width - 1 ? f->width - 1 : *x1;
    *y1 = *y1 > f->height - 1 ? f->height - 1 : *y1;
}

/* Fits a circle to the points with the algebraic least squares of Kasa
 * (1976): x^2 + y^2 + D x + E y + F = 0. Returns 0 when degenerate. */
static int fit_circle(const float *px, const float *py, const unsigned char *use, int n, double *cx,
                      double *cy, double *radius) {
    double sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0, s1 = 0, sxz = 0, syz = 0, sz = 0;
    for (int k = 0; k < n; k++) {
        if (!use[k]) {
            continue;
        }
        double x = px[k], y = py[k], z = x * x + y * y;
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
        sx += x;
        sy += y;
        s1 += 1;
        sxz += x * z;
        syz += y * z;
        sz += z;
    }
    /* Normal equations for (D, E, F): [sxx sxy sx; sxy syy sy; sx sy s1] = -[sxz syz sz]. */
    double a[3][4] = {{sxx, sxy, sx, -sxz}, {sxy, syy, sy, -syz}, {sx, sy, s1, -sz}};
    for (int c = 0; c < 3; c++) {
        int piv = c;
        for (int r = c + 1; r < 3; r++) {
            if (fabs(a[r][c]) > fabs(a[piv][c])) {
                piv = r;
            }
        }
        if (fabs(a[piv][c]) < 1e-9) {
            return 0;
        }
        for (int k = 0; k < 4; k++) {
            double t = a[c][k];
            a[c][k] = a[piv][k];
            a[piv][k] = t;
        }
        for (int r = 0; r < 3; r++) {
            if (r != c) {
                double f = a[r][c] / a[c][c];
                for (int k = c; k < 4; k++) {
                    a[r][k] -= f * a[c][k];
                }
            }
        }
    }
    double d = a[0][3] / a[0][0], e = a[1][3] / a[1][1], f = a[2][3] / a[2][2];
    *cx = -d / 2;
    *cy = -e / 2;
    double r2 = *cx * *cx + *cy * *cy - f;
    if (!(r2 > 0)) {
        return 0;
    }
    *radius = sqrt(r2);
    return 1;
}

/* A region that is not round is often a ball with another ball partly
 * behind it (in a side view the far side's PSIS ball lines up behind the
 * near one and shifted the pair's centroid by 1-1.7 px at 1080 x 1920 on
 * the phantom) or a ball partly hidden by the body. The front ball is the
 * largest disc inside the region: its centre is the region's pixel
 * farthest from the outside (the maximum of the distance transform, the
 * mean of its plateau). The outline pixels on that disc's circle (the
 * others belong to the ball behind or to the occluder) then fit a circle by
 * least squares, twice, and its centre is the marker's. Returns 0, leaving
 * the centre as it was, when fewer than 40 % of the
 * outline lies on the circle. Windows are small (a few hundred pixels) and
 * few regions are not round, so the distances are found by brute force. */
static int front_circle(RomcvMarkerDetector *d, float radius, float *x, float *y) {
    const RomcvFrame *mask = d->mask;
    int x0, y0, x1, y1;
    window(mask, *x, *y, radius * 1.6f + 2.0f, &x0, &y0, &x1, &y1);
    float *px = d->circle_x, *py = d->circle_y; /* outline: region pixels next to outside */
    float *ox = d->outside_x, *oy = d->outside_y;
    /* The outside pixels that matter are those touching the region (the
     * nearest outside pixel to any inside one is among them): about as many
     * as the outline's, so fixed arrays hold them; a region whose outline
     * does not fit is left to the weighted centroid. */
    int n = 0, outside = 0;
    for (int j = y0; j <= y1; j++) {
        const uint8_t *row = mask->data + (size_t)j * (size_t)mask->stride;
        for (int i = x0; i <= x1; i++) {
            int in = row[i] != 0, touches = 0, all_in = 1;
            for (int dj = -1; dj <= 1; dj++) {
                for (int di = -1; di <= 1; di++) {
                    int ii = i + di, jj = j + dj;
                    int neighbour_in = ii >= 0 && jj >= 0 && ii < mask->width &&
                                       jj < mask->height &&
                                       mask->data[(size_t)jj * (size_t)mask->stride + (size_t)ii];
                    touches |= neighbour_in;
                    /* 4-neighbours decide the outline */
                    if ((di == 0) != (dj == 0)) {
                        all_in &= neighbour_in;
                    }
                }
            }
            if (in && !all_in) {
                if (n == CIRCLE_MAX_POINTS) {
                    return 0;
                }
                px[n] = i + 0.5f;
                py[n] = j + 0.5f;
                n++;
            } else if (!in && touches) {
                if (outside == CIRCLE_MAX_POINTS) {
                    return 0;
                }
                ox[outside] = i + 0.5f;
                oy[outside] = j + 0.5f;
                outside++;
            }
        }
    }
    if (n < 12 || outside == 0) {
        return 0;
    }
    /* Inside the region within the window: each pixel's squared distance to
     * the nearest outside pixel; the plateau of the largest. */
    float best = 0, sum_x = 0, sum_y = 0;
    int plateau = 0;
    for (int j = y0; j <= y1; j++) {
        const uint8_t *row = mask->data + (size_t)j * (size_t)mask->stride;
        for (int i = x0; i <= x1; i++) {
            if (!row[i]) {
                continue;
            }
            float cx = i + 0.5f, cy = j + 0.5f, nearest = INFINITY;
            for (int k = 0; k < outside; k++) {
                float dx = ox[k] - cx, dy = oy[k] - cy, dd = dx * dx + dy * dy;
                nearest = dd < nearest ? dd : nearest;
            }
            if (nearest > best + 1e-3f) {
                best = nearest;
                sum_x = cx;
                sum_y = cy;
                plateau = 1;
            } else if (fabsf(nearest - best) <= 1e-3f) {
                sum_x += cx;
                sum_y += cy;
                plateau++;
            }
        }
    }
    if (plateau == 0) {
        return 0;
    }
    double cx = sum_x / plateau, cy = sum_y / plateau;
    /* Outline pixel centres lie about half a pixel inside the nearest
     * outside pixel centre's distance. */
    double r = sqrt(best) - 0.5;
    unsigned char *use = d->circle_use;
    int inliers = 0;
    for (int pass = 0; pass < 2; pass++) {
        const double tolerance = pass == 0 ? 1.0 : 0.75; /* px */
        inliers = 0;
        for (int k = 0; k < n; k++) {
            use[k] = fabs(hypot(px[k] - cx, py[k] - cy) - r) <= tolerance;
            inliers += use[k];
        }
        if (inliers * 5 < n * 2 || !fit_circle(px, py, use, n, &cx, &cy, &r)) {
            return 0;
        }
    }
    *x = (float)cx;
    *y = (float)cy;
    return 1;
}

/* The region's centre from partial weights, as photogrammetric targets are
 * measured (an intensity-weighted centroid, e.g. Shortis et al. 1994,
 * "Comparison of some techniques for the subpixel location of discrete
 * target images"). A camera's pixel on a marker's outline holds a mix of
 * the marker and what lies behind it; the in-range mask cuts that mix at a
 * threshold, so its centroid moves with where the threshold happens to fall
 * on each side (0.2-0.3 px on the phantom's 9 px balls, rendered with area
 * sampling). Here every pixel within the region's radius + 2 px counts with
 * the share of the marker's saturation it shows, 0 at half the range's
 * floor, 1 at the region's mean: the mix of a marker with a grey wall or
 * skin keeps the marker's hue and falls in saturation about linearly with
 * the share of the pixel the marker covers. Hue gets 10 deg of slack for
 * mixes with coloured cloth; very dark pixels (V under a third of the
 * floor) are left out, their hue is noise. On the phantom this halved the
 * centroid error (0.22-0.29 to 0.12-0.14 px) and brought the lordosis at
 * 1080 x 1920 from 0.5 to 0.04 deg of the true centres' (docs/markers.md).
 * A window holding little of the colour leaves the mask's centroid as it is. */
static void refine_centre(RomcvMarkerDetector *d, const RomcvCvHsvRange *r, float radius,
                          float roundness, float *x, float *y) {
    const RomcvFrame *hsv = d->hsv;
    const float reach = radius + 2.0f;
    if (roundness < FRONT_CIRCLE_BELOW && radius >= FRONT_CIRCLE_MIN_RADIUS &&
        front_circle(d, radius, x, y)) {
        /* The weighted centroid would take in the ball behind's crescent
         * just outside the circle (0.5 px back toward it on the phantom). */
        return;
    }
    int x0, y0, x1, y1;
    window(hsv, *x, *y, reach, &x0, &y0, &x1, &y1);
    double sat_sum = 0;
    int inside = 0;
    for (int j = y0; j <= y1; j++) {
        const uint8_t *row = hsv->data + (size_t)j * (size_t)hsv->stride;
        for (int i = x0; i <= x1; i++) {
            float dx = i + 0.5f - *x, dy = j + 0.5f - *y;
            const uint8_t *p = row + 3 * i;
            if (dx * dx + dy * dy <= reach * reach && hue_in(p[0], r, 0) && p[1] >= r->s_lo &&
                p[2] >= r->v_lo) {
                sat_sum += p[1];
                inside++;
            }
        }
    }
    const double sat_zero = 0.5 * r->s_lo;
    if (inside == 0 || sat_sum / inside < sat_zero + 8) {
        return;
    }
    const double sat_full = sat_sum / inside;
    double sw = 0, sx = 0, sy = 0;
    for (int j = y0; j <= y1; j++) {
        const uint8_t *row = hsv->data + (size_t)j * (size_t)hsv->stride;
        for (int i = x0; i <= x1; i++) {
            float dx = i + 0.5f - *x, dy = j + 0.5f - *y;
            const uint8_t *p = row + 3 * i;
            if (dx * dx + dy * dy > reach * reach || !hue_in(p[0], r, 5) || p[2] < r->v_lo / 3) {
                continue;
            }
            double w = (p[1] - sat_zero) / (sat_full - sat_zero);
            w = w < 0 ? 0 : w > 1 ? 1 : w;
            sw += w;
            sx += w * (i + 0.5);
            sy += w * (j + 0.5);
        }
    }
    if (sw > 0) {
        *x = (float)(sx / sw);
        *y = (float)(sy / sw);
    }
}

/* Marker-shaped regions of the mask for the range, as detections (unsorted).
 * refine: refine each centre (refine_centre); auto's band vote only counts
 * the regions and skips it. Returns their number or a negative code. */
static int find(RomcvMarkerDetector *d, const RomcvCvHsvRange *range, int refine,
                RomcvMarkerDetection *out, int max, float *mean_hue) {
    RomcvDiag diag = {0};
    if (romcv__cv_hsv_in_range(d->hsv, range, d->mask, &diag) < 0 ||
        romcv__cv_morphology(d->mask, ROMCV_CV_CLOSE, d->s.closing_radius, &diag) < 0) {
        return fail(d, &diag);
    }
    const float pi = 3.14159265f;
    int min_area = (int)ceilf(pi * d->s.min_radius_px * d->s.min_radius_px - 1e-3f);
    int max_area = (int)floorf(pi * d->s.max_radius_px * d->s.max_radius_px);
    int count = 0, total = 0;
    if (romcv__cv_blobs(d->mask, min_area < 1 ? 1 : min_area, max_area, d->blobs, MAX_REGIONS,
                        &count, &total, &diag) < 0) {
        return fail(d, &diag);
    }
    int n = 0;
    double hue_x = 0, hue_y = 0;
    for (int i = 0; i < count; i++) {
        const RomcvCvBlob *b = &d->blobs[i];
        float roundness = b->major > 0 ? b->minor / b->major : 0;
        if (roundness < d->s.min_roundness || b->circularity < d->s.min_circularity) {
            continue;
        }
        /* The colour at the centroid's pixel: how vivid the marker is. */
        int px = (int)b->x, py = (int)b->y;
        if (px >= d->hsv->width) {
            px = d->hsv->width - 1;
        }
        if (py >= d->hsv->height) {
            py = d->hsv->height - 1;
        }
        const uint8_t *hsv = d->hsv->data + (size_t)py * (size_t)d->hsv->stride + 3 * (size_t)px;
        float sat = hsv[1] / 255.0f;
        /* Hue as a unit vector, so a mean across red's 0/360 seam works. */
        double rad = hsv[0] * 2.0 * 3.14159265358979 / 180.0;
        hue_x += cos(rad);
        hue_y += sin(rad);
        if (n < max) {
            out[n].x = b->x;
            out[n].y = b->y;
            if (refine) {
                refine_centre(d, range, sqrtf(b->area / pi), roundness, &out[n].x, &out[n].y);
            }
            out[n].radius = sqrtf(b->area / pi);
            out[n].roundness = roundness;
            out[n].score = roundness * b->circularity * (sat > 1 ? 1 : sat);
            n++;
        }
    }
    if (mean_hue) {
        double deg = atan2(hue_y, hue_x) * 180.0 / 3.14159265358979;
        *mean_hue = (float)(deg < 0 ? deg + 360 : deg);
    }
    return n;
}

static int compare_score(const void *a, const void *b) {
    float x = ((const RomcvMarkerDetection *)a)->score;
    float y = ((const RomcvMarkerDetection *)b)->score;
    return (x < y) - (x > y);
}

static float wrap_deg(float h) {
    while (h < 0) {
        h += 360;
    }
    while (h >= 360) {
        h -= 360;
    }
    return h;
}

/* Auto mode, before the colour is locked: scans the twelve bands, gives
 * this frame's vote and sets the range this frame is searched in. */
/* Whether band k has won enough, with enough regions, to be searched. */
static int band_qualifies(const RomcvMarkerDetector *d, int k) {
    return d->votes[k] * 2 >= d->frames_scanned && d->regions[k] >= AUTO_MIN_REGIONS * d->votes[k];
}

static int auto_vote(RomcvMarkerDetector *d) {
    RomcvMarkerDetection *scratch = d->scratch;
    const int max = MAX_REGIONS;
    int best = -1, best_n = 0;
    float best_hue = 0;
    float best_score = 0;
    for (int k = 0; k < AUTO_BANDS; k++) {
        /* Skin is hue 0-50 deg, S 0.2-0.6 (Kolkur et al. 2017, "Human skin
         * detection using RGB, HSV and YCbCr color models"): on a real
         * recording (../shared's squat_side.mp4) skin and an orange wall won
         * the 15-45 deg band, so auto never takes it, and takes red (345-15)
         * only where it is more saturated than skin. */
        if (k == 1) {
            continue;
        }
        float lo = wrap_deg(k * 30.0f - 15), hi = wrap_deg(k * 30.0f + 15);
        RomcvCvHsvRange r = cv_range(lo, hi, k == 0 ? AUTO_RED_SAT : AUTO_SAT, 1, AUTO_VAL, 1);
        float hue = 0;
        int n = find(d, &r, 0, scratch, max, &hue);
        if (n < 0) {
            return n;
        }
        float score = 0;
        for (int i = 0; i < n; i++) {
            score += scratch[i].score;
        }
        /* Most marker-shaped regions; ties go to the more vivid band. */
        if (n > best_n || (n == best_n && n > 0 && score > best_score)) {
            best = k;
            best_n = n;
            best_score = score;
            best_hue = hue;
        }
    }
    d->frames_scanned++;
    if (best >= 0) {
        d->votes[best]++;
        d->regions[best] += best_n;
        float h = best_hue;
        /* Keep the band's hues on one side of the 0/360 seam for the mean. */
        if (best == 0 && h > 180) {
            h -= 360;
        }
        d->hue_sum[best] += h;
        d->hue_count[best]++;
        d->frames_voted++;
        int lead = best;
        for (int k = 0; k < AUTO_BANDS; k++) {
            if (d->votes[k] > d->votes[lead]) {
                lead = k;
            }
        }
        float mean = (float)(d->hue_sum[lead] / d->hue_count[lead]);
        d->auto_lo = wrap_deg(mean - AUTO_HALF_WIDTH_DEG);
        d->auto_hi = wrap_deg(mean + AUTO_HALF_WIDTH_DEG);
    }
    if (d->frames_scanned >= d->s.auto_frames) {
        int lead = 0;
        for (int k = 1; k < AUTO_BANDS; k++) {
            if (d->votes[k] > d->votes[lead]) {
                lead = k;
            }
        }
        d->locked = 1;
        d->none = !band_qualifies(d, lead);
        if (d->none) {
            d->auto_lo = d->auto_hi = NAN;
            romcv_log(&d->s.logger, ROMCV_LOG_WARNING, "markers",
                      "auto colour: no colour stood out as markers in the first %d frames (the "
                      "best won %d with %.1f round spots a frame); no markers are searched: "
                      "name their colour (--markers COLOUR) if there are some",
                      d->frames_scanned, d->votes[lead],
                      d->votes[lead] ? (double)d->regions[lead] / d->votes[lead] : 0.0);
        } else {
            romcv_log(&d->s.logger, ROMCV_LOG_INFO, "markers",
                      "auto colour: hue %.0f-%.0f deg (%d of %d frames voted for it)", d->auto_lo,
                      d->auto_hi, d->votes[lead], d->frames_scanned);
        }
    }
    return 0;
}

int romcv_marker_detector_detect(RomcvMarkerDetector *d, const RomcvFrame *frame,
                                 RomcvMarkerDetection *out, int max, int *count) {
    if (!d || !frame || !count || max < 0 || (max > 0 && !out) ||
        frame->format != ROMCV_PIX_RGB24) {
        return ROMCV_ERR(EINVAL);
    }
    *count = 0;
    RomcvDiag diag = {0};
    if (!d->hsv || d->hsv->width != frame->width || d->hsv->height != frame->height) {
        romcv_frame_unref(&d->hsv);
        romcv_frame_unref(&d->mask);
        int rc = romcv_frame_create(&d->hsv, frame->width, frame->height, ROMCV_PIX_RGB24);
        if (rc == 0) {
            rc = romcv_frame_create(&d->mask, frame->width, frame->height, ROMCV_PIX_GRAY8);
        }
        if (rc < 0) {
            snprintf(d->errmsg, sizeof d->errmsg, "markers: %dx%d buffers: %s", frame->width,
                     frame->height, romcv_strerror(rc));
            return rc;
        }
    }
    if (romcv__cv_rgb_to_hsv(frame, d->hsv, &diag) < 0) {
        return fail(d, &diag);
    }
    float lo = d->s.hue_lo, hi = d->s.hue_hi;
    float s_lo = d->s.sat_lo, s_hi = d->s.sat_hi, v_lo = d->s.val_lo, v_hi = d->s.val_hi;
    if (d->s.auto_colour) {
        if (!d->locked) {
            int rc = auto_vote(d);
            if (rc < 0) {
                return rc;
            }
        }
        if (d->none || d->frames_voted == 0) {
            return 0; /* no colour stands out (yet) */
        }
        if (!d->locked) {
            /* During the vote, the leading band only if it already looks
             * like markers. */
            int lead = 0;
            for (int k = 1; k < AUTO_BANDS; k++) {
                if (d->votes[k] > d->votes[lead]) {
                    lead = k;
                }
            }
            if (!band_qualifies(d, lead)) {
                return 0;
            }
        }
        lo = d->auto_lo;
        hi = d->auto_hi;
        s_lo = NAMED_SAT;
        s_hi = 1;
        v_lo = NAMED_VAL;
        v_hi = 1;
    }
    RomcvCvHsvRange r = cv_range(lo, hi, s_lo, s_hi, v_lo, v_hi);
    int n = find(d, &r, 1, out, max, NULL);
    if (n < 0) {
        return n;
    }
    qsort(out, (size_t)n, sizeof *out, compare_score);
    *count = n;
    return 0;
}
