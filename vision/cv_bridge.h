/*
 * vision/cv_bridge.h: the one C interface to OpenCV's C++ API.
 *
 * OpenCV 4.6 dropped most of its C API, and romcv is C everywhere else, so
 * every OpenCV call goes through these functions (implemented in
 * cv_bridge.cpp, the project's only C++). They take and return romcv types,
 * never throw (OpenCV exceptions become ROMCV_E_EXTERNAL with OpenCV's text),
 * and keep no state. Private to the library: not installed.
 */
#ifndef ROMCV_VISION_CV_BRIDGE_H
#define ROMCV_VISION_CV_BRIDGE_H

#include "romcv/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* OpenCV's version string ("4.6.0"), static storage. */
const char *romcv__cv_version(void);

/* Reads a PNG/JPEG/... into a new RGB24 frame (refcount 1, caller unrefs).
 * EXIF orientation is applied, as OpenCV's imread does by default. */
int romcv__cv_image_read(const char *path, RomcvFrame **out, RomcvDiag *diag);

/* Writes an RGB24 or GRAY8 frame; the format follows path's extension
 * (.png, .jpg). jpeg_quality 1..100 (ignored for PNG, 0 for OpenCV's 95).
 * Writes path + ".tmp" first and renames it, so a crash never leaves half an
 * image under the final name. */
int romcv__cv_image_write(const char *path, const RomcvFrame *frame, int jpeg_quality,
                          RomcvDiag *diag);

typedef enum RomcvCvInterpolation {
    ROMCV_CV_NEAREST = 0,
    ROMCV_CV_LINEAR = 1, /* bilinear */
    ROMCV_CV_AREA = 2,   /* pixel-area averaging, for shrinking */
} RomcvCvInterpolation;

/* Resizes src into dst (both RGB24 or both GRAY8, sizes taken from them). */
int romcv__cv_resize(const RomcvFrame *src, RomcvFrame *dst, RomcvCvInterpolation interpolation,
                     RomcvDiag *diag);

/* dst(x, y) = src(M * (x, y, 1)) for the 2x3 matrix inverse_map that maps
 * destination pixels to source pixels (row-major m00 m01 m02 m10 m11 m12),
 * bilinear; pixels from outside src take border_value (each channel). */
int romcv__cv_warp_affine(const RomcvFrame *src, RomcvFrame *dst, const double inverse_map[6],
                          uint8_t border_value, RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_VISION_CV_BRIDGE_H */
