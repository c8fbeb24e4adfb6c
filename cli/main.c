/*
 * cli/main.c: the romcv command's entry point: finds the command and hands
 * it the arguments. Each command lives in cli/cmd_*.c; cli/cli.h explains how
 * to add one.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct Command {
    const char *name;
    const char *summary;
    int (*run)(RomcvCliContext *ctx, int argc, char **argv);
} Command;

static int help_command(RomcvCliContext *ctx, int argc, char **argv);

static const Command commands[] = {
    {"analyze", "measure a video, image folder or camera (the main job)", romcv_cli_analyze},
    {"probe", "show what romcv decodes from an input: size, rotation, frame times",
     romcv_cli_probe},
    {"landmarks", "pose landmarks per frame as JSON lines (MediaPipe's schema)",
     romcv_cli_landmarks},
    {"calibrate", "camera file from a chessboard; the true vertical; metres per pixel",
     romcv_cli_calibrate},
    {"devices", "list cameras with their formats, sizes and frame rates", romcv_cli_devices},
    {"models", "locate the models and verify their SHA-256 sums", romcv_cli_models},
    {"demo", "render the phantom's hip-rotation test, analyse it, compare with the truth",
     romcv_cli_demo},
    {"protocols", "list the movement protocols and how to record them", romcv_cli_protocols},
    {"phantom", "render the digital phantom performing a protocol, with its truth",
     romcv_cli_phantom},
    {"markers-sheet", "a printable page of the ArUco skin markers for --markers aruco",
     romcv_cli_markers_sheet},
    {"version", "print version, git revision and model sums", romcv_cli_version},
    {"help", "help on a command: romcv help COMMAND", help_command},
};

static void print_main_help(FILE *out) {
    fprintf(out, "romcv: range of motion from video (hip rotation, pelvic tilt and obliquity, "
                 "lumbar lordosis)\n\n"
                 "usage: romcv COMMAND [options]\n       romcv --help | --version\n\ncommands:\n");
    for (size_t i = 0; i < ROMCV_COUNT_OF(commands); i++) {
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\n'romcv COMMAND --help' lists a command's options.\n"
                 "Examples: romcv demo                 (the phantom, analysed and checked)\n"
                 "          romcv analyze clip.mp4 --protocol squat --out results\n"
                 "          romcv protocols            (what to film, and how)\n");
}

static const Command *find_command(const char *name) {
    for (size_t i = 0; i < ROMCV_COUNT_OF(commands); i++) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

static int unknown_command(const char *name) {
    const char *names[ROMCV_COUNT_OF(commands)];
    for (size_t i = 0; i < ROMCV_COUNT_OF(commands); i++) {
        names[i] = commands[i].name;
    }
    const char *guess = romcv_cli_suggest(name, names, ROMCV_COUNT_OF(commands));
    if (guess) {
        fprintf(stderr, "romcv: unknown command '%s' (did you mean '%s'?)\n", name, guess);
    } else {
        fprintf(stderr, "romcv: unknown command '%s' (see romcv --help)\n", name);
    }
    return ROMCV_EXIT_USAGE;
}

static int help_command(RomcvCliContext *ctx, int argc, char **argv) {
    if (argc <= 2 || strcmp(argv[2], "help") == 0) {
        print_main_help(stdout);
        return EXIT_SUCCESS;
    }
    const Command *command = find_command(argv[2]);
    if (!command) {
        return unknown_command(argv[2]);
    }
    char help_flag[] = "--help";
    char *help_argv[] = {argv[0], argv[2], help_flag, NULL};
    return command->run(ctx, 3, help_argv);
}

int main(int argc, char **argv) {
    RomcvCliContext ctx = {0};
    ctx.program = argv[0];
    /* Standard output may be a pipe to another tool: keep lines whole. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    romcv_capture_set_ffmpeg_log_level(ROMCV_LOG_QUIET);
    if (argc < 2) {
        print_main_help(stderr);
        return ROMCV_EXIT_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
        print_main_help(stdout);
        return EXIT_SUCCESS;
    }
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0) {
        romcv_cli_print_version(&ctx);
        return EXIT_SUCCESS;
    }
    if (first[0] == '-') {
        fprintf(stderr, "romcv: unknown option '%s' before the command (see romcv --help)\n",
                first);
        return ROMCV_EXIT_USAGE;
    }
    const Command *command = find_command(first);
    if (!command) {
        return unknown_command(first);
    }
    return command->run(&ctx, argc, argv);
}
