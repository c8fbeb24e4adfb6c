/*
 * cli/output_html.c: `romcv analyze` writes DIR/report.html (issue 8).
 *
 * The report module renders from arrays only; this step gathers what it
 * needs from the finished run: the header fields, the recording warnings,
 * method notes for the options that change a measurement, the protocol's
 * derived signals (computed again, exactly as the protocol engine computes
 * them, so the plots show what was measured), and a JPEG still of each
 * compensation flag's evidence frame.
 *
 * Stills: the input was read once, frame by frame, and is closed by now;
 * keeping every frame in memory for the few that get flagged would break
 * the bounded-memory rule. So each still is read again: the input is opened
 * with --from/--to narrowed to a quarter of a frame interval around the
 * frame's time (capture trims frame-accurately on real timestamps and seeks
 * close to from_s), which delivers exactly that frame. A camera cannot be
 * re-read and an interrupted run should end promptly; both get "still not
 * available" in the report, as does any still that fails to read.
 */
#include "cli/output_html.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_NOTES 8
#define NOTE_SIZE 512

typedef struct HtmlInputs {
    RomcvReportHtml report;
    RomcvReportStill stills[ROMCV_REPORT_HTML_MAX_STILLS];
    uint8_t *jpeg[ROMCV_REPORT_HTML_MAX_STILLS];
    RomcvReportSignal signals[ROMCV_SIGNAL_COUNT];
    float *signal_values[ROMCV_SIGNAL_COUNT];
    RomcvReportNote warnings[ROMCV_CHECK_COUNT];
    RomcvReportNote notes[MAX_NOTES];
    char note_text[MAX_NOTES][NOTE_SIZE];
    char date[64], details[256], model[160], software[96], status_detail[ROMCV_DIAG_MESSAGE_SIZE];
    RomcvLandmarkSeries landmarks;
} HtmlInputs;

/* ------------------------------------------------------------- signals */

/* The meaning of a derived signal, from romcv/protocols.h's table. */
static const char *derived_meaning(int signal) {
#define ROMCV_X_MEANING(id, name, unit, text) \
    case ROMCV_SIGNAL_##id:                   \
        return text;
    switch (signal) {
        ROMCV_DERIVED_SIGNAL_TABLE(ROMCV_X_MEANING)
    default:
        return NULL;
    }
#undef ROMCV_X_MEANING
}

static int compare_floats(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The protocol's derived signals (angles are in the results already), each
 * with the baseline its relative form subtracts: the median of absolute
 * minus relative, which is 0 for signals defined as changes already. */
static int gather_signals(const RomcvCliAnalysis *run, HtmlInputs *in, RomcvDiag *diag) {
    const RomcvProtocolDef *d = run->protocol->def;
    int wanted[ROMCV_SIGNAL_COUNT] = {0};
    for (int s = 0; s < d->n_segmenters && s < ROMCV_PROTOCOL_MAX_SEGMENTERS; s++) {
        wanted[d->segmenter[s].signal] = 1;
    }
    for (int m = 0; m < d->n_measures && m < ROMCV_PROTOCOL_MAX_MEASURES; m++) {
        wanted[d->measure[m].signal] = 1;
    }
    for (int f = 0; f < d->n_flags && f < ROMCV_PROTOCOL_MAX_FLAGS; f++) {
        const RomcvFlagDef *fd = &d->flag[f];
        wanted[fd->signal] = 1;
        if (fd->and_signal >= 0 && fd->and_signal < ROMCV_SIGNAL_COUNT) {
            wanted[fd->and_signal] = 1;
        }
        if (fd->kind == ROMCV_FLAG_RATIO_AT_PEAK && fd->ratio_signal >= 0 &&
            fd->ratio_signal < ROMCV_SIGNAL_COUNT) {
            wanted[fd->ratio_signal] = 1;
        }
    }
    RomcvProtocolSettings ps;
    romcv_protocol_default_settings(&ps);
    ps.metrics = *run->metrics_settings;
    const char *side = run->options->side;
    ps.side = side && strcmp(side, "left") == 0    ? ROMCV_SIDE_LEFT
              : side && strcmp(side, "right") == 0 ? ROMCV_SIDE_RIGHT
                                                   : ROMCV_SIDE_NONE;
    RomcvLandmarkSeries landmarks = romcv_cli_pose_series_landmarks(run->series);
    size_t n = run->angles->n;
    float *relative = malloc(sizeof(float) * (n ? n : 1));
    if (!relative) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "report.html: out of memory");
    }
    int rc = 0;
    for (int s = ROMCV_ANGLE_COUNT; s < ROMCV_SIGNAL_COUNT && rc == 0; s++) {
        if (!wanted[s]) {
            continue;
        }
        float *values = malloc(sizeof(float) * (n ? n : 1));
        if (!values) {
            rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "report.html: out of memory");
            break;
        }
        if (romcv_protocol_signal(s, 0, &ps, &landmarks, run->angles, values) < 0 ||
            romcv_protocol_signal(s, 1, &ps, &landmarks, run->angles, relative) < 0) {
            free(values); /* not plotted; the report still has the results */
            continue;
        }
        size_t count = 0;
        for (size_t i = 0; i < n; i++) {
            if (isfinite(values[i]) && isfinite(relative[i])) {
                relative[count++] = values[i] - relative[i];
            }
        }
        float baseline = NAN;
        if (count > 0) {
            qsort(relative, count, sizeof *relative, compare_floats);
            baseline = relative[count / 2];
        }
        size_t k = (size_t)(s - ROMCV_ANGLE_COUNT);
        in->signal_values[k] = values;
        in->signals[in->report.n_signals++] = (RomcvReportSignal){
            .signal = s,
            .name = romcv_signal_name(s),
            .unit = romcv_signal_unit(s),
            .meaning = derived_meaning(s),
            .values = values,
            .baseline = baseline,
        };
    }
    free(relative);
    return rc;
}

/* --------------------------------------------------------------- stills */

/* Reads series frame i again and encodes it; 0 or a negative code. */
static int read_still(const RomcvCliContext *ctx, const RomcvCliAnalysis *run, size_t i,
                      uint8_t **jpeg, RomcvReportStill *out, RomcvDiag *diag) {
    const RomcvCliPoseSeries *series = run->series;
    double t = series->time_s[i];
    /* A quarter of the shorter neighbouring interval: only this frame's time
     * falls inside, however uneven the frame times are. */
    double dt = 1.0 / 30.0;
    if (i > 0) {
        dt = fmin(dt, t - series->time_s[i - 1]);
    }
    if (i + 1 < series->n) {
        dt = fmin(dt, series->time_s[i + 1] - t);
    }
    double tolerance = fmax(0.25 * dt, 1e-6);
    RomcvCliInput input = run->options->in;
    input.from_s = fmax(0.0, t - tolerance);
    input.to_s = t + tolerance;
    RomcvCapture *capture = NULL;
    int rc = romcv_cli_open_input(ctx, &input, &capture, diag);
    if (rc < 0) {
        return rc;
    }
    RomcvFrame *frame = NULL;
    rc = romcv_capture_receive(capture, &frame);
    if (rc < 0) {
        romcv_diag_set(diag, rc, "%s", romcv_capture_errmsg(capture));
    } else if (fabs(frame->time_s - t) > tolerance) {
        rc =
            romcv_diag_set(diag, ROMCV_E_NOT_FOUND, "the frame at %.6f s is not there any more", t);
    } else {
        size_t size = 0;
        int w = 0, h = 0;
        rc = romcv_report_still_encode(frame, 480, 0, jpeg, &size, &w, &h, diag);
        if (rc == 0) {
            *out = (RomcvReportStill){i, *jpeg, size, w, h};
        }
    }
    romcv_frame_unref(&frame);
    romcv_capture_close(&capture);
    return rc;
}

static void gather_stills(const RomcvCliContext *ctx, const RomcvCliAnalysis *run, HtmlInputs *in) {
    const RomcvProtocolResult *p = run->protocol;
    if (run->outcome->interrupted || run->outcome->info.kind == ROMCV_CAPTURE_CAMERA) {
        return;
    }
    for (size_t f = 0; f < p->n_flags && in->report.n_stills < ROMCV_REPORT_HTML_MAX_STILLS; f++) {
        size_t frame = p->flag[f].evidence_frame;
        int seen = frame >= run->series->n;
        for (size_t k = 0; k < in->report.n_stills && !seen; k++) {
            seen = in->stills[k].frame == frame;
        }
        if (seen) {
            continue;
        }
        size_t k = in->report.n_stills;
        RomcvDiag diag = {0};
        if (read_still(ctx, run, frame, &in->jpeg[k], &in->stills[k], &diag) == 0) {
            in->report.n_stills++;
        } else {
            romcv_log(&ctx->logger, ROMCV_LOG_WARNING, "report",
                      "report.html: no still of frame %zu: %s", frame, diag.message);
        }
    }
}

/* --------------------------------------------------------------- header */

static void add_note(HtmlInputs *in, const char *source, const char *fmt, ...) ROMCV_PRINTF(3, 4);
static void add_note(HtmlInputs *in, const char *source, const char *fmt, ...) {
    size_t k = in->report.n_notes;
    if (k == MAX_NOTES) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    vsnprintf(in->note_text[k], NOTE_SIZE, fmt, args);
    va_end(args);
    in->notes[k] = (RomcvReportNote){in->note_text[k], source};
    in->report.n_notes++;
}

static void fill_header(const RomcvCliAnalysis *run, HtmlInputs *in) {
    const AnalyzeOptions *o = run->options;
    const RomcvCaptureInfo *info = &run->outcome->info;
    RomcvReportHtml *r = &in->report;
    time_t now = time(NULL);
    struct tm local;
    if (localtime_r(&now, &local)) {
        strftime(in->date, sizeof in->date, "%Y-%m-%d %H:%M", &local);
    }
    size_t used = 0;
    if (info->width > 0 && info->height > 0) {
        used += (size_t)snprintf(in->details, sizeof in->details, "%dx%d px", info->width,
                                 info->height);
    }
    if (info->codec[0] && used < sizeof in->details) {
        used += (size_t)snprintf(in->details + used, sizeof in->details - used, "%s%s",
                                 used ? ", " : "", info->codec);
    }
    if (info->nominal_fps > 0 && used < sizeof in->details) {
        used += (size_t)snprintf(in->details + used, sizeof in->details - used, "%s%.2f fps",
                                 used ? ", " : "", info->nominal_fps);
    }
    if (info->duration_s > 0 && used < sizeof in->details) {
        snprintf(in->details + used, sizeof in->details - used, "%s%.1f s long", used ? ", " : "",
                 info->duration_s);
    }
    const RomcvModelInfo *model = romcv_model_info(run->model_id);
    snprintf(in->model, sizeof in->model, "BlazePose %s (%s, %s@%s)",
             model ? model->short_name : o->model, model ? model->file_name : "",
             ROMCV_MODELS_PACKAGE, ROMCV_MODELS_PACKAGE_VERSION);
    snprintf(in->software, sizeof in->software, "romcv %s (%s)", romcv_version(),
             romcv_git_revision());
    if (run->outcome->failed) {
        snprintf(in->status_detail, sizeof in->status_detail, "%s", run->outcome->error);
    } else if (run->error) {
        snprintf(in->status_detail, sizeof in->status_detail, "%s", run->error);
    } else if (run->outcome->interrupted) {
        snprintf(in->status_detail, sizeof in->status_detail, "Stopped by the user.");
    }
    r->patient = o->patient;
    r->session = o->session;
    r->date = in->date;
    r->input = info->input[0] ? info->input : o->in.input;
    r->input_details = in->details;
    r->model = in->model;
    r->software = in->software;
    r->status = run->status;
    r->status_detail = in->status_detail;

    for (int k = 0; k < run->checks->warning_count && k < ROMCV_CHECK_COUNT; k++) {
        in->warnings[k] =
            (RomcvReportNote){run->checks->warnings[k].message, run->checks->warnings[k].advice};
    }
    r->recording_warnings = in->warnings;
    r->n_recording_warnings =
        (size_t)(run->checks->warning_count > 0 ? run->checks->warning_count : 0);

    /* The options that change what a number means, so the signed report
     * records how it was made. */
    r->notes = in->notes;
    add_note(in, "docs/angles.md",
             "Angles were low-pass filtered at %.1f Hz (zero-phase 2nd-order Butterworth).",
             o->cutoff_hz);
    if (o->in.from_s > 0 || o->in.to_s >= 0) {
        char to[32] = "the end";
        if (o->in.to_s >= 0) {
            snprintf(to, sizeof to, "%.2f s", o->in.to_s);
        }
        add_note(in, NULL, "Only the part of the recording from %.2f s to %s was analysed.",
                 o->in.from_s, to);
    }
    if (o->view && strcmp(o->view, "auto") != 0) {
        add_note(in, NULL, "The camera view was set to %s by the operator, not detected.", o->view);
    }
    if (o->mirrored) {
        add_note(in, "docs/angles.md",
                 "The video was mirrored (selfie camera); it was turned back before measuring, "
                 "so left and right are the person's own.");
    }
    if (o->camera_file) {
        add_note(in, NULL,
                 "Lens distortion was removed from the landmarks with the camera file %s.",
                 o->camera_file);
    }
    if (o->vertical) {
        add_note(in, NULL, "The true vertical was taken from the line %s marked in the image.",
                 o->vertical);
    }
}

/* ------------------------------------------------------------------ API */

int romcv_cli_write_html(const RomcvCliContext *ctx, const RomcvCliAnalysis *run, RomcvDiag *diag) {
    HtmlInputs *in = calloc(1, sizeof *in);
    if (!in) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "report.html: out of memory");
    }
    romcv_report_html_default(&in->report);
    fill_header(run, in);
    RomcvReportHtml *r = &in->report;
    int rc = 0;
    const RomcvCliPoseSeries *series = run->series;
    if (run->angles && series && series->n == run->angles->n) {
        r->angles = run->angles;
        r->frame_index = series->index;
        r->frame_width = series->width;
        r->frame_height = series->height;
        /* Undistorted landmarks no longer sit on the raw image. */
        if (!run->options->camera_file) {
            in->landmarks = romcv_cli_pose_series_landmarks(series);
            r->landmarks = &in->landmarks;
        }
        if (run->protocol) {
            r->protocol = run->protocol;
            r->signals = in->signals;
            rc = gather_signals(run, in, diag);
            if (rc == 0) {
                gather_stills(ctx, run, in);
                r->stills = in->stills;
            }
        }
    }
    if (rc == 0) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/report.html", run->options->out_dir);
        rc = romcv_report_html_write(path, r, diag);
    }
    for (size_t k = 0; k < ROMCV_REPORT_HTML_MAX_STILLS; k++) {
        free(in->jpeg[k]);
    }
    for (size_t k = 0; k < ROMCV_SIGNAL_COUNT; k++) {
        free(in->signal_values[k]);
    }
    free(in);
    return rc;
}
