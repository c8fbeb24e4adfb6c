/*
 * report/summary.c: summary.json, the record of one analysis (romcv/report.h,
 * "summary.json"; schema/summary.schema.json is its contract).
 *
 * The file goes through core/json.h's writer, which places the commas,
 * escapes every string and replaces invalid UTF-8 (a file name is bytes),
 * so the output is strict JSON whatever the input holds; NaN becomes null
 * there too. Every key is always written, with null for "unknown" or "not
 * measured", so that a reader never has to tell a missing key from a null.
 */
#include "core/json.h"
#include "report/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *romcv_summary_status_name(RomcvSummaryStatus status) {
    switch (status) {
    case ROMCV_SUMMARY_COMPLETE:
        return "complete";
    case ROMCV_SUMMARY_INTERRUPTED:
        return "interrupted";
    case ROMCV_SUMMARY_FAILED:
        return "failed";
    }
    return NULL;
}

void romcv_summary_init(RomcvSummary *s) {
    memset(s, 0, sizeof *s);
    s->landmark_model = ROMCV_MODEL_LANDMARK_FULL;
    s->options.to_s = NAN;
    s->options.fps = NAN;
    s->options.cutoff_hz = NAN;
    s->calibration.down_x = 0.0f;
    s->calibration.down_y = 1.0f;
    s->calibration.metres_per_px = NAN;
    s->first_time_s = NAN;
    s->last_time_s = NAN;
    s->status = ROMCV_SUMMARY_COMPLETE;
}

/* ------------------------------------------------------------- values */

/* v rounded to digits significant digits. A float widened to double prints
 * as its exact binary value (12.3f is 12.300000190734863); going through the
 * decimal form gives back the number as it was meant (12.3). The same
 * locale formats and parses, so a decimal comma cannot break the round
 * trip. */
static double decimal(double v, int digits) {
    if (!isfinite(v)) {
        return v;
    }
    char text[64];
    snprintf(text, sizeof text, "%.*g", digits, v);
    return strtod(text, NULL);
}

/* Measured values: floats, good to about 7 digits. */
static void key_value(RomcvJsonWriter *w, const char *key, double v) {
    romcv__json_write_key(w, key);
    romcv__json_write_number(w, decimal(v, 7));
}

/* Times as frames.csv writes them (%.9g): the same number in both files. */
static void key_time(RomcvJsonWriter *w, const char *key, double t) {
    romcv__json_write_key(w, key);
    romcv__json_write_number(w, decimal(t, 9));
}

/* A number given by the caller, written exactly. */
static void key_number(RomcvJsonWriter *w, const char *key, double v) {
    romcv__json_write_key(w, key);
    romcv__json_write_number(w, v);
}

static void key_int(RomcvJsonWriter *w, const char *key, int64_t v) {
    romcv__json_write_key(w, key);
    romcv__json_write_int64(w, v);
}

/* Counts where a negative value means "unknown". */
static void key_count(RomcvJsonWriter *w, const char *key, int64_t v) {
    romcv__json_write_key(w, key);
    if (v < 0) {
        romcv__json_write_null(w);
    } else {
        romcv__json_write_int64(w, v);
    }
}

static void key_bool(RomcvJsonWriter *w, const char *key, int v) {
    romcv__json_write_key(w, key);
    romcv__json_write_bool(w, v != 0);
}

/* NULL is null; "" stays "" (an empty name is still a name). */
static void key_string(RomcvJsonWriter *w, const char *key, const char *text) {
    romcv__json_write_key(w, key);
    if (text) {
        romcv__json_write_string(w, text);
    } else {
        romcv__json_write_null(w);
    }
}

/* A fixed-size char array: bounded, and null when empty (an unset field). */
static void key_chars(RomcvJsonWriter *w, const char *key, const char *chars, size_t size) {
    romcv__json_write_key(w, key);
    size_t n = strnlen(chars, size);
    if (n == 0) {
        romcv__json_write_null(w);
    } else {
        romcv__json_write_string_n(w, chars, n);
    }
}

static const char *side_name(RomcvSide side) {
    return side == ROMCV_SIDE_LEFT ? "left" : side == ROMCV_SIDE_RIGHT ? "right" : NULL;
}

static const char *outside_name(int outside_normal) {
    return outside_normal < 0 ? "below" : outside_normal > 0 ? "above" : NULL;
}

/* The time of series frame i, when the angles say it. */
static double frame_time(const RomcvSummary *s, size_t frame) {
    return s->angles && frame < s->angles->n ? s->angles->time_s[frame] : NAN;
}

/* {"frame": i, "time_s": t} */
static void key_moment(RomcvJsonWriter *w, const char *key, size_t frame, double time_s) {
    romcv__json_write_key(w, key);
    romcv__json_write_begin_object(w);
    key_int(w, "frame", (int64_t)frame);
    key_time(w, "time_s", time_s);
    romcv__json_write_end_object(w);
}

/* -------------------------------------------------------------- sections */

static void write_software(RomcvJsonWriter *w, const RomcvSummary *s) {
    romcv__json_write_key(w, "software");
    romcv__json_write_begin_object(w);
    key_string(w, "name", "romcv");
    key_string(w, "version", romcv_version());
    key_string(w, "git_revision", romcv_git_revision());
    key_string(w, "angle_kernels",
               s->angle_kernels && s->angle_kernels[0] ? s->angle_kernels : NULL);
    romcv__json_write_end_object(w);
}

static void write_model(RomcvJsonWriter *w, const char *key, const RomcvModelInfo *m) {
    romcv__json_write_key(w, key);
    romcv__json_write_begin_object(w);
    key_string(w, "name", m->short_name);
    key_string(w, "file", m->file_name);
    key_string(w, "sha256", m->sha256);
    romcv__json_write_end_object(w);
}

static void write_models(RomcvJsonWriter *w, const RomcvSummary *s) {
    romcv__json_write_key(w, "models");
    romcv__json_write_begin_object(w);
    key_string(w, "package", ROMCV_MODELS_PACKAGE "@" ROMCV_MODELS_PACKAGE_VERSION);
    key_string(w, "folder", s->models_dir);
    write_model(w, "landmark", romcv_model_info(s->landmark_model));
    write_model(w, "detector", romcv_model_info(ROMCV_MODEL_DETECTOR));
    romcv__json_write_end_object(w);
}

static void write_options(RomcvJsonWriter *w, const RomcvSummary *s) {
    const RomcvSummaryOptions *o = &s->options;
    romcv__json_write_key(w, "options");
    romcv__json_write_begin_object(w);
    key_string(w, "model", romcv_model_info(s->landmark_model)->short_name);
    key_string(w, "view", o->view ? o->view : "auto");
    key_bool(w, "mirrored", o->mirrored);
    key_number(w, "cutoff_hz", o->cutoff_hz);
    key_int(w, "threads", o->threads);
    key_number(w, "from_s", o->from_s);
    key_number(w, "to_s", o->to_s >= 0 ? o->to_s : NAN);
    key_number(w, "fps", o->fps > 0 ? o->fps : NAN);
    key_count(w, "width", o->width > 0 ? o->width : -1);
    key_count(w, "height", o->height > 0 ? o->height : -1);
    key_string(w, "protocol", o->protocol);
    key_string(w, "side", o->side);
    key_string(w, "out_dir", o->out_dir);
    key_string(w, "tracking", o->tracking ? o->tracking : "video");
    key_string(w, "markers", o->markers);
    key_string(w, "silhouette", o->silhouette);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "command_line");
    if (s->argc > 0) {
        romcv__json_write_begin_array(w);
        for (int i = 0; i < s->argc; i++) {
            romcv__json_write_string(w, s->argv[i] ? s->argv[i] : "");
        }
        romcv__json_write_end_array(w);
    } else {
        romcv__json_write_null(w);
    }
}

static void write_input(RomcvJsonWriter *w, const RomcvCaptureInfo *in) {
    romcv__json_write_key(w, "input");
    if (!in) {
        romcv__json_write_null(w);
        return;
    }
    romcv__json_write_begin_object(w);
    key_chars(w, "path", in->input, sizeof in->input);
    key_string(w, "kind", romcv_capture_kind_name(in->kind));
    key_chars(w, "container", in->container, sizeof in->container);
    key_chars(w, "codec", in->codec, sizeof in->codec);
    key_chars(w, "device_name", in->device_name, sizeof in->device_name);
    key_count(w, "size_bytes", in->size_bytes);
    key_int(w, "width", in->width);
    key_int(w, "height", in->height);
    key_int(w, "coded_width", in->coded_width);
    key_int(w, "coded_height", in->coded_height);
    char sar[32];
    snprintf(sar, sizeof sar, "%d:%d", in->sar_num, in->sar_den);
    key_string(w, "sample_aspect_ratio", sar);
    key_int(w, "rotation_deg", in->rotation_deg);
    key_number(w, "nominal_fps", in->nominal_fps > 0 ? in->nominal_fps : NAN);
    key_count(w, "frame_count", in->frames_expected);
    key_time(w, "duration_s", in->duration_s >= 0 ? in->duration_s : NAN);
    key_bool(w, "damaged", in->damaged);
    romcv__json_write_end_object(w);
}

static void write_calibration(RomcvJsonWriter *w, const RomcvSummaryCalibration *c) {
    romcv__json_write_key(w, "calibration");
    romcv__json_write_begin_object(w);
    key_string(w, "camera_file", c->camera_file);
    key_string(w, "vertical_line", c->vertical_line);
    romcv__json_write_key(w, "down");
    romcv__json_write_begin_array(w);
    romcv__json_write_number(w, decimal(c->down_x, 7));
    romcv__json_write_number(w, decimal(c->down_y, 7));
    romcv__json_write_end_array(w);
    key_number(w, "metres_per_px", c->metres_per_px > 0 ? c->metres_per_px : NAN);
    romcv__json_write_end_object(w);
}

static void write_recording_warnings(RomcvJsonWriter *w, const RomcvSummary *s) {
    romcv__json_write_key(w, "recording_warnings");
    romcv__json_write_begin_array(w);
    for (int i = 0; i < s->n_recording_warnings; i++) {
        const RomcvCheckWarning *c = &s->recording_warnings[i];
        romcv__json_write_begin_object(w);
        key_string(w, "check", romcv_calib_check_name(c->id));
        key_value(w, "value", c->value);
        key_value(w, "limit", c->limit);
        key_chars(w, "message", c->message, sizeof c->message);
        key_chars(w, "advice", c->advice, sizeof c->advice);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_array(w);
}

static void write_frames(RomcvJsonWriter *w, const RomcvSummary *s) {
    romcv__json_write_key(w, "frames");
    romcv__json_write_begin_object(w);
    key_int(w, "analysed", (int64_t)s->frames_analysed);
    key_int(w, "with_person", (int64_t)s->frames_with_person);
    key_int(w, "lost", s->input ? s->input->frames_lost : 0);
    key_int(w, "without_pts", s->input ? s->input->frames_without_pts : 0);
    key_time(w, "first_time_s", s->first_time_s);
    key_time(w, "last_time_s", s->last_time_s);
    romcv__json_write_end_object(w);
}

static int compare_floats(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Minimum, median and maximum of the finite values (NaN when none). Sorts
 * a copy, so scratch holds n floats. */
static void channel_stats(const float *values, size_t n, float *scratch, float *min, float *max,
                          float *median) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(values[i])) {
            scratch[count++] = values[i];
        }
    }
    *min = *max = *median = NAN;
    if (count > 0) {
        qsort(scratch, count, sizeof *scratch, compare_floats);
        *min = scratch[0];
        *max = scratch[count - 1];
        *median =
            count % 2 ? scratch[count / 2] : 0.5f * (scratch[count / 2 - 1] + scratch[count / 2]);
    }
}

static int write_angles(RomcvJsonWriter *w, const RomcvSummary *s) {
    const RomcvAngleResults *a = s->angles;
    romcv__json_write_key(w, "baseline");
    romcv__json_write_begin_object(w);
    key_time(w, "start_s", a ? a->baseline_start_s : NAN);
    key_time(w, "end_s", a ? a->baseline_end_s : NAN);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "angles");
    romcv__json_write_begin_array(w);
    float *scratch = NULL;
    if (a && a->n > 0) {
        scratch = malloc(sizeof(float) * a->n);
        if (!scratch) {
            return ROMCV_ERR(ENOMEM);
        }
    }
    for (int id = 0; a && id < ROMCV_ANGLE_COUNT; id++) {
        const RomcvAngleInfo *info = romcv_angle_info((RomcvAngleId)id);
        const RomcvAngleChannel *c = &a->channel[id];
        float min = NAN, max = NAN, median = NAN;
        if (scratch && c->value_deg) {
            channel_stats(c->value_deg, a->n, scratch, &min, &max, &median);
        }
        romcv__json_write_begin_object(w);
        key_string(w, "name", info->name);
        key_string(w, "unit", info->unit);
        key_string(w, "positive", info->positive);
        key_string(w, "negative", info->negative);
        key_int(w, "frames_measured", (int64_t)c->valid);
        key_value(w, "min", min);
        key_value(w, "median", median);
        key_value(w, "max", max);
        key_value(w, "baseline", c->baseline_deg);
        key_bool(w, "estimate", c->is_estimate);
        /* Which method measured it; null for a channel never measured. */
        key_string(w, "method", c->valid ? romcv_angle_method_name(c->method) : NULL);
        key_string(w, "source", info->source);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_array(w);
    free(scratch);
    return 0;
}

/* ------------------------------------------------------------- protocol */

/* A table, not a switch: the protocol layer grows statistics, and a new one
 * shows up as "unknown", which the schema's enum rejects in the tests. */
static const char *statistic_name(RomcvStatistic statistic) {
    static const char *const names[] = {
        [ROMCV_STAT_PEAK] = "peak",     [ROMCV_STAT_AT_PEAK] = "at_peak",
        [ROMCV_STAT_RANGE] = "range",   [ROMCV_STAT_DURATION] = "duration",
        [ROMCV_STAT_MEDIAN] = "median",
    };
    unsigned i = (unsigned)statistic;
    return i < sizeof names / sizeof names[0] && names[i] ? names[i] : "unknown";
}

/* Checks the indices the writer follows, so that a result built by hand
 * (or a future engine bug) gives a clear error instead of a wild read. */
static int check_protocol(const RomcvProtocolResult *p, RomcvDiag *diag, const char *path) {
    const RomcvProtocolDef *def = p->def;
    if (!def) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: protocol result without definition",
                              path);
    }
    if (def->n_segmenters < 0 || def->n_segmenters > ROMCV_PROTOCOL_MAX_SEGMENTERS ||
        def->n_measures < 0 || def->n_measures > ROMCV_PROTOCOL_MAX_MEASURES) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: protocol %s: bad table sizes", path,
                              def->name);
    }
    if ((p->n_repetitions && !p->repetition) || (p->n_flags && !p->flag) ||
        (p->n_warnings && !p->warning)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: protocol %s: array missing", path,
                              def->name);
    }
    for (size_t r = 0; r < p->n_repetitions; r++) {
        if (p->repetition[r].segmenter < 0 || p->repetition[r].segmenter >= def->n_segmenters) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                  "%s: protocol %s: repetition %zu has no segmenter", path,
                                  def->name, r);
        }
    }
    for (int m = 0; m < def->n_measures; m++) {
        const RomcvMeasureResult *mr = &p->measure[m];
        if (mr->n_values && !mr->values) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: protocol %s: measure %d: no values",
                                  path, def->name, m);
        }
        for (size_t v = 0; v < mr->n_values; v++) {
            if (mr->values[v].repetition < 0 ||
                (size_t)mr->values[v].repetition >= p->n_repetitions) {
                return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                      "%s: protocol %s: measure %d refers to repetition %d", path,
                                      def->name, m, mr->values[v].repetition);
            }
        }
    }
    for (size_t f = 0; f < p->n_flags; f++) {
        if (!p->flag[f].def) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: protocol %s: flag %zu: no rule",
                                  path, def->name, f);
        }
    }
    return 0;
}

static void write_repetitions(RomcvJsonWriter *w, const RomcvProtocolResult *p) {
    const RomcvProtocolDef *def = p->def;
    romcv__json_write_key(w, "repetitions");
    romcv__json_write_begin_array(w);
    for (size_t i = 0; i < p->n_repetitions; i++) {
        const RomcvRepetition *r = &p->repetition[i];
        const RomcvSegmenterDef *sd = &def->segmenter[r->segmenter];
        romcv__json_write_begin_object(w);
        key_int(w, "index", (int64_t)i);
        key_string(w, "segmenter", sd->name);
        key_string(w, "kind", sd->kind == ROMCV_SEGMENT_HOLD ? "hold" : "repetitions");
        key_string(w, "side", side_name(sd->side));
        key_string(w, "signal", romcv_signal_name(sd->signal));
        key_string(w, "unit", romcv_signal_unit(sd->signal));
        key_moment(w, "start", r->start_frame, r->start_s);
        key_moment(w, "peak", r->peak_frame, r->peak_s);
        key_moment(w, "end", r->end_frame, r->end_s);
        key_time(w, "duration_s", r->end_s - r->start_s);
        key_value(w, "peak_value", r->peak);
        key_value(w, "range", r->range);
        key_bool(w, "partial", r->partial);
        key_bool(w, "cut", r->cut);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_array(w);
}

static void write_measure(RomcvJsonWriter *w, const RomcvSummary *s, const RomcvProtocolResult *p,
                          int m) {
    const RomcvProtocolDef *def = p->def;
    const RomcvMeasureResult *mr = &p->measure[m];
    const RomcvMeasureDef *md = mr->def ? mr->def : &def->measure[m];
    romcv__json_write_begin_object(w);
    key_string(w, "key", md->key);
    key_string(w, "name", md->name);
    key_string(w, "signal", romcv_signal_name(md->signal));
    key_string(w, "unit",
               md->statistic == ROMCV_STAT_DURATION ? "s" : romcv_signal_unit(md->signal));
    key_string(w, "statistic", statistic_name(md->statistic));
    /* Values are reported times direction: -1 turns external rotation (a
     * negative hip_rotation) into a positive end range. */
    key_int(w, "direction", md->direction < 0 ? -1 : 1);
    key_bool(w, "relative", md->relative);
    key_string(w, "segmenter",
               md->segmenter >= 0 && md->segmenter < def->n_segmenters
                   ? def->segmenter[md->segmenter].name
                   : NULL);
    romcv__json_write_key(w, "values");
    romcv__json_write_begin_array(w);
    for (size_t v = 0; v < mr->n_values; v++) {
        const RomcvMeasureValue *mv = &mr->values[v];
        romcv__json_write_begin_object(w);
        key_int(w, "repetition", mv->repetition);
        key_value(w, "value", mv->value);
        key_int(w, "frame", (int64_t)mv->frame);
        key_time(w, "time_s", frame_time(s, mv->frame));
        key_string(w, "outside_normal",
                   isfinite(mv->value) ? outside_name(mv->outside_normal) : NULL);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_array(w);
    int has_best = isfinite(mr->best);
    key_value(w, "best", mr->best);
    key_count(w, "best_frame", has_best ? (int64_t)mr->best_frame : -1);
    key_time(w, "best_time_s", has_best ? frame_time(s, mr->best_frame) : NAN);
    key_string(w, "outside_normal", has_best ? outside_name(mr->outside_normal) : NULL);
    romcv__json_write_key(w, "normal_range");
    if (isnan(md->normal_low) && isnan(md->normal_high)) {
        romcv__json_write_null(w); /* none published */
    } else {
        romcv__json_write_begin_object(w);
        key_value(w, "low", md->normal_low);
        key_value(w, "high", md->normal_high);
        key_string(w, "source", md->normal_source);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_key(w, "asymmetry");
    if (md->pair < 0 || md->pair >= def->n_measures) {
        romcv__json_write_null(w);
    } else {
        /* The engine reports left minus right on one measure of the pair;
         * the other carries null, as does a pair with a side not measured. */
        romcv__json_write_begin_object(w);
        key_string(w, "with", def->measure[md->pair].key);
        key_value(w, "value", mr->asymmetry);
        key_value(w, "threshold", md->asymmetry_threshold);
        key_bool(w, "asymmetric", isfinite(mr->asymmetry) && mr->asymmetric);
        key_string(w, "source", md->asymmetry_source);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_object(w);
}

static void write_flags(RomcvJsonWriter *w, const RomcvSummary *s, const RomcvProtocolResult *p) {
    romcv__json_write_key(w, "compensations");
    romcv__json_write_begin_array(w);
    for (size_t i = 0; i < p->n_flags; i++) {
        const RomcvCompensationFlag *f = &p->flag[i];
        const RomcvFlagDef *fd = f->def;
        romcv__json_write_begin_object(w);
        key_string(w, "key", fd->key);
        key_string(w, "text", fd->text);
        key_count(w, "repetition",
                  f->repetition >= 0 && (size_t)f->repetition < p->n_repetitions ? f->repetition
                                                                                 : -1);
        key_string(w, "side", side_name(f->side));
        key_string(w, "signal", romcv_signal_name(fd->signal));
        key_moment(w, "start", f->start_frame, f->start_s);
        key_moment(w, "end", f->end_frame, f->end_s);
        key_moment(w, "evidence", f->evidence_frame, frame_time(s, f->evidence_frame));
        key_value(w, "magnitude", f->magnitude);
        key_value(w, "threshold", f->threshold);
        key_string(w, "unit",
                   fd->kind == ROMCV_FLAG_RATIO_AT_PEAK ? "ratio" : romcv_signal_unit(fd->signal));
        key_string(w, "source", fd->source);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_array(w);
}

static void write_protocol(RomcvJsonWriter *w, const RomcvSummary *s) {
    const RomcvProtocolResult *p = s->protocol;
    romcv__json_write_key(w, "protocol");
    if (!p) {
        romcv__json_write_null(w);
        return;
    }
    const RomcvProtocolDef *def = p->def;
    romcv__json_write_begin_object(w);
    key_string(w, "name", def->name);
    key_string(w, "title", def->title);
    romcv__json_write_key(w, "views");
    romcv__json_write_begin_array(w);
    for (int v = ROMCV_VIEW_FRONT; v <= ROMCV_VIEW_RIGHT_SIDE; v++) {
        if (def->views & (1u << v)) {
            romcv__json_write_string(w, romcv_view_name((RomcvView)v));
        }
    }
    romcv__json_write_end_array(w);
    key_string(w, "dominant_view", romcv_view_name(p->dominant_view));
    key_bool(w, "view_ok", p->view_ok);
    key_value(w, "view_fraction", p->view_fraction);
    key_value(w, "leg_length_px", p->leg_length_px);
    write_repetitions(w, p);
    romcv__json_write_key(w, "measures");
    romcv__json_write_begin_array(w);
    for (int m = 0; m < def->n_measures; m++) {
        write_measure(w, s, p, m);
    }
    romcv__json_write_end_array(w);
    write_flags(w, s, p);
    romcv__json_write_key(w, "warnings");
    romcv__json_write_begin_array(w);
    for (size_t i = 0; i < p->n_warnings; i++) {
        romcv__json_write_string_n(w, p->warning[i], strnlen(p->warning[i], sizeof p->warning[i]));
    }
    romcv__json_write_end_array(w);
    romcv__json_write_end_object(w);
}

/* --------------------------------------------------------------- the file */

static int write_document(RomcvJsonWriter *w, const RomcvSummary *s) {
    romcv__json_write_begin_object(w);
    key_string(w, "format", "romcv-summary");
    key_int(w, "format_version", ROMCV_SUMMARY_FORMAT_VERSION);
    write_software(w, s);
    write_models(w, s);
    write_options(w, s);
    write_input(w, s->input);
    write_calibration(w, &s->calibration);
    write_recording_warnings(w, s);
    write_frames(w, s);
    int rc = write_angles(w, s);
    if (rc < 0) {
        return rc;
    }
    write_protocol(w, s);
    romcv__json_write_key(w, "files");
    romcv__json_write_begin_array(w);
    for (size_t i = 0; i < s->n_files; i++) {
        romcv__json_write_string(w, s->files[i] ? s->files[i] : "");
    }
    romcv__json_write_end_array(w);
    key_string(w, "status", romcv_summary_status_name(s->status));
    /* The reader's one question about an interrupted run, in one key. */
    key_bool(w, "partial", s->status == ROMCV_SUMMARY_INTERRUPTED);
    key_string(w, "error",
               s->status == ROMCV_SUMMARY_FAILED
                   ? (s->error && s->error[0] ? s->error : "failed (no reason given)")
                   : NULL);
    romcv__json_write_end_object(w);
    return 0;
}

static int check_summary(const char *path, const RomcvSummary *s, RomcvDiag *diag) {
    if (!romcv_summary_status_name(s->status)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: unknown status %d", path,
                              (int)s->status);
    }
    const RomcvModelInfo *m = romcv_model_info(s->landmark_model);
    if (!m || s->landmark_model == ROMCV_MODEL_DETECTOR) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: %d is not a landmark model", path,
                              (int)s->landmark_model);
    }
    if (s->argc < 0 || (s->argc > 0 && !s->argv) || s->n_recording_warnings < 0 ||
        (s->n_recording_warnings > 0 && !s->recording_warnings) || (s->n_files && !s->files)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: a count without its array", path);
    }
    return s->protocol ? check_protocol(s->protocol, diag, path) : 0;
}

int romcv_report_write_summary(const char *path, const RomcvSummary *s, RomcvDiag *diag) {
    if (!path || !s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "summary: no path or no summary");
    }
    int rc = check_summary(path, s, diag);
    if (rc < 0) {
        return rc;
    }
    RomcvAtomicFile af;
    rc = romcv__atomic_open(&af, path, diag);
    if (rc < 0) {
        return rc;
    }
    RomcvJsonWriter *w = NULL;
    rc = romcv__json_writer_create(&w, af.file, ROMCV_JSON_WRITE_PRETTY);
    if (rc < 0) {
        romcv__atomic_abort(&af);
        return romcv_diag_set(diag, rc, "%s: out of memory", path);
    }
    rc = write_document(w, s);
    RomcvDiag json_diag = {0};
    if (rc < 0) {
        romcv_diag_set(diag, rc, "%s: out of memory", path);
    } else if ((rc = romcv__json_writer_finish(w, &json_diag)) < 0) {
        romcv_diag_set(diag, rc, "%s: %s", path, json_diag.message);
    }
    romcv__json_writer_destroy(&w);
    if (rc < 0) {
        romcv__atomic_abort(&af);
        return rc;
    }
    return romcv__atomic_commit(&af, diag);
}
