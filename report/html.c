/*
 * report/html.c: the self-contained HTML report (romcv/report.h, "HTML
 * report"): pure generation from arrays into a buffer, then one atomic write.
 *
 * The document is meant to be read, printed and signed by a clinician, so it
 * is laid out like a clinical report rather than a dashboard: a header with
 * the patient, session and recording; warnings before results (a reader
 * must know a recording is questionable before reading its numbers); the
 * results table; compensation flags with the frame that shows each; plots;
 * then the method notes and numbered sources. No script, no web font, no
 * external resource: CSS and SVG are inline, stills are data: URIs, and a
 * Content-Security-Policy (default-src 'none') makes the browser refuse
 * anything else, so the file works offline and cannot leak patient data.
 *
 * Numbers are printed in the C locale (uselocale, this thread only): SVG
 * coordinates need '.' as the decimal point whatever the application set.
 */
#include "report/internal.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the buffer */

typedef struct Html {
    char *data;
    size_t len, cap;
    int oom; /* sticky: later appends do nothing */
} Html;

static void put(Html *h, const char *s, size_t n) {
    if (h->oom) {
        return;
    }
    if (h->len + n + 1 > h->cap) {
        size_t cap = h->cap ? h->cap : 65536;
        while (cap < h->len + n + 1) {
            cap *= 2;
        }
        char *bigger = realloc(h->data, cap);
        if (!bigger) {
            h->oom = 1;
            return;
        }
        h->data = bigger;
        h->cap = cap;
    }
    memcpy(h->data + h->len, s, n);
    h->len += n;
    h->data[h->len] = '\0';
}

static void puts_html(Html *h, const char *s) {
    put(h, s, strlen(s));
}

static void printf_html(Html *h, const char *fmt, ...) ROMCV_PRINTF(2, 3);
static void printf_html(Html *h, const char *fmt, ...) {
    char small[512];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(small, sizeof small, fmt, args);
    va_end(args);
    if (n < 0) {
        return;
    }
    if ((size_t)n < sizeof small) {
        put(h, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        h->oom = 1;
        return;
    }
    va_start(args, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, args);
    va_end(args);
    put(h, big, (size_t)n);
    free(big);
}

/* Text content or an attribute value: the five characters HTML gives
 * meaning to become entities, control characters (other than tab and
 * newline) are dropped. Every string from outside this file goes through
 * here, so a patient name like "<script>" stays text. */
static void text(Html *h, const char *s) {
    if (!s) {
        return;
    }
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '&':
            puts_html(h, "&amp;");
            break;
        case '<':
            puts_html(h, "&lt;");
            break;
        case '>':
            puts_html(h, "&gt;");
            break;
        case '"':
            puts_html(h, "&quot;");
            break;
        case '\'':
            puts_html(h, "&#39;");
            break;
        default:
            if ((unsigned char)*p >= 0x20 || *p == '\t' || *p == '\n') {
                put(h, p, 1);
            }
        }
    }
}

static int given(const char *s) {
    return s && *s;
}

/* Text with the first letter capitalised (ASCII only). */
static void text_capital(Html *h, const char *s) {
    if (!given(s)) {
        return;
    }
    char first[2] = {s[0] >= 'a' && s[0] <= 'z' ? (char)(s[0] - 'a' + 'A') : s[0], 0};
    text(h, first);
    text(h, s + 1);
}

/* A channel name as words: "hip_rotation_left" -> "Hip rotation left". */
static void text_name(Html *h, const char *name) {
    char words[96];
    snprintf(words, sizeof words, "%s", name ? name : "");
    for (char *p = words; *p; p++) {
        if (*p == '_') {
            *p = ' ';
        }
    }
    /* The frontal plane projection angle is known by its acronym. */
    char *fppa = strstr(words, "fppa");
    if (fppa) {
        memcpy(fppa, "FPPA", 4);
    }
    text_capital(h, words);
}

/* RFC 4648 base64, for the data: URIs of the stills. */
static void base64(Html *h, const uint8_t *data, size_t n) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char chunk[4 * 256];
    size_t used = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < n) {
            v |= (uint32_t)data[i + 1] << 8;
        }
        if (i + 2 < n) {
            v |= data[i + 2];
        }
        chunk[used++] = alphabet[(v >> 18) & 63];
        chunk[used++] = alphabet[(v >> 12) & 63];
        chunk[used++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        chunk[used++] = i + 2 < n ? alphabet[v & 63] : '=';
        if (used == sizeof chunk) {
            put(h, chunk, used);
            used = 0;
        }
    }
    put(h, chunk, used);
}

/* -------------------------------------------------------- numbers, units */

/* The unit as a reader writes it after a number. */
static const char *unit_suffix(const char *unit) {
    if (!unit) {
        return "";
    }
    if (strcmp(unit, "deg") == 0) {
        return "\u00b0";
    }
    if (strcmp(unit, "leg") == 0) {
        return " leg lengths";
    }
    if (strcmp(unit, "s") == 0) {
        return " s";
    }
    if (strcmp(unit, "ratio") == 0) {
        return "\u00d7";
    }
    return "";
}

/* The unit as an axis title. */
static const char *unit_axis(const char *unit) {
    if (!unit || !*unit) {
        return "value";
    }
    if (strcmp(unit, "deg") == 0) {
        return "degrees";
    }
    if (strcmp(unit, "leg") == 0) {
        return "leg lengths";
    }
    if (strcmp(unit, "s") == 0) {
        return "seconds";
    }
    return unit;
}

/* Decimals that show what the measurement can resolve: a tenth of a degree
 * or second, a thousandth of a leg length (about 1 mm), two for ratios. */
static int unit_decimals(const char *unit) {
    if (unit && (strcmp(unit, "deg") == 0 || strcmp(unit, "s") == 0)) {
        return 1;
    }
    if (unit && strcmp(unit, "leg") == 0) {
        return 3;
    }
    return 2;
}

/* "34.2°", "−6.0°" (a true minus sign), "not measurable" for NaN; with
 * suffix 0 the number alone, with the unit's decimals ("30.0" in "30.0–40.0°"). */
static void number_text(Html *h, double v, const char *unit, int suffix) {
    if (!isfinite(v)) {
        puts_html(h, "<span class=\"na\">not measurable</span>");
        return;
    }
    int decimals = unit_decimals(unit);
    char number[64];
    snprintf(number, sizeof number, "%.*f", decimals, fabs(v));
    /* "-0.0" would read as a negative zero. */
    int negative = v < 0 && strspn(number, "0.") != strlen(number);
    printf_html(h, "%s%s%s", negative ? "\u2212" : "", number, suffix ? unit_suffix(unit) : "");
}

static void value_text(Html *h, double v, const char *unit) {
    number_text(h, v, unit, 1);
}

/* --------------------------------------------------------------- sources */

#define MAX_SOURCES 64

/* Sources are cited by number in the text ([1]) and listed at the end. */
typedef struct Sources {
    const char *text[MAX_SOURCES];
    int n;
} Sources;

static void cite(Html *h, Sources *src, const char *source) {
    if (!given(source)) {
        return;
    }
    int k = 0;
    while (k < src->n && strcmp(src->text[k], source) != 0) {
        k++;
    }
    if (k == src->n) {
        if (src->n == MAX_SOURCES) {
            puts_html(h, " (");
            text(h, source);
            puts_html(h, ")");
            return;
        }
        src->text[src->n++] = source;
    }
    printf_html(h, "<sup class=\"ref\"><a href=\"#src-%d\">[%d]</a></sup>", k + 1, k + 1);
}

/* ---------------------------------------------------------------- signals */

/* One plotted time series. */
typedef struct Plot {
    int signal;
    const char *name, *unit, *meaning;
    const RomcvAngleInfo *info; /* NULL for a derived signal */
    const float *values;
    float baseline;
    int is_estimate;
    size_t valid;
    int used_by_protocol;
} Plot;

typedef struct Ctx {
    const RomcvReportHtml *r;
    const RomcvAngleResults *a;
    const RomcvProtocolResult *p;
    size_t n;
    Plot plot[ROMCV_SIGNAL_COUNT];
    int n_plots;
    Sources sources;
    unsigned char still_shown[ROMCV_REPORT_HTML_MAX_STILLS]; /* embedded already */
} Ctx;

static const RomcvReportSignal *derived_signal(const Ctx *c, int signal) {
    for (size_t i = 0; i < c->r->n_signals; i++) {
        if (c->r->signals[i].signal == signal && c->r->signals[i].values) {
            return &c->r->signals[i];
        }
    }
    return NULL;
}

/* Fills a Plot for signal from the angles or the caller's signals; 0 when
 * there is no data for it. */
static int signal_plot(const Ctx *c, int signal, Plot *out) {
    memset(out, 0, sizeof *out);
    out->signal = signal;
    out->baseline = NAN;
    if (!c->a || signal < 0) {
        return 0;
    }
    if (signal < ROMCV_ANGLE_COUNT) {
        const RomcvAngleInfo *info = romcv_angle_info((RomcvAngleId)signal);
        const RomcvAngleChannel *ch = &c->a->channel[signal];
        if (!info || !ch->value_deg) {
            return 0;
        }
        out->info = info;
        out->name = info->name;
        out->unit = info->unit;
        out->values = ch->value_deg;
        out->baseline = ch->baseline_deg;
        out->is_estimate = ch->is_estimate;
    } else {
        const RomcvReportSignal *s = derived_signal(c, signal);
        if (!s) {
            return 0;
        }
        out->name = s->name ? s->name : "signal";
        out->unit = s->unit ? s->unit : "";
        out->meaning = s->meaning;
        out->values = s->values;
        out->baseline = s->baseline;
    }
    for (size_t i = 0; i < c->n; i++) {
        out->valid += isfinite(out->values[i]) ? 1 : 0;
    }
    return 1;
}

static int find_plot(const Ctx *c, int signal) {
    for (int k = 0; k < c->n_plots; k++) {
        if (c->plot[k].signal == signal) {
            return k;
        }
    }
    return -1;
}

static void add_plot(Ctx *c, int signal, int used_by_protocol, size_t min_valid) {
    if (find_plot(c, signal) >= 0 || c->n_plots >= ROMCV_SIGNAL_COUNT) {
        return;
    }
    Plot p;
    if (signal_plot(c, signal, &p) && p.valid >= min_valid) {
        p.used_by_protocol = used_by_protocol;
        c->plot[c->n_plots++] = p;
    }
}

/* The plots, in reading order: the protocol's signals first (segmenting,
 * measured, watched), then every other angle channel measured in enough
 * frames. A channel measured in a handful of frames (the wrong view, a limb
 * out of frame) would only show noise. */
static void choose_plots(Ctx *c) {
    c->n_plots = 0;
    if (!c->a) {
        return;
    }
    const RomcvProtocolDef *d = c->p ? c->p->def : NULL;
    if (d) {
        for (int s = 0; s < d->n_segmenters && s < ROMCV_PROTOCOL_MAX_SEGMENTERS; s++) {
            add_plot(c, d->segmenter[s].signal, 1, 2);
        }
        for (int m = 0; m < d->n_measures && m < ROMCV_PROTOCOL_MAX_MEASURES; m++) {
            add_plot(c, d->measure[m].signal, 1, 2);
        }
        for (int f = 0; f < d->n_flags && f < ROMCV_PROTOCOL_MAX_FLAGS; f++) {
            add_plot(c, d->flag[f].signal, 1, 2);
            if (d->flag[f].kind == ROMCV_FLAG_RATIO_AT_PEAK) {
                add_plot(c, d->flag[f].ratio_signal, 1, 2);
            }
            if (d->flag[f].and_signal >= 0) {
                add_plot(c, d->flag[f].and_signal, 1, 2);
            }
        }
    }
    size_t min_valid = c->r->min_valid_frames;
    if (min_valid == 0) {
        min_valid = c->n / 4 > 10 ? c->n / 4 : 10;
    }
    for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
        add_plot(c, a, 0, min_valid);
    }
}

static const char *signal_unit(const Ctx *c, int signal) {
    if (signal >= 0 && signal < ROMCV_ANGLE_COUNT) {
        return romcv_angle_info((RomcvAngleId)signal)->unit;
    }
    const RomcvReportSignal *s = derived_signal(c, signal);
    return s && s->unit ? s->unit : "";
}

static const char *signal_name(const Ctx *c, int signal) {
    if (signal >= 0 && signal < ROMCV_ANGLE_COUNT) {
        return romcv_angle_info((RomcvAngleId)signal)->name;
    }
    const RomcvReportSignal *s = derived_signal(c, signal);
    return s && s->name ? s->name : "signal";
}

/* ----------------------------------------------------- protocol helpers */

static int valid_segmenter(const RomcvProtocolDef *d, int s) {
    return s >= 0 && s < d->n_segmenters && s < ROMCV_PROTOCOL_MAX_SEGMENTERS;
}

static RomcvSide measure_side(const RomcvProtocolDef *d, int m) {
    int s = d->measure[m].segmenter;
    return valid_segmenter(d, s) ? d->segmenter[s].side : ROMCV_SIDE_NONE;
}

static const char *side_name(RomcvSide side) {
    return side == ROMCV_SIDE_LEFT ? "left" : side == ROMCV_SIDE_RIGHT ? "right" : "both";
}

/* The unit of a measure's values: seconds for durations, else its signal's. */
static const char *measure_unit(const Ctx *c, const RomcvMeasureDef *m) {
    return m->statistic == ROMCV_STAT_DURATION ? "s" : signal_unit(c, m->signal);
}

/* "right-ir 2": the segmenter's name and the repetition's number among that
 * segmenter's repetitions. */
static void repetition_label(Html *h, const Ctx *c, size_t r) {
    const RomcvProtocolResult *p = c->p;
    if (!p || r >= p->n_repetitions) {
        puts_html(h, "\u2014");
        return;
    }
    int seg = p->repetition[r].segmenter;
    size_t number = 1;
    for (size_t k = 0; k < r; k++) {
        number += p->repetition[k].segmenter == seg ? 1 : 0;
    }
    const char *name = valid_segmenter(p->def, seg) ? p->def->segmenter[seg].name : NULL;
    text(h, given(name) ? name : "repetition");
    printf_html(h, " %zu", number);
}

/* Removes the first "left"/"right" word from a name: a plot or a row that
 * holds one side, or both, already says which. */
static void strip_side(char *buf) {
    static const char *const sides[] = {"left ", "right ", " left", " right"};
    for (size_t k = 0; k < 4; k++) {
        char *at = strstr(buf, sides[k]);
        if (at) {
            size_t cut = strlen(sides[k]);
            memmove(at, at + cut, strlen(at + cut) + 1);
            return;
        }
    }
}

static void side_free_name(Html *h, const char *name) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s", name ? name : "");
    strip_side(buf);
    text(h, buf);
}

/* A measure's name for a results row: "right hip internal rotation" ->
 * "Hip internal rotation" when the row holds both sides. */
static void measure_row_name(Html *h, const char *name, int paired) {
    char buf[160];
    snprintf(buf, sizeof buf, "%s", name ? name : "");
    if (paired) {
        strip_side(buf);
    }
    text_capital(h, buf);
}

static void outside_tag(Html *h, int outside) {
    if (outside < 0) {
        puts_html(h, " <span class=\"out\">\u25bc outside the normal range (below)</span>");
    } else if (outside > 0) {
        puts_html(h, " <span class=\"out\">\u25b2 outside the normal range (above)</span>");
    }
}

/* --------------------------------------------------------------- header */

static const char css[] =
    ":root{--ink:#1c2630;--muted:#5a6573;--line:#d3d9e0;--accent:#0b4f6c;--soft:#f2f5f8;"
    "--warn:#8a4b00;--warnbg:#fff5e3;--warnline:#e9b25a;--flag:#b42318;--flagbg:#fdf1ef;"
    "--band:#dcefe2;--bandline:#3f8a5a;--rep:#e8eef6;--data:#1d4f86}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
    "body{margin:0;background:#e8ecf0;color:var(--ink);font:15px/1.5 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}\n"
    ".page{max-width:1000px;margin:24px auto;background:#fff;padding:32px 40px 40px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}\n"
    "header.doc{border-bottom:3px solid var(--accent);padding-bottom:14px;margin-bottom:8px}\n"
    ".kicker{font-size:12px;letter-spacing:.09em;text-transform:uppercase;color:var(--accent);"
    "font-weight:600;display:flex;justify-content:space-between;gap:12px;flex-wrap:wrap}\n"
    "h1{font-size:26px;line-height:1.25;margin:6px 0 14px}\n"
    "h2{font-size:19px;color:var(--accent);border-bottom:1px solid var(--line);"
    "padding-bottom:4px;margin:34px 0 12px}\n"
    "h3{font-size:16px;margin:22px 0 4px}\n"
    "p{margin:6px 0}\n"
    "a{color:var(--accent)}\n"
    "dl.meta{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:0 28px;margin:0}\n"
    "dl.meta div{display:flex;gap:10px;border-bottom:1px dotted var(--line);padding:4px 0}\n"
    "dl.meta dt{flex:0 0 92px;color:var(--muted);font-size:13px;padding-top:1px}\n"
    "dl.meta dd{margin:0;font-weight:500;overflow-wrap:anywhere}\n"
    ".notgiven{color:var(--muted);font-weight:400;font-style:italic}\n"
    ".notice{border-left:4px solid var(--warnline);background:var(--warnbg);padding:10px 14px;"
    "margin:14px 0}\n"
    ".notice ul{margin:4px 0;padding-left:20px}\n"
    ".notice.banner{border-left-color:var(--flag);background:var(--flagbg)}\n"
    ".calm{color:var(--muted)}\n"
    ".small{font-size:13px;color:var(--muted)}\n"
    ".table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}\n"
    "table{border-collapse:collapse;width:100%;font-size:14px}\n"
    "th,td{border-bottom:1px solid var(--line);padding:8px 10px;text-align:left;"
    "vertical-align:top}\n"
    "thead th{background:var(--soft);font-size:12px;text-transform:uppercase;"
    "letter-spacing:.04em;color:var(--muted);font-weight:600;white-space:nowrap}\n"
    "tbody th{font-weight:600}\n"
    "td.v{font-variant-numeric:tabular-nums}\n"
    "table.results tbody th{min-width:130px}\n"
    ".best{font-size:19px;font-weight:700}\n"
    ".reps{font-size:12px;color:var(--muted);margin-top:2px}\n"
    ".na{color:var(--muted);font-style:italic;font-weight:400;font-size:14px}\n"
    ".out,.asym{display:inline-block;font-size:12px;font-weight:600;border-radius:3px;"
    "padding:0 6px;margin:2px 0}\n"
    ".out{color:var(--warn);background:var(--warnbg);border:1px solid var(--warnline)}\n"
    ".asym{color:var(--flag);background:var(--flagbg);border:1px solid #eba59b}\n"
    "sup.ref{font-size:10px;line-height:0}\n"
    "sup.ref a{text-decoration:none}\n"
    ".plot{margin:10px 0 26px;break-inside:avoid;page-break-inside:avoid}\n"
    ".plot h3{margin-bottom:0}\n"
    ".plot svg{width:100%;height:auto;display:block;margin-top:4px}\n"
    ".tag{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;"
    "letter-spacing:.05em;border:1px solid var(--line);border-radius:3px;padding:0 5px;"
    "margin-left:6px;color:var(--muted);vertical-align:2px}\n"
    ".tag.est{color:var(--warn);border-color:var(--warnline);background:var(--warnbg)}\n"
    ".legend{font-size:12px;color:var(--muted);display:flex;flex-wrap:wrap;gap:2px 16px}\n"
    ".sw{display:inline-block;width:16px;height:10px;vertical-align:-1px;margin-right:5px;"
    "border:1px solid}\n"
    ".sw.line{height:0;border-width:2px 0 0;border-color:var(--data);vertical-align:3px}\n"
    ".sw.band{background:var(--band);border-color:var(--bandline)}\n"
    ".sw.rep{background:var(--rep);border-color:#9fb3cc}\n"
    ".sw.flg{background:#f3b8b0;border-color:var(--flag)}\n"
    ".sw.base{height:0;border-width:2px 0 0;border-style:dashed;border-color:#6b7785;"
    "vertical-align:3px}\n"
    ".sw.pk{width:10px;border-radius:50%;border:2px solid var(--ink);background:#fff}\n"
    "svg text{font-family:inherit}\n"
    ".ax{font-size:11px;fill:var(--muted)}\n"
    ".axt{font-size:12px;fill:var(--ink)}\n"
    ".grid{stroke:#e3e8ee;stroke-width:1}\n"
    ".zero{stroke:#aab4bf;stroke-width:1}\n"
    ".frame{fill:none;stroke:#9aa5b1;stroke-width:1}\n"
    ".bandr{fill:var(--band);stroke:var(--bandline);stroke-width:1;stroke-dasharray:4 3}\n"
    ".bandt{font-size:11px;fill:var(--bandline);font-weight:600;paint-order:stroke;stroke:#fff;"
    "stroke-width:3px}\n"
    ".repr{fill:var(--rep)}\n"
    ".rept{font-size:10px;fill:#4a5d75}\n"
    ".flgr{fill:var(--flag);fill-opacity:.28;stroke:var(--flag);stroke-width:1}\n"
    ".flgt{font-size:10px;fill:var(--flag);font-weight:600;paint-order:stroke;stroke:#fff;"
    "stroke-width:3px}\n"
    ".basel{stroke:#6b7785;stroke-width:1.2;stroke-dasharray:6 4}\n"
    ".data{fill:none;stroke:var(--data);stroke-width:1.8;stroke-linejoin:round;"
    "stroke-linecap:round}\n"
    ".pk{fill:#fff;stroke:var(--ink);stroke-width:2}\n"
    ".pkt{font-size:11px;font-weight:700;fill:var(--ink);paint-order:stroke;stroke:#fff;"
    "stroke-width:3px}\n"
    ".flags{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:16px}\n"
    ".card{border:1px solid var(--line);border-top:4px solid var(--flag);padding:12px 14px;"
    "break-inside:avoid;page-break-inside:avoid}\n"
    ".card h3{margin:8px 0 6px;font-size:16px}\n"
    ".card figure{margin:0}\n"
    ".card figure svg{width:100%;height:auto;display:block;background:#30363d}\n"
    ".card figcaption{font-size:12px;color:var(--muted);margin-top:3px}\n"
    ".card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0;font-size:14px}\n"
    ".card dt{color:var(--muted)}\n"
    ".card dd{margin:0;font-variant-numeric:tabular-nums}\n"
    ".nostill{aspect-ratio:4/3;display:flex;align-items:center;justify-content:center;"
    "background:var(--soft);border:1px dashed var(--line);color:var(--muted);"
    "font-style:italic;font-size:14px}\n"
    ".ovl{fill:none;stroke-width:3;stroke-linecap:round}\n"
    ".ovl.l{stroke:#4aa3ff}.ovl.r{stroke:#ff9a3c}.ovl.m{stroke:#f2f2f2}\n"
    ".ovp{stroke:#111;stroke-width:1}\n"
    ".ovt{font-weight:700;fill:#fff;paint-order:stroke;stroke:#111}\n"
    "dl.defs{margin:0}\n"
    "dl.defs dt{font-weight:600;margin-top:12px}\n"
    "dl.defs dd{margin:2px 0 0 0}\n"
    ".caveat{border-left:3px solid var(--warnline);background:var(--warnbg);padding:4px 10px;"
    "margin:4px 0;font-size:14px}\n"
    "ol.sources{padding-left:28px;font-size:14px}\n"
    "ol.sources li{margin:2px 0;overflow-wrap:anywhere}\n"
    ".prewrap{white-space:pre-line}\n"
    "footer.sign{margin-top:40px;border-top:1px solid var(--line);padding-top:16px;"
    "break-inside:avoid;page-break-inside:avoid}\n"
    ".sigrow{display:grid;grid-template-columns:2fr 2fr 1fr;gap:24px;margin-top:10px}\n"
    ".sigrow div{border-bottom:1px solid var(--ink);height:46px;display:flex;"
    "align-items:flex-end}\n"
    ".sigrow span{font-size:12px;color:var(--muted);transform:translateY(20px)}\n"
    ".colophon{font-size:12px;color:var(--muted);margin-top:34px;overflow-wrap:anywhere}\n"
    "@media (max-width:640px){body{background:#fff;font-size:15px}"
    ".page{margin:0;padding:16px 14px 28px;box-shadow:none}"
    "dl.meta{grid-template-columns:1fr}h1{font-size:22px}h2{font-size:18px}"
    "th,td{padding:6px 7px}.best{font-size:17px}.sigrow{grid-template-columns:1fr}"
    /* Tables become one block per row, each cell under its column's name. */
    "table.stack thead{display:none}"
    "table.stack tr{display:block;border-bottom:1px solid var(--line);padding:8px 0}"
    "table.stack th,table.stack td{display:block;border:0;padding:2px 0}"
    "table.stack td[data-label]::before{content:attr(data-label);display:inline-block;"
    "min-width:92px;font-size:12px;color:var(--muted);vertical-align:top}"
    "table.stack td:empty{display:none}"
    "table.stack .reps,table.stack .out,table.stack .asym{margin-left:92px}}\n"
    "@media print{@page{size:A4;margin:14mm 13mm}"
    "html,body{background:#fff;font-size:10.5pt}"
    ".page{max-width:none;margin:0;padding:0;box-shadow:none}"
    "section.major{break-before:page;page-break-before:always}"
    "h2{margin-top:0}"
    "tr,.plot,.card,figure,.notice,dl.defs dd{break-inside:avoid;page-break-inside:avoid}"
    "h2,h3{break-after:avoid;page-break-after:avoid}"
    ".card figure svg{background:#fff}"
    ".flags{grid-template-columns:repeat(3,minmax(0,1fr));gap:10px}"
    ".card{padding:8px 10px}.card h3{font-size:12pt}.card dl{font-size:9.5pt}"
    "a{color:inherit;text-decoration:none}"
    ".table-wrap{overflow:visible}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void meta_row(Html *h, const char *label, const char *value) {
    puts_html(h, "<div><dt>");
    text(h, label);
    puts_html(h, "</dt><dd>");
    if (given(value)) {
        text(h, value);
    } else {
        puts_html(h, "<span class=\"notgiven\">not given</span>");
    }
    puts_html(h, "</dd></div>\n");
}

static void render_head(Html *h, const Ctx *c) {
    const RomcvReportHtml *r = c->r;
    const char *title =
        c->p && c->p->def && given(c->p->def->title) ? c->p->def->title : "Range of motion";
    puts_html(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 /* The report must work offline and never send patient data
                  * anywhere: the browser is told to load nothing but the
                  * inline style and the data: images. */
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "img-src data:; style-src 'unsafe-inline'\">\n"
                 "<meta name=\"generator\" content=\"");
    text(h, given(r->software) ? r->software : "romcv");
    puts_html(h, "\">\n<title>");
    text(h, title);
    if (given(r->patient)) {
        puts_html(h, " \u2014 ");
        text(h, r->patient);
    }
    if (given(r->date)) {
        puts_html(h, " \u2014 ");
        text(h, r->date);
    }
    puts_html(h, "</title>\n<style>\n");
    puts_html(h, css);
    puts_html(h, "</style>\n</head>\n<body>\n<main class=\"page\">\n<header class=\"doc\">\n"
                 "<div class=\"kicker\"><span>Range of motion report</span><span>");
    text(h, given(r->date) ? r->date : "");
    puts_html(h, "</span></div>\n<h1>");
    text(h, title);
    puts_html(h, "</h1>\n<dl class=\"meta\">\n");
    meta_row(h, "Patient", r->patient);
    meta_row(h, "Session", r->session);
    meta_row(h, "Date", r->date);
    meta_row(h, "Recording", r->input);
    if (given(r->input_details)) {
        meta_row(h, "Video", r->input_details);
    }
    char frames[160] = "";
    if (c->a && c->n > 0) {
        snprintf(frames, sizeof frames, "%zu frames, %.2f\u2013%.2f s", c->n, c->a->time_s[0],
                 c->a->time_s[c->n - 1]);
    }
    meta_row(h, "Analysed", frames);
    meta_row(h, "Model", r->model);
    meta_row(h, "Software", r->software);
    puts_html(h, "</dl>\n</header>\n");
}

/* ------------------------------------------------------------- warnings */

static void render_status(Html *h, const Ctx *c) {
    const RomcvReportHtml *r = c->r;
    if (given(r->status) && strcmp(r->status, "complete") != 0) {
        puts_html(h, "<div class=\"notice banner\" role=\"alert\"><strong>Analysis ");
        text(h, r->status);
        puts_html(h, ":</strong> the results cover only the part of the recording that was "
                     "analysed.");
        if (given(r->status_detail)) {
            puts_html(h, " ");
            text(h, r->status_detail);
        }
        puts_html(h, "</div>\n");
    }
    if (!c->a || c->n == 0) {
        puts_html(h, "<div class=\"notice banner\" role=\"alert\"><strong>Nothing was "
                     "measured:</strong> no person was found in the analysed frames.</div>\n");
    }
}

static void render_warnings(Html *h, const Ctx *c) {
    const RomcvReportHtml *r = c->r;
    size_t n_protocol = c->p ? c->p->n_warnings : 0;
    int view_problem = c->p && !c->p->view_ok;
    puts_html(h, "<section id=\"warnings\">\n<h2>Recording checks</h2>\n");
    if (r->n_recording_warnings == 0 && n_protocol == 0 && !view_problem) {
        puts_html(h, "<p class=\"calm\">The recording passed every automatic check (framing, "
                     "camera angle, image quality");
        puts_html(h, c->p ? ", the protocol's view" : "");
        puts_html(h, ").</p>\n</section>\n");
        return;
    }
    puts_html(h, "<div class=\"notice\"><p><strong>Read these before the results:</strong> "
                 "they can make measurements less reliable.</p>\n<ul>\n");
    for (size_t i = 0; i < r->n_recording_warnings; i++) {
        puts_html(h, "<li>");
        text_capital(h, r->recording_warnings[i].text);
        if (given(r->recording_warnings[i].detail)) {
            puts_html(h, ". <span class=\"small\">");
            text_capital(h, r->recording_warnings[i].detail);
            puts_html(h, ".</span>");
        }
        puts_html(h, "</li>\n");
    }
    if (view_problem && n_protocol == 0) {
        printf_html(h,
                    "<li>The camera view (%s in %.0f%% of frames) is not one this protocol "
                    "accepts.</li>\n",
                    romcv_view_name(c->p->dominant_view), 100.0 * c->p->view_fraction);
    }
    for (size_t i = 0; i < n_protocol; i++) {
        puts_html(h, "<li>");
        char line[257];
        snprintf(line, sizeof line, "%s", c->p->warning[i]);
        text_capital(h, line);
        puts_html(h, "</li>\n");
    }
    puts_html(h, "</ul>\n</div>\n</section>\n");
}

/* -------------------------------------------------------- results table */

/* One side's cell: the end range, whether it is outside the normal range,
 * then every repetition's value. colspan 2 spans both side columns. */
static void values_cell(Html *h, Ctx *c, const RomcvMeasureResult *mr, int colspan,
                        const char *label) {
    const RomcvMeasureDef *def = mr->def;
    const char *unit = measure_unit(c, def);
    /* data-label names the column when a phone stacks the cells. */
    if (colspan > 1) {
        printf_html(h, "<td class=\"v\" colspan=\"%d\" data-label=\"%s\"><span class=\"best\">",
                    colspan, label);
    } else {
        printf_html(h, "<td class=\"v\" data-label=\"%s\"><span class=\"best\">", label);
    }
    value_text(h, mr->best, unit);
    puts_html(h, "</span>");
    if (isfinite(mr->best)) {
        outside_tag(h, mr->outside_normal);
    }
    if (mr->n_values > 0) {
        puts_html(h, "<div class=\"reps\">");
        printf_html(h, "%zu repetition%s: ", mr->n_values, mr->n_values == 1 ? "" : "s");
        for (size_t v = 0; v < mr->n_values; v++) {
            const RomcvMeasureValue *mv = &mr->values[v];
            puts_html(h, v ? " \u00b7 " : "");
            value_text(h, mv->value, unit);
            const RomcvRepetition *rep =
                mv->repetition >= 0 && (size_t)mv->repetition < c->p->n_repetitions
                    ? &c->p->repetition[mv->repetition]
                    : NULL;
            if (rep && (rep->partial || rep->cut)) {
                puts_html(h, rep->partial ? " (partial)" : " (cut short)");
            }
            if (isfinite(mv->value) && mv->outside_normal) {
                puts_html(h, mv->outside_normal < 0 ? " \u25bc" : " \u25b2");
            }
        }
        puts_html(h, "</div>");
    } else {
        puts_html(h, "<div class=\"reps\">no repetition found</div>");
    }
    puts_html(h, "</td>");
}

static void range_text(Html *h, Ctx *c, const RomcvMeasureDef *def) {
    const char *unit = measure_unit(c, def);
    int lo = isfinite(def->normal_low), hi = isfinite(def->normal_high);
    if (!lo && !hi) {
        puts_html(h, "<span class=\"na\">none published</span>");
        cite(h, &c->sources, def->normal_source);
        return;
    }
    if (lo && hi) {
        number_text(h, def->normal_low, unit, 0);
        puts_html(h, "\u2013");
        value_text(h, def->normal_high, unit);
    } else if (lo) {
        puts_html(h, "\u2265 ");
        value_text(h, def->normal_low, unit);
    } else {
        puts_html(h, "\u2264 ");
        value_text(h, def->normal_high, unit);
    }
    cite(h, &c->sources, def->normal_source);
}

static int same_range(const RomcvMeasureDef *a, const RomcvMeasureDef *b) {
    int lo = (isnan(a->normal_low) && isnan(b->normal_low)) || a->normal_low == b->normal_low;
    int hi = (isnan(a->normal_high) && isnan(b->normal_high)) || a->normal_high == b->normal_high;
    int src =
        (!a->normal_source && !b->normal_source) ||
        (a->normal_source && b->normal_source && strcmp(a->normal_source, b->normal_source) == 0);
    return lo && hi && src;
}

static void asymmetry_cell(Html *h, Ctx *c, const RomcvMeasureResult *left) {
    const RomcvMeasureDef *def = left->def;
    puts_html(h, "<td class=\"v\" data-label=\"Asymmetry\">");
    if (!isfinite(left->asymmetry)) {
        puts_html(h, "<span class=\"na\">not measurable</span>");
    } else {
        const char *unit = measure_unit(c, def);
        puts_html(h, "<span class=\"best\">");
        value_text(h, left->asymmetry, unit);
        puts_html(h, "</span>");
        if (left->asymmetric) {
            puts_html(h, " <span class=\"asym\">difference above the threshold</span>");
        }
        puts_html(h, "<div class=\"reps\">left \u2212 right; threshold ");
        value_text(h, def->asymmetry_threshold, unit);
        cite(h, &c->sources, def->asymmetry_source);
        puts_html(h, "</div>");
    }
    puts_html(h, "</td>");
}

/* The angle channel whose method a measure's signal inherits: its own, the
 * obliquity behind the pelvic drop in degrees, the pelvic tilt behind the
 * forward bend's contributions (protocols/signals.c); -1 for the signals
 * computed on the landmarks alone. */
static int method_channel(int signal) {
    if (signal >= 0 && signal < ROMCV_ANGLE_COUNT) {
        return signal;
    }
    switch (signal) {
    case ROMCV_SIGNAL_PELVIC_DROP_LEFT:
    case ROMCV_SIGNAL_PELVIC_DROP_RIGHT:
        return ROMCV_ANGLE_PELVIC_OBLIQUITY;
    case ROMCV_SIGNAL_LUMBAR_CONTRIBUTION:
    case ROMCV_SIGNAL_HIP_CONTRIBUTION:
        return ROMCV_ANGLE_PELVIC_TILT;
    default:
        return -1;
    }
}

/* What a measure's values were measured on: "markers", "silhouette
 * (estimate)", "landmarks"; the lumbar contribution adds the trunk's
 * landmarks to the pelvic tilt's method. */
static void method_text(Html *h, const Ctx *c, const RomcvMeasureDef *def) {
    int channel = method_channel(def->signal);
    const RomcvAngleChannel *ch = channel >= 0 ? &c->a->channel[channel] : NULL;
    RomcvAngleMethod method = ch ? ch->method : ROMCV_METHOD_LANDMARKS;
    if (def->signal == ROMCV_SIGNAL_LUMBAR_CONTRIBUTION && method != ROMCV_METHOD_LANDMARKS) {
        puts_html(h, "landmarks and ");
    }
    puts_html(h, romcv_angle_method_name(method));
    if (ch && ch->is_estimate) {
        puts_html(h, " <span class=\"tag est\">estimate</span>");
    }
}

static int same_method(const Ctx *c, const RomcvMeasureDef *a, const RomcvMeasureDef *b) {
    int ca = method_channel(a->signal), cb = method_channel(b->signal);
    RomcvAngleMethod ma = ca >= 0 ? c->a->channel[ca].method : ROMCV_METHOD_LANDMARKS;
    RomcvAngleMethod mb = cb >= 0 ? c->a->channel[cb].method : ROMCV_METHOD_LANDMARKS;
    int ea = ca >= 0 && c->a->channel[ca].is_estimate,
        eb = cb >= 0 && c->a->channel[cb].is_estimate;
    return ma == mb && ea == eb;
}

static void render_results(Html *h, Ctx *c) {
    const RomcvProtocolResult *p = c->p;
    const RomcvProtocolDef *d = p->def;
    puts_html(h, "<section id=\"results\">\n<h2>Results</h2>\n");
    printf_html(h, "<p class=\"small\">Camera view: %s in %.0f%% of frames",
                romcv_view_name(p->dominant_view), 100.0 * p->view_fraction);
    puts_html(h, p->view_ok ? " (suits this protocol)."
                            : " (<strong>not the view this protocol "
                              "needs</strong>).");
    printf_html(h,
                " %zu repetition%s found. End range is the largest value over the complete "
                "repetitions.</p>\n",
                p->n_repetitions, p->n_repetitions == 1 ? "" : "s");
    int n_measures =
        d->n_measures < ROMCV_PROTOCOL_MAX_MEASURES ? d->n_measures : ROMCV_PROTOCOL_MAX_MEASURES;
    puts_html(h, "<div class=\"table-wrap\">\n<table class=\"results stack\">\n<thead><tr>"
                 "<th scope=\"col\">Measure</th><th scope=\"col\">Left</th>"
                 "<th scope=\"col\">Right</th><th scope=\"col\">Normal range</th>"
                 "<th scope=\"col\">Asymmetry</th><th scope=\"col\">Method</th></tr></thead>\n"
                 "<tbody>\n");
    int done[ROMCV_PROTOCOL_MAX_MEASURES] = {0};
    for (int m = 0; m < n_measures; m++) {
        if (done[m] || !p->measure[m].def) {
            continue;
        }
        done[m] = 1;
        const RomcvMeasureResult *mr = &p->measure[m];
        int pair = mr->def->pair;
        const RomcvMeasureResult *left = NULL, *right = NULL, *single = NULL;
        if (pair >= 0 && pair < n_measures && pair != m && !done[pair] && p->measure[pair].def) {
            done[pair] = 1;
            const RomcvMeasureResult *other = &p->measure[pair];
            /* The side comes from the segmenter; failing that, the header's
             * rule that the asymmetry is reported on the left measure. */
            RomcvSide side = measure_side(d, m), other_side = measure_side(d, pair);
            int m_is_left;
            if (side == ROMCV_SIDE_LEFT || other_side == ROMCV_SIDE_RIGHT) {
                m_is_left = 1;
            } else if (side == ROMCV_SIDE_RIGHT || other_side == ROMCV_SIDE_LEFT) {
                m_is_left = 0;
            } else {
                m_is_left = !isnan(mr->asymmetry) || isnan(other->asymmetry);
            }
            left = m_is_left ? mr : other;
            right = m_is_left ? other : mr;
        } else {
            RomcvSide side = measure_side(d, m);
            if (side == ROMCV_SIDE_LEFT) {
                left = mr;
            } else if (side == ROMCV_SIDE_RIGHT) {
                right = mr;
            } else {
                single = mr;
            }
        }
        puts_html(h, "<tr><th scope=\"row\">");
        measure_row_name(h, mr->def->name, left && right);
        puts_html(h, "</th>");
        if (single) {
            values_cell(h, c, single, 2, "Value");
        } else {
            if (left) {
                values_cell(h, c, left, 1, "Left");
            } else {
                puts_html(h, "<td class=\"v\" data-label=\"Left\"><span class=\"na\">not "
                             "tested</span></td>");
            }
            if (right) {
                values_cell(h, c, right, 1, "Right");
            } else {
                puts_html(h, "<td class=\"v\" data-label=\"Right\"><span class=\"na\">not "
                             "tested</span></td>");
            }
        }
        puts_html(h, "<td data-label=\"Normal range\">");
        const RomcvMeasureResult *first = single ? single : left ? left : right;
        const RomcvMeasureResult *second = left && right ? right : NULL;
        if (second && !same_range(first->def, second->def)) {
            puts_html(h, "L: ");
            range_text(h, c, first->def);
            puts_html(h, "<br>R: ");
            range_text(h, c, second->def);
        } else {
            range_text(h, c, first->def);
        }
        puts_html(h, "</td>");
        if (left && right) {
            asymmetry_cell(h, c, isnan(right->asymmetry) ? left : right);
        } else {
            puts_html(h, "<td data-label=\"Asymmetry\"><span class=\"na\">\u2014</span></td>");
        }
        puts_html(h, "<td data-label=\"Method\">");
        if (second && !same_method(c, first->def, second->def)) {
            puts_html(h, "L: ");
            method_text(h, c, first->def);
            puts_html(h, "<br>R: ");
            method_text(h, c, second->def);
        } else {
            method_text(h, c, first->def);
        }
        puts_html(h, "</td></tr>\n");
    }
    puts_html(h, "</tbody>\n</table>\n</div>\n");
    puts_html(h, "<p class=\"small\">\u25bc / \u25b2 mark a value outside the normal range "
                 "given for healthy adults in the cited source. That is a description of the "
                 "value, not a diagnosis. Method: what the values were measured on, the pose "
                 "model's landmarks, skin markers, or the back of the person's silhouette; an "
                 "estimate is markerless and best compared with its own baseline.</p>\n");

    if (p->n_repetitions > 0) {
        puts_html(h, "<h3>Repetitions</h3>\n<div class=\"table-wrap\">\n<table class=\"stack\">\n"
                     "<thead><tr>"
                     "<th scope=\"col\">Repetition</th><th scope=\"col\">Side</th>"
                     "<th scope=\"col\">Time</th><th scope=\"col\">Peak</th>"
                     "<th scope=\"col\">Note</th></tr></thead>\n<tbody>\n");
        for (size_t k = 0; k < p->n_repetitions; k++) {
            const RomcvRepetition *rep = &p->repetition[k];
            int seg = rep->segmenter;
            puts_html(h, "<tr><th scope=\"row\">");
            repetition_label(h, c, k);
            puts_html(h, "</th><td data-label=\"Side\">");
            puts_html(h, valid_segmenter(d, seg) ? side_name(d->segmenter[seg].side) : "");
            printf_html(h,
                        "</td><td class=\"v\" data-label=\"Time\">%.2f\u2013%.2f s (peak %.2f s)"
                        "</td><td class=\"v\" data-label=\"Peak\">",
                        rep->start_s, rep->end_s, rep->peak_s);
            value_text(h, rep->peak,
                       valid_segmenter(d, seg) ? signal_unit(c, d->segmenter[seg].signal) : "");
            puts_html(h, "</td><td data-label=\"Note\">");
            puts_html(h, rep->partial ? "partial (smaller than the others)" : "");
            puts_html(h, rep->partial && rep->cut ? "; " : "");
            puts_html(h, rep->cut ? "cut short (a gap or the end of the video)" : "");
            puts_html(h, "</td></tr>\n");
        }
        puts_html(h, "</tbody>\n</table>\n</div>\n");
    }
    puts_html(h, "</section>\n");
}

/* ---------------------------------------------------------------- plots */

/* Plot geometry, in SVG user units (the SVG scales to the page's width). */
#define PW     760.0
#define PH     250.0
#define MLEFT  58.0
#define MRIGHT 14.0
#define MTOP   22.0
#define MBOT   42.0

typedef struct Axes {
    double t0, t1, y0, y1;
} Axes;

static double px_x(const Axes *ax, double t) {
    return MLEFT + (t - ax->t0) / (ax->t1 - ax->t0) * (PW - MLEFT - MRIGHT);
}

static double px_y(const Axes *ax, double v) {
    return MTOP + (ax->y1 - v) / (ax->y1 - ax->y0) * (PH - MTOP - MBOT);
}

/* A tick step of 1, 2 or 5 times a power of ten giving about `count` ticks. */
static double nice_step(double span, int count) {
    double raw = span / count;
    double power = pow(10.0, floor(log10(raw)));
    double f = raw / power;
    return (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * power;
}

static int step_decimals(double step) {
    return step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
}

/* The band of a measure in the plotted signal's own values: reported values
 * are signal times direction, minus the baseline when relative. */
static int measure_band(const RomcvMeasureDef *m, const Plot *pl, double *lo, double *hi) {
    if (m->signal != pl->signal ||
        (m->statistic != ROMCV_STAT_PEAK && m->statistic != ROMCV_STAT_AT_PEAK)) {
        return 0;
    }
    if (isnan(m->normal_low) && isnan(m->normal_high)) {
        return 0;
    }
    double offset = m->relative ? pl->baseline : 0.0;
    if (!isfinite(offset)) {
        return 0;
    }
    double dir = m->direction < 0 ? -1.0 : 1.0;
    /* An open-ended range is drawn to the edge of the plot. */
    double a = isfinite(m->normal_low) ? m->normal_low : -1e9;
    double b = isfinite(m->normal_high) ? m->normal_high : 1e9;
    double s0 = offset + dir * a, s1 = offset + dir * b;
    *lo = s0 < s1 ? s0 : s1;
    *hi = s0 < s1 ? s1 : s0;
    return 1;
}

static int rep_on_plot(const Ctx *c, const RomcvRepetition *rep, const Plot *pl) {
    const RomcvProtocolDef *d = c->p->def;
    if (!valid_segmenter(d, rep->segmenter)) {
        return 0;
    }
    if (d->segmenter[rep->segmenter].signal == pl->signal) {
        return 1;
    }
    for (int m = 0; m < d->n_measures && m < ROMCV_PROTOCOL_MAX_MEASURES; m++) {
        if (d->measure[m].signal == pl->signal && d->measure[m].segmenter == rep->segmenter) {
            return 1;
        }
    }
    return 0;
}

static double time_at(const Ctx *c, size_t frame) {
    return frame < c->n ? c->a->time_s[frame] : NAN;
}

/* The curve as an SVG path: breaks at NaN, and at most the first, minimum,
 * maximum and last sample per pixel column (in time order), which keeps
 * every peak and bounds the size for any recording length. */
static void data_path(Html *h, const Ctx *c, const Plot *pl, const Axes *ax) {
    const double *t = c->a->time_s;
    const float *v = pl->values;
    int open = 0;
    long column = -1;
    size_t first = 0, lo = 0, hi = 0, last = 0;
    int have = 0;
    puts_html(h, "<path class=\"data\" d=\"");
    for (size_t i = 0; i <= c->n; i++) {
        int finite = i < c->n && isfinite(v[i]);
        long col = finite ? (long)floor(px_x(ax, t[i])) : -2;
        if (have && (!finite || col != column)) {
            /* Flush the column: its samples in time order, duplicates dropped. */
            size_t pick[4] = {first, lo < hi ? lo : hi, lo < hi ? hi : lo, last};
            size_t prev = (size_t)-1;
            for (int k = 0; k < 4; k++) {
                if (pick[k] == prev) {
                    continue;
                }
                prev = pick[k];
                printf_html(h, "%s%.1f %.1f", open ? "L" : "M", px_x(ax, t[pick[k]]),
                            px_y(ax, v[pick[k]]));
                if (!open) {
                    /* A lone sample still shows, as a dot (round cap). */
                    puts_html(h, "h0.01");
                }
                open = 1;
            }
            have = 0;
        }
        if (!finite) {
            open = 0;
            continue;
        }
        if (!have) {
            column = col;
            first = lo = hi = last = i;
            have = 1;
        } else {
            last = i;
            lo = v[i] < v[lo] ? i : lo;
            hi = v[i] > v[hi] ? i : hi;
        }
    }
    puts_html(h, "\"/>\n");
}

static int flag_on_plot(const RomcvCompensationFlag *f, const Plot *pl) {
    return f->def && (f->def->signal == pl->signal || (f->def->kind == ROMCV_FLAG_RATIO_AT_PEAK &&
                                                       f->def->ratio_signal == pl->signal));
}

/* Flags are drawn as strips along the bottom of a plot, in up to FLAG_LANES
 * lanes so that overlapping flags (both sides flagged at once) and their
 * labels stay apart; a flag takes the lowest lane free at its start. */
#define FLAG_LANES  3
#define FLAG_LANE_H 22.0

typedef struct Lanes {
    double end[FLAG_LANES];
} Lanes;

static int take_lane(Lanes *l, const Axes *ax, const RomcvCompensationFlag *f) {
    double x0 = px_x(ax, f->start_s), x1 = px_x(ax, f->end_s);
    /* About 6 units per character of the 10-unit label "⚑ Key (right)". */
    double label_end = x0 + 6.0 * (double)(strlen(f->def->key ? f->def->key : "") + 10);
    int lane = 0;
    while (lane < FLAG_LANES - 1 && l->end[lane] > x0) {
        lane++;
    }
    l->end[lane] = fmax(x1, label_end) + 4;
    return lane;
}

static void render_plot(Html *h, Ctx *c, const Plot *pl, int number) {
    const RomcvProtocolResult *p = c->p;
    const RomcvProtocolDef *d = p ? p->def : NULL;
    Axes ax = {c->a->time_s[0], c->a->time_s[c->n - 1], INFINITY, -INFINITY};
    if (!(ax.t1 > ax.t0)) {
        ax.t1 = ax.t0 + 1.0;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (isfinite(pl->values[i])) {
            ax.y0 = fmin(ax.y0, pl->values[i]);
            ax.y1 = fmax(ax.y1, pl->values[i]);
        }
    }
    if (!isfinite(ax.y0)) {
        return;
    }
    /* Bands are part of the picture: where the range lies says as much as
     * where the curve goes. Open-ended ones are not, and are clipped. */
    int n_measures = d ? (d->n_measures < ROMCV_PROTOCOL_MAX_MEASURES ? d->n_measures
                                                                      : ROMCV_PROTOCOL_MAX_MEASURES)
                       : 0;
    for (int m = 0; m < n_measures; m++) {
        double lo, hi;
        if (measure_band(&d->measure[m], pl, &lo, &hi)) {
            if (lo > -1e8) {
                ax.y0 = fmin(ax.y0, lo);
                ax.y1 = fmax(ax.y1, lo);
            }
            if (hi < 1e8) {
                ax.y0 = fmin(ax.y0, hi);
                ax.y1 = fmax(ax.y1, hi);
            }
        }
    }
    int show_baseline = isfinite(pl->baseline) && pl->signal < ROMCV_ANGLE_COUNT;
    if (show_baseline) {
        ax.y0 = fmin(ax.y0, pl->baseline);
        ax.y1 = fmax(ax.y1, pl->baseline);
    }
    double min_span = pl->unit && strcmp(pl->unit, "leg") == 0 ? 0.05 : 5.0;
    if (ax.y1 - ax.y0 < min_span) {
        double mid = 0.5 * (ax.y0 + ax.y1);
        ax.y0 = mid - 0.5 * min_span;
        ax.y1 = mid + 0.5 * min_span;
    }
    /* Room below the data for the flag lanes and above it for the
     * repetition labels, so the curve never runs through either. */
    double data_h = PH - MTOP - MBOT;
    int lanes = 0, reps_shown = 0;
    Lanes probe = {{-1e9, -1e9, -1e9}};
    for (size_t k = 0; p && k < p->n_flags; k++) {
        if (flag_on_plot(&p->flag[k], pl)) {
            int lane = take_lane(&probe, &ax, &p->flag[k]);
            lanes = lane + 1 > lanes ? lane + 1 : lanes;
        }
    }
    for (size_t k = 0; p && k < p->n_repetitions; k++) {
        reps_shown |= rep_on_plot(c, &p->repetition[k], pl);
    }
    double room_low = lanes ? FLAG_LANE_H * lanes + 4 : 0, room_high = reps_shown ? 16 : 0;
    double span = ax.y1 - ax.y0;
    ax.y0 -= span * room_low / (data_h - room_low - room_high);
    ax.y1 += span * room_high / (data_h - room_low - room_high);
    double ystep = nice_step(ax.y1 - ax.y0, 5);
    ax.y0 = floor(ax.y0 / ystep - 0.15) * ystep;
    ax.y1 = ceil(ax.y1 / ystep + 0.15) * ystep;
    double tstep = nice_step(ax.t1 - ax.t0, 8);

    puts_html(h, "<figure class=\"plot\" id=\"plot-");
    text(h, pl->name);
    puts_html(h, "\">\n<h3>");
    text_name(h, pl->name);
    if (pl->is_estimate) {
        puts_html(h, "<span class=\"tag est\">estimate</span>");
    }
    if (pl->used_by_protocol) {
        puts_html(h, "<span class=\"tag\">protocol</span>");
    }
    puts_html(h, "</h3>\n<p class=\"small\">");
    if (pl->info) {
        printf_html(h, "Positive: ");
        text(h, pl->info->positive);
        puts_html(h, "; negative: ");
        text(h, pl->info->negative);
        puts_html(h, ". ");
    } else if (given(pl->meaning)) {
        text_capital(h, pl->meaning);
        puts_html(h, ". ");
    }
    printf_html(h, "Measured in %zu of %zu frames (%.0f%%).</p>\n", pl->valid, c->n,
                100.0 * (double)pl->valid / (double)c->n);
    printf_html(h,
                "<svg class=\"plot-svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                "aria-label=\"Figure %d: ",
                PW, PH, number);
    text(h, pl->name);
    puts_html(h, " against time\">\n");

    double top = MTOP, bottom = PH - MBOT, left = MLEFT, right = PW - MRIGHT;
    /* Grid and tick labels. */
    int ydec = step_decimals(ystep);
    for (double y = ax.y0; y <= ax.y1 + ystep * 1e-6; y += ystep) {
        double yy = px_y(&ax, y);
        printf_html(h, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
                    fabs(y) < ystep * 1e-6 ? "zero" : "grid", left, right, yy, yy);
        printf_html(h,
                    "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                    "dominant-baseline=\"middle\">%s%.*f</text>\n",
                    left - 6, yy, y < -ystep * 1e-6 ? "\u2212" : "", ydec,
                    fabs(y) < ystep * 1e-6 ? 0.0 : fabs(y));
    }
    int tdec = step_decimals(tstep);
    for (double t = ceil(ax.t0 / tstep - 1e-9) * tstep; t <= ax.t1 + tstep * 1e-6; t += tstep) {
        double xx = px_x(&ax, t);
        printf_html(h,
                    "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                    "<text class=\"ax\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n",
                    xx, xx, top, bottom, xx, bottom + 15, tdec, fabs(t) < tstep * 1e-6 ? 0.0 : t);
    }

    /* Repetitions: shaded spans, labelled at the top. */
    for (size_t k = 0; p && k < p->n_repetitions; k++) {
        const RomcvRepetition *rep = &p->repetition[k];
        if (!rep_on_plot(c, rep, pl)) {
            continue;
        }
        double x0 = px_x(&ax, rep->start_s), x1 = px_x(&ax, rep->end_s);
        printf_html(h,
                    "<rect class=\"repr\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                    "<title>",
                    x0, top, fmax(x1 - x0, 1.0), bottom - top);
        repetition_label(h, c, k);
        printf_html(h, "</title></rect><text class=\"rept\" x=\"%.1f\" y=\"%.1f\">", x0 + 3,
                    top + 11);
        repetition_label(h, c, k);
        puts_html(h, "</text>\n");
    }
    /* Normal bands, one per distinct range. */
    double drawn[ROMCV_PROTOCOL_MAX_MEASURES][2];
    int n_drawn = 0;
    for (int m = 0; m < n_measures; m++) {
        double lo, hi;
        if (!measure_band(&d->measure[m], pl, &lo, &hi)) {
            continue;
        }
        int seen = 0;
        for (int k = 0; k < n_drawn; k++) {
            seen |= drawn[k][0] == lo && drawn[k][1] == hi;
        }
        if (seen) {
            continue;
        }
        drawn[n_drawn][0] = lo;
        drawn[n_drawn][1] = hi;
        n_drawn++;
        double y0 = fmax(px_y(&ax, fmin(hi, ax.y1)), top);
        double y1 = fmin(px_y(&ax, fmax(lo, ax.y0)), bottom);
        printf_html(h,
                    "<rect class=\"bandr\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
                    "<title>normal range: ",
                    left, y0, right - left, fmax(y1 - y0, 1.0));
        text(h, d->measure[m].name);
        /* At the left, over the neutral hold every protocol starts with,
         * unless an end-range marker sits there; then at the right. */
        double label_w = 6.5 * (double)(strlen(d->measure[m].name ? d->measure[m].name : "") + 7);
        int at_right = 0;
        for (int k = 0; k < n_measures && !at_right; k++) {
            const RomcvMeasureResult *mr = &p->measure[k];
            for (size_t v = 0; mr->def && mr->def->signal == pl->signal && v < mr->n_values; v++) {
                double t = time_at(c, mr->values[v].frame);
                at_right |= isfinite(t) && px_x(&ax, t) < left + 5 + label_w + 20;
            }
        }
        printf_html(h,
                    "</title></rect><text class=\"bandt\" x=\"%.1f\" y=\"%.1f\" "
                    "text-anchor=\"%s\">normal ",
                    at_right ? right - 5 : left + 5, y0 + 12, at_right ? "end" : "start");
        side_free_name(h, d->measure[m].name);
        puts_html(h, "</text>\n");
    }
    /* Compensation flags on their own signal. */
    Lanes lanes_used = {{-1e9, -1e9, -1e9}};
    for (size_t k = 0; p && k < p->n_flags; k++) {
        const RomcvCompensationFlag *f = &p->flag[k];
        if (!flag_on_plot(f, pl)) {
            continue;
        }
        int lane = take_lane(&lanes_used, &ax, f);
        double x0 = px_x(&ax, f->start_s), x1 = px_x(&ax, f->end_s);
        double y = bottom - 9 - FLAG_LANE_H * lane;
        printf_html(h,
                    "<rect class=\"flgr\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"9\">"
                    "<title>",
                    x0, y, fmax(x1 - x0, 2.0));
        text(h, f->def->text);
        printf_html(h, "</title></rect><text class=\"flgt\" x=\"%.1f\" y=\"%.1f\">\u2691 ", x0,
                    y - 3);
        text_name(h, f->def->key);
        printf_html(h, " (%s)</text>\n", side_name(f->side));
    }
    if (show_baseline) {
        double yy = px_y(&ax, pl->baseline);
        printf_html(h,
                    "<line class=\"basel\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\">"
                    "<title>neutral baseline</title></line>\n",
                    left, right, yy, yy);
    }
    data_path(h, c, pl, &ax);
    /* End-range markers: where each measured value was taken. */
    for (int m = 0; m < n_measures; m++) {
        const RomcvMeasureResult *mr = &p->measure[m];
        if (!mr->def || mr->def->signal != pl->signal ||
            (mr->def->statistic != ROMCV_STAT_PEAK && mr->def->statistic != ROMCV_STAT_AT_PEAK)) {
            continue;
        }
        for (size_t v = 0; v < mr->n_values; v++) {
            const RomcvMeasureValue *mv = &mr->values[v];
            if (mv->frame >= c->n || !isfinite(mv->value) || !isfinite(pl->values[mv->frame])) {
                continue;
            }
            double xx = px_x(&ax, time_at(c, mv->frame)), yy = px_y(&ax, pl->values[mv->frame]);
            printf_html(h, "<circle class=\"pk\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"><title>", xx, yy);
            text(h, mr->def->name);
            puts_html(h, "</title></circle><text class=\"pkt\" x=\"");
            /* Labels above maxima and below minima, off the curve; beside
             * the marker when that would cover the repetition labels at the
             * top or the flag strips at the bottom. */
            int below = mr->def->direction < 0;
            double ly = below ? yy + 17 : yy - 8;
            if (ly < top + 26 || ly > bottom - 24) {
                printf_html(h, "%.1f\" y=\"%.1f\" text-anchor=\"start\">", xx + 8, yy + 4);
            } else {
                printf_html(h, "%.1f\" y=\"%.1f\" text-anchor=\"middle\">", xx, ly);
            }
            value_text(h, mv->value, measure_unit(c, mr->def));
            puts_html(h, "</text>\n");
        }
    }
    printf_html(h, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
                left, top, right - left, bottom - top);
    printf_html(
        h, "<text class=\"axt\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time (s)</text>\n",
        0.5 * (left + right), PH - 6);
    printf_html(h,
                "<text class=\"axt\" transform=\"translate(14 %.1f) rotate(-90)\" "
                "text-anchor=\"middle\">",
                0.5 * (top + bottom));
    text(h, unit_axis(pl->unit));
    puts_html(h, "</text>\n</svg>\n");

    /* The legend names only what this plot shows. */
    int has_rep = 0, has_flag = 0, has_peak = 0;
    for (size_t k = 0; p && k < p->n_repetitions; k++) {
        has_rep |= rep_on_plot(c, &p->repetition[k], pl);
    }
    for (size_t k = 0; p && k < p->n_flags; k++) {
        has_flag |= flag_on_plot(&p->flag[k], pl);
    }
    for (int m = 0; m < n_measures; m++) {
        has_peak |= p->measure[m].def && p->measure[m].def->signal == pl->signal &&
                    p->measure[m].n_values > 0;
    }
    printf_html(h,
                "<figcaption class=\"legend\"><span>Figure %d.</span>"
                "<span><span class=\"sw line\"></span>",
                number);
    text_name(h, pl->name);
    puts_html(h, "</span>");
    if (show_baseline) {
        puts_html(h, "<span><span class=\"sw base\"></span>neutral baseline</span>");
    }
    if (n_drawn) {
        puts_html(h, "<span><span class=\"sw band\"></span>normal range</span>");
    }
    if (has_rep) {
        puts_html(h, "<span><span class=\"sw rep\"></span>repetition</span>");
    }
    if (has_peak) {
        puts_html(h, "<span><span class=\"sw pk\"></span>measured end range</span>");
    }
    if (has_flag) {
        puts_html(h, "<span><span class=\"sw flg\"></span>compensation flag</span>");
    }
    puts_html(h, "</figcaption>\n</figure>\n");
}

static void render_plots(Html *h, Ctx *c) {
    puts_html(h, "<section id=\"plots\" class=\"major\">\n<h2>Angles over time</h2>\n");
    if (c->n_plots == 0) {
        puts_html(h, "<p class=\"calm\">No channel was measured in enough frames to plot.</p>\n");
    }
    for (int k = 0; k < c->n_plots; k++) {
        render_plot(h, c, &c->plot[k], k + 1);
    }
    puts_html(h, "</section>\n");
}

/* ---------------------------------------------------------------- flags */

static const RomcvReportStill *find_still(const Ctx *c, size_t frame) {
    size_t n = c->r->n_stills < ROMCV_REPORT_HTML_MAX_STILLS ? c->r->n_stills
                                                             : ROMCV_REPORT_HTML_MAX_STILLS;
    for (size_t k = 0; k < n; k++) {
        const RomcvReportStill *s = &c->r->stills[k];
        if (s->frame == frame && s->jpeg && s->jpeg_size > 0 && s->width > 0 && s->height > 0) {
            return s;
        }
    }
    return NULL;
}

static int landmark_ok(const RomcvLandmarkSeries *l, int k, size_t i) {
    if (!l->x[k] || !l->y[k] || !isfinite(l->x[k][i]) || !isfinite(l->y[k][i])) {
        return 0;
    }
    /* The metrics' default visibility threshold (docs/angles.md). */
    return !l->visibility[k] || l->visibility[k][i] >= 0.5f;
}

/* The segments the hip and pelvis angles are made of, drawn over the still
 * so the reader sees what was measured: the person's left in blue, right in
 * orange, the pelvis and shoulder lines in white. */
static void still_overlay(Html *h, const Ctx *c, size_t frame) {
    const RomcvLandmarkSeries *l = c->r->landmarks;
    if (!l || frame >= l->n) {
        return;
    }
    static const struct {
        int a, b;
        const char *cls;
    } segs[] = {
        {ROMCV_LM_LEFT_SHOULDER, ROMCV_LM_RIGHT_SHOULDER, "m"},
        {ROMCV_LM_LEFT_HIP, ROMCV_LM_RIGHT_HIP, "m"},
        {ROMCV_LM_LEFT_SHOULDER, ROMCV_LM_LEFT_HIP, "l"},
        {ROMCV_LM_RIGHT_SHOULDER, ROMCV_LM_RIGHT_HIP, "r"},
        {ROMCV_LM_LEFT_HIP, ROMCV_LM_LEFT_KNEE, "l"},
        {ROMCV_LM_LEFT_KNEE, ROMCV_LM_LEFT_ANKLE, "l"},
        {ROMCV_LM_RIGHT_HIP, ROMCV_LM_RIGHT_KNEE, "r"},
        {ROMCV_LM_RIGHT_KNEE, ROMCV_LM_RIGHT_ANKLE, "r"},
    };
    for (size_t s = 0; s < sizeof segs / sizeof segs[0]; s++) {
        if (landmark_ok(l, segs[s].a, frame) && landmark_ok(l, segs[s].b, frame)) {
            printf_html(h,
                        "<line class=\"ovl %s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "vector-effect=\"non-scaling-stroke\"/>",
                        segs[s].cls, l->x[segs[s].a][frame], l->y[segs[s].a][frame],
                        l->x[segs[s].b][frame], l->y[segs[s].b][frame]);
        }
    }
    static const struct {
        int k;
        const char *label;
    } knees[] = {{ROMCV_LM_LEFT_KNEE, "L"}, {ROMCV_LM_RIGHT_KNEE, "R"}};
    /* The still is shown about 280 px wide: a letter of about 12 px there. */
    double size = (c->r->frame_width > 0 ? c->r->frame_width : 640) / 22.0;
    for (size_t k = 0; k < 2; k++) {
        if (landmark_ok(l, knees[k].k, frame)) {
            printf_html(h,
                        "<text class=\"ovt\" x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" "
                        "stroke-width=\"%.1f\" text-anchor=\"middle\">%s</text>",
                        l->x[knees[k].k][frame], l->y[knees[k].k][frame] - 0.8 * size, size,
                        size / 5, knees[k].label);
        }
    }
    puts_html(h, "\n");
}

static void frame_number(Html *h, const Ctx *c, size_t frame) {
    if (c->r->frame_index && frame < c->n) {
        printf_html(h, "%lld", (long long)c->r->frame_index[frame]);
    } else {
        printf_html(h, "%zu", frame);
    }
}

static void render_flag(Html *h, Ctx *c, const RomcvCompensationFlag *f, size_t number) {
    const RomcvFlagDef *def = f->def;
    const char *unit =
        def->kind == ROMCV_FLAG_RATIO_AT_PEAK ? "ratio" : signal_unit(c, def->signal);
    printf_html(h, "<article class=\"card\" id=\"flag-%zu\">\n<figure>", number);
    const RomcvReportStill *still = find_still(c, f->evidence_frame);
    if (still) {
        /* The still fills the frame's own coordinate system, so the
         * landmarks (frame pixels) land on it whatever its JPEG size. */
        int fw = c->r->frame_width > 0 ? c->r->frame_width : still->width;
        int fh = c->r->frame_height > 0 ? c->r->frame_height : still->height;
        size_t k = (size_t)(still - c->r->stills);
        printf_html(h,
                    "<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Frame at the flag's "
                    "evidence\" data-frame=\"",
                    fw, fh);
        frame_number(h, c, f->evidence_frame);
        puts_html(h, "\">");
        if (!c->still_shown[k]) {
            /* Embedded once; flags sharing the frame (both sides flagged
             * at once) refer to it, which keeps the file small. */
            printf_html(h,
                        "<image id=\"still-%zu\" width=\"%d\" height=\"%d\" "
                        "preserveAspectRatio=\"none\" href=\"data:image/jpeg;base64,",
                        k, fw, fh);
            base64(h, still->jpeg, still->jpeg_size);
            puts_html(h, "\"/>");
            c->still_shown[k] = 1;
        } else {
            printf_html(h, "<use href=\"#still-%zu\"/>", k);
        }
        still_overlay(h, c, f->evidence_frame);
        puts_html(h, "</svg>");
    } else {
        puts_html(h, "<div class=\"nostill\">still not available</div>");
    }
    puts_html(h, "<figcaption>Frame ");
    frame_number(h, c, f->evidence_frame);
    printf_html(h, " at %.2f s, where the magnitude peaks</figcaption></figure>\n<h3>",
                time_at(c, f->evidence_frame));
    text_capital(h, def->text);
    puts_html(h, "</h3>\n<dl>\n<dt>Side tested</dt><dd>");
    puts_html(h, side_name(f->side));
    puts_html(h, "</dd>\n<dt>Repetition</dt><dd>");
    repetition_label(h, c, f->repetition < 0 ? (size_t)-1 : (size_t)f->repetition);
    printf_html(h, "</dd>\n<dt>Time</dt><dd>%.2f\u2013%.2f s</dd>\n<dt>Magnitude</dt><dd><strong>",
                f->start_s, f->end_s);
    value_text(h, f->magnitude, unit);
    puts_html(h, "</strong> (threshold ");
    value_text(h, f->threshold, unit);
    cite(h, &c->sources, def->source);
    puts_html(h, ")</dd>\n<dt>Signal</dt><dd>");
    text_name(h, signal_name(c, def->signal));
    if (def->kind == ROMCV_FLAG_RATIO_AT_PEAK) {
        puts_html(h, " / ");
        text_name(h, signal_name(c, def->ratio_signal));
        puts_html(h, " at the peak");
    } else if (def->from_start) {
        puts_html(h, ", change from the repetition's start");
    } else if (def->relative) {
        puts_html(h, ", change from the neutral baseline");
    }
    puts_html(h, "</dd>\n</dl>\n</article>\n");
}

/* Cards are capped so that the file stays bounded on a long recording with
 * a flag in every repetition; the table of repetitions still lists them. */
#define MAX_FLAG_CARDS 48

static void render_flags(Html *h, Ctx *c) {
    const RomcvProtocolResult *p = c->p;
    puts_html(h, "<section id=\"flags\" class=\"major\">\n<h2>Compensation</h2>\n");
    if (p->n_flags == 0) {
        puts_html(h, "<p class=\"calm\">No compensation pattern crossed its threshold.</p>\n");
        if (p->def->n_flags > 0) {
            puts_html(h, "<p class=\"small\">Watched for: ");
            int listed = 0;
            for (int k = 0; k < p->def->n_flags && k < ROMCV_PROTOCOL_MAX_FLAGS; k++) {
                /* One rule per side reads the same: list it once. */
                int repeated = 0;
                for (int j = 0; j < k && !repeated; j++) {
                    repeated = p->def->flag[j].text && p->def->flag[k].text &&
                               strcmp(p->def->flag[j].text, p->def->flag[k].text) == 0;
                }
                if (repeated) {
                    continue;
                }
                puts_html(h, listed++ ? "; " : "");
                text(h, p->def->flag[k].text);
                cite(h, &c->sources, p->def->flag[k].source);
            }
            puts_html(h, ".</p>\n");
        }
        puts_html(h, "</section>\n");
        return;
    }
    printf_html(h,
                "<p class=\"small\">%zu flag%s: a movement that often replaces the one being "
                "tested crossed its threshold. Each shows the frame where it was largest, with "
                "the measured segments drawn over it (left blue, right orange).</p>\n"
                "<div class=\"flags\">\n",
                p->n_flags, p->n_flags == 1 ? "" : "s");
    for (size_t k = 0; k < p->n_flags && k < MAX_FLAG_CARDS; k++) {
        if (p->flag[k].def) {
            render_flag(h, c, &p->flag[k], k + 1);
        }
    }
    puts_html(h, "</div>\n");
    if (p->n_flags > MAX_FLAG_CARDS) {
        printf_html(h, "<p class=\"small\">%zu more flags are not shown.</p>\n",
                    p->n_flags - MAX_FLAG_CARDS);
    }
    puts_html(h, "</section>\n");
}

/* --------------------------------------------------------- method notes */

static void render_method(Html *h, Ctx *c) {
    const RomcvReportHtml *r = c->r;
    puts_html(h, "<section id=\"method\" class=\"major\">\n<h2>Method</h2>\n");
    puts_html(h, "<p>Body landmarks were found in every frame by the BlazePose model named in the "
                 "header, and each angle was measured in the image plane from them, with one "
                 "written definition per angle (docs/angles.md). Angles were cleaned of outliers, "
                 "short gaps were filled, and a zero-phase low-pass filter was applied. Pose "
                 "models place the hip and knee centres with a systematic offset, so changes "
                 "from the neutral baseline are more reliable than absolute values");
    cite(h, &c->sources, "clinical.md: Needham 2021");
    puts_html(h, ".</p>\n");
    if (c->a) {
        if (isfinite(c->a->baseline_start_s) && isfinite(c->a->baseline_end_s)) {
            printf_html(h, "<p>Neutral baseline: %.2f\u2013%.2f s (median of each angle).</p>\n",
                        c->a->baseline_start_s, c->a->baseline_end_s);
        } else {
            puts_html(h, "<p>No quiet neutral period was found, so there is no baseline; "
                         "values are absolute.</p>\n");
        }
    }
    for (size_t k = 0; k < r->n_notes; k++) {
        puts_html(h, "<p>");
        text_capital(h, r->notes[k].text);
        cite(h, &c->sources, r->notes[k].detail);
        puts_html(h, "</p>\n");
    }
    if (c->p && c->p->def && given(c->p->def->notes)) {
        puts_html(h, "<h3>About this protocol</h3>\n<p class=\"prewrap\">");
        text(h, c->p->def->notes);
        puts_html(h, "</p>\n");
    }
    if (c->n_plots > 0) {
        puts_html(h, "<h3>Definitions</h3>\n<dl class=\"defs\">\n");
    }
    for (int k = 0; k < c->n_plots; k++) {
        const Plot *pl = &c->plot[k];
        puts_html(h, "<dt>");
        text_name(h, pl->name);
        puts_html(h, " <span class=\"small\">(");
        text(h, pl->name);
        puts_html(h, ", ");
        text(h, unit_axis(pl->unit));
        puts_html(h, ")</span></dt>\n<dd>");
        if (pl->info) {
            puts_html(h, "Points: ");
            text(h, pl->info->points);
            puts_html(h, ". Reference: ");
            text(h, pl->info->reference);
            puts_html(h, ". Positive: ");
            text(h, pl->info->positive);
            puts_html(h, "; negative: ");
            text(h, pl->info->negative);
            puts_html(h, ".");
            cite(h, &c->sources, pl->info->source);
        } else {
            text_capital(h, given(pl->meaning) ? pl->meaning : "derived from the landmarks");
            puts_html(h, ".");
            if (pl->unit && strcmp(pl->unit, "leg") == 0) {
                puts_html(h, " Lengths are in units of the person's median hip-to-ankle length, "
                             "so they do not depend on the distance to the camera.");
            }
        }
        if (pl->is_estimate && pl->info && given(pl->info->estimate)) {
            puts_html(h, "<div class=\"caveat\"><strong>Estimate:</strong> ");
            text(h, pl->info->estimate);
            puts_html(h, "</div>");
        } else if (pl->is_estimate) {
            puts_html(h, "<div class=\"caveat\"><strong>Estimate:</strong> a markerless "
                         "estimate; compare its change from the baseline only.</div>");
        }
        puts_html(h, "</dd>\n");
    }
    if (c->n_plots > 0) {
        puts_html(h, "</dl>\n");
    }
    puts_html(h, "</section>\n");
}

static void render_sources(Html *h, const Ctx *c) {
    puts_html(h, "<section id=\"sources\">\n<h2>Sources</h2>\n");
    if (c->sources.n == 0) {
        puts_html(h, "<p class=\"calm\">No source was cited.</p>\n");
    } else {
        puts_html(h, "<p class=\"small\">\u201cclinical.md\u201d is romcv's digest of the "
                     "clinical literature, with full references; \u201cromcv\u201d marks a value "
                     "romcv chose where none is published, with its reasoning.</p>\n"
                     "<ol class=\"sources\">\n");
        for (int k = 0; k < c->sources.n; k++) {
            printf_html(h, "<li id=\"src-%d\">", k + 1);
            text(h, c->sources.text[k]);
            puts_html(h, "</li>\n");
        }
        puts_html(h, "</ol>\n");
    }
    puts_html(h, "</section>\n");
}

static void render_footer(Html *h, const Ctx *c) {
    puts_html(h, "<footer class=\"sign\">\n<p class=\"small\">Reviewed by the clinician "
                 "responsible, who interprets these measurements together with the clinical "
                 "examination.</p>\n<div class=\"sigrow\"><div><span>Name</span></div>"
                 "<div><span>Signature</span></div><div><span>Date</span></div></div>\n"
                 "<p class=\"colophon\">Generated by ");
    text(h, given(c->r->software) ? c->r->software : "romcv");
    if (given(c->r->date)) {
        puts_html(h, " on ");
        text(h, c->r->date);
    }
    puts_html(h, ". This file is self-contained: it loads nothing from the network.</p>\n"
                 "</footer>\n</main>\n</body>\n</html>\n");
}

/* ------------------------------------------------------------------ API */

void romcv_report_html_default(RomcvReportHtml *r) {
    if (r) {
        memset(r, 0, sizeof *r);
    }
}

static int check(const RomcvReportHtml *r, RomcvDiag *diag) {
    const RomcvAngleResults *a = r->angles;
    if (a && a->n > 0 && !a->time_s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "html report: angles without times");
    }
    if (r->landmarks && a && r->landmarks->n != a->n) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "html report: %zu landmark frames for %zu angle frames",
                              r->landmarks->n, a->n);
    }
    if ((r->n_signals && !r->signals) || (r->n_stills && !r->stills) ||
        (r->n_recording_warnings && !r->recording_warnings) || (r->n_notes && !r->notes)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "html report: a count without its array");
    }
    const RomcvProtocolResult *p = r->protocol;
    if (p && (!p->def || (p->n_repetitions && !p->repetition) || (p->n_flags && !p->flag) ||
              (p->n_warnings && !p->warning))) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "html report: incomplete protocol result");
    }
    size_t n = a ? a->n : 0;
    /* Frame indices index the angle arrays: one out of range would read
     * past them. */
    for (size_t k = 0; p && k < p->n_repetitions; k++) {
        const RomcvRepetition *rep = &p->repetition[k];
        if (rep->start_frame >= n || rep->peak_frame >= n || rep->end_frame >= n) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                  "html report: repetition %zu has a frame beyond the %zu "
                                  "analysed",
                                  k, n);
        }
    }
    for (size_t k = 0; p && k < p->n_flags; k++) {
        if (p->flag[k].evidence_frame >= n) {
            return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                                  "html report: flag %zu has a frame beyond the %zu analysed", k,
                                  n);
        }
    }
    return 0;
}

int romcv_report_html_render(const RomcvReportHtml *r, char **html, size_t *size, RomcvDiag *diag) {
    if (!html || !size || !r) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "html report: NULL argument");
    }
    *html = NULL;
    *size = 0;
    int rc = check(r, diag);
    if (rc < 0) {
        return rc;
    }
    Ctx *c = calloc(1, sizeof *c);
    if (!c) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "html report: out of memory");
    }
    c->r = r;
    c->a = r->angles && r->angles->n > 0 ? r->angles : NULL;
    c->n = c->a ? c->a->n : 0;
    c->p = c->a ? r->protocol : NULL;
    choose_plots(c);

    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;

    Html h = {0};
    render_head(&h, c);
    render_status(&h, c);
    if (c->a) {
        render_warnings(&h, c);
        if (c->p) {
            render_results(&h, c);
            render_flags(&h, c);
        }
        render_plots(&h, c);
        render_method(&h, c);
        render_sources(&h, c);
    }
    render_footer(&h, c);

    if (c_locale) {
        uselocale(previous);
        freelocale(c_locale);
    }
    free(c);
    if (h.oom || !h.data) {
        free(h.data);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "html report: out of memory");
    }
    *html = h.data;
    *size = h.len;
    return 0;
}

int romcv_report_html_write(const char *path, const RomcvReportHtml *r, RomcvDiag *diag) {
    if (!path) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "html report: NULL path");
    }
    char *html = NULL;
    size_t size = 0;
    int rc = romcv_report_html_render(r, &html, &size, diag);
    if (rc < 0) {
        return rc;
    }
    RomcvAtomicFile af;
    rc = romcv__atomic_open(&af, path, diag);
    if (rc == 0) {
        errno = 0;
        if (fwrite(html, 1, size, af.file) != size) {
            rc = romcv__atomic_write_error(&af, errno, diag);
            romcv__atomic_abort(&af);
        } else {
            rc = romcv__atomic_commit(&af, diag);
        }
    }
    free(html);
    return rc;
}
