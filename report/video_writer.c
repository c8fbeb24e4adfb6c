/*
 * report/video_writer.c: RGB frames with real times into a video file
 * (romcv/annotate.h), through FFmpeg's libavcodec, libavformat and
 * libswscale.
 *
 * The container writes into the temporary file of report/atomic.c through a
 * custom AVIOContext, so the video commits exactly like every other output:
 * fsync, then rename onto the final name.
 *
 * Times: each frame's pts is its own time in a fine time base (1/90000 s by
 * default), never index / rate, so a variable-rate input stays variable-rate
 * and frames line up with frames.csv. Colour: BT.601 limited range, which is
 * what swscale's RGB to YUV conversion produces, tagged so that players do not
 * assume BT.709 for HD sizes.
 */
#include "report/internal.h"
#include "romcv/annotate.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Buffer between the muxer and the file. */
#define IO_BUFFER_SIZE (64 * 1024)

struct RomcvVideoWriter {
    RomcvAtomicFile file;
    AVIOContext *io;
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *stream;
    AVFrame *yuv;
    AVPacket *pkt;
    struct SwsContext *sws;
    int width, height; /* the size asked for */
    double time_origin_s;
    int64_t last_pts; /* INT64_MIN before the first frame */
    int64_t frames;
    int error; /* sticky: the first failure's code */
    char codec[16];
    char errmsg[ROMCV_DIAG_MESSAGE_SIZE];
};

void romcv_video_writer_default_settings(RomcvVideoWriterSettings *s) {
    memset(s, 0, sizeof *s);
    s->nominal_fps = 30.0;
    s->time_base_den = 90000;
    s->quality = 20;
}

/* ------------------------------------------------------------ file output */

/* FFmpeg 6.1 made the buffer const; the type follows the headers in use. */
#if LIBAVFORMAT_VERSION_MAJOR >= 61
typedef const uint8_t IoBuffer;
#else
typedef uint8_t IoBuffer;
#endif

static int io_write(void *opaque, IoBuffer *buf, int size) {
    FILE *f = opaque;
    if (size > 0 && fwrite(buf, 1, (size_t)size, f) != (size_t)size) {
        return AVERROR(errno ? errno : EIO);
    }
    return size;
}

static int64_t io_seek(void *opaque, int64_t offset, int whence) {
    FILE *f = opaque;
    if (whence & AVSEEK_SIZE) {
        struct stat st;
        if (fflush(f) != 0 || fstat(fileno(f), &st) != 0) {
            return AVERROR(errno);
        }
        return (int64_t)st.st_size;
    }
    if (fseeko(f, (off_t)offset, whence & ~AVSEEK_FORCE) != 0) {
        return AVERROR(errno);
    }
    return (int64_t)ftello(f);
}

/* ---------------------------------------------------------------- errors */

static int fail(RomcvVideoWriter *w, RomcvDiag *diag, int code, const char *fmt, ...)
    ROMCV_PRINTF(4, 5);

static int fail(RomcvVideoWriter *w, RomcvDiag *diag, int code, const char *fmt, ...) {
    char text[ROMCV_DIAG_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (w && !w->error) {
        w->error = code;
        snprintf(w->errmsg, sizeof w->errmsg, "%s", text);
    }
    return romcv_diag_set(diag, code, "%s", text);
}

static int av_fail(RomcvVideoWriter *w, RomcvDiag *diag, int err, const char *path,
                   const char *what) {
    char text[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(err, text, sizeof text);
    int code = err == AVERROR(ENOMEM)   ? ROMCV_ERR(ENOMEM)
               : err == AVERROR(ENOSPC) ? ROMCV_ERR(ENOSPC)
               : err == AVERROR(EIO)    ? ROMCV_ERR(EIO)
                                        : ROMCV_E_EXTERNAL;
    return fail(w, diag, code, "%s: %s (%s)", path, what, text);
}

/* --------------------------------------------------------------- encoder */

static int open_encoder(RomcvVideoWriter *w, const char *name, const RomcvVideoWriterSettings *s) {
    const AVCodec *codec = avcodec_find_encoder_by_name(name);
    if (!codec) {
        return ROMCV_E_NOT_FOUND;
    }
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    if (!enc) {
        return ROMCV_ERR(ENOMEM);
    }
    double fps = s->nominal_fps > 0 && isfinite(s->nominal_fps) ? s->nominal_fps : 30.0;
    enc->width = w->width & ~1;
    enc->height = w->height & ~1;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    /* MPEG-4 Part 2 codes the time base in 16 bits; 1/60000 s still holds
     * 1/30000 (NTSC), 1/1000 (ms) and 1/600 (QuickTime) clocks exactly. */
    int den = s->time_base_den;
    if (strcmp(name, "mpeg4") == 0 && den > 65535) {
        den = 60000;
    }
    enc->time_base = (AVRational){1, den};
    enc->framerate = av_d2q(fps, 1001000);
    enc->sample_aspect_ratio = (AVRational){1, 1};
    /* A key frame about every two seconds: players can seek in the clip. */
    enc->gop_size = (int)lround(2.0 * fps);
    enc->thread_count = s->threads;
    enc->colorspace = AVCOL_SPC_SMPTE170M;
    enc->color_primaries = AVCOL_PRI_SMPTE170M;
    enc->color_trc = AVCOL_TRC_SMPTE170M;
    enc->color_range = AVCOL_RANGE_MPEG;
    if (strcmp(name, "libx264") == 0) {
        char crf[16];
        snprintf(crf, sizeof crf, "%d", s->quality);
        av_opt_set(enc->priv_data, "preset", s->x264_preset ? s->x264_preset : "veryfast", 0);
        av_opt_set(enc->priv_data, "crf", crf, 0);
    } else {
        /* Fixed quantiser: MPEG-4 Part 2 at q 2..31; CRF 20 maps to about 4. */
        int q = (s->quality + 4) / 6;
        q = q < 2 ? 2 : q > 31 ? 31 : q;
        enc->flags |= AV_CODEC_FLAG_QSCALE;
        enc->global_quality = FF_QP2LAMBDA * q;
        enc->max_b_frames = 0;
    }
    if (w->fmt->oformat->flags & AVFMT_GLOBALHEADER) {
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    }
    int rc = avcodec_open2(enc, codec, NULL);
    if (rc < 0) {
        avcodec_free_context(&enc);
        return rc;
    }
    w->enc = enc;
    snprintf(w->codec, sizeof w->codec, "%s", name);
    return 0;
}

static void release(RomcvVideoWriter *w) {
    if (w->fmt) {
        w->fmt->pb = NULL; /* ours, freed below */
        avformat_free_context(w->fmt);
        w->fmt = NULL;
    }
    if (w->io) {
        av_freep(&w->io->buffer);
        avio_context_free(&w->io);
    }
    avcodec_free_context(&w->enc);
    av_frame_free(&w->yuv);
    av_packet_free(&w->pkt);
    sws_freeContext(w->sws);
    w->sws = NULL;
}

void romcv_video_writer_abort(RomcvVideoWriter **pw) {
    if (!pw || !*pw) {
        return;
    }
    RomcvVideoWriter *w = *pw;
    release(w);
    romcv__atomic_abort(&w->file);
    free(w);
    *pw = NULL;
}

static int setup(RomcvVideoWriter *w, const char *path, const RomcvVideoWriterSettings *s,
                 RomcvDiag *diag) {
    const AVOutputFormat *of = av_guess_format(NULL, path, NULL);
    if (!of) {
        return fail(w, diag, ROMCV_E_UNSUPPORTED,
                    "%s: unknown video container (use .mp4, .mkv or .mov)", path);
    }
    int rc = avformat_alloc_output_context2(&w->fmt, of, NULL, NULL);
    if (rc < 0) {
        return av_fail(w, diag, rc, path, "cannot set up the container");
    }
    int want_x264 = !s->codec || strcmp(s->codec, "libx264") == 0;
    if (!want_x264 && strcmp(s->codec, "mpeg4") != 0) {
        return fail(w, diag, ROMCV_ERR(EINVAL), "%s: codec '%s' is neither libx264 nor mpeg4", path,
                    s->codec);
    }
    rc = want_x264 ? open_encoder(w, "libx264", s) : ROMCV_E_NOT_FOUND;
    if (rc < 0) {
        if (want_x264) {
            romcv_log(&s->logger, ROMCV_LOG_WARNING, "report",
                      "%s: no H.264 encoder (libx264) in this FFmpeg; writing MPEG-4 Part 2, "
                      "which makes larger files",
                      path);
        }
        rc = open_encoder(w, "mpeg4", s);
    }
    if (rc < 0) {
        return rc == ROMCV_E_NOT_FOUND || rc == ROMCV_ERR(ENOMEM)
                   ? fail(w, diag, rc == ROMCV_ERR(ENOMEM) ? rc : ROMCV_E_UNSUPPORTED,
                          "%s: FFmpeg has neither the libx264 nor the mpeg4 encoder", path)
                   : av_fail(w, diag, rc, path, "cannot open the encoder");
    }
    w->stream = avformat_new_stream(w->fmt, NULL);
    w->yuv = av_frame_alloc();
    w->pkt = av_packet_alloc();
    unsigned char *buffer = av_malloc(IO_BUFFER_SIZE);
    w->io = buffer ? avio_alloc_context(buffer, IO_BUFFER_SIZE, 1, w->file.file, NULL, io_write,
                                        io_seek)
                   : NULL;
    if (!w->io) {
        av_free(buffer);
    }
    if (!w->stream || !w->yuv || !w->pkt || !w->io) {
        return fail(w, diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    }
    w->fmt->pb = w->io;
    w->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    w->stream->time_base = w->enc->time_base;
    w->stream->avg_frame_rate = w->enc->framerate;
    rc = avcodec_parameters_from_context(w->stream->codecpar, w->enc);
    if (rc < 0) {
        return av_fail(w, diag, rc, path, "cannot set up the stream");
    }
    w->yuv->format = AV_PIX_FMT_YUV420P;
    w->yuv->width = w->enc->width;
    w->yuv->height = w->enc->height;
    rc = av_frame_get_buffer(w->yuv, 0);
    if (rc < 0) {
        return av_fail(w, diag, rc, path, "out of memory");
    }
    rc = avformat_write_header(w->fmt, NULL);
    if (rc < 0) {
        return av_fail(w, diag, rc, path, "cannot write the header");
    }
    return 0;
}

int romcv_video_writer_open(RomcvVideoWriter **out, const char *path,
                            const RomcvVideoWriterSettings *s, RomcvDiag *diag) {
    if (!out) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "video writer: no handle");
    }
    *out = NULL;
    if (!path || !s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "video writer: no path or settings");
    }
    if (s->width < 2 || s->height < 2 || s->width > 16384 || s->height > 16384 ||
        s->time_base_den <= 0) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: bad video size %dx%d or time base",
                              path, s->width, s->height);
    }
    RomcvVideoWriter *w = calloc(1, sizeof *w);
    if (!w) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    }
    w->width = s->width;
    w->height = s->height;
    w->time_origin_s = isfinite(s->time_origin_s) ? s->time_origin_s : 0.0;
    w->last_pts = INT64_MIN;
    int rc = romcv__atomic_open(&w->file, path, diag);
    if (rc == 0) {
        rc = setup(w, path, s, diag);
    }
    if (rc < 0) {
        romcv_video_writer_abort(&w);
        return rc;
    }
    *out = w;
    return 0;
}

/* Sends frame (NULL: drain) and writes every packet the encoder returns. */
static int encode(RomcvVideoWriter *w, AVFrame *frame) {
    int rc = avcodec_send_frame(w->enc, frame);
    if (rc < 0) {
        return av_fail(w, NULL, rc, w->file.path, "the encoder refused a frame");
    }
    for (;;) {
        rc = avcodec_receive_packet(w->enc, w->pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            return 0;
        }
        if (rc < 0) {
            return av_fail(w, NULL, rc, w->file.path, "encoding failed");
        }
        av_packet_rescale_ts(w->pkt, w->enc->time_base, w->stream->time_base);
        w->pkt->stream_index = w->stream->index;
        rc = av_interleaved_write_frame(w->fmt, w->pkt);
        if (rc < 0) {
            return av_fail(w, NULL, rc, w->file.path, "write failed (disk full?)");
        }
    }
}

int romcv_video_writer_write(RomcvVideoWriter *w, const RomcvFrame *frame, double time_s) {
    if (w->error) {
        return w->error;
    }
    if (!frame || !frame->data || frame->format != ROMCV_PIX_RGB24) {
        return fail(w, NULL, ROMCV_ERR(EINVAL), "%s: frames must be RGB24", w->file.path);
    }
    double t = (time_s - w->time_origin_s) * (double)w->enc->time_base.den;
    if (!isfinite(t) || fabs(t) > 9e15) {
        return fail(w, NULL, ROMCV_ERR(EINVAL), "%s: frame %lld: bad time %g s", w->file.path,
                    (long long)w->frames, time_s);
    }
    int64_t pts = llrint(t);
    if (w->last_pts != INT64_MIN && pts <= w->last_pts) {
        /* Half a tick apart rounds onto one stamp; a real step back is a bug
         * upstream and must not scramble the video. */
        if (t < (double)w->last_pts - 0.5) {
            return fail(w, NULL, ROMCV_ERR(EINVAL), "%s: frame %lld: time %.6f s goes back",
                        w->file.path, (long long)w->frames, time_s);
        }
        pts = w->last_pts + 1;
    }
    /* The writer's own size when the frame has it (an odd size crops its last
     * column or row), else the frame is scaled to it. */
    int same = frame->width == w->width && frame->height == w->height;
    int src_w = same ? w->enc->width : frame->width;
    int src_h = same ? w->enc->height : frame->height;
    w->sws =
        sws_getCachedContext(w->sws, src_w, src_h, AV_PIX_FMT_RGB24, w->enc->width, w->enc->height,
                             AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
    if (!w->sws) {
        return fail(w, NULL, ROMCV_E_EXTERNAL, "%s: swscale refused %dx%d RGB", w->file.path, src_w,
                    src_h);
    }
    int rc = av_frame_make_writable(w->yuv);
    if (rc < 0) {
        return av_fail(w, NULL, rc, w->file.path, "out of memory");
    }
    const uint8_t *src[1] = {frame->data};
    int src_stride[1] = {frame->stride};
    sws_scale(w->sws, src, src_stride, 0, src_h, w->yuv->data, w->yuv->linesize);
    w->yuv->pts = pts;
    rc = encode(w, w->yuv);
    if (rc < 0) {
        return rc;
    }
    w->last_pts = pts;
    w->frames++;
    return 0;
}

int64_t romcv_video_writer_frames(const RomcvVideoWriter *w) {
    return w ? w->frames : 0;
}

const char *romcv_video_writer_codec(const RomcvVideoWriter *w) {
    return w ? w->codec : "";
}

const char *romcv_video_writer_errmsg(const RomcvVideoWriter *w) {
    return w ? w->errmsg : "";
}

int romcv_video_writer_close(RomcvVideoWriter **pw, RomcvDiag *diag) {
    if (!pw || !*pw) {
        return 0;
    }
    RomcvVideoWriter *w = *pw;
    int rc = w->error;
    if (rc == 0 && w->frames == 0) {
        rc = fail(w, NULL, ROMCV_E_NOT_FOUND, "%s: no frames to write", w->file.path);
    }
    if (rc == 0) {
        rc = encode(w, NULL);
    }
    if (rc == 0) {
        int err = av_write_trailer(w->fmt);
        if (err >= 0) {
            avio_flush(w->io);
            err = w->io->error;
        }
        if (err < 0) {
            rc = av_fail(w, NULL, err, w->file.path, "cannot finish the file");
        }
    }
    if (rc < 0) {
        romcv_diag_set(diag, rc, "%s", w->errmsg);
        romcv_video_writer_abort(pw);
        return rc;
    }
    release(w);
    rc = romcv__atomic_commit(&w->file, diag);
    free(w);
    *pw = NULL;
    return rc;
}
