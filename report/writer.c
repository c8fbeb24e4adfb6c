/*
 * report/writer.c: the streaming CSV, TRC and MOT writers and the dispatch
 * to the C3D writer (report/c3d.c).
 *
 * Formats (docs/file-formats.md has the full description):
 * - TRC as OpenSim's TRCFileAdapter reads and writes it: "PathFileType 4
 *   (X/Y/Z) <file>", the key line, the value line, "Frame# Time <names>",
 *   "X1 Y1 Z1 ...", a blank line, then one tab-separated row per frame.
 *   Missing markers are empty fields, which OpenSim reads as NaN.
 * - MOT (OpenSim Storage, version 1): title, version=1, nRows, nColumns
 *   (counting time), inDegrees=yes, endheader, a label row starting with
 *   time, one row per frame; NaN is written as NaN (strtod reads it).
 *
 * Row counts in TRC and MOT headers are unknown until close. Rather than
 * buffering every row (memory would grow with the recording) or writing the
 * body twice, the header holds a right-aligned, space-padded field of
 * COUNT_WIDTH characters that close overwrites in place; stoi, atoi, strtol
 * and Python's int() all skip the leading spaces.
 */
#include "report/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNT_WIDTH 10 /* up to 9 999 999 999 rows */

struct RomcvReportWriter {
    RomcvReportFormat format;
    RomcvReportSettings s; /* channels and title point at the copies below */
    RomcvReportChannel *channels;
    char *names; /* channel names and units, one block */
    char *title;
    const char **mot_names; /* MOT: the names written (OpenSim or romcv's) */
    int *mot_sign;          /* MOT: +1 or -1 per channel */
    RomcvAtomicFile af;
    RomcvC3dState c3d;
    long count_offset[2]; /* TRC: NumFrames, OrigNumFrames; MOT: nRows (-1: none) */
    int64_t rows;
    double last_time_s;
    int error; /* sticky write error */
    RomcvDiag diag;
};

static const char *const landmark_names[ROMCV_REPORT_LANDMARKS] = {
    "nose",        "left_eye_inner",  "left_eye",         "left_eye_outer", "right_eye_inner",
    "right_eye",   "right_eye_outer", "left_ear",         "right_ear",      "mouth_left",
    "mouth_right", "left_shoulder",   "right_shoulder",   "left_elbow",     "right_elbow",
    "left_wrist",  "right_wrist",     "left_pinky",       "right_pinky",    "left_index",
    "right_index", "left_thumb",      "right_thumb",      "left_hip",       "right_hip",
    "left_knee",   "right_knee",      "left_ankle",       "right_ankle",    "left_heel",
    "right_heel",  "left_foot_index", "right_foot_index",
};

const char *romcv_report_landmark_name(int k) {
    return k >= 0 && k < ROMCV_REPORT_LANDMARKS ? landmark_names[k] : NULL;
}

/* romcv channel -> OpenSim coordinate, with the sign factor. Signs follow the
 * right-hand rule about the joint axes of gait2392 and Rajagopal 2015 (ground
 * X forward, Y up, Z right); knee_angle uses Rajagopal 2015's flexion-positive
 * sign, as Pose2Sim and OpenCap models do (gait2392 has flexion negative).
 * docs/file-formats.md, "OpenSim names", derives each sign. */
static const struct {
    const char *romcv;
    const char *opensim;
    int sign;
} opensim_map[] = {
    {"hip_flexion_left", "hip_flexion_l", 1},   {"hip_flexion_right", "hip_flexion_r", 1},
    {"hip_rotation_left", "hip_rotation_l", 1}, {"hip_rotation_right", "hip_rotation_r", 1},
    {"knee_flexion_left", "knee_angle_l", 1},   {"knee_flexion_right", "knee_angle_r", 1},
    {"pelvic_tilt", "pelvis_tilt", -1},         {"pelvic_obliquity", "pelvis_list", 1},
    {"lumbar_lordosis", "lumbar_extension", 1},
};

const char *romcv_report_opensim_name(const char *romcv_name, int *sign) {
    if (romcv_name) {
        for (size_t i = 0; i < sizeof(opensim_map) / sizeof(opensim_map[0]); i++) {
            if (strcmp(opensim_map[i].romcv, romcv_name) == 0) {
                if (sign)
                    *sign = opensim_map[i].sign;
                return opensim_map[i].opensim;
            }
        }
    }
    if (sign)
        *sign = 1;
    return NULL;
}

void romcv_report_default_settings(RomcvReportSettings *s) {
    memset(s, 0, sizeof(*s));
    s->units = ROMCV_REPORT_UNITS_PX;
    s->opensim_names = 1;
}

int romcv__report_point_valid(const RomcvReportSettings *s, const float *landmarks, int k) {
    if (!landmarks)
        return 0;
    const float *p = landmarks + (size_t)k * ROMCV_REPORT_LANDMARK_FLOATS;
    if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]))
        return 0;
    return !(p[3] < s->min_visibility);
}

/* Names go into tab- and comma-separated headers unquoted, so only plain
 * identifier characters are allowed. */
static int plain_name(const char *name) {
    if (!name || !*name)
        return 0;
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return 0;
    }
    return 1;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Copies the borrowed settings strings into the writer. */
static int copy_settings(RomcvReportWriter *w, const RomcvReportSettings *s, const char *path,
                         RomcvDiag *diag) {
    w->s = *s;
    size_t bytes = 0;
    for (size_t i = 0; i < s->n_channels; i++)
        bytes += strlen(s->channels[i].name) + strlen(s->channels[i].unit) + 2;
    w->channels = calloc(s->n_channels ? s->n_channels : 1, sizeof(*w->channels));
    w->names = malloc(bytes ? bytes : 1);
    w->mot_names = calloc(s->n_channels ? s->n_channels : 1, sizeof(*w->mot_names));
    w->mot_sign = calloc(s->n_channels ? s->n_channels : 1, sizeof(*w->mot_sign));
    w->title = strdup(s->title ? s->title : base_name(path));
    if (!w->channels || !w->names || !w->mot_names || !w->mot_sign || !w->title)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    char *p = w->names;
    for (size_t i = 0; i < s->n_channels; i++) {
        size_t n = strlen(s->channels[i].name) + 1, u = strlen(s->channels[i].unit) + 1;
        memcpy(p, s->channels[i].name, n);
        w->channels[i].name = p;
        p += n;
        memcpy(p, s->channels[i].unit, u);
        w->channels[i].unit = p;
        p += u;
        w->mot_names[i] = w->channels[i].name;
        w->mot_sign[i] = 1;
        if (s->opensim_names) {
            int sign;
            const char *os = romcv_report_opensim_name(w->channels[i].name, &sign);
            if (os) {
                w->mot_names[i] = os;
                w->mot_sign[i] = sign;
            }
        }
    }
    w->s.channels = w->channels;
    w->s.title = w->title;
    return 0;
}

static int check_settings(RomcvReportFormat format, const RomcvReportSettings *s, const char *path,
                          RomcvDiag *diag) {
    if (s->units != ROMCV_REPORT_UNITS_PX && s->units != ROMCV_REPORT_UNITS_M)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: unknown landmark units %d", path,
                              (int)s->units);
    if ((format == ROMCV_REPORT_TRC || format == ROMCV_REPORT_C3D) &&
        !(s->frame_rate_hz > 0 && isfinite(s->frame_rate_hz)))
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: a frame rate > 0 Hz is required", path);
    if (!isfinite(s->y_up_origin))
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: y_up_origin is not finite", path);
    if (s->n_channels && !s->channels)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: %zu channels but no array", path,
                              s->n_channels);
    for (size_t i = 0; i < s->n_channels; i++) {
        const RomcvReportChannel *c = &s->channels[i];
        if (!plain_name(c->name) || !c->unit || strpbrk(c->unit, "\t\r\n,\""))
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                  "%s: channel %zu: name must be [A-Za-z0-9_.-]+ and unit plain",
                                  path, i);
        if (format == ROMCV_REPORT_MOT && strcmp(c->unit, "deg") != 0)
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                  "%s: channel %s is in %s; MOT files say inDegrees=yes", path,
                                  c->name, c->unit);
    }
    const char *title = s->title ? s->title : base_name(path);
    if (strpbrk(title, "\t\r\n"))
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: title holds a tab or newline", path);
    return 0;
}

/* Records the first write error; returns it. */
static int fail_write(RomcvReportWriter *w, int saved_errno) {
    if (!w->error)
        w->error = romcv__atomic_write_error(&w->af, saved_errno, &w->diag);
    return w->error;
}

static int check_stream(RomcvReportWriter *w) {
    if (ferror(w->af.file))
        return fail_write(w, errno);
    return 0;
}

/* ------------------------------------------------------------------- CSV */

static void csv_header(RomcvReportWriter *w) {
    FILE *f = w->af.file;
    const char *u = w->s.units == ROMCV_REPORT_UNITS_M ? "m" : "px";
    fputs("frame,time_s", f);
    for (int k = 0; k < ROMCV_REPORT_LANDMARKS; k++)
        fprintf(f, ",%s_x_%s,%s_y_%s,%s_z_%s,%s_visibility", landmark_names[k], u,
                landmark_names[k], u, landmark_names[k], u, landmark_names[k]);
    for (size_t i = 0; i < w->s.n_channels; i++)
        fprintf(f, ",%s_%s", w->channels[i].name, w->channels[i].unit);
    fputs(",view,phase\n", f);
}

/* Empty cell for NaN: the "empty when not measurable", and what
 * spreadsheet and pandas readers take as missing. */
static void csv_number(FILE *f, double v) {
    if (isfinite(v))
        fprintf(f, ",%.9g", v);
    else
        fputc(',', f);
}

/* RFC 4180: a field with a comma, quote or line break is quoted and its
 * quotes doubled. */
static void csv_text(FILE *f, const char *text) {
    fputc(',', f);
    if (!text)
        return;
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

static void csv_row(RomcvReportWriter *w, const RomcvReportFrame *fr) {
    FILE *f = w->af.file;
    fprintf(f, "%" PRId64 ",%.9g", fr->index, fr->time_s);
    for (int k = 0; k < ROMCV_REPORT_LANDMARKS; k++) {
        for (int j = 0; j < ROMCV_REPORT_LANDMARK_FLOATS; j++)
            csv_number(f,
                       fr->landmarks ? fr->landmarks[k * ROMCV_REPORT_LANDMARK_FLOATS + j] : NAN);
    }
    for (size_t i = 0; i < w->s.n_channels; i++)
        csv_number(f, fr->values ? fr->values[i] : NAN);
    csv_text(f, romcv_view_name(fr->view));
    csv_text(f, fr->phase);
    fputc('\n', f);
}

/* ------------------------------------------------------------------- TRC */

static void trc_header(RomcvReportWriter *w) {
    FILE *f = w->af.file;
    fprintf(f, "PathFileType\t4\t(X/Y/Z)\t%s\n", w->title);
    fputs("DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
          "OrigDataStartFrame\tOrigNumFrames\n",
          f);
    fprintf(f, "%.9g\t%.9g\t", w->s.frame_rate_hz, w->s.frame_rate_hz);
    w->count_offset[0] = ftell(f);
    fprintf(f, "%*d\t%d\t%s\t%.9g\t1\t", COUNT_WIDTH, 0, ROMCV_REPORT_LANDMARKS,
            w->s.units == ROMCV_REPORT_UNITS_M ? "m" : "px", w->s.frame_rate_hz);
    w->count_offset[1] = ftell(f);
    fprintf(f, "%*d\n", COUNT_WIDTH, 0);
    /* Labels laid out as OpenSim's TRCFileAdapter::extendWrite does: every
     * name and every X/Y/Z label followed by its tabs. */
    fputs("Frame#\tTime\t", f);
    for (int k = 0; k < ROMCV_REPORT_LANDMARKS; k++)
        fprintf(f, "%s\t\t\t", landmark_names[k]);
    fputs("\n\t\t", f);
    for (int k = 1; k <= ROMCV_REPORT_LANDMARKS; k++)
        fprintf(f, "X%d\tY%d\tZ%d\t", k, k, k);
    /* OpenSim writes a blank line after the X/Y/Z labels (as in Pose2Sim's
     * markers_3d_LSTM.trc); its reader skips it. */
    fputs("\n\n", f);
}

static void trc_row(RomcvReportWriter *w, const RomcvReportFrame *fr) {
    FILE *f = w->af.file;
    /* Every field ends in a tab, as OpenSim writes rows: its tokenizer drops
     * an empty last field, so a missing last marker written as "\t\t\t" at
     * the very end would lose a column and fail its row-length check. */
    fprintf(f, "%" PRId64 "\t%.9g\t", w->rows + 1, fr->time_s);
    for (int k = 0; k < ROMCV_REPORT_LANDMARKS; k++) {
        if (!romcv__report_point_valid(&w->s, fr->landmarks, k)) {
            fputs("\t\t\t", f);
            continue;
        }
        const float *p = fr->landmarks + (size_t)k * ROMCV_REPORT_LANDMARK_FLOATS;
        fprintf(f, "%.9g\t%.9g\t%.9g\t", (double)p[0], w->s.y_up_origin - (double)p[1],
                -(double)p[2]);
    }
    fputc('\n', f);
}

/* ------------------------------------------------------------------- MOT */

static void mot_header(RomcvReportWriter *w) {
    FILE *f = w->af.file;
    fprintf(f, "%s\nversion=1\nnRows=", w->title);
    w->count_offset[0] = ftell(f);
    fprintf(f, "%*d\nnColumns=%zu\ninDegrees=yes\nendheader\ntime", COUNT_WIDTH, 0,
            w->s.n_channels + 1);
    for (size_t i = 0; i < w->s.n_channels; i++)
        fprintf(f, "\t%s", w->mot_names[i]);
    fputc('\n', f);
}

static void mot_row(RomcvReportWriter *w, const RomcvReportFrame *fr) {
    FILE *f = w->af.file;
    fprintf(f, "%.9g", fr->time_s);
    for (size_t i = 0; i < w->s.n_channels; i++) {
        double v = fr->values ? fr->values[i] : NAN;
        if (isfinite(v))
            fprintf(f, "\t%.9g", w->mot_sign[i] * v);
        else
            fputs("\tNaN", f);
    }
    fputc('\n', f);
}

/* ------------------------------------------------------------ the writer */

static void writer_free(RomcvReportWriter *w) {
    romcv__atomic_abort(&w->af);
    free(w->channels);
    free(w->names);
    free(w->mot_names);
    free(w->mot_sign);
    free(w->title);
    free(w);
}

int romcv_report_open(RomcvReportWriter **out, RomcvReportFormat format, const char *path,
                      const RomcvReportSettings *s, RomcvDiag *diag) {
    if (!out || !path || !*path || !s)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "report: no output, path or settings");
    *out = NULL;
    if (format < ROMCV_REPORT_CSV || format > ROMCV_REPORT_C3D)
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: unknown format %d", path, (int)format);
    int rc = check_settings(format, s, path, diag);
    if (rc)
        return rc;
    RomcvReportWriter *w = calloc(1, sizeof(*w));
    if (!w)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    w->format = format;
    w->last_time_s = -INFINITY;
    w->count_offset[0] = w->count_offset[1] = -1;
    rc = copy_settings(w, s, path, diag);
    if (rc == 0)
        rc = romcv__atomic_open(&w->af, path, diag);
    if (rc) {
        writer_free(w);
        return rc;
    }
    switch (format) {
    case ROMCV_REPORT_CSV:
        csv_header(w);
        break;
    case ROMCV_REPORT_TRC:
        trc_header(w);
        break;
    case ROMCV_REPORT_MOT:
        mot_header(w);
        break;
    case ROMCV_REPORT_C3D:
        if (romcv__c3d_begin(w->af.file, &w->s, &w->c3d) != 0)
            fail_write(w, errno);
        break;
    }
    rc = w->error ? w->error : check_stream(w);
    if (rc) {
        romcv_diag_copy(diag, &w->diag);
        writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int romcv_report_write(RomcvReportWriter *w, const RomcvReportFrame *frame) {
    if (!w || !frame)
        return ROMCV_ERR(EINVAL);
    if (w->error)
        return w->error;
    if (!isfinite(frame->time_s) || !(frame->time_s > w->last_time_s))
        return romcv_diag_set(&w->diag, ROMCV_ERR(EINVAL),
                              "%s: frame %" PRId64 ": time %.9g s does not follow %.9g s",
                              w->af.path, frame->index, frame->time_s, w->last_time_s);
    if (w->format == ROMCV_REPORT_C3D && w->rows >= INT32_MAX)
        return romcv_diag_set(&w->diag, ROMCV_ERR(EFBIG), "%s: C3D holds at most %d frames",
                              w->af.path, INT32_MAX);
    switch (w->format) {
    case ROMCV_REPORT_CSV:
        csv_row(w, frame);
        break;
    case ROMCV_REPORT_TRC:
        trc_row(w, frame);
        break;
    case ROMCV_REPORT_MOT:
        mot_row(w, frame);
        break;
    case ROMCV_REPORT_C3D:
        romcv__c3d_frame(w->af.file, &w->s, frame->landmarks);
        break;
    }
    int rc = check_stream(w);
    if (rc)
        return rc;
    w->last_time_s = frame->time_s;
    w->rows++;
    w->c3d.frames = w->rows;
    return 0;
}

int64_t romcv_report_rows(const RomcvReportWriter *w) {
    return w ? w->rows : 0;
}

const char *romcv_report_errmsg(const RomcvReportWriter *w) {
    return w ? w->diag.message : "";
}

/* Overwrites the space-padded count fields with the final row count. */
static int patch_counts(RomcvReportWriter *w) {
    FILE *f = w->af.file;
    char field[COUNT_WIDTH + 1];
    snprintf(field, sizeof(field), "%*" PRId64, COUNT_WIDTH, w->rows);
    for (int i = 0; i < 2; i++) {
        if (w->count_offset[i] < 0)
            continue;
        if (fseek(f, w->count_offset[i], SEEK_SET) != 0 ||
            fwrite(field, 1, COUNT_WIDTH, f) != COUNT_WIDTH)
            return fail_write(w, errno);
    }
    if (fseek(f, 0, SEEK_END) != 0)
        return fail_write(w, errno);
    return 0;
}

int romcv_report_close(RomcvReportWriter **pw, RomcvDiag *diag) {
    if (!pw || !*pw)
        return 0;
    RomcvReportWriter *w = *pw;
    *pw = NULL;
    int rc = w->error;
    if (rc == 0 && w->rows > 9999999999LL)
        rc = romcv_diag_set(&w->diag, ROMCV_ERR(EFBIG), "%s: too many rows", w->af.path);
    if (rc == 0) {
        if (w->format == ROMCV_REPORT_C3D) {
            if (romcv__c3d_finish(w->af.file, &w->c3d) != 0)
                rc = fail_write(w, errno);
        } else {
            rc = patch_counts(w);
        }
    }
    if (rc == 0)
        rc = romcv__atomic_commit(&w->af, &w->diag);
    if (rc)
        romcv_diag_copy(diag, &w->diag);
    writer_free(w);
    return rc;
}

void romcv_report_abort(RomcvReportWriter **pw) {
    if (!pw || !*pw)
        return;
    writer_free(*pw);
    *pw = NULL;
}
