/*
 * romcv/core.h: the conventions every romcv module shares.
 *
 * - Errors: functions return 0 on success or a negative code. Codes are either
 *   ROMCV_ERR(errno_value) (a negated errno, as in FFmpeg and dav1d) or one of
 *   romcv's own ROMCV_E_* codes below. A RomcvDiag carries the detailed message
 *   ("clip.mp4: no video stream") for the one call that failed.
 * - Logging: the library never prints. It hands messages to a RomcvLogger that
 *   the caller supplies (the CLI writes them to stderr).
 * - Frames: RomcvFrame is a reference-counted RGB image with its real
 *   presentation time. Frames come from a RomcvFramePool so that steady-state
 *   decoding allocates nothing.
 * - Memory: every object has a create/destroy pair; destroy takes a pointer to
 *   the handle, accepts NULL and sets the handle to NULL.
 *
 * There is no global state: everything lives in objects the caller owns, so
 * the library is reentrant and two analyses can run in one process.
 */
#ifndef ROMCV_CORE_H
#define ROMCV_CORE_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ROMCV_API                          __attribute__((visibility("default")))
#define ROMCV_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define ROMCV_API
#define ROMCV_PRINTF(fmt_index, first_arg)
#endif

/* ---------------------------------------------------------------- version */

#define ROMCV_VERSION_MAJOR 0
#define ROMCV_VERSION_MINOR 1
#define ROMCV_VERSION_PATCH 0

/* "0.1.0", static storage. */
ROMCV_API const char *romcv_version(void);
/* The git revision the library was built from ("a1b2c3d", "a1b2c3d-dirty" or
 * "unknown"), static storage. */
ROMCV_API const char *romcv_git_revision(void);

/* ----------------------------------------------------------------- errors */

/* A negated errno value: ROMCV_ERR(ENOMEM). */
#define ROMCV_ERR(e) (-(e))

/* romcv's own codes, far below any errno value. X-macro: name, value, text. */
#define ROMCV_ERROR_TABLE(X)                                          \
    X(ROMCV_E_INVALID_DATA, -0x10001, "invalid or corrupt data")      \
    X(ROMCV_E_UNSUPPORTED, -0x10002, "unsupported feature or format") \
    X(ROMCV_E_CHECKSUM, -0x10003, "checksum mismatch")                \
    X(ROMCV_E_NOT_FOUND, -0x10004, "not found")                       \
    X(ROMCV_E_EOF, -0x10005, "end of stream")                         \
    X(ROMCV_E_USAGE, -0x10006, "invalid usage")                       \
    X(ROMCV_E_DEVICE_LOST, -0x10007, "device disconnected")           \
    X(ROMCV_E_EXTERNAL, -0x10008, "error in an external library")     \
    X(ROMCV_E_INTERRUPTED, -0x10009, "interrupted")                   \
    X(ROMCV_E_NO_PERSON, -0x1000a, "no person in view")

enum RomcvErrorCode {
#define ROMCV_X_ENUM(name, value, text) name = value,
    ROMCV_ERROR_TABLE(ROMCV_X_ENUM)
#undef ROMCV_X_ENUM
};

/* Short human text for any code, romcv's or a negated errno. Never NULL. */
ROMCV_API const char *romcv_strerror(int code);
/* The symbolic name ("ROMCV_E_CHECKSUM", "ENOENT"), or "UNKNOWN". */
ROMCV_API const char *romcv_err_name(int code);

/* The detail of one failure. Callers pass a RomcvDiag * to calls that can
 * fail before an object exists (create, open); objects keep their own and
 * expose it through their *_errmsg() function. A NULL RomcvDiag * is allowed
 * everywhere and means "I only want the code". */
#define ROMCV_DIAG_MESSAGE_SIZE 512
typedef struct RomcvDiag {
    int code;                              /* 0, or the code of the last failure */
    char message[ROMCV_DIAG_MESSAGE_SIZE]; /* "" or one line, no trailing newline */
} RomcvDiag;

/* Records code and a printf-style message in diag (if not NULL) and returns
 * code, so that failures read: return romcv_diag_set(d, ROMCV_E_EOF, "..."). */
ROMCV_API int romcv_diag_set(RomcvDiag *diag, int code, const char *fmt, ...) ROMCV_PRINTF(3, 4);
ROMCV_API int romcv_diag_setv(RomcvDiag *diag, int code, const char *fmt, va_list args)
    ROMCV_PRINTF(3, 0);
/* Copies src into dst (either may be NULL) and returns src's code. */
ROMCV_API int romcv_diag_copy(RomcvDiag *dst, const RomcvDiag *src);
ROMCV_API void romcv_diag_clear(RomcvDiag *diag);

/* ---------------------------------------------------------------- logging */

typedef enum RomcvLogLevel {
    ROMCV_LOG_QUIET = -1, /* as a threshold: nothing */
    ROMCV_LOG_ERROR = 0,
    ROMCV_LOG_WARNING = 1,
    ROMCV_LOG_INFO = 2,
    ROMCV_LOG_VERBOSE = 3,
    ROMCV_LOG_DEBUG = 4,
} RomcvLogLevel;

/* Receives one complete message (no trailing newline). module is a static
 * string such as "capture" or "vision". Called from whichever thread logs, so
 * it must be thread-safe if the caller runs several threads. */
typedef void (*RomcvLogCallback)(void *cookie, RomcvLogLevel level, const char *module,
                                 const char *message);

typedef struct RomcvLogger {
    RomcvLogCallback callback; /* NULL: messages are dropped */
    void *cookie;              /* passed back to callback, not owned */
    RomcvLogLevel max_level;   /* messages above this level are dropped */
} RomcvLogger;

/* Formats and delivers a message; logger may be NULL. */
ROMCV_API void romcv_log(const RomcvLogger *logger, RomcvLogLevel level, const char *module,
                         const char *fmt, ...) ROMCV_PRINTF(4, 5);
ROMCV_API const char *romcv_log_level_name(RomcvLogLevel level);

/* ----------------------------------------------------------------- memory */

/* Alignment of frame rows and SIMD buffers, in bytes (AVX-512 width). */
#define ROMCV_ALIGNMENT 64

/* Aligned allocation; NULL on failure or when size is 0. Free with
 * romcv_free_aligned(). */
ROMCV_API void *romcv_malloc_aligned(size_t size);
ROMCV_API void romcv_free_aligned(void *ptr);

/* ----------------------------------------------------------------- frames */

typedef enum RomcvPixelFormat {
    ROMCV_PIX_RGB24 = 0, /* 3 bytes per pixel, R G B, 8 bit, sRGB */
    ROMCV_PIX_GRAY8 = 1, /* 1 byte per pixel */
} RomcvPixelFormat;

/* Bytes per pixel of format; 0 for an unknown format. */
ROMCV_API int romcv_pixel_format_bytes(RomcvPixelFormat format);

typedef struct RomcvFramePool RomcvFramePool;

/* One image with its time. Fields are read-only for everyone but the
 * producer that filled the frame. */
typedef struct RomcvFrame {
    uint8_t *data; /* first row, ROMCV_ALIGNMENT-aligned */
    int width;     /* px, after rotation */
    int height;    /* px, after rotation */
    int stride;    /* bytes from one row to the next, multiple of ROMCV_ALIGNMENT */
    RomcvPixelFormat format;
    double time_s;         /* presentation time in seconds from the start of the
                            * stream (video pts * time base, or camera clock);
                            * never index / nominal fps */
    int64_t index;         /* 0-based index of the frame in the delivered sequence */
    int rotation_deg;      /* clockwise rotation applied to make it upright: 0/90/180/270 */
    int time_is_estimated; /* 1 when the source had no timestamp and time_s was
                            * derived from the previous frame and the frame rate */
    /* private */
    RomcvFramePool *pool_; /* owner pool, or NULL for a standalone frame */
    int refcount_;         /* atomic; use romcv_frame_ref/unref */
    size_t capacity_;      /* bytes allocated at data */
} RomcvFrame;

/* A standalone frame of the given size (data zeroed), refcount 1.
 * Returns 0 and sets *out, or a negative code (ROMCV_ERR(EINVAL) for
 * dimensions <= 0 or above 16384, ROMCV_ERR(ENOMEM)). */
ROMCV_API int romcv_frame_create(RomcvFrame **out, int width, int height, RomcvPixelFormat format);
/* Adds a reference; returns frame. */
ROMCV_API RomcvFrame *romcv_frame_ref(RomcvFrame *frame);
/* Drops the caller's reference and sets *frame to NULL. The last reference
 * returns a pooled frame to its pool, or frees a standalone one. NULL-safe. */
ROMCV_API void romcv_frame_unref(RomcvFrame **frame);
/* Bytes needed for one row of width pixels, rounded up to ROMCV_ALIGNMENT. */
ROMCV_API int romcv_frame_stride_for(int width, RomcvPixelFormat format);

/* A bounded set of reusable frames. A pool owns at most max_frames frames;
 * romcv_frame_pool_get() blocks until one is free or the pool is closed, so
 * memory stays bounded however fast the producer is. Thread-safe. */
ROMCV_API int romcv_frame_pool_create(RomcvFramePool **out, int max_frames);
/* Gets a frame of at least width x height in format, refcount 1, contents
 * undefined. Reuses a free buffer when it is large enough, otherwise
 * reallocates it. Returns 0, ROMCV_E_INTERRUPTED if the pool was closed while
 * waiting, ROMCV_ERR(ENOMEM) or ROMCV_ERR(EINVAL). */
ROMCV_API int romcv_frame_pool_get(RomcvFramePool *pool, RomcvFrame **out, int width, int height,
                                   RomcvPixelFormat format);
/* Like get, but returns ROMCV_ERR(EAGAIN) at once when no frame is free. */
ROMCV_API int romcv_frame_pool_try_get(RomcvFramePool *pool, RomcvFrame **out, int width,
                                       int height, RomcvPixelFormat format);
/* Wakes every waiter with ROMCV_E_INTERRUPTED; later gets fail the same way. */
ROMCV_API void romcv_frame_pool_close(RomcvFramePool *pool);
/* Number of buffers allocated so far (for tests: steady state reuses them). */
ROMCV_API int romcv_frame_pool_allocations(const RomcvFramePool *pool);
/* Destroys the pool. Frames still referenced elsewhere stay valid: the pool
 * is freed when the last of them is unreferenced. NULL-safe; sets *pool NULL. */
ROMCV_API void romcv_frame_pool_destroy(RomcvFramePool **pool);

/* ----------------------------------------------------------------- SHA-256 */

typedef struct RomcvSha256 {
    uint32_t state[8];
    uint64_t length_bytes;
    uint8_t block[64];
    size_t block_used;
} RomcvSha256;

ROMCV_API void romcv_sha256_init(RomcvSha256 *ctx);
ROMCV_API void romcv_sha256_update(RomcvSha256 *ctx, const void *data, size_t size);
/* Writes the digest as 64 lower-case hex digits and a NUL into hex[65]. */
ROMCV_API void romcv_sha256_final_hex(RomcvSha256 *ctx, char hex[65]);
/* Hashes a whole file. Returns 0, or a negative code with diag naming the file. */
ROMCV_API int romcv_sha256_file(const char *path, char hex[65], RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_CORE_H */
