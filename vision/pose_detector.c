/*
 * vision/pose_detector.c: anchors, decoding, weighted NMS and the detection
 * ROI of MediaPipe Pose (sources listed in pose_detector.h).
 */
#include "vision/pose_detector.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* pose_detection_cpu.pbtxt, SsdAnchorsCalculatorOptions: num_layers 5,
 * strides 8 16 32 32 32, input 224x224, anchor_offset_x/y 0.5,
 * aspect_ratios 1.0, fixed_anchor_size true (min_scale 0.1484375 and
 * max_scale 0.75 only size the anchors, which fixed_anchor_size replaces by
 * 1 x 1, so they do not appear here). */
#define ANCHOR_LAYERS 5
#define ANCHOR_OFFSET 0.5f
static const int anchor_strides[ANCHOR_LAYERS] = {8, 16, 32, 32, 32};
/* One anchor for the single aspect ratio plus one for the calculator's
 * default interpolated_scale_aspect_ratio 1.0: two per cell and layer. */
#define ANCHORS_PER_LAYER_CELL 2

int romcv__pose_anchors(float (*anchors)[2], int max) {
    int n = 0;
    int layer = 0;
    while (layer < ANCHOR_LAYERS) {
        /* ssd_anchors_calculator.cc: consecutive layers with the same stride
         * share one feature map; their anchors interleave per cell. */
        int last = layer;
        int per_cell = 0;
        while (last < ANCHOR_LAYERS && anchor_strides[last] == anchor_strides[layer]) {
            per_cell += ANCHORS_PER_LAYER_CELL;
            last++;
        }
        const int stride = anchor_strides[layer];
        const int fm_h = (int)ceilf((float)ROMCV_DETECTOR_SIZE / (float)stride);
        const int fm_w = fm_h;
        for (int y = 0; y < fm_h; y++) {
            for (int x = 0; x < fm_w; x++) {
                for (int k = 0; k < per_cell; k++) {
                    if (n >= max) {
                        return -1;
                    }
                    anchors[n][0] = ((float)x + ANCHOR_OFFSET) / (float)fm_w;
                    anchors[n][1] = ((float)y + ANCHOR_OFFSET) / (float)fm_h;
                    n++;
                }
            }
        }
        layer = last;
    }
    return n;
}

/* TensorsToDetectionsCalculatorOptions of pose_detection_cpu.pbtxt. */
#define DECODE_SCALE          224.0f /* x_scale, y_scale, w_scale, h_scale */
#define DECODE_KEYPOINT_START 4      /* keypoint_coord_offset (box_coord_offset 0) */
#define SCORE_CLIPPING        100.0f /* score_clipping_thresh */

int romcv__pose_decode(const float *raw_boxes, const float *raw_scores, const float (*anchors)[2],
                       float min_score, RomcvPoseDetection *out, int max) {
    int n = 0;
    for (int i = 0; i < ROMCV_DETECTOR_ANCHORS && n < max; i++) {
        /* sigmoid_score with score_clipping_thresh; num_classes 1. */
        float s = raw_scores[i];
        s = s < -SCORE_CLIPPING ? -SCORE_CLIPPING : (s > SCORE_CLIPPING ? SCORE_CLIPPING : s);
        s = 1.0f / (1.0f + expf(-s));
        if (s < min_score) {
            continue;
        }
        const float *r = raw_boxes + (size_t)i * ROMCV_DETECTOR_COORDS;
        const float ax = anchors[i][0], ay = anchors[i][1];
        /* reverse_output_order: x, y, w, h. Anchor w = h = 1. */
        const float xc = r[0] / DECODE_SCALE + ax;
        const float yc = r[1] / DECODE_SCALE + ay;
        const float w = r[2] / DECODE_SCALE;
        const float h = r[3] / DECODE_SCALE;
        RomcvPoseDetection *d = &out[n++];
        d->score = s;
        const float xmin = xc - w / 2.0f, ymin = yc - h / 2.0f;
        const float xmax = xc + w / 2.0f, ymax = yc + h / 2.0f;
        d->xmin = xmin;
        d->ymin = ymin;
        d->width = xmax - xmin;
        d->height = ymax - ymin;
        for (int k = 0; k < ROMCV_POSE_KEYPOINTS; k++) {
            /* num_values_per_keypoint 2, reverse order: x then y. */
            d->keypoints[k][0] = r[DECODE_KEYPOINT_START + 2 * k] / DECODE_SCALE + ax;
            d->keypoints[k][1] = r[DECODE_KEYPOINT_START + 2 * k + 1] / DECODE_SCALE + ay;
        }
    }
    return n;
}

float romcv__box_iou(const float a[4], const float b[4]) {
    /* location.cc / non_max_suppression_calculator.cc OverlapSimilarity. */
    const float ax1 = a[0] + a[2], ay1 = a[1] + a[3];
    const float bx1 = b[0] + b[2], by1 = b[1] + b[3];
    const float ix0 = fmaxf(a[0], b[0]), iy0 = fmaxf(a[1], b[1]);
    const float ix1 = fminf(ax1, bx1), iy1 = fminf(ay1, by1);
    if (ix0 > ix1 || iy0 > iy1) {
        return 0.0f;
    }
    const float inter = (ix1 - ix0) * (iy1 - iy0);
    const float norm = a[2] * a[3] + b[2] * b[3] - inter;
    return norm > 0.0f ? inter / norm : 0.0f;
}

static int by_score_desc(const void *pa, const void *pb) {
    const RomcvPoseDetection *a = pa, *b = pb;
    return a->score > b->score ? -1 : (a->score < b->score ? 1 : 0);
}

int romcv__pose_weighted_nms(RomcvPoseDetection *detections, int n, float threshold,
                             RomcvPoseDetection *out, int max) {
    qsort(detections, (size_t)n, sizeof(*detections), by_score_desc);
    /* remaining[] holds indices into detections, best first. The algorithm of
     * WeightedNonMaxSuppression(): the best remaining detection absorbs every
     * remaining one (itself included) with IoU > threshold. */
    int *remaining = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    if (!remaining) {
        return 0;
    }
    int n_rem = n;
    for (int i = 0; i < n; i++) {
        remaining[i] = i;
    }
    int n_out = 0;
    while (n_rem > 0 && n_out < max) {
        const RomcvPoseDetection *best = &detections[remaining[0]];
        const float best_box[4] = {best->xmin, best->ymin, best->width, best->height};
        float wx0 = 0, wy0 = 0, wx1 = 0, wy1 = 0;
        float kp[ROMCV_POSE_KEYPOINTS][2];
        memset(kp, 0, sizeof(kp));
        float sum_score = 0.0f;
        int kept = 0;
        for (int j = 0; j < n_rem; j++) {
            const RomcvPoseDetection *d = &detections[remaining[j]];
            const float box[4] = {d->xmin, d->ymin, d->width, d->height};
            if (romcv__box_iou(box, best_box) > threshold) {
                const float s = d->score;
                sum_score += s;
                wx0 += d->xmin * s;
                wy0 += d->ymin * s;
                wx1 += (d->xmin + d->width) * s;
                wy1 += (d->ymin + d->height) * s;
                for (int k = 0; k < ROMCV_POSE_KEYPOINTS; k++) {
                    kp[k][0] += d->keypoints[k][0] * s;
                    kp[k][1] += d->keypoints[k][1] * s;
                }
            } else {
                remaining[kept++] = remaining[j];
            }
        }
        RomcvPoseDetection w = *best;
        if (sum_score > 0.0f) {
            w.xmin = wx0 / sum_score;
            w.ymin = wy0 / sum_score;
            w.width = wx1 / sum_score - w.xmin;
            w.height = wy1 / sum_score - w.ymin;
            for (int k = 0; k < ROMCV_POSE_KEYPOINTS; k++) {
                w.keypoints[k][0] = kp[k][0] / sum_score;
                w.keypoints[k][1] = kp[k][1] / sum_score;
            }
        }
        out[n_out++] = w;
        /* MediaPipe stops when an iteration absorbed nothing (a degenerate
         * best box with IoU 0 to itself). */
        if (kept == n_rem) {
            break;
        }
        n_rem = kept;
    }
    free(remaining);
    return n_out;
}

void romcv__pose_remove_letterbox(RomcvPoseDetection *d, const float padding[4]) {
    const float left = padding[0], top = padding[1];
    const float lr = padding[0] + padding[2], tb = padding[1] + padding[3];
    d->xmin = (d->xmin - left) / (1.0f - lr);
    d->ymin = (d->ymin - top) / (1.0f - tb);
    d->width = d->width / (1.0f - lr);
    d->height = d->height / (1.0f - tb);
    for (int k = 0; k < ROMCV_POSE_KEYPOINTS; k++) {
        d->keypoints[k][0] = (d->keypoints[k][0] - left) / (1.0f - lr);
        d->keypoints[k][1] = (d->keypoints[k][1] - top) / (1.0f - tb);
    }
}

/* detections_to_rects_calculator.cc / rect_transformation_calculator.cc:
 * wraps an angle into [-pi, pi). */
static float normalize_radians(float angle) {
    return angle - 2.0f * (float)M_PI * floorf((angle - (float)-M_PI) / (2.0f * (float)M_PI));
}

void romcv__alignment_rect(float x0, float y0, float x1, float y1, int width, int height,
                           RomcvPoseRect *rect) {
    const float fw = (float)width, fh = (float)height;
    const float xc = x0 * fw, yc = y0 * fh;
    const float xs = x1 * fw, ys = y1 * fh;
    const float box = sqrtf((xs - xc) * (xs - xc) + (ys - yc) * (ys - yc)) * 2.0f;
    rect->x_center = xc / fw;
    rect->y_center = yc / fh;
    rect->width = box / fw;
    rect->height = box / fh;
    /* ComputeRotation(): target angle (90 deg, both pose graphs) minus the
     * angle of the centre-to-scale vector with y flipped up. */
    const float target = 90.0f * (float)M_PI / 180.0f;
    rect->rotation = normalize_radians(target - atan2f(-(ys - yc), xs - xc));
}

void romcv__rect_square_long(RomcvPoseRect *rect, int width, int height, float scale) {
    const float fw = (float)width, fh = (float)height;
    const float long_side = fmaxf(rect->width * fw, rect->height * fh);
    rect->width = long_side / fw * scale;
    rect->height = long_side / fh * scale;
}

void romcv__pose_detection_to_roi(const RomcvPoseDetection *d, int width, int height,
                                  RomcvPoseRect *roi) {
    /* pose_detection_to_roi.pbtxt: rotation_vector_start_keypoint_index 0,
     * end 1, target 90 deg; then scale 1.25, square_long. */
    romcv__alignment_rect(d->keypoints[0][0], d->keypoints[0][1], d->keypoints[1][0],
                          d->keypoints[1][1], width, height, roi);
    romcv__rect_square_long(roi, width, height, ROMCV_POSE_ROI_SCALE);
}

int romcv__rect_contains(const RomcvPoseRect *rect, int width, int height, float x, float y) {
    /* Into the rect's own frame (pixels), then compare with its half sides. */
    const float dx = (x - rect->x_center) * (float)width;
    const float dy = (y - rect->y_center) * (float)height;
    const float c = cosf(rect->rotation), s = sinf(rect->rotation);
    const float lx = c * dx + s * dy;
    const float ly = -s * dx + c * dy;
    return fabsf(lx) <= 0.5f * rect->width * (float)width &&
           fabsf(ly) <= 0.5f * rect->height * (float)height;
}

int romcv__pose_rank(const RomcvPoseDetection *detections, int n, int width, int height,
                     const float point[2], const RomcvPoseRect *last, int *order) {
    const float fw = (float)width, fh = (float)height;
    /* Costs and an insertion sort by cost: n is a handful, and ties keep the
     * detector's order (best score first). */
    float cost[ROMCV_POSE_RANK_MAX];
    if (n > ROMCV_POSE_RANK_MAX) {
        n = ROMCV_POSE_RANK_MAX;
    }
    const float last_size = last ? fmaxf(last->width * fw, 1.0f) : 1.0f;
    for (int i = 0; i < n; i++) {
        RomcvPoseRect r;
        romcv__pose_detection_to_roi(&detections[i], width, height, &r);
        if (point) {
            /* Holding the point beats any distance. */
            const int inside = romcv__rect_contains(&r, width, height, point[0], point[1]);
            const float d = hypotf((r.x_center - point[0]) * fw, (r.y_center - point[1]) * fh);
            cost[i] = (inside ? 0.0f : 1e9f) + d;
        } else if (last) {
            const float d =
                hypotf((r.x_center - last->x_center) * fw, (r.y_center - last->y_center) * fh);
            const float size = fmaxf(r.width * fw, 1.0f);
            cost[i] = d / last_size + fabsf(logf(size / last_size));
        } else {
            cost[i] = (float)i;
        }
        int j = i;
        while (j > 0 && cost[order[j - 1]] > cost[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    return n;
}

int romcv__pose_select(const RomcvPoseDetection *detections, int n, int width, int height,
                       const float point[2], const RomcvPoseRect *last) {
    int order[ROMCV_POSE_RANK_MAX];
    if (n <= 1) {
        return 0;
    }
    romcv__pose_rank(detections, n, width, height, point, last, order);
    return order[0];
}
