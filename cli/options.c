/* cli/options.c: see options.h. */
#include "cli/options.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int fail(RomcvCommandLine *line, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    int n = snprintf(line->error, sizeof line->error, "%s: ", line->command);
    if (n > 0 && (size_t)n < sizeof line->error) {
        vsnprintf(line->error + n, sizeof line->error - (size_t)n, fmt, args);
    }
    va_end(args);
    return -1;
}

/* Levenshtein distance, capped: only small distances matter for suggestions. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) {
        return 99;
    }
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diagonal + cost;
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diagonal = up;
        }
    }
    return row[lb];
}

const char *romcv_cli_suggest(const char *word, const char *const *candidates, size_t count) {
    const char *best = NULL;
    size_t best_distance = 3;
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d < best_distance) {
            best = candidates[i];
            best_distance = d;
        }
    }
    if (!best && strlen(word) >= 2) {
        for (size_t i = 0; i < count; i++) {
            if (strncmp(candidates[i], word, strlen(word)) == 0) {
                return candidates[i];
            }
        }
    }
    return best;
}

static const RomcvOption *find_long(const RomcvCommandLine *line, const char *name, size_t len) {
    for (size_t i = 0; i < line->option_count; i++) {
        const RomcvOption *o = &line->options[i];
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
            return o;
        }
    }
    return NULL;
}

static const RomcvOption *find_short(const RomcvCommandLine *line, char c) {
    for (size_t i = 0; i < line->option_count; i++) {
        if (line->options[i].short_name == c) {
            return &line->options[i];
        }
    }
    return NULL;
}

static int unknown_option(RomcvCommandLine *line, const char *arg, size_t len) {
    const char *names[128];
    size_t n = 0;
    for (size_t i = 0; i < line->option_count && n < 127; i++) {
        names[n++] = line->options[i].name;
    }
    names[n++] = "help";
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(len < 63 ? len : 63), arg);
    const char *guess = romcv_cli_suggest(word, names, n);
    if (guess) {
        return fail(line, "unknown option '--%s' (did you mean '--%s'?)", word, guess);
    }
    return fail(line, "unknown option '--%s' (see --help)", word);
}

static int store_value(RomcvCommandLine *line, const RomcvOption *o, const char *value) {
    switch (o->kind) {
    case ROMCV_OPT_FLAG:
        *(int *)o->target = 1;
        return 0;
    case ROMCV_OPT_STRING:
        if (!*value) {
            return fail(line, "option '--%s' needs a non-empty %s", o->name,
                        o->metavar ? o->metavar : "value");
        }
        *(const char **)o->target = value;
        return 0;
    case ROMCV_OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (!*value || *end || errno) {
            return fail(line, "option '--%s' wants a whole number, not '%s'", o->name, value);
        }
        if (v < o->min || v > o->max) {
            return fail(line, "option '--%s' must be between %g and %g, not %ld", o->name, o->min,
                        o->max, v);
        }
        *(int *)o->target = (int)v;
        return 0;
    }
    case ROMCV_OPT_DOUBLE: {
        char *end;
        errno = 0;
        double v = strtod(value, &end);
        if (!*value || *end || errno || !isfinite(v)) {
            return fail(line, "option '--%s' wants a number, not '%s'", o->name, value);
        }
        if (v < o->min || v > o->max) {
            return fail(line, "option '--%s' must be between %g and %g, not %g", o->name, o->min,
                        o->max, v);
        }
        *(double *)o->target = v;
        return 0;
    }
    case ROMCV_OPT_CHOICE: {
        size_t len = strlen(value);
        const char *c = o->choices;
        while (c && *c) {
            const char *bar = strchr(c, '|');
            size_t clen = bar ? (size_t)(bar - c) : strlen(c);
            if (clen == len && len > 0 && strncmp(c, value, len) == 0) {
                *(const char **)o->target = value;
                return 0;
            }
            c = bar ? bar + 1 : NULL;
        }
        return fail(line, "option '--%s' must be one of %s, not '%s'", o->name, o->choices, value);
    }
    }
    return fail(line, "option '--%s': internal error", o->name);
}

int romcv_cli_parse(RomcvCommandLine *line, int argc, char **argv, int first) {
    line->positional_count = 0;
    line->help_requested = false;
    line->error[0] = '\0';
    bool options_done = false;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            if (line->positional_count >= line->max_positionals) {
                return fail(line, "unexpected argument '%s'", arg);
            }
            line->positionals[line->positional_count++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            line->help_requested = true;
            continue;
        }
        const RomcvOption *o;
        const char *inline_value = NULL;
        if (arg[1] == '-') {
            const char *name = arg + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(line, name, len);
            if (!o) {
                return unknown_option(line, name, len);
            }
            inline_value = eq ? eq + 1 : NULL;
        } else {
            if (arg[2] != '\0') {
                return fail(line, "unknown option '%s' (short options stand alone; see --help)",
                            arg);
            }
            o = find_short(line, arg[1]);
            if (!o) {
                return fail(line, "unknown option '%s' (see --help)", arg);
            }
        }
        if (o->kind == ROMCV_OPT_FLAG) {
            if (inline_value) {
                return fail(line, "option '--%s' takes no value", o->name);
            }
            store_value(line, o, NULL);
            continue;
        }
        const char *value = inline_value;
        if (!value) {
            if (i + 1 >= argc) {
                return fail(line, "option '--%s' needs a value (%s)", o->name,
                            o->metavar ? o->metavar : "see --help");
            }
            value = argv[++i];
        }
        if (store_value(line, o, value) < 0) {
            return -1;
        }
    }
    return 0;
}

void romcv_cli_print_options(FILE *out, const RomcvOption *options, size_t count) {
    for (size_t i = 0; i < count; i++) {
        const RomcvOption *o = &options[i];
        char left[64];
        const char *meta = o->kind == ROMCV_OPT_FLAG     ? ""
                           : o->kind == ROMCV_OPT_CHOICE ? o->choices
                           : o->metavar                  ? o->metavar
                                                         : "VALUE";
        if (o->short_name) {
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, *meta ? " " : "",
                     meta);
        } else {
            snprintf(left, sizeof left, "    --%s%s%s", o->name, *meta ? " " : "", meta);
        }
        fprintf(out, "  %-30s %s\n", left, o->help);
    }
    fprintf(out, "  %-30s %s\n", "-h, --help", "show this help");
}
