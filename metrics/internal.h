/*
 * metrics/internal.h: what the files of metrics/ share (never installed).
 */
#ifndef ROMCV_METRICS_INTERNAL_H
#define ROMCV_METRICS_INTERNAL_H

#include "metrics/dsp.h"

#include "romcv/metrics.h"

#include <stddef.h>
#include <stdint.h>

struct RomcvMetrics {
    RomcvMetricsSettings settings;
    RomcvAngleDsp dsp; /* chosen once, in romcv_metrics_create() */
    RomcvDiag diag;
};

/* Image-plane geometry of one analysis: unit gravity "down" and the image's
 * horizontal "right" perpendicular to it (down rotated by -90 deg on screen). */
typedef struct RomcvFrameAxes {
    float down_x, down_y;
    float right_x, right_y;
} RomcvFrameAxes;

void romcv__axes_from_settings(RomcvFrameAxes *axes, const RomcvMetricsSettings *s);

/* A writable copy of the landmarks (mirrored back and swap-repaired). */
typedef struct RomcvWorkSeries {
    size_t n;
    const double *time_s;
    float *x[ROMCV_METRICS_LANDMARKS];
    float *y[ROMCV_METRICS_LANDMARKS];
    float *vis[ROMCV_METRICS_LANDMARKS];
} RomcvWorkSeries;

/* The landmark paired with k on the other side (k itself for the nose). */
int romcv__landmark_mirror(int k);

/* View of frame i of a work series (no smoothing over time). */
RomcvView romcv__view_of_frame(const RomcvWorkSeries *w, size_t i, const RomcvFrameAxes *axes,
                               float min_segment_px);
/* Per-frame views with a +-0.25 s majority vote against flicker. */
void romcv__detect_views(const RomcvWorkSeries *w, const RomcvFrameAxes *axes, float min_segment_px,
                         uint8_t *view);

/* Repairs left/right swaps of the legs and arms by continuity; sets
 * ROMCV_SWAP_* bits in flags[n]. Returns the number of frames changed. */
size_t romcv__repair_swaps(RomcvWorkSeries *w, uint8_t *flags);

/* Median of values[0..count) (reorders them); NaN for count 0. */
float romcv__median(float *values, size_t count);

/* Markerless lumbar lordosis and pelvic tilt estimates of one side-view frame
 * from the posterior contour (see docs/angles.md); NaN when not measurable. */
void romcv__silhouette_frame(const float *cx, const float *cy, int count, float hip_x, float hip_y,
                             float shoulder_x, float shoulder_y, const RomcvFrameAxes *axes,
                             float facing, float *lordosis_deg, float *tilt_deg);

int romcv__baseline(RomcvAngleResults *r, double start_s, double end_s,
                    const RomcvMetricsSettings *s);

#endif /* ROMCV_METRICS_INTERNAL_H */
