/*
 * romcv/annotate.h: the annotated video. Two independent pieces:
 *
 * - The overlay (romcv_overlay_draw) draws one frame's results onto that
 *   frame: the BlazePose skeleton, each angle as an arc at its joint with
 *   its value in degrees, the compensation flags active at that moment as a
 *   banner, and the time stamp. It is a pure function of the frame and what
 *   the caller hands it for that frame: no object, no history, no I/O. So the
 *   same call serves a recorded clip (values from the whole-clip analysis)
 *   and, later, a live camera (values from causal filters) in real time.
 * - The video writer (romcv_video_writer_*) encodes RGB frames with their
 *   real times into a video file: H.264 (libx264) where FFmpeg has it, else
 *   MPEG-4 Part 2, written under a temporary name and renamed into place.
 *
 * Why in the report module and not vision: data flows one way, capture ->
 * vision -> metrics (angles, protocols) -> report. The overlay shows angles
 * and protocol flags, so it sits after them, with the other renderings of
 * results; vision (landmarks) must not depend on metrics. The drawing itself
 * goes through the library's one OpenCV bridge (vision/cv_bridge.h).
 *
 * Ownership: every pointer passed in is borrowed for the duration of the
 * call. The writer is created by romcv_video_writer_open and freed by
 * romcv_video_writer_close or romcv_video_writer_abort.
 */
#ifndef ROMCV_ANNOTATE_H
#define ROMCV_ANNOTATE_H

#include "romcv/core.h"
#include "romcv/metrics.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- overlay */

/* Landmarks per frame the overlay reads (BlazePose / MediaPipe Pose topology). */
#define ROMCV_OVERLAY_LANDMARKS 33

/* What to draw: bits of RomcvOverlaySettings.layers. */
#define ROMCV_OVERLAY_SKELETON 1u  /* connections and landmark dots */
#define ROMCV_OVERLAY_ARCS     2u  /* each angle's arc and reference line */
#define ROMCV_OVERLAY_VALUES   4u  /* each angle's value beside its arc, and the legend */
#define ROMCV_OVERLAY_FLAGS    8u  /* the banner of active compensation flags */
#define ROMCV_OVERLAY_TIME     16u /* the time stamp */
#define ROMCV_OVERLAY_MARKERS  32u /* named skin markers: a ring and the name */
#define ROMCV_OVERLAY_ALL      63u

/* Most skin markers drawn in one frame (romcv/metrics.h has 7). */
#define ROMCV_OVERLAY_MAX_MARKERS 16

/* Most banner lines drawn at once; more active flags are counted in the last. */
#define ROMCV_OVERLAY_MAX_BANNERS 4

typedef struct RomcvOverlaySettings {
    unsigned layers; /* ROMCV_OVERLAY_* bits (default ALL) */
    /* The angles to draw: bit (1u << RomcvAngleId) for each. 0 (default):
     * those that matter in the frame's view (romcv_overlay_default_angles). */
    uint32_t angles;
    float min_visibility; /* landmarks below are not drawn (default 0.5, as metrics) */
    /* As in the RomcvMetricsSettings the angles were measured with: with
     * mirrored, an anatomical left angle belongs to the landmarks labelled
     * right; down_x, down_y is the vertical the arcs start from. */
    int mirrored;
    float down_x, down_y; /* default (0, 1): the image vertical */
    /* Size of lines and text relative to the default, which follows the
     * frame's size (2 px lines at 1280x720); 0 means 1. */
    float scale;
    int reserved[8];
} RomcvOverlaySettings;

ROMCV_API void romcv_overlay_default_settings(RomcvOverlaySettings *s);

/* The angles drawn by default in a view (bits as in settings.angles): front
 * or back: hip rotation, pelvic obliquity and trunk lateral lean; side: hip
 * and knee flexion and trunk inclination; unknown: the union. */
ROMCV_API uint32_t romcv_overlay_default_angles(RomcvView view);

/* One frame's results. */
typedef struct RomcvOverlayInput {
    double time_s;       /* the frame's time, for the stamp; NaN: no stamp */
    int64_t frame_index; /* shown beside the time; < 0: not shown */
    /* ROMCV_OVERLAY_LANDMARKS x and y (px in this frame, y down) and
     * visibilities (0..1; NULL: all visible). NULL x or y: no person. A NaN
     * coordinate is a missing landmark. */
    const float *x, *y, *visibility;
    /* ROMCV_ANGLE_COUNT values in degrees as RomcvAngleChannel.value_deg
     * (the filtered values): NaN draws nothing for that angle. NULL: none. */
    const float *angle_deg;
    RomcvView view;   /* the frame's view (RomcvAngleResults.view) */
    unsigned swapped; /* the frame's ROMCV_SWAP_* bits: legs whose labels metrics exchanged */
    /* Compensation flags active in this frame, one line of text each (for
     * example "pelvis lifting during the rotation (right)"); ASCII. */
    const char *const *banners;
    size_t n_banners;
    /* Named skin markers (romcv analyze --markers): n_markers positions (px
     * in this frame; NaN: not found there, not drawn) and a short name each
     * ("ASIS R", "S1"; ASCII), drawn as a ring around the marker, which
     * stays visible inside it, and the name beside it. Up to
     * ROMCV_OVERLAY_MAX_MARKERS; NULL or 0: none. */
    const float *marker_x, *marker_y;
    const char *const *marker_names;
    size_t n_markers;
} RomcvOverlayInput;

/* Draws in's results onto frame (RGB24), in place. Each angle's arc starts
 * on its reference line (the vertical, or the segment it is measured from)
 * and sweeps |value| degrees towards the moving segment, so the arc is the
 * number drawn, whatever the raw landmarks of this one frame say; angles
 * without a joint to draw at (pelvic tilt, lumbar lordosis) appear in the
 * legend only. About 3 ms for a 1080p frame on one core (bench/bench_annotate,
 * which measures it); no allocation.
 * Returns 0, or ROMCV_ERR(EINVAL) (not an RGB24 frame) / ROMCV_E_EXTERNAL
 * with diag. */
ROMCV_API int romcv_overlay_draw(RomcvFrame *frame, const RomcvOverlaySettings *s,
                                 const RomcvOverlayInput *in, RomcvDiag *diag);

/* ----------------------------------------------------------- video writer */

typedef struct RomcvVideoWriterSettings {
    /* Size of the video (px). Frames of another size are scaled to it. Odd
     * sizes lose their last column or row: 4:2:0 video needs even sizes. */
    int width, height;
    /* The stream's nominal rate for players and rate control (the times of
     * the frames are what counts); <= 0: 30. */
    double nominal_fps;
    /* Time stamps are (time_s - time_origin_s) in units of 1 /
     * time_base_den s (default 90000, the MPEG clock: 1/30000, 1/15360... do
     * not divide it all, but any time is kept to 11 us; MPEG-4 Part 2 caps
     * it at 16 bits and uses 60000 instead). */
    double time_origin_s;
    int time_base_den;
    /* "libx264" (default, NULL) falls back to "mpeg4" with a note in the
     * log when FFmpeg lacks it; "mpeg4" forces MPEG-4 Part 2. */
    const char *codec;
    const char *x264_preset; /* NULL: "veryfast", fast enough to keep up with analysis */
    int quality;             /* x264 CRF (default 20); mpeg4 uses a matching quantiser */
    int threads;             /* encoder threads; 0 (default): FFmpeg decides */
    RomcvLogger logger;      /* the fallback note */
    int reserved[8];
} RomcvVideoWriterSettings;

ROMCV_API void romcv_video_writer_default_settings(RomcvVideoWriterSettings *s);

typedef struct RomcvVideoWriter RomcvVideoWriter;

/* Creates path + ".tmp-XXXXXX" beside path (the container follows path's
 * extension: .mp4, .mkv, .mov) and opens the encoder. Returns 0 and sets
 * *out, or a negative code with diag naming path: ROMCV_ERR(EINVAL) (bad
 * size or settings), ROMCV_E_UNSUPPORTED (no container or encoder),
 * ROMCV_ERR(errno) of a failed create, ROMCV_E_EXTERNAL. On failure *out is
 * NULL and no file is left behind. */
ROMCV_API int romcv_video_writer_open(RomcvVideoWriter **out, const char *path,
                                      const RomcvVideoWriterSettings *s, RomcvDiag *diag);

/* Encodes one RGB24 frame shown at time_s (usually frame->time_s). Times
 * must increase; one that rounds onto the previous time stamp is moved one
 * tick later. Returns 0, ROMCV_ERR(EINVAL) (not RGB24, time not finite or
 * going back) or a write or encoder error, with romcv_video_writer_errmsg().
 * Errors are sticky: later writes and close return them. */
ROMCV_API int romcv_video_writer_write(RomcvVideoWriter *w, const RomcvFrame *frame, double time_s);

/* Frames accepted so far. */
ROMCV_API int64_t romcv_video_writer_frames(const RomcvVideoWriter *w);
/* The encoder in use: "libx264" or "mpeg4". */
ROMCV_API const char *romcv_video_writer_codec(const RomcvVideoWriter *w);
/* The last failure's message, "" when none. */
ROMCV_API const char *romcv_video_writer_errmsg(const RomcvVideoWriter *w);

/* Drains the encoder, finishes the container, syncs the file and renames it
 * onto path: the video then holds every frame written (an interrupted run
 * closes early and gets a shorter, complete file; zero frames leave no
 * file and return ROMCV_E_NOT_FOUND). On failure the temporary file is
 * deleted and diag names path. Frees the writer either way; NULL-safe; sets
 * *w to NULL. */
ROMCV_API int romcv_video_writer_close(RomcvVideoWriter **w, RomcvDiag *diag);

/* Deletes the temporary file and frees the writer. NULL-safe; sets *w NULL. */
ROMCV_API void romcv_video_writer_abort(RomcvVideoWriter **w);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_ANNOTATE_H */
