/*
 * romcv/romcv.h: the whole public API of libromcv.
 *
 * Data flows one way: capture (frames with real times) -> vision (landmarks)
 * -> metrics (angles, protocols) -> report (files). calib feeds vision and
 * metrics. Each stage is usable on its own and every object is owned by the
 * caller, so the library is reentrant with no global state.
 */
#ifndef ROMCV_ROMCV_H
#define ROMCV_ROMCV_H

#include "romcv/core.h"
#include "romcv/capture.h"
#include "romcv/vision.h"
#include "romcv/metrics.h"
#include "romcv/protocols.h"
#include "romcv/calib.h"
#include "romcv/report.h"
#include "romcv/samples.h"

#endif /* ROMCV_ROMCV_H */
