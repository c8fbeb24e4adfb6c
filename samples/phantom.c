/*
 * samples/phantom.c: the phantom object: settings, camera, one frame's
 * render and its truth. The truth is measured on the posed skeleton with
 * the definitions of docs/phantom.md, not copied from the script, so that
 * compensations and sway are in it too.
 */
#include "samples/internal.h"
#include "vision/cv_bridge.h"

#include <stdlib.h>
#include <string.h>

/* Markers: stickers are 20 mm discs, 2.4 mm thick; balls are 14 mm, their
 * surface 8 mm off the skin (the usual reflective-marker base). */
#define STICKER_RADIUS 0.010
#define STICKER_HALF   0.0012
#define BALL_RADIUS    0.007
#define BALL_STANDOFF  0.008
/* A sticker is "facing" when its normal is within 75 deg of the direction
 * to the camera: beyond that it shows less than a quarter of its area. */
#define STICKER_FACING_COS 0.2588

/* ---------------------------------------------------- printed ArUco cards */
/*
 * ROMCV_MARKERS_ARUCO: each marker is a printed DICT_4X4_50 square whose id
 * is the marker's index (docs/markers.md, "ArUco markers"): 6 x 6 cells of
 * 4 mm (a 24 mm black square, `romcv markers-sheet`'s default) in a
 * two-cell white margin, a 40 mm card 1 mm thick. Larger cards collide in a
 * back view: the PSIS lie 4.5 cm from the midline, level with S1's card.
 * The margin is two cells because with one, on dark shorts, OpenCV took
 * the card's outline for the marker and decoded neither. A stiff card does not follow the
 * skin: it faces the anatomical outward direction of its point (the
 * skeleton's marker normal, how a clinician puts it on: an ASIS card faces
 * forward, not down the belly's curve) and rests on the highest skin under
 * it, so on a curved belly or back it stands off the skin at its centre.
 * Its up edge follows the pelvis's up axis.
 */
#define ARUCO_CELL       (0.024 / 6)
#define ARUCO_MARGIN     2 /* cells of white around the black square */
#define ARUCO_HALF       (0.5 * ARUCO_CELL * (6 + 2 * ARUCO_MARGIN))
#define ARUCO_HALF_THICK 0.0005
/* The most a card is lifted off its anchor's tangent plane (the skin is
 * searched from twice as high): beyond that the skin under it is another
 * body part (an arm beside the pelvis). */
#define ARUCO_MAX_LIFT 0.04

/* Each marker's pattern from OpenCV's dictionary, once per phantom. */
static int aruco_patterns(RomcvPhantom *ph, RomcvDiag *diag) {
    for (int m = 0; m < ROMCV_PM_COUNT; m++) {
        int rc = romcv__cv_aruco_bits(ROMCV_CV_ARUCO_4X4_50, m, ph->aruco_bits[m],
                                      (int)sizeof ph->aruco_bits[m], &ph->aruco_cells, diag);
        if (rc < 0) {
            return rc;
        }
    }
    return 0;
}

/* Adds marker m's card over the skin point skin to the frame's primitives;
 * returns the printed face's centre, the truth's marker centre, and the
 * card's normal in *normal. */
static V3 aruco_card(RomcvPhantom *ph, const PhantomSkeleton *sk, int m, V3 skin, V3 *normal) {
    PhPrimList *list = &ph->prims;
    V3 n = v3_norm(sk->marker_normal[m]);
    *normal = n;
    V3 up = romcv__m3_col(sk->pelvis.rot, 1);
    V3 b = v3_sub(up, v3_scale(n, v3_dot(up, n)));
    if (v3_len(b) < 0.2) { /* a skin normal along the body's axis: any edge up */
        b = v3_cross(n, fabs(n.x) < 0.9 ? v3(1, 0, 0) : v3(0, 0, 1));
    }
    b = v3_norm(b);
    V3 a = v3_cross(b, n); /* a x b = n: a is right, b up, seen from the front */
    double lift = 0;
    for (int i = 0; i <= 4; i++) {
        for (int j = 0; j <= 4; j++) {
            V3 p = v3_add(skin, v3_add(v3_scale(a, (i / 2.0 - 1) * ARUCO_HALF),
                                       v3_scale(b, (j / 2.0 - 1) * ARUCO_HALF)));
            V3 o = v3_add(p, v3_scale(n, 2 * ARUCO_MAX_LIFT));
            for (int k = 0; k < list->body_count; k++) {
                double t;
                if (romcv__prim_intersect(&list->prims[k], o, v3_scale(n, -1), 0, &t) &&
                    2 * ARUCO_MAX_LIFT - t > lift) {
                    lift = 2 * ARUCO_MAX_LIFT - t;
                }
            }
        }
    }
    lift = lift < ARUCO_MAX_LIFT ? lift : ARUCO_MAX_LIFT;
    V3 c = v3_add(skin, v3_scale(n, lift + ARUCO_HALF_THICK));
    if (list->count < PH_MAX_PRIMS) {
        PhPrim *p = &list->prims[list->count++];
        memset(p, 0, sizeof *p);
        p->type = PH_PRIM_BOX;
        p->material = p->material2 = PH_MAT_MARKER_0 + m;
        p->split = 2.0f;
        p->group = PH_GROUP_NONE;
        p->marker = m;
        p->c[0] = (float)c.x;
        p->c[1] = (float)c.y;
        p->c[2] = (float)c.z;
        V3 rows[3] = {a, b, n};
        for (int k = 0; k < 3; k++) {
            p->m[3 * k] = (float)rows[k].x;
            p->m[3 * k + 1] = (float)rows[k].y;
            p->m[3 * k + 2] = (float)rows[k].z;
        }
        p->h[0] = p->h[1] = (float)ARUCO_HALF;
        p->h[2] = (float)ARUCO_HALF_THICK;
        p->min_axis = (float)ARUCO_HALF_THICK;
        p->radius = (float)(ARUCO_HALF * 1.415);
        p->pattern = ph->aruco_bits[m];
        p->pattern_cells = ph->aruco_cells;
        p->pattern_margin = ARUCO_MARGIN;
    }
    return v3_add(c, v3_scale(n, ARUCO_HALF_THICK));
}

void romcv_phantom_default_settings(RomcvPhantomSettings *s, RomcvProtocol protocol) {
    memset(s, 0, sizeof *s);
    s->protocol = protocol;
    s->width = 640;
    s->height = 480;
    s->fps_num = 30;
    s->fps_den = 1;
    s->duration_s = 0;
    s->seed = 1;
    s->body_height_m = 1.75;
    s->build = 1.0;
    s->sway_deg = 0.3;
    int front = protocol == ROMCV_PROTOCOL_SEATED_HIP_ROTATION ||
                protocol == ROMCV_PROTOCOL_SINGLE_LEG_STANCE ||
                protocol == ROMCV_PROTOCOL_PRONE_HIP_ROTATION;
    s->markers = front ? ROMCV_MARKERS_NONE : ROMCV_MARKERS_BALLS;
    RomcvPhantomCamera *c = &s->camera;
    c->distance_m = 0; /* 0: the protocol's */
    c->height_m = -1;  /* < 0: the protocol's */
    c->pitch_deg = NAN;
    c->hfov_deg = 50;
    RomcvPhantomScript *sc = &s->script;
    sc->ir_deg = 35;
    sc->er_deg = 35;
    sc->ir_left_deg = sc->ir_right_deg = sc->er_left_deg = sc->er_right_deg = -1;
    sc->hold_s = 1.0;
    sc->move_s = 1.5;
    sc->pelvic_tilt_deg = 12;
    sc->lordosis_deg = 40;
    sc->kyphosis_deg = -1; /* solved for an upright trunk */
    sc->lifted_side = ROMCV_SIDE_RIGHT;
    sc->pelvic_drop_deg = 8;
    sc->bend_deg = 80;
    sc->lumbar_fraction = 0.4;
    sc->squat_knee_deg = 110;
    /* clinical.md gives no normal value for the active straight leg raise;
     * 70 deg of hip flexion is within what healthy adults reach, not a norm. */
    sc->leg_raise_deg = 70;
    sc->sts_repetitions = 3;
    if (protocol == ROMCV_PROTOCOL_LEG_RAISE) {
        sc->move_s = 2.0; /* a leg is raised more slowly than a hip is rotated */
    }
}

static int check_range(RomcvDiag *diag, const char *name, double v, double lo, double hi) {
    if (!(v >= lo && v <= hi)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "phantom: %s %g: must be %g..%g", name, v,
                              lo, hi);
    }
    return 0;
}

static void setup_camera(const RomcvPhantomSettings *s, PhCamera *cam) {
    const RomcvPhantomCamera *c = &s->camera;
    V3 toward;
    double dist, height, aim;
    romcv__protocol_view(s, &toward, &dist, &height, &aim);
    if (c->distance_m > 0) {
        dist = c->distance_m;
    }
    if (c->height_m >= 0) {
        height = c->height_m;
    }
    toward = romcv__m3_apply(romcv__m3_rot_y(c->azimuth_deg * PH_DEG), toward);
    V3 pos = v3(toward.x * dist, height, toward.z * dist);
    V3 f;
    if (isfinite(c->pitch_deg)) {
        double p = c->pitch_deg * PH_DEG;
        f = v3_add(v3_scale(toward, -cos(p)), v3(0, -sin(p), 0));
    } else {
        f = v3_norm(v3_sub(v3(0, aim, 0), pos));
    }
    f = v3_norm(f);
    V3 right = v3_norm(v3_cross(f, v3(0, 1, 0)));
    V3 down = v3_cross(f, right);
    double r = c->roll_deg * PH_DEG;
    V3 x = v3_add(v3_scale(right, cos(r)), v3_scale(down, sin(r)));
    V3 y = v3_add(v3_scale(right, -sin(r)), v3_scale(down, cos(r)));
    memset(cam, 0, sizeof *cam);
    M3 rot = {{x.x, x.y, x.z, y.x, y.y, y.z, f.x, f.y, f.z}};
    cam->rot = rot;
    cam->position = pos;
    cam->width = s->width;
    cam->height = s->height;
    cam->fx = cam->fy = 0.5 * s->width / tan(0.5 * c->hfov_deg * PH_DEG);
    cam->cx = 0.5 * s->width;
    cam->cy = 0.5 * s->height;
    cam->k1 = c->k1;
    cam->k2 = c->k2;
    cam->k3 = c->k3;
    cam->p1 = c->p1;
    cam->p2 = c->p2;
}

int romcv_phantom_create(RomcvPhantom **out, const RomcvPhantomSettings *settings,
                         RomcvDiag *diag) {
    if (!out || !settings) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "phantom: no settings");
    }
    *out = NULL;
    const RomcvPhantomSettings *s = settings;
    int rc;
    if (!romcv_protocol_name(s->protocol)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "phantom: unknown protocol %d",
                              (int)s->protocol);
    }
    if ((rc = check_range(diag, "width", s->width, 64, 4096)) < 0 ||
        (rc = check_range(diag, "height", s->height, 64, 4096)) < 0 ||
        (rc = check_range(diag, "fps_num", s->fps_num, 1, 100000)) < 0 ||
        (rc = check_range(diag, "fps_den", s->fps_den, 1, 100000)) < 0 ||
        (rc = check_range(diag, "frame rate", (double)s->fps_num / s->fps_den, 0.5, 1000)) < 0 ||
        (rc = check_range(diag, "duration", s->duration_s, 0, 3600)) < 0 ||
        (rc = check_range(diag, "body height", s->body_height_m, 1.0, 2.3)) < 0 ||
        (rc = check_range(diag, "build", s->build, 0.6, 1.6)) < 0 ||
        (rc = check_range(diag, "sway", s->sway_deg, 0, 5)) < 0 ||
        (rc = check_range(diag, "field of view", s->camera.hfov_deg, 10, 150)) < 0 ||
        (rc = check_range(diag, "camera distance", s->camera.distance_m, 0, 50)) < 0 ||
        (rc = check_range(diag, "lumbar fraction", s->script.lumbar_fraction, 0, 1)) < 0 ||
        (rc = check_range(diag, "ir", s->script.ir_deg, 0, 80)) < 0 ||
        (rc = check_range(diag, "er", s->script.er_deg, 0, 80)) < 0 ||
        (rc = check_range(diag, "move time", s->script.move_s, 0.1, 30)) < 0 ||
        (rc = check_range(diag, "hold time", s->script.hold_s, 0, 60)) < 0 ||
        (rc = check_range(diag, "pelvic lift", s->script.pelvic_lift_deg, 0, 30)) < 0 ||
        (rc = check_range(diag, "pelvic drop", s->script.pelvic_drop_deg, -20, 30)) < 0 ||
        (rc = check_range(diag, "bend", s->script.bend_deg, 0, 120)) < 0 ||
        (rc = check_range(diag, "squat knee", s->script.squat_knee_deg, 0, 150)) < 0 ||
        (rc = check_range(diag, "leg raise", s->script.leg_raise_deg, 0, 120)) < 0 ||
        (rc = check_range(diag, "raise posterior tilt", s->script.raise_posterior_tilt_deg, 0,
                          40)) < 0 ||
        (rc = check_range(diag, "raise pelvic rotation", s->script.raise_pelvic_rotation_deg, -30,
                          30)) < 0 ||
        (rc = check_range(diag, "weight shift", s->script.sts_weight_shift_deg, -30, 30)) < 0 ||
        (rc = check_range(diag, "trunk lean", s->script.trunk_lean_deg, -30, 60)) < 0 ||
        (rc = check_range(diag, "repetitions", s->script.sts_repetitions, 1, 20)) < 0) {
        return rc;
    }
    if (s->marker_rgb > 0xffffff) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "phantom: marker colour %#x: not 0xRRGGBB",
                              (unsigned)s->marker_rgb);
    }
    if (s->markers < ROMCV_MARKERS_NONE || s->markers > ROMCV_MARKERS_ARUCO) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "phantom: unknown marker kind %d",
                              (int)s->markers);
    }
    RomcvPhantom *ph = calloc(1, sizeof *ph);
    if (!ph) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "phantom: out of memory");
    }
    ph->settings = *s;
    if (ph->settings.duration_s <= 0) {
        ph->settings.duration_s = romcv__protocol_duration(s);
    }
    romcv__body_dims(s->body_height_m, s->build, &ph->dims);
    setup_camera(&ph->settings, &ph->camera);
    double frames = ph->settings.duration_s * s->fps_num / s->fps_den;
    ph->frame_count = (int64_t)floor(frames + 0.5);
    if (ph->frame_count < 1) {
        ph->frame_count = 1;
    }
    rc = romcv__renderer_create(&ph->renderer, &ph->camera);
    if (rc < 0) {
        free(ph);
        return romcv_diag_set(diag, rc, "phantom: out of memory");
    }
    if (s->marker_rgb) {
        const uint8_t rgb[3] = {(uint8_t)(s->marker_rgb >> 16), (uint8_t)(s->marker_rgb >> 8),
                                (uint8_t)s->marker_rgb};
        for (int m = 0; m < ROMCV_PM_COUNT; m++) {
            romcv__renderer_set_albedo(ph->renderer, PH_MAT_MARKER_0 + m, rgb);
        }
    }
    if (s->markers == ROMCV_MARKERS_ARUCO && (rc = aruco_patterns(ph, diag)) < 0) {
        romcv__renderer_destroy(&ph->renderer);
        free(ph);
        return rc;
    }
    *out = ph;
    return 0;
}

void romcv_phantom_destroy(RomcvPhantom **phantom) {
    if (!phantom || !*phantom) {
        return;
    }
    romcv__renderer_destroy(&(*phantom)->renderer);
    free(*phantom);
    *phantom = NULL;
}

const RomcvPhantomSettings *romcv_phantom_settings(const RomcvPhantom *phantom) {
    return &phantom->settings;
}

int64_t romcv_phantom_frame_count(const RomcvPhantom *phantom) {
    return phantom->frame_count;
}

double romcv_phantom_frame_time(const RomcvPhantom *phantom, int64_t index) {
    /* Exact rational time, as a stream's pts * time_base. */
    return (double)(index * phantom->settings.fps_den) / phantom->settings.fps_num;
}

static void project(const PhCamera *cam, V3 w, RomcvPhantomPoint *p) {
    V3 c = romcv__camera_to_cam(cam, w);
    p->world[0] = w.x;
    p->world[1] = w.y;
    p->world[2] = w.z;
    p->camera[0] = c.x;
    p->camera[1] = c.y;
    p->camera[2] = c.z;
    p->in_front = c.z > 1e-6;
    if (p->in_front) {
        romcv__camera_project(cam, c, &p->image[0], &p->image[1]);
    } else {
        p->image[0] = p->image[1] = NAN;
    }
    p->in_image = p->in_front && p->image[0] >= 0 && p->image[0] < cam->width && p->image[1] >= 0 &&
                  p->image[1] < cam->height;
}

void romcv_phantom_project(const RomcvPhantom *phantom, const double world[3],
                           RomcvPhantomPoint *out) {
    project(&phantom->camera, v3(world[0], world[1], world[2]), out);
}

static const char *const joint_names[ROMCV_PHANTOM_JOINT_COUNT] = {
    "nose",        "left_eye_inner",  "left_eye",         "left_eye_outer", "right_eye_inner",
    "right_eye",   "right_eye_outer", "left_ear",         "right_ear",      "mouth_left",
    "mouth_right", "left_shoulder",   "right_shoulder",   "left_elbow",     "right_elbow",
    "left_wrist",  "right_wrist",     "left_pinky",       "right_pinky",    "left_index",
    "right_index", "left_thumb",      "right_thumb",      "left_hip",       "right_hip",
    "left_knee",   "right_knee",      "left_ankle",       "right_ankle",    "left_heel",
    "right_heel",  "left_foot_index", "right_foot_index",
};

const char *romcv_phantom_joint_name(int joint) {
    return joint >= 0 && joint < ROMCV_PHANTOM_JOINT_COUNT ? joint_names[joint] : "";
}

static const char *const marker_names[ROMCV_PM_COUNT] = {
    "left_asis",
    "right_asis",
    "left_psis",
    "right_psis",
    "t12",
    "l3",
    "s1",
    "left_trochanter",
    "right_trochanter",
    "left_knee_lateral",
    "right_knee_lateral",
    "left_malleolus",
    "right_malleolus",
};

const char *romcv_phantom_marker_name(int marker) {
    return marker >= 0 && marker < ROMCV_PM_COUNT ? marker_names[marker] : "";
}

/* ---------------------------------------------------------------- angles */

static double deg(double rad) {
    return rad / PH_DEG;
}

/* Angle of v in the sagittal plane of frame f (forward from f's up axis). */
static double sagittal_angle(const PhFrame *f, V3 v) {
    return deg(atan2(v3_dot(v, romcv__m3_col(f->rot, 2)), v3_dot(v, romcv__m3_col(f->rot, 1))));
}

static double angle_between(V3 a, V3 b) {
    double c = v3_dot(v3_norm(a), v3_norm(b));
    c = c > 1 ? 1 : c < -1 ? -1 : c;
    return deg(acos(c));
}

static double angle_2d(double ax, double ay, double bx, double by) {
    return deg(atan2(ax * by - ay * bx, ax * bx + ay * by));
}

void romcv__measure_angles(const PhantomSkeleton *sk, const PhantomPose *pose,
                           RomcvPhantomAngles *a) {
    for (size_t i = 0; i < sizeof *a / sizeof(double); i++) {
        ((double *)a)[i] = NAN;
    }
    const V3 *j = sk->joints;
    const PhFrame *pv = &sk->pelvis;
    /* Measures along world axes are taken in the body's base frame (the world
     * when upright), so that a lying body's hip line is measured across the
     * table. */
    M3 base = romcv__body_base(pose->lying);
    M3 bt = romcv__m3_transpose(base);
    V3 jb[ROMCV_PHANTOM_JOINT_COUNT];
    for (int i = 0; i < ROMCV_PHANTOM_JOINT_COUNT; i++) {
        jb[i] = romcv__m3_apply(bt, j[i]);
    }
    int prone = pose->lying == PH_PRONE;
    if (pose->rotation_test) {
        /* Seen from the camera (front or feet), in the world X-Y plane: the
         * shank hangs down when seated and points up when prone; lateral is
         * the body's left for the left leg, its right for the right leg. */
        V3 lat = romcv__m3_col(base, 0);
        V3 ref = v3(0, prone ? 1 : -1, 0);
        for (int side = 0; side < 2; side++) {
            V3 v = v3_sub(j[ROMCV_PJ_LEFT_ANKLE + side], j[ROMCV_PJ_LEFT_KNEE + side]);
            double lateral = (side == PH_LEFT ? 1 : -1) * v3_dot(v, lat);
            double r = deg(atan2(lateral, v3_dot(v, ref)));
            if (side == PH_LEFT) {
                a->hip_rotation_left = r;
                a->hip_rotation_anatomical_left = pose->hip_rot[PH_LEFT];
            } else {
                a->hip_rotation_right = r;
                a->hip_rotation_anatomical_right = pose->hip_rot[PH_RIGHT];
            }
        }
    }
    V3 hl = jb[ROMCV_PJ_LEFT_HIP], hr = jb[ROMCV_PJ_RIGHT_HIP];
    a->pelvic_obliquity = deg(atan2(hl.y - hr.y, hl.x - hr.x));
    a->pelvic_rotation = deg(atan2(hl.z - hr.z, hl.x - hr.x));
    V3 asis = romcv__m3_apply(bt, v3_lerp(sk->marker_anchor[ROMCV_PM_LEFT_ASIS],
                                          sk->marker_anchor[ROMCV_PM_RIGHT_ASIS], 0.5));
    V3 psis = romcv__m3_apply(bt, v3_lerp(sk->marker_anchor[ROMCV_PM_LEFT_PSIS],
                                          sk->marker_anchor[ROMCV_PM_RIGHT_PSIS], 0.5));
    a->pelvic_tilt = deg(atan2(psis.y - asis.y, asis.z - psis.z));
    /* Spine curves: tangents (the frames' Y axes) in the pelvis's sagittal
     * plane; lordosis is extension going up from S1 to T12, kyphosis flexion
     * going up from T12 to C7. */
    double th_s1 = sagittal_angle(pv, romcv__m3_col(sk->spine[PH_NODE_S1].rot, 1));
    double th_t12 = sagittal_angle(pv, romcv__m3_col(sk->spine[PH_NODE_T12].rot, 1));
    double th_c7 = sagittal_angle(pv, romcv__m3_col(sk->spine[PH_NODE_C7].rot, 1));
    a->lumbar_lordosis = th_s1 - th_t12;
    a->thoracic_kyphosis = th_c7 - th_t12;
    V3 up = romcv__m3_col(pv->rot, 1), fwd = romcv__m3_col(pv->rot, 2),
       left = romcv__m3_col(pv->rot, 0);
    for (int side = 0; side < 2; side++) {
        double sgn = side == PH_LEFT ? 1 : -1;
        V3 hip = j[ROMCV_PJ_LEFT_HIP + side], knee = j[ROMCV_PJ_LEFT_KNEE + side];
        V3 ankle = j[ROMCV_PJ_LEFT_ANKLE + side];
        V3 th = v3_norm(v3_sub(knee, hip));
        double flex = deg(atan2(v3_dot(th, fwd), -v3_dot(th, up)));
        double abd = deg(asin(fmax(-1, fmin(1, sgn * v3_dot(th, left)))));
        V3 hb = jb[ROMCV_PJ_LEFT_HIP + side], kb = jb[ROMCV_PJ_LEFT_KNEE + side],
           sb = jb[ROMCV_PJ_LEFT_SHOULDER + side];
        double flex2d = 180 - fabs(angle_2d(sb.z - hb.z, sb.y - hb.y, kb.z - hb.z, kb.y - hb.y));
        double knee_flex = 180 - angle_between(v3_sub(hip, knee), v3_sub(ankle, knee));
        /* The thigh in the body's base frame: from the world vertical when
         * upright (what a side view sees of the thigh), from the table when
         * lying (a straight leg raise's angle). */
        V3 thb = v3_sub(kb, hb);
        double incl = deg(atan2(thb.z, -thb.y));
        if (side == PH_LEFT) {
            a->thigh_inclination_left = incl;
            a->hip_flexion_left = flex;
            a->hip_abduction_left = abd;
            a->hip_flexion_2d_left = flex2d;
            a->knee_flexion_left = knee_flex;
        } else {
            a->hip_flexion_right = flex;
            a->thigh_inclination_right = incl;
            a->hip_abduction_right = abd;
            a->hip_flexion_2d_right = flex2d;
            a->knee_flexion_right = knee_flex;
        }
    }
    V3 mh = v3_lerp(hl, hr, 0.5);
    V3 ms = v3_lerp(jb[ROMCV_PJ_LEFT_SHOULDER], jb[ROMCV_PJ_RIGHT_SHOULDER], 0.5);
    V3 t = v3_sub(ms, mh);
    a->trunk_inclination = deg(atan2(t.z, t.y));
    a->trunk_lateral_lean = deg(atan2(t.x, t.y));
    if (pose->lifted_leg != PH_NO_SIDE) {
        a->pelvic_drop = pose->lifted_leg == PH_LEFT ? -a->pelvic_obliquity : a->pelvic_obliquity;
    }
}

/* ----------------------------------------------------------------- render */

/* Puts each marker on the skin: a ray from outside along the anatomical
 * normal finds the body's surface, the sticker lies flat on it and the ball
 * stands off it along the anatomical normal (the pelvis's front-back axis
 * for the ASIS and PSIS, the spine's back normal for T12, L3 and S1), as a
 * stand-off base set square to the bone does. Along the local skin normal
 * instead, the belly's or the buttocks' curvature turned the ball lines: the
 * ASIS-PSIS line of the ball centres moved 3 deg when only the lordosis
 * changed (the ASIS ball then sat on the lower trunk's belly). Returns the
 * marker's centre and its skin's normal. */
static void place_markers(RomcvPhantom *ph, const PhantomSkeleton *sk, V3 centre[ROMCV_PM_COUNT],
                          V3 normal[ROMCV_PM_COUNT], int prim_index[ROMCV_PM_COUNT]) {
    PhPrimList *list = &ph->prims;
    int kind = ph->settings.markers;
    for (int m = 0; m < ROMCV_PM_COUNT; m++) {
        V3 n = sk->marker_normal[m];
        const V3 anatomical = n;
        V3 o = v3_add(sk->marker_anchor[m], v3_scale(n, 0.15));
        V3 d = v3_scale(n, -1);
        double best = 0.3;
        int hit = -1;
        for (int i = 0; i < list->body_count; i++) {
            double t;
            if (romcv__prim_intersect(&list->prims[i], o, d, 0, &t) && t < best) {
                best = t;
                hit = i;
            }
        }
        V3 skin = sk->marker_anchor[m];
        if (hit >= 0) {
            skin = v3_add(o, v3_scale(d, best));
            n = romcv__prim_normal(&list->prims[hit], skin);
        }
        normal[m] = n;
        prim_index[m] = -1;
        V3 t1 = v3_norm(v3_cross(n, fabs(n.y) < 0.9 ? v3(0, 1, 0) : v3(1, 0, 0)));
        V3 t2 = v3_cross(n, t1);
        if (kind == ROMCV_MARKERS_BALLS) {
            centre[m] = v3_add(skin, v3_scale(anatomical, BALL_STANDOFF + BALL_RADIUS));
            romcv__prim_ellipsoid(list, centre[m], t1, t2, n,
                                  v3(BALL_RADIUS, BALL_RADIUS, BALL_RADIUS), PH_MAT_MARKER_0 + m,
                                  PH_GROUP_NONE);
        } else {
            centre[m] = v3_add(skin, v3_scale(n, 0.5 * STICKER_HALF));
            if (kind == ROMCV_MARKERS_STICKERS) {
                romcv__prim_ellipsoid(list, centre[m], t1, t2, n,
                                      v3(STICKER_RADIUS, STICKER_RADIUS, STICKER_HALF),
                                      PH_MAT_MARKER_0 + m, PH_GROUP_NONE);
            }
        }
        if (kind == ROMCV_MARKERS_ARUCO) {
            /* the printed square's centre; normal[m] becomes the card's */
            centre[m] = aruco_card(ph, sk, m, skin, &normal[m]);
        }
        if (kind != ROMCV_MARKERS_NONE) {
            prim_index[m] = list->count - 1;
            list->prims[list->count - 1].marker = m;
        }
    }
}

static void marker_truth(const RomcvPhantom *ph, V3 centre, V3 n, int prim,
                         RomcvPhantomMarkerTruth *mt) {
    const PhCamera *cam = &ph->camera;
    memset(mt, 0, sizeof *mt);
    project(cam, centre, &mt->centre);
    mt->normal[0] = n.x;
    mt->normal[1] = n.y;
    mt->normal[2] = n.z;
    mt->present = ph->settings.markers != ROMCV_MARKERS_NONE;
    V3 to_cam = v3_norm(v3_sub(cam->position, centre));
    int ball = ph->settings.markers == ROMCV_MARKERS_BALLS;
    mt->facing = ball || v3_dot(n, to_cam) > STICKER_FACING_COS;
    /* The point the camera would see: the ball's near side, or the sticker's
     * outer face. Anything else in front of it hides the marker. */
    V3 seen = ball ? v3_add(centre, v3_scale(to_cam, BALL_RADIUS))
                   : v3_add(centre, v3_scale(n, STICKER_HALF));
    V3 d = v3_sub(seen, cam->position);
    double dist = v3_len(d);
    d = v3_scale(d, 1.0 / dist);
    double t;
    int hit = romcv__trace_any(&ph->prims, cam->position, d, 0, dist - 0.002, prim, &t);
    mt->occluded = hit >= 0;
    mt->detectable = mt->present && mt->facing && !mt->occluded && mt->centre.in_image;
}

/* The angles a perfect marker method reads on the drawn markers' centres
 * (ball centres, sticker centres), with romcv's definitions (docs/angles.md),
 * in the body's base sagittal plane. They differ from the anatomical
 * pelvic_tilt and lumbar_lordosis because markers sit on the skin and stand
 * off it: on this phantom the S1 ball rides on the top of the buttocks, well
 * behind the lumbar skin line, so its marker lordosis reads far above the
 * vertebral curve's (docs/markers.md). A marker method is judged against
 * these; the anatomical angles say what the markers stand for. */
static void marker_angles(const V3 centre[ROMCV_PM_COUNT], int lying, RomcvPhantomAngles *a) {
    M3 bt = romcv__m3_transpose(romcv__body_base(lying));
    V3 asis =
        romcv__m3_apply(bt, v3_lerp(centre[ROMCV_PM_LEFT_ASIS], centre[ROMCV_PM_RIGHT_ASIS], 0.5));
    V3 psis =
        romcv__m3_apply(bt, v3_lerp(centre[ROMCV_PM_LEFT_PSIS], centre[ROMCV_PM_RIGHT_PSIS], 0.5));
    a->pelvic_tilt_markers = deg(atan2(psis.y - asis.y, asis.z - psis.z));
    V3 t12 = romcv__m3_apply(bt, centre[ROMCV_PM_T12]);
    V3 l3 = romcv__m3_apply(bt, centre[ROMCV_PM_L3]);
    V3 s1 = romcv__m3_apply(bt, centre[ROMCV_PM_S1]);
    /* Chord directions from the vertical, forward +: in a lordosis L3 lies
     * forward of the T12-S1 line, so the lower chord leans forward of the
     * upper one. The circle through the three points turns by twice the
     * angle between the chords (inscribed angle theorem). */
    double lower = deg(atan2(l3.z - s1.z, l3.y - s1.y));
    double upper = deg(atan2(t12.z - l3.z, t12.y - l3.y));
    a->lumbar_lordosis_markers = 2.0 * (lower - upper);
}

int romcv_phantom_render(RomcvPhantom *ph, int64_t index, RomcvFrame *frame,
                         RomcvPhantomTruth *truth) {
    if (!ph || index < 0 || index >= ph->frame_count) {
        return ROMCV_ERR(EINVAL);
    }
    if (frame && (frame->width != ph->settings.width || frame->height != ph->settings.height ||
                  frame->format != ROMCV_PIX_RGB24)) {
        return ROMCV_ERR(EINVAL);
    }
    double t = romcv_phantom_frame_time(ph, index);
    PhantomPose pose;
    romcv__protocol_pose(&ph->settings, t, &pose);
    PhantomSkeleton sk;
    romcv__body_skeleton(&ph->dims, &pose, &sk);
    romcv__body_primitives(&sk, &pose, &ph->prims);
    V3 centre[ROMCV_PM_COUNT], normal[ROMCV_PM_COUNT];
    int prim_index[ROMCV_PM_COUNT];
    place_markers(ph, &sk, centre, normal, prim_index);
    if (frame) {
        romcv__renderer_draw(ph->renderer, &ph->prims, frame->data, frame->stride);
        frame->time_s = t;
        frame->index = index;
        frame->rotation_deg = 0;
        frame->time_is_estimated = 0;
    }
    if (truth) {
        memset(truth, 0, sizeof *truth);
        truth->index = index;
        truth->time_s = t;
        truth->phase = pose.phase ? pose.phase : "";
        truth->side = pose.side;
        truth->end_range = pose.end_range;
        truth->compensation = pose.compensation;
        romcv__measure_angles(&sk, &pose, &truth->angles);
        if (ph->settings.markers != ROMCV_MARKERS_NONE) {
            marker_angles(centre, pose.lying, &truth->angles);
        }
        for (int i = 0; i < ROMCV_PHANTOM_JOINT_COUNT; i++) {
            truth->joint_present[i] = sk.joint_present[i];
            project(&ph->camera, sk.joints[i], &truth->joints[i]);
        }
        for (int m = 0; m < ROMCV_PM_COUNT; m++) {
            marker_truth(ph, centre[m], normal[m], prim_index[m], &truth->markers[m]);
        }
        const PhCamera *c = &ph->camera;
        RomcvPhantomCameraTruth *ct = &truth->camera;
        ct->fx = c->fx;
        ct->fy = c->fy;
        ct->cx = c->cx;
        ct->cy = c->cy;
        ct->k1 = c->k1;
        ct->k2 = c->k2;
        ct->p1 = c->p1;
        ct->p2 = c->p2;
        ct->k3 = c->k3;
        memcpy(ct->rotation, c->rot.m, sizeof ct->rotation);
        ct->position[0] = c->position.x;
        ct->position[1] = c->position.y;
        ct->position[2] = c->position.z;
        ct->width = c->width;
        ct->height = c->height;
    }
    return 0;
}
