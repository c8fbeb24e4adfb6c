/*
 * tests/report/test_summary.c: summary.json (romcv_report_write_summary()).
 *
 * Every summary written here is checked by an independent validator
 * (tests/report/validate_summary.py: Python's json and python3-jsonschema
 * against schema/summary.schema.json), never by romcv's own reader alone.
 * The protocol part is built by hand, so it is covered whatever the
 * protocol engine does; values are then read back to see they land where
 * the schema says. The validator itself is shown to fail on summaries that
 * break the schema, so a pass means something.
 */
#include "testutil.h"

#include "core/json.h"
#include "romcv/report.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* ------------------------------------------------------------- helpers */

/* Runs the independent validator on path; returns its exit code (0 valid,
 * 1 invalid) and leaves its report in output. */
static char output[16384];

static int validate(const char *path) {
    const char *src = romcv_test_env("ROMCV_SOURCE_DIR");
    char command[8192];
    snprintf(command, sizeof command,
             "python3 '%s/tests/report/validate_summary.py' '%s/schema/summary.schema.json' '%s'",
             src, src, path);
    return romcv_test_run(command, output, sizeof output);
}

static void expect_valid(const char *path) {
    int rc = validate(path);
    ck_assert_msg(rc == 0, "validator exit %d:\n%s", rc, output);
}

static RomcvJsonDoc *read_json(const char *path) {
    char *text = romcv_test_read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    RomcvJsonDoc *doc = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__json_parse(&doc, text, strlen(text), path, &diag) == 0, "%s",
                  diag.message);
    free(text);
    return doc;
}

/* Follows a path of object keys and array indices ("protocol", "measures",
 * "0", "best") from the root. */
static const RomcvJsonValue *at(const RomcvJsonDoc *doc, const char *const *path, size_t n) {
    const RomcvJsonValue *v = romcv__json_root(doc);
    for (size_t i = 0; i < n && v; i++) {
        if (romcv__json_type(v) == ROMCV_JSON_ARRAY) {
            v = romcv__json_at(v, (size_t)strtoul(path[i], NULL, 10));
        } else {
            v = romcv__json_get(v, path[i]);
        }
    }
    ck_assert_msg(v != NULL, "no such value (first key %s)", path[0]);
    return v;
}

#define AT(doc, ...)                            \
    at(doc, (const char *const[]){__VA_ARGS__}, \
       sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void expect_string(const RomcvJsonValue *v, const char *want) {
    const char *got = romcv__json_string(v, NULL);
    ck_assert_msg(got != NULL, "not a string (want \"%s\")", want);
    ck_assert_str_eq(got, want);
}

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        n += e->d_name[0] != '.' || strncmp(e->d_name, ".summary", 8) == 0 ||
             strstr(e->d_name, ".tmp-") != NULL;
    }
    closedir(d);
    return n;
}

/* ------------------------------------------------- a hand-built analysis */

#define N_FRAMES 120

/* A small seated-rotation-like protocol: two segmenters (left, right), a
 * paired measure with a normal range, a duration without one, and two
 * compensation rules, one of them a ratio. */
static const RomcvProtocolDef test_def = {
    .name = "test-rotation",
    .title = "Test rotation (hand-built)",
    .views = 1u << ROMCV_VIEW_FRONT | 1u << ROMCV_VIEW_BACK,
    .n_segmenters = 2,
    .n_measures = 3,
    .n_flags = 2,
    .segmenter =
        {
            {.name = "left-ir",
             .signal = ROMCV_ANGLE_HIP_ROTATION_LEFT,
             .direction = 1,
             .side = ROMCV_SIDE_LEFT},
            {.name = "right-ir",
             .signal = ROMCV_ANGLE_HIP_ROTATION_RIGHT,
             .direction = 1,
             .kind = ROMCV_SEGMENT_HOLD,
             .side = ROMCV_SIDE_RIGHT},
        },
    .measure =
        {
            {.name = "left hip internal rotation",
             .key = "hip_ir_left",
             .segmenter = 0,
             .signal = ROMCV_ANGLE_HIP_ROTATION_LEFT,
             .statistic = ROMCV_STAT_PEAK,
             .direction = 1,
             .relative = 1,
             .normal_low = 30,
             .normal_high = 45,
             .normal_source = "clinical.md: test source",
             .pair = 1,
             .asymmetry_threshold = 10,
             .asymmetry_source = "romcv: test threshold"},
            {.name = "right hip internal rotation",
             .key = "hip_ir_right",
             .segmenter = 1,
             .signal = ROMCV_ANGLE_HIP_ROTATION_RIGHT,
             .statistic = ROMCV_STAT_PEAK,
             .direction = 1,
             .relative = 1,
             .normal_low = 30,
             .normal_high = 45,
             .normal_source = "clinical.md: test source",
             .pair = 0,
             .asymmetry_threshold = 10,
             .asymmetry_source = "romcv: test threshold"},
            {.name = "pelvis descent time",
             .key = "descent_time",
             .segmenter = 0,
             .signal = ROMCV_SIGNAL_PELVIS_DESCENT,
             .statistic = ROMCV_STAT_DURATION,
             .direction = 1,
             .normal_low = NAN,
             .normal_high = NAN,
             .pair = -1},
        },
    .flag =
        {
            {.key = "pelvis_lift",
             .text = "pelvis lifting during the rotation",
             .kind = ROMCV_FLAG_EXCEEDS,
             .signal = ROMCV_SIGNAL_PELVIC_DROP_LEFT,
             .threshold = 5,
             .source = "romcv: test rule"},
            {.key = "lumbar_share",
             .text = "the lumbar spine makes most of the bend",
             .kind = ROMCV_FLAG_RATIO_AT_PEAK,
             .signal = ROMCV_SIGNAL_LUMBAR_CONTRIBUTION,
             .threshold = 0.5f,
             .source = "romcv: test ratio"},
        },
};

typedef struct Fixture {
    RomcvAngleResults angles;
    double time_s[N_FRAMES];
    float values[ROMCV_ANGLE_COUNT][N_FRAMES];
    RomcvProtocolResult protocol;
    RomcvRepetition repetitions[3];
    RomcvMeasureValue left[2], right[1], descent[2];
    RomcvCompensationFlag flags[2];
    char warnings[2][256];
    RomcvCaptureInfo input;
    RomcvCheckWarning recording[1];
    RomcvSummary summary;
} Fixture;

static void build(Fixture *f) {
    memset(f, 0, sizeof *f);
    /* Angles: 30 fps; every channel a ramp, the first ten frames NaN, one
     * channel never measured. */
    f->angles.n = N_FRAMES;
    f->angles.time_s = f->time_s;
    f->angles.baseline_start_s = 0.5;
    f->angles.baseline_end_s = 1.5;
    for (int i = 0; i < N_FRAMES; i++) {
        f->time_s[i] = i / 30.0;
    }
    for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
        for (int i = 0; i < N_FRAMES; i++) {
            f->values[a][i] = i < 10 || a == ROMCV_ANGLE_LUMBAR_LORDOSIS ? NAN : 0.1f * (float)i;
        }
        f->angles.channel[a].value_deg = f->values[a];
        f->angles.channel[a].baseline_deg = a == ROMCV_ANGLE_LUMBAR_LORDOSIS ? NAN : 1.25f;
        f->angles.channel[a].valid = a == ROMCV_ANGLE_LUMBAR_LORDOSIS ? 0 : N_FRAMES - 10;
        f->angles.channel[a].is_estimate = a == ROMCV_ANGLE_PELVIC_TILT;
        /* Tilt from the silhouette (an estimate), obliquity on markers. */
        f->angles.channel[a].method = a == ROMCV_ANGLE_PELVIC_TILT        ? ROMCV_METHOD_SILHOUETTE
                                      : a == ROMCV_ANGLE_PELVIC_OBLIQUITY ? ROMCV_METHOD_MARKERS
                                                                          : ROMCV_METHOD_LANDMARKS;
    }

    /* Three repetitions: a complete left one, a partial left one, a right
     * hold cut by the end of the video. */
    f->repetitions[0] =
        (RomcvRepetition){0, 10, 20, 30, 10 / 30.0, 20 / 30.0, 1.0, 25.5f, 0, 0, 26.0f};
    f->repetitions[1] =
        (RomcvRepetition){0, 40, 45, 50, 40 / 30.0, 1.5, 50 / 30.0, 8.0f, 1, 0, 8.5f};
    f->repetitions[2] = (RomcvRepetition){1, 60, 90, 119, 2.0, 3.0, 119 / 30.0, 50.0f, 0, 1, NAN};
    f->left[0] = (RomcvMeasureValue){0, 25.5f, 20, -1};
    f->left[1] = (RomcvMeasureValue){1, NAN, 45, 0};
    f->right[0] = (RomcvMeasureValue){2, 50.0f, 90, +1};
    f->descent[0] = (RomcvMeasureValue){0, 0.6667f, 10, 0};
    f->descent[1] = (RomcvMeasureValue){1, 0.3333f, 40, 0};
    RomcvProtocolResult *p = &f->protocol;
    p->def = &test_def;
    p->dominant_view = ROMCV_VIEW_FRONT;
    p->view_ok = 1;
    p->view_fraction = 0.95;
    p->n_repetitions = 3;
    p->repetition = f->repetitions;
    p->measure[0] =
        (RomcvMeasureResult){&test_def.measure[0], 2, f->left, 25.5f, 20, -1, -24.5f, 1};
    p->measure[1] = (RomcvMeasureResult){&test_def.measure[1], 1, f->right, 50.0f, 90, +1, NAN, 0};
    p->measure[2] =
        (RomcvMeasureResult){&test_def.measure[2], 2, f->descent, 0.6667f, 10, 0, NAN, 0};
    f->flags[0] = (RomcvCompensationFlag){
        &test_def.flag[0], 0, ROMCV_SIDE_LEFT, 15, 25, 0.5, 25 / 30.0, 22, 6.5f, 5.0f};
    f->flags[1] = (RomcvCompensationFlag){
        &test_def.flag[1], 2, ROMCV_SIDE_RIGHT, 90, 90, 3.0, 3.0, 90, 0.75f, 0.5f};
    p->n_flags = 2;
    p->flag = f->flags;
    p->leg_length_px = 312.5f;
    snprintf(f->warnings[0], sizeof f->warnings[0], "only one right repetition was found");
    snprintf(f->warnings[1], sizeof f->warnings[1], "a \"quoted\" warning\twith a tab");
    p->n_warnings = 2;
    p->warning = f->warnings;

    f->input.kind = ROMCV_CAPTURE_FILE;
    snprintf(f->input.input, sizeof f->input.input, "clip.mp4");
    snprintf(f->input.container, sizeof f->input.container, "mov,mp4,m4a,3gp,3g2,mj2");
    snprintf(f->input.codec, sizeof f->input.codec, "h264");
    f->input.width = f->input.coded_width = 1080;
    f->input.height = f->input.coded_height = 1920;
    f->input.sar_num = f->input.sar_den = 1;
    f->input.rotation_deg = 90;
    f->input.nominal_fps = 30;
    f->input.duration_s = 4.0;
    f->input.frames_expected = N_FRAMES;
    f->input.frames_delivered = N_FRAMES;
    f->input.size_bytes = 123456;
    f->recording[0] =
        (RomcvCheckWarning){ROMCV_CHECK_ROLL, 4.2, 3.0, "the camera is rolled", "level the camera"};

    RomcvSummary *s = &f->summary;
    romcv_summary_init(s);
    static const char *const argv[] = {"romcv", "analyze", "clip.mp4", "--protocol",
                                       "test-rotation"};
    s->argc = 5;
    s->argv = argv;
    s->landmark_model = ROMCV_MODEL_LANDMARK_HEAVY;
    s->models_dir = "/opt/romcv/models";
    s->angle_kernels = "avx2";
    s->options.view = "front";
    s->options.cutoff_hz = 6;
    s->options.threads = 2;
    s->options.from_s = 0;
    s->options.to_s = -1;
    s->options.protocol = "test-rotation";
    s->options.side = "both";
    s->options.out_dir = "results";
    s->calibration.camera_file = "phone.json";
    s->calibration.vertical_line = "320,10,330,400";
    s->calibration.down_x = 0.0249f;
    s->calibration.down_y = 0.9997f;
    s->calibration.metres_per_px = 0.0021;
    s->input = &f->input;
    s->frames_analysed = N_FRAMES;
    s->frames_with_person = N_FRAMES - 10;
    s->first_time_s = 0;
    s->last_time_s = f->time_s[N_FRAMES - 1];
    s->recording_warnings = f->recording;
    s->n_recording_warnings = 1;
    s->angles = &f->angles;
    s->protocol = p;
    static const char *const files[] = {"frames.csv", "landmarks.trc", "angles.mot"};
    s->files = files;
    s->n_files = 3;
}

static char *write_fixture(const char *dir, const char *name, const Fixture *f) {
    char *path = romcv_test_path(dir, name);
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_report_write_summary(path, &f->summary, &diag) == 0, "%s", diag.message);
    return path;
}

/* --------------------------------------------------------------- tests */

/* Everything the issue lists, with a protocol: valid, and in place. */
START_TEST(full_summary_with_protocol) {
    char *dir = romcv_test_make_tmpdir();
    Fixture *f = malloc(sizeof *f);
    build(f);
    char *path = write_fixture(dir, "summary.json", f);
    expect_valid(path);
    ck_assert_int_eq(count_files(dir), 1); /* no temporary file beside it */

    RomcvJsonDoc *doc = read_json(path);
    expect_string(AT(doc, "status"), "complete");
    ck_assert_int_eq(romcv__json_bool(AT(doc, "partial")), 0);
    ck_assert(romcv__json_is_null(AT(doc, "error")));
    expect_string(AT(doc, "software", "version"), romcv_version());
    expect_string(AT(doc, "models", "landmark", "sha256"),
                  romcv_model_info(ROMCV_MODEL_LANDMARK_HEAVY)->sha256);
    expect_string(AT(doc, "models", "detector", "sha256"),
                  romcv_model_info(ROMCV_MODEL_DETECTOR)->sha256);
    expect_string(AT(doc, "options", "model"), "heavy");
    ck_assert(romcv__json_is_null(AT(doc, "options", "to_s")));
    expect_string(AT(doc, "command_line", "4"), "test-rotation");
    ck_assert_int_eq(romcv__json_number(AT(doc, "input", "size_bytes")), 123456);
    ck_assert_int_eq(romcv__json_number(AT(doc, "input", "rotation_deg")), 90);
    ck_assert_int_eq(romcv__json_number(AT(doc, "input", "frame_count")), N_FRAMES);
    ck_assert_double_eq(romcv__json_number(AT(doc, "calibration", "metres_per_px")), 0.0021);
    /* A float is written as the decimal it stands for, not its binary value. */
    ck_assert_double_eq(romcv__json_number(AT(doc, "calibration", "down", "0")), 0.0249);
    expect_string(AT(doc, "recording_warnings", "0", "check"),
                  romcv_calib_check_name(ROMCV_CHECK_ROLL));

    /* Angle statistics: frames 10..119 of 0.1 * i. */
    const RomcvJsonValue *hip = AT(doc, "angles", "0");
    expect_string(romcv__json_get(hip, "name"), "hip_rotation_left");
    ck_assert_double_eq(romcv__json_number(romcv__json_get(hip, "min")), 1.0);
    ck_assert_double_eq(romcv__json_number(romcv__json_get(hip, "max")), 11.9);
    ck_assert_double_eq(romcv__json_number(romcv__json_get(hip, "median")), 6.45);
    const RomcvJsonValue *lordosis = AT(doc, "angles", "4");
    expect_string(romcv__json_get(lordosis, "name"), "lumbar_lordosis");
    ck_assert(romcv__json_is_null(romcv__json_get(lordosis, "median"))); /* NaN -> null */
    ck_assert(romcv__json_is_null(romcv__json_get(lordosis, "baseline")));
    /* Each channel's method; none for a channel never measured. */
    expect_string(romcv__json_get(hip, "method"), "landmarks");
    expect_string(AT(doc, "angles", "2", "name"), "pelvic_obliquity");
    expect_string(AT(doc, "angles", "2", "method"), "markers");
    ck_assert_int_eq(romcv__json_bool(AT(doc, "angles", "2", "estimate")), 0);
    expect_string(AT(doc, "angles", "3", "name"), "pelvic_tilt");
    expect_string(AT(doc, "angles", "3", "method"), "silhouette");
    ck_assert_int_eq(romcv__json_bool(AT(doc, "angles", "3", "estimate")), 1);
    ck_assert(romcv__json_is_null(romcv__json_get(lordosis, "method")));

    /* Protocol: repetitions with their frames and times, partial and cut. */
    expect_string(AT(doc, "protocol", "name"), "test-rotation");
    expect_string(AT(doc, "protocol", "views", "1"), "back");
    expect_string(AT(doc, "protocol", "dominant_view"), "front");
    ck_assert_uint_eq(romcv__json_size(AT(doc, "protocol", "repetitions")), 3);
    ck_assert_int_eq(romcv__json_number(AT(doc, "protocol", "repetitions", "0", "peak", "frame")),
                     20);
    ck_assert_int_eq(romcv__json_bool(AT(doc, "protocol", "repetitions", "1", "partial")), 1);
    ck_assert_int_eq(romcv__json_bool(AT(doc, "protocol", "repetitions", "2", "cut")), 1);
    expect_string(AT(doc, "protocol", "repetitions", "2", "kind"), "hold");
    expect_string(AT(doc, "protocol", "repetitions", "2", "side"), "right");
    ck_assert_double_eq(
        romcv__json_number(AT(doc, "protocol", "repetitions", "2", "end", "time_s")), 3.96666667);
    /* Measures: per repetition value and outside_normal, best, range, asymmetry. */
    const RomcvJsonValue *left = AT(doc, "protocol", "measures", "0");
    expect_string(romcv__json_get(left, "key"), "hip_ir_left");
    expect_string(AT(doc, "protocol", "measures", "0", "values", "0", "outside_normal"), "below");
    ck_assert(romcv__json_is_null(AT(doc, "protocol", "measures", "0", "values", "1", "value")));
    ck_assert(
        romcv__json_is_null(AT(doc, "protocol", "measures", "0", "values", "1", "outside_normal")));
    expect_string(AT(doc, "protocol", "measures", "1", "values", "0", "outside_normal"), "above");
    ck_assert_double_eq(romcv__json_number(romcv__json_get(left, "best")), 25.5);
    ck_assert_double_eq(romcv__json_number(AT(doc, "protocol", "measures", "0", "best_time_s")),
                        0.666666667); /* times as frames.csv has them: 9 digits */
    ck_assert_double_eq(
        romcv__json_number(AT(doc, "protocol", "measures", "0", "normal_range", "low")), 30);
    expect_string(AT(doc, "protocol", "measures", "0", "normal_range", "source"),
                  "clinical.md: test source");
    ck_assert_double_eq(
        romcv__json_number(AT(doc, "protocol", "measures", "0", "asymmetry", "value")), -24.5);
    ck_assert_int_eq(
        romcv__json_bool(AT(doc, "protocol", "measures", "0", "asymmetry", "asymmetric")), 1);
    expect_string(AT(doc, "protocol", "measures", "0", "asymmetry", "with"), "hip_ir_right");
    ck_assert(romcv__json_is_null(AT(doc, "protocol", "measures", "1", "asymmetry", "value")));
    const RomcvJsonValue *descent = AT(doc, "protocol", "measures", "2");
    expect_string(romcv__json_get(descent, "unit"), "s");
    expect_string(romcv__json_get(descent, "statistic"), "duration");
    ck_assert(romcv__json_is_null(romcv__json_get(descent, "normal_range")));
    ck_assert(romcv__json_is_null(romcv__json_get(descent, "asymmetry")));
    /* Compensation flags. */
    const RomcvJsonValue *lift = AT(doc, "protocol", "compensations", "0");
    expect_string(romcv__json_get(lift, "key"), "pelvis_lift");
    expect_string(romcv__json_get(lift, "side"), "left");
    expect_string(romcv__json_get(lift, "unit"), "deg");
    expect_string(romcv__json_get(lift, "source"), "romcv: test rule");
    ck_assert_double_eq(romcv__json_number(romcv__json_get(lift, "magnitude")), 6.5);
    ck_assert_int_eq(
        romcv__json_number(AT(doc, "protocol", "compensations", "0", "evidence", "frame")), 22);
    expect_string(AT(doc, "protocol", "compensations", "1", "unit"), "ratio");
    expect_string(AT(doc, "protocol", "warnings", "1"), "a \"quoted\" warning\twith a tab");
    romcv__json_free(&doc);
    free(path);
    free(f);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* The least a front end can give: nothing measured, no input facts. */
START_TEST(empty_and_failed_summaries) {
    char *dir = romcv_test_make_tmpdir();
    RomcvSummary s;
    romcv_summary_init(&s);
    char *path = romcv_test_path(dir, "empty.json");
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_report_write_summary(path, &s, &diag), 0);
    expect_valid(path);
    RomcvJsonDoc *doc = read_json(path);
    ck_assert(romcv__json_is_null(AT(doc, "input")));
    ck_assert(romcv__json_is_null(AT(doc, "protocol")));
    ck_assert(romcv__json_is_null(AT(doc, "command_line")));
    ck_assert_uint_eq(romcv__json_size(AT(doc, "angles")), 0);
    romcv__json_free(&doc);

    /* Failed: the reason is always there, given or not. */
    s.status = ROMCV_SUMMARY_FAILED;
    s.error = "clip.mp4: truncated or damaged: 12 frame(s) lost";
    ck_assert_int_eq(romcv_report_write_summary(path, &s, &diag), 0);
    expect_valid(path);
    doc = read_json(path);
    expect_string(AT(doc, "status"), "failed");
    expect_string(AT(doc, "error"), "clip.mp4: truncated or damaged: 12 frame(s) lost");
    romcv__json_free(&doc);
    s.error = NULL;
    ck_assert_int_eq(romcv_report_write_summary(path, &s, &diag), 0);
    expect_valid(path);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* An interrupted analysis writes what it finished, marked partial. */
START_TEST(interrupted_is_partial) {
    char *dir = romcv_test_make_tmpdir();
    Fixture *f = malloc(sizeof *f);
    build(f);
    f->summary.status = ROMCV_SUMMARY_INTERRUPTED;
    f->repetitions[2].cut = 1;
    char *path = write_fixture(dir, "summary.json", f);
    expect_valid(path);
    RomcvJsonDoc *doc = read_json(path);
    expect_string(AT(doc, "status"), "interrupted");
    ck_assert_int_eq(romcv__json_bool(AT(doc, "partial")), 1);
    ck_assert(romcv__json_is_null(AT(doc, "error")));
    romcv__json_free(&doc);
    free(path);
    free(f);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* File names are bytes: quotes, control characters and invalid UTF-8 still
 * give strict JSON (the validator decodes UTF-8 strictly). */
START_TEST(hostile_strings_stay_strict_json) {
    char *dir = romcv_test_make_tmpdir();
    Fixture *f = malloc(sizeof *f);
    build(f);
    snprintf(f->input.input, sizeof f->input.input, "we\"ird\\na\xffme\x01.mp4");
    f->summary.calibration.camera_file = "caf\xc3\xa9\xc3.json"; /* é, then a cut sequence */
    char *path = write_fixture(dir, "summary.json", f);
    expect_valid(path);
    RomcvJsonDoc *doc = read_json(path);
    expect_string(AT(doc, "input", "path"), "we\"ird\\na\xef\xbf\xbdme\x01.mp4");
    expect_string(AT(doc, "calibration", "camera_file"), "caf\xc3\xa9\xef\xbf\xbd.json");
    romcv__json_free(&doc);
    free(path);
    free(f);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* Replaces the first occurrence of from in text by to (in place; to is not
 * longer than from). */
static void mutate(char *text, const char *from, const char *to) {
    char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "'%s' not in the summary", from);
    size_t nf = strlen(from), nt = strlen(to);
    ck_assert(nt <= nf);
    memcpy(at, to, nt);
    memmove(at + nt, at + nf, strlen(at + nf) + 1);
}

static void expect_rejected(const char *dir, const char *valid, const char *from, const char *to,
                            const char *complaint) {
    char *text = strdup(valid);
    mutate(text, from, to);
    char *path = romcv_test_path(dir, "broken.json");
    romcv_test_write_file(path, text, strlen(text));
    int rc = validate(path);
    ck_assert_msg(rc == 1, "'%s' -> '%s' passed (exit %d):\n%s", from, to, rc, output);
    ck_assert_msg(strstr(output, complaint) != NULL, "'%s' -> '%s': no '%s' in:\n%s", from, to,
                  complaint, output);
    free(path);
    free(text);
}

/* The validator can fail: summaries that break the schema are rejected,
 * each with a line naming the field. */
START_TEST(schema_rejects_violations) {
    char *dir = romcv_test_make_tmpdir();
    Fixture *f = malloc(sizeof *f);
    build(f);
    char *path = write_fixture(dir, "summary.json", f);
    char *valid = romcv_test_read_file(path, NULL);
    expect_rejected(dir, valid, "\"status\": \"complete\"", "\"status\": \"done\"", "status: ");
    /* The top-level partial (repetitions have one too). */
    expect_rejected(dir, valid, "\"partial\": false,\n  \"error\"",
                    "\"partial\": true,\n  \"error\"", "partial");
    expect_rejected(dir, valid, "\"outside_normal\": \"below\"", "\"outside_normal\": \"low\"",
                    "outside_normal");
    expect_rejected(dir, valid, "\"dominant_view\": \"front\"", "\"dominant_view\": \"side\"",
                    "dominant_view");
    expect_rejected(dir, valid, "\"frame_count\": 120", "\"frame_count\": -1", "frame_count");
    expect_rejected(dir, valid, "\"best\": 25.5", "\"best\": NaN", "not strict JSON");
    expect_rejected(dir, valid, "\"estimate\": false", "\"estimat\": false", "estimat");
    expect_rejected(dir, valid, "\"min\": 1,", "", "'min' is a required property");
    /* The method: one of three names, never on a value it cannot have:
     * markers are not an estimate, the silhouette always is, and a channel
     * has a method exactly when it was measured. */
    expect_rejected(dir, valid, "\"method\": \"markers\"", "\"method\": \"marker\"", "method");
    expect_rejected(dir, valid, "\"method\": \"silhouette\"", "\"method\": \"markers\"",
                    "estimate");
    expect_rejected(dir, valid, "\"method\": \"landmarks\"", "\"method\": null", "method");
    expect_rejected(dir, valid, "\"method\": null", "\"method\": 0", "method");
    free(valid);
    free(path);
    free(f);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* Bad arguments and failed writes: one line naming the file, nothing left. */
START_TEST(errors_name_the_file_and_leave_nothing) {
    char *dir = romcv_test_make_tmpdir();
    Fixture *f = malloc(sizeof *f);
    build(f);
    char *path = romcv_test_path(dir, "summary.json");
    RomcvDiag diag = {0};

    f->summary.status = (RomcvSummaryStatus)7;
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, path));
    build(f);
    f->summary.landmark_model = ROMCV_MODEL_DETECTOR;
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), ROMCV_ERR(EINVAL));
    build(f);
    f->protocol.def = NULL;
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, "without definition"));
    build(f);
    f->repetitions[1].segmenter = 3; /* beyond n_segmenters */
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, "repetition 1"));
    build(f);
    f->left[0].repetition = 9;
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(count_files(dir), 0);

    /* A folder that does not exist. */
    build(f);
    char *missing = romcv_test_path(dir, "no/such/summary.json");
    ck_assert_int_eq(romcv_report_write_summary(missing, &f->summary, &diag), ROMCV_ERR(ENOENT));
    ck_assert_ptr_nonnull(strstr(diag.message, missing));
    ck_assert_ptr_null(strchr(diag.message, '\n'));

    /* An existing summary is replaced whole, never truncated in place. */
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), 0);
    f->summary.status = ROMCV_SUMMARY_INTERRUPTED;
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), 0);
    expect_valid(path);
    free(missing);
    free(path);
    free(f);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* A write that fails half way (file size limit, as a full disk would):
 * the error names the file, the temporary file is gone, and the summary
 * already there is untouched. */
START_TEST(failed_write_keeps_the_old_summary) {
    char *dir = romcv_test_make_tmpdir();
    Fixture *f = malloc(sizeof *f);
    build(f);
    char *path = write_fixture(dir, "summary.json", f);
    char *before = romcv_test_read_file(path, NULL);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 2048, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    f->summary.status = ROMCV_SUMMARY_INTERRUPTED;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_report_write_summary(path, &f->summary, &diag), ROMCV_ERR(EFBIG));
    ck_assert_ptr_nonnull(strstr(diag.message, path));
    ck_assert_ptr_null(strchr(diag.message, '\n'));
    ck_assert_int_eq(count_files(dir), 1);
    char *after = romcv_test_read_file(path, NULL);
    ck_assert_str_eq(after, before);
    free(after);
    free(before);
    free(path);
    free(f);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("summary");
    TCase *tc = tcase_create("summary");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, full_summary_with_protocol);
    tcase_add_test(tc, empty_and_failed_summaries);
    tcase_add_test(tc, interrupted_is_partial);
    tcase_add_test(tc, hostile_strings_stay_strict_json);
    tcase_add_test(tc, schema_rejects_violations);
    tcase_add_test(tc, errors_name_the_file_and_leave_nothing);
    tcase_add_test(tc, failed_write_keeps_the_old_summary);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
