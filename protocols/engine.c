/*
 * protocols/engine.c: the one engine every protocol runs on. A protocol is
 * data (table.c); this file cuts its signals into repetitions, takes the
 * measures, compares them with the normal ranges and the other side, and
 * applies the compensation rules. Adding a protocol adds no code here.
 */
#include "protocols/internal.h"

#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODULE "protocols"

void romcv_protocol_default_settings(RomcvProtocolSettings *s) {
    memset(s, 0, sizeof *s);
    s->side = ROMCV_SIDE_NONE;
    romcv_metrics_default_settings(&s->metrics);
}

/* --------------------------------------------------------------- helpers */

typedef struct Work {
    const RomcvProtocolDef *def;
    const RomcvProtocolSettings *settings;
    const RomcvLandmarkSeries *landmarks;
    const RomcvAngleResults *angles;
    size_t n;
    /* Signals computed once, on demand: [signal][relative] -> n floats. */
    float *cache[ROMCV_SIGNAL_COUNT][2];
    RomcvProtocolResult *result;
    size_t rep_capacity, flag_capacity, warning_capacity;
    int failed; /* ENOMEM */
} Work;

static void warn(Work *w, const char *fmt, ...) ROMCV_PRINTF(2, 3);
static void warn(Work *w, const char *fmt, ...) {
    RomcvProtocolResult *r = w->result;
    if (r->n_warnings == w->warning_capacity) {
        size_t cap = w->warning_capacity ? 2 * w->warning_capacity : 4;
        char(*grown)[256] = realloc(r->warning, cap * sizeof *grown);
        if (!grown) {
            w->failed = 1;
            return;
        }
        r->warning = grown;
        w->warning_capacity = cap;
    }
    va_list args;
    va_start(args, fmt);
    vsnprintf(r->warning[r->n_warnings], sizeof r->warning[0], fmt, args);
    va_end(args);
    romcv_log(&w->settings->logger, ROMCV_LOG_WARNING, MODULE, "%s", r->warning[r->n_warnings]);
    r->n_warnings++;
}

/* The signal's values (the angle's change from baseline when relative and
 * the angle has a baseline). NULL on ENOMEM. */
static const float *signal_of(Work *w, int signal, int relative) {
    if (signal < 0 || signal >= ROMCV_SIGNAL_COUNT) {
        return NULL;
    }
    relative = relative && signal < ROMCV_ANGLE_COUNT;
    if (relative && !isfinite(w->angles->channel[signal].baseline_deg)) {
        relative = 0; /* no neutral baseline: absolute values (warned once) */
    }
    float **slot = &w->cache[signal][relative];
    if (!*slot) {
        *slot = malloc((w->n ? w->n : 1) * sizeof **slot);
        if (!*slot || romcv_protocol_signal(signal, relative, w->settings, w->landmarks, w->angles,
                                            *slot) < 0) {
            free(*slot);
            *slot = NULL;
            w->failed = 1;
            return NULL;
        }
    }
    return *slot;
}

static int grow(void **array, size_t *capacity, size_t count, size_t size) {
    if (count < *capacity) {
        return 0;
    }
    size_t cap = *capacity ? 2 * *capacity : 8;
    void *grown = realloc(*array, cap * size);
    if (!grown) {
        return -1;
    }
    *array = grown;
    *capacity = cap;
    return 0;
}

/* ----------------------------------------------------------- segmentation */

/* The onset of a movement that crossed the enter threshold at frame i: walk
 * back while the signal keeps falling, down to the frame after the previous
 * repetition or gap (floor), and no further than where it is within a fifth
 * of the exit threshold of rest (a slow drift before a squat is not part of
 * it). Compensation rules measure change from here, so a pelvis that starts
 * lifting with the first degrees of rotation is measured in full. */
static size_t onset(const float *v, float dir, float exit, size_t i, size_t floor) {
    while (i > floor && isfinite(v[i - 1]) && dir * v[i - 1] < dir * v[i] &&
           dir * v[i] > 0.2f * exit) {
        i--;
    }
    return i;
}

static int add_repetition(Work *w, const RomcvRepetition *rep) {
    RomcvProtocolResult *r = w->result;
    if (grow((void **)&r->repetition, &w->rep_capacity, r->n_repetitions, sizeof *rep) < 0) {
        w->failed = 1;
        return -1;
    }
    r->repetition[r->n_repetitions++] = *rep;
    return 0;
}

static void close_repetition(Work *w, RomcvRepetition *rep, size_t end, int cut) {
    const RomcvSegmenterDef *sd = &w->def->segmenter[rep->segmenter];
    const double *t = w->angles->time_s;
    rep->end_frame = end;
    rep->end_s = t[end];
    rep->cut = cut;
    const float *v = signal_of(w, sd->signal, sd->relative);
    float low = NAN, high = NAN;
    for (size_t i = rep->start_frame; v && i <= end; i++) {
        if (isfinite(v[i])) {
            low = !(v[i] >= low) ? v[i] : low;
            high = !(v[i] <= high) ? v[i] : high;
        }
    }
    rep->range = high - low;
    if (rep->end_s - rep->start_s >= sd->min_duration_s) {
        add_repetition(w, rep);
    }
}

/* Hysteresis segmentation of one segmenter's signal (see protocols.h). */
static void segment(Work *w, int seg) {
    const RomcvSegmenterDef *sd = &w->def->segmenter[seg];
    const double *t = w->angles->time_s;
    size_t n = w->n;
    if (sd->kind == ROMCV_SEGMENT_WHOLE) {
        /* One trial from the first to the last frame with a value. */
        const float *v = signal_of(w, sd->signal, sd->relative);
        size_t first = n, last = 0;
        for (size_t i = 0; v && i < n; i++) {
            if (isfinite(v[i])) {
                first = first < i ? first : i;
                last = i;
            }
        }
        if (first < n) {
            RomcvRepetition rep = {.segmenter = seg,
                                   .start_frame = first,
                                   .peak_frame = first + (last - first) / 2,
                                   .start_s = t[first],
                                   .peak_s = t[first + (last - first) / 2],
                                   .peak = NAN};
            close_repetition(w, &rep, last, 0);
        }
        return;
    }
    const float *v = signal_of(w, sd->signal, sd->relative);
    if (!v) {
        return;
    }
    float dir = sd->direction < 0 ? -1.0f : 1.0f;
    int inside = 0;
    RomcvRepetition rep;
    memset(&rep, 0, sizeof rep);
    size_t last_finite = 0, floor = 0; /* onsets are not searched before floor */
    int have_finite = 0;
    for (size_t i = 0; i < n; i++) {
        float x = dir * v[i];
        if (!isfinite(x)) {
            if (inside && t[i] - t[last_finite] > sd->max_gap_s) {
                close_repetition(w, &rep, last_finite, 1);
                inside = 0;
            }
            floor = i + 1; /* an onset is not searched across a gap */
            continue;
        }
        if (inside && have_finite && t[i] - t[last_finite] > sd->max_gap_s) {
            close_repetition(w, &rep, last_finite, 1);
            inside = 0;
        }
        if (!inside && x > sd->enter) {
            size_t start = onset(v, dir, sd->exit, i, floor);
            memset(&rep, 0, sizeof rep);
            rep.segmenter = seg;
            rep.start_frame = start;
            rep.start_s = t[start];
            rep.peak = x;
            rep.peak_frame = i;
            rep.peak_s = t[i];
            inside = 1;
        } else if (inside) {
            if (x > rep.peak) {
                rep.peak = x;
                rep.peak_frame = i;
                rep.peak_s = t[i];
            }
            if (x < sd->exit) {
                close_repetition(w, &rep, i, 0);
                inside = 0;
                floor = i;
            }
        }
        last_finite = i;
        have_finite = 1;
    }
    if (inside) {
        close_repetition(w, &rep, last_finite, 1); /* the video ended mid-repetition */
    }
}

/* Marks repetitions whose peak is below partial_fraction of the largest peak
 * of their segmenter: an attempt that stopped well short of the end range
 * the person showed they have. */
static void mark_partial(Work *w) {
    RomcvProtocolResult *r = w->result;
    for (int seg = 0; seg < w->def->n_segmenters; seg++) {
        float largest = NAN;
        for (size_t k = 0; k < r->n_repetitions; k++) {
            const RomcvRepetition *rep = &r->repetition[k];
            if (rep->segmenter == seg && !(rep->peak <= largest)) {
                largest = rep->peak;
            }
        }
        for (size_t k = 0; k < r->n_repetitions; k++) {
            RomcvRepetition *rep = &r->repetition[k];
            if (rep->segmenter == seg &&
                rep->peak < w->def->segmenter[seg].partial_fraction * largest) {
                rep->partial = 1;
            }
        }
    }
}

/* Exclusive protocols: of two overlapping repetitions of different
 * segmenters, the one that rose less far above its enter threshold goes. */
static void drop_carried_along(Work *w) {
    RomcvProtocolResult *r = w->result;
    if (!w->def->exclusive || r->n_repetitions < 2) {
        return;
    }
    uint8_t *drop = calloc(r->n_repetitions, 1);
    if (!drop) {
        w->failed = 1;
        return;
    }
    for (size_t a = 0; a < r->n_repetitions; a++) {
        for (size_t b = a + 1; b < r->n_repetitions; b++) {
            const RomcvRepetition *ra = &r->repetition[a], *rb = &r->repetition[b];
            if (ra->segmenter == rb->segmenter || ra->end_frame < rb->start_frame ||
                rb->end_frame < ra->start_frame) {
                continue;
            }
            float sa = ra->peak / w->def->segmenter[ra->segmenter].enter;
            float sb = rb->peak / w->def->segmenter[rb->segmenter].enter;
            drop[sa < sb ? a : b] = 1;
        }
    }
    size_t kept = 0;
    for (size_t k = 0; k < r->n_repetitions; k++) {
        if (!drop[k]) {
            r->repetition[kept++] = r->repetition[k];
        }
    }
    r->n_repetitions = kept;
    free(drop);
}

static int compare_repetitions(const void *pa, const void *pb) {
    const RomcvRepetition *a = pa, *b = pb;
    return (a->start_frame > b->start_frame) - (a->start_frame < b->start_frame);
}

/* --------------------------------------------------------------- measures */

static float measure_one(Work *w, const RomcvMeasureDef *md, const RomcvRepetition *rep,
                         size_t *frame) {
    *frame = rep->peak_frame;
    if (md->statistic == ROMCV_STAT_DURATION) {
        return (float)(rep->end_s - rep->start_s);
    }
    const float *v = signal_of(w, md->signal, md->relative);
    if (!v) {
        return NAN;
    }
    float dir = md->direction < 0 ? -1.0f : 1.0f;
    if (md->statistic == ROMCV_STAT_AT_PEAK) {
        return dir * v[rep->peak_frame];
    }
    float best = NAN, low = NAN, high = NAN;
    size_t count = 0;
    for (size_t i = rep->start_frame; i <= rep->end_frame; i++) {
        float x = dir * v[i];
        if (!isfinite(x)) {
            continue;
        }
        count++;
        if (!(x <= best)) {
            best = x;
            *frame = i;
        }
        low = x < low || !isfinite(low) ? x : low;
        high = x > high || !isfinite(high) ? x : high;
    }
    if (md->statistic == ROMCV_STAT_RANGE) {
        return high - low;
    }
    if (md->statistic == ROMCV_STAT_MEDIAN) {
        float *tmp = malloc((rep->end_frame - rep->start_frame + 1) * sizeof *tmp);
        if (!tmp) {
            w->failed = 1;
            return NAN;
        }
        size_t m = 0;
        for (size_t i = rep->start_frame; i <= rep->end_frame; i++) {
            tmp[m++] = dir * v[i];
        }
        float median = romcv__protocol_median(tmp, m);
        /* The frame that shows it: the one closest to the median. */
        float closest = INFINITY;
        for (size_t i = rep->start_frame; isfinite(median) && i <= rep->end_frame; i++) {
            float d = fabsf(dir * v[i] - median);
            if (d < closest) {
                closest = d;
                *frame = i;
            }
        }
        free(tmp);
        return median;
    }
    return best;
}

static int outside(const RomcvMeasureDef *md, float value) {
    if (!isfinite(value)) {
        return 0;
    }
    if (isfinite(md->normal_low) && value < md->normal_low) {
        return -1;
    }
    if (isfinite(md->normal_high) && value > md->normal_high) {
        return 1;
    }
    return 0;
}

static int side_selected(const Work *w, RomcvSide side) {
    return w->settings->side == ROMCV_SIDE_NONE || side == ROMCV_SIDE_NONE ||
           side == w->settings->side;
}

static void take_measures(Work *w) {
    RomcvProtocolResult *r = w->result;
    for (int m = 0; m < w->def->n_measures; m++) {
        const RomcvMeasureDef *md = &w->def->measure[m];
        RomcvMeasureResult *mr = &r->measure[m];
        mr->def = md;
        mr->best = NAN;
        mr->asymmetry = NAN;
        size_t count = 0;
        for (size_t k = 0; k < r->n_repetitions; k++) {
            count += r->repetition[k].segmenter == md->segmenter;
        }
        mr->values = calloc(count ? count : 1, sizeof *mr->values);
        if (!mr->values) {
            w->failed = 1;
            return;
        }
        /* The end range: over the complete repetitions when there are any. */
        int best_complete = 0;
        for (size_t k = 0; k < r->n_repetitions; k++) {
            const RomcvRepetition *rep = &r->repetition[k];
            if (rep->segmenter != md->segmenter) {
                continue;
            }
            RomcvMeasureValue *mv = &mr->values[mr->n_values++];
            mv->repetition = (int)k;
            mv->value = measure_one(w, md, rep, &mv->frame);
            mv->outside_normal = outside(md, mv->value);
            int complete = !rep->partial && !rep->cut;
            if (!isfinite(mv->value) || (best_complete && !complete)) {
                continue;
            }
            if ((complete && !best_complete) || !(mv->value <= mr->best)) {
                mr->best = mv->value;
                mr->best_frame = mv->frame;
                best_complete = complete;
            }
        }
        mr->outside_normal = outside(md, mr->best);
    }
    for (int m = 0; m < w->def->n_measures; m++) {
        const RomcvMeasureDef *md = &w->def->measure[m];
        if (md->pair > m && md->pair < w->def->n_measures) {
            RomcvMeasureResult *mr = &r->measure[m];
            mr->asymmetry = mr->best - r->measure[md->pair].best;
            mr->asymmetric = isfinite(mr->asymmetry) && isfinite(md->asymmetry_threshold) &&
                             fabsf(mr->asymmetry) > md->asymmetry_threshold;
        }
    }
}

/* ------------------------------------------------------------------ flags */

static void add_flag(Work *w, const RomcvCompensationFlag *flag) {
    RomcvProtocolResult *r = w->result;
    if (grow((void **)&r->flag, &w->flag_capacity, r->n_flags, sizeof *flag) < 0) {
        w->failed = 1;
        return;
    }
    r->flag[r->n_flags++] = *flag;
}

/* The value a rule watches at frame i: change from the repetition's first
 * finite value, from baseline, or absolute; signed or its size. */
static float watched(const float *v, size_t i, float start_value, int from_start, int direction) {
    float x = from_start ? v[i] - start_value : v[i];
    return direction == 0 ? fabsf(x) : (direction < 0 ? -x : x);
}

static float first_finite(const float *v, size_t from, size_t to) {
    for (size_t i = from; i <= to; i++) {
        if (isfinite(v[i])) {
            return v[i];
        }
    }
    return NAN;
}

static void apply_flag(Work *w, const RomcvFlagDef *fd, const RomcvRepetition *rep, int index) {
    const double *t = w->angles->time_s;
    RomcvSide side =
        fd->side != ROMCV_SIDE_NONE ? fd->side : w->def->segmenter[rep->segmenter].side;
    RomcvCompensationFlag flag = {
        .def = fd, .repetition = index, .side = side, .threshold = fd->threshold};
    if (fd->kind == ROMCV_FLAG_RATIO_AT_PEAK) {
        const float *a = signal_of(w, fd->signal, fd->relative);
        const float *b = signal_of(w, fd->ratio_signal, fd->relative);
        if (!a || !b) {
            return;
        }
        float top = a[rep->peak_frame], bottom = b[rep->peak_frame];
        if (!isfinite(top) || !isfinite(bottom) || top < fd->ratio_min) {
            return;
        }
        float ratio = top / (bottom > fd->ratio_min ? bottom : fd->ratio_min);
        if (ratio > fd->threshold) {
            flag.magnitude = ratio;
            flag.start_frame = rep->start_frame, flag.end_frame = rep->end_frame;
            flag.start_s = rep->start_s, flag.end_s = rep->end_s;
            flag.evidence_frame = rep->peak_frame;
            add_flag(w, &flag);
        }
        return;
    }
    const float *v = signal_of(w, fd->signal, fd->relative || fd->from_start);
    const float *and_v = fd->and_signal >= 0 ? signal_of(w, fd->and_signal, fd->relative) : NULL;
    if (!v || (fd->and_signal >= 0 && !and_v)) {
        return;
    }
    float start_value = first_finite(v, rep->start_frame, rep->end_frame);
    float and_start = and_v ? first_finite(and_v, rep->start_frame, rep->end_frame) : NAN;
    int found = 0;
    for (size_t i = rep->start_frame; i <= rep->end_frame; i++) {
        float x = watched(v, i, start_value, fd->from_start, fd->direction);
        if (!(x > fd->threshold)) {
            continue;
        }
        if (and_v &&
            !(watched(and_v, i, and_start, fd->from_start, fd->direction) > fd->and_threshold)) {
            continue;
        }
        if (!found) {
            flag.start_frame = i;
            flag.magnitude = x;
            flag.evidence_frame = i;
            found = 1;
        }
        flag.end_frame = i;
        if (x > flag.magnitude) {
            flag.magnitude = x;
            flag.evidence_frame = i;
        }
    }
    if (found) {
        flag.start_s = t[flag.start_frame];
        flag.end_s = t[flag.end_frame];
        add_flag(w, &flag);
    }
}

static void apply_flags(Work *w) {
    RomcvProtocolResult *r = w->result;
    for (int f = 0; f < w->def->n_flags; f++) {
        const RomcvFlagDef *fd = &w->def->flag[f];
        for (size_t k = 0; k < r->n_repetitions && !w->failed; k++) {
            const RomcvRepetition *rep = &r->repetition[k];
            if (fd->segmenters && !(fd->segmenters & (1u << rep->segmenter))) {
                continue;
            }
            apply_flag(w, fd, rep, (int)k);
        }
    }
}

/* ------------------------------------------------------------------ views */

static void check_view(Work *w) {
    RomcvProtocolResult *r = w->result;
    size_t counts[8] = {0}, known = 0;
    for (size_t i = 0; i < w->n; i++) {
        unsigned v = w->angles->view[i];
        if (v != ROMCV_VIEW_UNKNOWN && v < 8) {
            counts[v]++;
            known++;
        }
    }
    r->dominant_view = ROMCV_VIEW_UNKNOWN;
    for (unsigned v = 1; v < 8; v++) {
        if (counts[v] > counts[r->dominant_view] || r->dominant_view == ROMCV_VIEW_UNKNOWN) {
            if (counts[v] > 0) {
                r->dominant_view = (RomcvView)v;
            }
        }
    }
    r->view_fraction = known ? (double)counts[r->dominant_view] / (double)w->n : 0.0;
    r->view_ok =
        r->dominant_view != ROMCV_VIEW_UNKNOWN && (w->def->views & (1u << r->dominant_view)) != 0;
    if (!r->view_ok) {
        char wanted[64] = "";
        for (unsigned v = 1; v < 8; v++) {
            if (w->def->views & (1u << v)) {
                size_t len = strlen(wanted);
                snprintf(wanted + len, sizeof wanted - len, "%s%s", len ? " or " : "",
                         romcv_view_name((RomcvView)v));
            }
        }
        if (r->dominant_view == ROMCV_VIEW_UNKNOWN) {
            warn(w,
                 "%s: the view could not be recognised in any frame; this protocol needs a %s "
                 "view",
                 w->def->name, wanted);
        } else {
            warn(w,
                 "%s: the recording looks like a %s view (%.0f%% of frames); this protocol "
                 "needs a %s view",
                 w->def->name, romcv_view_name(r->dominant_view), 100.0 * r->view_fraction, wanted);
        }
    }
}

/* ------------------------------------------------------------------ entry */

void romcv_protocol_result_destroy(RomcvProtocolResult **result) {
    if (!result || !*result) {
        return;
    }
    RomcvProtocolResult *r = *result;
    for (int m = 0; m < ROMCV_PROTOCOL_MAX_MEASURES; m++) {
        free(r->measure[m].values);
    }
    free(r->repetition);
    free(r->flag);
    free(r->warning);
    free(r);
    *result = NULL;
}

int romcv_protocol_analyze(const RomcvProtocolDef *def, const RomcvProtocolSettings *s,
                           const RomcvLandmarkSeries *landmarks, const RomcvAngleResults *angles,
                           RomcvProtocolResult **out, RomcvDiag *diag) {
    if (out) {
        *out = NULL;
    }
    if (!def || !s || !landmarks || !angles || !out) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "protocol: a required argument is NULL");
    }
    if (landmarks->n != angles->n) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "protocol %s: %zu frames of landmarks but %zu of angles", def->name,
                              landmarks->n, angles->n);
    }
    if (s->side != ROMCV_SIDE_NONE && s->side != ROMCV_SIDE_LEFT && s->side != ROMCV_SIDE_RIGHT) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "protocol %s: invalid side %d", def->name,
                              (int)s->side);
    }
    Work w;
    memset(&w, 0, sizeof w);
    w.def = def;
    w.settings = s;
    w.landmarks = landmarks;
    w.angles = angles;
    w.n = angles->n;
    w.result = calloc(1, sizeof *w.result);
    if (!w.result) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "out of memory");
    }
    RomcvProtocolResult *r = w.result;
    r->def = def;
    r->leg_length_px = romcv__protocol_leg_length(s, landmarks);

    check_view(&w);
    for (int seg = 0; seg < def->n_segmenters; seg++) {
        const RomcvSegmenterDef *sd = &def->segmenter[seg];
        if (!side_selected(&w, sd->side)) {
            continue;
        }
        if (sd->relative && sd->signal < ROMCV_ANGLE_COUNT &&
            !isfinite(angles->channel[sd->signal].baseline_deg) &&
            angles->channel[sd->signal].valid > 0) {
            warn(&w,
                 "%s: no neutral baseline for %s (no quiet stretch at the start): absolute "
                 "values are used",
                 def->name, romcv_signal_name(sd->signal));
        }
        segment(&w, seg);
    }
    if (r->n_repetitions > 1) {
        qsort(r->repetition, r->n_repetitions, sizeof *r->repetition, compare_repetitions);
    }
    drop_carried_along(&w);
    mark_partial(&w);
    take_measures(&w);
    apply_flags(&w);
    if (r->n_repetitions == 0 && !w.failed) {
        warn(&w,
             "%s: no repetition found: was the movement done in view, and is it the protocol "
             "that was recorded?",
             def->name);
    }
    for (int k = 0; k < ROMCV_SIGNAL_COUNT; k++) {
        free(w.cache[k][0]);
        free(w.cache[k][1]);
    }
    if (w.failed) {
        romcv_protocol_result_destroy(&w.result);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "protocol %s: out of memory", def->name);
    }
    *out = r;
    return 0;
}
