/* tests/capture/test_capture_builtin.c: the built-in test card, the default input of
 * `romcv analyze`. */
#include "testutil.h"

#include "capture/internal.h"
#include "romcv/capture.h"

#include <math.h>
#include <string.h>

static RomcvCapture *open_card(double from_s, double to_s) {
    RomcvCaptureSettings settings;
    romcv_capture_default_settings(&settings);
    settings.input = "builtin:testcard";
    settings.from_s = from_s;
    settings.to_s = to_s;
    RomcvCapture *capture = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_capture_open(&capture, &settings, &diag) == 0, "%s", diag.message);
    return capture;
}

START_TEST(every_frame_in_order_with_exact_times) {
    RomcvCapture *capture = open_card(0, -1);
    const RomcvCaptureInfo *info = romcv_capture_info(capture);
    ck_assert_int_eq(info->kind, ROMCV_CAPTURE_BUILTIN);
    ck_assert_int_eq(info->width, 640);
    ck_assert_int_eq(info->height, 360);
    RomcvFrame *frame;
    int64_t n = 0;
    int rc;
    while ((rc = romcv_capture_receive(capture, &frame)) == 0) {
        ck_assert_int_eq(frame->index, n);
        /* The pixels say which frame this is: no frame dropped or reordered. */
        ck_assert_int_eq(romcv__testcard_decode_index(frame), n);
        ck_assert_double_eq_tol(frame->time_s, n * 1001.0 / 30000.0, 1e-12);
        romcv_frame_unref(&frame);
        n++;
    }
    ck_assert_int_eq(rc, ROMCV_E_EOF);
    ck_assert_int_eq(n, 90);
    ck_assert_int_eq(romcv_capture_info(capture)->frames_delivered, 90);
    romcv_capture_close(&capture);
}
END_TEST

START_TEST(trimming_is_frame_accurate) {
    /* Frame 30 is at 1.001 s, frame 60 at 2.002 s. */
    RomcvCapture *capture = open_card(1.001, 2.002);
    RomcvFrame *frame;
    int64_t first = -1, last = -1, n = 0;
    while (romcv_capture_receive(capture, &frame) == 0) {
        int64_t shown = romcv__testcard_decode_index(frame);
        if (first < 0) {
            first = shown;
        }
        last = shown;
        n++;
        romcv_frame_unref(&frame);
    }
    ck_assert_int_eq(first, 30);
    ck_assert_int_eq(last, 60);
    ck_assert_int_eq(n, 31);
    romcv_capture_close(&capture);
}
END_TEST

START_TEST(unknown_builtin_is_named) {
    RomcvCaptureSettings settings;
    romcv_capture_default_settings(&settings);
    settings.input = "builtin:nothing-here";
    RomcvCapture *capture = NULL;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_capture_open(&capture, &settings, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_ptr_null(capture);
    ck_assert_ptr_nonnull(strstr(diag.message, "builtin:nothing-here"));
    ck_assert_ptr_nonnull(strstr(diag.message, "builtin:testcard"));
    ck_assert_ptr_nonnull(strstr(diag.message, "builtin:phantom"));
}
END_TEST

START_TEST(barcode_rejects_other_pixels) {
    RomcvFrame *frame;
    ck_assert_int_eq(romcv_frame_create(&frame, 640, 360, ROMCV_PIX_RGB24), 0);
    memset(frame->data, 128, (size_t)frame->stride * 360);
    ck_assert_int_eq(romcv__testcard_decode_index(frame), -1);
    romcv_frame_unref(&frame);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("capture_builtin");
    TCase *tc = tcase_create("testcard");
    tcase_add_test(tc, every_frame_in_order_with_exact_times);
    tcase_add_test(tc, trimming_is_frame_accurate);
    tcase_add_test(tc, unknown_builtin_is_named);
    tcase_add_test(tc, barcode_rejects_other_pixels);
    suite_add_tcase(suite, tc);
    return romcv_test_main(suite);
}
