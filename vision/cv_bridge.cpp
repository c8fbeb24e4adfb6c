// vision/cv_bridge.cpp: OpenCV's C++ API behind the C functions of
// cv_bridge.h. The only C++ file in romcv (DEVELOPERS.md: "no C++ anywhere
// else"). Every entry point catches every exception: C callers cannot unwind.
#include "vision/cv_bridge.h"

#include <opencv2/aruco.hpp>
#include <opencv2/calib3d.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

// Wraps a frame's pixels without copying.
cv::Mat wrap(const RomcvFrame *frame) {
    int type = frame->format == ROMCV_PIX_GRAY8 ? CV_8UC1 : CV_8UC3;
    return cv::Mat(frame->height, frame->width, type, frame->data, (size_t)frame->stride);
}

bool frame_ok(const RomcvFrame *frame) {
    return frame && frame->data && frame->width > 0 && frame->height > 0 &&
           (frame->format == ROMCV_PIX_RGB24 || frame->format == ROMCV_PIX_GRAY8);
}

int external_error(RomcvDiag *diag, const char *what, const std::exception &e) {
    return romcv_diag_set(diag, ROMCV_E_EXTERNAL, "%s: OpenCV: %s", what, e.what());
}

} // namespace

extern "C" const char *romcv__cv_version(void) {
    return CV_VERSION;
}

extern "C" int romcv__cv_image_read(const char *path, RomcvFrame **out, RomcvDiag *diag) {
    *out = nullptr;
    struct stat st;
    if (stat(path, &st) != 0) {
        return romcv_diag_set(diag, ROMCV_E_NOT_FOUND, "%s: no such file", path);
    }
    try {
        cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
        if (bgr.empty()) {
            return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: not an image OpenCV can read",
                                  path);
        }
        RomcvFrame *frame = nullptr;
        int rc = romcv_frame_create(&frame, bgr.cols, bgr.rows, ROMCV_PIX_RGB24);
        if (rc < 0) {
            return romcv_diag_set(diag, rc, "%s: %dx%d image: %s", path, bgr.cols, bgr.rows,
                                  romcv_strerror(rc));
        }
        cv::Mat rgb = wrap(frame);
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        *out = frame;
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, path, e);
    }
}

extern "C" int romcv__cv_image_write(const char *path, const RomcvFrame *frame, int jpeg_quality,
                                     RomcvDiag *diag) {
    if (!frame_ok(frame)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: invalid frame", path);
    }
    std::string final_path(path);
    std::string::size_type dot = final_path.rfind('.');
    if (dot == std::string::npos) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: no file extension to pick a format",
                              path);
    }
    // The temporary name keeps the extension, which is how imwrite picks the
    // encoder: photo.png -> photo.tmp.png.
    std::string tmp_path = final_path.substr(0, dot) + ".tmp" + final_path.substr(dot);
    try {
        cv::Mat image = wrap(frame);
        cv::Mat to_write;
        if (frame->format == ROMCV_PIX_RGB24) {
            cv::cvtColor(image, to_write, cv::COLOR_RGB2BGR);
        } else {
            to_write = image;
        }
        std::vector<int> params;
        if (jpeg_quality > 0) {
            params = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality > 100 ? 100 : jpeg_quality};
        }
        if (!cv::imwrite(tmp_path, to_write, params)) {
            std::remove(tmp_path.c_str());
            return romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: cannot write image", path);
        }
    } catch (const std::exception &e) {
        std::remove(tmp_path.c_str());
        return external_error(diag, path, e);
    }
    if (std::rename(tmp_path.c_str(), path) != 0) {
        int err = errno;
        std::remove(tmp_path.c_str());
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot rename from %s", path,
                              tmp_path.c_str());
    }
    return 0;
}

extern "C" int romcv__cv_resize(const RomcvFrame *src, RomcvFrame *dst,
                                RomcvCvInterpolation interpolation, RomcvDiag *diag) {
    if (!frame_ok(src) || !frame_ok(dst) || src->format != dst->format) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "resize: frames of different formats");
    }
    int flag = interpolation == ROMCV_CV_NEAREST ? cv::INTER_NEAREST
               : interpolation == ROMCV_CV_AREA  ? cv::INTER_AREA
                                                 : cv::INTER_LINEAR;
    try {
        cv::Mat out = wrap(dst);
        cv::resize(wrap(src), out, out.size(), 0, 0, flag);
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "resize", e);
    }
}

extern "C" int romcv__cv_warp_affine(const RomcvFrame *src, RomcvFrame *dst,
                                     const double inverse_map[6], uint8_t border_value,
                                     RomcvDiag *diag) {
    if (!frame_ok(src) || !frame_ok(dst) || src->format != dst->format || !inverse_map) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "warp_affine: invalid frames or matrix");
    }
    try {
        cv::Mat map(2, 3, CV_64F);
        for (int i = 0; i < 6; i++) {
            map.at<double>(i / 3, i % 3) = inverse_map[i];
        }
        cv::Mat out = wrap(dst);
        // WARP_INVERSE_MAP: the matrix maps destination to source, which is
        // how a crop is described (where does each crop pixel come from).
        cv::warpAffine(wrap(src), out, map, out.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                       cv::BORDER_CONSTANT, cv::Scalar::all(border_value));
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "warp_affine", e);
    }
}

// ------------------------------------------------------------------ calib3d

namespace {

// The frame's luma as an 8-bit single-channel image (a view for GRAY8).
cv::Mat luma(const RomcvFrame *frame) {
    cv::Mat image = wrap(frame);
    if (frame->format == ROMCV_PIX_GRAY8) {
        return image;
    }
    cv::Mat gray;
    cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
    return gray;
}

} // namespace

extern "C" int romcv__cv_find_chessboard(const RomcvFrame *frame, int cols, int rows, float *x,
                                         float *y, RomcvDiag *diag) {
    if (!frame_ok(frame) || cols < 2 || rows < 2 || !x || !y) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "find_chessboard: invalid arguments");
    }
    try {
        cv::Mat gray = luma(frame);
        std::vector<cv::Point2f> corners;
        int flags =
            cv::CALIB_CB_ADAPTIVE_THRESH | cv::CALIB_CB_NORMALIZE_IMAGE | cv::CALIB_CB_FAST_CHECK;
        if (!cv::findChessboardCorners(gray, cv::Size(cols, rows), corners, flags) ||
            corners.size() != (size_t)cols * (size_t)rows) {
            return 0;
        }
        // The refinement window must stay inside one square, or it mixes
        // the neighbouring corner in: half the smallest corner spacing.
        double spacing = 1e9;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c + 1 < cols; c++) {
                cv::Point2f d =
                    corners[(size_t)(r * cols + c + 1)] - corners[(size_t)(r * cols + c)];
                spacing = std::min(spacing, (double)std::sqrt(d.x * d.x + d.y * d.y));
            }
        }
        int half = (int)std::max(2.0, std::min(11.0, spacing * 0.4));
        cv::cornerSubPix(
            gray, corners, cv::Size(half, half), cv::Size(-1, -1),
            cv::TermCriteria(cv::TermCriteria::EPS | cv::TermCriteria::COUNT, 40, 0.001));
        for (size_t i = 0; i < corners.size(); i++) {
            x[i] = corners[i].x;
            y[i] = corners[i].y;
        }
        return 1;
    } catch (const std::exception &e) {
        return external_error(diag, "find_chessboard", e);
    }
}

extern "C" int romcv__cv_calibrate_camera(int views, int points_per_view, const float *object_xy,
                                          const float *image_x, const float *image_y, int width,
                                          int height, double intrinsics[4], double distortion[5],
                                          double *rms_px, RomcvDiag *diag) {
    if (views < 1 || points_per_view < 4 || !object_xy || !image_x || !image_y || width < 1 ||
        height < 1) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "calibrate_camera: invalid arguments");
    }
    try {
        std::vector<cv::Point3f> board;
        for (int i = 0; i < points_per_view; i++) {
            board.emplace_back(object_xy[2 * i], object_xy[2 * i + 1], 0.0f);
        }
        std::vector<std::vector<cv::Point3f>> object_points((size_t)views, board);
        std::vector<std::vector<cv::Point2f>> image_points((size_t)views);
        for (int v = 0; v < views; v++) {
            for (int i = 0; i < points_per_view; i++) {
                size_t k = (size_t)v * (size_t)points_per_view + (size_t)i;
                image_points[(size_t)v].emplace_back(image_x[k], image_y[k]);
            }
        }
        cv::Mat camera_matrix, dist_coeffs;
        std::vector<cv::Mat> rvecs, tvecs;
        double rms = cv::calibrateCamera(object_points, image_points, cv::Size(width, height),
                                         camera_matrix, dist_coeffs, rvecs, tvecs);
        intrinsics[0] = camera_matrix.at<double>(0, 0);
        intrinsics[1] = camera_matrix.at<double>(1, 1);
        intrinsics[2] = camera_matrix.at<double>(0, 2);
        intrinsics[3] = camera_matrix.at<double>(1, 2);
        for (int i = 0; i < 5; i++) {
            distortion[i] = i < (int)dist_coeffs.total() ? dist_coeffs.at<double>(i) : 0.0;
        }
        *rms_px = rms;
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "calibrate_camera", e);
    }
}

extern "C" int romcv__cv_project_points(size_t n, const double *object_xyz, const double rvec[3],
                                        const double tvec[3], const double intrinsics[4],
                                        const double distortion[5], double *u, double *v,
                                        RomcvDiag *diag) {
    if (!object_xyz || !rvec || !tvec || !intrinsics || !distortion || !u || !v) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "project_points: invalid arguments");
    }
    if (n == 0) {
        return 0;
    }
    try {
        std::vector<cv::Point3d> object;
        for (size_t i = 0; i < n; i++) {
            object.emplace_back(object_xyz[3 * i], object_xyz[3 * i + 1], object_xyz[3 * i + 2]);
        }
        cv::Matx33d k(intrinsics[0], 0, intrinsics[2], 0, intrinsics[1], intrinsics[3], 0, 0, 1);
        std::vector<double> dist(distortion, distortion + 5);
        cv::Vec3d r(rvec[0], rvec[1], rvec[2]), t(tvec[0], tvec[1], tvec[2]);
        std::vector<cv::Point2d> image;
        cv::projectPoints(object, r, t, k, dist, image);
        for (size_t i = 0; i < n; i++) {
            u[i] = image[i].x;
            v[i] = image[i].y;
        }
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "project_points", e);
    }
}

extern "C" int romcv__cv_laplacian_variance(const RomcvFrame *frame, double *variance,
                                            RomcvDiag *diag) {
    if (!frame_ok(frame) || !variance) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "laplacian_variance: invalid frame");
    }
    try {
        cv::Mat laplacian;
        cv::Laplacian(luma(frame), laplacian, CV_64F);
        cv::Scalar mean, stddev;
        cv::meanStdDev(laplacian, mean, stddev);
        *variance = stddev[0] * stddev[0];
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "laplacian_variance", e);
    }
}

extern "C" int romcv__cv_line_segments(const RomcvFrame *frame, double min_length_px,
                                       float *segments, int max, int *count, RomcvDiag *diag) {
    if (!frame_ok(frame) || !segments || max < 0 || !count) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "line_segments: invalid arguments");
    }
    *count = 0;
    try {
        cv::Mat blurred, edges;
        cv::GaussianBlur(luma(frame), blurred, cv::Size(3, 3), 0);
        // Canny's usual 1:3 thresholds (Canny 1986 advises 1:2 to 1:3).
        cv::Canny(blurred, edges, 50, 150);
        std::vector<cv::Vec4i> lines;
        int votes = (int)std::max(20.0, min_length_px / 2);
        cv::HoughLinesP(edges, lines, 1, CV_PI / 720, votes, min_length_px, 3);
        int n = 0;
        for (const cv::Vec4i &l : lines) {
            if (n >= max) {
                break;
            }
            // Hough's end points are whole pixels on a staircase of edge
            // pixels, a bias of a few tenths of a degree on a long line: refit
            // the line to the edge pixels within 2 px of it (least squares)
            // and move the end points onto it.
            double dx = l[2] - l[0], dy = l[3] - l[1], len = std::sqrt(dx * dx + dy * dy);
            std::vector<cv::Point2f> near;
            for (int t = 0; t <= (int)len; t++) {
                for (int o = -2; o <= 2; o++) {
                    int x = (int)std::lround(l[0] + dx * t / len - dy * o / len);
                    int y = (int)std::lround(l[1] + dy * t / len + dx * o / len);
                    if (x >= 0 && y >= 0 && x < edges.cols && y < edges.rows &&
                        edges.at<uint8_t>(y, x)) {
                        near.emplace_back((float)x, (float)y);
                    }
                }
            }
            float out[4] = {(float)l[0], (float)l[1], (float)l[2], (float)l[3]};
            if (near.size() >= 10) {
                cv::Vec4f fit;
                cv::fitLine(near, fit, cv::DIST_L2, 0, 0.01, 0.01);
                for (int e = 0; e < 2; e++) {
                    double t = (out[2 * e] - fit[2]) * fit[0] + (out[2 * e + 1] - fit[3]) * fit[1];
                    out[2 * e] = (float)(fit[2] + t * fit[0]);
                    out[2 * e + 1] = (float)(fit[3] + t * fit[1]);
                }
            }
            for (int k = 0; k < 4; k++) {
                segments[4 * n + k] = out[k];
            }
            n++;
        }
        *count = n;
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "line_segments", e);
    }
}

// ------------------------------------------------------------------ drawing

namespace {

// Sub-pixel bits for OpenCV's drawing functions: 4 bits is 1/16 px, enough
// that a joint's arc does not jump by a pixel as the landmarks move.
constexpr int draw_shift = 4;
constexpr float draw_one = 1 << draw_shift;
constexpr float draw_limit = 1e5f;

bool coordinate_ok(float v) {
    return std::isfinite(v) && std::fabs(v) <= draw_limit;
}

cv::Point fixed(float x, float y) {
    return cv::Point((int)std::lround(x * draw_one), (int)std::lround(y * draw_one));
}

int line_width(float thickness) {
    return std::max(1, (int)std::lround(thickness));
}

bool shape_ok(const RomcvCvShape &s) {
    switch (s.kind) {
    case ROMCV_CV_LINE:
    case ROMCV_CV_BOX:
        return coordinate_ok(s.x0) && coordinate_ok(s.y0) && coordinate_ok(s.x1) &&
               coordinate_ok(s.y1);
    case ROMCV_CV_CIRCLE:
    case ROMCV_CV_ARC:
        return coordinate_ok(s.x0) && coordinate_ok(s.y0) && coordinate_ok(s.r) && s.r >= 0 &&
               std::isfinite(s.start_deg) && std::isfinite(s.end_deg);
    case ROMCV_CV_TEXT:
        return coordinate_ok(s.x0) && coordinate_ok(s.y0) && s.text && s.text_scale > 0 &&
               std::isfinite(s.text_scale);
    }
    return false;
}

void draw_one_shape(cv::Mat &image, const RomcvCvShape &s) {
    cv::Scalar color(s.rgb[0], s.rgb[1], s.rgb[2]); // the frame is RGB: channel 0 is red
    switch (s.kind) {
    case ROMCV_CV_LINE:
        cv::line(image, fixed(s.x0, s.y0), fixed(s.x1, s.y1), color, line_width(s.thickness),
                 cv::LINE_AA, draw_shift);
        break;
    case ROMCV_CV_CIRCLE:
        cv::circle(image, fixed(s.x0, s.y0), (int)std::lround(s.r * draw_one), color,
                   s.thickness <= 0 ? cv::FILLED : line_width(s.thickness), cv::LINE_AA,
                   draw_shift);
        break;
    case ROMCV_CV_ARC: {
        // OpenCV wants start <= end within [0, 360] shifted as a pair; an arc
        // through 0 deg (350 to 370) stays one arc this way.
        double lo = std::min(s.start_deg, s.end_deg), hi = std::max(s.start_deg, s.end_deg);
        double turns = std::floor(lo / 360.0);
        lo -= turns * 360.0;
        hi -= turns * 360.0;
        int r = (int)std::lround(s.r * draw_one);
        cv::ellipse(image, fixed(s.x0, s.y0), cv::Size(r, r), 0.0, lo, hi, color,
                    line_width(s.thickness), cv::LINE_AA, draw_shift);
        break;
    }
    case ROMCV_CV_TEXT:
        cv::putText(image, s.text, cv::Point((int)std::lround(s.x0), (int)std::lround(s.y0)),
                    cv::FONT_HERSHEY_SIMPLEX, s.text_scale, color, line_width(s.thickness),
                    cv::LINE_AA);
        break;
    case ROMCV_CV_BOX:
        cv::rectangle(image, fixed(s.x0, s.y0), fixed(s.x1, s.y1), color,
                      s.thickness <= 0 ? cv::FILLED : line_width(s.thickness), cv::LINE_AA,
                      draw_shift);
        break;
    }
}

} // namespace

extern "C" int romcv__cv_draw(RomcvFrame *frame, const RomcvCvShape *shapes, size_t count,
                              RomcvDiag *diag) {
    if (!frame_ok(frame) || frame->format != ROMCV_PIX_RGB24 || (count && !shapes)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "draw: not an RGB24 frame");
    }
    try {
        cv::Mat image = wrap(frame);
        for (size_t i = 0; i < count; i++) {
            if (shape_ok(shapes[i])) {
                draw_one_shape(image, shapes[i]);
            }
        }
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "draw", e);
    }
}

extern "C" int romcv__cv_text_size(const char *text, float scale, float thickness, int *width,
                                   int *height, int *baseline) {
    *width = *height = *baseline = 0;
    if (!text || !(scale > 0) || !std::isfinite(scale)) {
        return ROMCV_ERR(EINVAL);
    }
    try {
        int below = 0;
        cv::Size size =
            cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, line_width(thickness), &below);
        *width = size.width;
        *height = size.height;
        *baseline = below;
        return 0;
    } catch (const std::exception &) {
        return ROMCV_E_EXTERNAL;
    }
}

// ------------------------------------------------------------ colour blobs

namespace {

// A frame used as a GRAY8 mask of the given size.
bool mask_ok(const RomcvFrame *mask, int width, int height) {
    return frame_ok(mask) && mask->format == ROMCV_PIX_GRAY8 && mask->width == width &&
           mask->height == height;
}

} // namespace

extern "C" int romcv__cv_rgb_to_hsv(const RomcvFrame *src, RomcvFrame *dst, RomcvDiag *diag) {
    if (!frame_ok(src) || !frame_ok(dst) || src->format != ROMCV_PIX_RGB24 ||
        dst->format != ROMCV_PIX_RGB24 || src->width != dst->width || src->height != dst->height) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "rgb_to_hsv: frames of different sizes");
    }
    try {
        cv::Mat out = wrap(dst);
        cv::cvtColor(wrap(src), out, cv::COLOR_RGB2HSV);
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "rgb_to_hsv", e);
    }
}

extern "C" int romcv__cv_hsv_in_range(const RomcvFrame *hsv, const RomcvCvHsvRange *range,
                                      RomcvFrame *mask, RomcvDiag *diag) {
    if (!frame_ok(hsv) || hsv->format != ROMCV_PIX_RGB24 || !range ||
        !mask_ok(mask, hsv->width, hsv->height)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "hsv_in_range: invalid arguments");
    }
    try {
        cv::Mat in = wrap(hsv), out = wrap(mask);
        if (range->h_lo <= range->h_hi) {
            cv::inRange(in, cv::Scalar(range->h_lo, range->s_lo, range->v_lo),
                        cv::Scalar(range->h_hi, range->s_hi, range->v_hi), out);
        } else {
            // A range through red is two ranges: [h_lo, 179] and [0, h_hi].
            cv::Mat upper;
            cv::inRange(in, cv::Scalar(range->h_lo, range->s_lo, range->v_lo),
                        cv::Scalar(179, range->s_hi, range->v_hi), upper);
            cv::inRange(in, cv::Scalar(0, range->s_lo, range->v_lo),
                        cv::Scalar(range->h_hi, range->s_hi, range->v_hi), out);
            cv::bitwise_or(out, upper, out);
        }
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "hsv_in_range", e);
    }
}

extern "C" int romcv__cv_morphology(RomcvFrame *mask, RomcvCvMorphology op, int radius,
                                    RomcvDiag *diag) {
    if (!frame_ok(mask) || mask->format != ROMCV_PIX_GRAY8 || radius < 0 || radius > 64) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "morphology: invalid arguments");
    }
    if (radius == 0) {
        return 0;
    }
    try {
        cv::Mat m = wrap(mask);
        cv::Mat kernel =
            cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * radius + 1, 2 * radius + 1));
        cv::morphologyEx(m, m, op == ROMCV_CV_CLOSE ? cv::MORPH_CLOSE : cv::MORPH_OPEN, kernel);
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "morphology", e);
    }
}

extern "C" int romcv__cv_blobs(const RomcvFrame *mask, int min_area, int max_area,
                               RomcvCvBlob *blobs, int max, int *count, int *total,
                               RomcvDiag *diag) {
    if (!frame_ok(mask) || mask->format != ROMCV_PIX_GRAY8 || !count || !total || max < 0 ||
        (max > 0 && !blobs)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "blobs: invalid arguments");
    }
    *count = 0;
    *total = 0;
    try {
        cv::Mat labels, stats, centroids;
        int n = cv::connectedComponentsWithStats(wrap(mask), labels, stats, centroids, 8, CV_32S);
        for (int i = 1; i < n; i++) { // label 0 is the background
            int area = stats.at<int>(i, cv::CC_STAT_AREA);
            if (area < min_area || area > max_area) {
                continue;
            }
            (*total)++;
            if (*count >= max) {
                continue;
            }
            cv::Rect box(stats.at<int>(i, cv::CC_STAT_LEFT), stats.at<int>(i, cv::CC_STAT_TOP),
                         stats.at<int>(i, cv::CC_STAT_WIDTH), stats.at<int>(i, cv::CC_STAT_HEIGHT));
            // This region alone (another region's pixels may share its box),
            // with a one-pixel margin so findContours sees its whole edge.
            cv::Mat region = cv::Mat::zeros(box.height + 2, box.width + 2, CV_8U);
            cv::Mat inner = region(cv::Rect(1, 1, box.width, box.height));
            cv::compare(labels(box), i, inner, cv::CMP_EQ);
            cv::Moments mo = cv::moments(region, true);
            RomcvCvBlob *b = &blobs[*count];
            // Moments count pixel centres at integers (OpenCV's convention);
            // romcv's pixels have their centres at +0.5, and the margin
            // shifted the region by one pixel.
            b->x = (float)(box.x - 1 + mo.m10 / mo.m00 + 0.5);
            b->y = (float)(box.y - 1 + mo.m01 / mo.m00 + 0.5);
            b->area = (float)area;
            // The ellipse with the same second moments (Hu 1962; Teague 1980):
            // eigenvalues of the normalised central moments; a uniform disc of
            // radius r has mu20 / m00 = r^2 / 4, so a semi-axis is 2 sqrt(l).
            // Each pixel is a unit square, not a point: its own variance
            // (1/12 per axis) is added, so one pixel is a disc of radius ~0.58.
            double a = mo.mu20 / mo.m00 + 1.0 / 12, c = mo.mu02 / mo.m00 + 1.0 / 12;
            double bb = mo.mu11 / mo.m00;
            double root = std::sqrt((a - c) * (a - c) / 4 + bb * bb);
            double l1 = (a + c) / 2 + root, l2 = std::max(0.0, (a + c) / 2 - root);
            b->major = (float)(2 * std::sqrt(l1));
            b->minor = (float)(2 * std::sqrt(l2));
            std::vector<std::vector<cv::Point>> contours;
            cv::findContours(region, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
            double perimeter = 0;
            for (const std::vector<cv::Point> &contour : contours) {
                perimeter = std::max(perimeter, cv::arcLength(contour, true));
            }
            // The contour runs through the edge pixels' centres; the region's
            // outer edge lies half a pixel further out, which for a convex
            // shape adds 2 pi * 0.5 to the perimeter. With that, a digital disc
            // of any radius scores near 1 and a single pixel is not 0/0.
            perimeter += CV_PI;
            b->circularity = (float)std::min(1.0, 4 * CV_PI * area / (perimeter * perimeter));
            b->left = box.x;
            b->top = box.y;
            b->width = box.width;
            b->height = box.height;
            (*count)++;
        }
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "blobs", e);
    }
}

// ------------------------------------------------------------------ ArUco

static_assert(ROMCV_CV_ARUCO_4X4_50 == cv::aruco::DICT_4X4_50,
              "cv_bridge.h's dictionary numbers are OpenCV's");

namespace {

// Only the dictionaries cv_bridge.h names; any other number is refused
// rather than handed to getPredefinedDictionary, which throws on it.
bool dictionary_ok(int dictionary) {
    return dictionary == ROMCV_CV_ARUCO_4X4_50;
}

} // namespace

extern "C" int romcv__cv_aruco_detect(const RomcvFrame *frame, int dictionary, float min_side_px,
                                      int refine_half_px, RomcvCvAruco *out, int max, int *count,
                                      int *total, RomcvDiag *diag) {
    if (!frame_ok(frame) || !dictionary_ok(dictionary) || !(min_side_px >= 1) ||
        !std::isfinite(min_side_px) || refine_half_px < 1 || refine_half_px > 15 || max < 0 ||
        (max > 0 && !out) || !count || !total) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco_detect: invalid arguments");
    }
    *count = 0;
    *total = 0;
    try {
        cv::Ptr<cv::aruco::Dictionary> dict = cv::aruco::getPredefinedDictionary(dictionary);
        cv::Ptr<cv::aruco::DetectorParameters> params = cv::aruco::DetectorParameters::create();
        // Sub-pixel corners (cornerSubPix on each corner): the centre is the
        // crossing of the diagonals, and without refinement the corners are
        // the polygon fit's whole pixels.
        params->cornerRefinementMethod = cv::aruco::CORNER_REFINE_SUBPIX;
        params->cornerRefinementWinSize = refine_half_px;
        params->cornerRefinementMinAccuracy = 0.01;
        params->cornerRefinementMaxIterations = 50;
        // Each bit is read from the middle 40 % of its cell (OpenCV's default
        // margin 0.13 reads 74 %): on a marker of 2.5-4 px a cell the cell
        // edges are blurred over a pixel, and on the phantom's 15 px squares
        // the default decoded 1 to 4 of 5 markers a frame, this all 5.
        params->perspectiveRemoveIgnoredMarginPerCell = 0.3;
        // The smallest marker in px, whatever the frame size: OpenCV takes
        // the perimeter as a rate of the larger side (default 0.03, i.e. a
        // 9.6 px square at 1280 px, 14 px at 1920).
        params->minMarkerPerimeterRate =
            4.0 * min_side_px / (double)std::max(frame->width, frame->height);
        std::vector<std::vector<cv::Point2f>> corners;
        std::vector<int> ids;
        cv::aruco::detectMarkers(luma(frame), dict, corners, ids, params);
        *total = (int)ids.size();
        for (size_t i = 0; i < ids.size() && *count < max; i++) {
            if (corners[i].size() != 4) {
                continue;
            }
            RomcvCvAruco *m = &out[*count];
            m->id = ids[i];
            for (int k = 0; k < 4; k++) {
                // OpenCV's pixel centres are integers; romcv's are at +0.5.
                m->x[k] = corners[i][(size_t)k].x + 0.5f;
                m->y[k] = corners[i][(size_t)k].y + 0.5f;
            }
            (*count)++;
        }
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "aruco_detect", e);
    }
}

extern "C" int romcv__cv_aruco_bits(int dictionary, int id, uint8_t *bits, int max_bits, int *cells,
                                    RomcvDiag *diag) {
    if (!dictionary_ok(dictionary) || !bits || !cells) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco_bits: invalid arguments");
    }
    *cells = 0;
    try {
        cv::Ptr<cv::aruco::Dictionary> dict = cv::aruco::getPredefinedDictionary(dictionary);
        if (id < 0 || id >= dict->bytesList.rows) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                  "aruco: id %d is not in the dictionary "
                                  "(0..%d)",
                                  id, dict->bytesList.rows - 1);
        }
        int n = dict->markerSize + 2; // the bits and a one-cell black border
        if (n * n > max_bits) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco_bits: %d cells do not fit",
                                  n * n);
        }
        cv::Mat image;
        // One pixel per cell: drawMarker's image is then the pattern itself.
        cv::aruco::drawMarker(dict, id, n, image, 1);
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                bits[r * n + c] = image.at<uint8_t>(r, c) > 127;
            }
        }
        *cells = n;
        return 0;
    } catch (const std::exception &e) {
        return external_error(diag, "aruco_bits", e);
    }
}

extern "C" int romcv__cv_aruco_dictionary_size(int dictionary) {
    if (!dictionary_ok(dictionary)) {
        return ROMCV_ERR(EINVAL);
    }
    try {
        return cv::aruco::getPredefinedDictionary(dictionary)->bytesList.rows;
    } catch (const std::exception &) {
        return ROMCV_E_EXTERNAL;
    }
}
