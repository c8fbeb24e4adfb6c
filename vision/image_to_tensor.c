/*
 * vision/image_to_tensor.c: the rotated crop and resampling of MediaPipe's
 * ImageToTensorCalculator, GL-shader flavour (see image_to_tensor.h for why).
 */
#include "vision/image_to_tensor.h"

#include <math.h>

RomcvRotatedRect romcv__roi_to_pixels(const RomcvPoseRect *rect, int width, int height) {
    RomcvRotatedRect r;
    if (!rect) {
        r.center_x = 0.5f * (float)width;
        r.center_y = 0.5f * (float)height;
        r.width = (float)width;
        r.height = (float)height;
        r.rotation = 0.0f;
        return r;
    }
    r.center_x = rect->x_center * (float)width;
    r.center_y = rect->y_center * (float)height;
    r.width = rect->width * (float)width;
    r.height = rect->height * (float)height;
    r.rotation = rect->rotation;
    return r;
}

void romcv__roi_pad(int tensor_width, int tensor_height, RomcvRotatedRect *roi, float padding[4]) {
    /* image_to_tensor_utils.cc PadRoi(): keep the ROI's aspect ratio by
     * growing its short side, and report the added margin as a fraction. */
    const float tensor_aspect = (float)tensor_height / (float)tensor_width;
    const float roi_aspect = roi->height / roi->width;
    float horizontal = 0.0f, vertical = 0.0f;
    if (tensor_aspect > roi_aspect) {
        const float new_height = roi->width * tensor_aspect;
        vertical = (1.0f - roi_aspect / tensor_aspect) / 2.0f;
        roi->height = new_height;
    } else {
        const float new_width = roi->height / tensor_aspect;
        horizontal = (1.0f - tensor_aspect / roi_aspect) / 2.0f;
        roi->width = new_width;
    }
    padding[0] = horizontal;
    padding[1] = vertical;
    padding[2] = horizontal;
    padding[3] = vertical;
}

void romcv__roi_matrix(const RomcvRotatedRect *roi, int image_width, int image_height, float m[6]) {
    /* image_to_tensor_utils.cc GetRotatedSubRectToRectTransformMatrix():
     * post_scale * translate * rotate * scale * initial_translate, rows 1-2. */
    const float a = roi->width, b = roi->height;
    const float c = cosf(roi->rotation), d = sinf(roi->rotation);
    const float e = roi->center_x, f = roi->center_y;
    const float g = 1.0f / (float)image_width, h = 1.0f / (float)image_height;
    m[0] = a * c * g;
    m[1] = -b * d * g;
    m[2] = (-0.5f * a * c + 0.5f * b * d + e) * g;
    m[3] = a * d * h;
    m[4] = b * c * h;
    m[5] = (-0.5f * b * c - 0.5f * a * d + f) * h;
}

void romcv__image_to_tensor(const RomcvFrame *frame, const RomcvRotatedRect *roi, int out_width,
                            int out_height, float range_min, float range_max,
                            RomcvBorderMode border, float *tensor) {
    float m[6];
    romcv__roi_matrix(roi, frame->width, frame->height, m);
    /* GetValueRangeTransformation(0, 1, min, max): value = alpha * c + beta
     * with c the texel in [0, 1]. */
    const float alpha = (range_max - range_min);
    const float beta = range_min;
    const float scale = alpha / 255.0f;
    const int w = frame->width, h = frame->height;
    const float fw = (float)w, fh = (float)h;
    for (int y = 0; y < out_height; y++) {
        /* Fragment centres: the interpolated texture coordinate of pixel
         * (x, y) is ((x + 0.5) / out_width, (y + 0.5) / out_height). */
        const float v = ((float)y + 0.5f) / (float)out_height;
        float *row = tensor + (size_t)y * out_width * 3;
        for (int x = 0; x < out_width; x++) {
            const float u = ((float)x + 0.5f) / (float)out_width;
            const float su = m[0] * u + m[1] * v + m[2];
            const float sv = m[3] * u + m[4] * v + m[5];
            float *o = row + (size_t)x * 3;
            if (border == ROMCV_BORDER_ZERO && (su < 0.0f || su > 1.0f || sv < 0.0f || sv > 1.0f)) {
                /* CUSTOM_ZERO_BORDER_MODE: colour 0 before alpha/beta. */
                o[0] = o[1] = o[2] = beta;
                continue;
            }
            /* GL_LINEAR with GL_CLAMP_TO_EDGE: texel centres at i + 0.5. */
            const float px = su * fw - 0.5f, py = sv * fh - 0.5f;
            const float fx0 = floorf(px), fy0 = floorf(py);
            const float ax = px - fx0, ay = py - fy0;
            int x0 = (int)fx0, y0 = (int)fy0;
            int x1 = x0 + 1, y1 = y0 + 1;
            x0 = x0 < 0 ? 0 : (x0 >= w ? w - 1 : x0);
            x1 = x1 < 0 ? 0 : (x1 >= w ? w - 1 : x1);
            y0 = y0 < 0 ? 0 : (y0 >= h ? h - 1 : y0);
            y1 = y1 < 0 ? 0 : (y1 >= h ? h - 1 : y1);
            const uint8_t *r0 = frame->data + (size_t)y0 * frame->stride;
            const uint8_t *r1 = frame->data + (size_t)y1 * frame->stride;
            const uint8_t *p00 = r0 + (size_t)x0 * 3, *p01 = r0 + (size_t)x1 * 3;
            const uint8_t *p10 = r1 + (size_t)x0 * 3, *p11 = r1 + (size_t)x1 * 3;
            const float w00 = (1.0f - ax) * (1.0f - ay), w01 = ax * (1.0f - ay);
            const float w10 = (1.0f - ax) * ay, w11 = ax * ay;
            for (int c = 0; c < 3; c++) {
                const float t = w00 * p00[c] + w01 * p01[c] + w10 * p10[c] + w11 * p11[c];
                o[c] = t * scale + beta;
            }
        }
    }
}
