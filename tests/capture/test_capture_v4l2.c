/*
 * tests/capture/test_capture_v4l2.c: the V4L2 camera source and device
 * listing, run against a camera emulated in user space.
 *
 * There is no camera (and no vivid module) in CI, so this executable runs
 * itself again with tests/capture/fake_v4l2.c preloaded (FAKE_V4L2_LIBRARY,
 * set by CMake). The code under test is the production code, through the real
 * libv4l2 and its YUYV to RGB24 conversion; only the kernel side is emulated.
 * Each test runs in its own forked process and configures the emulated
 * camera through the FAKE_V4L2_* environment variables, which the shim reads
 * when the device is opened.
 *
 * The emulated camera (see fake_v4l2.c) sends grey YUYV frames whose luma is
 * Y(x, y, k) = 16 + (x + 2 y + 5 k) mod 220 for frame k, timestamped k frame
 * periods plus (k mod 3) * 2 ms after the start of streaming.
 */
#define _GNU_SOURCE
#include "capture/internal.h"
#include "romcv/capture.h"
#include "testutil.h"

#include <check.h>
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef FAKE_V4L2_LIBRARY
#error "FAKE_V4L2_LIBRARY must name the fake_v4l2 shared library"
#endif

/* Libv4l2's YUYV conversion is exact for grey; allow for a gamma or range
 * tweak should a later libv4lconvert add one. */
#define PIXEL_TOLERANCE 3
/* Driver timestamps have 1 us resolution; each time is a difference of two. */
#define TIME_TOLERANCE_S 3e-6

static int expected_luma(int x, int y, int64_t k) {
    return 16 + (int)((x + 2 * y + 5 * k) % 220);
}

static double expected_time_s(int64_t k, double fps) {
    return (double)k / fps + (double)(k % 3) * 0.002;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------- fixture */

/* A fresh directory holding the fake device node "video0" (an empty file:
 * the listing finds it with readdir, the shim answers for its path). */
typedef struct FakeCamera {
    char *dir;
    char *path;
} FakeCamera;

static FakeCamera fake_camera_setup(void) {
    FakeCamera cam;
    cam.dir = romcv_test_make_tmpdir();
    cam.path = romcv_test_path(cam.dir, "video0");
    romcv_test_write_file(cam.path, "", 0);
    ck_assert_int_eq(setenv("FAKE_V4L2_DEVICE", cam.path, 1), 0);
    return cam;
}

static void fake_camera_teardown(FakeCamera *cam) {
    free(cam->path);
    romcv_test_remove_tmpdir(cam->dir);
}

static RomcvCaptureSettings camera_settings(const char *path, int width, int height, double fps) {
    RomcvCaptureSettings s;
    romcv_capture_default_settings(&s);
    s.input = path;
    s.kind = ROMCV_CAPTURE_CAMERA;
    s.width = width;
    s.height = height;
    s.fps = fps;
    return s;
}

/* Opens the camera through the source's vtable, as capture.c does. */
static void *open_source(const RomcvCaptureSettings *s, RomcvCaptureInfo *info) {
    void *priv = NULL;
    RomcvDiag diag = {0};
    memset(info, 0, sizeof *info);
    int rc = romcv__capture_v4l2.open(&priv, s, info, &diag);
    ck_assert_msg(rc == 0, "open %s: %s (%s)", s->input, diag.message, romcv_err_name(rc));
    ck_assert_ptr_nonnull(priv);
    return priv;
}

/* Checks every pixel of frame k against the emulated camera's pattern. The
 * loop counts mismatches instead of asserting per pixel: each Check assert
 * costs a write to the parent process. */
static void check_pixels(const RomcvFrame *frame, int64_t k) {
    long bad = 0;
    int first_x = -1, first_y = -1, first_got = 0, first_want = 0;
    for (int y = 0; y < frame->height; y++) {
        const uint8_t *row = frame->data + (size_t)y * (size_t)frame->stride;
        for (int x = 0; x < frame->width; x++) {
            int want = expected_luma(x, y, k);
            for (int c = 0; c < 3; c++) {
                int got = row[3 * x + c];
                if (abs(got - want) > PIXEL_TOLERANCE) {
                    if (bad++ == 0) {
                        first_x = x;
                        first_y = y;
                        first_got = got;
                        first_want = want;
                    }
                }
            }
        }
    }
    ck_assert_msg(bad == 0,
                  "frame %lld: %ld channel values off; first at (%d, %d): got %d, expected %d",
                  (long long)k, bad, first_x, first_y, first_got, first_want);
}

/* ------------------------------------------------------------- listing */

START_TEST(test_list_shows_fake_device) {
    FakeCamera cam = fake_camera_setup();
    /* Not a V4L2 device: listed nodes must answer QUERYCAP. */
    char *other = romcv_test_path(cam.dir, "video1");
    romcv_test_write_file(other, "", 0);
    char *ignored = romcv_test_path(cam.dir, "videox");
    romcv_test_write_file(ignored, "", 0);

    RomcvCameraDevice *list = NULL;
    int count = -1;
    RomcvDiag diag = {0};
    int rc = romcv_camera_list(cam.dir, &list, &count, &diag);
    ck_assert_msg(rc == 0, "romcv_camera_list: %s", diag.message);
    ck_assert_int_eq(count, 1);
    ck_assert_str_eq(list[0].path, cam.path);
    ck_assert_str_eq(list[0].card, "Fake Camera");
    ck_assert_str_eq(list[0].driver, "fake_v4l2");
    ck_assert_str_eq(list[0].bus_info, "usb-fake-1");

    static const struct {
        int width, height;
        double fps;
    } want[] = {{640, 480, 30}, {640, 480, 15}, {320, 240, 30}, {320, 240, 15}};
    ck_assert_int_eq(list[0].mode_count, 4);
    for (int i = 0; i < 4; i++) {
        const RomcvCameraMode *m = &list[0].modes[i];
        ck_assert_str_eq(m->fourcc, "YUYV");
        ck_assert_int_eq(m->width, want[i].width);
        ck_assert_int_eq(m->height, want[i].height);
        ck_assert_double_eq_tol(m->fps, want[i].fps, 1e-9);
    }
    romcv_camera_list_free(&list, count);
    ck_assert_ptr_null(list);
    romcv_camera_list_free(&list, 0); /* NULL-safe */
    free(other);
    free(ignored);
    fake_camera_teardown(&cam);
}
END_TEST

START_TEST(test_list_empty_dir) {
    char *dir = romcv_test_make_tmpdir();
    RomcvCameraDevice *list = (RomcvCameraDevice *)&list; /* must be overwritten */
    int count = -1;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_camera_list(dir, &list, &count, &diag), 0);
    ck_assert_int_eq(count, 0);
    ck_assert_ptr_null(list);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_list_missing_dir) {
    RomcvCameraDevice *list;
    int count;
    RomcvDiag diag = {0};
    int rc = romcv_camera_list("/nonexistent/romcv-dev", &list, &count, &diag);
    ck_assert_int_eq(rc, ROMCV_ERR(ENOENT));
    ck_assert_ptr_nonnull(strstr(diag.message, "/nonexistent/romcv-dev"));
    ck_assert_ptr_null(list);
    ck_assert_int_eq(count, 0);
}
END_TEST

/* ------------------------------------------------------------- streaming */

START_TEST(test_stream_pixels_and_times) {
    FakeCamera cam = fake_camera_setup();
    RomcvCaptureSettings s = camera_settings(cam.path, 320, 240, 30);
    RomcvCaptureInfo info;
    void *priv = open_source(&s, &info);
    ck_assert_int_eq(info.kind, ROMCV_CAPTURE_CAMERA);
    ck_assert_str_eq(info.container, "v4l2");
    ck_assert_str_eq(info.codec, "YUYV");
    ck_assert_str_eq(info.device_name, "Fake Camera");
    ck_assert_int_eq(info.width, 320);
    ck_assert_int_eq(info.height, 240);
    ck_assert_double_eq_tol(info.nominal_fps, 30.0, 1e-9);
    ck_assert_int_eq(info.size_bytes, -1);

    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 4), 0);
    atomic_bool stop = false;
    for (int64_t k = 0; k < 8; k++) {
        RomcvFrame *frame = NULL;
        RomcvDiag diag = {0};
        int rc = romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag);
        ck_assert_msg(rc == 0, "frame %lld: %s", (long long)k, diag.message);
        ck_assert_int_eq(frame->width, 320);
        ck_assert_int_eq(frame->height, 240);
        ck_assert_int_eq(frame->format, ROMCV_PIX_RGB24);
        ck_assert_int_eq(frame->stride, romcv_frame_stride_for(320, ROMCV_PIX_RGB24));
        ck_assert_int_eq(frame->time_is_estimated, 0);
        ck_assert_msg(fabs(frame->time_s - expected_time_s(k, 30)) <= TIME_TOLERANCE_S,
                      "frame %lld: time %.6f s, expected %.6f s", (long long)k, frame->time_s,
                      expected_time_s(k, 30));
        check_pixels(frame, k);
        romcv_frame_unref(&frame);
    }
    ck_assert_int_eq(info.frames_lost, 0);
    ck_assert_int_eq(info.frames_without_pts, 0);
    romcv__capture_v4l2.close(priv);
    romcv_frame_pool_destroy(&pool);
    fake_camera_teardown(&cam);
}
END_TEST

START_TEST(test_driver_defaults) {
    FakeCamera cam = fake_camera_setup();
    RomcvCaptureSettings s = camera_settings(cam.path, 0, 0, 15);
    RomcvCaptureInfo info;
    void *priv = open_source(&s, &info);
    ck_assert_int_eq(info.width, 640);
    ck_assert_int_eq(info.height, 480);
    ck_assert_double_eq_tol(info.nominal_fps, 15.0, 1e-9);

    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 2), 0);
    atomic_bool stop = false;
    for (int64_t k = 0; k < 3; k++) {
        RomcvFrame *frame = NULL;
        RomcvDiag diag = {0};
        ck_assert_msg(romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag) == 0,
                      "%s", diag.message);
        ck_assert_int_eq(frame->width, 640);
        ck_assert_double_eq_tol(frame->time_s, expected_time_s(k, 15), TIME_TOLERANCE_S);
        check_pixels(frame, k);
        romcv_frame_unref(&frame);
    }
    romcv__capture_v4l2.close(priv);
    romcv_frame_pool_destroy(&pool);
    fake_camera_teardown(&cam);
}
END_TEST

START_TEST(test_skip_before) {
    FakeCamera cam = fake_camera_setup();
    RomcvCaptureSettings s = camera_settings(cam.path, 320, 240, 30);
    RomcvCaptureInfo info;
    void *priv = open_source(&s, &info);
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 2), 0);
    atomic_bool stop = false;
    RomcvFrame *frame = NULL;
    RomcvDiag diag = {0};
    /* Frames 0-2 are at 0, 35.3 and 70.7 ms; frame 3 at 100 ms. */
    ck_assert_int_eq(romcv__capture_v4l2.read(priv, pool, &info, 0.09, &stop, &frame, &diag), 0);
    ck_assert_double_eq_tol(frame->time_s, expected_time_s(3, 30), TIME_TOLERANCE_S);
    check_pixels(frame, 3);
    romcv_frame_unref(&frame);
    ck_assert_int_eq(romcv_frame_pool_allocations(pool), 1);
    romcv__capture_v4l2.close(priv);
    romcv_frame_pool_destroy(&pool);
    fake_camera_teardown(&cam);
}
END_TEST

/* ------------------------------------------------------------- failures */

START_TEST(test_unplug_after_frames) {
    FakeCamera cam = fake_camera_setup();
    setenv("FAKE_V4L2_FRAMES", "5", 1);
    RomcvCaptureSettings s = camera_settings(cam.path, 320, 240, 30);
    RomcvCaptureInfo info;
    void *priv = open_source(&s, &info);
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 4), 0);
    atomic_bool stop = false;
    RomcvDiag diag = {0};
    for (int64_t k = 0; k < 5; k++) {
        RomcvFrame *frame = NULL;
        ck_assert_msg(romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag) == 0,
                      "frame %lld: %s", (long long)k, diag.message);
        check_pixels(frame, k);
        romcv_frame_unref(&frame);
    }
    RomcvFrame *frame = NULL;
    double start = now_s();
    int rc = romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag);
    ck_assert_msg(rc == ROMCV_E_DEVICE_LOST, "got %s: %s", romcv_err_name(rc), diag.message);
    ck_assert_ptr_null(frame);
    ck_assert_double_lt(now_s() - start, 1.0);
    ck_assert_msg(strstr(diag.message, cam.path) && strstr(diag.message, "disconnected"),
                  "message: %s", diag.message);
    /* The source stays failed, without waiting. */
    start = now_s();
    ck_assert_int_eq(romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag),
                     ROMCV_E_DEVICE_LOST);
    ck_assert_double_lt(now_s() - start, 0.5);
    romcv__capture_v4l2.close(priv);
    romcv_frame_pool_destroy(&pool);
    fake_camera_teardown(&cam);
}
END_TEST

/* The same through the public API: every frame captured before the unplug
 * reaches the consumer, then the error. */
START_TEST(test_unplug_through_capture_api) {
    FakeCamera cam = fake_camera_setup();
    setenv("FAKE_V4L2_FRAMES", "6", 1);
    RomcvCaptureSettings s = camera_settings(cam.path, 320, 240, 30);
    RomcvCapture *cap = NULL;
    RomcvDiag diag = {0};
    int rc = romcv_capture_open(&cap, &s, &diag);
    ck_assert_msg(rc == 0, "romcv_capture_open: %s", diag.message);
    RomcvFrame *frame;
    int64_t n = 0;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        ck_assert_int_eq(frame->index, n);
        ck_assert_double_eq_tol(frame->time_s, expected_time_s(n, 30), TIME_TOLERANCE_S);
        check_pixels(frame, n);
        romcv_frame_unref(&frame);
        n++;
    }
    ck_assert_int_eq(n, 6);
    ck_assert_msg(rc == ROMCV_E_DEVICE_LOST, "got %s: %s", romcv_err_name(rc),
                  romcv_capture_errmsg(cap));
    ck_assert_ptr_nonnull(strstr(romcv_capture_errmsg(cap), cam.path));
    romcv_capture_close(&cap);
    fake_camera_teardown(&cam);
}
END_TEST

START_TEST(test_refuse_all_formats) {
    FakeCamera cam = fake_camera_setup();
    setenv("FAKE_V4L2_REFUSE_ALL", "1", 1);
    RomcvCaptureSettings s = camera_settings(cam.path, 320, 240, 30);
    RomcvCaptureInfo info = {0};
    void *priv = (void *)&info;
    RomcvDiag diag = {0};
    int rc = romcv__capture_v4l2.open(&priv, &s, &info, &diag);
    ck_assert_msg(rc == ROMCV_E_UNSUPPORTED, "got %s: %s", romcv_err_name(rc), diag.message);
    ck_assert_ptr_null(priv);
    ck_assert_msg(strstr(diag.message, cam.path) && strstr(diag.message, "H264") &&
                      strstr(diag.message, "refuses every format"),
                  "message: %s", diag.message);
    fake_camera_teardown(&cam);
}
END_TEST

START_TEST(test_stall_times_out) {
    FakeCamera cam = fake_camera_setup();
    setenv("FAKE_V4L2_STALL", "2", 1);
    RomcvCaptureSettings s = camera_settings(cam.path, 320, 240, 30);
    RomcvCaptureInfo info;
    void *priv = open_source(&s, &info);
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 2), 0);
    atomic_bool stop = false;
    RomcvDiag diag = {0};
    RomcvFrame *frame = NULL;
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag), 0);
        romcv_frame_unref(&frame);
    }
    double start = now_s();
    int rc = romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag);
    double waited = now_s() - start;
    ck_assert_msg(rc == ROMCV_ERR(ETIMEDOUT), "got %s: %s", romcv_err_name(rc), diag.message);
    ck_assert_msg(waited >= 4.5 && waited < 7.0, "waited %.2f s", waited);
    ck_assert_msg(strstr(diag.message, cam.path) && strstr(diag.message, "stopped sending"),
                  "message: %s", diag.message);
    romcv__capture_v4l2.close(priv);
    romcv_frame_pool_destroy(&pool);
    fake_camera_teardown(&cam);
}
END_TEST

typedef struct StopLater {
    atomic_bool *stop;
    double delay_s;
} StopLater;

static void *stop_later(void *arg) {
    StopLater *sl = arg;
    struct timespec ts = {0, (long)(sl->delay_s * 1e9)};
    nanosleep(&ts, NULL);
    atomic_store(sl->stop, true);
    return NULL;
}

/* A read waiting on a silent camera returns soon after stop is set. */
START_TEST(test_stop_interrupts_wait) {
    FakeCamera cam = fake_camera_setup();
    setenv("FAKE_V4L2_STALL", "0", 1);
    RomcvCaptureSettings s = camera_settings(cam.path, 320, 240, 30);
    RomcvCaptureInfo info;
    void *priv = open_source(&s, &info);
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 2), 0);
    atomic_bool stop = false;
    StopLater sl = {&stop, 0.3};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, stop_later, &sl), 0);
    RomcvDiag diag = {0};
    RomcvFrame *frame = NULL;
    double start = now_s();
    int rc = romcv__capture_v4l2.read(priv, pool, &info, 0.0, &stop, &frame, &diag);
    double waited = now_s() - start;
    pthread_join(thread, NULL);
    ck_assert_msg(rc == ROMCV_E_INTERRUPTED, "got %s: %s", romcv_err_name(rc), diag.message);
    ck_assert_msg(waited < 1.0, "waited %.2f s", waited);
    romcv__capture_v4l2.close(priv);
    romcv_frame_pool_destroy(&pool);
    fake_camera_teardown(&cam);
}
END_TEST

static int open_error(const char *input, RomcvDiag *diag) {
    RomcvCaptureSettings s = camera_settings(input, 0, 0, 30);
    RomcvCaptureInfo info = {0};
    void *priv = (void *)&info;
    int rc = romcv__capture_v4l2.open(&priv, &s, &info, diag);
    ck_assert_ptr_null(priv);
    return rc;
}

START_TEST(test_bad_device_paths) {
    FakeCamera cam = fake_camera_setup();
    RomcvDiag diag = {0};

    int rc = open_error("/nonexistent/video9", &diag);
    ck_assert_msg(rc == ROMCV_ERR(ENOENT), "got %s: %s", romcv_err_name(rc), diag.message);
    ck_assert_msg(strstr(diag.message, "/nonexistent/video9: no such camera"), "message: %s",
                  diag.message);

    /* A file that exists but is no V4L2 device. */
    char *file = romcv_test_path(cam.dir, "notes.txt");
    romcv_test_write_file(file, "x", 1);
    rc = open_error(file, &diag);
    ck_assert_msg(rc < 0 && strstr(diag.message, file) && strstr(diag.message, "not a V4L2"),
                  "got %s: %s", romcv_err_name(rc), diag.message);
    free(file);

    rc = open_error("camera:x", &diag);
    ck_assert_int_eq(rc, ROMCV_E_USAGE);
    ck_assert_ptr_nonnull(strstr(diag.message, "camera:x"));

    /* Indices count the cameras under /dev; there are never 1000. */
    rc = open_error("camera:999", &diag);
    ck_assert_msg(rc == ROMCV_E_NOT_FOUND, "got %s: %s", romcv_err_name(rc), diag.message);
    ck_assert_ptr_nonnull(strstr(diag.message, "camera:999"));
    fake_camera_teardown(&cam);
}
END_TEST

/* ------------------------------------------------------------- runner */

static int find_asan(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    if (info->dlpi_name && strstr(info->dlpi_name, "/libasan.so")) {
        snprintf(data, PATH_MAX, "%s", info->dlpi_name);
        return 1;
    }
    return 0;
}

/* Runs this program again with the shim preloaded. An ASan runtime must stay
 * first in LD_PRELOAD, or ASan refuses to start; ASan's interceptors then
 * forward to the shim. */
static int reexec_with_shim(char **argv) {
    if (getenv("ROMCV_TEST_V4L2_REEXEC")) {
        fprintf(stderr, "test_capture_v4l2: %s was preloaded but is not loaded\n",
                FAKE_V4L2_LIBRARY);
        return 1;
    }
    char asan[PATH_MAX] = "";
    dl_iterate_phdr(find_asan, asan);
    const char *old = getenv("LD_PRELOAD");
    size_t size = strlen(asan) + strlen(FAKE_V4L2_LIBRARY) + (old ? strlen(old) : 0) + 3;
    char *preload = malloc(size);
    if (!preload) {
        return 1;
    }
    snprintf(preload, size, "%s%s%s%s%s", asan, asan[0] ? ":" : "", FAKE_V4L2_LIBRARY,
             old && *old ? ":" : "", old && *old ? old : "");
    setenv("LD_PRELOAD", preload, 1);
    setenv("ROMCV_TEST_V4L2_REEXEC", "1", 1);
    free(preload);
    execv("/proc/self/exe", argv);
    perror("test_capture_v4l2: execv /proc/self/exe");
    return 1;
}

static Suite *v4l2_suite(void) {
    Suite *suite = suite_create("capture_v4l2");
    TCase *list = tcase_create("list");
    tcase_add_test(list, test_list_shows_fake_device);
    tcase_add_test(list, test_list_empty_dir);
    tcase_add_test(list, test_list_missing_dir);
    suite_add_tcase(suite, list);

    TCase *stream = tcase_create("stream");
    tcase_add_test(stream, test_stream_pixels_and_times);
    tcase_add_test(stream, test_driver_defaults);
    tcase_add_test(stream, test_skip_before);
    suite_add_tcase(suite, stream);

    TCase *failures = tcase_create("failures");
    tcase_set_timeout(failures, 20);
    tcase_add_test(failures, test_unplug_after_frames);
    tcase_add_test(failures, test_unplug_through_capture_api);
    tcase_add_test(failures, test_refuse_all_formats);
    tcase_add_test(failures, test_stall_times_out);
    tcase_add_test(failures, test_stop_interrupts_wait);
    tcase_add_test(failures, test_bad_device_paths);
    suite_add_tcase(suite, failures);
    return suite;
}

int main(int argc, char **argv) {
    (void)argc;
    if (!dlsym(RTLD_DEFAULT, "fake_v4l2_loaded")) {
        return reexec_with_shim(argv);
    }
    return romcv_test_main(v4l2_suite());
}
