/*
 * tests/capture/fake_v4l2.c: a V4L2 camera emulated in user space, loaded
 * with LD_PRELOAD so that romcv's real V4L2 code (capture/v4l2_*.c, through
 * Debian's libv4l2 and libv4lconvert) can be tested where there is no camera
 * and no vivid kernel module, as in CI.
 *
 * How the calls reach us. libv4l2 1.22 never calls the libc wrappers it
 * mimics: it goes through syscall(SYS_openat / SYS_close / SYS_ioctl /
 * SYS_mmap / SYS_munmap / SYS_dup), and libv4lconvert's default device ops
 * use syscall(SYS_ioctl / SYS_read / SYS_write) (checked with
 * `objdump -d libv4l2.so.0 | grep -B12 syscall@plt`). romcv's device listing
 * uses plain open() and ioctl(), and its stream loop uses poll(). So this
 * library interposes syscall() and the libc open family, close, ioctl and
 * poll, and handles them for one device path; every other call is passed on
 * unchanged.
 *
 * The file descriptor is real: opening the fake path returns a memfd. The
 * kernel then does the right thing for close, dup and fcntl, and mmap of a
 * buffer offset maps the memfd pages the emulated driver writes frames into,
 * whichever way libv4l2 calls mmap; so mmap needs no interposition at all.
 *
 * Under AddressSanitizer this library must come after the ASan runtime in
 * LD_PRELOAD (ASan insists on being first). ASan's own ioctl and poll
 * interceptors then forward to ours through dlsym(RTLD_NEXT). The library is
 * built without sanitizers so that it does not depend on their runtime.
 *
 * Configuration, read from the environment at each open of the device:
 *   FAKE_V4L2_DEVICE      the path that is the camera (required; unset: inert)
 *   FAKE_V4L2_FRAMES=N    unplug after N frames: later calls fail with ENODEV
 *                         and poll reports POLLERR | POLLHUP
 *   FAKE_V4L2_STALL=N     deliver N frames, then never another one
 *   FAKE_V4L2_REFUSE_ALL=1  offer only H.264 and refuse every S_FMT/TRY_FMT
 *   FAKE_V4L2_TRACE=1     print every emulated call to stderr
 *
 * The camera offers YUYV at 640x480 (the default) and 320x240, each at 30
 * and 15 frames per second. Frame k is grey (U = V = 128) with luma
 *     Y(x, y, k) = 16 + (x + 2 y + 5 k) mod 220
 * and its monotonic timestamp is the STREAMON time plus k frame periods plus
 * a jitter of (k mod 3) * 2 ms; frames are released in real time at those
 * instants. tests/capture/test_capture_v4l2.c states the same formulas.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define FAKE_API __attribute__((visibility("default")))

/* Entry points that no header declares in every configuration. */
FAKE_API int __open_2(const char *path, int flags);
FAKE_API int __open64_2(const char *path, int flags);
FAKE_API int fake_v4l2_loaded(void);

#define FAKE_MAX_FDS     8
#define FAKE_MAX_BUFFERS 8
#define FAKE_JITTER_NS   2000000LL

typedef struct FakeSize {
    uint32_t width, height;
} FakeSize;

static const FakeSize fake_sizes[] = {{640, 480}, {320, 240}};
static const uint32_t fake_rates[] = {30, 15}; /* frames per second */

/* One open file description of the emulated device. */
typedef struct FakeDevice {
    int fd; /* -1: slot free */
    int nonblocking;
    int refuse_all;
    long unplug_after; /* frames; < 0: never */
    long stall_after;  /* frames; < 0: never */
    int gone;          /* unplugged: every call fails with ENODEV */

    uint32_t width, height, fps;

    int streaming;
    unsigned buffer_count;
    size_t buffer_size;               /* page-aligned stride between buffers in the memfd */
    uint8_t *map;                     /* our own mapping of all buffers */
    unsigned queue[FAKE_MAX_BUFFERS]; /* queued buffer indices, oldest first */
    unsigned queue_len;
    int queued[FAKE_MAX_BUFFERS];
    long next_frame;
    int64_t start_ns; /* CLOCK_MONOTONIC at STREAMON */
} FakeDevice;

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static FakeDevice fake_devices[FAKE_MAX_FDS] = {
    {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1},
};

/* ------------------------------------------------------- the real calls */

typedef long (*SyscallFn)(long, ...);
typedef int (*OpenFn)(const char *, int, ...);
typedef int (*OpenatFn)(int, const char *, int, ...);
typedef int (*Open2Fn)(const char *, int);
typedef int (*CloseFn)(int);
typedef int (*IoctlFn)(int, unsigned long, ...);
typedef int (*PollFn)(struct pollfd *, nfds_t, int);

/* dlsym(RTLD_NEXT) finds the definition after ours: libc's, or when ASan
 * comes later in the order, its interceptor. Looked up on first use because
 * a preloaded library's calls can arrive before its constructors run. */
static void *real_symbol(const char *name) {
    void *sym = dlsym(RTLD_NEXT, name);
    if (!sym) {
        static const char msg[] = "fake_v4l2: a libc symbol is missing\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
    return sym;
}

#define REAL(type, name)                        \
    static type real_##name;                    \
    if (!real_##name) {                         \
        real_##name = (type)real_symbol(#name); \
    }

/* ------------------------------------------------------------- helpers */

static int trace_enabled(void) {
    const char *t = getenv("FAKE_V4L2_TRACE");
    return t && *t && strcmp(t, "0") != 0;
}

static void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void trace(const char *fmt, ...) {
    if (!trace_enabled()) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    fputs("fake_v4l2: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
}

static long env_long(const char *name, long fallback) {
    const char *v = getenv(name);
    if (!v || !*v) {
        return fallback;
    }
    return strtol(v, NULL, 10);
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ns(int64_t ns) {
    if (ns <= 0) {
        return;
    }
    struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
    nanosleep(&ts, NULL);
}

static int is_fake_path(const char *path) {
    const char *dev = getenv("FAKE_V4L2_DEVICE");
    return path && dev && *dev && strcmp(path, dev) == 0;
}

/* The device behind fd, or NULL. Called with fake_lock held. */
static FakeDevice *find_device(int fd) {
    if (fd < 0) {
        return NULL;
    }
    for (int i = 0; i < FAKE_MAX_FDS; i++) {
        if (fake_devices[i].fd == fd) {
            return &fake_devices[i];
        }
    }
    return NULL;
}

static int64_t frame_due_ns(const FakeDevice *d, long k) {
    return d->start_ns + (int64_t)k * 1000000000LL / d->fps + (k % 3) * FAKE_JITTER_NS;
}

static uint32_t frame_bytes(const FakeDevice *d) {
    return d->width * d->height * 2;
}

/* Moves the device to "unplugged" once the frame after the last one it was
 * allowed to deliver falls due, so every delivered frame is requeued first,
 * as with a real cable pulled between two frames. */
static void update_unplug(FakeDevice *d) {
    if (!d->gone && d->streaming && d->unplug_after >= 0 && d->next_frame >= d->unplug_after &&
        now_ns() >= frame_due_ns(d, d->next_frame)) {
        d->gone = 1;
        trace("fd %d unplugged after %ld frames", d->fd, d->next_frame);
    }
}

static int frame_ready(FakeDevice *d) {
    if (!d->streaming || d->queue_len == 0) {
        return 0;
    }
    if (d->stall_after >= 0 && d->next_frame >= d->stall_after) {
        return 0;
    }
    if (d->unplug_after >= 0 && d->next_frame >= d->unplug_after) {
        return 0;
    }
    return now_ns() >= frame_due_ns(d, d->next_frame);
}

/* ------------------------------------------------------------- open/close */

static int fake_open(const char *path, int flags) {
    int fd = memfd_create("fake_v4l2", MFD_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    pthread_mutex_lock(&fake_lock);
    FakeDevice *d = NULL;
    for (int i = 0; i < FAKE_MAX_FDS && !d; i++) {
        if (fake_devices[i].fd < 0) {
            d = &fake_devices[i];
        }
    }
    if (!d) {
        pthread_mutex_unlock(&fake_lock);
        close(fd);
        errno = EBUSY;
        return -1;
    }
    memset(d, 0, sizeof *d);
    d->fd = fd;
    d->nonblocking = (flags & O_NONBLOCK) != 0;
    d->refuse_all = env_long("FAKE_V4L2_REFUSE_ALL", 0) != 0;
    d->unplug_after = env_long("FAKE_V4L2_FRAMES", -1);
    d->stall_after = env_long("FAKE_V4L2_STALL", -1);
    d->width = fake_sizes[0].width;
    d->height = fake_sizes[0].height;
    d->fps = fake_rates[0];
    pthread_mutex_unlock(&fake_lock);
    trace("open %s -> fd %d%s", path, fd, d->nonblocking ? " (nonblocking)" : "");
    return fd;
}

static void release_buffers(FakeDevice *d) {
    if (d->map) {
        munmap(d->map, d->buffer_size * d->buffer_count);
    }
    d->map = NULL;
    d->buffer_count = 0;
    d->queue_len = 0;
    memset(d->queued, 0, sizeof d->queued);
}

/* Forgets fd if it is ours; the caller closes the real descriptor. */
static void fake_forget(int fd) {
    pthread_mutex_lock(&fake_lock);
    FakeDevice *d = find_device(fd);
    if (d) {
        release_buffers(d);
        d->fd = -1;
        trace("close fd %d", fd);
    }
    pthread_mutex_unlock(&fake_lock);
}

/* ------------------------------------------------------------- ioctls */

static void fill_buffer_info(const FakeDevice *d, unsigned index, struct v4l2_buffer *b) {
    memset(b, 0, sizeof *b);
    b->index = index;
    b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b->memory = V4L2_MEMORY_MMAP;
    b->m.offset = (uint32_t)(index * d->buffer_size);
    b->length = frame_bytes(d);
    b->field = V4L2_FIELD_NONE;
    b->flags = V4L2_BUF_FLAG_MAPPED | V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC |
               (d->queued[index] ? V4L2_BUF_FLAG_QUEUED : 0);
}

static void draw_frame(const FakeDevice *d, uint8_t *dst, long k) {
    for (uint32_t y = 0; y < d->height; y++) {
        uint8_t *row = dst + (size_t)y * d->width * 2;
        for (uint32_t x = 0; x < d->width; x += 2) {
            row[2 * x + 0] = (uint8_t)(16 + (x + 2 * y + 5 * k) % 220);
            row[2 * x + 1] = 128;
            row[2 * x + 2] = (uint8_t)(16 + (x + 1 + 2 * y + 5 * k) % 220);
            row[2 * x + 3] = 128;
        }
    }
}

static void fill_format(const FakeDevice *d, struct v4l2_format *f) {
    memset(&f->fmt.pix, 0, sizeof f->fmt.pix);
    f->fmt.pix.width = d->width;
    f->fmt.pix.height = d->height;
    f->fmt.pix.field = V4L2_FIELD_NONE;
    f->fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
    if (d->refuse_all) {
        f->fmt.pix.pixelformat = V4L2_PIX_FMT_H264;
        f->fmt.pix.sizeimage = frame_bytes(d);
    } else {
        f->fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
        f->fmt.pix.bytesperline = d->width * 2;
        f->fmt.pix.sizeimage = frame_bytes(d);
    }
}

/* Chooses the offered size nearest to the request, as drivers do. */
static FakeSize nearest_size(uint32_t width, uint32_t height) {
    FakeSize best = fake_sizes[0];
    long best_cost = -1;
    for (size_t i = 0; i < sizeof fake_sizes / sizeof fake_sizes[0]; i++) {
        long cost = labs((long)fake_sizes[i].width - (long)width) +
                    labs((long)fake_sizes[i].height - (long)height);
        if (best_cost < 0 || cost < best_cost) {
            best = fake_sizes[i];
            best_cost = cost;
        }
    }
    return best;
}

static int size_offered(uint32_t width, uint32_t height) {
    for (size_t i = 0; i < sizeof fake_sizes / sizeof fake_sizes[0]; i++) {
        if (fake_sizes[i].width == width && fake_sizes[i].height == height) {
            return 1;
        }
    }
    return 0;
}

static int ioctl_capture(FakeDevice *d, unsigned long request, void *arg);

/* Emulates one ioctl; returns 0 or -1 with errno, like the system call. */
static int fake_ioctl(int fd, unsigned long request, void *arg) {
    pthread_mutex_lock(&fake_lock);
    FakeDevice *d = find_device(fd);
    if (!d) {
        pthread_mutex_unlock(&fake_lock);
        errno = EBADF;
        return -1;
    }
    update_unplug(d);
    int rc;
    if (d->gone) {
        errno = ENODEV;
        rc = -1;
    } else {
        rc = ioctl_capture(d, request, arg);
    }
    int saved = errno;
    trace("ioctl fd %d %s nr %lu -> %d%s%s", fd, (request >> 8 & 0xff) == 'V' ? "VIDIOC" : "other",
          request & 0xff, rc, rc ? " " : "", rc ? strerror(saved) : "");
    pthread_mutex_unlock(&fake_lock);
    errno = saved;
    return rc;
}

static int fail(int err) {
    errno = err;
    return -1;
}

/* The dequeue half of DQBUF; called with fake_lock held and a frame ready. */
static void dequeue_ready(FakeDevice *d, struct v4l2_buffer *b) {
    unsigned index = d->queue[0];
    memmove(d->queue, d->queue + 1, (d->queue_len - 1) * sizeof d->queue[0]);
    d->queue_len--;
    d->queued[index] = 0;
    long k = d->next_frame++;
    draw_frame(d, d->map + index * d->buffer_size, k);
    fill_buffer_info(d, index, b);
    int64_t due = frame_due_ns(d, k);
    b->bytesused = frame_bytes(d);
    b->sequence = (uint32_t)k;
    b->timestamp.tv_sec = due / 1000000000LL;
    b->timestamp.tv_usec = due % 1000000000LL / 1000;
}

static int ioctl_capture(FakeDevice *d, unsigned long request, void *arg) {
    switch ((unsigned)request) {
    case VIDIOC_QUERYCAP: {
        struct v4l2_capability *cap = arg;
        memset(cap, 0, sizeof *cap);
        snprintf((char *)cap->driver, sizeof cap->driver, "fake_v4l2");
        snprintf((char *)cap->card, sizeof cap->card, "Fake Camera");
        snprintf((char *)cap->bus_info, sizeof cap->bus_info, "usb-fake-1");
        cap->version = 0x060100;
        cap->device_caps = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_STREAMING;
        cap->capabilities = cap->device_caps | V4L2_CAP_DEVICE_CAPS;
        return 0;
    }
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || f->index != 0) {
            return fail(EINVAL);
        }
        uint32_t index = f->index, type = f->type;
        memset(f, 0, sizeof *f);
        f->index = index;
        f->type = type;
        if (d->refuse_all) {
            f->flags = V4L2_FMT_FLAG_COMPRESSED;
            f->pixelformat = V4L2_PIX_FMT_H264;
            snprintf((char *)f->description, sizeof f->description, "H.264");
        } else {
            f->pixelformat = V4L2_PIX_FMT_YUYV;
            snprintf((char *)f->description, sizeof f->description, "YUYV 4:2:2");
        }
        return 0;
    }
    case VIDIOC_ENUM_FRAMESIZES: {
        struct v4l2_frmsizeenum *s = arg;
        uint32_t want = d->refuse_all ? V4L2_PIX_FMT_H264 : V4L2_PIX_FMT_YUYV;
        if (s->pixel_format != want || s->index >= sizeof fake_sizes / sizeof fake_sizes[0]) {
            return fail(EINVAL);
        }
        s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
        s->discrete.width = fake_sizes[s->index].width;
        s->discrete.height = fake_sizes[s->index].height;
        return 0;
    }
    case VIDIOC_ENUM_FRAMEINTERVALS: {
        struct v4l2_frmivalenum *iv = arg;
        uint32_t want = d->refuse_all ? V4L2_PIX_FMT_H264 : V4L2_PIX_FMT_YUYV;
        if (iv->pixel_format != want || !size_offered(iv->width, iv->height) ||
            iv->index >= sizeof fake_rates / sizeof fake_rates[0]) {
            return fail(EINVAL);
        }
        iv->type = V4L2_FRMIVAL_TYPE_DISCRETE;
        iv->discrete.numerator = 1;
        iv->discrete.denominator = fake_rates[iv->index];
        return 0;
    }
    case VIDIOC_G_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) {
            return fail(EINVAL);
        }
        fill_format(d, f);
        return 0;
    }
    case VIDIOC_TRY_FMT:
    case VIDIOC_S_FMT: {
        struct v4l2_format *f = arg;
        if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || d->refuse_all) {
            return fail(EINVAL);
        }
        if ((unsigned)request == VIDIOC_S_FMT && d->buffer_count) {
            return fail(EBUSY);
        }
        FakeSize size = nearest_size(f->fmt.pix.width, f->fmt.pix.height);
        if ((unsigned)request == VIDIOC_S_FMT) {
            d->width = size.width;
            d->height = size.height;
            fill_format(d, f);
        } else {
            FakeDevice tried = *d;
            tried.width = size.width;
            tried.height = size.height;
            fill_format(&tried, f);
        }
        return 0;
    }
    case VIDIOC_G_PARM:
    case VIDIOC_S_PARM: {
        struct v4l2_streamparm *p = arg;
        if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) {
            return fail(EINVAL);
        }
        if ((unsigned)request == VIDIOC_S_PARM) {
            const struct v4l2_fract *t = &p->parm.capture.timeperframe;
            double asked = t->numerator ? (double)t->denominator / t->numerator : 0.0;
            d->fps = asked > 0 && asked < 22.5 ? fake_rates[1] : fake_rates[0];
        }
        memset(&p->parm.capture, 0, sizeof p->parm.capture);
        p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
        p->parm.capture.timeperframe.numerator = 1;
        p->parm.capture.timeperframe.denominator = d->fps;
        return 0;
    }
    case VIDIOC_REQBUFS: {
        struct v4l2_requestbuffers *r = arg;
        if (r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || r->memory != V4L2_MEMORY_MMAP) {
            return fail(EINVAL);
        }
        if (d->streaming) {
            return fail(EBUSY);
        }
        release_buffers(d);
        if (r->count == 0) {
            return 0;
        }
        unsigned count = r->count < 2                  ? 2
                         : r->count > FAKE_MAX_BUFFERS ? FAKE_MAX_BUFFERS
                                                       : r->count;
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        d->buffer_size = (frame_bytes(d) + page - 1) / page * page;
        if (ftruncate(d->fd, (off_t)(d->buffer_size * count)) != 0) {
            return -1;
        }
        void *map =
            mmap(NULL, d->buffer_size * count, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
        if (map == MAP_FAILED) {
            return -1;
        }
        d->map = map;
        d->buffer_count = count;
        r->count = count;
        return 0;
    }
    case VIDIOC_QUERYBUF: {
        struct v4l2_buffer *b = arg;
        if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->index >= d->buffer_count) {
            return fail(EINVAL);
        }
        fill_buffer_info(d, b->index, b);
        return 0;
    }
    case VIDIOC_QBUF: {
        struct v4l2_buffer *b = arg;
        if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->memory != V4L2_MEMORY_MMAP ||
            b->index >= d->buffer_count || d->queued[b->index]) {
            return fail(EINVAL);
        }
        d->queued[b->index] = 1;
        d->queue[d->queue_len++] = b->index;
        fill_buffer_info(d, b->index, b);
        return 0;
    }
    case VIDIOC_DQBUF: {
        struct v4l2_buffer *b = arg;
        if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->memory != V4L2_MEMORY_MMAP) {
            return fail(EINVAL);
        }
        while (!frame_ready(d)) {
            if (!d->streaming) {
                return fail(EINVAL);
            }
            if (d->nonblocking) {
                return fail(EAGAIN);
            }
            /* A blocking DQBUF waits, as the driver would, for ever if the
             * camera stalls; romcv opens cameras non-blocking. */
            pthread_mutex_unlock(&fake_lock);
            sleep_ns(1000000);
            pthread_mutex_lock(&fake_lock);
            update_unplug(d);
            if (d->gone) {
                return fail(ENODEV);
            }
        }
        dequeue_ready(d, b);
        return 0;
    }
    case VIDIOC_STREAMON:
        if (d->buffer_count == 0) {
            return fail(EINVAL);
        }
        if (!d->streaming) {
            d->streaming = 1;
            d->next_frame = 0;
            d->start_ns = now_ns();
        }
        return 0;
    case VIDIOC_STREAMOFF:
        d->streaming = 0;
        d->queue_len = 0;
        memset(d->queued, 0, sizeof d->queued);
        return 0;
    default:
        return fail(ENOTTY);
    }
}

/* ------------------------------------------------------------- poll */

/* The events the device reports now, like v4l2_poll/vb2_poll in the kernel. */
static short device_events(FakeDevice *d, short wanted) {
    update_unplug(d);
    if (d->gone) {
        return POLLERR | POLLHUP | POLLPRI;
    }
    if (!d->streaming) {
        return POLLERR;
    }
    return frame_ready(d) ? (short)(wanted & (POLLIN | POLLRDNORM)) : 0;
}

static int fake_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms, PollFn real) {
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int ready = 0;
        pthread_mutex_lock(&fake_lock);
        for (nfds_t i = 0; i < nfds; i++) {
            FakeDevice *d = find_device(fds[i].fd);
            if (!d) {
                continue;
            }
            fds[i].revents = device_events(d, fds[i].events);
            ready += fds[i].revents != 0;
        }
        pthread_mutex_unlock(&fake_lock);
        /* The other descriptors, if any, are asked without waiting: this
         * keeps the emulation simple at the cost of 1 ms polling steps. */
        for (nfds_t i = 0; i < nfds; i++) {
            pthread_mutex_lock(&fake_lock);
            int ours = find_device(fds[i].fd) != NULL;
            pthread_mutex_unlock(&fake_lock);
            if (ours) {
                continue;
            }
            fds[i].revents = 0;
            if (fds[i].fd >= 0 && real(&fds[i], 1, 0) > 0) {
                ready++;
            }
        }
        if (ready) {
            return ready;
        }
        int64_t left = deadline - now_ns();
        if (left <= 0) {
            return 0;
        }
        sleep_ns(left < 1000000 ? left : 1000000);
    }
}

static int has_fake_fd(const struct pollfd *fds, nfds_t nfds) {
    int found = 0;
    pthread_mutex_lock(&fake_lock);
    for (nfds_t i = 0; i < nfds && !found; i++) {
        found = find_device(fds[i].fd) != NULL;
    }
    pthread_mutex_unlock(&fake_lock);
    return found;
}

/* ------------------------------------------------------------- interposers */

FAKE_API int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
    REAL(PollFn, poll);
    if (has_fake_fd(fds, nfds)) {
        return fake_poll(fds, nfds, timeout, real_poll);
    }
    return real_poll(fds, nfds, timeout);
}

FAKE_API int ioctl(int fd, unsigned long request, ...) {
    REAL(IoctlFn, ioctl);
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    pthread_mutex_lock(&fake_lock);
    int ours = find_device(fd) != NULL;
    pthread_mutex_unlock(&fake_lock);
    if (ours) {
        return fake_ioctl(fd, request, arg);
    }
    return real_ioctl(fd, request, arg);
}

FAKE_API int close(int fd) {
    REAL(CloseFn, close);
    fake_forget(fd);
    return real_close(fd);
}

static mode_t open_mode(int flags, va_list ap) {
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

FAKE_API int open(const char *path, int flags, ...) {
    REAL(OpenFn, open);
    if (is_fake_path(path)) {
        return fake_open(path, flags);
    }
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    return real_open(path, flags, mode);
}

FAKE_API int open64(const char *path, int flags, ...) {
    REAL(OpenFn, open64);
    if (is_fake_path(path)) {
        return fake_open(path, flags);
    }
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    return real_open64(path, flags, mode);
}

FAKE_API int openat(int dirfd, const char *path, int flags, ...) {
    REAL(OpenatFn, openat);
    if (is_fake_path(path)) {
        return fake_open(path, flags);
    }
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    return real_openat(dirfd, path, flags, mode);
}

FAKE_API int openat64(int dirfd, const char *path, int flags, ...) {
    REAL(OpenatFn, openat64);
    if (is_fake_path(path)) {
        return fake_open(path, flags);
    }
    va_list ap;
    va_start(ap, flags);
    mode_t mode = open_mode(flags, ap);
    va_end(ap);
    return real_openat64(dirfd, path, flags, mode);
}

/* The _FORTIFY_SOURCE entry points for open without a mode. */
FAKE_API int __open_2(const char *path, int flags) {
    REAL(Open2Fn, __open_2);
    return is_fake_path(path) ? fake_open(path, flags) : real___open_2(path, flags);
}

FAKE_API int __open64_2(const char *path, int flags) {
    REAL(Open2Fn, __open64_2);
    return is_fake_path(path) ? fake_open(path, flags) : real___open64_2(path, flags);
}

/* libv4l2 and libv4lconvert reach the device only through here. Like glibc's
 * own syscall(), this reads six argument words whatever the call: the x86-64
 * and AArch64 calling conventions make the extra ones harmless garbage. */
FAKE_API long syscall(long number, ...) {
    REAL(SyscallFn, syscall);
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++) {
        a[i] = va_arg(ap, long);
    }
    va_end(ap);
    switch (number) {
#ifdef SYS_open
    case SYS_open:
        if (is_fake_path((const char *)a[0])) {
            return fake_open((const char *)a[0], (int)a[1]);
        }
        break;
#endif
    case SYS_openat:
        if (is_fake_path((const char *)a[1])) {
            return fake_open((const char *)a[1], (int)a[2]);
        }
        break;
    case SYS_close:
        fake_forget((int)a[0]);
        break;
    case SYS_ioctl: {
        pthread_mutex_lock(&fake_lock);
        int ours = find_device((int)a[0]) != NULL;
        pthread_mutex_unlock(&fake_lock);
        if (ours) {
            return fake_ioctl((int)a[0], (unsigned long)a[1], (void *)a[2]);
        }
        break;
    }
    default:
        break;
    }
    return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* Lets a test check that it really runs on top of this library. */
FAKE_API int fake_v4l2_loaded(void) {
    return 1;
}
