/* cli/cmd_calibrate.c: romcv calibrate: the camera file from a chessboard
 * video or photos (docs/camera-file.md), the true vertical (camera roll) and
 * the scale in metres per pixel. calib/ does the work. */
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

/* "x1,y1,x2,y2" -> four numbers. Returns 0, or -1. */
static int parse_line(const char *text, double v[4]) {
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        char *end = NULL;
        v[i] = strtod(p, &end);
        if (end == p || !isfinite(v[i]) || *end != (i < 3 ? ',' : '\0')) {
            return -1;
        }
        p = end + 1;
    }
    return 0;
}

/* The first frame of in (at --from), for the vertical and scale commands. */
static int first_frame(const RomcvCliContext *ctx, const RomcvCliInput *in, RomcvFrame **frame,
                       RomcvDiag *diag) {
    RomcvCapture *capture = NULL;
    int rc = romcv_cli_open_input(ctx, in, &capture, diag);
    if (rc < 0) {
        return rc;
    }
    rc = romcv_capture_receive(capture, frame);
    if (rc < 0) {
        rc = romcv_diag_set(diag, rc, "%s: no frame: %s", in->input, romcv_capture_errmsg(capture));
    }
    romcv_capture_close(&capture);
    return rc;
}

/* Finds the board in one frame; its corners go to x, y (cols * rows). */
static int board_in_frame(const RomcvFrame *frame, int cols, int rows, float *x, float *y,
                          RomcvDiag *diag) {
    RomcvCalibSettings settings;
    romcv_calib_default_settings(&settings);
    settings.board_cols = cols;
    settings.board_rows = rows;
    RomcvCalibrator *calibrator = NULL;
    int rc = romcv_calibrator_create(&calibrator, &settings, diag);
    if (rc < 0) {
        return rc;
    }
    rc = romcv_calibrator_add_frame(calibrator, frame);
    if (rc == 0) {
        rc = romcv_diag_set(diag, ROMCV_E_NOT_FOUND, "no %dx%d chessboard found in the frame", cols,
                            rows);
    } else if (rc < 0) {
        romcv_diag_set(diag, rc, "%s", romcv_calibrator_errmsg(calibrator));
    } else {
        const float *cy = NULL;
        const float *cx = romcv_calibrator_corners(calibrator, 0, &cy);
        memcpy(x, cx, sizeof(float) * (size_t)cols * (size_t)rows);
        memcpy(y, cy, sizeof(float) * (size_t)cols * (size_t)rows);
        rc = 0;
    }
    romcv_calibrator_destroy(&calibrator);
    return rc;
}

/* What calibrate vertical and calibrate scale take. */
typedef struct PlaneArgs {
    const char *what; /* "vertical" or "scale" */
    const char *board;
    double square_mm;
    const char *line;   /* --vertical or --points */
    double distance_m;  /* --distance */
    int scene;          /* --scene */
    const char *camera; /* --camera */
} PlaneArgs;

static int calibrate_plane(RomcvCliContext *ctx, RomcvCliInput *in, const PlaneArgs *a) {
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "romcv calibrate %s", a->what);
    int is_vertical = strcmp(a->what, "vertical") == 0;
    int sources = (a->line != NULL) + (a->board != NULL) + (is_vertical && a->scene);
    if (sources != 1) {
        fprintf(stderr,
                is_vertical ? "%s: give one of --vertical x1,y1,x2,y2, --board COLSxROWS or "
                              "--scene\n"
                            : "%s: give --points x1,y1,x2,y2 --distance M, or --board "
                              "COLSxROWS --square MM\n",
                cmd);
        return ROMCV_EXIT_USAGE;
    }
    double v[4];
    if (a->line && parse_line(a->line, v) < 0) {
        fprintf(stderr, "%s: %s wants four numbers x1,y1,x2,y2 in pixels (got '%s')\n", cmd,
                is_vertical ? "--vertical" : "--points", a->line);
        return ROMCV_EXIT_USAGE;
    }
    if (!is_vertical && a->line && !(a->distance_m > 0)) {
        fprintf(stderr, "%s: --points needs --distance M, the distance between them\n", cmd);
        return ROMCV_EXIT_USAGE;
    }
    if (!is_vertical && a->board && !(a->square_mm > 0)) {
        fprintf(stderr, "%s: --board needs --square MM\n", cmd);
        return ROMCV_EXIT_USAGE;
    }
    int cols = 0, rows = 0;
    if (a->board && parse_board(a->board, &cols, &rows) < 0) {
        fprintf(stderr, "%s: --board wants COLSxROWS inner corners, such as 9x6 (got '%s')\n", cmd,
                a->board);
        return ROMCV_EXIT_USAGE;
    }
    if (!a->line && !in->input) {
        fprintf(stderr, "%s: which input? (romcv calibrate %s INPUT ...)\n", cmd, a->what);
        return ROMCV_EXIT_USAGE;
    }
    RomcvDiag diag = {0};
    RomcvCameraModel camera;
    if (a->camera && romcv_calib_camera_load(&camera, a->camera, &diag) < 0) {
        return romcv_cli_fail(cmd, &diag);
    }
    const RomcvCameraModel *cam = a->camera ? &camera : NULL;
    RomcvFrame *frame = NULL;
    float *x = NULL, *y = NULL;
    int rc = 0;
    if (!a->line) {
        rc = first_frame(ctx, in, &frame, &diag);
    }
    if (rc == 0 && a->board) {
        x = malloc(sizeof(float) * (size_t)cols * (size_t)rows);
        y = malloc(sizeof(float) * (size_t)cols * (size_t)rows);
        rc = x && y ? board_in_frame(frame, cols, rows, x, y, &diag)
                    : romcv_diag_set(&diag, ROMCV_ERR(ENOMEM), "out of memory");
    }
    if (rc == 0 && is_vertical) {
        float down_x = 0, down_y = 1;
        rc = a->line ? romcv_calib_vertical_from_line(cam, v[0], v[1], v[2], v[3], &down_x, &down_y,
                                                      &diag)
             : a->board
                 ? romcv_calib_vertical_from_board(cam, x, y, cols, rows, &down_x, &down_y, &diag)
                 : romcv_calib_vertical_from_scene(cam, frame, &down_x, &down_y, &diag);
        if (rc == 0) {
            printf("down: %.6f %.6f\nroll: %.2f deg\n", down_x, down_y,
                   romcv_calib_roll_deg(down_x, down_y));
        }
    } else if (rc == 0) {
        double mpp = 0;
        rc = a->line
                 ? romcv_calib_scale_from_points(cam, v[0], v[1], v[2], v[3], a->distance_m, &mpp,
                                                 &diag)
                 : romcv_calib_scale_from_board(cam, x, y, cols, rows, a->square_mm, &mpp, &diag);
        if (rc == 0) {
            printf("scale: %.6g m/px (%.1f px per metre)\n", mpp, 1 / mpp);
        }
    }
    free(x);
    free(y);
    romcv_frame_unref(&frame);
    return rc < 0 ? romcv_cli_fail(cmd, &diag) : EXIT_SUCCESS;
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

/* romcv calibrate camera|vertical|scale [INPUT] [options]. */
int romcv_cli_calibrate(RomcvCliContext *ctx, int argc, char **argv) {
    RomcvCliInput in;
    romcv_cli_input_defaults(&in);
    PlaneArgs plane = {0};
    const char *out_path = "camera.json";
    double interval_s = 0.2;
    int min_views = 5;
    double max_rms = 1.0;
    RomcvOption options[] = {
        {"board", 0, ROMCV_OPT_STRING, &plane.board, 0, 0, NULL, "COLSxROWS",
         "inner corners of the chessboard (a board of 10x7 squares is 9x6)"},
        {"square", 0, ROMCV_OPT_DOUBLE, &plane.square_mm, 0.1, 10000, NULL, "MM",
         "side of one square, millimetres"},
        {"out", 'o', ROMCV_OPT_STRING, &out_path, 0, 0, NULL, "FILE",
         "camera: the camera file to write (default camera.json)"},
        {"interval", 0, ROMCV_OPT_DOUBLE, &interval_s, 0, 60, NULL, "SECONDS",
         "camera, video: look for the board this often (default 0.2 s; 0: every frame; photos: "
         "all)"},
        {"min-views", 0, ROMCV_OPT_INT, &min_views, 3, 1000, NULL, "N",
         "camera: fewest board views accepted (default 5)"},
        {"max-error", 0, ROMCV_OPT_DOUBLE, &max_rms, 0.01, 100, NULL, "PX",
         "camera: largest RMS reprojection error accepted (default 1 px)"},
        {"camera", 0, ROMCV_OPT_STRING, &plane.camera, 0, 0, NULL, "FILE",
         "vertical, scale: undistort with this camera file first"},
        {"vertical", 0, ROMCV_OPT_STRING, &plane.line, 0, 0, NULL, "X1,Y1,X2,Y2",
         "vertical: two pixels on a line known to be vertical (plumb line, door frame)"},
        {"scene", 0, ROMCV_OPT_FLAG, &plane.scene, 0, 0, NULL, NULL,
         "vertical: measure the scene's dominant vertical edges"},
        {"points", 0, ROMCV_OPT_STRING, &plane.line, 0, 0, NULL, "X1,Y1,X2,Y2",
         "scale: two pixels a known distance apart in the movement plane"},
        {"distance", 0, ROMCV_OPT_DOUBLE, &plane.distance_m, 0.001, 1000, NULL, "M",
         "scale: the distance between --points, metres"},
        ROMCV_CLI_INPUT_OPTIONS(in),
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    const char *positionals[2];
    RomcvCommandLine line = {
        "romcv calibrate", options, ROMCV_COUNT_OF(options), positionals, 2, 0, false, ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv,
        "romcv calibrate camera INPUT --board COLSxROWS --square MM [--out camera.json]\n"
        "       romcv calibrate vertical [INPUT] (--vertical X1,Y1,X2,Y2 | --board COLSxROWS | "
        "--scene) [--camera FILE]\n"
        "       romcv calibrate scale [INPUT] (--points X1,Y1,X2,Y2 --distance M | --board "
        "COLSxROWS --square MM) [--camera FILE]",
        "camera: calibrates the camera (focal length, principal point, lens distortion) from a "
        "video, photos (a glob such as 'board/*.jpg') or a camera showing a printed chessboard "
        "in different positions, and writes the camera file (docs/camera-file.md) used to "
        "undistort landmarks. vertical: the true vertical (camera roll) for the metrics. "
        "scale: metres per pixel in the movement plane. Those two read INPUT's first frame "
        "(or the one at --from).");
    if (rc >= 0) {
        return rc;
    }
    const char *what = line.positional_count >= 1 ? positionals[0] : "";
    in.input = line.positional_count == 2 ? positionals[1] : NULL;
    if (strcmp(what, "vertical") == 0 || strcmp(what, "scale") == 0) {
        romcv_cli_setup_logger(ctx);
        plane.what = what;
        return calibrate_plane(ctx, &in, &plane);
    }
    if (strcmp(what, "camera") != 0) {
        fprintf(stderr, "romcv calibrate: what to calibrate: camera, vertical or scale? (romcv "
                        "calibrate camera INPUT --board 9x6 --square 25)\n");
        return ROMCV_EXIT_USAGE;
    }
    if (!in.input) {
        fprintf(stderr, "romcv calibrate camera: which input? (romcv calibrate camera INPUT "
                        "--board 9x6 --square 25)\n");
        return ROMCV_EXIT_USAGE;
    }
    if (!plane.board || plane.square_mm <= 0) {
        fprintf(stderr, "romcv calibrate camera: --board COLSxROWS and --square MM are required "
                        "(count the inner corners; measure a square on the print)\n");
        return ROMCV_EXIT_USAGE;
    }
    romcv_cli_setup_logger(ctx);
    return calibrate_camera(ctx, &in, plane.board, plane.square_mm, out_path, interval_s, min_views,
                            max_rms);
}
