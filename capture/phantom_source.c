/*
 * capture/phantom_source.c: "builtin:phantom" and "builtin:phantom-PROTOCOL",
 * the digital phantom (samples/, issue 6) as a frame source, so that every
 * later stage can run on frames whose true angles are known, and
 * `romcv analyze` has a person to measure with nothing but romcv installed.
 *
 * "builtin:phantom" is the seated hip-rotation test (the README's first
 * command); "builtin:phantom-squat" etc. name the other protocols
 * (romcv_protocol_name). Each uses the protocol's default settings: 640 x
 * 480 at 30 fps, seed 1. Frames are rendered on the capture thread straight
 * into the pool's buffers, with exact times index / 30.
 */
#include "capture/internal.h"
#include "romcv/samples.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHANTOM_PREFIX "builtin:phantom"

typedef struct PhantomSource {
    RomcvPhantom *phantom;
    int64_t next_index;
    int64_t frames;
} PhantomSource;

/* The protocol an input names: builtin:phantom -> the seated hip-rotation
 * test, builtin:phantom-NAME -> protocol NAME; -1 for anything else. */
static int protocol_of(const char *input) {
    size_t n = strlen(PHANTOM_PREFIX);
    if (strncmp(input, PHANTOM_PREFIX, n) != 0) {
        return -1;
    }
    if (input[n] == '\0') {
        return ROMCV_PROTOCOL_SEATED_HIP_ROTATION;
    }
    return input[n] == '-' ? romcv_protocol_from_name(input + n + 1) : -1;
}

/* 1 when input is one of this source's names (for capture.c's dispatch). */
int romcv__phantom_source_accepts(const char *input) {
    return input && protocol_of(input) >= 0;
}

static int phantom_open(void **priv, const RomcvCaptureSettings *settings, RomcvCaptureInfo *info,
                        RomcvDiag *diag) {
    int protocol = protocol_of(settings->input);
    if (protocol < 0) {
        char names[256] = "";
        for (int p = 0; p < ROMCV_PROTOCOL_COUNT; p++) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof names - used, "%s" PHANTOM_PREFIX "-%s", p ? ", " : "",
                     romcv_protocol_name((RomcvProtocol)p));
        }
        return romcv_diag_set(diag, ROMCV_E_NOT_FOUND,
                              "%s: unknown built-in input (available: builtin:testcard, "
                              "builtin:phantom, %s)",
                              settings->input, names);
    }
    PhantomSource *src = calloc(1, sizeof *src);
    if (!src) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", settings->input);
    }
    RomcvPhantomSettings ps;
    romcv_phantom_default_settings(&ps, (RomcvProtocol)protocol);
    int rc = romcv_phantom_create(&src->phantom, &ps, diag);
    if (rc < 0) {
        free(src);
        return rc;
    }
    src->frames = romcv_phantom_frame_count(src->phantom);
    snprintf(info->container, sizeof info->container, "built-in");
    snprintf(info->codec, sizeof info->codec, "phantom");
    info->width = info->coded_width = ps.width;
    info->height = info->coded_height = ps.height;
    info->sar_num = info->sar_den = 1;
    info->nominal_fps = (double)ps.fps_num / ps.fps_den;
    info->duration_s = romcv_phantom_frame_time(src->phantom, src->frames);
    info->frames_expected = src->frames;
    info->size_bytes = 0;
    *priv = src;
    return 0;
}

static int phantom_read(void *priv, RomcvFramePool *pool, RomcvCaptureInfo *info,
                        double skip_before_s, const atomic_bool *stop, RomcvFrame **out,
                        RomcvDiag *diag) {
    PhantomSource *src = priv;
    for (;;) {
        if (atomic_load(stop)) {
            return ROMCV_E_INTERRUPTED;
        }
        if (src->next_index >= src->frames) {
            return ROMCV_E_EOF;
        }
        if (romcv_phantom_frame_time(src->phantom, src->next_index) >= skip_before_s) {
            break;
        }
        src->next_index++; /* skipped without rendering */
    }
    RomcvFrame *frame;
    int rc = romcv_frame_pool_get(pool, &frame, info->width, info->height, ROMCV_PIX_RGB24);
    if (rc < 0) {
        return rc == ROMCV_E_INTERRUPTED ? rc
                                         : romcv_diag_set(diag, rc, "%s: no frame buffer: %s",
                                                          info->input, romcv_strerror(rc));
    }
    /* A pooled buffer may be larger than asked; the phantom renders into the
     * frame's own size, which the pool sets to the request. */
    rc = romcv_phantom_render(src->phantom, src->next_index, frame, NULL);
    if (rc < 0) {
        romcv_frame_unref(&frame);
        return romcv_diag_set(diag, rc, "%s: frame %lld could not be rendered", info->input,
                              (long long)src->next_index);
    }
    src->next_index++;
    *out = frame;
    return 0;
}

static void phantom_close(void *priv) {
    PhantomSource *src = priv;
    if (src) {
        romcv_phantom_destroy(&src->phantom);
        free(src);
    }
}

const RomcvCaptureSource romcv__capture_phantom = {
    .name = "phantom",
    .open = phantom_open,
    .read = phantom_read,
    .close = phantom_close,
};
