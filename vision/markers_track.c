/*
 * vision/markers_track.c: anatomical names for the detected skin markers and
 * their tracks through the video (romcv/vision.h, "labelling and tracking";
 * docs/markers.md).
 *
 * Names come from where the markers sit on the body, read in the body frame
 * of the pose (hip centre, trunk axis, facing direction), because a marker
 * looks like every other marker: the anatomy is the only clue. The numbers
 * are body proportions in trunk heights H (hip centre to shoulder centre,
 * 0.288 of standing height by Winter's segment table, Biomechanics and Motor
 * Control of Human Movement, 4th ed. 2009, fig. 4.1): the ASIS lies 0.028
 * of standing height (0.10 H) in front of and 0.045 (0.16 H) above the hip
 * joint centres, the PSIS 0.064 (0.22 H) behind them (Harrington et al. 2007,
 * J Biomech 40:595), and the lumbar spine S1-T12 spans 0.10 of standing
 * height (0.35 H). The thresholds sit halfway between neighbours, with room
 * for BlazePose's hip point, which lies 30-50 mm off the joint centre
 * (clinical.md: Needham 2021), about 0.06-0.1 H.
 *
 * The limb markers (greater trochanter, lateral knee, lateral malleolus) are
 * named one by one from the landmark they sit on, not from the pelvic
 * arrangement (limb_expected below gives the numbers and their sources).
 *
 * State: one fixed slot per label; nothing grows with the video.
 */
#include "romcv/metrics.h"
#include "romcv/vision.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(ROMCV_MARKER_LABELS == ROMCV_MARKER_COUNT,
               "vision's marker labels follow metrics' RomcvMarker");

#define MAX_CANDIDATES 64

/* The pelvic band, in H from the hip centre (see vision.h). */
#define BAND_UP_LO  -0.25f
#define BAND_UP_HI  0.85f
#define BAND_FWD    0.6f
#define SIDE_FWD    0.06f /* anterior / posterior of the hip (ASIS 0.10 H, PSIS 0.22 H) */
#define ASIS_UP_LO  -0.05f
#define ASIS_UP_HI  0.45f
#define SIDE_FWD_HI 0.4f /* ASIS and spine lie within 0.25 H of the hip, plus a ball */
/* A spine (side view): one column 0.2 H wide at most, T12 to S1 over 0.12-0.6
 * H (0.35 H expected), each gap at least 0.04 H, and the PSIS at most 0.2 H
 * below S1 (it lies at S2). */
#define SPINE_COLUMN  0.2f
#define SPINE_SPAN_LO 0.12f
#define SPINE_SPAN_HI 0.6f
#define SPINE_GAP     0.04f
#define PSIS_BELOW_S1 0.2f
#define PAIR_LEVEL    0.15f /* a frontal pair is level within this (an 8 deg drop: 0.07 H) */
#define TOO_CLOSE     0.05f /* two ASIS candidates nearer than this cannot be told apart */
#define SPINE_LOW     0.12f /* lowest of three posterior markers above this: no PSIS among them */
#define FRONT_UP_LO   0.0f  /* ASIS / PSIS in a frontal view: 0.16 H above the hip centres */
#define FRONT_UP_HI   0.45f
#define FRONT_LAT_LO  0.1f /* ASIS 0.24 H from the midline, trochanters further out but lower */
#define FRONT_LAT_HI  0.5f
/* Back view: the PSIS lie only 0.09 H from the midline (0.026 of standing
 * height, Harrington 2007), the spinous processes on it; the split is
 * halfway, with 0.045 H (5 px at 640x480) either side for the pose's hip. */
#define BACK_LAT_LO   0.045f
#define BACK_LAT_HI   0.35f
#define MIDLINE       0.045f
#define FRONTAL_WIDTH 0.3f /* shoulder and hip widths over H: frontal (docs/angles.md, View) */

/* Limb markers (vision.h): each is looked for around its landmark, at the
 * point where it sits on an average body, in trunk heights H (0.288 of
 * standing height, Winter 2009). The greater trochanter's lateral surface
 * lies about 8 cm lateral of and 4 cm distal to the hip joint centre
 * (0.045 and 0.025 of standing height: Harrington et al. 2007, J Biomech
 * 40:595, pelvic width; Winter's segment table) = 0.16 H and 0.09 H; the
 * lateral femoral epicondyle 0.028 of standing height (0.10 H) lateral of
 * the knee centre, the lateral malleolus 0.02 (0.07 H) lateral of the ankle
 * centre (the bicondylar and bimalleolar widths, about 10 and 7 cm, halved).
 * Lateral only counts in a front or back view: from the side it is depth.
 * The gates around those points cover BlazePose's hip point, 30-50 mm
 * (0.06-0.1 H) off the joint centre (Needham 2021), and its knee and ankle,
 * which sit on the joint's edges, and stay clear of every other marker:
 * the ASIS is 0.26 H from the trochanter's point, the two knees at least
 * 0.4 H apart in a front view (0.2 H between the landmarks plus both
 * offsets), the knee 0.85 H below the trochanter. */
#define TROCH_LATERAL 0.16f
#define TROCH_DISTAL  0.09f /* along the thigh, hip -> knee */
#define KNEE_LATERAL  0.10f
#define MALL_LATERAL  0.07f
#define TROCH_GATE    0.12f
#define KNEE_GATE     0.10f
#define MALL_GATE     0.10f
#define LIMB_TRACK    1.5f /* a tracked limb marker stays within this many of its gates */

/* A name proposed by the arrangement and not yet confirmed: the same spot
 * (within confirm_h of where it first sat on the body) given the same name
 * in consecutive frames. Its positions are kept so that, once confirmed,
 * the frames of the wait get the name too (romcv_marker_tracker_backfill). */
typedef struct Pending {
    int n;           /* consecutive frames so far; 0: nothing pending */
    int extended;    /* proposed again in this update */
    float fwd0, up0; /* body coordinates in the first of them, H */
    float x[ROMCV_MARKER_CONFIRM_MAX], y[ROMCV_MARKER_CONFIRM_MAX]; /* px, oldest first */
} Pending;

typedef struct Track {
    int active;    /* labelled at some point */
    int seen;      /* matched in the last update */
    double t_seen; /* time of the last match */
    float x, y;    /* last matched position, px */
    float vx, vy;  /* px/s from the last two consecutive matches */
    int has_body;  /* fwd, up are known */
    float fwd, up; /* body coordinates at the last match, H */
} Track;

typedef struct Body {
    int valid;
    float hx, hy;   /* hip centre, px */
    float ux, uy;   /* up, unit */
    float fx, fy;   /* forward (side) or the person's left (front, back), unit */
    float h;        /* trunk height, px */
    RomcvView view; /* FRONT, BACK, LEFT_SIDE, RIGHT_SIDE */
} Body;

struct RomcvMarkerTracker {
    RomcvMarkerTrackerSettings s;
    Track track[ROMCV_MARKER_LABELS];
    double t_prev;
    int started;
    long ambiguous_frames;
    int in_ambiguous_run; /* log once per run of ambiguous frames */
    int in_limb_ambiguous_run;
    double t_first;
    float hint_x[ROMCV_MARKER_LABELS], hint_y[ROMCV_MARKER_LABELS]; /* NaN: none */
    Pending pending[ROMCV_MARKER_LABELS];
    /* Names confirmed by the last update: the frames before it they cover. */
    int backfill_n[ROMCV_MARKER_LABELS];
    float backfill_x[ROMCV_MARKER_LABELS][ROMCV_MARKER_CONFIRM_MAX];
    float backfill_y[ROMCV_MARKER_LABELS][ROMCV_MARKER_CONFIRM_MAX];
};

static int is_limb(int k) {
    return k >= ROMCV_MARKER_TROCHANTER_LEFT;
}

void romcv_marker_tracker_default_settings(RomcvMarkerTrackerSettings *s) {
    memset(s, 0, sizeof *s);
    s->gate_px = 6.0f;
    s->gate_h = 0.04f;
    s->max_gap_s = 0.5;
    s->confirm_frames = ROMCV_MARKER_CONFIRM_FRAMES;
    s->confirm_h = ROMCV_MARKER_CONFIRM_H;
}

int romcv_marker_tracker_create(RomcvMarkerTracker **out, const RomcvMarkerTrackerSettings *s,
                                RomcvDiag *diag) {
    if (!out || !s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "marker tracker: no settings");
    }
    *out = NULL;
    if (!(s->gate_px > 0 && s->gate_px < 1000 && s->gate_h >= 0 && s->gate_h < 1 &&
          s->max_gap_s >= 0 && s->max_gap_s < 60)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "marker tracker: gate %g px / %g H, gap %g s out of range",
                              s->gate_px, s->gate_h, s->max_gap_s);
    }
    if (s->confirm_frames < 1 || s->confirm_frames > ROMCV_MARKER_CONFIRM_MAX ||
        !(s->confirm_h > 0 && s->confirm_h < 1)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "marker tracker: confirmation over %d frames (1 to %d) within %g H "
                              "(0 to 1) out of range",
                              s->confirm_frames, ROMCV_MARKER_CONFIRM_MAX, (double)s->confirm_h);
    }
    RomcvMarkerTracker *t = calloc(1, sizeof *t);
    if (!t) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "marker tracker: out of memory");
    }
    t->s = *s;
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        t->hint_x[k] = t->hint_y[k] = NAN;
    }
    *out = t;
    return 0;
}

int romcv_marker_tracker_hint(RomcvMarkerTracker *t, int label, float x, float y) {
    if (!t || label < 0 || label >= ROMCV_MARKER_LABELS || t->started) {
        return ROMCV_ERR(EINVAL);
    }
    int valid = isfinite(x) && isfinite(y);
    t->hint_x[label] = valid ? x : NAN;
    t->hint_y[label] = valid ? y : NAN;
    return 0;
}

void romcv_marker_tracker_destroy(RomcvMarkerTracker **tracker) {
    if (tracker) {
        free(*tracker);
        *tracker = NULL;
    }
}

long romcv_marker_tracker_ambiguous_frames(const RomcvMarkerTracker *t) {
    return t ? t->ambiguous_frames : 0;
}

/* ------------------------------------------------------------ body frame */

static int point(const RomcvPose *pose, int k, int width, int height, float *x, float *y) {
    *x = pose->landmarks[k].x * (float)width;
    *y = pose->landmarks[k].y * (float)height;
    return isfinite(*x) && isfinite(*y);
}

static float sgn(float v) {
    return (float)((v > 0) - (v < 0));
}

/* The body frame of the pose, or valid 0 without hips and shoulders. */
static Body body_frame(const RomcvPose *pose, int width, int height) {
    Body b = {0};
    if (!pose || !pose->found) {
        return b;
    }
    float ls[2], rs[2], lh[2], rh[2];
    if (!point(pose, ROMCV_LM_LEFT_SHOULDER, width, height, &ls[0], &ls[1]) ||
        !point(pose, ROMCV_LM_RIGHT_SHOULDER, width, height, &rs[0], &rs[1]) ||
        !point(pose, ROMCV_LM_LEFT_HIP, width, height, &lh[0], &lh[1]) ||
        !point(pose, ROMCV_LM_RIGHT_HIP, width, height, &rh[0], &rh[1])) {
        return b;
    }
    b.hx = 0.5f * (lh[0] + rh[0]);
    b.hy = 0.5f * (lh[1] + rh[1]);
    float sx = 0.5f * (ls[0] + rs[0]), sy = 0.5f * (ls[1] + rs[1]);
    float dx = sx - b.hx, dy = sy - b.hy;
    b.h = sqrtf(dx * dx + dy * dy);
    if (!(b.h > 4.0f)) {
        return b;
    }
    b.ux = dx / b.h;
    b.uy = dy / b.h;
    /* Image right across the trunk: up (0, -1) turns into (1, 0). */
    float rx = -b.uy, ry = b.ux;
    float width_sh = (ls[0] - rs[0]) * rx + (ls[1] - rs[1]) * ry;
    float width_hip = (lh[0] - rh[0]) * rx + (lh[1] - rh[1]) * ry;
    float facing = 0;
    if (0.5f * (fabsf(width_sh) + fabsf(width_hip)) >= FRONTAL_WIDTH * b.h) {
        /* The person's left on the image's right: they face the camera. */
        b.view = width_sh + width_hip > 0 ? ROMCV_VIEW_FRONT : ROMCV_VIEW_BACK;
        facing = b.view == ROMCV_VIEW_FRONT ? 1.0f : -1.0f;
    } else {
        /* Facing in a side view (docs/angles.md, View): the nose against the
         * ears (weight 2) and each toe against its heel. */
        float nose[2], le[2], re[2], heel[2], toe[2];
        if (point(pose, ROMCV_LM_NOSE, width, height, &nose[0], &nose[1]) &&
            point(pose, ROMCV_LM_LEFT_EAR, width, height, &le[0], &le[1]) &&
            point(pose, ROMCV_LM_RIGHT_EAR, width, height, &re[0], &re[1])) {
            facing += 2 * sgn((nose[0] - 0.5f * (le[0] + re[0])) * rx +
                              (nose[1] - 0.5f * (le[1] + re[1])) * ry);
        }
        for (int side = 0; side < 2; side++) {
            int heel_k = side ? ROMCV_LM_RIGHT_HEEL : ROMCV_LM_LEFT_HEEL;
            int toe_k = side ? ROMCV_LM_RIGHT_FOOT_INDEX : ROMCV_LM_LEFT_FOOT_INDEX;
            if (point(pose, heel_k, width, height, &heel[0], &heel[1]) &&
                point(pose, toe_k, width, height, &toe[0], &toe[1])) {
                facing += sgn((toe[0] - heel[0]) * rx + (toe[1] - heel[1]) * ry);
            }
        }
        if (facing == 0) {
            return b; /* no facing: no side */
        }
        facing = sgn(facing);
        /* Facing image right shows the person's right side (romcv/metrics.h). */
        b.view = facing > 0 ? ROMCV_VIEW_RIGHT_SIDE : ROMCV_VIEW_LEFT_SIDE;
    }
    b.fx = facing * rx;
    b.fy = facing * ry;
    b.valid = 1;
    return b;
}

static void to_body(const Body *b, float x, float y, float *fwd, float *up) {
    float dx = x - b->hx, dy = y - b->hy;
    *fwd = (dx * b->fx + dy * b->fy) / b->h;
    *up = (dx * b->ux + dy * b->uy) / b->h;
}

static void from_body(const Body *b, float fwd, float up, float *x, float *y) {
    *x = b->hx + b->h * (fwd * b->fx + up * b->ux);
    *y = b->hy + b->h * (fwd * b->fy + up * b->uy);
}

static int in_band(const Body *b, float x, float y) {
    if (!b->valid) {
        return 1; /* no pose: only the gates decide */
    }
    float fwd, up;
    to_body(b, x, y, &fwd, &up);
    return up >= BAND_UP_LO && up <= BAND_UP_HI && fabsf(fwd) <= BAND_FWD;
}

/* ------------------------------------------------------------ limb markers */

/* Where limb label k should lie in this frame (px) and its gate radius (px),
 * from its landmark (left labels from the pose's left landmarks). Returns 0
 * without a body frame or the landmark. */
static int limb_expected(const Body *b, const RomcvPose *pose, int width, int height, int k,
                         float *ex, float *ey, float *gate) {
    if (!b->valid || !pose || !pose->found || !is_limb(k)) {
        return 0;
    }
    int right = (k - ROMCV_MARKER_TROCHANTER_LEFT) & 1;
    int limb = (k - ROMCV_MARKER_TROCHANTER_LEFT) / 2; /* 0 trochanter, 1 knee, 2 malleolus */
    static const int landmarks[3][2] = {{ROMCV_LM_LEFT_HIP, ROMCV_LM_RIGHT_HIP},
                                        {ROMCV_LM_LEFT_KNEE, ROMCV_LM_RIGHT_KNEE},
                                        {ROMCV_LM_LEFT_ANKLE, ROMCV_LM_RIGHT_ANKLE}};
    static const float lateral[3] = {TROCH_LATERAL, KNEE_LATERAL, MALL_LATERAL};
    static const float gates[3] = {TROCH_GATE, KNEE_GATE, MALL_GATE};
    float lx, ly;
    if (!point(pose, landmarks[limb][right], width, height, &lx, &ly)) {
        return 0;
    }
    if (b->view == ROMCV_VIEW_FRONT || b->view == ROMCV_VIEW_BACK) {
        /* forward is the person's left in these views */
        float out = (right ? -1.0f : 1.0f) * lateral[limb] * b->h;
        lx += out * b->fx;
        ly += out * b->fy;
    }
    if (limb == 0) {
        /* Distal along the thigh (hip -> knee): a squat turns it forward. */
        float kx, ky, dx = -b->ux, dy = -b->uy;
        int knee = right ? ROMCV_LM_RIGHT_KNEE : ROMCV_LM_LEFT_KNEE;
        if (point(pose, knee, width, height, &kx, &ky)) {
            float len = hypotf(kx - lx, ky - ly);
            if (len > 1.0f) {
                dx = (kx - lx) / len;
                dy = (ky - ly) / len;
            }
        }
        lx += TROCH_DISTAL * b->h * dx;
        ly += TROCH_DISTAL * b->h * dy;
    }
    *ex = lx;
    *ey = ly;
    *gate = gates[limb] * b->h;
    return 1;
}

/* ------------------------------------------------------------ labelling */

typedef struct Cand {
    int det;
    float fwd, up;
} Cand;

static int by_up_desc(const void *a, const void *b) {
    float x = ((const Cand *)a)->up, y = ((const Cand *)b)->up;
    return (x < y) - (x > y);
}

/* Names detections from the arrangement (vision.h). label[k] receives a
 * detection index or -1. Returns 0, or -1 when ambiguous (why in reason). */
static int label_arrangement(const Body *b, const RomcvMarkerDetection *det, int count,
                             int label[ROMCV_MARKER_LABELS], char *reason, size_t reason_size) {
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        label[k] = -1;
    }
    Cand c[MAX_CANDIDATES];
    int n = 0;
    for (int i = 0; i < count && n < MAX_CANDIDATES; i++) {
        if (in_band(b, det[i].x, det[i].y)) {
            c[n].det = i;
            to_body(b, det[i].x, det[i].y, &c[n].fwd, &c[n].up);
            n++;
        }
    }
    if (b->view == ROMCV_VIEW_LEFT_SIDE || b->view == ROMCV_VIEW_RIGHT_SIDE) {
        int near_right = b->view == ROMCV_VIEW_RIGHT_SIDE;
        Cand post[MAX_CANDIDATES];
        int n_post = 0, asis = -1, asis2 = -1;
        for (int i = 0; i < n; i++) {
            if (c[i].fwd > SIDE_FWD && c[i].fwd <= SIDE_FWD_HI && c[i].up >= ASIS_UP_LO &&
                c[i].up < ASIS_UP_HI) {
                if (asis < 0 || c[i].fwd > c[asis].fwd) {
                    asis2 = asis;
                    asis = i;
                } else if (asis2 < 0 || c[i].fwd > c[asis2].fwd) {
                    asis2 = i;
                }
            } else if (c[i].fwd < -SIDE_FWD && c[i].fwd >= -SIDE_FWD_HI) {
                post[n_post++] = c[i];
            }
        }
        if (asis2 >= 0 && c[asis].fwd - c[asis2].fwd < TOO_CLOSE) {
            snprintf(reason, reason_size, "two ASIS candidates %.2f H apart",
                     (double)(c[asis].fwd - c[asis2].fwd));
            return -1;
        }
        qsort(post, (size_t)n_post, sizeof *post, by_up_desc);
        int spine = n_post;
        if (n_post == 4) {
            label[near_right ? ROMCV_MARKER_PSIS_RIGHT : ROMCV_MARKER_PSIS_LEFT] = post[3].det;
            spine = 3;
        } else if (n_post == 3 && post[2].up <= SPINE_LOW) {
            snprintf(reason, reason_size,
                     "3 posterior markers, the lowest at hip height: PSIS or S1?");
            return -1;
        } else if (n_post != 3) {
            snprintf(reason, reason_size, "%d posterior markers (3 or 4 expected)", n_post);
            return -1;
        }
        /* The back's markers must look like a spine: one column, T12 to S1
         * spanning 0.12-0.6 H (0.35 H expected) with both gaps open, and a
         * PSIS just below S1. Stray spots rarely do. */
        float col_lo = post[0].fwd, col_hi = post[0].fwd;
        for (int i = 1; i < n_post; i++) {
            col_lo = fminf(col_lo, post[i].fwd);
            col_hi = fmaxf(col_hi, post[i].fwd);
        }
        float span = post[0].up - post[2].up;
        if (col_hi - col_lo > SPINE_COLUMN || span < SPINE_SPAN_LO || span > SPINE_SPAN_HI ||
            post[0].up - post[1].up < SPINE_GAP || post[1].up - post[2].up < SPINE_GAP ||
            (n_post == 4 && post[2].up - post[3].up > PSIS_BELOW_S1)) {
            snprintf(reason, reason_size,
                     "the posterior markers do not line up as a spine (span %.2f H, column %.2f "
                     "H wide)",
                     (double)span, (double)(col_hi - col_lo));
            return -1;
        }
        if (spine == 3) {
            label[ROMCV_MARKER_T12] = post[0].det;
            label[ROMCV_MARKER_L3] = post[1].det;
            label[ROMCV_MARKER_S1] = post[2].det;
        }
        if (asis >= 0) {
            label[near_right ? ROMCV_MARKER_ASIS_RIGHT : ROMCV_MARKER_ASIS_LEFT] = c[asis].det;
        }
        return 0;
    }
    if (b->view == ROMCV_VIEW_FRONT || b->view == ROMCV_VIEW_BACK) {
        int pair_left =
            b->view == ROMCV_VIEW_FRONT ? ROMCV_MARKER_ASIS_LEFT : ROMCV_MARKER_PSIS_LEFT;
        int pair_right = pair_left + 1;
        int left = -1, right = -1;
        Cand mid[MAX_CANDIDATES];
        int n_mid = 0;
        for (int i = 0; i < n; i++) {
            float lat = c[i].fwd; /* the person's left, in H */
            float lat_lo = b->view == ROMCV_VIEW_BACK ? BACK_LAT_LO : FRONT_LAT_LO;
            float lat_hi = b->view == ROMCV_VIEW_BACK ? BACK_LAT_HI : FRONT_LAT_HI;
            if (c[i].up >= FRONT_UP_LO && c[i].up <= FRONT_UP_HI && fabsf(lat) >= lat_lo &&
                fabsf(lat) <= lat_hi) {
                int *slot = lat > 0 ? &left : &right;
                if (*slot >= 0) {
                    snprintf(reason, reason_size, "two markers on the %s above the hip",
                             lat > 0 ? "left" : "right");
                    return -1;
                }
                *slot = c[i].det;
            } else if (b->view == ROMCV_VIEW_BACK && fabsf(lat) < MIDLINE) {
                mid[n_mid++] = c[i];
            }
        }
        if (left < 0 || right < 0) {
            snprintf(reason, reason_size, "%s marker beside the hips (a pair expected)",
                     left < 0 && right < 0 ? "no" : "one");
            return -1;
        }
        /* A pair: level within PAIR_LEVEL and as far apart as the pelvis is
         * wide (ASIS 0.49 H, PSIS 0.18 H apart). */
        float left_fwd, left_up, right_fwd, right_up;
        to_body(b, det[left].x, det[left].y, &left_fwd, &left_up);
        to_body(b, det[right].x, det[right].y, &right_fwd, &right_up);
        float apart = left_fwd - right_fwd;
        float apart_lo = b->view == ROMCV_VIEW_BACK ? 0.1f : 0.25f;
        float apart_hi = b->view == ROMCV_VIEW_BACK ? 0.5f : 0.9f;
        if (fabsf(left_up - right_up) > PAIR_LEVEL || apart < apart_lo || apart > apart_hi) {
            snprintf(reason, reason_size, "the pair beside the hips is %.2f H apart, %.2f H askew",
                     (double)apart, (double)fabsf(left_up - right_up));
            return -1;
        }
        label[pair_left] = left;
        label[pair_right] = right;
        if (n_mid == 3) {
            qsort(mid, 3, sizeof *mid, by_up_desc);
            label[ROMCV_MARKER_T12] = mid[0].det;
            label[ROMCV_MARKER_L3] = mid[1].det;
            label[ROMCV_MARKER_S1] = mid[2].det;
        }
        return 0;
    }
    snprintf(reason, reason_size, "no view: the pose lacks hips, shoulders or facing");
    return -1;
}

/* ---------------------------------------------------------- confirmation */

/* Label k was proposed for detection d in this frame, which sits at (fwd,
 * up) in H on the body (pelvic labels: from the hip centre; limb labels:
 * from their expected point, as a limb moves against the trunk): extends its streak
 * when d sits where the streak's first spot sat on the body, else starts a
 * new one. Returns 1 when the name is confirmed by this frame; the earlier
 * frames of the streak then go to the backfill. Body coordinates, not
 * pixels, because a marker moves with the pelvis: a spot that stays put
 * while the person moves drifts in the body frame, and a spot that
 * flickers breaks the streak. */
static int propose(RomcvMarkerTracker *t, int k, const RomcvMarkerDetection *d, float fwd,
                   float up) {
    Pending *p = &t->pending[k];
    if (p->n > 0 && hypotf(fwd - p->fwd0, up - p->up0) > t->s.confirm_h) {
        p->n = 0;
    }
    if (p->n == 0) {
        p->fwd0 = fwd;
        p->up0 = up;
    }
    p->x[p->n] = d->x;
    p->y[p->n] = d->y;
    p->n++;
    p->extended = 1;
    if (p->n < t->s.confirm_frames) {
        return 0;
    }
    int before = p->n - 1;
    for (int j = 0; j < before; j++) {
        t->backfill_x[k][j] = p->x[before - 1 - j]; /* j + 1 frames before this one */
        t->backfill_y[k][j] = p->y[before - 1 - j];
    }
    t->backfill_n[k] = before;
    p->n = 0;
    return 1;
}

int romcv_marker_tracker_backfill(const RomcvMarkerTracker *t, int label, float *x, float *y,
                                  int max) {
    if (!t || label < 0 || label >= ROMCV_MARKER_LABELS) {
        return 0;
    }
    int n = t->backfill_n[label];
    for (int j = 0; j < n && j < max && x && y; j++) {
        x[j] = t->backfill_x[label][j];
        y[j] = t->backfill_y[label][j];
    }
    return n;
}

/* -------------------------------------------------------------- tracking */

typedef struct Pair {
    float d2;
    int label, det;
} Pair;

static int by_distance(const void *a, const void *b) {
    float x = ((const Pair *)a)->d2, y = ((const Pair *)b)->d2;
    return (x > y) - (x < y);
}

/* Names free limb markers (vision.h): label k takes the one detection
 * inside its gate around its expected point that no other name claims
 * (tracked, hinted, or given by the pelvic arrangement in this frame:
 * claimed[i] or pelvic[] holds it), once confirmed. Two or more in the
 * gate, or one detection in two limb gates, is ambiguous: nothing named,
 * the frame counted and logged. In a side view only the near side's are
 * looked for: the far side's lateral markers face away, and their
 * landmarks project onto the near side's, so the near markers would fall
 * in both gates. */
static void limb_names(RomcvMarkerTracker *t, const Body *b, const RomcvMarkerDetection *det,
                       int count, const int ok[], const float ex[], const float ey[],
                       const float gate[], const int free_label[], const int pelvic[],
                       int claimed[], int match[], RomcvMarkerFrame *out, double time_s) {
    if (!b->valid || count <= 0) {
        return;
    }
    int side_view = b->view == ROMCV_VIEW_LEFT_SIDE || b->view == ROMCV_VIEW_RIGHT_SIDE;
    int near_right = b->view == ROMCV_VIEW_RIGHT_SIDE;
    int taken[MAX_CANDIDATES] = {0};
    for (int k = 0; k < ROMCV_MARKER_PELVIC_COUNT; k++) {
        if (pelvic[k] >= 0) {
            taken[pelvic[k]] = 1;
        }
    }
    int pick[ROMCV_MARKER_LABELS];
    int wanted[MAX_CANDIDATES] = {0}; /* limb gates holding each detection as their one */
    const char *why = NULL;
    int why_k = -1, why_n = 0;
    for (int k = ROMCV_MARKER_TROCHANTER_LEFT; k < ROMCV_MARKER_LABELS; k++) {
        pick[k] = -1;
        int right = (k - ROMCV_MARKER_TROCHANTER_LEFT) & 1;
        if (!free_label[k] || !ok[k] || (side_view && right != near_right)) {
            continue;
        }
        int n_in = 0;
        for (int i = 0; i < count; i++) {
            if (!claimed[i] && !taken[i] && hypotf(det[i].x - ex[k], det[i].y - ey[k]) <= gate[k]) {
                pick[k] = i;
                n_in++;
            }
        }
        if (n_in > 1) {
            pick[k] = -1;
            why = "detections in the gate";
            why_k = k;
            why_n = n_in;
        } else if (pick[k] >= 0) {
            wanted[pick[k]]++;
        }
    }
    for (int k = ROMCV_MARKER_TROCHANTER_LEFT; k < ROMCV_MARKER_LABELS; k++) {
        if (pick[k] >= 0 && wanted[pick[k]] > 1) {
            why = "limb gates sharing one detection";
            why_k = k;
            why_n = wanted[pick[k]];
            pick[k] = -1;
        }
    }
    if (why) {
        if (!out->ambiguous) {
            out->ambiguous = 1;
            t->ambiguous_frames++;
        }
        if (!t->in_limb_ambiguous_run) {
            romcv_log(&t->s.logger, ROMCV_LOG_WARNING, "markers",
                      "%.3f s: %s not named, ambiguous (%d %s); waiting for a clear frame", time_s,
                      romcv_marker_title(why_k), why_n, why);
        }
        t->in_limb_ambiguous_run = 1;
    } else {
        t->in_limb_ambiguous_run = 0;
    }
    for (int k = ROMCV_MARKER_TROCHANTER_LEFT; k < ROMCV_MARKER_LABELS; k++) {
        int i = pick[k];
        if (i < 0 || (wanted[i] > 1)) {
            continue;
        }
        /* Confirmed on the offset from the expected point, in the body's
         * axes: that stays put while the limb moves. */
        float dx = det[i].x - ex[k], dy = det[i].y - ey[k];
        float fwd = (dx * b->fx + dy * b->fy) / b->h, up = (dx * b->ux + dy * b->uy) / b->h;
        if (propose(t, k, &det[i], fwd, up)) {
            match[k] = i;
            claimed[i] = 1;
            t->track[k].active = 1;
            t->track[k].seen = 0;
        }
    }
}

int romcv_marker_tracker_update(RomcvMarkerTracker *t, double time_s, const RomcvPose *pose,
                                int width, int height, const RomcvMarkerDetection *det, int count,
                                RomcvMarkerFrame *out) {
    if (!t || !out || width < 1 || height < 1 || count < 0 || (count > 0 && !det) ||
        !isfinite(time_s) || (t->started && time_s <= t->t_prev)) {
        return ROMCV_ERR(EINVAL);
    }
    if (!t->started) {
        t->t_first = time_s;
    }
    t->started = 1;
    t->t_prev = time_s;
    Body b = body_frame(pose, width, height);
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        t->backfill_n[k] = 0;
        t->pending[k].extended = 0;
    }
    memset(out, 0, sizeof *out);
    out->view = b.valid ? (int)b.view : 0;
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        out->x[k] = out->y[k] = NAN;
    }
    if (count > MAX_CANDIDATES) {
        count = MAX_CANDIDATES; /* detections come best first */
    }
    /* Predictions and gates of the labelled markers. */
    float px[ROMCV_MARKER_LABELS], py[ROMCV_MARKER_LABELS], gate[ROMCV_MARKER_LABELS];
    int can[ROMCV_MARKER_LABELS] = {0};
    int any_active = 0;
    float base = t->s.gate_px;
    if (b.valid && t->s.gate_h * b.h > base) {
        base = t->s.gate_h * b.h;
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        Track *tr = &t->track[k];
        if (!tr->active) {
            continue;
        }
        any_active |= !is_limb(k);
        double dt = time_s - tr->t_seen;
        if (dt <= t->s.max_gap_s) {
            /* Constant velocity; the gate widens with the distance coasted. */
            px[k] = tr->x + tr->vx * (float)dt;
            py[k] = tr->y + tr->vy * (float)dt;
            gate[k] = base + 0.5f * sqrtf(tr->vx * tr->vx + tr->vy * tr->vy) * (float)dt;
            can[k] = 1;
        } else if (b.valid && tr->has_body && !is_limb(k)) {
            /* Lost for longer: where it sat on the body, with a gate twice
             * as wide for the pose's own error. */
            from_body(&b, tr->fwd, tr->up, &px[k], &py[k]);
            gate[k] = 2 * base;
            can[k] = 1;
        }
    }
    /* Where each limb marker should be in this frame (limb_expected). */
    float lim_x[ROMCV_MARKER_LABELS], lim_y[ROMCV_MARKER_LABELS], lim_gate[ROMCV_MARKER_LABELS];
    int lim_ok[ROMCV_MARKER_LABELS] = {0};
    for (int k = ROMCV_MARKER_TROCHANTER_LEFT; k < ROMCV_MARKER_LABELS; k++) {
        lim_ok[k] = limb_expected(&b, pose, width, height, k, &lim_x[k], &lim_y[k], &lim_gate[k]);
    }
    /* Greedy nearest assignment inside the gates and the pelvic band (a
     * limb marker: near its landmark instead, as it leaves the band). */
    Pair pairs[ROMCV_MARKER_LABELS * MAX_CANDIDATES];
    int n_pairs = 0;
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        for (int i = 0; can[k] && i < count; i++) {
            float dx = det[i].x - px[k], dy = det[i].y - py[k];
            float d2 = dx * dx + dy * dy;
            int region = is_limb(k)
                             ? !lim_ok[k] || hypotf(det[i].x - lim_x[k], det[i].y - lim_y[k]) <=
                                                 LIMB_TRACK * lim_gate[k]
                             : in_band(&b, det[i].x, det[i].y);
            if (d2 <= gate[k] * gate[k] && region) {
                pairs[n_pairs++] = (Pair){d2, k, i};
            }
        }
    }
    qsort(pairs, (size_t)n_pairs, sizeof *pairs, by_distance);
    int det_used[MAX_CANDIDATES] = {0};
    int match[ROMCV_MARKER_LABELS];
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        match[k] = -1;
    }
    for (int p = 0; p < n_pairs; p++) {
        if (match[pairs[p].label] < 0 && !det_used[pairs[p].det]) {
            match[pairs[p].label] = pairs[p].det;
            det_used[pairs[p].det] = 1;
        }
    }
    /* Hints (a labelling file) name markers in the first second, nearest
     * first, before the arrangement is read. */
    if (time_s - t->t_first <= ROMCV_MARKER_HINT_S) {
        float radius = ROMCV_MARKER_HINT_PX;
        if (b.valid && 0.1f * b.h > radius) {
            radius = 0.1f * b.h;
        }
        Pair hint_pairs[ROMCV_MARKER_LABELS * MAX_CANDIDATES];
        int n_hint = 0;
        for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
            if (t->track[k].active || !isfinite(t->hint_x[k])) {
                continue;
            }
            for (int i = 0; i < count; i++) {
                float dx = det[i].x - t->hint_x[k], dy = det[i].y - t->hint_y[k];
                float d2 = dx * dx + dy * dy;
                if (d2 <= radius * radius && !det_used[i]) {
                    hint_pairs[n_hint++] = (Pair){d2, k, i};
                }
            }
        }
        qsort(hint_pairs, (size_t)n_hint, sizeof *hint_pairs, by_distance);
        for (int p = 0; p < n_hint; p++) {
            int k = hint_pairs[p].label, i = hint_pairs[p].det;
            if (!t->track[k].active && !det_used[i]) {
                match[k] = i;
                det_used[i] = 1;
                t->track[k].active = 1;
                t->track[k].seen = 0;
                any_active |= !is_limb(k);
            }
        }
    }
    /* Labels from the arrangement: at the start, for markers not yet named
     * (one hidden at the start), and for markers lost for longer than the
     * coasting (a thigh hid the ASIS through a squat), when the arrangement
     * agrees with every marker tracked in this frame. A name is only given
     * once confirmed: the same spot of the body named alike in
     * confirm_frames consecutive frames (propose). */
    int free_label[ROMCV_MARKER_LABELS];
    int need = 0;
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        const Track *tr = &t->track[k];
        free_label[k] = !tr->active || (match[k] < 0 && time_s - tr->t_seen > t->s.max_gap_s);
        need |= free_label[k] && !is_limb(k); /* limb markers: below */
    }
    int label[ROMCV_MARKER_LABELS];
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        label[k] = -1;
    }
    if (need && b.valid && count > 0) {
        char reason[160] = "";
        int rc = label_arrangement(&b, det, count, label, reason, sizeof reason);
        int agrees = rc == 0;
        for (int k = 0; agrees && k < ROMCV_MARKER_LABELS; k++) {
            if (!free_label[k] && match[k] >= 0 && label[k] >= 0 && label[k] != match[k]) {
                agrees = 0;
            }
            if (label[k] >= 0 && free_label[k] && det_used[label[k]]) {
                agrees = 0; /* already another marker's */
            }
        }
        if (agrees) {
            for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
                float fwd = 0, up = 0;
                if (label[k] >= 0) {
                    to_body(&b, det[label[k]].x, det[label[k]].y, &fwd, &up);
                }
                if (label[k] >= 0 && free_label[k] && propose(t, k, &det[label[k]], fwd, up)) {
                    match[k] = label[k];
                    det_used[label[k]] = 1;
                    t->track[k].active = 1;
                    t->track[k].seen = 0;
                }
            }
            t->in_ambiguous_run = 0;
        } else if (!any_active) {
            out->ambiguous = 1;
            t->ambiguous_frames++;
            if (!t->in_ambiguous_run) {
                romcv_log(&t->s.logger, ROMCV_LOG_WARNING, "markers",
                          "%.3f s: markers not labelled, the arrangement is ambiguous (%s); "
                          "waiting for a clear frame",
                          time_s, rc < 0 ? reason : "disagrees with the tracks");
            }
            t->in_ambiguous_run = 1;
        }
        if (!agrees) {
            for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
                label[k] = -1; /* a rejected arrangement claims nothing */
            }
        }
    }
    limb_names(t, &b, det, count, lim_ok, lim_x, lim_y, lim_gate, free_label, label, det_used,
               match, out, time_s);
    /* A streak not extended by this frame is broken: confirmation needs
     * consecutive frames. */
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        if (!t->pending[k].extended) {
            t->pending[k].n = 0;
        }
    }
    /* Update the tracks. */
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        Track *tr = &t->track[k];
        if (!tr->active) {
            continue;
        }
        if (match[k] < 0) {
            if (tr->seen) {
                romcv_log(&t->s.logger, ROMCV_LOG_DEBUG, "markers", "%.3f s: %s lost", time_s,
                          romcv_marker_title(k));
            }
            tr->seen = 0;
            continue;
        }
        const RomcvMarkerDetection *d = &det[match[k]];
        double dt = time_s - tr->t_seen;
        if (tr->seen && dt > 0) {
            tr->vx = (float)((d->x - tr->x) / dt);
            tr->vy = (float)((d->y - tr->y) / dt);
        } else {
            tr->vx = tr->vy = 0; /* first sight, or found again after a gap */
        }
        tr->x = d->x;
        tr->y = d->y;
        tr->t_seen = time_s;
        tr->seen = 1;
        if (b.valid && !is_limb(k)) {
            to_body(&b, d->x, d->y, &tr->fwd, &tr->up);
            tr->has_body = 1;
        }
        out->x[k] = d->x;
        out->y[k] = d->y;
        out->visibility[k] = 1;
    }
    return 0;
}
