/*
 * samples/internal.h: what the phantom's files share (body model, protocol
 * scripts, renderer, truth, writers). Private to the samples module; never
 * installed.
 *
 * Data flow for one frame: protocols.c turns the time into a PhantomPose
 * (anatomical joint angles, root placement, scene props); body.c turns the
 * pose into a PhantomSkeleton (a rigid frame per segment, the joint centres,
 * the markers' anatomical anchors) and the skeleton into a list of
 * primitives (ellipsoids and boxes with materials); render.c ray-casts the
 * primitives tile by tile; phantom.c ties it together and measures the truth
 * on the skeleton.
 */
#ifndef ROMCV_SAMPLES_INTERNAL_H
#define ROMCV_SAMPLES_INTERNAL_H

#include "romcv/samples.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define PH_PI      3.14159265358979323846
#define PH_DEG     (PH_PI / 180.0)
#define PH_LEFT    0 /* index of the left limb in two-element arrays */
#define PH_RIGHT   1
#define PH_NO_SIDE -1

/* ----------------------------------------------------------- vector math */

typedef struct V3 {
    double x, y, z;
} V3;

static inline V3 v3(double x, double y, double z) {
    V3 r = {x, y, z};
    return r;
}
static inline V3 v3_add(V3 a, V3 b) {
    return v3(a.x + b.x, a.y + b.y, a.z + b.z);
}
static inline V3 v3_sub(V3 a, V3 b) {
    return v3(a.x - b.x, a.y - b.y, a.z - b.z);
}
static inline V3 v3_scale(V3 a, double s) {
    return v3(a.x * s, a.y * s, a.z * s);
}
static inline double v3_dot(V3 a, V3 b) {
    return a.x * b.x + a.y * b.y + a.z * b.z;
}
static inline V3 v3_cross(V3 a, V3 b) {
    return v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
static inline double v3_len(V3 a) {
    return sqrt(v3_dot(a, a));
}
static inline V3 v3_norm(V3 a) {
    double l = v3_len(a);
    return l > 0 ? v3_scale(a, 1.0 / l) : a;
}
static inline V3 v3_lerp(V3 a, V3 b, double t) {
    return v3_add(a, v3_scale(v3_sub(b, a), t));
}

/* 3x3 rotation, row-major: m[3 * row + col]. Columns are the local axes
 * expressed in the parent (or world) frame. */
typedef struct M3 {
    double m[9];
} M3;

M3 romcv__m3_identity(void);
M3 romcv__m3_mul(M3 a, M3 b);
M3 romcv__m3_transpose(M3 a);
V3 romcv__m3_apply(M3 a, V3 v);
/* Right-handed rotations by angle (radians) about the X, Y, Z axes. */
M3 romcv__m3_rot_x(double a);
M3 romcv__m3_rot_y(double a);
M3 romcv__m3_rot_z(double a);
/* The column k (0..2) of a: the local axis k in the parent frame. */
V3 romcv__m3_col(M3 a, int k);

/* A rigid frame: p_world = origin + rot * p_local. */
typedef struct PhFrame {
    V3 origin;
    M3 rot;
} PhFrame;

static inline V3 ph_frame_point(const PhFrame *f, V3 local) {
    return v3_add(f->origin, romcv__m3_apply(f->rot, local));
}
static inline V3 ph_frame_dir(const PhFrame *f, V3 local) {
    return romcv__m3_apply(f->rot, local);
}

/* --------------------------------------------------------------- the pose */

/* The body's base orientation: every joint angle is applied as if it stood,
 * then the whole body is turned by this (romcv__body_base). */
typedef enum PhLying {
    PH_UPRIGHT = 0,
    PH_PRONE = 1,  /* face down, head toward -Z, feet toward +Z, its left on world -X */
    PH_SUPINE = 2, /* face up, head toward -Z, feet toward +Z, its left on world +X */
} PhLying;

/* How the body is placed in the room after the joint angles are applied. */
typedef enum PhAnchor {
    PH_ANCHOR_PELVIS = 0,    /* pelvis origin (hip-centre midpoint) at anchor */
    PH_ANCHOR_FEET = 1,      /* both ankles' midpoint above anchor (x, z), lowest sole on
                              * the floor */
    PH_ANCHOR_FOOT_LEFT = 2, /* left ankle above anchor (x, z), its sole on the floor */
    PH_ANCHOR_FOOT_RIGHT = 3,
    PH_ANCHOR_HIP_LEFT = 4, /* left hip centre at anchor */
    PH_ANCHOR_HIP_RIGHT = 5,
} PhAnchor;

/* Every degree of freedom of the body for one instant, in anatomical terms
 * relative to the parent segment (degrees), plus the scene. Filled by the
 * protocol scripts (protocols.c). */
typedef struct PhantomPose {
    /* root */
    PhAnchor anchor;
    V3 anchor_point;
    /* pelvis, relative to the upright body: R = Ry(rotation) Rz(obliquity) Rx(tilt) */
    double pelvic_tilt;      /* ASIS-PSIS line from horizontal, anterior + */
    double pelvic_obliquity; /* left side up + */
    double pelvic_rotation;  /* about the body's long axis: a right-handed turn about +Y,
                              * which moves the left side backward (the truth's
                              * pelvic_rotation, left hip forward +, is its negative) */
    /* spine */
    double lordosis;             /* T12-S1 tangent angle (extension of the lumbar arc) */
    double kyphosis;             /* C7-T12 tangent angle (flexion of the thoracic arc) */
    double trunk_target;         /* if finite, kyphosis is solved so that the trunk
                                  * inclination equals this (forward +) */
    double spine_lateral;        /* lateral bend of the whole spine, toward the left + */
    double trunk_lateral_target; /* if finite, spine_lateral is solved so that the
                                  * trunk's lateral lean equals this (left +) */
    double spine_axial;          /* axial twist of the whole spine, turning like
                                  * pelvic_rotation (left shoulder backward +) */
    double neck_flex;            /* head flexion relative to the top of the thorax */
    /* limbs, [PH_LEFT], [PH_RIGHT] */
    double hip_flex[2], hip_abd[2], hip_rot[2]; /* rot: internal + */
    double knee_flex[2];
    double ankle_dorsi[2];
    double shoulder_flex[2], shoulder_abd[2], elbow_flex[2];
    double shoulder_rot[2]; /* internal + (turns a bent forearm toward the chest) */
    /* base orientation (PhLying): upright, prone or supine */
    int lying;
    /* scene */
    int table;                              /* 1: a treatment table under the lying body */
    double table_top_y, table_z0, table_z1; /* m */
    int stool;                              /* 1: a stool under the pelvis (seated protocols) */
    double stool_top_y;                     /* m */
    double stool_front_z, stool_back_z;     /* m */
    /* labels for the truth */
    const char *phase;
    RomcvSide side;
    int end_range;
    int compensation;
    int lifted_leg;    /* PH_LEFT / PH_RIGHT in single-leg stance, else PH_NO_SIDE */
    int rotation_test; /* 1 in the seated and prone hip rotation tests (the shank truth) */
} PhantomPose;

/* The protocol's natural length in seconds. */
double romcv__protocol_duration(const RomcvPhantomSettings *s);
/* The base orientation of a body lying as given (PhLying): columns are the
 * body's left, up and forward axes in the world (the identity upright). */
M3 romcv__body_base(int lying);
/* The pose at time t (s), with the seeded sway applied. */
void romcv__protocol_pose(const RomcvPhantomSettings *s, double t, PhantomPose *pose);
/* Default camera placement for the protocol: nominal view direction (unit,
 * horizontal, from the subject toward the camera), distance, height, aim. */
void romcv__protocol_view(const RomcvPhantomSettings *s, V3 *toward_camera, double *distance,
                          double *height, double *aim_height);

/* ------------------------------------------------------------- the body */

/* Body dimensions in metres, from standing height H and build. Segment
 * lengths are Winter's fractions of height (Winter, Biomechanics and Motor
 * Control of Human Movement, 4th ed. 2009, fig. 4.1); girths are scaled by
 * build. */
typedef struct PhantomDims {
    double height, build;
    double thigh, shank, ankle_height, foot_length;
    double upper_arm, forearm, hand;
    double hip_half_width; /* half the distance between the hip joint centres */
    double shoulder_half_width;
    double lumbar_length, thoracic_length, neck_length;
    double back_depth; /* spine line (vertebral bodies) to the skin over the spinous
                        * processes */
} PhantomDims;

void romcv__body_dims(double height_m, double build, PhantomDims *d);

#define PH_LUMBAR_LINKS   6 /* S1 .. T12, node 3 is L3 */
#define PH_THORACIC_LINKS 6 /* T12 .. C7 */
#define PH_SPINE_NODES    (PH_LUMBAR_LINKS + PH_THORACIC_LINKS + 1)
#define PH_NODE_S1        0
#define PH_NODE_L3        3
#define PH_NODE_T12       PH_LUMBAR_LINKS
#define PH_NODE_C7        (PH_SPINE_NODES - 1)

typedef struct PhantomSkeleton {
    PhantomDims dims;
    int lying;                     /* the pose's base orientation (PhLying) */
    PhFrame pelvis;                /* origin: hip-centre midpoint; axes: X left, Y up, Z forward */
    PhFrame spine[PH_SPINE_NODES]; /* vertebral line; Y along the curve */
    PhFrame head;                  /* origin: head centre */
    PhFrame thigh[2], shank[2], foot[2];       /* origins: hip, knee, ankle centres; Y up
                                                * the segment when standing */
    PhFrame upper_arm[2], forearm[2], hand[2]; /* shoulder, elbow, wrist centres */
    V3 joints[ROMCV_PHANTOM_JOINT_COUNT];
    int joint_present[ROMCV_PHANTOM_JOINT_COUNT];
    V3 marker_anchor[ROMCV_PM_COUNT]; /* anatomical point on (or near) the skin */
    V3 marker_normal[ROMCV_PM_COUNT]; /* outward direction */
} PhantomSkeleton;

/* Builds the skeleton for pose (kyphosis solved when pose->trunk_target is
 * finite, spine_lateral when pose->trunk_lateral_target is; the pose is
 * updated to the solved values). */
void romcv__body_skeleton(const PhantomDims *dims, PhantomPose *pose, PhantomSkeleton *sk);

/* ------------------------------------------------------------- primitives */

typedef enum PhMaterial {
    PH_MAT_SKIN = 0,
    PH_MAT_SHIRT,
    PH_MAT_SHORTS,
    PH_MAT_SHOE,
    PH_MAT_SOLE,
    PH_MAT_HAIR,
    PH_MAT_EYE_WHITE,
    PH_MAT_IRIS,
    PH_MAT_LIPS,
    PH_MAT_BROW,
    PH_MAT_STOOL,
    PH_MAT_MARKER_0, /* marker colours follow */
    PH_MAT_COUNT = PH_MAT_MARKER_0 + ROMCV_PM_COUNT,
} PhMaterial;

typedef enum PhPrimType {
    PH_PRIM_ELLIPSOID = 0,
    PH_PRIM_BOX = 1,
} PhPrimType;

/* Blend groups: normals blend smoothly between primitives of one group. */
#define PH_GROUP_NONE 0
#define PH_GROUP_BODY 1
#define PH_GROUP_SHOE 2

#define PH_MAX_PRIMS  128

/* One surface. Ellipsoid: q = M (p - c) maps it to the unit sphere (M's rows
 * are the axes divided by the semi-axes). Box: q = M (p - c) in the box's
 * frame (rows are unit axes), half extents h. Single precision: the renderer's
 * hot loop. */
typedef struct PhPrim {
    int type;
    int material;
    int material2; /* used where the local q.y > split (shorts, sleeves) */
    float split;
    int group;
    int marker; /* marker index for marker primitives, else -1 */
    float c[3];
    float m[9];
    float h[3];
    float min_axis; /* smallest semi-axis, m (distance estimate for blending) */
    float radius;   /* bounding sphere radius around c, m */
    /* A printed ArUco card (boxes only; NULL otherwise): its +z face shows
     * pattern_cells x pattern_cells cells (row-major from the +y edge, 1
     * white) inside a white margin of pattern_margin cells; the renderer
     * looks it up only for hits on such a primitive. */
    const uint8_t *pattern;
    int pattern_cells;
    int pattern_margin;
} PhPrim;

typedef struct PhPrimList {
    PhPrim prims[PH_MAX_PRIMS];
    int count;
    int body_count; /* prims[0 .. body_count) are the body (markers and props follow) */
} PhPrimList;

/* Appends the body's surfaces (and the stool, when pose->stool) to list. */
void romcv__body_primitives(const PhantomSkeleton *sk, const PhantomPose *pose, PhPrimList *list);
/* Adds an ellipsoid with centre c, axes (unit, orthogonal) ax/ay/az and semi-axes a. */
void romcv__prim_ellipsoid(PhPrimList *list, V3 c, V3 ax, V3 ay, V3 az, V3 a, int material,
                           int group);
/* Nearest intersection of the ray o + t d (t > tmin) with prim; returns 1 and t. */
int romcv__prim_intersect(const PhPrim *p, V3 o, V3 d, double tmin, double *t);
/* Outward unit normal of prim at p (a point on its surface). */
V3 romcv__prim_normal(const PhPrim *p, V3 point);

/* ------------------------------------------------------------ the camera */

typedef struct PhCamera {
    double fx, fy, cx, cy;
    double k1, k2, p1, p2, k3;
    M3 rot; /* world -> camera */
    V3 position;
    int width, height;
} PhCamera;

/* Camera coordinates of a world point. */
V3 romcv__camera_to_cam(const PhCamera *c, V3 world);
/* Pixel of a point in camera coordinates (z > 0), with distortion. */
void romcv__camera_project(const PhCamera *c, V3 cam, double *u, double *v);
/* Undistorted normalised coordinates (x/z, y/z) of pixel (u, v). */
void romcv__camera_unproject(const PhCamera *c, double u, double v, double *xn, double *yn);

/* ----------------------------------------------------------- the renderer */

typedef struct PhRenderer PhRenderer;

int romcv__renderer_create(PhRenderer **out, const PhCamera *cam);
void romcv__renderer_destroy(PhRenderer **r);
/* Replaces a material's albedo (sRGB 0..255), e.g. one colour for every
 * marker (RomcvPhantomSettings.marker_rgb). */
void romcv__renderer_set_albedo(PhRenderer *r, int material, const uint8_t srgb[3]);
/* Renders list into an RGB24 image of the camera's size. */
void romcv__renderer_draw(PhRenderer *r, const PhPrimList *list, uint8_t *rgb, int stride);

/* The nearest primitive hit along a ray over the whole list (no tiles; for
 * the truth), skipping primitive index skip; returns the index or -1. */
int romcv__trace_any(const PhPrimList *list, V3 o, V3 d, double tmin, double tmax, int skip,
                     double *t);

/* ------------------------------------------------------------- the phantom */

struct RomcvPhantom {
    RomcvPhantomSettings settings;
    PhantomDims dims;
    PhCamera camera;
    PhRenderer *renderer;
    int64_t frame_count;
    PhPrimList prims; /* scratch for one frame */
    /* ROMCV_MARKERS_ARUCO: each marker's printed pattern (id = marker index),
     * aruco_cells x aruco_cells, from OpenCV's dictionary at creation. */
    uint8_t aruco_bits[ROMCV_PM_COUNT][64];
    int aruco_cells;
};

/* Angles measured on a skeleton (docs/phantom.md). */
void romcv__measure_angles(const PhantomSkeleton *sk, const PhantomPose *pose,
                           RomcvPhantomAngles *a);

/* Writes the truth of every frame of phantom as JSON to path (written in
 * place: the caller renames). */
int romcv__truth_json_begin(void **writer, FILE *file, const RomcvPhantom *phantom,
                            const char *codec);
void romcv__truth_json_frame(void *writer, const RomcvPhantomTruth *truth);
int romcv__truth_json_end(void **writer, RomcvDiag *diag);

#endif /* ROMCV_SAMPLES_INTERNAL_H */
