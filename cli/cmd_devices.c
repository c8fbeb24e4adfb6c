/* cli/cmd_devices.c: romcv devices, the cameras. */
#include "cli/cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* romcv devices: the V4L2 cameras and what they can do. */
int romcv_cli_devices(RomcvCliContext *ctx, int argc, char **argv) {
    const char *dev_dir = NULL;
    RomcvOption options[] = {
        {"dev", 0, ROMCV_OPT_STRING, &dev_dir, 0, 0, NULL, "DIR",
         "look for video devices in DIR (default /dev)"},
        ROMCV_CLI_COMMON_OPTIONS(ctx->common),
    };
    RomcvCommandLine line = {"romcv devices", options, ROMCV_COUNT_OF(options), NULL, 0, 0,
                             false,           ""};
    int rc = romcv_cli_parse_or_exit(
        &line, argc, argv, "romcv devices [options]",
        "Lists the cameras (V4L2) with their formats, sizes and frame rates.");
    if (rc >= 0) {
        return rc;
    }
    RomcvDiag diag = {0};
    RomcvCameraDevice *devices = NULL;
    int count = 0;
    if (romcv_camera_list(dev_dir, &devices, &count, &diag) < 0) {
        return romcv_cli_fail("romcv devices", &diag);
    }
    if (count == 0) {
        printf("no cameras found in %s\n", dev_dir ? dev_dir : "/dev");
    }
    for (int i = 0; i < count; i++) {
        const RomcvCameraDevice *d = &devices[i];
        printf("%s  camera:%d  %s (%s, %s)\n", d->path, i, d->card, d->driver, d->bus_info);
        for (int m = 0; m < d->mode_count; m++) {
            const RomcvCameraMode *mode = &d->modes[m];
            printf("    %-4s %5dx%-5d %7.3f fps\n", mode->fourcc, mode->width, mode->height,
                   mode->fps);
        }
    }
    romcv_camera_list_free(&devices, count);
    return EXIT_SUCCESS;
}
