/*
 * capture/v4l2_source.c: frames from a V4L2 camera (romcv__capture_v4l2).
 *
 * The camera is driven through libv4l2, which converts whatever the camera
 * sends (YUYV, MJPEG, Bayer...) to the RGB24 we ask for with VIDIOC_S_FMT.
 * Frames arrive by mmap streaming: four driver buffers are queued, and each
 * read() waits with poll() in short steps (so that a stop request is seen
 * within POLL_STEP_MS), dequeues one, copies it into a pool frame and queues
 * the buffer again at once, so the camera never waits for romcv's consumer.
 *
 * Times come from the driver's buffer timestamps, which V4L2 takes on
 * CLOCK_MONOTONIC when the frame was captured; time_s is the distance from
 * the first frame's timestamp. Dequeue time would add the scheduling jitter
 * of this thread, which is exactly what a range-of-motion velocity must not
 * see.
 *
 * Failures end the stream with a message naming the device: an unplugged
 * camera (ENODEV) gives ROMCV_E_DEVICE_LOST, a camera that sends nothing for
 * STALL_TIMEOUT_S gives ROMCV_ERR(ETIMEDOUT).
 *
 * "camera:N" names the Nth device of romcv_camera_list() (`romcv devices`),
 * counting only video capture nodes, so the metadata node that UVC cameras
 * add does not shift the numbers.
 */
#include "capture/internal.h"
#include "capture/v4l2_common.h"

#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>

#define BUFFER_COUNT 4
#define POLL_STEP_MS 100
/* Long enough for a webcam's first frame after auto-exposure settles (1-2 s),
 * short enough that a frozen camera is reported while the user still waits. */
#define STALL_TIMEOUT_S 5
#define LOG_MODULE      "capture"

typedef struct MappedBuffer {
    void *start;
    size_t length;
} MappedBuffer;

typedef struct V4l2Source {
    int fd;
    char path[1024]; /* the device node, for messages */
    char card[128];  /* the driver's name of the camera, for messages */
    RomcvLogger logger;
    MappedBuffer buffers[BUFFER_COUNT];
    unsigned buffer_count; /* buffers mapped */
    int streaming;
    int width, height;   /* px */
    size_t bytesperline; /* of the RGB24 image libv4l2 returns */
    int have_first;
    int64_t first_us; /* timestamp of the first frame, us on CLOCK_MONOTONIC */
    int64_t dequeued; /* frames taken from the camera so far */
    int lost;         /* the device is gone: every later read fails */
    int warned_timestamps;
} V4l2Source;

static int64_t monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* v4l2_ioctl, restarted when a signal interrupts it. */
static int xioctl(int fd, unsigned long request, void *arg) {
    int rc;
    do {
        rc = v4l2_ioctl(fd, request, arg);
    } while (rc < 0 && errno == EINTR);
    return rc;
}

/* "/dev/video0 (HD Webcam)", or just the path before the card is known. */
static const char *device_label(const V4l2Source *s, char *buf, size_t size) {
    if (s->card[0]) {
        snprintf(buf, size, "%s (%s)", s->path, s->card);
    } else {
        snprintf(buf, size, "%s", s->path);
    }
    return buf;
}

/* The camera's own formats ("YUYV/MJPG"), skipping those libv4l2 emulates. */
static void native_formats(int fd, char *out, size_t size) {
    out[0] = '\0';
    size_t used = 0;
    for (uint32_t i = 0; i < 64; i++) {
        struct v4l2_fmtdesc desc = {.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
        if (xioctl(fd, VIDIOC_ENUM_FMT, &desc) < 0) {
            break;
        }
        if (desc.flags & V4L2_FMT_FLAG_EMULATED) {
            continue;
        }
        char fourcc[5];
        romcv__v4l2_fourcc_text(desc.pixelformat, fourcc);
        int n = snprintf(out + used, size - used, "%s%s", used ? "/" : "", fourcc);
        if (n < 0 || (size_t)n >= size - used) {
            break;
        }
        used += (size_t)n;
    }
}

/* ---------------------------------------------------------------- open */

/* Turns settings->input into a device path: "camera:N" is looked up in the
 * device list, anything else is taken as a path. */
static int resolve_input(const char *input, char *path, size_t size, RomcvDiag *diag) {
    if (strncmp(input, "camera:", 7) != 0) {
        snprintf(path, size, "%s", input);
        return 0;
    }
    char *end;
    errno = 0;
    long index = strtol(input + 7, &end, 10);
    if (input[7] == '\0' || *end != '\0' || index < 0 || errno) {
        return romcv_diag_set(diag, ROMCV_E_USAGE, "%s: expected camera:N with N = 0, 1, ...",
                              input);
    }
    RomcvCameraDevice *list;
    int count;
    int rc = romcv_camera_list(NULL, &list, &count, diag);
    if (rc < 0) {
        return rc;
    }
    if (index >= count) {
        romcv_camera_list_free(&list, count);
        if (count == 0) {
            return romcv_diag_set(diag, ROMCV_E_NOT_FOUND, "%s: no V4L2 camera found", input);
        }
        return romcv_diag_set(diag, ROMCV_E_NOT_FOUND,
                              "%s: no such camera (%d found, camera:0 to camera:%d)", input, count,
                              count - 1);
    }
    snprintf(path, size, "%s", list[index].path);
    romcv_camera_list_free(&list, count);
    return 0;
}

/* Asks for RGB24 at the requested size (or the driver's current size);
 * libv4l2 picks the camera format it converts from. */
static int negotiate_format(V4l2Source *s, const RomcvCaptureSettings *settings, RomcvDiag *diag) {
    char label[1200];
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    if (xioctl(s->fd, VIDIOC_G_FMT, &fmt) < 0) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot read the camera's format (%s)",
                              device_label(s, label, sizeof label), strerror(err));
    }
    if (settings->width > 0 && settings->height > 0) {
        fmt.fmt.pix.width = (uint32_t)settings->width;
        fmt.fmt.pix.height = (uint32_t)settings->height;
    }
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    fmt.fmt.pix.bytesperline = 0;
    fmt.fmt.pix.sizeimage = 0;
    if (xioctl(s->fd, VIDIOC_S_FMT, &fmt) < 0 || fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_RGB24) {
        int err = errno;
        if (err == EBUSY) {
            return romcv__v4l2_open_error(diag, s->path, err);
        }
        char formats[64];
        native_formats(s->fd, formats, sizeof formats);
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "%s: the camera refuses every format libv4l2 can convert to RGB "
                              "(it offers: %s)",
                              device_label(s, label, sizeof label), formats[0] ? formats : "none");
    }
    uint32_t width = fmt.fmt.pix.width, height = fmt.fmt.pix.height;
    if (width == 0 || height == 0 || width > 16384 || height > 16384 ||
        (fmt.fmt.pix.bytesperline && fmt.fmt.pix.bytesperline < 3 * width)) {
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED, "%s: unusable format %ux%u, %u bytes/row",
                              device_label(s, label, sizeof label), width, height,
                              fmt.fmt.pix.bytesperline);
    }
    s->width = (int)width;
    s->height = (int)height;
    s->bytesperline = fmt.fmt.pix.bytesperline ? fmt.fmt.pix.bytesperline : 3 * (size_t)width;
    if (settings->width > 0 && settings->height > 0 &&
        (s->width != settings->width || s->height != settings->height)) {
        romcv_log(&s->logger, ROMCV_LOG_WARNING, LOG_MODULE,
                  "%s: asked for %dx%d, the camera gives %dx%d",
                  device_label(s, label, sizeof label), settings->width, settings->height, s->width,
                  s->height);
    }
    return 0;
}

/* Sets the requested rate when the driver allows it and returns the rate in
 * effect (0 when the driver does not say). A refused rate is a warning: the
 * timestamps stay right whatever the rate. */
static double negotiate_rate(V4l2Source *s, double fps) {
    char label[1200];
    struct v4l2_streamparm parm = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    if (xioctl(s->fd, VIDIOC_G_PARM, &parm) < 0) {
        return 0.0;
    }
    if (fps > 0 && (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME)) {
        struct v4l2_streamparm want = parm;
        /* 1000/29970 keeps NTSC-style rates exact. */
        want.parm.capture.timeperframe.numerator = 1000;
        want.parm.capture.timeperframe.denominator = (uint32_t)lround(fps * 1000.0);
        if (xioctl(s->fd, VIDIOC_S_PARM, &want) == 0) {
            parm = want;
        } else {
            romcv_log(&s->logger, ROMCV_LOG_WARNING, LOG_MODULE, "%s: cannot set %g fps (%s)",
                      device_label(s, label, sizeof label), fps, strerror(errno));
        }
    }
    const struct v4l2_fract *t = &parm.parm.capture.timeperframe;
    double actual = t->numerator && t->denominator ? (double)t->denominator / t->numerator : 0.0;
    if (fps > 0 && actual > 0 && fabs(actual - fps) > 0.01 * fps) {
        romcv_log(&s->logger, ROMCV_LOG_WARNING, LOG_MODULE,
                  "%s: asked for %g fps, the camera gives %g fps",
                  device_label(s, label, sizeof label), fps, actual);
    }
    return actual;
}

/* Requests, maps and queues the buffers, then starts streaming. */
static int start_streaming(V4l2Source *s, RomcvDiag *diag) {
    char label[1200];
    const char *what;
    struct v4l2_requestbuffers req = {
        .count = BUFFER_COUNT, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
    if (xioctl(s->fd, VIDIOC_REQBUFS, &req) < 0) {
        what = "cannot get capture buffers";
        goto error;
    }
    if (req.count < 2) {
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED, "%s: the driver gives %u buffer(s)",
                              device_label(s, label, sizeof label), req.count);
    }
    unsigned count = req.count < BUFFER_COUNT ? req.count : BUFFER_COUNT;
    for (unsigned i = 0; i < count; i++) {
        struct v4l2_buffer buf = {
            .index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
        if (xioctl(s->fd, VIDIOC_QUERYBUF, &buf) < 0) {
            what = "cannot query a capture buffer";
            goto error;
        }
        void *start =
            v4l2_mmap(NULL, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd, buf.m.offset);
        if (start == MAP_FAILED) {
            what = "cannot map a capture buffer";
            goto error;
        }
        s->buffers[i].start = start;
        s->buffers[i].length = buf.length;
        s->buffer_count = i + 1;
        if (xioctl(s->fd, VIDIOC_QBUF, &buf) < 0) {
            what = "cannot queue a capture buffer";
            goto error;
        }
    }
    enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (xioctl(s->fd, VIDIOC_STREAMON, &type) < 0) {
        what = "cannot start streaming";
        goto error;
    }
    s->streaming = 1;
    return 0;

error:;
    int err = errno;
    if (err == EBUSY) {
        return romcv__v4l2_open_error(diag, s->path, err);
    }
    if (err == ENODEV) {
        return romcv_diag_set(diag, ROMCV_E_DEVICE_LOST, "%s: camera disconnected",
                              device_label(s, label, sizeof label));
    }
    return romcv_diag_set(diag, ROMCV_ERR(err), "%s: %s (%s)", device_label(s, label, sizeof label),
                          what, strerror(err));
}

static void v4l2_source_close(void *opaque) {
    V4l2Source *s = opaque;
    if (!s) {
        return;
    }
    if (s->fd >= 0) {
        /* Errors are expected here after an unplug and change nothing.
         * v4l2_close also closes descriptors libv4l2 never registered. */
        if (s->streaming) {
            enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
            xioctl(s->fd, VIDIOC_STREAMOFF, &type);
        }
        for (unsigned i = 0; i < s->buffer_count; i++) {
            v4l2_munmap(s->buffers[i].start, s->buffers[i].length);
        }
        if (s->buffer_count) {
            struct v4l2_requestbuffers req = {
                .count = 0, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
            xioctl(s->fd, VIDIOC_REQBUFS, &req);
        }
        v4l2_close(s->fd);
    }
    free(s);
}

static int v4l2_source_open(void **priv, const RomcvCaptureSettings *settings,
                            RomcvCaptureInfo *info, RomcvDiag *diag) {
    *priv = NULL;
    V4l2Source *s = calloc(1, sizeof *s);
    if (!s) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", settings->input);
    }
    s->fd = -1;
    s->logger = settings->logger;
    int rc = resolve_input(settings->input, s->path, sizeof s->path, diag);
    if (rc < 0) {
        goto error;
    }

    /* The capability check comes before libv4l2 sees the device: libv4l2
     * prints its own errors on stderr for anything that is not a V4L2 node. */
    s->fd = open(s->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0) {
        rc = romcv__v4l2_open_error(diag, s->path, errno);
        goto error;
    }
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    int qrc;
    do {
        qrc = ioctl(s->fd, VIDIOC_QUERYCAP, &cap);
    } while (qrc < 0 && errno == EINTR);
    if (qrc < 0) {
        rc = romcv__v4l2_open_error(diag, s->path, errno);
        goto error;
    }
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
        rc = romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                            "%s: not a video capture device (a metadata or output node?)", s->path);
        goto error;
    }
    if (v4l2_fd_open(s->fd, 0) < 0) {
        int err = errno;
        rc = romcv_diag_set(diag, ROMCV_E_EXTERNAL, "%s: libv4l2 cannot use the camera (%s)",
                            s->path, strerror(err));
        goto error;
    }
    snprintf(s->card, sizeof s->card, "%.*s", (int)sizeof cap.card, (const char *)cap.card);

    rc = negotiate_format(s, settings, diag);
    if (rc < 0) {
        goto error;
    }
    double fps = negotiate_rate(s, settings->fps);
    rc = start_streaming(s, diag);
    if (rc < 0) {
        goto error;
    }

    info->kind = ROMCV_CAPTURE_CAMERA;
    snprintf(info->container, sizeof info->container, "v4l2");
    native_formats(s->fd, info->codec, sizeof info->codec);
    snprintf(info->device_name, sizeof info->device_name, "%s", s->card);
    info->width = info->coded_width = s->width;
    info->height = info->coded_height = s->height;
    info->sar_num = info->sar_den = 1;
    info->rotation_deg = 0;
    info->nominal_fps = fps;
    info->duration_s = -1.0;
    info->frames_expected = -1;
    info->size_bytes = -1;
    *priv = s;
    return 0;

error:
    v4l2_source_close(s);
    return rc;
}

/* ---------------------------------------------------------------- read */

static int device_lost(V4l2Source *s, RomcvDiag *diag) {
    char label[1200];
    s->lost = 1;
    return romcv_diag_set(diag, ROMCV_E_DEVICE_LOST, "%s: camera disconnected after %lld frames",
                          device_label(s, label, sizeof label), (long long)s->dequeued);
}

/* Gives a buffer back to the driver. A failure is remembered rather than
 * returned, so that the frame just copied out of it is still delivered. */
static void requeue(V4l2Source *s, struct v4l2_buffer *buf) {
    if (xioctl(s->fd, VIDIOC_QBUF, buf) == 0) {
        return;
    }
    int err = errno;
    if (err == ENODEV) {
        s->lost = 1;
        return;
    }
    /* The camera goes on with one buffer less; with none left, the stall
     * timeout ends the stream. */
    char label[1200];
    romcv_log(&s->logger, ROMCV_LOG_WARNING, LOG_MODULE, "%s: cannot requeue buffer %u (%s)",
              device_label(s, label, sizeof label), buf->index, strerror(err));
}

/* The frame's time on CLOCK_MONOTONIC, in us. Drivers without monotonic
 * timestamps get the dequeue time, and the frame is marked estimated. */
static int64_t frame_time_us(V4l2Source *s, const struct v4l2_buffer *buf, RomcvCaptureInfo *info,
                             int *estimated) {
    int64_t t = (int64_t)buf->timestamp.tv_sec * 1000000 + buf->timestamp.tv_usec;
    if ((buf->flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC && t > 0) {
        *estimated = 0;
        return t;
    }
    if (!s->warned_timestamps) {
        char label[1200];
        romcv_log(&s->logger, ROMCV_LOG_WARNING, LOG_MODULE,
                  "%s: the driver gives no monotonic timestamps; using the arrival time",
                  device_label(s, label, sizeof label));
        s->warned_timestamps = 1;
    }
    info->frames_without_pts++;
    *estimated = 1;
    return monotonic_us();
}

/* Waits up to POLL_STEP_MS for the camera. Returns 1 when a buffer may be
 * ready, 2 when the driver flags an error or a hang-up (DQBUF then says
 * which), 0 when the step timed out, or a negative code. */
static int wait_frame(V4l2Source *s, RomcvDiag *diag) {
    struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
    int n = poll(&pfd, 1, POLL_STEP_MS);
    if (n < 0) {
        if (errno == EINTR) {
            return 0;
        }
        int err = errno;
        char label[1200];
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: poll failed (%s)",
                              device_label(s, label, sizeof label), strerror(err));
    }
    if (n == 0) {
        return 0;
    }
    if (pfd.revents & POLLNVAL) {
        char label[1200];
        return romcv_diag_set(diag, ROMCV_ERR(EBADF), "%s: the device handle is invalid",
                              device_label(s, label, sizeof label));
    }
    return (pfd.revents & (POLLERR | POLLHUP)) ? 2 : 1;
}

static void copy_rgb(const V4l2Source *s, const uint8_t *src, RomcvFrame *frame) {
    size_t row = 3 * (size_t)s->width;
    for (int y = 0; y < s->height; y++) {
        memcpy(frame->data + (size_t)y * (size_t)frame->stride, src + (size_t)y * s->bytesperline,
               row);
    }
}

static int v4l2_source_read(void *opaque, RomcvFramePool *pool, RomcvCaptureInfo *info,
                            double skip_before_s, const atomic_bool *stop, RomcvFrame **out,
                            RomcvDiag *diag) {
    V4l2Source *s = opaque;
    char label[1200];
    *out = NULL;
    int64_t waiting_since = monotonic_us();
    for (;;) {
        if (s->lost) {
            return device_lost(s, diag);
        }
        if (atomic_load(stop)) {
            return romcv_diag_set(diag, ROMCV_E_INTERRUPTED, "%s: capture stopped", s->path);
        }
        int ready = wait_frame(s, diag);
        if (ready < 0) {
            return ready;
        }
        if (ready == 0) {
            if (monotonic_us() - waiting_since > (int64_t)STALL_TIMEOUT_S * 1000000) {
                return romcv_diag_set(diag, ROMCV_ERR(ETIMEDOUT),
                                      "%s: the camera stopped sending frames (none for %d s "
                                      "after %lld frames)",
                                      device_label(s, label, sizeof label), STALL_TIMEOUT_S,
                                      (long long)s->dequeued);
            }
            continue;
        }

        struct v4l2_buffer buf = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP};
        if (xioctl(s->fd, VIDIOC_DQBUF, &buf) < 0) {
            int err = errno;
            if (err == ENODEV) {
                return device_lost(s, diag);
            }
            if (err == EAGAIN && ready == 1) {
                /* libv4l2 also says EAGAIN when it dropped a frame it could
                 * not convert; the stall timer still runs. */
                continue;
            }
            return romcv_diag_set(diag, ROMCV_ERR(err == EAGAIN ? EIO : err),
                                  "%s: cannot get a frame (%s)",
                                  device_label(s, label, sizeof label),
                                  err == EAGAIN ? "the device reports an error" : strerror(err));
        }
        waiting_since = monotonic_us();
        s->dequeued++;
        if (buf.index >= s->buffer_count) {
            return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: the driver returned buffer %u",
                                  device_label(s, label, sizeof label), buf.index);
        }
        size_t needed = s->bytesperline * (size_t)(s->height - 1) + 3 * (size_t)s->width;
        if ((buf.flags & V4L2_BUF_FLAG_ERROR) || buf.bytesused < needed ||
            s->buffers[buf.index].length < needed) {
            info->frames_lost++;
            requeue(s, &buf);
            continue;
        }
        int estimated;
        int64_t t_us = frame_time_us(s, &buf, info, &estimated);
        if (!s->have_first) {
            s->first_us = t_us;
            s->have_first = 1;
        }
        double time_s = (double)(t_us - s->first_us) * 1e-6;
        if (time_s < skip_before_s) {
            requeue(s, &buf);
            continue;
        }

        RomcvFrame *frame;
        int rc = romcv_frame_pool_get(pool, &frame, s->width, s->height, ROMCV_PIX_RGB24);
        if (rc < 0) {
            requeue(s, &buf);
            return romcv_diag_set(diag, rc, "%s: no frame buffer (%s)",
                                  device_label(s, label, sizeof label), romcv_strerror(rc));
        }
        copy_rgb(s, s->buffers[buf.index].start, frame);
        requeue(s, &buf);
        frame->time_s = time_s;
        frame->time_is_estimated = estimated;
        frame->rotation_deg = 0;
        *out = frame;
        return 0;
    }
}

const RomcvCaptureSource romcv__capture_v4l2 = {
    .name = "v4l2",
    .open = v4l2_source_open,
    .read = v4l2_source_read,
    .close = v4l2_source_close,
};
