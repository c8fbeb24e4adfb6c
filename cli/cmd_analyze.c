/* cli/cmd_analyze.c: romcv analyze, the main job. */
#include "cli/cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* romcv analyze: the main job. Today it runs capture end to end and writes the
 * per-frame timing table and a JSON summary; vision, metrics and report
 * (issues 4, 5, 7, 8) extend the same loop. */
int romcv_cli_analyze(RomcvCliContext *ctx, int argc, char **argv) {
    RomcvCliInput in;
    romcv_cli_input_defaults(&in);
    const char *out_dir = "romcv-out";
    const char *model = "full";
    RomcvOption options[] = {
        {"out", 'o', ROMCV_OPT_STRING, &out_dir, 0, 0, NULL, "DIR",
         "write results into DIR (default romcv-out)"},
        {"model", 0, ROMCV_OPT_CHOICE, &model, 0, 0, "lite|full|heavy", NULL,
         "landmark model (default full)"},
        ROMCV_CLI_INPUT_OPTIONS(in),
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    const char *positionals[1];
    RomcvCommandLine line = {"romcv analyze", options, ROMCV_COUNT_OF(options), positionals, 1, 0,
                             false,           ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, "romcv analyze [INPUT] [options]",
        "Measures INPUT (a video file, a folder or glob of images, or a camera: "
        "/dev/videoN or camera:N).\nWithout INPUT, analyses the built-in "
        "default input (" ROMCV_DEFAULT_INPUT ").");
    if (rc >= 0) {
        return rc;
    }
    romcv_cli_setup_logger(ctx);
    in.input = line.positional_count ? positionals[0] : ROMCV_DEFAULT_INPUT;

    RomcvDiag diag = {0};
    RomcvModelId model_id = ROMCV_MODEL_LANDMARK_FULL;
    romcv_model_from_name(model, &model_id);
    char models_dir[PATH_MAX];
    if (romcv_cli_verify_pipeline_models(ctx, model_id, models_dir, sizeof models_dir, &diag) < 0) {
        return romcv_cli_fail("romcv analyze", &diag);
    }
    if (romcv_cli_make_dir(out_dir, &diag) < 0) {
        return romcv_cli_fail("romcv analyze", &diag);
    }

    RomcvCliInterrupt watch;
    romcv_cli_interrupt_start(&watch);
    RomcvCapture *capture = NULL;
    if (romcv_cli_open_input(ctx, &in, &capture, &diag) < 0) {
        romcv_cli_interrupt_stop(&watch);
        return romcv_cli_fail("romcv analyze", &diag);
    }
    romcv_cli_interrupt_watch(&watch, capture);

    RomcvCliOutput frames_csv = {0};
    if (romcv_cli_output_open(&frames_csv, out_dir, "frames.csv", &diag) < 0) {
        romcv_cli_interrupt_watch(&watch, NULL);
        romcv_capture_close(&capture);
        romcv_cli_interrupt_stop(&watch);
        return romcv_cli_fail("romcv analyze", &diag);
    }
    fprintf(frames_csv.file, "frame,time_s,width,height,rotation_deg,time_estimated\n");
    RomcvFrame *frame;
    int64_t frames = 0;
    double first_time = 0.0, last_time = 0.0;
    int receive_rc;
    while ((receive_rc = romcv_capture_receive(capture, &frame)) == 0) {
        if (frames == 0) {
            first_time = frame->time_s;
        }
        last_time = frame->time_s;
        fprintf(frames_csv.file, "%lld,%.6f,%d,%d,%d,%d\n", (long long)frame->index, frame->time_s,
                frame->width, frame->height, frame->rotation_deg, frame->time_is_estimated);
        frames++;
        romcv_frame_unref(&frame);
    }
    bool interrupted = receive_rc == ROMCV_E_INTERRUPTED || romcv_cli_interrupted(&watch);
    bool failed = receive_rc != ROMCV_E_EOF && !interrupted;
    char stream_error[ROMCV_DIAG_MESSAGE_SIZE] = "";
    if (failed) {
        snprintf(stream_error, sizeof stream_error, "%s", romcv_capture_errmsg(capture));
    }
    RomcvCaptureInfo info = *romcv_capture_info(capture);
    romcv_cli_interrupt_watch(&watch, NULL);
    romcv_capture_close(&capture);
    romcv_cli_interrupt_stop(&watch);

    int exit_code = EXIT_SUCCESS;
    if (romcv_cli_output_commit(&frames_csv, &diag) < 0) {
        return romcv_cli_fail("romcv analyze", &diag);
    }

    RomcvCliOutput summary = {0};
    if (romcv_cli_output_open(&summary, out_dir, "summary.json", &diag) < 0) {
        return romcv_cli_fail("romcv analyze", &diag);
    }
    FILE *f = summary.file;
    fprintf(f, "{\n  \"software\": {\"name\": \"romcv\", \"version\": ");
    romcv_cli_json_string(f, romcv_version());
    fprintf(f, ", \"git_revision\": ");
    romcv_cli_json_string(f, romcv_git_revision());
    fprintf(f, "},\n  \"models\": {\"package\": \"%s@%s\", \"folder\": ", ROMCV_MODELS_PACKAGE,
            ROMCV_MODELS_PACKAGE_VERSION);
    romcv_cli_json_string(f, models_dir);
    const RomcvModelInfo *landmark = romcv_model_info(model_id);
    const RomcvModelInfo *detector = romcv_model_info(ROMCV_MODEL_DETECTOR);
    fprintf(f, ",\n    \"landmark\": {\"name\": \"%s\", \"file\": \"%s\", \"sha256\": \"%s\"},\n",
            landmark->short_name, landmark->file_name, landmark->sha256);
    fprintf(f, "    \"detector\": {\"file\": \"%s\", \"sha256\": \"%s\"}},\n", detector->file_name,
            detector->sha256);
    fprintf(f, "  \"options\": {\"from_s\": %.6f, \"to_s\": %.6f, \"model\": \"%s\"},\n", in.from_s,
            in.to_s, model);
    fprintf(f, "  \"input\": {\"path\": ");
    romcv_cli_json_string(f, info.input);
    fprintf(f, ", \"kind\": \"%s\", \"container\": ", romcv_capture_kind_name(info.kind));
    romcv_cli_json_string(f, info.container);
    fprintf(f, ", \"codec\": ");
    romcv_cli_json_string(f, info.codec);
    fprintf(f,
            ", \"size_bytes\": %lld, \"width\": %d, \"height\": %d, \"coded_width\": %d, "
            "\"coded_height\": %d, \"sample_aspect_ratio\": \"%d:%d\", \"rotation_deg\": %d, "
            "\"nominal_fps\": %.6f, \"duration_s\": %.6f},\n",
            (long long)info.size_bytes, info.width, info.height, info.coded_width,
            info.coded_height, info.sar_num, info.sar_den, info.rotation_deg, info.nominal_fps,
            info.duration_s);
    fprintf(f,
            "  \"frames\": {\"delivered\": %lld, \"lost\": %lld, \"without_pts\": %lld, "
            "\"first_time_s\": %.6f, \"last_time_s\": %.6f},\n",
            (long long)frames, (long long)info.frames_lost, (long long)info.frames_without_pts,
            first_time, last_time);
    fprintf(f, "  \"status\": \"%s\"",
            interrupted ? "interrupted"
            : failed    ? "failed"
                        : "complete");
    if (failed) {
        fprintf(f, ",\n  \"error\": ");
        romcv_cli_json_string(f, stream_error);
    }
    fprintf(f,
            ",\n  \"stages_not_yet_available\": [\"landmarks\", \"angles\", \"protocols\"]\n}\n");
    if (romcv_cli_output_commit(&summary, &diag) < 0) {
        return romcv_cli_fail("romcv analyze", &diag);
    }

    if (failed) {
        fprintf(stderr, "romcv analyze: %s (kept %lld frames in %s/frames.csv)\n", stream_error,
                (long long)frames, out_dir);
        exit_code = EXIT_FAILURE;
    } else if (interrupted) {
        fprintf(stderr,
                "romcv analyze: interrupted after %lld frames; kept what was finished in %s\n",
                (long long)frames, out_dir);
        exit_code = ROMCV_EXIT_INTERRUPTED;
    } else if (!ctx->common.quiet) {
        printf("%s: %lld frames, %.3f-%.3f s, %dx%d, %s%s; models verified (%s, detector)\n",
               info.input, (long long)frames, first_time, last_time, info.width, info.height,
               info.codec, info.frames_lost ? " (frames lost: see warnings)" : "",
               landmark->short_name);
        printf("wrote %s/frames.csv and %s/summary.json\n", out_dir, out_dir);
        printf("note: landmark tracking and angles arrive with the vision and metrics modules\n");
    }
    if (frames == 0 && !interrupted && !failed) {
        fprintf(stderr, "romcv analyze: %s: no frames in the chosen time range\n", info.input);
        exit_code = EXIT_FAILURE;
    }
    return exit_code;
}
