/*
 * capture/internal.h: the contract between capture.c (thread, queue, trimming)
 * and the frame sources (ffmpeg_source.c, image_source.c, v4l2_source.c).
 * Private to the capture module; never installed.
 */
#ifndef ROMCV_CAPTURE_INTERNAL_H
#define ROMCV_CAPTURE_INTERNAL_H

#include "romcv/capture.h"

#include <stdatomic.h>
#include <stdint.h>

/* One implementation of a frame source. All calls happen on the capture
 * thread except open, which runs in romcv_capture_open on the caller's thread
 * so that open errors are reported synchronously. */
typedef struct RomcvCaptureSource {
    const char *name; /* "ffmpeg", "images", "v4l2" */

    /* Opens settings->input, fills info (size after rotation, codec, rate...)
     * and sets *priv. Returns 0 or a negative code with diag naming the input. */
    int (*open)(void **priv, const RomcvCaptureSettings *settings, RomcvCaptureInfo *info,
                RomcvDiag *diag);

    /* Produces the next frame into a buffer from pool (RGB24, info->width x
     * info->height), with time_s, rotation_deg and time_is_estimated set;
     * capture.c sets index and applies trimming. Returns 0 with *out set,
     * ROMCV_E_EOF at the end, ROMCV_E_INTERRUPTED when *stop became true while
     * waiting, or a negative code with diag. It may update info's counters
     * (frames_lost, frames_without_pts). A source should skip cheaply (without
     * colour conversion) frames before skip_before_s. */
    int (*read)(void *priv, RomcvFramePool *pool, RomcvCaptureInfo *info, double skip_before_s,
                const atomic_bool *stop, RomcvFrame **out, RomcvDiag *diag);

    /* Releases everything; priv may be NULL. */
    void (*close)(void *priv);
} RomcvCaptureSource;

extern const RomcvCaptureSource romcv__capture_ffmpeg;
extern const RomcvCaptureSource romcv__capture_images;
extern const RomcvCaptureSource romcv__capture_v4l2;
extern const RomcvCaptureSource romcv__capture_testcard;
extern const RomcvCaptureSource romcv__capture_phantom;

/* 1 when input names the phantom: "builtin:phantom" or "builtin:phantom-PROTOCOL". */
int romcv__phantom_source_accepts(const char *input);

/* The frame index a builtin:testcard frame encodes in its barcode, or -1 when
 * the pixels hold no valid barcode (for tests: proves order and no drops). */
int64_t romcv__testcard_decode_index(const RomcvFrame *frame);

/* ------------------------------------------------ shared pixel helpers
 * Implemented in ffmpeg_source.c; used by every FFmpeg-based source. */

struct AVFrame;
struct SwsContext;

/* The one place where decoded pixels become RGB24. It keeps its swscale
 * context between frames and rebuilds it only when the input size, pixel
 * format, colour matrix or range changes, so the steady state allocates
 * nothing. Zero-initialise before first use. */
typedef struct RomcvRgbConverter {
    struct SwsContext *sws;
    int src_width, src_height, src_format, src_colorspace, src_full_range;
    int dst_width, dst_height;
} RomcvRgbConverter;

/* Converts (and scales, when the sizes differ) src into an RGB24 image of
 * dst_width x dst_height at dst. Returns 0 or a negative code. */
int romcv__rgb_convert(RomcvRgbConverter *conv, const struct AVFrame *src, uint8_t *dst,
                       int dst_stride, int dst_width, int dst_height);
void romcv__rgb_converter_free(RomcvRgbConverter *conv);

/* Writes the upright version of a width x height RGB24 image: orientation is
 * the EXIF code (1 as is, 2 mirror, 3 rotate 180, 4 flip, 5 transpose,
 * 6 rotate 90 clockwise, 7 transverse, 8 rotate 270 clockwise). Codes 5-8
 * swap width and height. Pixel-exact: no interpolation. dst must not alias src. */
void romcv__orient_rgb24(const uint8_t *src, int src_stride, int width, int height, uint8_t *dst,
                         int dst_stride, int orientation);
/* The EXIF orientation code for a clockwise rotation of 0, 90, 180 or 270 degrees. */
int romcv__orientation_for_rotation(int clockwise_deg);

#endif /* ROMCV_CAPTURE_INTERNAL_H */
