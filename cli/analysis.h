/*
 * cli/analysis.h: the state of one `romcv analyze` run, shared by the steps
 * that write its outputs (cmd_analyze.c runs the pipeline; each output lives
 * in a file of its own and reads this state, never changes it).
 *
 * Ownership: cmd_analyze.c owns everything in a RomcvCliAnalysis and frees it
 * at the end of the run; output steps borrow it.
 */
#ifndef ROMCV_CLI_ANALYSIS_H
#define ROMCV_CLI_ANALYSIS_H

#include "cli/cli.h"
#include "cli/marker_series.h"
#include "cli/pose_series.h"

typedef struct AnalyzeOptions {
    RomcvCliInput in;
    const char *out_dir;
    const char *model;
    const char *view;
    int mirrored;
    int threads;
    double cutoff_hz;
    const char *camera_file; /* --camera: undistort landmarks with this camera */
    const char *vertical;    /* --vertical x1,y1,x2,y2: a line known to be vertical */
    const char *protocol;    /* --protocol NAME, or NULL */
    const char *side;        /* --side left|right|both */
    const char *tracking;    /* --tracking auto|video|static */
    double scale_m_per_px;   /* --scale: metres per pixel in the movement plane (0: none) */
    double height_m;         /* --height: the person's standing height, for the scale */
    const char *patient;     /* --patient NAME: the HTML report's header, or NULL */
    const char *session;     /* --session TEXT: the HTML report's header, or NULL */
    int no_video;            /* --no-video: no annotated.mp4 (cli/annotated_video.h) */
    const char *markers;     /* --markers auto|COLOUR|none: skin markers (cli/marker_series.h) */
    const char *labels_file; /* --marker-labels FILE: marker positions in the first frame */
} AnalyzeOptions;

/* Image quality is sampled about once a second for the blur and exposure
 * checks; a bounded number of samples keeps memory bounded. */
#define QUALITY_SAMPLES 120

/* Warnings from the recording checks (calib), reported before the results. */
typedef struct Checks {
    RomcvFrameQuality quality[QUALITY_SAMPLES];
    size_t quality_count;
    double next_sample_s;
    RomcvCheckWarning warnings[ROMCV_CHECK_COUNT];
    int warning_count;
} Checks;

/* What happened to the frame stream. */
typedef struct StreamOutcome {
    int interrupted;
    int failed; /* the input broke off with an error, or was damaged */
    char error[ROMCV_DIAG_MESSAGE_SIZE];
    RomcvCaptureInfo info;
} StreamOutcome;

/* Everything one run produced, in pipeline order. Pointers are NULL (and
 * counts 0) for the steps that did not run. */
typedef struct RomcvCliAnalysis {
    const AnalyzeOptions *options;
    const char *models_dir;
    RomcvModelId model_id;
    const RomcvCliPoseSeries *series; /* landmarks per frame */
    const StreamOutcome *outcome;     /* how the input ended, its facts */
    const Checks *checks;             /* recording warnings */
    const RomcvMetricsSettings *metrics_settings;
    const RomcvAngleResults *angles;     /* NULL when no frame had a person */
    const char *angle_kernels;           /* "avx2" */
    const RomcvProtocolResult *protocol; /* NULL without --protocol */
    double metres_per_pixel;             /* from --scale or --height; 0: unknown */
    int html_written;                    /* report.html was written */
    const RomcvCliMarkerSeries *markers; /* --markers: the tracks per frame; NULL without */
    int markers_csv_written;             /* markers.csv was written */
    const char *tracking;                /* "video", "static" or "both", as resolved */
    const char *silhouette;              /* --silhouette as given */
    const char *status;                  /* "complete", "interrupted", "failed" */
    const char *error;                   /* why the run failed (beyond the input), or NULL */
    int argc;                            /* the command line, recorded in summary.json */
    char **argv;
} RomcvCliAnalysis;

#endif /* ROMCV_CLI_ANALYSIS_H */
