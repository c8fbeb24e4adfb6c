/*
 * bench/bench_annotate.c: is the annotated video written at least as fast
 * as the analysis runs? (issue 8)
 *
 * Runs both passes of `romcv analyze` on one clip, as the command does:
 * 1. the analysis: capture (one decoder thread) and the BlazePose tracker
 *    (full model, one inference thread), then the angles;
 * 2. the annotated video: capture again, copy each frame, draw its results
 *    (romcv_overlay_draw) and encode it (romcv_video_writer, libx264), with
 *    the encoder's threads left to FFmpeg (the command's setting) and, for
 *    comparison, with one thread.
 * and prints frames per second of each, and the video pass's split between
 * drawing and encoding.
 *
 * Usage: bench_annotate [CLIP [MODELS_DIR [X264_PRESET]]]
 *   CLIP defaults to ../shared/samples/squat_side.mp4, MODELS_DIR to
 *   $ROMCV_MODELS then ./models, the preset to the writer's default. The
 *   video goes to $TMPDIR/romcv_bench_annotated.mp4. Prints figures; not a test.
 */
#include "romcv/annotate.h"
#include "romcv/capture.h"
#include "romcv/metrics.h"
#include "romcv/vision.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NLM ROMCV_POSE_LANDMARKS

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The analysis's landmarks, structure of arrays as metrics reads them. */
typedef struct Series {
    size_t n, cap;
    double *time_s;
    float *x[NLM], *y[NLM], *v[NLM];
    unsigned char *found;
} Series;

static int series_push(Series *s, const RomcvFrame *frame, const RomcvPose *pose) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        double *t = realloc(s->time_s, cap * sizeof *t);
        unsigned char *f = realloc(s->found, cap);
        if (!t || !f) {
            free(t ? t : s->time_s);
            s->time_s = NULL;
            return -1;
        }
        s->time_s = t;
        s->found = f;
        for (int k = 0; k < NLM; k++) {
            float *x = realloc(s->x[k], cap * sizeof(float));
            s->x[k] = x ? x : s->x[k];
            float *y = realloc(s->y[k], cap * sizeof(float));
            s->y[k] = y ? y : s->y[k];
            float *v = realloc(s->v[k], cap * sizeof(float));
            s->v[k] = v ? v : s->v[k];
            if (!x || !y || !v) {
                return -1;
            }
        }
        s->cap = cap;
    }
    size_t i = s->n++;
    s->time_s[i] = frame->time_s;
    s->found[i] = pose->found != 0;
    for (int k = 0; k < NLM; k++) {
        s->x[k][i] = pose->found ? pose->landmarks[k].x * (float)frame->width : NAN;
        s->y[k][i] = pose->found ? pose->landmarks[k].y * (float)frame->height : NAN;
        s->v[k][i] = pose->found ? pose->landmarks[k].visibility : 0.0f;
    }
    return 0;
}

static void series_free(Series *s) {
    free(s->time_s);
    free(s->found);
    for (int k = 0; k < NLM; k++) {
        free(s->x[k]);
        free(s->y[k]);
        free(s->v[k]);
    }
}

static RomcvCapture *open_clip(const char *path) {
    RomcvCaptureSettings cs;
    romcv_capture_default_settings(&cs);
    cs.input = path;
    cs.decoder_threads = 1;
    RomcvCapture *cap = NULL;
    RomcvDiag diag = {0};
    if (romcv_capture_open(&cap, &cs, &diag) < 0) {
        fprintf(stderr, "bench_annotate: %s\n", diag.message);
    }
    return cap;
}

/* Pass 1. Returns the seconds taken, or < 0. */
static double analyse(const char *clip, const char *models, Series *s, double *nominal_fps) {
    RomcvTrackerSettings ts;
    romcv_tracker_default_settings(&ts);
    ts.models_dir = models;
    ts.threads = 1;
    RomcvTracker *tracker = NULL;
    RomcvDiag diag = {0};
    if (romcv_tracker_create(&tracker, &ts, &diag) < 0) {
        fprintf(stderr, "bench_annotate: %s\n", diag.message);
        return -1;
    }
    double start = now_s();
    RomcvCapture *cap = open_clip(clip);
    if (!cap) {
        romcv_tracker_destroy(&tracker);
        return -1;
    }
    RomcvFrame *frame;
    int rc = 0;
    while (rc == 0 && romcv_capture_receive(cap, &frame) == 0) {
        RomcvPose pose;
        rc = romcv_tracker_process(tracker, frame, &pose);
        rc = rc == 0 ? series_push(s, frame, &pose) : rc;
        romcv_frame_unref(&frame);
    }
    *nominal_fps = romcv_capture_info(cap)->nominal_fps;
    romcv_capture_close(&cap);
    double seconds = now_s() - start;
    romcv_tracker_destroy(&tracker);
    return rc == 0 ? seconds : -1;
}

typedef struct VideoFigures {
    double seconds, draw_s, encode_s;
    long frames;
    char codec[16];
} VideoFigures;

/* Pass 2, as cli/annotated_video.c does it. Returns 0 or -1. */
static int annotate(const char *clip, const char *out, const Series *s,
                    const RomcvAngleResults *angles, double nominal_fps, const char *preset,
                    int threads, VideoFigures *fig) {
    memset(fig, 0, sizeof *fig);
    double start = now_s();
    RomcvCapture *cap = open_clip(clip);
    if (!cap) {
        return -1;
    }
    RomcvOverlaySettings os;
    romcv_overlay_default_settings(&os);
    RomcvVideoWriterSettings ws;
    romcv_video_writer_default_settings(&ws);
    ws.nominal_fps = nominal_fps;
    ws.x264_preset = preset;
    ws.threads = threads;
    RomcvVideoWriter *w = NULL;
    RomcvFrame *canvas = NULL, *frame;
    RomcvDiag diag = {0};
    float x[NLM], y[NLM], v[NLM], values[ROMCV_ANGLE_COUNT];
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n && romcv_capture_receive(cap, &frame) == 0; i++) {
        if (!w) {
            ws.width = frame->width;
            ws.height = frame->height;
            rc = romcv_video_writer_open(&w, out, &ws, &diag);
            rc = rc == 0 ? romcv_frame_create(&canvas, frame->width, frame->height, ROMCV_PIX_RGB24)
                         : rc;
        }
        double t0 = now_s();
        for (int row = 0; rc == 0 && row < frame->height; row++) {
            memcpy(canvas->data + (size_t)row * canvas->stride,
                   frame->data + (size_t)row * frame->stride, (size_t)frame->width * 3);
        }
        RomcvOverlayInput in;
        memset(&in, 0, sizeof in);
        in.time_s = frame->time_s;
        in.frame_index = frame->index;
        for (int k = 0; k < NLM; k++) {
            x[k] = s->x[k][i];
            y[k] = s->y[k][i];
            v[k] = s->v[k][i];
        }
        for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
            values[a] = angles->channel[a].value_deg[i];
        }
        in.x = s->found[i] ? x : NULL;
        in.y = s->found[i] ? y : NULL;
        in.visibility = v;
        in.angle_deg = values;
        in.view = (RomcvView)angles->view[i];
        in.swapped = angles->swapped[i];
        rc = rc == 0 ? romcv_overlay_draw(canvas, &os, &in, &diag) : rc;
        double t1 = now_s();
        rc = rc == 0 ? romcv_video_writer_write(w, canvas, frame->time_s) : rc;
        double t2 = now_s();
        fig->draw_s += t1 - t0;
        fig->encode_s += t2 - t1;
        romcv_frame_unref(&frame);
    }
    romcv_capture_close(&cap);
    fig->frames = (long)romcv_video_writer_frames(w);
    snprintf(fig->codec, sizeof fig->codec, "%s", romcv_video_writer_codec(w));
    double t3 = now_s();
    if (rc == 0) {
        rc = romcv_video_writer_close(&w, &diag);
    } else {
        fprintf(stderr, "bench_annotate: %s %s\n", diag.message, romcv_video_writer_errmsg(w));
        romcv_video_writer_abort(&w);
    }
    fig->encode_s += now_s() - t3; /* the drain of the encoder's delayed frames */
    fig->seconds = now_s() - start;
    romcv_frame_unref(&canvas);
    return rc == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    const char *clip = argc > 1 ? argv[1] : "../shared/samples/squat_side.mp4";
    const char *models = argc > 2 ? argv[2] : getenv("ROMCV_MODELS");
    const char *preset = argc > 3 ? argv[3] : NULL;
    models = models ? models : "models";
    const char *tmp = getenv("TMPDIR");
    char out[4096];
    snprintf(out, sizeof out, "%s/romcv_bench_annotated.mp4", tmp ? tmp : "/tmp");
    romcv_capture_set_ffmpeg_log_level(ROMCV_LOG_QUIET);

    Series s;
    memset(&s, 0, sizeof s);
    double nominal_fps = 0;
    double analysis_s = analyse(clip, models, &s, &nominal_fps);
    if (analysis_s < 0 || s.n == 0) {
        series_free(&s);
        return 1;
    }
    RomcvLandmarkSeries ls;
    memset(&ls, 0, sizeof ls);
    ls.n = s.n;
    ls.time_s = s.time_s;
    for (int k = 0; k < NLM; k++) {
        ls.x[k] = s.x[k];
        ls.y[k] = s.y[k];
        ls.visibility[k] = s.v[k];
    }
    RomcvMetricsSettings ms;
    romcv_metrics_default_settings(&ms);
    RomcvMetrics *metrics = NULL;
    RomcvAngleResults *angles = NULL;
    if (romcv_metrics_create(&metrics, &ms, NULL) < 0 ||
        romcv_metrics_compute(metrics, &ls, NULL, NULL, &angles) < 0) {
        fprintf(stderr, "bench_annotate: angles failed\n");
        romcv_metrics_destroy(&metrics);
        series_free(&s);
        return 1;
    }
    printf("%s: %zu frames\n", clip, s.n);
    printf("  analysis (decode + BlazePose full, 1 thread):  %6.1f frames/s\n",
           (double)s.n / analysis_s);
    const int thread_settings[2] = {0, 1};
    int rc = 0;
    for (int t = 0; t < 2 && rc == 0; t++) {
        VideoFigures fig;
        rc = annotate(clip, out, &s, angles, nominal_fps, preset, thread_settings[t], &fig);
        if (rc == 0) {
            printf("  annotated video (decode + overlay + %s %s, %s): %6.1f frames/s "
                   "(%.2f ms/frame drawing, %.2f ms/frame encoding), %.1fx the analysis\n",
                   fig.codec, preset ? preset : "veryfast",
                   thread_settings[t] ? "1 encoder thread" : "FFmpeg's threads",
                   (double)fig.frames / fig.seconds, 1e3 * fig.draw_s / (double)fig.frames,
                   1e3 * fig.encode_s / (double)fig.frames,
                   ((double)fig.frames / fig.seconds) / ((double)s.n / analysis_s));
        }
    }
    romcv_angle_results_destroy(&angles);
    romcv_metrics_destroy(&metrics);
    series_free(&s);
    remove(out);
    return rc == 0 ? 0 : 1;
}
