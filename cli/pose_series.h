/*
 * cli/pose_series.h: the landmarks of a whole recording, gathered frame by
 * frame for the stages that need all of it (zero-phase filtering and
 * baselines in metrics, whole-file writers in report).
 *
 * Memory: 4 floats per landmark and frame, about 540 bytes a frame (19 MB for
 * ten minutes at 60 fps); the arrays grow by doubling.
 */
#ifndef ROMCV_CLI_POSE_SERIES_H
#define ROMCV_CLI_POSE_SERIES_H

#include "romcv/romcv.h"

#include <stddef.h>

typedef struct RomcvCliPoseSeries {
    size_t n, capacity;
    int width, height;                       /* px of the frames (the last one seen) */
    int64_t *index;                          /* frame index in the input */
    double *time_s;                          /* real presentation times */
    unsigned char *found;                    /* 1: a person in this frame */
    float *x[ROMCV_POSE_LANDMARKS];          /* px, NaN without a person */
    float *y[ROMCV_POSE_LANDMARKS];          /* px, y down */
    float *z[ROMCV_POSE_LANDMARKS];          /* BlazePose depth, in x's pixel scale */
    float *visibility[ROMCV_POSE_LANDMARKS]; /* 0..1, 0 without a person */
} RomcvCliPoseSeries;

/* Appends one frame's pose (pose->found 0: no person). Returns 0 or ROMCV_ERR(ENOMEM). */
int romcv_cli_pose_series_append(RomcvCliPoseSeries *series, const RomcvFrame *frame,
                                 const RomcvPose *pose);

/* The series as metrics wants it (borrowed pointers). */
RomcvLandmarkSeries romcv_cli_pose_series_landmarks(const RomcvCliPoseSeries *series);

/* Frames with a person. */
size_t romcv_cli_pose_series_found(const RomcvCliPoseSeries *series);

void romcv_cli_pose_series_free(RomcvCliPoseSeries *series);

#endif /* ROMCV_CLI_POSE_SERIES_H */
