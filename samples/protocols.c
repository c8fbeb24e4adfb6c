/*
 * samples/protocols.c: the scripted movements, one per protocol of
 * clinical.md's table, with the compensations they can plant.
 *
 * A script maps time to a PhantomPose. Movements ease in and out (a
 * half-cosine), end ranges are held still so that a measurement has a
 * plateau to find, and the phase names say where in the script a frame
 * lies ("right-ir-hold"). The seeded sway adds a few tenths of a degree of
 * slow, smooth postural sway so that no two seeds give the same clip; it
 * changes the truth too, which is measured on the swayed body.
 */
#include "samples/internal.h"

#include <string.h>

static const char *const protocol_names[ROMCV_PROTOCOL_COUNT] = {
    "seated-hip-rotation", "standing-posture",   "single-leg-stance", "squat",
    "forward-bend",        "prone-hip-rotation", "leg-raise",         "sit-to-stand",
};

const char *romcv_protocol_name(RomcvProtocol protocol) {
    if ((int)protocol < 0 || protocol >= ROMCV_PROTOCOL_COUNT) {
        return NULL;
    }
    return protocol_names[protocol];
}

int romcv_protocol_from_name(const char *name) {
    for (int i = 0; name && i < ROMCV_PROTOCOL_COUNT; i++) {
        if (strcmp(name, protocol_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* 0 -> 1 with zero speed at both ends. */
static double ease(double u) {
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    return 0.5 - 0.5 * cos(PH_PI * u);
}

/* ------------------------------------------------------------ seeded sway */

static uint64_t splitmix(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unit_rand(uint64_t *state) {
    return (double)(splitmix(state) >> 11) / 9007199254740992.0;
}

/* Sum of three slow sines (0.1-0.5 Hz) with seeded phases and frequencies,
 * scaled to amplitude about 1. */
static double sway(uint64_t seed, int channel, double t) {
    uint64_t st = seed * 0x100000001b3ull + (uint64_t)channel * 0x9e37u + 1;
    double v = 0;
    for (int k = 0; k < 3; k++) {
        double f = 0.1 + 0.4 * unit_rand(&st);
        double ph = 2 * PH_PI * unit_rand(&st);
        v += sin(2 * PH_PI * f * t + ph) / 3.0;
    }
    return v * 1.6;
}

/* ----------------------------------------------------------------- poses */

static void base_standing(PhantomPose *p, const RomcvPhantomScript *sc) {
    memset(p, 0, sizeof *p);
    p->anchor = PH_ANCHOR_FEET;
    p->pelvic_tilt = sc->pelvic_tilt_deg;
    p->lordosis = sc->lordosis_deg;
    p->kyphosis = sc->kyphosis_deg;
    p->trunk_target = sc->kyphosis_deg < 0 ? 0.0 : NAN;
    p->trunk_lateral_target = NAN;
    for (int s = 0; s < 2; s++) {
        /* Standing with the thigh vertical: hip flexion equals the pelvic tilt
         * (the thigh is measured from the tilted pelvis, ISB convention). */
        p->hip_flex[s] = p->pelvic_tilt;
        p->hip_abd[s] = 3;
        p->knee_flex[s] = 2;
        p->shoulder_abd[s] = 8;
        p->elbow_flex[s] = 12;
    }
    p->phase = "stand";
    p->lifted_leg = PH_NO_SIDE;
}

/* Keeps each foot flat on the floor: the foot's pitch in the sagittal plane
 * is the sum of hip flexion (from the pelvis), pelvic tilt and knee
 * flexion; dorsiflexion cancels it. */
static void flat_feet(PhantomPose *p) {
    for (int s = 0; s < 2; s++) {
        p->ankle_dorsi[s] = p->hip_flex[s] - p->pelvic_tilt - p->knee_flex[s];
        p->ankle_dorsi[s] = -p->ankle_dorsi[s];
    }
}

static double seated_duration(const RomcvPhantomScript *sc) {
    return 1.0 + 4 * (2 * sc->move_s + sc->hold_s + 0.5);
}

/* The seated (hips and knees at 90, camera in front) and prone (hip
 * extended, knee at 90, camera at the feet) rotation tests share one
 * timeline. */
static void rotation_test(const RomcvPhantomSettings *s, double t, PhantomPose *p,
                          const PhantomDims *dims, int prone) {
    const RomcvPhantomScript *sc = &s->script;
    memset(p, 0, sizeof *p);
    p->rotation_test = 1;
    double h = dims->height;
    /* Sitting upright on a stool with hips and knees at 90 deg: the pelvis
     * sits nearer neutral than standing (ASIS-PSIS about level). */
    p->pelvic_tilt = 2;
    p->lordosis = 25;
    p->trunk_target = 0;
    p->trunk_lateral_target = NAN;
    p->kyphosis = 35;
    for (int k = 0; k < 2; k++) {
        p->hip_flex[k] = 90 + p->pelvic_tilt; /* thigh horizontal */
        p->hip_abd[k] = 4;
        p->knee_flex[k] = 90;
        p->shoulder_flex[k] = 12;
        p->shoulder_abd[k] = 14;
        p->elbow_flex[k] = 25;
    }
    if (prone) {
        /* Lying face down, pelvis level on the table, arms along the sides. */
        p->lying = PH_PRONE;
        p->pelvic_tilt = 0;
        p->lordosis = 30;
        p->kyphosis = 30;
        p->trunk_target = NAN;
        for (int k = 0; k < 2; k++) {
            p->hip_flex[k] = 0;
            p->shoulder_flex[k] = 0;
            p->shoulder_abd[k] = 10;
            p->elbow_flex[k] = 5;
        }
    }
    /* With the hip flexed 90 deg, abduction swings the knee outward in the
     * horizontal plane and leaves the shank vertical: the knees sit a little
     * wider than the hips, as when sitting. */
    p->lifted_leg = PH_NO_SIDE;
    p->phase = "neutral";
    double ir[2] = {sc->ir_left_deg >= 0 ? sc->ir_left_deg : sc->ir_deg,
                    sc->ir_right_deg >= 0 ? sc->ir_right_deg : sc->ir_deg};
    double er[2] = {sc->er_left_deg >= 0 ? sc->er_left_deg : sc->er_deg,
                    sc->er_right_deg >= 0 ? sc->er_right_deg : sc->er_deg};
    /* Order: right IR, right ER, left IR, left ER. */
    static const char *const phases[4][3] = {
        {"right-ir", "right-ir-hold", "right-ir-return"},
        {"right-er", "right-er-hold", "right-er-return"},
        {"left-ir", "left-ir-hold", "left-ir-return"},
        {"left-er", "left-er-hold", "left-er-return"},
    };
    double block = 2 * sc->move_s + sc->hold_s + 0.5;
    double tt = t - 1.0;
    int leg = PH_NO_SIDE;
    double rot = 0, progress = 0;
    int internal = 1;
    if (tt >= 0) {
        int b = (int)(tt / block);
        b = b > 3 ? 3 : b;
        double u = tt - b * block;
        leg = b < 2 ? PH_RIGHT : PH_LEFT;
        internal = b % 2 == 0;
        double end = internal ? ir[leg] : -er[leg];
        if (u < sc->move_s) {
            progress = ease(u / sc->move_s);
            p->phase = phases[b][0];
        } else if (u < sc->move_s + sc->hold_s) {
            progress = 1;
            p->phase = phases[b][1];
            p->end_range = 1;
        } else if (u < 2 * sc->move_s + sc->hold_s) {
            progress = 1 - ease((u - sc->move_s - sc->hold_s) / sc->move_s);
            p->phase = phases[b][2];
        } else {
            progress = 0;
            p->phase = "neutral";
        }
        rot = end * progress;
        p->hip_rot[leg] = rot;
        p->side = leg == PH_LEFT ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT;
    }
    /* Planted compensation: the pelvis tilts in the frontal plane in the
     * direction that exaggerates the rotation, in proportion to it: for IR
     * the tested side rises (pivoting on the other ischium), for ER the other
     * side rises. */
    int pivot = PH_NO_SIDE;
    double lift = 0;
    if (leg != PH_NO_SIDE && sc->pelvic_lift_deg > 0 &&
        (int)sc->lift_side == (leg == PH_LEFT ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT)) {
        lift = sc->pelvic_lift_deg * progress;
        if (!prone) {
            int rising = internal ? leg : 1 - leg;
            pivot = 1 - rising;
            /* obliquity: left side up + */
            p->pelvic_obliquity = rising == PH_LEFT ? lift : -lift;
        } else {
            /* Prone, the thigh lies along the body's axis, so rolling the
             * pelvis about that axis adds to the hip's rotation: left IR is a
             * negative roll, right IR a positive one. A positive roll lifts
             * the left hip off the table. */
            double roll = (leg == PH_LEFT ? -1 : 1) * (internal ? 1 : -1) * lift;
            p->pelvic_rotation = roll;
            pivot = roll > 0 ? PH_RIGHT : PH_LEFT;
        }
        p->compensation = lift > 0.01;
    }
    /* Place the body: both hip centres at the seat's height, the pivot hip
     * fixed where it is in neutral. The ischia sit about 0.065 H below the hip
     * centres and the seat is knee height (Winter: 0.285 H). */
    double hip_y = dims->ankle_height + dims->shank + 0.008 * h;
    if (prone) {
        /* The pelvis's front (about 0.058 H in front of the hip centres)
         * rests on a 0.7 m table. */
        hip_y = 0.7 + 0.058 * h;
    }
    if (pivot == PH_NO_SIDE) {
        p->anchor = PH_ANCHOR_PELVIS;
        p->anchor_point = v3(0, hip_y, 0);
    } else {
        p->anchor = pivot == PH_LEFT ? PH_ANCHOR_HIP_LEFT : PH_ANCHOR_HIP_RIGHT;
        /* The body's left is world +X upright, -X prone. */
        double sgn = (pivot == PH_LEFT ? 1 : -1) * (prone ? -1 : 1);
        p->anchor_point = v3(sgn * dims->hip_half_width, hip_y, 0);
    }
    if (prone) {
        p->table = 1;
        p->table_top_y = 0.7;
        p->table_z0 = -1.3;
        p->table_z1 = dims->thigh + 0.02 * h;
        for (int k = 0; k < 2; k++) {
            p->ankle_dorsi[k] = 0;
        }
        return;
    }
    /* The stool: top under the ischia, front edge 0.05 H behind the knees. */
    p->stool = 1;
    p->stool_top_y = hip_y - 0.066 * h;
    p->stool_front_z = dims->thigh - 0.07 * h;
    p->stool_back_z = -0.12 * h;
    for (int k = 0; k < 2; k++) {
        p->ankle_dorsi[k] = 0; /* shank vertical, foot flat */
    }
}

static void standing(const RomcvPhantomSettings *s, double t, PhantomPose *p) {
    (void)t;
    base_standing(p, &s->script);
    for (int k = 0; k < 2; k++) {
        /* clinical.md: standardise the posture with the shoulders flexed 30
         * deg and the arms supported, which also clears the lumbar markers. */
        p->shoulder_flex[k] = 30;
        p->elbow_flex[k] = 40;
    }
    flat_feet(p);
    p->phase = "stand";
}

static void single_leg(const RomcvPhantomSettings *s, double t, PhantomPose *p) {
    const RomcvPhantomScript *sc = &s->script;
    base_standing(p, sc);
    int lifted = sc->lifted_side == ROMCV_SIDE_LEFT ? PH_LEFT : PH_RIGHT;
    int stance = 1 - lifted;
    double u;
    if (t < 1.0) {
        u = 0;
        p->phase = "double-stance";
    } else if (t < 2.0) {
        u = ease(t - 1.0);
        p->phase = "lift";
    } else if (t < 6.0) {
        u = 1;
        p->phase = "single-stance-hold";
        p->end_range = 1;
    } else if (t < 7.0) {
        u = 1 - ease(t - 6.0);
        p->phase = "lower";
    } else {
        u = 0;
        p->phase = "double-stance";
    }
    p->side = lifted == PH_LEFT ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT;
    p->lifted_leg = lifted;
    p->hip_flex[lifted] = p->pelvic_tilt + 35 * u;
    p->knee_flex[lifted] = 2 + 68 * u;
    /* The lifted side drops by pelvic_drop, pivoting on the stance hip. */
    double drop = sc->pelvic_drop_deg * u;
    p->pelvic_obliquity = lifted == PH_LEFT ? -drop : drop;
    p->compensation = sc->pelvic_drop_deg > 0 && u > 0;
    /* The thighs stay vertical in the frontal plane: the stance hip adducts
     * by the drop (the Trendelenburg mechanism) and the lifted hip too. */
    for (int k = 0; k < 2; k++) {
        double sgn = k == PH_LEFT ? 1 : -1;
        p->hip_abd[k] = 3 - sgn * p->pelvic_obliquity;
    }
    /* The trunk stays upright over the tilted pelvis, then leans toward the
     * stance side by trunk_lateral_lean (compensated Trendelenburg). */
    double lean = sc->trunk_lateral_lean_deg * u * (stance == PH_LEFT ? 1 : -1);
    p->spine_lateral = p->pelvic_obliquity;
    p->trunk_lateral_target = lean;
    p->anchor = stance == PH_LEFT ? PH_ANCHOR_FOOT_LEFT : PH_ANCHOR_FOOT_RIGHT;
    double sgn = stance == PH_LEFT ? 1 : -1;
    p->anchor_point = v3(sgn * 0.02 * s->body_height_m, 0, 0); /* pelvis near x = 0 */
    flat_feet(p);
    p->ankle_dorsi[lifted] = 5 * u;
    for (int k = 0; k < 2; k++) {
        p->shoulder_abd[k] = 12;
    }
}

static void squat(const RomcvPhantomSettings *s, double t, PhantomPose *p) {
    const RomcvPhantomScript *sc = &s->script;
    base_standing(p, sc);
    double u;
    if (t < 1.0) {
        u = 0;
        p->phase = "stand";
    } else if (t < 3.0) {
        u = ease((t - 1.0) / 2.0);
        p->phase = "descent";
    } else if (t < 4.0) {
        u = 1;
        p->phase = "bottom-hold";
        p->end_range = 1;
    } else if (t < 6.0) {
        u = 1 - ease((t - 4.0) / 2.0);
        p->phase = "ascent";
    } else {
        u = 0;
        p->phase = "stand";
    }
    /* Knee flexion splits between the shank's forward lean (ankle
     * dorsiflexion, 40 %) and the thigh's; the trunk leans forward about
     * half the thigh angle, which keeps the centre of mass over the feet. */
    double knee = 2 + (sc->squat_knee_deg - 2) * u;
    double shank_lean = 0.4 * knee;
    double thigh_fwd = knee - shank_lean; /* thigh from vertical, forward */
    double wink = sc->squat_posterior_tilt_deg * pow(u, 4);
    p->pelvic_tilt = sc->pelvic_tilt_deg + 0.25 * thigh_fwd - wink;
    p->compensation = wink > 0.5;
    p->trunk_target = 0.45 * thigh_fwd + sc->trunk_lean_deg * u;
    p->lordosis = sc->lordosis_deg - 0.5 * wink;
    for (int k = 0; k < 2; k++) {
        p->knee_flex[k] = knee;
        p->hip_flex[k] = thigh_fwd + p->pelvic_tilt;
        p->hip_abd[k] = 6;
        p->hip_rot[k] = -5;
        p->shoulder_flex[k] = 80 * u;
        p->elbow_flex[k] = 10;
    }
    flat_feet(p);
}

static void forward_bend(const RomcvPhantomSettings *s, double t, PhantomPose *p) {
    const RomcvPhantomScript *sc = &s->script;
    base_standing(p, sc);
    double u;
    if (t < 1.0) {
        u = 0;
        p->phase = "stand";
    } else if (t < 4.0) {
        u = ease((t - 1.0) / 3.0);
        p->phase = "bend";
    } else if (t < 5.0) {
        u = 1;
        p->phase = "bend-hold";
        p->end_range = 1;
    } else if (t < 8.0) {
        u = 1 - ease((t - 5.0) / 3.0);
        p->phase = "return";
    } else {
        u = 0;
        p->phase = "stand";
    }
    /* Trunk flexion = hip part (the pelvis rotating forward on the thighs) +
     * lumbar part (the lordosis unwinding). The thoracic curve keeps its
     * standing value, solved once for an upright stance. */
    PhantomPose upright = *p;
    if (isfinite(upright.trunk_target)) {
        PhantomDims dims;
        PhantomSkeleton sk;
        romcv__body_dims(s->body_height_m, s->build, &dims);
        romcv__body_skeleton(&dims, &upright, &sk);
    }
    p->kyphosis = upright.kyphosis;
    p->trunk_target = NAN;
    double bend = sc->bend_deg * u;
    double lumbar = sc->lumbar_fraction * bend;
    p->lordosis = sc->lordosis_deg - lumbar;
    p->pelvic_tilt = sc->pelvic_tilt_deg + (bend - lumbar);
    p->compensation = sc->lumbar_fraction > 0.5 && u > 0;
    for (int k = 0; k < 2; k++) {
        p->hip_flex[k] = p->pelvic_tilt;  /* thighs stay vertical */
        p->shoulder_flex[k] = 0.9 * bend; /* arms hang toward the floor */
    }
    flat_feet(p);
}

/* ------------------------------------------------------------- leg raise */

/* Arms folded across the chest: the upper arms a little forward and out,
 * turned in so that the bent forearms cross in front of it. */
static void fold_arms(PhantomPose *p, int k) {
    p->shoulder_flex[k] = 20;
    p->shoulder_abd[k] = 15;
    p->shoulder_rot[k] = 70;
    p->elbow_flex[k] = 110;
}

/* Supine on a treatment table: the pelvis a little flatter than standing, the
 * thorax flat on the table (the kyphosis is solved for it), the legs straight
 * and sloping down slightly from the hips to the heels, which rest on the
 * table; the feet relaxed in plantar flexion. The arms are folded across the
 * chest unless arms_at_sides: lying along the sides, the arm nearer a side
 * camera covers the hip, and BlazePose's full model then loses the raised
 * near leg (docs/validation.md). */
#define SUPINE_TILT_DEG     8.0
#define SUPINE_LORDOSIS_DEG 30.0
#define TABLE_TOP_M         0.7
/* Where the body touches the table, in terms of height H, from the surfaces
 * of romcv__body_primitives: the buttocks reach 0.083 H x build below the hip
 * centres (less 0.003 H of soft tissue pressed flat), the shoe's heel
 * HEEL_CLEARANCE below the ankle centre with the foot relaxed, and the upper
 * back rests when the trunk line dips SUPINE_TRUNK_DEG below the table's line
 * (the lumbar curve leaves a gap under the waist). */
#define SUPINE_HIP_CLEARANCE(build) (0.083 * (build)-0.003)
#define SUPINE_HEEL_CLEARANCE       0.054
#define SUPINE_KNEE_DEG             2.0
#define SUPINE_TRUNK_DEG            (-5.0)

static double leg_raise_duration(const RomcvPhantomScript *sc) {
    return 1.0 + 2 * (2 * sc->move_s + sc->hold_s + 1.0);
}

/* Active straight leg raise (clinical.md): lying supine, one leg is raised
 * with the knee straight to the chosen hip flexion, held and lowered, the
 * right leg first, then the left. The compensations of clinical.md's table
 * (pelvic rotation and tilt during the raise) are planted in proportion to
 * the raise on lift_side's raise only. */
static void leg_raise(const RomcvPhantomSettings *s, double t, PhantomPose *p,
                      const PhantomDims *dims) {
    const RomcvPhantomScript *sc = &s->script;
    memset(p, 0, sizeof *p);
    double h = dims->height;
    p->lying = PH_SUPINE;
    p->pelvic_tilt = SUPINE_TILT_DEG;
    p->lordosis = SUPINE_LORDOSIS_DEG;
    p->trunk_target = SUPINE_TRUNK_DEG; /* in the body's frame: the thorax on the table */
    p->trunk_lateral_target = NAN;
    p->lifted_leg = PH_NO_SIDE;
    p->phase = "rest";
    double hip_clearance = SUPINE_HIP_CLEARANCE(dims->build) * h;
    /* The slightly bent knee lowers the heel by shank x sin(knee) already. */
    double drop =
        hip_clearance - SUPINE_HEEL_CLEARANCE * h - dims->shank * sin(SUPINE_KNEE_DEG * PH_DEG);
    double rest_incl = -asin(drop / (dims->thigh + dims->shank)) / PH_DEG;
    for (int k = 0; k < 2; k++) {
        p->knee_flex[k] = SUPINE_KNEE_DEG;
        p->ankle_dorsi[k] = -10;
        p->hip_abd[k] = 4;
        if (sc->arms_at_sides) {
            p->shoulder_abd[k] = 10;
            p->elbow_flex[k] = 5;
        } else {
            fold_arms(p, k);
        }
    }
    static const char *const phases[2][3] = {
        {"right-raise", "right-raise-hold", "right-lower"},
        {"left-raise", "left-raise-hold", "left-lower"},
    };
    double block = 2 * sc->move_s + sc->hold_s + 1.0;
    double tt = t - 1.0;
    int leg = PH_NO_SIDE;
    double e = 0;
    if (tt >= 0) {
        int b = (int)(tt / block);
        b = b > 1 ? 1 : b;
        double u = tt - b * block;
        leg = b == 0 ? PH_RIGHT : PH_LEFT;
        if (u < sc->move_s) {
            e = ease(u / sc->move_s);
            p->phase = phases[b][0];
        } else if (u < sc->move_s + sc->hold_s) {
            e = 1;
            p->phase = phases[b][1];
            p->end_range = 1;
        } else if (u < 2 * sc->move_s + sc->hold_s) {
            e = 1 - ease((u - sc->move_s - sc->hold_s) / sc->move_s);
            p->phase = phases[b][2];
        } else {
            p->phase = "rest";
        }
        p->side = leg == PH_LEFT ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT;
    }
    /* Planted compensation on lift_side's raise. A posterior tilt grows with
     * the hamstrings' tension toward the end of the raise (e squared) and
     * flattens the lumbar curve with it; the pelvic roll follows the raise
     * while the thorax stays on the table (the spine twists back). */
    int planted = leg != PH_NO_SIDE &&
                  (int)sc->lift_side == (leg == PH_LEFT ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT);
    double tilt_back = planted ? sc->raise_posterior_tilt_deg * e * e : 0;
    double roll = planted ? sc->raise_pelvic_rotation_deg * e : 0;
    p->pelvic_tilt -= tilt_back;
    p->lordosis -= 0.8 * tilt_back;
    /* The pose's pelvic_rotation turns the left hip backward when positive,
     * which supine is down into the table (the truth's sign is the opposite:
     * left hip forward, up off the table, +). A roll toward the raised right
     * leg lifts the left hip. */
    p->pelvic_rotation = (leg == PH_LEFT ? 1 : -1) * roll;
    p->spine_axial = -p->pelvic_rotation;
    p->compensation = tilt_back > 0.5 || fabs(roll) > 0.5;
    for (int k = 0; k < 2; k++) {
        /* The resting leg keeps its slope to the table whatever the pelvis
         * does (hip flexion is relative to the pelvis). */
        p->hip_flex[k] = rest_incl + p->pelvic_tilt;
    }
    if (leg != PH_NO_SIDE) {
        double rest = p->hip_flex[leg];
        p->hip_flex[leg] = rest + (sc->leg_raise_deg - rest) * e;
        p->lifted_leg = leg;
    }
    /* Place the body: the hip centres above the table top by the buttocks'
     * depth; a rolled pelvis pivots on the hip that stays down, and the other
     * leg, lifted with its hip, slopes down a little more to keep its heel on
     * the table. */
    double hip_y = TABLE_TOP_M + hip_clearance;
    if (fabs(p->pelvic_rotation) > 1e-9) {
        int up = p->pelvic_rotation < 0 ? PH_LEFT : PH_RIGHT;
        int pivot = 1 - up;
        double rise = 2 * dims->hip_half_width * sin(fabs(p->pelvic_rotation) * PH_DEG);
        if (up != leg) {
            p->hip_flex[up] -= asin(rise / (dims->thigh + dims->shank)) / PH_DEG;
        }
        p->anchor = pivot == PH_LEFT ? PH_ANCHOR_HIP_LEFT : PH_ANCHOR_HIP_RIGHT;
        /* Supine, the body's left is world +X. */
        p->anchor_point = v3((pivot == PH_LEFT ? 1 : -1) * dims->hip_half_width, hip_y, 0);
    } else {
        p->anchor = PH_ANCHOR_PELVIS;
        p->anchor_point = v3(0, hip_y, 0);
    }
    p->table = 1;
    p->table_top_y = TABLE_TOP_M;
    p->table_z0 = -0.6 * h; /* past the head (head toward -Z) */
    p->table_z1 = 0.56 * h; /* past the heels */
}

/* ---------------------------------------------------------- sit-to-stand */

/* The seated start: knees at 100 deg with the feet drawn back so that the
 * shanks lean 10 deg forward and the thighs are level (a common instruction
 * before rising); the stool is knee height. Seat-off comes after the trunk's
 * forward lean (the flexion-momentum phase; Schenkman et al. 1990, Phys Ther
 * 70:638), at SEAT_OFF of the rise. The natural lean at seat-off is a choice
 * (clinical.md gives none); healthy adults told to rise with full trunk
 * flexion reach 58.8 +- 17.9 deg ("Effect of trunk angle on lower limb joint
 * moment in different strategies of sit-to-stand-to-sit motion", IFMBE /
 * Springer 2025), which trunk_lean_deg can plant. */
#define STS_KNEE_DEG       100.0
#define STS_SHANK_LEAN_DEG 10.0
#define STS_SEAT_TILT_DEG  2.0
#define STS_SEAT_LORDOSIS  25.0
#define STS_TRUNK_LEAN_DEG 35.0
#define STS_SEAT_OFF       0.4

static double sit_to_stand_duration(const RomcvPhantomScript *sc) {
    return sc->hold_s + sc->sts_repetitions * (2 * sc->move_s + 2 * sc->hold_s);
}

/* Sit-to-stand (clinical.md: side view; hip and knee flexion, trunk lean):
 * from the stool, rise, stand, sit down again, sts_repetitions times, with
 * the arms folded across the chest (as the five-times sit-to-stand test asks).
 * Descending retraces the rise. Planted: an excessive forward trunk lean at
 * seat-off (trunk_lean_deg) and a lateral weight shift (sts_weight_shift_deg). */
static void sit_to_stand(const RomcvPhantomSettings *s, double t, PhantomPose *p,
                         const PhantomDims *dims) {
    const RomcvPhantomScript *sc = &s->script;
    base_standing(p, sc);
    double h = dims->height;
    double rep = 2 * sc->move_s + 2 * sc->hold_s;
    double tt = t - sc->hold_s;
    double u = 0; /* 0 seated .. 1 standing, along the rise */
    p->phase = "sit";
    p->end_range = 1;
    if (tt >= 0) {
        int r = (int)(tt / rep);
        if (r < sc->sts_repetitions) {
            double v = tt - r * rep;
            if (v < sc->move_s) {
                u = v / sc->move_s;
                p->phase = "rise";
                p->end_range = 0;
            } else if (v < sc->move_s + sc->hold_s) {
                u = 1;
                p->phase = "stand";
            } else if (v < 2 * sc->move_s + sc->hold_s) {
                u = 1 - (v - sc->move_s - sc->hold_s) / sc->move_s;
                p->phase = "descend";
                p->end_range = 0;
            }
        }
    }
    /* a: the trunk's forward lean before seat-off; b: the extension after. */
    double a = u < STS_SEAT_OFF ? ease(u / STS_SEAT_OFF) : 1;
    double b = u < STS_SEAT_OFF ? 0 : ease((u - STS_SEAT_OFF) / (1 - STS_SEAT_OFF));
    double lean = a * (1 - b);
    double knee = STS_KNEE_DEG + (2 - STS_KNEE_DEG) * b;
    /* The knees travel forward over the feet as the hips leave the seat, then
     * the shanks come back to vertical. */
    double shank = STS_SHANK_LEAN_DEG * (1 - b) + 8 * sin(PH_PI * b);
    double thigh = knee - shank; /* thigh from vertical: 90 seated */
    double extra = sc->trunk_lean_deg * lean;
    p->compensation = fabs(extra) > 0.5;
    double trunk = STS_TRUNK_LEAN_DEG * lean + extra;
    /* The pelvis carries most of the lean (the hips flex), the spine the rest
     * (the kyphosis is solved for the trunk's inclination). */
    p->pelvic_tilt =
        STS_SEAT_TILT_DEG + (sc->pelvic_tilt_deg - STS_SEAT_TILT_DEG) * b + 0.7 * trunk;
    p->lordosis = STS_SEAT_LORDOSIS + (sc->lordosis_deg - STS_SEAT_LORDOSIS) * b;
    p->trunk_target = trunk;
    /* The weight shift: the trunk leans toward one side up to seat-off and
     * the pelvis then travels over that leg while the hips extend (both hips
     * turning in the frontal plane, the feet fixed: half the lean in degrees
     * of hip adduction, about 5 cm at 8 deg), back over both feet standing. */
    double shift = 0;
    if (sc->sts_weight_shift_deg != 0) {
        p->trunk_lateral_target = sc->sts_weight_shift_deg * lean;
        shift = 0.5 * sc->sts_weight_shift_deg * sin(PH_PI * b);
        p->compensation |= fabs(p->trunk_lateral_target) > 0.5 || fabs(shift) > 0.25;
    }
    for (int k = 0; k < 2; k++) {
        p->knee_flex[k] = knee;
        p->hip_flex[k] = thigh + p->pelvic_tilt;
        /* Feet hip-width apart and the legs in their sagittal planes, so
         * that the feet stay put; the weight shift toward the left (+)
         * adducts the left hip and abducts the right. */
        p->hip_abd[k] = k == PH_LEFT ? -shift : shift;
        fold_arms(p, k);
    }
    flat_feet(p);
    /* The feet stay where they are; seated, the hips sit on the stool. The
     * feet are placed so that the hips travel around the camera's axis. */
    p->anchor = PH_ANCHOR_FEET;
    p->anchor_point = v3(0, 0, 0.14 * h);
    double seat_hip_y = dims->ankle_height + dims->shank * cos(STS_SHANK_LEAN_DEG * PH_DEG);
    double seat_hip_z = 0.14 * h + dims->shank * sin(STS_SHANK_LEAN_DEG * PH_DEG) - dims->thigh;
    p->stool = 1;
    p->stool_top_y = seat_hip_y - 0.066 * h;
    p->stool_front_z = seat_hip_z + 0.07 * h;
    p->stool_back_z = seat_hip_z - 0.14 * h;
}

/* ---------------------------------------------------------------- public */

double romcv__protocol_duration(const RomcvPhantomSettings *s) {
    switch (s->protocol) {
    case ROMCV_PROTOCOL_SEATED_HIP_ROTATION:
    case ROMCV_PROTOCOL_PRONE_HIP_ROTATION:
        return seated_duration(&s->script);
    case ROMCV_PROTOCOL_STANDING_POSTURE:
        return 3.0;
    case ROMCV_PROTOCOL_SINGLE_LEG_STANCE:
        return 8.0;
    case ROMCV_PROTOCOL_SQUAT:
        return 7.0;
    case ROMCV_PROTOCOL_FORWARD_BEND:
        return 9.0;
    case ROMCV_PROTOCOL_LEG_RAISE:
        return leg_raise_duration(&s->script);
    case ROMCV_PROTOCOL_SIT_TO_STAND:
        return sit_to_stand_duration(&s->script);
    default:
        return 1.0;
    }
}

void romcv__protocol_pose(const RomcvPhantomSettings *s, double t, PhantomPose *p) {
    PhantomDims dims;
    romcv__body_dims(s->body_height_m, s->build, &dims);
    switch (s->protocol) {
    case ROMCV_PROTOCOL_SEATED_HIP_ROTATION:
        rotation_test(s, t, p, &dims, 0);
        break;
    case ROMCV_PROTOCOL_PRONE_HIP_ROTATION:
        rotation_test(s, t, p, &dims, 1);
        break;
    case ROMCV_PROTOCOL_STANDING_POSTURE:
        standing(s, t, p);
        break;
    case ROMCV_PROTOCOL_SINGLE_LEG_STANCE:
        single_leg(s, t, p);
        break;
    case ROMCV_PROTOCOL_SQUAT:
        squat(s, t, p);
        break;
    case ROMCV_PROTOCOL_LEG_RAISE:
        leg_raise(s, t, p, &dims);
        break;
    case ROMCV_PROTOCOL_SIT_TO_STAND:
        sit_to_stand(s, t, p, &dims);
        break;
    case ROMCV_PROTOCOL_FORWARD_BEND:
    default:
        forward_bend(s, t, p);
        break;
    }
    if (s->sway_deg > 0) {
        double a = s->sway_deg;
        p->pelvic_rotation += a * sway(s->seed, 0, t);
        p->spine_lateral += a * sway(s->seed, 1, t);
        p->spine_axial += a * sway(s->seed, 2, t);
        p->neck_flex += 2 * a * sway(s->seed, 3, t);
        for (int k = 0; k < 2; k++) {
            p->shoulder_flex[k] += 2 * a * sway(s->seed, 4 + k, t);
            p->elbow_flex[k] += 2 * a * sway(s->seed, 6 + k, t);
        }
    }
}

void romcv__protocol_view(const RomcvPhantomSettings *s, V3 *toward_camera, double *distance,
                          double *height, double *aim_height) {
    double h = s->body_height_m;
    switch (s->protocol) {
    case ROMCV_PROTOCOL_SEATED_HIP_ROTATION:
        /* clinical.md: camera in front, level, about waist height. */
        *toward_camera = v3(0, 0, 1);
        *distance = 3.0;
        *height = 0.45 * h;
        *aim_height = 0.37 * h;
        break;
    case ROMCV_PROTOCOL_PRONE_HIP_ROTATION:
        /* clinical.md: camera at the feet; above the table, looking along the body. */
        *toward_camera = v3(0, 0, 1);
        *distance = 2.6;
        *height = 1.25;
        *aim_height = 0.95;
        break;
    case ROMCV_PROTOCOL_SINGLE_LEG_STANCE:
        *toward_camera = v3(0, 0, 1);
        *distance = 3.2;
        *height = 0.55 * h;
        *aim_height = 0.5 * h;
        break;
    case ROMCV_PROTOCOL_LEG_RAISE:
        /* clinical.md: side view. At the height of the table top plus a body's
         * depth, aimed a little lower so the raised leg stays in view. */
        *toward_camera = v3(-1, 0, 0);
        *distance = 3.0;
        *height = 1.15;
        *aim_height = 1.0;
        break;
    default:
        /* Side views from the subject's right: the subject faces image right. */
        *toward_camera = v3(-1, 0, 0);
        *distance = 3.2;
        *height = 0.55 * h;
        *aim_height = s->protocol == ROMCV_PROTOCOL_SQUAT ? 0.42 * h : 0.5 * h;
        break;
    }
}
