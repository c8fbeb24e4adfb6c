/* cli/cmd_models.c: romcv models and romcv version. */
#include "cli/cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* romcv models: where the models are and whether they are the pinned ones. */
int romcv_cli_models(RomcvCliContext *ctx, int argc, char **argv) {
    RomcvOption options[] = {ROMCV_CLI_COMMON_OPTIONS(ctx->common)};
    RomcvCommandLine line = {"romcv models", options, ROMCV_COUNT_OF(options), NULL, 0, 0,
                             false,          ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, "romcv models [options]",
        "Finds the model files and checks each against its pinned SHA-256.");
    if (rc >= 0) {
        return rc;
    }
    RomcvDiag diag = {0};
    char dir[PATH_MAX];
    if (romcv_cli_models_dir(ctx, dir, sizeof dir, &diag) < 0) {
        return romcv_cli_fail("romcv models", &diag);
    }
    printf("%s@%s in %s\n", ROMCV_MODELS_PACKAGE, ROMCV_MODELS_PACKAGE_VERSION, dir);
    int bad = 0;
    for (int i = 0; i < ROMCV_MODEL_COUNT; i++) {
        const RomcvModelInfo *m = romcv_model_info((RomcvModelId)i);
        char actual[65] = "";
        rc = romcv_model_verify(dir, m->id, actual, &diag);
        printf("  %-8s %-28s %s  %s\n", m->short_name, m->file_name, m->sha256,
               rc == 0                  ? "ok"
               : rc == ROMCV_E_CHECKSUM ? "MISMATCH"
                                        : "MISSING");
        if (rc < 0) {
            fprintf(stderr, "romcv models: %s\n", diag.message);
            bad++;
        }
    }
    return bad ? EXIT_FAILURE : EXIT_SUCCESS;
}

void romcv_cli_print_version(const RomcvCliContext *ctx) {
    printf("romcv %s (git %s)\n", romcv_version(), romcv_git_revision());
    printf("models: %s@%s\n", ROMCV_MODELS_PACKAGE, ROMCV_MODELS_PACKAGE_VERSION);
    for (int i = 0; i < ROMCV_MODEL_COUNT; i++) {
        const RomcvModelInfo *m = romcv_model_info((RomcvModelId)i);
        printf("  %-8s %-28s sha256 %s\n", m->short_name, m->file_name, m->sha256);
    }
    RomcvDiag diag = {0};
    char dir[PATH_MAX];
    if (romcv_cli_models_dir(ctx, dir, sizeof dir, &diag) == 0) {
        printf("models folder: %s\n", dir);
    } else {
        printf("models folder: not found (run scripts/setup.sh)\n");
    }
}

int romcv_cli_version(RomcvCliContext *ctx, int argc, char **argv) {
    RomcvOption options[] = {ROMCV_CLI_COMMON_OPTIONS(ctx->common)};
    RomcvCommandLine line = {"romcv version", options, ROMCV_COUNT_OF(options), NULL, 0, 0,
                             false,           ""};
    int rc = romcv_cli_parse_or_exit(&line, argc, argv, "romcv version",
                                     "Prints romcv's version, git revision and the pinned models.");
    if (rc >= 0) {
        return rc;
    }
    romcv_cli_print_version(ctx);
    return EXIT_SUCCESS;
}
