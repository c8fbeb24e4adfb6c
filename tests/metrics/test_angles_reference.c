/*
 * tests/metrics/test_angles_reference.c: angles from MediaPipe's reference
 * landmarks (../shared/reference, squat filmed from the side) agree between
 * the smoothed and the unsmoothed landmark streams: the median knee flexion
 * difference is small, the squat is deep, and the view is a side view.
 */
#include "testutil.h"

#include "romcv/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static RomcvAngleResults *angles_of(const RomcvTestReference *l) {
    RomcvLandmarkSeries lm = {.n = l->n, .time_s = l->t};
    for (int k = 0; k < 33; k++) {
        lm.x[k] = l->x[k];
        lm.y[k] = l->y[k];
        lm.visibility[k] = l->v[k];
    }
    RomcvMetricsSettings st;
    romcv_metrics_default_settings(&st);
    RomcvMetrics *m = NULL;
    ck_assert_int_eq(romcv_metrics_create(&m, &st, NULL), 0);
    RomcvAngleResults *r = NULL;
    ck_assert_int_eq(romcv_metrics_compute(m, &lm, NULL, NULL, &r), 0);
    romcv_metrics_destroy(&m);
    return r;
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

START_TEST(squat_side_smoothed_vs_unsmoothed) {
    RomcvTestReference a, b;
    romcv_test_reference_load("reference/squat_side.m1.jsonl", &a);
    romcv_test_reference_load("reference/squat_side.m1.nosmooth.jsonl", &b);
    ck_assert_uint_eq(a.n, b.n);
    ck_assert_uint_gt(a.n, 100);
    RomcvAngleResults *ra = angles_of(&a), *rb = angles_of(&b);
    size_t side = 0;
    for (size_t i = 0; i < ra->n; i++)
        side += ra->view[i] == ROMCV_VIEW_LEFT_SIDE || ra->view[i] == ROMCV_VIEW_RIGHT_SIDE;
    ck_assert_msg(side * 10 >= ra->n * 9, "side view in %zu of %zu frames", side, ra->n);
    /* The knee nearer the camera: the channel with more measured frames. */
    RomcvAngleId knee = ra->channel[ROMCV_ANGLE_KNEE_FLEXION_LEFT].valid >=
                                ra->channel[ROMCV_ANGLE_KNEE_FLEXION_RIGHT].valid
                            ? ROMCV_ANGLE_KNEE_FLEXION_LEFT
                            : ROMCV_ANGLE_KNEE_FLEXION_RIGHT;
    float *diff = malloc(ra->n * sizeof *diff);
    size_t count = 0;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < ra->n; i++) {
        float x = ra->channel[knee].value_deg[i], y = rb->channel[knee].value_deg[i];
        if (!isfinite(x) || !isfinite(y))
            continue;
        diff[count++] = fabsf(x - y);
        lo = fminf(lo, x);
        hi = fmaxf(hi, x);
    }
    ck_assert_msg(count * 10 >= ra->n * 8, "knee measured in %zu of %zu frames", count, ra->n);
    qsort(diff, count, sizeof *diff, cmp_float);
    float median = diff[count / 2], p90 = diff[count * 9 / 10];
    printf("%s: %zu frames, range %.1f..%.1f deg, |smoothed - unsmoothed| median %.2f, "
           "p90 %.2f deg\n",
           romcv_angle_info(knee)->name, count, lo, hi, median, p90);
    ck_assert_msg(hi - lo > 60.0f, "a squat should bend the knee: range %.1f", hi - lo);
    ck_assert_msg(median < 2.0f, "median difference %.2f deg", median);
    ck_assert_msg(p90 < 6.0f, "p90 difference %.2f deg", p90);
    free(diff);
    romcv_angle_results_destroy(&ra);
    romcv_angle_results_destroy(&rb);
    romcv_test_reference_free(&a);
    romcv_test_reference_free(&b);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("metrics_reference");
    TCase *tc = tcase_create("reference");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, squat_side_smoothed_vs_unsmoothed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
