/*
 * tests/protocols/test_protocols.c: the protocol layer on synthetic landmark
 * sequences with known movements and planted compensations (a pelvis that
 * lifts 8 deg at end range, a 6 deg Trendelenburg drop, a lumbar-dominant
 * bend), on MediaPipe's reference landmarks of the shared squat videos, and
 * through the command line.
 *
 * The synthetic clips run at 30 fps with uneven frame times and go through
 * the default angle processing (Hampel, gap filling, 6 Hz Butterworth), as
 * a real recording would.
 */
#include "testutil.h"

#include "romcv/metrics.h"
#include "romcv/protocols.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEG   (3.14159265358979323846 / 180.0)
#define NLM   33
#define FPS   30.0
#define WIDTH 1000

/* ---------------------------------------------------------- the clips */

typedef struct Clip {
    size_t n;
    double *t;
    float *x[NLM], *y[NLM], *v[NLM];
    float *mx[ROMCV_MARKER_COUNT], *my[ROMCV_MARKER_COUNT];
} Clip;

/* n frames at about 30 fps with +-4 ms of jitter: real timestamps. */
static void clip_init(Clip *c, double duration_s) {
    memset(c, 0, sizeof *c);
    c->n = (size_t)(duration_s * FPS);
    c->t = malloc(c->n * sizeof *c->t);
    for (int k = 0; k < NLM; k++) {
        c->x[k] = malloc(c->n * sizeof(float));
        c->y[k] = malloc(c->n * sizeof(float));
        c->v[k] = malloc(c->n * sizeof(float));
    }
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        c->mx[k] = malloc(c->n * sizeof(float));
        c->my[k] = malloc(c->n * sizeof(float));
    }
    for (size_t i = 0; i < c->n; i++) {
        c->t[i] = (double)i / FPS + 0.004 * sin(1.7 * (double)i);
        for (int k = 0; k < NLM; k++) {
            c->v[k][i] = 1.0f;
        }
    }
}

static void clip_free(Clip *c) {
    free(c->t);
    for (int k = 0; k < NLM; k++) {
        free(c->x[k]), free(c->y[k]), free(c->v[k]);
    }
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        free(c->mx[k]), free(c->my[k]);
    }
}

static void set(Clip *c, size_t i, int k, double x, double y) {
    c->x[k][i] = (float)x;
    c->y[k][i] = (float)y;
}

/* Nobody in frame i (the person walked out). */
static void absent(Clip *c, size_t i) {
    for (int k = 0; k < NLM; k++) {
        set(c, i, k, NAN, NAN);
        c->v[k][i] = 0.0f;
    }
}

/* A front view (the person's left on the image's right). obliquity: the hip
 * line's angle, left side higher positive; lean: the trunk toward the
 * person's left; ir_*: the shanks rotated internally (the ankle moves
 * laterally); seated: knees just below the hips with hanging shanks, else
 * standing; lift_*: that ankle raised in px (standing). */
typedef struct FrontPose {
    double obliquity, lean, ir_l, ir_r, lift_l, lift_r;
    int seated;
    int prone; /* camera at the feet: the shanks point up, seen from behind */
} FrontPose;

static void front(Clip *c, size_t i, const FrontPose *p) {
    const double cx = 500, cy = 500, hw = 60, trunk = 300;
    double ox = hw * cos(p->obliquity * DEG), oy = -hw * sin(p->obliquity * DEG);
    set(c, i, ROMCV_LM_LEFT_HIP, cx + ox, cy + oy);
    set(c, i, ROMCV_LM_RIGHT_HIP, cx - ox, cy - oy);
    double sx = cx + trunk * sin(p->lean * DEG), sy = cy - trunk * cos(p->lean * DEG);
    set(c, i, ROMCV_LM_LEFT_SHOULDER, sx + 100, sy);
    set(c, i, ROMCV_LM_RIGHT_SHOULDER, sx - 100, sy);
    set(c, i, ROMCV_LM_NOSE, sx, sy - 80);
    set(c, i, ROMCV_LM_LEFT_EAR, sx + 40, sy - 90);
    set(c, i, ROMCV_LM_RIGHT_EAR, sx - 40, sy - 90);
    for (int side = 0; side < 2; side++) {
        double lateral = side ? -1.0 : 1.0; /* +x is the person's left */
        double ir = (side ? p->ir_r : p->ir_l) * DEG, lift = side ? p->lift_r : p->lift_l;
        double kx = cx + lateral * hw, ky = cy + (p->seated ? 60 : 200);
        double ax = kx + lateral * 200 * sin(ir),
               ay = ky + (p->prone ? -1 : 1) * 200 * cos(ir) - lift;
        if (!p->seated) {
            ky -= 0.5 * lift; /* the knee bends to lift the foot */
        }
        set(c, i, ROMCV_LM_LEFT_KNEE + side, kx, ky);
        set(c, i, ROMCV_LM_LEFT_ANKLE + side, ax, ay);
        set(c, i, ROMCV_LM_LEFT_HEEL + side, ax, ay + 10);
        set(c, i, ROMCV_LM_LEFT_FOOT_INDEX + side, ax, ay + 40);
        set(c, i, ROMCV_LM_LEFT_ELBOW + side, sx + lateral * 110, sy + 130);
        set(c, i, ROMCV_LM_LEFT_WRIST + side, sx + lateral * 115, sy + 250);
    }
    if (p->prone) {
        /* Seen from behind: the person's left is on the image's left. */
        for (int k = 0; k < NLM; k++) {
            c->x[k][i] = (float)WIDTH - c->x[k][i];
        }
    }
}

/* A side view, facing the image's right. The feet stay put; knee: knee
 * flexion (the shank leans forward by 35 % of it, the rest is the thigh);
 * trunk: trunk inclination forward; pelvic_tilt: the ASIS-PSIS markers'
 * tilt (anterior positive). */
typedef struct SidePose {
    double knee, trunk, pelvic_tilt, lordosis;
} SidePose;

static void side(Clip *c, size_t i, const SidePose *p) {
    const double shank = 200, thigh = 210, trunk = 270;
    double s = 0.35 * p->knee * DEG, th = p->knee * DEG - s;
    for (int leg = 0; leg < 2; leg++) {
        double dz = leg ? -2.0 : 2.0; /* the legs almost overlap from the side */
        double ax = 500 + dz, ay = 900;
        double kx = ax + shank * sin(s), ky = ay - shank * cos(s);
        double hx = kx - thigh * sin(th), hy = ky - thigh * cos(th);
        double shx = hx + trunk * sin(p->trunk * DEG), shy = hy - trunk * cos(p->trunk * DEG);
        set(c, i, ROMCV_LM_LEFT_ANKLE + leg, ax, ay);
        set(c, i, ROMCV_LM_LEFT_HEEL + leg, ax - 20, ay + 10);
        set(c, i, ROMCV_LM_LEFT_FOOT_INDEX + leg, ax + 50, ay + 12);
        set(c, i, ROMCV_LM_LEFT_KNEE + leg, kx, ky);
        set(c, i, ROMCV_LM_LEFT_HIP + leg, hx, hy);
        set(c, i, ROMCV_LM_LEFT_SHOULDER + leg, shx, shy);
        set(c, i, ROMCV_LM_LEFT_ELBOW + leg, shx, shy + 120);
        set(c, i, ROMCV_LM_LEFT_WRIST + leg, shx + 10, shy + 220);
        if (leg == 1) {
            set(c, i, ROMCV_LM_NOSE, shx + 40, shy - 70);
            set(c, i, ROMCV_LM_LEFT_EAR, shx - 10, shy - 80);
            set(c, i, ROMCV_LM_RIGHT_EAR, shx - 6, shy - 80);
            /* ASIS forward, PSIS back, 70 px apart around a point above
             * the hip joint; anterior tilt lowers the ASIS. */
            double mx = hx, my = hy - 40, t = p->pelvic_tilt * DEG;
            c->mx[ROMCV_MARKER_ASIS_RIGHT][i] = (float)(mx + 35 * cos(t));
            c->my[ROMCV_MARKER_ASIS_RIGHT][i] = (float)(my + 35 * sin(t));
            c->mx[ROMCV_MARKER_PSIS_RIGHT][i] = (float)(mx - 35 * cos(t));
            c->my[ROMCV_MARKER_PSIS_RIGHT][i] = (float)(my - 35 * sin(t));
            /* Spinous processes on an arc behind the trunk: the chords S1-L3
             * and L3-T12 turn by half the lordosis (inscribed angle), L3
             * forward of the T12-S1 line. */
            double q = p->lordosis / 4 * DEG, sx1 = hx - 60, sy1 = hy - 30;
            double lx = sx1 + 80 * sin(q), ly = sy1 - 80 * cos(q);
            c->mx[ROMCV_MARKER_S1][i] = (float)sx1, c->my[ROMCV_MARKER_S1][i] = (float)sy1;
            c->mx[ROMCV_MARKER_L3][i] = (float)lx, c->my[ROMCV_MARKER_L3][i] = (float)ly;
            c->mx[ROMCV_MARKER_T12][i] = (float)(lx - 80 * sin(q));
            c->my[ROMCV_MARKER_T12][i] = (float)(ly - 80 * cos(q));
        }
    }
}

/* 0 -> 1 with zero speed at both ends. */
static double ease(double u) {
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    return 0.5 - 0.5 * cos(3.14159265358979323846 * u);
}

/* Out-hold-back: 0 before start, easing to 1 over move_s, 1 for hold_s, back
 * to 0 over move_s. */
static double excursion(double t, double start, double move_s, double hold_s) {
    double u = t - start;
    if (u < 0) {
        return 0;
    }
    if (u < move_s) {
        return ease(u / move_s);
    }
    if (u < move_s + hold_s) {
        return 1;
    }
    return 1 - ease((u - move_s - hold_s) / move_s);
}

/* ------------------------------------------------------------ analysing */

typedef struct Analysis {
    RomcvAngleResults *angles;
    RomcvProtocolResult *result;
} Analysis;

static Analysis analyze(const Clip *c, const char *protocol, int with_markers) {
    RomcvLandmarkSeries lm = {.n = c->n, .time_s = c->t};
    for (int k = 0; k < NLM; k++) {
        lm.x[k] = c->x[k], lm.y[k] = c->y[k], lm.visibility[k] = c->v[k];
    }
    RomcvMarkerSeries markers;
    memset(&markers, 0, sizeof markers);
    markers.x[ROMCV_MARKER_ASIS_RIGHT] = c->mx[ROMCV_MARKER_ASIS_RIGHT];
    markers.y[ROMCV_MARKER_ASIS_RIGHT] = c->my[ROMCV_MARKER_ASIS_RIGHT];
    markers.x[ROMCV_MARKER_PSIS_RIGHT] = c->mx[ROMCV_MARKER_PSIS_RIGHT];
    markers.y[ROMCV_MARKER_PSIS_RIGHT] = c->my[ROMCV_MARKER_PSIS_RIGHT];
    for (int k = ROMCV_MARKER_T12; k <= ROMCV_MARKER_S1; k++) {
        markers.x[k] = c->mx[k];
        markers.y[k] = c->my[k];
    }
    RomcvProtocolSettings ps;
    romcv_protocol_default_settings(&ps);
    ps.metrics.image_width = WIDTH;
    RomcvMetrics *m = NULL;
    ck_assert_int_eq(romcv_metrics_create(&m, &ps.metrics, NULL), 0);
    Analysis a = {0};
    ck_assert_int_eq(romcv_metrics_compute(m, &lm, with_markers ? &markers : NULL, NULL, &a.angles),
                     0);
    romcv_metrics_destroy(&m);
    const RomcvProtocolDef *def = romcv_protocols_find(protocol);
    ck_assert_ptr_nonnull(def);
    RomcvDiag diag = {0};
    int rc = romcv_protocol_analyze(def, &ps, &lm, a.angles, &a.result, &diag);
    ck_assert_msg(rc == 0, "%s", diag.message);
    return a;
}

static void analysis_free(Analysis *a) {
    romcv_protocol_result_destroy(&a->result);
    ck_assert_ptr_null(a->result);
    romcv_angle_results_destroy(&a->angles);
}

static const RomcvMeasureResult *measure(const RomcvProtocolResult *r, const char *key) {
    for (int m = 0; m < r->def->n_measures; m++) {
        if (strcmp(r->measure[m].def->key, key) == 0) {
            return &r->measure[m];
        }
    }
    ck_abort_msg("no measure %s", key);
    return NULL;
}

static size_t count_flags(const RomcvProtocolResult *r, const char *key) {
    size_t count = 0;
    for (size_t k = 0; k < r->n_flags; k++) {
        count += strcmp(r->flag[k].def->key, key) == 0;
    }
    return count;
}

static const char *segmenter_name(const RomcvProtocolResult *r, size_t k) {
    return r->def->segmenter[r->repetition[k].segmenter].name;
}

static void print_result(const RomcvProtocolResult *r) {
    for (size_t k = 0; k < r->n_repetitions; k++) {
        const RomcvRepetition *rep = &r->repetition[k];
        fprintf(stderr, "  rep %zu %s %.2f-%.2f s peak %.2f at %.2f%s%s\n", k, segmenter_name(r, k),
                rep->start_s, rep->end_s, rep->peak, rep->peak_s, rep->partial ? " partial" : "",
                rep->cut ? " cut" : "");
    }
    for (size_t k = 0; k < r->n_flags; k++) {
        fprintf(stderr, "  flag %s rep %d %.2f-%.2f s magnitude %.2f\n", r->flag[k].def->key,
                r->flag[k].repetition, r->flag[k].start_s, r->flag[k].end_s, r->flag[k].magnitude);
    }
}

/* ---------------------------------------------------- seated rotation */

/* Start times of the four movements: right IR, right ER, left IR, left ER;
 * each eases out over 1 s, holds 1 s and comes back over 1 s. */
static const double rotation_start[4] = {1.5, 5.2, 8.9, 12.6};
#define ROTATION_CLIP_S 16.5

/* The seated test: end ranges ir/er per leg; lift_deg: the pelvis rises on
 * the right during the right IR (the tested side rises, pivoting on the
 * other ischium), in proportion to the rotation; carry_deg: the left shank
 * tilts along during the right ER, as it does when the pelvis under it
 * lifts (seen on the phantom). */
static void seated_rotation(Clip *c, const double end[4], double lift_deg, double carry_deg) {
    clip_init(c, ROTATION_CLIP_S);
    for (size_t i = 0; i < c->n; i++) {
        double t = c->t[i];
        double e[4];
        for (int k = 0; k < 4; k++) {
            e[k] = excursion(t, rotation_start[k], 1.0, 1.0);
        }
        FrontPose p = {.seated = 1};
        p.ir_r = end[0] * e[0] - end[1] * e[1];
        p.ir_l = end[2] * e[2] - end[3] * e[3] + carry_deg * e[1];
        p.obliquity = -lift_deg * e[0]; /* the right side higher */
        front(c, i, &p);
    }
}

START_TEST(seated_rotation_clean) {
    Clip c;
    const double end[4] = {35, 40, 28, 45};
    seated_rotation(&c, end, 0, 0);
    Analysis a = analyze(&c, "seated-hip-rotation", 0);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert_int_eq((int)r->dominant_view, ROMCV_VIEW_FRONT);
    ck_assert(r->view_ok);
    ck_assert_uint_eq(r->n_repetitions, 4);
    const char *order[4] = {"right-ir", "right-er", "left-ir", "left-er"};
    for (size_t k = 0; k < 4; k++) {
        ck_assert_str_eq(segmenter_name(r, k), order[k]);
        ck_assert(!r->repetition[k].partial && !r->repetition[k].cut);
        /* From rest (0) out to the end range and back. */
        ck_assert_msg(fabsf(r->repetition[k].range - (float)end[k]) < 1.0f, "rep %zu range %.2f", k,
                      r->repetition[k].range);
        /* The peak lies in the hold, the start at the onset. */
        ck_assert_msg(r->repetition[k].peak_s > rotation_start[k] + 0.8 &&
                          r->repetition[k].peak_s < rotation_start[k] + 2.2,
                      "rep %zu peak at %.2f s", k, r->repetition[k].peak_s);
        ck_assert_msg(fabs(r->repetition[k].start_s - rotation_start[k]) < 0.4,
                      "rep %zu starts at %.2f s", k, r->repetition[k].start_s);
    }
    const RomcvMeasureResult *ir_r = measure(r, "hip_ir_right"), *er_r = measure(r, "hip_er_right");
    const RomcvMeasureResult *ir_l = measure(r, "hip_ir_left"), *er_l = measure(r, "hip_er_left");
    ck_assert_msg(fabsf(ir_r->best - 35) < 0.7f, "right IR %.2f", ir_r->best);
    ck_assert_msg(fabsf(er_r->best - 40) < 0.7f, "right ER %.2f", er_r->best);
    ck_assert_msg(fabsf(ir_l->best - 28) < 0.7f, "left IR %.2f", ir_l->best);
    ck_assert_msg(fabsf(er_l->best - 45) < 0.7f, "left ER %.2f", er_l->best);
    /* 28 deg IR is below the 30-40 deg range; 35 and the ERs are within. */
    ck_assert_int_eq(ir_l->outside_normal, -1);
    ck_assert_int_eq(ir_r->outside_normal, 0);
    ck_assert_int_eq(er_l->outside_normal, 0);
    /* Left minus right: -7 deg IR (below the 8.6 deg MDC), +5 deg ER. */
    ck_assert_msg(fabsf(ir_l->asymmetry + 7) < 1.0f, "IR asymmetry %.2f", ir_l->asymmetry);
    ck_assert(!ir_l->asymmetric);
    ck_assert_msg(fabsf(er_l->asymmetry - 5) < 1.0f, "ER asymmetry %.2f", er_l->asymmetry);
    ck_assert(isnan(ir_r->asymmetry));
    ck_assert_uint_eq(r->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

START_TEST(seated_rotation_asymmetry_is_flagged) {
    Clip c;
    const double end[4] = {18, 40, 34, 42};
    seated_rotation(&c, end, 0, 0);
    Analysis a = analyze(&c, "seated-hip-rotation", 0);
    const RomcvMeasureResult *ir_l = measure(a.result, "hip_ir_left");
    ck_assert_msg(fabsf(ir_l->asymmetry - 16) < 1.0f, "IR asymmetry %.2f", ir_l->asymmetry);
    ck_assert(ir_l->asymmetric);
    ck_assert_int_eq(measure(a.result, "hip_ir_right")->outside_normal, -1);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

START_TEST(seated_rotation_pelvis_lift_is_flagged) {
    Clip c;
    const double end[4] = {35, 40, 35, 40};
    seated_rotation(&c, end, 8.0, 14.0);
    Analysis a = analyze(&c, "seated-hip-rotation", 0);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    /* The left shank carried 14 deg along by the right ER is not a left
     * repetition: the protocol does one movement at a time. */
    ck_assert_uint_eq(r->n_repetitions, 4);
    ck_assert_uint_eq(r->n_flags, 1); /* only the right IR, not the clean left side */
    const RomcvCompensationFlag *f = &r->flag[0];
    ck_assert_str_eq(f->def->key, "pelvis_lift");
    ck_assert_str_eq(segmenter_name(r, (size_t)f->repetition), "right-ir");
    ck_assert_int_eq((int)f->side, ROMCV_SIDE_RIGHT);
    ck_assert_msg(fabsf(f->magnitude - 8.0f) < 0.8f, "lift %.2f", f->magnitude);
    ck_assert_float_eq(f->threshold, 5.0f);
    ck_assert_ptr_nonnull(f->def->source);
    /* Above 4 deg from half-way out to half-way back; evidence in the hold. */
    double t0 = rotation_start[0];
    ck_assert_msg(f->start_s > t0 + 0.3 && f->start_s < t0 + 0.8, "starts %.2f", f->start_s);
    ck_assert_msg(f->end_s > t0 + 2.2 && f->end_s < t0 + 2.7, "ends %.2f", f->end_s);
    double evidence = a.angles->time_s[f->evidence_frame];
    ck_assert_msg(evidence > t0 + 0.9 && evidence < t0 + 2.1, "evidence at %.2f", evidence);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* A pause half-way, an attempt that stops short, and the person walking out
 * of view between movements. */
START_TEST(seated_rotation_pauses_partials_and_gaps) {
    Clip c;
    clip_init(&c, 14.0);
    for (size_t i = 0; i < c.n; i++) {
        double t = c.t[i];
        FrontPose p = {.seated = 1};
        /* Right IR in two stages with a 1 s pause at 15 deg. */
        p.ir_r = 15 * excursion(t, 1.5, 0.8, 3.6) + 20 * excursion(t, 3.3, 0.8, 1.0);
        /* A first left IR attempt that stops at 14 deg, then the real one. */
        p.ir_l = 14 * excursion(t, 9.0, 0.6, 0.4) + 32 * excursion(t, 11.0, 0.8, 0.8);
        front(&c, i, &p);
        if (t > 6.8 && t < 8.6) {
            absent(&c, i); /* walked out of view and back */
        }
    }
    Analysis a = analyze(&c, "seated-hip-rotation", 0);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert_uint_eq(r->n_repetitions, 3);
    ck_assert_str_eq(segmenter_name(r, 0), "right-ir");
    ck_assert(!r->repetition[0].partial && !r->repetition[0].cut);
    ck_assert_str_eq(segmenter_name(r, 1), "left-ir");
    ck_assert(r->repetition[1].partial);
    ck_assert_str_eq(segmenter_name(r, 2), "left-ir");
    ck_assert(!r->repetition[2].partial);
    ck_assert_msg(fabsf(measure(r, "hip_ir_right")->best - 35) < 0.8f, "right IR %.2f",
                  measure(r, "hip_ir_right")->best);
    /* The end range comes from the complete repetition, not the attempt. */
    ck_assert_msg(fabsf(measure(r, "hip_ir_left")->best - 32) < 0.8f, "left IR %.2f",
                  measure(r, "hip_ir_left")->best);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* A walk out of view in the middle of a movement cuts the repetition. */
START_TEST(repetition_cut_by_leaving_view) {
    Clip c;
    clip_init(&c, 6.0);
    for (size_t i = 0; i < c.n; i++) {
        FrontPose p = {.seated = 1, .ir_r = 30 * excursion(c.t[i], 1.5, 1.0, 1.0)};
        front(&c, i, &p);
        if (c.t[i] > 3.0) {
            absent(&c, i);
        }
    }
    Analysis a = analyze(&c, "seated-hip-rotation", 0);
    print_result(a.result);
    ck_assert_uint_eq(a.result->n_repetitions, 1);
    ck_assert(a.result->repetition[0].cut);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* -------------------------------------------------- single-leg stance */

/* Both feet 2 s, stand on the left leg 5 s (right foot 30 px up, the right
 * side of the pelvis dropping drop_deg), both feet 2 s, stand on the right
 * leg 5 s without a drop. */
static void single_leg(Clip *c, double drop_deg, double lean_deg) {
    clip_init(c, 16.0);
    for (size_t i = 0; i < c->n; i++) {
        double t = c->t[i];
        double on_left = excursion(t, 2.0, 0.4, 5.0), on_right = excursion(t, 9.8, 0.4, 5.0);
        FrontPose p = {0};
        p.lift_r = 60 * on_left;
        p.lift_l = 60 * on_right;
        p.obliquity = drop_deg * on_left; /* the right side lower: left higher */
        p.lean = lean_deg * on_left;
        front(c, i, &p);
    }
}

START_TEST(trendelenburg_drop_is_flagged) {
    Clip c;
    single_leg(&c, 6.0, 0.0);
    Analysis a = analyze(&c, "single-leg-stance", 0);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert(r->view_ok);
    ck_assert_uint_eq(r->n_repetitions, 2);
    ck_assert_str_eq(segmenter_name(r, 0), "left-stance");
    ck_assert_str_eq(segmenter_name(r, 1), "right-stance");
    const RomcvMeasureResult *hold = measure(r, "hold_left");
    ck_assert_msg(fabsf(hold->best - 5.4f) < 0.4f, "hold %.2f s", hold->best);
    ck_assert_msg(fabsf(measure(r, "pelvic_drop_left_stance")->best - 6) < 0.5f, "drop %.2f",
                  measure(r, "pelvic_drop_left_stance")->best);
    /* Magee's rule is in cm: without a scale the 120 px hip width stands for
     * 20 cm, so a 6 deg drop is 20 sin 6 deg = 2.09 cm, over the 2 cm. */
    const RomcvMeasureResult *cm = measure(r, "pelvic_drop_cm_left_stance");
    ck_assert_msg(fabsf(cm->best - 2.09f) < 0.1f, "drop %.3f cm", cm->best);
    ck_assert_int_eq(cm->outside_normal, 1);
    ck_assert_uint_eq(count_flags(r, "trendelenburg"), 1);
    ck_assert_uint_eq(count_flags(r, "trunk_lean_over_stance"), 0);
    const RomcvCompensationFlag *f = &r->flag[0];
    ck_assert_int_eq((int)f->side, ROMCV_SIDE_LEFT);
    ck_assert_msg(fabsf(f->magnitude - 2.09f) < 0.1f, "drop %.3f cm", f->magnitude);
    ck_assert_float_eq(f->threshold, 2.0f);
    ck_assert_msg(f->start_s > 2.0 && f->end_s < 7.8, "span %.2f-%.2f", f->start_s, f->end_s);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

START_TEST(compensated_trendelenburg_and_clean_stance) {
    Clip c;
    single_leg(&c, 0.0, 8.0);
    Analysis a = analyze(&c, "single-leg-stance", 0);
    print_result(a.result);
    ck_assert_uint_eq(count_flags(a.result, "trendelenburg"), 0);
    ck_assert_uint_eq(count_flags(a.result, "trunk_lean_over_stance"), 1);
    ck_assert_msg(fabsf(a.result->flag[0].magnitude - 8.0f) < 0.6f, "lean %.2f",
                  a.result->flag[0].magnitude);
    analysis_free(&a);
    clip_free(&c);
    single_leg(&c, 0.0, 0.0);
    a = analyze(&c, "single-leg-stance", 0);
    ck_assert_uint_eq(a.result->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* ---------------------------------------------------------- side views */

START_TEST(squat_repetitions_and_depth) {
    Clip c;
    clip_init(&c, 14.0);
    const double starts[4] = {1.5, 4.5, 7.5, 10.5}, depth[4] = {100, 105, 55, 110};
    for (size_t i = 0; i < c.n; i++) {
        double k = 0;
        for (int r = 0; r < 4; r++) {
            k += depth[r] * excursion(c.t[i], starts[r], 1.0, 0.5);
        }
        SidePose p = {.knee = k, .trunk = 0.35 * k};
        side(&c, i, &p);
    }
    Analysis a = analyze(&c, "squat", 0);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert_int_eq((int)r->dominant_view, ROMCV_VIEW_RIGHT_SIDE);
    ck_assert(r->view_ok);
    ck_assert_uint_eq(r->n_repetitions, 4);
    ck_assert(r->repetition[2].partial); /* the 55 deg one */
    ck_assert(!r->repetition[0].partial && !r->repetition[3].partial);
    const RomcvMeasureResult *knee = measure(r, "knee_flexion_right");
    ck_assert_uint_eq(knee->n_values, 4);
    ck_assert_msg(fabsf(knee->values[0].value - 100) < 1.5f, "rep 1 %.2f", knee->values[0].value);
    ck_assert_msg(fabsf(knee->best - 110) < 1.5f, "deepest %.2f", knee->best);
    /* Front-view measures are not measurable from the side. */
    ck_assert(isnan(measure(r, "knee_valgus_left")->best));
    ck_assert_uint_eq(r->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* Forward bend to 70 deg of trunk inclination, split between the pelvis
 * (anterior tilt) and the spine. */
static void forward_bend(Clip *c, double pelvis_deg) {
    clip_init(c, 7.0);
    for (size_t i = 0; i < c->n; i++) {
        double e = excursion(c->t[i], 1.5, 1.5, 1.0);
        SidePose p = {.knee = 0, .trunk = 70 * e, .pelvic_tilt = 10 + pelvis_deg * e};
        side(c, i, &p);
    }
}

START_TEST(lumbar_dominant_bend_is_flagged) {
    Clip c;
    forward_bend(&c, 20);
    Analysis a = analyze(&c, "forward-bend", 1);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert_uint_eq(r->n_repetitions, 1);
    ck_assert_msg(fabsf(measure(r, "hip_contribution")->best - 20) < 1.0f, "hip part %.2f",
                  measure(r, "hip_contribution")->best);
    ck_assert_msg(fabsf(measure(r, "lumbar_contribution")->best - 50) < 1.5f, "lumbar part %.2f",
                  measure(r, "lumbar_contribution")->best);
    ck_assert_uint_eq(count_flags(r, "lumbar_dominant_bend"), 1);
    ck_assert_msg(fabsf(r->flag[0].magnitude - 2.5f) < 0.2f, "ratio %.2f", r->flag[0].magnitude);
    analysis_free(&a);
    clip_free(&c);
    forward_bend(&c, 45); /* hip-dominant: lumbar 25, hips 45 */
    a = analyze(&c, "forward-bend", 1);
    print_result(a.result);
    ck_assert_uint_eq(a.result->n_repetitions, 1);
    ck_assert_uint_eq(a.result->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
    /* Without pelvic tilt the split is not measurable: nothing is flagged. */
    forward_bend(&c, 20);
    a = analyze(&c, "forward-bend", 0);
    ck_assert_uint_eq(a.result->n_repetitions, 1);
    ck_assert(isnan(measure(a.result, "hip_contribution")->best));
    ck_assert_uint_eq(a.result->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

START_TEST(wrong_view_is_warned) {
    Clip c;
    clip_init(&c, 4.0);
    for (size_t i = 0; i < c.n; i++) {
        SidePose p = {.knee = 60 * excursion(c.t[i], 1.0, 1.0, 0.5)};
        side(&c, i, &p);
    }
    Analysis a = analyze(&c, "seated-hip-rotation", 0);
    ck_assert(!a.result->view_ok);
    ck_assert_uint_ge(a.result->n_warnings, 1);
    ck_assert_msg(strstr(a.result->warning[0], "needs a front view") != NULL, "%s",
                  a.result->warning[0]);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* ------------------------------------------- the other protocols */

START_TEST(prone_rotation_end_ranges) {
    Clip c;
    clip_init(&c, ROTATION_CLIP_S);
    const double end[4] = {36, 42, 31, 44};
    for (size_t i = 0; i < c.n; i++) {
        double e[4];
        for (int k = 0; k < 4; k++) {
            e[k] = excursion(c.t[i], rotation_start[k], 1.0, 1.0);
        }
        FrontPose p = {.prone = 1};
        p.ir_r = end[0] * e[0] - end[1] * e[1];
        p.ir_l = end[2] * e[2] - end[3] * e[3];
        front(&c, i, &p);
    }
    Analysis a = analyze(&c, "prone-hip-rotation", 0);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert_int_eq((int)r->dominant_view, ROMCV_VIEW_BACK);
    ck_assert(r->view_ok);
    ck_assert_uint_eq(r->n_repetitions, 4);
    ck_assert_msg(fabsf(measure(r, "hip_ir_right")->best - 36) < 0.7f, "right IR %.2f",
                  measure(r, "hip_ir_right")->best);
    ck_assert_msg(fabsf(measure(r, "hip_er_right")->best - 42) < 0.7f, "right ER %.2f",
                  measure(r, "hip_er_right")->best);
    ck_assert_msg(fabsf(measure(r, "hip_ir_left")->best - 31) < 0.7f, "left IR %.2f",
                  measure(r, "hip_ir_left")->best);
    ck_assert_msg(fabsf(measure(r, "hip_er_left")->best - 44) < 0.7f, "left ER %.2f",
                  measure(r, "hip_er_left")->best);
    ck_assert_uint_eq(r->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* Standing still, seen from the right, with pelvic and spinal markers. */
static void standing(Clip *c, double tilt, double lordosis) {
    clip_init(c, 4.0);
    for (size_t i = 0; i < c->n; i++) {
        SidePose p = {.knee = 2, .trunk = 3, .pelvic_tilt = tilt, .lordosis = lordosis};
        side(c, i, &p);
    }
}

START_TEST(standing_posture_tilt_with_lordosis) {
    Clip c;
    standing(&c, 22, 66);
    Analysis a = analyze(&c, "standing-posture", 1);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert_uint_eq(r->n_repetitions, 1);
    ck_assert_msg(fabsf(measure(r, "pelvic_tilt")->best - 22) < 0.5f, "tilt %.2f",
                  measure(r, "pelvic_tilt")->best);
    ck_assert_msg(fabsf(measure(r, "lumbar_lordosis")->best - 66) < 0.5f, "lordosis %.2f",
                  measure(r, "lumbar_lordosis")->best);
    ck_assert_int_eq(measure(r, "lumbar_lordosis")->outside_normal, 1);
    ck_assert_uint_eq(count_flags(r, "anterior_tilt_lordosis"), 1);
    analysis_free(&a);
    clip_free(&c);
    /* Tilted but with a normal curve, and a normal posture: no flag. */
    standing(&c, 22, 50);
    a = analyze(&c, "standing-posture", 1);
    ck_assert_uint_eq(a.result->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
    standing(&c, 12, 45);
    a = analyze(&c, "standing-posture", 1);
    ck_assert_uint_eq(a.result->n_flags, 0);
    ck_assert_int_eq(measure(a.result, "lumbar_lordosis")->outside_normal, 0);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* Seated 2 s, then three rises: up over 1 s, stand 1 s, down over 1 s, sit
 * 1 s; the trunk leans forward by lean_deg while rising. */
static void sit_to_stand(Clip *c, double lean_deg) {
    clip_init(c, 15.0);
    for (size_t i = 0; i < c->n; i++) {
        /* Only 0.6 s seated at the start, so the first quiet second, the
         * neutral baseline, is a standing one (as in the phantom's clip,
         * where a baseline taken standing once hid every rise). */
        double t = c->t[i] + 1.4, up = 0, lean = 0;
        for (int r = 0; r < 3; r++) {
            double start = 2.0 + 4.0 * r;
            up += excursion(t, start, 1.0, 1.0);
            lean += excursion(t, start, 0.5, 0.0);
        }
        SidePose p = {.knee = 90 * (1 - up), .trunk = 10 + lean_deg * lean};
        side(c, i, &p);
    }
}

START_TEST(sit_to_stand_repetitions_and_trunk_lean) {
    Clip c;
    sit_to_stand(&c, 35);
    Analysis a = analyze(&c, "sit-to-stand", 0);
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert(r->view_ok);
    ck_assert_uint_eq(r->n_repetitions, 3);
    const RomcvMeasureResult *d = measure(r, "duration");
    for (size_t k = 0; k < d->n_values; k++) {
        /* Above the thresholds from about a third of the way up to a third
         * of the way down: about 2.3 of the 3 s. */
        ck_assert_msg(d->values[k].value > 2.0f && d->values[k].value < 3.1f, "rep %zu %.2f s", k,
                      d->values[k].value);
    }
    ck_assert_uint_eq(r->n_flags, 0);
    analysis_free(&a);
    clip_free(&c);
    /* The planted lean (peak 70 deg) is flagged in every rise. */
    sit_to_stand(&c, 60);
    a = analyze(&c, "sit-to-stand", 0);
    print_result(a.result);
    ck_assert_uint_eq(count_flags(a.result, "excessive_trunk_lean"), 3);
    ck_assert_msg(fabsf(a.result->flag[0].magnitude - 70) < 1.5f, "lean %.2f",
                  a.result->flag[0].magnitude);
    analysis_free(&a);
    clip_free(&c);
}
END_TEST

/* ------------------------------------------------------------ the table */

START_TEST(table_is_complete_and_sourced) {
    const char *names[] = {"seated-hip-rotation",
                           "prone-hip-rotation",
                           "standing-posture",
                           "single-leg-stance",
                           "squat",
                           "forward-bend",
                           "leg-raise",
                           "sit-to-stand"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        ck_assert_msg(romcv_protocols_find(names[i]) != NULL, "missing %s", names[i]);
    }
    ck_assert_ptr_null(romcv_protocols_find("nope"));
    ck_assert_ptr_null(romcv_protocols_get(romcv_protocols_count()));
    for (size_t i = 0; i < romcv_protocols_count(); i++) {
        const RomcvProtocolDef *p = romcv_protocols_get(i);
        ck_assert_ptr_eq(romcv_protocols_find(p->name), p);
        ck_assert(p->views != 0 && p->title && p->instructions && p->notes);
        ck_assert(p->n_segmenters > 0 && p->n_segmenters <= ROMCV_PROTOCOL_MAX_SEGMENTERS);
        for (int s = 0; s < p->n_segmenters; s++) {
            const RomcvSegmenterDef *sd = &p->segmenter[s];
            ck_assert(sd->signal >= 0 && sd->signal < ROMCV_SIGNAL_COUNT);
            ck_assert_msg(sd->exit <= sd->enter, "%s %s", p->name, sd->name);
        }
        for (int m = 0; m < p->n_measures; m++) {
            const RomcvMeasureDef *md = &p->measure[m];
            ck_assert(md->segmenter >= 0 && md->segmenter < p->n_segmenters);
            ck_assert(md->signal >= 0 && md->signal < ROMCV_SIGNAL_COUNT);
            if (isfinite(md->normal_low) || isfinite(md->normal_high)) {
                ck_assert_msg(md->normal_source != NULL, "%s %s range", p->name, md->key);
            }
            if (isfinite(md->asymmetry_threshold)) {
                ck_assert_msg(md->pair > m && md->asymmetry_source, "%s %s", p->name, md->key);
            }
        }
        for (int f = 0; f < p->n_flags; f++) {
            const RomcvFlagDef *fd = &p->flag[f];
            ck_assert_msg(fd->source && strlen(fd->source) > 20, "%s %s", p->name, fd->key);
            ck_assert(fd->signal >= 0 && fd->signal < ROMCV_SIGNAL_COUNT);
            ck_assert(fd->segmenters < (1u << p->n_segmenters));
        }
    }
    ck_assert_str_eq(romcv_signal_name(ROMCV_SIGNAL_PELVIS_DESCENT), "pelvis_descent");
    ck_assert_str_eq(romcv_signal_name(ROMCV_ANGLE_HIP_ROTATION_LEFT), "hip_rotation_left");
    ck_assert_str_eq(romcv_signal_name(ROMCV_SIGNAL_COUNT), "unknown");
    ck_assert_str_eq(romcv_signal_unit(ROMCV_SIGNAL_KNEE_SHIFT_LEFT), "leg");
}
END_TEST

START_TEST(bad_arguments_are_rejected) {
    RomcvProtocolSettings ps;
    romcv_protocol_default_settings(&ps);
    RomcvLandmarkSeries lm = {0};
    RomcvAngleResults angles = {0};
    angles.n = 1;
    RomcvProtocolResult *out = (RomcvProtocolResult *)&ps; /* must be reset to NULL */
    RomcvDiag diag = {0};
    const RomcvProtocolDef *def = romcv_protocols_find("squat");
    ck_assert_int_eq(romcv_protocol_analyze(def, &ps, &lm, &angles, &out, &diag),
                     ROMCV_ERR(EINVAL));
    ck_assert_ptr_null(out);
    ck_assert(strstr(diag.message, "frames") != NULL);
    ck_assert_int_eq(romcv_protocol_analyze(NULL, &ps, &lm, &angles, &out, NULL),
                     ROMCV_ERR(EINVAL));
    romcv_protocol_result_destroy(NULL);
    romcv_protocol_result_destroy(&out);
}
END_TEST

/* ---------------------------------------------- the real shared videos */

static Analysis analyze_reference(const char *file, const char *protocol) {
    RomcvTestReference ref;
    romcv_test_reference_load(file, &ref);
    Clip c = {.n = ref.n, .t = ref.t};
    for (int k = 0; k < NLM; k++) {
        c.x[k] = ref.x[k], c.y[k] = ref.y[k], c.v[k] = ref.v[k];
    }
    Analysis a = analyze(&c, protocol, 0);
    romcv_test_reference_free(&ref);
    return a;
}

/* squat_side.mp4 shows two deep squats (at about 9-11 s and 15-18 s,
 * counted by looking at the video); MediaPipe's own landmarks must give
 * those two, each with a knee flexion above 100 deg. */
START_TEST(squat_side_reference_has_two_deep_squats) {
    Analysis a = analyze_reference("reference/squat_side.m1.jsonl", "squat");
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert(r->view_ok);
    ck_assert_uint_eq(r->n_repetitions, 2);
    ck_assert_msg(r->repetition[0].peak_s > 9.5 && r->repetition[0].peak_s < 11.5, "%.2f",
                  r->repetition[0].peak_s);
    ck_assert_msg(r->repetition[1].peak_s > 16.0 && r->repetition[1].peak_s < 18.5, "%.2f",
                  r->repetition[1].peak_s);
    const RomcvMeasureResult *knee = measure(r, "knee_flexion_right");
    for (size_t k = 0; k < knee->n_values; k++) {
        ck_assert_msg(knee->values[k].value > 100 && knee->values[k].value < 150,
                      "rep %zu knee %.1f", k, knee->values[k].value);
    }
    analysis_free(&a);
}
END_TEST

/* squat_front.mp4: three squats, the last cut by the end of the video;
 * knee valgus is reported per repetition. */
START_TEST(squat_front_reference_reports_valgus_per_repetition) {
    Analysis a = analyze_reference("reference/squat_front.m1.jsonl", "squat");
    const RomcvProtocolResult *r = a.result;
    print_result(r);
    ck_assert_int_eq((int)r->dominant_view, ROMCV_VIEW_FRONT);
    ck_assert_uint_eq(r->n_repetitions, 3);
    ck_assert(r->repetition[2].cut);
    for (int side = 0; side < 2; side++) {
        const RomcvMeasureResult *v = measure(r, side ? "knee_valgus_right" : "knee_valgus_left");
        ck_assert_uint_eq(v->n_values, 3);
        for (size_t k = 0; k < 3; k++) {
            /* Plausible frontal knee angles, not the 80 deg artefacts of a
             * thigh seen end-on. */
            ck_assert_msg(isfinite(v->values[k].value) && fabsf(v->values[k].value) < 30,
                          "%s rep %zu %.1f", v->def->key, k, v->values[k].value);
        }
    }
    analysis_free(&a);
}
END_TEST

/* ------------------------------------------------------ the command line */

static int cli(const char *arguments, char *output, size_t size) {
    char command[8192];
    snprintf(command, sizeof command, "'%s' %s", romcv_test_env("ROMCV_CLI"), arguments);
    return romcv_test_run(command, output, size);
}

START_TEST(cli_lists_protocols_and_rejects_unknown_ones) {
    static char out[65536];
    ck_assert_int_eq(cli("protocols", out, sizeof out), 0);
    for (size_t i = 0; i < romcv_protocols_count(); i++) {
        ck_assert_msg(strstr(out, romcv_protocols_get(i)->name) != NULL, "%s",
                      romcv_protocols_get(i)->name);
    }
    ck_assert_int_eq(cli("protocols squat", out, sizeof out), 0);
    ck_assert(strstr(out, "knee_valgus") != NULL && strstr(out, "source:") != NULL);
    ck_assert_int_eq(cli("protocols nope", out, sizeof out), 2);
    ck_assert_int_eq(cli("analyze --protocol nope --out /nonexistent/x", out, sizeof out), 2);
    ck_assert_msg(strstr(out, "unknown protocol 'nope'") && strstr(out, "seated-hip-rotation"),
                  "%s", out);
    ck_assert_int_eq(cli("analyze --side middle", out, sizeof out), 2);
}
END_TEST

START_TEST(cli_squat_front_summary) {
    static char out[65536];
    char *video = romcv_test_shared_file("samples/squat_front.mp4");
    char *dir = romcv_test_make_tmpdir();
    char arguments[4096];
    snprintf(arguments, sizeof arguments,
             "analyze '%s' --protocol squat --scale 0.002 --no-video --out '%s'", video, dir);
    int rc = cli(arguments, out, sizeof out);
    ck_assert_msg(rc == 0, "exit %d: %s", rc, out);
    ck_assert_msg(strstr(out, "Deep squat: 3 repetitions, view front") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "left knee valgus (FPPA)") != NULL, "%s", out);
    /* With a scale the TRC is in metres: the header says so, and the nose's
     * first x (about 350 px) reads about 0.7 m. */
    char *trc_path = romcv_test_path(dir, "landmarks.trc");
    char *trc = romcv_test_read_file(trc_path, NULL);
    ck_assert_ptr_nonnull(trc);
    ck_assert_msg(strstr(trc, "\tm\t") != NULL, "units: %.300s", trc);
    const char *row = strstr(trc, "\n1\t");
    ck_assert_ptr_nonnull(row);
    double t0, nose_x;
    ck_assert_int_eq(sscanf(row, "\n1\t%lf\t%lf", &t0, &nose_x), 2);
    ck_assert_msg(nose_x > 0.4 && nose_x < 1.1, "nose x %.3f m", nose_x);
    free(trc);
    free(trc_path);
    free(video);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("protocols");
    TCase *tc = tcase_create("synthetic");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, seated_rotation_clean);
    tcase_add_test(tc, seated_rotation_asymmetry_is_flagged);
    tcase_add_test(tc, seated_rotation_pelvis_lift_is_flagged);
    tcase_add_test(tc, seated_rotation_pauses_partials_and_gaps);
    tcase_add_test(tc, repetition_cut_by_leaving_view);
    tcase_add_test(tc, trendelenburg_drop_is_flagged);
    tcase_add_test(tc, compensated_trendelenburg_and_clean_stance);
    tcase_add_test(tc, squat_repetitions_and_depth);
    tcase_add_test(tc, lumbar_dominant_bend_is_flagged);
    tcase_add_test(tc, wrong_view_is_warned);
    tcase_add_test(tc, prone_rotation_end_ranges);
    tcase_add_test(tc, standing_posture_tilt_with_lordosis);
    tcase_add_test(tc, sit_to_stand_repetitions_and_trunk_lean);
    tcase_add_test(tc, table_is_complete_and_sourced);
    tcase_add_test(tc, bad_arguments_are_rejected);
    suite_add_tcase(s, tc);
    TCase *ref = tcase_create("reference");
    tcase_set_timeout(ref, 300);
    tcase_add_test(ref, squat_side_reference_has_two_deep_squats);
    tcase_add_test(ref, squat_front_reference_reports_valgus_per_repetition);
    tcase_add_test(ref, cli_lists_protocols_and_rejects_unknown_ones);
    tcase_add_test(ref, cli_squat_front_summary);
    suite_add_tcase(s, ref);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
