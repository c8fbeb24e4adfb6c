/*
 * romcv/protocols.h: standardised clinical movements on top of the angles.
 *
 * A clinician does not want a curve; they want "right hip internal rotation
 * 18 deg, left 34 deg, below normal and asymmetric; pelvis lifted 6 deg at end
 * range on the right". This layer turns the angle time series of
 * romcv/metrics.h into that: it finds the repetitions (or holds) of a
 * protocol, measures each one, compares the sides with each other and with
 * normal ranges, and flags compensation patterns.
 *
 * A protocol is data (RomcvProtocolDef, one table in protocols/table.c): the
 * views it needs, the signal that segments it into repetitions, the measures
 * taken per repetition, the normal ranges and asymmetry thresholds, and the
 * compensation rules, each with its source (../shared/docs/clinical.md, or
 * "romcv" with the reasoning where no published cut-off exists). One generic
 * engine runs every protocol; adding a protocol adds a table entry.
 *
 * Wording: values outside a range are "outside the normal range", never a
 * diagnosis.
 *
 * Pure computation on arrays, no I/O. Ownership: romcv_protocol_analyze()
 * allocates a RomcvProtocolResult the caller frees with
 * romcv_protocol_result_destroy(); the definitions are static data; inputs
 * are borrowed for the duration of the call.
 */
#ifndef ROMCV_PROTOCOLS_H
#define ROMCV_PROTOCOLS_H

#include "romcv/core.h"
#include "romcv/metrics.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- signals */

/* What a protocol can segment on, measure or watch: every angle channel of
 * romcv/metrics.h (the same ids, 0 .. ROMCV_ANGLE_COUNT-1), then quantities
 * derived from the landmarks. Lengths are in units of the person's median
 * hip-to-ankle length in the clip ("leg lengths"), so they do not depend on
 * the distance to the camera. X-macro: id, name, unit, meaning. */
#define ROMCV_DERIVED_SIGNAL_TABLE(X)                                                          \
    X(PELVIS_DESCENT, "pelvis_descent", "leg",                                                 \
      "hip midpoint below its baseline height, "                                               \
      "along gravity, in leg lengths (squat and sit-to-stand depth)")                          \
    X(PELVIS_RISE, "pelvis_rise", "leg",                                                       \
      "hip midpoint above its seated height (15th percentile of the clip), along gravity, in " \
      "leg lengths (sit-to-stand: needs no standing baseline)")                                \
    X(ANKLE_LIFT_LEFT, "ankle_lift_left", "leg",                                               \
      "left ankle above the right ankle, along gravity, in leg lengths")                       \
    X(ANKLE_LIFT_RIGHT, "ankle_lift_right", "leg",                                             \
      "right ankle above the left ankle, along gravity, in leg lengths")                       \
    X(KNEE_SHIFT_LEFT, "knee_shift_left", "leg",                                               \
      "left knee's horizontal displacement in the image from its baseline position (image "    \
      "right positive), in leg lengths")                                                       \
    X(KNEE_SHIFT_RIGHT, "knee_shift_right", "leg",                                             \
      "right knee's horizontal displacement in the image from its baseline position (image "   \
      "right positive), in leg lengths")                                                       \
    X(PELVIS_SHIFT, "pelvis_shift", "leg",                                                     \
      "hip midpoint sideways from the ankle midpoint minus its baseline value, toward the "    \
      "person's left positive, in leg lengths (frontal view)")                                 \
    X(PELVIC_DROP_LEFT, "pelvic_drop_left", "deg",                                             \
      "pelvic obliquity change from baseline with the left side lower positive")               \
    X(PELVIC_DROP_RIGHT, "pelvic_drop_right", "deg",                                           \
      "pelvic obliquity change from baseline with the right side lower positive")              \
    X(PELVIC_DROP_CM_LEFT, "pelvic_drop_cm_left", "cm",                                        \
      "the left hip's drop below the right one, change from baseline, in cm: with the "        \
      "settings' scale, else estimated from the hip width taken as 20 cm")                     \
    X(PELVIC_DROP_CM_RIGHT, "pelvic_drop_cm_right", "cm",                                      \
      "the right hip's drop below the left one, change from baseline, in cm (as above)")       \
    X(LUMBAR_CONTRIBUTION, "lumbar_contribution", "deg",                                       \
      "trunk inclination change minus pelvic tilt change from baseline (forward bend: the "    \
      "part of the bend made by the lumbar spine)")                                            \
    X(HIP_CONTRIBUTION, "hip_contribution", "deg",                                             \
      "pelvic tilt change from baseline, anterior positive (forward bend: the pelvis "         \
      "rotating forward over the hips)")                                                       \
    X(TRUNK_TIBIA_DIFFERENCE, "trunk_tibia_difference", "deg",                                 \
      "trunk inclination minus the forward inclination of the shank (knee flexion minus "      \
      "thigh-from-vertical), mean of the measured sides (side view)")

typedef enum RomcvSignal {
    ROMCV_SIGNAL_ANGLE_FIRST = 0, /* ids below ROMCV_ANGLE_COUNT are angle channels */
#define ROMCV_X_SIGNAL_ENUM(id, name, unit, text) ROMCV_SIGNAL_##id,
    ROMCV_SIGNAL_DERIVED_FIRST = ROMCV_ANGLE_COUNT - 1,
    ROMCV_DERIVED_SIGNAL_TABLE(ROMCV_X_SIGNAL_ENUM)
#undef ROMCV_X_SIGNAL_ENUM
        ROMCV_SIGNAL_COUNT
} RomcvSignal;

/* "hip_rotation_left", "pelvis_descent"; "unknown" for an invalid id. */
ROMCV_API const char *romcv_signal_name(int signal);
/* "deg", "leg"; "" for an invalid id. */
ROMCV_API const char *romcv_signal_unit(int signal);

/* ---------------------------------------------------------- definitions */

/* A source: "clinical.md: Kouyoumdjian 2012", or "romcv: <why>" when no
 * published value exists and romcv chose one. */
typedef const char *RomcvSource;

/* How a protocol is cut into repetitions. The segmenting signal s(t) (its
 * value relative to the neutral baseline, times direction) enters a
 * repetition when it rises above enter and leaves it when it falls below
 * exit (hysteresis, so that a pause or tremor at end range does not split a
 * repetition). A gap (no value) longer than max_gap_s ends a repetition as
 * cut short. A repetition shorter than min_duration_s is dropped; one whose
 * peak is below partial_fraction of the median peak is kept and marked
 * partial. HOLD protocols report the time s stays above enter as the hold
 * time. */
typedef enum RomcvSegmentKind {
    ROMCV_SEGMENT_REPETITIONS = 0, /* out and back: rotation, squat, bend, raise */
    ROMCV_SEGMENT_HOLD = 1,        /* stay: single-leg stance */
    ROMCV_SEGMENT_WHOLE = 2,       /* the whole clip is one trial: standing posture */
} RomcvSegmentKind;

typedef struct RomcvSegmenterDef {
    const char *name; /* "right-ir": names the repetitions in the output */
    int signal;       /* RomcvSignal */
    int direction;    /* +1: peaks are maxima; -1: minima */
    RomcvSegmentKind kind;
    int relative;      /* 1: the angle's change from baseline (absolute when the
                        * baseline is missing; a warning says so) */
    RomcvSide side;    /* the side being tested (for --side), or NONE */
    float enter, exit; /* in the signal's unit, after direction */
    double min_duration_s;
    double max_gap_s;
    float partial_fraction;
} RomcvSegmenterDef;

/* What a measure takes from each repetition of its segmenter. */
typedef enum RomcvStatistic {
    ROMCV_STAT_PEAK = 0,     /* the extremum of the signal in the repetition (direction) */
    ROMCV_STAT_AT_PEAK = 1,  /* the signal's value at the segmenter's peak frame */
    ROMCV_STAT_RANGE = 2,    /* max - min of the signal in the repetition */
    ROMCV_STAT_DURATION = 3, /* the repetition's (hold's) duration in seconds */
    ROMCV_STAT_MEDIAN = 4,   /* the median of the signal in the repetition (a static trial) */
} RomcvStatistic;

typedef struct RomcvMeasureDef {
    const char *name; /* "right hip internal rotation" */
    const char *key;  /* "hip_ir_right": stable, used in files */
    int segmenter;    /* index into the protocol's segmenters */
    int signal;       /* RomcvSignal */
    RomcvStatistic statistic;
    int direction; /* PEAK: +1 maximum, -1 minimum; values are reported times
                    * direction, so external rotation reads positive */
    int relative;  /* 1: report the change from the neutral baseline */
    /* Normal range of the reported value (both NaN: none published). */
    float normal_low, normal_high;
    RomcvSource normal_source;
    /* Asymmetry: the index of the other side's measure (-1: none); the
     * difference is reported on the left measure of the pair. */
    int pair;
    float asymmetry_threshold;
    RomcvSource asymmetry_source;
} RomcvMeasureDef;

/* A compensation rule, checked in each repetition of the segmenters it
 * names. EXCEEDS: signal (its change from its first value in the repetition
 * when from_start, else its change from baseline when relative, else its
 * absolute value; times direction, or its absolute size when direction is 0)
 * rises above threshold; when and_signal >= 0, in the same frames
 * and_signal (taken the same way) must also be above and_threshold.
 * RATIO_AT_PEAK: at the repetition's peak frame, signal / max(ratio_signal,
 * ratio_min) is above threshold, once signal itself reaches ratio_min. */
typedef enum RomcvFlagKind {
    ROMCV_FLAG_EXCEEDS = 0,
    ROMCV_FLAG_RATIO_AT_PEAK = 1,
} RomcvFlagKind;

typedef struct RomcvFlagDef {
    const char *key;  /* "pelvis_lift": stable, used in files */
    const char *text; /* "pelvis lifting during the rotation" */
    RomcvFlagKind kind;
    unsigned segmenters; /* bit i: segmenter i; 0: every segmenter */
    RomcvSide side;      /* the side it concerns, or NONE (then the repetition's side) */
    int signal;
    int from_start;
    int relative;
    int direction;
    float threshold;
    int and_signal; /* -1: none */
    float and_threshold;
    int ratio_signal;
    float ratio_min;
    RomcvSource source;
} RomcvFlagDef;

#define ROMCV_PROTOCOL_MAX_SEGMENTERS 4
#define ROMCV_PROTOCOL_MAX_MEASURES   16
#define ROMCV_PROTOCOL_MAX_FLAGS      8

typedef struct RomcvProtocolDef {
    const char *name;         /* command-line name: "seated-hip-rotation" */
    const char *title;        /* "Seated hip rotation (IR/ER)" */
    const char *instructions; /* how to record it, for `romcv protocols` */
    unsigned views;           /* bit (1 << RomcvView) for each view it accepts */
    /* 1: measure the angles this protocol segments and measures on
     * landmarks from the pose detector run on every frame, and the signals
     * its compensation rules watch on tracked landmarks (romcv analyze
     * --tracking both; docs/protocols.md says why). */
    int measure_on_detection;
    /* 1: the segmenters are movements done one at a time (one leg, one
     * direction). When repetitions of two segmenters overlap in time, the
     * smaller one (peak relative to its enter threshold) is the other limb
     * carried along, e.g. a shank tilting with a lifting pelvis, and is
     * dropped. */
    int exclusive;
    int n_segmenters, n_measures, n_flags;
    RomcvSegmenterDef segmenter[ROMCV_PROTOCOL_MAX_SEGMENTERS];
    RomcvMeasureDef measure[ROMCV_PROTOCOL_MAX_MEASURES];
    RomcvFlagDef flag[ROMCV_PROTOCOL_MAX_FLAGS];
    const char *notes; /* method notes and limits, with sources */
} RomcvProtocolDef;

/* The built-in protocols, in a stable order; i outside [0, count) gives NULL. */
ROMCV_API size_t romcv_protocols_count(void);
ROMCV_API const RomcvProtocolDef *romcv_protocols_get(size_t i);
/* The protocol with that command-line name, or NULL. */
ROMCV_API const RomcvProtocolDef *romcv_protocols_find(const char *name);

/* ---------------------------------------------------------------- results */

typedef struct RomcvRepetition {
    int segmenter;
    size_t start_frame, peak_frame, end_frame; /* indices into the series */
    double start_s, peak_s, end_s;
    float peak;  /* the segmenting signal at its peak, times direction */
    int partial; /* 1: peak below partial_fraction of the largest peak of its segmenter */
    int cut;     /* 1: ended by a gap or the end of the video, not by returning */
    float range; /* the segmenting signal's largest minus smallest value in it */
} RomcvRepetition;

/* outside_normal: -1 below the normal range, +1 above, 0 within or no range. */
typedef struct RomcvMeasureValue {
    int repetition; /* index into RomcvProtocolResult.repetition */
    float value;    /* in the signal's unit (seconds for DURATION); NaN: not measurable */
    size_t frame;   /* the frame that shows it */
    int outside_normal;
} RomcvMeasureValue;

typedef struct RomcvMeasureResult {
    const RomcvMeasureDef *def;
    size_t n_values;
    RomcvMeasureValue *values; /* one per repetition of its segmenter */
    /* The end range: the largest value over the complete (not partial, not
     * cut) repetitions, else over all; NaN when none. */
    float best;
    size_t best_frame;
    int outside_normal;
    /* Left minus right of best (set on the first measure of a pair, NaN
     * otherwise), and whether |asymmetry| exceeds the threshold. */
    float asymmetry;
    int asymmetric;
} RomcvMeasureResult;

typedef struct RomcvCompensationFlag {
    const RomcvFlagDef *def;
    int repetition;                /* the repetition it happened in */
    RomcvSide side;                /* the tested side of that repetition */
    size_t start_frame, end_frame; /* frames beyond the threshold */
    double start_s, end_s;
    size_t evidence_frame; /* where the magnitude peaks */
    float magnitude;       /* in the signal's unit (ratio for RATIO) */
    float threshold;
} RomcvCompensationFlag;

typedef struct RomcvProtocolResult {
    const RomcvProtocolDef *def;
    RomcvView dominant_view; /* the most frequent detected view */
    int view_ok;             /* 0: the recording does not match the protocol's views */
    double view_fraction;    /* share of frames with the dominant view */
    size_t n_repetitions;
    RomcvRepetition *repetition;
    RomcvMeasureResult measure[ROMCV_PROTOCOL_MAX_MEASURES];
    size_t n_flags;
    RomcvCompensationFlag *flag;
    float leg_length_px; /* the length unit of derived signals; NaN when unknown */
    /* Human-readable warnings ("the recording looks like a front view; this
     * protocol needs a side view"), each one line; n_warnings of them. */
    size_t n_warnings;
    char (*warning)[256];
} RomcvProtocolResult;

typedef struct RomcvProtocolSettings {
    RomcvSide side;               /* NONE (default): both sides; else only that side's tests */
    RomcvMetricsSettings metrics; /* mirrored, vertical, thresholds: as used for the angles */
    /* Metres per pixel in the movement plane (calib: two points, a board or
     * the person's height); 0 (default): unknown, and lengths in cm are
     * estimated from the hip width (see the pelvic_drop_cm signals). */
    double metres_per_pixel;
    RomcvLogger logger;
    int reserved[8];
} RomcvProtocolSettings;

ROMCV_API void romcv_protocol_default_settings(RomcvProtocolSettings *s);

/* Runs def on the landmarks and their angles (angles must come from the same
 * landmarks, with the same settings.metrics). Returns 0 and sets *out, or
 * ROMCV_ERR(EINVAL) (diag says what), ROMCV_ERR(ENOMEM). A clip with no
 * repetition is not an error: the result has none and a warning says so. */
ROMCV_API int romcv_protocol_analyze(const RomcvProtocolDef *def, const RomcvProtocolSettings *s,
                                     const RomcvLandmarkSeries *landmarks,
                                     const RomcvAngleResults *angles, RomcvProtocolResult **out,
                                     RomcvDiag *diag);

ROMCV_API void romcv_protocol_result_destroy(RomcvProtocolResult **result);

/* Computes a derived signal (ROMCV_SIGNAL_DERIVED_FIRST < signal <
 * ROMCV_SIGNAL_COUNT) or copies an angle channel's value (relative = 0) or
 * change from baseline (relative = 1) into out[n]. Exposed for the report's
 * plots and for tests. Returns 0 or ROMCV_ERR(EINVAL). */
ROMCV_API int romcv_protocol_signal(int signal, int relative, const RomcvProtocolSettings *s,
                                    const RomcvLandmarkSeries *landmarks,
                                    const RomcvAngleResults *angles, float *out);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_PROTOCOLS_H */
