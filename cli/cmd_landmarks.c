/* cli/cmd_landmarks.c: romcv landmarks, the pose tracker's landmarks per
 * frame as JSON lines in the schema of MediaPipe's reference outputs
 * (../shared/reference, tools/oracle), so the two compare line by line. */
#include "cli/cli.h"
#include "cli/progress.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void write_landmarks(FILE *f, const RomcvLandmark *lm, int with_presence) {
    fputc('[', f);
    for (int i = 0; i < ROMCV_POSE_LANDMARKS; i++) {
        fprintf(f, "%s{\"x\":%.9g,\"y\":%.9g,\"z\":%.9g,\"visibility\":%.9g", i ? "," : "", lm[i].x,
                lm[i].y, lm[i].z, lm[i].visibility);
        if (with_presence) {
            fprintf(f, ",\"presence\":%.9g", lm[i].presence);
        }
        fputc('}', f);
    }
    fputc(']', f);
}

static void write_rect(FILE *f, int has, const RomcvPoseRect *r) {
    if (!has) {
        fputs("null", f);
        return;
    }
    fprintf(f,
            "{\"x_center\":%.9g,\"y_center\":%.9g,\"height\":%.9g,\"width\":%.9g,"
            "\"rotation\":%.9g}",
            r->x_center, r->y_center, r->height, r->width, r->rotation);
}

static void write_pose(FILE *f, const RomcvFrame *frame, const RomcvPose *pose) {
    fprintf(f, "{\"frame\":%lld,\"timestamp_ms\":%.4f,\"width\":%d,\"height\":%d,\"landmarks\":",
            (long long)frame->index, frame->time_s * 1000.0, frame->width, frame->height);
    if (pose->found) {
        write_landmarks(f, pose->landmarks, 0);
        fputs(",\"world_landmarks\":", f);
        write_landmarks(f, pose->world_landmarks, 0);
    } else {
        fputs("null,\"world_landmarks\":null", f);
    }
    fputs(",\"debug\":{\"detection\":", f);
    if (pose->has_detection) {
        const RomcvPoseDetection *d = &pose->detection;
        fprintf(f,
                "{\"score\":[%.9g],\"relative_bounding_box\":{\"xmin\":%.9g,\"ymin\":%.9g,"
                "\"width\":%.9g,\"height\":%.9g},\"relative_keypoints\":[",
                d->score, d->xmin, d->ymin, d->width, d->height);
        for (int k = 0; k < ROMCV_POSE_KEYPOINTS; k++) {
            fprintf(f, "%s{\"x\":%.9g,\"y\":%.9g}", k ? "," : "", d->keypoints[k][0],
                    d->keypoints[k][1]);
        }
        fputs("]}", f);
    } else {
        fputs("null", f);
    }
    fputs(",\"roi_from_detection\":", f);
    write_rect(f, pose->has_roi_from_detection, &pose->roi_from_detection);
    fputs(",\"roi_from_landmarks\":", f);
    write_rect(f, pose->has_roi_from_landmarks, &pose->roi_from_landmarks);
    fputs(",\"presence\":", f);
    if (pose->found) {
        fputc('[', f);
        for (int i = 0; i < ROMCV_POSE_LANDMARKS; i++) {
            fprintf(f, "%s%.9g", i ? "," : "", pose->landmarks[i].presence);
        }
        fputc(']', f);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\"pose_score\":%.9g}}\n", pose->score);
}

/* Splits path into its folder and file name (romcv_cli_output_open takes both). */
static void split_path(const char *path, char *dir, size_t dir_size, const char **name) {
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dir_size, ".");
        *name = path;
        return;
    }
    snprintf(dir, dir_size, "%.*s", (int)(slash - path) > 0 ? (int)(slash - path) : 1, path);
    *name = slash + 1;
}

int romcv_cli_landmarks(RomcvCliContext *ctx, int argc, char **argv) {
    RomcvCliInput in;
    romcv_cli_input_defaults(&in);
    const char *out_path = NULL;
    const char *model = "full";
    const char *person = NULL;
    int static_mode = 0, no_smooth = 0, threads = 1;
    const char *backend = "auto";
    RomcvOption options[] = {
        {"out", 'o', ROMCV_OPT_STRING, &out_path, 0, 0, NULL, "FILE.jsonl",
         "write one JSON line per frame to FILE (required)"},
        {"model", 0, ROMCV_OPT_CHOICE, &model, 0, 0, "lite|full|heavy", NULL,
         "landmark model (default full)"},
        {"static", 0, ROMCV_OPT_FLAG, &static_mode, 0, 0, NULL, NULL,
         "every frame on its own: detector and landmarks, no tracking, no smoothing"},
        {"no-smooth", 0, ROMCV_OPT_FLAG, &no_smooth, 0, 0, NULL, NULL, "no landmark smoothing"},
        {"person", 0, ROMCV_OPT_STRING, &person, 0, 0, NULL, "X,Y",
         "follow the person at pixel X,Y of the first frame where someone is found"},
        {"threads", 0, ROMCV_OPT_INT, &threads, 1, 64, NULL, "N",
         "inference threads (default 1; decoding always has a thread of its own)"},
        {"backend", 0, ROMCV_OPT_CHOICE, &backend, 0, 0, "auto|xnnpack|portable", NULL,
         "inference backend (default auto: XNNPACK when built in)"},
        ROMCV_CLI_INPUT_OPTIONS(in),
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    const char *positionals[1];
    RomcvCommandLine line = {
        "romcv landmarks", options, ROMCV_COUNT_OF(options), positionals, 1, 0, false, ""};
    int rc = romcv_cli_parse_or_exit(&line, argc, argv,
                                     "romcv landmarks INPUT --out FILE.jsonl [options]",
                                     "Runs the pose tracker (MediaPipe Pose) on INPUT and writes "
                                     "its landmarks, one JSON line per frame.");
    if (rc >= 0) {
        return rc;
    }
    if (line.positional_count != 1 || !out_path) {
        fprintf(stderr, "romcv landmarks: needs INPUT and --out FILE.jsonl\n");
        return ROMCV_EXIT_USAGE;
    }
    RomcvTrackerSettings settings;
    romcv_tracker_default_settings(&settings);
    if (person) {
        char tail;
        if (sscanf(person, "%f,%f%c", &settings.person_x, &settings.person_y, &tail) != 2 ||
            settings.person_x < 0 || settings.person_y < 0) {
            fprintf(stderr, "romcv landmarks: --person wants X,Y in pixels, got \"%s\"\n", person);
            return ROMCV_EXIT_USAGE;
        }
        settings.has_person = 1;
    }
    romcv_cli_setup_logger(ctx);
    in.input = positionals[0];

    RomcvDiag diag = {0};
    RomcvModelId model_id = ROMCV_MODEL_LANDMARK_FULL;
    romcv_model_from_name(model, &model_id);
    char models_dir[PATH_MAX];
    if (romcv_cli_models_dir(ctx, models_dir, sizeof models_dir, &diag) < 0) {
        return romcv_cli_fail_diag(ctx, "romcv landmarks", &diag);
    }
    settings.model = model_id;
    settings.models_dir = models_dir;
    settings.static_mode = static_mode;
    settings.smooth = !no_smooth;
    settings.threads = threads;
    settings.backend = strcmp(backend, "xnnpack") == 0    ? 2
                       : strcmp(backend, "portable") == 0 ? 1
                                                          : 0;
    settings.logger = ctx->logger;
    RomcvTracker *tracker = NULL;
    if (romcv_tracker_create(&tracker, &settings, &diag) < 0) {
        return romcv_cli_fail_diag(ctx, "romcv landmarks", &diag);
    }

    char dir[PATH_MAX];
    const char *name;
    split_path(out_path, dir, sizeof dir, &name);
    RomcvCliInterrupt watch;
    romcv_cli_interrupt_start(&watch);
    RomcvCapture *capture = NULL;
    if (romcv_cli_open_input(ctx, &in, &capture, &diag) < 0) {
        romcv_cli_interrupt_stop(&watch);
        romcv_tracker_destroy(&tracker);
        return romcv_cli_fail_diag(ctx, "romcv landmarks", &diag);
    }
    romcv_cli_interrupt_watch(&watch, capture);
    RomcvCliOutput out = {0};
    if (romcv_cli_output_open(&out, dir, name, &diag) < 0) {
        romcv_cli_interrupt_watch(&watch, NULL);
        romcv_capture_close(&capture);
        romcv_cli_interrupt_stop(&watch);
        romcv_tracker_destroy(&tracker);
        return romcv_cli_fail_diag(ctx, "romcv landmarks", &diag);
    }

    RomcvFrame *frame;
    int receive_rc;
    int64_t frames = 0, found = 0;
    int track_rc = 0;
    RomcvCliProgress progress;
    romcv_cli_progress_begin(&progress, ctx,
                             romcv_cli_expected_frames(romcv_capture_info(capture), &in));
    while ((receive_rc = romcv_capture_receive(capture, &frame)) == 0) {
        RomcvPose pose;
        track_rc = romcv_tracker_process(tracker, frame, &pose);
        if (track_rc < 0) {
            romcv_frame_unref(&frame);
            break;
        }
        write_pose(out.file, frame, &pose);
        frames++;
        found += pose.found;
        romcv_frame_unref(&frame);
        romcv_cli_progress_update(&progress, frames);
    }
    romcv_cli_progress_end(&progress);
    bool interrupted = receive_rc == ROMCV_E_INTERRUPTED || romcv_cli_interrupted(&watch);
    /* A truncated or damaged input ends normally but with frames lost. */
    bool damaged = receive_rc == ROMCV_E_EOF && romcv_capture_info(capture)->damaged;
    int exit_code = EXIT_SUCCESS;
    if (track_rc < 0) {
        romcv_cli_error(ctx, "romcv landmarks", "%s", romcv_tracker_errmsg(tracker));
        exit_code = ROMCV_EXIT_FAILURE;
    } else if (interrupted) {
        exit_code = ROMCV_EXIT_INTERRUPTED;
    } else if (receive_rc != ROMCV_E_EOF || damaged) {
        romcv_cli_error(ctx, "romcv landmarks", "%s", romcv_capture_errmsg(capture));
        exit_code = ROMCV_EXIT_FAILURE;
    }
    romcv_cli_interrupt_watch(&watch, NULL);
    romcv_capture_close(&capture);
    romcv_cli_interrupt_stop(&watch);
    romcv_tracker_destroy(&tracker);
    /* What finished is kept, even after an interrupt or a decoding error. */
    if (romcv_cli_output_commit(&out, &diag) < 0) {
        return romcv_cli_fail_diag(ctx, "romcv landmarks", &diag);
    }
    if (!ctx->common.quiet) {
        romcv_cli_message(ctx, ROMCV_LOG_INFO, "romcv landmarks",
                          "%lld frames, a person in %lld%s -> %s", (long long)frames,
                          (long long)found, interrupted ? " (interrupted)" : "", out.path);
    }
    return exit_code;
}
