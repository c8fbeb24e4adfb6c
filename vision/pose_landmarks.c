/*
 * vision/pose_landmarks.c: decoding and projection of the landmark model's
 * outputs (sources listed in pose_landmarks.h).
 */
#include "vision/pose_landmarks.h"

#include "vision/image_to_tensor.h"
#include "vision/pose_detector.h"

#include <math.h>

static float sigmoid(float v) {
    return 1.0f / (1.0f + expf(-v));
}

void romcv__landmarks_decode(const float *raw, RomcvLandmark *out, int n) {
    const float size = (float)ROMCV_LANDMARK_SIZE;
    for (int i = 0; i < n; i++) {
        const float *r = raw + (size_t)i * 5;
        out[i].x = r[0] / size;
        out[i].y = r[1] / size;
        out[i].z = r[2] / size;
        out[i].visibility = sigmoid(r[3]);
        out[i].presence = sigmoid(r[4]);
    }
}

void romcv__landmarks_refine(RomcvLandmark *lm, int n, const float *heatmap, int hm_height,
                             int hm_width, int kernel_size, float min_confidence) {
    const int offset = (kernel_size - 1) / 2;
    for (int i = 0; i < n; i++) {
        /* C++ float-to-int conversion truncates toward zero, as here. */
        const int col = (int)(lm[i].x * (float)hm_width);
        const int row = (int)(lm[i].y * (float)hm_height);
        /* MediaPipe tests "col >= hm_height" where it means the row; the
         * heatmap is square, and a row past the end leaves an empty kernel
         * (no refinement) either way. */
        if (col < 0 || col >= hm_width || row < 0 || col >= hm_height) {
            continue;
        }
        const int c0 = col - offset > 0 ? col - offset : 0;
        const int c1 = col + offset + 1 < hm_width ? col + offset + 1 : hm_width;
        const int r0 = row - offset > 0 ? row - offset : 0;
        const int r1 = row + offset + 1 < hm_height ? row + offset + 1 : hm_height;
        float sum = 0.0f, wcol = 0.0f, wrow = 0.0f, max_conf = 0.0f;
        for (int r = r0; r < r1; r++) {
            for (int c = c0; c < c1; c++) {
                const float conf = sigmoid(heatmap[((size_t)r * hm_width + c) * n + i]);
                sum += conf;
                max_conf = conf > max_conf ? conf : max_conf;
                wcol += (float)c * conf;
                wrow += (float)r * conf;
            }
        }
        if (max_conf >= min_confidence && sum > 0.0f) {
            /* No half-pixel offset: MediaPipe divides the weighted column by
             * the heatmap width as is. */
            lm[i].x = wcol / (float)hm_width / sum;
            lm[i].y = wrow / (float)hm_height / sum;
        }
    }
}

void romcv__landmarks_remove_letterbox(RomcvLandmark *lm, int n, const float padding[4]) {
    const float left = padding[0], top = padding[1];
    const float lr = padding[0] + padding[2], tb = padding[1] + padding[3];
    for (int i = 0; i < n; i++) {
        lm[i].x = (lm[i].x - left) / (1.0f - lr);
        lm[i].y = (lm[i].y - top) / (1.0f - tb);
        /* Scale z like x (landmark_letterbox_removal_calculator.cc). */
        lm[i].z = lm[i].z / (1.0f - lr);
    }
}

void romcv__landmarks_project(RomcvLandmark *lm, int n, const RomcvPoseRect *roi) {
    const float c = cosf(roi->rotation), s = sinf(roi->rotation);
    for (int i = 0; i < n; i++) {
        const float x = lm[i].x - 0.5f, y = lm[i].y - 0.5f;
        const float nx = c * x - s * y, ny = s * x + c * y;
        lm[i].x = nx * roi->width + roi->x_center;
        lm[i].y = ny * roi->height + roi->y_center;
        lm[i].z = lm[i].z * roi->width;
    }
}

void romcv__landmarks_unproject(RomcvLandmark *lm, int n, const RomcvPoseRect *roi) {
    const float c = cosf(roi->rotation), s = sinf(roi->rotation);
    for (int i = 0; i < n; i++) {
        const float nx = (lm[i].x - roi->x_center) / roi->width;
        const float ny = (lm[i].y - roi->y_center) / roi->height;
        lm[i].x = c * nx + s * ny + 0.5f;
        lm[i].y = -s * nx + c * ny + 0.5f;
        lm[i].z = lm[i].z / roi->width;
    }
}

void romcv__world_landmarks_decode(const float *raw, const RomcvPoseRect *roi, RomcvLandmark *out,
                                   int n) {
    const float c = cosf(roi->rotation), s = sinf(roi->rotation);
    for (int i = 0; i < n; i++) {
        const float *r = raw + (size_t)i * 3;
        out[i].x = c * r[0] - s * r[1];
        out[i].y = s * r[0] + c * r[1];
        out[i].z = r[2];
        out[i].visibility = 0.0f;
        out[i].presence = 0.0f;
    }
}

void romcv__landmarks_object_rect(const RomcvLandmark aux[2], int width, int height,
                                  RomcvPoseRect *rect) {
    /* LandmarksToDetectionCalculator keeps every landmark as a keypoint;
     * AlignmentPointsRects uses keypoints 0 (centre) and 1 (scale). */
    romcv__alignment_rect(aux[0].x, aux[0].y, aux[1].x, aux[1].y, width, height, rect);
}

void romcv__landmarks_to_roi(const RomcvLandmark aux[2], int width, int height,
                             RomcvPoseRect *roi) {
    romcv__landmarks_object_rect(aux, width, height, roi);
    romcv__rect_square_long(roi, width, height, ROMCV_POSE_ROI_SCALE);
}

void romcv__segmentation_to_frame(const float *logits, int mask_size, const RomcvPoseRect *roi,
                                  int width, int height, float *mask) {
    /* The crop matrix maps crop-unit (u, v) to frame-unit coordinates; its
     * inverse takes each frame pixel centre into the crop. */
    RomcvRotatedRect r = romcv__roi_to_pixels(roi, width, height);
    float pad[4];
    romcv__roi_pad(mask_size, mask_size, &r, pad);
    float m[6];
    romcv__roi_matrix(&r, width, height, m);
    const double det = (double)m[0] * m[4] - (double)m[1] * m[3];
    if (det == 0.0) {
        for (size_t i = 0; i < (size_t)width * height; i++) {
            mask[i] = 0.0f;
        }
        return;
    }
    const double i00 = m[4] / det, i01 = -m[1] / det, i10 = -m[3] / det, i11 = m[0] / det;
    const float fs = (float)mask_size;
    for (int y = 0; y < height; y++) {
        const double sv = ((double)y + 0.5) / height - m[5];
        for (int x = 0; x < width; x++) {
            const double su = ((double)x + 0.5) / width - m[2];
            const float u = (float)(i00 * su + i01 * sv), v = (float)(i10 * su + i11 * sv);
            float out = 0.0f;
            if (u >= 0.0f && u <= 1.0f && v >= 0.0f && v <= 1.0f) {
                const float px = u * fs - 0.5f, py = v * fs - 0.5f;
                int x0 = (int)floorf(px), y0 = (int)floorf(py);
                const float ax = px - (float)x0, ay = py - (float)y0;
                int x1 = x0 + 1, y1 = y0 + 1;
                x0 = x0 < 0 ? 0 : x0;
                y0 = y0 < 0 ? 0 : y0;
                x1 = x1 >= mask_size ? mask_size - 1 : x1;
                y1 = y1 >= mask_size ? mask_size - 1 : y1;
                const float a = sigmoid(logits[(size_t)y0 * mask_size + x0]);
                const float b = sigmoid(logits[(size_t)y0 * mask_size + x1]);
                const float c = sigmoid(logits[(size_t)y1 * mask_size + x0]);
                const float d = sigmoid(logits[(size_t)y1 * mask_size + x1]);
                out = (1 - ay) * ((1 - ax) * a + ax * b) + ay * ((1 - ax) * c + ax * d);
            }
            mask[(size_t)y * width + x] = out;
        }
    }
}
