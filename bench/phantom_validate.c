/*
 * bench/phantom_validate.c: compares a pose tracker's landmarks (the JSON
 * lines of `romcv landmarks`, MediaPipe's schema) with the phantom's truth
 * (clip.truth.json) and prints Markdown for docs/validation.md:
 *   - each landmark's distance from the true joint centre in the image (mean,
 *     max, px and % of the body's height in the image) and its mean offset;
 *   - 2D angles computed from the landmarks the way a markerless method does
 *     (shank angle from vertical in a front view, knee and hip flexion and
 *     trunk inclination in a side view, hip-line obliquity in a front view)
 *     against the truth, per frame and at each end-range hold.
 * The angle layer of romcv (metrics/) replaces these simple 2D measures when
 * it lands; scripts/phantom_validation.sh runs both.
 *
 * usage: phantom_validate TRUTH.json LANDMARKS.jsonl [TITLE]
 */
#include "core/json.h"
#include "romcv/samples.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 100000
#define MAX_PHASES 32

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

/* 180 - angle a-b-c in the image, deg. */
static double flexion_2d(double au, double av, double bu, double bv, double cu, double cv) {
    double x1 = au - bu, y1 = av - bv, x2 = cu - bu, y2 = cv - bv;
    double ang = atan2(fabs(x1 * y2 - y1 * x2), x1 * x2 + y1 * y2) * 180 / M_PI;
    return 180 - ang;
}

typedef struct Measures {
    const char *name;
    Stat all;
    Stat phase[MAX_PHASES];
} Measures;

enum { M_ROT_L, M_ROT_R, M_OBLIQ, M_DROP, M_LEAN, M_KNEE, M_HIP2D, M_TRUNK, M_COUNT };

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: phantom_validate TRUTH.json LANDMARKS.jsonl [TITLE]\n");
        return 2;
    }
    size_t size;
    char *text = read_all(argv[1], &size);
    if (!text) {
        fprintf(stderr, "phantom_validate: %s: cannot read\n", argv[1]);
        return 1;
    }
    RomcvJsonLimits lim = romcv__json_default_limits();
    lim.max_size = 1u << 30; /* our own file: trusted */
    RomcvJsonDoc *truth = NULL;
    RomcvDiag diag = {0};
    if (romcv__json_parse_ex(&truth, text, size, argv[1], &lim, &diag) < 0) {
        fprintf(stderr, "phantom_validate: %s\n", diag.message);
        return 1;
    }
    const RomcvJsonValue *root = romcv__json_root(truth);
    const RomcvJsonValue *video = romcv__json_get(root, "video");
    int w = (int)num(romcv__json_get(video, "width")),
        h = (int)num(romcv__json_get(video, "height"));
    const RomcvJsonValue *frames = romcv__json_get(root, "frames");
    size_t nframes = romcv__json_size(frames);
    const char *protocol = romcv__json_string(romcv__json_get(root, "protocol"), NULL);
    /* Side view when the camera looks along X. */
    const RomcvJsonValue *rot = romcv__json_get(
        romcv__json_get(romcv__json_at(frames, 0), "camera"), "rotation_world_to_camera");
    const char *lifted =
        romcv__json_string(romcv__json_get(romcv__json_get(root, "settings"), "lifted_side"), NULL);
    int lifted_right = !lifted || strcmp(lifted, "left") != 0;
    int side_view = fabs(num(romcv__json_at(rot, 6))) > fabs(num(romcv__json_at(rot, 8)));

    double body_height_m = num(romcv__json_get(romcv__json_get(root, "settings"), "body_height_m"));
    double fx = num(romcv__json_get(romcv__json_get(romcv__json_at(frames, 0), "camera"), "fx"));
    FILE *lf = fopen(argv[2], "r");
    if (!lf) {
        fprintf(stderr, "phantom_validate: %s: cannot read\n", argv[2]);
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
    };
    static Measures m[M_COUNT];
    for (int k = 0; k < M_COUNT; k++) {
        m[k].name = measure_names[k];
    }
    const char *phase_names[MAX_PHASES];
    int phase_count = 0;
    static char line[1 << 20];
    while (fgets(line, sizeof line, lf)) {
        lines++;
        RomcvJsonDoc *doc = NULL;
        if (romcv__json_parse(&doc, line, strlen(line), argv[2], NULL) < 0) {
            continue;
        }
        const RomcvJsonValue *lr = romcv__json_root(doc);
        double fi = num(romcv__json_get(lr, "frame"));
        const RomcvJsonValue *lms = romcv__json_get(lr, "landmarks");
        const RomcvJsonValue *f = romcv__json_at(frames, (size_t)fi);
        if (!f || romcv__json_size(lms) != 33) {
            romcv__json_free(&doc);
            continue;
        }
        found++;
        const RomcvJsonValue *joints = romcv__json_get(f, "joints");
        const RomcvJsonValue *ang = romcv__json_get(f, "angles");
        const char *phase = romcv__json_string(romcv__json_get(f, "phase"), NULL);
        int end = romcv__json_bool(romcv__json_get(f, "end_range")) == 1;
        int pi = -1;
        if (end && phase) {
            for (int k = 0; k < phase_count; k++) {
                if (strcmp(phase_names[k], phase) == 0) {
                    pi = k;
                }
            }
            if (pi < 0 && phase_count < MAX_PHASES) {
                pi = phase_count;
                phase_names[phase_count++] = phase; /* the truth document outlives this */
            }
        }
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
        double e;
        for (int s = 0; s < 2; s++) {
            double truth_rot =
                num(romcv__json_get(ang, s == 0 ? "hip_rotation_left" : "hip_rotation_right"));
            if (isfinite(truth_rot)) {
                int k = 25 + s, a = 27 + s;
                /* Lateral in the image: the body's left is on the image's right
                 * seen from the front, on its left seen from the feet (prone);
                 * the shank hangs down seated and points up prone. Both are
                 * read off the truth, so the measure is the clinical one. */
                double lat = (tu[23] > tu[24] ? 1 : -1) * (s == 0 ? 1 : -1);
                double ref = tv[a] > tv[k] ? 1 : -1;
                double est = atan2(lat * (lu[a] - lu[k]), ref * (lv[a] - lv[k])) * 180 / M_PI;
                e = est - truth_rot;
                stat_add(&m[M_ROT_L + s].all, e, truth_rot);
                const char *tested = romcv__json_string(romcv__json_get(f, "side"), NULL);
                if (pi >= 0 && tested && strcmp(tested, s == 0 ? "left" : "right") == 0) {
                    stat_add(&m[M_ROT_L + s].phase[pi], e, truth_rot);
                }
            }
        }
        /* Prone (shanks pointing up): the pelvis and trunk truths are in the
         * body's own frame, not the image's; only the shank angles compare. */
        int prone = tv[27] < tv[25] && tv[28] < tv[26];
        if (!side_view && !prone) {
            double t = num(romcv__json_get(ang, "pelvic_obliquity"));
            double est = atan2(-(lv[23] - lv[24]), lu[23] - lu[24]) * 180 / M_PI;
            if (tu[23] < tu[24]) { /* seen from behind or the feet: left on the image's left */
                est = atan2(-(lv[23] - lv[24]), lu[24] - lu[23]) * 180 / M_PI;
            }
            stat_add(&m[M_OBLIQ].all, est - t, t);
            double drop = num(romcv__json_get(ang, "pelvic_drop"));
            if (isfinite(drop)) {
                /* The drop is the obliquity signed by the lifted side. */
                double sgn = lifted_right ? 1 : -1;
                stat_add(&m[M_DROP].all, sgn * est - drop, drop);
                if (pi >= 0) {
                    stat_add(&m[M_DROP].phase[pi], sgn * est - drop, drop);
                }
            }
            double tl = num(romcv__json_get(ang, "trunk_lateral_lean"));
            double du = 0.5 * (lu[11] + lu[12]) - 0.5 * (lu[23] + lu[24]);
            double dv = 0.5 * (lv[11] + lv[12]) - 0.5 * (lv[23] + lv[24]);
            stat_add(&m[M_LEAN].all, atan2(du, -dv) * 180 / M_PI - tl, tl);
        } else if (side_view) {
            /* Side view from the subject's right: the right leg is the near one. */
            double tk = num(romcv__json_get(ang, "knee_flexion_right"));
            e = flexion_2d(lu[24], lv[24], lu[26], lv[26], lu[28], lv[28]) - tk;
            stat_add(&m[M_KNEE].all, e, tk);
            if (pi >= 0) {
                stat_add(&m[M_KNEE].phase[pi], e, tk);
            }
            double th = num(romcv__json_get(ang, "hip_flexion_2d_right"));
            e = flexion_2d(lu[12], lv[12], lu[24], lv[24], lu[26], lv[26]) - th;
            stat_add(&m[M_HIP2D].all, e, th);
            if (pi >= 0) {
                stat_add(&m[M_HIP2D].phase[pi], e, th);
            }
            double tt = num(romcv__json_get(ang, "trunk_inclination"));
            double du = 0.5 * (lu[11] + lu[12]) - 0.5 * (lu[23] + lu[24]);
            double dv = 0.5 * (lv[11] + lv[12]) - 0.5 * (lv[23] + lv[24]);
            e = atan2(du, -dv) * 180 / M_PI - tt; /* subject faces image right */
            stat_add(&m[M_TRUNK].all, e, tt);
            if (pi >= 0) {
                stat_add(&m[M_TRUNK].phase[pi], e, tt);
            }
        }
        romcv__json_free(&doc);
    }
    fclose(lf);
    if (found == 0) {
        fprintf(stderr, "phantom_validate: no landmarks matched the truth's frames\n");
        return 1;
    }
    double body_px = body_px_sum / found;
    printf("### %s\n\n", argc > 3 ? argv[3] : protocol);
    printf("%s view, %dx%d; a person found in %d of %zu frames (%d lines); standing height at the "
           "hips' "
           "depth %.0f px.\n\n",
           side_view ? "Side" : "Front", w, h, found, nframes, lines, body_px);
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
    printf("\n| measure (markerless, 2D from landmarks) | frames | truth range | mean abs err | "
           "max abs err | bias |\n| --- | ---: | --- | ---: | ---: | ---: |\n");
    for (int k = 0; k < M_COUNT; k++) {
        const Stat *s = &m[k].all;
        if (s->n == 0) {
            continue;
        }
        printf("| %s | %d | %.1f .. %.1f | %.2f | %.2f | %+.2f |\n", m[k].name, s->n, s->tmin,
               s->tmax, s->sum_abs / s->n, s->max_abs, s->sum / s->n);
        for (int p = 0; p < phase_count; p++) {
            const Stat *ps = &m[k].phase[p];
            if (ps->n == 0) {
                continue;
            }
            printf("| &nbsp;&nbsp;at %s | %d | %.1f | %.2f | %.2f | %+.2f |\n", phase_names[p],
                   ps->n, 0.5 * (ps->tmin + ps->tmax), ps->sum_abs / ps->n, ps->max_abs,
                   ps->sum / ps->n);
        }
    }
    printf("\n");
    romcv__json_free(&truth);
    free(text);
    return 0;
}
