/* core/memory.c: aligned allocation for frames and SIMD buffers. */
#include "romcv/core.h"

#include <stdlib.h>

void *romcv_malloc_aligned(size_t size) {
    if (size == 0) {
        return NULL;
    }
    /* aligned_alloc wants a multiple of the alignment. */
    size_t rounded = (size + ROMCV_ALIGNMENT - 1) / ROMCV_ALIGNMENT * ROMCV_ALIGNMENT;
    if (rounded < size) {
        return NULL;
    }
    return aligned_alloc(ROMCV_ALIGNMENT, rounded);
}

void romcv_free_aligned(void *ptr) {
    free(ptr);
}
