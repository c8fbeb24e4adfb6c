/*
 * tests/vision/landmark_compare.c: loading landmark JSONL files and the
 * acceptance metrics of issue 4; see landmark_compare.h.
 */
#include "landmark_compare.h"

#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* BlazePose's 33 landmarks, in model output order (MediaPipe pose.md). */
static const char *const landmark_names[LMC_LANDMARKS] = {
    "nose",        "left_eye_inner",  "left_eye",         "left_eye_outer", "right_eye_inner",
    "right_eye",   "right_eye_outer", "left_ear",         "right_ear",      "mouth_left",
    "mouth_right", "left_shoulder",   "right_shoulder",   "left_elbow",     "right_elbow",
    "left_wrist",  "right_wrist",     "left_pinky",       "right_pinky",    "left_index",
    "right_index", "left_thumb",      "right_thumb",      "left_hip",       "right_hip",
    "left_knee",   "right_knee",      "left_ankle",       "right_ankle",    "left_heel",
    "right_heel",  "left_foot_index", "right_foot_index",
};

enum {
    LM_LEFT_SHOULDER = 11,
    LM_RIGHT_SHOULDER = 12,
    LM_LEFT_HIP = 23,
    LM_RIGHT_HIP = 24,
    LM_LEFT_KNEE = 25,
    LM_RIGHT_KNEE = 26,
    LM_LEFT_ANKLE = 27,
    LM_RIGHT_ANKLE = 28,
};

/* Each angle as (first end, vertex, second end). */
static const int angle_points[LMC_ANGLES][3] = {
    [LMC_LEFT_KNEE] = {LM_LEFT_HIP, LM_LEFT_KNEE, LM_LEFT_ANKLE},
    [LMC_RIGHT_KNEE] = {LM_RIGHT_HIP, LM_RIGHT_KNEE, LM_RIGHT_ANKLE},
    [LMC_LEFT_HIP] = {LM_LEFT_SHOULDER, LM_LEFT_HIP, LM_LEFT_KNEE},
    [LMC_RIGHT_HIP] = {LM_RIGHT_SHOULDER, LM_RIGHT_HIP, LM_RIGHT_KNEE},
};
static const char *const angle_names[LMC_ANGLES] = {"left_knee", "right_knee", "left_hip",
                                                    "right_hip"};

/* The visibility above which a reference landmark counts (issue 4). */
#define VISIBLE 0.5

const char *lmc_landmark_name(int index) {
    return index >= 0 && index < LMC_LANDMARKS ? landmark_names[index] : "?";
}

LmcTargets lmc_default_targets(void) {
    LmcTargets t = {1.0, 0.15, 0.5, 1.0};
    return t;
}

/* ---------------------------------------------------------------- loading */

/* Where the line being read came from, for messages. */
typedef struct LineContext {
    const char *label;
    size_t line;
    RomcvDiag *diag;
} LineContext;

static int field_error(const LineContext *lc, const RomcvJsonValue *at, const char *fmt, ...)
    ROMCV_PRINTF(3, 4);

/* "label:line:column: message", column of the offending value (or 1). */
static int field_error(const LineContext *lc, const RomcvJsonValue *at, const char *fmt, ...) {
    char message[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    int line = 1, column = 1;
    if (at)
        romcv__json_position(NULL, at, &line, &column);
    return romcv_diag_set(lc->diag, ROMCV_E_INVALID_DATA, "%s:%zu:%d: %s", lc->label, lc->line,
                          column, message);
}

/* The number at key in object, or an error naming key. */
static int get_number(const LineContext *lc, const RomcvJsonValue *object, const char *key,
                      const char *where, double *out) {
    const RomcvJsonValue *v = romcv__json_get(object, key);
    if (romcv__json_type(v) != ROMCV_JSON_NUMBER)
        return field_error(lc, v ? v : object, "%s%s: expected a number, found %s", where, key,
                           romcv__json_type_name(romcv__json_type(v)));
    *out = romcv__json_number(v);
    return 0;
}

static int read_rect(const LineContext *lc, const RomcvJsonValue *v, const char *name, int *has,
                     LmcRect *rect) {
    *has = 0;
    if (romcv__json_type(v) == ROMCV_JSON_ABSENT || romcv__json_is_null(v))
        return 0;
    if (romcv__json_type(v) != ROMCV_JSON_OBJECT)
        return field_error(lc, v, "debug.%s: expected an object or null", name);
    char where[64];
    snprintf(where, sizeof where, "debug.%s.", name);
    int rc = get_number(lc, v, "x_center", where, &rect->x_center);
    if (rc == 0)
        rc = get_number(lc, v, "y_center", where, &rect->y_center);
    if (rc == 0)
        rc = get_number(lc, v, "width", where, &rect->width);
    if (rc == 0)
        rc = get_number(lc, v, "height", where, &rect->height);
    if (rc == 0)
        rc = get_number(lc, v, "rotation", where, &rect->rotation);
    if (rc == 0)
        *has = 1;
    return rc;
}

static int read_detection(const LineContext *lc, const RomcvJsonValue *v, LmcFrame *f) {
    f->has_detection = 0;
    if (romcv__json_type(v) == ROMCV_JSON_ABSENT || romcv__json_is_null(v))
        return 0;
    if (romcv__json_type(v) != ROMCV_JSON_OBJECT)
        return field_error(lc, v, "debug.detection: expected an object or null");
    /* MediaPipe's Detection has a repeated score; the first one is the pose's. */
    const RomcvJsonValue *score = romcv__json_get(v, "score");
    if (romcv__json_type(score) == ROMCV_JSON_ARRAY)
        score = romcv__json_at(score, 0);
    if (romcv__json_type(score) != ROMCV_JSON_NUMBER)
        return field_error(lc, score ? score : v, "debug.detection.score: expected a number");
    f->detection_score = romcv__json_number(score);
    const RomcvJsonValue *box = romcv__json_get(v, "relative_bounding_box");
    static const char *const box_keys[4] = {"xmin", "ymin", "width", "height"};
    for (int i = 0; i < 4; i++) {
        int rc = get_number(lc, box, box_keys[i], "debug.detection.relative_bounding_box.",
                            &f->detection_box[i]);
        if (rc)
            return rc;
    }
    const RomcvJsonValue *kps = romcv__json_get(v, "relative_keypoints");
    if (romcv__json_size(kps) < 4 || romcv__json_type(kps) != ROMCV_JSON_ARRAY)
        return field_error(lc, kps ? kps : v,
                           "debug.detection.relative_keypoints: expected 4 keypoints");
    for (size_t i = 0; i < 4; i++) {
        const RomcvJsonValue *kp = romcv__json_at(kps, i);
        int rc = get_number(lc, kp, "x", "debug.detection.relative_keypoints[].",
                            &f->detection_keypoints[i][0]);
        if (rc == 0)
            rc = get_number(lc, kp, "y", "debug.detection.relative_keypoints[].",
                            &f->detection_keypoints[i][1]);
        if (rc)
            return rc;
    }
    f->has_detection = 1;
    return 0;
}

/* Parses one non-blank line into f. */
static int read_frame(const LineContext *lc, const char *text, size_t size, LmcFrame *f) {
    RomcvJsonDoc *doc = NULL;
    RomcvDiag parse_diag;
    int rc = romcv__json_parse(&doc, text, size, lc->label, &parse_diag);
    if (rc != 0) {
        /* The line was parsed alone, so its messages say line 1: put the
         * file's line number in its place. */
        size_t label_len = strlen(lc->label);
        const char *m = parse_diag.message;
        if (strncmp(m, lc->label, label_len) == 0 && strncmp(m + label_len, ":1:", 3) == 0)
            return romcv_diag_set(lc->diag, rc, "%s:%zu:%s", lc->label, lc->line,
                                  m + label_len + 3);
        return romcv_diag_copy(lc->diag, &parse_diag);
    }
    memset(f, 0, sizeof *f);
    const RomcvJsonValue *root = romcv__json_root(doc);
    int64_t frame = -1, width = 0, height = 0;
    if (romcv__json_type(root) != ROMCV_JSON_OBJECT) {
        rc = field_error(lc, root, "expected one object per line");
        goto done;
    }
    if (romcv__json_int64(romcv__json_get(root, "frame"), &frame) != 0 || frame < 0) {
        rc = field_error(lc, root, "\"frame\" must be an integer >= 0");
        goto done;
    }
    if (romcv__json_int64(romcv__json_get(root, "width"), &width) != 0 || width <= 0 ||
        width > 100000 || romcv__json_int64(romcv__json_get(root, "height"), &height) != 0 ||
        height <= 0 || height > 100000) {
        rc = field_error(lc, root, "\"width\" and \"height\" must be positive integers");
        goto done;
    }
    f->frame = frame;
    f->width = (int)width;
    f->height = (int)height;
    f->timestamp_ms = romcv__json_number(romcv__json_get(root, "timestamp_ms"));

    const RomcvJsonValue *lms = romcv__json_get(root, "landmarks");
    if (romcv__json_type(lms) == ROMCV_JSON_ARRAY) {
        if (romcv__json_size(lms) != LMC_LANDMARKS) {
            rc = field_error(lc, lms, "\"landmarks\" has %zu entries, expected %d",
                             romcv__json_size(lms), LMC_LANDMARKS);
            goto done;
        }
        for (size_t i = 0; i < LMC_LANDMARKS; i++) {
            const RomcvJsonValue *p = romcv__json_at(lms, i);
            char where[48];
            snprintf(where, sizeof where, "landmarks[%zu].", i);
            if ((rc = get_number(lc, p, "x", where, &f->x[i])) != 0 ||
                (rc = get_number(lc, p, "y", where, &f->y[i])) != 0 ||
                (rc = get_number(lc, p, "z", where, &f->z[i])) != 0)
                goto done;
            /* The oracle treats a missing visibility as 0 (compare.py). */
            double vis = romcv__json_number(romcv__json_get(p, "visibility"));
            f->visibility[i] = isnan(vis) ? 0.0 : vis;
        }
        f->has_pose = 1;
    } else if (!romcv__json_is_null(lms)) {
        rc = field_error(lc, lms ? lms : root, "\"landmarks\" must be an array of %d or null",
                         LMC_LANDMARKS);
        goto done;
    }

    const RomcvJsonValue *debug = romcv__json_get(root, "debug");
    if (romcv__json_type(debug) == ROMCV_JSON_OBJECT) {
        f->has_debug = 1;
        if ((rc = read_detection(lc, romcv__json_get(debug, "detection"), f)) != 0 ||
            (rc = read_rect(lc, romcv__json_get(debug, "roi_from_detection"), "roi_from_detection",
                            &f->has_roi_detection, &f->roi_detection)) != 0 ||
            (rc = read_rect(lc, romcv__json_get(debug, "roi_from_landmarks"), "roi_from_landmarks",
                            &f->has_roi_landmarks, &f->roi_landmarks)) != 0)
            goto done;
    }
    rc = 0;
done:
    romcv__json_free(&doc);
    return rc;
}

static int compare_frame_index(const void *a, const void *b) {
    const LmcFrame *x = a, *y = b;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

int lmc_load_buffer(LmcSeries *out, const char *text, size_t size, const char *label,
                    RomcvDiag *diag) {
    memset(out, 0, sizeof *out);
    LineContext lc = {label ? label : "<jsonl>", 0, diag};
    LmcFrame *frames = NULL;
    size_t count = 0, capacity = 0;
    const char *p = text, *end = text + size;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = newline ? newline : end;
        lc.line++;
        const char *q = p;
        while (q < line_end && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < line_end) {
            if (count == capacity) {
                size_t grown = capacity ? capacity * 2 : 64;
                LmcFrame *bigger = realloc(frames, grown * sizeof *frames);
                if (!bigger) {
                    free(frames);
                    return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", lc.label);
                }
                frames = bigger;
                capacity = grown;
            }
            int rc = read_frame(&lc, p, (size_t)(line_end - p), &frames[count]);
            if (rc != 0) {
                free(frames);
                return rc;
            }
            count++;
        }
        p = newline ? newline + 1 : end;
    }
    if (count > 0)
        qsort(frames, count, sizeof *frames, compare_frame_index);
    for (size_t i = 1; i < count; i++) {
        if (frames[i].frame == frames[i - 1].frame) {
            int64_t repeated = frames[i].frame;
            free(frames);
            return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: frame %lld appears twice",
                                  lc.label, (long long)repeated);
        }
    }
    out->frames = frames;
    out->count = count;
    return 0;
}

int lmc_load_file(LmcSeries *out, const char *path, RomcvDiag *diag) {
    memset(out, 0, sizeof *out);
    FILE *file = fopen(path, "rb");
    if (!file)
        return romcv_diag_set(diag, ROMCV_ERR(errno), "%s: %s", path, strerror(errno));
    char *text = NULL;
    size_t size = 0, capacity = 0;
    int rc = 0;
    for (;;) {
        if (capacity - size < 65536) {
            size_t grown = capacity ? capacity * 2 : 1 << 20;
            char *bigger = realloc(text, grown);
            if (!bigger) {
                rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
                break;
            }
            text = bigger;
            capacity = grown;
        }
        size_t n = fread(text + size, 1, capacity - size, file);
        size += n;
        if (n == 0) {
            if (ferror(file))
                rc = romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: read error", path);
            break;
        }
    }
    fclose(file);
    if (rc == 0)
        rc = lmc_load_buffer(out, text ? text : "", size, path, diag);
    free(text);
    return rc;
}

void lmc_series_free(LmcSeries *series) {
    if (!series)
        return;
    free(series->frames);
    series->frames = NULL;
    series->count = 0;
}

/* -------------------------------------------------------------- comparing */

/* A growable list of samples. */
typedef struct Samples {
    double *v;
    size_t n, cap;
} Samples;

/* Appends x; on allocation failure sets *oom and drops the sample. */
static void add_sample(Samples *s, double x, int *oom) {
    if (s->n == s->cap) {
        size_t grown = s->cap ? s->cap * 2 : 256;
        double *bigger = realloc(s->v, grown * sizeof *bigger);
        if (!bigger) {
            *oom = 1;
            return;
        }
        s->v = bigger;
        s->cap = grown;
    }
    s->v[s->n++] = x;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Linear interpolation between order statistics of sorted v (numpy's
 * default percentile method). */
static double percentile(const double *v, size_t n, double q) {
    if (n == 0)
        return 0.0;
    double position = q * (double)(n - 1);
    size_t below = (size_t)position;
    if (below + 1 >= n)
        return v[n - 1];
    double fraction = position - (double)below;
    return v[below] + (v[below + 1] - v[below]) * fraction;
}

/* Sorts the samples and summarises them. */
static LmcStats summarise(Samples *s) {
    LmcStats st = {0};
    st.n = s->n;
    if (s->n == 0)
        return st;
    qsort(s->v, s->n, sizeof *s->v, compare_doubles);
    double sum = 0.0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    st.mean = sum / (double)s->n;
    st.median = percentile(s->v, s->n, 0.5);
    st.p95 = percentile(s->v, s->n, 0.95);
    st.max = s->v[s->n - 1];
    return st;
}

/* Interior angle at b between b->a and b->c, degrees; NaN when a side has
 * no length. atan2 of cross and dot stays accurate near 0 and 180 degrees,
 * where acos of a normalised dot product loses digits. */
static double interior_angle(double ax, double ay, double bx, double by, double cx, double cy) {
    double ux = ax - bx, uy = ay - by, vx = cx - bx, vy = cy - by;
    if ((ux == 0 && uy == 0) || (vx == 0 && vy == 0))
        return NAN;
    double cross = ux * vy - uy * vx, dot = ux * vx + uy * vy;
    return atan2(fabs(cross), dot) * (180.0 / M_PI);
}

/* |a - b| for angles in radians, wrapped into [0, 180] degrees. */
static double rotation_difference_deg(double a, double b) {
    double d = fmod(fabs(a - b), 2.0 * M_PI);
    if (d > M_PI)
        d = 2.0 * M_PI - d;
    return d * (180.0 / M_PI);
}

typedef struct StageSamples {
    Samples center, size, rotation, keypoint, score;
} StageSamples;

static void free_stage(StageSamples *s) {
    free(s->center.v);
    free(s->size.v);
    free(s->rotation.v);
    free(s->keypoint.v);
    free(s->score.v);
}

static void summarise_stage(StageSamples *s, LmcStage *out) {
    out->center_pct = summarise(&s->center);
    out->size_pct = summarise(&s->size);
    out->rotation_deg = summarise(&s->rotation);
    out->keypoint_pct = summarise(&s->keypoint);
    out->score_abs = summarise(&s->score);
}

/* Compares two normalised rectangles of a W x H frame. */
static void compare_rects(const LmcRect *c, const LmcRect *r, double w, double h, double side,
                          StageSamples *s, int *oom) {
    double dx = (c->x_center - r->x_center) * w, dy = (c->y_center - r->y_center) * h;
    add_sample(&s->center, hypot(dx, dy) / side * 100.0, oom);
    double dw = fabs(c->width - r->width) * w, dh = fabs(c->height - r->height) * h;
    add_sample(&s->size, fmax(dw, dh) / side * 100.0, oom);
    add_sample(&s->rotation, rotation_difference_deg(c->rotation, r->rotation), oom);
}

static void compare_detections(const LmcFrame *c, const LmcFrame *r, double side, StageSamples *s,
                               int *oom) {
    double w = r->width, h = r->height;
    const double *cb = c->detection_box, *rb = r->detection_box;
    double dx = ((cb[0] + cb[2] / 2) - (rb[0] + rb[2] / 2)) * w;
    double dy = ((cb[1] + cb[3] / 2) - (rb[1] + rb[3] / 2)) * h;
    add_sample(&s->center, hypot(dx, dy) / side * 100.0, oom);
    add_sample(&s->size, fmax(fabs(cb[2] - rb[2]) * w, fabs(cb[3] - rb[3]) * h) / side * 100.0,
               oom);
    double sum = 0.0;
    for (int k = 0; k < 4; k++)
        sum += hypot((c->detection_keypoints[k][0] - r->detection_keypoints[k][0]) * w,
                     (c->detection_keypoints[k][1] - r->detection_keypoints[k][1]) * h);
    add_sample(&s->keypoint, sum / 4.0 / side * 100.0, oom);
    add_sample(&s->score, fabs(c->detection_score - r->detection_score), oom);
}

static int compare_worst(const void *a, const void *b) {
    const LmcWorstFrame *x = a, *y = b;
    if (x->max_pct != y->max_pct)
        return x->max_pct < y->max_pct ? 1 : -1;
    return (x->frame > y->frame) - (x->frame < y->frame);
}

/* Everything gathered over the matched frames before summarising. */
typedef struct Gathered {
    Samples distance_pct, distance_px;
    Samples landmark_pct[LMC_LANDMARKS];
    Samples angle[LMC_ANGLES], angle_all;
    LmcWorstFrame *worst; /* one per frame with visible landmarks */
    size_t worst_n;
    StageSamples detection, roi_detection, roi_landmarks;
} Gathered;

static void free_gathered(Gathered *g) {
    free(g->distance_pct.v);
    free(g->distance_px.v);
    for (int i = 0; i < LMC_LANDMARKS; i++)
        free(g->landmark_pct[i].v);
    for (int i = 0; i < LMC_ANGLES; i++)
        free(g->angle[i].v);
    free(g->angle_all.v);
    free(g->worst);
    free_stage(&g->detection);
    free_stage(&g->roi_detection);
    free_stage(&g->roi_landmarks);
}

/* The landmark and angle metrics of one frame where both found a pose. */
static void compare_poses(const LmcFrame *c, const LmcFrame *r, Gathered *g, int *oom) {
    double w = r->width, h = r->height, side = fmax(w, h);
    double frame_pct[LMC_LANDMARKS];
    int n = 0, worst_landmark = -1;
    double worst = -1.0;
    for (int i = 0; i < LMC_LANDMARKS; i++) {
        if (!(r->visibility[i] > VISIBLE))
            continue;
        double px = hypot((c->x[i] - r->x[i]) * w, (c->y[i] - r->y[i]) * h);
        double pct = px / side * 100.0;
        add_sample(&g->distance_px, px, oom);
        add_sample(&g->distance_pct, pct, oom);
        add_sample(&g->landmark_pct[i], pct, oom);
        frame_pct[n++] = pct;
        if (pct > worst) {
            worst = pct;
            worst_landmark = i;
        }
    }
    if (n > 0) {
        qsort(frame_pct, (size_t)n, sizeof frame_pct[0], compare_doubles);
        LmcWorstFrame *wf = &g->worst[g->worst_n++];
        wf->frame = r->frame;
        wf->max_pct = worst;
        wf->max_landmark = worst_landmark;
        wf->median_pct = percentile(frame_pct, (size_t)n, 0.5);
    }
    for (int a = 0; a < LMC_ANGLES; a++) {
        const int *pt = angle_points[a];
        if (!(r->visibility[pt[0]] > VISIBLE && r->visibility[pt[1]] > VISIBLE &&
              r->visibility[pt[2]] > VISIBLE))
            continue;
        double ac = interior_angle(c->x[pt[0]] * w, c->y[pt[0]] * h, c->x[pt[1]] * w,
                                   c->y[pt[1]] * h, c->x[pt[2]] * w, c->y[pt[2]] * h);
        double ar = interior_angle(r->x[pt[0]] * w, r->y[pt[0]] * h, r->x[pt[1]] * w,
                                   r->y[pt[1]] * h, r->x[pt[2]] * w, r->y[pt[2]] * h);
        if (isnan(ac) || isnan(ar))
            continue;
        add_sample(&g->angle[a], fabs(ac - ar), oom);
        add_sample(&g->angle_all, fabs(ac - ar), oom);
    }
}

/* The debug stages of one frame where both files have debug. */
static void compare_stages(const LmcFrame *c, const LmcFrame *r, LmcResult *out, Gathered *g,
                           int *oom) {
    double w = r->width, h = r->height, side = fmax(w, h);
    out->debug_frames++;
    if (c->has_detection && r->has_detection) {
        out->detection.both++;
        compare_detections(c, r, side, &g->detection, oom);
    } else if (c->has_detection != r->has_detection) {
        out->detection.one_only++;
    }
    if (c->has_roi_detection && r->has_roi_detection) {
        out->roi_from_detection.both++;
        compare_rects(&c->roi_detection, &r->roi_detection, w, h, side, &g->roi_detection, oom);
    } else if (c->has_roi_detection != r->has_roi_detection) {
        out->roi_from_detection.one_only++;
    }
    if (c->has_roi_landmarks && r->has_roi_landmarks) {
        out->roi_from_landmarks.both++;
        compare_rects(&c->roi_landmarks, &r->roi_landmarks, w, h, side, &g->roi_landmarks, oom);
    } else if (c->has_roi_landmarks != r->has_roi_landmarks) {
        out->roi_from_landmarks.one_only++;
    }
}

int lmc_compare(const LmcSeries *candidate, const LmcSeries *reference, const LmcTargets *targets,
                LmcResult *out, RomcvDiag *diag) {
    memset(out, 0, sizeof *out);
    LmcTargets t = targets ? *targets : lmc_default_targets();
    out->reference_frames = reference->count;
    out->candidate_frames = candidate->count;
    Gathered g;
    memset(&g, 0, sizeof g);
    g.worst = calloc(reference->count ? reference->count : 1, sizeof *g.worst);
    if (!g.worst)
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "compare: out of memory");
    int oom = 0, rc = 0;

    /* Both series are sorted by frame index: walk them together. */
    size_t ci = 0;
    for (size_t ri = 0; ri < reference->count; ri++) {
        const LmcFrame *r = &reference->frames[ri];
        while (ci < candidate->count && candidate->frames[ci].frame < r->frame) {
            out->extra_in_candidate++;
            ci++;
        }
        const LmcFrame *c = NULL;
        if (ci < candidate->count && candidate->frames[ci].frame == r->frame)
            c = &candidate->frames[ci++];
        if (!c) {
            out->missing_in_candidate++;
            if (r->has_pose)
                out->mismatch_frames++;
            continue;
        }
        out->matched_frames++;
        if (c->width != r->width || c->height != r->height) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                                "frame %lld: candidate is %dx%d, reference %dx%d",
                                (long long)r->frame, c->width, c->height, r->width, r->height);
            break;
        }
        if (c->has_pose != r->has_pose)
            out->mismatch_frames++;
        if (c->has_pose && r->has_pose) {
            out->both_pose_frames++;
            compare_poses(c, r, &g, &oom);
        }
        if (c->has_debug && r->has_debug)
            compare_stages(c, r, out, &g, &oom);
    }
    out->extra_in_candidate += candidate->count - ci;
    if (rc == 0 && oom)
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "compare: out of memory");
    if (rc != 0) {
        free_gathered(&g);
        return rc;
    }

    out->mismatch_pct =
        reference->count ? 100.0 * (double)out->mismatch_frames / (double)reference->count : 0.0;
    out->distance_pct = summarise(&g.distance_pct);
    out->distance_px = summarise(&g.distance_px);
    for (int i = 0; i < LMC_LANDMARKS; i++)
        out->landmark_pct[i] = summarise(&g.landmark_pct[i]);
    for (int a = 0; a < LMC_ANGLES; a++)
        out->angle_deg[a] = summarise(&g.angle[a]);
    out->angle_all_deg = summarise(&g.angle_all);
    qsort(g.worst, g.worst_n, sizeof *g.worst, compare_worst);
    out->worst_count = g.worst_n < LMC_WORST ? g.worst_n : LMC_WORST;
    memcpy(out->worst, g.worst, out->worst_count * sizeof *g.worst);
    summarise_stage(&g.detection, &out->detection);
    summarise_stage(&g.roi_detection, &out->roi_from_detection);
    summarise_stage(&g.roi_landmarks, &out->roi_from_landmarks);
    free_gathered(&g);

    /* A comparison with nothing to compare passes nothing. */
    out->pass_mismatch = reference->count > 0 && out->mismatch_pct <= t.max_mismatch_pct;
    out->pass_median = out->distance_pct.n > 0 && out->distance_pct.median <= t.max_median_pct;
    out->pass_p95 = out->distance_pct.n > 0 && out->distance_pct.p95 <= t.max_p95_pct;
    out->pass_angles = out->angle_all_deg.n > 0;
    for (int a = 0; a < LMC_ANGLES; a++) {
        if (out->angle_deg[a].n > 0 && out->angle_deg[a].median > t.max_angle_median_deg)
            out->pass_angles = 0;
    }
    out->pass = out->pass_mismatch && out->pass_median && out->pass_p95 && out->pass_angles;
    return 0;
}

/* -------------------------------------------------------------- reporting */

static const char *verdict(int pass) {
    return pass ? "PASS" : "FAIL";
}

static void print_stats(FILE *f, const char *unit, const LmcStats *s) {
    fprintf(f, "median %.4f%s  p95 %.4f%s  mean %.4f%s  max %.4f%s  (n=%zu)", s->median, unit,
            s->p95, unit, s->mean, unit, s->max, unit, s->n);
}

static void print_stage(FILE *f, const char *name, const LmcStage *s, int detection) {
    fprintf(f, "  %s: in both on %zu frames, in one only on %zu\n", name, s->both, s->one_only);
    if (s->both == 0)
        return;
    fprintf(f, "    centre     ");
    print_stats(f, "%", &s->center_pct);
    fprintf(f, "\n    size       ");
    print_stats(f, "%", &s->size_pct);
    if (detection) {
        fprintf(f, "\n    keypoints  ");
        print_stats(f, "%", &s->keypoint_pct);
        fprintf(f, "\n    score      ");
        print_stats(f, "", &s->score_abs);
    } else {
        fprintf(f, "\n    rotation   ");
        print_stats(f, " deg", &s->rotation_deg);
    }
    fprintf(f, "\n");
}

void lmc_print_text(FILE *f, const LmcResult *r, const LmcTargets *targets) {
    LmcTargets t = targets ? *targets : lmc_default_targets();
    fprintf(f,
            "frames: %zu in the reference, %zu in the candidate, %zu matched, %zu missing "
            "from the candidate, %zu extra (ignored)\n",
            r->reference_frames, r->candidate_frames, r->matched_frames, r->missing_in_candidate,
            r->extra_in_candidate);
    fprintf(f, "(a) pose in one file only: %zu of %zu frames (%.3f%%), target <= %.3f%%: %s\n",
            r->mismatch_frames, r->reference_frames, r->mismatch_pct, t.max_mismatch_pct,
            verdict(r->pass_mismatch));
    fprintf(f,
            "(b) landmark distance, %% of the larger side, reference visibility > %.1f, %zu "
            "frames with a pose in both:\n    ",
            VISIBLE, r->both_pose_frames);
    print_stats(f, "%", &r->distance_pct);
    fprintf(f, "\n    in pixels: ");
    print_stats(f, " px", &r->distance_px);
    fprintf(f, "\n    median target <= %.3f%%: %s; p95 target <= %.3f%%: %s\n", t.max_median_pct,
            verdict(r->pass_median), t.max_p95_pct, verdict(r->pass_p95));
    fprintf(f,
            "(c) joint angle |difference|, degrees (2D pixels; all three points visible > "
            "%.1f in the reference):\n",
            VISIBLE);
    for (int a = 0; a < LMC_ANGLES; a++) {
        fprintf(f, "    %-10s ", angle_names[a]);
        print_stats(f, "", &r->angle_deg[a]);
        fprintf(f, "\n");
    }
    fprintf(f, "    %-10s ", "all");
    print_stats(f, "", &r->angle_all_deg);
    fprintf(f, "\n    median target <= %.2f deg for each angle: %s\n", t.max_angle_median_deg,
            verdict(r->pass_angles));
    fprintf(f, "per landmark median distance, %% of the larger side (n):\n");
    for (int i = 0; i < LMC_LANDMARKS; i++) {
        fprintf(f, "  %2d %-17s %.4f (%4zu)%s", i, landmark_names[i], r->landmark_pct[i].median,
                r->landmark_pct[i].n, i % 3 == 2 || i == LMC_LANDMARKS - 1 ? "\n" : "");
    }
    fprintf(f, "worst frames (largest landmark distance):\n");
    for (size_t i = 0; i < r->worst_count; i++) {
        const LmcWorstFrame *w = &r->worst[i];
        fprintf(f, "  frame %lld: max %.4f%% (%s), frame median %.4f%%\n", (long long)w->frame,
                w->max_pct, lmc_landmark_name(w->max_landmark), w->median_pct);
    }
    fprintf(f, "stages (debug in both files on %zu frames; %% of the larger side):\n",
            r->debug_frames);
    print_stage(f, "detection", &r->detection, 1);
    print_stage(f, "roi_from_detection", &r->roi_from_detection, 0);
    print_stage(f, "roi_from_landmarks", &r->roi_from_landmarks, 0);
    fprintf(f, "RESULT: %s\n", verdict(r->pass));
}

static void write_stats(RomcvJsonWriter *w, const char *key, const LmcStats *s) {
    romcv__json_write_key(w, key);
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "n");
    romcv__json_write_int64(w, (int64_t)s->n);
    romcv__json_write_key(w, "median");
    romcv__json_write_number(w, s->median);
    romcv__json_write_key(w, "p95");
    romcv__json_write_number(w, s->p95);
    romcv__json_write_key(w, "mean");
    romcv__json_write_number(w, s->mean);
    romcv__json_write_key(w, "max");
    romcv__json_write_number(w, s->max);
    romcv__json_write_end_object(w);
}

static void write_stage(RomcvJsonWriter *w, const char *key, const LmcStage *s, int detection) {
    romcv__json_write_key(w, key);
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "both");
    romcv__json_write_int64(w, (int64_t)s->both);
    romcv__json_write_key(w, "one_only");
    romcv__json_write_int64(w, (int64_t)s->one_only);
    write_stats(w, "center_pct", &s->center_pct);
    write_stats(w, "size_pct", &s->size_pct);
    if (detection) {
        write_stats(w, "keypoint_pct", &s->keypoint_pct);
        write_stats(w, "score_abs", &s->score_abs);
    } else {
        write_stats(w, "rotation_deg", &s->rotation_deg);
    }
    romcv__json_write_end_object(w);
}

static void write_bool_key(RomcvJsonWriter *w, const char *key, int value) {
    romcv__json_write_key(w, key);
    romcv__json_write_bool(w, value);
}

int lmc_write_json(FILE *file, const LmcResult *r, const LmcTargets *targets, RomcvDiag *diag) {
    LmcTargets t = targets ? *targets : lmc_default_targets();
    RomcvJsonWriter *w = NULL;
    int rc = romcv__json_writer_create(&w, file, ROMCV_JSON_WRITE_PRETTY);
    if (rc != 0)
        return romcv_diag_set(diag, rc, "compare: out of memory");
    romcv__json_write_begin_object(w);
    static const struct {
        const char *key;
        size_t offset;
    } counts[] = {
        {"reference_frames", offsetof(LmcResult, reference_frames)},
        {"candidate_frames", offsetof(LmcResult, candidate_frames)},
        {"matched_frames", offsetof(LmcResult, matched_frames)},
        {"missing_in_candidate", offsetof(LmcResult, missing_in_candidate)},
        {"extra_in_candidate", offsetof(LmcResult, extra_in_candidate)},
        {"mismatch_frames", offsetof(LmcResult, mismatch_frames)},
        {"both_pose_frames", offsetof(LmcResult, both_pose_frames)},
        {"debug_frames", offsetof(LmcResult, debug_frames)},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        romcv__json_write_key(w, counts[i].key);
        size_t value;
        memcpy(&value, (const char *)r + counts[i].offset, sizeof value);
        romcv__json_write_int64(w, (int64_t)value);
    }
    romcv__json_write_key(w, "mismatch_pct");
    romcv__json_write_number(w, r->mismatch_pct);
    write_stats(w, "distance_pct", &r->distance_pct);
    write_stats(w, "distance_px", &r->distance_px);
    romcv__json_write_key(w, "angle_deg");
    romcv__json_write_begin_object(w);
    for (int a = 0; a < LMC_ANGLES; a++)
        write_stats(w, angle_names[a], &r->angle_deg[a]);
    write_stats(w, "all", &r->angle_all_deg);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "landmark_pct");
    romcv__json_write_begin_object(w);
    for (int i = 0; i < LMC_LANDMARKS; i++)
        write_stats(w, landmark_names[i], &r->landmark_pct[i]);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "worst_frames");
    romcv__json_write_begin_array(w);
    for (size_t i = 0; i < r->worst_count; i++) {
        romcv__json_write_begin_object(w);
        romcv__json_write_key(w, "frame");
        romcv__json_write_int64(w, r->worst[i].frame);
        romcv__json_write_key(w, "max_pct");
        romcv__json_write_number(w, r->worst[i].max_pct);
        romcv__json_write_key(w, "max_landmark");
        romcv__json_write_string(w, lmc_landmark_name(r->worst[i].max_landmark));
        romcv__json_write_key(w, "median_pct");
        romcv__json_write_number(w, r->worst[i].median_pct);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_array(w);
    romcv__json_write_key(w, "stages");
    romcv__json_write_begin_object(w);
    write_stage(w, "detection", &r->detection, 1);
    write_stage(w, "roi_from_detection", &r->roi_from_detection, 0);
    write_stage(w, "roi_from_landmarks", &r->roi_from_landmarks, 0);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "targets");
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "max_mismatch_pct");
    romcv__json_write_number(w, t.max_mismatch_pct);
    romcv__json_write_key(w, "max_median_pct");
    romcv__json_write_number(w, t.max_median_pct);
    romcv__json_write_key(w, "max_p95_pct");
    romcv__json_write_number(w, t.max_p95_pct);
    romcv__json_write_key(w, "max_angle_median_deg");
    romcv__json_write_number(w, t.max_angle_median_deg);
    romcv__json_write_end_object(w);
    write_bool_key(w, "pass_mismatch", r->pass_mismatch);
    write_bool_key(w, "pass_median", r->pass_median);
    write_bool_key(w, "pass_p95", r->pass_p95);
    write_bool_key(w, "pass_angles", r->pass_angles);
    write_bool_key(w, "pass", r->pass);
    romcv__json_write_end_object(w);
    rc = romcv__json_writer_finish(w, diag);
    romcv__json_writer_destroy(&w);
    return rc;
}
