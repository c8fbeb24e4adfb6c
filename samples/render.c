/*
 * samples/render.c: the phantom's camera and ray caster.
 *
 * The image is cut into 16 x 16 tiles. Each frame, every primitive's world
 * bounding box is projected to undistorted normalised image coordinates and
 * the primitive is listed in the tiles its box overlaps, so a pixel tests a
 * handful of ellipsoids instead of all of them. Pixels that hit nothing see
 * the floor (y = 0) or the wall behind the subject.
 *
 * Shading: a directional key light from above and beside the camera, a
 * hemispheric ambient term and a little specular on skin; normals blend
 * smoothly between overlapping body ellipsoids (a weighted sum over the
 * neighbours within 3 cm), which hides the creases where they meet. Soft
 * shadows on the floor and wall come from two world-space occupancy grids
 * (2.5 cm cells) filled by shadow rays and box-blurred twice.
 *
 * Lens distortion is exact: each pixel's undistorted ray is solved once, at
 * creation, by fixed-point iteration, and tiles are culled in the
 * undistorted coordinates. Cost at 640 x 480: a few ms per frame on one core.
 */
#include "samples/internal.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define TILE 16

/* Printed ArUco cards: paper and toner as a laser print on office paper
 * reflect light (about 83 % and 3 %, linear), matte: no specular term. */
#define PAPER_SRGB    235
#define INK_SRGB      48
#define ARUCO_SAMPLES 4 /* per axis: 16 rays a pixel, only on the cards */

/* ----------------------------------------------------------------- camera */

V3 romcv__camera_to_cam(const PhCamera *c, V3 world) {
    return romcv__m3_apply(c->rot, v3_sub(world, c->position));
}

static void distort(const PhCamera *c, double x, double y, double *xd, double *yd) {
    double r2 = x * x + y * y;
    double radial = 1 + r2 * (c->k1 + r2 * (c->k2 + r2 * c->k3));
    *xd = x * radial + 2 * c->p1 * x * y + c->p2 * (r2 + 2 * x * x);
    *yd = y * radial + c->p1 * (r2 + 2 * y * y) + 2 * c->p2 * x * y;
}

void romcv__camera_project(const PhCamera *c, V3 cam, double *u, double *v) {
    double xd, yd;
    distort(c, cam.x / cam.z, cam.y / cam.z, &xd, &yd);
    *u = c->fx * xd + c->cx;
    *v = c->fy * yd + c->cy;
}

void romcv__camera_unproject(const PhCamera *c, double u, double v, double *xn, double *yn) {
    double xd = (u - c->cx) / c->fx, yd = (v - c->cy) / c->fy;
    double x = xd, y = yd;
    /* Fixed-point inversion of the distortion (as OpenCV's undistortPoints);
     * converges for the mild distortion of real lenses. */
    for (int it = 0; it < 30; it++) {
        double r2 = x * x + y * y;
        double radial = 1 + r2 * (c->k1 + r2 * (c->k2 + r2 * c->k3));
        double dx = 2 * c->p1 * x * y + c->p2 * (r2 + 2 * x * x);
        double dy = c->p1 * (r2 + 2 * y * y) + 2 * c->p2 * x * y;
        x = (xd - dx) / radial;
        y = (yd - dy) / radial;
    }
    *xn = x;
    *yn = y;
}

/* ------------------------------------------------------------- primitives */

int romcv__prim_intersect(const PhPrim *p, V3 o, V3 d, double tmin, double *t) {
    double oc[3] = {o.x - p->c[0], o.y - p->c[1], o.z - p->c[2]};
    double dd[3] = {d.x, d.y, d.z};
    double q[3], e[3];
    for (int k = 0; k < 3; k++) {
        q[k] = p->m[3 * k] * oc[0] + p->m[3 * k + 1] * oc[1] + p->m[3 * k + 2] * oc[2];
        e[k] = p->m[3 * k] * dd[0] + p->m[3 * k + 1] * dd[1] + p->m[3 * k + 2] * dd[2];
    }
    if (p->type == PH_PRIM_ELLIPSOID) {
        double a = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
        double b = q[0] * e[0] + q[1] * e[1] + q[2] * e[2];
        double c = q[0] * q[0] + q[1] * q[1] + q[2] * q[2] - 1;
        double disc = b * b - a * c;
        if (disc < 0 || a <= 0) {
            return 0;
        }
        double sq = sqrt(disc);
        double t0 = (-b - sq) / a, t1 = (-b + sq) / a;
        if (t0 > tmin) {
            *t = t0;
            return 1;
        }
        if (t1 > tmin) {
            *t = t1;
            return 1;
        }
        return 0;
    }
    double lo = -DBL_MAX, hi = DBL_MAX;
    for (int k = 0; k < 3; k++) {
        if (fabs(e[k]) < 1e-12) {
            if (fabs(q[k]) > p->h[k]) {
                return 0;
            }
            continue;
        }
        double ta = (-p->h[k] - q[k]) / e[k], tb = (p->h[k] - q[k]) / e[k];
        if (ta > tb) {
            double tmp = ta;
            ta = tb;
            tb = tmp;
        }
        lo = ta > lo ? ta : lo;
        hi = tb < hi ? tb : hi;
    }
    if (lo > hi) {
        return 0;
    }
    if (lo > tmin) {
        *t = lo;
        return 1;
    }
    if (hi > tmin) {
        *t = hi;
        return 1;
    }
    return 0;
}

V3 romcv__prim_normal(const PhPrim *p, V3 point) {
    double oc[3] = {point.x - p->c[0], point.y - p->c[1], point.z - p->c[2]};
    double q[3];
    for (int k = 0; k < 3; k++) {
        q[k] = p->m[3 * k] * oc[0] + p->m[3 * k + 1] * oc[1] + p->m[3 * k + 2] * oc[2];
    }
    if (p->type == PH_PRIM_BOX) {
        int best = 0;
        double bv = -1;
        for (int k = 0; k < 3; k++) {
            double v = fabs(q[k]) / p->h[k];
            if (v > bv) {
                bv = v;
                best = k;
            }
        }
        double s = q[best] >= 0 ? 1 : -1;
        return v3(s * p->m[3 * best], s * p->m[3 * best + 1], s * p->m[3 * best + 2]);
    }
    V3 n = v3(p->m[0] * q[0] + p->m[3] * q[1] + p->m[6] * q[2],
              p->m[1] * q[0] + p->m[4] * q[1] + p->m[7] * q[2],
              p->m[2] * q[0] + p->m[5] * q[1] + p->m[8] * q[2]);
    return v3_norm(n);
}

int romcv__trace_any(const PhPrimList *list, V3 o, V3 d, double tmin, double tmax, int skip,
                     double *t) {
    int best = -1;
    double bt = tmax;
    for (int i = 0; i < list->count; i++) {
        double ti;
        if (i != skip && romcv__prim_intersect(&list->prims[i], o, d, tmin, &ti) && ti < bt) {
            bt = ti;
            best = i;
        }
    }
    if (best >= 0 && t) {
        *t = bt;
    }
    return best;
}

/* --------------------------------------------------------------- renderer */

/* Linear albedos of the materials (sRGB values in the comments). */
static const float albedo_srgb[PH_MAT_COUNT][3] = {
    {226, 170, 136}, /* skin */
    {38, 82, 160},   /* shirt: blue */
    {48, 48, 56},    /* shorts: charcoal */
    {34, 34, 40},    /* shoe */
    {235, 235, 232}, /* sole */
    {58, 38, 24},    /* hair: dark brown */
    {240, 240, 236}, /* eye white */
    {40, 28, 20},    /* iris */
    {170, 78, 78},   /* lips */
    {60, 40, 28},    /* brows */
    {150, 110, 70},  /* stool: wood */
    /* markers: ASIS green, PSIS magenta, spine yellow/orange/cyan,
     * trochanter, knee and malleolus in distinct saturated hues */
    {30, 220, 60},
    {30, 220, 60},
    {230, 40, 200},
    {230, 40, 200},
    {250, 230, 20},
    {250, 140, 20},
    {20, 220, 240},
    {250, 60, 30},
    {250, 60, 30},
    {120, 60, 250},
    {120, 60, 250},
    {250, 250, 250},
    {250, 250, 250},
};

typedef struct Grid {
    V3 origin, u, v, n; /* plane point, in-plane unit axes, normal */
    int nu, nv;
    double cell;
    float *occ, *tmp;
} Grid;

struct PhRenderer {
    PhCamera cam;
    int tiles_x, tiles_y;
    float *xn, *yn;      /* undistorted normalised coordinates per pixel */
    uint8_t *hit;        /* per pixel: the primitive its centre ray met, 255 for the room */
    float *tile_bounds;  /* per tile: xmin, xmax, ymin, ymax */
    uint8_t *tile_prims; /* per tile: up to PH_MAX_PRIMS indices */
    int *tile_count;
    float albedo[PH_MAT_COUNT][3];
    float paper, ink; /* printed ArUco cards, linear */
    uint8_t srgb_lut[4096];
    V3 light; /* toward the key light, unit */
    V3 view_dir;
    Grid floor, wall;
    double wall_distance; /* subject axis to wall, along the view direction */
};

static double srgb_to_linear(double c) {
    c /= 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static int grid_init(Grid *g, int nu, int nv, double cell) {
    g->nu = nu;
    g->nv = nv;
    g->cell = cell;
    g->occ = calloc((size_t)nu * (size_t)nv, sizeof *g->occ);
    g->tmp = calloc((size_t)nu * (size_t)nv, sizeof *g->tmp);
    return g->occ && g->tmp ? 0 : ROMCV_ERR(ENOMEM);
}

int romcv__renderer_create(PhRenderer **out, const PhCamera *cam) {
    *out = NULL;
    PhRenderer *r = calloc(1, sizeof *r);
    if (!r) {
        return ROMCV_ERR(ENOMEM);
    }
    r->cam = *cam;
    int w = cam->width, h = cam->height;
    r->tiles_x = (w + TILE - 1) / TILE;
    r->tiles_y = (h + TILE - 1) / TILE;
    size_t tiles = (size_t)r->tiles_x * (size_t)r->tiles_y;
    r->xn = malloc((size_t)w * (size_t)h * sizeof *r->xn);
    r->yn = malloc((size_t)w * (size_t)h * sizeof *r->yn);
    r->hit = malloc((size_t)w * (size_t)h);
    r->tile_bounds = malloc(tiles * 4 * sizeof *r->tile_bounds);
    r->tile_prims = malloc(tiles * PH_MAX_PRIMS);
    r->tile_count = calloc(tiles, sizeof *r->tile_count);
    int rc = r->xn && r->yn && r->hit && r->tile_bounds && r->tile_prims && r->tile_count
                 ? 0
                 : ROMCV_ERR(ENOMEM);
    if (rc == 0) {
        rc = grid_init(&r->floor, 200, 200, 0.025);
    }
    if (rc == 0) {
        rc = grid_init(&r->wall, 200, 120, 0.025);
    }
    if (rc < 0) {
        romcv__renderer_destroy(&r);
        return rc;
    }
    int distorted = cam->k1 != 0 || cam->k2 != 0 || cam->k3 != 0 || cam->p1 != 0 || cam->p2 != 0;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            double xn, yn;
            if (distorted) {
                romcv__camera_unproject(cam, x + 0.5, y + 0.5, &xn, &yn);
            } else {
                xn = (x + 0.5 - cam->cx) / cam->fx;
                yn = (y + 0.5 - cam->cy) / cam->fy;
            }
            r->xn[(size_t)y * w + x] = (float)xn;
            r->yn[(size_t)y * w + x] = (float)yn;
        }
    }
    for (int ty = 0; ty < r->tiles_y; ty++) {
        for (int tx = 0; tx < r->tiles_x; tx++) {
            float b[4] = {FLT_MAX, -FLT_MAX, FLT_MAX, -FLT_MAX};
            for (int y = ty * TILE; y < (ty + 1) * TILE && y < h; y++) {
                for (int x = tx * TILE; x < (tx + 1) * TILE && x < w; x++) {
                    float xv = r->xn[(size_t)y * w + x], yv = r->yn[(size_t)y * w + x];
                    b[0] = fminf(b[0], xv);
                    b[1] = fmaxf(b[1], xv);
                    b[2] = fminf(b[2], yv);
                    b[3] = fmaxf(b[3], yv);
                }
            }
            /* Out to the pixels' edges, which the outline pass samples. */
            const float half_x = (float)(0.75 / cam->fx), half_y = (float)(0.75 / cam->fy);
            b[0] -= half_x;
            b[1] += half_x;
            b[2] -= half_y;
            b[3] += half_y;
            memcpy(&r->tile_bounds[4 * ((size_t)ty * r->tiles_x + tx)], b, sizeof b);
        }
    }
    for (int m = 0; m < PH_MAT_COUNT; m++) {
        for (int k = 0; k < 3; k++) {
            r->albedo[m][k] = (float)srgb_to_linear(albedo_srgb[m][k]);
        }
    }
    r->paper = (float)srgb_to_linear(PAPER_SRGB);
    r->ink = (float)srgb_to_linear(INK_SRGB);
    for (int i = 0; i < 4096; i++) {
        double c = i / 4095.0;
        c = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055;
        r->srgb_lut[i] = (uint8_t)lrint(c * 255.0);
    }
    /* The view direction on the floor (camera toward subject) fixes the room:
     * the wall stands behind the subject, the key light comes from above,
     * beside and slightly in front of the camera, so shadows fall behind and
     * to one side, onto the floor and the wall. */
    V3 fwd = v3(cam->rot.m[6], cam->rot.m[7], cam->rot.m[8]); /* camera z in world */
    V3 flat = v3_norm(v3(fwd.x, 0, fwd.z));
    V3 right = v3(cam->rot.m[0], cam->rot.m[1], cam->rot.m[2]);
    r->view_dir = flat;
    r->light = v3_norm(v3_add(v3_add(v3_scale(flat, -0.6), v3(0, 0.9, 0)), v3_scale(right, -0.45)));
    /* The subject's axis is at x = z = 0 and the wall 1.1 m behind it, near
     * enough for the shadow to climb it. */
    r->wall_distance = 1.1;
    Grid *g = &r->floor;
    g->n = v3(0, 1, 0);
    g->u = v3(1, 0, 0);
    g->v = v3(0, 0, 1);
    g->origin = v3(-0.5 * g->nu * g->cell, 0, -0.5 * g->nv * g->cell);
    g = &r->wall;
    g->n = v3_scale(flat, -1);
    g->u = v3_norm(v3_cross(v3(0, 1, 0), g->n));
    g->v = v3(0, 1, 0);
    g->origin = v3_sub(v3_scale(flat, r->wall_distance), v3_scale(g->u, 0.5 * g->nu * g->cell));
    *out = r;
    return 0;
}

void romcv__renderer_destroy(PhRenderer **pr) {
    if (!pr || !*pr) {
        return;
    }
    PhRenderer *r = *pr;
    free(r->xn);
    free(r->yn);
    free(r->hit);
    free(r->tile_bounds);
    free(r->tile_prims);
    free(r->tile_count);
    free(r->floor.occ);
    free(r->floor.tmp);
    free(r->wall.occ);
    free(r->wall.tmp);
    free(r);
    *pr = NULL;
}

/* Screen bounds (undistorted normalised) of prim; 0 when it is wholly behind
 * the camera, 2 when it straddles the camera plane (then it is in every tile). */
static int prim_bounds(const PhCamera *cam, const PhPrim *p, float b[4]) {
    /* World half extents of the primitive's box: for M = diag(1/a) R^T,
     * the extent along world axis k is sum_j |R_kj| a_j. */
    double ext[3];
    for (int k = 0; k < 3; k++) {
        double e = 0;
        for (int j = 0; j < 3; j++) {
            double row =
                sqrt((double)p->m[3 * j] * p->m[3 * j] + (double)p->m[3 * j + 1] * p->m[3 * j + 1] +
                     (double)p->m[3 * j + 2] * p->m[3 * j + 2]);
            double a = p->type == PH_PRIM_BOX ? p->h[j] : 1.0 / row;
            double rkj = p->m[3 * j + k] / row; /* R_kj: axis j's world component k */
            e += fabs(rkj) * a;
        }
        ext[k] = e;
    }
    b[0] = b[2] = FLT_MAX;
    b[1] = b[3] = -FLT_MAX;
    int behind = 0;
    for (int corner = 0; corner < 8; corner++) {
        V3 w =
            v3(p->c[0] + (corner & 1 ? ext[0] : -ext[0]), p->c[1] + (corner & 2 ? ext[1] : -ext[1]),
               p->c[2] + (corner & 4 ? ext[2] : -ext[2]));
        V3 c = romcv__camera_to_cam(cam, w);
        if (c.z < 0.05) {
            behind++;
            continue;
        }
        float x = (float)(c.x / c.z), y = (float)(c.y / c.z);
        b[0] = fminf(b[0], x);
        b[1] = fmaxf(b[1], x);
        b[2] = fminf(b[2], y);
        b[3] = fmaxf(b[3], y);
    }
    if (behind == 8) {
        return 0;
    }
    return behind ? 2 : 1;
}

static void bin_tiles(PhRenderer *r, const PhPrimList *list) {
    size_t tiles = (size_t)r->tiles_x * (size_t)r->tiles_y;
    memset(r->tile_count, 0, tiles * sizeof *r->tile_count);
    for (int i = 0; i < list->count; i++) {
        float b[4];
        int vis = prim_bounds(&r->cam, &list->prims[i], b);
        if (vis == 0) {
            continue;
        }
        for (size_t t = 0; t < tiles; t++) {
            const float *tb = &r->tile_bounds[4 * t];
            if (vis == 1 && (b[1] < tb[0] || b[0] > tb[1] || b[3] < tb[2] || b[2] > tb[3])) {
                continue;
            }
            r->tile_prims[t * PH_MAX_PRIMS + r->tile_count[t]++] = (uint8_t)i;
        }
    }
}

/* Occupancy of the shadow grid: 1 where a ray toward the light from the
 * cell's centre meets a primitive, then a box blur of 4 cells, twice (a
 * penumbra of about 20 cm, as a soft key light gives). */
static void grid_fill(Grid *g, const PhPrimList *list, V3 light) {
    size_t n = (size_t)g->nu * (size_t)g->nv;
    memset(g->occ, 0, n * sizeof *g->occ);
    double ln = v3_dot(light, g->n);
    if (ln <= 0.05) {
        return;
    }
    for (int i = 0; i < list->count; i++) {
        const PhPrim *p = &list->prims[i];
        if (p->marker >= 0) {
            continue;
        }
        V3 c = v3(p->c[0], p->c[1], p->c[2]);
        double height = v3_dot(v3_sub(c, g->origin), g->n);
        if (height + p->radius <= 0) {
            continue;
        }
        /* Shadow of the bounding sphere on the plane: centre and radius. */
        V3 sc = v3_sub(c, v3_scale(light, height / ln));
        double rad = p->radius / ln + g->cell;
        double cu = v3_dot(v3_sub(sc, g->origin), g->u) / g->cell;
        double cv = v3_dot(v3_sub(sc, g->origin), g->v) / g->cell;
        double rc = rad / g->cell;
        int u0 = (int)floor(cu - rc), u1 = (int)ceil(cu + rc);
        int v0 = (int)floor(cv - rc), v1 = (int)ceil(cv + rc);
        u0 = u0 < 0 ? 0 : u0;
        v0 = v0 < 0 ? 0 : v0;
        u1 = u1 >= g->nu ? g->nu - 1 : u1;
        v1 = v1 >= g->nv ? g->nv - 1 : v1;
        for (int v = v0; v <= v1; v++) {
            for (int u = u0; u <= u1; u++) {
                float *cell = &g->occ[(size_t)v * g->nu + u];
                if (*cell > 0) {
                    continue;
                }
                V3 o = v3_add(g->origin, v3_add(v3_scale(g->u, (u + 0.5) * g->cell),
                                                v3_scale(g->v, (v + 0.5) * g->cell)));
                double t;
                if (romcv__prim_intersect(p, o, light, 1e-4, &t)) {
                    *cell = 1;
                }
            }
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        const int k = 4;
        for (int v = 0; v < g->nv; v++) { /* horizontal */
            const float *row = &g->occ[(size_t)v * g->nu];
            float *dst = &g->tmp[(size_t)v * g->nu];
            for (int u = 0; u < g->nu; u++) {
                float s = 0;
                for (int j = -k; j <= k; j++) {
                    int x = u + j < 0 ? 0 : u + j >= g->nu ? g->nu - 1 : u + j;
                    s += row[x];
                }
                dst[u] = s / (2 * k + 1);
            }
        }
        for (int v = 0; v < g->nv; v++) { /* vertical */
            for (int u = 0; u < g->nu; u++) {
                float s = 0;
                for (int j = -k; j <= k; j++) {
                    int y = v + j < 0 ? 0 : v + j >= g->nv ? g->nv - 1 : v + j;
                    s += g->tmp[(size_t)y * g->nu + u];
                }
                g->occ[(size_t)v * g->nu + u] = s / (2 * k + 1);
            }
        }
    }
}

static float grid_lookup(const Grid *g, V3 p) {
    double fu = v3_dot(v3_sub(p, g->origin), g->u) / g->cell - 0.5;
    double fv = v3_dot(v3_sub(p, g->origin), g->v) / g->cell - 0.5;
    if (fu < 0 || fv < 0 || fu >= g->nu - 1 || fv >= g->nv - 1) {
        return 0;
    }
    int u = (int)fu, v = (int)fv;
    float au = (float)(fu - u), av = (float)(fv - v);
    const float *o = &g->occ[(size_t)v * g->nu + u];
    return (o[0] * (1 - au) + o[1] * au) * (1 - av) +
           (o[g->nu] * (1 - au) + o[g->nu + 1] * au) * av;
}

static inline uint8_t to_srgb(const PhRenderer *r, float c) {
    int i = (int)(c * 4095.0f + 0.5f);
    i = i < 0 ? 0 : i > 4095 ? 4095 : i;
    return r->srgb_lut[i];
}

/* Colour of the room (floor or wall) along a ray that missed every primitive. */
static void shade_room(const PhRenderer *r, V3 o, V3 d, float rgb[3]) {
    double tf = d.y < -1e-9 ? -o.y / d.y : DBL_MAX;
    V3 wn = r->wall.n;
    double dn = v3_dot(d, wn);
    double tw = dn < -1e-9 ? v3_dot(v3_sub(r->wall.origin, o), wn) / dn : DBL_MAX;
    float base[3], shadow;
    double lambert;
    if (tf < tw) {
        V3 p = v3_add(o, v3_scale(d, tf));
        /* Light beige floor with faint 60 cm boards, so the floor reads as one. */
        double board = fmod(fabs(p.x) + 100.0, 0.6) < 0.006 ? 0.85 : 1.0;
        base[0] = (float)(0.42 * board);
        base[1] = (float)(0.36 * board);
        base[2] = (float)(0.29 * board);
        shadow = grid_lookup(&r->floor, p);
        lambert = r->light.y;
    } else if (tw < DBL_MAX) {
        V3 p = v3_add(o, v3_scale(d, tw));
        base[0] = 0.62f;
        base[1] = 0.63f;
        base[2] = 0.60f;
        shadow = grid_lookup(&r->wall, p);
        lambert = fmax(0, v3_dot(r->light, wn));
        if (p.y > 2.6) { /* the ceiling line: a darker strip */
            base[0] *= 0.8f;
            base[1] *= 0.8f;
            base[2] *= 0.8f;
        }
    } else {
        rgb[0] = rgb[1] = rgb[2] = 0.5f;
        return;
    }
    float light = (float)(0.35 + 0.75 * lambert * (1.0 - 0.75 * shadow));
    for (int k = 0; k < 3; k++) {
        rgb[k] = base[k] * light;
    }
}

/* The share of paper (white) in the pixel (xn, yn) of a card p, whose
 * M (o - c) is oq: ARUCO_SAMPLES^2 rays through the pixel's area meet the
 * printed face's plane, each reading its cell. The pixel's footprint is
 * taken in the undistorted image (a fraction of a pixel off under strong
 * distortion). Rays meeting the plane off the card count as paper: only
 * the card's white margin is there, and the card's outline does not carry
 * the marker's corners. Box-filtered like a camera's pixel, so the
 * pattern's edges are not staircases, on which sub-pixel corners would be
 * measured against the renderer rather than the detector. */
static float aruco_paper(const PhRenderer *r, const PhPrim *p, const float oq[3], float xn,
                         float yn) {
    const double *m = r->cam.rot.m;
    const int n = p->pattern_cells, total = n + 2 * p->pattern_margin;
    const float cell = 2.0f * p->h[0] / (float)total;
    int paper = 0;
    for (int sy = 0; sy < ARUCO_SAMPLES; sy++) {
        for (int sx = 0; sx < ARUCO_SAMPLES; sx++) {
            float x = xn + ((sx + 0.5f) / ARUCO_SAMPLES - 0.5f) / (float)r->cam.fx;
            float y = yn + ((sy + 0.5f) / ARUCO_SAMPLES - 0.5f) / (float)r->cam.fy;
            float d[3] = {(float)(m[0] * x + m[3] * y + m[6]), (float)(m[1] * x + m[4] * y + m[7]),
                          (float)(m[2] * x + m[5] * y + m[8])};
            float e[3];
            for (int k = 0; k < 3; k++) {
                e[k] = p->m[3 * k] * d[0] + p->m[3 * k + 1] * d[1] + p->m[3 * k + 2] * d[2];
            }
            if (!(e[2] < 0)) { /* parallel to the face or seeing its back */
                paper++;
                continue;
            }
            float t = (p->h[2] - oq[2]) / e[2];
            int col = (int)floorf((oq[0] + t * e[0] + p->h[0]) / cell) - p->pattern_margin;
            int row = (int)floorf((p->h[1] - (oq[1] + t * e[1])) / cell) - p->pattern_margin;
            paper +=
                col < 0 || row < 0 || col >= n || row >= n ? 1 : p->pattern[row * n + col] != 0;
        }
    }
    return (float)paper / (ARUCO_SAMPLES * ARUCO_SAMPLES);
}

/* One ray through the undistorted normalised image point (xn, yn): its
 * linear colour in col; returns the primitive it met, or -1 (the room). oq
 * holds M (o - c) per primitive, cand the tile's candidate primitives. */
static int trace(const PhRenderer *r, const PhPrimList *list, const float (*oq)[3],
                 const uint8_t *cand, int count, float xn, float yn, float col[3]) {
    const double *m = r->cam.rot.m;
    V3 o = r->cam.position;
    V3 light = r->light;
    V3 d = v3_norm(v3(m[0] * xn + m[3] * yn + m[6], m[1] * xn + m[4] * yn + m[7],
                      m[2] * xn + m[5] * yn + m[8]));
    float df[3] = {(float)d.x, (float)d.y, (float)d.z};
    float best_t = FLT_MAX;
    int best = -1;
    for (int c = 0; c < count; c++) {
        int i = cand[c];
        const PhPrim *p = &list->prims[i];
        const float *q = oq[i];
        float e[3];
        for (int k = 0; k < 3; k++) {
            e[k] = p->m[3 * k] * df[0] + p->m[3 * k + 1] * df[1] + p->m[3 * k + 2] * df[2];
        }
        if (p->type == PH_PRIM_ELLIPSOID) {
            float a = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
            float b = q[0] * e[0] + q[1] * e[1] + q[2] * e[2];
            float cc = q[0] * q[0] + q[1] * q[1] + q[2] * q[2] - 1;
            float disc = b * b - a * cc;
            if (disc < 0) {
                continue;
            }
            float t = (-b - sqrtf(disc)) / a;
            if (t > 0 && t < best_t) {
                best_t = t;
                best = i;
            }
        } else {
            double t;
            if (romcv__prim_intersect(p, o, d, 0, &t) && t < best_t) {
                best_t = (float)t;
                best = i;
            }
        }
    }
    if (best < 0) {
        shade_room(r, o, d, col);
    } else {
        const PhPrim *p = &list->prims[best];
        V3 hit = v3_add(o, v3_scale(d, best_t));
        V3 n = romcv__prim_normal(p, hit);
        int mat = p->material;
        if (p->type == PH_PRIM_ELLIPSOID && p->split < 1.5f) {
            float qy = oq[best][1] + best_t * (p->m[3] * df[0] + p->m[4] * df[1] + p->m[5] * df[2]);
            mat = qy > p->split ? p->material2 : p->material;
        }
        if (p->group != PH_GROUP_NONE) {
            /* Smooth blending: add the normals of neighbours of
             * the same group, weighted by their distance. */
            V3 acc = n;
            for (int c = 0; c < count; c++) {
                int j = cand[c];
                const PhPrim *pj = &list->prims[j];
                if (j == best || pj->group != p->group || pj->type != PH_PRIM_ELLIPSOID) {
                    continue;
                }
                float qo[3] = {(float)hit.x - pj->c[0], (float)hit.y - pj->c[1],
                               (float)hit.z - pj->c[2]};
                float qq[3];
                for (int k = 0; k < 3; k++) {
                    qq[k] =
                        pj->m[3 * k] * qo[0] + pj->m[3 * k + 1] * qo[1] + pj->m[3 * k + 2] * qo[2];
                }
                float len = sqrtf(qq[0] * qq[0] + qq[1] * qq[1] + qq[2] * qq[2]);
                float dist = (len - 1.0f) * pj->min_axis;
                const float k_blend = 0.03f;
                if (dist >= k_blend || dist < -k_blend) {
                    continue;
                }
                float wgt = 1.0f - fabsf(dist) / k_blend;
                wgt *= wgt;
                acc = v3_add(acc, v3_scale(romcv__prim_normal(pj, hit), wgt));
            }
            n = v3_norm(acc);
        }
        if (v3_dot(n, d) > 0) {
            n = v3_scale(n, -1);
        }
        double lam = fmax(0, v3_dot(n, light));
        double amb = 0.30 + 0.12 * n.y;
        /* A fill light from the camera keeps the far side readable. */
        double fill = 0.25 * fmax(0, -v3_dot(n, d));
        double spec = 0;
        if (mat == PH_MAT_SKIN || mat >= PH_MAT_MARKER_0 || mat == PH_MAT_EYE_WHITE ||
            mat == PH_MAT_IRIS) {
            V3 hv = v3_norm(v3_sub(light, d));
            double s = fmax(0, v3_dot(n, hv));
            s *= s;
            s *= s;
            s *= s;
            spec = 0.12 * s * s;
        }
        double li = amb + 0.8 * lam + fill;
        const float *albedo = r->albedo[mat];
        float printed[3];
        if (p->pattern) {
            /* The printed face (+z) shows the pattern; the
             * card's edges and back are plain paper. */
            float qz = oq[best][2] + best_t * (p->m[6] * df[0] + p->m[7] * df[1] + p->m[8] * df[2]);
            float white = qz > 0 ? aruco_paper(r, p, oq[best], xn, yn) : 1.0f;
            for (int k = 0; k < 3; k++) {
                printed[k] = r->ink + (r->paper - r->ink) * white;
            }
            albedo = printed;
            spec = 0;
        }
        for (int k = 0; k < 3; k++) {
            col[k] = (float)(albedo[k] * li + spec);
        }
    }
    return best;
}

/* Pixels on a primitive's outline are traced again with ray grid
 * EDGE_SAMPLES x EDGE_SAMPLES spread over the pixel and their colours
 * averaged, as a camera's pixel integrates the light over its area. With
 * one ray a pixel the outline of a 9 px ball was a staircase whose centroid
 * wandered by 0.1-0.2 px with the ball's sub-pixel position, a fault of the
 * renderer that skin-marker and landmark measurements inherited. Interior
 * pixels keep one ray: shading varies slowly there. */
#define EDGE_SAMPLES 3

void romcv__renderer_draw(PhRenderer *r, const PhPrimList *list, uint8_t *rgb, int stride) {
    bin_tiles(r, list);
    grid_fill(&r->floor, list, r->light);
    grid_fill(&r->wall, list, r->light);
    const PhCamera *cam = &r->cam;
    int w = cam->width, h = cam->height;
    V3 o = cam->position;
    float oq[PH_MAX_PRIMS][3]; /* M (o - c) per primitive: constant over the frame */
    for (int i = 0; i < list->count; i++) {
        const PhPrim *p = &list->prims[i];
        float oc[3] = {(float)(o.x - p->c[0]), (float)(o.y - p->c[1]), (float)(o.z - p->c[2])};
        for (int k = 0; k < 3; k++) {
            oq[i][k] = p->m[3 * k] * oc[0] + p->m[3 * k + 1] * oc[1] + p->m[3 * k + 2] * oc[2];
        }
    }
    uint8_t *hit = r->hit;
    for (int ty = 0; ty < r->tiles_y; ty++) {
        for (int tx = 0; tx < r->tiles_x; tx++) {
            size_t tile = (size_t)ty * r->tiles_x + tx;
            int count = r->tile_count[tile];
            const uint8_t *cand = &r->tile_prims[tile * PH_MAX_PRIMS];
            for (int y = ty * TILE; y < (ty + 1) * TILE && y < h; y++) {
                uint8_t *row = rgb + (size_t)y * stride;
                for (int x = tx * TILE; x < (tx + 1) * TILE && x < w; x++) {
                    size_t at = (size_t)y * w + x;
                    float col[3];
                    int best = trace(r, list, (const float(*)[3])oq, cand, count, r->xn[at],
                                     r->yn[at], col);
                    hit[at] = best < 0 ? 255 : (uint8_t)best;
                    row[3 * x] = to_srgb(r, col[0]);
                    row[3 * x + 1] = to_srgb(r, col[1]);
                    row[3 * x + 2] = to_srgb(r, col[2]);
                }
            }
        }
    }
    /* Second pass: the outlines. The footprint of a pixel in normalised
     * coordinates is taken from its neighbours' centres (exact without
     * distortion, a close linear estimate with it). */
    for (int ty = 0; ty < r->tiles_y; ty++) {
        for (int tx = 0; tx < r->tiles_x; tx++) {
            size_t tile = (size_t)ty * r->tiles_x + tx;
            int count = r->tile_count[tile];
            const uint8_t *cand = &r->tile_prims[tile * PH_MAX_PRIMS];
            for (int y = ty * TILE; y < (ty + 1) * TILE && y < h; y++) {
                uint8_t *row = rgb + (size_t)y * stride;
                for (int x = tx * TILE; x < (tx + 1) * TILE && x < w; x++) {
                    size_t at = (size_t)y * w + x;
                    uint8_t id = hit[at];
                    int edge = (x > 0 && hit[at - 1] != id) || (x < w - 1 && hit[at + 1] != id) ||
                               (y > 0 && hit[at - w] != id) || (y < h - 1 && hit[at + w] != id);
                    if (!edge) {
                        continue;
                    }
                    size_t xl = x > 0 ? at - 1 : at, xr = x < w - 1 ? at + 1 : at;
                    size_t yu = y > 0 ? at - w : at, yd = y < h - 1 ? at + w : at;
                    float dxn = (r->xn[xr] - r->xn[xl]) / (float)(xr - xl);
                    float dyn = (r->yn[yd] - r->yn[yu]) / (float)((yd - yu) / (size_t)w);
                    float acc[3] = {0, 0, 0};
                    for (int sy = 0; sy < EDGE_SAMPLES; sy++) {
                        for (int sx = 0; sx < EDGE_SAMPLES; sx++) {
                            float ox = (sx + 0.5f) / EDGE_SAMPLES - 0.5f;
                            float oy = (sy + 0.5f) / EDGE_SAMPLES - 0.5f;
                            float col[3];
                            trace(r, list, (const float(*)[3])oq, cand, count, r->xn[at] + ox * dxn,
                                  r->yn[at] + oy * dyn, col);
                            for (int k = 0; k < 3; k++) {
                                acc[k] += col[k];
                            }
                        }
                    }
                    const float inv = 1.0f / (EDGE_SAMPLES * EDGE_SAMPLES);
                    row[3 * x] = to_srgb(r, acc[0] * inv);
                    row[3 * x + 1] = to_srgb(r, acc[1] * inv);
                    row[3 * x + 2] = to_srgb(r, acc[2] * inv);
                }
            }
        }
    }
}

void romcv__renderer_set_albedo(PhRenderer *r, int material, const uint8_t srgb[3]) {
    if (material >= 0 && material < PH_MAT_COUNT) {
        for (int k = 0; k < 3; k++) {
            r->albedo[material][k] = (float)srgb_to_linear(srgb[k]);
        }
    }
}
