/*
 * vision/smoothing.h: MediaPipe's landmark filters: the one-euro filter of
 * LandmarksSmoothingCalculator and the low-pass visibility filter of
 * VisibilitySmoothingCalculator, with their float/double arithmetic kept.
 *
 * Sources: mediapipe/util/filtering/one_euro_filter.cc, low_pass_filter.cc,
 * mediapipe/calculators/util/landmarks_smoothing_calculator.cc,
 * visibility_smoothing_calculator.cc, and the options in
 * mediapipe/modules/pose_landmark/pose_landmark_filtering.pbtxt.
 *
 * Private to the vision module.
 */
#ifndef ROMCV_VISION_SMOOTHING_H
#define ROMCV_VISION_SMOOTHING_H

#include "romcv/vision.h"

#include <stddef.h>
#include <stdint.h>

/* pose_landmark_filtering.pbtxt. Body landmarks (image and world): */
#define ROMCV_SMOOTH_MIN_CUTOFF       0.05
#define ROMCV_SMOOTH_BETA             80.0
#define ROMCV_SMOOTH_WORLD_MIN_CUTOFF 0.1  /* world: min_cutoff 0.1, beta 40, */
#define ROMCV_SMOOTH_WORLD_BETA       40.0 /* disable_value_scaling: true */
/* Auxiliary (ROI) landmarks, always filtered, heavier: */
#define ROMCV_SMOOTH_AUX_MIN_CUTOFF 0.01
#define ROMCV_SMOOTH_AUX_BETA       10.0
/* derivate_cutoff of all three: */
#define ROMCV_SMOOTH_DERIVATE_CUTOFF 1.0
/* VisibilitySmoothingCalculator low_pass_filter alpha, all three. */
#define ROMCV_SMOOTH_VISIBILITY_ALPHA 0.1f

/* low_pass_filter.cc: values kept in float. */
typedef struct RomcvLowPass {
    int initialized;
    float raw;    /* last raw value */
    float stored; /* last output */
    float alpha;
} RomcvLowPass;

float romcv__low_pass_apply(RomcvLowPass *f, float value, float alpha);

/* one_euro_filter.cc. */
typedef struct RomcvOneEuro {
    double frequency; /* Hz, updated from the timestamps */
    double min_cutoff, beta, derivate_cutoff;
    RomcvLowPass x, dx;
    int64_t last_time_ns;
} RomcvOneEuro;

void romcv__one_euro_init(RomcvOneEuro *f, double min_cutoff, double beta, double derivate_cutoff);
double romcv__one_euro_apply(RomcvOneEuro *f, int64_t time_ns, double value_scale, double value);

/* LandmarksSmoothingCalculator with a one-euro filter per landmark and axis.
 * Created on the first apply after a reset, as MediaPipe's
 * InitializeFiltersIfEmpty(). */
#define ROMCV_SMOOTH_MAX_LANDMARKS 39
typedef struct RomcvLandmarkSmoother {
    double min_cutoff, beta, derivate_cutoff;
    int disable_value_scaling; /* world landmarks: metres, no object scale */
    int n;                     /* filters in use; 0 after a reset */
    RomcvOneEuro filters[ROMCV_SMOOTH_MAX_LANDMARKS][3];
} RomcvLandmarkSmoother;

void romcv__smoother_init(RomcvLandmarkSmoother *s, double min_cutoff, double beta,
                          double derivate_cutoff, int disable_value_scaling);
/* Called when a frame has no landmarks (MediaPipe resets on an empty packet). */
void romcv__smoother_reset(RomcvLandmarkSmoother *s);
/* Filters lm[0..n) in place at time_us. For normalised landmarks pass the
 * frame size (coordinates are filtered in pixels: x * width, y * height,
 * z * width) and object_scale, the mean side in pixels of the object ROI;
 * for world landmarks pass width = height = 0 (no conversion). */
void romcv__smoother_apply(RomcvLandmarkSmoother *s, RomcvLandmark *lm, int n, int64_t time_us,
                           int width, int height, float object_scale);

/* VisibilitySmoothingCalculator with low_pass_filter. */
typedef struct RomcvVisibilitySmoother {
    float alpha;
    int n; /* 0 after a reset */
    RomcvLowPass filters[ROMCV_SMOOTH_MAX_LANDMARKS];
} RomcvVisibilitySmoother;

void romcv__visibility_init(RomcvVisibilitySmoother *s, float alpha);
void romcv__visibility_reset(RomcvVisibilitySmoother *s);
void romcv__visibility_apply(RomcvVisibilitySmoother *s, RomcvLandmark *lm, int n);

/* SegmentationSmoothingCalculator (pose_segmentation_filtering.pbtxt:
 * combine_with_previous_ratio 0.7): blends each pixel of mask with prev in
 * proportion to the new value's uncertainty (an entropy-based polynomial:
 * values near 0.5 lean on the previous frame, values near 0 or 1 do not).
 * In place; n pixels. */
#define ROMCV_SEGMENTATION_COMBINE_RATIO 0.7f
void romcv__segmentation_smooth(float *mask, const float *prev, size_t n, float ratio);

#endif /* ROMCV_VISION_SMOOTHING_H */
