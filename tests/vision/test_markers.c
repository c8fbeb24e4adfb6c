/*
 * tests/vision/test_markers.c: coloured skin markers (issue 10): detection,
 * labelling and tracking (vision/markers.c, vision/markers_track.c), on
 * drawn discs and on the digital phantom rendered frame by frame in the
 * test, with the truth's projected marker centres and joints.
 *
 * The phantom's joints stand in for BlazePose's pose here: these tests are
 * about the markers, and the truth joints make them exact and fast (no
 * model). The hip centres they give are the anatomical ones, BlazePose's lie
 * 30-50 mm off (clinical.md: Needham 2021), which the labelling thresholds
 * allow for (vision/markers_track.c); the CLI test runs the real tracker.
 *
 * Targets (the issue's): markers found in >= 99 % of the frames where the
 * truth says they can be seen, median centroid error <= 0.5 px, pelvic
 * tilt and lordosis from the markers within 1 deg of the truth.
 */
#include "romcv/romcv.h"
#include "testutil.h"

#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DET 64
#define GREEN   0x1edc3cu /* the phantom's own ASIS green, for every marker */

static const int pelvic_markers[] = {ROMCV_PM_RIGHT_ASIS, ROMCV_PM_RIGHT_PSIS, ROMCV_PM_T12,
                                     ROMCV_PM_L3, ROMCV_PM_S1};

/* ------------------------------------------------------------ drawn discs */

static RomcvFrame *grey_frame(int w, int h) {
    RomcvFrame *f = NULL;
    ck_assert_int_eq(romcv_frame_create(&f, w, h, ROMCV_PIX_RGB24), 0);
    for (int y = 0; y < h; y++) {
        memset(f->data + (size_t)y * (size_t)f->stride, 128, 3 * (size_t)w);
    }
    return f;
}

/* Paints the pixels whose centres lie inside the ellipse (x/a)^2 + (y/b)^2
 * <= 1 around (cx, cy), as an unsmoothed renderer would. */
static void paint_ellipse(RomcvFrame *f, double cx, double cy, double a, double b,
                          const uint8_t rgb[3]) {
    for (int y = 0; y < f->height; y++) {
        for (int x = 0; x < f->width; x++) {
            double dx = (x + 0.5 - cx) / a, dy = (y + 0.5 - cy) / b;
            if (dx * dx + dy * dy <= 1) {
                memcpy(f->data + (size_t)y * (size_t)f->stride + 3 * (size_t)x, rgb, 3);
            }
        }
    }
}

static RomcvMarkerDetector *detector_for(const char *colour) {
    RomcvMarkerDetectorSettings s;
    romcv_marker_detector_default_settings(&s);
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_marker_colour_parse(colour, &s, &diag) == 0, "%s", diag.message);
    s.auto_frames = 3;
    RomcvMarkerDetector *d = NULL;
    ck_assert_msg(romcv_marker_detector_create(&d, &s, &diag) == 0, "%s", diag.message);
    return d;
}

START_TEST(colour_names_and_ranges) {
    RomcvMarkerDetectorSettings s;
    romcv_marker_detector_default_settings(&s);
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv_marker_colour_parse("magenta", &s, &diag), 0);
    ck_assert(s.hue_lo > 250 && s.hue_hi < 345 && !s.auto_colour);
    ck_assert_int_eq(romcv_marker_colour_parse("100-140,60-100,30-90", &s, &diag), 0);
    ck_assert(s.hue_lo == 100 && s.hue_hi == 140 && fabsf(s.sat_lo - 0.6f) < 1e-6f &&
              fabsf(s.val_hi - 0.9f) < 1e-6f);
    ck_assert_int_eq(romcv_marker_colour_parse("350-10,50,40", &s, &diag), 0);
    ck_assert(s.hue_lo == 350 && s.hue_hi == 10 && s.sat_hi == 1.0f);
    ck_assert_int_eq(romcv_marker_colour_parse("auto", &s, &diag), 0);
    ck_assert(s.auto_colour);
    const char *bad[] = {"purple",           "100-140", "100-400,50,50", "1,2,3,4", "a-b,50,50",
                         "100-140,90-10,50", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        diag.message[0] = '\0';
        ck_assert_msg(romcv_marker_colour_parse(bad[i], &s, &diag) < 0, "%s accepted", bad[i]);
        ck_assert_msg(diag.message[0] && !strchr(diag.message, '\n'), "'%s': %s", bad[i],
                      diag.message);
    }
}
END_TEST

/* Sub-pixel centroids of discs 1.6 to 6 px in radius at arbitrary
 * positions, as hard-edged as the phantom draws them; elongated and huge
 * regions and the wrong hue are rejected. */
START_TEST(discs_subpixel_and_shape_checks) {
    const uint8_t green[3] = {30, 220, 60}, magenta[3] = {230, 40, 200};
    RomcvFrame *f = grey_frame(320, 240);
    double cx[] = {20.3, 60.71, 100.5, 140.18, 180.92, 220.44};
    double cy[] = {30.6, 31.27, 33.02, 29.85, 30.5, 32.33};
    double r[] = {1.6, 2.1, 2.7, 3.3, 4.4, 6.0};
    for (int i = 0; i < 6; i++) {
        paint_ellipse(f, cx[i], cy[i], r[i], r[i], green);
    }
    paint_ellipse(f, 60, 120, 8, 2, green);    /* a sticker seen nearly edge-on */
    paint_ellipse(f, 200, 150, 40, 40, green); /* a green shirt */
    paint_ellipse(f, 280, 200, 3, 3, magenta); /* another colour */
    RomcvMarkerDetector *d = detector_for("green");
    RomcvMarkerDetection det[MAX_DET];
    int n = 0;
    ck_assert_int_eq(romcv_marker_detector_detect(d, f, det, MAX_DET, &n), 0);
    ck_assert_int_eq(n, 6);
    for (int i = 0; i < 6; i++) {
        int found = 0;
        for (int k = 0; k < n; k++) {
            double e = hypot(det[k].x - cx[i], det[k].y - cy[i]);
            if (e < 0.25) {
                found = 1;
                ck_assert_msg(fabs(det[k].radius - r[i]) < 0.35, "disc %d: radius %.2f for %.2f", i,
                              det[k].radius, r[i]);
                ck_assert(det[k].roundness > 0.8f && det[k].score > 0.4f);
            }
        }
        ck_assert_msg(found, "disc %d (r %.1f) at %.2f,%.2f not found within 0.25 px", i, r[i],
                      cx[i], cy[i]);
    }
    /* A bad frame is refused, not read. */
    ck_assert_int_lt(romcv_marker_detector_detect(d, NULL, det, MAX_DET, &n), 0);
    romcv_marker_detector_destroy(&d);
    ck_assert_ptr_null(d);
    romcv_frame_unref(&f);
}
END_TEST

/* A disc as a camera's pixels see it: each pixel the mix of the marker and
 * the grey behind it, in proportion to the share of its area the disc
 * covers (8 x 8 samples a pixel). */
static void paint_disc_area_sampled(RomcvFrame *f, double cx, double cy, double r,
                                    const uint8_t rgb[3]) {
    for (int y = (int)(cy - r - 2); y <= (int)(cy + r + 2); y++) {
        for (int x = (int)(cx - r - 2); x <= (int)(cx + r + 2); x++) {
            int inside = 0;
            for (int sy = 0; sy < 8; sy++) {
                for (int sx = 0; sx < 8; sx++) {
                    double dx = x + (sx + 0.5) / 8 - cx, dy = y + (sy + 0.5) / 8 - cy;
                    inside += dx * dx + dy * dy <= r * r;
                }
            }
            uint8_t *p = f->data + (size_t)y * (size_t)f->stride + 3 * (size_t)x;
            for (int k = 0; k < 3; k++) {
                p[k] = (uint8_t)lround((p[k] * (64 - inside) + rgb[k] * inside) / 64.0);
            }
        }
    }
}

/* Area-sampled discs 2.5 to 5 px in radius: the centre comes from the
 * outline pixels' partial colour, not from where a threshold cuts them.
 * Measured: at most 0.06 px off; the mask's centroid alone was up to 0.15. */
START_TEST(area_sampled_discs_centred) {
    const uint8_t green[3] = {30, 220, 60};
    RomcvFrame *f = grey_frame(320, 60);
    double cx[] = {20.13, 60.71, 100.38, 140.55, 180.92, 220.26, 260.64, 300.4};
    double cy[] = {30.6, 31.27, 29.81, 30.02, 30.33, 29.58, 30.95, 30.19};
    double r[] = {2.5, 2.9, 3.3, 3.7, 4.1, 4.5, 4.8, 5.0};
    for (int i = 0; i < 8; i++) {
        paint_disc_area_sampled(f, cx[i], cy[i], r[i], green);
    }
    RomcvMarkerDetector *d = detector_for("green");
    RomcvMarkerDetection det[MAX_DET];
    int n = 0;
    ck_assert_int_eq(romcv_marker_detector_detect(d, f, det, MAX_DET, &n), 0);
    ck_assert_int_eq(n, 8);
    double worst = 0;
    for (int i = 0; i < 8; i++) {
        double best = INFINITY;
        for (int k = 0; k < n; k++) {
            best = fmin(best, hypot(det[k].x - cx[i], det[k].y - cy[i]));
        }
        worst = fmax(worst, best);
    }
    ck_assert_msg(worst <= 0.08, "a centre %.3f px off", worst);
    romcv_marker_detector_destroy(&d);
    romcv_frame_unref(&f);
}
END_TEST

/* Two balls of one colour, one partly behind the other, as both PSIS
 * line up in a side view: one region, whose centroid lies a pixel toward
 * the ball behind. The marker reported is the front ball's centre. */
START_TEST(ball_behind_another_gives_the_front_centre) {
    const uint8_t green[3] = {30, 220, 60};
    /* 9 px balls (1080 x 1920) and 19 px ones (a close-up): the larger
     * region's outline and surroundings must fit the search too. */
    const double radii[] = {4.6, 9.6};
    for (int k = 0; k < 2; k++) {
        RomcvFrame *f = grey_frame(200, 120);
        const double front_x = 100.3, front_y = 60.7, front_r = radii[k];
        const double shift = 0.55 * front_r;
        paint_ellipse(f, front_x + shift, front_y + 0.9 * shift, 0.93 * front_r, 0.93 * front_r,
                      green); /* behind */
        paint_ellipse(f, front_x, front_y, front_r, front_r, green);
        RomcvMarkerDetector *d = detector_for("green");
        RomcvMarkerDetection det[MAX_DET];
        int n = 0;
        ck_assert_int_eq(romcv_marker_detector_detect(d, f, det, MAX_DET, &n), 0);
        ck_assert_int_eq(n, 1);
        double e = hypot(det[0].x - front_x, det[0].y - front_y);
        ck_assert_msg(e <= 0.3, "r %.1f: centre %.2f,%.2f is %.2f px from the front ball's",
                      front_r, det[0].x, det[0].y, e);
        romcv_marker_detector_destroy(&d);
        romcv_frame_unref(&f);
    }
}
END_TEST

/* Red straddles hue 0: 357 and 9 deg are both red, 30 deg is not. */
START_TEST(red_wraps_through_zero) {
    const uint8_t crimson[3] = {230, 30, 40}, scarlet[3] = {250, 60, 30},
                  orange[3] = {250, 140, 20};
    RomcvFrame *f = grey_frame(160, 60);
    paint_ellipse(f, 30.5, 30.5, 4, 4, crimson);
    paint_ellipse(f, 80.5, 30.5, 4, 4, scarlet);
    paint_ellipse(f, 130.5, 30.5, 4, 4, orange);
    RomcvMarkerDetector *d = detector_for("red");
    RomcvMarkerDetection det[MAX_DET];
    int n = 0;
    ck_assert_int_eq(romcv_marker_detector_detect(d, f, det, MAX_DET, &n), 0);
    ck_assert_int_eq(n, 2);
    ck_assert(det[0].x < 100 && det[1].x < 100);
    romcv_marker_detector_destroy(&d);
    romcv_frame_unref(&f);
}
END_TEST

/* The bridge's region measures: a disc's circularity and axes, a bar's. */
START_TEST(bridge_region_measures) {
    RomcvFrame *mask = NULL;
    ck_assert_int_eq(romcv_frame_create(&mask, 100, 50, ROMCV_PIX_GRAY8), 0);
    for (int y = 0; y < 50; y++) {
        uint8_t *row = mask->data + (size_t)y * (size_t)mask->stride;
        for (int x = 0; x < 100; x++) {
            double dx = x + 0.5 - 25.25, dy = y + 0.5 - 24.75;
            int disc = dx * dx + dy * dy <= 8.0 * 8.0;
            int bar = x >= 60 && x < 90 && y >= 20 && y < 26; /* 30 x 6 */
            row[x] = disc || bar ? 255 : 0;
        }
    }
    RomcvCvBlob blobs[4];
    int count = 0, total = 0;
    RomcvDiag diag = {0};
    ck_assert_int_eq(romcv__cv_blobs(mask, 1, 10000, blobs, 4, &count, &total, &diag), 0);
    ck_assert_int_eq(count, 2);
    ck_assert_int_eq(total, 2);
    const RomcvCvBlob *disc = blobs[0].x < 50 ? &blobs[0] : &blobs[1];
    const RomcvCvBlob *bar = disc == &blobs[0] ? &blobs[1] : &blobs[0];
    ck_assert(fabs(disc->x - 25.25) < 0.05 && fabs(disc->y - 24.75) < 0.05);
    ck_assert(fabs(disc->major - 8) < 0.2 && fabs(disc->minor - 8) < 0.2);
    ck_assert_msg(disc->circularity > 0.9, "disc circularity %.3f", disc->circularity);
    /* The bar: centre 75, 23; semi-axes sqrt(3) times its half-sides. */
    ck_assert(fabs(bar->x - 75) < 1e-4 && fabs(bar->y - 23) < 1e-4);
    ck_assert(fabs(bar->major - 15 * 1.1547) < 0.05 && fabs(bar->minor - 3 * 1.1547) < 0.05);
    ck_assert_msg(bar->circularity < 0.5, "bar circularity %.3f", bar->circularity);
    /* Area limits: the bar has 180 px, the disc about 201. */
    ck_assert_int_eq(bar->area, 180);
    ck_assert_int_eq(romcv__cv_blobs(mask, 181, 10000, blobs, 4, &count, &total, &diag), 0);
    ck_assert(count == 1 && total == 1 && blobs[0].x < 50);
    ck_assert_int_eq(romcv__cv_blobs(mask, 1, 180, blobs, 4, &count, &total, &diag), 0);
    ck_assert(count == 1 && total == 1 && blobs[0].x > 50);
    /* More regions than room: the count stops, the total does not. */
    ck_assert_int_eq(romcv__cv_blobs(mask, 1, 10000, blobs, 1, &count, &total, &diag), 0);
    ck_assert(count == 1 && total == 2);
    romcv_frame_unref(&mask);
}
END_TEST

START_TEST(bad_settings_refused) {
    RomcvMarkerDetectorSettings s;
    romcv_marker_detector_default_settings(&s);
    s.min_radius_px = 5;
    s.max_radius_px = 2;
    RomcvMarkerDetector *d = NULL;
    RomcvDiag diag = {0};
    ck_assert_int_lt(romcv_marker_detector_create(&d, &s, &diag), 0);
    ck_assert_ptr_null(d);
    ck_assert(strstr(diag.message, "radius"));
    RomcvMarkerTrackerSettings ts;
    romcv_marker_tracker_default_settings(&ts);
    ts.gate_px = -1;
    RomcvMarkerTracker *t = NULL;
    ck_assert_int_lt(romcv_marker_tracker_create(&t, &ts, &diag), 0);
    ck_assert_ptr_null(t);
}
END_TEST

/* ------------------------------------------------------------- phantom */

/* What a scenario does to each frame before detection. */
typedef struct Scenario {
    int hide_marker; /* phantom marker painted over, or -1 */
    int hide_from, hide_to;
    int distractor_from; /* frames >= this get same-coloured blobs; -1: none */
    int distractor_near; /* 1: one also inside the pelvic band, behind the back */
    int markers_kind;    /* RomcvMarkerKind */
    double tilt, lordosis, duration_s;
    int width, height;        /* 0: the phantom's 640 x 480 */
    double hfov_deg;          /* 0: the phantom's 50 deg */
    double camera_distance_m; /* 0: the protocol's */
    int front; /* 1: single-leg stance from the front (else standing posture, side) */
    int back;  /* 1: the standing posture from behind (camera azimuth -90) */
    int hints; /* 1: a labelling file's positions, 2-3 px off the first frame's truth */
    /* A same-coloured spot beside the right knee's landmark, this many H
     * behind it (the image's left of it, the side view facing right); 0: none. */
    double knee_spot_h;
    const char *colour;
} Scenario;

typedef struct Outcome {
    int frames;
    int visible[ROMCV_PM_COUNT]; /* frames the truth says detectable (hidden ones excluded) */
    int found[ROMCV_PM_COUNT];   /* ... of which the label was found */
    int wrong;                   /* labelled positions > 2 px from that label's truth */
    int hidden_reported;         /* hidden frames where the marker was reported */
    int after_hide_ok;           /* frames after the hiding with the label back on it */
    int after_hide;
    long ambiguous;
    double median_error_px;
    double tilt_error_deg, lordosis_error_deg;       /* median over frames of |from the detected
                                                      * markers - from the truth's marker centres| */
    double tilt_vs_truth_deg, lordosis_vs_truth_deg; /* median over frames of |from the
                                                      * detected markers - the phantom's
                                                      * marker angles in 3D| */
    double truth_tilt_markers_deg, truth_lordosis_markers_deg; /* their medians */
    int tilt_estimate, lordosis_estimate;
    double obliquity_error_deg;      /* front view: the same for pelvic obliquity */
    double obliquity_range_deg;      /* front view: max - min of the detected obliquity */
    double obliquity_true_range_deg; /* ... and on the true centres */
    int obliquity_estimate;
} Outcome;

/* The truth's joints as the pose of the frame (normalised coordinates). */
static void pose_from_truth(const RomcvPhantomTruth *t, int w, int h, RomcvPose *pose) {
    memset(pose, 0, sizeof *pose);
    pose->found = 1;
    pose->score = 1;
    for (int k = 0; k < ROMCV_POSE_LANDMARKS; k++) {
        RomcvLandmark *l = &pose->landmarks[k];
        if (t->joint_present[k]) {
            l->x = (float)(t->joints[k].image[0] / w);
            l->y = (float)(t->joints[k].image[1] / h);
            l->visibility = l->presence = 1;
        } else {
            l->x = l->y = NAN;
        }
    }
}

static void fill_disc(RomcvFrame *f, double cx, double cy, double r, const uint8_t rgb[3]) {
    paint_ellipse(f, cx, cy, r, r, rgb);
}

static void run_scenario(const Scenario *sc, Outcome *o) {
    memset(o, 0, sizeof *o);
    RomcvPhantomSettings ps;
    romcv_phantom_default_settings(&ps, sc->front ? ROMCV_PROTOCOL_SINGLE_LEG_STANCE
                                                  : ROMCV_PROTOCOL_STANDING_POSTURE);
    ps.duration_s = sc->duration_s;
    if (sc->back) {
        ps.camera.azimuth_deg = -90;
    }
    ps.markers = (RomcvMarkerKind)sc->markers_kind;
    ps.marker_rgb = GREEN;
    if (sc->width > 0) {
        ps.width = sc->width;
        ps.height = sc->height;
    }
    if (sc->hfov_deg > 0) {
        ps.camera.hfov_deg = sc->hfov_deg;
    }
    if (sc->camera_distance_m > 0) {
        ps.camera.distance_m = sc->camera_distance_m;
    }
    ps.script.pelvic_tilt_deg = sc->tilt;
    ps.script.lordosis_deg = sc->lordosis;
    RomcvPhantom *ph = NULL;
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_phantom_create(&ph, &ps, &diag) == 0, "%s", diag.message);
    int n = (int)romcv_phantom_frame_count(ph);
    int w = ps.width, h = ps.height;
    RomcvFrame *frame = NULL;
    ck_assert_int_eq(romcv_frame_create(&frame, w, h, ROMCV_PIX_RGB24), 0);
    RomcvMarkerDetector *det = detector_for(sc->colour);
    RomcvMarkerTrackerSettings ts;
    romcv_marker_tracker_default_settings(&ts);
    RomcvMarkerTracker *tracker = NULL;
    ck_assert_int_eq(romcv_marker_tracker_create(&tracker, &ts, &diag), 0);

    /* Series for metrics: the truth's joints and the tracked markers. */
    double *time_s = calloc((size_t)n, sizeof *time_s);
    float *lx[ROMCV_METRICS_LANDMARKS], *ly[ROMCV_METRICS_LANDMARKS];
    float *mx[ROMCV_MARKER_COUNT], *my[ROMCV_MARKER_COUNT], *mv[ROMCV_MARKER_COUNT];
    float *tx[ROMCV_MARKER_COUNT], *ty[ROMCV_MARKER_COUNT], *tv[ROMCV_MARKER_COUNT];
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        lx[k] = calloc((size_t)n, sizeof(float));
        ly[k] = calloc((size_t)n, sizeof(float));
    }
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        mx[k] = calloc((size_t)n, sizeof(float));
        my[k] = calloc((size_t)n, sizeof(float));
        mv[k] = calloc((size_t)n, sizeof(float));
        tx[k] = calloc((size_t)n, sizeof(float));
        ty[k] = calloc((size_t)n, sizeof(float));
        tv[k] = calloc((size_t)n, sizeof(float));
    }
    double *errors = calloc((size_t)n * ROMCV_MARKER_COUNT, sizeof *errors);
    double *true_tilt = calloc((size_t)n, sizeof(double));
    double *true_obliquity = calloc((size_t)n, sizeof(double));
    double *true_lordosis = calloc((size_t)n, sizeof(double));
    double *marker_tilt = calloc((size_t)n, sizeof(double));
    double *marker_lordosis = calloc((size_t)n, sizeof(double));
    int n_errors = 0;
    int *hidden_at = calloc((size_t)n, sizeof *hidden_at);
    const uint8_t green[3] = {30, 220, 60}, grey[3] = {128, 128, 128};
    for (int i = 0; i < n; i++) {
        RomcvPhantomTruth truth;
        ck_assert_int_eq(romcv_phantom_render(ph, i, frame, &truth), 0);
        int hidden = sc->hide_marker >= 0 && i >= sc->hide_from && i <= sc->hide_to;
        if (hidden) {
            /* Something grey passes in front of the marker. */
            const double *c = truth.markers[sc->hide_marker].centre.image;
            fill_disc(frame, c[0], c[1], 4.5, grey);
        }
        if (sc->distractor_from >= 0 && i >= sc->distractor_from) {
            /* A ball-sized blob of the markers' colour on the wall, far
             * from the body, and optionally one just behind the back at
             * lumbar height, inside the pelvic band but off every gate. */
            fill_disc(frame, 80.3, 150.6, 1.8, green);
            if (sc->distractor_near) {
                const double *s1 = truth.markers[ROMCV_PM_S1].centre.image;
                const double *l3 = truth.markers[ROMCV_PM_L3].centre.image;
                fill_disc(frame, s1[0] - 14.0, 0.5 * (s1[1] + l3[1]), 1.8, green);
            }
        }
        if (sc->knee_spot_h > 0) {
            const double *hl = truth.joints[ROMCV_PJ_LEFT_HIP].image;
            const double *hr = truth.joints[ROMCV_PJ_RIGHT_HIP].image;
            const double *sl = truth.joints[ROMCV_PJ_LEFT_SHOULDER].image;
            const double *sr = truth.joints[ROMCV_PJ_RIGHT_SHOULDER].image;
            double trunk =
                hypot(0.5 * (sl[0] + sr[0] - hl[0] - hr[0]), 0.5 * (sl[1] + sr[1] - hl[1] - hr[1]));
            const double *knee = truth.joints[ROMCV_PJ_RIGHT_KNEE].image;
            fill_disc(frame, knee[0] - sc->knee_spot_h * trunk, knee[1], 1.8, green);
        }
        RomcvMarkerDetection d[MAX_DET];
        int count = 0;
        ck_assert_int_eq(romcv_marker_detector_detect(det, frame, d, MAX_DET, &count), 0);
        RomcvPose pose;
        pose_from_truth(&truth, w, h, &pose);
        for (int k = 0; i == 0 && sc->hints && k < ROMCV_MARKER_COUNT; k++) {
            if (truth.markers[k].detectable) {
                const double *c = truth.markers[k].centre.image;
                ck_assert_int_eq(
                    romcv_marker_tracker_hint(tracker, k, (float)(c[0] + 2.5), (float)(c[1] - 2.0)),
                    0);
            }
        }
        RomcvMarkerFrame mf;
        ck_assert_int_eq(
            romcv_marker_tracker_update(tracker, truth.time_s, &pose, w, h, d, count, &mf), 0);
        time_s[i] = truth.time_s;
        for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
            lx[k][i] = truth.joint_present[k] ? (float)truth.joints[k].image[0] : NAN;
            ly[k][i] = truth.joint_present[k] ? (float)truth.joints[k].image[1] : NAN;
        }
        true_tilt[i] = truth.angles.pelvic_tilt;
        true_obliquity[i] = truth.angles.pelvic_obliquity;
        true_lordosis[i] = truth.angles.lumbar_lordosis;
        marker_tilt[i] = truth.angles.pelvic_tilt_markers;
        marker_lordosis[i] = truth.angles.lumbar_lordosis_markers;
        /* The phantom's marker order is metrics' for the first seven. */
        for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
            mx[k][i] = mf.x[k];
            my[k][i] = mf.y[k];
            mv[k][i] = mf.visibility[k];
            const RomcvPhantomMarkerTruth *mt = &truth.markers[k];
            tx[k][i] = (float)mt->centre.image[0];
            ty[k][i] = (float)mt->centre.image[1];
            tv[k][i] = (float)mt->detectable;
            /* A name confirmed now also covers the frames of its wait, as
             * romcv analyze keeps them (cli/marker_series.c). */
            float bx[ROMCV_MARKER_CONFIRM_MAX], by[ROMCV_MARKER_CONFIRM_MAX];
            int back = romcv_marker_tracker_backfill(tracker, k, bx, by, ROMCV_MARKER_CONFIRM_MAX);
            ck_assert_int_le(back, i);
            for (int j = 0; j < back; j++) {
                mx[k][i - 1 - j] = bx[j];
                my[k][i - 1 - j] = by[j];
                mv[k][i - 1 - j] = 1;
            }
        }
        hidden_at[i] = hidden;
        o->frames++;
    }
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
            int seen = mv[k][i] > 0;
            if (seen) {
                double e = hypot(mx[k][i] - tx[k][i], my[k][i] - ty[k][i]);
                if (e > 2.0) {
                    o->wrong++;
                    fprintf(stderr, "frame %d: %s at %.1f,%.1f, truth %.1f,%.1f\n", i,
                            romcv_phantom_marker_name(k), mx[k][i], my[k][i], tx[k][i], ty[k][i]);
                } else {
                    errors[n_errors++] = e;
                }
            }
            if (k == sc->hide_marker && hidden_at[i]) {
                o->hidden_reported += seen;
                continue;
            }
            if (tv[k][i] > 0) {
                o->visible[k]++;
                o->found[k] += seen;
            }
            if (k == sc->hide_marker && i > sc->hide_to && tv[k][i] > 0) {
                o->after_hide++;
                o->after_hide_ok += seen;
            }
        }
    }
    o->ambiguous = romcv_marker_tracker_ambiguous_frames(tracker);
    o->median_error_px = romcv_test_median(errors, n_errors);

    RomcvLandmarkSeries ls = {.n = (size_t)n, .time_s = time_s};
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        ls.x[k] = lx[k];
        ls.y[k] = ly[k];
    }
    RomcvMarkerSeries ms;
    memset(&ms, 0, sizeof ms);
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        ms.x[k] = mx[k];
        ms.y[k] = my[k];
        ms.visibility[k] = mv[k];
    }
    /* The same angles on the truth's projected marker centres: what a
     * perfect detector would give, the figure for the detector alone. The
     * whole measurement is judged against the phantom's marker angles in 3D
     * (truth.angles.*_markers: the same definitions on the balls' centres in
     * the sagittal plane, so the camera's perspective counts as an error).
     * The markers sit on the phantom's skin, whose shape is not the bones'
     * (its S1 ball rides on the top of the buttocks), so the anatomical
     * truth is printed for the record only (docs/markers.md). */
    RomcvMarkerSeries ideal;
    memset(&ideal, 0, sizeof ideal);
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        ideal.x[k] = tx[k];
        ideal.y[k] = ty[k];
        ideal.visibility[k] = tv[k];
    }
    RomcvMetricsSettings s;
    romcv_metrics_default_settings(&s);
    /* the phantom's side view is of the right side (docs/phantom.md) */
    s.view = sc->front ? ROMCV_VIEW_FRONT : sc->back ? ROMCV_VIEW_BACK : ROMCV_VIEW_RIGHT_SIDE;
    const int frontal = sc->front || sc->back;
    /* T12-L3 and L3-S1 are 10-14 px at 640x480, under the landmarks' 20 px
     * minimum (romcv analyze lowers it the same way with --markers). */
    s.min_segment_px = 8;
    RomcvMetrics *metrics = NULL;
    ck_assert_int_eq(romcv_metrics_create(&metrics, &s, &diag), 0);
    RomcvAngleResults *res = NULL, *res_ideal = NULL;
    ck_assert_int_eq(romcv_metrics_compute(metrics, &ls, &ms, NULL, &res), 0);
    ck_assert_int_eq(romcv_metrics_compute(metrics, &ls, &ideal, NULL, &res_ideal), 0);
    double *v = calloc((size_t)n, sizeof *v);
    int angle_ids[3] = {ROMCV_ANGLE_PELVIC_TILT, ROMCV_ANGLE_LUMBAR_LORDOSIS,
                        ROMCV_ANGLE_PELVIC_OBLIQUITY};
    double *truths[3] = {true_tilt, true_lordosis, true_obliquity};
    double *marker_truths[2] = {marker_tilt, marker_lordosis};
    double err[3], vs_truth[2] = {NAN, NAN};
    for (int a = frontal ? 2 : 0; a < (frontal ? 3 : 2); a++) {
        /* Frame by frame, detected against true centres; the median of
         * those differences is the figure (a moving pelvis is compared at
         * each instant, not through its median). */
        const float *got = res->channel[angle_ids[a]].value_deg;
        const float *ideal_v = res_ideal->channel[angle_ids[a]].value_deg;
        int m = 0;
        double lo = INFINITY, hi = -INFINITY, ideal_lo = INFINITY, ideal_hi = -INFINITY;
        for (int i = 0; i < n; i++) {
            if (isfinite(got[i]) && isfinite(ideal_v[i])) {
                v[m++] = fabs(got[i] - ideal_v[i]);
                lo = fmin(lo, got[i]);
                hi = fmax(hi, got[i]);
                ideal_lo = fmin(ideal_lo, ideal_v[i]);
                ideal_hi = fmax(ideal_hi, ideal_v[i]);
            }
        }
        err[a] = m ? romcv_test_median(v, m) : NAN;
        if (a < 2) {
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (isfinite(got[i]) && isfinite(marker_truths[a][i])) {
                    v[k++] = fabs(got[i] - marker_truths[a][i]);
                }
            }
            vs_truth[a] = k ? romcv_test_median(v, k) : NAN;
            fprintf(stderr, "%s: median |detected - phantom's marker angle| %.2f deg\n",
                    romcv_angle_info((RomcvAngleId)angle_ids[a])->name, vs_truth[a]);
        }
        if (a == 2) {
            o->obliquity_range_deg = hi - lo;
            o->obliquity_true_range_deg = ideal_hi - ideal_lo;
        }
        fprintf(stderr,
                "%s: detected markers %.2f to %.2f deg, median |detected - true centres| %.2f "
                "deg over %d frames; anatomical truth median %.2f deg\n",
                romcv_angle_info((RomcvAngleId)angle_ids[a])->name, lo, hi, err[a], m,
                romcv_test_median(truths[a], n));
    }
    o->tilt_vs_truth_deg = frontal ? NAN : vs_truth[0];
    o->lordosis_vs_truth_deg = frontal ? NAN : vs_truth[1];
    o->truth_tilt_markers_deg = romcv_test_median(marker_tilt, n);
    o->truth_lordosis_markers_deg = romcv_test_median(marker_lordosis, n);
    o->tilt_error_deg = frontal ? NAN : err[0];
    o->lordosis_error_deg = frontal ? NAN : err[1];
    o->obliquity_error_deg = frontal ? err[2] : NAN;
    o->obliquity_estimate = res->channel[ROMCV_ANGLE_PELVIC_OBLIQUITY].is_estimate;
    o->tilt_estimate = res->channel[ROMCV_ANGLE_PELVIC_TILT].is_estimate;
    o->lordosis_estimate = res->channel[ROMCV_ANGLE_LUMBAR_LORDOSIS].is_estimate;
    for (int m = 0; m < ROMCV_MARKER_COUNT; m++) {
        fprintf(stderr, "%s: found in %d of %d visible frames\n", romcv_phantom_marker_name(m),
                o->found[m], o->visible[m]);
    }
    fprintf(stderr, "median centroid error %.3f px, %d wrong, %ld ambiguous frames\n",
            o->median_error_px, o->wrong, o->ambiguous);

    free(v);
    romcv_angle_results_destroy(&res);
    romcv_angle_results_destroy(&res_ideal);
    romcv_metrics_destroy(&metrics);
    for (int k = 0; k < ROMCV_METRICS_LANDMARKS; k++) {
        free(lx[k]);
        free(ly[k]);
    }
    for (int k = 0; k < ROMCV_MARKER_COUNT; k++) {
        free(mx[k]);
        free(my[k]);
        free(mv[k]);
        free(tx[k]);
        free(ty[k]);
        free(tv[k]);
    }
    free(time_s);
    free(hidden_at);
    free(errors);
    free(true_tilt);
    free(true_obliquity);
    free(true_lordosis);
    free(marker_tilt);
    free(marker_lordosis);
    romcv_marker_tracker_destroy(&tracker);
    romcv_marker_detector_destroy(&det);
    romcv_frame_unref(&frame);
    romcv_phantom_destroy(&ph);
}

static const Scenario side_balls = {
    .hide_marker = -1,
    .distractor_from = -1,
    .markers_kind = ROMCV_MARKERS_BALLS,
    .tilt = 18,
    .lordosis = 50,
    .duration_s = 2.0,
    .colour = "green",
};

/* The limb markers of the near (right) side in the side view, of both in
 * a front view: found in rate of the frames the truth calls detectable. */
static void assert_limbs_found(const Outcome *o, int both_sides, double rate) {
    for (int k = ROMCV_MARKER_TROCHANTER_LEFT; k < ROMCV_MARKER_COUNT; k++) {
        int right = (k - ROMCV_MARKER_TROCHANTER_LEFT) & 1;
        if (!both_sides && !right) {
            continue;
        }
        ck_assert_msg(o->visible[k] > 0, "%s never visible", romcv_phantom_marker_name(k));
        ck_assert_msg(o->found[k] >= rate * o->visible[k], "%s found in %d of %d frames",
                      romcv_phantom_marker_name(k), o->found[k], o->visible[k]);
    }
}

static void assert_found(const Outcome *o, double rate) {
    for (size_t k = 0; k < sizeof pelvic_markers / sizeof pelvic_markers[0]; k++) {
        int m = pelvic_markers[k];
        ck_assert_msg(o->visible[m] > 0, "%s never visible", romcv_phantom_marker_name(m));
        ck_assert_msg(o->found[m] >= rate * o->visible[m], "%s found in %d of %d frames",
                      romcv_phantom_marker_name(m), o->found[m], o->visible[m]);
    }
}

/* A phone on a tripod in portrait, 1080 x 1920, 2.3 m away (40 deg across,
 * 66 deg along its long side), as a clinician films a standing posture: the
 * body fills 1200 px, the balls are 9 px across and the lumbar chords 30-37
 * px. The angles are judged against the phantom's marker angles in 3D
 * (truth.angles.pelvic_tilt_markers, lumbar_lordosis_markers), so the
 * camera's perspective counts. Measured (docs/markers.md, 1 s): median
 * centroid error 0.12 px, tilt 0.73 deg (0.27 of it the detector's, the
 * rest perspective: the near ASIS is 8 cm nearer the camera than the near
 * PSIS), lordosis 0.22 deg. */
START_TEST(side_view_balls_found_and_measured) {
    Scenario sc = side_balls;
    sc.width = 1080;
    sc.height = 1920;
    sc.hfov_deg = 40;
    sc.camera_distance_m = 2.3;
    sc.duration_s = 0.5;
    Outcome o;
    run_scenario(&sc, &o);
    assert_found(&o, 0.99);
    ck_assert_int_eq(o.wrong, 0);
    ck_assert_msg(o.median_error_px <= 0.5, "median centroid error %.3f px", o.median_error_px);
    ck_assert_msg(o.tilt_vs_truth_deg <= 1.0, "pelvic tilt off by %.2f deg", o.tilt_vs_truth_deg);
    ck_assert_msg(o.lordosis_vs_truth_deg <= 1.0, "lordosis off by %.2f deg",
                  o.lordosis_vs_truth_deg);
    ck_assert_msg(!o.tilt_estimate && !o.lordosis_estimate, "marker values flagged as estimates");
    ck_assert_int_eq(o.ambiguous, 0);
}
END_TEST

/* The phantom's default 640 x 480, 50 deg: the whole body in 400 px, the
 * lumbar chords 10-12 px. Tilt still holds 1 deg; lordosis reads 1.1 deg off
 * (docs/markers.md: film the spine from closer or at 1080p), bounded here
 * at 2 so that a regression in the centroids shows. */
START_TEST(side_view_balls_at_640x480) {
    Scenario sc = side_balls;
    sc.duration_s = 1.0;
    Outcome o;
    run_scenario(&sc, &o);
    assert_found(&o, 0.99);
    ck_assert_int_eq(o.wrong, 0);
    ck_assert_msg(o.median_error_px <= 0.25, "median centroid error %.3f px", o.median_error_px);
    ck_assert_msg(o.tilt_vs_truth_deg <= 1.0, "pelvic tilt off by %.2f deg", o.tilt_vs_truth_deg);
    ck_assert_msg(o.lordosis_vs_truth_deg <= 2.0, "lordosis off by %.2f deg",
                  o.lordosis_vs_truth_deg);
    /* The limb markers (wrong counts them too: none more than 2 px off). */
    assert_limbs_found(&o, 0, 0.99);
}
END_TEST

/* A spot of the markers' colour 0.2 H behind the right knee's landmark,
 * outside the knee's 0.1 H gate, from the first frame: not named, and the
 * knee marker is. */
START_TEST(knee_distractor_outside_the_gate_not_named) {
    Scenario sc = side_balls;
    sc.duration_s = 0.5;
    sc.knee_spot_h = 0.2;
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.wrong, 0);
    assert_limbs_found(&o, 0, 0.99);
    ck_assert_int_eq(o.ambiguous, 0);
}
END_TEST

/* The spot 0.07 H behind the landmark, inside the gate with the knee
 * marker (on the landmark, its 0.1 H lateral offset being depth here):
 * two candidates, so the knee is not named, and every frame is counted
 * ambiguous; the other markers are unaffected. */
START_TEST(two_spots_in_the_knee_gate_are_ambiguous) {
    Scenario sc = side_balls;
    sc.duration_s = 0.5;
    sc.knee_spot_h = 0.07;
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.wrong, 0);
    ck_assert_int_eq(o.found[ROMCV_MARKER_KNEE_RIGHT], 0);
    ck_assert_int_eq(o.ambiguous, o.frames);
    assert_found(&o, 0.99);
    ck_assert_int_ge(o.found[ROMCV_MARKER_MALLEOLUS_RIGHT],
                     0.99 * o.visible[ROMCV_MARKER_MALLEOLUS_RIGHT]);
}
END_TEST

/* S1 sits 7 px from the PSIS in this view: hidden for 10 frames (a third of
 * a second), it must come back as S1, and the PSIS must not take its name. */
START_TEST(occluded_marker_keeps_its_label) {
    Scenario sc = side_balls;
    sc.duration_s = 1.5;
    sc.hide_marker = ROMCV_PM_S1;
    sc.hide_from = 15;
    sc.hide_to = 24;
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.hidden_reported, 0);
    ck_assert_int_eq(o.wrong, 0);
    ck_assert_int_gt(o.after_hide, 10);
    ck_assert_msg(o.after_hide_ok == o.after_hide, "S1 back in %d of %d frames", o.after_hide_ok,
                  o.after_hide);
    assert_found(&o, 0.99);
}
END_TEST

/* Hidden for longer than the 0.5 s of coasting: found again from where it
 * sat on the body. */
START_TEST(long_occlusion_found_again_on_the_body) {
    Scenario sc = side_balls;
    sc.duration_s = 1.7;
    sc.hide_marker = ROMCV_PM_L3;
    sc.hide_from = 5;
    sc.hide_to = 30; /* 0.87 s */
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.hidden_reported, 0);
    ck_assert_int_eq(o.wrong, 0);
    ck_assert_int_gt(o.after_hide, 10);
    ck_assert_int_eq(o.after_hide_ok, o.after_hide);
}
END_TEST

/* Same-coloured blobs appear after the markers are named: one on the wall,
 * one 14 px behind the back at S1's height, inside the pelvic band. Neither
 * takes a label, not even S1's while S1 itself is hidden for 10 frames. */
START_TEST(distractor_does_not_steal_a_label) {
    Scenario sc = side_balls;
    sc.duration_s = 1.5;
    sc.distractor_from = 5;
    sc.distractor_near = 1;
    sc.hide_marker = ROMCV_PM_S1;
    sc.hide_from = 15;
    sc.hide_to = 24;
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.wrong, 0);
    ck_assert_int_eq(o.hidden_reported, 0);
    assert_found(&o, 0.99);
}
END_TEST

/* A fifth posterior blob from the first frame: the arrangement cannot be
 * named, so nothing is (never guessed), and every frame is counted. */
START_TEST(ambiguous_arrangement_is_reported_not_guessed) {
    Scenario sc = side_balls;
    sc.duration_s = 0.2;
    sc.distractor_from = 0;
    sc.distractor_near = 1;
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.ambiguous, o.frames);
    for (int k = 0; k < ROMCV_MARKER_PELVIC_COUNT; k++) {
        ck_assert_int_eq(o.found[k], 0);
    }
    /* The limb markers are named from their own landmarks, not from the
     * pelvic arrangement, so they are unaffected (and right). */
    ck_assert_int_eq(o.wrong, 0);
    ck_assert_int_gt(o.found[ROMCV_MARKER_KNEE_RIGHT], 0);
}
END_TEST

/* Front view: both ASIS named by side (left on the image's right), the
 * trochanter and knee markers below them named as such, not as ASIS, through a planted 8 deg
 * pelvic drop; obliquity measured on them, not estimated. */
START_TEST(front_view_asis_named_by_side) {
    Scenario sc = side_balls;
    sc.front = 1;
    sc.duration_s = 2.5; /* both feet, the lift, the drop held */
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.wrong, 0);
    for (int m = ROMCV_PM_LEFT_ASIS; m <= ROMCV_PM_RIGHT_ASIS; m++) {
        ck_assert_msg(o.visible[m] > 0 && o.found[m] >= 0.99 * o.visible[m],
                      "%s found in %d of %d frames", romcv_phantom_marker_name(m), o.found[m],
                      o.visible[m]);
    }
    ck_assert_msg(o.obliquity_error_deg <= 0.5, "obliquity off by %.2f deg", o.obliquity_error_deg);
    ck_assert(!o.obliquity_estimate);
    /* Trochanters, knees and malleoli of both sides, by side. */
    assert_limbs_found(&o, 1, 0.99);
    /* The drop (8 deg planted, docs/phantom.md) is on its way by the clip's
     * end: the true centres' obliquity moves 5.4 deg, the detected must too. */
    ck_assert_msg(o.obliquity_true_range_deg > 4 &&
                      fabs(o.obliquity_range_deg - o.obliquity_true_range_deg) < 0.5,
                  "obliquity moved %.2f deg, on the true centres %.2f deg", o.obliquity_range_deg,
                  o.obliquity_true_range_deg);
    ck_assert_int_eq(o.ambiguous, 0);
}
END_TEST

/* From behind: both PSIS by side, 0.09 H from the midline, and the three
 * spinous processes on it; obliquity measured on the PSIS. */
START_TEST(back_view_psis_and_spine_named) {
    Scenario sc = side_balls;
    sc.back = 1;
    sc.duration_s = 1.0;
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.wrong, 0);
    static const int seen_from_behind[] = {ROMCV_PM_LEFT_PSIS, ROMCV_PM_RIGHT_PSIS, ROMCV_PM_T12,
                                           ROMCV_PM_L3, ROMCV_PM_S1};
    for (size_t k = 0; k < sizeof seen_from_behind / sizeof seen_from_behind[0]; k++) {
        int m = seen_from_behind[k];
        ck_assert_msg(o.visible[m] > 0 && o.found[m] >= 0.99 * o.visible[m],
                      "%s found in %d of %d frames", romcv_phantom_marker_name(m), o.found[m],
                      o.visible[m]);
    }
    ck_assert_msg(o.obliquity_error_deg <= 0.5, "obliquity off by %.2f deg", o.obliquity_error_deg);
    ck_assert(!o.obliquity_estimate);
}
END_TEST

/* The same fifth blob with a labelling file: the hinted markers are named
 * from it, and followed from there. */
START_TEST(hints_name_what_the_arrangement_cannot) {
    Scenario sc = side_balls;
    sc.duration_s = 0.5;
    sc.distractor_from = 0;
    sc.distractor_near = 1;
    sc.hints = 1;
    Outcome o;
    run_scenario(&sc, &o);
    ck_assert_int_eq(o.wrong, 0);
    assert_found(&o, 0.99);
}
END_TEST

START_TEST(labelling_file_read_and_checked) {
    char *dir = romcv_test_make_tmpdir();
    char *path = romcv_test_path(dir, "labels.json");
    const char *good = "{\"asis_right\": [342.5, 217], \"s1\": [300, 198.75]}";
    romcv_test_write_file(path, good, strlen(good));
    float x[ROMCV_MARKER_LABELS], y[ROMCV_MARKER_LABELS];
    RomcvDiag diag = {0};
    ck_assert_msg(romcv_marker_hints_load(path, x, y, &diag) == 0, "%s", diag.message);
    ck_assert(x[ROMCV_MARKER_ASIS_RIGHT] == 342.5f && y[ROMCV_MARKER_ASIS_RIGHT] == 217.0f);
    ck_assert(x[ROMCV_MARKER_S1] == 300.0f && y[ROMCV_MARKER_S1] == 198.75f);
    ck_assert(isnan(x[ROMCV_MARKER_T12]) && isnan(y[ROMCV_MARKER_PSIS_LEFT]));
    const char *bad[] = {"{\"asis_right\": [1, 2],\n \"navel\": [3, 4]}", "{\"t12\": [1]}",
                         "[1, 2]", "{\"l3\": [1, \"2\"]}", "{"};
    const char *why[] = {":2:", "t12", "object", "l3", "labels.json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        romcv_test_write_file(path, bad[i], strlen(bad[i]));
        diag.message[0] = '\0';
        ck_assert_msg(romcv_marker_hints_load(path, x, y, &diag) < 0, "%s accepted", bad[i]);
        ck_assert_msg(strstr(diag.message, why[i]) && !strchr(diag.message, '\n'), "'%s': %s",
                      bad[i], diag.message);
    }
    free(path);
    romcv_test_remove_tmpdir(dir);
}
END_TEST

/* auto: the markers' colour is found (the phantom's green is 133 deg) and
 * the wall's distractor does not change it. */
START_TEST(auto_colour_finds_the_markers) {
    Scenario sc = side_balls;
    sc.duration_s = 0.5;
    sc.colour = "auto";
    Outcome o;
    run_scenario(&sc, &o);
    assert_found(&o, 0.9);
    ck_assert_int_eq(o.wrong, 0);
    RomcvPhantomSettings ps;
    romcv_phantom_default_settings(&ps, ROMCV_PROTOCOL_STANDING_POSTURE);
    ps.duration_s = 0.2;
    ps.marker_rgb = GREEN;
    RomcvPhantom *ph = NULL;
    ck_assert_int_eq(romcv_phantom_create(&ph, &ps, NULL), 0);
    RomcvFrame *frame = NULL;
    ck_assert_int_eq(romcv_frame_create(&frame, ps.width, ps.height, ROMCV_PIX_RGB24), 0);
    RomcvMarkerDetector *d = detector_for("auto");
    RomcvMarkerDetection det[MAX_DET];
    for (int i = 0; i < 3; i++) {
        int n = 0;
        ck_assert_int_eq(romcv_phantom_render(ph, i, frame, NULL), 0);
        ck_assert_int_eq(romcv_marker_detector_detect(d, frame, det, MAX_DET, &n), 0);
    }
    float lo, hi;
    int locked = 0;
    romcv_marker_detector_colour(d, &lo, &hi, &locked);
    ck_assert_msg(locked && lo < 133 && hi > 133, "auto chose %.0f-%.0f (locked %d)", lo, hi,
                  locked);
    romcv_marker_detector_destroy(&d);
    romcv_frame_unref(&frame);
    romcv_phantom_destroy(&ph);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("markers");
    TCase *c = tcase_create("detect");
    tcase_add_test(c, colour_names_and_ranges);
    tcase_add_test(c, discs_subpixel_and_shape_checks);
    tcase_add_test(c, area_sampled_discs_centred);
    tcase_add_test(c, ball_behind_another_gives_the_front_centre);
    tcase_add_test(c, bad_settings_refused);
    tcase_add_test(c, red_wraps_through_zero);
    tcase_add_test(c, bridge_region_measures);
    suite_add_tcase(s, c);
    TCase *p = tcase_create("phantom");
    tcase_set_timeout(p, 240); /* the sanitised build renders slowly */
    tcase_add_test(p, side_view_balls_found_and_measured);
    tcase_add_test(p, side_view_balls_at_640x480);
    tcase_add_test(p, occluded_marker_keeps_its_label);
    tcase_add_test(p, long_occlusion_found_again_on_the_body);
    tcase_add_test(p, distractor_does_not_steal_a_label);
    tcase_add_test(p, ambiguous_arrangement_is_reported_not_guessed);
    tcase_add_test(p, auto_colour_finds_the_markers);
    tcase_add_test(p, front_view_asis_named_by_side);
    tcase_add_test(p, hints_name_what_the_arrangement_cannot);
    tcase_add_test(p, back_view_psis_and_spine_named);
    tcase_add_test(p, knee_distractor_outside_the_gate_not_named);
    tcase_add_test(p, two_spots_in_the_knee_gate_are_ambiguous);
    tcase_add_test(c, labelling_file_read_and_checked);
    suite_add_tcase(s, p);
    return s;
}

int main(void) {
    return romcv_test_main(suite());
}
