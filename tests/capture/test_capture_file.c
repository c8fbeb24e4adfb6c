/*
 * tests/capture/test_capture_file.c: video files through the FFmpeg source.
 *
 * Timestamps are checked against ffprobe, rotation against an independent
 * transpose of the unrotated decode, and every kind of bad input for its
 * message. Generated clips live in a fresh temporary folder.
 */
#define _GNU_SOURCE /* memmem */
#include "testutil.h"

#include "romcv/capture.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

typedef struct Decoded {
    int count;
    int capacity;
    double *times;
    int width, height;
    int rc;
    RomcvCaptureInfo info;
    char errmsg[ROMCV_DIAG_MESSAGE_SIZE];
} Decoded;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[8192];

static void log_to_buffer(void *cookie, RomcvLogLevel level, const char *module,
                          const char *message) {
    (void)cookie;
    pthread_mutex_lock(&log_lock);
    size_t used = strlen(log_text);
    snprintf(log_text + used, sizeof log_text - used, "%s: %s: %s\n", romcv_log_level_name(level),
             module, message);
    pthread_mutex_unlock(&log_lock);
}

static void settings_for(RomcvCaptureSettings *s, const char *input) {
    romcv_capture_default_settings(s);
    s->input = input;
    s->logger.callback = log_to_buffer;
    s->logger.max_level = ROMCV_LOG_WARNING;
}

/* Decodes the whole input with s; keeps every time. */
static void decode_all(const RomcvCaptureSettings *s, Decoded *out) {
    memset(out, 0, sizeof *out);
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    int rc = romcv_capture_open(&cap, s, &diag);
    ck_assert_msg(rc == 0, "open %s: %d %s", s->input, rc, diag.message);
    RomcvFrame *frame;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        ck_assert_int_eq(frame->index, out->count);
        if (out->count == out->capacity) {
            out->capacity = out->capacity ? out->capacity * 2 : 256;
            out->times = realloc(out->times, (size_t)out->capacity * sizeof *out->times);
            ck_assert_ptr_nonnull(out->times);
        }
        out->times[out->count++] = frame->time_s;
        out->width = frame->width;
        out->height = frame->height;
        romcv_frame_unref(&frame);
    }
    out->rc = rc;
    out->info = *romcv_capture_info(cap);
    snprintf(out->errmsg, sizeof out->errmsg, "%s", romcv_capture_errmsg(cap));
    romcv_capture_close(&cap);
    ck_assert_ptr_null(cap);
}

/* Runs ffprobe and parses one number per line (the best-effort times). */
static int ffprobe_times(const char *path, double **times) {
    char command[2048];
    snprintf(command, sizeof command,
             "ffprobe -v error -select_streams v:0 -show_entries frame=best_effort_timestamp_time "
             "-of csv=p=0 '%s'",
             path);
    size_t size = 1 << 20;
    char *output = malloc(size);
    ck_assert_ptr_nonnull(output);
    ck_assert_int_eq(romcv_test_run(command, output, size), 0);
    int count = 0, capacity = 1024;
    *times = malloc((size_t)capacity * sizeof **times);
    for (char *line = strtok(output, "\n"); line; line = strtok(NULL, "\n")) {
        if (!isdigit((unsigned char)line[0]) && line[0] != '-') {
            continue; /* a decoder complaint on stderr, not a time */
        }
        if (count == capacity) {
            capacity *= 2;
            *times = realloc(*times, (size_t)capacity * sizeof **times);
        }
        (*times)[count++] = strtod(line, NULL);
    }
    free(output);
    return count;
}

static double ffprobe_start_time(const char *path) {
    char command[2048], output[256];
    snprintf(command, sizeof command,
             "ffprobe -v error -select_streams v:0 -show_entries stream=start_time "
             "-of csv=p=0 '%s'",
             path);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof output), 0);
    return strtod(output, NULL);
}

static void run_ok(const char *command) {
    char output[4096];
    int rc = romcv_test_run(command, output, sizeof output);
    ck_assert_msg(rc == 0, "%s failed (%d): %s", command, rc, output);
}

/* Compares our times with ffprobe's, frame by frame. */
static void check_times_match_ffprobe(const char *path, const Decoded *d) {
    double *ref = NULL;
    int n = ffprobe_times(path, &ref);
    double start = ffprobe_start_time(path);
    ck_assert_int_eq(d->count, n);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(fabs(d->times[i] - (ref[i] - start)) < 1e-6,
                      "%s frame %d: time %.9f, ffprobe %.9f", path, i, d->times[i], ref[i] - start);
    }
    free(ref);
}

/* ------------------------------------------------------------ timing */

START_TEST(test_sample_times_match_ffprobe) {
    char *path = romcv_test_shared_file("samples/squat_side.mp4");
    RomcvCaptureSettings s;
    settings_for(&s, path);
    Decoded d;
    decode_all(&s, &d);
    ck_assert_int_eq(d.rc, ROMCV_E_EOF);
    ck_assert_int_eq(d.count, 614);
    ck_assert_int_eq(d.width, 608);
    ck_assert_int_eq(d.height, 1080);
    ck_assert_int_eq(d.info.frames_delivered, 614);
    ck_assert_int_eq(d.info.frames_lost, 0);
    ck_assert_int_eq(d.info.frames_without_pts, 0);
    ck_assert_int_eq(d.info.frames_expected, 614);
    ck_assert_int_eq(d.info.rotation_deg, 0);
    ck_assert_double_eq_tol(d.info.nominal_fps, 30000.0 / 1001.0, 1e-9);
    ck_assert_str_eq(d.info.codec, "h264");
    /* 29.97 fps: frame 600 is at 600 * 1001 / 30000 s, not 600 / 30. */
    ck_assert_double_eq_tol(d.times[600], 600.0 * 1001.0 / 30000.0, 1e-9);
    check_times_match_ffprobe(path, &d);
    free(d.times);
    free(path);
}
END_TEST

START_TEST(test_vfr_times_match_ffprobe) {
    char *dir = romcv_test_make_tmpdir();
    char *clip = romcv_test_path(dir, "vfr.mkv");
    char command[4096];
    /* Steps of 50, 50 and 20 ms in a millisecond time base: only real
     * timestamps give these. */
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=96x64:rate=25 -frames:v 40 "
             "-vf 'settb=1/1000,setpts=(N*0.04+0.03*(N/3-floor(N/3)))/TB' -fps_mode passthrough "
             "-enc_time_base 1/1000 -c:v libx264 -preset ultrafast '%s'",
             clip);
    run_ok(command);
    RomcvCaptureSettings s;
    settings_for(&s, clip);
    Decoded d;
    decode_all(&s, &d);
    ck_assert_int_eq(d.rc, ROMCV_E_EOF);
    ck_assert_int_eq(d.count, 40);
    check_times_match_ffprobe(clip, &d);
    int irregular = 0;
    for (int i = 1; i < d.count; i++) {
        if (fabs((d.times[i] - d.times[i - 1]) - 0.04) > 0.005) {
            irregular++;
        }
    }
    ck_assert_int_gt(irregular, 10);
    free(d.times);
    free(clip);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* A raw H.264 elementary stream has no container timestamps at all: the times
 * are estimated from the frame rate, flagged, counted and warned about once. */
START_TEST(test_frames_without_pts_are_estimated) {
    char *dir = romcv_test_make_tmpdir();
    char *clip = romcv_test_path(dir, "raw.h264");
    char command[4096];
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=96x64:rate=25 -frames:v 12 "
             "-c:v libx264 -preset ultrafast '%s'",
             clip);
    run_ok(command);
    log_text[0] = '\0';
    RomcvCaptureSettings s;
    settings_for(&s, clip);
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    ck_assert_msg(romcv_capture_open(&cap, &s, &diag) == 0, "%s", diag.message);
    RomcvFrame *frame;
    int n = 0;
    while (romcv_capture_receive(cap, &frame) == 0) {
        ck_assert_int_eq(frame->time_is_estimated, 1);
        ck_assert_double_eq_tol(frame->time_s, n * 0.04, 1e-9);
        romcv_frame_unref(&frame);
        n++;
    }
    ck_assert_int_eq(n, 12);
    ck_assert_int_eq(romcv_capture_info(cap)->frames_without_pts, 12);
    ck_assert_int_eq(romcv_capture_info(cap)->damaged, 0);
    romcv_capture_close(&cap);
    ck_assert_msg(strstr(log_text, "raw.h264: frames without timestamps") != NULL, "%s", log_text);
    /* One warning, not one per frame. */
    ck_assert_ptr_null(strstr(strstr(log_text, "without timestamps") + 1, "without timestamps"));
    free(clip);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* from <= t <= to, exactly, against ffprobe's list of the whole file. */
static void check_trim(const char *path, const double *ref, int n, double from, double to) {
    RomcvCaptureSettings s;
    settings_for(&s, path);
    s.from_s = from;
    s.to_s = to;
    Decoded d;
    decode_all(&s, &d);
    ck_assert_int_eq(d.rc, ROMCV_E_EOF);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (ref[i] >= from && (to < 0.0 || ref[i] <= to)) {
            ck_assert_msg(k < d.count, "from %.4f to %.4f: frame at %.6f missing", from, to,
                          ref[i]);
            ck_assert_msg(fabs(d.times[k] - ref[i]) < 1e-6,
                          "from %.4f to %.4f: got %.6f, want %.6f", from, to, d.times[k], ref[i]);
            k++;
        }
    }
    ck_assert_msg(d.count == k, "from %.7f to %.7f: %d frames, want %d (first at %.7f)", from, to,
                  d.count, k, d.count > 0 ? d.times[0] : -1.0);
    free(d.times);
}

START_TEST(test_trim_is_frame_accurate) {
    char *path = romcv_test_shared_file("samples/squat_side.mp4");
    double *ref = NULL;
    int n = ffprobe_times(path, &ref);
    ck_assert_int_eq(n, 614);
    ck_assert_double_eq_tol(ffprobe_start_time(path), 0.0, 1e-9);
    check_trim(path, ref, n, 5.05, 7.3);
    check_trim(path, ref, n, 0.0, 0.5);
    /* A single frame (ffprobe prints 6 decimals, hence the half-microsecond
     * margins). */
    check_trim(path, ref, n, ref[100] - 5e-7, ref[100] + 5e-7);
    check_trim(path, ref, n, ref[613] - 0.01, -1.0);

    /* Just before a keyframe: seeking by dts lands on the keyframe, whose
     * pts is after from; the frame before it must still come out. */
    char command[2048];
    snprintf(command, sizeof command,
             "ffprobe -v error -select_streams v:0 -show_entries frame=key_frame "
             "-of csv=p=0 '%s'",
             path);
    char *keys = malloc(1 << 16);
    ck_assert_int_eq(romcv_test_run(command, keys, 1 << 16), 0);
    int i = 0, key = -1;
    for (char *line = strtok(keys, "\n"); line; line = strtok(NULL, "\n"), i++) {
        if (i > 0 && atoi(line) == 1) {
            key = i;
            break;
        }
    }
    free(keys);
    ck_assert_int_gt(key, 2);
    double step = ref[key] - ref[key - 1];
    check_trim(path, ref, n, ref[key] - 1.5 * step, ref[key] + 3.2 * step);
    free(ref);
    free(path);
}
END_TEST

/* ------------------------------------------------------------ rotation */

static RomcvFrame *first_frame(const char *path, int *rotation) {
    RomcvCaptureSettings s;
    settings_for(&s, path);
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    ck_assert_msg(romcv_capture_open(&cap, &s, &diag) == 0, "%s", diag.message);
    RomcvFrame *frame = NULL;
    ck_assert_int_eq(romcv_capture_receive(cap, &frame), 0);
    *rotation = romcv_capture_info(cap)->rotation_deg;
    ck_assert_int_eq(frame->rotation_deg, *rotation);
    romcv_capture_close(&cap);
    return frame; /* stays valid after close */
}

/* Pixel (x, y) of the original as seen after a clockwise turn by deg. */
static const uint8_t *turned_source(const RomcvFrame *orig, int deg, int x, int y) {
    int w = orig->width, h = orig->height;
    int sx, sy;
    switch (deg) {
    case 90: /* the left column, read bottom-up, becomes the top row */
        sx = y;
        sy = h - 1 - x;
        break;
    case 180:
        sx = w - 1 - x;
        sy = h - 1 - y;
        break;
    case 270:
        sx = w - 1 - y;
        sy = x;
        break;
    default:
        sx = x;
        sy = y;
        break;
    }
    return orig->data + (size_t)sy * orig->stride + (size_t)sx * 3;
}

static void check_turned(const RomcvFrame *orig, const RomcvFrame *rot, int deg) {
    bool swap = deg == 90 || deg == 270;
    ck_assert_int_eq(rot->width, swap ? orig->height : orig->width);
    ck_assert_int_eq(rot->height, swap ? orig->width : orig->height);
    for (int y = 0; y < rot->height; y++) {
        for (int x = 0; x < rot->width; x++) {
            const uint8_t *want = turned_source(orig, deg, x, y);
            const uint8_t *got = rot->data + (size_t)y * rot->stride + (size_t)x * 3;
            ck_assert_msg(memcmp(want, got, 3) == 0, "%d deg: pixel (%d,%d) differs", deg, x, y);
        }
    }
}

/* Writes a tkhd display matrix (QuickTime order a b u c d v x y w). */
static void patch_tkhd_matrix(const char *path, const int32_t m[9]) {
    size_t size;
    char *data = romcv_test_read_file(path, &size);
    ck_assert_ptr_nonnull(data);
    char *tkhd = memmem(data, size, "tkhd", 4);
    ck_assert_ptr_nonnull(tkhd);
    int version = (unsigned char)tkhd[4];
    size_t offset = (size_t)(tkhd - data) + 4 + 4 + (version == 1 ? 32 : 20) + 16;
    ck_assert_uint_le(offset + 36, size);
    for (int i = 0; i < 9; i++) {
        uint32_t v = (uint32_t)m[i];
        for (int b = 0; b < 4; b++) {
            data[offset + (size_t)i * 4 + (size_t)b] = (char)(v >> (24 - 8 * b));
        }
    }
    romcv_test_write_file(path, data, size);
    free(data);
}

START_TEST(test_rotation_is_applied_upright) {
    char *dir = romcv_test_make_tmpdir();
    char *plain = romcv_test_path(dir, "plain.mp4");
    char command[4096];
    /* Not square and not symmetric, so every wrong turn shows. */
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=96x64:rate=10 -frames:v 3 "
             "-c:v libx264 -qp 0 -pix_fmt yuv444p '%s'",
             plain);
    run_ok(command);
    int rot0;
    RomcvFrame *orig = first_frame(plain, &rot0);
    ck_assert_int_eq(rot0, 0);

    /* What a phone recording portrait writes: QuickTime's 90 degree matrix
     * (0 1 0 / -1 0 0), which players turn 90 degrees clockwise. */
    char *phone = romcv_test_path(dir, "phone.mp4");
    snprintf(command, sizeof command, "ffmpeg -v error -y -i '%s' -c copy '%s'", plain, phone);
    run_ok(command);
    static const int32_t apple_90[9] = {0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30};
    patch_tkhd_matrix(phone, apple_90);
    snprintf(command, sizeof command,
             "ffprobe -v error -show_entries stream_side_data=rotation -of csv=p=0 '%s'", phone);
    char output[256];
    ck_assert_int_eq(romcv_test_run(command, output, sizeof output), 0);
    ck_assert_int_eq(atoi(output), -90); /* FFmpeg's counter-clockwise convention */
    int rot;
    RomcvFrame *frame = first_frame(phone, &rot);
    ck_assert_int_eq(rot, 90);
    check_turned(orig, frame, 90);
    romcv_frame_unref(&frame);

    /* The rotate tag through ffmpeg's CLI: whatever matrix this ffmpeg writes
     * (5.1 writes rotate=90 as a counter-clockwise turn), romcv must turn it
     * the way ffprobe's reading of the matrix says. */
    static const int tags[] = {90, 180, 270};
    for (int i = 0; i < 3; i++) {
        char name[64];
        snprintf(name, sizeof name, "tag%d.mp4", tags[i]);
        char *tagged = romcv_test_path(dir, name);
        snprintf(command, sizeof command,
                 "ffmpeg -v error -y -i '%s' -c copy -metadata:s:v:0 rotate=%d '%s'", plain,
                 tags[i], tagged);
        run_ok(command);
        snprintf(command, sizeof command,
                 "ffprobe -v error -show_entries stream_side_data=rotation -of csv=p=0 '%s'",
                 tagged);
        ck_assert_int_eq(romcv_test_run(command, output, sizeof output), 0);
        int want = ((-atoi(output)) % 360 + 360) % 360;
        frame = first_frame(tagged, &rot);
        ck_assert_int_eq(rot, want);
        check_turned(orig, frame, want);
        romcv_frame_unref(&frame);
        free(tagged);
    }
    romcv_frame_unref(&orig);
    free(phone);
    free(plain);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_sample_aspect_ratio_is_square) {
    char *dir = romcv_test_make_tmpdir();
    char *clip = romcv_test_path(dir, "anamorphic.mp4");
    char command[4096];
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=96x64:rate=10 -frames:v 2 "
             "-vf setsar=2/1 -c:v libx264 -preset ultrafast '%s'",
             clip);
    run_ok(command);
    RomcvCaptureSettings s;
    settings_for(&s, clip);
    Decoded d;
    decode_all(&s, &d);
    ck_assert_int_eq(d.count, 2);
    ck_assert_int_eq(d.width, 192);
    ck_assert_int_eq(d.height, 64);
    ck_assert_int_eq(d.info.coded_width, 96);
    ck_assert_int_eq(d.info.sar_num, 2);
    ck_assert_int_eq(d.info.sar_den, 1);
    free(d.times);
    free(clip);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* ------------------------------------------------------------ memory */

START_TEST(test_pool_allocations_stay_bounded) {
    char *dir = romcv_test_make_tmpdir();
    char *clip = romcv_test_path(dir, "long.mp4");
    char command[4096];
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=30 -frames:v 150 "
             "-c:v libx264 -preset ultrafast '%s'",
             clip);
    run_ok(command);
    RomcvCaptureSettings s;
    settings_for(&s, clip);
    s.queue_frames = 3;
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    ck_assert_int_eq(romcv_capture_open(&cap, &s, &diag), 0);
    RomcvFrame *frame, *held = NULL;
    int n = 0, after_warmup = -1, rc;
    RomcvFramePool *pool = NULL;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        pool = frame->pool_;
        ck_assert_ptr_nonnull(pool);
        if (++n == 1) {
            /* A slow consumer: the producer fills every buffer of the pool. */
            usleep(300 * 1000);
            after_warmup = romcv_frame_pool_allocations(pool);
            ck_assert_int_eq(after_warmup, s.queue_frames + 2);
        }
        /* Hold one frame while taking the next, as a pipeline does. */
        romcv_frame_unref(&held);
        held = frame;
    }
    ck_assert_int_eq(rc, ROMCV_E_EOF);
    ck_assert_int_eq(n, 150);
    int total = romcv_frame_pool_allocations(pool);
    ck_assert_int_le(total, s.queue_frames + 2);
    ck_assert_int_eq(total, after_warmup);
    romcv_frame_unref(&held);
    romcv_capture_close(&cap);
    free(clip);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_interrupt_and_early_close) {
    char *dir = romcv_test_make_tmpdir();
    char *clip = romcv_test_path(dir, "clip.mp4");
    char command[4096];
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=30 -frames:v 60 "
             "-c:v libx264 -preset ultrafast '%s'",
             clip);
    run_ok(command);
    RomcvCaptureSettings s;
    settings_for(&s, clip);
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    ck_assert_int_eq(romcv_capture_open(&cap, &s, &diag), 0);
    RomcvFrame *frame = NULL;
    ck_assert_int_eq(romcv_capture_receive(cap, &frame), 0);
    romcv_capture_interrupt(cap);
    RomcvFrame *next = NULL;
    ck_assert_int_eq(romcv_capture_receive(cap, &next), ROMCV_E_INTERRUPTED);
    ck_assert_ptr_null(next);
    romcv_capture_close(&cap);
    /* A frame held across close stays valid. */
    ck_assert_int_eq(frame->width, 160);
    romcv_frame_unref(&frame);

    /* Closing with the producer blocked on a full pool must not hang. */
    ck_assert_int_eq(romcv_capture_open(&cap, &s, &diag), 0);
    ck_assert_int_eq(romcv_capture_receive(cap, &frame), 0);
    romcv_capture_close(&cap);
    romcv_frame_unref(&frame);
    free(clip);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* ------------------------------------------------------------ bad input */

/* Opening must fail with a negative code and a message that names the file
 * and contains key. */
static void check_open_fails_with(const RomcvCaptureSettings *s, const char *key) {
    const char *path = s->input;
    RomcvCapture *cap = (RomcvCapture *)&log_text; /* must be reset to NULL */
    RomcvDiag diag;
    int rc = romcv_capture_open(&cap, s, &diag);
    ck_assert_msg(rc < 0, "%s: open succeeded", path);
    ck_assert_ptr_null(cap);
    ck_assert_int_eq(diag.code, rc);
    ck_assert_msg(strstr(diag.message, path), "message does not name the file: %s", diag.message);
    ck_assert_msg(strstr(diag.message, key), "message lacks \"%s\": %s", key, diag.message);
}

static void check_open_fails(const char *path, const char *key) {
    RomcvCaptureSettings s;
    settings_for(&s, path);
    check_open_fails_with(&s, key);
}

START_TEST(test_bad_inputs_fail_clearly) {
    char *dir = romcv_test_make_tmpdir();
    char command[4096];

    char *missing = romcv_test_path(dir, "missing.mp4");
    check_open_fails(missing, "no such file");

    char *empty = romcv_test_path(dir, "empty.mp4");
    romcv_test_write_file(empty, "", 0);
    check_open_fails(empty, "empty file");

    char *text = romcv_test_path(dir, "notes.mp4");
    const char *words = "this is not a video, just some words in a file\n";
    romcv_test_write_file(text, words, strlen(words));
    check_open_fails(text, "not a video file");

    char *audio = romcv_test_path(dir, "tone.m4a");
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i sine=duration=0.3 -c:a aac '%s'", audio);
    run_ok(command);
    check_open_fails(audio, "no video stream");

    /* An MJPEG AVI whose fourcc nobody knows. */
    char *avi = romcv_test_path(dir, "m.avi");
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 5 -c:v mjpeg "
             "'%s'",
             avi);
    run_ok(command);
    size_t size;
    char *data = romcv_test_read_file(avi, &size);
    ck_assert_ptr_nonnull(data);
    for (char *p = data; (p = memmem(p, size - (size_t)(p - data), "MJPG", 4)) != NULL;) {
        memcpy(p, "QQQQ", 4);
    }
    char *unknown = romcv_test_path(dir, "unknown_codec.avi");
    romcv_test_write_file(unknown, data, size);
    free(data);
    check_open_fails(unknown, "unsupported codec");

    char *huge = romcv_test_path(dir, "huge.nut");
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i color=s=16400x2 -frames:v 1 -c:v rawvideo "
             "-pix_fmt gray '%s'",
             huge);
    run_ok(command);
    check_open_fails(huge, "beyond the limit");

    free(huge);
    free(unknown);
    free(avi);
    free(audio);
    free(text);
    free(empty);
    free(missing);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_truncated_file_reports_lost_frames) {
    char *dir = romcv_test_make_tmpdir();
    char *clip = romcv_test_path(dir, "whole.mp4");
    char command[4096];
    /* faststart puts the index first, as a recording cut short by a full
     * disk or a broken copy would keep it. */
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=160x120:rate=30 -frames:v 60 "
             "-c:v libx264 -preset ultrafast -g 10 -movflags +faststart '%s'",
             clip);
    run_ok(command);
    size_t size;
    char *data = romcv_test_read_file(clip, &size);
    ck_assert_ptr_nonnull(data);
    char *cut = romcv_test_path(dir, "cut.mp4");
    romcv_test_write_file(cut, data, size / 2);
    free(data);

    log_text[0] = '\0';
    RomcvCaptureSettings s;
    settings_for(&s, cut);
    Decoded d;
    decode_all(&s, &d);
    ck_assert_int_eq(d.rc, ROMCV_E_EOF);
    ck_assert_int_gt(d.count, 5);
    ck_assert_int_lt(d.count, 60);
    ck_assert_int_eq(d.info.frames_expected, 60);
    ck_assert_int_eq(d.info.frames_lost, 60 - d.count);
    ck_assert_msg(strstr(d.errmsg, "truncated") && strstr(d.errmsg, cut), "%s", d.errmsg);
    ck_assert_msg(strstr(log_text, "truncated") && strstr(log_text, cut), "log: %s", log_text);
    free(d.times);
    free(cut);
    free(clip);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_corrupt_packets_are_skipped_and_counted) {
    char *dir = romcv_test_make_tmpdir();
    char *clip = romcv_test_path(dir, "m.avi");
    char command[4096];
    snprintf(command, sizeof command,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 30 "
             "-c:v mjpeg -q:v 3 '%s'",
             clip);
    run_ok(command);
    size_t size;
    char *data = romcv_test_read_file(clip, &size);
    ck_assert_ptr_nonnull(data);
    /* Blank several whole frames in the middle (each is about 1.7 kB);
     * the index at the end stays intact. */
    memset(data + size * 2 / 5, 0, size / 5);
    char *bad = romcv_test_path(dir, "damaged.avi");
    romcv_test_write_file(bad, data, size);
    free(data);

    log_text[0] = '\0';
    RomcvCaptureSettings s;
    settings_for(&s, bad);
    Decoded d;
    decode_all(&s, &d);
    ck_assert_int_eq(d.rc, ROMCV_E_EOF);
    ck_assert_int_gt(d.count, 10);
    ck_assert_int_gt(d.info.frames_lost, 0);
    ck_assert_int_eq(d.count + d.info.frames_lost, 30);
    ck_assert_msg(strstr(log_text, bad), "log: %s", log_text);
    /* The same frames, with the same times, as FFmpeg's own tools get. */
    check_times_match_ffprobe(bad, &d);
    free(d.times);
    free(bad);
    free(clip);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(test_auto_kind_and_names) {
    ck_assert_str_eq(romcv_capture_kind_name(ROMCV_CAPTURE_FILE), "file");
    ck_assert_str_eq(romcv_capture_kind_name(ROMCV_CAPTURE_IMAGES), "images");
    char *path = romcv_test_shared_file("samples/squat_side.mp4");
    RomcvCaptureSettings s;
    settings_for(&s, path);
    s.to_s = 0.0;
    Decoded d;
    decode_all(&s, &d);
    ck_assert_int_eq(d.info.kind, ROMCV_CAPTURE_FILE);
    ck_assert_int_eq(d.count, 1);
    ck_assert_str_eq(d.info.input, path);
    ck_assert_int_gt(d.info.size_bytes, 0);
    free(d.times);

    /* An invalid range is refused at open. */
    s.from_s = 2.0;
    s.to_s = 1.0;
    check_open_fails_with(&s, "invalid range");
    free(path);
}
END_TEST

static Suite *capture_file_suite(void) {
    Suite *suite = suite_create("capture_file");
    TCase *tc = tcase_create("file");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sample_times_match_ffprobe);
    tcase_add_test(tc, test_vfr_times_match_ffprobe);
    tcase_add_test(tc, test_frames_without_pts_are_estimated);
    tcase_add_test(tc, test_trim_is_frame_accurate);
    tcase_add_test(tc, test_rotation_is_applied_upright);
    tcase_add_test(tc, test_sample_aspect_ratio_is_square);
    tcase_add_test(tc, test_pool_allocations_stay_bounded);
    tcase_add_test(tc, test_interrupt_and_early_close);
    tcase_add_test(tc, test_bad_inputs_fail_clearly);
    tcase_add_test(tc, test_truncated_file_reports_lost_frames);
    tcase_add_test(tc, test_corrupt_packets_are_skipped_and_counted);
    tcase_add_test(tc, test_auto_kind_and_names);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void) {
    return romcv_test_main(capture_file_suite());
}
