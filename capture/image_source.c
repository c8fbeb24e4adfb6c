/*
 * capture/image_source.c: a folder or glob pattern of PNG/JPEG images as a
 * frame sequence.
 *
 * Files are sorted naturally (img2 before img10) and frame i gets the time
 * i / settings.fps. At open every file's header is read (PNG IHDR, JPEG SOF
 * and the EXIF orientation in APP1, with every offset bounds-checked) so that
 * a folder with mixed sizes fails at once, naming the first file that
 * differs, instead of after minutes of processing. Pixels are decoded with
 * libavcodec's png and mjpeg decoders (OpenCV stays in vision/) and turned
 * upright according to the EXIF orientation, which FFmpeg 5.1 only reports as
 * metadata and does not apply.
 */
#include "capture/internal.h"

#include <libavcodec/avcodec.h>
#include <libavutil/pixdesc.h>

#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MODULE   "capture"
#define MAX_SIDE 16384
#define MAX_AREA (INT64_C(1) << 28)

/* A JPEG segment is at most 65535 bytes including its length field. */
#define SEGMENT_MAX 65536

typedef enum ImageCodec {
    IMAGE_UNKNOWN = 0,
    IMAGE_PNG,
    IMAGE_JPEG,
} ImageCodec;

typedef struct ImageEntry {
    char *path;
    ImageCodec codec;
    int coded_width, coded_height; /* as stored */
    int orientation;               /* EXIF code 1..8 */
    int64_t size_bytes;
} ImageEntry;

typedef struct ImageSource {
    char *input;
    RomcvLogger logger;
    double fps;
    ImageEntry *entries;
    size_t count;
    size_t next;
    int out_width, out_height; /* upright */

    AVCodecContext *png;
    AVCodecContext *mjpeg;
    AVPacket *pkt;
    AVFrame *frame;
    AVBufferRef *file_buf; /* the file's bytes plus padding; grows, never shrinks */
    RomcvRgbConverter conv;
    uint8_t *orient_buf; /* stored-size RGB24 image, when an image needs turning */
    size_t orient_capacity;
    int warned_lost;
} ImageSource;

/* ------------------------------------------------------- natural sorting */

/* Compares two names so that runs of digits compare as numbers: "img2" <
 * "img10", "a01" == "a1" by value, then the shorter run (fewer leading zeros)
 * first so that the order is total. */
static int natural_compare(const char *a, const char *b) {
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            const char *a0 = a, *b0 = b;
            while (*a0 == '0') {
                a0++;
            }
            while (*b0 == '0') {
                b0++;
            }
            const char *a1 = a0, *b1 = b0;
            while (isdigit((unsigned char)*a1)) {
                a1++;
            }
            while (isdigit((unsigned char)*b1)) {
                b1++;
            }
            ptrdiff_t la = a1 - a0, lb = b1 - b0;
            if (la != lb) {
                return la < lb ? -1 : 1;
            }
            int c = memcmp(a0, b0, (size_t)la);
            if (c != 0) {
                return c < 0 ? -1 : 1;
            }
            ptrdiff_t za = a0 - a, zb = b0 - b;
            if (za != zb) {
                return za < zb ? -1 : 1;
            }
            a = a1;
            b = b1;
            continue;
        }
        if (*a != *b) {
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        }
        a++;
        b++;
    }
    return (unsigned char)*a < (unsigned char)*b ? -1 : (*a != *b);
}

static int entry_compare(const void *pa, const void *pb) {
    const ImageEntry *a = pa, *b = pb;
    return natural_compare(a->path, b->path);
}

/* -------------------------------------------------------- header parsing */

static uint32_t rd16(const uint8_t *p, bool le) {
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | p[1];
}

static uint32_t rd32(const uint8_t *p, bool le) {
    return le ? rd16(p, true) | rd16(p + 2, true) << 16 : rd16(p, false) << 16 | rd16(p + 2, false);
}

/* The orientation tag of IFD0 in an APP1 payload (after the length field),
 * or 1 when there is none or the data is malformed. Every offset comes from
 * the file, so every read is checked against size. */
static int exif_orientation(const uint8_t *data, size_t size) {
    if (size < 6 + 8 || memcmp(data, "Exif\0\0", 6) != 0) {
        return 1;
    }
    const uint8_t *tiff = data + 6;
    size_t tiff_size = size - 6;
    bool le;
    if (tiff[0] == 'I' && tiff[1] == 'I') {
        le = true;
    } else if (tiff[0] == 'M' && tiff[1] == 'M') {
        le = false;
    } else {
        return 1;
    }
    if (rd16(tiff + 2, le) != 42) {
        return 1;
    }
    uint32_t ifd = rd32(tiff + 4, le);
    if (ifd > tiff_size || tiff_size - ifd < 2) {
        return 1;
    }
    uint32_t count = rd16(tiff + ifd, le);
    if ((tiff_size - ifd - 2) / 12 < count) {
        return 1;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = tiff + ifd + 2 + (size_t)i * 12;
        if (rd16(e, le) != 0x0112) {
            continue;
        }
        uint32_t type = rd16(e + 2, le);
        uint32_t n = rd32(e + 4, le);
        if (n < 1) {
            return 1;
        }
        /* SHORT per the standard; some writers use LONG. The value sits
         * left-justified in the 4-byte field either way. */
        uint32_t v = type == 3 ? rd16(e + 8, le) : type == 4 ? rd32(e + 8, le) : 0;
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

static bool is_sof(int marker) {
    return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

/* Reads a JPEG's stored size and EXIF orientation by walking its segments up
 * to the frame header. segment is a SEGMENT_MAX scratch buffer. */
static int jpeg_header(FILE *f, ImageEntry *e, uint8_t *segment) {
    int orientation = 1;
    bool have_exif = false;
    if (fseek(f, 2, SEEK_SET) != 0) {
        return -1;
    }
    for (;;) {
        int c = fgetc(f);
        if (c != 0xff) {
            return -1;
        }
        int marker;
        do {
            marker = fgetc(f); /* fill bytes 0xff may precede a marker */
        } while (marker == 0xff);
        if (marker == EOF || marker == 0xd9 || marker == 0xda) {
            return -1; /* image data or end before any frame header */
        }
        if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
            continue; /* standalone markers carry no length */
        }
        uint8_t len_bytes[2];
        if (fread(len_bytes, 1, 2, f) != 2) {
            return -1;
        }
        size_t len = (size_t)len_bytes[0] << 8 | len_bytes[1];
        if (len < 2) {
            return -1;
        }
        size_t payload = len - 2;
        if (is_sof(marker)) {
            if (payload < 5 || fread(segment, 1, 5, f) != 5) {
                return -1;
            }
            e->coded_height = (int)rd16(segment + 1, false);
            e->coded_width = (int)rd16(segment + 3, false);
            e->orientation = orientation;
            return 0;
        }
        if (marker == 0xe1 && !have_exif) {
            if (fread(segment, 1, payload, f) != payload) {
                return -1;
            }
            if (payload >= 6 && memcmp(segment, "Exif\0\0", 6) == 0) {
                have_exif = true;
                orientation = exif_orientation(segment, payload);
            }
            continue;
        }
        if (fseek(f, (long)payload, SEEK_CUR) != 0) {
            return -1;
        }
    }
}

static ImageCodec sniff(const uint8_t *p, size_t n) {
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n >= 8 && memcmp(p, png_sig, 8) == 0) {
        return IMAGE_PNG;
    }
    if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
        return IMAGE_JPEG;
    }
    return IMAGE_UNKNOWN;
}

/* Fills e's codec, size and orientation from the file's header. */
static int read_header(ImageEntry *e, uint8_t *segment, RomcvDiag *diag) {
    FILE *f = fopen(e->path, "rb");
    if (!f) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: %s", e->path, strerror(err));
    }
    int rc = 0;
    uint8_t head[24];
    size_t n = fread(head, 1, sizeof head, f);
    e->codec = sniff(head, n);
    e->orientation = 1;
    if (n == 0) {
        rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: empty file (0 bytes)", e->path);
    } else if (e->codec == IMAGE_PNG) {
        if (n < 24 || memcmp(head + 12, "IHDR", 4) != 0) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: damaged PNG header", e->path);
        } else {
            uint32_t w = rd32(head + 16, false), h = rd32(head + 20, false);
            e->coded_width = w > INT32_MAX ? -1 : (int)w;
            e->coded_height = h > INT32_MAX ? -1 : (int)h;
        }
    } else if (e->codec == IMAGE_JPEG) {
        if (jpeg_header(f, e, segment) < 0) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: damaged JPEG header", e->path);
        }
    } else {
        rc = romcv_diag_set(diag, ROMCV_E_UNSUPPORTED, "%s: not a PNG or JPEG image", e->path);
    }
    fclose(f);
    if (rc < 0) {
        return rc;
    }
    if (e->coded_width <= 0 || e->coded_height <= 0 || e->coded_width > MAX_SIDE ||
        e->coded_height > MAX_SIDE || (int64_t)e->coded_width * e->coded_height > MAX_AREA) {
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "%s: image size %dx%d is beyond the limit (%d px per side, 2^28 px)",
                              e->path, e->coded_width, e->coded_height, MAX_SIDE);
    }
    return 0;
}

static void upright_size(const ImageEntry *e, int *w, int *h) {
    bool swap = e->orientation >= 5;
    *w = swap ? e->coded_height : e->coded_width;
    *h = swap ? e->coded_width : e->coded_height;
}

static int rotation_of(int orientation) {
    static const int deg[9] = {0, 0, 0, 180, 180, 90, 90, 270, 270};
    return orientation >= 1 && orientation <= 8 ? deg[orientation] : 0;
}

/* ------------------------------------------------------------- listing */

static bool has_image_extension(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) {
        return false;
    }
    static const char *const exts[] = {".png", ".jpg", ".jpeg", ".jpe"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        if (strcasecmp(dot, exts[i]) == 0) {
            return true;
        }
    }
    return false;
}

static int add_entry(ImageSource *s, size_t *capacity, const char *path, int64_t size) {
    if (s->count == *capacity) {
        size_t cap = *capacity ? *capacity * 2 : 64;
        ImageEntry *grown = realloc(s->entries, cap * sizeof *grown);
        if (!grown) {
            return ROMCV_ERR(ENOMEM);
        }
        s->entries = grown;
        *capacity = cap;
    }
    ImageEntry *e = &s->entries[s->count];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    if (!e->path) {
        return ROMCV_ERR(ENOMEM);
    }
    e->size_bytes = size;
    s->count++;
    return 0;
}

static int list_folder(ImageSource *s, const char *dir, RomcvDiag *diag) {
    DIR *d = opendir(dir);
    if (!d) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: %s", dir, strerror(err));
    }
    size_t capacity = 0;
    size_t dir_len = strlen(dir);
    bool slash = dir_len > 0 && dir[dir_len - 1] == '/';
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !has_image_extension(de->d_name)) {
            continue;
        }
        size_t need = dir_len + 1 + strlen(de->d_name) + 1;
        char *path = malloc(need);
        if (!path) {
            rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", dir);
            break;
        }
        snprintf(path, need, "%s%s%s", dir, slash ? "" : "/", de->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = add_entry(s, &capacity, path, (int64_t)st.st_size);
        }
        free(path);
        if (rc < 0) {
            rc = romcv_diag_set(diag, rc, "%s: out of memory", dir);
            break;
        }
    }
    closedir(d);
    return rc;
}

static int list_glob(ImageSource *s, const char *pattern, RomcvDiag *diag) {
    glob_t g;
    int ret = glob(pattern, 0, NULL, &g);
    if (ret == GLOB_NOMATCH) {
        return 0;
    }
    if (ret != 0) {
        return romcv_diag_set(diag, ret == GLOB_NOSPACE ? ROMCV_ERR(ENOMEM) : ROMCV_ERR(EIO),
                              "%s: cannot expand the pattern", pattern);
    }
    size_t capacity = 0;
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        struct stat st;
        if (stat(g.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        rc = add_entry(s, &capacity, g.gl_pathv[i], (int64_t)st.st_size);
        if (rc < 0) {
            rc = romcv_diag_set(diag, rc, "%s: out of memory", pattern);
            break;
        }
    }
    globfree(&g);
    return rc;
}

/* ---------------------------------------------------------------- source */

static void images_close(void *opaque) {
    ImageSource *s = opaque;
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->count; i++) {
        free(s->entries[i].path);
    }
    free(s->entries);
    avcodec_free_context(&s->png);
    avcodec_free_context(&s->mjpeg);
    av_packet_free(&s->pkt);
    av_frame_free(&s->frame);
    av_buffer_unref(&s->file_buf);
    romcv__rgb_converter_free(&s->conv);
    romcv_free_aligned(s->orient_buf);
    free(s->input);
    free(s);
}

static int images_open(void **priv, const RomcvCaptureSettings *settings, RomcvCaptureInfo *info,
                       RomcvDiag *diag) {
    *priv = NULL;
    const char *input = settings->input;
    if (!(settings->fps > 0.0) || settings->fps > 100000.0) {
        return romcv_diag_set(diag, ROMCV_E_USAGE,
                              "%s: an image sequence needs a frame rate > 0 (got %g)", input,
                              settings->fps);
    }
    ImageSource *s = calloc(1, sizeof *s);
    if (!s) {
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", input);
    }
    s->logger = settings->logger;
    s->fps = settings->fps;
    s->input = strdup(input);
    s->pkt = av_packet_alloc();
    s->frame = av_frame_alloc();
    uint8_t *segment = malloc(SEGMENT_MAX);
    int rc = 0;
    if (!s->input || !s->pkt || !s->frame || !segment) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", input);
        goto error;
    }

    struct stat st;
    bool is_dir = stat(input, &st) == 0 && S_ISDIR(st.st_mode);
    if (is_dir) {
        rc = list_folder(s, input, diag);
    } else if (strpbrk(input, "*?[")) {
        rc = list_glob(s, input, diag);
    } else {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOENT), "%s: no such folder", input);
    }
    if (rc < 0) {
        goto error;
    }
    if (s->count == 0) {
        rc = romcv_diag_set(diag, ROMCV_E_NOT_FOUND, "%s: no PNG or JPEG images %s", input,
                            is_dir ? "in the folder" : "match the pattern");
        goto error;
    }
    qsort(s->entries, s->count, sizeof *s->entries, entry_compare);

    int64_t total = 0;
    for (size_t i = 0; i < s->count; i++) {
        ImageEntry *e = &s->entries[i];
        rc = read_header(e, segment, diag);
        if (rc < 0) {
            goto error;
        }
        int w, h;
        upright_size(e, &w, &h);
        if (i == 0) {
            s->out_width = w;
            s->out_height = h;
        } else if (w != s->out_width || h != s->out_height) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                                "%s: image size %dx%d differs from %dx%d of the first image %s",
                                e->path, w, h, s->out_width, s->out_height, s->entries[0].path);
            goto error;
        }
        total += e->size_bytes;
    }
    free(segment);
    segment = NULL;

    const ImageEntry *first = &s->entries[0];
    snprintf(info->container, sizeof info->container, "image sequence");
    snprintf(info->codec, sizeof info->codec, "%s", first->codec == IMAGE_PNG ? "png" : "mjpeg");
    info->width = s->out_width;
    info->height = s->out_height;
    info->coded_width = first->coded_width;
    info->coded_height = first->coded_height;
    info->rotation_deg = rotation_of(first->orientation);
    info->nominal_fps = s->fps;
    info->duration_s = (double)s->count / s->fps;
    info->frames_expected = (int64_t)s->count;
    info->size_bytes = total;
    *priv = s;
    return 0;

error:
    free(segment);
    images_close(s);
    return rc;
}

static AVCodecContext **decoder_for(ImageSource *s, ImageCodec codec, enum AVCodecID *id) {
    *id = codec == IMAGE_PNG ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG;
    return codec == IMAGE_PNG ? &s->png : &s->mjpeg;
}

/* Reads the whole file into s->file_buf (reused) and points s->pkt at it. */
static int load_file(ImageSource *s, const ImageEntry *e, RomcvDiag *diag) {
    FILE *f = fopen(e->path, "rb");
    if (!f) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: %s", e->path, strerror(err));
    }
    int rc = 0;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size <= 0 || st.st_size > INT32_MAX / 2) {
        rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA, "%s: unreadable or empty", e->path);
        goto done;
    }
    size_t size = (size_t)st.st_size;
    size_t need = size + AV_INPUT_BUFFER_PADDING_SIZE;
    if (!s->file_buf || (size_t)s->file_buf->size < need) {
        av_buffer_unref(&s->file_buf);
        s->file_buf = av_buffer_alloc(need);
        if (!s->file_buf) {
            rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", e->path);
            goto done;
        }
    }
    if (fread(s->file_buf->data, 1, size, f) != size) {
        rc = romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: read error", e->path);
        goto done;
    }
    memset(s->file_buf->data + size, 0, AV_INPUT_BUFFER_PADDING_SIZE);
    av_packet_unref(s->pkt);
    /* A reference, not a copy: the decoder may keep it after send. */
    s->pkt->buf = av_buffer_ref(s->file_buf);
    if (!s->pkt->buf) {
        rc = romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", e->path);
        goto done;
    }
    s->pkt->data = s->file_buf->data;
    s->pkt->size = (int)size;
    s->pkt->flags = AV_PKT_FLAG_KEY;
done:
    fclose(f);
    return rc;
}

/* Decodes s->pkt into s->frame. Returns 0 or an FFmpeg error. */
static int decode_image(ImageSource *s, ImageCodec codec) {
    enum AVCodecID id;
    AVCodecContext **ctx = decoder_for(s, codec, &id);
    if (!*ctx) {
        const AVCodec *dec = avcodec_find_decoder(id);
        if (!dec) {
            return AVERROR_DECODER_NOT_FOUND;
        }
        *ctx = avcodec_alloc_context3(dec);
        if (!*ctx) {
            return AVERROR(ENOMEM);
        }
        (*ctx)->thread_count = 1;
        int ret = avcodec_open2(*ctx, dec, NULL);
        if (ret < 0) {
            avcodec_free_context(ctx);
            return ret;
        }
    }
    int ret = avcodec_send_packet(*ctx, s->pkt);
    av_packet_unref(s->pkt);
    if (ret < 0) {
        return ret;
    }
    ret = avcodec_receive_frame(*ctx, s->frame);
    if (ret == AVERROR(EAGAIN)) {
        /* A decoder that holds frames back gives them up when drained; the
         * flush makes it usable for the next image. */
        avcodec_send_packet(*ctx, NULL);
        ret = avcodec_receive_frame(*ctx, s->frame);
        avcodec_flush_buffers(*ctx);
    }
    return ret;
}

static int images_read(void *opaque, RomcvFramePool *pool, RomcvCaptureInfo *info,
                       double skip_before_s, const atomic_bool *stop, RomcvFrame **out,
                       RomcvDiag *diag) {
    ImageSource *s = opaque;
    *out = NULL;
    for (;;) {
        if (atomic_load(stop)) {
            return romcv_diag_set(diag, ROMCV_E_INTERRUPTED, "%s: interrupted", s->input);
        }
        if (s->next >= s->count) {
            if (info->frames_lost > 0) {
                info->damaged = 1;
                romcv_log(&s->logger, ROMCV_LOG_WARNING, MODULE,
                          "%s: %lld of %zu images could not be decoded", s->input,
                          (long long)info->frames_lost, s->count);
                return romcv_diag_set(diag, ROMCV_E_EOF, "%s: %lld of %zu images lost", s->input,
                                      (long long)info->frames_lost, s->count);
            }
            return ROMCV_E_EOF;
        }
        size_t index = s->next++;
        const ImageEntry *e = &s->entries[index];
        double t = (double)index / s->fps;
        if (t < skip_before_s) {
            continue;
        }
        int rc = load_file(s, e, diag);
        if (rc < 0) {
            return rc;
        }
        int ret = decode_image(s, e->codec);
        if (ret < 0) {
            info->frames_lost++;
            if (s->warned_lost < 3) {
                char buf[128];
                s->warned_lost++;
                av_strerror(ret, buf, sizeof buf);
                romcv_log(&s->logger, ROMCV_LOG_WARNING, MODULE, "%s: cannot decode (%s)", e->path,
                          buf);
            }
            continue;
        }
        if (s->frame->width != e->coded_width || s->frame->height != e->coded_height) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                                "%s: decoded size %dx%d differs from its header %dx%d", e->path,
                                s->frame->width, s->frame->height, e->coded_width, e->coded_height);
            av_frame_unref(s->frame);
            return rc;
        }
        RomcvFrame *frame = NULL;
        rc = romcv_frame_pool_get(pool, &frame, s->out_width, s->out_height, ROMCV_PIX_RGB24);
        if (rc < 0) {
            av_frame_unref(s->frame);
            return romcv_diag_set(diag, rc, "%s: %s", e->path,
                                  rc == ROMCV_E_INTERRUPTED ? "interrupted"
                                                            : "cannot get a frame buffer");
        }
        if (e->orientation == 1) {
            rc = romcv__rgb_convert(&s->conv, s->frame, frame->data, frame->stride, e->coded_width,
                                    e->coded_height);
        } else {
            int stride = romcv_frame_stride_for(e->coded_width, ROMCV_PIX_RGB24);
            size_t need = (size_t)stride * (size_t)e->coded_height;
            if (need > s->orient_capacity) {
                romcv_free_aligned(s->orient_buf);
                s->orient_capacity = 0;
                s->orient_buf = romcv_malloc_aligned(need);
                if (!s->orient_buf) {
                    rc = ROMCV_ERR(ENOMEM);
                }
                s->orient_capacity = s->orient_buf ? need : 0;
            }
            if (rc >= 0) {
                rc = romcv__rgb_convert(&s->conv, s->frame, s->orient_buf, stride, e->coded_width,
                                        e->coded_height);
            }
            if (rc >= 0) {
                romcv__orient_rgb24(s->orient_buf, stride, e->coded_width, e->coded_height,
                                    frame->data, frame->stride, e->orientation);
            }
        }
        if (rc < 0) {
            const char *name = av_get_pix_fmt_name((enum AVPixelFormat)s->frame->format);
            av_frame_unref(s->frame);
            romcv_frame_unref(&frame);
            return romcv_diag_set(diag, rc, "%s: cannot convert %s pixels to RGB", e->path,
                                  name ? name : "unknown");
        }
        av_frame_unref(s->frame);
        frame->time_s = t;
        frame->rotation_deg = rotation_of(e->orientation);
        frame->time_is_estimated = 0;
        *out = frame;
        return 0;
    }
}

const RomcvCaptureSource romcv__capture_images = {
    .name = "images",
    .open = images_open,
    .read = images_read,
    .close = images_close,
};
