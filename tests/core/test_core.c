/* tests/core/test_core.c: errors, logging, frames and pools, SHA-256. */
#include "testutil.h"

#include "romcv/core.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(error_names_and_texts) {
    ck_assert_str_eq(romcv_err_name(ROMCV_E_CHECKSUM), "ROMCV_E_CHECKSUM");
    ck_assert_str_eq(romcv_strerror(ROMCV_E_CHECKSUM), "checksum mismatch");
    ck_assert_str_eq(romcv_err_name(ROMCV_ERR(ENOENT)), "ENOENT");
    ck_assert_str_eq(romcv_strerror(0), "success");
    ck_assert_str_eq(romcv_err_name(-123456789), "UNKNOWN");
    /* romcv's codes never collide with errno values. */
    ck_assert_int_lt(ROMCV_E_INVALID_DATA, ROMCV_ERR(4095));
}
END_TEST

START_TEST(diag_formats_one_line) {
    RomcvDiag diag;
    int rc = romcv_diag_set(&diag, ROMCV_E_EOF, "clip.mp4: %d frames\nlost", 3);
    ck_assert_int_eq(rc, ROMCV_E_EOF);
    ck_assert_int_eq(diag.code, ROMCV_E_EOF);
    ck_assert_str_eq(diag.message, "clip.mp4: 3 frames lost");
    /* A NULL diag still returns the code. */
    ck_assert_int_eq(romcv_diag_set(NULL, ROMCV_E_USAGE, "x"), ROMCV_E_USAGE);
    RomcvDiag copy;
    ck_assert_int_eq(romcv_diag_copy(&copy, &diag), ROMCV_E_EOF);
    ck_assert_str_eq(copy.message, diag.message);
    romcv_diag_clear(&diag);
    ck_assert_int_eq(diag.code, 0);
    ck_assert_str_eq(diag.message, "");
}
END_TEST

typedef struct LogCapture {
    int calls;
    RomcvLogLevel level;
    char module[32];
    char message[256];
} LogCapture;

static void capture_log(void *cookie, RomcvLogLevel level, const char *module, const char *msg) {
    LogCapture *c = cookie;
    c->calls++;
    c->level = level;
    snprintf(c->module, sizeof c->module, "%s", module);
    snprintf(c->message, sizeof c->message, "%s", msg);
}

START_TEST(log_filters_by_level) {
    LogCapture seen = {0};
    RomcvLogger logger = {capture_log, &seen, ROMCV_LOG_WARNING};
    romcv_log(&logger, ROMCV_LOG_INFO, "capture", "dropped %d", 1);
    ck_assert_int_eq(seen.calls, 0);
    romcv_log(&logger, ROMCV_LOG_WARNING, "capture", "frame %d lost", 7);
    ck_assert_int_eq(seen.calls, 1);
    ck_assert_int_eq(seen.level, ROMCV_LOG_WARNING);
    ck_assert_str_eq(seen.module, "capture");
    ck_assert_str_eq(seen.message, "frame 7 lost");
    /* NULL logger and NULL callback are silent, not crashes. */
    romcv_log(NULL, ROMCV_LOG_ERROR, "x", "y");
    RomcvLogger silent = {NULL, NULL, ROMCV_LOG_DEBUG};
    romcv_log(&silent, ROMCV_LOG_ERROR, "x", "y");
}
END_TEST

START_TEST(frame_create_aligned) {
    RomcvFrame *frame;
    ck_assert_int_eq(romcv_frame_create(&frame, 101, 7, ROMCV_PIX_RGB24), 0);
    ck_assert_int_eq((uintptr_t)frame->data % ROMCV_ALIGNMENT, 0);
    ck_assert_int_eq(frame->stride % ROMCV_ALIGNMENT, 0);
    ck_assert_int_ge(frame->stride, 303);
    ck_assert_int_eq(frame->data[frame->stride * 7 - 1], 0);
    RomcvFrame *second = romcv_frame_ref(frame);
    romcv_frame_unref(&second);
    ck_assert_ptr_null(second);
    romcv_frame_unref(&frame);
    ck_assert_ptr_null(frame);
    romcv_frame_unref(&frame); /* NULL-safe */
    ck_assert_int_eq(romcv_frame_create(&frame, 0, 10, ROMCV_PIX_RGB24), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(romcv_frame_create(&frame, 16385, 10, ROMCV_PIX_RGB24), ROMCV_ERR(EINVAL));
    ck_assert_ptr_null(frame);
}
END_TEST

START_TEST(pool_reuses_buffers) {
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 3), 0);
    for (int i = 0; i < 100; i++) {
        RomcvFrame *a, *b;
        ck_assert_int_eq(romcv_frame_pool_get(pool, &a, 64, 48, ROMCV_PIX_RGB24), 0);
        ck_assert_int_eq(romcv_frame_pool_get(pool, &b, 64, 48, ROMCV_PIX_RGB24), 0);
        romcv_frame_unref(&a);
        romcv_frame_unref(&b);
    }
    /* Two buffers, allocated once each, then reused 99 times. */
    ck_assert_int_eq(romcv_frame_pool_allocations(pool), 2);
    romcv_frame_pool_destroy(&pool);
    ck_assert_ptr_null(pool);
}
END_TEST

START_TEST(pool_is_bounded) {
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 2), 0);
    RomcvFrame *a, *b, *c = NULL;
    ck_assert_int_eq(romcv_frame_pool_get(pool, &a, 8, 8, ROMCV_PIX_RGB24), 0);
    ck_assert_int_eq(romcv_frame_pool_get(pool, &b, 8, 8, ROMCV_PIX_RGB24), 0);
    ck_assert_int_eq(romcv_frame_pool_try_get(pool, &c, 8, 8, ROMCV_PIX_RGB24), ROMCV_ERR(EAGAIN));
    ck_assert_ptr_null(c);
    romcv_frame_unref(&a);
    /* A bigger request reallocates the returned buffer. */
    ck_assert_int_eq(romcv_frame_pool_try_get(pool, &c, 800, 600, ROMCV_PIX_RGB24), 0);
    ck_assert_int_eq(c->width, 800);
    ck_assert_int_eq(romcv_frame_pool_allocations(pool), 3);
    romcv_frame_unref(&b);
    romcv_frame_unref(&c);
    romcv_frame_pool_destroy(&pool);
}
END_TEST

typedef struct Waiter {
    RomcvFramePool *pool;
    int rc;
} Waiter;

static void *wait_for_frame(void *arg) {
    Waiter *w = arg;
    RomcvFrame *frame = NULL;
    w->rc = romcv_frame_pool_get(w->pool, &frame, 8, 8, ROMCV_PIX_GRAY8);
    romcv_frame_unref(&frame);
    return NULL;
}

START_TEST(pool_close_wakes_waiters) {
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 1), 0);
    RomcvFrame *held;
    ck_assert_int_eq(romcv_frame_pool_get(pool, &held, 8, 8, ROMCV_PIX_GRAY8), 0);
    Waiter waiter = {pool, 1};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, wait_for_frame, &waiter), 0);
    usleep(50 * 1000);
    ck_assert_int_eq(waiter.rc, 1); /* still blocked: the pool is full */
    romcv_frame_pool_close(pool);
    pthread_join(thread, NULL);
    ck_assert_int_eq(waiter.rc, ROMCV_E_INTERRUPTED);
    romcv_frame_unref(&held);
    romcv_frame_pool_destroy(&pool);
}
END_TEST

START_TEST(pool_outlived_by_frames) {
    RomcvFramePool *pool;
    ck_assert_int_eq(romcv_frame_pool_create(&pool, 2), 0);
    RomcvFrame *frame;
    ck_assert_int_eq(romcv_frame_pool_get(pool, &frame, 16, 16, ROMCV_PIX_RGB24), 0);
    romcv_frame_pool_destroy(&pool);
    /* The frame is still usable; ASan checks it and the deferred free. */
    frame->data[0] = 42;
    romcv_frame_unref(&frame);
}
END_TEST

static void sha_hex(const void *data, size_t size, char hex[65]) {
    RomcvSha256 ctx;
    romcv_sha256_init(&ctx);
    romcv_sha256_update(&ctx, data, size);
    romcv_sha256_final_hex(&ctx, hex);
}

START_TEST(sha256_known_vectors) {
    char hex[65];
    /* FIPS 180-4 examples (NIST CSRC "SHA256.pdf"). */
    sha_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_hex(two_blocks, strlen(two_blocks), hex);
    ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* One million 'a', fed in uneven pieces to cross block boundaries. */
    RomcvSha256 ctx;
    romcv_sha256_init(&ctx);
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        romcv_sha256_update(&ctx, chunk, n);
        left -= n;
    }
    romcv_sha256_final_hex(&ctx, hex);
    ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

START_TEST(sha256_file_and_errors) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "abc.bin");
    romcv_test_write_file(path, "abc", 3);
    char hex[65];
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_sha256_file(path, hex, &diag), 0);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    char *missing = romcv_test_path(dir, "missing.bin");
    ck_assert_int_eq(romcv_sha256_file(missing, hex, &diag), ROMCV_ERR(ENOENT));
    ck_assert_ptr_nonnull(strstr(diag.message, "missing.bin"));
    free(missing);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, error_names_and_texts);
    tcase_add_test(tc, diag_formats_one_line);
    tcase_add_test(tc, log_filters_by_level);
    tcase_add_test(tc, frame_create_aligned);
    tcase_add_test(tc, pool_reuses_buffers);
    tcase_add_test(tc, pool_is_bounded);
    tcase_add_test(tc, pool_close_wakes_waiters);
    tcase_add_test(tc, pool_outlived_by_frames);
    tcase_add_test(tc, sha256_known_vectors);
    tcase_add_test(tc, sha256_file_and_errors);
    suite_add_tcase(suite, tc);
    return romcv_test_main(suite);
}
