/*
 * vision/image_to_tensor.h: MediaPipe's ImageToTensorCalculator in C: a
 * rotated rectangle of the frame, resampled into a model's input tensor.
 *
 * The reference (MediaPipe's web build) does this with a GL shader
 * (mediapipe/calculators/tensor/image_to_tensor_converter_gl_texture.cc):
 * every output pixel centre is mapped through
 * GetRotatedSubRectToRectTransformMatrix() (image_to_tensor_utils.cc) to a
 * normalised texture coordinate and sampled bilinearly with texel centres at
 * (i + 0.5) / size, clamped to the edge (BORDER_REPLICATE, GL_CLAMP_TO_EDGE)
 * or, for BORDER_ZERO on WebGL (no GL_CLAMP_TO_BORDER), clamped and then
 * replaced by 0 wherever the coordinate falls outside [0, 1]. The value then
 * goes through alpha * colour + beta into the tensor's float range. This file
 * does the same arithmetic on the CPU, in float, so crops match the shader
 * to the texture unit's rounding.
 *
 * Private to the vision module.
 */
#ifndef ROMCV_VISION_IMAGE_TO_TENSOR_H
#define ROMCV_VISION_IMAGE_TO_TENSOR_H

#include "romcv/core.h"
#include "romcv/vision.h"

/* A rotated rectangle in pixels (MediaPipe's RotatedRect). */
typedef struct RomcvRotatedRect {
    float center_x, center_y; /* px */
    float width, height;      /* px */
    float rotation;           /* rad */
} RomcvRotatedRect;

/* MediaPipe's GetRoi(): a normalised rect in pixels of a width x height
 * image; NULL rect means the whole image. */
RomcvRotatedRect romcv__roi_to_pixels(const RomcvPoseRect *rect, int width, int height);

/* MediaPipe's PadRoi() with keep_aspect_ratio: grows roi to the tensor's
 * aspect ratio and returns the letterbox padding (left, top, right, bottom),
 * normalised by the padded size. */
void romcv__roi_pad(int tensor_width, int tensor_height, RomcvRotatedRect *roi, float padding[4]);

/* The 2x3 part of GetRotatedSubRectToRectTransformMatrix(): maps a point
 * (u, v) of the output in [0, 1]^2 to the input in [0, 1]^2 normalised by
 * image_width and image_height: in = (m[0] u + m[1] v + m[2], m[3] u + m[4] v
 * + m[5]). No horizontal flip (the pose graphs never flip). */
void romcv__roi_matrix(const RomcvRotatedRect *roi, int image_width, int image_height, float m[6]);

typedef enum RomcvBorderMode {
    ROMCV_BORDER_REPLICATE = 0, /* ImageToTensorCalculatorOptions default (unspecified) */
    ROMCV_BORDER_ZERO = 1,
} RomcvBorderMode;

/* Fills tensor (out_height x out_width x 3 floats, NHWC) with the roi of an
 * RGB24 frame, values mapped from [0, 255] to [range_min, range_max]. Cost:
 * one bilinear sample per output value. */
void romcv__image_to_tensor(const RomcvFrame *frame, const RomcvRotatedRect *roi, int out_width,
                            int out_height, float range_min, float range_max,
                            RomcvBorderMode border, float *tensor);

#endif /* ROMCV_VISION_IMAGE_TO_TENSOR_H */
