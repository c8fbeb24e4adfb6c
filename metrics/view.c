/*
 * metrics/view.c: which side of the person the camera sees, per frame.
 *
 * Front/back versus side: the shoulder and hip widths measured along the
 * image horizontal, relative to the trunk length (mid-hip to mid-shoulder).
 * Facing the camera, the shoulders are about 0.6-0.8 trunk lengths apart and
 * the hip joint centres about 0.5; side on, both collapse towards 0. The
 * threshold 0.3 sits between them; a camera 45 deg off reads about 0.45 and
 * counts as frontal, which the recording guidance (clinical.md: camera
 * perpendicular to the plane of movement) asks the user to avoid anyway.
 *
 * Front versus back: BlazePose labels landmarks anatomically, so a person
 * facing the camera has the left shoulder and hip on the image's right.
 *
 * Side: the facing direction votes the nose against the mid-ear point
 * (weight 2: the face is the clearest cue from the side) and each foot's
 * toe (foot index) against its heel. A person facing image right is seen
 * from the right side (RIGHT_SIDE).
 */
#include "metrics/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FRONTAL_RATIO      0.3f
#define VOTE_HALF_WINDOW_S 0.25

static float along(const RomcvWorkSeries *w, int a, int b, size_t i, float ux, float uy) {
    return (w->x[a][i] - w->x[b][i]) * ux + (w->y[a][i] - w->y[b][i]) * uy;
}

static float sgn(float v) {
    return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : 0.0f);
}

/* Internal to this file: a side view whose facing cues cancel out (a
 * supine leg raise: the face points up, one foot's toe swings past its heel).
 * The torso is there, so the neighbouring frames' side is used. */
#define VIEW_SIDE_AMBIGUOUS 5
/* How far (s) a side view carries over ambiguous frames. */
#define AMBIGUOUS_CARRY_S 2.0

static int view_of_frame(const RomcvWorkSeries *w, size_t i, const RomcvFrameAxes *axes,
                         float min_segment_px);

RomcvView romcv__view_of_frame(const RomcvWorkSeries *w, size_t i, const RomcvFrameAxes *axes,
                               float min_segment_px) {
    int v = view_of_frame(w, i, axes, min_segment_px);
    return v == VIEW_SIDE_AMBIGUOUS ? ROMCV_VIEW_UNKNOWN : (RomcvView)v;
}

static int view_of_frame(const RomcvWorkSeries *w, size_t i, const RomcvFrameAxes *axes,
                         float min_segment_px) {
    const int torso[4] = {ROMCV_LM_LEFT_SHOULDER, ROMCV_LM_RIGHT_SHOULDER, ROMCV_LM_LEFT_HIP,
                          ROMCV_LM_RIGHT_HIP};
    for (int k = 0; k < 4; k++)
        if (!isfinite(w->x[torso[k]][i]) || !isfinite(w->y[torso[k]][i]))
            return ROMCV_VIEW_UNKNOWN;
    float msx = 0.5f * (w->x[11][i] + w->x[12][i]), msy = 0.5f * (w->y[11][i] + w->y[12][i]);
    float mhx = 0.5f * (w->x[23][i] + w->x[24][i]), mhy = 0.5f * (w->y[23][i] + w->y[24][i]);
    float trunk = hypotf(msx - mhx, msy - mhy);
    float width = 0.5f * (along(w, 11, 12, i, axes->right_x, axes->right_y) +
                          along(w, 23, 24, i, axes->right_x, axes->right_y));
    float scale = fmaxf(trunk, fabsf(width));
    if (!(scale >= min_segment_px))
        return ROMCV_VIEW_UNKNOWN;
    if (fabsf(width) >= FRONTAL_RATIO * trunk)
        return width > 0.0f ? ROMCV_VIEW_FRONT : ROMCV_VIEW_BACK;
    float vote = 0.0f;
    if (isfinite(w->x[0][i]) && isfinite(w->x[7][i]) && isfinite(w->x[8][i])) {
        float ear_x = 0.5f * (w->x[7][i] + w->x[8][i]), ear_y = 0.5f * (w->y[7][i] + w->y[8][i]);
        vote +=
            2.0f * sgn((w->x[0][i] - ear_x) * axes->right_x + (w->y[0][i] - ear_y) * axes->right_y);
    }
    for (int side = 0; side < 2; side++) {
        int toe = side ? ROMCV_LM_RIGHT_FOOT_INDEX : ROMCV_LM_LEFT_FOOT_INDEX;
        int heel = side ? ROMCV_LM_RIGHT_HEEL : ROMCV_LM_LEFT_HEEL;
        if (isfinite(w->x[toe][i]) && isfinite(w->x[heel][i]))
            vote += sgn(along(w, toe, heel, i, axes->right_x, axes->right_y));
    }
    if (vote > 0.0f)
        return ROMCV_VIEW_RIGHT_SIDE;
    if (vote < 0.0f)
        return ROMCV_VIEW_LEFT_SIDE;
    return VIEW_SIDE_AMBIGUOUS;
}

/* The side view of the nearest frame (earlier first) within
 * AMBIGUOUS_CARRY_S that has one; UNKNOWN if none. */
static uint8_t nearest_side(const RomcvWorkSeries *w, const uint8_t *view, size_t i) {
    for (size_t d = 1; d < w->n; d++) {
        int before = d <= i, after = i + d < w->n;
        if (!before && !after)
            break;
        if (before && w->time_s[i] - w->time_s[i - d] <= AMBIGUOUS_CARRY_S &&
            (view[i - d] == ROMCV_VIEW_LEFT_SIDE || view[i - d] == ROMCV_VIEW_RIGHT_SIDE))
            return view[i - d];
        if (after && w->time_s[i + d] - w->time_s[i] <= AMBIGUOUS_CARRY_S &&
            (view[i + d] == ROMCV_VIEW_LEFT_SIDE || view[i + d] == ROMCV_VIEW_RIGHT_SIDE))
            return view[i + d];
        if ((!before || w->time_s[i] - w->time_s[i - d] > AMBIGUOUS_CARRY_S) &&
            (!after || w->time_s[i + d] - w->time_s[i] > AMBIGUOUS_CARRY_S))
            break;
    }
    return ROMCV_VIEW_UNKNOWN;
}

void romcv__detect_views(const RomcvWorkSeries *w, const RomcvFrameAxes *axes, float min_segment_px,
                         uint8_t *view) {
    const size_t n = w->n;
    uint8_t *raw = malloc(n ? n : 1);
    if (!raw) {
        /* Out of memory: per-frame views without the vote are still correct. */
        for (size_t i = 0; i < n; i++)
            view[i] = (uint8_t)romcv__view_of_frame(w, i, axes, min_segment_px);
        return;
    }
    for (size_t i = 0; i < n; i++)
        raw[i] = (uint8_t)view_of_frame(w, i, axes, min_segment_px);
    /* Majority over +-0.25 s, so one ambiguous frame in a turn does not split a
     * run of frames (each run is measured with one sign convention). Cost:
     * O(n * frames per window). */
    size_t lo = 0, hi = 0;
    int counts[VIEW_SIDE_AMBIGUOUS + 1] = {0};
    for (size_t i = 0; i < n; i++) {
        while (hi < n && w->time_s[hi] <= w->time_s[i] + VOTE_HALF_WINDOW_S)
            counts[raw[hi++]]++;
        while (w->time_s[lo] < w->time_s[i] - VOTE_HALF_WINDOW_S)
            counts[raw[lo++]]--;
        int best = raw[i];
        if (best == ROMCV_VIEW_UNKNOWN) {
            view[i] = ROMCV_VIEW_UNKNOWN; /* no torso: nothing to measure anyway */
            continue;
        }
        int best_count = best == VIEW_SIDE_AMBIGUOUS ? 0 : counts[best];
        for (int v = ROMCV_VIEW_FRONT; v <= ROMCV_VIEW_RIGHT_SIDE; v++)
            if (counts[v] > best_count)
                best = v, best_count = counts[v];
        view[i] = (uint8_t)best;
    }
    /* Ambiguous side frames the vote could not settle take the nearest
     * side view; the side a person lies or stands on does not flip unseen. */
    for (size_t i = 0; i < n; i++)
        if (view[i] == VIEW_SIDE_AMBIGUOUS)
            view[i] = nearest_side(w, view, i);
    free(raw);
}

RomcvView romcv_metrics_detect_view(const RomcvLandmarkSeries *lm, size_t frame,
                                    const RomcvMetricsSettings *s) {
    if (!lm || !s || frame >= lm->n)
        return ROMCV_VIEW_UNKNOWN;
    RomcvFrameAxes axes;
    romcv__axes_from_settings(&axes, s);
    /* A one-frame work series, mirrored back like romcv_metrics_compute(). */
    float x[ROMCV_METRICS_LANDMARKS], y[ROMCV_METRICS_LANDMARKS], v[ROMCV_METRICS_LANDMARKS];
    RomcvWorkSeries w = {.n = 1, .time_s = lm->time_s ? lm->time_s + frame : NULL};
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        int src = s->mirrored ? romcv__landmark_mirror(k) : k;
        x[k] = lm->x[src] ? lm->x[src][frame] : NAN;
        y[k] = lm->y[src] ? lm->y[src][frame] : NAN;
        if (s->mirrored)
            x[k] = (float)s->image_width - x[k];
        v[k] = lm->visibility[src] ? lm->visibility[src][frame] : 1.0f;
        w.x[k] = &x[k];
        w.y[k] = &y[k];
        w.vis[k] = &v[k];
    }
    return romcv__view_of_frame(&w, 0, &axes, s->min_segment_px);
}
