/*
 * tests/report/test_report.c: the CSV, TRC, MOT and C3D writers, each read
 * back by an independent reader written here from the format descriptions
 * (OpenSim's TRC and Storage layouts, c3d.org's user guide), never by
 * romcv's own code. The TRC and MOT readers also parse the real OpenSim
 * files of ../shared/samples/pose2sim_balance, to prove the readers accept
 * what OpenSim tools write. Also: atomic commit (no temporary file after
 * close or abort, nothing under the final name after a crash), interrupted
 * runs giving valid shorter files, and write failures naming the file.
 */
#include "testutil.h"

#include "romcv/report.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define NLM  ROMCV_REPORT_LANDMARKS
#define H_PX 720.0

/* ------------------------------------------------------ text utilities */

typedef struct Lines {
    char **line;
    size_t n;
    char *text;
} Lines;

/* Splits a file into lines at '\n' (a '\r' before it is dropped); a final
 * newline does not start an extra line. */
static Lines read_lines(const char *path) {
    Lines l = {0};
    size_t size = 0;
    l.text = romcv_test_read_file(path, &size);
    ck_assert_msg(l.text != NULL, "cannot read %s", path);
    size_t cap = 16;
    l.line = malloc(cap * sizeof(char *));
    char *p = l.text;
    while (*p) {
        char *nl = strchr(p, '\n');
        if (l.n == cap)
            l.line = realloc(l.line, (cap *= 2) * sizeof(char *));
        l.line[l.n++] = p;
        if (!nl)
            break;
        *nl = '\0';
        if (nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        p = nl + 1;
    }
    return l;
}

static void free_lines(Lines *l) {
    free(l->line);
    free(l->text);
}

typedef struct Fields {
    char **f;
    size_t n;
    char *buf;
} Fields;

/* Splits one line at sep; with quotes, RFC 4180 quoted fields ("a,""b""")
 * are unquoted. Empty fields are kept. */
static Fields split(const char *line, char sep, int quotes) {
    Fields r = {0};
    size_t len = strlen(line);
    r.buf = malloc(len + 1);
    r.f = malloc((len + 2) * sizeof(char *));
    char *out = r.buf;
    const char *p = line;
    for (;;) {
        r.f[r.n++] = out;
        if (quotes && *p == '"') {
            p++;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
        }
        while (*p && *p != sep)
            *out++ = *p++;
        *out++ = '\0';
        if (!*p)
            break;
        p++;
    }
    return r;
}

static void free_fields(Fields *f) {
    free(f->f);
    free(f->buf);
}

/* A number cell: NaN for an empty cell or "NaN"; fails on anything else
 * that does not parse completely. Leading spaces are allowed (OpenSim pads
 * its MOT columns). */
static double num(const char *cell) {
    while (*cell == ' ')
        cell++;
    if (!*cell)
        return NAN;
    char *end;
    double v = strtod(cell, &end);
    while (*end == ' ')
        end++;
    ck_assert_msg(*end == '\0', "not a number: '%s'", cell);
    return v;
}

static long integer(const char *cell) {
    char *end;
    long v = strtol(cell, &end, 10);
    while (*end == ' ')
        end++;
    ck_assert_msg(end != cell && *end == '\0', "not an integer: '%s'", cell);
    return v;
}

/* -------------------------------------------------------------- fixtures */

/* Landmark k of frame i: distinct, exactly representable values. */
static void make_landmarks(float *lm, int i) {
    for (int k = 0; k < NLM; k++) {
        lm[k * 4 + 0] = 100.0f + (float)k * 10.0f + (float)i;
        lm[k * 4 + 1] = 200.0f + (float)k * 5.0f - (float)i * 0.5f;
        lm[k * 4 + 2] = -0.25f * (float)k;
        lm[k * 4 + 3] = 0.5f + 0.01f * (float)k;
    }
}

static const RomcvReportChannel test_channels[] = {
    {"pelvic_tilt", "deg"},
    {"knee_flexion_right", "deg"},
    {"trunk_inclination", "deg"},
};
#define NCH 3

static RomcvReportSettings settings(void) {
    RomcvReportSettings s;
    romcv_report_default_settings(&s);
    s.y_up_origin = H_PX;
    s.frame_rate_hz = 30.0;
    s.channels = test_channels;
    s.n_channels = NCH;
    return s;
}

/* Real, uneven timestamps (a 29.97 fps clip with one dropped frame). */
static double frame_time(int i) {
    return (i < 2 ? i : i + 1) * 1001.0 / 30000.0;
}

/* Writes n frames; frame 1 has landmark 5 missing and a NaN angle, frame 2
 * has no person at all. */
static void write_frames(RomcvReportWriter *w, int n) {
    float lm[NLM * 4];
    for (int i = 0; i < n; i++) {
        make_landmarks(lm, i);
        float values[NCH] = {10.0f + (float)i, 20.5f, -3.0f};
        if (i == 1) {
            lm[5 * 4 + 0] = NAN;
            values[2] = NAN;
        }
        RomcvReportFrame fr = {.index = i == 0 ? 0 : i + 1,
                               .time_s = frame_time(i),
                               .landmarks = i == 2 ? NULL : lm,
                               .values = values,
                               .view = i == 0 ? ROMCV_VIEW_LEFT_SIDE : ROMCV_VIEW_FRONT,
                               .phase = i == 1 ? "hold, \"left\"" : "rest"};
        ck_assert_int_eq(romcv_report_write(w, &fr), 0);
    }
    ck_assert_int_eq(romcv_report_rows(w), n);
}

static char *write_file(const char *dir, const char *name, RomcvReportFormat format,
                        const RomcvReportSettings *s, int n) {
    char *path = romcv_test_path(dir, name);
    RomcvReportWriter *w = NULL;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_report_open(&w, format, path, s, &diag), 0);
    write_frames(w, n);
    ck_assert_int_eq(romcv_report_close(&w, &diag), 0);
    ck_assert_ptr_null(w);
    return path;
}

/* Number of entries in dir other than . and .. */
static int dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* ------------------------------------------------------------------- CSV */

START_TEST(csv_columns_and_values) {
    char *dir = romcv_test_make_tmpdir();
    RomcvReportSettings s = settings();
    char *path = write_file(dir, "out.csv", ROMCV_REPORT_CSV, &s, 3);
    ck_assert_int_eq(dir_entries(dir), 1); /* no temporary file left */
    Lines l = read_lines(path);
    ck_assert_uint_eq(l.n, 4);
    Fields h = split(l.line[0], ',', 1);
    const size_t ncol = 2 + NLM * 4 + NCH + 2;
    ck_assert_uint_eq(h.n, ncol);
    ck_assert_str_eq(h.f[0], "frame");
    ck_assert_str_eq(h.f[1], "time_s");
    ck_assert_str_eq(h.f[2], "nose_x_px");
    ck_assert_str_eq(h.f[3], "nose_y_px");
    ck_assert_str_eq(h.f[4], "nose_z_px");
    ck_assert_str_eq(h.f[5], "nose_visibility");
    ck_assert_str_eq(h.f[2 + 32 * 4], "right_foot_index_x_px");
    ck_assert_str_eq(h.f[2 + NLM * 4], "pelvic_tilt_deg");
    ck_assert_str_eq(h.f[2 + NLM * 4 + 2], "trunk_inclination_deg");
    ck_assert_str_eq(h.f[ncol - 2], "view");
    ck_assert_str_eq(h.f[ncol - 1], "phase");
    float lm[NLM * 4];
    for (int i = 0; i < 3; i++) {
        Fields r = split(l.line[1 + i], ',', 1);
        ck_assert_uint_eq(r.n, ncol);
        ck_assert_int_eq(integer(r.f[0]), i == 0 ? 0 : i + 1);
        ck_assert_double_eq_tol(num(r.f[1]), frame_time(i), 1e-9); /* the real time */
        make_landmarks(lm, i);
        for (int k = 0; k < NLM; k++) {
            for (int j = 0; j < 4; j++) {
                double v = num(r.f[2 + k * 4 + j]);
                if (i == 2 || (i == 1 && k == 5 && j == 0))
                    ck_assert_msg(isnan(v) && r.f[2 + k * 4 + j][0] == '\0',
                                  "frame %d landmark %d: empty cell expected", i, k);
                else
                    ck_assert_float_eq((float)v, lm[k * 4 + j]); /* %.9g round-trips */
            }
        }
        ck_assert_double_eq(num(r.f[2 + NLM * 4]), 10.0 + i);
        ck_assert_double_eq(num(r.f[2 + NLM * 4 + 1]), 20.5); /* romcv's sign, no mapping */
        if (i == 1)
            ck_assert_str_eq(r.f[2 + NLM * 4 + 2], "");
        else
            ck_assert_double_eq(num(r.f[2 + NLM * 4 + 2]), -3.0);
        ck_assert_str_eq(r.f[ncol - 2], i == 0 ? "left" : "front");
        ck_assert_str_eq(r.f[ncol - 1], i == 1 ? "hold, \"left\"" : "rest");
        free_fields(&r);
    }
    free_fields(&h);
    free_lines(&l);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* ------------------------------------------------------------------- TRC */

/* What the TRC reader returns. */
typedef struct Trc {
    char *path_line;
    double data_rate, camera_rate, orig_rate;
    long num_frames, num_markers, orig_start, orig_frames;
    char units[16];
    char **markers;      /* num_markers names */
    long rows;           /* data rows read */
    double *xyz;         /* rows x num_markers x 3, NaN for empty cells */
    double *time;        /* rows */
    long xyz_line_index; /* the line of X1 Y1 Z1 labels */
    Lines lines;
} Trc;

/* Reads a TRC file as OpenSim lays it out: line 1 PathFileType, line 2 the
 * key names, line 3 their values (looked up by key, not position), line 4
 * Frame# Time and one name per marker followed by two empty cells, line 5
 * X1 Y1 Z1..., then optional blank lines and the rows. */
static Trc read_trc(const char *path) {
    Trc t = {0};
    t.lines = read_lines(path);
    ck_assert_uint_ge(t.lines.n, 5);
    t.path_line = t.lines.line[0];
    ck_assert_msg(strncmp(t.path_line, "PathFileType", 12) == 0, "%s", t.path_line);
    Fields k = split(t.lines.line[1], '\t', 0), v = split(t.lines.line[2], '\t', 0);
    ck_assert_uint_ge(v.n, k.n);
    for (size_t i = 0; i < k.n; i++) {
        if (!strcmp(k.f[i], "DataRate"))
            t.data_rate = num(v.f[i]);
        else if (!strcmp(k.f[i], "CameraRate"))
            t.camera_rate = num(v.f[i]);
        else if (!strcmp(k.f[i], "NumFrames"))
            t.num_frames = integer(v.f[i]);
        else if (!strcmp(k.f[i], "NumMarkers"))
            t.num_markers = integer(v.f[i]);
        else if (!strcmp(k.f[i], "Units"))
            snprintf(t.units, sizeof(t.units), "%s", v.f[i]);
        else if (!strcmp(k.f[i], "OrigDataRate"))
            t.orig_rate = num(v.f[i]);
        else if (!strcmp(k.f[i], "OrigDataStartFrame"))
            t.orig_start = integer(v.f[i]);
        else if (!strcmp(k.f[i], "OrigNumFrames"))
            t.orig_frames = integer(v.f[i]);
    }
    free_fields(&k);
    free_fields(&v);
    ck_assert_int_gt(t.num_markers, 0);
    Fields names = split(t.lines.line[3], '\t', 0);
    ck_assert_str_eq(names.f[0], "Frame#");
    ck_assert_str_eq(names.f[1], "Time");
    ck_assert_uint_ge(names.n, 2 + 3 * (size_t)t.num_markers - 2);
    t.markers = calloc((size_t)t.num_markers, sizeof(char *));
    for (long m = 0; m < t.num_markers; m++) {
        t.markers[m] = strdup(names.f[2 + 3 * m]);
        ck_assert_msg(t.markers[m][0] != '\0', "marker %ld has no name", m);
    }
    free_fields(&names);
    t.xyz_line_index = 4;
    Fields xyz = split(t.lines.line[4], '\t', 0);
    for (long m = 0; m < t.num_markers; m++) {
        char want[32];
        snprintf(want, sizeof(want), "X%ld", m + 1);
        ck_assert_str_eq(xyz.f[2 + 3 * m], want);
    }
    free_fields(&xyz);
    t.xyz = malloc((t.lines.n + 1) * 3 * (size_t)t.num_markers * sizeof(double));
    t.time = malloc((t.lines.n + 1) * sizeof(double));
    for (size_t i = 5; i < t.lines.n; i++) {
        if (t.lines.line[i][0] == '\0')
            continue; /* the blank line OpenSim writes after the labels */
        Fields r = split(t.lines.line[i], '\t', 0);
        ck_assert_msg(r.n >= 2 + 3 * (size_t)t.num_markers,
                      "%s row %zu: %zu fields for %ld markers", path, i, r.n, t.num_markers);
        ck_assert_int_eq(integer(r.f[0]), t.rows + 1);
        t.time[t.rows] = num(r.f[1]);
        for (long m = 0; m < 3 * t.num_markers; m++)
            t.xyz[t.rows * 3 * t.num_markers + m] = num(r.f[2 + m]);
        t.rows++;
        free_fields(&r);
    }
    return t;
}

static void free_trc(Trc *t) {
    for (long m = 0; m < t->num_markers; m++)
        free(t->markers[m]);
    free(t->markers);
    free(t->xyz);
    free(t->time);
    free_lines(&t->lines);
}

START_TEST(trc_header_and_rows) {
    char *dir = romcv_test_make_tmpdir();
    RomcvReportSettings s = settings();
    char *path = write_file(dir, "out.trc", ROMCV_REPORT_TRC, &s, 3);
    Trc t = read_trc(path);
    /* The first three lines, exactly. */
    ck_assert_str_eq(t.lines.line[0], "PathFileType\t4\t(X/Y/Z)\tout.trc");
    ck_assert_str_eq(t.lines.line[1], "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\t"
                                      "OrigDataRate\tOrigDataStartFrame\tOrigNumFrames");
    Fields v = split(t.lines.line[2], '\t', 0);
    ck_assert_uint_eq(v.n, 8);
    ck_assert_str_eq(v.f[0], "30");
    ck_assert_str_eq(v.f[1], "30");
    ck_assert_str_eq(v.f[3], "33");
    ck_assert_str_eq(v.f[4], "px");
    ck_assert_str_eq(v.f[5], "30");
    ck_assert_str_eq(v.f[6], "1");
    free_fields(&v);
    ck_assert_double_eq(t.data_rate, 30.0);
    ck_assert_double_eq(t.camera_rate, 30.0);
    ck_assert_double_eq(t.orig_rate, 30.0);
    ck_assert_int_eq(t.num_frames, 3);
    ck_assert_int_eq(t.orig_frames, 3);
    ck_assert_int_eq(t.orig_start, 1);
    ck_assert_int_eq(t.num_markers, NLM);
    ck_assert_str_eq(t.units, "px");
    ck_assert_str_eq(t.markers[0], "nose");
    ck_assert_str_eq(t.markers[32], "right_foot_index");
    /* Line 4 ends with the last name's two empty cells; line 5 starts with
     * two empty cells; then the blank line OpenSim writes. */
    Fields names = split(t.lines.line[3], '\t', 0);
    ck_assert_uint_eq(names.n, 2 + 3 * NLM + 1); /* OpenSim's trailing tabs */
    ck_assert_str_eq(names.f[names.n - 4], "right_foot_index");
    free_fields(&names);
    ck_assert(strncmp(t.lines.line[4], "\t\tX1\tY1\tZ1\tX2\t", 14) == 0);
    Fields xyz = split(t.lines.line[4], '\t', 0);
    ck_assert_uint_eq(xyz.n, 2 + 3 * NLM + 1);
    ck_assert_str_eq(xyz.f[xyz.n - 2], "Z33");
    free_fields(&xyz);
    /* Each row has 2 + 3 x 33 fields before its trailing tab, also when the
     * last markers are missing (frame 2 has no person). */
    for (int i = 6; i < 9; i++) {
        Fields r = split(t.lines.line[i], '\t', 0);
        ck_assert_uint_eq(r.n, 2 + 3 * NLM + 1);
        ck_assert_str_eq(r.f[r.n - 1], "");
        free_fields(&r);
    }
    xyz = split(t.lines.line[4], '\t', 0);
    free_fields(&xyz);
    ck_assert_str_eq(t.lines.line[5], "");
    ck_assert_int_eq(t.rows, 3);
    float lm[NLM * 4];
    for (int i = 0; i < 3; i++) {
        ck_assert_double_eq_tol(t.time[i], frame_time(i), 1e-9);
        make_landmarks(lm, i);
        for (int k = 0; k < NLM; k++) {
            const double *p = t.xyz + (i * NLM + k) * 3;
            if (i == 2 || (i == 1 && k == 5)) {
                ck_assert(isnan(p[0]) && isnan(p[1]) && isnan(p[2]));
                continue;
            }
            ck_assert_double_eq(p[0], lm[k * 4]);
            ck_assert_double_eq(p[1], H_PX - lm[k * 4 + 1]); /* Y up */
            ck_assert_double_eq(p[2], -lm[k * 4 + 2]);       /* right-handed */
        }
    }
    free_trc(&t);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(trc_in_metres_and_visibility_threshold) {
    char *dir = romcv_test_make_tmpdir();
    RomcvReportSettings s = settings();
    s.units = ROMCV_REPORT_UNITS_M;
    s.y_up_origin = 0.0;
    s.min_visibility = 0.6f; /* landmarks 0..9 have visibility < 0.6 */
    s.title = "trial_01.trc";
    char *path = write_file(dir, "m.trc", ROMCV_REPORT_TRC, &s, 1);
    Trc t = read_trc(path);
    ck_assert_str_eq(t.lines.line[0], "PathFileType\t4\t(X/Y/Z)\ttrial_01.trc");
    ck_assert_str_eq(t.units, "m");
    ck_assert_int_eq(t.rows, 1);
    float lm[NLM * 4];
    make_landmarks(lm, 0);
    ck_assert(isnan(t.xyz[9 * 3]));
    ck_assert_double_eq(t.xyz[10 * 3], lm[10 * 4]);
    ck_assert_double_eq(t.xyz[10 * 3 + 1], -lm[10 * 4 + 1]);
    free_trc(&t);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(trc_reader_accepts_pose2sim_file) {
    char *path = romcv_test_shared_file("samples/pose2sim_balance/markers_3d_LSTM.trc");
    Trc t = read_trc(path);
    ck_assert(strncmp(t.path_line, "PathFileType", 12) == 0);
    ck_assert_double_eq(t.data_rate, 60.0);
    ck_assert_int_eq(t.num_frames, 100);
    ck_assert_int_eq(t.num_markers, 64);
    ck_assert_str_eq(t.units, "m");
    ck_assert_int_eq(t.rows, t.num_frames);
    ck_assert_str_eq(t.markers[0], "RHip");
    ck_assert_double_eq_tol(t.time[0], 0.0166667, 1e-9);
    ck_assert_double_eq_tol(t.xyz[0], -0.0649978, 1e-9);
    free_trc(&t);
    free(path);
}
END_TEST

/* ------------------------------------------------------------------- MOT */

typedef struct Mot {
    char title[256];
    long version, n_rows, n_columns;
    int in_degrees; /* 1 yes, 0 no, -1 absent */
    Fields labels;
    long rows;
    double *values; /* rows x n_columns */
    Lines lines;
} Mot;

/* Reads an OpenSim Storage file: a title line, key=value lines and free text
 * up to "endheader", the labels row (first "time"), then rows of
 * white-space separated numbers (OpenSim pads with spaces, romcv does not). */
static Mot read_mot(const char *path) {
    Mot m = {.version = -1, .n_rows = -1, .n_columns = -1, .in_degrees = -1};
    m.lines = read_lines(path);
    ck_assert_uint_ge(m.lines.n, 3);
    snprintf(m.title, sizeof(m.title), "%s", m.lines.line[0]);
    size_t i = 1;
    for (; i < m.lines.n && strcmp(m.lines.line[i], "endheader") != 0; i++) {
        const char *line = m.lines.line[i];
        const char *eq = strchr(line, '=');
        if (!eq)
            continue;
        if (!strncmp(line, "version=", 8))
            m.version = integer(eq + 1);
        else if (!strncmp(line, "nRows=", 6))
            m.n_rows = integer(eq + 1);
        else if (!strncmp(line, "nColumns=", 9))
            m.n_columns = integer(eq + 1);
        else if (!strncmp(line, "inDegrees=", 10))
            m.in_degrees = !strcmp(eq + 1, "yes");
    }
    ck_assert_msg(i < m.lines.n, "%s: no endheader", path);
    ck_assert_int_gt(m.n_columns, 0);
    m.labels = split(m.lines.line[i + 1], '\t', 0);
    ck_assert_uint_eq(m.labels.n, (size_t)m.n_columns);
    ck_assert_str_eq(m.labels.f[0], "time");
    m.values = malloc((m.lines.n + 1) * (size_t)m.n_columns * sizeof(double));
    for (i += 2; i < m.lines.n; i++) {
        if (m.lines.line[i][0] == '\0')
            continue;
        Fields r = split(m.lines.line[i], '\t', 0);
        ck_assert_msg(r.n == (size_t)m.n_columns, "%s: row of %zu columns", path, r.n);
        for (size_t c = 0; c < r.n; c++)
            m.values[m.rows * m.n_columns + (long)c] = num(r.f[c]);
        m.rows++;
        free_fields(&r);
    }
    return m;
}

static void free_mot(Mot *m) {
    free_fields(&m->labels);
    free(m->values);
    free_lines(&m->lines);
}

START_TEST(mot_header_names_and_signs) {
    char *dir = romcv_test_make_tmpdir();
    RomcvReportSettings s = settings();
    char *path = write_file(dir, "angles.mot", ROMCV_REPORT_MOT, &s, 3);
    Mot m = read_mot(path);
    ck_assert_str_eq(m.lines.line[0], "angles.mot");
    ck_assert_str_eq(m.lines.line[1], "version=1");
    ck_assert(strncmp(m.lines.line[2], "nRows=", 6) == 0);
    ck_assert_str_eq(m.lines.line[3], "nColumns=4");
    ck_assert_str_eq(m.lines.line[4], "inDegrees=yes");
    ck_assert_str_eq(m.lines.line[5], "endheader");
    ck_assert_int_eq(m.version, 1);
    ck_assert_int_eq(m.n_rows, 3);
    ck_assert_int_eq(m.n_columns, 4); /* counts time */
    ck_assert_int_eq(m.in_degrees, 1);
    ck_assert_str_eq(m.labels.f[1], "pelvis_tilt");
    ck_assert_str_eq(m.labels.f[2], "knee_angle_r");
    ck_assert_str_eq(m.labels.f[3], "trunk_inclination"); /* no OpenSim match */
    ck_assert_int_eq(m.rows, 3);
    for (int i = 0; i < 3; i++) {
        const double *r = m.values + i * 4;
        ck_assert_double_eq_tol(r[0], frame_time(i), 1e-9);
        ck_assert_double_eq(r[1], -(10.0 + i)); /* OpenSim: posterior tilt positive */
        ck_assert_double_eq(r[2], 20.5);        /* Rajagopal: flexion positive */
        if (i == 1)
            ck_assert(isnan(r[3]));
        else
            ck_assert_double_eq(r[3], -3.0);
    }
    free_mot(&m);
    free(path);

    s.opensim_names = 0;
    path = write_file(dir, "raw.mot", ROMCV_REPORT_MOT, &s, 1);
    m = read_mot(path);
    ck_assert_str_eq(m.labels.f[1], "pelvic_tilt");
    ck_assert_double_eq(m.values[1], 10.0);
    free_mot(&m);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(mot_reader_accepts_pose2sim_file) {
    char *path = romcv_test_shared_file("samples/pose2sim_balance/opensim_angles_LSTM.mot");
    Mot m = read_mot(path);
    ck_assert_str_eq(m.title, "Coordinates");
    ck_assert_int_eq(m.version, 1);
    ck_assert_int_eq(m.n_rows, 100);
    ck_assert_int_eq(m.n_columns, 69);
    ck_assert_int_eq(m.in_degrees, 1);
    ck_assert_int_eq(m.rows, 100);
    ck_assert_str_eq(m.labels.f[1], "pelvis_tilt");
    ck_assert_str_eq(m.labels.f[10], "knee_angle_r");
    ck_assert_double_eq_tol(m.values[0], 0.0166667, 1e-9);
    ck_assert_double_eq_tol(m.values[1], -1.03176270, 1e-9);
    free_mot(&m);
    free(path);
}
END_TEST

START_TEST(opensim_mapping) {
    int sign = 0;
    ck_assert_str_eq(romcv_report_opensim_name("hip_flexion_right", &sign), "hip_flexion_r");
    ck_assert_int_eq(sign, 1);
    ck_assert_str_eq(romcv_report_opensim_name("hip_rotation_left", &sign), "hip_rotation_l");
    ck_assert_int_eq(sign, 1);
    ck_assert_str_eq(romcv_report_opensim_name("knee_flexion_left", &sign), "knee_angle_l");
    ck_assert_int_eq(sign, 1);
    ck_assert_str_eq(romcv_report_opensim_name("pelvic_tilt", &sign), "pelvis_tilt");
    ck_assert_int_eq(sign, -1);
    ck_assert_str_eq(romcv_report_opensim_name("pelvic_obliquity", &sign), "pelvis_list");
    ck_assert_int_eq(sign, 1);
    ck_assert_str_eq(romcv_report_opensim_name("lumbar_lordosis", &sign), "lumbar_extension");
    ck_assert_int_eq(sign, 1);
    ck_assert_ptr_null(romcv_report_opensim_name("knee_fppa_left", &sign));
    ck_assert_ptr_null(romcv_report_opensim_name("thigh_vertical_left", NULL));
    /* Every mapped name is a real romcv channel. */
    int mapped = 0;
    for (int id = 0; id < ROMCV_ANGLE_COUNT; id++)
        mapped += romcv_report_opensim_name(romcv_angle_info((RomcvAngleId)id)->name, NULL) != 0;
    ck_assert_int_eq(mapped, 9);
}
END_TEST

/* ------------------------------------------------------------------- C3D */

typedef struct C3d {
    uint8_t *data;
    size_t size;
    unsigned param_block, points, analog, first, last, data_start;
    float header_scale, header_rate;
    unsigned processor, param_blocks;
} C3d;

static unsigned u16(const uint8_t *p) {
    return (unsigned)p[0] | ((unsigned)p[1] << 8);
}

static float f32(const uint8_t *p) {
    uint32_t u =
        (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static C3d read_c3d(const char *path) {
    C3d c = {0};
    c.data = (uint8_t *)romcv_test_read_file(path, &c.size);
    ck_assert_ptr_nonnull(c.data);
    ck_assert_uint_ge(c.size, 1024);
    ck_assert_uint_eq(c.size % 512, 0);
    c.param_block = c.data[0];
    ck_assert_uint_eq(c.data[1], 0x50);
    c.points = u16(c.data + 2);
    c.analog = u16(c.data + 4);
    c.first = u16(c.data + 6);
    c.last = u16(c.data + 8);
    c.header_scale = f32(c.data + 12);
    c.data_start = u16(c.data + 16);
    c.header_rate = f32(c.data + 20);
    const uint8_t *ps = c.data + (c.param_block - 1) * 512;
    c.param_blocks = ps[2];
    c.processor = ps[3];
    return c;
}

/* A parameter of the C3D parameter section found by walking the records:
 * group records have a negative id, parameters the id of their group; each
 * record's 16-bit offset points from itself to the next, 0 ends. */
typedef struct C3dParam {
    int type, ndims, dims[7];
    const uint8_t *value;
} C3dParam;

static int c3d_param(const C3d *c, const char *group, const char *name, C3dParam *out) {
    const uint8_t *base = c->data + (c->param_block - 1) * 512;
    const uint8_t *end = base + c->param_blocks * 512;
    int group_id = 0;
    /* First pass: the group's id. */
    for (const uint8_t *p = base + 4; p + 2 < end;) {
        int len = abs((int8_t)p[0]);
        int id = (int8_t)p[1];
        if (len == 0)
            break;
        if (id < 0 && (size_t)len == strlen(group) && !memcmp(p + 2, group, (size_t)len))
            group_id = -id;
        unsigned off = u16(p + 2 + len);
        if (off == 0)
            break;
        p += 2 + len + off;
    }
    if (!group_id)
        return 0;
    for (const uint8_t *p = base + 4; p + 2 < end;) {
        int len = abs((int8_t)p[0]);
        int id = (int8_t)p[1];
        if (len == 0)
            break;
        const uint8_t *offp = p + 2 + len;
        if (id == group_id && (size_t)len == strlen(name) && !memcmp(p + 2, name, (size_t)len)) {
            out->type = (int8_t)offp[2];
            out->ndims = offp[3];
            for (int d = 0; d < out->ndims; d++)
                out->dims[d] = offp[4 + d];
            out->value = offp + 4 + out->ndims;
            return 1;
        }
        unsigned off = u16(offp);
        if (off == 0)
            break;
        p = offp + off;
    }
    return 0;
}

static unsigned c3d_int(const C3d *c, const char *group, const char *name) {
    C3dParam p;
    ck_assert_msg(c3d_param(c, group, name, &p), "no %s:%s", group, name);
    ck_assert_int_eq(p.type, 2);
    return u16(p.value);
}

static float c3d_float(const C3d *c, const char *group, const char *name) {
    C3dParam p;
    ck_assert_msg(c3d_param(c, group, name, &p), "no %s:%s", group, name);
    ck_assert_int_eq(p.type, 4);
    return f32(p.value);
}

/* Element i of a character array parameter, trailing spaces removed. */
static void c3d_string(const C3d *c, const char *group, const char *name, int i, char *buf,
                       size_t size) {
    C3dParam p;
    ck_assert_msg(c3d_param(c, group, name, &p), "no %s:%s", group, name);
    ck_assert_int_eq(p.type, -1);
    size_t w = (size_t)p.dims[0];
    ck_assert_uint_lt(w, size);
    memcpy(buf, p.value + (size_t)i * w, w);
    buf[w] = '\0';
    while (w > 0 && buf[w - 1] == ' ')
        buf[--w] = '\0';
}

START_TEST(c3d_header_parameters_and_points) {
    char *dir = romcv_test_make_tmpdir();
    RomcvReportSettings s = settings();
    char *path = write_file(dir, "out.c3d", ROMCV_REPORT_C3D, &s, 3);
    C3d c = read_c3d(path);
    ck_assert_uint_eq(c.param_block, 2);
    ck_assert_uint_eq(c.processor, 84);
    ck_assert_uint_eq(c.points, NLM);
    ck_assert_uint_eq(c.analog, 0);
    ck_assert_uint_eq(c.first, 1);
    ck_assert_uint_eq(c.last, 3);
    ck_assert(c.header_scale < 0);
    ck_assert_float_eq(c.header_rate, 30.0f);
    ck_assert_uint_eq(c.data_start, 2 + c.param_blocks);
    ck_assert_uint_eq(c3d_int(&c, "POINT", "USED"), NLM);
    ck_assert_uint_eq(c3d_int(&c, "POINT", "FRAMES"), 3);
    ck_assert_uint_eq(c3d_int(&c, "POINT", "DATA_START"), c.data_start);
    ck_assert(c3d_float(&c, "POINT", "SCALE") < 0); /* float data */
    ck_assert_float_eq(c3d_float(&c, "POINT", "RATE"), 30.0f);
    ck_assert_uint_eq(c3d_int(&c, "ANALOG", "USED"), 0);
    char buf[64];
    c3d_string(&c, "POINT", "LABELS", 0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "nose");
    c3d_string(&c, "POINT", "LABELS", 32, buf, sizeof(buf));
    ck_assert_str_eq(buf, "right_foot_index");
    c3d_string(&c, "POINT", "DESCRIPTIONS", 5, buf, sizeof(buf));
    ck_assert_str_eq(buf, "BlazePose landmark 5");
    c3d_string(&c, "POINT", "UNITS", 0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "px");
    C3dParam tp;
    ck_assert(c3d_param(&c, "TRIAL", "ACTUAL_END_FIELD", &tp));
    ck_assert_uint_eq(u16(tp.value) | (u16(tp.value + 2) << 16), 3);
    /* The points: 3 frames x 33 x (X, Y, Z, residual) float32. */
    ck_assert_uint_ge(c.size, (c.data_start - 1) * 512 + 3 * NLM * 16);
    float lm[NLM * 4];
    for (int i = 0; i < 3; i++) {
        make_landmarks(lm, i);
        for (int k = 0; k < NLM; k++) {
            const uint8_t *p = c.data + (c.data_start - 1) * 512 + (size_t)(i * NLM + k) * 16;
            if (i == 2 || (i == 1 && k == 5)) {
                ck_assert_float_eq(f32(p + 12), -1.0f); /* invalid point */
                continue;
            }
            ck_assert_float_eq(f32(p + 12), 0.0f);
            ck_assert_float_eq(f32(p), lm[k * 4]);
            ck_assert_float_eq(f32(p + 4), (float)(H_PX - lm[k * 4 + 1]));
            ck_assert_float_eq(f32(p + 8), -lm[k * 4 + 2]);
        }
    }
    free(c.data);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* More than 65535 frames: the 16-bit counts saturate and TRIAL holds the
 * true number. */
START_TEST(c3d_more_than_65535_frames) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "long.c3d");
    RomcvReportSettings s = settings();
    RomcvReportWriter *w = NULL;
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_C3D, path, &s, NULL), 0);
    const int n = 70000;
    for (int i = 0; i < n; i++) {
        RomcvReportFrame fr = {.index = i, .time_s = i / 30.0};
        ck_assert_int_eq(romcv_report_write(w, &fr), 0);
    }
    ck_assert_int_eq(romcv_report_close(&w, NULL), 0);
    C3d c = read_c3d(path);
    ck_assert_uint_eq(c.last, 65535);
    ck_assert_uint_eq(c3d_int(&c, "POINT", "FRAMES"), 65535);
    C3dParam tp;
    ck_assert(c3d_param(&c, "TRIAL", "ACTUAL_END_FIELD", &tp));
    ck_assert_uint_eq(u16(tp.value) | (u16(tp.value + 2) << 16), (unsigned)n);
    ck_assert_uint_ge(c.size, (c.data_start - 1) * 512 + (size_t)n * NLM * 16);
    free(c.data);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* ------------------------------------------------- atomicity and errors */

/* An analysis interrupted after 2 frames closes what it has: every format
 * is valid and says 2 rows. */
START_TEST(interrupted_run_gives_valid_shorter_files) {
    char *dir = romcv_test_make_tmpdir();
    RomcvReportSettings s = settings();
    char *trc = write_file(dir, "a.trc", ROMCV_REPORT_TRC, &s, 2);
    Trc t = read_trc(trc);
    ck_assert_int_eq(t.num_frames, 2);
    ck_assert_int_eq(t.rows, 2);
    free_trc(&t);
    char *mot = write_file(dir, "a.mot", ROMCV_REPORT_MOT, &s, 2);
    Mot m = read_mot(mot);
    ck_assert_int_eq(m.n_rows, 2);
    ck_assert_int_eq(m.rows, 2);
    free_mot(&m);
    char *c3d = write_file(dir, "a.c3d", ROMCV_REPORT_C3D, &s, 2);
    C3d c = read_c3d(c3d);
    ck_assert_uint_eq(c.last, 2);
    free(c.data);
    /* Zero frames is a valid file too. */
    char *empty = write_file(dir, "e.mot", ROMCV_REPORT_MOT, &s, 0);
    m = read_mot(empty);
    ck_assert_int_eq(m.n_rows, 0);
    ck_assert_int_eq(m.rows, 0);
    free_mot(&m);
    ck_assert_int_eq(dir_entries(dir), 4); /* no temporary files */
    free(trc);
    free(mot);
    free(c3d);
    free(empty);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* A process killed before close leaves nothing under the final name. */
START_TEST(crash_leaves_no_final_file) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "crash.mot");
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        RomcvReportSettings s = settings();
        RomcvReportWriter *w = NULL;
        if (romcv_report_open(&w, ROMCV_REPORT_MOT, path, &s, NULL) != 0)
            _exit(2);
        RomcvReportFrame fr = {.time_s = 0.0};
        romcv_report_write(w, &fr);
        _exit(0); /* no close: as a crash */
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_ne(access(path, F_OK), 0);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(abort_removes_temporary_and_keeps_old_file) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "keep.csv");
    romcv_test_write_file(path, "old\n", 4);
    RomcvReportSettings s = settings();
    RomcvReportWriter *w = NULL;
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_CSV, path, &s, NULL), 0);
    ck_assert_int_eq(dir_entries(dir), 2); /* the old file and the temporary one */
    write_frames(w, 2);
    romcv_report_abort(&w);
    ck_assert_ptr_null(w);
    romcv_report_abort(&w); /* NULL-safe */
    ck_assert_int_eq(dir_entries(dir), 1);
    size_t size = 0;
    char *text = romcv_test_read_file(path, &size);
    ck_assert_str_eq(text, "old\n");
    free(text);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* A full disk, simulated by a file size limit (EFBIG instead of ENOSPC, the
 * same path through stdio): the error names the file, close fails, and
 * neither the final nor the temporary file remains. Check runs each test in
 * its own process, so the limit does not leak into other tests. */
START_TEST(write_failure_names_the_file) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "full.csv");
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 8192, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    RomcvReportSettings s = settings();
    RomcvReportWriter *w = NULL;
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_CSV, path, &s, NULL), 0);
    float lm[NLM * 4];
    make_landmarks(lm, 0);
    int rc = 0, i = 0;
    for (; i < 1000 && rc == 0; i++) {
        RomcvReportFrame fr = {.index = i, .time_s = i / 30.0, .landmarks = lm};
        rc = romcv_report_write(w, &fr);
    }
    ck_assert_int_eq(rc, ROMCV_ERR(EFBIG));
    ck_assert_ptr_nonnull(strstr(romcv_report_errmsg(w), path));
    RomcvReportFrame fr = {.index = i, .time_s = 1000.0, .landmarks = lm};
    ck_assert_int_eq(romcv_report_write(w, &fr), ROMCV_ERR(EFBIG)); /* sticky */
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_report_close(&w, &diag), ROMCV_ERR(EFBIG));
    ck_assert_ptr_nonnull(strstr(diag.message, path));
    ck_assert_ptr_nonnull(strstr(diag.message, "write failed"));
    ck_assert_int_eq(dir_entries(dir), 0);
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

START_TEST(bad_arguments_are_reported) {
    char *dir = romcv_test_make_tmpdir();
    RomcvReportSettings s = settings();
    RomcvReportWriter *w = NULL;
    RomcvDiag diag = {0};
    /* A folder that does not exist: the message names the file. */
    char *missing = romcv_test_path(dir, "no/such/out.trc");
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_TRC, missing, &s, &diag),
                     ROMCV_ERR(ENOENT));
    ck_assert_ptr_null(w);
    ck_assert_ptr_nonnull(strstr(diag.message, missing));
    char *path = romcv_test_path(dir, "x.trc");
    /* TRC and C3D need a frame rate. */
    s.frame_rate_hz = 0;
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_C3D, path, &s, &diag), ROMCV_ERR(EINVAL));
    s.frame_rate_hz = 30;
    /* MOT is in degrees only. */
    RomcvReportChannel ch[1] = {{"speed", "m/s"}};
    s.channels = ch;
    s.n_channels = 1;
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_MOT, path, &s, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, "speed"));
    ch[0].name = "bad name";
    ch[0].unit = "deg";
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_CSV, path, &s, &diag), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(dir_entries(dir), 0);
    /* Times must increase. */
    s = settings();
    ck_assert_int_eq(romcv_report_open(&w, ROMCV_REPORT_TRC, path, &s, &diag), 0);
    RomcvReportFrame fr = {.time_s = 1.0};
    ck_assert_int_eq(romcv_report_write(w, &fr), 0);
    ck_assert_int_eq(romcv_report_write(w, &fr), ROMCV_ERR(EINVAL));
    fr.time_s = NAN;
    ck_assert_int_eq(romcv_report_write(w, &fr), ROMCV_ERR(EINVAL));
    ck_assert_int_eq(romcv_report_close(&w, &diag), 0); /* a rejected frame is not an error */
    Trc t = read_trc(path);
    ck_assert_int_eq(t.rows, 1);
    free_trc(&t);
    free(path);
    free(missing);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("writers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, csv_columns_and_values);
    tcase_add_test(tc, trc_header_and_rows);
    tcase_add_test(tc, trc_in_metres_and_visibility_threshold);
    tcase_add_test(tc, trc_reader_accepts_pose2sim_file);
    tcase_add_test(tc, mot_header_names_and_signs);
    tcase_add_test(tc, mot_reader_accepts_pose2sim_file);
    tcase_add_test(tc, opensim_mapping);
    tcase_add_test(tc, c3d_header_parameters_and_points);
    tcase_add_test(tc, c3d_more_than_65535_frames);
    tcase_add_test(tc, interrupted_run_gives_valid_shorter_files);
    tcase_add_test(tc, crash_leaves_no_final_file);
    tcase_add_test(tc, abort_removes_temporary_and_keeps_old_file);
    tcase_add_test(tc, write_failure_names_the_file);
    tcase_add_test(tc, bad_arguments_are_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
