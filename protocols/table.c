/*
 * protocols/table.c: romcv's protocols, as data. Each entry says which
 * views it accepts, how it is cut into repetitions, what it measures, the
 * normal ranges and asymmetry thresholds, and the compensations it flags,
 * every number with its source. Sources are ../shared/docs/clinical.md
 * (cited "clinical.md: <study>"); where clinical.md found no published
 * cut-off the entry says "romcv:" and why the value was chosen, so a
 * clinician can judge it and a later study can replace it.
 *
 * Thresholds for repetitions (enter/exit) only decide what counts as a
 * movement; they are well below any clinical range and above the noise of
 * the filtered angles (docs/validation.md: about 1-2 deg on the phantom).
 */
#include "protocols/internal.h"

#include <math.h>
#include <string.h>

#define VIEW(v)     (1u << ROMCV_VIEW_##v)
#define SIDE_VIEWS  (VIEW(LEFT_SIDE) | VIEW(RIGHT_SIDE))
#define FRONT_VIEWS (VIEW(FRONT) | VIEW(BACK))
#define ANGLE(id)   ROMCV_ANGLE_##id
#define SIGNAL(id)  ROMCV_SIGNAL_##id
#define NO_RANGE    NAN, NAN, NULL
#define NO_PAIR     -1, NAN, NULL

/* Shared sources. */
#define SRC_ROTATION_IR                                                          \
    "clinical.md: textbook IR 30-40 deg (Kouyoumdjian 2012 means: seated 37.9, " \
    "prone 35.2)"
#define SRC_ROTATION_ER                                                    \
    "clinical.md: textbook ER 40-60 deg (Kouyoumdjian 2012 means: supine " \
    "38.5, prone 41.8)"
#define SRC_ROTATION_MDC                                                                     \
    "clinical.md: seated IR minimal detectable change 6.1-8.6 deg (Gradoz 2018); the upper " \
    "value, so that a flagged difference is beyond measurement noise"
#define SRC_PELVIS_LIFT                                                                     \
    "romcv: clinical.md gives no degree cut-off (the test stops when the pelvis lifts); a " \
    "clean rotation moves the markerless hip line up to 4 deg on the phantom (the hip "     \
    "landmarks follow the thigh), so 5 deg"
#define SRC_TRUNK_LEAN                                                                         \
    "romcv: no published cut-off; 5 deg is above the trunk-tilt MDC of 2.7-2.9 deg for video " \
    "(clinical.md: Kinovea trunk tilt)"
#define SRC_KNEE_SLIDE                                                                         \
    "romcv: no published cut-off; 8 % of a leg length (about 7 cm) is several times the knee " \
    "landmark's noise, less than a thigh sliding sideways on the table"
#define SRC_DROP                                                                              \
    "clinical.md: Magee, a drop of the non-stance side over 2 cm is positive. Without a "     \
    "scale (--scale, --height) romcv estimates cm from the hip landmarks' distance taken as " \
    "20 cm; markerless hip points see about half of a real drop (phantom-facts.md): markers " \
    "are the reliable source"
#define SRC_VALGUS                                                                       \
    "romcv: no cut-off in clinical.md; the knee 10 deg further into valgus than in the " \
    "standing baseline (the change removes each knee's static alignment and landmark bias)"

/* The four rotation movements (right IR, right ER, left IR, left ER) of the
 * seated and prone tests. The signal is the shank angle's change from the
 * neutral start, so a shank that hangs a few degrees off vertical does not
 * shift the thresholds. */
#define ROTATION_SEGMENTER(name, channel, direction, side) \
    { name, channel, direction, ROMCV_SEGMENT_REPETITIONS, 1, side, 10, 5, 0.3, 0.5, 0.5 }
#define ROTATION_SEGMENTERS                                                              \
    ROTATION_SEGMENTER("right-ir", ANGLE(HIP_ROTATION_RIGHT), +1, ROMCV_SIDE_RIGHT),     \
        ROTATION_SEGMENTER("right-er", ANGLE(HIP_ROTATION_RIGHT), -1, ROMCV_SIDE_RIGHT), \
        ROTATION_SEGMENTER("left-ir", ANGLE(HIP_ROTATION_LEFT), +1, ROMCV_SIDE_LEFT),    \
        ROTATION_SEGMENTER("left-er", ANGLE(HIP_ROTATION_LEFT), -1, ROMCV_SIDE_LEFT)

/* Compensation rules the rotation tests share: the hip line's change from
 * the movement's onset, and (seated) the knee of the moving leg drifting
 * sideways, each over that leg's two movements. */
#define PELVIS_LIFT_FLAG(text)                                                                   \
    {                                                                                            \
        "pelvis_lift", text, ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_NONE, ANGLE(PELVIC_OBLIQUITY), 1, \
            0, 0, 5.0f, -1, NAN, 0, NAN, SRC_PELVIS_LIFT                                         \
    }
#define THIGH_SLIDE_FLAG(segmenters, knee_shift)                                                  \
    {                                                                                             \
        "thigh_slide", "the thigh sliding (the knee moving) instead of rotating",                 \
            ROMCV_FLAG_EXCEEDS, segmenters, ROMCV_SIDE_NONE, knee_shift, 1, 0, 0, 0.08f, -1, NAN, \
            0, NAN, SRC_KNEE_SLIDE                                                                \
    }

/* The end-range angles are absolute (the clinical definition: the shank
 * from vertical), measured at the peak of each movement. */
#define ROTATION_MEASURES(ir_low, ir_high, er_low, er_high)                                    \
    {"left hip internal rotation",                                                             \
     "hip_ir_left",                                                                            \
     2,                                                                                        \
     ANGLE(HIP_ROTATION_LEFT),                                                                 \
     ROMCV_STAT_PEAK,                                                                          \
     +1,                                                                                       \
     0,                                                                                        \
     ir_low,                                                                                   \
     ir_high,                                                                                  \
     SRC_ROTATION_IR,                                                                          \
     1,                                                                                        \
     8.6f,                                                                                     \
     SRC_ROTATION_MDC},                                                                        \
        {"right hip internal rotation",                                                        \
         "hip_ir_right",                                                                       \
         0,                                                                                    \
         ANGLE(HIP_ROTATION_RIGHT),                                                            \
         ROMCV_STAT_PEAK,                                                                      \
         +1,                                                                                   \
         0,                                                                                    \
         ir_low,                                                                               \
         ir_high,                                                                              \
         SRC_ROTATION_IR,                                                                      \
         NO_PAIR},                                                                             \
        {"left hip external rotation",                                                         \
         "hip_er_left",                                                                        \
         3,                                                                                    \
         ANGLE(HIP_ROTATION_LEFT),                                                             \
         ROMCV_STAT_PEAK,                                                                      \
         -1,                                                                                   \
         0,                                                                                    \
         er_low,                                                                               \
         er_high,                                                                              \
         SRC_ROTATION_ER,                                                                      \
         3,                                                                                    \
         8.6f,                                                                                 \
         "romcv: clinical.md gives no MDC for ER; the seated IR value (Gradoz 2018) is used"}, \
    {                                                                                          \
        "right hip external rotation", "hip_er_right", 1, ANGLE(HIP_ROTATION_RIGHT),           \
            ROMCV_STAT_PEAK, -1, 0, er_low, er_high, SRC_ROTATION_ER, NO_PAIR                  \
    }

static const RomcvProtocolDef protocols[] = {
    {
        .name = "seated-hip-rotation",
        .title = "Seated hip rotation (internal and external, both sides)",
        .instructions =
            "Camera in front of the patient at knee height, 2-4 m away, perpendicular to the "
            "frontal plane; whole body in frame. Patient sits upright on a table or stool, hips "
            "and knees at 90 deg, thighs supported, hands on the table. Hold still 2 s, then "
            "rotate each hip to end range and back (right IR, right ER, left IR, left ER), "
            "holding each end range about 2 s.",
        .views = VIEW(FRONT),
        .exclusive = 1,
        .measure_on_detection = 1,
        .n_segmenters = 4,
        .segmenter = {ROTATION_SEGMENTERS},
        .n_measures = 4,
        .measure = {ROTATION_MEASURES(30, 40, 40, 60)},
        .n_flags = 4,
        .flag =
            {
                PELVIS_LIFT_FLAG("pelvis lifting or tilting during the rotation (hip-line angle "
                                 "change)"),
                {"trunk_lean", "trunk leaning sideways during the rotation", ROMCV_FLAG_EXCEEDS, 0,
                 ROMCV_SIDE_NONE, ANGLE(TRUNK_LATERAL_LEAN), 1, 0, 0, 5.0f, -1, NAN, 0, NAN,
                 SRC_TRUNK_LEAN},
                THIGH_SLIDE_FLAG((1u << 0) | (1u << 1), SIGNAL(KNEE_SHIFT_RIGHT)),
                THIGH_SLIDE_FLAG((1u << 2) | (1u << 3), SIGNAL(KNEE_SHIFT_LEFT)),
            },
        .notes =
            "Hip rotation is the shank's angle from vertical in the frontal plane, internal "
            "rotation positive for both legs (docs/angles.md; clinical.md: Kouyoumdjian 2012). "
            "A pelvis that lifts adds to the shank angle, so the hip-line angle is watched at "
            "the same time. Total rotation (IR + ER) is about 78 deg seated (clinical.md).",
    },
    {
        .name = "prone-hip-rotation",
        .title = "Prone hip rotation (internal and external, both sides)",
        .instructions =
            "Camera at the patient's feet, at table height, looking along the body. Patient lies "
            "face down, pelvis flat, knees bent to 90 deg. Hold still 2 s, then let each shank "
            "fall out (IR) and in (ER) to end range, holding about 2 s. Markers on the knees and "
            "ankles are strongly advised: on the phantom the pose model misplaces the legs in "
            "this view (docs/validation.md).",
        .views = VIEW(BACK),
        .exclusive = 1,
        .measure_on_detection = 1,
        .n_segmenters = 4,
        .segmenter = {ROTATION_SEGMENTERS},
        .n_measures = 4,
        .measure = {ROTATION_MEASURES(30, 40, 40, 60)},
        .n_flags = 1,
        .flag =
            {
                PELVIS_LIFT_FLAG("pelvis lifting or rotating during the rotation (hip-line angle "
                                 "change)"),
            },
        .notes = "Prone, the shank points up from the knee; internal rotation is still positive "
                 "(docs/angles.md). Total passive rotation is larger prone than seated (94.8 vs "
                 "81.7 deg, clinical.md).",
    },
    {
        .name = "standing-posture",
        .title = "Standing posture",
        .instructions =
            "Side view for pelvic tilt, lordosis and trunk inclination (camera at waist height, "
            "perpendicular to the sagittal plane); front or back view for pelvic obliquity. "
            "Stand relaxed for 5 s, arms supported with shoulders flexed about 30 deg "
            "(clinical.md). Pelvic tilt and lordosis need markers (ASIS, PSIS; T12, L3, S1) or "
            "fall back to silhouette estimates.",
        .views = SIDE_VIEWS | FRONT_VIEWS,
        .n_segmenters = 1,
        .segmenter = {{"standing", SIGNAL(PELVIS_DESCENT), +1, ROMCV_SEGMENT_WHOLE, 0,
                       ROMCV_SIDE_NONE, 0, 0, 1.0, 0.5, 0}},
        .n_measures = 4,
        .measure =
            {
                {"pelvic tilt", "pelvic_tilt", 0, ANGLE(PELVIC_TILT), ROMCV_STAT_MEDIAN, +1, 0, NAN,
                 NAN,
                 "clinical.md: no normal mean found; 85% of men and 75% of women stand in "
                 "anterior tilt (Herrington 2011), and bone shape alone varies the ASIS-PSIS "
                 "angle 0-23 deg (Preece 2008)",
                 NO_PAIR},
                {"lumbar lordosis", "lumbar_lordosis", 0, ANGLE(LUMBAR_LORDOSIS), ROMCV_STAT_MEDIAN,
                 +1, 0, 38.6f, 61.0f,
                 "clinical.md: X-ray Cobb T12-S1 49.8 +- 11.2 deg standing (n=627), mean +- 1 SD; "
                 "skin-marker and silhouette angles are not Cobb angles, so the band is "
                 "indicative",
                 NO_PAIR},
                {"trunk inclination", "trunk_inclination", 0, ANGLE(TRUNK_INCLINATION),
                 ROMCV_STAT_MEDIAN, +1, 0, NO_RANGE, NO_PAIR},
                {"pelvic obliquity", "pelvic_obliquity", 0, ANGLE(PELVIC_OBLIQUITY),
                 ROMCV_STAT_MEDIAN, +1, 0, NO_RANGE, NO_PAIR},
            },
        .n_flags = 1,
        .flag =
            {
                {"anterior_tilt_lordosis",
                 "anterior pelvic tilt with increased lordosis (tight hip flexors pattern)",
                 ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_NONE, ANGLE(PELVIC_TILT), 0, 0, +1, 18.0f,
                 ANGLE(LUMBAR_LORDOSIS), 61.0f, 0, NAN,
                 "clinical.md: tilt above 18 deg (ASIS-PSIS angle 13 +- 5 deg, Preece 2008, "
                 "mean + 1 SD) together with lordosis above 61 deg (Cobb 49.8 + 11.2, mean + 1 "
                 "SD)"},
            },
        .notes = "Pelvic tilt is the ASIS-PSIS line from the horizontal, anterior positive; "
                 "lordosis the angle between the tangents at T12 and S1 (docs/angles.md). "
                 "Without markers both are silhouette estimates; compare them with the same "
                 "person's earlier visits, not with the ranges.",
    },
    {
        .name = "single-leg-stance",
        .title = "Single-leg stance (Trendelenburg)",
        .instructions =
            "Camera in front of or behind the patient at pelvis height. Stand on both legs for 2 "
            "s, then lift one foot and hold for up to 30 s; then the other side. Markers on both "
            "ASIS or PSIS make the pelvic drop reliable.",
        .views = FRONT_VIEWS,
        .exclusive = 1,
        .n_segmenters = 2,
        .segmenter =
            {
                {"left-stance", SIGNAL(ANKLE_LIFT_RIGHT), +1, ROMCV_SEGMENT_HOLD, 0,
                 ROMCV_SIDE_LEFT, 0.05f, 0.03f, 1.0, 0.5, 0},
                {"right-stance", SIGNAL(ANKLE_LIFT_LEFT), +1, ROMCV_SEGMENT_HOLD, 0,
                 ROMCV_SIDE_RIGHT, 0.05f, 0.03f, 1.0, 0.5, 0},
            },
        .n_measures = 8,
        .measure =
            {
                {"hold time on the left leg", "hold_left", 0, 0, ROMCV_STAT_DURATION, +1, 0,
                 NO_RANGE, NO_PAIR},
                {"hold time on the right leg", "hold_right", 1, 0, ROMCV_STAT_DURATION, +1, 0,
                 NO_RANGE, NO_PAIR},
                {"pelvic drop standing on the left leg", "pelvic_drop_left_stance", 0,
                 SIGNAL(PELVIC_DROP_RIGHT), ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"pelvic drop standing on the right leg", "pelvic_drop_right_stance", 1,
                 SIGNAL(PELVIC_DROP_LEFT), ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"pelvic drop standing on the left leg (cm)", "pelvic_drop_cm_left_stance", 0,
                 SIGNAL(PELVIC_DROP_CM_RIGHT), ROMCV_STAT_PEAK, +1, 0, NAN, 2.0f, SRC_DROP,
                 NO_PAIR},
                {"pelvic drop standing on the right leg (cm)", "pelvic_drop_cm_right_stance", 1,
                 SIGNAL(PELVIC_DROP_CM_LEFT), ROMCV_STAT_PEAK, +1, 0, NAN, 2.0f, SRC_DROP, NO_PAIR},
                {"trunk lean over the left leg", "trunk_lean_left_stance", 0,
                 ANGLE(TRUNK_LATERAL_LEAN), ROMCV_STAT_PEAK, +1, 1, NO_RANGE, NO_PAIR},
                {"trunk lean over the right leg", "trunk_lean_right_stance", 1,
                 ANGLE(TRUNK_LATERAL_LEAN), ROMCV_STAT_PEAK, -1, 1, NO_RANGE, NO_PAIR},
            },
        .n_flags = 4,
        .flag =
            {
                {"trendelenburg", "pelvis dropping on the lifted side (Trendelenburg sign)",
                 ROMCV_FLAG_EXCEEDS, 1u << 0, ROMCV_SIDE_LEFT, SIGNAL(PELVIC_DROP_CM_RIGHT), 0, 0,
                 +1, 2.0f, -1, NAN, 0, NAN, SRC_DROP},
                {"trendelenburg", "pelvis dropping on the lifted side (Trendelenburg sign)",
                 ROMCV_FLAG_EXCEEDS, 1u << 1, ROMCV_SIDE_RIGHT, SIGNAL(PELVIC_DROP_CM_LEFT), 0, 0,
                 +1, 2.0f, -1, NAN, 0, NAN, SRC_DROP},
                {"trunk_lean_over_stance",
                 "trunk leaning over the stance leg (compensated "
                 "Trendelenburg)",
                 ROMCV_FLAG_EXCEEDS, 1u << 0, ROMCV_SIDE_LEFT, ANGLE(TRUNK_LATERAL_LEAN), 0, 1,
                 +1, 5.0f, -1, NAN, 0, NAN, SRC_TRUNK_LEAN},
                {"trunk_lean_over_stance",
                 "trunk leaning over the stance leg (compensated "
                 "Trendelenburg)",
                 ROMCV_FLAG_EXCEEDS, 1u << 1, ROMCV_SIDE_RIGHT, ANGLE(TRUNK_LATERAL_LEAN), 0, 1,
                 -1, 5.0f, -1, NAN, 0, NAN, SRC_TRUNK_LEAN},
            },
        .notes = "The stance side is tested: standing on the left leg tests the left hip "
                 "abductors, and the right (lifted) side of the pelvis drops when they fail "
                 "(clinical.md: Magee). The clinical rule is in cm: give a scale (--scale or "
                 "--height) for a measured drop, otherwise it is estimated from the hip width.",
    },
    {
        .name = "squat",
        .title = "Deep squat",
        .instructions =
            "Side view (hip and knee flexion, trunk lean, pelvic tilt) or front view (knee "
            "valgus, pelvic shift); camera at hip height, whole body in frame. Stand still 2 s, "
            "then squat as deep as comfortable, several repetitions.",
        .views = SIDE_VIEWS | FRONT_VIEWS,
        .n_segmenters = 1,
        .segmenter = {{"squat", SIGNAL(PELVIS_DESCENT), +1, ROMCV_SEGMENT_REPETITIONS, 0,
                       ROMCV_SIDE_NONE, 0.10f, 0.05f, 0.5, 0.5, 0.5}},
        .n_measures = 10,
        .measure =
            {
                {"depth (pelvis descent)", "depth", 0, SIGNAL(PELVIS_DESCENT), ROMCV_STAT_PEAK,
                 +1, 0, NO_RANGE, NO_PAIR},
                {"left knee flexion", "knee_flexion_left", 0, ANGLE(KNEE_FLEXION_LEFT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"right knee flexion", "knee_flexion_right", 0, ANGLE(KNEE_FLEXION_RIGHT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"left hip flexion", "hip_flexion_left", 0, ANGLE(HIP_FLEXION_LEFT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"right hip flexion", "hip_flexion_right", 0, ANGLE(HIP_FLEXION_RIGHT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"trunk inclination at the bottom", "trunk_inclination_bottom", 0,
                 ANGLE(TRUNK_INCLINATION), ROMCV_STAT_AT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"pelvic tilt change at the bottom", "pelvic_tilt_change_bottom", 0,
                 ANGLE(PELVIC_TILT), ROMCV_STAT_AT_PEAK, +1, 1, NO_RANGE, NO_PAIR},
                {"left knee valgus (FPPA)", "knee_valgus_left", 0, ANGLE(KNEE_FPPA_LEFT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, 8, 10.0f,
                 "romcv: no cut-off in clinical.md; 10 deg between the knees is well above the "
                 "2D frontal knee angle's noise"},
                {"right knee valgus (FPPA)", "knee_valgus_right", 0, ANGLE(KNEE_FPPA_RIGHT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"pelvic shift at the bottom (toward the left +)", "pelvis_shift_bottom", 0,
                 SIGNAL(PELVIS_SHIFT), ROMCV_STAT_AT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
            },
        .n_flags = 4,
        .flag =
            {
                {"posterior_tilt_bottom",
                 "pelvis tilting posteriorly at the bottom (lumbar flexion, 'butt wink')",
                 ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_NONE, ANGLE(PELVIC_TILT), 0, 1, -1, 5.0f,
                 -1, NAN, 0, NAN,
                 "romcv: no published cut-off; the pelvis 5 deg behind its standing tilt, above "
                 "the best video MDC for sagittal pelvic range (1.6 deg, clinical.md: "
                 "Vicente-Pina 2025); FAI patients move the pelvis less (14.7 vs 24.2 deg)"},
                {"excessive_trunk_lean", "trunk leaning further forward than the shins",
                 ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_NONE, SIGNAL(TRUNK_TIBIA_DIFFERENCE), 0, 0,
                 +1, 15.0f, -1, NAN, 0, NAN,
                 "romcv: the deep-squat rule of thumb that the trunk stays parallel to the shins "
                 "or more upright, with a 15 deg margin for 2D landmark bias (docs/validation.md: "
                 "about 3 deg); not in clinical.md"},
                {"knee_valgus", "knee collapsing inward (valgus) from its standing alignment",
                 ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_LEFT, ANGLE(KNEE_FPPA_LEFT), 0, 1, +1, 10.0f,
                 -1, NAN, 0, NAN, SRC_VALGUS},
                {"knee_valgus", "knee collapsing inward (valgus) from its standing alignment",
                 ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_RIGHT, ANGLE(KNEE_FPPA_RIGHT), 0, 1, +1, 10.0f,
                 -1, NAN, 0, NAN, SRC_VALGUS},
            },
        .notes = "Repetitions are found from the pelvis's descent in leg lengths, which works "
                 "from the side and from the front. Side-view measures are empty in a front "
                 "view and the other way round. FAI patients squat less deep and move the "
                 "pelvis less (clinical.md).",
    },
    {
        .name = "forward-bend",
        .title = "Forward bend (lumbar-pelvic rhythm)",
        .instructions =
            "Side view at waist height. Stand still 2 s, then bend forward slowly with the knees "
            "straight as far as comfortable and come back up. Pelvic tilt needs ASIS and PSIS "
            "markers (or the silhouette estimate) to split the bend into hip and lumbar parts.",
        .views = SIDE_VIEWS,
        .n_segmenters = 1,
        .segmenter = {{"bend", ANGLE(TRUNK_INCLINATION), +1, ROMCV_SEGMENT_REPETITIONS, 1,
                       ROMCV_SIDE_NONE, 20, 10, 0.5, 0.5, 0.5}},
        .n_measures = 3,
        .measure =
            {
                {"trunk inclination (bend)", "bend", 0, ANGLE(TRUNK_INCLINATION), ROMCV_STAT_PEAK,
                 +1, 1, NO_RANGE, NO_PAIR},
                {"hip contribution at full bend", "hip_contribution", 0, SIGNAL(HIP_CONTRIBUTION),
                 ROMCV_STAT_AT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"lumbar contribution at full bend", "lumbar_contribution", 0,
                 SIGNAL(LUMBAR_CONTRIBUTION), ROMCV_STAT_AT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
            },
        .n_flags = 1,
        .flag =
            {
                {"lumbar_dominant_bend",
                 "lumbar-dominant bend (lumbar part larger than the hip "
                 "part at full bend)",
                 ROMCV_FLAG_RATIO_AT_PEAK, 0, ROMCV_SIDE_NONE, SIGNAL(LUMBAR_CONTRIBUTION), 0, 0,
                 +1, 1.0f, -1, NAN, SIGNAL(HIP_CONTRIBUTION), 5.0f,
                 "clinical.md: lumbar:hip about 2:1 early in the bend and hip dominant late in "
                 "healthy people, so a lumbar:hip ratio above 1 at full bend is outside that "
                 "pattern"},
            },
        .notes = "Trunk inclination (shoulder-hip line from vertical) splits into the pelvis "
                 "rotating over the hips (pelvic tilt change) and the rest, the spine's share. "
                 "Without pelvic tilt the split is not measurable and the flag cannot fire.",
    },
    {
        .name = "leg-raise",
        .title = "Active straight leg raise",
        .instructions =
            "Side view at table height, camera facing the raised leg. Lie on the back, legs "
            "straight; lie still 2 s, then raise one straight leg as high as comfortable, hold "
            "and lower; then the other leg (film it from its own side, or pass --view).",
        .views = SIDE_VIEWS,
        .exclusive = 1,
        .n_segmenters = 2,
        .segmenter =
            {
                {"right-raise", ANGLE(HIP_FLEXION_RIGHT), +1, ROMCV_SEGMENT_REPETITIONS, 1,
                 ROMCV_SIDE_RIGHT, 15, 8, 0.3, 0.5, 0.5},
                {"left-raise", ANGLE(HIP_FLEXION_LEFT), +1, ROMCV_SEGMENT_REPETITIONS, 1,
                 ROMCV_SIDE_LEFT, 15, 8, 0.3, 0.5, 0.5},
            },
        .n_measures = 2,
        .measure =
            {
                {"left hip flexion (leg raise)", "leg_raise_left", 1, ANGLE(HIP_FLEXION_LEFT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, 1, 10.0f,
                 "romcv: no threshold in clinical.md; 10 deg, above the 2.1-2.4 deg error of "
                 "2D hip flexion (clinical.md: sit-to-stand) with margin"},
                {"right hip flexion (leg raise)", "leg_raise_right", 0, ANGLE(HIP_FLEXION_RIGHT),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
            },
        .n_flags = 1,
        .flag =
            {
                {"pelvic_tilt_during_raise", "pelvis tilting during the raise", ROMCV_FLAG_EXCEEDS,
                 0, ROMCV_SIDE_NONE, ANGLE(PELVIC_TILT), 1, 0, 0, 5.0f, -1, NAN, 0, NAN,
                 "romcv: clinical.md scores the ASLR 0-5 by effort (sum >= 1 positive) with no "
                 "degree cut-off; 5 deg of pelvic tilt change is above the video MDC (1.6 deg, "
                 "Vicente-Pina 2025) with margin"},
            },
        .notes = "Hip flexion is the thigh against the trunk line (docs/angles.md). Pelvic "
                 "rotation about the long axis cannot be seen from the side; pelvic tilt needs "
                 "markers or the silhouette estimate.",
    },
    {
        .name = "sit-to-stand",
        .title = "Sit-to-stand",
        .instructions =
            "Side view at hip height (front view for left-right asymmetry). Sit on a chair "
            "without arm rests, arms crossed; sit still 2 s, then stand up and sit down, "
            "several times.",
        .views = SIDE_VIEWS | FRONT_VIEWS,
        .n_segmenters = 1,
        .segmenter = {{"stand", SIGNAL(PELVIS_RISE), +1, ROMCV_SEGMENT_REPETITIONS, 0,
                       ROMCV_SIDE_NONE, 0.15f, 0.08f, 0.5, 0.5, 0.5}},
        .n_measures = 6,
        .measure =
            {
                {"repetition duration", "duration", 0, 0, ROMCV_STAT_DURATION, +1, 0, NO_RANGE,
                 NO_PAIR},
                {"peak trunk inclination", "trunk_inclination_peak", 0, ANGLE(TRUNK_INCLINATION),
                 ROMCV_STAT_PEAK, +1, 0, NO_RANGE, NO_PAIR},
                {"left hip flexion (range)", "hip_flexion_range_left", 0, ANGLE(HIP_FLEXION_LEFT),
                 ROMCV_STAT_RANGE, +1, 0, NO_RANGE, NO_PAIR},
                {"right hip flexion (range)", "hip_flexion_range_right", 0,
                 ANGLE(HIP_FLEXION_RIGHT), ROMCV_STAT_RANGE, +1, 0, NO_RANGE, NO_PAIR},
                {"left knee flexion (range)", "knee_flexion_range_left", 0,
                 ANGLE(KNEE_FLEXION_LEFT), ROMCV_STAT_RANGE, +1, 0, NO_RANGE, NO_PAIR},
                {"right knee flexion (range)", "knee_flexion_range_right", 0,
                 ANGLE(KNEE_FLEXION_RIGHT), ROMCV_STAT_RANGE, +1, 0, NO_RANGE, NO_PAIR},
            },
        .n_flags = 2,
        .flag =
            {
                {"excessive_trunk_lean", "trunk leaning far forward to stand up",
                 ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_NONE, ANGLE(TRUNK_INCLINATION), 0, 0, +1, 50.0f,
                 -1, NAN, 0, NAN,
                 "romcv: clinical.md lists trunk lean as the sit-to-stand compensation without a "
                 "cut-off; healthy seat-off lean is about 35-45 deg (the phantom's default is "
                 "35), so 50"},
                {"asymmetric_shift", "pelvis shifting sideways (weight toward one leg)",
                 ROMCV_FLAG_EXCEEDS, 0, ROMCV_SIDE_NONE, SIGNAL(PELVIS_SHIFT), 0, 0, 0, 0.05f,
                 -1, NAN, 0, NAN,
                 "romcv: no published cut-off; 5 % of a leg length (about 4 cm), front view "
                 "only"},
            },
        .notes = "Repetitions are found from the pelvis rising above its lowest (seated) height, "
                 "so the clip may start seated or standing. A "
                 "five-times sit-to-stand time is the sum of the repetition durations plus the "
                 "pauses between them (first start to last end).",
    },
};

size_t romcv_protocols_count(void) {
    return sizeof protocols / sizeof protocols[0];
}

const RomcvProtocolDef *romcv_protocols_get(size_t i) {
    return i < romcv_protocols_count() ? &protocols[i] : NULL;
}

const RomcvProtocolDef *romcv_protocols_find(const char *name) {
    for (size_t i = 0; name && i < romcv_protocols_count(); i++) {
        if (strcmp(protocols[i].name, name) == 0) {
            return &protocols[i];
        }
    }
    return NULL;
}
