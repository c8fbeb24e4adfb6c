/*
 * tests/capture/test_capture_images.c: folders and glob patterns of PNG/JPEG
 * images through the image sequence source: natural order, times from the
 * frame rate, EXIF orientation, and the errors for mixed sizes, empty
 * folders and files that are not images.
 */
#include "testutil.h"

#include "romcv/capture.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void run_ok(const char *command) {
    char output[4096];
    int rc = romcv_test_run(command, output, sizeof output);
    ck_assert_msg(rc == 0, "%s failed (%d): %s", command, rc, output);
}

/* Writes count PNGs name1.png .. nameN.png of width x height; image k
 * (1-based) has red = (k - 1) * 20 everywhere, so its place shows. */
static void make_pngs(const char *dir, const char *name, int count, int width, int height) {
    char command[4096];
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i color=c=black:s=%dx%d:r=1 "
             "-vf 'format=gbrp,geq=r=N*20:g=128:b=64' -frames:v %d -pix_fmt rgb24 "
             "-start_number 1 '%s/%s%%d.png'",
             width, height, count, dir, name);
    run_ok(command);
}

static RomcvCapture *open_ok(const char *input, double fps) {
    RomcvCaptureSettings s;
    romcv_capture_default_settings(&s);
    s.input = input;
    s.fps = fps;
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    int rc = romcv_capture_open(&cap, &s, &diag);
    ck_assert_msg(rc == 0, "open %s: %d %s", input, rc, diag.message);
    return cap;
}

static void check_open_fails(const char *input, const char *names, const char *key) {
    RomcvCaptureSettings s;
    romcv_capture_default_settings(&s);
    s.input = input;
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    int rc = romcv_capture_open(&cap, &s, &diag);
    ck_assert_msg(rc < 0, "%s: open succeeded", input);
    ck_assert_ptr_null(cap);
    ck_assert_msg(strstr(diag.message, names), "message does not name %s: %s", names, diag.message);
    ck_assert_msg(strstr(diag.message, key), "message lacks \"%s\": %s", key, diag.message);
}

START_TEST(test_natural_order_and_times) {
    char *dir = romcv_test_make_tmpdir();
    make_pngs(dir, "f", 12, 16, 8);
    /* Not an image: ignored in a folder. */
    char *notes = romcv_test_path(dir, "notes.txt");
    romcv_test_write_file(notes, "x", 1);

    RomcvCapture *cap = open_ok(dir, 10.0);
    const RomcvCaptureInfo *info = romcv_capture_info(cap);
    ck_assert_int_eq(info->kind, ROMCV_CAPTURE_IMAGES);
    ck_assert_int_eq(info->frames_expected, 12);
    ck_assert_int_eq(info->width, 16);
    ck_assert_int_eq(info->height, 8);
    ck_assert_str_eq(info->codec, "png");
    RomcvFrame *frame;
    int n = 0, rc;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        /* f1, f2, ..., f9, f10, f11, f12: red grows with the number. */
        ck_assert_int_eq(frame->data[0], n * 20);
        ck_assert_int_eq(frame->data[1], 128);
        ck_assert_int_eq(frame->data[2], 64);
        ck_assert_double_eq_tol(frame->time_s, n / 10.0, 1e-12);
        ck_assert_int_eq(frame->index, n);
        ck_assert_int_eq(frame->time_is_estimated, 0);
        romcv_frame_unref(&frame);
        n++;
    }
    ck_assert_int_eq(rc, ROMCV_E_EOF);
    ck_assert_int_eq(n, 12);
    ck_assert_int_eq(romcv_capture_info(cap)->frames_delivered, 12);
    romcv_capture_close(&cap);
    free(notes);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_glob_and_trim) {
    char *dir = romcv_test_make_tmpdir();
    make_pngs(dir, "a", 12, 16, 8);
    make_pngs(dir, "b", 3, 8, 8); /* other size, not matched by the pattern */
    char *pattern = romcv_test_path(dir, "a*.png");
    RomcvCaptureSettings s;
    romcv_capture_default_settings(&s);
    s.input = pattern;
    s.fps = 4.0;
    s.from_s = 0.5; /* images 2.. (t = 0.5) */
    s.to_s = 1.75;  /* .. 7 (t = 1.75), inclusive */
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    ck_assert_msg(romcv_capture_open(&cap, &s, &diag) == 0, "%s", diag.message);
    RomcvFrame *frame;
    int n = 0, rc;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        int k = n + 2;
        ck_assert_int_eq(frame->data[0], k * 20);
        ck_assert_double_eq_tol(frame->time_s, k / 4.0, 1e-12);
        ck_assert_int_eq(frame->index, n);
        romcv_frame_unref(&frame);
        n++;
    }
    ck_assert_int_eq(rc, ROMCV_E_EOF);
    ck_assert_int_eq(n, 6);
    romcv_capture_close(&cap);
    free(pattern);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* A JPEG with an APP1 EXIF segment carrying only IFD0's orientation tag,
 * inserted right after SOI, as cameras write it. */
static void write_with_exif(const char *jpeg, const char *out, int orientation,
                            bool little_endian) {
    size_t size;
    char *data = romcv_test_read_file(jpeg, &size);
    ck_assert_ptr_nonnull(data);
    ck_assert(size > 2 && (uint8_t)data[0] == 0xff && (uint8_t)data[1] == 0xd8);
    uint8_t app1[36];
    size_t k = 0;
    app1[k++] = 0xff;
    app1[k++] = 0xe1;
    app1[k++] = 0;
    app1[k++] = 34; /* length: itself (2) + Exif (6) + TIFF (26) */
    memcpy(app1 + k, "Exif\0\0", 6);
    k += 6;
    /* TIFF header, IFD0 with one entry (tag 0x0112, SHORT, count 1), no next IFD. */
    static const uint8_t be[26] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0,
                                   3,   0,   0, 0,  1, 0, 0, 0, 0, 0, 0,    0,    0};
    static const uint8_t le[26] = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3,
                                   0,   1,   0,  0, 0, 0, 0, 0, 0, 0, 0,    0,    0};
    memcpy(app1 + k, little_endian ? le : be, 26);
    app1[k + (little_endian ? 18 : 19)] = (uint8_t)orientation;
    k += 26;
    ck_assert_uint_eq(k, sizeof app1);
    char *buf = malloc(size + sizeof app1);
    memcpy(buf, data, 2);
    memcpy(buf + 2, app1, sizeof app1);
    memcpy(buf + 2 + sizeof app1, data + 2, size - 2);
    romcv_test_write_file(out, buf, size + sizeof app1);
    free(buf);
    free(data);
}

static RomcvFrame *decode_one(const char *dir, int *frames) {
    RomcvCapture *cap = open_ok(dir, 30.0);
    RomcvFrame *frame = NULL, *extra = NULL;
    ck_assert_int_eq(romcv_capture_receive(cap, &frame), 0);
    ck_assert_int_eq(romcv_capture_receive(cap, &extra), ROMCV_E_EOF);
    *frames = 1;
    romcv_capture_close(&cap);
    return frame;
}

/* Where output pixel (x, y) comes from in the stored w x h image, per EXIF. */
static void exif_source(int orientation, int w, int h, int x, int y, int *sx, int *sy) {
    switch (orientation) {
    case 2:
        *sx = w - 1 - x, *sy = y;
        break;
    case 3:
        *sx = w - 1 - x, *sy = h - 1 - y;
        break;
    case 4:
        *sx = x, *sy = h - 1 - y;
        break;
    case 5:
        *sx = y, *sy = x;
        break;
    case 6: /* 90 degrees clockwise: the stored left column becomes the top row */
        *sx = y, *sy = h - 1 - x;
        break;
    case 7:
        *sx = w - 1 - y, *sy = h - 1 - x;
        break;
    case 8:
        *sx = w - 1 - y, *sy = x;
        break;
    default:
        *sx = x, *sy = y;
        break;
    }
}

START_TEST(test_exif_orientation) {
    char *dir = romcv_test_make_tmpdir();
    char *jpeg = romcv_test_path(dir, "plain.jpg");
    char command[4096];
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=32x16 -frames:v 1 -q:v 2 '%s'", jpeg);
    run_ok(command);
    char *plain_dir = romcv_test_path(dir, "plain");
    snprintf(command, sizeof command, "mkdir '%s' && cp '%s' '%s/'", plain_dir, jpeg, plain_dir);
    run_ok(command);
    int frames;
    RomcvFrame *orig = decode_one(plain_dir, &frames);
    ck_assert_int_eq(orig->width, 32);
    ck_assert_int_eq(orig->height, 16);
    ck_assert_int_eq(orig->rotation_deg, 0);

    static const int expected_rotation[9] = {0, 0, 0, 180, 180, 90, 90, 270, 270};
    for (int o = 1; o <= 8; o++) {
        for (int endian = 0; endian < 2; endian++) {
            char name[64];
            snprintf(name, sizeof name, "o%d_%d", o, endian);
            char *sub = romcv_test_path(dir, name);
            snprintf(command, sizeof command, "mkdir '%s'", sub);
            run_ok(command);
            char *file = romcv_test_path(sub, "img.jpg");
            write_with_exif(jpeg, file, o, endian == 1);
            RomcvFrame *got = decode_one(sub, &frames);
            bool swap = o >= 5;
            ck_assert_int_eq(got->width, swap ? 16 : 32);
            ck_assert_int_eq(got->height, swap ? 32 : 16);
            ck_assert_int_eq(got->rotation_deg, expected_rotation[o]);
            for (int y = 0; y < got->height; y++) {
                for (int x = 0; x < got->width; x++) {
                    int sx, sy;
                    exif_source(o, orig->width, orig->height, x, y, &sx, &sy);
                    const uint8_t *want = orig->data + (size_t)sy * orig->stride + (size_t)sx * 3;
                    const uint8_t *have = got->data + (size_t)y * got->stride + (size_t)x * 3;
                    ck_assert_msg(memcmp(want, have, 3) == 0,
                                  "orientation %d (%s): pixel (%d,%d) differs", o,
                                  endian ? "II" : "MM", x, y);
                }
            }
            if (o == 6) {
                /* Clockwise: top-left shows the stored bottom-left. */
                const uint8_t *bl = orig->data + (size_t)(orig->height - 1) * orig->stride;
                ck_assert_int_eq(memcmp(got->data, bl, 3), 0);
            }
            romcv_frame_unref(&got);
            free(file);
            free(sub);
        }
    }
    romcv_frame_unref(&orig);
    free(plain_dir);
    free(jpeg);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_mixed_sizes_are_refused) {
    char *dir = romcv_test_make_tmpdir();
    make_pngs(dir, "f", 4, 16, 8);
    char command[4096];
    /* f3 replaced by a smaller image: the error names it, not f4. */
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i color=c=red:s=8x8 -frames:v 1 '%s/f3.png'", dir);
    run_ok(command);
    check_open_fails(dir, "f3.png", "differs");
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_empty_and_bad_folders) {
    char *dir = romcv_test_make_tmpdir();
    check_open_fails(dir, dir, "no PNG or JPEG images");

    char *pattern = romcv_test_path(dir, "*.png");
    check_open_fails(pattern, pattern, "no PNG or JPEG images");

    char *fake = romcv_test_path(dir, "fake.png");
    const char *text = "not an image at all";
    romcv_test_write_file(fake, text, strlen(text));
    check_open_fails(dir, "fake.png", "not a PNG or JPEG image");

    char *empty = romcv_test_path(dir, "fake.png");
    romcv_test_write_file(empty, "", 0);
    check_open_fails(dir, "fake.png", "empty file");
    free(empty);
    free(fake);
    free(pattern);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_damaged_image_is_skipped_and_counted) {
    char *dir = romcv_test_make_tmpdir();
    make_pngs(dir, "f", 6, 16, 8);
    char *victim = romcv_test_path(dir, "f4.png");
    size_t size;
    char *data = romcv_test_read_file(victim, &size);
    ck_assert_ptr_nonnull(data);
    /* Keep the header (so open accepts it), ruin the compressed data. */
    for (size_t i = 40; i < size; i++) {
        data[i] = (char)0x5a;
    }
    romcv_test_write_file(victim, data, size);
    free(data);
    RomcvCapture *cap = open_ok(dir, 10.0);
    RomcvFrame *frame;
    int n = 0, rc;
    double last = -1.0;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        last = frame->time_s;
        romcv_frame_unref(&frame);
        n++;
    }
    ck_assert_int_eq(rc, ROMCV_E_EOF);
    ck_assert_int_eq(n, 5);
    ck_assert_double_eq_tol(last, 0.5, 1e-12); /* f6 keeps its own time */
    ck_assert_int_eq(romcv_capture_info(cap)->frames_lost, 1);
    ck_assert_msg(strstr(romcv_capture_errmsg(cap), "lost"), "%s", romcv_capture_errmsg(cap));
    romcv_capture_close(&cap);
    free(victim);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *capture_images_suite(void) {
    Suite *suite = suite_create("capture_images");
    TCase *tc = tcase_create("images");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_natural_order_and_times);
    tcase_add_test(tc, test_glob_and_trim);
    tcase_add_test(tc, test_exif_orientation);
    tcase_add_test(tc, test_mixed_sizes_are_refused);
    tcase_add_test(tc, test_empty_and_bad_folders);
    tcase_add_test(tc, test_damaged_image_is_skipped_and_counted);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return romcv_test_main(capture_images_suite());
}
