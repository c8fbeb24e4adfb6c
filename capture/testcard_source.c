/*
 * capture/testcard_source.c: "builtin:testcard", a synthetic clip generated
 * in memory: colour bars, a bar that sweeps across, and the frame index
 * written as a 16-bit barcode, at 30000/1001 frames per second for 90 frames.
 *
 * Why it exists: `romcv analyze` with no INPUT must run on a fresh machine
 * with nothing but romcv installed (README quick start), and tests and
 * benchmarks of the later stages need frames whose order and times are known
 * exactly without a video file. The digital phantom (samples/, issue 6)
 * replaces it as the default input once it can render a person.
 */
#include "capture/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TESTCARD_WIDTH  640
#define TESTCARD_HEIGHT 360
#define TESTCARD_FRAMES 90
/* NTSC-style 29.97 fps, the rate phones and cameras most often use, so the
 * times are not round numbers. */
#define TESTCARD_RATE_NUM 30000
#define TESTCARD_RATE_DEN 1001
#define TESTCARD_BITS     16

typedef struct Testcard {
    int64_t next_index;
} Testcard;

/* 75% colour bars (white, yellow, cyan, green, magenta, red, blue). */
static const uint8_t bar_colours[7][3] = {{191, 191, 191}, {191, 191, 0}, {0, 191, 191},
                                          {0, 191, 0},     {191, 0, 191}, {191, 0, 0},
                                          {0, 0, 191}};

static void fill_rect(RomcvFrame *frame, int x0, int y0, int x1, int y1, const uint8_t rgb[3]) {
    for (int y = y0; y < y1; y++) {
        uint8_t *row = frame->data + (size_t)y * (size_t)frame->stride;
        for (int x = x0; x < x1; x++) {
            memcpy(row + 3 * x, rgb, 3);
        }
    }
}

int64_t romcv__testcard_decode_index(const RomcvFrame *frame) {
    if (!frame || frame->width != TESTCARD_WIDTH || frame->height != TESTCARD_HEIGHT) {
        return -1;
    }
    int cell = TESTCARD_WIDTH / TESTCARD_BITS;
    int y = TESTCARD_HEIGHT - 20;
    int64_t index = 0;
    for (int bit = 0; bit < TESTCARD_BITS; bit++) {
        const uint8_t *p =
            frame->data + (size_t)y * (size_t)frame->stride + (size_t)(bit * cell + cell / 2) * 3;
        int level = (p[0] + p[1] + p[2]) / 3;
        if (level > 64 && level < 192) {
            return -1; /* neither black nor white */
        }
        index = index << 1 | (level >= 192);
    }
    return index;
}

static int testcard_open(void **priv, const RomcvCaptureSettings *settings, RomcvCaptureInfo *info,
                         RomcvDiag *diag) {
    if (strcmp(settings->input, "builtin:testcard") != 0) {
        return romcv_diag_set(
            diag, ROMCV_E_NOT_FOUND,
            "%s: unknown built-in input (available: builtin:testcard, builtin:phantom, "
            "builtin:phantom-PROTOCOL)",
            settings->input);
    }
    Testcard *card = calloc(1, sizeof *card);
    if (!card) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", settings->input);
    }
    snprintf(info->container, sizeof info->container, "built-in");
    snprintf(info->codec, sizeof info->codec, "testcard");
    info->width = info->coded_width = TESTCARD_WIDTH;
    info->height = info->coded_height = TESTCARD_HEIGHT;
    info->nominal_fps = (double)TESTCARD_RATE_NUM / TESTCARD_RATE_DEN;
    info->duration_s = (double)TESTCARD_FRAMES * TESTCARD_RATE_DEN / TESTCARD_RATE_NUM;
    info->frames_expected = TESTCARD_FRAMES;
    info->size_bytes = 0;
    *priv = card;
    return 0;
}

static int testcard_read(void *priv, RomcvFramePool *pool, RomcvCaptureInfo *info,
                         double skip_before_s, const atomic_bool *stop, RomcvFrame **out,
                         RomcvDiag *diag) {
    Testcard *card = priv;
    for (;;) {
        if (atomic_load(stop)) {
            return ROMCV_E_INTERRUPTED;
        }
        if (card->next_index >= TESTCARD_FRAMES) {
            return ROMCV_E_EOF;
        }
        /* Exact rational time, as a real stream's pts * time_base would give. */
        double time_s = (double)(card->next_index * TESTCARD_RATE_DEN) / TESTCARD_RATE_NUM;
        if (time_s >= skip_before_s) {
            break;
        }
        card->next_index++; /* skipped cheaply, like an undecoded frame */
    }
    RomcvFrame *frame;
    int rc = romcv_frame_pool_get(pool, &frame, TESTCARD_WIDTH, TESTCARD_HEIGHT, ROMCV_PIX_RGB24);
    if (rc < 0) {
        return rc == ROMCV_E_INTERRUPTED ? rc
                                         : romcv_diag_set(diag, rc, "%s: no frame buffer: %s",
                                                          info->input, romcv_strerror(rc));
    }
    int64_t index = card->next_index++;
    int bars_bottom = TESTCARD_HEIGHT * 2 / 3;
    int bar_width = (TESTCARD_WIDTH + 6) / 7;
    for (int b = 0; b < 7; b++) {
        int x0 = b * bar_width;
        int x1 = x0 + bar_width < TESTCARD_WIDTH ? x0 + bar_width : TESTCARD_WIDTH;
        fill_rect(frame, x0, 0, x1, bars_bottom, bar_colours[b]);
    }
    static const uint8_t black[3] = {16, 16, 16};
    static const uint8_t white[3] = {235, 235, 235};
    fill_rect(frame, 0, bars_bottom, TESTCARD_WIDTH, TESTCARD_HEIGHT, black);
    /* The sweeping bar crosses the width once per clip: motion for later stages. */
    int sweep_x = (int)(index * (TESTCARD_WIDTH - 8) / (TESTCARD_FRAMES - 1));
    fill_rect(frame, sweep_x, 0, sweep_x + 8, bars_bottom, white);
    int cell = TESTCARD_WIDTH / TESTCARD_BITS;
    for (int bit = 0; bit < TESTCARD_BITS; bit++) {
        int set = (int)(index >> (TESTCARD_BITS - 1 - bit)) & 1;
        fill_rect(frame, bit * cell + 2, TESTCARD_HEIGHT - 36, (bit + 1) * cell - 2,
                  TESTCARD_HEIGHT - 4, set ? white : black);
    }
    frame->time_s = (double)(index * TESTCARD_RATE_DEN) / TESTCARD_RATE_NUM;
    frame->rotation_deg = 0;
    frame->time_is_estimated = 0;
    *out = frame;
    return 0;
}

static void testcard_close(void *priv) {
    free(priv);
}

const RomcvCaptureSource romcv__capture_testcard = {
    .name = "testcard",
    .open = testcard_open,
    .read = testcard_read,
    .close = testcard_close,
};
