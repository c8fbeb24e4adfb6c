/*
 * tests/vision/test_marker_hints.c: the labelling file (--marker-labels,
 * vision/marker_hints.c) is untrusted input. These are the cases
 * fuzz/fuzz_marker_hints.c found or that its contract covers, kept as
 * regressions: a failure names no marker and says why in one printable
 * line; only whole names count; a marker given twice (the JSON reader's
 * duplicate key) or a position no picture has is refused, not guessed.
 */
#include "romcv/romcv.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses text; returns the code, with the positions and the message. */
static int parse(const char *text, float x[ROMCV_MARKER_LABELS], float y[ROMCV_MARKER_LABELS],
                 RomcvDiag *diag) {
    memset(diag, 0, sizeof *diag);
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        x[k] = y[k] = 12345.0f; /* must be overwritten either way */
    }
    return romcv_marker_hints_parse(text, strlen(text), "labels.json", x, y, diag);
}

static void assert_refused(const char *text, const char *why) {
    float x[ROMCV_MARKER_LABELS], y[ROMCV_MARKER_LABELS];
    RomcvDiag diag;
    ck_assert_msg(parse(text, x, y, &diag) < 0, "%s accepted", text);
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        ck_assert_msg(isnan(x[k]) && isnan(y[k]), "%s: marker %d named by a failed file", text, k);
    }
    ck_assert_msg(strstr(diag.message, why) != NULL, "'%s': no '%s' in: %s", text, why,
                  diag.message);
    for (const char *c = diag.message; *c; c++) {
        ck_assert_msg((unsigned char)*c >= 0x20 && *c != 0x7f,
                      "'%s': control character 0x%02x in the message", text, (unsigned char)*c);
    }
}

/* Found by the fuzzer: a key's control characters went into the message
 * as they were ("\b" here; "\u001b[2J" would clear the terminal). */
START_TEST(control_characters_never_reach_the_message) {
    assert_refused("{\"\\b\":[]}", "unknown marker '?'");
    /* ... and through the JSON reader's duplicate-key message (a tab, found
     * the same way; core/json.c). */
    assert_refused("{\"\\t\": [1, 2], \"\\t\": [3, 4]}", "duplicate key \"?\"");
    assert_refused("{\"\\u001b[2J\": [1, 2]}", "unknown marker '?[2J'");
    assert_refused("{\"\\u00e9\": [1, 2]}", "unknown marker '\?\?'"); /* two UTF-8 bytes */
}
END_TEST

START_TEST(only_whole_names_count) {
    /* A C string would end at the NUL and read "s1". */
    assert_refused("{\"s1\\u0000x\": [1, 2]}", "unknown marker 's1?x'");
    assert_refused("{\"s\": [1, 2]}", "unknown marker 's'");
    assert_refused("{\"s12\": [1, 2]}", "unknown marker 's12'");
}
END_TEST

START_TEST(ambiguous_or_impossible_positions_are_refused) {
    /* Two positions for one marker (the JSON reader refuses the key). */
    assert_refused("{\"s1\": [300, 198], \"s1\": [1, 2]}", "duplicate key \"s1\"");
    assert_refused("{\"t12\": [1e39, 2]}", "is not a pixel position");
    assert_refused("{\"l3\": [5, -2e6]}", "is not a pixel position");
    /* All or nothing: the good first member names nothing either. */
    assert_refused("{\"s1\": [1, 2], \"l3\": [1]}", "l3: want [x, y]");
    assert_refused("", "labels.json");
}
END_TEST

/* Every marker's one name (romcv_marker_name, also the CSV's columns) is a
 * key of the labelling file, and each has a title; out of range is "". */
START_TEST(every_marker_name_is_a_key) {
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        char text[128];
        snprintf(text, sizeof text, "{\"%s\": [10, 20]}", romcv_marker_name(k));
        float x[ROMCV_MARKER_LABELS], y[ROMCV_MARKER_LABELS];
        RomcvDiag diag;
        ck_assert_msg(parse(text, x, y, &diag) == 0, "%s: %s", text, diag.message);
        ck_assert_msg(x[k] == 10 && y[k] == 20, "%s names another marker", text);
        ck_assert(romcv_marker_title(k)[0] != '\0');
    }
    ck_assert_str_eq(romcv_marker_name(ROMCV_MARKER_COUNT), "");
    ck_assert_str_eq(romcv_marker_title(-1), "");
}
END_TEST

START_TEST(good_files_from_memory_and_disk) {
    float x[ROMCV_MARKER_LABELS], y[ROMCV_MARKER_LABELS];
    RomcvDiag diag;
    ck_assert_int_eq(parse("{\"asis_left\": [1, 2.5], \"s1\": [-0, 1e6]}", x, y, &diag), 0);
    ck_assert(x[ROMCV_MARKER_ASIS_LEFT] == 1.0f && y[ROMCV_MARKER_ASIS_LEFT] == 2.5f);
    ck_assert(x[ROMCV_MARKER_S1] == 0.0f && y[ROMCV_MARKER_S1] == 1e6f);
    ck_assert(isnan(x[ROMCV_MARKER_T12]) && isnan(y[ROMCV_MARKER_PSIS_RIGHT]));
    /* The limb markers' names, each to its own label. */
    ck_assert_int_eq(parse("{\"trochanter_left\": [1, 2], \"knee_right\": [3, 4], "
                           "\"malleolus_right\": [5, 6]}",
                           x, y, &diag),
                     0);
    ck_assert(x[ROMCV_MARKER_TROCHANTER_LEFT] == 1.0f && y[ROMCV_MARKER_TROCHANTER_LEFT] == 2.0f);
    ck_assert(x[ROMCV_MARKER_KNEE_RIGHT] == 3.0f && y[ROMCV_MARKER_KNEE_RIGHT] == 4.0f);
    ck_assert(x[ROMCV_MARKER_MALLEOLUS_RIGHT] == 5.0f && y[ROMCV_MARKER_MALLEOLUS_RIGHT] == 6.0f);
    ck_assert(isnan(x[ROMCV_MARKER_KNEE_LEFT]) && isnan(x[ROMCV_MARKER_S1]));
    assert_refused("{\"knee\": [1, 2]}", "unknown marker 'knee'");
    /* Without a name, messages still say what was read. */
    ck_assert_int_lt(romcv_marker_hints_parse("[", 1, NULL, x, y, &diag), 0);
    ck_assert_msg(strstr(diag.message, "labelling file") != NULL, "%s", diag.message);
    ck_assert_int_lt(romcv_marker_hints_parse(NULL, 3, "x.json", x, y, &diag), 0);
    /* The loader reads the file and reports with its path. */
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "labels.json");
    const char *bad = "{\"s1\": [1, 2],\n \"s1\": [3, 4]}";
    romcv_test_write_file(path, bad, strlen(bad));
    ck_assert_int_lt(romcv_marker_hints_load(path, x, y, &diag), 0);
    ck_assert_msg(strstr(diag.message, "labels.json:2:") && strstr(diag.message, "duplicate"), "%s",
                  diag.message);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("marker_hints");
    TCase *c = tcase_create("parse");
    tcase_add_test(c, control_characters_never_reach_the_message);
    tcase_add_test(c, only_whole_names_count);
    tcase_add_test(c, ambiguous_or_impossible_positions_are_refused);
    tcase_add_test(c, good_files_from_memory_and_disk);
    tcase_add_test(c, every_marker_name_is_a_key);
    suite_add_tcase(s, c);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
