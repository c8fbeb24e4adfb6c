/*
 * bench/phantom_validate.c: compares romcv's output on a phantom clip with
 * the phantom's truth (clip.truth.json) and prints Markdown for
 * docs/validation.md. Two inputs:
 *
 *   phantom_validate TRUTH.json LANDMARKS.jsonl [TITLE]
 *     the pose tracker's landmarks (`romcv landmarks`, MediaPipe's schema):
 *     - each landmark's distance from the true joint centre in the image
 *       (mean, max, px and % of the body's height in the image) and its mean
 *       offset;
 *     - 2D angles computed from the landmarks the way a markerless method
 *       does, chosen by the protocol: the shank angle from vertical and the
 *       hip-line obliquity in a front view; knee and hip flexion, trunk and
 *       thigh inclination in an upright side view; the raised thigh's angle
 *       above the table in the supine leg raise. Against the truth, per frame,
 *       at each end-range hold and, in sit-to-stand, at the peak of each rise.
 *
 *   phantom_validate TRUTH.json --analyze FRAMES.csv [TITLE]
 *     romcv's own angles (`romcv analyze`'s frames.csv: the angle layer,
 *     filtered) against the truth angle each one is defined to measure, over
 *     all frames and at each end-range hold. Issue 6's acceptance (the
 *     rotation within 3 deg of the truth at every end range) is read here.
 */
#include "core/json.h"
#include "romcv/samples.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PHASES 32
#define MAX_PEAKS  64

static char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *size = (size_t)n;
    }
    return buf;
}

typedef struct Stat {
    int n;
    double sum_abs, max_abs, sum, tmin, tmax;
} Stat;

static void stat_add(Stat *s, double err, double truth) {
    if (!isfinite(err)) {
        return;
    }
    if (s->n == 0) {
        s->tmin = s->tmax = truth;
    }
    s->n++;
    s->sum_abs += fabs(err);
    s->sum += err;
    s->max_abs = fmax(s->max_abs, fabs(err));
    s->tmin = fmin(s->tmin, truth);
    s->tmax = fmax(s->tmax, truth);
}

static double num(const RomcvJsonValue *v) {
    return romcv__json_number(v);
}

/* Image point of landmark i (px), or NaN. */
static void landmark(const RomcvJsonValue *lms, int i, int w, int h, double *u, double *v) {
    const RomcvJsonValue *p = romcv__json_at(lms, (size_t)i);
    *u = num(romcv__json_get(p, "x")) * w;
    *v = num(romcv__json_get(p, "y")) * h;
}

static void truth_point(const RomcvJsonValue *joints, const char *name, double *u, double *v) {
    const RomcvJsonValue *img = romcv__json_get(romcv__json_get(joints, name), "image");
    *u = num(romcv__json_at(img, 0));
    *v = num(romcv__json_at(img, 1));
}

/* A string member, or fallback when absent. */
static const char *string_or(const RomcvJsonValue *v, const char *fallback) {
    const char *s = romcv__json_string(v, NULL);
    return s ? s : fallback;
}

static double truth_angle(const RomcvJsonValue *frame, const char *name) {
    return num(romcv__json_get(romcv__json_get(frame, "angles"), name));
}

/* 180 - angle a-b-c in the image, deg. */
static double flexion_2d(double au, double av, double bu, double bv, double cu, double cv) {
    double x1 = au - bu, y1 = av - bv, x2 = cu - bu, y2 = cv - bv;
    double ang = atan2(fabs(x1 * y2 - y1 * x2), x1 * x2 + y1 * y2) * 180 / M_PI;
    return 180 - ang;
}

/* A measure's errors: over all frames, per end-range phase, and at the peak
 * of each movement (the largest value of one contiguous run of a phase). */
typedef struct Measure {
    const char *name;
    Stat all;
    Stat phase[MAX_PHASES];
    Stat peak;
    /* the run in progress */
    int in_run;
    double run_truth, run_est;
} Measure;

typedef struct Phases {
    const char *names[MAX_PHASES];
    int count;
} Phases;

/* Index of an end-range phase, added when new; -1 when not an end range. */
static int phase_index(Phases *ph, const RomcvJsonValue *frame) {
    const char *phase = romcv__json_string(romcv__json_get(frame, "phase"), NULL);
    if (romcv__json_bool(romcv__json_get(frame, "end_range")) != 1 || !phase) {
        return -1;
    }
    for (int k = 0; k < ph->count; k++) {
        if (strcmp(ph->names[k], phase) == 0) {
            return k;
        }
    }
    if (ph->count == MAX_PHASES) {
        return -1;
    }
    ph->names[ph->count] = phase; /* the truth document outlives this */
    return ph->count++;
}

static void measure_add(Measure *m, int pi, double est, double truth) {
    stat_add(&m->all, est - truth, truth);
    if (pi >= 0) {
        stat_add(&m->phase[pi], est - truth, truth);
    }
}

/* Peak tracking: frames of the movement phase feed the run's maxima; the
 * first frame outside it closes the run. */
static void measure_peak(Measure *m, int in_movement, double est, double truth) {
    if (in_movement && isfinite(est) && isfinite(truth)) {
        if (!m->in_run) {
            m->in_run = 1;
            m->run_truth = truth;
            m->run_est = est;
        }
        m->run_truth = fmax(m->run_truth, truth);
        m->run_est = fmax(m->run_est, est);
    } else if (!in_movement && m->in_run) {
        m->in_run = 0;
        stat_add(&m->peak, m->run_est - m->run_truth, m->run_truth);
    }
}

static void print_measures(const char *header, Measure *m, int count, const Phases *ph,
                           const char *peak_name) {
    printf("\n| %s | frames | truth range | mean abs err | max abs err | bias |\n"
           "| --- | ---: | --- | ---: | ---: | ---: |\n",
           header);
    for (int k = 0; k < count; k++) {
        const Stat *s = &m[k].all;
        if (s->n == 0) {
            continue;
        }
        printf("| %s | %d | %.1f .. %.1f | %.2f | %.2f | %+.2f |\n", m[k].name, s->n, s->tmin,
               s->tmax, s->sum_abs / s->n, s->max_abs, s->sum / s->n);
        for (int p = 0; p < ph->count; p++) {
            const Stat *ps = &m[k].phase[p];
            if (ps->n == 0) {
                continue;
            }
            printf("| &nbsp;&nbsp;at %s | %d | %.1f | %.2f | %.2f | %+.2f |\n", ph->names[p], ps->n,
                   0.5 * (ps->tmin + ps->tmax), ps->sum_abs / ps->n, ps->max_abs, ps->sum / ps->n);
        }
        const Stat *pk = &m[k].peak;
        if (pk->n > 0) {
            printf("| &nbsp;&nbsp;peak of each %s | %d | %.1f .. %.1f | %.2f | %.2f | %+.2f |\n",
                   peak_name, pk->n, pk->tmin, pk->tmax, pk->sum_abs / pk->n, pk->max_abs,
                   pk->sum / pk->n);
        }
    }
    printf("\n");
}

typedef struct Truth {
    RomcvJsonDoc *doc;
    char *text;
    const RomcvJsonValue *frames;
    size_t nframes;
    const char *protocol;
    int w, h;
    int side_view;
    int lifted_right;
} Truth;

static int load_truth(Truth *t, const char *path) {
    size_t size;
    memset(t, 0, sizeof *t);
    t->text = read_all(path, &size);
    if (!t->text) {
        fprintf(stderr, "phantom_validate: %s: cannot read\n", path);
        return -1;
    }
    RomcvJsonLimits lim = romcv__json_default_limits();
    lim.max_size = 1u << 30; /* our own file: trusted */
    RomcvDiag diag = {0};
    if (romcv__json_parse_ex(&t->doc, t->text, size, path, &lim, &diag) < 0) {
        fprintf(stderr, "phantom_validate: %s\n", diag.message);
        return -1;
    }
    const RomcvJsonValue *root = romcv__json_root(t->doc);
    const RomcvJsonValue *video = romcv__json_get(root, "video");
    t->w = (int)num(romcv__json_get(video, "width"));
    t->h = (int)num(romcv__json_get(video, "height"));
    t->frames = romcv__json_get(root, "frames");
    t->nframes = romcv__json_size(t->frames);
    t->protocol = string_or(romcv__json_get(root, "protocol"), "");
    /* Side view when the camera looks along X. */
    const RomcvJsonValue *rot = romcv__json_get(
        romcv__json_get(romcv__json_at(t->frames, 0), "camera"), "rotation_world_to_camera");
    t->side_view = fabs(num(romcv__json_at(rot, 6))) > fabs(num(romcv__json_at(rot, 8)));
    const char *lifted =
        romcv__json_string(romcv__json_get(romcv__json_get(root, "settings"), "lifted_side"), NULL);
    t->lifted_right = !lifted || strcmp(lifted, "left") != 0;
    return 0;
}

static void free_truth(Truth *t) {
    romcv__json_free(&t->doc);
    free(t->text);
}

/* ------------------------------------------------------- the landmarks */

enum {
    M_ROT_L,
    M_ROT_R,
    M_OBLIQ,
    M_DROP,
    M_LEAN,
    M_KNEE,
    M_HIP2D,
    M_TRUNK,
    M_THIGH,
    M_RAISE,
    M_RAISE_HIP2D,
    M_RAISE_KNEE,
    M_RAISE_R,
    M_RAISE_L,
    M_COUNT
};

static int validate_landmarks(const Truth *t, const char *path, const char *title) {
    const RomcvJsonValue *root = romcv__json_root(t->doc);
    int w = t->w, h = t->h;
    int leg_raise = strcmp(t->protocol, "leg-raise") == 0;
    int sit_to_stand = strcmp(t->protocol, "sit-to-stand") == 0;
    double body_height_m = num(romcv__json_get(romcv__json_get(root, "settings"), "body_height_m"));
    double fx = num(romcv__json_get(romcv__json_get(romcv__json_at(t->frames, 0), "camera"), "fx"));
    FILE *lf = fopen(path, "r");
    if (!lf) {
        fprintf(stderr, "phantom_validate: %s: cannot read\n", path);
        return 1;
    }
    Stat joint_err[ROMCV_PHANTOM_JOINT_COUNT] = {{0}};
    double off_u[ROMCV_PHANTOM_JOINT_COUNT] = {0}, off_v[ROMCV_PHANTOM_JOINT_COUNT] = {0};
    double body_px_sum = 0;
    int found = 0, lines = 0, swapped = 0;
    static const char *const measure_names[M_COUNT] = {
        "hip rotation, left (shank from vertical)",
        "hip rotation, right (shank from vertical)",
        "pelvic obliquity (hip line)",
        "pelvic drop (hip line)",
        "trunk lateral lean",
        "knee flexion, right (2D)",
        "hip flexion, right (2D shoulder-hip-knee)",
        "trunk inclination (2D)",
        "thigh inclination, right (hip-knee from vertical)",
        "raised thigh above the table (the higher hip-knee line)",
        "raised leg's hip flexion (2D shoulder-hip-knee)",
        "raised leg's knee flexion (2D)",
        "thigh above the table, right as labelled",
        "thigh above the table, left as labelled",
    };
    static Measure m[M_COUNT];
    memset(m, 0, sizeof m);
    for (int k = 0; k < M_COUNT; k++) {
        m[k].name = measure_names[k];
    }
    Phases ph = {{0}, 0};
    static char line[1 << 20];
    while (fgets(line, sizeof line, lf)) {
        lines++;
        RomcvJsonDoc *doc = NULL;
        if (romcv__json_parse(&doc, line, strlen(line), path, NULL) < 0) {
            continue;
        }
        const RomcvJsonValue *lr = romcv__json_root(doc);
        double fi = num(romcv__json_get(lr, "frame"));
        const RomcvJsonValue *lms = romcv__json_get(lr, "landmarks");
        const RomcvJsonValue *f = romcv__json_at(t->frames, (size_t)fi);
        if (!f || romcv__json_size(lms) != 33) {
            romcv__json_free(&doc);
            continue;
        }
        found++;
        const RomcvJsonValue *joints = romcv__json_get(f, "joints");
        const char *phase = string_or(romcv__json_get(f, "phase"), "");
        const char *tested = string_or(romcv__json_get(f, "side"), "none");
        int pi = phase_index(&ph, f);
        double lu[33], lv[33], tu[33], tv[33];
        for (int j = 0; j < 33; j++) {
            landmark(lms, j, w, h, &lu[j], &lv[j]);
            truth_point(joints, romcv_phantom_joint_name(j), &tu[j], &tv[j]);
            stat_add(&joint_err[j], hypot(lu[j] - tu[j], lv[j] - tv[j]), 0);
            off_u[j] += lu[j] - tu[j];
            off_v[j] += lv[j] - tv[j];
        }
        /* Did the tracker swap left and right? Compare the limb landmarks'
         * total error as labelled and with each pair exchanged. */
        double as_is = 0, crossed = 0;
        for (int j = 11; j <= 32; j += 2) {
            as_is += hypot(lu[j] - tu[j], lv[j] - tv[j]) +
                     hypot(lu[j + 1] - tu[j + 1], lv[j + 1] - tv[j + 1]);
            crossed += hypot(lu[j] - tu[j + 1], lv[j] - tv[j + 1]) +
                       hypot(lu[j + 1] - tu[j], lv[j + 1] - tv[j]);
        }
        swapped += crossed < as_is;
        /* Standing height in pixels at the hips' depth, to express errors as a
         * share of body height (phantom-facts.md does). */
        double depth = num(romcv__json_get(romcv__json_get(joints, "left_hip"), "depth"));
        body_px_sum += body_height_m * fx / depth;
        for (int s = 0; s < 2; s++) {
            double truth_rot = truth_angle(f, s == 0 ? "hip_rotation_left" : "hip_rotation_right");
            if (isfinite(truth_rot)) {
                int k = 25 + s, a = 27 + s;
                /* Lateral in the image: the body's left is on the image's right
                 * seen from the front, on its left seen from the feet (prone);
                 * the shank hangs down seated and points up prone. Both are
                 * read off the truth, so the measure is the clinical one. */
                double lat = (tu[23] > tu[24] ? 1 : -1) * (s == 0 ? 1 : -1);
                double ref = tv[a] > tv[k] ? 1 : -1;
                double est = atan2(lat * (lu[a] - lu[k]), ref * (lv[a] - lv[k])) * 180 / M_PI;
                int own = strcmp(tested, s == 0 ? "left" : "right") == 0;
                measure_add(&m[M_ROT_L + s], own ? pi : -1, est, truth_rot);
            }
        }
        /* Prone (shanks pointing up): the pelvis and trunk truths are in the
         * body's own frame, not the image's; only the shank angles compare. */
        int prone = tv[27] < tv[25] && tv[28] < tv[26];
        if (leg_raise) {
            /* Supine, seen from the right side, feet toward the image's right:
             * a thigh's angle above the table is its hip -> knee line above
             * the image's horizontal. Which leg is raised is known from the
             * script; the raised one is taken as the higher knee, whatever
             * its label (BlazePose's left and right are unsure lying down). */
            double el[2];
            for (int s = 0; s < 2; s++) {
                int hi = 24 - s, kn = 26 - s; /* s = 0 right, 1 left */
                el[s] = atan2(-(lv[kn] - lv[hi]), lu[kn] - lu[hi]) * 180 / M_PI;
                measure_add(
                    &m[M_RAISE_R + s], -1, el[s],
                    truth_angle(f, s == 0 ? "thigh_inclination_right" : "thigh_inclination_left"));
            }
            if (strcmp(tested, "none") != 0) {
                int right = strcmp(tested, "right") == 0;
                int up = el[0] >= el[1] ? 0 : 1; /* the landmark leg raised higher */
                int hi = 24 - up, kn = 26 - up, an = 28 - up, sh = 12 - up;
                measure_add(
                    &m[M_RAISE], pi, el[up],
                    truth_angle(f, right ? "thigh_inclination_right" : "thigh_inclination_left"));
                measure_add(&m[M_RAISE_HIP2D], pi,
                            flexion_2d(lu[sh], lv[sh], lu[hi], lv[hi], lu[kn], lv[kn]),
                            truth_angle(f, right ? "hip_flexion_2d_right" : "hip_flexion_2d_left"));
                measure_add(&m[M_RAISE_KNEE], pi,
                            flexion_2d(lu[hi], lv[hi], lu[kn], lv[kn], lu[an], lv[an]),
                            truth_angle(f, right ? "knee_flexion_right" : "knee_flexion_left"));
            }
        } else if (!t->side_view && !prone) {
            double tr = truth_angle(f, "pelvic_obliquity");
            double est = atan2(-(lv[23] - lv[24]), lu[23] - lu[24]) * 180 / M_PI;
            if (tu[23] < tu[24]) { /* seen from behind or the feet: left on the image's left */
                est = atan2(-(lv[23] - lv[24]), lu[24] - lu[23]) * 180 / M_PI;
            }
            measure_add(&m[M_OBLIQ], -1, est, tr);
            double drop = truth_angle(f, "pelvic_drop");
            if (isfinite(drop)) {
                /* The drop is the obliquity signed by the lifted side. */
                measure_add(&m[M_DROP], pi, (t->lifted_right ? 1 : -1) * est, drop);
            }
            double tl = truth_angle(f, "trunk_lateral_lean");
            double du = 0.5 * (lu[11] + lu[12]) - 0.5 * (lu[23] + lu[24]);
            double dv = 0.5 * (lv[11] + lv[12]) - 0.5 * (lv[23] + lv[24]);
            double lean = atan2(du, -dv) * 180 / M_PI;
            if (tu[23] < tu[24]) {
                lean = -lean;
            }
            measure_add(&m[M_LEAN], sit_to_stand ? pi : -1, lean, tl);
            measure_peak(&m[M_LEAN], strcmp(phase, "rise") == 0, fabs(lean), fabs(tl));
        } else if (t->side_view) {
            /* Side view from the subject's right: the right leg is the near
             * one and the subject faces the image's right. */
            double tk = truth_angle(f, "knee_flexion_right");
            measure_add(&m[M_KNEE], pi, flexion_2d(lu[24], lv[24], lu[26], lv[26], lu[28], lv[28]),
                        tk);
            double th = truth_angle(f, "hip_flexion_2d_right");
            double est_h = flexion_2d(lu[12], lv[12], lu[24], lv[24], lu[26], lv[26]);
            measure_add(&m[M_HIP2D], pi, est_h, th);
            double tt = truth_angle(f, "trunk_inclination");
            double du = 0.5 * (lu[11] + lu[12]) - 0.5 * (lu[23] + lu[24]);
            double dv = 0.5 * (lv[11] + lv[12]) - 0.5 * (lv[23] + lv[24]);
            double est_t = atan2(du, -dv) * 180 / M_PI;
            measure_add(&m[M_TRUNK], pi, est_t, tt);
            double ti = truth_angle(f, "thigh_inclination_right");
            double est_i = atan2(lu[26] - lu[24], lv[26] - lv[24]) * 180 / M_PI;
            if (sit_to_stand) {
                measure_add(&m[M_THIGH], pi, est_i, ti);
                /* The compensation to flag is the trunk's lean at seat-off:
                 * compare the peaks of each rise. */
                int rising = strcmp(phase, "rise") == 0;
                measure_peak(&m[M_TRUNK], rising, est_t, tt);
                measure_peak(&m[M_HIP2D], rising, est_h, th);
            }
        }
        romcv__json_free(&doc);
    }
    fclose(lf);
    for (int k = 0; k < M_COUNT; k++) {
        measure_peak(&m[k], 0, NAN, NAN); /* a run open at the end */
    }
    if (found == 0) {
        fprintf(stderr, "phantom_validate: no landmarks matched the truth's frames\n");
        return 1;
    }
    double body_px = body_px_sum / found;
    printf("### %s\n\n", title ? title : t->protocol);
    printf("%s view, %dx%d; a person found in %d of %zu frames (%d lines); standing height at the "
           "hips' depth %.0f px.\n\n",
           t->side_view ? "Side" : "Front", w, h, found, t->nframes, lines, body_px);
    if (swapped) {
        printf("**Left and right swapped** (the limb landmarks fit the other side's joints "
               "better) in %d of %d frames.\n\n",
               swapped, found);
    }
    printf("| landmark | mean px | max px | mean %% of height | mean offset (du, dv) px |\n");
    printf("| --- | ---: | ---: | ---: | --- |\n");
    static const int limbs[] = {11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 0};
    for (size_t k = 0; k < sizeof limbs / sizeof limbs[0]; k++) {
        int j = limbs[k];
        const Stat *s = &joint_err[j];
        if (s->n == 0) {
            continue;
        }
        printf("| %s | %.1f | %.1f | %.1f | (%+.1f, %+.1f) |\n", romcv_phantom_joint_name(j),
               s->sum_abs / s->n, s->max_abs, 100 * s->sum_abs / s->n / body_px, off_u[j] / s->n,
               off_v[j] / s->n);
    }
    print_measures("measure (markerless, 2D from landmarks)", m, M_COUNT, &ph, "rise");
    return 0;
}

/* ------------------------------------------------------- romcv analyze */

/* romcv's channels (metrics/info.c, docs/angles.md) and the truth each is
 * defined to measure. Upright only: those measured from the image's vertical
 * (trunk, thigh, pelvic tilt) are in the body's frame in the truth, which is
 * the world only when the body stands or sits. */
static const struct {
    const char *column, *truth;
    int upright_only;
} channels[] = {
    {"hip_rotation_left_deg", "hip_rotation_left", 0},
    {"hip_rotation_right_deg", "hip_rotation_right", 0},
    {"pelvic_obliquity_deg", "pelvic_obliquity", 1},
    {"pelvic_tilt_deg", "pelvic_tilt", 1},
    {"lumbar_lordosis_deg", "lumbar_lordosis", 0},
    {"hip_flexion_left_deg", "hip_flexion_2d_left", 0},
    {"hip_flexion_right_deg", "hip_flexion_2d_right", 0},
    {"thigh_vertical_left_deg", "thigh_inclination_left", 1},
    {"thigh_vertical_right_deg", "thigh_inclination_right", 1},
    {"knee_flexion_left_deg", "knee_flexion_left", 0},
    {"knee_flexion_right_deg", "knee_flexion_right", 0},
    {"trunk_inclination_deg", "trunk_inclination", 1},
    {"trunk_lateral_lean_deg", "trunk_lateral_lean", 1},
};
#define CHANNELS ((int)(sizeof channels / sizeof channels[0]))

/* Splits a CSV line (no quoting in romcv's files) in place. */
static int split_csv(char *line, char **fields, int max) {
    int n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *c = strchr(p, ',');
        if (!c) {
            break;
        }
        *c = '\0';
        p = c + 1;
    }
    char *end = fields[n - 1] + strcspn(fields[n - 1], "\r\n");
    *end = '\0';
    return n;
}

static int validate_analyze(const Truth *t, const char *path, const char *title) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "phantom_validate: %s: cannot read\n", path);
        return 1;
    }
    int lying =
        strcmp(t->protocol, "leg-raise") == 0 || strcmp(t->protocol, "prone-hip-rotation") == 0;
    static char line[1 << 16];
    static char *fields[1024];
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        fprintf(stderr, "phantom_validate: %s: empty\n", path);
        return 1;
    }
    int ncol = split_csv(line, fields, 1024);
    int col[CHANNELS], frame_col = -1;
    for (int c = 0; c < CHANNELS; c++) {
        col[c] = -1;
        for (int k = 0; k < ncol; k++) {
            if (strcmp(fields[k], channels[c].column) == 0) {
                col[c] = k;
            }
        }
    }
    for (int k = 0; k < ncol; k++) {
        if (strcmp(fields[k], "frame") == 0) {
            frame_col = k;
        }
    }
    if (frame_col < 0) {
        fclose(f);
        fprintf(stderr, "phantom_validate: %s: no frame column\n", path);
        return 1;
    }
    static Measure m[CHANNELS];
    memset(m, 0, sizeof m);
    char names[CHANNELS][128];
    for (int c = 0; c < CHANNELS; c++) {
        snprintf(names[c], sizeof names[c], "%s (truth: %s)", channels[c].column,
                 channels[c].truth);
        m[c].name = names[c];
    }
    Phases ph = {{0}, 0};
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        int n = split_csv(line, fields, 1024);
        if (n <= frame_col) {
            continue;
        }
        const RomcvJsonValue *fr = romcv__json_at(t->frames, (size_t)atol(fields[frame_col]));
        if (!fr) {
            continue;
        }
        rows++;
        const char *tested = string_or(romcv__json_get(fr, "side"), "none");
        int pi = phase_index(&ph, fr);
        for (int c = 0; c < CHANNELS; c++) {
            if (col[c] < 0 || col[c] >= n || fields[col[c]][0] == '\0' ||
                (lying && channels[c].upright_only)) {
                continue;
            }
            double est = strtod(fields[col[c]], NULL);
            double tr = truth_angle(fr, channels[c].truth);
            if (!isfinite(est) || !isfinite(tr)) {
                continue;
            }
            /* A side's rotation counts at its own holds only. */
            int own = 1;
            if (strncmp(channels[c].truth, "hip_rotation_", 13) == 0) {
                own = strstr(channels[c].truth, tested) != NULL;
            }
            measure_add(&m[c], own ? pi : -1, est, tr);
        }
    }
    fclose(f);
    printf("### %s\n\n", title ? title : t->protocol);
    printf("`romcv analyze`, %d of %zu frames in frames.csv; each channel against the truth angle "
           "it is defined to measure.\n",
           rows, t->nframes);
    print_measures("romcv analyze channel (filtered)", m, CHANNELS, &ph, "");
    return 0;
}

int main(int argc, char **argv) {
    int analyze = argc >= 4 && strcmp(argv[2], "--analyze") == 0;
    if (argc < 3 || (strcmp(argv[2], "--analyze") == 0 && !analyze)) {
        fprintf(stderr, "usage: phantom_validate TRUTH.json LANDMARKS.jsonl [TITLE]\n"
                        "       phantom_validate TRUTH.json --analyze FRAMES.csv [TITLE]\n");
        return 2;
    }
    Truth t;
    if (load_truth(&t, argv[1]) < 0) {
        free_truth(&t);
        return 1;
    }
    int rc = analyze ? validate_analyze(&t, argv[3], argc > 4 ? argv[4] : NULL)
                     : validate_landmarks(&t, argv[2], argc > 3 ? argv[3] : NULL);
    free_truth(&t);
    return rc;
}
