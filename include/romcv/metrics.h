/*
 * romcv/metrics.h: joint and posture angles from landmark time series.
 *
 * Pure computation on arrays, no I/O. The input is a structure of arrays:
 * for each of the 33 BlazePose landmarks one array of x, one of y (pixels,
 * x right, y down) and one of visibility, over n frames with their real
 * timestamps. The output is one array per angle channel (an angle and, where
 * it applies, a side), in degrees, with NaN and a reason code in every frame
 * where the angle cannot be measured: nothing is guessed.
 *
 * Every angle has one written definition (points, reference line, sign,
 * units, source) in docs/angles.md, repeated as data by romcv_angle_info().
 * Sign conventions are anatomical and do not depend on which way the person
 * faces the camera or whether the video is mirrored: the view (front, back,
 * left side, right side) is detected per frame or forced, and --mirrored
 * selfie video is turned back into the real scene before anything is measured.
 *
 * The vertical is the image's "down" unless the caller passes a calibrated
 * gravity direction in the settings; there is no hidden global.
 *
 * Ownership: romcv_metrics_compute() allocates a RomcvAngleResults that the
 * caller frees with romcv_angle_results_destroy(). The input arrays are
 * borrowed for the duration of the call only.
 */
#ifndef ROMCV_METRICS_H
#define ROMCV_METRICS_H

#include "romcv/core.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* BlazePose's 33 landmarks (MediaPipe Pose topology). */
#define ROMCV_METRICS_LANDMARKS 33
enum RomcvBodyLandmark {
    ROMCV_LM_NOSE = 0,
    ROMCV_LM_LEFT_EYE = 2,
    ROMCV_LM_RIGHT_EYE = 5,
    ROMCV_LM_LEFT_EAR = 7,
    ROMCV_LM_RIGHT_EAR = 8,
    ROMCV_LM_LEFT_SHOULDER = 11,
    ROMCV_LM_RIGHT_SHOULDER = 12,
    ROMCV_LM_LEFT_ELBOW = 13,
    ROMCV_LM_RIGHT_ELBOW = 14,
    ROMCV_LM_LEFT_WRIST = 15,
    ROMCV_LM_RIGHT_WRIST = 16,
    ROMCV_LM_LEFT_HIP = 23,
    ROMCV_LM_RIGHT_HIP = 24,
    ROMCV_LM_LEFT_KNEE = 25,
    ROMCV_LM_RIGHT_KNEE = 26,
    ROMCV_LM_LEFT_ANKLE = 27,
    ROMCV_LM_RIGHT_ANKLE = 28,
    ROMCV_LM_LEFT_HEEL = 29,
    ROMCV_LM_RIGHT_HEEL = 30,
    ROMCV_LM_LEFT_FOOT_INDEX = 31,
    ROMCV_LM_RIGHT_FOOT_INDEX = 32,
};

/* n frames of landmarks, structure of arrays. Every array has n elements.
 * x, y: pixels in the upright frame (x right, y down); NaN where the landmark
 * is missing (no person in that frame). visibility[k] may be NULL (all
 * visible). time_s: presentation times in seconds, strictly increasing, not
 * necessarily evenly spaced. */
typedef struct RomcvLandmarkSeries {
    size_t n;
    const double *time_s;
    const float *x[ROMCV_METRICS_LANDMARKS];
    const float *y[ROMCV_METRICS_LANDMARKS];
    const float *visibility[ROMCV_METRICS_LANDMARKS];
} RomcvLandmarkSeries;

/* Optional skin markers (pixels, same frames as the landmarks). A NULL x or y
 * means the marker was not placed. visibility may be NULL (all visible). */
typedef enum RomcvMarker {
    ROMCV_MARKER_ASIS_LEFT = 0, /* anterior superior iliac spines */
    ROMCV_MARKER_ASIS_RIGHT,
    ROMCV_MARKER_PSIS_LEFT, /* posterior superior iliac spines */
    ROMCV_MARKER_PSIS_RIGHT,
    ROMCV_MARKER_T12, /* spinous processes */
    ROMCV_MARKER_L3,
    ROMCV_MARKER_S1,
    /* Lower-limb markers (lateral, each side), recorded and tracked but not
     * yet used by any angle: the first seven keep their order and meaning. */
    ROMCV_MARKER_TROCHANTER_LEFT, /* greater trochanter */
    ROMCV_MARKER_TROCHANTER_RIGHT,
    ROMCV_MARKER_KNEE_LEFT, /* lateral femoral epicondyle */
    ROMCV_MARKER_KNEE_RIGHT,
    ROMCV_MARKER_MALLEOLUS_LEFT, /* lateral malleolus */
    ROMCV_MARKER_MALLEOLUS_RIGHT,
    ROMCV_MARKER_COUNT
} RomcvMarker;

/* The pelvic and spinal markers come first (ROMCV_MARKER_ASIS_LEFT ..
 * ROMCV_MARKER_S1); the limb markers after them, in left/right pairs. */
#define ROMCV_MARKER_PELVIC_COUNT 7

/* The marker's name in files, labelling files and messages ("asis_left",
 * "t12", "knee_right"), and its title for people ("left ASIS", "T12",
 * "right lateral knee"); "" out of range, never NULL. */
ROMCV_API const char *romcv_marker_name(int marker);
ROMCV_API const char *romcv_marker_title(int marker);

/* The marker with left and right swapped (a mirrored video): the pairs are
 * ASIS, PSIS and the three limb pairs; T12, L3 and S1 are their own. */
static inline int romcv_marker_mirror(int marker) {
    if (marker >= 0 && marker <= ROMCV_MARKER_PSIS_RIGHT) {
        return marker ^ 1;
    }
    if (marker >= ROMCV_MARKER_TROCHANTER_LEFT && marker < ROMCV_MARKER_COUNT) {
        return ROMCV_MARKER_TROCHANTER_LEFT + ((marker - ROMCV_MARKER_TROCHANTER_LEFT) ^ 1);
    }
    return marker;
}

typedef struct RomcvMarkerSeries {
    const float *x[ROMCV_MARKER_COUNT];
    const float *y[ROMCV_MARKER_COUNT];
    const float *visibility[ROMCV_MARKER_COUNT];
} RomcvMarkerSeries;

/* Optional posterior body contour per frame, from the segmentation mask of a
 * side view: the back edge of the silhouette as a polyline ordered from top
 * to bottom (pixels), at least from the shoulders to the buttocks. count[i]
 * is 0 for a frame without a contour. */
typedef struct RomcvContourSeries {
    const int *count;
    const float *const *x;
    const float *const *y;
} RomcvContourSeries;

/* ------------------------------------------------------------ view, side */

/* Which side of the person the camera sees. LEFT_SIDE: the person's left side
 * faces the camera, so (unmirrored) the person faces image left; RIGHT_SIDE:
 * faces image right. BACK also covers prone hip rotation filmed from the
 * feet, where the person's left is on the image's left as well. */
typedef enum RomcvView {
    ROMCV_VIEW_UNKNOWN = 0, /* as a setting: detect per frame */
    ROMCV_VIEW_FRONT = 1,
    ROMCV_VIEW_BACK = 2,
    ROMCV_VIEW_LEFT_SIDE = 3,
    ROMCV_VIEW_RIGHT_SIDE = 4,
} RomcvView;

/* "unknown", "front", "back", "left", "right"; never NULL. */
ROMCV_API const char *romcv_view_name(RomcvView view);
/* Parses the names above (and "auto" as UNKNOWN); -1 for anything else. */
ROMCV_API int romcv_view_from_name(const char *name);

typedef enum RomcvSide {
    ROMCV_SIDE_NONE = 0, /* a whole-body angle */
    ROMCV_SIDE_LEFT = 1,
    ROMCV_SIDE_RIGHT = 2,
} RomcvSide;

typedef enum RomcvPlane {
    ROMCV_PLANE_FRONTAL = 0, /* measured in a front or back view */
    ROMCV_PLANE_SAGITTAL = 1 /* measured in a side view */
} RomcvPlane;

/* Hip rotation test position: SEATED (or supine 90/90, camera in front, the
 * shank hangs down from the knee) or PRONE (camera at the feet, the shank
 * points up). AUTO picks per leg from the median shank direction. */
typedef enum RomcvHipRotationPosition {
    ROMCV_HIP_ROTATION_AUTO = 0,
    ROMCV_HIP_ROTATION_SEATED = 1,
    ROMCV_HIP_ROTATION_PRONE = 2,
} RomcvHipRotationPosition;

/* ------------------------------------------------------------- the angles */

/* X-macro: id, name, side, plane, positive direction, negative direction.
 * The full definitions are in docs/angles.md and romcv_angle_info(). */
#define ROMCV_ANGLE_TABLE(X)                                                                  \
    X(HIP_ROTATION_LEFT, "hip_rotation_left", LEFT, FRONTAL, "internal", "external")          \
    X(HIP_ROTATION_RIGHT, "hip_rotation_right", RIGHT, FRONTAL, "internal", "external")       \
    X(PELVIC_OBLIQUITY, "pelvic_obliquity", NONE, FRONTAL, "left side higher",                \
      "right side higher")                                                                    \
    X(PELVIC_TILT, "pelvic_tilt", NONE, SAGITTAL, "anterior", "posterior")                    \
    X(LUMBAR_LORDOSIS, "lumbar_lordosis", NONE, SAGITTAL, "lordosis", "kyphosis")             \
    X(HIP_FLEXION_LEFT, "hip_flexion_left", LEFT, SAGITTAL, "flexion", "extension")           \
    X(HIP_FLEXION_RIGHT, "hip_flexion_right", RIGHT, SAGITTAL, "flexion", "extension")        \
    X(THIGH_VERTICAL_LEFT, "thigh_vertical_left", LEFT, SAGITTAL, "flexion", "extension")     \
    X(THIGH_VERTICAL_RIGHT, "thigh_vertical_right", RIGHT, SAGITTAL, "flexion", "extension")  \
    X(KNEE_FLEXION_LEFT, "knee_flexion_left", LEFT, SAGITTAL, "flexion", "hyperextension")    \
    X(KNEE_FLEXION_RIGHT, "knee_flexion_right", RIGHT, SAGITTAL, "flexion", "hyperextension") \
    X(TRUNK_INCLINATION, "trunk_inclination", NONE, SAGITTAL, "forward", "backward")          \
    X(TRUNK_LATERAL_LEAN, "trunk_lateral_lean", NONE, FRONTAL, "to the left", "to the right") \
    X(KNEE_FPPA_LEFT, "knee_fppa_left", LEFT, FRONTAL, "valgus", "varus")                     \
    X(KNEE_FPPA_RIGHT, "knee_fppa_right", RIGHT, FRONTAL, "valgus", "varus")

typedef enum RomcvAngleId {
#define ROMCV_X_ANGLE_ENUM(id, name, side, plane, pos, neg) ROMCV_ANGLE_##id,
    ROMCV_ANGLE_TABLE(ROMCV_X_ANGLE_ENUM)
#undef ROMCV_X_ANGLE_ENUM
        ROMCV_ANGLE_COUNT
} RomcvAngleId;

/* The definition of one angle channel, static data. */
typedef struct RomcvAngleInfo {
    RomcvAngleId id;
    const char *name;      /* "knee_flexion_left": stable, used in files */
    RomcvSide side;        /* which limb, or NONE */
    RomcvPlane plane;      /* which views can measure it */
    const char *unit;      /* "deg" */
    const char *positive;  /* what a positive value means: "internal" */
    const char *negative;  /* what a negative value means: "external" */
    const char *points;    /* the landmarks or markers it uses */
    const char *reference; /* the reference line */
    const char *source;    /* "clinical.md: Kouyoumdjian 2012" */
    const char *estimate;  /* NULL, or the caveat when the markerless value is an
                            * estimate (pelvic obliquity, tilt, lordosis) */
} RomcvAngleInfo;

/* The definition of angle id; NULL for an invalid id. */
ROMCV_API const RomcvAngleInfo *romcv_angle_info(RomcvAngleId id);
/* ROMCV_ANGLE_COUNT when name is not a channel name. */
ROMCV_API RomcvAngleId romcv_angle_from_name(const char *name);

/* Why a frame has no value. X-macro: id, value, name, text. */
#define ROMCV_REASON_TABLE(X)                                                                  \
    X(OK, 0, "ok", "measured")                                                                 \
    X(MISSING, 1, "missing", "a landmark is missing (no person or not a number)")              \
    X(LOW_VISIBILITY, 2, "low_visibility", "a landmark is below the visibility threshold")     \
    X(SHORT_SEGMENT, 3, "short_segment", "a segment is shorter than the minimum length in px") \
    X(WRONG_VIEW, 4, "wrong_view", "the angle cannot be measured from this view")              \
    X(NO_SOURCE, 5, "no_source", "no markers and no contour for this angle")                   \
    X(OUTLIER, 6, "outlier", "rejected as an outlier (Hampel filter)")                         \
    X(INTERPOLATED, 7, "interpolated", "filled by interpolation across a short gap")

typedef enum RomcvAngleReason {
#define ROMCV_X_REASON_ENUM(id, value, name, text) ROMCV_REASON_##id = value,
    ROMCV_REASON_TABLE(ROMCV_X_REASON_ENUM)
#undef ROMCV_X_REASON_ENUM
} RomcvAngleReason;

/* "low_visibility"; "unknown" for other values. */
ROMCV_API const char *romcv_angle_reason_name(RomcvAngleReason reason);
ROMCV_API const char *romcv_angle_reason_text(RomcvAngleReason reason);

/* Where a channel's values come from (RomcvAngleChannel.method). */
typedef enum RomcvAngleMethod {
    ROMCV_METHOD_LANDMARKS = 0,  /* the pose model's landmarks */
    ROMCV_METHOD_MARKERS = 1,    /* skin markers (RomcvMarkerSeries) */
    ROMCV_METHOD_SILHOUETTE = 2, /* the back of the person mask (RomcvContourSeries) */
} RomcvAngleMethod;

/* "landmarks", "markers", "silhouette"; "unknown" for other values. */
ROMCV_API const char *romcv_angle_method_name(RomcvAngleMethod method);

/* -------------------------------------------------------------- settings */

/* SIMD levels, as bits of a mask that caps what run-time detection found. */
#define ROMCV_CPU_AVX2   (1u << 0) /* AVX2 + FMA + OS YMM state */
#define ROMCV_CPU_AVX512 (1u << 1) /* AVX-512 F/DQ/BW/VL + OS ZMM state */
#define ROMCV_CPU_NEON   (1u << 8) /* arm64 Advanced SIMD */
#define ROMCV_CPU_ALL    0xffffffffu

/* The SIMD levels this CPU and OS support (ROMCV_CPU_* bits). */
ROMCV_API unsigned romcv_metrics_cpu_flags(void);

typedef enum RomcvFilterMode {
    ROMCV_FILTER_NONE = 0,
    ROMCV_FILTER_BUTTERWORTH = 1, /* zero-phase, for recorded video */
    ROMCV_FILTER_ONE_EURO = 2,    /* causal, for live video */
} RomcvFilterMode;

typedef struct RomcvMetricsSettings {
    float min_visibility; /* 0..1; landmarks below are not used (default 0.5) */
    float min_segment_px; /* segments shorter than this are not used (default 20 px) */
    RomcvView view;       /* UNKNOWN (default): detect per frame; else forced (--view) */
    int mirrored;         /* 1: selfie video, mirrored left-right (--mirrored) */
    int image_width;      /* px; needed only when mirrored (to reflect x) */
    /* Gravity "down" in the image, a direction (normalised internally). The
     * default (0, 1) is the image vertical; a calibrated camera roll gives
     * (sin roll, cos roll). */
    float down_x, down_y;
    RomcvHipRotationPosition hip_rotation_position; /* default AUTO */
    int repair_swaps; /* 1 (default): repair left/right limb swaps by continuity */
    /* Time-series processing of every angle channel, in this order: Hampel
     * outlier rejection, gap filling, low-pass. */
    double hampel_half_window_s; /* default 0.15 s; 0: no outlier rejection */
    double hampel_n_sigmas;      /* default 3 */
    double max_gap_s;            /* longest gap filled by interpolation (default 0.2 s; 0: none) */
    RomcvFilterMode filter;      /* default BUTTERWORTH */
    double cutoff_hz;            /* Butterworth cut-off (default 6 Hz) */
    double one_euro_min_cutoff_hz; /* default 1 Hz */
    double one_euro_beta;          /* default 0.05 (per deg/s) */
    double one_euro_d_cutoff_hz;   /* default 1 Hz */
    /* Neutral baseline: the time range [baseline_start_s, baseline_end_s];
     * when baseline_end_s <= baseline_start_s it is found automatically: the
     * first quiet stretch of baseline_duration_s within the first
     * baseline_search_s, where no channel moves more than quiet_range_deg. */
    double baseline_start_s;
    double baseline_end_s;
    double baseline_duration_s; /* default 1 s */
    double baseline_search_s;   /* default 10 s */
    double quiet_range_deg;     /* default 4 deg */
    unsigned cpu_mask;          /* caps the SIMD level (ROMCV_CPU_*); default ROMCV_CPU_ALL */
    RomcvLogger logger;
    int reserved[16];
} RomcvMetricsSettings;

ROMCV_API void romcv_metrics_default_settings(RomcvMetricsSettings *s);

/* ---------------------------------------------------------------- results */

/* One angle channel over all frames. value_deg[i] is the absolute angle or
 * NaN; relative_deg[i] = value_deg[i] - baseline_deg (NaN when either is);
 * reason[i] is a RomcvAngleReason (OK or INTERPOLATED when there is a value). */
typedef struct RomcvAngleChannel {
    float *value_deg;
    float *relative_deg;
    uint8_t *reason;
    float baseline_deg; /* NaN when no baseline could be taken */
    int is_estimate;    /* 1: markerless estimate (see romcv_angle_info()->estimate) */
    size_t valid;       /* frames with a value */
    /* Where the values come from: metrics picks the source per series (the
     * markers given, else the contours, else the landmarks), so a channel
     * has one; were views to differ, the one of the most frames. */
    RomcvAngleMethod method;
} RomcvAngleChannel;

/* Per-frame swap flags. */
#define ROMCV_SWAP_LEGS 1u /* left and right legs were swapped back */
#define ROMCV_SWAP_ARMS 2u /* left and right arms were swapped back */

typedef struct RomcvAngleResults {
    size_t n;
    double *time_s;                          /* copy of the input times */
    uint8_t *view;                           /* RomcvView per frame (detected, or the forced one) */
    uint8_t *swapped;                        /* ROMCV_SWAP_* bits per frame */
    double baseline_start_s, baseline_end_s; /* the range used; NaN when none */
    RomcvAngleChannel channel[ROMCV_ANGLE_COUNT];
} RomcvAngleResults;

/* Frees the results and sets *results to NULL; NULL-safe. */
ROMCV_API void romcv_angle_results_destroy(RomcvAngleResults **results);

/* Re-takes the baseline over [start_s, end_s] (end <= start: automatic, as in
 * the settings) and recomputes every relative_deg. Returns 0, or
 * ROMCV_E_NOT_FOUND when no range qualifies (baselines are then NaN). */
ROMCV_API int romcv_angle_results_set_baseline(RomcvAngleResults *results, double start_s,
                                               double end_s, const RomcvMetricsSettings *s);

/* ------------------------------------------------------------ the context */

typedef struct RomcvMetrics RomcvMetrics;

/* Validates the settings, detects the CPU and picks the kernels once.
 * Returns 0 and sets *out, or ROMCV_ERR(EINVAL) (diag says which setting) or
 * ROMCV_ERR(ENOMEM); *out stays NULL on failure. */
ROMCV_API int romcv_metrics_create(RomcvMetrics **out, const RomcvMetricsSettings *s,
                                   RomcvDiag *diag);
ROMCV_API void romcv_metrics_destroy(RomcvMetrics **metrics);
/* The last failure's message, "" when none. */
ROMCV_API const char *romcv_metrics_errmsg(const RomcvMetrics *metrics);
/* The kernel level in use: "c", "avx2", "avx512" or "neon". */
ROMCV_API const char *romcv_metrics_simd_name(const RomcvMetrics *metrics);

/* Computes every angle channel for every frame. markers and contours may be
 * NULL. Returns 0 and sets *out (owned by the caller), or a negative code:
 * ROMCV_ERR(EINVAL) for inconsistent input (times not increasing, NULL arrays),
 * ROMCV_ERR(ENOMEM). */
ROMCV_API int romcv_metrics_compute(RomcvMetrics *metrics, const RomcvLandmarkSeries *landmarks,
                                    const RomcvMarkerSeries *markers,
                                    const RomcvContourSeries *contours, RomcvAngleResults **out);

/* The view of one frame from its landmarks (see docs/angles.md, "View"):
 * UNKNOWN when the shoulders or hips are not visible. mirrored and the
 * vertical come from s. */
ROMCV_API RomcvView romcv_metrics_detect_view(const RomcvLandmarkSeries *landmarks, size_t frame,
                                              const RomcvMetricsSettings *s);

/* ---------------------------------------------------------------- filters */

/* Zero-phase 2nd-order Butterworth low-pass (forward and backward), in place.
 * Uneven times: each run of finite samples is resampled linearly onto a
 * uniform grid at its median sample rate, filtered with odd-reflection
 * padding, and interpolated back to the original times. The magnitude
 * response is |H|^2 of the 2nd-order design: -6.02 dB at cutoff_hz (the
 * scipy.signal.filtfilt(butter(2, fc)) convention). NaNs stay NaN. Runs with
 * fewer than 4 samples, or a cut-off at or above 0.45x their rate, are left
 * as they are. Returns 0, ROMCV_ERR(EINVAL) or ROMCV_ERR(ENOMEM). */
ROMCV_API int romcv_filter_butterworth(const double *time_s, float *x, size_t n, double cutoff_hz);

/* One-euro filter (Casiez 2012) for live use, on real timestamps. */
typedef struct RomcvOneEuro {
    double min_cutoff_hz, beta, d_cutoff_hz;
    /* private */
    int started_;
    double t_prev_, x_prev_, dx_prev_;
} RomcvOneEuro;
ROMCV_API void romcv_one_euro_init(RomcvOneEuro *f, double min_cutoff_hz, double beta,
                                   double d_cutoff_hz);
/* Filters one sample at time_s (must increase); a NaN passes through as NaN
 * and restarts the filter at the next finite sample. */
ROMCV_API double romcv_one_euro_step(RomcvOneEuro *f, double time_s, double x);

/* Hampel outlier rejection: a sample further than n_sigmas * 1.4826 * MAD
 * from the median of the samples within +-half_window_s becomes NaN and, if
 * flags is not NULL, flags[i] = 1. Returns the number rejected, or a negative
 * code. */
ROMCV_API long romcv_filter_hampel(const double *time_s, float *x, size_t n, double half_window_s,
                                   double n_sigmas, uint8_t *flags);

/* Fills NaN runs by linear interpolation between the finite samples around
 * them when those two samples are at most max_gap_s apart; longer gaps and
 * the ends stay NaN. fillable (may be NULL) limits filling to samples where
 * fillable[i] != 0. filled[i] (may be NULL) is set to 1 for each filled
 * sample. Returns the number filled. */
ROMCV_API long romcv_filter_fill_gaps(const double *time_s, float *x, size_t n, double max_gap_s,
                                      const uint8_t *fillable, uint8_t *filled);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_METRICS_H */
