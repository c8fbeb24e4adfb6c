/* tests/calib/test_checks.c: the recording checks and the scale from the
 * person's height. Each check fires on a synthetic clip made to fail it and
 * stays quiet on a good one, and on ../shared/samples/squat_side.mp4 (its
 * MediaPipe reference landmarks and its decoded frames). */
#include "testutil.h"

#include "core/json.h"
#include "romcv/romcv.h"
#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define N  90

/* A synthetic standing person, side view, landmarks at Winter's fractions of
 * height (the ones calib uses). */
typedef struct Person {
    float x[ROMCV_METRICS_LANDMARKS][N];
    float y[ROMCV_METRICS_LANDMARKS][N];
    double time_s[N];
    RomcvLandmarkSeries series;
} Person;

typedef struct PersonSpec {
    double height_px; /* standing height */
    double feet_y;    /* floor line, px */
    double centre_x;  /* px */
    double breadth;   /* apparent shoulder breadth, a fraction of the face-on one */
    double fps;
    double ankle_drop; /* px added to the ankles' y in the last third of the frames */
} PersonSpec;

static void set(Person *p, int id, int i, double x, double y) {
    p->x[id][i] = (float)x;
    p->y[id][i] = (float)y;
}

static Person *make_person(const PersonSpec *s) {
    Person *p = calloc(1, sizeof(Person));
    ck_assert_ptr_nonnull(p);
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        for (int i = 0; i < N; i++) {
            p->x[k][i] = p->y[k][i] = NAN;
        }
        p->series.x[k] = p->x[k];
        p->series.y[k] = p->y[k];
    }
    /* Shoulders 0.60 torso lengths apart face-on, as calib assumes (the
     * torso being 0.818 H - 0.530 H); hips a little narrower. */
    double h = s->height_px, half = 0.60 * 0.288 * h * s->breadth / 2,
           hip_half = 0.45 * 0.288 * h * s->breadth / 2;
    for (int i = 0; i < N; i++) {
        p->time_s[i] = i / s->fps;
        double top = s->feet_y - h;
        /* A little sway so nothing is exactly constant. */
        double cx = s->centre_x + 3 * sin(i * 0.2);
        set(p, ROMCV_LM_NOSE, i, cx + 0.05 * h, top + (1 - 0.91) * h);
        set(p, ROMCV_LM_LEFT_SHOULDER, i, cx - half, top + (1 - 0.818) * h);
        set(p, ROMCV_LM_RIGHT_SHOULDER, i, cx + half, top + (1 - 0.818) * h);
        set(p, ROMCV_LM_LEFT_HIP, i, cx - hip_half, top + (1 - 0.53) * h);
        set(p, ROMCV_LM_RIGHT_HIP, i, cx + hip_half, top + (1 - 0.53) * h);
        set(p, ROMCV_LM_LEFT_KNEE, i, cx - hip_half, top + (1 - 0.285) * h);
        set(p, ROMCV_LM_RIGHT_KNEE, i, cx + hip_half, top + (1 - 0.285) * h);
        double drop = i >= 2 * N / 3 ? s->ankle_drop : 0;
        set(p, ROMCV_LM_LEFT_ANKLE, i, cx - hip_half, top + (1 - 0.039) * h + drop);
        set(p, ROMCV_LM_RIGHT_ANKLE, i, cx + hip_half, top + (1 - 0.039) * h + drop);
    }
    p->series.n = N;
    p->series.time_s = p->time_s;
    return p;
}

static PersonSpec good_spec(void) {
    PersonSpec s = {.height_px = 1000,
                    .feet_y = 1200,
                    .centre_x = 360,
                    .breadth = 0.1,
                    .fps = 30,
                    .ankle_drop = 0};
    return s;
}

static RomcvCheckInput input_for(const Person *p) {
    RomcvCheckInput in;
    memset(&in, 0, sizeof(in));
    in.landmarks = &p->series;
    in.width = 720;
    in.height = 1280;
    in.has_plane = 1;
    in.plane = ROMCV_PLANE_SAGITTAL;
    in.has_down = 1;
    in.down_x = 0;
    in.down_y = 1;
    return in;
}

/* Runs the checks; returns the number of warnings, copies them to out. */
static int run(const RomcvCheckInput *in, RomcvCheckWarning out[ROMCV_CHECK_COUNT]) {
    int count = -1;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_calib_check_recording(in, NULL, out, ROMCV_CHECK_COUNT, &count, &diag) == 0,
                  "%s", diag.message);
    for (int i = 0; i < count; i++) {
        fprintf(stderr, "  %s: %s (%s)\n", romcv_calib_check_name(out[i].id), out[i].message,
                out[i].advice);
    }
    return count;
}

/* Exactly one warning, of kind id; returns it. */
static RomcvCheckWarning expect_one(const RomcvCheckInput *in, RomcvCheckId id) {
    RomcvCheckWarning w[ROMCV_CHECK_COUNT];
    int count = run(in, w);
    ck_assert_msg(count == 1, "%d warnings, expected only %s", count, romcv_calib_check_name(id));
    ck_assert_msg(w[0].id == id, "got %s, expected %s", romcv_calib_check_name(w[0].id),
                  romcv_calib_check_name(id));
    ck_assert(w[0].message[0] && w[0].advice[0]);
    return w[0];
}

START_TEST(test_good_clip_is_quiet) {
    PersonSpec spec = good_spec();
    Person *p = make_person(&spec);
    RomcvCheckInput in = input_for(p);
    RomcvCheckWarning w[ROMCV_CHECK_COUNT];
    ck_assert_int_eq(run(&in, w), 0);
    free(p);
}
END_TEST

START_TEST(test_framing) {
    PersonSpec spec = good_spec();
    spec.ankle_drop = 120; /* feet below the frame's bottom in a third of the frames */
    Person *p = make_person(&spec);
    RomcvCheckInput in = input_for(p);
    RomcvCheckWarning w = expect_one(&in, ROMCV_CHECK_FRAMING);
    ck_assert_ptr_nonnull(strstr(w.message, "ankle"));
    ck_assert(fabs(w.value - 1.0 / 3) < 0.02);
    /* The protocol needs only the upper body: the feet do not matter. */
    static const int upper[] = {ROMCV_LM_LEFT_SHOULDER, ROMCV_LM_LEFT_HIP};
    in.required = upper;
    in.required_count = 2;
    RomcvCheckWarning all[ROMCV_CHECK_COUNT];
    ck_assert_int_eq(run(&in, all), 0);
    free(p);
}
END_TEST

START_TEST(test_person_small) {
    PersonSpec spec = good_spec();
    spec.height_px = 250;
    Person *p = make_person(&spec);
    RomcvCheckInput in = input_for(p);
    RomcvCheckWarning w = expect_one(&in, ROMCV_CHECK_PERSON_SMALL);
    ck_assert(fabs(w.value - 250) < 5);
    free(p);
}
END_TEST

START_TEST(test_roll) {
    PersonSpec spec = good_spec();
    Person *p = make_person(&spec);
    RomcvCheckInput in = input_for(p);
    in.down_x = (float)sin(6 * PI / 180);
    in.down_y = (float)cos(6 * PI / 180);
    RomcvCheckWarning w = expect_one(&in, ROMCV_CHECK_ROLL);
    ck_assert(fabs(w.value - 6) < 1e-3);
    in.down_x = (float)sin(-2 * PI / 180); /* below the 3 degree limit */
    in.down_y = (float)cos(-2 * PI / 180);
    RomcvCheckWarning all[ROMCV_CHECK_COUNT];
    ck_assert_int_eq(run(&in, all), 0);
    free(p);
}
END_TEST

START_TEST(test_oblique) {
    PersonSpec spec = good_spec();
    spec.breadth = sin(45 * PI / 180); /* camera 45 degrees round from the side */
    Person *p = make_person(&spec);
    RomcvCheckInput in = input_for(p);
    RomcvCheckWarning w = expect_one(&in, ROMCV_CHECK_OBLIQUE);
    ck_assert_msg(fabs(w.value - 45) < 3, "%.1f deg", w.value);
    /* The same body seen from the front is 45 degrees off too... */
    in.plane = ROMCV_PLANE_FRONTAL;
    w = expect_one(&in, ROMCV_CHECK_OBLIQUE);
    ck_assert(fabs(w.value - 45) < 3);
    free(p);
    /* ...and a square front view is fine. */
    spec.breadth = 1;
    p = make_person(&spec);
    in = input_for(p);
    in.plane = ROMCV_PLANE_FRONTAL;
    RomcvCheckWarning all[ROMCV_CHECK_COUNT];
    ck_assert_int_eq(run(&in, all), 0);
    free(p);
}
END_TEST

START_TEST(test_fps) {
    PersonSpec spec = good_spec();
    spec.fps = 12;
    Person *p = make_person(&spec);
    RomcvCheckInput in = input_for(p);
    RomcvCheckWarning w = expect_one(&in, ROMCV_CHECK_FPS);
    ck_assert(fabs(w.value - 12) < 1e-6);
    free(p);
}
END_TEST

/* A GRAY8 frame: a sharp checkerboard of 8 px squares, in levels lo and hi,
 * or (blurred) a smooth ramp between them. */
static RomcvFrame *pattern(int sharp, int lo, int hi) {
    RomcvFrame *f = NULL;
    ck_assert_int_eq(romcv_frame_create(&f, 320, 240, ROMCV_PIX_GRAY8), 0);
    for (int y = 0; y < 240; y++) {
        for (int x = 0; x < 320; x++) {
            int v = sharp ? (((x / 8) + (y / 8)) % 2 ? hi : lo) : lo + (hi - lo) * x / 319;
            f->data[(size_t)y * (size_t)f->stride + (size_t)x] = (uint8_t)v;
        }
    }
    return f;
}

static RomcvFrameQuality quality_of(RomcvFrame *f) {
    RomcvFrameQuality q;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_calib_frame_quality(f, &q, &diag) == 0, "%s", diag.message);
    romcv_frame_unref(&f);
    return q;
}

START_TEST(test_blur_and_exposure) {
    RomcvCheckInput in;
    memset(&in, 0, sizeof(in));
    RomcvFrameQuality q[3];
    for (int i = 0; i < 3; i++) {
        q[i] = quality_of(pattern(1, 40, 200));
    }
    in.quality = q;
    in.quality_count = 3;
    RomcvCheckWarning all[ROMCV_CHECK_COUNT];
    ck_assert_int_eq(run(&in, all), 0);
    ck_assert(q[0].sharpness > 1000);

    for (int i = 0; i < 3; i++) {
        q[i] = quality_of(pattern(0, 40, 200));
    }
    RomcvCheckWarning w = expect_one(&in, ROMCV_CHECK_BLUR);
    ck_assert(w.value < 5);

    for (int i = 0; i < 3; i++) {
        q[i] = quality_of(pattern(1, 0, 30));
    }
    w = expect_one(&in, ROMCV_CHECK_EXPOSURE);
    ck_assert_ptr_nonnull(strstr(w.message, "too dark"));
    for (int i = 0; i < 3; i++) {
        q[i] = quality_of(pattern(1, 230, 255));
    }
    w = expect_one(&in, ROMCV_CHECK_EXPOSURE);
    ck_assert_ptr_nonnull(strstr(w.message, "overexposed"));
}
END_TEST

START_TEST(test_scale_from_height) {
    PersonSpec spec = good_spec();
    Person *p = make_person(&spec);
    double mpp = 0;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calib_scale_from_height(&p->series, 1.75, &mpp, &diag), 0);
    /* The nose sits 0.91 H up, the ankles 0.039 H: the span is exactly the
     * 0.871 H the function assumes (plus the nose's forward offset). */
    double expect = 1.75 / 1000;
    ck_assert_msg(fabs(mpp / expect - 1) < 0.01, "%.5g vs %.5g m/px", mpp, expect);
    ck_assert_int_eq(romcv_calib_scale_from_height(&p->series, 0.1, &mpp, &diag),
                     ROMCV_ERR(EINVAL));
    for (int i = 0; i < N; i++) {
        p->x[ROMCV_LM_NOSE][i] = NAN;
    }
    ck_assert_int_eq(romcv_calib_scale_from_height(&p->series, 1.75, &mpp, &diag),
                     ROMCV_E_NO_PERSON);
    free(p);
}
END_TEST

/* MediaPipe's reference landmarks for a shared sample, in pixels. */
enum { MAX_FRAMES = 2048 };
typedef struct Reference {
    float x[ROMCV_METRICS_LANDMARKS][MAX_FRAMES];
    float y[ROMCV_METRICS_LANDMARKS][MAX_FRAMES];
    float v[ROMCV_METRICS_LANDMARKS][MAX_FRAMES];
    double time_s[MAX_FRAMES];
    int width, height;
    RomcvLandmarkSeries series;
} Reference;

static Reference *load_reference(const char *relative) {
    char *path = romcv_test_shared_file(relative);
    size_t size = 0;
    char *text = romcv_test_read_file(path, &size);
    ck_assert_ptr_nonnull(text);
    Reference *r = calloc(1, sizeof(Reference));
    ck_assert_ptr_nonnull(r);
    size_t n = 0;
    for (char *line = text; *line && n < MAX_FRAMES;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        RomcvJsonDoc *doc = NULL;
        RomcvDiag diag = {0};
        ck_assert_msg(romcv__json_parse(&doc, line, len, path, &diag) == 0, "%s", diag.message);
        const RomcvJsonValue *root = romcv__json_root(doc);
        r->width = (int)romcv__json_number(romcv__json_get(root, "width"));
        r->height = (int)romcv__json_number(romcv__json_get(root, "height"));
        r->time_s[n] = romcv__json_number(romcv__json_get(root, "timestamp_ms")) / 1000;
        const RomcvJsonValue *lms = romcv__json_get(root, "landmarks");
        for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
            const RomcvJsonValue *lm = romcv__json_at(lms, (size_t)k);
            r->x[k][n] =
                lm ? (float)(romcv__json_number(romcv__json_get(lm, "x")) * r->width) : NAN;
            r->y[k][n] =
                lm ? (float)(romcv__json_number(romcv__json_get(lm, "y")) * r->height) : NAN;
            r->v[k][n] = lm ? (float)romcv__json_number(romcv__json_get(lm, "visibility")) : 0;
        }
        romcv__json_free(&doc);
        n++;
        line = end ? end + 1 : line + len;
    }
    free(text);
    free(path);
    ck_assert_uint_gt(n, 50);
    r->series.n = n;
    r->series.time_s = r->time_s;
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        r->series.x[k] = r->x[k];
        r->series.y[k] = r->y[k];
        r->series.visibility[k] = r->v[k];
    }
    return r;
}

static RomcvFrame *copy_frame(const RomcvFrame *f) {
    RomcvFrame *c = NULL;
    ck_assert_int_eq(romcv_frame_create(&c, f->width, f->height, f->format), 0);
    for (int y = 0; y < f->height; y++) {
        memcpy(c->data + (size_t)y * (size_t)c->stride, f->data + (size_t)y * (size_t)f->stride,
               (size_t)f->width * (size_t)romcv_pixel_format_bytes(f->format));
    }
    return c;
}

static RomcvCheckInput side_input(const Reference *r) {
    RomcvCheckInput in;
    memset(&in, 0, sizeof(in));
    in.landmarks = &r->series;
    in.width = r->width;
    in.height = r->height;
    in.has_plane = 1;
    in.plane = ROMCV_PLANE_SAGITTAL;
    in.has_down = 1;
    in.down_x = 0;
    in.down_y = 1;
    return in;
}

/* The real sample: MediaPipe's landmarks for squat_side.mp4 and a sample of
 * its decoded frames pass every check; the same clip made to fail each
 * check (landmarks moved or shrunk, times stretched, frames darkened or
 * blurred; squat_front.mp4 for a side-view protocol) trips that one only. */
START_TEST(test_squat_side) {
    Reference *r = load_reference("reference/squat_side.m1.jsonl");

    /* Every 20th frame of the first 10 s, as decoded, darkened and blurred. */
    char *video = romcv_test_shared_file("samples/squat_side.mp4");
    RomcvCaptureSettings cs;
    romcv_capture_default_settings(&cs);
    cs.input = video;
    cs.to_s = 10;
    RomcvCapture *cap = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_capture_open(&cap, &cs, &diag) == 0, "%s", diag.message);
    enum { MAXQ = 32 };
    RomcvFrameQuality q[MAXQ], dark[MAXQ], blurred[MAXQ];
    size_t nq = 0;
    RomcvFrame *frame = NULL;
    int rc;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        if (frame->index % 20 == 0 && nq < MAXQ) {
            ck_assert_int_eq(romcv_calib_frame_quality(frame, &q[nq], &diag), 0);
            RomcvFrame *d = copy_frame(frame);
            for (int y = 0; y < d->height; y++) {
                uint8_t *row = d->data + (size_t)y * (size_t)d->stride;
                for (int x = 0; x < 3 * d->width; x++) {
                    row[x] = (uint8_t)(row[x] * 12 / 100); /* 3 stops under */
                }
            }
            ck_assert_int_eq(romcv_calib_frame_quality(d, &dark[nq], &diag), 0);
            romcv_frame_unref(&d);
            /* Out of focus: down to an eighth and back up. */
            RomcvFrame *small = NULL, *soft = copy_frame(frame);
            ck_assert_int_eq(
                romcv_frame_create(&small, frame->width / 8, frame->height / 8, frame->format), 0);
            ck_assert_int_eq(romcv__cv_resize(frame, small, ROMCV_CV_AREA, &diag), 0);
            ck_assert_int_eq(romcv__cv_resize(small, soft, ROMCV_CV_LINEAR, &diag), 0);
            ck_assert_int_eq(romcv_calib_frame_quality(soft, &blurred[nq], &diag), 0);
            romcv_frame_unref(&small);
            romcv_frame_unref(&soft);
            nq++;
        }
        romcv_frame_unref(&frame);
    }
    ck_assert_int_eq(rc, ROMCV_E_EOF);
    romcv_capture_close(&cap);
    free(video);
    ck_assert_uint_gt(nq, 10);
    fprintf(stderr, "squat_side: %dx%d, %zu frames, sharpness %.1f (blurred %.1f), luma %.1f\n",
            r->width, r->height, r->series.n, q[0].sharpness, blurred[0].sharpness, q[0].mean_luma);

    RomcvCheckInput in = side_input(r);
    in.quality = q;
    in.quality_count = nq;
    RomcvCheckWarning w[ROMCV_CHECK_COUNT];
    ck_assert_int_eq(run(&in, w), 0);

    in.quality = dark;
    RomcvCheckWarning one = expect_one(&in, ROMCV_CHECK_EXPOSURE);
    ck_assert_ptr_nonnull(strstr(one.message, "too dark"));
    in.quality = blurred;
    expect_one(&in, ROMCV_CHECK_BLUR);
    in.quality = q;

    /* Times stretched fourfold: 7.5 fps. */
    RomcvLandmarkSeries changed = r->series;
    double *times = malloc(changed.n * sizeof(double));
    for (size_t i = 0; i < changed.n; i++) {
        times[i] = r->time_s[i] * 4;
    }
    changed.time_s = times;
    in.landmarks = &changed;
    one = expect_one(&in, ROMCV_CHECK_FPS);
    ck_assert(one.value < 8);
    free(times);

    /* The camera rolled by 5 degrees (as a measured vertical says). */
    in.landmarks = &r->series;
    in.down_x = (float)sin(5 * PI / 180);
    in.down_y = (float)cos(5 * PI / 180);
    expect_one(&in, ROMCV_CHECK_ROLL);
    in.down_x = 0;
    in.down_y = 1;

    /* Framed too tight: the person shifted down by a fifth of the frame,
     * feet out of the bottom. */
    float(*moved)[MAX_FRAMES] = malloc(sizeof(float) * ROMCV_METRICS_LANDMARKS * MAX_FRAMES);
    ck_assert_ptr_nonnull(moved);
    changed = r->series;
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        for (size_t i = 0; i < changed.n; i++) {
            moved[k][i] = r->y[k][i] + 0.2f * (float)r->height;
        }
        changed.y[k] = moved[k];
    }
    in.landmarks = &changed;
    one = expect_one(&in, ROMCV_CHECK_FRAMING);
    ck_assert_ptr_nonnull(strstr(one.message, "ankle"));

    /* Filmed from far away: the person a third of the size. */
    float(*shrunk)[MAX_FRAMES] = malloc(sizeof(float) * ROMCV_METRICS_LANDMARKS * MAX_FRAMES);
    ck_assert_ptr_nonnull(shrunk);
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        for (size_t i = 0; i < changed.n; i++) {
            moved[k][i] = r->y[k][i] / 3 + 0.3f * (float)r->height;
            shrunk[k][i] = r->x[k][i] / 3 + 0.3f * (float)r->width;
        }
        changed.x[k] = shrunk[k];
        changed.y[k] = moved[k];
    }
    one = expect_one(&in, ROMCV_CHECK_PERSON_SMALL);
    free(moved);
    free(shrunk);
    free(r);

    /* A front view where the protocol wants the side. */
    Reference *front = load_reference("reference/squat_front.m1.jsonl");
    /* (The reference samples that clip at 5 fps: no times, no fps check.) */
    front->series.time_s = NULL;
    in = side_input(front);
    one = expect_one(&in, ROMCV_CHECK_OBLIQUE);
    fprintf(stderr, "squat_front seen as a side view: %.0f deg off\n", one.value);
    in.plane = ROMCV_PLANE_FRONTAL;
    ck_assert_int_eq(run(&in, w), 0);
    free(front);
}
END_TEST

static Suite *checks_suite(void) {
    Suite *s = suite_create("calib_checks");
    TCase *tc = tcase_create("checks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_good_clip_is_quiet);
    tcase_add_test(tc, test_framing);
    tcase_add_test(tc, test_person_small);
    tcase_add_test(tc, test_roll);
    tcase_add_test(tc, test_oblique);
    tcase_add_test(tc, test_fps);
    tcase_add_test(tc, test_blur_and_exposure);
    tcase_add_test(tc, test_scale_from_height);
    tcase_add_test(tc, test_squat_side);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(checks_suite());
}
