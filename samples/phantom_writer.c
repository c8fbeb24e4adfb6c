/*
 * samples/phantom_writer.c: writes a phantom clip: the video through
 * FFmpeg's libavcodec/libavformat and the truth as JSON, both under
 * temporary names renamed into place when complete (conventions.md: Files).
 *
 * Video: H.264 from libx264 (CRF 18, preset veryfast, one thread so that the
 * bytes are the same on every run) when FFmpeg has it, else MPEG-4 part 2;
 * yuv420p, BT.601 limited range (what swscale and players assume for SD),
 * pts = frame index in a time base of fps_den / fps_num. Kept small and
 * self-contained: the report module will have its own video writer.
 */
#include "samples/internal.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

typedef struct VideoWriter {
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *stream;
    AVFrame *yuv;
    AVPacket *pkt;
    struct SwsContext *sws;
    char codec[32];
    const char *path; /* final name, for messages */
} VideoWriter;

static int av_fail(RomcvDiag *diag, int err, const char *path, const char *what) {
    char text[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(err, text, sizeof text);
    return romcv_diag_set(diag, ROMCV_E_EXTERNAL, "%s: %s (%s)", path, what, text);
}

static void video_free(VideoWriter *vw) {
    if (vw->fmt && vw->fmt->pb) {
        avio_closep(&vw->fmt->pb);
    }
    avformat_free_context(vw->fmt);
    vw->fmt = NULL;
    avcodec_free_context(&vw->enc);
    av_frame_free(&vw->yuv);
    av_packet_free(&vw->pkt);
    sws_freeContext(vw->sws);
    vw->sws = NULL;
}

static int open_encoder(VideoWriter *vw, const char *name, int w, int h, int fps_num, int fps_den) {
    const AVCodec *codec = avcodec_find_encoder_by_name(name);
    if (!codec) {
        return ROMCV_E_NOT_FOUND;
    }
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    if (!enc) {
        return ROMCV_ERR(ENOMEM);
    }
    enc->width = w;
    enc->height = h;
    enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->time_base = (AVRational){fps_den, fps_num};
    enc->framerate = (AVRational){fps_num, fps_den};
    enc->sample_aspect_ratio = (AVRational){1, 1};
    enc->gop_size = (int)(2.0 * fps_num / fps_den + 0.5);
    enc->thread_count = 1;
    enc->colorspace = AVCOL_SPC_SMPTE170M;
    enc->color_primaries = AVCOL_PRI_SMPTE170M;
    enc->color_trc = AVCOL_TRC_SMPTE170M;
    enc->color_range = AVCOL_RANGE_MPEG;
    if (strcmp(name, "libx264") == 0) {
        av_opt_set(enc->priv_data, "preset", "veryfast", 0);
        av_opt_set(enc->priv_data, "crf", "18", 0);
    } else {
        enc->flags |= AV_CODEC_FLAG_QSCALE;
        enc->global_quality = FF_QP2LAMBDA * 3;
        enc->max_b_frames = 0;
    }
    if (vw->fmt->oformat->flags & AVFMT_GLOBALHEADER) {
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    }
    int rc = avcodec_open2(enc, codec, NULL);
    if (rc < 0) {
        avcodec_free_context(&enc);
        return rc;
    }
    vw->enc = enc;
    snprintf(vw->codec, sizeof vw->codec, "%s", name);
    return 0;
}

static int video_open(VideoWriter *vw, const char *tmp_path, const char *final_path, int w, int h,
                      int fps_num, int fps_den, RomcvDiag *diag) {
    memset(vw, 0, sizeof *vw);
    vw->path = final_path;
    /* The container comes from the final name: the temporary one ends in .tmp. */
    const AVOutputFormat *of = av_guess_format(NULL, final_path, NULL);
    if (!of) {
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "%s: unknown video container (use .mp4, .mkv or .mov)", final_path);
    }
    int rc = avformat_alloc_output_context2(&vw->fmt, of, NULL, tmp_path);
    if (rc < 0) {
        return av_fail(diag, rc, final_path, "cannot set up the container");
    }
    static const char *const encoders[] = {"libx264", "mpeg4"};
    rc = ROMCV_E_NOT_FOUND;
    for (size_t i = 0; i < sizeof encoders / sizeof encoders[0] && rc < 0; i++) {
        rc = open_encoder(vw, encoders[i], w, h, fps_num, fps_den);
    }
    if (rc < 0) {
        video_free(vw);
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "%s: FFmpeg has neither libx264 nor mpeg4 encoders", final_path);
    }
    vw->stream = avformat_new_stream(vw->fmt, NULL);
    vw->yuv = av_frame_alloc();
    vw->pkt = av_packet_alloc();
    if (!vw->stream || !vw->yuv || !vw->pkt) {
        video_free(vw);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", final_path);
    }
    vw->stream->time_base = vw->enc->time_base;
    vw->stream->avg_frame_rate = vw->enc->framerate;
    vw->stream->r_frame_rate = vw->enc->framerate;
    rc = avcodec_parameters_from_context(vw->stream->codecpar, vw->enc);
    if (rc < 0) {
        video_free(vw);
        return av_fail(diag, rc, final_path, "cannot set up the stream");
    }
    vw->yuv->format = AV_PIX_FMT_YUV420P;
    vw->yuv->width = w;
    vw->yuv->height = h;
    rc = av_frame_get_buffer(vw->yuv, 0);
    if (rc < 0) {
        video_free(vw);
        return av_fail(diag, rc, final_path, "out of memory");
    }
    vw->sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P,
                             SWS_BILINEAR | SWS_ACCURATE_RND | SWS_BITEXACT, NULL, NULL, NULL);
    if (!vw->sws) {
        video_free(vw);
        return romcv_diag_set(diag, ROMCV_E_EXTERNAL, "%s: swscale refused RGB to YUV", final_path);
    }
    rc = avio_open(&vw->fmt->pb, tmp_path, AVIO_FLAG_WRITE);
    if (rc < 0) {
        video_free(vw);
        return av_fail(diag, rc, tmp_path, "cannot create");
    }
    /* No encoder name or time in the file: the same clip gives the same bytes. */
    vw->fmt->flags |= AVFMT_FLAG_BITEXACT;
    rc = avformat_write_header(vw->fmt, NULL);
    if (rc < 0) {
        video_free(vw);
        return av_fail(diag, rc, final_path, "cannot write the header");
    }
    return 0;
}

/* Sends frame (NULL: drain) and writes every packet the encoder returns. */
static int video_encode(VideoWriter *vw, AVFrame *frame, RomcvDiag *diag) {
    int rc = avcodec_send_frame(vw->enc, frame);
    if (rc < 0) {
        return av_fail(diag, rc, vw->path, "encoder refused a frame");
    }
    for (;;) {
        rc = avcodec_receive_packet(vw->enc, vw->pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            return 0;
        }
        if (rc < 0) {
            return av_fail(diag, rc, vw->path, "encoding failed");
        }
        av_packet_rescale_ts(vw->pkt, vw->enc->time_base, vw->stream->time_base);
        vw->pkt->stream_index = vw->stream->index;
        rc = av_interleaved_write_frame(vw->fmt, vw->pkt);
        if (rc < 0) {
            return av_fail(diag, rc, vw->path, "write failed (disk full?)");
        }
    }
}

static int video_write(VideoWriter *vw, const RomcvFrame *frame, int64_t index, RomcvDiag *diag) {
    int rc = av_frame_make_writable(vw->yuv);
    if (rc < 0) {
        return av_fail(diag, rc, vw->path, "out of memory");
    }
    const uint8_t *src[1] = {frame->data};
    int src_stride[1] = {frame->stride};
    sws_scale(vw->sws, src, src_stride, 0, frame->height, vw->yuv->data, vw->yuv->linesize);
    vw->yuv->pts = index;
    return video_encode(vw, vw->yuv, diag);
}

static int video_finish(VideoWriter *vw, RomcvDiag *diag) {
    int rc = video_encode(vw, NULL, diag);
    if (rc < 0) {
        return rc;
    }
    rc = av_write_trailer(vw->fmt);
    if (rc < 0) {
        return av_fail(diag, rc, vw->path, "cannot finish the file");
    }
    rc = avio_closep(&vw->fmt->pb);
    if (rc < 0) {
        return av_fail(diag, rc, vw->path, "write failed (disk full?)");
    }
    return 0;
}

/* ".NAME.tmp" beside path. */
static int tmp_name(const char *path, char *out, size_t size) {
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    int n = snprintf(out, size, "%.*s.%s.tmp", dir_len, path, path + dir_len);
    return n < 0 || (size_t)n >= size ? ROMCV_ERR(ENAMETOOLONG) : 0;
}

int romcv_phantom_write_clip(const RomcvPhantomSettings *settings, const char *video_path,
                             const char *truth_path, RomcvPhantomProgress progress, void *cookie,
                             char codec[32], RomcvDiag *diag) {
    if (!settings || !video_path) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "phantom: no output file");
    }
    char video_tmp[4096], truth_tmp[4096] = "";
    if (tmp_name(video_path, video_tmp, sizeof video_tmp) < 0 ||
        (truth_path && tmp_name(truth_path, truth_tmp, sizeof truth_tmp) < 0)) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", video_path);
    }
    RomcvPhantom *ph = NULL;
    RomcvFrame *frame = NULL;
    FILE *truth_file = NULL;
    void *truth_writer = NULL;
    VideoWriter vw = {0};
    int video_open_ok = 0;
    int rc = romcv_phantom_create(&ph, settings, diag);
    if (rc < 0) {
        goto done;
    }
    rc = romcv_frame_create(&frame, settings->width, settings->height, ROMCV_PIX_RGB24);
    if (rc < 0) {
        romcv_diag_set(diag, rc, "phantom: out of memory");
        goto done;
    }
    rc = video_open(&vw, video_tmp, video_path, settings->width, settings->height,
                    settings->fps_num, settings->fps_den, diag);
    if (rc < 0) {
        goto done;
    }
    video_open_ok = 1;
    if (codec) {
        snprintf(codec, 32, "%s", vw.codec);
    }
    if (truth_path) {
        truth_file = fopen(truth_tmp, "w");
        if (!truth_file) {
            int err = errno;
            rc = romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot create (%s)", truth_tmp,
                                strerror(err));
            goto done;
        }
        rc = romcv__truth_json_begin(&truth_writer, truth_file, ph, vw.codec);
        if (rc < 0) {
            romcv_diag_set(diag, rc, "%s: out of memory", truth_path);
            goto done;
        }
    }
    int64_t total = romcv_phantom_frame_count(ph);
    for (int64_t i = 0; i < total; i++) {
        RomcvPhantomTruth truth;
        rc = romcv_phantom_render(ph, i, frame, truth_writer ? &truth : NULL);
        if (rc < 0) {
            romcv_diag_set(diag, rc, "phantom: frame %lld failed", (long long)i);
            goto done;
        }
        rc = video_write(&vw, frame, i, diag);
        if (rc < 0) {
            goto done;
        }
        if (truth_writer) {
            romcv__truth_json_frame(truth_writer, &truth);
        }
        if (progress && progress(cookie, i + 1, total)) {
            rc = romcv_diag_set(diag, ROMCV_E_INTERRUPTED, "%s: interrupted after %lld frames",
                                video_path, (long long)(i + 1));
            goto done;
        }
    }
    rc = video_finish(&vw, diag);
    if (rc < 0) {
        goto done;
    }
    if (truth_writer) {
        rc = romcv__truth_json_end(&truth_writer, diag);
        int failed = fclose(truth_file) != 0;
        truth_file = NULL;
        if (rc == 0 && failed) {
            rc = romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: write failed (disk full?)", truth_path);
        }
        if (rc < 0) {
            goto done;
        }
    }
    if (rename(video_tmp, video_path) != 0 || (truth_path && rename(truth_tmp, truth_path) != 0)) {
        int err = errno;
        rc = romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot rename into place (%s)", video_path,
                            strerror(err));
        goto done;
    }
done:
    if (truth_writer) {
        romcv__truth_json_end(&truth_writer, NULL);
    }
    if (truth_file) {
        fclose(truth_file);
    }
    video_free(&vw);
    if (rc < 0) {
        if (video_open_ok) {
            remove(video_tmp);
        }
        if (truth_path) {
            remove(truth_tmp);
        }
    }
    romcv_frame_unref(&frame);
    romcv_phantom_destroy(&ph);
    return rc;
}
