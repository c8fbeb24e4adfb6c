/*
 * romcv/capture.h: frames with real times, from a video file, a folder of
 * images or a V4L2 camera, behind one interface.
 *
 * A RomcvCapture runs its source (demux + decode + convert to RGB24, or the
 * camera's dequeue + convert) on its own thread into a bounded queue, so that
 * decoding overlaps the later stages while memory stays bounded: frames come
 * from a pool of settings.queue_frames + 2 buffers that are reused.
 *
 * Usage:
 *     RomcvCaptureSettings s;
 *     romcv_capture_default_settings(&s);
 *     s.input = "clip.mp4";
 *     RomcvCapture *cap;
 *     RomcvDiag diag;
 *     if (romcv_capture_open(&cap, &s, &diag) < 0) { puts(diag.message); ... }
 *     RomcvFrame *frame;
 *     int rc;
 *     while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
 *         ... use frame->data, frame->time_s ...
 *         romcv_frame_unref(&frame);
 *     }
 *     if (rc != ROMCV_E_EOF) puts(romcv_capture_errmsg(cap));
 *     romcv_capture_close(&cap);
 */
#ifndef ROMCV_CAPTURE_H
#define ROMCV_CAPTURE_H

#include "romcv/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum RomcvCaptureKind {
    ROMCV_CAPTURE_AUTO = 0,    /* decide from the input: "builtin:NAME" is built in, a
                                * V4L2 device node or "camera:N" is a camera, a folder
                                * or a glob pattern is an image sequence, else a video
                                * file */
    ROMCV_CAPTURE_FILE = 1,    /* a video file (FFmpeg) */
    ROMCV_CAPTURE_IMAGES = 2,  /* a folder or glob of PNG/JPEG, sorted naturally */
    ROMCV_CAPTURE_CAMERA = 3,  /* a V4L2 device: /dev/videoN, or camera:N for the Nth
                                * capture device in romcv_camera_list() order (what
                                * `romcv devices` prints; not the N of /dev/videoN) */
    ROMCV_CAPTURE_BUILTIN = 4, /* a clip generated in memory: "builtin:testcard" */
} RomcvCaptureKind;

ROMCV_API const char *romcv_capture_kind_name(RomcvCaptureKind kind);

typedef struct RomcvCaptureSettings {
    const char *input;     /* path, glob, device node or camera:N; not owned, must
                            * stay valid until romcv_capture_open returns */
    RomcvCaptureKind kind; /* default ROMCV_CAPTURE_AUTO */
    double from_s;         /* first time delivered, s; default 0 */
    double to_s;           /* last time delivered (inclusive), s; < 0: to the end
                            * (default -1). Frame-accurate: a frame is delivered
                            * iff from_s <= time_s <= to_s */
    double fps;            /* images: frame rate that gives their times (default 30);
                            * camera: requested rate, 0 for the driver's default */
    int width, height;     /* camera: requested size, 0 for the driver's default */
    int queue_frames;      /* decoded frames waiting for the consumer (default 4) */
    int decoder_threads;   /* FFmpeg decoder threads (default 1) */
    RomcvLogger logger;    /* warnings (lost frames, missing pts); may be zeroed */
    int reserved[8];       /* zero */
} RomcvCaptureSettings;

ROMCV_API void romcv_capture_default_settings(RomcvCaptureSettings *settings);

/* What the source is, filled at open and updated as frames are delivered. */
typedef struct RomcvCaptureInfo {
    RomcvCaptureKind kind;
    char input[1024];              /* the input as given */
    char container[64];            /* "mov,mp4,m4a,3gp,3g2,mj2", "image sequence", "v4l2" */
    char codec[64];                /* "h264", "vp9", "png", "YUYV", ... */
    char device_name[128];         /* camera: the driver's card name */
    int width, height;             /* delivered size, px, after rotation and aspect correction */
    int coded_width, coded_height; /* as stored in the stream, px */
    int sar_num, sar_den;          /* sample aspect ratio of the stream (1:1 if unknown) */
    int rotation_deg;              /* clockwise rotation applied: 0, 90, 180 or 270 */
    double nominal_fps;            /* the stream's average rate (or requested rate), 0 unknown */
    double duration_s;             /* < 0 when unknown */
    int64_t frames_expected;       /* from the container, < 0 when unknown */
    int64_t frames_delivered;      /* so far */
    int64_t frames_lost;           /* frames or packets that could not be decoded */
    int64_t frames_without_pts;    /* frames whose time had to be estimated */
    int damaged;                   /* 1 when the input ended early or held undecodable data
                                    * (truncated or corrupt file, unreadable images): the
                                    * stream still ends with ROMCV_E_EOF after every frame
                                    * that decoded, and romcv_capture_errmsg() says what
                                    * was lost. Camera frame drops do not count. */
    int64_t size_bytes;            /* file size, or total of the images; -1 for a camera */
} RomcvCaptureInfo;

typedef struct RomcvCapture RomcvCapture;

/* Opens the input and starts its thread. On success returns 0 and *out owns
 * the capture (close it with romcv_capture_close). On failure returns a
 * negative code, *out is NULL and diag (if not NULL) holds one line naming
 * the input and the problem ("x.mp4: not a video file (Invalid data found...)"). */
ROMCV_API int romcv_capture_open(RomcvCapture **out, const RomcvCaptureSettings *settings,
                                 RomcvDiag *diag);

/* Waits for the next frame. Returns 0 and a frame the caller now owns one
 * reference of (romcv_frame_unref it when done; holding more than
 * queue_frames frames at once stalls the producer); ROMCV_E_EOF at the normal
 * end; or a negative code, with romcv_capture_errmsg() saying what happened
 * (for example ROMCV_E_DEVICE_LOST when a camera is unplugged). Every frame
 * decoded before an error is delivered before the error is returned. */
ROMCV_API int romcv_capture_receive(RomcvCapture *capture, RomcvFrame **frame);

/* Asks the capture thread to stop; a waiting or later receive returns
 * ROMCV_E_INTERRUPTED. Safe to call from another thread. */
ROMCV_API void romcv_capture_interrupt(RomcvCapture *capture);

/* A snapshot of the info, valid until the next receive or close. */
ROMCV_API const RomcvCaptureInfo *romcv_capture_info(RomcvCapture *capture);

/* The last error's message ("" if none), valid until the next call. */
ROMCV_API const char *romcv_capture_errmsg(const RomcvCapture *capture);

/* Stops the thread, frees everything; frames still referenced stay valid.
 * NULL-safe; sets *capture to NULL. */
ROMCV_API void romcv_capture_close(RomcvCapture **capture);

/* FFmpeg prints its own diagnostics ("[h264 @ 0x...] error while decoding")
 * to stderr through a logger that is global to the process. romcv reports
 * every problem through RomcvDiag and the caller's RomcvLogger instead, so an
 * application normally silences FFmpeg's (ROMCV_LOG_QUIET) or lets its
 * errors and warnings through when debugging. Process-wide, because FFmpeg's
 * level is: call it from the application's main, never from library code. */
ROMCV_API void romcv_capture_set_ffmpeg_log_level(RomcvLogLevel level);

/* ------------------------------------------------------------ V4L2 devices */

typedef struct RomcvCameraMode {
    char fourcc[5];    /* "YUYV", "MJPG", ... */
    int width, height; /* px */
    double fps;        /* frames per second (0 when the driver does not say) */
} RomcvCameraMode;

typedef struct RomcvCameraDevice {
    char path[64];  /* /dev/videoN */
    char card[128]; /* the driver's name for the device */
    char driver[32];
    char bus_info[64];
    int mode_count;
    RomcvCameraMode *modes; /* owned by the list */
} RomcvCameraDevice;

/* Lists the video capture devices under /dev (or dev_dir when not NULL, for
 * tests) with every format, size and rate they offer. On success *out and
 * *count describe an array the caller frees with romcv_camera_list_free.
 * No device is not an error: *count is 0. */
ROMCV_API int romcv_camera_list(const char *dev_dir, RomcvCameraDevice **out, int *count,
                                RomcvDiag *diag);
ROMCV_API void romcv_camera_list_free(RomcvCameraDevice **list, int count);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_CAPTURE_H */
