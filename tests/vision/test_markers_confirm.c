/*
 * tests/vision/test_markers_confirm.c: a marker's name is only given once
 * the arrangement has held for several consecutive frames with the spot
 * moving with the body (vision/markers_track.c, "confirmation";
 * romcv/vision.h), and the frames of the wait get the name afterwards
 * through romcv_marker_tracker_backfill().
 *
 * The scenes are drawn as detections around a synthetic side-view pose, so
 * that each test controls exactly what the tracker sees: spots arranged
 * like pelvic and spinal markers that flicker (the clutter of a real gym,
 * ../shared/samples/squat_side.mp4, held its arrangement for 2 frames at
 * most), spots that stay put while the person moves, and markers that move
 * with the body. Each test that expects no name also shows that, with the
 * confirmation switched off or loosened, a name is given: the test bites.
 */
#include "romcv/romcv.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

#define WIDTH  640
#define HEIGHT 480
#define FPS    30.0
#define TRUNK  100.0f /* H: hip centre to shoulder centre, px */

/* Where the markers sit in the body frame (forward, up from the hip centre,
 * in H), as vision/markers_track.c expects them in a side view facing the
 * image's right: the right ASIS in front, the right PSIS, S1, L3, T12
 * behind, bottom to top. */
static const struct {
    int label;
    float fwd, up;
} on_body[] = {
    {ROMCV_MARKER_ASIS_RIGHT, 0.12f, 0.16f}, {ROMCV_MARKER_PSIS_RIGHT, -0.22f, 0.10f},
    {ROMCV_MARKER_S1, -0.22f, 0.20f},        {ROMCV_MARKER_L3, -0.24f, 0.35f},
    {ROMCV_MARKER_T12, -0.22f, 0.50f},
};
#define N_MARKERS ((int)(sizeof on_body / sizeof on_body[0]))

static void set_landmark(RomcvPose *pose, int k, float x, float y) {
    pose->landmarks[k].x = x / WIDTH;
    pose->landmarks[k].y = y / HEIGHT;
    pose->landmarks[k].visibility = pose->landmarks[k].presence = 1;
}

/* A person seen from their right, facing the image's right, hip centre at
 * (hip_x, 300) and shoulders TRUNK px above. */
static void side_pose(float hip_x, RomcvPose *pose) {
    memset(pose, 0, sizeof *pose);
    pose->found = 1;
    pose->score = 1;
    for (int k = 0; k < ROMCV_POSE_LANDMARKS; k++) {
        pose->landmarks[k].x = pose->landmarks[k].y = NAN;
    }
    const float hip_y = 300, shoulder_y = hip_y - TRUNK;
    set_landmark(pose, ROMCV_LM_LEFT_HIP, hip_x + 2, hip_y);
    set_landmark(pose, ROMCV_LM_RIGHT_HIP, hip_x - 2, hip_y);
    set_landmark(pose, ROMCV_LM_LEFT_SHOULDER, hip_x + 2, shoulder_y);
    set_landmark(pose, ROMCV_LM_RIGHT_SHOULDER, hip_x - 2, shoulder_y);
    set_landmark(pose, ROMCV_LM_NOSE, hip_x + 12, shoulder_y - 30);
    set_landmark(pose, ROMCV_LM_LEFT_EAR, hip_x, shoulder_y - 28);
    set_landmark(pose, ROMCV_LM_RIGHT_EAR, hip_x, shoulder_y - 28);
    set_landmark(pose, ROMCV_LM_LEFT_HEEL, hip_x - 5, 450);
    set_landmark(pose, ROMCV_LM_RIGHT_HEEL, hip_x - 5, 450);
    set_landmark(pose, ROMCV_LM_LEFT_FOOT_INDEX, hip_x + 20, 452);
    set_landmark(pose, ROMCV_LM_RIGHT_FOOT_INDEX, hip_x + 20, 452);
}

/* Marker m's spot for a hip centre at hip_x. */
static RomcvMarkerDetection spot(int m, float hip_x) {
    RomcvMarkerDetection d = {
        .x = hip_x + on_body[m].fwd * TRUNK,
        .y = 300 - on_body[m].up * TRUNK,
        .radius = 2,
        .roundness = 1,
        .score = 1,
    };
    return d;
}

static RomcvMarkerTracker *tracker_with(int confirm_frames, float confirm_h) {
    RomcvMarkerTrackerSettings s;
    romcv_marker_tracker_default_settings(&s);
    if (confirm_frames > 0) {
        s.confirm_frames = confirm_frames;
    }
    if (confirm_h > 0) {
        s.confirm_h = confirm_h;
    }
    RomcvMarkerTracker *t = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_marker_tracker_create(&t, &s, &diag) == 0, "%s", diag.message);
    return t;
}

/* Frames in which any label was named, the tracker's output and the
 * backfill together. */
typedef struct Named {
    int frames_named;
    int label_frames[ROMCV_MARKER_LABELS];
} Named;

static void count(Named *named, const RomcvMarkerFrame *f, const RomcvMarkerTracker *t) {
    int any = 0;
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        int back = romcv_marker_tracker_backfill(t, k, NULL, NULL, 0);
        named->label_frames[k] += (f->visibility[k] > 0) + back;
        any |= f->visibility[k] > 0 || back > 0;
    }
    named->frames_named += any;
}

/* Spots in the markers' arrangement that never hold it for more than two
 * frames running: the third frame of every three lacks T12, which leaves
 * three posterior spots, the lowest at hip height (ambiguous). */
static Named flickering(int confirm_frames) {
    RomcvMarkerTracker *t = tracker_with(confirm_frames, 0);
    Named named = {0};
    for (int i = 0; i < 90; i++) {
        RomcvPose pose;
        side_pose(320, &pose);
        RomcvMarkerDetection det[N_MARKERS];
        int n = 0;
        for (int m = 0; m < N_MARKERS; m++) {
            if (on_body[m].label != ROMCV_MARKER_T12 || i % 3 != 2) {
                det[n++] = spot(m, 320);
            }
        }
        RomcvMarkerFrame f;
        ck_assert_int_eq(romcv_marker_tracker_update(t, i / FPS, &pose, WIDTH, HEIGHT, det, n, &f),
                         0);
        count(&named, &f, t);
    }
    romcv_marker_tracker_destroy(&t);
    return named;
}

START_TEST(flickering_arrangement_is_never_named) {
    Named named = flickering(0); /* the default confirmation */
    ck_assert_msg(named.frames_named == 0, "named in %d frames", named.frames_named);
    /* Without confirmation (or with two frames) the same spots take names:
     * the rule is what keeps them out. */
    ck_assert_int_gt(flickering(1).frames_named, 0);
    ck_assert_int_gt(flickering(2).frames_named, 0);
}
END_TEST

/* The person walks past at 1 H/s (a squat's hips move about as fast); the
 * spots stay where they would be on the body at 1 s. They fit the
 * arrangement for about a third of a second, but drift through the body
 * frame by 0.033 H a frame. */
static Named static_spots(float confirm_h) {
    RomcvMarkerTracker *t = tracker_with(0, confirm_h);
    Named named = {0};
    for (int i = 0; i < 60; i++) {
        float hip_x = 220 + TRUNK * (float)(i / FPS);
        RomcvPose pose;
        side_pose(hip_x, &pose);
        RomcvMarkerDetection det[N_MARKERS];
        for (int m = 0; m < N_MARKERS; m++) {
            det[m] = spot(m, 320);
        }
        RomcvMarkerFrame f;
        ck_assert_int_eq(
            romcv_marker_tracker_update(t, i / FPS, &pose, WIDTH, HEIGHT, det, N_MARKERS, &f), 0);
        count(&named, &f, t);
    }
    romcv_marker_tracker_destroy(&t);
    return named;
}

START_TEST(spots_that_stay_put_while_the_body_moves_are_not_named) {
    Named named = static_spots(0);
    ck_assert_msg(named.frames_named == 0, "named in %d frames", named.frames_named);
    /* With a tolerance that ignores the drift, they are named. */
    ck_assert_int_gt(static_spots(0.9f).frames_named, 0);
}
END_TEST

/* Markers that move with the person (the same walk): named once confirmed,
 * nothing before, and the backfill gives the frames of the wait their
 * positions, so every frame has every name. */
START_TEST(markers_moving_with_the_body_are_named_from_the_first_frame) {
    RomcvMarkerTrackerSettings defaults;
    romcv_marker_tracker_default_settings(&defaults);
    const int confirm = defaults.confirm_frames;
    ck_assert_int_ge(confirm, 3);
    RomcvMarkerTracker *t = tracker_with(0, 0);
    Named named = {0};
    const int frames = 30;
    float hip_at[30];
    for (int i = 0; i < frames; i++) {
        float hip_x = 220 + TRUNK * (float)(i / FPS);
        hip_at[i] = hip_x;
        RomcvPose pose;
        side_pose(hip_x, &pose);
        RomcvMarkerDetection det[N_MARKERS];
        for (int m = 0; m < N_MARKERS; m++) {
            det[m] = spot(m, hip_x);
        }
        RomcvMarkerFrame f;
        ck_assert_int_eq(
            romcv_marker_tracker_update(t, i / FPS, &pose, WIDTH, HEIGHT, det, N_MARKERS, &f), 0);
        count(&named, &f, t);
        for (int m = 0; m < N_MARKERS; m++) {
            int k = on_body[m].label;
            if (i < confirm - 1) {
                ck_assert_msg(f.visibility[k] == 0 && isnan(f.x[k]),
                              "label %d given in frame %d, before its confirmation", k, i);
                continue;
            }
            ck_assert_msg(f.visibility[k] == 1 && fabsf(f.x[k] - det[m].x) < 1e-4f &&
                              fabsf(f.y[k] - det[m].y) < 1e-4f,
                          "label %d not on its marker in frame %d", k, i);
            float bx[ROMCV_MARKER_CONFIRM_MAX], by[ROMCV_MARKER_CONFIRM_MAX];
            int back = romcv_marker_tracker_backfill(t, k, bx, by, ROMCV_MARKER_CONFIRM_MAX);
            ck_assert_int_eq(back, i == confirm - 1 ? confirm - 1 : 0);
            for (int j = 0; j < back; j++) {
                RomcvMarkerDetection then = spot(m, hip_at[i - 1 - j]);
                ck_assert(fabsf(bx[j] - then.x) < 1e-4f && fabsf(by[j] - then.y) < 1e-4f);
            }
        }
    }
    for (int m = 0; m < N_MARKERS; m++) {
        ck_assert_int_eq(named.label_frames[on_body[m].label], frames);
    }
    ck_assert_int_eq(romcv_marker_tracker_ambiguous_frames(t), 0);
    romcv_marker_tracker_destroy(&t);
}
END_TEST

START_TEST(confirmation_settings_checked) {
    RomcvMarkerTrackerSettings s;
    romcv_marker_tracker_default_settings(&s);
    ck_assert_int_eq(s.confirm_frames, ROMCV_MARKER_CONFIRM_FRAMES);
    const int frames[] = {0, ROMCV_MARKER_CONFIRM_MAX + 1};
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        s.confirm_frames = frames[i];
        RomcvMarkerTracker *t = NULL;
        RomcvDiag diag = {0};
        ck_assert_int_lt(romcv_marker_tracker_create(&t, &s, &diag), 0);
        ck_assert_ptr_null(t);
        ck_assert(strstr(diag.message, "confirm"));
    }
    romcv_marker_tracker_default_settings(&s);
    s.confirm_h = NAN;
    RomcvMarkerTracker *t = NULL;
    ck_assert_int_lt(romcv_marker_tracker_create(&t, &s, NULL), 0);
    /* NULL-safe, and nothing to backfill before any update. */
    ck_assert_int_eq(romcv_marker_tracker_backfill(NULL, 0, NULL, NULL, 0), 0);
    t = tracker_with(0, 0);
    ck_assert_int_eq(romcv_marker_tracker_backfill(t, ROMCV_MARKER_S1, NULL, NULL, 0), 0);
    ck_assert_int_eq(romcv_marker_tracker_backfill(t, -1, NULL, NULL, 0), 0);
    ck_assert_int_eq(romcv_marker_tracker_backfill(t, ROMCV_MARKER_LABELS, NULL, NULL, 0), 0);
    romcv_marker_tracker_destroy(&t);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("markers_confirm");
    TCase *c = tcase_create("confirm");
    tcase_add_test(c, flickering_arrangement_is_never_named);
    tcase_add_test(c, spots_that_stay_put_while_the_body_moves_are_not_named);
    tcase_add_test(c, markers_moving_with_the_body_are_named_from_the_first_frame);
    tcase_add_test(c, confirmation_settings_checked);
    suite_add_tcase(s, c);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
