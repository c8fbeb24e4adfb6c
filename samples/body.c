/*
 * samples/body.c: the phantom's articulated body. A pose (anatomical joint
 * angles) becomes a skeleton of rigid segment frames, joint centres and
 * marker anchors, and the skeleton becomes smooth surfaces: about 60
 * ellipsoids for the body, head, face, clothes and shoes.
 *
 * Why ellipsoids: a ray meets one in closed form (a quadratic), they taper
 * like muscle bellies, and overlapping ellipsoids with blended normals give
 * the smooth volumes that BlazePose needs (phantom-facts.md: volume and human
 * proportions matter; a stick figure is never detected).
 *
 * Proportions: segment lengths are Winter's fractions of standing height H
 * (Winter 2009, fig. 4.1: thigh 0.245 H, shank 0.246 H, ankle 0.039 H above
 * the floor, foot 0.152 H, upper arm 0.186 H, forearm 0.146 H, hand 0.108 H,
 * shoulder width 0.259 H, hip width 0.191 H). The hip joint centres sit
 * where Harrington's regression (Harrington et al. 2007, J Biomech 40:595)
 * puts them relative to the ASIS and PSIS. Girths follow Dempster's segment
 * shapes loosely and scale with the build factor.
 */
#include "samples/internal.h"

#include <string.h>

/* ------------------------------------------------------------ vector math */

M3 romcv__m3_identity(void) {
    M3 r = {{1, 0, 0, 0, 1, 0, 0, 0, 1}};
    return r;
}

M3 romcv__m3_mul(M3 a, M3 b) {
    M3 r;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            r.m[3 * i + j] =
                a.m[3 * i] * b.m[j] + a.m[3 * i + 1] * b.m[3 + j] + a.m[3 * i + 2] * b.m[6 + j];
        }
    }
    return r;
}

M3 romcv__m3_transpose(M3 a) {
    M3 r;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            r.m[3 * i + j] = a.m[3 * j + i];
        }
    }
    return r;
}

V3 romcv__m3_apply(M3 a, V3 v) {
    return v3(a.m[0] * v.x + a.m[1] * v.y + a.m[2] * v.z,
              a.m[3] * v.x + a.m[4] * v.y + a.m[5] * v.z,
              a.m[6] * v.x + a.m[7] * v.y + a.m[8] * v.z);
}

M3 romcv__m3_rot_x(double a) {
    double c = cos(a), s = sin(a);
    M3 r = {{1, 0, 0, 0, c, -s, 0, s, c}};
    return r;
}

M3 romcv__m3_rot_y(double a) {
    double c = cos(a), s = sin(a);
    M3 r = {{c, 0, s, 0, 1, 0, -s, 0, c}};
    return r;
}

M3 romcv__m3_rot_z(double a) {
    double c = cos(a), s = sin(a);
    M3 r = {{c, -s, 0, s, c, 0, 0, 0, 1}};
    return r;
}

M3 romcv__body_base(int lying) {
    /* Prone: body left -> -X, up -> -Z (head away from a camera at the feet),
     * forward -> -Y (face down). Supine: left -> +X, up -> -Z, forward -> +Y
     * (face up), so a camera on -X sees the body's right side. */
    static const M3 prone = {{-1, 0, 0, 0, 0, -1, 0, -1, 0}};
    static const M3 supine = {{1, 0, 0, 0, 0, 1, 0, -1, 0}};
    return lying == PH_PRONE ? prone : lying == PH_SUPINE ? supine : romcv__m3_identity();
}

V3 romcv__m3_col(M3 a, int k) {
    return v3(a.m[k], a.m[3 + k], a.m[6 + k]);
}

/* ------------------------------------------------------------- dimensions */

void romcv__body_dims(double height_m, double build, PhantomDims *d) {
    double h = height_m;
    memset(d, 0, sizeof *d);
    d->height = h;
    d->build = build;
    d->thigh = 0.245 * h; /* Winter: hip 0.530 H - knee 0.285 H */
    d->shank = 0.246 * h; /* knee 0.285 H - ankle 0.039 H */
    d->ankle_height = 0.039 * h;
    d->foot_length = 0.152 * h;
    d->upper_arm = 0.186 * h;
    d->forearm = 0.146 * h;
    d->hand = 0.108 * h;
    /* Harrington 2007: each hip centre 0.33 PW + 7.3 mm from the midline, with
     * the inter-ASIS width PW about 0.14 H: 0.05 H. */
    d->hip_half_width = 0.05 * h;
    /* Biacromial width 0.259 H (Winter); the joint centres lie about 1.5 % H
     * inside the acromion tips. */
    d->shoulder_half_width = 0.112 * h;
    /* Hip 0.530 H to shoulder 0.818 H is 0.288 H; S1 sits about 0.055 H above
     * the hips and the curved T12-S1 and C7-T12 arcs take the rest (adult
     * lumbar spine about 18 cm, thoracic about 28 cm at H = 1.75 m). */
    d->lumbar_length = 0.10 * h;
    d->thoracic_length = 0.16 * h;
    d->neck_length = 0.05 * h;
    /* Vertebral body centre to the skin over the spinous process, about 7 cm. */
    d->back_depth = 0.042 * h;
}

/* ---------------------------------------------------------------- skeleton */

/* The tangent angle of the spine at S1 relative to the pelvis frame (forward
 * +). A circular lumbar arc balances (T12 above S1, as the C7 plumb line
 * falls near S1 in standing) when the S1 tangent leans forward by half the
 * lordosis: 8 deg + the default 12 deg tilt = 20 = 40 / 2. */
#define SACRAL_ANGLE_DEG 8.0

/* Orthonormal frame from a Y axis and an approximate X axis. */
static M3 frame_from_yx(V3 y, V3 x_hint) {
    y = v3_norm(y);
    V3 z = v3_norm(v3_cross(x_hint, y));
    V3 x = v3_cross(y, z);
    M3 r = {{x.x, y.x, z.x, x.y, y.y, z.y, x.z, y.z, z.z}};
    return r;
}

static double clampd(double v, double lo, double hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

static void build(const PhantomDims *d, const PhantomPose *p, V3 origin, PhantomSkeleton *sk) {
    double h = d->height;
    memset(sk, 0, sizeof *sk);
    sk->dims = *d;
    sk->lying = p->lying;
    M3 base = romcv__body_base(p->lying);
    M3 rp = romcv__m3_mul(base,
                          romcv__m3_mul(romcv__m3_rot_y(p->pelvic_rotation * PH_DEG),
                                        romcv__m3_mul(romcv__m3_rot_z(p->pelvic_obliquity * PH_DEG),
                                                      romcv__m3_rot_x(p->pelvic_tilt * PH_DEG))));
    sk->pelvis.origin = origin;
    sk->pelvis.rot = rp;

    /* Spine: a chain of short links, each turning by an equal share of the
     * lordosis (extension) or kyphosis (flexion), so that the lumbar and
     * thoracic parts are circular arcs and the angle between the end
     * tangents is exactly the curve's angle. Lateral bend and axial twist are
     * spread evenly over all links. Each link turns half before and half
     * after its step (midpoint rule) so the arc's chord is exact. */
    PhFrame f;
    f.origin = ph_frame_point(&sk->pelvis, v3(0, 0.055 * h, -0.012 * h));
    f.rot = romcv__m3_mul(rp, romcv__m3_rot_x(SACRAL_ANGLE_DEG * PH_DEG));
    sk->spine[0] = f;
    int links = PH_SPINE_NODES - 1;
    for (int i = 0; i < links; i++) {
        int lumbar = i < PH_LUMBAR_LINKS;
        double flex = lumbar ? -p->lordosis / PH_LUMBAR_LINKS : p->kyphosis / PH_THORACIC_LINKS;
        double len =
            lumbar ? d->lumbar_length / PH_LUMBAR_LINKS : d->thoracic_length / PH_THORACIC_LINKS;
        M3 half =
            romcv__m3_mul(romcv__m3_rot_x(0.5 * flex * PH_DEG),
                          romcv__m3_mul(romcv__m3_rot_z(-0.5 * p->spine_lateral / links * PH_DEG),
                                        romcv__m3_rot_y(0.5 * p->spine_axial / links * PH_DEG)));
        f.rot = romcv__m3_mul(f.rot, half);
        f.origin = v3_add(f.origin, ph_frame_dir(&f, v3(0, len, 0)));
        f.rot = romcv__m3_mul(f.rot, half);
        sk->spine[i + 1] = f;
    }

    /* The thorax frame carries the head and arms: its Y runs along the trunk
     * (S1 to C7), so "shoulder flexion 0" hangs the arm along the trunk. */
    const PhFrame *c7 = &sk->spine[PH_NODE_C7];
    PhFrame thorax;
    thorax.origin = c7->origin;
    thorax.rot = frame_from_yx(v3_sub(c7->origin, sk->spine[0].origin), romcv__m3_col(c7->rot, 0));
    /* The head looks ahead: it undoes up to 25 deg of the thorax's forward
     * pitch, then follows it (a deep bend looks at the floor). */
    /* In the body's base frame (upright: the world), pitch of the trunk. */
    V3 ty = romcv__m3_apply(romcv__m3_transpose(base), romcv__m3_col(thorax.rot, 1));
    double pitch = atan2(ty.z, ty.y) / PH_DEG;
    double head_pitch = p->neck_flex - clampd(pitch, -25, 25);
    sk->head.rot = romcv__m3_mul(thorax.rot, romcv__m3_rot_x(head_pitch * PH_DEG));
    V3 neck_base = ph_frame_point(&thorax, v3(0, 0.02 * h, 0.012 * h));
    sk->head.origin = v3_add(neck_base, ph_frame_dir(&sk->head, v3(0, 0.072 * h, 0.022 * h)));

    for (int side = 0; side < 2; side++) {
        double s = side == PH_LEFT ? 1.0 : -1.0; /* +X is the left */
        /* Legs. Flexion swings the thigh forward (-X rotation), abduction
         * moves it laterally, internal rotation turns its front medially:
         * R = Rpelvis Rx(-flex) Rz(s abd) Ry(-s rot). */
        PhFrame *th = &sk->thigh[side];
        th->origin = ph_frame_point(&sk->pelvis, v3(s * d->hip_half_width, 0, 0));
        th->rot = romcv__m3_mul(
            rp, romcv__m3_mul(romcv__m3_rot_x(-p->hip_flex[side] * PH_DEG),
                              romcv__m3_mul(romcv__m3_rot_z(s * p->hip_abd[side] * PH_DEG),
                                            romcv__m3_rot_y(-s * p->hip_rot[side] * PH_DEG))));
        PhFrame *sh = &sk->shank[side];
        sh->origin = ph_frame_point(th, v3(0, -d->thigh, 0));
        sh->rot = romcv__m3_mul(th->rot, romcv__m3_rot_x(p->knee_flex[side] * PH_DEG));
        PhFrame *ft = &sk->foot[side];
        ft->origin = ph_frame_point(sh, v3(0, -d->shank, 0));
        ft->rot = romcv__m3_mul(sh->rot, romcv__m3_rot_x(-p->ankle_dorsi[side] * PH_DEG));
        /* Arms hang from the thorax; flexion raises them forward, internal
         * rotation (as at the hip) turns a bent forearm toward the midline. */
        PhFrame *ua = &sk->upper_arm[side];
        ua->origin = ph_frame_point(&thorax, v3(s * d->shoulder_half_width, -0.03 * h, 0.012 * h));
        ua->rot = romcv__m3_mul(
            thorax.rot,
            romcv__m3_mul(romcv__m3_rot_x(-p->shoulder_flex[side] * PH_DEG),
                          romcv__m3_mul(romcv__m3_rot_z(s * p->shoulder_abd[side] * PH_DEG),
                                        romcv__m3_rot_y(-s * p->shoulder_rot[side] * PH_DEG))));
        PhFrame *fa = &sk->forearm[side];
        fa->origin = ph_frame_point(ua, v3(0, -d->upper_arm, 0));
        fa->rot = romcv__m3_mul(ua->rot, romcv__m3_rot_x(-p->elbow_flex[side] * PH_DEG));
        PhFrame *hd = &sk->hand[side];
        hd->origin = ph_frame_point(fa, v3(0, -d->forearm, 0));
        hd->rot = fa->rot;
    }
}

/* Face and limb points in BlazePose's numbering (romcv/samples.h). */
static void joints(PhantomSkeleton *sk) {
    double h = sk->dims.height;
    const PhFrame *hd = &sk->head;
    for (int i = 0; i < ROMCV_PHANTOM_JOINT_COUNT; i++) {
        sk->joint_present[i] = 1;
    }
    double zs = 0.054 * h; /* head's front surface, see body_primitives */
    sk->joints[0] = ph_frame_point(hd, v3(0, -0.008 * h, zs + 0.012 * h)); /* nose tip */
    for (int side = 0; side < 2; side++) {
        double s = side == PH_LEFT ? 1.0 : -1.0;
        int o = side == PH_LEFT ? 0 : 3; /* 1-3 left eye, 4-6 right eye */
        V3 eye = v3(s * 0.016 * h, 0.006 * h, zs * 0.93);
        sk->joints[1 + o] = ph_frame_point(hd, v3_add(eye, v3(-s * 0.006 * h, 0, 0)));
        sk->joints[2 + o] = ph_frame_point(hd, eye);
        sk->joints[3 + o] = ph_frame_point(hd, v3_add(eye, v3(s * 0.006 * h, 0, -0.002 * h)));
        sk->joints[7 + side] = ph_frame_point(hd, v3(s * 0.044 * h, 0.004 * h, -0.004 * h));
        sk->joints[9 + side] = ph_frame_point(hd, v3(s * 0.012 * h, -0.028 * h, zs * 0.88));
        sk->joints[11 + side] = sk->upper_arm[side].origin;
        sk->joints[13 + side] = sk->forearm[side].origin;
        sk->joints[15 + side] = sk->hand[side].origin;
        const PhFrame *hn = &sk->hand[side];
        sk->joints[17 + side] = ph_frame_point(hn, v3(0, -0.055 * h, -0.012 * h)); /* pinky */
        sk->joints[19 + side] = ph_frame_point(hn, v3(0, -0.062 * h, 0.012 * h));  /* index */
        sk->joints[21 + side] =
            ph_frame_point(hn, v3(-s * 0.006 * h, -0.035 * h, 0.024 * h)); /* thumb */
        sk->joints[23 + side] = sk->thigh[side].origin;
        sk->joints[25 + side] = sk->shank[side].origin;
        sk->joints[27 + side] = sk->foot[side].origin;
        const PhFrame *ft = &sk->foot[side];
        double ah = sk->dims.ankle_height;
        sk->joints[29 + side] = ph_frame_point(ft, v3(0, -0.75 * ah, -0.036 * h)); /* heel */
        sk->joints[31 + side] = ph_frame_point(ft, v3(0, -0.75 * ah, 0.122 * h));  /* toes */
    }
}

static void markers(PhantomSkeleton *sk) {
    double h = sk->dims.height;
    const PhFrame *pv = &sk->pelvis;
    for (int side = 0; side < 2; side++) {
        double s = side == PH_LEFT ? 1.0 : -1.0;
        /* Harrington 2007 (H = 1.75 m): ASIS about 12 cm lateral, 8 cm above and
         * 5 cm in front of the hip centres; PSIS 4.5 cm lateral, 16 cm behind
         * the ASIS. In this pelvis frame the ASIS-PSIS line is level, so the
         * pelvic tilt parameter is the clinical ASIS-PSIS angle. */
        sk->marker_anchor[ROMCV_PM_LEFT_ASIS + side] =
            ph_frame_point(pv, v3(s * 0.07 * h, 0.045 * h, 0.028 * h));
        sk->marker_normal[ROMCV_PM_LEFT_ASIS + side] =
            v3_norm(ph_frame_dir(pv, v3(s * 0.3, 0.1, 1)));
        sk->marker_anchor[ROMCV_PM_LEFT_PSIS + side] =
            ph_frame_point(pv, v3(s * 0.026 * h, 0.045 * h, -0.064 * h));
        sk->marker_normal[ROMCV_PM_LEFT_PSIS + side] =
            v3_norm(ph_frame_dir(pv, v3(s * 0.2, 0.1, -1)));
        const PhFrame *th = &sk->thigh[side];
        sk->marker_anchor[ROMCV_PM_LEFT_TROCHANTER + side] =
            ph_frame_point(th, v3(s * 0.045 * h, -0.025 * h, 0));
        sk->marker_normal[ROMCV_PM_LEFT_TROCHANTER + side] = ph_frame_dir(th, v3(s, 0, 0));
        const PhFrame *sh = &sk->shank[side];
        sk->marker_anchor[ROMCV_PM_LEFT_KNEE_LATERAL + side] =
            ph_frame_point(sh, v3(s * 0.028 * h, 0, 0));
        sk->marker_normal[ROMCV_PM_LEFT_KNEE_LATERAL + side] = ph_frame_dir(sh, v3(s, 0, 0));
        sk->marker_anchor[ROMCV_PM_LEFT_MALLEOLUS + side] =
            ph_frame_point(sh, v3(s * 0.02 * h, -sk->dims.shank, -0.004 * h));
        sk->marker_normal[ROMCV_PM_LEFT_MALLEOLUS + side] = ph_frame_dir(sh, v3(s, 0, 0));
    }
    static const int nodes[3] = {PH_NODE_T12, PH_NODE_L3, PH_NODE_S1};
    for (int k = 0; k < 3; k++) {
        const PhFrame *n = &sk->spine[nodes[k]];
        sk->marker_anchor[ROMCV_PM_T12 + k] = ph_frame_point(n, v3(0, 0, -sk->dims.back_depth));
        sk->marker_normal[ROMCV_PM_T12 + k] = ph_frame_dir(n, v3(0, 0, -1));
    }
}

/* The trunk line (mid-hip to mid-shoulder) in the body's base frame, as the
 * truth measures it (the world when upright, the table's frame lying). */
static V3 trunk_line(const PhantomSkeleton *sk) {
    V3 hip = v3_lerp(sk->thigh[0].origin, sk->thigh[1].origin, 0.5);
    V3 sho = v3_lerp(sk->upper_arm[0].origin, sk->upper_arm[1].origin, 0.5);
    return romcv__m3_apply(romcv__m3_transpose(romcv__body_base(sk->lying)), v3_sub(sho, hip));
}

static double trunk_inclination(const PhantomSkeleton *sk) {
    V3 t = trunk_line(sk);
    return atan2(t.z, t.y) / PH_DEG;
}

static V3 lowest_sole(const PhantomSkeleton *sk, int side) {
    /* The sole's lowest point: heel or toe, at the bottom of the shoe. */
    const PhFrame *ft = &sk->foot[side];
    double ah = sk->dims.ankle_height, h = sk->dims.height;
    V3 heel = ph_frame_point(ft, v3(0, -ah, -0.03 * h));
    V3 toe = ph_frame_point(ft, v3(0, -ah, 0.115 * h));
    return heel.y < toe.y ? heel : toe;
}

static double trunk_lateral(const PhantomSkeleton *sk) {
    V3 t = trunk_line(sk);
    return atan2(t.x, t.y) / PH_DEG;
}

/* Solves *param so that measure(skeleton) equals target, by the secant
 * method from two starting values; the measures are monotonic in them. */
static void solve(const PhantomDims *dims, PhantomPose *pose, PhantomSkeleton *sk, double *param,
                  double (*measure)(const PhantomSkeleton *), double target, double x0, double x1) {
    V3 zero = v3(0, 0, 0);
    *param = x0;
    build(dims, pose, zero, sk);
    double e0 = measure(sk) - target;
    for (int it = 0; it < 10; it++) {
        *param = x1;
        build(dims, pose, zero, sk);
        double e1 = measure(sk) - target;
        if (fabs(e1) < 1e-7 || e1 == e0) {
            break;
        }
        double x2 = x1 - e1 * (x1 - x0) / (e1 - e0);
        x0 = x1;
        e0 = e1;
        x1 = clampd(x2, -120, 120);
    }
    *param = x1;
}

void romcv__body_skeleton(const PhantomDims *dims, PhantomPose *pose, PhantomSkeleton *sk) {
    V3 zero = v3(0, 0, 0);
    /* The sagittal and lateral solves barely interact; two rounds settle both. */
    for (int round = 0; round < 2; round++) {
        if (isfinite(pose->trunk_target)) {
            solve(dims, pose, sk, &pose->kyphosis, trunk_inclination, pose->trunk_target, 20, 50);
        }
        if (isfinite(pose->trunk_lateral_target)) {
            solve(dims, pose, sk, &pose->spine_lateral, trunk_lateral, pose->trunk_lateral_target,
                  pose->spine_lateral, pose->spine_lateral + 5);
        }
    }
    build(dims, pose, zero, sk);
    V3 shift = zero;
    switch (pose->anchor) {
    case PH_ANCHOR_PELVIS:
        shift = pose->anchor_point;
        break;
    case PH_ANCHOR_FEET: {
        V3 a = v3_lerp(sk->foot[0].origin, sk->foot[1].origin, 0.5);
        V3 l = lowest_sole(sk, 0), r = lowest_sole(sk, 1);
        shift =
            v3(pose->anchor_point.x - a.x, -(l.y < r.y ? l.y : r.y), pose->anchor_point.z - a.z);
        break;
    }
    case PH_ANCHOR_FOOT_LEFT:
    case PH_ANCHOR_FOOT_RIGHT: {
        int side = pose->anchor == PH_ANCHOR_FOOT_LEFT ? PH_LEFT : PH_RIGHT;
        V3 a = sk->foot[side].origin;
        shift =
            v3(pose->anchor_point.x - a.x, -lowest_sole(sk, side).y, pose->anchor_point.z - a.z);
        break;
    }
    case PH_ANCHOR_HIP_LEFT:
    case PH_ANCHOR_HIP_RIGHT: {
        int side = pose->anchor == PH_ANCHOR_HIP_LEFT ? PH_LEFT : PH_RIGHT;
        shift = v3_sub(pose->anchor_point, sk->thigh[side].origin);
        break;
    }
    }
    build(dims, pose, shift, sk);
    joints(sk);
    markers(sk);
}

/* -------------------------------------------------------------- primitives */

void romcv__prim_ellipsoid(PhPrimList *list, V3 c, V3 ax, V3 ay, V3 az, V3 a, int material,
                           int group) {
    if (list->count >= PH_MAX_PRIMS) {
        return;
    }
    PhPrim *p = &list->prims[list->count++];
    memset(p, 0, sizeof *p);
    p->type = PH_PRIM_ELLIPSOID;
    p->material = p->material2 = material;
    p->split = 2.0f; /* never: q.y <= 1 on the surface */
    p->group = group;
    p->marker = -1;
    p->c[0] = (float)c.x;
    p->c[1] = (float)c.y;
    p->c[2] = (float)c.z;
    V3 rows[3] = {v3_scale(ax, 1.0 / a.x), v3_scale(ay, 1.0 / a.y), v3_scale(az, 1.0 / a.z)};
    for (int k = 0; k < 3; k++) {
        p->m[3 * k] = (float)rows[k].x;
        p->m[3 * k + 1] = (float)rows[k].y;
        p->m[3 * k + 2] = (float)rows[k].z;
    }
    double mn = a.x < a.y ? a.x : a.y;
    mn = mn < a.z ? mn : a.z;
    double mx = a.x > a.y ? a.x : a.y;
    mx = mx > a.z ? mx : a.z;
    p->min_axis = (float)mn;
    p->radius = (float)mx;
}

/* An ellipsoid in a segment's frame: centre and semi-axes in local terms. */
static PhPrim *ell(PhPrimList *list, const PhFrame *f, V3 centre, V3 semi, int material) {
    romcv__prim_ellipsoid(list, ph_frame_point(f, centre), romcv__m3_col(f->rot, 0),
                          romcv__m3_col(f->rot, 1), romcv__m3_col(f->rot, 2), semi, material,
                          PH_GROUP_BODY);
    return &list->prims[list->count - 1];
}

static void add_box(PhPrimList *list, V3 c, V3 half, int material) {
    if (list->count >= PH_MAX_PRIMS) {
        return;
    }
    PhPrim *p = &list->prims[list->count++];
    memset(p, 0, sizeof *p);
    p->type = PH_PRIM_BOX;
    p->material = p->material2 = material;
    p->split = 2.0f;
    p->group = PH_GROUP_NONE;
    p->marker = -1;
    p->c[0] = (float)c.x;
    p->c[1] = (float)c.y;
    p->c[2] = (float)c.z;
    p->m[0] = p->m[4] = p->m[8] = 1.0f;
    p->h[0] = (float)half.x;
    p->h[1] = (float)half.y;
    p->h[2] = (float)half.z;
    p->min_axis = (float)fmin(half.x, fmin(half.y, half.z));
    p->radius = (float)v3_len(half);
}

/* Smooth interpolation of a girth profile through (s, value) knots. */
static double profile(const double *s, const double *v, int n, double x) {
    if (x <= s[0]) {
        return v[0];
    }
    for (int i = 1; i < n; i++) {
        if (x <= s[i]) {
            double u = (x - s[i - 1]) / (s[i] - s[i - 1]);
            u = u * u * (3 - 2 * u);
            return v[i - 1] + (v[i] - v[i - 1]) * u;
        }
    }
    return v[n - 1];
}

static void head_and_face(PhPrimList *list, const PhantomSkeleton *sk) {
    double h = sk->dims.height;
    const PhFrame *hd = &sk->head;
    /* Head breadth 15.5 cm, vertex to chin 22.5 cm, depth 19 cm at H = 1.75 m
     * (adult head dimensions, about 0.089 H, 0.128 H and 0.108 H). */
    double a = 0.044 * h, b = 0.064 * h, c = 0.054 * h;
    ell(list, hd, v3(0, 0, 0), v3(a, b, c), PH_MAT_SKIN);
    /* Jaw: narrower, lower and forward, so the face is not an egg. */
    ell(list, hd, v3(0, -0.03 * h, 0.012 * h), v3(0.034 * h, 0.032 * h, 0.04 * h), PH_MAT_SKIN);
    /* Hair: a cap above the hairline, covering the back of the head. */
    PhPrim *hair =
        ell(list, hd, v3(0, 0.022 * h, -0.013 * h), v3(1.08 * a, 0.052 * h, 1.04 * c), PH_MAT_HAIR);
    hair->group = PH_GROUP_NONE;
    for (int side = 0; side < 2; side++) {
        double s = side == PH_LEFT ? 1.0 : -1.0;
        double ex = s * 0.016 * h, ey = 0.006 * h;
        double ez = c * sqrt(1 - (ex / a) * (ex / a) - (ey / b) * (ey / b));
        PhPrim *p = ell(list, hd, v3(ex, ey, ez - 0.003 * h), v3(0.0075 * h, 0.0042 * h, 0.005 * h),
                        PH_MAT_EYE_WHITE);
        p->group = PH_GROUP_NONE;
        p = ell(list, hd, v3(ex, ey, ez - 0.0006 * h), v3(0.0033 * h, 0.0033 * h, 0.0033 * h),
                PH_MAT_IRIS);
        p->group = PH_GROUP_NONE;
        p = ell(list, hd, v3(ex, ey + 0.0105 * h, ez - 0.0005 * h),
                v3(0.009 * h, 0.0018 * h, 0.003 * h), PH_MAT_BROW);
        p->group = PH_GROUP_NONE;
        /* Ears, at the sides, level with the eyes. */
        ell(list, hd, v3(s * 0.97 * a, 0.002 * h, -0.004 * h), v3(0.0065 * h, 0.017 * h, 0.011 * h),
            PH_MAT_SKIN);
    }
    ell(list, hd, v3(0, -0.007 * h, c - 0.002 * h), v3(0.0068 * h, 0.014 * h, 0.012 * h),
        PH_MAT_SKIN);      /* nose */
    double mz = 0.052 * h; /* the jaw's front at the mouth's height */
    PhPrim *m = ell(list, hd, v3(0, -0.03 * h, mz - 0.0015 * h),
                    v3(0.013 * h, 0.0035 * h, 0.004 * h), PH_MAT_LIPS);
    m->group = PH_GROUP_NONE;
}

void romcv__body_primitives(const PhantomSkeleton *sk, const PhantomPose *pose, PhPrimList *list) {
    const PhantomDims *d = &sk->dims;
    double h = d->height, g = d->build;
    list->count = 0;

    /* Pelvis and buttocks, in the shorts. */
    ell(list, &sk->pelvis, v3(0, 0.035 * h, -0.008 * h), v3(0.097 * h * g, 0.07 * h, 0.066 * h * g),
        PH_MAT_SHORTS);
    for (int side = 0; side < 2; side++) {
        double s = side == PH_LEFT ? 1.0 : -1.0;
        ell(list, &sk->pelvis, v3(s * 0.042 * h, -0.012 * h, -0.032 * h * g),
            v3(0.052 * h * g, 0.06 * h, 0.05 * h * g), PH_MAT_SHORTS);
    }

    /* Trunk: one ellipsoid per spine link, its back surface on the skin line
     * (back_depth behind the vertebral bodies) so the back follows the
     * lordosis and kyphosis. Girths: waist narrower than hips and chest. */
    static const double ks[] = {0.0, 0.3, 0.75, 1.0};
    static const double kw[] = {0.092, 0.08, 0.094, 0.086};  /* half breadth / H */
    static const double kd[] = {0.062, 0.056, 0.066, 0.056}; /* half depth / H */
    int links = PH_SPINE_NODES - 1;
    for (int i = 0; i < links; i++) {
        const PhFrame *a = &sk->spine[i], *b = &sk->spine[i + 1];
        double su = (i + 0.5) / links;
        double w = profile(ks, kw, 4, su) * h * g;
        double dep = profile(ks, kd, 4, su) * h * g;
        double len = v3_len(v3_sub(b->origin, a->origin));
        PhFrame mid = {v3_lerp(a->origin, b->origin, 0.5), b->rot};
        ell(list, &mid, v3(0, 0, dep - d->back_depth), v3(w, 2.4 * len, dep),
            i < 2 ? PH_MAT_SHORTS : PH_MAT_SHIRT);
    }

    /* Shoulder girdle and neck, hung from the thorax-aligned frame of the arms. */
    PhFrame girdle = {v3_lerp(sk->upper_arm[0].origin, sk->upper_arm[1].origin, 0.5),
                      sk->spine[PH_NODE_C7].rot};
    girdle.rot = frame_from_yx(romcv__m3_col(girdle.rot, 1),
                               v3_sub(sk->upper_arm[0].origin, sk->upper_arm[1].origin));
    ell(list, &girdle, v3(0, -0.02 * h, -0.008 * h), v3(0.11 * h * g, 0.038 * h, 0.055 * h * g),
        PH_MAT_SHIRT);
    V3 neck_top = ph_frame_point(&sk->head, v3(0, -0.045 * h, -0.01 * h));
    V3 neck_bottom = v3_add(girdle.origin, ph_frame_dir(&girdle, v3(0, 0.02 * h, -0.012 * h)));
    PhFrame neck = {v3_lerp(neck_top, neck_bottom, 0.5),
                    frame_from_yx(v3_sub(neck_top, neck_bottom), romcv__m3_col(sk->head.rot, 0))};
    ell(list, &neck, v3(0, 0, 0),
        v3(0.031 * h * g, 0.5 * v3_len(v3_sub(neck_top, neck_bottom)) + 0.01 * h, 0.033 * h * g),
        PH_MAT_SKIN);
    head_and_face(list, sk);

    for (int side = 0; side < 2; side++) {
        /* Thigh: skin below the shorts' hem at about a third of its length. */
        const PhFrame *th = &sk->thigh[side];
        PhPrim *p = ell(list, th, v3(0, -0.45 * d->thigh, -0.004 * h),
                        v3(0.05 * h * g, 0.6 * d->thigh, 0.052 * h * g), PH_MAT_SKIN);
        p->material2 = PH_MAT_SHORTS;
        p->split = 0.2f;
        ell(list, th, v3(0, -d->thigh, 0), v3(0.03 * h * g, 0.03 * h, 0.03 * h * g), PH_MAT_SKIN);
        const PhFrame *sh = &sk->shank[side];
        ell(list, sh, v3(0, -0.33 * d->shank, -0.008 * h),
            v3(0.032 * h * g, 0.46 * d->shank, 0.034 * h * g), PH_MAT_SKIN); /* calf */
        ell(list, sh, v3(0, -0.74 * d->shank, -0.002 * h),
            v3(0.021 * h * g, 0.3 * d->shank, 0.022 * h * g), PH_MAT_SKIN);
        /* The ankle: the leg keeps its girth down to the malleoli (about 6 cm
         * across above them, 7 cm across them) instead of tapering into the
         * shoe; the lateral malleolus sits lower and further back than the
         * medial one. The joint centre is midway between them. */
        double lat = side == PH_LEFT ? 1.0 : -1.0;
        ell(list, sh, v3(0, -d->shank + 0.022 * h, -0.004 * h),
            v3(0.0175 * h * g, 0.045 * h, 0.02 * h * g), PH_MAT_SKIN);
        ell(list, sh, v3(lat * 0.011 * h, -d->shank - 0.002 * h, -0.005 * h),
            v3(0.009 * h, 0.011 * h, 0.009 * h), PH_MAT_SKIN);
        ell(list, sh, v3(-lat * 0.01 * h, -d->shank + 0.004 * h, 0.001 * h),
            v3(0.009 * h, 0.011 * h, 0.009 * h), PH_MAT_SKIN);
        /* Shoe: a low-cut trainer, in the foot frame: a sole, a vamp rising
         * from the toe (4.5 cm) to the instep (7 cm), a heel counter about
         * 5 cm high and a tongue in front of the ankle. Trainers are cut
         * below the malleoli, so the collar passes under them and the ankle
         * shows above the shoe (a boot-high upper made BlazePose put the
         * ankle at its top, 4 cm high: docs/validation.md). */
        const PhFrame *ft = &sk->foot[side];
        double ah = d->ankle_height;
        static const double shoe[4][6] = {
            /* centre y (above the sole's bottom), z; semi-axes x, y, z; material */
            {0.02, 0.05, 0.031, 0.02, 0.075, PH_MAT_SHOE},    /* vamp */
            {0.017, -0.01, 0.029, 0.017, 0.032, PH_MAT_SHOE}, /* heel counter */
            {0.027, 0.028, 0.02, 0.014, 0.024, PH_MAT_SHOE},  /* tongue */
            {0.009, 0.042, 0.034, 0.009, 0.085, PH_MAT_SOLE}, /* sole */
        };
        for (int k = 0; k < 4; k++) {
            const double *e = shoe[k];
            p = ell(list, ft, v3(0, -ah + e[0] * h, e[1] * h), v3(e[2] * h, e[3] * h, e[4] * h),
                    (int)e[5]);
            p->group = PH_GROUP_SHOE;
        }
        /* Arm: a short sleeve over the upper part, skin below. */
        const PhFrame *ua = &sk->upper_arm[side];
        double s = side == PH_LEFT ? 1.0 : -1.0;
        ell(list, ua, v3(-s * 0.006 * h, -0.012 * h, 0), v3(0.029 * h * g, 0.033 * h, 0.03 * h * g),
            PH_MAT_SHIRT); /* deltoid */
        p = ell(list, ua, v3(0, -0.5 * d->upper_arm, 0),
                v3(0.027 * h * g, 0.56 * d->upper_arm, 0.029 * h * g), PH_MAT_SKIN);
        p->material2 = PH_MAT_SHIRT;
        p->split = 0.15f;
        const PhFrame *fa = &sk->forearm[side];
        ell(list, fa, v3(0, -0.45 * d->forearm, 0),
            v3(0.021 * h * g, 0.56 * d->forearm, 0.022 * h * g), PH_MAT_SKIN);
        ell(list, &sk->hand[side], v3(0, -0.42 * d->hand, 0.003 * h),
            v3(0.011 * h, 0.5 * d->hand, 0.025 * h), PH_MAT_SKIN);
    }
    list->body_count = list->count;

    if (pose->table) {
        /* A treatment table, its top under the lying body. */
        double top = pose->table_top_y;
        V3 centre = v3(0, 0.5 * top, 0.5 * (pose->table_z0 + pose->table_z1));
        add_box(list, centre, v3(0.2 * h, 0.5 * top, 0.5 * fabs(pose->table_z1 - pose->table_z0)),
                PH_MAT_STOOL);
    }
    if (pose->stool) {
        /* A plain stool under the pelvis, its front edge behind the knees. */
        double top = pose->stool_top_y;
        double zf = pose->stool_front_z, zb = pose->stool_back_z;
        V3 centre = v3(sk->pelvis.origin.x, 0.5 * top, 0.5 * (zf + zb));
        add_box(list, centre, v3(0.2 * h, 0.5 * top, 0.5 * fabs(zf - zb)), PH_MAT_STOOL);
    }
}
