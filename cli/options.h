/*
 * cli/options.h: table-driven command-line parsing for the romcv command.
 *
 * Each command describes its options once, in a RomcvOption table (name,
 * argument kind, range, help, where the value goes); the same table drives
 * parsing, range errors, "did you mean" suggestions and --help (style.md:
 * FFmpeg's AVOption). Errors are one line naming the command and the option.
 */
#ifndef ROMCV_CLI_OPTIONS_H
#define ROMCV_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum RomcvOptionKind {
    ROMCV_OPT_FLAG,   /* no argument; sets an int to 1 */
    ROMCV_OPT_STRING, /* const char * into argv */
    ROMCV_OPT_INT,    /* int within [min, max] */
    ROMCV_OPT_DOUBLE, /* finite double within [min, max] */
    ROMCV_OPT_CHOICE, /* one of choices ("lite|full|heavy"), stored as const char * */
} RomcvOptionKind;

typedef struct RomcvOption {
    const char *name; /* long name without dashes: "from" */
    char short_name;  /* 'o', or 0 */
    RomcvOptionKind kind;
    void *target;        /* int *, double *, const char ** by kind */
    double min, max;     /* for INT and DOUBLE */
    const char *choices; /* for CHOICE: "a|b|c" */
    const char *metavar; /* "SECONDS" in the help */
    const char *help;
} RomcvOption;

typedef struct RomcvCommandLine {
    const char *command; /* "romcv analyze", for messages */
    const RomcvOption *options;
    size_t option_count;
    const char **positionals; /* filled with the non-option arguments */
    size_t max_positionals;
    size_t positional_count;
    bool help_requested; /* -h / --help was given */
    char error[512];     /* the one-line message when parsing fails */
} RomcvCommandLine;

/* Parses argv[first..argc). Returns 0, or -1 with line->error set. "--"
 * ends options. Values may follow as "--from 2" or "--from=2". */
int romcv_cli_parse(RomcvCommandLine *line, int argc, char **argv, int first);

/* Prints the option table as help text. */
void romcv_cli_print_options(FILE *out, const RomcvOption *options, size_t count);

/* The candidate closest to word (edit distance at most 2, or a prefix), or NULL. */
const char *romcv_cli_suggest(const char *word, const char *const *candidates, size_t count);

#endif /* ROMCV_CLI_OPTIONS_H */
