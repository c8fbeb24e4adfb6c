/*
 * cli/progress.h: what a long command says on stderr while it works, and in
 * which form.
 *
 * The form is chosen once per command, from the common options and stderr:
 * - --quiet: nothing but errors.
 * - --json-log: every log line is one JSON object on its own line,
 *   {"level":"warning","module":"capture","message":"..."}, and progress is
 *   {"progress":{"frame":120,"frames_total":614,"fps":29.8,"eta_s":16.5}}
 *   about once a second and once at the end, so a batch runner (Slurm) can
 *   parse stderr line by line without guessing.
 * - stderr a terminal: one status line ("romcv: frame 120/614 (20%), 29.8
 *   fps, 17 s left") redrawn in place with '\r' a few times a second and
 *   erased at the end, so the terminal is left as clean as before.
 * - stderr a pipe or a file: no progress (a log file should not fill with
 *   redraws); log lines stay plain text.
 *
 * Redraws are rate-limited with the monotonic clock so that progress costs
 * nothing measurable per frame. No global state: a RomcvCliProgress lives on
 * the command's stack.
 */
#ifndef ROMCV_CLI_PROGRESS_H
#define ROMCV_CLI_PROGRESS_H

#include "cli/cli.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum RomcvCliProgressMode {
    ROMCV_CLI_PROGRESS_OFF = 0,
    ROMCV_CLI_PROGRESS_TERMINAL = 1,
    ROMCV_CLI_PROGRESS_JSON = 2,
} RomcvCliProgressMode;

typedef struct RomcvCliProgress {
    FILE *out; /* stderr */
    RomcvCliProgressMode mode;
    int64_t total;  /* frames expected; <= 0: unknown (no percentage, no time left) */
    int64_t frames; /* frames done so far */
    double start_s; /* monotonic clock at begin */
    double next_s;  /* no redraw before this time */
    int shown;      /* characters of the status line now on the terminal */
} RomcvCliProgress;

/* The form for these options, given whether stderr is a terminal. */
RomcvCliProgressMode romcv_cli_progress_mode(const RomcvCliCommon *common, int stderr_is_terminal);

/* Starts reporting on stderr in the form ctx's options and stderr ask for;
 * total is the frame count expected (<= 0: unknown). */
void romcv_cli_progress_begin(RomcvCliProgress *p, const RomcvCliContext *ctx, int64_t total);
/* Frames done so far; redraws when the last redraw is old enough (the first
 * call always draws). */
void romcv_cli_progress_update(RomcvCliProgress *p, int64_t frames);
/* Terminal: erases the status line. JSON: one last progress line, so a
 * runner always sees the final count. */
void romcv_cli_progress_end(RomcvCliProgress *p);

/* Frames a capture will deliver between in's --from and --to, estimated
 * from the container's frame count and duration; -1 when unknown (cameras,
 * streams without a count). For progress only: never used as a result. */
int64_t romcv_cli_expected_frames(const RomcvCaptureInfo *info, const RomcvCliInput *in);

/* One progress report as text, without a newline: "frame 120/614 (20%),
 * 29.8 fps, 17 s left" (terminal) or the JSON object (JSON). elapsed_s is
 * the wall time since the start. Returns the length written (truncated to
 * size - 1). */
size_t romcv_cli_progress_format(char *buf, size_t size, RomcvCliProgressMode mode, int64_t frames,
                                 int64_t total, double elapsed_s);

/* ------------------------------------------------------------ JSON lines */

/* A RomcvLogCallback that writes {"level":..,"module":..,"message":..} and a
 * newline to stderr in one write (lines from two threads never mix). */
void romcv_cli_log_json(void *cookie, RomcvLogLevel level, const char *module, const char *message);

/* text as the inside of a JSON string (no quotes): '"', '\\' and control
 * characters escaped, invalid UTF-8 bytes replaced by U+FFFD, so the line
 * always parses. Truncates at a character boundary to fit size - 1 bytes;
 * returns the length written. */
size_t romcv_cli_json_escape(char *out, size_t size, const char *text);

/* A message of command's on stderr in the command's form: "command:
 * message" or, with --json-log, a JSON line at level with command as the
 * module. For the outcome lines a command prints itself (outside the
 * library's logger), so that --json-log leaves no line that is not JSON. */
void romcv_cli_message(const RomcvCliContext *ctx, RomcvLogLevel level, const char *command,
                       const char *fmt, ...) ROMCV_PRINTF(4, 5);
/* romcv_cli_message at ROMCV_LOG_ERROR; returns ROMCV_EXIT_FAILURE. */
int romcv_cli_error(const RomcvCliContext *ctx, const char *command, const char *fmt, ...)
    ROMCV_PRINTF(3, 4);
/* romcv_cli_fail() in the command's form: diag's message (or its code's
 * text); returns ROMCV_EXIT_FAILURE. */
int romcv_cli_fail_diag(const RomcvCliContext *ctx, const char *command, const RomcvDiag *diag);

#endif /* ROMCV_CLI_PROGRESS_H */
