/*
 * calib/checks.c: recording checks run before analysis. Each looks at what
 * the clip shows (landmarks, frame times, image statistics) and, when the
 * set-up breaks a rule of ../shared/docs/clinical.md ("Recording guidance the
 * tool can check"), returns a warning that says what was measured and what
 * to change. They warn rather than refuse: the clinician decides.
 */
#include "calib/internal.h"

#include "vision/cv_bridge.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* How far apart MediaPipe places the shoulders, in torso lengths (mid-
 * shoulder to mid-hip), when the camera faces the chest squarely: 0.58 in
 * ../shared/reference/squat_front, 0.59 to 0.69 in the four pose2sim_balance
 * views (medians). Lower than Winter's shoulder breadth over torso (0.259 H /
 * 0.288 H, Winter 2009 fig. 4.1) because the landmarks are the joint
 * centres, not the outer edges of the shoulders. A side view sees sin(yaw)
 * of it, a front view cos(yaw). */
#define SHOULDER_OVER_TORSO 0.60

static const char *const check_names[ROMCV_CHECK_COUNT] = {
    "framing", "person_small", "roll", "oblique", "fps", "blur", "exposure",
};

const char *romcv_calib_check_name(RomcvCheckId id) {
    return (unsigned)id < ROMCV_CHECK_COUNT ? check_names[id] : "unknown";
}

void romcv_calib_check_default_settings(RomcvCheckSettings *s) {
    memset(s, 0, sizeof(*s));
    s->max_outside_fraction = 0.05;
    s->min_person_fraction = 0.4;
    s->min_person_px = 300;
    s->max_roll_deg = 3;
    s->max_oblique_deg = 30;
    s->min_fps = 25;
    s->min_sharpness = 20;
    s->min_mean_luma = 40;
    s->max_mean_luma = 220;
    s->max_clip_fraction = 0.25;
}

/* ------------------------------------------------------------ frame stats */

int romcv_calib_frame_quality(const RomcvFrame *frame, RomcvFrameQuality *out, RomcvDiag *diag) {
    if (!frame || !frame->data || frame->width <= 0 || frame->height <= 0) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "frame quality: invalid frame");
    }
    int rc = romcv__cv_laplacian_variance(frame, &out->sharpness, diag);
    if (rc < 0) {
        return rc;
    }
    /* Luma with BT.601 weights in 8-bit fixed point (77 + 150 + 29 = 256). */
    uint64_t sum = 0, dark = 0, clipped = 0;
    for (int y = 0; y < frame->height; y++) {
        const uint8_t *row = frame->data + (size_t)y * (size_t)frame->stride;
        for (int x = 0; x < frame->width; x++) {
            unsigned luma;
            if (frame->format == ROMCV_PIX_GRAY8) {
                luma = row[x];
            } else {
                const uint8_t *p = row + 3 * x;
                luma = (77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8;
            }
            sum += luma;
            dark += luma <= 10;
            clipped += luma >= 250;
        }
    }
    double pixels = (double)frame->width * frame->height;
    out->mean_luma = (double)sum / pixels;
    out->dark_fraction = (double)dark / pixels;
    out->clip_fraction = (double)clipped / pixels;
    return 0;
}

/* ---------------------------------------------------------------- checks */

typedef struct Out {
    RomcvCheckWarning *list;
    int max, count;
} Out;

static void warn(Out *out, RomcvCheckId id, double value, double limit, const char *advice,
                 const char *fmt, ...) ROMCV_PRINTF(6, 7);
static void warn(Out *out, RomcvCheckId id, double value, double limit, const char *advice,
                 const char *fmt, ...) {
    if (out->count >= out->max) {
        return;
    }
    RomcvCheckWarning *w = &out->list[out->count++];
    memset(w, 0, sizeof(*w));
    w->id = id;
    w->value = value;
    w->limit = limit;
    va_list args;
    va_start(args, fmt);
    vsnprintf(w->message, sizeof(w->message), fmt, args);
    va_end(args);
    snprintf(w->advice, sizeof(w->advice), "%s", advice);
}

static const char *landmark_name(int id) {
    switch (id) {
    case ROMCV_LM_NOSE:
        return "nose";
    case ROMCV_LM_LEFT_SHOULDER:
        return "left shoulder";
    case ROMCV_LM_RIGHT_SHOULDER:
        return "right shoulder";
    case ROMCV_LM_LEFT_ELBOW:
        return "left elbow";
    case ROMCV_LM_RIGHT_ELBOW:
        return "right elbow";
    case ROMCV_LM_LEFT_WRIST:
        return "left wrist";
    case ROMCV_LM_RIGHT_WRIST:
        return "right wrist";
    case ROMCV_LM_LEFT_HIP:
        return "left hip";
    case ROMCV_LM_RIGHT_HIP:
        return "right hip";
    case ROMCV_LM_LEFT_KNEE:
        return "left knee";
    case ROMCV_LM_RIGHT_KNEE:
        return "right knee";
    case ROMCV_LM_LEFT_ANKLE:
        return "left ankle";
    case ROMCV_LM_RIGHT_ANKLE:
        return "right ankle";
    case ROMCV_LM_LEFT_HEEL:
        return "left heel";
    case ROMCV_LM_RIGHT_HEEL:
        return "right heel";
    case ROMCV_LM_LEFT_FOOT_INDEX:
        return "left toes";
    case ROMCV_LM_RIGHT_FOOT_INDEX:
        return "right toes";
    default:
        return "a landmark";
    }
}

static const int default_required[] = {
    ROMCV_LM_LEFT_SHOULDER, ROMCV_LM_RIGHT_SHOULDER, ROMCV_LM_LEFT_HIP,   ROMCV_LM_RIGHT_HIP,
    ROMCV_LM_LEFT_KNEE,     ROMCV_LM_RIGHT_KNEE,     ROMCV_LM_LEFT_ANKLE, ROMCV_LM_RIGHT_ANKLE,
};

/* Landmark id in frame i, when present and visible enough. */
static int get(const RomcvLandmarkSeries *s, int id, size_t i, float min_visibility, double *x,
               double *y) {
    if (id < 0 || id >= ROMCV_METRICS_LANDMARKS || !s->x[id] || !s->y[id]) {
        return 0;
    }
    *x = s->x[id][i];
    *y = s->y[id][i];
    if (isnan(*x) || isnan(*y)) {
        return 0;
    }
    return !s->visibility[id] || s->visibility[id][i] >= min_visibility;
}

/* Landmark id's position in frame i, whatever its visibility: 0 when NaN. */
static int located(const RomcvLandmarkSeries *s, int id, size_t i, double *x, double *y) {
    return get(s, id, i, -1.0f, x, y);
}

static void check_framing(const RomcvCheckInput *in, const RomcvCheckSettings *s, Out *out) {
    const RomcvLandmarkSeries *lm = in->landmarks;
    const int *required = in->required ? in->required : default_required;
    int count = in->required ? in->required_count : (int)(sizeof(default_required) / sizeof(int));
    /* Position, not visibility, decides: in a side view the far limbs are
     * hidden behind the near ones (low visibility) yet well inside the
     * frame. MediaPipe places landmarks it cannot see beyond the border, so
     * a coordinate outside (or within 1% of) the frame means cut off. */
    double mx = 0.01 * in->width, my = 0.01 * in->height;
    size_t present = 0;
    size_t worst_out = 0;
    int worst = -1;
    for (int k = 0; k < count; k++) {
        size_t outside = 0;
        present = 0;
        for (size_t i = 0; i < lm->n; i++) {
            /* Frames nobody is in (walking into view) are not framing errors. */
            int person = 0;
            double x, y;
            for (int j = 0; j < count && !person; j++) {
                person = located(lm, required[j], i, &x, &y);
            }
            if (!person) {
                continue;
            }
            present++;
            if (!located(lm, required[k], i, &x, &y) || x < mx || x > in->width - 1 - mx ||
                y < my || y > in->height - 1 - my) {
                outside++;
            }
        }
        if (outside > worst_out) {
            worst_out = outside;
            worst = required[k];
        }
    }
    if (present == 0 || worst < 0) {
        return;
    }
    double fraction = (double)worst_out / (double)present;
    if (fraction > s->max_outside_fraction) {
        warn(out, ROMCV_CHECK_FRAMING, fraction, s->max_outside_fraction,
             "move the camera back or zoom out so the whole body stays in the frame with a "
             "margin, throughout the movement (clinical.md: whole body in frame)",
             "the %s is outside or at the edge of the frame in %.0f%% of frames",
             landmark_name(worst), 100 * fraction);
    }
}

/* The person's standing height in px, from the frames where they stand
 * tallest (90th percentile of nose-to-ankle / 0.871); NAN if never seen. */
static double person_height_px(const RomcvLandmarkSeries *lm) {
    double *spans = lm->n ? malloc(lm->n * sizeof(double)) : NULL;
    if (!spans) {
        return NAN;
    }
    size_t count = 0;
    for (size_t i = 0; i < lm->n; i++) {
        count += (size_t)romcv__calib_nose_to_ankle_px(lm, i, &spans[count]);
    }
    double height =
        count ? romcv__calib_quantile(spans, count, 0.9) / ROMCV_CALIB_NOSE_TO_ANKLE_OF_HEIGHT
              : NAN;
    free(spans);
    return height;
}

static void check_person_size(const RomcvCheckInput *in, const RomcvCheckSettings *s, Out *out) {
    double height = person_height_px(in->landmarks);
    if (isnan(height)) {
        return;
    }
    double limit = fmax(s->min_person_px, s->min_person_fraction * in->height);
    if (height < limit) {
        warn(out, ROMCV_CHECK_PERSON_SMALL, height, limit,
             "move the camera closer (2-4 m, clinical.md) or zoom in, keeping the whole body in "
             "frame; small people give noisy landmarks",
             "the person is about %.0f px tall (%.0f%% of the frame height), at least %.0f px "
             "advised",
             height, 100 * height / in->height, limit);
    }
}

static void check_roll(const RomcvCheckInput *in, const RomcvCheckSettings *s, Out *out) {
    double roll = romcv_calib_roll_deg(in->down_x, in->down_y);
    if (fabs(roll) > s->max_roll_deg) {
        warn(out, ROMCV_CHECK_ROLL, roll, s->max_roll_deg,
             "level the camera (a spirit level or the phone's level app); romcv corrects angles "
             "against the measured vertical, but a rolled camera also films the movement plane "
             "at a slant",
             "the camera is rolled %.1f degrees from the true vertical", roll);
    }
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, size_t n) {
    qsort(values, n, sizeof(double), compare_double);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static void check_oblique(const RomcvCheckInput *in, const RomcvCheckSettings *s, Out *out) {
    const RomcvLandmarkSeries *lm = in->landmarks;
    double *yaw = lm->n ? malloc(lm->n * sizeof(double)) : NULL;
    if (!yaw) {
        return;
    }
    size_t count = 0;
    for (size_t i = 0; i < lm->n; i++) {
        double lsx, lsy, rsx, rsy, lhx, lhy, rhx, rhy;
        /* Side views hide one shoulder: MediaPipe still places it, with a
         * lower visibility, so both are taken at any visibility here. */
        const float v = 0;
        if (!get(lm, ROMCV_LM_LEFT_SHOULDER, i, v, &lsx, &lsy) ||
            !get(lm, ROMCV_LM_RIGHT_SHOULDER, i, v, &rsx, &rsy) ||
            !get(lm, ROMCV_LM_LEFT_HIP, i, v, &lhx, &lhy) ||
            !get(lm, ROMCV_LM_RIGHT_HIP, i, v, &rhx, &rhy)) {
            continue;
        }
        double torso = hypot((lsx + rsx - lhx - rhx) / 2, (lsy + rsy - lhy - rhy) / 2);
        if (!(torso > 1)) {
            continue;
        }
        double ratio = fmin(1, hypot(lsx - rsx, lsy - rsy) / torso / SHOULDER_OVER_TORSO);
        /* Yaw away from the ideal view: a side view should see no shoulder
         * breadth, a front view all of it. */
        double a = in->plane == ROMCV_PLANE_SAGITTAL ? asin(ratio) : acos(ratio);
        yaw[count++] = a * 180 / PI;
    }
    if (count > 0) {
        double off = median(yaw, count);
        if (off > s->max_oblique_deg) {
            warn(out, ROMCV_CHECK_OBLIQUE, off, s->max_oblique_deg,
                 in->plane == ROMCV_PLANE_SAGITTAL
                     ? "place the camera square to the person's side, its axis perpendicular to "
                       "the plane of movement (clinical.md: 90 degrees preferred); oblique "
                       "views shrink the angles"
                     : "place the camera square in front of (or behind) the person; oblique "
                       "views shrink the angles",
                 "the camera is about %.0f degrees off the %s view", off,
                 in->plane == ROMCV_PLANE_SAGITTAL ? "side" : "front");
        }
    }
    free(yaw);
}

static void check_fps(const RomcvCheckInput *in, const RomcvCheckSettings *s, Out *out) {
    const RomcvLandmarkSeries *lm = in->landmarks;
    if (!lm->time_s || lm->n < 3) {
        return;
    }
    double *dt = malloc((lm->n - 1) * sizeof(double));
    if (!dt) {
        return;
    }
    size_t count = 0;
    for (size_t i = 1; i < lm->n; i++) {
        double d = lm->time_s[i] - lm->time_s[i - 1];
        if (d > 0 && isfinite(d)) {
            dt[count++] = d;
        }
    }
    if (count > 0) {
        /* The median interval: dropped frames should not read as a low rate. */
        double fps = 1 / median(dt, count);
        if (fps < s->min_fps) {
            warn(out, ROMCV_CHECK_FPS, fps, s->min_fps,
                 "record at 30 fps or more for clinical tests, 120 fps for running "
                 "(clinical.md); check the camera app's video settings",
                 "the clip runs at %.1f frames per second", fps);
        }
    }
    free(dt);
}

static double median_of(const RomcvFrameQuality *q, size_t n, size_t offset, double *scratch) {
    for (size_t i = 0; i < n; i++) {
        memcpy(&scratch[i], (const char *)&q[i] + offset, sizeof(double));
    }
    return median(scratch, n);
}

static void check_image(const RomcvCheckInput *in, const RomcvCheckSettings *s, Out *out) {
    size_t n = in->quality_count;
    double *v = malloc(n * sizeof(double));
    if (!v) {
        return;
    }
    const RomcvFrameQuality *q = in->quality;
    double sharpness = median_of(q, n, offsetof(RomcvFrameQuality, sharpness), v);
    double luma = median_of(q, n, offsetof(RomcvFrameQuality, mean_luma), v);
    double dark = median_of(q, n, offsetof(RomcvFrameQuality, dark_fraction), v);
    double clipped = median_of(q, n, offsetof(RomcvFrameQuality, clip_fraction), v);
    free(v);
    int too_dark = luma < s->min_mean_luma || dark > s->max_clip_fraction;
    int too_bright = !too_dark && (luma > s->max_mean_luma || clipped > s->max_clip_fraction);
    /* The Laplacian's variance grows with the square of contrast, so an
     * underexposed or washed-out frame reads as blurred too: the exposure
     * warning (whose advice, more light, is the remedy for both) stands
     * alone then. */
    if (!too_dark && !too_bright && sharpness < s->min_sharpness) {
        warn(out, ROMCV_CHECK_BLUR, sharpness, s->min_sharpness,
             "light the scene more (a shorter exposure freezes motion), hold the camera on a "
             "tripod and check the focus",
             "the frames look blurred (sharpness %.1f, at least %.0f expected)", sharpness,
             s->min_sharpness);
    }
    if (too_dark) {
        warn(out, ROMCV_CHECK_EXPOSURE, luma, s->min_mean_luma,
             "add light in front of the person, or turn the camera away from windows",
             "the frames are too dark (mean brightness %.0f of 255, %.0f%% of pixels black)", luma,
             100 * dark);
    } else if (too_bright) {
        warn(out, ROMCV_CHECK_EXPOSURE, luma, s->max_mean_luma,
             "lower the exposure, avoid a bright window or lamp behind or beside the person",
             "the frames are overexposed (mean brightness %.0f of 255, %.0f%% of pixels white)",
             luma, 100 * clipped);
    }
}

int romcv_calib_check_recording(const RomcvCheckInput *in, const RomcvCheckSettings *settings,
                                RomcvCheckWarning *list, int max, int *count, RomcvDiag *diag) {
    RomcvCheckSettings defaults;
    if (!settings) {
        romcv_calib_check_default_settings(&defaults);
        settings = &defaults;
    }
    if (!in || !count || (max > 0 && !list) ||
        (in->landmarks && (in->width <= 0 || in->height <= 0)) ||
        (in->required && in->required_count <= 0) || (in->quality_count && !in->quality)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "checks: invalid input");
    }
    Out out = {list, max, 0};
    if (in->landmarks && in->landmarks->n > 0) {
        check_framing(in, settings, &out);
        check_person_size(in, settings, &out);
    }
    if (in->has_down) {
        check_roll(in, settings, &out);
    }
    if (in->landmarks && in->landmarks->n > 0) {
        if (in->has_plane) {
            check_oblique(in, settings, &out);
        }
        check_fps(in, settings, &out);
    }
    if (in->quality_count > 0) {
        check_image(in, settings, &out);
    }
    *count = out.count;
    return 0;
}
