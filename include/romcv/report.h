/*
 * romcv/report.h: per-frame results as files in the forms other tools read.
 *
 * One writer type streams frames into one of four formats:
 * - CSV: frame, time_s, the 33 landmarks (x, y, z, visibility), every angle
 *   channel, view and protocol phase; one row per frame, empty cell = NaN.
 * - TRC: the landmarks as OpenSim markers (Y up), pixels or metres.
 * - MOT: the angle channels as OpenSim coordinates, in degrees.
 * - C3D: the landmarks as float 3D points (Intel format).
 * docs/file-formats.md gives every column, header field, axis and sign.
 *
 * Every file is written under a temporary name in the destination folder
 * (path + ".tmp-XXXXXX") and renamed onto path by romcv_report_close(), so a
 * crash, a full disk or Ctrl-C never leaves a truncated file under the final
 * name. An interrupted analysis calls romcv_report_close() on what it has and
 * gets a valid, shorter file. romcv_report_abort() deletes the temporary file.
 *
 * Memory stays bounded whatever the recording length: rows go straight to the
 * file. The row counts that TRC, MOT and C3D headers carry are written as
 * fixed-width placeholders and patched in place at close.
 *
 * Ownership: settings, channel names and frame arrays are borrowed for the
 * duration of each call only (the writer copies what it keeps).
 */
#ifndef ROMCV_REPORT_H
#define ROMCV_REPORT_H

#include "romcv/core.h"
#include "romcv/metrics.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Landmarks per frame (BlazePose / MediaPipe Pose topology). */
#define ROMCV_REPORT_LANDMARKS 33
/* Floats per landmark in RomcvReportFrame.landmarks: x, y, z, visibility. */
#define ROMCV_REPORT_LANDMARK_FLOATS 4

typedef enum RomcvReportFormat {
    ROMCV_REPORT_CSV = 0,
    ROMCV_REPORT_TRC = 1,
    ROMCV_REPORT_MOT = 2,
    ROMCV_REPORT_C3D = 3,
} RomcvReportFormat;

/* Units of the landmark coordinates handed to the writer. */
typedef enum RomcvReportUnits {
    ROMCV_REPORT_UNITS_PX = 0, /* image pixels: x right, y down; z BlazePose's depth */
    ROMCV_REPORT_UNITS_M = 1,  /* metres (calibrated), same axes as the image */
} RomcvReportUnits;

/* One angle (or other) channel. */
typedef struct RomcvReportChannel {
    const char *name; /* "knee_flexion_left" (romcv_angle_info()->name) or any [A-Za-z0-9_] name */
    const char *unit; /* "deg"; MOT requires "deg" for every channel it writes */
} RomcvReportChannel;

typedef struct RomcvReportSettings {
    RomcvReportUnits units; /* of the landmarks (default PX) */
    /* TRC and C3D are Y up: Y = y_up_origin - y. For pixels pass the image
     * height (px), so Y runs from 0 at the bottom row; for metres the floor's
     * y in the same frame (m), or 0. Z = -z (BlazePose z grows away from the
     * camera), which keeps X right, Y up, Z towards the camera right-handed. */
    double y_up_origin;
    /* Nominal frame rate (Hz) for the TRC DataRate/CameraRate and the C3D
     * POINT:RATE; required (> 0) for TRC and C3D. Times in every file are the
     * real timestamps of the frames, never index / rate. */
    double frame_rate_hz;
    /* TRC and C3D: a landmark whose visibility is below this is written as
     * missing (TRC: empty fields; C3D: residual -1). Default 0: only NaN
     * coordinates are missing. */
    float min_visibility;
    const RomcvReportChannel *channels; /* n_channels entries (CSV and MOT) */
    size_t n_channels;
    /* MOT: 1 (default) writes channels whose meaning matches an OpenSim
     * coordinate under that coordinate's name and sign (see
     * romcv_report_opensim_name()); 0 keeps romcv's names and signs. */
    int opensim_names;
    /* MOT first line and TRC PathFileType file name; NULL: the file's base name. */
    const char *title;
    int reserved[16];
} RomcvReportSettings;

/* One frame. */
typedef struct RomcvReportFrame {
    int64_t index; /* 0-based index of the frame in the video (the CSV "frame" column) */
    double time_s; /* real presentation time, s; must increase from frame to frame */
    /* ROMCV_REPORT_LANDMARKS x ROMCV_REPORT_LANDMARK_FLOATS floats (x, y, z,
     * visibility per landmark, in settings.units, image axes); NaN x or y is
     * a missing landmark. NULL: no person in this frame (all missing). */
    const float *landmarks;
    /* n_channels values in each channel's unit; NaN = not measurable. NULL:
     * all NaN. */
    const float *values;
    RomcvView view;    /* CSV "view" column (romcv_view_name()) */
    const char *phase; /* CSV "phase" column: protocol phase, NULL or "" for none */
} RomcvReportFrame;

typedef struct RomcvReportWriter RomcvReportWriter;

/* Fills s with the defaults (pixels, opensim_names 1, everything else 0). */
ROMCV_API void romcv_report_default_settings(RomcvReportSettings *s);

/* Creates the temporary file beside path and writes the header. Returns 0
 * and sets *out, or a negative code with diag naming the file:
 * ROMCV_ERR(EINVAL) (bad settings: no frame rate for TRC/C3D, a MOT channel
 * not in degrees, a name with separators), ROMCV_ERR(errno) of the failed
 * create or write, ROMCV_ERR(ENOMEM). *out stays NULL on failure and no file
 * is left behind. */
ROMCV_API int romcv_report_open(RomcvReportWriter **out, RomcvReportFormat format, const char *path,
                                const RomcvReportSettings *s, RomcvDiag *diag);

/* Appends one frame. Returns 0, ROMCV_ERR(EINVAL) (time not finite or not
 * increasing) or ROMCV_ERR(errno) of a failed write, with
 * romcv_report_errmsg() naming the file. A write error is sticky: later
 * writes and close return it. C3D stores at most 2^31 - 1 frames. */
ROMCV_API int romcv_report_write(RomcvReportWriter *w, const RomcvReportFrame *frame);

/* Frames written so far. */
ROMCV_API int64_t romcv_report_rows(const RomcvReportWriter *w);

/* The last failure's message ("out.trc: write failed: File too large"), ""
 * when none. */
ROMCV_API const char *romcv_report_errmsg(const RomcvReportWriter *w);

/* Patches the row counts, flushes and syncs the temporary file and renames
 * it onto the path given to open: the file then holds every frame written so
 * far (zero frames is a valid file too). On any failure, or after an earlier
 * write error, the temporary file is deleted, nothing is renamed and the code
 * is returned with diag naming the file. Frees the writer either way; accepts
 * NULL; sets *w to NULL. */
ROMCV_API int romcv_report_close(RomcvReportWriter **w, RomcvDiag *diag);

/* Deletes the temporary file and frees the writer; the path given to open
 * is untouched. NULL-safe; sets *w to NULL. */
ROMCV_API void romcv_report_abort(RomcvReportWriter **w);

/* MediaPipe's name of landmark k ("nose", "left_foot_index"), or NULL. */
ROMCV_API const char *romcv_report_landmark_name(int k);

/* The OpenSim coordinate (Rajagopal 2015 / gait2392 names) whose meaning
 * matches the romcv channel romcv_name, or NULL when none does; *sign (may be
 * NULL) gets +1 or -1, the factor from romcv's sign to OpenSim's. The table
 * and the sources of every sign are in docs/file-formats.md. */
ROMCV_API const char *romcv_report_opensim_name(const char *romcv_name, int *sign);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_REPORT_H */
