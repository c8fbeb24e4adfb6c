/*
 * vision/aruco.c: printed square fiducials (ArUco) as skin markers
 * (romcv/vision.h, "ArUco skin markers"; docs/markers.md).
 *
 * The id names the marker, so this file only maps ids to labels, turns four
 * corners into a centre and refuses duplicates; finding and decoding the
 * squares is OpenCV's (cv::aruco::detectMarkers through vision/cv_bridge.h).
 * Memory: a fixed array of markers per frame, nothing that grows.
 */
#include "romcv/vision.h"
#include "romcv/metrics.h"
#include "vision/cv_bridge.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Squares read per frame. The dictionary has 50 ids; a frame with more
 * squares than this is not a clinical recording, and the extra ones are
 * ignored (the labels' ids among them are then missed, not guessed). */
#define MAX_SQUARES 64

_Static_assert(ROMCV_MARKER_LABELS == ROMCV_MARKER_COUNT, "one label per RomcvMarker");

struct RomcvArucoDetector {
    RomcvArucoSettings s;
    RomcvCvAruco squares[MAX_SQUARES];
    long ambiguous_frames;
    long ambiguous[ROMCV_MARKER_LABELS];
    int in_duplicate_run[ROMCV_MARKER_LABELS]; /* warn once per run of frames */
    char errmsg[ROMCV_DIAG_MESSAGE_SIZE];
};

void romcv_aruco_default_settings(RomcvArucoSettings *s) {
    memset(s, 0, sizeof *s);
    s->min_side_px = 8.0f;
    s->refine_half_px = 2;
}

int romcv_aruco_create(RomcvArucoDetector **out, const RomcvArucoSettings *s, RomcvDiag *diag) {
    if (!out) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: no place for the detector");
    }
    *out = NULL;
    if (!s) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: no settings");
    }
    if (!(s->min_side_px >= 4.0f && s->min_side_px <= 1000.0f)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: min_side_px %g: must be 4..1000",
                              (double)s->min_side_px);
    }
    if (s->refine_half_px < 1 || s->refine_half_px > 15) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "aruco: refine_half_px %d: must be 1..15",
                              s->refine_half_px);
    }
    RomcvArucoDetector *d = calloc(1, sizeof *d);
    if (!d) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "aruco: out of memory");
    }
    d->s = *s;
    *out = d;
    return 0;
}

/* The crossing of the diagonals 0-2 and 1-3 of a quadrilateral; 0 when they
 * are parallel (a degenerate square, never produced by detectMarkers). */
static int diagonal_crossing(const RomcvCvAruco *m, double *x, double *y) {
    double ax = m->x[0], ay = m->y[0], bx = m->x[2], by = m->y[2];
    double cx = m->x[1], cy = m->y[1], dx = m->x[3], dy = m->y[3];
    double ux = bx - ax, uy = by - ay, vx = dx - cx, vy = dy - cy;
    double den = ux * vy - uy * vx;
    if (!(fabs(den) > 1e-9)) {
        return 0;
    }
    double t = ((cx - ax) * vy - (cy - ay) * vx) / den;
    *x = ax + t * ux;
    *y = ay + t * uy;
    return 1;
}

int romcv_aruco_detect(RomcvArucoDetector *d, const RomcvFrame *frame, RomcvMarkerFrame *out) {
    if (!d || !frame || !out) {
        return ROMCV_ERR(EINVAL);
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        out->x[k] = out->y[k] = NAN;
        out->visibility[k] = 0;
    }
    out->ambiguous = 0;
    out->view = 0;
    if (frame->format != ROMCV_PIX_RGB24) {
        snprintf(d->errmsg, sizeof d->errmsg, "aruco: the frame is not RGB24");
        return ROMCV_ERR(EINVAL);
    }
    RomcvDiag diag = {0};
    int count = 0, total = 0;
    int rc =
        romcv__cv_aruco_detect(frame, ROMCV_CV_ARUCO_4X4_50, d->s.min_side_px, d->s.refine_half_px,
                               d->squares, MAX_SQUARES, &count, &total, &diag);
    if (rc < 0) {
        snprintf(d->errmsg, sizeof d->errmsg, "%s", diag.message);
        return rc;
    }
    int seen[ROMCV_MARKER_LABELS] = {0};
    for (int i = 0; i < count; i++) {
        const RomcvCvAruco *m = &d->squares[i];
        if (m->id < 0 || m->id >= ROMCV_MARKER_LABELS) {
            continue; /* not one of ours: ignored (docs/markers.md) */
        }
        double x, y;
        if (!diagonal_crossing(m, &x, &y)) {
            continue;
        }
        if (seen[m->id]++ == 0) {
            out->x[m->id] = (float)x;
            out->y[m->id] = (float)y;
            out->visibility[m->id] = 1;
        }
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        if (seen[k] < 2) {
            d->in_duplicate_run[k] = 0;
            continue;
        }
        /* Two squares with one id: which is on the patient cannot be told
         * from the picture alone, so neither is taken. */
        out->x[k] = out->y[k] = NAN;
        out->visibility[k] = 0;
        out->ambiguous = 1;
        d->ambiguous[k]++;
        if (!d->in_duplicate_run[k]) {
            romcv_log(&d->s.logger, ROMCV_LOG_WARNING, "markers",
                      "%.3f s: ArUco id %d (%s) seen %d times; not taken until it is seen once "
                      "(keep spare markers out of the picture)",
                      frame->time_s, k, romcv_marker_name(k), seen[k]);
        }
        d->in_duplicate_run[k] = 1;
    }
    d->ambiguous_frames += out->ambiguous;
    return 0;
}

long romcv_aruco_ambiguous_frames(const RomcvArucoDetector *d, int label) {
    if (!d) {
        return 0;
    }
    if (label < 0) {
        return d->ambiguous_frames;
    }
    return label < ROMCV_MARKER_LABELS ? d->ambiguous[label] : 0;
}

const char *romcv_aruco_errmsg(const RomcvArucoDetector *d) {
    return d ? d->errmsg : "";
}

void romcv_aruco_destroy(RomcvArucoDetector **d) {
    if (d && *d) {
        free(*d);
        *d = NULL;
    }
}

/* ------------------------------------------------------------ the sheet */

#define PAGE_W_MM 210.0 /* A4 */
#define PAGE_H_MM 297.0
#define PAGE_EDGE 12.0 /* mm of page edge left blank: printers cannot print it */
#define QUIET     2    /* cells of white around the square (as the phantom's cards) */
#define SLOT_GAP  6.0  /* mm between cards */
#define LABEL_MM  9.0  /* under each card */
#define HEADER_MM 14.0 /* title */
#define FOOTER_MM 22.0 /* the scale bar */

/* Columns that fit n cards of side card_mm on the page, or 0. */
static int sheet_columns(double card_mm, int n) {
    for (int cols = 2; cols <= 4; cols++) {
        int rows = (n + cols - 1) / cols;
        double w = cols * card_mm + (cols - 1) * SLOT_GAP;
        double h = HEADER_MM + rows * (card_mm + LABEL_MM + SLOT_GAP) + FOOTER_MM;
        if (w <= PAGE_W_MM - 2 * PAGE_EDGE && h <= PAGE_H_MM - 2 * PAGE_EDGE) {
            return cols;
        }
    }
    return 0;
}

static void box(RomcvCvShape *s, double x0, double y0, double x1, double y1, uint8_t grey,
                float thickness) {
    memset(s, 0, sizeof *s);
    s->kind = ROMCV_CV_BOX;
    s->x0 = (float)x0;
    s->y0 = (float)y0;
    s->x1 = (float)x1;
    s->y1 = (float)y1;
    s->thickness = thickness;
    s->rgb[0] = s->rgb[1] = s->rgb[2] = grey;
}

static void text(RomcvCvShape *s, double x, double y, const char *t, float scale) {
    memset(s, 0, sizeof *s);
    s->kind = ROMCV_CV_TEXT;
    s->x0 = (float)x;
    s->y0 = (float)y;
    s->text = t;
    s->text_scale = scale;
    s->thickness = scale * 2;
}

/* One page: markers first .. first + count - 1 in cols columns. */
static int sheet_page(const char *path, double size_mm, double dpi, int first, int count, int cols,
                      const char *page_note, RomcvDiag *diag) {
    const double quiet = (6.0 + 2 * QUIET) / 6.0; /* card side over square side */
    const double px = dpi / 25.4;                 /* px per mm */
    RomcvFrame *page = NULL;
    int rc = romcv_frame_create(&page, (int)lround(PAGE_W_MM * px), (int)lround(PAGE_H_MM * px),
                                ROMCV_PIX_RGB24);
    if (rc < 0) {
        return romcv_diag_set(diag, rc, "sheet: out of memory");
    }
    for (int y = 0; y < page->height; y++) {
        memset(page->data + (size_t)y * (size_t)page->stride, 255, 3 * (size_t)page->width);
    }
    /* 13 cards x (36 cells + outline + 2 labels) + title and scale bar. */
    enum { MAX_SHAPES = ROMCV_MARKER_LABELS * 40 + 32 };
    RomcvCvShape *shapes = calloc(MAX_SHAPES, sizeof *shapes);
    char(*labels)[64] = calloc(ROMCV_MARKER_LABELS, sizeof *labels);
    if (!shapes || !labels) {
        free(shapes);
        free(labels);
        romcv_frame_unref(&page);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "sheet: out of memory");
    }
    char title[128], bar_text[128];
    snprintf(title, sizeof title, "romcv ArUco skin markers: DICT_4X4_50, squares %g mm%s", size_mm,
             page_note);
    snprintf(bar_text, sizeof bar_text, "100 mm: print at 100 %% (no fit to page), check");
    size_t n = 0;
    float small = (float)(2.2 * px / 22.0 * 1.6); /* Hershey capitals about 3.5 mm */
    text(&shapes[n++], PAGE_EDGE * px, (PAGE_EDGE + 6) * px, title, small);
    text(&shapes[n++], PAGE_EDGE * px, (PAGE_EDGE + 11) * px, "cut along the grey lines", small);
    double card = size_mm * quiet, cell = size_mm / 6.0;
    for (int k = first; k < first + count && rc == 0; k++) {
        uint8_t bits[64];
        int cells = 0;
        rc = romcv__cv_aruco_bits(ROMCV_CV_ARUCO_4X4_50, k, bits, 64, &cells, diag);
        if (rc < 0) {
            break;
        }
        double x0 = PAGE_EDGE + ((k - first) % cols) * (card + SLOT_GAP);
        double y0 = PAGE_EDGE + HEADER_MM + ((k - first) / cols) * (card + LABEL_MM + SLOT_GAP);
        box(&shapes[n++], x0 * px, y0 * px, (x0 + card) * px, (y0 + card) * px, 170, 1);
        for (int r = 0; r < cells; r++) {
            for (int c = 0; c < cells; c++) {
                if (!bits[r * cells + c]) {
                    double cx = x0 + (QUIET + c) * cell, cy = y0 + (QUIET + r) * cell;
                    /* Cells overlap by a fraction of a pixel, so none is
                     * parted from its neighbour by a white seam. */
                    box(&shapes[n++], cx * px, cy * px, (cx + cell) * px + 0.5,
                        (cy + cell) * px + 0.5, 0, 0);
                }
            }
        }
        snprintf(labels[k], sizeof labels[k], "%d: %s", k, romcv_marker_title(k));
        /* A long name ("10: right lateral knee") is set smaller to stay
         * within its card's column: at full size it ran into the next. */
        float scale = small;
        int width = 0, height = 0, depth = 0;
        double room = (card + 0.5 * SLOT_GAP) * px;
        if (romcv__cv_text_size(labels[k], small, small * 2, &width, &height, &depth) == 0 &&
            width > room) {
            scale = (float)(small * room / width);
        }
        text(&shapes[n++], x0 * px, (y0 + card + 5.5) * px, labels[k], scale);
    }
    /* The scale bar: 100 mm with a tick every 10 mm. */
    double bx = PAGE_EDGE, by = PAGE_H_MM - PAGE_EDGE - FOOTER_MM + 8;
    box(&shapes[n++], bx * px, by * px, (bx + 100) * px, (by + 2) * px, 0, 0);
    for (int t = 0; t <= 10; t++) {
        double x = bx + 10.0 * t;
        box(&shapes[n++], x * px - 1, (by - (t % 5 ? 2 : 4)) * px, x * px + 1, by * px, 0, 0);
    }
    text(&shapes[n++], bx * px, (by + 8) * px, bar_text, small);
    if (rc == 0) {
        rc = romcv__cv_draw(page, shapes, n, diag);
    }
    if (rc == 0) {
        rc = romcv__cv_image_write(path, page, 0, diag);
    }
    free(shapes);
    free(labels);
    romcv_frame_unref(&page);
    return rc;
}

/* All thirteen on one page when they fit (squares up to 25 mm); larger
 * squares (30 mm, for 3-4 m) take two pages, the pelvic and spinal seven on
 * path and the six limb markers on path's "-limbs.png" sibling, so no
 * marker is dropped and the seven keep the size they had. */
int romcv_aruco_sheet_write(const char *path, double size_mm, double dpi, RomcvDiag *diag) {
    size_t len = path ? strlen(path) : 0;
    if (len < 5 || strcmp(path + len - 4, ".png") != 0) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: the sheet is a PNG: name it .png",
                              path ? path : "(no path)");
    }
    if (!(dpi >= 72 && dpi <= 1200)) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "dpi %g: must be 72..1200", dpi);
    }
    const double quiet = (6.0 + 2 * QUIET) / 6.0; /* card side over square side */
    const int pelvic = ROMCV_MARKER_PELVIC_COUNT, limbs = ROMCV_MARKER_LABELS - pelvic;
    int all = size_mm >= 10 ? sheet_columns(size_mm * quiet, ROMCV_MARKER_LABELS) : 0;
    if (all) {
        return sheet_page(path, size_mm, dpi, 0, ROMCV_MARKER_LABELS, all, "", diag);
    }
    int cols = size_mm >= 10 ? sheet_columns(size_mm * quiet, pelvic) : 0;
    if (!(size_mm >= 10) || !cols) {
        double largest = 10;
        while (sheet_columns((largest + 1) * quiet, pelvic)) {
            largest += 1;
        }
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL),
                              "size %g mm: the markers fit on A4 pages from 10 to %g mm", size_mm,
                              largest);
    }
    char second[4096];
    if (snprintf(second, sizeof second, "%.*s-limbs.png", (int)(len - 4), path) >=
        (int)sizeof second) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", path);
    }
    int rc = sheet_page(path, size_mm, dpi, 0, pelvic, cols, " (page 1 of 2: pelvis, spine)", diag);
    if (rc == 0) {
        rc = sheet_page(second, size_mm, dpi, pelvic, limbs, sheet_columns(size_mm * quiet, limbs),
                        " (page 2 of 2: limbs)", diag);
    }
    return rc;
}
