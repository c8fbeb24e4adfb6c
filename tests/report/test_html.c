/*
 * tests/report/test_html.c: the HTML report (romcv_report_html_*) and its
 * JPEG stills (romcv_report_still_encode), on results built by hand here so
 * that every expected row, plot and flag is known in advance (the protocol
 * engine is tested on its own; this suite tests what the report does with
 * any result).
 *
 * "Well-formed enough" is checked by a small tag balancer written for this
 * test: every element the report emits must be closed in order, void and
 * self-closed elements aside, and no '<' may start anything but a tag. Text
 * from outside ("<script>" in a patient name) must come out escaped.
 */
#include "testutil.h"

#include "romcv/report.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define FPS 30.0

/* ------------------------------------------------------------ the checker */

/* Returns NULL when the document's tags balance, else a static message. */
static const char *tags_balanced(const char *html) {
    static char why[256];
    enum { DEPTH = 64 };
    char stack[DEPTH][24];
    int depth = 0;
    static const char *const void_elements[] = {"meta", "br", "img", "hr", "link", "input", "col"};
    const char *p = html;
    while ((p = strchr(p, '<')) != NULL) {
        if (strncmp(p, "<!--", 4) == 0) {
            p = strstr(p, "-->");
            if (!p) {
                return "unterminated comment";
            }
            continue;
        }
        if (p[1] == '!') { /* <!DOCTYPE html> */
            p = strchr(p, '>');
            if (!p) {
                return "unterminated declaration";
            }
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t len = 0;
        while (isalnum((unsigned char)name[len])) {
            len++;
        }
        if (len == 0 || len >= sizeof stack[0]) {
            snprintf(why, sizeof why, "'<' that starts no tag: %.30s", p);
            return why;
        }
        const char *end = strchr(name, '>');
        if (!end) {
            return "unterminated tag";
        }
        char tag[24];
        memcpy(tag, name, len);
        tag[len] = '\0';
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], tag) != 0) {
                snprintf(why, sizeof why, "</%s> closes <%s>", tag,
                         depth ? stack[depth - 1] : "nothing");
                return why;
            }
            depth--;
        } else if (end[-1] != '/') {
            int is_void = 0;
            for (size_t k = 0; k < sizeof void_elements / sizeof void_elements[0]; k++) {
                is_void |= strcmp(tag, void_elements[k]) == 0;
            }
            if (!is_void) {
                if (depth == DEPTH) {
                    return "nesting too deep";
                }
                strcpy(stack[depth++], tag);
                if (strcmp(tag, "style") == 0) {
                    /* CSS is raw text up to its end tag. */
                    end = strstr(end, "</style>");
                    if (!end) {
                        return "unterminated <style>";
                    }
                    p = end;
                    continue;
                }
            }
        }
        p = end + 1;
    }
    if (depth != 0) {
        snprintf(why, sizeof why, "<%s> never closed", stack[depth - 1]);
        return why;
    }
    return NULL;
}

static size_t count(const char *haystack, const char *needle) {
    size_t n = 0;
    for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p += strlen(needle)) {
        n++;
    }
    return n;
}

/* strstr ignoring ASCII case (strcasestr is a GNU extension). */
static const char *find_nocase(const char *haystack, const char *needle) {
    size_t n = strlen(needle);
    for (const char *p = haystack; *p; p++) {
        if (strncasecmp(p, needle, n) == 0) {
            return p;
        }
    }
    return NULL;
}

/* The checker itself must be able to fail. */
START_TEST(checker_rejects_broken_markup) {
    ck_assert_ptr_null(tags_balanced("<!DOCTYPE html><p>a<br>b<svg><path d=\"\"/></svg></p>"));
    ck_assert_ptr_nonnull(tags_balanced("<p><b>a</p></b>"));
    ck_assert_ptr_nonnull(tags_balanced("<div><p>a</p>"));
    ck_assert_ptr_nonnull(tags_balanced("<p>1 < 2</p>"));
    ck_assert_ptr_nonnull(tags_balanced("<p>x</p><script>"));
}
END_TEST

/* ------------------------------------------------------- hand-built input */

/* Measures 0/1: hip IR left/right (a pair), 2: pelvic obliquity range (no
 * side). Segmenters 0: right-ir, 1: left-ir. */
static const RomcvProtocolDef def = {
    .name = "test-rotation",
    .title = "Seated hip rotation (test)",
    .n_segmenters = 2,
    .n_measures = 3,
    .n_flags = 2,
    .segmenter =
        {
            {.name = "right-ir",
             .signal = ROMCV_ANGLE_HIP_ROTATION_RIGHT,
             .direction = 1,
             .side = ROMCV_SIDE_RIGHT},
            {.name = "left-ir",
             .signal = ROMCV_ANGLE_HIP_ROTATION_LEFT,
             .direction = 1,
             .side = ROMCV_SIDE_LEFT},
        },
    .measure =
        {
            {.name = "left hip internal rotation",
             .key = "hip_ir_left",
             .segmenter = 1,
             .signal = ROMCV_ANGLE_HIP_ROTATION_LEFT,
             .statistic = ROMCV_STAT_PEAK,
             .direction = 1,
             .normal_low = 30.0f,
             .normal_high = 40.0f,
             .normal_source = "clinical.md: Kouyoumdjian 2012",
             .pair = 1,
             .asymmetry_threshold = 10.0f,
             .asymmetry_source = "romcv: above the MDC of 6.1-8.6 deg (Gradoz 2018)"},
            {.name = "right hip internal rotation",
             .key = "hip_ir_right",
             .segmenter = 0,
             .signal = ROMCV_ANGLE_HIP_ROTATION_RIGHT,
             .statistic = ROMCV_STAT_PEAK,
             .direction = 1,
             .normal_low = 30.0f,
             .normal_high = 40.0f,
             .normal_source = "clinical.md: Kouyoumdjian 2012",
             .pair = 0,
             .asymmetry_threshold = 10.0f,
             .asymmetry_source = "romcv: above the MDC of 6.1-8.6 deg (Gradoz 2018)"},
            {.name = "pelvic obliquity range",
             .key = "obliquity_range",
             .segmenter = -1,
             .signal = ROMCV_ANGLE_PELVIC_OBLIQUITY,
             .statistic = ROMCV_STAT_RANGE,
             .direction = 1,
             .normal_low = NAN,
             .normal_high = NAN,
             .pair = -1},
        },
    .flag =
        {
            {.key = "pelvis_lift",
             .text = "pelvis lifting during the rotation",
             .signal = ROMCV_ANGLE_PELVIC_OBLIQUITY,
             .relative = 1,
             .and_signal = -1,
             .threshold = 5.0f,
             .source = "romcv: twice the MDC of the obliquity"},
            {.key = "pelvic_drop",
             .text = "pelvis dropping on the left",
             .signal = ROMCV_SIGNAL_PELVIC_DROP_LEFT,
             .and_signal = -1,
             .threshold = 3.0f,
             .source = "clinical.md: Bramah 2018"},
        },
    .notes = "Test notes: hips and knees at 90 degrees.",
};

typedef struct Fixture {
    RomcvAngleResults angles;
    float *drop;
    RomcvRepetition reps[4];
    RomcvMeasureValue values[3][2];
    RomcvCompensationFlag flags[3];
    char warnings[1][256];
    RomcvProtocolResult result;
    RomcvReportSignal signal;
    RomcvReportNote recording_warning;
    uint8_t *jpeg;
    size_t jpeg_size;
    int jpeg_w, jpeg_h;
    RomcvReportStill still;
    RomcvReportHtml report;
} Fixture;

/* A smooth rise and fall from start to end reaching peak at the middle. */
static float bump(double t, double start, double end, double peak) {
    if (t <= start || t >= end) {
        return 0.0f;
    }
    return (float)(peak * sin(M_PI * (t - start) / (end - start)));
}

static void fill_angles(RomcvAngleResults *a, size_t n) {
    memset(a, 0, sizeof *a);
    a->n = n;
    a->time_s = malloc(n * sizeof(double));
    a->view = calloc(n, 1);
    a->swapped = calloc(n, 1);
    a->baseline_start_s = 0.0;
    a->baseline_end_s = 1.0;
    for (size_t i = 0; i < n; i++) {
        a->time_s[i] = (double)i / FPS;
    }
    for (int k = 0; k < ROMCV_ANGLE_COUNT; k++) {
        RomcvAngleChannel *ch = &a->channel[k];
        ch->value_deg = malloc(n * sizeof(float));
        ch->relative_deg = malloc(n * sizeof(float));
        ch->reason = calloc(n, 1);
        ch->baseline_deg = NAN;
        for (size_t i = 0; i < n; i++) {
            double t = a->time_s[i];
            float v = NAN;
            switch (k) {
            case ROMCV_ANGLE_HIP_ROTATION_RIGHT:
                v = bump(t, 2, 4, 18) + bump(t, 5, 7, 17);
                break;
            case ROMCV_ANGLE_HIP_ROTATION_LEFT:
                v = bump(t, 8, 10, 34) + bump(t, 11, 13, 33);
                break;
            case ROMCV_ANGLE_PELVIC_OBLIQUITY:
                v = 1.0f + bump(t, 2, 4, 6);
                break;
            case ROMCV_ANGLE_TRUNK_LATERAL_LEAN:
                v = (float)(2 * sin(t));
                break;
            case ROMCV_ANGLE_KNEE_FLEXION_LEFT:
                v = i < 5 ? 90.0f : NAN; /* too few frames to plot */
                break;
            default:
                break;
            }
            ch->value_deg[i] = v;
            ch->valid += isfinite(v) ? 1 : 0;
        }
        if (ch->valid > 0 && k != ROMCV_ANGLE_KNEE_FLEXION_LEFT) {
            ch->baseline_deg = k == ROMCV_ANGLE_PELVIC_OBLIQUITY ? 1.0f : 0.0f;
        }
        for (size_t i = 0; i < n; i++) {
            ch->relative_deg[i] = ch->value_deg[i] - ch->baseline_deg;
        }
    }
    a->channel[ROMCV_ANGLE_PELVIC_OBLIQUITY].is_estimate = 1;
}

static void free_angles(RomcvAngleResults *a) {
    for (int k = 0; k < ROMCV_ANGLE_COUNT; k++) {
        free(a->channel[k].value_deg);
        free(a->channel[k].relative_deg);
        free(a->channel[k].reason);
    }
    free(a->time_s);
    free(a->view);
    free(a->swapped);
}

static size_t frame_at(double t) {
    return (size_t)lround(t * FPS);
}

static RomcvRepetition rep(int segmenter, double start, double end, float peak, int partial) {
    RomcvRepetition r = {
        .segmenter = segmenter,
        .start_frame = frame_at(start),
        .peak_frame = frame_at(0.5 * (start + end)),
        .end_frame = frame_at(end),
        .start_s = start,
        .peak_s = 0.5 * (start + end),
        .end_s = end,
        .peak = peak,
        .partial = partial,
    };
    return r;
}

/* A gradient test frame, for a real JPEG in the report. */
static RomcvFrame *test_frame(int w, int h) {
    RomcvFrame *f = NULL;
    ck_assert_int_eq(romcv_frame_create(&f, w, h, ROMCV_PIX_RGB24), 0);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint8_t *px = f->data + (size_t)y * f->stride + 3 * x;
            px[0] = (uint8_t)(255 * x / w);
            px[1] = (uint8_t)(255 * y / h);
            px[2] = 128;
        }
    }
    return f;
}

static void fixture_init(Fixture *fx, size_t n) {
    memset(fx, 0, sizeof *fx);
    fill_angles(&fx->angles, n);
    fx->drop = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        fx->drop[i] = bump((double)i / FPS, 8, 10, 4);
    }
    fx->reps[0] = rep(0, 2, 4, 18.0f, 0);
    fx->reps[1] = rep(0, 5, 7, 17.0f, 0);
    fx->reps[2] = rep(1, 8, 10, 34.0f, 0);
    fx->reps[3] = rep(1, 11, 13, 33.0f, 1);

    RomcvProtocolResult *p = &fx->result;
    p->def = &def;
    p->dominant_view = ROMCV_VIEW_FRONT;
    p->view_ok = 1;
    p->view_fraction = 0.97;
    p->n_repetitions = 4;
    p->repetition = fx->reps;
    /* left IR: reps 2 and 3 */
    fx->values[0][0] = (RomcvMeasureValue){2, 34.0f, frame_at(9), 0};
    fx->values[0][1] = (RomcvMeasureValue){3, 33.0f, frame_at(12), 0};
    p->measure[0] = (RomcvMeasureResult){.def = &def.measure[0],
                                         .n_values = 2,
                                         .values = fx->values[0],
                                         .best = 34.0f,
                                         .best_frame = frame_at(9),
                                         .outside_normal = 0,
                                         .asymmetry = 16.0f,
                                         .asymmetric = 1};
    /* right IR: reps 0 and 1, below the normal range */
    fx->values[1][0] = (RomcvMeasureValue){0, 18.0f, frame_at(3), -1};
    fx->values[1][1] = (RomcvMeasureValue){1, 17.0f, frame_at(6), -1};
    p->measure[1] = (RomcvMeasureResult){.def = &def.measure[1],
                                         .n_values = 2,
                                         .values = fx->values[1],
                                         .best = 18.0f,
                                         .best_frame = frame_at(3),
                                         .outside_normal = -1,
                                         .asymmetry = NAN};
    fx->values[2][0] = (RomcvMeasureValue){0, 6.0f, frame_at(3), 0};
    p->measure[2] = (RomcvMeasureResult){.def = &def.measure[2],
                                         .n_values = 1,
                                         .values = fx->values[2],
                                         .best = 6.0f,
                                         .best_frame = frame_at(3),
                                         .asymmetry = NAN};
    fx->flags[0] = (RomcvCompensationFlag){.def = &def.flag[0],
                                           .repetition = 0,
                                           .side = ROMCV_SIDE_RIGHT,
                                           .start_frame = frame_at(2.5),
                                           .end_frame = frame_at(3.5),
                                           .start_s = 2.5,
                                           .end_s = 3.5,
                                           .evidence_frame = frame_at(3),
                                           .magnitude = 6.0f,
                                           .threshold = 5.0f};
    fx->flags[1] = (RomcvCompensationFlag){.def = &def.flag[1],
                                           .repetition = 2,
                                           .side = ROMCV_SIDE_LEFT,
                                           .start_s = 8.6,
                                           .end_s = 9.4,
                                           .start_frame = frame_at(8.6),
                                           .end_frame = frame_at(9.4),
                                           .evidence_frame = frame_at(9),
                                           .magnitude = 4.0f,
                                           .threshold = 3.0f};
    /* Both sides flagged in the same frame: one still, shown twice. */
    fx->flags[2] = fx->flags[0];
    fx->flags[2].side = ROMCV_SIDE_LEFT;
    fx->flags[2].magnitude = 5.5f;
    p->n_flags = 3;
    p->flag = fx->flags;
    snprintf(fx->warnings[0], sizeof fx->warnings[0],
             "the left leg's second repetition is "
             "partial");
    p->n_warnings = 1;
    p->warning = fx->warnings;
    p->leg_length_px = 400.0f;

    fx->signal = (RomcvReportSignal){.signal = ROMCV_SIGNAL_PELVIC_DROP_LEFT,
                                     .name = "pelvic_drop_left",
                                     .unit = "deg",
                                     .meaning = "pelvic obliquity change, left side lower",
                                     .values = fx->drop,
                                     .baseline = 0.0f};
    fx->recording_warning =
        (RomcvReportNote){"the camera is tilted by 6 deg", "level the camera or pass --vertical"};

    RomcvFrame *frame = test_frame(640, 480);
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_report_still_encode(frame, 0, 0, &fx->jpeg, &fx->jpeg_size, &fx->jpeg_w,
                                               &fx->jpeg_h, &diag),
                     0);
    romcv_frame_unref(&frame);
    fx->still = (RomcvReportStill){frame_at(3), fx->jpeg, fx->jpeg_size, fx->jpeg_w, fx->jpeg_h};

    RomcvReportHtml *r = &fx->report;
    romcv_report_html_default(r);
    r->patient = "<script>alert(1)</script> O'Brien & Co";
    r->session = "Visit 2, after 6 weeks";
    r->date = "2025-01-31 14:02";
    r->input = "clips/seated.mp4";
    r->model = "BlazePose full";
    r->software = "romcv 0.1.0 (test)";
    r->angles = &fx->angles;
    r->frame_width = 640;
    r->frame_height = 480;
    r->protocol = p;
    r->signals = &fx->signal;
    r->n_signals = 1;
    r->stills = &fx->still;
    r->n_stills = 1;
    r->recording_warnings = &fx->recording_warning;
    r->n_recording_warnings = 1;
}

static void fixture_free(Fixture *fx) {
    free_angles(&fx->angles);
    free(fx->drop);
    free(fx->jpeg);
}

static char *render(const RomcvReportHtml *r, size_t *size) {
    char *html = NULL;
    RomcvDiag diag = {0};
    int rc = romcv_report_html_render(r, &html, size, &diag);
    ck_assert_msg(rc == 0, "render: %s", diag.message);
    ck_assert_ptr_nonnull(html);
    ck_assert_uint_eq(strlen(html), *size);
    return html;
}

/* ------------------------------------------------------------------ tests */

START_TEST(report_file_is_complete_and_escaped) {
    Fixture fx;
    fixture_init(&fx, 450); /* 15 s */
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "report.html");
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_report_html_write(path, &fx.report, &diag) == 0, "%s", diag.message);
    size_t size = 0;
    char *html = romcv_test_read_file(path, &size);
    ck_assert_ptr_nonnull(html);
    ck_assert_uint_gt(size, 1000);
    ck_assert_msg(strncmp(html, "<!DOCTYPE html>", 15) == 0, "%.40s", html);

    const char *why = tags_balanced(html);
    ck_assert_msg(why == NULL, "%s", why);
    /* Escaped, never a live element; and nothing that could load. */
    ck_assert_ptr_null(find_nocase(html, "<script"));
    ck_assert_ptr_nonnull(
        strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Brien &amp; Co"));
    ck_assert_ptr_null(strstr(html, "http:"));
    ck_assert_ptr_null(strstr(html, "https:"));
    ck_assert_ptr_null(strstr(html, "url("));
    ck_assert_ptr_nonnull(strstr(html, "default-src 'none'"));

    /* The header. */
    ck_assert_ptr_nonnull(strstr(html, "Visit 2, after 6 weeks"));
    ck_assert_ptr_nonnull(strstr(html, "2025-01-31 14:02"));
    ck_assert_ptr_nonnull(strstr(html, "clips/seated.mp4"));
    ck_assert_ptr_nonnull(strstr(html, "romcv 0.1.0 (test)"));

    /* The results table: one row for the pair, one for the single measure
     * spanning both side columns; the right side outside the range. */
    ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Hip internal rotation</th>"));
    ck_assert_ptr_nonnull(strstr(html, "<th scope=\"row\">Pelvic obliquity range</th>"));
    ck_assert_ptr_nonnull(strstr(html, "colspan=\"2\""));
    const char *row = strstr(html, "Hip internal rotation</th>");
    const char *row_end = strstr(row, "</tr>");
    const char *left = strstr(row, "34.0\u00b0");
    const char *right = strstr(row, "18.0\u00b0");
    ck_assert_msg(left && right && left < right && right < row_end,
                  "left (34.0) must come before right (18.0) in the row");
    const char *out = strstr(row, "outside the normal range (below)");
    ck_assert_msg(out && out > right && out < row_end, "the right side must be marked");
    ck_assert_uint_eq(count(html, "outside the normal range (below)"), 1);
    ck_assert_ptr_nonnull(strstr(row, "2 repetitions: 34.0\u00b0 \u00b7 33.0\u00b0 (partial)"));
    ck_assert_ptr_nonnull(strstr(row, "30.0\u201340.0\u00b0"));
    ck_assert_ptr_nonnull(strstr(row, "16.0\u00b0"));
    ck_assert_ptr_nonnull(strstr(row, "difference above the threshold"));
    ck_assert_ptr_null(find_nocase(html, "abnormal"));
    /* Sources are numbered and listed once each. */
    ck_assert_uint_eq(count(html, "<li id=\"src-"), count(html, "id=\"src-"));
    ck_assert_ptr_nonnull(strstr(html, "Kouyoumdjian 2012</li>"));
    ck_assert_uint_eq(count(html, "Kouyoumdjian 2012</li>"), 1);

    /* Repetitions table. */
    ck_assert_ptr_nonnull(strstr(html, "left-ir 2"));
    ck_assert_ptr_nonnull(strstr(html, "11.00\u201313.00 s"));

    /* One plot per plotted channel: the four protocol signals, including
     * the derived one, and the unused but fully measured trunk lean; not the
     * knee, measured in 5 frames of 450. */
    ck_assert_uint_eq(count(html, "class=\"plot-svg\""), 5);
    ck_assert_ptr_nonnull(strstr(html, "id=\"plot-hip_rotation_right\""));
    ck_assert_ptr_nonnull(strstr(html, "id=\"plot-hip_rotation_left\""));
    ck_assert_ptr_nonnull(strstr(html, "id=\"plot-pelvic_obliquity\""));
    ck_assert_ptr_nonnull(strstr(html, "id=\"plot-pelvic_drop_left\""));
    ck_assert_ptr_nonnull(strstr(html, "id=\"plot-trunk_lateral_lean\""));
    ck_assert_ptr_null(strstr(html, "id=\"plot-knee_flexion_left\""));
    /* Bands (IR plots), repetitions, end-range markers, flag strips. */
    ck_assert_uint_eq(count(html, "class=\"bandr\""), 2);
    ck_assert_uint_eq(count(html, "class=\"repr\""), 4);
    ck_assert_uint_eq(count(html, "class=\"pk\""), 4);
    ck_assert_uint_eq(count(html, "class=\"flgr\""), 3);

    /* Flags: the first with its still, the second without one, the third
     * sharing the first one's still (embedded once, then referred to). */
    ck_assert_uint_eq(count(html, "class=\"card\""), 3);
    ck_assert_uint_eq(count(html, "data:image/jpeg;base64,/9j/"), 1); /* FF D8 FF */
    ck_assert_uint_eq(count(html, "<use href=\"#still-0\"/>"), 1);
    ck_assert_uint_eq(count(html, "still not available"), 1);
    ck_assert_ptr_nonnull(strstr(html, "Pelvis lifting during the rotation"));
    ck_assert_ptr_nonnull(
        strstr(html, "6.0\u00b0</strong> (threshold 5.0\u00b0<sup class=\"ref\">"));

    /* Warnings, notes, estimate caveat. */
    ck_assert_ptr_nonnull(strstr(html, "The camera is tilted by 6 deg"));
    ck_assert_ptr_nonnull(strstr(html, "The left leg&#39;s second repetition is partial"));
    ck_assert_ptr_nonnull(strstr(html, "Test notes: hips and knees at 90 degrees."));
    ck_assert_ptr_nonnull(strstr(html, "<strong>Estimate:</strong>"));

    /* ROMCV_HTML_SAMPLE=path keeps a copy to look at in a browser. */
    const char *sample = getenv("ROMCV_HTML_SAMPLE");
    if (sample && *sample) {
        romcv_test_write_file(sample, html, size);
    }

    /* No temporary file is left beside it. */
    char listing[512];
    char command[600];
    snprintf(command, sizeof command, "ls -A '%s'", dir);
    ck_assert_int_eq(romcv_test_run(command, listing, sizeof listing), 0);
    ck_assert_str_eq(listing, "report.html\n");

    free(html);
    free(path);
    romcv_test_remove_tmpdir(dir);
    fixture_free(&fx);
}
END_TEST

/* The cell of a results row ("Pelvic obliquity range") in the labelled
 * column, copied into cell. */
static void row_cell(const char *html, const char *row_name, const char *column, char *cell,
                     size_t size) {
    char key[128];
    snprintf(key, sizeof key, "<th scope=\"row\">%s</th>", row_name);
    const char *row = strstr(html, key);
    ck_assert_msg(row != NULL, "no row %s", row_name);
    const char *row_end = strstr(row, "</tr>");
    snprintf(key, sizeof key, "<td data-label=\"%s\">", column);
    const char *at = strstr(row, key);
    ck_assert_msg(at && at < row_end, "row %s has no %s cell", row_name, column);
    at += strlen(key);
    const char *end = strstr(at, "</td>");
    ck_assert(end && end < row_end && (size_t)(end - at) < size);
    memcpy(cell, at, (size_t)(end - at));
    cell[end - at] = '\0';
}

/* Each row states what its values were measured on: the landmarks (hip
 * rotation), and for obliquity whatever metrics used, estimates tagged. */
START_TEST(results_state_each_method) {
    Fixture fx;
    fixture_init(&fx, 450);
    RomcvAngleChannel *obliquity = &fx.angles.channel[ROMCV_ANGLE_PELVIC_OBLIQUITY];
    static const struct {
        RomcvAngleMethod method;
        int estimate;
        const char *cell;
    } cases[] = {
        {ROMCV_METHOD_LANDMARKS, 1, "landmarks <span class=\"tag est\">estimate</span>"},
        {ROMCV_METHOD_MARKERS, 0, "markers"},
        {ROMCV_METHOD_SILHOUETTE, 1, "silhouette <span class=\"tag est\">estimate</span>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        obliquity->method = cases[i].method;
        obliquity->is_estimate = cases[i].estimate;
        size_t size;
        char *html = render(&fx.report, &size);
        ck_assert_ptr_nonnull(strstr(html, "<th scope=\"col\">Method</th>"));
        char cell[256];
        row_cell(html, "Pelvic obliquity range", "Method", cell, sizeof cell);
        ck_assert_str_eq(cell, cases[i].cell);
        row_cell(html, "Hip internal rotation", "Method", cell, sizeof cell);
        ck_assert_str_eq(cell, "landmarks");
        const char *why = tags_balanced(html);
        ck_assert_msg(why == NULL, "%s", why);
        free(html);
    }
    fixture_free(&fx);
}
END_TEST

/* Without a protocol: no results table, no flags, plots of the measured
 * channels only. */
START_TEST(report_without_protocol) {
    Fixture fx;
    fixture_init(&fx, 450);
    fx.report.protocol = NULL;
    fx.report.n_signals = 0;
    size_t size;
    char *html = render(&fx.report, &size);
    const char *why = tags_balanced(html);
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_ptr_null(strstr(html, "id=\"results\""));
    ck_assert_ptr_null(strstr(html, "class=\"card\""));
    /* hip rotation x2, obliquity, trunk lean */
    ck_assert_uint_eq(count(html, "class=\"plot-svg\""), 4);
    ck_assert_uint_eq(count(html, "class=\"bandr\""), 0);
    free(html);
    fixture_free(&fx);
}
END_TEST

START_TEST(report_without_person) {
    RomcvReportHtml r;
    romcv_report_html_default(&r);
    r.patient = "A & B";
    r.status = "interrupted";
    r.status_detail = "Ctrl-C after 12 frames.";
    size_t size;
    char *html = render(&r, &size);
    const char *why = tags_balanced(html);
    ck_assert_msg(why == NULL, "%s", why);
    ck_assert_ptr_nonnull(strstr(html, "Nothing was measured"));
    ck_assert_ptr_nonnull(strstr(html, "Analysis interrupted"));
    ck_assert_ptr_nonnull(strstr(html, "A &amp; B"));
    ck_assert_uint_eq(count(html, "class=\"plot-svg\""), 0);
    free(html);
}
END_TEST

/* A long recording (an hour at 60 fps) gives a report of about the same
 * size as a short one: plots keep a few points per pixel column. */
START_TEST(report_size_is_bounded) {
    Fixture small, large;
    fixture_init(&small, 450);
    fixture_init(&large, 216000);
    size_t small_size, large_size;
    char *a = render(&small.report, &small_size);
    char *b = render(&large.report, &large_size);
    ck_assert_msg(large_size < small_size + 200000, "%zu bytes for 216000 frames, %zu for 450",
                  large_size, small_size);
    ck_assert_ptr_null(tags_balanced(b));
    free(a);
    free(b);
    fixture_free(&small);
    fixture_free(&large);
}
END_TEST

/* A result that points past the frames is refused, and nothing is written. */
START_TEST(report_rejects_bad_input) {
    Fixture fx;
    fixture_init(&fx, 450);
    fx.flags[0].evidence_frame = 450;
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "report.html");
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_report_html_write(path, &fx.report, &diag), ROMCV_ERR(EINVAL));
    ck_assert_ptr_nonnull(strstr(diag.message, "flag 0"));
    struct stat st;
    ck_assert_int_ne(stat(path, &st), 0);
    fx.flags[0].evidence_frame = 3;
    /* A folder that does not exist: the error names the file. */
    char *missing = romcv_test_path(dir, "no/such/report.html");
    ck_assert_int_lt(romcv_report_html_write(missing, &fx.report, &diag), 0);
    ck_assert_ptr_nonnull(strstr(diag.message, "report.html"));
    free(missing);
    free(path);
    romcv_test_remove_tmpdir(dir);
    fixture_free(&fx);
}
END_TEST

/* Stills: a real JPEG (SOI ... EOI), at most 480 px wide, never enlarged. */
START_TEST(still_is_a_small_jpeg) {
    static const struct {
        int w, h, max, want_w, want_h;
    } cases[] = {
        {1280, 720, 0, 480, 270},
        {640, 480, 320, 320, 240},
        {300, 200, 0, 300, 200},
        {101, 51, 0, 100, 50},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        RomcvFrame *f = test_frame(cases[k].w, cases[k].h);
        uint8_t *jpeg = NULL;
        size_t size = 0;
        int w = 0, h = 0;
        RomcvDiag diag = {0};
        int rc = romcv_report_still_encode(f, cases[k].max, 0, &jpeg, &size, &w, &h, &diag);
        ck_assert_msg(rc == 0, "%s", diag.message);
        ck_assert_int_eq(w, cases[k].want_w);
        ck_assert_int_eq(h, cases[k].want_h);
        ck_assert_uint_gt(size, 100);
        ck_assert_uint_lt(size, 60000);
        ck_assert_int_eq(jpeg[0], 0xFF);
        ck_assert_int_eq(jpeg[1], 0xD8);
        ck_assert_int_eq(jpeg[size - 2], 0xFF);
        ck_assert_int_eq(jpeg[size - 1], 0xD9);
        free(jpeg);
        romcv_frame_unref(&f);
    }
    RomcvFrame *gray = NULL;
    ck_assert_int_eq(romcv_frame_create(&gray, 64, 64, ROMCV_PIX_GRAY8), 0);
    uint8_t *jpeg = (uint8_t *)"sentinel";
    size_t size;
    int w, h;
    ck_assert_int_eq(romcv_report_still_encode(gray, 0, 0, &jpeg, &size, &w, &h, NULL),
                     ROMCV_ERR(EINVAL));
    ck_assert_ptr_null(jpeg);
    romcv_frame_unref(&gray);
}
END_TEST

static Suite *html_suite(void) {
    Suite *s = suite_create("report_html");
    TCase *t = tcase_create("html");
    tcase_add_test(t, checker_rejects_broken_markup);
    tcase_add_test(t, report_file_is_complete_and_escaped);
    tcase_add_test(t, results_state_each_method);
    tcase_add_test(t, report_without_protocol);
    tcase_add_test(t, report_without_person);
    tcase_add_test(t, report_size_is_bounded);
    tcase_add_test(t, report_rejects_bad_input);
    tcase_add_test(t, still_is_a_small_jpeg);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    return romcv_test_main(html_suite());
}
