/* cli/cmd_probe.c: romcv probe, what romcv decodes from an input. */
#include "cli/cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* romcv probe: what romcv sees in an input, frame by frame. */
int romcv_cli_probe(RomcvCliContext *ctx, int argc, char **argv) {
    RomcvCliInput in;
    romcv_cli_input_defaults(&in);
    int times = 0;
    RomcvOption options[] = {
        {"times", 't', ROMCV_OPT_FLAG, &times, 0, 0, NULL, NULL,
         "print every frame's presentation time"},
        ROMCV_CLI_INPUT_OPTIONS(in),
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    const char *positionals[1];
    RomcvCommandLine line = {"romcv probe", options, ROMCV_COUNT_OF(options), positionals, 1, 0,
                             false,         ""};
    int rc = romcv_cli_parse_or_exit(&line, argc, argv, "romcv probe INPUT [options]",
                                     "Decodes INPUT and prints its facts and frame times.");
    if (rc >= 0) {
        return rc;
    }
    if (line.positional_count != 1) {
        fprintf(stderr, "romcv probe: which input? (romcv probe INPUT)\n");
        return ROMCV_EXIT_USAGE;
    }
    romcv_cli_setup_logger(ctx);
    in.input = positionals[0];
    RomcvDiag diag = {0};
    RomcvCapture *capture;
    if (romcv_cli_open_input(ctx, &in, &capture, &diag) < 0) {
        return romcv_cli_fail("romcv probe", &diag);
    }
    RomcvFrame *frame;
    int64_t frames = 0;
    while ((rc = romcv_capture_receive(capture, &frame)) == 0) {
        if (times) {
            printf("%lld %.6f%s\n", (long long)frame->index, frame->time_s,
                   frame->time_is_estimated ? " estimated" : "");
        }
        frames++;
        romcv_frame_unref(&frame);
    }
    const RomcvCaptureInfo *info = romcv_capture_info(capture);
    printf("input: %s\nkind: %s\ncontainer: %s\ncodec: %s\nsize: %dx%d (stored %dx%d, "
           "SAR %d:%d, rotated %d deg)\nnominal fps: %.4f\nframes: %lld delivered, %lld lost, "
           "%lld without time stamps\n",
           info->input, romcv_capture_kind_name(info->kind), info->container, info->codec,
           info->width, info->height, info->coded_width, info->coded_height, info->sar_num,
           info->sar_den, info->rotation_deg, info->nominal_fps, (long long)frames,
           (long long)info->frames_lost, (long long)info->frames_without_pts);
    int exit_code = EXIT_SUCCESS;
    /* A truncated or damaged file ends normally with a message: still a failure. */
    if (rc != ROMCV_E_EOF || info->damaged) {
        fprintf(stderr, "romcv probe: %s\n", romcv_capture_errmsg(capture));
        exit_code = EXIT_FAILURE;
    }
    romcv_capture_close(&capture);
    return exit_code;
}
