/*
 * vision/marker_hints.c: the labelling file (romcv/vision.h,
 * romcv_marker_hints_load; docs/markers.md, "Labelling file"), a JSON object
 * of marker names to their [x, y] in the first frame.
 *
 * The file comes from the user's disk (--marker-labels FILE), so it is
 * untrusted input: the parse works on bytes in memory
 * (romcv_marker_hints_parse, which fuzz/fuzz_marker_hints.c drives) through
 * core/json.h's reader with tight limits, and every failure is one line
 * naming the file and the place.
 */
#include "romcv/vision.h"
#include "romcv/metrics.h"

#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Thirteen names and 26 numbers: 4 KB is ample. */
#define HINTS_MAX_SIZE 4096
/* No picture is a million pixels across. */
#define MAX_PX 1e6

/* key as it may appear in a message: at most 40 bytes, every control
 * character (a file's "\u001b[2J" would clear the user's terminal) and
 * byte outside printable ASCII shown as '?'. */
static void printable(const char *key, size_t length, char out[41]) {
    size_t n = length < 40 ? length : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)key[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[n] = '\0';
}

int romcv_marker_hints_parse(const char *text, size_t size, const char *name,
                             float x[ROMCV_MARKER_LABELS], float y[ROMCV_MARKER_LABELS],
                             RomcvDiag *diag) {
    if (!name) {
        name = "labelling file";
    }
    if ((!text && size > 0) || !x || !y) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "%s: no labelling file", name);
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        x[k] = y[k] = NAN;
    }
    RomcvJsonLimits limits = romcv__json_default_limits();
    limits.max_size = HINTS_MAX_SIZE;
    limits.max_depth = 3;
    RomcvJsonDoc *doc = NULL;
    int rc = romcv__json_parse_ex(&doc, text ? text : "", size, name, &limits, diag);
    if (rc < 0) {
        return rc;
    }
    const RomcvJsonValue *root = romcv__json_root(doc);
    int line = 0, column = 0;
    if (romcv__json_type(root) != ROMCV_JSON_OBJECT) {
        romcv__json_free(&doc);
        return romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                              "%s: a labelling file is an object of marker names to [x, y]", name);
    }
    float got_x[ROMCV_MARKER_LABELS], got_y[ROMCV_MARKER_LABELS];
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        got_x[k] = got_y[k] = NAN;
    }
    for (size_t i = 0; i < romcv__json_size(root); i++) {
        const RomcvJsonValue *member = romcv__json_member(root, i, NULL);
        size_t length = 0;
        const char *key = romcv__json_key(member, &length);
        key = key ? key : "";
        /* The whole name must match: "s1\u0000x" is not s1. */
        int k = 0;
        while (k < ROMCV_MARKER_LABELS && !(length == strlen(romcv_marker_name(k)) &&
                                            memcmp(key, romcv_marker_name(k), length) == 0)) {
            k++;
        }
        romcv__json_position(doc, member, &line, &column);
        if (k == ROMCV_MARKER_LABELS) {
            char shown[41];
            printable(key, length, shown);
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                                "%s:%d:%d: unknown marker '%s' (asis_left, asis_right, "
                                "psis_left, psis_right, t12, l3, s1, trochanter_left, "
                                "trochanter_right, knee_left, knee_right, malleolus_left, "
                                "malleolus_right)",
                                name, line, column, shown);
            break;
        }
        const RomcvJsonValue *px = romcv__json_at(member, 0), *py = romcv__json_at(member, 1);
        if (romcv__json_type(member) != ROMCV_JSON_ARRAY || romcv__json_size(member) != 2 ||
            romcv__json_type(px) != ROMCV_JSON_NUMBER ||
            romcv__json_type(py) != ROMCV_JSON_NUMBER) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s:%d:%d: %s: want [x, y] in pixels",
                                name, line, column, key);
            break;
        }
        double vx = romcv__json_number(px), vy = romcv__json_number(py);
        if (!(fabs(vx) <= MAX_PX && fabs(vy) <= MAX_PX)) {
            /* 1e39 would become an infinite float, a hint silently dropped. */
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                                "%s:%d:%d: %s: [%g, %g] is not a pixel position", name, line,
                                column, key, vx, vy);
            break;
        }
        got_x[k] = (float)vx;
        got_y[k] = (float)vy;
    }
    romcv__json_free(&doc);
    /* All or nothing: a file that fails names no marker. */
    for (int k = 0; rc == 0 && k < ROMCV_MARKER_LABELS; k++) {
        x[k] = got_x[k];
        y[k] = got_y[k];
    }
    return rc;
}

int romcv_marker_hints_load(const char *path, float x[ROMCV_MARKER_LABELS],
                            float y[ROMCV_MARKER_LABELS], RomcvDiag *diag) {
    if (!path || !x || !y) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "markers: no labelling file");
    }
    for (int k = 0; k < ROMCV_MARKER_LABELS; k++) {
        x[k] = y[k] = NAN;
    }
    FILE *file = fopen(path, "rb");
    if (!file) {
        int err = errno;
        return romcv_diag_set(diag, err == ENOENT ? ROMCV_E_NOT_FOUND : ROMCV_ERR(err), "%s: %s",
                              path, strerror(err));
    }
    /* One byte past the limit lets the parser refuse a bigger file with its
     * own message. */
    char text[HINTS_MAX_SIZE + 1];
    size_t size = fread(text, 1, sizeof text, file);
    int failed = ferror(file);
    fclose(file);
    if (failed) {
        return romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: read error", path);
    }
    return romcv_marker_hints_parse(text, size, path, x, y, diag);
}
