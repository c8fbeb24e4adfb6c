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

/* ---------------------------------------------------------------- calib3d */

/* Looks for a chessboard of cols x rows inner corners in frame (RGB24 or
 * GRAY8) with findChessboardCorners (adaptive threshold, normalised image,
 * fast check) and refines the corners with cornerSubPix. On success writes
 * cols * rows corners, row after row as OpenCV orders them, to x and y and
 * returns 1; returns 0 when there is no board, or a negative code. */
int romcv__cv_find_chessboard(const RomcvFrame *frame, int cols, int rows, float *x, float *y,
                              RomcvDiag *diag);

/* calibrateCamera on views of one planar target: object_xy holds the
 * target's points_per_view points (x, y pairs, z = 0, any unit), image_x and
 * image_y the views' image points (views * points_per_view, view after view).
 * Solves fx, fy, cx, cy and k1 k2 p1 p2 k3 for a width x height image.
 * intrinsics receives fx fy cx cy, distortion k1 k2 p1 p2 k3, *rms_px the RMS
 * reprojection error. Returns 0 or ROMCV_E_EXTERNAL. */
int romcv__cv_calibrate_camera(int views, int points_per_view, const float *object_xy,
                               const float *image_x, const float *image_y, int width, int height,
                               double intrinsics[4], double distortion[5], double *rms_px,
                               RomcvDiag *diag);

/* projectPoints: n object points (x, y, z triples) seen from pose rvec
 * (Rodrigues vector) and tvec through intrinsics fx fy cx cy and
 * distortion k1 k2 p1 p2 k3, into u and v (px). Returns 0 or
 * ROMCV_E_EXTERNAL. */
int romcv__cv_project_points(size_t n, const double *object_xyz, const double rvec[3],
                             const double tvec[3], const double intrinsics[4],
                             const double distortion[5], double *u, double *v, RomcvDiag *diag);

/* Variance of the Laplacian (3x3 aperture, 64-bit float) of the frame's
 * luma: a focus measure (Pech-Pacheco et al. 2000). Returns 0 or a code. */
int romcv__cv_laplacian_variance(const RomcvFrame *frame, double *variance, RomcvDiag *diag);

/* Straight edges of the frame's luma: Canny edges (thresholds 50 and 150 on
 * a 3x3-blurred image) and the probabilistic Hough transform (1 px, 0.25 deg
 * bins), each refitted by least squares to the edge pixels within 2 px of
 * it. Writes up to max segments as x1 y1 x2 y2 (px) to segments, and
 * their number to *count; segments shorter than min_length_px are left out.
 * Returns 0 or a negative code. */
int romcv__cv_line_segments(const RomcvFrame *frame, double min_length_px, float *segments, int max,
                            int *count, RomcvDiag *diag);

/* ---------------------------------------------------------------- drawing */
/*
 * Anti-aliased drawing for the result overlay (report/overlay.c). A frame's
 * shapes go over in one call, so the overlay costs one C++ boundary per
 * frame, not one per line. Coordinates are pixels (x right, y down) with
 * sub-pixel precision (1/16 px); shapes reaching outside the frame are
 * clipped, and one with a non-finite or absurd (beyond +-1e5 px) coordinate
 * is skipped, so bad landmarks never reach OpenCV's integer arithmetic.
 */

typedef enum RomcvCvShapeKind {
    ROMCV_CV_LINE = 0,   /* (x0, y0) to (x1, y1), round caps */
    ROMCV_CV_CIRCLE = 1, /* centre (x0, y0), radius r; filled when thickness <= 0 */
    ROMCV_CV_ARC = 2,    /* centre (x0, y0), radius r, from start_deg to end_deg: angles
                          * from the +x axis towards +y (clockwise on screen), the arc
                          * runs through the angles between the two whatever their order */
    ROMCV_CV_TEXT = 3,   /* text (ASCII) whose baseline starts at (x0, y0) */
    ROMCV_CV_BOX = 4,    /* rectangle with corners (x0, y0) and (x1, y1); filled when
                          * thickness <= 0 */
} RomcvCvShapeKind;

typedef struct RomcvCvShape {
    RomcvCvShapeKind kind;
    float x0, y0, x1, y1;
    float r;
    float start_deg, end_deg;
    float thickness;  /* px */
    float text_scale; /* TEXT: OpenCV's Hershey simplex scale (1.0: capitals ~22 px) */
    uint8_t rgb[3];
    const char *text; /* TEXT: borrowed for the call */
} RomcvCvShape;

/* Draws count shapes onto an RGB24 frame, in order. Returns 0, or
 * ROMCV_ERR(EINVAL) / ROMCV_E_EXTERNAL with diag. */
int romcv__cv_draw(RomcvFrame *frame, const RomcvCvShape *shapes, size_t count, RomcvDiag *diag);

/* The size text would have as a TEXT shape: width and height above the
 * baseline, and the depth below it (px). Returns 0 or ROMCV_E_EXTERNAL. */
int romcv__cv_text_size(const char *text, float scale, float thickness, int *width, int *height,
                        int *baseline);

/* ------------------------------------------------------------ colour blobs */
/*
 * Coloured skin markers (vision/markers.c): the frame goes to HSV, a colour
 * range becomes a mask, morphology tidies it and each connected region is
 * measured. Masks and HSV images are RomcvFrames the caller owns, so the
 * detector keeps its buffers from frame to frame (bounded memory).
 */

/* A colour range on OpenCV's 8-bit HSV scale: H 0..179 (degrees / 2), S and
 * V 0..255, all bounds inclusive. h_lo > h_hi wraps through red (H 170..10
 * is h_lo 170, h_hi 10). */
typedef struct RomcvCvHsvRange {
    int h_lo, h_hi;
    int s_lo, s_hi;
    int v_lo, v_hi;
} RomcvCvHsvRange;

/* cvtColor RGB -> HSV: src RGB24, dst an RGB24-format frame of the same size
 * whose three bytes per pixel receive H, S, V (the scale above). */
int romcv__cv_rgb_to_hsv(const RomcvFrame *src, RomcvFrame *dst, RomcvDiag *diag);

/* inRange on an HSV frame (romcv__cv_rgb_to_hsv) into a GRAY8 mask of the
 * same size: 255 inside the range, 0 outside. */
int romcv__cv_hsv_in_range(const RomcvFrame *hsv, const RomcvCvHsvRange *range, RomcvFrame *mask,
                           RomcvDiag *diag);

typedef enum RomcvCvMorphology {
    ROMCV_CV_OPEN = 0,  /* erode then dilate: removes specks smaller than the kernel */
    ROMCV_CV_CLOSE = 1, /* dilate then erode: fills holes and notches (a highlight) */
} RomcvCvMorphology;

/* morphologyEx in place on a GRAY8 mask with an elliptic kernel of
 * (2 radius + 1) px; radius 0 does nothing. */
int romcv__cv_morphology(RomcvFrame *mask, RomcvCvMorphology op, int radius, RomcvDiag *diag);

/* One 8-connected region of a mask. Coordinates use the pixel-centre
 * convention of romcv (pixel (i, j) covers [i, i+1) x [j, j+1), its centre at
 * (i + 0.5, j + 0.5)), not OpenCV's integer centres. */
typedef struct RomcvCvBlob {
    float x, y;         /* centroid from the region's image moments m10/m00, m01/m00 (px):
                         * sub-pixel, the mean of its pixel centres */
    float area;         /* pixels */
    float major, minor; /* semi-axes of the ellipse with the same second moments (px): for a
                         * filled disc of radius r both are r */
    float circularity;  /* 4 pi area / perimeter^2 of the outer contour, with the contour
                         * traced around the pixels' outer edges, in (0, ~1] */
    int left, top, width, height; /* bounding box, px */
} RomcvCvBlob;

/* connectedComponentsWithStats (8-connectivity) on a GRAY8 mask (non-zero is
 * foreground), then, for each region whose area lies in [min_area,
 * max_area], its moments and outer contour. Writes up to max regions, in
 * label order (top to bottom), to blobs and their number to *count;
 * *total receives how many qualified (may exceed max). */
int romcv__cv_blobs(const RomcvFrame *mask, int min_area, int max_area, RomcvCvBlob *blobs, int max,
                    int *count, int *total, RomcvDiag *diag);

/* ------------------------------------------------------------------ ArUco */
/*
 * Printed square fiducials (vision/aruco.c) through OpenCV 4.6's aruco
 * module (libopencv-contrib-dev on Debian 12): cv::aruco::detectMarkers with
 * corner refinement CORNER_REFINE_SUBPIX, and cv::aruco::drawMarker for a
 * marker's pattern (the phantom and the printable sheet).
 */

/* OpenCV's predefined dictionary numbers (cv::aruco::PREDEFINED_DICTIONARY_NAME):
 * 4x4 bits, 50 markers. */
#define ROMCV_CV_ARUCO_4X4_50 0

/* One detected marker: its id and its four refined corners in the order
 * OpenCV gives them, the printed pattern's top-left, top-right,
 * bottom-right, bottom-left (clockwise in the image when seen from the
 * front). Pixel-centre convention of romcv: pixel (i, j) centred at
 * (i + 0.5, j + 0.5). */
typedef struct RomcvCvAruco {
    int id;
    float x[4], y[4];
} RomcvCvAruco;

/* detectMarkers on frame (RGB24 or GRAY8) for dictionary (a ROMCV_CV_ARUCO_
 * value) with DetectorParameters::create()'s defaults except: corner
 * refinement CORNER_REFINE_SUBPIX with a window of refine_half_px (half
 * side, px, 1..15), a minimum perimeter of 4 * min_side_px (px; OpenCV
 * takes it as a rate of the frame's larger side), and bits read from the
 * middle 40 % of each cell (perspectiveRemoveIgnoredMarginPerCell 0.3). Writes up to max markers
 * (OpenCV's order) to out, their number to *count and how many were found to
 * *total (may exceed max). Returns 0 or a negative code with diag. */
int romcv__cv_aruco_detect(const RomcvFrame *frame, int dictionary, float min_side_px,
                           int refine_half_px, RomcvCvAruco *out, int max, int *count, int *total,
                           RomcvDiag *diag);

/* The printed pattern of marker id in dictionary, from drawMarker with one
 * pixel per cell: *cells x *cells cells (the bits and a one-cell black
 * border: 6 for 4x4 dictionaries), row by row from the top-left as printed,
 * 1 white and 0 black, into bits (max_bits entries at least *cells^2).
 * Returns 0, or ROMCV_ERR(EINVAL) with diag for an id outside the
 * dictionary, or ROMCV_E_EXTERNAL. */
int romcv__cv_aruco_bits(int dictionary, int id, uint8_t *bits, int max_bits, int *cells,
                         RomcvDiag *diag);

/* The number of markers in dictionary (50 for ROMCV_CV_ARUCO_4X4_50), or a
 * negative code. */
int romcv__cv_aruco_dictionary_size(int dictionary);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_VISION_CV_BRIDGE_H */
