/*
 * protocols/signals.c: the signals a protocol segments on, measures and
 * watches: the angle channels as they are, and a few quantities derived from
 * the landmarks (romcv/protocols.h lists them with their meaning).
 *
 * Derived lengths are divided by the person's leg length in pixels, so a
 * threshold such as "the knee moved 8 % of a leg length" means the same at
 * 2 m and at 4 m from the camera. Heights are measured along gravity (the
 * calibrated "down" of the metrics settings, never the image axis by
 * assumption), and a mirrored (selfie) video is turned back into the real
 * scene first, as the angle layer does, so that "left" stays anatomical.
 */
#include "protocols/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const derived_names[] = {
#define ROMCV_X_SIGNAL_NAME(id, name, unit, text) name,
    ROMCV_DERIVED_SIGNAL_TABLE(ROMCV_X_SIGNAL_NAME)
#undef ROMCV_X_SIGNAL_NAME
};
static const char *const derived_units[] = {
#define ROMCV_X_SIGNAL_UNIT(id, name, unit, text) unit,
    ROMCV_DERIVED_SIGNAL_TABLE(ROMCV_X_SIGNAL_UNIT)
#undef ROMCV_X_SIGNAL_UNIT
};

const char *romcv_signal_name(int signal) {
    if (signal >= 0 && signal < ROMCV_ANGLE_COUNT) {
        return romcv_angle_info((RomcvAngleId)signal)->name;
    }
    if (signal > ROMCV_SIGNAL_DERIVED_FIRST && signal < ROMCV_SIGNAL_COUNT) {
        return derived_names[signal - ROMCV_SIGNAL_DERIVED_FIRST - 1];
    }
    return "unknown";
}

const char *romcv_signal_unit(int signal) {
    if (signal >= 0 && signal < ROMCV_ANGLE_COUNT) {
        return romcv_angle_info((RomcvAngleId)signal)->unit;
    }
    if (signal > ROMCV_SIGNAL_DERIVED_FIRST && signal < ROMCV_SIGNAL_COUNT) {
        return derived_units[signal - ROMCV_SIGNAL_DERIVED_FIRST - 1];
    }
    return "";
}

/* ------------------------------------------------------- landmark access */

/* Gravity axes: down, and "right" = down turned -90 deg on screen, so that
 * (0, 1) down gives (1, 0) right, as metrics/ uses. */
typedef struct Axes {
    float down_x, down_y, right_x, right_y;
} Axes;

static Axes axes_of(const RomcvMetricsSettings *m) {
    Axes a = {0, 1, 1, 0};
    float len = hypotf(m->down_x, m->down_y);
    if (len > 0 && isfinite(len)) {
        a.down_x = m->down_x / len;
        a.down_y = m->down_y / len;
        a.right_x = a.down_y;
        a.right_y = -a.down_x;
    }
    return a;
}

/* The landmark on the other side of the body (left <-> right); BlazePose
 * numbers them in pairs from 1 (left eye inner / right eye inner ...) and
 * from 11 (shoulders) on, left odd. */
static int mirror_landmark(int k) {
    if (k >= 1 && k <= 6) {
        return k <= 3 ? k + 3 : k - 3;
    }
    if (k >= 7) {
        return (k % 2) ? k + 1 : k - 1;
    }
    return k;
}

/* Landmark k of frame i in the real scene: NaN when missing or below the
 * visibility threshold. */
static int point(const RomcvProtocolSettings *s, const RomcvLandmarkSeries *lm, int k, size_t i,
                 float *x, float *y) {
    const RomcvMetricsSettings *m = &s->metrics;
    int src = m->mirrored ? mirror_landmark(k) : k;
    float px = lm->x[src] ? lm->x[src][i] : NAN;
    float py = lm->y[src] ? lm->y[src][i] : NAN;
    float vis = lm->visibility[src] ? lm->visibility[src][i] : 1.0f;
    if (!isfinite(px) || !isfinite(py) || !(vis >= m->min_visibility)) {
        return 0;
    }
    *x = m->mirrored ? (float)m->image_width - px : px;
    *y = py;
    return 1;
}

static float height_of(const Axes *a, float x, float y) {
    return -(x * a->down_x + y * a->down_y); /* up positive */
}

static float across_of(const Axes *a, float x, float y) {
    return x * a->right_x + y * a->right_y;
}

/* The mean of the visible ones of landmarks k1 and k2. */
static int mean_point(const RomcvProtocolSettings *s, const RomcvLandmarkSeries *lm, int k1, int k2,
                      size_t i, float *x, float *y) {
    float x1, y1, x2, y2;
    int a = point(s, lm, k1, i, &x1, &y1), b = point(s, lm, k2, i, &x2, &y2);
    if (a && b) {
        *x = 0.5f * (x1 + x2), *y = 0.5f * (y1 + y2);
    } else if (a) {
        *x = x1, *y = y1;
    } else if (b) {
        *x = x2, *y = y2;
    }
    return a || b;
}

static int compare_floats(const void *pa, const void *pb) {
    float a = *(const float *)pa, b = *(const float *)pb;
    return (a > b) - (a < b);
}

float romcv__protocol_median(float *v, size_t n) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i])) {
            v[m++] = v[i];
        }
    }
    if (m == 0) {
        return NAN;
    }
    qsort(v, m, sizeof *v, compare_floats);
    return m % 2 ? v[m / 2] : 0.5f * (v[m / 2 - 1] + v[m / 2]);
}

float romcv__protocol_leg_length(const RomcvProtocolSettings *s,
                                 const RomcvLandmarkSeries *landmarks) {
    float *len = malloc((landmarks->n ? landmarks->n : 1) * 2 * sizeof *len);
    if (!len) {
        return NAN;
    }
    size_t m = 0;
    static const int legs[2][3] = {
        {ROMCV_LM_LEFT_HIP, ROMCV_LM_LEFT_KNEE, ROMCV_LM_LEFT_ANKLE},
        {ROMCV_LM_RIGHT_HIP, ROMCV_LM_RIGHT_KNEE, ROMCV_LM_RIGHT_ANKLE},
    };
    for (size_t i = 0; i < landmarks->n; i++) {
        for (int l = 0; l < 2; l++) {
            float hx, hy, kx, ky, ax, ay;
            if (point(s, landmarks, legs[l][0], i, &hx, &hy) &&
                point(s, landmarks, legs[l][1], i, &kx, &ky) &&
                point(s, landmarks, legs[l][2], i, &ax, &ay)) {
                /* Thigh plus shank, so that a bent knee does not shorten it. */
                len[m++] = hypotf(kx - hx, ky - hy) + hypotf(ax - kx, ay - ky);
            }
        }
    }
    float median = romcv__protocol_median(len, m);
    free(len);
    return median;
}

/* ------------------------------------------------------------- baselines */

/* The frames of the neutral baseline the angles used; the first second with
 * values when the angles found none. */
static void baseline_range(const RomcvAngleResults *angles, size_t *first, size_t *last) {
    size_t n = angles->n;
    *first = 0;
    *last = n ? n - 1 : 0;
    if (!isfinite(angles->baseline_start_s) || !isfinite(angles->baseline_end_s)) {
        double end = n ? angles->time_s[0] + 1.0 : 0;
        while (*last > 0 && angles->time_s[*last] > end) {
            (*last)--;
        }
        return;
    }
    while (*first < n && angles->time_s[*first] < angles->baseline_start_s) {
        (*first)++;
    }
    while (*last > *first && angles->time_s[*last] > angles->baseline_end_s) {
        (*last)--;
    }
}

/* Subtracts the median over the baseline frames (NaN if it has none). */
static void subtract_baseline(const RomcvAngleResults *angles, float *out) {
    size_t first, last;
    baseline_range(angles, &first, &last);
    size_t count = last >= first ? last - first + 1 : 0;
    float *tmp = malloc((count ? count : 1) * sizeof *tmp);
    float base = NAN;
    if (tmp) {
        memcpy(tmp, out + first, count * sizeof *tmp);
        base = romcv__protocol_median(tmp, count);
        free(tmp);
    }
    for (size_t i = 0; i < angles->n; i++) {
        out[i] -= base;
    }
}

/* ------------------------------------------------------------ the signals */

static void angle_values(const RomcvAngleResults *angles, int channel, int relative, float *out) {
    const RomcvAngleChannel *c = &angles->channel[channel];
    const float *src = relative ? c->relative_deg : c->value_deg;
    for (size_t i = 0; i < angles->n; i++) {
        out[i] = src ? src[i] : NAN;
    }
}

int romcv_protocol_signal(int signal, int relative, const RomcvProtocolSettings *s,
                          const RomcvLandmarkSeries *landmarks, const RomcvAngleResults *angles,
                          float *out) {
    /* Valid ids run from 0 to COUNT-1: DERIVED_FIRST is the last angle id. */
    if (!s || !landmarks || !angles || !out || landmarks->n != angles->n || signal < 0 ||
        signal >= ROMCV_SIGNAL_COUNT) {
        return ROMCV_ERR(EINVAL);
    }
    size_t n = angles->n;
    if (signal < ROMCV_ANGLE_COUNT) {
        angle_values(angles, signal, relative, out);
        return 0;
    }
    Axes ax = axes_of(&s->metrics);
    float leg = romcv__protocol_leg_length(s, landmarks);
    for (size_t i = 0; i < n; i++) {
        out[i] = NAN;
    }
    if (!(leg > 0)) {
        return 0; /* no leg seen: no length signal can be scaled */
    }
    switch (signal) {
    case ROMCV_SIGNAL_PELVIS_DESCENT:
        for (size_t i = 0; i < n; i++) {
            float x, y;
            if (mean_point(s, landmarks, ROMCV_LM_LEFT_HIP, ROMCV_LM_RIGHT_HIP, i, &x, &y)) {
                out[i] = -height_of(&ax, x, y) / leg;
            }
        }
        subtract_baseline(angles, out);
        return 0;
    case ROMCV_SIGNAL_PELVIS_RISE: {
        /* A sit-to-stand clip's first quiet second may be seated or standing,
         * so the neutral baseline cannot say where "down" is; the pelvis's
         * seated height can: its 15th percentile, inside the seated frames
         * (a third of a sit-to-stand clip) and above the brief dip of the
         * hip landmarks as the trunk leans forward at seat-off (seen from the
         * front on the phantom: spurious rises at the 5th). */
        float *low = malloc((n ? n : 1) * sizeof *low);
        if (!low) {
            return ROMCV_ERR(ENOMEM);
        }
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            float x, y;
            if (mean_point(s, landmarks, ROMCV_LM_LEFT_HIP, ROMCV_LM_RIGHT_HIP, i, &x, &y)) {
                out[i] = height_of(&ax, x, y) / leg;
                low[m++] = out[i];
            }
        }
        if (m > 0) {
            qsort(low, m, sizeof *low, compare_floats);
            float floor_height = low[(size_t)(0.15 * (double)(m - 1))];
            for (size_t i = 0; i < n; i++) {
                out[i] -= floor_height;
            }
        }
        free(low);
        return 0;
    }
    case ROMCV_SIGNAL_ANKLE_LIFT_LEFT:
    case ROMCV_SIGNAL_ANKLE_LIFT_RIGHT: {
        int lifted =
            signal == ROMCV_SIGNAL_ANKLE_LIFT_LEFT ? ROMCV_LM_LEFT_ANKLE : ROMCV_LM_RIGHT_ANKLE;
        int other =
            signal == ROMCV_SIGNAL_ANKLE_LIFT_LEFT ? ROMCV_LM_RIGHT_ANKLE : ROMCV_LM_LEFT_ANKLE;
        for (size_t i = 0; i < n; i++) {
            float x1, y1, x2, y2;
            if (point(s, landmarks, lifted, i, &x1, &y1) &&
                point(s, landmarks, other, i, &x2, &y2)) {
                out[i] = (height_of(&ax, x1, y1) - height_of(&ax, x2, y2)) / leg;
            }
        }
        return 0;
    }
    case ROMCV_SIGNAL_KNEE_SHIFT_LEFT:
    case ROMCV_SIGNAL_KNEE_SHIFT_RIGHT: {
        int knee =
            signal == ROMCV_SIGNAL_KNEE_SHIFT_LEFT ? ROMCV_LM_LEFT_KNEE : ROMCV_LM_RIGHT_KNEE;
        for (size_t i = 0; i < n; i++) {
            float x, y;
            if (point(s, landmarks, knee, i, &x, &y)) {
                out[i] = across_of(&ax, x, y) / leg;
            }
        }
        subtract_baseline(angles, out);
        return 0;
    }
    case ROMCV_SIGNAL_PELVIS_SHIFT:
        for (size_t i = 0; i < n; i++) {
            /* The person's left is the image's right seen from the front
             * and its left seen from behind; side views cannot see it. */
            float toward_left = angles->view[i] == ROMCV_VIEW_FRONT  ? 1.0f
                                : angles->view[i] == ROMCV_VIEW_BACK ? -1.0f
                                                                     : NAN;
            float hx, hy, fx, fy;
            if (point(s, landmarks, ROMCV_LM_LEFT_HIP, i, &hx, &hy) &&
                point(s, landmarks, ROMCV_LM_RIGHT_HIP, i, &fx, &fy)) {
                float hip = 0.5f * (across_of(&ax, hx, hy) + across_of(&ax, fx, fy));
                float lx, ly, rx, ry;
                if (point(s, landmarks, ROMCV_LM_LEFT_ANKLE, i, &lx, &ly) &&
                    point(s, landmarks, ROMCV_LM_RIGHT_ANKLE, i, &rx, &ry)) {
                    float feet = 0.5f * (across_of(&ax, lx, ly) + across_of(&ax, rx, ry));
                    out[i] = toward_left * (hip - feet) / leg;
                }
            }
        }
        subtract_baseline(angles, out);
        return 0;
    case ROMCV_SIGNAL_PELVIC_DROP_LEFT:
    case ROMCV_SIGNAL_PELVIC_DROP_RIGHT:
        /* Obliquity is positive with the left side higher. */
        angle_values(angles, ROMCV_ANGLE_PELVIC_OBLIQUITY, 1, out);
        if (signal == ROMCV_SIGNAL_PELVIC_DROP_LEFT) {
            for (size_t i = 0; i < n; i++) {
                out[i] = -out[i];
            }
        }
        return 0;
    case ROMCV_SIGNAL_PELVIC_DROP_CM_LEFT:
    case ROMCV_SIGNAL_PELVIC_DROP_CM_RIGHT: {
        /* clinical.md (Magee) states the Trendelenburg rule in cm. Without
         * a scale, the hip landmarks' distance stands for 20 cm (an adult's
         * hip-joint-centre distance is about 17-21 cm; romcv's assumption). */
        float *width = malloc((n ? n : 1) * sizeof *width);
        if (!width) {
            return ROMCV_ERR(ENOMEM);
        }
        int left_drops = signal == ROMCV_SIGNAL_PELVIC_DROP_CM_LEFT;
        for (size_t i = 0; i < n; i++) {
            float lx, ly, rx, ry;
            width[i] = NAN;
            if (point(s, landmarks, ROMCV_LM_LEFT_HIP, i, &lx, &ly) &&
                point(s, landmarks, ROMCV_LM_RIGHT_HIP, i, &rx, &ry)) {
                float drop = height_of(&ax, rx, ry) - height_of(&ax, lx, ly);
                out[i] = left_drops ? drop : -drop;
                width[i] = hypotf(lx - rx, ly - ry);
            }
        }
        subtract_baseline(angles, out);
        double cm_per_px = s->metres_per_pixel > 0
                               ? 100.0 * s->metres_per_pixel
                               : 20.0 / (double)romcv__protocol_median(width, n);
        free(width);
        for (size_t i = 0; i < n; i++) {
            out[i] = (float)(out[i] * cm_per_px);
        }
        return 0;
    }
    case ROMCV_SIGNAL_LUMBAR_CONTRIBUTION:
    case ROMCV_SIGNAL_HIP_CONTRIBUTION: {
        /* A forward bend is the trunk inclining; the pelvis rotating forward
         * over the femurs (anterior tilt) is the hips' part, the rest is
         * the spine's (clinical.md: forward bend, lumbar:hip rhythm). */
        angle_values(angles, ROMCV_ANGLE_PELVIC_TILT, 1, out);
        if (signal == ROMCV_SIGNAL_LUMBAR_CONTRIBUTION) {
            const float *trunk = angles->channel[ROMCV_ANGLE_TRUNK_INCLINATION].relative_deg;
            for (size_t i = 0; i < n; i++) {
                out[i] = trunk[i] - out[i];
            }
        }
        return 0;
    }
    case ROMCV_SIGNAL_TRUNK_TIBIA_DIFFERENCE: {
        static const int knee[2] = {ROMCV_ANGLE_KNEE_FLEXION_LEFT, ROMCV_ANGLE_KNEE_FLEXION_RIGHT};
        static const int thigh[2] = {ROMCV_ANGLE_THIGH_VERTICAL_LEFT,
                                     ROMCV_ANGLE_THIGH_VERTICAL_RIGHT};
        const float *trunk = angles->channel[ROMCV_ANGLE_TRUNK_INCLINATION].value_deg;
        for (size_t i = 0; i < n; i++) {
            /* Knee flexion is the angle between thigh and shank, so the
             * shank leans forward by knee flexion minus the thigh's angle
             * from vertical (0 standing straight). */
            float sum = 0;
            int count = 0;
            for (int l = 0; l < 2; l++) {
                float shank =
                    angles->channel[knee[l]].value_deg[i] - angles->channel[thigh[l]].value_deg[i];
                if (isfinite(shank)) {
                    sum += shank, count++;
                }
            }
            out[i] = count ? trunk[i] - sum / (float)count : NAN;
        }
        return 0;
    }
    default:
        return ROMCV_ERR(EINVAL);
    }
}
