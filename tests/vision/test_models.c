/* tests/vision/test_models.c: finding the models and proving they are the pinned ones. */
#include "testutil.h"

#include "romcv/vision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Copies src to dst, optionally flipping one byte at flip_offset (< 0: none). */
static void copy_file(const char *src, const char *dst, long flip_offset) {
    size_t size;
    char *data = romcv_test_read_file(src, &size);
    ck_assert_msg(data != NULL, "cannot read %s", src);
    if (flip_offset >= 0) {
        ck_assert_int_lt(flip_offset, (long)size);
        data[flip_offset] ^= 0x01;
    }
    romcv_test_write_file(dst, data, size);
    free(data);
}

START_TEST(every_model_has_a_pinned_sum) {
    for (int i = 0; i < ROMCV_MODEL_COUNT; i++) {
        const RomcvModelInfo *m = romcv_model_info((RomcvModelId)i);
        ck_assert_ptr_nonnull(m);
        ck_assert_uint_eq(strlen(m->sha256), 64);
        ck_assert_uint_eq(strspn(m->sha256, "0123456789abcdef"), 64);
    }
    ck_assert_ptr_null(romcv_model_info(ROMCV_MODEL_COUNT));
    RomcvModelId id;
    ck_assert_int_eq(romcv_model_from_name("heavy", &id), 0);
    ck_assert_int_eq(id, ROMCV_MODEL_LANDMARK_HEAVY);
    ck_assert_int_eq(romcv_model_from_name("huge", &id), ROMCV_E_NOT_FOUND);
}
END_TEST

/* The compiled-in sums are the ones in models/SHA256SUMS, which the set-up
 * script checks: one list, two users. */
START_TEST(compiled_sums_match_the_sums_file) {
    char *path = romcv_test_path(romcv_test_env("ROMCV_SOURCE_DIR"), "models/SHA256SUMS");
    char *text = romcv_test_read_file(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    for (int i = 0; i < ROMCV_MODEL_COUNT; i++) {
        const RomcvModelInfo *m = romcv_model_info((RomcvModelId)i);
        char line[256];
        snprintf(line, sizeof line, "%s  %s\n", m->sha256, m->file_name);
        ck_assert_msg(strstr(text, line) != NULL, "SHA256SUMS lacks: %s", line);
    }
    free(text);
    free(path);
}
END_TEST

START_TEST(fetched_models_verify) {
    const char *dir = romcv_test_env("ROMCV_MODELS");
    for (int i = 0; i < ROMCV_MODEL_COUNT; i++) {
        RomcvDiag diag = {0};
        char actual[65];
        int rc = romcv_model_verify(dir, (RomcvModelId)i, actual, &diag);
        ck_assert_msg(rc == 0, "%s", diag.message);
        ck_assert_str_eq(actual, romcv_model_info((RomcvModelId)i)->sha256);
    }
}
END_TEST

START_TEST(tampered_model_is_refused) {
    char *tmp = romcv_test_make_tmpdir();
    const RomcvModelInfo *detector = romcv_model_info(ROMCV_MODEL_DETECTOR);
    char *src = romcv_test_path(romcv_test_env("ROMCV_MODELS"), detector->file_name);
    char *dst = romcv_test_path(tmp, detector->file_name);
    copy_file(src, dst, 123456); /* one bit, deep inside the weights */
    RomcvDiag diag = {0};
    char actual[65];
    int rc = romcv_model_verify(tmp, ROMCV_MODEL_DETECTOR, actual, &diag);
    ck_assert_int_eq(rc, ROMCV_E_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(diag.message, dst));
    ck_assert_ptr_nonnull(strstr(diag.message, "SHA-256 mismatch"));
    ck_assert_ptr_nonnull(strstr(diag.message, detector->sha256));
    ck_assert_ptr_nonnull(strstr(diag.message, actual));
    /* A truncated file is refused the same way. */
    romcv_test_write_file(dst, "TFL3", 4);
    ck_assert_int_eq(romcv_model_verify(tmp, ROMCV_MODEL_DETECTOR, NULL, &diag), ROMCV_E_CHECKSUM);
    free(src);
    free(dst);
    romcv_test_remove_tmpdir(tmp);
}
END_TEST

START_TEST(missing_model_is_named) {
    char *tmp = romcv_test_make_tmpdir();
    RomcvDiag diag = {0};
    int rc = romcv_model_verify(tmp, ROMCV_MODEL_LANDMARK_LITE, NULL, &diag);
    ck_assert_int_eq(rc, ROMCV_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.message, "pose_landmark_lite.tflite"));
    ck_assert_ptr_nonnull(strstr(diag.message, "fetch-models"));
    romcv_test_remove_tmpdir(tmp);
}
END_TEST

START_TEST(find_dir_honours_the_order) {
    char *tmp = romcv_test_make_tmpdir();
    char found[4096];
    RomcvDiag diag = {0};
    /* A folder the user names must exist and hold the models: no silent fallback. */
    RomcvModelSearch search = {.explicit_dir = "/nonexistent/models"};
    ck_assert_int_eq(romcv_models_find_dir(&search, found, sizeof found, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.message, "/nonexistent/models"));
    ck_assert_ptr_nonnull(strstr(diag.message, "--models"));
    search = (RomcvModelSearch){.env_dir = tmp};
    ck_assert_int_eq(romcv_models_find_dir(&search, found, sizeof found, &diag), ROMCV_E_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(diag.message, "ROMCV_MODELS"));
    /* --models wins over ROMCV_MODELS. */
    const char *models = romcv_test_env("ROMCV_MODELS");
    search = (RomcvModelSearch){.explicit_dir = models, .env_dir = tmp};
    ck_assert_int_eq(romcv_models_find_dir(&search, found, sizeof found, &diag), 0);
    ck_assert_str_eq(found, models);
    /* Installed layout: <prefix>/bin/romcv finds <prefix>/share/romcv/models. */
    char *command = malloc(8192);
    snprintf(command, 8192,
             "mkdir -p '%s/bin' '%s/share/romcv/models' && touch "
             "'%s/share/romcv/models/pose_landmark_full.tflite'",
             tmp, tmp, tmp);
    ck_assert_int_eq(romcv_test_run(command, NULL, 0), 0);
    snprintf(command, 8192, "%s/bin/romcv", tmp);
    search = (RomcvModelSearch){.exe_path = command};
    ck_assert_int_eq(romcv_models_find_dir(&search, found, sizeof found, &diag), 0);
    ck_assert_ptr_nonnull(strstr(found, "/bin/../share/romcv/models"));
    free(command);
    romcv_test_remove_tmpdir(tmp);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("models");
    TCase *tc = tcase_create("models");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_model_has_a_pinned_sum);
    tcase_add_test(tc, compiled_sums_match_the_sums_file);
    tcase_add_test(tc, fetched_models_verify);
    tcase_add_test(tc, tampered_model_is_refused);
    tcase_add_test(tc, missing_model_is_named);
    tcase_add_test(tc, find_dir_honours_the_order);
    suite_add_tcase(suite, tc);
    return romcv_test_main(suite);
}
