/*
 * report/still.c: one frame as a small JPEG, for the HTML report's
 * compensation stills (romcv_report_still_encode() in romcv/report.h).
 *
 * FFmpeg is already linked for capture, so its MJPEG encoder makes the JPEG
 * (an MJPEG packet is a complete baseline JFIF image) and swscale shrinks and
 * converts RGB24 to 4:2:0 in one pass. Full range ("JPEG range") on both
 * sides, because JFIF stores full-range YCbCr (JFIF 1.02, section 3); the
 * encoder is told so through color_range rather than through the deprecated
 * YUVJ pixel formats, which make swscale warn.
 */
#include "report/internal.h"

#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_WIDTH 480
#define DEFAULT_QUALITY   4

static int av_fail(RomcvDiag *diag, int err, const char *what) {
    char text[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(err, text, sizeof text);
    return romcv_diag_set(diag, ROMCV_E_EXTERNAL, "still: %s: %s", what, text);
}

int romcv_report_still_encode(const RomcvFrame *frame, int max_width, int quality, uint8_t **jpeg,
                              size_t *size, int *width, int *height, RomcvDiag *diag) {
    if (!jpeg || !size || !width || !height) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "still: NULL output");
    }
    *jpeg = NULL;
    *size = 0;
    if (!frame || !frame->data || frame->format != ROMCV_PIX_RGB24 || frame->width < 2 ||
        frame->height < 2) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "still: not an RGB24 frame of 2x2 or more");
    }
    if (max_width <= 0) {
        max_width = DEFAULT_MAX_WIDTH;
    }
    if (quality <= 0) {
        quality = DEFAULT_QUALITY;
    }
    if (quality > 31) {
        quality = 31;
    }
    /* Even sizes: 4:2:0 subsamples both axes by two. */
    int w = frame->width < max_width ? frame->width : max_width;
    int h = (int)((double)frame->height * w / frame->width + 0.5);
    w &= ~1;
    h &= ~1;
    if (w < 2 || h < 2) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "still: %dx%d frame is too narrow",
                              frame->width, frame->height);
    }

    int rc = 0;
    AVCodecContext *enc = NULL;
    AVFrame *yuv = NULL;
    AVPacket *pkt = NULL;
    struct SwsContext *sws = NULL;
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!codec) {
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED, "still: FFmpeg has no MJPEG encoder");
    }
    enc = avcodec_alloc_context3(codec);
    yuv = av_frame_alloc();
    pkt = av_packet_alloc();
    if (!enc || !yuv || !pkt) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "still: out of memory");
        goto done;
    }
    enc->width = w;
    enc->height = h;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->color_range = AVCOL_RANGE_JPEG;
    enc->time_base = (AVRational){1, 25}; /* required by the API, meaningless for one image */
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    int err = avcodec_open2(enc, codec, NULL);
    if (err < 0) {
        rc = av_fail(diag, err, "cannot open the MJPEG encoder");
        goto done;
    }
    yuv->format = AV_PIX_FMT_YUV420P;
    yuv->width = w;
    yuv->height = h;
    yuv->color_range = AVCOL_RANGE_JPEG;
    yuv->quality = FF_QP2LAMBDA * quality;
    err = av_frame_get_buffer(yuv, 0);
    if (err < 0) {
        rc = av_fail(diag, err, "cannot allocate the frame");
        goto done;
    }
    /* Area averaging when shrinking: a clean thumbnail without aliasing. */
    sws = sws_getContext(frame->width, frame->height, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P,
                         SWS_AREA, NULL, NULL, NULL);
    if (!sws) {
        rc = romcv_diag_set(diag, ROMCV_E_EXTERNAL, "still: cannot set up the scaler");
        goto done;
    }
    const int *coefficients = sws_getCoefficients(SWS_CS_ITU601);
    sws_setColorspaceDetails(sws, coefficients, 1, coefficients, 1, 0, 1 << 16, 1 << 16);
    const uint8_t *src[4] = {frame->data, NULL, NULL, NULL};
    const int src_stride[4] = {frame->stride, 0, 0, 0};
    if (sws_scale(sws, src, src_stride, 0, frame->height, yuv->data, yuv->linesize) != h) {
        rc = romcv_diag_set(diag, ROMCV_E_EXTERNAL, "still: scaling failed");
        goto done;
    }
    err = avcodec_send_frame(enc, yuv);
    if (err >= 0) {
        err = avcodec_receive_packet(enc, pkt);
    }
    if (err < 0) {
        rc = av_fail(diag, err, "JPEG encoding failed");
        goto done;
    }
    *jpeg = malloc((size_t)pkt->size);
    if (!*jpeg) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "still: out of memory");
        goto done;
    }
    memcpy(*jpeg, pkt->data, (size_t)pkt->size);
    *size = (size_t)pkt->size;
    *width = w;
    *height = h;

done:
    sws_freeContext(sws);
    av_packet_free(&pkt);
    av_frame_free(&yuv);
    avcodec_free_context(&enc);
    return rc;
}
