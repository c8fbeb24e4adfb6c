/*
 * capture/capture.c: the front end of the capture module.
 *
 * romcv_capture_open picks a source (video file, image sequence, camera),
 * opens it on the caller's thread so open errors come back synchronously,
 * then starts one producer thread that calls the source's read() and pushes
 * frames into a small ring. The consumer takes them with
 * romcv_capture_receive.
 *
 * Why no separate bound on the ring: every frame in it comes from the
 * capture's RomcvFramePool, which owns at most queue_frames + 2 buffers, so a
 * ring of that many slots can never overflow and the producer's back-pressure
 * is the pool's blocking get. Trimming (from_s/to_s), index numbering and the
 * "deliver every decoded frame before the error" rule live here so that each
 * source stays a plain "next frame" function.
 */
#include "capture/internal.h"

#include <libavutil/log.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CAPTURE_MODULE "capture"

/* Spare buffers beyond queue_frames: one being filled by the source and one
 * held by a consumer that processes a frame while the next is queued. */
#define CAPTURE_POOL_SPARE 2

struct RomcvCapture {
    const RomcvCaptureSource *source;
    void *priv;
    RomcvCaptureSettings settings; /* settings.input points to input below */
    char *input;
    RomcvFramePool *pool;

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;

    /* Everything below is shared between the threads and guarded by lock. */
    pthread_mutex_t lock;
    pthread_cond_t frame_ready;
    RomcvFrame **ring;
    int ring_size;
    int ring_head;
    int ring_count;
    bool finished;    /* the producer has stopped; final_rc and final_diag hold why */
    bool interrupted; /* romcv_capture_interrupt was called */
    int final_rc;
    RomcvDiag final_diag;
    RomcvCaptureInfo info; /* counters published by the producer */

    /* Consumer-side copies, owned by the caller's thread. */
    RomcvCaptureInfo info_snapshot;
    RomcvDiag errmsg;
    int64_t frames_delivered;
};

const char *romcv_capture_kind_name(RomcvCaptureKind kind) {
    switch (kind) {
    case ROMCV_CAPTURE_AUTO:
        return "auto";
    case ROMCV_CAPTURE_FILE:
        return "file";
    case ROMCV_CAPTURE_IMAGES:
        return "images";
    case ROMCV_CAPTURE_CAMERA:
        return "camera";
    case ROMCV_CAPTURE_BUILTIN:
        return "builtin";
    }
    return "unknown";
}

void romcv_capture_set_ffmpeg_log_level(RomcvLogLevel level) {
    static const int av_levels[] = {AV_LOG_ERROR, AV_LOG_WARNING, AV_LOG_INFO, AV_LOG_VERBOSE,
                                    AV_LOG_DEBUG};
    if (level < ROMCV_LOG_ERROR) {
        av_log_set_level(AV_LOG_QUIET);
    } else {
        av_log_set_level(av_levels[level > ROMCV_LOG_DEBUG ? ROMCV_LOG_DEBUG : level]);
    }
}

void romcv_capture_default_settings(RomcvCaptureSettings *settings) {
    if (!settings) {
        return;
    }
    memset(settings, 0, sizeof *settings);
    settings->kind = ROMCV_CAPTURE_AUTO;
    settings->from_s = 0.0;
    settings->to_s = -1.0;
    settings->fps = 30.0;
    settings->queue_frames = 4;
    settings->decoder_threads = 1;
    settings->logger.max_level = ROMCV_LOG_WARNING;
}

/* AUTO: a device node or "camera:N" is a camera; a directory or anything with
 * glob characters is an image sequence; everything else goes to FFmpeg, which
 * then gives the precise "not found" / "not a video" message. */
static RomcvCaptureKind detect_kind(const char *input) {
    if (strncmp(input, "builtin:", 8) == 0) {
        return ROMCV_CAPTURE_BUILTIN;
    }
    if (strncmp(input, "/dev/", 5) == 0 || strncmp(input, "camera:", 7) == 0) {
        return ROMCV_CAPTURE_CAMERA;
    }
    struct stat st;
    if (stat(input, &st) == 0) {
        return S_ISDIR(st.st_mode) ? ROMCV_CAPTURE_IMAGES : ROMCV_CAPTURE_FILE;
    }
    if (strpbrk(input, "*?[")) {
        return ROMCV_CAPTURE_IMAGES;
    }
    return ROMCV_CAPTURE_FILE;
}

static const RomcvCaptureSource *source_for(RomcvCaptureKind kind, const char *input) {
    switch (kind) {
    case ROMCV_CAPTURE_FILE:
        return &romcv__capture_ffmpeg;
    case ROMCV_CAPTURE_IMAGES:
        return &romcv__capture_images;
    case ROMCV_CAPTURE_CAMERA:
        return &romcv__capture_v4l2;
    case ROMCV_CAPTURE_BUILTIN:
        /* builtin:phantom[-PROTOCOL] renders a person; builtin:testcard (and
         * any unknown name, which it reports) the synthetic card. */
        return romcv__phantom_source_accepts(input) ? &romcv__capture_phantom
                                                    : &romcv__capture_testcard;
    case ROMCV_CAPTURE_AUTO:
        break;
    }
    return NULL;
}

/* Copies the counters the source keeps up to date into the shared info.
 * Called with lock held. */
static void publish_counters(RomcvCapture *cap, const RomcvCaptureInfo *work) {
    cap->info.frames_lost = work->frames_lost;
    cap->info.damaged = work->damaged;
    cap->info.frames_without_pts = work->frames_without_pts;
    cap->info.frames_expected = work->frames_expected;
    cap->info.duration_s = work->duration_s;
}

static void *capture_thread(void *arg) {
    RomcvCapture *cap = arg;
    const double from_s = cap->settings.from_s;
    const double to_s = cap->settings.to_s;
    /* The source writes its counters here without the lock; they are copied
     * into cap->info under the lock after each frame. */
    RomcvCaptureInfo work;
    pthread_mutex_lock(&cap->lock);
    work = cap->info;
    pthread_mutex_unlock(&cap->lock);

    RomcvDiag diag = {0};
    int64_t next_index = 0;
    int rc;
    for (;;) {
        if (atomic_load(&cap->stop)) {
            rc = romcv_diag_set(&diag, ROMCV_E_INTERRUPTED, "%s: interrupted", cap->input);
            break;
        }
        RomcvFrame *frame = NULL;
        rc = cap->source->read(cap->priv, cap->pool, &work, from_s, &cap->stop, &frame, &diag);
        if (rc < 0) {
            break;
        }
        /* Sources skip early frames cheaply; this check makes trimming exact
         * for any source that cannot (and for keyframe-only seeks). */
        if (frame->time_s < from_s) {
            romcv_frame_unref(&frame);
            continue;
        }
        if (to_s >= 0.0 && frame->time_s > to_s) {
            romcv_frame_unref(&frame);
            rc = romcv_diag_set(&diag, ROMCV_E_EOF, "%s: end of range (%.6f s)", cap->input, to_s);
            break;
        }
        frame->index = next_index++;

        pthread_mutex_lock(&cap->lock);
        /* Cannot overflow: the ring has a slot for every buffer of the pool. */
        int tail = (cap->ring_head + cap->ring_count) % cap->ring_size;
        cap->ring[tail] = frame;
        cap->ring_count++;
        publish_counters(cap, &work);
        pthread_cond_signal(&cap->frame_ready);
        pthread_mutex_unlock(&cap->lock);
    }
    if (rc == ROMCV_E_EOF && diag.code != ROMCV_E_EOF) {
        /* Keep a warning the source left in diag (truncated file) as the
         * message, but make sure the code says "normal end". */
        diag.code = ROMCV_E_EOF;
    }

    pthread_mutex_lock(&cap->lock);
    publish_counters(cap, &work);
    cap->finished = true;
    cap->final_rc = rc;
    romcv_diag_copy(&cap->final_diag, &diag);
    pthread_cond_broadcast(&cap->frame_ready);
    pthread_mutex_unlock(&cap->lock);
    return NULL;
}

static void capture_free(RomcvCapture *cap) {
    if (cap->ring) {
        for (int i = 0; i < cap->ring_count; i++) {
            romcv_frame_unref(&cap->ring[(cap->ring_head + i) % cap->ring_size]);
        }
        free(cap->ring);
    }
    if (cap->source && cap->priv) {
        cap->source->close(cap->priv);
    }
    romcv_frame_pool_destroy(&cap->pool);
    pthread_cond_destroy(&cap->frame_ready);
    pthread_mutex_destroy(&cap->lock);
    free(cap->input);
    free(cap);
}

int romcv_capture_open(RomcvCapture **out, const RomcvCaptureSettings *settings, RomcvDiag *diag) {
    if (!out) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "romcv_capture_open: out is NULL");
    }
    *out = NULL;
    if (!settings || !settings->input || !settings->input[0]) {
        return romcv_diag_set(diag, ROMCV_E_USAGE, "capture: no input given");
    }
    const char *input = settings->input;
    if (settings->queue_frames < 1 || settings->queue_frames > 256) {
        return romcv_diag_set(diag, ROMCV_E_USAGE, "%s: queue_frames %d out of range 1..256", input,
                              settings->queue_frames);
    }
    if (!(settings->from_s >= 0.0) ||
        (settings->to_s >= 0.0 && settings->to_s < settings->from_s)) {
        return romcv_diag_set(diag, ROMCV_E_USAGE, "%s: invalid range: from %.3f s to %.3f s",
                              input, settings->from_s, settings->to_s);
    }
    if (settings->decoder_threads < 0 || settings->decoder_threads > 64) {
        return romcv_diag_set(diag, ROMCV_E_USAGE, "%s: decoder_threads %d out of range 0..64",
                              input, settings->decoder_threads);
    }

    RomcvCaptureKind kind = settings->kind;
    if (kind == ROMCV_CAPTURE_AUTO) {
        kind = detect_kind(input);
    }
    const RomcvCaptureSource *source = source_for(kind, input);
    if (!source) {
        return romcv_diag_set(diag, ROMCV_E_USAGE, "%s: unknown capture kind %d", input,
                              (int)settings->kind);
    }

    RomcvCapture *cap = calloc(1, sizeof *cap);
    if (!cap) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", input);
    }
    pthread_mutex_init(&cap->lock, NULL);
    pthread_cond_init(&cap->frame_ready, NULL);
    atomic_init(&cap->stop, false);
    cap->input = strdup(input);
    cap->ring_size = settings->queue_frames + CAPTURE_POOL_SPARE;
    cap->ring = calloc((size_t)cap->ring_size, sizeof *cap->ring);
    int rc = 0;
    if (!cap->input || !cap->ring) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", input);
        goto error;
    }
    cap->settings = *settings;
    cap->settings.input = cap->input;
    cap->settings.kind = kind;

    rc = romcv_frame_pool_create(&cap->pool, cap->ring_size);
    if (rc < 0) {
        rc = romcv_diag_set(diag, rc, "%s: cannot create the frame pool", input);
        goto error;
    }

    RomcvCaptureInfo *info = &cap->info;
    info->kind = kind;
    snprintf(info->input, sizeof info->input, "%s", input);
    info->sar_num = info->sar_den = 1;
    info->duration_s = -1.0;
    info->frames_expected = -1;
    info->size_bytes = -1;

    rc = source->open(&cap->priv, &cap->settings, info, diag);
    if (rc < 0) {
        cap->priv = NULL;
        goto error;
    }
    cap->source = source;
    cap->info_snapshot = *info;

    if (pthread_create(&cap->thread, NULL, capture_thread, cap) != 0) {
        rc = romcv_diag_set(diag, ROMCV_ERR(EAGAIN), "%s: cannot start the capture thread", input);
        goto error;
    }
    cap->thread_started = true;
    *out = cap;
    return 0;

error:
    capture_free(cap);
    return rc;
}

int romcv_capture_receive(RomcvCapture *capture, RomcvFrame **frame) {
    if (!frame) {
        return ROMCV_ERR(EINVAL);
    }
    *frame = NULL;
    if (!capture) {
        return ROMCV_ERR(EINVAL);
    }
    RomcvCapture *cap = capture;
    pthread_mutex_lock(&cap->lock);
    while (cap->ring_count == 0 && !cap->finished && !cap->interrupted) {
        pthread_cond_wait(&cap->frame_ready, &cap->lock);
    }
    int rc;
    if (cap->interrupted) {
        rc = romcv_diag_set(&cap->errmsg, ROMCV_E_INTERRUPTED, "%s: interrupted", cap->input);
    } else if (cap->ring_count > 0) {
        *frame = cap->ring[cap->ring_head];
        cap->ring[cap->ring_head] = NULL;
        cap->ring_head = (cap->ring_head + 1) % cap->ring_size;
        cap->ring_count--;
        cap->frames_delivered++;
        rc = 0;
    } else {
        rc = cap->final_rc;
        romcv_diag_copy(&cap->errmsg, &cap->final_diag);
        cap->errmsg.code = rc;
    }
    pthread_mutex_unlock(&cap->lock);
    return rc;
}

void romcv_capture_interrupt(RomcvCapture *capture) {
    if (!capture) {
        return;
    }
    atomic_store(&capture->stop, true);
    pthread_mutex_lock(&capture->lock);
    capture->interrupted = true;
    pthread_cond_broadcast(&capture->frame_ready);
    pthread_mutex_unlock(&capture->lock);
    /* Wakes a producer blocked waiting for a free buffer. */
    romcv_frame_pool_close(capture->pool);
}

const RomcvCaptureInfo *romcv_capture_info(RomcvCapture *capture) {
    if (!capture) {
        return NULL;
    }
    pthread_mutex_lock(&capture->lock);
    capture->info_snapshot = capture->info;
    pthread_mutex_unlock(&capture->lock);
    capture->info_snapshot.frames_delivered = capture->frames_delivered;
    return &capture->info_snapshot;
}

const char *romcv_capture_errmsg(const RomcvCapture *capture) {
    if (!capture) {
        return "";
    }
    return capture->errmsg.message;
}

void romcv_capture_close(RomcvCapture **capture) {
    if (!capture || !*capture) {
        return;
    }
    RomcvCapture *cap = *capture;
    *capture = NULL;
    if (cap->thread_started) {
        atomic_store(&cap->stop, true);
        romcv_frame_pool_close(cap->pool);
        pthread_join(cap->thread, NULL);
    }
    capture_free(cap);
}
