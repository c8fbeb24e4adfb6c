/*
 * cli/cmd_demo.c: romcv demo, what the README's first command runs. It
 * renders the digital phantom doing the seated hip-rotation test (both
 * sides, a pelvic lift planted on one side), analyses the clip exactly as
 * `romcv analyze --protocol seated-hip-rotation` would, with every output,
 * and then says how close each measured value came to the phantom's truth
 * and whether the planted compensation was flagged and the clean side not.
 *
 * The truth is taken from the phantom itself (romcv_phantom_render with no
 * frame is cheap), in romcv's own angle definitions, over the same frames
 * as each measured repetition.
 */
#include "cli/analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define COMMAND "romcv demo"

typedef struct DemoTruth {
    int64_t n;
    double *hip_rotation[2]; /* [0] left, [1] right: shank from vertical, IR + */
    double *obliquity;
    RomcvSide lift_side;
    double lift_deg;
    int compared; /* the hook ran */
    double worst_error;
    int lift_flagged, clean_flagged;
    /* The comparison, printed after analyze's own summary. */
    char text[4096];
    size_t text_len;
} DemoTruth;

static void say(DemoTruth *t, const char *fmt, ...) ROMCV_PRINTF(2, 3);
static void say(DemoTruth *t, const char *fmt, ...) {
    if (t->text_len >= sizeof t->text) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(t->text + t->text_len, sizeof t->text - t->text_len, fmt, args);
    va_end(args);
    if (n > 0) {
        t->text_len += (size_t)n;
    }
}

static int truth_load(DemoTruth *t, const RomcvPhantomSettings *settings, RomcvDiag *diag) {
    RomcvPhantom *ph = NULL;
    int rc = romcv_phantom_create(&ph, settings, diag);
    if (rc < 0) {
        return rc;
    }
    t->n = romcv_phantom_frame_count(ph);
    t->hip_rotation[0] = malloc((size_t)t->n * sizeof(double));
    t->hip_rotation[1] = malloc((size_t)t->n * sizeof(double));
    t->obliquity = malloc((size_t)t->n * sizeof(double));
    if (!t->hip_rotation[0] || !t->hip_rotation[1] || !t->obliquity) {
        romcv_phantom_destroy(&ph);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "out of memory");
    }
    for (int64_t i = 0; i < t->n; i++) {
        RomcvPhantomTruth truth;
        rc = romcv_phantom_render(ph, i, NULL, &truth);
        if (rc < 0) {
            romcv_phantom_destroy(&ph);
            return romcv_diag_set(diag, rc, "phantom: truth of frame %lld", (long long)i);
        }
        t->hip_rotation[0][i] = truth.angles.hip_rotation_left;
        t->hip_rotation[1][i] = truth.angles.hip_rotation_right;
        t->obliquity[i] = truth.angles.pelvic_obliquity;
    }
    romcv_phantom_destroy(&ph);
    return 0;
}

static void truth_free(DemoTruth *t) {
    free(t->hip_rotation[0]);
    free(t->hip_rotation[1]);
    free(t->obliquity);
}

/* Compares the measured end ranges and flags with the truth. The clip is
 * analysed from its first frame, so series frame i is phantom frame i. */
static void compare(void *cookie, const RomcvCliAnalysis *run) {
    DemoTruth *t = cookie;
    const RomcvProtocolResult *r = run->protocol;
    if (!r || !run->angles || (int64_t)run->angles->n != t->n) {
        return;
    }
    t->compared = 1;
    say(t, "\nmeasured against the phantom's truth (romcv's definitions, docs/angles.md):\n");
    for (int m = 0; m < r->def->n_measures; m++) {
        const RomcvMeasureResult *mr = &r->measure[m];
        int signal = mr->def->signal;
        int side = signal == ROMCV_ANGLE_HIP_ROTATION_LEFT    ? 0
                   : signal == ROMCV_ANGLE_HIP_ROTATION_RIGHT ? 1
                                                              : -1;
        if (side < 0 || !isfinite(mr->best)) {
            continue;
        }
        /* The truth's end range over the same repetition's frames. */
        const RomcvRepetition *rep = NULL;
        for (size_t v = 0; v < mr->n_values; v++) {
            if (mr->values[v].frame == mr->best_frame) {
                rep = &r->repetition[mr->values[v].repetition];
            }
        }
        if (!rep) {
            continue;
        }
        double truth = -INFINITY;
        for (size_t i = rep->start_frame; i <= rep->end_frame; i++) {
            double v = mr->def->direction * t->hip_rotation[side][i];
            truth = v > truth ? v : truth;
        }
        double error = mr->best - truth;
        t->worst_error = fabs(error) > t->worst_error ? fabs(error) : t->worst_error;
        say(t, "  %-32s measured %5.1f deg, truth %5.1f deg, error %+5.1f deg\n", mr->def->name,
            mr->best, truth, error);
    }
    for (size_t k = 0; k < r->n_flags; k++) {
        const RomcvCompensationFlag *f = &r->flag[k];
        if (strcmp(f->def->key, "pelvis_lift") != 0) {
            continue;
        }
        if (f->side == t->lift_side && t->lift_deg > 0) {
            t->lift_flagged++;
        } else {
            t->clean_flagged++;
        }
    }
    const char *planted = t->lift_side == ROMCV_SIDE_LEFT ? "left" : "right";
    const char *clean = t->lift_side == ROMCV_SIDE_LEFT ? "right" : "left";
    if (t->lift_deg > 0) {
        say(t, "  pelvic lift planted on the %s (%.1f deg): %s\n", planted, t->lift_deg,
            t->lift_flagged ? "flagged" : "NOT flagged");
    }
    say(t, "  %s side, no lift planted: %s\n", t->lift_deg > 0 ? clean : "either",
        t->clean_flagged ? "flagged (a false alarm)" : "not flagged");
}

int romcv_cli_demo(RomcvCliContext *ctx, int argc, char **argv) {
    const char *out_dir = "romcv-demo";
    const char *model = NULL;
    const char *lift_side = "right";
    double lift_deg = 8.0;
    RomcvOption options[] = {
        {"out", 'o', ROMCV_OPT_STRING, &out_dir, 0, 0, NULL, "DIR",
         "write the clip, its truth and every result into DIR (default romcv-demo)"},
        {"model", 0, ROMCV_OPT_CHOICE, &model, 0, 0, "lite|full|heavy", NULL,
         "landmark model (default: as romcv analyze)"},
        {"pelvic-lift", 0, ROMCV_OPT_DOUBLE, &lift_deg, 0, 20, NULL, "DEG",
         "the pelvic lift planted during one side's rotations (default 8; 0: none)"},
        {"lift-side", 0, ROMCV_OPT_CHOICE, &lift_side, 0, 0, "left|right", NULL,
         "the side whose rotations lift the pelvis (default right)"},
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    RomcvCommandLine line = {COMMAND, options, ROMCV_COUNT_OF(options), NULL, 0, 0, false, ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, "romcv demo [options]",
        "Renders the digital phantom doing the seated hip-rotation test (a pelvic lift planted "
        "on one side),\nanalyses it with every output (report.html, summary.json, CSV, TRC, MOT, "
        "annotated video) and\nprints how close each measured value came to the truth.");
    if (rc >= 0) {
        return rc;
    }
    romcv_cli_setup_logger(ctx);
    RomcvDiag diag = {0};
    if (romcv_cli_make_dir(out_dir, &diag) < 0) {
        return romcv_cli_fail(COMMAND, &diag);
    }

    RomcvPhantomSettings ps;
    romcv_phantom_default_settings(&ps, ROMCV_PROTOCOL_SEATED_HIP_ROTATION);
    ps.script.pelvic_lift_deg = lift_deg;
    ps.script.lift_side = strcmp(lift_side, "left") == 0 ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT;
    char clip[4096], truth_path[4096];
    snprintf(clip, sizeof clip, "%s/phantom.mp4", out_dir);
    snprintf(truth_path, sizeof truth_path, "%s/phantom.truth.json", out_dir);
    if (!ctx->common.quiet) {
        printf("rendering the phantom: seated hip rotation, both sides, %.1f deg pelvic lift on "
               "the %s -> %s\n",
               lift_deg, lift_side, clip);
        fflush(stdout);
    }
    char codec[32] = "";
    rc = romcv_phantom_write_clip(&ps, clip, truth_path, NULL, NULL, codec, &diag);
    if (rc < 0) {
        return romcv_cli_fail(COMMAND, &diag);
    }

    DemoTruth truth;
    memset(&truth, 0, sizeof truth);
    truth.lift_side = ps.script.lift_side;
    truth.lift_deg = lift_deg;
    rc = truth_load(&truth, &ps, &diag);
    if (rc < 0) {
        truth_free(&truth);
        return romcv_cli_fail(COMMAND, &diag);
    }

    char *analyze_argv[20];
    int analyze_argc = 0;
    /* Commands parse their options from argv[2] on: program, command, ... */
    analyze_argv[analyze_argc++] = (char *)ctx->program;
    analyze_argv[analyze_argc++] = "analyze";
    analyze_argv[analyze_argc++] = clip;
    analyze_argv[analyze_argc++] = "--protocol";
    analyze_argv[analyze_argc++] = "seated-hip-rotation";
    analyze_argv[analyze_argc++] = "--out";
    analyze_argv[analyze_argc++] = (char *)out_dir;
    analyze_argv[analyze_argc++] = "--patient";
    analyze_argv[analyze_argc++] = "Digital phantom (romcv demo)";
    analyze_argv[analyze_argc++] = "--session";
    analyze_argv[analyze_argc++] = "Seated hip rotation with a planted pelvic lift";
    if (model) {
        analyze_argv[analyze_argc++] = "--model";
        analyze_argv[analyze_argc++] = (char *)model;
    }
    if (ctx->common.models_dir) {
        analyze_argv[analyze_argc++] = "--models";
        analyze_argv[analyze_argc++] = (char *)ctx->common.models_dir;
    }
    if (ctx->common.quiet) {
        analyze_argv[analyze_argc++] = "--quiet";
    }
    analyze_argv[analyze_argc] = NULL;
    ctx->on_analysis = compare;
    ctx->on_analysis_cookie = &truth;
    int exit_code = romcv_cli_analyze(ctx, analyze_argc, analyze_argv);
    ctx->on_analysis = NULL;
    if (exit_code == 0 && truth.compared) {
        fputs(truth.text, stdout);
        printf("\nlargest end-range error %.1f deg; the report: %s/report.html\n",
               truth.worst_error, out_dir);
    } else if (exit_code == 0) {
        fprintf(stderr, COMMAND ": the analysis found no protocol result to compare\n");
        exit_code = ROMCV_EXIT_FAILURE;
    }
    truth_free(&truth);
    return exit_code;
}
