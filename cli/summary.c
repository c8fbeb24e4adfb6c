/* cli/summary.c: summary.json for `romcv analyze` (cli/summary.h). */
#include "cli/summary.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static RomcvSummaryStatus status_from_name(const char *status) {
    if (status && strcmp(status, "interrupted") == 0) {
        return ROMCV_SUMMARY_INTERRUPTED;
    }
    if (status && strcmp(status, "complete") == 0) {
        return ROMCV_SUMMARY_COMPLETE;
    }
    return ROMCV_SUMMARY_FAILED; /* never claim success for a status we do not know */
}

int romcv_cli_write_summary(const RomcvCliAnalysis *run, RomcvDiag *diag) {
    const AnalyzeOptions *o = run->options;
    const RomcvCliPoseSeries *series = run->series;
    RomcvSummary s;
    romcv_summary_init(&s);
    s.argc = run->argc;
    s.argv = (const char *const *)run->argv;
    s.landmark_model = run->model_id;
    s.models_dir = run->models_dir;
    s.angle_kernels = run->angle_kernels;

    s.options.view = o->view;
    s.options.mirrored = o->mirrored;
    s.options.cutoff_hz = o->cutoff_hz;
    s.options.threads = o->threads;
    s.options.from_s = o->in.from_s;
    s.options.to_s = o->in.to_s;
    s.options.fps = o->in.fps;
    s.options.width = o->in.width;
    s.options.height = o->in.height;
    s.options.protocol = o->protocol;
    s.options.side = o->side;
    s.options.out_dir = o->out_dir;
    s.options.tracking = run->tracking;
    s.options.markers = o->markers;
    s.options.silhouette = run->silhouette;

    s.calibration.camera_file = o->camera_file;
    s.calibration.vertical_line = o->vertical;
    s.calibration.metres_per_px = run->metres_per_pixel > 0 ? run->metres_per_pixel : NAN;
    if (run->metrics_settings) {
        s.calibration.down_x = run->metrics_settings->down_x;
        s.calibration.down_y = run->metrics_settings->down_y;
    }

    /* An input that never opened has no facts: null, not a row of zeros. */
    s.input = run->outcome->info.input[0] ? &run->outcome->info : NULL;
    s.frames_analysed = series->n;
    s.frames_with_person = romcv_cli_pose_series_found(series);
    s.first_time_s = series->n ? series->time_s[0] : NAN;
    s.last_time_s = series->n ? series->time_s[series->n - 1] : NAN;
    s.recording_warnings = run->checks->warnings;
    s.n_recording_warnings = run->checks->warning_count;
    s.angles = run->angles;
    s.protocol = run->protocol;
    /* The per-frame files exist when the angles were computed and no later
     * step failed (cmd_analyze.c writes them last, and a failure there sets
     * run->error). */
    const char *files[5];
    size_t n_files = 0;
    if (run->angles && !run->error) {
        files[n_files++] = "frames.csv";
        files[n_files++] = "landmarks.trc";
        files[n_files++] = "angles.mot";
    }
    if (run->markers_csv_written) {
        files[n_files++] = "markers.csv";
    }
    if (run->html_written) {
        files[n_files++] = "report.html";
    }
    s.files = files;
    s.n_files = n_files;
    s.status = status_from_name(run->status);
    s.error = run->error ? run->error : run->outcome->failed ? run->outcome->error : NULL;

    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/summary.json", o->out_dir) >= (int)sizeof path) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", o->out_dir);
    }
    return romcv_report_write_summary(path, &s, diag);
}
