/*
 * cli/annotated_video.h: the annotated video of `romcv analyze` (issue 8):
 * DIR/annotated.mp4, every analysed frame with the skeleton, the angles as
 * arcs with their values, active compensation flags as a banner and the
 * time stamp, at the input's own frame times.
 *
 * A second pass (cli/frame_walk.h) after the analysis, because the angles
 * drawn are the filtered ones, which exist only once the whole clip is
 * measured. Drawing and encoding are the library's (romcv/annotate.h); this
 * file only pairs each frame with its results.
 */
#ifndef ROMCV_CLI_ANNOTATED_VIDEO_H
#define ROMCV_CLI_ANNOTATED_VIDEO_H

#include "cli/analysis.h"

/* The file's name inside --out DIR. */
#define ROMCV_CLI_ANNOTATED_VIDEO "annotated.mp4"

/* Writes DIR/annotated.mp4 for run (borrowed) and returns the command's exit
 * code given the one so far: unchanged on success or when there is nothing
 * to draw (no frame analysed; a camera, which cannot be read twice, gets a
 * warning); ROMCV_EXIT_FAILURE after one line on stderr when the video
 * cannot be written; ROMCV_EXIT_INTERRUPTED when Ctrl-C stopped it, after
 * finishing the file with the frames done. A failure already in exit_code
 * stays. Prints "wrote DIR/annotated.mp4 (...)" unless --quiet. */
int romcv_cli_write_annotated_video(const RomcvCliContext *ctx, const RomcvCliAnalysis *run,
                                    int exit_code);

#endif /* ROMCV_CLI_ANNOTATED_VIDEO_H */
