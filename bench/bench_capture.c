/*
 * bench/bench_capture.c: decode + RGB24 conversion throughput of the capture
 * module, one decoder thread, for the sample clip and a 1080p H.264 clip.
 *
 * Usage: bench_capture [SAMPLE.mp4 [CLIP_1080P.mp4 [RUNS]]]
 * The 1080p clip is generated with the ffmpeg tool when it does not exist
 * (default /tmp/romcv_bench_1080p.mp4). Prints figures; not a test.
 */
#include "romcv/capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Decodes the whole clip once; returns the frame count or -1. */
static long decode_clip(const char *path, double *seconds, int *width, int *height) {
    RomcvCaptureSettings s;
    romcv_capture_default_settings(&s);
    s.input = path;
    s.kind = ROMCV_CAPTURE_FILE;
    s.decoder_threads = 1;
    RomcvCapture *cap = NULL;
    RomcvDiag diag;
    double start = now_s();
    if (romcv_capture_open(&cap, &s, &diag) < 0) {
        fprintf(stderr, "bench_capture: %s\n", diag.message);
        return -1;
    }
    RomcvFrame *frame;
    long frames = 0;
    int rc;
    while ((rc = romcv_capture_receive(cap, &frame)) == 0) {
        *width = frame->width;
        *height = frame->height;
        frames++;
        romcv_frame_unref(&frame);
    }
    *seconds = now_s() - start;
    if (rc != ROMCV_E_EOF) {
        fprintf(stderr, "bench_capture: %s\n", romcv_capture_errmsg(cap));
        frames = -1;
    }
    romcv_capture_close(&cap);
    return frames;
}

static int bench(const char *label, const char *path, int runs) {
    double best = 0.0;
    long frames = 0;
    int width = 0, height = 0;
    for (int i = 0; i < runs; i++) {
        double seconds;
        frames = decode_clip(path, &seconds, &width, &height);
        if (frames < 0) {
            return 1;
        }
        if (i == 0 || seconds < best) {
            best = seconds;
        }
    }
    printf("%-8s %-40s %4dx%-4d %5ld frames  best of %d: %7.3f s  %8.1f fps  %6.2f ms/frame\n",
           label, path, width, height, frames, runs, best, (double)frames / best,
           1000.0 * best / (double)frames);
    return 0;
}

int main(int argc, char **argv) {
    const char *sample = argc > 1 ? argv[1] : "../shared/samples/squat_side.mp4";
    const char *hd = argc > 2 ? argv[2] : "/tmp/romcv_bench_1080p.mp4";
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    if (runs < 1) {
        runs = 1;
    }
    struct stat st;
    if (stat(hd, &st) != 0) {
        char command[1024];
        snprintf(command, sizeof command,
                 "ffmpeg -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30 -frames:v 300 "
                 "-c:v libx264 -preset veryfast -pix_fmt yuv420p '%s'",
                 hd);
        fprintf(stderr, "bench_capture: generating %s\n", hd);
        if (system(command) != 0) {
            fprintf(stderr, "bench_capture: cannot generate %s\n", hd);
            return 1;
        }
    }
    printf("romcv %s capture benchmark: decode + convert to RGB24, 1 decoder thread\n",
           romcv_version());
    int rc = bench("sample", sample, runs);
    rc |= bench("1080p", hd, runs);
    return rc;
}
