/*
 * metrics/angles.c: every angle channel over a whole landmark series.
 *
 * Steps of romcv_metrics_compute():
 *  1. a working copy of the landmarks; mirrored video is reflected back and
 *     its left/right labels exchanged, so everything after is anatomical;
 *  2. left/right limb swaps repaired by continuity (swap.c);
 *  3. the view of each frame, detected (view.c) or forced;
 *  4. for each run of frames with one view, each channel's definition is
 *     turned into one kernel call (dsp.h: a reference direction or segment,
 *     a moving segment and a signed scale that carries the sign convention),
 *     then NaN frames get their reason code;
 *  5. per channel: Hampel outliers, gap filling, low-pass (filters.c);
 *  6. the neutral baseline and relative values (baseline.c).
 *
 * Sign conventions are derived, not tabulated per view: each angle is
 * "positive when the moving segment turns from the reference towards
 * direction P", where P is anatomical (forward, up, the person's left,
 * lateral) and is placed in the image from the view. The kernel's scale is
 * then +-180/pi with the sign of cross(reference, P).
 */
#include "metrics/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RAD_TO_DEG 57.29577951308232f

/* Point table: the 33 landmarks, two midpoints, then the markers. */
#define PT_MID_SHOULDER 33
#define PT_MID_HIP      34
#define PT_MARKER(k)    (35 + (k))
#define PT_COUNT        (35 + ROMCV_MARKER_COUNT)

typedef struct PointTable {
    const float *x[PT_COUNT];
    const float *y[PT_COUNT];
    const float *v[PT_COUNT];
} PointTable;

enum { PLAN_NONE, PLAN_DIR, PLAN_SEG, PLAN_SILHOUETTE };

typedef struct Plan {
    int kind;
    int pt[4];
    float ref_x, ref_y;
    float scale;
    uint8_t reason; /* PLAN_NONE: why */
    int estimate;
} Plan;

typedef struct Context {
    RomcvFrameAxes axes;
    float rest_left, rest_right; /* hip rotation: +1 shank hangs down, -1 points up */
    int have_marker[ROMCV_MARKER_COUNT];
    int have_contours;
} Context;

/* ------------------------------------------------------------ settings */

void romcv_metrics_default_settings(RomcvMetricsSettings *s) {
    memset(s, 0, sizeof *s);
    s->min_visibility = 0.5f;
    s->min_segment_px = 20.0f;
    s->view = ROMCV_VIEW_UNKNOWN;
    s->down_x = 0.0f;
    s->down_y = 1.0f;
    s->hip_rotation_position = ROMCV_HIP_ROTATION_AUTO;
    s->repair_swaps = 1;
    s->hampel_half_window_s = 0.15;
    s->hampel_n_sigmas = 3.0;
    s->max_gap_s = 0.2;
    s->filter = ROMCV_FILTER_BUTTERWORTH;
    s->cutoff_hz = 6.0;
    s->one_euro_min_cutoff_hz = 1.0;
    s->one_euro_beta = 0.05;
    s->one_euro_d_cutoff_hz = 1.0;
    s->baseline_start_s = 0.0;
    s->baseline_end_s = 0.0;
    s->baseline_duration_s = 1.0;
    s->baseline_search_s = 10.0;
    s->quiet_range_deg = 4.0;
    s->cpu_mask = ROMCV_CPU_ALL;
    s->logger.max_level = ROMCV_LOG_QUIET;
}

void romcv__axes_from_settings(RomcvFrameAxes *axes, const RomcvMetricsSettings *s) {
    float dx = s->down_x, dy = s->down_y;
    /* Mirrored video: the calibration was made on the delivered (mirrored)
     * image, so its direction is reflected with the landmarks. */
    if (s->mirrored)
        dx = -dx;
    float len = hypotf(dx, dy);
    if (!(len > 0.0f) || !isfinite(len)) {
        dx = 0.0f, dy = 1.0f, len = 1.0f;
    }
    axes->down_x = dx / len;
    axes->down_y = dy / len;
    /* Image "right" is down turned 90 deg counter-clockwise on screen (y down):
     * (0, 1) -> (1, 0). */
    axes->right_x = axes->down_y;
    axes->right_y = -axes->down_x;
}

static int check_settings(const RomcvMetricsSettings *s, RomcvDiag *diag) {
#define REQUIRE(cond, what)                                                               \
    do {                                                                                  \
        if (!(cond))                                                                      \
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "metrics settings: %s", what); \
    } while (0)
    REQUIRE(s->min_visibility >= 0.0f && s->min_visibility <= 1.0f, "min_visibility not in 0..1");
    REQUIRE(s->min_segment_px >= 0.0f && isfinite(s->min_segment_px), "min_segment_px < 0");
    REQUIRE(s->view >= ROMCV_VIEW_UNKNOWN && s->view <= ROMCV_VIEW_RIGHT_SIDE, "unknown view");
    REQUIRE(isfinite(s->down_x) && isfinite(s->down_y) && hypotf(s->down_x, s->down_y) > 1e-6f,
            "the vertical (down_x, down_y) is not a direction");
    REQUIRE(s->hip_rotation_position >= ROMCV_HIP_ROTATION_AUTO &&
                s->hip_rotation_position <= ROMCV_HIP_ROTATION_PRONE,
            "unknown hip rotation position");
    REQUIRE(s->hampel_half_window_s >= 0.0 && s->hampel_n_sigmas > 0.0, "Hampel window or sigmas");
    REQUIRE(s->max_gap_s >= 0.0, "max_gap_s < 0");
    REQUIRE(s->filter >= ROMCV_FILTER_NONE && s->filter <= ROMCV_FILTER_ONE_EURO, "filter mode");
    REQUIRE(s->cutoff_hz > 0.0 && isfinite(s->cutoff_hz), "cutoff_hz must be > 0");
    REQUIRE(s->one_euro_min_cutoff_hz > 0.0 && s->one_euro_beta >= 0.0 &&
                s->one_euro_d_cutoff_hz > 0.0,
            "one-euro parameters");
    REQUIRE(s->baseline_duration_s > 0.0 && s->baseline_search_s >= 0.0 &&
                s->quiet_range_deg >= 0.0,
            "baseline settings");
#undef REQUIRE
    return 0;
}

/* ------------------------------------------------------------- context */

int romcv_metrics_create(RomcvMetrics **out, const RomcvMetricsSettings *s, RomcvDiag *diag) {
    if (!out)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "metrics: NULL output");
    *out = NULL;
    RomcvMetricsSettings defaults;
    if (!s) {
        romcv_metrics_default_settings(&defaults);
        s = &defaults;
    }
    int rc = check_settings(s, diag);
    if (rc < 0)
        return rc;
    RomcvMetrics *m = calloc(1, sizeof *m);
    if (!m)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "metrics: out of memory");
    m->settings = *s;
    romcv__angle_dsp_init(&m->dsp, romcv__cpu_detect() & s->cpu_mask);
    romcv_log(&m->settings.logger, ROMCV_LOG_VERBOSE, "metrics", "angle kernels: %s", m->dsp.level);
    *out = m;
    return 0;
}

void romcv_metrics_destroy(RomcvMetrics **metrics) {
    if (!metrics || !*metrics)
        return;
    free(*metrics);
    *metrics = NULL;
}

const char *romcv_metrics_errmsg(const RomcvMetrics *metrics) {
    return metrics ? metrics->diag.message : "";
}

const char *romcv_metrics_simd_name(const RomcvMetrics *metrics) {
    return metrics ? metrics->dsp.level : "c";
}

void romcv_angle_results_destroy(RomcvAngleResults **results) {
    if (!results || !*results)
        return;
    RomcvAngleResults *r = *results;
    free(r->time_s);
    free(r->view);
    free(r->swapped);
    for (int c = 0; c < ROMCV_ANGLE_COUNT; c++) {
        free(r->channel[c].value_deg);
        free(r->channel[c].relative_deg);
        free(r->channel[c].reason);
    }
    free(r);
    *results = NULL;
}

static RomcvAngleResults *results_alloc(size_t n) {
    RomcvAngleResults *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    size_t k = n ? n : 1;
    r->n = n;
    r->time_s = malloc(k * sizeof *r->time_s);
    r->view = calloc(k, 1);
    r->swapped = calloc(k, 1);
    int ok = r->time_s && r->view && r->swapped;
    for (int c = 0; c < ROMCV_ANGLE_COUNT; c++) {
        r->channel[c].value_deg = malloc(k * sizeof(float));
        r->channel[c].relative_deg = malloc(k * sizeof(float));
        r->channel[c].reason = calloc(k, 1);
        ok = ok && r->channel[c].value_deg && r->channel[c].relative_deg && r->channel[c].reason;
        r->channel[c].baseline_deg = NAN;
    }
    r->baseline_start_s = r->baseline_end_s = NAN;
    if (!ok)
        romcv_angle_results_destroy(&r);
    return r;
}

/* --------------------------------------------------------------- plans */

static float cross2(float ax, float ay, float bx, float by) {
    return ax * by - ay * bx;
}

/* The scale that makes "turning from r towards p" positive, in degrees. */
static float towards(float rx, float ry, float px, float py, float factor) {
    return (cross2(rx, ry, px, py) > 0.0f ? 1.0f : -1.0f) * factor * RAD_TO_DEG;
}

static Plan plan_none(uint8_t reason) {
    Plan p = {.kind = PLAN_NONE, .reason = reason};
    return p;
}

static Plan plan_dir(int a, int b, float rx, float ry, float scale) {
    Plan p = {.kind = PLAN_DIR, .pt = {a, b, a, b}, .ref_x = rx, .ref_y = ry, .scale = scale};
    return p;
}

static Plan plan_seg(int a, int b, int c, int d, float scale) {
    Plan p = {.kind = PLAN_SEG, .pt = {a, b, c, d}, .scale = scale};
    return p;
}

static int have_pair(const Context *cx, RomcvMarker a, RomcvMarker b) {
    return cx->have_marker[a] && cx->have_marker[b];
}

static Plan plan_for(RomcvAngleId id, RomcvView view, const Context *cx) {
    const RomcvFrameAxes *ax = &cx->axes;
    const float dx = ax->down_x, dy = ax->down_y, ux = -dx, uy = -dy;
    const int frontal = view == ROMCV_VIEW_FRONT || view == ROMCV_VIEW_BACK;
    const int side = view == ROMCV_VIEW_LEFT_SIDE || view == ROMCV_VIEW_RIGHT_SIDE;
    /* The person's left (frontal views) and forward (side views), in the image. */
    const float lsign = view == ROMCV_VIEW_FRONT ? 1.0f : -1.0f;
    const float lx = lsign * ax->right_x, ly = lsign * ax->right_y;
    const float fsign = view == ROMCV_VIEW_RIGHT_SIDE ? 1.0f : -1.0f;
    const float fx = fsign * ax->right_x, fy = fsign * ax->right_y;
    /* The side nearer the camera in a side view. */
    const int near_right = view == ROMCV_VIEW_RIGHT_SIDE;
    const RomcvAngleInfo *info = romcv_angle_info(id);
    if (info->plane == ROMCV_PLANE_FRONTAL && !frontal)
        return plan_none(ROMCV_REASON_WRONG_VIEW);
    if (info->plane == ROMCV_PLANE_SAGITTAL && !side)
        return plan_none(ROMCV_REASON_WRONG_VIEW);

    switch (id) {
    case ROMCV_ANGLE_HIP_ROTATION_LEFT: {
        /* clinical.md: IR = the foot moves laterally; for the left leg lateral
         * is the person's left. */
        float rx = cx->rest_left * dx, ry = cx->rest_left * dy;
        return plan_dir(ROMCV_LM_LEFT_KNEE, ROMCV_LM_LEFT_ANKLE, rx, ry,
                        towards(rx, ry, lx, ly, 1.0f));
    }
    case ROMCV_ANGLE_HIP_ROTATION_RIGHT: {
        float rx = cx->rest_right * dx, ry = cx->rest_right * dy;
        return plan_dir(ROMCV_LM_RIGHT_KNEE, ROMCV_LM_RIGHT_ANKLE, rx, ry,
                        towards(rx, ry, -lx, -ly, 1.0f));
    }
    case ROMCV_ANGLE_PELVIC_OBLIQUITY: {
        /* Markers facing the camera first: ASIS from the front, PSIS from behind. */
        RomcvMarker l = ROMCV_MARKER_ASIS_LEFT, r = ROMCV_MARKER_ASIS_RIGHT;
        RomcvMarker l2 = ROMCV_MARKER_PSIS_LEFT, r2 = ROMCV_MARKER_PSIS_RIGHT;
        if (view == ROMCV_VIEW_BACK) {
            l = ROMCV_MARKER_PSIS_LEFT, r = ROMCV_MARKER_PSIS_RIGHT;
            l2 = ROMCV_MARKER_ASIS_LEFT, r2 = ROMCV_MARKER_ASIS_RIGHT;
        }
        const float scale = towards(lx, ly, ux, uy, 1.0f);
        if (have_pair(cx, l, r))
            return plan_dir(PT_MARKER(r), PT_MARKER(l), lx, ly, scale);
        if (have_pair(cx, l2, r2))
            return plan_dir(PT_MARKER(r2), PT_MARKER(l2), lx, ly, scale);
        Plan p = plan_dir(ROMCV_LM_RIGHT_HIP, ROMCV_LM_LEFT_HIP, lx, ly, scale);
        p.estimate = 1; /* phantom-facts.md: hip points follow a drop at half scale */
        return p;
    }
    case ROMCV_ANGLE_PELVIC_TILT: {
        /* clinical.md: ASIS-PSIS line from the horizontal, anterior (ASIS
         * lower) positive. */
        const float scale = towards(fx, fy, dx, dy, 1.0f);
        RomcvMarker a = near_right ? ROMCV_MARKER_ASIS_RIGHT : ROMCV_MARKER_ASIS_LEFT;
        RomcvMarker p = near_right ? ROMCV_MARKER_PSIS_RIGHT : ROMCV_MARKER_PSIS_LEFT;
        RomcvMarker a2 = near_right ? ROMCV_MARKER_ASIS_LEFT : ROMCV_MARKER_ASIS_RIGHT;
        RomcvMarker p2 = near_right ? ROMCV_MARKER_PSIS_LEFT : ROMCV_MARKER_PSIS_RIGHT;
        if (have_pair(cx, a, p))
            return plan_dir(PT_MARKER(p), PT_MARKER(a), fx, fy, scale);
        if (have_pair(cx, a2, p2))
            return plan_dir(PT_MARKER(p2), PT_MARKER(a2), fx, fy, scale);
        if (cx->have_contours) {
            Plan s = {.kind = PLAN_SILHOUETTE, .estimate = 1};
            return s;
        }
        return plan_none(ROMCV_REASON_NO_SOURCE);
    }
    case ROMCV_ANGLE_LUMBAR_LORDOSIS:
        /* The circle through T12, L3, S1 turns by twice the angle between the
         * chords T12-L3 and L3-S1 (inscribed angle theorem), so the angle
         * between its end tangents is 2x the chord angle. Lordosis: L3 lies
         * forward of the T12-S1 line, the chords turn backwards going down. */
        if (cx->have_marker[ROMCV_MARKER_T12] && cx->have_marker[ROMCV_MARKER_L3] &&
            cx->have_marker[ROMCV_MARKER_S1])
            return plan_seg(PT_MARKER(ROMCV_MARKER_T12), PT_MARKER(ROMCV_MARKER_L3),
                            PT_MARKER(ROMCV_MARKER_L3), PT_MARKER(ROMCV_MARKER_S1),
                            towards(dx, dy, -fx, -fy, 2.0f));
        if (cx->have_contours) {
            Plan s = {.kind = PLAN_SILHOUETTE, .estimate = 1};
            return s;
        }
        return plan_none(ROMCV_REASON_NO_SOURCE);
    case ROMCV_ANGLE_HIP_FLEXION_LEFT:
        return plan_seg(ROMCV_LM_LEFT_SHOULDER, ROMCV_LM_LEFT_HIP, ROMCV_LM_LEFT_HIP,
                        ROMCV_LM_LEFT_KNEE, towards(dx, dy, fx, fy, 1.0f));
    case ROMCV_ANGLE_HIP_FLEXION_RIGHT:
        return plan_seg(ROMCV_LM_RIGHT_SHOULDER, ROMCV_LM_RIGHT_HIP, ROMCV_LM_RIGHT_HIP,
                        ROMCV_LM_RIGHT_KNEE, towards(dx, dy, fx, fy, 1.0f));
    case ROMCV_ANGLE_THIGH_VERTICAL_LEFT:
        return plan_dir(ROMCV_LM_LEFT_HIP, ROMCV_LM_LEFT_KNEE, dx, dy, towards(dx, dy, fx, fy, 1));
    case ROMCV_ANGLE_THIGH_VERTICAL_RIGHT:
        return plan_dir(ROMCV_LM_RIGHT_HIP, ROMCV_LM_RIGHT_KNEE, dx, dy,
                        towards(dx, dy, fx, fy, 1));
    case ROMCV_ANGLE_KNEE_FLEXION_LEFT:
        /* Flexion: the shank turns backwards from the thigh line. */
        return plan_seg(ROMCV_LM_LEFT_HIP, ROMCV_LM_LEFT_KNEE, ROMCV_LM_LEFT_KNEE,
                        ROMCV_LM_LEFT_ANKLE, towards(dx, dy, -fx, -fy, 1.0f));
    case ROMCV_ANGLE_KNEE_FLEXION_RIGHT:
        return plan_seg(ROMCV_LM_RIGHT_HIP, ROMCV_LM_RIGHT_KNEE, ROMCV_LM_RIGHT_KNEE,
                        ROMCV_LM_RIGHT_ANKLE, towards(dx, dy, -fx, -fy, 1.0f));
    case ROMCV_ANGLE_TRUNK_INCLINATION:
        /* Near side: the far shoulder and hip are often hidden from the side. */
        return plan_dir(near_right ? ROMCV_LM_RIGHT_HIP : ROMCV_LM_LEFT_HIP,
                        near_right ? ROMCV_LM_RIGHT_SHOULDER : ROMCV_LM_LEFT_SHOULDER, ux, uy,
                        towards(ux, uy, fx, fy, 1.0f));
    case ROMCV_ANGLE_TRUNK_LATERAL_LEAN:
        return plan_dir(PT_MID_HIP, PT_MID_SHOULDER, ux, uy, towards(ux, uy, lx, ly, 1.0f));
    case ROMCV_ANGLE_KNEE_FPPA_LEFT:
        /* Valgus: the knee moves medially, so the shank turns laterally from
         * the thigh line. */
        return plan_seg(ROMCV_LM_LEFT_HIP, ROMCV_LM_LEFT_KNEE, ROMCV_LM_LEFT_KNEE,
                        ROMCV_LM_LEFT_ANKLE, towards(dx, dy, lx, ly, 1.0f));
    case ROMCV_ANGLE_KNEE_FPPA_RIGHT:
        return plan_seg(ROMCV_LM_RIGHT_HIP, ROMCV_LM_RIGHT_KNEE, ROMCV_LM_RIGHT_KNEE,
                        ROMCV_LM_RIGHT_ANKLE, towards(dx, dy, -lx, -ly, 1.0f));
    case ROMCV_ANGLE_COUNT:
        break;
    }
    return plan_none(ROMCV_REASON_NO_SOURCE);
}

/* The method a plan measures with: the silhouette, markers when it reads a
 * marker point, else the landmarks. */
static RomcvAngleMethod plan_method(const Plan *p) {
    if (p->kind == PLAN_SILHOUETTE)
        return ROMCV_METHOD_SILHOUETTE;
    for (int k = 0; k < 4; k++)
        if (p->pt[k] >= PT_MARKER(0))
            return ROMCV_METHOD_MARKERS;
    return ROMCV_METHOD_LANDMARKS;
}

/* ------------------------------------------------------------ running */

static uint8_t reason_of(const PointTable *pt, const Plan *p, size_t i, float min_vis) {
    const int count = p->kind == PLAN_DIR ? 2 : 4;
    for (int k = 0; k < count; k++)
        if (!isfinite(pt->x[p->pt[k]][i]) || !isfinite(pt->y[p->pt[k]][i]))
            return ROMCV_REASON_MISSING;
    for (int k = 0; k < count; k++)
        if (!(pt->v[p->pt[k]][i] >= min_vis))
            return ROMCV_REASON_LOW_VISIBILITY;
    return ROMCV_REASON_SHORT_SEGMENT;
}

static int torso_missing(const PointTable *pt, size_t i) {
    return !isfinite(pt->x[PT_MID_SHOULDER][i]) || !isfinite(pt->x[PT_MID_HIP][i]);
}

static void run_plan(const RomcvMetrics *m, const PointTable *pt, const Plan *p,
                     const RomcvContourSeries *contours, const Context *cx, RomcvAngleId id,
                     RomcvView view, size_t a, size_t b, RomcvAngleChannel *ch) {
    const RomcvMetricsSettings *s = &m->settings;
    float *out = ch->value_deg + a;
    if (p->kind == PLAN_NONE) {
        for (size_t i = a; i < b; i++) {
            ch->value_deg[i] = NAN;
            ch->reason[i] = (view == ROMCV_VIEW_UNKNOWN && torso_missing(pt, i))
                                ? ROMCV_REASON_MISSING
                                : p->reason;
        }
        return;
    }
    if (p->kind == PLAN_SILHOUETTE) {
        const int near_right = view == ROMCV_VIEW_RIGHT_SIDE;
        const int hip = near_right ? ROMCV_LM_RIGHT_HIP : ROMCV_LM_LEFT_HIP;
        const int sh = near_right ? ROMCV_LM_RIGHT_SHOULDER : ROMCV_LM_LEFT_SHOULDER;
        for (size_t i = a; i < b; i++) {
            float lordosis, tilt;
            int n_pts = contours->count ? contours->count[i] : 0;
            if (!(pt->v[hip][i] >= s->min_visibility && pt->v[sh][i] >= s->min_visibility)) {
                ch->value_deg[i] = NAN;
                ch->reason[i] = ROMCV_REASON_LOW_VISIBILITY;
                continue;
            }
            romcv__silhouette_frame(n_pts > 0 ? contours->x[i] : NULL,
                                    n_pts > 0 ? contours->y[i] : NULL, n_pts, pt->x[hip][i],
                                    pt->y[hip][i], pt->x[sh][i], pt->y[sh][i], &cx->axes,
                                    near_right ? 1.0f : -1.0f, &lordosis, &tilt);
            float v = id == ROMCV_ANGLE_LUMBAR_LORDOSIS ? lordosis : tilt;
            ch->value_deg[i] = v;
            ch->reason[i] = isfinite(v) ? ROMCV_REASON_OK : ROMCV_REASON_MISSING;
        }
        return;
    }
    RomcvAnglePoints pts;
    for (int k = 0; k < 4; k++) {
        pts.x[k] = pt->x[p->pt[k]] + a;
        pts.y[k] = pt->y[p->pt[k]] + a;
        pts.vis[k] = pt->v[p->pt[k]] + a;
    }
    RomcvAngleParams params = {.ref_x = p->ref_x,
                               .ref_y = p->ref_y,
                               .scale = p->scale,
                               .min_len2 = s->min_segment_px * s->min_segment_px,
                               .min_vis = s->min_visibility};
    if (p->kind == PLAN_DIR)
        m->dsp.angle_dir(out, &pts, b - a, &params);
    else
        m->dsp.angle_seg(out, &pts, b - a, &params);
    for (size_t i = a; i < b; i++)
        ch->reason[i] =
            isfinite(ch->value_deg[i]) ? ROMCV_REASON_OK : reason_of(pt, p, i, s->min_visibility);
}

/* Hampel, gap filling and the low-pass, in that order, on one channel. */
static int postprocess(const RomcvMetricsSettings *s, const double *t, size_t n,
                       RomcvAngleChannel *ch, uint8_t *scratch) {
    if (s->hampel_half_window_s > 0.0) {
        memset(scratch, 0, n);
        long rc = romcv_filter_hampel(t, ch->value_deg, n, s->hampel_half_window_s,
                                      s->hampel_n_sigmas, scratch);
        if (rc < 0)
            return (int)rc;
        for (size_t i = 0; i < n; i++)
            if (scratch[i])
                ch->reason[i] = ROMCV_REASON_OUTLIER;
    }
    if (s->max_gap_s > 0.0) {
        /* Only frames that lost their value to a missing landmark or an outlier
         * are filled: a low-visibility or wrong-view frame is never guessed. */
        for (size_t i = 0; i < n; i++)
            scratch[i] =
                ch->reason[i] == ROMCV_REASON_MISSING || ch->reason[i] == ROMCV_REASON_OUTLIER;
        uint8_t *filled = scratch + n;
        memset(filled, 0, n);
        long rc = romcv_filter_fill_gaps(t, ch->value_deg, n, s->max_gap_s, scratch, filled);
        if (rc < 0)
            return (int)rc;
        for (size_t i = 0; i < n; i++)
            if (filled[i])
                ch->reason[i] = ROMCV_REASON_INTERPOLATED;
    }
    if (s->filter == ROMCV_FILTER_BUTTERWORTH) {
        int rc = romcv_filter_butterworth(t, ch->value_deg, n, s->cutoff_hz);
        if (rc < 0)
            return rc;
    } else if (s->filter == ROMCV_FILTER_ONE_EURO) {
        RomcvOneEuro f;
        romcv_one_euro_init(&f, s->one_euro_min_cutoff_hz, s->one_euro_beta,
                            s->one_euro_d_cutoff_hz);
        for (size_t i = 0; i < n; i++)
            ch->value_deg[i] = (float)romcv_one_euro_step(&f, t[i], ch->value_deg[i]);
    }
    ch->valid = 0;
    for (size_t i = 0; i < n; i++)
        ch->valid += isfinite(ch->value_deg[i]) != 0;
    return 0;
}

static float rest_direction(const RomcvWorkSeries *w, int knee, int ankle,
                            const RomcvFrameAxes *axes, RomcvHipRotationPosition pos) {
    if (pos == ROMCV_HIP_ROTATION_SEATED)
        return 1.0f;
    if (pos == ROMCV_HIP_ROTATION_PRONE)
        return -1.0f;
    /* AUTO: the sign of the median shank component along down. */
    float *d = malloc((w->n ? w->n : 1) * sizeof *d);
    if (!d)
        return 1.0f;
    size_t count = 0;
    for (size_t i = 0; i < w->n; i++) {
        float v = (w->x[ankle][i] - w->x[knee][i]) * axes->down_x +
                  (w->y[ankle][i] - w->y[knee][i]) * axes->down_y;
        if (isfinite(v))
            d[count++] = v;
    }
    float med = romcv__median(d, count);
    free(d);
    return med < 0.0f ? -1.0f : 1.0f;
}

static int compare_floats(const void *pa, const void *pb) {
    const float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

/* A frontal-plane knee angle (FPPA) needs the thigh roughly in the image
 * plane: a thigh pointing at the camera (a deep squat filmed from the front)
 * projects short and its direction means nothing, so the "valgus" it gives
 * can reach 80 deg. Frames whose projected thigh is shorter than half its
 * length (the larger of its 95th percentile in the clip and the frame's
 * shank), i.e. more than 60 deg out of the image plane, are not measured
 * (reason short_segment). */
static int reject_foreshortened_thighs(const RomcvWorkSeries *w, RomcvAngleResults *r) {
    const size_t n = w->n;
    float *len = malloc((n ? n : 1) * sizeof *len);
    float *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!len || !sorted) {
        free(len);
        free(sorted);
        return ROMCV_ERR(ENOMEM);
    }
    for (int side = 0; side < 2; side++) {
        const int hip = side ? ROMCV_LM_RIGHT_HIP : ROMCV_LM_LEFT_HIP;
        const int knee = side ? ROMCV_LM_RIGHT_KNEE : ROMCV_LM_LEFT_KNEE;
        const int ankle = side ? ROMCV_LM_RIGHT_ANKLE : ROMCV_LM_LEFT_ANKLE;
        RomcvAngleChannel *ch =
            &r->channel[side ? ROMCV_ANGLE_KNEE_FPPA_RIGHT : ROMCV_ANGLE_KNEE_FPPA_LEFT];
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            len[i] = hypotf(w->x[knee][i] - w->x[hip][i], w->y[knee][i] - w->y[hip][i]);
            if (isfinite(len[i]))
                sorted[m++] = len[i];
        }
        if (m == 0)
            continue;
        size_t k = (size_t)(0.95 * (double)(m - 1));
        /* A partial selection would do; a sort keeps it obviously right. */
        qsort(sorted, m, sizeof *sorted, compare_floats);
        const float full = sorted[k];
        for (size_t i = 0; i < n; i++) {
            /* The shank, about as long as the thigh, is the reference when
             * the thigh is end-on all clip long (sitting). */
            float shank = hypotf(w->x[ankle][i] - w->x[knee][i], w->y[ankle][i] - w->y[knee][i]);
            float reference = isfinite(shank) && shank > full ? shank : full;
            if (isfinite(ch->value_deg[i]) && !(len[i] >= 0.5f * reference)) {
                ch->value_deg[i] = NAN;
                ch->reason[i] = ROMCV_REASON_SHORT_SEGMENT;
            }
        }
    }
    /* Both knees swinging the same way in the image is the body turning
     * relative to the camera, not valgus: with the thighs forward (a squat)
     * a turn of theta swings both projected thighs sideways by up to theta.
     * Valgus of one knee reads positive on that side only and valgus of both
     * positive on both, so the common part (R - L) / 2 (positive when both
     * knees swing toward the person's left) isolates the turn. Above 15 deg
     * neither knee is measured (reason wrong_view). */
    RomcvAngleChannel *left = &r->channel[ROMCV_ANGLE_KNEE_FPPA_LEFT];
    RomcvAngleChannel *right = &r->channel[ROMCV_ANGLE_KNEE_FPPA_RIGHT];
    for (size_t i = 0; i < n; i++) {
        float common = 0.5f * (right->value_deg[i] - left->value_deg[i]);
        if (isfinite(common) && fabsf(common) > 15.0f) {
            left->value_deg[i] = right->value_deg[i] = NAN;
            left->reason[i] = right->reason[i] = ROMCV_REASON_WRONG_VIEW;
        }
    }
    free(len);
    free(sorted);
    return 0;
}

static int fail(RomcvMetrics *m, int code, const char *what) {
    return romcv_diag_set(&m->diag, code, "metrics: %s", what);
}

int romcv_metrics_compute(RomcvMetrics *m, const RomcvLandmarkSeries *lm,
                          const RomcvMarkerSeries *markers, const RomcvContourSeries *contours,
                          RomcvAngleResults **out) {
    if (!m || !out)
        return ROMCV_ERR(EINVAL);
    *out = NULL;
    romcv_diag_clear(&m->diag);
    if (!lm)
        return fail(m, ROMCV_ERR(EINVAL), "no landmark series");
    const RomcvMetricsSettings *s = &m->settings;
    const size_t n = lm->n;
    if (n > 0 && !lm->time_s)
        return fail(m, ROMCV_ERR(EINVAL), "no timestamps");
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS && n > 0; k++)
        if (!lm->x[k] || !lm->y[k])
            return romcv_diag_set(&m->diag, ROMCV_ERR(EINVAL), "metrics: landmark %d has no x/y",
                                  k);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(lm->time_s[i]) || (i > 0 && !(lm->time_s[i] > lm->time_s[i - 1])))
            return romcv_diag_set(&m->diag, ROMCV_ERR(EINVAL),
                                  "metrics: timestamps not increasing at frame %zu", i);
    if (contours && (!contours->count || !contours->x || !contours->y))
        return fail(m, ROMCV_ERR(EINVAL), "contour series without arrays");

    RomcvAngleResults *r = results_alloc(n);
    /* One aligned block: 33 x (x, y, vis), 2 midpoints x (x, y, vis), ones. */
    const size_t stride = (n + 15) & ~(size_t)15;
    const size_t arrays = 3 * ROMCV_METRICS_LANDMARKS + 6 + 1;
    float *block = n ? romcv_malloc_aligned(arrays * stride * sizeof(float)) : NULL;
    uint8_t *scratch = malloc(2 * (n ? n : 1));
    if (!r || (n && !block) || !scratch) {
        romcv_angle_results_destroy(&r);
        romcv_free_aligned(block);
        free(scratch);
        return fail(m, ROMCV_ERR(ENOMEM), "out of memory");
    }
    if (n)
        memcpy(r->time_s, lm->time_s, n * sizeof *r->time_s);

    /* 1. Working copy, mirrored back to the real scene if needed. */
    RomcvWorkSeries w = {.n = n, .time_s = lm->time_s};
    float *ones = block + (arrays - 1) * stride;
    for (size_t i = 0; i < n; i++)
        ones[i] = 1.0f;
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS && n; k++) {
        int src = s->mirrored ? romcv__landmark_mirror(k) : k;
        w.x[k] = block + (size_t)(3 * k) * stride;
        w.y[k] = block + (size_t)(3 * k + 1) * stride;
        w.vis[k] = block + (size_t)(3 * k + 2) * stride;
        for (size_t i = 0; i < n; i++)
            w.x[k][i] = s->mirrored ? (float)s->image_width - lm->x[src][i] : lm->x[src][i];
        memcpy(w.y[k], lm->y[src], n * sizeof(float));
        if (lm->visibility[src])
            memcpy(w.vis[k], lm->visibility[src], n * sizeof(float));
        else
            memcpy(w.vis[k], ones, n * sizeof(float));
    }

    /* 2. Swaps. */
    if (s->repair_swaps && n) {
        size_t swapped = romcv__repair_swaps(&w, r->swapped);
        if (swapped)
            romcv_log(&s->logger, ROMCV_LOG_INFO, "metrics", "repaired %zu left/right limb swaps",
                      swapped);
    }

    /* 3. Views. */
    Context cx = {0};
    romcv__axes_from_settings(&cx.axes, s);
    if (s->view != ROMCV_VIEW_UNKNOWN)
        memset(r->view, s->view, n);
    else if (n)
        romcv__detect_views(&w, &cx.axes, s->min_segment_px, r->view);

    /* 4. The point table and the channels, run by run. */
    PointTable pt = {0};
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS && n; k++) {
        pt.x[k] = w.x[k];
        pt.y[k] = w.y[k];
        pt.v[k] = w.vis[k];
    }
    for (int mid = 0; mid < 2 && n; mid++) {
        const int a = mid ? ROMCV_LM_LEFT_HIP : ROMCV_LM_LEFT_SHOULDER, b = a + 1;
        float *mx = block + (size_t)(3 * ROMCV_METRICS_LANDMARKS + 3 * mid) * stride;
        float *my = mx + stride, *mv = my + stride;
        for (size_t i = 0; i < n; i++) {
            mx[i] = 0.5f * (w.x[a][i] + w.x[b][i]);
            my[i] = 0.5f * (w.y[a][i] + w.y[b][i]);
            mv[i] = fminf(w.vis[a][i], w.vis[b][i]);
        }
        pt.x[PT_MID_SHOULDER + mid] = mx;
        pt.y[PT_MID_SHOULDER + mid] = my;
        pt.v[PT_MID_SHOULDER + mid] = mv;
    }
    /* Mirrored markers: reflect into a copy as for the landmarks. Markers
     * are rare and small, so they are copied only when mirrored. */
    float *marker_copy = NULL;
    if (markers && n) {
        if (s->mirrored) {
            marker_copy = malloc((size_t)ROMCV_MARKER_COUNT * n * sizeof(float));
            if (!marker_copy) {
                romcv_angle_results_destroy(&r);
                romcv_free_aligned(block);
                free(scratch);
                return fail(m, ROMCV_ERR(ENOMEM), "out of memory");
            }
        }
        for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
            /* Mirroring swaps the labels of the paired markers (pelvic and
             * limb; k ^ 1 alone would pair trochanter_left with S1). */
            int src = s->mirrored ? romcv_marker_mirror(k) : k;
            if (!markers->x[src] || !markers->y[src])
                continue;
            cx.have_marker[k] = 1;
            const float *xs = markers->x[src];
            if (marker_copy) {
                float *dst = marker_copy + (size_t)k * n;
                for (size_t i = 0; i < n; i++)
                    dst[i] = (float)s->image_width - xs[i];
                xs = dst;
            }
            pt.x[PT_MARKER(k)] = xs;
            pt.y[PT_MARKER(k)] = markers->y[src];
            pt.v[PT_MARKER(k)] = markers->visibility[src] ? markers->visibility[src] : ones;
        }
    }
    cx.have_contours = contours != NULL;
    if (n) {
        cx.rest_left = rest_direction(&w, ROMCV_LM_LEFT_KNEE, ROMCV_LM_LEFT_ANKLE, &cx.axes,
                                      s->hip_rotation_position);
        cx.rest_right = rest_direction(&w, ROMCV_LM_RIGHT_KNEE, ROMCV_LM_RIGHT_ANKLE, &cx.axes,
                                       s->hip_rotation_position);
    }
    /* Frames per channel and method, for RomcvAngleChannel.method. */
    size_t method_frames[ROMCV_ANGLE_COUNT][3] = {{0}};
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && r->view[b] == r->view[a])
            b++;
        for (int c = 0; c < ROMCV_ANGLE_COUNT; c++) {
            Plan p = plan_for((RomcvAngleId)c, (RomcvView)r->view[a], &cx);
            r->channel[c].is_estimate |= p.estimate;
            if (p.kind != PLAN_NONE)
                method_frames[c][plan_method(&p)] += b - a;
            run_plan(m, &pt, &p, contours, &cx, (RomcvAngleId)c, (RomcvView)r->view[a], a, b,
                     &r->channel[c]);
        }
        a = b;
    }
    for (int c = 0; c < ROMCV_ANGLE_COUNT; c++) {
        RomcvAngleMethod best = ROMCV_METHOD_LANDMARKS;
        for (int k = ROMCV_METHOD_MARKERS; k <= ROMCV_METHOD_SILHOUETTE; k++)
            if (method_frames[c][k] > method_frames[c][best])
                best = (RomcvAngleMethod)k;
        r->channel[c].method = best;
    }
    free(marker_copy);
    int foreshortened_rc = n ? reject_foreshortened_thighs(&w, r) : 0;
    romcv_free_aligned(block);
    if (foreshortened_rc < 0) {
        free(scratch);
        romcv_angle_results_destroy(&r);
        return fail(m, foreshortened_rc, "out of memory");
    }

    /* 5. Time series. */
    for (int c = 0; c < ROMCV_ANGLE_COUNT; c++) {
        int rc = postprocess(s, r->time_s, n, &r->channel[c], scratch);
        if (rc < 0) {
            free(scratch);
            romcv_angle_results_destroy(&r);
            return fail(m, rc, "out of memory while filtering");
        }
    }
    free(scratch);

    /* 6. Baseline; not finding a quiet stretch is not an error. */
    int rc = romcv__baseline(r, s->baseline_start_s, s->baseline_end_s, s);
    if (rc == ROMCV_ERR(ENOMEM)) {
        romcv_angle_results_destroy(&r);
        return fail(m, rc, "out of memory");
    }
    if (rc < 0)
        romcv_log(&s->logger, ROMCV_LOG_WARNING, "metrics",
                  "no neutral baseline found: relative angles are not available");
    *out = r;
    return 0;
}
