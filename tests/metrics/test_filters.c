/*
 * tests/metrics/test_filters.c: the zero-phase Butterworth (its -6.02 dB
 * point at the cut-off, edges, uneven timestamps), one-euro, Hampel, gap
 * limits, and left/right swap repair.
 */
#include "testutil.h"

#include "romcv/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Amplitude of a sine of frequency f after filtering, measured on the middle
 * half (away from the edges) by projection onto sin and cos. */
static double gain_at(double f_hz, double rate, double cutoff) {
    const size_t n = (size_t)(20.0 * rate);
    double *t = malloc(n * sizeof *t);
    float *x = malloc(n * sizeof *x);
    ck_assert(t && x && n > 0);
    for (size_t i = 0; i < n; i++) {
        t[i] = (double)i / rate;
        x[i] = (float)sin(2 * M_PI * f_hz * t[i]);
    }
    ck_assert_int_eq(romcv_filter_butterworth(t, x, n, cutoff), 0);
    double s = 0, c = 0;
    size_t count = 0;
    for (size_t i = n / 4; i < 3 * n / 4; i++, count++) {
        s += x[i] * sin(2 * M_PI * f_hz * t[i]);
        c += x[i] * cos(2 * M_PI * f_hz * t[i]);
    }
    free(t);
    free(x);
    return 2.0 * hypot(s, c) / (double)count;
}

START_TEST(butterworth_is_minus_6db_at_cutoff) {
    /* filtfilt squares |H|: 2nd-order Butterworth |H(fc)|^2 = 0.5 (-6.02 dB). */
    ck_assert_double_eq_tol(gain_at(6.0, 100.0, 6.0), 0.5, 0.01);
    ck_assert_double_eq_tol(gain_at(1.0, 100.0, 6.0), 1.0, 0.01);
    /* |H|^2 = 1 / (1 + (f/fc)^4) for the prototype; warping makes it smaller. */
    ck_assert_double_lt(gain_at(20.0, 100.0, 6.0), 1.0 / (1.0 + pow(20.0 / 6.0, 4)) + 0.005);
    ck_assert_double_eq_tol(gain_at(3.0, 30.0, 6.0), 1.0 / (1.0 + pow(3.0 / 6.0, 4)), 0.03);
}
END_TEST

START_TEST(butterworth_keeps_ramps_and_nans) {
    enum { N = 200 };
    double t[N];
    float x[N];
    for (size_t i = 0; i < N; i++) {
        t[i] = (double)i / 30.0;
        x[i] = (float)(10.0 + 3.0 * t[i]);
    }
    x[100] = NAN;
    ck_assert_int_eq(romcv_filter_butterworth(t, x, N, 6.0), 0);
    for (size_t i = 0; i < N; i++) {
        if (i == 100) {
            ck_assert(isnan(x[i]));
            continue;
        }
        /* Odd padding and steady-state start: a ramp passes, edges included. */
        ck_assert_float_eq_tol(x[i], 10.0 + 3.0 * t[i], 2e-3);
    }
    ck_assert_int_eq(romcv_filter_butterworth(t, x, N, 0.0), ROMCV_ERR(EINVAL));
}
END_TEST

START_TEST(butterworth_on_uneven_timestamps) {
    enum { N = 600 };
    double t[N];
    float x[N];
    unsigned seed = 7;
    double time = 0;
    for (size_t i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        double jitter = ((seed >> 16) % 1000) / 1000.0 - 0.5; /* +-50% of a frame */
        time += (1.0 + 0.6 * jitter) / 30.0;
        t[i] = time;
        /* 1 Hz signal plus 12 Hz "noise" (below the 15 Hz Nyquist). */
        x[i] = (float)(20.0 * sin(2 * M_PI * 1.0 * t[i]) + 4.0 * sin(2 * M_PI * 12.0 * t[i]));
    }
    ck_assert_int_eq(romcv_filter_butterworth(t, x, N, 4.0), 0);
    double err2 = 0;
    for (size_t i = 30; i < N - 30; i++) {
        double e = x[i] - 20.0 * sin(2 * M_PI * t[i]);
        err2 += e * e;
    }
    double rms = sqrt(err2 / (N - 60));
    ck_assert_msg(rms < 0.6, "residual %.3f deg RMS (noise was 2.83)", rms);
}
END_TEST

START_TEST(one_euro_tracks_and_restarts) {
    RomcvOneEuro f;
    romcv_one_euro_init(&f, 1.0, 0.05, 1.0);
    ck_assert_double_eq(romcv_one_euro_step(&f, 0.0, 5.0), 5.0);
    double y = 0;
    double times[] = {0.03, 0.05, 0.11, 0.12, 0.2};
    for (int i = 0; i < 5; i++)
        y = romcv_one_euro_step(&f, times[i], 5.0);
    ck_assert_double_eq_tol(y, 5.0, 1e-12);
    /* A step is approached monotonically, without overshoot. */
    double prev = 5.0;
    for (int i = 1; i <= 200; i++) {
        y = romcv_one_euro_step(&f, 0.2 + i / 30.0, 15.0);
        ck_assert(y >= prev - 1e-12 && y <= 15.0 + 1e-12);
        prev = y;
    }
    ck_assert_double_eq_tol(y, 15.0, 0.05);
    ck_assert(isnan(romcv_one_euro_step(&f, 10.0, NAN)));
    ck_assert_double_eq(romcv_one_euro_step(&f, 10.1, -3.0), -3.0);
}
END_TEST

START_TEST(hampel_rejects_spikes_only) {
    enum { N = 90 };
    double t[N];
    float x[N];
    uint8_t flags[N] = {0};
    for (size_t i = 0; i < N; i++) {
        t[i] = (double)i / 30.0 + (i % 3) * 0.004; /* uneven */
        x[i] = (float)(30.0 * sin(2 * M_PI * 0.5 * t[i]));
    }
    x[40] += 60.0f; /* the local slope alone spreads the window by +-14 */
    x[41] = NAN;
    ck_assert_int_eq(romcv_filter_hampel(t, x, N, 0.15, 3.0, flags), 1);
    ck_assert(isnan(x[40]) && flags[40] == 1);
    ck_assert_int_eq(flags[39] + flags[42], 0);
}
END_TEST

START_TEST(gaps_filled_only_up_to_the_limit) {
    enum { N = 40 };
    double t[N];
    float x[N];
    uint8_t filled[N] = {0}, fillable[N];
    for (size_t i = 0; i < N; i++) {
        t[i] = (double)i * 0.05;
        x[i] = (float)i;
        fillable[i] = 1;
    }
    x[0] = NAN;        /* leading: stays */
    x[5] = x[6] = NAN; /* 0.15 s between neighbours: filled */
    for (int i = 10; i < 20; i++)
        x[i] = NAN; /* 0.55 s: too long, stays */
    x[25] = NAN;
    fillable[25] = 0; /* e.g. low visibility: never guessed */
    x[39] = NAN;      /* trailing: stays */
    ck_assert_int_eq(romcv_filter_fill_gaps(t, x, N, 0.2, fillable, filled), 2);
    ck_assert_float_eq_tol(x[5], 5.0f, 1e-5f);
    ck_assert_float_eq_tol(x[6], 6.0f, 1e-5f);
    ck_assert(filled[5] && filled[6] && !filled[10] && !filled[25]);
    ck_assert(isnan(x[0]) && isnan(x[15]) && isnan(x[25]) && isnan(x[39]));
}
END_TEST

/* Side view walking in place: legs swing in opposite phase. */
START_TEST(leg_swaps_are_repaired) {
    enum { N = 40 };
    static double t[N];
    static float x[33][N], y[33][N];
    for (size_t i = 0; i < N; i++) {
        t[i] = (double)i / 30.0;
        double swing = 25.0 * sin(2 * M_PI * t[i]) * M_PI / 180.0;
        for (int k = 0; k < 33; k++)
            x[k][i] = 500.0f, y[k][i] = 300.0f;
        x[0][i] = 540, y[0][i] = 180;
        x[7][i] = 490, x[8][i] = 494, y[7][i] = y[8][i] = 170;
        x[11][i] = 502, x[12][i] = 498, y[11][i] = y[12][i] = 240;
        x[23][i] = 500, x[24][i] = 500, y[23][i] = y[24][i] = 500;
        for (int side = 0; side < 2; side++) {
            double a = side ? -swing : swing;
            float kx = (float)(500 + 200 * sin(a)), ky = (float)(500 + 200 * cos(a));
            float ax = (float)(kx + 190 * sin(a - 0.3)), ay = (float)(ky + 190 * cos(a - 0.3));
            x[25 + side][i] = kx, y[25 + side][i] = ky;
            x[27 + side][i] = ax, y[27 + side][i] = ay;
            x[29 + side][i] = ax - 20, y[29 + side][i] = ay + 10;
            x[31 + side][i] = ax + 50, y[31 + side][i] = ay + 12;
        }
    }
    /* The model swaps the legs in frames 8-10 (near full swing). */
    for (size_t i = 8; i <= 10; i++)
        for (int k = 25; k <= 31; k += 2) {
            float tx = x[k][i], ty = y[k][i];
            x[k][i] = x[k + 1][i], y[k][i] = y[k + 1][i];
            x[k + 1][i] = tx, y[k + 1][i] = ty;
        }
    RomcvLandmarkSeries lm = {.n = N, .time_s = t};
    for (int k = 0; k < 33; k++)
        lm.x[k] = x[k], lm.y[k] = y[k];
    RomcvMetricsSettings st;
    romcv_metrics_default_settings(&st);
    st.filter = ROMCV_FILTER_NONE;
    st.hampel_half_window_s = 0;
    RomcvMetrics *m = NULL;
    ck_assert_int_eq(romcv_metrics_create(&m, &st, NULL), 0);
    RomcvAngleResults *r = NULL;
    ck_assert_int_eq(romcv_metrics_compute(m, &lm, NULL, NULL, &r), 0);
    for (size_t i = 0; i < N; i++) {
        ck_assert_int_eq(r->view[i], ROMCV_VIEW_RIGHT_SIDE);
        ck_assert_int_eq(!!(r->swapped[i] & ROMCV_SWAP_LEGS), i >= 8 && i <= 10);
        double swing = 25.0 * sin(2 * M_PI * t[i]);
        ck_assert_float_eq_tol(r->channel[ROMCV_ANGLE_THIGH_VERTICAL_LEFT].value_deg[i], swing,
                               1e-3);
    }
    romcv_angle_results_destroy(&r);
    /* Without repair the swapped frames show the other leg. */
    st.repair_swaps = 0;
    romcv_metrics_destroy(&m);
    ck_assert_int_eq(romcv_metrics_create(&m, &st, NULL), 0);
    ck_assert_int_eq(romcv_metrics_compute(m, &lm, NULL, NULL, &r), 0);
    ck_assert_float_eq_tol(r->channel[ROMCV_ANGLE_THIGH_VERTICAL_LEFT].value_deg[9],
                           -25.0 * sin(2 * M_PI * t[9]), 1e-3);
    romcv_angle_results_destroy(&r);
    romcv_metrics_destroy(&m);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("metrics_filters");
    TCase *tc = tcase_create("filters");
    tcase_add_test(tc, butterworth_is_minus_6db_at_cutoff);
    tcase_add_test(tc, butterworth_keeps_ramps_and_nans);
    tcase_add_test(tc, butterworth_on_uneven_timestamps);
    tcase_add_test(tc, one_euro_tracks_and_restarts);
    tcase_add_test(tc, hampel_rejects_spikes_only);
    tcase_add_test(tc, gaps_filled_only_up_to_the_limit);
    tcase_add_test(tc, leg_swaps_are_repaired);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
