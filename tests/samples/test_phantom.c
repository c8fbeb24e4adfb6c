/* tests/samples/test_phantom.c: the digital phantom (issue 6): deterministic
 * pixels, truth consistent with its own camera, scripts that reach their end
 * ranges, planted compensations, marker visibility, a body where the truth
 * says it is, the clip writer, the capture source and the command. */
#include "testutil.h"

#include "capture/internal.h"
#include "core/json.h"
#include "romcv/samples.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern const RomcvCaptureSource romcv__capture_phantom;

static RomcvPhantom *make(const RomcvPhantomSettings *s) {
    RomcvPhantom *ph = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_phantom_create(&ph, s, &diag) == 0, "%s", diag.message);
    return ph;
}

static RomcvFrame *frame_for(const RomcvPhantomSettings *s) {
    RomcvFrame *f = NULL;
    ck_assert_int_eq(romcv_frame_create(&f, s->width, s->height, ROMCV_PIX_RGB24), 0);
    return f;
}

static void hash_frame(const RomcvFrame *f, char hex[65]) {
    RomcvSha256 sha;
    romcv_sha256_init(&sha);
    for (int y = 0; y < f->height; y++) {
        romcv_sha256_update(&sha, f->data + (size_t)y * f->stride, (size_t)f->width * 3);
    }
    romcv_sha256_final_hex(&sha, hex);
}

static const uint8_t *pixel(const RomcvFrame *f, double u, double v) {
    int x = (int)floor(u), y = (int)floor(v);
    ck_assert_msg(x >= 0 && y >= 0 && x < f->width && y < f->height, "pixel %d,%d outside", x, y);
    return f->data + (size_t)y * f->stride + (size_t)x * 3;
}

static void small(RomcvPhantomSettings *s, RomcvProtocol protocol) {
    romcv_phantom_default_settings(s, protocol);
    s->width = 320;
    s->height = 240;
}

/* _i: the protocol (a loop test over the seated test and the two lying or
 * rising ones, whose bodies are placed differently). */
static const RomcvProtocol determinism_protocols[] = {
    ROMCV_PROTOCOL_SEATED_HIP_ROTATION,
    ROMCV_PROTOCOL_LEG_RAISE,
    ROMCV_PROTOCOL_SIT_TO_STAND,
};

START_TEST(same_seed_same_pixels) {
    RomcvPhantomSettings s;
    small(&s, determinism_protocols[_i]);
    s.seed = 7;
    RomcvPhantom *a = make(&s), *b = make(&s);
    RomcvFrame *fa = frame_for(&s), *fb = frame_for(&s);
    char ha[65], hb[65];
    int64_t index = 80; /* mid-movement */
    ck_assert_int_eq(romcv_phantom_render(a, index, fa, NULL), 0);
    ck_assert_int_eq(romcv_phantom_render(b, index, fb, NULL), 0);
    hash_frame(fa, ha);
    hash_frame(fb, hb);
    ck_assert_str_eq(ha, hb);
    /* Rendering again (warm scratch buffers) gives the same pixels too. */
    ck_assert_int_eq(romcv_phantom_render(a, index, fa, NULL), 0);
    hash_frame(fa, hb);
    ck_assert_str_eq(ha, hb);
    /* The seed drives the sway: another seed moves the body. */
    romcv_phantom_destroy(&b);
    s.seed = 8;
    b = make(&s);
    ck_assert_int_eq(romcv_phantom_render(b, index, fb, NULL), 0);
    hash_frame(fb, hb);
    ck_assert_str_ne(ha, hb);
    romcv_frame_unref(&fa);
    romcv_frame_unref(&fb);
    romcv_phantom_destroy(&a);
    romcv_phantom_destroy(&b);
    ck_assert_ptr_null(a);
}
END_TEST

/* The truth's image points are its world points through its own camera,
 * reimplemented here from the documented conventions (R, position, OpenCV
 * distortion, pixel centres at +0.5). */
static void reproject(const RomcvPhantomCameraTruth *c, const double w[3], double uv[2]) {
    double d[3] = {w[0] - c->position[0], w[1] - c->position[1], w[2] - c->position[2]};
    double p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = c->rotation[3 * i] * d[0] + c->rotation[3 * i + 1] * d[1] +
               c->rotation[3 * i + 2] * d[2];
    }
    double x = p[0] / p[2], y = p[1] / p[2], r2 = x * x + y * y;
    double radial = 1 + c->k1 * r2 + c->k2 * r2 * r2 + c->k3 * r2 * r2 * r2;
    double xd = x * radial + 2 * c->p1 * x * y + c->p2 * (r2 + 2 * x * x);
    double yd = y * radial + c->p1 * (r2 + 2 * y * y) + 2 * c->p2 * x * y;
    uv[0] = c->fx * xd + c->cx;
    uv[1] = c->fy * yd + c->cy;
}

START_TEST(truth_points_match_the_camera) {
    static const RomcvProtocol variants[] = {
        ROMCV_PROTOCOL_SEATED_HIP_ROTATION,
        ROMCV_PROTOCOL_STANDING_POSTURE,
        ROMCV_PROTOCOL_LEG_RAISE,
        ROMCV_PROTOCOL_SIT_TO_STAND,
    };
    for (int variant = 0; variant < 4; variant++) {
        RomcvPhantomSettings s;
        small(&s, variants[variant]);
        if (variant == 1) {
            s.camera.k1 = -0.12; /* barrel distortion, rolled and off-axis camera */
            s.camera.k2 = 0.03;
            s.camera.roll_deg = 6;
            s.camera.azimuth_deg = 15;
            s.markers = ROMCV_MARKERS_STICKERS;
        }
        RomcvPhantom *ph = make(&s);
        RomcvPhantomTruth t;
        for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i += 37) {
            ck_assert_int_eq(romcv_phantom_render(ph, i, NULL, &t), 0);
            ck_assert_double_eq_tol(t.time_s, (double)i / 30.0, 1e-12);
            int inside = 0;
            for (int j = 0; j < ROMCV_PHANTOM_JOINT_COUNT; j++) {
                double uv[2];
                reproject(&t.camera, t.joints[j].world, uv);
                ck_assert_double_eq_tol(uv[0], t.joints[j].image[0], 1e-6);
                ck_assert_double_eq_tol(uv[1], t.joints[j].image[1], 1e-6);
                inside += t.joints[j].in_image;
            }
            ck_assert_int_eq(inside, ROMCV_PHANTOM_JOINT_COUNT); /* whole body in view */
            for (int m = 0; m < ROMCV_PM_COUNT; m++) {
                double uv[2];
                reproject(&t.camera, t.markers[m].centre.world, uv);
                ck_assert_double_eq_tol(uv[0], t.markers[m].centre.image[0], 1e-6);
                ck_assert_double_eq_tol(uv[1], t.markers[m].centre.image[1], 1e-6);
            }
        }
        romcv_phantom_destroy(&ph);
    }
}
END_TEST

static int is_phase(const RomcvPhantomTruth *t, const char *phase) {
    return strcmp(t->phase, phase) == 0;
}

START_TEST(rotation_end_ranges_follow_the_script) {
    RomcvPhantomSettings s;
    /* _i: 0 seated, 1 prone (a loop test) */
    small(&s, _i ? ROMCV_PROTOCOL_PRONE_HIP_ROTATION : ROMCV_PROTOCOL_SEATED_HIP_ROTATION);
    s.sway_deg = 0;
    s.script.ir_deg = 30;
    s.script.er_deg = 42;
    s.script.er_left_deg = 25;
    RomcvPhantom *ph = make(&s);
    RomcvPhantomTruth t;
    int holds[4] = {0};
    static const char *const names[4] = {"right-ir-hold", "right-er-hold", "left-ir-hold",
                                         "left-er-hold"};
    static const double want[4] = {30, -42, 30, -25};
    for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i++) {
        ck_assert_int_eq(romcv_phantom_render(ph, i, NULL, &t), 0);
        for (int k = 0; k < 4; k++) {
            if (!is_phase(&t, names[k])) {
                continue;
            }
            holds[k]++;
            ck_assert_int_eq(t.end_range, 1);
            int left = k >= 2;
            double shank = left ? t.angles.hip_rotation_left : t.angles.hip_rotation_right;
            double other = left ? t.angles.hip_rotation_right : t.angles.hip_rotation_left;
            double anat = left ? t.angles.hip_rotation_anatomical_left
                               : t.angles.hip_rotation_anatomical_right;
            ck_assert_double_eq_tol(anat, want[k], 1e-9);
            /* With the hip at 90 deg the shank angle is the rotation (to
             * cos(abduction), 0.1 deg here). */
            ck_assert_double_eq_tol(shank, want[k], 0.15);
            ck_assert_double_eq_tol(other, 0, 1e-6);
            ck_assert_int_eq(t.side, left ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT);
        }
        if (is_phase(&t, "neutral")) {
            ck_assert_double_eq_tol(t.angles.hip_rotation_left, 0, 1e-6);
            ck_assert_double_eq_tol(t.angles.hip_rotation_right, 0, 1e-6);
        }
        ck_assert_double_eq_tol(t.angles.knee_flexion_left, 90, 1e-6);
    }
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(holds[k], 30); /* 1 s at 30 fps */
    }
    /* Standing protocols have no hip rotation truth, nor does sitting on the
     * stool to stand up (a side view). */
    romcv_phantom_destroy(&ph);
    small(&s, ROMCV_PROTOCOL_SQUAT);
    ph = make(&s);
    ck_assert_int_eq(romcv_phantom_render(ph, 0, NULL, &t), 0);
    ck_assert(isnan(t.angles.hip_rotation_left));
    romcv_phantom_destroy(&ph);
    small(&s, ROMCV_PROTOCOL_SIT_TO_STAND);
    ph = make(&s);
    ck_assert_int_eq(romcv_phantom_render(ph, 0, NULL, &t), 0);
    ck_assert(isnan(t.angles.hip_rotation_right));
    romcv_phantom_destroy(&ph);
}
END_TEST

START_TEST(pelvic_lift_is_planted_on_one_side_only) {
    RomcvPhantomSettings s;
    small(&s, ROMCV_PROTOCOL_SEATED_HIP_ROTATION);
    s.sway_deg = 0;
    s.script.pelvic_lift_deg = 10;
    s.script.lift_side = ROMCV_SIDE_LEFT;
    RomcvPhantom *ph = make(&s);
    RomcvPhantomTruth t;
    ck_assert_int_eq(romcv_phantom_render(ph, 0, NULL, &t), 0);
    RomcvPhantomPoint right_hip = t.joints[ROMCV_PJ_RIGHT_HIP];
    double max_left = 0, max_right = 0;
    int flagged_right = 0;
    for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i++) {
        ck_assert_int_eq(romcv_phantom_render(ph, i, NULL, &t), 0);
        double o = fabs(t.angles.pelvic_obliquity);
        if (t.side == ROMCV_SIDE_LEFT) {
            max_left = fmax(max_left, o);
        } else if (t.side == ROMCV_SIDE_RIGHT) {
            max_right = fmax(max_right, o);
            flagged_right += t.compensation;
        }
        if (is_phase(&t, "left-ir-hold")) {
            /* IR: the tested (left) side rises; the lift adds to the shank angle. */
            ck_assert_double_eq_tol(t.angles.pelvic_obliquity, 10, 1e-6);
            ck_assert_double_gt(t.angles.hip_rotation_left, 35 + 5);
            ck_assert_int_eq(t.compensation, 1);
            /* The right hip (the pivot, on the stool) did not move. */
            for (int k = 0; k < 3; k++) {
                ck_assert_double_eq_tol(t.joints[ROMCV_PJ_RIGHT_HIP].world[k], right_hip.world[k],
                                        1e-9);
            }
        }
        if (is_phase(&t, "left-er-hold")) {
            ck_assert_double_eq_tol(t.angles.pelvic_obliquity, -10, 1e-6);
        }
    }
    ck_assert_double_eq_tol(max_left, 10, 1e-6);
    ck_assert_double_eq_tol(max_right, 0, 1e-9);
    ck_assert_int_eq(flagged_right, 0);
    romcv_phantom_destroy(&ph);
}
END_TEST

START_TEST(leg_raise_lifts_each_leg_in_turn) {
    RomcvPhantomSettings s;
    small(&s, ROMCV_PROTOCOL_LEG_RAISE);
    s.sway_deg = 0;
    s.script.leg_raise_deg = 65;
    RomcvPhantom *ph = make(&s);
    /* 1 s rest, then per leg 2 s up, 1 s hold, 2 s down, 1 s rest. */
    ck_assert_int_eq(romcv_phantom_frame_count(ph), 13 * 30);
    RomcvPhantomTruth t, rest;
    ck_assert_int_eq(romcv_phantom_render(ph, 0, NULL, &rest), 0);
    ck_assert_str_eq(rest.phase, "rest");
    ck_assert_int_eq(rest.side, ROMCV_SIDE_NONE);
    /* Lying: the pelvis keeps its supine tilt; the legs lie nearly flat on
     * the table, their heels lower than the hips; the trunk line is measured
     * in the body's frame; no hip rotation truth. */
    ck_assert_double_eq_tol(rest.angles.pelvic_tilt, 8, 1e-6);
    ck_assert(isnan(rest.angles.hip_rotation_left));
    for (int side = 0; side < 2; side++) {
        double incl =
            side ? rest.angles.thigh_inclination_right : rest.angles.thigh_inclination_left;
        ck_assert_double_lt(incl, 0);
        ck_assert_double_gt(incl, -5);
        ck_assert_double_lt(rest.joints[ROMCV_PJ_LEFT_ANKLE + side].world[1],
                            rest.joints[ROMCV_PJ_LEFT_HIP + side].world[1]);
    }
    ck_assert_double_eq_tol(rest.angles.trunk_inclination, -5, 1e-3);
    int holds[2] = {0, 0}, flagged = 0;
    for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i++) {
        ck_assert_int_eq(romcv_phantom_render(ph, i, NULL, &t), 0);
        flagged += t.compensation;
        for (int k = 0; k < ROMCV_PHANTOM_JOINT_COUNT; k++) {
            ck_assert_double_gt(t.joints[k].world[1], 0.7); /* nothing below the table top */
        }
        int right = is_phase(&t, "right-raise-hold");
        if (!right && !is_phase(&t, "left-raise-hold")) {
            ck_assert_int_eq(t.end_range, 0);
            continue;
        }
        holds[right]++;
        ck_assert_int_eq(t.end_range, 1);
        ck_assert_int_eq(t.side, right ? ROMCV_SIDE_RIGHT : ROMCV_SIDE_LEFT);
        int up = right, down = 1 - up; /* [0] left, [1] right */
        double flex[2] = {t.angles.hip_flexion_left, t.angles.hip_flexion_right};
        double incl[2] = {t.angles.thigh_inclination_left, t.angles.thigh_inclination_right};
        double rest_incl[2] = {rest.angles.thigh_inclination_left,
                               rest.angles.thigh_inclination_right};
        /* The raised leg's hip flexion is the script's; above the table it
         * stands lower by the pelvis's anterior tilt. The other leg rests. */
        ck_assert_double_eq_tol(flex[up], 65, 1e-6);
        ck_assert_double_eq_tol(incl[up], 65 - 8, 1e-6);
        ck_assert_double_eq_tol(incl[down], rest_incl[down], 1e-6);
        ck_assert_double_eq_tol(t.angles.knee_flexion_left, 2, 1e-6);
        ck_assert_double_eq_tol(t.angles.knee_flexion_right, 2, 1e-6);
        /* The raised foot is well above the table. */
        ck_assert_double_gt(t.joints[ROMCV_PJ_LEFT_ANKLE + up].world[1], 1.3);
    }
    ck_assert_int_eq(holds[0], 30);
    ck_assert_int_eq(holds[1], 30);
    ck_assert_int_eq(flagged, 0);
    romcv_phantom_destroy(&ph);
}
END_TEST

START_TEST(leg_raise_compensation_is_planted_on_one_side) {
    RomcvPhantomSettings s;
    small(&s, ROMCV_PROTOCOL_LEG_RAISE);
    s.sway_deg = 0;
    s.script.raise_posterior_tilt_deg = 10;
    s.script.raise_pelvic_rotation_deg = 6;
    s.script.lift_side = ROMCV_SIDE_LEFT;
    RomcvPhantom *ph = make(&s);
    RomcvPhantomTruth t, rest;
    ck_assert_int_eq(romcv_phantom_render(ph, 0, NULL, &rest), 0);
    int flagged_right = 0, flagged_left = 0, holds = 0;
    for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i++) {
        ck_assert_int_eq(romcv_phantom_render(ph, i, NULL, &t), 0);
        if (t.side == ROMCV_SIDE_RIGHT) {
            flagged_right += t.compensation;
            ck_assert_double_eq_tol(t.angles.pelvic_tilt, 8, 1e-6);
            ck_assert_double_eq_tol(t.angles.pelvic_rotation, 0, 1e-9);
        } else if (t.side == ROMCV_SIDE_LEFT) {
            flagged_left += t.compensation;
        }
        if (!is_phase(&t, "left-raise-hold")) {
            continue;
        }
        holds++;
        ck_assert_int_eq(t.compensation, 1);
        /* Posterior tilt: the thigh stands higher above the table than the
         * hip flexes, by the tilt. */
        ck_assert_double_eq_tol(t.angles.pelvic_tilt, 8 - 10, 0.2);
        ck_assert_double_eq_tol(t.angles.hip_flexion_left, 70, 1e-6);
        ck_assert_double_gt(t.angles.thigh_inclination_left, 70 - 8 + 9);
        /* Rolled toward the raised left leg: the right hip lifts off the
         * table (left hip backward, -), the left one (the pivot) stays. */
        ck_assert_double_eq_tol(t.angles.pelvic_rotation, -6, 0.2);
        ck_assert_double_gt(t.joints[ROMCV_PJ_RIGHT_HIP].world[1],
                            rest.joints[ROMCV_PJ_RIGHT_HIP].world[1] + 0.01);
        for (int k = 0; k < 3; k++) {
            ck_assert_double_eq_tol(t.joints[ROMCV_PJ_LEFT_HIP].world[k],
                                    rest.joints[ROMCV_PJ_LEFT_HIP].world[k], 1e-9);
        }
        /* The thorax stays on the table (the spine twists back). */
        ck_assert_double_eq_tol(t.angles.trunk_inclination, -5, 1e-3);
    }
    ck_assert_int_eq(holds, 30);
    ck_assert_int_eq(flagged_right, 0);
    ck_assert_int_gt(flagged_left, 30);
    romcv_phantom_destroy(&ph);
}
END_TEST

START_TEST(sit_to_stand_rises_and_sits_down) {
    RomcvPhantomSettings s;
    small(&s, ROMCV_PROTOCOL_SIT_TO_STAND);
    s.sway_deg = 0;
    s.script.sts_repetitions = 2;
    s.script.trunk_lean_deg = _i ? 15 : 0; /* _i: the excessive lean planted */
    RomcvPhantom *ph = make(&s);
    /* 1 s seated, then per rise 1.5 s up, 1 s standing, 1.5 s down, 1 s seated. */
    ck_assert_int_eq(romcv_phantom_frame_count(ph), 11 * 30);
    RomcvPhantomTruth t, first;
    ck_assert_int_eq(romcv_phantom_render(ph, 0, NULL, &first), 0);
    ck_assert_str_eq(first.phase, "sit");
    int rises = 0, stands = 0, flagged = 0;
    double peak = 0;
    const char *prev = "";
    for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i++) {
        ck_assert_int_eq(romcv_phantom_render(ph, i, NULL, &t), 0);
        /* The phases follow one another in order. */
        if (strcmp(prev, t.phase) != 0) {
            static const char *const next[][2] = {
                {"sit", "rise"}, {"rise", "stand"}, {"stand", "descend"}, {"descend", "sit"}};
            int ok = 0;
            for (int k = 0; k < 4; k++) {
                ok |= strcmp(prev, next[k][0]) == 0 && strcmp(t.phase, next[k][1]) == 0;
            }
            ck_assert_msg(ok || i == 0, "%s -> %s", prev, t.phase);
            if (is_phase(&t, "rise")) {
                rises++;
            }
        }
        prev = t.phase;
        /* The feet stay put. */
        for (int k = 0; k < 3; k++) {
            ck_assert_double_eq_tol(t.joints[ROMCV_PJ_RIGHT_ANKLE].world[k],
                                    first.joints[ROMCV_PJ_RIGHT_ANKLE].world[k], 1e-9);
        }
        if (is_phase(&t, "sit")) {
            /* On the stool: knees at 100, thighs level, trunk upright, the
             * hips where they were. */
            ck_assert_int_eq(t.end_range, 1);
            ck_assert_double_eq_tol(t.angles.knee_flexion_right, 100, 1e-6);
            ck_assert_double_eq_tol(t.angles.thigh_inclination_right, 90, 1e-6);
            ck_assert_double_eq_tol(t.angles.trunk_inclination, 0, 1e-3);
            ck_assert_double_eq_tol(t.joints[ROMCV_PJ_RIGHT_HIP].world[1],
                                    first.joints[ROMCV_PJ_RIGHT_HIP].world[1], 1e-9);
        } else if (is_phase(&t, "stand")) {
            stands++;
            ck_assert_int_eq(t.end_range, 1);
            ck_assert_double_eq_tol(t.angles.knee_flexion_right, 2, 1e-6);
            ck_assert_double_eq_tol(t.angles.trunk_inclination, 0, 1e-3);
            ck_assert_double_gt(t.joints[ROMCV_PJ_RIGHT_HIP].world[1],
                                first.joints[ROMCV_PJ_RIGHT_HIP].world[1] + 0.3);
        } else {
            ck_assert_int_eq(t.end_range, 0);
        }
        if (is_phase(&t, "rise")) {
            peak = fmax(peak, t.angles.trunk_inclination);
        }
        flagged += t.compensation;
    }
    ck_assert_int_eq(rises, 2);
    ck_assert_int_eq(stands, 60);
    /* Seat-off falls on a frame: the peak lean is sampled exactly. */
    ck_assert_double_eq_tol(peak, _i ? 50 : 35, 1e-3);
    if (_i) {
        ck_assert_int_gt(flagged, 60);
    } else {
        ck_assert_int_eq(flagged, 0);
    }
    romcv_phantom_destroy(&ph);
}
END_TEST

START_TEST(sit_to_stand_weight_shift_leans_sideways) {
    RomcvPhantomSettings s;
    small(&s, ROMCV_PROTOCOL_SIT_TO_STAND);
    s.sway_deg = 0;
    s.script.sts_repetitions = 1;
    s.script.sts_weight_shift_deg = -8; /* toward the subject's right */
    s.camera.azimuth_deg = 90;          /* the front view */
    RomcvPhantom *ph = make(&s);
    RomcvPhantomTruth t;
    double most = 0, shift = 0;
    for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i++) {
        ck_assert_int_eq(romcv_phantom_render(ph, i, NULL, &t), 0);
        most = fmin(most, t.angles.trunk_lateral_lean);
        /* The pelvis over the feet, along world X (the subject's left +). */
        double x =
            0.5 *
            (t.joints[ROMCV_PJ_LEFT_HIP].world[0] + t.joints[ROMCV_PJ_RIGHT_HIP].world[0] -
             t.joints[ROMCV_PJ_LEFT_ANKLE].world[0] - t.joints[ROMCV_PJ_RIGHT_ANKLE].world[0]);
        shift = fmin(shift, x);
        if (is_phase(&t, "sit") || is_phase(&t, "stand")) {
            ck_assert_double_eq_tol(t.angles.trunk_lateral_lean, 0, 1e-3);
            ck_assert_int_eq(t.compensation, 0);
        }
    }
    ck_assert_double_eq_tol(most, -8, 1e-3);
    /* The pelvis travelled toward the right leg by several centimetres. */
    ck_assert_double_lt(shift, -0.03);
    ck_assert_double_gt(shift, -0.1);
    /* Seen from the front: the subject's left hip is on the image's right. */
    ck_assert_double_gt(t.joints[ROMCV_PJ_LEFT_HIP].image[0],
                        t.joints[ROMCV_PJ_RIGHT_HIP].image[0]);
    romcv_phantom_destroy(&ph);
}
END_TEST

/* Saturated pixels of the marker's hue near (u, v): r, g, b order given. */
static int count_marker_pixels(const RomcvFrame *f, double u, double v, int radius) {
    int n = 0;
    for (int y = (int)v - radius; y <= (int)v + radius; y++) {
        for (int x = (int)u - radius; x <= (int)u + radius; x++) {
            if (x < 0 || y < 0 || x >= f->width || y >= f->height) {
                continue;
            }
            const uint8_t *p = f->data + (size_t)y * f->stride + (size_t)x * 3;
            /* L3's orange: red high, blue low, strongly saturated (skin is
             * not: its channels span less than 100). */
            if (p[0] > 150 && p[0] - p[2] > 130 && p[1] > 50 && p[1] < 200) {
                n++;
            }
        }
    }
    return n;
}

START_TEST(side_view_hides_spine_stickers_but_not_balls) {
    RomcvPhantomSettings s;
    romcv_phantom_default_settings(&s, ROMCV_PROTOCOL_STANDING_POSTURE);
    s.camera.distance_m = 2.0; /* closer, so a 14 mm ball covers several pixels */
    int counts[2] = {0, 0};
    for (int kind = ROMCV_MARKERS_STICKERS; kind <= ROMCV_MARKERS_BALLS; kind++) {
        s.markers = (RomcvMarkerKind)kind;
        RomcvPhantom *ph = make(&s);
        RomcvFrame *f = frame_for(&s);
        RomcvPhantomTruth t;
        ck_assert_int_eq(romcv_phantom_render(ph, 0, f, &t), 0);
        int spine[3] = {ROMCV_PM_T12, ROMCV_PM_L3, ROMCV_PM_S1};
        for (int k = 0; k < 3; k++) {
            const RomcvPhantomMarkerTruth *m = &t.markers[spine[k]];
            ck_assert_int_eq(m->present, 1);
            ck_assert_int_eq(m->centre.in_image, 1);
            ck_assert_int_eq(m->detectable, kind == ROMCV_MARKERS_BALLS);
            if (kind == ROMCV_MARKERS_STICKERS) {
                ck_assert_int_eq(m->facing, 0); /* edge-on */
            }
        }
        /* The camera is on the right: right-side markers face it, left ones
         * are behind the body. */
        ck_assert_int_eq(t.markers[ROMCV_PM_RIGHT_TROCHANTER].detectable, 1);
        ck_assert_int_eq(t.markers[ROMCV_PM_LEFT_TROCHANTER].detectable, 0);
        ck_assert_int_eq(t.markers[ROMCV_PM_LEFT_TROCHANTER].occluded, 1);
        /* And the pixels agree: the L3 ball's colour is there, the sticker's hardly. */
        const RomcvPhantomMarkerTruth *l3 = &t.markers[ROMCV_PM_L3];
        counts[kind - ROMCV_MARKERS_STICKERS] =
            count_marker_pixels(f, l3->centre.image[0], l3->centre.image[1], 4);
        romcv_frame_unref(&f);
        romcv_phantom_destroy(&ph);
    }
    /* An edge-on sticker leaves at most a one-pixel sliver on the silhouette;
     * the ball is a disc of its colour. */
    ck_assert_int_le(counts[0], 3);
    ck_assert_int_ge(counts[1], 12);
}
END_TEST

START_TEST(the_body_is_where_the_truth_says) {
    RomcvPhantomSettings s;
    small(&s, ROMCV_PROTOCOL_SEATED_HIP_ROTATION);
    RomcvPhantom *ph = make(&s);
    RomcvFrame *f = frame_for(&s);
    RomcvPhantomTruth t;
    ck_assert_int_eq(romcv_phantom_render(ph, 0, f, &t), 0);
    /* Knees: skin (warm: red > green > blue). */
    for (int side = 0; side < 2; side++) {
        const double *k = t.joints[ROMCV_PJ_LEFT_KNEE + side].image;
        const uint8_t *p = pixel(f, k[0], k[1]);
        ck_assert_msg(p[0] > 120 && p[0] > p[1] && p[1] > p[2], "knee %d,%d,%d", p[0], p[1], p[2]);
    }
    /* Chest, between shoulders and hips: the blue shirt. */
    double u = 0, v = 0;
    int idx[4] = {ROMCV_PJ_LEFT_SHOULDER, ROMCV_PJ_RIGHT_SHOULDER, ROMCV_PJ_LEFT_HIP,
                  ROMCV_PJ_RIGHT_HIP};
    for (int k = 0; k < 4; k++) {
        u += t.joints[idx[k]].image[0] / 4;
        v += t.joints[idx[k]].image[1] / 4;
    }
    v = 0.5 * v + 0.5 * 0.5 * (t.joints[idx[0]].image[1] + t.joints[idx[1]].image[1]);
    const uint8_t *p = pixel(f, u, v);
    ck_assert_msg(p[2] > p[0] + 40, "chest %d,%d,%d", p[0], p[1], p[2]);
    /* Nose: skin; a top corner: the wall (grey, not skin). */
    p = pixel(f, t.joints[ROMCV_PJ_NOSE].image[0], t.joints[ROMCV_PJ_NOSE].image[1]);
    ck_assert_msg(p[0] > p[2] + 30, "nose %d,%d,%d", p[0], p[1], p[2]);
    p = pixel(f, 2, 2);
    ck_assert_msg(abs(p[0] - p[2]) < 20, "wall %d,%d,%d", p[0], p[1], p[2]);
    romcv_frame_unref(&f);
    romcv_phantom_destroy(&ph);
}
END_TEST

START_TEST(settings_are_checked) {
    RomcvPhantomSettings s;
    romcv_phantom_default_settings(&s, ROMCV_PROTOCOL_SQUAT);
    s.width = 7;
    RomcvPhantom *ph = (RomcvPhantom *)&s; /* must be set to NULL */
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_phantom_create(&ph, &s, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_null(ph);
    ck_assert_ptr_nonnull(strstr(diag.message, "width 7"));
    romcv_phantom_default_settings(&s, (RomcvProtocol)99);
    ck_assert_int_lt(romcv_phantom_create(&ph, &s, NULL), 0);
    ck_assert_int_eq(romcv_protocol_from_name("forward-bend"), ROMCV_PROTOCOL_FORWARD_BEND);
    ck_assert_int_eq(romcv_protocol_from_name("leg-raise"), ROMCV_PROTOCOL_LEG_RAISE);
    ck_assert_int_eq(romcv_protocol_from_name("sit-to-stand"), ROMCV_PROTOCOL_SIT_TO_STAND);
    ck_assert_int_eq(romcv_protocol_from_name("bend"), -1);
    for (int p = 0; p < ROMCV_PROTOCOL_COUNT; p++) {
        ck_assert_int_eq(romcv_protocol_from_name(romcv_protocol_name((RomcvProtocol)p)), p);
    }
    ck_assert_ptr_null(romcv_protocol_name(ROMCV_PROTOCOL_COUNT));
    romcv_phantom_default_settings(&s, ROMCV_PROTOCOL_SIT_TO_STAND);
    s.script.sts_repetitions = 0;
    ck_assert_int_eq(romcv_phantom_create(&ph, &s, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, "repetitions 0"));
    romcv_phantom_destroy(&ph); /* NULL-safe */
}
END_TEST

START_TEST(clip_has_every_frame_with_its_time_and_truth) {
    char *dir = romcv_test_make_tmpdir();
    char *video = romcv_test_path(dir, "clip.mp4");
    char *truth = romcv_test_path(dir, "clip.truth.json");
    RomcvPhantomSettings s;
    romcv_phantom_default_settings(&s, ROMCV_PROTOCOL_SINGLE_LEG_STANCE);
    s.width = 160;
    s.height = 120;
    s.fps_num = 12;
    s.duration_s = 1.5; /* 18 frames */
    RomcvDiag diag = {0};
    char codec[32] = "";
    ck_assert_msg(romcv_phantom_write_clip(&s, video, truth, NULL, NULL, codec, &diag) == 0, "%s",
                  diag.message);
    ck_assert_str_eq(codec, "libx264");
    char command[8192], out[8192];
    snprintf(command, sizeof command,
             "ffprobe -v error -select_streams v -show_entries frame=pts_time -of csv=p=0 '%s'",
             video);
    ck_assert_int_eq(romcv_test_run(command, out, sizeof out), 0);
    int n = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        ck_assert_double_eq_tol(atof(line), n / 12.0, 1e-3);
        n++;
    }
    ck_assert_int_eq(n, 18);
    snprintf(command, sizeof command,
             "ffprobe -v error -select_streams v -show_entries stream=codec_name,pix_fmt "
             "-of csv=p=0 '%s'",
             video);
    ck_assert_int_eq(romcv_test_run(command, out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "h264,yuv420p"));
    size_t size;
    char *text = romcv_test_read_file(truth, &size);
    ck_assert_ptr_nonnull(text);
    RomcvJsonDoc *doc = NULL;
    RomcvJsonLimits lim = romcv__json_default_limits();
    lim.max_size = 64u << 20;
    ck_assert_int_eq(romcv__json_parse_ex(&doc, text, size, "truth", &lim, &diag), 0);
    const RomcvJsonValue *frames = romcv__json_get(romcv__json_root(doc), "frames");
    ck_assert_uint_eq(romcv__json_size(frames), 18);
    const RomcvJsonValue *last = romcv__json_at(frames, 17);
    ck_assert_double_eq_tol(romcv__json_number(romcv__json_get(last, "time_s")), 17 / 12.0, 1e-12);
    const RomcvJsonValue *knee = romcv__json_get(romcv__json_get(last, "joints"), "left_knee");
    ck_assert_uint_eq(romcv__json_size(romcv__json_get(knee, "image")), 2);
    ck_assert_str_eq(romcv__json_string(romcv__json_get(romcv__json_root(doc), "protocol"), NULL),
                     "single-leg-stance");
    romcv__json_free(&doc);
    free(text);
    /* Nothing left under a temporary name. */
    char *tmp = romcv_test_path(dir, ".clip.mp4.tmp");
    struct stat st;
    ck_assert_int_ne(stat(tmp, &st), 0);
    free(tmp);
    free(video);
    free(truth);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(capture_source_renders_the_phantom) {
    RomcvCaptureSettings cs;
    romcv_capture_default_settings(&cs);
    cs.input = "builtin:phantom-squat";
    RomcvCaptureInfo info;
    memset(&info, 0, sizeof info);
    snprintf(info.input, sizeof info.input, "%s", cs.input);
    void *priv = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__capture_phantom.open(&priv, &cs, &info, &diag) == 0, "%s", diag.message);
    ck_assert_int_eq(info.width, 640);
    ck_assert_int_eq(info.frames_expected, 210);
    RomcvFramePool *pool = NULL;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 3), 0);
    atomic_bool stop = false;
    RomcvFrame *f = NULL;
    /* Skipping to 1 s renders from frame 30 on. */
    ck_assert_int_eq(romcv__capture_phantom.read(priv, pool, &info, 1.0, &stop, &f, &diag), 0);
    ck_assert_double_eq_tol(f->time_s, 1.0, 1e-12);
    ck_assert_int_eq(f->width, 640);
    romcv_frame_unref(&f);
    ck_assert_int_eq(romcv__capture_phantom.read(priv, pool, &info, 0, &stop, &f, &diag), 0);
    ck_assert_double_eq_tol(f->time_s, 31.0 / 30.0, 1e-12);
    romcv_frame_unref(&f);
    atomic_store(&stop, true);
    ck_assert_int_eq(romcv__capture_phantom.read(priv, pool, &info, 0, &stop, &f, &diag),
                     ROMCV_E_INTERRUPTED);
    romcv__capture_phantom.close(priv);
    romcv_frame_pool_destroy(&pool);
    /* builtin:phantom alone is the seated test; unknown names list the choices. */
    cs.input = "builtin:phantom";
    ck_assert_int_eq(romcv__capture_phantom.open(&priv, &cs, &info, &diag), 0);
    ck_assert_int_eq(info.frames_expected, 570);
    romcv__capture_phantom.close(priv);
    cs.input = "builtin:phantom-lunge";
    ck_assert_int_eq(romcv__capture_phantom.open(&priv, &cs, &info, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.message, "builtin:phantom-forward-bend"));
}
END_TEST

START_TEST(command_writes_clip_and_truth) {
    char *dir = romcv_test_make_tmpdir();
    char command[8192], out[8192];
    snprintf(command, sizeof command,
             "'%s' phantom --protocol forward-bend --width 96 --height 72 --fps 5 "
             "--duration 1 --markers stickers --lumbar-fraction 0.7 --out '%s/b.mp4'",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_msg(romcv_test_run(command, out, sizeof out) == 0, "%s", out);
    char *truth = romcv_test_path(dir, "b.truth.json");
    size_t size;
    char *text = romcv_test_read_file(truth, &size);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "\"lumbar_fraction\":0.7"));
    ck_assert_ptr_nonnull(strstr(text, "\"markers\":\"stickers\""));
    free(text);
    free(truth);
    snprintf(command, sizeof command,
             "'%s' phantom --protocol leg-raise --width 96 --height 72 --fps 5 --duration 1 "
             "--posterior-tilt 6 --leg-raise 60 --out '%s/r.mp4'",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_msg(romcv_test_run(command, out, sizeof out) == 0, "%s", out);
    truth = romcv_test_path(dir, "r.truth.json");
    text = romcv_test_read_file(truth, &size);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "\"protocol\":\"leg-raise\""));
    ck_assert_ptr_nonnull(strstr(text, "\"raise_posterior_tilt_deg\":6"));
    ck_assert_ptr_nonnull(strstr(text, "\"leg_raise_deg\":60"));
    ck_assert_ptr_nonnull(strstr(text, "\"lift_side\":\"right\"")); /* planted on the right */
    free(text);
    free(truth);
    snprintf(command, sizeof command,
             "'%s' phantom --protocol sit-to-stand --width 96 --height 72 --fps 5 --duration 1 "
             "--repetitions 4 --trunk-lean 12 --out '%s/s.mp4'",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_msg(romcv_test_run(command, out, sizeof out) == 0, "%s", out);
    truth = romcv_test_path(dir, "s.truth.json");
    text = romcv_test_read_file(truth, &size);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "\"sts_repetitions\":4"));
    ck_assert_ptr_nonnull(strstr(text, "\"trunk_lean_deg\":12"));
    free(text);
    free(truth);
    snprintf(command, sizeof command, "'%s' phantom --protocol lunge --out '%s/c.mp4'",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_int_eq(romcv_test_run(command, out, sizeof out), 2);
    snprintf(command, sizeof command, "'%s' phantom --protocol squat", romcv_test_env("ROMCV_CLI"));
    ck_assert_int_eq(romcv_test_run(command, out, sizeof out), 2);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

int main(void) {
    romcv_capture_set_ffmpeg_log_level(ROMCV_LOG_QUIET); /* libx264's banner */
    Suite *suite = suite_create("phantom");
    TCase *tc = tcase_create("phantom");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, same_seed_same_pixels, 0, 3);
    tcase_add_test(tc, truth_points_match_the_camera);
    tcase_add_loop_test(tc, rotation_end_ranges_follow_the_script, 0, 2);
    tcase_add_test(tc, pelvic_lift_is_planted_on_one_side_only);
    tcase_add_test(tc, leg_raise_lifts_each_leg_in_turn);
    tcase_add_test(tc, leg_raise_compensation_is_planted_on_one_side);
    tcase_add_loop_test(tc, sit_to_stand_rises_and_sits_down, 0, 2);
    tcase_add_test(tc, sit_to_stand_weight_shift_leans_sideways);
    tcase_add_test(tc, side_view_hides_spine_stickers_but_not_balls);
    tcase_add_test(tc, the_body_is_where_the_truth_says);
    tcase_add_test(tc, settings_are_checked);
    tcase_add_test(tc, clip_has_every_frame_with_its_time_and_truth);
    tcase_add_test(tc, capture_source_renders_the_phantom);
    tcase_add_test(tc, command_writes_clip_and_truth);
    suite_add_tcase(suite, tc);
    return romcv_test_main(suite);
}
