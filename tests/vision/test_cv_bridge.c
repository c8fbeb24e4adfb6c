/* tests/vision/test_cv_bridge.c: the C interface to OpenCV. */
#include "testutil.h"

#include "vision/cv_bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t *pixel(RomcvFrame *f, int x, int y) {
    return f->data + (size_t)y * f->stride + (size_t)x * 3;
}

/* A frame whose every pixel says where it is: R = x, G = y, B = x ^ y. */
static RomcvFrame *make_pattern(int width, int height) {
    RomcvFrame *f;
    ck_assert_int_eq(romcv_frame_create(&f, width, height, ROMCV_PIX_RGB24), 0);
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            uint8_t *p = pixel(f, x, y);
            p[0] = (uint8_t)x;
            p[1] = (uint8_t)y;
            p[2] = (uint8_t)(x ^ y);
        }
    }
    return f;
}

START_TEST(png_round_trip_keeps_rgb_order) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "pattern.png");
    RomcvFrame *written = make_pattern(37, 29);
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__cv_image_write(path, written, 0, &diag) == 0, "%s", diag.message);
    char *tmp = romcv_test_path(dir, "pattern.tmp.png");
    ck_assert_int_ne(access(tmp, F_OK), 0); /* renamed into place */
    RomcvFrame *read;
    ck_assert_msg(romcv__cv_image_read(path, &read, &diag) == 0, "%s", diag.message);
    ck_assert_int_eq(read->width, 37);
    ck_assert_int_eq(read->height, 29);
    for (int y = 0; y < 29; y++) {
        ck_assert_int_eq(memcmp(pixel(read, 0, y), pixel(written, 0, y), 37 * 3), 0);
    }
    romcv_frame_unref(&read);
    romcv_frame_unref(&written);
    free(tmp);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(read_errors_name_the_file) {
    char *dir = romcv_test_make_tmpdir();
    char *missing = romcv_test_path(dir, "missing.png");
    RomcvFrame *frame = (RomcvFrame *)0x1;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__cv_image_read(missing, &frame, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_ptr_null(frame);
    ck_assert_ptr_nonnull(strstr(diag.message, missing));
    char *text = romcv_test_path(dir, "notes.png");
    romcv_test_write_file(text, "not an image", 12);
    ck_assert_int_eq(romcv__cv_image_read(text, &frame, &diag), ROMCV_E_INVALID_DATA);
    ck_assert_ptr_nonnull(strstr(diag.message, text));
    free(missing);
    free(text);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(write_error_leaves_nothing) {
    RomcvFrame *frame = make_pattern(8, 8);
    RomcvDiag diag = {0};
    int rc = romcv__cv_image_write("/nonexistent-dir/out.png", frame, 0, &diag);
    ck_assert_int_lt(rc, 0);
    ck_assert_ptr_nonnull(strstr(diag.message, "/nonexistent-dir/out.png"));
    ck_assert_int_lt(romcv__cv_image_write("/tmp/noextension", frame, 0, &diag), 0);
    romcv_frame_unref(&frame);
}
END_TEST

START_TEST(resize_area_averages) {
    RomcvFrame *src, *dst;
    ck_assert_int_eq(romcv_frame_create(&src, 4, 2, ROMCV_PIX_RGB24), 0);
    ck_assert_int_eq(romcv_frame_create(&dst, 2, 1, ROMCV_PIX_RGB24), 0);
    /* Left 2x2 block: red 10 and 30; right block: blue 200. */
    for (int y = 0; y < 2; y++) {
        pixel(src, 0, y)[0] = 10;
        pixel(src, 1, y)[0] = 30;
        pixel(src, 2, y)[2] = 200;
        pixel(src, 3, y)[2] = 200;
    }
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__cv_resize(src, dst, ROMCV_CV_AREA, &diag), 0);
    ck_assert_int_eq(pixel(dst, 0, 0)[0], 20);
    ck_assert_int_eq(pixel(dst, 0, 0)[2], 0);
    ck_assert_int_eq(pixel(dst, 1, 0)[2], 200);
    romcv_frame_unref(&src);
    romcv_frame_unref(&dst);
}
END_TEST

START_TEST(warp_affine_maps_destination_to_source) {
    RomcvFrame *src = make_pattern(16, 16);
    RomcvFrame *dst;
    ck_assert_int_eq(romcv_frame_create(&dst, 16, 16, ROMCV_PIX_RGB24), 0);
    RomcvDiag diag = {0};
    /* dst(x, y) = src(x + 3, y + 2): a shift left and up. */
    const double shift[6] = {1, 0, 3, 0, 1, 2};
    ck_assert_int_eq(romcv__cv_warp_affine(src, dst, shift, 77, &diag), 0);
    ck_assert_int_eq(pixel(dst, 0, 0)[0], 3);
    ck_assert_int_eq(pixel(dst, 0, 0)[1], 2);
    ck_assert_int_eq(pixel(dst, 5, 7)[0], 8);
    ck_assert_int_eq(pixel(dst, 5, 7)[1], 9);
    /* Sampled from outside the source: the border value. */
    ck_assert_int_eq(pixel(dst, 15, 15)[0], 77);
    ck_assert_int_eq(pixel(dst, 15, 15)[2], 77);
    romcv_frame_unref(&src);
    romcv_frame_unref(&dst);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("cv_bridge");
    TCase *tc = tcase_create("cv_bridge");
    tcase_add_test(tc, png_round_trip_keeps_rgb_order);
    tcase_add_test(tc, read_errors_name_the_file);
    tcase_add_test(tc, write_error_leaves_nothing);
    tcase_add_test(tc, resize_area_averages);
    tcase_add_test(tc, warp_affine_maps_destination_to_source);
    suite_add_tcase(suite, tc);
    return romcv_test_main(suite);
}
