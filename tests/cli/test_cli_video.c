/*
 * tests/cli/test_cli_video.c: `romcv analyze`'s annotated.mp4 as a user gets
 * it, checked with FFmpeg's own tools (ffprobe, ffmpeg), never romcv's
 * capture: one video frame per analysed frame, at the input's own time
 * stamps (a variable-rate input stays variable-rate, tick for tick), a file
 * that decodes cleanly after Ctrl-C in the analysis or in the video pass,
 * and none with --no-video.
 */
#include "testutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FRAMES 4096

static char output[65536];

/* Runs the romcv executable with args (a shell fragment); returns its exit
 * status, with stdout and stderr in output. */
static int romcv(const char *args) {
    char command[16384];
    snprintf(command, sizeof command, "'%s' %s", romcv_test_env("ROMCV_CLI"), args);
    return romcv_test_run(command, output, sizeof output);
}

/* Every number ffprobe prints for one entry per line (pts, or pts_time),
 * in order. Returns how many. */
static int probe_values(const char *path, const char *entry, double *values, int max) {
    static char text[1 << 20];
    char command[8192];
    snprintf(command, sizeof command,
             "ffprobe -v error -select_streams v:0 -show_entries frame=%s -of csv=p=0 '%s'", entry,
             path);
    ck_assert_int_eq(romcv_test_run(command, text, sizeof text), 0);
    int n = 0;
    for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        char *end;
        double v = strtod(line, &end);
        if (end != line) {
            values[n++] = v;
        }
    }
    return n;
}

/* Decodes the whole file with ffmpeg: 1 when it decodes without a word. */
static int decodes_cleanly(const char *path) {
    char command[8192], text[4096];
    snprintf(command, sizeof command, "ffmpeg -nostdin -v error -i '%s' -f null - 2>&1", path);
    return romcv_test_run(command, text, sizeof text) == 0 && text[0] == '\0';
}

/* The time_s column (the second) of frames.csv. */
static int csv_times(const char *path, double *times, int max) {
    char *text = romcv_test_read_file(path, NULL);
    ck_assert_ptr_nonnull(text);
    int n = 0;
    char *line = strchr(text, '\n'); /* past the header */
    while (line && *++line && n < max) {
        char *comma = strchr(line, ',');
        ck_assert_ptr_nonnull(comma);
        times[n++] = strtod(comma + 1, NULL);
        line = strchr(line, '\n');
    }
    free(text);
    return n;
}

/* The phantom (a person, front view): one video frame per analysed frame, at
 * the analysed frame's time, as H.264 at the input's size. */
START_TEST(phantom_video_has_every_frame_at_its_time) {
    char *dir = romcv_test_make_tmpdir();
    char args[4096];
    snprintf(args, sizeof args, "analyze --to 1 --out '%s'", dir);
    ck_assert_msg(romcv(args) == 0, "%s", output);
    ck_assert_ptr_nonnull(strstr(output, "annotated.mp4 (H.264, 31 frames)"));
    char *video = romcv_test_path(dir, "annotated.mp4");
    char *csv = romcv_test_path(dir, "frames.csv");
    static double want[MAX_FRAMES], got[MAX_FRAMES];
    int n_want = csv_times(csv, want, MAX_FRAMES);
    int n_got = probe_values(video, "pts_time", got, MAX_FRAMES);
    ck_assert_int_eq(n_want, 31);
    ck_assert_int_eq(n_got, n_want);
    for (int i = 0; i < n_got; i++) {
        ck_assert_msg(fabs(got[i] - want[i]) < 2e-5, "frame %d at %.6f s, analysed at %.6f s", i,
                      got[i], want[i]);
    }
    char probe[8192];
    snprintf(probe, sizeof probe,
             "ffprobe -v error -select_streams v:0 -show_entries stream=codec_name,width,height "
             "-of csv=p=0 '%s'",
             video);
    ck_assert_int_eq(romcv_test_run(probe, output, sizeof output), 0);
    ck_assert_str_eq(output, "h264,640,480\n");
    ck_assert(decodes_cleanly(video));
    /* Nothing under a temporary name. */
    snprintf(probe, sizeof probe, "ls -A '%s' | grep -c tmp", dir);
    romcv_test_run(probe, output, sizeof output);
    ck_assert_int_eq(atoi(output), 0);
    free(csv);
    free(video);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* A variable-rate input (frames dropped unevenly, 90 kHz clock): the video's
 * time stamps are the input's, tick for tick. No person is in view, so the
 * run fails, yet every output, the video too, is written. --no-video writes
 * none. */
START_TEST(variable_rate_input_keeps_its_time_stamps) {
    char *dir = romcv_test_make_tmpdir();
    char command[8192];
    snprintf(command, sizeof command,
             "ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120:rate=30:duration=2 -vf "
             "\"select='not(eq(mod(n\\,4)\\,1))*not(eq(mod(n\\,7)\\,3))'\" -fps_mode "
             "passthrough -c:v libx264 -preset ultrafast -bf 0 -video_track_timescale 90000 "
             "'%s/vfr.mp4'",
             dir);
    ck_assert_int_eq(romcv_test_run(command, output, sizeof output), 0);
    char *input = romcv_test_path(dir, "vfr.mp4");
    static double in_pts[MAX_FRAMES], out_pts[MAX_FRAMES];
    int n_in = probe_values(input, "pts", in_pts, MAX_FRAMES);
    ck_assert_int_eq(n_in, 38); /* 60 frames less the 22 dropped */
    /* Really variable: gaps of one, two and three frame periods. */
    int gaps[4] = {0};
    for (int i = 1; i < n_in; i++) {
        int periods = (int)lround((in_pts[i] - in_pts[i - 1]) / 3000.0);
        gaps[periods < 4 ? periods : 0]++;
    }
    ck_assert(gaps[1] > 0 && gaps[2] > 0 && gaps[3] > 0);

    snprintf(command, sizeof command, "analyze '%s' --out '%s/out' -q", input, dir);
    ck_assert_int_eq(romcv(command), 1);
    ck_assert_ptr_nonnull(strstr(output, "no person in view"));
    char *video = romcv_test_path(dir, "out/annotated.mp4");
    int n_out = probe_values(video, "pts", out_pts, MAX_FRAMES);
    ck_assert_int_eq(n_out, n_in);
    for (int i = 0; i < n_in; i++) {
        ck_assert_msg(out_pts[i] == in_pts[i], "frame %d: pts %.0f, input %.0f", i, out_pts[i],
                      in_pts[i]);
    }
    ck_assert(decodes_cleanly(video));

    snprintf(command, sizeof command, "analyze '%s' --out '%s/none' -q --no-video", input, dir);
    ck_assert_int_eq(romcv(command), 1);
    char *none = romcv_test_path(dir, "none/annotated.mp4");
    char *summary = romcv_test_path(dir, "none/summary.json");
    ck_assert_int_ne(access(none, F_OK), 0);
    ck_assert_int_eq(access(summary, F_OK), 0);
    free(summary);
    free(none);
    free(video);
    free(input);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* Ctrl-C during the analysis: the video holds exactly the frames analysed. */
START_TEST(interrupted_analysis_gives_the_frames_analysed) {
    char *dir = romcv_test_make_tmpdir();
    char command[8192];
    snprintf(command, sizeof command,
             "ffmpeg -nostdin -v error -f lavfi -i testsrc=size=160x120:rate=30:duration=120 -c:v "
             "libx264 -preset ultrafast '%s/long.mp4'",
             dir);
    ck_assert_int_eq(romcv_test_run(command, NULL, 0), 0);
    snprintf(command, sizeof command,
             "'%s' analyze '%s/long.mp4' --out '%s/o' -v 2>'%s/err' & pid=$!; "
             "for i in $(seq 1 1200); do grep -q analysing '%s/err' 2>/dev/null && break; "
             "sleep 0.05; done; sleep 0.5; kill -INT $pid; wait $pid; echo \"exit=$?\"",
             romcv_test_env("ROMCV_CLI"), dir, dir, dir, dir);
    romcv_test_run(command, output, sizeof output);
    ck_assert_msg(strstr(output, "exit=130") != NULL, "%s", output);
    char *csv = romcv_test_path(dir, "o/frames.csv");
    static double times[MAX_FRAMES], pts[MAX_FRAMES];
    int analysed = csv_times(csv, times, MAX_FRAMES);
    ck_assert_int_gt(analysed, 0);
    ck_assert_int_lt(analysed, 3600);
    char *video = romcv_test_path(dir, "o/annotated.mp4");
    ck_assert_int_eq(probe_values(video, "pts_time", pts, MAX_FRAMES), analysed);
    ck_assert(decodes_cleanly(video));
    free(video);
    free(csv);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* Ctrl-C during the video pass: the file is finished with the frames done
 * and plays. The input is a named pipe, so the test decides when the second
 * reading gets its data: all of it for the analysis, then only the first part
 * for the video, with the pipe held open, so the pass is certainly still
 * running when the interrupt comes. */
START_TEST(interrupted_video_keeps_the_frames_done) {
    char *dir = romcv_test_make_tmpdir();
    char command[16384];
    snprintf(command, sizeof command,
             "cd '%s' && ffmpeg -nostdin -v error -f lavfi -i "
             "testsrc=size=160x120:rate=30:duration=20 -c:v libx264 -preset ultrafast -bf 0 -f "
             "mpegts clip.ts && mkfifo in.ts",
             dir);
    ck_assert_int_eq(romcv_test_run(command, NULL, 0), 0);
    snprintf(command, sizeof command,
             "cd '%s' && (cat clip.ts > in.ts &) ; '%s' analyze in.ts --out o -v 2>err & "
             "pid=$!; "
             /* The analysis is done when the video pass says it starts. */
             "for i in $(seq 1 2400); do grep -q 'drawing and encoding' err && break; sleep "
             "0.05; done; "
             /* A third of the stream, and the pipe kept open. */
             "(head -c 60000 clip.ts; exec sleep 60) > in.ts & writer=$!; "
             /* The first frame is in: the temporary file exists. */
             "for i in $(seq 1 2400); do ls o/annotated.mp4.tmp-* >/dev/null 2>&1 && break; "
             "sleep 0.05; done; sleep 0.5; kill -INT $pid; sleep 0.2; kill $writer; "
             "wait $pid; echo \"exit=$?\"",
             dir, romcv_test_env("ROMCV_CLI"));
    romcv_test_run(command, output, sizeof output);
    /* No person in the test pattern: the run had already failed (exit 1),
     * which the interrupt does not hide. */
    ck_assert_msg(strstr(output, "exit=1\n") != NULL, "%s", output);
    char *err_path = romcv_test_path(dir, "err");
    char *err = romcv_test_read_file(err_path, NULL);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, "interrupted while writing annotated.mp4; kept the") != NULL, "%s",
                  err);
    char *video = romcv_test_path(dir, "o/annotated.mp4");
    static double pts[MAX_FRAMES];
    int kept = probe_values(video, "pts_time", pts, MAX_FRAMES);
    ck_assert_int_gt(kept, 0);
    ck_assert_int_lt(kept, 600);
    char said[64];
    snprintf(said, sizeof said, "kept the %d frames done", kept);
    ck_assert_ptr_nonnull(strstr(err, said));
    ck_assert(decodes_cleanly(video));
    free(video);
    free(err);
    free(err_path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("cli_video");
    TCase *tc = tcase_create("annotated_video");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, phantom_video_has_every_frame_at_its_time);
    tcase_add_test(tc, variable_rate_input_keeps_its_time_stamps);
    tcase_add_test(tc, interrupted_analysis_gives_the_frames_analysed);
    tcase_add_test(tc, interrupted_video_keeps_the_frames_done);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
