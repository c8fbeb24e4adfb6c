/*
 * report/c3d.c: landmarks as a C3D file (c3d.org, "The C3D File Format User
 * Guide", Motion Lab Systems 2008; chapters "The C3D file header", "The
 * parameter section", "3D point data").
 *
 * Layout, in 512-byte blocks:
 * - block 1: the header, 16-bit little-endian words: word 1 = parameter
 *   block (2) and key 0x50, word 2 = points, word 3 = analog measurements
 *   per frame (0), words 4-5 = first and last frame, words 7-8 = scale
 *   (float, negative: float data), word 9 = DATA_START, words 11-12 = rate.
 * - blocks 2..: the parameter section: 4 bytes (reserved 1, key 0x50, number
 *   of blocks, processor type 84 = Intel), then groups (negative id) and
 *   parameters (id of their group), each with a signed 16-bit offset from
 *   itself to the next record; 0 ends the section.
 * - DATA_START..: per frame and point four float32: X, Y, Z and the
 *   residual word, -1 for a point that was not seen (guide: "a negative
 *   residual marks an invalid point"); 0 for a seen point (residual 0, no
 *   camera mask: BlazePose has neither).
 *
 * Frame counts: the header word and POINT:FRAMES are 16 bits. Up to 65535
 * frames both hold the count (read as unsigned, as every current reader
 * does); beyond that they hold 65535 and TRIAL:ACTUAL_END_FIELD, two 16-bit
 * words (low, high), holds the true last frame, the convention of Vicon
 * Nexus that ezc3d and btk read. The counts are patched at close, so the
 * writer streams like the text formats.
 */
#include "report/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK     512
#define LABEL_LEN 16 /* "right_foot_index" */
#define DESC_LEN  32

/* The parameter section under construction (a few KB). */
typedef struct ParamBuf {
    uint8_t data[8 * BLOCK];
    size_t size;
    size_t last_offset; /* position of the previous record's offset word */
    int overflow;
} ParamBuf;

static void put_u16(uint8_t *p, unsigned v) {
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)((v >> 8) & 0xff);
}

static void put_f32(uint8_t *p, float v) {
    uint32_t u;
    memcpy(&u, &v, sizeof(u));
    p[0] = (uint8_t)(u & 0xff);
    p[1] = (uint8_t)((u >> 8) & 0xff);
    p[2] = (uint8_t)((u >> 16) & 0xff);
    p[3] = (uint8_t)((u >> 24) & 0xff);
}

static uint8_t *pb_take(ParamBuf *b, size_t n) {
    if (b->size + n > sizeof(b->data)) {
        b->overflow = 1;
        return NULL;
    }
    uint8_t *p = b->data + b->size;
    memset(p, 0, n);
    b->size += n;
    return p;
}

/* Name and id, then the offset word (filled by the next record or at end). */
static void pb_record_start(ParamBuf *b, const char *name, int id) {
    size_t len = strlen(name);
    uint8_t *p = pb_take(b, 2 + len + 2);
    if (!p)
        return;
    if (b->last_offset)
        put_u16(b->data + b->last_offset, (unsigned)(b->size - 2 - len - 2 - b->last_offset));
    p[0] = (uint8_t)len;
    p[1] = (uint8_t)(int8_t)id;
    memcpy(p + 2, name, len);
    b->last_offset = b->size - 2;
}

static void pb_description(ParamBuf *b, const char *desc) {
    size_t len = strlen(desc);
    uint8_t *p = pb_take(b, 1 + len);
    if (!p)
        return;
    p[0] = (uint8_t)len;
    memcpy(p + 1, desc, len);
}

static void pb_group(ParamBuf *b, const char *name, int id, const char *desc) {
    pb_record_start(b, name, -id);
    pb_description(b, desc);
}

/* A parameter header: type (-1 char, 2 int16, 4 float), dimensions; returns
 * where its data goes (count elements of |type| bytes). */
static uint8_t *pb_param(ParamBuf *b, int group, const char *name, int type, int ndims,
                         const int *dims) {
    pb_record_start(b, name, group);
    size_t count = 1;
    for (int i = 0; i < ndims; i++)
        count *= (size_t)dims[i];
    uint8_t *p = pb_take(b, 2 + (size_t)ndims);
    if (!p)
        return NULL;
    p[0] = (uint8_t)(int8_t)type;
    p[1] = (uint8_t)ndims;
    for (int i = 0; i < ndims; i++)
        p[2 + i] = (uint8_t)dims[i];
    return pb_take(b, count * (size_t)abs(type));
}

/* Returns where the value sits in the section, for patching. */
static size_t pb_int16(ParamBuf *b, int group, const char *name, unsigned v, const char *desc) {
    uint8_t *p = pb_param(b, group, name, 2, 0, NULL);
    size_t at = p ? (size_t)(p - b->data) : 0;
    if (p)
        put_u16(p, v);
    pb_description(b, desc);
    return at;
}

static void pb_float(ParamBuf *b, int group, const char *name, float v, const char *desc) {
    uint8_t *p = pb_param(b, group, name, 4, 0, NULL);
    if (p)
        put_f32(p, v);
    pb_description(b, desc);
}

/* count strings of width characters, space-padded (char arrays are not
 * NUL-terminated in C3D). */
static void pb_strings(ParamBuf *b, int group, const char *name, int width, int count,
                       const char *const *text, const char *desc) {
    int dims[2] = {width, count};
    uint8_t *p = pb_param(b, group, name, -1, count > 1 ? 2 : 1, dims);
    if (p) {
        memset(p, ' ', (size_t)width * (size_t)count);
        for (int i = 0; i < count; i++) {
            size_t len = strlen(text[i]);
            memcpy(p + (size_t)i * (size_t)width, text[i],
                   len < (size_t)width ? len : (size_t)width);
        }
    }
    pb_description(b, desc);
}

int romcv__c3d_begin(FILE *f, const RomcvReportSettings *s, RomcvC3dState *st) {
    memset(st, 0, sizeof(*st));
    ParamBuf *b = calloc(1, sizeof(*b));
    if (!b) {
        errno = ENOMEM;
        return -1;
    }
    const float rate = (float)s->frame_rate_hz;
    const char *names[ROMCV_REPORT_LANDMARKS];
    char desc_text[ROMCV_REPORT_LANDMARKS][DESC_LEN];
    const char *descs[ROMCV_REPORT_LANDMARKS];
    for (int k = 0; k < ROMCV_REPORT_LANDMARKS; k++) {
        names[k] = romcv_report_landmark_name(k);
        snprintf(desc_text[k], sizeof(desc_text[k]), "BlazePose landmark %d", k);
        descs[k] = desc_text[k];
    }
    const char *units = s->units == ROMCV_REPORT_UNITS_M ? "m" : "px";

    pb_take(b, 4); /* the section header, filled below */
    pb_group(b, "POINT", 1, "3D point parameters");
    pb_int16(b, 1, "USED", ROMCV_REPORT_LANDMARKS, "Number of 3D points");
    size_t frames_at = pb_int16(b, 1, "FRAMES", 0, "Number of frames (65535: see TRIAL)");
    size_t data_start_at = pb_int16(b, 1, "DATA_START", 0, "First block of point data");
    pb_float(b, 1, "SCALE", -1.0f, "Negative: float data");
    pb_float(b, 1, "RATE", rate, "Frames per second (nominal)");
    pb_strings(b, 1, "LABELS", LABEL_LEN, ROMCV_REPORT_LANDMARKS, names, "Point labels");
    pb_strings(b, 1, "DESCRIPTIONS", DESC_LEN, ROMCV_REPORT_LANDMARKS, descs, "Point descriptions");
    pb_strings(b, 1, "UNITS", (int)strlen(units), 1, &units, "Units of the coordinates");
    pb_group(b, "ANALOG", 2, "Analog data parameters");
    pb_int16(b, 2, "USED", 0, "No analog channels");
    pb_float(b, 2, "RATE", rate, "Analog rate (none)");
    pb_float(b, 2, "GEN_SCALE", 1.0f, "General scale");
    pb_group(b, "TRIAL", 3, "Trial parameters");
    pb_float(b, 3, "CAMERA_RATE", rate, "Frames per second (nominal)");
    int two[1] = {2};
    uint8_t *p = pb_param(b, 3, "ACTUAL_START_FIELD", 2, 1, two);
    if (p)
        put_u16(p, 1);
    pb_description(b, "First frame (low, high word)");
    p = pb_param(b, 3, "ACTUAL_END_FIELD", 2, 1, two);
    size_t end_field_at = p ? (size_t)(p - b->data) : 0;
    pb_description(b, "Last frame (low, high word)");
    if (b->overflow) {
        free(b);
        errno = EOVERFLOW;
        return -1;
    }
    put_u16(b->data + b->last_offset, 0); /* the last record ends the section */

    const size_t param_blocks = (b->size + BLOCK - 1) / BLOCK;
    const unsigned data_start = (unsigned)(2 + param_blocks);
    b->data[0] = 1;
    b->data[1] = 0x50;
    b->data[2] = (uint8_t)param_blocks;
    b->data[3] = 84; /* Intel: little-endian integers, IEEE floats */
    put_u16(b->data + data_start_at, data_start);

    uint8_t header[BLOCK] = {0};
    header[0] = 2;
    header[1] = 0x50;
    put_u16(header + 2, ROMCV_REPORT_LANDMARKS);
    put_u16(header + 4, 0);
    put_u16(header + 6, 1);
    put_u16(header + 8, 0); /* last frame, patched at close */
    put_u16(header + 10, 0);
    put_f32(header + 12, -1.0f);
    put_u16(header + 16, data_start);
    put_u16(header + 18, 0);
    put_f32(header + 20, rate);

    st->header_last_frame = 8;
    st->point_frames = (long)(BLOCK + frames_at);
    st->trial_end_field = (long)(BLOCK + end_field_at);
    int rc = 0;
    if (fwrite(header, 1, BLOCK, f) != BLOCK ||
        fwrite(b->data, 1, param_blocks * BLOCK, f) != param_blocks * BLOCK)
        rc = -1;
    free(b);
    return rc;
}

int romcv__c3d_frame(FILE *f, const RomcvReportSettings *s, const float *landmarks) {
    uint8_t row[ROMCV_REPORT_LANDMARKS * 16];
    for (int k = 0; k < ROMCV_REPORT_LANDMARKS; k++) {
        uint8_t *p = row + k * 16;
        if (!romcv__report_point_valid(s, landmarks, k)) {
            put_f32(p, 0.0f);
            put_f32(p + 4, 0.0f);
            put_f32(p + 8, 0.0f);
            put_f32(p + 12, -1.0f);
            continue;
        }
        const float *l = landmarks + (size_t)k * ROMCV_REPORT_LANDMARK_FLOATS;
        put_f32(p, l[0]);
        put_f32(p + 4, (float)(s->y_up_origin - (double)l[1]));
        put_f32(p + 8, -l[2]);
        put_f32(p + 12, 0.0f);
    }
    return fwrite(row, 1, sizeof(row), f) == sizeof(row) ? 0 : -1;
}

static int patch(FILE *f, long at, const uint8_t *bytes, size_t n) {
    if (fseek(f, at, SEEK_SET) != 0 || fwrite(bytes, 1, n, f) != n)
        return -1;
    return 0;
}

int romcv__c3d_finish(FILE *f, RomcvC3dState *st) {
    /* Pad the data to whole blocks, as the guide's block structure expects. */
    if (fseek(f, 0, SEEK_END) != 0)
        return -1;
    long end = ftell(f);
    if (end < 0)
        return -1;
    static const uint8_t zeros[BLOCK];
    size_t pad = (size_t)((BLOCK - end % BLOCK) % BLOCK);
    if (pad && fwrite(zeros, 1, pad, f) != pad)
        return -1;
    unsigned short16 = st->frames > 65535 ? 65535u : (unsigned)st->frames;
    uint8_t w[4];
    put_u16(w, short16);
    if (patch(f, st->header_last_frame, w, 2) || patch(f, st->point_frames, w, 2))
        return -1;
    put_u16(w, (unsigned)(st->frames & 0xffff));
    put_u16(w + 2, (unsigned)((st->frames >> 16) & 0xffff));
    if (patch(f, st->trial_end_field, w, 4))
        return -1;
    return fseek(f, 0, SEEK_END);
}
