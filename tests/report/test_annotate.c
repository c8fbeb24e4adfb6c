/*
 * tests/report/test_annotate.c: the annotated video's two pieces.
 *
 * The overlay is checked on pixels: a synthetic frame with known landmarks
 * changes along the skeleton and nowhere else; an arc's angular extent,
 * measured from the changed pixels around its joint, is the angle's value;
 * NaN values, a missing person and an empty banner list draw nothing.
 *
 * The video writer is checked by reading its files back with libavformat and
 * libavcodec (FFmpeg's own demuxer and decoder, not romcv's capture): the
 * same number of frames, the same time stamps (variable frame rate kept),
 * the right codec, a file closed early still decodes, and nothing is left
 * behind by abort, by a failure or under the temporary name.
 */
#include "testutil.h"

#include "romcv/annotate.h"
#include "romcv/capture.h"

#include <dirent.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLM ROMCV_OVERLAY_LANDMARKS

/* ---------------------------------------------------------------- frames */

static RomcvFrame *grey_frame(int width, int height, uint8_t level) {
    RomcvFrame *f = NULL;
    ck_assert_int_eq(romcv_frame_create(&f, width, height, ROMCV_PIX_RGB24), 0);
    for (int y = 0; y < height; y++) {
        memset(f->data + (size_t)y * f->stride, level, (size_t)width * 3);
    }
    return f;
}

static const uint8_t *px(const RomcvFrame *f, int x, int y) {
    return f->data + (size_t)y * f->stride + (size_t)x * 3;
}

static int changed(const RomcvFrame *a, const RomcvFrame *b, int x, int y) {
    return memcmp(px(a, x, y), px(b, x, y), 3) != 0;
}

static long count_changed(const RomcvFrame *a, const RomcvFrame *b) {
    long n = 0;
    for (int y = 0; y < a->height; y++) {
        for (int x = 0; x < a->width; x++) {
            n += changed(a, b, x, y);
        }
    }
    return n;
}

static RomcvFrame *copy_frame(const RomcvFrame *src) {
    RomcvFrame *f = grey_frame(src->width, src->height, 0);
    for (int y = 0; y < src->height; y++) {
        memcpy(f->data + (size_t)y * f->stride, px(src, 0, y), (size_t)src->width * 3);
    }
    return f;
}

/* ------------------------------------------------------- a known person */

/* A person standing in a 640x480 frame, facing the camera: every landmark
 * placed by hand (the face small, the limbs long). */
typedef struct Person {
    float x[NLM], y[NLM], v[NLM];
} Person;

static void set(Person *p, int k, float x, float y) {
    p->x[k] = x;
    p->y[k] = y;
    p->v[k] = 1.0f;
}

static Person standing(void) {
    Person p;
    for (int k = 0; k < NLM; k++) {
        p.x[k] = p.y[k] = NAN;
        p.v[k] = 0.0f;
    }
    /* Face, on the image's left and right as the camera sees it: the
     * person's left is on the image's right. */
    set(&p, 0, 320, 60);
    set(&p, 1, 328, 52);
    set(&p, 2, 334, 52);
    set(&p, 3, 340, 52);
    set(&p, 4, 312, 52);
    set(&p, 5, 306, 52);
    set(&p, 6, 300, 52);
    set(&p, 7, 346, 58);
    set(&p, 8, 294, 58);
    set(&p, 9, 328, 72);
    set(&p, 10, 312, 72);
    /* Arms and hands. */
    set(&p, 11, 370, 110);
    set(&p, 12, 270, 110);
    set(&p, 13, 390, 170);
    set(&p, 14, 250, 170);
    set(&p, 15, 400, 225);
    set(&p, 16, 240, 225);
    set(&p, 17, 404, 240);
    set(&p, 18, 236, 240);
    set(&p, 19, 398, 242);
    set(&p, 20, 242, 242);
    set(&p, 21, 394, 236);
    set(&p, 22, 246, 236);
    /* Hips, knees, ankles, heels, toes. */
    set(&p, 23, 350, 240);
    set(&p, 24, 290, 240);
    set(&p, 25, 355, 330);
    set(&p, 26, 285, 330);
    set(&p, 27, 358, 420);
    set(&p, 28, 282, 420);
    set(&p, 29, 352, 435);
    set(&p, 30, 288, 435);
    set(&p, 31, 372, 440);
    set(&p, 32, 268, 440);
    return p;
}

static RomcvOverlayInput input_for(const Person *p) {
    RomcvOverlayInput in;
    memset(&in, 0, sizeof in);
    in.time_s = NAN;
    in.frame_index = -1;
    in.x = p->x;
    in.y = p->y;
    in.visibility = p->v;
    in.view = ROMCV_VIEW_FRONT;
    return in;
}

static void draw(RomcvFrame *f, const RomcvOverlaySettings *s, const RomcvOverlayInput *in) {
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_overlay_draw(f, s, in, &diag) == 0, "%s", diag.message);
}

/* Distance from (x, y) to the segment a-b. */
static double segment_distance(double x, double y, double ax, double ay, double bx, double by) {
    double dx = bx - ax, dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(x - (ax + t * dx), y - (ay + t * dy));
}

/* The connections as the test knows them (MediaPipe's POSE_CONNECTIONS). */
static const int bones[][2] = {
    {0, 1},   {1, 2},   {2, 3},   {3, 7},   {0, 4},   {4, 5},   {5, 6},   {6, 8},   {9, 10},
    {11, 12}, {11, 13}, {13, 15}, {15, 17}, {15, 19}, {15, 21}, {17, 19}, {12, 14}, {14, 16},
    {16, 18}, {16, 20}, {16, 22}, {18, 20}, {11, 23}, {12, 24}, {23, 24}, {23, 25}, {24, 26},
    {25, 27}, {26, 28}, {27, 29}, {28, 30}, {29, 31}, {30, 32}, {27, 31}, {28, 32},
};
#define N_BONES (sizeof bones / sizeof bones[0])

static double skeleton_distance(const Person *p, double x, double y) {
    double best = 1e9;
    for (size_t i = 0; i < N_BONES; i++) {
        int a = bones[i][0], b = bones[i][1];
        double d = segment_distance(x, y, p->x[a], p->y[a], p->x[b], p->y[b]);
        best = d < best ? d : best;
    }
    return best;
}

/* ---------------------------------------------------------------- overlay */

START_TEST(skeleton_changes_pixels_only_where_it_lies) {
    Person p = standing();
    RomcvFrame *blank = grey_frame(640, 480, 60);
    RomcvFrame *f = copy_frame(blank);
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    s.layers = ROMCV_OVERLAY_SKELETON;
    RomcvOverlayInput in = input_for(&p);
    draw(f, &s, &in);
    /* On every bone: its middle pixel changed. */
    for (size_t i = 0; i < N_BONES; i++) {
        int a = bones[i][0], b = bones[i][1];
        int mx = (int)lround(0.5 * (p.x[a] + p.x[b])), my = (int)lround(0.5 * (p.y[a] + p.y[b]));
        ck_assert_msg(changed(f, blank, mx, my), "bone %d-%d not drawn at (%d, %d)", a, b, mx, my);
    }
    /* Away from every bone (dots and anti-aliasing stay within 6 px at this
     * size): nothing changed. */
    long far_changed = 0, near_changed = 0;
    for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 640; x++) {
            double d = skeleton_distance(&p, x, y);
            if (changed(f, blank, x, y)) {
                far_changed += d > 6.0;
                near_changed++;
            }
        }
    }
    ck_assert_int_eq(far_changed, 0);
    ck_assert_int_gt(near_changed, 35 * 20);
    /* Left and right in their own colours: the person's left (image right)
     * thigh is warm (more red than blue), the right thigh cool. */
    const uint8_t *left = px(f, 352, 285), *right = px(f, 287, 285);
    ck_assert_int_gt(left[0], left[2]);
    ck_assert_int_gt(right[2], right[0]);
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}
END_TEST

START_TEST(low_visibility_and_missing_landmarks_are_not_drawn) {
    Person p = standing();
    RomcvFrame *blank = grey_frame(640, 480, 60);
    RomcvFrame *f = copy_frame(blank);
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    s.layers = ROMCV_OVERLAY_SKELETON;
    p.v[25] = 0.2f;          /* the left knee, hidden */
    p.x[26] = p.y[26] = NAN; /* the right knee, missing */
    RomcvOverlayInput in = input_for(&p);
    draw(f, &s, &in);
    /* Thighs and shanks end at the knees: none is drawn; the hips are. */
    ck_assert(!changed(f, blank, 353, 290));
    ck_assert(!changed(f, blank, 356, 375));
    ck_assert(!changed(f, blank, 287, 290));
    ck_assert(changed(f, blank, 320, 240));
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}
END_TEST

START_TEST(nothing_to_draw_draws_nothing) {
    Person p = standing();
    RomcvFrame *blank = grey_frame(640, 480, 60);
    RomcvFrame *f = copy_frame(blank);
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    /* No person, no values, no banners, no time: every layer on, no pixel. */
    RomcvOverlayInput in = input_for(&p);
    in.x = in.y = NULL;
    draw(f, &s, &in);
    ck_assert_int_eq(count_changed(f, blank), 0);
    /* A person with every angle NaN: exactly the skeleton alone. */
    float angles[ROMCV_ANGLE_COUNT];
    for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
        angles[a] = NAN;
    }
    in = input_for(&p);
    in.angle_deg = angles;
    draw(f, &s, &in);
    RomcvFrame *skeleton = copy_frame(blank);
    s.layers = ROMCV_OVERLAY_SKELETON;
    in.angle_deg = NULL;
    draw(skeleton, &s, &in);
    ck_assert_int_gt(count_changed(skeleton, blank), 0);
    ck_assert_int_eq(count_changed(f, skeleton), 0);
    /* One finite angle among NaNs: now the angle layers add pixels. */
    angles[ROMCV_ANGLE_HIP_ROTATION_LEFT] = 20.0f;
    romcv_overlay_default_settings(&s);
    in.angle_deg = angles;
    RomcvFrame *with_angle = copy_frame(blank);
    draw(with_angle, &s, &in);
    ck_assert_int_gt(count_changed(with_angle, skeleton), 50);
    romcv_frame_unref(&with_angle);
    romcv_frame_unref(&skeleton);
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}
END_TEST

/* The angular extent (deg) of the changed pixels on the circle of radius
 * about r around (cx, cy), measured from ref_deg (positive clockwise on
 * screen, in (-180, 180]); lo and hi receive the extremes. */
static void arc_extent(const RomcvFrame *f, const RomcvFrame *blank, double cx, double cy, double r,
                       double ref_deg, double *lo, double *hi) {
    *lo = 1e9;
    *hi = -1e9;
    for (int y = 0; y < f->height; y++) {
        for (int x = 0; x < f->width; x++) {
            double d = hypot(x - cx, y - cy);
            if (fabs(d - r) > 1.5 || !changed(f, blank, x, y)) {
                continue;
            }
            double a = remainder(atan2(y - cy, x - cx) * 180.0 / M_PI - ref_deg, 360.0);
            *lo = a < *lo ? a : *lo;
            *hi = a > *hi ? a : *hi;
        }
    }
}

/* The radius where most changed pixels lie, away from the reference line. */
static double arc_radius(const RomcvFrame *f, const RomcvFrame *blank, double cx, double cy,
                         double ref_deg) {
    int histogram[200] = {0};
    for (int y = 0; y < f->height; y++) {
        for (int x = 0; x < f->width; x++) {
            double a = remainder(atan2(y - cy, x - cx) * 180.0 / M_PI - ref_deg, 360.0);
            int d = (int)lround(hypot(x - cx, y - cy));
            if (fabs(a) > 10.0 && d < 200 && changed(f, blank, x, y)) {
                histogram[d]++;
            }
        }
    }
    int best = 0;
    for (int d = 1; d < 200; d++) {
        best = histogram[d] > histogram[best] ? d : best;
    }
    return best;
}

/* Draws one angle's arc alone and checks its extent against the value. */
static void check_arc(Person *p, RomcvAngleId id, float value, double cx, double cy, double ref_deg,
                      int turn_sign) {
    RomcvFrame *blank = grey_frame(640, 480, 60);
    RomcvFrame *f = copy_frame(blank);
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    s.layers = ROMCV_OVERLAY_ARCS;
    s.angles = 1u << id;
    float angles[ROMCV_ANGLE_COUNT];
    for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
        angles[a] = a == (int)id ? value : 5.0f; /* others finite but not asked for */
    }
    RomcvOverlayInput in = input_for(p);
    in.angle_deg = angles;
    draw(f, &s, &in);
    double r = arc_radius(f, blank, cx, cy, ref_deg);
    ck_assert_msg(r > 8, "%s: no arc found", romcv_angle_info(id)->name);
    double lo, hi;
    arc_extent(f, blank, cx, cy, r, ref_deg, &lo, &hi);
    double want = fabs(value);
    /* The arc runs from the reference (0) to the value on the segment's
     * side; line width and anti-aliasing add at most 1.5 px at each end. */
    double slack = 1.5 / r * 180.0 / M_PI + 1.0;
    if (turn_sign > 0) {
        ck_assert_msg(fabs(lo) <= slack && fabs(hi - want) <= slack,
                      "%s %.1f: arc from %.1f to %.1f deg (r %.0f)", romcv_angle_info(id)->name,
                      value, lo, hi, r);
    } else {
        ck_assert_msg(fabs(hi) <= slack && fabs(lo + want) <= slack,
                      "%s %.1f: arc from %.1f to %.1f deg (r %.0f)", romcv_angle_info(id)->name,
                      value, lo, hi, r);
    }
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}

START_TEST(arc_extent_is_the_angle) {
    Person p = standing();
    /* Left knee flexion in a side view: the reference is the thigh extended
     * below the knee (straight down here, 90 deg on screen), the shank turns
     * backwards to the image's left (clockwise on screen: positive turn). */
    set(&p, 23, 350, 150);
    set(&p, 25, 350, 250);
    set(&p, 27, 350 - 100 * sinf(60 * (float)M_PI / 180), 250 + 100 * cosf(60 * (float)M_PI / 180));
    for (float v = 20.0f; v <= 140.0f; v += 40.0f) {
        check_arc(&p, ROMCV_ANGLE_KNEE_FLEXION_LEFT, v, 350, 250, 90.0, +1);
    }
    /* The drawn number wins over the raw landmarks (filtered values differ
     * from one frame's geometry), negative values sweep by their size. */
    check_arc(&p, ROMCV_ANGLE_KNEE_FLEXION_LEFT, -35.0f, 350, 250, 90.0, +1);
    /* Shank turned the other way: the arc follows it. */
    set(&p, 27, 350 + 60, 250 + 80);
    check_arc(&p, ROMCV_ANGLE_KNEE_FLEXION_LEFT, 37.0f, 350, 250, 90.0, -1);
    /* Through 0 deg on screen: pelvic obliquity from the horizontal (the
     * reference points to the left hip, image right, 0 deg), the left hip
     * higher (counter-clockwise on screen): the arc must span 25 deg, not
     * the 335 deg around the other way. */
    Person q = standing();
    set(&q, 23, 380, 230);
    set(&q, 24, 260, 250);
    check_arc(&q, ROMCV_ANGLE_PELVIC_OBLIQUITY, 25.0f, 320, 240, 0.0, -1);
    /* Hip rotation, seated: the shank hangs down from the knee; the
     * reference is the vertical, down (90 deg). */
    Person h = standing();
    set(&h, 26, 285, 300);
    set(&h, 28, 285 + 40, 300 + 100);
    check_arc(&h, ROMCV_ANGLE_HIP_ROTATION_RIGHT, 22.0f, 285, 300, 90.0, -1);
}
END_TEST

START_TEST(mirrored_video_draws_the_measured_leg) {
    /* With --mirrored, the anatomical left leg carries the model's right
     * labels: the left hip rotation belongs at landmark 26's knee. */
    Person p = standing();
    RomcvFrame *blank = grey_frame(640, 480, 60);
    float angles[ROMCV_ANGLE_COUNT];
    for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
        angles[a] = NAN;
    }
    angles[ROMCV_ANGLE_HIP_ROTATION_LEFT] = 30.0f;
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    s.layers = ROMCV_OVERLAY_ARCS;
    RomcvOverlayInput in = input_for(&p);
    in.angle_deg = angles;
    long near_left = 0, near_right = 0;
    for (int mirrored = 0; mirrored < 2; mirrored++) {
        RomcvFrame *f = copy_frame(blank);
        s.mirrored = mirrored;
        draw(f, &s, &in);
        near_left = near_right = 0;
        for (int y = 300; y < 400; y++) {
            for (int x = 0; x < 640; x++) {
                if (changed(f, blank, x, y)) {
                    near_left += hypot(x - p.x[25], y - p.y[25]) < 40;
                    near_right += hypot(x - p.x[26], y - p.y[26]) < 40;
                }
            }
        }
        ck_assert_int_gt(mirrored ? near_right : near_left, 20);
        ck_assert_int_eq(mirrored ? near_left : near_right, 0);
        romcv_frame_unref(&f);
    }
    /* A frame whose legs metrics swapped back: the same exchange. */
    RomcvFrame *f = copy_frame(blank);
    s.mirrored = 0;
    in.swapped = ROMCV_SWAP_LEGS;
    draw(f, &s, &in);
    RomcvFrame *m = copy_frame(blank);
    s.mirrored = 1;
    in.swapped = 0;
    draw(m, &s, &in);
    ck_assert_int_eq(count_changed(f, m), 0);
    romcv_frame_unref(&m);
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}
END_TEST

START_TEST(banner_and_time_stamp) {
    Person p = standing();
    RomcvFrame *blank = grey_frame(640, 480, 60);
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    s.layers = ROMCV_OVERLAY_FLAGS | ROMCV_OVERLAY_TIME;
    RomcvOverlayInput in = input_for(&p);
    /* Neither active: nothing. */
    RomcvFrame *f = copy_frame(blank);
    draw(f, &s, &in);
    ck_assert_int_eq(count_changed(f, blank), 0);
    /* A flag: the top rows turn red across the whole width; the rest of
     * the frame stays as it was. */
    const char *flags[] = {"pelvis lifting during the rotation (right)"};
    in.banners = flags;
    in.n_banners = 1;
    draw(f, &s, &in);
    ck_assert_int_gt(px(f, 630, 3)[0], 120);
    ck_assert_int_lt(px(f, 630, 3)[2], 60);
    ck_assert_int_gt(px(f, 5, 3)[0], 120);
    for (int y = 60; y < 480; y++) {
        for (int x = 0; x < 640; x++) {
            ck_assert(!changed(f, blank, x, y));
        }
    }
    /* The time stamp: bottom left only. */
    RomcvFrame *t = copy_frame(blank);
    in.n_banners = 0;
    in.time_s = 83.25;
    in.frame_index = 2497;
    draw(t, &s, &in);
    long bottom_left = 0, elsewhere = 0;
    for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 640; x++) {
            if (changed(t, blank, x, y)) {
                if (x < 320 && y > 420) {
                    bottom_left++;
                } else {
                    elsewhere++;
                }
            }
        }
    }
    ck_assert_int_gt(bottom_left, 100);
    ck_assert_int_eq(elsewhere, 0);
    romcv_frame_unref(&t);
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}
END_TEST

/* Named skin markers: a ring around each found marker with its name
 * beside it, the marker itself left visible in the middle, nothing for a
 * marker not found, nothing elsewhere, and nothing with the layer off. With
 * the person present the names go on the side away from the hips. */
START_TEST(markers_are_ringed_and_named) {
    RomcvFrame *blank = grey_frame(640, 480, 60);
    RomcvFrame *f = copy_frame(blank);
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    s.layers = ROMCV_OVERLAY_MARKERS;
    const float mx[3] = {200.5f, 400.5f, 300.5f}, my[3] = {200.5f, 300.5f, NAN};
    const char *const names[3] = {"S1", "ASIS R", "T12"};
    Person p = standing();
    RomcvOverlayInput in = input_for(&p);
    in.x = in.y = NULL; /* no person: names to the right */
    in.marker_x = mx;
    in.marker_y = my;
    in.marker_names = names;
    in.n_markers = 3;
    draw(f, &s, &in);
    for (int m = 0; m < 2; m++) {
        int cx = (int)mx[m], cy = (int)my[m];
        /* The marker itself is not painted over; the ring around it is. */
        ck_assert_msg(!changed(f, blank, cx, cy), "marker %d painted over", m);
        int ring = 0, name = 0;
        for (int y = cy - 10; y <= cy + 10; y++) {
            for (int x = cx - 10; x <= cx + 10; x++) {
                ring += hypot(x + 0.5 - mx[m], y + 0.5 - my[m]) <= 9 && changed(f, blank, x, y);
            }
        }
        for (int y = cy - 12; y <= cy + 6; y++) {
            for (int x = cx + 10; x <= cx + 60; x++) {
                name += changed(f, blank, x, y);
            }
        }
        ck_assert_msg(ring > 12, "marker %d: ring of %d pixels", m, ring);
        ck_assert_msg(name > 15, "marker %d: name of %d pixels", m, name);
    }
    /* Everything drawn lies around the two markers (ring and name), nothing
     * at the one not found. */
    long far = 0;
    for (int y = 0; y < 480; y++) {
        for (int x = 0; x < 640; x++) {
            int near = 0;
            for (int m = 0; m < 2; m++) {
                near |= x >= mx[m] - 10 && x <= mx[m] + 70 && y >= my[m] - 14 && y <= my[m] + 10;
            }
            far += !near && changed(f, blank, x, y);
        }
    }
    ck_assert_int_eq(far, 0);
    /* The layer off: nothing. */
    RomcvFrame *g = copy_frame(blank);
    s.layers = ROMCV_OVERLAY_ALL & ~ROMCV_OVERLAY_MARKERS;
    draw(g, &s, &in);
    ck_assert_int_eq(count_changed(g, blank), 0);
    /* With the person (hips at x 290-350), S1 at x 200 is behind them: its
     * name goes to its left, away from the body. */
    romcv_frame_unref(&g);
    g = copy_frame(blank);
    s.layers = ROMCV_OVERLAY_MARKERS;
    in = input_for(&p);
    in.marker_x = mx;
    in.marker_y = my;
    in.marker_names = names;
    in.n_markers = 1;
    draw(g, &s, &in);
    long left = 0, right = 0;
    for (int y = 185; y <= 206; y++) {
        for (int x = 130; x < 190; x++) {
            left += changed(g, blank, x, y);
        }
        for (int x = 211; x < 270; x++) {
            right += changed(g, blank, x, y);
        }
    }
    ck_assert_msg(left > 15 && right == 0, "name left %ld px, right %ld px", left, right);
    romcv_frame_unref(&g);
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}
END_TEST

START_TEST(overlay_refuses_what_it_cannot_draw_on) {
    Person p = standing();
    RomcvOverlaySettings s;
    romcv_overlay_default_settings(&s);
    RomcvOverlayInput in = input_for(&p);
    RomcvFrame *gray = NULL;
    ck_assert_int_eq(romcv_frame_create(&gray, 64, 48, ROMCV_PIX_GRAY8), 0);
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_overlay_draw(gray, &s, &in, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, "RGB24"));
    romcv_frame_unref(&gray);
    /* Absurd coordinates (a landmark at 1e30 px) are skipped, not drawn
     * as a wrapped-around line. */
    RomcvFrame *blank = grey_frame(640, 480, 60);
    RomcvFrame *f = copy_frame(blank);
    p.x[15] = 1e30f;
    s.layers = ROMCV_OVERLAY_SKELETON;
    draw(f, &s, &in);
    ck_assert(!changed(f, blank, 395, 198)); /* the left forearm, 13-15 */
    romcv_frame_unref(&f);
    romcv_frame_unref(&blank);
}
END_TEST

/* ----------------------------------------------------------- video writer */

typedef struct ReadBack {
    int frames;
    double time_s[256];
    char codec[32];
    int width, height;
    int decode_errors;
} ReadBack;

/* Demuxes and decodes every frame of path with FFmpeg. */
static ReadBack read_back(const char *path) {
    ReadBack rb;
    memset(&rb, 0, sizeof rb);
    AVFormatContext *fmt = NULL;
    ck_assert_int_eq(avformat_open_input(&fmt, path, NULL, NULL), 0);
    ck_assert_int_ge(avformat_find_stream_info(fmt, NULL), 0);
    int si = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    ck_assert_int_ge(si, 0);
    AVStream *st = fmt->streams[si];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    ck_assert_ptr_nonnull(codec);
    snprintf(rb.codec, sizeof rb.codec, "%s", avcodec_get_name(st->codecpar->codec_id));
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(dec, st->codecpar);
    ck_assert_int_eq(avcodec_open2(dec, codec, NULL), 0);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    int draining = 0;
    while (!draining) {
        int rc = av_read_frame(fmt, pkt);
        if (rc < 0) {
            draining = 1;
            avcodec_send_packet(dec, NULL);
        } else if (pkt->stream_index == si) {
            rb.decode_errors += avcodec_send_packet(dec, pkt) < 0;
        }
        av_packet_unref(pkt);
        while (avcodec_receive_frame(dec, frame) == 0) {
            if (rb.frames < 256) {
                rb.time_s[rb.frames] = frame->best_effort_timestamp * av_q2d(st->time_base);
            }
            rb.frames++;
            rb.width = frame->width;
            rb.height = frame->height;
            rb.decode_errors += frame->decode_error_flags != 0;
        }
    }
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return rb;
}

/* Files in dir, other than "." and "..". */
static int files_in(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return n;
}

/* Irregular times, as a phone's variable-rate video has: gaps of 33, 17,
 * 50 and 100 ms, starting at 0.4 s. */
static double vfr_time(int i) {
    static const double step[] = {0.033, 0.017, 0.05, 0.1};
    double t = 0.4;
    for (int k = 0; k < i; k++) {
        t += step[k % 4];
    }
    return t;
}

static void write_clip(const char *path, const char *codec, int frames, int width, int height) {
    RomcvVideoWriterSettings s;
    romcv_video_writer_default_settings(&s);
    s.width = width;
    s.height = height;
    s.codec = codec;
    s.nominal_fps = 20;
    RomcvVideoWriter *w = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_video_writer_open(&w, path, &s, &diag) == 0, "%s", diag.message);
    RomcvFrame *f = grey_frame(width, height, 0);
    for (int i = 0; i < frames; i++) {
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                uint8_t *p = f->data + (size_t)y * f->stride + (size_t)x * 3;
                p[0] = (uint8_t)(x * 4 + i * 9);
                p[1] = (uint8_t)(y * 4);
                p[2] = (uint8_t)(i * 20);
            }
        }
        ck_assert_msg(romcv_video_writer_write(w, f, vfr_time(i)) == 0, "%s",
                      romcv_video_writer_errmsg(w));
    }
    ck_assert_int_eq(romcv_video_writer_frames(w), frames);
    ck_assert_str_eq(romcv_video_writer_codec(w), codec ? codec : "libx264");
    ck_assert_msg(romcv_video_writer_close(&w, &diag) == 0, "%s", diag.message);
    ck_assert_ptr_null(w);
    romcv_frame_unref(&f);
}

static void check_clip(const char *path, const char *codec, int frames, int width, int height) {
    ReadBack rb = read_back(path);
    /* Half a tick of the writer's clock: 1/90000 s, or 1/60000 s for MPEG-4
     * Part 2, whose time base must fit 16 bits. */
    double tick = strcmp(codec, "mpeg4") == 0 ? 1.0 / 60000 : 1.0 / 90000;
    ck_assert_str_eq(rb.codec, codec);
    ck_assert_int_eq(rb.frames, frames);
    ck_assert_int_eq(rb.decode_errors, 0);
    ck_assert_int_eq(rb.width, width);
    ck_assert_int_eq(rb.height, height);
    for (int i = 0; i < frames; i++) {
        ck_assert_msg(fabs(rb.time_s[i] - vfr_time(i)) <= 0.5 * tick + 1e-9,
                      "frame %d at %.6f s, written at %.6f s", i, rb.time_s[i], vfr_time(i));
    }
}

START_TEST(h264_keeps_every_frame_and_its_time) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "annotated.mp4");
    write_clip(path, NULL, 40, 96, 64);
    check_clip(path, "h264", 40, 96, 64);
    ck_assert_int_eq(files_in(dir), 1); /* no temporary file left */
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(mpeg4_keeps_every_frame_and_its_time) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "annotated.mp4");
    write_clip(path, "mpeg4", 25, 96, 64);
    check_clip(path, "mpeg4", 25, 96, 64);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(closing_early_gives_a_playable_shorter_file) {
    /* An interrupted run closes after the frames done: fewer than the
     * encoder's lookahead holds back, so every one of them must come out of
     * the drain. */
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "annotated.mkv");
    write_clip(path, NULL, 3, 64, 48);
    check_clip(path, "h264", 3, 64, 48);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(odd_sizes_and_other_sizes) {
    /* 4:2:0 needs even sizes: 65x49 becomes 64x48, cropped, not scaled. */
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "odd.mp4");
    write_clip(path, NULL, 4, 65, 49);
    check_clip(path, "h264", 4, 64, 48);
    /* A frame of another size is scaled to the writer's size. */
    RomcvVideoWriterSettings s;
    romcv_video_writer_default_settings(&s);
    s.width = 64;
    s.height = 48;
    char *other = romcv_test_path(dir, "other.mp4");
    RomcvVideoWriter *w = NULL;
    ck_assert_int_eq(romcv_video_writer_open(&w, other, &s, NULL), 0);
    RomcvFrame *big = grey_frame(200, 100, 128);
    ck_assert_int_eq(romcv_video_writer_write(w, big, 0.0), 0);
    ck_assert_int_eq(romcv_video_writer_write(w, big, 0.1), 0);
    ck_assert_int_eq(romcv_video_writer_close(&w, NULL), 0);
    ReadBack rb = read_back(other);
    ck_assert_int_eq(rb.frames, 2);
    ck_assert_int_eq(rb.width, 64);
    romcv_frame_unref(&big);
    free(other);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(failures_leave_no_file) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "v.mp4");
    RomcvVideoWriterSettings s;
    romcv_video_writer_default_settings(&s);
    s.width = 64;
    s.height = 48;
    RomcvDiag diag = {0};
    RomcvVideoWriter *w = (RomcvVideoWriter *)&diag;
    /* Unknown container, unknown codec, no size. */
    char *bad = romcv_test_path(dir, "v.notavideo");
    ck_assert_int_eq(romcv_video_writer_open(&w, bad, &s, &diag), ROMCV_E_UNSUPPORTED);
    ck_assert_ptr_null(w);
    ck_assert_ptr_nonnull(strstr(diag.message, bad));
    s.codec = "vp9";
    ck_assert_int_eq(romcv_video_writer_open(&w, path, &s, &diag), ROMCV_ERR(EINVAL));
    s.codec = NULL;
    s.width = 0;
    ck_assert_int_eq(romcv_video_writer_open(&w, path, &s, &diag), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(files_in(dir), 0);
    /* Zero frames: no file. */
    s.width = 64;
    ck_assert_int_eq(romcv_video_writer_open(&w, path, &s, &diag), 0);
    ck_assert_int_eq(files_in(dir), 1); /* the temporary file */
    ck_assert_int_eq(romcv_video_writer_close(&w, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_int_eq(files_in(dir), 0);
    /* Time going back: refused, sticky, and close leaves nothing. */
    RomcvFrame *f = grey_frame(64, 48, 30);
    ck_assert_int_eq(romcv_video_writer_open(&w, path, &s, &diag), 0);
    ck_assert_int_eq(romcv_video_writer_write(w, f, 1.0), 0);
    ck_assert_int_eq(romcv_video_writer_write(w, f, 0.5), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(romcv_video_writer_errmsg(w), "goes back"));
    ck_assert_int_eq(romcv_video_writer_write(w, f, 2.0), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(romcv_video_writer_write(w, f, NAN), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(romcv_video_writer_close(&w, &diag), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(files_in(dir), 0);
    /* Abort: nothing, and the old file under the name survives. */
    romcv_test_write_file(path, "old", 3);
    ck_assert_int_eq(romcv_video_writer_open(&w, path, &s, &diag), 0);
    ck_assert_int_eq(romcv_video_writer_write(w, f, 0.0), 0);
    romcv_video_writer_abort(&w);
    ck_assert_ptr_null(w);
    ck_assert_int_eq(files_in(dir), 1);
    size_t size = 0;
    char *old = romcv_test_read_file(path, &size);
    ck_assert_uint_eq(size, 3);
    free(old);
    romcv_video_writer_abort(&w); /* NULL-safe */
    ck_assert_int_eq(romcv_video_writer_close(&w, NULL), 0);
    romcv_frame_unref(&f);
    free(bad);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(times_half_a_tick_apart_still_increase) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "v.mp4");
    RomcvVideoWriterSettings s;
    romcv_video_writer_default_settings(&s);
    s.width = 64;
    s.height = 48;
    RomcvVideoWriter *w = NULL;
    ck_assert_int_eq(romcv_video_writer_open(&w, path, &s, NULL), 0);
    RomcvFrame *f = grey_frame(64, 48, 30);
    ck_assert_int_eq(romcv_video_writer_write(w, f, 1.0), 0);
    ck_assert_int_eq(romcv_video_writer_write(w, f, 1.0 + 0.3 / 90000), 0);
    ck_assert_int_eq(romcv_video_writer_write(w, f, 1.1), 0);
    ck_assert_int_eq(romcv_video_writer_close(&w, NULL), 0);
    ReadBack rb = read_back(path);
    ck_assert_int_eq(rb.frames, 3);
    ck_assert_double_eq_tol(rb.time_s[1] - rb.time_s[0], 1.0 / 90000, 1e-9);
    romcv_frame_unref(&f);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("annotate");
    TCase *overlay = tcase_create("overlay");
    tcase_add_test(overlay, skeleton_changes_pixels_only_where_it_lies);
    tcase_add_test(overlay, low_visibility_and_missing_landmarks_are_not_drawn);
    tcase_add_test(overlay, nothing_to_draw_draws_nothing);
    tcase_add_test(overlay, arc_extent_is_the_angle);
    tcase_add_test(overlay, mirrored_video_draws_the_measured_leg);
    tcase_add_test(overlay, banner_and_time_stamp);
    tcase_add_test(overlay, markers_are_ringed_and_named);
    tcase_add_test(overlay, overlay_refuses_what_it_cannot_draw_on);
    suite_add_tcase(s, overlay);
    TCase *video = tcase_create("video");
    tcase_add_test(video, h264_keeps_every_frame_and_its_time);
    tcase_add_test(video, mpeg4_keeps_every_frame_and_its_time);
    tcase_add_test(video, closing_early_gives_a_playable_shorter_file);
    tcase_add_test(video, odd_sizes_and_other_sizes);
    tcase_add_test(video, failures_leave_no_file);
    tcase_add_test(video, times_half_a_tick_apart_still_increase);
    suite_add_tcase(s, video);
    return s;
}

int main(void) {
    romcv_capture_set_ffmpeg_log_level(ROMCV_LOG_QUIET); /* x264's statistics are noise here */
    return romcv_test_main(suite());
}
