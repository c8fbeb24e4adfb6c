/*
 * tests/metrics/test_angles_reference.c: angles from MediaPipe's reference
 * landmarks (../shared/reference, squat filmed from the side) agree between
 * the smoothed and the unsmoothed landmark streams: the median knee flexion
 * difference is small, the squat is deep, and the view is a side view.
 */
#include "testutil.h"

#include "core/json.h"
#include "romcv/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Loaded {
    size_t n;
    double *t;
    float *x[33], *y[33], *v[33];
} Loaded;

/* Reads a reference JSONL file: one frame per line, landmarks normalised to
 * the frame (converted to px with the frame's width and height here). */
static void load(const char *relative, Loaded *out) {
    char *path = romcv_test_shared_file(relative);
    size_t size = 0;
    char *text = romcv_test_read_file(path, &size);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n';
    memset(out, 0, sizeof *out);
    out->t = malloc(lines * sizeof *out->t);
    for (int k = 0; k < 33; k++) {
        out->x[k] = malloc(lines * sizeof(float));
        out->y[k] = malloc(lines * sizeof(float));
        out->v[k] = malloc(lines * sizeof(float));
    }
    char *line = text;
    while (line < text + size) {
        char *end = memchr(line, '\n', (size_t)(text + size - line));
        size_t len = end ? (size_t)(end - line) : (size_t)(text + size - line);
        RomcvJsonDoc *doc = NULL;
        if (len > 1) {
            ck_assert_int_eq(romcv__json_parse(&doc, line, len, relative, NULL), 0);
            const RomcvJsonValue *root = romcv__json_root(doc);
            const RomcvJsonValue *lms = romcv__json_get(root, "landmarks");
            double w = romcv__json_number(romcv__json_get(root, "width"));
            double h = romcv__json_number(romcv__json_get(root, "height"));
            size_t i = out->n++;
            out->t[i] = romcv__json_number(romcv__json_get(root, "timestamp_ms")) / 1000.0;
            int have = romcv__json_type(lms) == ROMCV_JSON_ARRAY && romcv__json_size(lms) == 33;
            for (int k = 0; k < 33; k++) {
                const RomcvJsonValue *p = have ? romcv__json_at(lms, (size_t)k) : NULL;
                out->x[k][i] = p ? (float)(w * romcv__json_number(romcv__json_get(p, "x"))) : NAN;
                out->y[k][i] = p ? (float)(h * romcv__json_number(romcv__json_get(p, "y"))) : NAN;
                out->v[k][i] = p ? (float)romcv__json_number(romcv__json_get(p, "visibility")) : 0;
            }
            romcv__json_free(&doc);
        }
        line += len + 1;
    }
    free(text);
    free(path);
}

static void unload(Loaded *l) {
    free(l->t);
    for (int k = 0; k < 33; k++) {
        free(l->x[k]);
        free(l->y[k]);
        free(l->v[k]);
    }
}

static RomcvAngleResults *angles_of(const Loaded *l) {
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
    Loaded a, b;
    load("reference/squat_side.m1.jsonl", &a);
    load("reference/squat_side.m1.nosmooth.jsonl", &b);
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
    unload(&a);
    unload(&b);
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
