/*
 * cli/frame_walk.h: a second pass over the input of `romcv analyze`, for the
 * outputs that need the pictures again after the whole clip was analysed
 * (the annotated video draws every frame; the HTML report takes stills).
 *
 * Angles are filtered over the whole clip, so they exist only after the
 * first pass; keeping every decoded frame until then would not fit in memory.
 * The walk re-opens the input with the same capture options (--from, --to,
 * --fps), so it delivers the same frames with the same indices and times,
 * and hands each one to the caller with its index in the pose series. It
 * stops after the last analysed frame (an interrupted analysis measured only
 * the start), and on Ctrl-C, which it reports rather than treats as an error.
 *
 * A camera cannot be read twice: walking one returns ROMCV_E_UNSUPPORTED
 * before anything is opened.
 */
#ifndef ROMCV_CLI_FRAME_WALK_H
#define ROMCV_CLI_FRAME_WALK_H

#include "cli/cli.h"
#include "cli/pose_series.h"

#include <stddef.h>

/* Called for each analysed frame, in order: i is its index in the series
 * (series->index[i] == frame->index). The frame is borrowed for the call.
 * Return 0 to go on, a negative code (with diag) to stop with that error. */
typedef int (*RomcvCliFrameVisit)(void *cookie, const RomcvFrame *frame, size_t i, RomcvDiag *diag);

typedef struct RomcvCliWalk {
    const RomcvCliContext *ctx;
    const RomcvCliInput *in;          /* the options of the first pass */
    RomcvCaptureKind kind;            /* what the first pass found (StreamOutcome.info.kind) */
    const RomcvCliPoseSeries *series; /* the first pass's frames */
    /* Series indices to visit, increasing; NULL: every frame. */
    const size_t *wanted;
    size_t n_wanted;
    RomcvCliFrameVisit visit;
    void *cookie;
} RomcvCliWalk;

/* Walks the input. Returns 0 (with *visited frames visited and *interrupted
 * 1 when Ctrl-C stopped the walk early), or a negative code with diag: the
 * visitor's, the capture's (the input vanished or changed since the first
 * pass), or ROMCV_E_UNSUPPORTED for a camera. A damaged input ends where
 * the first pass ended, without an error: that pass already reported it. */
int romcv_cli_walk_frames(const RomcvCliWalk *walk, size_t *visited, int *interrupted,
                          RomcvDiag *diag);

#endif /* ROMCV_CLI_FRAME_WALK_H */
