/*
 * romcv/calib.h: the camera set-up, corrected where it can be and checked
 * where it cannot (issue 9).
 *
 * 2D angles are only as good as the camera: a tilted phone adds its roll to
 * every "vertical", a wide-angle lens bends limbs near the edges, and a camera
 * oblique to the movement plane shrinks angles. This module provides
 * - the camera model (pinhole intrinsics plus Brown-Conrady distortion), its
 *   versioned JSON file (docs/camera-file.md) and point undistortion;
 * - chessboard calibration from frames (OpenCV calib3d, through the bridge);
 * - the true vertical (camera roll) from a marked line or a board, handed to
 *   metrics as RomcvMetricsSettings.down_x/down_y;
 * - scale in metres per pixel (two points, a board, the person's height);
 * - recording checks that turn a badly set-up clip into warnings with advice.
 *
 * Pixel coordinates are those of the upright frame (x right, y down, the
 * centre of the top-left pixel is (0, 0), as in OpenCV).
 */
#ifndef ROMCV_CALIB_H
#define ROMCV_CALIB_H

#include "romcv/core.h"
#include "romcv/metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ camera model */

/* The camera file's format version (docs/camera-file.md). A reader accepts
 * exactly the versions it knows. */
#define ROMCV_CAMERA_FILE_VERSION 1

/* Pinhole intrinsics and the Brown-Conrady distortion of OpenCV's model
 * (calib3d docs, "Camera Calibration and 3D Reconstruction"): with normalised
 * undistorted coordinates (x, y) and r2 = x^2 + y^2,
 *   xd = x (1 + k1 r2 + k2 r2^2 + k3 r2^3) + 2 p1 x y + p2 (r2 + 2 x^2)
 *   yd = y (1 + k1 r2 + k2 r2^2 + k3 r2^3) + p1 (r2 + 2 y^2) + 2 p2 x y
 *   u = fx xd + cx,  v = fy yd + cy. */
typedef struct RomcvCameraModel {
    int width, height;          /* px: the image size the model was calibrated for */
    double fx, fy;              /* focal lengths, px */
    double cx, cy;              /* principal point, px */
    double k1, k2, p1, p2, k3;  /* distortion (dimensionless) */
    double reprojection_rms_px; /* RMS reprojection error of the calibration; 0 unknown */
    int views;                  /* board views the calibration used; 0 unknown */
} RomcvCameraModel;

/* A model with no distortion, principal point at the image centre and both
 * focal lengths focal_px. */
ROMCV_API void romcv_calib_camera_ideal(RomcvCameraModel *camera, int width, int height,
                                        double focal_px);

/* Checks every field's range. Returns 0, or ROMCV_E_INVALID_DATA with diag
 * saying which field ("fx must be positive, got -3"), prefixed by label
 * ("camera.json: ") when label is not NULL. */
ROMCV_API int romcv_calib_camera_validate(const RomcvCameraModel *camera, const char *label,
                                          RomcvDiag *diag);

/* Adapts camera to frames of width x height. The same size needs nothing;
 * the same aspect ratio (within 0.5%, a camera that scales its sensor image
 * to a smaller video mode) scales fx, fy, cx, cy; the transposed size (a
 * portrait video from a landscape calibration) is refused, as is any other,
 * with ROMCV_E_INVALID_DATA and a message naming label and both sizes: a
 * cropped mode changes the principal point in a way no file records. */
ROMCV_API int romcv_calib_camera_fit_to(RomcvCameraModel *camera, int width, int height,
                                        const char *label, RomcvDiag *diag);

/* Writes the camera file (docs/camera-file.md) at path, under a temporary
 * name in the same folder renamed into place when complete. Validates first.
 * Returns 0 or a negative code with diag naming the file. */
ROMCV_API int romcv_calib_camera_save(const RomcvCameraModel *camera, const char *path,
                                      RomcvDiag *diag);

/* Reads and validates a camera file. On success fills *camera and returns 0;
 * on failure *camera is untouched and the result is ROMCV_E_INVALID_DATA
 * ("camera.json:4:9: fx must be positive", "camera.json: version 2 is newer
 * than this romcv (1)"), ROMCV_E_NOT_FOUND or ROMCV_ERR(errno). */
ROMCV_API int romcv_calib_camera_load(RomcvCameraModel *camera, const char *path, RomcvDiag *diag);
/* The same from size bytes of text; label names it in messages. */
ROMCV_API int romcv_calib_camera_parse(RomcvCameraModel *camera, const char *text, size_t size,
                                       const char *label, RomcvDiag *diag);

/* Where the lens puts an ideal (undistorted) pixel: applies the model above.
 * Pure arithmetic, no checks. */
ROMCV_API void romcv_calib_distort_point(const RomcvCameraModel *camera, double x, double y,
                                         double *xd, double *yd);

/* The inverse: the ideal pinhole pixel (same fx, fy, cx, cy) that the lens
 * imaged at (xd, yd). Iterative (Gauss-Newton on the model, at most 50 steps),
 * to better than 1e-6 px within the calibrated field of view. Returns 0, or
 * ROMCV_E_INVALID_DATA when the iteration does not converge (a point far
 * outside the image, or a model that folds over); the outputs are then NaN.
 * NaN inputs give NaN outputs and return 0 (a missing landmark stays missing). */
ROMCV_API int romcv_calib_undistort_point(const RomcvCameraModel *camera, double xd, double yd,
                                          double *x, double *y);

/* Undistorts n points in place (NaN stays NaN; a point that does not
 * converge becomes NaN). Returns the number of points that became NaN. */
ROMCV_API size_t romcv_calib_undistort_points(const RomcvCameraModel *camera, float *x, float *y,
                                              size_t n);

/* ------------------------------------------------------------- calibration */

typedef struct RomcvCalibSettings {
    int board_cols;          /* inner corners along a row (the "9" of 9x6), >= 3 */
    int board_rows;          /* inner corners along a column, >= 3 */
    double square_mm;        /* side of one square, > 0 */
    int min_views;           /* fewest usable views accepted (default 5) */
    int max_views;           /* views used at most, spread over those found (default 30):
                              * calibrateCamera's cost grows with views */
    double max_rms_px;       /* calibrations with a larger RMS reprojection error
                              * are rejected (default 1.0 px) */
    double min_view_spacing; /* a view whose corners moved less than this fraction of
                              * the image diagonal since the last kept view adds
                              * nothing and is skipped (default 0.02) */
    RomcvLogger logger;
    int reserved[8];
} RomcvCalibSettings;

ROMCV_API void romcv_calib_default_settings(RomcvCalibSettings *settings);

typedef struct RomcvCalibrator RomcvCalibrator;

/* Returns 0 and sets *out, or ROMCV_ERR(EINVAL) (diag says which setting) or
 * ROMCV_ERR(ENOMEM); *out stays NULL on failure. */
ROMCV_API int romcv_calibrator_create(RomcvCalibrator **out, const RomcvCalibSettings *settings,
                                      RomcvDiag *diag);

/* Looks for the board in one RGB24 or GRAY8 frame (not kept). Returns 1 when
 * a view was kept, 0 when the board was not found or the view was too close
 * to the previous one, or a negative code (romcv_calibrator_errmsg). Every
 * frame must have the size of the first. */
ROMCV_API int romcv_calibrator_add_frame(RomcvCalibrator *calibrator, const RomcvFrame *frame);

/* Frames offered and views kept so far. */
ROMCV_API void romcv_calibrator_counts(const RomcvCalibrator *calibrator, int *frames, int *views);

/* The corners of kept view index (cols * rows points, row after row, as
 * OpenCV orders them), distorted image pixels; NULL when out of range. The
 * arrays belong to the calibrator. */
ROMCV_API const float *romcv_calibrator_corners(const RomcvCalibrator *calibrator, int index,
                                                const float **y);

/* Calibrates from the kept views. Returns 0 and fills *camera; or
 * ROMCV_E_NOT_FOUND (the board was never found: wrong --board size?),
 * ROMCV_E_INVALID_DATA (fewer than min_views views, or RMS error above
 * max_rms_px; *camera is still filled so the caller can report it),
 * ROMCV_E_EXTERNAL. The message is in romcv_calibrator_errmsg. */
ROMCV_API int romcv_calibrator_solve(RomcvCalibrator *calibrator, RomcvCameraModel *camera);

ROMCV_API const char *romcv_calibrator_errmsg(const RomcvCalibrator *calibrator);

/* NULL-safe; sets *calibrator to NULL. */
ROMCV_API void romcv_calibrator_destroy(RomcvCalibrator **calibrator);

/* ---------------------------------------------------------------- vertical */

/* Gravity's "down" in the image from a line known to be vertical (a plumb
 * line, a door frame), given by two points in either order. When camera is
 * not NULL the points are undistorted first. The result is a unit vector
 * pointing down the image (down_y > 0), ready for RomcvMetricsSettings.
 * Returns 0, or ROMCV_ERR(EINVAL) for a line shorter than 10 px or more than
 * 45 deg from the image vertical (a horizontal line is not a vertical). */
ROMCV_API int romcv_calib_vertical_from_line(const RomcvCameraModel *camera, double x1, double y1,
                                             double x2, double y2, float *down_x, float *down_y,
                                             RomcvDiag *diag);

/* "down" from a chessboard hung level on a wall (its columns vertical),
 * from cols * rows corners ordered as romcv_calibrator_corners gives them.
 * With a camera (undistorted first), the direction from the principal point
 * to the columns' vanishing point: the camera's roll, right even when the
 * camera is pitched and the columns converge. Without one, the mean
 * direction of the columns. Same result convention and errors as from_line. */
ROMCV_API int romcv_calib_vertical_from_board(const RomcvCameraModel *camera, const float *x,
                                              const float *y, int cols, int rows, float *down_x,
                                              float *down_y, RomcvDiag *diag);

/* "down" from the scene's dominant vertical lines (door frames, wall
 * corners, shelves): straight edges within 20 deg of the image vertical, the
 * length-weighted median of their directions, then the mean (or, with a
 * camera, the vanishing point seen from the principal point) of those
 * within 2 deg of it. Only as good as the scene: use it when asked, and
 * prefer a plumb line. Returns 0, ROMCV_E_NOT_FOUND (fewer than 2 vertical
 * edges, or less than 20% of the frame height of them in total) or a
 * negative code. */
ROMCV_API int romcv_calib_vertical_from_scene(const RomcvCameraModel *camera,
                                              const RomcvFrame *frame, float *down_x, float *down_y,
                                              RomcvDiag *diag);

/* The camera roll in degrees for a "down" direction: atan2(down_x, down_y),
 * so that down = (sin roll, cos roll) as metrics expects. Positive when the
 * true vertical leans to the image right at the bottom. */
ROMCV_API double romcv_calib_roll_deg(float down_x, float down_y);

/* ------------------------------------------------------------------- scale */

/* Anthropometric fractions of standing height H (Winter, Biomechanics and
 * Motor Control of Human Movement, 4th ed. 2009, fig. 4.1, after Drillis and
 * Contini 1966): eye level 0.936 H, chin 0.870 H, ankle 0.039 H. The nose tip
 * sits between eye and chin, about 0.91 H, so the nose-to-ankle span of an
 * upright person is about 0.871 H. */
#define ROMCV_CALIB_NOSE_TO_ANKLE_OF_HEIGHT 0.871

/* Metres per pixel from two points distance_m apart in the movement plane
 * (undistorted first when camera is not NULL). Returns 0 or ROMCV_ERR(EINVAL)
 * (points closer than 10 px, distance not positive). */
ROMCV_API int romcv_calib_scale_from_points(const RomcvCameraModel *camera, double x1, double y1,
                                            double x2, double y2, double distance_m,
                                            double *metres_per_px, RomcvDiag *diag);

/* Metres per pixel from a board in the movement plane: the mean distance
 * between neighbouring corners against square_mm. */
ROMCV_API int romcv_calib_scale_from_board(const RomcvCameraModel *camera, const float *x,
                                           const float *y, int cols, int rows, double square_mm,
                                           double *metres_per_px, RomcvDiag *diag);

/* Metres per pixel from the person's known height: the nose-to-ankle span
 * (nose to the mid-point of the visible ankles) in the frames where it is
 * longest (its 90th percentile, so crouched frames and outliers do not
 * count), against ROMCV_CALIB_NOSE_TO_ANKLE_OF_HEIGHT * height_m. The series
 * should already be undistorted. Returns 0, ROMCV_ERR(EINVAL) or
 * ROMCV_E_NO_PERSON (no frame with nose and an ankle). */
ROMCV_API int romcv_calib_scale_from_height(const RomcvLandmarkSeries *landmarks, double height_m,
                                            double *metres_per_px, RomcvDiag *diag);

/* ------------------------------------------------------- recording checks */

/* Image statistics of one frame, for the blur and exposure checks. */
typedef struct RomcvFrameQuality {
    double sharpness;     /* variance of the Laplacian of the luma (Pech-Pacheco et al.
                           * 2000); low means blurred */
    double mean_luma;     /* 0..255 */
    double dark_fraction; /* pixels with luma <= 10 */
    double clip_fraction; /* pixels with luma >= 250 */
} RomcvFrameQuality;

/* Measures one RGB24 or GRAY8 frame. Returns 0 or a negative code. */
ROMCV_API int romcv_calib_frame_quality(const RomcvFrame *frame, RomcvFrameQuality *out,
                                        RomcvDiag *diag);

typedef enum RomcvCheckId {
    ROMCV_CHECK_FRAMING = 0, /* a landmark the protocol needs leaves the frame */
    ROMCV_CHECK_PERSON_SMALL,
    ROMCV_CHECK_ROLL,
    ROMCV_CHECK_OBLIQUE,
    ROMCV_CHECK_FPS,
    ROMCV_CHECK_BLUR,
    ROMCV_CHECK_EXPOSURE,
    ROMCV_CHECK_COUNT
} RomcvCheckId;

/* "framing", "person_small", "roll", "oblique", "fps", "blur", "exposure". */
ROMCV_API const char *romcv_calib_check_name(RomcvCheckId id);

typedef struct RomcvCheckInput {
    const RomcvLandmarkSeries *landmarks; /* may be NULL: landmark checks are skipped */
    int width, height;                    /* px of the frames (required with landmarks) */
    const int *required;                  /* the protocol's landmarks (ROMCV_LM_*); NULL:
                                           * shoulders, hips, knees, ankles */
    int required_count;
    int has_plane;        /* 1: plane is the view the protocol needs (else no oblique check) */
    RomcvPlane plane;     /* SAGITTAL: a side view; FRONTAL: a front or back view */
    int has_down;         /* 1: down_x/down_y is the measured vertical */
    float down_x, down_y; /* from the camera file or romcv_calib_vertical_* */
    const RomcvFrameQuality *quality; /* per sampled frame; may be NULL */
    size_t quality_count;
} RomcvCheckInput;

typedef struct RomcvCheckSettings {
    double max_outside_fraction; /* framing: share of frames a landmark may be
                                  * outside or within 1% of an edge (default 0.05) */
    double min_person_fraction;  /* person (nose-to-ankle / 0.871) shorter than this
                                  * share of the frame height (default 0.4) */
    double min_person_px;        /* ... or than this many pixels (default 300) */
    double max_roll_deg;         /* default 3 deg */
    double max_oblique_deg;      /* default 30 deg (clinical.md: 90 deg preferred,
                                  * Kinovea angles valid down to 45 deg) */
    double min_fps;              /* default 25 Hz (clinical.md: 120 Hz for running) */
    double min_sharpness;        /* median Laplacian variance (default 20) */
    double min_mean_luma;        /* default 40 */
    double max_mean_luma;        /* default 220 */
    double max_clip_fraction;    /* dark or clipped share of pixels (default 0.25) */
    int reserved[8];
} RomcvCheckSettings;

ROMCV_API void romcv_calib_check_default_settings(RomcvCheckSettings *settings);

typedef struct RomcvCheckWarning {
    RomcvCheckId id;
    double value;      /* what was measured (deg, px, Hz, fraction...) */
    double limit;      /* the threshold it crossed */
    char message[256]; /* "the left ankle is outside the frame in 18% of frames" */
    char advice[256];  /* "move the camera back or zoom out until ..." */
} RomcvCheckWarning;

/* Runs every check that has its inputs and writes at most max warnings to
 * out (in RomcvCheckId order), their number to *count. A clip that passes
 * gives *count = 0. Landmark checks need input->landmarks; the oblique one
 * has_plane, the roll one has_down, the image ones quality. Blur is not
 * reported alongside an exposure warning: the Laplacian's variance falls
 * with contrast, so dark frames read as blurred too.
 * Returns 0 or ROMCV_ERR(EINVAL); settings NULL means the defaults. */
ROMCV_API int romcv_calib_check_recording(const RomcvCheckInput *input,
                                          const RomcvCheckSettings *settings,
                                          RomcvCheckWarning *out, int max, int *count,
                                          RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_CALIB_H */
