/*
 * capture/v4l2_common.h: helpers shared by the V4L2 camera source
 * (v4l2_source.c) and the device listing (v4l2_devices.c). Private to the
 * capture module.
 */
#ifndef ROMCV_CAPTURE_V4L2_COMMON_H
#define ROMCV_CAPTURE_V4L2_COMMON_H

#include "romcv/core.h"

#include <stdint.h>

/* Writes a V4L2 pixel format code as text ("YUYV", "MJPG") into out[5],
 * without trailing spaces; characters that are not printable become '?'. */
void romcv__v4l2_fourcc_text(uint32_t fourcc, char out[5]);

/* Records why path could not be opened as a camera, from the errno value of
 * the failed open, in words a user can act on. Returns the romcv code
 * (ROMCV_ERR(err)). */
int romcv__v4l2_open_error(RomcvDiag *diag, const char *path, int err);

#endif /* ROMCV_CAPTURE_V4L2_COMMON_H */
