// vision/cv_bridge.cpp: OpenCV's C++ API behind the C functions of
// cv_bridge.h. The only C++ file in romcv (DEVELOPERS.md: "no C++ anywhere
// else"). Every entry point catches every exception: C callers cannot unwind.
#include "vision/cv_bridge.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

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
