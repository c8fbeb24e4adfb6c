/*
 * cli/cli.h: what the romcv command's files share. The command is a thin
 * layer over the public API: it parses options (cli/options.h), wires the
 * stages, writes files safely and turns every failure into one line on
 * stderr with a non-zero exit.
 *
 * Exit codes: 0 success, 1 the work failed (bad input, missing models...),
 * 2 bad command line, 130 interrupted (finished outputs are kept).
 *
 * Adding a command: write cli/cmd_NAME.c with
 *     int romcv_cli_NAME(RomcvCliContext *ctx, int argc, char **argv)
 * declare it below, add it to the table in cli/main.c and to
 * cli/CMakeLists.txt.
 */
#ifndef ROMCV_CLI_CLI_H
#define ROMCV_CLI_CLI_H

#include "cli/options.h"
#include "romcv/romcv.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#define ROMCV_EXIT_FAILURE     1
#define ROMCV_EXIT_USAGE       2
#define ROMCV_EXIT_INTERRUPTED 130

/* The built-in input of `romcv analyze` without INPUT (the README's first
 * command): the digital phantom (samples/) performing the seated hip-rotation
 * test, rendered in memory, so the main job runs on a person with nothing but
 * romcv installed. */
#define ROMCV_DEFAULT_INPUT "builtin:phantom"

#define ROMCV_COUNT_OF(a)   (sizeof(a) / sizeof((a)[0]))

/* Options every command shares. */
typedef struct RomcvCliCommon {
    const char *models_dir;
    int verbose;
    int quiet;
    int json_log; /* --json-log: log lines and progress as JSON objects (cli/progress.h) */
} RomcvCliCommon;

struct RomcvCliAnalysis; /* cli/analysis.h */

typedef struct RomcvCliContext {
    const char *program; /* argv[0], to find installed models */
    RomcvCliCommon common;
    RomcvLogger logger;
    /* Called by `romcv analyze` with everything it measured, after the
     * outputs are written and before they are freed (romcv demo compares
     * them with the phantom's truth); NULL for a plain run. */
    void (*on_analysis)(void *cookie, const struct RomcvCliAnalysis *run);
    void *on_analysis_cookie;
} RomcvCliContext;

#define ROMCV_CLI_COMMON_OPTIONS(common)                                                        \
    {"models",                                                                                  \
     0,                                                                                         \
     ROMCV_OPT_STRING,                                                                          \
     &(common).models_dir,                                                                      \
     0,                                                                                         \
     0,                                                                                         \
     NULL,                                                                                      \
     "DIR",                                                                                     \
     "models folder (default: $ROMCV_MODELS, then the install or build location)"},             \
        {"verbose", 'v', ROMCV_OPT_FLAG, &(common).verbose, 0, 0, NULL, NULL, "more messages"}, \
        {"quiet", 'q', ROMCV_OPT_FLAG, &(common).quiet, 0, 0, NULL, NULL, "errors only"}, {     \
        "json-log", 0, ROMCV_OPT_FLAG, &(common).json_log, 0, 0, NULL, NULL,                    \
            "log lines and progress on stderr as one JSON object per line (for batch runners)"  \
    }

/* Where frames come from: INPUT and the capture options. */
typedef struct RomcvCliInput {
    const char *input;
    double from_s;
    double to_s;
    double fps;
    int width;
    int height;
} RomcvCliInput;

#define ROMCV_CLI_INPUT_OPTIONS(in)                                                                  \
    {"from",       0,         ROMCV_OPT_DOUBLE,                                                      \
     &(in).from_s, 0,         1e7,                                                                   \
     NULL,         "SECONDS", "start at this time (frame-accurate)"},                                \
        {"to",       0,         ROMCV_OPT_DOUBLE,                                                    \
         &(in).to_s, 0,         1e7,                                                                 \
         NULL,       "SECONDS", "stop after this time (inclusive)"},                                 \
        {"fps",                                                                                      \
         0,                                                                                          \
         ROMCV_OPT_DOUBLE,                                                                           \
         &(in).fps,                                                                                  \
         0.1,                                                                                        \
         1000,                                                                                       \
         NULL,                                                                                       \
         "RATE",                                                                                     \
         "image sequences: frames per second for their times (default 30); cameras: rate to "        \
         "ask for"},                                                                                 \
        {"width", 0, ROMCV_OPT_INT, &(in).width, 1, 16384, NULL, "PX", "cameras: width to ask for"}, \
    {                                                                                                \
        "height", 0, ROMCV_OPT_INT, &(in).height, 1, 16384, NULL, "PX",                              \
            "cameras: height to ask for"                                                             \
    }

void romcv_cli_input_defaults(RomcvCliInput *in);

/* Opens the capture for in, with the context's logger. */
int romcv_cli_open_input(const RomcvCliContext *ctx, const RomcvCliInput *in,
                         RomcvCapture **capture, RomcvDiag *diag);

/* Parses argv[2..] against line's table. Returns -1 to go on, or the exit
 * code to return at once (help printed, or a usage error reported). */
int romcv_cli_parse_or_exit(RomcvCommandLine *line, int argc, char **argv, const char *usage,
                            const char *description);

/* Installs the stderr logger at the level -q / -v ask for. */
void romcv_cli_setup_logger(RomcvCliContext *ctx);

/* Prints "command: message" and returns ROMCV_EXIT_FAILURE. */
int romcv_cli_fail(const char *command, const RomcvDiag *diag);

/* Finds the models folder from --models, $ROMCV_MODELS or the install/build location. */
int romcv_cli_models_dir(const RomcvCliContext *ctx, char *dir, size_t size, RomcvDiag *diag);

/* Finds the models folder and verifies the detector and landmark_model. */
int romcv_cli_verify_pipeline_models(const RomcvCliContext *ctx, RomcvModelId landmark_model,
                                     char *dir, size_t size, RomcvDiag *diag);

/* ------------------------------------------------------------ output files */

/* A file written under a temporary name (".NAME.tmp" in the same folder)
 * and renamed into place by commit, so a crash, a full disk or Ctrl-C never
 * leaves a half-written file under the final name. */
typedef struct RomcvCliOutput {
    FILE *file;
    char path[4096];
    char tmp_path[4096];
} RomcvCliOutput;

int romcv_cli_output_open(RomcvCliOutput *out, const char *dir, const char *name, RomcvDiag *diag);
/* Flushes, checks for write errors, renames into place. */
int romcv_cli_output_commit(RomcvCliOutput *out, RomcvDiag *diag);
/* Closes and deletes the temporary file, if any. */
void romcv_cli_output_abandon(RomcvCliOutput *out);
/* Creates dir if it does not exist; fails if it exists and is not a folder. */
int romcv_cli_make_dir(const char *dir, RomcvDiag *diag);
/* Writes s as a JSON string literal. */
void romcv_cli_json_string(FILE *f, const char *s);

/* ------------------------------------------------------------- interrupts */

/* Ctrl-C must not lose work: a thread waits for SIGINT/SIGTERM, records the
 * interrupt and stops the capture; the command then writes what it has. */
typedef struct RomcvCliInterrupt {
    pthread_t thread;
    sigset_t set;
    atomic_bool interrupted;
    pthread_mutex_t lock; /* guards capture: it must not be closed mid-interrupt */
    RomcvCapture *capture;
    bool running;
} RomcvCliInterrupt;

/* Blocks SIGINT/SIGTERM in every thread created afterwards and starts the
 * watcher. Call before opening the capture. */
void romcv_cli_interrupt_start(RomcvCliInterrupt *watch);
/* Which capture to stop on an interrupt (NULL: none). */
void romcv_cli_interrupt_watch(RomcvCliInterrupt *watch, RomcvCapture *capture);
bool romcv_cli_interrupted(RomcvCliInterrupt *watch);
void romcv_cli_interrupt_stop(RomcvCliInterrupt *watch);

/* --------------------------------------------------------------- commands */

int romcv_cli_analyze(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_probe(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_calibrate(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_landmarks(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_devices(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_models(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_phantom(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_markers_sheet(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_protocols(RomcvCliContext *ctx, int argc, char **argv);
int romcv_cli_demo(RomcvCliContext *ctx, int argc, char **argv);
/* The short human summary of a protocol result (cmd_protocols.c). */
void romcv_cli_print_protocol_result(FILE *f, const RomcvProtocolResult *result,
                                     const RomcvAngleResults *angles);
int romcv_cli_version(RomcvCliContext *ctx, int argc, char **argv);
void romcv_cli_print_version(const RomcvCliContext *ctx);

#endif /* ROMCV_CLI_CLI_H */
