/*
 * cli/silhouette_series.h: the posterior body contour of every side-view
 * frame, for the markerless pelvic tilt and lumbar lordosis estimates
 * (issue 5). `romcv analyze` runs the tracker with its person mask in side
 * views, takes each frame's contour while the mask is still valid
 * (romcv_silhouette_posterior_contour, vision.h), and hands the whole series
 * to romcv_metrics_compute() as a RomcvContourSeries.
 *
 * The mask costs: on a 90-frame 640x480 phantom clip `romcv analyze` took
 * 3.1 s of CPU with it against 1.5 s without (Release, one inference
 * thread; half the extra is vision turning the 256x256 logits into a
 * frame-sized mask, pixel by pixel). So with --view left or right the tracker computes it from the
 * first frame, and with the view detected per frame (the default) the
 * tracker starts without it and is re-created with it once SIDE_FRAMES
 * frames in a row are side views: a front-view analysis pays nothing, a
 * side-view one loses the contour of its first few frames (and the tracker
 * re-detects the person once). --view front or back, --silhouette off, or
 * mirrored video (metrics does not reflect contour points with the
 * landmarks yet) turn it off.
 *
 * Per frame: the view is --view, or else detected from that frame's
 * landmarks (romcv_metrics_detect_view; the metrics' +-0.25 s vote comes
 * later, so a frame it relabels simply has no contour and counts as
 * missing). Frames seen from the front or back, or without a person, get no
 * contour. The near side's shoulder and hip anchor the scan, both arms'
 * shoulder, elbow, wrist and index finger guard against an arm lying on the
 * back, and gravity is the image vertical or --vertical's line (taken
 * without the camera's undistortion here: it only orients the scan lines;
 * metrics measures along the exact vertical).
 *
 * Memory: at most ROMCV_CLI_CONTOUR_MAX points per frame (2 floats each,
 * 768 bytes), nothing for frames without a contour: 28 MB for ten minutes
 * of side view at 60 fps. The arrays grow by doubling.
 */
#ifndef ROMCV_CLI_SILHOUETTE_SERIES_H
#define ROMCV_CLI_SILHOUETTE_SERIES_H

#include "cli/pose_series.h"
#include "romcv/romcv.h"

#include <stddef.h>

/* Scan lines kept per frame: the contour spans about 1.35 trunk heights and
 * metrics fits lines over 0.2 H, so 96 lines leave 14 points per fit; the
 * phantom's estimates did not change (< 0.5 deg) between 64 and 256. */
#define ROMCV_CLI_CONTOUR_MAX 96

/* Side-view frames in a row after which a tracker without the mask is
 * re-created with it (0.1 s at 30 fps: one odd frame does not pay for it). */
#define ROMCV_CLI_SIDE_FRAMES 3

typedef struct RomcvCliSilhouetteSeries {
    int enabled;                          /* 1: contours are collected */
    int mask_on;                          /* 1: the tracker computes the person mask */
    int side_run;                         /* side-view frames in a row without the mask */
    RomcvTrackerSettings tracker;         /* for re-creating the tracker with the mask */
    RomcvView view;                       /* forced view, or UNKNOWN: per frame */
    RomcvMetricsSettings detect_settings; /* what the per-frame view detection needs */
    const RomcvLogger *logger;            /* borrowed */
    float down_x, down_y;                 /* gravity for the scan lines */
    size_t n, frame_capacity;             /* frames appended (aligned with the pose series) */
    int *count;                           /* points of frame i */
    size_t *offset;                       /* first point of frame i in x, y */
    size_t points, point_capacity;
    float *x, *y;                   /* px, the same coordinates as the pose series' landmarks */
    const float **rows_x, **rows_y; /* per-frame pointers, filled by _contours() */
    size_t with_contour;            /* frames with at least one point */
} RomcvCliSilhouetteSeries;

/* Decides whether contours are collected: mode "off" never, "auto" unless the
 * view is forced to front or back or the video is mirrored. ms gives the
 * view, mirroring and thresholds; vertical (x1, y1, x2, y2 px, may be NULL)
 * is --vertical's line; logger is borrowed until _free(). Allocates
 * nothing. Returns 0, or ROMCV_ERR(EINVAL) for an unknown mode. */
int romcv_cli_silhouette_init(RomcvCliSilhouetteSeries *s, const char *mode,
                              const RomcvMetricsSettings *ms, const double *vertical,
                              const RomcvLogger *logger);

/* Sets ts->segmentation for the tracker about to be created (on from the
 * start only with a forced side view) and keeps a copy of ts to re-create it
 * with the mask later; ts->models_dir must stay valid while frames come. */
void romcv_cli_silhouette_tracker_settings(RomcvCliSilhouetteSeries *s, RomcvTrackerSettings *ts);

/* Call once per frame, right after romcv_cli_pose_series_append(): takes the
 * contour of poses' last frame from the tracker's current mask, or counts
 * side views towards turning the mask on. *tracker may then be replaced by
 * a new tracker with the mask (the old one destroyed); if that fails the
 * contours are given up with a warning and the old tracker goes on. Keeps
 * one entry per pose frame. Returns 0 or ROMCV_ERR(ENOMEM). */
int romcv_cli_silhouette_frame(RomcvCliSilhouetteSeries *s, RomcvTracker **tracker,
                               const RomcvCliPoseSeries *poses);

/* Undistorts every contour point with camera (already fitted to the frames),
 * as the landmarks are. */
void romcv_cli_silhouette_undistort(RomcvCliSilhouetteSeries *s, const RomcvCameraModel *camera);

/* Points *out at the series for romcv_metrics_compute() and returns 0; *out
 * stays valid until the series changes or is freed. Returns 1 (and leaves
 * *out alone) when no contours were collected: pass NULL to metrics then. */
int romcv_cli_silhouette_contours(RomcvCliSilhouetteSeries *s, RomcvContourSeries *out);

void romcv_cli_silhouette_free(RomcvCliSilhouetteSeries *s);

#endif /* ROMCV_CLI_SILHOUETTE_SERIES_H */
