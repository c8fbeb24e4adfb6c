/*
 * samples/truth_json.c: the phantom's truth as JSON (clip.truth.json), one
 * object per frame; docs/phantom.md describes the schema and the angle
 * definitions. Written with core/json.h's streaming writer, so numbers are
 * exact (shortest round-trip form) whatever the locale.
 */
#include "core/json.h"
#include "samples/internal.h"

#include <stdlib.h>

typedef struct TruthWriter {
    RomcvJsonWriter *w;
} TruthWriter;

static void key_number(RomcvJsonWriter *w, const char *key, double v) {
    romcv__json_write_key(w, key);
    romcv__json_write_number(w, v); /* NaN (not applicable) becomes null */
}

static void key_array(RomcvJsonWriter *w, const char *key, const double *v, int n) {
    romcv__json_write_key(w, key);
    romcv__json_write_begin_array(w);
    for (int i = 0; i < n; i++) {
        romcv__json_write_number(w, v[i]);
    }
    romcv__json_write_end_array(w);
}

static const char *side_name(RomcvSide side) {
    return side == ROMCV_SIDE_LEFT ? "left" : side == ROMCV_SIDE_RIGHT ? "right" : "none";
}

static const char *marker_kind_name(RomcvMarkerKind kind) {
    return kind == ROMCV_MARKERS_STICKERS ? "stickers"
           : kind == ROMCV_MARKERS_BALLS  ? "balls"
                                          : "none";
}

static void write_camera(RomcvJsonWriter *w, const RomcvPhantomCameraTruth *c) {
    romcv__json_write_begin_object(w);
    key_number(w, "fx", c->fx);
    key_number(w, "fy", c->fy);
    key_number(w, "cx", c->cx);
    key_number(w, "cy", c->cy);
    double dist[5] = {c->k1, c->k2, c->p1, c->p2, c->k3};
    key_array(w, "distortion_k1_k2_p1_p2_k3", dist, 5);
    key_array(w, "rotation_world_to_camera", c->rotation, 9);
    key_array(w, "position", c->position, 3);
    key_number(w, "width", c->width);
    key_number(w, "height", c->height);
    romcv__json_write_end_object(w);
}

int romcv__truth_json_begin(void **writer, FILE *file, const RomcvPhantom *ph, const char *codec) {
    *writer = NULL;
    TruthWriter *tw = calloc(1, sizeof *tw);
    if (!tw) {
        return ROMCV_ERR(ENOMEM);
    }
    int rc = romcv__json_writer_create(&tw->w, file, 0);
    if (rc < 0) {
        free(tw);
        return rc;
    }
    const RomcvPhantomSettings *s = &ph->settings;
    RomcvJsonWriter *w = tw->w;
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "format");
    romcv__json_write_string(w, "romcv-phantom-truth");
    key_number(w, "version", 1);
    romcv__json_write_key(w, "romcv_version");
    romcv__json_write_string(w, romcv_version());
    romcv__json_write_key(w, "protocol");
    romcv__json_write_string(w, romcv_protocol_name(s->protocol));
    romcv__json_write_key(w, "codec");
    romcv__json_write_string(w, codec ? codec : "");
    romcv__json_write_key(w, "conventions");
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "world");
    romcv__json_write_string(w, "metres; origin on the floor; +Y up; neutral subject faces +Z; "
                                "+X is the subject's left");
    romcv__json_write_key(w, "camera");
    romcv__json_write_string(w, "x_c = R (x_w - position); x right, y down, z forward (OpenCV)");
    romcv__json_write_key(w, "image");
    romcv__json_write_string(w, "pixels from the top-left corner of the image: pixel (i, j) has "
                                "its centre at (i + 0.5, j + 0.5); subtract 0.5 for OpenCV's "
                                "convention; includes the lens distortion");
    romcv__json_write_key(w, "angles");
    romcv__json_write_string(w, "degrees, defined in docs/phantom.md; null when not applicable");
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "video");
    romcv__json_write_begin_object(w);
    key_number(w, "width", s->width);
    key_number(w, "height", s->height);
    key_number(w, "fps_num", s->fps_num);
    key_number(w, "fps_den", s->fps_den);
    key_number(w, "frames", (double)ph->frame_count);
    double tb[2] = {s->fps_den, s->fps_num};
    key_array(w, "time_base", tb, 2);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "settings");
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "seed");
    romcv__json_write_int64(w, (int64_t)s->seed);
    key_number(w, "duration_s", s->duration_s);
    key_number(w, "body_height_m", s->body_height_m);
    key_number(w, "build", s->build);
    key_number(w, "sway_deg", s->sway_deg);
    key_number(w, "marker_rgb", s->marker_rgb); /* 0: each marker its own colour */
    romcv__json_write_key(w, "markers");
    romcv__json_write_string(w, marker_kind_name(s->markers));
    const RomcvPhantomScript *sc = &s->script;
    key_number(w, "ir_deg", sc->ir_deg);
    key_number(w, "er_deg", sc->er_deg);
    key_number(w, "pelvic_lift_deg", sc->pelvic_lift_deg);
    romcv__json_write_key(w, "lift_side");
    romcv__json_write_string(w, side_name(sc->lift_side));
    key_number(w, "pelvic_tilt_deg", sc->pelvic_tilt_deg);
    key_number(w, "lordosis_deg", sc->lordosis_deg);
    key_number(w, "pelvic_drop_deg", sc->pelvic_drop_deg);
    romcv__json_write_key(w, "lifted_side");
    romcv__json_write_string(w, side_name(sc->lifted_side));
    key_number(w, "trunk_lateral_lean_deg", sc->trunk_lateral_lean_deg);
    key_number(w, "bend_deg", sc->bend_deg);
    key_number(w, "lumbar_fraction", sc->lumbar_fraction);
    key_number(w, "squat_knee_deg", sc->squat_knee_deg);
    key_number(w, "squat_posterior_tilt_deg", sc->squat_posterior_tilt_deg);
    key_number(w, "trunk_lean_deg", sc->trunk_lean_deg);
    key_number(w, "hold_s", sc->hold_s);
    key_number(w, "move_s", sc->move_s);
    key_number(w, "leg_raise_deg", sc->leg_raise_deg);
    key_number(w, "raise_posterior_tilt_deg", sc->raise_posterior_tilt_deg);
    key_number(w, "raise_pelvic_rotation_deg", sc->raise_pelvic_rotation_deg);
    key_number(w, "sts_weight_shift_deg", sc->sts_weight_shift_deg);
    key_number(w, "sts_repetitions", sc->sts_repetitions);
    romcv__json_write_key(w, "arms_at_sides");
    romcv__json_write_bool(w, sc->arms_at_sides);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "joint_names");
    romcv__json_write_begin_array(w);
    for (int i = 0; i < ROMCV_PHANTOM_JOINT_COUNT; i++) {
        romcv__json_write_string(w, romcv_phantom_joint_name(i));
    }
    romcv__json_write_end_array(w);
    romcv__json_write_key(w, "marker_names");
    romcv__json_write_begin_array(w);
    for (int i = 0; i < ROMCV_PM_COUNT; i++) {
        romcv__json_write_string(w, romcv_phantom_marker_name(i));
    }
    romcv__json_write_end_array(w);
    romcv__json_write_key(w, "frames");
    romcv__json_write_begin_array(w);
    *writer = tw;
    return 0;
}

static void write_point(RomcvJsonWriter *w, const RomcvPhantomPoint *p) {
    key_array(w, "world", p->world, 3);
    key_array(w, "image", p->image, 2);
    key_number(w, "depth", p->camera[2]);
    romcv__json_write_key(w, "in_image");
    romcv__json_write_bool(w, p->in_image);
}

void romcv__truth_json_frame(void *writer, const RomcvPhantomTruth *t) {
    RomcvJsonWriter *w = ((TruthWriter *)writer)->w;
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "index");
    romcv__json_write_int64(w, t->index);
    key_number(w, "time_s", t->time_s);
    romcv__json_write_key(w, "phase");
    romcv__json_write_string(w, t->phase);
    romcv__json_write_key(w, "side");
    romcv__json_write_string(w, side_name(t->side));
    romcv__json_write_key(w, "end_range");
    romcv__json_write_bool(w, t->end_range);
    romcv__json_write_key(w, "compensation");
    romcv__json_write_bool(w, t->compensation);
    const RomcvPhantomAngles *a = &t->angles;
    romcv__json_write_key(w, "angles");
    romcv__json_write_begin_object(w);
    key_number(w, "hip_rotation_left", a->hip_rotation_left);
    key_number(w, "hip_rotation_right", a->hip_rotation_right);
    key_number(w, "hip_rotation_anatomical_left", a->hip_rotation_anatomical_left);
    key_number(w, "hip_rotation_anatomical_right", a->hip_rotation_anatomical_right);
    key_number(w, "pelvic_obliquity", a->pelvic_obliquity);
    key_number(w, "pelvic_tilt", a->pelvic_tilt);
    key_number(w, "pelvic_tilt_markers", a->pelvic_tilt_markers);
    key_number(w, "pelvic_rotation", a->pelvic_rotation);
    key_number(w, "pelvic_drop", a->pelvic_drop);
    key_number(w, "lumbar_lordosis", a->lumbar_lordosis);
    key_number(w, "lumbar_lordosis_markers", a->lumbar_lordosis_markers);
    key_number(w, "thoracic_kyphosis", a->thoracic_kyphosis);
    key_number(w, "hip_flexion_left", a->hip_flexion_left);
    key_number(w, "hip_flexion_right", a->hip_flexion_right);
    key_number(w, "hip_flexion_2d_left", a->hip_flexion_2d_left);
    key_number(w, "hip_flexion_2d_right", a->hip_flexion_2d_right);
    key_number(w, "thigh_inclination_left", a->thigh_inclination_left);
    key_number(w, "thigh_inclination_right", a->thigh_inclination_right);
    key_number(w, "hip_abduction_left", a->hip_abduction_left);
    key_number(w, "hip_abduction_right", a->hip_abduction_right);
    key_number(w, "knee_flexion_left", a->knee_flexion_left);
    key_number(w, "knee_flexion_right", a->knee_flexion_right);
    key_number(w, "trunk_inclination", a->trunk_inclination);
    key_number(w, "trunk_lateral_lean", a->trunk_lateral_lean);
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "joints");
    romcv__json_write_begin_object(w);
    for (int i = 0; i < ROMCV_PHANTOM_JOINT_COUNT; i++) {
        if (!t->joint_present[i]) {
            continue;
        }
        romcv__json_write_key(w, romcv_phantom_joint_name(i));
        romcv__json_write_begin_object(w);
        write_point(w, &t->joints[i]);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "markers");
    romcv__json_write_begin_object(w);
    for (int m = 0; m < ROMCV_PM_COUNT; m++) {
        const RomcvPhantomMarkerTruth *mt = &t->markers[m];
        romcv__json_write_key(w, romcv_phantom_marker_name(m));
        romcv__json_write_begin_object(w);
        write_point(w, &mt->centre);
        key_array(w, "normal", mt->normal, 3);
        romcv__json_write_key(w, "present");
        romcv__json_write_bool(w, mt->present);
        romcv__json_write_key(w, "facing");
        romcv__json_write_bool(w, mt->facing);
        romcv__json_write_key(w, "occluded");
        romcv__json_write_bool(w, mt->occluded);
        romcv__json_write_key(w, "detectable");
        romcv__json_write_bool(w, mt->detectable);
        romcv__json_write_end_object(w);
    }
    romcv__json_write_end_object(w);
    romcv__json_write_key(w, "camera");
    write_camera(w, &t->camera);
    romcv__json_write_end_object(w);
}

int romcv__truth_json_end(void **writer, RomcvDiag *diag) {
    TruthWriter *tw = *writer;
    if (!tw) {
        return 0;
    }
    romcv__json_write_end_array(tw->w);
    romcv__json_write_end_object(tw->w);
    int rc = romcv__json_writer_finish(tw->w, diag);
    romcv__json_writer_destroy(&tw->w);
    free(tw);
    *writer = NULL;
    return rc;
}
