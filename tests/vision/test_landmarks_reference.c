/*
 * tests/vision/test_landmarks_reference.c: issue 4's acceptance. romcv's
 * tracker, run by the `romcv landmarks` command on every shared sample video,
 * must give MediaPipe's own answers (../shared/reference, made by Google's web
 * build of MediaPipe Pose with the same settings):
 *   - frames where one finds a pose and the other does not: <= 1%;
 *   - body landmarks with reference visibility > 0.5: distance median <= 0.15%
 *     and 95th percentile <= 0.5% of the frame's larger side;
 *   - knee and hip angles from both: median difference <= 1 degree, pooled
 *     over the four angles, and for each angle seen in at least 20 frames.
 * The comparison is tests/vision/landmark_compare.c, the same code as
 * bench/compare_landmarks, which prints the full stage-by-stage report.
 */
#include "testutil.h"

#include "landmark_compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Case {
    const char *video;     /* under shared/samples */
    const char *reference; /* under shared/reference */
    const char *flags;     /* romcv landmarks options matching the reference's settings */
} Case;

static const Case cases[] = {
    {"squat_side.mp4", "squat_side.m1.jsonl", ""},
    {"squat_side.mp4", "squat_side.m1.nosmooth.jsonl", "--no-smooth"},
    {"squat_side.mp4", "squat_side.m0.jsonl", "--model lite"},
    {"squat_side.mp4", "squat_side.m2.jsonl", "--model heavy"},
    {"squat_front.mp4", "squat_front.m1.jsonl", ""},
    {"squat_front.mp4", "squat_front.m1.static.jsonl", "--static"},
    {"sports2d_demo.mp4", "sports2d_demo.m1.jsonl", ""},
    {"pose2sim_balance/cam01.mp4", "pose2sim_balance_cam01.m1.jsonl", ""},
    {"pose2sim_balance/cam02.mp4", "pose2sim_balance_cam02.m1.jsonl", ""},
    {"pose2sim_balance/cam03.mp4", "pose2sim_balance_cam03.m1.jsonl", ""},
    {"pose2sim_balance/cam04.mp4", "pose2sim_balance_cam04.m1.jsonl", ""},
};

/* Angles seen in fewer frames than this are reported but not judged alone:
 * a median of a handful of frames says little (squat_side's far knee is
 * visible in 4 frames with the lite model). */
#define MIN_FRAMES_PER_ANGLE 20

START_TEST(matches_mediapipe) {
    const Case *c = &cases[_i];
    char video_rel[256], reference_rel[256];
    snprintf(video_rel, sizeof video_rel, "samples/%s", c->video);
    snprintf(reference_rel, sizeof reference_rel, "reference/%s", c->reference);
    char *video = romcv_test_shared_file(video_rel);
    char *reference = romcv_test_shared_file(reference_rel);
    char *dir = romcv_test_make_tmpdir();
    char *candidate = romcv_test_path(dir, "landmarks.jsonl");

    char command[8192];
    static char output[16384];
    snprintf(command, sizeof command, "'%s' landmarks '%s' --out '%s' %s",
             romcv_test_env("ROMCV_CLI"), video, candidate, c->flags);
    int rc = romcv_test_run(command, output, sizeof output);
    ck_assert_msg(rc == 0, "%s failed (%d): %s", command, rc, output);

    LmcSeries ours = {0}, theirs = {0};
    RomcvDiag diag = {0};
    ck_assert_msg(lmc_load_file(&ours, candidate, &diag) == 0, "%s", diag.message);
    ck_assert_msg(lmc_load_file(&theirs, reference, &diag) == 0, "%s", diag.message);
    LmcTargets targets = lmc_default_targets();
    LmcResult result;
    ck_assert_msg(lmc_compare(&ours, &theirs, &targets, &result, &diag) == 0, "%s", diag.message);
    printf("== %s %s vs %s\n", c->video, c->flags, c->reference);
    lmc_print_text(stdout, &result, &targets);
    fflush(stdout);

    ck_assert_uint_eq(result.missing_in_candidate, 0);
    ck_assert_msg(result.mismatch_pct <= 1.0, "%s: pose found by one only in %.2f%% of frames",
                  c->reference, result.mismatch_pct);
    ck_assert_msg(result.distance_pct.median <= 0.15, "%s: landmark median %.4f%% > 0.15%%",
                  c->reference, result.distance_pct.median);
    ck_assert_msg(result.distance_pct.p95 <= 0.5, "%s: landmark p95 %.4f%% > 0.5%%", c->reference,
                  result.distance_pct.p95);
    ck_assert_msg(result.angle_all_deg.median <= 1.0, "%s: knee/hip angle median %.3f deg > 1",
                  c->reference, result.angle_all_deg.median);
    for (int a = 0; a < LMC_ANGLES; a++) {
        if (result.angle_deg[a].n >= MIN_FRAMES_PER_ANGLE) {
            ck_assert_msg(result.angle_deg[a].median <= 1.0, "%s: angle %d median %.3f deg > 1",
                          c->reference, a, result.angle_deg[a].median);
        }
    }
    lmc_series_free(&ours);
    lmc_series_free(&theirs);
    free(candidate);
    romcv_test_remove_tmpdir(dir);
    free(reference);
    free(video);
}
END_TEST

int main(void) {
    Suite *suite = suite_create("landmarks_reference");
    TCase *tc = tcase_create("reference");
    /* The heavy model under ASan is the slowest case; CTest bounds the whole run. */
    tcase_set_timeout(tc, 900);
    tcase_add_loop_test(tc, matches_mediapipe, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(suite, tc);
    return romcv_test_main(suite);
}
