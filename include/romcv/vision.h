/*
 * romcv/vision.h: the landmark tracker's models and (as issue 4 lands) the
 * BlazePose pipeline.
 *
 * Models: romcv runs Google's MediaPipe Pose models, pinned to the npm package
 * @mediapipe/pose@0.5.1675469404. scripts/setup.sh fetches them into models/;
 * models/SHA256SUMS pins every file and is compiled into the library, so a
 * model is only used after its SHA-256 matches.
 */
#ifndef ROMCV_VISION_H
#define ROMCV_VISION_H

#include "romcv/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The npm package the models come from. */
#define ROMCV_MODELS_PACKAGE         "@mediapipe/pose"
#define ROMCV_MODELS_PACKAGE_VERSION "0.5.1675469404"

typedef enum RomcvModelId {
    ROMCV_MODEL_DETECTOR = 0,       /* pose_detection.tflite */
    ROMCV_MODEL_LANDMARK_LITE = 1,  /* model_complexity 0 */
    ROMCV_MODEL_LANDMARK_FULL = 2,  /* model_complexity 1, the default */
    ROMCV_MODEL_LANDMARK_HEAVY = 3, /* model_complexity 2 */
    ROMCV_MODEL_COUNT = 4
} RomcvModelId;

typedef struct RomcvModelInfo {
    RomcvModelId id;
    const char *short_name; /* "detector", "lite", "full", "heavy" */
    const char *file_name;  /* "pose_landmark_full.tflite" */
    const char *sha256;     /* pinned sum, 64 hex digits (from models/SHA256SUMS) */
    const char *description;
} RomcvModelInfo;

/* Static description of a model; NULL for an id out of range. */
ROMCV_API const RomcvModelInfo *romcv_model_info(RomcvModelId id);
/* Looks a model up by short name ("lite", "full", "heavy", "detector");
 * returns 0 and sets *id, or ROMCV_E_NOT_FOUND. */
ROMCV_API int romcv_model_from_name(const char *short_name, RomcvModelId *id);

/* Where to look for the models folder, most specific first. Any field may be
 * NULL. An explicit_dir or env_dir that is given must hold the models: romcv
 * does not fall back silently from a folder the user named. */
typedef struct RomcvModelSearch {
    const char *explicit_dir; /* --models DIR */
    const char *env_dir;      /* $ROMCV_MODELS */
    const char *exe_path;     /* the running program, to find ../share/romcv/models */
} RomcvModelSearch;

/* Resolves the models folder into out (size bytes). Returns 0, or
 * ROMCV_E_NOT_FOUND with diag listing where it looked and how to fetch them. */
ROMCV_API int romcv_models_find_dir(const RomcvModelSearch *search, char *out, size_t size,
                                    RomcvDiag *diag);

/* Checks dir/<file> against its pinned SHA-256. Returns 0; ROMCV_E_NOT_FOUND
 * when the file is missing; ROMCV_E_CHECKSUM when the sum differs (diag gives
 * both sums and the remedy); or an I/O error. actual_hex (65 bytes, may be
 * NULL) receives the computed sum. */
ROMCV_API int romcv_model_verify(const char *dir, RomcvModelId id, char *actual_hex,
                                 RomcvDiag *diag);

/* ------------------------------------------------------------ pose tracker */
/*
 * The MediaPipe Pose graph (issue 4): person detector on the letterboxed
 * frame, a rotated square region of interest (ROI) from the detection, the
 * landmark model on a 256x256 crop of it, projection back to the frame, then
 * tracking: the next frame's ROI comes from this frame's (smoothed) auxiliary
 * landmarks until the pose flag drops below min_tracking_confidence, when the
 * detector runs again. Every constant is MediaPipe's (the .c files cite the
 * graph or calculator each comes from), so the answers are MediaPipe's.
 */

#define ROMCV_POSE_LANDMARKS 33 /* body landmarks (MediaPipe's topology) */
#define ROMCV_POSE_KEYPOINTS                                    \
    4 /* detector keypoints: hip centre, full-body scale point, \
       * shoulder centre, upper-body scale point */

/* One landmark. For RomcvPose.landmarks x and y are normalised to the frame
 * (0..1 across its width and height, may fall outside), z is depth relative
 * to the hips in the same scale as x (MediaPipe's convention). For world
 * landmarks x, y, z are metres, origin between the hips, y down. */
typedef struct RomcvLandmark {
    float x, y, z;
    float visibility; /* 0..1: likely visible (not occluded) */
    float presence;   /* 0..1: likely inside the frame */
} RomcvLandmark;

/* A rotated rectangle in normalised frame coordinates, as MediaPipe's
 * NormalizedRect: centre, size (fractions of the frame's width and height)
 * and rotation in radians (clockwise on screen, since y points down). */
typedef struct RomcvPoseRect {
    float x_center, y_center;
    float width, height;
    float rotation; /* rad */
} RomcvPoseRect;

/* One person detection, normalised to the frame. The box is the face box
 * (MediaPipe's pose detector boxes the face); the keypoints are described at
 * ROMCV_POSE_KEYPOINTS. */
typedef struct RomcvPoseDetection {
    float score; /* 0..1 */
    float xmin, ymin, width, height;
    float keypoints[ROMCV_POSE_KEYPOINTS][2]; /* x, y */
} RomcvPoseDetection;

/* The result for one frame. */
typedef struct RomcvPose {
    int found;                                           /* 0: no person in this frame */
    float score;                                         /* pose flag, 0..1 */
    RomcvLandmark landmarks[ROMCV_POSE_LANDMARKS];       /* normalised frame coordinates */
    RomcvLandmark world_landmarks[ROMCV_POSE_LANDMARKS]; /* metres */
    /* Debug data, as MediaPipe's graph outputs them. */
    int has_detection;            /* the detector ran and found someone this frame */
    RomcvPoseDetection detection; /* the one used, when has_detection */
    int has_roi_from_detection;   /* same as has_detection */
    RomcvPoseRect roi_from_detection;
    int has_roi_from_landmarks; /* set when found: the ROI for the next frame */
    RomcvPoseRect roi_from_landmarks;
    RomcvPoseRect roi; /* the ROI the landmark model ran on */
} RomcvPose;

typedef struct RomcvTrackerSettings {
    RomcvModelId model;             /* ROMCV_MODEL_LANDMARK_LITE/FULL/HEAVY; default FULL */
    const char *models_dir;         /* folder with the pinned models (required); borrowed
                                     * for the duration of romcv_tracker_create */
    int static_mode;                /* 1: every frame on its own (detector + landmarks, no
                                     * tracking, no smoothing) */
    int smooth;                     /* 1 (default): one-euro landmark and visibility filters */
    float min_detection_confidence; /* default 0.5 */
    float min_tracking_confidence;  /* default 0.5 */
    int segmentation;               /* 1: compute the person mask (default 0) */
    int has_person;                 /* 1: choose the person at (person_x, person_y) */
    float person_x, person_y;       /* px in the first frame where someone is found */
    int backend;                    /* inference backend: 0 auto, 1 portable C, 2 XNNPACK */
    int threads;                    /* inference threads per model (default 1) */
    RomcvLogger logger;
    int reserved[16];
} RomcvTrackerSettings;

typedef struct RomcvTracker RomcvTracker;

/* Fills settings with the defaults above (models_dir NULL). */
ROMCV_API void romcv_tracker_default_settings(RomcvTrackerSettings *settings);

/* Verifies (SHA-256) and loads the detector and the landmark model from
 * settings->models_dir and prepares them. Returns 0 and sets *out; on failure
 * *out is NULL and the result is a negative code with diag naming the file
 * (ROMCV_E_NOT_FOUND, ROMCV_E_CHECKSUM, ROMCV_E_UNSUPPORTED...). */
ROMCV_API int romcv_tracker_create(RomcvTracker **out, const RomcvTrackerSettings *settings,
                                   RomcvDiag *diag);

/* Runs the graph on one RGB24 frame. Frames must come in time order
 * (frame->time_s drives the smoothing filters). Fills *out (found = 0 when
 * nobody is there). Returns 0 or a negative code (romcv_tracker_errmsg). */
ROMCV_API int romcv_tracker_process(RomcvTracker *tracker, const RomcvFrame *frame, RomcvPose *out);

/* The person mask of the last processed frame, frame-sized, values 0..1, row
 * after row (width * height floats), owned by the tracker and valid until the
 * next call; NULL when segmentation is off or nobody was found. */
ROMCV_API const float *romcv_tracker_segmentation(const RomcvTracker *tracker, int *width,
                                                  int *height);

/* The detail of the last failure ("" if none). */
ROMCV_API const char *romcv_tracker_errmsg(const RomcvTracker *tracker);

/* Forgets the tracked person (the next frame runs the detector). */
ROMCV_API void romcv_tracker_reset(RomcvTracker *tracker);

/* NULL-safe; sets *tracker to NULL. */
ROMCV_API void romcv_tracker_destroy(RomcvTracker **tracker);

/* ------------------------------------------------ side-view silhouette */
/*
 * The posterior contour of a side-view body silhouette (issue 5): the back
 * edge of the person mask, from shoulder level to below the buttocks, which
 * metrics turns into the markerless lumbar lordosis and pelvic tilt
 * estimates (RomcvContourSeries in romcv/metrics.h, docs/angles.md). Pure
 * computation on arrays (vision/silhouette.c); no state, no allocation.
 *
 * Method, per scan line perpendicular to gravity, one line per pixel along
 * "down" from the shoulder's level to below_hip trunk heights under the hip
 * (H, the trunk height, is the shoulder's height above the hip along "up"):
 * the mask is sampled along the line (bilinear, 1 px apart, pixel (i, j)
 * centred at (i + 0.5, j + 0.5) as MediaPipe's masks and landmarks are); the
 * body run is the run of samples >= threshold that contains the trunk axis
 * (the hip-shoulder line, continued straight down below the hip), or else
 * the nearest run within max_offset * H of it; the edge is where that run
 * ends on the posterior side, placed between the two samples by linear
 * interpolation of the threshold crossing (sub-pixel). A line gives no point
 * when no run is near the axis, when the run reaches the frame's edge (the
 * body leaves the frame: its edge is not seen), or when the edge lies within
 * arm_radius * H of an arm segment (see below).
 *
 * Arms. In a side view an arm hanging beside the trunk overlaps it; its own
 * back edge is then inside the trunk's and does no harm. An arm held behind
 * the back either stands apart (a separate run, which the trunk-axis rule
 * ignores) or touches the back, when one run holds both and its posterior
 * end is the arm's edge. A single mask cannot show where the back runs under
 * the arm, so such lines are given up rather than guessed: any edge point
 * closer than arm_radius * H (default 0.12 H, about an upper arm's
 * half-width plus the landmarks' error) to the shoulder-elbow, elbow-wrist or
 * wrist-index segment of either arm is dropped. Without arm landmarks (NaN)
 * that check is off, and an arm touching the back bends the contour.
 */

#define ROMCV_SILHOUETTE_ARM_POINTS 4 /* shoulder, elbow, wrist, index finger */

typedef struct RomcvSilhouetteSettings {
    float threshold;              /* mask level of the body's edge, 0 < t < 1 (default 0.5) */
    float down_x, down_y;         /* gravity "down" in the image, any length (default 0, 1) */
    int posterior;                /* which way the person's back faces: +1 towards "right", the
                                   * image direction down turned 90 deg counter-clockwise on
                                   * screen ((0, 1) -> (1, 0)); -1 the opposite. Required (0 is
                                   * invalid): a person facing image right has posterior -1. */
    float shoulder_x, shoulder_y; /* near-side shoulder landmark, px (required) */
    float hip_x, hip_y;           /* near-side hip landmark, px (required) */
    /* Both arms, [0] left and [1] right (the order does not matter):
     * shoulder, elbow, wrist, index finger, px; NaN where unknown (default). */
    float arm_x[2][ROMCV_SILHOUETTE_ARM_POINTS];
    float arm_y[2][ROMCV_SILHOUETTE_ARM_POINTS];
    float arm_radius;   /* in trunk heights (default 0.12); 0: no arm check */
    float below_hip;    /* how far below the hip the contour goes, in trunk heights
                         * (default 0.35: past the gluteal fold) */
    float max_offset;   /* the body run must lie within this many trunk heights of the
                         * trunk axis (default 0.3) */
    float min_trunk_px; /* trunk heights below this give no contour (default 8 px) */
    int reserved[8];
} RomcvSilhouetteSettings;

/* Fills settings with the defaults above; posterior 0, the landmarks NaN. */
ROMCV_API void romcv_silhouette_default_settings(RomcvSilhouetteSettings *settings);

/* What happened on the scan lines of one call (for diagnostics and tests). */
typedef struct RomcvSilhouetteStats {
    int lines;      /* scan lines tried */
    int points;     /* points written (= *count) */
    int no_body;    /* lines without a body run near the trunk axis */
    int frame_edge; /* lines whose body run reached the frame's edge on the back side */
    int arm;        /* lines whose edge an arm could form (given up) */
    float step_px;  /* spacing of the scan lines along down: 1, or more when max_points
                     * would not hold one line per pixel */
    float trunk_px; /* the trunk height H used, px (0 when none) */
} RomcvSilhouetteStats;

/* The posterior contour of one frame. mask: width x height floats, 0..1, row
 * after row (romcv_tracker_segmentation()), borrowed for the call. Writes up
 * to max_points points (x[k], y[k], px, ordered from the top down along
 * gravity) into the caller's arrays and their number to *count; when one
 * line per pixel would exceed max_points the lines are spread evenly over the
 * same range instead, so memory stays bounded by the caller. *count is 0 (and
 * the return 0) when the frame gives no contour: the shoulder or hip is not a
 * number, the trunk is shorter than min_trunk_px along gravity, or it leans
 * more than 60 deg from the vertical (scan lines across gravity no longer
 * cross the back). stats may be NULL. Returns 0, or ROMCV_ERR(EINVAL) for a
 * NULL array, a size below 1, max_points below 2, or a setting out of range. */
ROMCV_API int romcv_silhouette_posterior_contour(const float *mask, int width, int height,
                                                 const RomcvSilhouetteSettings *settings, float *x,
                                                 float *y, int max_points, int *count,
                                                 RomcvSilhouetteStats *stats);

/* ------------------------------------------------------------ skin markers */
/*
 * Coloured round skin markers (issue 10): flat stickers or small balls on the
 * ASIS, PSIS and spinous processes, found per frame by colour (HSV
 * segmentation through OpenCV), given anatomical names from their
 * arrangement around the BlazePose landmarks, and tracked through the video.
 * romcv_metrics_compute() turns the tracks (a RomcvMarkerSeries) into pelvic
 * tilt, obliquity and lordosis measured on the markers instead of estimated.
 * docs/markers.md explains the method and how to place and film markers.
 *
 * Detection, per frame (vision/markers.c): RGB -> HSV; the pixels inside the
 * colour range form a mask; an optional closing (closing_radius px) can
 * fill a large ball's highlight; each 8-connected region is measured (area,
 * centroid from its
 * image moments, sub-pixel; the ellipse of its second moments; the
 * circularity of its outline). A region is a marker when its equivalent
 * radius sqrt(area / pi) lies in [min_radius_px, max_radius_px], its
 * roundness (minor / major semi-axis: 1 for a disc, cos(angle) for a sticker
 * seen at an angle) is at least min_roundness and its circularity at least
 * min_circularity. Coordinates: pixel (i, j) has its centre at (i + 0.5,
 * j + 0.5), as the landmarks.
 *
 * Colour: a range given by name or numbers (romcv_marker_colour_parse), or
 * "auto": the first auto_frames frames are scanned in twelve 30-degree hue
 * bands of vivid pixels (S >= 0.35, V >= 0.35); in each frame the band with the
 * most marker-shaped regions (ties: the higher mean saturation) gets a vote,
 * and after auto_frames frames the band with the most votes is kept for the
 * rest of the video (a colour found in one frame only, a passing red car, does
 * not win). The range searched is then the winners' mean hue +- 20 deg with
 * S >= 0.2 and V >= 0.3, as for a named colour. A band is only taken when
 * it won at least half the frames with at least two regions a frame on
 * average; otherwise auto decides there are no markers (a warning) and
 * searches nothing. Until the vote ends each frame is searched in the
 * leading band, when it qualifies so far.
 */

/* One marker-shaped region. */
typedef struct RomcvMarkerDetection {
    float x, y;      /* centroid, px */
    float radius;    /* equivalent radius sqrt(area / pi), px */
    float roundness; /* minor / major semi-axis of the moment ellipse, 0..1 */
    float score;     /* 0..1: roundness x circularity x how saturated the colour is; a
                      * ranking, not a probability */
} RomcvMarkerDetection;

typedef struct RomcvMarkerDetectorSettings {
    int auto_colour;       /* 1: pick the colour from the video (above); default 0 */
    float hue_lo, hue_hi;  /* degrees 0..360; hue_lo > hue_hi wraps through red */
    float sat_lo, sat_hi;  /* 0..1 */
    float val_lo, val_hi;  /* 0..1 */
    float min_radius_px;   /* default 1 px: a 14 mm ball 3 m away with a 50 deg lens
                            * at 640 px is about 1.6 px */
    float max_radius_px;   /* default 20 px */
    float min_roundness;   /* default 0.5 (a sticker more than 60 deg from facing the
                            * camera fails) */
    float min_circularity; /* default 0.6 */
    int closing_radius;    /* px, default 0: none (it merges small markers close together;
                            * 1-2 px fills a large ball's highlight) */
    int auto_frames;       /* frames voting in auto mode (default 15) */
    RomcvLogger logger;
    int reserved[8];
} RomcvMarkerDetectorSettings;

/* Defaults above, with the colour range of "green". */
ROMCV_API void romcv_marker_detector_default_settings(RomcvMarkerDetectorSettings *settings);

/* Sets the colour of settings from text: "auto"; a name: red, orange,
 * yellow, green, cyan, blue, magenta (docs/markers.md gives their ranges);
 * or numbers "H1-H2,S1-S2,V1-V2" (hue in degrees, S and V in percent, H1 >
 * H2 wraps through red; "H1-H2,S,V" gives only the lower S and V bounds).
 * Returns 0, or ROMCV_ERR(EINVAL) with a one-line reason in diag. */
ROMCV_API int romcv_marker_colour_parse(const char *text, RomcvMarkerDetectorSettings *settings,
                                        RomcvDiag *diag);

typedef struct RomcvMarkerDetector RomcvMarkerDetector;

/* Checks the settings; buffers are sized at the first frame. Returns 0 and
 * sets *out, or ROMCV_ERR(EINVAL) (diag names the setting) / ENOMEM. */
ROMCV_API int romcv_marker_detector_create(RomcvMarkerDetector **out,
                                           const RomcvMarkerDetectorSettings *settings,
                                           RomcvDiag *diag);

/* Finds the markers in one RGB24 frame: writes up to max detections (best
 * score first) to out and their number to *count. Frames may change size
 * (the buffers follow). Returns 0 or a negative code (errmsg). */
ROMCV_API int romcv_marker_detector_detect(RomcvMarkerDetector *detector, const RomcvFrame *frame,
                                           RomcvMarkerDetection *out, int max, int *count);

/* The colour range in use, in the units of the settings (in auto mode, the
 * band chosen so far; NaN when the vote found no colour standing out as
 * markers, after which nothing is searched); *locked is 1 once auto mode
 * has decided. Any pointer may be NULL. */
ROMCV_API void romcv_marker_detector_colour(const RomcvMarkerDetector *detector, float *hue_lo,
                                            float *hue_hi, int *locked);

ROMCV_API const char *romcv_marker_detector_errmsg(const RomcvMarkerDetector *detector);
/* NULL-safe; sets *detector to NULL. */
ROMCV_API void romcv_marker_detector_destroy(RomcvMarkerDetector **detector);

/*
 * Labelling and tracking (vision/markers_track.c). The labels and their
 * order are those of RomcvMarker in romcv/metrics.h, so a frame's arrays go
 * straight into a RomcvMarkerSeries. Left and right are named as the pose
 * names them: on a mirrored (selfie) video that is the mirror image, which
 * romcv_metrics_compute() undoes for markers and landmarks alike.
 *
 * Body frame: from the pose of the frame, "up" is hip centre -> shoulder
 * centre (the near side's in a side view), H its length in px, "forward" is
 * the facing direction in a side view (nose against the ears, toes against
 * the heels) and the person's left in a front or back view. A detection's
 * body coordinates are (forward, up) from the hip centre in units of H.
 *
 * Labelling (a frame without labelled tracks, or after every track is lost):
 * the candidates are the detections in the pelvic band, -0.25 H to +0.85 H
 * above the hip centre and within 0.6 H of it forward or back.
 *   side view: ASIS = the one candidate 0.06-0.4 H forward of the hip and
 *     -0.05 to 0.45 H above it (two of them within 0.05 H of each other is
 *     ambiguous); posterior = 0.06-0.4 H behind the hip: with four, the
 *     lowest is the near-side PSIS (the PSIS lies at S2, below the S1
 *     spinous process) and the other three from the top are T12, L3, S1;
 *     with three they are T12, L3, S1 only when the lowest is more than
 *     0.12 H above the hip; other counts are ambiguous, and so are spines
 *     that do not look like one (wider than 0.2 H, T12-S1 outside 0.12-0.6
 *     H, a gap under 0.04 H, a PSIS more than 0.2 H below S1).
 *   front view: ASIS left / right = the candidate on each side within
 *     0.1 to 0.5 H of the hip and 0 to 0.45 H above it; both are needed,
 *     level within 0.15 H and 0.25-0.9 H apart (else ambiguous);
 *   back view: PSIS the same way but 0.045 to 0.35 H from the midline
 *     (they are 0.09 H out) and 0.1-0.5 H apart; the spine markers on the
 *     midline (within 0.045 H of it), top to bottom T12, L3, S1 when there
 *     are three.
 * An ambiguous arrangement labels nothing and is reported: the frame is
 * counted and logged as a warning with its time, never guessed.
 *
 * Limb markers (greater trochanter, lateral knee, lateral malleolus, each
 * side; docs/markers.md, "Limb markers"): named one by one, whatever the
 * pelvic arrangement gave, from the pose's landmark of the same side: the
 * trochanter around the hip landmark moved 0.09 H along the thigh (towards
 * the knee landmark) and, in a front or back view, 0.16 H lateral; the knee
 * marker around the knee landmark, 0.10 H lateral in a front or back view;
 * the malleolus around the ankle landmark, 0.07 H lateral. A marker is the
 * one detection within 0.12 H (trochanter) or 0.10 H (knee, malleolus) of
 * that point not claimed by another name; two or more detections in the
 * gate, or one detection in two limb gates, are ambiguous: not named,
 * counted and logged as above. In a side view only the near side's are
 * looked for (the far side's face away and their landmarks project onto
 * the near side's). Their tracks follow the constant-velocity gate below,
 * staying within 1.5 gates of their point instead of the pelvic band;
 * lost for longer than max_gap_s they are named again from the landmark.
 *
 * Tracking: each labelled marker keeps a constant-velocity prediction (its
 * last two positions); a detection is taken when it lies within gate_px +
 * 2 x its speed's step of the prediction, nearest first, each detection
 * going to one label at most (greedy on distance), and only when it is
 * inside the pelvic band of the current pose (limb markers: above). A marker without a match
 * keeps predicting (visibility 0, x and y NaN in the output) for up to
 * max_gap_s; after that its prediction comes from its last body
 * coordinates mapped through the current pose, so it is found again where it
 * belongs on the body and keeps its name. A same-coloured blob elsewhere in
 * the room is outside the band and outside every gate.
 *
 * Confirmation: a name read from the arrangement is only given once the
 * arrangement has given it to the same spot of the body in confirm_frames
 * consecutive frames, the spot staying within confirm_h (in H) of where it
 * sat on the body in the first of them. Skin markers move with the pelvis;
 * spots of the same colour in the room flicker in and out of the
 * arrangement, or stay put while the body moves, and are not named. The
 * frames of the wait are not lost: after the update that confirms a name,
 * romcv_marker_tracker_backfill() gives the positions it held in the
 * confirm_frames - 1 frames before, for a caller that keeps per-frame
 * tracks (the tracker keeps at most ROMCV_MARKER_CONFIRM_MAX positions per
 * label). Names from a labelling file (romcv_marker_tracker_hint) are the
 * user's and are given at once.
 */
#define ROMCV_MARKER_LABELS         13 /* = ROMCV_MARKER_COUNT */

#define ROMCV_MARKER_CONFIRM_MAX    16    /* the most frames a confirmation can take */
#define ROMCV_MARKER_CONFIRM_FRAMES 5     /* default confirm_frames */
#define ROMCV_MARKER_CONFIRM_H      0.08f /* default confirm_h */

typedef struct RomcvMarkerTrackerSettings {
    float gate_px;      /* base gate radius (default 6 px) */
    float gate_h;       /* gate also at least this fraction of H (default 0.04) */
    double max_gap_s;   /* constant-velocity coasting (default 0.5 s) */
    RomcvLogger logger; /* ambiguous arrangements are logged as warnings */
    int confirm_frames; /* consecutive frames that confirm a name, 1 (at once) to
                         * ROMCV_MARKER_CONFIRM_MAX (default ROMCV_MARKER_CONFIRM_FRAMES) */
    float confirm_h;    /* how far the spot may move on the body meanwhile, in H
                         * (default ROMCV_MARKER_CONFIRM_H) */
    int reserved[6];
} RomcvMarkerTrackerSettings;

/* The labelled markers of one frame. */
typedef struct RomcvMarkerFrame {
    float x[ROMCV_MARKER_LABELS], y[ROMCV_MARKER_LABELS]; /* px; NaN when not seen */
    float visibility[ROMCV_MARKER_LABELS];                /* 1 seen, 0 not */
    int ambiguous; /* 1: this frame's arrangement could not be labelled */
    int view;      /* RomcvView used (romcv/metrics.h values; 0 unknown) */
} RomcvMarkerFrame;

typedef struct RomcvMarkerTracker RomcvMarkerTracker;

ROMCV_API void romcv_marker_tracker_default_settings(RomcvMarkerTrackerSettings *settings);
ROMCV_API int romcv_marker_tracker_create(RomcvMarkerTracker **out,
                                          const RomcvMarkerTrackerSettings *settings,
                                          RomcvDiag *diag);
/* One frame: its time (increasing), the tracker's pose for it (NULL or
 * found = 0 when no person: markers are then only followed by their gates),
 * the frame's size and its detections. Fills *out. Returns 0 or
 * ROMCV_ERR(EINVAL). */
ROMCV_API int romcv_marker_tracker_update(RomcvMarkerTracker *tracker, double time_s,
                                          const RomcvPose *pose, int width, int height,
                                          const RomcvMarkerDetection *detections, int count,
                                          RomcvMarkerFrame *out);
/* Frames found ambiguous so far. */
ROMCV_API long romcv_marker_tracker_ambiguous_frames(const RomcvMarkerTracker *tracker);

/* After an update: when it confirmed label's name (above), the number of
 * frames before that update's frame the name now covers, and their
 * positions, x[j], y[j] for the frame j + 1 before (up to max of them; x
 * and y may be NULL to ask only the number); 0 when it confirmed nothing.
 * A caller keeping per-frame tracks writes them back, so a marker is named
 * from its first confirmed frame. */
ROMCV_API int romcv_marker_tracker_backfill(const RomcvMarkerTracker *tracker, int label, float *x,
                                            float *y, int max);

/* Where the user says a marker is in the first frames (a labelling file),
 * for arrangements the rules cannot name. Until ROMCV_MARKER_HINT_S after
 * the first frame, a marker not yet named takes the nearest detection
 * within max(ROMCV_MARKER_HINT_PX, 0.1 H) of its hint, before the
 * arrangement is read (which then names only the others, and only when it
 * agrees). Call before the first update; label is a RomcvMarker; NaN
 * clears the hint. Returns 0 or ROMCV_ERR(EINVAL). */
#define ROMCV_MARKER_HINT_S  1.0
#define ROMCV_MARKER_HINT_PX 15.0f
ROMCV_API int romcv_marker_tracker_hint(RomcvMarkerTracker *tracker, int label, float x, float y);

/* Reads a labelling file: a JSON object of marker names (asis_left,
 * asis_right, psis_left, psis_right, t12, l3, s1, trochanter_left,
 * trochanter_right, knee_left, knee_right, malleolus_left,
 * malleolus_right: RomcvMarker's order) to [x, y] pixel
 * positions in the first frame, e.g. {"asis_right": [342, 217], "s1": [300,
 * 199]}. Writes the positions to x and y (NaN for markers not listed).
 * Returns 0, or a negative code with one line in diag naming the file, line
 * and problem (unknown name, not two numbers). */
ROMCV_API int romcv_marker_hints_load(const char *path, float x[ROMCV_MARKER_LABELS],
                                      float y[ROMCV_MARKER_LABELS], RomcvDiag *diag);
/* The same from size bytes of text in memory (not NUL-terminated), name
 * standing for the file in messages (NULL: "labelling file"). On failure x
 * and y are all NaN: a file that fails names nothing. */
ROMCV_API int romcv_marker_hints_parse(const char *text, size_t size, const char *name,
                                       float x[ROMCV_MARKER_LABELS], float y[ROMCV_MARKER_LABELS],
                                       RomcvDiag *diag);
/* NULL-safe; sets *tracker to NULL. */
ROMCV_API void romcv_marker_tracker_destroy(RomcvMarkerTracker **tracker);

/* ------------------------------------------------------ ArUco skin markers */
/*
 * Printed square fiducials (ArUco, Garrido-Jurado et al. 2014) as skin
 * markers (vision/aruco.c; docs/markers.md, "ArUco markers"), found through
 * OpenCV 4.6's aruco module. A marker's name is its id, so no arrangement
 * rules and no tracking are needed: each frame stands alone.
 *
 * Convention: dictionary DICT_4X4_50 (4 x 4 bits, 50 markers); ids 0..12 are
 * the markers in RomcvMarker order (romcv/metrics.h): 0 asis_left,
 * 1 asis_right, 2 psis_left, 3 psis_right, 4 t12, 5 l3, 6 s1,
 * 7 trochanter_left, 8 trochanter_right, 9 knee_left, 10 knee_right,
 * 11 malleolus_left, 12 malleolus_right (as the phantom draws them). Other
 * ids are ignored. Left and right are the patient's own, printed on the marker,
 * whatever the view.
 *
 * Position: the centre of the printed square, the crossing of the diagonals
 * of its four corners (found by detectMarkers, refined to sub-pixel with
 * CORNER_REFINE_SUBPIX); the crossing of the diagonals is the projection of
 * the square's centre under any perspective, the mean of the corners is
 * not. Coordinates: pixel (i, j) centred at (i + 0.5, j + 0.5), as the
 * landmarks.
 *
 * An id seen twice in one frame (a spare sheet in the room, two markers
 * printed with one id) is ambiguous: that label is not set in that frame
 * (NaN, visibility 0), the frame is counted and a warning with its time is
 * logged; neither copy is guessed. A marker not found is NaN, visibility 0.
 *
 * No pelvic-band check against the pose: an id cannot be confused with a
 * stray spot as a colour can, and a duplicate is reported, not taken. A
 * marker printed with the right id somewhere else in the picture is taken
 * for that marker: keep spare markers out of view.
 */

typedef struct RomcvArucoSettings {
    float min_side_px;  /* smallest printed square searched, px (default 8: below about
                         * 1.5 px a cell the bits cannot be read anyway) */
    int refine_half_px; /* corner refinement window, half side px (default 2: it must stay
                         * inside the black border's cell, or the pattern's inner edges
                         * pull the corner) */
    RomcvLogger logger; /* ambiguous (duplicate) ids are logged as warnings */
    int reserved[8];
} RomcvArucoSettings;

/* Defaults above. */
ROMCV_API void romcv_aruco_default_settings(RomcvArucoSettings *settings);

typedef struct RomcvArucoDetector RomcvArucoDetector;

/* Checks the settings (copied: the caller keeps its own). Returns 0 and
 * sets *out, owned by the caller (romcv_aruco_destroy), or
 * ROMCV_ERR(EINVAL) (diag names the setting) / ENOMEM. */
ROMCV_API int romcv_aruco_create(RomcvArucoDetector **out, const RomcvArucoSettings *settings,
                                 RomcvDiag *diag);

/* Finds the markers in one RGB24 frame (borrowed for the call) and fills
 * *out: every label's position and visibility, ambiguous 1 when some id was
 * seen twice, view 0 (the detector does not use the pose). Returns 0 or a
 * negative code (errmsg). */
ROMCV_API int romcv_aruco_detect(RomcvArucoDetector *detector, const RomcvFrame *frame,
                                 RomcvMarkerFrame *out);

/* Frames with an id seen twice so far, and how often each label was
 * ambiguous (label: a RomcvMarker; -1 for the total over labels). */
ROMCV_API long romcv_aruco_ambiguous_frames(const RomcvArucoDetector *detector, int label);

ROMCV_API const char *romcv_aruco_errmsg(const RomcvArucoDetector *detector);
/* NULL-safe; sets *detector to NULL. */
ROMCV_API void romcv_aruco_destroy(RomcvArucoDetector **detector);

/* Writes a printable A4 sheet (PNG, dpi dots per inch) of the thirteen
 * markers (squares over 25 mm do not fit on one page: then the seven pelvic
 * and spinal ones go to path and the six limb ones to path with "-limbs.png"
 * for ".png"): each printed square size_mm wide in a two-cell white quiet zone
 * with a grey cutting line around it, labelled with its id and anatomical
 * name, and a 100 mm scale bar to check that the printer kept the scale.
 * path must end in .png; it is written under a temporary name and renamed.
 * Returns 0, or ROMCV_ERR(EINVAL) with one line in diag (a size that does
 * not fit on the page names the largest that does), or an I/O code. */
#define ROMCV_ARUCO_SHEET_MM 24.0 /* default size_mm: the phantom's squares */
ROMCV_API int romcv_aruco_sheet_write(const char *path, double size_mm, double dpi,
                                      RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_VISION_H */
