/* cli/silhouette_series.c: see silhouette_series.h. */
#include "cli/silhouette_series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int romcv_cli_silhouette_init(RomcvCliSilhouetteSeries *s, const char *mode,
                              const RomcvMetricsSettings *ms, const double *vertical,
                              const RomcvLogger *logger) {
    memset(s, 0, sizeof *s);
    s->down_x = 0.0f;
    s->down_y = 1.0f;
    if (!mode || (strcmp(mode, "auto") != 0 && strcmp(mode, "off") != 0)) {
        return ROMCV_ERR(EINVAL);
    }
    s->view = ms->view;
    s->detect_settings = *ms;
    s->logger = logger;
    if (strcmp(mode, "off") == 0) {
        return 0;
    }
    if (ms->view == ROMCV_VIEW_FRONT || ms->view == ROMCV_VIEW_BACK) {
        romcv_log(logger, ROMCV_LOG_VERBOSE, "silhouette", "off: a %s view shows no back contour",
                  romcv_view_name(ms->view));
        return 0;
    }
    if (ms->mirrored) {
        /* metrics mirrors the landmarks back but not the contour points, so
         * the two would disagree: no estimate rather than a wrong one. */
        romcv_log(logger, ROMCV_LOG_INFO, "silhouette",
                  "off for mirrored video: no markerless pelvic tilt or lordosis");
        return 0;
    }
    if (vertical) {
        float dx, dy;
        /* Without the camera: the line only orients the scan lines. A bad
         * line is reported later, where it is used in earnest. */
        if (romcv_calib_vertical_from_line(NULL, vertical[0], vertical[1], vertical[2], vertical[3],
                                           &dx, &dy, NULL) == 0) {
            s->down_x = dx;
            s->down_y = dy;
        }
    }
    s->enabled = 1;
    /* A forced side view needs the mask from the first frame; otherwise it
     * waits for the first side views (silhouette_series.h: it costs). */
    s->mask_on = ms->view == ROMCV_VIEW_LEFT_SIDE || ms->view == ROMCV_VIEW_RIGHT_SIDE;
    romcv_log(logger, ROMCV_LOG_VERBOSE, "silhouette",
              "on%s: the person mask's back contour gives pelvic tilt and lordosis estimates",
              s->mask_on ? "" : " for side views");
    return 0;
}

void romcv_cli_silhouette_tracker_settings(RomcvCliSilhouetteSeries *s, RomcvTrackerSettings *ts) {
    ts->segmentation = s->mask_on;
    s->tracker = *ts;
}

static int grow(void **array, size_t element, size_t capacity) {
    void *bigger = realloc(*array, element * capacity);
    if (!bigger) {
        return ROMCV_ERR(ENOMEM);
    }
    *array = bigger;
    return 0;
}

/* Room for one more frame and ROMCV_CLI_CONTOUR_MAX more points. */
static int reserve(RomcvCliSilhouetteSeries *s) {
    if (s->n == s->frame_capacity) {
        size_t capacity = s->frame_capacity ? 2 * s->frame_capacity : 1024;
        int rc = grow((void **)&s->count, sizeof *s->count, capacity);
        rc = rc ? rc : grow((void **)&s->offset, sizeof *s->offset, capacity);
        rc = rc ? rc : grow((void **)&s->rows_x, sizeof *s->rows_x, capacity);
        rc = rc ? rc : grow((void **)&s->rows_y, sizeof *s->rows_y, capacity);
        if (rc) {
            return rc;
        }
        s->frame_capacity = capacity;
    }
    if (s->points + ROMCV_CLI_CONTOUR_MAX > s->point_capacity) {
        size_t capacity = s->point_capacity ? 2 * s->point_capacity : 64 * ROMCV_CLI_CONTOUR_MAX;
        int rc = grow((void **)&s->x, sizeof *s->x, capacity);
        rc = rc ? rc : grow((void **)&s->y, sizeof *s->y, capacity);
        if (rc) {
            return rc;
        }
        s->point_capacity = capacity;
    }
    return 0;
}

/* The contour settings of frame i of poses seen from view; 0 when the frame
 * cannot give a contour. */
static int frame_settings(const RomcvCliSilhouetteSeries *s, const RomcvCliPoseSeries *poses,
                          size_t i, RomcvView view, RomcvSilhouetteSettings *st) {
    if (view != ROMCV_VIEW_LEFT_SIDE && view != ROMCV_VIEW_RIGHT_SIDE) {
        return 0;
    }
    const int left = view == ROMCV_VIEW_LEFT_SIDE;
    romcv_silhouette_default_settings(st);
    st->down_x = s->down_x;
    st->down_y = s->down_y;
    /* The left side towards the camera: the person faces image left (unmirrored),
     * so the back faces "right" (down turned counter-clockwise). */
    st->posterior = left ? 1 : -1;
    const int shoulder = left ? ROMCV_LM_LEFT_SHOULDER : ROMCV_LM_RIGHT_SHOULDER;
    const int hip = left ? ROMCV_LM_LEFT_HIP : ROMCV_LM_RIGHT_HIP;
    st->shoulder_x = poses->x[shoulder][i];
    st->shoulder_y = poses->y[shoulder][i];
    st->hip_x = poses->x[hip][i];
    st->hip_y = poses->y[hip][i];
    /* BlazePose: shoulder, elbow, wrist, index finger of each arm. */
    static const int arm[2][ROMCV_SILHOUETTE_ARM_POINTS] = {{11, 13, 15, 19}, {12, 14, 16, 20}};
    for (int a = 0; a < 2; a++) {
        for (int k = 0; k < ROMCV_SILHOUETTE_ARM_POINTS; k++) {
            st->arm_x[a][k] = poses->x[arm[a][k]][i];
            st->arm_y[a][k] = poses->y[arm[a][k]][i];
        }
    }
    return 1;
}

/* Re-creates the tracker with the mask on; 0, or a negative code with the
 * old tracker untouched. */
static int turn_mask_on(RomcvCliSilhouetteSeries *s, RomcvTracker **tracker) {
    RomcvTrackerSettings ts = s->tracker;
    ts.segmentation = 1;
    RomcvTracker *with_mask = NULL;
    RomcvDiag diag = {0};
    int rc = romcv_tracker_create(&with_mask, &ts, &diag);
    if (rc < 0) {
        romcv_log(s->logger, ROMCV_LOG_WARNING, "silhouette",
                  "no person mask (%s): no markerless pelvic tilt or lordosis", diag.message);
        s->enabled = 0;
        return rc;
    }
    romcv_tracker_destroy(tracker);
    *tracker = with_mask;
    s->mask_on = 1;
    romcv_log(s->logger, ROMCV_LOG_VERBOSE, "silhouette",
              "side view: the tracker now computes the person mask");
    return 0;
}

int romcv_cli_silhouette_frame(RomcvCliSilhouetteSeries *s, RomcvTracker **tracker,
                               const RomcvCliPoseSeries *poses) {
    if (!s->enabled || poses->n == 0) {
        return 0;
    }
    /* One entry per pose frame, so the series stay aligned even if a frame
     * was appended to poses without passing through here. */
    while (s->n < poses->n) {
        int rc = reserve(s);
        if (rc < 0) {
            return rc;
        }
        s->count[s->n] = 0;
        s->offset[s->n] = s->points;
        s->n++;
    }
    const size_t i = poses->n - 1, k = s->n - 1;
    if (k != i || s->count[k] != 0 || !poses->found[i]) {
        s->side_run = 0;
        return 0;
    }
    RomcvView view = s->view;
    if (view == ROMCV_VIEW_UNKNOWN) {
        RomcvLandmarkSeries lm = romcv_cli_pose_series_landmarks(poses);
        view = romcv_metrics_detect_view(&lm, i, &s->detect_settings);
    }
    RomcvSilhouetteSettings st;
    if (!frame_settings(s, poses, i, view, &st)) {
        s->side_run = 0;
        return 0;
    }
    if (!s->mask_on) {
        if (++s->side_run >= ROMCV_CLI_SIDE_FRAMES) {
            turn_mask_on(s, tracker); /* a failure only gives the contours up */
        }
        return 0;
    }
    int w = 0, h = 0;
    const float *mask = romcv_tracker_segmentation(*tracker, &w, &h);
    if (!mask || w != poses->width || h != poses->height) {
        return 0;
    }
    int count = 0;
    if (romcv_silhouette_posterior_contour(mask, w, h, &st, s->x + s->points, s->y + s->points,
                                           ROMCV_CLI_CONTOUR_MAX, &count, NULL) < 0) {
        return 0; /* not reached: the settings above are valid */
    }
    s->count[k] = count;
    s->points += (size_t)count;
    s->with_contour += count > 0;
    return 0;
}

void romcv_cli_silhouette_undistort(RomcvCliSilhouetteSeries *s, const RomcvCameraModel *camera) {
    if (s->points > 0 && camera) {
        romcv_calib_undistort_points(camera, s->x, s->y, s->points);
    }
}

int romcv_cli_silhouette_contours(RomcvCliSilhouetteSeries *s, RomcvContourSeries *out) {
    if (!s->enabled || s->n == 0) {
        return 1;
    }
    for (size_t i = 0; i < s->n; i++) {
        /* Taken only now: the point arrays move while they grow. */
        s->rows_x[i] = s->x + s->offset[i];
        s->rows_y[i] = s->y + s->offset[i];
    }
    out->count = s->count;
    out->x = s->rows_x;
    out->y = s->rows_y;
    return 0;
}

void romcv_cli_silhouette_free(RomcvCliSilhouetteSeries *s) {
    free(s->count);
    free(s->offset);
    free(s->x);
    free(s->y);
    free((void *)s->rows_x);
    free((void *)s->rows_y);
    memset(s, 0, sizeof *s);
}
