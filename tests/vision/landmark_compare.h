/*
 * tests/vision/landmark_compare.h: compares pose landmark JSONL files in the
 * schema of the MediaPipe references in ../shared/reference (one JSON object
 * per frame: frame, timestamp_ms, width, height, landmarks, world_landmarks,
 * debug), as `romcv landmarks --out` writes them, against such a reference.
 *
 * Used by the tests and by bench/compare_landmarks; not part of the library.
 * Names take the lmc_ prefix (landmark comparison).
 *
 * Metrics, frames matched by their "frame" index (issue 4's acceptance):
 *  (a) frames where one file has a pose and the other has none, as % of the
 *      reference's frames (a frame missing from the candidate has no pose);
 *  (b) for each landmark whose reference visibility is > 0.5, on frames where
 *      both have a pose: the distance between candidate and reference in
 *      pixels (x * width, y * height) divided by the frame's larger side, in
 *      %; median and 95th percentile over all such landmarks pooled;
 *  (c) knee and hip angles of each side in 2D pixel coordinates: knee = the
 *      interior angle at the knee between knee->hip and knee->ankle; hip =
 *      the interior angle at the hip between hip->shoulder and hip->knee (same
 *      side); |candidate - reference| in degrees, on frames where both have a
 *      pose and all three landmarks of the angle have reference
 *      visibility > 0.5.
 * Also per-landmark medians, the worst frames, and, when both files carry
 * "debug", the differences stage by stage: the detection (score, box,
 * keypoints), roi_from_detection and roi_from_landmarks (centre, size,
 * rotation), so that a landmark residual can be traced to the stage that
 * introduced it.
 *
 * Percentiles interpolate linearly between order statistics (numpy's default).
 */
#ifndef ROMCV_TESTS_LANDMARK_COMPARE_H
#define ROMCV_TESTS_LANDMARK_COMPARE_H

#include "romcv/core.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LMC_LANDMARKS 33
#define LMC_WORST     5

/* A normalised rectangle as MediaPipe's NormalizedRect: centre and size as
 * fractions of the frame's width and height, rotation in radians. */
typedef struct LmcRect {
    double x_center, y_center, width, height, rotation;
} LmcRect;

/* One line of a JSONL file. */
typedef struct LmcFrame {
    int64_t frame;                             /* "frame" index, the key frames are matched by */
    double timestamp_ms;                       /* presentation time; NaN when null or absent */
    int width, height;                         /* px */
    int has_pose;                              /* "landmarks" is an array (null: no person) */
    double x[LMC_LANDMARKS], y[LMC_LANDMARKS]; /* fractions of width, height */
    double z[LMC_LANDMARKS];
    double visibility[LMC_LANDMARKS]; /* 0..1; null reads as 0 */
    int has_debug;                    /* "debug" is an object */
    int has_detection;                /* debug.detection is not null */
    double detection_score;
    double detection_box[4];          /* xmin, ymin, width, height; fractions */
    double detection_keypoints[4][2]; /* x, y; fractions */
    int has_roi_detection, has_roi_landmarks;
    LmcRect roi_detection, roi_landmarks;
} LmcFrame;

/* A whole file, frames sorted by index. */
typedef struct LmcSeries {
    LmcFrame *frames;
    size_t count;
} LmcSeries;

/* Loads a JSONL file (or size bytes of text; label names it in messages).
 * Blank lines are skipped; each other line must hold one frame object with
 * integral frame >= 0, positive width and height, and landmarks null or 33
 * objects with numeric x, y, z. Frame indices must be unique.
 * Returns 0 and fills *out (free with lmc_series_free), or a negative code
 * with diag naming the file and line ("ref.jsonl:12:40: ..."); *out is then
 * empty. */
int lmc_load_file(LmcSeries *out, const char *path, RomcvDiag *diag);
int lmc_load_buffer(LmcSeries *out, const char *text, size_t size, const char *label,
                    RomcvDiag *diag);
/* Frees the frames; NULL-safe; leaves *series empty. */
void lmc_series_free(LmcSeries *series);

/* Pass/fail thresholds. */
typedef struct LmcTargets {
    double max_mismatch_pct;     /* (a), % of reference frames */
    double max_median_pct;       /* (b) median, % of the larger side */
    double max_p95_pct;          /* (b) 95th percentile */
    double max_angle_median_deg; /* (c) median of each of the four angles */
} LmcTargets;

/* Issue 4's targets: median <= 0.15 %, p95 <= 0.5 %, angles <= 1 deg. The
 * issue sets no number for (a); 1 % (6 frames of squat_side) is this tool's
 * choice, a failure of detection rather than of precision. */
LmcTargets lmc_default_targets(void);

typedef struct LmcStats {
    size_t n;
    double median, p95, mean, max; /* 0 when n == 0 */
} LmcStats;

enum { LMC_LEFT_KNEE, LMC_RIGHT_KNEE, LMC_LEFT_HIP, LMC_RIGHT_HIP, LMC_ANGLES };

typedef struct LmcWorstFrame {
    int64_t frame;
    double max_pct;    /* largest landmark distance in that frame, % */
    int max_landmark;  /* which landmark */
    double median_pct; /* the frame's median landmark distance, % */
} LmcWorstFrame;

/* Differences of one debug stage on frames where both files have debug. */
typedef struct LmcStage {
    size_t both;           /* frames where the stage has a value in both files */
    size_t one_only;       /* frames where only one file has it: the detector
                            * ran (or the ROI existed) in one run only */
    LmcStats center_pct;   /* box or ROI centre distance, % of larger side */
    LmcStats size_pct;     /* larger of |dw| * width, |dh| * height, % */
    LmcStats rotation_deg; /* ROIs: |rotation difference|, wrapped to 180 */
    LmcStats keypoint_pct; /* detection: mean keypoint distance, % */
    LmcStats score_abs;    /* detection: |score difference| */
} LmcStage;

typedef struct LmcResult {
    size_t reference_frames, candidate_frames;
    size_t matched_frames;       /* indices in both files */
    size_t missing_in_candidate; /* reference frames the candidate lacks */
    size_t extra_in_candidate;   /* candidate frames the reference lacks (ignored) */
    size_t mismatch_frames;      /* (a) */
    double mismatch_pct;
    size_t both_pose_frames;
    LmcStats distance_pct; /* (b) pooled, % of the larger side */
    LmcStats distance_px;  /* the same in pixels */
    LmcStats landmark_pct[LMC_LANDMARKS];
    LmcStats angle_deg[LMC_ANGLES]; /* (c) */
    LmcStats angle_all_deg;         /* the four pooled */
    LmcWorstFrame worst[LMC_WORST]; /* largest max_pct first */
    size_t worst_count;
    size_t debug_frames; /* frames where both have debug */
    LmcStage detection, roi_from_detection, roi_from_landmarks;
    int pass_mismatch, pass_median, pass_p95, pass_angles, pass;
} LmcResult;

/* Compares candidate with reference (targets NULL: the defaults) and fills
 * *out. Returns 0, or a negative code when the files cannot be compared
 * (a frame's size differs between them; out of memory), with diag. */
int lmc_compare(const LmcSeries *candidate, const LmcSeries *reference, const LmcTargets *targets,
                LmcResult *out, RomcvDiag *diag);

/* The report for people: every metric, PASS/FAIL per target and overall. */
void lmc_print_text(FILE *file, const LmcResult *result, const LmcTargets *targets);
/* The same as one JSON object (pretty-printed). Returns 0 or a write error. */
int lmc_write_json(FILE *file, const LmcResult *result, const LmcTargets *targets, RomcvDiag *diag);

/* "nose", "left_eye_inner", ... for index 0..32, "?" otherwise. */
const char *lmc_landmark_name(int index);

#endif /* ROMCV_TESTS_LANDMARK_COMPARE_H */
