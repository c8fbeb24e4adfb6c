/*
 * bench/silhouette_validate.c: how well the markerless pelvic tilt and
 * lumbar lordosis estimates (the posterior silhouette contour, issue 5)
 * follow the digital phantom's exact truth. Prints Markdown rows for
 * docs/angles.md, "Markerless pelvic tilt and lordosis: method and measured
 * error" (scripts/silhouette_validation.sh runs it and writes the tables).
 *
 *   silhouette_validate mask [--tilt DEG] [--lordosis DEG] [--frames N]
 *                            [--size WxH] [--build F] [--dump FILE.ppm]
 *       Renders the first N frames (default 30) of a standing-posture clip
 *       without markers in process (no video coding), runs the tracker with
 *       its person mask, and prints one row:
 *       - the mask's IoU against the truth body mask: the phantom's own
 *         surfaces ray-cast through each pixel centre, 4 x 4 rays per pixel
 *         at the edges (no reference mask exists otherwise);
 *       - the contour's offset from the truth mask's contour on the same scan
 *         lines (px; + when the tracker's edge lies further back);
 *       - the estimates (median over the frames, and their SD) from (a) the
 *         truth mask with the true joint centres: the method's own error;
 *         (b) the truth mask with the tracker's landmarks: what the landmarks
 *         add; (c) the tracker's mask and landmarks, as romcv analyze.
 *       --dump writes the middle frame with the mask's disagreement (red:
 *       tracker only, blue: truth only) and both contours (green: truth,
 *       yellow: tracker).
 *   silhouette_validate report TRUTH.json FRAMES.csv [TRUTH.json FRAMES.csv]...
 *       Compares `romcv analyze` results (frames.csv) with each clip's truth:
 *       medians per clip, the absolute error, and the change from the first
 *       clip (the neutral baseline) against the true change; then the
 *       least-squares line estimate = a + b truth over the clips.
 *
 * The samples module's private header is used for the truth mask only: the
 * renderer's own primitives of each frame, so the mask is exact.
 */
#include "core/json.h"
#include "metrics/internal.h"
#include "romcv/romcv.h"
#include "samples/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS  256
#define MAX_SAMPLES 4096
#define MAX_CLIPS   32

static int usage(void) {
    fprintf(stderr, "usage: silhouette_validate mask [--tilt DEG] [--lordosis DEG] [--frames N] "
                    "[--size WxH] [--build F] [--dump FILE.ppm]\n"
                    "       silhouette_validate report TRUTH.json FRAMES.csv [...]\n");
    return 2;
}

/* ------------------------------------------------------------ statistics */

typedef struct Acc {
    int n;
    double values[MAX_SAMPLES];
} Acc;

static void acc_add(Acc *a, double v) {
    if (isfinite(v) && a->n < MAX_SAMPLES) {
        a->values[a->n++] = v;
    }
}

static double acc_mean(const Acc *a) {
    double sum = 0;
    for (int i = 0; i < a->n; i++) {
        sum += a->values[i];
    }
    return a->n ? sum / a->n : NAN;
}

static double acc_min(const Acc *a) {
    double m = INFINITY;
    for (int i = 0; i < a->n; i++) {
        m = fmin(m, a->values[i]);
    }
    return a->n ? m : NAN;
}

static double acc_sd(const Acc *a) {
    if (a->n < 2) {
        return NAN;
    }
    double m = acc_mean(a), ss = 0;
    for (int i = 0; i < a->n; i++) {
        ss += (a->values[i] - m) * (a->values[i] - m);
    }
    return sqrt(ss / (a->n - 1));
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double acc_median(const Acc *a) {
    if (a->n == 0) {
        return NAN;
    }
    double *v = malloc(sizeof(double) * (size_t)a->n);
    if (!v) {
        return NAN;
    }
    memcpy(v, a->values, sizeof(double) * (size_t)a->n);
    qsort(v, (size_t)a->n, sizeof(double), cmp_double);
    double m = a->n % 2 ? v[a->n / 2] : 0.5 * (v[a->n / 2 - 1] + v[a->n / 2]);
    free(v);
    return m;
}

/* ------------------------------------------------------------ truth mask */

static int body_hit(const RomcvPhantom *ph, double u, double v) {
    const PhCamera *cam = &ph->camera;
    double xn, yn;
    romcv__camera_unproject(cam, u, v, &xn, &yn);
    const double *m = cam->rot.m;
    V3 d = v3_norm(v3(m[0] * xn + m[3] * yn + m[6], m[1] * xn + m[4] * yn + m[7],
                      m[2] * xn + m[5] * yn + m[8]));
    for (int i = 0; i < ph->prims.body_count; i++) {
        double t;
        if (romcv__prim_intersect(&ph->prims.prims[i], cam->position, d, 0, &t)) {
            return 1;
        }
    }
    return 0;
}

/* The body's coverage of each pixel (0..1) for the frame just rendered:
 * one ray per pixel centre, then 4 x 4 rays where a neighbour differs. */
static void truth_mask(const RomcvPhantom *ph, int w, int h, float *mask, unsigned char *hit) {
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            hit[(size_t)y * w + x] = (unsigned char)body_hit(ph, x + 0.5, y + 0.5);
        }
    }
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            const unsigned char c = hit[(size_t)y * w + x];
            int edge = 0;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    edge |= xx >= 0 && yy >= 0 && xx < w && yy < h && hit[(size_t)yy * w + xx] != c;
                }
            }
            if (!edge) {
                mask[(size_t)y * w + x] = c;
                continue;
            }
            int hits = 0;
            for (int sy = 0; sy < 4; sy++) {
                for (int sx = 0; sx < 4; sx++) {
                    hits += body_hit(ph, x + (sx + 0.5) / 4.0, y + (sy + 0.5) / 4.0);
                }
            }
            mask[(size_t)y * w + x] = (float)hits / 16.0f;
        }
    }
}

static double iou(const float *a, const float *b, size_t n) {
    size_t inter = 0, uni = 0;
    for (size_t i = 0; i < n; i++) {
        int pa = a[i] >= 0.5f, pb = b[i] >= 0.5f;
        inter += pa && pb;
        uni += pa || pb;
    }
    return uni ? (double)inter / (double)uni : NAN;
}

/* ------------------------------------------------------------ mask mode */

typedef struct MaskArgs {
    double tilt, lordosis, build;
    int frames, width, height;
    const char *dump;
} MaskArgs;

/* The phantom's side view: the camera on the subject's right, who faces
 * image right; its back faces image left (posterior -1). */
#define NEAR_SHOULDER ROMCV_LM_RIGHT_SHOULDER
#define NEAR_HIP      ROMCV_LM_RIGHT_HIP

static void contour_settings(RomcvSilhouetteSettings *s, const float *px, const float *py) {
    romcv_silhouette_default_settings(s);
    s->posterior = -1;
    s->shoulder_x = px[NEAR_SHOULDER];
    s->shoulder_y = py[NEAR_SHOULDER];
    s->hip_x = px[NEAR_HIP];
    s->hip_y = py[NEAR_HIP];
    static const int arm[2][4] = {{11, 13, 15, 19}, {12, 14, 16, 20}};
    for (int a = 0; a < 2; a++) {
        for (int k = 0; k < 4; k++) {
            s->arm_x[a][k] = px[arm[a][k]];
            s->arm_y[a][k] = py[arm[a][k]];
        }
    }
}

typedef struct Contour {
    float x[MAX_POINTS], y[MAX_POINTS];
    int n;
} Contour;

/* Adds the estimates of one contour (per frame, unfiltered: metrics' own
 * per-frame step) to tilt and lordosis. */
static void add_estimates(const Contour *c, const float *px, const float *py, Acc *tilt,
                          Acc *lordosis) {
    const RomcvFrameAxes axes = {0.0f, 1.0f, 1.0f, 0.0f};
    float l, t;
    romcv__silhouette_frame(c->x, c->y, c->n, px[NEAR_HIP], py[NEAR_HIP], px[NEAR_SHOULDER],
                            py[NEAR_SHOULDER], &axes, 1.0f, &l, &t);
    acc_add(tilt, t);
    acc_add(lordosis, l);
}

static void put(unsigned char *rgb, int w, int h, float x, float y, int r, int g, int b) {
    int xi = (int)floorf(x), yi = (int)floorf(y);
    if (xi >= 0 && yi >= 0 && xi < w && yi < h) {
        unsigned char *p = rgb + 3 * ((size_t)yi * w + xi);
        p[0] = (unsigned char)r, p[1] = (unsigned char)g, p[2] = (unsigned char)b;
    }
}

static void dump(const char *path, const RomcvFrame *frame, const float *pmask, const float *tmask,
                 const Contour *truth, const Contour *tracked) {
    const int w = frame->width, h = frame->height;
    const size_t pixels = (size_t)w * (size_t)h;
    unsigned char *rgb = malloc(pixels * 3);
    FILE *out = fopen(path, "wb");
    if (rgb && out) {
        for (int y = 0; y < h; y++) {
            memcpy(rgb + (size_t)y * w * 3, frame->data + (size_t)y * frame->stride, (size_t)w * 3);
        }
        for (size_t i = 0; i < pixels; i++) {
            if ((pmask[i] >= 0.5f) != (tmask[i] >= 0.5f)) {
                rgb[3 * i] = pmask[i] >= 0.5f ? 255 : 0;
                rgb[3 * i + 1] = 0;
                rgb[3 * i + 2] = pmask[i] >= 0.5f ? 0 : 255;
            }
        }
        for (int k = 0; k < truth->n; k++) {
            put(rgb, w, h, truth->x[k], truth->y[k], 0, 255, 0);
        }
        for (int k = 0; k < tracked->n; k++) {
            put(rgb, w, h, tracked->x[k], tracked->y[k], 255, 255, 0);
        }
        fprintf(out, "P6\n%d %d\n255\n", w, h);
        fwrite(rgb, 1, pixels * 3, out);
    }
    if (out) {
        fclose(out);
    }
    free(rgb);
}

typedef struct MaskRun {
    Acc truth_tilt, truth_lordosis, iou, edge_signed, edge_abs;
    Acc tilt[3], lordosis[3]; /* (a), (b), (c) */
    int found, with_contour;
} MaskRun;

static int run_mask(const MaskArgs *a) {
    RomcvDiag diag = {0};
    RomcvPhantomSettings ps;
    romcv_phantom_default_settings(&ps, ROMCV_PROTOCOL_STANDING_POSTURE);
    ps.markers = ROMCV_MARKERS_NONE; /* markerless: no balls on the back's contour */
    ps.script.pelvic_tilt_deg = a->tilt;
    ps.script.lordosis_deg = a->lordosis;
    ps.width = a->width;
    ps.height = a->height;
    ps.build = a->build;
    RomcvPhantom *ph = NULL;
    if (romcv_phantom_create(&ph, &ps, &diag) < 0) {
        fprintf(stderr, "silhouette_validate: %s\n", diag.message);
        return 1;
    }
    char models[4096];
    RomcvModelSearch search = {NULL, getenv("ROMCV_MODELS"), NULL};
    RomcvTrackerSettings ts;
    romcv_tracker_default_settings(&ts);
    ts.models_dir = models;
    ts.segmentation = 1;
    RomcvTracker *tracker = NULL;
    if (romcv_models_find_dir(&search, models, sizeof models, &diag) < 0 ||
        romcv_tracker_create(&tracker, &ts, &diag) < 0) {
        fprintf(stderr, "silhouette_validate: %s\n", diag.message);
        romcv_phantom_destroy(&ph);
        return 1;
    }
    const int w = a->width, h = a->height;
    const size_t pixels = (size_t)w * (size_t)h;
    float *tmask = malloc(pixels * sizeof(float));
    unsigned char *hit = malloc(pixels);
    MaskRun *run = calloc(1, sizeof *run);
    Contour *c = calloc(3, sizeof *c); /* truth mask + true joints, + tracker's; tracker's */
    RomcvFrame *frame = NULL;
    if (!tmask || !hit || !run || !c || romcv_frame_create(&frame, w, h, ROMCV_PIX_RGB24) < 0) {
        fprintf(stderr, "silhouette_validate: out of memory\n");
        return 1;
    }
    const int64_t total = romcv_phantom_frame_count(ph);
    const int frames = a->frames < total ? a->frames : (int)total;
    for (int f = 0; f < frames; f++) {
        /* Consecutive frames: the tracker runs in video mode, as in analyze. */
        RomcvPhantomTruth truth;
        RomcvPose pose;
        romcv_phantom_render(ph, f, frame, &truth);
        if (romcv_tracker_process(tracker, frame, &pose) < 0) {
            fprintf(stderr, "silhouette_validate: %s\n", romcv_tracker_errmsg(tracker));
            return 1;
        }
        acc_add(&run->truth_tilt, truth.angles.pelvic_tilt);
        acc_add(&run->truth_lordosis, truth.angles.lumbar_lordosis);
        int mw = 0, mh = 0;
        const float *pmask = romcv_tracker_segmentation(tracker, &mw, &mh);
        if (!pose.found || !pmask || mw != w || mh != h) {
            continue;
        }
        run->found++;
        truth_mask(ph, w, h, tmask, hit);
        acc_add(&run->iou, iou(pmask, tmask, pixels));
        float tx[33], ty[33], px[33], py[33];
        for (int k = 0; k < 33; k++) {
            tx[k] = truth.joint_present[k] ? (float)truth.joints[k].image[0] : NAN;
            ty[k] = truth.joint_present[k] ? (float)truth.joints[k].image[1] : NAN;
            px[k] = pose.landmarks[k].x * (float)w;
            py[k] = pose.landmarks[k].y * (float)h;
        }
        RomcvSilhouetteSettings st, sp;
        contour_settings(&st, tx, ty);
        contour_settings(&sp, px, py);
        romcv_silhouette_posterior_contour(tmask, w, h, &st, c[0].x, c[0].y, MAX_POINTS, &c[0].n,
                                           NULL);
        romcv_silhouette_posterior_contour(tmask, w, h, &sp, c[1].x, c[1].y, MAX_POINTS, &c[1].n,
                                           NULL);
        romcv_silhouette_posterior_contour(pmask, w, h, &sp, c[2].x, c[2].y, MAX_POINTS, &c[2].n,
                                           NULL);
        run->with_contour += c[2].n > 0;
        /* (b) and (c) share their scan lines: compare the edges line by line. */
        for (int i = 0, j = 0; i < c[1].n && j < c[2].n;) {
            if (fabsf(c[1].y[i] - c[2].y[j]) < 1e-3f) {
                const double back = c[1].x[i] - c[2].x[j]; /* the back faces image left */
                acc_add(&run->edge_signed, back);
                acc_add(&run->edge_abs, fabs(back));
                i++, j++;
            } else if (c[1].y[i] < c[2].y[j]) {
                i++;
            } else {
                j++;
            }
        }
        add_estimates(&c[0], tx, ty, &run->tilt[0], &run->lordosis[0]);
        add_estimates(&c[1], px, py, &run->tilt[1], &run->lordosis[1]);
        add_estimates(&c[2], px, py, &run->tilt[2], &run->lordosis[2]);
        if (a->dump && f == frames / 2) {
            dump(a->dump, frame, pmask, tmask, &c[0], &c[2]);
        }
    }
    /* | tilt | lordosis | frames with a contour | IoU mean (min) | edge offset (abs) |
     *   tilt (a) (b) (c) | lordosis (a) (b) (c) | */
    printf("| %.1f | %.1f | %d/%d | %.3f (%.3f) | %+.2f (%.2f) |", acc_median(&run->truth_tilt),
           acc_median(&run->truth_lordosis), run->with_contour, frames, acc_mean(&run->iou),
           acc_min(&run->iou), acc_mean(&run->edge_signed), acc_mean(&run->edge_abs));
    for (int k = 0; k < 3; k++) {
        printf(" %.1f (%.1f) |", acc_median(&run->tilt[k]), acc_sd(&run->tilt[k]));
    }
    for (int k = 0; k < 3; k++) {
        printf(" %.1f (%.1f) |", acc_median(&run->lordosis[k]), acc_sd(&run->lordosis[k]));
    }
    printf("\n");
    romcv_frame_unref(&frame);
    free(c);
    free(run);
    free(tmask);
    free(hit);
    romcv_tracker_destroy(&tracker);
    romcv_phantom_destroy(&ph);
    return 0;
}

/* ----------------------------------------------------------- report mode */

static char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
            if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            } else {
                buf[n] = '\0';
                *size = (size_t)n;
            }
        }
    }
    fclose(f);
    return buf;
}

typedef struct Clip {
    const char *name;
    double true_tilt, true_lordosis, tilt, lordosis;
    int frames, measured;
} Clip;

/* Median of the true angles over the clip's frames. */
static int load_truth(Clip *c, const char *path) {
    size_t size = 0;
    char *text = read_all(path, &size);
    RomcvJsonLimits lim = romcv__json_default_limits();
    lim.max_size = 1u << 30; /* our own file: trusted */
    RomcvJsonDoc *doc = NULL;
    RomcvDiag diag = {0};
    if (!text || romcv__json_parse_ex(&doc, text, size, path, &lim, &diag) < 0) {
        fprintf(stderr, "silhouette_validate: %s: %s\n", path, text ? diag.message : "unreadable");
        free(text);
        return -1;
    }
    Acc *acc = calloc(2, sizeof *acc); /* tilt, lordosis */
    const RomcvJsonValue *frames = romcv__json_get(romcv__json_root(doc), "frames");
    for (size_t i = 0; acc && i < romcv__json_size(frames); i++) {
        const RomcvJsonValue *angles = romcv__json_get(romcv__json_at(frames, i), "angles");
        acc_add(&acc[0], romcv__json_number(romcv__json_get(angles, "pelvic_tilt")));
        acc_add(&acc[1], romcv__json_number(romcv__json_get(angles, "lumbar_lordosis")));
    }
    c->true_tilt = acc ? acc_median(&acc[0]) : NAN;
    c->true_lordosis = acc ? acc_median(&acc[1]) : NAN;
    free(acc);
    romcv__json_free(&doc);
    free(text);
    return 0;
}

/* Median of the pelvic_tilt_deg and lumbar_lordosis_deg columns. */
static int load_frames(Clip *c, const char *path) {
    size_t size = 0;
    char *text = read_all(path, &size);
    if (!text) {
        fprintf(stderr, "silhouette_validate: %s: unreadable\n", path);
        return -1;
    }
    int col_tilt = -1, col_lordosis = -1, col = 0;
    char *line = strtok(text, "\n");
    for (char *p = line; p && *p; col++) {
        char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 15 && strncmp(p, "pelvic_tilt_deg", len) == 0) {
            col_tilt = col;
        } else if (len == 19 && strncmp(p, "lumbar_lordosis_deg", len) == 0) {
            col_lordosis = col;
        }
        p = comma ? comma + 1 : NULL;
    }
    Acc *acc = calloc(2, sizeof *acc); /* tilt, lordosis */
    c->frames = 0;
    while (acc && col_tilt >= 0 && col_lordosis >= 0 && (line = strtok(NULL, "\n"))) {
        c->frames++;
        col = 0;
        for (char *p = line; p; col++) {
            if (col == col_tilt || col == col_lordosis) {
                char *end;
                double v = strtod(p, &end);
                acc_add(&acc[col == col_tilt ? 0 : 1], end > p ? v : NAN);
            }
            char *comma = strchr(p, ',');
            p = comma ? comma + 1 : NULL;
        }
    }
    free(text);
    if (!acc || col_tilt < 0 || col_lordosis < 0) {
        fprintf(stderr, "silhouette_validate: %s: no tilt or lordosis column\n", path);
        free(acc);
        return -1;
    }
    c->measured = acc[0].n;
    c->tilt = acc_median(&acc[0]);
    c->lordosis = acc_median(&acc[1]);
    free(acc);
    return 0;
}

/* Least-squares line y = a + b x; b NaN without spread in x. */
static void line_fit(const double *x, const double *y, int n, double *a, double *b, double *rms) {
    double mx = 0, my = 0, sxx = 0, sxy = 0, ss = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i] / n, my += y[i] / n;
    }
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx), sxy += (x[i] - mx) * (y[i] - my);
    }
    *b = sxx > 1e-9 ? sxy / sxx : NAN;
    *a = my - *b * mx;
    for (int i = 0; i < n; i++) {
        double r = y[i] - (*a + *b * x[i]);
        ss += r * r;
    }
    *rms = n ? sqrt(ss / n) : NAN;
}

static int run_report(int argc, char **argv) {
    Clip clips[MAX_CLIPS];
    int n = 0;
    for (int i = 0; i + 1 < argc && n < MAX_CLIPS; i += 2, n++) {
        clips[n].name = argv[i];
        if (load_truth(&clips[n], argv[i]) < 0 || load_frames(&clips[n], argv[i + 1]) < 0) {
            return 1;
        }
    }
    if (n == 0) {
        return usage();
    }
    printf("| true tilt | estimate | change: true | estimate | error | true lordosis | estimate | "
           "change: true | estimate | error | frames measured |\n");
    printf("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    const Clip *ref = &clips[0];
    double tt[MAX_CLIPS], et[MAX_CLIPS], tl[MAX_CLIPS], el[MAX_CLIPS];
    double worst_t = 0, worst_l = 0, sum_t = 0, sum_l = 0;
    for (int i = 0; i < n; i++) {
        const Clip *c = &clips[i];
        const double dtt = c->true_tilt - ref->true_tilt, det = c->tilt - ref->tilt;
        const double dtl = c->true_lordosis - ref->true_lordosis, del = c->lordosis - ref->lordosis;
        printf("| %.1f | %.1f | %+.1f | %+.1f | %+.1f | %.1f | %.1f | %+.1f | %+.1f | %+.1f | "
               "%d/%d |\n",
               c->true_tilt, c->tilt, dtt, det, det - dtt, c->true_lordosis, c->lordosis, dtl, del,
               del - dtl, c->measured, c->frames);
        tt[i] = c->true_tilt, et[i] = c->tilt, tl[i] = c->true_lordosis, el[i] = c->lordosis;
        if (i > 0) {
            worst_t = fmax(worst_t, fabs(det - dtt)), sum_t += fabs(det - dtt);
            worst_l = fmax(worst_l, fabs(del - dtl)), sum_l += fabs(del - dtl);
        }
    }
    double a, b, rms;
    printf("\n");
    line_fit(tt, et, n, &a, &b, &rms);
    if (isfinite(b)) {
        printf("- pelvic tilt: estimate = %.1f + %.2f x truth (residual RMS %.1f deg)\n", a, b,
               rms);
    }
    line_fit(tl, el, n, &a, &b, &rms);
    if (isfinite(b)) {
        printf("- lumbar lordosis: estimate = %.1f + %.2f x truth (residual RMS %.1f deg)\n", a, b,
               rms);
    }
    if (n > 1) {
        printf("- change from the first clip: tilt error mean %.1f, worst %.1f deg; lordosis "
               "error mean %.1f, worst %.1f deg\n",
               sum_t / (n - 1), worst_t, sum_l / (n - 1), worst_l);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        return usage();
    }
    if (strcmp(argv[1], "report") == 0) {
        return argc >= 4 && argc % 2 == 0 ? run_report(argc - 2, argv + 2) : usage();
    }
    if (strcmp(argv[1], "mask") != 0) {
        return usage();
    }
    MaskArgs a = {12, 40, 1.0, 30, 640, 480, NULL};
    for (int i = 2; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            return usage();
        }
        if (strcmp(argv[i], "--tilt") == 0) {
            a.tilt = atof(v);
        } else if (strcmp(argv[i], "--lordosis") == 0) {
            a.lordosis = atof(v);
        } else if (strcmp(argv[i], "--frames") == 0) {
            a.frames = atoi(v);
        } else if (strcmp(argv[i], "--build") == 0) {
            a.build = atof(v);
        } else if (strcmp(argv[i], "--size") == 0) {
            if (sscanf(v, "%dx%d", &a.width, &a.height) != 2) {
                return usage();
            }
        } else if (strcmp(argv[i], "--dump") == 0) {
            a.dump = v;
        } else {
            return usage();
        }
    }
    return a.frames > 0 ? run_mask(&a) : usage();
}
