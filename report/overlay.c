/*
 * report/overlay.c: one frame's results drawn onto the frame (romcv/annotate.h).
 *
 * The geometry is worked out here, in C, as a list of shapes; the pixels are
 * OpenCV's anti-aliased drawing through one call to the bridge
 * (vision/cv_bridge.h). The list lives on the stack and has a fixed bound,
 * so a frame costs no allocation and the function keeps no state: a live
 * camera can call it per frame from any thread.
 */
#include "romcv/annotate.h"
#include "vision/cv_bridge.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Upper bound of shapes in one frame: 35 connections, 33 dots, 15 angles at
 * 7 shapes each, 15 legend lines at 4, banners and the stamp, 16 markers at
 * 5; with room. */
#define MAX_SHAPES 448
/* Text drawn in one frame: value labels, legend lines, stamp, "+N more". */
#define MAX_TEXTS   40
#define TEXT_SIZE   80
#define DEG_PER_RAD 57.29577951308232

/* MediaPipe Pose's connections (the BlazePose topology): face, arms and
 * hands, torso, legs and feet. */
static const unsigned char connections[][2] = {
    {0, 1},   {1, 2},   {2, 3},   {3, 7},   {0, 4},   {4, 5},   {5, 6},   {6, 8},   {9, 10},
    {11, 12}, {11, 13}, {13, 15}, {15, 17}, {15, 19}, {15, 21}, {17, 19}, {12, 14}, {14, 16},
    {16, 18}, {16, 20}, {16, 22}, {18, 20}, {11, 23}, {12, 24}, {23, 24}, {23, 25}, {24, 26},
    {25, 27}, {26, 28}, {27, 29}, {28, 30}, {29, 31}, {30, 32}, {27, 31}, {28, 32},
};

/* Colours (RGB): the person's left warm, right cool, the midline neutral, as
 * most pose tools do, so a left/right swap shows at a glance. */
static const uint8_t colour_left[3] = {255, 150, 40};
static const uint8_t colour_right[3] = {50, 160, 255};
static const uint8_t colour_mid[3] = {235, 235, 235};
static const uint8_t colour_arc[3] = {255, 230, 40};
static const uint8_t colour_text[3] = {255, 255, 255};
static const uint8_t colour_shadow[3] = {0, 0, 0};
static const uint8_t colour_banner[3] = {200, 25, 25};
/* Markers: white with a dark outline, seen on any marker colour and skin. */
static const uint8_t colour_marker[3] = {255, 255, 255};

enum { SIDE_MID = 0, SIDE_LEFT = 1, SIDE_RIGHT = 2 };

/* The side a landmark's label names (MediaPipe's numbering). */
static int label_side(int k) {
    static const unsigned char face[11] = {SIDE_MID,   SIDE_LEFT,  SIDE_LEFT,  SIDE_LEFT,
                                           SIDE_RIGHT, SIDE_RIGHT, SIDE_RIGHT, SIDE_LEFT,
                                           SIDE_RIGHT, SIDE_LEFT,  SIDE_RIGHT};
    return k < 11 ? face[k] : (k % 2 ? SIDE_LEFT : SIDE_RIGHT);
}

/* The landmark whose label names the other side (k itself on the midline). */
static int other_side(int k) {
    static const unsigned char face[11] = {0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9};
    return k < 11 ? face[k] : (k % 2 ? k + 1 : k - 1);
}

static int is_leg(int k) {
    return k >= 25;
}

static int is_arm(int k) {
    return k >= 13 && k <= 22;
}

typedef struct Vec {
    float x, y;
} Vec;

static Vec vsub(Vec a, Vec b) {
    return (Vec){a.x - b.x, a.y - b.y};
}

static float vlen(Vec a) {
    return sqrtf(a.x * a.x + a.y * a.y);
}

static int finite_vec(Vec a) {
    return isfinite(a.x) && isfinite(a.y);
}

/* Everything one frame's drawing needs, built on the stack. */
typedef struct Canvas {
    const RomcvOverlaySettings *s;
    const RomcvOverlayInput *in;
    int width, height;
    float unit; /* px per "point": the size of everything follows it */
    Vec down;   /* unit gravity vector in the image */
    RomcvCvShape shape[MAX_SHAPES];
    size_t n_shapes;
    char text[MAX_TEXTS][TEXT_SIZE];
    int n_texts;
} Canvas;

static RomcvCvShape *add_shape(Canvas *c, RomcvCvShapeKind kind, const uint8_t rgb[3],
                               float thickness) {
    if (c->n_shapes >= MAX_SHAPES) {
        return NULL; /* cannot happen within the bounds above; drop rather than overflow */
    }
    RomcvCvShape *sh = &c->shape[c->n_shapes++];
    memset(sh, 0, sizeof *sh);
    sh->kind = kind;
    memcpy(sh->rgb, rgb, 3);
    sh->thickness = thickness;
    return sh;
}

static void add_line(Canvas *c, Vec a, Vec b, const uint8_t rgb[3], float thickness) {
    RomcvCvShape *sh = add_shape(c, ROMCV_CV_LINE, rgb, thickness);
    if (sh) {
        sh->x0 = a.x;
        sh->y0 = a.y;
        sh->x1 = b.x;
        sh->y1 = b.y;
    }
}

static void add_circle(Canvas *c, Vec centre, float r, const uint8_t rgb[3], float thickness) {
    RomcvCvShape *sh = add_shape(c, ROMCV_CV_CIRCLE, rgb, thickness);
    if (sh) {
        sh->x0 = centre.x;
        sh->y0 = centre.y;
        sh->r = r;
    }
}

static char *new_text(Canvas *c) {
    return c->n_texts < MAX_TEXTS ? c->text[c->n_texts++] : NULL;
}

/* Text with a dark outline, legible on any background; with_degree adds a
 * small ring after it (Hershey fonts have no degree sign). Returns the
 * width drawn. */
static float add_text(Canvas *c, const char *text, Vec origin, float scale, const uint8_t rgb[3],
                      int with_degree) {
    float thickness = fmaxf(1.0f, roundf(2.2f * scale));
    int w = 0, h = 0, base = 0;
    romcv__cv_text_size(text, scale, thickness, &w, &h, &base);
    Vec ring = {origin.x + (float)w + 0.3f * (float)h, origin.y - 0.8f * (float)h};
    float ring_r = 0.22f * (float)h;
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *col = pass ? rgb : colour_shadow;
        float t = pass ? thickness : thickness + 2.0f;
        RomcvCvShape *sh = add_shape(c, ROMCV_CV_TEXT, col, t);
        if (sh) {
            sh->x0 = origin.x;
            sh->y0 = origin.y;
            sh->text = text;
            sh->text_scale = scale;
        }
        if (with_degree) {
            add_circle(c, ring, ring_r, col, fmaxf(1.0f, t * 0.6f));
        }
    }
    return (float)w + (with_degree ? 0.6f * (float)h + 2.0f * ring_r : 0.0f);
}

/* The model's landmark for anatomical landmark k: with --mirrored, and for
 * legs or arms whose labels metrics swapped back in this frame, the label on
 * the other side holds the limb the angle was measured on. */
static int model_index(const Canvas *c, int k) {
    int exchange = c->s->mirrored ? 1 : 0;
    if ((is_leg(k) && (c->in->swapped & ROMCV_SWAP_LEGS)) ||
        (is_arm(k) && (c->in->swapped & ROMCV_SWAP_ARMS))) {
        exchange ^= 1;
    }
    return exchange ? other_side(k) : k;
}

static Vec point(const Canvas *c, int anatomical) {
    int k = model_index(c, anatomical);
    return (Vec){c->in->x[k], c->in->y[k]};
}

static int visible(const Canvas *c, int k) {
    return isfinite(c->in->x[k]) && isfinite(c->in->y[k]) &&
           (!c->in->visibility || c->in->visibility[k] >= c->s->min_visibility);
}

static void draw_skeleton(Canvas *c) {
    float thickness = fmaxf(1.0f, roundf(2.0f * c->unit));
    for (size_t i = 0; i < sizeof connections / sizeof connections[0]; i++) {
        int a = connections[i][0], b = connections[i][1];
        if (!visible(c, a) || !visible(c, b)) {
            continue;
        }
        /* Coloured by the anatomical side, which is the label's unless the
         * video is mirrored or the limb was swapped back in this frame. */
        int side_a = label_side(model_index(c, a)), side_b = label_side(model_index(c, b));
        const uint8_t *rgb = side_a == side_b && side_a == SIDE_LEFT    ? colour_left
                             : side_a == side_b && side_a == SIDE_RIGHT ? colour_right
                                                                        : colour_mid;
        add_line(c, (Vec){c->in->x[a], c->in->y[a]}, (Vec){c->in->x[b], c->in->y[b]}, rgb,
                 thickness);
    }
    for (int k = 0; k < ROMCV_OVERLAY_LANDMARKS; k++) {
        if (!visible(c, k)) {
            continue;
        }
        int side = label_side(model_index(c, k));
        const uint8_t *rgb = side == SIDE_LEFT    ? colour_left
                             : side == SIDE_RIGHT ? colour_right
                                                  : colour_mid;
        Vec p = {c->in->x[k], c->in->y[k]};
        add_circle(c, p, 3.5f * c->unit, colour_shadow, -1.0f);
        add_circle(c, p, 2.5f * c->unit, rgb, -1.0f);
    }
}

/* Where an angle is drawn: the joint (vertex), the reference direction the
 * angle is measured from and the moving segment's direction, following the
 * definitions in docs/angles.md. Returns 0 when the angle has no joint to
 * draw at or a point is missing. */
typedef struct Joint {
    Vec vertex, ref, seg;
} Joint;

enum {
    LM_L_SHOULDER = ROMCV_LM_LEFT_SHOULDER,
    LM_L_HIP = ROMCV_LM_LEFT_HIP,
    LM_L_KNEE = ROMCV_LM_LEFT_KNEE,
    LM_L_ANKLE = ROMCV_LM_LEFT_ANKLE,
};

/* A left landmark's index on the given side (the right one is the next). */
static int on_side(int left_index, int right) {
    return right ? left_index + 1 : left_index;
}

/* A value as printed, whole degrees, without the "-0" of a small negative. */
static double rounded(float value) {
    double r = round((double)value);
    return r == 0.0 ? 0.0 : r;
}

static float dot(Vec a, Vec b) {
    return a.x * b.x + a.y * b.y;
}

static int joint_of(const Canvas *c, RomcvAngleId id, Joint *j) {
    const RomcvAngleInfo *info = romcv_angle_info(id);
    int right = info && info->side == ROMCV_SIDE_RIGHT;
    Vec up = {-c->down.x, -c->down.y};
    Vec shoulder = point(c, on_side(LM_L_SHOULDER, right));
    Vec hip = point(c, on_side(LM_L_HIP, right));
    Vec knee = point(c, on_side(LM_L_KNEE, right));
    Vec ankle = point(c, on_side(LM_L_ANKLE, right));
    Vec l_hip = point(c, LM_L_HIP), r_hip = point(c, LM_L_HIP + 1);
    Vec mid_hip = {0.5f * (l_hip.x + r_hip.x), 0.5f * (l_hip.y + r_hip.y)};
    switch (id) {
    case ROMCV_ANGLE_HIP_ROTATION_LEFT:
    case ROMCV_ANGLE_HIP_ROTATION_RIGHT:
        /* The shank from the vertical that points the way the shank hangs:
         * down seated, up prone (the AUTO position rule, per frame). */
        j->vertex = knee;
        j->seg = vsub(ankle, knee);
        j->ref = dot(j->seg, c->down) >= 0 ? c->down : up;
        break;
    case ROMCV_ANGLE_PELVIC_OBLIQUITY:
        /* Right hip to left hip from the horizontal, drawn at the midpoint
         * towards the left hip. */
        j->vertex = mid_hip;
        j->seg = vsub(l_hip, mid_hip);
        j->ref = (Vec){c->down.y, -c->down.x};
        if (dot(j->ref, j->seg) < 0) {
            j->ref = (Vec){-j->ref.x, -j->ref.y};
        }
        break;
    case ROMCV_ANGLE_HIP_FLEXION_LEFT:
    case ROMCV_ANGLE_HIP_FLEXION_RIGHT:
        j->vertex = hip;
        j->ref = vsub(hip, shoulder); /* the trunk line, extended below the hip */
        j->seg = vsub(knee, hip);
        break;
    case ROMCV_ANGLE_THIGH_VERTICAL_LEFT:
    case ROMCV_ANGLE_THIGH_VERTICAL_RIGHT:
        j->vertex = hip;
        j->ref = c->down;
        j->seg = vsub(knee, hip);
        break;
    case ROMCV_ANGLE_KNEE_FLEXION_LEFT:
    case ROMCV_ANGLE_KNEE_FLEXION_RIGHT:
    case ROMCV_ANGLE_KNEE_FPPA_LEFT:
    case ROMCV_ANGLE_KNEE_FPPA_RIGHT:
        j->vertex = knee;
        j->ref = vsub(knee, hip); /* the thigh line, extended below the knee */
        j->seg = vsub(ankle, knee);
        break;
    case ROMCV_ANGLE_TRUNK_INCLINATION: {
        /* Drawn on the side nearer the camera, as metrics measures it. */
        int near_right = c->in->view == ROMCV_VIEW_RIGHT_SIDE;
        if (c->in->view != ROMCV_VIEW_LEFT_SIDE && c->in->view != ROMCV_VIEW_RIGHT_SIDE &&
            c->in->visibility) {
            int l = model_index(c, LM_L_HIP), r = model_index(c, LM_L_HIP + 1);
            near_right = c->in->visibility[r] > c->in->visibility[l];
        }
        Vec h = point(c, on_side(LM_L_HIP, near_right));
        j->vertex = h;
        j->ref = up;
        j->seg = vsub(point(c, on_side(LM_L_SHOULDER, near_right)), h);
        break;
    }
    case ROMCV_ANGLE_TRUNK_LATERAL_LEAN: {
        Vec l_sh = point(c, LM_L_SHOULDER), r_sh = point(c, LM_L_SHOULDER + 1);
        j->vertex = mid_hip;
        j->ref = up;
        j->seg = vsub((Vec){0.5f * (l_sh.x + r_sh.x), 0.5f * (l_sh.y + r_sh.y)}, mid_hip);
        break;
    }
    default:
        return 0; /* pelvic tilt, lumbar lordosis: no joint among the landmarks */
    }
    return finite_vec(j->vertex) && finite_vec(j->ref) && finite_vec(j->seg) &&
           vlen(j->ref) > 1e-3f && vlen(j->seg) > 1e-3f;
}

/* One angle: the reference line, the arc of |value| degrees from it towards
 * the segment, and the value beside the arc's middle. stack counts the arcs
 * already drawn at the same joint, which get larger radii. */
static void draw_angle(Canvas *c, const Joint *j, float value, int stack) {
    float ref_deg = (float)(atan2(j->ref.y, j->ref.x) * DEG_PER_RAD);
    float seg_deg = (float)(atan2(j->seg.y, j->seg.x) * DEG_PER_RAD);
    float turn = remainderf(seg_deg - ref_deg, 360.0f);
    float size = fminf(fabsf(value), 359.0f);
    float sweep = turn < 0 ? -size : size;
    float r = fminf(fmaxf(0.35f * vlen(j->seg), 14.0f * c->unit), 60.0f * c->unit);
    r *= 1.0f + 0.6f * (float)stack;
    float thickness = fmaxf(1.0f, roundf(2.0f * c->unit));
    unsigned layers = c->s->layers;
    if (layers & ROMCV_OVERLAY_ARCS) {
        float ref_len = vlen(j->ref);
        Vec ref_end = {j->vertex.x + j->ref.x / ref_len * r * 1.4f,
                       j->vertex.y + j->ref.y / ref_len * r * 1.4f};
        add_line(c, j->vertex, ref_end, colour_arc, fmaxf(1.0f, roundf(c->unit)));
        RomcvCvShape *arc = add_shape(c, ROMCV_CV_ARC, colour_arc, thickness);
        if (arc) {
            arc->x0 = j->vertex.x;
            arc->y0 = j->vertex.y;
            arc->r = r;
            arc->start_deg = ref_deg;
            arc->end_deg = ref_deg + sweep;
        }
    }
    if (layers & ROMCV_OVERLAY_VALUES) {
        char *label = new_text(c);
        if (!label) {
            return;
        }
        snprintf(label, TEXT_SIZE, "%.0f", rounded(value));
        float scale = 0.85f * c->unit;
        float mid = (ref_deg + 0.5f * sweep) / (float)DEG_PER_RAD;
        int w = 0, h = 0, base = 0;
        romcv__cv_text_size(label, scale, 1.0f, &w, &h, &base);
        float away = r + 0.6f * (float)(w > h ? w : h) + 4.0f * c->unit;
        Vec centre = {j->vertex.x + cosf(mid) * away, j->vertex.y + sinf(mid) * away};
        add_text(c, label, (Vec){centre.x - 0.5f * (float)w, centre.y + 0.5f * (float)h}, scale,
                 colour_arc, 1);
    }
}

static void draw_angles(Canvas *c, uint32_t mask, float *legend_y) {
    Vec used[ROMCV_ANGLE_COUNT];
    int n_used = 0;
    float line_h = 30.0f * c->unit;
    for (int a = 0; a < ROMCV_ANGLE_COUNT; a++) {
        float value = c->in->angle_deg[a];
        if (!(mask & (1u << a)) || !isfinite(value)) {
            continue;
        }
        Joint j;
        if (c->in->x && c->in->y && joint_of(c, (RomcvAngleId)a, &j)) {
            int stack = 0;
            for (int u = 0; u < n_used; u++) {
                stack +=
                    fabsf(used[u].x - j.vertex.x) < 1.0f && fabsf(used[u].y - j.vertex.y) < 1.0f;
            }
            used[n_used++] = j.vertex;
            draw_angle(c, &j, value, stack);
        }
        if (c->s->layers & ROMCV_OVERLAY_VALUES) {
            /* The legend names every angle drawn, bottom up above the stamp. */
            char *line = new_text(c);
            if (line) {
                const RomcvAngleInfo *info = romcv_angle_info((RomcvAngleId)a);
                int n = snprintf(line, TEXT_SIZE, "%s %.0f", info->name, rounded(value));
                for (int i = 0; i < n && i < TEXT_SIZE; i++) {
                    line[i] = line[i] == '_' ? ' ' : line[i];
                }
                add_text(c, line, (Vec){8.0f * c->unit, *legend_y}, 0.75f * c->unit, colour_text,
                         1);
                *legend_y -= line_h;
            }
        }
    }
}

/* A translucent band under the banner text, blended here in C: OpenCV's
 * drawing has no alpha, and a band is a few rows of one multiply-add. */
static void shade_band(RomcvFrame *frame, int rows, const uint8_t rgb[3]) {
    rows = rows < frame->height ? rows : frame->height;
    for (int y = 0; y < rows; y++) {
        uint8_t *p = frame->data + (size_t)y * (size_t)frame->stride;
        for (int x = 0; x < frame->width; x++, p += 3) {
            for (int ch = 0; ch < 3; ch++) {
                p[ch] = (uint8_t)((p[ch] * 64 + rgb[ch] * 192 + 128) >> 8);
            }
        }
    }
}

static void draw_banner(Canvas *c, RomcvFrame *frame) {
    size_t n = c->in->n_banners;
    if (n == 0 || !c->in->banners) {
        return;
    }
    size_t lines = n > ROMCV_OVERLAY_MAX_BANNERS ? ROMCV_OVERLAY_MAX_BANNERS : n;
    float scale = 0.9f * c->unit;
    float line_h = 34.0f * c->unit;
    shade_band(frame, (int)ceilf(line_h * (float)lines + 10.0f * c->unit), colour_banner);
    for (size_t i = 0; i < lines; i++) {
        const char *text = c->in->banners[i] ? c->in->banners[i] : "";
        if (i + 1 == lines && n > lines) {
            char *more = new_text(c);
            if (!more) {
                break;
            }
            snprintf(more, TEXT_SIZE, "%.50s (+%zu more)", text, n - lines);
            text = more;
        }
        add_text(c, text, (Vec){10.0f * c->unit, line_h * (float)(i + 1)}, scale, colour_text, 0);
    }
}

/* Each named marker: a ring around it, wide enough to leave a 3 px ball
 * visible inside, and its name beside it, on the side away from the hip
 * centre (off the body). Markers lie 5-7 px apart at 640 x 480 (S1, L3,
 * the PSIS), closer than a line of text: names on one side are pushed
 * down until they do not overlap, with a leader line to a name moved off
 * its marker. Nothing is drawn for a marker not found. */
static void draw_markers(Canvas *c) {
    const RomcvOverlayInput *in = c->in;
    size_t n =
        in->n_markers < ROMCV_OVERLAY_MAX_MARKERS ? in->n_markers : ROMCV_OVERLAY_MAX_MARKERS;
    float r = fmaxf(6.0f, 10.0f * c->unit);
    float thickness = fmaxf(1.0f, roundf(1.5f * c->unit));
    float scale = 0.55f * c->unit;
    float hip_x = NAN;
    if (in->x && in->y) {
        hip_x = 0.5f * (in->x[ROMCV_LM_LEFT_HIP] + in->x[ROMCV_LM_RIGHT_HIP]);
    }
    /* Visible markers, top to bottom, for the stacking below. */
    size_t order[ROMCV_OVERLAY_MAX_MARKERS];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!finite_vec((Vec){in->marker_x[i], in->marker_y[i]})) {
            continue;
        }
        size_t at = m++;
        while (at > 0 && in->marker_y[order[at - 1]] > in->marker_y[i]) {
            order[at] = order[at - 1];
            at--;
        }
        order[at] = i;
    }
    float next_baseline[2] = {-INFINITY, -INFINITY}; /* per side: the first free baseline */
    for (size_t j = 0; j < m; j++) {
        size_t i = order[j];
        Vec p = {in->marker_x[i], in->marker_y[i]};
        add_circle(c, p, r, colour_shadow, thickness + 2.0f);
        add_circle(c, p, r, colour_marker, thickness);
        const char *name = in->marker_names ? in->marker_names[i] : NULL;
        if (!name || !name[0]) {
            continue;
        }
        int w = 0, h = 0, base = 0;
        romcv__cv_text_size(name, scale, 1.0f, &w, &h, &base);
        int left = isfinite(hip_x) && p.x < hip_x;
        float baseline = fmaxf(p.y + 0.5f * (float)h, next_baseline[left]);
        next_baseline[left] = baseline + (float)h + 3.0f * c->unit;
        float gap = r + 3.0f * c->unit;
        float x = left ? p.x - gap - (float)w : p.x + gap;
        if (baseline - 0.5f * (float)h - p.y > 0.5f * (float)h) {
            /* Moved down from its marker: a leader from the ring to it. */
            float dir = left ? -1.0f : 1.0f;
            add_line(c, (Vec){p.x + dir * r, p.y},
                     (Vec){left ? x + (float)w : x, baseline - 0.5f * (float)h}, colour_marker,
                     1.0f);
        }
        add_text(c, name, (Vec){x, baseline}, scale, colour_marker, 0);
    }
}

static void draw_stamp(Canvas *c, float y) {
    char *stamp = new_text(c);
    if (!stamp || !isfinite(c->in->time_s)) {
        return;
    }
    double t = c->in->time_s;
    int minutes = (int)floor(t / 60.0);
    int n = minutes > 0 ? snprintf(stamp, TEXT_SIZE, "%d:%06.3f", minutes, t - 60.0 * minutes)
                        : snprintf(stamp, TEXT_SIZE, "%.3f s", t);
    if (c->in->frame_index >= 0 && n > 0 && n < TEXT_SIZE) {
        snprintf(stamp + n, (size_t)(TEXT_SIZE - n), "  frame %lld", (long long)c->in->frame_index);
    }
    add_text(c, stamp, (Vec){8.0f * c->unit, y}, 0.85f * c->unit, colour_text, 0);
}

void romcv_overlay_default_settings(RomcvOverlaySettings *s) {
    memset(s, 0, sizeof *s);
    s->layers = ROMCV_OVERLAY_ALL;
    s->min_visibility = 0.5f;
    s->down_x = 0.0f;
    s->down_y = 1.0f;
    s->scale = 1.0f;
}

#define BIT(id) (1u << ROMCV_ANGLE_##id)

uint32_t romcv_overlay_default_angles(RomcvView view) {
    const uint32_t frontal = BIT(HIP_ROTATION_LEFT) | BIT(HIP_ROTATION_RIGHT) |
                             BIT(PELVIC_OBLIQUITY) | BIT(TRUNK_LATERAL_LEAN);
    const uint32_t sagittal = BIT(HIP_FLEXION_LEFT) | BIT(HIP_FLEXION_RIGHT) |
                              BIT(KNEE_FLEXION_LEFT) | BIT(KNEE_FLEXION_RIGHT) |
                              BIT(TRUNK_INCLINATION);
    switch (view) {
    case ROMCV_VIEW_FRONT:
    case ROMCV_VIEW_BACK:
        return frontal;
    case ROMCV_VIEW_LEFT_SIDE:
    case ROMCV_VIEW_RIGHT_SIDE:
        return sagittal;
    default:
        return frontal | sagittal;
    }
}

int romcv_overlay_draw(RomcvFrame *frame, const RomcvOverlaySettings *s,
                       const RomcvOverlayInput *in, RomcvDiag *diag) {
    if (!frame || !frame->data || frame->format != ROMCV_PIX_RGB24 || !s || !in) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "overlay: needs an RGB24 frame");
    }
    Canvas *c = &(Canvas){0};
    c->s = s;
    c->in = in;
    c->width = frame->width;
    c->height = frame->height;
    /* Everything scales with the frame's size: 1 at 1280x720, so a phone's
     * portrait 1080p and a 640x480 webcam look alike. */
    float size = sqrtf((float)frame->width * (float)frame->height) / 960.0f;
    float scale = s->scale > 0 ? s->scale : 1.0f;
    c->unit = fminf(fmaxf(size, 0.35f), 4.0f) * scale;
    float down_len = sqrtf(s->down_x * s->down_x + s->down_y * s->down_y);
    c->down = down_len > 1e-6f && isfinite(down_len)
                  ? (Vec){s->down_x / down_len, s->down_y / down_len}
                  : (Vec){0.0f, 1.0f};

    if (s->layers & ROMCV_OVERLAY_FLAGS) {
        draw_banner(c, frame); /* first: its band is blended under everything else */
    }
    int person = in->x && in->y;
    if (person && (s->layers & ROMCV_OVERLAY_SKELETON)) {
        draw_skeleton(c);
    }
    if (in->marker_x && in->marker_y && (s->layers & ROMCV_OVERLAY_MARKERS)) {
        draw_markers(c); /* over the skeleton: a marker lies on the body */
    }
    float bottom = (float)frame->height - 10.0f * c->unit;
    float legend_y = bottom - ((s->layers & ROMCV_OVERLAY_TIME) ? 36.0f * c->unit : 0.0f);
    if (in->angle_deg && (s->layers & (ROMCV_OVERLAY_ARCS | ROMCV_OVERLAY_VALUES))) {
        uint32_t mask = s->angles ? s->angles : romcv_overlay_default_angles(in->view);
        draw_angles(c, mask, &legend_y);
    }
    if (s->layers & ROMCV_OVERLAY_TIME) {
        draw_stamp(c, bottom);
    }
    return romcv__cv_draw(frame, c->shape, c->n_shapes, diag);
}
