/* cli/pose_series.c: see pose_series.h. */
#include "cli/pose_series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int grow(void **array, size_t element, size_t capacity) {
    void *bigger = realloc(*array, element * capacity);
    if (!bigger) {
        return ROMCV_ERR(ENOMEM);
    }
    *array = bigger;
    return 0;
}

static int reserve(RomcvCliPoseSeries *s) {
    if (s->n < s->capacity) {
        return 0;
    }
    size_t capacity = s->capacity ? s->capacity * 2 : 1024;
    int rc = grow((void **)&s->index, sizeof *s->index, capacity);
    rc = rc ? rc : grow((void **)&s->time_s, sizeof *s->time_s, capacity);
    rc = rc ? rc : grow((void **)&s->found, sizeof *s->found, capacity);
    for (int k = 0; k < ROMCV_POSE_LANDMARKS && rc == 0; k++) {
        rc = grow((void **)&s->x[k], sizeof(float), capacity);
        rc = rc ? rc : grow((void **)&s->y[k], sizeof(float), capacity);
        rc = rc ? rc : grow((void **)&s->z[k], sizeof(float), capacity);
        rc = rc ? rc : grow((void **)&s->visibility[k], sizeof(float), capacity);
    }
    if (rc == 0) {
        s->capacity = capacity;
    }
    return rc;
}

int romcv_cli_pose_series_append(RomcvCliPoseSeries *s, const RomcvFrame *frame,
                                 const RomcvPose *pose) {
    int rc = reserve(s);
    if (rc < 0) {
        return rc;
    }
    size_t i = s->n++;
    s->width = frame->width;
    s->height = frame->height;
    s->index[i] = frame->index;
    s->time_s[i] = frame->time_s;
    s->found[i] = pose->found ? 1 : 0;
    for (int k = 0; k < ROMCV_POSE_LANDMARKS; k++) {
        const RomcvLandmark *l = &pose->landmarks[k];
        /* Normalised to pixels once, here: the angles are defined in pixels,
         * where a non-square frame does not distort them. */
        s->x[k][i] = pose->found ? l->x * (float)frame->width : NAN;
        s->y[k][i] = pose->found ? l->y * (float)frame->height : NAN;
        s->z[k][i] = pose->found ? l->z * (float)frame->width : NAN;
        s->visibility[k][i] = pose->found ? l->visibility : 0.0f;
    }
    return 0;
}

RomcvLandmarkSeries romcv_cli_pose_series_landmarks(const RomcvCliPoseSeries *s) {
    RomcvLandmarkSeries series;
    memset(&series, 0, sizeof series);
    series.n = s->n;
    series.time_s = s->time_s;
    for (int k = 0; k < ROMCV_POSE_LANDMARKS && k < ROMCV_METRICS_LANDMARKS; k++) {
        series.x[k] = s->x[k];
        series.y[k] = s->y[k];
        series.visibility[k] = s->visibility[k];
    }
    return series;
}

size_t romcv_cli_pose_series_found(const RomcvCliPoseSeries *s) {
    size_t found = 0;
    for (size_t i = 0; i < s->n; i++) {
        found += s->found[i];
    }
    return found;
}

void romcv_cli_pose_series_free(RomcvCliPoseSeries *s) {
    free(s->index);
    free(s->time_s);
    free(s->found);
    for (int k = 0; k < ROMCV_POSE_LANDMARKS; k++) {
        free(s->x[k]);
        free(s->y[k]);
        free(s->z[k]);
        free(s->visibility[k]);
    }
    memset(s, 0, sizeof *s);
}
