/* cli/cmd_markers_sheet.c: romcv markers-sheet, the printable ArUco skin
 * markers (romcv/vision.h, "ArUco skin markers"; docs/markers.md). */
#include "cli/cli.h"

#include <math.h>
#include <stdlib.h>

#define COMMAND "romcv markers-sheet"

int romcv_cli_markers_sheet(RomcvCliContext *ctx, int argc, char **argv) {
    const char *out = NULL;
    double size_mm = ROMCV_ARUCO_SHEET_MM, dpi = 300;
    RomcvOption options[] = {
        {"out", 'o', ROMCV_OPT_STRING, &out, 0, 0, NULL, "FILE", "the sheet to write (.png)"},
        {"size-mm", 0, ROMCV_OPT_DOUBLE, &size_mm, 10, 100, NULL, "MM",
         "side of each printed black square (default 24; 30 or more from beyond 3 m)"},
        {"dpi", 0, ROMCV_OPT_DOUBLE, &dpi, 72, 1200, NULL, "DPI",
         "the printer's resolution (default 300)"},
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    RomcvCommandLine line = {COMMAND, options, ROMCV_COUNT_OF(options), NULL, 0, 0, false, ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, COMMAND " --out sheet.png [--size-mm 24]",
        "Writes one A4 page (PNG) with the thirteen ArUco skin markers for --markers aruco, each\n"
        "labelled with its anatomical point, and a 100 mm scale bar: print at 100 %, measure\n"
        "the bar, cut along the grey lines (docs/markers.md). Squares over 25 mm take two\n"
        "pages: the pelvis and spine on FILE, the limbs on FILE's -limbs.png sibling.");
    if (rc >= 0) {
        return rc;
    }
    if (!out) {
        fprintf(stderr, COMMAND ": where to? (--out sheet.png)\n");
        return ROMCV_EXIT_USAGE;
    }
    romcv_cli_setup_logger(ctx);
    RomcvDiag diag = {0};
    rc = romcv_aruco_sheet_write(out, size_mm, dpi, &diag);
    if (rc == ROMCV_ERR(EINVAL)) {
        fprintf(stderr, COMMAND ": %s\n", diag.message);
        return ROMCV_EXIT_USAGE;
    }
    if (rc < 0) {
        return romcv_cli_fail(COMMAND, &diag);
    }
    romcv_log(&ctx->logger, ROMCV_LOG_INFO, "markers-sheet",
              "wrote %s: print at 100 %% and check the 100 mm bar", out);
    return 0;
}
