/*
 * cli/cmd_analyze.c: romcv analyze, the main job. Frames flow one way:
 * capture (frames with real times) -> vision (the BlazePose tracker) ->
 * metrics (every angle channel, filtered, with baselines) -> report (CSV,
 * OpenSim TRC and MOT, the JSON summary). The protocol layer (issue 7) and
 * the HTML report (issue 8) extend the same path.
 *
 * Nothing is lost: every file is written under a temporary name and renamed
 * when complete, and Ctrl-C ends the capture cleanly, after which everything
 * measured so far is analysed and written, marked "interrupted".
 */
#include "cli/analysis.h"
#include "cli/annotated_video.h"
#include "cli/output_html.h"
#include "cli/progress.h"
#include "cli/summary.h"
#include "cli/silhouette_series.h"
#include "cli/marker_series.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COMMAND "romcv analyze"

/* Reads every frame through the tracker into series. Returns 0, or a
 * negative code with diag when the tracker itself fails. */
/* detector (may be NULL) is a second tracker in static mode that sees the
 * same frames, into detected: --tracking both (see AnalyzeOptions). */
static int track_all(const RomcvCliContext *ctx, const AnalyzeOptions *o, RomcvTracker **tracker,
                     RomcvCliPoseSeries *series, RomcvTracker *detector,
                     RomcvCliPoseSeries *detected, RomcvCliSilhouetteSeries *silhouette,
                     RomcvCliMarkerSeries *markers, Checks *checks, StreamOutcome *outcome,
                     RomcvDiag *diag) {
    RomcvCliInterrupt watch;
    romcv_cli_interrupt_start(&watch);
    RomcvCapture *capture = NULL;
    int rc = romcv_cli_open_input(ctx, &o->in, &capture, diag);
    if (rc < 0) {
        romcv_cli_interrupt_stop(&watch);
        return rc;
    }
    romcv_cli_interrupt_watch(&watch, capture);
    romcv_log(&ctx->logger, ROMCV_LOG_VERBOSE, "analyze",
              "%s: analysing (Ctrl-C stops and keeps what is finished)", o->in.input);
    RomcvCliProgress progress;
    romcv_cli_progress_begin(&progress, ctx,
                             romcv_cli_expected_frames(romcv_capture_info(capture), &o->in));
    RomcvFrame *frame;
    int receive_rc;
    while ((receive_rc = romcv_capture_receive(capture, &frame)) == 0) {
        if (frame->time_s >= checks->next_sample_s && checks->quality_count < QUALITY_SAMPLES &&
            romcv_calib_frame_quality(frame, &checks->quality[checks->quality_count], NULL) == 0) {
            checks->quality_count++;
            checks->next_sample_s = frame->time_s + 1.0;
        }
        RomcvPose pose;
        rc = romcv_tracker_process(*tracker, frame, &pose);
        if (rc == 0) {
            rc = romcv_cli_pose_series_append(series, frame, &pose);
            /* The person mask is valid until the next frame: its contour now. */
            rc = rc ? rc : romcv_cli_silhouette_frame(silhouette, tracker, series);
            /* Skin markers: named from this frame's pose (cli/marker_series.h). */
            rc = rc ? rc : romcv_cli_markers_frame(markers, frame, &pose, diag);
            if (rc == 0 && detector) {
                RomcvPose detected_pose;
                rc = romcv_tracker_process(detector, frame, &detected_pose);
                rc = rc ? rc : romcv_cli_pose_series_append(detected, frame, &detected_pose);
            }
            romcv_cli_progress_update(&progress, (int64_t)series->n);
        } else {
            romcv_diag_set(diag, rc, "%s: frame %lld: %s", o->in.input, (long long)frame->index,
                           romcv_tracker_errmsg(*tracker));
        }
        romcv_frame_unref(&frame);
        if (rc < 0) {
            break;
        }
    }
    romcv_cli_progress_end(&progress);
    outcome->interrupted = receive_rc == ROMCV_E_INTERRUPTED || romcv_cli_interrupted(&watch);
    outcome->info = *romcv_capture_info(capture);
    /* A truncated or damaged input ends normally with frames lost: what
     * decoded is kept and measured, and the run still counts as failed. */
    int damaged = receive_rc == ROMCV_E_EOF && outcome->info.damaged;
    outcome->failed = rc == 0 && !outcome->interrupted && (receive_rc != ROMCV_E_EOF || damaged);
    if (outcome->failed) {
        snprintf(outcome->error, sizeof outcome->error, "%s", romcv_capture_errmsg(capture));
    }
    romcv_cli_interrupt_watch(&watch, NULL);
    romcv_capture_close(&capture);
    romcv_cli_interrupt_stop(&watch);
    if (outcome->interrupted) {
        romcv_diag_clear(diag);
        return 0; /* keep what was finished */
    }
    return rc;
}

/* --tracking both: the angle channels the protocol segments and measures on
 * come from the landmarks of the pose detector run on every frame; the rest
 * (the hip line and trunk its compensation rules watch) stay with the
 * tracked landmarks. On the phantom's seated rotation, tracking lets the knee
 * landmark slide 3-6 px toward the moving foot at end range (3.9 deg short),
 * per-frame detection does not (within 2.4 deg), while its hip line moves
 * 6.9 deg with a level pelvis against 3.1 with tracking (docs/validation.md). */
static int measure_on_detection(RomcvMetrics *metrics, const RomcvCliPoseSeries *detected,
                                const RomcvProtocolDef *protocol, RomcvAngleResults *angles,
                                RomcvDiag *diag) {
    RomcvLandmarkSeries landmarks = romcv_cli_pose_series_landmarks(detected);
    RomcvAngleResults *from_detection = NULL;
    int rc = romcv_metrics_compute(metrics, &landmarks, NULL, NULL, &from_detection);
    if (rc < 0) {
        return romcv_diag_set(diag, rc, "angles on per-frame detection: %s",
                              romcv_metrics_errmsg(metrics));
    }
    int take[ROMCV_ANGLE_COUNT] = {0};
    for (int s = 0; s < protocol->n_segmenters; s++) {
        if (protocol->segmenter[s].signal < ROMCV_ANGLE_COUNT) {
            take[protocol->segmenter[s].signal] = 1;
        }
    }
    for (int m = 0; m < protocol->n_measures; m++) {
        if (protocol->measure[m].signal < ROMCV_ANGLE_COUNT) {
            take[protocol->measure[m].signal] = 1;
        }
    }
    for (int f = 0; f < protocol->n_flags; f++) {
        /* A channel a rule watches stays tracked, even if it is measured. */
        if (protocol->flag[f].signal < ROMCV_ANGLE_COUNT) {
            take[protocol->flag[f].signal] = 0;
        }
    }
    for (int c = 0; c < ROMCV_ANGLE_COUNT; c++) {
        if (take[c]) {
            /* Swap, so each result still frees what it allocated. */
            RomcvAngleChannel channel = angles->channel[c];
            angles->channel[c] = from_detection->channel[c];
            from_detection->channel[c] = channel;
        }
    }
    romcv_angle_results_destroy(&from_detection);
    return 0;
}

static void join_path(char *out, size_t size, const char *dir, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

/* Writes the per-frame files (CSV, TRC, MOT) through the report module. */
/* The protocol phase of frame i for the CSV: the movement whose repetition
 * contains it ("right-ir"), "rest" between repetitions, NULL without a
 * protocol. */
static const char *phase_of(const RomcvProtocolResult *protocol, size_t i) {
    if (!protocol) {
        return NULL;
    }
    for (size_t k = 0; k < protocol->n_repetitions; k++) {
        const RomcvRepetition *rep = &protocol->repetition[k];
        if (i >= rep->start_frame && i <= rep->end_frame) {
            return protocol->def->segmenter[rep->segmenter].name;
        }
    }
    return "rest";
}

static int write_frame_files(const AnalyzeOptions *o, const RomcvCliPoseSeries *series,
                             const RomcvAngleResults *angles, double nominal_fps,
                             const RomcvProtocolResult *protocol, double metres_per_px,
                             RomcvDiag *diag) {
    RomcvReportChannel channels[ROMCV_ANGLE_COUNT];
    for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
        const RomcvAngleInfo *info = romcv_angle_info((RomcvAngleId)a);
        channels[a].name = info->name;
        channels[a].unit = info->unit;
    }
    static const struct {
        RomcvReportFormat format;
        const char *name;
    } files[] = {
        {ROMCV_REPORT_CSV, "frames.csv"},
        {ROMCV_REPORT_TRC, "landmarks.trc"},
        {ROMCV_REPORT_MOT, "angles.mot"},
    };
    float *landmarks =
        malloc(sizeof(float) * ROMCV_REPORT_LANDMARKS * ROMCV_REPORT_LANDMARK_FLOATS);
    float *values = malloc(sizeof(float) * ROMCV_ANGLE_COUNT);
    if (!landmarks || !values) {
        free(landmarks);
        free(values);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "out of memory");
    }
    int rc = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0] && rc == 0; f++) {
        RomcvReportSettings s;
        romcv_report_default_settings(&s);
        /* With a scale the landmarks go out in metres (TRC, C3D; the CSV
         * keeps pixels, its columns say px). */
        int in_metres = metres_per_px > 0 && files[f].format != ROMCV_REPORT_CSV;
        double unit = in_metres ? metres_per_px : 1.0;
        s.units = in_metres ? ROMCV_REPORT_UNITS_M : ROMCV_REPORT_UNITS_PX;
        s.y_up_origin = series->height * unit;
        /* TRC/C3D want a nominal rate; the times written are the real ones. */
        s.frame_rate_hz = nominal_fps > 0 ? nominal_fps : 30.0;
        s.min_visibility = 0.5f;
        s.channels = channels;
        s.n_channels = ROMCV_ANGLE_COUNT;
        char path[PATH_MAX];
        join_path(path, sizeof path, o->out_dir, files[f].name);
        RomcvReportWriter *writer = NULL;
        rc = romcv_report_open(&writer, files[f].format, path, &s, diag);
        for (size_t i = 0; i < series->n && rc == 0; i++) {
            for (int k = 0; k < ROMCV_REPORT_LANDMARKS; k++) {
                float *l = landmarks + ROMCV_REPORT_LANDMARK_FLOATS * k;
                l[0] = (float)(series->x[k][i] * unit);
                l[1] = (float)(series->y[k][i] * unit);
                l[2] = (float)(series->z[k][i] * unit);
                l[3] = series->visibility[k][i];
            }
            for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
                values[a] = angles->channel[a].value_deg[i];
            }
            RomcvReportFrame frame = {
                .index = series->index[i],
                .time_s = series->time_s[i],
                .landmarks = series->found[i] ? landmarks : NULL,
                .values = values,
                .view = (RomcvView)angles->view[i],
                .phase = phase_of(protocol, i),
            };
            rc = romcv_report_write(writer, &frame);
            if (rc < 0) {
                romcv_diag_set(diag, rc, "%s", romcv_report_errmsg(writer));
            }
        }
        if (writer) {
            if (rc < 0) {
                romcv_report_abort(&writer);
            } else {
                rc = romcv_report_close(&writer, diag);
            }
        }
    }
    free(landmarks);
    free(values);
    return rc;
}

/* Median of the finite values of a channel (NaN when none); sorts a copy. */
static int compare_floats(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void channel_stats(const RomcvAngleChannel *c, size_t n, float *min, float *max,
                          float *median) {
    float *finite = malloc(sizeof(float) * (n ? n : 1));
    size_t count = 0;
    for (size_t i = 0; finite && i < n; i++) {
        if (isfinite(c->value_deg[i])) {
            finite[count++] = c->value_deg[i];
        }
    }
    *min = *max = *median = NAN;
    if (count > 0) {
        qsort(finite, count, sizeof *finite, compare_floats);
        *min = finite[0];
        *max = finite[count - 1];
        *median =
            count % 2 ? finite[count / 2] : 0.5f * (finite[count / 2 - 1] + finite[count / 2]);
    }
    free(finite);
}

/* Undistorts the landmarks with the camera (fitted to the frames' size) and
 * takes the vertical from the marked line, both before any angle (calib). */
static int prepare_geometry(const AnalyzeOptions *o, RomcvCameraModel *camera, const double *line,
                            RomcvCliPoseSeries *series, RomcvMetricsSettings *ms, RomcvDiag *diag) {
    if (camera) {
        int rc =
            romcv_calib_camera_fit_to(camera, series->width, series->height, o->camera_file, diag);
        if (rc < 0) {
            return rc;
        }
        for (int k = 0; k < ROMCV_POSE_LANDMARKS; k++) {
            romcv_calib_undistort_points(camera, series->x[k], series->y[k], series->n);
        }
    }
    if (line) {
        float down_x, down_y;
        int rc = romcv_calib_vertical_from_line(camera, line[0], line[1], line[2], line[3], &down_x,
                                                &down_y, diag);
        if (rc < 0) {
            char reason[ROMCV_DIAG_MESSAGE_SIZE];
            snprintf(reason, sizeof reason, "%s", diag->message);
            return romcv_diag_set(diag, rc, "--vertical %s: %s", o->vertical, reason);
        }
        ms->down_x = down_x;
        ms->down_y = down_y;
    }
    return 0;
}

/* The recording checks (calib): warnings with advice, before the results. */
static void run_checks(const RomcvCliContext *ctx, const RomcvCliPoseSeries *series,
                       const RomcvMetricsSettings *ms, int has_down, Checks *checks) {
    RomcvLandmarkSeries landmarks = romcv_cli_pose_series_landmarks(series);
    RomcvCheckInput input;
    memset(&input, 0, sizeof input);
    input.landmarks = &landmarks;
    input.width = series->width;
    input.height = series->height;
    input.has_down = has_down;
    input.down_x = ms->down_x;
    input.down_y = ms->down_y;
    input.quality = checks->quality;
    input.quality_count = checks->quality_count;
    checks->warning_count = 0;
    if (romcv_calib_check_recording(&input, NULL, checks->warnings, ROMCV_CHECK_COUNT,
                                    &checks->warning_count, NULL) < 0) {
        checks->warning_count = 0;
        return;
    }
    for (int i = 0; i < checks->warning_count; i++) {
        romcv_log(&ctx->logger, ROMCV_LOG_WARNING, "recording", "%s; %s",
                  checks->warnings[i].message, checks->warnings[i].advice);
    }
}

int romcv_cli_analyze(RomcvCliContext *ctx, int argc, char **argv) {
    AnalyzeOptions o;
    memset(&o, 0, sizeof o);
    romcv_cli_input_defaults(&o.in);
    o.out_dir = "romcv-out";
    o.model = "full";
    o.view = "auto";
    o.threads = 1;
    o.cutoff_hz = 6.0;
    o.side = "both";
    o.tracking = "auto";
    const char *silhouette_mode = "auto";
    RomcvOption options[] = {
        {"out", 'o', ROMCV_OPT_STRING, &o.out_dir, 0, 0, NULL, "DIR",
         "write results into DIR (default romcv-out)"},
        {"model", 0, ROMCV_OPT_CHOICE, &o.model, 0, 0, "lite|full|heavy", NULL,
         "landmark model (default full)"},
        {"view", 0, ROMCV_OPT_CHOICE, &o.view, 0, 0, "auto|front|back|left|right", NULL,
         "camera view of the person (default auto: detected per frame)"},
        {"mirrored", 0, ROMCV_OPT_FLAG, &o.mirrored, 0, 0, NULL, NULL,
         "selfie-camera video, mirrored left-right (keeps left and right anatomical)"},
        {"cutoff", 0, ROMCV_OPT_DOUBLE, &o.cutoff_hz, 0.1, 100, NULL, "HZ",
         "low-pass cut-off for the angles (default 6 Hz)"},
        {"tracking", 0, ROMCV_OPT_CHOICE, &o.tracking, 0, 0, "auto|video|static|both", NULL,
         "video: the pose detector finds the person once and the landmarks follow (fast); "
         "static: the detector on every frame; both: the protocol's angles on per-frame "
         "detection, its compensation rules on tracking (about 2.5x the time); auto "
         "(default): both for the hip-rotation protocols, else video"},
        {"threads", 0, ROMCV_OPT_INT, &o.threads, 1, 64, NULL, "N",
         "inference threads (default 1; decoding has a thread of its own)"},
        {"camera", 0, ROMCV_OPT_STRING, &o.camera_file, 0, 0, NULL, "FILE",
         "camera file (romcv calibrate camera): landmarks are undistorted before any angle"},
        {"protocol", 'p', ROMCV_OPT_STRING, &o.protocol, 0, 0, NULL, "NAME",
         "the movement that was recorded (romcv protocols lists them): repetitions, end "
         "ranges, normal ranges and compensation flags"},
        {"scale", 0, ROMCV_OPT_DOUBLE, &o.scale_m_per_px, 1e-6, 1.0, NULL, "M_PER_PX",
         "metres per pixel in the movement plane (romcv calibrate scale): TRC and C3D in "
         "metres, the Trendelenburg drop in cm"},
        {"height", 0, ROMCV_OPT_DOUBLE, &o.height_m, 0.5, 2.6, NULL, "M",
         "the person's standing height: the scale from it (calib; needs a standing frame)"},
        {"side", 0, ROMCV_OPT_CHOICE, &o.side, 0, 0, "left|right|both", NULL,
         "with --protocol: analyse only this side's tests (default both)"},
        {"patient", 0, ROMCV_OPT_STRING, &o.patient, 0, 0, NULL, "NAME",
         "the patient's name or identifier, for the header of report.html"},
        {"session", 0, ROMCV_OPT_STRING, &o.session, 0, 0, NULL, "TEXT",
         "the session (visit, examiner, condition), for the header of report.html"},
        {"vertical", 0, ROMCV_OPT_STRING, &o.vertical, 0, 0, NULL, "X1,Y1,X2,Y2",
         "two pixels on a line known to be vertical (plumb line, door frame): corrects "
         "camera roll"},
        {"no-video", 0, ROMCV_OPT_FLAG, &o.no_video, 0, 0, NULL, NULL,
         "do not write annotated.mp4 (every frame with the skeleton, angles and flags drawn)"},
        {"silhouette", 0, ROMCV_OPT_CHOICE, &silhouette_mode, 0, 0, "auto|off", NULL,
         "markerless pelvic tilt and lordosis from the back of the person mask in side views "
         "(default auto: on unless --view is front or back)"},
        {"markers", 0, ROMCV_OPT_STRING, &o.markers, 0, 0, NULL, "auto|COLOUR|aruco",
         "skin markers on ASIS, PSIS, T12, L3, S1 (docs/markers.md): coloured (auto, red, "
         "orange, yellow, green, cyan, blue, magenta or H1-H2,S1-S2,V1-V2) or aruco (printed "
         "squares from romcv markers-sheet, front and back views); pelvic tilt, obliquity and "
         "lordosis are then measured on them; trochanter, knee and malleolus markers are "
         "named and written to markers.csv"},
        {"marker-labels", 0, ROMCV_OPT_STRING, &o.labels_file, 0, 0, NULL, "FILE",
         "with --markers: JSON of marker names to [x, y] in the first frame, for arrangements "
         "romcv cannot name itself (docs/markers.md)"},
        ROMCV_CLI_INPUT_OPTIONS(o.in),
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    const char *positionals[1];
    RomcvCommandLine line = {COMMAND, options, ROMCV_COUNT_OF(options), positionals, 1, 0,
                             false,   ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, "romcv analyze [INPUT] [options]",
        "Measures INPUT (a video file, a folder or glob of images, or a camera: /dev/videoN or "
        "camera:N):\nlandmarks, every angle and, with --protocol, repetitions, end ranges and "
        "compensations;\nwrites report.html, summary.json, frames.csv, landmarks.trc, angles.mot "
        "and annotated.mp4 into DIR.\nWithout INPUT, analyses the built-in default input "
        "(" ROMCV_DEFAULT_INPUT "). romcv protocols lists the protocols.");
    if (rc >= 0) {
        return rc;
    }
    romcv_cli_setup_logger(ctx);
    o.in.input = line.positional_count ? positionals[0] : ROMCV_DEFAULT_INPUT;

    RomcvDiag diag = {0};
    /* An unknown protocol fails before the long part, like a bad option. */
    const RomcvProtocolDef *protocol = NULL;
    if (o.protocol && !(protocol = romcv_protocols_find(o.protocol))) {
        fprintf(stderr, COMMAND ": --protocol: unknown protocol '%s' (one of:", o.protocol);
        for (size_t i = 0; i < romcv_protocols_count(); i++) {
            fprintf(stderr, " %s", romcv_protocols_get(i)->name);
        }
        fprintf(stderr, ")\n");
        return ROMCV_EXIT_USAGE;
    }
    if (romcv_cli_markers_check(o.markers, o.labels_file, &diag) < 0) { /* the same way */
        fprintf(stderr, COMMAND ": %s\n", diag.message);
        return ROMCV_EXIT_USAGE;
    }
    if (o.markers && strcmp(o.markers, "aruco") == 0 && o.mirrored) {
        /* A mirror image of a printed square is another pattern: it is not
         * read, or read as another id, and the ids name the patient's own
         * left and right, which mirroring would swap back. */
        fprintf(stderr,
                COMMAND ": --markers aruco with --mirrored: a mirrored video mirrors the "
                        "printed squares, which then do not read; film without mirroring\n");
        return ROMCV_EXIT_USAGE;
    }
    RomcvModelId model_id = ROMCV_MODEL_LANDMARK_FULL;
    romcv_model_from_name(o.model, &model_id);
    char models_dir[PATH_MAX];
    if (romcv_cli_models_dir(ctx, models_dir, sizeof models_dir, &diag) < 0) {
        return romcv_cli_fail(COMMAND, &diag);
    }
    if (romcv_cli_make_dir(o.out_dir, &diag) < 0) {
        return romcv_cli_fail(COMMAND, &diag);
    }
    /* Camera and vertical are checked before the long part, so a typo in
     * either fails at once. */
    RomcvCameraModel camera;
    int have_camera = 0;
    if (o.camera_file) {
        if (romcv_calib_camera_load(&camera, o.camera_file, &diag) < 0) {
            return romcv_cli_fail(COMMAND, &diag);
        }
        have_camera = 1;
    }
    double line_points[4];
    if (o.vertical) {
        char tail;
        if (sscanf(o.vertical, "%lf,%lf,%lf,%lf%c", &line_points[0], &line_points[1],
                   &line_points[2], &line_points[3], &tail) != 4) {
            fprintf(stderr, COMMAND ": --vertical wants X1,Y1,X2,Y2 in pixels, not '%s'\n",
                    o.vertical);
            return ROMCV_EXIT_USAGE;
        }
    }
    RomcvMetricsSettings ms;
    romcv_metrics_default_settings(&ms);
    int view = romcv_view_from_name(o.view);
    ms.view = view < 0 ? ROMCV_VIEW_UNKNOWN : (RomcvView)view;
    ms.mirrored = o.mirrored;
    ms.cutoff_hz = o.cutoff_hz;

    RomcvTrackerSettings ts;
    romcv_tracker_default_settings(&ts);
    ts.model = model_id;
    ts.models_dir = models_dir;
    ts.threads = o.threads;
    /* --tracking: auto is "both" for protocols that measure on per-frame
     * detection, else "video". */
    const char *tracking = o.tracking;
    if (strcmp(tracking, "auto") == 0) {
        tracking = protocol && protocol->measure_on_detection ? "both" : "video";
    }
    if (strcmp(tracking, "both") == 0 && !protocol) {
        fprintf(stderr, COMMAND ": --tracking both needs --protocol (it measures the protocol's "
                                "angles on per-frame detection)\n");
        return ROMCV_EXIT_USAGE;
    }
    ts.static_mode = strcmp(tracking, "static") == 0;
    ts.logger = ctx->logger;
    RomcvCliSilhouetteSeries silhouette; /* allocates nothing before the first frame */
    romcv_cli_silhouette_init(&silhouette, silhouette_mode, &ms, o.vertical ? line_points : NULL,
                              &ctx->logger);
    romcv_cli_silhouette_tracker_settings(&silhouette, &ts);
    RomcvCliMarkerSeries markers; /* allocates nothing without --markers */
    if (romcv_cli_markers_init(&markers, o.markers, o.labels_file, &ctx->logger, &diag) < 0) {
        return romcv_cli_fail(COMMAND, &diag); /* out of memory: the colour was checked */
    }
    if (markers.enabled) {
        /* T12-L3 and L3-S1 are 10-15 px apart on a whole body at 640x480,
         * under the 20 px that guards landmark segments; the markers'
         * centroids are good to a fifth of a pixel (docs/markers.md). */
        ms.min_segment_px = 8;
    }
    RomcvTracker *tracker = NULL, *detector = NULL;
    RomcvTrackerSettings detector_settings = ts;
    detector_settings.static_mode = 1;
    detector_settings.segmentation = 0;
    if (romcv_tracker_create(&tracker, &ts, &diag) < 0 ||
        (strcmp(tracking, "both") == 0 &&
         romcv_tracker_create(&detector, &detector_settings, &diag) < 0)) {
        romcv_tracker_destroy(&tracker);
        romcv_cli_markers_free(&markers);
        return romcv_cli_fail(COMMAND, &diag);
    }

    RomcvCliPoseSeries series, detected;
    memset(&series, 0, sizeof series);
    memset(&detected, 0, sizeof detected);
    StreamOutcome outcome;
    memset(&outcome, 0, sizeof outcome);
    Checks *checks = calloc(1, sizeof *checks);
    if (!checks) {
        romcv_tracker_destroy(&tracker);
        romcv_tracker_destroy(&detector);
        romcv_diag_set(&diag, ROMCV_ERR(ENOMEM), "out of memory");
        return romcv_cli_fail(COMMAND, &diag);
    }
    rc = track_all(ctx, &o, &tracker, &series, detector, &detected, &silhouette, &markers, checks,
                   &outcome, &diag);
    romcv_tracker_destroy(&tracker);
    romcv_tracker_destroy(&detector);

    RomcvMetrics *metrics = NULL;
    RomcvAngleResults *angles = NULL;
    RomcvProtocolResult *protocol_result = NULL;
    double metres_per_px = o.scale_m_per_px; /* --scale, or from --height below */
    int markers_csv_written = 0;
    if (rc == 0 && series.n > 0) {
        rc = prepare_geometry(&o, have_camera ? &camera : NULL, o.vertical ? line_points : NULL,
                              &series, &ms, &diag);
        if (rc == 0 && detected.n > 0) {
            rc = prepare_geometry(&o, have_camera ? &camera : NULL, o.vertical ? line_points : NULL,
                                  &detected, &ms, &diag);
        }
        if (rc == 0 && have_camera) {
            romcv_cli_silhouette_undistort(&silhouette, &camera);
            romcv_cli_markers_undistort(&markers, &camera);
        }
    }
    if (rc == 0 && series.n > 0) {
        run_checks(ctx, &series, &ms, o.vertical != NULL, checks);
        ms.image_width = series.width; /* metrics reflects x about it for --mirrored */
        rc = romcv_metrics_create(&metrics, &ms, &diag);
    }
    if (rc == 0 && series.n > 0) {
        RomcvLandmarkSeries landmarks = romcv_cli_pose_series_landmarks(&series);
        RomcvContourSeries contours;
        const int no_contours = romcv_cli_silhouette_contours(&silhouette, &contours);
        RomcvMarkerSeries marker_series;
        const int no_markers = romcv_cli_markers_series(&markers, &marker_series);
        romcv_cli_markers_warn(&markers, &ctx->logger);
        rc = romcv_metrics_compute(metrics, &landmarks, no_markers ? NULL : &marker_series,
                                   no_contours ? NULL : &contours, &angles);
        if (rc < 0) {
            romcv_diag_set(&diag, rc, "%s: angles: %s", o.in.input, romcv_metrics_errmsg(metrics));
        }
        if (rc == 0 && detected.n == series.n && detected.n > 0) {
            rc = measure_on_detection(metrics, &detected, protocol, angles, &diag);
        }
        if (rc == 0 && o.height_m > 0 && o.scale_m_per_px <= 0) {
            rc = romcv_calib_scale_from_height(&landmarks, o.height_m, &metres_per_px, &diag);
            if (rc < 0) {
                char reason[ROMCV_DIAG_MESSAGE_SIZE];
                snprintf(reason, sizeof reason, "%s", diag.message);
                romcv_diag_set(&diag, rc, "--height %.2f: %s", o.height_m, reason);
            }
        }
        if (rc == 0 && protocol) {
            RomcvProtocolSettings ps;
            romcv_protocol_default_settings(&ps);
            ps.metrics = ms;
            ps.side = strcmp(o.side, "left") == 0    ? ROMCV_SIDE_LEFT
                      : strcmp(o.side, "right") == 0 ? ROMCV_SIDE_RIGHT
                                                     : ROMCV_SIDE_NONE;
            ps.logger = ctx->logger;
            ps.metres_per_pixel = metres_per_px;
            rc = romcv_protocol_analyze(protocol, &ps, &landmarks, angles, &protocol_result, &diag);
        }
        if (rc == 0) {
            rc = write_frame_files(&o, &series, angles, outcome.info.nominal_fps, protocol_result,
                                   metres_per_px, &diag);
        }
        if (rc == 0 && markers.enabled) {
            char path[PATH_MAX];
            join_path(path, sizeof path, o.out_dir, "markers.csv");
            rc = romcv_cli_markers_write_csv(&markers, series.index, series.time_s, path, &diag);
            markers_csv_written = rc == 0;
        }
    }
    int exit_code = EXIT_SUCCESS;
    const char *status = outcome.interrupted ? "interrupted"
                         : outcome.failed    ? "failed"
                         : rc < 0            ? "failed"
                                             : "complete";
    RomcvCliAnalysis run = {
        .options = &o,
        .models_dir = models_dir,
        .model_id = model_id,
        .series = &series,
        .outcome = &outcome,
        .checks = checks,
        .metrics_settings = &ms,
        .angles = angles,
        .angle_kernels = metrics ? romcv_metrics_simd_name(metrics) : "",
        .protocol = protocol_result,
        .metres_per_pixel = metres_per_px,
        .markers = markers.enabled ? &markers : NULL,
        .markers_csv_written = markers_csv_written,
        .tracking = tracking,
        .silhouette = silhouette_mode,
        .status = status,
        .error = rc < 0 ? diag.message : NULL,
        .argc = argc,
        .argv = argv,
    };
    /* The report first, so that the summary can list it among the files. */
    RomcvDiag html_diag = {0};
    if (romcv_cli_write_html(ctx, &run, &html_diag) < 0) {
        romcv_cli_fail_diag(ctx, COMMAND, &html_diag);
        exit_code = ROMCV_EXIT_FAILURE;
    } else {
        run.html_written = 1;
    }
    RomcvDiag summary_diag = {0};
    if (romcv_cli_write_summary(&run, &summary_diag) < 0) {
        romcv_cli_fail_diag(ctx, COMMAND, &summary_diag);
        exit_code = ROMCV_EXIT_FAILURE;
    }
    size_t found = romcv_cli_pose_series_found(&series);
    if (ctx->on_analysis) {
        ctx->on_analysis(ctx->on_analysis_cookie, &run);
    }

    if (rc < 0) {
        romcv_cli_fail_diag(ctx, COMMAND, &diag);
        exit_code = ROMCV_EXIT_FAILURE;
    } else if (outcome.failed) {
        romcv_cli_error(ctx, COMMAND, "%s (measured the %zu frames that decoded; results in %s)",
                        outcome.error, series.n, o.out_dir);
        exit_code = ROMCV_EXIT_FAILURE;
    } else if (outcome.interrupted) {
        romcv_cli_message(ctx, ROMCV_LOG_WARNING, COMMAND,
                          "interrupted after %zu frames; kept what was finished in %s", series.n,
                          o.out_dir);
        exit_code = ROMCV_EXIT_INTERRUPTED;
    } else if (series.n == 0) {
        romcv_cli_error(ctx, COMMAND, "%s: no frames in the chosen time range", o.in.input);
        exit_code = ROMCV_EXIT_FAILURE;
    } else if (found == 0) {
        romcv_cli_error(ctx, COMMAND, "%s: no person in view in any of the %zu frames", o.in.input,
                        series.n);
        exit_code = ROMCV_EXIT_FAILURE;
    } else if (!ctx->common.quiet) {
        printf("%s: %zu frames (%.3f-%.3f s, %dx%d), a person in %zu\n", outcome.info.input,
               series.n, series.time_s[0], series.time_s[series.n - 1], outcome.info.width,
               outcome.info.height, found);
        for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
            const RomcvAngleChannel *c = &angles->channel[a];
            if (c->valid * 4 < series.n) {
                continue; /* measured in too few frames to summarise here */
            }
            float min, max, median;
            channel_stats(c, angles->n, &min, &max, &median);
            /* The method, for the channels that have more than one (pelvic
             * tilt, obliquity, lordosis); the others are always landmarks. */
            const int several = romcv_angle_info((RomcvAngleId)a)->estimate != NULL;
            const char *method = romcv_angle_method_name(c->method);
            printf("  %-28s %7.1f to %7.1f %s (median %.1f)%s%s%s%s\n",
                   romcv_angle_info((RomcvAngleId)a)->name, min, max,
                   romcv_angle_info((RomcvAngleId)a)->unit, median,
                   several || c->is_estimate ? "  [" : "", c->is_estimate ? "estimate: " : "",
                   several || c->is_estimate ? method : "", several || c->is_estimate ? "]" : "");
        }
        if (protocol_result) {
            romcv_cli_print_protocol_result(stdout, protocol_result, angles);
        }
        printf("wrote %s/report.html, summary.json, frames.csv, landmarks.trc%s and angles.mot\n",
               o.out_dir, markers_csv_written ? ", markers.csv" : "");
    }
    if (!o.no_video) {
        /* Last: the slowest output, after everything else is safe on disk. */
        exit_code = romcv_cli_write_annotated_video(ctx, &run, exit_code);
    }
    free(checks);
    romcv_protocol_result_destroy(&protocol_result);
    romcv_angle_results_destroy(&angles);
    romcv_cli_pose_series_free(&series);
    romcv_cli_pose_series_free(&detected);
    romcv_cli_silhouette_free(&silhouette);
    romcv_cli_markers_free(&markers);
    romcv_metrics_destroy(&metrics);
    return exit_code;
}
