/*
 * fuzz/fuzz_camera.c: camera files (docs/camera-file.md) are read from
 * wherever the user points --camera, so they are untrusted input. Each input
 * is parsed; a file that validates is then used the way analyze uses it
 * (fitted to a frame size, points undistorted and distorted again), which
 * must stay finite or report the point as lost, never crash or hang.
 */
#include "romcv/calib.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    RomcvCameraModel camera;
    RomcvDiag diag;
    if (romcv_calib_camera_parse(&camera, (const char *)data, size, "fuzz.json", &diag) != 0) {
        return 0;
    }
    /* Half the size keeps the aspect ratio, so fit_to rescales. */
    RomcvCameraModel fitted = camera;
    if (romcv_calib_camera_fit_to(&fitted, (camera.width + 1) / 2, (camera.height + 1) / 2,
                                  "fuzz.json", &diag) != 0) {
        fitted = camera;
    }
    float x[5] = {0.0f, (float)fitted.width / 2, (float)fitted.width - 1, 10.0f, NAN};
    float y[5] = {0.0f, (float)fitted.height / 2, (float)fitted.height - 1, -10.0f, 3.0f};
    romcv_calib_undistort_points(&fitted, x, y, 5);
    for (int i = 0; i < 5; i++) {
        double xd, yd;
        if (isfinite(x[i]) && isfinite(y[i])) {
            romcv_calib_distort_point(&fitted, x[i], y[i], &xd, &yd);
        }
    }
    return 0;
}
