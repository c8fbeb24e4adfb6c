/*
 * tests/vision/test_pipeline_math.c: the MediaPipe Pose graph's arithmetic
 * on arrays, without the models: anchors, decoding, weighted NMS, detection
 * to ROI (against every detection in ../shared/reference), the tracking ROI's
 * conventions, the crop transform and its inverse, heatmap refinement, and
 * the one-euro / visibility filters replayed on the reference's unsmoothed
 * run and compared with its smoothed run.
 */
#include "testutil.h"

#include "vision/image_to_tensor.h"
#include "vision/pose_detector.h"
#include "vision/pose_landmarks.h"
#include "vision/smoothing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------- reading the reference */

/* One line of a reference JSONL (tools/oracle's schema), the fields used
 * here. Read with a minimal scanner: the files are machine-written with a
 * fixed key order. */
typedef struct RefFrame {
    int frame;
    double send_ms;
    int width, height;
    int has_landmarks;
    RomcvLandmark lm[33];
    int has_detection;
    RomcvPoseDetection det;
    int has_roi_det, has_roi_lm;
    RomcvPoseRect roi_det, roi_lm;
} RefFrame;

/* The number after "key": at or after p (before end when end is not NULL),
 * or NaN. */
static double key_num(const char *p, const char *end, const char *key, const char **after) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *k = strstr(p, pattern);
    if (!k || (end && k >= end)) {
        return NAN;
    }
    char *stop;
    const char *v = k + strlen(pattern);
    if (*v == '[') {
        v++;
    }
    double d = strtod(v, &stop);
    if (after) {
        *after = stop;
    }
    return d;
}

/* Points just after "key": (NULL when missing) and says whether the value is null. */
static const char *key_value(const char *p, const char *key, int *is_null) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *k = strstr(p, pattern);
    if (!k) {
        return NULL;
    }
    k += strlen(pattern);
    *is_null = strncmp(k, "null", 4) == 0;
    return k;
}

static void read_rect(const char *p, RomcvPoseRect *r) {
    const char *end = strchr(p, '}');
    r->x_center = (float)key_num(p, end, "x_center", NULL);
    r->y_center = (float)key_num(p, end, "y_center", NULL);
    r->width = (float)key_num(p, end, "width", NULL);
    r->height = (float)key_num(p, end, "height", NULL);
    r->rotation = (float)key_num(p, end, "rotation", NULL);
}

static void parse_line(const char *line, RefFrame *f) {
    memset(f, 0, sizeof(*f));
    f->frame = (int)key_num(line, NULL, "frame", NULL);
    f->send_ms = key_num(line, NULL, "send_timestamp_ms", NULL);
    f->width = (int)key_num(line, NULL, "width", NULL);
    f->height = (int)key_num(line, NULL, "height", NULL);
    int is_null;
    const char *p = key_value(line, "landmarks", &is_null);
    if (p && !is_null) {
        f->has_landmarks = 1;
        for (int i = 0; i < 33; i++) {
            f->lm[i].x = (float)key_num(p, NULL, "x", &p);
            f->lm[i].y = (float)key_num(p, NULL, "y", &p);
            f->lm[i].z = (float)key_num(p, NULL, "z", &p);
            f->lm[i].visibility = (float)key_num(p, NULL, "visibility", &p);
        }
    }
    const char *debug = strstr(line, "\"debug\":");
    ck_assert_ptr_nonnull(debug);
    p = key_value(debug, "detection", &is_null);
    if (p && !is_null) {
        f->has_detection = 1;
        f->det.score = (float)key_num(p, NULL, "score", &p);
        f->det.xmin = (float)key_num(p, NULL, "xmin", &p);
        f->det.ymin = (float)key_num(p, NULL, "ymin", &p);
        f->det.width = (float)key_num(p, NULL, "width", &p);
        f->det.height = (float)key_num(p, NULL, "height", &p);
        for (int k = 0; k < 4; k++) {
            f->det.keypoints[k][0] = (float)key_num(p, NULL, "x", &p);
            f->det.keypoints[k][1] = (float)key_num(p, NULL, "y", &p);
        }
    }
    p = key_value(debug, "roi_from_detection", &is_null);
    if (p && !is_null) {
        f->has_roi_det = 1;
        read_rect(p, &f->roi_det);
    }
    p = key_value(debug, "roi_from_landmarks", &is_null);
    if (p && !is_null) {
        f->has_roi_lm = 1;
        read_rect(p, &f->roi_lm);
    }
}

/* Reads a whole reference file; returns the frame count, frames malloc'd. */
static int read_reference(const char *name, RefFrame **frames) {
    char rel[256];
    snprintf(rel, sizeof rel, "reference/%s", name);
    char *path = romcv_test_shared_file(rel);
    size_t size;
    char *text = romcv_test_read_file(path, &size);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    int cap = 1024, n = 0;
    RefFrame *out = malloc(sizeof(*out) * (size_t)cap);
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            cap *= 2;
            out = realloc(out, sizeof(*out) * (size_t)cap);
        }
        parse_line(line, &out[n++]);
    }
    free(text);
    free(path);
    *frames = out;
    return n;
}

/* -------------------------------------------------------------- anchors */

START_TEST(anchors_count_and_layout) {
    static float anchors[ROMCV_DETECTOR_ANCHORS][2];
    ck_assert_int_eq(romcv__pose_anchors(anchors, ROMCV_DETECTOR_ANCHORS), 2254);
    ck_assert_int_eq(romcv__pose_anchors(anchors, 100), -1);
    /* Stride 8: 28 x 28 cells, 2 anchors each, row after row. */
    ck_assert_float_eq_tol(anchors[0][0], 0.5f / 28, 1e-7);
    ck_assert_float_eq_tol(anchors[1][0], 0.5f / 28, 1e-7);
    ck_assert_float_eq_tol(anchors[2][0], 1.5f / 28, 1e-7);
    ck_assert_float_eq_tol(anchors[2 * 28][1], 1.5f / 28, 1e-7);
    ck_assert_float_eq_tol(anchors[1567][0], 27.5f / 28, 1e-6);
    /* Stride 16: 14 x 14 x 2 from 1568. */
    ck_assert_float_eq_tol(anchors[1568][0], 0.5f / 14, 1e-7);
    ck_assert_float_eq_tol(anchors[1568 + 2 * 14][1], 1.5f / 14, 1e-7);
    /* Stride 32, three layers merged: 7 x 7 x 6 from 1960. */
    ck_assert_float_eq_tol(anchors[1960][0], 0.5f / 7, 1e-7);
    ck_assert_float_eq_tol(anchors[1965][0], 0.5f / 7, 1e-7);
    ck_assert_float_eq_tol(anchors[1966][0], 1.5f / 7, 1e-7);
    ck_assert_float_eq_tol(anchors[2253][0], 6.5f / 7, 1e-6);
    ck_assert_float_eq_tol(anchors[2253][1], 6.5f / 7, 1e-6);
}
END_TEST

START_TEST(decode_uses_anchor_and_224_scale) {
    static float anchors[ROMCV_DETECTOR_ANCHORS][2];
    romcv__pose_anchors(anchors, ROMCV_DETECTOR_ANCHORS);
    static float boxes[ROMCV_DETECTOR_ANCHORS * 12];
    static float scores[ROMCV_DETECTOR_ANCHORS];
    for (int i = 0; i < ROMCV_DETECTOR_ANCHORS; i++) {
        scores[i] = -10.0f;
    }
    const int a = 1600;
    scores[a] = 2.0f; /* sigmoid 0.8808 */
    float *r = boxes + a * 12;
    r[0] = 22.4f;  /* x offset: +0.1 */
    r[1] = -11.2f; /* y offset: -0.05 */
    r[2] = 44.8f;  /* w 0.2 */
    r[3] = 89.6f;  /* h 0.4 */
    for (int k = 0; k < 4; k++) {
        r[4 + 2 * k] = 2.24f * (float)k; /* +0.01 k */
        r[5 + 2 * k] = -2.24f * (float)k;
    }
    RomcvPoseDetection d[4];
    ck_assert_int_eq(romcv__pose_decode(boxes, scores, (const float(*)[2])anchors, 0.5f, d, 4), 1);
    ck_assert_float_eq_tol(d[0].score, 1.0f / (1.0f + expf(-2.0f)), 1e-6);
    ck_assert_float_eq_tol(d[0].xmin, anchors[a][0] + 0.1f - 0.1f, 1e-6);
    ck_assert_float_eq_tol(d[0].ymin, anchors[a][1] - 0.05f - 0.2f, 1e-6);
    ck_assert_float_eq_tol(d[0].width, 0.2f, 1e-6);
    ck_assert_float_eq_tol(d[0].height, 0.4f, 1e-6);
    ck_assert_float_eq_tol(d[0].keypoints[3][0], anchors[a][0] + 0.03f, 1e-6);
    ck_assert_float_eq_tol(d[0].keypoints[3][1], anchors[a][1] - 0.03f, 1e-6);
    /* Score clipping keeps huge logits finite. */
    scores[a] = 1e30f;
    ck_assert_int_eq(romcv__pose_decode(boxes, scores, (const float(*)[2])anchors, 0.5f, d, 4), 1);
    ck_assert(d[0].score <= 1.0f && d[0].score > 0.99f);
}
END_TEST

/* ------------------------------------------------------------------ NMS */

static RomcvPoseDetection box(float score, float x, float y, float w, float h) {
    RomcvPoseDetection d;
    memset(&d, 0, sizeof(d));
    d.score = score;
    d.xmin = x;
    d.ymin = y;
    d.width = w;
    d.height = h;
    for (int k = 0; k < 4; k++) {
        d.keypoints[k][0] = x + 0.1f * (float)k;
        d.keypoints[k][1] = y;
    }
    return d;
}

START_TEST(weighted_nms_averages_overlaps) {
    RomcvPoseDetection in[4] = {
        box(0.6f, 0.12f, 0.10f, 0.20f, 0.20f), /* overlaps the best: IoU 0.82 */
        box(0.9f, 0.10f, 0.10f, 0.20f, 0.20f), /* best */
        box(0.8f, 0.60f, 0.60f, 0.20f, 0.20f), /* separate person */
        box(0.7f, 0.25f, 0.10f, 0.20f, 0.20f), /* IoU 0.14 with the best: kept apart */
    };
    RomcvPoseDetection out[4];
    const int n = romcv__pose_weighted_nms(in, 4, ROMCV_DETECTOR_NMS_THRESHOLD, out, 4);
    ck_assert_int_eq(n, 3);
    /* Best first; its score stays, its box is the score-weighted mean. */
    ck_assert_float_eq_tol(out[0].score, 0.9f, 1e-7);
    ck_assert_float_eq_tol(out[0].xmin, (0.9f * 0.10f + 0.6f * 0.12f) / 1.5f, 1e-6);
    ck_assert_float_eq_tol(out[0].width, 0.20f, 1e-6);
    ck_assert_float_eq_tol(out[0].keypoints[0][0], (0.9f * 0.10f + 0.6f * 0.12f) / 1.5f, 1e-6);
    ck_assert_float_eq_tol(out[1].score, 0.8f, 1e-7);
    ck_assert_float_eq_tol(out[1].xmin, 0.60f, 1e-6);
    ck_assert_float_eq_tol(out[2].score, 0.7f, 1e-7);
    ck_assert_float_eq_tol(out[2].xmin, 0.25f, 1e-6);
    const float a[4] = {0, 0, 1, 1}, b[4] = {0.5f, 0, 1, 1}, c[4] = {2, 2, 1, 1};
    ck_assert_float_eq_tol(romcv__box_iou(a, b), 0.5f / 1.5f, 1e-6);
    ck_assert_float_eq(romcv__box_iou(a, c), 0.0f);
}
END_TEST

/* ------------------------------------------------------- person selection */

static RomcvPoseDetection person_at(float score, float hip_x, float hip_y, float height) {
    RomcvPoseDetection d = box(score, hip_x - 0.05f, hip_y - height, 0.1f, 0.1f);
    d.keypoints[0][0] = hip_x;
    d.keypoints[0][1] = hip_y;
    d.keypoints[1][0] = hip_x;
    d.keypoints[1][1] = hip_y - height / 2;
    return d;
}

START_TEST(person_selection) {
    const int W = 608, H = 1080;
    /* A smaller reflection scores higher than the person (squat_side.mp4's
     * mirror). */
    RomcvPoseDetection dets[2] = {person_at(0.95f, 0.30f, 0.55f, 0.25f),
                                  person_at(0.90f, 0.62f, 0.58f, 0.45f)};
    ck_assert_int_eq(romcv__pose_select(dets, 2, W, H, NULL, NULL), 0); /* MediaPipe's pick */
    /* After a loss: the one near where the person was, though it scores less. */
    RomcvPoseRect last;
    romcv__pose_detection_to_roi(&dets[1], W, H, &last);
    last.x_center -= 0.03f;
    last.y_center += 0.02f;
    ck_assert_int_eq(romcv__pose_select(dets, 2, W, H, NULL, &last), 1);
    /* Same place but the size of the reflection: position dominates. */
    RomcvPoseRect near_small = last;
    near_small.width *= 0.7f;
    near_small.height *= 0.7f;
    ck_assert_int_eq(romcv__pose_select(dets, 2, W, H, NULL, &near_small), 1);
    /* --person: a point on either one picks it; a point on nobody, the nearest. */
    const float on_person[2] = {0.62f, 0.40f}, on_reflection[2] = {0.30f, 0.50f};
    const float far_right[2] = {0.99f, 0.9f};
    ck_assert_int_eq(romcv__pose_select(dets, 2, W, H, on_person, NULL), 1);
    ck_assert_int_eq(romcv__pose_select(dets, 2, W, H, on_reflection, NULL), 0);
    ck_assert_int_eq(romcv__pose_select(dets, 2, W, H, far_right, NULL), 1);
    ck_assert_int_eq(romcv__pose_select(dets, 1, W, H, on_person, NULL), 0);
    /* The full ranking after a loss: nearest first, then the reflection. */
    int order[ROMCV_POSE_RANK_MAX];
    ck_assert_int_eq(romcv__pose_rank(dets, 2, W, H, NULL, &last, order), 2);
    ck_assert_int_eq(order[0], 1);
    ck_assert_int_eq(order[1], 0);
    /* No history: the detector's order. */
    ck_assert_int_eq(romcv__pose_rank(dets, 2, W, H, NULL, NULL, order), 2);
    ck_assert_int_eq(order[0], 0);
    ck_assert_int_eq(order[1], 1);
}
END_TEST

/* ------------------------------------------------- detection -> ROI */

static const char *const reference_files[] = {
    "squat_side.m1.jsonl",
    "squat_side.m0.jsonl",
    "squat_side.m2.jsonl",
    "squat_front.m1.jsonl",
    "squat_front.m1.static.jsonl",
    "sports2d_demo.m1.jsonl",
    "pose2sim_balance_cam01.m1.jsonl",
    "pose2sim_balance_cam02.m1.jsonl",
    "pose2sim_balance_cam03.m1.jsonl",
    "pose2sim_balance_cam04.m1.jsonl",
};

START_TEST(detection_to_roi_matches_reference) {
    int checked = 0;
    double max_c = 0, max_s = 0, max_r = 0;
    for (size_t fi = 0; fi < sizeof reference_files / sizeof *reference_files; fi++) {
        RefFrame *f;
        const int n = read_reference(reference_files[fi], &f);
        for (int i = 0; i < n; i++) {
            if (!f[i].has_detection) {
                continue;
            }
            ck_assert(f[i].has_roi_det);
            RomcvPoseRect r;
            romcv__pose_detection_to_roi(&f[i].det, f[i].width, f[i].height, &r);
            const RomcvPoseRect *e = &f[i].roi_det;
            const double c = fmax(fabs(r.x_center - e->x_center), fabs(r.y_center - e->y_center));
            const double s = fmax(fabs(r.width / e->width - 1.0), fabs(r.height / e->height - 1.0));
            const double rot = fabs(r.rotation - e->rotation);
            max_c = fmax(max_c, c);
            max_s = fmax(max_s, s);
            max_r = fmax(max_r, rot);
            ck_assert_msg(c < 1e-5 && s < 1e-5 && rot < 1e-5,
                          "%s frame %d: roi (%g %g %g %g %g) vs reference (%g %g %g %g %g)",
                          reference_files[fi], f[i].frame, r.x_center, r.y_center, r.width,
                          r.height, r.rotation, e->x_center, e->y_center, e->width, e->height,
                          e->rotation);
            checked++;
        }
        free(f);
    }
    printf("detection->roi: %d detections, max |centre| %.2g, max size rel %.2g, max rotation "
           "%.2g rad\n",
           checked, max_c, max_s, max_r);
    ck_assert_int_ge(checked, 85);
}
END_TEST

/* --------------------------------------------------- landmarks -> ROI */

/* The reference lacks the auxiliary landmarks (33, 34) the tracking ROI comes
 * from, so this checks the conventions only: an aux pair built from the hip
 * centre and the hip-to-shoulder direction must give a square ROI centred near
 * the reference's and rotated like it, on videos whose ROIs turn up to 1 rad
 * (pose2sim) either way; a wrong sign or square convention fails. */
START_TEST(landmarks_to_roi_conventions) {
    static const char *const files[] = {"squat_side.m1.jsonl", "pose2sim_balance_cam01.m1.jsonl",
                                        "pose2sim_balance_cam04.m1.jsonl"};
    for (size_t fi = 0; fi < 3; fi++) {
        RefFrame *f;
        const int n = read_reference(files[fi], &f);
        double max_c = 0, sum_r = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (!f[i].has_landmarks) {
                continue;
            }
            const RomcvLandmark *lm = f[i].lm;
            RomcvLandmark aux[2];
            memset(aux, 0, sizeof aux);
            aux[0].x = (lm[23].x + lm[24].x) / 2;
            aux[0].y = (lm[23].y + lm[24].y) / 2;
            aux[1].x = (lm[11].x + lm[12].x) / 2;
            aux[1].y = (lm[11].y + lm[12].y) / 2;
            RomcvPoseRect r;
            romcv__landmarks_to_roi(aux, f[i].width, f[i].height, &r);
            const float W = (float)f[i].width, H = (float)f[i].height;
            ck_assert_float_eq_tol(r.width * W, r.height * H, 1e-3 * r.width * W);
            const RomcvPoseRect *e = &f[i].roi_lm;
            ck_assert_float_eq_tol(e->width * W, e->height * H, 1e-3 * e->width * W);
            const double c =
                hypot((r.x_center - e->x_center) * W, (r.y_center - e->y_center) * H) / fmax(W, H);
            const double rot = fabs(r.rotation - e->rotation);
            ck_assert_msg(c < 0.03 && rot < 0.35, "%s frame %d: centre off by %.3f, rotation %.3f",
                          files[fi], f[i].frame, c, rot);
            max_c = fmax(max_c, c);
            sum_r += rot;
            count++;
        }
        ck_assert_int_gt(count, 0);
        ck_assert(sum_r / count < 0.06);
        printf("landmarks->roi conventions %s: %d frames, max centre %.4f, mean |rotation| %.3f "
               "rad\n",
               files[fi], count, max_c, sum_r / count);
        free(f);
    }
}
END_TEST

/* ------------------------------------------- crop transform and projection */

START_TEST(crop_matrix_and_projection_round_trip) {
    const int W = 608, H = 1080;
    RomcvPoseRect roi = {0.47f, 0.56f, 1.2f, 1.2f * 608.0f / 1080.0f, 0.3f};
    RomcvRotatedRect r = romcv__roi_to_pixels(&roi, W, H);
    float pad[4];
    romcv__roi_pad(256, 256, &r, pad);
    for (int k = 0; k < 4; k++) {
        ck_assert_float_eq_tol(pad[k], 0.0f, 1e-6); /* square in pixels: no letterbox */
    }
    float m[6];
    romcv__roi_matrix(&r, W, H, m);
    for (int k = 0; k < 25; k++) {
        RomcvLandmark p = {0};
        p.x = 0.05f + 0.2f * (float)(k % 5);
        p.y = 0.1f + 0.19f * (float)(k / 5);
        const float fx = m[0] * p.x + m[1] * p.y + m[2], fy = m[3] * p.x + m[4] * p.y + m[5];
        RomcvLandmark q = p;
        romcv__landmarks_project(&q, 1, &roi);
        /* The crop and the projection agree on where a crop point lies. */
        ck_assert_float_eq_tol(q.x, fx, 1e-5);
        ck_assert_float_eq_tol(q.y, fy, 1e-5);
        romcv__landmarks_unproject(&q, 1, &roi);
        ck_assert_float_eq_tol(q.x, p.x, 1e-5);
        ck_assert_float_eq_tol(q.y, p.y, 1e-5);
    }
    /* Rotation turns the crop clockwise on screen: the crop's "up" (v
     * decreasing) points to +x in the frame for a positive rotation. */
    RomcvLandmark top = {0.5f, 0.0f, 0, 0, 0};
    romcv__landmarks_project(&top, 1, &roi);
    ck_assert(top.x > roi.x_center);
    ck_assert(top.y < roi.y_center);

    /* Letterbox of a portrait frame into 224 x 224: equal side bars. */
    RomcvRotatedRect whole = romcv__roi_to_pixels(NULL, W, H);
    romcv__roi_pad(224, 224, &whole, pad);
    ck_assert_float_eq_tol(pad[0], (1.0f - 608.0f / 1080.0f) / 2.0f, 1e-6);
    ck_assert_float_eq(pad[1], 0.0f);
    RomcvPoseDetection d = box(0.9f, 0.3f, 0.2f, 0.1f, 0.1f);
    d.keypoints[0][0] = 0.5f;
    romcv__pose_remove_letterbox(&d, pad);
    ck_assert_float_eq_tol(d.keypoints[0][0], 0.5f, 1e-6);
    ck_assert_float_eq_tol(d.xmin, (0.3f - pad[0]) / (1 - 2 * pad[0]), 1e-6);
}
END_TEST

START_TEST(image_to_tensor_samples_like_the_shader) {
    RomcvFrame *f;
    ck_assert_int_eq(romcv_frame_create(&f, 40, 30, ROMCV_PIX_RGB24), 0);
    for (int y = 0; y < 30; y++) {
        for (int x = 0; x < 40; x++) {
            uint8_t *p = f->data + (size_t)y * f->stride + (size_t)x * 3;
            p[0] = (uint8_t)(x * 5);
            p[1] = (uint8_t)(y * 5);
            p[2] = 200;
        }
    }
    /* Identity crop (whole frame, same size): every texel exactly. */
    RomcvRotatedRect whole = romcv__roi_to_pixels(NULL, 40, 30);
    float *t = malloc(sizeof(float) * 40 * 30 * 3);
    romcv__image_to_tensor(f, &whole, 40, 30, 0.0f, 1.0f, ROMCV_BORDER_REPLICATE, t);
    ck_assert_float_eq_tol(t[(7 * 40 + 11) * 3 + 0], 55.0f / 255.0f, 1e-5);
    ck_assert_float_eq_tol(t[(7 * 40 + 11) * 3 + 1], 35.0f / 255.0f, 1e-5);
    /* Half-size: bilinear between texel centres (2x, 2x+1) -> mean. */
    RomcvRotatedRect half = whole;
    romcv__image_to_tensor(f, &half, 20, 15, -1.0f, 1.0f, ROMCV_BORDER_REPLICATE, t);
    ck_assert_float_eq_tol(t[(3 * 20 + 4) * 3 + 0], (42.5f / 255.0f) * 2 - 1, 1e-5);
    /* Letterbox with zero border: outside the frame is range_min. */
    RomcvRotatedRect box224 = romcv__roi_to_pixels(NULL, 40, 30);
    float pad[4];
    romcv__roi_pad(224, 224, &box224, pad);
    float *t2 = malloc(sizeof(float) * 224 * 224 * 3);
    romcv__image_to_tensor(f, &box224, 224, 224, -1.0f, 1.0f, ROMCV_BORDER_ZERO, t2);
    ck_assert_float_eq(t2[(2 * 224 + 100) * 3 + 2], -1.0f); /* top bar */
    ck_assert_float_eq_tol(t2[(112 * 224 + 100) * 3 + 2], 200.0f / 255.0f * 2 - 1, 1e-5);
    /* Replicate border: a crop reaching outside repeats the edge. */
    RomcvRotatedRect out = {-10.0f, 15.0f, 10.0f, 10.0f, 0.0f};
    romcv__image_to_tensor(f, &out, 4, 4, 0.0f, 1.0f, ROMCV_BORDER_REPLICATE, t);
    ck_assert_float_eq_tol(t[0], 0.0f, 1e-6);
    ck_assert_float_eq_tol(t[2], 200.0f / 255.0f, 1e-5);
    free(t);
    free(t2);
    romcv_frame_unref(&f);
}
END_TEST

START_TEST(heatmap_refinement) {
    enum { HM = 64, C = 39 };
    float *hm = malloc(sizeof(float) * HM * HM * C);
    for (int i = 0; i < HM * HM * C; i++) {
        hm[i] = -20.0f; /* sigmoid ~ 0 */
    }
    /* Channel 5: a symmetric blob centred on column 30, row 12. */
    for (int dy = -1; dy <= 1; dy++) {
        for (int dx = -1; dx <= 1; dx++) {
            hm[((12 + dy) * HM + 30 + dx) * C + 5] = (dx == 0 && dy == 0) ? 5.0f : 0.0f;
        }
    }
    RomcvLandmark lm[C];
    for (int i = 0; i < C; i++) {
        lm[i].x = 31.2f / HM;
        lm[i].y = 13.9f / HM;
    }
    lm[7].x = -0.1f; /* outside: left alone */
    romcv__landmarks_refine(lm, C, hm, HM, HM, ROMCV_HEATMAP_KERNEL, ROMCV_HEATMAP_MIN_CONF);
    /* Refined to the weighted mean column / width, no half-pixel shift. */
    ck_assert_float_eq_tol(lm[5].x, 30.0f / HM, 1e-5);
    ck_assert_float_eq_tol(lm[5].y, 12.0f / HM, 1e-5);
    /* Low confidence everywhere: unchanged. */
    ck_assert_float_eq_tol(lm[6].x, 31.2f / HM, 1e-7);
    ck_assert_float_eq(lm[7].x, -0.1f);
    free(hm);

    float raw[39 * 5];
    for (int i = 0; i < 39 * 5; i++) {
        raw[i] = 0.0f;
    }
    raw[5 * 2 + 0] = 128.0f;
    raw[5 * 2 + 1] = 64.0f;
    raw[5 * 2 + 2] = -25.6f;
    raw[5 * 2 + 3] = 0.0f;
    raw[5 * 2 + 4] = 100.0f;
    RomcvLandmark d[39];
    romcv__landmarks_decode(raw, d, 39);
    ck_assert_float_eq_tol(d[2].x, 0.5f, 1e-7);
    ck_assert_float_eq_tol(d[2].y, 0.25f, 1e-7);
    ck_assert_float_eq_tol(d[2].z, -0.1f, 1e-7);
    ck_assert_float_eq_tol(d[2].visibility, 0.5f, 1e-7);
    ck_assert_float_eq_tol(d[2].presence, 1.0f, 1e-6);
}
END_TEST

START_TEST(segmentation_back_to_frame_and_smoothing) {
    enum { M = 16, W = 40, H = 20 };
    float logits[M * M];
    for (int i = 0; i < M * M; i++) {
        logits[i] = 20.0f; /* the whole crop is "person" */
    }
    /* A square ROI of 10 x 10 px centred at (20, 10), unrotated. */
    RomcvPoseRect roi = {0.5f, 0.5f, 10.0f / W, 10.0f / H, 0.0f};
    float mask[W * H];
    romcv__segmentation_to_frame(logits, M, &roi, W, H, mask);
    ck_assert_float_eq_tol(mask[10 * W + 20], 1.0f, 1e-6); /* inside */
    ck_assert_float_eq_tol(mask[10 * W + 16], 1.0f, 1e-6); /* inside, near the edge */
    ck_assert_float_eq(mask[10 * W + 5], 0.0f);            /* outside: zero border */
    ck_assert_float_eq(mask[1 * W + 20], 0.0f);
    /* Rotating by 90 degrees keeps a square in place. */
    roi.rotation = (float)M_PI / 2;
    romcv__segmentation_to_frame(logits, M, &roi, W, H, mask);
    ck_assert_float_eq_tol(mask[10 * W + 20], 1.0f, 1e-6);
    ck_assert_float_eq(mask[10 * W + 5], 0.0f);

    /* Smoothing: an uncertain value (0.5) moves 70% towards the previous
     * one; a certain value (0 or 1) stays. */
    float cur[3] = {0.5f, 1.0f, 0.0f};
    const float prev[3] = {1.0f, 0.0f, 1.0f};
    romcv__segmentation_smooth(cur, prev, 3, ROMCV_SEGMENTATION_COMBINE_RATIO);
    ck_assert_float_eq_tol(cur[0], 0.5f + 0.5f * 0.7f, 1e-6);
    ck_assert_float_eq_tol(cur[1], 1.0f, 1e-4); /* the polynomial is not exactly 1 */
    ck_assert_float_eq_tol(cur[2], 0.0f, 1e-4);
}
END_TEST

/* ------------------------------------------------------------ smoothing */

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : (x > y ? 1 : 0);
}

/* Feeds squat_side.m1.nosmooth's landmarks (stand-ins for the raw landmarks
 * of the smoothed run: the same video, the same model) through the filters at
 * the reference's send timestamps and compares with m1's smoothed output.
 * The object scale comes from the reference's roi_from_landmarks (size / 1.25;
 * the true one uses the unsmoothed auxiliary landmarks, not in the file). */
START_TEST(smoothing_replays_reference) {
    RefFrame *raw, *smooth;
    const int n = read_reference("squat_side.m1.nosmooth.jsonl", &raw);
    ck_assert_int_eq(read_reference("squat_side.m1.jsonl", &smooth), n);
    RomcvLandmarkSmoother s;
    RomcvVisibilitySmoother v;
    romcv__smoother_init(&s, ROMCV_SMOOTH_MIN_CUTOFF, ROMCV_SMOOTH_BETA,
                         ROMCV_SMOOTH_DERIVATE_CUTOFF, 0);
    romcv__visibility_init(&v, ROMCV_SMOOTH_VISIBILITY_ALPHA);
    double *ours = malloc(sizeof(double) * (size_t)n * 33);
    double *unsm = malloc(sizeof(double) * (size_t)n * 33);
    double *vis = malloc(sizeof(double) * (size_t)n * 33);
    int m = 0;
    for (int i = 0; i < n; i++) {
        ck_assert(raw[i].has_landmarks && smooth[i].has_landmarks);
        const float W = (float)raw[i].width, H = (float)raw[i].height;
        RomcvLandmark lm[33];
        memcpy(lm, raw[i].lm, sizeof lm);
        const float scale = raw[i].roi_lm.width * W / ROMCV_POSE_ROI_SCALE;
        romcv__visibility_apply(&v, lm, 33);
        romcv__smoother_apply(&s, lm, 33, (int64_t)llround(raw[i].send_ms * 1000.0), raw[i].width,
                              raw[i].height, scale);
        const float side = fmaxf(W, H);
        for (int k = 0; k < 33; k++) {
            const RomcvLandmark *e = &smooth[i].lm[k];
            ours[m] = hypot((lm[k].x - e->x) * W, (lm[k].y - e->y) * H) / side;
            unsm[m] = hypot((raw[i].lm[k].x - e->x) * W, (raw[i].lm[k].y - e->y) * H) / side;
            vis[m] = fabs(lm[k].visibility - e->visibility);
            m++;
        }
    }
    qsort(ours, (size_t)m, sizeof(double), cmp_double);
    qsort(unsm, (size_t)m, sizeof(double), cmp_double);
    qsort(vis, (size_t)m, sizeof(double), cmp_double);
    const double o50 = ours[m / 2], o95 = ours[m * 95 / 100];
    const double u50 = unsm[m / 2], u95 = unsm[m * 95 / 100];
    printf("smoothing replay (squat_side, %d frames): filtered vs m1 median %.4f%% p95 %.4f%% "
           "of the larger side; unfiltered vs m1 median %.4f%% p95 %.4f%%; visibility |diff| "
           "median %.4f p95 %.4f\n",
           n, 100 * o50, 100 * o95, 100 * u50, 100 * u95, vis[m / 2], vis[m * 95 / 100]);
    ck_assert(o50 < 0.5 * u50);
    ck_assert(o95 < 0.5 * u95);
    ck_assert(vis[m / 2] < 0.01);
    free(ours);
    free(unsm);
    free(vis);
    free(raw);
    free(smooth);
}
END_TEST

START_TEST(one_euro_basics) {
    RomcvOneEuro f;
    romcv__one_euro_init(&f, 1.0, 0.0, 1.0);
    /* First value passes through; a zero timestamp is treated as unset. */
    ck_assert_double_eq_tol(romcv__one_euro_apply(&f, 1000000000, 1.0, 5.0), 5.0, 1e-9);
    /* 10 Hz, min_cutoff 1 Hz: alpha = 1 / (1 + (1 / 2pi) / 0.1). */
    const double alpha = 1.0 / (1.0 + (1.0 / (2 * M_PI)) / 0.1);
    ck_assert_double_eq_tol(romcv__one_euro_apply(&f, 1100000000, 1.0, 6.0), 5.0 + alpha, 1e-5);
    /* Repeated time: returned as is, state untouched. */
    ck_assert_double_eq_tol(romcv__one_euro_apply(&f, 1100000000, 1.0, 9.0), 9.0, 1e-9);
    RomcvLowPass lp = {0};
    ck_assert_float_eq(romcv__low_pass_apply(&lp, 1.0f, 0.1f), 1.0f);
    ck_assert_float_eq_tol(romcv__low_pass_apply(&lp, 0.0f, 0.1f), 0.9f, 1e-6);
}
END_TEST

/* ------------------------------------------------------------ tracker API */

START_TEST(tracker_create_errors) {
    RomcvTrackerSettings s;
    romcv_tracker_default_settings(&s);
    ck_assert_int_eq(s.model, ROMCV_MODEL_LANDMARK_FULL);
    ck_assert_int_eq(s.smooth, 1);
    ck_assert_float_eq(s.min_detection_confidence, 0.5f);
    ck_assert_float_eq(s.min_tracking_confidence, 0.5f);
    RomcvTracker *t = (RomcvTracker *)0x1;
    RomcvDiag diag = {0};
    /* No models folder. */
    ck_assert_int_eq(romcv_tracker_create(&t, &s, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_null(t);
    /* The detector is not a landmark model. */
    s.models_dir = "/nonexistent";
    s.model = ROMCV_MODEL_DETECTOR;
    ck_assert_int_eq(romcv_tracker_create(&t, &s, &diag), ROMCV_ERR(EINVAL));
    /* A folder without the models: not found, named in the message. */
    s.model = ROMCV_MODEL_LANDMARK_LITE;
    ck_assert_int_eq(romcv_tracker_create(&t, &s, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_ptr_null(t);
    ck_assert_ptr_nonnull(strstr(diag.message, "/nonexistent"));
    romcv_tracker_destroy(&t); /* NULL-safe */
    romcv_tracker_destroy(NULL);
    ck_assert_ptr_null(romcv_tracker_segmentation(NULL, NULL, NULL));
    ck_assert_str_eq(romcv_tracker_errmsg(NULL), "");
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("pipeline_math");
    TCase *tc = tcase_create("math");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, anchors_count_and_layout);
    tcase_add_test(tc, decode_uses_anchor_and_224_scale);
    tcase_add_test(tc, weighted_nms_averages_overlaps);
    tcase_add_test(tc, person_selection);
    tcase_add_test(tc, detection_to_roi_matches_reference);
    tcase_add_test(tc, landmarks_to_roi_conventions);
    tcase_add_test(tc, crop_matrix_and_projection_round_trip);
    tcase_add_test(tc, image_to_tensor_samples_like_the_shader);
    tcase_add_test(tc, heatmap_refinement);
    tcase_add_test(tc, segmentation_back_to_frame_and_smoothing);
    tcase_add_test(tc, one_euro_basics);
    tcase_add_test(tc, smoothing_replays_reference);
    tcase_add_test(tc, tracker_create_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
