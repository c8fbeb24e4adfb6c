/*
 * vision/smoothing.c: one-euro and low-pass landmark filters, as MediaPipe
 * computes them (see smoothing.h for the sources).
 */
#include "vision/smoothing.h"

#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

float romcv__low_pass_apply(RomcvLowPass *f, float value, float alpha) {
    /* LowPassFilter::SetAlpha ignores (logs) values outside [0, 1]. */
    if (alpha >= 0.0f && alpha <= 1.0f) {
        f->alpha = alpha;
    }
    float result;
    if (f->initialized) {
        result = (float)(f->alpha * value + (1.0 - f->alpha) * f->stored);
    } else {
        result = value;
        f->initialized = 1;
    }
    f->raw = value;
    f->stored = result;
    return result;
}

/* OneEuroFilter's constructor defaults: frequency 30 Hz (the option's
 * default) until two timestamps give the real rate. */
#define ONE_EURO_DEFAULT_FREQUENCY 30.0

void romcv__one_euro_init(RomcvOneEuro *f, double min_cutoff, double beta, double derivate_cutoff) {
    memset(f, 0, sizeof(*f));
    f->frequency = ONE_EURO_DEFAULT_FREQUENCY;
    f->min_cutoff = min_cutoff;
    f->beta = beta;
    f->derivate_cutoff = derivate_cutoff;
}

static double one_euro_alpha(const RomcvOneEuro *f, double cutoff) {
    const double te = 1.0 / f->frequency;
    const double tau = 1.0 / (2.0 * M_PI * cutoff);
    return 1.0 / (1.0 + tau / te);
}

double romcv__one_euro_apply(RomcvOneEuro *f, int64_t time_ns, double value_scale, double value) {
    if (f->last_time_ns >= time_ns) {
        /* Out-of-order or repeated time: MediaPipe returns the value as is. */
        return value;
    }
    if (f->last_time_ns != 0 && time_ns != 0) {
        f->frequency = 1.0 / ((double)(time_ns - f->last_time_ns) * 1e-9);
    }
    f->last_time_ns = time_ns;
    const double dvalue =
        f->x.initialized ? (value - (double)f->x.raw) * value_scale * f->frequency : 0.0;
    const double edvalue =
        romcv__low_pass_apply(&f->dx, (float)dvalue, (float)one_euro_alpha(f, f->derivate_cutoff));
    const double cutoff = f->min_cutoff + f->beta * fabs(edvalue);
    return romcv__low_pass_apply(&f->x, (float)value, (float)one_euro_alpha(f, cutoff));
}

void romcv__smoother_init(RomcvLandmarkSmoother *s, double min_cutoff, double beta,
                          double derivate_cutoff, int disable_value_scaling) {
    memset(s, 0, sizeof(*s));
    s->min_cutoff = min_cutoff;
    s->beta = beta;
    s->derivate_cutoff = derivate_cutoff;
    s->disable_value_scaling = disable_value_scaling;
}

void romcv__smoother_reset(RomcvLandmarkSmoother *s) {
    s->n = 0;
}

/* OneEuroFilterConfig.min_allowed_object_scale default: below it the
 * landmarks pass unfiltered. */
#define MIN_ALLOWED_OBJECT_SCALE 1e-6f

void romcv__smoother_apply(RomcvLandmarkSmoother *s, RomcvLandmark *lm, int n, int64_t time_us,
                           int width, int height, float object_scale) {
    if (n > ROMCV_SMOOTH_MAX_LANDMARKS) {
        n = ROMCV_SMOOTH_MAX_LANDMARKS;
    }
    if (s->n != n) {
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < 3; a++) {
                romcv__one_euro_init(&s->filters[i][a], s->min_cutoff, s->beta, s->derivate_cutoff);
            }
        }
        s->n = n;
    }
    float value_scale = 1.0f;
    if (!s->disable_value_scaling) {
        if (object_scale < MIN_ALLOWED_OBJECT_SCALE) {
            return;
        }
        value_scale = 1.0f / object_scale;
    }
    /* Timestamps are microseconds in MediaPipe's graph (absl::Duration). */
    const int64_t t_ns = time_us * 1000;
    const float fw = width > 0 ? (float)width : 1.0f;
    const float fh = height > 0 ? (float)height : 1.0f;
    for (int i = 0; i < n; i++) {
        /* NormalizedLandmarksToLandmarks: x * width, y * height, z * width. */
        const float x = lm[i].x * fw, y = lm[i].y * fh, z = lm[i].z * fw;
        const float fx = (float)romcv__one_euro_apply(&s->filters[i][0], t_ns, value_scale, x);
        const float fy = (float)romcv__one_euro_apply(&s->filters[i][1], t_ns, value_scale, y);
        const float fz = (float)romcv__one_euro_apply(&s->filters[i][2], t_ns, value_scale, z);
        lm[i].x = fx / fw;
        lm[i].y = fy / fh;
        lm[i].z = fz / fw;
    }
}

void romcv__visibility_init(RomcvVisibilitySmoother *s, float alpha) {
    memset(s, 0, sizeof(*s));
    s->alpha = alpha;
}

void romcv__visibility_reset(RomcvVisibilitySmoother *s) {
    s->n = 0;
}

void romcv__visibility_apply(RomcvVisibilitySmoother *s, RomcvLandmark *lm, int n) {
    if (n > ROMCV_SMOOTH_MAX_LANDMARKS) {
        n = ROMCV_SMOOTH_MAX_LANDMARKS;
    }
    if (s->n != n) {
        memset(s->filters, 0, sizeof(s->filters));
        for (int i = 0; i < n; i++) {
            s->filters[i].alpha = s->alpha;
        }
        s->n = n;
    }
    for (int i = 0; i < n; i++) {
        lm[i].visibility = romcv__low_pass_apply(&s->filters[i], lm[i].visibility, s->alpha);
    }
}

void romcv__segmentation_smooth(float *mask, const float *prev, size_t n, float ratio) {
    /* segmentation_smoothing_calculator.cc: the polynomial approximates
     * 1 - (1 - H(p))^2 with H the binary entropy, as a function of (p - 0.5)^2. */
    const float c1 = 5.68842f, c2 = -0.748699f, c3 = -57.8051f, c4 = 291.309f, c5 = -624.717f;
    for (size_t i = 0; i < n; i++) {
        const float cur = mask[i];
        const float t = cur - 0.5f;
        const float x = t * t;
        const float poly = x * (c1 + x * (c2 + x * (c3 + x * (c4 + x * c5))));
        const float uncertainty = 1.0f - (poly < 1.0f ? poly : 1.0f);
        mask[i] = cur + (prev[i] - cur) * (uncertainty * ratio);
    }
}
