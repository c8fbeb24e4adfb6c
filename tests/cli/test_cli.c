/* tests/cli/test_cli.c: option parsing, and the romcv command as a user meets it. */
#include "testutil.h"

#include "cli/options.h"
#include "core/json.h"
#include "romcv/vision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the parser */

typedef struct Parsed {
    double from;
    int threads;
    int verbose;
    const char *model;
    const char *out;
} Parsed;

static int parse(Parsed *p, RomcvCommandLine *line, const char **positionals, int argc,
                 char **argv) {
    static RomcvOption options[5];
    RomcvOption table[] = {
        {"from", 0, ROMCV_OPT_DOUBLE, &p->from, 0, 100, NULL, "SECONDS", "start"},
        {"threads", 0, ROMCV_OPT_INT, &p->threads, 1, 8, NULL, "N", "threads"},
        {"verbose", 'v', ROMCV_OPT_FLAG, &p->verbose, 0, 0, NULL, NULL, "chatty"},
        {"model", 0, ROMCV_OPT_CHOICE, &p->model, 0, 0, "lite|full|heavy", NULL, "model"},
        {"out", 'o', ROMCV_OPT_STRING, &p->out, 0, 0, NULL, "DIR", "output"},
    };
    memcpy(options, table, sizeof table);
    *line = (RomcvCommandLine){"romcv test", options, 5, positionals, 2, 0, false, ""};
    return romcv_cli_parse(line, argc, argv, 1);
}

START_TEST(parses_every_kind) {
    Parsed p = {0};
    RomcvCommandLine line;
    const char *pos[2];
    char *argv[] = {"romcv",   "clip.mp4", "--from=1.5", "--threads", "4",  "-v",
                    "--model", "heavy",    "-o",         "dir",       "--", "--odd-name"};
    ck_assert_int_eq(parse(&p, &line, pos, 12, argv), 0);
    ck_assert_double_eq(p.from, 1.5);
    ck_assert_int_eq(p.threads, 4);
    ck_assert_int_eq(p.verbose, 1);
    ck_assert_str_eq(p.model, "heavy");
    ck_assert_str_eq(p.out, "dir");
    ck_assert_uint_eq(line.positional_count, 2);
    ck_assert_str_eq(pos[0], "clip.mp4");
    ck_assert_str_eq(pos[1], "--odd-name");
}
END_TEST

static void expect_error(int argc, char **argv, const char *needle) {
    Parsed p = {0};
    RomcvCommandLine line;
    const char *pos[2];
    ck_assert_int_eq(parse(&p, &line, pos, argc, argv), -1);
    ck_assert_msg(strstr(line.error, needle) != NULL, "'%s' lacks '%s'", line.error, needle);
    ck_assert_msg(strncmp(line.error, "romcv test: ", 12) == 0, "'%s' lacks the command",
                  line.error);
    ck_assert_ptr_null(strchr(line.error, '\n'));
}

START_TEST(errors_are_one_clear_line) {
    expect_error(2, (char *[]){"romcv", "--fomr"},
                 "unknown option '--fomr' (did you mean '--from'?)");
    expect_error(2, (char *[]){"romcv", "--zzzzzz"}, "unknown option '--zzzzzz' (see --help)");
    expect_error(3, (char *[]){"romcv", "--from", "abc"}, "wants a number, not 'abc'");
    expect_error(3, (char *[]){"romcv", "--from", "nan"}, "wants a number");
    expect_error(3, (char *[]){"romcv", "--from", "-1"}, "between 0 and 100");
    expect_error(3, (char *[]){"romcv", "--threads", "2.5"}, "whole number");
    expect_error(3, (char *[]){"romcv", "--threads", "99"}, "between 1 and 8");
    expect_error(2, (char *[]){"romcv", "--from"}, "needs a value (SECONDS)");
    expect_error(3, (char *[]){"romcv", "--model", "huge"}, "one of lite|full|heavy");
    expect_error(2, (char *[]){"romcv", "--verbose=1"}, "takes no value");
    expect_error(2, (char *[]){"romcv", "-x"}, "unknown option '-x'");
    expect_error(4, (char *[]){"romcv", "a", "b", "c"}, "unexpected argument 'c'");
    expect_error(3, (char *[]){"romcv", "--out", ""}, "non-empty DIR");
}
END_TEST

START_TEST(suggestions) {
    const char *words[] = {"analyze", "probe", "devices", "models"};
    ck_assert_str_eq(romcv_cli_suggest("analyse", words, 4), "analyze");
    ck_assert_str_eq(romcv_cli_suggest("model", words, 4), "models");
    ck_assert_str_eq(romcv_cli_suggest("dev", words, 4), "devices");
    ck_assert_ptr_null(romcv_cli_suggest("xyzzyxyzzy", words, 4));
}
END_TEST

/* -------------------------------------------------------- the executable */

static char output[65536];

/* Runs romcv with arguments (a shell fragment) and returns its exit code. */
static int romcv(const char *arguments) {
    char command[20000];
    int n = snprintf(command, sizeof command, "'%s' %s", romcv_test_env("ROMCV_CLI"), arguments);
    ck_assert_msg(n > 0 && (size_t)n < sizeof command, "command line too long");
    return romcv_test_run(command, output, sizeof output);
}

static void expect_output(const char *needle) {
    ck_assert_msg(strstr(output, needle) != NULL, "output lacks '%s':\n%s", needle, output);
}

/* Every summary.json the command writes must satisfy schema/summary.schema.json,
 * checked by an independent validator (Python's json and python3-jsonschema). */
static void expect_valid_summary(const char *path) {
    const char *src = romcv_test_env("ROMCV_SOURCE_DIR");
    char command[8192];
    char report[4096];
    snprintf(command, sizeof command,
             "python3 '%s/tests/report/validate_summary.py' '%s/schema/summary.schema.json' '%s'",
             src, src, path);
    int rc = romcv_test_run(command, report, sizeof report);
    ck_assert_msg(rc == 0, "%s: validator exit %d:\n%s", path, rc, report);
}

START_TEST(help_and_version) {
    ck_assert_int_eq(romcv("--help"), 0);
    expect_output("usage: romcv COMMAND");
    expect_output("analyze");
    ck_assert_int_eq(romcv("analyze --help"), 0);
    expect_output("--from SECONDS");
    expect_output("--model lite|full|heavy");
    ck_assert_int_eq(romcv("help probe"), 0);
    expect_output("usage: romcv probe INPUT");
    ck_assert_int_eq(romcv("--version"), 0);
    expect_output("romcv 0.1.0 (git ");
    expect_output("@mediapipe/pose@0.5.1675469404");
    expect_output(romcv_model_info(ROMCV_MODEL_LANDMARK_FULL)->sha256);
    expect_output(romcv_model_info(ROMCV_MODEL_DETECTOR)->sha256);
    ck_assert_int_eq(romcv(""), 2); /* no command: usage on stderr */
    expect_output("usage:");
}
END_TEST

START_TEST(command_line_mistakes_exit_2) {
    ck_assert_int_eq(romcv("analyse"), 2);
    expect_output("romcv: unknown command 'analyse' (did you mean 'analyze'?)");
    ck_assert_int_eq(romcv("--frobnicate"), 2);
    expect_output("unknown option '--frobnicate'");
    ck_assert_int_eq(romcv("analyze --fomr 3"), 2);
    expect_output("romcv analyze: unknown option '--fomr' (did you mean '--from'?)");
    ck_assert_int_eq(romcv("analyze --model huge"), 2);
    expect_output("must be one of lite|full|heavy, not 'huge'");
    ck_assert_int_eq(romcv("probe"), 2);
    expect_output("which input?");
    ck_assert_int_eq(romcv("analyze --vertical 1,2"), 2);
    expect_output("romcv analyze: --vertical wants X1,Y1,X2,Y2 in pixels, not '1,2'");
    ck_assert_int_eq(romcv("analyze --camera /nonexistent/camera.json"), 1);
    expect_output("/nonexistent/camera.json");
    /* One line, nothing else. */
    ck_assert_int_eq(romcv("analyze --to"), 2);
    ck_assert_ptr_eq(strchr(output, '\n'), output + strlen(output) - 1);
}
END_TEST

START_TEST(models_command_checks_sums) {
    ck_assert_int_eq(romcv("models"), 0);
    expect_output("full");
    expect_output(" ok");
    ck_assert_int_eq(romcv("models --models /nonexistent/dir"), 1);
    expect_output("/nonexistent/dir: models folder (from --models) does not exist");
    /* A tampered copy: the command fails and says which file and why. */
    char *dir = romcv_test_make_tmpdir();
    char command[8192];
    snprintf(command, sizeof command,
             "cp '%s'/*.tflite '%s'/ && printf 'X' | dd of='%s/pose_landmark_lite.tflite' bs=1 "
             "seek=5000 conv=notrunc status=none",
             romcv_test_env("ROMCV_MODELS"), dir, dir);
    ck_assert_int_eq(romcv_test_run(command, NULL, 0), 0);
    snprintf(command, sizeof command, "models --models '%s'", dir);
    ck_assert_int_eq(romcv(command), 1);
    expect_output("MISMATCH");
    expect_output("pose_landmark_lite.tflite: SHA-256 mismatch");
    snprintf(command, sizeof command, "env ROMCV_MODELS='%s' '%s' analyze --model lite", dir,
             romcv_test_env("ROMCV_CLI"));
    ck_assert_int_eq(romcv_test_run(command, output, sizeof output), 1);
    expect_output("SHA-256 mismatch");
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* Counts the lines of a file (0 when it cannot be read). */
static int count_lines(const char *path) {
    char *text = romcv_test_read_file(path, NULL);
    if (!text) {
        return 0;
    }
    int lines = 0;
    for (char *c = text; *c; c++) {
        lines += *c == '\n';
    }
    free(text);
    return lines;
}

/* No temporary file is left behind in dir. */
static void expect_no_tmp_files(const char *dir) {
    char command[4096];
    snprintf(command, sizeof command, "ls -A '%s' | grep -c '\\.tmp$'", dir);
    char count[64];
    romcv_test_run(command, count, sizeof count);
    ck_assert_msg(atoi(count) == 0, "temporary files left in %s", dir);
}

/* The README's first command runs `romcv analyze` on the built-in phantom: a
 * person is found and the hip rotation of both legs is measured. */
START_TEST(analyze_builtin_default_input) {
    char *dir = romcv_test_make_tmpdir();
    char args[4096];
    snprintf(args, sizeof args, "analyze --to 3 --out '%s/out'", dir);
    ck_assert_int_eq(romcv(args), 0);
    expect_output("builtin:phantom: 91 frames");
    expect_output("a person in 91");
    expect_output("hip_rotation_left");
    expect_output("hip_rotation_right");
    char *csv = romcv_test_path(dir, "out/frames.csv");
    ck_assert_int_eq(count_lines(csv), 92); /* header + 91 frames (0 to 3 s at 30 fps) */
    char *summary_path = romcv_test_path(dir, "out/summary.json");
    char *summary = romcv_test_read_file(summary_path, NULL);
    ck_assert_ptr_nonnull(summary);
    ck_assert_ptr_nonnull(strstr(summary, "\"status\": \"complete\""));
    ck_assert_ptr_nonnull(strstr(summary, "\"with_person\": 91"));
    expect_valid_summary(summary_path);
    /* The summary is strict JSON (a NaN printed as "nan" would not be). */
    RomcvJsonDoc *doc = NULL;
    RomcvDiag json_diag = {0};
    ck_assert_msg(romcv__json_parse(&doc, summary, strlen(summary), "summary.json", &json_diag) ==
                      0,
                  "%s", json_diag.message);
    const RomcvJsonValue *angles = romcv__json_get(romcv__json_root(doc), "angles");
    ck_assert_uint_gt(romcv__json_size(angles), 10);
    romcv__json_free(&doc);
    ck_assert_ptr_nonnull(strstr(summary, romcv_model_info(ROMCV_MODEL_LANDMARK_FULL)->sha256));
    char *mot = romcv_test_path(dir, "out/angles.mot");
    char *mot_text = romcv_test_read_file(mot, NULL);
    ck_assert_ptr_nonnull(mot_text);
    ck_assert_ptr_nonnull(strstr(mot_text, "nRows=        91"));
    ck_assert_ptr_nonnull(strstr(mot_text, "hip_rotation_r"));
    char *out_dir = romcv_test_path(dir, "out");
    expect_no_tmp_files(out_dir);
    free(out_dir);
    free(mot_text);
    free(mot);
    free(summary);
    free(summary_path);
    free(csv);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* No person: the files are still written, the run fails with one clear line. */
START_TEST(analyze_no_person_in_view) {
    char *dir = romcv_test_make_tmpdir();
    char args[4096];
    snprintf(args, sizeof args, "analyze builtin:testcard --to 1 --out '%s' 2>&1 >/dev/null", dir);
    ck_assert_int_eq(romcv(args), 1);
    ck_assert_str_eq(
        output, "romcv analyze: builtin:testcard: no person in view in any of the 30 frames\n");
    char *summary_path = romcv_test_path(dir, "summary.json");
    char *summary = romcv_test_read_file(summary_path, NULL);
    ck_assert_ptr_nonnull(summary);
    ck_assert_ptr_nonnull(strstr(summary, "\"with_person\": 0"));
    expect_valid_summary(summary_path);
    free(summary);
    free(summary_path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(analyze_real_video_times) {
    char *video = romcv_test_shared_file("samples/squat_side.mp4");
    char *dir = romcv_test_make_tmpdir();
    char args[8192];
    snprintf(args, sizeof args, "analyze '%s' --from 1 --to 2 --out '%s'", video, dir);
    ck_assert_int_eq(romcv(args), 0);
    char *csv = romcv_test_path(dir, "frames.csv");
    char *text = romcv_test_read_file(csv, NULL);
    ck_assert_ptr_nonnull(text);
    /* 29.97 fps: frames 30 (1.001 s) to 59 (1.969 s) lie in [1, 2]; the times
     * are the stream's own (pts * time base), not index / rate. */
    ck_assert_int_eq(count_lines(csv), 31);
    ck_assert_ptr_nonnull(strstr(text, "\n0,1.001,"));
    ck_assert_ptr_nonnull(strstr(text, "\n29,1.96863333,"));
    char *summary_path = romcv_test_path(dir, "summary.json");
    expect_valid_summary(summary_path);
    free(summary_path);
    free(text);
    free(csv);
    free(video);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(bad_inputs_get_one_line) {
    char *dir = romcv_test_make_tmpdir();
    char args[8192];
    /* Missing file. */
    snprintf(args, sizeof args, "analyze '%s/nothing.mp4' --out '%s/o' 2>&1 >/dev/null", dir, dir);
    ck_assert_int_eq(romcv(args), 1);
    ck_assert_msg(strncmp(output, "romcv analyze: ", 15) == 0, "%s", output);
    ck_assert_ptr_nonnull(strstr(output, "nothing.mp4"));
    ck_assert_int_eq(strchr(output, '\n') - output + 1, (long)strlen(output));
    char *missing_summary = romcv_test_path(dir, "o/summary.json");
    expect_valid_summary(missing_summary);
    free(missing_summary);
    /* Zero bytes. */
    char *empty = romcv_test_path(dir, "empty.mp4");
    romcv_test_write_file(empty, "", 0);
    snprintf(args, sizeof args, "analyze '%s' --out '%s/o' 2>&1 >/dev/null", empty, dir);
    ck_assert_int_eq(romcv(args), 1);
    ck_assert_ptr_nonnull(strstr(output, "empty.mp4"));
    ck_assert_int_eq(strchr(output, '\n') - output + 1, (long)strlen(output));
    /* A truncated video: the decodable frames are kept, the run fails and says how many were
     * lost. */
    char *video = romcv_test_shared_file("samples/squat_side.mp4");
    char *cut = romcv_test_path(dir, "cut.mp4");
    char command[8192];
    snprintf(command, sizeof command,
             "ffmpeg -v error -i '%s' -c copy -movflags +faststart '%s/whole.mp4' && "
             "head -c 1500000 '%s/whole.mp4' > '%s'",
             video, dir, dir, cut);
    ck_assert_int_eq(romcv_test_run(command, NULL, 0), 0);
    snprintf(args, sizeof args, "analyze '%s' --out '%s/cut' 2>&1 >/dev/null", cut, dir);
    ck_assert_int_eq(romcv(args), 1);
    ck_assert_ptr_nonnull(strstr(output, "romcv analyze: "));
    ck_assert_ptr_nonnull(strstr(output, "cut.mp4: truncated or damaged"));
    ck_assert_ptr_nonnull(strstr(output, "frame(s) lost"));
    char *csv = romcv_test_path(dir, "cut/frames.csv");
    int kept = count_lines(csv) - 1;
    ck_assert_int_gt(kept, 10);
    ck_assert_int_lt(kept, 614);
    char *summary_path = romcv_test_path(dir, "cut/summary.json");
    char *summary = romcv_test_read_file(summary_path, NULL);
    ck_assert_ptr_nonnull(strstr(summary, "\"status\": \"failed\""));
    expect_valid_summary(summary_path);
    free(summary);
    free(summary_path);
    free(csv);
    free(cut);
    free(video);
    free(empty);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* Ctrl-C keeps what was finished and says so (exit 130). */
START_TEST(interrupt_keeps_finished_work) {
    char *dir = romcv_test_make_tmpdir();
    char command[8192];
    /* A long, cheap clip: analysing it takes far longer than the interrupt below. */
    snprintf(command, sizeof command,
             "ffmpeg -v error -f lavfi -i testsrc=size=160x120:rate=30:duration=120 -c:v "
             "libx264 -preset ultrafast '%s/long.mp4'",
             dir);
    ck_assert_int_eq(romcv_test_run(command, NULL, 0), 0);
    /* Wait until the run says it is analysing (its Ctrl-C handling is in
     * place then), let it work a little, then interrupt it. */
    snprintf(command, sizeof command,
             "'%s' analyze '%s/long.mp4' --out '%s/o' -v 2>'%s/err' & pid=$!; "
             "for i in $(seq 1 1200); do grep -q analysing '%s/err' 2>/dev/null && break; "
             "sleep 0.05; done; sleep 0.5; kill -INT $pid; wait $pid; echo \"exit=$?\"",
             romcv_test_env("ROMCV_CLI"), dir, dir, dir, dir);
    romcv_test_run(command, output, sizeof output);
    expect_output("exit=130");
    char *err_path = romcv_test_path(dir, "err");
    char *err = romcv_test_read_file(err_path, NULL);
    ck_assert_ptr_nonnull(strstr(err, "interrupted after"));
    ck_assert_ptr_nonnull(strstr(err, "kept what was finished"));
    char *csv = romcv_test_path(dir, "o/frames.csv");
    int kept = count_lines(csv) - 1;
    ck_assert_int_gt(kept, 0);
    ck_assert_int_lt(kept, 3600);
    char *summary_path = romcv_test_path(dir, "o/summary.json");
    char *summary = romcv_test_read_file(summary_path, NULL);
    ck_assert_ptr_nonnull(summary);
    ck_assert_ptr_nonnull(strstr(summary, "\"status\": \"interrupted\""));
    ck_assert_ptr_nonnull(strstr(summary, "\"partial\": true"));
    expect_valid_summary(summary_path);
    free(summary);
    free(summary_path);
    free(csv);
    free(err);
    free(err_path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* A marked vertical line reaches the analysis and the summary; a bad one is refused. */
START_TEST(analyze_with_calibration) {
    char *dir = romcv_test_make_tmpdir();
    char args[8192];
    snprintf(args, sizeof args,
             "analyze --to 1 --vertical 320,10,330,400 --out '%s/out' 2>&1 >/dev/null", dir);
    ck_assert_int_eq(romcv(args), 0);
    char *summary_path = romcv_test_path(dir, "out/summary.json");
    char *summary = romcv_test_read_file(summary_path, NULL);
    ck_assert_ptr_nonnull(summary);
    ck_assert_ptr_nonnull(strstr(summary, "\"vertical_line\": \"320,10,330,400\""));
    expect_valid_summary(summary_path);
    /* A line 45 degrees off is no vertical: refused with its reason. */
    snprintf(args, sizeof args, "analyze --to 1 --vertical 0,0,400,100 --out '%s/out2'", dir);
    ck_assert_int_eq(romcv(args), 1);
    expect_output("--vertical 0,0,400,100: ");
    expect_output("degrees from the image vertical");
    free(summary);
    free(summary_path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("cli");
    TCase *parser = tcase_create("parser");
    tcase_add_test(parser, parses_every_kind);
    tcase_add_test(parser, errors_are_one_clear_line);
    tcase_add_test(parser, suggestions);
    suite_add_tcase(suite, parser);
    TCase *exe = tcase_create("executable");
    tcase_set_timeout(exe, 120);
    tcase_add_test(exe, help_and_version);
    tcase_add_test(exe, command_line_mistakes_exit_2);
    tcase_add_test(exe, models_command_checks_sums);
    tcase_add_test(exe, analyze_builtin_default_input);
    tcase_add_test(exe, analyze_no_person_in_view);
    tcase_add_test(exe, analyze_with_calibration);
    tcase_add_test(exe, analyze_real_video_times);
    tcase_add_test(exe, bad_inputs_get_one_line);
    tcase_add_test(exe, interrupt_keeps_finished_work);
    suite_add_tcase(suite, exe);
    return romcv_test_main(suite);
}
