/* cli/cmd_calibrate.c: romcv calibrate camera, the camera file from a
 * chessboard video or photos (calib/ does the work, docs/camera-file.md
 * describes the file). */
#include "cli/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* "9x6" -> 9, 6. Returns 0, or -1 when it is not two integers. */
static int parse_board(const char *text, int *cols, int *rows) {
    char *end = NULL;
    long c = strtol(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X')) {
        return -1;
    }
    const char *second = end + 1;
    long r = strtol(second, &end, 10);
    if (end == second || *end != '\0' || c < 1 || r < 1 || c > 1000 || r > 1000) {
        return -1;
    }
    *cols = (int)c;
    *rows = (int)r;
    return 0;
}

static int calibrate_camera(RomcvCliContext *ctx, RomcvCliInput *in, const char *board,
                            double square_mm, const char *out_path, double interval_s,
                            int min_views, double max_rms) {
    const char *cmd = "romcv calibrate camera";
    RomcvCalibSettings settings;
    romcv_calib_default_settings(&settings);
    if (parse_board(board, &settings.board_cols, &settings.board_rows) < 0) {
        fprintf(stderr, "%s: --board wants COLSxROWS inner corners, such as 9x6 (got '%s')\n", cmd,
                board);
        return ROMCV_EXIT_USAGE;
    }
    settings.square_mm = square_mm;
    settings.min_views = min_views;
    if (settings.max_views < min_views) {
        settings.max_views = min_views;
    }
    settings.max_rms_px = max_rms;
    settings.logger = ctx->logger;
    RomcvDiag diag = {0};
    RomcvCalibrator *calibrator = NULL;
    if (romcv_calibrator_create(&calibrator, &settings, &diag) < 0) {
        fprintf(stderr, "%s: %s\n", cmd, diag.message);
        return ROMCV_EXIT_USAGE;
    }
    RomcvCapture *capture = NULL;
    if (romcv_cli_open_input(ctx, in, &capture, &diag) < 0) {
        romcv_calibrator_destroy(&calibrator);
        return romcv_cli_fail(cmd, &diag);
    }
    /* Photos are each a deliberate view: all of them count. */
    if (romcv_capture_info(capture)->kind == ROMCV_CAPTURE_IMAGES) {
        interval_s = 0;
    }
    RomcvFrame *frame = NULL;
    int rc;
    double next_s = -INFINITY;
    int failed = 0;
    while ((rc = romcv_capture_receive(capture, &frame)) == 0) {
        /* Neighbouring video frames show the same view: looking at a few
         * per second finds the board's poses at a fraction of the cost. */
        if (frame->time_s >= next_s) {
            next_s = frame->time_s + interval_s;
            int kept = romcv_calibrator_add_frame(calibrator, frame);
            if (kept < 0) {
                fprintf(stderr, "%s: %s\n", cmd, romcv_calibrator_errmsg(calibrator));
                failed = 1;
                romcv_frame_unref(&frame);
                break;
            }
            romcv_log(&ctx->logger, ROMCV_LOG_VERBOSE, "calib", "frame at %.3f s: %s",
                      frame->time_s, kept ? "view kept" : "no new view");
        }
        romcv_frame_unref(&frame);
    }
    if (!failed && rc != ROMCV_E_EOF) {
        fprintf(stderr, "%s: %s\n", cmd, romcv_capture_errmsg(capture));
        failed = 1;
    }
    romcv_capture_close(&capture);
    if (failed) {
        romcv_calibrator_destroy(&calibrator);
        return ROMCV_EXIT_FAILURE;
    }
    RomcvCameraModel camera;
    memset(&camera, 0, sizeof(camera));
    int frames = 0, views = 0;
    romcv_calibrator_counts(calibrator, &frames, &views);
    rc = romcv_calibrator_solve(calibrator, &camera);
    if (rc < 0) {
        fprintf(stderr, "%s: %s: %s\n", cmd, in->input, romcv_calibrator_errmsg(calibrator));
        romcv_calibrator_destroy(&calibrator);
        return ROMCV_EXIT_FAILURE;
    }
    romcv_calibrator_destroy(&calibrator);
    if (romcv_calib_camera_save(&camera, out_path, &diag) < 0) {
        return romcv_cli_fail(cmd, &diag);
    }
    printf("board: %s inner corners, %.4g mm squares, found in %d views (%d frames examined)\n"
           "image: %dx%d\n"
           "focal length: fx %.2f px, fy %.2f px\n"
           "principal point: %.2f, %.2f px\n"
           "distortion: k1 %.5f, k2 %.5f, p1 %.5f, p2 %.5f, k3 %.5f\n"
           "reprojection error: %.3f px RMS over %d views\n"
           "camera file: %s\n",
           board, square_mm, views, frames, camera.width, camera.height, camera.fx, camera.fy,
           camera.cx, camera.cy, camera.k1, camera.k2, camera.p1, camera.p2, camera.k3,
           camera.reprojection_rms_px, camera.views, out_path);
    return EXIT_SUCCESS;
}

/* romcv calibrate WHAT INPUT [options]. */
int romcv_cli_calibrate(RomcvCliContext *ctx, int argc, char **argv) {
    RomcvCliInput in;
    romcv_cli_input_defaults(&in);
    const char *board = NULL;
    const char *out_path = "camera.json";
    double square_mm = 0;
    double interval_s = 0.2;
    int min_views = 5;
    double max_rms = 1.0;
    RomcvOption options[] = {
        {"board", 0, ROMCV_OPT_STRING, &board, 0, 0, NULL, "COLSxROWS",
         "inner corners of the chessboard (a board of 10x7 squares is 9x6); required"},
        {"square", 0, ROMCV_OPT_DOUBLE, &square_mm, 0.1, 10000, NULL, "MM",
         "side of one square, millimetres; required"},
        {"out", 'o', ROMCV_OPT_STRING, &out_path, 0, 0, NULL, "FILE",
         "camera file to write (default camera.json)"},
        {"interval", 0, ROMCV_OPT_DOUBLE, &interval_s, 0, 60, NULL, "SECONDS",
         "video: look for the board this often (default 0.2 s; 0: every frame; photos: all)"},
        {"min-views", 0, ROMCV_OPT_INT, &min_views, 3, 1000, NULL, "N",
         "fewest board views accepted (default 5)"},
        {"max-error", 0, ROMCV_OPT_DOUBLE, &max_rms, 0.01, 100, NULL, "PX",
         "largest RMS reprojection error accepted (default 1 px)"},
        ROMCV_CLI_INPUT_OPTIONS(in),
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    const char *positionals[2];
    RomcvCommandLine line = {
        "romcv calibrate", options, ROMCV_COUNT_OF(options), positionals, 2, 0, false, ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, "romcv calibrate camera INPUT --board COLSxROWS --square MM [options]",
        "Calibrates the camera (focal length, principal point, lens distortion) from a video, "
        "photos (a glob such as 'board/*.jpg') or a camera showing a printed chessboard in "
        "different positions, and writes the camera file (docs/camera-file.md) that "
        "'romcv analyze --camera' uses to undistort landmarks.");
    if (rc >= 0) {
        return rc;
    }
    if (line.positional_count < 1 || strcmp(positionals[0], "camera") != 0) {
        fprintf(stderr, "romcv calibrate: what to calibrate? (romcv calibrate camera INPUT "
                        "--board 9x6 --square 25)\n");
        return ROMCV_EXIT_USAGE;
    }
    if (line.positional_count != 2) {
        fprintf(stderr, "romcv calibrate camera: which input? (romcv calibrate camera INPUT "
                        "--board 9x6 --square 25)\n");
        return ROMCV_EXIT_USAGE;
    }
    if (!board || square_mm <= 0) {
        fprintf(stderr, "romcv calibrate camera: --board COLSxROWS and --square MM are required "
                        "(count the inner corners; measure a square on the print)\n");
        return ROMCV_EXIT_USAGE;
    }
    romcv_cli_setup_logger(ctx);
    in.input = positionals[1];
    return calibrate_camera(ctx, &in, board, square_mm, out_path, interval_s, min_views, max_rms);
}
