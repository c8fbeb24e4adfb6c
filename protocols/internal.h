/*
 * protocols/internal.h: what the files of protocols/ share (never installed).
 */
#ifndef ROMCV_PROTOCOLS_INTERNAL_H
#define ROMCV_PROTOCOLS_INTERNAL_H

#include "romcv/protocols.h"

#include <stddef.h>

/* The median hip-to-knee plus knee-to-ankle length over the clip (px), the
 * unit of the derived length signals; NaN when no leg was seen. */
float romcv__protocol_leg_length(const RomcvProtocolSettings *s,
                                 const RomcvLandmarkSeries *landmarks);

/* The median of the finite values among v[0..n) (they are moved to the front
 * and sorted); NaN when there are none. */
float romcv__protocol_median(float *v, size_t n);

#endif /* ROMCV_PROTOCOLS_INTERNAL_H */
