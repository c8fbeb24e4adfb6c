/*
 * romcv/samples.h: the digital phantom, a renderer that draws a human-looking
 * articulated body performing romcv's protocols with exactly known angles,
 * and writes the video with the truth beside it (issue 6).
 *
 * No public recording of a seated hip-rotation test, a standing posture with
 * known pelvic tilt and lordosis, or a Trendelenburg stance comes with ground
 * truth, so romcv validates itself on this phantom: every frame carries the
 * true joint angles in the definitions of docs/phantom.md, the true 3D joint
 * and marker centres, their projections through the camera, and whether each
 * skin marker can be seen.
 *
 * World frame (metres): origin on the floor, +Y up; in the body's neutral
 * pose the subject faces +Z and +X is the subject's LEFT (right-handed).
 * Camera frame: OpenCV's (x right, y down, z forward); pixels have their
 * origin at the top-left corner of the top-left pixel, so pixel (i, j) has
 * its centre at (i + 0.5, j + 0.5).
 *
 * Usage:
 *     RomcvPhantomSettings s;
 *     romcv_phantom_default_settings(&s, ROMCV_PROTOCOL_SEATED_HIP_ROTATION);
 *     RomcvPhantom *ph;
 *     if (romcv_phantom_create(&ph, &s, &diag) < 0) ...
 *     RomcvFrame *frame; RomcvPhantomTruth truth;
 *     romcv_frame_create(&frame, s.width, s.height, ROMCV_PIX_RGB24);
 *     for (int64_t i = 0; i < romcv_phantom_frame_count(ph); i++)
 *         romcv_phantom_render(ph, i, frame, &truth);
 *     romcv_phantom_destroy(&ph);
 *
 * A RomcvPhantom is not thread-safe (it keeps scratch buffers); two phantoms
 * on two threads are independent. Rendering is deterministic: the same
 * settings give the same pixels on every run.
 */
#ifndef ROMCV_SAMPLES_H
#define ROMCV_SAMPLES_H

#include "romcv/core.h"
#include "romcv/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- protocols */

typedef enum RomcvProtocol {
    ROMCV_PROTOCOL_SEATED_HIP_ROTATION = 0, /* front view; IR/ER of each hip with holds */
    ROMCV_PROTOCOL_STANDING_POSTURE = 1,    /* side view; chosen pelvic tilt and lordosis */
    ROMCV_PROTOCOL_SINGLE_LEG_STANCE = 2,   /* front view; chosen pelvic drop, trunk lean */
    ROMCV_PROTOCOL_SQUAT = 3,               /* side view; down, hold, up */
    ROMCV_PROTOCOL_FORWARD_BEND = 4,        /* side view; chosen lumbar / hip split */
    ROMCV_PROTOCOL_PRONE_HIP_ROTATION = 5,  /* camera at the feet; IR/ER of each hip */
    ROMCV_PROTOCOL_LEG_RAISE = 6,           /* side view; supine, active straight leg raise */
    ROMCV_PROTOCOL_SIT_TO_STAND = 7,        /* side view; N rises from a stool */
    ROMCV_PROTOCOL_COUNT = 8,
} RomcvProtocol;

/* "seated-hip-rotation", "standing-posture", "single-leg-stance", "squat",
 * "forward-bend", "prone-hip-rotation", "leg-raise", "sit-to-stand"; NULL for
 * an unknown value. Static storage. */
ROMCV_API const char *romcv_protocol_name(RomcvProtocol protocol);
/* The protocol called name, or -1. */
ROMCV_API int romcv_protocol_from_name(const char *name);

/* RomcvSide (none, left, right) is the one romcv/metrics.h defines. */

typedef enum RomcvMarkerKind {
    ROMCV_MARKERS_NONE = 0,
    ROMCV_MARKERS_STICKERS = 1, /* flat coloured discs on the skin (20 mm) */
    ROMCV_MARKERS_BALLS = 2,    /* coloured balls (14 mm) standing 8 mm off the skin */
    ROMCV_MARKERS_ARUCO = 3,    /* printed ArUco squares (DICT_4X4_50, id = the marker's
                                 * index: 0..6 as RomcvMarker, 7..12 the limb points): a
                                 * 24 mm black square in an 8 mm white margin on a 1 mm
                                 * card resting on the skin; the truth's centre is the
                                 * printed square's centre */
} RomcvMarkerKind;

/* The scripted movement and the compensations it plants. Angles in degrees.
 * Which fields a protocol reads is listed with each; the others are ignored. */
typedef struct RomcvPhantomScript {
    /* seated and prone hip rotation: end ranges (anatomical hip rotation, the same for
     * both sides unless the per-side values are >= 0) */
    double ir_deg;       /* default 35 */
    double er_deg;       /* default 35 */
    double ir_left_deg;  /* < 0: ir_deg (default -1) */
    double ir_right_deg; /* < 0: ir_deg */
    double er_left_deg;  /* < 0: er_deg */
    double er_right_deg; /* < 0: er_deg */
    /* the hold and movement times are shared by the hip rotation tests, the leg
     * raise (each raise and lowering) and sit-to-stand (rise, descent; the
     * holds seated and standing) */
    double hold_s; /* end-range hold (default 1.0) */
    double move_s; /* neutral to end range (default 1.5; leg raise 2.0) */
    /* compensation: during the rotations of lift_side the pelvis rises on that
     * side by up to pelvic_lift_deg (hip-line angle), in proportion to the
     * rotation, pivoting on the other ischium. The leg raise plants its
     * compensations (below) during the raise of lift_side only. */
    double pelvic_lift_deg; /* default 0 */
    RomcvSide lift_side;    /* default ROMCV_SIDE_NONE */
    /* standing posture, forward bend, squat: the standing pelvis and spine */
    double pelvic_tilt_deg; /* ASIS-PSIS line from horizontal, anterior + (default 12) */
    double lordosis_deg;    /* T12-S1 tangent angle (default 40) */
    double kyphosis_deg;    /* T12-C7 tangent angle (default 40) */
    /* single-leg stance */
    RomcvSide lifted_side;         /* default ROMCV_SIDE_RIGHT */
    double pelvic_drop_deg;        /* drop of the lifted side (default 8) */
    double trunk_lateral_lean_deg; /* toward the stance side (compensation), default 0 */
    /* forward bend */
    double bend_deg;        /* total trunk flexion (default 80) */
    double lumbar_fraction; /* share of the bend from lumbar flexion, 0..1 (default 0.4);
                             * lumbar-dominant compensation: 0.7 */
    /* squat */
    double squat_knee_deg;           /* deepest knee flexion (default 110) */
    double squat_posterior_tilt_deg; /* "butt wink" at the bottom (default 0) */
    double trunk_lean_deg;           /* extra forward trunk lean in the squat and, at seat-off,
                                      * in sit-to-stand (default 0) */
    /* leg raise (supine, each leg in turn): the raised leg's peak hip flexion
     * (anatomical, relative to the pelvis) and the compensations planted on
     * lift_side's raise, in proportion to it */
    double leg_raise_deg;             /* default 70 */
    double raise_posterior_tilt_deg;  /* the pelvis tilts posteriorly (default 0) */
    double raise_pelvic_rotation_deg; /* the pelvis rolls about the body's long axis: +
                                       * toward the raised leg (the other hip lifts off
                                       * the table), - away from it (default 0) */
    /* sit-to-stand: lateral trunk lean toward the subject's left (+) or right
     * (-) while rising and sitting, peaking at seat-off (an asymmetric weight
     * shift, seen in a front view: camera azimuth 90) */
    double sts_weight_shift_deg; /* default 0 */
    int sts_repetitions;         /* default 3 */
    int arms_at_sides;           /* leg raise: arms along the sides, not folded on the
                                  * chest (default 0) */
    double reserved_d[3];
} RomcvPhantomScript;

/* The pinhole camera and the room. */
typedef struct RomcvPhantomCamera {
    double distance_m;         /* optical centre to the subject's vertical axis (default by
                                * protocol: 2.6 to 3.2) */
    double height_m;           /* optical centre above the floor (default by protocol) */
    double azimuth_deg;        /* extra rotation of the camera around the subject, about +Y,
                                * from the protocol's nominal view (default 0) */
    double pitch_deg;          /* downward tilt of the optical axis (default: aims at the
                                * body's centre) ; NaN: automatic */
    double roll_deg;           /* clockwise roll of the image (default 0) */
    double hfov_deg;           /* horizontal field of view (default 50) */
    double k1, k2, p1, p2, k3; /* OpenCV (Brown-Conrady) distortion, default 0 */
    double reserved_d[4];
} RomcvPhantomCamera;

typedef struct RomcvPhantomSettings {
    RomcvProtocol protocol;
    int width, height; /* px (default 640 x 480) */
    int fps_num;       /* frame rate fps_num / fps_den (default 30 / 1) */
    int fps_den;
    double duration_s; /* <= 0: the protocol's natural length (default 0) */
    uint64_t seed;     /* drives the small postural sway; same seed, same pixels */
    /* body */
    double body_height_m;    /* standing height (default 1.75) */
    double build;            /* girth factor: 0.8 slim, 1 average, 1.3 heavy (default 1) */
    RomcvMarkerKind markers; /* default by protocol: balls for side views, none for front */
    double sway_deg;         /* amplitude of the seeded postural sway (default 0.3) */
    RomcvPhantomCamera camera;
    RomcvPhantomScript script;
    /* Every marker in one colour, 0xRRGGBB (sRGB albedo), as a clinic sticks
     * on one pack of markers (issue 10's detector looks for one colour); 0
     * (default): each marker in its own colour (docs/phantom.md). Taken from
     * reserved[0], so the struct keeps its size. */
    uint32_t marker_rgb;
    int reserved[7];
} RomcvPhantomSettings;

/* Fills settings with the defaults of protocol (documented above). */
ROMCV_API void romcv_phantom_default_settings(RomcvPhantomSettings *settings,
                                              RomcvProtocol protocol);

/* ------------------------------------------------------------------ truth */

/* Joint centres. The first 33 slots are BlazePose's landmark indices so that
 * a landmark compares with the same slot (docs/phantom.md says where the
 * anatomical centre and BlazePose's point are known to differ); slots that
 * the phantom does not model (mouth corners, fingers) are marked absent. */
#define ROMCV_PHANTOM_JOINT_COUNT 33
/* Joint indices used by romcv itself (BlazePose numbering). */
enum {
    ROMCV_PJ_NOSE = 0,
    ROMCV_PJ_LEFT_EYE = 2,
    ROMCV_PJ_RIGHT_EYE = 5,
    ROMCV_PJ_LEFT_EAR = 7,
    ROMCV_PJ_RIGHT_EAR = 8,
    ROMCV_PJ_LEFT_SHOULDER = 11,
    ROMCV_PJ_RIGHT_SHOULDER = 12,
    ROMCV_PJ_LEFT_ELBOW = 13,
    ROMCV_PJ_RIGHT_ELBOW = 14,
    ROMCV_PJ_LEFT_WRIST = 15,
    ROMCV_PJ_RIGHT_WRIST = 16,
    ROMCV_PJ_LEFT_HIP = 23,
    ROMCV_PJ_RIGHT_HIP = 24,
    ROMCV_PJ_LEFT_KNEE = 25,
    ROMCV_PJ_RIGHT_KNEE = 26,
    ROMCV_PJ_LEFT_ANKLE = 27,
    ROMCV_PJ_RIGHT_ANKLE = 28,
    ROMCV_PJ_LEFT_HEEL = 29,
    ROMCV_PJ_RIGHT_HEEL = 30,
    ROMCV_PJ_LEFT_FOOT_INDEX = 31,
    ROMCV_PJ_RIGHT_FOOT_INDEX = 32,
};
/* "nose", "left_hip", ...; "" for a slot the phantom does not model. */
ROMCV_API const char *romcv_phantom_joint_name(int joint);

/* Skin markers at anatomical points. */
typedef enum RomcvPhantomMarker {
    ROMCV_PM_LEFT_ASIS = 0,
    ROMCV_PM_RIGHT_ASIS,
    ROMCV_PM_LEFT_PSIS,
    ROMCV_PM_RIGHT_PSIS,
    ROMCV_PM_T12, /* spinous processes */
    ROMCV_PM_L3,
    ROMCV_PM_S1,
    ROMCV_PM_LEFT_TROCHANTER, /* greater trochanter */
    ROMCV_PM_RIGHT_TROCHANTER,
    ROMCV_PM_LEFT_KNEE_LATERAL, /* lateral femoral epicondyle */
    ROMCV_PM_RIGHT_KNEE_LATERAL,
    ROMCV_PM_LEFT_MALLEOLUS, /* lateral malleolus */
    ROMCV_PM_RIGHT_MALLEOLUS,
    ROMCV_PM_COUNT,
} RomcvPhantomMarker;
/* "left_asis", "t12", ...; static storage, "" when out of range. */
ROMCV_API const char *romcv_phantom_marker_name(int marker);

typedef struct RomcvPhantomPoint {
    double world[3];  /* m, world frame */
    double camera[3]; /* m, camera frame (z: depth) */
    double image[2];  /* px, through the lens distortion */
    int in_front;     /* 1 when camera[2] > 0 */
    int in_image;     /* 1 when image lies inside the frame */
} RomcvPhantomPoint;

typedef struct RomcvPhantomMarkerTruth {
    RomcvPhantomPoint centre; /* sticker: disc centre on the skin; ball: ball centre */
    double normal[3];         /* outward skin normal, world */
    int present;              /* 1 when markers are drawn */
    int facing;               /* sticker: normal within 75 deg of the view ray; ball: 1 */
    int occluded;             /* another surface lies between the camera and the marker */
    int detectable;           /* present && facing && !occluded && in_image */
} RomcvPhantomMarkerTruth;

/* True angles in degrees (docs/phantom.md defines each precisely); NaN when
 * the measure does not apply to the pose (e.g. hip rotation standing). */
typedef struct RomcvPhantomAngles {
    double hip_rotation_left; /* shank from vertical in the X-Y plane, IR + (seated: the
                               * shank hangs down; prone: it points up) */
    double hip_rotation_right;
    double hip_rotation_anatomical_left; /* the scripted rotation about the thigh, IR + */
    double hip_rotation_anatomical_right;
    double pelvic_obliquity;        /* hip line from horizontal, X-Y plane, left side up + */
    double pelvic_tilt;             /* ASIS-PSIS midpoints from horizontal, Y-Z plane, anterior + */
    double pelvic_rotation;         /* hip line about vertical, left hip forward + */
    double lumbar_lordosis;         /* angle between the curve's tangents at T12 and S1 */
    double lumbar_lordosis_markers; /* romcv's marker lordosis on the drawn markers' centres:
                                     * twice the angle between T12-L3 and L3-S1, Y-Z plane */
    double thoracic_kyphosis;       /* tangents at C7 and T12 */
    double hip_flexion_left;        /* thigh relative to the pelvis (anatomical) */
    double hip_flexion_right;
    double hip_flexion_2d_left; /* 180 - angle(shoulder, hip, knee) in the Y-Z plane */
    double hip_flexion_2d_right;
    double hip_abduction_left; /* anatomical, relative to the pelvis */
    double hip_abduction_right;
    double knee_flexion_left; /* 180 - angle(hip, knee, ankle), 3D */
    double knee_flexion_right;
    double trunk_inclination;      /* mid-hip -> mid-shoulder from vertical, Y-Z plane, forward + */
    double trunk_lateral_lean;     /* same line in the X-Y plane, toward the subject's left + */
    double pelvic_drop;            /* single-leg stance: drop of the lifted side, + when it drops */
    double thigh_inclination_left; /* hip -> knee from the body's base downward axis, in its
                                    * sagittal plane, forward +: from the vertical upright,
                                    * above the table supine */
    double thigh_inclination_right;
    double pelvic_tilt_markers; /* PSIS to ASIS marker centres (midpoints) from horizontal,
                                 * Y-Z plane, anterior +: what markers measure */
    double reserved[5];
} RomcvPhantomAngles;

typedef struct RomcvPhantomCameraTruth {
    double fx, fy, cx, cy;     /* px */
    double k1, k2, p1, p2, k3; /* OpenCV distortion */
    double rotation[9];        /* world -> camera, row-major: x_c = R (x_w - position) */
    double position[3];        /* optical centre, world, m */
    int width, height;
} RomcvPhantomCameraTruth;

typedef struct RomcvPhantomTruth {
    int64_t index;
    double time_s;
    const char *phase; /* "neutral", "right-ir-hold", "descent"...; static storage */
    RomcvSide side;    /* the side being tested in this phase, if any */
    int end_range;     /* 1 during an end-range hold */
    int compensation;  /* 1 when a planted compensation is active in this frame */
    RomcvPhantomAngles angles;
    RomcvPhantomPoint joints[ROMCV_PHANTOM_JOINT_COUNT];
    int joint_present[ROMCV_PHANTOM_JOINT_COUNT]; /* 0 for slots not modelled */
    RomcvPhantomMarkerTruth markers[ROMCV_PM_COUNT];
    RomcvPhantomCameraTruth camera;
} RomcvPhantomTruth;

/* -------------------------------------------------------------- the phantom */

typedef struct RomcvPhantom RomcvPhantom;

/* Checks the settings and prepares the renderer. Returns 0 and sets *out (the
 * caller owns it: romcv_phantom_destroy), or a negative code with *out NULL
 * and diag naming the bad setting ("phantom: width 7: must be 64..4096"). */
ROMCV_API int romcv_phantom_create(RomcvPhantom **out, const RomcvPhantomSettings *settings,
                                   RomcvDiag *diag);
ROMCV_API void romcv_phantom_destroy(RomcvPhantom **phantom);

/* The settings in use (defaults resolved: duration, camera). */
ROMCV_API const RomcvPhantomSettings *romcv_phantom_settings(const RomcvPhantom *phantom);
/* Frames in the clip: duration * fps, rounded. */
ROMCV_API int64_t romcv_phantom_frame_count(const RomcvPhantom *phantom);
/* Time of frame index: index * fps_den / fps_num, exact. */
ROMCV_API double romcv_phantom_frame_time(const RomcvPhantom *phantom, int64_t index);

/* Renders frame index (0 <= index < frame_count) into frame, an RGB24 frame of
 * exactly the settings' size (its time_s, index are set), and fills truth
 * when it is not NULL. Either of frame and truth may be NULL (truth alone is
 * cheap). Returns 0 or ROMCV_ERR(EINVAL). Cost: 25-40 ms at 640 x 480 on one core. */
ROMCV_API int romcv_phantom_render(RomcvPhantom *phantom, int64_t index, RomcvFrame *frame,
                                   RomcvPhantomTruth *truth);

/* Projects a world point through the phantom's camera (with distortion) the
 * way the truth's points are. */
ROMCV_API void romcv_phantom_project(const RomcvPhantom *phantom, const double world[3],
                                     RomcvPhantomPoint *out);

/* ------------------------------------------------------------ clip files */

/* Called after each frame; return non-zero to stop (the outputs are then
 * not written, and romcv_phantom_write_clip returns ROMCV_E_INTERRUPTED). */
typedef int (*RomcvPhantomProgress)(void *cookie, int64_t done, int64_t total);

/* Renders the whole clip into video_path (H.264 in the container the name
 * implies, yuv420p, pts = index in a time base of fps_den / fps_num; libx264
 * when FFmpeg has it, else FFmpeg's own h264 or mpeg4 encoder) and, when
 * truth_path is not NULL, the truth of every frame as JSON
 * (docs/phantom.md). Both are written under a temporary name in the same
 * folder and renamed into place only when complete. Returns 0 or a negative
 * code with diag naming the file. codec (may be NULL) receives the encoder's
 * name, at most 31 characters. */
ROMCV_API int romcv_phantom_write_clip(const RomcvPhantomSettings *settings, const char *video_path,
                                       const char *truth_path, RomcvPhantomProgress progress,
                                       void *cookie, char codec[32], RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_SAMPLES_H */
