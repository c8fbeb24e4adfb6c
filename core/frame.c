/*
 * core/frame.c: reference-counted frames and the bounded frame pool.
 *
 * Why a pool: capture decodes ahead of the consumer on its own thread. The
 * pool caps how many frames exist at once (memory stays bounded whatever the
 * video length or the consumer's speed) and hands the same buffers out again,
 * so the steady state allocates nothing.
 */
#include "romcv/core.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The largest side romcv accepts: beyond any camera, and small enough that
 * stride * height cannot overflow. */
#define ROMCV_FRAME_MAX_SIDE 16384

struct RomcvFramePool {
    pthread_mutex_t lock;
    pthread_cond_t frame_returned;
    int max_frames;
    int outstanding; /* frames handed out and not yet returned */
    int allocated;   /* frames that exist (free + outstanding) */
    int allocations; /* buffer (re)allocations so far */
    bool closed;
    bool destroyed; /* destroy called; the last returned frame frees the pool */
    RomcvFrame **free_frames;
    int free_count;
};

int romcv_pixel_format_bytes(RomcvPixelFormat format) {
    switch (format) {
    case ROMCV_PIX_RGB24:
        return 3;
    case ROMCV_PIX_GRAY8:
        return 1;
    }
    return 0;
}

int romcv_frame_stride_for(int width, RomcvPixelFormat format) {
    int bytes = romcv_pixel_format_bytes(format);
    if (width <= 0 || width > ROMCV_FRAME_MAX_SIDE || bytes == 0) {
        return 0;
    }
    int row = width * bytes;
    return (row + ROMCV_ALIGNMENT - 1) / ROMCV_ALIGNMENT * ROMCV_ALIGNMENT;
}

static bool frame_size_valid(int width, int height, RomcvPixelFormat format) {
    return width > 0 && height > 0 && width <= ROMCV_FRAME_MAX_SIDE &&
           height <= ROMCV_FRAME_MAX_SIDE && romcv_pixel_format_bytes(format) > 0;
}

/* Makes frame hold a width x height image, reusing its buffer when it is big
 * enough. Returns true when it had to allocate. */
static int frame_reshape(RomcvFrame *frame, int width, int height, RomcvPixelFormat format,
                         bool *allocated) {
    int stride = romcv_frame_stride_for(width, format);
    size_t needed = (size_t)stride * (size_t)height;
    *allocated = false;
    if (needed > frame->capacity_) {
        uint8_t *data = romcv_malloc_aligned(needed);
        if (!data) {
            return ROMCV_ERR(ENOMEM);
        }
        romcv_free_aligned(frame->data);
        frame->data = data;
        frame->capacity_ = needed;
        *allocated = true;
    }
    frame->width = width;
    frame->height = height;
    frame->stride = stride;
    frame->format = format;
    frame->time_s = 0.0;
    frame->index = 0;
    frame->rotation_deg = 0;
    frame->time_is_estimated = 0;
    __atomic_store_n(&frame->refcount_, 1, __ATOMIC_RELAXED);
    return 0;
}

int romcv_frame_create(RomcvFrame **out, int width, int height, RomcvPixelFormat format) {
    if (!out) {
        return ROMCV_ERR(EINVAL);
    }
    *out = NULL;
    if (!frame_size_valid(width, height, format)) {
        return ROMCV_ERR(EINVAL);
    }
    RomcvFrame *frame = calloc(1, sizeof *frame);
    if (!frame) {
        return ROMCV_ERR(ENOMEM);
    }
    bool allocated;
    int rc = frame_reshape(frame, width, height, format, &allocated);
    if (rc < 0) {
        free(frame);
        return rc;
    }
    memset(frame->data, 0, frame->capacity_);
    *out = frame;
    return 0;
}

RomcvFrame *romcv_frame_ref(RomcvFrame *frame) {
    if (frame) {
        __atomic_add_fetch(&frame->refcount_, 1, __ATOMIC_RELAXED);
    }
    return frame;
}

static void frame_free(RomcvFrame *frame) {
    romcv_free_aligned(frame->data);
    free(frame);
}

static void pool_free(RomcvFramePool *pool) {
    for (int i = 0; i < pool->free_count; i++) {
        frame_free(pool->free_frames[i]);
    }
    free(pool->free_frames);
    pthread_cond_destroy(&pool->frame_returned);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

static void pool_return(RomcvFramePool *pool, RomcvFrame *frame) {
    pthread_mutex_lock(&pool->lock);
    pool->outstanding--;
    if (pool->destroyed) {
        frame_free(frame);
        pool->allocated--;
        bool last = pool->outstanding == 0;
        pthread_mutex_unlock(&pool->lock);
        if (last) {
            pool_free(pool);
        }
        return;
    }
    pool->free_frames[pool->free_count++] = frame;
    pthread_cond_signal(&pool->frame_returned);
    pthread_mutex_unlock(&pool->lock);
}

void romcv_frame_unref(RomcvFrame **frame) {
    if (!frame || !*frame) {
        return;
    }
    RomcvFrame *f = *frame;
    *frame = NULL;
    /* acq_rel: the thread that drops the last reference must see every write
     * the other holders made before it frees or recycles the buffer. */
    if (__atomic_sub_fetch(&f->refcount_, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    if (f->pool_) {
        pool_return(f->pool_, f);
    } else {
        frame_free(f);
    }
}

int romcv_frame_pool_create(RomcvFramePool **out, int max_frames) {
    if (!out) {
        return ROMCV_ERR(EINVAL);
    }
    *out = NULL;
    if (max_frames <= 0 || max_frames > 1024) {
        return ROMCV_ERR(EINVAL);
    }
    RomcvFramePool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        return ROMCV_ERR(ENOMEM);
    }
    pool->free_frames = calloc((size_t)max_frames, sizeof *pool->free_frames);
    if (!pool->free_frames) {
        free(pool);
        return ROMCV_ERR(ENOMEM);
    }
    pool->max_frames = max_frames;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->frame_returned, NULL);
    *out = pool;
    return 0;
}

/* Called with the lock held and a frame available (free or allocatable). */
static int pool_take_locked(RomcvFramePool *pool, RomcvFrame **out, int width, int height,
                            RomcvPixelFormat format) {
    RomcvFrame *frame;
    bool is_new = false;
    if (pool->free_count > 0) {
        frame = pool->free_frames[--pool->free_count];
    } else {
        frame = calloc(1, sizeof *frame);
        if (!frame) {
            return ROMCV_ERR(ENOMEM);
        }
        frame->pool_ = pool;
        is_new = true;
    }
    bool allocated;
    int rc = frame_reshape(frame, width, height, format, &allocated);
    if (rc < 0) {
        if (is_new) {
            free(frame);
        } else {
            pool->free_frames[pool->free_count++] = frame;
        }
        return rc;
    }
    if (is_new) {
        pool->allocated++;
    }
    if (allocated) {
        pool->allocations++;
    }
    pool->outstanding++;
    *out = frame;
    return 0;
}

static int pool_get(RomcvFramePool *pool, RomcvFrame **out, int width, int height,
                    RomcvPixelFormat format, bool wait) {
    if (!pool || !out) {
        return ROMCV_ERR(EINVAL);
    }
    *out = NULL;
    if (!frame_size_valid(width, height, format)) {
        return ROMCV_ERR(EINVAL);
    }
    pthread_mutex_lock(&pool->lock);
    int rc;
    for (;;) {
        if (pool->closed) {
            rc = ROMCV_E_INTERRUPTED;
            break;
        }
        if (pool->free_count > 0 || pool->allocated < pool->max_frames) {
            rc = pool_take_locked(pool, out, width, height, format);
            break;
        }
        if (!wait) {
            rc = ROMCV_ERR(EAGAIN);
            break;
        }
        pthread_cond_wait(&pool->frame_returned, &pool->lock);
    }
    pthread_mutex_unlock(&pool->lock);
    return rc;
}

int romcv_frame_pool_get(RomcvFramePool *pool, RomcvFrame **out, int width, int height,
                         RomcvPixelFormat format) {
    return pool_get(pool, out, width, height, format, true);
}

int romcv_frame_pool_try_get(RomcvFramePool *pool, RomcvFrame **out, int width, int height,
                             RomcvPixelFormat format) {
    return pool_get(pool, out, width, height, format, false);
}

void romcv_frame_pool_close(RomcvFramePool *pool) {
    if (!pool) {
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->closed = true;
    pthread_cond_broadcast(&pool->frame_returned);
    pthread_mutex_unlock(&pool->lock);
}

int romcv_frame_pool_allocations(const RomcvFramePool *pool) {
    if (!pool) {
        return 0;
    }
    RomcvFramePool *p = (RomcvFramePool *)pool; /* the lock is not part of the value */
    pthread_mutex_lock(&p->lock);
    int n = p->allocations;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void romcv_frame_pool_destroy(RomcvFramePool **pool) {
    if (!pool || !*pool) {
        return;
    }
    RomcvFramePool *p = *pool;
    *pool = NULL;
    pthread_mutex_lock(&p->lock);
    p->closed = true;
    p->destroyed = true;
    pthread_cond_broadcast(&p->frame_returned);
    for (int i = 0; i < p->free_count; i++) {
        frame_free(p->free_frames[i]);
        p->allocated--;
    }
    p->free_count = 0;
    bool last = p->outstanding == 0;
    pthread_mutex_unlock(&p->lock);
    if (last) {
        pool_free(p);
    }
}
