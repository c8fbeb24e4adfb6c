/*
 * metrics/filters.c: time-series filters for angle channels, all on real
 * (possibly uneven) timestamps.
 *
 * - Butterworth: 2nd-order low-pass run forward and backward (zero phase).
 *   Uneven times are handled by resampling each run of finite samples onto a
 *   uniform grid at its median rate (linear interpolation), filtering there,
 *   and interpolating back; the grid ends exactly on the run's first and last
 *   times, so nothing is extrapolated. The ends are padded by odd reflection
 *   and the filter starts in its steady state for the first padded value
 *   (scipy's filtfilt defaults), so a constant or a ramp passes unchanged.
 *   The double pass squares the magnitude: -6.02 dB at the cut-off.
 * - One-euro (Casiez 2012): causal, adaptive cut-off, for live video.
 * - Hampel: median and MAD over a time window, outliers become NaN.
 * - Gap filling: linear, only across gaps up to a maximum duration.
 */
#include "metrics/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- medians */

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Medians here are over short windows (tens of samples): a sort is simple
 * and fast enough, O(count log count). */
float romcv__median(float *values, size_t count) {
    if (count == 0)
        return NAN;
    qsort(values, count, sizeof *values, cmp_float);
    if (count % 2)
        return values[count / 2];
    return 0.5f * (values[count / 2 - 1] + values[count / 2]);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --------------------------------------------------------- Butterworth */

typedef struct Biquad {
    double b0, b1, b2, a1, a2;
} Biquad;

/* Bilinear transform with pre-warping, so the analog prototype's -3 dB
 * point lands exactly on cutoff_hz at this sample rate. */
static Biquad butter2_lowpass(double cutoff_hz, double rate_hz) {
    const double k = tan(M_PI * cutoff_hz / rate_hz), k2 = k * k, r2 = sqrt(2.0);
    const double norm = 1.0 / (1.0 + r2 * k + k2);
    Biquad q;
    q.b0 = k2 * norm;
    q.b1 = 2.0 * q.b0;
    q.b2 = q.b0;
    q.a1 = 2.0 * (k2 - 1.0) * norm;
    q.a2 = (1.0 - r2 * k + k2) * norm;
    return q;
}

/* In-place direct form II transposed, starting in the steady state of a
 * constant input equal to v[0] (DC gain is 1, so z1 = (1 - b0) v0 and
 * z2 = (b2 - a2) v0). step is +1 forward or -1 backward. */
static void biquad_run(const Biquad *q, double *v, size_t m, int backward) {
    size_t first = backward ? m - 1 : 0;
    double z1 = (1.0 - q->b0) * v[first], z2 = (q->b2 - q->a2) * v[first];
    for (size_t c = 0; c < m; c++) {
        size_t i = backward ? m - 1 - c : c;
        double x = v[i], y = q->b0 * x + z1;
        z1 = q->b1 * x - q->a1 * y + z2;
        z2 = q->b2 * x - q->a2 * y;
        v[i] = y;
    }
}

/* Filters one run of finite samples, [s, e) of t and x. */
static int butter_run(const double *t, float *x, size_t s, size_t e, double cutoff_hz) {
    const size_t m = e - s;
    if (m < 4)
        return 0;
    double *dt = malloc((m - 1) * sizeof *dt);
    if (!dt)
        return ROMCV_ERR(ENOMEM);
    for (size_t i = 0; i + 1 < m; i++)
        dt[i] = t[s + i + 1] - t[s + i];
    qsort(dt, m - 1, sizeof *dt, cmp_double);
    const double median_dt = dt[(m - 1) / 2];
    free(dt);
    const double span = t[e - 1] - t[s];
    if (!(median_dt > 0.0) || !(span > 0.0))
        return 0;
    size_t steps = (size_t)llround(span / median_dt);
    if (steps < 3)
        return 0;
    const double grid_dt = span / (double)steps, rate = 1.0 / grid_dt;
    if (cutoff_hz >= 0.45 * rate)
        return 0; /* nothing to remove below Nyquist; filtering would only distort */
    const size_t g = steps + 1;
    /* Padding: three time constants of the filter (rate / cutoff samples each)
     * or scipy's minimum of 9, never more than the run allows. */
    size_t pad = (size_t)ceil(3.0 * rate / cutoff_hz);
    if (pad < 9)
        pad = 9;
    if (pad > g - 1)
        pad = g - 1;
    double *v = malloc((g + 2 * pad) * sizeof *v);
    if (!v)
        return ROMCV_ERR(ENOMEM);
    double *grid = v + pad;
    /* Linear resampling onto the grid. */
    size_t j = s;
    for (size_t k = 0; k < g; k++) {
        double tk = t[s] + (double)k * grid_dt;
        if (k == g - 1)
            tk = t[e - 1];
        while (j + 2 < e && t[j + 1] < tk)
            j++;
        double span_j = t[j + 1] - t[j], f = span_j > 0.0 ? (tk - t[j]) / span_j : 0.0;
        f = f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
        grid[k] = (double)x[j] + f * ((double)x[j + 1] - (double)x[j]);
    }
    /* Odd reflection about the end values keeps level and slope continuous. */
    for (size_t k = 1; k <= pad; k++) {
        v[pad - k] = 2.0 * grid[0] - grid[k];
        grid[g - 1 + k] = 2.0 * grid[g - 1] - grid[g - 1 - k];
    }
    const Biquad q = butter2_lowpass(cutoff_hz, rate);
    biquad_run(&q, v, g + 2 * pad, 0);
    biquad_run(&q, v, g + 2 * pad, 1);
    /* Back to the original times. */
    for (size_t i = s; i < e; i++) {
        double pos = (t[i] - t[s]) / grid_dt;
        size_t k = (size_t)floor(pos);
        if (k >= g - 1)
            k = g - 2;
        double f = pos - (double)k;
        f = f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
        x[i] = (float)(grid[k] + f * (grid[k + 1] - grid[k]));
    }
    free(v);
    return 0;
}

int romcv_filter_butterworth(const double *time_s, float *x, size_t n, double cutoff_hz) {
    if ((!time_s || !x) && n > 0)
        return ROMCV_ERR(EINVAL);
    if (!(cutoff_hz > 0.0))
        return ROMCV_ERR(EINVAL);
    size_t i = 0;
    while (i < n) {
        while (i < n && !isfinite(x[i]))
            i++;
        size_t s = i;
        while (i < n && isfinite(x[i]))
            i++;
        if (i > s) {
            int rc = butter_run(time_s, x, s, i, cutoff_hz);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ one-euro */

void romcv_one_euro_init(RomcvOneEuro *f, double min_cutoff_hz, double beta, double d_cutoff_hz) {
    memset(f, 0, sizeof *f);
    f->min_cutoff_hz = min_cutoff_hz;
    f->beta = beta;
    f->d_cutoff_hz = d_cutoff_hz;
}

/* Smoothing factor of an exponential filter with this cut-off over dt. */
static double one_euro_alpha(double cutoff_hz, double dt) {
    double tau = 1.0 / (2.0 * M_PI * cutoff_hz);
    return 1.0 / (1.0 + tau / dt);
}

double romcv_one_euro_step(RomcvOneEuro *f, double time_s, double x) {
    if (!isfinite(x)) {
        f->started_ = 0;
        return NAN;
    }
    if (!f->started_ || !(time_s > f->t_prev_)) {
        if (f->started_)
            return f->x_prev_; /* a repeated timestamp adds no information */
        f->started_ = 1;
        f->t_prev_ = time_s;
        f->x_prev_ = x;
        f->dx_prev_ = 0.0;
        return x;
    }
    const double dt = time_s - f->t_prev_;
    const double dx = (x - f->x_prev_) / dt;
    const double edx = f->dx_prev_ + one_euro_alpha(f->d_cutoff_hz, dt) * (dx - f->dx_prev_);
    const double cutoff = f->min_cutoff_hz + f->beta * fabs(edx);
    const double y = f->x_prev_ + one_euro_alpha(cutoff, dt) * (x - f->x_prev_);
    f->t_prev_ = time_s;
    f->x_prev_ = y;
    f->dx_prev_ = edx;
    return y;
}

/* -------------------------------------------------------------- Hampel */

long romcv_filter_hampel(const double *time_s, float *x, size_t n, double half_window_s,
                         double n_sigmas, uint8_t *flags) {
    if (n == 0)
        return 0;
    if (!time_s || !x || !(half_window_s >= 0.0) || !(n_sigmas > 0.0))
        return ROMCV_ERR(EINVAL);
    /* Decisions use the input values, not values already rejected, so the
     * result does not depend on the scan direction: work from a copy. */
    float *orig = malloc(n * sizeof *orig);
    float *scratch = malloc(n * sizeof *scratch);
    if (!orig || !scratch) {
        free(orig);
        free(scratch);
        return ROMCV_ERR(ENOMEM);
    }
    memcpy(orig, x, n * sizeof *orig);
    long rejected = 0;
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        while (lo < n && time_s[lo] < time_s[i] - half_window_s)
            lo++;
        while (hi < n && time_s[hi] <= time_s[i] + half_window_s)
            hi++;
        if (!isfinite(orig[i]))
            continue;
        size_t count = 0;
        for (size_t j = lo; j < hi; j++)
            if (isfinite(orig[j]))
                scratch[count++] = orig[j];
        if (count < 3)
            continue;
        float med = romcv__median(scratch, count);
        for (size_t j = 0; j < count; j++)
            scratch[j] = fabsf(scratch[j] - med);
        float mad = romcv__median(scratch, count);
        if (fabs((double)orig[i] - med) > n_sigmas * 1.4826 * (double)mad) {
            x[i] = NAN;
            if (flags)
                flags[i] = 1;
            rejected++;
        }
    }
    free(orig);
    free(scratch);
    return rejected;
}

/* ---------------------------------------------------------- gap filling */

long romcv_filter_fill_gaps(const double *time_s, float *x, size_t n, double max_gap_s,
                            const uint8_t *fillable, uint8_t *filled) {
    if (n == 0)
        return 0;
    if (!time_s || !x)
        return ROMCV_ERR(EINVAL);
    long count = 0;
    size_t i = 0;
    while (i < n && !isfinite(x[i]))
        i++; /* a leading gap has no left neighbour: stays NaN */
    while (i < n) {
        size_t left = i;
        while (i < n && isfinite(x[i]))
            left = i++;
        size_t start = i;
        int can = 1;
        while (i < n && !isfinite(x[i])) {
            if (fillable && !fillable[i])
                can = 0;
            i++;
        }
        if (i >= n)
            break; /* a trailing gap has no right neighbour */
        if (!can || !(time_s[i] - time_s[left] <= max_gap_s))
            continue;
        for (size_t k = start; k < i; k++) {
            double f = (time_s[k] - time_s[left]) / (time_s[i] - time_s[left]);
            x[k] = (float)((double)x[left] + f * ((double)x[i] - (double)x[left]));
            if (filled)
                filled[k] = 1;
            count++;
        }
    }
    return count;
}
