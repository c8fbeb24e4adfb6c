/* cli/annotated_video.c: see annotated_video.h. */
#include "cli/annotated_video.h"
#include "cli/frame_walk.h"
#include "cli/progress.h"
#include "romcv/annotate.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COMMAND "romcv analyze"
/* Active flags kept per frame: more than the overlay shows, so that it can
 * say how many it left out. */
#define MAX_ACTIVE   16
#define BANNER_CHARS 160

typedef struct VideoPass {
    const RomcvCliContext *ctx;
    const RomcvCliAnalysis *run;
    RomcvCliProgress progress;
    RomcvOverlaySettings overlay;
    RomcvVideoWriterSettings settings;
    RomcvVideoWriter *writer;
    RomcvFrame *canvas; /* a copy of each frame: the capture's frames are read-only */
    /* With --camera the series holds undistorted landmarks; they go back
     * through the lens model to sit on the recorded picture. */
    RomcvCameraModel camera;
    int has_camera;
    char path[PATH_MAX];
    float x[ROMCV_POSE_LANDMARKS], y[ROMCV_POSE_LANDMARKS], visibility[ROMCV_POSE_LANDMARKS];
    float angle[ROMCV_ANGLE_COUNT];
    float marker_x[ROMCV_MARKER_COUNT], marker_y[ROMCV_MARKER_COUNT];
    const char *marker_names[ROMCV_MARKER_COUNT];
    char banner_text[MAX_ACTIVE][BANNER_CHARS];
    const char *banner[MAX_ACTIVE];
} VideoPass;

#define ANGLE_BIT(id) (1u << ROMCV_ANGLE_##id)

/* The angles a protocol looks at: every angle channel it segments on,
 * measures or watches, and the angles behind the derived signals it uses
 * (pelvic drop is obliquity; the forward-bend contributions come from trunk
 * inclination and pelvic tilt). 0 when it names none: the view's default. */
static uint32_t signal_angles(int signal) {
    if (signal >= 0 && signal < ROMCV_ANGLE_COUNT) {
        return 1u << signal;
    }
    switch (signal) {
    case ROMCV_SIGNAL_PELVIC_DROP_LEFT:
    case ROMCV_SIGNAL_PELVIC_DROP_RIGHT:
        return ANGLE_BIT(PELVIC_OBLIQUITY);
    case ROMCV_SIGNAL_LUMBAR_CONTRIBUTION:
    case ROMCV_SIGNAL_HIP_CONTRIBUTION:
        return ANGLE_BIT(TRUNK_INCLINATION) | ANGLE_BIT(PELVIC_TILT);
    default:
        return 0;
    }
}

static uint32_t protocol_angles(const RomcvProtocolDef *def) {
    uint32_t mask = 0;
    for (int i = 0; i < def->n_segmenters && i < ROMCV_PROTOCOL_MAX_SEGMENTERS; i++) {
        mask |= signal_angles(def->segmenter[i].signal);
    }
    for (int i = 0; i < def->n_measures && i < ROMCV_PROTOCOL_MAX_MEASURES; i++) {
        mask |= signal_angles(def->measure[i].signal);
    }
    for (int i = 0; i < def->n_flags && i < ROMCV_PROTOCOL_MAX_FLAGS; i++) {
        mask |= signal_angles(def->flag[i].signal);
        if (def->flag[i].kind == ROMCV_FLAG_RATIO_AT_PEAK) {
            mask |= signal_angles(def->flag[i].ratio_signal);
        }
    }
    return mask;
}

/* The compensation flags active in frame i, each text once. */
static size_t active_flags(VideoPass *p, size_t i) {
    const RomcvProtocolResult *result = p->run->protocol;
    size_t n = 0;
    for (size_t f = 0; result && f < result->n_flags; f++) {
        const RomcvCompensationFlag *flag = &result->flag[f];
        if (i < flag->start_frame || i > flag->end_frame || !flag->def) {
            continue;
        }
        char text[BANNER_CHARS];
        snprintf(text, sizeof text, "%s%s", flag->def->text ? flag->def->text : flag->def->key,
                 flag->side == ROMCV_SIDE_LEFT    ? " (left)"
                 : flag->side == ROMCV_SIDE_RIGHT ? " (right)"
                                                  : "");
        int seen = 0;
        for (size_t k = 0; k < n && !seen; k++) {
            seen = strcmp(p->banner_text[k], text) == 0;
        }
        if (!seen && n < MAX_ACTIVE) {
            memcpy(p->banner_text[n], text, sizeof text);
            p->banner[n] = p->banner_text[n];
            n++;
        }
    }
    return n;
}

/* The markers' short names on the video. The tracker names sides as the
 * pose does; on a mirrored (selfie) video that is the mirror image, which
 * the angles undo (romcv/vision.h), so the names here are swapped too. */
static const char *marker_short_name(int marker, int mirrored) {
    static const char *const names[ROMCV_MARKER_COUNT] = {
        "ASIS L",  "ASIS R",  "PSIS L", "PSIS R", "T12",    "L3",     "S1",
        "TROCH L", "TROCH R", "KNEE L", "KNEE R", "MALL L", "MALL R",
    };
    if (mirrored) {
        marker = romcv_marker_mirror(marker); /* left <-> right within each pair */
    }
    return names[marker];
}

/* Frame i's named markers into the overlay's input: where found, mapped
 * back through the lens like the landmarks; NaN (not drawn) elsewhere. */
static void markers_of(VideoPass *p, size_t i, RomcvOverlayInput *in) {
    const RomcvCliMarkerSeries *m = p->run->markers;
    if (!m || i >= m->n) {
        return;
    }
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        p->marker_x[k] = p->marker_y[k] = NAN;
        p->marker_names[k] = marker_short_name(k, p->run->options->mirrored);
        float x = m->x[k][i], y = m->y[k][i];
        if (!(m->visibility[k][i] > 0) || !isfinite(x) || !isfinite(y)) {
            continue;
        }
        if (p->has_camera) {
            double xd, yd;
            romcv_calib_distort_point(&p->camera, x, y, &xd, &yd);
            x = (float)xd;
            y = (float)yd;
        }
        p->marker_x[k] = x;
        p->marker_y[k] = y;
    }
    in->marker_x = p->marker_x;
    in->marker_y = p->marker_y;
    in->marker_names = p->marker_names;
    in->n_markers = ROMCV_MARKER_COUNT;
}

static int open_writer(VideoPass *p, const RomcvFrame *frame, RomcvDiag *diag) {
    p->settings.width = frame->width;
    p->settings.height = frame->height;
    return romcv_video_writer_open(&p->writer, p->path, &p->settings, diag);
}

/* Frame i of the series: copy, draw its results, encode at its own time. */
static int visit(void *cookie, const RomcvFrame *frame, size_t i, RomcvDiag *diag) {
    VideoPass *p = cookie;
    if (!p->writer) {
        int rc = open_writer(p, frame, diag);
        if (rc < 0) {
            return rc;
        }
    }
    if (!p->canvas || p->canvas->width != frame->width || p->canvas->height != frame->height) {
        romcv_frame_unref(&p->canvas);
        int rc = romcv_frame_create(&p->canvas, frame->width, frame->height, ROMCV_PIX_RGB24);
        if (rc < 0) {
            return romcv_diag_set(diag, rc, "%s: out of memory", p->path);
        }
    }
    for (int row = 0; row < frame->height; row++) {
        memcpy(p->canvas->data + (size_t)row * (size_t)p->canvas->stride,
               frame->data + (size_t)row * (size_t)frame->stride, (size_t)frame->width * 3);
    }
    const RomcvCliPoseSeries *series = p->run->series;
    const RomcvAngleResults *angles = p->run->angles;
    RomcvOverlayInput in;
    memset(&in, 0, sizeof in);
    in.time_s = frame->time_s;
    in.frame_index = frame->index;
    if (series->found[i]) {
        for (int k = 0; k < ROMCV_POSE_LANDMARKS; k++) {
            p->x[k] = series->x[k][i];
            p->y[k] = series->y[k][i];
            p->visibility[k] = series->visibility[k][i];
            if (p->has_camera && isfinite(p->x[k]) && isfinite(p->y[k])) {
                double xd, yd;
                romcv_calib_distort_point(&p->camera, p->x[k], p->y[k], &xd, &yd);
                p->x[k] = (float)xd;
                p->y[k] = (float)yd;
            }
        }
        in.x = p->x;
        in.y = p->y;
        in.visibility = p->visibility;
    }
    if (angles && i < angles->n) {
        for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
            p->angle[a] = angles->channel[a].value_deg[i];
        }
        in.angle_deg = p->angle;
        in.view = (RomcvView)angles->view[i];
        in.swapped = angles->swapped[i];
    }
    markers_of(p, i, &in);
    in.n_banners = active_flags(p, i);
    in.banners = p->banner;
    int rc = romcv_overlay_draw(p->canvas, &p->overlay, &in, diag);
    if (rc == 0) {
        rc = romcv_video_writer_write(p->writer, p->canvas, frame->time_s);
        if (rc < 0) {
            romcv_diag_set(diag, rc, "%s", romcv_video_writer_errmsg(p->writer));
        }
    }
    romcv_cli_progress_update(&p->progress, (int64_t)i + 1);
    return rc;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int romcv_cli_write_annotated_video(const RomcvCliContext *ctx, const RomcvCliAnalysis *run,
                                    int exit_code) {
    const AnalyzeOptions *o = run->options;
    if (!run->series || run->series->n == 0) {
        return exit_code;
    }
    VideoPass *p = calloc(1, sizeof *p);
    if (!p) {
        return romcv_cli_error(ctx, COMMAND, "%s: out of memory", ROMCV_CLI_ANNOTATED_VIDEO);
    }
    p->ctx = ctx;
    p->run = run;
    snprintf(p->path, sizeof p->path, "%s/%s", o->out_dir, ROMCV_CLI_ANNOTATED_VIDEO);
    romcv_overlay_default_settings(&p->overlay);
    p->overlay.mirrored = o->mirrored;
    if (run->metrics_settings) {
        p->overlay.down_x = run->metrics_settings->down_x;
        p->overlay.down_y = run->metrics_settings->down_y;
    }
    if (run->protocol && run->protocol->def) {
        p->overlay.angles = protocol_angles(run->protocol->def);
    }
    if (o->camera_file) {
        /* Loaded and fitted as the analysis did; it succeeded there. */
        RomcvDiag camera_diag = {0};
        p->has_camera =
            romcv_calib_camera_load(&p->camera, o->camera_file, &camera_diag) == 0 &&
            romcv_calib_camera_fit_to(&p->camera, run->series->width, run->series->height,
                                      o->camera_file, &camera_diag) == 0;
        if (!p->has_camera) {
            romcv_log(&ctx->logger, ROMCV_LOG_WARNING, "video",
                      "%s; the skeleton is drawn undistorted", camera_diag.message);
        }
    }
    romcv_video_writer_default_settings(&p->settings);
    p->settings.nominal_fps = run->outcome ? run->outcome->info.nominal_fps : 0;
    /* The input's own times; a trimmed run starts near zero, as players
     * expect, and the stamp drawn on each frame keeps the input's time. */
    p->settings.time_origin_s = o->in.from_s;
    p->settings.logger = ctx->logger;

    RomcvCliWalk walk = {
        .ctx = ctx,
        .in = &o->in,
        .kind = run->outcome ? run->outcome->info.kind : ROMCV_CAPTURE_AUTO,
        .series = run->series,
        .visit = visit,
        .cookie = p,
    };
    /* After Ctrl-C in the analysis the video of the frames analysed is still
     * written (faster than they were analysed); say so, or the command seems
     * to ignore the interrupt. */
    romcv_log(&ctx->logger,
              run->outcome && run->outcome->interrupted ? ROMCV_LOG_WARNING : ROMCV_LOG_VERBOSE,
              "video",
              "%s: drawing and encoding %zu frames (Ctrl-C stops and keeps the frames done)",
              p->path, run->series->n);
    RomcvDiag diag = {0};
    size_t visited = 0;
    int interrupted = 0;
    double start = now_s();
    romcv_cli_progress_begin(&p->progress, ctx, (int64_t)run->series->n);
    int rc = romcv_cli_walk_frames(&walk, &visited, &interrupted, &diag);
    romcv_cli_progress_end(&p->progress);
    double elapsed = now_s() - start;
    int64_t frames = romcv_video_writer_frames(p->writer);
    char codec[16];
    snprintf(codec, sizeof codec, "%s", p->writer ? romcv_video_writer_codec(p->writer) : "");
    if (rc == ROMCV_E_UNSUPPORTED && walk.kind == ROMCV_CAPTURE_CAMERA) {
        romcv_log(&ctx->logger, ROMCV_LOG_WARNING, "video", "%s; no %s (use --no-video)",
                  diag.message, ROMCV_CLI_ANNOTATED_VIDEO);
        rc = 0;
    } else if (rc < 0) {
        romcv_video_writer_abort(&p->writer);
    } else if (p->writer) {
        rc = romcv_video_writer_close(&p->writer, &diag);
    }
    romcv_frame_unref(&p->canvas);
    free(p);

    if (rc < 0) {
        return romcv_cli_fail_diag(ctx, COMMAND, &diag);
    }
    if (frames > 0) {
        romcv_log(&ctx->logger, ROMCV_LOG_VERBOSE, "video",
                  "%s: %lld frames in %.2f s (%.1f frames/s drawn and encoded, %s)",
                  ROMCV_CLI_ANNOTATED_VIDEO, (long long)frames, elapsed,
                  elapsed > 0 ? (double)frames / elapsed : 0.0, codec);
        if (!ctx->common.quiet) {
            printf("wrote %s/%s (%s, %lld frames)\n", o->out_dir, ROMCV_CLI_ANNOTATED_VIDEO,
                   strcmp(codec, "libx264") == 0 ? "H.264" : "MPEG-4 Part 2", (long long)frames);
        }
    }
    if (interrupted) {
        romcv_cli_message(ctx, ROMCV_LOG_WARNING, COMMAND,
                          "interrupted while writing %s; kept the %lld frames done",
                          ROMCV_CLI_ANNOTATED_VIDEO, (long long)frames);
        return exit_code == EXIT_SUCCESS ? ROMCV_EXIT_INTERRUPTED : exit_code;
    }
    return exit_code;
}
