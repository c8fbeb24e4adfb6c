/* tests/vision/test_landmark_compare.c: the landmark comparison of issue 4's
 * acceptance (landmark_compare.h): identity, known perturbations, malformed
 * files, and MediaPipe's own variants against each other. */
#include "testutil.h"

#include "landmark_compare.h"

#include "core/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static LmcSeries load_shared(const char *relative) {
    char *path = romcv_test_shared_file(relative);
    LmcSeries series;
    RomcvDiag diag = {0};
    int rc = lmc_load_file(&series, path, &diag);
    ck_assert_msg(rc == 0, "%s", diag.message);
    free(path);
    return series;
}

static LmcResult compare_ok(const LmcSeries *candidate, const LmcSeries *reference) {
    LmcResult result;
    RomcvDiag diag = {0};
    int rc = lmc_compare(candidate, reference, NULL, &result, &diag);
    ck_assert_msg(rc == 0, "%s", diag.message);
    return result;
}

START_TEST(compare_reference_with_itself) {
    LmcSeries ref = load_shared("reference/squat_side.m1.jsonl");
    ck_assert_uint_eq(ref.count, 614);
    ck_assert_int_eq(ref.frames[0].width, 608);
    ck_assert(ref.frames[0].has_pose && ref.frames[0].has_debug && ref.frames[0].has_detection);
    LmcResult r = compare_ok(&ref, &ref);
    ck_assert_uint_eq(r.matched_frames, 614);
    ck_assert_uint_eq(r.mismatch_frames, 0);
    ck_assert_double_eq(r.mismatch_pct, 0.0);
    ck_assert_uint_eq(r.both_pose_frames, 614);
    /* The same count the Python check of the brief found: 16926 visible. */
    ck_assert_uint_eq(r.distance_pct.n, 16926);
    ck_assert_double_eq(r.distance_pct.median, 0.0);
    ck_assert_double_eq(r.distance_pct.max, 0.0);
    ck_assert_uint_gt(r.angle_all_deg.n, 0);
    ck_assert_double_eq(r.angle_all_deg.max, 0.0);
    ck_assert_uint_eq(r.debug_frames, 614);
    ck_assert_uint_gt(r.detection.both, 0);
    ck_assert_uint_eq(r.detection.one_only, 0);
    ck_assert_double_eq(r.detection.center_pct.max, 0.0);
    ck_assert_uint_eq(r.roi_from_landmarks.both, 614);
    ck_assert_double_eq(r.roi_from_landmarks.rotation_deg.max, 0.0);
    ck_assert(r.pass && r.pass_mismatch && r.pass_median && r.pass_p95 && r.pass_angles);
    lmc_series_free(&ref);
    ck_assert_ptr_null(ref.frames);
}
END_TEST

/* Copies v through the writer, adding 0.01 to the member named shift_key
 * (when not NULL) of an object. */
static void copy_value(RomcvJsonWriter *w, const RomcvJsonValue *v, const char *shift_key) {
    switch (romcv__json_type(v)) {
    case ROMCV_JSON_OBJECT:
        romcv__json_write_begin_object(w);
        for (size_t i = 0; i < romcv__json_size(v); i++) {
            const char *key;
            const RomcvJsonValue *m = romcv__json_member(v, i, &key);
            romcv__json_write_key(w, key);
            if (shift_key && strcmp(key, shift_key) == 0 &&
                romcv__json_type(m) == ROMCV_JSON_NUMBER)
                romcv__json_write_number(w, romcv__json_number(m) + 0.01);
            else
                copy_value(w, m, NULL);
        }
        romcv__json_write_end_object(w);
        break;
    case ROMCV_JSON_ARRAY:
        romcv__json_write_begin_array(w);
        for (size_t i = 0; i < romcv__json_size(v); i++)
            copy_value(w, romcv__json_at(v, i), shift_key);
        romcv__json_write_end_array(w);
        break;
    case ROMCV_JSON_NUMBER:
        romcv__json_write_number(w, romcv__json_number(v));
        break;
    case ROMCV_JSON_STRING: {
        size_t len;
        const char *s = romcv__json_string(v, &len);
        romcv__json_write_string_n(w, s, len);
        break;
    }
    case ROMCV_JSON_BOOL:
        romcv__json_write_bool(w, romcv__json_bool(v));
        break;
    default:
        romcv__json_write_null(w);
    }
}

/* The reference at relative with every landmark x shifted by 0.01, the
 * landmarks of frames 10, 20 and 30 nulled, and roi_from_landmarks.x_center
 * shifted by 0.01: a JSONL text, malloc'd. */
static char *perturbed_copy(const char *relative, size_t *size) {
    char *path = romcv_test_shared_file(relative);
    size_t text_size = 0;
    char *text = romcv_test_read_file(path, &text_size);
    ck_assert_ptr_nonnull(text);
    RomcvJsonWriter *w = NULL;
    ck_assert_int_eq(romcv__json_writer_create(&w, NULL, ROMCV_JSON_WRITE_LINES), 0);
    for (char *line = text; line < text + text_size;) {
        char *newline = memchr(line, '\n', (size_t)(text + text_size - line));
        size_t len = newline ? (size_t)(newline - line) : (size_t)(text + text_size - line);
        RomcvJsonDoc *doc = NULL;
        RomcvDiag diag = {0};
        ck_assert_msg(romcv__json_parse(&doc, line, len, path, &diag) == 0, "%s", diag.message);
        const RomcvJsonValue *root = romcv__json_root(doc);
        int64_t frame = -1;
        ck_assert_int_eq(romcv__json_int64(romcv__json_get(root, "frame"), &frame), 0);
        romcv__json_write_begin_object(w);
        for (size_t i = 0; i < romcv__json_size(root); i++) {
            const char *key;
            const RomcvJsonValue *m = romcv__json_member(root, i, &key);
            romcv__json_write_key(w, key);
            if (strcmp(key, "landmarks") == 0) {
                if (frame == 10 || frame == 20 || frame == 30)
                    romcv__json_write_null(w);
                else
                    copy_value(w, m, "x");
            } else if (strcmp(key, "debug") == 0) {
                romcv__json_write_begin_object(w);
                for (size_t k = 0; k < romcv__json_size(m); k++) {
                    const char *stage;
                    const RomcvJsonValue *s = romcv__json_member(m, k, &stage);
                    romcv__json_write_key(w, stage);
                    copy_value(w, s, strcmp(stage, "roi_from_landmarks") == 0 ? "x_center" : NULL);
                }
                romcv__json_write_end_object(w);
            } else {
                copy_value(w, m, NULL);
            }
        }
        romcv__json_write_end_object(w);
        romcv__json_free(&doc);
        line = newline ? newline + 1 : text + text_size;
    }
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__json_writer_finish(w, &diag), 0);
    const char *out = romcv__json_writer_buffer(w, size);
    char *copy = malloc(*size + 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, out, *size + 1);
    romcv__json_writer_destroy(&w);
    free(text);
    free(path);
    return copy;
}

START_TEST(compare_known_perturbation) {
    LmcSeries ref = load_shared("reference/squat_front.m1.jsonl");
    ck_assert_uint_eq(ref.count, 65);
    size_t size = 0;
    char *text = perturbed_copy("reference/squat_front.m1.jsonl", &size);
    LmcSeries cand;
    RomcvDiag diag = {0};
    ck_assert_msg(lmc_load_buffer(&cand, text, size, "perturbed.jsonl", &diag) == 0, "%s",
                  diag.message);
    free(text);
    ck_assert_uint_eq(cand.count, 65);

    /* The landmarks the comparison may use: visible in the reference, on
     * frames the perturbation kept. */
    size_t visible = 0;
    for (size_t i = 0; i < ref.count; i++) {
        if (ref.frames[i].frame == 10 || ref.frames[i].frame == 20 || ref.frames[i].frame == 30)
            continue;
        for (int k = 0; k < LMC_LANDMARKS; k++)
            visible += ref.frames[i].visibility[k] > 0.5;
    }

    LmcResult r = compare_ok(&cand, &ref);
    ck_assert_uint_eq(r.mismatch_frames, 3);
    ck_assert_double_eq_tol(r.mismatch_pct, 300.0 / 65.0, 1e-12);
    ck_assert_uint_eq(r.both_pose_frames, 62);
    ck_assert_uint_eq(r.distance_pct.n, visible);
    /* 0.01 of 720 px over the larger side, 1280 px: 0.5625 % for every one. */
    ck_assert_double_eq_tol(r.distance_pct.median, 0.5625, 1e-9);
    ck_assert_double_eq_tol(r.distance_pct.p95, 0.5625, 1e-9);
    ck_assert_double_eq_tol(r.distance_pct.max, 0.5625, 1e-9);
    ck_assert_double_eq_tol(r.distance_px.median, 7.2, 1e-8);
    for (int k = 0; k < LMC_LANDMARKS; k++) {
        if (r.landmark_pct[k].n > 0)
            ck_assert_double_eq_tol(r.landmark_pct[k].median, 0.5625, 1e-9);
    }
    /* A translation leaves every angle as it was. */
    ck_assert_uint_gt(r.angle_all_deg.n, 0);
    ck_assert_double_le(r.angle_all_deg.max, 1e-9);
    ck_assert_uint_eq(r.worst_count, LMC_WORST);
    ck_assert_double_eq_tol(r.worst[0].max_pct, 0.5625, 1e-9);
    /* The stages: only roi_from_landmarks moved, by the same 0.5625 %. */
    ck_assert_uint_eq(r.debug_frames, 65);
    ck_assert_uint_eq(r.roi_from_landmarks.both, 65);
    ck_assert_double_eq_tol(r.roi_from_landmarks.center_pct.median, 0.5625, 1e-9);
    ck_assert_double_le(r.roi_from_landmarks.size_pct.max, 1e-12);
    ck_assert_double_le(r.roi_from_landmarks.rotation_deg.max, 1e-12);
    ck_assert_uint_eq(r.detection.both, 1);
    ck_assert_double_eq(r.detection.center_pct.max, 0.0);
    ck_assert_double_eq(r.detection.keypoint_pct.max, 0.0);
    ck_assert(!r.pass_mismatch && !r.pass_median && !r.pass_p95 && r.pass_angles && !r.pass);

    /* Loosened targets let the same numbers pass. */
    LmcTargets loose = {5.0, 0.6, 0.6, 1.0};
    ck_assert_int_eq(lmc_compare(&cand, &ref, &loose, &r, &diag), 0);
    ck_assert(r.pass);

    /* Frames missing from the candidate count as "no pose" there. */
    LmcSeries partial = {cand.frames, 60};
    r = compare_ok(&partial, &ref);
    ck_assert_uint_eq(r.missing_in_candidate, 5);
    ck_assert_uint_eq(r.mismatch_frames, 8);
    /* And frames only the candidate has are ignored. */
    LmcSeries shifted = {ref.frames + 5, 60};
    r = compare_ok(&ref, &shifted);
    ck_assert_uint_eq(r.extra_in_candidate, 5);
    ck_assert_uint_eq(r.mismatch_frames, 0);
    ck_assert_double_eq(r.distance_pct.max, 0.0);
    lmc_series_free(&cand);
    lmc_series_free(&ref);
}
END_TEST

/* A minimal frame line with n landmarks (n < 0: null). */
static void frame_line(char *buf, size_t size, int frame, int width, int n) {
    int at = snprintf(buf, size,
                      "{\"frame\":%d,\"timestamp_ms\":%d,\"width\":%d,\"height\":100,"
                      "\"landmarks\":",
                      frame, frame * 33, width);
    if (n < 0) {
        at += snprintf(buf + at, size - (size_t)at, "null");
    } else {
        at += snprintf(buf + at, size - (size_t)at, "[");
        for (int i = 0; i < n; i++)
            at += snprintf(buf + at, size - (size_t)at,
                           "%s{\"x\":0.5,\"y\":0.%d,\"z\":0,\"visibility\":0.9}", i ? "," : "",
                           10 + i);
        at += snprintf(buf + at, size - (size_t)at, "]");
    }
    snprintf(buf + at, size - (size_t)at, "}\n");
}

START_TEST(compare_rejects_malformed_files) {
    char a[4096], b[4096], text[16384];
    LmcSeries s;
    RomcvDiag diag = {0};

    frame_line(a, sizeof a, 0, 100, 33);
    frame_line(b, sizeof b, 1, 100, 32);
    snprintf(text, sizeof text, "%s%s", a, b);
    ck_assert_int_eq(lmc_load_buffer(&s, text, strlen(text), "bad.jsonl", &diag),
                     ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "bad.jsonl:2:67: \"landmarks\" has 32 entries, expected 33");
    ck_assert_ptr_null(s.frames);

    /* Syntax errors name the file's line; blank lines are skipped but count. */
    frame_line(b, sizeof b, 1, 100, -1);
    snprintf(text, sizeof text, "%s\n%s{\"frame\":2,}\n", a, b);
    ck_assert_int_eq(lmc_load_buffer(&s, text, strlen(text), "bad.jsonl", &diag),
                     ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "bad.jsonl:4:12: expected '\"' to begin an object key after "
                                   "',' (JSON allows no trailing comma), found '}'");

    snprintf(text, sizeof text, "%s%s", a, a);
    ck_assert_int_eq(lmc_load_buffer(&s, text, strlen(text), "dup.jsonl", &diag),
                     ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "dup.jsonl: frame 0 appears twice");

    snprintf(
        text, sizeof text,
        "{\"frame\":0,\"width\":100,\"height\":100,\"landmarks\":[{\"x\":1,\"y\":2,\"z\":0}]}");
    ck_assert_int_eq(lmc_load_buffer(&s, text, strlen(text), "t.jsonl", &diag),
                     ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "t.jsonl:1:49: \"landmarks\" has 1 entries, expected 33");

    /* A landmark coordinate that is not a number: landmark 5's z is null. */
    char *z = a;
    for (int i = 0; i <= 5; i++)
        z = strstr(z + 1, "\"z\":0");
    size_t prefix = (size_t)(z - a);
    snprintf(text, sizeof text, "%.*s\"z\":null%s", (int)prefix, a, z + 5);
    ck_assert_int_eq(lmc_load_buffer(&s, text, strlen(text), "t.jsonl", &diag),
                     ROMCV_E_INVALID_DATA);
    char expected[128];
    snprintf(expected, sizeof expected,
             "t.jsonl:1:%zu: landmarks[5].z: expected a number, found null", prefix + 5);
    ck_assert_str_eq(diag.message, expected);

    snprintf(text, sizeof text, "{\"frame\":-1,\"width\":100,\"height\":100,\"landmarks\":null}");
    ck_assert_int_eq(lmc_load_buffer(&s, text, strlen(text), "t.jsonl", &diag),
                     ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "t.jsonl:1:1: \"frame\" must be an integer >= 0");

    /* Frames of different sizes cannot be compared. */
    LmcSeries one, other;
    frame_line(b, sizeof b, 0, 200, 33);
    ck_assert_int_eq(lmc_load_buffer(&one, a, strlen(a), "a", &diag), 0);
    ck_assert_int_eq(lmc_load_buffer(&other, b, strlen(b), "b", &diag), 0);
    LmcResult r;
    ck_assert_int_eq(lmc_compare(&one, &other, NULL, &r, &diag), ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "frame 0: candidate is 100x100, reference 200x100");
    lmc_series_free(&one);
    lmc_series_free(&other);

    ck_assert_int_eq(lmc_load_file(&s, "/nonexistent/x.jsonl", &diag), ROMCV_ERR(ENOENT));
    ck_assert_str_eq(diag.message, "/nonexistent/x.jsonl: No such file or directory");
}
END_TEST

START_TEST(compare_synthetic_angles) {
    /* In a 200 x 100 frame, hip (100, 20) px, knee (100, 50): the ankle at
     * (160, 50) in the reference makes a right angle at the knee; at
     * (160, 80) in the candidate it opens the knee by atan2(30, 60). Angles
     * are measured in pixels: in fractions of the frame they would differ. */
    char text[16384];
    LmcSeries ref, cand;
    RomcvDiag diag = {0};
    for (int version = 0; version < 2; version++) {
        int at = snprintf(text, sizeof text,
                          "{\"frame\":0,\"width\":200,\"height\":100,\"landmarks\":[");
        for (int i = 0; i < LMC_LANDMARKS; i++) {
            double x = 0.5, y = 0.5;
            if (i == 23) /* left hip, above the knee */
                x = 0.5, y = 0.2;
            if (i == 25) /* left knee */
                x = 0.5, y = 0.5;
            if (i == 27) /* left ankle */
                x = 0.8, y = version == 0 ? 0.5 : 0.8;
            at += snprintf(text + at, sizeof text - (size_t)at,
                           "%s{\"x\":%g,\"y\":%g,\"z\":0,\"visibility\":%s}", i ? "," : "", x, y,
                           i == 23 || i == 25 || i == 27 ? "0.9" : "0.1");
        }
        snprintf(text + at, sizeof text - (size_t)at, "]}\n");
        ck_assert_int_eq(
            lmc_load_buffer(version == 0 ? &ref : &cand, text, strlen(text), "s", &diag), 0);
    }
    LmcResult r = compare_ok(&cand, &ref);
    ck_assert_uint_eq(r.angle_deg[LMC_LEFT_KNEE].n, 1);
    ck_assert_double_eq_tol(r.angle_deg[LMC_LEFT_KNEE].median, atan2(30.0, 60.0) * 180.0 / M_PI,
                            1e-9);
    /* The other angles have invisible points and are not measured. */
    ck_assert_uint_eq(r.angle_deg[LMC_RIGHT_KNEE].n, 0);
    ck_assert_uint_eq(r.angle_deg[LMC_LEFT_HIP].n, 0);
    ck_assert(!r.pass_angles);
    lmc_series_free(&ref);
    lmc_series_free(&cand);
}
END_TEST

START_TEST(compare_mediapipe_variants) {
    LmcSeries m1 = load_shared("reference/squat_side.m1.jsonl");
    LmcSeries nosmooth = load_shared("reference/squat_side.m1.nosmooth.jsonl");
    LmcSeries m0 = load_shared("reference/squat_side.m0.jsonl");
    /* Issue 4: "MediaPipe's own output with smoothing off differs from
     * smoothing on by 0.13% median, and the lite model from full by 0.58%". */
    LmcResult r = compare_ok(&nosmooth, &m1);
    printf("squat_side m1.nosmooth vs m1: median %.4f%% p95 %.4f%% (n=%zu), angles median "
           "%.3f deg, mismatch %.2f%%\n",
           r.distance_pct.median, r.distance_pct.p95, r.distance_pct.n, r.angle_all_deg.median,
           r.mismatch_pct);
    ck_assert_double_ge(r.distance_pct.median, 0.10);
    ck_assert_double_le(r.distance_pct.median, 0.16);
    ck_assert_uint_eq(r.mismatch_frames, 0);
    r = compare_ok(&m0, &m1);
    printf("squat_side m0 vs m1: median %.4f%% p95 %.4f%% (n=%zu), angles median %.3f deg, "
           "mismatch %.2f%%\n",
           r.distance_pct.median, r.distance_pct.p95, r.distance_pct.n, r.angle_all_deg.median,
           r.mismatch_pct);
    ck_assert_double_ge(r.distance_pct.median, 0.45);
    ck_assert_double_le(r.distance_pct.median, 0.70);
    ck_assert(!r.pass_median);
    lmc_series_free(&m1);
    lmc_series_free(&nosmooth);
    lmc_series_free(&m0);
}
END_TEST

static Suite *compare_suite(void) {
    Suite *s = suite_create("landmark_compare");
    TCase *tc = tcase_create("compare");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, compare_reference_with_itself);
    tcase_add_test(tc, compare_known_perturbation);
    tcase_add_test(tc, compare_rejects_malformed_files);
    tcase_add_test(tc, compare_synthetic_angles);
    tcase_add_test(tc, compare_mediapipe_variants);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(compare_suite());
}
