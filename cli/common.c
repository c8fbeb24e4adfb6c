/* cli/common.c: option plumbing, logging, models and input shared by the commands. */
#include "cli/cli.h"
#include "cli/progress.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void log_to_stderr(void *cookie, RomcvLogLevel level, const char *module,
                          const char *message) {
    (void)cookie;
    /* On a terminal, "\r\033[K" first erases a progress line that may be
     * showing (cli/progress.h), so the message does not run on from it; the
     * next progress update redraws below. One fprintf per line keeps lines
     * from two threads from interleaving. */
    fprintf(stderr, "%sromcv: %s: %s%s\n", isatty(STDERR_FILENO) ? "\r\033[K" : "", module,
            level == ROMCV_LOG_WARNING ? "warning: " : "", message);
}

void romcv_cli_setup_logger(RomcvCliContext *ctx) {
    ctx->logger.callback = ctx->common.json_log ? romcv_cli_log_json : log_to_stderr;
    ctx->logger.cookie = NULL;
    ctx->logger.max_level = ctx->common.quiet     ? ROMCV_LOG_ERROR
                            : ctx->common.verbose ? ROMCV_LOG_VERBOSE
                                                  : ROMCV_LOG_WARNING;
    /* FFmpeg's own messages only with -v: romcv already says what went wrong,
     * in one line that names the file. */
    romcv_capture_set_ffmpeg_log_level(ctx->common.verbose ? ROMCV_LOG_WARNING : ROMCV_LOG_QUIET);
}

int romcv_cli_fail(const char *command, const RomcvDiag *diag) {
    fprintf(stderr, "%s: %s\n", command,
            diag->message[0] ? diag->message : romcv_strerror(diag->code));
    return ROMCV_EXIT_FAILURE;
}

int romcv_cli_parse_or_exit(RomcvCommandLine *line, int argc, char **argv, const char *usage,
                            const char *description) {
    if (romcv_cli_parse(line, argc, argv, 2) < 0) {
        fprintf(stderr, "%s\n", line->error);
        return ROMCV_EXIT_USAGE;
    }
    if (line->help_requested) {
        printf("usage: %s\n\n%s\n\noptions:\n", usage, description);
        romcv_cli_print_options(stdout, line->options, line->option_count);
        return EXIT_SUCCESS;
    }
    return -1;
}

int romcv_cli_models_dir(const RomcvCliContext *ctx, char *dir, size_t size, RomcvDiag *diag) {
    RomcvModelSearch search = {
        .explicit_dir = ctx->common.models_dir,
        .env_dir = getenv("ROMCV_MODELS"),
        .exe_path = ctx->program,
    };
    return romcv_models_find_dir(&search, dir, size, diag);
}

int romcv_cli_verify_pipeline_models(const RomcvCliContext *ctx, RomcvModelId landmark_model,
                                     char *dir, size_t size, RomcvDiag *diag) {
    int rc = romcv_cli_models_dir(ctx, dir, size, diag);
    if (rc < 0) {
        return rc;
    }
    rc = romcv_model_verify(dir, ROMCV_MODEL_DETECTOR, NULL, diag);
    if (rc < 0) {
        return rc;
    }
    return romcv_model_verify(dir, landmark_model, NULL, diag);
}

void romcv_cli_input_defaults(RomcvCliInput *in) {
    memset(in, 0, sizeof *in);
    in->to_s = -1.0;
}

int romcv_cli_open_input(const RomcvCliContext *ctx, const RomcvCliInput *in,
                         RomcvCapture **capture, RomcvDiag *diag) {
    if (in->to_s >= 0 && in->to_s < in->from_s) {
        return romcv_diag_set(diag, ROMCV_E_USAGE, "--to %g is before --from %g", in->to_s,
                              in->from_s);
    }
    RomcvCaptureSettings settings;
    romcv_capture_default_settings(&settings);
    settings.input = in->input;
    settings.from_s = in->from_s;
    settings.to_s = in->to_s;
    if (in->fps > 0) {
        settings.fps = in->fps;
    }
    settings.width = in->width;
    settings.height = in->height;
    settings.logger = ctx->logger;
    return romcv_capture_open(capture, &settings, diag);
}
