/*
 * cli/cmd_protocols.c: `romcv protocols` lists the protocols with their
 * recording instructions, and the short human summary that `romcv analyze
 * --protocol` prints: "right hip internal rotation 18 deg (below the normal
 * range 30-40)". Wording follows the protocol layer: "outside the normal
 * range", never a diagnosis.
 */
#include "cli/cli.h"

#include <math.h>
#include <string.h>

#define COMMAND "romcv protocols"

static void print_wrapped(FILE *f, const char *indent, const char *text) {
    const int width = 78;
    int column = 0;
    const char *p = text;
    while (*p) {
        const char *end = p;
        while (*end && *end != ' ') {
            end++;
        }
        int len = (int)(end - p);
        if (column == 0) {
            column = fprintf(f, "%s", indent);
        } else if (column + 1 + len > width) {
            column = fprintf(f, "\n%*s", (int)strlen(indent), "") - 1;
        } else {
            column += fprintf(f, " ");
        }
        column += fprintf(f, "%.*s", len, p);
        p = *end ? end + 1 : end;
    }
    if (column) {
        fprintf(f, "\n");
    }
}

static const char *unit_text(int signal, RomcvStatistic statistic) {
    if (statistic == ROMCV_STAT_DURATION) {
        return "s";
    }
    const char *unit = romcv_signal_unit(signal);
    return strcmp(unit, "leg") == 0 ? "leg lengths" : unit;
}

static const char *views_text(unsigned views, char *buf, size_t size) {
    buf[0] = '\0';
    for (unsigned v = 1; v < 8; v++) {
        if (views & (1u << v)) {
            size_t len = strlen(buf);
            snprintf(buf + len, size - len, "%s%s", len ? ", " : "", romcv_view_name((RomcvView)v));
        }
    }
    return buf;
}

int romcv_cli_protocols(RomcvCliContext *ctx, int argc, char **argv) {
    const char *positionals[1];
    RomcvOption options[] = {ROMCV_CLI_COMMON_OPTIONS(ctx->common)};
    RomcvCommandLine line = {COMMAND, options, ROMCV_COUNT_OF(options), positionals, 1, 0,
                             false,   ""};
    int rc = romcv_cli_parse_or_exit(&line, argc, argv, "romcv protocols [NAME]",
                                     "Lists the movement protocols romcv measures, with how to "
                                     "record each; with NAME, its measures,\nnormal ranges and "
                                     "compensation flags with their sources.");
    if (rc >= 0) {
        return rc;
    }
    const char *only = line.positional_count ? positionals[0] : NULL;
    if (only && !romcv_protocols_find(only)) {
        fprintf(stderr, COMMAND ": unknown protocol '%s' (one of:", only);
        for (size_t i = 0; i < romcv_protocols_count(); i++) {
            fprintf(stderr, " %s", romcv_protocols_get(i)->name);
        }
        fprintf(stderr, ")\n");
        return ROMCV_EXIT_USAGE;
    }
    char views[64];
    for (size_t i = 0; i < romcv_protocols_count(); i++) {
        const RomcvProtocolDef *p = romcv_protocols_get(i);
        if (only && strcmp(only, p->name) != 0) {
            continue;
        }
        printf("%s: %s (view: %s)\n", p->name, p->title, views_text(p->views, views, sizeof views));
        print_wrapped(stdout, "    ", p->instructions);
        if (!only) {
            continue;
        }
        printf("  measures:\n");
        for (int m = 0; m < p->n_measures; m++) {
            const RomcvMeasureDef *md = &p->measure[m];
            printf("    %s [%s, %s]", md->name, md->key, unit_text(md->signal, md->statistic));
            if (isfinite(md->normal_low) || isfinite(md->normal_high)) {
                printf(" normal %g to %g", md->normal_low, md->normal_high);
            }
            printf("\n");
            if (md->normal_source) {
                print_wrapped(stdout, "        range: ", md->normal_source);
            }
            if (md->pair >= 0 && isfinite(md->asymmetry_threshold)) {
                printf("        asymmetry above %g %s (%s)\n", md->asymmetry_threshold,
                       unit_text(md->signal, md->statistic), md->asymmetry_source);
            }
        }
        printf("  compensation flags:\n");
        for (int f = 0; f < p->n_flags; f++) {
            const RomcvFlagDef *fd = &p->flag[f];
            printf("    %s: %s, above %g %s\n", fd->key, fd->text, fd->threshold,
                   fd->kind == ROMCV_FLAG_RATIO_AT_PEAK ? "(ratio)" : unit_text(fd->signal, 0));
            print_wrapped(stdout, "        source: ", fd->source);
        }
        print_wrapped(stdout, "  notes: ", p->notes);
    }
    return 0;
}

static const char *outside_text(int outside) {
    return outside < 0 ? "below the normal range" : outside > 0 ? "above the normal range" : "";
}

void romcv_cli_print_protocol_result(FILE *f, const RomcvProtocolResult *r,
                                     const RomcvAngleResults *angles) {
    const RomcvProtocolDef *p = r->def;
    fprintf(f, "%s: %zu repetition%s, view %s%s\n", p->title, r->n_repetitions,
            r->n_repetitions == 1 ? "" : "s", romcv_view_name(r->dominant_view),
            r->view_ok ? "" : " (not the view this protocol needs)");
    for (int m = 0; m < p->n_measures; m++) {
        const RomcvMeasureResult *mr = &r->measure[m];
        if (mr->n_values == 0) {
            continue;
        }
        const char *unit = unit_text(mr->def->signal, mr->def->statistic);
        if (!isfinite(mr->best)) {
            fprintf(f, "  %-44s not measurable in this recording\n", mr->def->name);
            continue;
        }
        fprintf(f, "  %-44s %6.1f %s at %.2f s", mr->def->name, mr->best, unit,
                angles->time_s[mr->best_frame]);
        if (mr->outside_normal) {
            fprintf(f, "  %s %g-%g", outside_text(mr->outside_normal), mr->def->normal_low,
                    mr->def->normal_high);
        }
        fprintf(f, "  (%zu rep%s)\n", mr->n_values, mr->n_values == 1 ? "" : "s");
        if (isfinite(mr->asymmetry)) {
            fprintf(f, "  %-44s %6.1f %s left minus right%s\n", "  side difference", mr->asymmetry,
                    unit, mr->asymmetric ? ": asymmetric (above the measurement noise)" : "");
        }
    }
    for (size_t k = 0; k < r->n_flags; k++) {
        const RomcvCompensationFlag *fl = &r->flag[k];
        const char *side = fl->side == ROMCV_SIDE_LEFT    ? "left: "
                           : fl->side == ROMCV_SIDE_RIGHT ? "right: "
                                                          : "";
        fprintf(f, "  compensation: %s%s, %.1f %s (threshold %g) at %.2f-%.2f s, frame %zu\n", side,
                fl->def->text, fl->magnitude,
                fl->def->kind == ROMCV_FLAG_RATIO_AT_PEAK ? "ratio" : unit_text(fl->def->signal, 0),
                fl->threshold, fl->start_s, fl->end_s, fl->evidence_frame);
    }
    if (r->n_flags == 0 && r->n_repetitions > 0) {
        fprintf(f, "  no compensation flagged\n");
    }
}
