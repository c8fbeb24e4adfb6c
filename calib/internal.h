/*
 * calib/internal.h: what calib/'s files share (never installed).
 */
#ifndef ROMCV_CALIB_INTERNAL_H
#define ROMCV_CALIB_INTERNAL_H

#include "romcv/calib.h"

/* The nose-to-ankle-midpoint span of frame i in px (the visible ankle when
 * only one is); 0 when the nose or both ankles are missing or hidden. */
int romcv__calib_nose_to_ankle_px(const RomcvLandmarkSeries *s, size_t i, double *span);

/* The p-quantile (0..1, nearest rank) of n > 0 values, sorted in place. */
double romcv__calib_quantile(double *values, size_t n, double p);

#endif /* ROMCV_CALIB_INTERNAL_H */
