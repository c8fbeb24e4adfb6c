/* cli/cmd_phantom.c: romcv phantom, renders the digital phantom performing a
 * protocol into a video with its truth beside it (samples/, issue 6). */
#include "cli/cli.h"
#include "romcv/samples.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PROTOCOL_CHOICES                                                               \
    "seated-hip-rotation|prone-hip-rotation|standing-posture|single-leg-stance|squat|" \
    "forward-bend|leg-raise|sit-to-stand"

/* Options not given keep the protocol's defaults: doubles start as NaN,
 * ints as INT_MIN, strings as NULL. */
typedef struct PhantomArgs {
    const char *protocol, *out, *truth, *markers, *lift_side, *lifted_side;
    const char *marker_colour; /* --marker-colour: one colour for every marker */
    int no_truth, width, height, fps, seed, repetitions, arms_at_sides;
    double duration, body_height, build, sway;
    double cam_distance, cam_height, cam_azimuth, cam_pitch, cam_roll, fov, k1, k2;
    double ir, er, lift, tilt, lordosis, drop, lean, bend, lumbar_fraction, squat_knee,
        posterior_tilt, hold, move, leg_raise, pelvic_rotation, weight_shift;
} PhantomArgs;

static void set_d(double *dst, double v) {
    if (!isnan(v)) {
        *dst = v;
    }
}

static void set_i(int *dst, int v) {
    if (v != INT_MIN) {
        *dst = v;
    }
}

static RomcvSide side_of(const char *s) {
    return strcmp(s, "left") == 0 ? ROMCV_SIDE_LEFT : ROMCV_SIDE_RIGHT;
}

/* clip.mp4 -> clip.truth.json */
static int truth_path_for(const char *video, char *out, size_t size) {
    const char *slash = strrchr(video, '/');
    const char *dot = strrchr(video, '.');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - video) : strlen(video);
    int n = snprintf(out, size, "%.*s.truth.json", (int)stem, video);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

static int on_progress(void *cookie, int64_t done, int64_t total) {
    (void)done;
    (void)total;
    return romcv_cli_interrupted(cookie);
}

int romcv_cli_phantom(RomcvCliContext *ctx, int argc, char **argv) {
    PhantomArgs a = {.protocol = "seated-hip-rotation"};
    int *ints[] = {&a.width, &a.height, &a.fps, &a.seed, &a.repetitions};
    for (size_t i = 0; i < ROMCV_COUNT_OF(ints); i++) {
        *ints[i] = INT_MIN;
    }
    double *dbls[] = {&a.duration,
                      &a.body_height,
                      &a.build,
                      &a.sway,
                      &a.cam_distance,
                      &a.cam_height,
                      &a.cam_azimuth,
                      &a.cam_pitch,
                      &a.cam_roll,
                      &a.fov,
                      &a.k1,
                      &a.k2,
                      &a.ir,
                      &a.er,
                      &a.lift,
                      &a.tilt,
                      &a.lordosis,
                      &a.drop,
                      &a.lean,
                      &a.bend,
                      &a.lumbar_fraction,
                      &a.squat_knee,
                      &a.posterior_tilt,
                      &a.hold,
                      &a.move,
                      &a.leg_raise,
                      &a.pelvic_rotation,
                      &a.weight_shift};
    for (size_t i = 0; i < ROMCV_COUNT_OF(dbls); i++) {
        *dbls[i] = NAN;
    }
    RomcvOption options[] = {
        {"protocol", 'p', ROMCV_OPT_CHOICE, &a.protocol, 0, 0, PROTOCOL_CHOICES, "NAME",
         "the scripted movement (default seated-hip-rotation; see docs/phantom.md)"},
        {"out", 'o', ROMCV_OPT_STRING, &a.out, 0, 0, NULL, "FILE",
         "the video to write (.mp4, .mkv, .mov): H.264 via FFmpeg"},
        {"truth", 0, ROMCV_OPT_STRING, &a.truth, 0, 0, NULL, "FILE",
         "the truth JSON (default: the video's name with .truth.json)"},
        {"no-truth", 0, ROMCV_OPT_FLAG, &a.no_truth, 0, 0, NULL, NULL, "write the video only"},
        {"width", 0, ROMCV_OPT_INT, &a.width, 64, 4096, NULL, "PX", "frame width (default 640)"},
        {"height", 0, ROMCV_OPT_INT, &a.height, 64, 4096, NULL, "PX", "frame height (default 480)"},
        {"fps", 0, ROMCV_OPT_INT, &a.fps, 1, 240, NULL, "RATE", "frames per second (default 30)"},
        {"duration", 0, ROMCV_OPT_DOUBLE, &a.duration, 0.1, 3600, NULL, "SECONDS",
         "clip length (default: the protocol's script)"},
        {"seed", 0, ROMCV_OPT_INT, &a.seed, 0, INT_MAX, NULL, "N",
         "postural sway seed (default 1): same seed, same pixels"},
        {"body-height", 0, ROMCV_OPT_DOUBLE, &a.body_height, 1.0, 2.3, NULL, "M",
         "standing height (default 1.75)"},
        {"build", 0, ROMCV_OPT_DOUBLE, &a.build, 0.6, 1.6, NULL, "F",
         "girth: 0.8 slim, 1 average, 1.3 heavy"},
        {"sway", 0, ROMCV_OPT_DOUBLE, &a.sway, 0, 5, NULL, "DEG",
         "postural sway amplitude (default 0.3)"},
        {"markers", 'm', ROMCV_OPT_CHOICE, &a.markers, 0, 0, "none|stickers|balls|aruco", "KIND",
         "skin markers (default: balls in side views, none in front views); aruco: printed "
         "squares, ids as `romcv markers-sheet` prints them (docs/markers.md)"},
        {"marker-colour", 0, ROMCV_OPT_CHOICE, &a.marker_colour, 0, 0,
         "own|green|magenta|yellow|cyan|red", "COLOUR",
         "every marker in one colour, as one pack of stickers (default own: each marker in "
         "its own colour)"},
        {"camera-distance", 0, ROMCV_OPT_DOUBLE, &a.cam_distance, 0.5, 50, NULL, "M",
         "camera to the subject's axis"},
        {"camera-height", 0, ROMCV_OPT_DOUBLE, &a.cam_height, 0, 5, NULL, "M",
         "camera above the floor"},
        {"camera-azimuth", 0, ROMCV_OPT_DOUBLE, &a.cam_azimuth, -180, 180, NULL, "DEG",
         "camera moved around the subject from the protocol's view"},
        {"camera-pitch", 0, ROMCV_OPT_DOUBLE, &a.cam_pitch, -60, 60, NULL, "DEG",
         "downward tilt (default: aimed at the body)"},
        {"camera-roll", 0, ROMCV_OPT_DOUBLE, &a.cam_roll, -45, 45, NULL, "DEG", "image roll"},
        {"fov", 0, ROMCV_OPT_DOUBLE, &a.fov, 10, 150, NULL, "DEG",
         "horizontal field of view (default 50)"},
        {"k1", 0, ROMCV_OPT_DOUBLE, &a.k1, -1, 1, NULL, "K", "radial distortion (OpenCV k1)"},
        {"k2", 0, ROMCV_OPT_DOUBLE, &a.k2, -1, 1, NULL, "K", "radial distortion (OpenCV k2)"},
        {"ir", 0, ROMCV_OPT_DOUBLE, &a.ir, 0, 80, NULL, "DEG",
         "seated/prone: internal rotation end range (default 35)"},
        {"er", 0, ROMCV_OPT_DOUBLE, &a.er, 0, 80, NULL, "DEG",
         "seated/prone: external rotation end range (default 35)"},
        {"pelvic-lift", 0, ROMCV_OPT_DOUBLE, &a.lift, 0, 30, NULL, "DEG",
         "seated/prone: plant a pelvic lift of this size during --lift-side's rotations"},
        {"lift-side", 0, ROMCV_OPT_CHOICE, &a.lift_side, 0, 0, "left|right", "SIDE",
         "seated/prone: the side whose rotations lift the pelvis; leg raise: the raise that "
         "carries the planted compensation (default right)"},
        {"hold", 0, ROMCV_OPT_DOUBLE, &a.hold, 0, 60, NULL, "SECONDS",
         "rotation tests, leg raise, sit-to-stand: each hold (default 1)"},
        {"move", 0, ROMCV_OPT_DOUBLE, &a.move, 0.1, 30, NULL, "SECONDS",
         "rotation tests, leg raise, sit-to-stand: each movement (default 1.5; leg raise 2)"},
        {"tilt", 0, ROMCV_OPT_DOUBLE, &a.tilt, -30, 45, NULL, "DEG",
         "standing pelvic tilt, ASIS-PSIS, anterior + (default 12)"},
        {"lordosis", 0, ROMCV_OPT_DOUBLE, &a.lordosis, -20, 90, NULL, "DEG",
         "standing lumbar lordosis, T12-S1 tangents (default 40)"},
        {"drop", 0, ROMCV_OPT_DOUBLE, &a.drop, -20, 30, NULL, "DEG",
         "single-leg stance: pelvic drop of the lifted side (default 8)"},
        {"lifted-side", 0, ROMCV_OPT_CHOICE, &a.lifted_side, 0, 0, "left|right", "SIDE",
         "single-leg stance: the lifted leg (default right)"},
        {"trunk-lean", 0, ROMCV_OPT_DOUBLE, &a.lean, -30, 30, NULL, "DEG",
         "single-leg stance: lean toward the stance side; squat, sit-to-stand: extra forward "
         "lean"},
        {"bend", 0, ROMCV_OPT_DOUBLE, &a.bend, 0, 120, NULL, "DEG",
         "forward bend: total trunk flexion (default 80)"},
        {"lumbar-fraction", 0, ROMCV_OPT_DOUBLE, &a.lumbar_fraction, 0, 1, NULL, "F",
         "forward bend: share from the lumbar spine (default 0.4; 0.7 plants lumbar dominance)"},
        {"squat-knee", 0, ROMCV_OPT_DOUBLE, &a.squat_knee, 0, 150, NULL, "DEG",
         "squat: deepest knee flexion (default 110)"},
        {"posterior-tilt", 0, ROMCV_OPT_DOUBLE, &a.posterior_tilt, 0, 40, NULL, "DEG",
         "squat: plant a posterior pelvic tilt at the bottom; leg raise: during the raise"},
        {"leg-raise", 0, ROMCV_OPT_DOUBLE, &a.leg_raise, 0, 120, NULL, "DEG",
         "leg raise: peak hip flexion of the raised leg (default 70)"},
        {"pelvic-rotation", 0, ROMCV_OPT_DOUBLE, &a.pelvic_rotation, -30, 30, NULL, "DEG",
         "leg raise: plant a pelvic roll, + toward the raised leg (the other hip lifts)"},
        {"arms-at-sides", 0, ROMCV_OPT_FLAG, &a.arms_at_sides, 0, 0, NULL, NULL,
         "leg raise: arms along the sides (default: folded on the chest)"},
        {"repetitions", 0, ROMCV_OPT_INT, &a.repetitions, 1, 20, NULL, "N",
         "sit-to-stand: rises (default 3)"},
        {"weight-shift", 0, ROMCV_OPT_DOUBLE, &a.weight_shift, -30, 30, NULL, "DEG",
         "sit-to-stand: plant a lateral trunk lean while rising, toward the left + (front view: "
         "--camera-azimuth 90)"},
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    RomcvCommandLine line = {"romcv phantom", options, ROMCV_COUNT_OF(options), NULL, 0, 0,
                             false,           ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, "romcv phantom --protocol NAME [options] --out clip.mp4",
        "Renders the digital phantom, a human-looking body performing a protocol with exactly\n"
        "known angles, into a video and writes the truth of every frame beside it\n"
        "(clip.truth.json: joint angles, joint and marker centres in 3D and in the image,\n"
        "marker visibility, the camera). docs/phantom.md defines every angle.");
    if (rc >= 0) {
        return rc;
    }
    if (!a.out) {
        fprintf(stderr, "romcv phantom: where to? (--out clip.mp4)\n");
        return ROMCV_EXIT_USAGE;
    }
    romcv_cli_setup_logger(ctx);
    RomcvPhantomSettings s;
    romcv_phantom_default_settings(&s, (RomcvProtocol)romcv_protocol_from_name(a.protocol));
    set_i(&s.width, a.width);
    set_i(&s.height, a.height);
    set_i(&s.fps_num, a.fps);
    if (a.seed != INT_MIN) {
        s.seed = (uint64_t)a.seed;
    }
    set_d(&s.duration_s, a.duration);
    set_d(&s.body_height_m, a.body_height);
    set_d(&s.build, a.build);
    set_d(&s.sway_deg, a.sway);
    if (a.markers) {
        s.markers = strcmp(a.markers, "balls") == 0      ? ROMCV_MARKERS_BALLS
                    : strcmp(a.markers, "stickers") == 0 ? ROMCV_MARKERS_STICKERS
                    : strcmp(a.markers, "aruco") == 0    ? ROMCV_MARKERS_ARUCO
                                                         : ROMCV_MARKERS_NONE;
    }
    if (a.marker_colour) {
        /* The phantom's own marker colours (samples/render.c), one for all. */
        static const struct {
            const char *name;
            uint32_t rgb;
        } colours[] = {{"green", 0x1edc3c}, {"magenta", 0xe628c8}, {"yellow", 0xfae614},
                       {"cyan", 0x14dcf0},  {"red", 0xfa3c1e},     {"own", 0}};
        for (size_t i = 0; i < sizeof colours / sizeof colours[0]; i++) {
            if (strcmp(a.marker_colour, colours[i].name) == 0) {
                s.marker_rgb = colours[i].rgb;
            }
        }
    }
    set_d(&s.camera.distance_m, a.cam_distance);
    set_d(&s.camera.height_m, a.cam_height);
    set_d(&s.camera.azimuth_deg, a.cam_azimuth);
    set_d(&s.camera.pitch_deg, a.cam_pitch);
    set_d(&s.camera.roll_deg, a.cam_roll);
    set_d(&s.camera.hfov_deg, a.fov);
    set_d(&s.camera.k1, a.k1);
    set_d(&s.camera.k2, a.k2);
    RomcvPhantomScript *sc = &s.script;
    set_d(&sc->ir_deg, a.ir);
    set_d(&sc->er_deg, a.er);
    set_d(&sc->pelvic_lift_deg, a.lift);
    if (!isnan(a.lift) && a.lift > 0) {
        sc->lift_side = a.lift_side ? side_of(a.lift_side) : ROMCV_SIDE_RIGHT;
    }
    set_d(&sc->pelvic_tilt_deg, a.tilt);
    set_d(&sc->lordosis_deg, a.lordosis);
    set_d(&sc->pelvic_drop_deg, a.drop);
    if (a.lifted_side) {
        sc->lifted_side = side_of(a.lifted_side);
    }
    set_d(&sc->trunk_lateral_lean_deg, a.lean);
    set_d(&sc->trunk_lean_deg, a.lean);
    set_d(&sc->bend_deg, a.bend);
    set_d(&sc->lumbar_fraction, a.lumbar_fraction);
    set_d(&sc->squat_knee_deg, a.squat_knee);
    set_d(&sc->squat_posterior_tilt_deg, a.posterior_tilt);
    set_d(&sc->raise_posterior_tilt_deg, a.posterior_tilt);
    set_d(&sc->hold_s, a.hold);
    set_d(&sc->move_s, a.move);
    set_d(&sc->leg_raise_deg, a.leg_raise);
    set_d(&sc->raise_pelvic_rotation_deg, a.pelvic_rotation);
    set_d(&sc->sts_weight_shift_deg, a.weight_shift);
    set_i(&sc->sts_repetitions, a.repetitions);
    sc->arms_at_sides = a.arms_at_sides;
    /* A leg-raise compensation is planted on one raise, the right unless
     * --lift-side names the other. */
    int raise_comp = (!isnan(a.posterior_tilt) && a.posterior_tilt > 0) ||
                     (!isnan(a.pelvic_rotation) && a.pelvic_rotation != 0);
    if (s.protocol == ROMCV_PROTOCOL_LEG_RAISE && raise_comp) {
        sc->lift_side = a.lift_side ? side_of(a.lift_side) : ROMCV_SIDE_RIGHT;
    }

    char truth[4096];
    const char *truth_path = NULL;
    if (!a.no_truth) {
        if (a.truth) {
            truth_path = a.truth;
        } else if (truth_path_for(a.out, truth, sizeof truth) == 0) {
            truth_path = truth;
        } else {
            fprintf(stderr, "romcv phantom: %s: path too long\n", a.out);
            return ROMCV_EXIT_USAGE;
        }
    }
    RomcvCliInterrupt watch;
    romcv_cli_interrupt_start(&watch);
    RomcvDiag diag = {0};
    char codec[32] = "";
    rc = romcv_phantom_write_clip(&s, a.out, truth_path, on_progress, &watch, codec, &diag);
    romcv_cli_interrupt_stop(&watch);
    if (rc == ROMCV_E_INTERRUPTED) {
        fprintf(stderr, "romcv phantom: interrupted; nothing written\n");
        return ROMCV_EXIT_INTERRUPTED;
    }
    if (rc < 0) {
        return romcv_cli_fail("romcv phantom", &diag);
    }
    if (!ctx->common.quiet) {
        printf("%s: %s, %dx%d at %d/%d fps, %s%s%s\n", a.out, a.protocol, s.width, s.height,
               s.fps_num, s.fps_den, codec, truth_path ? "; truth: " : "",
               truth_path ? truth_path : "");
    }
    return EXIT_SUCCESS;
}
