/*
 * capture/v4l2_devices.c: the list of V4L2 cameras with every format, size
 * and frame rate they offer (romcv_camera_list, behind `romcv devices`), and
 * the helpers v4l2_source.c shares with it.
 *
 * The listing talks to the drivers directly (open + ioctl), not through
 * libv4l2, because it reports what the camera itself offers; libv4l2 would
 * add the formats it can convert to. Only nodes that capture video by
 * streaming are listed: a UVC camera also creates a metadata node, which is
 * skipped, so the list order is the index of "camera:N".
 */
#include "capture/v4l2_common.h"
#include "romcv/capture.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Upper bound on every enumeration index, so that a driver that never says
 * EINVAL cannot keep the listing looping. */
#define MAX_ENUM_INDEX 256

void romcv__v4l2_fourcc_text(uint32_t fourcc, char out[5]) {
    for (int i = 0; i < 4; i++) {
        int c = (int)(fourcc >> (8 * i) & 0xff);
        out[i] = isprint(c) ? (char)c : '?';
    }
    out[4] = '\0';
    for (int i = 3; i > 0 && out[i] == ' '; i--) {
        out[i] = '\0';
    }
}

int romcv__v4l2_open_error(RomcvDiag *diag, const char *path, int err) {
    switch (err) {
    case ENOENT:
    case ENXIO:
        return romcv_diag_set(diag, ROMCV_ERR(err),
                              "%s: no such camera (`romcv devices` lists the cameras)", path);
    case EACCES:
    case EPERM:
        return romcv_diag_set(diag, ROMCV_ERR(err),
                              "%s: permission denied (is the user in the 'video' group?)", path);
    case EBUSY:
        return romcv_diag_set(diag, ROMCV_ERR(err),
                              "%s: the camera is busy (is another program using it?)", path);
    case ENOTTY:
    case EINVAL:
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: not a V4L2 video device", path);
    default:
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot open the camera (%s)", path,
                              strerror(err));
    }
}

/* ioctl, restarted when a signal interrupts it. */
static int xioctl(int fd, unsigned long request, void *arg) {
    int rc;
    do {
        rc = ioctl(fd, request, arg);
    } while (rc < 0 && errno == EINTR);
    return rc;
}

/* ---------------------------------------------------------------- modes */

/* A growing array of modes for one device. */
typedef struct ModeList {
    RomcvCameraMode *modes;
    int count;
    int capacity;
} ModeList;

static int add_mode(ModeList *list, uint32_t fourcc, uint32_t width, uint32_t height, double fps) {
    if (list->count == list->capacity) {
        int capacity = list->capacity ? 2 * list->capacity : 16;
        RomcvCameraMode *modes = realloc(list->modes, (size_t)capacity * sizeof *modes);
        if (!modes) {
            return ROMCV_ERR(ENOMEM);
        }
        list->modes = modes;
        list->capacity = capacity;
    }
    RomcvCameraMode *m = &list->modes[list->count++];
    romcv__v4l2_fourcc_text(fourcc, m->fourcc);
    m->width = (int)width;
    m->height = (int)height;
    m->fps = fps;
    return 0;
}

static double fract_fps(const struct v4l2_fract *interval) {
    return interval->numerator ? (double)interval->denominator / interval->numerator : 0.0;
}

/* Adds one mode per frame rate the camera offers at this format and size.
 * A range of intervals is reported by its two ends. */
static int add_rates(int fd, ModeList *list, uint32_t fourcc, uint32_t width, uint32_t height) {
    int added = 0;
    for (uint32_t i = 0; i < MAX_ENUM_INDEX; i++) {
        struct v4l2_frmivalenum iv = {
            .index = i, .pixel_format = fourcc, .width = width, .height = height};
        if (xioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &iv) < 0) {
            break;
        }
        int rc;
        if (iv.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
            rc = add_mode(list, fourcc, width, height, fract_fps(&iv.discrete));
        } else {
            /* The shortest interval is the highest rate. */
            rc = add_mode(list, fourcc, width, height, fract_fps(&iv.stepwise.min));
            if (rc == 0) {
                rc = add_mode(list, fourcc, width, height, fract_fps(&iv.stepwise.max));
            }
            i = MAX_ENUM_INDEX; /* a range is the only entry */
        }
        if (rc < 0) {
            return rc;
        }
        added++;
    }
    /* Many drivers cannot enumerate rates; the size is still usable. */
    return added ? 0 : add_mode(list, fourcc, width, height, 0.0);
}

/* Adds the sizes of one format: each discrete size, or the two ends of a
 * range. Drivers that cannot enumerate sizes get their current size when it
 * is in this format. */
static int add_sizes(int fd, ModeList *list, uint32_t fourcc) {
    uint32_t i = 0;
    for (; i < MAX_ENUM_INDEX; i++) {
        struct v4l2_frmsizeenum size = {.index = i, .pixel_format = fourcc};
        if (xioctl(fd, VIDIOC_ENUM_FRAMESIZES, &size) < 0) {
            break;
        }
        int rc;
        if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
            rc = add_rates(fd, list, fourcc, size.discrete.width, size.discrete.height);
        } else {
            rc = add_rates(fd, list, fourcc, size.stepwise.min_width, size.stepwise.min_height);
            if (rc == 0) {
                rc = add_rates(fd, list, fourcc, size.stepwise.max_width, size.stepwise.max_height);
            }
            i = MAX_ENUM_INDEX; /* a range is the only entry */
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (i > 0) {
        return 0;
    }
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
    if (xioctl(fd, VIDIOC_G_FMT, &fmt) == 0 && fmt.fmt.pix.pixelformat == fourcc) {
        return add_rates(fd, list, fourcc, fmt.fmt.pix.width, fmt.fmt.pix.height);
    }
    return 0;
}

/* ---------------------------------------------------------------- devices */

/* Fills dev from the open device fd. Returns 1 when it is a streaming video
 * capture device, 0 when it is something else (skipped), or a negative code. */
static int probe(int fd, const char *path, RomcvCameraDevice *dev) {
    struct v4l2_capability cap;
    memset(&cap, 0, sizeof cap);
    if (xioctl(fd, VIDIOC_QUERYCAP, &cap) < 0) {
        return 0;
    }
    uint32_t caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
        return 0;
    }
    memset(dev, 0, sizeof *dev);
    snprintf(dev->path, sizeof dev->path, "%s", path);
    snprintf(dev->card, sizeof dev->card, "%.*s", (int)sizeof cap.card, (const char *)cap.card);
    snprintf(dev->driver, sizeof dev->driver, "%.*s", (int)sizeof cap.driver,
             (const char *)cap.driver);
    snprintf(dev->bus_info, sizeof dev->bus_info, "%.*s", (int)sizeof cap.bus_info,
             (const char *)cap.bus_info);

    ModeList list = {0};
    for (uint32_t i = 0; i < MAX_ENUM_INDEX; i++) {
        struct v4l2_fmtdesc desc = {.index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE};
        if (xioctl(fd, VIDIOC_ENUM_FMT, &desc) < 0) {
            break;
        }
        int rc = add_sizes(fd, &list, desc.pixelformat);
        if (rc < 0) {
            free(list.modes);
            return rc;
        }
    }
    dev->modes = list.modes;
    dev->mode_count = list.count;
    return 1;
}

/* The number N of a "videoN" directory entry, or -1 for any other name. */
static long video_node_number(const char *name) {
    if (strncmp(name, "video", 5) != 0 || !isdigit((unsigned char)name[5])) {
        return -1;
    }
    char *end;
    long n = strtol(name + 5, &end, 10);
    return *end == '\0' ? n : -1;
}

static int compare_long(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The numbers of the videoN nodes in dir, sorted, in a malloc'd array. */
static int scan_nodes(const char *dir, long **out, int *count, RomcvDiag *diag) {
    *out = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot list the devices (%s)", dir,
                              strerror(err));
    }
    long *numbers = NULL;
    int n = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        long number = video_node_number(entry->d_name);
        if (number < 0) {
            continue;
        }
        if (n == capacity) {
            capacity = capacity ? 2 * capacity : 16;
            long *grown = realloc(numbers, (size_t)capacity * sizeof *grown);
            if (!grown) {
                free(numbers);
                closedir(d);
                return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "out of memory");
            }
            numbers = grown;
        }
        numbers[n++] = number;
    }
    closedir(d);
    if (n > 1) {
        qsort(numbers, (size_t)n, sizeof *numbers, compare_long);
    }
    *out = numbers;
    *count = n;
    return 0;
}

int romcv_camera_list(const char *dev_dir, RomcvCameraDevice **out, int *count, RomcvDiag *diag) {
    if (!out || !count) {
        return romcv_diag_set(diag, ROMCV_ERR(EINVAL), "romcv_camera_list: out and count needed");
    }
    *out = NULL;
    *count = 0;
    const char *dir = dev_dir ? dev_dir : "/dev";
    long *numbers;
    int node_count;
    int rc = scan_nodes(dir, &numbers, &node_count, diag);
    if (rc < 0) {
        return rc;
    }

    RomcvCameraDevice *devices = NULL;
    int listed = 0;
    int denied_errno = 0;
    char denied_path[sizeof devices->path] = "";
    if (node_count > 0) {
        devices = calloc((size_t)node_count, sizeof *devices);
        if (!devices) {
            free(numbers);
            return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "out of memory");
        }
    }
    for (int i = 0; i < node_count; i++) {
        char path[sizeof devices->path];
        int len = snprintf(path, sizeof path, "%s/video%ld", dir, numbers[i]);
        if (len < 0 || (size_t)len >= sizeof path) {
            rc = romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s/video%ld: path too long", dir,
                                numbers[i]);
            break;
        }
        int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            /* Remembered so that "no camera" is not reported when there are
             * cameras the user may not open. */
            if (!denied_errno && (errno == EACCES || errno == EPERM || errno == EBUSY)) {
                denied_errno = errno;
                snprintf(denied_path, sizeof denied_path, "%s", path);
            }
            continue;
        }
        rc = probe(fd, path, &devices[listed]);
        close(fd);
        if (rc < 0) {
            rc = romcv_diag_set(diag, rc, "%s: out of memory", path);
            break;
        }
        listed += rc;
        rc = 0;
    }
    free(numbers);
    if (rc == 0 && listed == 0 && denied_errno) {
        rc = romcv__v4l2_open_error(diag, denied_path, denied_errno);
    }
    if (rc < 0) {
        romcv_camera_list_free(&devices, listed);
        return rc;
    }
    if (listed == 0) {
        free(devices);
        devices = NULL;
    }
    *out = devices;
    *count = listed;
    return 0;
}

void romcv_camera_list_free(RomcvCameraDevice **list, int count) {
    if (!list || !*list) {
        return;
    }
    for (int i = 0; i < count; i++) {
        free((*list)[i].modes);
    }
    free(*list);
    *list = NULL;
}
