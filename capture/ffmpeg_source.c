/*
 * capture/ffmpeg_source.c: video files through libavformat, libavcodec and
 * libswscale (software decoding only), plus the RGB24 conversion and the
 * orientation transform that every FFmpeg-based source shares.
 *
 * Each frame's time is its own presentation timestamp (best_effort_timestamp
 * times the stream time base, relative to the stream's start), so variable
 * frame rate and 29.97 fps files get exact times. Frames without any
 * timestamp get the previous time plus the frame duration and are flagged.
 * The display matrix is applied after conversion as an exact transpose/flip,
 * and a non-square sample aspect ratio is corrected by scaling the width in
 * the same swscale call that converts to RGB24, so pixels are converted
 * exactly once.
 *
 * This file never touches FFmpeg's global state (log callback, log level):
 * the library must be usable twice in one process.
 */
#include "capture/internal.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MODULE "capture"

/* Frame sizes romcv accepts: no real camera exceeds them, and they keep every
 * buffer size computation far from overflow. */
#define MAX_SIDE 16384
#define MAX_AREA (INT64_C(1) << 28)

/* Packets that fail in a row before a file is declared undecodable: enough to
 * ride out a damaged stretch, small enough to give up fast on garbage. */
#define MAX_CONSECUTIVE_ERRORS 250

/* How many times a seek is moved earlier when the first decoded frame turns
 * out to be after from_s (a keyframe whose dts is before from_s but whose
 * pts is after it). The last attempt seeks to the start. */
#define MAX_SEEK_RETRIES 4

/* ======================================================== shared helpers */

static enum AVPixelFormat unjpeg_format(enum AVPixelFormat format, int *full_range) {
    /* swscale warns about the deprecated J formats; they are the plain
     * formats with full-range luma. */
    switch (format) {
    case AV_PIX_FMT_YUVJ420P:
        *full_range = 1;
        return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
        *full_range = 1;
        return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
        *full_range = 1;
        return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P:
        *full_range = 1;
        return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P:
        *full_range = 1;
        return AV_PIX_FMT_YUV411P;
    default:
        return format;
    }
}

int romcv__rgb_convert(RomcvRgbConverter *conv, const AVFrame *src, uint8_t *dst, int dst_stride,
                       int dst_width, int dst_height) {
    int full_range = src->color_range == AVCOL_RANGE_JPEG;
    enum AVPixelFormat format = unjpeg_format((enum AVPixelFormat)src->format, &full_range);
    int colorspace = (int)src->colorspace;
    if (!conv->sws || conv->src_width != src->width || conv->src_height != src->height ||
        conv->src_format != (int)format || conv->src_colorspace != colorspace ||
        conv->src_full_range != full_range || conv->dst_width != dst_width ||
        conv->dst_height != dst_height) {
        sws_freeContext(conv->sws);
        /* The flags MediaPipe's references were decoded with (the oracle runs
         * ffmpeg with +accurate_rnd+full_chroma_int+bitexact, shared/README.md):
         * full-resolution chroma interpolation and exact rounding. Plain
         * bilinear chroma moved pixels by 1.2 levels on average (up to 23) and
         * that alone pushed pose2sim cam02's landmark p95 from 0.0005% to
         * 2.3% of the frame and flipped 7 sports2d frames (issue 4). */
        int flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_BITEXACT;
        conv->sws = sws_getContext(src->width, src->height, format, dst_width, dst_height,
                                   AV_PIX_FMT_RGB24, flags, NULL, NULL, NULL);
        if (!conv->sws) {
            return ROMCV_E_UNSUPPORTED;
        }
        /* SWS_CS_* share their values with AVCOL_SPC_*, and unknown values
         * give the BT.601 default, as the ffmpeg tool does. */
        const int *coefficients = sws_getCoefficients(colorspace);
        sws_setColorspaceDetails(conv->sws, coefficients, full_range,
                                 sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
        conv->src_width = src->width;
        conv->src_height = src->height;
        conv->src_format = (int)format;
        conv->src_colorspace = colorspace;
        conv->src_full_range = full_range;
        conv->dst_width = dst_width;
        conv->dst_height = dst_height;
    }
    uint8_t *dst_planes[4] = {dst, NULL, NULL, NULL};
    int dst_strides[4] = {dst_stride, 0, 0, 0};
    int rows = sws_scale(conv->sws, (const uint8_t *const *)src->data, src->linesize, 0,
                         src->height, dst_planes, dst_strides);
    return rows == dst_height ? 0 : ROMCV_E_EXTERNAL;
}

void romcv__rgb_converter_free(RomcvRgbConverter *conv) {
    sws_freeContext(conv->sws);
    memset(conv, 0, sizeof *conv);
}

int romcv__orientation_for_rotation(int clockwise_deg) {
    switch (clockwise_deg) {
    case 90:
        return 6;
    case 180:
        return 3;
    case 270:
        return 8;
    default:
        return 1;
    }
}

void romcv__orient_rgb24(const uint8_t *src, int src_stride, int width, int height, uint8_t *dst,
                         int dst_stride, int orientation) {
    const ptrdiff_t ss = src_stride;
    const ptrdiff_t w = width, h = height;
    const bool swap = orientation >= 5 && orientation <= 8;
    const ptrdiff_t out_w = swap ? h : w, out_h = swap ? w : h;
    /* For output row y, the source pixel of column 0 and the step between
     * consecutive output columns. Rows of a 90 degree turn walk a source
     * column, hence the stride-sized steps. */
    for (ptrdiff_t y = 0; y < out_h; y++) {
        const uint8_t *s;
        ptrdiff_t step;
        switch (orientation) {
        case 2:
            s = src + y * ss + (w - 1) * 3;
            step = -3;
            break;
        case 3:
            s = src + (h - 1 - y) * ss + (w - 1) * 3;
            step = -3;
            break;
        case 4:
            s = src + (h - 1 - y) * ss;
            step = 3;
            break;
        case 5:
            s = src + y * 3;
            step = ss;
            break;
        case 6:
            s = src + (h - 1) * ss + y * 3;
            step = -ss;
            break;
        case 7:
            s = src + (h - 1) * ss + (w - 1 - y) * 3;
            step = -ss;
            break;
        case 8:
            s = src + (w - 1 - y) * 3;
            step = ss;
            break;
        default:
            memcpy(dst + y * (ptrdiff_t)dst_stride, src + y * ss, (size_t)w * 3);
            continue;
        }
        uint8_t *d = dst + y * (ptrdiff_t)dst_stride;
        for (ptrdiff_t x = 0; x < out_w; x++) {
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
            d += 3;
            s += step;
        }
    }
}

/* ============================================================ the source */

typedef struct FfmpegSource {
    char *path;
    RomcvLogger logger;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVPacket *pkt;
    AVFrame *frame;
    RomcvRgbConverter conv;
    int stream_index;
    AVRational time_base;
    int64_t start_pts;         /* stream start in time_base units */
    double default_duration_s; /* step for frames without pts or duration */

    int rotation_deg;            /* clockwise */
    int orientation;             /* EXIF-style code for rotation_deg */
    int conv_width, conv_height; /* after aspect correction, before rotation */
    int out_width, out_height;
    uint8_t *rotate_buf; /* conv_width x conv_height RGB24, only when rotating */
    int rotate_stride;

    /* Seeking to from_s. */
    double seek_from_s; /* > 0: a seek was made and must be verified */
    int seek_retries;
    bool seeked; /* frame counts no longer cover the whole file */
    bool verify_seek;

    bool flushing;   /* the NULL packet was sent */
    int demux_error; /* the error that ended demuxing early, or 0 */
    bool have_last;
    double last_time_s;
    int64_t frames_decoded;
    int64_t packets_lost;
    int consecutive_errors;
    bool warned_no_pts;
    int warned_lost;
} FfmpegSource;

static void ffmpeg_close(void *opaque) {
    FfmpegSource *s = opaque;
    if (!s) {
        return;
    }
    romcv__rgb_converter_free(&s->conv);
    av_frame_free(&s->frame);
    av_packet_free(&s->pkt);
    avcodec_free_context(&s->dec);
    avformat_close_input(&s->fmt);
    romcv_free_aligned(s->rotate_buf);
    free(s->path);
    free(s);
}

static const char *av_err(int err, char *buf, size_t size) {
    if (av_strerror(err, buf, size) < 0) {
        snprintf(buf, size, "error %d", err);
    }
    return buf;
}

/* Maps FFmpeg's open errors to romcv codes with one clear message. */
static int open_error(RomcvDiag *diag, const char *path, int err) {
    char buf[128];
    if (err == AVERROR(ENOENT)) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOENT), "%s: no such file", path);
    }
    if (err == AVERROR(EACCES) || err == AVERROR(EPERM)) {
        return romcv_diag_set(diag, ROMCV_ERR(EACCES), "%s: permission denied", path);
    }
    if (err == AVERROR(ENOMEM)) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    }
    return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: not a video file (%s)", path,
                          av_err(err, buf, sizeof buf));
}

/* The clockwise rotation a player applies, from the display matrix.
 * av_display_rotation_get() measures counter-clockwise, hence the sign. */
static int stream_rotation(FfmpegSource *s, const AVStream *st) {
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!matrix || size < 9 * sizeof(int32_t)) {
        return 0;
    }
    double ccw = av_display_rotation_get((const int32_t *)matrix);
    if (isnan(ccw)) {
        return 0;
    }
    double cw = -ccw;
    long quarter = lround(cw / 90.0);
    int deg = (int)(((quarter % 4) + 4) % 4) * 90;
    if (fabs(cw - (double)quarter * 90.0) > 1.0) {
        romcv_log(&s->logger, ROMCV_LOG_WARNING, MODULE,
                  "%s: rotation of %.1f degrees is not a right angle; using %d", s->path, cw, deg);
    }
    const int32_t *m = (const int32_t *)matrix;
    if ((int64_t)m[0] * m[4] - (int64_t)m[1] * m[3] < 0) {
        romcv_log(&s->logger, ROMCV_LOG_WARNING, MODULE,
                  "%s: the display matrix mirrors the image; the mirroring is ignored", s->path);
    }
    return deg;
}

static int ffmpeg_open(void **priv, const RomcvCaptureSettings *settings, RomcvCaptureInfo *info,
                       RomcvDiag *diag) {
    *priv = NULL;
    const char *path = settings->input;
    struct stat stbuf;
    if (stat(path, &stbuf) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR) {
            return romcv_diag_set(diag, ROMCV_ERR(ENOENT), "%s: no such file", path);
        }
        return romcv_diag_set(diag, ROMCV_ERR(e), "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(stbuf.st_mode)) {
        return romcv_diag_set(diag, ROMCV_E_USAGE,
                              "%s: is a folder, not a video file (use the image sequence input)",
                              path);
    }
    if (S_ISREG(stbuf.st_mode) && stbuf.st_size == 0) {
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: empty file (0 bytes)", path);
    }

    FfmpegSource *s = calloc(1, sizeof *s);
    if (!s) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    }
    s->logger = settings->logger;
    s->path = strdup(path);
    s->pkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    int rc;
    char buf[128];
    if (!s->path || !s->pkt || !s->frame) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
        goto error;
    }

    int ret = avformat_open_input(&s->fmt, path, NULL, NULL);
    if (ret < 0) {
        rc = open_error(diag, path, ret);
        goto error;
    }
    ret = avformat_find_stream_info(s->fmt, NULL);
    if (ret < 0) {
        rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: not a video file (%s)", path,
                            av_err(ret, buf, sizeof buf));
        goto error;
    }

    /* The first real video stream: a cover picture in an audio file is not
     * a video. */
    AVStream *st = NULL;
    for (unsigned i = 0; i < s->fmt->nb_streams; i++) {
        AVStream *cand = s->fmt->streams[i];
        if (cand->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(cand->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
            st = cand;
            break;
        }
    }
    if (!st) {
        rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: no video stream (container %s)", path,
                            s->fmt->iformat->name);
        goto error;
    }
    s->stream_index = st->index;
    const AVCodecParameters *par = st->codecpar;

    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec) {
        char tag[AV_FOURCC_MAX_STRING_SIZE] = "";
        av_fourcc_make_string(tag, par->codec_tag);
        rc = romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                            "%s: unsupported codec %s (tag %s): FFmpeg has no decoder for it", path,
                            avcodec_get_name(par->codec_id), tag);
        goto error;
    }
    if (par->width <= 0 || par->height <= 0) {
        rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                            "%s: the video stream has no frame size (damaged header?)", path);
        goto error;
    }
    if (par->width > MAX_SIDE || par->height > MAX_SIDE ||
        (int64_t)par->width * par->height > MAX_AREA) {
        rc = romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                            "%s: frame size %dx%d is beyond the limit (%d px per side, 2^28 px)",
                            path, par->width, par->height, MAX_SIDE);
        goto error;
    }

    s->dec = avcodec_alloc_context3(codec);
    if (!s->dec) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
        goto error;
    }
    ret = avcodec_parameters_to_context(s->dec, par);
    if (ret >= 0) {
        s->dec->thread_count = settings->decoder_threads;
        s->dec->pkt_timebase = st->time_base;
        ret = avcodec_open2(s->dec, codec, NULL);
    }
    if (ret < 0) {
        rc = romcv_diag_set(diag, ROMCV_E_UNSUPPORTED, "%s: cannot open the %s decoder (%s)", path,
                            codec->name, av_err(ret, buf, sizeof buf));
        goto error;
    }

    s->time_base = st->time_base;
    s->start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    AVRational rate = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0 ? st->avg_frame_rate
                                                                               : st->r_frame_rate;
    double fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 0.0;
    s->default_duration_s = fps > 0.0 ? 1.0 / fps : 1.0 / 30.0;

    AVRational sar = av_guess_sample_aspect_ratio(s->fmt, st, NULL);
    if (sar.num <= 0 || sar.den <= 0) {
        sar = (AVRational){1, 1};
    }
    av_reduce(&sar.num, &sar.den, sar.num, sar.den, INT_MAX);
    s->conv_height = par->height;
    int64_t conv_width = ((int64_t)par->width * sar.num + sar.den / 2) / sar.den;
    if (conv_width < 1 || conv_width > MAX_SIDE || conv_width * par->height > MAX_AREA) {
        rc = romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                            "%s: frame size %dx%d with aspect ratio %d:%d is beyond the limit",
                            path, par->width, par->height, sar.num, sar.den);
        goto error;
    }
    s->conv_width = (int)conv_width;

    s->rotation_deg = stream_rotation(s, st);
    s->orientation = romcv__orientation_for_rotation(s->rotation_deg);
    bool swap = s->rotation_deg == 90 || s->rotation_deg == 270;
    s->out_width = swap ? s->conv_height : s->conv_width;
    s->out_height = swap ? s->conv_width : s->conv_height;
    if (s->rotation_deg != 0) {
        s->rotate_stride = romcv_frame_stride_for(s->conv_width, ROMCV_PIX_RGB24);
        s->rotate_buf = romcv_malloc_aligned((size_t)s->rotate_stride * (size_t)s->conv_height);
        if (!s->rotate_buf) {
            rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
            goto error;
        }
    }

    if (settings->from_s > 0.0) {
        s->seek_from_s = settings->from_s;
        int64_t target = s->start_pts + (int64_t)floor(settings->from_s / av_q2d(s->time_base));
        ret = av_seek_frame(s->fmt, s->stream_index, target, AVSEEK_FLAG_BACKWARD);
        if (ret >= 0) {
            s->seeked = true;
            s->verify_seek = true;
        } else {
            /* Not fatal: decoding from the start and dropping is exact too. */
            romcv_log(&s->logger, ROMCV_LOG_VERBOSE, MODULE,
                      "%s: cannot seek (%s); decoding from the start", path,
                      av_err(ret, buf, sizeof buf));
        }
    }

    snprintf(info->container, sizeof info->container, "%s", s->fmt->iformat->name);
    snprintf(info->codec, sizeof info->codec, "%s", avcodec_get_name(par->codec_id));
    info->width = s->out_width;
    info->height = s->out_height;
    info->coded_width = par->width;
    info->coded_height = par->height;
    info->sar_num = sar.num;
    info->sar_den = sar.den;
    info->rotation_deg = s->rotation_deg;
    info->nominal_fps = fps;
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
        info->duration_s = (double)st->duration * av_q2d(st->time_base);
    } else if (s->fmt->duration != AV_NOPTS_VALUE && s->fmt->duration > 0) {
        info->duration_s = (double)s->fmt->duration / AV_TIME_BASE;
    } else {
        info->duration_s = -1.0;
    }
    info->frames_expected = st->nb_frames > 0 ? st->nb_frames : -1;
    info->size_bytes = (int64_t)stbuf.st_size;
    *priv = s;
    return 0;

error:
    ffmpeg_close(s);
    return rc;
}

/* Restarts demuxing and decoding at target (stream time base). */
static int seek_to(FfmpegSource *s, int64_t target) {
    int ret = av_seek_frame(s->fmt, s->stream_index, target, AVSEEK_FLAG_BACKWARD);
    if (ret < 0) {
        return ret;
    }
    avcodec_flush_buffers(s->dec);
    s->flushing = false;
    s->have_last = false;
    return 0;
}

static void count_lost(FfmpegSource *s, RomcvCaptureInfo *info, int err) {
    s->packets_lost++;
    s->consecutive_errors++;
    if (info->frames_lost < s->packets_lost) {
        info->frames_lost = s->packets_lost;
    }
    /* A damaged file can fail on every packet; a few messages say enough. */
    if (s->warned_lost < 3) {
        char buf[128];
        s->warned_lost++;
        romcv_log(&s->logger, ROMCV_LOG_WARNING, MODULE,
                  "%s: damaged data near %.3f s (%s); frames are lost", s->path,
                  s->have_last ? s->last_time_s : 0.0, av_err(err, buf, sizeof buf));
    }
}

/* The end of the file: reports what could not be decoded. */
static int finish(FfmpegSource *s, RomcvCaptureInfo *info, RomcvDiag *diag) {
    if (s->frames_decoded == 0) {
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: no frame could be decoded", s->path);
    }
    int64_t lost = s->packets_lost;
    if (!s->seeked && info->frames_expected > 0 && s->frames_decoded < info->frames_expected) {
        int64_t missing = info->frames_expected - s->frames_decoded;
        if (missing > lost) {
            lost = missing;
        }
    }
    info->frames_lost = lost;
    if (lost > 0 || s->demux_error) {
        info->damaged = 1;
        char buf[128] = "";
        if (s->demux_error) {
            av_err(s->demux_error, buf, sizeof buf);
        }
        romcv_log(&s->logger, ROMCV_LOG_WARNING, MODULE,
                  "%s: truncated or damaged: %lld frame(s) lost, %lld decoded%s%s%s", s->path,
                  (long long)lost, (long long)s->frames_decoded, buf[0] ? " (" : "", buf,
                  buf[0] ? ")" : "");
        return romcv_diag_set(diag, ROMCV_E_EOF,
                              "%s: truncated or damaged: %lld frame(s) lost, %lld decoded", s->path,
                              (long long)lost, (long long)s->frames_decoded);
    }
    return ROMCV_E_EOF;
}

/* The presentation time of s->frame in seconds from the stream start. */
static double frame_time(FfmpegSource *s, RomcvCaptureInfo *info, int *estimated) {
    int64_t pts = s->frame->best_effort_timestamp;
    double t;
    if (pts != AV_NOPTS_VALUE) {
        *estimated = 0;
        t = (double)(pts - s->start_pts) * s->time_base.num / s->time_base.den;
    } else {
        *estimated = 1;
        double step = s->frame->pkt_duration > 0
                          ? (double)s->frame->pkt_duration * s->time_base.num / s->time_base.den
                          : s->default_duration_s;
        t = s->have_last ? s->last_time_s + step : 0.0;
        info->frames_without_pts++;
        if (!s->warned_no_pts) {
            s->warned_no_pts = true;
            romcv_log(&s->logger, ROMCV_LOG_WARNING, MODULE,
                      "%s: frames without timestamps; their times are estimated from the frame "
                      "rate",
                      s->path);
        }
    }
    s->have_last = true;
    s->last_time_s = t;
    return t;
}

/* Converts s->frame into a pooled frame: the module's only pixel conversion. */
static int deliver(FfmpegSource *s, RomcvFramePool *pool, double t, int estimated, RomcvFrame **out,
                   RomcvDiag *diag) {
    const AVFrame *f = s->frame;
    if (f->width <= 0 || f->height <= 0 || f->width > MAX_SIDE || f->height > MAX_SIDE ||
        (int64_t)f->width * f->height > MAX_AREA) {
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "%s: decoded frame size %dx%d is beyond the limit", s->path, f->width,
                              f->height);
    }
    RomcvFrame *frame = NULL;
    int rc = romcv_frame_pool_get(pool, &frame, s->out_width, s->out_height, ROMCV_PIX_RGB24);
    if (rc < 0) {
        if (rc == ROMCV_E_INTERRUPTED) {
            return romcv_diag_set(diag, rc, "%s: interrupted", s->path);
        }
        return romcv_diag_set(diag, rc, "%s: cannot get a frame buffer (%s)", s->path,
                              romcv_strerror(rc));
    }
    /* A stream whose size changes midway is scaled to the size announced at
     * open, so every delivered frame has info's size. */
    if (s->orientation == 1) {
        rc = romcv__rgb_convert(&s->conv, f, frame->data, frame->stride, s->conv_width,
                                s->conv_height);
    } else {
        rc = romcv__rgb_convert(&s->conv, f, s->rotate_buf, s->rotate_stride, s->conv_width,
                                s->conv_height);
        if (rc >= 0) {
            romcv__orient_rgb24(s->rotate_buf, s->rotate_stride, s->conv_width, s->conv_height,
                                frame->data, frame->stride, s->orientation);
        }
    }
    if (rc < 0) {
        romcv_frame_unref(&frame);
        const char *name = av_get_pix_fmt_name((enum AVPixelFormat)f->format);
        return romcv_diag_set(diag, rc, "%s: cannot convert %s frames to RGB", s->path,
                              name ? name : "unknown");
    }
    frame->time_s = t;
    frame->rotation_deg = s->rotation_deg;
    frame->time_is_estimated = estimated;
    *out = frame;
    return 0;
}

/* After a seek, the first frame must not be later than from_s, or frames
 * between from_s and it were skipped (the keyframe found by dts has a later
 * pts). Moves the seek earlier until that holds. Returns 1 when it re-seeked. */
static int check_seek(FfmpegSource *s, double t) {
    s->verify_seek = false;
    if (t <= s->seek_from_s) {
        return 0;
    }
    s->seek_retries++;
    int64_t target;
    if (s->seek_retries >= MAX_SEEK_RETRIES) {
        target = s->start_pts;
    } else {
        double back = s->seek_from_s - (double)(1 << s->seek_retries);
        if (back <= 0.0) {
            target = s->start_pts;
            s->seek_retries = MAX_SEEK_RETRIES;
        } else {
            target = s->start_pts + (int64_t)floor(back / av_q2d(s->time_base));
        }
    }
    if (seek_to(s, target) < 0) {
        return 0; /* Keep decoding from here: the best that can be done. */
    }
    s->verify_seek = s->seek_retries < MAX_SEEK_RETRIES;
    return 1;
}

static int ffmpeg_read(void *opaque, RomcvFramePool *pool, RomcvCaptureInfo *info,
                       double skip_before_s, const atomic_bool *stop, RomcvFrame **out,
                       RomcvDiag *diag) {
    FfmpegSource *s = opaque;
    *out = NULL;
    char buf[128];
    for (;;) {
        if (atomic_load(stop)) {
            return romcv_diag_set(diag, ROMCV_E_INTERRUPTED, "%s: interrupted", s->path);
        }
        int ret = avcodec_receive_frame(s->dec, s->frame);
        if (ret >= 0) {
            s->consecutive_errors = 0;
            int estimated;
            double t = frame_time(s, info, &estimated);
            if (s->verify_seek && check_seek(s, t)) {
                av_frame_unref(s->frame);
                continue;
            }
            s->frames_decoded++;
            if (t < skip_before_s) {
                /* Not converted: trimming costs only the decode. */
                av_frame_unref(s->frame);
                continue;
            }
            int rc = deliver(s, pool, t, estimated, out, diag);
            av_frame_unref(s->frame);
            return rc;
        }
        if (ret == AVERROR_EOF) {
            return finish(s, info, diag);
        }
        if (ret != AVERROR(EAGAIN)) {
            /* With frame threads, decode errors surface here. */
            count_lost(s, info, ret);
            if (s->consecutive_errors > MAX_CONSECUTIVE_ERRORS) {
                return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: cannot decode (%s)", s->path,
                                      av_err(ret, buf, sizeof buf));
            }
            continue;
        }
        if (s->flushing) {
            return finish(s, info, diag);
        }
        ret = av_read_frame(s->fmt, s->pkt);
        if (ret < 0) {
            if (ret != AVERROR_EOF) {
                s->demux_error = ret;
            }
            /* Drain: frames still inside the decoder are valid. */
            avcodec_send_packet(s->dec, NULL);
            s->flushing = true;
            continue;
        }
        if (s->pkt->stream_index != s->stream_index) {
            av_packet_unref(s->pkt);
            continue;
        }
        ret = avcodec_send_packet(s->dec, s->pkt);
        av_packet_unref(s->pkt);
        if (ret < 0 && ret != AVERROR(EAGAIN)) {
            if (ret == AVERROR(ENOMEM)) {
                return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", s->path);
            }
            count_lost(s, info, ret);
            if (s->consecutive_errors > MAX_CONSECUTIVE_ERRORS) {
                return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: cannot decode (%s)", s->path,
                                      av_err(ret, buf, sizeof buf));
            }
        }
    }
}

const RomcvCaptureSource romcv__capture_ffmpeg = {
    .name = "ffmpeg",
    .open = ffmpeg_open,
    .read = ffmpeg_read,
    .close = ffmpeg_close,
};
