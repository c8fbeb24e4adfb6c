/* tests/calib/test_camera.c: the camera model of romcv/calib.h: the camera
 * file (round trip, every validation error with its position), and point
 * undistortion checked against OpenCV's projectPoints through the bridge. */
#include "testutil.h"

#include "romcv/calib.h"
#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A wide-angle phone-like camera: strong barrel distortion, slight
 * decentring, off-centre principal point. */
static RomcvCameraModel wide_camera(void) {
    RomcvCameraModel c;
    romcv_calib_camera_ideal(&c, 1280, 720, 900);
    c.fy = 905;
    c.cx = 645.5;
    c.cy = 357.25;
    c.k1 = -0.28;
    c.k2 = 0.09;
    c.p1 = 0.0012;
    c.p2 = -0.0007;
    c.k3 = -0.012;
    c.reprojection_rms_px = 0.23;
    c.views = 17;
    return c;
}

static const char *good_file = "{\n"
                               "  \"format\": \"romcv-camera\",\n"
                               "  \"version\": 1,\n"
                               "  \"image\": {\"width\": 1280, \"height\": 720},\n"
                               "  \"intrinsics\": {\"fx\": 900, \"fy\": 905, \"cx\": 640, "
                               "\"cy\": 360},\n"
                               "  \"distortion\": {\"model\": \"opencv-brown-conrady\", "
                               "\"k1\": -0.1, \"k2\": 0.01, \"p1\": 0, \"p2\": 0, \"k3\": 0}\n"
                               "}\n";

START_TEST(test_round_trip) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "camera.json");
    RomcvCameraModel c = wide_camera(), back;
    memset(&back, 0, sizeof(back));
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calib_camera_save(&c, path, &diag), 0);
    ck_assert_msg(romcv_calib_camera_load(&back, path, &diag) == 0, "%s", diag.message);
    /* Numbers are written in their shortest round-trip form: exact. */
    ck_assert(memcmp(&c, &back, sizeof(c)) == 0);
    size_t size = 0;
    char *text = romcv_test_read_file(path, &size);
    ck_assert_ptr_nonnull(strstr(text, "\"version\": 1"));
    ck_assert_ptr_nonnull(strstr(text, "\"fy\": 905"));
    free(text);
    /* No temporary file is left beside it. */
    char command[4200];
    char output[256];
    snprintf(command, sizeof(command), "ls -A '%s'", dir);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof(output)), 0);
    ck_assert_str_eq(output, "camera.json\n");
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_parse_good_and_optional) {
    RomcvCameraModel c;
    RomcvDiag diag = {0};
    ck_assert_msg(
        romcv_calib_camera_parse(&c, good_file, strlen(good_file), "camera.json", &diag) == 0, "%s",
        diag.message);
    ck_assert_int_eq(c.width, 1280);
    ck_assert(c.fx == 900 && c.fy == 905 && c.k1 == -0.1 && c.views == 0);
    ck_assert(c.reprojection_rms_px == 0);
}
END_TEST

/* Replaces the first occurrence of from in good_file by to, parses it and
 * expects failure with a message containing expect. */
static void expect_error(const char *from, const char *to, const char *expect) {
    char text[2048];
    const char *at = strstr(good_file, from);
    ck_assert_msg(at != NULL, "test bug: %s", from);
    snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good_file), good_file, to,
             at + strlen(from));
    RomcvCameraModel c;
    memset(&c, 0x5a, sizeof(c));
    RomcvCameraModel before = c;
    RomcvDiag diag = {0};
    int rc = romcv_calib_camera_parse(&c, text, strlen(text), "camera.json", &diag);
    ck_assert_int_eq(rc, ROMCV_E_INVALID_DATA);
    ck_assert_msg(strstr(diag.message, expect) != NULL, "expected '%s' in '%s'", expect,
                  diag.message);
    ck_assert(memcmp(&c, &before, sizeof(c)) == 0); /* untouched on failure */
}

START_TEST(test_parse_errors) {
    expect_error("\"fx\": 900", "\"fx\": -3", "camera.json:5:24: fx must be positive");
    expect_error("\"fx\": 900", "\"fx\": 0", "fx must be positive");
    expect_error("\"fx\": 900", "\"fx\": \"900\"",
                 "camera.json:5:24: fx must be a number, "
                 "found string");
    expect_error("\"version\": 1", "\"version\": 2", "camera.json:3:14: version 2 is newer");
    expect_error("\"version\": 1", "\"version\": 1.5", "version must be an integer");
    expect_error("\"version\": 1,", "", "camera.json: missing \"version\"");
    expect_error("\"romcv-camera\"", "\"other\"", "format must be \"romcv-camera\"");
    expect_error("\"width\": 1280", "\"width\": 1280.5", "width must be an integer");
    expect_error("\"width\": 1280", "\"width\": 0", "width must be between 1 and 16384");
    expect_error("\"cx\": 640", "\"cx\": 2000", "cx must lie inside the 1280 px wide image");
    expect_error("\"k1\": -0.1", "\"k1\": -1e9", "k1 must be between -1000 and 1000");
    expect_error("\"p1\": 0", "\"p1\": 3", "p1 must be between -1 and 1");
    expect_error("\"fy\": 905", "\"fY\": 905", "camera.json:5:35: unknown member \"fY\"");
    expect_error(", \"k3\": 0", "", "camera.json:6:17: distortion: missing \"k3\"");
    expect_error("\"opencv-brown-conrady\"", "\"fisheye\"", "distortion model must be");
    expect_error("\"image\"", "\"imagery\"", "unknown member \"imagery\"");
    expect_error("{\"width\"", "[\"width\"", "camera.json:4:20: expected ',' or ']'"); /* json.c */
    expect_error("\"fx\": 900,", "\"fx\": 900,,", "camera.json:5:");
}
END_TEST

START_TEST(test_load_missing_and_not_object) {
    RomcvCameraModel c;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calib_camera_load(&c, "/nonexistent/camera.json", &diag),
                     ROMCV_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.message, "/nonexistent/camera.json"));
    ck_assert_int_eq(romcv_calib_camera_parse(&c, "[1]", 3, "c.json", &diag), ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "c.json:1:1: a camera file is a JSON object, found array");
    ck_assert_int_eq(romcv_calib_camera_parse(&c, "{}", 2, "c.json", &diag), ROMCV_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(diag.message, "not a romcv camera file"));
}
END_TEST

START_TEST(test_validate) {
    RomcvCameraModel c = wide_camera();
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calib_camera_validate(&c, "camera.json", &diag), 0);
    c.fx = -1;
    ck_assert_int_eq(romcv_calib_camera_validate(&c, "camera.json", &diag), ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "camera.json: fx must be positive (at most 1e+06), got -1");
    c = wide_camera();
    c.k2 = NAN;
    ck_assert_int_eq(romcv_calib_camera_validate(&c, NULL, &diag), ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "k2 must be a finite number");
    /* save validates too, and writes nothing. */
    ck_assert_int_eq(romcv_calib_camera_save(&c, "/nonexistent/x.json", &diag),
                     ROMCV_E_INVALID_DATA);
}
END_TEST

/* A grid of points on the plane z = 1 seen by the identity pose: their
 * ideal pixels are fx X + cx, fy Y + cy; OpenCV's projectPoints gives where
 * the lens puts them. Undistorting OpenCV's pixels must give the ideal ones. */
START_TEST(test_undistort_against_opencv) {
    RomcvCameraModel c = wide_camera();
    enum { NX = 33, NY = 19, N = NX * NY };
    double *object = malloc(sizeof(double) * 3 * N);
    double *u = malloc(sizeof(double) * N), *v = malloc(sizeof(double) * N);
    ck_assert(object && u && v);
    for (int j = 0; j < NY; j++) {
        for (int i = 0; i < NX; i++) {
            int k = j * NX + i;
            /* The whole frame and a little beyond (-2..1282 px by -2..722 px,
             * ideal), where wide-angle landmarks of hands and feet fall. */
            object[3 * k] = (-2 + 1284.0 * i / (NX - 1) - c.cx) / c.fx;
            object[3 * k + 1] = (-2 + 724.0 * j / (NY - 1) - c.cy) / c.fy;
            object[3 * k + 2] = 1;
        }
    }
    double rvec[3] = {0, 0, 0}, tvec[3] = {0, 0, 0};
    double intrinsics[4] = {c.fx, c.fy, c.cx, c.cy};
    double distortion[5] = {c.k1, c.k2, c.p1, c.p2, c.k3};
    RomcvDiag diag = {0};
    ck_assert_int_eq(
        romcv__cv_project_points(N, object, rvec, tvec, intrinsics, distortion, u, v, &diag), 0);
    double worst = 0, worst_forward = 0, shift = 0;
    for (int k = 0; k < N; k++) {
        double ideal_x = object[3 * k] * c.fx + c.cx, ideal_y = object[3 * k + 1] * c.fy + c.cy;
        double x, y, dx, dy;
        ck_assert_int_eq(romcv_calib_undistort_point(&c, u[k], v[k], &x, &y), 0);
        worst = fmax(worst, hypot(x - ideal_x, y - ideal_y));
        romcv_calib_distort_point(&c, ideal_x, ideal_y, &dx, &dy);
        worst_forward = fmax(worst_forward, hypot(dx - u[k], dy - v[k]));
        shift = fmax(shift, hypot(u[k] - ideal_x, v[k] - ideal_y));
    }
    /* The distortion is real (tens of pixels at the corners)... */
    ck_assert_msg(shift > 50, "distortion moves points only %.1f px", shift);
    /* ...and is undone exactly: the issue asks for 0.1 px. */
    ck_assert_msg(worst < 1e-4, "undistortion off by %.3g px", worst);
    ck_assert_msg(worst_forward < 1e-6, "forward model off OpenCV's by %.3g px", worst_forward);

    /* The float version, in place, with missing landmarks. */
    float fx[3] = {(float)u[0], NAN, (float)u[N - 1]};
    float fy[3] = {(float)v[0], 5, (float)v[N - 1]};
    ck_assert_uint_eq(romcv_calib_undistort_points(&c, fx, fy, 3), 0);
    ck_assert(isnan(fx[1]) && isnan(fy[1]));
    ck_assert(fabsf(fx[0] - (float)(object[0] * c.fx + c.cx)) < 1e-3f);
    ck_assert(fabsf(fy[2] - (float)(object[3 * (N - 1) + 1] * c.fy + c.cy)) < 1e-3f);
    free(object);
    free(u);
    free(v);
}
END_TEST

START_TEST(test_undistort_does_not_invent) {
    /* Far outside the field, barrel distortion folds over (the radius stops
     * growing): no unique answer, so the point is reported, not guessed. */
    RomcvCameraModel c = wide_camera();
    c.k2 = 0;
    c.k3 = 0;
    c.k1 = -0.5;
    double x, y;
    ck_assert_int_eq(romcv_calib_undistort_point(&c, c.cx + 20 * c.fx, c.cy, &x, &y),
                     ROMCV_E_INVALID_DATA);
    ck_assert(isnan(x) && isnan(y));
    float px = (float)(c.cx + 20 * c.fx), py = (float)c.cy;
    ck_assert_uint_eq(romcv_calib_undistort_points(&c, &px, &py, 1), 1);
    /* No distortion: the identity. */
    RomcvCameraModel ideal;
    romcv_calib_camera_ideal(&ideal, 640, 480, 500);
    ck_assert_int_eq(romcv_calib_undistort_point(&ideal, 12.25, 470.5, &x, &y), 0);
    ck_assert(fabs(x - 12.25) < 1e-9 && fabs(y - 470.5) < 1e-9);
}
END_TEST

START_TEST(test_fit_to) {
    RomcvCameraModel c = wide_camera();
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_calib_camera_fit_to(&c, 1280, 720, "camera.json", &diag), 0);
    ck_assert(c.fx == 900);
    /* Half the size: a point's ideal position scales with the image. */
    double x, y;
    romcv_calib_distort_point(&c, 100, 50, &x, &y);
    ck_assert_int_eq(romcv_calib_camera_fit_to(&c, 640, 360, "camera.json", &diag), 0);
    ck_assert(c.fx == 450 && c.width == 640);
    double hx, hy;
    romcv_calib_distort_point(&c, (100 + 0.5) / 2 - 0.5, (50 + 0.5) / 2 - 0.5, &hx, &hy);
    ck_assert(fabs(hx - ((x + 0.5) / 2 - 0.5)) < 1e-9 && fabs(hy - ((y + 0.5) / 2 - 0.5)) < 1e-9);
    ck_assert_int_eq(romcv_calib_camera_fit_to(&c, 360, 640, "camera.json", &diag),
                     ROMCV_E_INVALID_DATA);
    ck_assert_str_eq(diag.message, "camera.json: calibrated for 640x360 frames, the video is "
                                   "360x640 (rotated); calibrate at the resolution and "
                                   "orientation you record");
}
END_TEST

static Suite *camera_suite(void) {
    Suite *s = suite_create("calib_camera");
    TCase *tc = tcase_create("camera");
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_parse_good_and_optional);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_load_missing_and_not_object);
    tcase_add_test(tc, test_validate);
    tcase_add_test(tc, test_undistort_against_opencv);
    tcase_add_test(tc, test_undistort_does_not_invent);
    tcase_add_test(tc, test_fit_to);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(camera_suite());
}
