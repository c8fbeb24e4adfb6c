/*
 * tests/vision/test_aruco_cli.c: `romcv analyze --markers aruco` end to end
 * on the digital phantom (issue 10): `romcv phantom --markers aruco` renders
 * the single-leg stance from the front with printed squares, `romcv
 * analyze` runs BlazePose and the ArUco detector on the encoded video, and
 * metrics measures pelvic obliquity on the squares, not as an estimate;
 * `romcv markers-sheet` writes the printable sheet. Bad combinations fail
 * with one line.
 *
 * Figures (Release, docs/markers.md): both ASIS in every detectable frame,
 * median centre error 0.2 px through H.264 against the truth's centres.
 */
#include "testutil.h"

#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* markers.csv against the truth file for one marker: frames the truth
 * calls detectable, how many of them have the marker, the median error. */
static double centre_error(const char *csv, const char *truth_path, const char *csv_name,
                           const char *truth_name, int *visible, int *found) {
    size_t size = 0;
    char *text = romcv_test_read_file(truth_path, &size);
    ck_assert_ptr_nonnull(text);
    RomcvJsonDoc *doc = NULL;
    RomcvJsonLimits limits = romcv__json_default_limits();
    limits.max_size = 1 << 28;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv__json_parse_ex(&doc, text, size, truth_path, &limits, &diag) == 0, "%s",
                  diag.message);
    const RomcvJsonValue *frames = romcv__json_get(romcv__json_root(doc), "frames");
    char name[64];
    snprintf(name, sizeof name, "%s_x", csv_name);
    int cx = romcv_test_csv_column(csv, name);
    ck_assert_msg(cx >= 0, "markers.csv has no column %s", name);
    double errors[1024];
    int n = 0;
    *visible = *found = 0;
    const char *line = strchr(csv, '\n') + 1;
    for (size_t i = 0; i < romcv__json_size(frames) && *line; i++) {
        const RomcvJsonValue *mt =
            romcv__json_get(romcv__json_get(romcv__json_at(frames, i), "markers"), truth_name);
        const RomcvJsonValue *image = romcv__json_get(mt, "image");
        double x = romcv_test_csv_field(line, cx), y = romcv_test_csv_field(line, cx + 1);
        if (romcv__json_bool(romcv__json_get(mt, "detectable"))) {
            (*visible)++;
            if (isfinite(x) && n < 1024) {
                (*found)++;
                errors[n++] = hypot(x - romcv__json_number(romcv__json_at(image, 0)),
                                    y - romcv__json_number(romcv__json_at(image, 1)));
            }
        }
        const char *next = strchr(line, '\n');
        line = next ? next + 1 : line + strlen(line);
    }
    romcv__json_free(&doc);
    free(text);
    ck_assert_int_gt(n, 0);
    return romcv_test_percentile(errors, n, 0.5);
}

START_TEST(analyze_measures_obliquity_on_aruco_squares) {
    char *dir = romcv_test_make_tmpdir();
    char cmd[4096];
    static char out[65536];
    snprintf(cmd, sizeof cmd,
             "'%s' phantom -q --protocol single-leg-stance --markers aruco --width 1920 --height "
             "1440 --duration 1.5 --out '%s/front.mp4'",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_msg(romcv_test_run(cmd, out, sizeof out) == 0, "%s", out);
    snprintf(cmd, sizeof cmd,
             "'%s' analyze '%s/front.mp4' --out '%s/r' --no-video --markers aruco 2>&1",
             romcv_test_env("ROMCV_CLI"), dir, dir);
    int status = romcv_test_run(cmd, out, sizeof out);
    ck_assert_msg(status == 0, "exit %d: %s", status, out);
    ck_assert_msg(strstr(out, "pelvic_obliquity") != NULL, "no obliquity: %s", out);
    char path[4096], truth[4096];
    snprintf(path, sizeof path, "%s/r/markers.csv", dir);
    char *csv = romcv_test_read_file(path, NULL);
    ck_assert_msg(csv != NULL, "%s not written", path);
    snprintf(truth, sizeof truth, "%s/front.truth.json", dir);
    static const char *const csv_names[] = {"asis_left", "asis_right"};
    static const char *const truth_names[] = {"left_asis", "right_asis"};
    for (int m = 0; m < 2; m++) {
        int visible, found;
        double median_px = centre_error(csv, truth, csv_names[m], truth_names[m], &visible, &found);
        fprintf(stderr, "%s: found in %d of %d detectable frames, median centre error %.3f px\n",
                csv_names[m], found, visible, median_px);
        ck_assert_int_ge(visible, 40);
        ck_assert_msg(found >= 0.99 * visible, "%s found in %d of %d", csv_names[m], found,
                      visible);
        ck_assert_msg(median_px <= 0.5, "%s: median centre error %.3f px", csv_names[m], median_px);
    }
    /* Nothing else was named: the PSIS and spine are behind the body. */
    int col = romcv_test_csv_column(csv, "s1_visible");
    ck_assert_int_ge(col, 0);
    for (const char *line = strchr(csv, '\n') + 1; *line;) {
        ck_assert(romcv_test_csv_field(line, col) == 0);
        const char *next = strchr(line, '\n');
        line = next ? next + 1 : line + strlen(line);
    }
    free(csv);
    snprintf(path, sizeof path, "%s/r/summary.json", dir);
    char *summary = romcv_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(summary);
    const char *at = strstr(summary, "\"name\": \"pelvic_obliquity\"");
    ck_assert_ptr_nonnull(at);
    const char *e = strstr(at, "\"estimate\":");
    ck_assert_ptr_nonnull(e);
    e += strlen("\"estimate\":");
    while (*e == ' ') {
        e++;
    }
    ck_assert_msg(strncmp(e, "false", 5) == 0, "obliquity flagged as an estimate");
    free(summary);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* The printable sheet: a PNG under its name only (written then renamed),
 * and bad sizes refused with one line. */
START_TEST(markers_sheet_written) {
    char *dir = romcv_test_make_tmpdir();
    char cmd[4096];
    static char out[8192];
    snprintf(cmd, sizeof cmd, "'%s' markers-sheet --out '%s/sheet.png' --size-mm 30 2>&1",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_msg(romcv_test_run(cmd, out, sizeof out) == 0, "%s", out);
    char path[4096];
    snprintf(path, sizeof path, "%s/sheet.png", dir);
    size_t size = 0;
    char *png = romcv_test_read_file(path, &size);
    ck_assert_msg(png && size > 1000 && memcmp(png, "\x89PNG", 4) == 0, "no PNG at %s", path);
    free(png);
    snprintf(path, sizeof path, "%s/sheet.tmp.png", dir);
    ck_assert_ptr_null(romcv_test_read_file(path, NULL));
    snprintf(cmd, sizeof cmd, "'%s' markers-sheet --out '%s/x.png' --size-mm 500 2>&1",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_int_ne(romcv_test_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
    snprintf(cmd, sizeof cmd, "'%s' markers-sheet --out '%s/x.txt' 2>&1",
             romcv_test_env("ROMCV_CLI"), dir);
    ck_assert_int_ne(romcv_test_run(cmd, out, sizeof out), 0);
    ck_assert_msg(strstr(out, ".png") != NULL, "%s", out);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* ArUco squares are named by their ids and cannot be read mirrored: a
 * labelling file or --mirrored with them fail at once, with one line. */
START_TEST(bad_combinations_refused) {
    char cmd[4096];
    static char out[8192];
    const char *extra[] = {"--marker-labels /nonexistent.json", "--mirrored"};
    for (int i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "'%s' analyze /nonexistent.mp4 --markers aruco %s 2>&1",
                 romcv_test_env("ROMCV_CLI"), extra[i]);
        int status = romcv_test_run(cmd, out, sizeof out);
        ck_assert_msg(status != 0, "%s accepted", extra[i]);
        ck_assert_msg(strstr(out, "aruco") || strstr(out, "ArUco"), "%s: %s", extra[i], out);
        ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1, "not one line: %s", out);
    }
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("aruco_cli");
    TCase *c = tcase_create("cli");
    tcase_set_timeout(c, 900); /* the sanitised build renders 1920 x 1440 slowly */
    tcase_add_test(c, analyze_measures_obliquity_on_aruco_squares);
    tcase_add_test(c, markers_sheet_written);
    tcase_add_test(c, bad_combinations_refused);
    suite_add_tcase(s, c);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
