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
#include "romcv/protocols.h"

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

/* ============================================================ HTML report
 *
 * One self-contained HTML file a clinician can read on a phone, print and
 * sign (issue 8): the patient and session header, the protocol's results
 * table (left / right, end range, every repetition, normal ranges and
 * asymmetry with their sources), a plot of every angle channel and protocol
 * signal against time (normal bands, repetitions, flags), each compensation
 * flag with a still of its evidence frame, recording and protocol warnings,
 * and the method notes with sources. Everything is inline: CSS, SVG plots,
 * JPEG stills as data: URIs; no script, no font, nothing from the network
 * (a Content-Security-Policy says so to the browser).
 *
 * Generation is pure: romcv_report_html_render() turns the struct into a
 * buffer; romcv_report_html_write() renders and writes it atomically (the
 * temporary-name-then-rename rule above). Gathering the stills (re-reading
 * the input) is the caller's job; romcv_report_still_encode() makes one.
 *
 * Wording: a value outside a normal range is marked "outside the normal
 * range", never named as a finding or diagnosis.
 *
 * Memory: the HTML's size is bounded whatever the recording's length: each
 * plot keeps at most about two points per horizontal pixel (the minimum and
 * maximum of each pixel column, so no peak is lost), and at most
 * ROMCV_REPORT_HTML_MAX_STILLS stills are embedded.
 *
 * Ownership: everything in RomcvReportHtml is borrowed for the duration of
 * the call; the rendered buffer belongs to the caller (free()). */

#define ROMCV_REPORT_HTML_MAX_STILLS 24

/* A JPEG still of one analysed frame (from romcv_report_still_encode()). */
typedef struct RomcvReportStill {
    size_t frame;        /* index into the analysed series (RomcvAngleResults) */
    const uint8_t *jpeg; /* JPEG bytes */
    size_t jpeg_size;
    int width, height; /* px of the JPEG */
} RomcvReportStill;

/* A protocol signal that is not an angle channel (a derived signal of
 * romcv/protocols.h), computed by the caller over the same frames. */
typedef struct RomcvReportSignal {
    int signal;          /* RomcvSignal id, >= ROMCV_ANGLE_COUNT */
    const char *name;    /* "pelvic_drop_left" (romcv_signal_name()) */
    const char *unit;    /* "deg", "leg" (romcv_signal_unit()) */
    const char *meaning; /* one line for the method notes, or NULL */
    const float *values; /* n values (RomcvAngleResults.n), NaN: none */
    /* What the protocol's relative measures and flags subtract from values
     * (0 when values are already changes from baseline); NaN: unknown, and
     * then no normal band is drawn for a relative measure. */
    float baseline;
} RomcvReportSignal;

/* One warning or note: text, and advice or a source (either may be NULL). */
typedef struct RomcvReportNote {
    const char *text;
    const char *detail;
} RomcvReportNote;

typedef struct RomcvReportHtml {
    /* The header; NULL or "" shows "not given". Every text is escaped. */
    const char *patient;
    const char *session;
    const char *date;          /* when the recording was analysed, as the caller formats it */
    const char *input;         /* the recording's path or name */
    const char *input_details; /* "1280x720 h264, 30 fps, 19.0 s" */
    const char *model;         /* "BlazePose full (pose_landmark_full.tflite)" */
    const char *software;      /* "romcv 0.1.0 (a1b2c3d)" */
    /* NULL or "complete"; anything else ("interrupted", "failed") puts a
     * banner with status_detail above the results. */
    const char *status;
    const char *status_detail;

    /* The measurements. angles NULL: no frame had a person (the report says
     * so). landmarks (optional, same frames, pixels of a frame_width x
     * frame_height image) draws the measured segments over each still. */
    const RomcvAngleResults *angles;
    const RomcvLandmarkSeries *landmarks;
    int frame_width, frame_height;
    /* The frame number shown for series frame i (the CSV "frame" column),
     * or NULL to show i. */
    const int64_t *frame_index;
    const RomcvProtocolResult *protocol; /* NULL without a protocol */
    const RomcvReportSignal *signals;    /* the protocol's derived signals */
    size_t n_signals;
    /* Stills, looked up by frame; a flag whose evidence frame has none says
     * "still not available". At most ROMCV_REPORT_HTML_MAX_STILLS are used. */
    const RomcvReportStill *stills;
    size_t n_stills;
    const RomcvReportNote *recording_warnings; /* calib's checks: message, advice */
    size_t n_recording_warnings;
    const RomcvReportNote *notes; /* more method notes (filtering, calibration): text, source */
    size_t n_notes;
    /* An angle channel is plotted when it has at least this many valid
     * frames; 0 (default): a quarter of the frames and at least 10. Signals
     * the protocol uses are plotted from 2 valid frames. */
    size_t min_valid_frames;
    int reserved[8];
} RomcvReportHtml;

/* Zeroes r (every field optional). */
ROMCV_API void romcv_report_html_default(RomcvReportHtml *r);

/* Renders the report into a new NUL-terminated buffer: *html (free() it)
 * and *size (without the NUL). Returns 0, or ROMCV_ERR(EINVAL) (NULL
 * arguments, a still or signal array that does not match angles->n) or
 * ROMCV_ERR(ENOMEM) with diag saying which; *html stays NULL on failure. */
ROMCV_API int romcv_report_html_render(const RomcvReportHtml *r, char **html, size_t *size,
                                       RomcvDiag *diag);

/* Renders r and writes it to path under a temporary name, renamed into
 * place when complete. Returns 0 or a negative code with diag naming path. */
ROMCV_API int romcv_report_html_write(const char *path, const RomcvReportHtml *r, RomcvDiag *diag);

/* Encodes an RGB24 frame as a baseline JPEG (FFmpeg's MJPEG encoder, full
 * range 4:2:0), scaled down to at most max_width px wide (aspect kept; 0:
 * 480) and never scaled up. quality 1 (best) .. 31 (smallest), 0: 4 (the
 * MJPEG quantiser scale). On success *jpeg (free() it), *size, *width and
 * *height describe the image; on failure *jpeg is NULL and diag says why. */
ROMCV_API int romcv_report_still_encode(const RomcvFrame *frame, int max_width, int quality,
                                        uint8_t **jpeg, size_t *size, int *width, int *height,
                                        RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

/* ======================================================== summary.json ===
 *
 * One JSON file per analysis that says what was measured, with what and how
 * the run went, so that a result can be traced and reproduced: software
 * version and git revision, the models and their SHA-256, every option, the
 * input's facts, the calibration used, per-angle statistics, the protocol's
 * repetitions, measures and compensation flags, the warnings, and the
 * status. Every front end (the romcv command, the upload service, the batch
 * runner) fills a RomcvSummary and calls romcv_report_write_summary(), so
 * they all write the same file. schema/summary.schema.json describes it
 * (JSON Schema 2020-12) and the tests validate every summary they write
 * against it; docs/file-formats.md ("summary.json") explains the fields.
 *
 * NaN anywhere is written as null. Frame numbers are indices into the
 * analysed series: the "frame" column of frames.csv.
 *
 * Ownership: everything a RomcvSummary points to is borrowed for the
 * duration of the call.
 */

#include "romcv/calib.h"
#include "romcv/capture.h"
#include "romcv/protocols.h"
#include "romcv/vision.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped when a field changes meaning or disappears (not when one is added). */
#define ROMCV_SUMMARY_FORMAT_VERSION 1

typedef enum RomcvSummaryStatus {
    ROMCV_SUMMARY_COMPLETE = 0,    /* every frame of the chosen range was analysed */
    ROMCV_SUMMARY_INTERRUPTED = 1, /* stopped early (Ctrl-C): what finished, "partial": true */
    ROMCV_SUMMARY_FAILED = 2,      /* the input or a step failed; error says why */
} RomcvSummaryStatus;

/* "complete", "interrupted", "failed"; NULL for any other value. */
ROMCV_API const char *romcv_summary_status_name(RomcvSummaryStatus status);

/* The options of the analysis, as given. Numbers that were not given are
 * NaN (doubles) or 0 (ints) and are written as null. */
typedef struct RomcvSummaryOptions {
    const char *view;     /* "auto" or a view name (romcv_view_name()); NULL: "auto" */
    int mirrored;         /* 1: selfie video, mirrored left-right */
    double cutoff_hz;     /* the angles' low-pass cut-off */
    int threads;          /* inference threads */
    double from_s;        /* start of the analysed range, s */
    double to_s;          /* its end (inclusive), s; < 0 or NaN: to the end of the input */
    double fps;           /* image sequences, cameras: the rate given; NaN or <= 0: none */
    int width, height;    /* cameras: the size asked for; 0: none */
    const char *protocol; /* --protocol NAME, or NULL */
    const char *side;     /* --side left|right|both, or NULL */
    const char *out_dir;  /* where the files went, or NULL */
    /* How the landmarks were tracked: "video", "static" or "both" (the
     * protocol's angles on per-frame detection), as resolved from --tracking;
     * NULL: "video". */
    const char *tracking;
    const char *markers;    /* --markers auto|COLOUR, or NULL (none) */
    const char *silhouette; /* --silhouette auto|off, or NULL */
} RomcvSummaryOptions;

/* The calibration the angles were computed with. */
typedef struct RomcvSummaryCalibration {
    const char *camera_file;   /* camera file used to undistort the landmarks, or NULL */
    const char *vertical_line; /* "x1,y1,x2,y2" as given, or NULL */
    float down_x, down_y;      /* gravity "down" in the image used for the angles ((0, 1): the
                                * image vertical) */
    double metres_per_px;      /* the scale, or NaN when none was set */
} RomcvSummaryCalibration;

typedef struct RomcvSummary {
    /* The command line that ran the analysis (argv as given), for
     * reproducing it, or NULL (argc 0) for a front end without one. */
    int argc;
    const char *const *argv;
    RomcvModelId landmark_model; /* the detector is always ROMCV_MODEL_DETECTOR */
    const char *models_dir;      /* where the models were found, or NULL */
    const char *angle_kernels;   /* romcv_metrics_simd_name(), or NULL when no angles ran */
    RomcvSummaryOptions options;
    RomcvSummaryCalibration calibration;
    /* The input's facts (romcv_capture_info() at the end of the run); NULL
     * when the input could not be opened. */
    const RomcvCaptureInfo *input;
    /* Frames analysed, frames with a person, and the times of the first
     * and last analysed frame (NaN when none). */
    size_t frames_analysed, frames_with_person;
    double first_time_s, last_time_s;
    const RomcvCheckWarning *recording_warnings; /* n_recording_warnings of them */
    int n_recording_warnings;
    const RomcvAngleResults *angles;     /* NULL: no angles (statistics are omitted) */
    const RomcvProtocolResult *protocol; /* NULL: no protocol was run */
    const char *const *files;            /* names of the other files written, n_files */
    size_t n_files;
    RomcvSummaryStatus status;
    const char *error; /* FAILED: the one-line reason; NULL otherwise */
    int reserved[8];
} RomcvSummary;

/* Fills s with an empty summary: zeros, NULLs, NaN for the unknown numbers
 * (to_s, fps, metres_per_px, first and last times), down (0, 1), status
 * COMPLETE and the full landmark model. */
ROMCV_API void romcv_summary_init(RomcvSummary *s);

/* Writes s as JSON to path, atomically (a temporary file beside path,
 * renamed into place when complete: readers never see half a summary).
 * Returns 0, or ROMCV_ERR(EINVAL) (a bad status or model id, a negative
 * count, a protocol result without its definition), ROMCV_ERR(errno) of the
 * failed create or write, or ROMCV_ERR(ENOMEM), with diag naming path;
 * nothing is left under path or beside it on failure. */
ROMCV_API int romcv_report_write_summary(const char *path, const RomcvSummary *s, RomcvDiag *diag);

#ifdef __cplusplus
}
#endif

#endif /* ROMCV_REPORT_H */
