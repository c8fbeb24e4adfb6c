/*
 * calib/camera.c: the camera model of romcv/calib.h: validation, the
 * versioned JSON camera file (docs/camera-file.md) and point (un)distortion.
 *
 * Undistortion is pure C: OpenCV's cv::undistortPoints runs a fixed number of
 * fixed-point iterations and does not say whether they converged, while
 * landmarks near the edge of a wide-angle image are exactly where it matters.
 * Gauss-Newton on the forward model with its analytic Jacobian converges
 * quadratically and lets us report the points that do not.
 */
#include "romcv/calib.h"

#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ model */

void romcv_calib_camera_ideal(RomcvCameraModel *camera, int width, int height, double focal_px) {
    memset(camera, 0, sizeof(*camera));
    camera->width = width;
    camera->height = height;
    camera->fx = focal_px;
    camera->fy = focal_px;
    /* OpenCV's pixel centres are integers, so the image centre is (w-1)/2. */
    camera->cx = (width - 1) / 2.0;
    camera->cy = (height - 1) / 2.0;
}

/* One numeric field of the model and the range it must lie in. The same
 * table drives validation, the file reader (with positions) and the writer,
 * so the three cannot disagree. */
typedef struct Field {
    const char *section; /* the camera file's object holding it */
    const char *key;
    size_t offset;
    int is_int;
    int optional;     /* may be absent from the file (then 0) */
    int lo_exclusive; /* value must be > lo, not >= lo */
    double lo, hi;
} Field;

#define OFF(f) offsetof(RomcvCameraModel, f)
/* Distortion coefficients beyond these bounds only come from a failed fit:
 * OpenCV's fisheye-grade lenses stay within |k| < 100, and decentring (p1,
 * p2) is a small correction by construction (Brown 1966). */
static const Field fields[] = {
    {"image", "width", OFF(width), 1, 0, 0, 1, 16384},
    {"image", "height", OFF(height), 1, 0, 0, 1, 16384},
    {"intrinsics", "fx", OFF(fx), 0, 0, 1, 0, 1e6},
    {"intrinsics", "fy", OFF(fy), 0, 0, 1, 0, 1e6},
    {"intrinsics", "cx", OFF(cx), 0, 0, 0, -0.5, 16384},
    {"intrinsics", "cy", OFF(cy), 0, 0, 0, -0.5, 16384},
    {"distortion", "k1", OFF(k1), 0, 0, 0, -1000, 1000},
    {"distortion", "k2", OFF(k2), 0, 0, 0, -1000, 1000},
    {"distortion", "p1", OFF(p1), 0, 0, 0, -1, 1},
    {"distortion", "p2", OFF(p2), 0, 0, 0, -1, 1},
    {"distortion", "k3", OFF(k3), 0, 0, 0, -1000, 1000},
    {"calibration", "reprojection_rms_px", OFF(reprojection_rms_px), 0, 1, 0, 0, 1000},
    {"calibration", "views", OFF(views), 1, 1, 0, 0, 100000},
};
#undef OFF

static double field_get(const RomcvCameraModel *camera, const Field *f) {
    const char *base = (const char *)camera + f->offset;
    if (f->is_int) {
        int v;
        memcpy(&v, base, sizeof(v));
        return v;
    }
    double v;
    memcpy(&v, base, sizeof(v));
    return v;
}

static void field_set(RomcvCameraModel *camera, const Field *f, double value) {
    char *base = (char *)camera + f->offset;
    if (f->is_int) {
        int v = (int)value;
        memcpy(base, &v, sizeof(v));
    } else {
        memcpy(base, &value, sizeof(value));
    }
}

/* Writes why value is out of f's range into why (size bytes); 0 if it is in. */
static int field_range_error(const Field *f, double value, char *why, size_t size) {
    if (!isfinite(value)) {
        snprintf(why, size, "%s must be a finite number", f->key);
        return 1;
    }
    if (f->is_int && value != floor(value)) {
        snprintf(why, size, "%s must be an integer, got %.17g", f->key, value);
        return 1;
    }
    int low = f->lo_exclusive ? !(value > f->lo) : !(value >= f->lo);
    if (low || value > f->hi) {
        if (f->lo_exclusive && f->lo == 0) {
            snprintf(why, size, "%s must be positive (at most %g), got %.17g", f->key, f->hi,
                     value);
        } else {
            snprintf(why, size, "%s must be between %g and %g, got %.17g", f->key, f->lo, f->hi,
                     value);
        }
        return 1;
    }
    return 0;
}

/* Checks relations between fields: the principal point lies in the image. */
static int cross_field_error(const RomcvCameraModel *c, char *why, size_t size) {
    if (c->cx > c->width - 0.5) {
        snprintf(why, size, "cx must lie inside the %d px wide image, got %.17g", c->width, c->cx);
        return 1;
    }
    if (c->cy > c->height - 0.5) {
        snprintf(why, size, "cy must lie inside the %d px high image, got %.17g", c->height, c->cy);
        return 1;
    }
    return 0;
}

int romcv_calib_camera_validate(const RomcvCameraModel *camera, const char *label,
                                RomcvDiag *diag) {
    char why[256];
    const char *sep = label ? ": " : "";
    label = label ? label : "";
    if (!camera) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s%sno camera", label, sep);
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (field_range_error(&fields[i], field_get(camera, &fields[i]), why, sizeof(why))) {
            return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s%s%s", label, sep, why);
        }
    }
    if (cross_field_error(camera, why, sizeof(why))) {
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s%s%s", label, sep, why);
    }
    return 0;
}

int romcv_calib_camera_fit_to(RomcvCameraModel *camera, int width, int height, const char *label,
                              RomcvDiag *diag) {
    label = label ? label : "camera";
    if (width <= 0 || height <= 0) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: invalid frame size %dx%d", label, width,
                              height);
    }
    if (width == camera->width && height == camera->height) {
        return 0;
    }
    double aspect = (double)width / height, calibrated = (double)camera->width / camera->height;
    if (fabs(aspect / calibrated - 1) > 0.005) {
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                              "%s: calibrated for %dx%d frames, the video is %dx%d%s; calibrate "
                              "at the resolution and orientation you record",
                              label, camera->width, camera->height, width, height,
                              width == camera->height && height == camera->width ? " (rotated)"
                                                                                 : "");
    }
    /* Pixel centres are integers, so coordinates scale about -0.5 (the
     * image's top-left edge), not about 0. */
    double sx = (double)width / camera->width, sy = (double)height / camera->height;
    camera->fx *= sx;
    camera->fy *= sy;
    camera->cx = (camera->cx + 0.5) * sx - 0.5;
    camera->cy = (camera->cy + 0.5) * sy - 0.5;
    camera->width = width;
    camera->height = height;
    return 0;
}

/* ------------------------------------------------------------ file: write */

#define FORMAT_NAME      "romcv-camera"
#define DISTORTION_MODEL "opencv-brown-conrady"

int romcv_calib_camera_save(const RomcvCameraModel *camera, const char *path, RomcvDiag *diag) {
    int rc = romcv_calib_camera_validate(camera, path, diag);
    if (rc < 0) {
        return rc;
    }
    /* A unique temporary name in the same folder, so rename() is atomic and
     * two runs writing the same file never share a temporary. */
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (!tmp) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = romcv_diag_set(diag, ROMCV_ERR(errno), "%s: cannot create a temporary file: %s", path,
                            strerror(errno));
        free(tmp);
        return rc;
    }
    FILE *file = fdopen(fd, "w");
    if (!file) {
        rc = romcv_diag_set(diag, ROMCV_ERR(errno), "%s: %s", path, strerror(errno));
        close(fd);
        goto fail;
    }
    RomcvJsonWriter *w = NULL;
    rc = romcv__json_writer_create(&w, file, ROMCV_JSON_WRITE_PRETTY);
    if (rc < 0) {
        romcv_diag_set(diag, rc, "%s: out of memory", path);
        fclose(file);
        goto fail;
    }
    romcv__json_write_begin_object(w);
    romcv__json_write_key(w, "format");
    romcv__json_write_string(w, FORMAT_NAME);
    romcv__json_write_key(w, "version");
    romcv__json_write_int64(w, ROMCV_CAMERA_FILE_VERSION);
    const char *open_section = NULL;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const Field *f = &fields[i];
        if (!open_section || strcmp(open_section, f->section) != 0) {
            if (open_section) {
                romcv__json_write_end_object(w);
            }
            romcv__json_write_key(w, f->section);
            romcv__json_write_begin_object(w);
            open_section = f->section;
            if (strcmp(f->section, "distortion") == 0) {
                romcv__json_write_key(w, "model");
                romcv__json_write_string(w, DISTORTION_MODEL);
            }
        }
        romcv__json_write_key(w, f->key);
        if (f->is_int) {
            romcv__json_write_int64(w, (int64_t)field_get(camera, f));
        } else {
            romcv__json_write_number(w, field_get(camera, f));
        }
    }
    romcv__json_write_end_object(w);
    romcv__json_write_end_object(w);
    rc = romcv__json_writer_finish(w, diag);
    romcv__json_writer_destroy(&w);
    if (fputc('\n', file) == EOF) {
        rc = rc < 0 ? rc : ROMCV_ERR(EIO);
    }
    if (fclose(file) != 0 && rc == 0) {
        rc = ROMCV_ERR(errno);
    }
    if (rc < 0) {
        romcv_diag_set(diag, rc, "%s: cannot write: %s", path, romcv_strerror(rc));
        goto fail;
    }
    if (rename(tmp, path) != 0) {
        rc = romcv_diag_set(diag, ROMCV_ERR(errno), "%s: cannot rename into place: %s", path,
                            strerror(errno));
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    unlink(tmp);
    free(tmp);
    return rc;
}

/* ------------------------------------------------------------ file: read */

/* Fails with "label:line:col: text" at value (the document root when NULL). */
static int fail_at(const RomcvJsonDoc *doc, const RomcvJsonValue *at, RomcvDiag *diag,
                   const char *fmt, ...) ROMCV_PRINTF(4, 5);
static int fail_at(const RomcvJsonDoc *doc, const RomcvJsonValue *at, RomcvDiag *diag,
                   const char *fmt, ...) {
    char text[384];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    int line = 1, column = 1;
    romcv__json_position(doc, at ? at : romcv__json_root(doc), &line, &column);
    return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s:%d:%d: %s", romcv__json_label(doc), line,
                          column, text);
}

static int is_known_section(const char *key) {
    if (strcmp(key, "format") == 0 || strcmp(key, "version") == 0) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strcmp(fields[i].section, key) == 0) {
            return 1;
        }
    }
    return 0;
}

static int is_known_key(const char *section, const char *key) {
    if (strcmp(section, "distortion") == 0 && strcmp(key, "model") == 0) {
        return 1;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strcmp(fields[i].section, section) == 0 && strcmp(fields[i].key, key) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Checks that value is an object whose members are all known: a typo such
 * as "fX" must not silently leave a coefficient at 0. */
static int check_object(const RomcvJsonDoc *doc, const RomcvJsonValue *value, const char *name,
                        RomcvDiag *diag) {
    if (romcv__json_type(value) != ROMCV_JSON_OBJECT) {
        return fail_at(doc, value, diag, "%s must be an object, found %s", name,
                       romcv__json_type_name(romcv__json_type(value)));
    }
    for (size_t i = 0; i < romcv__json_size(value); i++) {
        const char *key = NULL;
        const RomcvJsonValue *member = romcv__json_member(value, i, &key);
        int known =
            value == romcv__json_root(doc) ? is_known_section(key) : is_known_key(name, key);
        if (!known) {
            return fail_at(doc, member, diag, "unknown member \"%s\" in %s", key, name);
        }
    }
    return 0;
}

static int parse_doc(RomcvCameraModel *camera, const RomcvJsonDoc *doc, RomcvDiag *diag) {
    const RomcvJsonValue *root = romcv__json_root(doc);
    const char *label = romcv__json_label(doc);
    if (romcv__json_type(root) != ROMCV_JSON_OBJECT) {
        return fail_at(doc, root, diag, "a camera file is a JSON object, found %s",
                       romcv__json_type_name(romcv__json_type(root)));
    }
    const RomcvJsonValue *format = romcv__json_get(root, "format");
    const char *format_text = romcv__json_string(format, NULL);
    if (!format_text || strcmp(format_text, FORMAT_NAME) != 0) {
        if (!format) {
            return romcv_diag_set(
                diag, ROMCV_E_INVALID_DATA,
                "%s: not a romcv camera file (no \"format\": \"" FORMAT_NAME "\")", label);
        }
        return fail_at(doc, format, diag, "format must be \"" FORMAT_NAME "\"");
    }
    const RomcvJsonValue *version = romcv__json_get(root, "version");
    int64_t v = 0;
    if (!version) {
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: missing \"version\"", label);
    }
    if (romcv__json_int64(version, &v) < 0) {
        return fail_at(doc, version, diag, "version must be an integer");
    }
    if (v > ROMCV_CAMERA_FILE_VERSION) {
        return fail_at(doc, version, diag,
                       "version %lld is newer than this romcv reads (%d): update romcv",
                       (long long)v, ROMCV_CAMERA_FILE_VERSION);
    }
    if (v < 1) {
        return fail_at(doc, version, diag, "version must be at least 1, got %lld", (long long)v);
    }
    int rc = check_object(doc, root, "the camera file", diag);
    if (rc < 0) {
        return rc;
    }
    RomcvCameraModel c;
    memset(&c, 0, sizeof(c));
    const char *checked_section = NULL;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const Field *f = &fields[i];
        const RomcvJsonValue *section = romcv__json_get(root, f->section);
        if (!section) {
            if (f->optional) {
                continue;
            }
            return romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: missing \"%s\"", label,
                                  f->section);
        }
        if (!checked_section || strcmp(checked_section, f->section) != 0) {
            rc = check_object(doc, section, f->section, diag);
            if (rc < 0) {
                return rc;
            }
            checked_section = f->section;
        }
        const RomcvJsonValue *value = romcv__json_get(section, f->key);
        if (!value) {
            if (f->optional) {
                continue;
            }
            return fail_at(doc, section, diag, "%s: missing \"%s\"", f->section, f->key);
        }
        if (romcv__json_type(value) != ROMCV_JSON_NUMBER) {
            return fail_at(doc, value, diag, "%s must be a number, found %s", f->key,
                           romcv__json_type_name(romcv__json_type(value)));
        }
        double number = romcv__json_number(value);
        char why[256];
        if (field_range_error(f, number, why, sizeof(why))) {
            return fail_at(doc, value, diag, "%s", why);
        }
        field_set(&c, f, number);
    }
    const RomcvJsonValue *model = romcv__json_get(romcv__json_get(root, "distortion"), "model");
    const char *model_text = romcv__json_string(model, NULL);
    if (model && (!model_text || strcmp(model_text, DISTORTION_MODEL) != 0)) {
        return fail_at(doc, model, diag, "distortion model must be \"" DISTORTION_MODEL "\"");
    }
    char why[256];
    if (cross_field_error(&c, why, sizeof(why))) {
        return fail_at(doc, romcv__json_get(root, "intrinsics"), diag, "%s", why);
    }
    *camera = c;
    return 0;
}

int romcv_calib_camera_parse(RomcvCameraModel *camera, const char *text, size_t size,
                             const char *label, RomcvDiag *diag) {
    RomcvJsonDoc *doc = NULL;
    /* A camera file is a few hundred bytes: a small limit keeps a hostile
     * file from costing memory (json.h: up to 80 bytes of tree per value). */
    RomcvJsonLimits limits = romcv__json_default_limits();
    limits.max_size = 64 * 1024;
    limits.max_depth = 8;
    int rc = romcv__json_parse_ex(&doc, text, size, label ? label : "camera.json", &limits, diag);
    if (rc < 0) {
        return rc;
    }
    rc = parse_doc(camera, doc, diag);
    romcv__json_free(&doc);
    return rc;
}

int romcv_calib_camera_load(RomcvCameraModel *camera, const char *path, RomcvDiag *diag) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        int err = errno;
        return romcv_diag_set(diag, err == ENOENT ? ROMCV_E_NOT_FOUND : ROMCV_ERR(err), "%s: %s",
                              path, strerror(err));
    }
    /* Read at most one byte past the limit, so an oversized file fails in
     * the parser with its usual message rather than being read whole. */
    size_t cap = 64 * 1024 + 1, size = 0;
    char *text = malloc(cap);
    if (!text) {
        fclose(file);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    }
    size = fread(text, 1, cap, file);
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        free(text);
        return romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: read error", path);
    }
    int rc = romcv_calib_camera_parse(camera, text, size, path, diag);
    free(text);
    return rc;
}

/* ------------------------------------------------------------ distortion */

/* The Brown-Conrady model in normalised coordinates, with its Jacobian
 * (j = d(xd, yd)/d(x, y), row-major) when j is not NULL. */
static void distort_normalised(const RomcvCameraModel *c, double x, double y, double *xd,
                               double *yd, double j[4]) {
    double r2 = x * x + y * y;
    double radial = 1 + r2 * (c->k1 + r2 * (c->k2 + r2 * c->k3));
    *xd = x * radial + 2 * c->p1 * x * y + c->p2 * (r2 + 2 * x * x);
    *yd = y * radial + c->p1 * (r2 + 2 * y * y) + 2 * c->p2 * x * y;
    if (j) {
        double dradial = c->k1 + r2 * (2 * c->k2 + 3 * c->k3 * r2); /* d radial / d r2 */
        j[0] = radial + 2 * x * x * dradial + 2 * c->p1 * y + 6 * c->p2 * x;
        j[1] = 2 * x * y * dradial + 2 * c->p1 * x + 2 * c->p2 * y;
        j[2] = 2 * x * y * dradial + 2 * c->p1 * x + 2 * c->p2 * y;
        j[3] = radial + 2 * y * y * dradial + 6 * c->p1 * y + 2 * c->p2 * x;
    }
}

void romcv_calib_distort_point(const RomcvCameraModel *camera, double x, double y, double *xd,
                               double *yd) {
    double nx = (x - camera->cx) / camera->fx, ny = (y - camera->cy) / camera->fy;
    double dx, dy;
    distort_normalised(camera, nx, ny, &dx, &dy, NULL);
    *xd = dx * camera->fx + camera->cx;
    *yd = dy * camera->fy + camera->cy;
}

int romcv_calib_undistort_point(const RomcvCameraModel *camera, double xd, double yd, double *x,
                                double *y) {
    if (isnan(xd) || isnan(yd)) {
        *x = NAN;
        *y = NAN;
        return 0;
    }
    double tx = (xd - camera->cx) / camera->fx, ty = (yd - camera->cy) / camera->fy;
    /* The distorted point is the starting guess: distortion is a small
     * correction near the centre, and the iteration is quadratic from there. */
    double nx = tx, ny = ty;
    /* 1e-6 px in normalised units (the focal length is the pixel scale). */
    double tolerance = 1e-6 / fmax(camera->fx, camera->fy);
    for (int iter = 0; iter < 50; iter++) {
        double fxv, fyv, j[4];
        distort_normalised(camera, nx, ny, &fxv, &fyv, j);
        double ex = fxv - tx, ey = fyv - ty;
        if (fabs(ex) < tolerance && fabs(ey) < tolerance) {
            *x = nx * camera->fx + camera->cx;
            *y = ny * camera->fy + camera->cy;
            return 0;
        }
        double det = j[0] * j[3] - j[1] * j[2];
        /* A vanishing or negative Jacobian means the model folds over here
         * (beyond the calibrated field, radial distortion turns back): there
         * is no unique answer, so say so rather than pick one. */
        if (!(det > 1e-9) || !isfinite(det)) {
            break;
        }
        nx -= (j[3] * ex - j[1] * ey) / det;
        ny -= (-j[2] * ex + j[0] * ey) / det;
        if (!isfinite(nx) || !isfinite(ny)) {
            break;
        }
    }
    *x = NAN;
    *y = NAN;
    return ROMCV_E_INVALID_DATA;
}

size_t romcv_calib_undistort_points(const RomcvCameraModel *camera, float *x, float *y, size_t n) {
    size_t lost = 0;
    for (size_t i = 0; i < n; i++) {
        double ux, uy;
        int was_nan = isnan(x[i]) || isnan(y[i]);
        romcv_calib_undistort_point(camera, x[i], y[i], &ux, &uy);
        x[i] = (float)ux;
        y[i] = (float)uy;
        lost += !was_nan && isnan(ux);
    }
    return lost;
}
